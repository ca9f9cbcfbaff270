//! `jingzhun report`: published figures computed from the registry — the yearly summary, indicators for
//! any areas side by side, poverty measures, the annual review, the standard tables and the county exit
//! assessment.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::Subcommand;
use jingzhun_core::{AreaCode, AreaLevel};
use jingzhun_policy::Rate;
use jingzhun_report::annual::Provenance;
use jingzhun_report::indicators::{self, catalogue, format_value, IndicatorTable, Unit};
use jingzhun_report::population::{self, Line};
use jingzhun_report::tables;
use jingzhun_store::Store;

use jingzhun_loader::ReportData;

use super::{demo, evaluate, policy::load_pack, progress, table};

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// 年度汇总：人口、贫困人口与发生率、贫困村、摘帽县、累计脱贫、收入、搬迁、低保、监测与风险消除
    Summary {
        /// 区划代码（如 5119）
        #[arg(long)]
        area: String,
        /// 年度（如 2024）
        #[arg(long)]
        year: u16,
        /// 输出格式：table 或 json
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// 指标目录：每个指标的代码、名称、定义、单位与统计对象
    Catalogue {
        /// 输出格式：table 或 json
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// 指标：某区划及其下级区划（并列）在某年、某日的全部指标
    Indicators(IndicatorArgs),
    /// 贫困测度：FGT0–2、Watts、基尼、Sen、均值与中位数，及“两不愁三保障”多维贫困（Alkire–Foster），按下级区划分解
    Measures(MeasureArgs),
    /// 年度报告（中文，Markdown 或 HTML；HTML 可直接打印为 PDF）
    Annual {
        /// 区划代码（如 5119）
        #[arg(long)]
        area: String,
        /// 年度（如 2024）
        #[arg(long)]
        year: u16,
        /// 输出格式：md 或 html
        #[arg(long, default_value = "md")]
        format: String,
        /// 写入文件（默认输出到屏幕）
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// 标准报表（XLSX）：县、乡镇、村各一张工作表，另附指标说明与数据来源；只含汇总数字，不含身份证号等个人信息
    Tables {
        /// 区划代码（如 5119）
        #[arg(long)]
        area: String,
        /// 年度（如 2024）
        #[arg(long)]
        year: u16,
        /// 按此日期的数据与状态计算（默认该年 12 月 31 日）
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// 写入的 XLSX 文件
        #[arg(long)]
        out: PathBuf,
        /// 不逐年评估（累计脱贫人口不计算，读取更快）
        #[arg(long)]
        no_history: bool,
        /// 在标准错误输出各步骤用时
        #[arg(long)]
        timings: bool,
    },
    /// 贫困县退出评估表：贫困发生率、错退率、漏评率、群众认可度，各与政策包标准比较
    ExitAssessment {
        /// 县级区划代码
        #[arg(long)]
        county: String,
        /// 年度（如 2024）
        #[arg(long)]
        year: u16,
        /// 按此日期的数据与状态计算（默认该年 12 月 31 日）
        #[arg(long)]
        as_of: Option<NaiveDate>,
        /// 抽样调查的群众认可度（百分数，如 95.5）；不给则为“未调查”
        #[arg(long)]
        approval: Option<f64>,
        /// 输出格式：table 或 json
        #[arg(long, default_value = "table")]
        format: String,
    },
    /// 务工就业预警：脱贫户和监测户中上年务工（6 个月及以上）本年失去工作或务工不足 6 个月的成员，
    /// 作为监测线索（风险类型 因务工就业不稳）
    EmploymentLeads {
        /// 区划代码（省、市、县、乡镇或村）
        #[arg(long)]
        area: String,
        /// 预警年度（与上一年的务工情况比较）
        #[arg(long)]
        year: u16,
        /// 输出格式：table 或 json
        #[arg(long, default_value = "table")]
        format: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct IndicatorArgs {
    /// 区划代码（如 5119）
    #[arg(long)]
    area: String,
    /// 年度（如 2024）
    #[arg(long)]
    year: u16,
    /// 按此日期的数据与状态计算（默认该年 12 月 31 日）
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// 并列列出的下级区划层级：county、township 或 village（默认直接下级）
    #[arg(long)]
    by: Option<String>,
    /// 输出格式：table、json、csv 或 xlsx
    #[arg(long, default_value = "table")]
    format: String,
    /// 写入文件（xlsx 必需）
    #[arg(long)]
    out: Option<PathBuf>,
    /// 不逐年评估（累计脱贫人口不计算，读取更快）
    #[arg(long)]
    no_history: bool,
    /// 在标准错误输出各步骤用时
    #[arg(long)]
    timings: bool,
}

#[derive(Debug, clap::Args)]
pub struct MeasureArgs {
    /// 区划代码（如 5119）
    #[arg(long)]
    area: String,
    /// 年度（如 2024）
    #[arg(long)]
    year: u16,
    /// 按此日期的数据与状态计算（默认该年 12 月 31 日）
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// 标准：poverty（当年贫困线，默认）、monitoring（当年监测线）或金额（元）
    #[arg(long, default_value = "poverty")]
    line: String,
    /// 分解到的下级区划层级（默认直接下级）
    #[arg(long)]
    by: Option<String>,
    /// 多维贫困临界值 k：大于 0、不超过 1，默认 1/3
    #[arg(long, default_value_t = 1.0 / 3.0)]
    k: f64,
    /// 五项保障的权重，逗号分隔，和为 1（默认等权）
    #[arg(long)]
    weights: Option<String>,
    /// 输出格式：table 或 json
    #[arg(long, default_value = "table")]
    format: String,
    /// 在标准错误输出各步骤用时
    #[arg(long)]
    timings: bool,
}

pub fn run(store: &Store, command: ReportCommand) -> anyhow::Result<ExitCode> {
    match command {
        ReportCommand::Summary { area, year, format } => summary(store, &area, year, &format),
        ReportCommand::Catalogue { format } => print_catalogue(&format),
        ReportCommand::Indicators(args) => run_indicators(store, args),
        ReportCommand::Measures(args) => run_measures(store, args),
        ReportCommand::Annual {
            area,
            year,
            format,
            out,
        } => run_annual(store, &area, year, &format, out.as_deref()),
        ReportCommand::Tables {
            area,
            year,
            as_of,
            out,
            no_history,
            timings,
        } => run_tables(store, &area, year, as_of, &out, !no_history, timings),
        ReportCommand::ExitAssessment {
            county,
            year,
            as_of,
            approval,
            format,
        } => run_exit_assessment(store, &county, year, as_of, approval, &format),
        ReportCommand::EmploymentLeads { area, year, format } => {
            super::economy::leads(store, &area, year, &format)
        }
    }
}

fn summary(store: &Store, area: &str, year: u16, format: &str) -> anyhow::Result<ExitCode> {
    if !matches!(format, "table" | "json") {
        bail!("不支持的输出格式「{format}」（可选 table、json）");
    }
    let area = AreaCode::parse(area)?;
    check_year(year)?;
    super::policy::require_year(&load_pack(None)?, year)?;
    let tree = store.area_tree()?;
    if tree.get(&area).is_none() {
        bail!("区划「{area}」不存在");
    }
    // Cumulative figures (counties exited, people lifted out) need every year up to this one.
    let mut labour = None;
    let series = demo::evaluate_years_with(store, &tree, &area, year, &mut |engine, eval| {
        if engine.year() == year {
            labour = Some(super::economy::labour_of(engine, eval));
        }
    })?;
    let mut summary = series.summary(year).context("该年度没有评估结果")?;
    summary.projects = Some(jingzhun_loader::project_details(store, &area, summary.as_of)?.figures);
    // The monitoring workflow's figures of the year beside the evaluation's: leads by channel,
    // identifications by kind, time to a decision, eliminations, open and overdue cases.
    let pack = load_pack(None)?;
    let limit = pack
        .effective(year, Some(&area))
        .ok()
        .map(|p| i64::from(p.params.identification_days_limit));
    let cases = indicators::CaseFigures::of(
        &jingzhun_loader::lead_cases(store, &area)?,
        year,
        summary.as_of,
        limit,
    );
    let mut value = serde_json::to_value(&summary)?;
    if let Some(object) = value.as_object_mut() {
        object.insert("cases".to_owned(), serde_json::to_value(cases.by_code())?);
        // The economy's figures of the year (industry, employment, products, collective economy).
        if let Some(labour) = labour {
            let economy = super::economy::figures(store, &area, year, labour)?;
            for (field, value) in economy.summary_fields() {
                object.insert(field.to_owned(), value);
            }
        }
    }
    match format {
        "json" => println!("{}", serde_json::to_string_pretty(&value)?),
        _ => print!("{}", summary_table(&summary, &cases)),
    }
    Ok(ExitCode::SUCCESS)
}

/// The summary for people: Chinese labels, whole numbers, the rate in percent; the monitoring workflow's
/// figures of the year after the evaluation's.
fn summary_table(
    summary: &jingzhun_report::summary::Summary,
    cases: &indicators::CaseFigures,
) -> String {
    let mut rows = vec![vec![
        format!("{} {} 年", summary.area_name, summary.year),
        "数值".to_owned(),
    ]];
    for row in demo::ROWS {
        let value = summary
            .get(row.field)
            .map(|v| demo::format_value(row.field, v))
            .unwrap_or_else(|| "-".to_owned());
        rows.push(vec![row.label.to_owned(), value]);
        if row.field == "monitored_households" {
            for kind in jingzhun_core::MonitoringKind::ALL {
                let n = summary
                    .monitored_by_kind
                    .get(kind.code())
                    .copied()
                    .unwrap_or(0);
                rows.push(vec![format!("  其中{}", kind.label()), n.to_string()]);
            }
        }
    }
    rows.push(vec![
        format!("监测帮扶办理（{} 年）", summary.year),
        String::new(),
    ]);
    for channel in jingzhun_core::Channel::ALL {
        let n = cases.leads_by_channel[usize::from(channel.index())];
        rows.push(vec![format!("  线索：{}", channel.label()), n.to_string()]);
    }
    for kind in jingzhun_core::MonitoringKind::ALL {
        let n = cases.identified_by_kind[usize::from(kind.index())];
        rows.push(vec![format!("  识别纳入：{}", kind.label()), n.to_string()]);
    }
    rows.push(vec![
        "  线索到识别纳入的天数（中位数）".to_owned(),
        cases
            .median_days()
            .map_or_else(|| "-".to_owned(), |d| format!("{d:.0}")),
    ]);
    rows.push(vec![
        "  不予纳入的线索".to_owned(),
        cases.rejected.to_string(),
    ]);
    rows.push(vec![
        "  风险消除（办结）".to_owned(),
        cases.eliminations.to_string(),
    ]);
    rows.push(vec!["  在办监测事项".to_owned(), cases.open.to_string()]);
    rows.push(vec![
        "  其中超过办理时限".to_owned(),
        cases.overdue.to_string(),
    ]);
    let mut out = table::render(&rows);
    out.push_str(&format!(
        "数据截至 {}；政策包 {}。机器可读的全部数字：--format json\n",
        summary.as_of, summary.pack_version
    ));
    out
}

fn check_year(year: u16) -> anyhow::Result<()> {
    if year < demo::FIRST_YEAR {
        bail!("年度 {year} 早于建档立卡（{} 年）", demo::FIRST_YEAR);
    }
    Ok(())
}

fn parse_level(text: &str) -> anyhow::Result<AreaLevel> {
    Ok(match text {
        "county" | "县" => AreaLevel::County,
        "township" | "乡镇" => AreaLevel::Township,
        "village" | "村" => AreaLevel::Village,
        "city" | "市" => AreaLevel::City,
        other => bail!("不支持的层级「{other}」（可选 county、township、village）"),
    })
}

/// The level to drill down to: the one asked for, or the area's children.
fn drill_level(area: &AreaCode, by: Option<&str>) -> anyhow::Result<Option<AreaLevel>> {
    match by {
        Some(b) => {
            let level = parse_level(b)?;
            if level.digits() <= area.level().digits() {
                bail!("层级「{b}」不低于区划 {area} 本身");
            }
            Ok(Some(level))
        }
        None => Ok(area.level().child()),
    }
}

/// One evaluated year of an area, with what the indicators need beyond the engine
/// ([`jingzhun_loader::ReportData`], shared with the web application's downloads).
type Loaded = ReportData;

/// Loads `area` for `year` as of `as_of` (default the year's end) and evaluates it under the built-in
/// pack, with every year from 2013 too when `history` ([`ReportData::load`]).
fn load(
    store: &Store,
    area: &AreaCode,
    year: u16,
    as_of: Option<NaiveDate>,
    history: bool,
) -> anyhow::Result<Loaded> {
    check_year(year)?;
    let pack = load_pack(None)?;
    super::policy::require_year(&pack, year)?;
    Ok(ReportData::load(
        store,
        area,
        year,
        as_of,
        history,
        &pack,
        &mut progress::Bars::default(),
    )?)
}

/// [`load`] without the workflow's cases and measures: for figures that read only the evaluation.
fn load_evaluation(
    store: &Store,
    area: &AreaCode,
    year: u16,
    as_of: Option<NaiveDate>,
) -> anyhow::Result<Loaded> {
    check_year(year)?;
    let pack = load_pack(None)?;
    Ok(ReportData::load_evaluation(
        store,
        area,
        year,
        as_of,
        false,
        &pack,
        &mut progress::Bars::default(),
    )?)
}

fn print_catalogue(format: &str) -> anyhow::Result<ExitCode> {
    match format {
        "json" => println!("{}", serde_json::to_string_pretty(catalogue())?),
        "table" => {
            let mut rows = vec![vec![
                "代码".to_owned(),
                "指标".to_owned(),
                "单位".to_owned(),
                "定义".to_owned(),
            ]];
            for i in catalogue() {
                let definition = match i.unavailable {
                    Some(why) => format!("{} [暂不能计算：{why}]", i.definition),
                    None => i.definition.clone(),
                };
                rows.push(vec![
                    i.code.clone(),
                    i.name.clone(),
                    i.unit.label().to_owned(),
                    definition,
                ]);
            }
            print!("{}", render_left(&rows));
        }
        other => bail!("不支持的输出格式「{other}」（可选 table、json）"),
    }
    Ok(ExitCode::SUCCESS)
}

/// Rows with every column left-aligned (text columns).
fn render_left(rows: &[Vec<String>]) -> String {
    let widths: Vec<usize> = (0..rows.iter().map(Vec::len).max().unwrap_or(0))
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| table::width(c))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            line.push_str(cell);
            line.push_str(&" ".repeat(widths[i].saturating_sub(table::width(cell)) + 2));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn run_indicators(store: &Store, args: IndicatorArgs) -> anyhow::Result<ExitCode> {
    let area = AreaCode::parse(&args.area)?;
    let level = drill_level(&area, args.by.as_deref())?;
    if !["table", "json", "csv", "xlsx"].contains(&args.format.as_str()) {
        bail!(
            "不支持的输出格式「{}」（可选 table、json、csv、xlsx）",
            args.format
        );
    }
    let opened = super::since_start();
    let started = Instant::now();
    let l = load(store, &area, args.year, args.as_of, !args.no_history)?;
    let load_wall = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let areas = l.rows_for(&area, level);
    let table = indicators::compute(&l.engine, &l.eval, &areas, l.extras());
    let compute_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    match args.format.as_str() {
        "xlsx" => {
            let out = args.out.as_deref().context("xlsx 格式需要 --out 文件名")?;
            // The area and its children side by side: one sheet (`report tables` gives one per level).
            let bytes = tables::workbook(&[("指标", &table)], &l.provenance())?;
            std::fs::write(out, bytes).with_context(|| format!("无法写入「{}」", out.display()))?;
            eprintln!("已写入 {}", out.display());
        }
        format => {
            let text = match format {
                "json" => serde_json::to_string_pretty(&indicator_json(&table))? + "\n",
                "csv" => indicator_csv(&table),
                _ => indicator_text(&table, &l.provenance()),
            };
            write_out(args.out.as_deref(), &text)?;
        }
    }
    let output_secs = started.elapsed().as_secs_f64();
    if args.timings {
        let rows = table.rows.len();
        let (timings, main_secs) = (l.timings.text(), l.timings.main_secs());
        let started = Instant::now();
        drop(l);
        let free_secs = started.elapsed().as_secs_f64();
        eprintln!(
            "用时（共 {:.2} 秒）：启动与打开数据库 {opened:.2} 秒，{timings}，其余读取 {:.2} 秒，指标（{rows} 个区划 × {} 项） {compute_secs:.2} 秒，输出 {output_secs:.2} 秒，释放内存 {free_secs:.2} 秒",
            super::since_start(),
            (load_wall - main_secs).max(0.0),
            catalogue().len(),
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn write_out(out: Option<&Path>, text: &str) -> anyhow::Result<()> {
    match out {
        Some(path) => {
            std::fs::write(path, text)
                .with_context(|| format!("无法写入「{}」", path.display()))?;
            eprintln!("已写入 {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}

fn indicator_json(table: &IndicatorTable) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = table
        .rows
        .iter()
        .map(|r| {
            let values: serde_json::Map<String, serde_json::Value> = catalogue()
                .iter()
                .zip(&r.values)
                .map(|(i, v)| (i.code.clone(), serde_json::json!(v)))
                .collect();
            serde_json::json!({ "area": r.code, "name": r.name, "level": r.level, "values": values })
        })
        .collect();
    serde_json::json!({
        "year": table.year,
        "as_of": table.as_of,
        "pack_version": table.pack_version,
        "pack_hash": table.pack_hash,
        "code_version": evaluate::code_version(),
        "indicators": catalogue(),
        "rows": rows,
    })
}

fn csv_cell(text: &str) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// CSV for Excel: UTF-8 with BOM, one row per area, unformatted values (rates in percent).
fn indicator_csv(table: &IndicatorTable) -> String {
    let mut out = String::from("\u{feff}区划代码,名称");
    for i in catalogue() {
        out.push(',');
        out.push_str(&csv_cell(&tables::column_header(&i.name, i.unit)));
    }
    out.push('\n');
    for r in &table.rows {
        out.push_str(r.code.as_str());
        out.push(',');
        out.push_str(&csv_cell(&r.name));
        for (i, v) in catalogue().iter().zip(&r.values) {
            out.push(',');
            if let Some(v) = v {
                // Rates as percentages, like the header says.
                let v = if i.unit == Unit::Rate { v * 100.0 } else { *v };
                out.push_str(&format!("{}", (v * 1e4).round() / 1e4));
            }
        }
        out.push('\n');
    }
    out
}

/// Indicators down, areas across (side by side).
fn indicator_text(table: &IndicatorTable, p: &Provenance) -> String {
    let mut rows = vec![{
        let mut head = vec!["指标".to_owned()];
        head.extend(table.rows.iter().map(|r| r.name.clone()));
        head
    }];
    for (i, ind) in catalogue().iter().enumerate() {
        if ind.unavailable.is_some() {
            continue;
        }
        let mut row = vec![tables::column_header(&ind.name, ind.unit)];
        row.extend(
            table
                .rows
                .iter()
                .map(|r| format_value(ind.unit, r.values[i])),
        );
        rows.push(row);
    }
    let mut out = table::render(&rows);
    let missing: Vec<&str> = catalogue()
        .iter()
        .filter(|i| i.unavailable.is_some())
        .map(|i| i.name.as_str())
        .collect();
    out.push_str(&format!("暂不能计算：{}\n", missing.join("、")));
    out.push_str(&footer(p));
    out
}

fn footer(p: &Provenance) -> String {
    let pack = p.pack_label();
    format!(
        "按 {} 的状态；政策包 {pack}；数据时间 {}; {}\n",
        p.as_of, p.data_time, p.code_version
    )
}

fn run_measures(store: &Store, args: MeasureArgs) -> anyhow::Result<ExitCode> {
    let area = AreaCode::parse(&args.area)?;
    let level = drill_level(&area, args.by.as_deref())?.unwrap_or(area.level());
    let line = match args.line.as_str() {
        "poverty" | "贫困线" => Line::Poverty,
        "monitoring" | "监测线" => Line::Monitoring,
        other => match other.parse::<f64>() {
            Ok(y) if y > 0.0 && y.is_finite() => Line::Given(y),
            _ => bail!("标准「{other}」无效（可选 poverty、monitoring 或正的金额）"),
        },
    };
    let mut spec = population::guarantee_spec(args.k);
    if let Some(w) = &args.weights {
        let weights: Vec<f64> = w
            .split([',', ','])
            .map(|x| x.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .with_context(|| format!("权重「{w}」无效"))?;
        if weights.len() != spec.indicators.len() {
            bail!(
                "权重个数为 {}，应为 {}（五项保障）",
                weights.len(),
                spec.indicators.len()
            );
        }
        for (ind, w) in spec.indicators.iter_mut().zip(weights) {
            ind.1 = w;
        }
    }
    let opened = super::since_start();
    let started = Instant::now();
    let l = load_evaluation(store, &area, args.year, args.as_of)?;
    let load_wall = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let income = population::income_measures(&l.engine, &l.eval, &area, level, line)
        .context("该区划没有评估结果")?;
    let mpi = population::guarantee_mpi(&l.engine, &l.eval, &area, level, &spec)?;
    let compute_secs = started.elapsed().as_secs_f64();
    let timings = args.timings.then(|| {
        format!(
            "启动与打开数据库 {opened:.2} 秒，{}，其余读取 {:.2} 秒，测度 {compute_secs:.2} 秒",
            l.timings.text(),
            (load_wall - l.timings.main_secs()).max(0.0)
        )
    });
    let print_timings = |timings: Option<String>| {
        if let Some(t) = timings {
            eprintln!("用时（共 {:.2} 秒）：{t}", super::since_start());
        }
    };
    let p = l.provenance();
    if args.format == "json" {
        let v = serde_json::json!({
            "area": area,
            "year": args.year,
            "as_of": l.eval.as_of,
            "income": income,
            "mpi": mpi,
            "pack_version": p.pack_version,
            "pack_hash": p.pack_hash,
            "data_time": p.data_time,
            "code_version": p.code_version,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        print_timings(timings);
        return Ok(ExitCode::SUCCESS);
    }
    if args.format != "table" {
        bail!("不支持的输出格式「{}」（可选 table、json）", args.format);
    }
    let f4 = |x: f64| format!("{x:.4}");
    let t = &income.decomposition.total;
    println!(
        "{} {} 年 收入贫困测度：{} {:.0} 元（按人加权；无收入记录 {:.0} 人未计入）",
        l.name(&area),
        args.year,
        line.label(),
        income.line,
        income.people_without_income
    );
    let mut rows = vec![vec![
        "区域".to_owned(),
        "人口".to_owned(),
        "人口占比".to_owned(),
        "FGT0".to_owned(),
        "FGT1".to_owned(),
        "FGT2".to_owned(),
        "Watts".to_owned(),
        "基尼".to_owned(),
        "Sen".to_owned(),
        "均值".to_owned(),
        "中位数".to_owned(),
        "FGT0贡献".to_owned(),
        "FGT1贡献".to_owned(),
        "FGT2贡献".to_owned(),
        "Watts贡献".to_owned(),
    ]];
    let mut sums = [0.0; 5];
    for g in &income.decomposition.groups {
        let m = &g.measures;
        let c = &g.contribution;
        for (s, x) in
            sums.iter_mut()
                .zip([g.population_share, c.headcount, c.gap, c.severity, c.watts])
        {
            *s += x;
        }
        rows.push(vec![
            group_name(&l, &g.group),
            format!("{:.0}", m.population),
            f4(g.population_share),
            f4(m.headcount),
            f4(m.gap),
            f4(m.severity),
            f4(m.watts),
            f4(m.gini),
            f4(m.sen),
            format!("{:.0}", m.mean),
            format!("{:.0}", m.median),
            f4(c.headcount),
            f4(c.gap),
            f4(c.severity),
            f4(c.watts),
        ]);
    }
    rows.push(vec![
        "合计".to_owned(),
        format!("{:.0}", t.population),
        f4(sums[0]),
        f4(t.headcount),
        f4(t.gap),
        f4(t.severity),
        f4(t.watts),
        f4(t.gini),
        f4(t.sen),
        format!("{:.0}", t.mean),
        format!("{:.0}", t.median),
        f4(sums[1]),
        f4(sums[2]),
        f4(sums[3]),
        f4(sums[4]),
    ]);
    print!("{}", table::render(&rows));
    println!();
    let weights: Vec<String> = spec
        .indicators
        .iter()
        .map(|(n, w)| format!("{n} {w:.3}"))
        .collect();
    println!(
        "多维贫困（Alkire–Foster, 五项保障，权重：{}; k = {:.3}）",
        weights.join("、"),
        spec.k
    );
    let mut head = vec![
        "区域".to_owned(),
        "人口占比".to_owned(),
        "H".to_owned(),
        "A".to_owned(),
        "M0".to_owned(),
        "M0贡献".to_owned(),
    ];
    head.extend(spec.indicators.iter().map(|(n, _)| format!("{n}（删失）")));
    let mut rows = vec![head];
    let (mut share_sum, mut contrib_sum) = (0.0, 0.0);
    for g in &mpi.groups {
        share_sum += g.population_share;
        contrib_sum += g.contribution;
        let mut row = vec![
            group_name(&l, &g.group),
            f4(g.population_share),
            f4(g.mpi.h),
            f4(g.mpi.a),
            f4(g.mpi.m0),
            f4(g.contribution),
        ];
        row.extend(g.mpi.censored_headcounts.iter().map(|x| f4(*x)));
        rows.push(row);
    }
    let mut total = vec![
        "合计".to_owned(),
        f4(share_sum),
        f4(mpi.total.h),
        f4(mpi.total.a),
        f4(mpi.total.m0),
        f4(contrib_sum),
    ];
    total.extend(mpi.total.censored_headcounts.iter().map(|x| f4(*x)));
    rows.push(total);
    let mut contrib = vec![
        "各指标贡献".to_owned(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    ];
    contrib.extend(mpi.total.contributions.iter().map(|x| f4(*x)));
    rows.push(contrib);
    print!("{}", table::render(&rows));
    print!("{}", footer(&p));
    print_timings(timings);
    Ok(ExitCode::SUCCESS)
}

fn group_name(l: &Loaded, code: &str) -> String {
    AreaCode::parse(code)
        .map(|c| l.name(&c))
        .unwrap_or_else(|_| code.to_owned())
}

fn run_annual(
    store: &Store,
    area: &str,
    year: u16,
    format: &str,
    out: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let area = AreaCode::parse(area)?;
    if !["md", "html"].contains(&format) {
        bail!("不支持的输出格式「{format}」（可选 md、html）");
    }
    let l = load(store, &area, year, None, true)?;
    let doc = l.annual_review()?;
    let text = if format == "html" {
        doc.html()
    } else {
        doc.markdown()
    };
    write_out(out, &text)?;
    Ok(ExitCode::SUCCESS)
}

fn run_tables(
    store: &Store,
    area: &str,
    year: u16,
    as_of: Option<NaiveDate>,
    out: &Path,
    history: bool,
    timings: bool,
) -> anyhow::Result<ExitCode> {
    let area = AreaCode::parse(area)?;
    let l = load(store, &area, year, as_of, history)?;
    let started = Instant::now();
    // One computation for every level (the households are walked once).
    let split = l.tables_by_level();
    let computed = started.elapsed().as_secs_f64();
    let rows: usize = split.iter().map(|(_, t)| t.rows.len()).sum();
    let sheets: Vec<(&str, &IndicatorTable)> = split
        .iter()
        .map(|(lv, t)| (jingzhun_loader::sheet_name(*lv), t))
        .collect();
    let bytes = tables::workbook(&sheets, &l.provenance())?;
    std::fs::write(out, bytes).with_context(|| format!("无法写入「{}」", out.display()))?;
    if timings {
        eprintln!(
            "用时：{}，指标（{} 个区划 × {} 项） {:.3} 秒，写入 XLSX {:.3} 秒",
            l.timings.text(),
            rows,
            catalogue().len(),
            computed,
            started.elapsed().as_secs_f64() - computed
        );
    }
    eprintln!("已写入 {}", out.display());
    Ok(ExitCode::SUCCESS)
}

fn run_exit_assessment(
    store: &Store,
    county: &str,
    year: u16,
    as_of: Option<NaiveDate>,
    approval: Option<f64>,
    format: &str,
) -> anyhow::Result<ExitCode> {
    let county = AreaCode::parse(county)?;
    if county.level() != AreaLevel::County {
        bail!("「{county}」不是县级区划代码（6 位）");
    }
    let approval = match approval {
        Some(p) if (0.0..=100.0).contains(&p) => Some(Rate((p * 100.0).round() as u32)),
        Some(p) => bail!("群众认可度 {p} 应在 0 到 100 之间（百分数）"),
        None => None,
    };
    let l = load_evaluation(store, &county, year, as_of)?;
    let exit = l
        .engine
        .county_exit(&l.eval, &county, approval)
        .context("该县没有评估结果")?;
    let counts = l
        .eval
        .rollup(&county)
        .map(|r| r.area_counts())
        .unwrap_or_default();
    let verdict = match exit.meets {
        Some(true) => "符合退出条件",
        Some(false) => "不符合退出条件",
        None => "计算所得各项达标，群众认可度未调查，待定",
    };
    let p = l.provenance();
    if format == "json" {
        let v = serde_json::json!({
            "county": county,
            "name": l.name(&county),
            "year": year,
            "counts": counts,
            "exit": exit,
            "verdict": verdict,
            "pack_version": p.pack_version,
            "pack_hash": p.pack_hash,
            "data_time": p.data_time,
            "as_of": p.as_of,
            "code_version": p.code_version,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    if format != "table" {
        bail!("不支持的输出格式「{format}」（可选 table、json）");
    }
    println!("{} {} 年 贫困县退出评估（三率一度）", l.name(&county), year);
    let mut rows = vec![vec![
        "指标".to_owned(),
        "数值".to_owned(),
        "标准".to_owned(),
        "结果".to_owned(),
        "说明".to_owned(),
    ]];
    for c in &exit.conditions {
        let label = match c.rule {
            "county.incidence" => "贫困发生率",
            "county.wrong_exit_rate" => "错退率",
            "county.omission_rate" => "漏评率",
            "county.approval" => "群众认可度",
            other => other,
        };
        let (value, limit) = match &c.comparison {
            Some(cmp) => (
                cmp.value.to_string(),
                format!("{} {}", limit_op(c.rule), cmp.parameter),
            ),
            None => ("未调查".to_owned(), String::new()),
        };
        let result = match (&c.comparison, c.holds) {
            (None, _) => "待定",
            (Some(_), true) => "达标",
            (Some(_), false) => "未达标",
        };
        rows.push(vec![
            label.to_owned(),
            value,
            limit,
            result.to_owned(),
            c.text.clone(),
        ]);
    }
    print!("{}", render_left(&rows));
    println!(
        "口径：贫困人口 {} / 农村人口 {}；疑似错退人口 {} / 脱贫人口 {}；疑似漏评人口 {} / 未建档立卡人口 {}（错退、漏评为规则建议，按政策包规则从登记数据计算）",
        counts.poor_people,
        counts.population,
        counts.wrong_exit_people,
        counts.exited_people,
        counts.omission_people,
        counts.non_registered_people
    );
    println!("结论：{verdict}");
    print!("{}", footer(&p));
    Ok(ExitCode::SUCCESS)
}

fn limit_op(rule: &str) -> &'static str {
    if rule == "county.approval" {
        ">"
    } else {
        "<"
    }
}
