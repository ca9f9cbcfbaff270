//! Signed-in sessions kept in memory for a short time, so that most requests of a signed-in account read
//! nothing from the store (a store read and a blocking-pool hop per request were most of a page's time
//! under load).
//!
//! What is cached is the result of a successful lookup: session → the account as it was read. The
//! session's own expiry is checked on every hit with the request's clock, so an expired session is refused
//! even while cached. Changes made through this process's web backend (sign-out, password change or reset,
//! disabling or enabling an account) drop the affected entries at once; changes made by another process
//! (another `jingzhun serve` behind the same load balancer, or the CLI disabling an account or changing its
//! role or area, in the same database) take effect within [`SESSION_CACHE_TTL`] (configurable as
//! `WebConfig::session_cache_ttl`), after which the entry is read again from the store. The bound is kept
//! short because sessions are valid on every server of a deployment: a session signed out on one server
//! must stop working on the others within seconds. Each active session costs one store read per TTL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::data::AccountId;
use crate::http::auth::CurrentUser;

/// How long a looked-up session is trusted without reading the store again: how late a sign-out or a
/// disabled account on another server is noticed here at most.
pub const SESSION_CACHE_TTL: Duration = Duration::from_secs(2);

/// Above this many entries, stale ones are swept at the next insertion (a bound on memory, not a limit
/// on sessions: when every entry is fresh the cache is emptied and refills from the store).
const MAX_ENTRIES: usize = 100_000;

/// The cache; one per application state.
pub struct SessionCache {
    ttl: chrono::Duration,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// By SHA-256 of the session token.
    entries: HashMap<String, Entry>,
    /// Bumped by every invalidation, so that a lookup that read the store before an invalidation does
    /// not put its (possibly stale) result back afterwards.
    generation: u64,
}

struct Entry {
    user: Arc<CurrentUser>,
    /// The session's expiry.
    expires_at: DateTime<Utc>,
    cached_at: DateTime<Utc>,
}

impl Default for SessionCache {
    fn default() -> Self {
        Self::new(SESSION_CACHE_TTL)
    }
}

impl SessionCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl: chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::seconds(2)),
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn fresh(&self, e: &Entry, now: DateTime<Utc>) -> bool {
        let age = now - e.cached_at;
        age >= chrono::Duration::zero() && age < self.ttl && now < e.expires_at
    }

    /// The cached account of session `hash`, if it was looked up less than the TTL ago and the session
    /// has not expired at `now`. `None` means: read the store (which also deletes an expired session).
    pub fn get(&self, hash: &str, now: DateTime<Utc>) -> Option<Arc<CurrentUser>> {
        let mut inner = self.lock();
        let entry = inner.entries.get(hash)?;
        if self.fresh(entry, now) {
            return Some(Arc::clone(&entry.user));
        }
        inner.entries.remove(hash);
        None
    }

    /// The current invalidation generation; take it before reading the store and hand it to
    /// [`SessionCache::insert`].
    pub fn generation(&self) -> u64 {
        self.lock().generation
    }

    /// Keeps the result of a store lookup made since `generation` was taken, unless an invalidation
    /// happened meanwhile.
    pub fn insert(
        &self,
        generation: u64,
        user: Arc<CurrentUser>,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            inner.entries.retain(|_, e| {
                let age = now - e.cached_at;
                age >= chrono::Duration::zero() && age < ttl && now < e.expires_at
            });
            if inner.entries.len() >= MAX_ENTRIES {
                inner.entries.clear();
            }
        }
        let hash = user.session_hash.clone();
        inner.entries.insert(
            hash,
            Entry {
                user,
                expires_at,
                cached_at: now,
            },
        );
    }

    /// Drops one session (sign-out).
    pub fn forget_session(&self, hash: &str) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.remove(hash);
    }

    /// Drops every session of an account (password change or reset, disabling, any change to the
    /// account).
    pub fn forget_account(&self, id: AccountId) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.retain(|_, e| e.user.account.id != id);
    }

    /// Number of entries (for tests and diagnostics).
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::Role;
    use crate::data::Account;
    use jingzhun_core::AreaCode;

    fn user(id: i64, hash: &str) -> Arc<CurrentUser> {
        Arc::new(CurrentUser {
            account: Account {
                id: AccountId(id),
                username: format!("u{id}"),
                display_name: String::new(),
                role: Role::VillageCadre,
                area: AreaCode::parse("511902001001").unwrap(),
                must_change_password: false,
                disabled: false,
                created_at: DateTime::from_timestamp(0, 0).unwrap(),
            },
            csrf_token: "c".repeat(64),
            session_hash: hash.to_owned(),
        })
    }

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn a_hit_within_the_ttl_and_before_expiry() {
        let c = SessionCache::new(Duration::from_secs(30));
        c.insert(c.generation(), user(1, "a"), t(100), t(0));
        assert_eq!(c.get("a", t(29)).unwrap().account.id, AccountId(1));
        assert!(c.get("b", t(1)).is_none());
    }

    #[test]
    fn an_old_entry_is_read_again() {
        let c = SessionCache::new(Duration::from_secs(30));
        c.insert(c.generation(), user(1, "a"), t(1000), t(0));
        assert!(c.get("a", t(30)).is_none());
        assert!(c.is_empty(), "the stale entry is dropped");
        // A clock that went back does not keep an entry alive either.
        c.insert(c.generation(), user(1, "a"), t(1000), t(50));
        assert!(c.get("a", t(49)).is_none());
    }

    #[test]
    fn an_expired_session_is_refused_even_when_cached() {
        let c = SessionCache::new(Duration::from_secs(30));
        c.insert(c.generation(), user(1, "a"), t(10), t(0));
        assert!(c.get("a", t(9)).is_some());
        assert!(c.get("a", t(10)).is_none(), "expiry is exact");
    }

    #[test]
    fn forgetting_drops_the_session_or_every_session_of_the_account() {
        let c = SessionCache::new(Duration::from_secs(30));
        c.insert(c.generation(), user(1, "a"), t(100), t(0));
        c.insert(c.generation(), user(1, "b"), t(100), t(0));
        c.insert(c.generation(), user(2, "c"), t(100), t(0));
        c.forget_session("a");
        assert!(c.get("a", t(1)).is_none());
        assert!(c.get("b", t(1)).is_some());
        c.forget_account(AccountId(1));
        assert!(c.get("b", t(1)).is_none());
        assert!(c.get("c", t(1)).is_some(), "other accounts stay");
    }

    #[test]
    fn a_lookup_that_raced_an_invalidation_is_not_kept() {
        let c = SessionCache::new(Duration::from_secs(30));
        let before = c.generation();
        // The account is disabled while the lookup reads the store.
        c.forget_account(AccountId(1));
        c.insert(before, user(1, "a"), t(100), t(0));
        assert!(c.get("a", t(1)).is_none());
    }
}
