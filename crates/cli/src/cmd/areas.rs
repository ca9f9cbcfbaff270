//! `jingzhun areas`: look at the division tree, import another province's tables, record renames and merges.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use clap::Subcommand;
use jingzhun_core::{AreaChange, AreaChangeKind, AreaCode, AreaLevel, AreaTree};
use jingzhun_store::{Actor, Store};

#[derive(Debug, Subcommand)]
pub enum AreasCommand {
    /// 显示一个区划：名称、层级、上级链，以及下辖各级数量
    Show {
        /// 区划代码（2/4/6/9/12 位）
        code: String,
        /// 按此日期的名称与归属显示（YYYY-MM-DD）
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
    /// 列出下级区划
    List {
        /// 上级区划代码；不填则列出各省
        code: Option<String>,
        /// 列出哪一级（province/city/county/township/village 或 省/市/县/乡镇/村）；默认为直接下级
        #[arg(long)]
        level: Option<String>,
        /// 只列出农村行政村（不含居委会/社区）
        #[arg(long)]
        rural: bool,
    },
    /// 导入其他省份的区划文件（一个文件，或含 provinces/cities/areas/streets/villages.csv 的文件夹）
    Import {
        /// 区划文件或文件夹
        path: PathBuf,
    },
    /// 区划更名，自生效日期起使用新名称；旧记录仍按原代码解析
    Rename {
        /// 区划代码
        code: String,
        /// 新名称
        name: String,
        /// 生效日期（YYYY-MM-DD）
        #[arg(long)]
        effective: NaiveDate,
        /// 依据（文件、批复）
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// 区划合并：自生效日期起，原区划的记录归入目标区划
    Merge {
        /// 区划代码
        code: String,
        /// 并入的区划代码（同一级）
        #[arg(long)]
        into: String,
        /// 生效日期（年-月-日）
        #[arg(long)]
        effective: NaiveDate,
        /// 依据（文件、批复）
        #[arg(long, default_value = "")]
        reason: String,
    },
}

pub fn run(store: &Store, actor: &Actor, command: AreasCommand) -> anyhow::Result<ExitCode> {
    match command {
        AreasCommand::Show { code, as_of } => show(store, &parse_code(&code)?, as_of),
        AreasCommand::List { code, level, rural } => {
            list(store, code.as_deref(), level.as_deref(), rural)
        }
        AreasCommand::Import { path } => import(store, actor, &path),
        AreasCommand::Rename {
            code,
            name,
            effective,
            reason,
        } => {
            let change = AreaChange {
                code: parse_code(&code)?,
                effective,
                kind: AreaChangeKind::Renamed { name },
            };
            record_change(store, actor, change, &reason)
        }
        AreasCommand::Merge {
            code,
            into,
            effective,
            reason,
        } => {
            let change = AreaChange {
                code: parse_code(&code)?,
                effective,
                kind: AreaChangeKind::Merged {
                    into: parse_code(&into)?,
                },
            };
            record_change(store, actor, change, &reason)
        }
    }
}

fn parse_code(text: &str) -> anyhow::Result<AreaCode> {
    Ok(AreaCode::parse(text)?)
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

fn show(store: &Store, code: &AreaCode, as_of: Option<NaiveDate>) -> anyhow::Result<ExitCode> {
    let tree = store.area_tree()?;
    let date = as_of.unwrap_or_else(today);
    let Some(area) = tree.get(code) else {
        bail!("区划「{code}」不存在；请先运行 `jingzhun init` 或 `jingzhun areas import`")
    };
    println!("{}  {}", area.code, tree.full_name_on(code, date));
    println!(
        "层级：{}{}",
        area.level().label(),
        area.settlement
            .map(|s| format!(" ({})", s.label()))
            .unwrap_or_default()
    );
    if let Some(resolved) = tree.resolve(code, date).filter(|r| r != code) {
        println!(
            "截至 {date} 已并入：{resolved} {}",
            tree.full_name_on(&resolved, date)
        );
    }
    for change in tree.changes().iter().filter(|c| c.code == *code) {
        match &change.kind {
            AreaChangeKind::Renamed { name } => println!("{} 更名为「{name}」", change.effective),
            AreaChangeKind::Merged { into } => println!("{} 并入 {into}", change.effective),
        }
    }
    print_level_counts(&tree, Some(code));
    Ok(ExitCode::SUCCESS)
}

/// Prints how many areas of each lower level lie within `code` (or in the whole tree).
pub fn print_level_counts(tree: &AreaTree, code: Option<&AreaCode>) {
    for level in AreaLevel::ALL {
        if code.is_some_and(|c| *level <= c.level()) {
            continue;
        }
        let within: Vec<_> = match code {
            Some(c) => tree.within_at_level(c, *level).collect(),
            None => tree.areas().filter(|a| a.level() == *level).collect(),
        };
        if *level == AreaLevel::Village {
            let rural = within.iter().filter(|a| a.is_rural_village()).count();
            let urban = within.len() - rural;
            println!(
                "  村级：{}（其中农村行政村 {rural}，城镇社区 {urban}）",
                within.len()
            );
        } else {
            println!("  {}级：{}", level.label(), within.len());
        }
    }
}

fn list(
    store: &Store,
    code: Option<&str>,
    level: Option<&str>,
    rural: bool,
) -> anyhow::Result<ExitCode> {
    let tree = store.area_tree()?;
    let date = today();
    let parent = code.map(parse_code).transpose()?;
    let level = match level {
        Some(text) => {
            AreaLevel::parse(text).with_context(|| format!("「{text}」不是有效的区划层级"))?
        }
        None => parent
            .and_then(|p| p.level().child())
            .unwrap_or(AreaLevel::Province),
    };
    let areas: Vec<_> = match &parent {
        Some(p) => tree.within_at_level(p, level).collect(),
        None => tree.areas().filter(|a| a.level() == level).collect(),
    };
    let mut shown = 0;
    for area in areas.into_iter().filter(|a| !rural || a.is_rural_village()) {
        println!(
            "{}\t{}",
            area.code,
            tree.name_on(&area.code, date).unwrap_or(&area.name)
        );
        shown += 1;
    }
    eprintln!("共 {shown} 个");
    Ok(ExitCode::SUCCESS)
}

fn import(store: &Store, actor: &Actor, path: &std::path::Path) -> anyhow::Result<ExitCode> {
    let areas = jingzhun_io::read_division_path(path)?;
    // The merged tree must be whole (every parent present) before anything is written.
    let existing = store.area_tree()?;
    let mut all: Vec<_> = existing.areas().cloned().collect();
    all.extend(areas.iter().cloned());
    AreaTree::new(all)
        .with_context(|| format!("「{}」中的区划缺少上级，未导入任何数据", path.display()))?;
    let n = store.upsert_areas(&areas, actor, &format!("导入区划文件 {}", path.display()))?;
    println!("已导入区划 {n} 条");
    Ok(ExitCode::SUCCESS)
}

fn record_change(
    store: &Store,
    actor: &Actor,
    change: AreaChange,
    reason: &str,
) -> anyhow::Result<ExitCode> {
    // Validate against the tree first so the user gets the tree's precise reason.
    let mut tree = store.area_tree()?;
    tree.apply(change.clone())?;
    store.record_area_change(&change, actor, reason)?;
    let date = change.effective;
    match &change.kind {
        AreaChangeKind::Renamed { name } => {
            println!("已记录：{} 自 {date} 起更名为「{name}」", change.code)
        }
        AreaChangeKind::Merged { into } => println!(
            "已记录：{} 自 {date} 起并入 {into} {}",
            change.code,
            tree.full_name_on(into, date)
        ),
    }
    Ok(ExitCode::SUCCESS)
}
