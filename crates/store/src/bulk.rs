//! The fast path for loading many households at once (an initial import, synthetic data).
//!
//! SQLite: one transaction per batch of [`SQLITE_BATCH`] households with cached prepared statements, rows
//! written as they come from the iterator, member and income rows [`ROWS_PER_INSERT`] to a statement
//! ([`insert_many`], which the economy's and the monitoring records' bulk loads use too). PostgreSQL: batches of [`PG_BATCH`] households are buffered, ids
//! reserved from the sequence in one query, then each table is filled with one binary `COPY FROM STDIN`; a
//! worker thread writes each batch while the next is drawn from the iterator ([`pg_load_batches`]).
//! Each batch commits on its own with one audit entry (count and household-number range), so a failure
//! loses only the batch in progress: the error is returned and earlier batches stay (the progress callback has
//! reported them).
//!
//! The PostgreSQL writers ([`pg_copy_new`]) take the caller's transaction and neither commit nor audit, so
//! that [`crate::import`] can run them inside its single all-or-nothing transaction, with its own audit
//! entries, instead of committing per batch as bulk loads do.
//!
//! A household may come with several versions ([`HouseholdHistory`]: a generated registry's history); they
//! are written as versions 1, 2, … in the order given, each with its own effective date, in the same batch
//! and the same statements as single versions.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::{Household, HouseholdId, StatusEvent, Version};
use postgres::binary_copy::BinaryCopyInWriter;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::db::{pg_params, Conn, Tx, Val};
use crate::error::{Result, StoreError};
use crate::households::{check_household, duplicate_number, StoredHistory, StoredVersion};
use crate::schema::*;

pub(crate) const SQLITE_BATCH: usize = 50_000;
/// Rows of one multi-row `INSERT` of member and income rows on SQLite: one statement run per this many
/// rows instead of one per row. Each run of a statement opens and closes its cursor, binds and resets;
/// on the narrow income rows (26 million at full scale) that overhead was about as large as the insert
/// itself (BENCHMARKS.md, "The demo's first run under 60 s").
pub(crate) const ROWS_PER_INSERT: usize = 16;
/// SQLite page cache during bulk loads, in KiB as `PRAGMA cache_size` takes it (negative: KiB): 1 GiB.
const BULK_CACHE_KIB: i64 = -1_048_576;
/// Smaller than SQLite's because the batch is held in memory before COPY.
pub(crate) const PG_BATCH: usize = 10_000;

/// One household to load with its whole history: versions oldest first, each with the date it takes effect
/// (version 1 is the first), and its status events.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdHistory {
    pub versions: Vec<(NaiveDate, Household)>,
    pub events: Vec<StatusEvent>,
}

impl HouseholdHistory {
    /// One version in force from `effective`.
    pub fn single(household: Household, events: Vec<StatusEvent>, effective: NaiveDate) -> Self {
        HouseholdHistory {
            versions: vec![(effective, household)],
            events,
        }
    }

    /// The household number (of the first version; all versions must carry the same).
    pub(crate) fn number(&self) -> Result<&str> {
        self.versions
            .first()
            .map(|(_, h)| h.number.as_str())
            .ok_or_else(|| StoreError::Invalid("批量导入的农户没有任何版本".into()))
    }

    /// Every version valid, and all of one household number.
    pub(crate) fn check(&self) -> Result<()> {
        let number = self.number()?;
        for (_, h) in &self.versions {
            check_household(h)?;
            if h.number.as_str() != number {
                return Err(StoreError::Invalid(format!(
                    "户「{number}」的历史版本中出现了另一个户编号「{}」",
                    h.number
                )));
            }
        }
        Ok(())
    }
}

/// First and last household number of a batch (by text order), for the audit entry.
#[derive(Default)]
struct Range {
    count: usize,
    versions: usize,
    earliest: Option<NaiveDate>,
    min: Option<String>,
    max: Option<String>,
}

impl Range {
    fn add_history(&mut self, h: &HouseholdHistory) -> Result<()> {
        self.versions += h.versions.len();
        for (d, _) in &h.versions {
            self.earliest = Some(self.earliest.map_or(*d, |e| e.min(*d)));
        }
        self.add(h.number()?);
        Ok(())
    }

    fn add(&mut self, no: &str) {
        self.count += 1;
        if self.min.as_deref().is_none_or(|m| no < m) {
            self.min = Some(no.to_owned());
        }
        if self.max.as_deref().is_none_or(|m| no > m) {
            self.max = Some(no.to_owned());
        }
    }

    fn change<'a>(&self, reason: &'a str) -> Change<'a> {
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
                "versions": self.versions,
                "effective_from": self.earliest.map(|d| d.to_string()),
            }),
        }
    }
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

/// What a bulk load hands back after each committed batch: the batch's households with their ids (see
/// [`crate::Store::bulk_load_histories_then`]).
pub(crate) type Written<'a> = Option<&'a mut dyn FnMut(Vec<StoredHistory>)>;

pub(crate) fn load(
    conn: &mut Conn,
    at: DateTime<Utc>,
    households: &mut dyn Iterator<Item = HouseholdHistory>,
    actor: &Actor,
    reason: &str,
    progress: &mut dyn FnMut(usize),
    written: Written<'_>,
) -> Result<usize> {
    // The effective date is set per version.
    let meta = VersionMeta {
        effective_from: NaiveDate::MIN,
        recorded_at: at,
        recorded_by: actor.account.clone(),
        reason: reason.to_owned(),
    };
    // Every row a batch writes references only rows the same batch wrote just before (households before
    // their versions, versions before their members and incomes), so SQLite's per-row foreign-key probes
    // prove nothing here and cost about a fifth of the load time. The pragma cannot change inside a
    // transaction, hence around the batches; it is restored whatever happens.
    // A larger page cache keeps the secondary indexes (resident IDs, village codes), which are written in
    // random order, in memory while the batches grow the tables: with the default 64 MiB a full-scale
    // registry (millions of member rows, several versions each) spends much of its time re-reading index
    // pages. Restored afterwards.
    if let Conn::Sqlite(c) = conn {
        c.pragma_update(None, "foreign_keys", "OFF")?;
        c.pragma_update(None, "cache_size", BULK_CACHE_KIB)?;
    }
    let result = load_batches(
        conn, at, households, &meta, actor, reason, progress, written,
    );
    if let Conn::Sqlite(c) = conn {
        c.pragma_update(None, "foreign_keys", "ON")?;
        c.pragma_update(None, "cache_size", crate::SQLITE_CACHE_KIB)?;
    }
    result
}

#[allow(clippy::too_many_arguments)]
fn load_batches(
    conn: &mut Conn,
    at: DateTime<Utc>,
    households: &mut dyn Iterator<Item = HouseholdHistory>,
    meta: &VersionMeta,
    actor: &Actor,
    reason: &str,
    progress: &mut dyn FnMut(usize),
    mut written: Written<'_>,
) -> Result<usize> {
    if let Conn::Pg(_) = conn {
        return pg_load_batches(conn, at, households, meta, actor, reason, progress, written);
    }
    let mut total = 0;
    let keep = written.is_some();
    loop {
        let (range, kept) = sqlite_batch(conn, at, households, meta, actor, reason, keep)?;
        if range.count == 0 {
            break;
        }
        total += range.count;
        progress(total);
        if let Some(w) = written.as_mut() {
            w(kept
                .into_iter()
                .map(|(id, h)| stored_history(id, h, at))
                .collect());
        }
        if range.count < SQLITE_BATCH {
            break;
        }
    }
    Ok(total)
}

/// PostgreSQL's batches, pipelined: a worker thread writes batch *n* (checks, `COPY`, audit entry, commit)
/// while this thread draws batch *n + 1* from the iterator — for `synth`, generates it. One batch is being
/// written and one drawn at a time, so memory stays at two batches, and the client's work (generating and
/// encoding) overlaps the server's (`COPY` and index upkeep) instead of taking turns with it: on a county,
/// about a quarter of the load's wall time was the client's (BENCHMARKS.md, "Pool"). Batches commit in
/// order; progress and `written` are reported here, after each commit, as before. A failed batch stops
/// the load with its error; earlier batches stay committed.
#[allow(clippy::too_many_arguments)]
fn pg_load_batches(
    conn: &mut Conn,
    at: DateTime<Utc>,
    households: &mut dyn Iterator<Item = HouseholdHistory>,
    meta: &VersionMeta,
    actor: &Actor,
    reason: &str,
    progress: &mut dyn FnMut(usize),
    mut written: Written<'_>,
) -> Result<usize> {
    use std::sync::mpsc;
    let keep = written.is_some();
    let (to_writer, batches) = mpsc::sync_channel::<Vec<HouseholdHistory>>(1);
    let (done_tx, done) = mpsc::channel::<Result<(Range, Kept)>>();
    std::thread::scope(|scope| {
        let writer = scope.spawn(move || {
            for batch in batches {
                let outcome = pg_batch(conn, at, batch, meta, actor, reason, keep);
                let failed = outcome.is_err();
                if done_tx.send(outcome).is_err() || failed {
                    break;
                }
            }
        });
        let mut total = 0;
        let mut in_flight = false;
        // The writer's answer for the batch in flight; a writer gone without one has panicked.
        let mut finish = |total: &mut usize| -> Result<()> {
            let (range, kept) = done
                .recv()
                .map_err(|_| StoreError::Invalid("批量写入线程意外终止".into()))??;
            *total += range.count;
            progress(*total);
            if let Some(w) = written.as_mut() {
                w(kept
                    .into_iter()
                    .map(|(id, h)| stored_history(id, h, at))
                    .collect());
            }
            Ok(())
        };
        let result = loop {
            // Drawn while the writer copies the previous batch.
            let batch: Vec<HouseholdHistory> = (&mut *households).take(PG_BATCH).collect();
            let last = batch.len() < PG_BATCH;
            if in_flight {
                if let Err(e) = finish(&mut total) {
                    break Err(e);
                }
            }
            if batch.is_empty() {
                break Ok(total);
            }
            if to_writer.send(batch).is_err() {
                break Err(StoreError::Invalid("批量写入线程意外终止".into()));
            }
            in_flight = true;
            if last {
                break finish(&mut total).map(|()| total);
            }
        };
        drop(to_writer);
        if writer.join().is_err() && result.is_ok() {
            return Err(StoreError::Invalid("批量写入线程意外终止".into()));
        }
        result
    })
}

/// A household as written, in the form the store's scans read it back.
fn stored_history(id: i64, h: HouseholdHistory, at: DateTime<Utc>) -> StoredHistory {
    StoredHistory {
        id: HouseholdId(id),
        versions: h
            .versions
            .into_iter()
            .enumerate()
            .map(|(k, (effective_from, household))| StoredVersion {
                version: Version(k as i64 + 1),
                effective_from,
                recorded_at: at,
                household,
            })
            .collect(),
        events: h.events,
    }
}

/// The households written by a batch with their ids, when asked to keep them.
type Kept = Vec<(i64, HouseholdHistory)>;

fn sqlite_batch(
    conn: &mut Conn,
    at: DateTime<Utc>,
    households: &mut dyn Iterator<Item = HouseholdHistory>,
    meta: &VersionMeta,
    actor: &Actor,
    reason: &str,
    keep: bool,
) -> Result<(Range, Kept)> {
    let mut tx = conn.begin_write()?;
    let mut range = Range::default();
    let mut kept = Vec::new();
    if let Tx::Sqlite(t) = &tx {
        let mut ins_h = t.prepare_cached(
            "INSERT INTO households (household_no, village_code, current_version) VALUES (?, ?, ?)",
        )?;
        let mut ins_v =
            t.prepare_cached(&insert_sql("household_versions", HOUSEHOLD_VERSION_COLS))?;
        let mut ins_e = t.prepare_cached(&insert_sql("status_events", EVENT_COLS))?;
        // Income rows hold numbers only, so they wait across households for a full statement; member
        // rows borrow the household's text and go out with it.
        let mut incomes: Vec<Val<'static>> =
            Vec::with_capacity(ROWS_PER_INSERT * INCOME_COLS.len());
        for history in (&mut *households).take(SQLITE_BATCH) {
            history.check()?;
            let Some((_, current)) = history.versions.last() else {
                continue;
            };
            let number = current.number.as_str();
            ins_h
                .execute(rusqlite::params![
                    number,
                    current.village.as_str(),
                    history.versions.len() as i64
                ])
                .map_err(|e| {
                    if is_unique_violation(&e) {
                        duplicate_number(number)
                    } else {
                        e.into()
                    }
                })?;
            let id = t.last_insert_rowid();
            let metas: Vec<VersionMeta> = history
                .versions
                .iter()
                .map(|(effective, _)| VersionMeta {
                    effective_from: *effective,
                    ..meta.clone()
                })
                .collect();
            let mut vals: Vec<Val<'_>> = Vec::with_capacity(HOUSEHOLD_VERSION_COLS.len());
            let mut members: Vec<Val<'_>> = Vec::new();
            for (k, ((_, h), meta)) in history.versions.iter().zip(&metas).enumerate() {
                let version = k as i64 + 1;
                vals.clear();
                household_vals(&mut vals, id, version, meta, h);
                ins_v.execute(rusqlite::params_from_iter(vals.iter()))?;
                for (i, m) in h.members.iter().enumerate() {
                    member_vals(&mut members, id, version, i as i64 + 1, m);
                }
                for r in &h.incomes {
                    income_vals(&mut incomes, id, version, r);
                    if incomes.len() == ROWS_PER_INSERT * INCOME_COLS.len() {
                        insert_rows(t, "income_versions", INCOME_COLS, &incomes)?;
                        incomes.clear();
                    }
                }
            }
            for chunk in members.chunks(ROWS_PER_INSERT * MEMBER_COLS.len()) {
                insert_rows(t, "member_versions", MEMBER_COLS, chunk)?;
            }
            for e in &history.events {
                vals.clear();
                event_vals(&mut vals, id, e, at, &actor.account);
                ins_e.execute(rusqlite::params_from_iter(vals.iter()))?;
            }
            range.add_history(&history)?;
            if keep {
                kept.push((id, history));
            }
        }
        insert_rows(t, "income_versions", INCOME_COLS, &incomes)?;
    }
    if range.count > 0 {
        audit::append(&mut tx, at, actor, range.change(reason))?;
        tx.commit()?;
    }
    Ok((range, kept))
}

/// Inserts `rows` (each the values of `cols`) on SQLite, [`ROWS_PER_INSERT`] rows per statement.
pub(crate) fn insert_many<'v>(
    t: &rusqlite::Transaction<'_>,
    table: &str,
    cols: Cols,
    rows: impl Iterator<Item = Vec<Val<'v>>>,
) -> Result<()> {
    let mut vals: Vec<Val<'v>> = Vec::with_capacity(ROWS_PER_INSERT * cols.len());
    for row in rows {
        vals.extend(row);
        if vals.len() == ROWS_PER_INSERT * cols.len() {
            insert_rows(t, table, cols, &vals)?;
            vals.clear();
        }
    }
    insert_rows(t, table, cols, &vals)
}

/// Inserts the rows whose values `vals` holds one after the other (`cols` each, at most
/// [`ROWS_PER_INSERT`] rows) with one multi-row statement, prepared once per row count.
pub(crate) fn insert_rows(
    t: &rusqlite::Transaction<'_>,
    table: &str,
    cols: Cols,
    vals: &[Val<'_>],
) -> Result<()> {
    let rows = vals.len() / cols.len();
    if rows == 0 {
        return Ok(());
    }
    t.prepare_cached(&insert_rows_sql(table, cols, rows))?
        .execute(rusqlite::params_from_iter(vals.iter()))?;
    Ok(())
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

/// Writes one batch of at most [`PG_BATCH`] households in its own transaction (see [`pg_load_batches`]).
fn pg_batch(
    conn: &mut Conn,
    at: DateTime<Utc>,
    batch: Vec<HouseholdHistory>,
    meta: &VersionMeta,
    actor: &Actor,
    reason: &str,
    keep: bool,
) -> Result<(Range, Kept)> {
    let mut range = Range::default();
    if batch.is_empty() {
        return Ok((range, Vec::new()));
    }
    let mut seen = HashSet::with_capacity(batch.len());
    for h in &batch {
        h.check()?;
        let number = h.number()?;
        if !seen.insert(number) {
            return Err(duplicate_number(number));
        }
        range.add_history(h)?;
    }
    let mut tx = conn.begin_write()?;
    let mut ids = Vec::new();
    if let Tx::Pg(t) = &mut tx {
        pg_skip_batch_fk_checks(t)?;
        let items: Vec<NewHousehold<'_>> = batch
            .iter()
            .map(|h| NewHousehold {
                versions: h
                    .versions
                    .iter()
                    .map(|(effective, household)| {
                        let mut meta = meta.clone();
                        meta.effective_from = *effective;
                        (household, meta)
                    })
                    .collect(),
                events: &h.events,
            })
            .collect();
        ids = pg_copy_new(t, &items, at, actor)?;
    }
    audit::append(&mut tx, at, actor, range.change(reason))?;
    tx.commit()?;
    let kept = if keep {
        ids.into_iter().zip(batch).collect()
    } else {
        Vec::new()
    };
    Ok((range, kept))
}

/// Every row a bulk-load batch writes references only rows the same batch wrote just before (households
/// before their versions, versions before their members and incomes), with ids the batch reserved itself, so
/// PostgreSQL's per-row foreign-key triggers prove nothing here — and they are about half of the server's
/// time of a load (see BENCHMARKS.md, "Store: bulk load and scans"). Where the connected role may (a
/// superuser, as the database owner usually is for `init` and `synth`), the batch's transaction runs them
/// off (`SET LOCAL session_replication_role = replica`, which ends with the transaction), as SQLite's loads
/// switch `foreign_keys` off; otherwise they run as usual. Unique keys and `CHECK`s are enforced either way.
/// Returns whether they were switched off.
fn pg_skip_batch_fk_checks(t: &mut postgres::Transaction<'_>) -> Result<bool> {
    let superuser = t
        .query_one("SELECT current_setting('is_superuser') = 'on'", &[])?
        .try_get::<_, bool>(0)?;
    if superuser {
        t.batch_execute("SET LOCAL session_replication_role = replica")?;
    }
    Ok(superuser)
}

/// A household to be created by [`pg_copy_new`]: its versions (1, 2, … in this order; at least one), each
/// with its bookkeeping (the effective date may differ per household and version: an import dates each one
/// from its registration), and its events.
pub(crate) struct NewHousehold<'a> {
    pub versions: Vec<(&'a Household, VersionMeta)>,
    pub events: &'a [StatusEvent],
}

impl NewHousehold<'_> {
    /// The last version: its number and village go into `households`.
    fn current(&self) -> Result<&Household> {
        self.versions
            .last()
            .map(|(h, _)| *h)
            .ok_or_else(|| StoreError::Invalid("批量导入的农户没有任何版本".into()))
    }
}

/// Creates `items` (all their versions) inside the caller's open transaction `t` (no commit, no audit entry: the
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
    let mut numbers: Vec<&str> = Vec::with_capacity(items.len());
    for item in items {
        for (h, _) in &item.versions {
            check_household(h)?;
        }
        numbers.push(item.current()?.number.as_str());
    }
    // COPY would only fail at the end with a constraint error; say which number is taken instead.
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
    // (id, version number, snapshot, bookkeeping) of every version of every item.
    let versions = || {
        rows().flat_map(|(id, item)| {
            item.versions
                .iter()
                .enumerate()
                .map(move |(k, (h, meta))| (id, k as i64 + 1, *h, meta))
        })
    };
    // A writer that took one of the numbers after the check above (PostgreSQL's read committed lets it)
    // makes the households COPY fail on the unique key; report that as the usual duplicate.
    copy_rows(
        t,
        "households",
        HOUSEHOLD_COLS,
        rows().filter_map(|(id, item)| {
            let current = item.current().ok()?;
            Some(vec![
                Val::I64(id),
                Val::Str(current.number.as_str()),
                Val::Str(current.village.as_str()),
                Val::I64(item.versions.len() as i64),
            ])
        }),
    )
    .map_err(taken_in_copy)?;
    copy_rows(
        t,
        "household_versions",
        HOUSEHOLD_VERSION_COLS,
        versions().map(|(id, version, h, meta)| {
            let mut v = Vec::with_capacity(HOUSEHOLD_VERSION_COLS.len());
            household_vals(&mut v, id, version, meta, h);
            v
        }),
    )?;
    copy_rows(
        t,
        "member_versions",
        MEMBER_COLS,
        versions().flat_map(|(id, version, h, _)| {
            h.members.iter().enumerate().map(move |(i, m)| {
                let mut v = Vec::with_capacity(MEMBER_COLS.len());
                member_vals(&mut v, id, version, i as i64 + 1, m);
                v
            })
        }),
    )?;
    copy_rows(
        t,
        "income_versions",
        INCOME_COLS,
        versions().flat_map(|(id, version, h, _)| {
            h.incomes.iter().map(move |r| {
                let mut v = Vec::with_capacity(INCOME_COLS.len());
                income_vals(&mut v, id, version, r);
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
