//! The national registry on PostgreSQL (issue 16): the registry tables **partitioned by province**, loaded by
//! parallel binary `COPY` with keys, indexes and constraints built after the load, and scans that read only
//! the partitions of the area asked for.
//!
//! # Layout
//!
//! A deployment's registry is either `plain` (every deployment before issue 16, and still the default) or
//! `partitioned` (the national layout), recorded in `registry_layout` (migration 0016). The national layout
//! is chosen with `jingzhun init --partitioned` ([`crate::Store::partition_registry`]): it converts the five
//! registry tables in one transaction, moving whatever rows they hold, so it serves a new database and an
//! existing deployment alike (the conversion holds an exclusive lock on the registry while it copies).
//!
//! The partition key is the **household id**, and a province's households get ids of their own:
//! province `PP` owns ids `PP·10¹² … (PP+1)·10¹² − 1` ([`PROVINCE_SPAN`]), in blocks of 10¹⁰
//! ([`BLOCK_SPAN`]), one block per partition (`households_p51_b00`, `household_versions_p51_b00`, …: a
//! *partition group*, the same id range in all five tables). Keying on the id rather than on a province
//! column keeps every table, column list and statement of the plain layout unchanged: every primary key
//! contains the id (status events' becomes `(household_id, id)`), so the primary keys stay valid on the
//! partitioned tables, the other tables' foreign keys to `households(id)` stay, and all the code that writes
//! one household at a time keeps working unchanged. Those writes take ids from the old sequence, which are
//! below 10¹³ and land in the `*_local` partition group; the national loads fill the province blocks.
//!
//! What the plain layout enforces with table-wide constraints, the partitioned one enforces per partition
//! group, which says the same because a household's rows are always in one group: the references between
//! the registry tables (versions → households, members and incomes → versions, events → households) are
//! foreign keys between the tables of a group, and household numbers are unique per group by a unique
//! index; across groups, every writer checks the number first (one by one, imports and bulk batches as
//! before; national loads compare each new group with the whole table before attaching it).
//!
//! # National loads ([`load`])
//!
//! `W` writers (threads, each with a connection of the pool for long work) take the households as they
//! come and write each province's into a partition group of their own: tables created in the writer's
//! transaction, filled with `COPY … (FORMAT binary, FREEZE)` (rows frozen as written: no later rewrite by
//! vacuum), then given their primary keys, unique numbers, foreign keys, secondary indexes and the check of
//! their id range, and analysed — all before the transaction commits. Nothing is visible yet: the tables
//! are not partitions. Once every writer has committed, one transaction compares the new groups' household
//! numbers with the registry, attaches every group (`ATTACH PARTITION`, which the range checks make a
//! catalogue change, no scan) and writes **one audit entry per partition group**. A failure anywhere drops
//! the new tables: a national load is all or nothing.
//!
//! **What `audit verify` proves then**: that every partition group was attached by the entry that names it
//! (who, when, the province, the id range, the number range and how many households, versions, members,
//! incomes and events it brought) and that no entry was edited, removed or reordered since — as for the
//! per-batch entries of ordinary bulk loads. Like them it does not hash the rows themselves;
//! [`crate::Store::national_partitions`] counts what each group holds now, to compare with its entry.
//! The entries have entity `area` (the province): a running server's engine reloads after a national load
//! instead of applying millions of single changes.
//!
//! # Scans
//!
//! [`scan_for_year`], [`scan_current`] and [`scan_histories`] are the registry scans of the plain layout
//! with the id ranges of the area's province (and of the `local` group) written into every one of the four
//! queries, on every table: PostgreSQL then plans with the province's partitions only. `Store`'s scans
//! take them when the layout is partitioned, so `evaluate`, `serve --area` and the reports read a
//! province or city from its own partitions.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{mpsc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::{AreaCode, Household};
use postgres::binary_copy::BinaryCopyInWriter;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::bulk::HouseholdHistory;
use crate::db::{pg_params, Conn, Get, PgTx, Tx, Val};
use crate::error::{Result, StoreError};
use crate::households::{
    duplicate_number, merge, merge_histories, next_portal_row, village_range, Merge, StoredHistory,
    StoredHousehold,
};
use crate::schema::*;
use crate::Store;

/// Ids per province: province `PP` owns `PP·10¹² … (PP+1)·10¹² − 1`.
pub const PROVINCE_SPAN: i64 = 1_000_000_000_000;
/// Ids per partition group (a hundred groups per province).
pub const BLOCK_SPAN: i64 = 10_000_000_000;
/// Ids below this (the sequence's, written one by one) live in the `local` partition group.
pub const LOCAL_END: i64 = 10 * PROVINCE_SPAN;
/// Households a writer buffers before one round of `COPY`.
const WRITER_BATCH: usize = 20_000;
/// Serialises national loads (session advisory lock): two at once would pick the same blocks.
const NATIONAL_LOCK: i64 = 0x006a_7a6e_6174_696f; // "jznatio"

/// The registry tables with their partition keys and primary keys, parents first.
const TABLES: [(&str, &str, &str); 5] = [
    ("households", "id", "id"),
    (
        "household_versions",
        "household_id",
        "household_id, version",
    ),
    (
        "member_versions",
        "household_id",
        "household_id, version, seq",
    ),
    (
        "income_versions",
        "household_id",
        "household_id, version, year",
    ),
    ("status_events", "household_id", "household_id, id"),
];

const REGISTRY: &str = "ARRAY['households', 'household_versions', 'member_versions', \
                        'income_versions', 'status_events']::regclass[]";

/// How the registry tables are laid out (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One table each (SQLite always; PostgreSQL unless converted).
    Plain,
    /// PostgreSQL, partitioned by province on the household id.
    Partitioned,
}

/// One partition group of the national layout, with what it holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionInfo {
    /// `p51_b00`, or `local` for the households written one by one.
    pub name: String,
    /// Two-digit province code (`None` for `local`).
    pub province: Option<String>,
    /// First id of the group's range, and the end (exclusive).
    pub ids: (i64, i64),
    pub households: u64,
    pub versions: u64,
    pub members: u64,
    pub incomes: u64,
    pub events: u64,
}

/// What a national load wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NationalLoaded {
    pub households: u64,
    /// The partition groups attached, by name, each with its audit entry's sequence number.
    pub partitions: Vec<(PartitionInfo, i64)>,
}

pub(crate) fn layout(tx: &mut Tx<'_>) -> Result<Layout> {
    match tx {
        Tx::Sqlite(_) => Ok(Layout::Plain),
        Tx::Pg(t) => {
            let layout: String = t
                .query_one("SELECT layout FROM registry_layout", &[])?
                .try_get(0)?;
            Ok(if layout == "partitioned" {
                Layout::Partitioned
            } else {
                Layout::Plain
            })
        }
    }
}

fn pg<'a, 'c>(tx: &'a mut Tx<'c>) -> Result<&'a mut postgres::Transaction<'c>> {
    match tx {
        Tx::Pg(t) => Ok(&mut *t),
        Tx::Sqlite(_) => Err(StoreError::Invalid(
            "按省分区的全国库只适用于 PostgreSQL 数据库(SQLite 为单个文件, 不分区)".into(),
        )),
    }
}

fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// The keys, unique numbers and references of partition group `s` (tables `{table}_{s}`); with `keys`,
/// also the primary keys (a group being built; attached partitions inherit them from their parents).
fn group_constraints(s: &str, keys: bool) -> String {
    let mut sql = String::new();
    if keys {
        for (t, _, pk) in TABLES {
            sql.push_str(&format!(
                "ALTER TABLE {t}_{s} ADD CONSTRAINT {t}_{s}_pkey PRIMARY KEY ({pk});\n"
            ));
        }
    }
    sql.push_str(&format!(
        "ALTER TABLE households_{s} ADD CONSTRAINT households_{s}_number UNIQUE (household_no);\n\
         ALTER TABLE household_versions_{s} ADD CONSTRAINT household_versions_{s}_household \
           FOREIGN KEY (household_id) REFERENCES households_{s} (id);\n\
         ALTER TABLE member_versions_{s} ADD CONSTRAINT member_versions_{s}_version \
           FOREIGN KEY (household_id, version) REFERENCES household_versions_{s} (household_id, version);\n\
         ALTER TABLE income_versions_{s} ADD CONSTRAINT income_versions_{s}_version \
           FOREIGN KEY (household_id, version) REFERENCES household_versions_{s} (household_id, version);\n\
         ALTER TABLE status_events_{s} ADD CONSTRAINT status_events_{s}_household \
           FOREIGN KEY (household_id) REFERENCES households_{s} (id);\n"
    ));
    sql
}

/// Converts the registry tables to the partitioned layout inside `tx` (see the module documentation),
/// moving the rows they hold. Returns the number of households moved, or `None` when the registry was
/// partitioned already.
pub(crate) fn partition(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    actor: &Actor,
    reason: &str,
) -> Result<Option<u64>> {
    if layout(tx)? == Layout::Partitioned {
        return Ok(None);
    }
    let t = pg(tx)?;
    t.batch_execute(
        "LOCK TABLE households, household_versions, member_versions, income_versions, status_events \
         IN ACCESS EXCLUSIVE MODE",
    )?;
    // Other tables' references to the registry (monitoring, economy, projects, … → households), to be
    // dropped and made again on the new tables.
    let outside: Vec<(String, String, String)> = t
        .query(
            &format!(
                "SELECT c.conrelid::regclass::text, c.conname::text, pg_get_constraintdef(c.oid) \
                 FROM pg_constraint c WHERE c.contype = 'f' AND c.confrelid = ANY({REGISTRY}) \
                 AND NOT c.conrelid = ANY({REGISTRY}) ORDER BY 1, 2"
            ),
            &[],
        )?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
        .collect::<Result<_>>()?;
    // Secondary indexes (not behind a constraint), made again on the partitioned parents.
    let indexes: Vec<(String, bool)> = t
        .query(
            &format!(
                "SELECT pg_get_indexdef(i.indexrelid), i.indisunique FROM pg_index i \
                 WHERE i.indrelid = ANY({REGISTRY}) \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1"
            ),
            &[],
        )?
        .iter()
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .collect::<Result<_>>()?;
    if let Some((def, _)) = indexes.iter().find(|(_, unique)| *unique) {
        return Err(StoreError::Invalid(format!(
            "登记表上有不含户 ID 的唯一索引, 无法按省分区: {def}"
        )));
    }
    for (rel, name, _) in &outside {
        t.batch_execute(&format!(
            "ALTER TABLE {rel} DROP CONSTRAINT {}",
            quote(name)
        ))?;
    }
    let mut sequences = Vec::new();
    for (table, col) in [("households", "id"), ("status_events", "id")] {
        let seq: Option<String> = t
            .query_one("SELECT pg_get_serial_sequence($1, $2)", &[&table, &col])?
            .try_get(0)?;
        if let Some(seq) = seq {
            t.batch_execute(&format!("ALTER SEQUENCE {seq} OWNED BY NONE"))?;
            sequences.push((seq, table, col));
        }
    }
    for (table, _, _) in TABLES {
        t.batch_execute(&format!("ALTER TABLE {table} RENAME TO {table}_plain"))?;
    }
    for (table, key, _) in TABLES {
        t.batch_execute(&format!(
            "CREATE TABLE {table} (LIKE {table}_plain INCLUDING DEFAULTS) PARTITION BY RANGE ({key});\n\
             CREATE TABLE {table}_local PARTITION OF {table} FOR VALUES FROM (MINVALUE) TO ({LOCAL_END});"
        ))?;
    }
    let mut moved = 0;
    for (table, _, _) in TABLES {
        let n = t.execute(
            &format!("INSERT INTO {table} SELECT * FROM {table}_plain"),
            &[],
        )?;
        if table == "households" {
            moved = n;
        }
    }
    for (table, _, _) in TABLES.iter().rev() {
        t.batch_execute(&format!("DROP TABLE {table}_plain"))?;
    }
    for (seq, table, col) in &sequences {
        t.batch_execute(&format!("ALTER SEQUENCE {seq} OWNED BY {table}.{col}"))?;
    }
    for (table, _, pk) in TABLES {
        t.batch_execute(&format!(
            "ALTER TABLE {table} ADD CONSTRAINT {table}_pkey PRIMARY KEY ({pk})"
        ))?;
    }
    for (def, _) in &indexes {
        t.batch_execute(def)?;
    }
    t.batch_execute(&group_constraints("local", false))?;
    for (rel, name, def) in &outside {
        t.batch_execute(&format!(
            "ALTER TABLE {rel} ADD CONSTRAINT {} {def}",
            quote(name)
        ))?;
    }
    t.execute(
        "UPDATE registry_layout SET layout = 'partitioned', changed_at = $1",
        &[&at],
    )?;
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "registry.partition",
            entity: "registry",
            entity_id: "layout".into(),
            reason,
            detail: json!({
                "layout": "partitioned",
                "key": "household id: province PP owns PP*10^12 .. (PP+1)*10^12-1",
                "households_moved": moved,
            }),
        },
    )?;
    Ok(Some(moved))
}

/// The id range of `province` (two digits).
fn province_range(province: &str) -> Result<(i64, i64)> {
    let pp: i64 = province
        .parse()
        .ok()
        .filter(|p| (11..=99).contains(p))
        .ok_or_else(|| StoreError::Invalid(format!("省级区划代码「{province}」无效")))?;
    Ok((pp * PROVINCE_SPAN, (pp + 1) * PROVINCE_SPAN))
}

/// The inclusive id ranges a scan of `within` reads: its province's, and the `local` group's.
fn scan_ranges(within: &AreaCode) -> Result<Vec<(i64, i64)>> {
    let province = within.as_str().get(..2).unwrap_or_default();
    let (lo, hi) = province_range(province)?;
    Ok(vec![(0, LOCAL_END - 1), (lo, hi - 1)])
}

/// Every partition group with what it holds now, by name (`local` first).
pub(crate) fn partitions(tx: &mut Tx<'_>) -> Result<Vec<PartitionInfo>> {
    let t = pg(tx)?;
    let names: Vec<String> = t
        .query(
            "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
             WHERE i.inhparent = 'households'::regclass ORDER BY 1",
            &[],
        )?
        .iter()
        .map(|r| r.try_get(0))
        .collect::<std::result::Result<_, _>>()?;
    let mut out = Vec::new();
    for name in names {
        let Some(s) = name.strip_prefix("households_") else {
            continue;
        };
        let (province, ids) = match parse_group(s) {
            Some((pp, block)) => {
                let (lo, _) = province_range(&pp)?;
                let first = lo + i64::from(block) * BLOCK_SPAN;
                (Some(pp), (first, first + BLOCK_SPAN))
            }
            None => (None, (0, LOCAL_END)),
        };
        let mut count = |table: &str| -> Result<u64> {
            let n: i64 = t
                .query_one(&format!("SELECT count(*) FROM {table}_{s}"), &[])?
                .try_get(0)?;
            Ok(n as u64)
        };
        out.push(PartitionInfo {
            name: s.to_owned(),
            province,
            ids,
            households: count("households")?,
            versions: count("household_versions")?,
            members: count("member_versions")?,
            incomes: count("income_versions")?,
            events: count("status_events")?,
        });
    }
    out.sort_by_key(|p| (p.province.is_some(), p.name.clone()));
    Ok(out)
}

/// `p51_b03` → ("51", 3).
fn parse_group(s: &str) -> Option<(String, u32)> {
    let (p, b) = s.strip_prefix('p')?.split_once("_b")?;
    if p.len() != 2 || !p.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((p.to_owned(), b.parse().ok()?))
}

/// The partitions of `households` a current scan of `within` reads, from the plan (`EXPLAIN`): how a test
/// shows that a province's scan leaves the other provinces' partitions alone.
pub(crate) fn partitions_read(tx: &mut Tx<'_>, within: &AreaCode) -> Result<Vec<String>> {
    let ranges = scan_ranges(within)?;
    let (a, b) = village_range(within);
    let t = pg(tx)?;
    let mut out = Vec::new();
    for (lo, hi) in ranges {
        for row in t.query(
            &format!(
                "EXPLAIN SELECT h.id FROM households h \
                 WHERE h.id BETWEEN {lo} AND {hi} AND h.village_code BETWEEN $1 AND $2"
            ),
            &[&a, &b],
        )? {
            let line: &str = row.try_get(0)?;
            // "Seq Scan on households_p51_b00 h", "Index Scan using … on households_local h_1"; a bitmap
            // index scan names the index, its heap scan the table.
            if line.contains("Bitmap Index Scan") {
                continue;
            }
            if let Some((_, rest)) = line.rsplit_once(" on households") {
                let name = rest.split_whitespace().next().unwrap_or_default();
                out.push(format!("households{name}"));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

// ---- Scans ----

/// A portal's rows fetched but not yet read, and whether it is exhausted.
type Buffered = RefCell<(VecDeque<postgres::Row>, bool)>;

/// Portals over `sqls` (the four ordered queries of a scan) on one transaction, read in step.
struct Portals<'t, 'c> {
    cell: RefCell<&'t mut postgres::Transaction<'c>>,
    portals: Vec<(postgres::Portal, Buffered)>,
}

impl<'t, 'c> Portals<'t, 'c> {
    fn open(t: &'t mut postgres::Transaction<'c>, sqls: [(&str, &[Val<'_>]); 4]) -> Result<Self> {
        let mut portals = Vec::with_capacity(4);
        for (sql, params) in sqls {
            portals.push((
                t.bind(sql, &pg_params(params))?,
                RefCell::new((VecDeque::new(), false)),
            ));
        }
        Ok(Portals {
            cell: RefCell::new(t),
            portals,
        })
    }

    fn next(&self, k: usize) -> Result<Option<postgres::Row>> {
        let (portal, state) = &self.portals[k];
        let (buf, done) = &mut *state.borrow_mut();
        next_portal_row(&self.cell, portal, buf, done)
    }
}

/// `alias.col BETWEEN lo AND hi`: the id range written into every table's condition, so that the
/// planner keeps only the partitions of that range.
fn within_ids(alias: &str, col: &str, (lo, hi): (i64, i64)) -> String {
    format!("{alias}.{col} BETWEEN {lo} AND {hi}")
}

/// Households of `within` as of `as_of` (current when `None`) with the incomes of `income_year` (all years
/// when `None`), read from the partitions of its province and the `local` group: the plain layout's
/// `households::scan_incomes_of` with each table's id range spelled out.
pub(crate) fn scan(
    tx: &mut Tx<'_>,
    within: &AreaCode,
    as_of: Option<NaiveDate>,
    income_year: Option<u16>,
    f: &mut dyn FnMut(StoredHousehold) -> Result<()>,
) -> Result<usize> {
    let (a, b) = village_range(within);
    let t = pg(tx)?;
    let mut n = 0;
    for range in scan_ranges(within)? {
        let (from, filter, params): (String, &str, Vec<Val<'_>>) = match as_of {
            None => (
                format!(
                    "households h JOIN household_versions v ON v.household_id = h.id \
                     AND v.version = h.current_version AND {} AND {}",
                    within_ids("v", "household_id", range),
                    within_ids("h", "id", range)
                ),
                "h.village_code BETWEEN $1 AND $2",
                vec![Val::Owned(a.clone()), Val::Owned(b.clone())],
            ),
            Some(d) => (
                format!(
                    "(SELECT DISTINCT ON (household_id) household_id, version FROM household_versions w \
                     WHERE {} AND effective_from <= $3 ORDER BY household_id, effective_from DESC, version DESC) s \
                     JOIN households h ON h.id = s.household_id AND {} \
                     JOIN household_versions v ON v.household_id = s.household_id AND v.version = s.version AND {}",
                    within_ids("w", "household_id", range),
                    within_ids("h", "id", range),
                    within_ids("v", "household_id", range)
                ),
                "v.village_code BETWEEN $1 AND $2",
                vec![Val::Owned(a.clone()), Val::Owned(b.clone()), Val::date(d)],
            ),
        };
        let version_sql = format!(
            "SELECT {} FROM {from} WHERE {filter} ORDER BY h.id",
            col_list(HOUSEHOLD_VERSION_COLS, "v")
        );
        let member_sql = format!(
            "SELECT {} FROM {from} JOIN member_versions m ON m.household_id = v.household_id \
             AND m.version = v.version AND {} WHERE {filter} ORDER BY h.id, m.seq",
            col_list(MEMBER_COLS, "m"),
            within_ids("m", "household_id", range)
        );
        let year = income_year
            .map(|y| format!(" AND i.year = {y}"))
            .unwrap_or_default();
        let income_sql = format!(
            "SELECT {} FROM {from} JOIN income_versions i ON i.household_id = v.household_id \
             AND i.version = v.version{year} AND {} WHERE {filter} ORDER BY h.id, i.year",
            col_list(INCOME_COLS, "i"),
            within_ids("i", "household_id", range)
        );
        let event_sql = format!(
            "SELECT {} FROM {from} JOIN status_events e ON e.household_id = h.id AND {} \
             WHERE {filter}{} ORDER BY h.id, e.effective, e.id",
            col_list(EVENT_COLS, "e"),
            within_ids("e", "household_id", range),
            if as_of.is_some() {
                " AND e.effective <= $3"
            } else {
                ""
            }
        );
        let p = Portals::open(
            t,
            [
                (&version_sql, &params),
                (&member_sql, &params),
                (&income_sql, &params),
                (&event_sql, &params),
            ],
        )?;
        let versions = Merge::new(|| {
            p.next(0)?
                .map(|r| decode_version(&r, 0).map(|v| (v.id, v)))
                .transpose()
        });
        let members = Merge::new(|| p.next(1)?.map(|r| decode_member(&r)).transpose());
        let incomes = Merge::new(|| p.next(2)?.map(|r| decode_income(&r)).transpose());
        let events = Merge::new(|| p.next(3)?.map(|r| decode_event(&r)).transpose());
        n += merge(versions, members, incomes, events, f)?;
    }
    Ok(n)
}

/// Every household ever filed in `within` with all its versions and events, from the partitions of its
/// province and the `local` group: the plain layout's `households::scan_histories` with each table's id
/// range spelled out.
pub(crate) fn scan_histories(
    tx: &mut Tx<'_>,
    within: &AreaCode,
    f: &mut dyn FnMut(StoredHistory) -> Result<()>,
) -> Result<usize> {
    let (a, b) = village_range(within);
    let params = vec![Val::Owned(a), Val::Owned(b)];
    let t = pg(tx)?;
    let mut n = 0;
    for range in scan_ranges(within)? {
        let filter = format!(
            "{} AND EXISTS (SELECT 1 FROM household_versions w WHERE w.household_id = h.id \
             AND {} AND w.village_code BETWEEN $1 AND $2)",
            within_ids("h", "id", range),
            within_ids("w", "household_id", range)
        );
        let version_sql = format!(
            "SELECT {} FROM households h JOIN household_versions v ON v.household_id = h.id AND {} \
             WHERE {filter} ORDER BY h.id, v.version",
            col_list(HOUSEHOLD_VERSION_COLS, "v"),
            within_ids("v", "household_id", range)
        );
        let member_sql = format!(
            "SELECT {} FROM households h JOIN member_versions m ON m.household_id = h.id AND {} \
             WHERE {filter} ORDER BY h.id, m.version, m.seq",
            col_list(MEMBER_COLS, "m"),
            within_ids("m", "household_id", range)
        );
        let income_sql = format!(
            "SELECT {} FROM households h JOIN income_versions i ON i.household_id = h.id AND {} \
             WHERE {filter} ORDER BY h.id, i.version, i.year",
            col_list(INCOME_COLS, "i"),
            within_ids("i", "household_id", range)
        );
        let event_sql = format!(
            "SELECT {} FROM households h JOIN status_events e ON e.household_id = h.id AND {} \
             WHERE {filter} ORDER BY h.id, e.effective, e.id",
            col_list(EVENT_COLS, "e"),
            within_ids("e", "household_id", range)
        );
        let p = Portals::open(
            t,
            [
                (&version_sql, &params),
                (&member_sql, &params),
                (&income_sql, &params),
                (&event_sql, &params),
            ],
        )?;
        let versions = Merge::new(|| {
            p.next(0)?
                .map(|r| decode_version(&r, 0).map(|v| (v.id, v)))
                .transpose()
        });
        let members = Merge::new(|| {
            p.next(1)?
                .map(|r| {
                    let (id, m) = decode_member(&r)?;
                    Ok(((id, r.i64(1)?), m))
                })
                .transpose()
        });
        let incomes = Merge::new(|| {
            p.next(2)?
                .map(|r| {
                    let (id, i) = decode_income(&r)?;
                    Ok(((id, r.i64(1)?), i))
                })
                .transpose()
        });
        let events = Merge::new(|| p.next(3)?.map(|r| decode_event(&r)).transpose());
        n += merge_histories(versions, members, incomes, events, f)?;
    }
    Ok(n)
}

// ---- National loads ----

/// A partition group a writer is building: its tables are `{table}_{name}`.
struct Group {
    province: String,
    name: String,
    first: i64,
    next: i64,
    households: u64,
    versions: u64,
    members: u64,
    incomes: u64,
    events: u64,
    min_no: Option<String>,
    max_no: Option<String>,
    earliest: Option<NaiveDate>,
}

impl Group {
    fn info(&self) -> PartitionInfo {
        PartitionInfo {
            name: self.name.clone(),
            province: Some(self.province.clone()),
            ids: (self.first, self.first + BLOCK_SPAN),
            households: self.households,
            versions: self.versions,
            members: self.members,
            incomes: self.incomes,
            events: self.events,
        }
    }

    fn add_number(&mut self, no: &str) {
        if self.min_no.as_deref().is_none_or(|m| no < m) {
            self.min_no = Some(no.to_owned());
        }
        if self.max_no.as_deref().is_none_or(|m| no > m) {
            self.max_no = Some(no.to_owned());
        }
    }
}

/// What every writer shares: the next free block of each province, and the bookkeeping of the rows.
struct Plan<'a> {
    blocks: Mutex<HashMap<String, u32>>,
    meta: VersionMeta,
    actor: &'a Actor,
    /// `CREATE INDEX` tails (` USING btree (village_code)`) of the parents' secondary indexes, by table.
    indexes: Vec<(String, String)>,
}

impl Plan<'_> {
    fn take_block(&self, province: &str) -> Result<u32> {
        let mut blocks = self.blocks.lock().unwrap_or_else(|e| e.into_inner());
        let next = blocks.entry(province.to_owned()).or_insert(0);
        let block = *next;
        if i64::from(block) * BLOCK_SPAN >= PROVINCE_SPAN {
            return Err(StoreError::Invalid(format!(
                "省 {province} 的分区已用尽 ({} 个)",
                PROVINCE_SPAN / BLOCK_SPAN
            )));
        }
        *next += 1;
        Ok(block)
    }
}

/// Loads households into new partition groups of the national layout (see the module documentation):
/// `batches` is read on this thread and handed to `writers` writer threads (an `Err` from it abandons the
/// load, as a writer's failure does); `progress` sees the running
/// count of households handed over. All or nothing.
pub(crate) fn load(
    store: &Store,
    batches: &mut dyn Iterator<Item = Result<Vec<HouseholdHistory>>>,
    writers: usize,
    actor: &Actor,
    reason: &str,
    progress: &mut dyn FnMut(usize),
) -> Result<NationalLoaded> {
    let mut coordinator = store.lock_long()?;
    let Conn::Pg(client) = &mut *coordinator.guard else {
        return Err(StoreError::Invalid(
            "全国库的并行载入只适用于 PostgreSQL 数据库".into(),
        ));
    };
    {
        let mut tx = Tx::Pg(PgTx::uncached(client.transaction()?));
        if layout(&mut tx)? != Layout::Partitioned {
            return Err(StoreError::Invalid(
                "登记表未按省分区: 请先运行 `jingzhun init --partitioned`".into(),
            ));
        }
        tx.commit()?;
    }
    let locked: bool = client
        .query_one("SELECT pg_try_advisory_lock($1)", &[&NATIONAL_LOCK])?
        .try_get(0)?;
    if !locked {
        return Err(StoreError::Busy(
            "另一个全国载入正在进行, 请等它结束后再载入".into(),
        ));
    }
    let result = load_locked(store, client, batches, writers, actor, reason, progress);
    let _ = client.execute("SELECT pg_advisory_unlock($1)", &[&NATIONAL_LOCK]);
    result
}

fn load_locked(
    store: &Store,
    client: &mut postgres::Client,
    batches: &mut dyn Iterator<Item = Result<Vec<HouseholdHistory>>>,
    writers: usize,
    actor: &Actor,
    reason: &str,
    progress: &mut dyn FnMut(usize),
) -> Result<NationalLoaded> {
    let at = store.now();
    // The next free block of every province that has partitions.
    let mut blocks: HashMap<String, u32> = HashMap::new();
    for row in client.query(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid \
         WHERE i.inhparent = 'households'::regclass",
        &[],
    )? {
        let name: String = row.try_get(0)?;
        if let Some((pp, block)) = name.strip_prefix("households_").and_then(parse_group) {
            let next = blocks.entry(pp).or_insert(0);
            *next = (*next).max(block + 1);
        }
    }
    let indexes = client
        .query(
            &format!(
                "SELECT c.relname::text, pg_get_indexdef(i.indexrelid) FROM pg_index i \
                 JOIN pg_class c ON c.oid = i.indrelid WHERE i.indrelid = ANY({REGISTRY}) \
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
            ),
            &[],
        )?
        .iter()
        .map(|r| -> Result<(String, String)> {
            let def: String = r.try_get(1)?;
            let tail = def
                .find(" USING ")
                .map(|k| def[k..].to_owned())
                .ok_or_else(|| StoreError::Invalid(format!("无法解析索引定义: {def}")))?;
            Ok((r.try_get(0)?, tail))
        })
        .collect::<Result<Vec<_>>>()?;
    let plan = Plan {
        blocks: Mutex::new(blocks),
        meta: VersionMeta {
            effective_from: NaiveDate::MIN,
            recorded_at: at,
            recorded_by: actor.account.clone(),
            reason: reason.to_owned(),
        },
        actor,
        indexes,
    };
    let writers = writers.max(1);
    let (tx, rx) = mpsc::sync_channel::<Vec<HouseholdHistory>>(writers * 2);
    let rx = Mutex::new(rx);
    let (built, failure) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..writers)
            .map(|_| {
                let (rx, plan) = (&rx, &plan);
                scope.spawn(move || write_groups(store, rx, plan))
            })
            .collect();
        let mut sent = 0;
        // The source's own failure (a generator's, a file's) ends the load as a writer's does.
        let mut failure = None;
        for batch in batches {
            let batch = match batch {
                Ok(b) => b,
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            };
            sent += batch.len();
            if tx.send(batch).is_err() {
                break;
            }
            progress(sent);
        }
        drop(tx);
        let mut built = Vec::new();
        for h in handles {
            match h.join() {
                Ok(Ok(groups)) => built.extend(groups),
                Ok(Err(e)) => failure = failure.or(Some(e)),
                Err(_) => {
                    failure = failure.or(Some(StoreError::Invalid(
                        "全国载入的写入线程异常退出".into(),
                    )))
                }
            }
        }
        (built, failure)
    });
    let drop_all = |client: &mut postgres::Client, groups: &[Group]| {
        for g in groups {
            for (table, _, _) in TABLES.iter().rev() {
                let _ = client.batch_execute(&format!("DROP TABLE IF EXISTS {table}_{}", g.name));
            }
        }
    };
    if let Some(e) = failure {
        drop_all(client, &built);
        return Err(e);
    }
    let mut built = built;
    built.sort_by(|a, b| a.name.cmp(&b.name));
    match attach(client, &built, at, plan.actor, reason) {
        Ok(seqs) => Ok(NationalLoaded {
            households: built.iter().map(|g| g.households).sum(),
            partitions: built.iter().map(Group::info).zip(seqs).collect(),
        }),
        Err(e) => {
            drop_all(client, &built);
            Err(e)
        }
    }
}

/// Attaches the built groups in one transaction, after comparing their household numbers with the
/// registry's, with one audit entry per group. Returns the entries' sequence numbers.
fn attach(
    client: &mut postgres::Client,
    groups: &[Group],
    at: DateTime<Utc>,
    actor: &Actor,
    reason: &str,
) -> Result<Vec<i64>> {
    let mut tx = Tx::Pg(PgTx::uncached(client.transaction()?));
    let mut seqs = Vec::with_capacity(groups.len());
    for g in groups {
        let s = &g.name;
        let t = pg(&mut tx)?;
        // The registry (with the groups attached before this one) must not have any of these numbers.
        if let Some(row) = t.query_opt(
            &format!(
                "SELECT n.household_no FROM households_{s} n \
                 WHERE EXISTS (SELECT 1 FROM households h WHERE h.household_no = n.household_no) LIMIT 1"
            ),
            &[],
        )? {
            return Err(duplicate_number(row.try_get::<_, &str>(0)?));
        }
        for (table, _, _) in TABLES {
            t.batch_execute(&format!(
                "ALTER TABLE {table} ATTACH PARTITION {table}_{s} FOR VALUES FROM ({}) TO ({})",
                g.first,
                g.first + BLOCK_SPAN
            ))?;
        }
        let seq = audit::append(
            &mut tx,
            at,
            actor,
            Change {
                action: "household.national_load",
                entity: "area",
                entity_id: g.province.clone(),
                reason,
                detail: json!({
                    "partition": g.name,
                    "province": g.province,
                    "first_id": g.first,
                    "end_id": g.first + BLOCK_SPAN,
                    "households": g.households,
                    "versions": g.versions,
                    "members": g.members,
                    "incomes": g.incomes,
                    "events": g.events,
                    "first_no": g.min_no,
                    "last_no": g.max_no,
                    "effective_from": g.earliest.map(|d| d.to_string()),
                }),
            },
        )?;
        seqs.push(seq);
    }
    tx.commit()?;
    Ok(seqs)
}

/// One writer: takes batches until the channel closes, writes each province's households into a group of
/// its own, builds the groups' keys and indexes, and commits (the groups are not attached yet).
fn write_groups(
    store: &Store,
    rx: &Mutex<mpsc::Receiver<Vec<HouseholdHistory>>>,
    plan: &Plan<'_>,
) -> Result<Vec<Group>> {
    let mut held = store.lock_long()?;
    let Conn::Pg(client) = &mut *held.guard else {
        return Err(StoreError::Invalid("全国载入只适用于 PostgreSQL".into()));
    };
    let mut t = client.transaction()?;
    // The groups are invisible until attached and dropped on failure, so a crash loses nothing a commit
    // has promised; the index builds get room.
    t.batch_execute(
        "SET LOCAL synchronous_commit = off; SET LOCAL maintenance_work_mem = '256MB'",
    )?;
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut pending: Vec<HouseholdHistory> = Vec::with_capacity(WRITER_BATCH);
    loop {
        let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
        let Ok(batch) = next else { break };
        pending.extend(batch);
        if pending.len() >= WRITER_BATCH {
            flush(&mut t, &mut groups, &mut pending, plan)?;
        }
    }
    flush(&mut t, &mut groups, &mut pending, plan)?;
    for g in groups.values() {
        let s = &g.name;
        let mut sql = group_constraints(s, true);
        for (table, key, _) in TABLES {
            sql.push_str(&format!(
                "ALTER TABLE {table}_{s} ADD CONSTRAINT {table}_{s}_ids CHECK ({key} >= {} AND {key} < {});\n",
                g.first,
                g.first + BLOCK_SPAN
            ));
        }
        for (table, tail) in &plan.indexes {
            sql.push_str(&format!("CREATE INDEX ON {table}_{s}{tail};\n"));
        }
        for (table, _, _) in TABLES {
            sql.push_str(&format!("ANALYZE {table}_{s};\n"));
        }
        t.batch_execute(&sql)?;
    }
    t.commit()?;
    Ok(groups.into_values().collect())
}

/// Writes `pending` (emptied) into the writer's groups, one round of `COPY FREEZE` per table and province.
fn flush(
    t: &mut postgres::Transaction<'_>,
    groups: &mut BTreeMap<String, Group>,
    pending: &mut Vec<HouseholdHistory>,
    plan: &Plan<'_>,
) -> Result<()> {
    let mut by_province: BTreeMap<String, Vec<HouseholdHistory>> = BTreeMap::new();
    for h in pending.drain(..) {
        h.check()?;
        let province = h
            .versions
            .last()
            .map(|(_, c)| c.village.as_str().get(..2).unwrap_or_default().to_owned())
            .unwrap_or_default();
        by_province.entry(province).or_default().push(h);
    }
    for (province, items) in by_province {
        if !groups.contains_key(&province) {
            let (lo, _) = province_range(&province)?;
            let block = plan.take_block(&province)?;
            let name = format!("p{province}_b{block:02}");
            let mut sql = String::new();
            for (table, _, _) in TABLES {
                sql.push_str(&format!(
                    "CREATE TABLE {table}_{name} (LIKE {table} INCLUDING DEFAULTS);\n"
                ));
            }
            t.batch_execute(&sql)?;
            let first = lo + i64::from(block) * BLOCK_SPAN;
            groups.insert(
                province.clone(),
                Group {
                    province: province.clone(),
                    name,
                    first,
                    next: first,
                    households: 0,
                    versions: 0,
                    members: 0,
                    incomes: 0,
                    events: 0,
                    min_no: None,
                    max_no: None,
                    earliest: None,
                },
            );
        }
        let Some(g) = groups.get_mut(&province) else {
            continue;
        };
        write_items(t, g, &items, plan)?;
    }
    Ok(())
}

/// One binary `COPY … FREEZE` of `rows` into `table` (created in this transaction).
fn copy_freeze<'r>(
    t: &mut postgres::Transaction<'_>,
    table: &str,
    cols: Cols,
    rows: impl Iterator<Item = Vec<Val<'r>>>,
) -> Result<u64> {
    let sql = format!(
        "COPY {table} ({}) FROM STDIN (FORMAT binary, FREEZE)",
        col_list(cols, "")
    );
    let mut w = BinaryCopyInWriter::new(t.copy_in(&sql)?, &pg_types(cols));
    for vals in rows {
        w.write(&pg_params(&vals))?;
    }
    Ok(w.finish()?)
}

fn write_items(
    t: &mut postgres::Transaction<'_>,
    g: &mut Group,
    items: &[HouseholdHistory],
    plan: &Plan<'_>,
) -> Result<()> {
    let first = g.next;
    if first + items.len() as i64 > g.first + BLOCK_SPAN {
        return Err(StoreError::Invalid(format!(
            "分区 {} 的户 ID 已用尽",
            g.name
        )));
    }
    g.next += items.len() as i64;
    for h in items {
        g.add_number(h.number()?);
        for (d, _) in &h.versions {
            g.earliest = Some(g.earliest.map_or(*d, |e| e.min(*d)));
        }
    }
    let s = &g.name;
    let ids = || (first..).zip(items.iter());
    let metas: Vec<Vec<VersionMeta>> = items
        .iter()
        .map(|h| {
            h.versions
                .iter()
                .map(|(effective, _)| VersionMeta {
                    effective_from: *effective,
                    ..plan.meta.clone()
                })
                .collect()
        })
        .collect();
    let versions = || {
        ids().zip(&metas).flat_map(|((id, h), metas)| {
            h.versions
                .iter()
                .zip(metas)
                .enumerate()
                .map(move |(k, ((_, household), meta))| (id, k as i64 + 1, household, meta))
        })
    };
    g.households += copy_freeze(
        t,
        &format!("households_{s}"),
        HOUSEHOLD_COLS,
        ids().filter_map(|(id, h)| {
            let (_, current) = h.versions.last()?;
            Some(vec![
                Val::I64(id),
                Val::Str(current.number.as_str()),
                Val::Str(current.village.as_str()),
                Val::I64(h.versions.len() as i64),
            ])
        }),
    )?;
    g.versions += copy_freeze(
        t,
        &format!("household_versions_{s}"),
        HOUSEHOLD_VERSION_COLS,
        versions().map(|(id, version, h, meta)| {
            let mut v = Vec::with_capacity(HOUSEHOLD_VERSION_COLS.len());
            household_vals(&mut v, id, version, meta, h);
            v
        }),
    )?;
    g.members += copy_freeze(
        t,
        &format!("member_versions_{s}"),
        MEMBER_COLS,
        versions().flat_map(|(id, version, h, _): (i64, i64, &Household, _)| {
            h.members.iter().enumerate().map(move |(i, m)| {
                let mut v = Vec::with_capacity(MEMBER_COLS.len());
                member_vals(&mut v, id, version, i as i64 + 1, m);
                v
            })
        }),
    )?;
    g.incomes += copy_freeze(
        t,
        &format!("income_versions_{s}"),
        INCOME_COLS,
        versions().flat_map(|(id, version, h, _): (i64, i64, &Household, _)| {
            h.incomes.iter().map(move |r| {
                let mut v = Vec::with_capacity(INCOME_COLS.len());
                income_vals(&mut v, id, version, r);
                v
            })
        }),
    )?;
    let recorded_by = plan.actor.account.as_str();
    g.events += copy_freeze(
        t,
        &format!("status_events_{s}"),
        EVENT_COLS,
        ids().flat_map(|(id, h)| {
            h.events.iter().map(move |e| {
                let mut v = Vec::with_capacity(EVENT_COLS.len());
                event_vals(&mut v, id, e, plan.meta.recorded_at, recorded_by);
                v
            })
        }),
    )?;
    Ok(())
}
