//! Schema migrations, one list per backend, embedded in the binary and applied in order on open.
//!
//! Files live in `migrations/{sqlite,postgres}/NNNN_name.sql`. Each applied migration is recorded in
//! `schema_migrations` with a SHA-256 of its text; opening a database whose recorded checksum differs from the
//! embedded file fails, because a released migration was edited (add a new one instead). A database that has
//! migrations this binary does not know (a newer version wrote it) is refused too.

use sha2::{Digest, Sha256};

use crate::db::{Conn, Tx, Val};
use crate::error::{Result, StoreError};

struct Migration {
    version: i64,
    name: &'static str,
    sql: &'static str,
}

const SQLITE: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/sqlite/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "accounts",
        sql: include_str!("../migrations/sqlite/0002_accounts.sql"),
    },
    Migration {
        version: 3,
        name: "drop_unused_indexes",
        sql: include_str!("../migrations/sqlite/0003_drop_unused_indexes.sql"),
    },
    Migration {
        version: 4,
        name: "monitoring",
        sql: include_str!("../migrations/sqlite/0004_monitoring.sql"),
    },
    Migration {
        version: 5,
        name: "case_counts_index",
        sql: include_str!("../migrations/sqlite/0005_case_counts_index.sql"),
    },
    Migration {
        version: 6,
        name: "economy",
        sql: include_str!("../migrations/sqlite/0006_economy.sql"),
    },
    Migration {
        version: 7,
        name: "projects",
        sql: include_str!("../migrations/sqlite/0007_projects.sql"),
    },
    Migration {
        version: 8,
        name: "department_facts",
        sql: include_str!("../migrations/sqlite/0008_department_facts.sql"),
    },
    Migration {
        version: 12,
        name: "evaluation_snapshots",
        sql: include_str!("../migrations/sqlite/0012_evaluation_snapshots.sql"),
    },
    Migration {
        version: 13,
        name: "survey",
        sql: include_str!("../migrations/sqlite/0013_survey.sql"),
    },
    Migration {
        version: 14,
        name: "village_reviews",
        sql: include_str!("../migrations/sqlite/0014_village_reviews.sql"),
    },
    Migration {
        version: 15,
        name: "attachments",
        sql: include_str!("../migrations/sqlite/0015_attachments.sql"),
    },
    Migration {
        version: 16,
        name: "national",
        sql: include_str!("../migrations/sqlite/0016_national.sql"),
    },
];

const POSTGRES: &[Migration] = &[
    Migration {
        version: 1,
        name: "init",
        sql: include_str!("../migrations/postgres/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "accounts",
        sql: include_str!("../migrations/postgres/0002_accounts.sql"),
    },
    Migration {
        version: 3,
        name: "drop_unused_indexes",
        sql: include_str!("../migrations/postgres/0003_drop_unused_indexes.sql"),
    },
    Migration {
        version: 4,
        name: "monitoring",
        sql: include_str!("../migrations/postgres/0004_monitoring.sql"),
    },
    Migration {
        version: 5,
        name: "case_counts_index",
        sql: include_str!("../migrations/postgres/0005_case_counts_index.sql"),
    },
    Migration {
        version: 6,
        name: "economy",
        sql: include_str!("../migrations/postgres/0006_economy.sql"),
    },
    Migration {
        version: 7,
        name: "projects",
        sql: include_str!("../migrations/postgres/0007_projects.sql"),
    },
    Migration {
        version: 8,
        name: "department_facts",
        sql: include_str!("../migrations/postgres/0008_department_facts.sql"),
    },
    Migration {
        version: 12,
        name: "evaluation_snapshots",
        sql: include_str!("../migrations/postgres/0012_evaluation_snapshots.sql"),
    },
    Migration {
        version: 13,
        name: "survey",
        sql: include_str!("../migrations/postgres/0013_survey.sql"),
    },
    Migration {
        version: 14,
        name: "village_reviews",
        sql: include_str!("../migrations/postgres/0014_village_reviews.sql"),
    },
    Migration {
        version: 15,
        name: "attachments",
        sql: include_str!("../migrations/postgres/0015_attachments.sql"),
    },
    Migration {
        version: 16,
        name: "national",
        sql: include_str!("../migrations/postgres/0016_national.sql"),
    },
];

/// Serialises concurrent `open`s against one PostgreSQL database.
const PG_MIGRATION_LOCK: i64 = 0x6a7a_6d69_6772; // "jzmigr"

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Applies pending migrations in one transaction; returns how many were applied.
pub(crate) fn run(conn: &mut Conn) -> Result<usize> {
    let migrations = match conn {
        Conn::Sqlite(_) => SQLITE,
        Conn::Pg(_) => POSTGRES,
    };
    let mut tx = conn.begin_write()?;
    let create = "CREATE TABLE IF NOT EXISTS schema_migrations (\
                  version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)";
    match &mut tx {
        Tx::Sqlite(t) => t.execute_batch(create)?,
        Tx::Pg(t) => {
            t.execute("SELECT pg_advisory_xact_lock($1)", &[&PG_MIGRATION_LOCK])?;
            t.batch_execute(create)?;
        }
    }
    let applied = tx.query_vec(
        "SELECT version, checksum FROM schema_migrations ORDER BY version",
        &[],
        |r| Ok((r.i64(0)?, r.str(1)?.to_owned())),
    )?;
    for (version, sum) in &applied {
        match migrations.iter().find(|m| m.version == *version) {
            None => {
                return Err(StoreError::Migration(format!(
                    "数据库已应用迁移 {version:04}, 但本程序不认识它: 请使用更新版本的程序"
                )))
            }
            Some(m) if checksum(m.sql) != *sum => {
                return Err(StoreError::Migration(format!(
                    "迁移 {version:04}_{} 在应用后被修改过(校验和不符): 已发布的迁移不能修改, 请新增迁移",
                    m.name
                )))
            }
            Some(_) => {}
        }
    }
    let mut count = 0;
    for m in migrations {
        if applied.iter().any(|(v, _)| *v == m.version) {
            continue;
        }
        let wrap = |e: String| {
            StoreError::Migration(format!("迁移 {:04}_{} 执行失败: {e}", m.version, m.name))
        };
        match &mut tx {
            Tx::Sqlite(t) => t.execute_batch(m.sql).map_err(|e| wrap(e.to_string()))?,
            Tx::Pg(t) => t.batch_execute(m.sql).map_err(|e| wrap(e.to_string()))?,
        }
        let sum = checksum(m.sql);
        let now = crate::db::ts_text(chrono::Utc::now());
        tx.exec(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
            &[
                Val::I64(m.version),
                Val::Str(m.name),
                Val::Str(&sum),
                Val::Str(&now),
            ],
        )?;
        tracing::info!(version = m.version, name = m.name, "applied migration");
        count += 1;
    }
    tx.commit()?;
    Ok(count)
}

/// For a read-only copy of a database (a PostgreSQL hot standby): checks, without writing, that every
/// migration this binary knows has been applied (by the primary) with the same text.
pub(crate) fn check(conn: &mut Conn) -> Result<()> {
    let migrations = match conn {
        Conn::Sqlite(_) => SQLITE,
        Conn::Pg(_) => POSTGRES,
    };
    let mut tx = conn.begin_read()?;
    let applied = tx
        .query_vec(
            "SELECT version, checksum FROM schema_migrations ORDER BY version",
            &[],
            |r| Ok((r.i64(0)?, r.str(1)?.to_owned())),
        )
        .map_err(|e| StoreError::Migration(format!("只读副本上没有可用的迁移记录: {e}")))?;
    for m in migrations {
        match applied.iter().find(|(v, _)| *v == m.version) {
            None => {
                return Err(StoreError::Migration(format!(
                    "只读副本尚未应用迁移 {:04}_{}: 请先用本程序打开主库(--db)完成迁移",
                    m.version, m.name
                )))
            }
            Some((_, sum)) if *sum != checksum(m.sql) => {
                return Err(StoreError::Migration(format!(
                    "只读副本上的迁移 {:04}_{} 与本程序不一致(校验和不符)",
                    m.version, m.name
                )))
            }
            Some(_) => {}
        }
    }
    if let Some((v, _)) = applied
        .iter()
        .find(|(v, _)| !migrations.iter().any(|m| m.version == *v))
    {
        return Err(StoreError::Migration(format!(
            "只读副本已应用迁移 {v:04}, 但本程序不认识它: 请使用更新版本的程序"
        )));
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Released migrations must never change (databases in the field recorded these checksums). A new
    /// migration gets its line here when it is released; an edit to an old one fails this test.
    const RELEASED: &[(&str, i64, &str)] = &[
        (
            "sqlite",
            1,
            "6109b66cc9f3cc97118ae2207e39985bd333eddb2b36978a9620da1aee4f8925",
        ),
        (
            "sqlite",
            2,
            "e35f086a83d9035968828551fc19fbfc070daa4a436d451f2cb02844668149d5",
        ),
        (
            "sqlite",
            3,
            "91c0057962a9205aa7a01cf05bef7eb2a84df73d871568da371c4d3041648a63",
        ),
        (
            "postgres",
            1,
            "93804158013fc9dc26826b7542b795342b8d557b840d52e72a83a46322c72552",
        ),
        (
            "postgres",
            2,
            "4dac4af5b544c7207bb1c619378175842772746339ddd569af17c8b2f615a626",
        ),
        (
            "postgres",
            3,
            "91c0057962a9205aa7a01cf05bef7eb2a84df73d871568da371c4d3041648a63",
        ),
    ];

    #[test]
    fn released_migrations_are_unchanged_and_numbered_in_order() {
        for (backend, list) in [("sqlite", SQLITE), ("postgres", POSTGRES)] {
            // Numbers are handed out to parallel branches in advance, so one may be missing until its
            // branch is merged; the order must still be strictly increasing.
            for pair in list.windows(2) {
                assert!(
                    pair[0].version < pair[1].version,
                    "{backend} migrations are numbered in increasing order"
                );
            }
            assert_eq!(list.first().map(|m| m.version), Some(1));
            for (b, version, sum) in RELEASED.iter().filter(|(b, _, _)| *b == backend) {
                let m = list.iter().find(|m| m.version == *version);
                let m = m.unwrap_or_else(|| panic!("{b} migration {version} is missing"));
                assert_eq!(
                    checksum(m.sql),
                    *sum,
                    "{b} migration {version:04}_{} was edited",
                    m.name
                );
            }
        }
        assert_eq!(
            SQLITE.len(),
            POSTGRES.len(),
            "both backends have the same migrations"
        );
    }
}
