//! The application state shared by every handler: the storage backend, the configuration, the clock and the
//! in-memory login limiter.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use jingzhun_core::AreaCode;
use jingzhun_policy::PolicyPack;

use crate::data::Backend;
use crate::features::accounts::service::LoginLimiter;
use crate::features::dashboard::service::DashboardCache;
use crate::features::import::service::PendingImports;
use crate::features::reports::service::ReportCache;
use crate::http::error::AppError;
use crate::http::heavy_work::{HeavyLimits, HeavyWork};
use crate::http::session_cache::SessionCache;
use crate::http::HttpState;

/// Identification time limit used when the policy pack has no value for the year.
pub const DEFAULT_IDENTIFICATION_DAYS: u16 = 15;

/// How the web application runs.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub bind: SocketAddr,
    /// Adds `Secure` to cookies; set it when the application is served over HTTPS (directly or behind a
    /// proxy).
    pub secure_cookies: bool,
    /// How long a session lasts after sign-in, at most (absolute).
    pub session_ttl: Duration,
    /// Bounds of heavy work (report builds, exports, what-if, imports) in this process.
    pub heavy: HeavyLimits,
    /// How long a signed-in session found in this process's cache is trusted before it is read from the
    /// store again (see [`crate::http::session_cache`]): the bound on how late a sign-out, a password change or
    /// a disabled account made through another server (or the CLI) takes effect here.
    pub session_cache_ttl: Duration,
    /// How long a session stays open without a request (idle expiry), within `session_ttl`.
    pub session_idle: Duration,
    /// Household searches per account and minute (beyond: 429). Guessing resident-ID tails one search at
    /// a time must be slow.
    pub searches_per_minute: u32,
    /// The HTTP server: open connections at most (more wait to be accepted), time to read a request's
    /// headers (and to wait for the next request on a kept-alive connection), and time a connection may
    /// go without a byte read or written.
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    /// The area and years the server holds evaluated in memory (see [`crate::features::live`]).
    pub live: crate::features::live::LiveConfig,
    /// Where attachments' content is kept: the database (default) or a folder (`--attachments-dir`).
    pub attachments: crate::features::attachments::storage::Storage,
}

impl WebConfig {
    /// The HTTP server's limits.
    pub fn server_limits(&self) -> crate::http::security::server::Limits {
        crate::http::security::server::Limits {
            max_connections: self.max_connections.max(1),
            header_read_timeout: self.header_read_timeout,
            idle_timeout: self.idle_timeout,
        }
    }

    pub fn new(bind: SocketAddr) -> Self {
        Self {
            bind,
            secure_cookies: false,
            session_ttl: Duration::from_secs(12 * 3600),
            heavy: HeavyLimits::default(),
            session_cache_ttl: crate::http::session_cache::SESSION_CACHE_TTL,
            session_idle: Duration::from_secs(30 * 60),
            searches_per_minute: 300,
            max_connections: 1024,
            header_read_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(300),
            live: Default::default(),
            attachments: Default::default(),
        }
    }
}

/// The time, as a parameter, so that tests are deterministic.
pub trait Clock: Send + Sync + 'static {
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

/// Shared state; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    backend: Arc<dyn Backend>,
    config: WebConfig,
    clock: Arc<dyn Clock>,
    limiter: LoginLimiter,
    searches: crate::http::security::AccountRate,
    policy: PolicyPack,
    dashboards: DashboardCache,
    whatif: crate::features::whatif::service::WhatIfRuns,
    imports: PendingImports,
    reports: ReportCache,
    sessions: SessionCache,
    heavy: HeavyWork,
    live: crate::features::live::LiveSlot,
    warnings: crate::features::warnings::service::WarningCache,
    action: crate::features::action::service::ActionCache,
    own_writes: std::sync::atomic::AtomicU64,
}

impl AppState {
    pub fn new(backend: Arc<dyn Backend>, config: WebConfig, clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Arc::new(Inner {
                backend,
                clock,
                limiter: LoginLimiter::default(),
                searches: Default::default(),
                policy: PolicyPack::builtin(),
                dashboards: crate::features::dashboard::service::dashboard_cache(),
                whatif: Default::default(),
                imports: PendingImports::default(),
                reports: ReportCache::default(),
                sessions: SessionCache::new(config.session_cache_ttl),
                heavy: HeavyWork::new(config.heavy),
                live: Default::default(),
                warnings: Default::default(),
                action: crate::features::action::service::action_cache(),
                own_writes: Default::default(),
                config,
            }),
        }
    }

    pub fn config(&self) -> &WebConfig {
        &self.inner.config
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    pub fn limiter(&self) -> &LoginLimiter {
        &self.inner.limiter
    }

    /// Counts an account's household search; `RateLimited` (429) beyond
    /// [`WebConfig::searches_per_minute`].
    pub fn count_search(&self, account: crate::data::AccountId) -> Result<(), AppError> {
        if self
            .inner
            .searches
            .allow(account.0, self.inner.config.searches_per_minute)
        {
            Ok(())
        } else {
            Err(AppError::RateLimited)
        }
    }

    /// The identification time limit in days for `area` in `year`, from the policy pack (15 when the
    /// pack has no value for that year, the national default of the domain notes).
    pub fn identification_days_limit(&self, area: &AreaCode, year: u16) -> u16 {
        self.inner
            .policy
            .effective(year, Some(area))
            .map(|p| p.params.identification_days_limit)
            .unwrap_or(DEFAULT_IDENTIFICATION_DAYS)
    }

    /// The policy pack the application evaluates with (the built-in one).
    pub fn policy(&self) -> &PolicyPack {
        &self.inner.policy
    }

    pub fn dashboards(&self) -> &DashboardCache {
        &self.inner.dashboards
    }

    /// What-if run slots, loaded engines and recent results.
    pub fn whatif(&self) -> &crate::features::whatif::service::WhatIfRuns {
        &self.inner.whatif
    }

    /// Import previews waiting for confirmation.
    pub fn imports(&self) -> &PendingImports {
        &self.inner.imports
    }

    /// Reports built recently (the engine over an area is not rebuilt for every download).
    pub fn reports(&self) -> &ReportCache {
        &self.inner.reports
    }

    /// Sessions looked up recently (see [`crate::http::session_cache`]); handlers that end sessions or change
    /// accounts drop the affected entries.
    pub fn sessions(&self) -> &SessionCache {
        &self.inner.sessions
    }

    /// The limiter of heavy work (see [`crate::http::heavy_work`]).
    pub fn heavy(&self) -> &HeavyWork {
        &self.inner.heavy
    }

    /// The evaluated registry held in memory (see [`crate::features::live`]).
    pub fn live(&self) -> &crate::features::live::LiveSlot {
        &self.inner.live
    }

    /// Warning sets computed recently (see [`crate::features::warnings`]).
    pub fn warning_cache(&self) -> &crate::features::warnings::service::WarningCache {
        &self.inner.warnings
    }

    /// The dashboard for action's rates computed recently (see [`crate::features::action`]).
    pub fn action_cache(&self) -> &crate::features::action::service::ActionCache {
        &self.inner.action
    }

    /// Unsafe requests of this process that succeeded (bumped after each by `features::live::after_write`):
    /// figures computed before the last one are recomputed by the next request (`crate::http::refresh`).
    pub fn own_writes(&self) -> u64 {
        self.inner
            .own_writes
            .load(std::sync::atomic::Ordering::Acquire)
    }

    pub fn count_own_write(&self) {
        self.inner
            .own_writes
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    pub fn backend(&self) -> &Arc<dyn Backend> {
        &self.inner.backend
    }

    /// Runs storage work on the blocking pool (the store is synchronous) and returns its result.
    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Backend) -> Result<T, AppError> + Send + 'static,
    {
        crate::http::run_blocking(&self.inner.backend, f).await
    }
}

/// What the HTTP infrastructure (sessions, CSRF, extractors) reads from the state.
impl HttpState for AppState {
    fn backend(&self) -> &Arc<dyn Backend> {
        &self.inner.backend
    }

    fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    fn sessions(&self) -> &SessionCache {
        &self.inner.sessions
    }

    fn session_lifetimes(&self) -> (Duration, Duration) {
        (
            self.inner.config.session_idle,
            self.inner.config.session_ttl,
        )
    }

    fn secure_cookies(&self) -> bool {
        self.inner.config.secure_cookies
    }
}
