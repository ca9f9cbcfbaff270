//! `jingzhun synth`: generates a synthetic registry (deterministic for a seed) into the database.

use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use jingzhun_core::AreaCode;
use jingzhun_store::{Actor, HouseholdHistory, Store};
use jingzhun_synth::{Calibration, Generator, SynthConfig, SynthError};

use super::progress;

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
    let reason = format!(
        "生成演示数据: 区划 {}, 规模 {}, 种子 {}, 缺陷率 {}",
        config.area, config.scale, config.seed, config.defect_rate
    );
    // The generator runs on its own thread (villages in parallel on rayon's pool) while this one writes,
    // so generating and writing overlap; the bounded channel keeps a few batches in memory at most.
    let (written, calibration, failure) = std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<HouseholdHistory>>(64);
        let generator = &generator;
        let producer = scope.spawn(move || {
            let mut calibration = Calibration::default();
            for village in generator.par_iter(32) {
                let village = match village {
                    Ok(v) => v,
                    Err(e) => return (calibration, Some(e)),
                };
                calibration.add_village(&village);
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
                if tx.send(rows).is_err() {
                    break;
                }
            }
            (calibration, None)
        });
        let written = {
            let mut pending: std::vec::IntoIter<HouseholdHistory> = Vec::new().into_iter();
            let mut households = std::iter::from_fn(|| loop {
                if let Some(next) = pending.next() {
                    return Some(next);
                }
                pending = rx.recv().ok()?.into_iter();
            });
            store.bulk_load_histories(&mut households, actor, &reason, &mut |n| {
                bar.set_position(n as u64)
            })
        };
        drop(rx);
        let (calibration, failure): (Calibration, Option<SynthError>) =
            producer.join().unwrap_or_else(|_| {
                (
                    Calibration::default(),
                    Some(SynthError::Internal("生成线程异常退出")),
                )
            });
        (written, calibration, failure)
    });
    bar.finish_and_clear();
    // A generator error ends the stream early, so report it before the count written.
    if let Some(e) = failure {
        return Err(e).context("生成中断");
    }
    let written = written?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(format!(
        "已生成并写入 {written} 户 ({seconds:.1} 秒, {:.0} 户/秒)\n{}",
        written as f64 / seconds.max(1e-9),
        calibration.figures().report(config.scale)
    ))
}
