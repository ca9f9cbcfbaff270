//! The import template: the exact import columns and a guide sheet; the household import reads a filled
//! template back into the same households (the guide sheet skipped, no problem, no unknown column).

use jingzhun_core::*;
use jingzhun_io::template::{template_xlsx, GUIDE_SHEET};
use jingzhun_io::{read_households, ExportRecord, ReadOptions};

use crate::common::*;

#[test]
fn a_filled_template_reads_back_into_the_same_households() {
    let mut households = sample();
    // The second household has no income of the survey year: its amounts stay empty, not zero.
    households[1].incomes.clear();
    let records: Vec<ExportRecord<'_>> = households
        .iter()
        .map(|h| ExportRecord {
            household: h,
            events: &[],
        })
        .collect();
    let bytes = template_xlsx(&records, 2023).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("模板.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let batch = read_households(&path, &ReadOptions::new(today())).unwrap();
    assert!(batch.problems.is_empty(), "{:?}", batch.problems);
    assert!(
        batch.unknown_columns.is_empty(),
        "{:?}",
        batch.unknown_columns
    );
    assert_eq!(batch.skipped_sheets, vec![GUIDE_SHEET.to_owned()]);
    let back: Vec<Household> = batch.into_households();
    assert_eq!(back, households);
}

#[test]
fn a_blank_template_has_every_column_and_imports_nothing() {
    let bytes = template_xlsx(&[], 2025).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blank.xlsx");
    std::fs::write(&path, &bytes).unwrap();
    let batch = read_households(&path, &ReadOptions::new(today())).unwrap();
    assert!(batch.is_valid(), "{:?}", batch.problems);
    assert_eq!(batch.households.len(), 0);
    // Every header of the data sheet is one the importer knows (none missing: a required one would be a
    // problem above).
    assert!(batch.unknown_columns.is_empty());
    let guide = jingzhun_io::template::guide_rows();
    assert_eq!(guide.len(), jingzhun_io::columns::COLUMNS.len());
    assert!(guide.iter().any(|r| r[0] == "证件号码" && r[2] == "必填"));
    assert!(guide
        .iter()
        .any(|r| r[0] == "与户主关系" && r[4].contains("之子")));
}
