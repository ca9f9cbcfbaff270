//! `jingzhun init`: creates the schema (migrations run on open) and loads the shipped Sichuan division tree.

use std::process::ExitCode;

use anyhow::Context;
use jingzhun_core::AreaTree;
use jingzhun_store::{Actor, Store};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// 不载入随附的四川省区划（稍后用 `jingzhun areas import` 载入其他省份）
    #[arg(long)]
    pub no_areas: bool,
    /// 全国部署：登记表按省分区（仅 PostgreSQL；已有数据的库就地转换，转换期间登记表加排他锁）
    #[arg(long)]
    pub partitioned: bool,
}

pub fn run(store: &Store, actor: &Actor, args: Args) -> anyhow::Result<ExitCode> {
    println!("数据库已就绪（{}）", store.backend());
    if args.partitioned {
        match store
            .partition_registry(actor, "初始化：全国部署，登记表按省分区")
            .context("无法将登记表按省分区")?
        {
            Some(moved) => println!("登记表已按省分区（迁入原有 {moved} 户）"),
            None => println!("登记表已是按省分区的布局"),
        }
    }
    if args.no_areas {
        return Ok(ExitCode::SUCCESS);
    }
    let areas = jingzhun_io::sichuan().context("随附的四川省区划数据损坏")?;
    // Check the tree is whole before writing anything.
    AreaTree::new(areas.clone()).context("随附的四川省区划数据不完整")?;
    let n = store.upsert_areas(
        &areas,
        actor,
        "初始化：载入四川省行政区划（国家统计局 2023 年统计用区划代码）",
    )?;
    let tree = store.area_tree()?;
    println!("已载入四川省行政区划 {n} 条：");
    super::areas::print_level_counts(&tree, None);
    Ok(ExitCode::SUCCESS)
}
