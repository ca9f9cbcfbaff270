//! The warning lists of an area and year, read from the server's live evaluation (never a rescan of the
//! registry): counts by kind for the area and its child areas, the filtered and sorted list one page at a
//! time, the masked and audited XLSX download, the pre-filled lead form of a row, and what waits for a
//! village cadre on the home page.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{AreaCode, Channel, HouseholdId, MonitoringKind, RiskType};
use jingzhun_loader::live::Live;
use jingzhun_loader::quality::QualitySummary;
use jingzhun_loader::FIRST_YEAR;
use jingzhun_report::warnings::{
    self as rw, Filter, IncomeBand, KindCounts, RowLabel, Sort, WarningKind, WarningRow, WarningSet,
};
use serde::Serialize;

use crate::access::{allows, Action, Scope};
use crate::data::Backend;
use crate::features::areas::service::{self as areas, AreaView};
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;
use crate::http::refresh::Refresh;
use crate::state::AppState;

/// Rows per page.
pub const PAGE_SIZE: usize = 20;

/// What a list asks for (already parsed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WarningsQuery {
    /// The area whose list it is (default: the caller's own).
    pub area: Option<AreaCode>,
    pub year: Option<u16>,
    pub filter: Filter,
    pub sort: Option<Sort>,
    /// From 1.
    pub page: usize,
}

/// One kind's count, with its code and label.
#[derive(Debug, Clone, Serialize)]
pub struct KindLine {
    pub kind: &'static str,
    pub label: &'static str,
    pub households: u64,
}

/// Counts of one area.
#[derive(Debug, Clone, Serialize)]
pub struct CountsView {
    pub by_kind: Vec<KindLine>,
    /// `(code, label, n)`.
    pub candidates_by_monitoring_kind: Vec<(&'static str, &'static str, u64)>,
    pub candidates_by_risk: Vec<(&'static str, &'static str, u64)>,
    pub by_guarantee: Vec<(&'static str, &'static str, u64)>,
    /// Households with at least one warning.
    pub households: u64,
}

impl CountsView {
    fn of(c: &KindCounts) -> Self {
        CountsView {
            by_kind: c
                .by_kind
                .iter()
                .map(|(k, n)| KindLine {
                    kind: k.code(),
                    label: k.label(),
                    households: *n,
                })
                .collect(),
            candidates_by_monitoring_kind: c
                .candidates_by_monitoring_kind
                .iter()
                .map(|(k, n)| (k.code(), k.label(), *n))
                .collect(),
            candidates_by_risk: c
                .candidates_by_risk
                .iter()
                .map(|(k, n)| (k.code(), k.label(), *n))
                .collect(),
            by_guarantee: c
                .by_guarantee
                .iter()
                .map(|(k, n)| (k.code(), k.label(), *n))
                .collect(),
            households: c.households,
        }
    }

    /// The count of one kind.
    pub fn of_kind(&self, kind: &str) -> u64 {
        self.by_kind
            .iter()
            .find(|l| l.kind == kind)
            .map_or(0, |l| l.households)
    }
}

/// A child area's counts, side by side with its siblings'.
#[derive(Debug, Clone, Serialize)]
pub struct ChildCounts {
    pub code: String,
    pub name: String,
    /// In [`WarningKind::ALL`] order.
    pub by_kind: Vec<u64>,
}

/// One row as lists show it (identity data masked).
#[derive(Debug, Clone, Serialize)]
pub struct RowView {
    pub household_id: i64,
    pub household_no: String,
    pub head: String,
    pub village: String,
    pub village_name: String,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub subject: String,
    pub risk_types: Vec<&'static str>,
    pub risk_text: String,
    /// Yuan, two decimals; `None` without an income record.
    pub per_capita_income: Option<String>,
    pub income_band: &'static str,
    pub income_band_label: &'static str,
    pub open_case: bool,
    pub due: Option<NaiveDate>,
    pub case: Option<String>,
    /// The pre-filled lead form, for the kinds a lead can come from and roles that record leads.
    pub lead_href: Option<String>,
}

/// A page of the list with the counts.
#[derive(Debug, Clone, Serialize)]
pub struct WarningsView {
    pub area: AreaView,
    pub year: u16,
    pub as_of: NaiveDate,
    pub pack_version: String,
    pub today: NaiveDate,
    pub counts: CountsView,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub children: Vec<ChildCounts>,
    pub rows: Vec<RowView>,
    /// Rows the filter keeps.
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    /// The query string of the filter (without the page), for links.
    pub filter_query: String,
    pub kind: Option<&'static str>,
    pub risk: Option<&'static str>,
    pub band: Option<&'static str>,
    pub open_case: Option<bool>,
    pub within: Option<String>,
    pub sort: &'static str,
    /// The data-quality checks of the area for the year.
    pub quality: QualityView,
}

/// Warning sets per area, year and day, and data-quality summaries per area, year and date, each computed
/// once per change of the live registry (its epoch) and shared by the requests (`crate::http::refresh`: the
/// store reads behind them take seconds for a county at full scale).
#[derive(Default)]
pub struct WarningCache {
    sets: Refresh<SetKey, WarningSet>,
    /// The counts by kind of a set's area and child areas (the list shows them on every page).
    counts: Refresh<SetKey, AreaCounts>,
    quality: Refresh<(AreaCode, u16, NaiveDate), QualitySummary>,
}

/// One data-quality check as the list shows it.
#[derive(Debug, Clone, Serialize)]
pub struct CheckView {
    pub code: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub findings: u64,
    pub households: u64,
}

/// A child area's findings by check, side by side.
#[derive(Debug, Clone, Serialize)]
pub struct QualityChild {
    pub code: String,
    pub name: String,
    /// Findings of each check, in the order of `checks`.
    pub findings: Vec<u64>,
}

/// The data-quality checks (Q01–Q15, `jingzhun-quality`) of the area for the year, from the same as-of
/// records as the warnings (each household's version in force on the evaluation date).
#[derive(Debug, Clone, Serialize)]
pub struct QualityView {
    /// Households checked.
    pub households: u64,
    /// Findings of every check.
    pub total: u64,
    pub checks: Vec<CheckView>,
    pub children: Vec<QualityChild>,
}

impl QualityView {
    fn of(q: &QualitySummary, children: &[crate::features::areas::service::AreaLine]) -> Self {
        QualityView {
            households: q.households,
            total: q.total(),
            checks: q
                .checks
                .iter()
                .map(|c| CheckView {
                    code: c.code,
                    label: c.label,
                    hint: c.hint,
                    findings: c.findings,
                    households: c.households,
                })
                .collect(),
            children: children
                .iter()
                .filter_map(|line| {
                    let code = AreaCode::parse(&line.code).ok()?;
                    let found = q.children.iter().find(|(c, _)| *c == code);
                    Some(QualityChild {
                        code: line.code.clone(),
                        name: line.name.clone(),
                        findings: found
                            .map(|(_, f)| f.clone())
                            .unwrap_or_else(|| vec![0; q.checks.len()]),
                    })
                })
                .collect(),
        }
    }
}

/// The data-quality summary of `area` for `year` as of `as_of` (blocking; computed once per change of the
/// live registry).
pub fn quality_of(
    state: &AppState,
    live: &Arc<Live>,
    area: &AreaCode,
    year: u16,
    as_of: NaiveDate,
) -> Result<Arc<QualitySummary>, AppError> {
    let (l, a) = (Arc::clone(live), *area);
    let q = state.warning_cache().quality.get(
        (a, year, as_of),
        state.own_writes(),
        live.epoch(),
        move || {
            jingzhun_loader::quality::summary(l.store(), l.pack(), &a, year, as_of)
                .map_err(load_err)
        },
    )?;
    Ok(q.value)
}

/// A cached set: its area, year and day.
type SetKey = (AreaCode, u16, NaiveDate);

/// The counts by kind of a set's area, and of each child area.
type AreaCounts = (KindCounts, Vec<(AreaCode, KindCounts)>);

/// The default year of the lists on `today`: the current year when the pack can evaluate it (the list
/// then shows today's data: an edit made now counts), else the last completed year.
pub fn default_year(pack: &jingzhun_policy::PolicyPack, area: &AreaCode, today: NaiveDate) -> u16 {
    let this = u16::try_from(today.year()).unwrap_or(2025);
    if pack.effective(this, Some(area)).is_ok() {
        this
    } else {
        this - 1
    }
}

/// Checks a year asked for: from the registry's first year to the current one.
pub fn check_year(year: u16, today: NaiveDate) -> Result<u16, AppError> {
    let this = u16::try_from(today.year()).unwrap_or(u16::MAX);
    if (FIRST_YEAR..=this).contains(&year) {
        Ok(year)
    } else {
        Err(AppError::BadRequest)
    }
}

fn load_err(e: jingzhun_loader::LoadError) -> AppError {
    tracing::error!(error = %e, "reading the live registry failed");
    AppError::Internal
}

/// The live registry, current with the change feed (blocking).
pub fn live(state: &AppState) -> Result<Arc<Live>, AppError> {
    let live = state.live().get_or_load(state)?;
    live.catch_up_unless_busy().map_err(load_err)?;
    Ok(live)
}

/// The warning set of `area` (within the live registry's area) for `year` on `today` (blocking; computed
/// once per change of the live registry).
pub fn set_of(
    state: &AppState,
    live: &Arc<Live>,
    area: &AreaCode,
    year: u16,
    today: NaiveDate,
) -> Result<Arc<WarningSet>, AppError> {
    stamped_set(state, live, area, year, today).map(|s| s.value)
}

/// [`set_of`] with the versions it was computed at.
fn stamped_set(
    state: &AppState,
    live: &Arc<Live>,
    area: &AreaCode,
    year: u16,
    today: NaiveDate,
) -> Result<crate::http::refresh::Stamped<WarningSet>, AppError> {
    if !live.covers(area) {
        return Err(AppError::NotFound);
    }
    let shared = live.year(year).map_err(load_err)?;
    let (l, a) = (Arc::clone(live), *area);
    let set = state.warning_cache().sets.get(
        (a, year, today),
        state.own_writes(),
        live.epoch(),
        move || {
            let mut work = jingzhun_loader::warnings::workflow(
                l.store(),
                l.pack(),
                &a,
                today,
                crate::features::monitoring::workflow::NEAR_DAYS,
            )
            .map_err(load_err)?;
            jingzhun_loader::warnings::add_economy(&mut work, l.store(), &a, year)
                .map_err(load_err)?;
            let y = shared.read().unwrap_or_else(|e| e.into_inner());
            Ok(jingzhun_loader::warnings::warning_set(&y, &a, &work))
        },
    )?;
    Ok(set)
}

/// The counts by kind of a set's area and of its child areas `child_codes`, counted once per set, not on
/// every page of the list.
fn counts_of(
    state: &AppState,
    stamped: &crate::http::refresh::Stamped<WarningSet>,
    area: AreaCode,
    year: u16,
    today: NaiveDate,
    child_codes: Vec<AreaCode>,
) -> Result<crate::http::refresh::Stamped<AreaCounts>, AppError> {
    let set = Arc::clone(&stamped.value);
    // Stamped as the set is, so that a set served while its refresh runs is counted again after it.
    state.warning_cache().counts.get(
        (area, year, today),
        stamped.own,
        stamped.version,
        move || Ok((set.counts(&area), set.counts_by_child(&child_codes))),
    )
}

/// Computes what the first list of `area` for the default year needs — its warning set, the counts by
/// kind with the child areas', the data-quality checks — so that the first person to open it after the
/// server starts does not wait for the computation (tens of seconds for a city at full scale). Blocking.
pub fn warm(
    state: &AppState,
    live: &Arc<Live>,
    area: &AreaCode,
    today: NaiveDate,
) -> Result<(), AppError> {
    let year = default_year(state.policy(), area, today);
    let stamped = stamped_set(state, live, area, year, today)?;
    let tree = state.backend().area_tree()?;
    let mut children: Vec<AreaCode> = tree.children(area).to_vec();
    children.sort();
    counts_of(state, &stamped, *area, year, today, children)?;
    quality_of(state, live, area, year, stamped.value.as_of)?;
    Ok(())
}

fn yuan_text(y: jingzhun_core::Yuan) -> String {
    let fen = y.fen();
    format!(
        "{}{}.{:02}",
        if fen < 0 { "-" } else { "" },
        fen.abs() / 100,
        fen.abs() % 100
    )
}

fn row_view(r: &WarningRow, label: Option<&RowLabel>, year: u16, may_lead: bool) -> RowView {
    let label = label.cloned().unwrap_or_default();
    RowView {
        household_id: r.household.0,
        household_no: label.number,
        head: label.head,
        village: r.village.as_str().to_owned(),
        village_name: label.village_name,
        kind: r.kind.code(),
        kind_label: r.kind.label(),
        subject: rw::subject(r),
        risk_types: r.risk_types.iter().map(|t| t.code()).collect(),
        risk_text: rw::risk_text(r),
        per_capita_income: r.per_capita.map(yuan_text),
        income_band: r.band.code(),
        income_band_label: r.band.label(),
        open_case: r.open_case,
        due: r.due,
        case: r.case.as_ref().map(|c| c.to_string()),
        lead_href: (may_lead && r.kind.is_lead() && !r.open_case).then(|| {
            format!(
                "/households/{}/leads/new?from=warnings&year={year}&kind={}",
                r.household.0,
                r.kind.code()
            )
        }),
    }
}

fn filter_query(year: u16, area: &AreaCode, q: &WarningsQuery, sort: Sort) -> String {
    let f = &q.filter;
    let mut parts = vec![format!("area={area}"), format!("year={year}")];
    if let Some(k) = f.kind {
        parts.push(format!("kind={}", k.code()));
    }
    if let Some(a) = f.area {
        parts.push(format!("within={a}"));
    }
    if let Some(r) = f.risk {
        parts.push(format!("risk={}", r.code()));
    }
    if let Some(b) = f.band {
        parts.push(format!("band={}", b.code()));
    }
    if let Some(o) = f.open_case {
        parts.push(format!("open_case={}", if o { 1 } else { 0 }));
    }
    parts.push(format!("sort={}", sort.code()));
    parts.join("&")
}

/// The list of `query.area` (default: the caller's) for a year: counts, child areas, one page of rows.
/// Outside the scope answers not found (audited by the admission check).
pub fn list(
    state: &AppState,
    user: &CurrentUser,
    scope: &Scope,
    query: &WarningsQuery,
    today: NaiveDate,
) -> Result<WarningsView, AppError> {
    let backend = state.backend().as_ref();
    let view = areas::area(backend, user, scope, query.area)?;
    let area = AreaCode::parse(&view.code).map_err(|_| AppError::Internal)?;
    if let Some(within) = &query.filter.area {
        if !area.contains(within) {
            return Err(AppError::NotFound);
        }
    }
    let year = check_year(
        query
            .year
            .unwrap_or_else(|| default_year(state.policy(), &area, today)),
        today,
    )?;
    let live = live(state)?;
    let stamped = stamped_set(state, &live, &area, year, today)?;
    let set = Arc::clone(&stamped.value);
    let sort = query.sort.unwrap_or(Sort::Village);
    let child_codes: Vec<AreaCode> = view
        .children
        .iter()
        .filter_map(|c| AreaCode::parse(&c.code).ok())
        .collect();
    let counted = counts_of(state, &stamped, area, year, today, child_codes)?;
    let (counts, by_child) = counted.value.as_ref();
    let children = by_child
        .iter()
        .zip(&view.children)
        .map(|((_, c), line)| ChildCounts {
            code: line.code.clone(),
            name: line.name.clone(),
            by_kind: c.by_kind.iter().map(|(_, n)| *n).collect(),
        })
        .collect();
    let rw::RowPage {
        rows: shown,
        total,
        page,
        pages,
    } = set.page(&query.filter, sort, query.page, PAGE_SIZE);
    let tree = state.backend().area_tree()?;
    let labels = jingzhun_loader::warnings::labels(
        live.store(),
        &tree,
        shown.iter().map(|r| r.household),
        false,
    )
    .map_err(load_err)?;
    let may_lead = allows(user.account.role, Action::RecordLead);
    let quality = quality_of(state, &live, &area, year, set.as_of)?;
    let quality = QualityView::of(&quality, &view.children);
    let rows = shown
        .iter()
        .map(|r| row_view(r, labels.get(&r.household), year, may_lead))
        .collect();
    Ok(WarningsView {
        year,
        as_of: set.as_of,
        pack_version: set.pack_version.clone(),
        today,
        counts: CountsView::of(counts),
        kinds: WarningKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        children,
        rows,
        total,
        page,
        pages,
        filter_query: filter_query(year, &area, query, sort),
        kind: query.filter.kind.map(|k| k.code()),
        risk: query.filter.risk.map(|k| k.code()),
        band: query.filter.band.map(|k| k.code()),
        open_case: query.filter.open_case,
        within: query.filter.area.map(|a| a.as_str().to_owned()),
        sort: sort.code(),
        quality,
        area: view,
    })
}

/// The filtered list of the area as XLSX (every row the filter keeps, in the list's order), through the
/// one export service (`features::exports`): the head's resident ID masked and the risk types left out
/// unless the role may see personal data. Audited (`export.warnings`); an export that cannot be audited is
/// not handed out.
pub fn export(
    state: &AppState,
    user: &CurrentUser,
    scope: &Scope,
    query: &WarningsQuery,
    today: NaiveDate,
) -> Result<crate::features::exports::service::Download, AppError> {
    let backend: &dyn Backend = state.backend().as_ref();
    let view = areas::area(backend, user, scope, query.area)?;
    let area = AreaCode::parse(&view.code).map_err(|_| AppError::Internal)?;
    if let Some(within) = &query.filter.area {
        if !area.contains(within) {
            return Err(AppError::NotFound);
        }
    }
    let year = check_year(
        query
            .year
            .unwrap_or_else(|| default_year(state.policy(), &area, today)),
        today,
    )?;
    let live = live(state)?;
    let set = set_of(state, &live, &area, year, today)?;
    let rows = set.select(&query.filter, query.sort.unwrap_or(Sort::Village));
    let full = allows(user.account.role, Action::ViewPersonalData);
    let tree = state.backend().area_tree()?;
    let labels = jingzhun_loader::warnings::labels(
        live.store(),
        &tree,
        rows.iter().map(|r| r.household),
        full,
    )
    .map_err(load_err)?;
    let labelled: Vec<(&WarningRow, RowLabel)> = rows
        .iter()
        .map(|r| (*r, labels.get(&r.household).cloned().unwrap_or_default()))
        .collect();
    let export = crate::features::exports::service::Export {
        list: crate::features::exports::service::ListKind::Warnings,
        area,
        area_name: format!("{}_{}年", view.name, year),
        filters: serde_json::json!({
            "year": year,
            "kind": query.filter.kind.map(|k| k.code()),
            "within": query.filter.area.map(|a| a.as_str().to_owned()),
            "risk": query.filter.risk.map(|r| r.code()),
            "band": query.filter.band.map(|b| b.code()),
            "open_case": query.filter.open_case,
            "sort": query.sort.map(|s| s.code()),
        }),
    };
    crate::features::exports::lists::warnings(backend, user, &export, &labelled, full)
}

/// What the lead form is filled with from a warning row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LeadPrefill {
    pub channel: Option<Channel>,
    pub monitoring_kind: Option<MonitoringKind>,
    pub risk_types: Vec<RiskType>,
    pub note: String,
}

/// The lead form's contents for `household` from the `kind` row of `year`'s list: the proposed monitoring
/// kind, the risk types, and the rules' explanation (what held). The household must be in the scope (the
/// caller checked it by reading the household).
pub fn lead_prefill(
    state: &AppState,
    household: HouseholdId,
    year: u16,
    kind: WarningKind,
) -> Result<LeadPrefill, AppError> {
    let live = live(state)?;
    let shared = live.year(year).map_err(load_err)?;
    if let Some(risk) = kind.risk() {
        // Rows from the economy's records: the risk type is the kind's, the note what the row says (the
        // row read from the household's village list, the same rows the list shows).
        let village = {
            let y = shared.read().unwrap_or_else(|e| e.into_inner());
            let village = y
                .engine
                .outcomes(&y.eval)
                .find(|o| o.id == household)
                .map(|o| o.village);
            village
        };
        let detail = match village {
            Some(v) => set_of(state, &live, &v, year, crate::http::today(state))?
                .rows
                .iter()
                .find(|r| r.household == household && r.kind == kind)
                .and_then(|r| r.detail.clone()),
            None => None,
        };
        return Ok(LeadPrefill {
            channel: Some(Channel::DepartmentAlert),
            monitoring_kind: None,
            risk_types: vec![risk],
            note: format!(
                "据 {year} 年预警清单「{}」: {}",
                kind.label(),
                detail.unwrap_or_default()
            ),
        });
    }
    let y = shared.read().unwrap_or_else(|e| e.into_inner());
    let Ok(full) = y.engine.explain(&y.eval, household) else {
        return Ok(LeadPrefill::default());
    };
    let assessment = y.engine.assessment(&y.eval, household).unwrap_or_default();
    let mut lines: Vec<String> = Vec::new();
    let mut prefill = LeadPrefill {
        channel: Some(if kind == WarningKind::DepartmentAlert {
            Channel::DepartmentAlert
        } else {
            Channel::CadreCheck
        }),
        monitoring_kind: None,
        risk_types: assessment.risk_types(),
        note: String::new(),
    };
    match kind.proposal() {
        Some(p) => {
            if let Some(found) = full.proposals.iter().find(|x| x.kind == p) {
                prefill.monitoring_kind = found.monitoring_kind;
                if !found.risk_types.is_empty() {
                    prefill.risk_types = found.risk_types.clone();
                }
                lines.extend(
                    found
                        .explanations
                        .iter()
                        .filter(|e| e.holds)
                        .map(|e| e.text.clone()),
                );
            }
        }
        None => {
            for g in full.guarantees.iter().filter(|g| !g.met) {
                lines.push(g.explanation.text.clone());
            }
            for p in &full.proposals {
                lines.extend(
                    p.explanations
                        .iter()
                        .filter(|e| e.holds && e.rule.starts_with("alert."))
                        .map(|e| e.text.clone()),
                );
            }
        }
    }
    lines.dedup();
    prefill.note = format!(
        "{} {} 年预警清单「{}」: {}",
        "据",
        year,
        kind.label(),
        lines.join("; ")
    );
    Ok(prefill)
}

/// What waits for a village cadre on the home page: counts by kind of the last completed year's list of
/// their area, and its open cases near or past the time limit.
#[derive(Debug, Clone, Serialize)]
pub struct Waiting {
    pub year: u16,
    pub area: String,
    pub lines: Vec<KindLine>,
    pub total: u64,
}

/// [`Waiting`] for the caller's own area, if the live registry is loaded (the home page never waits for
/// the load).
pub fn waiting(state: &AppState, scope: &Scope, today: NaiveDate) -> Option<Waiting> {
    let live = state.live().ready()?;
    let area = scope.area();
    let year = default_year(state.policy(), &area, today);
    let counted = live
        .catch_up_unless_busy()
        .map_err(load_err)
        .and_then(|_| set_of(state, &live, &area, year, today));
    let set = match counted {
        Ok(set) => set,
        Err(e) => {
            tracing::error!(error = %e, "the home page's warning counts failed");
            return None;
        }
    };
    let counts = set.counts(&area);
    let lines: Vec<KindLine> = counts
        .by_kind
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| KindLine {
            kind: k.code(),
            label: k.label(),
            households: *n,
        })
        .collect();
    Some(Waiting {
        year,
        area: area.as_str().to_owned(),
        total: counts.households,
        lines,
    })
}

/// Parses the list's query parameters (blank means not given).
pub fn parse_query(p: &super::handlers::WarningsParams) -> Result<WarningsQuery, AppError> {
    let blank = |s: &Option<String>| {
        s.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let bad = |_| AppError::BadRequest;
    let area = blank(&p.area)
        .map(|a| AreaCode::parse(&a).map_err(|_| AppError::NotFound))
        .transpose()?;
    let year = blank(&p.year)
        .map(|y| y.parse::<u16>().map_err(bad))
        .transpose()?;
    let kind = blank(&p.kind)
        .map(|k| WarningKind::from_code(&k).ok_or(AppError::BadRequest))
        .transpose()?;
    let within = blank(&p.within)
        .map(|a| AreaCode::parse(&a).map_err(|_| AppError::BadRequest))
        .transpose()?;
    let risk = blank(&p.risk)
        .map(|k| RiskType::from_code(&k).ok_or(AppError::BadRequest))
        .transpose()?;
    let band = blank(&p.band)
        .map(|k| IncomeBand::from_code(&k).ok_or(AppError::BadRequest))
        .transpose()?;
    let open_case = match blank(&p.open_case).as_deref() {
        None => None,
        Some("1" | "true") => Some(true),
        Some("0" | "false") => Some(false),
        Some(_) => return Err(AppError::BadRequest),
    };
    let sort = blank(&p.sort)
        .map(|k| Sort::from_code(&k).ok_or(AppError::BadRequest))
        .transpose()?;
    let page = match blank(&p.page) {
        None => 1,
        Some(n) => match n.parse::<usize>() {
            Ok(n) if (1..=100_000).contains(&n) => n,
            _ => return Err(AppError::BadRequest),
        },
    };
    Ok(WarningsQuery {
        area,
        year,
        filter: Filter {
            kind,
            area: within,
            risk,
            band,
            open_case,
        },
        sort,
        page,
    })
}
