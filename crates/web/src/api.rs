//! The JSON API under `/api/v1`: the same reads as the pages, through the same services and the same
//! access rules (`Can<…>` extractors, scopes, masking). Errors come back as
//! `{"error": "<code>", "message": "<text>"}` with the matching status. Unsafe methods need the session's
//! CSRF token in `X-CSRF-Token` (see `csrf.rs`).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::auth::{act, Can, SignedIn};
use crate::error::AppError;
use crate::pages::{area_param, household_param, today, SearchQuery, YearQuery};
use crate::services::areas::{self, AreaView};
use crate::services::cases::{self, CaseView, Inbox};
use crate::services::dashboard::{self, Dashboard};
use crate::services::households::{self, HouseholdView, SearchResult};
use crate::state::AppState;
use crate::workflow::StepExt as _;

/// The signed-in account, as `/api/v1/me` returns it.
#[derive(Debug, Serialize)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub role_label: &'static str,
    pub area: String,
    pub must_change_password: bool,
    /// The token to send as `X-CSRF-Token` with unsafe requests.
    pub csrf_token: String,
}

pub async fn me(SignedIn(user): SignedIn) -> Json<Me> {
    let a = &user.account;
    Json(Me {
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: a.role.code(),
        role_label: a.role.label(),
        area: a.area.as_str().to_owned(),
        must_change_password: a.must_change_password,
        csrf_token: user.csrf_token.clone(),
    })
}

pub async fn dashboard_own(
    State(state): State<AppState>,
    can: Can<act::ViewDashboard>,
) -> Result<Json<Dashboard>, AppError> {
    let today = today(&state);
    let (user, scope) = (can.user, can.scope);
    let st = state.clone();
    let d = state
        .run(move |b| dashboard::dashboard(&st, b, &user, &scope, None, today))
        .await?;
    Ok(Json(d))
}

pub async fn dashboard(
    State(state): State<AppState>,
    Path(code): Path<String>,
    can: Can<act::ViewDashboard>,
) -> Result<Json<Dashboard>, AppError> {
    let code = area_param(&code)?;
    let today = today(&state);
    let (user, scope) = (can.user, can.scope);
    let st = state.clone();
    let d = state
        .run(move |b| dashboard::dashboard(&st, b, &user, &scope, Some(code), today))
        .await?;
    Ok(Json(d))
}

pub async fn area(
    State(state): State<AppState>,
    Path(code): Path<String>,
    can: Can<act::ViewAreas>,
) -> Result<Json<AreaView>, AppError> {
    let code = area_param(&code)?;
    let (user, scope) = (can.user, can.scope);
    let a = state
        .run(move |b| areas::area(b, &user, &scope, Some(code)))
        .await?;
    Ok(Json(a))
}

pub async fn search(
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
    can: Can<act::SearchHouseholds>,
) -> Result<Json<SearchResult>, AppError> {
    let area = q.area()?;
    let page = q.page()?;
    let today = today(&state);
    let (user, scope) = (can.user, can.scope);
    state.count_search(user.account.id)?;
    // As the page: from the built index on this task, else on the blocking pool.
    let fast = households::search_in_memory(
        state.backend().as_ref(),
        &user,
        &scope,
        &q.q,
        area,
        page,
        today,
    );
    let r = match fast {
        Some(r) => r,
        None => {
            state
                .run(move |b| households::search(b, &user, &scope, &q.q, area, page, today))
                .await?
        }
    };
    Ok(Json(r))
}

/// `GET /api/v1/households/{id}?year=Y&as_of=YYYY-MM-DD`: the household with the rules' proposals for `Y`
/// (default: the latest complete year, or the year of `as_of`) as of `as_of` (default: the year's end). Every explanation carries `text_zh` and `text_en`; `text` is
/// in the request's language (the `lang` cookie, as for pages).
pub async fn household(
    State(state): State<AppState>,
    lang: crate::i18n::Lang,
    Path(id): Path<String>,
    Query(q): Query<YearQuery>,
    can: Can<act::ViewHousehold>,
) -> Result<Json<HouseholdView>, AppError> {
    let id = household_param(&id)?;
    let year = q.year()?;
    let as_of = q.as_of()?;
    let today = today(&state);
    let (user, scope) = (can.user, can.scope);
    let st = state.clone();
    let mut h = state
        .run(move |b| {
            households::household_evaluated(b, &user, &scope, id, today, st.policy(), year, as_of)
        })
        .await?;
    if lang == crate::i18n::Lang::En {
        if let Some(ev) = &mut h.evaluation {
            ev.in_english();
        }
    }
    Ok(Json(h))
}

/// `GET /api/v1/cases?all=1&area=…&page=N`: one page of the inbox (open cases by lead time; every case
/// with `all`).
pub async fn cases(
    State(state): State<AppState>,
    Query(params): Query<crate::features::monitoring::handlers::InboxParams>,
    can: Can<act::ViewHousehold>,
) -> Result<Json<Inbox>, AppError> {
    let query = params.query()?;
    let today = today(&state);
    let (user, scope, st) = (can.user, can.scope, state.clone());
    let inbox = state
        .run(move |b| {
            let limit = |a: &jingzhun_core::AreaCode, y: u16| st.identification_days_limit(a, y);
            cases::inbox(b, &user, &scope, &query, &limit, today)
        })
        .await?;
    Ok(Json(inbox))
}

pub async fn case(
    State(state): State<AppState>,
    Path(case_id): Path<String>,
    can: Can<act::ViewHousehold>,
) -> Result<Json<CaseView>, AppError> {
    let today = today(&state);
    let (user, scope, st) = (can.user, can.scope, state.clone());
    let c = state
        .run(move |b| {
            let limit = |a: &jingzhun_core::AreaCode, y: u16| st.identification_days_limit(a, y);
            cases::case(b, &user, &scope, &case_id, &limit, st.policy(), today)
        })
        .await?;
    Ok(Json(c))
}

/// A 409 answer with the reason (in Chinese) and what else the client needs to see.
fn refused(r: &cases::Refused, extra: Option<(&str, serde_json::Value)>) -> Response {
    let mut body = serde_json::json!({
        "error": "conflict",
        "message": r.message,
        "open_case": r.open_case,
    });
    if let (Some((k, v)), Some(obj)) = (extra, body.as_object_mut()) {
        obj.insert(k.to_owned(), v);
    }
    (StatusCode::CONFLICT, Json(body)).into_response()
}

/// Body of `POST /api/v1/households/{id}/leads`.
#[derive(Debug, serde::Deserialize)]
pub struct LeadBody {
    pub channel: jingzhun_core::Channel,
    #[serde(default)]
    pub monitoring_kind: Option<jingzhun_core::MonitoringKind>,
    #[serde(default)]
    pub risk_types: Vec<jingzhun_core::RiskType>,
    #[serde(default)]
    pub note: String,
}

/// The case a lead opened.
#[derive(Debug, Serialize)]
pub struct Opened {
    pub case: String,
}

fn body<T>(b: Result<Json<T>, axum::extract::rejection::JsonRejection>) -> Result<T, AppError> {
    b.map(|Json(t)| t).map_err(|_| AppError::BadRequest)
}

pub async fn create_lead(
    State(state): State<AppState>,
    Path(id): Path<String>,
    can: Can<act::RecordLead>,
    lead: Result<Json<LeadBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AppError> {
    let id = household_param(&id)?;
    let lead = body(lead)?;
    let lead = cases::NewLead {
        channel: lead.channel,
        monitoring_kind: lead.monitoring_kind,
        risk_types: lead.risk_types,
        note: lead.note.trim().to_owned(),
    };
    let now = state.now();
    let (user, scope) = (can.user, can.scope);
    let opened = state
        .run(move |b| cases::open_lead(b, &user, &scope, id, lead, now))
        .await?;
    Ok(match opened {
        Ok(case) => (
            StatusCode::CREATED,
            Json(Opened {
                case: case.to_string(),
            }),
        )
            .into_response(),
        Err(r) if !r.fields.is_empty() => crate::problem::respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            &r.message,
            r.fields,
        ),
        Err(r) => refused(&r, None),
    })
}

/// Body of the step calls.
#[derive(Debug, serde::Deserialize)]
pub struct StepBody {
    pub outcome: crate::workflow::Outcome,
    #[serde(default)]
    pub note: String,
    /// The case's step count the client based this step on (`line.step_count`); a stale one is refused
    /// with 409 and the case as it now stands. Absent: the case as read now.
    #[serde(default)]
    pub seen: Option<usize>,
    /// Village review: the day of the meeting (default today), who took part, the notice's complaint
    /// phone (both required).
    #[serde(default)]
    pub reviewed_on: Option<chrono::NaiveDate>,
    #[serde(default)]
    pub participants: String,
    #[serde(default)]
    pub complaint_phone: String,
}

async fn record_step<A: crate::auth::ActionMarker>(
    state: AppState,
    case_id: String,
    can: Can<A>,
    step: crate::workflow::Step,
    step_body: Result<Json<StepBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AppError> {
    debug_assert_eq!(A::ACTION, step.action());
    let StepBody {
        outcome,
        note,
        seen,
        reviewed_on,
        participants,
        complaint_phone,
    } = body(step_body)?;
    let input = cases::StepInput {
        step,
        outcome,
        note: note.trim().to_owned(),
        seen,
        now: state.now(),
        review: (step == crate::workflow::Step::VillageReview).then_some(
            crate::features::monitoring::service::ReviewMeeting {
                reviewed_on,
                participants,
                complaint_phone,
            },
        ),
    };
    let today = today(&state);
    let (user, scope, st) = (can.user, can.scope, state.clone());
    let (view, refusal) = state
        .run(move |b| {
            let limit = |a: &jingzhun_core::AreaCode, y: u16| st.identification_days_limit(a, y);
            cases::record_step(
                b,
                &user,
                &scope,
                &case_id,
                input,
                &limit,
                st.policy(),
                today,
            )
        })
        .await?;
    Ok(match refusal {
        None => Json(view).into_response(),
        Some(r) => {
            let case = serde_json::to_value(&view).map_err(|_| AppError::Internal)?;
            refused(&r, Some(("case", case)))
        }
    })
}

macro_rules! api_step {
    ($name:ident, $marker:ident, $step:expr) => {
        #[doc = concat!("`POST /api/v1/cases/{case}/…` for [`", stringify!($step), "`].")]
        pub async fn $name(
            State(state): State<AppState>,
            Path(case_id): Path<String>,
            can: Can<act::$marker>,
            b: Result<Json<StepBody>, axum::extract::rejection::JsonRejection>,
        ) -> Result<Response, AppError> {
            record_step(state, case_id, can, $step, b).await
        }
    };
}

api_step!(visit, RecordVisit, crate::workflow::Step::Visit);
api_step!(comparison, RecordVisit, crate::workflow::Step::Comparison);
api_step!(
    village_review,
    VillageReview,
    crate::workflow::Step::VillageReview
);
api_step!(
    township_review,
    TownshipReview,
    crate::workflow::Step::TownshipReview
);
api_step!(
    county_approval,
    CountyApproval,
    crate::workflow::Step::CountyApproval
);

/// `GET /api/v1/policy?year=Y`: the parameters in force for the caller's area, with their provenance.
pub async fn policy(
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
    can: Can<act::ViewPolicyParams>,
) -> Result<Json<crate::services::policy::PolicyView>, AppError> {
    let year = q
        .year()?
        .unwrap_or_else(|| crate::services::evaluation::default_year(today(&state)));
    let scope = can.scope;
    let st = state.clone();
    let p = state
        .run(move |b| crate::services::policy::policy(b, &scope, st.policy(), year))
        .await?;
    Ok(Json(p))
}
