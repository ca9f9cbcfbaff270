//! Export: round trips through XLSX and CSV, formula neutralisation, masking, sheet continuation, report.

use calamine::{open_workbook_auto, Data, Reader};
use jingzhun_core::*;
use jingzhun_io::export::{
    export_csv, export_xlsx, write_report_xlsx, CsvHouseholdWriter, ExportOptions, ExportRecord,
    XlsxHouseholdWriter,
};
use jingzhun_io::households::{read_households, read_households_csv, ReadOptions};

use crate::common::{sample, today};

fn records<'a>(households: &'a [Household], events: &'a [StatusEvent]) -> Vec<ExportRecord<'a>> {
    households
        .iter()
        .map(|h| ExportRecord {
            household: h,
            events,
        })
        .collect()
}

fn year_options() -> ExportOptions {
    ExportOptions {
        income_year: Some(2023),
        ..ExportOptions::default()
    }
}

#[test]
fn xlsx_round_trip_gives_equal_households() {
    let households = sample();
    let events = vec![
        StatusEvent::new(
            StatusEventKind::Registered,
            chrono::NaiveDate::from_ymd_opt(2014, 10, 1).unwrap(),
        ),
        StatusEvent::new(
            StatusEventKind::Exited,
            chrono::NaiveDate::from_ymd_opt(2018, 12, 31).unwrap(),
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out.xlsx");
    let n = export_xlsx(&path, &records(&households, &events), &year_options()).unwrap();
    assert_eq!(n, 4);
    let batch = read_households(&path, &ReadOptions::new(today())).unwrap();
    assert!(batch.is_valid(), "{:#?}", batch.problems);
    assert!(batch.unknown_columns.is_empty());
    assert_eq!(batch.households[0].status_events(), events);
    assert_eq!(batch.into_households(), households);
}

#[test]
fn csv_round_trip_gives_equal_households_and_has_a_bom() {
    let households = sample();
    let mut out = Vec::new();
    export_csv(&mut out, &records(&households, &[]), &year_options()).unwrap();
    assert!(out.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(out.clone()).unwrap();
    assert!(text.contains("'=王五"), "{text}");
    let batch = read_households_csv(&out, "out.csv", &ReadOptions::new(today())).unwrap();
    assert!(batch.is_valid(), "{:#?}", batch.problems);
    assert_eq!(batch.into_households(), households);
}

#[test]
fn exported_xlsx_carries_no_formula() {
    let mut households = sample();
    households[0].members[1].name = PersonName::parse("+SUM(A1)").unwrap();
    households[0].members[2].ethnicity = "-1+2".to_owned();
    households[0].natural_village = Some("=HYPERLINK(\"http://x\")".to_owned());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.xlsx");
    export_xlsx(&path, &records(&households, &[]), &year_options()).unwrap();
    let mut wb = open_workbook_auto(&path).unwrap();
    for name in wb.sheet_names() {
        let formulas = wb.worksheet_formula(&name).unwrap();
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "formula in {name}"
        );
        let range = wb.worksheet_range(&name).unwrap();
        for (_, _, cell) in range.used_cells() {
            if let Data::String(s) = cell {
                assert!(!s.starts_with(['=', '+', '-', '@', '\t', '\r']), "{s}");
            }
        }
    }
    let batch = read_households(&path, &ReadOptions::new(today())).unwrap();
    assert_eq!(batch.into_households(), households);
}

#[test]
fn masking_hides_ids_and_phones() {
    let households = sample();
    let mut out = Vec::new();
    let options = ExportOptions {
        mask: true,
        ..ExportOptions::default()
    };
    export_csv(&mut out, &records(&households, &[]), &options).unwrap();
    let text = String::from_utf8(out).unwrap();
    for m in households.iter().flat_map(|h| &h.members) {
        assert!(!text.contains(m.resident_id.as_str()));
        assert!(text.contains(&m.resident_id.masked()));
    }
    assert!(!text.contains("13812345678"));
    assert!(text.contains("138****5678"));
    assert!(
        !text.contains("工资性收入"),
        "no income columns without a year"
    );
}

#[test]
fn a_masked_export_drops_health_and_disability_as_well_as_ids_and_phones() {
    let mut households = sample();
    households[0].members[0].health = Health::Disabled;
    for mask in [false, true] {
        let mut out = Vec::new();
        let options = ExportOptions {
            mask,
            ..ExportOptions::default()
        };
        export_csv(&mut out, &records(&households, &[]), &options).unwrap();
        let text = String::from_utf8(out).unwrap();
        let shown = text.contains("健康状况")
            || text.contains(Health::Disabled.label())
            || text.contains(Health::Chronic.label());
        assert_eq!(shown, !mask, "{text}");
    }
}

/// Regression (issue 12, security review): a masked export dropped the 健康状况 column but still carried
/// 致贫原因 (因病, 因残), 在校生状况 (送教上门, 因病休学) and 劳动技能 (丧失劳动力), which tell the same.
#[test]
fn a_masked_export_drops_poverty_causes_schooling_and_labour_that_reveal_health_or_disability() {
    let mut households = sample();
    households[0].main_cause = Some(PovertyCause::Disability);
    households[0].other_causes = vec![PovertyCause::Illness, PovertyCause::LackOfCapital];
    households[0].members[1].schooling = Some(SchoolingStatus::HomeTeaching);
    households[0].members[2].schooling = Some(SchoolingStatus::SuspendedIllness);
    households[0].members[0].labour = Some(LabourAbility::Lost);
    let revealing = [
        "健康状况",
        "致贫原因",
        "在校生状况",
        "劳动技能",
        PovertyCause::Disability.label(),
        PovertyCause::Illness.label(),
        SchoolingStatus::HomeTeaching.label(),
        SchoolingStatus::SuspendedIllness.label(),
        LabourAbility::Lost.label(),
    ];
    let dir = tempfile::tempdir().unwrap();
    for mask in [false, true] {
        let options = ExportOptions {
            mask,
            ..year_options()
        };
        let mut out = Vec::new();
        export_csv(&mut out, &records(&households, &[]), &options).unwrap();
        let csv = String::from_utf8(out).unwrap();
        let path = dir.path().join(format!("masked-{mask}.xlsx"));
        export_xlsx(&path, &records(&households, &[]), &options).unwrap();
        let mut wb = open_workbook_auto(&path).unwrap();
        let mut cells = Vec::new();
        for name in wb.sheet_names() {
            let range = wb.worksheet_range(&name).unwrap();
            cells.extend(range.used_cells().map(|(_, _, c)| c.to_string()));
        }
        let xlsx = cells.join("\n");
        for text in [&csv, &xlsx] {
            for word in revealing {
                assert_eq!(
                    text.contains(word),
                    !mask,
                    "{word:?} (mask {mask}) in {text}"
                );
            }
            // What does not tell health stays.
            assert!(text.contains("户编号"));
            assert!(text.contains("工资性收入"));
        }
    }
}

#[test]
fn area_filter_and_sheet_continuation() {
    let households = sample();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("split.xlsx");
    let options = ExportOptions {
        rows_per_sheet: Some(2),
        ..year_options()
    };
    export_xlsx(&path, &records(&households, &[]), &options).unwrap();
    let wb = open_workbook_auto(&path).unwrap();
    assert_eq!(wb.sheet_names(), vec!["户籍信息", "户籍信息(2)"]);
    let batch = read_households(&path, &ReadOptions::new(today())).unwrap();
    assert_eq!(batch.counts.sheets, 2);
    assert_eq!(batch.into_households(), households);

    let options = ExportOptions {
        area: Some(AreaCode::parse("511902002").unwrap()),
        ..year_options()
    };
    let mut out = Vec::new();
    let n = export_csv(&mut out, &records(&households, &[]), &options).unwrap();
    assert_eq!(n, 1);
}

#[test]
fn streaming_writers_write_what_the_exports_write_and_never_split_a_household() {
    let households = sample();
    let all = records(&households, &[]);
    let mut whole = Vec::new();
    export_csv(&mut whole, &all, &year_options()).unwrap();
    let mut streamed = Vec::new();
    let mut w = CsvHouseholdWriter::new(&mut streamed, year_options()).unwrap();
    for r in &all {
        w.write(r).unwrap();
    }
    assert_eq!(w.finish().unwrap(), 4);
    assert_eq!(streamed, whole);

    // Three rows a sheet, the one-member household first: the three-member household would cross the
    // sheet's end, so it starts the next sheet instead of being cut in two.
    let mut households = households.clone();
    households.reverse();
    let sizes: Vec<usize> = households.iter().map(|h| h.members.len()).collect();
    assert_eq!(sizes, vec![1, 3]);
    let all = records(&households, &[]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stream.xlsx");
    let options = ExportOptions {
        rows_per_sheet: Some(3),
        ..year_options()
    };
    let mut w = XlsxHouseholdWriter::new(&path, options).unwrap();
    for r in &all {
        w.write(r).unwrap();
    }
    let sheets = w.sheets();
    assert_eq!(sheets, 2);
    assert_eq!(w.finish().unwrap(), 4);
    let mut wb = open_workbook_auto(&path).unwrap();
    assert_eq!(wb.sheet_names().len(), sheets);
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        let numbers: std::collections::BTreeSet<String> =
            range.rows().skip(1).map(|r| r[0].to_string()).collect();
        assert!(range.height() - 1 <= 3, "{name}");
        for no in &numbers {
            let members = households
                .iter()
                .find(|h| h.number.to_string() == *no)
                .map(|h| h.members.len())
                .unwrap();
            let rows = range
                .rows()
                .skip(1)
                .filter(|r| r[0].to_string() == *no)
                .count();
            assert_eq!(rows, members, "household {no} split on {name}");
        }
    }
    let batch = read_households(&path, &ReadOptions::new(today())).unwrap();
    assert_eq!(batch.into_households(), households);
}

#[test]
fn validation_report_lists_every_problem() {
    let rows =
        "户编号,行政区划代码,姓名,证件号码,与户主关系,爱好\n5119020010010001,511902001001,张三,=1+2,户主,x\n";
    let batch = read_households_csv(rows.as_bytes(), "r.csv", &ReadOptions::new(today())).unwrap();
    assert_eq!(batch.problems.len(), 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xlsx");
    write_report_xlsx(&path, &batch).unwrap();
    let mut wb = open_workbook_auto(&path).unwrap();
    let range = wb.worksheet_range("导入问题").unwrap();
    let row: Vec<String> = range
        .rows()
        .nth(1)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(row[0], "r.csv");
    assert_eq!(row[1], "2");
    assert_eq!(row[2], "证件号码(D列)");
    assert_eq!(row[3], "'=1+2");
    assert!(row[4].contains("身份证号"), "{}", row[4]);
    let unknown = wb.worksheet_range("未识别的列").unwrap();
    assert_eq!(unknown.rows().nth(1).unwrap()[2].to_string(), "爱好");
}
