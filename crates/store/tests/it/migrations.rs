//! Migrations on open.

use jingzhun_store::*;

use crate::both;
use crate::support::*;

both!(fn reopening_applies_nothing_twice(db) {
    db.store.upsert_areas(&areas(), &actor(), "x").unwrap();
    let again = db.reopen().unwrap();
    assert_eq!(again.area_tree().unwrap().len(), areas().len());
    assert_eq!(db.raw_i64("SELECT count(*) FROM schema_migrations"), 13);
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

#[test]
fn an_older_database_is_upgraded_in_place() {
    // A database created before migration 0003 (as a teammate's would be) opens and is brought up to date.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)",
        )
        .unwrap();
        for (v, name, sql) in [
            (
                1,
                "init",
                include_str!("../../migrations/sqlite/0001_init.sql"),
            ),
            (
                2,
                "accounts",
                include_str!("../../migrations/sqlite/0002_accounts.sql"),
            ),
        ] {
            c.execute_batch(sql).unwrap();
            let sum = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(sql.as_bytes()));
            c.execute(
                "INSERT INTO schema_migrations VALUES (?1, ?2, ?3, '2026-01-01T00:00:00Z')",
                rusqlite::params![v, name, sum],
            )
            .unwrap();
        }
    }
    let store = Store::open(&format!("sqlite:{}", path.display())).unwrap();
    store
        .create_household(
            &household(0, "511902101001"),
            &[],
            d("2014-10-01"),
            &actor(),
            "x",
        )
        .unwrap();
    let c = rusqlite::Connection::open(&path).unwrap();
    let n: i64 = c
        .query_row("SELECT max(version) FROM schema_migrations", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(n, 16);
    let idx: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'member_versions_resident'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(idx, 0);
}

#[test]
fn postgres_reconnects_after_the_server_drops_the_connection() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    db.store.upsert_areas(&areas(), &actor(), "x").unwrap();
    // End the store's server process (the raw connection shares its application name, and spares itself).
    let killed = db.raw_i64(
        "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity \
         WHERE application_name = current_setting('application_name') AND pid <> pg_backend_pid()) t WHERE ok",
    );
    assert_eq!(killed, 1);
    // Termination is asynchronous: wait until the server process is really gone.
    for _ in 0..100 {
        let alive = db.raw_i64(
            "SELECT count(*) FROM pg_stat_activity \
             WHERE application_name = current_setting('application_name') AND pid <> pg_backend_pid()",
        );
        if alive == 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The first call after the kill may fail; the next one works on a fresh connection.
    let _ = db.store.area_tree();
    assert_eq!(db.store.area_tree().unwrap().len(), areas().len());
}
