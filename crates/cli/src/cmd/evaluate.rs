//! `jingzhun evaluate` and `jingzhun whatif`: load the registry from the store into the engine, evaluate it,
//! and (for `evaluate`) store the proposals with the pack version and data time they came from.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use jingzhun_core::{AreaCode, AreaLevel, AreaTree};
use jingzhun_engine::{Evaluation, Rollup};
use jingzhun_loader::snapshot::{self, EventFacts};
use jingzhun_policy::ProposalKind;
use jingzhun_store::{EvaluationRun, ProposalRecord, Store, StoredHousehold};

use super::{policy::load_pack, progress};

#[derive(Debug, clap::Args)]
pub struct EvaluateArgs {
    /// 评估年度（默认为上一个完整年度）
    #[arg(long)]
    pub year: Option<u16>,
    /// 按此日期的数据与状态评估（默认该年 12 月 31 日）
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// 只评估此区划内的农户（默认全部）
    #[arg(long)]
    pub area: Option<String>,
    /// 政策包文件夹；默认为随程序发布的政策包
    #[arg(long)]
    pub pack: Option<PathBuf>,
    /// 只显示结果，不保存建议（也不保存评估快照）
    #[arg(long)]
    pub no_save: bool,
    /// 同时评估 2013 年起的每一年（登记数据只读一遍）并保存各年的评估快照，供报表的累计指标使用
    #[arg(long)]
    pub history: bool,
    /// 输出格式：table 或 json
    #[arg(long, default_value = "table")]
    pub format: String,
}

#[derive(Debug, clap::Args)]
pub struct WhatIfArgs {
    /// 调整后的政策包文件夹（与现行政策包比较）
    #[arg(long)]
    pub pack: PathBuf,
    /// 作为比较基准的政策包文件夹；默认为随程序发布的政策包
    #[arg(long)]
    pub base: Option<PathBuf>,
    /// 评估年度（默认为上一个完整年度）
    #[arg(long)]
    pub year: Option<u16>,
    /// 按此日期的数据与状态评估（默认该年 12 月 31 日）
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// 只推演此区划内的农户（默认全部）
    #[arg(long)]
    pub area: Option<String>,
    /// 列出多少户状态变化的农户（其余只计数）
    #[arg(long, default_value_t = 20)]
    pub show: usize,
    /// 输出格式：table 或 json
    #[arg(long, default_value = "table")]
    pub format: String,
}

/// Refuses, in one sentence and before reading anything, a year the pack has no parameters for.
pub fn check_year(
    pack: &jingzhun_policy::PolicyPack,
    year: u16,
    area: &AreaCode,
) -> anyhow::Result<()> {
    if let Err(e) = pack.effective(year, Some(area)) {
        let years = jingzhun_policy::pack::YEARS;
        bail!(
            "政策包没有本区划 {year} 年的参数，无法评估（{e}）；随程序发布的政策包覆盖 {}–{} 年，其他年度请先在政策包中补齐参数",
            years.start(),
            years.end()
        );
    }
    Ok(())
}

/// The last complete calendar year.
pub fn default_year() -> u16 {
    use chrono::Datelike;
    (chrono::Local::now().year() - 1).clamp(2013, i32::from(u16::MAX)) as u16
}

pub use jingzhun_loader::{code_version, year_end, Loaded, YearLoaded};

/// Streams the households within `area` as of `as_of` from the store into an engine for `year`.
pub fn load(store: &Store, area: &AreaCode, year: u16, as_of: NaiveDate) -> anyhow::Result<Loaded> {
    load_with(store, area, year, as_of, &mut |_| {})
}

/// As [`load`], and `each` sees every household read ([`jingzhun_loader::load_with`], with progress
/// bars).
pub fn load_with(
    store: &Store,
    area: &AreaCode,
    year: u16,
    as_of: NaiveDate,
    each: &mut dyn FnMut(&StoredHousehold),
) -> anyhow::Result<Loaded> {
    Ok(jingzhun_loader::load_with(
        store,
        area,
        year,
        as_of,
        each,
        &mut progress::Bars::default(),
    )?)
}

/// Loads the households within `area` into one engine per year of `years`, the store read once
/// ([`jingzhun_loader::load_years`], with progress bars).
pub fn load_years(
    store: &Store,
    tree: &AreaTree,
    area: &AreaCode,
    years: &[u16],
    each: &mut dyn FnMut(&StoredHousehold),
) -> anyhow::Result<Vec<YearLoaded>> {
    Ok(jingzhun_loader::load_years(
        store,
        tree,
        area,
        years,
        each,
        &mut progress::Bars::default(),
    )?)
}

pub fn run_evaluate(store: &Store, args: EvaluateArgs) -> anyhow::Result<ExitCode> {
    let year = args.year.unwrap_or_else(default_year);
    let as_of = args.as_of.unwrap_or_else(|| year_end(year));
    if year < jingzhun_loader::FIRST_YEAR {
        bail!(
            "年度 {year} 早于建档立卡 ({} 年)",
            jingzhun_loader::FIRST_YEAR
        );
    }
    if !["table", "json"].contains(&args.format.as_str()) {
        bail!("不支持的输出格式「{}」(可选 table、json)", args.format);
    }
    let area = match &args.area {
        Some(a) => AreaCode::parse(a)?,
        None => top_area(store)?,
    };
    let pack = load_pack(args.pack.as_deref())?;
    let tree = store.area_tree()?;
    super::policy::require_year(&pack, year)?;
    check_year(&pack, year, &area)?;
    let started = Instant::now();
    // Read before the registry, so that a write during the read makes the snapshot stale, not wrong.
    let data_seq = store.data_seq()?;
    let mut earlier = Vec::new();
    let (engine, data_time, facts, reused) = if args.history {
        let years: Vec<u16> = (jingzhun_loader::FIRST_YEAR..=year).collect();
        let mut loaded = jingzhun_loader::load_years_with_facts(
            store,
            &tree,
            &area,
            &years,
            &mut |_| {},
            &mut progress::Bars::default(),
        )?;
        let target = loaded.pop().context("没有读取任何年度")?;
        earlier = loaded;
        if as_of == year_end(year) {
            (target.engine, target.data_time, target.facts, None)
        } else {
            let (engine, time, facts) = read_year(store, &area, year, as_of)?;
            (engine, time, facts, None)
        }
    } else {
        match snapshot::fresh(store, &area, year, as_of)? {
            Ok(info) => {
                let r = snapshot::restore(store, &tree, info)?;
                eprintln!(
                    "读取评估快照 #{}（{} 户，{} 保存；此后登记数据没有改动）",
                    r.info.id,
                    r.info.households,
                    (r.info.recorded_at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M")
                );
                (r.engine, r.info.data_time, r.facts, Some(r.info))
            }
            Err(why) => {
                if matches!(why, snapshot::Staleness::Changed { .. }) {
                    eprintln!("{}", why.text());
                }
                let (engine, time, facts) = read_year(store, &area, year, as_of)?;
                (engine, time, facts, None)
            }
        }
    };
    let loaded_in = started.elapsed();
    let started = Instant::now();
    let eval = engine.evaluate(&pack)?;
    let evaluated_in = started.elapsed();
    let rollup = eval.rollup(&area).copied().unwrap_or_default();
    if !args.no_save {
        let already = reused
            .as_ref()
            .filter(|info| info.pack_hash == eval.pack_hash)
            .and_then(|info| info.run_id);
        // Kept with the snapshot: the monitoring workflow, the visits and the economy's household
        // tallies (older snapshots lack the last two).
        let complete = facts
            .workflow
            .as_ref()
            .is_some_and(|w| w.visited.is_some() && w.economy.is_some());
        let run_id = match already {
            Some(run_id) => {
                eprintln!("评估 #{run_id} 已保存过这些建议（登记数据与政策包均未变），未重复保存");
                run_id
            }
            None => save_run(store, &area, year, as_of, &engine, &eval, data_time)?,
        };
        if already.is_none() || !complete {
            let snapshot_seq = reused.as_ref().map_or(data_seq, |i| i.data_seq);
            // Read after `data_seq`: a change meanwhile makes the snapshot stale, never wrong; so that
            // reports of this year read nothing else.
            let mut facts = facts;
            if !complete {
                facts.workflow = Some(
                    snapshot::WorkflowFacts::read(store, &area, as_of)
                        .context("读取监测事项、帮扶措施、走访和产业就业记录失败")?,
                );
            }
            snapshot::save(
                store,
                &area,
                &engine,
                &eval,
                &facts,
                snapshot_seq,
                data_time,
                Some(run_id),
            )
            .context("保存评估快照失败")?;
        }
        for y in &earlier {
            let eval = y.engine.evaluate(&pack)?;
            snapshot::save(
                store,
                &area,
                &y.engine,
                &eval,
                &y.facts,
                data_seq,
                y.data_time,
                None,
            )
            .with_context(|| format!("保存 {} 年的评估快照失败", y.engine.year()))?;
        }
        if !earlier.is_empty() {
            eprintln!(
                "已保存 {}–{} 年各年的评估快照",
                jingzhun_loader::FIRST_YEAR,
                year
            );
        }
    }
    match args.format.as_str() {
        "json" => {
            let rows: Vec<_> = child_rows(&tree, &eval, &area);
            let out = serde_json::json!({
                "area": area, "year": year, "as_of": as_of, "pack_version": eval.pack_version,
                "total": rollup, "children": rows.iter().map(|(c, n, r)| serde_json::json!({"area": c, "name": n, "rollup": r})).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        _ => {
            let source = if reused.is_some() {
                "读取快照"
            } else {
                "读取"
            };
            println!(
                "{year} 年评估（截至 {as_of}），政策包 {}；{source} {:.1} 秒，评估 {:.3} 秒，{} 户 {} 人",
                eval.pack_version,
                loaded_in.as_secs_f64(),
                evaluated_in.as_secs_f64(),
                engine.households(),
                engine.members()
            );
            print_table(&tree, &eval, &area, &rollup);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads one year of `area` as of `as_of` from the registry, with its status-event facts.
fn read_year(
    store: &Store,
    area: &AreaCode,
    year: u16,
    as_of: NaiveDate,
) -> anyhow::Result<(
    jingzhun_engine::Engine,
    chrono::DateTime<chrono::Utc>,
    EventFacts,
)> {
    let mut facts = EventFacts::default();
    let loaded = load_with(store, area, year, as_of, &mut |stored| {
        facts.add(stored, year, as_of)
    })?;
    Ok((loaded.engine, loaded.data_time, facts))
}

/// Stores an evaluation run with its proposals; returns its id.
fn save_run(
    store: &Store,
    area: &AreaCode,
    year: u16,
    as_of: NaiveDate,
    engine: &jingzhun_engine::Engine,
    eval: &Evaluation,
    data_time: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<i64> {
    let rollup = eval.rollup(area).copied().unwrap_or_default();
    let summary = serde_json::json!({ "area": area, "rollup": rollup });
    let run = EvaluationRun {
        year,
        as_of,
        pack_version: eval.pack_version.clone(),
        pack_hash: eval.pack_hash.clone(),
        code_version: code_version(),
        data_time,
        summary_json: summary.to_string(),
    };
    let mut proposals = engine.proposals(eval).map(|p| ProposalRecord {
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
    Ok(run_id)
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
        bail!("数据库中有多个省份的数据，请用 --area 指定区划");
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

/// The rollup of `area` and its children as a table on standard output.
pub fn print_table(tree: &AreaTree, eval: &Evaluation, area: &AreaCode, total: &Rollup) {
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
    super::policy::require_year(&base, year)?;
    super::policy::require_year(&edited, year)?;
    let loaded = load(store, &area, year, as_of)?;
    let result = loaded.engine.whatif(&base, &edited)?;
    if args.format == "json" {
        println!("{}", serde_json::to_string_pretty(&result)?);
        return Ok(ExitCode::SUCCESS);
    }
    println!("推演：{year} 年（截至 {as_of}），{} 户", result.households);
    println!("  现行：{}", result.before_version);
    println!("  调整：{}", result.after_version);
    println!(
        "建议发生变化的农户：{} 户（官方数据未作任何改动）",
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
        println!("县级及以上区划的计数变化：");
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
