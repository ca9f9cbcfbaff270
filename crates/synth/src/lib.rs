//! `jingzhun-synth`: a deterministic generator of synthetic poverty registries, calibrated so that the
//! generated registry of Bazhong (巴中市, 5119) reproduces the city's published figures (domain.md §1).
//!
//! The generator covers every rural household of every rural village of an area — not only the poor — with
//! members, resident IDs, incomes 2013–2026, guarantee facts and the registry's status events (registration,
//! exit, monitoring, risk elimination, return). Output is streamed one village at a time: memory is bounded
//! by one village (or one batch of villages when generating in parallel), whatever the scale.
//!
//! Nothing generated is dated after [`SynthConfig::data_end`] (a day of the last year, 2026; the default is
//! its last day, `jingzhun demo` uses today): the decisions and household versions after it are left out,
//! a decision due later being a case still open at the step it had reached ([`GeneratedHousehold::pending`]),
//! and the monitoring records run up to it. Measured at scale 0.3 with the data ending on 2026-12-04:
//! 746 cases open, 96 (12.9%) past the 15-day time limit.
//!
//! Determinism: the output depends only on the [`SynthConfig`] and the area tree. Each village draws from its
//! own random streams (seed + village code), so villages can be generated in any order, on any thread, in
//! any batches, with identical results; [`Generator::iter`] and [`Generator::par_iter`] yield the same
//! sequence.
//!
//! ```no_run
//! # fn demo(tree: &jingzhun_core::AreaTree) -> Result<(), jingzhun_synth::SynthError> {
//! use jingzhun_synth::{Generator, SynthConfig};
//! let config = SynthConfig { scale: 0.1, ..SynthConfig::default() }; // Bazhong, seed 2014
//! let generator = Generator::new(tree, config)?;
//! let mut check = jingzhun_synth::Calibration::default();
//! for village in generator.par_iter(64) {
//!     let village = village?;
//!     check.add_village(&village);
//!     // write village.households somewhere
//! }
//! println!("{}", check.figures().report(generator.scale()));
//! # Ok(()) }
//! ```
//!
//! Calibration constants and modelling assumptions live in [`calibration`]; [`Calibration`] recomputes the
//! published figures from the generated stream.
//!
//! # History
//!
//! Each household comes with the versions of its record ([`GeneratedHousehold::versions`]), the first in
//! force from the end of 2013, a new one whenever something the rules read changes: a member dies (relatives
//! who died in 2014–2020 are members of the earlier versions only; members of the end-2020 record may die in
//! 2021–2025, at the age-specific rates of [`calibration::death_rate`]), a child's compulsory-education
//! status as the rules read it would otherwise be wrong that year (schooling follows the school years from
//! the 2020 record), 低保 starts or ends, a C/D house is rebuilt, a relocated household moves out of its old
//! house, water is fixed. A household whose last member dies has an empty last version and is removed from
//! the registry (a `Removed` event, 销户, on that date). About half of all households have a second version
//! and a quarter a third; the mean is about two. See `history` for the rules.
//!
//! # Limitations (what the data cannot say)
//! - The record is drawn as of [`calibration::RECORD_DATE`] (end 2020) and the history built around it:
//!   households neither split nor merge, nobody moves in or out (marriage, migration of the registration),
//!   and no child is born after the record date, so the rural population falls from 2020 by deaths alone
//!   (about 8 per 1,000 a year, a weak assumption: domain.md has no Bazhong figure after 2013). Births are
//!   not versions: every version lists the children born later and the engine leaves them out of earlier
//!   years. Health, labour, migrant work and insurance stay as recorded; incomes change every year (each
//!   version carries those known while it was in force). Every calibrated figure counts the members of the
//!   version in force at the evaluation date, born by then.
//! - Schooling changes only as far as the rules read it: when nothing else changes, a version keeps the
//!   statuses of its year (a primary pupil may still show as one at 13); children under 6 are 学前.
//!   Registered households are generated so that their exit years evaluate cleanly (see
//!   `village::keep_in_school`).
//! - About 2–3% of never-registered households carry a guarantee shortfall (a member without medical
//!   insurance, a C/D house, too little water) that is not otherwise acted on: signals for checks to find.
//! - Whether a village is a registered poor village is reported on [`GeneratedVillage`]; core has no
//!   village-level record for it.
//! - Determinism holds for one build on one platform; draws use `f64` `exp`/`ln`/`sin_cos`, whose last bits
//!   may differ between C libraries.

pub mod calibration;
mod check;
mod defects;
pub mod department;
pub mod economy;
mod history;
mod ids;
mod income;
pub mod monitoring;
mod names;
mod national;
mod people;
mod plan;
pub mod projects;
mod rng;
mod village;

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{AreaCode, AreaTree, Household, HouseholdNo, StatusEvent};
use rayon::prelude::*;

pub use check::{Calibration, CalibrationFigures, CountyFigures, Report};
pub use economy::VillageEconomy;
pub use income::per_capita;
pub use jingzhun_core::economy::EconomyRecords;
pub use monitoring::{MonitoringRecords, UnresolvedHousehold, VillageMonitoring};
pub use names::vocabulary_size;
pub use national::{national_config, synthetic_areas, NATIONAL_HOUSEHOLDS};
pub use plan::{CountyPlan, VillagePlan};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// Same seed, same output.
    pub seed: u64,
    /// Any area of the tree: a province, city, county, township or village. Targets are computed over whole
    /// counties, so a village comes out the same whichever enclosing area is asked for.
    pub area: AreaCode,
    /// 1.0 = the real population. Below 1 villages get fewer households; above 1 counties are replicated
    /// `ceil(scale)` times under synthetic county codes (city 70–89 of the same province), each replica with
    /// `scale / ceil(scale)` of the real county's figures. National size (~30 million households, ~90 million
    /// people) is Bazhong at scale 30 or Sichuan (`51`) at about 1.5.
    pub scale: f64,
    /// Probability per household of one injected data defect; 0 for calibration.
    pub defect_rate: f64,
    /// The last day of the data: nothing generated is dated after it. Decisions (status events) and
    /// household versions after it are left out — a decision due after it is a case still open at its
    /// step (see [`GeneratedHousehold::pending`]) —, and the monitoring records (cases and their steps,
    /// pairings, measures' starts, visits) run up to it; a measure may end after it (its planned end).
    /// Between [`calibration::EARLIEST_DATA_END`] and [`calibration::LATEST_DATA_END`] (the default, so
    /// that tests and snapshots are reproducible); `jingzhun demo` sets today's China date
    /// ([`data_end_on`]). The yearly income of the data end's year is generated whatever the day (the
    /// generator does not model the income round's progress).
    pub data_end: NaiveDate,
}

/// The data end for a run on `today` (China date): `today` within the generator's range. Later than
/// [`calibration::LATEST_DATA_END`] (a run in 2027 or after) gives that day: the data has no year after
/// [`calibration::LAST_YEAR`].
pub fn data_end_on(today: NaiveDate) -> NaiveDate {
    today.clamp(
        calibration::date(calibration::EARLIEST_DATA_END),
        calibration::date(calibration::LATEST_DATA_END),
    )
}

impl Default for SynthConfig {
    /// Bazhong, seed 2014, full scale, no defects.
    fn default() -> Self {
        Self {
            seed: 2014,
            area: bazhong(),
            scale: 1.0,
            defect_rate: 0.0,
            data_end: calibration::date(calibration::LATEST_DATA_END),
        }
    }
}

/// The code of Bazhong (5119), the calibrated city.
pub fn bazhong() -> AreaCode {
    match AreaCode::parse(calibration::BAZHONG) {
        Ok(code) => code,
        // A literal that always parses; kept as a match so that no unwrap hides in library code.
        Err(e) => unreachable!("{e}"),
    }
}

/// Why generation cannot start or continue.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SynthError {
    #[error("规模 {0} 无效: 应为大于 0 的数")]
    Scale(f64),
    #[error("缺陷率 {0} 无效: 应在 0 到 1 之间")]
    DefectRate(f64),
    #[error("行政区划「{0}」不在区划树中")]
    UnknownArea(AreaCode),
    #[error("行政区划「{0}」内没有农村行政村(村委会)")]
    NoRuralVillages(AreaCode),
    #[error("规模过大: 一次最多生成 1,980 个合成县")]
    ScaleTooLarge,
    #[error("身份证号顺序码已用尽")]
    IdCapacity,
    #[error("数据截止日期 {0} 无效：应在 {1} 到 {2} 之间（合成数据的最后一年为 {year} 年）", year = calibration::LAST_YEAR)]
    DataEnd(NaiveDate, NaiveDate, NaiveDate),
    #[error("内部错误: {0}")]
    Internal(&'static str),
}

/// One generated household: its record with its history, its status events (in date order) and the defects
/// injected into it.
///
/// The history is a list of versions, each a full snapshot in force from its date until the next one (the
/// store's as-of rule): `earlier` holds the versions before the current one, oldest first, and `household`
/// is the current (last) one, in force from `effective_from`. A household whose facts never changed has no
/// earlier version. Each version carries the incomes of the years up to the year its successor takes
/// effect (what was known while it was in force); the current one carries every year.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GeneratedHousehold {
    /// The record as it stands now (the last version).
    pub household: Household,
    /// When `household` took effect.
    pub effective_from: NaiveDate,
    /// The versions before `household`, oldest first, each with the date it took effect.
    pub earlier: Vec<(NaiveDate, Household)>,
    pub events: Vec<StatusEvent>,
    /// Empty unless `defect_rate > 0`.
    pub defects: Vec<InjectedDefect>,
    /// Decisions of the household's story due after [`SynthConfig::data_end`], left out of `events` (and
    /// the versions after the data end left out of the history): their cases are open at the data end.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<StatusEvent>,
}

impl GeneratedHousehold {
    /// Every version, oldest first, with the date it took effect; the last one is `household`.
    pub fn versions(&self) -> impl Iterator<Item = (NaiveDate, &Household)> + '_ {
        self.earlier
            .iter()
            .map(|(d, h)| (*d, h))
            .chain(std::iter::once((self.effective_from, &self.household)))
    }

    /// The version in force on `date` (the latest that took effect on or before it), `None` before the
    /// first one.
    pub fn as_of(&self, date: NaiveDate) -> Option<&Household> {
        self.versions()
            .take_while(|(d, _)| *d <= date)
            .last()
            .map(|(_, h)| h)
    }

    /// Leaves out what is dated after `end`: events become [`GeneratedHousehold::pending`], versions that
    /// took effect later are dropped (the one in force on `end` becomes the current one, with the incomes
    /// of the years up to `end`'s). A household whose first version is later than `end` is kept as it is.
    fn cut(&mut self, end: NaiveDate) {
        let (kept, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.events)
            .into_iter()
            .partition(|e| e.effective <= end);
        self.events = kept;
        self.pending = later;
        let year = end.year();
        let incomes: Vec<_> = self
            .household
            .incomes
            .iter()
            .filter(|r| i32::from(r.year) <= year)
            .cloned()
            .collect();
        while self.effective_from > end {
            let Some((from, earlier)) = self.earlier.pop() else {
                break;
            };
            self.effective_from = from;
            self.household = earlier;
            self.household.incomes = incomes.clone();
        }
        self.household.incomes.retain(|r| i32::from(r.year) <= year);
    }

    /// Moves the versions out, oldest first (for a store's bulk load).
    pub fn into_versions(self) -> Vec<(NaiveDate, Household)> {
        let mut out = self.earlier;
        out.push((self.effective_from, self.household));
        out
    }
}

/// One generated village.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedVillage {
    /// The code its households are filed under (synthetic for replicas at scale > 1).
    pub code: AreaCode,
    /// The real village of the tree it stands for.
    pub source: AreaCode,
    pub county: AreaCode,
    /// Registered poor village (贫困村). Core has no village-level record for this designation, so the
    /// generator reports it here.
    pub poor_village: bool,
    pub households: Vec<GeneratedHousehold>,
}

jingzhun_core::labeled_enum! {
    /// Kinds of injected data defects.
    pub enum DefectKind {
        DuplicateResidentId = ("duplicate_resident_id", "身份证号重复"),
        NoHead = ("no_head", "无户主"),
        TwoHeads = ("two_heads", "多个户主"),
        ChildOlderThanHead = ("child_older_than_head", "子女年长于户主"),
        MissingSchooling = ("missing_schooling", "缺少在校生状况"),
        SexMismatch = ("sex_mismatch", "性别与身份证号不符"),
        MissingIncomeYear = ("missing_income_year", "缺少年度收入"),
    }
}

/// A defect deliberately put into the data, for testing data checks.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InjectedDefect {
    pub household_no: HouseholdNo,
    pub kind: DefectKind,
    pub detail: String,
}

/// A village with everything derived from it: monitoring records, economy records, department findings.
pub type FullVillage = (
    GeneratedVillage,
    VillageMonitoring,
    VillageEconomy,
    Vec<department::Finding>,
);

/// A planned run: build with [`Generator::new`], then stream villages with [`Generator::iter`] or
/// [`Generator::par_iter`]. Holds one small entry per village, not the households.
pub struct Generator {
    config: SynthConfig,
    plan: plan::Plan,
    economy: economy::Plan,
}

impl Generator {
    /// Plans the run over the rural villages (村委会) of `config.area`.
    pub fn new(tree: &AreaTree, config: SynthConfig) -> Result<Self, SynthError> {
        let (earliest, latest) = (
            calibration::date(calibration::EARLIEST_DATA_END),
            calibration::date(calibration::LATEST_DATA_END),
        );
        if !(earliest..=latest).contains(&config.data_end) {
            return Err(SynthError::DataEnd(config.data_end, earliest, latest));
        }
        let plan = plan::Plan::build(tree, &config)?;
        let economy = economy::Plan::build(
            tree,
            config.seed,
            config.scale,
            &plan.counties,
            &plan.villages,
        );
        Ok(Self {
            config,
            plan,
            economy,
        })
    }

    pub fn config(&self) -> &SynthConfig {
        &self.config
    }

    pub fn scale(&self) -> f64 {
        self.config.scale
    }

    /// The villages that will be generated, in output order.
    pub fn villages(&self) -> &[VillagePlan] {
        &self.plan.villages
    }

    /// The counties involved (including, for ID families, counties next to the requested area).
    pub fn counties(&self) -> &[CountyPlan] {
        &self.plan.counties
    }

    /// Expected number of people and households (for progress bars).
    pub fn expected_people(&self) -> f64 {
        self.plan.villages.iter().map(|v| v.target_people).sum()
    }

    pub fn expected_households(&self) -> f64 {
        let mean: f64 = calibration::HOUSEHOLD_SIZE_WEIGHTS
            .iter()
            .enumerate()
            .map(|(i, w)| (i + 1) as f64 * w)
            .sum();
        self.expected_people() / mean
    }

    /// Generates the `index`-th village of [`Generator::villages`]. Pure: same index, same result.
    pub fn generate_village(&self, index: usize) -> Result<GeneratedVillage, SynthError> {
        let plan = self
            .plan
            .villages
            .get(index)
            .ok_or(SynthError::Internal("village index out of range"))?;
        let county = self
            .plan
            .counties
            .get(plan.county)
            .ok_or(SynthError::Internal("county index out of range"))?;
        let mut village = village::generate(&self.config, plan, county)?;
        for g in &mut village.households {
            g.cut(self.config.data_end);
        }
        Ok(village)
    }

    /// The monitoring records of a generated village (cadres, pairings, cases, measures, visits; see
    /// [`monitoring`]), from the village's own monitoring stream: the same for a village however it was
    /// generated, and generating them changes nothing else.
    pub fn monitoring(&self, village: &GeneratedVillage) -> Result<VillageMonitoring, SynthError> {
        let plan = self
            .plan
            .villages
            .iter()
            .find(|p| p.code == village.code)
            .ok_or(SynthError::Internal("village not in the plan"))?;
        let county = self
            .plan
            .counties
            .get(plan.county)
            .ok_or(SynthError::Internal("county index out of range"))?;
        monitoring::generate(
            self.config.seed,
            self.config.data_end,
            plan,
            county,
            village,
        )
    }

    /// The economy records of a generated village (operators, bases, products and collective accounts placed
    /// in it; its households' links and employment; see [`economy`]), from the economy streams: generating
    /// them changes nothing else.
    pub fn economy(&self, village: &GeneratedVillage) -> Result<VillageEconomy, SynthError> {
        let plan = self
            .plan
            .villages
            .iter()
            .find(|p| p.code == village.code)
            .ok_or(SynthError::Internal("village not in the plan"))?;
        economy::generate(&self.economy, self.config.seed, plan, village)
    }

    /// The department findings about a generated village's households from 2021 to the data end (see
    /// [`department`]), from the village's department stream: generating them changes nothing else.
    pub fn department(&self, village: &GeneratedVillage) -> Vec<department::Finding> {
        department::generate(self.config.seed, self.config.data_end, village)
    }

    /// Like [`Generator::par_iter_monitored`], each village also with its economy records and its
    /// department findings ([`Generator::department`]).
    pub fn par_iter_full(
        &self,
        batch: usize,
    ) -> impl Iterator<Item = Result<FullVillage, SynthError>> + '_ {
        let batch = batch.max(1);
        let total = self.plan.villages.len();
        (0..total.div_ceil(batch)).flat_map(move |b| {
            let range = b * batch..((b + 1) * batch).min(total);
            let done: Vec<_> = range
                .into_par_iter()
                .map(|i| {
                    let village = self.generate_village(i)?;
                    let monitoring = self.monitoring(&village)?;
                    let economy = self.economy(&village)?;
                    let department = self.department(&village);
                    Ok((village, monitoring, economy, department))
                })
                .collect();
            done
        })
    }

    /// Villages one after the other on the calling thread.
    pub fn iter(&self) -> Villages<'_> {
        Villages {
            generator: self,
            next: 0,
        }
    }

    /// Villages generated `batch` at a time on rayon's pool, yielded in the same order as [`Generator::iter`].
    /// Memory holds at most one batch.
    pub fn par_iter(&self, batch: usize) -> ParVillages<'_> {
        ParVillages {
            generator: self,
            next: 0,
            batch: batch.max(1),
            ready: std::collections::VecDeque::new(),
        }
    }

    /// Like [`Generator::par_iter`], each village with its monitoring records ([`Generator::monitoring`]),
    /// both computed on rayon's pool.
    pub fn par_iter_monitored(
        &self,
        batch: usize,
    ) -> impl Iterator<Item = Result<(GeneratedVillage, VillageMonitoring), SynthError>> + '_ {
        let batch = batch.max(1);
        let total = self.plan.villages.len();
        (0..total.div_ceil(batch)).flat_map(move |b| {
            let range = b * batch..((b + 1) * batch).min(total);
            let done: Vec<_> = range
                .into_par_iter()
                .map(|i| {
                    let village = self.generate_village(i)?;
                    let monitoring = self.monitoring(&village)?;
                    Ok((village, monitoring))
                })
                .collect();
            done
        })
    }

    /// All households, village after village (sequential).
    pub fn households(&self) -> impl Iterator<Item = Result<GeneratedHousehold, SynthError>> + '_ {
        self.iter().flat_map(flatten)
    }

    /// All households, villages generated `batch` at a time in parallel; same order as
    /// [`Generator::households`].
    pub fn par_households(
        &self,
        batch: usize,
    ) -> impl Iterator<Item = Result<GeneratedHousehold, SynthError>> + '_ {
        self.par_iter(batch).flat_map(flatten)
    }
}

fn flatten(
    village: Result<GeneratedVillage, SynthError>,
) -> Vec<Result<GeneratedHousehold, SynthError>> {
    match village {
        Ok(v) => v.households.into_iter().map(Ok).collect(),
        Err(e) => vec![Err(e)],
    }
}

/// Sequential village iterator.
pub struct Villages<'g> {
    generator: &'g Generator,
    next: usize,
}

impl Iterator for Villages<'_> {
    type Item = Result<GeneratedVillage, SynthError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.next >= self.generator.plan.villages.len() {
            return None;
        }
        let out = self.generator.generate_village(self.next);
        self.next += 1;
        Some(out)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.generator.plan.villages.len() - self.next;
        (n, Some(n))
    }
}

/// Parallel, order-preserving village iterator.
pub struct ParVillages<'g> {
    generator: &'g Generator,
    next: usize,
    batch: usize,
    ready: std::collections::VecDeque<Result<GeneratedVillage, SynthError>>,
}

impl Iterator for ParVillages<'_> {
    type Item = Result<GeneratedVillage, SynthError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.ready.is_empty() {
            let total = self.generator.plan.villages.len();
            if self.next >= total {
                return None;
            }
            let end = (self.next + self.batch).min(total);
            let generated: Vec<_> = (self.next..end)
                .into_par_iter()
                .map(|i| self.generator.generate_village(i))
                .collect();
            self.ready.extend(generated);
            self.next = end;
        }
        self.ready.pop_front()
    }
}
