//! Cross-site request forgery protection for every unsafe request, applied as one middleware so that no
//! form can forget it.
//!
//! * An `Origin` header, when present, must name this host.
//! * HTML forms (`application/x-www-form-urlencoded`) carry a hidden `_csrf` field equal to the session's
//!   token; before sign-in (the login form), equal to the `jz_pre` cookie set with the form
//!   (double-submit).
//! * File uploads (`multipart/form-data`, at most [`upload::MAX_UPLOAD_BYTES`]) carry the same `_csrf`
//!   field as one of their parts.
//! * JSON API calls carry the session's token in the `X-CSRF-Token` header.
//!
//! Anything else unsafe (other content types, missing tokens) is refused with 403.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::http::auth::current_user;
use crate::http::cookies;
use crate::http::error::AppError;
use crate::http::upload;
use crate::http::HttpState;

/// Cookie holding the pre-session CSRF token of the login form.
pub const PRE_SESSION_COOKIE: &str = "jz_pre";
/// Hidden form field with the token.
pub const FORM_FIELD: &str = "_csrf";
/// Header with the token for the JSON API.
pub const HEADER: &str = "x-csrf-token";
/// Largest form body accepted.
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// Compares two tokens in time independent of where they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn origin_ok(req: &Request) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN) else {
        return true;
    };
    let Some(host) = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
    else {
        return false;
    };
    let origin = origin.to_str().unwrap_or_default();
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
        .unwrap_or_default();
    authority == host
}

/// The middleware.
pub async fn guard<S: HttpState>(State(state): State<S>, req: Request, next: Next) -> Response {
    match check(&state, req).await {
        Ok(req) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

async fn check<S: HttpState>(state: &S, req: Request) -> Result<Request, AppError> {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return Ok(req);
    }
    if !origin_ok(&req) {
        return Err(AppError::Csrf);
    }
    let (mut parts, body) = req.into_parts();
    let user = current_user(&mut parts, state).await?;
    let expected = match &user {
        Some(u) => Some(u.csrf_token.clone()),
        None => cookies::get(&parts.headers, PRE_SESSION_COOKIE),
    };
    if parts.uri.path().starts_with("/api/") {
        // Without a session the handler answers 401; with one, the header must match.
        if let Some(u) = &user {
            let sent = parts
                .headers
                .get(HEADER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            if !same_token(sent, &u.csrf_token) {
                return Err(AppError::Csrf);
            }
        }
        return Ok(Request::from_parts(parts, body));
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    // File uploads: the hidden `_csrf` field is one of the parts (bodies bounded by the upload limit).
    if upload::is_multipart(&content_type) {
        // Only signed-in accounts upload: a large body is not read for anyone else.
        if user.is_none() {
            return Err(AppError::Csrf);
        }
        let bytes = axum::body::to_bytes(body, upload::MAX_UPLOAD_BYTES)
            .await
            .map_err(|_| AppError::TooLarge)?;
        let fields = upload::parse(&content_type, &bytes).map_err(|_| AppError::BadRequest)?;
        let sent = fields
            .iter()
            .find(|p| p.name == FORM_FIELD && p.filename.is_none())
            .map(upload::Part::text)
            .unwrap_or_default();
        return match expected {
            Some(token) if same_token(&sent, &token) => {
                Ok(Request::from_parts(parts, Body::from(bytes)))
            }
            _ => Err(AppError::Csrf),
        };
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Err(AppError::Csrf);
    }
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| AppError::BadRequest)?;
    let fields: Vec<(String, String)> =
        serde_urlencoded::from_bytes(&bytes).map_err(|_| AppError::BadRequest)?;
    let sent = fields
        .iter()
        .find(|(k, _)| k == FORM_FIELD)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default();
    match expected {
        Some(token) if same_token(sent, &token) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(AppError::Csrf),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_compare_exactly() {
        assert!(same_token("abc", "abc"));
        assert!(!same_token("abc", "abd"));
        assert!(!same_token("", ""));
        assert!(!same_token("ab", "abc"));
    }
}
