//! What the web application needs from storage, as one small trait ([`Backend`]), implemented for the real
//! [`jingzhun_store::Store`] in `store_backend.rs`. Tests run against that implementation on SQLite.
//!
//! The trait speaks the web crate's own types (accounts with a [`Role`], sessions by token hash) so that the
//! store keeps no knowledge of roles or HTTP; the store keeps the rows and the SQL.

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::monitoring::{
    Assignment, Cadre, CadreId, CaseId, CaseRecord, CaseStep, Measure, MeasureId, Visit, VisitId,
};
use jingzhun_core::{Area, AreaCode, Household, HouseholdId, StatusEvent, Version};
pub use jingzhun_store::{CaseCounts, CaseFilter};
use serde::Serialize;

use crate::access::Role;

/// Database identity of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct AccountId(pub i64);

/// An account as the application sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The one area the account is bound to: it sees and acts in this area and below.
    pub area: AreaCode,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// An account with its password hash (PHC string, argon2id); never leaves the accounts service.
#[derive(Debug, Clone)]
pub struct AccountWithHash {
    pub account: Account,
    pub password_hash: String,
}

/// A new account to insert.
#[derive(Debug, Clone)]
pub struct NewAccount<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub area: AreaCode,
    pub password_hash: &'a str,
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
    /// Who created it (an account username or `system:…`), for the audit log.
    pub created_by: &'a str,
}

/// A server-side session: the cookie holds a random token, the store only its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub account_id: AccountId,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A failure of the backend. `NotFound` and `Duplicate` are expected outcomes; `Conflict` is a stale edit;
/// `Other` is logged and shown as a generic internal error.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("不存在")]
    NotFound,
    #[error("{0}已存在")]
    Duplicate(String),
    #[error("数据已被他人修改")]
    Conflict,
    /// The household already has an open monitoring case (the store's message names it).
    #[error("{message}")]
    CaseAlreadyOpen {
        message: String,
        open: Option<CaseId>,
    },
    /// A case step refused: based on a stale step count, or not the step due (the store's message).
    #[error("{0}")]
    CaseRefused(String),
    #[error("{0}")]
    Other(String),
}

pub type DataResult<T> = Result<T, DataError>;

/// One line of a household list: only what a list may show (identity data masked by the caller).
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdRow {
    pub id: HouseholdId,
    pub household: Household,
    pub events: Vec<StatusEvent>,
}

pub use crate::search::{SearchHit, SearchPage, SearchQuery};

/// A household with its history, for the household page.
#[derive(Debug, Clone, PartialEq)]
pub struct HouseholdRecord {
    pub id: HouseholdId,
    pub version: Version,
    pub effective_from: NaiveDate,
    pub household: Household,
    pub events: Vec<StatusEvent>,
    pub versions: Vec<VersionLine>,
}

/// One version in a household's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionLine {
    pub version: i64,
    pub effective_from: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub reason: String,
}

/// One audit entry, as shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditLine {
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub reason: String,
}

impl AuditLine {
    /// The time in China (UTC+8), as pages show it.
    pub fn at_china(&self) -> String {
        (self.at + chrono::Duration::hours(8))
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }
}

/// An audit entry to append.
#[derive(Debug, Clone)]
pub struct AuditNote<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub reason: &'a str,
    pub detail: serde_json::Value,
}

/// What a previewed import would do.
#[derive(Debug, Clone)]
pub struct ImportPreview {
    pub outcome: jingzhun_store::ImportOutcome,
    pub basis: jingzhun_store::ImportBasis,
    /// Household numbers of the batch that match stored households outside the importer's area.
    pub outside: Vec<String>,
}

/// Storage as the web application uses it. Every method that reads registry data takes the area it may
/// read within (the caller's [`crate::access::Scope`] area); the service layer checks single records too.
pub trait Backend: Send + Sync + 'static {
    // Accounts and sessions.
    fn create_account(&self, new: &NewAccount<'_>) -> DataResult<AccountId>;
    fn account(&self, id: AccountId) -> DataResult<AccountWithHash>;
    fn account_by_username(&self, username: &str) -> DataResult<AccountWithHash>;
    /// Accounts whose area lies within `within`, ordered by username.
    fn accounts_within(&self, within: &AreaCode) -> DataResult<Vec<Account>>;
    fn set_password(
        &self,
        id: AccountId,
        password_hash: &str,
        must_change: bool,
        actor: &str,
        at: DateTime<Utc>,
    ) -> DataResult<()>;
    /// Disables (ending its sessions) or re-enables an account.
    fn set_disabled(&self, id: AccountId, disabled: bool, actor: &str) -> DataResult<()>;
    fn create_session(&self, token_hash: &str, session: &Session) -> DataResult<()>;
    fn session(&self, token_hash: &str) -> DataResult<Session>;
    fn delete_session(&self, token_hash: &str) -> DataResult<()>;
    /// Moves a session's end (idle expiry: a session in use is kept open).
    fn extend_session(&self, token_hash: &str, expires_at: DateTime<Utc>) -> DataResult<()>;
    /// Removes every session of an account (after a password change), except `keep` if given.
    fn delete_sessions_of(&self, id: AccountId, keep: Option<&str>) -> DataResult<()>;

    // Areas.
    fn area(&self, code: &AreaCode) -> DataResult<Area>;
    /// The direct children of an area, ordered by code.
    fn children(&self, code: &AreaCode) -> DataResult<Vec<Area>>;

    // Registry reads.
    /// Households within `within` matching `query` (name, resident ID, household number or village name;
    /// see [`crate::search`]), in village then household-number order: `limit` of them from the
    /// `offset`-th on, with the count of matches (capped).
    fn search_households(
        &self,
        within: &AreaCode,
        query: &SearchQuery,
        offset: usize,
        limit: usize,
    ) -> DataResult<SearchPage>;
    /// [`Backend::search_households`] when it can answer without touching the store (an in-memory index
    /// that is built and current, the area tree loaded), so that it may run on the request's own task
    /// instead of the blocking pool; `None` when it cannot (then call `search_households` there). When it
    /// answers, [`Backend::area`] answers from memory too.
    fn search_households_in_memory(
        &self,
        _within: &AreaCode,
        _query: &SearchQuery,
        _offset: usize,
        _limit: usize,
    ) -> Option<SearchPage> {
        None
    }
    fn household(&self, id: HouseholdId) -> DataResult<HouseholdRecord>;
    /// The version of a household's data in force on `as_of` (the store's as-of rule: the greatest
    /// effective date on or before it); `None` when the household had no version yet. What the engine
    /// evaluates for a year, so the household page explains the same record.
    fn household_in_force(
        &self,
        id: HouseholdId,
        as_of: NaiveDate,
    ) -> DataResult<Option<jingzhun_core::Household>>;
    /// Streams every current household within an area (for the dashboard numbers).
    fn each_household(&self, within: &AreaCode, f: &mut dyn FnMut(HouseholdRow)) -> DataResult<()>;
    /// [`Backend::each_household`] for exports: from the read replica when one is configured.
    fn each_household_for_report(
        &self,
        within: &AreaCode,
        f: &mut dyn FnMut(HouseholdRow),
    ) -> DataResult<()> {
        self.each_household(within, f)
    }

    /// Appends a status decision to a household (a new version); `Conflict` if `expected` is stale.
    fn append_status_event(
        &self,
        id: HouseholdId,
        expected: Version,
        event: &StatusEvent,
        actor: &str,
        reason: &str,
    ) -> DataResult<()>;

    /// Writes a new version of a household's data based on `expected`, effective from `effective`, audited
    /// as `actor`; `Conflict` if `expected` is no longer the current version. Returns the new version.
    fn update_household(
        &self,
        id: HouseholdId,
        expected: Version,
        household: &Household,
        effective: NaiveDate,
        actor: &str,
        reason: &str,
    ) -> DataResult<Version>;

    // Monitoring cases (the store's tables; see `jingzhun_store::monitoring`).
    fn case(&self, id: &CaseId) -> DataResult<Option<CaseRecord>>;
    /// A household's cases, oldest first.
    fn cases_of_household(&self, household: HouseholdId) -> DataResult<Vec<CaseRecord>>;
    /// Cases filed under villages within `area`, by lead time (then id), as `filter` pages them.
    fn cases_within(&self, area: &AreaCode, filter: &CaseFilter) -> DataResult<Vec<CaseRecord>>;
    /// How the cases within `area` stand at the end of `as_of` (China time), overdue after `days_limit`.
    fn case_counts_within(
        &self,
        area: &AreaCode,
        as_of: NaiveDate,
        days_limit: u16,
    ) -> DataResult<CaseCounts>;
    /// The id the household's next case takes.
    fn next_case_id(&self, household: HouseholdId) -> DataResult<CaseId>;
    /// Opens a case holding its lead step; `CaseAlreadyOpen` if the household has an open case.
    fn open_case(&self, case: &CaseRecord, actor: &str) -> DataResult<()>;
    /// Records the next step based on `expected_step_count` (`CaseRefused` when stale or out of order),
    /// with the county decision's status event in the same transaction. Audited by the store.
    fn record_case_step(
        &self,
        id: &CaseId,
        expected_step_count: usize,
        step: CaseStep,
        decision: Option<&StatusEvent>,
        actor: &str,
    ) -> DataResult<CaseRecord>;

    // Assistance measures, visits, cadres.
    fn add_measure(&self, measure: &Measure, actor: &str) -> DataResult<MeasureId>;
    fn end_measure(&self, id: MeasureId, ended: NaiveDate, actor: &str) -> DataResult<()>;
    /// A household's measures, by start date.
    fn measures_of(&self, household: HouseholdId) -> DataResult<Vec<(MeasureId, Measure)>>;
    /// What the store knows about a household beyond its record (dated department findings, its
    /// measures' dates): the side facts of the one facts builder.
    fn side_facts_of(&self, household: HouseholdId) -> DataResult<jingzhun_policy::SideFacts>;
    /// The side facts of every household within an area.
    fn side_facts_within(&self, within: &AreaCode) -> DataResult<jingzhun_loader::SideIndex>;
    /// Streams every assistance measure of the households currently within `within` (by village,
    /// household, start): the measures export.
    fn each_measure_within(
        &self,
        within: &AreaCode,
        f: &mut dyn FnMut(MeasureId, Measure),
    ) -> DataResult<()>;
    /// Streams every visit to the households currently within `within` (by village, household, date).
    fn each_visit_within(
        &self,
        within: &AreaCode,
        f: &mut dyn FnMut(VisitId, Visit),
    ) -> DataResult<()>;
    fn add_visit(&self, visit: &Visit, actor: &str) -> DataResult<VisitId>;
    /// A household's visits, by date.
    fn visits_of(&self, household: HouseholdId) -> DataResult<Vec<(VisitId, Visit)>>;
    /// Cadres serving an area within `area`.
    fn cadres_within(&self, area: &AreaCode) -> DataResult<Vec<Cadre>>;
    fn cadre(&self, id: CadreId) -> DataResult<Option<Cadre>>;
    fn assign_cadre(&self, assignment: &Assignment, actor: &str) -> DataResult<()>;
    /// A household's cadres with their pairings, by start date.
    fn cadres_of(&self, household: HouseholdId) -> DataResult<Vec<(Cadre, Assignment)>>;

    /// The division tree (kept in memory; read again after a division change).
    fn area_tree(&self) -> DataResult<std::sync::Arc<jingzhun_core::AreaTree>>;

    /// A number that changes whenever this backend writes registry or case data (caches compare it).
    fn generation(&self) -> u64 {
        0
    }

    // Spreadsheet imports (see `features::import`).
    /// What importing `batch` would do, without writing: the counts, the basis (current versions of the
    /// stored households it matches) and the numbers of matched stored households that lie outside
    /// `within` (an import may not move a household in from outside the importer's area). `Ok(Err(reason))`
    /// when the registry refuses the batch (a resident ID of another household, …), in Chinese.
    fn preview_import(
        &self,
        within: &AreaCode,
        batch: &[jingzhun_store::ImportedHousehold],
        effective: NaiveDate,
        actor: &str,
        reason: &str,
    ) -> DataResult<Result<ImportPreview, String>>;
    /// Imports `batch` in one transaction if the store still matches `basis`; `Conflict` (nothing written)
    /// otherwise. `Ok(Err(reason))` when the registry refuses the batch.
    fn commit_import(
        &self,
        batch: &[jingzhun_store::ImportedHousehold],
        effective: NaiveDate,
        actor: &str,
        reason: &str,
        basis: &jingzhun_store::ImportBasis,
    ) -> DataResult<Result<jingzhun_store::ImportOutcome, String>>;

    // The monitoring-history import (see `features::monitoring_import`).
    /// The stored households of these numbers as the import's check needs them (numbers not stored are
    /// left out); `within` is the area they should lie in (read by one scan when they are many).
    fn registered_households(
        &self,
        numbers: &[jingzhun_core::HouseholdNo],
        within: &AreaCode,
    ) -> DataResult<
        std::collections::HashMap<
            jingzhun_core::HouseholdNo,
            jingzhun_io::monitoring::RegisteredHousehold,
        >,
    >;
    /// Imports `history` within `within` in one transaction (with `preview`, the same work rolled back).
    /// `Ok(Err(reason))` when the store refuses it, in Chinese; nothing is written then.
    fn import_monitoring(
        &self,
        history: &jingzhun_core::monitoring::MonitoringHistory,
        within: &AreaCode,
        actor: &str,
        reason: &str,
        preview: bool,
    ) -> DataResult<Result<jingzhun_store::MonitoringImported, String>>;

    /// The store itself, for the engine-based reports (which stream the registry through
    /// `jingzhun_loader`); `None` for a backend without one (the reports then answer unavailable).
    fn report_store(&self) -> Option<std::sync::Arc<jingzhun_store::Store>> {
        None
    }

    /// The primary store (never the read replica), for features that keep their own tables there (the
    /// attachments); `None` for a backend without one.
    fn primary_store(&self) -> Option<std::sync::Arc<jingzhun_store::Store>> {
        None
    }

    // Audit.
    fn audit_of(&self, entity: &str, entity_id: &str, limit: u32) -> DataResult<Vec<AuditLine>>;
    fn append_audit(&self, note: &AuditNote<'_>) -> DataResult<()>;
}
