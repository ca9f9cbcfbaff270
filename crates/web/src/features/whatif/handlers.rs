//! The what-if page and its JSON form (`POST /api/v1/whatif`): thin handlers over `super::service`.
//! A what-if run is heavy work, so only a POST starts one: `GET /whatif` shows the form, `POST /whatif`
//! (with the form's `_csrf`) runs it, and drill-down and paging post the same form again; the API takes a
//! JSON body and, like every unsafe API call, the session's `X-CSRF-Token`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Form;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::templates::WhatIfPage;
use crate::features::evaluation::service::default_year;
use crate::features::whatif::service::{
    self as whatif, FieldError, ParamInput, RunRefused, WhatIfForm, WhatIfResult,
};
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::heavy_work::HeavyKind;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::params::area_param;
use crate::http::problem;
use crate::http::today;
use crate::state::AppState;

/// Query keys of the page that are not parameters.
pub(crate) const RESERVED: &[&str] =
    &["year", "area", "page", "run", crate::http::csrf::FORM_FIELD];

pub(crate) fn year_of(text: Option<&str>, state: &AppState) -> Result<u16, FieldError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(default_year(today(state))),
        Some(t) => match t.parse::<u16>() {
            Ok(y) if (2000..=2100).contains(&y) => Ok(y),
            _ => Err(FieldError {
                field: "year".to_owned(),
                message: "「年度」须为 2000 到 2100 之间的年份".to_owned(),
            }),
        },
    }
}

/// `GET /whatif?year=Y[&<param>=<value>…]`: the form only, prefilled from the query. A GET never runs a
/// what-if (heavy work is started only by a POST with the session's CSRF token).
pub async fn page(
    State(state): State<AppState>,
    lang: Lang,
    Query(pairs): Query<Vec<(String, String)>>,
    can: Can<act::RunWhatIf>,
) -> Result<Response, AppError> {
    respond(state, lang, pairs, can, false).await
}

/// `POST /whatif` (form: `_csrf`, `year`, `<param>=<value>`…, optional `area` and `page`): runs the what-if
/// over the caller's area and shows the form with the result; drill-down and paging post the same form.
pub async fn run(
    State(state): State<AppState>,
    lang: Lang,
    can: Can<act::RunWhatIf>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    respond(state, lang, pairs, can, true).await
}

async fn respond(
    state: AppState,
    lang: Lang,
    pairs: Vec<(String, String)>,
    can: Can<act::RunWhatIf>,
    wants_run: bool,
) -> Result<Response, AppError> {
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let year_error = year_of(get("year"), &state).err();
    let year = year_of(get("year"), &state).unwrap_or_else(|_| default_year(today(&state)));
    let area = match get("area").map(str::trim).filter(|a| !a.is_empty()) {
        Some(a) => Some(area_param(a)?),
        None => None,
    };
    let page_no = get("page")
        .and_then(|p| p.parse::<usize>().ok())
        .unwrap_or(1);
    let submitted: HashMap<String, String> = pairs
        .iter()
        .filter(|(k, _)| !RESERVED.contains(&k.as_str()))
        .cloned()
        .collect();
    let wants_run = wants_run && year_error.is_none();
    let req = whatif::Request {
        year,
        area,
        page: page_no,
        all_rows: false,
        submitted,
    };
    let _permit = if wants_run {
        Some(state.heavy().admit(can.account().id, HeavyKind::WhatIf)?)
    } else {
        None
    };
    let (user, scope, st) = (can.user.clone(), can.scope, state.clone());
    let today = today(&state);
    let (form, outcome) = state
        .run(move |b| {
            if wants_run {
                whatif::run(b, &user, &scope, st.policy(), st.whatif(), &req, today)
                    .map(|(f, r)| (f, Some(r)))
            } else {
                if let Some(a) = req.area {
                    crate::http::admit(b, &user, &scope, &a, "area", a.as_str())?;
                }
                Ok((
                    whatif::form(st.policy(), &scope.area(), req.year, &req.submitted),
                    None,
                ))
            }
        })
        .await?;
    let (status, result, refused) = match outcome {
        None => (StatusCode::OK, None, year_error.map(|e| e.message)),
        Some(Ok(r)) => (StatusCode::OK, Some(r), None),
        Some(Err(RunRefused::Invalid(_))) => (StatusCode::UNPROCESSABLE_ENTITY, None, None),
        Some(Err(RunRefused::Busy)) => (
            StatusCode::TOO_MANY_REQUESTS,
            None,
            Some(lang.t("whatif.busy").to_owned()),
        ),
        Some(Err(RunRefused::NothingChanged)) => (
            StatusCode::OK,
            None,
            Some(lang.t("whatif.unchanged").to_owned()),
        ),
        Some(Err(RunRefused::Unavailable(u))) => (StatusCode::OK, None, Some(u)),
    };
    // What drill-down and paging post again: the year and the changed parameters.
    let carry: Vec<(String, String)> = std::iter::once(("year".to_owned(), form.year.to_string()))
        .chain(
            form.params
                .iter()
                .filter(|p| p.changed)
                .map(|p| (p.code.to_string(), p.value.clone())),
        )
        .collect();
    let here = format!("/whatif?year={}", form.year);
    let page = WhatIfPage {
        chrome: Chrome::new(lang, "whatif.title", &here, Some(&can.user)),
        form,
        result,
        refused,
        carry,
    };
    Ok((status, render(&page)?).into_response())
}

/// Body of `POST /api/v1/whatif`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhatIfBody {
    /// The year evaluated (default: the latest complete year).
    #[serde(default)]
    pub year: Option<u16>,
    /// The area to show (default: the caller's own); the run covers the caller's whole area.
    #[serde(default)]
    pub area: Option<String>,
    /// 1-based page of the flipped households (50 a page).
    #[serde(default)]
    pub page: Option<usize>,
    /// Parameter code → new value, in the parameter's unit (a number or a numeric string).
    #[serde(default)]
    pub params: HashMap<String, serde_json::Value>,
}

/// Answer of `POST /api/v1/whatif`.
#[derive(Debug, Serialize)]
pub struct WhatIfAnswer {
    pub params: Vec<ParamInput>,
    pub result: WhatIfResult,
}

fn refused(form: &WhatIfForm, r: RunRefused) -> Response {
    match r {
        RunRefused::Invalid(fields) => problem::respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "推演参数有误, 请按各项提示修改",
            fields,
        ),
        RunRefused::Busy => problem::respond(
            StatusCode::TOO_MANY_REQUESTS,
            "busy",
            "您已有一项推演在运行, 或同时运行的推演过多, 请稍后再试",
            Vec::new(),
        ),
        RunRefused::NothingChanged => problem::respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            "nothing_changed",
            "没有修改任何参数: 请至少给出一项与现行值不同的参数",
            Vec::new(),
        ),
        RunRefused::Unavailable(u) => problem::respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            "unavailable",
            &u,
            vec![FieldError {
                field: "year".to_owned(),
                message: format!("{} 年没有可用的政策参数", form.year),
            }],
        ),
    }
}

/// `POST /api/v1/whatif`: runs a what-if over the caller's area; 422 with field errors, 429 when busy.
pub async fn api(
    State(state): State<AppState>,
    can: Can<act::RunWhatIf>,
    body: Result<Json<WhatIfBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AppError> {
    let body = match body {
        Ok(Json(b)) => b,
        Err(e) => {
            return Ok(problem::respond(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "请求体须为 JSON 对象: {\"year\", \"area\", \"page\", \"params\"}",
                vec![FieldError {
                    field: "body".to_owned(),
                    message: e.body_text(),
                }],
            ))
        }
    };
    let mut fields = Vec::new();
    let year = match body.year {
        None => default_year(today(&state)),
        Some(y) => match year_of(Some(&y.to_string()), &state) {
            Ok(y) => y,
            Err(e) => {
                fields.push(e);
                0
            }
        },
    };
    let mut submitted = HashMap::new();
    for (k, v) in &body.params {
        let key = jingzhun_policy::ParamKey::from_code(k)
            .filter(|key| whatif::EDITABLE.iter().any(|(e, _, _)| e == key));
        let text = match v {
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::String(s) => Some(s.clone()),
            _ => None,
        };
        match (key, text) {
            (None, _) => fields.push(FieldError {
                field: format!("params.{k}"),
                message: format!("「{k}」不是推演中可修改的参数"),
            }),
            (_, None) => fields.push(FieldError {
                field: format!("params.{k}"),
                message: format!("「{k}」的值须为数字"),
            }),
            (Some(_), Some(t)) => {
                submitted.insert(k.clone(), t);
            }
        }
    }
    let area = match body
        .area
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
    {
        None => None,
        Some(a) => match jingzhun_core::AreaCode::parse(a) {
            Ok(c) => Some(c),
            Err(_) => {
                fields.push(FieldError {
                    field: "area".to_owned(),
                    message: format!("「{a}」不是有效的行政区划代码"),
                });
                None
            }
        },
    };
    if !fields.is_empty() {
        return Ok(problem::respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "推演参数有误, 请按各项提示修改",
            fields,
        ));
    }
    let req = whatif::Request {
        year,
        area,
        page: body.page.unwrap_or(1),
        all_rows: false,
        submitted,
    };
    let _permit = match state.heavy().admit(can.account().id, HeavyKind::WhatIf) {
        Ok(p) => p,
        Err(refused) => return Ok(crate::http::heavy_work::problem(refused)),
    };
    let (user, scope, st) = (can.user, can.scope, state.clone());
    let today = today(&state);
    let (form, outcome) = state
        .run(move |b| whatif::run(b, &user, &scope, st.policy(), st.whatif(), &req, today))
        .await?;
    Ok(match outcome {
        Ok(result) => Json(WhatIfAnswer {
            params: form.params,
            result,
        })
        .into_response(),
        Err(r) => refused(&form, r),
    })
}
