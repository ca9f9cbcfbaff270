//! The audit chain: written with every change, verifiable, tamper-evident, queryable.

use chrono::DateTime;
use jingzhun_core::*;
use jingzhun_store::*;

use crate::both;
use crate::support::*;

const V1: &str = "511902101001";

/// Five changes by two accounts.
fn some_history(db: &TestDb) -> HouseholdId {
    db.store
        .upsert_areas(&areas(), &Actor::system("init"), "导入区划")
        .unwrap();
    let h = household(0, V1);
    let (id, v) = db
        .store
        .create_household(&h, &events(0), d("2014-10-01"), &actor(), "建档")
        .unwrap();
    let mut h2 = h.clone();
    h2.phone = Some(Phone::parse("13712345678").unwrap());
    h2.members[0].resident_id = resident_id("511902", "19700101", 3);
    h2.members[0].health = Health::Disabled;
    h2.incomes[0].set(IncomeComponent::Pension, Yuan::from_yuan(1_200));
    let v = db
        .store
        .update_household(
            id,
            v,
            &h2,
            d("2020-01-01"),
            &Actor::new("乡镇审核员"),
            "核查",
        )
        .unwrap();
    db.store
        .append_status_event(
            id,
            v,
            &StatusEvent::new(StatusEventKind::Removed, d("2020-02-01")),
            &actor(),
            "清退",
        )
        .unwrap();
    db.store
        .create_household(&household(1, V1), &[], d("2014-10-01"), &actor(), "建档")
        .unwrap();
    id
}

both!(fn clean_log_verifies(db) {
    let empty = db.store.audit_verify().unwrap();
    assert_eq!((empty.entries, empty.head_hash.as_str()), (0, GENESIS_HASH));
    some_history(db);
    let report = db.store.audit_verify().unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    assert_eq!(report.entries, 5);
    let newest = &db.store.audit_entries(&AuditFilter::default()).unwrap()[0];
    assert_eq!(report.head_hash, newest.hash);
    assert_eq!(newest.seq, 5);
});

both!(fn edited_entry_is_detected(db) {
    some_history(db);
    db.raw("UPDATE audit_log SET reason = '无' WHERE seq = 3");
    let report = db.store.audit_verify().unwrap();
    assert_eq!(
        report.problems,
        [AuditProblem { seq: 3, kind: AuditProblemKind::HashMismatch }]
    );
    assert!(report.problems[0].to_string().contains("审计记录 3"));
});

both!(fn edited_entry_with_recomputed_hash_breaks_the_link(db) {
    some_history(db);
    // A forger who also rewrites the hash of the edited entry is caught by the next entry's link.
    db.raw("UPDATE audit_log SET actor = 'someone', hash = 'ffff' WHERE seq = 2");
    let report = db.store.audit_verify().unwrap();
    assert!(report.problems.contains(&AuditProblem { seq: 2, kind: AuditProblemKind::HashMismatch }));
    assert!(report.problems.contains(&AuditProblem { seq: 3, kind: AuditProblemKind::BrokenLink }));
});

both!(fn deleted_entry_is_detected(db) {
    some_history(db);
    db.raw("DELETE FROM audit_log WHERE seq = 2");
    let report = db.store.audit_verify().unwrap();
    assert_eq!(report.entries, 4);
    assert_eq!(
        report.problems,
        [
            AuditProblem { seq: 3, kind: AuditProblemKind::Gap { expected: 2 } },
            AuditProblem { seq: 3, kind: AuditProblemKind::BrokenLink },
        ]
    );
});

both!(fn reordered_entries_are_detected(db) {
    some_history(db);
    // Swap the contents of entries 2 and 3 (keeping their seq numbers).
    db.raw(
        "UPDATE audit_log SET seq = -2 WHERE seq = 2;
         UPDATE audit_log SET seq = 2 WHERE seq = 3;
         UPDATE audit_log SET seq = 3 WHERE seq = -2;",
    );
    let report = db.store.audit_verify().unwrap();
    assert!(!report.is_ok());
    assert!(report.problems.iter().any(|p| p.seq == 2));
});

both!(fn entries_filter_and_keep_secrets_out(db) {
    let id = some_history(db);
    let all = db.store.audit_entries(&AuditFilter::default()).unwrap();
    let seqs: Vec<i64> = all.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [5, 4, 3, 2, 1], "newest first");
    let actions: Vec<&str> = all.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["area.upsert", "household.create", "household.update", "household.status_event", "household.create"]
    );
    let for_household = db
        .store
        .audit_entries(&AuditFilter { entity: Some("household".into()), entity_id: Some(id.to_string()), ..Default::default() })
        .unwrap();
    assert_eq!(for_household.len(), 3);
    let by = db
        .store
        .audit_entries(&AuditFilter { actor: Some("乡镇审核员".into()), ..Default::default() })
        .unwrap();
    assert_eq!(by.len(), 1);
    assert_eq!(by[0].reason, "核查");
    let update = &by[0];
    let detail: serde_json::Value = serde_json::from_str(&update.detail).unwrap();
    let changed: Vec<&str> = detail["changed"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(
        changed,
        ["incomes[2014].pension", "members[1].health", "members[1].resident_id", "phone"]
    );
    for e in &all {
        assert!(!e.detail.contains("13712345678") && !e.detail.contains("138"), "{}", e.detail);
        assert!(!e.detail.contains("19700101"), "{}", e.detail);
        assert!(!e.detail.contains("disabled") && !e.detail.contains("残疾"), "{}", e.detail);
    }
    assert_eq!(db.store.audit_entries(&AuditFilter { limit: Some(2), ..Default::default() }).unwrap().len(), 2);

    // Time range: the step clock gives entry k the time 08:00:0k (k from 0); `until` is exclusive.
    let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    let window = db
        .store
        .audit_entries(&AuditFilter {
            since: Some(t("2024-01-01T08:00:01Z")),
            until: Some(t("2024-01-01T08:00:03.123456Z")),
            ..Default::default()
        })
        .unwrap();
    let seqs: Vec<i64> = window.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, [3, 2]);
    assert_eq!(window[1].at, t("2024-01-01T08:00:01.123456Z"), "stored to the microsecond");
});
