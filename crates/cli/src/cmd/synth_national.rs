//! `jingzhun synth` into a registry in the national layout (`jingzhun init --partitioned`, issue 16): the
//! generated households go to the store's national load ([`Store::national_load`]: parallel binary `COPY`
//! into new partition groups per province, keys and indexes built after the rows, attached all or nothing
//! with one audit entry per group).
//!
//! Only the registry is written (households with their history and status events). The monitoring
//! records, the economy and the project library of a generated county are written by `synth` into an
//! ordinary layout; at national size they would be held in memory for the whole run, and the load's memory
//! is meant to stay bounded: the generator's channel holds a few villages, each writer one batch.

use std::time::Instant;

use anyhow::{bail, Context};
use jingzhun_store::{Actor, HouseholdHistory, NationalLoaded, Store};
use jingzhun_synth::{Calibration, Generator, SynthConfig, SynthError};

use super::progress;

/// Generates `config` into the national layout of `store` with `writers` parallel writers; returns what to
/// print.
pub fn generate(
    store: &Store,
    actor: &Actor,
    config: SynthConfig,
    writers: usize,
) -> anyhow::Result<String> {
    let tree = store.area_tree()?;
    let existing = store.count_households(&config.area)?;
    if existing > 0 {
        bail!(
            "区划 {} 下已有 {existing} 户数据；请换一个新的数据库再生成",
            config.area
        );
    }
    let generator = Generator::new(&tree, config.clone()).context("无法按此配置生成数据")?;
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
    let reason = format!(
        "生成演示数据（全国库）：区划 {}，规模 {}，种子 {}，缺陷率 {}",
        config.area, config.scale, config.seed, config.defect_rate
    );
    let started = Instant::now();
    let (loaded, calibration, failure) = std::thread::scope(|scope| {
        let (tx, rx) =
            std::sync::mpsc::sync_channel::<Result<Vec<HouseholdHistory>, SynthError>>(16);
        let generator = &generator;
        let producer = scope.spawn(move || {
            let mut calibration = Calibration::default();
            for village in generator.par_iter(32) {
                let village = match village {
                    Ok(v) => v,
                    Err(e) => {
                        // Tell the load to abandon everything (nothing is attached), then report it.
                        let _ = tx.send(Err(e.clone()));
                        return (calibration, Some(e));
                    }
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
                if tx.send(Ok(rows)).is_err() {
                    break;
                }
            }
            (calibration, None)
        });
        let mut progress = |n: usize| bar.set_position(n as u64);
        let mut batches = rx
            .iter()
            .map(|b| b.map_err(|e| jingzhun_store::StoreError::Invalid(format!("生成中断：{e}"))));
        let loaded = store.national_load(&mut batches, writers, actor, &reason, &mut progress);
        drop(rx);
        let (calibration, failure) = producer.join().unwrap_or_else(|_| {
            (
                Calibration::default(),
                Some(SynthError::Internal("生成线程异常退出")),
            )
        });
        (loaded, calibration, failure)
    });
    bar.finish_and_clear();
    if let Some(e) = failure {
        return Err(e).context("生成中断（未写入任何分区）");
    }
    let loaded = loaded.context("全国库载入失败（未写入任何分区）")?;
    let seconds = started.elapsed().as_secs_f64();
    Ok(format!(
        "已生成并写入全国库 {} 户（{seconds:.1} 秒，{:.0} 户/秒），{} 个分区组：\n{}\
         （全国库只写入登记数据；监测、产业与项目数据请在普通库中生成）\n{}",
        loaded.households,
        loaded.households as f64 / seconds.max(1e-9),
        loaded.partitions.len(),
        partitions_table(&loaded),
        calibration.figures().report(config.scale)
    ))
}

fn partitions_table(loaded: &NationalLoaded) -> String {
    let mut out = String::new();
    for (p, seq) in &loaded.partitions {
        out.push_str(&format!(
            "  {}  省 {}  户 {}  版本 {}  成员 {}  收入 {}  事件 {}（审计 #{seq}）\n",
            p.name,
            p.province.as_deref().unwrap_or("-"),
            p.households,
            p.versions,
            p.members,
            p.incomes,
            p.events
        ));
    }
    out
}
