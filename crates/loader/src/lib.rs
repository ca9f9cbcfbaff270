//! The glue between the store and the engine, and the published reports built on it, in one place that
//! both the command line (`jingzhun report …`, `demo`, `export parquet`) and the web application's
//! downloads call.
//!
//! * [`load_with`]: the households within an area as of a date, streamed into an engine for one year.
//! * [`load_years`]: the store read once into one engine per year (each as of its year-end).
//! * [`live::Live`]: years of an area evaluated in memory and kept current by following the store's change
//!   feed (the web server's engine); [`warnings`]: the warning lists' inputs from the store (open cases,
//!   measures about to end, what a row shows of its household); [`quality`]: the data-quality checks of an
//!   area and year from the same as-of records, shown beside them.
//! * [`ReportData::load`]: one evaluated year of an area with what the indicators need beyond the engine
//!   (the earlier years' exits and summaries, the monitoring decisions' risk types, returns to poverty,
//!   the workflow's identification cases), and from it [`ReportData::tables_workbook`] (the standard XLSX
//!   tables: one sheet per level) and [`ReportData::annual_review`] (the annual review document).
//!
//! The engine does not depend on the store (see ARCHITECTURE.md); this crate is where the two meet, outside
//! the binary. Long steps report through [`Progress`] (the command line draws bars; the web passes
//! [`Silent`]).

pub mod live;
pub mod quality;
pub mod warnings;

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::projects::OfficialStat;
use jingzhun_core::{AreaCode, AreaLevel, AreaTree, DepartmentFact, Household, HouseholdId};
use jingzhun_engine::{Engine, EngineError, Evaluation, HouseholdInput};
use jingzhun_policy::{MeasureSpan, PolicyPack, SideFacts};
use jingzhun_report::annual::{self, AnnualInputs, Document, Provenance};
use jingzhun_report::economy::{HouseholdTally, YearEmployment};
use jingzhun_report::indicators::{
    self, DecidedRisks, ExitHistory, Extras, IndicatorTable, LeadCase, RecentVisits,
    RunningMeasures,
};
use jingzhun_report::population::{self, Line};
use jingzhun_report::projects::{self, ProjectDetails, ProjectInputs};
use jingzhun_report::summary::SummarySeries;
use jingzhun_report::tables;
use jingzhun_store::{
    MeasureDates, Store, StoreError, StoredHistory, StoredHousehold, StoredVersion,
};
use rayon::prelude::*;

pub mod snapshot;

use snapshot::Staleness;

/// The first year of the registry (建档立卡 began in 2013-2014); yearly histories start here.
pub const FIRST_YEAR: u16 = 2013;

/// Why loading or building a report failed.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("数据库中没有行政区划, 请先运行 `jingzhun init`")]
    NoAreas,
    #[error("区划「{0}」不存在")]
    UnknownArea(AreaCode),
    #[error("年度 {0} 早于建档立卡 ({FIRST_YEAR} 年)")]
    YearTooEarly(u16),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("没有逐年评估结果")]
    NoHistory,
    #[error("该年度没有评估结果")]
    NoResults,
    #[error("装载线程异常退出")]
    Feeder,
    #[error("无法生成报表: {0}")]
    Tables(String),
    #[error("{0}")]
    Snapshot(String),
}

/// How far a long step has come (the command line draws bars; the web application ignores it).
pub trait Progress {
    /// A step starts: `label`, `total` units of `unit` expected.
    fn start(&mut self, _label: &str, _total: u64, _unit: &str) {}
    /// `done` units of the current step are done.
    fn set(&mut self, _done: u64) {}
    /// The current step is over.
    fn finish(&mut self) {}
    /// Something the user should know (e.g. a slower path taken).
    fn note(&mut self, _text: &str) {}
}

/// No progress reporting.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

/// Where a load's time went, step by step, in seconds (`--timings`). Steps marked `beside` ran on another
/// thread at the same time as the others, so they do not add to the wall time.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub steps: Vec<Step>,
}

/// One timed step of a load.
#[derive(Debug, Clone)]
pub struct Step {
    pub label: &'static str,
    pub secs: f64,
    /// Run beside the main thread's steps (overlapping them).
    pub beside: bool,
}

impl Timings {
    /// Records a step that took `secs`.
    pub fn add(&mut self, label: &'static str, secs: f64) {
        self.steps.push(Step {
            label,
            secs,
            beside: false,
        });
    }

    /// Records a step that ran beside the others.
    pub fn add_beside(&mut self, label: &'static str, secs: f64) {
        self.steps.push(Step {
            label,
            secs,
            beside: true,
        });
    }

    /// Runs `f`, recording its time as `label`.
    pub fn time<T>(&mut self, label: &'static str, f: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let out = f();
        self.add(label, started.elapsed().as_secs_f64());
        out
    }

    /// The steps of another timing appended (e.g. those of a thread run beside, marked so).
    pub fn extend_beside(&mut self, other: Timings) {
        self.steps
            .extend(other.steps.into_iter().map(|s| Step { beside: true, ..s }));
    }

    /// The seconds of the steps on the main thread.
    pub fn main_secs(&self) -> f64 {
        self.steps
            .iter()
            .filter(|s| !s.beside)
            .map(|s| s.secs)
            .sum()
    }

    /// `label 0.12 秒` for each step, those run beside in brackets.
    pub fn text(&self) -> String {
        let mut parts = Vec::new();
        for s in &self.steps {
            if s.beside {
                parts.push(format!("（同时：{} {:.2} 秒）", s.label, s.secs));
            } else {
                parts.push(format!("{} {:.2} 秒", s.label, s.secs));
            }
        }
        parts.join("，")
    }
}

impl Progress for Silent {}

/// 31 December of `year`.
pub fn year_end(year: u16) -> NaiveDate {
    NaiveDate::from_ymd_opt(i32::from(year), 12, 31).unwrap_or_default()
}

/// The version of this program, recorded with every stored evaluation and printed under every report.
pub fn code_version() -> String {
    format!("jingzhun {}", env!("CARGO_PKG_VERSION"))
}

/// What the store knows about the households of an area beyond their records: dated department findings
/// and assistance measures, by household. Read once per load (two indexed queries) and handed to the
/// engine beside each household, so that the bulk evaluation sees what the household page sees.
#[derive(Debug, Clone, Default)]
pub struct SideIndex {
    by_household: HashMap<HouseholdId, SideFacts>,
}

impl SideIndex {
    /// The side facts of the households filed within `area`.
    pub fn read(store: &Store, area: &AreaCode) -> Result<Self, LoadError> {
        Ok(Self::of_rows(
            store.department_facts_within(area)?,
            store.measure_dates_within(area)?,
        ))
    }

    /// The index of department findings and measure dates in the store's order (by household, then
    /// date; measures of one day in the order they were written): what [`SideIndex::read`] reads, or the
    /// same rows as they are generated (`demo`).
    pub fn of_rows(department: Vec<DepartmentFact>, measures: Vec<MeasureDates>) -> Self {
        let mut by_household: HashMap<HouseholdId, SideFacts> = HashMap::new();
        for f in department {
            by_household
                .entry(f.household)
                .or_default()
                .department
                .push(f);
        }
        for (id, started, ended) in measures {
            by_household
                .entry(id)
                .or_default()
                .measures
                .push(MeasureSpan { started, ended });
        }
        SideIndex { by_household }
    }

    /// One household's side facts (read for it alone: the household page, the workflow).
    pub fn of_household(store: &Store, id: HouseholdId) -> Result<SideFacts, LoadError> {
        Ok(SideFacts {
            department: store.department_facts_of(id)?,
            measures: store
                .measures_of(id)?
                .into_iter()
                .map(|(_, m)| MeasureSpan {
                    started: m.started,
                    ended: m.ended,
                })
                .collect(),
        })
    }

    /// The side facts of `id` (nothing known: empty).
    pub fn get(&self, id: HouseholdId) -> &SideFacts {
        self.by_household
            .get(&id)
            .unwrap_or(&jingzhun_policy::facts::NO_SIDE_FACTS)
    }

    /// Households with any side fact.
    pub fn len(&self) -> usize {
        self.by_household.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_household.is_empty()
    }
}

/// The registry as the engine holds it, with the moment of the newest record read.
pub struct Loaded {
    pub engine: Engine,
    pub data_time: DateTime<Utc>,
    pub tree: AreaTree,
}

/// Streams the households within `area` as of `as_of` from the store into an engine for `year`; `each`
/// sees every household read (e.g. to collect facts the engine does not keep), with the incomes of `year`
/// only ([`Store::scan_households_for_year`]: the engine reads no other year's).
pub fn load_with(
    store: &Store,
    area: &AreaCode,
    year: u16,
    as_of: NaiveDate,
    each: &mut dyn FnMut(&StoredHousehold),
    progress: &mut dyn Progress,
) -> Result<Loaded, LoadError> {
    let tree = store.area_tree()?;
    if tree.is_empty() {
        return Err(LoadError::NoAreas);
    }
    let total = store.count_households(area)?;
    let side = SideIndex::read(store, area)?;
    progress.start(&format!("读取 {year} 年"), total, "户");
    let mut engine = Engine::new(&tree, year, as_of);
    let mut data_time = DateTime::<Utc>::MIN_UTC;
    let mut n = 0u64;
    store.scan_households_for_year(area, as_of, year, &mut |stored| {
        data_time = data_time.max(stored.recorded_at);
        each(&stored);
        engine.insert(HouseholdInput::new(
            stored.id,
            &stored.household,
            stored.events.as_slice(),
            side.get(stored.id),
        ));
        n += 1;
        if n.is_multiple_of(16_384) {
            progress.set(n);
        }
        Ok(())
    })?;
    progress.finish();
    Ok(Loaded {
        engine,
        data_time,
        tree,
    })
}

/// One year's engine, as [`load_years`] fills it.
pub struct YearLoaded {
    pub engine: Engine,
    pub data_time: DateTime<Utc>,
    /// The year's status-event facts (collected by [`load_years_with_facts`] only; empty otherwise).
    pub facts: snapshot::EventFacts,
}

impl YearLoaded {
    /// One empty engine per year of `years`, each as of its year-end.
    pub fn empty(tree: &AreaTree, years: &[u16]) -> Vec<YearLoaded> {
        years
            .iter()
            .map(|y| YearLoaded {
                engine: Engine::new(tree, *y, year_end(*y)),
                data_time: DateTime::<Utc>::MIN_UTC,
                facts: snapshot::EventFacts::default(),
            })
            .collect()
    }
}

/// Adds households as the store gave them back when they were written (every version, with ids and
/// recording times) to every year's engine ([`YearLoaded::empty`]), with their side facts from `side`, and
/// collects the years' status-event facts: what [`load_years_with_facts`] does with the same households
/// read back from the store, by the same code (`demo` evaluates what it generates this way).
pub fn feed_histories(
    engines: &mut [YearLoaded],
    histories: Vec<StoredHistory>,
    area: &AreaCode,
    side: &SideIndex,
) {
    let batch: Vec<Read> = histories.into_iter().filter_map(Read::new).collect();
    feed(engines, &batch, area, side, true);
}

/// Households fed to every year's engine at a time.
const BATCH: usize = 8_192;

/// One household as read for [`load_years`]: its current version with all its events (what `each` sees)
/// and its other versions.
struct Read {
    current: StoredHousehold,
    others: Vec<StoredVersion>,
}

impl Read {
    fn new(history: StoredHistory) -> Option<Self> {
        let StoredHistory {
            id,
            mut versions,
            events,
        } = history;
        let last = versions
            .iter()
            .enumerate()
            .max_by_key(|(_, v)| v.version.0)
            .map(|(i, _)| i)?;
        let v = versions.swap_remove(last);
        Some(Read {
            current: StoredHousehold {
                id,
                version: v.version,
                effective_from: v.effective_from,
                recorded_at: v.recorded_at,
                household: v.household,
                events,
            },
            others: versions,
        })
    }

    /// The version in force on `date` by the store's as-of rule (greatest `(effective_from, version)` on or
    /// before it), with the time it was recorded.
    fn in_force(&self, date: NaiveDate) -> Option<(&Household, DateTime<Utc>)> {
        let c = &self.current;
        std::iter::once((c.effective_from, c.version.0, &c.household, c.recorded_at))
            .chain(
                self.others
                    .iter()
                    .map(|v| (v.effective_from, v.version.0, &v.household, v.recorded_at)),
            )
            .filter(|(from, ..)| *from <= date)
            .max_by_key(|(from, version, ..)| (*from, *version))
            .map(|(_, _, h, at)| (h, at))
    }
}

/// Loads the households within `area` into one engine per year of `years` (ascending), each evaluated as of
/// its year-end with the version in force then (the store's as-of rule, so edits, backdated corrections and
/// the generator's yearly versions count where they apply). `each` sees every household read, as its current
/// version with all its events.
///
/// The registry is read once, every version of every household ([`Store::scan_household_histories`]), and
/// fed to all the engines. Reading and feeding overlap: this thread reads while another feeds the engines
/// (in parallel) a batch at a time.
pub fn load_years(
    store: &Store,
    tree: &AreaTree,
    area: &AreaCode,
    years: &[u16],
    each: &mut dyn FnMut(&StoredHousehold),
    progress: &mut dyn Progress,
) -> Result<Vec<YearLoaded>, LoadError> {
    read_years(store, tree, area, years, false, each, progress)
}

/// [`load_years`], and each year's status-event facts collected on the way (what a snapshot keeps).
pub fn load_years_with_facts(
    store: &Store,
    tree: &AreaTree,
    area: &AreaCode,
    years: &[u16],
    each: &mut dyn FnMut(&StoredHousehold),
    progress: &mut dyn Progress,
) -> Result<Vec<YearLoaded>, LoadError> {
    read_years(store, tree, area, years, true, each, progress)
}

fn read_years(
    store: &Store,
    tree: &AreaTree,
    area: &AreaCode,
    years: &[u16],
    with_facts: bool,
    each: &mut dyn FnMut(&StoredHousehold),
    progress: &mut dyn Progress,
) -> Result<Vec<YearLoaded>, LoadError> {
    if years.is_empty() {
        return Ok(Vec::new());
    }
    let total = store.count_households(area)?;
    let side = SideIndex::read(store, area)?;
    let side = &side;
    progress.start("读取与装载", total, "户");
    let mut loaded = YearLoaded::empty(tree, years);
    let scanned = std::thread::scope(|scope| -> Result<(), LoadError> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Read>>(4);
        let engines = &mut loaded;
        let feeder = scope.spawn(move || {
            for batch in rx {
                feed(engines, &batch, area, side, with_facts);
            }
        });
        let mut batch: Vec<Read> = Vec::with_capacity(BATCH);
        let mut read = 0u64;
        let mut tx = Some(tx);
        let result = store.scan_household_histories(area, &mut |history| {
            let Some(r) = Read::new(history) else {
                return Ok(());
            };
            each(&r.current);
            batch.push(r);
            if batch.len() == BATCH {
                read += BATCH as u64;
                progress.set(read);
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                // The feeder only stops early if it panicked; the join below reports that.
                if let Some(t) = &tx {
                    if t.send(full).is_err() {
                        tx = None;
                    }
                }
            }
            Ok(())
        });
        if let Some(t) = tx.take() {
            let _ = t.send(std::mem::take(&mut batch));
        }
        if feeder.join().is_err() {
            return Err(LoadError::Feeder);
        }
        result?;
        Ok(())
    });
    progress.finish();
    scanned?;
    Ok(loaded)
}

/// Adds a batch of households to every year's engine (the version in force at its date, if filed within
/// `area` then), the engines in parallel.
fn feed(
    engines: &mut [YearLoaded],
    batch: &[Read],
    area: &AreaCode,
    side: &SideIndex,
    with_facts: bool,
) {
    engines.par_iter_mut().for_each(|loaded| {
        let date = loaded.engine.as_of();
        let year = loaded.engine.year();
        for r in batch {
            let Some((household, at)) = r.in_force(date) else {
                continue;
            };
            if !area.contains(&household.village) {
                continue;
            }
            if with_facts {
                loaded
                    .facts
                    .add_events(r.current.id, &r.current.events, year, date);
            }
            loaded.data_time = loaded.data_time.max(at);
            loaded.engine.insert(HouseholdInput::new(
                r.current.id,
                household,
                r.current.events.as_slice(),
                side.get(r.current.id),
            ));
        }
    });
}

/// One evaluated year of an area, with the earlier years' exits and summaries when asked for: what the
/// indicators, the standard tables and the annual review are computed from.
pub struct ReportData {
    pub area: AreaCode,
    pub engine: Engine,
    pub eval: Evaluation,
    pub tree: AreaTree,
    pub data_time: DateTime<Utc>,
    pub history: Option<ExitHistory>,
    pub series: Option<SummarySeries>,
    /// Risk types of the monitoring decisions in force.
    pub decided: DecidedRisks,
    /// Households whose return to poverty took effect in the year.
    pub returned: HashSet<HouseholdId>,
    /// Cases of the monitoring workflow within the area (the store's case tables).
    pub leads: Vec<LeadCase>,
    /// Assistance measures running on the evaluation date.
    pub measures: RunningMeasures,
    /// Households visited within `indicators::VISIT_WINDOW_DAYS` up to the evaluation date.
    pub visited: RecentVisits,
    /// Projects, funds, assets, forces and settlements of the area up to the date, with the official
    /// statistics kept beside (read with the history, for the annual review).
    pub projects: Option<ProjectsData>,
    /// The project library's records and the cadre table of the area, for the project indicators at every
    /// level (read by [`ReportData::load`] beside the registry).
    pub project_inputs: Option<ProjectInputs>,
    /// The economy records of the area (links, employment, sales and accounts of the year and the year
    /// before), for the economy's indicators and the annual review's sections on industry, employment,
    /// consumption and the collective economy (read by [`ReportData::load`] only).
    pub economy: jingzhun_report::economy::EconomyData,
    /// Where the load's time went.
    pub timings: Timings,
}

fn current<T>(v: Vec<jingzhun_store::Versioned<T>>) -> Vec<T> {
    v.into_iter().map(|v| v.record).collect()
}

/// The economy records of `area` (operators, bases, products and their current versions; links,
/// employment, sales and collective accounts of `years`), for [`jingzhun_report::economy`]. Households are
/// placed by `household_village` (e.g. [`jingzhun_report::economy::household_villages`] of an evaluation).
pub fn economy_data(
    store: &Store,
    area: &AreaCode,
    years: std::ops::RangeInclusive<u16>,
    household_village: HashMap<HouseholdId, AreaCode>,
) -> Result<jingzhun_report::economy::EconomyData, LoadError> {
    let mut data = jingzhun_report::economy::EconomyData {
        operators: current(store.operators_within(area)?),
        bases: current(store.bases_within(area)?),
        products: current(store.products_within(area)?),
        household_village,
        ..Default::default()
    };
    for year in years {
        let y = Some(year);
        data.sales
            .extend(store.sales_within(area, y)?.into_iter().map(|v| v.record));
        data.accounts.extend(
            store
                .collective_accounts_within(area, y)?
                .into_iter()
                .map(|v| v.record),
        );
        data.links
            .extend(store.links_within(area, y)?.into_iter().map(|v| v.record));
        data.employment.extend(
            store
                .employment_within(area, y)?
                .into_iter()
                .map(|v| v.record),
        );
    }
    Ok(data)
}

/// The links and employment of the households within `area` in `years`, summed per household and year
/// ([`HouseholdTally::of`]): what the economy's figures count of them.
pub fn household_tallies(
    store: &Store,
    area: &AreaCode,
    years: std::ops::RangeInclusive<u16>,
) -> Result<Vec<HouseholdTally>, LoadError> {
    let (mut links, mut employment) = (Vec::new(), Vec::new());
    for year in years {
        let y = Some(year);
        links.extend(store.links_within(area, y)?.into_iter().map(|v| v.record));
        employment.extend(
            store
                .employment_within(area, y)?
                .into_iter()
                .map(|v| v.record),
        );
    }
    Ok(HouseholdTally::of(&links, &employment))
}

/// [`economy_data`] with the households' records summed ([`household_tallies`], or `tallies` when
/// already read, e.g. kept with a snapshot): what the reports read.
pub fn economy_tallied(
    store: &Store,
    area: &AreaCode,
    years: std::ops::RangeInclusive<u16>,
    tallies: Option<Vec<HouseholdTally>>,
) -> Result<jingzhun_report::economy::EconomyData, LoadError> {
    let mut data = jingzhun_report::economy::EconomyData {
        operators: current(store.operators_within(area)?),
        bases: current(store.bases_within(area)?),
        products: current(store.products_within(area)?),
        ..Default::default()
    };
    for year in years.clone() {
        let y = Some(year);
        data.sales
            .extend(store.sales_within(area, y)?.into_iter().map(|v| v.record));
        data.accounts.extend(
            store
                .collective_accounts_within(area, y)?
                .into_iter()
                .map(|v| v.record),
        );
    }
    data.tallies = match tallies {
        Some(t) => t,
        None => household_tallies(store, area, years)?,
    };
    Ok(data)
}

/// What the annual review's sections on projects, funds, assets, forces and relocation read.
pub struct ProjectsData {
    pub details: ProjectDetails,
    pub official: Vec<OfficialStat>,
}

/// The figures of issue 15 for `area` as of `as_of`: the project records and the cadre table (one truth
/// with the monitoring records: assisting cadres are the cadres stored there).
pub fn project_details(
    store: &Store,
    area: &AreaCode,
    as_of: NaiveDate,
) -> Result<ProjectDetails, LoadError> {
    let inputs = project_inputs(store, area)?;
    Ok(ProjectDetails::compute(
        &inputs.records,
        &inputs.cadres,
        area,
        as_of,
    ))
}

/// The project library's records and the cadre table of `area`.
pub fn project_inputs(store: &Store, area: &AreaCode) -> Result<ProjectInputs, LoadError> {
    Ok(ProjectInputs {
        records: store.project_records_within(area)?,
        cadres: store.cadres_within(area)?,
    })
}

/// The cases of the monitoring workflow within `area`, from the store's case tables (opened, decided and
/// rejected as China dates), for the lead-to-decision and channel indicators.
pub fn lead_cases(store: &Store, area: &AreaCode) -> Result<Vec<LeadCase>, LoadError> {
    let china = |t: DateTime<Utc>| (t + chrono::Duration::hours(8)).date_naive();
    // The case rows carry the first step's time, the state and the closing time: no steps are read.
    Ok(store
        .case_outlines_within(area)?
        .iter()
        .map(|c| {
            let closed = c.closed_at.map(china);
            LeadCase {
                village: c.village,
                kind: c.kind,
                channel: c.channel,
                monitoring_kind: c.monitoring_kind,
                opened: china(c.opened_at),
                decided: closed.filter(|_| c.decided),
                rejected: closed.filter(|_| !c.decided),
            }
        })
        .collect())
}

/// Assistance measures running on `on` for the households within `area`.
pub fn running_measures(
    store: &Store,
    area: &AreaCode,
    on: NaiveDate,
) -> Result<RunningMeasures, LoadError> {
    Ok(running_measures_on(store, area, &[on])?
        .pop()
        .unwrap_or_default())
}

/// [`running_measures`] on each of `dates`, from one read of the store.
pub fn running_measures_on(
    store: &Store,
    area: &AreaCode,
    dates: &[NaiveDate],
) -> Result<Vec<RunningMeasures>, LoadError> {
    Ok(store
        .running_measure_kinds_on(area, dates)?
        .into_iter()
        .map(indicators::running_measures)
        .collect())
}

/// Households within `area` visited in the [`indicators::VISIT_WINDOW_DAYS`] up to `on` (the visit
/// timeliness indicator).
pub fn recent_visits(
    store: &Store,
    area: &AreaCode,
    on: NaiveDate,
) -> Result<RecentVisits, LoadError> {
    Ok(recent_visits_on(store, area, &[on])?
        .pop()
        .unwrap_or_default())
}

/// [`recent_visits`] up to each of `dates`, from one read of the store.
pub fn recent_visits_on(
    store: &Store,
    area: &AreaCode,
    dates: &[NaiveDate],
) -> Result<Vec<RecentVisits>, LoadError> {
    let windows: Vec<(NaiveDate, NaiveDate)> = dates
        .iter()
        .map(|on| {
            (
                *on - chrono::Duration::days(indicators::VISIT_WINDOW_DAYS - 1),
                *on,
            )
        })
        .collect();
    Ok(store
        .households_visited_in(area, &windows)?
        .into_iter()
        .map(|ids| ids.into_iter().collect())
        .collect())
}

/// What the indicators read from status events beyond the engine: the monitoring decisions' risk types
/// and the households returned to poverty in the year.
type EventFacts = (DecidedRisks, HashSet<HouseholdId>);

/// Collects, from each household read, the risk types of its monitoring decision in force on `as_of` and
/// whether it returned to poverty in `year`.
fn event_facts<'a>(
    decided: &'a mut DecidedRisks,
    returned: &'a mut HashSet<HouseholdId>,
    year: u16,
    as_of: NaiveDate,
) -> impl FnMut(&StoredHousehold) + 'a {
    move |stored| {
        if let Some(bits) = indicators::decided_risks(&stored.events, as_of) {
            decided.insert(stored.id, bits);
        }
        if indicators::returned_in_year(&stored.events, year, as_of) {
            returned.insert(stored.id);
        }
    }
}

/// Streams the households within `area` as of `as_of` into an engine for `year` ([`load_with`]),
/// collecting the risk types of the monitoring decisions in force on the way.
fn load_one(
    store: &Store,
    area: &AreaCode,
    year: u16,
    as_of: NaiveDate,
    progress: &mut dyn Progress,
) -> Result<(Engine, DateTime<Utc>, EventFacts), LoadError> {
    let (mut decided, mut returned) = (DecidedRisks::new(), HashSet::new());
    let mut collect = event_facts(&mut decided, &mut returned, year, as_of);
    let loaded = load_with(store, area, year, as_of, &mut collect, progress)?;
    drop(collect);
    Ok((loaded.engine, loaded.data_time, (decided, returned)))
}

/// The sheet name of a level in the standard tables.
pub fn sheet_name(level: AreaLevel) -> &'static str {
    match level {
        AreaLevel::Province => "省级",
        AreaLevel::City => "市级",
        AreaLevel::County => "县级",
        AreaLevel::Township => "乡镇级",
        AreaLevel::Village => "村级",
    }
}

impl ReportData {
    /// Loads `area` for `year` as of `as_of` (default the year's end) and evaluates it under `pack`. With
    /// `history`, every year from [`FIRST_YEAR`] is evaluated too (the store read once, one engine per
    /// year, as [`load_years`] does; year by year as of each year's end if households were edited since
    /// generation). The monitoring workflow's cases and the running assistance measures come from the
    /// store's monitoring tables ([`lead_cases`], [`running_measures`]).
    pub fn load(
        store: &Store,
        area: &AreaCode,
        year: u16,
        as_of: Option<NaiveDate>,
        history: bool,
        pack: &PolicyPack,
        progress: &mut dyn Progress,
    ) -> Result<ReportData, LoadError> {
        if year < FIRST_YEAR {
            return Err(LoadError::YearTooEarly(year));
        }
        let as_of = as_of.unwrap_or_else(|| year_end(year));
        let tree = store.area_tree()?;
        if tree.get(area).is_none() {
            return Err(LoadError::UnknownArea(*area));
        }
        // The workflow's cases, the running measures, the project and economy records and the visits are
        // read beside the registry (or the snapshot): the store reads on several connections at once.
        let (side, data) = std::thread::scope(|scope| {
            let side = scope.spawn(|| -> Result<_, LoadError> {
                let mut t = Timings::default();
                // Kept with the year's snapshot by `evaluate` (as current as the snapshot); else read.
                let kept = t.time("快照中的监测事项、走访与产业就业", || {
                    snapshot::workflow_of(store, area, year, as_of)
                })?;
                let (leads, measures, kept_visits, kept_economy) = match kept {
                    Some(w) => (w.leads, w.measures, w.visited, w.economy),
                    None => (
                        t.time("监测事项", || lead_cases(store, area))?,
                        t.time("在实施的帮扶措施", || {
                            running_measures(store, area, as_of)
                        })?,
                        None,
                        None,
                    ),
                };
                let inputs = t.time("项目库与帮扶干部", || project_inputs(store, area))?;
                let visited = match kept_visits {
                    Some(v) => v,
                    None => t.time("近期走访", || recent_visits(store, area, as_of))?,
                };
                let economy = t.time("产业就业记录", || {
                    economy_tallied(store, area, year.saturating_sub(1)..=year, kept_economy)
                })?;
                Ok((leads, measures, inputs, visited, economy, t))
            });
            let data =
                Self::load_registry(store, &tree, area, year, as_of, history, pack, progress);
            (side.join(), data)
        });
        let mut data = data?;
        let (leads, measures, inputs, visited, mut economy, side_timings) =
            side.map_err(|_| LoadError::Feeder)??;
        (data.leads, data.measures, data.visited) = (leads, measures, visited);
        data.timings.extend_beside(side_timings);
        // The economy's households placed by this evaluation (those the tallies name).
        economy.household_village = data.timings.time("各户所在村", || {
            let named: HashSet<HouseholdId> = economy.tallies.iter().map(|t| t.household).collect();
            data.engine
                .outcomes(&data.eval)
                .filter(|o| named.contains(&o.id))
                .map(|o| (o.id, o.village))
                .collect()
        });
        data.economy = economy;
        // The annual review's project sections (with the history) from the same records.
        if data.history.is_some() {
            let started = Instant::now();
            data.projects = Some(ProjectsData {
                details: ProjectDetails::compute(&inputs.records, &inputs.cadres, area, as_of),
                official: store.official_stats(area)?,
            });
            data.timings
                .add("项目汇总", started.elapsed().as_secs_f64());
        }
        data.project_inputs = Some(inputs);
        Ok(data)
    }

    /// [`ReportData::load`] without the workflow's cases, the running measures and the records beside the
    /// registry (left empty): for figures that read only the evaluation (poverty measures, the county exit
    /// test).
    pub fn load_evaluation(
        store: &Store,
        area: &AreaCode,
        year: u16,
        as_of: Option<NaiveDate>,
        history: bool,
        pack: &PolicyPack,
        progress: &mut dyn Progress,
    ) -> Result<ReportData, LoadError> {
        if year < FIRST_YEAR {
            return Err(LoadError::YearTooEarly(year));
        }
        let as_of = as_of.unwrap_or_else(|| year_end(year));
        let tree = store.area_tree()?;
        if tree.get(area).is_none() {
            return Err(LoadError::UnknownArea(*area));
        }
        Self::load_registry(store, &tree, area, year, as_of, history, pack, progress)
    }

    #[allow(clippy::too_many_arguments)]
    fn load_registry(
        store: &Store,
        tree: &AreaTree,
        area: &AreaCode,
        year: u16,
        as_of: NaiveDate,
        history: bool,
        pack: &PolicyPack,
        progress: &mut dyn Progress,
    ) -> Result<ReportData, LoadError> {
        let (leads, measures) = (Vec::new(), RunningMeasures::default());
        match Self::from_snapshots(store, tree, area, year, as_of, history, pack, progress)? {
            Ok(data) => return Ok(data),
            Err(why) => progress.note(&why.text()),
        }
        let tree = tree.clone();
        let mut timings = Timings::default();
        let started = Instant::now();
        if !history {
            let (engine, data_time, (decided, returned)) =
                load_one(store, area, year, as_of, progress)?;
            timings.add("读取登记数据", started.elapsed().as_secs_f64());
            let eval = timings.time("评估", || engine.evaluate(pack))?;
            return Ok(ReportData {
                area: *area,
                engine,
                eval,
                tree,
                data_time,
                history: None,
                series: None,
                decided,
                returned,
                leads,
                measures,
                visited: RecentVisits::default(),
                projects: None,
                economy: Default::default(),
                project_inputs: None,
                timings,
            });
        }
        // Every year from 2013 read in one pass (the evaluated year too, when it is read as of its year-end).
        let same_date = as_of == year_end(year);
        let last = if same_date { year } else { year - 1 };
        let years: Vec<u16> = (FIRST_YEAR..=last).collect();
        let (mut decided, mut returned) = (DecidedRisks::new(), HashSet::new());
        let mut collect = event_facts(&mut decided, &mut returned, year, as_of);
        let mut engines = load_years(store, &tree, area, &years, &mut collect, progress)?;
        drop(collect);
        let mut data_time = engines
            .iter()
            .map(|l| l.data_time)
            .max()
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let target = match engines.pop() {
            Some(loaded) if same_date => loaded.engine,
            other => {
                engines.extend(other);
                let (engine, time, facts) = load_one(store, area, year, as_of, progress)?;
                data_time = data_time.max(time);
                (decided, returned) = facts;
                engine
            }
        };
        let engines: Vec<Engine> = engines.into_iter().map(|l| l.engine).collect();
        timings.add("读取登记数据", started.elapsed().as_secs_f64());
        let started = Instant::now();
        let mut exits = ExitHistory::default();
        let name = tree.get(area).map(|a| a.name.clone()).unwrap_or_default();
        let mut series = SummarySeries::new(*area, name);
        for engine in engines {
            let eval = engine.evaluate(pack)?;
            exits.add(&eval);
            series.add(&engine, &eval);
        }
        let eval = target.evaluate(pack)?;
        series.add(&target, &eval);
        timings.add("评估", started.elapsed().as_secs_f64());
        let projects = None;
        Ok(ReportData {
            area: *area,
            engine: target,
            eval,
            tree,
            data_time,
            history: Some(exits),
            series: Some(series),
            decided,
            returned,
            leads,
            measures,
            visited: RecentVisits::default(),
            projects,
            economy: Default::default(),
            project_inputs: None,
            timings,
        })
    }

    /// The year restored from fresh snapshots ([`snapshot`]): the target year's engine evaluated under
    /// `pack`, and with `history` every earlier year's counts (from the stored counts when they were taken
    /// under the same pack). `Err` says why the registry has to be read instead. The leads and measures
    /// are left empty for the caller to fill.
    #[allow(clippy::too_many_arguments)]
    fn from_snapshots(
        store: &Store,
        tree: &AreaTree,
        area: &AreaCode,
        year: u16,
        as_of: NaiveDate,
        history: bool,
        pack: &PolicyPack,
        progress: &mut dyn Progress,
    ) -> Result<Result<ReportData, Staleness>, LoadError> {
        let mut timings = Timings::default();
        let started = Instant::now();
        let target = match snapshot::fresh(store, area, year, as_of)? {
            Ok(info) => info,
            Err(why) => return Ok(Err(why)),
        };
        let mut earlier = Vec::new();
        if history {
            for y in FIRST_YEAR..year {
                match snapshot::fresh(store, area, y, year_end(y))? {
                    Ok(info) => earlier.push(info),
                    Err(Staleness::Missing { .. }) => {
                        return Ok(Err(Staleness::History { year, missing: y }))
                    }
                    Err(why) => return Ok(Err(why)),
                }
            }
        }
        timings.add("查找快照", started.elapsed().as_secs_f64());
        progress.start("读取评估快照", 1 + earlier.len() as u64, "个年度");
        let mut data_time = target.data_time;
        // The target year restored and evaluated while the earlier years are answered from their stored
        // counts, those in parallel too (each reads its own small blob).
        let (target, earlier_evals) = rayon::join(
            || -> Result<_, LoadError> {
                let started = Instant::now();
                // The workflow kept beside is read by `load`'s own thread (`workflow_of`).
                let restored = snapshot::restore_with(store, tree, target, false)?;
                let restored_secs = started.elapsed().as_secs_f64();
                let started = Instant::now();
                let eval = restored.engine.evaluate(pack)?;
                Ok((
                    restored,
                    eval,
                    restored_secs,
                    started.elapsed().as_secs_f64(),
                ))
            },
            || -> Result<(Vec<(Engine, Evaluation)>, f64), LoadError> {
                let started = Instant::now();
                let evals = earlier
                    .par_iter()
                    .map(|info| snapshot::area_evaluation(store, tree, info, pack))
                    .collect::<Result<_, _>>()?;
                Ok((evals, started.elapsed().as_secs_f64()))
            },
        );
        let (restored, eval, restore_secs, evaluate_secs) = target?;
        let (earlier_evals, earlier_secs) = earlier_evals?;
        timings.add("恢复快照", restore_secs);
        timings.add("评估", evaluate_secs);
        if history {
            timings.add_beside("往年计数", earlier_secs);
        }
        progress.set(1 + earlier.len() as u64);
        let started = Instant::now();
        let (history, series) = if history {
            let mut exits = ExitHistory::default();
            let name = tree.get(area).map(|a| a.name.clone()).unwrap_or_default();
            let mut series = SummarySeries::new(*area, name);
            for (info, (engine, eval)) in earlier.iter().zip(&earlier_evals) {
                exits.add(eval);
                series.add(engine, eval);
                data_time = data_time.max(info.data_time);
            }
            series.add(&restored.engine, &eval);
            (Some(exits), Some(series))
        } else {
            (None, None)
        };
        progress.finish();
        if history.is_some() {
            timings.add("逐年汇总", started.elapsed().as_secs_f64());
        }
        let snapshot::EventFacts {
            decided, returned, ..
        } = restored.facts;
        // The annual review's project records are read by `load`, beside the snapshot.
        let projects = None;
        Ok(Ok(ReportData {
            area: *area,
            engine: restored.engine,
            eval,
            tree: tree.clone(),
            data_time,
            history,
            series,
            decided,
            returned,
            leads: Vec::new(),
            measures: RunningMeasures::default(),
            visited: RecentVisits::default(),
            projects,
            economy: Default::default(),
            project_inputs: None,
            timings,
        }))
    }

    pub fn extras(&self) -> Extras<'_> {
        Extras {
            history: self.history.as_ref(),
            decided: Some(&self.decided),
            leads: Some(&self.leads),
            returned: Some(&self.returned),
            measures: Some(&self.measures),
            economy: Some(&self.economy),
            projects: self.project_inputs.as_ref(),
            visited: Some(&self.visited),
            cases_on: None,
        }
    }

    pub fn provenance(&self) -> Provenance {
        Provenance {
            pack_version: self.eval.pack_version.clone(),
            pack_hash: self.eval.pack_hash.clone(),
            data_time: self.data_time.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
            as_of: self.eval.as_of,
            code_version: code_version(),
        }
    }

    /// An area's name as of the evaluation date (its current name if it had none then).
    pub fn name(&self, code: &AreaCode) -> String {
        self.tree
            .name_on(code, self.eval.as_of)
            .map(str::to_owned)
            .or_else(|| self.tree.get(code).map(|a| a.name.clone()))
            .unwrap_or_else(|| code.to_string())
    }

    /// `area` and, with `level`, its areas of that level that have households, with their names.
    pub fn rows_for(&self, area: &AreaCode, level: Option<AreaLevel>) -> Vec<(AreaCode, String)> {
        let mut codes = vec![*area];
        if let Some(level) = level {
            codes.extend(indicators::drill_down(
                &self.engine,
                &self.eval,
                area,
                level,
            ));
        }
        codes.into_iter().map(|c| (c, self.name(&c))).collect()
    }

    /// The indicators of the loaded area and every county, township and village in it, computed in one
    /// walk over the households, split by level (one table per level, the area's own level first).
    pub fn tables_by_level(&self) -> Vec<(AreaLevel, IndicatorTable)> {
        let area = self.area;
        let levels: Vec<AreaLevel> = [AreaLevel::County, AreaLevel::Township, AreaLevel::Village]
            .into_iter()
            .filter(|lv| lv.digits() >= area.level().digits())
            .collect();
        let mut areas = Vec::new();
        for lv in &levels {
            let codes = if *lv == area.level() {
                vec![area]
            } else {
                indicators::drill_down(&self.engine, &self.eval, &area, *lv)
            };
            areas.extend(codes.into_iter().map(|c| (c, self.name(&c))));
        }
        let all = indicators::compute(&self.engine, &self.eval, &areas, self.extras());
        levels
            .iter()
            .map(|lv| {
                let mut t = all.clone();
                t.rows.retain(|r| r.level == *lv);
                (*lv, t)
            })
            .collect()
    }

    /// The standard tables as an XLSX workbook: one sheet per level from the area's down to villages, plus
    /// the indicator notes and sources. Aggregates only: no personal data.
    pub fn tables_workbook(&self) -> Result<Vec<u8>, LoadError> {
        let split = self.tables_by_level();
        let sheets: Vec<(&str, &IndicatorTable)> =
            split.iter().map(|(lv, t)| (sheet_name(*lv), t)).collect();
        tables::workbook(&sheets, &self.provenance()).map_err(|e| LoadError::Tables(e.to_string()))
    }

    /// The annual review of the loaded area and year (needs the history: load with `history`).
    pub fn annual_review(&self) -> Result<Document, LoadError> {
        let area = self.area;
        let level = area.level().child();
        let areas = self.rows_for(&area, level);
        let table = indicators::compute(&self.engine, &self.eval, &areas, self.extras());
        let measures = population::income_measures(
            &self.engine,
            &self.eval,
            &area,
            level.unwrap_or(area.level()),
            Line::Poverty,
        );
        let provenance = self.provenance();
        let series = self.series.as_ref().ok_or(LoadError::NoHistory)?;
        let mut doc = annual::annual(AnnualInputs {
            series,
            year: self.engine.year(),
            indicators: &table,
            measures: measures.as_ref(),
            provenance: &provenance,
        })
        .ok_or(LoadError::NoResults)?;
        if let Some(p) = &self.projects {
            let name = |code: &str| {
                AreaCode::parse(code)
                    .ok()
                    .map_or_else(|| code.to_owned(), |c| self.name(&c))
            };
            // The relocated households' employment of the year, from the economy's records.
            let year = self.engine.year();
            let relocation = self
                .project_inputs
                .as_ref()
                .filter(|_| self.economy.has_employment(year))
                .map(|i| {
                    jingzhun_report::economy::relocation_employment_with(
                        &i.records.residents,
                        self.eval.as_of,
                        &YearEmployment::of_tallies(year, &self.economy.household_tallies()),
                    )
                });
            projects::append_sections(
                &mut doc,
                projects::review_sections(&p.details, &p.official, relocation.as_ref(), &name),
            );
        }
        self.add_economy_sections(&mut doc);
        Ok(doc)
    }

    /// The economy sections before the footer, when the area has economy records. The year before is
    /// counted with this year's labour force (the households lifted or monitored at this year's end).
    fn add_economy_sections(&self, doc: &mut Document) {
        use jingzhun_report::economy::{self, EconomyFigures};
        let d = &self.economy;
        if d.operators.is_empty() && d.accounts.is_empty() && !d.has_any_employment() {
            return;
        }
        let year = self.engine.year();
        let force = economy::labour_force_households(&self.engine, &self.eval);
        let now = EconomyFigures::compute(&self.area, year, d, &force);
        let before = year
            .checked_sub(1)
            .map(|y| EconomyFigures::compute(&self.area, y, d, &force));
        let at = doc
            .blocks
            .iter()
            .position(|b| matches!(b, annual::Block::Footer(_)))
            .unwrap_or(doc.blocks.len());
        let blocks = economy::annual_blocks(&now, before.as_ref());
        doc.blocks.splice(at..at, blocks);
    }
}
