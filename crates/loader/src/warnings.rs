//! The warning lists' inputs from the store: the monitoring work of an area (open cases with their
//! deadlines, measures about to end) and what a listed row shows of its household. The rows themselves come
//! from the evaluation ([`jingzhun_report::warnings::WarningSet::build`]); the web application and
//! `jingzhun warnings` both build them here.

use std::collections::HashMap;

use chrono::NaiveDate;
use jingzhun_core::{AreaCode, AreaTree, HouseholdId};
use jingzhun_policy::PolicyPack;
use jingzhun_report::warnings::{
    EndingMeasure, OpenCase, RowLabel, WarningSet, Workflow, MEASURE_ENDING_DAYS,
};
use jingzhun_store::{CaseFilter, Store};

use crate::live::LiveYear;
use crate::LoadError;

/// Identification time limit in days when the pack has no value (the national default).
const DEFAULT_DAYS_LIMIT: u16 = 15;

/// The monitoring work of `area` on `today`: its open cases with their deadlines (the pack's time limit for
/// the case's village and the current year) and the measures whose last day is within
/// [`MEASURE_ENDING_DAYS`] from `today`.
pub fn workflow(
    store: &Store,
    pack: &PolicyPack,
    area: &AreaCode,
    today: NaiveDate,
    near_days: i64,
) -> Result<Workflow, LoadError> {
    use chrono::Datelike;
    let year = u16::try_from(today.year()).unwrap_or(2025);
    let mut limits: HashMap<AreaCode, u16> = HashMap::new();
    let mut limit = |village: &AreaCode| -> u16 {
        let county = village
            .ancestor_at(jingzhun_core::AreaLevel::County)
            .unwrap_or(*village);
        *limits.entry(county).or_insert_with(|| {
            pack.effective(year, Some(&county))
                .or_else(|_| pack.effective(year.saturating_sub(1), Some(&county)))
                .map(|p| p.params.identification_days_limit)
                .unwrap_or(DEFAULT_DAYS_LIMIT)
        })
    };
    let open_cases = store
        .cases_within(
            area,
            &CaseFilter {
                open_only: true,
                ..CaseFilter::default()
            },
        )?
        .into_iter()
        .map(|c| OpenCase {
            deadline: c.deadline(limit(&c.village)),
            household: c.household(),
            village: c.village,
            id: c.id,
        })
        .collect();
    let ending_measures = store
        .measures_ending_within(
            area,
            today,
            today + chrono::Duration::days(MEASURE_ENDING_DAYS),
        )?
        .into_iter()
        .map(|m| EndingMeasure {
            household: m.household,
            kind: m.kind,
            ended: m.ended,
        })
        .collect();
    Ok(Workflow {
        today: Some(today),
        near_days,
        open_cases,
        ending_measures,
        ..Workflow::default()
    })
}

/// Adds to `work` what the economy's warnings read (issue 14 and 15): the employment records of `year` and
/// the year before within `area`, and the relocated households living in its settlements.
pub fn add_economy(
    work: &mut Workflow,
    store: &Store,
    area: &AreaCode,
    year: u16,
) -> Result<(), LoadError> {
    work.employment.clear();
    for y in [year.saturating_sub(1), year] {
        work.employment.extend(
            store
                .employment_within(area, Some(y))?
                .into_iter()
                .map(|v| v.record),
        );
    }
    work.relocated = store.settlements_within(area)?.1;
    Ok(())
}

/// The warning rows of `area` from a held (or freshly loaded) year, with the area's monitoring work.
pub fn warning_set(year: &LiveYear, area: &AreaCode, work: &Workflow) -> WarningSet {
    WarningSet::build(&year.engine, &year.eval, area, work)
}

/// What the rows of `ids` show of their households (current version): number, head's name, the head's
/// resident ID (masked unless `full_identity`) and the village name. Read with
/// [`Store::household_labels`] (one statement per 64 households), not by loading each household.
pub fn labels(
    store: &Store,
    tree: &AreaTree,
    ids: impl IntoIterator<Item = HouseholdId>,
    full_identity: bool,
) -> Result<HashMap<HouseholdId, RowLabel>, LoadError> {
    let mut seen = std::collections::HashSet::new();
    let ids: Vec<HouseholdId> = ids.into_iter().filter(|id| seen.insert(*id)).collect();
    Ok(store
        .household_labels(&ids)?
        .into_iter()
        .map(|l| {
            let (head, head_id) = match &l.head {
                Some((name, rid)) => (
                    name.to_string(),
                    if full_identity {
                        rid.as_str().to_owned()
                    } else {
                        rid.masked()
                    },
                ),
                None => Default::default(),
            };
            let label = RowLabel {
                number: l.number.as_str().to_owned(),
                head,
                head_id,
                village_name: tree
                    .get(&l.village)
                    .map(|a| a.name.clone())
                    .unwrap_or_default(),
            };
            (l.id, label)
        })
        .collect())
}
