//! The data-access layer of jingzhun: the only crate with SQL. One synchronous API over **SQLite** (the
//! default: one file, WAL) and **PostgreSQL**, chosen by the URL given to [`Store::open`].
//!
//! # Schema
//!
//! - `households(id, household_no UNIQUE, village_code, current_version)`: identity, plus the current number
//!   and village copied from the current version for lookups and area counts.
//! - `household_versions(household_id, version, effective_from, recorded_at, recorded_by, reason, …)`: one
//!   row per version with every household column as a real column.
//! - `member_versions(household_id, version, seq, …)` and `income_versions(household_id, version, year, …)`:
//!   a **full snapshot per version** (simplest to read back and to query in SQL; a snapshot costs a few rows).
//!   Incomes have one integer column per [`jingzhun_core::IncomeComponent`], in fen, named by the
//!   component's code, so net income is computable in SQL.
//! - `status_events(id, household_id, kind, effective, monitoring_kind, risk_types, note, recorded_at,
//!   recorded_by)`: appended, never edited.
//! - The monitoring mechanism (`monitoring` module, migration 0004): `monitoring_cases(id '{household}-{n}',
//!   household_id, case_no, village_code, kind, channel, monitoring_kind, risk_types, opened_at, state,
//!   next_step, closed_at, last_step_at, step_count)` with at most one `state = 'open'` row per household (a
//!   partial unique index), `case_steps(case_id, seq, step, outcome, recorded_by, recorded_at, note)`,
//!   `cadres(id, name, phone, unit, post, area_code)`, `cadre_assignments(cadre_id, household_id, from_date,
//!   to_date)`, `assistance_measures(id, household_id, kind, …, started, ended, amount_fen, case_id,
//!   cadre_id)` and `visits(id, household_id, cadre_id, visited_on, purpose, findings)`.
//! - `evaluation_snapshots` (migration 0012, `snapshots` module): an evaluated year's engine columns, counts
//!   and event facts as blobs, stamped with the audit sequence of the data they came from, so that reports
//!   restore a year instead of scanning the registry; [`Store::data_seq`] and [`Store::first_change_since`]
//!   read the audit log as the registry's change feed.
//! - `attachments` and `attachment_removals` (migration 0015, `attachments` module): files of a household or
//!   one of its cases (授权承诺书, visit and notice photos; JPEG, PNG or PDF recognised from the content),
//!   the content as `bytea`/BLOB or kept in a folder by SHA-256; a removal is recorded, never a deletion.
//! - `areas`, `area_changes` (renames and merges), `evaluation_runs`, `evaluation_proposals`, `audit_log`,
//!   `accounts` and `sessions` (for the web crate), `schema_migrations`.
//!
//! Migrations live in `migrations/{sqlite,postgres}/NNNN_name.sql` and run on [`Store::open`]; released ones
//! are pinned by checksum (see the `migrate` module).
//!
//! Enumerations are stored as their stable codes; sets of codes as the codes joined with `,`. Rows come back
//! in code or key order, never in collation order of Chinese text (PostgreSQL code columns are `COLLATE "C"`).
//! Members come back in the order given (`seq`), incomes in year order, events in effective-date order.
//!
//! Types per backend: SQLite keeps dates as ISO text (`YYYY-MM-DD`), timestamps as fixed-width UTC text with
//! microseconds and booleans as 0/1; PostgreSQL uses `DATE`, `TIMESTAMPTZ`, `BOOLEAN` and `BIGINT`. Both sort
//! and compare the same way (dates are clamped to years 1–9999), which the test suite checks on both.
//!
//! # History and the as-of rule
//!
//! No update destroys information: every change to a household (its fields, members or incomes, or a new
//! status event) writes a new version under the next version number, guarded by a compare-and-set on
//! `households.current_version`, so a stale writer gets [`StoreError::Conflict`] instead of overwriting.
//! The version **in force on date D** is the one with the greatest `(effective_from, version)` among those
//! with `effective_from <= D`; its status events are those with `effective <= D`. A backdated correction
//! (a new version with an earlier `effective_from`) is therefore in force from its date until the next
//! later-dated version takes over. Appending a status event copies the current snapshot into a new version
//! with the same `effective_from`, so reads of the data on any date are unchanged by it.
//!
//! # Bulk loads and scans
//!
//! [`Store::bulk_load`] commits in batches (50,000 households on SQLite, 10,000 on PostgreSQL via binary
//! `COPY`), each with one audit entry; on error the batch in progress is rolled back and earlier batches stay.
//! [`Store::import_households`] is all or nothing in one transaction; on PostgreSQL it writes its new
//! households with the same `COPY` writers inside that transaction (one audit entry per household).
//! [`Store::bulk_load_histories`] does the same for households that come with several versions.
//! [`Store::scan_households`] streams any number of households with four queries; its callback must not call
//! the same `Store` (that is refused with an error rather than deadlocking).
//! [`Store::scan_household_histories`] streams every version of every household, so that one read serves
//! as-of evaluations on many dates.
//!
//! # Monitoring cases
//!
//! A case's steps are recorded with a compare-and-set on its step count ([`StoreError::CaseConflict`] when
//! stale), only in the workflow's order ([`StoreError::StepOrder`]), and the county approval's decision (the
//! household's status event) in the same transaction as the step. [`Store::bulk_load_monitoring`] writes a
//! whole batch of cadres, pairings, cases, measures and visits in one transaction (prepared inserts on
//! SQLite, binary `COPY` on PostgreSQL) with one audit entry.
//!
//! # Audit chain
//!
//! Every write appends to `audit_log` in the same transaction (so a failed write leaves no entry). Entries
//! are hash-chained: `hash = SHA-256(tag, seq, at, actor, action, entity, entity_id, reason, detail,
//! prev_hash)`. [`Store::audit_verify`] recomputes the chain and reports edited, deleted or reordered
//! entries. Removing the newest entries cannot be detected from the chain alone: record
//! [`AuditReport::head_hash`] outside the database and compare. Audit details name changed fields, never
//! resident IDs, phone numbers or health data.
//!
//! # Concurrency
//!
//! A [`Store`] is `Send + Sync`; the web layer calls it through `spawn_blocking`.
//!
//! - **SQLite**: one writing connection behind a mutex; a file store also keeps three read-only connections
//!   that reads take when free, so concurrent reads neither wait for each other nor for the writer (WAL).
//!   SQLite takes the write lock at `BEGIN`.
//! - **PostgreSQL**: two connection pools ([`r2d2`]): one for interactive calls (page reads, edits, sign-in;
//!   [`StoreOptions::pg_pool_size`] connections) and one for long work — the scans that stream a whole area
//!   through portals, bulk loads, imports and their previews, saved evaluations, the audit verification
//!   ([`StoreOptions::pg_bulk_pool_size`]). A twenty-second import or a report scan therefore never holds a
//!   connection that a request is waiting for. Connections are opened on demand; one the server closed is
//!   dropped when it comes back to its pool and replaced by a fresh one on the next call.
//!   Audit appends are serialised across connections and processes by a transaction-scoped advisory lock
//!   taken before the chain head is read, so the chain stays one line in commit order.
//!
//! Writes are single transactions. Several stores (processes) may share one database.

mod accounts;
mod areas;
mod attachments;
mod audit;
mod bulk;
mod changes;
mod db;
mod department;
mod economy;
mod error;
mod evaluation;
mod households;
mod import;
mod migrate;
mod monitoring;
mod notices;
mod pg_national;
mod projects;
mod schema;
mod snapshots;
mod survey;

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::{
    Area, AreaChange, AreaCode, AreaTree, Household, HouseholdId, HouseholdNo, StatusEvent, Version,
};

pub use accounts::{AccountRow, NewAccountRow, SessionRow};
pub use attachments::{sha256_hex, AttachmentInfo, NewAttachment, Removal};
pub use audit::{
    Actor, AuditEntry, AuditFilter, AuditProblem, AuditProblemKind, AuditReport, GENESIS_HASH,
};
pub use bulk::HouseholdHistory;
pub use changes::{Changes, EndingMeasure, CHANGES_PER_CALL};
pub use department::MeasureDates;
pub use economy::{EconomyBatch, EconomyLoaded, Versioned};
pub use error::{Result, StoreError};
pub use evaluation::{EvaluationRun, ProposalRecord};
pub use households::{HouseholdLabel, StoredHistory, StoredHousehold, StoredVersion, VersionInfo};
pub use import::{ImportBasis, ImportOutcome, ImportedHousehold};
pub use jingzhun_core::projects::ProjectRecords;
pub use monitoring::{
    CaseCounts, CaseFilter, CaseOutline, MeasureCounts, MonitoringBatch, MonitoringImported,
    MonitoringLoaded,
};
pub use notices::StoredReview;
pub use pg_national::{Layout, NationalLoaded, PartitionInfo, BLOCK_SPAN, PROVINCE_SPAN};
pub use projects::{ProjectIds, ProjectsBatch};
pub use snapshots::{is_data_change, DataChange, NewSnapshot, SnapshotInfo, SnapshotPart};
pub use survey::{MemberChangeRecord, SurveyOutcome, SurveyRow};

use db::{Conn, Tx};

/// Where the time of a change comes from. Tests pass a fixed or stepping clock.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        })
    }
}

/// How a [`Store`] connects (PostgreSQL pool sizes; SQLite ignores them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreOptions {
    /// Connections for interactive calls (page reads, edits, sign-in). Default 8.
    pub pg_pool_size: u32,
    /// Connections for long work: whole-area scans, bulk loads, imports, saved evaluations. Default 3.
    pub pg_bulk_pool_size: u32,
    /// How long an interactive call waits for a free connection before failing. Default 30 s.
    pub pg_wait: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            pg_pool_size: 8,
            pg_bulk_pool_size: 3,
            pg_wait: Duration::from_secs(30),
        }
    }
}

/// Opens PostgreSQL connections for the pools ([`r2d2`]).
#[derive(Debug)]
struct PgManager {
    url: String,
}

impl r2d2::ManageConnection for PgManager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> std::result::Result<Conn, postgres::Error> {
        postgres::Client::connect(&self.url, postgres::NoTls)
            .map(|c| Conn::Pg(db::PgClient::new(c)))
    }

    fn is_valid(&self, conn: &mut Conn) -> std::result::Result<(), postgres::Error> {
        if let Conn::Pg(c) = conn {
            c.simple_query("")?;
        }
        Ok(())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        // A connection the server closed (restart, idle timeout, termination) is dropped on its way back
        // into the pool; the next call gets a fresh one.
        matches!(conn, Conn::Pg(c) if c.is_closed())
    }
}

type PgPool = r2d2::Pool<PgManager>;

/// Where a store's connections come from.
enum Connections {
    /// One writing connection; extra read-only connections of a SQLite file (WAL lets them read beside the
    /// writer): reads take a free one, so concurrent requests do not queue on the one connection that
    /// writes. No readers for in-memory SQLite.
    Sqlite {
        writer: Box<Mutex<Conn>>,
        readers: Vec<Mutex<Conn>>,
        /// The file, for long scans' connections of their own (`None` in memory).
        path: Option<String>,
    },
    /// The interactive pool and the pool for long work.
    Pg { interactive: PgPool, bulk: PgPool },
}

/// Which pool a call takes its PostgreSQL connection from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Work {
    Interactive,
    Long,
}

/// The registry database.
pub struct Store {
    backend: Backend,
    conns: Connections,
    clock: Arc<dyn Clock>,
    /// Access entries waiting to be written together ([`Store::record_access`]).
    accesses: accounts::AccessQueue,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

thread_local! {
    /// Addresses of the stores whose connection this thread holds (to refuse re-entrant calls).
    static HELD: std::cell::RefCell<Vec<usize>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A connection held for one call: a SQLite connection under its mutex or a pooled PostgreSQL one.
enum Guard<'a> {
    Local(MutexGuard<'a, Conn>),
    Pooled(Box<r2d2::PooledConnection<PgManager>>),
    /// A SQLite connection opened for one long scan, closed after it.
    Own(Box<Conn>),
}

impl Deref for Guard<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        match self {
            Guard::Local(g) => g,
            Guard::Pooled(c) => c,
            Guard::Own(c) => c,
        }
    }
}

impl DerefMut for Guard<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        match self {
            Guard::Local(g) => g,
            Guard::Pooled(c) => c,
            Guard::Own(c) => c,
        }
    }
}

/// A held connection; releases the re-entrancy mark when dropped.
struct Held<'a> {
    guard: Guard<'a>,
    key: usize,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        HELD.with(|h| {
            let mut h = h.borrow_mut();
            if let Some(i) = h.iter().rposition(|k| *k == self.key) {
                h.remove(i);
            }
        });
    }
}

/// One maintenance thread for every pool of the process (r2d2 starts three per pool by default).
fn pool_thread() -> Arc<scheduled_thread_pool::ScheduledThreadPool> {
    static POOL: OnceLock<Arc<scheduled_thread_pool::ScheduledThreadPool>> = OnceLock::new();
    Arc::clone(POOL.get_or_init(|| {
        Arc::new(
            scheduled_thread_pool::ScheduledThreadPool::builder()
                .num_threads(1)
                .thread_name_pattern("jz-pg-pool")
                .build(),
        )
    }))
}

fn pg_pool(url: &str, size: u32, wait: Duration) -> PgPool {
    r2d2::Pool::builder()
        .max_size(size.max(1))
        // Opened on demand and closed after ten idle minutes: many stores (tests, CLI commands) on one
        // server do not each hold a full pool.
        .min_idle(Some(0))
        .idle_timeout(Some(Duration::from_secs(600)))
        // A broken connection is found by `has_broken` (no round trip per call).
        .test_on_check_out(false)
        .connection_timeout(wait)
        .thread_pool(pool_thread())
        .build_unchecked(PgManager {
            url: url.to_owned(),
        })
}

/// SQLite's page cache per connection (`PRAGMA cache_size`, negative: KiB): 64 MiB.
pub(crate) const SQLITE_CACHE_KIB: i64 = -65_536;

/// Read-only connections kept beside a SQLite file's writing connection (see [`Store`]'s `readers`).
const SQLITE_READERS: usize = 3;

/// The path of a SQLite file database (`None` for PostgreSQL and in-memory SQLite).
fn sqlite_file(url: &str, backend: Backend) -> Option<&str> {
    if backend != Backend::Sqlite {
        return None;
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    (path != ":memory:" && !path.is_empty()).then_some(path)
}

/// A read-only connection to a SQLite file that the writing connection has already opened and migrated.
fn open_sqlite_reader(path: &str) -> Result<Conn> {
    let c = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    c.pragma_update(None, "cache_size", SQLITE_CACHE_KIB)?;
    c.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
    c.set_prepared_statement_cache_capacity(64);
    Ok(Conn::Sqlite(c))
}

/// How long a SQLite writer waits for another process's write lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(30);

impl Store {
    /// Opens a database and applies pending migrations.
    ///
    /// `postgres://…` or `postgresql://…` open PostgreSQL (libpq-style URL; `?options=-csearch_path%3Dx`
    /// selects a schema). `sqlite:PATH`, `sqlite://PATH`, `sqlite::memory:` or a plain path open SQLite.
    pub fn open(url: &str) -> Result<Store> {
        Store::open_with(url, &StoreOptions::default())
    }

    /// [`Store::open`] with pool sizes.
    pub fn open_with(url: &str, options: &StoreOptions) -> Result<Store> {
        Store::open_pg_or_sqlite(url, options, false)
    }

    /// Opens a **read-only copy** of a PostgreSQL database (a hot-standby replica) for reads that may lag
    /// the primary by a moment: report builds and exports. Runs no migration; refuses a replica whose
    /// migrations differ from this binary's. Every write through this store fails (the server refuses it).
    pub fn open_replica(url: &str, options: &StoreOptions) -> Result<Store> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StoreError::Invalid(format!(
                "只读副本须为 PostgreSQL 数据库(postgres://…), 而不是「{}」",
                url.split('@').next_back().unwrap_or_default()
            )));
        }
        Store::open_pg_or_sqlite(url, options, true)
    }

    fn open_pg_or_sqlite(url: &str, options: &StoreOptions, replica: bool) -> Result<Store> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // The migrations run on a connection of their own, which also reports a wrong URL or password
            // with the server's own words before any pool exists.
            let mut conn = Conn::Pg(db::PgClient::new(postgres::Client::connect(
                url,
                postgres::NoTls,
            )?));
            if replica {
                migrate::check(&mut conn)?;
            } else {
                migrate::run(&mut conn)?;
            }
            drop(conn);
            return Ok(Store {
                backend: Backend::Postgres,
                conns: Connections::Pg {
                    interactive: pg_pool(url, options.pg_pool_size, options.pg_wait),
                    // Long work waits for a free connection rather than failing: the callers (imports,
                    // report builds) are bounded by the web layer's limiter.
                    bulk: pg_pool(url, options.pg_bulk_pool_size, Duration::from_secs(3600)),
                },
                clock: Arc::new(SystemClock),
                accesses: accounts::AccessQueue::default(),
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() {
            return Err(StoreError::Invalid(format!(
                "数据库地址「{url}」缺少文件路径"
            )));
        }
        let c = if path == ":memory:" {
            rusqlite::Connection::open_in_memory()?
        } else {
            rusqlite::Connection::open(path)?
        };
        // WAL lets readers run beside the writer; NORMAL is durable across application crashes in WAL
        // mode; foreign keys are off by default in SQLite.
        // Larger pages mean fewer B-tree splits on bulk loads (about 15% less CPU measured); this only
        // takes effect on a new, empty file and must come before WAL is switched on.
        c.pragma_update(None, "page_size", 16_384)?;
        let _mode: String = c.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        c.pragma_update(None, "synchronous", "NORMAL")?;
        c.pragma_update(None, "foreign_keys", "ON")?;
        c.pragma_update(None, "cache_size", SQLITE_CACHE_KIB)?;
        c.busy_timeout(SQLITE_BUSY_TIMEOUT)?;
        c.set_prepared_statement_cache_capacity(64);
        let mut conn = Conn::Sqlite(c);
        migrate::run(&mut conn)?;
        let readers = match sqlite_file(url, Backend::Sqlite) {
            Some(path) => (0..SQLITE_READERS)
                .map(|_| open_sqlite_reader(path).map(Mutex::new))
                .collect::<Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        Ok(Store {
            backend: Backend::Sqlite,
            conns: Connections::Sqlite {
                writer: Box::new(Mutex::new(conn)),
                readers,
                path: sqlite_file(url, Backend::Sqlite).map(str::to_owned),
            },
            clock: Arc::new(SystemClock),
            accesses: accounts::AccessQueue::default(),
        })
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    fn now(&self) -> DateTime<Utc> {
        db::truncate_micros(self.clock.now())
    }

    /// Refuses a call from inside a callback of a call on the same store (e.g. of
    /// [`Store::scan_households`]), which on SQLite would wait for itself forever; marks this thread as
    /// holding the store.
    fn enter(&self) -> Result<usize> {
        let key = self as *const Store as usize;
        if HELD.with(|h| h.borrow().contains(&key)) {
            return Err(StoreError::Invalid(
                "不能在同一个 Store 的回调(如 scan_households)中再次调用它: 请先收集结果, 或另开一个 Store".into(),
            ));
        }
        Ok(key)
    }

    fn held<'a>(&'a self, key: usize, guard: Guard<'a>) -> Held<'a> {
        HELD.with(|h| h.borrow_mut().push(key));
        Held { guard, key }
    }

    fn pooled(pool: &PgPool) -> Result<Guard<'static>> {
        pool.get().map(|c| Guard::Pooled(Box::new(c))).map_err(|e| {
            StoreError::Busy(format!(
                "{} 个 PostgreSQL 连接都在使用中, 等待 {} 秒仍无空闲连接({e})",
                pool.max_size(),
                pool.connection_timeout().as_secs()
            ))
        })
    }

    /// A connection for one call of the given kind: SQLite's writing connection, or one from the
    /// PostgreSQL pool for that kind of work.
    fn connection(&self, work: Work) -> Result<Held<'_>> {
        let key = self.enter()?;
        let guard = match &self.conns {
            // A panic while the lock was held dropped its transaction, which rolled back: the connection
            // is fine.
            Connections::Sqlite { writer, .. } => {
                Guard::Local(writer.lock().unwrap_or_else(|e| e.into_inner()))
            }
            Connections::Pg { interactive, bulk } => Self::pooled(match work {
                Work::Interactive => interactive,
                Work::Long => bulk,
            })?,
        };
        Ok(self.held(key, guard))
    }

    /// The connection to write with, for the duration of one call.
    #[allow(dead_code)] // Kept for store modules that hold the connection across statements themselves.
    fn lock(&self) -> Result<Held<'_>> {
        self.connection(Work::Interactive)
    }

    /// A connection for long work (bulk loads, imports, whole-area scans): on PostgreSQL from the pool of
    /// its own, so that it never holds a connection interactive calls wait for.
    fn lock_long(&self) -> Result<Held<'_>> {
        self.connection(Work::Long)
    }

    /// Runs `f` in a write transaction; commits on `Ok`, rolls everything back (audit entry included) on `Err`.
    fn write<T>(&self, f: impl FnOnce(&mut Tx<'_>, DateTime<Utc>) -> Result<T>) -> Result<T> {
        self.write_on(Work::Interactive, f)
    }

    /// [`Store::write`] on a connection for long work.
    fn write_long<T>(&self, f: impl FnOnce(&mut Tx<'_>, DateTime<Utc>) -> Result<T>) -> Result<T> {
        self.write_on(Work::Long, f)
    }

    fn write_on<T>(
        &self,
        work: Work,
        f: impl FnOnce(&mut Tx<'_>, DateTime<Utc>) -> Result<T>,
    ) -> Result<T> {
        let mut conn = self.connection(work)?;
        // Read the clock only once the connection is ours, so audit times follow commit order in-process.
        let now = self.now();
        let mut tx = conn.guard.begin_write()?;
        let out = f(&mut tx, now)?;
        tx.commit()?;
        Ok(out)
    }

    /// A connection to read with: on a SQLite file, for long work a read-only connection of its own, else
    /// a free read-only one if there is one, else the main one; on PostgreSQL one from the pool for `work`.
    ///
    /// Long scans (a city's dashboard or warning workflow, a report's registry read) take seconds to
    /// minutes: on the few shared readers, three of them at once left every other request — sign-in,
    /// search, the household page — queued on the writing connection behind the next one (measured: a
    /// server at full scale that answered nothing while a county was loaded and two reports were built).
    /// Opening a SQLite connection costs well under a millisecond.
    fn read_connection(&self, work: Work) -> Result<Held<'_>> {
        if let Connections::Sqlite {
            path: Some(path), ..
        } = &self.conns
        {
            if work == Work::Long {
                let key = self.enter()?;
                let own = open_sqlite_reader(path)?;
                return Ok(self.held(key, Guard::Own(Box::new(own))));
            }
        }
        if let Connections::Sqlite { readers, .. } = &self.conns {
            let key = self.enter()?;
            for reader in readers {
                if let Ok(guard) = reader.try_lock() {
                    return Ok(self.held(key, Guard::Local(guard)));
                }
            }
        }
        self.connection(work)
    }

    /// A connection to read with (see [`Store::read_connection`]).
    #[allow(dead_code)] // As `lock`.
    fn lock_for_read(&self) -> Result<Held<'_>> {
        self.read_connection(Work::Interactive)
    }

    /// Runs `f` in a read transaction (one consistent snapshot).
    fn read<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        self.read_on(Work::Interactive, f)
    }

    /// [`Store::read`] for long scans: on PostgreSQL on a connection of the pool for long work.
    fn read_long<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        self.read_on(Work::Long, f)
    }

    fn read_on<T>(&self, work: Work, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.read_connection(work)?;
        let mut tx = conn.guard.begin_read()?;
        let out = f(&mut tx)?;
        tx.commit()?;
        Ok(out)
    }

    // ---- Areas ----

    /// Inserts or updates areas (name and settlement) in one transaction, audited as one entry with the count.
    pub fn upsert_areas(&self, areas: &[Area], actor: &Actor, reason: &str) -> Result<usize> {
        self.write(|tx, now| areas::upsert(tx, now, areas, actor, reason))
    }

    /// Records a rename or merge, after checking it against the stored tree.
    pub fn record_area_change(
        &self,
        change: &AreaChange,
        actor: &Actor,
        reason: &str,
    ) -> Result<()> {
        self.write(|tx, now| areas::record_change(tx, now, change, actor, reason))
    }

    /// The division tree with its changes applied.
    pub fn area_tree(&self) -> Result<AreaTree> {
        self.read(areas::tree)
    }

    // ---- Households ----

    /// Creates a household at version 1, effective from `effective`, with its initial status events.
    pub fn create_household(
        &self,
        h: &Household,
        events: &[StatusEvent],
        effective: NaiveDate,
        actor: &Actor,
        reason: &str,
    ) -> Result<(HouseholdId, Version)> {
        self.write(|tx, now| households::create(tx, now, h, events, effective, actor, reason))
    }

    /// Writes a new version of a household based on `expected`; [`StoreError::Conflict`] if it is stale.
    pub fn update_household(
        &self,
        id: HouseholdId,
        expected: Version,
        h: &Household,
        effective: NaiveDate,
        actor: &Actor,
        reason: &str,
    ) -> Result<Version> {
        self.write(|tx, now| households::update(tx, now, id, expected, h, effective, actor, reason))
    }

    /// Appends a status event (a new version with the same data); [`StoreError::Conflict`] if stale.
    pub fn append_status_event(
        &self,
        id: HouseholdId,
        expected: Version,
        event: &StatusEvent,
        actor: &Actor,
        reason: &str,
    ) -> Result<Version> {
        self.write(|tx, now| households::append_event(tx, now, id, expected, event, actor, reason))
    }

    /// The current version with all its events.
    pub fn household(&self, id: HouseholdId) -> Result<StoredHousehold> {
        self.read(|tx| households::get(tx, id))
    }

    /// The number, village and head of the current version of each of `ids`, by id (ids not stored are left
    /// out): what a list of households shows, read in one statement per 64 households in one snapshot.
    pub fn household_labels(&self, ids: &[HouseholdId]) -> Result<Vec<HouseholdLabel>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        self.read(|tx| households::labels(tx, ids))
    }

    pub fn household_by_number(&self, no: &HouseholdNo) -> Result<Option<StoredHousehold>> {
        self.read(|tx| households::by_number(tx, no))
    }

    /// The version in force on `as_of` (see the crate docs), `None` if the household did not exist yet;
    /// [`StoreError::NotFound`] if it never existed.
    pub fn household_as_of(
        &self,
        id: HouseholdId,
        as_of: NaiveDate,
    ) -> Result<Option<StoredHousehold>> {
        self.read(|tx| households::as_of(tx, id, as_of))
    }

    /// Every version, oldest first.
    pub fn household_history(&self, id: HouseholdId) -> Result<Vec<VersionInfo>> {
        self.read(|tx| households::history(tx, id))
    }
    /// The current versions of the households with these numbers (numbers not stored are left out): read
    /// one by one when they are few, else by one scan of `within` (the area they should lie in; four
    /// queries: 23,500 households of a county on PostgreSQL took 136 s one by one, 18–21 s so, in a
    /// debug build) and one by one for those not found there.
    pub fn households_by_numbers(
        &self,
        numbers: &[HouseholdNo],
        within: &AreaCode,
    ) -> Result<std::collections::HashMap<HouseholdNo, StoredHousehold>> {
        let mut out = std::collections::HashMap::with_capacity(numbers.len());
        if numbers.len() > 200 {
            let wanted: std::collections::HashSet<&str> =
                numbers.iter().map(HouseholdNo::as_str).collect();
            self.scan_households(within, None, &mut |h| {
                if wanted.contains(h.household.number.as_str()) {
                    out.insert(h.household.number.clone(), h);
                }
                Ok(())
            })?;
        }
        for no in numbers {
            if !out.contains_key(no) {
                if let Some(h) = self.household_by_number(no)? {
                    out.insert(no.clone(), h);
                }
            }
        }
        Ok(out)
    }

    /// Streams every household whose village lies in `within`, current or as of a date, with four queries
    /// in all however many households there are. Returns the count. Order: by household id, except current
    /// scans on SQLite, which go by village code then id (whichever lets the backend stream without
    /// sorting); callers that need another order sort themselves. The scan reads one snapshot and holds this
    /// store's connection until it ends: give long batch scans their own `Store` so that interactive calls
    /// are not kept waiting.
    pub fn scan_households(
        &self,
        within: &AreaCode,
        as_of: Option<NaiveDate>,
        f: &mut dyn FnMut(StoredHousehold) -> Result<()>,
    ) -> Result<usize> {
        self.read_long(|tx| match pg_national::layout(tx)? {
            Layout::Partitioned => pg_national::scan(tx, within, as_of, None, f),
            Layout::Plain => households::scan(tx, within, as_of, f),
        })
    }

    /// [`Store::scan_households`] as of `as_of` with the incomes of `year` only (each household's
    /// `incomes` holds that year's record, if any): what an evaluation of one year reads, without the
    /// other years' incomes that make up most of a full scan's rows.
    pub fn scan_households_for_year(
        &self,
        within: &AreaCode,
        as_of: NaiveDate,
        year: u16,
        f: &mut dyn FnMut(StoredHousehold) -> Result<()>,
    ) -> Result<usize> {
        self.read_long(|tx| match pg_national::layout(tx)? {
            Layout::Partitioned => pg_national::scan(tx, within, Some(as_of), Some(year), f),
            Layout::Plain => households::scan_incomes_of(tx, within, Some(as_of), Some(year), f),
        })
    }

    /// Streams every household that was ever filed under a village in `within` (in any of its versions)
    /// with **all** its versions and all its events, in household-id order, with four queries in all.
    /// One pass serves evaluations on many dates: [`StoredHistory::in_force`] picks the version of each date
    /// by the as-of rule. The callback must not call this store (see [`Store::scan_households`]).
    pub fn scan_household_histories(
        &self,
        within: &AreaCode,
        f: &mut dyn FnMut(StoredHistory) -> Result<()>,
    ) -> Result<usize> {
        self.read_long(|tx| match pg_national::layout(tx)? {
            Layout::Partitioned => pg_national::scan_histories(tx, within, f),
            Layout::Plain => households::scan_histories(tx, within, f),
        })
    }

    // ---- The national layout (issue 16, `pg_national`) ----

    /// How the registry tables are laid out: [`Layout::Plain`] (SQLite always, PostgreSQL by default) or
    /// [`Layout::Partitioned`] by province (PostgreSQL after [`Store::partition_registry`]).
    pub fn registry_layout(&self) -> Result<Layout> {
        self.read(pg_national::layout)
    }

    /// Converts a PostgreSQL registry to the national layout, partitioned by province, in one transaction
    /// (the rows it holds are moved; one audit entry). Returns the households moved, or `None` if it was
    /// partitioned already. Refused on SQLite.
    pub fn partition_registry(&self, actor: &Actor, reason: &str) -> Result<Option<u64>> {
        self.write_long(|tx, now| pg_national::partition(tx, now, actor, reason))
    }

    /// Loads households into new partition groups of the national layout with `writers` parallel binary
    /// `COPY` streams, keys and indexes built after the rows, all or nothing, one audit entry per group
    /// (see the `pg_national` module). `batches` is read on the calling thread (an `Err` from it abandons
    /// the load: nothing is attached); `progress` sees the count
    /// handed to the writers. Needs `writers + 1` connections of the pool for long work
    /// ([`StoreOptions::pg_bulk_pool_size`]).
    pub fn national_load(
        &self,
        batches: &mut dyn Iterator<Item = Result<Vec<HouseholdHistory>>>,
        writers: usize,
        actor: &Actor,
        reason: &str,
        progress: &mut dyn FnMut(usize),
    ) -> Result<NationalLoaded> {
        if let Connections::Pg { bulk, .. } = &self.conns {
            let room = bulk.max_size().saturating_sub(1).max(1) as usize;
            return pg_national::load(
                self,
                batches,
                writers.clamp(1, room),
                actor,
                reason,
                progress,
            );
        }
        Err(StoreError::Invalid(
            "全国库的并行载入只适用于 PostgreSQL 数据库".into(),
        ))
    }

    /// The partition groups of the national layout with what each holds now (`local` first).
    pub fn national_partitions(&self) -> Result<Vec<PartitionInfo>> {
        self.read_long(pg_national::partitions)
    }

    /// The partitions of `households` that a scan of `within` reads, from PostgreSQL's plan.
    pub fn partitions_read(&self, within: &AreaCode) -> Result<Vec<String>> {
        self.read(|tx| pg_national::partitions_read(tx, within))
    }

    /// Households currently filed under a village in `within`.
    pub fn count_households(&self, within: &AreaCode) -> Result<u64> {
        self.read(|tx| households::count(tx, within))
    }

    /// Number and id of every household currently filed under a village in `within`, by number: how a
    /// bulk load's caller finds the ids the store gave (for records that refer to the households).
    pub fn household_ids_within(
        &self,
        within: &AreaCode,
    ) -> Result<Vec<(HouseholdNo, HouseholdId)>> {
        self.read_long(|tx| households::ids_within(tx, within))
    }

    /// Loads many new households at version 1; see the `bulk` module for batching. `progress` is called
    /// with the running total after each committed batch.
    pub fn bulk_load(
        &self,
        households: &mut dyn Iterator<Item = (Household, Vec<StatusEvent>)>,
        effective: NaiveDate,
        actor: &Actor,
        reason: &str,
        progress: &mut dyn FnMut(usize),
    ) -> Result<usize> {
        let mut histories =
            households.map(|(h, events)| HouseholdHistory::single(h, events, effective));
        self.bulk_load_histories(&mut histories, actor, reason, progress)
    }

    /// Loads many new households, each with every version of its history (versions 1, 2, … as given, each
    /// in force from its own date); batched as [`Store::bulk_load`]. Returns the number of households.
    pub fn bulk_load_histories(
        &self,
        households: &mut dyn Iterator<Item = HouseholdHistory>,
        actor: &Actor,
        reason: &str,
        progress: &mut dyn FnMut(usize),
    ) -> Result<usize> {
        let mut conn = self.lock_long()?;
        let now = self.now();
        bulk::load(
            &mut conn.guard,
            now,
            households,
            actor,
            reason,
            progress,
            None,
        )
    }

    /// [`Store::bulk_load_histories`], handing each batch back once it is committed, with the ids the
    /// store gave its households and the versions as a scan would read them back ([`StoredHistory`]): so
    /// that a caller can evaluate what it has just written without reading it again.
    pub fn bulk_load_histories_then(
        &self,
        households: &mut dyn Iterator<Item = HouseholdHistory>,
        actor: &Actor,
        reason: &str,
        progress: &mut dyn FnMut(usize),
        written: &mut dyn FnMut(Vec<StoredHistory>),
    ) -> Result<usize> {
        let mut conn = self.lock()?;
        let now = self.now();
        bulk::load(
            &mut conn.guard,
            now,
            households,
            actor,
            reason,
            progress,
            Some(written),
        )
    }

    /// Imports a household file's households in **one transaction**: matched by household number, new ones
    /// created (in force from their earliest status event when that is before `effective`), changed ones
    /// given a new version from `effective`, identical ones left alone; status events appended when not
    /// already present. Any error rolls back everything (see the `import` module). `progress` is
    /// called with the number of households handled so far.
    pub fn import_households(
        &self,
        batch: &[ImportedHousehold],
        effective: NaiveDate,
        actor: &Actor,
        reason: &str,
        progress: &mut dyn FnMut(usize),
    ) -> Result<ImportOutcome> {
        self.write_long(|tx, now| {
            import::import(tx, now, batch, effective, actor, reason, progress)
        })
    }

    /// What [`Store::import_households`] would do, without doing it: the same work in a transaction that is
    /// then rolled back (for `--dry-run`; the same errors are reported).
    pub fn preview_import(
        &self,
        batch: &[ImportedHousehold],
        effective: NaiveDate,
        actor: &Actor,
        reason: &str,
        progress: &mut dyn FnMut(usize),
    ) -> Result<ImportOutcome> {
        let mut conn = self.lock_long()?;
        let now = self.now();
        let mut tx = conn.guard.begin_write()?;
        let out = import::import(&mut tx, now, batch, effective, actor, reason, progress)?;
        // Dropping the transaction rolls it back.
        drop(tx);
        Ok(out)
    }

    /// [`Store::preview_import`], also returning what the preview was based on (the current version of
    /// every stored household the batch matches), for [`Store::import_households_on_basis`].
    pub fn preview_import_with_basis(
        &self,
        batch: &[ImportedHousehold],
        effective: NaiveDate,
        actor: &Actor,
        reason: &str,
        progress: &mut dyn FnMut(usize),
    ) -> Result<(ImportOutcome, ImportBasis)> {
        let mut conn = self.lock_long()?;
        let now = self.now();
        let mut tx = conn.guard.begin_write()?;
        let out = import::import_checked(
            &mut tx, now, batch, effective, actor, reason, None, progress,
        )?;
        drop(tx);
        Ok(out)
    }

    /// [`Store::import_households`], refused with [`StoreError::Conflict`] (nothing written) when the
    /// households the batch matches are no longer at the versions of `expected` (as a preview found them),
    /// or a household number of the batch now exists or no longer exists. The check and the writes share
    /// the one transaction.
    pub fn import_households_on_basis(
        &self,
        batch: &[ImportedHousehold],
        effective: NaiveDate,
        actor: &Actor,
        reason: &str,
        expected: &ImportBasis,
        progress: &mut dyn FnMut(usize),
    ) -> Result<ImportOutcome> {
        self.write_long(|tx, now| {
            import::import_checked(
                tx,
                now,
                batch,
                effective,
                actor,
                reason,
                Some(expected),
                progress,
            )
            .map(|(o, _)| o)
        })
    }

    // ---- Evaluations ----

    /// Stores a run and its proposals in one transaction; returns the run id.
    pub fn save_evaluation(
        &self,
        run: &EvaluationRun,
        proposals: &mut dyn Iterator<Item = ProposalRecord>,
    ) -> Result<i64> {
        let actor = Actor::system("evaluation");
        self.write_long(|tx, now| evaluation::save(tx, now, &actor, run, proposals))
    }

    /// Every stored run, oldest first.
    pub fn evaluation_runs(&self) -> Result<Vec<(i64, EvaluationRun)>> {
        self.read(evaluation::runs)
    }

    /// Streams the proposals of a run in the order they were saved; returns the count.
    pub fn evaluation_proposals(
        &self,
        run_id: i64,
        f: &mut dyn FnMut(ProposalRecord) -> Result<()>,
    ) -> Result<usize> {
        self.read_long(|tx| evaluation::proposals(tx, run_id, f))
    }

    // ---- Evaluation snapshots ----

    /// The audit sequence of the newest change to the registry's data (0 for none): what a snapshot taken
    /// now includes. Accesses and derived results do not count ([`is_data_change`]).
    pub fn data_seq(&self) -> Result<i64> {
        self.read(snapshots::data_seq)
    }

    /// The first change to the registry's data after audit sequence `seq`, with how many there are;
    /// `None` if the data is as it was then.
    pub fn first_change_since(&self, seq: i64) -> Result<Option<DataChange>> {
        self.read(|tx| snapshots::first_change_since(tx, seq))
    }

    /// Stores a snapshot, replacing the one of the same area, year and date; audited (`snapshot.save`,
    /// not a data change). Returns its id.
    pub fn save_snapshot(&self, snapshot: &NewSnapshot<'_>) -> Result<i64> {
        let actor = Actor::system("snapshot");
        self.write(|tx, now| snapshots::save(tx, now, &actor, snapshot))
    }

    /// The stored snapshots (of `year`, or all), without their blobs.
    pub fn snapshots(&self, year: Option<u16>) -> Result<Vec<SnapshotInfo>> {
        self.read(|tx| snapshots::list(tx, year))
    }

    /// One blob of a stored snapshot.
    pub fn snapshot_part(&self, id: i64, part: SnapshotPart) -> Result<Vec<u8>> {
        self.read(|tx| snapshots::part(tx, id, part))
    }

    // ---- Audit ----

    /// Recomputes the audit chain.
    pub fn audit_verify(&self) -> Result<AuditReport> {
        self.read_long(audit::verify)
    }

    /// Audit entries matching `filter`, newest first.
    pub fn audit_entries(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        self.read(|tx| audit::entries(tx, filter))
    }

    // ---- Change feed ----

    /// The households changed after audit entry `seq` (by any process writing to this database), read
    /// forward in commit order from the audit log; see the `changes` module. At most
    /// [`CHANGES_PER_CALL`] entries per call ([`Changes::more`]).
    pub fn changes_after(&self, seq: i64) -> Result<Changes> {
        self.read(|tx| changes::after(tx, seq))
    }

    /// The newest audit sequence number (0 for an empty log): one indexed lookup, cheap enough to ask
    /// before every read of derived state.
    pub fn audit_head(&self) -> Result<i64> {
        self.read(changes::head)
    }

    /// Assistance measures of households currently filed within `area` whose last day falls in
    /// `from..=to`, by end date (the warning lists' 措施到期).
    pub fn measures_ending_within(
        &self,
        area: &AreaCode,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<EndingMeasure>> {
        self.read_long(|tx| changes::measures_ending(tx, area, from, to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Store>();
    }
}
