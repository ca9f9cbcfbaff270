//! Reading household CSV: layout, encodings, normalisation, and every bad cell reported.

use jingzhun_core::*;
use jingzhun_io::households::{parse_date, read_households_csv, validate, ReadOptions};
use jingzhun_io::table::{Cell, OwnedCell};

use crate::common::{csv, id, today};

const HEADER: &str = "户编号,行政区划代码,姓名,证件号码,与户主关系,性别,健康状况,务工时间,首次识别时间,收入年度,工资性收入,低保金,微信号";

fn options() -> ReadOptions {
    ReadOptions::new(today())
}

#[test]
fn reads_members_into_households_with_normalisation_and_unknown_columns() {
    let head = id("511902", "19700315", 11);
    let wife = id("513701", "19720520", 22);
    let other = id("511902", "19800101", 51);
    // Full-width digits and stray spaces in the ID and the household number; a title row above.
    let full_width_wife: String = wife
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
        .collect();
    let rows = [
        "巴州区建档立卡户信息表,,,,,,,,,,,,".to_owned(),
        HEADER.to_owned(),
        format!(" 5119020010010001 ,511902001001, 张三 ,{head},户主,男,健康,0,2014-10-01,2023,18000,0,x"),
        format!("5119020010010001,511902001001,李四, {full_width_wife} ,妻,女,长期慢性病,１０,,2023,18000,0,"),
        format!("5119020010010002,511902001001,王六,{other},户主,男,健康,,2014年10月1日,2023,\"12,000.50\",1200,"),
    ];
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let batch = read_households_csv(&csv(&rows), "户.csv", &options()).unwrap();
    assert!(batch.is_valid(), "{:#?}", batch.problems);
    assert_eq!(batch.counts.rows, 3);
    assert_eq!(batch.counts.households, 2);
    assert_eq!(batch.counts.members, 3);
    assert_eq!(batch.unknown_columns.len(), 1);
    assert_eq!(batch.unknown_columns[0].header, "微信号");
    assert_eq!(batch.unknown_columns[0].column, "M");
    let h = &batch.households[0];
    assert_eq!(h.household.number.as_str(), "5119020010010001");
    assert_eq!(h.household.members.len(), 2);
    assert_eq!(h.household.members[1].resident_id.as_str(), wife);
    assert_eq!(h.household.members[1].relationship, Relationship::Spouse);
    assert_eq!(h.household.members[1].migrant_months.get(), 10);
    assert_eq!(h.household.members[1].health, Health::Chronic);
    assert_eq!(
        h.first_identified,
        chrono::NaiveDate::from_ymd_opt(2014, 10, 1)
    );
    let income = batch.households[1].household.income(2023).unwrap();
    assert_eq!(
        income.get(IncomeComponent::Wages),
        Yuan::from_fen(1_200_050)
    );
    assert_eq!(
        income.get(IncomeComponent::DibaoBenefit),
        Yuan::from_yuan(1_200)
    );
    assert_eq!(batch.households[1].status_events().len(), 1);
}

#[test]
fn gbk_csv_is_detected_and_read() {
    let head = id("511902", "19700315", 11);
    let text = format!("{HEADER}\n5119020010010001,511902001001,张三,{head},户主,男,健康,0,,,,,\n");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let batch = read_households_csv(&gbk, "gbk.csv", &options()).unwrap();
    assert_eq!(
        batch.encoding,
        Some(jingzhun_io::text_file::Detected::Gb18030)
    );
    assert!(batch.is_valid(), "{:#?}", batch.problems);
    assert_eq!(
        batch.households[0].household.members[0].name.as_str(),
        "张三"
    );
}

#[test]
fn every_bad_cell_is_reported_with_row_column_value_and_reason() {
    let head = id("511902", "19700315", 11);
    let mut bad_check = id("511902", "19800101", 51);
    bad_check.pop();
    bad_check.push(if id("511902", "19800101", 51).ends_with('0') {
        '1'
    } else {
        '0'
    });
    let rows = [
        HEADER.to_owned(),
        format!("5119020010010001,511902001001,张三,{head},户主,男,健康,0,,,,,"),
        "5119020010010001,511902001001,李四,5.11902E+17,妻,女,健康,13,,,,,".to_owned(),
        format!("5119020010010001,511902001001,,{bad_check},外甥,女,很好,0,,,,,"),
        format!("5119020010010002,51190200100,王六,{head},户主,男,健康,0,2014-13-01,2023,abc,,"),
    ];
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let batch = read_households_csv(&csv(&rows), "bad.csv", &options()).unwrap();
    assert!(!batch.is_valid());
    let got: Vec<(usize, String)> = batch
        .problems
        .iter()
        .map(|p| (p.row, p.column.clone()))
        .collect();
    let expected: Vec<(usize, String)> = [
        (3, "证件号码(D列)"),
        (3, "务工时间(H列)"),
        (4, "姓名(C列)"),
        (4, "证件号码(D列)"),
        (4, "与户主关系(E列)"),
        (4, "健康状况(G列)"),
        (5, "证件号码(D列)"),
        (5, "行政区划代码(B列)"),
        (5, "首次识别时间(I列)"),
        (5, "工资性收入(K列)"),
    ]
    .iter()
    .map(|(r, c)| (*r, (*c).to_owned()))
    .collect();
    let mut got_sorted = got.clone();
    got_sorted.sort();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(got_sorted, expected_sorted, "{:#?}", batch.problems);
    let sci = &batch
        .problems
        .iter()
        .find(|p| p.row == 3 && p.column.starts_with("证件"))
        .unwrap();
    assert_eq!(sci.value, "5.11902E+17");
    assert!(sci.reason.contains("Excel"), "{}", sci.reason);
    let dup = batch
        .problems
        .iter()
        .find(|p| p.row == 5 && p.column.starts_with("证件"))
        .unwrap();
    assert!(dup.reason.contains("第 2 行重复"), "{}", dup.reason);
    assert!(batch.problems[0]
        .to_string()
        .contains("工作表「bad.csv」第 3 行"));
    let line = batch.describe(&batch.problems[0]);
    assert!(
        line.starts_with(
            "文件「bad.csv」工作表「bad.csv」第 3 行「证件号码(D列)」 值「5.11902E+17」: "
        ),
        "{line}"
    );
    assert!(
        batch.summary().contains("10 个问题, 未导入任何数据"),
        "{}",
        batch.summary()
    );
}

#[test]
fn numeric_id_cells_are_rejected_never_repaired() {
    let header: Vec<OwnedCell> = ["户编号", "行政区划代码", "姓名", "证件号码", "与户主关系"]
        .iter()
        .map(|s| OwnedCell::Text((*s).to_owned()))
        .collect();
    let row = vec![
        OwnedCell::Number(5_119_020_010_010_001.0),
        OwnedCell::Number(511_902_001_001.0),
        OwnedCell::Text("张三".to_owned()),
        OwnedCell::Number(511_902_197_003_150_000.0),
        OwnedCell::Text("户主".to_owned()),
    ];
    let batch = validate(&[("Sheet1".to_owned(), vec![header, row])], &options());
    let columns: Vec<&str> = batch.problems.iter().map(|p| p.column.as_str()).collect();
    assert_eq!(
        columns,
        vec!["户编号(A列)", "证件号码(D列)"],
        "{:#?}",
        batch.problems
    );
    assert_eq!(batch.problems[1].value, "5.11902E+17");
    assert!(batch.households.is_empty());
}

#[test]
fn household_columns_come_from_the_heads_row() {
    let head = id("511902", "19700315", 11);
    let son = id("511902", "20000101", 13);
    let rows = [
        "户编号,行政区划代码,姓名,证件号码,与户主关系,主要致贫原因".to_owned(),
        format!("5119020010010001,,张小三,{son},之子,"),
        format!("5119020010010001,511902001001,张三,{head},户主,因病"),
    ];
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let batch = read_households_csv(&csv(&rows), "f.csv", &options()).unwrap();
    assert!(batch.is_valid(), "{:#?}", batch.problems);
    let h = &batch.households[0];
    assert_eq!(h.row, 3);
    assert_eq!(h.household.main_cause, Some(PovertyCause::Illness));
    assert_eq!(h.household.members.len(), 2);
}

#[test]
fn missing_required_column_and_income_year_are_reported() {
    let rows = ["户编号,姓名,证件号码,工资性收入", "1,张三,x,100"];
    let batch = read_households_csv(&csv(&rows), "m.csv", &options()).unwrap();
    let reasons: Vec<&str> = batch.problems.iter().map(|p| p.reason.as_str()).collect();
    assert!(
        reasons.iter().any(|r| r.contains("「行政区划代码」")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("「与户主关系」")),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("收入年度")),
        "{reasons:?}"
    );
    assert_eq!(batch.counts.rows, 0);

    let head = id("511902", "19700315", 11);
    let line = format!("5119020010010001,511902001001,张三,{head},户主,100");
    let rows = [
        "户编号,行政区划代码,姓名,证件号码,与户主关系,工资性收入",
        line.as_str(),
    ];
    let mut opts = options();
    opts.income_year = Some(2022);
    let batch = read_households_csv(&csv(&rows), "y.csv", &opts).unwrap();
    assert!(batch.is_valid(), "{:#?}", batch.problems);
    assert!(batch.households[0].household.income(2022).is_some());
}

#[test]
fn a_file_without_header_is_an_error() {
    let err = read_households_csv(&csv(&["a,b,c", "1,2,3"]), "x.csv", &options()).unwrap_err();
    assert!(err.to_string().contains("没有找到表头"), "{err}");
}

#[test]
fn dates_in_every_accepted_form() {
    let expected = chrono::NaiveDate::from_ymd_opt(2014, 10, 1);
    for text in [
        "2014-10-01",
        "2014/10/1",
        "2014.10.01",
        "2014年10月1日",
        "20141001",
        "2014-10-01 00:00:00",
        "41913",
    ] {
        assert_eq!(parse_date(Cell::Text(text)).ok(), expected, "{text}");
    }
    assert_eq!(parse_date(Cell::Date(41913.0)).ok(), expected);
    assert_eq!(parse_date(Cell::Number(20141001.0)).ok(), expected);
    assert!(parse_date(Cell::Text("2014-02-30")).is_err());
    assert!(parse_date(Cell::Text("去年")).is_err());
}

mod fuzz {
    use jingzhun_io::columns::COLUMNS;
    use jingzhun_io::households::{validate, ReadOptions};
    use jingzhun_io::table::OwnedCell;
    use proptest::prelude::*;

    fn cell() -> impl Strategy<Value = OwnedCell> {
        prop_oneof![
            Just(OwnedCell::Empty),
            any::<String>().prop_map(OwnedCell::Text),
            "[0-9０-９Xx.E+\\- 年月日/]{0,20}".prop_map(OwnedCell::Text),
            any::<f64>().prop_map(OwnedCell::Number),
            any::<f64>().prop_map(OwnedCell::Date),
            any::<bool>().prop_map(OwnedCell::Bool),
            Just(OwnedCell::Error),
            any::<String>().prop_map(OwnedCell::Formula),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Whatever is in the cells, under whatever known headers in whatever order, the row parser
        /// reports problems and never panics; every problem points at a data row.
        #[test]
        fn random_cells_never_panic(
            picks in proptest::collection::vec(0..COLUMNS.len(), 1..COLUMNS.len()),
            rows in proptest::collection::vec(proptest::collection::vec(cell(), 0..60), 0..12),
        ) {
            let header: Vec<OwnedCell> = picks
                .iter()
                .map(|i| OwnedCell::Text(COLUMNS[*i].header.to_owned()))
                .collect();
            let mut sheet = vec![header];
            sheet.extend(rows.iter().cloned());
            let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
            let batch = validate(&[("S".to_owned(), sheet)], &ReadOptions::new(today));
            for p in &batch.problems {
                prop_assert!(p.row <= rows.len() + 1);
                prop_assert!(!p.reason.is_empty());
            }
            prop_assert!(batch.counts.members <= rows.len());
        }
    }
}

#[test]
fn ids_that_went_through_a_number_get_a_hint() {
    let reason =
        jingzhun_io::households::parse_resident_id(Cell::Text("511902197003150000"), today())
            .unwrap_err();
    assert!(reason.contains("Excel"), "{reason}");
}

#[test]
fn two_other_cause_columns_duplicates_and_headerless_data_are_handled() {
    let head = id("511902", "19700315", 11);
    let line = format!("5119020010010001,511902001001,张三,{head},户主,缺技术,缺资金,李四,x");
    let rows = [
        "户编号,行政区划代码,姓名,证件号码,与户主关系,其他致贫原因1,其他致贫原因2,姓名,",
        line.as_str(),
    ];
    let batch = read_households_csv(&csv(&rows), "c.csv", &options()).unwrap();
    assert!(batch.is_valid(), "{:#?}", batch.problems);
    let h = &batch.households[0].household;
    assert_eq!(
        h.other_causes,
        vec![PovertyCause::LackOfSkills, PovertyCause::LackOfCapital]
    );
    assert_eq!(h.members[0].name.as_str(), "张三");
    let unknown: Vec<(&str, &str)> = batch
        .unknown_columns
        .iter()
        .map(|u| (u.column.as_str(), u.header.as_str()))
        .collect();
    assert_eq!(
        unknown,
        vec![
            ("H", "姓名(与前面的列重复, 未导入)"),
            ("I", "(无表头, 数据未导入)")
        ]
    );
}

mod fuzz_bytes {
    use jingzhun_io::households::{read_households_csv, ReadOptions};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// Arbitrary bytes after a valid header line: decoded, parsed and reported, never a panic.
        #[test]
        fn random_csv_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut bytes = "户编号,行政区划代码,姓名,证件号码,与户主关系,务工时间,首次识别时间,工资性收入,收入年度\n"
                .as_bytes()
                .to_vec();
            bytes.extend(body);
            let today = chrono::NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
            let _ = read_households_csv(&bytes, "f.csv", &ReadOptions::new(today));
        }
    }
}

#[test]
fn disability_certificate_numbers_give_the_resident_id() {
    let id_text = id("511902", "19700315", 11);
    let card = format!("{id_text}42");
    let parsed = jingzhun_io::households::parse_resident_id(Cell::Text(&card), today()).unwrap();
    assert_eq!(parsed.as_str(), id_text);
    // Not a certificate: category 9 does not exist.
    let bad = format!("{id_text}92");
    assert!(jingzhun_io::households::parse_resident_id(Cell::Text(&bad), today()).is_err());
}
