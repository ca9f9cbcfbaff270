//! `GET /warnings` (the page), `GET /api/v1/warnings` (JSON) and `POST /warnings/export` (XLSX).

use askama::Template;
use axum::extract::{OriginalUri, Query, State};
use axum::response::Response;
use axum::{Form, Json};
use serde::Deserialize;

use super::service::{self, WarningsView};
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::today;
use crate::state::AppState;

/// The list's parameters: `area`, `year`, `kind`, `within` (a township or village), `risk`, `band`,
/// `open_case` (1/0), `sort`, `page`. Blank means not given.
#[derive(Debug, Default, Deserialize)]
pub struct WarningsParams {
    pub area: Option<String>,
    pub year: Option<String>,
    pub kind: Option<String>,
    pub within: Option<String>,
    pub risk: Option<String>,
    pub band: Option<String>,
    pub open_case: Option<String>,
    pub sort: Option<String>,
    pub page: Option<String>,
}

#[derive(Template)]
#[template(path = "warnings/list.html")]
pub struct WarningsPage {
    pub chrome: Chrome,
    pub w: WarningsView,
    pub risks: &'static [jingzhun_core::RiskType],
    pub bands: &'static [jingzhun_report::warnings::IncomeBand],
    pub sorts: &'static [jingzhun_report::warnings::Sort],
}

/// `GET /warnings`.
pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Query(params): Query<WarningsParams>,
    can: Can<act::ViewWarnings>,
) -> Result<Response, AppError> {
    let query = service::parse_query(&params)?;
    let today = today(&state);
    let (user, scope, st) = (can.user.clone(), can.scope, state.clone());
    let w = tokio::task::spawn_blocking(move || service::list(&st, &user, &scope, &query, today))
        .await??;
    let here = uri
        .0
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/warnings".to_owned());
    render(&WarningsPage {
        chrome: Chrome::new(lang, "warn.title", &here, Some(&can.user)),
        w,
        risks: jingzhun_core::RiskType::ALL,
        bands: jingzhun_report::warnings::IncomeBand::ALL,
        sorts: jingzhun_report::warnings::Sort::ALL,
    })
}

/// `GET /api/v1/warnings?area=CODE&year=Y&kind=K&page=N`.
pub async fn api(
    State(state): State<AppState>,
    Query(params): Query<WarningsParams>,
    can: Can<act::ViewWarnings>,
) -> Result<Json<WarningsView>, AppError> {
    let query = service::parse_query(&params)?;
    let _permit = state
        .heavy()
        .admit(can.account().id, crate::http::heavy_work::HeavyKind::Export)?;
    let today = today(&state);
    let (user, scope, st) = (can.user, can.scope, state.clone());
    let w = tokio::task::spawn_blocking(move || service::list(&st, &user, &scope, &query, today))
        .await??;
    Ok(Json(w))
}

/// `POST /warnings/export`: the filtered list as XLSX (masked as the role requires, audited, streamed;
/// one place of the heavy-work limiter while it is built).
pub async fn export(
    State(state): State<AppState>,
    can: Can<act::ViewWarnings>,
    Form(params): Form<WarningsParams>,
) -> Result<Response, AppError> {
    let query = service::parse_query(&params)?;
    let today = today(&state);
    let _permit = state
        .heavy()
        .admit(can.account().id, crate::http::heavy_work::HeavyKind::Export)?;
    let (user, scope, st) = (can.user, can.scope, state.clone());
    let d = tokio::task::spawn_blocking(move || service::export(&st, &user, &scope, &query, today))
        .await??;
    crate::features::exports::handlers::respond(d)
}
