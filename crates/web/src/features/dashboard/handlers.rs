//! `GET /` and `GET /areas/{code}`: the dashboard of an area inside the caller's.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::response::Response;
use jingzhun_core::AreaCode;

use super::templates::*;
use crate::features::dashboard::service as dashboard;
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::params::area_param;
use crate::http::params::here;
use crate::http::today;
use crate::state::AppState;

async fn dashboard_page(
    state: AppState,
    lang: Lang,
    uri: OriginalUri,
    can: Can<act::ViewDashboard>,
    code: Option<AreaCode>,
    action: crate::features::action::handlers::ActionParams,
) -> Result<Response, AppError> {
    let today = today(&state);
    let user = can.user.clone();
    let scope = can.scope;
    let st = state.clone();
    let d = state
        .run(move |b| dashboard::dashboard(&st, b, &user, &scope, code, today))
        .await?;
    let trend_json = serde_json::to_string(&d.trend).map_err(|_| AppError::Internal)?;
    // The home page shows what waits in the caller's own area (the warning lists; never waits for the
    // engine to load).
    let waiting = if code.is_none() {
        let (st, scope) = (state.clone(), can.scope);
        tokio::task::spawn_blocking(move || {
            crate::features::warnings::service::waiting(&st, &scope, today)
        })
        .await
        .ok()
        .flatten()
    } else {
        None
    };
    let action =
        crate::features::action::handlers::for_page(&state, &can.user, can.scope, code, &action)
            .await?;
    render(&DashboardPage {
        chrome: Chrome::new(lang, "dash.title", &here(&uri), Some(&can.user)),
        d,
        trend_json,
        waiting,
        action,
    })
}

/// `GET /`: the dashboard of the caller's own area.
pub async fn home(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Query(action): Query<crate::features::action::handlers::ActionParams>,
    can: Can<act::ViewDashboard>,
) -> Result<Response, AppError> {
    dashboard_page(state, lang, uri, can, None, action).await
}

/// `GET /areas/{code}`: drill-down to an area inside the caller's.
pub async fn area_dashboard(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Path(code): Path<String>,
    Query(action): Query<crate::features::action::handlers::ActionParams>,
    can: Can<act::ViewDashboard>,
) -> Result<Response, AppError> {
    let code = area_param(&code)?;
    dashboard_page(state, lang, uri, can, Some(code), action).await
}
