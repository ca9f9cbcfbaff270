//! The web application of jingzhun: accounts scoped to areas, households, the monitoring workflow and
//! dashboards. The only crate that knows HTTP, cookies and HTML.
//!
//! Map of the crate (the layering: `http` ← features ← composition root; `access`, `data`, `search` and
//! `store_backend` are shared by all):
//! * [`http`]: the HTTP infrastructure, which knows no feature — sessions and the `Can<A>`/`SignedIn`
//!   extractors, the session cache, cookies, CSRF, `AppError` and problem+json, multipart uploads, the
//!   heavy-work limiter, i18n, the page frame, downloads, static assets, security headers and compression,
//!   the connection-limited server. A unit test (`http::tests::http_knows_no_feature`) keeps it so.
//! * [`access`]: roles, actions, **the** access matrix ([`access::allows`]) and [`access::Scope`].
//! * [`data`]: the storage interface, implemented over `jingzhun_store::Store` in [`store_backend`];
//!   [`search`]: the in-memory household search index (gram lists, resident-ID tails, village ranges,
//!   capped counts, an overlay for changes) that `store_backend` keeps current.
//! * [`features`]: one folder per feature (handlers, service, templates): accounts, dashboard, areas,
//!   households, evaluation, assistance, monitoring, policy, whatif, import, reports, exports, live,
//!   warnings, action, attachments, survey, economy, projects, monitoring_import.
//! * The composition root: [`state`](mod@state) (`WebConfig` and `AppState`, which holds every feature's
//!   cache and implements `http::HttpState`), [`routes`] (every route in one table; the router, the
//!   OpenAPI document and the access test read it), [`openapi`] (the document with every route's schemas)
//!   and this file.
//!
//! Entry points for the binary: [`serve`], [`router`], [`create_account`].

pub mod access;
pub mod data;
pub mod features;
pub mod http;
pub mod openapi;
pub mod routes;
pub mod search;
pub mod state;
pub mod store_backend;

use std::net::SocketAddr;
use std::sync::Arc;

use jingzhun_core::AreaCode;
use jingzhun_store::Store;

pub use access::{allows, Action, Role, Scope};
pub use accounts::CreateAccountError;
pub use data::AccountId;
// Public paths kept as they were before `http/` and the feature folders (the binary and the integration
// tests name them).
pub use features::accounts::service as accounts;
pub use features::monitoring::workflow;
pub use http::{assets, error, heavy_work, session_cache};
/// `services::import` and `services::cases` as they were named before the feature folders.
pub mod services {
    pub use crate::features::import::service as import;
    pub use crate::features::monitoring::cases;
}
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
    let limits = config.server_limits();
    let state = AppState::new(backend, config, Arc::new(SystemClock));
    // The engine of the served area, loaded in the background and kept current (see `features::live`).
    features::live::start(state.clone());
    let app = router(state);
    tokio::spawn(expire_sessions(store));
    http::security::server::serve(listener, app, limits, async {
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
    features::accounts::service::create_account(
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
/// [`features::monitoring::cases::open_department_lead`].
pub fn record_department_lead(
    store: &Arc<Store>,
    actor: &str,
    household: jingzhun_core::HouseholdId,
    lead: features::monitoring::cases::NewLead,
    today: chrono::NaiveDate,
) -> Result<Option<String>, error::AppError> {
    let backend = StoreBackend::new(Arc::clone(store));
    features::monitoring::cases::open_department_lead(&backend, actor, household, lead, today)
}

/// A random password suitable for [`create_account`] (12 characters, no look-alike characters).
pub fn generate_password() -> String {
    features::accounts::service::generate_password()
}
