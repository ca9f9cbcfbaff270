//! Page handlers of the monitoring workflow: the inbox, the lead form, a case with its next step, the step
//! forms (one route per step, each naming the step's action) and the printable village notice.

use axum::extract::{OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use jingzhun_core::{Channel, MonitoringKind, RiskType};

use crate::access::Action;
use crate::auth::{act, ActionMarker, Can};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::pages::{household_param, today};
use crate::services::cases::{self, NewLead};
use crate::state::AppState;
use crate::templates::*;
use crate::workflow::{Outcome, Step, StepExt};

fn limit_fn(state: &AppState) -> impl Fn(&jingzhun_core::AreaCode, u16) -> u16 + Sync + '_ {
    move |area, year| state.identification_days_limit(area, year)
}

/// `GET /cases`: the inbox of the caller's area.
pub async fn inbox(
    State(state): State<AppState>,
    lang: Lang,
    can: Can<act::ViewHousehold>,
) -> Result<Response, AppError> {
    let today = today(&state);
    let (user, scope, st) = (can.user.clone(), can.scope, state.clone());
    let list = state
        .run(move |b| cases::inbox(b, &user, &scope, &limit_fn(&st), today))
        .await?;
    render(&CasesPage {
        chrome: Chrome::new(lang, "cases.title", "/cases", Some(&can.user)),
        cases: list,
    })
}

/// `GET /households/{id}/leads/new`.
pub async fn lead_form(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Path(id): Path<String>,
    can: Can<act::RecordLead>,
) -> Result<Response, AppError> {
    let id = household_param(&id)?;
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let h = state
        .run(move |b| crate::services::households::household(b, &user, &scope, id, today))
        .await?;
    let here = uri.0.path().to_owned();
    render(&LeadPage {
        chrome: Chrome::new(lang, "lead.title", &here, Some(&can.user)),
        household_id: h.id,
        household_number: h.number,
        channels: Channel::ALL,
        kinds: MonitoringKind::ALL,
        risks: RiskType::ALL,
    })
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `POST /households/{id}/leads`: opens a case and goes to it.
pub async fn create_lead(
    State(state): State<AppState>,
    Path(id): Path<String>,
    can: Can<act::RecordLead>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let id = household_param(&id)?;
    let channel = field(&fields, "channel")
        .and_then(Channel::from_code)
        .ok_or(AppError::BadRequest)?;
    let monitoring_kind = field(&fields, "monitoring_kind").and_then(MonitoringKind::from_code);
    let risk_types = fields
        .iter()
        .filter(|(k, _)| k == "risk")
        .filter_map(|(_, v)| RiskType::from_code(v))
        .collect();
    let lead = NewLead {
        channel,
        monitoring_kind,
        risk_types,
        note: field(&fields, "note").unwrap_or_default().trim().to_owned(),
    };
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let case_id = state
        .run(move |b| cases::open_lead(b, &user, &scope, id, lead, today))
        .await?;
    Ok(Redirect::to(&format!("/cases/{case_id}")).into_response())
}

/// `GET /cases/{case}`.
pub async fn case(
    State(state): State<AppState>,
    lang: Lang,
    Path(case_id): Path<String>,
    can: Can<act::ViewHousehold>,
) -> Result<Response, AppError> {
    let today = today(&state);
    let (user, scope, st) = (can.user.clone(), can.scope, state.clone());
    let id = case_id.clone();
    let c = state
        .run(move |b| cases::case(b, &user, &scope, &id, &limit_fn(&st), today))
        .await?;
    let mut page = CasePage {
        chrome: Chrome::new(
            lang,
            "case.title",
            &format!("/cases/{case_id}"),
            Some(&can.user),
        ),
        c,
    };
    page.chrome.title = format!("{} {case_id}", page.chrome.title);
    render(&page)
}

/// `GET /cases/{case}/notice`: the printable village notice.
pub async fn notice(
    State(state): State<AppState>,
    lang: Lang,
    Path(case_id): Path<String>,
    can: Can<act::ViewHousehold>,
) -> Result<Response, AppError> {
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let id = case_id.clone();
    let n = state
        .run(move |b| cases::notice(b, &user, &scope, &id, today))
        .await?;
    render(&NoticePage {
        chrome: Chrome::new(lang, "notice.title", "/cases", Some(&can.user)),
        n,
    })
}

#[derive(serde::Deserialize)]
pub struct StepForm {
    outcome: String,
    #[serde(default)]
    note: String,
}

/// Records `step` for the caller allowed by `A` (the route names `A`; the step's own action must be the
/// same, which the workflow's tests and the access-control test check).
async fn record<A: ActionMarker>(
    state: AppState,
    case_id: String,
    can: Can<A>,
    step: Step,
    form: StepForm,
) -> Result<Response, AppError> {
    debug_assert_eq!(A::ACTION, step.action());
    let outcome = Outcome::from_code(&form.outcome).ok_or(AppError::BadRequest)?;
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let id = case_id.clone();
    let note = form.note.trim().to_owned();
    state
        .run(move |b| cases::record_step(b, &user, &scope, &id, step, outcome, note, today))
        .await?;
    Ok(Redirect::to(&format!("/cases/{case_id}")).into_response())
}

macro_rules! step_handler {
    ($name:ident, $marker:ident, $step:expr) => {
        #[doc = concat!("`POST /cases/{case}/…` for [`", stringify!($step), "`].")]
        pub async fn $name(
            State(state): State<AppState>,
            Path(case_id): Path<String>,
            can: Can<act::$marker>,
            Form(form): Form<StepForm>,
        ) -> Result<Response, AppError> {
            record(state, case_id, can, $step, form).await
        }
    };
}

step_handler!(visit, RecordVisit, Step::Visit);
step_handler!(comparison, RecordVisit, Step::Comparison);
step_handler!(village_review, VillageReview, Step::VillageReview);
step_handler!(township_review, TownshipReview, Step::TownshipReview);
step_handler!(county_approval, CountyApproval, Step::CountyApproval);

/// The action each step route needs (for the route table).
pub const fn step_action(step: Step) -> Action {
    crate::workflow::action(step)
}
