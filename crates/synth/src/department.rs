//! Other departments' lists about one village's households (数据比对, domain.md §6): the dated findings
//! that `jingzhun department compare --save` keeps, derived from the generated households so that the
//! department-alert rules have something to read.
//!
//! The findings are drawn from the village's own random stream (seed + village code +
//! [`STREAM_DEPARTMENT`]), after the households: generating them changes no household and no other
//! record, and a village's findings do not depend on which other villages are generated, in which order
//! or on which thread. Households are named by number; the store's ids are given at load.
//!
//! What is generated, and the assumptions behind it (no source gives these rates: **all assumed**, orders
//! of magnitude only, in the way `monitoring` marks its channel mix):
//! - **Years**: 2021 onward ([`FIRST_YEAR`]), when department screening (部门筛查预警) is one of the
//!   monitoring mechanism's discovery channels (domain.md §6, §6b). Each department's list is exchanged
//!   quarterly (assumed), so a finding is dated at the end of the quarter of its event; nothing after
//!   [`crate::SynthConfig::data_end`].
//! - **医保 inpatient costs**: each member of the version in force on the list's date is hospitalised with
//!   a listed out-of-pocket cost at a yearly rate by health (serious illness [`INPATIENT_SERIOUS`],
//!   chronic illness or disability [`INPATIENT_CHRONIC`], others [`INPATIENT_OLD`] from 60 and
//!   [`INPATIENT_OTHER`] below); the cost is lognormal around a median by health. The list names only
//!   costs of at least [`INPATIENT_LIST_FLOOR`] (assumed). About half are above the lower alert threshold
//!   (5,000 yuan, for 脱贫户 and 监测对象) and a few percent above the higher one (20,000, for the
//!   一般农户 who are most households), so most listed households are not alerted. The floors keep the
//!   lists to what a comparison acts on (a first version with lower floors and rates wrote 795,000 rows
//!   at full scale and cost the demo's first run seconds).
//! - **医保 outpatient costs**: members with a chronic or serious illness, the largest monthly
//!   out-of-pocket cost of the year, listed from [`OUTPATIENT_LIST_FLOOR`] (threshold 500 a month).
//! - **教育 costs**: members in senior high school or secondary vocational school, out-of-pocket costs of
//!   the year (threshold: more than 10,000).
//! - **应急 disasters**: a village is hit in a year with [`DISASTER_VILLAGE`], a share of its households
//!   between 5% and 30% listed with losses.
//! - **公安 accidents**: working-age members (16–59), [`ACCIDENT`] a year.
//! - **人社 job loss**: members working away, [`JOB_LOSS`] a year, twice that in 2022 (the epidemic's
//!   last year of closures).
//!
//! Disasters, accidents and job losses carry no amount (the rules read them as flags), so every one is an
//! alert; the cost lists mostly are not.

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{
    DepartmentSignal, Health, Household, HouseholdNo, SchoolingStatus, WorkStatus, Yuan,
};

use crate::rng::{self, SynthRng};
use crate::{GeneratedHousehold, GeneratedVillage};

/// The department stream's tag (see `monitoring::STREAM_MONITORING`).
pub const STREAM_DEPARTMENT: u64 = 0x4445_5054; // "DEPT"

/// The first year with department lists.
pub const FIRST_YEAR: i32 = 2021;

/// Yearly rate of a listed hospital stay for a member with a serious illness (assumed).
pub const INPATIENT_SERIOUS: f64 = 0.30;
/// The same for chronic illness or disability (assumed).
pub const INPATIENT_CHRONIC: f64 = 0.05;
/// The same for other members from 60 (assumed).
pub const INPATIENT_OLD: f64 = 0.02;
/// The same for other members under 60 (assumed).
pub const INPATIENT_OTHER: f64 = 0.004;
/// The smallest inpatient out-of-pocket cost the list names, in yuan (assumed).
pub const INPATIENT_LIST_FLOOR: f64 = 3_000.0;
/// Yearly rate of a listed outpatient cost for a member with a chronic or serious illness (assumed).
pub const OUTPATIENT: f64 = 0.05;
/// The smallest monthly outpatient out-of-pocket cost the list names, in yuan (assumed).
pub const OUTPATIENT_LIST_FLOOR: f64 = 400.0;
/// Yearly rate of a listed cost for a member in senior high or secondary vocational school (assumed).
pub const EDUCATION: f64 = 0.08;
/// Yearly chance that a village is hit by a disaster with listed losses (assumed).
pub const DISASTER_VILLAGE: f64 = 0.01;
/// Yearly rate of an accident listed for a working-age member (assumed).
pub const ACCIDENT: f64 = 0.000_4;
/// Yearly rate of job loss listed for a member working away (assumed; doubled in 2022).
pub const JOB_LOSS: f64 = 0.002;

/// One finding about one household, named by its number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub household: HouseholdNo,
    pub signal: DepartmentSignal,
    pub date: NaiveDate,
    pub amount: Yuan,
}

/// The findings of `village`'s households from [`FIRST_YEAR`] to `data_end`, by household (in the
/// village's order), then date.
pub fn generate(seed: u64, data_end: NaiveDate, village: &GeneratedVillage) -> Vec<Finding> {
    let mut rng = rng::stream(seed, village.code.as_str(), STREAM_DEPARTMENT);
    let years: Vec<i32> = (FIRST_YEAR..=data_end.year()).collect();
    // Which years the village is hit, and how widely.
    let disasters: Vec<Option<f64>> = years
        .iter()
        .map(|_| rng::chance(&mut rng, DISASTER_VILLAGE).then(|| rng::between(&mut rng, 0.05, 0.3)))
        .collect();
    let mut out = Vec::new();
    for g in &village.households {
        let start = out.len();
        for (year, disaster) in years.iter().zip(&disasters) {
            household_year(&mut rng, g, *year, *disaster, data_end, &mut out);
        }
        out[start..].sort_by_key(|f| f.date);
    }
    out
}

/// The end of the quarter of a day drawn in `year`: the list that names the event.
fn quarter_end(rng: &mut SynthRng, year: i32) -> Option<NaiveDate> {
    let q = rng::int(rng, 1, 4) as u32;
    let next = if q == 4 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, q * 3 + 1, 1)
    }?;
    next.pred_opt()
}

fn household_year(
    rng: &mut SynthRng,
    g: &GeneratedHousehold,
    year: i32,
    disaster: Option<f64>,
    data_end: NaiveDate,
    out: &mut Vec<Finding>,
) {
    let mut push = |rng: &mut SynthRng, signal: DepartmentSignal, amount: f64| {
        let Some(date) = quarter_end(rng, year).filter(|d| *d <= data_end) else {
            return;
        };
        // The list names households on record on its date, with their members of that date.
        let Some(h) = g.as_of(date) else {
            return;
        };
        if h.members.is_empty() {
            return;
        }
        out.push(Finding {
            household: h.number.clone(),
            signal,
            date,
            amount: Yuan::from_fen((amount * 100.0).round() as i64),
        });
    };
    // The members as of mid-year decide the draws (deaths are versions).
    let Some(mid) = NaiveDate::from_ymd_opt(year, 6, 30) else {
        return;
    };
    let Some(h) = g.as_of(mid).or_else(|| g.versions().next().map(|(_, h)| h)) else {
        return;
    };
    members_year(rng, h, year, mid, &mut push);
    if let Some(share) = disaster {
        if rng::chance(rng, share) {
            push(rng, DepartmentSignal::Disaster, 0.0);
        }
    }
}

fn members_year(
    rng: &mut SynthRng,
    h: &Household,
    year: i32,
    mid: NaiveDate,
    push: &mut impl FnMut(&mut SynthRng, DepartmentSignal, f64),
) {
    for m in &h.members {
        if m.birth_date() > mid {
            continue;
        }
        let age = m.age_on(mid);
        // (yearly rate, median cost in yuan, sigma of its log)
        let inpatient = match m.health {
            Health::SeriousIllness => (INPATIENT_SERIOUS, 3_800.0, 0.9),
            Health::Chronic | Health::Disabled => (INPATIENT_CHRONIC, 2_400.0, 0.8),
            Health::Healthy if age >= 60 => (INPATIENT_OLD, 2_200.0, 0.8),
            Health::Healthy => (INPATIENT_OTHER, 2_000.0, 0.9),
        };
        if rng::chance(rng, inpatient.0) {
            let cost = inpatient.1 * (inpatient.2 * rng::normal(rng)).exp();
            if cost >= INPATIENT_LIST_FLOOR {
                push(rng, DepartmentSignal::InpatientCost, cost.round());
            }
        }
        if matches!(m.health, Health::SeriousIllness | Health::Chronic)
            && rng::chance(rng, OUTPATIENT)
        {
            let cost = 260.0 * (0.6 * rng::normal(rng)).exp();
            if cost >= OUTPATIENT_LIST_FLOOR {
                push(rng, DepartmentSignal::OutpatientCost, cost.round());
            }
        }
        if matches!(
            m.schooling,
            Some(SchoolingStatus::Senior | SchoolingStatus::SecondaryVocational)
        ) && rng::chance(rng, EDUCATION)
        {
            let cost = 5_000.0 * (0.5 * rng::normal(rng)).exp();
            push(rng, DepartmentSignal::EducationCost, cost.round());
        }
        if (16..60).contains(&age) && rng::chance(rng, ACCIDENT) {
            push(rng, DepartmentSignal::Accident, 0.0);
        }
        let job_loss = if year == 2022 {
            2.0 * JOB_LOSS
        } else {
            JOB_LOSS
        };
        if m.work_status != WorkStatus::NotMigrant && rng::chance(rng, job_loss) {
            push(rng, DepartmentSignal::JobLoss, 0.0);
        }
    }
}
