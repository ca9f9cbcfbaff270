//! Page handlers of the monitoring workflow: a case with its next step and the step forms (one route per
//! step, each naming the step's action). The lead form is the household's (`features::households::lead`). The inbox, the village review and its notice, the
//! batches, the decision notice and the household card are `features::monitoring`'s.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;

use super::templates::*;
use crate::access::Action;
use crate::features::monitoring::cases::{self, StepInput};
use crate::features::monitoring::workflow::{Outcome, Step, StepExt};
use crate::http::auth::{act, ActionMarker, Can};
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::today;
use crate::state::AppState;

fn limit_fn(state: &AppState) -> impl Fn(&jingzhun_core::AreaCode, u16) -> u16 + Sync + '_ {
    move |area, year| state.identification_days_limit(area, year)
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
