//! `jingzhun import households` and `jingzhun export households`: all or nothing, re-import changes
//! nothing, export → import round trip.

use std::path::PathBuf;

use crate::Workspace;

/// Two households, three members; 孙八 has worked away 8 months but no 务工状况 says so (a defect for
/// `check`, not for import).
pub const VALID_CSV: &str = "\u{feff}户编号,行政区划代码,姓名,证件号码,性别,与户主关系,健康状况,务工时间,首次识别时间,收入年度,工资性收入\n\
5119020010010001,511902001001,张三,511902197003150114,男,户主,健康,0,2014-10-01,2023,12000\n\
5119020010010001,511902001001,欧阳娜,511902197205200220,女,妻,长期慢性病,0,,2023,\n\
5119020020030007,511902002003,孙八,511902198505050716,男,户主,患有大病,8,2014-10-01,2023,3000.5\n";

impl Workspace {
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    pub fn count(&self, table: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.db()).expect("open");
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .expect("count")
    }

    /// A database with [`VALID_CSV`] imported.
    pub fn with_households() -> Self {
        let ws = Self::initialised();
        let file = ws.write("户籍.csv", VALID_CSV);
        ws.run_ok(&["import", "households", &file.display().to_string()]);
        ws
    }
}

#[test]
fn import_then_reimport_changes_nothing() {
    let ws = Workspace::initialised();
    let file = ws.write("户籍.csv", VALID_CSV);
    let file = file.display().to_string();
    let audit_before = ws.count("audit_log");

    let out = ws.run_ok(&["import", "households", &file, "--dry-run"]);
    assert!(out.contains("试运行") && out.contains("新增 2 户"), "{out}");
    assert_eq!(ws.count("households"), 0, "a dry run writes nothing");
    assert_eq!(ws.count("audit_log"), audit_before);

    let out = ws.run_ok(&["import", "households", &file]);
    assert!(out.contains("2 户, 3 人; 没有发现问题"), "{out}");
    assert!(out.contains("新增 2 户，更新 0 户，未变 0 户"), "{out}");
    assert_eq!(ws.count("households"), 2);
    let audit_after = ws.count("audit_log");
    assert_eq!(
        audit_after,
        audit_before + 2,
        "one audit entry per created household"
    );
    let log = ws.run_ok(&["audit", "log"]);
    assert!(log.contains("cli:tester\thousehold.create"), "{log}");

    let out = ws.run_ok(&["import", "households", &file]);
    assert!(
        out.contains("新增 0 户，更新 0 户，未变 2 户，追加状态记录 0 条"),
        "{out}"
    );
    assert_eq!(
        ws.count("audit_log"),
        audit_after,
        "re-import writes no audit entry"
    );
    assert_eq!(ws.count("household_versions"), 2);

    // A changed file: one household gets a new version.
    let changed = VALID_CSV.replace(",3000.5\n", ",3100\n");
    let file = ws.write("户籍2.csv", &changed);
    let out = ws.run_ok(&["import", "households", &file.display().to_string()]);
    assert!(out.contains("新增 0 户，更新 1 户，未变 1 户"), "{out}");
    assert_eq!(ws.count("household_versions"), 3);
}

#[test]
fn an_invalid_file_writes_nothing_and_gets_a_report() {
    let ws = Workspace::initialised();
    // A wrong check character in row 3, and a village the division tree does not have in row 4.
    let bad = VALID_CSV
        .replace("511902197205200220", "511902197205200221")
        .replace(
            "5119020020030007,511902002003,",
            // The number carries its village's code, as every household number must.
            "5119029999990007,511902999999,",
        );
    let file = ws.write("有问题.csv", &bad);
    let audit_before = ws.count("audit_log");
    let out = ws
        .cmd(&["import", "households", &file.display().to_string()])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("第 3 行「证件号码(D列)」"), "{stdout}");
    assert!(
        stdout.contains("第 4 行「行政区划代码」 值「511902999999」"),
        "{stdout}"
    );
    assert!(stdout.contains("未导入任何数据"), "{stdout}");
    let report = ws.dir.path().join("有问题.csv.导入问题.xlsx");
    assert!(report.exists(), "{stdout}");
    assert_eq!(ws.count("households"), 0);
    assert_eq!(ws.count("household_versions"), 0);
    assert_eq!(ws.count("audit_log"), audit_before);

    // --report puts the report elsewhere.
    let elsewhere = ws.dir.path().join("问题.xlsx");
    let out = ws
        .cmd(&[
            "import",
            "households",
            &file.display().to_string(),
            "--report",
            &elsewhere.display().to_string(),
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(elsewhere.exists());
}

#[test]
fn export_then_import_round_trips() {
    let ws = Workspace::with_households();
    let audit = ws.count("audit_log");
    for name in ["导出.xlsx", "导出.csv"] {
        let out_file = ws.dir.path().join(name).display().to_string();
        let out = ws.run_ok(&["export", "households", "--area", "5119", "--out", &out_file]);
        assert!(
            out.contains("2 户 3 人") && out.contains("收入年度：2023"),
            "{out}"
        );
        let out = ws.run_ok(&["import", "households", &out_file]);
        assert!(
            out.contains("新增 0 户，更新 0 户，未变 2 户，追加状态记录 0 条"),
            "{name}: {out}"
        );
    }
    assert_eq!(ws.count("audit_log"), audit);
    let csv = std::fs::read(ws.dir.path().join("导出.csv")).expect("read");
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "CSV for Excel has a BOM");

    // Filters: by status on the export date, and as of a date.
    let filtered = ws.dir.path().join("筛选.csv").display().to_string();
    for (args, expected) in [
        (vec!["--status", "poor"], "的 2 户 3 人"),
        (vec!["--status", "exited"], "的 0 户 0 人"),
        (vec!["--as-of", "2014-09-30"], "的 0 户 0 人"),
        (
            vec!["--as-of", "2014-10-01", "--status", "ever-registered"],
            "的 2 户 3 人",
        ),
    ] {
        let mut all = vec!["export", "households", "--area", "5119", "--out", &filtered];
        all.extend(args.iter().copied());
        let out = ws.run_ok(&all);
        assert!(out.contains(expected), "{args:?}: {out}");
    }

    let masked = ws.dir.path().join("脱敏.csv").display().to_string();
    ws.run_ok(&[
        "export",
        "households",
        "--area",
        "511902",
        "--out",
        &masked,
        "--mask",
    ]);
    let text = std::fs::read_to_string(&masked).expect("read");
    assert!(!text.contains("511902197003150114"), "{text}");
    assert!(text.contains("5119************14"), "{text}");
}

#[test]
fn a_resident_id_of_another_stored_household_fails_the_import() {
    let ws = Workspace::with_households();
    let audit = ws.count("audit_log");
    // A new household whose head is 张三, already a member of household 5119020010010001.
    let file = ws.write(
        "新户.csv",
        "户编号,行政区划代码,姓名,证件号码,与户主关系\n\
         5119020010010099,511902001001,李明,511902198505050716,户主\n\
         5119020010010099,511902001001,张三,511902197003150114,父亲\n",
    );
    let out = ws
        .cmd(&["import", "households", &file.display().to_string()])
        .output()
        .expect("run");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("导入失败，未写入任何数据"), "{stderr}");
    // The other household is not named (it may lie outside the importer's area): only the one the file
    // would put the ID in.
    assert!(
        stderr.contains("另一户") && stderr.contains("5119020010010099"),
        "{stderr}"
    );
    assert!(!stderr.contains("5119020010010001"), "{stderr}");
    assert!(stderr.contains("5119************14"), "{stderr}");
    assert_eq!(ws.count("households"), 2);
    assert_eq!(ws.count("audit_log"), audit);
}

#[test]
fn a_closed_standard_output_never_panics_and_never_leaves_the_problem_report_unwritten() {
    let ws = Workspace::initialised();
    let bad = VALID_CSV.replace("511902197205200220", "511902197205200221");
    for (name, text, code) in [("管道.csv", bad.as_str(), 2), ("好.csv", VALID_CSV, 0)] {
        let file = ws.write(name, text);
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("jingzhun"))
            .args(["--db", &ws.db(), "import", "households"])
            .arg(&file)
            .env("JINGZHUN_ACTOR", "tester")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run");
        // `| head -0`: the reading end is gone before the command writes anything.
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("wait");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{name}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(ws.dir.path().join("管道.csv.导入问题.xlsx").exists());
    assert_eq!(ws.count("households"), 2, "the good file was imported");
}

#[test]
fn an_import_not_in_force_at_its_data_years_end_warns_and_says_how() {
    let ws = Workspace::with_households();
    let changed = VALID_CSV.replace(",3000.5\n", ",3100\n");
    let file = ws.write("户籍2.csv", &changed).display().to_string();
    let out = ws.run_ok(&["import", "households", &file, "--dry-run"]);
    assert!(
        out.contains("数据年度为 2023 年") && out.contains("--effective 2023-12-31"),
        "{out}"
    );
    let out = ws.run_ok(&["import", "households", &file, "--effective", "2023-12-31"]);
    assert!(out.contains("更新 1 户") && !out.contains("注意"), "{out}");
}

/// The two households of [`VALID_CSV`], one exited in 2018 (脱贫户) and one never registered (一般农户).
const MONITORING_HOUSEHOLDS: &str =
    "\u{feff}户编号,行政区划代码,姓名,证件号码,性别,与户主关系,首次识别时间,脱贫年度\n\
5119020010010001,511902001001,张三,511902197003150114,男,户主,2014-10-01,2018\n\
5119020020030007,511902002003,孙八,511902198505050716,男,户主,,\n";

#[test]
fn monitoring_records_import_all_or_nothing_within_the_area() {
    let ws = Workspace::initialised();
    let households = ws.write("户籍.csv", MONITORING_HOUSEHOLDS);
    ws.run_ok(&["import", "households", &households.display().to_string()]);
    let versions = ws.count("household_versions");
    let events = ws.count("status_events");

    // One bad row (a kind that does not fit the household) refuses the file, with a report.
    let bad = ws.write(
        "监测对象.csv",
        "户编号,监测对象类别,识别纳入日期,风险类型,风险消除日期\n\
         5119020010010001,脱贫不稳定户,2021-05-10,因病、因学,2022-06-30\n\
         5119020020030007,脱贫不稳定户,2022-03-01,因灾,\n",
    );
    let bad = bad.display().to_string();
    let out = ws
        .cmd(&["import", "monitoring", &bad, "--area", "511902"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("工作表「监测对象.csv」第 3 行「监测对象类别(B列)」 值「脱贫不稳定户」: 脱贫不稳定户只适用于脱贫户，此户在 2022-03-01 是一般农户"),
        "{stdout}"
    );
    assert!(stdout.contains("共 1 个问题，未导入任何数据"), "{stdout}");
    assert!(std::path::Path::new(&format!("{bad}.导入问题.xlsx")).exists());
    assert_eq!(ws.count("household_versions"), versions, "nothing written");

    // Fixed, but imported by an account of one township: the other household is outside it.
    let good = ws.write(
        "监测对象2.csv",
        "户编号,监测对象类别,识别纳入日期,风险类型,风险消除日期\n\
         5119020010010001,脱贫不稳定户,2021-05-10,因病、因学,2022-06-30\n\
         5119020020030007,边缘易致贫户,2022-03-01,因灾,\n",
    );
    let good = good.display().to_string();
    let out = ws
        .cmd(&["import", "monitoring", &good, "--area", "511902001"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("第 3 行「户编号(A列)」 值「5119020020030007」: 此户属于 511902002003，不在导入账号的管辖区划 511902001 内"), "{stdout}");
    assert_eq!(ws.count("status_events"), events, "nothing written");

    // A dry run, then the import, then the same file again.
    let out = ws.run_ok(&[
        "import",
        "monitoring",
        &good,
        "--area",
        "511902",
        "--dry-run",
    ]);
    assert!(
        out.contains("试运行") && out.contains("纳入监测和风险消除记录 3 条"),
        "{out}"
    );
    assert_eq!(ws.count("household_versions"), versions);
    let out = ws.run_ok(&["import", "monitoring", &good, "--area", "511902"]);
    assert!(out.contains("已导入：纳入监测和风险消除记录 3 条"), "{out}");
    assert_eq!(ws.count("household_versions"), versions + 3);
    let out = ws.run_ok(&["import", "monitoring", &good]);
    assert!(
        out.contains("纳入监测和风险消除记录 0 条") && out.contains("未重复写入的 3 条"),
        "{out}"
    );
    let log = ws.run_ok(&["audit", "log"]);
    assert!(log.contains("monitoring.import"), "{log}");

    // An account's area as the import's: a township reviewer of 511902001 may not bring 511902002003.
    ws.run_ok(&[
        "accounts",
        "create",
        "--username",
        "dc_xz",
        "--role",
        "township_reviewer",
        "--area",
        "511902001",
    ]);
    let out = ws
        .cmd(&["import", "monitoring", &good, "--account", "dc_xz"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("不在导入账号的管辖区划 511902001 内"));
    ws.run_ok(&[
        "accounts",
        "create",
        "--username",
        "bz_fx",
        "--role",
        "analyst",
        "--area",
        "511902",
    ]);
    let out = ws
        .cmd(&["import", "monitoring", &good, "--account", "bz_fx"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("没有导入数据的权限"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The template needs no database.
    let template = ws.dir.path().join("模板.xlsx");
    let out = ws.run_ok(&[
        "import",
        "monitoring-template",
        &template.display().to_string(),
    ]);
    assert!(out.contains("已写入导入模板"), "{out}");
    assert!(template.exists());
}
