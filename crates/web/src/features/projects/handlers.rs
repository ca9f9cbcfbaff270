//! The project pages: the overview of an area (figures, funds by source and area, projects, settlements),
//! a project with its workflow, the step forms and the XLSX export (POST, so that a link cannot trigger a
//! download of the area's data).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::NaiveDate;
use jingzhun_core::projects::{AssetOwner, Project, ProjectId, Stage};
use jingzhun_core::AreaCode;
use jingzhun_report::projects::FundLine;

use super::service::{self, Overview, StepInput, PAGE};
use crate::access::{allows, Action};
use crate::http::auth::{act, Can, CurrentUser};
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::today;
use crate::state::AppState;

#[derive(Template)]
#[template(path = "projects/list.html")]
pub struct ListPage {
    pub chrome: Chrome,
    pub o: Overview,
    pub funds: Vec<(String, FundLine)>,
    pub page_size: usize,
}

#[derive(Template)]
#[template(path = "projects/project.html")]
pub struct ProjectPage {
    pub chrome: Chrome,
    pub p: Project,
    pub next: Option<Stage>,
    /// `approve` or `step`: the route the next step is posted to.
    pub route: &'static str,
    pub can_record: bool,
    pub owners: &'static [AssetOwner],
    pub refused: Option<String>,
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    area: String,
    #[serde(default)]
    page: usize,
}

/// `GET /projects`: the overview of the account's area (or of an area inside it).
pub async fn list(
    State(state): State<AppState>,
    lang: Lang,
    can: Can<act::ViewProjects>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let area = match q.area.trim() {
        "" => None,
        text => Some(AreaCode::parse(text).map_err(|_| AppError::BadRequest)?),
    };
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let o = state
        .run(move |b| service::overview(b, &user, &scope, area, q.page, today))
        .await?;
    let mut funds: Vec<(String, FundLine)> = jingzhun_core::projects::FundSource::ALL
        .iter()
        .filter_map(|s| {
            o.details
                .by_source
                .get(s.code())
                .map(|l| (s.label().to_owned(), l.clone()))
        })
        .collect();
    funds.extend(
        o.details
            .by_area
            .iter()
            .map(|(c, l)| (c.clone(), l.clone())),
    );
    render(&ListPage {
        chrome: Chrome::new(lang, "projects.title", "/projects", Some(&can.user)),
        o,
        funds,
        page_size: PAGE,
    })
}

fn parse_id(text: &str) -> Result<ProjectId, AppError> {
    text.parse::<i64>()
        .map(ProjectId)
        .map_err(|_| AppError::NotFound)
}

fn page(lang: Lang, user: &CurrentUser, p: Project, refused: Option<String>) -> ProjectPage {
    let next = if p.steps.is_empty() {
        Some(Stage::Proposed)
    } else {
        p.stage().next()
    };
    let action = next.map_or(Action::RecordProjectStep, service::action_for);
    ProjectPage {
        chrome: Chrome::new(lang, "projects.project", "/projects", Some(user)),
        next,
        route: if action == Action::ApproveProject {
            "approve"
        } else {
            "step"
        },
        can_record: allows(user.account.role, action),
        owners: AssetOwner::ALL,
        p,
        refused,
    }
}

/// `GET /projects/{project}`.
pub async fn show(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    can: Can<act::ViewProjects>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let (user, scope) = (can.user.clone(), can.scope);
    let p = state
        .run(move |b| service::project(b, &user, &scope, id))
        .await?;
    render(&page(lang, &can.user, p, None))
}

#[derive(Debug, serde::Deserialize)]
pub struct StepForm {
    stage: String,
    #[serde(default)]
    seen: String,
    #[serde(default)]
    on: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    owner: String,
    #[serde(default)]
    output: String,
    #[serde(default)]
    note: String,
}

fn date(text: &str) -> Result<Option<NaiveDate>, AppError> {
    match text.trim() {
        "" => Ok(None),
        t => NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| AppError::BadRequest),
    }
}

async fn record(
    state: AppState,
    lang: Lang,
    id: String,
    user: std::sync::Arc<CurrentUser>,
    scope: crate::access::Scope,
    route_action: Action,
    form: StepForm,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let stage = Stage::from_code(form.stage.trim()).ok_or(AppError::BadRequest)?;
    // A step posted to the other route is refused like any step the role may not take.
    if service::action_for(stage) != route_action {
        return Err(AppError::Forbidden);
    }
    let input = StepInput {
        stage,
        seen: form
            .seen
            .trim()
            .parse::<usize>()
            .map_err(|_| AppError::BadRequest)?,
        on: date(&form.on)?.ok_or(AppError::BadRequest)?,
        announced_until: date(&form.until)?,
        owner: match form.owner.trim() {
            "" => None,
            o => Some(AssetOwner::from_code(o).ok_or(AppError::BadRequest)?),
        },
        actual_output: match form.output.trim() {
            "" => None,
            o => Some(o.parse::<f64>().map_err(|_| AppError::BadRequest)?),
        },
        note: form.note.trim().to_owned(),
    };
    let now = state.now();
    let u = user.clone();
    let result = state
        .run(move |b| {
            let r = service::record_step(b, &u, &scope, id, input, now)?;
            match r {
                Ok(_) => Ok(Ok(())),
                Err(reason) => Ok(Err((reason, service::project(b, &u, &scope, id)?))),
            }
        })
        .await?;
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/projects/{id}")).into_response()),
        Err((reason, p)) => Ok((
            StatusCode::CONFLICT,
            render(&page(lang, &user, p, Some(reason)))?,
        )
            .into_response()),
    }
}

/// `POST /projects/{project}/step`: announcement, start, completion, hand-over.
pub async fn step(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    can: Can<act::RecordProjectStep>,
    Form(form): Form<StepForm>,
) -> Result<Response, AppError> {
    record(
        state,
        lang,
        id,
        can.user.clone(),
        can.scope,
        Action::RecordProjectStep,
        form,
    )
    .await
}

/// `POST /projects/{project}/approve`: approval and acceptance, the county's.
pub async fn approve(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    can: Can<act::ApproveProject>,
    Form(form): Form<StepForm>,
) -> Result<Response, AppError> {
    record(
        state,
        lang,
        id,
        can.user.clone(),
        can.scope,
        Action::ApproveProject,
        form,
    )
    .await
}

/// `POST /projects/export`: the XLSX of the account's area.
pub async fn export(
    State(state): State<AppState>,
    can: Can<act::ViewProjects>,
) -> Result<Response, AppError> {
    let _permit = state
        .heavy()
        .admit(can.account().id, crate::http::heavy_work::HeavyKind::Export)?;
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let bytes = state
        .run(move |b| service::export(b, &user, &scope, today))
        .await?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"projects.xlsx\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}
