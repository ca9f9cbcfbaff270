//! Accounts and sessions (used by the web crate), on both backends.

use chrono::{DateTime, Duration};
use jingzhun_store::*;

use crate::both;
use crate::support::*;

fn new<'a>(username: &'a str, area: &str) -> NewAccountRow<'a> {
    NewAccountRow {
        username,
        display_name: "王书记",
        role: "village_cadre",
        area: code(area),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        must_change_password: true,
    }
}

both!(fn accounts_sessions_and_their_audit(db) {
    let admin = Actor::system("init");
    let a = db.store.create_account(&new("wang", "511902101001"), &admin).unwrap();
    let b = db.store.create_account(&new("li", "511903"), &admin).unwrap();
    db.store.create_account(&new("zhao", "5119"), &admin).unwrap();
    assert!(matches!(
        db.store.create_account(&new("wang", "51"), &admin),
        Err(StoreError::Duplicate { .. })
    ));
    let row = db.store.account(a).unwrap();
    assert_eq!((row.username.as_str(), row.display_name.as_str()), ("wang", "王书记"));
    assert!(row.must_change_password && !row.disabled);
    assert_eq!(db.store.account_by_username("li").unwrap().unwrap().id, b);
    assert_eq!(db.store.account_by_username("nobody").unwrap(), None);
    assert!(matches!(db.store.account(9_999), Err(StoreError::NotFound { .. })));

    // Prefix ranges on codes: 511902 holds wang only; 5119 holds all three.
    let names = |within: &str| -> Vec<String> {
        db.store.accounts_within(&code(within)).unwrap().into_iter().map(|r| r.username).collect()
    };
    assert_eq!(names("511902"), ["wang"]);
    assert_eq!(names("5119"), ["li", "wang", "zhao"]);
    assert!(names("52").is_empty());

    db.store.set_account_password(a, "$argon2id$new", false, &admin, "重置").unwrap();
    let row = db.store.account(a).unwrap();
    assert_eq!(row.password_hash, "$argon2id$new");
    assert!(!row.must_change_password);

    let t = DateTime::parse_from_rfc3339("2024-03-01T10:00:00.5Z").unwrap().to_utc();
    let session = SessionRow { account_id: a, csrf_token: "csrf".into(), created_at: t, expires_at: t + Duration::hours(8) };
    db.store.create_session("h1", &session).unwrap();
    db.store.create_session("h2", &SessionRow { expires_at: t + Duration::hours(1), ..session.clone() }).unwrap();
    assert_eq!(db.store.session("h1").unwrap(), Some(session.clone()));
    assert_eq!(db.store.delete_expired_sessions(t + Duration::hours(2)).unwrap(), 1);
    assert_eq!(db.store.session("h2").unwrap(), None);
    db.store.create_session("h3", &session).unwrap();
    db.store.delete_sessions_of(a, Some("h1")).unwrap();
    assert!(db.store.session("h1").unwrap().is_some() && db.store.session("h3").unwrap().is_none());
    db.store.set_account_disabled(a, true, &admin, "离职").unwrap();
    assert!(db.store.account(a).unwrap().disabled);
    assert_eq!(db.store.session("h1").unwrap(), None, "disabling ends sessions");

    db.store
        .record_access(&Actor::new("wang"), "sign_in.failed", "account", "wang", "", serde_json::json!({"ip": "10.0.0.1"}))
        .unwrap();
    let log = db.store.audit_entries(&AuditFilter { entity: Some("account".into()), ..Default::default() }).unwrap();
    let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["account.create", "account.create", "account.create", "account.password", "account.disable", "sign_in.failed"]
    );
    assert!(log.iter().all(|e| !e.detail.contains("argon2")), "password hashes never reach the audit log");
    assert!(db.store.audit_verify().unwrap().is_ok());
});

// Every household page a county approver opens writes a `view_personal_data` entry; one transaction each
// (serial appends to the chain, each waiting for its flush) capped a shared PostgreSQL server at ~200 page
// views a second. Concurrent accesses are now written together: none may be lost, duplicated or break the
// chain, and each call returns only once its own entry is stored.
both!(fn concurrent_accesses_are_all_recorded_in_one_chain(db) {
    let store = &db.store;
    let before = store.audit_entries(&AuditFilter::default()).unwrap().len();
    std::thread::scope(|s| {
        for t in 0..8 {
            s.spawn(move || {
                for i in 0..25 {
                    let id = format!("{t}-{i}");
                    store
                        .record_access(&Actor::new(format!("u{t}")), "view_personal_data", "household", &id, "查看", serde_json::json!({ "i": i }))
                        .unwrap();
                    // Committed before the call returned.
                    let mine = store
                        .audit_entries(&AuditFilter { entity: Some("household".into()), entity_id: Some(id.clone()), ..Default::default() })
                        .unwrap();
                    assert_eq!(mine.len(), 1, "{id}");
                }
            });
        }
    });
    let log = store.audit_entries(&AuditFilter::default()).unwrap();
    assert_eq!(log.len(), before + 200);
    let mut ids: Vec<String> = log.iter().filter(|e| e.action == "view_personal_data").map(|e| e.entity_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200);
    assert!(store.audit_verify().unwrap().is_ok());
});
