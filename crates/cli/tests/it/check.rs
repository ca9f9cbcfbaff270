//! `jingzhun check` and `jingzhun department compare` on an imported registry.

use crate::Workspace;

#[test]
fn check_finds_the_planted_defect() {
    let ws = Workspace::with_households();
    let out_file = ws.dir.path().join("问题.xlsx").display().to_string();
    let out = ws.run_ok(&[
        "check", "--area", "5119", "--year", "2023", "--out", &out_file,
    ]);
    assert!(out.contains("检查 2 户，2023 年收入"), "{out}");
    // 孙八's 务工时间 contradicts his 务工状况.
    let line = out
        .lines()
        .find(|l| l.starts_with("Q09"))
        .unwrap_or_default();
    assert!(line.ends_with(" 1"), "{out}");
    assert!(out.contains("511902 巴州区"), "per-area counts: {out}");
    assert!(std::path::Path::new(&out_file).exists());

    // A death list naming 张三.
    let deaths = ws.write(
        "死亡.csv",
        "证件号码,死亡日期\n511902197003150114,2023-02-01\n",
    );
    let out = ws.run_ok(&[
        "check",
        "--area",
        "5119",
        "--year",
        "2023",
        "--deaths",
        &deaths.display().to_string(),
    ]);
    let line = out
        .lines()
        .find(|l| l.starts_with("Q14"))
        .unwrap_or_default();
    assert!(line.ends_with(" 1"), "{out}");
}

#[test]
fn department_compare_turns_a_hit_into_a_lead() {
    let ws = Workspace::with_households();
    let list = ws.write(
        "医保.csv",
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/department_medical.csv"
        ))
        .expect("fixture"),
    );
    let out = ws.run_ok(&[
        "department",
        "compare",
        "--kind",
        "inpatient_cost",
        &list.display().to_string(),
    ]);
    let count = |label: &str| {
        out.lines()
            .find(|l| l.starts_with(label))
            .and_then(|l| l.split_whitespace().last())
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(count("风险线索（部门筛查预警）"), "1", "{out}");
    assert_eq!(count("未匹配的证件号码"), "2", "{out}");
    assert!(
        out.contains("线索 D01 户「5119020010010001」第 1 人"),
        "{out}"
    );
    assert!(out.contains("达到脱贫户或监测对象标准 5,000 元"), "{out}");
    assert!(!out.contains("511902197003150114"), "IDs masked: {out}");
    assert!(ws.dir.path().join("医保.csv.比对结果.xlsx").exists());
    // Nothing is written to the workflow without --save.
    assert!(!ws
        .run_ok(&["audit", "log", "--entity", "monitoring_cases"])
        .contains("monitoring.case_open"));

    // With --save a lead on an exited household opens a case in the monitoring workflow (a household still
    // registered as poor is supported as poor and gets none); a second run opens no second case.
    let exited = ws.write(
        "脱贫户.csv",
        "\u{feff}户编号,行政区划代码,姓名,证件号码,性别,与户主关系,健康状况,务工时间,首次识别时间,脱贫年度,收入年度,工资性收入\n\
         5119020010010009,511902001001,王五,511902198001010032,男,户主,健康,0,2014-10-01,2018,2023,15000\n",
    );
    ws.run_ok(&["import", "households", &exited.display().to_string()]);
    let list = ws.write(
        "医保2.csv",
        "身份证号码,姓名,住院自付金额(元),结算日期\n511902198001010032,王五,8000,2023-05-01\n511902197003150114,张三,5000,2023-05-01\n",
    );
    let save = |ws: &Workspace| {
        ws.run_ok(&[
            "department",
            "compare",
            "--kind",
            "inpatient_cost",
            "--save",
            &list.display().to_string(),
        ])
    };
    let out = save(&ws);
    assert!(
        out.contains("新开线索 1 户，已有在办监测事项 0 户，建档立卡贫困户 1 户"),
        "{out}"
    );
    let log = ws.run_ok(&["audit", "log", "--entity", "monitoring_cases"]);
    assert_eq!(
        log.lines()
            .filter(
                |l| l.contains("system:department-compare") && l.contains("monitoring.case_open")
            )
            .count(),
        1,
        "{log}"
    );
    let out = save(&ws);
    assert!(
        out.contains("新开线索 0 户，已有在办监测事项 1 户"),
        "{out}"
    );

    let out = ws
        .cmd(&[
            "department",
            "compare",
            "--kind",
            "天气",
            &list.display().to_string(),
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("名单种类「天气」无效"));
}
