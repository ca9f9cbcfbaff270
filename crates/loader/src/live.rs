//! The registry evaluated in memory and kept current: what a long-running process (the web application)
//! reads its numbers and warning lists from, instead of rescanning the store on requests.
//!
//! [`Live::load`] reads an area once into one engine per year ([`crate::load_years`]) and evaluates each.
//! From then on it follows the registry's change feed ([`Store::changes_after`]: the audit log, one ordered
//! sequence for every process writing to the database): [`Live::catch_up`] reads the households changed
//! after the last sequence number applied, re-reads each of them, and updates every held year with
//! [`Engine::update_household`] (or takes the household out when it left the area). A change of the area
//! divisions, or a batch too large to apply household by household, reloads everything instead.
//!
//! Who calls `catch_up`: the writer itself right after its commit (so that the next request sees the
//! change), a background poll every second or two (changes made by other processes: an import on the
//! command line, another server on the same PostgreSQL database), and readers that find the feed ahead of
//! them ([`Live::catch_up_if_behind`], one indexed lookup).
//!
//! Years not held are loaded on first use and kept (at most [`Live::max_years`], the least recently used
//! beyond that dropped, never the years loaded at start).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, TryLockError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use jingzhun_core::{AreaCode, AreaTree, HouseholdId};
use jingzhun_engine::{Engine, Evaluation, HouseholdInput};
use jingzhun_policy::PolicyPack;
use jingzhun_store::{Store, StoreError};

use crate::{load_years, LoadError, Progress, Silent, FIRST_YEAR};

/// More changed households than this in one catch-up: reload instead of updating one by one.
pub const RELOAD_ABOVE: usize = 50_000;

/// One year of the area, evaluated.
pub struct LiveYear {
    pub engine: Engine,
    pub eval: Evaluation,
    /// The newest record read or applied.
    pub data_time: DateTime<Utc>,
}

/// A held year: shared by readers, updated in place by the catch-up.
pub type SharedYear = Arc<RwLock<LiveYear>>;

struct Held {
    year: SharedYear,
    pinned: bool,
    used: Instant,
}

/// What a catch-up did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CatchUp {
    /// Households re-read and re-evaluated (in every held year).
    pub households: usize,
    /// Everything was reloaded.
    pub reloaded: bool,
    /// The feed position after it.
    pub seq: i64,
    pub micros: u64,
}

/// The evaluated registry of one area, following the change feed.
pub struct Live {
    store: Arc<Store>,
    area: AreaCode,
    pack: PolicyPack,
    max_years: usize,
    /// The last audit entry applied.
    seq: AtomicU64,
    /// Bumped whenever any held year changed (caches of derived lists compare it).
    epoch: AtomicU64,
    years: RwLock<BTreeMap<u16, Held>>,
    /// Serialises catch-ups and year loads (two would apply the same changes twice, harmlessly but wastefully).
    applying: Mutex<()>,
    /// When a reader last looked at the feed's head ([`Live::catch_up_unless_busy`]), in nanoseconds after
    /// `born`.
    head_checked: AtomicU64,
    born: Instant,
}

/// Readers look at the change feed's head at most this often: at thousands of requests a second, one
/// look per request was a database round trip each (three on PostgreSQL, with the transaction), while
/// another process's change may show this much later (this process's own writes are applied before
/// their answer leaves, [`Live::catch_up_if_behind`]).
pub const HEAD_CHECK_EVERY: Duration = Duration::from_millis(200);

fn lock_err<T>(e: PoisonError<T>) -> T {
    e.into_inner()
}

impl Live {
    /// Loads `years` of `area` from the store and evaluates them under `pack`. Years the pack cannot
    /// evaluate are refused with the pack's reason.
    pub fn load(
        store: Arc<Store>,
        area: AreaCode,
        pack: PolicyPack,
        years: &[u16],
        progress: &mut dyn Progress,
    ) -> Result<Live, LoadError> {
        let live = Live {
            store,
            area,
            pack,
            max_years: years.len().max(1) + 3,
            seq: AtomicU64::new(0),
            epoch: AtomicU64::new(0),
            years: RwLock::new(BTreeMap::new()),
            applying: Mutex::new(()),
            head_checked: AtomicU64::new(0),
            born: Instant::now(),
        };
        {
            let _guard = live.applying.lock().unwrap_or_else(lock_err);
            let (seq, loaded) = live.read_years(years, progress)?;
            live.seq.store(seq.max(0) as u64, Ordering::Release);
            let mut held = live.years.write().unwrap_or_else(lock_err);
            for (y, year) in loaded {
                held.insert(
                    y,
                    Held {
                        year: Arc::new(RwLock::new(year)),
                        pinned: true,
                        used: Instant::now(),
                    },
                );
            }
        }
        Ok(live)
    }

    /// Reads and evaluates `years`; returns them with the feed position they are current at (read before
    /// the registry, so that changes committed meanwhile are applied again by the next catch-up).
    fn read_years(
        &self,
        years: &[u16],
        progress: &mut dyn Progress,
    ) -> Result<(i64, Vec<(u16, LiveYear)>), LoadError> {
        let seq = self.store.audit_head()?;
        let tree = self.store.area_tree()?;
        if tree.is_empty() {
            return Err(LoadError::NoAreas);
        }
        let mut years: Vec<u16> = years.to_vec();
        years.sort_unstable();
        years.dedup();
        if let Some(y) = years.iter().find(|y| **y < FIRST_YEAR) {
            return Err(LoadError::YearTooEarly(*y));
        }
        let loaded = load_years(
            &self.store,
            &tree,
            &self.area,
            &years,
            &mut |_| {},
            progress,
        )?;
        let mut out = Vec::with_capacity(loaded.len());
        for (y, l) in years.iter().zip(loaded) {
            let eval = l.engine.evaluate(&self.pack)?;
            out.push((
                *y,
                LiveYear {
                    engine: l.engine,
                    eval,
                    data_time: l.data_time,
                },
            ));
        }
        Ok((seq, out))
    }

    pub fn area(&self) -> &AreaCode {
        &self.area
    }

    pub fn pack(&self) -> &PolicyPack {
        &self.pack
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// How many years are kept at most.
    pub fn max_years(&self) -> usize {
        self.max_years
    }

    /// The last audit entry applied.
    pub fn seq(&self) -> i64 {
        self.seq.load(Ordering::Acquire) as i64
    }

    /// Changes whenever a held year changed.
    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    /// The years held now.
    pub fn years(&self) -> Vec<u16> {
        self.years
            .read()
            .unwrap_or_else(lock_err)
            .keys()
            .copied()
            .collect()
    }

    /// Heap bytes of the held engines and evaluations.
    pub fn heap_bytes(&self) -> usize {
        self.years
            .read()
            .unwrap_or_else(lock_err)
            .values()
            .map(|h| {
                let y = h.year.read().unwrap_or_else(lock_err);
                y.engine.heap_bytes() + y.eval.heap_bytes()
            })
            .sum()
    }

    /// Whether `area` is within what this registry holds.
    pub fn covers(&self, area: &AreaCode) -> bool {
        self.area.contains(area)
    }

    /// The year, loading it first if it is not held (slow: the store is read).
    pub fn year(&self, year: u16) -> Result<SharedYear, LoadError> {
        if let Some(y) = self.held(year) {
            return Ok(y);
        }
        let _guard = self.applying.lock().unwrap_or_else(lock_err);
        if let Some(y) = self.held(year) {
            return Ok(y);
        }
        let (seq, mut loaded) = self.read_years(&[year], &mut Silent)?;
        let Some((_, loaded)) = loaded.pop() else {
            return Err(LoadError::NoResults);
        };
        let shared = Arc::new(RwLock::new(loaded));
        let mut held = self.years.write().unwrap_or_else(lock_err);
        held.insert(
            year,
            Held {
                year: Arc::clone(&shared),
                pinned: false,
                used: Instant::now(),
            },
        );
        while held.len() > self.max_years {
            let Some(oldest) = held
                .iter()
                .filter(|(_, h)| !h.pinned)
                .min_by_key(|(_, h)| h.used)
                .map(|(y, _)| *y)
            else {
                break;
            };
            held.remove(&oldest);
        }
        drop(held);
        // The new year is current at `seq`, the others at `self.seq`: changes between the two are applied
        // to all by the next catch-up (applying a change twice gives the same result).
        let _ = seq;
        self.epoch.fetch_add(1, Ordering::AcqRel);
        Ok(shared)
    }

    fn held(&self, year: u16) -> Option<SharedYear> {
        let mut held = self.years.write().unwrap_or_else(lock_err);
        let h = held.get_mut(&year)?;
        h.used = Instant::now();
        Some(Arc::clone(&h.year))
    }

    /// Catches up if the feed has entries not applied yet (one indexed lookup when it has none).
    pub fn catch_up_if_behind(&self) -> Result<Option<CatchUp>, LoadError> {
        if self.store.audit_head()? <= self.seq() {
            return Ok(None);
        }
        self.catch_up().map(Some)
    }

    /// Like [`Self::catch_up_if_behind`], but returns at once when another thread is already applying
    /// changes: a reader then sees the registry as it stands (that catch-up lands for the next request)
    /// instead of queueing behind it — during a county's bulk load by another process that catch-up is
    /// a reload taking a minute or more, and every page would wait for it.
    /// The head is looked at no more than every [`HEAD_CHECK_EVERY`] across all readers.
    pub fn catch_up_unless_busy(&self) -> Result<Option<CatchUp>, LoadError> {
        let now = u64::try_from(self.born.elapsed().as_nanos()).unwrap_or(u64::MAX);
        let last = self.head_checked.load(Ordering::Acquire);
        let every = u64::try_from(HEAD_CHECK_EVERY.as_nanos()).unwrap_or(u64::MAX);
        // `last == 0`: never looked. One reader of those arriving together takes the look.
        if last != 0 && now.saturating_sub(last) < every
            || self
                .head_checked
                .compare_exchange(last, now.max(1), Ordering::AcqRel, Ordering::Acquire)
                .is_err()
        {
            return Ok(None);
        }
        if self.store.audit_head()? <= self.seq() {
            return Ok(None);
        }
        let guard = match self.applying.try_lock() {
            Ok(g) => g,
            Err(TryLockError::WouldBlock) => return Ok(None),
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
        };
        self.catch_up_holding(guard).map(Some)
    }

    /// Applies every change of the feed after the last one applied.
    pub fn catch_up(&self) -> Result<CatchUp, LoadError> {
        let guard = self.applying.lock().unwrap_or_else(lock_err);
        self.catch_up_holding(guard)
    }

    fn catch_up_holding(&self, _guard: MutexGuard<'_, ()>) -> Result<CatchUp, LoadError> {
        let started = Instant::now();
        let mut seq = self.seq();
        let mut changed: BTreeSet<HouseholdId> = BTreeSet::new();
        let mut reload = false;
        loop {
            let c = self.store.changes_after(seq)?;
            seq = c.last_seq;
            reload |= c.reload;
            changed.extend(c.households);
            if reload || changed.len() > RELOAD_ABOVE {
                reload = true;
                // Read to the head, then reload: the reload itself reads the registry as it is now.
                if !c.more {
                    break;
                }
                changed.clear();
                continue;
            }
            if !c.more {
                break;
            }
        }
        let mut out = CatchUp {
            seq,
            ..CatchUp::default()
        };
        if reload {
            let years = self.years();
            let (head, loaded) = self.read_years(&years, &mut Silent)?;
            let mut held = self.years.write().unwrap_or_else(lock_err);
            for (y, year) in loaded {
                if let Some(h) = held.get_mut(&y) {
                    h.year = Arc::new(RwLock::new(year));
                }
            }
            drop(held);
            out.reloaded = true;
            out.seq = head.max(seq);
        } else if !changed.is_empty() {
            let years: Vec<SharedYear> = self
                .years
                .read()
                .unwrap_or_else(lock_err)
                .values()
                .map(|h| Arc::clone(&h.year))
                .collect();
            for id in &changed {
                self.apply(&years, *id)?;
            }
            out.households = changed.len();
        }
        self.seq.store(out.seq.max(0) as u64, Ordering::Release);
        if out.reloaded || out.households > 0 {
            self.epoch.fetch_add(1, Ordering::AcqRel);
        }
        out.micros = started.elapsed().as_micros() as u64;
        Ok(out)
    }

    /// Re-reads one household and updates every held year with it (as [`crate::load_years`] would have
    /// loaded it: the version in force at the year's evaluation date, if filed within the area then).
    fn apply(&self, years: &[SharedYear], id: HouseholdId) -> Result<(), LoadError> {
        let current = match self.store.household(id) {
            Ok(h) => Some(h),
            Err(StoreError::NotFound { .. }) => None,
            Err(e) => return Err(e.into()),
        };
        // What the bulk load hands the engine beside the record: dated department findings and measures.
        let side = match &current {
            Some(_) => crate::SideIndex::of_household(&self.store, id)?,
            None => jingzhun_policy::SideFacts::default(),
        };
        for shared in years {
            let as_of = shared.read().unwrap_or_else(lock_err).engine.as_of();
            let in_force = match &current {
                Some(_) => match self.store.household_as_of(id, as_of) {
                    Ok(h) => h,
                    Err(StoreError::NotFound { .. }) => None,
                    Err(e) => return Err(e.into()),
                },
                None => None,
            };
            let mut guard = shared.write().unwrap_or_else(lock_err);
            let LiveYear {
                engine,
                eval,
                data_time,
            } = &mut *guard;
            match (in_force, &current) {
                (Some(v), Some(cur)) if self.area.contains(&v.household.village) => {
                    *data_time = (*data_time).max(v.recorded_at).max(cur.recorded_at);
                    // All the household's events, as the bulk load passes them (the engine replays them up
                    // to the evaluation date).
                    engine.update_household(
                        eval,
                        HouseholdInput::new(id, &v.household, cur.events.as_slice(), &side),
                    )?;
                }
                _ => {
                    if engine.assessment(eval, id).is_some() {
                        engine.remove_household(eval, id)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The single top-level area of the tree (the province), which a server serves by default; `None` when the
/// tree is empty or has several.
pub fn default_area(tree: &AreaTree) -> Option<AreaCode> {
    let mut roots = tree.areas().filter(|a| a.code.parent().is_none());
    let first = roots.next()?.code;
    roots.next().is_none().then_some(first)
}

/// The years a server holds by default on `today`: the last completed year and the current one, as far as
/// the pack can evaluate them.
pub fn default_years(pack: &PolicyPack, area: &AreaCode, today: chrono::NaiveDate) -> Vec<u16> {
    use chrono::Datelike;
    let this = u16::try_from(today.year()).unwrap_or(2025);
    [this - 1, this]
        .into_iter()
        .filter(|y| pack.effective(*y, Some(area)).is_ok())
        .collect()
}
