//! Writing the generator's monitoring records (cadres, pairings, cases, measures, visits) after the
//! households they refer to: `synth` and `demo` collect each village's records while its households are
//! written, then map household numbers to the ids the store gave and bulk-load the records in batches.

use std::collections::HashMap;

use anyhow::Context;
use jingzhun_core::monitoring::CadreId;
use jingzhun_core::{AreaCode, HouseholdId, HouseholdNo};
use jingzhun_store::{Actor, MonitoringBatch, MonitoringLoaded, Store};
use jingzhun_synth::{MonitoringRecords, VillageMonitoring};

use super::progress;

/// Rows per bulk load (one transaction and one audit entry each): bounds the memory a PostgreSQL COPY
/// batch holds without making the audit log long.
const BATCH_ROWS: usize = 250_000;

/// Loads the villages' records into `store`, whose households within `area` were just written. Returns
/// the rows written.
pub fn load(
    store: &Store,
    actor: &Actor,
    area: &AreaCode,
    villages: Vec<VillageMonitoring>,
) -> anyhow::Result<MonitoringLoaded> {
    let mut ids: HashMap<HouseholdNo, HouseholdId> = store
        .household_ids_within(area)
        .context("读取已写入农户的 ID 失败")?
        .into_iter()
        .collect();
    // At scale > 1 some villages are synthetic copies filed outside `area` (under synthetic counties).
    let outside: std::collections::BTreeSet<AreaCode> = villages
        .iter()
        .map(|v| v.village)
        .filter(|v| !area.contains(v))
        .collect();
    for village in &outside {
        ids.extend(
            store
                .household_ids_within(village)
                .context("读取已写入农户的 ID 失败")?,
        );
    }
    let mut next_cadre = store.next_cadre_id().context("读取帮扶干部编号失败")?;
    let bar = progress::bar("写入监测帮扶记录", villages.len() as u64, "村");
    let mut total = MonitoringLoaded::default();
    let mut pending = MonitoringRecords::default();
    for village in villages {
        let records = village
            .resolve(|no| ids.get(no).copied(), next_cadre)
            .with_context(|| format!("村 {} 的监测帮扶记录", village.village))?;
        next_cadre = CadreId(next_cadre.0 + records.cadres.len() as i64);
        pending.extend(records);
        if pending.rows() >= BATCH_ROWS {
            flush(store, actor, &mut pending, &mut total)?;
        }
        bar.inc(1);
    }
    flush(store, actor, &mut pending, &mut total)?;
    bar.finish_and_clear();
    Ok(total)
}

fn flush(
    store: &Store,
    actor: &Actor,
    pending: &mut MonitoringRecords,
    total: &mut MonitoringLoaded,
) -> anyhow::Result<()> {
    let r = std::mem::take(pending);
    if r.rows() == 0 {
        return Ok(());
    }
    let batch = MonitoringBatch {
        cadres: r.cadres,
        assignments: r.assignments,
        cases: r.cases,
        measures: r.measures,
        visits: r.visits,
    };
    let loaded = store
        .bulk_load_monitoring(&batch, actor)
        .context("写入监测帮扶记录失败")?;
    total.cadres += loaded.cadres;
    total.assignments += loaded.assignments;
    total.cases += loaded.cases;
    total.steps += loaded.steps;
    total.measures += loaded.measures;
    total.visits += loaded.visits;
    Ok(())
}

/// One line for the generation report.
pub fn summary(loaded: &MonitoringLoaded) -> String {
    format!(
        "监测帮扶记录：帮扶干部 {} 名，结对 {} 条，监测事项 {} 件（{} 个环节），帮扶措施 {} 项，走访 {} 次",
        loaded.cadres,
        loaded.assignments,
        loaded.cases,
        loaded.steps,
        loaded.measures,
        loaded.visits
    )
}
