//! The household pages: search, the household with its proposals, and the edit form. Thin: each
//! extracts the caller (`Can<…>`), calls one service on the blocking pool with the caller's scope, and
//! renders a template.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use jingzhun_core::AreaCode;
use serde::Deserialize;

use super::templates::*;
use crate::features::households::edit;
use crate::features::households::service as households;
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::params::{area_param, household_param};
use crate::http::params::{here, YearQuery};
use crate::http::today;
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub area: String,
    /// Page of the results, from 1.
    #[serde(default)]
    pub page: String,
}

impl SearchQuery {
    /// The page asked for (1 when not given); anything but a positive number is a bad request.
    pub fn page(&self) -> Result<usize, AppError> {
        let t = self.page.trim();
        if t.is_empty() {
            return Ok(1);
        }
        match t.parse::<usize>() {
            Ok(p) if (1..=10_000).contains(&p) => Ok(p),
            _ => Err(AppError::BadRequest),
        }
    }

    pub fn area(&self) -> Result<Option<AreaCode>, AppError> {
        if self.area.trim().is_empty() {
            Ok(None)
        } else {
            area_param(self.area.trim()).map(Some)
        }
    }
}

/// `GET /households?q=…&area=…`.
pub async fn search(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Query(q): Query<SearchQuery>,
    can: Can<act::SearchHouseholds>,
) -> Result<Response, AppError> {
    let area = q.area()?;
    let page = q.page()?;
    let today = today(&state);
    let user = can.user.clone();
    let scope = can.scope;
    state.count_search(user.account.id)?;
    // The built index answers in microseconds: on this task, without a blocking-pool hop. Only a
    // search that must build or check the index against the store (or audit a refused area) goes there.
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
    render(&SearchPage {
        chrome: Chrome::new(lang, "search.title", &here(&uri), Some(&can.user)),
        r,
    })
}

/// `GET /households/{id}?year=Y`: the household with the rules' proposals for year `Y`.
pub async fn household(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<YearQuery>,
    Query(attach): Query<crate::features::attachments::handlers::CaseQuery>,
    can: Can<act::ViewHousehold>,
) -> Result<Response, AppError> {
    let id = household_param(&id)?;
    let year = q.year()?;
    let as_of = q.as_of()?;
    let today = today(&state);
    let user = can.user.clone();
    let scope = can.scope;
    let st = state.clone();
    let (view, upload, remove) = (
        can.also(crate::access::Action::ViewAttachments),
        can.also(crate::access::Action::UploadAttachment),
        can.also(crate::access::Action::RemoveAttachment),
    );
    // One trip to the blocking pool for the whole page rather than one per section.
    let (mut h, economy, attachments) = state
        .run(move |b| {
            let mut h = households::household_evaluated(
                b,
                &user,
                &scope,
                id,
                today,
                st.policy(),
                year,
                as_of,
            )?;
            // In scope: `household_evaluated` answered.
            let names = std::mem::take(&mut h.names_by_id);
            let economy = crate::features::economy::service::household_view(b, id, &names)?;
            let attachments = crate::features::attachments::service::household_section(
                b,
                id,
                view,
                upload,
                remove,
                &attach.case,
            )?;
            Ok((h, economy, attachments))
        })
        .await?;
    if lang == Lang::En {
        if let Some(ev) = &mut h.evaluation {
            ev.in_english();
        }
    }
    let mut page = HouseholdPage {
        economy,
        attachments,
        chrome: Chrome::new(lang, "hh.no", &here(&uri), Some(&can.user)),
        h,
        can_record_lead: can.also(crate::access::Action::RecordLead),
        can_edit: can.also(crate::access::Action::EditHousehold),
        can_record_measure: can.also(crate::access::Action::RecordMeasure),
        can_record_visit: can.also(crate::access::Action::RecordVisit),
        can_assign_cadre: can.also(crate::access::Action::AssignCadre),
    };
    // Titled by the head's name: people know a household by its head, not by its number.
    page.chrome.title = page.h.head_name().to_owned();
    render(&page)
}

fn edit_page(lang: Lang, here: &str, can: &Can<act::EditHousehold>, f: edit::EditForm) -> EditPage {
    let mut page = EditPage {
        chrome: Chrome::new(lang, "edit.title", here, Some(&can.user)),
        f,
    };
    page.chrome.title = format!("{} {}", page.chrome.title, page.f.number);
    page
}

/// `GET /households/{id}/edit`: the edit form, based on the current version.
pub async fn edit_form(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Path(id): Path<String>,
    can: Can<act::EditHousehold>,
) -> Result<Response, AppError> {
    let id = household_param(&id)?;
    let (user, scope) = (can.user.clone(), can.scope);
    let f = state
        .run(move |b| edit::edit_form(b, &user, &scope, id))
        .await?;
    render(&edit_page(lang, &here(&uri), &can, f))
}

/// `POST /households/{id}/edit`: saved → back to the household page; an invalid field → the form with
/// its message (422); a stale version → the conflict view (409). Nothing is written unless saved.
pub async fn edit(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    can: Can<act::EditHousehold>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let hid = household_param(&id)?;
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let outcome = state
        .run(move |b| edit::submit(b, &user, &scope, hid, &pairs, today))
        .await?;
    let here = format!("/households/{}/edit", hid.0);
    match outcome {
        edit::EditOutcome::Saved(_) => {
            Ok(Redirect::to(&format!("/households/{}", hid.0)).into_response())
        }
        edit::EditOutcome::Invalid(f) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&edit_page(lang, &here, &can, f))?,
        )
            .into_response()),
        edit::EditOutcome::Conflict(f) => Ok((
            StatusCode::CONFLICT,
            render(&edit_page(lang, &here, &can, f))?,
        )
            .into_response()),
    }
}
