//! The economy records in the CLI (issue 14): their figures for `report summary` and `demo`, and writing
//! the generator's records after the households they refer to.

use std::collections::{BTreeSet, HashMap, HashSet};

use anyhow::Context;
use jingzhun_core::economy::OperatorId;
use jingzhun_core::{AreaCode, HouseholdId, HouseholdNo};
use jingzhun_engine::{Engine, Evaluation};
use jingzhun_report::economy::{self, EconomyFigures};
use jingzhun_store::{Actor, EconomyBatch, EconomyLoaded, Store};
use jingzhun_synth::{EconomyRecords, VillageEconomy};

use super::progress;

/// Who counts in the labour force at a year's end, and where every household is (from that year's
/// evaluation).
pub struct Labour {
    force: HashSet<HouseholdId>,
    villages: HashMap<HouseholdId, AreaCode>,
}

pub fn labour_of(engine: &Engine, eval: &Evaluation) -> Labour {
    Labour {
        force: economy::labour_force_households(engine, eval),
        villages: economy::household_villages(engine, eval),
    }
}

/// The economy figures of `area` in `year`, from the store.
pub fn figures(
    store: &Store,
    area: &AreaCode,
    year: u16,
    labour: Labour,
) -> anyhow::Result<EconomyFigures> {
    let data = jingzhun_loader::economy_data(store, area, year..=year, labour.villages)
        .context("读取产业、就业与村集体经济数据失败")?;
    Ok(EconomyFigures::compute(area, year, &data, &labour.force))
}

/// Rows of links and employment per bulk load (one transaction and one audit entry each).
const BATCH_ROWS: usize = 250_000;

/// Loads the generated villages' economy records into `store`, whose households within `area` were just
/// written: operators, bases, products, sales and accounts first (links name operators of other villages),
/// then links and employment in batches. Links to operators not generated in this run (an area smaller than
/// a county) are left out. Returns the rows written and the links left out.
pub fn load_generated(
    store: &Store,
    actor: &Actor,
    area: &AreaCode,
    villages: Vec<VillageEconomy>,
    reason: &str,
) -> anyhow::Result<(EconomyLoaded, usize)> {
    let mut ids: HashMap<HouseholdNo, HouseholdId> = store
        .household_ids_within(area)
        .context("读取已写入农户的 ID 失败")?
        .into_iter()
        .collect();
    let outside: BTreeSet<AreaCode> = villages
        .iter()
        .map(|v| v.village)
        .filter(|v| !area.contains(v))
        .collect();
    for village in &outside {
        ids.extend(store.household_ids_within(village)?);
    }
    let mut records = EconomyRecords::default();
    let bar = progress::bar("整理产业就业记录", villages.len() as u64, "村");
    for v in &villages {
        let r = v
            .resolve(|no| ids.get(no).copied())
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("村 {} 的产业就业记录", v.village))?;
        records.extend(r);
        bar.inc(1);
    }
    bar.finish_and_clear();
    drop(villages);
    let operators: HashSet<OperatorId> = records.operators.iter().map(|o| o.id).collect();
    let before = records.links.len();
    records.links.retain(|l| operators.contains(&l.operator));
    let left_out = before - records.links.len();
    let mut total = store.bulk_load_economy(
        &EconomyBatch {
            operators: records.operators,
            bases: records.bases,
            products: records.products,
            sales: records.sales,
            accounts: records.accounts,
            ..EconomyBatch::default()
        },
        actor,
        reason,
    )?;
    let bar = progress::bar(
        "写入联农带农与就业记录",
        (records.links.len() + records.employment.len()) as u64,
        "条",
    );
    let mut links = records.links.into_iter().peekable();
    let mut work = records.employment.into_iter().peekable();
    while links.peek().is_some() || work.peek().is_some() {
        let batch = EconomyBatch {
            links: links.by_ref().take(BATCH_ROWS / 2).collect(),
            employment: work.by_ref().take(BATCH_ROWS / 2).collect(),
            ..EconomyBatch::default()
        };
        let n = batch.rows();
        total.add(store.bulk_load_economy(&batch, actor, reason)?);
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    Ok((total, left_out))
}

/// One line on what was written.
pub fn summary(loaded: &EconomyLoaded, left_out: usize) -> String {
    let mut line = format!(
        "已写入产业就业记录: 经营主体 {}, 产业基地 {}, 联农带农 {}, 就业 {}, 扶贫产品 {} (销售 {}), 村集体经济账 {}",
        loaded.operators,
        loaded.bases,
        loaded.links,
        loaded.employment,
        loaded.products,
        loaded.sales,
        loaded.accounts
    );
    if left_out > 0 {
        line.push_str(&format!(
            "; {left_out} 条联农带农记录所指经营主体不在本次生成范围内, 未写入"
        ));
    }
    line
}
