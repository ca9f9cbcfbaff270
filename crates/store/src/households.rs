//! Households with their full history: create, update, status events, reads as of a date, and area scans.
//!
//! Every change writes a complete new version (household row, all members, all incomes) under the next
//! version number; nothing is updated in place except `households.current_version` (and the current number
//! and village copied there for lookups). Appending a status event also bumps the version, copying the
//! current snapshot with its `effective_from` unchanged, so that the as-of rule below still picks the same
//! data on every date.
//!
//! **As-of rule**: the version in force on date D is the one with the greatest `(effective_from, version)`
//! among those with `effective_from <= D`; status events are those with `effective <= D`.

use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::{AreaCode, Household, HouseholdId, HouseholdNo, StatusEvent, Version};
use serde_json::{json, Value};

use crate::audit::{self, Actor, Change};
use crate::db::{pg_params, Get, Tx, Val};
use crate::error::{invalid, Result, StoreError};
use crate::schema::*;

/// A household as stored at one version.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredHousehold {
    pub id: HouseholdId,
    pub version: Version,
    pub effective_from: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub household: Household,
    /// In effective-date order (ties in the order they were recorded).
    pub events: Vec<StatusEvent>,
}

/// One version of a household, as [`crate::Store::scan_household_histories`] reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVersion {
    pub version: Version,
    pub effective_from: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub household: Household,
}

/// A household with every version it has had (in version order) and all its status events (in
/// effective-date order).
#[derive(Debug, Clone, PartialEq)]
pub struct StoredHistory {
    pub id: HouseholdId,
    pub versions: Vec<StoredVersion>,
    pub events: Vec<StatusEvent>,
}

impl StoredHistory {
    /// The version in force on `date`: the greatest `(effective_from, version)` with `effective_from <=
    /// date` (the crate's as-of rule); `None` before the household existed.
    pub fn in_force(&self, date: NaiveDate) -> Option<&StoredVersion> {
        self.versions
            .iter()
            .filter(|v| v.effective_from <= date)
            .max_by_key(|v| (v.effective_from, v.version.0))
    }

    /// The current (highest-numbered) version.
    pub fn current(&self) -> Option<&StoredVersion> {
        self.versions.iter().max_by_key(|v| v.version.0)
    }

    /// The household as [`crate::Store::household_as_of`] would return it: the version in force on `date`
    /// with the events effective by then.
    pub fn as_of(&self, date: NaiveDate) -> Option<StoredHousehold> {
        let v = self.in_force(date)?;
        Some(StoredHousehold {
            id: self.id,
            version: v.version,
            effective_from: v.effective_from,
            recorded_at: v.recorded_at,
            household: v.household.clone(),
            events: self
                .events
                .iter()
                .filter(|e| e.effective <= date)
                .cloned()
                .collect(),
        })
    }
}

/// One entry of a household's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    pub version: Version,
    pub effective_from: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub reason: String,
}

pub(crate) fn not_found(id: HouseholdId) -> StoreError {
    StoreError::NotFound {
        entity: "户",
        key: format!("ID {id}"),
    }
}

/// Refuses what the database would refuse later with a less helpful message.
pub(crate) fn check_household(h: &Household) -> Result<()> {
    let mut years: Vec<u16> = h.incomes.iter().map(|r| r.year).collect();
    years.sort_unstable();
    if let Some(w) = years.windows(2).find(|w| w[0] == w[1]) {
        return Err(StoreError::Invalid(format!(
            "户「{}」的 {} 年收入记录重复",
            h.number, w[0]
        )));
    }
    Ok(())
}

/// Inserts one complete version (household row, members, incomes).
pub(crate) fn insert_version(
    tx: &mut Tx<'_>,
    id: i64,
    version: i64,
    meta: &VersionMeta,
    h: &Household,
) -> Result<()> {
    let mut vals = Vec::with_capacity(HOUSEHOLD_VERSION_COLS.len());
    household_vals(&mut vals, id, version, meta, h);
    tx.exec(
        &insert_sql("household_versions", HOUSEHOLD_VERSION_COLS),
        &vals,
    )?;
    let sql = insert_sql("member_versions", MEMBER_COLS);
    for (i, m) in h.members.iter().enumerate() {
        vals.clear();
        member_vals(&mut vals, id, version, i as i64 + 1, m);
        tx.exec(&sql, &vals)?;
    }
    let sql = insert_sql("income_versions", INCOME_COLS);
    for r in &h.incomes {
        vals.clear();
        income_vals(&mut vals, id, version, r);
        tx.exec(&sql, &vals)?;
    }
    Ok(())
}

pub(crate) fn insert_event(
    tx: &mut Tx<'_>,
    id: i64,
    e: &StatusEvent,
    at: DateTime<Utc>,
    actor: &Actor,
) -> Result<()> {
    let mut vals = Vec::with_capacity(EVENT_COLS.len());
    event_vals(&mut vals, id, e, at, &actor.account);
    tx.exec(&insert_sql("status_events", EVENT_COLS), &vals)?;
    Ok(())
}

fn id_by_number(tx: &mut Tx<'_>, no: &str) -> Result<Option<i64>> {
    tx.query_i64(
        "SELECT id FROM households WHERE household_no = ?",
        &[Val::Str(no)],
    )
}

fn current_version(tx: &mut Tx<'_>, id: HouseholdId) -> Result<i64> {
    tx.query_i64(
        "SELECT current_version FROM households WHERE id = ?",
        &[Val::I64(id.0)],
    )?
    .ok_or_else(|| not_found(id))
}

/// Moves `households.current_version` from `expected` to `expected + 1`, or reports a conflict. The
/// compare-and-set in the WHERE clause is what makes concurrent writers safe; the read before it only
/// supplies the numbers for the message.
fn bump_version(
    tx: &mut Tx<'_>,
    id: HouseholdId,
    expected: Version,
    h: Option<&Household>,
) -> Result<i64> {
    let current = current_version(tx, id)?;
    let changed = match h {
        Some(h) => tx.exec(
            "UPDATE households SET current_version = current_version + 1, household_no = ?, village_code = ? \
             WHERE id = ? AND current_version = ?",
            &[
                Val::Str(h.number.as_str()),
                Val::Str(h.village.as_str()),
                Val::I64(id.0),
                Val::I64(expected.0),
            ],
        )?,
        None => tx.exec(
            "UPDATE households SET current_version = current_version + 1 WHERE id = ? AND current_version = ?",
            &[Val::I64(id.0), Val::I64(expected.0)],
        )?,
    };
    if changed == 0 {
        return Err(StoreError::Conflict {
            id,
            current: Version(current),
            expected,
        });
    }
    Ok(expected.0 + 1)
}

pub(crate) fn create(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    h: &Household,
    events: &[StatusEvent],
    effective: NaiveDate,
    actor: &Actor,
    reason: &str,
) -> Result<(HouseholdId, Version)> {
    check_household(h)?;
    if id_by_number(tx, h.number.as_str())?.is_some() {
        return Err(duplicate_number(h.number.as_str()));
    }
    let id = tx
        .query_i64(
            "INSERT INTO households (household_no, village_code, current_version) VALUES (?, ?, 1) RETURNING id",
            &[Val::Str(h.number.as_str()), Val::Str(h.village.as_str())],
        )
        .map_err(|e| taken_number(e, h.number.as_str()))?
        .ok_or_else(|| StoreError::Invalid("新增户未返回 ID".into()))?;
    let meta = VersionMeta {
        effective_from: effective,
        recorded_at: at,
        recorded_by: actor.account.clone(),
        reason: reason.to_owned(),
    };
    insert_version(tx, id, 1, &meta, h)?;
    for e in events {
        insert_event(tx, id, e, at, actor)?;
    }
    audit::append(
        tx,
        at,
        actor,
        create_change(id, h, events, effective, reason),
    )?;
    Ok((HouseholdId(id), Version(1)))
}

/// The audit entry of a created household (shared with the COPY path of imports, which must write the same).
pub(crate) fn create_change<'a>(
    id: i64,
    h: &Household,
    events: &[StatusEvent],
    effective: NaiveDate,
    reason: &'a str,
) -> Change<'a> {
    Change {
        action: "household.create",
        entity: "household",
        entity_id: id.to_string(),
        reason,
        detail: json!({
            "household_no": h.number.as_str(),
            "village": h.village.as_str(),
            "version": 1,
            "effective_from": effective.to_string(),
            "members": h.members.len(),
            "income_years": h.incomes.iter().map(|r| r.year).collect::<Vec<_>>(),
            "events": events.iter().map(|e| e.kind.code()).collect::<Vec<_>>(),
        }),
    }
}

pub(crate) fn duplicate_number(no: &str) -> StoreError {
    StoreError::Duplicate {
        entity: "户编号",
        key: no.to_owned(),
    }
}

/// Turns a unique-key violation on `households` into [`StoreError::Duplicate`]. The explicit check before
/// each write covers SQLite (writers are serialised from `BEGIN IMMEDIATE`); on PostgreSQL two writers can
/// pass that check together, and then the constraint is what refuses the second.
fn taken_number(e: StoreError, no: &str) -> StoreError {
    let unique = match &e {
        StoreError::Postgres(pe) => pe.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION),
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => {
            f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
        }
        _ => false,
    };
    if unique {
        duplicate_number(no)
    } else {
        e
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn update(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    id: HouseholdId,
    expected: Version,
    h: &Household,
    effective: NaiveDate,
    actor: &Actor,
    reason: &str,
) -> Result<Version> {
    check_household(h)?;
    if let Some(other) = id_by_number(tx, h.number.as_str())? {
        if other != id.0 {
            return Err(duplicate_number(h.number.as_str()));
        }
    }
    let version =
        bump_version(tx, id, expected, Some(h)).map_err(|e| taken_number(e, h.number.as_str()))?;
    let before = load_version(tx, id.0, expected.0)?;
    let meta = VersionMeta {
        effective_from: effective,
        recorded_at: at,
        recorded_by: actor.account.clone(),
        reason: reason.to_owned(),
    };
    insert_version(tx, id.0, version, &meta, h)?;
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "household.update",
            entity: "household",
            entity_id: id.to_string(),
            reason,
            detail: json!({
                "household_no": h.number.as_str(),
                "version": version,
                "effective_from": effective.to_string(),
                "changed": changed_fields(&before.household, h),
            }),
        },
    )?;
    Ok(Version(version))
}

pub(crate) fn append_event(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    id: HouseholdId,
    expected: Version,
    event: &StatusEvent,
    actor: &Actor,
    reason: &str,
) -> Result<Version> {
    let version = bump_version(tx, id, expected, None)?;
    copy_version(tx, id.0, expected.0, version, at, actor, reason)?;
    // The new version takes effect on the event's date (a decision recorded today is today's version, not
    // the registration's), never before the version it follows.
    tx.exec(
        "UPDATE household_versions SET effective_from = ? \
         WHERE household_id = ? AND version = ? AND effective_from < ?",
        &[
            Val::date(event.effective),
            Val::I64(id.0),
            Val::I64(version),
            Val::date(event.effective),
        ],
    )?;
    insert_event(tx, id.0, event, at, actor)?;
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "household.status_event",
            entity: "household",
            entity_id: id.to_string(),
            reason,
            detail: json!({
                "version": version,
                "kind": event.kind.code(),
                "effective": event.effective.to_string(),
                "monitoring_kind": event.monitoring_kind.map(|k| k.code()),
                // How many, not which: risk types such as illness or disability are health data.
                "risk_type_count": event.risk_types.len(),
            }),
        },
    )?;
    Ok(Version(version))
}

/// Copies version `from` to `to` inside the database (no round trip of the data), keeping its
/// `effective_from` and giving it new bookkeeping columns.
fn copy_version(
    tx: &mut Tx<'_>,
    id: i64,
    from: i64,
    to: i64,
    at: DateTime<Utc>,
    actor: &Actor,
    reason: &str,
) -> Result<()> {
    fn select_list(cols: Cols, replaced: &[&str]) -> String {
        cols.iter()
            .map(|(c, _)| if replaced.contains(c) { "?" } else { c })
            .collect::<Vec<_>>()
            .join(", ")
    }
    let hv = format!(
        "INSERT INTO household_versions ({}) SELECT {} FROM household_versions WHERE household_id = ? AND version = ?",
        col_list(HOUSEHOLD_VERSION_COLS, ""),
        select_list(
            HOUSEHOLD_VERSION_COLS,
            &["version", "recorded_at", "recorded_by", "reason"]
        ),
    );
    tx.exec(
        &hv,
        &[
            Val::I64(to),
            Val::Ts(at),
            Val::Str(&actor.account),
            Val::Str(reason),
            Val::I64(id),
            Val::I64(from),
        ],
    )?;
    for (table, cols) in [
        ("member_versions", MEMBER_COLS),
        ("income_versions", INCOME_COLS),
    ] {
        let sql = format!(
            "INSERT INTO {table} ({}) SELECT {} FROM {table} WHERE household_id = ? AND version = ?",
            col_list(cols, ""),
            select_list(cols, &["version"]),
        );
        tx.exec(&sql, &[Val::I64(to), Val::I64(id), Val::I64(from)])?;
    }
    Ok(())
}

/// Names of the fields that differ (never their values): `phone`, `members[2].health`,
/// `members[4]` (added or removed), `incomes[2021].wages`, `incomes[2022]` (added or removed).
pub(crate) fn changed_fields(before: &Household, after: &Household) -> Vec<String> {
    let (Ok(Value::Object(a)), Ok(Value::Object(b))) =
        (serde_json::to_value(before), serde_json::to_value(after))
    else {
        return vec!["*".into()];
    };
    let mut out = Vec::new();
    for (key, va) in &a {
        if key == "members" || key == "incomes" {
            continue;
        }
        if b.get(key) != Some(va) {
            out.push(key.clone());
        }
    }
    let n = before.members.len().max(after.members.len());
    for i in 0..n {
        match (before.members.get(i), after.members.get(i)) {
            (Some(x), Some(y)) if x != y => {
                let (Ok(Value::Object(x)), Ok(Value::Object(y))) =
                    (serde_json::to_value(x), serde_json::to_value(y))
                else {
                    continue;
                };
                for (k, v) in &x {
                    if y.get(k) != Some(v) {
                        out.push(format!("members[{}].{k}", i + 1));
                    }
                }
            }
            (Some(_), Some(_)) => {}
            _ => out.push(format!("members[{}]", i + 1)),
        }
    }
    let years_a: BTreeMap<u16, _> = before.incomes.iter().map(|r| (r.year, r)).collect();
    let years_b: BTreeMap<u16, _> = after.incomes.iter().map(|r| (r.year, r)).collect();
    for year in years_a
        .keys()
        .chain(years_b.keys())
        .collect::<std::collections::BTreeSet<_>>()
    {
        match (years_a.get(year), years_b.get(year)) {
            (Some(x), Some(y)) => {
                for c in jingzhun_core::IncomeComponent::ALL {
                    if x.get(*c) != y.get(*c) {
                        out.push(format!("incomes[{year}].{}", c.code()));
                    }
                }
            }
            _ => out.push(format!("incomes[{year}]")),
        }
    }
    // Map key order depends on serde_json features; a stable order keeps audit details comparable.
    out.sort();
    out
}

/// Loads one version with its members and incomes (no events).
pub(crate) fn load_version(tx: &mut Tx<'_>, id: i64, version: i64) -> Result<VersionRow> {
    let sql = format!(
        "SELECT {} FROM household_versions WHERE household_id = ? AND version = ?",
        col_list(HOUSEHOLD_VERSION_COLS, "")
    );
    let params = [Val::I64(id), Val::I64(version)];
    let mut row = tx
        .query_opt(&sql, &params, |r| decode_version(r, 0))?
        .ok_or_else(|| not_found(HouseholdId(id)))?;
    row.household.members = tx.query_vec(
        &format!(
            "SELECT {} FROM member_versions WHERE household_id = ? AND version = ? ORDER BY seq",
            col_list(MEMBER_COLS, "")
        ),
        &params,
        |r| Ok(decode_member(r)?.1),
    )?;
    row.household.incomes = tx.query_vec(
        &format!(
            "SELECT {} FROM income_versions WHERE household_id = ? AND version = ? ORDER BY year",
            col_list(INCOME_COLS, "")
        ),
        &params,
        |r| Ok(decode_income(r)?.1),
    )?;
    Ok(row)
}

fn load_events(tx: &mut Tx<'_>, id: i64, as_of: Option<NaiveDate>) -> Result<Vec<StatusEvent>> {
    let cols = col_list(EVENT_COLS, "");
    match as_of {
        None => tx.query_vec(
            &format!("SELECT {cols} FROM status_events WHERE household_id = ? ORDER BY effective, id"),
            &[Val::I64(id)],
            |r| Ok(decode_event(r)?.1),
        ),
        Some(d) => tx.query_vec(
            &format!(
                "SELECT {cols} FROM status_events WHERE household_id = ? AND effective <= ? ORDER BY effective, id"
            ),
            &[Val::I64(id), Val::date(d)],
            |r| Ok(decode_event(r)?.1),
        ),
    }
}

fn stored(row: VersionRow, events: Vec<StatusEvent>) -> StoredHousehold {
    StoredHousehold {
        id: HouseholdId(row.id),
        version: Version(row.version),
        effective_from: row.meta.effective_from,
        recorded_at: row.meta.recorded_at,
        household: row.household,
        events,
    }
}

pub(crate) fn get(tx: &mut Tx<'_>, id: HouseholdId) -> Result<StoredHousehold> {
    let version = current_version(tx, id)?;
    let row = load_version(tx, id.0, version)?;
    let events = load_events(tx, id.0, None)?;
    Ok(stored(row, events))
}

/// What a list shows of a household beside its own row: the current version's number and village, and its
/// head (the first member, in the household's order, recorded as 户主; `None` without one), as
/// [`Household::head`] finds it in the full record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdLabel {
    pub id: HouseholdId,
    pub number: HouseholdNo,
    pub village: AreaCode,
    pub head: Option<(jingzhun_core::PersonName, jingzhun_core::ResidentId)>,
}

/// Households labelled per statement: a list page's rows in one round trip. Shorter lists are padded with
/// their last id, so that every call runs the same statement text (prepared once per connection).
const LABELS_PER_STATEMENT: usize = 64;

/// The labels of `ids` (ids not stored are left out), in one statement per [`LABELS_PER_STATEMENT`]
/// households instead of loading each household (five statements each).
pub(crate) fn labels(tx: &mut Tx<'_>, ids: &[HouseholdId]) -> Result<Vec<HouseholdLabel>> {
    const T: &str = "member_versions";
    let marks = vec!["?"; LABELS_PER_STATEMENT].join(", ");
    // The join on the head keeps households without one (LEFT JOIN); a household with several rows
    // recorded as head yields one row each, in member order, and the first one counts.
    let sql = format!(
        "SELECT h.id, v.household_no, v.village_code, m.name, m.resident_id \
         FROM households h \
         JOIN household_versions v ON v.household_id = h.id AND v.version = h.current_version \
         LEFT JOIN member_versions m ON m.household_id = h.id AND m.version = h.current_version \
         AND m.relationship = ? \
         WHERE h.id IN ({marks}) ORDER BY h.id, m.seq"
    );
    let head = jingzhun_core::Relationship::Head.code();
    // Each household once, whichever statement it falls in.
    let mut ids = ids.to_vec();
    ids.sort_unstable_by_key(|id| id.0);
    ids.dedup();
    let mut out: Vec<HouseholdLabel> = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(LABELS_PER_STATEMENT) {
        let mut params = Vec::with_capacity(LABELS_PER_STATEMENT + 1);
        params.push(Val::Str(head));
        for i in 0..LABELS_PER_STATEMENT {
            params.push(Val::I64(chunk.get(i).unwrap_or(&chunk[chunk.len() - 1]).0));
        }
        tx.query(&sql, &params, &mut |r| {
            let id = HouseholdId(r.i64(0)?);
            if out.last().is_some_and(|l| l.id == id) {
                return Ok(());
            }
            let number = r.str(1)?;
            let village = r.str(2)?;
            let head = match (r.opt_str(3)?, r.opt_str(4)?) {
                (Some(name), Some(rid)) => Some((
                    jingzhun_core::PersonName::parse(name).map_err(|_| invalid(T, "name", name))?,
                    // As `decode_member`: a stored ID was valid when written.
                    jingzhun_core::ResidentId::parse_on(rid, NaiveDate::MAX)
                        .map_err(|_| invalid(T, "resident_id", rid))?,
                )),
                _ => None,
            };
            out.push(HouseholdLabel {
                id,
                number: HouseholdNo::parse(number)
                    .map_err(|_| invalid("household_versions", "household_no", number))?,
                village: AreaCode::parse(village)
                    .map_err(|_| invalid("household_versions", "village_code", village))?,
                head,
            });
            Ok(())
        })?;
    }
    Ok(out)
}

pub(crate) fn by_number(tx: &mut Tx<'_>, no: &HouseholdNo) -> Result<Option<StoredHousehold>> {
    match id_by_number(tx, no.as_str())? {
        Some(id) => get(tx, HouseholdId(id)).map(Some),
        None => Ok(None),
    }
}

pub(crate) fn as_of(
    tx: &mut Tx<'_>,
    id: HouseholdId,
    date: NaiveDate,
) -> Result<Option<StoredHousehold>> {
    current_version(tx, id)?;
    let version = tx.query_i64(
        "SELECT version FROM household_versions WHERE household_id = ? AND effective_from <= ? \
         ORDER BY effective_from DESC, version DESC LIMIT 1",
        &[Val::I64(id.0), Val::date(date)],
    )?;
    let Some(version) = version else {
        return Ok(None);
    };
    let row = load_version(tx, id.0, version)?;
    let events = load_events(tx, id.0, Some(date))?;
    Ok(Some(stored(row, events)))
}

pub(crate) fn history(tx: &mut Tx<'_>, id: HouseholdId) -> Result<Vec<VersionInfo>> {
    current_version(tx, id)?;
    tx.query_vec(
        "SELECT version, effective_from, recorded_at, recorded_by, reason FROM household_versions \
         WHERE household_id = ? ORDER BY version",
        &[Val::I64(id.0)],
        |r| {
            Ok(VersionInfo {
                version: Version(r.i64(0)?),
                effective_from: r.date(1)?,
                recorded_at: r.ts(2)?,
                recorded_by: r.str(3)?.to_owned(),
                reason: r.str(4)?.to_owned(),
            })
        },
    )
}

/// Inclusive bounds of the 12-digit village codes inside `within` (codes are fixed-width digit strings, so
/// a prefix test is a range test and can use an index).
pub(crate) fn village_range(within: &AreaCode) -> (String, String) {
    let prefix = within.as_str();
    let lo = format!("{prefix:0<12}");
    let hi = format!("{prefix:9<12}");
    (lo, hi)
}

pub(crate) fn count(tx: &mut Tx<'_>, within: &AreaCode) -> Result<u64> {
    let (lo, hi) = village_range(within);
    let n = tx
        .query_i64(
            "SELECT count(*) FROM households WHERE village_code BETWEEN ? AND ?",
            &[Val::Owned(lo), Val::Owned(hi)],
        )?
        .unwrap_or(0);
    Ok(n as u64)
}

/// Number and id of every household filed under a village in `within`, by number.
pub(crate) fn ids_within(
    tx: &mut Tx<'_>,
    within: &AreaCode,
) -> Result<Vec<(HouseholdNo, HouseholdId)>> {
    let (lo, hi) = village_range(within);
    tx.query_vec(
        "SELECT household_no, id FROM households WHERE village_code BETWEEN ? AND ? ORDER BY household_no",
        &[Val::Owned(lo), Val::Owned(hi)],
        |r| {
            let no = r.str(0)?;
            let no = HouseholdNo::parse(no).map_err(|_| {
                StoreError::Invalid(format!("数据库中的户编号「{no}」无效"))
            })?;
            Ok((no, HouseholdId(r.i64(1)?)))
        },
    )
}

/// Produces the next `(key, row)` of an ordered stream (the key: a household id, or id and version).
pub(crate) type Next<'a, K, T> = Box<dyn FnMut() -> Result<Option<(K, T)>> + 'a>;

/// Rows of one key, pulled from an ordered stream.
pub(crate) struct Merge<'a, T, K = i64> {
    next: Next<'a, K, T>,
    head: Option<(K, T)>,
    done: bool,
}

impl<'a, T, K: PartialEq> Merge<'a, T, K> {
    pub(crate) fn new(next: impl FnMut() -> Result<Option<(K, T)>> + 'a) -> Self {
        Self {
            next: Box::new(next),
            head: None,
            done: false,
        }
    }

    /// The rows for `id`. All streams walk the same households in the same order, so the rows of `id`, if
    /// any, are at the head; a head with another id belongs to a later household.
    fn take(&mut self, id: K) -> Result<Vec<T>> {
        let mut out = Vec::new();
        loop {
            if self.head.is_none() && !self.done {
                self.head = (self.next)()?;
                self.done = self.head.is_none();
            }
            match &self.head {
                Some((h, _)) if *h == id => {
                    if let Some((_, v)) = self.head.take() {
                        out.push(v);
                    }
                }
                _ => return Ok(out),
            }
        }
    }

    /// Whether rows are left over (which would mean the streams were out of step).
    fn has_more(&mut self) -> Result<bool> {
        if self.head.is_none() && !self.done {
            self.head = (self.next)()?;
            self.done = self.head.is_none();
        }
        Ok(self.head.is_some())
    }
}

/// Streams households within an area, current or as of a date: four queries (versions, members, incomes,
/// events) that walk the same households in the same order, merged household by household.
///
/// The order is chosen so that neither backend sorts the large result sets: on SQLite, current scans follow
/// the `households_village` index (village code, then id); everything else goes by household id (as-of scans
/// pick each household's version with a correlated subquery over its own few versions, filtering on the
/// village of the chosen version).
pub(crate) fn scan(
    tx: &mut Tx<'_>,
    within: &AreaCode,
    as_of: Option<NaiveDate>,
    f: &mut dyn FnMut(StoredHousehold) -> Result<()>,
) -> Result<usize> {
    scan_incomes_of(tx, within, as_of, None, f)
}

/// [`scan`], with only the incomes of `income_year` when given (the join then looks each one up by its
/// primary key instead of reading every year of every version: most of the rows a full scan reads).
pub(crate) fn scan_incomes_of(
    tx: &mut Tx<'_>,
    within: &AreaCode,
    as_of: Option<NaiveDate>,
    income_year: Option<u16>,
    f: &mut dyn FnMut(StoredHousehold) -> Result<()>,
) -> Result<usize> {
    let (lo, hi) = village_range(within);
    // `from` joins `h` (households) to `v` (the chosen household_versions row).
    let (from, filter, order, params) = match as_of {
        None => (
            "households h JOIN household_versions v ON v.household_id = h.id AND v.version = h.current_version",
            "h.village_code BETWEEN ? AND ?",
            match tx {
                Tx::Sqlite(_) => "h.village_code, h.id",
                // PostgreSQL then merge-joins the primary keys in order instead of hashing and sorting
                // (measured: half the time, no spill to disk, and rows flow at once).
                Tx::Pg(_) => "h.id",
            },
            vec![Val::Owned(lo), Val::Owned(hi)],
        ),
        Some(d) => (
            match tx {
                Tx::Sqlite(_) => {
                    "households h JOIN household_versions v ON v.household_id = h.id AND v.version = \
                     (SELECT w.version FROM household_versions w WHERE w.household_id = h.id AND w.effective_from <= ? \
                     ORDER BY w.effective_from DESC, w.version DESC LIMIT 1)"
                }
                // One ordered pass over the versions instead of a subplan per household, so the joins below
                // stay in household order and the big result needs no sort (a correlated subquery here made
                // PostgreSQL hash-join and spill hundreds of MB to disk sorting incomes).
                Tx::Pg(_) => {
                    "(SELECT DISTINCT ON (household_id) household_id, version FROM household_versions \
                     WHERE effective_from <= ? ORDER BY household_id, effective_from DESC, version DESC) s \
                     JOIN households h ON h.id = s.household_id \
                     JOIN household_versions v ON v.household_id = s.household_id AND v.version = s.version"
                }
            },
            "v.village_code BETWEEN ? AND ?",
            "h.id",
            vec![Val::date(d), Val::Owned(lo), Val::Owned(hi)],
        ),
    };
    let version_sql = format!(
        "SELECT {} FROM {from} WHERE {filter} ORDER BY {order}",
        col_list(HOUSEHOLD_VERSION_COLS, "v")
    );
    let member_sql = format!(
        "SELECT {} FROM {from} JOIN member_versions m ON m.household_id = v.household_id AND m.version = v.version \
         WHERE {filter} ORDER BY {order}, m.seq",
        col_list(MEMBER_COLS, "m")
    );
    // A year is a number, not text from outside: written into the statement, it keeps the parameter lists
    // of the four queries alike.
    let income_year = income_year
        .map(|y| format!(" AND i.year = {y}"))
        .unwrap_or_default();
    let income_sql = format!(
        "SELECT {} FROM {from} JOIN income_versions i ON i.household_id = v.household_id AND i.version = v.version{income_year} \
         WHERE {filter} ORDER BY {order}, i.year",
        col_list(INCOME_COLS, "i")
    );
    let mut event_params = params.clone();
    let event_filter = match as_of {
        Some(d) => {
            event_params.push(Val::date(d));
            " AND e.effective <= ?"
        }
        None => "",
    };
    let event_sql = format!(
        "SELECT {} FROM {from} JOIN status_events e ON e.household_id = h.id \
         WHERE {filter}{event_filter} ORDER BY {order}, e.effective, e.id",
        col_list(EVENT_COLS, "e")
    );
    let decode_hv = |r: &dyn Get| decode_version(r, 0).map(|v| (v.id, v));
    match tx {
        Tx::Sqlite(t) => {
            let p = || rusqlite::params_from_iter(params.iter());
            let mut s1 = t.prepare(&version_sql)?;
            let mut s2 = t.prepare(&member_sql)?;
            let mut s3 = t.prepare(&income_sql)?;
            let mut s4 = t.prepare(&event_sql)?;
            let mut r1 = s1.query(p())?;
            let mut r2 = s2.query(p())?;
            let mut r3 = s3.query(p())?;
            let mut r4 = s4.query(rusqlite::params_from_iter(event_params.iter()))?;
            let versions = Merge::new(move || r1.next()?.map(|r| decode_hv(r)).transpose());
            let members = Merge::new(move || r2.next()?.map(|r| decode_member(r)).transpose());
            let incomes = Merge::new(move || r3.next()?.map(|r| decode_income(r)).transpose());
            let events = Merge::new(move || r4.next()?.map(|r| decode_event(r)).transpose());
            merge(versions, members, incomes, events, f)
        }
        Tx::Pg(t) => {
            let cell = RefCell::new(&mut **t);
            let cursor = |sql: &str, params: &[Val<'_>]| -> Result<_> {
                let portal = cell
                    .borrow_mut()
                    .bind(crate::db::pg_sql(sql).as_ref(), &pg_params(params))?;
                Ok((portal, VecDeque::<postgres::Row>::new(), false))
            };
            let (p1, mut b1, mut d1) = cursor(&version_sql, &params)?;
            let (p2, mut b2, mut d2) = cursor(&member_sql, &params)?;
            let (p3, mut b3, mut d3) = cursor(&income_sql, &params)?;
            let (p4, mut b4, mut d4) = cursor(&event_sql, &event_params)?;
            let fetch =
                |portal: &postgres::Portal, buf: &mut VecDeque<postgres::Row>, done: &mut bool| {
                    next_portal_row(&cell, portal, buf, done)
                };
            let versions = Merge::new(|| {
                fetch(&p1, &mut b1, &mut d1)?
                    .map(|r| decode_hv(&r))
                    .transpose()
            });
            let members = Merge::new(|| {
                fetch(&p2, &mut b2, &mut d2)?
                    .map(|r| decode_member(&r))
                    .transpose()
            });
            let incomes = Merge::new(|| {
                fetch(&p3, &mut b3, &mut d3)?
                    .map(|r| decode_income(&r))
                    .transpose()
            });
            let events = Merge::new(|| {
                fetch(&p4, &mut b4, &mut d4)?
                    .map(|r| decode_event(&r))
                    .transpose()
            });
            merge(versions, members, incomes, events, f)
        }
    }
}

/// Rows a portal fetches at a time.
const PORTAL_CHUNK: i32 = 4096;

/// The next row of `portal`, fetched [`PORTAL_CHUNK`] rows at a time: portals let the scans read their four
/// result sets in step over one connection.
pub(crate) fn next_portal_row(
    client: &RefCell<&mut postgres::Transaction<'_>>,
    portal: &postgres::Portal,
    buf: &mut VecDeque<postgres::Row>,
    done: &mut bool,
) -> Result<Option<postgres::Row>> {
    if buf.is_empty() && !*done {
        buf.extend(client.borrow_mut().query_portal(portal, PORTAL_CHUNK)?);
        *done = buf.len() < PORTAL_CHUNK as usize;
    }
    Ok(buf.pop_front())
}

pub(crate) fn merge(
    mut versions: Merge<'_, VersionRow>,
    mut members: Merge<'_, jingzhun_core::Member>,
    mut incomes: Merge<'_, jingzhun_core::IncomeRecord>,
    mut events: Merge<'_, StatusEvent>,
    f: &mut dyn FnMut(StoredHousehold) -> Result<()>,
) -> Result<usize> {
    let mut n = 0;
    while let Some((id, mut row)) = (versions.next)()? {
        row.household.members = members.take(id)?;
        row.household.incomes = incomes.take(id)?;
        let ev = events.take(id)?;
        f(stored(row, ev))?;
        n += 1;
    }
    if members.has_more()? || incomes.has_more()? || events.has_more()? {
        return Err(StoreError::Invalid(
            "扫描时成员、收入或事件记录与户记录顺序不一致".into(),
        ));
    }
    Ok(n)
}

/// Streams every household with a version filed in `within`, with all its versions and events: four queries
/// in household-id order (versions, members and incomes by version within a household), merged household by
/// household. Every backend walks the primary keys in order, so nothing large is sorted.
pub(crate) fn scan_histories(
    tx: &mut Tx<'_>,
    within: &AreaCode,
    f: &mut dyn FnMut(StoredHistory) -> Result<()>,
) -> Result<usize> {
    let (lo, hi) = village_range(within);
    let params = vec![Val::Owned(lo), Val::Owned(hi)];
    let filter = "EXISTS (SELECT 1 FROM household_versions w WHERE w.household_id = h.id \
                  AND w.village_code BETWEEN ? AND ?)";
    let version_sql = format!(
        "SELECT {} FROM households h JOIN household_versions v ON v.household_id = h.id \
         WHERE {filter} ORDER BY h.id, v.version",
        col_list(HOUSEHOLD_VERSION_COLS, "v")
    );
    let member_sql = format!(
        "SELECT {} FROM households h JOIN member_versions m ON m.household_id = h.id \
         WHERE {filter} ORDER BY h.id, m.version, m.seq",
        col_list(MEMBER_COLS, "m")
    );
    let income_sql = format!(
        "SELECT {} FROM households h JOIN income_versions i ON i.household_id = h.id \
         WHERE {filter} ORDER BY h.id, i.version, i.year",
        col_list(INCOME_COLS, "i")
    );
    let event_sql = format!(
        "SELECT {} FROM households h JOIN status_events e ON e.household_id = h.id \
         WHERE {filter} ORDER BY h.id, e.effective, e.id",
        col_list(EVENT_COLS, "e")
    );
    // Members and incomes are keyed by (household id, version); `MEMBER_COLS` and `INCOME_COLS` have the
    // version in column 1.
    let decode_hv = |r: &dyn Get| decode_version(r, 0).map(|v| (v.id, v));
    let keyed_member = |r: &dyn Get| -> Result<((i64, i64), jingzhun_core::Member)> {
        let (id, m) = decode_member(r)?;
        Ok(((id, r.i64(1)?), m))
    };
    let keyed_income = |r: &dyn Get| -> Result<((i64, i64), jingzhun_core::IncomeRecord)> {
        let (id, i) = decode_income(r)?;
        Ok(((id, r.i64(1)?), i))
    };
    match tx {
        Tx::Sqlite(t) => {
            let p = || rusqlite::params_from_iter(params.iter());
            let mut s1 = t.prepare(&version_sql)?;
            let mut s2 = t.prepare(&member_sql)?;
            let mut s3 = t.prepare(&income_sql)?;
            let mut s4 = t.prepare(&event_sql)?;
            let mut r1 = s1.query(p())?;
            let mut r2 = s2.query(p())?;
            let mut r3 = s3.query(p())?;
            let mut r4 = s4.query(p())?;
            let versions = Merge::new(move || r1.next()?.map(|r| decode_hv(r)).transpose());
            let members = Merge::new(move || r2.next()?.map(|r| keyed_member(r)).transpose());
            let incomes = Merge::new(move || r3.next()?.map(|r| keyed_income(r)).transpose());
            let events = Merge::new(move || r4.next()?.map(|r| decode_event(r)).transpose());
            merge_histories(versions, members, incomes, events, f)
        }
        Tx::Pg(t) => {
            let cell = RefCell::new(&mut **t);
            let cursor = |sql: &str| -> Result<_> {
                let portal = cell
                    .borrow_mut()
                    .bind(crate::db::pg_sql(sql).as_ref(), &pg_params(&params))?;
                Ok((portal, VecDeque::<postgres::Row>::new(), false))
            };
            let (p1, mut b1, mut d1) = cursor(&version_sql)?;
            let (p2, mut b2, mut d2) = cursor(&member_sql)?;
            let (p3, mut b3, mut d3) = cursor(&income_sql)?;
            let (p4, mut b4, mut d4) = cursor(&event_sql)?;
            let fetch =
                |portal: &postgres::Portal, buf: &mut VecDeque<postgres::Row>, done: &mut bool| {
                    next_portal_row(&cell, portal, buf, done)
                };
            let versions = Merge::new(|| {
                fetch(&p1, &mut b1, &mut d1)?
                    .map(|r| decode_hv(&r))
                    .transpose()
            });
            let members = Merge::new(|| {
                fetch(&p2, &mut b2, &mut d2)?
                    .map(|r| keyed_member(&r))
                    .transpose()
            });
            let incomes = Merge::new(|| {
                fetch(&p3, &mut b3, &mut d3)?
                    .map(|r| keyed_income(&r))
                    .transpose()
            });
            let events = Merge::new(|| {
                fetch(&p4, &mut b4, &mut d4)?
                    .map(|r| decode_event(&r))
                    .transpose()
            });
            merge_histories(versions, members, incomes, events, f)
        }
    }
}

pub(crate) fn merge_histories(
    mut versions: Merge<'_, VersionRow>,
    mut members: Merge<'_, jingzhun_core::Member, (i64, i64)>,
    mut incomes: Merge<'_, jingzhun_core::IncomeRecord, (i64, i64)>,
    mut events: Merge<'_, StatusEvent>,
    f: &mut dyn FnMut(StoredHistory) -> Result<()>,
) -> Result<usize> {
    let mut n = 0;
    let mut open: Option<StoredHistory> = None;
    while let Some((id, mut row)) = (versions.next)()? {
        row.household.members = members.take((id, row.version))?;
        row.household.incomes = incomes.take((id, row.version))?;
        let version = StoredVersion {
            version: Version(row.version),
            effective_from: row.meta.effective_from,
            recorded_at: row.meta.recorded_at,
            household: row.household,
        };
        match &mut open {
            Some(h) if h.id.0 == id => h.versions.push(version),
            _ => {
                if let Some(mut done) = open.take() {
                    done.events = events.take(done.id.0)?;
                    f(done)?;
                    n += 1;
                }
                open = Some(StoredHistory {
                    id: HouseholdId(id),
                    versions: vec![version],
                    events: Vec::new(),
                });
            }
        }
    }
    if let Some(mut done) = open.take() {
        done.events = events.take(done.id.0)?;
        f(done)?;
        n += 1;
    }
    if members.has_more()? || incomes.has_more()? || events.has_more()? {
        return Err(StoreError::Invalid(
            "扫描时成员、收入或事件记录与户记录顺序不一致".into(),
        ));
    }
    Ok(n)
}
