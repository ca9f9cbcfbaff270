//! The household edit as JSON, through the same service as the edit page (`super::edit`): the same
//! parsing, the same version check, the same audit.
//!
//! * `GET /api/v1/households/{id}/edit`: the editable fields with their current values and the version
//!   they belong to.
//! * `PATCH /api/v1/households/{id}` with `{"version": n, "reason": "…", "fields": {"phone": "…",
//!   "m0.health": "chronic", …}}` (field names as the GET returns them; a field not sent keeps its value):
//!   200 `{"id", "version"}` when saved (or when nothing changed); 422 with one error per invalid field;
//!   409 when `version` is no longer current, with both versions side by side (`conflict.rows`: yours and
//!   current) and the current fields to redo the edit on. Nothing is written unless saved.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::features::households::edit::{self, EditForm, EditOutcome};
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::params::household_param;
use crate::http::problem;
use crate::http::problem::FieldError;
use crate::http::today;
use crate::state::AppState;

/// Body of `PATCH /api/v1/households/{id}`. Members other than these three, and names in `fields` the
/// household's form does not have, are answered 422 naming them (never ignored: a misspelt field would
/// otherwise be "saved" unchanged).
#[derive(Debug, Deserialize)]
pub struct EditBody {
    /// The version the edit is based on (from the GET).
    pub version: i64,
    #[serde(default)]
    pub reason: String,
    /// Field name → new value (a string, number or boolean; `null` or `""` empties an optional field).
    #[serde(default)]
    pub fields: std::collections::BTreeMap<String, serde_json::Value>,
    /// Anything else sent: refused by name.
    #[serde(flatten)]
    pub unknown: std::collections::BTreeMap<String, serde_json::Value>,
}

/// A saved edit.
#[derive(Debug, Serialize)]
pub struct Saved {
    pub id: i64,
    pub version: i64,
}

/// The 409 body: the error, the refused edit beside the current version, and the current fields.
#[derive(Debug, Serialize)]
pub struct ConflictBody {
    pub error: &'static str,
    pub message: &'static str,
    pub conflict: Option<edit::ConflictView>,
    pub current: EditForm,
}

/// `GET /api/v1/households/{id}/edit`.
pub async fn form(
    State(state): State<AppState>,
    Path(id): Path<String>,
    can: Can<act::EditHousehold>,
) -> Result<Json<EditForm>, AppError> {
    let id = household_param(&id)?;
    let (user, scope) = (can.user, can.scope);
    let f = state
        .run(move |b| edit::edit_form(b, &user, &scope, id))
        .await?;
    Ok(Json(f))
}

/// The invalid fields of a refused form, each with its label and message in `lang`.
pub fn field_errors(f: &EditForm, lang: Lang) -> Vec<FieldError> {
    let mut out: Vec<FieldError> = f
        .fields
        .iter()
        .filter_map(|field| {
            field.error.map(|e| FieldError {
                field: field.name.clone(),
                message: match &field.member {
                    Some(m) => format!("{m}「{}」: {}", lang.t(field.label_key), lang.t(e)),
                    None => format!("「{}」: {}", lang.t(field.label_key), lang.t(e)),
                },
            })
        })
        .collect();
    if let Some(e) = f.reason_error {
        out.push(FieldError {
            field: "reason".to_owned(),
            message: lang.t(e).to_owned(),
        });
    }
    out
}

/// `PATCH /api/v1/households/{id}`.
pub async fn update(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    can: Can<act::EditHousehold>,
    body: Result<Json<EditBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AppError> {
    let hid = household_param(&id)?;
    let body = match body {
        Ok(Json(b)) => b,
        Err(e) => {
            return Ok(problem::respond(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "请求体须为 JSON 对象: {\"version\", \"reason\", \"fields\"}",
                vec![FieldError {
                    field: "body".to_owned(),
                    message: e.body_text(),
                }],
            ))
        }
    };
    let mut pairs = vec![
        ("version".to_owned(), body.version.to_string()),
        ("reason".to_owned(), body.reason),
    ];
    let mut bad: Vec<FieldError> = body
        .unknown
        .keys()
        .map(|name| FieldError {
            field: name.clone(),
            message: format!("未知的字段「{name}」: 请求体只有 version、reason 和 fields"),
        })
        .collect();
    for (name, value) in body.fields {
        let text = match value {
            serde_json::Value::Null => String::new(),
            serde_json::Value::String(s) => s,
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => if b { "true" } else { "false" }.to_owned(),
            _ => {
                bad.push(FieldError {
                    message: format!("「{name}」的值须为字符串、数字或布尔值"),
                    field: name,
                });
                continue;
            }
        };
        if name == "version" || name == "reason" {
            bad.push(FieldError {
                message: format!("「{name}」不是农户字段"),
                field: name,
            });
            continue;
        }
        pairs.push((name, text));
    }
    if !bad.is_empty() {
        return Ok(problem::respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            lang.t("edit.fix_fields"),
            bad,
        ));
    }
    let today = today(&state);
    let (user, scope) = (can.user, can.scope);
    let outcome = state
        .run(move |b| edit::submit_exact(b, &user, &scope, hid, &pairs, today))
        .await?;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(unknown) => {
            let fields = unknown
                .into_iter()
                .map(|name| FieldError {
                    message: format!("未知的字段「{name}」: 该户没有这个可编辑字段"),
                    field: name,
                })
                .collect();
            return Ok(problem::respond(
                StatusCode::UNPROCESSABLE_ENTITY,
                "unknown_fields",
                "请求中有未知的字段, 未保存任何修改",
                fields,
            ));
        }
    };
    Ok(match outcome {
        EditOutcome::Saved(v) => Json(Saved {
            id: hid.0,
            version: v.0,
        })
        .into_response(),
        EditOutcome::Invalid(f) => problem::respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            lang.t("edit.fix_fields"),
            field_errors(&f, lang),
        ),
        EditOutcome::Conflict(mut f) => {
            let conflict = f.conflict.take();
            (
                StatusCode::CONFLICT,
                Json(ConflictBody {
                    error: "conflict",
                    message: AppError::Conflict.message(lang),
                    conflict,
                    current: f,
                }),
            )
                .into_response()
        }
    })
}
