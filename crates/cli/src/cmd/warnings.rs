//! `jingzhun warnings`: the warning lists (预警清单) of an area and year — counts by kind for the area and
//! its child areas, and the list — as a table, JSON or an XLSX file. Built exactly as the web application
//! builds them: the area loaded and evaluated by `jingzhun_loader::live::Live`, the rows from that one
//! evaluation (`jingzhun_report::warnings`), the open cases and ending measures from the store.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use jingzhun_core::AreaCode;
use jingzhun_loader::live::Live;
use jingzhun_policy::PolicyPack;
use jingzhun_report::warnings::{self as rw, Filter, KindCounts, Sort, WarningKind, WarningRow};
use jingzhun_store::Store;
use serde_json::json;

use super::evaluate::default_year;
use super::table;

#[derive(Debug, clap::Args)]
pub struct WarningsArgs {
    /// 区划代码（省、市、县、乡镇或村）
    #[arg(long)]
    pub area: String,
    /// 评估年度（默认为上一个完整年度）
    #[arg(long)]
    pub year: Option<u16>,
    /// 只列一种预警（monitoring_candidate、omission_suspect、wrong_exit_suspect、return_to_poverty、
    /// guarantee_unmet、department_alert、risk_elimination、case_overdue、case_near、measure_ending）
    #[arg(long)]
    pub kind: Option<String>,
    /// 输出格式：table（默认）、json 或 xlsx（须给 --out）
    #[arg(long, default_value = "table")]
    pub format: String,
    /// XLSX 输出文件
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 表格输出最多列出的条数
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

fn counts_json(c: &KindCounts) -> serde_json::Value {
    json!({
        "by_kind": c.by_kind.iter().map(|(k, n)| (k.code().to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "candidates_by_monitoring_kind": c.candidates_by_monitoring_kind.iter().map(|(k, n)| (k.code().to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "candidates_by_risk": c.candidates_by_risk.iter().map(|(k, n)| (k.code().to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "by_guarantee": c.by_guarantee.iter().map(|(k, n)| (k.code().to_owned(), json!(n))).collect::<serde_json::Map<_, _>>(),
        "households": c.households,
    })
}

fn row_json(r: &WarningRow) -> serde_json::Value {
    json!({
        "household_id": r.household.0,
        "village": r.village.as_str(),
        "kind": r.kind.code(),
        "subject": rw::subject(r),
        "monitoring_kind": r.monitoring_kind.map(|k| k.code()),
        "risk_types": r.risk_types.iter().map(|t| t.code()).collect::<Vec<_>>(),
        "guarantees": r.guarantees.iter().map(|g| g.code()).collect::<Vec<_>>(),
        "per_capita_income_yuan": r.per_capita.map(|y| y.fen() as f64 / 100.0),
        "income_band": r.band.code(),
        "open_case": r.open_case,
        "due": r.due.map(|d| d.to_string()),
        "case": r.case.as_ref().map(|c| c.to_string()),
    })
}

pub fn run(store: Store, args: WarningsArgs) -> anyhow::Result<ExitCode> {
    let area =
        AreaCode::parse(&args.area).with_context(|| format!("区划代码「{}」无效", args.area))?;
    let year = args.year.unwrap_or_else(default_year);
    let kind = args
        .kind
        .as_deref()
        .map(|k| {
            WarningKind::parse(k).with_context(|| {
                format!(
                    "预警类型「{k}」无效, 可选: {}",
                    WarningKind::ALL
                        .iter()
                        .map(|k| k.code())
                        .collect::<Vec<_>>()
                        .join("、")
                )
            })
        })
        .transpose()?;
    let format = args.format.as_str();
    if !matches!(format, "table" | "json" | "xlsx") {
        anyhow::bail!("输出格式「{format}」无效, 可选 table、json、xlsx");
    }
    if format == "xlsx" && args.out.is_none() {
        anyhow::bail!("--format xlsx 须用 --out 给出输出文件");
    }
    let store = Arc::new(store);
    let tree = store.area_tree().context("无法读取行政区划")?;
    let area_name = tree
        .get(&area)
        .map(|a| a.name.clone())
        .with_context(|| format!("区划「{area}」不存在"))?;
    let pack = PolicyPack::builtin();
    pack.effective(year, Some(&area))
        .with_context(|| format!("政策包中没有 {year} 年区划 {area} 的参数"))?;
    let live = Live::load(
        Arc::clone(&store),
        area,
        pack.clone(),
        &[year],
        &mut jingzhun_loader::Silent,
    )
    .with_context(|| format!("无法装载区划 {area} 的 {year} 年数据"))?;
    let today = chrono::Local::now().date_naive();
    let mut work = jingzhun_loader::warnings::workflow(
        &store,
        &pack,
        &area,
        today,
        jingzhun_web::workflow::NEAR_DAYS,
    )
    .context("无法读取监测事项和帮扶措施")?;
    jingzhun_loader::warnings::add_economy(&mut work, &store, &area, year)
        .context("无法读取就业记录和安置点")?;
    let shared = live.year(year).context("无法评估")?;
    let set = {
        let y = shared.read().unwrap_or_else(|e| e.into_inner());
        jingzhun_loader::warnings::warning_set(&y, &area, &work)
    };
    let counts = set.counts(&area);
    let children: Vec<AreaCode> = tree
        .areas()
        .filter(|a| a.code.parent() == Some(area))
        .map(|a| a.code)
        .collect();
    let child_counts = set.counts_by_child(&children);
    let filter = Filter {
        kind,
        ..Filter::default()
    };
    let rows = set.select(&filter, Sort::Village);
    match format {
        "json" => {
            let out = json!({
                "area": area.as_str(),
                "area_name": area_name,
                "year": year,
                "as_of": set.as_of.to_string(),
                "pack_version": set.pack_version,
                "counts": counts_json(&counts),
                "children": child_counts.iter().map(|(c, k)| json!({
                    "code": c.as_str(),
                    "name": tree.get(c).map(|a| a.name.clone()).unwrap_or_default(),
                    "counts": counts_json(k),
                })).collect::<Vec<_>>(),
                "kind": kind.map(|k| k.code()),
                "rows": rows.iter().map(|r| row_json(r)).collect::<Vec<_>>(),
            });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        "xlsx" => {
            let path = args.out.as_ref().context("--out")?;
            let labels = jingzhun_loader::warnings::labels(
                &store,
                &tree,
                rows.iter().map(|r| r.household),
                false,
            )
            .context("无法读取农户信息")?;
            let labelled: Vec<_> = rows
                .iter()
                .map(|r| (*r, labels.get(&r.household).cloned().unwrap_or_default()))
                .collect();
            let bytes = rw::workbook(&set, &area_name, &counts, &labelled, true)
                .context("无法生成 XLSX")?;
            std::fs::write(path, bytes)
                .with_context(|| format!("无法写入「{}」", path.display()))?;
            println!(
                "已导出 {} 条预警 (证件号码已遮蔽) 到 {}",
                labelled.len(),
                path.display()
            );
        }
        _ => {
            println!(
                "{area_name} ({area}) {year} 年预警清单; 评估日期 {}, 政策包 {}",
                set.as_of, set.pack_version
            );
            let mut t = vec![{
                let mut h = vec!["预警类型".to_owned(), area_name.clone()];
                h.extend(
                    children
                        .iter()
                        .map(|c| tree.get(c).map(|a| a.name.clone()).unwrap_or_default()),
                );
                h
            }];
            for (i, (k, n)) in counts.by_kind.iter().enumerate() {
                let mut line = vec![k.label().to_owned(), n.to_string()];
                line.extend(child_counts.iter().map(|(_, c)| c.by_kind[i].1.to_string()));
                t.push(line);
            }
            print!("{}", table::render(&t));
            println!("有预警的户数: {}", counts.households);
            let mut list = vec![vec![
                "户 ID".to_owned(),
                "村代码".to_owned(),
                "预警类型".to_owned(),
                "说明".to_owned(),
                "风险类型".to_owned(),
                "收入区间".to_owned(),
            ]];
            for r in rows.iter().take(args.limit) {
                list.push(vec![
                    r.household.0.to_string(),
                    r.village.as_str().to_owned(),
                    r.kind.label().to_owned(),
                    rw::subject(r),
                    rw::risk_text(r),
                    r.band.label().to_owned(),
                ]);
            }
            println!();
            print!("{}", table::render(&list));
            if rows.len() > args.limit {
                println!(
                    "(共 {} 条, 只列出前 {} 条; 全部请用 --format json 或 xlsx)",
                    rows.len(),
                    args.limit
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
