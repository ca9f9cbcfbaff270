//! Calibration self-check: recomputes the published figures from the generated stream alone (household
//! records and status events, plus the poor-village flag the generator reports per village).
//!
//! This is a deliberately simple recount — the authoritative evaluation goes through the engine (the crate's
//! integration tests and the `engine_calibration` example compare the two) — but it counts the way the engine
//! does, so that it can be used to tune the generator quickly. Definitions:
//! - people at the end of year Y: members born on or before Y-12-31 (the engine leaves out later births);
//! - "registered poor at end 2013": status *Poor* on the initial registration date, 2013-12-31 (see
//!   [`crate::calibration::INITIAL_REGISTRATION`]); at the end of year Y: status *Poor* on Y-12-31;
//! - incidence: those people ÷ all generated rural people of the area at the same date;
//! - per-capita net income of a group: Σ household net income (all components counted) ÷ Σ household size of
//!   the year;
//! - lifted people: the people of households whose exit takes effect in 2014…2020, counted at the end of the
//!   exit year;
//! - poor villages: villages whose end-2013 incidence is not below the village exit threshold (3%);
//! - a county's exit (approval) year: the first year Y whose previous year-end incidence is below 3%.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{AreaCode, HouseholdStatus, MonitoringKind, SocialAssistance, StatusEventKind};

use crate::calibration::{self as cal, target};
use crate::{GeneratedHousehold, GeneratedVillage};

fn year_end(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default()
}

/// Per-county counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CountyFigures {
    /// People at the end of 2013 … 2020.
    pub people: [f64; 8],
    /// Registered poor people at the initial registration (index 0, "end 2013") and at the end of 2014…2020.
    pub poor: [f64; 8],
}

impl CountyFigures {
    /// Incidence in percent at the end of `year` (2013 = the initial registration).
    pub fn incidence(&self, year: u16) -> f64 {
        let i = usize::from(year.clamp(2013, 2020) - 2013);
        if self.people[i] > 0.0 {
            100.0 * self.poor[i] / self.people[i]
        } else {
            0.0
        }
    }

    /// First year whose previous year-end incidence is below the exit threshold.
    pub fn approval_year(&self) -> Option<u16> {
        (2014..=2021).find(|y| self.incidence(y - 1) < target::COUNTY_EXIT_INCIDENCE)
    }
}

/// The figures recomputed from a generated stream.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CalibrationFigures {
    pub villages: usize,
    /// Designated poor villages (the generator's flag).
    pub poor_villages: usize,
    /// Villages whose end-2013 incidence is not below the village exit threshold (what the engine counts).
    pub poor_villages_by_incidence: usize,
    /// Villages whose incidence disagrees with their designation: a designated poor village below 3% at the
    /// end of 2013, or another village at or above 3% at the end of any year 2013–2020.
    pub misclassified_villages: usize,
    pub households: usize,
    /// People at the end of 2013 (born by then) and at the end of 2020.
    pub people: f64,
    pub people_2020: f64,
    pub poor_people_2013: f64,
    /// People whose household exited in 2014, …, 2020.
    pub exits_by_year: [f64; 7],
    pub poor_people_end_2020: f64,
    pub poor_income_2013: f64,
    pub poor_income_2020: f64,
    pub rural_income_2013: f64,
    pub rural_income_2019: f64,
    pub relocated_households: usize,
    pub relocated_people: f64,
    pub dibao_people: f64,
    pub dibao_registered_poor: f64,
    pub tekun_people: f64,
    /// Households identified for monitoring 2021–2025, by kind (unstable, marginal, sudden hardship).
    pub monitored: [usize; 3],
    pub risk_eliminated: usize,
    pub returned: usize,
    pub counties: BTreeMap<AreaCode, CountyFigures>,
    pub injected_defects: usize,
}

impl CalibrationFigures {
    pub fn incidence_2013(&self) -> f64 {
        if self.people > 0.0 {
            100.0 * self.poor_people_2013 / self.people
        } else {
            0.0
        }
    }

    pub fn exited_2014_2020(&self) -> f64 {
        self.exits_by_year.iter().sum()
    }
}

/// Accumulates figures village by village; cheap enough to run alongside generation at full scale.
#[derive(Debug, Clone, Default)]
pub struct Calibration {
    f: CalibrationFigures,
    poor_income_2013: (f64, f64),
    poor_income_2020: (f64, f64),
    rural_2013: (f64, f64),
    rural_2019: (f64, f64),
}

/// The version in force at the end of `year` (the first one before it took effect).
fn at_end_of(g: &GeneratedHousehold, year: u16) -> &jingzhun_core::Household {
    g.as_of(year_end(i32::from(year))).unwrap_or(&g.household)
}

/// Members born by the end of `year` in the version in force then (what the engine keeps in an evaluation
/// as of that date).
fn size_at_end_of(g: &GeneratedHousehold, year: u16) -> f64 {
    at_end_of(g, year)
        .members
        .iter()
        .filter(|m| m.birth_date().year() <= i32::from(year))
        .count() as f64
}

fn net(h: &jingzhun_core::Household, year: u16) -> Option<f64> {
    h.income(year).map(|r| r.net(|_| true).as_f64())
}

impl Calibration {
    pub fn add_village(&mut self, village: &GeneratedVillage) {
        self.f.villages += 1;
        if village.poor_village {
            self.f.poor_villages += 1;
        }
        let mut people = [0.0; 8];
        let mut poor = [0.0; 8];
        for h in &village.households {
            self.add_household(village.county, h);
            for (k, year) in (2013..=2020u16).enumerate() {
                let n = size_at_end_of(h, year);
                people[k] += n;
                if HouseholdStatus::on(&h.events, year_end(i32::from(year))).is_registered_poor() {
                    poor[k] += n;
                }
            }
        }
        let at_or_above = |k: usize| cal::at_or_above_village_exit(poor[k], people[k]);
        if at_or_above(0) {
            self.f.poor_villages_by_incidence += 1;
        }
        let wrong = if village.poor_village {
            !at_or_above(0)
        } else {
            (0..8).any(at_or_above)
        };
        if wrong {
            self.f.misclassified_villages += 1;
        }
    }

    fn add_household(&mut self, county: AreaCode, g: &GeneratedHousehold) {
        let h = &g.household;
        let n = size_at_end_of(g, 2013);
        let n2020 = size_at_end_of(g, 2020);
        let f = &mut self.f;
        f.households += 1;
        f.people += n;
        f.people_2020 += n2020;
        f.injected_defects += g.defects.len();
        let c = f.counties.entry(county).or_default();
        for (k, year) in (2013..=2020).enumerate() {
            c.people[k] += size_at_end_of(g, year);
        }
        let initial = HouseholdStatus::on(&g.events, cal::date(cal::INITIAL_REGISTRATION));
        if initial.is_registered_poor() {
            f.poor_people_2013 += n;
            c.poor[0] += n;
            if let Some(y) = net(h, 2013) {
                self.poor_income_2013.0 += y;
                self.poor_income_2013.1 += n;
            }
        }
        for year in 2014..=2020 {
            if HouseholdStatus::on(&g.events, year_end(year)).is_registered_poor() {
                c.poor[(year - 2013) as usize] += size_at_end_of(g, year as u16);
            }
        }
        let end_2020 = HouseholdStatus::on(&g.events, year_end(2020));
        if end_2020.is_registered_poor() {
            f.poor_people_end_2020 += n2020;
        }
        if end_2020.ever_registered {
            if let Some(y) = net(h, 2020) {
                self.poor_income_2020.0 += y;
                self.poor_income_2020.1 += n2020;
            }
        }
        // First exit of the campaign years.
        if let Some(e) = g
            .events
            .iter()
            .find(|e| e.kind == StatusEventKind::Exited && e.effective.year() <= 2020)
        {
            let y = e.effective.year();
            if (2014..=2020).contains(&y) {
                f.exits_by_year[(y - 2014) as usize] += size_at_end_of(g, y as u16);
            }
        }
        if let Some(y) = net(h, 2013) {
            self.rural_2013.0 += y;
            self.rural_2013.1 += n;
        }
        if let Some(y) = net(h, 2019) {
            self.rural_2019.0 += y;
            self.rural_2019.1 += size_at_end_of(g, 2019);
        }
        let h2020 = at_end_of(g, 2020);
        if h2020.relocation.as_ref().is_some_and(|r| r.year <= 2020) {
            f.relocated_households += 1;
            f.relocated_people += n2020;
        }
        // 2020 figures: every member of the record is born by 2020-12-31.
        for m in &h2020.members {
            match m.social_assistance {
                SocialAssistance::Dibao => {
                    f.dibao_people += 1.0;
                    if end_2020.ever_registered {
                        f.dibao_registered_poor += 1.0;
                    }
                }
                SocialAssistance::Tekun => f.tekun_people += 1.0,
                SocialAssistance::NoAssistance => {}
            }
        }
        for e in &g.events {
            match e.kind {
                StatusEventKind::Monitored => match e.monitoring_kind {
                    Some(MonitoringKind::Unstable) => f.monitored[0] += 1,
                    Some(MonitoringKind::Marginal) => f.monitored[1] += 1,
                    Some(MonitoringKind::SuddenHardship) => f.monitored[2] += 1,
                    None => {}
                },
                StatusEventKind::RiskEliminated => f.risk_eliminated += 1,
                StatusEventKind::Returned => f.returned += 1,
                _ => {}
            }
        }
    }

    /// The figures so far.
    pub fn figures(&self) -> CalibrationFigures {
        let ratio = |(a, b): (f64, f64)| if b > 0.0 { a / b } else { 0.0 };
        let mut f = self.f.clone();
        f.poor_income_2013 = ratio(self.poor_income_2013);
        f.poor_income_2020 = ratio(self.poor_income_2020);
        f.rural_income_2013 = ratio(self.rural_2013);
        f.rural_income_2019 = ratio(self.rural_2019);
        f
    }
}

/// A report of figures against the published targets at a scale.
pub struct Report<'a> {
    pub figures: &'a CalibrationFigures,
    pub scale: f64,
}

impl CalibrationFigures {
    /// Shows the figures next to the targets scaled by `scale` (counts of people and households scale; rates,
    /// incomes and — at scales up to 1 — the number of poor villages do not).
    pub fn report(&self, scale: f64) -> Report<'_> {
        Report {
            figures: self,
            scale,
        }
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        let f = self.figures;
        let s = self.scale;
        let row = |out: &mut fmt::Formatter<'_>, name: &str, got: f64, want: f64| {
            let dev = if want != 0.0 {
                format!("{:+.1}%", 100.0 * (got - want) / want)
            } else {
                String::new()
            };
            writeln!(out, "{name:<44} {got:>14.1} {want:>14.1} {dev:>8}")
        };
        writeln!(
            out,
            "targets: Bazhong (5119) published figures, counts × scale {s} (meaningful for the area 5119 only)"
        )?;
        writeln!(
            out,
            "{:<44} {:>14} {:>14} {:>8}",
            "figure", "generated", "target", "dev"
        )?;
        row(out, "villages (rural)", f.villages as f64, f64::NAN)?;
        row(
            out,
            "poor villages",
            f.poor_villages as f64,
            target::POOR_VILLAGES as f64,
        )?;
        row(
            out,
            "poor villages by incidence (end 2013)",
            f.poor_villages_by_incidence as f64,
            target::POOR_VILLAGES as f64,
        )?;
        row(
            out,
            "villages misclassified by incidence",
            f.misclassified_villages as f64,
            0.0,
        )?;
        row(out, "households", f.households as f64, f64::NAN)?;
        row(
            out,
            "rural population, end 2013",
            f.people,
            target::RURAL_POPULATION * s,
        )?;
        row(out, "rural population, end 2020", f.people_2020, f64::NAN)?;
        row(
            out,
            "registered poor, end 2013",
            f.poor_people_2013,
            target::POOR_PEOPLE_2013 * s,
        )?;
        row(
            out,
            "incidence 2013 (%)",
            f.incidence_2013(),
            target::INCIDENCE_2013,
        )?;
        row(
            out,
            "lifted out 2014-2020",
            f.exited_2014_2020(),
            target::EXITED_PEOPLE_2014_2020 * s,
        )?;
        for (i, e) in f.exits_by_year.iter().enumerate() {
            row(out, &format!("  exited in {}", 2014 + i), *e, f64::NAN)?;
        }
        row(
            out,
            "registered poor left end 2020",
            f.poor_people_end_2020,
            0.0,
        )?;
        row(
            out,
            "poor per-capita net income 2013",
            f.poor_income_2013,
            target::POOR_INCOME_2013,
        )?;
        row(
            out,
            "poor per-capita net income 2020",
            f.poor_income_2020,
            target::POOR_INCOME_2020,
        )?;
        row(
            out,
            "rural per-capita income 2013 (assumed)",
            f.rural_income_2013,
            target::RURAL_INCOME_2013,
        )?;
        row(
            out,
            "rural per-capita income 2019",
            f.rural_income_2019,
            target::RURAL_INCOME_2019,
        )?;
        row(
            out,
            "relocated households",
            f.relocated_households as f64,
            target::RELOCATED_HOUSEHOLDS * s,
        )?;
        row(
            out,
            "relocated people",
            f.relocated_people,
            target::RELOCATED_PEOPLE * s,
        )?;
        row(out, "低保 people", f.dibao_people, target::DIBAO_PEOPLE * s)?;
        row(
            out,
            "低保 people, registered poor",
            f.dibao_registered_poor,
            target::DIBAO_REGISTERED_POOR * s,
        )?;
        row(out, "特困 people", f.tekun_people, f64::NAN)?;
        row(out, "monitored: unstable", f.monitored[0] as f64, f64::NAN)?;
        row(out, "monitored: marginal", f.monitored[1] as f64, f64::NAN)?;
        row(
            out,
            "monitored: sudden hardship",
            f.monitored[2] as f64,
            f64::NAN,
        )?;
        row(out, "risk eliminated", f.risk_eliminated as f64, f64::NAN)?;
        row(out, "returned to poverty", f.returned as f64, f64::NAN)?;
        row(out, "injected defects", f.injected_defects as f64, f64::NAN)?;
        for (code, c) in &f.counties {
            let path: Vec<String> = (2013..=2020)
                .map(|y| format!("{:.1}", c.incidence(y)))
                .collect();
            writeln!(
                out,
                "county {code}: people end 2013 {:.0}, incidence end 2013..2020 [{}], exit approved {}",
                c.people[0],
                path.join(" "),
                c.approval_year().map(|y| y.to_string()).unwrap_or_default()
            )?;
        }
        Ok(())
    }
}
