//! Running the monitoring workflow: leads, the inbox, a case page, recording steps, the village notice.
//!
//! Every function takes the caller's [`Scope`]: a case belongs to the household's village, and a case
//! outside the scope answers not found (audited) like any other record. The county approval's decision is
//! written on the household as a status event (纳入监测 or 风险消除), which is what the dashboards count.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{
    AreaCode, Channel, HouseholdId, HouseholdStatus, MonitoringKind, RiskType, StatusEvent,
    StatusEventKind,
};
use serde::Serialize;

use crate::access::Scope;
use crate::auth::CurrentUser;
use crate::data::Backend;
use crate::error::AppError;
use crate::workflow::*;

/// Gives the identification time limit in days for an area and a year.
pub type DaysLimit<'a> = &'a (dyn Fn(&AreaCode, u16) -> u16 + Sync);

/// A lead as entered.
#[derive(Debug, Clone)]
pub struct NewLead {
    pub channel: Channel,
    pub monitoring_kind: Option<MonitoringKind>,
    pub risk_types: Vec<RiskType>,
    pub note: String,
}

fn fold_all(events: Vec<StepEvent>) -> Vec<Case> {
    let mut by_id: BTreeMap<String, Vec<StepEvent>> = BTreeMap::new();
    let mut order = Vec::new();
    for e in events {
        if !by_id.contains_key(&e.case_id) {
            order.push(e.case_id.clone());
        }
        by_id.entry(e.case_id.clone()).or_default().push(e);
    }
    order
        .iter()
        .filter_map(|id| by_id.get(id).and_then(|evs| Case::from_events(evs)))
        .collect()
}

/// A household's cases, oldest first, as links for the household page.
#[derive(Debug, Clone, Serialize)]
pub struct CaseLink {
    pub id: String,
    pub kind: CaseKind,
    pub kind_label: &'static str,
    pub state: CaseState,
    /// The next step's label while open.
    pub next_label: Option<&'static str>,
}

/// The cases of one household (the caller has already been admitted to the household).
pub fn of_household(
    backend: &dyn Backend,
    household: HouseholdId,
) -> Result<Vec<CaseLink>, AppError> {
    let prefix = format!("{}-", household.0);
    Ok(fold_all(backend.case_events(None)?)
        .into_iter()
        .filter(|c| c.id.starts_with(&prefix))
        .map(|c| {
            let state = c.state();
            CaseLink {
                id: c.id.clone(),
                kind: c.facts.kind,
                kind_label: c.facts.kind.label(),
                state,
                next_label: match state {
                    CaseState::Open { next } => Some(next.label()),
                    _ => None,
                },
            }
        })
        .collect())
}

fn load(backend: &dyn Backend, case_id: &str) -> Result<Case, AppError> {
    let events = backend.case_events(Some(case_id))?;
    Case::from_events(&events).ok_or(AppError::NotFound)
}

/// A case the caller may see: outside the scope it answers not found, audited.
fn load_admitted(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    case_id: &str,
) -> Result<Case, AppError> {
    let c = load(backend, case_id)?;
    super::admit(
        backend,
        user,
        scope,
        &c.facts.village,
        crate::store_backend::CASE_ENTITY,
        case_id,
    )?;
    Ok(c)
}

/// Opens a case from a lead on a household: identification if the household is not monitored, risk
/// elimination if it is. Refused (409) while the household has another open case.
pub fn open_lead(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    household: HouseholdId,
    lead: NewLead,
    today: NaiveDate,
) -> Result<String, AppError> {
    let rec = backend.household(household)?;
    super::admit(
        backend,
        user,
        scope,
        &rec.household.village,
        "household",
        &household.0.to_string(),
    )?;
    match open_case(
        backend,
        &user.account.username,
        household,
        &rec,
        lead,
        today,
    )? {
        Some(case_id) => Ok(case_id),
        None => Err(AppError::Conflict),
    }
}

/// Opens a case from a hit in another department's data (channel 部门筛查预警), recorded as `actor` (a
/// system account such as `system:department-compare`; the command that calls this runs with the
/// operator's rights over the whole database, so there is no area scope to check). Returns `None`, writing
/// nothing, when the household already has an open case: the hit is then for the reviewers of that case.
pub fn open_department_lead(
    backend: &dyn Backend,
    actor: &str,
    household: HouseholdId,
    lead: NewLead,
    today: NaiveDate,
) -> Result<Option<String>, AppError> {
    let rec = backend.household(household)?;
    open_case(backend, actor, household, &rec, lead, today)
}

/// Opens an identification case (or a risk-elimination case for a monitored household) unless the household
/// already has an open one (`None`).
fn open_case(
    backend: &dyn Backend,
    by: &str,
    household: HouseholdId,
    rec: &crate::data::HouseholdRecord,
    lead: NewLead,
    today: NaiveDate,
) -> Result<Option<String>, AppError> {
    let prefix = format!("{}-", household.0);
    let cases: Vec<Case> = fold_all(backend.case_events(None)?)
        .into_iter()
        .filter(|c| c.id.starts_with(&prefix))
        .collect();
    if cases.iter().any(Case::is_open) {
        return Ok(None);
    }
    let monitored = HouseholdStatus::on(&rec.events, today).monitoring.is_some();
    let kind = if monitored {
        CaseKind::Elimination
    } else {
        CaseKind::Identification
    };
    if kind == CaseKind::Identification && lead.monitoring_kind.is_none() {
        return Err(AppError::BadRequest);
    }
    let case_id = format!("{}-{}", household.0, cases.len() + 1);
    let event = StepEvent {
        case_id: case_id.clone(),
        record: StepRecord {
            step: Step::Lead,
            outcome: Outcome::Pass,
            by: by.to_owned(),
            at: chrono::Utc::now(),
            note: lead.note,
        },
        lead: Some(LeadFacts {
            household,
            village: rec.household.village,
            kind,
            channel: lead.channel,
            monitoring_kind: lead
                .monitoring_kind
                .filter(|_| kind == CaseKind::Identification),
            risk_types: lead.risk_types,
        }),
    };
    backend.append_case_event(by, &event)?;
    Ok(Some(case_id))
}

/// One line of the inbox.
#[derive(Debug, Clone, Serialize)]
pub struct CaseLine {
    pub id: String,
    pub household: i64,
    pub household_number: String,
    pub head_name: String,
    pub village_code: String,
    pub village_name: String,
    pub kind: CaseKind,
    pub kind_label: &'static str,
    pub state: CaseState,
    pub next_label: Option<&'static str>,
    /// Whether the caller's role records the next step.
    pub mine: bool,
    pub opened: NaiveDate,
    pub deadline: Option<NaiveDate>,
    pub timing: Timing,
}

/// The cases of the scope: open ones first (most urgent first), then the last 50 closed.
pub fn inbox(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    days_limit: DaysLimit<'_>,
    today: NaiveDate,
) -> Result<Vec<CaseLine>, AppError> {
    let role = user.account.role;
    let mut lines = Vec::new();
    for c in fold_all(backend.case_events(None)?) {
        if !scope.contains(&c.facts.village) {
            continue;
        }
        if let Some(line) = line_of(backend, role, &c, days_limit, today)? {
            lines.push(line);
        }
    }
    let (mut open, mut closed): (Vec<_>, Vec<_>) = lines
        .into_iter()
        .partition(|l| matches!(l.state, CaseState::Open { .. }));
    open.sort_by_key(|l| (l.deadline, l.id.clone()));
    closed.sort_by_key(|l| std::cmp::Reverse(l.opened));
    closed.truncate(50);
    open.extend(closed);
    Ok(open)
}

fn line_of(
    backend: &dyn Backend,
    role: crate::access::Role,
    c: &Case,
    days_limit: DaysLimit<'_>,
    today: NaiveDate,
) -> Result<Option<CaseLine>, AppError> {
    let rec = match backend.household(c.facts.household) {
        Ok(r) => r,
        Err(crate::data::DataError::NotFound) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let h = &rec.household;
    let year = u16::try_from(today.year()).unwrap_or(2025);
    let limit = days_limit(&c.facts.village, year);
    let state = c.state();
    let next = match state {
        CaseState::Open { next } => Some(next),
        _ => None,
    };
    Ok(Some(CaseLine {
        id: c.id.clone(),
        household: c.facts.household.0,
        household_number: h.number.as_str().to_owned(),
        head_name: h
            .head()
            .or(h.members.first())
            .map(|m| m.name.as_str().to_owned())
            .unwrap_or_default(),
        village_code: h.village.as_str().to_owned(),
        village_name: backend.area(&h.village).map(|a| a.name).unwrap_or_default(),
        kind: c.facts.kind,
        kind_label: c.facts.kind.label(),
        state,
        next_label: next.map(Step::label),
        mine: next.is_some_and(|n| c.check(n, role).is_ok()),
        opened: c
            .opened_at()
            .map(|t| (t + chrono::Duration::hours(8)).date_naive())
            .unwrap_or(today),
        deadline: c.deadline(limit),
        timing: c.timing(limit, today),
    }))
}

/// A case page.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub line: CaseLine,
    pub facts: LeadFacts,
    pub channel_label: &'static str,
    pub monitoring_kind_label: Option<&'static str>,
    pub risk_labels: Vec<&'static str>,
    pub steps: Vec<StepView>,
    /// The next step, when the caller's role records it.
    pub form: Option<StepForm>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepView {
    pub label: &'static str,
    pub outcome: &'static str,
    pub passed: bool,
    pub by: String,
    pub at: String,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepForm {
    pub step: Step,
    pub label: &'static str,
    pub segment: &'static str,
}

pub fn case(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    case_id: &str,
    days_limit: DaysLimit<'_>,
    today: NaiveDate,
) -> Result<CaseView, AppError> {
    let c = load_admitted(backend, user, scope, case_id)?;
    let line =
        line_of(backend, user.account.role, &c, days_limit, today)?.ok_or(AppError::NotFound)?;
    let form = match c.state() {
        CaseState::Open { next } if c.check(next, user.account.role).is_ok() => Some(StepForm {
            step: next,
            label: next.label(),
            segment: next.segment(),
        }),
        _ => None,
    };
    Ok(CaseView {
        line,
        channel_label: c.facts.channel.label(),
        monitoring_kind_label: c.facts.monitoring_kind.map(MonitoringKind::label),
        risk_labels: c.facts.risk_types.iter().map(|r| r.label()).collect(),
        steps: c
            .steps
            .iter()
            .map(|s| StepView {
                label: s.step.label(),
                outcome: s.outcome.label(),
                passed: s.outcome == Outcome::Pass,
                by: s.by.clone(),
                at: (s.at + chrono::Duration::hours(8))
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                note: s.note.clone(),
            })
            .collect(),
        facts: c.facts,
        form,
    })
}

/// Records `step` with `outcome`. Out of order or closed answers 409; a role that may not, 403. A passed
/// county approval writes the decision on the household.
#[allow(clippy::too_many_arguments)]
pub fn record_step(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    case_id: &str,
    step: Step,
    outcome: Outcome,
    note: String,
    today: NaiveDate,
) -> Result<(), AppError> {
    let c = load_admitted(backend, user, scope, case_id)?;
    match c.check(step, user.account.role) {
        Ok(()) => {}
        Err(StepRefusal::Role) => return Err(AppError::Forbidden),
        Err(StepRefusal::Closed | StepRefusal::OutOfOrder { .. }) => {
            return Err(AppError::Conflict)
        }
    }
    if step == Step::CountyApproval && outcome == Outcome::Pass {
        let rec = backend.household(c.facts.household)?;
        let mut event = match c.facts.kind {
            CaseKind::Identification => {
                let mut e = StatusEvent::new(StatusEventKind::Monitored, today);
                e.monitoring_kind = c.facts.monitoring_kind;
                e.risk_types = c.facts.risk_types.clone();
                e
            }
            CaseKind::Elimination => StatusEvent::new(StatusEventKind::RiskEliminated, today),
        };
        event.note = format!("监测案件 {case_id} 县级审定");
        backend.append_status_event(
            c.facts.household,
            rec.version,
            &event,
            &user.account.username,
            &event.note,
        )?;
    }
    let event = StepEvent {
        case_id: case_id.to_owned(),
        record: StepRecord {
            step,
            outcome,
            by: user.account.username.clone(),
            at: chrono::Utc::now(),
            note,
        },
        lead: None,
    };
    backend.append_case_event(&user.account.username, &event)?;
    Ok(())
}

/// The printable village notice (公示): names, village and the proposed decision; never resident IDs,
/// phone numbers, health, disability or the risk types (which can reveal illness).
#[derive(Debug, Clone, Serialize)]
pub struct Notice {
    pub case_id: String,
    pub village_name: String,
    pub head_name: String,
    pub household_size: u32,
    pub kind_label: &'static str,
    pub monitoring_kind_label: Option<&'static str>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Days a village notice stays up (at least 5, domain notes §6).
pub const NOTICE_DAYS: i64 = 5;

pub fn notice(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    case_id: &str,
    today: NaiveDate,
) -> Result<Notice, AppError> {
    let c = load_admitted(backend, user, scope, case_id)?;
    let rec = backend.household(c.facts.household)?;
    let h = &rec.household;
    let from = c
        .steps
        .iter()
        .find(|s| s.step == Step::VillageReview)
        .map(|s| (s.at + chrono::Duration::hours(8)).date_naive())
        .unwrap_or(today);
    Ok(Notice {
        case_id: case_id.to_owned(),
        village_name: backend.area(&h.village).map(|a| a.name).unwrap_or_default(),
        head_name: h
            .head()
            .or(h.members.first())
            .map(|m| m.name.as_str().to_owned())
            .unwrap_or_default(),
        household_size: h.size(),
        kind_label: c.facts.kind.label(),
        monitoring_kind_label: c.facts.monitoring_kind.map(MonitoringKind::label),
        from,
        to: from + chrono::Duration::days(NOTICE_DAYS),
    })
}
