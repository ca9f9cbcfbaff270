//! The report pages: `GET /reports` (what may be downloaded, for a year, as forms) and the downloads
//! themselves — `POST /reports/tables` (the standard XLSX tables), `POST /reports/annual` (the annual review
//! as HTML or Markdown) and `POST /reports/export` (the household list as XLSX or CSV, masked unless the
//! role may see identity data, audited). Each download is heavy work, so only a POST with the session's
//! CSRF token starts one (a link, a prefetch or another site's `<img>` cannot). All for the caller's own
//! area; the logic is in [`crate::features::reports::service`].

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Form;
use serde::Deserialize;

use crate::features::reports::service::{self as reports, ExportFormat, ReviewFormat};
use crate::http::auth::{act, Can};
use crate::http::download::download;
use crate::http::error::AppError;
use crate::http::heavy_work::HeavyKind;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::params::YearQuery;
use crate::http::today;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "reports/page.html")]
pub struct ReportsPage {
    pub chrome: Chrome,
    pub area_name: String,
    pub year: u16,
    pub max_year: u16,
    pub full_identity: bool,
}

/// The form of a download (beside its `_csrf`).
#[derive(Deserialize, Default)]
pub struct DownloadQuery {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub format: String,
}

impl DownloadQuery {
    fn year(&self) -> Result<Option<u16>, AppError> {
        YearQuery {
            year: self.year.clone(),
            as_of: String::new(),
        }
        .year()
    }
}

/// `GET /reports?year=Y`.
pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    Query(q): Query<YearQuery>,
    can: Can<act::DownloadReports>,
) -> Result<Response, AppError> {
    let today = today(&state);
    let year = reports::report_year(q.year()?, today)?;
    let area = can.scope.area();
    let area_name = state
        .run(move |b| Ok(b.area(&area).map(|a| a.name).unwrap_or_default()))
        .await?;
    let here = format!("/reports?year={year}");
    let p = ReportsPage {
        chrome: Chrome::new(lang, "reports.title", &here, Some(&can.user)),
        area_name,
        year,
        max_year: reports::report_year(None, today)?.saturating_add(1),
        full_identity: reports::exports_full_identity(&can.user),
    };
    render(&p)
}

/// `POST /reports/tables` (form: `year`): the standard tables of the caller's area (XLSX).
pub async fn tables(
    State(state): State<AppState>,
    can: Can<act::DownloadReports>,
    Form(q): Form<DownloadQuery>,
) -> Result<Response, AppError> {
    let year = reports::report_year(q.year()?, today(&state))?;
    let _permit = state.heavy().admit(can.account().id, HeavyKind::Report)?;
    let scope = can.scope;
    let st = state.clone();
    let d = state
        .run(move |b| reports::tables(b, &scope, year, st.policy(), st.reports()))
        .await?;
    download(d)
}

/// `POST /reports/annual` (form: `year`, `format=html|md`): the annual review of the caller's area.
pub async fn annual(
    State(state): State<AppState>,
    can: Can<act::DownloadReports>,
    Form(q): Form<DownloadQuery>,
) -> Result<Response, AppError> {
    let year = reports::report_year(q.year()?, today(&state))?;
    let format = ReviewFormat::parse(&q.format).ok_or(AppError::BadRequest)?;
    let _permit = state.heavy().admit(can.account().id, HeavyKind::Report)?;
    let scope = can.scope;
    let st = state.clone();
    let d = state
        .run(move |b| reports::annual(b, &scope, year, format, st.policy(), st.reports()))
        .await?;
    download(d)
}

/// `POST /reports/export` (form: `format=xlsx|csv`, `year`): the caller's area's households (incomes of year `Y`),
/// masked unless the role may see identity data; audited.
pub async fn export(
    State(state): State<AppState>,
    can: Can<act::DownloadReports>,
    Form(q): Form<DownloadQuery>,
) -> Result<Response, AppError> {
    let year = reports::report_year(q.year()?, today(&state))?;
    let format = ExportFormat::parse(&q.format).ok_or(AppError::BadRequest)?;
    let _permit = state.heavy().admit(can.account().id, HeavyKind::Export)?;
    let (user, scope) = (can.user.clone(), can.scope);
    let d = state
        .run(move |b| reports::households(b, &user, &scope, format, year))
        .await?;
    download(d)
}
