//! `jingzhun import monitoring FILE`: the monitoring records a county already has (monitored households,
//! decisions, measures, visits, cadres and pairings, in the layout of `jingzhun_io::monitoring`), checked
//! cell by cell and against the registry (households stored and within `--area`, kinds fitting each
//! household's standing, periods in order), then imported in one transaction, all or nothing
//! ([`jingzhun_store::Store::import_monitoring`]).
//!
//! With any problem nothing is written: every problem is printed (file, sheet, row, column, value, reason),
//! the list is written as an XLSX report next to the file (`<file>.导入问题.xlsx`, or `--report`), and the
//! command exits with status 2. Records already stored are left alone, so a second import of the same file
//! writes nothing. `jingzhun import monitoring-template` writes the empty template with its guide sheet.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use jingzhun_core::{AreaCode, AreaLevel, HouseholdNo};
use jingzhun_io::monitoring::{read_monitoring, resolve, RegisteredHousehold};
use jingzhun_io::{ImportBatch, Problem};
use jingzhun_store::{Actor, MonitoringImported, Store};

use super::import::default_report_path;

#[derive(Debug, clap::Args)]
pub struct MonitoringArgs {
    /// 监测帮扶记录文件（.xlsx 含监测对象、帮扶措施、走访记录、帮扶干部、结对帮扶等工作表；或其中一张表的 .csv，UTF-8 或 GBK）
    pub file: PathBuf,
    /// 导入账号的管辖区划代码：文件中的户和帮扶干部都须在其内，否则整份文件不导入；默认为数据库中的整个省
    #[arg(long, conflicts_with = "account")]
    pub area: Option<String>,
    /// 以该网页账号（用户名）的所属区划为导入范围，账号须未停用且有导入数据的权限；与 --area 二选一
    #[arg(long)]
    pub account: Option<String>,
    /// 只校验并显示将写入多少条记录，不写入数据库
    #[arg(long)]
    pub dry_run: bool,
    /// 问题清单（XLSX）的保存位置；默认在文件旁：<文件名>.导入问题.xlsx
    #[arg(long)]
    pub report: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct TemplateArgs {
    /// 模板保存位置（.xlsx），含各表的列名和「填写说明」工作表
    #[arg(default_value = "监测帮扶记录导入模板.xlsx")]
    pub out: PathBuf,
}

/// Writes the empty template.
pub fn template(args: TemplateArgs) -> anyhow::Result<ExitCode> {
    let bytes = jingzhun_io::monitoring::monitoring_template_xlsx()
        .map_err(|e| anyhow::anyhow!("无法生成模板：{e}"))?;
    std::fs::write(&args.out, bytes)
        .with_context(|| format!("无法写入模板「{}」", args.out.display()))?;
    println!("已写入导入模板「{}」", args.out.display());
    Ok(ExitCode::SUCCESS)
}

/// The importing area: `--area`, or the one province of the stored division tree.
fn importing_area(store: &Store, area: Option<&str>) -> anyhow::Result<AreaCode> {
    let tree = store.area_tree()?;
    if tree.is_empty() {
        bail!("数据库中没有行政区划，请先运行 `jingzhun init`");
    }
    if let Some(text) = area {
        let code = AreaCode::parse(text).with_context(|| format!("区划代码「{text}」无效"))?;
        if tree.get(&code).is_none() {
            bail!("区划代码 {code} 不在库中的行政区划内");
        }
        return Ok(code);
    }
    let mut provinces: Vec<AreaCode> = tree
        .areas()
        .filter_map(|a| a.code.ancestor_at(AreaLevel::Province))
        .collect();
    provinces.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    provinces.dedup();
    match provinces.as_slice() {
        [one] => Ok(*one),
        _ => bail!("数据库中有多个省的区划，请用 --area 指定导入账号的管辖区划"),
    }
}

/// The area of a web account that may import.
fn account_area(store: &Store, username: &str) -> anyhow::Result<AreaCode> {
    let Some(row) = store.account_by_username(username)? else {
        bail!("没有用户名为「{username}」的账号");
    };
    if row.disabled {
        bail!("账号「{username}」已停用");
    }
    let role = jingzhun_web::Role::from_code(&row.role)
        .with_context(|| format!("账号「{username}」的角色代码无效"))?;
    if !jingzhun_web::allows(role, jingzhun_web::Action::ImportData) {
        bail!("账号「{username}」（{}）没有导入数据的权限", role.label());
    }
    Ok(row.area)
}

pub fn run(store: &Store, actor: &Actor, args: MonitoringArgs) -> anyhow::Result<ExitCode> {
    let area = match &args.account {
        Some(username) => account_area(store, username)?,
        None => importing_area(store, args.area.as_deref())?,
    };
    let started = Instant::now();
    let file = read_monitoring(&args.file)
        .with_context(|| format!("无法读取监测帮扶记录「{}」", args.file.display()))?;
    let households: HashMap<HouseholdNo, RegisteredHousehold> = store
        .households_by_numbers(&file.household_numbers(), &area)?
        .into_iter()
        .map(|(no, h)| {
            let r = RegisteredHousehold {
                id: h.id,
                village: h.household.village,
                events: h.events,
            };
            (no, r)
        })
        .collect();
    let cadres = store.cadres_within(&area)?;
    let today = chrono::Local::now().date_naive();
    let checked = resolve(&file, &households, &area, &cadres, today);
    let read_in = started.elapsed();
    println!("{}", file.summary());
    let history = match checked {
        Ok(h) => h,
        Err(problems) => return refuse(&args, &file.source, problems),
    };
    let name = file.source.clone();
    let reason = format!("导入监测帮扶记录「{name}」");
    let started = Instant::now();
    let outcome = if args.dry_run {
        store.preview_import_monitoring(&history, &area, actor, &reason)
    } else {
        store.import_monitoring(&history, &area, actor, &reason)
    }
    .context("导入失败，未写入任何数据")?;
    println!(
        "{}{}（读取和校验 {:.1} 秒，写入 {:.1} 秒）",
        if args.dry_run {
            "试运行，未写入数据库；如导入将写入："
        } else {
            "已导入："
        },
        describe(&outcome),
        read_in.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints every problem, writes the report and says that nothing was imported.
fn refuse(args: &MonitoringArgs, source: &str, problems: Vec<Problem>) -> anyhow::Result<ExitCode> {
    let report = args
        .report
        .clone()
        .unwrap_or_else(|| default_report_path(&args.file));
    let batch = ImportBatch {
        source: source.to_owned(),
        problems,
        ..ImportBatch::default()
    };
    jingzhun_io::write_report_xlsx(&report, &batch)
        .with_context(|| format!("无法写入问题清单「{}」", report.display()))?;
    for p in &batch.problems {
        println!("{}", batch.describe(p));
    }
    println!(
        "共 {} 个问题，未导入任何数据；问题清单已写入「{}」",
        batch.problems.len(),
        report.display()
    );
    Ok(ExitCode::from(2))
}

fn describe(o: &MonitoringImported) -> String {
    let mut s = format!(
        "纳入监测和风险消除记录 {} 条，帮扶干部 {} 名，结对帮扶 {} 条，帮扶措施 {} 条，走访记录 {} 条",
        o.decisions, o.cadres, o.assignments, o.measures, o.visits
    );
    if o.present() > 0 {
        s.push_str(&format!(
            "；系统中已有、未重复写入的 {} 条（记录 {}，干部 {}，结对 {}，措施 {}，走访 {}）",
            o.present(),
            o.decisions_present,
            o.cadres_present,
            o.assignments_present,
            o.measures_present,
            o.visits_present
        ));
    }
    s
}
