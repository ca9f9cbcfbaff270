//! `jingzhun import households FILE`: reads a household spreadsheet (XLSX or CSV in the national system's
//! export layout), checks every cell and every household's village against the stored division tree, and
//! imports it in one transaction, all or nothing.
//!
//! With any problem nothing is written: every problem is printed (file, sheet, row, column, value, reason)
//! and the list is written as an XLSX report next to the file (`<file>.导入问题.xlsx`, or `--report`), and
//! the command exits with status 2. Otherwise the households are upserted by household number
//! ([`jingzhun_store::Store::import_households`]): created, updated (a new version) or left unchanged, so
//! importing the same file twice changes nothing the second time.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use jingzhun_core::{AreaLevel, AreaTree};
use jingzhun_io::{ImportBatch, Problem, ReadOptions};
use jingzhun_store::{Actor, ImportOutcome, ImportedHousehold, Store};

use super::progress;

#[derive(Debug, clap::Subcommand)]
pub enum ImportCommand {
    /// 导入户籍表（XLSX 或 CSV）：按户编号新增或更新，全部成功才写入；有问题时输出问题清单
    Households(HouseholdsArgs),
}

#[derive(Debug, clap::Args)]
pub struct HouseholdsArgs {
    /// 户籍表文件（.xlsx/.xls/.ods 或 .csv, CSV 可为 UTF-8 或 GBK）
    pub file: PathBuf,
    /// 只校验并显示将新增、更新多少户，不写入数据库
    #[arg(long)]
    pub dry_run: bool,
    /// 收入数据的年度（文件中没有「收入年度」列时必填，否则收入列无法导入）
    #[arg(long)]
    pub year: Option<u16>,
    /// 问题清单（XLSX）的保存位置；默认在文件旁：<文件名>.导入问题.xlsx
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// 更新的生效日期（默认今天）；新增的户自其最早的状态记录（如首次识别时间）起生效
    #[arg(long)]
    pub effective: Option<NaiveDate>,
}

pub fn run(store: &Store, actor: &Actor, command: ImportCommand) -> anyhow::Result<ExitCode> {
    match command {
        ImportCommand::Households(args) => households(store, actor, args),
    }
}

/// Where the validation report goes by default: next to the file.
pub fn default_report_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".导入问题.xlsx");
    PathBuf::from(name)
}

fn households(store: &Store, actor: &Actor, args: HouseholdsArgs) -> anyhow::Result<ExitCode> {
    let tree = store.area_tree()?;
    if tree.is_empty() {
        bail!("数据库中没有行政区划，请先运行 `jingzhun init`");
    }
    let today = chrono::Local::now().date_naive();
    let options = ReadOptions {
        income_year: args.year,
        today,
    };
    let started = Instant::now();
    let bar = progress::bar("读取并校验", 0, "行");
    let mut batch = jingzhun_io::read_households_with_progress(&args.file, &options, &mut |p| {
        bar.set_length(p.rows_total.unwrap_or(p.rows_done) as u64);
        bar.set_position(p.rows_done as u64);
    })
    .with_context(|| format!("无法读取户籍表「{}」", args.file.display()))?;
    bar.finish_and_clear();
    let read_in = started.elapsed();
    check_villages(&mut batch, &tree);

    println!("{}", batch.summary());
    if !batch.is_valid() {
        for p in &batch.problems {
            println!("{}", batch.describe(p));
        }
        let report = args
            .report
            .clone()
            .unwrap_or_else(|| default_report_path(&args.file));
        jingzhun_io::write_report_xlsx(&report, &batch)
            .with_context(|| format!("无法写入问题清单「{}」", report.display()))?;
        println!(
            "共 {} 个问题，未导入任何数据；问题清单已写入「{}」",
            batch.problems.len(),
            report.display()
        );
        return Ok(ExitCode::from(2));
    }

    let name = args
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| args.file.display().to_string());
    let reason = format!("导入户籍表「{name}」");
    let effective = args.effective.unwrap_or(today);
    let items: Vec<ImportedHousehold> = batch
        .households
        .iter()
        .map(|p| ImportedHousehold {
            events: p.status_events(),
            household: p.household.clone(),
        })
        .collect();
    drop(batch);
    let started = Instant::now();
    let bar = progress::bar(
        if args.dry_run {
            "试算"
        } else {
            "写入数据库"
        },
        items.len() as u64,
        "户",
    );
    let mut on_progress = |n: usize| bar.set_position(n as u64);
    let outcome = if args.dry_run {
        store.preview_import(&items, effective, actor, &reason, &mut on_progress)
    } else {
        store.import_households(&items, effective, actor, &reason, &mut on_progress)
    };
    bar.finish_and_clear();
    let outcome = outcome.context("导入失败，未写入任何数据")?;
    let written_in = started.elapsed();
    println!(
        "{}{}（读取 {:.1} 秒，写入 {:.1} 秒）",
        if args.dry_run {
            "试运行，未写入数据库；如导入将"
        } else {
            "已导入："
        },
        describe(&outcome),
        read_in.as_secs_f64(),
        written_in.as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn describe(o: &ImportOutcome) -> String {
    format!(
        "新增 {} 户，更新 {} 户，未变 {} 户，追加状态记录 {} 条",
        o.created, o.updated, o.unchanged, o.events_added
    )
}

/// Every household's village must be a village of the stored division tree.
fn check_villages(batch: &mut ImportBatch, tree: &AreaTree) {
    let mut problems = Vec::new();
    for p in &batch.households {
        let village = &p.household.village;
        let reason = match tree.get(village) {
            None => {
                "行政区划代码不在库中的行政区划内；请核对代码，或先导入区划（jingzhun areas import）"
            }
            Some(_) if village.level() != AreaLevel::Village => {
                "行政区划代码应为 12 位村（社区）级代码"
            }
            Some(_) => continue,
        };
        problems.push(Problem {
            sheet: p.sheet.clone(),
            row: p.row,
            column: "行政区划代码".to_owned(),
            value: village.to_string(),
            reason: reason.to_owned(),
        });
    }
    batch.problems.extend(problems);
    batch
        .problems
        .sort_by(|a, b| (&a.sheet, a.row).cmp(&(&b.sheet, b.row)));
}
