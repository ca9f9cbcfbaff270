//! Poverty measures of an area's population, from an evaluation: income measures at a line and the
//! Alkire–Foster measure over the guarantees, each decomposed by child areas.
//!
//! Every household is one observation weighted by its size (so measures are per person); households
//! without an income record for the year are left out of the income measures (their number is reported).

use jingzhun_core::{AreaCode, AreaLevel};
use jingzhun_engine::{Engine, Evaluation};
use jingzhun_policy::{flag, Guarantee};
use serde::Serialize;

use crate::measures::{
    decompose, decompose_mpi, Decomposition, Deprivations, Mpi, MpiError, MpiGroup, MpiSpec,
    Observation,
};

/// Which line the income measures use.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Line {
    /// The year's poverty line of the pack.
    Poverty,
    /// The year's monitoring threshold of the pack.
    Monitoring,
    /// A line given in yuan.
    Given(f64),
}

impl Line {
    /// The line in yuan for `area` under `eval`'s parameters (`None` if the area is unknown).
    pub fn yuan(self, eval: &Evaluation, area: &AreaCode) -> Option<f64> {
        let p = &eval.params_for(area)?.params;
        Some(match self {
            Line::Poverty => p.poverty_line.fen() as f64 / 100.0,
            Line::Monitoring => p.monitoring_threshold.fen() as f64 / 100.0,
            Line::Given(y) => y,
        })
    }

    pub fn label(self) -> String {
        match self {
            Line::Poverty => "当年贫困线".to_owned(),
            Line::Monitoring => "当年监测线".to_owned(),
            Line::Given(y) => format!("指定标准 {y:.0} 元"),
        }
    }
}

/// Income measures of an area at one line, decomposed by its child areas.
#[derive(Debug, Clone, Serialize)]
pub struct IncomeMeasures {
    pub area: AreaCode,
    pub line_kind: Line,
    pub line: f64,
    /// People in households without an income record for the year (left out).
    pub people_without_income: f64,
    pub decomposition: Decomposition,
}

/// The Alkire–Foster measure over the five guarantees, decomposed by child areas.
#[derive(Debug, Clone, Serialize)]
pub struct GuaranteeMpi {
    pub area: AreaCode,
    pub spec: MpiSpec,
    pub total: Mpi,
    pub groups: Vec<MpiGroup>,
}

/// The child areas of `area` at `level`, each with its households as `f(outcome)` items.
fn by_child<T>(
    engine: &Engine,
    eval: &Evaluation,
    area: &AreaCode,
    level: AreaLevel,
    mut f: impl FnMut(&jingzhun_engine::HouseholdOutcome) -> Option<T>,
) -> Vec<(String, Vec<T>)> {
    let children = crate::indicators::drill_down(engine, eval, area, level);
    let mut groups: Vec<(String, Vec<T>)> = children
        .iter()
        .map(|c| (c.as_str().to_owned(), Vec::new()))
        .collect();
    let position = |c: &AreaCode| children.binary_search(c).ok();
    for o in engine.outcomes(eval) {
        if !area.contains(&o.village) {
            continue;
        }
        let Some(i) = o.village.ancestor_at(level).as_ref().and_then(position) else {
            continue;
        };
        if let Some(item) = f(&o) {
            groups[i].1.push(item);
        }
    }
    groups.retain(|(_, items)| !items.is_empty());
    groups
}

/// FGT0–2, Watts, Gini, Sen, mean and median at `line`, decomposed by the areas of `level` within `area`.
pub fn income_measures(
    engine: &Engine,
    eval: &Evaluation,
    area: &AreaCode,
    level: AreaLevel,
    line: Line,
) -> Option<IncomeMeasures> {
    let z = line.yuan(eval, area)?;
    let mut missing = 0.0;
    let groups = by_child(engine, eval, area, level, |o| {
        if o.size == 0 {
            return None;
        }
        let a = &o.assessment;
        if !a.has(flag::INCOME_KNOWN) {
            missing += f64::from(o.size);
            return None;
        }
        Some(Observation::new(
            a.per_capita_fen as f64 / 100.0,
            f64::from(o.size),
        ))
    });
    Some(IncomeMeasures {
        area: *area,
        line_kind: line,
        line: z,
        people_without_income: missing,
        decomposition: decompose(&groups, z),
    })
}

/// The default specification: the five guarantees, equal weights, cutoff `k`.
pub fn guarantee_spec(k: f64) -> MpiSpec {
    let w = 1.0 / Guarantee::ALL.len() as f64;
    MpiSpec {
        indicators: Guarantee::ALL
            .iter()
            .map(|g| (g.label().to_owned(), w))
            .collect(),
        k,
    }
}

/// The Alkire–Foster measure over the guarantees (a failed guarantee is a deprivation), decomposed by the
/// areas of `level` within `area`.
pub fn guarantee_mpi(
    engine: &Engine,
    eval: &Evaluation,
    area: &AreaCode,
    level: AreaLevel,
    spec: &MpiSpec,
) -> Result<GuaranteeMpi, MpiError> {
    let groups = by_child(engine, eval, area, level, |o| {
        (o.size > 0).then(|| Deprivations {
            weight: f64::from(o.size),
            deprived: Guarantee::ALL
                .iter()
                .map(|g| o.assessment.failed(*g))
                .collect(),
        })
    });
    let (total, groups) = decompose_mpi(&groups, spec)?;
    Ok(GuaranteeMpi {
        area: *area,
        spec: spec.clone(),
        total,
        groups,
    })
}
