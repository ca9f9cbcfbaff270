use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fs::File;
use std::path::Path;

use ::parquet::file::reader::{FileReader, SerializedFileReader};
use ::parquet::record::Field;

use crate::Workspace;

/// Households per county as the database has them.
fn households_by_county(ws: &Workspace) -> BTreeMap<String, i64> {
    let db = rusqlite::Connection::open(ws.db()).expect("db");
    let mut stmt = db
        .prepare("SELECT substr(village_code, 1, 6), count(*) FROM households GROUP BY 1")
        .expect("query");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("rows")
        .map(|r| r.expect("row"))
        .collect()
}

/// `county=…/year=…/part-0.parquet` files under `dir`, by (county, year); fails on anything else.
fn partitions(dir: &Path) -> BTreeMap<(String, u16), std::path::PathBuf> {
    let mut out = BTreeMap::new();
    for county in std::fs::read_dir(dir).expect("dir") {
        let county = county.expect("entry").path();
        let c = county
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        let code = c.strip_prefix("county=").expect("county=…").to_owned();
        for year in std::fs::read_dir(&county).expect("county dir") {
            let year = year.expect("entry").path();
            let y = year
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let y: u16 = y
                .strip_prefix("year=")
                .expect("year=…")
                .parse()
                .expect("year");
            let files: Vec<String> = std::fs::read_dir(&year)
                .expect("year dir")
                .map(|f| f.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            assert_eq!(
                files,
                ["part-0.parquet"],
                "only the data file, no temporary left"
            );
            out.insert((code.clone(), y), year.join("part-0.parquet"));
        }
    }
    out
}

/// A small synthetic registry exported for three years, read back with the parquet crate.
#[test]
fn export_parquet_writes_hive_partitions_without_personal_data() {
    let ws = Workspace::initialised();
    ws.run_ok(&["synth", "--scale", "0.002", "--seed", "7"]);
    let out = ws.dir.path().join("hy");
    let out_str = out.display().to_string();
    let printed = ws.run_ok(&[
        "export", "parquet", "--out", &out_str, "--from", "2019", "--to", "2021",
    ]);
    assert!(printed.contains("已导出"), "{printed}");

    let counties = households_by_county(&ws);
    assert_eq!(counties.len(), 5, "Bazhong's five counties");
    let files = partitions(&out);
    let expected: BTreeSet<(String, u16)> = counties
        .keys()
        .flat_map(|c| (2019..=2021).map(move |y| (c.clone(), y)))
        .collect();
    assert_eq!(files.keys().cloned().collect::<BTreeSet<_>>(), expected);

    let mut registry_states = HashSet::new();
    // 2021 over the whole export: people, registered poor, monitored and relocated households.
    let (mut people, mut poor, mut monitored, mut relocated) = (0i64, 0i64, 0i64, 0i64);
    let mut incomes = 0;
    let mut risks_listed = 0;
    for ((county, year), path) in &files {
        let reader = SerializedFileReader::new(File::open(path).unwrap()).expect("parquet file");
        let meta = reader.metadata();
        assert_eq!(
            meta.file_metadata().num_rows(),
            counties[county],
            "one row per household in {county} {year}"
        );
        let schema = meta.file_metadata().schema_descr();
        let names: Vec<String> = schema
            .root_schema()
            .get_fields()
            .iter()
            .map(|f| f.name().to_owned())
            .collect();
        for expected in [
            "household_id",
            "household_no",
            "village_code",
            "township_code",
            "county_code",
            "as_of",
            "size",
            "registry_state",
            "monitoring_kind",
            "per_capita_income_yuan",
            "income_known",
            "food_clothing_met",
            "education_met",
            "medical_met",
            "housing_met",
            "water_met",
            "proposal_should_register",
            "proposal_meets_exit",
            "proposal_wrong_exit_suspect",
            "proposal_omission_suspect",
            "proposal_monitoring_candidate",
            "proposal_risk_elimination",
            "proposal_return_to_poverty",
            "risk_types",
            "relocated",
            "dibao_members",
            "tekun_members",
            "pack_version",
            "data_time",
        ] {
            assert!(names.iter().any(|n| n == expected), "missing {expected}");
        }
        assert!(
            !names.iter().any(|n| n == "year" || n == "county"),
            "partition keys are in the path only"
        );
        for name in &names {
            for personal in [
                "resident", "id_card", "name", "phone", "birth", "health", "disab",
            ] {
                assert!(!name.contains(personal), "personal data column {name}");
            }
        }

        let mut ids = HashSet::new();
        for row in reader.get_row_iter(None).expect("rows") {
            let row = row.expect("row");
            for (name, field) in row.get_column_iter() {
                match (name.as_str(), field) {
                    ("household_id", Field::Long(id)) => assert!(ids.insert(*id), "duplicate id"),
                    ("county_code", Field::Str(c)) => assert_eq!(c, county),
                    ("village_code", Field::Str(v)) => {
                        assert_eq!(v.len(), 12);
                        assert!(v.starts_with(county.as_str()));
                    }
                    ("as_of", Field::Date(days)) => {
                        let as_of = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
                            + chrono::Days::new(*days as u64);
                        assert_eq!(as_of.to_string(), format!("{year}-12-31"));
                    }
                    ("size", Field::Int(n)) => {
                        assert!((0..=30).contains(n));
                        people += i64::from(*n) * i64::from(*year == 2021);
                    }
                    ("registry_state", Field::Str(s)) => {
                        registry_states.insert(s.clone());
                        poor += i64::from(*year == 2021 && s == "poor");
                    }
                    ("monitoring_kind", Field::Str(_)) => monitored += i64::from(*year == 2021),
                    ("relocated", Field::Bool(r)) => relocated += i64::from(*year == 2021 && *r),
                    ("per_capita_income_yuan", Field::Decimal(d)) => {
                        assert_eq!(d.scale(), 2);
                        incomes += 1;
                    }
                    ("risk_types", Field::ListInternal(list)) => {
                        for e in list.elements() {
                            assert!(matches!(e, Field::Str(_)), "{e:?}");
                            risks_listed += 1;
                        }
                    }
                    ("pack_version", Field::Str(v)) => assert!(!v.is_empty()),
                    ("data_time", Field::TimestampMicros(t)) => assert!(*t > 0),
                    (_, Field::Str(s)) => {
                        // No 18-character resident ID anywhere among the text values.
                        let id_like = s.len() == 18 && s[..17].bytes().all(|b| b.is_ascii_digit());
                        assert!(!id_like, "{name} holds an ID-like value");
                    }
                    _ => {}
                }
            }
        }
        assert_eq!(ids.len() as i64, counties[county]);
    }
    assert!(incomes > 0, "incomes are written");
    assert!(risks_listed > 0, "risk types are written after 2020");
    assert!(registry_states.contains("exited"), "{registry_states:?}");

    // The rows add up to the engine's own summary of the year.
    let summary = ws.run_ok(&[
        "report", "summary", "--area", "5119", "--year", "2021", "--format", "json",
    ]);
    let s: serde_json::Value = serde_json::from_str(&summary).expect("summary JSON");
    assert_eq!(s["rural_population"], people);
    assert_eq!(s["poor_households"], poor);
    assert_eq!(s["monitored_households"], monitored);
    assert_eq!(s["relocated_households"], relocated);
    assert!(people > 0 && relocated > 0);

    // An output folder that is not empty is refused: old partitions would mix with new ones.
    let again = ws
        .cmd(&[
            "export", "parquet", "--out", &out_str, "--from", "2019", "--to", "2019",
        ])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("不是空的"));
}

/// After a household is edited, one pass no longer equals every year's as-of read: each year is read as of
/// its own year-end, and the export still has one row per household and year.
#[test]
fn export_parquet_reads_each_year_as_of_its_end_after_an_edit() {
    let ws = Workspace::initialised();
    ws.run_ok(&["synth", "--scale", "0.002", "--seed", "7"]);
    let csv = ws.dir.path().join("hh.csv");
    let csv_str = csv.display().to_string();
    ws.run_ok(&[
        "export",
        "households",
        "--area",
        "511902",
        "--out",
        &csv_str,
    ]);
    // Keep the first household's member rows and add one mu of farmland: an update, in force from today.
    let text = std::fs::read_to_string(&csv).expect("csv");
    let mut lines = text.lines();
    let header = lines.next().expect("header");
    let columns: Vec<&str> = header.split(',').collect();
    let farmland = columns
        .iter()
        .position(|c| *c == "耕地面积")
        .expect("耕地面积");
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    let first = rows[0][0].clone();
    let mut edited = format!("{header}\n");
    for mut row in rows.into_iter().filter(|r| r[0] == first) {
        assert_eq!(
            row.len(),
            columns.len(),
            "no quoted commas in synthetic data"
        );
        let mu: f64 = row[farmland].parse().unwrap_or(0.0);
        row[farmland] = format!("{}", mu + 1.0);
        edited.push_str(&row.join(","));
        edited.push('\n');
    }
    std::fs::write(&csv, edited).expect("write");
    ws.run_ok(&["import", "households", &csv_str]);

    let out = ws.dir.path().join("hy");
    let out_str = out.display().to_string();
    let run = ws
        .cmd(&[
            "export", "parquet", "--out", &out_str, "--from", "2019", "--to", "2020",
        ])
        .output()
        .expect("run");
    // Every version is read in one pass and each year takes the one in force at its end (the edit too).
    assert!(run.status.success());
    let counties = households_by_county(&ws);
    for ((county, _), path) in partitions(&out) {
        let reader = SerializedFileReader::new(File::open(path).expect("file")).expect("parquet");
        assert_eq!(
            reader.metadata().file_metadata().num_rows(),
            counties[&county]
        );
    }
}
