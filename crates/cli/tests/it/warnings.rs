//! `jingzhun warnings`: its counts are the evaluation's — they equal the sums over the Parquet export of the
//! same year, for the city and for each county side by side.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::fs::File;

use ::parquet::file::reader::{FileReader, SerializedFileReader};
use ::parquet::record::Field;
use serde_json::Value;

use crate::Workspace;

/// Sums over the export's rows of `year`: per county, the count of each warning kind the Parquet columns
/// carry (proposals, unmet guarantees) and of each failed guarantee.
fn parquet_counts(dir: &std::path::Path, year: u16) -> BTreeMap<String, BTreeMap<String, u64>> {
    let mut out: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for county in std::fs::read_dir(dir).unwrap() {
        let county = county.unwrap().path();
        let code = county
            .file_name()
            .unwrap()
            .to_string_lossy()
            .trim_start_matches("county=")
            .to_owned();
        let path = county.join(format!("year={year}")).join("part-0.parquet");
        let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        let counts = out.entry(code).or_default();
        for row in reader.get_row_iter(None).unwrap() {
            let row = row.unwrap();
            let mut unmet = false;
            for (name, field) in row.get_column_iter() {
                let Field::Bool(v) = field else { continue };
                if let Some(kind) = name.strip_prefix("proposal_") {
                    *counts.entry(kind.to_owned()).or_default() += u64::from(*v);
                }
                if let Some(g) = name.strip_suffix("_met") {
                    if !*v {
                        unmet = true;
                        *counts.entry(format!("guarantee.{g}")).or_default() += 1;
                    }
                }
            }
            *counts.entry("guarantee_unmet".to_owned()).or_default() += u64::from(unmet);
        }
    }
    out
}

const KINDS: [&str; 6] = [
    "monitoring_candidate",
    "omission_suspect",
    "wrong_exit_suspect",
    "return_to_poverty",
    "risk_elimination",
    "guarantee_unmet",
];

fn check(counts: &Value, expected: &BTreeMap<String, u64>, what: &str) {
    for kind in KINDS {
        assert_eq!(
            counts["by_kind"][kind].as_u64(),
            Some(expected.get(kind).copied().unwrap_or(0)),
            "{what}: {kind}"
        );
    }
    for g in ["food_clothing", "education", "medical", "housing", "water"] {
        assert_eq!(
            counts["by_guarantee"][g].as_u64(),
            Some(
                expected
                    .get(&format!("guarantee.{g}"))
                    .copied()
                    .unwrap_or(0)
            ),
            "{what}: guarantee {g}"
        );
    }
}

#[test]
fn warning_counts_equal_the_parquet_export_of_the_same_year() {
    let ws = Workspace::initialised();
    ws.run_ok(&["synth", "--scale", "0.002", "--seed", "7"]);
    let out = ws.dir.path().join("hy");
    let out_str = out.display().to_string();
    ws.run_ok(&[
        "export", "parquet", "--out", &out_str, "--from", "2024", "--to", "2024",
    ]);
    let by_county = parquet_counts(&out, 2024);
    assert_eq!(by_county.len(), 5, "Bazhong's five counties");
    let mut total: BTreeMap<String, u64> = BTreeMap::new();
    for counts in by_county.values() {
        for (k, n) in counts {
            *total.entry(k.clone()).or_default() += n;
        }
    }
    assert!(
        total.get("monitoring_candidate").copied().unwrap_or(0) > 0,
        "the generated city has monitoring candidates: {total:?}"
    );

    let printed = ws.run_ok(&[
        "warnings", "--area", "5119", "--year", "2024", "--format", "json",
    ]);
    let v: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(v["year"], 2024);
    check(&v["counts"], &total, "5119");
    let children = v["children"].as_array().unwrap();
    assert_eq!(children.len(), 5);
    for c in children {
        let code = c["code"].as_str().unwrap();
        check(&c["counts"], &by_county[code], code);
    }
    // The rows are the counts' rows.
    let rows = v["rows"].as_array().unwrap();
    let candidates = rows
        .iter()
        .filter(|r| r["kind"] == "monitoring_candidate")
        .count() as u64;
    assert_eq!(
        Some(candidates),
        v["counts"]["by_kind"]["monitoring_candidate"].as_u64()
    );

    // One kind, as a table and as XLSX.
    let one = ws.run_ok(&[
        "warnings",
        "--area",
        "511902",
        "--year",
        "2024",
        "--kind",
        "monitoring_candidate",
        "--format",
        "json",
    ]);
    let one: Value = serde_json::from_str(&one).unwrap();
    assert!(one["rows"]
        .as_array()
        .unwrap()
        .iter()
        .all(|r| r["kind"] == "monitoring_candidate"));
    assert_eq!(
        one["counts"]["by_kind"]["monitoring_candidate"].as_u64(),
        by_county["511902"].get("monitoring_candidate").copied()
    );
    let table = ws.run_ok(&["warnings", "--area", "511902", "--year", "2024"]);
    assert!(table.contains("建议纳入监测"), "{table}");
    let xlsx = ws.dir.path().join("w.xlsx");
    let printed = ws.run_ok(&[
        "warnings",
        "--area",
        "511902",
        "--year",
        "2024",
        "--format",
        "xlsx",
        "--out",
        &xlsx.display().to_string(),
    ]);
    assert!(printed.contains("已导出"), "{printed}");
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));

    // Bad input: a clear Chinese error.
    let out = ws
        .cmd(&["warnings", "--area", "5119", "--kind", "nonsense"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("预警类型「nonsense」无效"));
}
