//! The fast path for loading many households at once (an initial import, synthetic data).
//!
//! SQLite: one transaction per batch of [`SQLITE_BATCH`] households with cached prepared statements, rows
//! written as they come from the iterator. PostgreSQL: batches of [`PG_BATCH`] households are buffered, ids
//! reserved from the sequence in one query, then each table is filled with one binary `COPY FROM STDIN`.
//! Each batch commits on its own with one audit entry (count and household-number range), so a failure
//! loses only the batch in progress: the error is returned and earlier batches stay (the progress callback has
//! reported them).
//!
//! The PostgreSQL writers ([`pg_copy_new`]) take the caller's transaction and neither commit nor audit, so
//! that [`crate::import`] can run them inside its single all-or-nothing transaction, with its own audit
//! entries, instead of committing per batch as bulk loads do.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::{Household, StatusEvent};
use postgres::binary_copy::BinaryCopyInWriter;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::db::{pg_params, Conn, Tx, Val};
use crate::error::{Result, StoreError};
use crate::households::{check_household, duplicate_number};
use crate::schema::*;

pub(crate) const SQLITE_BATCH: usize = 50_000;
/// Smaller than SQLite's because the batch is held in memory before COPY.
pub(crate) const PG_BATCH: usize = 10_000;

/// First and last household number of a batch (by text order), for the audit entry.
#[derive(Default)]
struct Range {
    count: usize,
    min: Option<String>,
    max: Option<String>,
}

impl Range {
    fn add(&mut self, no: &str) {
        self.count += 1;
        if self.min.as_deref().is_none_or(|m| no < m) {
            self.min = Some(no.to_owned());
        }
        if self.max.as_deref().is_none_or(|m| no > m) {
            self.max = Some(no.to_owned());
        }
    }

    fn change<'a>(&self, reason: &'a str, effective: NaiveDate) -> Change<'a> {
        Change {
            action: "household.bulk_load",
            entity: "household",
            entity_id: format!(
                "{}..{}",
                self.min.as_deref().unwrap_or_default(),
                self.max.as_deref().unwrap_or_default()
            ),
            reason,
            detail: json!({
                "count": self.count,
                "first_no": self.min,
                "last_no": self.max,
                "version": 1,
                "effective_from": effective.to_string(),
            }),
        }
    }
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn load(
    conn: &mut Conn,
    at: DateTime<Utc>,
    households: &mut dyn Iterator<Item = (Household, Vec<StatusEvent>)>,
    effective: NaiveDate,
    actor: &Actor,
    reason: &str,
    progress: &mut dyn FnMut(usize),
) -> Result<usize> {
    let meta = VersionMeta {
        effective_from: effective,
        recorded_at: at,
        recorded_by: actor.account.clone(),
        reason: reason.to_owned(),
    };
    // Every row a batch writes references only rows the same batch wrote just before (households before
    // their versions, versions before their members and incomes), so SQLite's per-row foreign-key probes
    // prove nothing here and cost about a fifth of the load time. The pragma cannot change inside a
    // transaction, hence around the batches; it is restored whatever happens.
    if let Conn::Sqlite(c) = conn {
        c.pragma_update(None, "foreign_keys", "OFF")?;
    }
    let result = load_batches(conn, at, households, &meta, actor, reason, progress);
    if let Conn::Sqlite(c) = conn {
        c.pragma_update(None, "foreign_keys", "ON")?;
    }
    result
}

#[allow(clippy::too_many_arguments)]
fn load_batches(
    conn: &mut Conn,
    at: DateTime<Utc>,
    households: &mut dyn Iterator<Item = (Household, Vec<StatusEvent>)>,
    meta: &VersionMeta,
    actor: &Actor,
    reason: &str,
    progress: &mut dyn FnMut(usize),
) -> Result<usize> {
    let mut total = 0;
    loop {
        let range = match conn {
            Conn::Sqlite(_) => sqlite_batch(conn, at, households, meta, actor, reason)?,
            Conn::Pg(_) => pg_batch(conn, at, households, meta, actor, reason)?,
        };
        if range.count == 0 {
            break;
        }
        total += range.count;
        progress(total);
        let full = match conn {
            Conn::Sqlite(_) => SQLITE_BATCH,
            Conn::Pg(_) => PG_BATCH,
        };
        if range.count < full {
            break;
        }
    }
    Ok(total)
}

fn sqlite_batch(
    conn: &mut Conn,
    at: DateTime<Utc>,
    households: &mut dyn Iterator<Item = (Household, Vec<StatusEvent>)>,
    meta: &VersionMeta,
    actor: &Actor,
    reason: &str,
) -> Result<Range> {
    let mut tx = conn.begin_write()?;
    let mut range = Range::default();
    if let Tx::Sqlite(t) = &tx {
        let mut ins_h = t.prepare_cached(
            "INSERT INTO households (household_no, village_code, current_version) VALUES (?, ?, 1)",
        )?;
        let mut ins_v =
            t.prepare_cached(&insert_sql("household_versions", HOUSEHOLD_VERSION_COLS))?;
        let mut ins_m = t.prepare_cached(&insert_sql("member_versions", MEMBER_COLS))?;
        let mut ins_i = t.prepare_cached(&insert_sql("income_versions", INCOME_COLS))?;
        let mut ins_e = t.prepare_cached(&insert_sql("status_events", EVENT_COLS))?;
        for (h, events) in (&mut *households).take(SQLITE_BATCH) {
            check_household(&h)?;
            ins_h
                .execute([h.number.as_str(), h.village.as_str()])
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        duplicate_number(h.number.as_str())
                    } else {
                        e.into()
                    }
                })?;
            let id = t.last_insert_rowid();
            let mut vals: Vec<Val<'_>> = Vec::with_capacity(HOUSEHOLD_VERSION_COLS.len());
            household_vals(&mut vals, id, 1, meta, &h);
            ins_v.execute(rusqlite::params_from_iter(vals.iter()))?;
            for (i, m) in h.members.iter().enumerate() {
                vals.clear();
                member_vals(&mut vals, id, 1, i as i64 + 1, m);
                ins_m.execute(rusqlite::params_from_iter(vals.iter()))?;
            }
            for r in &h.incomes {
                vals.clear();
                income_vals(&mut vals, id, 1, r);
                ins_i.execute(rusqlite::params_from_iter(vals.iter()))?;
            }
            for e in &events {
                vals.clear();
                event_vals(&mut vals, id, e, at, &actor.account);
                ins_e.execute(rusqlite::params_from_iter(vals.iter()))?;
            }
            range.add(h.number.as_str());
        }
    }
    if range.count > 0 {
        audit::append(
            &mut tx,
            at,
            actor,
            range.change(reason, meta.effective_from),
        )?;
        tx.commit()?;
    }
    Ok(range)
}

/// Writes `rows` with one binary COPY into `table`.
pub(crate) fn copy_rows<'r>(
    t: &mut postgres::Transaction<'_>,
    table: &str,
    cols: Cols,
    rows: impl Iterator<Item = Vec<Val<'r>>>,
) -> Result<u64> {
    let sql = format!(
        "COPY {table} ({}) FROM STDIN (FORMAT binary)",
        col_list(cols, "")
    );
    let mut w = BinaryCopyInWriter::new(t.copy_in(&sql)?, &pg_types(cols));
    for vals in rows {
        w.write(&pg_params(&vals))?;
    }
    Ok(w.finish()?)
}

fn pg_batch(
    conn: &mut Conn,
    at: DateTime<Utc>,
    households: &mut dyn Iterator<Item = (Household, Vec<StatusEvent>)>,
    meta: &VersionMeta,
    actor: &Actor,
    reason: &str,
) -> Result<Range> {
    let batch: Vec<(Household, Vec<StatusEvent>)> = (&mut *households).take(PG_BATCH).collect();
    let mut range = Range::default();
    if batch.is_empty() {
        return Ok(range);
    }
    let mut seen = HashSet::with_capacity(batch.len());
    for (h, _) in &batch {
        check_household(h)?;
        if !seen.insert(h.number.as_str()) {
            return Err(duplicate_number(h.number.as_str()));
        }
        range.add(h.number.as_str());
    }
    let mut tx = conn.begin_write()?;
    if let Tx::Pg(t) = &mut tx {
        let items: Vec<NewHousehold<'_>> = batch
            .iter()
            .map(|(h, events)| NewHousehold {
                household: h,
                events,
                meta: meta.clone(),
            })
            .collect();
        pg_copy_new(t, &items, at, actor)?;
    }
    audit::append(
        &mut tx,
        at,
        actor,
        range.change(reason, meta.effective_from),
    )?;
    tx.commit()?;
    Ok(range)
}

/// A household to be created at version 1 by [`pg_copy_new`], with the bookkeeping of its version (the
/// effective date may differ per household: an import dates each one from its registration).
pub(crate) struct NewHousehold<'a> {
    pub household: &'a Household,
    pub events: &'a [StatusEvent],
    pub meta: VersionMeta,
}

/// Creates `items` at version 1 inside the caller's open transaction `t` (no commit, no audit entry: the
/// caller decides both): refuses numbers that are already taken, reserves one id per household from the
/// sequence in one query (ids follow the order of `items`, as one-by-one inserts would give them), then fills
/// each table with one binary `COPY`. Returns the ids, in the order of `items`.
///
/// The numbers of `items` must be distinct (callers check their batch first).
pub(crate) fn pg_copy_new(
    t: &mut postgres::Transaction<'_>,
    items: &[NewHousehold<'_>],
    at: DateTime<Utc>,
    actor: &Actor,
) -> Result<Vec<i64>> {
    if items.is_empty() {
        return Ok(Vec::new());
    }
    for item in items {
        check_household(item.household)?;
    }
    // COPY would only fail at the end with a constraint error; say which number is taken instead.
    let numbers: Vec<&str> = items.iter().map(|i| i.household.number.as_str()).collect();
    if let Some(row) = t.query_opt(
        "SELECT household_no FROM households WHERE household_no = ANY($1) LIMIT 1",
        &[&numbers],
    )? {
        return Err(duplicate_number(row.try_get::<_, &str>(0)?));
    }
    let mut ids: Vec<i64> = t
        .query(
            "SELECT nextval(pg_get_serial_sequence('households', 'id')) FROM generate_series(1, $1::bigint)",
            &[&(items.len() as i64)],
        )?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<Result<_, _>>()?;
    ids.sort_unstable();
    if ids.len() != items.len() {
        return Err(StoreError::Invalid("未能为批量导入分配户 ID".into()));
    }
    let rows = || ids.iter().copied().zip(items.iter());
    // A writer that took one of the numbers after the check above (PostgreSQL's read committed lets it)
    // makes the households COPY fail on the unique key; report that as the usual duplicate.
    copy_rows(
        t,
        "households",
        HOUSEHOLD_COLS,
        rows().map(|(id, item)| {
            vec![
                Val::I64(id),
                Val::Str(item.household.number.as_str()),
                Val::Str(item.household.village.as_str()),
                Val::I64(1),
            ]
        }),
    )
    .map_err(taken_in_copy)?;
    copy_rows(
        t,
        "household_versions",
        HOUSEHOLD_VERSION_COLS,
        rows().map(|(id, item)| {
            let mut v = Vec::with_capacity(HOUSEHOLD_VERSION_COLS.len());
            household_vals(&mut v, id, 1, &item.meta, item.household);
            v
        }),
    )?;
    copy_rows(
        t,
        "member_versions",
        MEMBER_COLS,
        rows().flat_map(|(id, item)| {
            item.household
                .members
                .iter()
                .enumerate()
                .map(move |(i, m)| {
                    let mut v = Vec::with_capacity(MEMBER_COLS.len());
                    member_vals(&mut v, id, 1, i as i64 + 1, m);
                    v
                })
        }),
    )?;
    copy_rows(
        t,
        "income_versions",
        INCOME_COLS,
        rows().flat_map(|(id, item)| {
            item.household.incomes.iter().map(move |r| {
                let mut v = Vec::with_capacity(INCOME_COLS.len());
                income_vals(&mut v, id, 1, r);
                v
            })
        }),
    )?;
    copy_rows(
        t,
        "status_events",
        EVENT_COLS,
        rows().flat_map(|(id, item)| {
            item.events.iter().map(move |e| {
                let mut v = Vec::with_capacity(EVENT_COLS.len());
                event_vals(&mut v, id, e, at, &actor.account);
                v
            })
        }),
    )?;
    Ok(ids)
}

/// A unique violation on `households` during COPY as [`StoreError::Duplicate`], with the number taken from
/// the server's detail (`Key (household_no)=(…) already exists.`); other errors unchanged.
fn taken_in_copy(e: StoreError) -> StoreError {
    let StoreError::Postgres(pe) = &e else {
        return e;
    };
    let Some(db) = pe.as_db_error() else {
        return e;
    };
    if db.code() != &postgres::error::SqlState::UNIQUE_VIOLATION {
        return e;
    }
    let number = db
        .detail()
        .and_then(|d| d.strip_prefix("Key (household_no)=("))
        .and_then(|d| d.split_once(')'))
        .map(|(no, _)| no.to_owned());
    match number {
        Some(no) => duplicate_number(&no),
        None => e,
    }
}
