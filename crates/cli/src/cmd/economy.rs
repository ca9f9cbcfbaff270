//! The economy records in the CLI (issue 14): their figures for `report summary` and `demo`, writing the
//! generator's records after the households they refer to, and `import economy` / `export economy`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use jingzhun_core::economy::{EmploymentRecord, IndustryLink, OperatorId};
use jingzhun_core::{AreaCode, HouseholdId, HouseholdNo};
use jingzhun_engine::{Engine, Evaluation};
use jingzhun_io::economy::{read_economy_xlsx, write_economy_xlsx, EconomyExport};
use jingzhun_io::households::Problem;
use jingzhun_report::economy::{self, EconomyFigures, HouseholdTally};
use jingzhun_store::{Actor, EconomyBatch, EconomyLoaded, Store, StoredHousehold};
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

/// [`figures`] with the households' links and employment already summed ([`HouseholdTally::of`], e.g.
/// as `demo` generated them; other years' tallies are left out): the rest read from the store.
pub fn figures_tallied(
    store: &Store,
    area: &AreaCode,
    year: u16,
    labour: Labour,
    tallies: &[HouseholdTally],
) -> anyhow::Result<EconomyFigures> {
    let year_tallies = tallies.iter().filter(|t| t.year == year).copied().collect();
    let mut data = jingzhun_loader::economy_tallied(store, area, year..=year, Some(year_tallies))
        .context("读取产业、就业与村集体经济数据失败")?;
    data.household_village = labour.villages;
    Ok(EconomyFigures::compute(area, year, &data, &labour.force))
}

/// Rows of links and employment per bulk load (one transaction and one audit entry each).
const BATCH_ROWS: usize = 250_000;

/// Loads the generated villages' economy records into `store`, whose households within `area` were just
/// written: operators, bases, products, sales and accounts first (links name operators of other villages),
/// then links and employment in batches. Links to operators not generated in this run (an area smaller than
/// a county) are left out. Returns the rows written, the links left out and the links and employment
/// written of the households within `area`, summed per household and year ([`HouseholdTally::of`]: what
/// [`jingzhun_loader::household_tallies`] reads back).
pub fn load_generated(
    store: &Store,
    actor: &Actor,
    area: &AreaCode,
    villages: Vec<VillageEconomy>,
    reason: &str,
) -> anyhow::Result<(EconomyLoaded, usize, Vec<HouseholdTally>)> {
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
    let mut beyond = HashSet::new();
    for village in &outside {
        let within = store.household_ids_within(village)?;
        beyond.extend(within.iter().map(|(_, id)| *id));
        ids.extend(within);
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
    // Generating part of a county leaves out the operators filed in its other villages: a base they run
    // keeps no operator, and their products (with their sales) are left out.
    for b in &mut records.bases {
        if b.operator.is_some_and(|o| !operators.contains(&o)) {
            b.operator = None;
        }
    }
    records.products.retain(|p| operators.contains(&p.producer));
    let products: HashSet<_> = records.products.iter().map(|p| p.id).collect();
    records.sales.retain(|s| products.contains(&s.product));
    let tallies = HouseholdTally::of(&records.links, &records.employment)
        .into_iter()
        .filter(|t| !beyond.contains(&t.household))
        .collect();
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
    Ok((total, left_out, tallies))
}

/// One line on what was written.
pub fn summary(loaded: &EconomyLoaded, left_out: usize) -> String {
    let mut line = format!(
        "已写入产业就业记录：经营主体 {}，产业基地 {}，联农带农 {}，就业 {}，扶贫产品 {}（销售 {}），村集体经济账 {}",
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

/// `jingzhun import economy`: reads the workbook, resolves households by number and members by ID, and
/// writes everything in one transaction, or nothing with the list of problems.
pub fn import(
    store: &Store,
    actor: &Actor,
    file: &Path,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(file).with_context(|| format!("无法读取文件 {}", file.display()))?;
    let parsed = match read_economy_xlsx(&bytes) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut problems: Vec<Problem> = Vec::new();
    let mut households: HashMap<HouseholdNo, Option<StoredHousehold>> = HashMap::new();
    let mut resolve =
        |no: &HouseholdNo, sheet: &str, row: usize| -> anyhow::Result<Option<StoredHousehold>> {
            if !households.contains_key(no) {
                households.insert(no.clone(), store.household_by_number(no)?);
            }
            let found = households.get(no).cloned().flatten();
            if found.is_none() {
                problems.push(Problem {
                    sheet: sheet.to_owned(),
                    row,
                    column: "户编号".to_owned(),
                    value: no.as_str().to_owned(),
                    reason: "登记数据中没有这一户".to_owned(),
                });
            }
            Ok(found)
        };
    let mut batch = EconomyBatch {
        operators: parsed.operators,
        bases: parsed.bases,
        products: parsed.products,
        sales: parsed.sales,
        accounts: parsed.accounts,
        ..EconomyBatch::default()
    };
    for l in parsed.links {
        if let Some(h) = resolve(&l.household_no, l.sheet, l.row)? {
            batch.links.push(IndustryLink {
                household: h.id,
                ..l.record
            });
        }
    }
    let mut member_problems = Vec::new();
    for e in parsed.employment {
        if let Some(h) = resolve(&e.household_no, e.sheet, e.row)? {
            if !h
                .household
                .members
                .iter()
                .any(|m| m.resident_id == e.record.member)
            {
                member_problems.push(Problem {
                    sheet: e.sheet.to_owned(),
                    row: e.row,
                    column: "证件号码".to_owned(),
                    value: e.record.member.masked(),
                    reason: format!("不是户 {} 的家庭成员", e.household_no.as_str()),
                });
            }
            batch.employment.push(EmploymentRecord {
                household: h.id,
                ..e.record
            });
        }
    }
    problems.extend(member_problems);
    if !problems.is_empty() {
        eprintln!("发现 {} 处问题, 未导入任何记录:", problems.len());
        for p in &problems {
            eprintln!("{p}");
        }
        return Ok(ExitCode::from(2));
    }
    let counts = batch
        .counts()
        .into_iter()
        .map(|(k, n)| format!("{k} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    if dry_run {
        println!("校验通过 (未写入): {counts}");
        return Ok(ExitCode::SUCCESS);
    }
    let reason = format!("导入产业就业数据: {}", file.display());
    store
        .save_economy(&batch, actor, &reason)
        .context("写入失败, 未导入任何记录")?;
    println!("已导入: {counts}");
    Ok(ExitCode::SUCCESS)
}

/// `jingzhun export economy`: the records of `area` in the import layout, resident IDs masked.
pub fn export(
    store: &Store,
    area: &str,
    out: Option<PathBuf>,
    year: Option<u16>,
) -> anyhow::Result<ExitCode> {
    let area = AreaCode::parse(area).with_context(|| format!("区划代码「{area}」无效"))?;
    let operators: Vec<_> = store
        .operators_within(&area)?
        .into_iter()
        .map(|v| v.record)
        .collect();
    let bases: Vec<_> = store
        .bases_within(&area)?
        .into_iter()
        .map(|v| v.record)
        .collect();
    let products: Vec<_> = store
        .products_within(&area)?
        .into_iter()
        .map(|v| v.record)
        .collect();
    let sales: Vec<_> = store
        .sales_within(&area, year)?
        .into_iter()
        .map(|v| v.record)
        .collect();
    let links: Vec<_> = store
        .links_within(&area, year)?
        .into_iter()
        .map(|v| v.record)
        .collect();
    let employment: Vec<_> = store
        .employment_within(&area, year)?
        .into_iter()
        .map(|v| v.record)
        .collect();
    let accounts: Vec<_> = store
        .collective_accounts_within(&area, year)?
        .into_iter()
        .map(|v| v.record)
        .collect();
    let numbers: HashMap<HouseholdId, HouseholdNo> = store
        .household_ids_within(&area)?
        .into_iter()
        .map(|(no, id)| (id, no))
        .collect();
    let bytes = write_economy_xlsx(&EconomyExport {
        operators: &operators,
        bases: &bases,
        links: &links,
        employment: &employment,
        products: &products,
        sales: &sales,
        accounts: &accounts,
        household_no: &|id| numbers.get(&id).cloned(),
    })?;
    let out = out.unwrap_or_else(|| PathBuf::from(format!("产业就业_{area}.xlsx")));
    std::fs::write(&out, bytes).with_context(|| format!("无法写入 {}", out.display()))?;
    println!(
        "已导出 {}: 经营主体 {}, 产业基地 {}, 联农带农 {}, 就业 {}, 扶贫产品 {}, 村集体经济账 {}",
        out.display(),
        operators.len(),
        bases.len(),
        links.len(),
        employment.len(),
        products.len(),
        accounts.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// `jingzhun report employment-leads`: members of lifted or monitored households who lost work in `year`.
pub fn leads(store: &Store, area: &str, year: u16, format: &str) -> anyhow::Result<ExitCode> {
    let area = AreaCode::parse(area).with_context(|| format!("区划代码「{area}」无效"))?;
    if !["table", "json"].contains(&format) {
        anyhow::bail!("不支持的输出格式「{format}」(可选 table、json)");
    }
    let loaded = jingzhun_loader::load_with(
        store,
        &area,
        year,
        jingzhun_loader::year_end(year),
        &mut |_| {},
        &mut jingzhun_loader::Silent,
    )?;
    let pack = jingzhun_policy::PolicyPack::builtin();
    let eval = loaded.engine.evaluate(&pack)?;
    let labour = labour_of(&loaded.engine, &eval);
    let data = jingzhun_loader::economy_data(
        store,
        &area,
        year.saturating_sub(1)..=year,
        labour.villages,
    )?;
    let leads = economy::employment_leads(year, &data.employment, &labour.force);
    if format == "json" {
        println!("{}", serde_json::to_string_pretty(&leads)?);
        return Ok(ExitCode::SUCCESS);
    }
    let mut rows = vec![vec![
        "户 ID".to_owned(),
        "成员".to_owned(),
        "风险类型".to_owned(),
        "说明".to_owned(),
    ]];
    rows.extend(leads.iter().map(|l| {
        vec![
            l.household.to_string(),
            l.member_masked.clone(),
            l.risk.label().to_owned(),
            l.explanation.clone(),
        ]
    }));
    print!("{}", super::table::render(&rows));
    println!("共 {} 条务工就业预警线索", leads.len());
    Ok(ExitCode::SUCCESS)
}
