//! Hostile files (issue 12 §5): imports that cannot lose or invent data. Every fixture is built here, with
//! rust_xlsxwriter and the zip crate, never by hand.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use jingzhun_io::households::{parse_date, read_households, read_households_csv, ReadOptions};
use jingzhun_io::table::{check_xlsx_budget, Cell, TableError, XlsxBudget};
use rust_xlsxwriter::Workbook;

use crate::common::{csv, id, today};

const HEADER: &str =
    "户编号,行政区划代码,姓名,证件号码,与户主关系,民族,自然村,首次识别时间,脱贫年度";

fn options() -> ReadOptions {
    ReadOptions::new(today())
}

fn read_csv(lines: &[&str]) -> Result<jingzhun_io::ImportBatch, TableError> {
    read_households_csv(&csv(lines), "户.csv", &options())
}

fn reasons(batch: &jingzhun_io::ImportBatch) -> Vec<String> {
    batch.problems.iter().map(|p| p.to_string()).collect()
}

fn row(number: &str, name: &str, id: &str, relationship: &str, rest: &str) -> String {
    format!("{number},511902001001,{name},{id},{relationship},{rest}")
}

#[test]
fn an_unclosed_csv_quote_is_refused_with_the_row_where_it_opened() {
    let a = id("511902", "19700315", 11);
    let b = id("511902", "19720315", 22);
    let c = id("511902", "19740315", 33);
    let lines = [
        HEADER.to_owned(),
        row("5119020010010001", "张三", &a, "户主", "汉族,一组,,"),
        row("5119020010010002", "\"李四", &b, "户主", "汉族,一组,,"),
        row("5119020010010003", "王五", &c, "户主", "汉族,一组,,"),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let err = read_csv(&lines).unwrap_err();
    assert!(
        matches!(err, TableError::UnclosedQuote { row: 3, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("第 3 行"), "{err}");
}

#[test]
fn a_csv_quote_closed_rows_later_never_pulls_those_rows_into_one_cell() {
    let a = id("511902", "19700315", 11);
    let b = id("511902", "19720315", 22);
    let lines = [
        HEADER.to_owned(),
        row("5119020010010001", "\"张三", &a, "户主", "汉族,一组,,"),
        row("5119020010010002", "李四", &b, "户主", "汉族,\"一组,,"),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let err = read_csv(&lines).unwrap_err();
    assert!(
        matches!(err, TableError::QuoteAcrossRows { row: 2, end: 3, .. }),
        "{err}"
    );
}

#[test]
fn two_households_with_one_number_are_refused_not_merged() {
    let a = id("511902", "19700315", 11);
    let b = id("511902", "19720315", 22);
    let lines = [
        HEADER.to_owned(),
        row("5119020010010001", "张三", &a, "户主", "汉族,一组,,"),
        row("5119020010010001", "李四", &b, "户主", "汉族,二组,,"),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let batch = read_csv(&lines).unwrap();
    assert!(!batch.is_valid());
    let all = reasons(&batch).join("\n");
    assert!(all.contains("第 3 行") && all.contains("两户"), "{all}");

    // The same number in two villages is two households as well.
    let other_village = format!("5119020010010001,511902001002,李四,{b},妻,汉族,一组,,");
    let lines = [
        HEADER.to_owned(),
        row("5119020010010001", "张三", &a, "户主", "汉族,一组,,"),
        other_village,
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let batch = read_csv(&lines).unwrap();
    let all = reasons(&batch).join("\n");
    assert!(all.contains("两户"), "{all}");
}

#[test]
fn a_household_without_a_head_is_refused() {
    let a = id("511902", "19700315", 11);
    let b = id("511902", "19720315", 22);
    let lines = [
        HEADER.to_owned(),
        row("5119020010010001", "张三", &a, "户主", "汉族,一组,,"),
        row("5119020010010002", "李四", &b, "妻", "汉族,一组,,"),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let batch = read_csv(&lines).unwrap();
    assert_eq!(batch.problems.len(), 1, "{:#?}", batch.problems);
    assert_eq!(batch.problems[0].row, 3);
    assert!(batch.problems[0].reason.contains("没有户主"));
}

#[test]
fn a_household_number_must_carry_its_own_villages_code() {
    let a = id("511902", "19700315", 11);
    let lines = [
        HEADER.to_owned(),
        row("5119030010010001", "张三", &a, "户主", "汉族,一组,,"),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let batch = read_csv(&lines).unwrap();
    let all = reasons(&batch).join("\n");
    assert!(
        all.contains("511902001001") && all.contains("开头"),
        "{all}"
    );
}

#[test]
fn a_year_typed_as_a_number_in_a_date_column_is_a_year_not_an_excel_serial() {
    let year_end = NaiveDate::from_ymd_opt(2014, 12, 31);
    assert_eq!(parse_date(Cell::Number(2014.0)).ok(), year_end);
    assert_eq!(parse_date(Cell::Date(2014.0)).ok(), year_end);
    assert_eq!(parse_date(Cell::Text("2014")).ok(), year_end);
    assert_eq!(parse_date(Cell::Text("2014年")).ok(), year_end);
    // A real serial still is one.
    assert_eq!(
        parse_date(Cell::Number(41913.0)).ok(),
        NaiveDate::from_ymd_opt(2014, 10, 1)
    );

    // Through a real workbook: the number 2014 typed in 首次识别时间.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("year.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in HEADER.split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    let a = id("511902", "19700315", 11);
    for (c, v) in [
        "5119020010010001",
        "511902001001",
        "张三",
        &a,
        "户主",
        "汉族",
        "一组",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    ws.write_number(1, 7, 2014).unwrap();
    wb.save(&path).unwrap();
    let batch = read_households(&path, &options()).unwrap();
    assert!(batch.is_valid(), "{:#?}", batch.problems);
    assert_eq!(batch.households[0].first_identified, year_end);
}

#[test]
fn future_dates_and_an_exit_before_registration_are_refused() {
    let a = id("511902", "19700315", 11);
    let b = id("511902", "19720315", 22);
    let lines = [
        HEADER.to_owned(),
        // today() is 2024-06-30.
        row(
            "5119020010010001",
            "张三",
            &a,
            "户主",
            "汉族,一组,2024-07-01,",
        ),
        row(
            "5119020010010002",
            "李四",
            &b,
            "户主",
            "汉族,一组,2016-10-01,2015",
        ),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let batch = read_csv(&lines).unwrap();
    let all = reasons(&batch).join("\n");
    assert_eq!(batch.problems.len(), 2, "{all}");
    assert!(all.contains("第 2 行") && all.contains("之后"), "{all}");
    assert!(
        all.contains("第 3 行") && all.contains("早于首次识别时间"),
        "{all}"
    );
    let lines = [
        HEADER.to_owned(),
        row(
            "5119020010010001",
            "张三",
            &a,
            "户主",
            "汉族,一组,2014-10-01,2025",
        ),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let batch = read_csv(&lines).unwrap();
    assert!(
        reasons(&batch).join("").contains("今年"),
        "{:?}",
        batch.problems
    );
}

#[test]
fn invalid_gbk_bytes_are_refused_with_the_row_not_replaced() {
    let a = id("511902", "19700315", 11);
    let text = format!(
        "{HEADER}\n{}\n",
        row("5119020010010001", "张三", &a, "户主", "汉族,一组,,")
    );
    let mut bytes = encoding_rs::GBK.encode(&text).0.into_owned();
    bytes.extend_from_slice(b"5119020010010002,511902001001,\xC0\xFF,");
    bytes.extend_from_slice(id("511902", "19720315", 22).as_bytes());
    bytes.extend_from_slice(b",\xBB\xA7\xD6\xF7,,,,\n");
    let err = read_households_csv(&bytes, "gbk.csv", &options()).unwrap_err();
    assert!(matches!(err, TableError::Encoding { row: 3, .. }), "{err}");
    assert!(err.to_string().contains("第 3 行"), "{err}");
}

#[test]
fn free_text_over_its_limit_or_with_control_characters_is_refused() {
    const {
        assert!(jingzhun_io::households::MAX_CELL_CHARS < 32_767);
        assert!(jingzhun_io::households::MAX_PLACE_CHARS < 32_767);
    }
    let a = id("511902", "19700315", 11);
    let b = id("511902", "19720315", 22);
    let c = id("511902", "19740315", 33);
    let long_place = "组".repeat(jingzhun_io::households::MAX_PLACE_CHARS + 1);
    let lines = [
        HEADER.to_owned(),
        row(
            "5119020010010001",
            "张\u{202E}三",
            &a,
            "户主",
            "汉族,一组,,",
        ),
        row(
            "5119020010010002",
            "李四",
            &b,
            "户主",
            &format!("汉族,{long_place},,"),
        ),
        row("5119020010010003", "王五", &c, "户主", "汉\u{7}族,一组,,"),
    ];
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let batch = read_csv(&lines).unwrap();
    let rows: Vec<usize> = batch.problems.iter().map(|p| p.row).collect();
    assert_eq!(rows, vec![2, 3, 4], "{:#?}", batch.problems);
    assert!(batch.problems[0].reason.contains("U+202E"));
    assert!(!batch.problems[0].value.contains('\u{202E}'));
    assert!(batch.problems[1].reason.contains("超过上限"));
    assert!(batch.problems[2].reason.contains("U+0007"));
}

/// A small valid workbook of one household.
fn small_xlsx(path: &Path) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    let a = id("511902", "19700315", 11);
    for (c, h) in HEADER.split(',').enumerate() {
        ws.write_string(0, c as u16, h).unwrap();
    }
    for (c, v) in ["5119020010010001", "511902001001", "张三", &a, "户主"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    wb.save(path).unwrap();
}

/// Rewrites the XLSX at `from` into `to`, replacing or adding parts.
fn rewrite(from: &Path, to: &Path, parts: &[(&str, &[u8])]) {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(from).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(to).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().to_owned();
        if parts.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.start_file(name, options).unwrap();
        out.write_all(&bytes).unwrap();
    }
    for (name, bytes) in parts {
        out.start_file(*name, options).unwrap();
        out.write_all(bytes).unwrap();
    }
    out.finish().unwrap();
}

#[test]
fn an_xlsx_expanding_far_beyond_its_size_is_refused_before_any_sheet_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.xlsx");
    small_xlsx(&plain);
    // 40 MB of zeros pack into about 40 kB: a ratio no spreadsheet has.
    let bomb = dir.path().join("bomb.xlsx");
    rewrite(&plain, &bomb, &[("xl/media/pad.bin", &vec![0u8; 40 << 20])]);
    assert!(std::fs::metadata(&bomb).unwrap().len() < 1 << 20);
    let err = read_households(&bomb, &options()).unwrap_err();
    assert!(matches!(err, TableError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("解压后过大"), "{err}");
    assert!(read_households(&plain, &options()).is_ok());
}

/// Sets the uncompressed size the central directory declares for every part to `size`.
fn declare_sizes(path: &Path, size: u32) -> PathBuf {
    let mut bytes = std::fs::read(path).unwrap();
    let mut i = 0;
    while i + 46 <= bytes.len() {
        if bytes[i..i + 4] == [0x50, 0x4b, 0x01, 0x02] {
            bytes[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
            i += 46;
        } else {
            i += 1;
        }
    }
    let out = path.with_extension("declared.xlsx");
    std::fs::write(&out, bytes).unwrap();
    out
}

#[test]
fn a_2_mb_xlsx_that_expands_to_gigabytes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.xlsx");
    small_xlsx(&plain);
    // Every part says it expands to 1.9 GB: about 17 GB together, from a file of a few kB.
    let lying = declare_sizes(&plain, 1_900_000_000);
    let err = read_households(&lying, &options()).unwrap_err();
    assert!(matches!(err, TableError::TooLarge { .. }), "{err}");
    // The budget is a parameter of the check, so a deployment's limit is tested the same way.
    let budget = XlsxBudget {
        total: 1 << 10,
        ..XlsxBudget::default()
    };
    assert!(matches!(
        check_xlsx_budget(&plain, &budget),
        Err(TableError::TooLarge { .. })
    ));
    assert!(check_xlsx_budget(&plain, &XlsxBudget::default()).is_ok());
}

#[test]
fn shared_formulas_in_any_shape_are_detected() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.xlsx");
    small_xlsx(&plain);
    let a = id("511902", "19700315", 11);
    let b = id("511902", "19720315", 22);
    let s = |r: &str, t: &str| format!(r#"<c r="{r}" t="inlineStr"><is><t>{t}</t></is></c>"#);
    let header: String = ["A", "B", "C", "D", "E", "F"]
        .iter()
        .zip(HEADER.split(','))
        .map(|(c, h)| s(&format!("{c}1"), h))
        .collect();
    // B2:B3 a shared formula down a column; E2:F3 a block whose later cells are self-closing, one of
    // them with a namespace prefix.
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1">{header}</row>
<row r="2">{}<c r="B2" t="str"><f t="shared" ref="B2:B3" si="0">"511902001001"</f><v>511902001001</v></c>{}{}<c r="E2" t="str"><f t="shared" ref="E2:F3" si="1">"户主"</f><v>户主</v></c><c r="F2" t="str"><f t="shared" si="1"/><v>汉族</v></c></row>
<row r="3">{}<c r="B3" t="str"><f t="shared" si="0"/><v>511902001001</v></c>{}{}<c r="E3" t="str"><x:f t="shared" si="1"/><v>户主</v></c><c r="F3" t="str"><f t="shared" si="1"></f><v>汉族</v></c></row>
</sheetData></worksheet>"#,
        s("A2", "5119020010010001"),
        s("C2", "张三"),
        s("D2", &a),
        s("A3", "5119020010010002"),
        s("C3", "李四"),
        s("D3", &b),
    );
    let shared = dir.path().join("shared.xlsx");
    rewrite(
        &plain,
        &shared,
        &[("xl/worksheets/sheet1.xml", sheet.as_bytes())],
    );
    let batch = read_households(&shared, &options()).unwrap();
    let mut cells: Vec<(usize, String)> = batch
        .problems
        .iter()
        .filter(|p| p.reason.contains("公式"))
        .map(|p| {
            let letter = p.column.rsplit('(').next().unwrap().trim_end_matches("列)");
            (p.row, letter.to_owned())
        })
        .collect();
    cells.sort();
    let expected: Vec<(usize, String)> =
        [(2, "B"), (2, "E"), (2, "F"), (3, "B"), (3, "E"), (3, "F")]
            .iter()
            .map(|(r, c)| (*r, (*c).to_owned()))
            .collect();
    assert_eq!(cells, expected, "{:#?}", batch.problems);
    assert!(batch.households.is_empty() || !batch.is_valid());
}

#[test]
fn hidden_and_skipped_sheets_are_named_in_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sheets.xlsx");
    let mut wb = Workbook::new();
    let a = id("511902", "19700315", 11);
    let b = id("511902", "19720315", 22);
    for (name, number, rid, hidden) in [
        ("一组", "5119020010010001", &a, false),
        ("旧数据", "5119020010010002", &b, true),
    ] {
        let ws = wb.add_worksheet();
        ws.set_name(name).unwrap();
        for (c, h) in HEADER.split(',').enumerate() {
            ws.write_string(0, c as u16, h).unwrap();
        }
        for (c, v) in [number, "511902001001", "张三", rid, "户主"]
            .iter()
            .enumerate()
        {
            ws.write_string(1, c as u16, *v).unwrap();
        }
        if hidden {
            ws.set_hidden(true);
        }
    }
    let notes = wb.add_worksheet();
    notes.set_name("填表说明").unwrap();
    notes
        .write_string(0, 0, "请按国家系统导出格式填写")
        .unwrap();
    wb.save(&path).unwrap();
    let batch = read_households(&path, &options()).unwrap();
    assert_eq!(batch.hidden_sheets, vec!["旧数据".to_owned()]);
    assert_eq!(batch.skipped_sheets, vec!["填表说明".to_owned()]);
    let summary = batch.summary();
    assert!(
        summary.contains("隐藏的工作表(已一并读取): 旧数据")
            && summary.contains("跳过的工作表(未导入): 填表说明"),
        "{summary}"
    );
}

#[test]
fn a_broken_file_gets_a_chinese_message_not_the_parsers_english() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.xlsx");
    small_xlsx(&plain);
    let bytes = std::fs::read(&plain).unwrap();
    let truncated = dir.path().join("truncated.xlsx");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let html = dir.path().join("export.xlsx");
    std::fs::write(&html, "<html><body>导出失败</body></html>").unwrap();
    for path in [truncated, html] {
        let err = read_households(&path, &options()).unwrap_err();
        assert!(matches!(err, TableError::Broken { .. }), "{err}");
        let message = err.to_string();
        assert!(message.contains("已损坏或不是 XLSX 格式"), "{message}");
        assert!(!message.is_ascii() && !message.contains("Zip"), "{message}");
    }
}
