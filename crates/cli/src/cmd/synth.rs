//! `jingzhun synth`: generates a synthetic registry (deterministic for a seed) into the database.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use jingzhun_core::{AreaCode, Household, StatusEvent};
use jingzhun_store::{Actor, Store};
use jingzhun_synth::{Calibration, Generator, SynthConfig, SynthError};

use super::{progress, synth_monitoring};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 生成哪个区划 (默认巴中市 5119)
    #[arg(long, default_value = "5119")]
    pub area: String,
    /// 规模: 1 为实际人口; 小于 1 按比例缩小, 大于 1 以虚拟县复制 (30 约为全国规模)
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// 随机种子: 同一种子生成相同数据
    #[arg(long, default_value_t = 2014)]
    pub seed: u64,
    /// 每户注入一处数据缺陷的概率 (供数据质量检查演示), 默认 0
    #[arg(long, default_value_t = 0.0)]
    pub defects: f64,
}

/// The date generated households are recorded as in force from: the start of the registry's story, so that
/// as-of reads of any year from 2013 find them.
pub fn registry_start() -> NaiveDate {
    NaiveDate::from_ymd_opt(2013, 1, 1).unwrap_or_default()
}

pub fn run(store: &Store, actor: &Actor, args: Args) -> anyhow::Result<ExitCode> {
    let area = AreaCode::parse(&args.area)?;
    let config = SynthConfig {
        seed: args.seed,
        area,
        scale: args.scale,
        defect_rate: args.defects,
    };
    let summary = generate_into(store, actor, config)?;
    print!("{summary}");
    Ok(ExitCode::SUCCESS)
}

/// Generates into the store with a progress bar; returns the calibration report of what was written.
pub fn generate_into(store: &Store, actor: &Actor, config: SynthConfig) -> anyhow::Result<String> {
    let tree = store.area_tree()?;
    if tree.is_empty() {
        bail!("数据库中没有行政区划, 请先运行 `jingzhun init`");
    }
    let existing = store.count_households(&config.area)?;
    if existing > 0 {
        bail!(
            "区划 {} 下已有 {existing} 户数据; 请换一个新的数据库文件 (--db) 再生成",
            config.area
        );
    }
    let generator = Generator::new(&tree, config.clone()).context("无法按此配置生成数据")?;
    let bar = progress::bar(
        "生成并写入",
        generator.expected_households().round() as u64,
        "户",
    );
    let started = Instant::now();
    let mut calibration = Calibration::default();
    let mut failure: Option<SynthError> = None;
    // Each village's monitoring records, written once the households they refer to have ids.
    let mut monitoring = Vec::with_capacity(generator.villages().len());
    let mut villages = generator.par_iter_monitored(32);
    let mut pending: std::vec::IntoIter<(Household, Vec<StatusEvent>)> = Vec::new().into_iter();
    // Flatten villages into households for the store, keeping the calibration tally on the way and
    // stopping at the first generator error (the store then rolls back its open batch).
    let mut households = std::iter::from_fn(|| loop {
        if let Some(next) = pending.next() {
            return Some(next);
        }
        match villages.next()? {
            Ok((village, records)) => {
                calibration.add_village(&village);
                monitoring.push(records);
                let rows: Vec<_> = village
                    .households
                    .into_iter()
                    .map(|g| (g.household, g.events))
                    .collect();
                pending = rows.into_iter();
            }
            Err(e) => {
                failure = Some(e);
                return None;
            }
        }
    });
    let reason = format!(
        "生成演示数据: 区划 {}, 规模 {}, 种子 {}, 缺陷率 {}",
        config.area, config.scale, config.seed, config.defect_rate
    );
    let written = store.bulk_load(
        &mut households,
        registry_start(),
        actor,
        &reason,
        &mut |n| bar.set_position(n as u64),
    )?;
    bar.finish_and_clear();
    if let Some(e) = failure {
        return Err(e).context("生成中断");
    }
    let seconds = started.elapsed().as_secs_f64();
    let loaded = synth_monitoring::load(store, actor, &config.area, monitoring)?;
    Ok(format!(
        "已生成并写入 {written} 户 ({seconds:.1} 秒, {:.0} 户/秒)\n{} (共 {:.1} 秒)\n{}",
        written as f64 / seconds.max(1e-9),
        synth_monitoring::summary(&loaded),
        started.elapsed().as_secs_f64(),
        calibration.figures().report(config.scale)
    ))
}
