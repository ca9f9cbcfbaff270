//! Peak memory and time of a streamed list export (`XlsxTableWriter`, the writer behind every list
//! export of the web application): `cargo run --release -p jingzhun-io --example table_export_bench --
//! [rows]` (default 100,000) writes a monitored-households-like table of that many rows (11 columns,
//! Chinese text, codes, dates, numbers) to a temporary file and prints the peak resident memory (VmHWM)
//! before and after, the time and the file size.

use std::borrow::Cow;
use std::time::Instant;

use chrono::NaiveDate;
use jingzhun_core::Yuan;
use jingzhun_io::{ColumnKind, TableCell, TableColumn, XlsxTableWriter};

fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100_000);
    let columns = [
        ("户编号", ColumnKind::Code),
        ("户主", ColumnKind::Text),
        ("户主证件号码", ColumnKind::Code),
        ("联系电话", ColumnKind::Code),
        ("行政村", ColumnKind::Text),
        ("村代码", ColumnKind::Code),
        ("人数", ColumnKind::Number),
        ("监测类型", ColumnKind::Text),
        ("纳入监测日期", ColumnKind::Date),
        ("风险类型", ColumnKind::Text),
        ("帮扶金额(元)", ColumnKind::Amount),
    ]
    .map(|(header, kind)| TableColumn { header, kind });
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("bench.xlsx");
    let before = peak_kib();
    let started = Instant::now();
    let mut w = XlsxTableWriter::new(&path, "监测对象清单", &columns).expect("writer");
    let since = NaiveDate::from_ymd_opt(2021, 5, 1).expect("date");
    for i in 0..rows {
        let number = format!("51190200100{:05}", i % 100_000);
        let village = format!("5119020010{:02}", i % 40);
        w.write_row(&[
            TableCell::Text(Cow::Owned(number)),
            TableCell::text(["张三", "李四", "王小二", "赵六"][i % 4]),
            TableCell::text("5119************12"),
            TableCell::text("138****5678"),
            TableCell::Text(Cow::Owned(format!("第{}村委会", i % 40))),
            TableCell::Text(Cow::Owned(village)),
            TableCell::Number((i % 6 + 1) as f64),
            TableCell::text("脱贫不稳定户"),
            TableCell::Date(since),
            TableCell::text("因病、因学"),
            TableCell::Amount(Yuan::from_fen((i as i64 % 500) * 1000)),
        ])
        .expect("row");
    }
    let written = w.finish().expect("finish");
    let secs = started.elapsed().as_secs_f64();
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let after = peak_kib();
    println!(
        "rows {written}: {secs:.2} s, file {:.1} MB, peak RSS before {:.1} MiB, after {:.1} MiB (+{:.1} MiB)",
        size as f64 / 1e6,
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        after.saturating_sub(before) as f64 / 1024.0
    );
}
