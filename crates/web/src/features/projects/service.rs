//! What the project pages read and write, through the store behind the backend.

use std::sync::Arc;

use chrono::Datelike;
use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::projects::{
    settlement_employment, AssetOwner, Project, ProjectId, ProjectStep, Resident, Stage,
};
use jingzhun_core::AreaCode;
use jingzhun_report::economy::YearEmployment;
use jingzhun_report::projects::ProjectDetails;
use jingzhun_store::{Store, StoreError};

use crate::access::{allows, Action, Scope};
use crate::data::Backend;
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;

/// Audit entity of a refused access to a project (the store audits project writes as `projects`).
pub const AUDIT_ENTITY: &str = "projects";

/// Projects shown per page.
pub const PAGE: usize = 200;

fn store(backend: &dyn Backend) -> Result<Arc<Store>, AppError> {
    backend.report_store().ok_or(AppError::NotFound)
}

fn internal(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound { .. } => AppError::NotFound,
        other => {
            tracing::error!(error = %other, "project storage error");
            AppError::Internal
        }
    }
}

/// The overview of an area: figures, funds, assets, teams, settlements, and a page of its projects.
pub struct Overview {
    pub area: AreaCode,
    pub details: ProjectDetails,
    pub projects: Vec<Project>,
    pub settlements: Vec<SettlementRow>,
    /// The year of the employment the settlements show (the latest with records, up to this year).
    pub employment_year: Option<u16>,
    pub page: usize,
}

/// A settlement with its residents and their employment.
pub struct SettlementRow {
    pub name: String,
    pub kind: &'static str,
    pub capacity: u32,
    pub living: usize,
    /// Relocated households with someone in work, and with a labour force and no one in work (warned
    /// about in the warning list, 搬迁户无人就业).
    pub with_worker: u32,
    pub without_worker: usize,
}

/// The overview of `area` (inside the scope; outside answers 404, audited) as of `today`.
pub fn overview(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    area: Option<AreaCode>,
    page: usize,
    today: NaiveDate,
) -> Result<Overview, AppError> {
    let area = area.unwrap_or(scope.area());
    crate::http::admit(backend, user, scope, &area, "area", area.as_str())?;
    let store = store(backend)?;
    let records = store.project_records_within(&area).map_err(internal)?;
    let cadres = store.cadres_within(&area).map_err(internal)?;
    let details = ProjectDetails::compute(&records, &cadres, &area, today);
    let projects = store
        .projects_within(&area, Some(PAGE), page * PAGE)
        .map_err(internal)?;
    let mut living: std::collections::HashMap<_, Vec<Resident>> = std::collections::HashMap::new();
    for r in records.residents.iter().filter(|r| r.moved_in <= today) {
        living.entry(r.settlement).or_default().push(r.clone());
    }
    // The economy's employment records (one notion of work): the latest year with records, up to today's.
    let this = u16::try_from(today.year()).unwrap_or(u16::MAX);
    let mut employment = (Vec::new(), None);
    if !records.residents.is_empty() {
        for year in [this, this.saturating_sub(1)] {
            let found: Vec<_> = store
                .employment_within(&area, Some(year))
                .map_err(internal)?
                .into_iter()
                .map(|v| v.record)
                .collect();
            if !found.is_empty() {
                employment = (found, Some(year));
                break;
            }
        }
    }
    let (employment, employment_year) = employment;
    let by_year = YearEmployment::of(employment_year.unwrap_or(this), &employment);
    let settlements = records
        .settlements
        .iter()
        .take(PAGE)
        .map(|s| {
            let residents = living.get(&s.id).map(Vec::as_slice).unwrap_or_default();
            let e = settlement_employment(residents, &by_year);
            SettlementRow {
                name: s.name.clone(),
                kind: s.kind.label(),
                capacity: s.capacity,
                living: residents.len(),
                with_worker: e.with_worker,
                without_worker: e.without_worker.len(),
            }
        })
        .collect();
    Ok(Overview {
        area,
        details,
        projects,
        settlements,
        employment_year,
        page,
    })
}

/// A page of the projects of `area` (the scope's when `None`; outside it answers 404, audited).
pub fn list(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    area: Option<AreaCode>,
    page: usize,
) -> Result<(AreaCode, Vec<Project>), AppError> {
    let area = area.unwrap_or(scope.area());
    crate::http::admit(backend, user, scope, &area, "area", area.as_str())?;
    let projects = store(backend)?
        .projects_within(&area, Some(PAGE), page * PAGE)
        .map_err(internal)?;
    Ok((area, projects))
}

/// A project the caller may see: unknown ids and projects outside the scope answer 404 (the latter
/// audited).
pub fn project(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: ProjectId,
) -> Result<Project, AppError> {
    let store = store(backend)?;
    let area = store
        .project_area(id)
        .map_err(internal)?
        .ok_or(AppError::NotFound)?;
    crate::http::admit(backend, user, scope, &area, AUDIT_ENTITY, &id.to_string())?;
    store
        .project(id)
        .map_err(internal)?
        .ok_or(AppError::NotFound)
}

/// A step as the form sent it.
#[derive(Debug, Clone)]
pub struct StepInput {
    pub stage: Stage,
    /// The step count the form was based on.
    pub seen: usize,
    pub on: NaiveDate,
    pub announced_until: Option<NaiveDate>,
    pub owner: Option<AssetOwner>,
    pub actual_output: Option<f64>,
    pub note: String,
}

/// The action a stage needs: approval and acceptance are the county's.
pub fn action_for(stage: Stage) -> Action {
    match stage {
        Stage::Approved | Stage::Accepted => Action::ApproveProject,
        _ => Action::RecordProjectStep,
    }
}

/// Records a step. `Ok(Err(reason))` when the workflow refuses it (stale, out of order, inside the
/// announcement period): the page answers 409 with the reason.
pub fn record_step(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: ProjectId,
    input: StepInput,
    now: DateTime<Utc>,
) -> Result<Result<Project, String>, AppError> {
    let current = project(backend, user, scope, id)?;
    if !allows(user.account.role, action_for(input.stage)) {
        return Err(AppError::Forbidden);
    }
    if input.stage == Stage::Proposed {
        return Err(AppError::BadRequest);
    }
    let step = ProjectStep {
        stage: input.stage,
        on: input.on,
        announced_until: input.announced_until,
        owner: input.owner,
        actual_output: input.actual_output,
        by: user.account.username.clone(),
        at: now,
        note: input.note,
    };
    let _ = current;
    let actor = jingzhun_store::Actor::new(user.account.username.clone());
    match store(backend)?.record_project_step(id, input.seen, step, &actor) {
        Ok(p) => Ok(Ok(p)),
        Err(e @ (StoreError::ProjectConflict { .. } | StoreError::ProjectStep { .. })) => {
            Ok(Err(e.to_string()))
        }
        Err(e) => Err(internal(e)),
    }
}

/// The XLSX export of the area's projects and funds.
pub fn export(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    today: NaiveDate,
) -> Result<Vec<u8>, AppError> {
    let area = scope.area();
    crate::http::admit(backend, user, scope, &area, "area", area.as_str())?;
    let store = store(backend)?;
    let records = store.project_records_within(&area).map_err(internal)?;
    let cadres = store.cadres_within(&area).map_err(internal)?;
    let details = ProjectDetails::compute(&records, &cadres, &area, today);
    let names = |c: &str| c.to_owned();
    jingzhun_report::projects::projects_workbook(&records.projects, &details, &names).map_err(|e| {
        tracing::error!(error = %e, "project workbook failed");
        AppError::Internal
    })
}
