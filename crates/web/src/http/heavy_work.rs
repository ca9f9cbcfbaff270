//! One limiter per process for heavy work: report builds (the standard tables, the annual review), household
//! exports, what-if runs and spreadsheet imports (preview and confirmation). Each loads or streams a whole
//! area (an engine over it, a file of it), so that a handful running at once would take every core and a
//! large share of memory from the requests around them.
//!
//! A request for heavy work takes a [`Permit`] before it starts and holds it until its answer is built:
//!
//! - at most [`HeavyLimits::per_account`] at once per account (default 1: an analyst who starts four
//!   indicator tables in four tabs gets one, and 429 for the others), and
//! - at most [`HeavyLimits::overall`] at once in the process (default 2: on a machine of a few cores, the
//!   rest stay free for page requests).
//!
//! When either is full the request is refused at once with **429 Too Many Requests** and a `Retry-After`
//! header ([`HeavyLimits::retry_after`]), rather than queued: a queued build would hold its connection and
//! its browser tab for minutes, and the user can retry. Nothing waits inside the limiter.
//!
//! Memory: each admitted request holds at most one area's engine (or one import file with its parsed
//! rows) and the answer it builds, so heavy work needs at most `overall` times the largest of them beside
//! the server's own caches (one county's evaluation: about 0.2–0.3 GB resident, `BENCHMARKS.md`, "Pool").
//! `--heavy-limit` (or `JINGZHUN_HEAVY_LIMIT`) sets `overall` for the machine.
//!
//! The limiter is per process: with several servers behind a load balancer each admits its own
//! `overall`, so the whole deployment runs at most `servers × overall` builds (and one account may run one
//! per server). That is deliberate: the bound protects each server's memory and cores.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::data::AccountId;

/// The bounds of the limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeavyLimits {
    /// Heavy requests running at once in this process.
    pub overall: usize,
    /// Heavy requests running at once for one account.
    pub per_account: usize,
    /// What `Retry-After` tells a refused client.
    pub retry_after: Duration,
}

impl Default for HeavyLimits {
    fn default() -> Self {
        HeavyLimits {
            overall: 2,
            per_account: 1,
            retry_after: Duration::from_secs(10),
        }
    }
}

/// The kinds of heavy work (for logs and the refusal's wording).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeavyKind {
    Report,
    Export,
    WhatIf,
    Import,
}

impl HeavyKind {
    pub fn code(self) -> &'static str {
        match self {
            HeavyKind::Report => "report",
            HeavyKind::Export => "export",
            HeavyKind::WhatIf => "whatif",
            HeavyKind::Import => "import",
        }
    }
}

/// Why heavy work was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The account already runs as many as it may.
    Account { retry_after: Duration },
    /// The process already runs as many as it may.
    Overall { retry_after: Duration },
}

impl Refused {
    pub fn retry_after(self) -> Duration {
        match self {
            Refused::Account { retry_after } | Refused::Overall { retry_after } => retry_after,
        }
    }
}

/// The limiter; one per application state.
pub struct HeavyWork {
    limits: HeavyLimits,
    overall: Arc<Semaphore>,
    running: Arc<Mutex<HashMap<AccountId, usize>>>,
}

impl Default for HeavyWork {
    fn default() -> Self {
        Self::new(HeavyLimits::default())
    }
}

/// Admission of one heavy request; frees its places when dropped (also when the request is cancelled).
#[derive(Debug)]
pub struct Permit {
    _overall: OwnedSemaphorePermit,
    account: AccountId,
    running: Arc<Mutex<HashMap<AccountId, usize>>>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = running.get_mut(&self.account) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                running.remove(&self.account);
            }
        }
    }
}

impl HeavyWork {
    pub fn new(limits: HeavyLimits) -> Self {
        let limits = HeavyLimits {
            overall: limits.overall.max(1),
            per_account: limits.per_account.max(1),
            ..limits
        };
        HeavyWork {
            overall: Arc::new(Semaphore::new(limits.overall)),
            running: Arc::default(),
            limits,
        }
    }

    pub fn limits(&self) -> HeavyLimits {
        self.limits
    }

    /// A place for `account`'s heavy work of `kind`, or the refusal (never waits).
    pub fn admit(&self, account: AccountId, kind: HeavyKind) -> Result<Permit, Refused> {
        let retry_after = self.limits.retry_after;
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let mine = running.get(&account).copied().unwrap_or(0);
        if mine >= self.limits.per_account {
            tracing::info!(
                kind = kind.code(),
                account = account.0,
                "heavy work refused: account busy"
            );
            return Err(Refused::Account { retry_after });
        }
        let Ok(place) = Arc::clone(&self.overall).try_acquire_owned() else {
            tracing::info!(kind = kind.code(), "heavy work refused: server busy");
            return Err(Refused::Overall { retry_after });
        };
        *running.entry(account).or_insert(0) += 1;
        Ok(Permit {
            _overall: place,
            account,
            running: Arc::clone(&self.running),
        })
    }

    /// Heavy requests running now (for tests and diagnostics).
    pub fn running(&self) -> usize {
        self.limits.overall - self.overall.available_permits()
    }
}

/// The JSON refusal (`{"error": "busy", "message", "fields": []}`) with `Retry-After`, for API routes that
/// answer problems ([`crate::http::problem`]).
pub fn problem(refused: Refused) -> axum::response::Response {
    let mut res = crate::http::problem::respond(
        axum::http::StatusCode::TOO_MANY_REQUESTS,
        "busy",
        match refused {
            Refused::Account { .. } => "您已有一项报表、导出、推演或导入在进行, 请待其完成后再试",
            Refused::Overall { .. } => "服务器正忙于其他报表、导出、推演或导入, 请稍后再试",
        },
        Vec::new(),
    );
    res.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(refused.retry_after().as_secs().max(1)),
    );
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(overall: usize, per_account: usize) -> HeavyWork {
        HeavyWork::new(HeavyLimits {
            overall,
            per_account,
            retry_after: Duration::from_secs(7),
        })
    }

    #[test]
    fn one_per_account_and_two_overall() {
        let h = limiter(2, 1);
        let a = h.admit(AccountId(1), HeavyKind::Report).unwrap();
        assert_eq!(
            h.admit(AccountId(1), HeavyKind::Export).unwrap_err(),
            Refused::Account {
                retry_after: Duration::from_secs(7)
            }
        );
        let b = h.admit(AccountId(2), HeavyKind::WhatIf).unwrap();
        assert!(matches!(
            h.admit(AccountId(3), HeavyKind::Import),
            Err(Refused::Overall { .. })
        ));
        assert_eq!(h.running(), 2);
        drop(a);
        assert_eq!(h.running(), 1);
        let c = h.admit(AccountId(1), HeavyKind::Report).unwrap();
        drop((b, c));
        assert_eq!(h.running(), 0);
    }

    #[test]
    fn a_refusal_takes_no_place() {
        let h = limiter(1, 2);
        let _a = h.admit(AccountId(1), HeavyKind::Report).unwrap();
        for _ in 0..5 {
            assert!(h.admit(AccountId(2), HeavyKind::Report).is_err());
        }
        // The refused account holds nothing: it gets a place as soon as one is free.
        drop(_a);
        assert!(h.admit(AccountId(2), HeavyKind::Report).is_ok());
    }

    #[test]
    fn zero_limits_mean_one() {
        let h = limiter(0, 0);
        assert!(h.admit(AccountId(1), HeavyKind::Report).is_ok());
    }
}
