//! The audit log: an append-only, hash-chained table written in the same transaction as the change it
//! records, so that a change and its audit entry commit or roll back together.
//!
//! Each entry's `hash` is SHA-256 over a domain tag, its own canonical fields (seq, time, actor, action,
//! entity, entity id, reason, detail) and the previous entry's hash; the first entry links to 64 zeros.
//! Every field is length-prefixed, so no two different entries hash the same input. [`verify`] walks the
//! chain and reports edited entries (hash mismatch), removed or reordered entries (gap in the sequence,
//! broken link). A chain cannot reveal that its *newest* entries were cut off: operators should record the
//! head hash from [`crate::AuditReport::head_hash`] somewhere else (a report, a ticket) and compare later.
//!
//! The `detail` is JSON meant for people reviewing changes. It names *which* fields changed, never their
//! values, and never contains resident IDs, phone numbers or health data.

use std::fmt;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::db::{ts_text, Get, Tx, Val};
use crate::error::Result;
use crate::schema::{Cols, Ty};

/// The hash the first entry links to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Key of the PostgreSQL advisory lock that serialises appends (two processes must not both take seq n+1).
const PG_AUDIT_LOCK: i64 = 0x006a_7a61_7564_6974; // "jzaudit"

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub account: String,
}

impl Actor {
    pub fn new(account: impl Into<String>) -> Self {
        Self {
            account: account.into(),
        }
    }

    /// The system itself, for a named job: `Actor::system("init")` is account `system:init`.
    pub fn system(job: &str) -> Self {
        Self {
            account: format!("system:{job}"),
        }
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub reason: String,
    /// JSON.
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

/// Which entries [`crate::Store::audit_entries`] returns (all conditions must hold), newest first.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub actor: Option<String>,
    /// Inclusive.
    pub since: Option<DateTime<Utc>>,
    /// Exclusive.
    pub until: Option<DateTime<Utc>>,
    pub limit: Option<u32>,
}

/// The result of [`crate::Store::audit_verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub entries: u64,
    /// Hash of the newest entry ([`GENESIS_HASH`] for an empty log). Record it elsewhere to detect later
    /// truncation.
    pub head_hash: String,
    pub problems: Vec<AuditProblem>,
}

impl AuditReport {
    pub fn is_ok(&self) -> bool {
        self.problems.is_empty()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditProblem {
    pub seq: i64,
    pub kind: AuditProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditProblemKind {
    /// The entry's content does not match its hash: it was edited.
    HashMismatch,
    /// The entry does not link to the entry before it: something before it was removed, inserted or changed.
    BrokenLink,
    /// Sequence numbers jump: entries `expected..seq` are missing.
    Gap { expected: i64 },
}

impl fmt::Display for AuditProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            AuditProblemKind::HashMismatch => {
                write!(f, "审计记录 {} 的内容与哈希不符(记录被修改)", self.seq)
            }
            AuditProblemKind::BrokenLink => write!(
                f,
                "审计记录 {} 未链接到前一条记录(前面的记录被删除、插入或修改)",
                self.seq
            ),
            AuditProblemKind::Gap { expected } => write!(
                f,
                "审计记录序号不连续: 应为 {expected}, 实为 {}(记录缺失)",
                self.seq
            ),
        }
    }
}

/// The hash of an entry's canonical fields.
#[allow(clippy::too_many_arguments)]
pub(crate) fn entry_hash(
    seq: i64,
    at: DateTime<Utc>,
    actor: &str,
    action: &str,
    entity: &str,
    entity_id: &str,
    reason: &str,
    detail: &str,
    prev_hash: &str,
) -> String {
    let mut h = Sha256::new();
    let seq = seq.to_string();
    let at = ts_text(at);
    for field in [
        "jingzhun-audit-v1",
        &seq,
        &at,
        actor,
        action,
        entity,
        entity_id,
        reason,
        detail,
        prev_hash,
    ] {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

/// What an audit entry is about.
pub(crate) struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub reason: &'a str,
    pub detail: serde_json::Value,
}

/// Appends an entry inside `tx`; returns its seq. `at` must already be truncated to microseconds.
pub(crate) fn append(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    actor: &Actor,
    change: Change<'_>,
) -> Result<i64> {
    if let Tx::Pg(t) = tx {
        // Held until the transaction ends: appends from other processes wait here instead of colliding.
        t.execute("SELECT pg_advisory_xact_lock($1)", &[&PG_AUDIT_LOCK])?;
    }
    let head = tx.query_opt(
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
        &[],
        |r| Ok((r.i64(0)?, r.str(1)?.to_owned())),
    )?;
    let (seq, prev) = match head {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS_HASH.to_owned()),
    };
    let detail = change.detail.to_string();
    let hash = entry_hash(
        seq,
        at,
        &actor.account,
        change.action,
        change.entity,
        &change.entity_id,
        change.reason,
        &detail,
        &prev,
    );
    tx.exec(
        "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, reason, detail, prev_hash, hash) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            Val::I64(seq),
            Val::Ts(at),
            Val::Str(&actor.account),
            Val::Str(change.action),
            Val::Str(change.entity),
            Val::Str(&change.entity_id),
            Val::Str(change.reason),
            Val::Str(&detail),
            Val::Str(&prev),
            Val::Str(&hash),
        ],
    )?;
    Ok(seq)
}

/// Appends one entry per change inside the PostgreSQL transaction `t`, all at `at` by `actor`, with a
/// single binary `COPY` instead of one head lookup and insert each: the chain is computed here from the head
/// read once under the same advisory lock as [`append`] takes, so the entries are exactly what that many
/// calls of [`append`] would write. Returns how many were written.
pub(crate) fn pg_copy_entries<'c>(
    t: &mut postgres::Transaction<'_>,
    at: DateTime<Utc>,
    actor: &Actor,
    changes: impl Iterator<Item = Change<'c>>,
) -> Result<u64> {
    t.execute("SELECT pg_advisory_xact_lock($1)", &[&PG_AUDIT_LOCK])?;
    let head = t.query_opt(
        "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
        &[],
    )?;
    let (mut seq, mut prev) = match head {
        Some(r) => (r.try_get::<_, i64>(0)? + 1, r.try_get::<_, String>(1)?),
        None => (1, GENESIS_HASH.to_owned()),
    };
    // The rows own their text; COPY borrows it.
    struct Row<'c> {
        seq: i64,
        change: Change<'c>,
        detail: String,
        prev: String,
        hash: String,
    }
    let mut rows = Vec::new();
    for change in changes {
        let detail = change.detail.to_string();
        let hash = entry_hash(
            seq,
            at,
            &actor.account,
            change.action,
            change.entity,
            &change.entity_id,
            change.reason,
            &detail,
            &prev,
        );
        let next_prev = hash.clone();
        rows.push(Row {
            seq,
            change,
            detail,
            prev: std::mem::replace(&mut prev, next_prev),
            hash,
        });
        seq += 1;
    }
    crate::bulk::copy_rows(
        t,
        "audit_log",
        AUDIT_COLS,
        rows.iter().map(|r| {
            vec![
                Val::I64(r.seq),
                Val::Ts(at),
                Val::Str(&actor.account),
                Val::Str(r.change.action),
                Val::Str(r.change.entity),
                Val::Str(&r.change.entity_id),
                Val::Str(r.change.reason),
                Val::Str(&r.detail),
                Val::Str(&r.prev),
                Val::Str(&r.hash),
            ]
        }),
    )
}

/// The columns of `audit_log`, in [`ENTRY_COLS`] order, for COPY.
const AUDIT_COLS: Cols = &[
    ("seq", Ty::Int),
    ("at", Ty::Ts),
    ("actor", Ty::Text),
    ("action", Ty::Text),
    ("entity", Ty::Text),
    ("entity_id", Ty::Text),
    ("reason", Ty::Text),
    ("detail", Ty::Text),
    ("prev_hash", Ty::Text),
    ("hash", Ty::Text),
];

const ENTRY_COLS: &str =
    "seq, at, actor, action, entity, entity_id, reason, detail, prev_hash, hash";

fn decode(r: &dyn Get) -> Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.i64(0)?,
        at: r.ts(1)?,
        actor: r.str(2)?.to_owned(),
        action: r.str(3)?.to_owned(),
        entity: r.str(4)?.to_owned(),
        entity_id: r.str(5)?.to_owned(),
        reason: r.str(6)?.to_owned(),
        detail: r.str(7)?.to_owned(),
        prev_hash: r.str(8)?.to_owned(),
        hash: r.str(9)?.to_owned(),
    })
}

/// Recomputes the whole chain, oldest first, in one streaming pass.
pub(crate) fn verify(tx: &mut Tx<'_>) -> Result<AuditReport> {
    let mut entries = 0u64;
    let mut last_hash = GENESIS_HASH.to_owned();
    let mut expected_seq = 1i64;
    let mut problems = Vec::new();
    tx.query(
        &format!("SELECT {ENTRY_COLS} FROM audit_log ORDER BY seq"),
        &[],
        &mut |r| {
            let e = decode(r)?;
            entries += 1;
            if e.seq != expected_seq {
                problems.push(AuditProblem {
                    seq: e.seq,
                    kind: AuditProblemKind::Gap {
                        expected: expected_seq,
                    },
                });
            }
            if e.prev_hash != last_hash {
                problems.push(AuditProblem {
                    seq: e.seq,
                    kind: AuditProblemKind::BrokenLink,
                });
            }
            let recomputed = entry_hash(
                e.seq,
                e.at,
                &e.actor,
                &e.action,
                &e.entity,
                &e.entity_id,
                &e.reason,
                &e.detail,
                &e.prev_hash,
            );
            if recomputed != e.hash {
                problems.push(AuditProblem {
                    seq: e.seq,
                    kind: AuditProblemKind::HashMismatch,
                });
            }
            last_hash = e.hash;
            expected_seq = e.seq + 1;
            Ok(())
        },
    )?;
    Ok(AuditReport {
        entries,
        head_hash: last_hash,
        problems,
    })
}

pub(crate) fn entries(tx: &mut Tx<'_>, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
    let mut sql = format!("SELECT {ENTRY_COLS} FROM audit_log WHERE 1 = 1");
    let mut params = Vec::new();
    if let Some(e) = &filter.entity {
        sql.push_str(" AND entity = ?");
        params.push(Val::Str(e));
    }
    if let Some(e) = &filter.entity_id {
        sql.push_str(" AND entity_id = ?");
        params.push(Val::Str(e));
    }
    if let Some(a) = &filter.actor {
        sql.push_str(" AND actor = ?");
        params.push(Val::Str(a));
    }
    if let Some(t) = filter.since {
        sql.push_str(" AND at >= ?");
        params.push(Val::Ts(crate::db::truncate_micros(t)));
    }
    if let Some(t) = filter.until {
        sql.push_str(" AND at < ?");
        params.push(Val::Ts(crate::db::truncate_micros(t)));
    }
    sql.push_str(" ORDER BY seq DESC");
    if let Some(n) = filter.limit {
        sql.push_str(" LIMIT ?");
        params.push(Val::I64(i64::from(n)));
    }
    tx.query_vec(&sql, &params, decode)
}
