//! Every calibration target and every modelling assumption of the generator, in one place.
//!
//! Each published target cites its source (`/work/shared/domain.md` §1, Bazhong city government, Jan 2021)
//! and says how the generator hits it. Values marked *assumption* are not published anywhere we know of; they
//! are chosen to be plausible and to make the published figures come out, and may be changed freely.
//! Figures are at `scale = 1.0`; people and household counts scale linearly with `scale`.

use chrono::NaiveDate;

/// The date the household records describe (ages, schooling, 低保, housing). *Assumption*: the registry as
/// finalised at the end of the poverty campaign; membership is static over 2013–2025 except for births (no
/// deaths or moves). The engine leaves out members born after the evaluation date, so a household's size in
/// year Y is its members born by the end of Y, and every target is calibrated on that count: the end-2013
/// population and poor stock count members born by 2013-12-31, incomes are per capita over the members of the
/// income year (`income::records` makes the household total = per-capita path × that count), lifted people
/// count a household's members at the end of its exit year, and the 2020 figures (relocation, 低保) count
/// everyone.
///
/// Known limitation: the record is this one snapshot, so statuses that change with time are stale in other
/// years. Schooling is the visible case: a member recorded "not in school" at 20 in 2020 was 14 in 2014, so
/// an evaluation of 2014 sees a compulsory-age dropout (and a child under 6 in 2020 has no schooling status
/// when evaluated for 2021–2025). Registered households are generated so that their exit years evaluate
/// cleanly (`village::keep_in_school`), but never-registered households are not: evaluations of years other
/// than 2020 propose more (guarantee failures, omission suspects) than the data would warrant. Decisions
/// (status events) and every calibrated figure are unaffected. Fixing it needs a record per year (versions),
/// which the generator does not emit.
pub const RECORD_DATE: (i32, u32, u32) = (2020, 12, 31);

/// Effective date of the initial registration (建档立卡). The registration work took place in 2014 (the
/// event's note says so) but it recorded the poor as of the end of 2013 — the published "registered poor
/// population, end 2013". The event is therefore effective on 2013-12-31, so that an evaluation as of the end
/// of 2013 (year 2013, date 2013-12-31) sees exactly that stock, and one as of any day of 2014 before the first
/// exits sees it too. (With an effective date in 2014 an "as of end 2013" evaluation would find nobody.)
pub const INITIAL_REGISTRATION: (i32, u32, u32) = (2013, 12, 31);

/// A `(year, month, day)` constant as a date.
pub fn date(ymd: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(ymd.0, ymd.1, ymd.2).unwrap_or_default()
}

/// First and last income year generated.
///
/// The last year is fixed: the yearly tables below (monitoring thresholds, 低保 standards, pensions, income
/// growth) and the built-in policy pack run to 2026, so a run cannot follow a later clock into 2027. The
/// day the data ends within that year is [`crate::SynthConfig::data_end`], between [`EARLIEST_DATA_END`]
/// and [`LATEST_DATA_END`].
pub const FIRST_YEAR: u16 = 2013;
pub const LAST_YEAR: u16 = 2026;
pub const YEARS: usize = (LAST_YEAR - FIRST_YEAR + 1) as usize;

/// The latest day the generated data may end on, and the default data end (reproducible output for tests
/// and snapshots): the last day of [`LAST_YEAR`]. `jingzhun demo` ends its data on today's China date,
/// never later than this: run in 2027 it still ends on 2026-12-31 (nothing is generated for 2027, and the
/// cases open at that end are then older than their time limit when judged on the real date).
pub const LATEST_DATA_END: (i32, u32, u32) = (LAST_YEAR as i32, 12, 31);

/// The earliest day the generated data may end on: the first day of [`LAST_YEAR`]. The economy's series
/// (2019–2025), the project library (2014–2025) and the monitoring identifications (2021–2025, see
/// [`MONITOR_YEARS`]) are complete years before it; what is cut at the data end is the last year's
/// decisions, household versions and the monitoring records (see `SynthConfig::data_end`).
pub const EARLIEST_DATA_END: (i32, u32, u32) = (LAST_YEAR as i32, 1, 1);

/// National poverty line in current yuan per person per year, 2013–2020 (domain.md §4; 2015, 2019 and 2020
/// official or near-official, the other years \[weak\]). Exits happen in the first year a household's per-capita
/// net income is at or above the line of that year; before that it is below the line of each year.
pub const POVERTY_LINE: [(u16, i64); 8] = [
    (2013, 2_736),
    (2014, 2_800),
    (2015, 2_855),
    (2016, 2_952),
    (2017, 2_952),
    (2018, 2_995),
    (2019, 3_218),
    (2020, 4_000),
];

/// The line of `year`; after 2020 *assumption*: 4,000 growing 3% a year (only used for the few returns).
pub fn poverty_line(year: u16) -> f64 {
    POVERTY_LINE
        .iter()
        .find(|(y, _)| *y == year)
        .map(|(_, v)| *v as f64)
        .unwrap_or_else(|| 4_000.0 * 1.03f64.powi(i32::from(year.saturating_sub(2020))))
}

/// Upper bound of the monitoring range (监测范围), yuan per person per year. 2020 (about 1.5× the line) and
/// 2021: 6,000 (domain.md §6, official). 2022–2025: *assumption* — Sichuan's figures are not public in our sources; the values rise
/// 5–7% a year and are the same as the project's Sichuan policy pack (`policy/sichuan.toml`, itself marked
/// as assumed), so that the generated monitoring agrees with the evaluation.
pub const MONITORING_THRESHOLD: [(u16, i64); 7] = [
    (2020, 6_000),
    (2021, 6_000),
    (2022, 6_400),
    (2023, 6_700),
    (2024, 7_100),
    (2025, 7_600),
    (2026, 8_000),
];

pub fn monitoring_threshold(year: u16) -> f64 {
    MONITORING_THRESHOLD
        .iter()
        .find(|(y, _)| *y == year)
        .map(|(_, v)| *v as f64)
        .unwrap_or(6_000.0)
}

/// Code of the calibrated city, 巴中市.
pub const BAZHONG: &str = "5119";

/// Published targets for Bazhong at scale 1 (domain.md §1). Each is hit as the evaluation engine computes it
/// (`jingzhun-report`'s `SummarySeries` over one engine evaluation per year, built-in policy pack): people
/// are members born by the evaluation date (see [`crate::calibration::RECORD_DATE`]). The crate's integration tests check
/// every figure through the engine at scale 0.05; `examples/engine_calibration.rs` does it at scale 1.
pub mod target {
    /// Rural registered population at the end of 2013: 494,300 ÷ 16.3% ≈ 3.03 million. Hit by distributing
    /// [`super::BAZHONG_COUNTIES`]' populations over the villages and filling each village with households
    /// until its head count of members born by 2013-12-31 is reached. (Later births make the end-2020
    /// population about 8% larger; no figure for it is published.)
    pub const RURAL_POPULATION: f64 = 3_030_000.0;
    /// Registered poor people at end 2013 (members born by then). Hit by a people quota per village (a low
    /// incidence, [`super::NON_POOR_VILLAGE_INCIDENCE`], in villages that are not designated poor villages; the
    /// rest of the county's total spread over its poor villages by population), filled with the most
    /// vulnerable households first.
    pub const POOR_PEOPLE_2013: f64 = 494_300.0;
    /// Poverty incidence at end 2013, percent.
    pub const INCIDENCE_2013: f64 = 16.3;
    /// Registered poor villages (贫困村), all exited by 2020. The engine counts villages whose incidence is
    /// not below the village exit threshold ([`super::VILLAGE_EXIT_INCIDENCE`]). Hit exactly: per-county
    /// counts in [`super::BAZHONG_COUNTIES`], chosen by seeded shuffle, are at or above the threshold at the
    /// end of 2013, and every other village stays below it in every year.
    pub const POOR_VILLAGES: usize = 699;
    /// People lifted out 2014–2020: the people of households whose exit takes effect in each year, counted at
    /// that year's end — the 2013 stock, its births before the exits, and households added by yearly dynamic
    /// adjustment, all of whom exit by 2020. Hit per village by [`super::LIFTED_PER_STOCK`].
    pub const EXITED_PEOPLE_2014_2020: f64 = 499_000.0;
    /// Per-capita net income of registered poor in 2013 (person-weighted over the members born by the end of
    /// 2013, those registered at end 2013). Hit
    /// by drawing each poor household's 2013 income as the line minus a gap of mean
    /// [`super::POOR_2013_GAP_MEAN`].
    pub const POOR_INCOME_2013: f64 = 2_416.0;
    /// Per-capita net income in 2020 of the registered poor (everyone ever registered up to 2020, all exited
    /// by then). Hit by drawing the 2020 income around this mean, slightly higher for early exits.
    pub const POOR_INCOME_2020: f64 = 10_501.0;
    /// Rural per-capita disposable income 2012 (published) and 2019 (published). The generator starts in
    /// 2013; its all-rural 2013 mean aims at 2012 × 1.12 (*assumption*: the 2013 growth rate).
    pub const RURAL_INCOME_2012: f64 = 6_416.0;
    pub const RURAL_INCOME_2013: f64 = 6_416.0 * 1.12;
    pub const RURAL_INCOME_2019: f64 = 13_232.0;
    /// Poverty relocation (易地扶贫搬迁), as of 2020 (all members). Hit by a per-household probability, higher
    /// for poor households in poor villages and for larger households (the published mean size, 3.57, is
    /// above the average).
    pub const RELOCATED_HOUSEHOLDS: f64 = 53_000.0;
    pub const RELOCATED_PEOPLE: f64 = 189_000.0;
    /// Rural 低保 recipients in 2020 and, of them, registered poor (in households ever registered by the end of
    /// 2020). Hit by per-household
    /// probabilities of being a 低保 household, then flagging all or some of its members.
    pub const DIBAO_PEOPLE: f64 = 338_200.0;
    pub const DIBAO_REGISTERED_POOR: f64 = 161_600.0;
    /// A county exits (摘帽) in year Y when its incidence at the end of Y−1 is below this (percent; 3% in
    /// western provinces, domain.md §4) — the approval follows the year the incidence fell.
    pub const COUNTY_EXIT_INCIDENCE: f64 = 3.0;
}

/// One Bazhong county's profile. The exit-year distribution is chosen so that the county's incidence at end of
/// (approval year − 2) is at least 4% and at end of (approval year − 1) at most about 2.2% — far enough from
/// the 3% threshold that sampling noise at small scales cannot move the exit year.
#[derive(Debug, Clone, Copy)]
pub struct CountyProfile {
    pub code: &'static str,
    pub name: &'static str,
    /// Rural registered population at scale 1. *Assumption*: the published 3.03 million split by the
    /// counties' approximate rural populations (平昌 largest, 恩阳 smallest).
    pub rural_population: f64,
    /// Registered poor people at end 2013. *Assumption* as a split; sums to 494,300.
    pub poor_people: f64,
    /// Registered poor villages; sums to 699.
    pub poor_villages: usize,
    /// Year the county's exit was approved (published).
    pub approval_year: u16,
    /// Probability that an initially registered household exits in 2014, 2015, …, 2020.
    pub exit_distribution: [f64; 7],
}

/// The five county-level units of Bazhong (domain.md §1).
pub const BAZHONG_COUNTIES: [CountyProfile; 5] = [
    CountyProfile {
        code: "511902",
        name: "巴州区",
        rural_population: 470_000.0,
        poor_people: 62_000.0,
        poor_villages: 105,
        approval_year: 2018,
        exit_distribution: [0.22, 0.24, 0.20, 0.21, 0.07, 0.04, 0.02],
    },
    CountyProfile {
        code: "511903",
        name: "恩阳区",
        rural_population: 440_000.0,
        poor_people: 62_000.0,
        poor_villages: 98,
        approval_year: 2018,
        exit_distribution: [0.22, 0.24, 0.20, 0.21, 0.07, 0.04, 0.02],
    },
    CountyProfile {
        code: "511921",
        name: "通江县",
        rural_population: 650_000.0,
        poor_people: 120_000.0,
        poor_villages: 180,
        approval_year: 2020,
        exit_distribution: [0.13, 0.16, 0.17, 0.16, 0.13, 0.17, 0.08],
    },
    CountyProfile {
        code: "511922",
        name: "南江县",
        rural_population: 590_000.0,
        poor_people: 100_000.0,
        poor_villages: 160,
        approval_year: 2019,
        exit_distribution: [0.18, 0.20, 0.20, 0.18, 0.13, 0.08, 0.03],
    },
    CountyProfile {
        code: "511923",
        name: "平昌县",
        rural_population: 880_000.0,
        poor_people: 150_300.0,
        poor_villages: 156,
        approval_year: 2020,
        exit_distribution: [0.13, 0.16, 0.17, 0.16, 0.13, 0.17, 0.08],
    },
];

/// Profile of a county outside Bazhong. *Assumption*: a generic Sichuan county — 2,300 rural people per
/// village, 12% incidence, 45% of villages poor, exit approved in 2018.
pub const GENERIC_PEOPLE_PER_VILLAGE: f64 = 2_300.0;
pub const GENERIC_INCIDENCE: f64 = 0.12;
pub const GENERIC_POOR_VILLAGE_SHARE: f64 = 0.45;
pub const GENERIC_EXIT_DISTRIBUTION: [f64; 7] = [0.20, 0.22, 0.22, 0.20, 0.10, 0.04, 0.02];
pub const GENERIC_APPROVAL_YEAR: u16 = 2018;

/// Village size spread: each village's population is its county's mean times a lognormal factor of this sigma
/// (normalised so the county total is exact).
pub const VILLAGE_SIZE_SIGMA: f64 = 0.35;

/// Village exit threshold (贫困村退出: incidence below 3% in Sichuan, domain.md §4), as a fraction. The engine
/// counts as "poor villages" (贫困村) those whose incidence at the year's end is *not* below it, so the
/// generator keeps every non-designated village strictly below it in every year (counting, as the engine does,
/// the members born by the year's end) and every designated poor village at or above it at the end of 2013.
pub const VILLAGE_EXIT_INCIDENCE: f64 = 0.03;

/// Whether `poor` people of `population` are at or above [`VILLAGE_EXIT_INCIDENCE`], decided in integers
/// exactly as the engine decides it (`Rate::exceeds_ratio`: below means `poor × 10,000 < 300 × population`),
/// so that a village sitting exactly on 3% is classified the same way by both (`0.03 × 100` is not exactly 3
/// in floating point).
pub fn at_or_above_village_exit(poor: f64, population: f64) -> bool {
    let basis_points = (VILLAGE_EXIT_INCIDENCE * 10_000.0).round() as u64;
    (poor.max(0.0).round() as u64) * 10_000 >= basis_points * population.max(0.0).round() as u64
}

/// Incidence aimed at in a village that is not a designated poor village (scattered poor households,
/// 插花贫困户); the designated poor villages take the rest of the county's quota. *Assumption*. A hard cap
/// keeps such a village below [`VILLAGE_EXIT_INCIDENCE`] whatever the draws: its registered households
/// (initial and added, all their members as of 2020) stay below 3% of its end-2013 population.
pub const NON_POOR_VILLAGE_INCIDENCE: f64 = 0.015;

/// Household size distribution (1 to 7 people); mean ≈ 2.88. *Assumption* for a rural registered population
/// with much out-migration of young families.
pub const HOUSEHOLD_SIZE_WEIGHTS: [f64; 7] = [0.16, 0.29, 0.24, 0.18, 0.09, 0.035, 0.005];

/// People lifted out 2014–2020 per person of the end-2013 stock: 499,000 / 494,300. The engine counts the
/// people of a household whose exit takes effect in year Y as its members born by the end of Y, so the stock's
/// own births before its exits count too; each village then adds households by dynamic adjustment (2015–2019)
/// until its lifted people reach this share of its planned stock (see `village::generate`).
pub const LIFTED_PER_STOCK: f64 = target::EXITED_PEOPLE_2014_2020 / target::POOR_PEOPLE_2013;
/// Vulnerability score taken off per member born after 2013. *Assumption*: the record has no deaths, so the
/// births of registered households stand for their net change; registered households had few young children
/// (elderly, sick and disabled members were the main causes), and the published figures leave room for about
/// 1% net growth of the stock between registration and exit. Tuned by measuring (engine-evaluated lifted
/// people at scale 1).
pub const YOUNG_CHILD_VULNERABILITY: f64 = 1.5;
/// Years of addition and their weights.
pub const ADDITION_YEARS: [(u16, f64); 5] = [
    (2015, 0.25),
    (2016, 0.25),
    (2017, 0.2),
    (2018, 0.15),
    (2019, 0.15),
];

/// Mean gap below the 2013 line of an initially registered household's per-capita income: 2,736 − 2,416.
pub const POOR_2013_GAP_MEAN: f64 = 2_736.0 - 2_416.0;
/// Smallest gap (so that the 2013 income is strictly below the line).
pub const POOR_2013_GAP_MIN: f64 = 40.0;
/// 2020 income multiplier of registered households by exit year 2014…2020 (earlier exits have had longer to
/// grow); the weighted mean over Bazhong's exit distribution is about 0.995, which with the 5,000 floor puts
/// the mean on target (tuned by measuring at scale 1).
pub const POOR_2020_BY_EXIT: [f64; 7] = [1.098, 1.057, 1.017, 0.977, 0.927, 0.886, 0.848];
/// Spread of registered households' 2020 income.
pub const POOR_2020_SIGMA: f64 = 0.30;
/// Floor of a registered household's 2020 income: above the 2020 monitoring range (6,000), so that only the
/// households the generator marks as monitored (from 2021) fall in the range.
pub const POOR_2020_FLOOR: f64 = 6_300.0;

/// Per-capita income of never-registered households. 2013 and 2019 means are chosen so that the all-rural
/// means match [`target::RURAL_INCOME_2013`] and [`target::RURAL_INCOME_2019`] given the registered
/// households' incomes; in between the growth is geometric; after 2019 *assumption* as listed.
pub const NON_POOR_MEAN_2013: f64 = 8_111.0;
pub const NON_POOR_MEAN_2019: f64 = 14_270.0;
pub const NON_POOR_SIGMA: f64 = 0.45;
/// Yearly growth of all incomes after 2019 (2020 … 2026). *Assumption*: Sichuan rural income growth.
pub const GROWTH_AFTER_2019: [f64; 7] = [1.075, 1.10, 1.06, 1.07, 1.065, 1.06, 1.055];
/// Household-specific yearly income shock (lognormal sigma, mean one).
pub const YEARLY_SHOCK_SIGMA: f64 = 0.06;

/// 低保 benefit per recipient per year, 2013…2026. *Assumption*: Sichuan rural 低保 standards rose from about
/// 100 to over 400 yuan a month; benefits are a share of that.
pub const DIBAO_BENEFIT: [f64; YEARS] = [
    1_200.0, 1_400.0, 1_600.0, 1_900.0, 2_300.0, 2_800.0, 3_300.0, 3_900.0, 4_200.0, 4_500.0,
    4_800.0, 5_100.0, 5_300.0, 5_500.0,
];
/// 特困供养 benefit relative to 低保.
pub const TEKUN_FACTOR: f64 = 1.3;
/// Basic pension per person aged 60+ per year, 2013…2026. *Assumption* (55 → about 120 yuan a month).
pub const PENSION: [f64; YEARS] = [
    660.0, 660.0, 840.0, 900.0, 960.0, 1_020.0, 1_080.0, 1_200.0, 1_260.0, 1_320.0, 1_380.0,
    1_440.0, 1_500.0, 1_560.0,
];

/// 低保: probability that a household is a 低保 household, for ever-registered and other households, before
/// the vulnerability adjustment; then all members are recipients with [`DIBAO_WHOLE_HOUSEHOLD`] probability,
/// otherwise only the elderly, sick or disabled (or the head). Tuned by measuring the engine-evaluated
/// 2020 figures at scale 1 (`examples/engine_calibration.rs`).
pub const DIBAO_HOUSEHOLD_POOR: f64 = 0.3295;
pub const DIBAO_HOUSEHOLD_OTHER: f64 = 0.0837;
pub const DIBAO_WHOLE_HOUSEHOLD: f64 = 0.6;

/// Relocation: base probability for a registered household, multiplied by [`RELOCATION_SIZE_WEIGHT`] and by
/// 1.4 in a poor village (0.5 elsewhere); never-registered households move with the village
/// (同步搬迁) with a small probability. The size weights rise steeply because registered households are
/// small (few young children, see [`YOUNG_CHILD_VULNERABILITY`]) while relocated ones averaged 3.57 people.
/// Tuned by measuring the engine-evaluated 2020 figures at scale 1 (`examples/engine_calibration.rs`).
pub const RELOCATION_POOR: f64 = 0.2366;
pub const RELOCATION_OTHER: f64 = 0.00472;
pub const RELOCATION_SIZE_WEIGHT: [f64; 7] = [0.21, 0.57, 1.0, 1.4, 1.69, 1.87, 2.0];
/// Relocation years and weights (the 13th five-year plan's relocation ran 2016–2019).
pub const RELOCATION_YEARS: [(u16, f64); 4] =
    [(2016, 0.35), (2017, 0.3), (2018, 0.2), (2019, 0.15)];

/// Monitoring from 2021. *Assumption*: probabilities per household over 2021–2025.
pub const MONITOR_UNSTABLE: f64 = 0.07;
pub const MONITOR_MARGINAL_VULNERABLE: f64 = 0.05;
pub const MONITOR_MARGINAL_OTHER: f64 = 0.004;
pub const MONITOR_SUDDEN: f64 = 0.004;
/// Identification years 2021…2025 and weights.
pub const MONITOR_YEARS: [(u16, f64); 5] = [
    (2021, 0.3),
    (2022, 0.25),
    (2023, 0.2),
    (2024, 0.15),
    (2025, 0.1),
];
/// Share of monitored (unstable) households that fall back into poverty (返贫) — official policy is that
/// there are none at scale; the generator makes a few so that the path is exercised.
pub const RETURN_SHARE: f64 = 0.02;

/// Annual probability of death at `age` (whole years): a Gompertz curve, 0.00003·e^(0.09·age), with a floor
/// of 0.0005 under 40 (accidents) and 0.005 in the first year of life, capped at 0.35. The scale is chosen
/// so that the generated (old: many of the young work away but keep their rural registration) population
/// loses about 8 people per 1,000 a year, near the crude death rate of rural Sichuan in the 2010s [weak:
/// yearbook figures for rural China are 7–9‰; domain.md has no Bazhong figure].
pub fn death_rate(age: i64) -> f64 {
    if age < 1 {
        return 0.005;
    }
    let gompertz = 0.00003 * (0.09 * age as f64).exp();
    let floor = if age < 40 { 0.0005 } else { 0.0 };
    gompertz.max(floor).min(0.35)
}

/// Relatives who died in 2014–2020 are drawn only for households whose record lacks a spouse or parents
/// (see `people::ghosts`); this factor on their death rate makes the deaths of those years about as many per
/// person as those drawn for 2021–2025 over the whole record (checked by the integration tests).
pub const EARLIER_DEATHS: f64 = 0.9;

/// Share of 2020 低保 recipients' households whose 低保 began after the end of 2013 (the campaign brought
/// the poorest under 兜底), the year drawn from 2015–2020 [weak: assumption].
pub const DIBAO_LATER_START: f64 = 0.4;

/// Share of registered households not relocated that lived in a C/D house at registration and rebuilt it
/// (危房改造) by their exit year [weak: Bazhong renovated 173,000 houses, domain.md §1, not all registered].
pub const REBUILT_SHARE: f64 = 0.35;

/// Share of registered households whose water fell short at registration and was fixed by their exit year
/// [weak: assumption].
pub const WATER_FIXED_SHARE: f64 = 0.15;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn county_profiles_sum_to_the_published_totals() {
        let pop: f64 = BAZHONG_COUNTIES.iter().map(|c| c.rural_population).sum();
        let poor: f64 = BAZHONG_COUNTIES.iter().map(|c| c.poor_people).sum();
        let villages: usize = BAZHONG_COUNTIES.iter().map(|c| c.poor_villages).sum();
        assert!((pop - target::RURAL_POPULATION).abs() < 1.0);
        assert!((poor - target::POOR_PEOPLE_2013).abs() < 1.0);
        assert_eq!(villages, target::POOR_VILLAGES);
        for c in BAZHONG_COUNTIES {
            let total: f64 = c.exit_distribution.iter().sum();
            assert!((total - 1.0).abs() < 1e-9, "{}", c.name);
            // Remaining share at end of approval−2 and approval−1, times the 2013 incidence.
            let incidence = c.poor_people / c.rural_population * 100.0;
            let remaining = |end_year: u16| -> f64 {
                let exited: f64 = c.exit_distribution[..usize::from(end_year - 2013)]
                    .iter()
                    .sum();
                incidence * (1.0 - exited)
            };
            assert!(remaining(c.approval_year - 2) >= 3.8, "{}", c.name);
            assert!(remaining(c.approval_year - 1) <= 2.4, "{}", c.name);
        }
    }

    #[test]
    fn household_sizes_average_between_2_6_and_3() {
        let mean: f64 = HOUSEHOLD_SIZE_WEIGHTS
            .iter()
            .enumerate()
            .map(|(i, w)| (i + 1) as f64 * w)
            .sum();
        assert!((2.6..=3.0).contains(&mean), "{mean}");
    }
}
