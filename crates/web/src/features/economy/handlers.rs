//! `GET /economy` and `POST /economy/export`: thin, the logic is in [`super::service`].

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::response::Response;
use chrono::Datelike;
use serde::Deserialize;

use super::service::{self, Listing};
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::params::YearQuery;
use crate::http::today;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "economy/list.html")]
pub struct EconomyPage {
    pub chrome: Chrome,
    pub l: Listing,
    pub max_year: u16,
    pub can_download: bool,
}

/// The year asked for, or the last full year.
fn year_or_default(q: Option<u16>, state: &AppState) -> u16 {
    q.unwrap_or_else(|| (today(state).year() - 1).clamp(2013, 9999) as u16)
}

/// `GET /economy?year=Y`.
pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<YearQuery>,
    can: Can<act::ViewDashboard>,
) -> Result<Response, AppError> {
    let year = year_or_default(q.year()?, &state);
    let scope = can.scope;
    let l = state
        .run(move |b| service::listing(b, &scope, year))
        .await?;
    let mut chrome = Chrome::new(
        lang,
        "nav.dashboard",
        &format!("/economy?year={year}"),
        Some(&can.user),
    );
    chrome.title = "产业就业与村集体经济".to_owned();
    render(&EconomyPage {
        chrome,
        l,
        max_year: year_or_default(None, &state).saturating_add(1),
        can_download: can.also(crate::access::Action::DownloadReports),
    })
}

#[derive(Deserialize, Default)]
pub struct ExportForm {
    /// A year, or empty for every year.
    #[serde(default)]
    pub year: String,
}

/// `POST /economy/export`: the economy workbook of the caller's area (XLSX, resident IDs masked, audited).
pub async fn export(
    State(state): State<AppState>,
    can: Can<act::DownloadReports>,
    Form(f): Form<ExportForm>,
) -> Result<Response, AppError> {
    let year = YearQuery {
        year: f.year,
        as_of: String::new(),
    }
    .year()?;
    let _permit = state
        .heavy()
        .admit(can.account().id, crate::http::heavy_work::HeavyKind::Export)?;
    let (user, scope) = (can.user.clone(), can.scope);
    let d = state
        .run(move |b| service::export(b, &user, &scope, year))
        .await?;
    crate::http::download::download(d)
}
