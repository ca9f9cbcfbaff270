//! The web application of jingzhun: accounts scoped to areas, households, the monitoring workflow and
//! dashboards. The only crate that knows HTTP, cookies and HTML.
//!
//! Map of the crate:
//! * [`access`]: roles, actions, **the** access matrix ([`access::allows`]) and [`access::Scope`].
//! * [`auth`]: the extractors (`Can<A>`, `SignedIn`) that make the check impossible to forget.
//! * [`accounts`]: argon2 passwords, sessions, sign-in rate limiting, forced password change.
//! * [`csrf`]: one middleware for every unsafe request.
//! * [`session_cache`]: signed-in sessions kept in memory for 2 s (few store reads per request), dropped on
//!   sign-out and account changes.
//! * [`routes`]: every route in one table; the router, the OpenAPI document and the access test read it.
//! * [`pages`] and [`api`]: thin handlers; [`services`]: the logic, always given a scope. Among them
//!   `services::evaluation` (the rules' proposals for one household, computed on request with
//!   `jingzhun_policy::explain`), `services::edit` (the household edit form: parsing with core's types,
//!   the version check and the conflict view) and `services::policy` (the parameters in force).
//! * `services::import` with [`import_pages`] and [`upload`]: the spreadsheet import (upload, validation
//!   report, confirmation of the previewed file, result with its audit entry); `services::reports` with
//!   [`report_pages`]: the XLSX tables, the annual review and the household export of the account's area
//!   (built with `jingzhun_loader`).
//!   the version check and the conflict view), `services::policy` (the parameters in force) and
//!   `services::whatif` (the engine re-run under changed parameters over the caller's area).
//! * [`whatif`]: the what-if page and `POST /api/v1/whatif`; [`api_edit`]: the household edit as JSON;
//!   [`problem`]: JSON refusals with field errors; [`openapi`]: the document with every route's schemas.
//! * [`data`]: the storage interface, implemented over `jingzhun_store::Store` in [`store_backend`].
//! * [`search`]: the in-memory household search index (gram lists, resident-ID tails, village ranges,
//!   capped counts, an overlay for changes) that `store_backend` keeps current.
//! * [`workflow`]: the monitoring workflow's steps, order, roles and time limit (pure);
//!   `services::cases` runs it on the store's case tables (and checks risk elimination's conditions),
//!   [`case_pages`] and [`api`] serve it.
//! * `services::monitoring` and [`monitoring_pages`]: a household's assistance measures, visits and paired
//!   cadres, with their forms and API calls.
//! * [`heavy_work`]: the one limiter of report builds, exports, what-if runs and imports (per account and
//!   overall; 429 with `Retry-After` when full).
//! * [`i18n`]: every user-facing string, Chinese and English, in one table.
//! * [`features`]: features with a folder of their own — `features::live` (the engine held by the server,
//!   following the change feed) and `features::warnings` (the warning lists).
//!
//! Entry points for the binary: [`serve`], [`router`], [`create_account`].

pub mod access;
pub mod accounts;
pub mod api;
pub mod api_edit;
pub mod assets;
pub mod auth;
pub mod case_pages;
pub mod cookies;
pub mod csrf;
pub mod data;
pub mod error;
pub mod features;
pub mod heavy_work;
pub mod i18n;
pub mod import_pages;
pub mod monitoring_pages;
pub mod openapi;
pub mod pages;
pub mod problem;
pub mod refresh;
pub mod report_pages;
pub mod routes;
pub mod search;
pub mod services;
pub mod session_cache;
pub mod state;
pub mod store_backend;
pub mod templates;
pub mod upload;
pub mod whatif;
pub mod workflow;

use std::net::SocketAddr;
use std::sync::Arc;

use jingzhun_core::AreaCode;
use jingzhun_store::Store;

pub use access::{allows, Action, Role, Scope};
pub use accounts::CreateAccountError;
pub use data::AccountId;
pub use state::{AppState, Clock, SystemClock, WebConfig};
pub use store_backend::StoreBackend;

/// Why the server stopped.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("无法监听 {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("Web 服务出错: {0}")]
    Io(#[from] std::io::Error),
}

/// The application state over a store, with the system clock.
pub fn state(config: WebConfig, store: Arc<Store>) -> AppState {
    AppState::new(
        Arc::new(StoreBackend::new(store)),
        config,
        Arc::new(SystemClock),
    )
}

/// The application's router (for in-process use and tests).
pub fn router(state: AppState) -> axum::Router {
    routes::router(state)
}

/// Serves the application on `config.bind` until Ctrl-C.
pub async fn serve(config: WebConfig, store: Arc<Store>) -> Result<(), ServeError> {
    serve_with(config, store, None).await
}

/// [`serve`], with report builds and exports reading from `report_replica` when given (a read-only copy
/// of the database; see [`StoreBackend::with_report_replica`]).
pub async fn serve_with(
    config: WebConfig,
    store: Arc<Store>,
    report_replica: Option<Arc<Store>>,
) -> Result<(), ServeError> {
    let addr = config.bind;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })?;
    tracing::info!(%addr, "web application listening");
    let mut backend = StoreBackend::new(Arc::clone(&store));
    if let Some(replica) = report_replica {
        backend = backend.with_report_replica(replica);
    }
    let backend = Arc::new(backend);
    let warm = Arc::clone(&backend);
    tokio::task::spawn_blocking(move || {
        if let Err(e) = warm.warm_search_index() {
            tracing::error!(error = %e, "building the search index failed");
        }
    });
    let limits = features::security::server::Limits::of(&config);
    let state = AppState::new(backend, config, Arc::new(SystemClock));
    // The engine of the served area, loaded in the background and kept current (see `features::live`).
    features::live::start(state.clone());
    let app = router(state);
    tokio::spawn(expire_sessions(store));
    features::security::server::serve(listener, app, limits, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}

/// Removes expired sessions once an hour.
async fn expire_sessions(store: Arc<Store>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        let s = Arc::clone(&store);
        let result =
            tokio::task::spawn_blocking(move || s.delete_expired_sessions(chrono::Utc::now()))
                .await;
        match result {
            Ok(Ok(n)) if n > 0 => tracing::info!(sessions = n, "expired sessions removed"),
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "removing expired sessions failed"),
            Err(e) => tracing::error!(error = %e, "session cleanup task failed"),
        }
    }
}

/// Creates an account (for `jingzhun demo` and first-run seeding): the password is the caller's (generated
/// and printed by it) and must be at least 10 characters; with `must_change_password` the account must
/// change it at first sign-in.
pub fn create_account(
    store: &Arc<Store>,
    username: &str,
    role: Role,
    area: AreaCode,
    password: &str,
    must_change_password: bool,
) -> Result<AccountId, CreateAccountError> {
    let backend = StoreBackend::new(Arc::clone(store));
    accounts::create_account(
        &backend,
        username,
        username,
        role,
        area,
        password,
        must_change_password,
        "system:cli",
        chrono::Utc::now(),
    )
}

/// Records a hit of another department's data as a lead of the monitoring workflow (channel 部门筛查预警),
/// opening a case in the household's village inbox, recorded as `actor`. `None` when the household already
/// has an open case (the hit is then for that case's reviewers). See
/// [`services::cases::open_department_lead`].
pub fn record_department_lead(
    store: &Arc<Store>,
    actor: &str,
    household: jingzhun_core::HouseholdId,
    lead: services::cases::NewLead,
    today: chrono::NaiveDate,
) -> Result<Option<String>, error::AppError> {
    let backend = StoreBackend::new(Arc::clone(store));
    services::cases::open_department_lead(&backend, actor, household, lead, today)
}

/// A random password suitable for [`create_account`] (12 characters, no look-alike characters).
pub fn generate_password() -> String {
    accounts::generate_password()
}
