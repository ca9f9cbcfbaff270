//! Figures that take a read of the store to compute (the dashboard's counts and trend, the action board's
//! cases, measures and visits, the warning lists' workflow items and data-quality checks), computed once
//! per change of the data and shared by every request that asks for them.
//!
//! * **One computation per key at a time.** Requests that arrive while a value is being computed wait for
//!   that computation instead of starting their own: a hundred people opening the county's dashboard at
//!   nine in the morning cost one read of the store, not a hundred (which, at full scale on PostgreSQL,
//!   never finished at all: every one of them waited behind the others' scans).
//! * **This server's own writes show on the next request; other processes' writes in the background.** A
//!   value is stamped with two versions: this process's writes (the application state's `own_writes`,
//!   bumped by every unsafe request that succeeded) and the data's (the live registry's epoch, which also
//!   moves with other processes' writes arriving through the change feed, or an age limit). After a write
//!   through this server, the next request computes the value again (one computation, the others wait
//!   for it): an edit shows at once. When only the data version moved (a bulk load on the command line,
//!   another server) and the value took longer than [`SYNC_BUDGET`] to compute (a county or the city at
//!   full scale: seconds), requests get the previous value at once while one background thread computes
//!   the new one; cheaper values are recomputed by the request.
//!
//! Written here rather than taken from a caching crate: the ones we looked at (moka, cached) give
//! single-flight loading and time-to-live, but not "serve the previous value while one refresh runs,
//! unless recomputing is cheap", which is the point of this module; it is a few dozen lines over
//! `std::sync`.

use std::collections::HashMap;
use std::hash::Hash;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use crate::http::error::AppError;

/// A value that took longer than this to compute is refreshed in the background when its data changes;
/// a cheaper one is recomputed by the request that finds it out of date.
pub const SYNC_BUDGET: Duration = Duration::from_millis(300);

/// Keys kept before the cache is emptied (of everything not being computed).
const MAX_ENTRIES: usize = 2_000;

/// A computed value with what it was computed from.
#[derive(Debug)]
pub struct Stamped<V> {
    pub value: Arc<V>,
    /// This process's writes it includes.
    pub own: u64,
    /// The data version it was computed at.
    pub version: u64,
    /// When the computation ended (for "as of" on pages).
    pub computed_at: SystemTime,
    at: Instant,
    took: Duration,
}

impl<V> Clone for Stamped<V> {
    fn clone(&self) -> Self {
        Stamped {
            value: Arc::clone(&self.value),
            own: self.own,
            version: self.version,
            computed_at: self.computed_at,
            at: self.at,
            took: self.took,
        }
    }
}

impl<V> Stamped<V> {
    /// How long the computation took.
    pub fn took(&self) -> Duration {
        self.took
    }
}

type Outcome<V> = Result<Stamped<V>, AppError>;

/// One computation in progress, which other requests may wait for.
struct Flight<V> {
    outcome: Mutex<Option<Outcome<V>>>,
    done: Condvar,
}

impl<V> Flight<V> {
    fn new() -> Self {
        Flight {
            outcome: Mutex::new(None),
            done: Condvar::new(),
        }
    }

    fn finish(&self, outcome: Outcome<V>) {
        *self.outcome.lock().unwrap_or_else(PoisonError::into_inner) = Some(outcome);
        self.done.notify_all();
    }

    fn wait(&self) -> Outcome<V> {
        let mut guard = self.outcome.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(outcome) = guard.as_ref() {
                return outcome.clone();
            }
            guard = self
                .done
                .wait(guard)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

struct Slot<V> {
    value: Option<Stamped<V>>,
    flight: Option<Arc<Flight<V>>>,
}

impl<V> Default for Slot<V> {
    fn default() -> Self {
        Slot {
            value: None,
            flight: None,
        }
    }
}

/// Values per key, computed once per data version (see the module doc). Cheap to clone: clones share the
/// values.
pub struct Refresh<K, V> {
    slots: Arc<Mutex<HashMap<K, Slot<V>>>>,
    /// A value older than this is out of date whatever its version (changes this process cannot see).
    max_age: Option<Duration>,
}

impl<K, V> Clone for Refresh<K, V> {
    fn clone(&self) -> Self {
        Refresh {
            slots: Arc::clone(&self.slots),
            max_age: self.max_age,
        }
    }
}

impl<K, V> Default for Refresh<K, V> {
    fn default() -> Self {
        Refresh {
            slots: Arc::default(),
            max_age: None,
        }
    }
}

/// What to do after looking at a key's slot.
enum Next<V> {
    Done(Stamped<V>),
    Wait(Arc<Flight<V>>),
    Compute(Arc<Flight<V>>),
    /// Serve this and compute in the background.
    Refresh(Stamped<V>, Arc<Flight<V>>),
}

impl<K, V> Refresh<K, V>
where
    K: Clone + Eq + Hash + Send + 'static,
    V: Send + Sync + 'static,
{
    /// A cache whose values also expire `max_age` after they were computed.
    pub fn with_max_age(max_age: Duration) -> Self {
        Refresh {
            slots: Arc::default(),
            max_age: Some(max_age),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<K, Slot<V>>> {
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn data_current(&self, s: &Stamped<V>, version: u64) -> bool {
        s.version >= version && self.max_age.is_none_or(|a| s.at.elapsed() < a)
    }

    /// The value of `key` including this process's writes up to `own` and the data at version `version`
    /// (or, when only the data moved and the value is expensive, the last one while the new one is
    /// computed). Blocking: call on the blocking pool.
    pub fn get<F>(&self, key: K, own: u64, version: u64, compute: F) -> Result<Stamped<V>, AppError>
    where
        F: FnOnce() -> Result<V, AppError> + Send + 'static,
    {
        let mut compute = Some(compute);
        loop {
            let next = {
                let mut slots = self.lock();
                if slots.len() > MAX_ENTRIES {
                    slots.retain(|_, s| s.flight.is_some());
                }
                let slot = slots.entry(key.clone()).or_default();
                // Whether the last value may be served while a new one is computed.
                let servable = |s: &Stamped<V>| s.own >= own && s.took >= SYNC_BUDGET;
                match (&slot.value, &slot.flight) {
                    (Some(s), _) if s.own >= own && self.data_current(s, version) => {
                        Next::Done(s.clone())
                    }
                    (Some(s), Some(_)) if servable(s) => Next::Done(s.clone()),
                    (_, Some(f)) => Next::Wait(Arc::clone(f)),
                    (value, None) => {
                        let flight = Arc::new(Flight::new());
                        let next = match value {
                            Some(s) if servable(s) => Next::Refresh(s.clone(), Arc::clone(&flight)),
                            _ => Next::Compute(Arc::clone(&flight)),
                        };
                        slot.flight = Some(flight);
                        next
                    }
                }
            };
            match next {
                Next::Done(s) => return Ok(s),
                Next::Wait(flight) => {
                    let s = flight.wait()?;
                    // A computation that started before the change asked for: look again.
                    if s.own >= own && s.version >= version {
                        return Ok(s);
                    }
                }
                Next::Compute(flight) => {
                    let Some(f) = compute.take() else {
                        return Err(AppError::Internal);
                    };
                    return self.run(key, own, version, f, &flight);
                }
                Next::Refresh(stale, flight) => {
                    let Some(f) = compute.take() else {
                        return Ok(stale);
                    };
                    let this = self.clone();
                    let spawned =
                        std::thread::Builder::new()
                            .name("refresh".into())
                            .spawn(move || {
                                let _ = this.run(key, own, version, f, &flight);
                            });
                    if spawned.is_err() {
                        tracing::warn!(
                            "no thread for a background refresh; serving the last value"
                        );
                    }
                    return Ok(stale);
                }
            }
        }
    }

    fn run<F>(&self, key: K, own: u64, version: u64, compute: F, flight: &Flight<V>) -> Outcome<V>
    where
        F: FnOnce() -> Result<V, AppError>,
    {
        let started = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(compute)).unwrap_or(Err(AppError::Internal));
        let outcome = result.map(|v| Stamped {
            value: Arc::new(v),
            own,
            version,
            computed_at: SystemTime::now(),
            at: Instant::now(),
            took: started.elapsed(),
        });
        {
            let mut slots = self.lock();
            let slot = slots.entry(key).or_default();
            slot.flight = None;
            if let Ok(s) = &outcome {
                if slot
                    .value
                    .as_ref()
                    .is_none_or(|old| old.own <= s.own && old.version <= s.version)
                {
                    slot.value = Some(s.clone());
                }
            }
        }
        flight.finish(outcome.clone());
        outcome
    }

    /// Forgets every value (the next request computes again).
    pub fn clear(&self) {
        self.lock().retain(|_, s| s.flight.is_some());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn concurrent_requests_share_one_computation() {
        let cache: Refresh<u8, u64> = Refresh::default();
        let calls = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..16)
            .map(|_| {
                let (cache, calls) = (cache.clone(), Arc::clone(&calls));
                std::thread::spawn(move || {
                    cache
                        .get(1, 0, 0, move || {
                            calls.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(50));
                            Ok(7)
                        })
                        .map(|s| *s.value)
                })
            })
            .collect();
        for t in threads {
            assert_eq!(t.join().ok().and_then(Result::ok), Some(7));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_cheap_value_is_recomputed_on_the_next_request_after_a_change() {
        let cache: Refresh<u8, u64> = Refresh::default();
        assert_eq!(cache.get(1, 0, 0, || Ok(1)).map(|s| *s.value), Ok(1));
        assert_eq!(cache.get(1, 0, 0, || Ok(2)).map(|s| *s.value), Ok(1));
        assert_eq!(cache.get(1, 0, 1, || Ok(3)).map(|s| *s.value), Ok(3));
    }

    #[test]
    fn an_expensive_value_is_served_while_its_refresh_runs() {
        let cache: Refresh<u8, u64> = Refresh::default();
        let slow = || {
            std::thread::sleep(SYNC_BUDGET + Duration::from_millis(20));
            Ok(1)
        };
        assert_eq!(cache.get(1, 0, 0, slow).map(|s| *s.value), Ok(1));
        // The data changed: the old value at once, the new one computed behind it.
        let started = Instant::now();
        let stale = cache.get(1, 0, 1, || {
            std::thread::sleep(Duration::from_millis(100));
            Ok(2)
        });
        assert_eq!(stale.map(|s| (*s.value, s.version)), Ok((1, 0)));
        assert!(started.elapsed() < Duration::from_millis(100));
        // Once the refresh is done, the new value is served.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let s = cache.get(1, 0, 1, || Ok(3)).map(|s| *s.value);
            if s == Ok(2) {
                break;
            }
            assert_eq!(s, Ok(1), "only the old or the refreshed value");
            assert!(Instant::now() < deadline, "the refresh never landed");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn after_a_write_through_this_server_even_an_expensive_value_is_recomputed() {
        let cache: Refresh<u8, u64> = Refresh::default();
        let slow = |v| {
            move || {
                std::thread::sleep(SYNC_BUDGET + Duration::from_millis(20));
                Ok(v)
            }
        };
        assert_eq!(cache.get(1, 0, 0, slow(1)).map(|s| *s.value), Ok(1));
        assert_eq!(cache.get(1, 1, 1, slow(2)).map(|s| *s.value), Ok(2));
    }

    #[test]
    fn a_failed_computation_is_not_kept_and_does_not_hang_the_waiters() {
        let cache: Refresh<u8, u64> = Refresh::default();
        assert_eq!(
            cache
                .get(1, 0, 0, || Err(AppError::Internal))
                .map(|s| *s.value),
            Err(AppError::Internal)
        );
        assert_eq!(
            cache
                .get(1, 0, 0, || -> Result<u64, AppError> { panic!("boom") })
                .map(|s| *s.value),
            Err(AppError::Internal)
        );
        assert_eq!(cache.get(1, 0, 0, || Ok(5)).map(|s| *s.value), Ok(5));
    }

    #[test]
    fn values_expire_after_their_maximum_age() {
        let cache: Refresh<u8, u64> = Refresh::with_max_age(Duration::from_millis(30));
        assert_eq!(cache.get(1, 0, 0, || Ok(1)).map(|s| *s.value), Ok(1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(1, 0, 0, || Ok(2)).map(|s| *s.value), Ok(2));
    }
}
