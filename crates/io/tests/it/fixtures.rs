//! Fixtures written by another program (openpyxl, `scripts/make_fixtures.py`), committed with the script.

use std::path::PathBuf;

use jingzhun_core::*;
use jingzhun_io::households::{read_households, ReadOptions};

use crate::common::{id, today};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

fn read(name: &str) -> jingzhun_io::ImportBatch {
    read_households(&fixture(name), &ReadOptions::new(today())).unwrap()
}

#[test]
fn merged_title_and_two_level_header() {
    let batch = read("households_merged.xlsx");
    assert!(batch.is_valid(), "{:#?}", batch.problems);
    assert_eq!(batch.counts.households, 3);
    assert_eq!(batch.counts.members, 7);
    let unknown: Vec<&str> = batch
        .unknown_columns
        .iter()
        .map(|u| u.header.as_str())
        .collect();
    assert_eq!(unknown, vec!["备注"]);
    let hs = &batch.households;
    // Real Excel date, text with slashes, Chinese text date.
    let dates: Vec<_> = hs.iter().map(|h| h.first_identified).collect();
    assert_eq!(
        dates,
        vec![
            chrono::NaiveDate::from_ymd_opt(2014, 10, 1),
            chrono::NaiveDate::from_ymd_opt(2015, 3, 20),
            chrono::NaiveDate::from_ymd_opt(2014, 10, 1),
        ]
    );
    let first = &hs[0].household;
    assert_eq!(first.members[1].name.as_str(), "李 四");
    assert_eq!(
        first.members[1].resident_id.as_str(),
        id("513701", "19720520", 22)
    );
    assert_eq!(
        first
            .income(2023)
            .unwrap()
            .get(IncomeComponent::ProductionCosts),
        Yuan::from_fen(120_050)
    );
    assert_eq!(first.members[2].schooling, Some(SchoolingStatus::Primary));
    // Full-width household number and village code.
    assert_eq!(hs[2].household.number.as_str(), "5119020020030007");
    assert_eq!(hs[2].household.village.as_str(), "511902002003");
}

#[test]
fn ids_stored_as_numbers_are_rejected_with_their_rows() {
    let batch = read("households_ids_as_numbers.xlsx");
    let rows: Vec<(usize, &str)> = batch
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_str()))
        .collect();
    assert_eq!(rows, vec![(3, "证件号码(D列)"), (5, "证件号码(D列)")]);
    assert!(
        batch.problems[0].value.contains("E+17"),
        "{}",
        batch.problems[0].value
    );
    assert!(batch.problems[0].reason.contains("不予修复"));
}

#[test]
fn formulas_in_known_columns_are_rejected_and_ignored_elsewhere() {
    let batch = read("households_formulas.xlsx");
    let rows: Vec<(usize, &str)> = batch
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_str()))
        .collect();
    assert_eq!(
        rows,
        vec![(2, "工资性收入(G列)"), (3, "姓名(C列)")],
        "{:#?}",
        batch.problems
    );
    assert_eq!(batch.problems[0].value, "=1000*12");
    assert!(batch.problems[0].reason.contains("公式"));
}

#[test]
fn gbk_csv_with_full_width_digits() {
    let batch = read("households_gbk.csv");
    assert_eq!(
        batch.encoding,
        Some(jingzhun_io::text_file::Detected::Gb18030)
    );
    assert!(batch.is_valid(), "{:#?}", batch.problems);
    assert_eq!(batch.counts.households, 2);
    let h = &batch.households[0].household;
    assert_eq!(h.number.as_str(), "5119020010010001");
    assert_eq!(h.members[0].migrant_months.get(), 10);
    assert_eq!(h.members[1].name.as_str(), "欧阳 娜");
    assert_eq!(
        batch.households[1].household.members[0].health,
        Health::SeriousIllness
    );
}

#[test]
fn ten_thousand_rows() {
    let started = std::time::Instant::now();
    let batch = read("households_10000.xlsx");
    assert!(
        batch.is_valid(),
        "{:#?}",
        &batch.problems[..batch.problems.len().min(5)]
    );
    assert_eq!(batch.counts.rows, 10_000);
    assert_eq!(batch.counts.households, 2_500);
    assert_eq!(batch.counts.members, 10_000);
    eprintln!("10,000 rows read in {:?}", started.elapsed());
}

#[test]
fn progress_is_reported_and_a_second_read_gives_the_same_batch() {
    let path = fixture("households_10000.xlsx");
    let mut seen = Vec::new();
    let batch =
        jingzhun_io::read_households_with_progress(&path, &ReadOptions::new(today()), &mut |p| {
            seen.push(p)
        })
        .unwrap();
    assert!(seen.len() >= 2);
    let last = seen.last().unwrap();
    assert_eq!(last.rows_done, 10_001);
    assert_eq!(last.rows_total, Some(10_001));
    assert!(seen.windows(2).all(|w| w[0].rows_done <= w[1].rows_done));
    // Re-reading the same file gives the same households (what makes a re-import a no-op).
    let again = read("households_10000.xlsx");
    assert_eq!(batch.households, again.households);
}

#[test]
fn formula_scan_finds_formulas_only_where_there_are_some() {
    use jingzhun_io::table::may_have_formulas;
    assert!(may_have_formulas(&fixture("households_formulas.xlsx")));
    assert!(!may_have_formulas(&fixture("households_10000.xlsx")));
    assert!(!may_have_formulas(&fixture("households_merged.xlsx")));
    // Not an XLSX: unsure, so the formula pass runs.
    assert!(may_have_formulas(&fixture("households_gbk.csv")));
}
