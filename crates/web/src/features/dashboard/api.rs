//! `GET /api/v1/dashboard` and `GET /api/v1/dashboard/{code}`.

use axum::extract::{Path, State};
use axum::Json;

use crate::features::dashboard::service::{self as dashboard, Dashboard};
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::params::area_param;
use crate::http::today;
use crate::state::AppState;

pub async fn dashboard_own(
    State(state): State<AppState>,
    can: Can<act::ViewDashboard>,
) -> Result<Json<Dashboard>, AppError> {
    let today = today(&state);
    let (user, scope) = (can.user, can.scope);
    let st = state.clone();
    let d = state
        .run(move |b| dashboard::dashboard(&st, b, &user, &scope, None, today))
        .await?;
    Ok(Json(d))
}

pub async fn dashboard(
    State(state): State<AppState>,
    Path(code): Path<String>,
    can: Can<act::ViewDashboard>,
) -> Result<Json<Dashboard>, AppError> {
    let code = area_param(&code)?;
    let today = today(&state);
    let (user, scope) = (can.user, can.scope);
    let st = state.clone();
    let d = state
        .run(move |b| dashboard::dashboard(&st, b, &user, &scope, Some(code), today))
        .await?;
    Ok(Json(d))
}
