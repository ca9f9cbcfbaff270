//! The Spark SQL indicator definitions (`analysis/spark/indicators/*.sql`) name their result columns after the
//! catalogue's codes (`.` written `__`). A column whose code is not in the catalogue would be an indicator the
//! product does not have: this test fails on it, so the two cannot drift apart by a rename. (That their values
//! agree is checked by `scripts/spark_check.sh`, which runs Spark.) Indicators from the records beside the
//! registry (economy, projects: `Source::Records`) are not in the export and may not appear in the SQL.

use std::path::PathBuf;

use jingzhun_report::indicators::indicator;

/// Names the SQL uses for intermediate columns and keys, never for indicators.
const HELPERS: &[&str] = &[
    "level", "area", "grp", "y", "w", "cum", "total", "next_y", "median", "mean", "rn",
];

fn sql_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../analysis/spark/indicators")
}

/// Every `AS name` alias of a file's statement, outside comments.
fn aliases(sql: &str) -> Vec<String> {
    let code: String = sql
        .lines()
        .map(|l| l.split("--").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let tokens: Vec<&str> = code
        .split(|c: char| c.is_whitespace() || c == ',' || c == '(' || c == ')')
        .filter(|t| !t.is_empty())
        .collect();
    tokens
        .windows(2)
        .filter(|w| w[0].eq_ignore_ascii_case("AS"))
        .map(|w| w[1].to_owned())
        .filter(|name| {
            name.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
        .collect()
}

#[test]
fn every_spark_sql_column_is_a_catalogue_indicator() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(sql_dir())
        .expect("analysis/spark/indicators")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert!(files.len() >= 6, "SQL files: {files:?}");
    let mut defined = Vec::new();
    for f in files.iter().filter(|f| !f.ends_with("00_areas.sql")) {
        let sql = std::fs::read_to_string(f).expect("read");
        for name in aliases(&sql) {
            if HELPERS.contains(&name.as_str()) {
                continue;
            }
            let code = name.replace("__", ".");
            let known = indicator(&code).is_some();
            assert!(
                known,
                "{}: column {name} is not a catalogue indicator ({code})",
                f.display()
            );
            assert!(
                indicator(&code).is_some_and(|i| i.unavailable.is_none()),
                "{code} is unavailable in the catalogue"
            );
            assert!(
                indicator(&code).is_some_and(|i| i.in_parquet),
                "{code} is computed from records the household Parquet export does not hold"
            );
            defined.push(code);
        }
    }
    defined.sort();
    defined.dedup();
    assert!(
        defined.len() >= 50,
        "{} indicators defined: {defined:?}",
        defined.len()
    );
    for code in [
        "incidence",
        "guarantee_coverage.housing",
        "income_median.all",
        "omission_rate",
    ] {
        assert!(defined.iter().any(|d| d == code), "{code} missing");
    }
}
