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
    /// 导入产业就业数据（XLSX，每类一个工作表：经营主体、产业基地、联农带农、就业、扶贫产品、产品销售、村集体经济、
    /// 集体经济项目；格式见 jingzhun-io 的 economy 模块说明）：每条记录按其键写入新版本，全部成功才写入
    Economy(EconomyArgs),
    /// 导入已有的监测帮扶记录（全国防返贫监测信息系统导出的监测对象、帮扶措施、走访记录、帮扶干部、结对帮扶；
    /// XLSX 或 CSV）：户须已在系统中且在管辖区划内，全部校验通过才写入；有问题时输出问题清单
    Monitoring(super::import_monitoring::MonitoringArgs),
    /// 生成监测帮扶记录的导入模板（XLSX，含各表列名和填写说明），不需要数据库
    MonitoringTemplate(super::import_monitoring::TemplateArgs),
}

#[derive(Debug, clap::Args)]
pub struct EconomyArgs {
    /// 产业就业数据工作簿（.xlsx）
    pub file: PathBuf,
    /// 只校验并显示各类记录条数，不写入数据库
    #[arg(long)]
    pub dry_run: bool,
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
        ImportCommand::Economy(args) => {
            super::economy::import(store, actor, &args.file, args.dry_run)
        }
        ImportCommand::Monitoring(args) => super::import_monitoring::run(store, actor, args),
        ImportCommand::MonitoringTemplate(args) => super::import_monitoring::template(args),
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

    let mut out = Out::default();
    if !batch.is_valid() {
        // The report first: whatever happens to standard output (`| head` closes it), the list of
        // problems is on disk.
        let report = args
            .report
            .clone()
            .unwrap_or_else(|| default_report_path(&args.file));
        jingzhun_io::write_report_xlsx(&report, &batch)
            .with_context(|| format!("无法写入问题清单「{}」", report.display()))?;
        out.line(format_args!("{}", batch.summary()));
        for p in &batch.problems {
            out.line(format_args!("{}", batch.describe(p)));
        }
        out.line(format_args!(
            "共 {} 个问题，未导入任何数据；问题清单已写入「{}」",
            batch.problems.len(),
            report.display()
        ));
        return Ok(ExitCode::from(2));
    }
    out.line(format_args!("{}", batch.summary()));
    let data_year = batch
        .households
        .iter()
        .flat_map(|p| p.household.incomes.iter().map(|i| i.year))
        .max()
        .or(args.year);

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
    out.line(format_args!(
        "{}{}（读取 {:.1} 秒，写入 {:.1} 秒）",
        if args.dry_run {
            "试运行，未写入数据库；如导入将"
        } else {
            "已导入："
        },
        describe(&outcome),
        read_in.as_secs_f64(),
        written_in.as_secs_f64()
    ));
    let undated = items.iter().filter(|i| i.events.is_empty()).count();
    if let Some(warning) =
        not_in_force_warning(data_year, effective, outcome.updated + undated, &args)
    {
        out.line(format_args!("{warning}"));
    }
    Ok(ExitCode::SUCCESS)
}

/// The warning when the file's data year ends before the versions it writes take effect: an evaluation of
/// that year (as of its 31 December) would not see them. Says how to import them for that year.
fn not_in_force_warning(
    data_year: Option<u16>,
    effective: NaiveDate,
    households: usize,
    args: &HouseholdsArgs,
) -> Option<String> {
    let year = data_year?;
    let year_end = NaiveDate::from_ymd_opt(i32::from(year), 12, 31)?;
    if households == 0 || effective <= year_end {
        return None;
    }
    Some(format!(
        "注意：文件的数据年度为 {year} 年，但 {households} 户的这些数据自 {effective} 起才生效，按 {year} 年末评估时仍是旧数据；\
         如这些数据就是 {year} 年的，请加上 --effective {year_end} 重新导入：jingzhun import households \"{}\" --effective {year_end}",
        args.file.display()
    ))
}

/// Standard output that never panics: once a write fails (a closed pipe, `| head`), the rest is dropped
/// quietly; what must not be lost (the problem report) is written to its file before anything is printed.
#[derive(Default)]
struct Out {
    closed: bool,
}

impl Out {
    fn line(&mut self, args: std::fmt::Arguments<'_>) {
        use std::io::Write;
        if self.closed {
            return;
        }
        let mut stdout = std::io::stdout().lock();
        if writeln!(stdout, "{args}")
            .and_then(|()| stdout.flush())
            .is_err()
        {
            self.closed = true;
        }
    }
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
