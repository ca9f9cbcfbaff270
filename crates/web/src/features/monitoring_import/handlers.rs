//! `GET|POST /import/monitoring`, `POST /import/monitoring/confirm`, `GET /import/monitoring/template`:
//! thin, the logic is in [`super::service`].

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use super::service::{self, Confirmed, Done, Report};
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::heavy_work::HeavyKind;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::today;
use crate::http::upload;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "monitoring_import/page.html")]
pub struct Page {
    pub chrome: Chrome,
    pub report: Option<Report>,
    pub done: Option<Done>,
    pub message: Option<String>,
    pub max_mb: usize,
}

fn page(lang: Lang, can: &Can<act::ImportData>) -> Page {
    Page {
        chrome: Chrome::new(lang, "mimport.title", "/import/monitoring", Some(&can.user)),
        report: None,
        done: None,
        message: None,
        max_mb: upload::MAX_UPLOAD_BYTES / (1024 * 1024),
    }
}

/// `GET /import/monitoring`: the upload form.
pub async fn form(lang: Lang, can: Can<act::ImportData>) -> Result<Response, AppError> {
    render(&page(lang, &can))
}

/// `POST /import/monitoring`: reads and checks the upload (nothing written); 200 with the confirmation
/// form, 422 with the problems.
pub async fn upload(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    can: Can<act::ImportData>,
    body: Bytes,
) -> Result<Response, AppError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let file = if upload::is_multipart(content_type) {
        upload::parse(content_type, &body)
            .map_err(|_| AppError::BadRequest)?
            .into_iter()
            .find(|p| p.name == "file" && p.filename.as_deref().is_some_and(|f| !f.is_empty()))
    } else {
        None
    };
    let Some(file) = file else {
        let mut p = page(lang, &can);
        p.message = Some(lang.t("import.no_file").to_owned());
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
    };
    let name = file.filename.unwrap_or_default();
    let _permit = state.heavy().admit(can.account().id, HeavyKind::Import)?;
    let (user, scope) = (can.user.clone(), can.scope);
    let (today, now) = (today(&state), state.now());
    let report = state
        .run(move |b| service::preview(b, &user, &scope, &name, file.data, today, now))
        .await?;
    let status = if report.token.is_some() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut p = page(lang, &can);
    p.report = Some(report);
    Ok((status, render(&p)?).into_response())
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    sha256: String,
}

/// `POST /import/monitoring/confirm`: imports the previewed file. 200 with the counts; 409 when the
/// preview cannot be confirmed; 422 when the registry now refuses it. Nothing written unless 200.
pub async fn confirm(
    State(state): State<AppState>,
    lang: Lang,
    can: Can<act::ImportData>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let _permit = state.heavy().admit(can.account().id, HeavyKind::Import)?;
    let (user, scope) = (can.user.clone(), can.scope);
    let (today, now) = (today(&state), state.now());
    let outcome = state
        .run(move |b| service::confirm(b, &user, &scope, &form.token, &form.sha256, today, now))
        .await?;
    let mut p = page(lang, &can);
    match outcome {
        Confirmed::Done(d) => {
            p.done = Some(d);
            render(&p)
        }
        Confirmed::Stale(key) => {
            p.message = Some(lang.t(key).to_owned());
            Ok((StatusCode::CONFLICT, render(&p)?).into_response())
        }
        Confirmed::Refused(report) => {
            p.report = Some(report);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
        }
    }
}

/// `GET /import/monitoring/template`: the empty template with its guide sheet.
pub async fn template(_can: Can<act::ImportData>) -> Result<Response, AppError> {
    crate::http::download::download(crate::http::download::Download {
        bytes: service::template()?,
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename: "监测帮扶记录导入模板.xlsx".to_owned(),
    })
}
