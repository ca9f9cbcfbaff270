//! Generated registry → evaluation engine → summary series: the figures as the product computes them.
//!
//! One engine per year 2013–2020 (the years the published figures and the exits need), each loaded with
//! every generated household as the store would hold it (the version in force at the year's end), evaluated under
//! the built-in policy pack and added to a [`SummarySeries`] of the city and one of each county.

use chrono::NaiveDate;
use jingzhun_core::{AreaCode, AreaLevel, AreaTree, HouseholdId};
use jingzhun_engine::{Engine, HouseholdInput, Rollup};
use jingzhun_policy::PolicyPack;
use jingzhun_report::summary::SummarySeries;
use jingzhun_synth::{GeneratedVillage, Generator};
use rayon::prelude::*;

/// The evaluated years: 2013 (the registration), the exits of 2014–2020, 2020 (the end of the campaign).
pub const FIRST_YEAR: u16 = 2013;
pub const LAST_YEAR: u16 = 2020;

fn year_end(year: u16) -> NaiveDate {
    NaiveDate::from_ymd_opt(i32::from(year), 12, 31).unwrap_or_default()
}

/// The summary series of the generator's area (a city) and of each of its counties.
pub struct Series {
    pub area: SummarySeries,
    /// The area's rollup of each evaluated year (for counts the summary does not show).
    pub rollups: Vec<(u16, Rollup)>,
    pub counties: Vec<(AreaCode, SummarySeries)>,
}

/// Generates `generator`'s registry once, loads it into one engine per year and evaluates every year.
/// `each` sees every generated village (e.g. to run the generator's own recount alongside).
pub fn evaluate(
    tree: &AreaTree,
    generator: &Generator,
    each: &mut dyn FnMut(&GeneratedVillage),
) -> Result<Series, String> {
    let mut engines: Vec<Engine> = (FIRST_YEAR..=LAST_YEAR)
        .map(|y| Engine::new(tree, y, year_end(y)))
        .collect();
    let mut next_id = 0i64;
    for village in generator.par_iter(32) {
        let village = village.map_err(|e| e.to_string())?;
        each(&village);
        let first = next_id;
        next_id += village.households.len() as i64;
        engines.par_iter_mut().for_each(|engine| {
            for (k, h) in village.households.iter().enumerate() {
                // The version in force at the engine's date, as the store's as-of read picks it.
                if let Some(record) = h.as_of(engine.as_of()) {
                    engine.insert(HouseholdInput::from((
                        HouseholdId(first + k as i64),
                        record,
                        h.events.as_slice(),
                    )));
                }
            }
        });
    }
    let area = generator.config().area;
    let name = |code: &AreaCode| tree.get(code).map(|a| a.name.clone()).unwrap_or_default();
    let mut series = Series {
        area: SummarySeries::new(area, name(&area)),
        rollups: Vec::new(),
        counties: tree
            .within_at_level(&area, AreaLevel::County)
            .map(|c| (c.code, SummarySeries::new(c.code, c.name.clone())))
            .collect(),
    };
    let pack = PolicyPack::builtin();
    for engine in &engines {
        let eval = engine.evaluate(&pack).map_err(|e| e.to_string())?;
        series.area.add(engine, &eval);
        series.rollups.push((
            engine.year(),
            eval.rollup(&area).copied().unwrap_or_default(),
        ));
        for (_, s) in series.counties.iter_mut() {
            s.add(engine, &eval);
        }
    }
    Ok(series)
}

/// How a figure is compared with its target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// A count of people or households; scales with the generator's scale. `group` is an upper bound of
    /// the mean number counted per household (people per household for people counts, 1 for household
    /// counts), for the sampling error.
    Count { group: f64 },
    /// A rate of two counts (incidence); does not scale.
    Rate { group: f64 },
    /// Per-capita income in yuan: ±2% at any scale.
    Income,
    /// Exact at any scale up to 1 (poor villages, counties, the empty end-2020 registry).
    Exact,
}

/// One published figure (domain.md §1) as the summary names it.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub year: u16,
    pub field: &'static str,
    pub label: &'static str,
    pub value: f64,
    pub kind: Kind,
}

const fn t(year: u16, field: &'static str, label: &'static str, value: f64, kind: Kind) -> Target {
    Target {
        year,
        field,
        label,
        value,
        kind,
    }
}

/// Bazhong's published figures, with how each is checked. The 2013 rural population is the incidence's
/// denominator (494,300 ÷ 16.3%), not itself published.
pub const TARGETS: &[Target] = &[
    t(
        2013,
        "rural_population",
        "rural population (494,300 / 16.3%)",
        3_030_000.0,
        Kind::Count { group: 3.0 },
    ),
    t(
        2013,
        "poor_people",
        "registered poor people",
        494_300.0,
        Kind::Count { group: 3.0 },
    ),
    t(
        2013,
        "incidence",
        "incidence",
        0.163,
        Kind::Rate { group: 3.0 },
    ),
    t(
        2013,
        "poor_villages",
        "poor villages (fail village exit test)",
        699.0,
        Kind::Exact,
    ),
    t(
        2013,
        "registered_poor_income_per_capita",
        "ever-registered income per capita",
        2_416.0,
        Kind::Income,
    ),
    t(
        2020,
        "poor_people",
        "registered poor people",
        0.0,
        Kind::Exact,
    ),
    t(
        2020,
        "poor_villages",
        "poor villages (fail village exit test)",
        0.0,
        Kind::Exact,
    ),
    t(
        2020,
        "counties_exited",
        "counties exited (cumulative)",
        5.0,
        Kind::Exact,
    ),
    t(
        2020,
        "lifted_people_cumulative",
        "lifted since 2014 (people)",
        499_000.0,
        Kind::Count { group: 3.0 },
    ),
    t(
        2020,
        "registered_poor_income_per_capita",
        "ever-registered income per capita",
        10_501.0,
        Kind::Income,
    ),
    t(
        2020,
        "relocated_households",
        "relocated households",
        53_000.0,
        Kind::Count { group: 1.0 },
    ),
    t(
        2020,
        "relocated_people",
        "relocated people",
        189_000.0,
        Kind::Count { group: 3.6 },
    ),
    t(
        2020,
        "dibao_people",
        "低保 recipients",
        338_200.0,
        Kind::Count { group: 2.5 },
    ),
    t(
        2020,
        "dibao_registered_poor_people",
        "低保 recipients, ever registered",
        161_600.0,
        Kind::Count { group: 2.5 },
    ),
];

/// Relative tolerance of a count of expected size `expected` made of households counting `group` each on
/// average: the full-scale tolerance (1%) or three standard errors, whichever is larger. The standard error
/// treats the households as drawn independently (Poisson), which overstates it for the generator's quota
/// fills: relative SE = sqrt((1 + cv²) · group / expected), with cv = 0.63 (an upper bound of the
/// coefficient of variation of household sizes, 1 to 7 people), so 1 + cv² = 1.4.
pub fn count_tolerance(expected: f64, group: f64) -> f64 {
    let se = (1.4 * group / expected.max(1.0)).sqrt();
    (3.0 * se).max(0.01)
}

/// The expected value at `scale` and the allowed absolute deviation.
pub fn expectation(target: &Target, scale: f64) -> (f64, f64) {
    match target.kind {
        Kind::Count { group } => {
            let expected = target.value * scale;
            (expected, expected * count_tolerance(expected, group))
        }
        Kind::Rate { group } => {
            // The published rate is rounded to 0.1 point; the poor count's sampling error carries over.
            let poor = 494_300.0 * scale;
            (
                target.value,
                0.0005 + target.value * count_tolerance(poor, group),
            )
        }
        Kind::Income => (target.value, target.value * 0.02),
        Kind::Exact => (target.value, 0.0),
    }
}

/// The year each Bazhong county's exit was approved (published, domain.md §1).
pub fn approval_year(county: &AreaCode) -> Option<u16> {
    jingzhun_synth::calibration::BAZHONG_COUNTIES
        .iter()
        .find(|c| c.code == county.as_str())
        .map(|c| c.approval_year)
}
