//! The headline figures of an area for a year, from the engine's evaluations.
//!
//! Everything here is computed from evaluations, never typed in: counts come from the engine's rollups,
//! village and county exits from its exit tests. Some figures need earlier years as well:
//!
//! - `counties_exited` counts counties whose exit test was met on the data of an earlier year's end (a county
//!   is approved to exit — 摘帽 — in the year after its figures qualify, as Bazhong's counties were);
//! - `lifted_people_cumulative` adds up the people of households whose exit took effect in each year since
//!   2014.
//!
//! So a [`SummarySeries`] is fed the evaluations of consecutive years, oldest first.

use std::collections::{BTreeMap, BTreeSet};

use jingzhun_core::{AreaCode, AreaLevel, MonitoringKind};
use jingzhun_engine::{Engine, Evaluation, Rollup};
use serde::Serialize;

/// The first year whose exits count towards `lifted_people_cumulative`.
pub const FIRST_EXIT_YEAR: u16 = 2014;

/// The machine-readable summary (`jingzhun report summary --format json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub area: AreaCode,
    pub area_name: String,
    pub year: u16,
    pub rural_population: i64,
    pub poor_households: i64,
    pub poor_people: i64,
    /// Registered poor people ÷ rural population, as a fraction.
    pub incidence: f64,
    /// Villages whose incidence does not meet the village exit threshold at the year's end.
    pub poor_villages: u32,
    /// Counties approved to exit by this year (cumulative).
    pub counties_exited: u32,
    pub lifted_people_cumulative: i64,
    /// Mean per-capita net income over everyone ever registered up to the year, in yuan.
    pub registered_poor_income_per_capita: Option<f64>,
    pub relocated_households: i64,
    pub relocated_people: i64,
    pub dibao_people: i64,
    /// 低保 recipients in households ever registered as poor.
    pub dibao_registered_poor_people: i64,
    pub monitored_households: i64,
    pub monitored_people: i64,
    /// Monitored households by kind, keyed by the kinds' stable codes.
    pub monitored_by_kind: BTreeMap<&'static str, i64>,
    /// People in households whose risk has been eliminated (cumulative, up to the year's end).
    pub risk_eliminated_people: i64,
    /// What was built, what it cost and who did the work (issue 15), read from the project records and
    /// the cadre table when the caller has them ([`crate::projects::ProjectDetails`]).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub projects: Option<crate::projects::ProjectFigures>,
    /// Where the figures come from.
    pub pack_version: String,
    pub as_of: chrono::NaiveDate,
}

/// What one year's evaluation contributes.
#[derive(Debug, Clone)]
struct Year {
    rollup: Rollup,
    poor_villages: u32,
    counties_meeting_exit: BTreeSet<AreaCode>,
    pack_version: String,
    as_of: chrono::NaiveDate,
}

/// Evaluations of consecutive years for one area.
#[derive(Debug, Clone)]
pub struct SummarySeries {
    area: AreaCode,
    area_name: String,
    years: BTreeMap<u16, Year>,
}

impl SummarySeries {
    pub fn new(area: AreaCode, area_name: impl Into<String>) -> Self {
        Self {
            area,
            area_name: area_name.into(),
            years: BTreeMap::new(),
        }
    }

    /// Adds the evaluation of the engine's year.
    pub fn add(&mut self, engine: &Engine, eval: &Evaluation) {
        let rollup = eval.rollup(&self.area).copied().unwrap_or_default();
        let within = |c: &AreaCode, level: AreaLevel| c.level() == level && self.area.contains(c);
        let codes = engine.areas().codes();
        let poor_villages = codes
            .iter()
            .filter(|c| within(c, AreaLevel::Village))
            .filter(|c| eval.rollup(c).is_some_and(|r| r.people > 0))
            .filter(|c| {
                engine
                    .village_exit(eval, c)
                    .is_some_and(|e| e.meets == Some(false))
            })
            .count() as u32;
        // Public approval is surveyed, not in the data: an unknown approval does not fail the test.
        let counties_meeting_exit = codes
            .iter()
            .filter(|c| within(c, AreaLevel::County))
            .filter(|c| eval.rollup(c).is_some_and(|r| r.people > 0))
            .filter(|c| {
                engine
                    .county_exit(eval, c, None)
                    .is_some_and(|e| e.meets != Some(false))
            })
            .copied()
            .collect();
        self.years.insert(
            eval.year,
            Year {
                rollup,
                poor_villages,
                counties_meeting_exit,
                pack_version: eval.pack_version.clone(),
                as_of: eval.as_of,
            },
        );
    }

    pub fn years(&self) -> impl Iterator<Item = u16> + '_ {
        self.years.keys().copied()
    }

    /// The summary of `year`, if it was added.
    pub fn summary(&self, year: u16) -> Option<Summary> {
        let y = self.years.get(&year)?;
        let r = &y.rollup;
        let exited_counties: BTreeSet<&AreaCode> = self
            .years
            .range(..year)
            .flat_map(|(_, e)| e.counties_meeting_exit.iter())
            .collect();
        let lifted = self
            .years
            .range(..=year)
            .filter(|(y, _)| **y >= FIRST_EXIT_YEAR)
            .map(|(_, e)| e.rollup.exited_in_year_people)
            .sum();
        let monitored_by_kind = MonitoringKind::ALL
            .iter()
            .map(|k| (k.code(), r.monitored_households[usize::from(k.index())]))
            .collect();
        Some(Summary {
            area: self.area,
            area_name: self.area_name.clone(),
            year,
            rural_population: r.people,
            poor_households: r.poor_households,
            poor_people: r.poor_people,
            incidence: if r.people > 0 {
                r.poor_people as f64 / r.people as f64
            } else {
                0.0
            },
            poor_villages: y.poor_villages,
            counties_exited: exited_counties.len() as u32,
            lifted_people_cumulative: lifted,
            registered_poor_income_per_capita: (r.ever_registered_income_people > 0).then(|| {
                r.ever_registered_income_sum_fen as f64
                    / r.ever_registered_income_people as f64
                    / 100.0
            }),
            relocated_households: r.relocated_households,
            relocated_people: r.relocated_people,
            dibao_people: r.dibao_people,
            dibao_registered_poor_people: r.dibao_ever_registered_people,
            monitored_households: r.monitored_households.iter().sum(),
            monitored_people: r.monitored_people,
            monitored_by_kind,
            risk_eliminated_people: r.risk_eliminated_people,
            projects: None,
            pack_version: y.pack_version.clone(),
            as_of: y.as_of,
        })
    }
}

/// A figure Bazhong published (Bazhong city government, January 2021), for comparison in the demo.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Published {
    pub year: u16,
    pub field: &'static str,
    pub label: &'static str,
    pub value: f64,
}

/// Bazhong's published figures that the summary reproduces.
pub const BAZHONG_PUBLISHED: &[Published] = &[
    Published {
        year: 2013,
        field: "poor_people",
        label: "建档立卡贫困人口",
        value: 494_300.0,
    },
    Published {
        year: 2013,
        field: "incidence",
        label: "贫困发生率",
        value: 0.163,
    },
    Published {
        year: 2013,
        field: "poor_villages",
        label: "贫困村",
        value: 699.0,
    },
    Published {
        year: 2013,
        field: "registered_poor_income_per_capita",
        label: "贫困人口人均纯收入(元)",
        value: 2_416.0,
    },
    Published {
        year: 2020,
        field: "lifted_people_cumulative",
        label: "2014 年以来累计脱贫人口",
        value: 499_000.0,
    },
    Published {
        year: 2020,
        field: "poor_people",
        label: "建档立卡贫困人口",
        value: 0.0,
    },
    Published {
        year: 2020,
        field: "poor_villages",
        label: "贫困村",
        value: 0.0,
    },
    Published {
        year: 2020,
        field: "counties_exited",
        label: "摘帽县(累计)",
        value: 5.0,
    },
    Published {
        year: 2020,
        field: "registered_poor_income_per_capita",
        label: "贫困人口人均纯收入(元)",
        value: 10_501.0,
    },
    Published {
        year: 2020,
        field: "relocated_households",
        label: "易地扶贫搬迁户数",
        value: 53_000.0,
    },
    Published {
        year: 2020,
        field: "relocated_people",
        label: "易地扶贫搬迁人数",
        value: 189_000.0,
    },
    Published {
        year: 2020,
        field: "dibao_people",
        label: "农村低保对象",
        value: 338_200.0,
    },
    Published {
        year: 2020,
        field: "dibao_registered_poor_people",
        label: "其中建档立卡贫困人口",
        value: 161_600.0,
    },
];

impl Summary {
    /// A field of the summary by its JSON name, as a number.
    pub fn get(&self, field: &str) -> Option<f64> {
        let value = serde_json::to_value(self).ok()?;
        value.get(field)?.as_f64()
    }
}
