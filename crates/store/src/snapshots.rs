//! Evaluation snapshots (migration 0012): opaque blobs of an evaluated year that `jingzhun-loader` writes
//! after an evaluation and reads back instead of scanning the registry, each stamped with the audit
//! sequence of the data it was taken from.
//!
//! The audit log is the registry's ordered change feed: every change writes its entry in the same
//! transaction, so "has anything changed since snapshot S" is "is there a change entry with a greater
//! `seq`". Entries that record an access or a derived result — sign-ins, exports, what-if runs, refused
//! accesses, saved evaluations and snapshots — are not changes to the data ([`is_data_change`]); every
//! other action is (an action added later counts as a change until listed here, which errs on the side of
//! reading the registry again).
//!
//! A snapshot is a cache, not a record: there is one per area, year and date, and taking it again
//! replaces it (the replacement is audited like the first one).

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::AreaCode;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::db::{Get, Tx, Val};
use crate::error::{invalid, Result, StoreError};

/// Audit actions (SQL `LIKE` patterns) that do not change the registry's data.
const NOT_CHANGES: &[&str] = &[
    "account.%",
    "sign_in%",
    "sign_out%",
    "login%",
    "logout%",
    "export.%",
    "whatif.%",
    "access%",
    "%refused%",
    "evaluation.%",
    "snapshot.%",
    // Attachments (photos, signed forms) are kept with a household but change none of its facts.
    "attachment.%",
];

/// Whether an audit action records a change to the registry's data (see the module documentation).
pub fn is_data_change(action: &str) -> bool {
    !NOT_CHANGES.iter().any(|p| like(action, p))
}

/// SQL `LIKE` with `%` only (the patterns above use no `_` wildcard on purpose: it is a literal here and
/// escaped in SQL).
fn like(text: &str, pattern: &str) -> bool {
    match (pattern.strip_prefix('%'), pattern.strip_suffix('%')) {
        (Some(inner), _) if inner.ends_with('%') => text.contains(&inner[..inner.len() - 1]),
        (Some(suffix), _) => text.ends_with(suffix),
        (None, Some(prefix)) => text.starts_with(prefix),
        (None, None) => text == pattern,
    }
}

/// The SQL condition "this audit entry is a data change" (see [`is_data_change`]).
fn change_condition() -> String {
    let parts: Vec<String> = NOT_CHANGES
        .iter()
        .map(|p| format!("action LIKE '{}' ESCAPE '!'", p.replace('_', "!_")))
        .collect();
    format!("NOT ({})", parts.join(" OR "))
}

/// The first change to the data after a given point of the audit sequence, and how many there are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataChange {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    /// Changes after the point, this one included.
    pub count: i64,
}

/// What is known about a stored snapshot, without its blobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    pub id: i64,
    pub area: AreaCode,
    pub year: u16,
    pub as_of: NaiveDate,
    /// The audit sequence of the newest data change it includes ([`crate::Store::data_seq`] when taken).
    pub data_seq: i64,
    /// The newest record time among the households it holds.
    pub data_time: DateTime<Utc>,
    /// The layout of the engine blob (`jingzhun_engine::snapshot::FORMAT`).
    pub format: u32,
    /// The pack whose results the rollups blob holds.
    pub pack_hash: String,
    pub code_version: String,
    /// The stored evaluation run taken with it, if any.
    pub run_id: Option<i64>,
    pub households: i64,
    pub recorded_at: DateTime<Utc>,
}

/// A snapshot to store: its description (id and recording time are the store's) and its three blobs.
#[derive(Debug, Clone)]
pub struct NewSnapshot<'a> {
    pub area: AreaCode,
    pub year: u16,
    pub as_of: NaiveDate,
    pub data_seq: i64,
    pub data_time: DateTime<Utc>,
    pub format: u32,
    pub pack_hash: &'a str,
    pub code_version: &'a str,
    pub run_id: Option<i64>,
    pub households: i64,
    /// The engine's columns.
    pub engine: &'a [u8],
    /// The per-area counts of the evaluation under `pack_hash`.
    pub rollups: &'a [u8],
    /// What the indicators read from status events beyond the engine.
    pub facts: &'a [u8],
}

/// One of a snapshot's blobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotPart {
    Engine,
    Rollups,
    Facts,
}

impl SnapshotPart {
    fn column(self) -> &'static str {
        match self {
            SnapshotPart::Engine => "engine",
            SnapshotPart::Rollups => "rollups",
            SnapshotPart::Facts => "facts",
        }
    }
}

pub(crate) fn data_seq(tx: &mut Tx<'_>) -> Result<i64> {
    Ok(tx
        .query_i64(
            &format!(
                "SELECT seq FROM audit_log WHERE {} ORDER BY seq DESC LIMIT 1",
                change_condition()
            ),
            &[],
        )?
        .unwrap_or(0))
}

pub(crate) fn first_change_since(tx: &mut Tx<'_>, seq: i64) -> Result<Option<DataChange>> {
    let cond = change_condition();
    let first = tx.query_opt(
        &format!(
            "SELECT seq, at, action FROM audit_log WHERE seq > ? AND {cond} ORDER BY seq LIMIT 1"
        ),
        &[Val::I64(seq)],
        |r| Ok((r.i64(0)?, r.ts(1)?, r.str(2)?.to_owned())),
    )?;
    let Some((first, at, action)) = first else {
        return Ok(None);
    };
    let count = tx
        .query_i64(
            &format!("SELECT count(*) FROM audit_log WHERE seq >= ? AND {cond}"),
            &[Val::I64(first)],
        )?
        .unwrap_or(1);
    Ok(Some(DataChange {
        seq: first,
        at,
        action,
        count,
    }))
}

const INFO_COLS: &str =
    "id, area_code, year, as_of, data_seq, data_time, format, pack_hash, code_version, \
                         run_id, households, recorded_at";

fn info(r: &dyn Get) -> Result<SnapshotInfo> {
    let area = r.str(1)?;
    let year = r.i64(2)?;
    let format = r.i64(6)?;
    Ok(SnapshotInfo {
        id: r.i64(0)?,
        area: AreaCode::parse(area)
            .map_err(|_| invalid("evaluation_snapshots", "area_code", area))?,
        year: u16::try_from(year).map_err(|_| invalid("evaluation_snapshots", "year", year))?,
        as_of: r.date(3)?,
        data_seq: r.i64(4)?,
        data_time: r.ts(5)?,
        format: u32::try_from(format)
            .map_err(|_| invalid("evaluation_snapshots", "format", format))?,
        pack_hash: r.str(7)?.to_owned(),
        code_version: r.str(8)?.to_owned(),
        run_id: r.opt_i64(9)?,
        households: r.i64(10)?,
        recorded_at: r.ts(11)?,
    })
}

pub(crate) fn list(tx: &mut Tx<'_>, year: Option<u16>) -> Result<Vec<SnapshotInfo>> {
    match year {
        Some(y) => tx.query_vec(
            &format!("SELECT {INFO_COLS} FROM evaluation_snapshots WHERE year = ? ORDER BY area_code, as_of"),
            &[Val::I64(i64::from(y))],
            info,
        ),
        None => tx.query_vec(
            &format!("SELECT {INFO_COLS} FROM evaluation_snapshots ORDER BY year, area_code, as_of"),
            &[],
            info,
        ),
    }
}

pub(crate) fn part(tx: &mut Tx<'_>, id: i64, part: SnapshotPart) -> Result<Vec<u8>> {
    let sql = format!(
        "SELECT {} FROM evaluation_snapshots WHERE id = ?",
        part.column()
    );
    let bytes: Option<Vec<u8>> = match tx {
        Tx::Sqlite(t) => {
            use rusqlite::OptionalExtension;
            let mut stmt = t.prepare_cached(&sql)?;
            stmt.query_row([id], |r| r.get::<_, Vec<u8>>(0))
                .optional()?
        }
        Tx::Pg(t) => t
            .query_opt(&sql.replace('?', "$1"), &[&id])?
            .map(|r| r.try_get::<_, Vec<u8>>(0))
            .transpose()?,
    };
    bytes.ok_or_else(|| StoreError::Invalid(format!("评估快照 #{id} 不存在")))
}

pub(crate) fn save(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    actor: &Actor,
    s: &NewSnapshot<'_>,
) -> Result<i64> {
    let replaced = tx.query_i64(
        "SELECT id FROM evaluation_snapshots WHERE area_code = ? AND year = ? AND as_of = ?",
        &[
            Val::Str(s.area.as_str()),
            Val::I64(i64::from(s.year)),
            Val::date(s.as_of),
        ],
    )?;
    if let Some(old) = replaced {
        tx.exec(
            "DELETE FROM evaluation_snapshots WHERE id = ?",
            &[Val::I64(old)],
        )?;
    }
    let vals = [
        Val::Str(s.area.as_str()),
        Val::I64(i64::from(s.year)),
        Val::date(s.as_of),
        Val::I64(s.data_seq),
        Val::Ts(crate::db::truncate_micros(s.data_time)),
        Val::I64(i64::from(s.format)),
        Val::Str(s.pack_hash),
        Val::Str(s.code_version),
        Val::opt_i64(s.run_id),
        Val::I64(s.households),
        Val::Ts(at),
    ];
    let sql = "INSERT INTO evaluation_snapshots (area_code, year, as_of, data_seq, data_time, format, pack_hash, \
               code_version, run_id, households, recorded_at, engine, rollups, facts) \
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
    let id = match tx {
        Tx::Sqlite(t) => {
            let mut stmt = t.prepare_cached(sql)?;
            let mut params: Vec<&dyn rusqlite::ToSql> =
                vals.iter().map(|v| v as &dyn rusqlite::ToSql).collect();
            params.extend([
                &s.engine as &dyn rusqlite::ToSql,
                &s.rollups as &dyn rusqlite::ToSql,
                &s.facts as &dyn rusqlite::ToSql,
            ]);
            stmt.query_row(params.as_slice(), |r| r.get::<_, i64>(0))?
        }
        Tx::Pg(t) => {
            let mut params = crate::db::pg_params(&vals);
            params.extend([
                &s.engine as &(dyn postgres::types::ToSql + Sync),
                &s.rollups as &(dyn postgres::types::ToSql + Sync),
                &s.facts as &(dyn postgres::types::ToSql + Sync),
            ]);
            t.query_one(crate::db::pg_sql(sql).as_ref(), &params)?
                .try_get::<_, i64>(0)?
        }
    };
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "snapshot.save",
            entity: "evaluation_snapshot",
            entity_id: id.to_string(),
            reason: "",
            detail: json!({
                "area": s.area.as_str(),
                "year": s.year,
                "as_of": s.as_of.to_string(),
                "data_seq": s.data_seq,
                "households": s.households,
                "bytes": s.engine.len() + s.rollups.len() + s.facts.len(),
                "replaced": replaced,
            }),
        },
    )?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accesses_and_derived_results_are_not_data_changes() {
        for action in [
            "login",
            "login_failed",
            "sign_in.failed",
            "account.create",
            "export.households",
            "whatif.run",
            "access_outside_area",
            "import.refused_outside_area",
            "evaluation.save",
            "snapshot.save",
            "attachment.upload",
            "attachment.remove",
        ] {
            assert!(!is_data_change(action), "{action}");
        }
        for action in [
            "household.update",
            "household.bulk_load",
            "household.status_event",
            "area.upsert",
            "monitoring.case_step",
            "import.commit",
            "department.save",
        ] {
            assert!(is_data_change(action), "{action}");
        }
        assert!(change_condition().contains("'sign!_in%' ESCAPE '!'"));
    }
}
