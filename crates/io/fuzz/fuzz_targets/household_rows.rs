//! Arbitrary bytes as a household CSV (after a header naming every known column): the row parser must
//! report problems, never panic.

#![no_main]

use jingzhun_io::columns::COLUMNS;
use jingzhun_io::households::{read_households_csv, ReadOptions};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let headers: Vec<&str> = COLUMNS.iter().map(|c| c.header).collect();
    let mut bytes = headers.join(",").into_bytes();
    bytes.push(b'\n');
    bytes.extend_from_slice(data);
    if let Some(today) = chrono::NaiveDate::from_ymd_opt(2024, 6, 30) {
        let _ = read_households_csv(&bytes, "fuzz.csv", &ReadOptions::new(today));
    }
});
