//! `jingzhun export parquet`: the whole evaluated registry, one row per household and year, as Parquet in
//! hive-style partitions `DIR/county=511902/year=2020/part-0.parquet`, for analyses outside the product
//! (DuckDB, Spark, Trino). The columns are documented in [`jingzhun_io::parquet`]; the files hold no personal
//! data.
//!
//! The store is read once and fed to one engine per year ([`evaluate::load_years`]); each year is then
//! evaluated with the pack, written county by county (in parallel), and its engine dropped.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use jingzhun_core::{AreaCode, AreaLevel, HouseholdId};
use jingzhun_engine::HouseholdOutcome;
use jingzhun_io::parquet::{write_partition, HouseholdYear, Partition, Written};
use jingzhun_store::Store;
use rayon::prelude::*;

use super::evaluate::{self, code_version};
use super::{policy::load_pack, progress};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 输出文件夹（须为空或不存在）；其下按 county=县级代码/year=年度 分区
    #[arg(long)]
    pub out: PathBuf,
    /// 只导出此区划内的农户（默认全部）
    #[arg(long)]
    pub area: Option<String>,
    /// 起始年度
    #[arg(long, default_value_t = 2013)]
    pub from: u16,
    /// 截止年度（默认为上一个完整年度）
    #[arg(long)]
    pub to: Option<u16>,
    /// 政策包文件夹；默认为随程序发布的政策包
    #[arg(long)]
    pub pack: Option<PathBuf>,
}

pub fn run(store: &Store, args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let to = args.to.unwrap_or_else(evaluate::default_year);
    if args.from > to {
        bail!("起始年度 {} 晚于截止年度 {to}", args.from);
    }
    ensure_empty(&args.out)?;
    let area = match &args.area {
        Some(a) => AreaCode::parse(a)?,
        None => evaluate::top_area(store)?,
    };
    let pack = load_pack(args.pack.as_deref())?;
    let tree = store.area_tree()?;
    if tree.is_empty() {
        bail!("数据库中没有行政区划，请先运行 `jingzhun init`");
    }
    let years: Vec<u16> = (args.from..=to).collect();
    let mut numbers: HashMap<HouseholdId, String> = HashMap::new();
    let engines = evaluate::load_years(store, &tree, &area, &years, &mut |stored| {
        numbers
            .entry(stored.id)
            .or_insert_with(|| stored.household.number.as_str().to_owned());
    })?;
    let loaded_in = started.elapsed();
    let created_by = code_version();
    let bar = progress::bar("评估与写出", years.len() as u64, "年");
    let mut written: Vec<Written> = Vec::new();
    for loaded in engines {
        let engine = loaded.engine;
        let eval = engine.evaluate(&pack)?;
        let mut by_county: BTreeMap<AreaCode, Vec<HouseholdOutcome>> = BTreeMap::new();
        for outcome in engine.outcomes(&eval) {
            let Some(county) = outcome.village.ancestor_at(AreaLevel::County) else {
                bail!("户 {} 的区划 {} 不在县级以下", outcome.id, outcome.village);
            };
            by_county.entry(county).or_default().push(outcome);
        }
        let partitions: Vec<(AreaCode, Vec<HouseholdOutcome>)> = by_county.into_iter().collect();
        let year_written = partitions
            .into_par_iter()
            .map(|(county, mut outcomes)| {
                let number = |o: &HouseholdOutcome| numbers.get(&o.id).map_or("", String::as_str);
                outcomes.sort_by(|a, b| {
                    (a.village, number(a), a.id.0).cmp(&(b.village, number(b), b.id.0))
                });
                let rows: Vec<HouseholdYear<'_>> =
                    outcomes.iter().map(|o| row(o, number(o))).collect();
                let partition = Partition {
                    county,
                    year: engine.year(),
                    as_of: engine.as_of(),
                    pack_version: &eval.pack_version,
                    pack_hash: &eval.pack_hash,
                    data_time: loaded.data_time,
                    created_by: &created_by,
                };
                write_partition(&args.out, &partition, &rows)
                    .with_context(|| format!("导出 {county} 县 {} 年失败", engine.year()))
            })
            .collect::<anyhow::Result<Vec<Written>>>()?;
        written.extend(year_written);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let rows: usize = written.iter().map(|w| w.rows).sum();
    let bytes: u64 = written.iter().map(|w| w.bytes).sum();
    println!(
        "已导出 {rows} 行（户×年度；{} 至 {to} 年，{} 个分区文件），共 {:.1} MB, 用时 {:.1} 秒（其中读取 {:.1} 秒）",
        args.from,
        written.len(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        loaded_in.as_secs_f64()
    );
    println!(
        "输出文件夹：{}  (DuckDB: SELECT * FROM read_parquet('{}/**/*.parquet', hive_partitioning = true))",
        args.out.display(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn row<'a>(o: &HouseholdOutcome, number: &'a str) -> HouseholdYear<'a> {
    HouseholdYear {
        household_id: o.id,
        household_no: number,
        village: o.village,
        size: o.size,
        registry: o.registry,
        monitoring: o.monitoring,
        relocated: o.facts.relocated,
        ever_registered: o.facts.ever_registered,
        risk_eliminated: o.facts.risk_eliminated,
        dibao_members: o.facts.dibao_members,
        tekun_members: o.facts.tekun_members,
        assessment: o.assessment,
    }
}

/// Refuses an output folder that already holds anything: old partitions would mix with the new ones.
fn ensure_empty(dir: &Path) -> anyhow::Result<()> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => {
            if entries.next().is_some() {
                bail!(
                    "输出文件夹「{}」不是空的；请指定新的文件夹或先清空（旧的分区会与新导出的混在一起）",
                    dir.display()
                );
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("无法读取输出文件夹「{}」", dir.display())),
    }
}
