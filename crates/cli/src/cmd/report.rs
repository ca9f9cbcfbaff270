//! `jingzhun report`: published figures computed from the registry.

use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::Subcommand;
use jingzhun_core::AreaCode;
use jingzhun_store::Store;

use super::{demo, table};

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// 年度汇总: 人口、贫困人口与发生率、贫困村、摘帽县、累计脱贫、收入、搬迁、低保、监测与风险消除
    Summary {
        /// 区划代码 (如 5119)
        #[arg(long)]
        area: String,
        #[arg(long)]
        year: u16,
        /// 输出格式: table 或 json
        #[arg(long, default_value = "table")]
        format: String,
    },
}

pub fn run(store: &Store, command: ReportCommand) -> anyhow::Result<ExitCode> {
    match command {
        ReportCommand::Summary { area, year, format } => {
            let area = AreaCode::parse(&area)?;
            if year < demo::FIRST_YEAR {
                bail!("年度 {year} 早于建档立卡 ({} 年)", demo::FIRST_YEAR);
            }
            let tree = store.area_tree()?;
            if tree.get(&area).is_none() {
                bail!("区划「{area}」不存在");
            }
            // Cumulative figures (counties exited, people lifted out) need every year up to this one.
            let series = demo::evaluate_years(store, &tree, &area, year)?;
            let summary = series.summary(year).context("该年度没有评估结果")?;
            match format.as_str() {
                "json" => println!("{}", serde_json::to_string_pretty(&summary)?),
                "table" => {
                    let value = serde_json::to_value(&summary)?;
                    let rows: Vec<Vec<String>> = value
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| vec![k.clone(), v.to_string().trim_matches('"').to_owned()])
                        .collect();
                    print!("{}", table::render(&rows));
                }
                other => bail!("不支持的输出格式「{other}」(可选 table、json)"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
