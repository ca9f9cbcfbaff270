//! One error type for the whole web layer. Handlers return `Result<_, AppError>`; the response carries only
//! a marker, and the `render_errors` middleware turns it into an HTML page (pages) or a JSON body (`/api/*`)
//! in the request's language. Internals are logged (without personal data) and never shown.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use serde_json::json;

use crate::data::DataError;
use crate::http::i18n::{self, Lang};
use crate::http::page;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AppError {
    /// Not found, or outside the caller's area (indistinguishable on purpose).
    #[error("not found")]
    NotFound,
    /// Signed in, but the role may not do this.
    #[error("forbidden")]
    Forbidden,
    /// No valid session.
    #[error("unauthenticated")]
    Unauthenticated,
    /// Signed in with a password that must be changed first.
    #[error("password change required")]
    PasswordChangeRequired,
    /// Missing or wrong CSRF token, or a cross-origin unsafe request.
    #[error("csrf")]
    Csrf,
    #[error("rate limited")]
    RateLimited,
    /// Heavy work refused by [`crate::http::heavy_work`]: 429 with `Retry-After` (seconds).
    #[error("busy")]
    Busy { retry_after_secs: u32 },
    #[error("bad request")]
    BadRequest,
    /// The path exists, but not with this method.
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict")]
    Conflict,
    /// An upload over [`crate::http::upload::MAX_UPLOAD_BYTES`].
    #[error("too large")]
    TooLarge,
    /// Logged where it happened; the user sees a generic message.
    #[error("internal")]
    Internal,
}

impl AppError {
    pub fn status(self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::PasswordChangeRequired | AppError::Csrf => {
                StatusCode::FORBIDDEN
            }
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::RateLimited | AppError::Busy { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            AppError::Conflict => StatusCode::CONFLICT,
            AppError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Stable machine code for the JSON API.
    pub fn code(self) -> &'static str {
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::Unauthenticated => "unauthenticated",
            AppError::PasswordChangeRequired => "password_change_required",
            AppError::Csrf => "csrf",
            AppError::RateLimited => "rate_limited",
            AppError::Busy { .. } => "busy",
            AppError::BadRequest => "bad_request",
            AppError::MethodNotAllowed => "method_not_allowed",
            AppError::Conflict => "conflict",
            AppError::TooLarge => "too_large",
            AppError::Internal => "internal",
        }
    }

    fn message_key(self) -> &'static str {
        match self {
            AppError::NotFound => "error.not_found",
            AppError::Forbidden => "error.forbidden",
            AppError::Unauthenticated => "error.unauthenticated",
            AppError::PasswordChangeRequired => "password.forced",
            AppError::Csrf => "error.csrf",
            AppError::RateLimited => "error.rate_limited",
            AppError::Busy { .. } => "error.busy",
            AppError::BadRequest => "error.bad_request",
            AppError::MethodNotAllowed => "error.method_not_allowed",
            AppError::Conflict => "error.conflict",
            AppError::TooLarge => "error.too_large",
            AppError::Internal => "error.internal",
        }
    }

    /// The user-facing message in `lang`.
    pub fn message(self, lang: Lang) -> &'static str {
        lang.t(self.message_key())
    }
}

impl From<DataError> for AppError {
    fn from(e: DataError) -> Self {
        match e {
            DataError::NotFound => AppError::NotFound,
            DataError::Conflict | DataError::CaseAlreadyOpen { .. } | DataError::CaseRefused(_) => {
                AppError::Conflict
            }
            DataError::Duplicate(_) => AppError::BadRequest,
            DataError::Other(msg) => {
                tracing::error!(error = %msg, "storage error");
                AppError::Internal
            }
        }
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(e: tokio::task::JoinError) -> Self {
        tracing::error!(error = %e, "blocking task failed");
        AppError::Internal
    }
}

impl AppError {
    /// The refusal of heavy work, from [`crate::http::heavy_work`].
    pub fn busy(refused: crate::http::heavy_work::Refused) -> Self {
        let secs = refused
            .retry_after()
            .as_secs()
            .clamp(1, u64::from(u32::MAX));
        AppError::Busy {
            retry_after_secs: u32::try_from(secs).unwrap_or(u32::MAX),
        }
    }

    /// Headers the answer carries whatever form it takes (page or JSON).
    fn add_headers(self, res: &mut Response) {
        if let AppError::Busy { retry_after_secs } = self {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
        }
    }
}

impl From<crate::http::heavy_work::Refused> for AppError {
    fn from(r: crate::http::heavy_work::Refused) -> Self {
        AppError::busy(r)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut res = self.status().into_response();
        self.add_headers(&mut res);
        res.extensions_mut().insert(self);
        res
    }
}

/// Middleware: renders every [`AppError`] (and the router's bare 404/405) for the kind of request.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let (parts, body) = req.into_parts();
    let lang = i18n::from_parts(&parts);
    let path_and_query = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned());
    let res = next.run(Request::from_parts(parts, body)).await;
    let err = match res.extensions().get::<AppError>() {
        Some(e) => *e,
        None if res.status() == StatusCode::NOT_FOUND => AppError::NotFound,
        None if res.status() == StatusCode::METHOD_NOT_ALLOWED => AppError::MethodNotAllowed,
        // An extractor's rejection (a malformed query or body) is plain text: the API answers JSON.
        None if api && res.status().is_client_error() && !is_json(&res) => {
            let status = res.status();
            let body = json!({ "error": AppError::BadRequest.code(), "message": AppError::BadRequest.message(lang) });
            return (status, axum::Json(body)).into_response();
        }
        None => return res,
    };
    if api {
        let allow = res.headers().get(header::ALLOW).cloned();
        let body = json!({ "error": err.code(), "message": err.message(lang) });
        let mut out = (err.status(), axum::Json(body)).into_response();
        if let Some(allow) = allow {
            out.headers_mut().insert(header::ALLOW, allow);
        }
        err.add_headers(&mut out);
        return out;
    }
    match err {
        AppError::Unauthenticated => {
            let next = urlencode(&path_and_query);
            Redirect::to(&format!("/login?next={next}")).into_response()
        }
        AppError::PasswordChangeRequired => Redirect::to("/password").into_response(),
        _ => {
            let html = page::error_page(lang, err);
            let mut res = (err.status(), html).into_response();
            res.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            err.add_headers(&mut res);
            res
        }
    }
}

fn is_json(res: &Response) -> bool {
    res.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"))
}

/// Percent-encodes a path for a query value (everything but unreserved characters and `/`).
pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencode_keeps_paths_readable() {
        assert_eq!(urlencode("/households?q=张"), "/households%3Fq%3D%E5%BC%A0");
    }
}
