//! Page handlers of the monitoring workflow: the lead form, a case with its next step and the step forms
//! (one route per step, each naming the step's action). The inbox, the village review and its notice, the
//! batches, the decision notice and the household card are `features::monitoring`'s.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use jingzhun_core::{Channel, MonitoringKind, RiskType};

use super::templates::*;
use crate::access::Action;
use crate::features::monitoring::cases::{self, NewLead, StepInput};
use crate::features::monitoring::workflow::{Outcome, Step, StepExt};
use crate::http::auth::{act, ActionMarker, Can};
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::params::household_param;
use crate::http::today;
use crate::state::AppState;

fn limit_fn(state: &AppState) -> impl Fn(&jingzhun_core::AreaCode, u16) -> u16 + Sync + '_ {
    move |area, year| state.identification_days_limit(area, year)
}

fn lead_page(
    lang: Lang,
    here: &str,
    user: &crate::http::auth::CurrentUser,
    household_id: i64,
    household_number: String,
    refused: Option<cases::Refused>,
) -> LeadPage {
    LeadPage {
        chrome: Chrome::new(lang, "lead.title", here, Some(user)),
        household_id,
        household_number,
        channels: Channel::ALL,
        kinds: MonitoringKind::ALL,
        risks: RiskType::ALL,
        refused,
        prefill: Default::default(),
    }
}

/// `?from=warnings&year=Y&kind=K` of the lead form: fill it from that row of the warning list.
#[derive(Debug, Default, serde::Deserialize)]
pub struct LeadFrom {
    #[serde(default)]
    from: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    kind: String,
}

/// `GET /households/{id}/leads/new` (with `?from=warnings&year=Y&kind=K`: filled from the warning list's
/// proposal — kind, risk types and the rules' explanation; see `features::warnings`).
pub async fn lead_form(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(from): Query<LeadFrom>,
    can: Can<act::RecordLead>,
) -> Result<Response, AppError> {
    let id = household_param(&id)?;
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let h = state
        .run(move |b| crate::features::households::service::household(b, &user, &scope, id, today))
        .await?;
    let prefill = if from.from == "warnings" {
        use crate::features::warnings::service;
        let year = from
            .year
            .trim()
            .parse::<u16>()
            .map_err(|_| AppError::BadRequest)?;
        let year = service::check_year(year, today)?;
        let kind = jingzhun_report::warnings::WarningKind::from_code(from.kind.trim())
            .ok_or(AppError::BadRequest)?;
        let st = state.clone();
        tokio::task::spawn_blocking(move || {
            service::lead_prefill(&st, jingzhun_core::HouseholdId(h.id), year, kind)
        })
        .await??
    } else {
        Default::default()
    };
    let here = uri
        .0
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let mut page = lead_page(lang, &here, &can.user, h.id, h.number, None);
    page.prefill = prefill;
    render(&page)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `POST /households/{id}/leads`: opens a case and goes to it; while the household has an open case the
/// form comes back with the reason and a link to that case (409).
pub async fn create_lead(
    State(state): State<AppState>,
    lang: Lang,
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
    let now = state.now();
    let (user, scope) = (can.user.clone(), can.scope);
    let opened = state
        .run(move |b| cases::open_lead(b, &user, &scope, id, lead, now))
        .await?;
    match opened {
        Ok(case_id) => Ok(Redirect::to(&format!("/cases/{case_id}")).into_response()),
        Err(refused) => {
            let (user, scope) = (can.user.clone(), can.scope);
            let h = state
                .run(move |b| {
                    crate::features::households::service::household(b, &user, &scope, id, today)
                })
                .await?;
            let here = format!("/households/{}/leads/new", id.0);
            let status = if refused.fields.is_empty() {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let page = lead_page(lang, &here, &can.user, h.id, h.number, Some(refused));
            Ok((status, render(&page)?).into_response())
        }
    }
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
        .run(move |b| cases::case(b, &user, &scope, &id, &limit_fn(&st), st.policy(), today))
        .await?;
    render(&case_page(lang, &can.user, c, None))
}

fn case_page(
    lang: Lang,
    user: &crate::http::auth::CurrentUser,
    c: cases::CaseView,
    refused: Option<cases::Refused>,
) -> CasePage {
    let id = c.line.id.clone();
    let mut page = CasePage {
        chrome: Chrome::new(lang, "case.title", &format!("/cases/{id}"), Some(user)),
        c,
        refused,
    };
    page.chrome.title = format!("{} {id}", page.chrome.title);
    page
}

#[derive(serde::Deserialize)]
pub struct StepForm {
    outcome: String,
    #[serde(default)]
    note: String,
    /// The step count of the page the form was on (a stale page is refused with 409).
    #[serde(default)]
    seen: String,
    /// The village review's meeting: its date, who took part, the notice's complaint phone.
    #[serde(default)]
    reviewed_on: String,
    #[serde(default)]
    participants: String,
    #[serde(default)]
    complaint_phone: String,
}

impl StepForm {
    fn meeting(&self) -> Vec<(String, String)> {
        vec![
            ("reviewed_on".to_owned(), self.reviewed_on.clone()),
            ("participants".to_owned(), self.participants.clone()),
            ("complaint_phone".to_owned(), self.complaint_phone.clone()),
        ]
    }
}

/// Records `step` for the caller allowed by `A` (the route names `A`; the step's own action must be the
/// same, which the workflow's tests and the access-control test check).
async fn record<A: ActionMarker>(
    state: AppState,
    lang: Lang,
    case_id: String,
    can: Can<A>,
    step: Step,
    form: StepForm,
) -> Result<Response, AppError> {
    debug_assert_eq!(A::ACTION, step.action());
    let outcome = Outcome::from_code(&form.outcome).ok_or(AppError::BadRequest)?;
    let seen = match form.seen.trim() {
        "" => None,
        s => Some(s.parse::<usize>().map_err(|_| AppError::BadRequest)?),
    };
    let input = StepInput {
        step,
        outcome,
        note: form.note.trim().to_owned(),
        seen,
        now: state.now(),
        review: (step == Step::VillageReview)
            .then(|| crate::features::monitoring::handlers::meeting_of(&form.meeting()))
            .transpose()?,
    };
    let today = today(&state);
    let (user, scope, st) = (can.user.clone(), can.scope, state.clone());
    let id = case_id.clone();
    let (view, refused) = state
        .run(move |b| {
            cases::record_step(
                b,
                &user,
                &scope,
                &id,
                input,
                &limit_fn(&st),
                st.policy(),
                today,
            )
        })
        .await?;
    match refused {
        None => Ok(Redirect::to(&format!("/cases/{case_id}")).into_response()),
        Some(r) => Ok((
            StatusCode::CONFLICT,
            render(&case_page(lang, &can.user, view, Some(r)))?,
        )
            .into_response()),
    }
}

macro_rules! step_handler {
    ($name:ident, $marker:ident, $step:expr) => {
        #[doc = concat!("`POST /cases/{case}/…` for [`", stringify!($step), "`].")]
        pub async fn $name(
            State(state): State<AppState>,
            lang: Lang,
            Path(case_id): Path<String>,
            can: Can<act::$marker>,
            Form(form): Form<StepForm>,
        ) -> Result<Response, AppError> {
            record(state, lang, case_id, can, $step, form).await
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
    crate::features::monitoring::workflow::action(step)
}
