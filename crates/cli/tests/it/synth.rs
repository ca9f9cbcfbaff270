//! `jingzhun synth --out` and `--engine`: spreadsheets that import into what generating straight into the
//! store gives, synthetic areas beyond the tree, the engine run, and the errors people meet.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{Household, StatusEvent, StatusEventKind};
use jingzhun_store::Store;

use crate::Workspace;

/// One rural village of 通江县 at scale 1.5: the real village (replica 0, three quarters of its households)
/// and one copy under the synthetic county 517001, so files carry synthetic areas too.
const VILLAGE: &str = "511921100201";
const SCALE: &str = "1.5";
const SEED: &str = "11";

/// The current households of a database by household number, with their events. Households closed when
/// their last member died (销户: a current version without members) are left out: the spreadsheet layout
/// has one row per member, so it cannot carry them, and the writer skips them.
fn households(db: &str) -> BTreeMap<String, (Household, Vec<StatusEvent>)> {
    let store = Store::open(db).expect("open");
    let mut out = BTreeMap::new();
    let sichuan = jingzhun_core::AreaCode::parse("51").expect("code");
    store
        .scan_households(&sichuan, None, &mut |s| {
            if !s.household.members.is_empty() {
                out.insert(s.household.number.to_string(), (s.household, s.events));
            }
            Ok(())
        })
        .expect("scan");
    out
}

fn first_registered(events: &[StatusEvent]) -> Option<NaiveDate> {
    events
        .iter()
        .filter(|e| e.kind == StatusEventKind::Registered)
        .map(|e| e.effective)
        .min()
}

fn exit_year(events: &[StatusEvent]) -> Option<i32> {
    events
        .iter()
        .filter(|e| e.kind == StatusEventKind::Exited)
        .map(|e| e.effective.year())
        .max()
}

/// Imports the division file and then every household file of `files` (in year order) into a fresh
/// database; returns its households.
fn import_all(
    ws: &Workspace,
    divisions: &Path,
    files: &[std::path::PathBuf],
) -> BTreeMap<String, (Household, Vec<StatusEvent>)> {
    ws.run_ok(&["init"]);
    ws.run_ok(&["areas", "import", &divisions.display().to_string()]);
    for f in files {
        ws.run_ok(&["import", "households", &f.display().to_string()]);
    }
    households(&ws.db())
}

/// What the layout carries must come back exactly: every household field, members, every year's incomes,
/// the first identification date and the exit year. Other status events have no column.
fn assert_same(
    direct: &BTreeMap<String, (Household, Vec<StatusEvent>)>,
    imported: &BTreeMap<String, (Household, Vec<StatusEvent>)>,
    what: &str,
) {
    assert_eq!(
        direct.keys().collect::<Vec<_>>(),
        imported.keys().collect::<Vec<_>>(),
        "{what}: household numbers"
    );
    let mut with_events = 0;
    for (no, (h, events)) in direct {
        let (back, back_events) = &imported[no];
        assert_eq!(back, h, "{what}: household {no}");
        assert_eq!(h.incomes.len(), 14, "{what}: 2013–2026 incomes of {no}");
        assert_eq!(
            first_registered(back_events),
            first_registered(events),
            "{what}: {no}"
        );
        assert_eq!(exit_year(back_events), exit_year(events), "{what}: {no}");
        with_events += usize::from(!events.is_empty());
    }
    assert!(with_events > 0, "{what}: some households have events");
}

#[test]
fn csv_and_xlsx_files_import_into_what_generating_into_the_store_gives() {
    let direct = Workspace::initialised();
    let out = direct.run_ok(&["synth", "--area", VILLAGE, "--scale", SCALE, "--seed", SEED]);
    assert!(out.contains("已生成并写入"), "{out}");
    let direct = households(&direct.db());
    assert!(
        direct.keys().any(|no| no.starts_with("517001")),
        "a synthetic county's households"
    );

    // CSV: a folder, one file per county and year.
    let files = Workspace::empty();
    let dir = files.dir.path().join("csv");
    let dir_arg = dir.display().to_string();
    let out = files.run_ok(&[
        "synth",
        "--area",
        VILLAGE,
        "--scale",
        SCALE,
        "--seed",
        SEED,
        "--out",
        &dir_arg,
        "--all-years",
    ]);
    assert!(out.contains("写入 28 个文件"), "{out}");
    assert!(out.contains("jingzhun areas import"), "{out}");
    let mut csv: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.display().to_string().contains("户籍信息_"))
        .collect();
    // Year order (the name ends in _<year>.csv), counties within a year in any order.
    csv.sort_by_key(|p| {
        let name = p.file_stem().unwrap().to_string_lossy().into_owned();
        (name[name.len() - 4..].to_owned(), name)
    });
    let via_csv = import_all(&Workspace::empty(), &dir.join("合成区划.csv"), &csv);
    assert_same(&direct, &via_csv, "CSV");

    // XLSX: one workbook per year.
    let xlsx = files.dir.path().join("户籍.xlsx");
    files.run_ok(&[
        "synth",
        "--area",
        VILLAGE,
        "--scale",
        SCALE,
        "--seed",
        SEED,
        "--out",
        &xlsx.display().to_string(),
        "--all-years",
    ]);
    let workbooks: Vec<_> = (2013..=2026)
        .map(|y| files.dir.path().join(format!("户籍_{y}.xlsx")))
        .collect();
    let divisions = files.dir.path().join("户籍.xlsx.合成区划.csv");
    let via_xlsx = import_all(&Workspace::empty(), &divisions, &workbooks);
    assert_same(&direct, &via_xlsx, "XLSX");
}

#[test]
fn the_engine_run_evaluates_without_a_database() {
    let ws = Workspace::empty();
    let out = ws.run_ok(&[
        "synth", "--area", VILLAGE, "--scale", SCALE, "--engine", "--year", "2016",
    ]);
    assert!(out.contains("2016 年评估"), "{out}");
    assert!(out.contains("户/秒") && out.contains("评估"), "{out}");
    assert!(out.contains("合计"), "{out}");
    assert!(
        !ws.dir.path().join("jingzhun.db").exists(),
        "no database is created"
    );
}

#[test]
fn bad_outputs_areas_and_scales_are_refused_in_chinese() {
    let ws = Workspace::empty();
    let fails = |args: &[&str], expected: &str| {
        let out = ws.cmd(args).output().expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    };
    let missing = ws.dir.path().join("没有这个文件夹").join("户籍.csv");
    let missing = missing.display().to_string();
    fails(
        &["synth", "--area", VILLAGE, "--out", &missing],
        &format!("无法创建输出文件「{missing}」"),
    );
    let txt = ws.dir.path().join("户籍.txt").display().to_string();
    fails(
        &["synth", "--area", VILLAGE, "--out", &txt],
        "无法确定输出格式",
    );
    let csv = ws.dir.path().join("户籍.csv").display().to_string();
    fails(
        &["synth", "--area", "529999", "--out", &csv],
        "行政区划「529999」不在区划树中",
    );
    fails(
        &["synth", "--area", "abc", "--out", &csv],
        "区划代码「abc」无效",
    );
    fails(
        &["synth", "--area", VILLAGE, "--scale", "0", "--out", &csv],
        "规模 0 无效",
    );
    fails(
        &["synth", "--area", VILLAGE, "--scale", "-2", "--engine"],
        "规模 -2 无效",
    );
    fails(
        &["synth", "--national", "--scale", "0", "--engine"],
        "规模 0 无效",
    );
    fails(
        &["synth", "--area", VILLAGE, "--year", "2030", "--engine"],
        "年度 2030 超出合成数据的年度范围",
    );
    fails(
        &[
            "synth", "--area", VILLAGE, "--out", &csv, "--format", "xlsx",
        ],
        "扩展名与 --format xlsx 不符",
    );
    fails(
        &[
            "synth", "--area", VILLAGE, "--data-end", "2027-03-01", "--out", &csv,
        ],
        "数据截止日期 2027-03-01 无效：应在 2026-01-01 到 2026-12-31 之间（合成数据的最后一年为 2026 年）",
    );
    assert!(!Path::new(&csv).exists());
    assert!(!ws.dir.path().join("jingzhun.db").exists());
}
