//! JSON error bodies of the API operations that can refuse a request field by field (the household edit,
//! the what-if, the assistance forms): `{"error": "<code>", "message": "<中文>", "fields": [{"field": "…", "message": "…"}]}`.
//! Other errors are rendered from [`crate::http::error::AppError`] by the error middleware with the same
//! `error` and `message` keys.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// One field's error (the forms' messages beside their fields, and the API's `fields`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// A refused request, with what is wrong field by field.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub error: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

/// The response for a problem.
pub fn respond(
    status: StatusCode,
    error: &'static str,
    message: &str,
    fields: Vec<FieldError>,
) -> Response {
    (
        status,
        Json(Problem {
            error,
            message: message.to_owned(),
            fields,
        }),
    )
        .into_response()
}
