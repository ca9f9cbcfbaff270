//! The attachment routes: thin, the logic is in [`super::service`].

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::service::{self, Refusal, UploadForm};
use crate::http::auth::{act, Can, CurrentUser};
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::params::household_param;
use crate::http::upload;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "attachments/refused.html")]
pub struct RefusedPage {
    pub chrome: Chrome,
    pub message: String,
    pub household: i64,
}

fn refused_page(
    lang: Lang,
    user: &CurrentUser,
    household: i64,
    r: Refusal,
) -> Result<Response, AppError> {
    let status = if r.too_large {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = RefusedPage {
        chrome: Chrome::new(
            lang,
            "att.refused",
            &format!("/households/{household}"),
            Some(user),
        ),
        message: r.message,
        household,
    };
    Ok((status, render(&page)?).into_response())
}

fn attachment_param(id: &str) -> Result<i64, AppError> {
    id.parse::<i64>().map_err(|_| AppError::NotFound)
}

/// `POST /households/{id}/attachments` (`multipart/form-data`: `kind`, `case`, `note`, `file`): 303 to the
/// household's attachments when kept; 422 (413 when too large) with the reason when not; nothing written
/// unless kept.
pub async fn upload(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    headers: HeaderMap,
    can: Can<act::UploadAttachment>,
    body: Bytes,
) -> Result<Response, AppError> {
    let hid = household_param(&id)?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let mut form = UploadForm::default();
    if upload::is_multipart(content_type) {
        for part in upload::parse(content_type, &body).map_err(|_| AppError::BadRequest)? {
            match part.name.as_str() {
                "kind" => form.kind = part.text(),
                "case" => form.case = part.text(),
                "note" => form.note = part.text(),
                "file" => {
                    form.file_name = part.filename.clone();
                    form.bytes = part.data;
                }
                _ => {}
            }
        }
    }
    let (user, scope) = (can.user.clone(), can.scope);
    let where_to = state.config().attachments.clone();
    let outcome = state
        .run(move |b| service::upload(b, &where_to, &user, &scope, hid, form))
        .await?;
    match outcome {
        Ok(_) => Ok(Redirect::to(&format!("/households/{}#attachments", hid.0)).into_response()),
        Err(r) => refused_page(lang, &can.user, hid.0, r),
    }
}

async fn open(
    state: AppState,
    user: std::sync::Arc<CurrentUser>,
    scope: crate::access::Scope,
    id: String,
    download: bool,
) -> Result<Response, AppError> {
    let id = attachment_param(&id)?;
    let where_to = state.config().attachments.clone();
    let o = state
        .run(move |b| service::open(b, &where_to, &user, &scope, id, download))
        .await?;
    let mut name = o.info.file_name.clone();
    let ext = o.info.media_type.extension();
    let lower = name.to_ascii_lowercase();
    let named_right =
        lower.ends_with(&format!(".{ext}")) || (ext == "jpg" && lower.ends_with(".jpeg"));
    if !named_right {
        // The name says another format: the download is named after what it is.
        name = format!("{name}.{ext}");
    }
    let disposition = crate::http::download::content_disposition(&name);
    let disposition = if download {
        disposition
    } else {
        disposition.replacen("attachment;", "inline;", 1)
    };
    let mut res = o.bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(o.info.media_type.code()),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|_| AppError::Internal)?,
    );
    // Personal data: kept by no browser cache or proxy.
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(res)
}

/// `GET /attachments/{attachment}`: the file shown in the browser (pictures on the household page); audited.
pub async fn view(
    State(state): State<AppState>,
    Path(id): Path<String>,
    can: Can<act::ViewAttachments>,
) -> Result<Response, AppError> {
    open(state, can.user, can.scope, id, false).await
}

/// `GET /attachments/{attachment}/download`: the file as a download under its name; audited.
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    can: Can<act::ViewAttachments>,
) -> Result<Response, AppError> {
    open(state, can.user, can.scope, id, true).await
}

/// `?case=` of the household page: the case the upload form preselects (a link from the case page).
#[derive(Deserialize, Default)]
pub struct CaseQuery {
    #[serde(default)]
    pub case: String,
}

#[derive(Deserialize, Default)]
pub struct RemoveForm {
    #[serde(default)]
    pub reason: String,
}

/// `POST /attachments/{attachment}/remove` (`reason`): records the removal (the file stays) and goes back
/// to the household; 422 without a reason or when removed already.
pub async fn remove(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    can: Can<act::RemoveAttachment>,
    Form(f): Form<RemoveForm>,
) -> Result<Response, AppError> {
    let id = attachment_param(&id)?;
    let (user, scope) = (can.user.clone(), can.scope);
    let outcome = state
        .run(move |b| {
            let done = service::remove(b, &user, &scope, id, &f.reason)?;
            // The household to go back to, found in scope by `remove`.
            let household = b
                .primary_store()
                .and_then(|s| s.attachment(id).ok().flatten())
                .map(|a| a.household.0)
                .unwrap_or_default();
            Ok((done, household))
        })
        .await?;
    match outcome {
        (Ok(h), _) => Ok(Redirect::to(&format!("/households/{}#attachments", h.0)).into_response()),
        (Err(r), household) => refused_page(lang, &can.user, household, r),
    }
}
