//! Writing the generator's monitoring records (cadres, pairings, cases, measures, visits) after the
//! households they refer to: `synth` and `demo` collect each village's records while its households are
//! written, then map household numbers to the ids the store gave and bulk-load the records in batches.

use std::collections::HashMap;

use anyhow::Context;
use chrono::Datelike;
use jingzhun_core::monitoring::CadreId;
use jingzhun_core::{AreaCode, DepartmentFact, HouseholdId, HouseholdNo};
use jingzhun_store::{Actor, MonitoringBatch, MonitoringLoaded, Store};
use jingzhun_synth::department::Finding;
use jingzhun_synth::{MonitoringRecords, VillageMonitoring};

use super::progress;

/// Rows per bulk load (one transaction and one audit entry each): bounds the memory a PostgreSQL COPY
/// batch holds without making the audit log long.
const BATCH_ROWS: usize = 250_000;

/// The ids the store gave the households just written within `area`, and within the villages of
/// `villages` filed outside it (at scale > 1 some villages are synthetic copies under synthetic counties).
pub fn ids_of(
    store: &Store,
    area: &AreaCode,
    villages: impl IntoIterator<Item = AreaCode>,
) -> anyhow::Result<HashMap<HouseholdNo, HouseholdId>> {
    let mut ids: HashMap<HouseholdNo, HouseholdId> = store
        .household_ids_within(area)
        .context("读取已写入农户的 ID 失败")?
        .into_iter()
        .collect();
    let outside: std::collections::BTreeSet<AreaCode> =
        villages.into_iter().filter(|v| !area.contains(v)).collect();
    for village in &outside {
        ids.extend(
            store
                .household_ids_within(village)
                .context("读取已写入农户的 ID 失败")?,
        );
    }
    Ok(ids)
}

/// Loads the villages' records into `store`, whose households were just written with the ids `ids`
/// ([`ids_of`]). Returns the rows written.
pub fn load(
    store: &Store,
    actor: &Actor,
    ids: &HashMap<HouseholdNo, HouseholdId>,
    villages: Vec<VillageMonitoring>,
) -> anyhow::Result<MonitoringLoaded> {
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

/// Saves the generated department findings (`findings`: each village's, by household then date) through
/// the store's one department-facts path ([`Store::save_department_facts`]), one list a year with its
/// audit entry, households named by the ids `ids` gave them. Within a household and date the rows keep
/// the generated order, so the store hands them back in the order the feeding gave them (`synth::generate_into_then`). Returns the
/// rows written.
pub fn load_department(
    store: &Store,
    actor: &Actor,
    ids: &HashMap<HouseholdNo, HouseholdId>,
    findings: &[Vec<Finding>],
) -> anyhow::Result<usize> {
    let mut by_year: std::collections::BTreeMap<i32, Vec<DepartmentFact>> = Default::default();
    for f in findings.iter().flatten() {
        let household = *ids
            .get(&f.household)
            .with_context(|| format!("部门比对清单中的户「{}」未写入", f.household))?;
        by_year
            .entry(f.date.year())
            .or_default()
            .push(department_fact(household, f));
    }
    let mut rows = 0;
    for (year, facts) in by_year {
        rows += store
            .save_department_facts(&facts, &department_source(year), actor)
            .with_context(|| format!("写入 {year} 年部门比对清单失败"))?;
    }
    Ok(rows)
}

/// The name a generated year's department lists are saved under.
fn department_source(year: i32) -> String {
    format!("演示数据：{year} 年部门比对清单（医保、教育、应急管理、公安、人社）")
}

/// A finding as the store keeps it, for the household `id`.
pub fn department_fact(id: HouseholdId, f: &Finding) -> DepartmentFact {
    DepartmentFact {
        household: id,
        signal: f.signal,
        date: f.date,
        amount: f.amount,
    }
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
