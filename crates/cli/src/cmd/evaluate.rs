//! `jingzhun evaluate` and `jingzhun whatif`: load the registry from the store into the engine, evaluate it,
//! and (for `evaluate`) store the proposals with the pack version and data time they came from.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::Household;
use jingzhun_core::{AreaCode, AreaLevel, AreaTree};
use jingzhun_engine::{Engine, Evaluation, HouseholdInput, Rollup};
use jingzhun_policy::ProposalKind;
use jingzhun_store::{
    EvaluationRun, ProposalRecord, Store, StoredHistory, StoredHousehold, StoredVersion,
};
use rayon::prelude::*;

use super::{policy::load_pack, progress};

#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// 评估年度 (默认为上一个完整年度)
    #[arg(long)]
    pub year: Option<u16>,
    /// 按此日期的数据与状态评估 (默认该年 12 月 31 日)
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// 只评估此区划内的农户 (默认全部)
    #[arg(long)]
    pub area: Option<String>,
    /// 政策包文件夹; 默认为随程序发布的政策包
    #[arg(long)]
    pub pack: Option<PathBuf>,
    /// 只显示结果, 不保存建议
    #[arg(long)]
    pub no_save: bool,
    /// 输出格式: table 或 json
    #[arg(long, default_value = "table")]
    pub format: String,
}

#[derive(Debug, clap::Args)]
pub struct WhatIfArgs {
    /// 调整后的政策包文件夹 (与现行政策包比较)
    #[arg(long)]
    pub pack: PathBuf,
    /// 作为比较基准的政策包文件夹; 默认为随程序发布的政策包
    #[arg(long)]
    pub base: Option<PathBuf>,
    #[arg(long)]
    pub year: Option<u16>,
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    #[arg(long)]
    pub area: Option<String>,
    /// 列出多少户状态变化的农户 (其余只计数)
    #[arg(long, default_value_t = 20)]
    pub show: usize,
    #[arg(long, default_value = "table")]
    pub format: String,
}

/// The last complete calendar year.
pub fn default_year() -> u16 {
    use chrono::Datelike;
    (chrono::Local::now().year() - 1).clamp(2013, i32::from(u16::MAX)) as u16
}

pub fn year_end(year: u16) -> NaiveDate {
    NaiveDate::from_ymd_opt(i32::from(year), 12, 31).unwrap_or_default()
}

/// The registry as the engine holds it, with the moment of the newest record read.
pub struct Loaded {
    pub engine: Engine,
    pub data_time: DateTime<Utc>,
    pub tree: AreaTree,
}

/// Streams the households within `area` as of `as_of` from the store into an engine for `year`.
pub fn load(store: &Store, area: &AreaCode, year: u16, as_of: NaiveDate) -> anyhow::Result<Loaded> {
    load_with(store, area, year, as_of, &mut |_| {})
}

/// As [`load`], and `each` sees every household read (e.g. to collect facts the engine does not keep).
pub fn load_with(
    store: &Store,
    area: &AreaCode,
    year: u16,
    as_of: NaiveDate,
    each: &mut dyn FnMut(&StoredHousehold),
) -> anyhow::Result<Loaded> {
    let tree = store.area_tree()?;
    if tree.is_empty() {
        bail!("数据库中没有行政区划, 请先运行 `jingzhun init`");
    }
    let total = store.count_households(area)?;
    let bar = progress::bar(&format!("读取 {year} 年"), total, "户");
    let mut engine = Engine::new(&tree, year, as_of);
    let mut data_time = DateTime::<Utc>::MIN_UTC;
    let mut n = 0u64;
    store.scan_households(area, Some(as_of), &mut |stored| {
        data_time = data_time.max(stored.recorded_at);
        each(&stored);
        engine.insert(HouseholdInput::from((
            stored.id,
            &stored.household,
            stored.events.as_slice(),
        )));
        n += 1;
        if n.is_multiple_of(16_384) {
            bar.set_position(n);
        }
        Ok(())
    })?;
    bar.finish_and_clear();
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
/// its year-end with the version in force then (the store's as-of rule, so edits and backdated corrections
/// count where they apply). `each` sees every household read, as its current version with all its events.
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
) -> anyhow::Result<Vec<YearLoaded>> {
    if years.is_empty() {
        return Ok(Vec::new());
    }
    let total = store.count_households(area)?;
    let bar = progress::bar("读取与装载", total, "户");
    let mut loaded: Vec<YearLoaded> = years
        .iter()
        .map(|y| YearLoaded {
            engine: Engine::new(tree, *y, year_end(*y)),
            data_time: DateTime::<Utc>::MIN_UTC,
        })
        .collect();
    let scanned = std::thread::scope(|scope| -> anyhow::Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Read>>(4);
        let engines = &mut loaded;
        let feeder = scope.spawn(move || {
            for batch in rx {
                feed(engines, &batch, area);
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
                bar.set_position(read);
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
        feeder
            .join()
            .map_err(|_| anyhow::anyhow!("装载线程异常退出"))?;
        result?;
        Ok(())
    });
    bar.finish_and_clear();
    scanned?;
    Ok(loaded)
}

/// Adds a batch of households to every year's engine (the version in force at its date, if filed within
/// `area` then), the engines in parallel.
fn feed(engines: &mut [YearLoaded], batch: &[Read], area: &AreaCode) {
    engines.par_iter_mut().for_each(|loaded| {
        let date = loaded.engine.as_of();
        for r in batch {
            let Some((household, at)) = r.in_force(date) else {
                continue;
            };
            if !area.contains(&household.village) {
                continue;
            }
            loaded.data_time = loaded.data_time.max(at);
            loaded.engine.insert(HouseholdInput::from((
                r.current.id,
                household,
                r.current.events.as_slice(),
            )));
        }
    });
}

pub fn run_evaluate(store: &Store, args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    let year = args.year.unwrap_or_else(default_year);
    let as_of = args.as_of.unwrap_or_else(|| year_end(year));
    let area = match &args.area {
        Some(a) => AreaCode::parse(a)?,
        None => top_area(store)?,
    };
    let pack = load_pack(args.pack.as_deref())?;
    let started = Instant::now();
    let loaded = load(store, &area, year, as_of)?;
    let loaded_in = started.elapsed();
    let started = Instant::now();
    let eval = loaded.engine.evaluate(&pack)?;
    let evaluated_in = started.elapsed();
    let rollup = eval.rollup(&area).copied().unwrap_or_default();
    if !args.no_save {
        let summary = serde_json::json!({ "area": area, "rollup": rollup });
        let run = EvaluationRun {
            year,
            as_of,
            pack_version: eval.pack_version.clone(),
            pack_hash: eval.pack_hash.clone(),
            code_version: code_version(),
            data_time: loaded.data_time,
            summary_json: summary.to_string(),
        };
        let mut proposals = loaded.engine.proposals(&eval).map(|p| ProposalRecord {
            household_id: p.household,
            kind: p.kind.to_owned(),
            detail_json: serde_json::to_string(&p.proposal).unwrap_or_default(),
        });
        let run_id = store
            .save_evaluation(&run, &mut proposals)
            .context("保存评估结果失败")?;
        eprintln!(
            "已保存评估 #{run_id}: 政策包 {}, 数据时间 {}",
            run.pack_version, run.data_time
        );
    }
    match args.format.as_str() {
        "json" => {
            let rows: Vec<_> = child_rows(&loaded.tree, &eval, &area);
            let out = serde_json::json!({
                "area": area, "year": year, "as_of": as_of, "pack_version": eval.pack_version,
                "total": rollup, "children": rows.iter().map(|(c, n, r)| serde_json::json!({"area": c, "name": n, "rollup": r})).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        "table" => {
            println!(
                "{year} 年评估 (截至 {as_of}), 政策包 {}; 读取 {:.1} 秒, 评估 {:.3} 秒, {} 户 {} 人",
                eval.pack_version,
                loaded_in.as_secs_f64(),
                evaluated_in.as_secs_f64(),
                loaded.engine.households(),
                loaded.engine.members()
            );
            print_table(&loaded.tree, &eval, &area, &rollup);
        }
        other => bail!("不支持的输出格式「{other}」(可选 table、json)"),
    }
    Ok(ExitCode::SUCCESS)
}

/// The version of this program, recorded with every stored evaluation.
pub fn code_version() -> String {
    format!("jingzhun {}", env!("CARGO_PKG_VERSION"))
}

/// The smallest area containing every village that has households (the province if several cities).
pub fn top_area(store: &Store) -> anyhow::Result<AreaCode> {
    let tree = store.area_tree()?;
    let provinces: Vec<AreaCode> = tree
        .areas()
        .filter(|a| a.level() == AreaLevel::Province)
        .map(|a| a.code)
        .collect();
    let with_data: Vec<AreaCode> = provinces
        .into_iter()
        .filter(|p| store.count_households(p).map(|n| n > 0).unwrap_or(false))
        .collect();
    let Some(mut area) = with_data.first().copied() else {
        bail!("数据库中还没有农户数据 (可用 `jingzhun synth` 生成演示数据)")
    };
    if with_data.len() > 1 {
        bail!("数据库中有多个省份的数据, 请用 --area 指定区划");
    }
    // Descend while a single child holds all the households.
    loop {
        let total = store.count_households(&area)?;
        let children: Vec<AreaCode> = tree.children(&area).to_vec();
        let mut holder = None;
        for child in children {
            let n = store.count_households(&child)?;
            if n == total {
                holder = Some(child);
                break;
            }
            if n > 0 {
                break;
            }
        }
        match holder {
            Some(child) if child.level() < AreaLevel::County => area = child,
            _ => return Ok(area),
        }
    }
}

type ChildRow = (AreaCode, String, Rollup);

fn child_rows(tree: &AreaTree, eval: &Evaluation, area: &AreaCode) -> Vec<ChildRow> {
    tree.children(area)
        .iter()
        .filter_map(|c| {
            eval.rollup(c).filter(|r| r.households > 0).map(|r| {
                (
                    *c,
                    tree.get(c).map(|a| a.name.clone()).unwrap_or_default(),
                    *r,
                )
            })
        })
        .collect()
}

fn print_table(tree: &AreaTree, eval: &Evaluation, area: &AreaCode, total: &Rollup) {
    let name = |c: &AreaCode| {
        tree.get(c)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| c.to_string())
    };
    let header = [
        "区划",
        "户数",
        "人数",
        "贫困人口",
        "发生率%",
        "监测户",
        "建议监测",
        "疑似漏评",
        "疑似错退",
        "疑似返贫",
    ];
    let mut rows: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    let mut areas = child_rows(tree, eval, area);
    areas.push((*area, format!("{} 合计", name(area)), *total));
    for (_, n, r) in areas {
        let incidence = r
            .incidence()
            .map(|x| format!("{:.2}", f64::from(x.0) / 100.0))
            .unwrap_or_else(|| "-".into());
        rows.push(vec![
            n,
            r.households.to_string(),
            r.people.to_string(),
            r.poor_people.to_string(),
            incidence,
            r.monitored_households.iter().sum::<i64>().to_string(),
            r.proposals_of(ProposalKind::MonitoringCandidate)
                .to_string(),
            r.proposals_of(ProposalKind::OmissionSuspect).to_string(),
            r.proposals_of(ProposalKind::WrongExitSuspect).to_string(),
            r.proposals_of(ProposalKind::ReturnToPoverty).to_string(),
        ]);
    }
    print!("{}", super::table::render(&rows));
}

pub fn run_whatif(store: &Store, args: WhatIfArgs) -> anyhow::Result<ExitCode> {
    let year = args.year.unwrap_or_else(default_year);
    let as_of = args.as_of.unwrap_or_else(|| year_end(year));
    let area = match &args.area {
        Some(a) => AreaCode::parse(a)?,
        None => top_area(store)?,
    };
    let base = load_pack(args.base.as_deref())?;
    let edited = load_pack(Some(&args.pack))?;
    let loaded = load(store, &area, year, as_of)?;
    let result = loaded.engine.whatif(&base, &edited)?;
    if args.format == "json" {
        println!("{}", serde_json::to_string_pretty(&result)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("推演: {year} 年 (截至 {as_of}), {} 户", result.households);
    println!("  现行: {}", result.before_version);
    println!("  调整: {}", result.after_version);
    println!(
        "建议发生变化的农户: {} 户 (官方数据未作任何改动)",
        result.flips.len()
    );
    for flip in result.flips.iter().take(args.show) {
        let kinds = |v: &[ProposalKind]| v.iter().map(|k| k.label()).collect::<Vec<_>>().join("、");
        println!(
            "  户 {} ({}): 新增 [{}] 取消 [{}]",
            flip.household,
            flip.area,
            kinds(&flip.added),
            kinds(&flip.removed)
        );
    }
    let name = |c: &AreaCode| {
        loaded
            .tree
            .get(c)
            .map(|a| a.name.clone())
            .unwrap_or_else(|| c.to_string())
    };
    let shown: Vec<_> = result
        .areas
        .iter()
        .filter(|d| d.area.level() <= AreaLevel::County)
        .collect();
    if !shown.is_empty() {
        println!("县级及以上区划的计数变化:");
        for diff in shown {
            for (field, before, after) in &diff.changes {
                println!(
                    "  {} {:<36} {:>9} → {:>9} ({:+})",
                    name(&diff.area),
                    field,
                    before,
                    after,
                    after - before
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
