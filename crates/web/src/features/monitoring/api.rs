//! The cases of the monitoring workflow as JSON: the inbox, a case, a lead, the steps.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

use crate::features::monitoring::cases::{self, CaseView, Inbox};
use crate::features::monitoring::workflow::StepExt as _;
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::params::household_param;
use crate::http::today;
use crate::state::AppState;

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
        Err(r) if !r.fields.is_empty() => crate::http::problem::respond(
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
    pub outcome: crate::features::monitoring::workflow::Outcome,
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

async fn record_step<A: crate::http::auth::ActionMarker>(
    state: AppState,
    case_id: String,
    can: Can<A>,
    step: crate::features::monitoring::workflow::Step,
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
        review: (step == crate::features::monitoring::workflow::Step::VillageReview).then_some(
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

api_step!(
    visit,
    RecordVisit,
    crate::features::monitoring::workflow::Step::Visit
);
api_step!(
    comparison,
    RecordVisit,
    crate::features::monitoring::workflow::Step::Comparison
);
api_step!(
    village_review,
    VillageReview,
    crate::features::monitoring::workflow::Step::VillageReview
);
api_step!(
    township_review,
    TownshipReview,
    crate::features::monitoring::workflow::Step::TownshipReview
);
api_step!(
    county_approval,
    CountyApproval,
    crate::features::monitoring::workflow::Step::CountyApproval
);
