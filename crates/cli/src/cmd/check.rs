//! `jingzhun check`: the data-quality checks of `jingzhun-quality` over the current registry of an area,
//! counted per check and per county and township, with the list of findings written on request (XLSX, or
//! CSV with a BOM). The poverty line of the year comes from the policy pack in force for the area.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use jingzhun_core::{AreaCode, AreaLevel, HouseholdNo, IncomeComponent, ResidentId, StatusEvent};
use jingzhun_policy::PolicyPack;
use jingzhun_quality::{
    read_department_list, run_checks, summarize, write_findings, CheckInput, CheckParams,
    DepartmentKind, CHECKS,
};
use jingzhun_store::Store;

use super::{evaluate::default_year, export::load_current, table};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// 检查哪个区划（省、市、县、乡镇或村的代码）
    #[arg(long)]
    pub area: String,
    /// 检查哪一年的收入（默认为上一个完整年度）；贫困线取该年政策包的值
    #[arg(long)]
    pub year: Option<u16>,
    /// 问题清单输出文件：.xlsx 或 .csv
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 民政、公安的死亡人员名单（XLSX 或 CSV, 含证件号码列），用于检查已死亡仍在册
    #[arg(long)]
    pub deaths: Option<PathBuf>,
}

pub fn run(store: &Store, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let area =
        AreaCode::parse(&args.area).with_context(|| format!("区划代码「{}」无效", args.area))?;
    let year = args.year.unwrap_or_else(default_year);
    let as_of = NaiveDate::from_ymd_opt(i32::from(year), 12, 31).unwrap_or_default();
    let effective = PolicyPack::builtin()
        .effective(year, Some(&area))
        .with_context(|| format!("政策包中没有 {year} 年区划 {area} 的参数"))?;
    let today = chrono::Local::now().date_naive();
    let deaths: HashSet<ResidentId> = match &args.deaths {
        Some(path) => {
            let list = read_department_list(path, DepartmentKind::Death, today)
                .with_context(|| format!("无法读取死亡人员名单「{}」", path.display()))?;
            for p in &list.problems {
                println!("死亡人员名单「{}」{p}（该行未使用）", list.source);
            }
            list.resident_ids()
        }
        None => HashSet::new(),
    };

    let data = load_current(store, &area)?;
    let mut events: HashMap<HouseholdNo, Vec<StatusEvent>> = HashMap::with_capacity(data.len());
    let mut households = Vec::with_capacity(data.len());
    for (h, e) in data {
        events.insert(h.number.clone(), e);
        households.push(h);
    }
    let mut params = CheckParams::new(as_of, year, effective.params.poverty_line);
    params.uncounted = IncomeComponent::ALL
        .iter()
        .copied()
        .filter(|c| !effective.params.counted_components.contains(*c))
        .collect();
    let input = CheckInput {
        households: &households,
        events: &events,
        deaths: &deaths,
        known_regions: None,
    };
    let findings = run_checks(&input, &params);

    println!(
        "区划 {area}: 检查 {} 户，{year} 年收入，贫困线 {} 元/人·年；发现 {} 个问题",
        households.len(),
        effective.params.poverty_line,
        findings.len()
    );
    let mut per_check: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &findings {
        *per_check.entry(f.check.code).or_default() += 1;
    }
    let mut rows = vec![vec!["检查项目".to_owned(), "问题数".to_owned()]];
    for c in CHECKS {
        let n = per_check.get(c.code).copied().unwrap_or(0);
        rows.push(vec![format!("{} {}", c.code, c.label), n.to_string()]);
    }
    print!("{}", table::render(&rows));

    let found: Vec<&str> = CHECKS
        .iter()
        .map(|c| c.code)
        .filter(|c| per_check.contains_key(c))
        .collect();
    if !found.is_empty() {
        let tree = store.area_tree()?;
        let mut by_area: BTreeMap<String, (AreaCode, BTreeMap<&str, usize>)> = BTreeMap::new();
        for c in summarize(&findings) {
            if matches!(c.level, AreaLevel::County | AreaLevel::Township) {
                by_area
                    .entry(c.area.as_str().to_owned())
                    .or_insert((c.area, BTreeMap::new()))
                    .1
                    .insert(c.check, c.count);
            }
        }
        let mut header = vec!["区划".to_owned(), "合计".to_owned()];
        header.extend(found.iter().map(|c| (*c).to_owned()));
        let mut rows = vec![header];
        for (code, counts) in by_area.values() {
            let name = tree.get(code).map(|a| a.name.as_str()).unwrap_or("");
            let indent = if code.level() == AreaLevel::Township {
                "  "
            } else {
                ""
            };
            let mut row = vec![
                format!("{indent}{code} {name}"),
                counts.values().sum::<usize>().to_string(),
            ];
            row.extend(
                found
                    .iter()
                    .map(|c| counts.get(c).copied().unwrap_or(0).to_string()),
            );
            rows.push(row);
        }
        println!();
        print!("{}", table::render(&rows));
    }

    if let Some(out) = &args.out {
        write_findings(out, &findings)
            .with_context(|| format!("无法写入问题清单「{}」", out.display()))?;
        println!(
            "问题清单（{} 条）已写入「{}」",
            findings.len(),
            out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
