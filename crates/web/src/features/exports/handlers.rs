//! `GET /exports` (the lists of one's area to download) and `POST /exports/<list>` (one XLSX each).
//!
//! Every export is a POST with the session's CSRF token (never started by a link or an image), takes a
//! place of the heavy-work limiter while the file is built (429 with `Retry-After` when full), and is
//! streamed from its finished temporary file in chunks, never read whole into memory.

use std::collections::HashMap;
use std::io::Read;
use std::pin::Pin;
use std::task::{Context, Poll};

use askama::Template;
use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use super::lists;
use super::service::{Download, Export, ListKind};
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::heavy_work::HeavyKind;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::params::area_param;
use crate::http::today;
use crate::state::AppState;

/// The XLSX media type.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Bytes read from the file per chunk of the response.
const CHUNK: usize = 64 * 1024;

/// A response body read from a file on a blocking thread, a chunk at a time.
struct FileBody {
    rx: tokio::sync::mpsc::Receiver<std::io::Result<Bytes>>,
}

impl http_body::Body for FileBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Self::Error>>> {
        self.rx
            .poll_recv(cx)
            .map(|o| o.map(|r| r.map(http_body::Frame::data)))
    }
}

fn stream(mut file: std::fs::File) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || loop {
        let mut buf = vec![0u8; CHUNK];
        match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                buf.truncate(n);
                if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                    break;
                }
            }
            Err(e) => {
                let _ = tx.blocking_send(Err(e));
                break;
            }
        }
    });
    Body::new(FileBody { rx })
}

/// The download of a built export, streamed.
pub fn respond(d: Download) -> Result<Response, AppError> {
    let mut res = stream(d.file).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(d.len));
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&crate::http::download::content_disposition(&d.filename))
            .map_err(|_| AppError::Internal)?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// The form fields of the exports: `area` (inside the scope; blank: one's own), `q` (search), `all`
/// (cases: closed ones too).
#[derive(Debug, Default, Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub all: String,
}

impl ExportForm {
    fn area(&self) -> Result<Option<jingzhun_core::AreaCode>, AppError> {
        match self.area.trim() {
            "" => Ok(None),
            a => area_param(a).map(Some),
        }
    }
}

#[derive(Template)]
#[template(path = "exports/page.html")]
pub struct ExportsPage {
    pub chrome: Chrome,
    pub area: String,
    pub area_name: String,
    pub full_identity: bool,
    pub lists: Vec<ListLine>,
}

/// One list of the page.
pub struct ListLine {
    pub code: &'static str,
    pub label: &'static str,
}

/// `GET /exports`: the area-wide lists of one's area with their download buttons, and where the other
/// lists are exported from.
pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    can: Can<act::ViewHousehold>,
) -> Result<Response, AppError> {
    let area = can.scope.area();
    let area_name = state.run(move |b| Ok(b.area(&area)?.name)).await?;
    let here = uri
        .0
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/exports".to_owned());
    render(&ExportsPage {
        chrome: Chrome::new(lang, "exports.title", &here, Some(&can.user)),
        area: area.as_str().to_owned(),
        area_name,
        full_identity: super::service::full_identity(&can.user),
        lists: [
            ListKind::Monitored,
            ListKind::Measures,
            ListKind::Visits,
            ListKind::Cadres,
            ListKind::Cases,
        ]
        .iter()
        .map(|k| ListLine {
            code: k.code(),
            label: k.label(),
        })
        .collect(),
    })
}

/// `POST /exports/search`: every household matching `q` within `area`.
pub async fn search(
    State(state): State<AppState>,
    can: Can<act::SearchHouseholds>,
    Form(f): Form<ExportForm>,
) -> Result<Response, AppError> {
    let area = f.area()?;
    let _permit = state.heavy().admit(can.account().id, HeavyKind::Export)?;
    let (user, scope, today) = (can.user.clone(), can.scope, today(&state));
    let d = state
        .run(move |b| lists::search(b, &user, &scope, &f.q, area, today))
        .await?;
    respond(d)
}

/// `POST /exports/cases`: the cases of `area` (open ones; `all=1`: every one).
pub async fn cases(
    State(state): State<AppState>,
    can: Can<act::ViewHousehold>,
    Form(f): Form<ExportForm>,
) -> Result<Response, AppError> {
    let area = f.area()?;
    let all = matches!(f.all.trim(), "1" | "true");
    let _permit = state.heavy().admit(can.account().id, HeavyKind::Export)?;
    let (user, scope, today, st) = (can.user.clone(), can.scope, today(&state), state.clone());
    let d = state
        .run(move |b| {
            let limit =
                move |a: &jingzhun_core::AreaCode, y: u16| st.identification_days_limit(a, y);
            let query = crate::features::monitoring::service::InboxQuery {
                area,
                all,
                ..Default::default()
            };
            lists::cases(b, &user, &scope, &query, &limit, today)
        })
        .await?;
    respond(d)
}

/// One area's list as the lists module writes it (`today` for the lists that read status on a date).
type AreaList = fn(
    &dyn crate::data::Backend,
    &crate::http::auth::CurrentUser,
    &crate::access::Scope,
    Option<jingzhun_core::AreaCode>,
    chrono::NaiveDate,
) -> Result<Download, AppError>;

/// The path every area list export shares: the form's area, a heavy-work place while the file is built,
/// the list written on the blocking pool, the file streamed back.
async fn area_list(
    state: AppState,
    can: Can<act::ViewHousehold>,
    f: ExportForm,
    list: AreaList,
) -> Result<Response, AppError> {
    let area = f.area()?;
    let _permit = state.heavy().admit(can.account().id, HeavyKind::Export)?;
    let (user, scope, today) = (can.user.clone(), can.scope, today(&state));
    let d = state
        .run(move |b| list(b, &user, &scope, area, today))
        .await?;
    respond(d)
}

/// `POST /exports/monitored`: the households under monitoring in `area`.
pub async fn monitored(
    State(state): State<AppState>,
    can: Can<act::ViewHousehold>,
    Form(f): Form<ExportForm>,
) -> Result<Response, AppError> {
    area_list(state, can, f, lists::monitored).await
}

/// `POST /exports/measures`: the assistance measures of `area`'s households.
pub async fn measures(
    State(state): State<AppState>,
    can: Can<act::ViewHousehold>,
    Form(f): Form<ExportForm>,
) -> Result<Response, AppError> {
    area_list(state, can, f, lists::measures).await
}

/// `POST /exports/visits`: the visits to `area`'s households.
pub async fn visits(
    State(state): State<AppState>,
    can: Can<act::ViewHousehold>,
    Form(f): Form<ExportForm>,
) -> Result<Response, AppError> {
    area_list(state, can, f, |b, user, scope, area, _| {
        lists::visits(b, user, scope, area)
    })
    .await
}

/// `POST /exports/cadres`: the assisting cadres serving `area`.
pub async fn cadres(
    State(state): State<AppState>,
    can: Can<act::ViewHousehold>,
    Form(f): Form<ExportForm>,
) -> Result<Response, AppError> {
    area_list(state, can, f, |b, user, scope, area, _| {
        lists::cadres(b, user, scope, area)
    })
    .await
}

/// `POST /exports/whatif`: every household a what-if run flips (the fields of the what-if form: `year`,
/// `area`, the changed parameters).
pub async fn whatif(
    State(state): State<AppState>,
    can: Can<act::RunWhatIf>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let year = crate::features::whatif::handlers::year_of(get("year"), &state)
        .map_err(|_| AppError::BadRequest)?;
    let area = match get("area").map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => Some(area_param(a)?),
        None => None,
    };
    let submitted: HashMap<String, String> = pairs
        .iter()
        .filter(|(k, _)| !crate::features::whatif::handlers::RESERVED.contains(&k.as_str()))
        .cloned()
        .collect();
    let req = crate::features::whatif::service::Request {
        year,
        area,
        page: 1,
        all_rows: true,
        submitted,
    };
    let _permit = state.heavy().admit(can.account().id, HeavyKind::Export)?;
    let (user, scope, st, today) = (can.user.clone(), can.scope, state.clone(), today(&state));
    let d = state
        .run(move |b| {
            let (form, outcome) = crate::features::whatif::service::run(
                b,
                &user,
                &scope,
                st.policy(),
                st.whatif(),
                &req,
                today,
            )?;
            let result = match outcome {
                Ok(r) => r,
                Err(crate::features::whatif::service::RunRefused::Busy) => {
                    return Err(AppError::busy(crate::http::heavy_work::Refused::Account {
                        retry_after: st.heavy().limits().retry_after,
                    }))
                }
                Err(_) => return Err(AppError::BadRequest),
            };
            let export = Export {
                list: ListKind::WhatIf,
                area: jingzhun_core::AreaCode::parse(&result.area)
                    .map_err(|_| AppError::Internal)?,
                area_name: result.area_name.clone(),
                filters: serde_json::json!({
                    "year": form.year,
                    "changes": result
                        .changes
                        .iter()
                        .map(|c| (c.code, c.after.clone()))
                        .collect::<Vec<_>>(),
                }),
            };
            lists::whatif_flips(b, &user, &export, &result.rows)
        })
        .await?;
    respond(d)
}

/// `POST /cases/export`: the inbox's cases for the same filters, through the one list export
/// (this feature): limited, masked (risk types left out for roles that do not see personal data),
/// audited, streamed.
pub async fn inbox(
    State(state): State<AppState>,
    can: Can<act::DownloadReports>,
    Form(params): Form<crate::features::monitoring::handlers::InboxParams>,
) -> Result<Response, AppError> {
    let query = params.query()?;
    let today = today(&state);
    let _permit = state
        .heavy()
        .admit(can.account().id, crate::http::heavy_work::HeavyKind::Export)?;
    let (user, scope, st) = (can.user, can.scope, state.clone());
    let d = state
        .run(move |b| {
            let limit =
                |area: &jingzhun_core::AreaCode, year| st.identification_days_limit(area, year);
            lists::cases(b, &user, &scope, &query, &limit, today)
        })
        .await?;
    respond(d)
}
