//! The rates of an area and its child areas, and what waits for the caller.
//!
//! The rates are the indicator catalogue's (`jingzhun_report::indicators`: [`RATES`]), computed by
//! `indicators::compute` over the server's live evaluation of the year (`features::live`), with the
//! workflow's cases, the running measures and the recent visits read from the store exactly as the report
//! loader reads them (`jingzhun_loader::{lead_cases, running_measures, recent_visits}`): the dashboard, the
//! standard tables and the API give the same figures because they are the same computation.

use std::sync::Arc;

use chrono::NaiveDate;
use jingzhun_core::AreaCode;
use jingzhun_report::indicators::{self, Extras};
use serde::Serialize;

use crate::access::Scope;
use crate::features::warnings::service::{default_year, live};
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;
use crate::http::refresh::Refresh;
use crate::state::AppState;

/// The rates of the dashboard for action, by indicator code, in display order: 监测对象占比,
/// 帮扶措施覆盖率, 走访及时率, 风险消除率, 逾期率.
pub const RATES: &[&str] = &[
    "monitored_share",
    "assistance_coverage",
    "visit_timeliness",
    "risk_elimination_rate",
    "overdue_rate",
];

/// One rate of the catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct Rate {
    pub code: &'static str,
    pub name: String,
    pub name_en: String,
    pub definition: String,
    /// A share between 0 and 1; `None` without a denominator.
    pub value: Option<f64>,
    /// As people read it (`12.34%`, `-`).
    pub text: String,
}

/// A child area's line: its rates in [`RATES`] order.
#[derive(Debug, Clone, Serialize)]
pub struct ChildRates {
    pub code: String,
    pub name: String,
    pub values: Vec<Option<f64>>,
    pub texts: Vec<String>,
}

/// Open cases waiting for one step, and whether the caller's role records it.
#[derive(Debug, Clone, Serialize)]
pub struct WaitingStep {
    pub step: &'static str,
    pub label: &'static str,
    pub cases: u64,
    pub mine: bool,
}

/// The dashboard for action of one area.
#[derive(Debug, Clone, Serialize)]
pub struct ActionBoard {
    pub area: String,
    pub area_name: String,
    pub year: u16,
    pub as_of: NaiveDate,
    pub rates: Vec<Rate>,
    pub children: Vec<ChildRates>,
    /// The rate the children are sorted by, and whether descending.
    pub sort: &'static str,
    pub desc: bool,
    /// Open cases of the area by the step they wait for.
    pub waiting: Vec<WaitingStep>,
    /// Open cases the caller's role records next (待我办理).
    pub mine: u64,
}

/// The rates of an area and its child areas for a year, as computed for a day.
pub struct Rated {
    areas: Vec<(AreaCode, String)>,
    table: indicators::IndicatorTable,
    as_of: NaiveDate,
    /// The area's open cases by the step they wait for.
    counts: crate::data::CaseCounts,
}

/// Rates per area, year and day, computed once per change of the live registry (`crate::http::refresh`).
pub type ActionCache = Refresh<(AreaCode, u16, NaiveDate), Rated>;

/// How long computed rates and case counts are trusted (case steps recorded by other processes do not
/// move the live registry's epoch).
pub const ACTION_TTL: std::time::Duration = std::time::Duration::from_secs(60);

/// The cache the server starts with.
pub fn action_cache() -> ActionCache {
    Refresh::with_max_age(ACTION_TTL)
}

/// Parses `sort` (a code of [`RATES`]; default the first).
pub fn sort_of(text: Option<&str>) -> Result<&'static str, AppError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(RATES[0]),
        Some(t) => RATES
            .iter()
            .copied()
            .find(|c| *c == t)
            .ok_or(AppError::BadRequest),
    }
}

fn load_err(e: jingzhun_loader::LoadError) -> AppError {
    tracing::error!(error = %e, "the dashboard for action failed");
    AppError::Internal
}

/// The board of `code` (default: the caller's area) for `year` (default: the current one) on `today` from
/// the live evaluation; children sorted by `sort`. Blocking (reads the store); waits for the live
/// registry to load.
#[allow(clippy::too_many_arguments)]
pub fn board(
    state: &AppState,
    user: &CurrentUser,
    scope: &Scope,
    code: Option<AreaCode>,
    year: Option<u16>,
    sort: &'static str,
    desc: bool,
    today: NaiveDate,
) -> Result<ActionBoard, AppError> {
    let backend = state.backend().as_ref();
    let area = code.unwrap_or(scope.area());
    crate::http::admit(backend, user, scope, &area, "area", area.as_str())?;
    let live = live(state)?;
    if !live.covers(&area) {
        return Err(AppError::NotFound);
    }
    let year = crate::features::warnings::service::check_year(
        year.unwrap_or_else(|| default_year(state.policy(), &area, today)),
        today,
    )?;
    let shared = live.year(year).map_err(load_err)?;
    let (l, a, st) = (Arc::clone(&live), area, state.clone());
    // The rates of the area and its children, computed once per change of the live registry: the
    // cases, measures and visits behind them are a read of the store that takes seconds at full scale.
    let rated = state.action_cache().get(
        (area, year, today),
        state.own_writes(),
        live.epoch(),
        move || {
            let backend = st.backend().as_ref();
            let store = l.store();
            let y = shared.read().unwrap_or_else(|e| e.into_inner());
            // The running year is evaluated as of its last day; its cases, measures and visits are
            // counted today.
            let as_of = y.eval.as_of.min(today);
            let leads = jingzhun_loader::lead_cases(store, &a).map_err(load_err)?;
            let measures = jingzhun_loader::running_measures(store, &a, as_of).map_err(load_err)?;
            let visited = jingzhun_loader::recent_visits(store, &a, as_of).map_err(load_err)?;
            let mut areas = vec![(a, backend.area(&a)?.name)];
            if let Some(level) = a.level().child() {
                for c in indicators::drill_down(&y.engine, &y.eval, &a, level) {
                    let name = backend
                        .area(&c)
                        .map(|a| a.name)
                        .unwrap_or_else(|_| c.as_str().to_owned());
                    areas.push((c, name));
                }
            }
            let table = indicators::compute(
                &y.engine,
                &y.eval,
                &areas,
                Extras {
                    leads: Some(&leads),
                    measures: Some(&measures),
                    visited: Some(&visited),
                    cases_on: Some(as_of),
                    ..Extras::default()
                },
            );
            let counts =
                backend.case_counts_within(&a, today, st.identification_days_limit(&a, year))?;
            Ok(Rated {
                areas,
                table,
                as_of,
                counts,
            })
        },
    )?;
    let Rated {
        areas,
        table,
        as_of,
        counts,
    } = rated.value.as_ref();
    let as_of = *as_of;
    let rates: Vec<Rate> = RATES
        .iter()
        .filter_map(|c| {
            let i = indicators::indicator(c)?;
            let value = table.get(&area, c);
            Some(Rate {
                code: c,
                name: i.name.clone(),
                name_en: i.name_en.clone(),
                definition: i.definition.clone(),
                value,
                text: indicators::format_value(i.unit, value),
            })
        })
        .collect();
    let sort_at = RATES.iter().position(|c| *c == sort).unwrap_or(0);
    let mut children: Vec<ChildRates> = areas[1..]
        .iter()
        .map(|(c, name)| {
            let values: Vec<Option<f64>> = RATES.iter().map(|r| table.get(c, r)).collect();
            ChildRates {
                code: c.as_str().to_owned(),
                name: name.clone(),
                texts: values
                    .iter()
                    .map(|v| indicators::format_value(indicators::Unit::Rate, *v))
                    .collect(),
                values,
            }
        })
        .collect();
    // Areas without a value last, whichever the direction.
    children.sort_by(|a, b| {
        let (x, y) = (a.values[sort_at], b.values[sort_at]);
        match (x, y) {
            (Some(x), Some(y)) if desc => y.total_cmp(&x),
            (Some(x), Some(y)) => x.total_cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.code.cmp(&b.code),
        }
        .then_with(|| a.code.cmp(&b.code))
    });
    // The steps the caller's role records: the inbox's 待我办理 decides them, not a second rule here.
    let my_steps = crate::features::monitoring::service::steps_of(user.account.role);
    let waiting: Vec<WaitingStep> = crate::features::monitoring::workflow::Step::ALL
        .iter()
        .filter_map(|s| {
            let n = *counts.open_by_next.get(s)?;
            Some(WaitingStep {
                step: s.code(),
                label: s.label(),
                cases: n,
                mine: my_steps.contains(s),
            })
        })
        .collect();
    let mine = waiting.iter().filter(|w| w.mine).map(|w| w.cases).sum();
    Ok(ActionBoard {
        area: area.as_str().to_owned(),
        area_name: areas[0].1.clone(),
        year,
        as_of,
        rates,
        children,
        sort,
        desc,
        waiting,
        mine,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rate_is_in_the_catalogue_as_a_rate() {
        for c in RATES {
            let i = indicators::indicator(c).unwrap_or_else(|| panic!("{c} in the catalogue"));
            assert_eq!(i.unit, indicators::Unit::Rate, "{c}");
        }
        assert_eq!(sort_of(None).unwrap(), "monitored_share");
        assert_eq!(sort_of(Some("overdue_rate")).unwrap(), "overdue_rate");
        assert!(sort_of(Some("x")).is_err());
    }
}
