//! `jingzhun department compare`: a department's list keyed by resident ID (医保, 民政, 教育, …) matched to
//! the registry's current members; each hit that fires its rule becomes a risk lead (channel 部门筛查预警)
//! with the rule, value and threshold, asset lists give exclusion warnings, and IDs matching no member are
//! reported. Thresholds come from the policy pack where it has them (medical and education alerts), the
//! rest are the defaults of `jingzhun-quality`. The result is printed and written as an XLSX workbook for
//! reviewers (IDs masked).
//!
//! With `--save`, each lead opens a case in the monitoring workflow (the village's inbox in the web
//! application), recorded as `system:department-compare`; a household with an open case gets no second one.
//! The findings the rules read (costs, disasters, accidents, job losses) are kept as dated facts per
//! household (`department_facts`, dated `--date`, default today), so that `evaluate` and every other
//! evaluation fire the department-alert rules on them.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use std::sync::Arc;

use jingzhun_core::{
    AreaCode, Channel, DepartmentFact, HouseholdNo, HouseholdStatus, MonitoringKind,
    RegistryStatus, RiskType, StatusEvent, Yuan,
};
use jingzhun_policy::PolicyPack;
use jingzhun_quality::{
    compare, read_department_list, write_comparison, DepartmentKind, DepartmentThresholds, Lead,
};
use jingzhun_store::Store;
use jingzhun_web::services::cases::NewLead;

use super::{
    evaluate::{default_year, top_area},
    export::load_current,
    table,
};

#[derive(Debug, clap::Subcommand)]
pub enum DepartmentCommand {
    /// 部门数据比对：按证件号码匹配家庭成员，生成风险线索（部门筛查预警）或排除提示，列出未匹配的证件号码
    Compare(CompareArgs),
}

#[derive(Debug, clap::Args)]
pub struct CompareArgs {
    /// 名单种类（代码或名称），如 inpatient_cost（医保住院自付费用）、new_dibao、death、car
    #[arg(long)]
    pub kind: String,
    /// 部门名单文件（XLSX 或 CSV, 含证件号码列）
    pub file: PathBuf,
    /// 与哪个区划的农户比对（默认库中全部农户）
    #[arg(long)]
    pub area: Option<String>,
    /// 比对结果（XLSX）的保存位置；默认在名单文件旁：<文件名>.比对结果.xlsx
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// 取哪一年政策包的预警阈值（默认为上一个完整年度）
    #[arg(long)]
    pub year: Option<u16>,
    /// 把风险线索登记到监测帮扶流程（各村的待办线索），已有在办监测事项的农户不重复登记；并把比对结果
    /// 作为各户的部门数据保存，供评估的部门预警规则使用
    #[arg(long)]
    pub save: bool,
    /// 名单数据的日期（YYYY-MM-DD，默认今天）：保存的部门数据按此日期计入评估
    #[arg(long)]
    pub date: Option<chrono::NaiveDate>,
}

pub fn run(store: Store, command: DepartmentCommand) -> anyhow::Result<ExitCode> {
    match command {
        DepartmentCommand::Compare(args) => run_compare(&Arc::new(store), args),
    }
}

fn kinds() -> String {
    DepartmentKind::ALL
        .iter()
        .map(|k| format!("{} ({})", k.code(), k.label()))
        .collect::<Vec<_>>()
        .join("、")
}

/// The area to compare against: the one given, else the smallest area holding every household
/// ([`top_area`]).
fn registry_area(store: &Store, given: Option<&str>) -> anyhow::Result<AreaCode> {
    match given {
        Some(text) => AreaCode::parse(text).with_context(|| format!("区划代码「{text}」无效")),
        None => top_area(store),
    }
}

fn run_compare(store: &Arc<Store>, args: CompareArgs) -> anyhow::Result<ExitCode> {
    let Some(kind) = DepartmentKind::parse(&args.kind) else {
        bail!("名单种类「{}」无效；可用：{}", args.kind, kinds());
    };
    let area = registry_area(store, args.area.as_deref())?;
    let today = chrono::Local::now().date_naive();
    let year = args.year.unwrap_or_else(default_year);
    let mut thresholds = DepartmentThresholds::default();
    match PolicyPack::builtin().effective(year, Some(&area)) {
        Ok(e) => {
            let p = e.params;
            thresholds.inpatient_registered = p.alert_medical_inpatient_exited;
            thresholds.inpatient_others = p.alert_medical_inpatient_other;
            thresholds.outpatient_monthly = p.alert_outpatient_monthly;
            thresholds.education_cost = p.alert_education;
        }
        Err(e) => println!("政策包未给出 {year} 年的预警阈值（{e}），使用默认阈值"),
    }

    let list = read_department_list(&args.file, kind, today)
        .with_context(|| format!("无法读取部门名单「{}」", args.file.display()))?;
    for p in &list.problems {
        println!("名单「{}」{p}（该行未比对）", list.source);
    }
    let data = load_current(store, &area)?;
    let mut events: HashMap<HouseholdNo, Vec<StatusEvent>> = HashMap::with_capacity(data.len());
    let mut households = Vec::with_capacity(data.len());
    for (h, e) in data {
        events.insert(h.number.clone(), e);
        households.push(h);
    }
    let result = compare(&list, &households, &events, &thresholds, today);

    println!(
        "{} ({}): 名单 {} 行（无法读取 {} 行），与区划 {area} 的 {} 户比对",
        kind.label(),
        kind.department(),
        list.records.len(),
        list.problems.len(),
        households.len()
    );
    let rows = vec![
        vec!["结果".to_owned(), "数量".to_owned()],
        vec![
            "风险线索（部门筛查预警）".to_owned(),
            result.leads.len().to_string(),
        ],
        vec!["排除提示".to_owned(), result.exclusions.len().to_string()],
        vec![
            "匹配但未触发规则".to_owned(),
            result.matched_without_lead.to_string(),
        ],
        vec![
            "未匹配的证件号码".to_owned(),
            result.unmatched.len().to_string(),
        ],
    ];
    print!("{}", table::render(&rows));
    if !result.leads.is_empty() {
        let mut by_rule: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for l in &result.leads {
            *by_rule.entry((l.rule, l.risk.label())).or_default() += 1;
        }
        let mut rows = vec![vec![
            "规则".to_owned(),
            "风险类型".to_owned(),
            "线索".to_owned(),
        ]];
        for ((rule, risk), n) in by_rule {
            rows.push(vec![rule.to_owned(), risk.to_owned(), n.to_string()]);
        }
        println!();
        print!("{}", table::render(&rows));
        for l in result.leads.iter().take(20) {
            println!(
                "线索 {} 户「{}」第 {} 人 {}: {}",
                l.rule, l.household_no, l.member, l.member_masked, l.explanation
            );
        }
        if result.leads.len() > 20 {
            println!("…… 其余 {} 条见比对结果文件", result.leads.len() - 20);
        }
    }
    let out = args.out.unwrap_or_else(|| {
        let mut name = args.file.as_os_str().to_owned();
        name.push(".比对结果.xlsx");
        PathBuf::from(name)
    });
    write_comparison(&out, &result)
        .with_context(|| format!("无法写入比对结果「{}」", out.display()))?;
    println!("比对结果已写入「{}」", out.display());
    if args.save {
        let source = args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| kind.label().to_owned());
        save_facts(
            store,
            kind,
            &result.leads,
            &source,
            args.date.unwrap_or(today),
        )?;
        save_leads(store, &result.leads, &events, today)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Keeps the findings of the leads that the rules read as dated facts per household, in one transaction.
fn save_facts(
    store: &Arc<Store>,
    kind: DepartmentKind,
    leads: &[Lead],
    source: &str,
    date: chrono::NaiveDate,
) -> anyhow::Result<()> {
    let Some(signal) = kind.signal() else {
        return Ok(());
    };
    let mut facts = Vec::with_capacity(leads.len());
    for lead in leads {
        let Some(stored) = store.household_by_number(&lead.household_no)? else {
            continue;
        };
        facts.push(DepartmentFact {
            household: stored.id,
            signal,
            date,
            amount: lead.value.unwrap_or(Yuan::ZERO),
        });
    }
    let n = store
        .save_department_facts(
            &facts,
            source,
            &jingzhun_store::Actor::new("system:department-compare"),
        )
        .context("部门数据保存失败 (未保存任何一条)")?;
    println!(
        "已保存部门数据 {n} 条 ({}, 日期 {date}), 评估时按部门预警规则计入",
        signal.label()
    );
    Ok(())
}

/// Opens a monitoring case for each household with a lead (one per household: its leads' risk types and
/// explanations together). The kind is a first guess for the village to verify: exited households 脱贫不稳定户,
/// sudden shocks (illness, accident, disaster) 突发严重困难户, others 边缘易致贫户. Registered poor households
/// are still supported as poor and get no monitoring lead.
fn save_leads(
    store: &Arc<Store>,
    leads: &[Lead],
    events: &HashMap<HouseholdNo, Vec<StatusEvent>>,
    today: chrono::NaiveDate,
) -> anyhow::Result<()> {
    let mut by_household: BTreeMap<&HouseholdNo, Vec<&Lead>> = BTreeMap::new();
    for lead in leads {
        by_household
            .entry(&lead.household_no)
            .or_default()
            .push(lead);
    }
    let (mut opened, mut already_open, mut poor) = (0usize, 0usize, 0usize);
    for (number, leads) in by_household {
        let status = HouseholdStatus::on(
            events.get(number).map(Vec::as_slice).unwrap_or_default(),
            today,
        );
        let kind = match status.registry {
            RegistryStatus::Poor { .. } => {
                poor += 1;
                continue;
            }
            RegistryStatus::Exited { .. } => MonitoringKind::Unstable,
            _ if leads.iter().any(|l| {
                matches!(
                    l.risk,
                    RiskType::Illness | RiskType::Accident | RiskType::Disaster
                )
            }) =>
            {
                MonitoringKind::SuddenHardship
            }
            _ => MonitoringKind::Marginal,
        };
        let Some(stored) = store.household_by_number(number)? else {
            continue;
        };
        let mut risk_types: Vec<RiskType> = leads.iter().map(|l| l.risk).collect();
        risk_types.sort();
        risk_types.dedup();
        let note = leads
            .iter()
            .map(|l| format!("{} {}", l.rule, l.explanation))
            .collect::<Vec<_>>()
            .join("; ");
        let lead = NewLead {
            channel: Channel::DepartmentAlert,
            monitoring_kind: Some(kind),
            risk_types,
            note,
        };
        match jingzhun_web::record_department_lead(
            store,
            "system:department-compare",
            stored.id,
            lead,
            today,
        ) {
            Ok(Some(_)) => opened += 1,
            Ok(None) => already_open += 1,
            Err(e) => bail!("户「{number}」的线索登记失败：{e}"),
        }
    }
    println!("已登记到监测帮扶流程：新开线索 {opened} 户，已有在办监测事项 {already_open} 户，建档立卡贫困户 {poor} 户（不登记）");
    Ok(())
}
