//! `jingzhun synth`: generates a synthetic registry (deterministic for a seed) into the database, into
//! household spreadsheets (`--out`, see [`super::synth_out`]) or straight into the engine (`--engine`).
//!
//! Any area of the tree, any scale; `--national` (or `--area 0`) asks for national size (about 30 million
//! households, [`jingzhun_synth::national_config`]), `--scale` then being the fraction of it. Runs at scale
//! above 1 file households under synthetic counties beyond the tree; their areas are stored (or written as
//! a division file next to spreadsheets) with the households.

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Instant;

use std::path::PathBuf;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use jingzhun_core::{AreaCode, AreaTree, DepartmentFact, HouseholdNo};
use jingzhun_loader::SideIndex;
use jingzhun_report::economy::HouseholdTally;
use jingzhun_store::{Actor, HouseholdHistory, Layout, MeasureDates, Store, StoredHistory};
use jingzhun_synth::department::Finding;
use jingzhun_synth::{Calibration, Generator, SynthConfig, SynthError};

use super::{economy, progress, synth_monitoring, synth_national, synth_projects};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 生成哪个区划（默认巴中市 5119）；0 表示全国规模，同 --national
    #[arg(long, default_value = "5119")]
    pub area: String,
    /// 全国规模（约 3000 万户、9000 万人，以合成县补足区划树之外的部分）；此时 --scale 为全国规模的倍数
    #[arg(long, conflicts_with = "area")]
    pub national: bool,
    /// 规模：1 为实际人口；小于 1 按比例缩小，大于 1 以合成县复制（巴中市约 26 为全国规模）
    #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
    pub scale: f64,
    /// 随机种子：同一种子生成相同数据
    #[arg(long, default_value_t = 2014)]
    pub seed: u64,
    /// 每户注入一处数据缺陷的概率（供数据质量检查演示），默认 0
    #[arg(long, default_value_t = 0.0)]
    pub defects: f64,
    /// 数据截止日期：此后不生成任何记录，届时未办结的监测事项保持在办（默认 2026-12-31，须在 2026 年内）
    #[arg(long)]
    pub data_end: Option<NaiveDate>,
    /// 写入户籍表文件而不是数据库：.csv 或 .xlsx 文件，或一个文件夹（每县一个文件，格式由 --format 指定）
    #[arg(long, conflicts_with = "engine")]
    pub out: Option<PathBuf>,
    /// 写入文件夹时的文件格式：csv 或 xlsx（默认 csv）；写入单个文件时由扩展名决定
    #[arg(long, value_enum, requires = "out")]
    pub format: Option<super::synth_out::FileFormat>,
    /// 年度：写入文件的收入年度，或 --engine 评估的年度（默认 2026）
    #[arg(long)]
    pub year: Option<u16>,
    /// 每个收入年度（2013–2026）各写一个文件（文件名加 _年度），导入全部文件即得到全部收入
    #[arg(long, requires = "out", conflicts_with = "year")]
    pub all_years: bool,
    /// 不经数据库直接载入评估引擎，评估一个年度并显示汇总与用时（用于性能测试）
    #[arg(long)]
    pub engine: bool,
    /// --engine 使用的政策包文件夹；默认为随程序发布的政策包
    #[arg(long, requires = "engine")]
    pub pack: Option<PathBuf>,
    /// 写入按省分区的全国库（`init --partitioned`）时的并行写入连接数（不超过 --pg-bulk-pool-size 减 1）
    #[arg(long, default_value_t = 2)]
    pub writers: usize,
}

impl Args {
    /// Whether the run writes into the database (otherwise no database is opened).
    pub fn needs_store(&self) -> bool {
        self.out.is_none() && !self.engine
    }

    /// The run's configuration over `tree`, checked by the generator's own rules later.
    pub fn config(&self, tree: &AreaTree) -> anyhow::Result<SynthConfig> {
        let mut config = if self.national || self.area.trim() == "0" {
            jingzhun_synth::national_config(tree, self.seed, self.scale, self.defects)
                .context("无法按全国规模生成")?
        } else {
            let area = AreaCode::parse(&self.area)
                .with_context(|| format!("区划代码「{}」无效", self.area))?;
            SynthConfig {
                seed: self.seed,
                area,
                scale: self.scale,
                defect_rate: self.defects,
                ..SynthConfig::default()
            }
        };
        if let Some(end) = self.data_end {
            config.data_end = end;
        }
        Ok(config)
    }
}

pub fn run(store: &Store, actor: &Actor, args: Args) -> anyhow::Result<ExitCode> {
    let tree = store.area_tree()?;
    if tree.is_empty() {
        bail!("数据库中没有行政区划，请先运行 `jingzhun init`");
    }
    let config = args.config(&tree)?;
    // A registry partitioned by province (the national layout) is written by the national load.
    if store.registry_layout()? == Layout::Partitioned {
        print!(
            "{}",
            synth_national::generate(store, actor, config, args.writers)?
        );
        return Ok(ExitCode::SUCCESS);
    }
    let summary = generate_into(store, actor, config)?;
    print!("{summary}");
    Ok(ExitCode::SUCCESS)
}

/// Generates into the store with a progress bar; returns the calibration report of what was written.
pub fn generate_into(store: &Store, actor: &Actor, config: SynthConfig) -> anyhow::Result<String> {
    Ok(generate_into_then(store, actor, config, None)?.report)
}

/// What [`generate_into_then`] wrote.
pub struct Generated {
    /// The calibration report.
    pub report: String,
    /// Where the time went (households, monitoring records, economy records, project library).
    pub steps: String,
    /// The links and employment written of the households within the area, summed per household and
    /// year (what [`jingzhun_loader::household_tallies`] reads back).
    pub tallies: Vec<HouseholdTally>,
}

/// The side facts by household number of the villages generated whose households are not all handed
/// back yet: the measures' dates and the department findings, each in the generated order.
type PendingSide = HashMap<HouseholdNo, (Vec<(NaiveDate, Option<NaiveDate>)>, Vec<Finding>)>;

/// [`generate_into`], handing every batch of households back once it is committed, with the ids the
/// store gave them and their side facts as the store will give them once the monitoring records and
/// department lists are written (`demo` evaluates them as they are written instead of reading them back).
pub fn generate_into_then(
    store: &Store,
    actor: &Actor,
    config: SynthConfig,
    mut written: Option<&mut dyn FnMut(Vec<StoredHistory>, SideIndex)>,
) -> anyhow::Result<Generated> {
    let tree = store.area_tree()?;
    if tree.is_empty() {
        bail!("数据库中没有行政区划，请先运行 `jingzhun init`");
    }
    let existing = store.count_households(&config.area)?;
    if existing > 0 {
        bail!(
            "区划 {} 下已有 {existing} 户数据；请换一个新的数据库文件（--db）再生成",
            config.area
        );
    }
    let generator = Generator::new(&tree, config.clone()).context("无法按此配置生成数据")?;
    // Areas beyond the tree (scale > 1) first, so that the households are shown, scoped and re-imported
    // under named areas.
    let synthetic = jingzhun_synth::synthetic_areas(&generator, &tree);
    if !synthetic.is_empty() {
        store.upsert_areas(
            &synthetic,
            actor,
            &format!("生成演示数据：规模 {} 的合成区划", config.scale),
        )?;
    }
    let bar = progress::bar(
        "生成并写入",
        generator.expected_households().round() as u64,
        "户",
    );
    let started = Instant::now();
    let reason = format!(
        "生成演示数据：区划 {}，规模 {}，种子 {}，缺陷率 {}，数据截止于 {}",
        config.area, config.scale, config.seed, config.defect_rate, config.data_end
    );
    // The generator runs on its own thread (villages in parallel on rayon's pool) while this one writes,
    // so generating and writing overlap; the bounded channel keeps a few batches in memory at most.
    // Each village's monitoring records are kept and written once the households they refer to have ids.
    let (written, calibration, monitoring, economies, facts, findings, failure) =
        std::thread::scope(|scope| {
            type Measures = Vec<(HouseholdNo, NaiveDate, Option<NaiveDate>)>;
            let (tx, rx) =
                std::sync::mpsc::sync_channel::<(Vec<HouseholdHistory>, Measures, Vec<Finding>)>(
                    64,
                );
            let generator = &generator;
            let with_side = written.is_some();
            let producer = scope.spawn(move || {
                let mut calibration = Calibration::default();
                let mut monitoring = Vec::with_capacity(generator.villages().len());
                let mut economies = Vec::with_capacity(generator.villages().len());
                let mut facts = Vec::with_capacity(generator.villages().len());
                let mut findings = Vec::with_capacity(generator.villages().len());
                for village in generator.par_iter_full(32) {
                    let (village, records, economy, department) = match village {
                        Ok(v) => v,
                        Err(e) => {
                            return (calibration, monitoring, economies, facts, findings, Some(e))
                        }
                    };
                    calibration.add_village(&village);
                    facts.push(jingzhun_synth::projects::VillageFacts::of(&village));
                    // The side facts the rules read: the measures and the department findings.
                    let (measures, side_findings) = if with_side {
                        (records.measure_dates(), department.clone())
                    } else {
                        (Vec::new(), Vec::new())
                    };
                    findings.push(department);
                    monitoring.push(records);
                    economies.push(economy);
                    let rows = village
                        .households
                        .into_iter()
                        .map(|mut g| {
                            let events = std::mem::take(&mut g.events);
                            HouseholdHistory {
                                versions: g.into_versions(),
                                events,
                            }
                        })
                        .collect();
                    // The writer stopped (an error): stop generating.
                    if tx.send((rows, measures, side_findings)).is_err() {
                        break;
                    }
                }
                (calibration, monitoring, economies, facts, findings, None)
            });
            let written = {
                let side = std::cell::RefCell::new(PendingSide::new());
                let mut pending: std::vec::IntoIter<HouseholdHistory> = Vec::new().into_iter();
                let mut households = std::iter::from_fn(|| loop {
                    if let Some(next) = pending.next() {
                        return Some(next);
                    }
                    let (rows, dates, found) = rx.recv().ok()?;
                    let mut m = side.borrow_mut();
                    for (no, started, ended) in dates {
                        m.entry(no).or_default().0.push((started, ended));
                    }
                    for f in found {
                        m.entry(f.household.clone()).or_default().1.push(f);
                    }
                    pending = rows.into_iter();
                });
                let mut progress = |n: usize| bar.set_position(n as u64);
                match written.as_mut() {
                    Some(w) => store.bulk_load_histories_then(
                        &mut households,
                        actor,
                        &reason,
                        &mut progress,
                        &mut |batch: Vec<StoredHistory>| {
                            let mut dates: Vec<MeasureDates> = Vec::new();
                            let mut department: Vec<DepartmentFact> = Vec::new();
                            {
                                let mut m = side.borrow_mut();
                                for h in &batch {
                                    let Some(v) = h.versions.first() else {
                                        continue;
                                    };
                                    let (measures, found) =
                                        m.remove(&v.household.number).unwrap_or_default();
                                    for (started, ended) in measures {
                                        dates.push((h.id, started, ended));
                                    }
                                    department.extend(
                                        found
                                            .iter()
                                            .map(|f| synth_monitoring::department_fact(h.id, f)),
                                    );
                                }
                            }
                            // The store's order: by household, then start or date (stable: the order
                            // written, which `synth_monitoring::load_department` keeps too).
                            dates.sort_by_key(|(id, started, _)| (*id, *started));
                            department.sort_by_key(|f| (f.household, f.date));
                            w(batch, SideIndex::of_rows(department, dates));
                        },
                    ),
                    None => {
                        store.bulk_load_histories(&mut households, actor, &reason, &mut progress)
                    }
                }
            };
            drop(rx);
            let (calibration, monitoring, economies, facts, findings, failure) =
                producer.join().unwrap_or_else(|_| {
                    (
                        Calibration::default(),
                        Vec::new(),
                        Vec::new(),
                        Vec::new(),
                        Vec::new(),
                        Some(SynthError::Internal("生成线程异常退出")),
                    )
                });
            (
                written,
                calibration,
                monitoring,
                economies,
                facts,
                findings,
                failure,
            )
        });
    bar.finish_and_clear();
    // A generator error ends the stream early, so report it before the count written.
    if let Some(e) = failure {
        return Err(e).context("生成中断");
    }
    let written = written?;
    let seconds = started.elapsed().as_secs_f64();
    let step = Instant::now();
    let ids = synth_monitoring::ids_of(store, &config.area, monitoring.iter().map(|v| v.village))?;
    let loaded = synth_monitoring::load(store, actor, &ids, monitoring)?;
    let department_rows = synth_monitoring::load_department(store, actor, &ids, &findings)?;
    drop(ids);
    let monitoring_secs = step.elapsed().as_secs_f64();
    let step = Instant::now();
    let (economy_loaded, left_out, tallies) =
        economy::load_generated(store, actor, &config.area, economies, &reason)?;
    let economy_secs = step.elapsed().as_secs_f64();
    let step = Instant::now();
    let project_rows =
        synth_projects::load(store, actor, &config.area, config.seed, config.scale, facts)?;
    let steps = format!(
        "农户 {seconds:.1} 秒，监测帮扶记录 {monitoring_secs:.1} 秒，产业就业记录 {economy_secs:.1} 秒，\
         项目库 {:.1} 秒",
        step.elapsed().as_secs_f64()
    );
    let report = format!(
        "已生成并写入 {written} 户（{seconds:.1} 秒，{:.0} 户/秒）\n{}，部门比对清单 {department_rows} 条；{}\n{}（共 {:.1} 秒）\n{}",
        written as f64 / seconds.max(1e-9),
        synth_monitoring::summary(&loaded),
        synth_projects::summary(project_rows),
        economy::summary(&economy_loaded, left_out),
        started.elapsed().as_secs_f64(),
        calibration.figures().report(config.scale)
    );
    Ok(Generated {
        report,
        steps,
        tallies,
    })
}
