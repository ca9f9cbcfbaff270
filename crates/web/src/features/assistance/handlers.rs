//! Handlers of a household's assistance: the forms (add a measure, end one, record a visit, pair a
//! cadre) as pages and as JSON API calls, and `GET /api/v1/households/{id}/monitoring`. Each form kind is
//! one route per method, each naming its action; the logic is `super::service`'s.

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use serde::Serialize;

use super::templates::*;
use crate::features::assistance::service::{
    self as monitoring, FormKind, FormOutcome, MonitoringView,
};
use crate::features::monitoring::cases::{self, CaseLink};
use crate::http::auth::{act, ActionMarker, Can};
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::params::household_param;
use crate::http::today;
use crate::state::AppState;

fn form_page<A: ActionMarker>(
    lang: Lang,
    here: &str,
    can: &Can<A>,
    f: monitoring::FormView,
) -> MonitoringFormPage {
    let mut page = MonitoringFormPage {
        chrome: Chrome::new(lang, f.kind.title_key(), here, Some(&can.user)),
        f,
    };
    page.chrome.title = format!("{} {}", page.chrome.title, page.f.household_number);
    page
}

async fn show<A: ActionMarker>(
    state: AppState,
    lang: Lang,
    uri: OriginalUri,
    id: String,
    can: Can<A>,
    kind: FormKind,
) -> Result<Response, AppError> {
    let id = household_param(&id)?;
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let f = state
        .run(move |b| monitoring::form(b, &user, &scope, id, kind, today))
        .await?;
    render(&form_page(lang, uri.0.path(), &can, f))
}

async fn submit<A: ActionMarker>(
    state: AppState,
    lang: Lang,
    id: String,
    can: Can<A>,
    kind: FormKind,
    pairs: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let hid = household_param(&id)?;
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let outcome = state
        .run(move |b| monitoring::submit(b, &user, &scope, hid, kind, &pairs, today))
        .await?;
    match outcome {
        FormOutcome::Saved => {
            Ok(Redirect::to(&format!("/households/{}#assistance", hid.0)).into_response())
        }
        FormOutcome::Invalid(f) => {
            let here = f.action();
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&form_page(lang, &here, &can, f))?,
            )
                .into_response())
        }
    }
}

/// What `GET /api/v1/households/{id}/monitoring` answers, and a saved form's body.
#[derive(Debug, Serialize)]
pub struct MonitoringReply {
    pub household: i64,
    pub monitoring: MonitoringView,
    pub cases: Vec<CaseLink>,
}

fn reply(
    b: &dyn crate::data::Backend,
    user: &crate::http::auth::CurrentUser,
    scope: &crate::access::Scope,
    id: jingzhun_core::HouseholdId,
    today: chrono::NaiveDate,
) -> Result<MonitoringReply, AppError> {
    let rec = b.household(id)?;
    crate::http::admit(
        b,
        user,
        scope,
        &rec.household.village,
        "household",
        &id.0.to_string(),
    )?;
    Ok(MonitoringReply {
        household: id.0,
        monitoring: monitoring::of_household(b, user, id, today)?,
        cases: cases::of_household(b, id)?,
    })
}

async fn submit_api<A: ActionMarker>(
    state: AppState,
    id: String,
    can: Can<A>,
    kind: FormKind,
    body: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, AppError> {
    let hid = household_param(&id)?;
    let Json(body) = body.map_err(|_| AppError::BadRequest)?;
    let pairs = monitoring::pairs_of_json(&body)?;
    let today = today(&state);
    let (user, scope) = (can.user, can.scope);
    let done = state
        .run(
            move |b| match monitoring::submit(b, &user, &scope, hid, kind, &pairs, today)? {
                FormOutcome::Saved => reply(b, &user, &scope, hid, today).map(Ok),
                FormOutcome::Invalid(f) => Ok(Err(f)),
            },
        )
        .await?;
    Ok(match done {
        Ok(r) => (StatusCode::CREATED, Json(r)).into_response(),
        Err(f) => crate::http::problem::respond(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
            "有字段填写不正确, 未保存",
            f.errors(),
        ),
    })
}

/// `GET /api/v1/households/{id}/monitoring`: measures, visits, paired cadres and cases with their steps.
pub async fn api_monitoring(
    State(state): State<AppState>,
    Path(id): Path<String>,
    can: Can<act::ViewHousehold>,
) -> Result<Json<MonitoringReply>, AppError> {
    let id = household_param(&id)?;
    let today = today(&state);
    let (user, scope) = (can.user, can.scope);
    let r = state
        .run(move |b| reply(b, &user, &scope, id, today))
        .await?;
    Ok(Json(r))
}

macro_rules! form_handlers {
    ($show:ident, $post:ident, $api:ident, $marker:ident, $kind:expr) => {
        #[doc = concat!("`GET` the form of [`", stringify!($kind), "`].")]
        pub async fn $show(
            State(state): State<AppState>,
            lang: Lang,
            uri: OriginalUri,
            Path(id): Path<String>,
            can: Can<act::$marker>,
        ) -> Result<Response, AppError> {
            show(state, lang, uri, id, can, $kind).await
        }

        #[doc = concat!("`POST` the form of [`", stringify!($kind), "`]: saved → the household page; an invalid field → the form with its message (422).")]
        pub async fn $post(
            State(state): State<AppState>,
            lang: Lang,
            Path(id): Path<String>,
            can: Can<act::$marker>,
            Form(pairs): Form<Vec<(String, String)>>,
        ) -> Result<Response, AppError> {
            submit(state, lang, id, can, $kind, pairs).await
        }

        #[doc = concat!("The JSON API call of [`", stringify!($kind), "`]: 201 with the household's assistance, or 422 with each invalid field's message.")]
        pub async fn $api(
            State(state): State<AppState>,
            Path(id): Path<String>,
            can: Can<act::$marker>,
            body: Result<Json<serde_json::Value>, axum::extract::rejection::JsonRejection>,
        ) -> Result<Response, AppError> {
            submit_api(state, id, can, $kind, body).await
        }
    };
}

form_handlers!(
    measure_form,
    add_measure,
    api_add_measure,
    RecordMeasure,
    FormKind::AddMeasure
);
form_handlers!(
    end_measure_form,
    end_measure,
    api_end_measure,
    RecordMeasure,
    FormKind::EndMeasure
);
form_handlers!(
    visit_form,
    add_visit,
    api_add_visit,
    RecordVisit,
    FormKind::AddVisit
);
form_handlers!(
    assign_form,
    assign_cadre,
    api_assign_cadre,
    AssignCadre,
    FormKind::AssignCadre
);
