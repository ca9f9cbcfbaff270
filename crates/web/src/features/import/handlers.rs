//! The import pages: `GET /import` (the upload form), `POST /import` (a `multipart/form-data` upload,
//! answered with the validation report and, when the file may be imported, a confirmation form) and
//! `POST /import/confirm` (commits the previewed file and shows the result with its audit entry). The logic
//! is in [`crate::features::import::service`]; the CSRF middleware checks the upload's `_csrf` part.

use askama::Template;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;

use crate::features::import::service::{self as import, Confirmed, ImportDone, ImportReport};
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::heavy_work::HeavyKind;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::today;
use crate::http::upload;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "import/page.html")]
pub struct ImportPage {
    pub chrome: Chrome,
    pub report: Option<ImportReport>,
    pub message: Option<String>,
    pub max_mb: usize,
}

#[derive(Template)]
#[template(path = "import/done.html")]
pub struct ImportDonePage {
    pub chrome: Chrome,
    pub d: ImportDone,
}

fn page(
    lang: Lang,
    can: &Can<act::ImportData>,
    report: Option<ImportReport>,
    message: Option<String>,
) -> ImportPage {
    ImportPage {
        chrome: Chrome::new(lang, "import.title", "/import", Some(&can.user)),
        report,
        message,
        max_mb: upload::MAX_UPLOAD_BYTES / (1024 * 1024),
    }
}

/// `GET /import`: the upload form.
pub async fn form(lang: Lang, can: Can<act::ImportData>) -> Result<Response, AppError> {
    render(&page(lang, &can, None, None))
}

/// `POST /import`: reads and checks the uploaded file (nothing written). 200 with a confirmation form
/// when it may be imported; 422 with the report when not (bad cells, households outside the area, a
/// refusal of the registry, an unreadable file, or no file at all).
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
        let p = page(lang, &can, None, Some(lang.t("import.no_file").to_owned()));
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response());
    };
    let name = file.filename.unwrap_or_default();
    let _permit = state.heavy().admit(can.account().id, HeavyKind::Import)?;
    let (user, scope) = (can.user.clone(), can.scope);
    let (today, now) = (today(&state), state.now());
    let st = state.clone();
    let report = state
        .run(move |b| import::preview(b, &user, &scope, st.imports(), &name, file.data, today, now))
        .await?;
    let status = if report.committable() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, render(&page(lang, &can, Some(report), None))?).into_response())
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    sha256: String,
}

/// `POST /import/confirm`: commits the previewed file. 200 with the result; 409 when the preview cannot be
/// committed any more (expired, unknown, another account's, or the store changed since); 422 when the
/// registry refuses the batch. Nothing is written unless 200.
pub async fn confirm(
    State(state): State<AppState>,
    lang: Lang,
    can: Can<act::ImportData>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, AppError> {
    let _permit = state.heavy().admit(can.account().id, HeavyKind::Import)?;
    let (user, scope) = (can.user.clone(), can.scope);
    let now = state.now();
    let st = state.clone();
    let outcome = state
        .run(move |b| {
            import::confirm(
                b,
                &user,
                &scope,
                st.imports(),
                &form.token,
                &form.sha256,
                now,
            )
        })
        .await?;
    match outcome {
        Confirmed::Done(d) => render(&ImportDonePage {
            chrome: Chrome::new(lang, "import.done", "/import", Some(&can.user)),
            d,
        }),
        Confirmed::Stale(key) => {
            let p = page(lang, &can, None, Some(lang.t(key).to_owned()));
            Ok((StatusCode::CONFLICT, render(&p)?).into_response())
        }
        Confirmed::Refused(why) => {
            let p = page(
                lang,
                &can,
                None,
                Some(format!("{}: {why}", lang.t("import.refused"))),
            );
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)?).into_response())
        }
    }
}
