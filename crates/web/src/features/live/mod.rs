//! The engine in the server: the registry of the served area evaluated in memory
//! ([`jingzhun_loader::live::Live`]) and kept current, so that warning lists and counts never rescan the
//! registry on a request.
//!
//! * **At start** `serve` loads it in the background ([`LiveSlot::start`]), logging a progress line, the
//!   time it took and the memory it holds. A request that needs it before it is ready waits for the same
//!   load (one load, never two). Then the dashboards and warning lists of the served area down to its
//!   counties are computed once ([`warm`]), so that nobody's first page after a start waits for them.
//! * **After every write** of this process ([`after_write`], a middleware over every unsafe request that
//!   succeeded: edit, import, status decision, case step, measure, visit…) the change feed is applied before
//!   the answer leaves, so the next request sees the change.
//! * **Other processes' writes** (an import on the command line, another server on the same PostgreSQL
//!   database) arrive through the same feed: a background poll every [`POLL`] ([`follow`]), and every
//!   read checks the feed's head first (one indexed lookup; at most every
//!   [`jingzhun_loader::live::HEAD_CHECK_EVERY`] across all readers) and applies what is new — unless a catch-up is
//!   already running, which the read does not wait for (during another process's bulk load that is a
//!   reload of a minute or more) — so a change shows within a couple of seconds.
//! * **Derived lists** (warning sets, data-quality checks, the action board's rates) are computed once per
//!   change of the registry and shared by the requests (`crate::http::refresh`).
//!
//! Tests and a store-less backend: the slot loads on first use from `Backend::report_store`.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use jingzhun_core::AreaCode;
use jingzhun_loader::live::{default_area, default_years, Live};
use jingzhun_loader::Progress;

use crate::http::error::AppError;
use crate::state::AppState;

/// How often the background task looks for other processes' changes.
pub const POLL: Duration = Duration::from_millis(1000);

/// What the server holds in memory: which area and years (defaults: the province of the division table,
/// and the last completed year with the current one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LiveConfig {
    pub area: Option<AreaCode>,
    pub years: Vec<u16>,
}

/// The live registry of a server, loaded once.
#[derive(Default)]
pub struct LiveSlot {
    live: OnceLock<Arc<Live>>,
    loading: Mutex<()>,
}

impl LiveSlot {
    /// The loaded registry, if the load is done.
    pub fn ready(&self) -> Option<Arc<Live>> {
        self.live.get().cloned()
    }

    /// The registry, loading it first if needed (blocking: call on the blocking pool).
    pub fn get_or_load(&self, state: &AppState) -> Result<Arc<Live>, AppError> {
        if let Some(l) = self.live.get() {
            return Ok(Arc::clone(l));
        }
        let _guard = self.loading.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(l) = self.live.get() {
            return Ok(Arc::clone(l));
        }
        let live = Arc::new(load(state)?);
        let _ = self.live.set(Arc::clone(&live));
        Ok(live)
    }
}

/// Progress of the start-up load, as log lines.
struct LogProgress {
    label: String,
    total: u64,
    started: Instant,
}

impl Progress for LogProgress {
    fn start(&mut self, label: &str, total: u64, unit: &str) {
        self.label = label.to_owned();
        self.total = total;
        self.started = Instant::now();
        tracing::info!("装载引擎: {label} {total} {unit}");
    }

    fn set(&mut self, done: u64) {
        if done.is_multiple_of(16_384 * 8) {
            tracing::info!("装载引擎: {} {done}/{}", self.label, self.total);
        }
    }

    fn finish(&mut self) {
        tracing::info!(
            "装载引擎: {} 完成, {:.1} 秒",
            self.label,
            self.started.elapsed().as_secs_f64()
        );
    }
}

/// Resident memory of this process in MiB (Linux), for the log.
pub fn rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib / 1024)
}

fn load(state: &AppState) -> Result<Live, AppError> {
    let store = state.backend().report_store().ok_or(AppError::Internal)?;
    let internal = |e: &dyn std::fmt::Display| {
        tracing::error!(error = %e, "loading the engine failed");
        AppError::Internal
    };
    let config = state.config().live.clone();
    let area = match config.area {
        Some(a) => a,
        None => {
            let tree = store.area_tree().map_err(|e| internal(&e))?;
            default_area(&tree).ok_or_else(|| {
                tracing::error!(
                    "the division table has no single top-level area: serve --area is needed"
                );
                AppError::Internal
            })?
        }
    };
    let pack = state.policy().clone();
    let today = crate::http::today(state);
    let years = if config.years.is_empty() {
        default_years(&pack, &area, today)
    } else {
        config.years
    };
    let started = Instant::now();
    let before = rss_mib();
    let mut progress = LogProgress {
        label: String::new(),
        total: 0,
        started,
    };
    let live = Live::load(store, area, pack, &years, &mut progress).map_err(|e| internal(&e))?;
    tracing::info!(
        "引擎已装载: 区划 {area}, 年度 {years:?}, {:.1} 秒, 引擎 {} MiB, 进程内存 {} MiB (装载前 {} MiB)",
        started.elapsed().as_secs_f64(),
        live.heap_bytes() / (1024 * 1024),
        rss_mib().unwrap_or(0),
        before.unwrap_or(0),
    );
    Ok(live)
}

/// Loads the registry in the background (the server answers meanwhile; what needs the registry waits for
/// this load), then follows the change feed every [`POLL`].
pub fn start(state: AppState) {
    let st = state.clone();
    tokio::spawn(async move {
        let loaded =
            tokio::task::spawn_blocking(move || st.live().get_or_load(&st).map(|_| ())).await;
        match loaded {
            Ok(Ok(())) => {
                let st = state.clone();
                tokio::task::spawn_blocking(move || warm(&st));
                follow(state).await
            }
            Ok(Err(_)) => {
                tracing::error!("the engine could not be loaded; warning lists are unavailable")
            }
            Err(e) => tracing::error!(error = %e, "the engine load task failed"),
        }
    });
}

/// Computes, right after the load, what the first visitors of the served area and of the areas below it
/// down to the counties will ask for — the dashboard and the warning list of the default year — one after the other
/// (one core), logging the time each took. Before this, the first request after a start waited for it:
/// 30–90 s for the city at full scale on PostgreSQL.
pub fn warm(state: &AppState) {
    let Some(live) = state.live().ready() else {
        return;
    };
    let today = crate::http::today(state);
    let root = *live.area();
    let mut areas = vec![root];
    if let Ok(tree) = state.backend().area_tree() {
        // Down to the counties (a province's cities and counties, a city's counties): the levels whose
        // lists take seconds; a township's are computed on its first request in well under one.
        // Only areas with households: an empty one costs nothing on request, but its data-quality scan
        // reads the whole registry (a province's 183 counties, most of them empty, took many minutes).
        areas.extend(
            tree.descendants(&root)
                .map(|a| a.code)
                .filter(|c| c.level().digits() <= jingzhun_core::AreaLevel::County.digits())
                .filter(|c| live.store().count_households(c).is_ok_and(|n| n > 0)),
        );
    }
    let started = Instant::now();
    for area in &areas {
        let at = Instant::now();
        let dashboard = crate::features::dashboard::service::warm(state, *area, today);
        let warnings = crate::features::warnings::service::warm(state, &live, area, today);
        if let Err(e) = dashboard.and(warnings) {
            tracing::warn!(error = ?e, %area, "precomputing the dashboard and warning list failed");
            continue;
        }
        tracing::info!(
            "预先计算 {area} 的首页与预警清单：{:.1} 秒",
            at.elapsed().as_secs_f64()
        );
    }
    tracing::info!(
        "预先计算完成：{} 个区划，{:.1} 秒",
        areas.len(),
        started.elapsed().as_secs_f64()
    );
}

/// Applies other processes' changes every [`POLL`], forever.
pub async fn follow(state: AppState) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let Some(live) = state.live().ready() else {
            continue;
        };
        match tokio::task::spawn_blocking(move || live.catch_up_unless_busy()).await {
            Ok(Ok(Some(c))) if c.households > 0 || c.reloaded => tracing::info!(
                households = c.households,
                reloaded = c.reloaded,
                seq = c.seq,
                micros = c.micros,
                "engine caught up with the change feed"
            ),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "following the change feed failed"),
            Err(e) => tracing::error!(error = %e, "change feed task failed"),
        }
    }
}

/// After an unsafe request that succeeded, applies the change feed (this write and anything before it)
/// before answering, and counts the write ([`AppState::own_writes`]), so that the next request reads a
/// registry, and derived figures, that include the write.
pub async fn after_write(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let res = next.run(req).await;
    if unsafe_method && (res.status().is_success() || res.status().is_redirection()) {
        if let Some(live) = state.live().ready() {
            let started = Instant::now();
            match tokio::task::spawn_blocking(move || live.catch_up_if_behind()).await {
                Ok(Ok(Some(c))) if c.households > 0 => tracing::debug!(
                    households = c.households,
                    micros = started.elapsed().as_micros() as u64,
                    "engine updated after a write"
                ),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "updating the engine after a write failed")
                }
                Err(e) => tracing::error!(error = %e, "engine update task failed"),
            }
        }
        // Derived figures computed before this write are out of date for the next request.
        state.count_own_write();
    }
    res
}
