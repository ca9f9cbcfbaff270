//! `jingzhun export households`: the households of an area written back out in the import layout, as XLSX
//! (text-formatted ID and code columns) or as CSV with a UTF-8 BOM, formulas neutralised; current or as of
//! a date, all households or only those of one registry or monitoring status. `--mask` masks resident IDs
//! and phone numbers and leaves out the columns that tell health or disability, for people whose role may not see them (such a file cannot be re-imported).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use chrono::NaiveDate;
use jingzhun_core::{AreaCode, Household, HouseholdStatus, RegistryStatus, StatusEvent};
use jingzhun_io::{ExportOptions, ExportRecord};
use jingzhun_store::Store;

use super::progress;

#[derive(Debug, clap::Subcommand)]
pub enum ExportCommand {
    /// 导出户籍表：与导入相同的格式（每人一行），XLSX 或带 BOM 的 CSV
    Households(HouseholdsArgs),
    /// 导出评估结果为 Parquet（每户每年一行，按 county=县/year=年度 分区；供 DuckDB、Spark、Trino 分析，不含个人信息）
    Parquet(super::parquet::Args),
    /// 导出产业就业数据：与导入相同的工作簿格式（证件号码脱敏）
    Economy(EconomyArgs),
}

#[derive(Debug, clap::Args)]
pub struct EconomyArgs {
    /// 导出哪个区划（省、市、县、乡镇或村的代码）
    #[arg(long)]
    pub area: String,
    /// 输出文件（默认 产业就业_<区划代码>.xlsx）
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 只导出某一年度的联农带农、就业、销售和村集体经济账（默认全部年度）
    #[arg(long)]
    pub year: Option<u16>,
}

#[derive(Debug, clap::Args)]
pub struct HouseholdsArgs {
    /// 导出哪个区划（省、市、县、乡镇或村的代码）
    #[arg(long)]
    pub area: String,
    /// 输出文件：.xlsx 或 .csv（默认 户籍信息_<区划代码>.xlsx）
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 导出哪一年的收入（默认为数据中最近的收入年度）
    #[arg(long)]
    pub year: Option<u16>,
    /// 证件号码和联系电话脱敏，并略去可反映疾病或残疾的列（健康状况、致贫原因、在校生状况、劳动技能）；供无权查看的角色使用，脱敏文件不能再导入
    #[arg(long)]
    pub mask: bool,
    /// 导出此日期的数据和状态（默认当前）
    #[arg(long)]
    pub as_of: Option<NaiveDate>,
    /// 只导出某一状态的户：all 全部（默认），poor 未脱贫的贫困户，exited 脱贫户，ever-registered 建档立卡户
    ///（曾识别为贫困户），not-registered 一般农户（从未建档立卡），monitored 监测对象
    #[arg(long, value_enum, default_value_t = StatusFilter::All)]
    pub status: StatusFilter,
}

/// Which households an export keeps, by their status on the export date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusFilter {
    All,
    Poor,
    Exited,
    EverRegistered,
    NotRegistered,
    Monitored,
}

impl StatusFilter {
    fn keeps(self, status: &HouseholdStatus) -> bool {
        match self {
            StatusFilter::All => true,
            StatusFilter::Poor => status.is_registered_poor(),
            StatusFilter::Exited => matches!(status.registry, RegistryStatus::Exited { .. }),
            StatusFilter::EverRegistered => status.ever_registered,
            StatusFilter::NotRegistered => !status.ever_registered,
            StatusFilter::Monitored => status.monitoring.is_some(),
        }
    }

    fn label(self) -> &'static str {
        match self {
            StatusFilter::All => "全部",
            StatusFilter::Poor => "未脱贫的贫困户",
            StatusFilter::Exited => "脱贫户",
            StatusFilter::EverRegistered => "建档立卡户",
            StatusFilter::NotRegistered => "非建档立卡户",
            StatusFilter::Monitored => "监测对象",
        }
    }
}

pub fn run(store: &Store, command: ExportCommand) -> anyhow::Result<ExitCode> {
    match command {
        ExportCommand::Households(args) => households(store, args),
        ExportCommand::Parquet(args) => super::parquet::run(store, args),
        ExportCommand::Economy(args) => {
            super::economy::export(store, &args.area, args.out, args.year)
        }
    }
}

/// The current households of `area` with their status events, in the store's scan order, behind a
/// progress bar.
pub fn load_current(
    store: &Store,
    area: &AreaCode,
) -> anyhow::Result<Vec<(Household, Vec<StatusEvent>)>> {
    load(store, area, None)
}

/// Like [`load_current`], as of a date when one is given.
pub fn load(
    store: &Store,
    area: &AreaCode,
    as_of: Option<NaiveDate>,
) -> anyhow::Result<Vec<(Household, Vec<StatusEvent>)>> {
    let total = store.count_households(area)?;
    let bar = progress::bar("读取", total, "户");
    let mut out = Vec::with_capacity(total as usize);
    store.scan_households(area, as_of, &mut |s| {
        out.push((s.household, s.events));
        if out.len() % 8_192 == 0 {
            bar.set_position(out.len() as u64);
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    Ok(out)
}

fn households(store: &Store, args: HouseholdsArgs) -> anyhow::Result<ExitCode> {
    let area =
        AreaCode::parse(&args.area).with_context(|| format!("区划代码「{}」无效", args.area))?;
    let started = Instant::now();
    let mut data = load(store, &area, args.as_of)?;
    if args.status != StatusFilter::All {
        let on = args
            .as_of
            .unwrap_or_else(|| chrono::Local::now().date_naive());
        data.retain(|(_, events)| args.status.keeps(&HouseholdStatus::on(events, on)));
    }
    let year = args.year.or_else(|| {
        data.iter()
            .flat_map(|(h, _)| h.incomes.iter().map(|r| r.year))
            .max()
    });
    let records: Vec<ExportRecord<'_>> = data
        .iter()
        .map(|(household, events)| ExportRecord { household, events })
        .collect();
    let options = ExportOptions {
        income_year: year,
        mask: args.mask,
        area: Some(area),
        rows_per_sheet: None,
    };
    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("户籍信息_{area}.xlsx")));
    let rows = if jingzhun_io::table::is_csv(&out) {
        jingzhun_io::export_csv_path(&out, &records, &options)
    } else {
        jingzhun_io::export_xlsx(&out, &records, &options)
    }
    .with_context(|| format!("导出到「{}」失败", out.display()))?;
    println!(
        "已导出区划 {area} {}的 {} 户 {rows} 人到「{}」（收入年度：{}；用时 {:.1} 秒）{}",
        match (args.status, args.as_of) {
            (StatusFilter::All, None) => String::new(),
            (s, None) => s.label().to_owned(),
            (s, Some(d)) => format!("{d} 时{}", s.label()),
        },
        records.len(),
        out.display(),
        year.map_or_else(|| "无".to_owned(), |y| y.to_string()),
        started.elapsed().as_secs_f64(),
        if args.mask {
            "；证件号码和联系电话已脱敏，不含健康状况、致贫原因、在校生状况和劳动技能，此文件不能再导入"
        } else {
            ""
        }
    );
    Ok(ExitCode::SUCCESS)
}
