//! The home dashboard's numbers for one area (the caller's, or one below it): key indicators, yearly trends
//! and a breakdown by child area, computed in one pass over the area's current households.
//!
//! Every figure is the rules' own: each household's facts for a date come from the one facts builder
//! (`OwnedFacts::build`: members on the date, status replayed to it, side facts) and its per-capita income
//! from `jingzhun_policy::assess` under the pack of that year and village (so 巴中's income components from
//! 2021 count here as in the engine and the reports).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{AreaCode, HouseholdStatus, MonitoringKind, RiskType};
use jingzhun_policy::{assess, FactsSource, OwnedFacts, Params, PolicyPack, RegistryState};
use serde::Serialize;

use crate::access::Scope;
use crate::data::Backend;
use crate::features::areas::service::{self as areas, AreaView};
use crate::features::monitoring::cases::DaysLimit;
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;
use crate::http::refresh::Refresh;
use crate::state::AppState;

/// First year of the trend charts (the registry was built in 2014).
pub const FIRST_YEAR: i32 = 2014;

/// Counts for one area.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub households: u64,
    pub people: u64,
    /// Registered poor, not exited.
    pub poor: u64,
    pub exited: u64,
    pub monitored: u64,
}

/// One child area's line of the breakdown.
#[derive(Debug, Clone, Serialize)]
pub struct ChildLine {
    pub code: String,
    pub name: String,
    pub counts: Counts,
}

/// One year of the trend charts (status at 31 December, income of that year).
#[derive(Debug, Clone, Serialize)]
pub struct YearPoint {
    pub year: i32,
    pub poor: u64,
    pub monitored_unstable: u64,
    pub monitored_marginal: u64,
    pub monitored_sudden: u64,
    /// Median per-capita net income in yuan of households with an income record that year.
    pub median_income: Option<i64>,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub area: AreaView,
    pub today: NaiveDate,
    pub counts: Counts,
    pub monitored_by_kind: Vec<(String, &'static str, u64)>,
    pub risk_types: Vec<(String, &'static str, u64)>,
    pub children: Vec<ChildLine>,
    pub trend: Vec<YearPoint>,
    pub cases: CaseCounts,
}

/// Monitoring cases of the area against their time limit, and the open ones by the step they wait for
/// (counted by the store: `Backend::case_counts_within`, indexed queries, no case is read).
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct CaseCounts {
    pub open: u64,
    /// Open, not overdue, with at most `workflow::NEAR_DAYS` days left.
    pub near: u64,
    pub overdue: u64,
    pub decided: u64,
    pub rejected: u64,
    /// `(step code, step label, open cases waiting for it)`, in workflow order.
    pub by_step: Vec<(&'static str, &'static str, u64)>,
}

/// The dashboard of `code` (default: the caller's own area) under the server's pack; outside the scope
/// answers not found. The counts are computed once and shared by every request (`crate::http::refresh`) until
/// something is written through this process or [`DASHBOARD_TTL`] has passed (for an area that takes long
/// to count, the last counts are then served while the next count runs).
pub fn dashboard(
    state: &AppState,
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    code: Option<AreaCode>,
    today: NaiveDate,
) -> Result<Dashboard, AppError> {
    // Admission (and its audit) happens on every request; only the numbers are shared.
    let area = areas::area(backend, user, scope, code)?;
    let code = AreaCode::parse(&area.code).map_err(|_| AppError::Internal)?;
    let mut d = (*counted(state, area.clone(), code, today)?).clone();
    // The shared numbers were computed for whoever asked first: the area's links (its parent only when
    // inside this caller's scope) are this caller's own.
    d.area = area;
    Ok(d)
}

/// The shared numbers of `code`'s dashboard (computed once per change, see [`DashboardCache`]). Blocking.
fn counted(
    state: &AppState,
    area: AreaView,
    code: AreaCode,
    today: NaiveDate,
) -> Result<Arc<Dashboard>, AppError> {
    let st = state.clone();
    let d = state.dashboards().get(
        (code, today),
        state.backend().generation() + state.own_writes(),
        0,
        move || {
            let limit = |a: &AreaCode, y: u16| st.identification_days_limit(a, y);
            compute(
                st.backend().as_ref(),
                area,
                code,
                &limit,
                today,
                st.policy(),
            )
        },
    )?;
    Ok(d.value)
}

/// Computes the dashboard of `code` before anyone asks (at the server's start: a city's takes tens of
/// seconds at full scale), so that the first person to open it is not the one who waits. Blocking.
pub fn warm(state: &AppState, code: AreaCode, today: NaiveDate) -> Result<(), AppError> {
    // Every request sets its own parent link (see `dashboard`).
    let view = areas::view(state.backend().as_ref(), code, None)?;
    counted(state, view, code, today).map(|_| ())
}

/// Dashboards per area and day, computed at most once per change made through this process's backend
/// (`Backend::generation`) and trusted for [`DASHBOARD_TTL`] (changes made elsewhere, such as imports from
/// the command line, show after at most that).
pub type DashboardCache = Refresh<(AreaCode, NaiveDate), Dashboard>;

/// How long a computed dashboard is trusted.
pub const DASHBOARD_TTL: Duration = Duration::from_secs(60);

/// The cache the server starts with.
pub fn dashboard_cache() -> DashboardCache {
    Refresh::with_max_age(DASHBOARD_TTL)
}

fn compute(
    backend: &dyn Backend,
    area: AreaView,
    code: AreaCode,
    days_limit: DaysLimit<'_>,
    today: NaiveDate,
    pack: &PolicyPack,
) -> Result<Dashboard, AppError> {
    let child_level = code.level().child();
    let mut children: BTreeMap<AreaCode, Counts> = BTreeMap::new();
    for c in &area.children {
        if let Ok(cc) = AreaCode::parse(&c.code) {
            children.insert(cc, Counts::default());
        }
    }
    let mut counts = Counts::default();
    let mut by_kind: BTreeMap<MonitoringKind, u64> = BTreeMap::new();
    let mut by_risk: BTreeMap<RiskType, u64> = BTreeMap::new();
    let last_year = today.year();
    let years: Vec<i32> = (FIRST_YEAR..=last_year).collect();
    let mut trend_counts = vec![[0u64; 4]; years.len()];
    let mut incomes: Vec<Vec<i64>> = vec![Vec::new(); years.len()];
    let side = backend.side_facts_within(&code)?;
    // The parameters of a year for a village (`None`: the pack has no values for that year).
    let mut params: HashMap<(u16, AreaCode), Option<Params>> = HashMap::new();
    backend.each_household(&code, &mut |row| {
        let h = &row.household;
        let src = FactsSource {
            household: h,
            events: &row.events,
            side: side.get(row.id),
        };
        let status = HouseholdStatus::on(&row.events, today);
        let this_year = u16::try_from(today.year()).unwrap_or(0);
        let now = OwnedFacts::build(src, this_year, today);
        let mut c = Counts {
            households: 1,
            people: now.members.len() as u64,
            ..Counts::default()
        };
        match status.registry {
            jingzhun_core::RegistryStatus::Poor { .. } => c.poor = 1,
            jingzhun_core::RegistryStatus::Exited { .. } => c.exited = 1,
            _ => {}
        }
        if let Some(kind) = status.monitoring {
            c.monitored = 1;
            *by_kind.entry(kind).or_default() += 1;
            for r in &status.risk_types {
                *by_risk.entry(*r).or_default() += 1;
            }
        }
        add(&mut counts, &c);
        if let Some(child) = child_level.and_then(|l| h.village.ancestor_at(l)) {
            if let Some(cc) = children.get_mut(&child) {
                add(cc, &c);
            }
        }
        for (i, year) in years.iter().enumerate() {
            let Some(end) = NaiveDate::from_ymd_opt(*year, 12, 31) else {
                continue;
            };
            let Ok(y) = u16::try_from(*year) else {
                continue;
            };
            let facts = OwnedFacts::build(src, y, end.min(today));
            if facts.status.registry == RegistryState::Poor {
                trend_counts[i][0] += 1;
            }
            match facts.status.monitoring {
                Some(MonitoringKind::Unstable) => trend_counts[i][1] += 1,
                Some(MonitoringKind::Marginal) => trend_counts[i][2] += 1,
                Some(MonitoringKind::SuddenHardship) => trend_counts[i][3] += 1,
                None => {}
            }
            let p = params
                .entry((y, h.village))
                .or_insert_with(|| pack.effective(y, Some(&h.village)).ok().map(|e| e.params));
            if let Some(pc) = p
                .as_ref()
                .and_then(|p| assess(&facts.view(), p).per_capita())
            {
                incomes[i].push(pc.round_yuan());
            }
        }
    })?;
    let trend = years
        .iter()
        .enumerate()
        .map(|(i, year)| YearPoint {
            year: *year,
            poor: trend_counts[i][0],
            monitored_unstable: trend_counts[i][1],
            monitored_marginal: trend_counts[i][2],
            monitored_sudden: trend_counts[i][3],
            median_income: median(&mut incomes[i]),
        })
        .collect();
    let children = area
        .children
        .iter()
        .filter_map(|c| {
            let cc = AreaCode::parse(&c.code).ok()?;
            Some(ChildLine {
                code: c.code.clone(),
                name: c.name.clone(),
                counts: children.get(&cc).cloned().unwrap_or_default(),
            })
        })
        .collect();
    Ok(Dashboard {
        area,
        today,
        counts,
        monitored_by_kind: MonitoringKind::ALL
            .iter()
            .map(|k| {
                (
                    k.code().to_owned(),
                    k.label(),
                    by_kind.get(k).copied().unwrap_or(0),
                )
            })
            .collect(),
        risk_types: by_risk
            .iter()
            .map(|(r, n)| (r.code().to_owned(), r.label(), *n))
            .collect(),
        children,
        trend,
        cases: case_counts(backend, &code, days_limit, today)?,
    })
}

fn case_counts(
    backend: &dyn Backend,
    within: &AreaCode,
    days_limit: DaysLimit<'_>,
    today: NaiveDate,
) -> Result<CaseCounts, AppError> {
    let year = u16::try_from(today.year()).unwrap_or(2025);
    let limit = days_limit(within, year);
    let now = backend.case_counts_within(within, today, limit)?;
    // Overdue as of a later day is overdue now or near now: deadline before today + NEAR_DAYS + 1.
    let later =
        today + chrono::Duration::days(crate::features::monitoring::workflow::NEAR_DAYS + 1);
    let soon = backend.case_counts_within(within, later, limit)?;
    Ok(CaseCounts {
        open: now.open(),
        near: soon.overdue.saturating_sub(now.overdue),
        overdue: now.overdue,
        decided: now.decided,
        rejected: now.rejected,
        by_step: crate::features::monitoring::workflow::Step::ALL
            .iter()
            .filter_map(|s| Some((s.code(), s.label(), *now.open_by_next.get(s)?)))
            .collect(),
    })
}

fn add(total: &mut Counts, c: &Counts) {
    total.households += c.households;
    total.people += c.people;
    total.poor += c.poor;
    total.exited += c.exited;
    total.monitored += c.monitored;
}

fn median(values: &mut [i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_and_even() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3, 1, 2]), Some(2));
        assert_eq!(median(&mut [4, 1, 2, 3]), Some(2));
    }
}
