//! Test-only loader of the shipped Sichuan division CSVs (the real loader lives in crates/io).

#![allow(dead_code)]

use std::path::PathBuf;

use jingzhun_core::{Area, AreaCode, AreaTree, Settlement};

pub mod engine;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/areas/sichuan")
}

fn read(file: &str, villages: bool, keep: &dyn Fn(&str) -> bool, out: &mut Vec<Area>) {
    let mut reader = csv::Reader::from_path(data_dir().join(file)).expect("division file");
    for record in reader.records() {
        let record = record.expect("csv record");
        let (code, name) = (&record[0], &record[1]);
        if !keep(code) {
            continue;
        }
        out.push(Area {
            code: AreaCode::parse(code).expect("area code"),
            name: name.to_owned(),
            settlement: villages.then(|| Settlement::from_name(name)),
        });
    }
}

/// The division tree of the areas whose code starts with `prefix` (plus their ancestors).
pub fn tree(prefix: &str) -> AreaTree {
    let keep = |code: &str| code.starts_with(prefix) || prefix.starts_with(code);
    let mut areas = Vec::new();
    for file in ["provinces.csv", "cities.csv", "areas.csv", "streets.csv"] {
        read(file, false, &keep, &mut areas);
    }
    read("villages.csv", true, &keep, &mut areas);
    AreaTree::new(areas).expect("tree")
}

/// Bazhong's tree.
pub fn bazhong() -> AreaTree {
    tree("5119")
}
