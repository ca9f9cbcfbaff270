//! Migrations on open.

use jingzhun_store::*;

use crate::both;
use crate::support::*;

both!(fn reopening_applies_nothing_twice(db) {
    db.store.upsert_areas(&areas(), &actor(), "x").unwrap();
    let again = db.reopen().unwrap();
    assert_eq!(again.area_tree().unwrap().len(), areas().len());
    assert_eq!(db.raw_i64("SELECT count(*) FROM schema_migrations"), 2);
    assert_eq!(
        again.backend(),
        if db.is_pg() { Backend::Postgres } else { Backend::Sqlite }
    );
    assert_eq!(Backend::Postgres.to_string(), "PostgreSQL");
    assert_eq!(Backend::Sqlite.to_string(), "SQLite");
});

both!(fn edited_migration_is_refused(db) {
    db.raw("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1");
    let err = db.reopen().unwrap_err();
    assert!(matches!(err, StoreError::Migration(_)), "{err:?}");
    assert!(err.to_string().contains("校验和"), "{err}");
});

both!(fn unknown_newer_migration_is_refused(db) {
    db.raw("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (9999, 'future', 'x', 'now')");
    assert!(matches!(db.reopen(), Err(StoreError::Migration(_))));
});

#[test]
fn urls_select_the_backend() {
    let store = Store::open("sqlite::memory:").unwrap();
    assert_eq!(store.backend(), Backend::Sqlite);
    assert!(store.area_tree().unwrap().is_empty());
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("plain.db");
    Store::open(plain.to_str().unwrap()).unwrap();
    assert!(plain.exists());
    assert!(matches!(
        Store::open("sqlite:"),
        Err(StoreError::Invalid(_))
    ));
}
