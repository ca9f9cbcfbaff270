//! The project library's JSON API (`/api/v1/projects…`): the projects of an area and one project with its
//! workflow, and the workflow's steps as POSTs. The same service as the pages: a project outside the
//! account's area answers 404 (audited), approval and acceptance are the county's (403 otherwise, and a
//! step posted to the other route is refused the same way), and a stale or out-of-order step, or a start
//! inside the announcement period, answers 409 with the reason and the project as it now stands.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::NaiveDate;
use jingzhun_core::projects::{AssetOwner, Project, ProjectId, Stage};
use jingzhun_core::AreaCode;
use serde::{Deserialize, Serialize};

use super::service::{self, StepInput, PAGE};
use crate::access::{Action, Scope};
use crate::http::auth::{act, Can, CurrentUser};
use crate::http::error::AppError;
use crate::state::AppState;

/// One recorded step.
#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub stage: &'static str,
    pub stage_label: &'static str,
    pub on: NaiveDate,
    pub announced_until: Option<NaiveDate>,
    pub owner: Option<&'static str>,
    pub actual_output: Option<f64>,
    pub by: String,
    /// When it was recorded (RFC 3339, UTC).
    pub at: String,
    pub note: String,
}

/// A project with its workflow.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub id: i64,
    pub name: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub area: String,
    pub year: u16,
    pub stage: &'static str,
    pub stage_label: &'static str,
    /// The step due next (`null` once the assets are handed over).
    pub next_stage: Option<&'static str>,
    /// Steps recorded so far: what a step names as `seen`.
    pub step_count: usize,
    pub planned_output: f64,
    pub actual_output: Option<f64>,
    pub unit: &'static str,
    pub beneficiary_households: u32,
    pub budget_yuan: f64,
    /// The announcement period's last day, once announced (the project may start the day after).
    pub announced_until: Option<NaiveDate>,
    pub steps: Vec<StepView>,
}

impl ProjectView {
    pub fn of(p: &Project) -> Self {
        ProjectView {
            id: p.id.0,
            name: p.name.clone(),
            kind: p.kind.code(),
            kind_label: p.kind.label(),
            area: p.area.as_str().to_owned(),
            year: p.year,
            stage: p.stage().code(),
            stage_label: p.stage().label(),
            next_stage: if p.steps.is_empty() {
                Some(Stage::Proposed.code())
            } else {
                p.stage().next().map(Stage::code)
            },
            step_count: p.steps.len(),
            planned_output: p.planned_output,
            actual_output: p.actual_output(),
            unit: p.kind.unit(),
            beneficiary_households: p.beneficiary_households,
            budget_yuan: p.budget.fen() as f64 / 100.0,
            announced_until: p.announcement().map(|(_, until)| until),
            steps: p
                .steps
                .iter()
                .map(|s| StepView {
                    stage: s.stage.code(),
                    stage_label: s.stage.label(),
                    on: s.on,
                    announced_until: s.announced_until,
                    owner: s.owner.map(AssetOwner::code),
                    actual_output: s.actual_output,
                    by: s.by.clone(),
                    at: s.at.to_rfc3339(),
                    note: s.note.clone(),
                })
                .collect(),
        }
    }
}

/// A page of an area's projects.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectList {
    pub area: String,
    /// From 0.
    pub page: usize,
    pub page_size: usize,
    pub projects: Vec<ProjectView>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    area: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

/// `GET /api/v1/projects?area=&page=`: the projects of the account's area (or an area inside it).
pub async fn list(
    State(state): State<AppState>,
    can: Can<act::ViewProjects>,
    Query(q): Query<ListParams>,
) -> Result<Json<ProjectList>, AppError> {
    let area = match q.area.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(AreaCode::parse(text).map_err(|_| AppError::BadRequest)?),
    };
    let page = match q.page.as_deref().map(str::trim) {
        None | Some("") => 0,
        Some(text) => text.parse::<usize>().map_err(|_| AppError::BadRequest)?,
    };
    let (user, scope) = (can.user.clone(), can.scope);
    let (area, projects) = state
        .run(move |b| service::list(b, &user, &scope, area, page))
        .await?;
    Ok(Json(ProjectList {
        area: area.as_str().to_owned(),
        page,
        page_size: PAGE,
        projects: projects.iter().map(ProjectView::of).collect(),
    }))
}

fn parse_id(text: &str) -> Result<ProjectId, AppError> {
    text.parse::<i64>()
        .map(ProjectId)
        .map_err(|_| AppError::NotFound)
}

/// `GET /api/v1/projects/{project}`.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    can: Can<act::ViewProjects>,
) -> Result<Json<ProjectView>, AppError> {
    let id = parse_id(&id)?;
    let (user, scope) = (can.user.clone(), can.scope);
    let p = state
        .run(move |b| service::project(b, &user, &scope, id))
        .await?;
    Ok(Json(ProjectView::of(&p)))
}

/// Body of the step calls.
#[derive(Debug, Deserialize)]
pub struct StepBody {
    /// The stage recorded (`announced`, `under_way`, …; `approved` and `accepted` on `/approve`).
    pub stage: String,
    /// The project's step count the client based this step on (`step_count`).
    pub seen: usize,
    pub on: NaiveDate,
    #[serde(default)]
    pub announced_until: Option<NaiveDate>,
    #[serde(default)]
    pub owner: Option<String>,
    #[serde(default)]
    pub actual_output: Option<f64>,
    #[serde(default)]
    pub note: String,
}

async fn record(
    state: AppState,
    id: String,
    user: std::sync::Arc<CurrentUser>,
    scope: Scope,
    route_action: Action,
    body: Result<Json<StepBody>, JsonRejection>,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let Json(body) = body.map_err(|_| AppError::BadRequest)?;
    let stage = Stage::from_code(body.stage.trim()).ok_or(AppError::BadRequest)?;
    if service::action_for(stage) != route_action {
        return Err(AppError::Forbidden);
    }
    let owner = match body.owner.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(o) => Some(AssetOwner::from_code(o).ok_or(AppError::BadRequest)?),
    };
    let input = StepInput {
        stage,
        seen: body.seen,
        on: body.on,
        announced_until: body.announced_until,
        owner,
        actual_output: body.actual_output,
        note: body.note.trim().to_owned(),
    };
    let now = state.now();
    let result = state
        .run(move |b| {
            Ok(
                match service::record_step(b, &user, &scope, id, input, now)? {
                    Ok(p) => Ok(p),
                    Err(reason) => Err((reason, service::project(b, &user, &scope, id)?)),
                },
            )
        })
        .await?;
    Ok(match result {
        Ok(p) => Json(ProjectView::of(&p)).into_response(),
        Err((message, p)) => (
            StatusCode::CONFLICT,
            Json(serde_json::json!({
                "error": "conflict",
                "message": message,
                "project": ProjectView::of(&p),
            })),
        )
            .into_response(),
    })
}

/// `POST /api/v1/projects/{project}/step`: announcement, start, completion, hand-over.
pub async fn step(
    State(state): State<AppState>,
    Path(id): Path<String>,
    can: Can<act::RecordProjectStep>,
    body: Result<Json<StepBody>, JsonRejection>,
) -> Result<Response, AppError> {
    let (user, scope) = (can.user.clone(), can.scope);
    record(state, id, user, scope, Action::RecordProjectStep, body).await
}

/// `POST /api/v1/projects/{project}/approve`: approval and acceptance, the county's.
pub async fn approve(
    State(state): State<AppState>,
    Path(id): Path<String>,
    can: Can<act::ApproveProject>,
    body: Result<Json<StepBody>, JsonRejection>,
) -> Result<Response, AppError> {
    let (user, scope) = (can.user.clone(), can.scope);
    record(state, id, user, scope, Action::ApproveProject, body).await
}
