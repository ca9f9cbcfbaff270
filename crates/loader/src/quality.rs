//! The data-quality checks (`jingzhun-quality`, Q01–Q15) of an area for a year, from the same as-of facts
//! the engine evaluates: each household's version in force on the evaluation date with its status events,
//! the poverty line and counted income components of the pack for that year. The warning lists show them
//! beside the rules' proposals (web `/warnings`, `GET /api/v1/warnings`).
//!
//! Q14 (dead members still listed) needs a department's list of deaths by resident ID; the stored
//! department findings are per household, so it is found by `jingzhun check --deaths` only.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use jingzhun_core::{AreaCode, AreaLevel, HouseholdNo, IncomeComponent, StatusEvent};
use jingzhun_policy::PolicyPack;
use jingzhun_quality::{run_checks, CheckInput, CheckParams, Finding, CHECKS};
use jingzhun_store::Store;
use serde::Serialize;

use crate::LoadError;

/// One check's count in an area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CheckLine {
    pub code: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    /// Findings (a household with two members missing schooling counts 2).
    pub findings: u64,
    /// Households with at least one finding of this check.
    pub households: u64,
}

/// The checks of an area and year: every check (zeros included, in [`CHECKS`] order), the households
/// checked, and the counts of each child area side by side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QualitySummary {
    pub area: AreaCode,
    pub year: u16,
    pub as_of: NaiveDate,
    pub households: u64,
    pub checks: Vec<CheckLine>,
    /// `(child area, findings by check in [`CHECKS`] order)`, for the child areas with households.
    pub children: Vec<(AreaCode, Vec<u64>)>,
}

impl QualitySummary {
    /// Findings of every check.
    pub fn total(&self) -> u64 {
        self.checks.iter().map(|c| c.findings).sum()
    }

    /// The line of a check by its code.
    pub fn of(&self, code: &str) -> Option<&CheckLine> {
        self.checks.iter().find(|c| c.code == code)
    }
}

/// Runs the checks over the households within `area` as of `as_of` (the version in force then), with the
/// income of `year` measured against `pack`'s poverty line and counted components for the area.
pub fn summary(
    store: &Store,
    pack: &PolicyPack,
    area: &AreaCode,
    year: u16,
    as_of: NaiveDate,
) -> Result<QualitySummary, LoadError> {
    let effective = pack
        .effective(year, Some(area))
        .map_err(|e| LoadError::Snapshot(e.to_string()))?;
    let mut households = Vec::new();
    let mut events: HashMap<HouseholdNo, Vec<StatusEvent>> = HashMap::new();
    store.scan_households(area, Some(as_of), &mut |s| {
        events.insert(s.household.number.clone(), s.events);
        households.push(s.household);
        Ok(())
    })?;
    let mut params = CheckParams::new(as_of, year, effective.params.poverty_line);
    params.uncounted = IncomeComponent::ALL
        .iter()
        .copied()
        .filter(|c| !effective.params.counted_components.contains(*c))
        .collect();
    let deaths = HashSet::new();
    let findings = run_checks(
        &CheckInput {
            households: &households,
            events: &events,
            deaths: &deaths,
            known_regions: None,
        },
        &params,
    );
    Ok(summarise(
        area,
        year,
        as_of,
        households.len() as u64,
        &findings,
    ))
}

fn summarise(
    area: &AreaCode,
    year: u16,
    as_of: NaiveDate,
    checked: u64,
    findings: &[Finding],
) -> QualitySummary {
    let index: HashMap<&str, usize> = CHECKS
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code, i))
        .collect();
    let mut found = vec![0u64; CHECKS.len()];
    let mut households: Vec<HashSet<&HouseholdNo>> = vec![HashSet::new(); CHECKS.len()];
    let child_level = area.level().child();
    let mut children: BTreeMap<AreaCode, Vec<u64>> = BTreeMap::new();
    for f in findings {
        let Some(&i) = index.get(f.check.code) else {
            continue;
        };
        found[i] += 1;
        households[i].insert(&f.household_no);
        if let Some(child) = child_level.and_then(|l: AreaLevel| f.area.ancestor_at(l)) {
            children
                .entry(child)
                .or_insert_with(|| vec![0; CHECKS.len()])[i] += 1;
        }
    }
    QualitySummary {
        area: *area,
        year,
        as_of,
        households: checked,
        checks: CHECKS
            .iter()
            .enumerate()
            .map(|(i, c)| CheckLine {
                code: c.code,
                label: c.label,
                hint: c.hint,
                findings: found[i],
                households: households[i].len() as u64,
            })
            .collect(),
        children: children.into_iter().collect(),
    }
}
