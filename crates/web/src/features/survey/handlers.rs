//! `GET|POST /survey` (the village grid), `GET /households/{id}/members` with
//! `POST /households/{id}/members/add|remove`, and `GET /import/template`: thin, the logic is in
//! [`super::service`].

use askama::Template;
use axum::extract::{Form, OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Datelike;
use serde::Deserialize;

use super::service::{self, ChangeOutcome, Grid, MembersView, SaveOutcome};
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::params::household_param;
use crate::http::today;
use crate::state::AppState;

/// `village`, `year`, and `saved` (after a save).
#[derive(Debug, Default, Deserialize)]
pub struct GridQuery {
    #[serde(default)]
    pub village: String,
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub saved: String,
}

impl GridQuery {
    fn village(&self) -> Result<Option<jingzhun_core::AreaCode>, AppError> {
        let v = self.village.trim();
        if v.is_empty() {
            return Ok(None);
        }
        jingzhun_core::AreaCode::parse(v)
            .map(Some)
            .map_err(|_| AppError::NotFound)
    }

    fn year(&self, state: &AppState) -> Result<u16, AppError> {
        let y = self.year.trim();
        if y.is_empty() {
            // The survey collects the last full year.
            return Ok((today(state).year() - 1).clamp(2013, 2100) as u16);
        }
        y.parse::<u16>()
            .ok()
            .filter(|y| (2013..=2100).contains(y))
            .ok_or(AppError::BadRequest)
    }
}

#[derive(Template)]
#[template(path = "survey/grid.html")]
pub struct GridPage {
    pub chrome: Chrome,
    pub g: Grid,
}

fn grid_page(
    lang: Lang,
    here: &str,
    can_user: &crate::http::auth::CurrentUser,
    g: Grid,
) -> GridPage {
    GridPage {
        chrome: Chrome::new(lang, "survey.title", here, Some(can_user)),
        g,
    }
}

/// `GET /survey?village=CODE&year=Y`.
pub async fn grid(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Query(q): Query<GridQuery>,
    can: Can<act::EditHousehold>,
) -> Result<Response, AppError> {
    let village = q.village()?;
    let year = q.year(&state)?;
    let saved = q.saved.trim().parse::<usize>().ok();
    let (user, scope, st) = (can.user.clone(), can.scope, state.clone());
    let mut g = state
        .run(move |b| service::grid(b, &user, &scope, st.policy(), village, year))
        .await?;
    g.saved = saved;
    let here = uri
        .0
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/survey".to_owned());
    render(&grid_page(lang, &here, &can.user, g))
}

/// `POST /survey`: the whole grid, saved all or nothing.
pub async fn save(
    State(state): State<AppState>,
    lang: Lang,
    can: Can<act::EditHousehold>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let today = today(&state);
    let (user, scope, st) = (can.user.clone(), can.scope, state.clone());
    let outcome = state
        .run(move |b| service::save(b, &user, &scope, st.policy(), &pairs, today))
        .await?;
    match outcome {
        SaveOutcome::Saved {
            written,
            village,
            year,
        } => Ok(Redirect::to(&format!(
            "/survey?village={village}&year={year}&saved={written}"
        ))
        .into_response()),
        SaveOutcome::Invalid(g) => {
            let here = format!(
                "/survey?village={}&year={}",
                g.village.clone().unwrap_or_default(),
                g.year
            );
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&grid_page(lang, &here, &can.user, g))?,
            )
                .into_response())
        }
        SaveOutcome::Conflict(g) => {
            let here = format!(
                "/survey?village={}&year={}",
                g.village.clone().unwrap_or_default(),
                g.year
            );
            Ok((
                StatusCode::CONFLICT,
                render(&grid_page(lang, &here, &can.user, g))?,
            )
                .into_response())
        }
    }
}

#[derive(Template)]
#[template(path = "survey/members.html")]
pub struct MembersPage {
    pub chrome: Chrome,
    pub m: MembersView,
}

fn members_page(lang: Lang, user: &crate::http::auth::CurrentUser, m: MembersView) -> MembersPage {
    let here = format!("/households/{}/members", m.id);
    let mut chrome = Chrome::new(lang, "members.title", &here, Some(user));
    if !m.head.is_empty() {
        chrome.title = format!("{} · {}", m.head, chrome.title);
    }
    MembersPage { chrome, m }
}

/// `GET /households/{id}/members`.
pub async fn members(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    can: Can<act::EditHousehold>,
) -> Result<Response, AppError> {
    let hid = household_param(&id)?;
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let m = state
        .run(move |b| service::members(b, &user, &scope, hid, today))
        .await?;
    render(&members_page(lang, &can.user, m))
}

fn change_response(
    lang: Lang,
    user: &crate::http::auth::CurrentUser,
    id: i64,
    outcome: ChangeOutcome,
) -> Result<Response, AppError> {
    match outcome {
        ChangeOutcome::Saved => {
            Ok(Redirect::to(&format!("/households/{id}/members")).into_response())
        }
        ChangeOutcome::Invalid(m) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&members_page(lang, user, m))?,
        )
            .into_response()),
        ChangeOutcome::Conflict(m) => {
            Ok((StatusCode::CONFLICT, render(&members_page(lang, user, m))?).into_response())
        }
    }
}

/// `POST /households/{id}/members/add`.
pub async fn add(
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
        .run(move |b| service::add_member(b, &user, &scope, hid, &pairs, today))
        .await?;
    change_response(lang, &can.user, hid.0, outcome)
}

/// `POST /households/{id}/members/remove`.
pub async fn remove(
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
        .run(move |b| service::remove_member(b, &user, &scope, hid, &pairs, today))
        .await?;
    change_response(lang, &can.user, hid.0, outcome)
}

/// `GET /import/template?village=CODE&year=Y`: the XLSX template with its guide sheet.
pub async fn template(
    State(state): State<AppState>,
    Query(q): Query<GridQuery>,
    can: Can<act::ImportData>,
) -> Result<Response, AppError> {
    let village = q.village()?;
    let year = q.year(&state)?;
    let (user, scope) = (can.user.clone(), can.scope);
    let (filename, bytes) = state
        .run(move |b| service::template(b, &user, &scope, village, year))
        .await?;
    crate::http::download::download(crate::http::download::Download {
        bytes,
        content_type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename,
    })
}
