use crate::Workspace;

#[test]
fn audit_verify_passes_on_a_clean_log_and_fails_after_tampering() {
    let ws = Workspace::initialised();
    ws.run_ok(&[
        "areas",
        "rename",
        "511902001001",
        "新名称",
        "--effective",
        "2021-01-01",
    ]);
    let out = ws.run_ok(&["audit", "verify"]);
    assert!(out.contains("审计日志完好：2 条记录"), "{out}");
    let head = out.trim().rsplit(' ').next().unwrap().to_owned();
    ws.run_ok(&["audit", "verify", "--expect-head", &head]);

    // Someone with database access rewrites history.
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    conn.execute("UPDATE audit_log SET reason = '无' WHERE seq = 1", [])
        .unwrap();
    drop(conn);
    let out = ws.cmd(&["audit", "verify"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("审计日志校验失败"));
}

#[test]
fn a_truncated_tail_is_caught_by_the_recorded_head() {
    let ws = Workspace::initialised();
    let recorded = ws.run_ok(&["audit", "verify"]);
    ws.run_ok(&[
        "areas",
        "rename",
        "511902001001",
        "新名称",
        "--effective",
        "2021-01-01",
    ]);
    let head = ws
        .run_ok(&["audit", "verify"])
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_owned();
    let conn = rusqlite::Connection::open(ws.db()).unwrap();
    conn.execute("DELETE FROM audit_log WHERE seq = 2", [])
        .unwrap();
    drop(conn);
    // The chain alone still verifies (the newest entry is gone) ...
    assert!(
        ws.run_ok(&["audit", "verify"]).contains("完好"),
        "{recorded}"
    );
    // ... but not against the head hash recorded earlier.
    let out = ws
        .cmd(&["audit", "verify", "--expect-head", &head])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn audit_log_records_the_actor() {
    let ws = Workspace::initialised();
    let log = ws.run_ok(&["audit", "log"]);
    assert!(log.contains("cli:tester\tarea.upsert"), "{log}");
}
