//! `GET /api/v1/action` and the dashboard section's parameters.

use axum::extract::{Query, State};
use axum::Json;
use serde::Deserialize;

use super::service::{self, ActionBoard};
use crate::http::auth::{act, Can, CurrentUser};
use crate::http::error::AppError;
use crate::http::params::area_param;
use crate::http::today;
use crate::state::AppState;

/// `?area=CODE&sort=RATE&desc=1`.
#[derive(Debug, Default, Deserialize)]
pub struct ActionParams {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub desc: String,
    #[serde(default)]
    pub year: String,
}

impl ActionParams {
    pub fn sort(&self) -> Result<&'static str, AppError> {
        service::sort_of(Some(&self.sort))
    }

    pub fn desc(&self) -> bool {
        matches!(self.desc.trim(), "1" | "true")
    }

    pub fn year(&self) -> Result<Option<u16>, AppError> {
        match self.year.trim() {
            "" => Ok(None),
            y => y.parse().map(Some).map_err(|_| AppError::BadRequest),
        }
    }
}

/// `GET /api/v1/action`: the board of the caller's area (or `area` inside it).
pub async fn api(
    State(state): State<AppState>,
    Query(p): Query<ActionParams>,
    can: Can<act::ViewDashboard>,
) -> Result<Json<ActionBoard>, AppError> {
    let area = match p.area.trim() {
        "" => None,
        a => Some(area_param(a)?),
    };
    let (sort, desc, year) = (p.sort()?, p.desc(), p.year()?);
    let (user, scope, st, today) = (can.user, can.scope, state.clone(), today(&state));
    let b = tokio::task::spawn_blocking(move || {
        service::board(&st, &user, &scope, area, year, sort, desc, today)
    })
    .await??;
    Ok(Json(b))
}

/// The board for the dashboard page, if the live registry is loaded (the page never waits for the load);
/// `None` otherwise or when it fails (logged).
pub async fn for_page(
    state: &AppState,
    user: &CurrentUser,
    scope: crate::access::Scope,
    area: Option<jingzhun_core::AreaCode>,
    p: &ActionParams,
) -> Result<Option<ActionBoard>, AppError> {
    let (sort, desc, year) = (p.sort()?, p.desc(), p.year()?);
    if state.live().ready().is_none() {
        return Ok(None);
    }
    let (user, st, today) = (user.clone(), state.clone(), today(state));
    let b = tokio::task::spawn_blocking(move || {
        service::board(&st, &user, &scope, area, year, sort, desc, today)
    })
    .await;
    Ok(match b {
        Ok(Ok(b)) => Some(b),
        Ok(Err(AppError::NotFound)) => return Err(AppError::NotFound),
        Ok(Err(e)) => {
            tracing::error!(error = ?e, "the dashboard for action failed");
            None
        }
        Err(_) => None,
    })
}
