//! `jingzhun projects`: official statistics in (CSV, kept beside the registry) and the project library out
//! (XLSX: projects, funds by source and area).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use jingzhun_core::AreaCode;
use jingzhun_store::{Actor, Store};

#[derive(Debug, clap::Subcommand)]
pub enum ProjectsCommand {
    /// 导入统计部门数据（CSV：区划代码，指标代码，指标名称，年度，数值，单位，来源），与登记数据分列
    ImportStats {
        /// 统计数据文件（CSV，UTF-8 或 GBK）
        file: PathBuf,
    },
    /// 导出项目库（XLSX：项目与资金）
    Export {
        /// 导出哪个区划的项目（省、市、县、乡镇或村的代码）
        #[arg(long, default_value = "5119")]
        area: String,
        /// 输出文件（.xlsx）
        #[arg(long)]
        out: PathBuf,
    },
}

pub fn run(store: &Store, actor: &Actor, command: ProjectsCommand) -> anyhow::Result<ExitCode> {
    match command {
        ProjectsCommand::ImportStats { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("无法读取「{}」", file.display()))?;
            let name = file.display().to_string();
            let stats = jingzhun_io::official::read_official_stats(&name, &bytes)?;
            let n = store.import_official_stats(&stats, actor, &format!("导入统计数据：{name}"))?;
            println!("已导入统计数据 {n} 条（与登记数据分列显示）");
        }
        ProjectsCommand::Export { area, out } => {
            let area = AreaCode::parse(&area).with_context(|| format!("区划代码「{area}」无效"))?;
            let today = chrono::Local::now().date_naive();
            let records = store.project_records_within(&area)?;
            let details = jingzhun_loader::project_details(store, &area, today)?;
            let tree = store.area_tree()?;
            let names = |c: &str| {
                AreaCode::parse(c)
                    .ok()
                    .and_then(|c| tree.get(&c).map(|a| a.name.clone()))
                    .unwrap_or_else(|| c.to_owned())
            };
            let bytes =
                jingzhun_report::projects::projects_workbook(&records.projects, &details, &names)
                    .context("无法生成项目库 XLSX")?;
            std::fs::write(&out, bytes)
                .with_context(|| format!("无法写入「{}」", out.display()))?;
            println!(
                "已导出 {} 个项目到 {}",
                records.projects.len(),
                out.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
