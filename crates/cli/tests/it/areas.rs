use crate::Workspace;

#[test]
fn init_loads_sichuan_with_bazhong_as_published() {
    let ws = Workspace::empty();
    let out = ws.run_ok(&["init"]);
    assert!(out.contains("已载入四川省行政区划 37728 条"), "{out}");
    let out = ws.run_ok(&["areas", "show", "5119"]);
    assert!(out.contains("四川省 巴中市"), "{out}");
    assert!(out.contains("县级：5\n"), "{out}");
    assert!(out.contains("乡镇级：139\n"), "{out}");
    assert!(
        out.contains("村级：1809（其中农村行政村 1316，城镇社区 493）"),
        "{out}"
    );
}

#[test]
fn init_twice_changes_nothing_but_the_audit_log() {
    let ws = Workspace::initialised();
    ws.run_ok(&["init"]);
    let out = ws.run_ok(&["areas", "list", "5119"]);
    assert_eq!(out.lines().count(), 5);
    assert!(out.starts_with("511902\t巴州区\n"), "{out}");
}

#[test]
fn list_rural_villages_of_a_county() {
    let ws = Workspace::initialised();
    let out = ws.run_ok(&["areas", "list", "5119", "--level", "村", "--rural"]);
    assert_eq!(out.lines().count(), 1316);
    assert!(out
        .lines()
        .all(|l| l.ends_with("村委会") || l.ends_with("村民委员会")));
}

#[test]
fn merge_and_rename_keep_old_codes_resolving() {
    let ws = Workspace::initialised();
    ws.run_ok(&[
        "areas",
        "merge",
        "511902001002",
        "--into",
        "511902001001",
        "--effective",
        "2020-06-01",
    ]);
    ws.run_ok(&[
        "areas",
        "rename",
        "511902001001",
        "北门鼓楼社区居民委员会",
        "--effective",
        "2020-06-01",
    ]);
    let before = ws.run_ok(&["areas", "show", "511902001002", "--as-of", "2019-12-31"]);
    assert!(!before.contains("已并入"), "{before}");
    let after = ws.run_ok(&["areas", "show", "511902001002", "--as-of", "2021-01-01"]);
    assert!(after.contains("截至 2021-01-01 已并入：511902001001 四川省 巴中市 巴州区 东城街道 北门鼓楼社区居民委员会"), "{after}");
}

#[test]
fn bad_input_gets_a_clear_chinese_error_and_changes_nothing() {
    let ws = Workspace::initialised();
    let out = ws.cmd(&["areas", "show", "51a9"]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("行政区划代码「51a9」只能包含数字"));
    let out = ws
        .cmd(&[
            "areas",
            "merge",
            "511902001002",
            "--into",
            "511902",
            "--effective",
            "2020-06-01",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("只能并入同级区划"));
    let log = ws.run_ok(&["audit", "log"]);
    assert_eq!(log.lines().count(), 1, "{log}");
}

#[test]
fn import_another_province_from_a_folder_and_refuse_orphans() {
    let ws = Workspace::initialised();
    let folder = ws.dir.path().join("guizhou");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("provinces.csv"), "code,name\n52,\"贵州省\"\n").unwrap();
    std::fs::write(
        folder.join("cities.csv"),
        "code,name,provinceCode\n5201,\"贵阳市\",52\n",
    )
    .unwrap();
    let out = ws.run_ok(&["areas", "import", folder.to_str().unwrap()]);
    assert!(out.contains("已导入区划 2 条"), "{out}");
    assert!(ws.run_ok(&["areas", "list"]).contains("52\t贵州省"));

    let orphan = ws.dir.path().join("orphan.csv");
    std::fs::write(&orphan, "code,name\n530102,\"五华区\"\n").unwrap();
    let out = ws
        .cmd(&["areas", "import", orphan.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("缺少上级"));
    assert!(!ws.run_ok(&["areas", "list"]).contains("53"));
}
