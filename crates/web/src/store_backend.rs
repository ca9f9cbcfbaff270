//! [`Backend`] over the real [`jingzhun_store::Store`] (SQLite or PostgreSQL).
//!
//! The division tree is read once and kept in memory (it changes with a yearly division file, not with
//! requests); [`StoreBackend::reload_areas`] refreshes it.
//!
//! Monitoring cases, assistance measures, visits and cadres live in the store's tables
//! (`jingzhun_store::monitoring`): one open case per household and the step compare-and-set are the
//! store's guarantees, and the store writes each change's audit entry in its transaction.
//!
//! Household search runs on an in-memory index of every current household (number, natural village,
//! member names, resident IDs, and what a list shows), built from one store scan at start and rebuilt
//! every [`SEARCH_INDEX_TTL`]; changes made through this backend update their entry at once. The store has
//! no indexed text search yet; when it gets one, search can move there.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use jingzhun_core::monitoring::{
    Assignment, Cadre, CadreId, CaseId, CaseRecord, CaseState, CaseStep, Measure, MeasureId, Visit,
    VisitId,
};
use jingzhun_core::{
    Area, AreaCode, AreaLevel, AreaTree, HouseholdId, Relationship, ResidentId, StatusEvent,
    Version,
};
use jingzhun_store::{
    AccountRow, Actor, AuditFilter, NewAccountRow, SessionRow, Store, StoreError, StoredHousehold,
};

use crate::access::Role;
use crate::data::*;

/// The web application's storage: the store plus a cached area tree.
pub struct StoreBackend {
    store: Arc<Store>,
    tree: RwLock<Option<Arc<AreaTree>>>,
    index: RwLock<SearchIndex>,
    rebuilding: AtomicBool,
    generation: AtomicU64,
}

/// How long the search index is trusted before it is rebuilt from the store (households added by another
/// process, e.g. an import from the command line, appear in search after at most this long).
pub const SEARCH_INDEX_TTL: Duration = Duration::from_secs(300);

/// The in-memory search index: one entry per current household, in village-code order, with what lists
/// show and what search matches on (household number, natural village, member names, resident IDs).
#[derive(Default)]
struct SearchIndex {
    built: Option<Instant>,
    entries: Vec<IndexEntry>,
    /// Every entry's `text`, each followed by U+001E, in entry order: one substring search over a range
    /// of it replaces a search per entry.
    haystack: String,
    /// Where each entry's text starts in `haystack` (plus the end, so `len() == entries.len() + 1`).
    offsets: Vec<usize>,
    /// Exact household numbers and resident IDs to entry positions.
    by_number: HashMap<String, usize>,
    by_resident_id: HashMap<String, usize>,
}

impl SearchIndex {
    fn new(mut entries: Vec<IndexEntry>) -> Self {
        entries.sort_by(|a, b| {
            (a.hit.village, a.hit.number.as_str()).cmp(&(b.hit.village, b.hit.number.as_str()))
        });
        let mut haystack = String::new();
        let mut offsets = Vec::with_capacity(entries.len() + 1);
        let mut by_number = HashMap::with_capacity(entries.len());
        let mut by_resident_id = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            offsets.push(haystack.len());
            haystack.push_str(&e.text);
            haystack.push('\u{1e}');
            by_number.insert(e.hit.number.as_str().to_owned(), i);
            for id in &e.ids {
                by_resident_id.insert(id.clone(), i);
            }
        }
        offsets.push(haystack.len());
        Self {
            built: Some(Instant::now()),
            entries,
            haystack,
            offsets,
            by_number,
            by_resident_id,
        }
    }

    /// Positions of the entries within `range` whose text contains `needle`, in order, at most `limit`.
    fn containing(&self, range: std::ops::Range<usize>, needle: &str, limit: usize) -> Vec<usize> {
        let mut out: Vec<usize> = Vec::new();
        if range.is_empty() || needle.is_empty() {
            return out;
        }
        let base = self.offsets[range.start];
        let text = &self.haystack[base..self.offsets[range.end]];
        for (at, _) in text.match_indices(needle) {
            let i = self.offsets.partition_point(|o| *o <= base + at) - 1;
            if out.last() != Some(&i) {
                out.push(i);
                if out.len() >= limit {
                    break;
                }
            }
        }
        out
    }
}

struct IndexEntry {
    hit: SearchHit,
    /// Household number, natural village and member names, separated by U+001F.
    text: String,
    ids: Vec<String>,
}

fn index_entry(s: StoredHousehold) -> IndexEntry {
    let h = s.household;
    let mut text = h.number.as_str().to_owned();
    for part in h
        .natural_village
        .iter()
        .map(String::as_str)
        .chain(h.members.iter().map(|m| m.name.as_str()))
    {
        text.push('\u{1f}');
        text.push_str(part);
    }
    let ids = h
        .members
        .iter()
        .map(|m| m.resident_id.as_str().to_owned())
        .collect();
    let head = h
        .members
        .iter()
        .find(|m| m.relationship == Relationship::Head)
        .or(h.members.first())
        .cloned();
    IndexEntry {
        hit: SearchHit {
            id: s.id,
            size: h.size(),
            number: h.number,
            village: h.village,
            head,
            phone: h.phone,
            events: s.events,
        },
        text,
        ids,
    }
}

impl StoreBackend {
    pub fn new(store: Arc<Store>) -> Self {
        Self {
            store,
            tree: RwLock::new(None),
            index: RwLock::new(SearchIndex::default()),
            rebuilding: AtomicBool::new(false),
            generation: AtomicU64::new(0),
        }
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Drops the cached area tree; the next request reads it again.
    pub fn reload_areas(&self) {
        if let Ok(mut t) = self.tree.write() {
            *t = None;
        }
    }

    /// Builds the search index now (the server does this at start so that the first search is fast).
    pub fn warm_search_index(&self) -> Result<(), String> {
        self.rebuild_index().map_err(|e| e.to_string())
    }

    fn rebuild_index(&self) -> DataResult<()> {
        let tree = self.tree()?;
        let mut entries = Vec::new();
        for top in tree.areas().filter(|a| a.level() == AreaLevel::Province) {
            self.store
                .scan_households(&top.code, None, &mut |s| {
                    entries.push(index_entry(s));
                    Ok(())
                })
                .map_err(data_error)?;
        }
        let fresh = SearchIndex::new(entries);
        let mut index = self
            .index
            .write()
            .map_err(|_| DataError::Other("搜索索引不可用".into()))?;
        *index = fresh;
        Ok(())
    }

    /// Builds the index if it has never been built; rebuilds it when older than [`SEARCH_INDEX_TTL`] (one
    /// request rebuilds, the others keep searching the previous one).
    fn ensure_index(&self) -> DataResult<()> {
        let built = self.index.read().ok().and_then(|i| i.built);
        let stale = built.is_none_or(|b| b.elapsed() > SEARCH_INDEX_TTL);
        if !stale {
            return Ok(());
        }
        if built.is_some() && self.rebuilding.swap(true, Ordering::AcqRel) {
            return Ok(());
        }
        let result = self.rebuild_index();
        self.rebuilding.store(false, Ordering::Release);
        result
    }

    /// Refreshes one household's entry after a change made through this backend.
    fn refresh_entry(&self, id: HouseholdId) -> DataResult<()> {
        let s = self.store.household(id).map_err(data_error)?;
        let entry = index_entry(s);
        if let Ok(mut index) = self.index.write() {
            // A decision changes what lists show, not what search matches on (text and IDs); a change of
            // those comes in with the next rebuild.
            if let Some(e) = index.entries.iter_mut().find(|e| e.hit.id == id) {
                e.hit = entry.hit;
            }
        }
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

fn data_error(e: StoreError) -> DataError {
    match e {
        StoreError::NotFound { .. } => DataError::NotFound,
        StoreError::Duplicate { entity, .. } => DataError::Duplicate(entity.to_owned()),
        StoreError::Conflict { .. } => DataError::Conflict,
        StoreError::CaseAlreadyOpen { open, .. } => DataError::CaseAlreadyOpen {
            message: e.to_string(),
            open,
        },
        StoreError::CaseConflict { .. } | StoreError::StepOrder { .. } => {
            DataError::CaseRefused(e.to_string())
        }
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

/// What a search text can be.
enum Needle {
    ResidentId(String),
    Text(String),
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
        text: &str,
        limit: usize,
    ) -> DataResult<Vec<SearchHit>> {
        self.ensure_index()?;
        let needle = match ResidentId::parse(text) {
            Ok(id) => Needle::ResidentId(id.as_str().to_owned()),
            Err(_) => Needle::Text(text.to_owned()),
        };
        let tree = self.tree()?;
        // Villages whose name matches: all their households match.
        let villages: HashSet<AreaCode> = match &needle {
            Needle::Text(t) => tree
                .descendants(within)
                .chain(tree.get(within))
                .filter(|a| a.level() == AreaLevel::Village && a.name.contains(t.as_str()))
                .map(|a| a.code)
                .collect(),
            Needle::ResidentId(_) => HashSet::new(),
        };
        let index = self
            .index
            .read()
            .map_err(|_| DataError::Other("搜索索引不可用".into()))?;
        let start = index.entries.partition_point(|e| e.hit.village < *within);
        let end = start
            + index.entries[start..]
                .iter()
                .take_while(|e| within.contains(&e.hit.village))
                .count();
        let exact = match &needle {
            Needle::ResidentId(id) => index.by_resident_id.get(id.as_str()).copied(),
            Needle::Text(t) => index.by_number.get(t.as_str()).copied(),
        };
        let mut positions: Vec<usize> = match (&needle, exact) {
            (_, Some(i)) => vec![i],
            (Needle::ResidentId(_), None) => Vec::new(),
            (Needle::Text(t), None) => {
                let mut p = index.containing(start..end, t, limit);
                if !villages.is_empty() {
                    p.extend(
                        (start..end).filter(|i| villages.contains(&index.entries[*i].hit.village)),
                    );
                    p.sort_unstable();
                    p.dedup();
                }
                p
            }
        };
        positions.retain(|i| (start..end).contains(i));
        let mut out: Vec<SearchHit> = positions
            .into_iter()
            .take(limit)
            .map(|i| index.entries[i].hit.clone())
            .collect();
        out.sort_by(|a, b| a.number.cmp(&b.number));
        Ok(out)
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
