//! [`Backend`] over the real [`jingzhun_store::Store`] (SQLite or PostgreSQL).
//!
//! The division tree is read once and kept in memory (it changes with a yearly division file, not with
//! requests); [`StoreBackend::reload_areas`] refreshes it.
//!
//! Monitoring cases, assistance measures, visits and cadres live in the store's tables
//! (`jingzhun_store::monitoring`): one open case per household and the step compare-and-set are the
//! store's guarantees, and the store writes each change's audit entry in its transaction.
//!
//! Household search runs on the in-memory index of [`crate::search`], built from the store at start and
//! rebuilt in the background when other writers changed households; changes made through this backend
//! update their entry at once. The store has no indexed text search yet; when it gets one, search can move
//! there.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::monitoring::{
    Assignment, Cadre, CadreId, CaseId, CaseRecord, CaseState, CaseStep, Measure, MeasureId, Visit,
    VisitId,
};
use jingzhun_core::{Area, AreaCode, AreaTree, HouseholdId, StatusEvent, Version};
use jingzhun_store::{
    AccountRow, Actor, AuditFilter, NewAccountRow, SessionRow, Store, StoreError, StoredHousehold,
};

use crate::access::Role;
use crate::data::*;
use crate::search::{LiveIndex, Record};

/// The web application's storage: the store plus a cached area tree.
pub struct StoreBackend {
    store: Arc<Store>,
    /// Where report builds and exports read: a read replica when one is configured, else `store`.
    reports: Arc<Store>,
    tree: RwLock<Option<Arc<AreaTree>>>,
    search: Arc<LiveIndex>,
    generation: AtomicU64,
}

impl StoreBackend {
    pub fn new(store: Arc<Store>) -> Self {
        Self {
            search: LiveIndex::new(Arc::clone(&store)),
            reports: Arc::clone(&store),
            store,
            tree: RwLock::new(None),
            generation: AtomicU64::new(0),
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Report builds and exports read from `replica` (a read-only copy of the database, e.g. a PostgreSQL
    /// hot standby opened with [`Store::open_replica`]) instead of the primary store; everything else,
    /// and every write, stays on the primary.
    pub fn with_report_replica(mut self, replica: Arc<Store>) -> Self {
        self.reports = replica;
        self
    }

    /// Drops the cached area tree; the next request reads it again.
    pub fn reload_areas(&self) {
        if let Ok(mut t) = self.tree.write() {
            *t = None;
        }
        // Villages are found by name too.
        self.search.invalidate();
    }

    /// Builds the search index now (the server does this at start so that the first search is fast).
    pub fn warm_search_index(&self) -> Result<(), String> {
        let tree = self.tree().map_err(|e| e.to_string())?;
        self.search.warm(&tree).map_err(|e| e.to_string())
    }

    /// Refreshes one household's search entry after a change made through this backend.
    fn refresh_entry(&self, id: HouseholdId) -> DataResult<()> {
        let s = self.store.household(id).map_err(data_error)?;
        self.search
            .refresh(Record::new(s.id, &s.household, &s.events));
        Ok(())
    }

    fn tree(&self) -> DataResult<Arc<AreaTree>> {
        if let Ok(t) = self.tree.read() {
            if let Some(t) = t.as_ref() {
                return Ok(Arc::clone(t));
            }
        }
        let tree = Arc::new(self.store.area_tree().map_err(data_error)?);
        if let Ok(mut t) = self.tree.write() {
            *t = Some(Arc::clone(&tree));
        }
        Ok(tree)
    }
}

/// Imports up to this many households refresh their search entries one by one; larger ones rebuild the index.
const REFRESH_AFTER_IMPORT_MAX: usize = 5_000;

fn load_error(e: jingzhun_loader::LoadError) -> DataError {
    match e {
        jingzhun_loader::LoadError::Store(e) => data_error(e),
        other => DataError::Other(other.to_string()),
    }
}

fn data_error(e: StoreError) -> DataError {
    match e {
        StoreError::NotFound { .. } => DataError::NotFound,
        StoreError::Duplicate { entity, .. } => DataError::Duplicate(entity.to_owned()),
        StoreError::Conflict { .. } => DataError::Conflict,
        StoreError::CaseAlreadyOpen { open, .. } => DataError::CaseAlreadyOpen {
            message: e.to_string(),
            open,
        },
        StoreError::CaseConflict { .. }
        | StoreError::StepOrder { .. }
        | StoreError::NoticeRunning { .. } => DataError::CaseRefused(e.to_string()),
        other => DataError::Other(other.to_string()),
    }
}

fn account_from_row(row: AccountRow) -> DataResult<AccountWithHash> {
    let role = Role::from_code(&row.role)
        .ok_or_else(|| DataError::Other(format!("账号 {} 的角色代码无效", row.id)))?;
    Ok(AccountWithHash {
        account: Account {
            id: AccountId(row.id),
            username: row.username,
            display_name: row.display_name,
            role,
            area: row.area,
            must_change_password: row.must_change_password,
            disabled: row.disabled,
            created_at: row.created_at,
        },
        password_hash: row.password_hash,
    })
}

fn row(s: StoredHousehold) -> HouseholdRow {
    HouseholdRow {
        id: s.id,
        household: s.household,
        events: s.events,
    }
}

impl Backend for StoreBackend {
    fn create_account(&self, new: &NewAccount<'_>) -> DataResult<AccountId> {
        self.store
            .create_account(
                &NewAccountRow {
                    username: new.username,
                    display_name: new.display_name,
                    role: new.role.code(),
                    area: new.area,
                    password_hash: new.password_hash,
                    must_change_password: new.must_change_password,
                },
                &Actor::new(new.created_by),
            )
            .map(AccountId)
            .map_err(data_error)
    }

    fn account(&self, id: AccountId) -> DataResult<AccountWithHash> {
        account_from_row(self.store.account(id.0).map_err(data_error)?)
    }

    fn account_by_username(&self, username: &str) -> DataResult<AccountWithHash> {
        match self
            .store
            .account_by_username(username)
            .map_err(data_error)?
        {
            Some(r) => account_from_row(r),
            None => Err(DataError::NotFound),
        }
    }

    fn accounts_within(&self, within: &AreaCode) -> DataResult<Vec<Account>> {
        self.store
            .accounts_within(within)
            .map_err(data_error)?
            .into_iter()
            .map(|r| account_from_row(r).map(|a| a.account))
            .collect()
    }

    fn set_password(
        &self,
        id: AccountId,
        password_hash: &str,
        must_change: bool,
        actor: &str,
        _at: DateTime<Utc>,
    ) -> DataResult<()> {
        self.store
            .set_account_password(id.0, password_hash, must_change, &Actor::new(actor), "")
            .map_err(data_error)
    }

    fn set_disabled(&self, id: AccountId, disabled: bool, actor: &str) -> DataResult<()> {
        self.store
            .set_account_disabled(id.0, disabled, &Actor::new(actor), "")
            .map_err(data_error)
    }

    fn create_session(&self, token_hash: &str, s: &Session) -> DataResult<()> {
        self.store
            .create_session(
                token_hash,
                &SessionRow {
                    account_id: s.account_id.0,
                    csrf_token: s.csrf_token.clone(),
                    created_at: s.created_at,
                    expires_at: s.expires_at,
                },
            )
            .map_err(data_error)
    }

    fn session(&self, token_hash: &str) -> DataResult<Session> {
        let s = self
            .store
            .session(token_hash)
            .map_err(data_error)?
            .ok_or(DataError::NotFound)?;
        Ok(Session {
            account_id: AccountId(s.account_id),
            csrf_token: s.csrf_token,
            created_at: s.created_at,
            expires_at: s.expires_at,
        })
    }

    fn delete_session(&self, token_hash: &str) -> DataResult<()> {
        self.store.delete_session(token_hash).map_err(data_error)
    }

    fn extend_session(&self, token_hash: &str, expires_at: DateTime<Utc>) -> DataResult<()> {
        self.store
            .extend_session(token_hash, expires_at)
            .map_err(data_error)
    }

    fn delete_sessions_of(&self, id: AccountId, keep: Option<&str>) -> DataResult<()> {
        self.store
            .delete_sessions_of(id.0, keep)
            .map_err(data_error)
    }

    fn area(&self, code: &AreaCode) -> DataResult<Area> {
        self.tree()?.get(code).cloned().ok_or(DataError::NotFound)
    }

    fn children(&self, code: &AreaCode) -> DataResult<Vec<Area>> {
        let tree = self.tree()?;
        let mut out: Vec<Area> = tree
            .children(code)
            .iter()
            .filter_map(|c| tree.get(c).cloned())
            .collect();
        out.sort_by_key(|a| a.code);
        Ok(out)
    }

    fn search_households(
        &self,
        within: &AreaCode,
        query: &SearchQuery,
        offset: usize,
        limit: usize,
    ) -> DataResult<SearchPage> {
        let tree = self.tree()?;
        self.search.ensure(&tree).map_err(data_error)?;
        Ok(self.search.read().search(within, query, offset, limit))
    }

    fn search_households_in_memory(
        &self,
        within: &AreaCode,
        query: &SearchQuery,
        offset: usize,
        limit: usize,
    ) -> Option<SearchPage> {
        // The tree must be loaded already (village names come from it) and the index usable as it is.
        let loaded = self.tree.read().ok().is_some_and(|t| t.is_some());
        if !loaded || !self.search.ready() {
            return None;
        }
        Some(self.search.read().search(within, query, offset, limit))
    }

    fn household(&self, id: HouseholdId) -> DataResult<HouseholdRecord> {
        let s = self.store.household(id).map_err(data_error)?;
        let versions = self
            .store
            .household_history(id)
            .map_err(data_error)?
            .into_iter()
            .map(|v| VersionLine {
                version: v.version.0,
                effective_from: v.effective_from,
                recorded_at: v.recorded_at,
                recorded_by: v.recorded_by,
                reason: v.reason,
            })
            .collect();
        Ok(HouseholdRecord {
            id: s.id,
            version: s.version,
            effective_from: s.effective_from,
            household: s.household,
            events: s.events,
            versions,
        })
    }

    fn household_in_force(
        &self,
        id: HouseholdId,
        as_of: NaiveDate,
    ) -> DataResult<Option<jingzhun_core::Household>> {
        Ok(self
            .store
            .household_as_of(id, as_of)
            .map_err(data_error)?
            .map(|s| s.household))
    }

    fn each_household(&self, within: &AreaCode, f: &mut dyn FnMut(HouseholdRow)) -> DataResult<()> {
        self.store
            .scan_households(within, None, &mut |s| {
                f(row(s));
                Ok(())
            })
            .map(|_| ())
            .map_err(data_error)
    }

    fn append_status_event(
        &self,
        id: HouseholdId,
        expected: Version,
        event: &StatusEvent,
        actor: &str,
        reason: &str,
    ) -> DataResult<()> {
        self.store
            .append_status_event(id, expected, event, &Actor::new(actor), reason)
            .map_err(data_error)?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.refresh_entry(id)
    }

    fn update_household(
        &self,
        id: HouseholdId,
        expected: Version,
        household: &jingzhun_core::Household,
        effective: chrono::NaiveDate,
        actor: &str,
        reason: &str,
    ) -> DataResult<Version> {
        let v = self
            .store
            .update_household(
                id,
                expected,
                household,
                effective,
                &Actor::new(actor),
                reason,
            )
            .map_err(data_error)?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.refresh_entry(id)?;
        Ok(v)
    }

    fn case(&self, id: &CaseId) -> DataResult<Option<CaseRecord>> {
        self.store.case(id).map_err(data_error)
    }

    fn cases_of_household(&self, household: HouseholdId) -> DataResult<Vec<CaseRecord>> {
        self.store.cases_of_household(household).map_err(data_error)
    }

    fn cases_within(&self, area: &AreaCode, filter: &CaseFilter) -> DataResult<Vec<CaseRecord>> {
        self.store.cases_within(area, filter).map_err(data_error)
    }

    fn case_counts_within(
        &self,
        area: &AreaCode,
        as_of: chrono::NaiveDate,
        days_limit: u16,
    ) -> DataResult<CaseCounts> {
        self.store
            .case_counts_within(area, as_of, days_limit)
            .map_err(data_error)
    }

    fn next_case_id(&self, household: HouseholdId) -> DataResult<CaseId> {
        self.store.next_case_id(household).map_err(data_error)
    }

    fn open_case(&self, case: &CaseRecord, actor: &str) -> DataResult<()> {
        self.store
            .open_case(case, &Actor::new(actor))
            .map_err(data_error)?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    fn record_case_step(
        &self,
        id: &CaseId,
        expected_step_count: usize,
        step: CaseStep,
        decision: Option<&StatusEvent>,
        actor: &str,
    ) -> DataResult<CaseRecord> {
        let case = self
            .store
            .record_case_step(
                id,
                expected_step_count,
                step,
                decision.cloned(),
                &Actor::new(actor),
            )
            .map_err(data_error)?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        if case.state() == CaseState::Decided {
            // The decision is a new household version: lists show it at once.
            self.refresh_entry(case.household())?;
        }
        Ok(case)
    }

    fn add_measure(&self, measure: &Measure, actor: &str) -> DataResult<MeasureId> {
        let id = self
            .store
            .add_measure(measure, &Actor::new(actor))
            .map_err(data_error)?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(id)
    }

    fn end_measure(&self, id: MeasureId, ended: chrono::NaiveDate, actor: &str) -> DataResult<()> {
        self.store
            .end_measure(id, ended, &Actor::new(actor))
            .map_err(data_error)?;
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    fn measures_of(&self, household: HouseholdId) -> DataResult<Vec<(MeasureId, Measure)>> {
        self.store.measures_of(household).map_err(data_error)
    }

    fn side_facts_of(&self, household: HouseholdId) -> DataResult<jingzhun_policy::SideFacts> {
        jingzhun_loader::SideIndex::of_household(&self.store, household).map_err(load_error)
    }

    fn side_facts_within(&self, within: &AreaCode) -> DataResult<jingzhun_loader::SideIndex> {
        jingzhun_loader::SideIndex::read(&self.store, within).map_err(load_error)
    }

    fn each_measure_within(
        &self,
        within: &AreaCode,
        f: &mut dyn FnMut(MeasureId, Measure),
    ) -> DataResult<()> {
        self.reports
            .each_measure_within(within, &mut |id, m| {
                f(id, m);
                Ok(())
            })
            .map_err(data_error)
    }

    fn each_visit_within(
        &self,
        within: &AreaCode,
        f: &mut dyn FnMut(VisitId, Visit),
    ) -> DataResult<()> {
        self.reports
            .each_visit_within(within, &mut |id, v| {
                f(id, v);
                Ok(())
            })
            .map_err(data_error)
    }

    fn add_visit(&self, visit: &Visit, actor: &str) -> DataResult<VisitId> {
        self.store
            .add_visit(visit, &Actor::new(actor))
            .map_err(data_error)
    }

    fn visits_of(&self, household: HouseholdId) -> DataResult<Vec<(VisitId, Visit)>> {
        self.store.visits_of(household).map_err(data_error)
    }

    fn cadres_within(&self, area: &AreaCode) -> DataResult<Vec<Cadre>> {
        self.store.cadres_within(area).map_err(data_error)
    }

    fn cadre(&self, id: CadreId) -> DataResult<Option<Cadre>> {
        self.store.cadre(id).map_err(data_error)
    }

    fn assign_cadre(&self, assignment: &Assignment, actor: &str) -> DataResult<()> {
        self.store
            .assign_cadre(assignment, &Actor::new(actor))
            .map_err(data_error)
    }

    fn cadres_of(&self, household: HouseholdId) -> DataResult<Vec<(Cadre, Assignment)>> {
        self.store.cadres_of(household).map_err(data_error)
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn area_tree(&self) -> DataResult<Arc<AreaTree>> {
        self.tree()
    }

    fn registered_households(
        &self,
        numbers: &[jingzhun_core::HouseholdNo],
        within: &AreaCode,
    ) -> DataResult<
        std::collections::HashMap<
            jingzhun_core::HouseholdNo,
            jingzhun_io::monitoring::RegisteredHousehold,
        >,
    > {
        let found = self
            .store
            .households_by_numbers(numbers, within)
            .map_err(data_error)?;
        Ok(found
            .into_iter()
            .map(|(no, h)| {
                let r = jingzhun_io::monitoring::RegisteredHousehold {
                    id: h.id,
                    village: h.household.village,
                    events: h.events,
                };
                (no, r)
            })
            .collect())
    }

    fn import_monitoring(
        &self,
        history: &jingzhun_core::monitoring::MonitoringHistory,
        within: &AreaCode,
        actor: &str,
        reason: &str,
        preview: bool,
    ) -> DataResult<Result<jingzhun_store::MonitoringImported, String>> {
        let actor = Actor::new(actor);
        let result = if preview {
            self.store
                .preview_import_monitoring(history, within, &actor, reason)
        } else {
            self.store
                .import_monitoring(history, within, &actor, reason)
        };
        match result {
            Ok(out) => Ok(Ok(out)),
            Err(
                e @ (StoreError::Invalid(_)
                | StoreError::NotFound { .. }
                | StoreError::Duplicate { .. }),
            ) => Ok(Err(e.to_string())),
            Err(e) => Err(data_error(e)),
        }
    }

    fn preview_import(
        &self,
        within: &AreaCode,
        batch: &[jingzhun_store::ImportedHousehold],
        effective: chrono::NaiveDate,
        actor: &str,
        reason: &str,
    ) -> DataResult<Result<ImportPreview, String>> {
        let result = self.store.preview_import_with_basis(
            batch,
            effective,
            &Actor::new(actor),
            reason,
            &mut |_| {},
        );
        let (outcome, basis) = match result {
            Ok(r) => r,
            Err(StoreError::Invalid(reason)) => return Ok(Err(reason)),
            Err(e) => return Err(data_error(e)),
        };
        // Matched households are read by number to learn where they are filed now.
        let mut outside = Vec::new();
        for number in basis.0.keys() {
            let Ok(no) = jingzhun_core::HouseholdNo::parse(number) else {
                continue;
            };
            if let Some(s) = self.store.household_by_number(&no).map_err(data_error)? {
                if !within.contains(&s.household.village) {
                    outside.push(number.clone());
                }
            }
        }
        Ok(Ok(ImportPreview {
            outcome,
            basis,
            outside,
        }))
    }

    fn commit_import(
        &self,
        batch: &[jingzhun_store::ImportedHousehold],
        effective: chrono::NaiveDate,
        actor: &str,
        reason: &str,
        basis: &jingzhun_store::ImportBasis,
    ) -> DataResult<Result<jingzhun_store::ImportOutcome, String>> {
        let result = self.store.import_households_on_basis(
            batch,
            effective,
            &Actor::new(actor),
            reason,
            basis,
            &mut |_| {},
        );
        let outcome = match result {
            Ok(o) => o,
            Err(StoreError::Invalid(reason)) => return Ok(Err(reason)),
            Err(e) => return Err(data_error(e)),
        };
        self.generation.fetch_add(1, Ordering::AcqRel);
        // Search sees the imported households at once: each is taken into the index (a few thousand reads at
        // most for a file a person uploads); beyond that the index is rebuilt in the background instead.
        if batch.len() <= REFRESH_AFTER_IMPORT_MAX {
            for h in batch {
                if let Some(s) = self
                    .store
                    .household_by_number(&h.household.number)
                    .map_err(data_error)?
                {
                    self.search
                        .refresh(Record::new(s.id, &s.household, &s.events));
                }
            }
        } else {
            self.search.invalidate();
        }
        Ok(Ok(outcome))
    }

    fn report_store(&self) -> Option<Arc<Store>> {
        Some(Arc::clone(&self.reports))
    }

    fn primary_store(&self) -> Option<Arc<Store>> {
        Some(Arc::clone(&self.store))
    }

    fn each_household_for_report(
        &self,
        within: &AreaCode,
        f: &mut dyn FnMut(HouseholdRow),
    ) -> DataResult<()> {
        self.reports
            .scan_households(within, None, &mut |s| {
                f(row(s));
                Ok(())
            })
            .map(|_| ())
            .map_err(data_error)
    }

    fn audit_of(&self, entity: &str, entity_id: &str, limit: u32) -> DataResult<Vec<AuditLine>> {
        let filter = AuditFilter {
            entity: Some(entity.to_owned()),
            entity_id: Some(entity_id.to_owned()),
            limit: Some(limit),
            ..AuditFilter::default()
        };
        Ok(self
            .store
            .audit_entries(&filter)
            .map_err(data_error)?
            .into_iter()
            .map(|e| AuditLine {
                seq: e.seq,
                at: e.at,
                actor: e.actor,
                action: e.action,
                reason: e.reason,
            })
            .collect())
    }

    fn append_audit(&self, note: &AuditNote<'_>) -> DataResult<()> {
        self.store
            .record_access(
                &Actor::new(note.actor),
                note.action,
                note.entity,
                note.entity_id,
                note.reason,
                note.detail.clone(),
            )
            .map_err(data_error)
    }
}
