//! The one way to build what the rules read about a household on a date ([`OwnedFacts::build`]).
//!
//! Every path that evaluates a household calls it: the engine (bulk load and incremental update), the
//! household page and API explanation, the workflow's risk-elimination check, the dashboard, the reports,
//! the Parquet export, what-if and the department comparison. So a figure cannot differ between them by
//! construction: the members are those born on or before the date, relocation housing counts from the year
//! of the move, the status is replayed up to the date, and department findings and assistance measures are
//! taken as they stood on the date.
//!
//! What the registry record does not hold comes in [`SideFacts`]: the dated department findings saved by
//! `department compare --save` and the household's assistance measures (帮扶措施) with their dates.

use chrono::{Datelike, Duration, NaiveDate};
use jingzhun_core::{DepartmentFact, DepartmentSignal, Household, IncomeRecord, StatusEvent, Yuan};

use crate::rules::{
    DepartmentFacts, HousingFacts, MemberFacts, OwnedFacts, StatusFacts, WaterFacts,
};

/// An assistance measure's dates (帮扶措施): started, and ended if it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureSpan {
    pub started: NaiveDate,
    pub ended: Option<NaiveDate>,
}

/// What is known about a household beyond its registry record: dated department findings and assistance
/// measures. Empty for a household nobody has compared or assisted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SideFacts {
    pub department: Vec<DepartmentFact>,
    pub measures: Vec<MeasureSpan>,
}

impl SideFacts {
    /// Nothing known beyond the record.
    pub const NONE: SideFacts = SideFacts {
        department: Vec::new(),
        measures: Vec::new(),
    };

    pub fn is_empty(&self) -> bool {
        self.department.is_empty() && self.measures.is_empty()
    }
}

/// Nothing known beyond the record, with a `'static` lifetime.
pub static NO_SIDE_FACTS: SideFacts = SideFacts::NONE;

/// One household as stored: the version in force on the date, all its status events, and its side facts.
#[derive(Debug, Clone, Copy)]
pub struct FactsSource<'a> {
    pub household: &'a Household,
    pub events: &'a [StatusEvent],
    pub side: &'a SideFacts,
}

/// Whether relocation housing counts in `year`: from the year of the move on.
pub fn relocated_by(household: &Household, year: u16) -> bool {
    household
        .relocation
        .as_ref()
        .is_some_and(|r| r.year <= year)
}

/// Whether a member is part of the household on `date` (born on or before it).
pub fn member_on(member: &jingzhun_core::Member, date: NaiveDate) -> bool {
    member.birth_date() <= date
}

/// Measures that ran at some time from the household's monitoring (`since`; all of them when it is not
/// monitored) up to `as_of`: the ones risk elimination counts.
pub fn measures_counted(
    measures: &[MeasureSpan],
    since: Option<NaiveDate>,
    as_of: NaiveDate,
) -> u16 {
    let n = measures
        .iter()
        .filter(|m| m.started <= as_of && since.is_none_or(|s| m.ended.is_none_or(|e| e >= s)))
        .count();
    u16::try_from(n).unwrap_or(u16::MAX)
}

/// The department findings of the twelve months up to `as_of` (for a year's end: that calendar year),
/// with the measures counted on `as_of`.
pub fn department_on(side: &SideFacts, status: &StatusFacts, as_of: NaiveDate) -> DepartmentFacts {
    let from = as_of
        .with_year(as_of.year() - 1)
        .unwrap_or(as_of - Duration::days(365));
    let mut d = DepartmentFacts {
        measures: measures_counted(&side.measures, status.monitored_since, as_of),
        ..DepartmentFacts::NONE
    };
    for f in side
        .department
        .iter()
        .filter(|f| f.date > from && f.date <= as_of)
    {
        let max = |v: &mut Yuan| *v = (*v).max(f.amount);
        match f.signal {
            DepartmentSignal::InpatientCost => max(&mut d.medical_inpatient_oop),
            DepartmentSignal::OutpatientCost => max(&mut d.outpatient_monthly_oop),
            DepartmentSignal::EducationCost => max(&mut d.education_oop),
            DepartmentSignal::Disaster => d.disaster = true,
            DepartmentSignal::Accident => d.accident = true,
            DepartmentSignal::JobLoss => d.job_loss = true,
        }
    }
    d
}

impl OwnedFacts {
    /// The facts of `src` for evaluating `year` as of `as_of` (any date, not only a year's end): members
    /// born by then, that year's income record, relocation from the year of the move, status replayed up
    /// to `as_of`, department findings of the twelve months up to it and the measures counted on it.
    pub fn build(src: FactsSource<'_>, year: u16, as_of: NaiveDate) -> Self {
        let h = src.household;
        let status = StatusFacts::from_events(src.events, as_of);
        OwnedFacts {
            members: h
                .members
                .iter()
                .filter(|m| member_on(m, as_of))
                .map(|m| MemberFacts::of(m, as_of))
                .collect(),
            year,
            as_of,
            income: h.income(year).map(|r: &IncomeRecord| *r.amounts()),
            food_clothing_secured: h.food_clothing_secured,
            housing: HousingFacts {
                grade: h.housing.grade,
                alternative: h.housing.safe_alternative,
                relocated: relocated_by(h, year),
            },
            water: WaterFacts {
                litres_per_person_day: h.water.litres_per_person_day,
                fetch_minutes: h.water.fetch_minutes,
                outage_days_per_year: h.water.outage_days_per_year,
                quality_ok: h.water.quality_ok,
                dry_area: h.water.dry_area,
            },
            department: department_on(src.side, &status, as_of),
            status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jingzhun_core::HouseholdId;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn measures_count_from_monitoring_to_the_date() {
        let m = |s: &str, e: Option<&str>| MeasureSpan {
            started: d(s),
            ended: e.map(d),
        };
        let list = [
            m("2021-03-01", Some("2021-05-01")),
            m("2021-06-01", None),
            m("2022-02-01", None),
        ];
        assert_eq!(measures_counted(&list, None, d("2021-12-31")), 2);
        assert_eq!(
            measures_counted(&list, Some(d("2021-05-02")), d("2021-12-31")),
            1
        );
        assert_eq!(
            measures_counted(&list, Some(d("2021-05-01")), d("2022-12-31")),
            3
        );
    }

    #[test]
    fn department_findings_of_the_twelve_months_up_to_the_date() {
        let f = |signal, date: &str, yuan| DepartmentFact {
            household: HouseholdId(1),
            signal,
            date: d(date),
            amount: Yuan::from_yuan(yuan),
        };
        let side = SideFacts {
            department: vec![
                f(DepartmentSignal::InpatientCost, "2022-12-31", 9_000),
                f(DepartmentSignal::InpatientCost, "2023-03-01", 6_000),
                f(DepartmentSignal::Disaster, "2024-01-01", 0),
            ],
            measures: Vec::new(),
        };
        let s = StatusFacts::NOT_REGISTERED;
        let y2023 = department_on(&side, &s, d("2023-12-31"));
        assert_eq!(y2023.medical_inpatient_oop, Yuan::from_yuan(6_000));
        assert!(!y2023.disaster);
        let mid = department_on(&side, &s, d("2023-06-30"));
        // The twelve months up to 30 June 2023 include the finding of 31 December 2022.
        assert_eq!(mid.medical_inpatient_oop, Yuan::from_yuan(9_000));
        let y2022 = department_on(&side, &s, d("2022-12-31"));
        assert_eq!(y2022.medical_inpatient_oop, Yuan::from_yuan(9_000));
        assert!(department_on(&side, &s, d("2024-06-30")).disaster);
    }
}
