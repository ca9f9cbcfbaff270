//! The report pages: `GET /reports` (what may be downloaded, for a year, as forms) and the downloads
//! themselves — `POST /reports/tables` (the standard XLSX tables), `POST /reports/annual` (the annual review
//! as HTML or Markdown) and `POST /reports/export` (the household list as XLSX or CSV, masked unless the
//! role may see identity data, audited). Each download is heavy work, so only a POST with the session's
//! CSRF token starts one (a link, a prefetch or another site's `<img>` cannot). All for the caller's own
//! area; the logic is in [`crate::services::reports`].

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use crate::auth::{act, Can};
use crate::error::AppError;
use crate::heavy_work::HeavyKind;
use crate::i18n::Lang;
use crate::pages::{today, YearQuery};
use crate::services::reports::{self, Download, ExportFormat, ReviewFormat};
use crate::state::AppState;
use crate::templates::{render, Chrome};

#[derive(Template)]
#[template(path = "reports.html")]
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

/// `Content-Disposition: attachment` with an ASCII fallback name and the UTF-8 name in RFC 5987
/// `filename*` form.
pub fn content_disposition(filename: &str) -> String {
    let fallback: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in filename.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

pub fn download(d: Download) -> Result<Response, AppError> {
    let mut res = d.bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(d.content_type),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&content_disposition(&d.filename)).map_err(|_| AppError::Internal)?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_carries_the_utf8_name() {
        assert_eq!(
            content_disposition("巴州区_2024年.xlsx"),
            "attachment; filename=\"____2024_.xlsx\"; filename*=UTF-8''%E5%B7%B4%E5%B7%9E%E5%8C%BA_2024%E5%B9%B4.xlsx"
        );
        assert!(
            content_disposition("a\"b\r\n.csv").starts_with("attachment; filename=\"a_b__.csv\"")
        );
    }
}
