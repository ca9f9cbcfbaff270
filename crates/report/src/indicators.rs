//! The indicator catalogue and its values for any area, year and as-of date.
//!
//! [`catalogue`] is the one place where an indicator is declared: stable code, Chinese and English names,
//! definition, unit, which records it counts, and how its value is computed. Values come from the
//! engine's [`Rollup`] of the area, from the households' outcomes (income means and medians by group, risk
//! types) and, for cumulative figures, from an [`ExitHistory`] of earlier years. Indicators whose data the
//! registry does not hold yet are listed with the reason and never given a value.
//!
//! [`compute`] fills an [`IndicatorTable`]: one row per requested area (any level, side by side — a
//! drill-down is the child areas of an area at one level), one column per indicator.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use chrono::NaiveDate;
use jingzhun_core::monitoring::CaseKind;
use jingzhun_core::{
    AreaCode, AreaLevel, AssistanceType, Channel, HouseholdId, HouseholdStatus, MonitoringKind,
    RiskType, StatusEvent, StatusEventKind,
};
use jingzhun_engine::{Engine, Evaluation, Rollup};
use jingzhun_policy::{flag, Guarantee, ProposalKind, RegistryState};
use serde::Serialize;

use crate::economy::{EconomyData, EconomyFigures};
use crate::measures::{self, Observation};
use crate::projects::{ProjectDetails, ProjectInputs};
use crate::summary::FIRST_EXIT_YEAR;

/// The unit of an indicator's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    Households,
    People,
    Villages,
    /// A fraction (shown as a percentage).
    Rate,
    Yuan,
    Days,
    /// Workflow cases.
    Cases,
    /// Area in 亩.
    Mu,
    /// Enterprises, products, teams (个).
    Count,
}

impl Unit {
    pub fn label(self) -> &'static str {
        match self {
            Unit::Households => "户",
            Unit::People => "人",
            Unit::Villages => "个",
            Unit::Rate => "%",
            Unit::Yuan => "元",
            Unit::Days => "天",
            Unit::Cases => "件",
            Unit::Mu => "亩",
            Unit::Count => "个",
        }
    }
}

/// Income groups whose per-capita net income is summarised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IncomeGroup {
    /// Every household of the registry (the rural population).
    All,
    /// Households ever registered as poor (建档立卡户, including those since exited).
    Registered,
    /// Households under monitoring.
    Monitored,
}

impl IncomeGroup {
    pub const ALL: [IncomeGroup; 3] = [
        IncomeGroup::All,
        IncomeGroup::Registered,
        IncomeGroup::Monitored,
    ];

    fn index(self) -> usize {
        self as usize
    }
}

/// How an indicator's value is obtained.
#[derive(Debug, Clone, Copy)]
pub enum Source {
    /// From the area's counts.
    Counts(fn(&AreaData) -> Option<f64>),
    /// Share of households meeting a guarantee.
    Guarantee(Guarantee),
    /// Households under monitoring of a kind.
    MonitoredKind(MonitoringKind),
    /// Monitoring proposals whose rules named this risk type.
    CandidateRisk(RiskType),
    /// Households under monitoring whose decision named this risk type.
    DecidedRisk(RiskType),
    /// Mean per-capita net income of a group (yuan, person-weighted).
    IncomeMean(IncomeGroup),
    /// Median per-capita net income of a group (yuan, person-weighted).
    IncomeMedian(IncomeGroup),
    /// Identification leads of the year from a channel.
    LeadChannel(Channel),
    /// Identifications of the year decided for a kind of monitored household.
    IdentifiedKind(MonitoringKind),
    /// Households with a running measure of a kind.
    MeasureKind(AssistanceType),
    /// From the records kept beside the household registry — the economy's (issue 14:
    /// [`crate::economy`]) and the project library's (issue 15: [`crate::projects`]) — computed there;
    /// not in the household-year Parquet export (the Spark SQL cannot define it).
    Records(fn(&AreaData) -> Option<f64>),
    /// Not computable from the registry yet; the reason.
    Unavailable(&'static str),
}

/// One indicator of the catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    /// Stable code (`incidence`, `guarantee_coverage.housing`, …).
    pub code: String,
    pub name: String,
    pub name_en: String,
    pub definition: String,
    pub unit: Unit,
    /// Which records it counts.
    pub counts: String,
    /// Why it has no value, when the registry does not hold its data yet.
    pub unavailable: Option<&'static str>,
    /// Whether its inputs are in the household-year Parquet export (`export parquet`), so that the Spark
    /// SQL of `analysis/spark/indicators` may define it: not for [`Source::Records`] nor unavailable ones.
    pub in_parquet: bool,
    #[serde(skip)]
    pub source: Source,
}

fn ind(
    code: &str,
    name: &str,
    name_en: &str,
    unit: Unit,
    counts: &str,
    definition: &str,
    source: Source,
) -> Indicator {
    Indicator {
        code: code.to_owned(),
        name: name.to_owned(),
        name_en: name_en.to_owned(),
        definition: definition.to_owned(),
        unit,
        counts: counts.to_owned(),
        unavailable: match source {
            Source::Unavailable(reason) => Some(reason),
            _ => None,
        },
        in_parquet: !matches!(source, Source::Records(_) | Source::Unavailable(_)),
        source,
    }
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

fn n(x: i64) -> Option<f64> {
    Some(x as f64)
}

const LEAD_CASES: &str = "监测工作流中的监测对象识别案件(登记库案件表与审计记录)";

const ALL_CASES: &str = "监测工作流中的全部案件(识别与风险消除)";

const MEASURES: &str = "登记库中的帮扶措施(开始日不晚于评估日、未结束或结束日不早于评估日)";

const VISITS: &str = "登记库中的走访记录与评估日处于监测中的农户";

/// How far back a visit counts as timely for [`VisitFigures`]: one quarter (监测户每季度至少走访一次).
pub const VISIT_WINDOW_DAYS: i64 = 90;

/// Every indicator, in display order.
pub fn catalogue() -> &'static [Indicator] {
    static CATALOGUE: OnceLock<Vec<Indicator>> = OnceLock::new();
    CATALOGUE.get_or_init(build_catalogue)
}

/// The indicator with `code`.
pub fn indicator(code: &str) -> Option<&'static Indicator> {
    catalogue().iter().find(|i| i.code == code)
}

fn build_catalogue() -> Vec<Indicator> {
    use Source::*;
    use Unit::*;
    let all_hh = "登记数据中的全部农户";
    let mut v = vec![
        ind(
            "rural_households",
            "农户数",
            "rural households",
            Households,
            all_hh,
            "评估日在册的农户(含非贫困户)",
            Counts(|d| n(d.rollup.households)),
        ),
        ind(
            "rural_population",
            "农村户籍人口",
            "rural population",
            People,
            all_hh,
            "评估日在册农户的家庭成员数(评估日后出生者不计)",
            Counts(|d| n(d.rollup.people)),
        ),
        ind(
            "poor_households",
            "建档立卡贫困户",
            "registered poor households",
            Households,
            "评估日状态为贫困户(未脱贫)的农户",
            "评估日仍在贫困状态的建档立卡户",
            Counts(|d| n(d.rollup.poor_households)),
        ),
        ind(
            "poor_people",
            "建档立卡贫困人口",
            "registered poor people",
            People,
            "评估日状态为贫困户(未脱贫)的农户成员",
            "评估日仍在贫困状态的建档立卡户的人口",
            Counts(|d| n(d.rollup.poor_people)),
        ),
        ind(
            "incidence",
            "贫困发生率",
            "poverty incidence",
            Rate,
            all_hh,
            "建档立卡贫困人口 ÷ 农村户籍人口",
            Counts(|d| ratio(d.rollup.poor_people, d.rollup.people)),
        ),
        ind(
            "poor_villages",
            "贫困村",
            "poor villages",
            Villages,
            "区划内有农户的行政村",
            "贫困发生率未达到村退出标准(政策包参数)的村",
            Counts(|d| d.poor_villages.map(|x| x as f64)),
        ),
        ind(
            "ever_registered_households",
            "累计建档立卡户",
            "households ever registered",
            Households,
            "评估日前有识别为贫困户事件的农户",
            "曾识别为贫困户的农户(含已脱贫)",
            Counts(|d| n(d.rollup.ever_registered_households)),
        ),
        ind(
            "ever_registered_people",
            "累计建档立卡人口",
            "people ever registered",
            People,
            "评估日前有识别为贫困户事件的农户成员",
            "曾识别为贫困户的农户的人口(含已脱贫)",
            Counts(|d| n(d.rollup.ever_registered_people)),
        ),
        ind(
            "exited_in_year_households",
            "当年脱贫户",
            "households exited in the year",
            Households,
            "脱贫事件在评估年度生效的农户",
            "评估日状态为已脱贫、且脱贫在评估年度生效",
            Counts(|d| n(d.rollup.exited_in_year_households)),
        ),
        ind(
            "exited_in_year_people",
            "当年脱贫人口",
            "people exited in the year",
            People,
            "脱贫事件在评估年度生效的农户成员",
            "当年脱贫户的人口",
            Counts(|d| n(d.rollup.exited_in_year_people)),
        ),
        ind(
            "exited_people",
            "已脱贫人口(评估日状态)",
            "exited people",
            People,
            "评估日状态为已脱贫的农户成员",
            "评估日状态为已脱贫的建档立卡户的人口",
            Counts(|d| n(d.rollup.exited_people)),
        ),
        ind(
            "lifted_people_cumulative",
            "2014 年以来累计脱贫人口",
            "people lifted out since 2014",
            People,
            "各年度当年脱贫人口之和",
            "2014 年至评估年度逐年当年脱贫人口相加(需逐年评估)",
            Counts(|d| d.lifted_cumulative.map(|x| x as f64)),
        ),
        ind(
            "return_suspect_households",
            "疑似返贫户",
            "suspected returns to poverty",
            Households,
            "规则建议「疑似返贫」的已脱贫户",
            "已脱贫户人均纯收入低于贫困线或保障未达标(规则建议, 非决定)",
            Counts(|d| n(d.rollup.proposals_of(ProposalKind::ReturnToPoverty))),
        ),
        ind(
            "returned_households",
            "当年返贫户(已认定)",
            "returns to poverty decided in the year",
            Households,
            "有返贫决定事件的农户",
            "返贫事件在评估年度内(至评估日)生效的农户",
            Counts(|d| d.returned.map(|r| r.0 as f64)),
        ),
        ind(
            "returned_people",
            "当年返贫人口(已认定)",
            "people returned to poverty in the year",
            People,
            "有返贫决定事件的农户成员",
            "当年返贫户的人口",
            Counts(|d| d.returned.map(|r| r.1 as f64)),
        ),
        ind(
            "monitored_households",
            "监测户",
            "monitored households",
            Households,
            "评估日处于监测中的农户",
            "纳入监测且尚未消除风险的农户",
            Counts(|d| n(d.rollup.monitored_households.iter().sum())),
        ),
        ind(
            "monitored_people",
            "监测人口",
            "monitored people",
            People,
            "评估日处于监测中的农户成员",
            "监测户的人口",
            Counts(|d| n(d.rollup.monitored_people)),
        ),
    ];
    for kind in MonitoringKind::ALL {
        v.push(ind(
            &format!("monitored_households.{}", kind.code()),
            &format!("监测户: {}", kind.label()),
            &format!("monitored households: {}", kind.code()),
            Households,
            "评估日处于监测中的农户",
            &format!("监测类型为「{}」的监测户", kind.label()),
            MonitoredKind(*kind),
        ));
    }
    for risk in RiskType::ALL {
        v.push(ind(
            &format!("monitored_households.risk.{}", risk.code()),
            &format!("监测户: 风险{}", risk.label()),
            &format!("monitored households by risk: {}", risk.code()),
            Households,
            "评估日处于监测中的农户",
            &format!(
                "纳入监测决定中登记了风险「{}」的监测户(一户可有多种风险)",
                risk.label()
            ),
            DecidedRisk(*risk),
        ));
    }
    for risk in RiskType::ALL {
        v.push(ind(
            &format!("monitoring_candidates.risk.{}", risk.code()),
            &format!("建议纳入监测户: 风险{}", risk.label()),
            &format!("monitoring candidates by risk: {}", risk.code()),
            Households,
            "规则建议纳入监测的农户",
            &format!(
                "规则建议纳入监测且识别出风险「{}」的农户(一户可有多种风险)",
                risk.label()
            ),
            CandidateRisk(*risk),
        ));
    }
    v.extend([
        ind(
            "monitoring_identified_households",
            "累计识别监测户",
            "households identified for monitoring",
            Households,
            "评估日处于监测中或已消除风险的农户",
            "监测户 + 已消除风险户",
            Counts(|d| {
                n(d.rollup.monitored_households.iter().sum::<i64>()
                    + d.rollup.risk_eliminated_households)
            }),
        ),
        ind(
            "risk_eliminated_households",
            "已消除风险户",
            "households with risk eliminated",
            Households,
            "评估日前有风险消除事件的农户",
            "风险消除事件在评估日前生效的农户(累计)",
            Counts(|d| n(d.rollup.risk_eliminated_households)),
        ),
        ind(
            "risk_eliminated_people",
            "已消除风险人口",
            "people with risk eliminated",
            People,
            "评估日前有风险消除事件的农户成员",
            "已消除风险户的人口(累计)",
            Counts(|d| n(d.rollup.risk_eliminated_people)),
        ),
        ind(
            "monitoring_candidate_households",
            "建议纳入监测户",
            "monitoring candidates",
            Households,
            "规则建议纳入监测的农户",
            "收入低于监测线、保障未达标或有部门预警、尚未监测的非贫困户(规则建议)",
            Counts(|d| n(d.rollup.proposals_of(ProposalKind::MonitoringCandidate))),
        ),
        ind(
            "identification_cases_decided",
            "当年审定的监测识别案件",
            "identification cases decided",
            Cases,
            LEAD_CASES,
            "评估年度内(至评估日)县级审定通过的监测对象识别案件",
            Counts(|d| d.leads.map(|l| l.decided as f64)),
        ),
        ind(
            "lead_to_decision_days",
            "线索到认定平均用时",
            "mean days from lead to decision",
            Days,
            LEAD_CASES,
            "当年审定的识别案件从线索登记到县级审定的天数(按北京时间日期)的平均值",
            Counts(|d| {
                d.leads
                    .and_then(|l| (l.decided > 0).then(|| l.days as f64 / l.decided as f64))
            }),
        ),
        ind(
            "decided_within_limit",
            "限时内认定比例",
            "share decided within the time limit",
            Rate,
            LEAD_CASES,
            "当年审定的识别案件中, 用时不超过政策包识别时限(天)的比例",
            Counts(|d| d.leads.and_then(|l| ratio(l.within_limit, l.decided))),
        ),
        ind(
            "lead_to_decision_median_days",
            "线索到认定用时(中位数)",
            "median days from lead to decision",
            Days,
            LEAD_CASES,
            "当年审定的识别案件从线索登记到县级审定的天数(按北京时间日期)的中位数",
            Counts(|d| d.cases.as_ref().and_then(CaseFigures::median_days)),
        ),
    ]);
    for channel in Channel::ALL {
        v.push(ind(
            &format!("leads.{}", channel.code()),
            &format!("当年监测线索: {}", channel.label()),
            &format!("identification leads: {}", channel.code()),
            Cases,
            LEAD_CASES,
            &format!(
                "评估年度内(至评估日)登记、发现渠道为「{}」的监测对象识别案件",
                channel.label()
            ),
            LeadChannel(*channel),
        ));
    }
    for kind in MonitoringKind::ALL {
        v.push(ind(
            &format!("identified.{}", kind.code()),
            &format!("当年认定监测对象: {}", kind.label()),
            &format!("identifications decided: {}", kind.code()),
            Cases,
            LEAD_CASES,
            &format!(
                "评估年度内(至评估日)县级审定、监测对象类型为「{}」的识别案件",
                kind.label()
            ),
            IdentifiedKind(*kind),
        ));
    }
    v.extend([
        ind(
            "leads_rejected",
            "当年未通过的监测线索",
            "identification leads rejected",
            Cases,
            LEAD_CASES,
            "评估年度内(至评估日)在某一环节未通过而办结的识别案件",
            Counts(|d| d.cases.as_ref().map(|c| c.rejected as f64)),
        ),
        ind(
            "elimination_cases_decided",
            "当年审定的风险消除案件",
            "risk eliminations decided",
            Cases,
            ALL_CASES,
            "评估年度内(至评估日)县级审定通过的风险消除案件",
            Counts(|d| d.cases.as_ref().map(|c| c.eliminations as f64)),
        ),
        ind(
            "cases_open",
            "在办案件",
            "open cases",
            Cases,
            ALL_CASES,
            "评估日已登记线索、尚未审定或办结的案件",
            Counts(|d| d.cases.as_ref().map(|c| c.open as f64)),
        ),
        ind(
            "cases_overdue",
            "超时未办结案件",
            "open cases past the time limit",
            Cases,
            ALL_CASES,
            "在办案件中, 线索登记日加政策包识别时限(天)早于评估日的案件",
            Counts(|d| d.cases.as_ref().map(|c| c.overdue as f64)),
        ),
    ]);
    for (group, label, counts) in [
        (IncomeGroup::All, "农村居民", all_hh),
        (
            IncomeGroup::Registered,
            "建档立卡户",
            "曾识别为贫困户的农户(含已脱贫)",
        ),
        (IncomeGroup::Monitored, "监测户", "评估日处于监测中的农户"),
    ] {
        let code = match group {
            IncomeGroup::All => "all",
            IncomeGroup::Registered => "registered",
            IncomeGroup::Monitored => "monitored",
        };
        v.push(ind(
            &format!("income_mean.{code}"),
            &format!("{label}人均纯收入(均值)"),
            &format!("mean per-capita net income: {code}"),
            Yuan,
            counts,
            "有当年收入记录的农户的人均纯收入, 按人口加权的均值",
            IncomeMean(group),
        ));
        v.push(ind(
            &format!("income_median.{code}"),
            &format!("{label}人均纯收入(中位数)"),
            &format!("median per-capita net income: {code}"),
            Yuan,
            counts,
            "有当年收入记录的农户的人均纯收入, 按人口加权的中位数",
            IncomeMedian(group),
        ));
    }
    v.extend([
        ind(
            "below_line_people",
            "收入低于贫困线人口",
            "people below the poverty line",
            People,
            all_hh,
            "人均纯收入 < 当年贫困线的农户成员",
            Counts(|d| n(d.rollup.below_line_people)),
        ),
        ind(
            "below_monitoring_people",
            "收入低于监测线人口",
            "people below the monitoring threshold",
            People,
            all_hh,
            "人均纯收入 < 当年监测线的农户成员",
            Counts(|d| n(d.rollup.below_monitoring_people)),
        ),
    ]);
    for g in jingzhun_policy::Guarantee::ALL {
        v.push(ind(
            &format!("guarantee_coverage.{}", g.code()),
            &format!("{}达标率", g.label()),
            &format!("guarantee coverage: {}", g.code()),
            Rate,
            all_hh,
            &format!(
                "「{}」达标的农户 ÷ 农户数(未记录的事实不视为达标)",
                g.label()
            ),
            Guarantee(*g),
        ));
    }
    v.extend([
        ind(
            "relocated_households",
            "易地扶贫搬迁户",
            "relocated households",
            Households,
            "搬迁年度不晚于评估年度的农户",
            "易地扶贫搬迁户(累计)",
            Counts(|d| n(d.rollup.relocated_households)),
        ),
        ind(
            "relocated_people",
            "易地扶贫搬迁人口",
            "relocated people",
            People,
            "搬迁年度不晚于评估年度的农户成员",
            "易地扶贫搬迁户的人口(累计)",
            Counts(|d| n(d.rollup.relocated_people)),
        ),
        ind(
            "dibao_people",
            "农村低保对象",
            "dibao recipients",
            People,
            "家庭成员",
            "享受低保的农户成员",
            Counts(|d| n(d.rollup.dibao_people)),
        ),
        ind(
            "tekun_people",
            "特困供养人员",
            "tekun recipients",
            People,
            "家庭成员",
            "享受特困供养的农户成员",
            Counts(|d| n(d.rollup.tekun_people)),
        ),
        ind(
            "dibao_registered_people",
            "低保对象中的建档立卡人口",
            "dibao recipients ever registered",
            People,
            "家庭成员",
            "曾识别为贫困户的农户中享受低保的成员",
            Counts(|d| n(d.rollup.dibao_ever_registered_people)),
        ),
        ind(
            "dibao_registered_share",
            "低保对象中建档立卡人口占比",
            "share of dibao recipients ever registered",
            Rate,
            "家庭成员",
            "低保对象中的建档立卡人口 ÷ 农村低保对象",
            Counts(|d| ratio(d.rollup.dibao_ever_registered_people, d.rollup.dibao_people)),
        ),
        ind(
            "wrong_exit_suspect_households",
            "疑似错退户",
            "wrong-exit suspects",
            Households,
            "已脱贫户",
            "规则建议「疑似错退」的已脱贫户(非决定)",
            Counts(|d| n(d.rollup.proposals_of(ProposalKind::WrongExitSuspect))),
        ),
        ind(
            "wrong_exit_rate",
            "错退率",
            "wrong-exit rate",
            Rate,
            "已脱贫人口",
            "疑似错退户人口 ÷ 已脱贫人口",
            Counts(|d| {
                ratio(
                    d.rollup.proposal_people[usize::from(ProposalKind::WrongExitSuspect.index())],
                    d.rollup.exited_people,
                )
            }),
        ),
        ind(
            "omission_suspect_households",
            "疑似漏评户",
            "omission suspects",
            Households,
            "未建档立卡的农户",
            "规则建议「疑似漏评」的农户(非决定)",
            Counts(|d| n(d.rollup.proposals_of(ProposalKind::OmissionSuspect))),
        ),
        ind(
            "omission_rate",
            "漏评率",
            "omission rate",
            Rate,
            "未建档立卡人口",
            "疑似漏评户人口 ÷ 未建档立卡人口",
            Counts(|d| {
                ratio(
                    d.rollup.proposal_people[usize::from(ProposalKind::OmissionSuspect.index())],
                    d.rollup.non_registered_people,
                )
            }),
        ),
        ind(
            "assistance_measures",
            "有帮扶措施的农户",
            "households with assistance measures",
            Households,
            MEASURES,
            "评估日至少有一项帮扶措施在实施的农户",
            Counts(|d| d.measures.map(|m| m.households as f64)),
        ),
    ]);
    for kind in AssistanceType::ALL {
        v.push(ind(
            &format!("assistance_measures.{}", kind.code()),
            &format!("帮扶措施: {}", kind.label()),
            &format!("households with assistance measures: {}", kind.code()),
            Households,
            MEASURES,
            &format!(
                "评估日有「{}」措施在实施的农户(一户可有多类措施)",
                kind.label()
            ),
            MeasureKind(*kind),
        ));
    }
    v.push(ind(
        "assistance_coverage",
        "监测户帮扶措施覆盖率",
        "assistance coverage of monitored households",
        Rate,
        "评估日处于监测中的农户",
        "评估日至少有一项帮扶措施在实施的监测户 ÷ 监测户",
        Counts(|d| {
            d.measures
                .and_then(|m| ratio(m.monitored_with_measure, m.monitored))
        }),
    ));
    economy_indicators(&mut v);
    project_indicators(&mut v);
    // The rates of the dashboard for action (监测对象占比, 帮扶措施覆盖率 above, 走访及时率, 风险消除率,
    // 逾期率): declared here so that the dashboard, the reports and the API read the same figures.
    v.extend([
        ind(
            "monitored_share",
            "监测对象占比",
            "share of people under monitoring",
            Rate,
            "评估日处于监测中的农户成员",
            "监测人口 ÷ 农村户籍人口",
            Counts(|d| ratio(d.rollup.monitored_people, d.rollup.people)),
        ),
        ind(
            "visit_timeliness",
            "走访及时率",
            "share of monitored households visited in time",
            Rate,
            VISITS,
            "评估日前 90 天内(含评估日)至少走访一次的监测户 ÷ 监测户",
            Counts(|d| d.visits.and_then(|v| ratio(v.visited, v.monitored))),
        ),
        ind(
            "risk_elimination_rate",
            "风险消除率",
            "share of identified households with risk eliminated",
            Rate,
            "评估日处于监测中或已消除风险的农户",
            "已消除风险户 ÷ 累计识别监测户(监测户 + 已消除风险户)",
            Counts(|d| {
                ratio(
                    d.rollup.risk_eliminated_households,
                    d.rollup.monitored_households.iter().sum::<i64>()
                        + d.rollup.risk_eliminated_households,
                )
            }),
        ),
        ind(
            "overdue_rate",
            "逾期率",
            "share of open cases past the time limit",
            Rate,
            ALL_CASES,
            "超时未办结案件 ÷ 在办案件",
            Counts(|d| d.cases.as_ref().and_then(|c| ratio(c.overdue, c.open))),
        ),
    ]);
    v
}

const ECONOMY: &str =
    "产业、就业、消费帮扶和村集体经济记录(经营主体、基地、产品、就业、村集体账目)";

const PROJECTS: &str = "项目库、资金安排与支出、驻村工作队和帮扶干部记录";

/// The economy's indicators (issue 14), each the figure [`crate::economy::EconomyFigures`] computes.
fn economy_indicators(v: &mut Vec<Indicator>) {
    use Source::Records;
    use Unit::*;
    fn e(d: &AreaData) -> Option<&EconomyFigures> {
        d.economy.as_ref().map(|e| &e.now)
    }
    v.extend([
        ind(
            "labour_in_work",
            "脱贫人口和监测对象务工规模",
            "lifted and monitored labour force in work",
            People,
            ECONOMY,
            "评估年度就业记录为务工、本地就业、公益性岗位或就业帮扶车间的成员, 所在户年末为已脱贫、仍在册的建档立卡户或监测户",
            Records(|d| e(d).map(|f| f.labour_in_work as f64)),
        ),
        ind(
            "labour_in_work_change",
            "务工规模比上年增减",
            "change of the labour force in work on the year before",
            People,
            ECONOMY,
            "本年务工规模 − 上年务工规模(两年均按本年末的脱贫户和监测户计)",
            Records(|d| {
                let x = d.economy.as_ref()?;
                let before = x.before.as_ref()?;
                Some(x.now.labour_in_work as f64 - before.labour_in_work as f64)
            }),
        ),
        ind(
            "labour_in_work_yoy",
            "务工规模同比增速",
            "labour force in work, year on year",
            Rate,
            ECONOMY,
            "(本年务工规模 − 上年务工规模) ÷ 上年务工规模",
            Records(|d| {
                let x = d.economy.as_ref()?;
                let before = x.before.as_ref()?.labour_in_work;
                (before > 0).then(|| x.now.labour_in_work as f64 / before as f64 - 1.0)
            }),
        ),
    ]);
    for place in jingzhun_core::economy::WorkPlace::ALL {
        let f: fn(&AreaData) -> Option<f64> = match place {
            jingzhun_core::economy::WorkPlace::WithinCounty => |d| labour_at(d, "within_county"),
            jingzhun_core::economy::WorkPlace::WithinProvince => {
                |d| labour_at(d, "within_province")
            }
            jingzhun_core::economy::WorkPlace::OutsideProvince => {
                |d| labour_at(d, "outside_province")
            }
        };
        v.push(ind(
            &format!("labour_in_work.{}", place.code()),
            &format!("务工规模: {}", place.label()),
            &format!("labour force in work: {}", place.code()),
            People,
            ECONOMY,
            &format!("务工规模中务工地点为「{}」的成员", place.label()),
            Records(f),
        ));
    }
    v.extend([
        ind(
            "industry_base_mu",
            "特色产业基地面积",
            "featured-industry bases",
            Mu,
            ECONOMY,
            "评估年度末已建成、位于区划内各村的特色产业基地面积之和",
            Records(|d| e(d).map(|f| f.industry_base_mu)),
        ),
        ind(
            "leading_enterprises",
            "市级及以上龙头企业",
            "leading enterprises at city level or above",
            Count,
            ECONOMY,
            "区划内登记、评估年度末已认定为市级及以上的农业产业化龙头企业",
            Records(|d| e(d).map(|f| f.leading_enterprises as f64)),
        ),
        ind(
            "products_on_832",
            "在 832 平台销售的扶贫产品",
            "poverty-alleviation products on the 832 platform",
            Count,
            ECONOMY,
            "区划内生产、评估年度末已认定、在 832 平台销售的扶贫产品",
            Records(|d| e(d).map(|f| f.products_on_832 as f64)),
        ),
        ind(
            "collective_income_villages_over_100k",
            "集体经济收入 10 万元及以上的村",
            "villages with collective income of 100,000 yuan or more",
            Villages,
            ECONOMY,
            "评估年度村集体经营性、资产和服务收入(不含补助)不少于 10 万元的村(含 100 万元及以上的村)",
            Records(|d| e(d).map(|f| f.collective_income_villages_over_100k as f64)),
        ),
        ind(
            "collective_income_villages_over_1m",
            "集体经济收入 100 万元及以上的村",
            "villages with collective income of 1,000,000 yuan or more",
            Villages,
            ECONOMY,
            "评估年度村集体经营性、资产和服务收入(不含补助)不少于 100 万元的村",
            Records(|d| e(d).map(|f| f.collective_income_villages_over_1m as f64)),
        ),
    ]);
    for band in jingzhun_core::economy::CollectiveBand::ALL {
        let f: fn(&AreaData) -> Option<f64> = match band {
            jingzhun_core::economy::CollectiveBand::None => |d| villages_in_band(d, "none"),
            jingzhun_core::economy::CollectiveBand::Under50k => {
                |d| villages_in_band(d, "under_50k")
            }
            jingzhun_core::economy::CollectiveBand::From50kTo100k => {
                |d| villages_in_band(d, "50k_100k")
            }
            jingzhun_core::economy::CollectiveBand::From100kTo1m => {
                |d| villages_in_band(d, "100k_1m")
            }
            jingzhun_core::economy::CollectiveBand::Over1m => |d| villages_in_band(d, "over_1m"),
        };
        v.push(ind(
            &format!("collective_villages.{}", band.code()),
            &format!("集体经济收入{}的村", band.label()),
            &format!("villages by collective income: {}", band.code()),
            Villages,
            ECONOMY,
            &format!(
                "有评估年度村集体账目、集体经济收入(不含补助)在「{}」区间的村",
                band.label()
            ),
            Records(f),
        ));
    }
}

fn labour_at(d: &AreaData, place: &str) -> Option<f64> {
    let f = &d.economy.as_ref()?.now;
    Some(f.labour_by_place.get(place).copied().unwrap_or(0) as f64)
}

fn villages_in_band(d: &AreaData, band: &str) -> Option<f64> {
    let f = &d.economy.as_ref()?.now;
    Some(
        f.collective_villages_by_band
            .get(band)
            .copied()
            .unwrap_or(0) as f64,
    )
}

/// The project library's indicators (issue 15), each from [`ProjectDetails`] (and, for the team coverage,
/// the villages' status in this evaluation).
fn project_indicators(v: &mut Vec<Indicator>) {
    use jingzhun_core::projects::FundSource;
    use Source::Records;
    use Unit::*;
    v.push(ind(
        "funds_execution_rate",
        "扶贫项目资金支出进度",
        "execution rate of project funds",
        Rate,
        PROJECTS,
        "评估日前已支出的项目资金 ÷ 评估年度及以前安排的项目资金(区划内项目)",
        Records(|d| d.projects.as_ref()?.total.execution_rate),
    ));
    for source in FundSource::ALL {
        let f: fn(&AreaData) -> Option<f64> = match source {
            FundSource::Central => |d| execution(d, FundSource::Central),
            FundSource::Provincial => |d| execution(d, FundSource::Provincial),
            FundSource::City => |d| execution(d, FundSource::City),
            FundSource::County => |d| execution(d, FundSource::County),
            FundSource::EastWest => |d| execution(d, FundSource::EastWest),
            FundSource::Designated => |d| execution(d, FundSource::Designated),
            FundSource::SocialDonation => |d| execution(d, FundSource::SocialDonation),
            FundSource::Enterprise => |d| execution(d, FundSource::Enterprise),
        };
        v.push(ind(
            &format!("funds_execution_rate.{}", source.code()),
            &format!("资金支出进度: {}", source.label()),
            &format!("execution rate of project funds: {}", source.code()),
            Rate,
            PROJECTS,
            &format!("来源为「{}」的项目资金: 已支出 ÷ 已安排", source.label()),
            Records(f),
        ));
    }
    v.extend([
        ind(
            "funds_industry_share",
            "产业项目资金占比",
            "share of project funds to industry",
            Rate,
            PROJECTS,
            "安排给产业项目的资金 ÷ 安排的项目资金(评估年度及以前)",
            Records(|d| d.projects.as_ref()?.industry_share),
        ),
        ind(
            "funds_per_beneficiary",
            "户均带贫资金",
            "funds per beneficiary household",
            Yuan,
            PROJECTS,
            "安排的项目资金 ÷ 已审批项目的带贫户数之和",
            Records(|d| d.projects.as_ref()?.funds_per_beneficiary),
        ),
        ind(
            "work_teams",
            "驻村工作队",
            "village work teams",
            Count,
            PROJECTS,
            "评估日前派驻区划内各村的驻村工作队(累计)",
            Records(|d| Some(d.projects.as_ref()?.figures.work_teams as f64)),
        ),
        ind(
            "assisting_cadres",
            "帮扶干部",
            "assisting cadres",
            People,
            PROJECTS,
            "干部表中区划内的帮扶干部(驻村工作队员、第一书记、帮扶责任人等, 不含村干部)",
            Records(|d| Some(d.projects.as_ref()?.figures.assisting_cadres as f64)),
        ),
        ind(
            "cadres_per_household",
            "户均帮扶干部",
            "assisting cadres per registered household",
            Rate,
            PROJECTS,
            "帮扶干部 ÷ 累计建档立卡户",
            Records(|d| {
                let p = d.projects.as_ref()?;
                ratio(
                    p.figures.assisting_cadres,
                    d.rollup.ever_registered_households,
                )
            }),
        ),
        ind(
            "team_coverage.poor_villages",
            "驻村工作队覆盖率: 贫困村",
            "work team coverage of poor villages",
            Rate,
            PROJECTS,
            "评估年度内有驻村工作队在岗的贫困村 ÷ 贫困村(村退出标准未达到的村)",
            Records(|d| {
                let t = d.teams?;
                ratio(t.poor_with_team, t.poor)
            }),
        ),
        ind(
            "team_coverage.monitored_villages",
            "驻村工作队覆盖率: 有监测户的村",
            "work team coverage of villages with monitored households",
            Rate,
            PROJECTS,
            "评估年度内有驻村工作队在岗、且评估日有监测户的村 ÷ 有监测户的村",
            Records(|d| {
                let t = d.teams?;
                ratio(t.monitored_with_team, t.monitored)
            }),
        ),
    ]);
}

fn execution(d: &AreaData, source: jingzhun_core::projects::FundSource) -> Option<f64> {
    d.projects
        .as_ref()?
        .by_source
        .get(source.code())?
        .execution_rate
}

/// Per-capita incomes of one area's households: `(per-capita yuan, people, group bits)`.
#[derive(Debug, Clone, Default)]
struct Incomes(Vec<(f64, u8, u8)>);

/// What the values of one area are computed from.
#[derive(Debug, Clone, Default)]
pub struct AreaData {
    pub rollup: Rollup,
    /// Villages within the area failing the village exit test (`Some(0|1)` for a village itself).
    pub poor_villages: Option<i64>,
    /// People lifted out since 2014, when the history of earlier years is known.
    pub lifted_cumulative: Option<i64>,
    /// Mean and median per-capita income by [`IncomeGroup`], in yuan.
    pub income_mean: [Option<f64>; 3],
    pub income_median: [Option<f64>; 3],
    /// Monitoring proposals by risk type ([`RiskType::index`]).
    pub candidates_by_risk: Vec<i64>,
    /// Monitored households by the risk types of their decision, when the decisions were given.
    pub monitored_by_risk: Option<Vec<i64>>,
    /// Identification cases decided in the year, when the cases were given.
    pub leads: Option<LeadTimes>,
    /// Households and people returned to poverty in the year, when the decisions were given.
    pub returned: Option<(i64, i64)>,
    /// The year's cases, when the cases were given.
    pub cases: Option<CaseFigures>,
    /// Running assistance measures, when the measures were given.
    pub measures: Option<MeasureFigures>,
    /// The economy's figures of the year (and the year before), when the economy records were given.
    pub economy: Option<EconomyYears>,
    /// The project library's figures, when its records were given.
    pub projects: Option<ProjectDetails>,
    /// Villages with a work team among the poor villages and those with monitored households, when the
    /// project records were given.
    pub teams: Option<TeamCoverage>,
    /// Monitored households and those visited in time, when the visits were given.
    pub visits: Option<VisitFigures>,
}

/// An area's economy figures of the evaluated year and the year before.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EconomyYears {
    pub now: EconomyFigures,
    pub before: Option<EconomyFigures>,
}

/// Poor villages and villages with monitored households, and those of them with a work team in the year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TeamCoverage {
    pub poor: i64,
    pub poor_with_team: i64,
    pub monitored: i64,
    pub monitored_with_team: i64,
}

/// Monitored households of one area on the evaluation date, and those of them visited within
/// [`VISIT_WINDOW_DAYS`] before it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VisitFigures {
    pub monitored: i64,
    pub visited: i64,
}

/// Households visited within [`VISIT_WINDOW_DAYS`] up to the evaluation date.
pub type RecentVisits = HashSet<HouseholdId>;

/// What the case indicators of one area count: cases of the evaluated year up to the evaluation date.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFigures {
    /// Identification leads recorded in the year, by [`Channel::index`].
    pub leads_by_channel: [i64; Channel::ALL.len()],
    /// Identifications decided in the year, by [`MonitoringKind::index`].
    pub identified_by_kind: [i64; MonitoringKind::ALL.len()],
    /// Days from lead to decision of each identification decided in the year.
    pub days: Vec<i64>,
    /// Identification leads rejected in the year.
    pub rejected: i64,
    /// Elimination cases decided in the year.
    pub eliminations: i64,
    /// Cases open on the evaluation date, and those of them past the time limit.
    pub open: i64,
    pub overdue: i64,
}

impl CaseFigures {
    /// The cases of `year` up to `as_of` (and those open on `as_of`) among `cases`, whatever their area;
    /// `days_limit` is the policy's time limit (days from lead to decision).
    pub fn of(cases: &[LeadCase], year: u16, as_of: NaiveDate, days_limit: Option<i64>) -> Self {
        let mut f = Self::default();
        for case in cases.iter().filter(|c| c.opened <= as_of) {
            f.add(case, year, as_of, days_limit);
        }
        f
    }

    /// Counts one case opened on or before `as_of`; returns the days from lead to decision of an
    /// identification decided in `year`.
    fn add(
        &mut self,
        case: &LeadCase,
        year: u16,
        as_of: NaiveDate,
        days_limit: Option<i64>,
    ) -> Option<i64> {
        let in_year = |d: NaiveDate| i32::from(year) == chrono::Datelike::year(&d) && d <= as_of;
        let decided = case.decided.filter(|d| in_year(*d));
        let closed = case.decided.or(case.rejected).is_some_and(|d| d <= as_of);
        if !closed {
            self.open += 1;
            let overdue =
                days_limit.is_some_and(|l| case.opened + chrono::Duration::days(l) < as_of);
            self.overdue += i64::from(overdue);
        }
        if case.kind != CaseKind::Identification {
            self.eliminations += i64::from(decided.is_some());
            return None;
        }
        if in_year(case.opened) {
            self.leads_by_channel[usize::from(case.channel.index())] += 1;
        }
        self.rejected += i64::from(case.rejected.is_some_and(in_year));
        let decided_on = decided?;
        if let Some(k) = case.monitoring_kind {
            self.identified_by_kind[usize::from(k.index())] += 1;
        }
        let days = (decided_on - case.opened).num_days();
        self.days.push(days);
        Some(days)
    }

    /// The figures by stable code, for summaries: `leads.{channel}`, `identified.{kind}`,
    /// `lead_to_decision_median_days`, `leads_rejected`, `elimination_cases_decided`, `cases_open`,
    /// `cases_overdue` (the codes of the matching indicators).
    pub fn by_code(&self) -> BTreeMap<String, f64> {
        let mut out = BTreeMap::new();
        for c in Channel::ALL {
            let n = self.leads_by_channel[usize::from(c.index())];
            out.insert(format!("leads.{}", c.code()), n as f64);
        }
        for k in MonitoringKind::ALL {
            let n = self.identified_by_kind[usize::from(k.index())];
            out.insert(format!("identified.{}", k.code()), n as f64);
        }
        if let Some(m) = self.median_days() {
            out.insert("lead_to_decision_median_days".to_owned(), m);
        }
        out.insert("leads_rejected".to_owned(), self.rejected as f64);
        out.insert(
            "elimination_cases_decided".to_owned(),
            self.eliminations as f64,
        );
        out.insert("cases_open".to_owned(), self.open as f64);
        out.insert("cases_overdue".to_owned(), self.overdue as f64);
        out
    }

    /// The median of [`CaseFigures::days`] (mean of the middle two for an even count).
    pub fn median_days(&self) -> Option<f64> {
        let mut d = self.days.clone();
        d.sort_unstable();
        let n = d.len();
        match n {
            0 => None,
            _ if n % 2 == 1 => Some(d[n / 2] as f64),
            _ => Some((d[n / 2 - 1] + d[n / 2]) as f64 / 2.0),
        }
    }
}

/// Running assistance measures of one area's households on the evaluation date.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MeasureFigures {
    /// Households with at least one running measure.
    pub households: i64,
    /// Households with a running measure of each kind, by [`AssistanceType::index`].
    pub by_kind: [i64; AssistanceType::ALL.len()],
    /// Monitored households, and those of them with a running measure.
    pub monitored: i64,
    pub monitored_with_measure: i64,
}

/// Running measure kinds of each household on the evaluation date: bits over [`AssistanceType::index`]
/// (households without a running measure are absent).
pub type RunningMeasures = HashMap<HouseholdId, u16>;

/// Folds `(household, kind)` pairs (as the store lists them) into [`RunningMeasures`].
pub fn running_measures(
    pairs: impl IntoIterator<Item = (HouseholdId, AssistanceType)>,
) -> RunningMeasures {
    let mut out = RunningMeasures::new();
    for (h, kind) in pairs {
        *out.entry(h).or_default() |= 1 << kind.index();
    }
    out
}

impl AreaData {
    /// The value of `indicator` for this area (`None`: unavailable or no denominator).
    pub fn value(&self, indicator: &Indicator) -> Option<f64> {
        let r = &self.rollup;
        match indicator.source {
            Source::Counts(f) => f(self),
            Source::Guarantee(g) => ratio(
                r.households - r.guarantee_failures[usize::from(g.index())],
                r.households,
            ),
            Source::MonitoredKind(k) => n(r.monitored_households[usize::from(k.index())]),
            Source::CandidateRisk(k) => self
                .candidates_by_risk
                .get(usize::from(k.index()))
                .map(|x| *x as f64),
            Source::DecidedRisk(k) => self
                .monitored_by_risk
                .as_ref()
                .and_then(|v| v.get(usize::from(k.index())))
                .map(|x| *x as f64),
            Source::IncomeMean(g) => self.income_mean[g.index()],
            Source::IncomeMedian(g) => self.income_median[g.index()],
            Source::LeadChannel(c) => self
                .cases
                .as_ref()
                .map(|f| f.leads_by_channel[usize::from(c.index())] as f64),
            Source::IdentifiedKind(k) => self
                .cases
                .as_ref()
                .map(|f| f.identified_by_kind[usize::from(k.index())] as f64),
            Source::MeasureKind(k) => self
                .measures
                .map(|m| m.by_kind[usize::from(k.index())] as f64),
            Source::Records(f) => f(self),
            Source::Unavailable(_) => None,
        }
    }
}

/// Identification cases of an area decided in the evaluated year: how many, their total days from lead
/// to decision, and how many within the time limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LeadTimes {
    pub decided: i64,
    pub days: i64,
    pub within_limit: i64,
}

/// A case of the monitoring workflow (from the store's case tables or the web application's audit log),
/// reduced to what the case indicators need. Dates are China dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeadCase {
    pub village: AreaCode,
    pub kind: CaseKind,
    pub channel: Channel,
    /// The proposed kind of monitored household (identification cases).
    pub monitoring_kind: Option<MonitoringKind>,
    pub opened: NaiveDate,
    /// The day the county approved it; `None` while open or if rejected.
    pub decided: Option<NaiveDate>,
    /// The day it was rejected; `None` while open or if decided.
    pub rejected: Option<NaiveDate>,
}

/// What [`compute`] may use besides the evaluation.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extras<'a> {
    /// Earlier years, for cumulative figures.
    pub history: Option<&'a ExitHistory>,
    /// Risk types of the monitoring decisions in force (see [`decided_risks`]).
    pub decided: Option<&'a DecidedRisks>,
    /// Identification cases, for the timing indicators.
    pub leads: Option<&'a [LeadCase]>,
    /// Households whose return to poverty took effect in the year (see [`returned_in_year`]).
    pub returned: Option<&'a HashSet<HouseholdId>>,
    /// Assistance measures running on the evaluation date (see [`running_measures`]).
    pub measures: Option<&'a RunningMeasures>,
    /// The economy records of the year and the year before (see [`crate::economy`]); the labour force is
    /// this evaluation's.
    pub economy: Option<&'a EconomyData>,
    /// The project library's records and the cadre table (see [`crate::projects`]).
    pub projects: Option<&'a ProjectInputs>,
    /// Households visited within [`VISIT_WINDOW_DAYS`] up to the evaluation date.
    pub visited: Option<&'a RecentVisits>,
    /// The day the workflow's cases are counted on, when it is not the evaluation date: the running year
    /// is evaluated as of its last day, but its open and overdue cases are those of today (the caller
    /// reads the measures and visits on the same day).
    pub cases_on: Option<NaiveDate>,
}

/// Whether a return to poverty (返贫) took effect in `year`, on or before `as_of`.
pub fn returned_in_year(events: &[StatusEvent], year: u16, as_of: NaiveDate) -> bool {
    events.iter().any(|e| {
        e.kind == StatusEventKind::Returned
            && e.effective <= as_of
            && chrono::Datelike::year(&e.effective) == i32::from(year)
    })
}

/// People exited in each year, per area, from the evaluations of earlier years (for cumulative figures).
#[derive(Debug, Clone, Default)]
pub struct ExitHistory {
    years: BTreeMap<u16, HashMap<AreaCode, i64>>,
}

impl ExitHistory {
    /// Records `exited_in_year_people` of every area of `eval` (an evaluation at a year's end).
    pub fn add(&mut self, eval: &Evaluation) {
        let map = eval
            .rollups()
            .filter(|(_, r)| r.exited_in_year_people != 0)
            .map(|(c, r)| (c, r.exited_in_year_people))
            .collect();
        self.years.insert(eval.year, map);
    }

    /// People exited in years `FIRST_EXIT_YEAR..year` (the year itself excluded) in `area`, if every
    /// one of those years was added.
    pub fn before(&self, area: &AreaCode, year: u16) -> Option<i64> {
        let mut total = 0;
        for y in FIRST_EXIT_YEAR..year {
            total += self.years.get(&y)?.get(area).copied().unwrap_or(0);
        }
        Some(total)
    }
}

/// One row of an [`IndicatorTable`].
#[derive(Debug, Clone, Serialize)]
pub struct AreaRow {
    pub code: AreaCode,
    pub name: String,
    pub level: AreaLevel,
    /// Values in [`catalogue`] order.
    pub values: Vec<Option<f64>>,
}

/// Every indicator for a list of areas, with where the figures come from.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorTable {
    pub year: u16,
    pub as_of: NaiveDate,
    pub pack_version: String,
    pub pack_hash: String,
    pub rows: Vec<AreaRow>,
}

impl IndicatorTable {
    /// The value of indicator `code` for `area`.
    pub fn get(&self, area: &AreaCode, code: &str) -> Option<f64> {
        let i = catalogue().iter().position(|x| x.code == code)?;
        self.rows.iter().find(|r| r.code == *area)?.values[i]
    }
}

/// The areas of `level` within `area` that hold households in `eval` (the area itself if it is of that
/// level), in code order.
pub fn drill_down(
    engine: &Engine,
    eval: &Evaluation,
    area: &AreaCode,
    level: AreaLevel,
) -> Vec<AreaCode> {
    let mut v: Vec<AreaCode> = engine
        .areas()
        .codes()
        .iter()
        .filter(|c| c.level() == level && area.contains(c))
        .filter(|c| eval.rollup(c).is_some_and(|r| r.households > 0))
        .copied()
        .collect();
    v.sort();
    v
}

/// The risk types of each monitored household's decision in force (bits over [`RiskType::index`]), read
/// from its status events: the latest 纳入监测 event on or before `as_of`. The engine keeps only the
/// monitoring kind, so callers that stream households collect these alongside.
pub type DecidedRisks = HashMap<HouseholdId, u16>;

/// The risk bits of the monitoring decision in force on `as_of`, if the household is monitored then.
pub fn decided_risks(events: &[StatusEvent], as_of: NaiveDate) -> Option<u16> {
    HouseholdStatus::on(events, as_of).monitoring?;
    let event = events
        .iter()
        .rev()
        .find(|e| e.kind == StatusEventKind::Monitored && e.effective <= as_of)?;
    Some(
        event
            .risk_types
            .iter()
            .fold(0u16, |bits, r| bits | 1 << r.index()),
    )
}

/// Computes every indicator of [`catalogue`] for `areas` (any levels) from one evaluation of `engine`.
/// `areas` pairs each code with its display name; indicators whose data is not in `extras` have no value.
pub fn compute(
    engine: &Engine,
    eval: &Evaluation,
    areas: &[(AreaCode, String)],
    extras: Extras<'_>,
) -> IndicatorTable {
    let Extras {
        history,
        decided,
        leads,
        returned,
        measures,
        economy,
        projects,
        visited,
        cases_on,
    } = extras;
    let cases_on = cases_on.unwrap_or(eval.as_of);
    let mut measure_figures = vec![MeasureFigures::default(); areas.len()];
    let mut visit_figures = vec![VisitFigures::default(); areas.len()];
    let mut returns = vec![(0i64, 0i64); areas.len()];
    let index: HashMap<AreaCode, usize> = areas
        .iter()
        .enumerate()
        .map(|(i, (c, _))| (c.to_owned(), i))
        .collect();
    // For each village seen, the requested areas containing it.
    let mut targets: HashMap<AreaCode, Vec<usize>> = HashMap::new();
    let mut targets_of = |village: AreaCode| -> Vec<usize> {
        targets
            .entry(village)
            .or_insert_with(|| {
                village
                    .ancestors_and_self()
                    .filter_map(|c| index.get(&c).copied())
                    .collect()
            })
            .clone()
    };
    let mut incomes = vec![Incomes::default(); areas.len()];
    let mut risks = vec![vec![0i64; RiskType::ALL.len()]; areas.len()];
    let mut monitored_risks = vec![vec![0i64; RiskType::ALL.len()]; areas.len()];
    // The households come village by village: the targets are looked up when the village changes.
    let mut last: Option<AreaCode> = None;
    let mut hits: Vec<usize> = Vec::new();
    for o in engine.outcomes(eval) {
        if last != Some(o.village) {
            hits = targets_of(o.village);
            last = Some(o.village);
        }
        if hits.is_empty() {
            continue;
        }
        let a = &o.assessment;
        let income = a
            .has(flag::INCOME_KNOWN)
            .then(|| a.per_capita_fen as f64 / 100.0);
        let groups =
            1u8 | if o.facts.ever_registered || o.registry == RegistryState::Poor {
                2
            } else {
                0
            } | if o.monitoring.is_some() { 4 } else { 0 };
        let candidate = a.proposes(ProposalKind::MonitoringCandidate);
        let has_returned = returned.is_some_and(|r| r.contains(&o.id));
        let decided_bits = match (o.monitoring, decided) {
            (Some(_), Some(d)) => d.get(&o.id).copied().unwrap_or(0),
            _ => 0,
        };
        let measure_bits = measures.and_then(|m| m.get(&o.id)).copied().unwrap_or(0);
        for &t in &hits {
            let m = &mut measure_figures[t];
            m.households += i64::from(measure_bits != 0);
            for k in AssistanceType::ALL {
                m.by_kind[usize::from(k.index())] +=
                    i64::from(measure_bits & (1 << k.index()) != 0);
            }
            if o.monitoring.is_some() {
                m.monitored += 1;
                m.monitored_with_measure += i64::from(measure_bits != 0);
                let v = &mut visit_figures[t];
                v.monitored += 1;
                v.visited += i64::from(visited.is_some_and(|s| s.contains(&o.id)));
            }
            if let Some(y) = income {
                if o.size > 0 {
                    incomes[t].0.push((y, o.size, groups));
                }
            }
            if has_returned {
                returns[t].0 += 1;
                returns[t].1 += i64::from(o.size);
            }
            if decided_bits != 0 {
                for r in RiskType::ALL {
                    if decided_bits & (1 << r.index()) != 0 {
                        monitored_risks[t][usize::from(r.index())] += 1;
                    }
                }
            }
            if candidate && a.risks != 0 {
                for r in RiskType::ALL {
                    if a.risks & (1 << r.index()) != 0 {
                        risks[t][usize::from(r.index())] += 1;
                    }
                }
            }
        }
    }
    // Poor villages: the village exit test of each village with people; with the project records, which
    // of them (and of the villages with monitored households) had a work team in the year.
    let team_villages =
        projects.map(|p| crate::projects::team_villages(&p.records.teams, eval.as_of));
    let mut poor_villages = vec![0i64; areas.len()];
    let mut teams = vec![TeamCoverage::default(); areas.len()];
    for code in engine.areas().codes() {
        if code.level() != AreaLevel::Village {
            continue;
        }
        let hits = targets_of(*code);
        let Some(rollup) = eval.rollup(code).filter(|r| r.people > 0) else {
            continue;
        };
        if hits.is_empty() {
            continue;
        }
        let poor = engine
            .village_exit(eval, code)
            .is_some_and(|e| e.meets == Some(false));
        let monitored = rollup.monitored_households.iter().sum::<i64>() > 0;
        let team = team_villages.as_ref().is_some_and(|t| t.contains(code));
        for t in hits {
            poor_villages[t] += i64::from(poor);
            let c = &mut teams[t];
            c.poor += i64::from(poor);
            c.poor_with_team += i64::from(poor && team);
            c.monitored += i64::from(monitored);
            c.monitored_with_team += i64::from(monitored && team);
        }
    }
    // The economy's and the project library's figures of each area, computed there.
    let codes: Vec<AreaCode> = areas.iter().map(|(c, _)| *c).collect();
    let mut economy_years: Vec<Option<EconomyYears>> = match economy {
        Some(data) => {
            let force = crate::economy::labour_force_of(engine, eval, data);
            let years: Vec<u16> = [Some(eval.year), eval.year.checked_sub(1)]
                .into_iter()
                .flatten()
                .collect();
            crate::economy::by_area_years(&codes, &years, data, &force)
                .into_iter()
                .map(|(_, mut f)| {
                    let before = (f.len() > 1).then(|| f.remove(1));
                    // The year before only when the records hold it.
                    let before = before.filter(|_| {
                        eval.year
                            .checked_sub(1)
                            .is_some_and(|y| data.has_employment(y))
                    });
                    Some(EconomyYears {
                        now: f.swap_remove(0),
                        before,
                    })
                })
                .collect()
        }
        None => vec![None; areas.len()],
    };
    let mut project_details: Vec<Option<ProjectDetails>> = match projects {
        Some(p) => crate::projects::details_by_area(&codes, p, eval.as_of)
            .into_iter()
            .map(|(_, d)| Some(d))
            .collect(),
        None => vec![None; areas.len()],
    };
    // Cases of the year, up to the evaluation date, and those open on it.
    let mut lead_times = vec![LeadTimes::default(); areas.len()];
    let mut case_figures = vec![CaseFigures::default(); areas.len()];
    for case in leads.unwrap_or_default() {
        if case.opened > cases_on {
            continue;
        }
        let limit = case
            .village
            .ancestors_and_self()
            .find_map(|c| eval.params_for(&c))
            .map(|p| i64::from(p.params.identification_days_limit));
        for t in targets_of(case.village) {
            let days = case_figures[t].add(case, eval.year, cases_on, limit);
            if let Some(days) = days {
                let l = &mut lead_times[t];
                l.decided += 1;
                l.days += days;
                l.within_limit += i64::from(limit.is_some_and(|limit| days <= limit));
            }
        }
    }
    let mut row = 0usize;
    let rows = areas
        .iter()
        .zip(
            lead_times
                .into_iter()
                .zip(case_figures)
                .zip(measure_figures),
        )
        .zip(returns)
        .zip(incomes)
        .zip(risks)
        .zip(monitored_risks)
        .zip(poor_villages)
        .zip(visit_figures)
        .map(
            |(
                (
                    (
                        (
                            (
                                (
                                    ((code, name), ((lead_times, case_figures), measure_figures)),
                                    returns,
                                ),
                                inc,
                            ),
                            risks,
                        ),
                        monitored_risks,
                    ),
                    poor_villages,
                ),
                visit_figures,
            )| {
                let rollup = eval.rollup(code).copied().unwrap_or_default();
                let i = row;
                row += 1;
                let mut data = AreaData {
                    economy: economy_years.get_mut(i).and_then(Option::take),
                    projects: project_details.get_mut(i).and_then(Option::take),
                    teams: projects.map(|_| teams[i]),
                    rollup,
                    poor_villages: Some(poor_villages),
                    lifted_cumulative: history
                        .and_then(|h| h.before(code, eval.year))
                        .map(|x| x + rollup.exited_in_year_people),
                    candidates_by_risk: risks,
                    monitored_by_risk: decided.map(|_| monitored_risks),
                    leads: leads.map(|_| lead_times),
                    cases: leads.map(|_| case_figures),
                    measures: measures.map(|_| measure_figures),
                    visits: visited.map(|_| visit_figures),
                    returned: returned.map(|_| returns),
                    ..AreaData::default()
                };
                for g in IncomeGroup::ALL {
                    let bit = 1u8 << g.index();
                    let obs: Vec<Observation> = inc
                        .0
                        .iter()
                        .filter(|(_, _, b)| b & bit != 0)
                        .map(|(y, s, _)| Observation::new(*y, f64::from(*s)))
                        .collect();
                    if !obs.is_empty() {
                        data.income_mean[g.index()] = Some(measures::mean(&obs));
                        data.income_median[g.index()] = Some(measures::median(&obs));
                    }
                }
                AreaRow {
                    code: *code,
                    name: name.clone(),
                    level: code.level(),
                    values: catalogue().iter().map(|i| data.value(i)).collect(),
                }
            },
        )
        .collect();
    IndicatorTable {
        year: eval.year,
        as_of: eval.as_of,
        pack_version: eval.pack_version.clone(),
        pack_hash: eval.pack_hash.clone(),
        rows,
    }
}

/// A value as users read it: counts as integers, rates as percentages, yuan with no decimals.
pub fn format_value(unit: Unit, value: Option<f64>) -> String {
    match value {
        None => "-".to_owned(),
        Some(v) => match unit {
            Unit::Rate => format!("{:.2}%", v * 100.0),
            Unit::Days => format!("{v:.1}"),
            _ => thousands(v.round() as i64),
        },
    }
}

/// An integer with thousands separators: `494,300`.
pub fn thousands(x: i64) -> String {
    let s = x.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0 {
        format!("-{out}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_unavailable_ones_say_why() {
        let mut codes: Vec<&str> = catalogue().iter().map(|i| i.code.as_str()).collect();
        let n = codes.len();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), n, "duplicate indicator code");
        for i in catalogue() {
            assert_eq!(
                i.unavailable.is_some(),
                matches!(i.source, Source::Unavailable(_))
            );
        }
        // Every kind of measure, channel and monitoring kind has its indicator.
        for kind in AssistanceType::ALL {
            assert!(indicator(&format!("assistance_measures.{}", kind.code())).is_some());
        }
        for channel in Channel::ALL {
            assert!(indicator(&format!("leads.{}", channel.code())).is_some());
        }
        assert!(indicator("assistance_coverage").is_some_and(|i| i.unavailable.is_none()));
    }

    #[test]
    fn values_come_from_the_counts() {
        let mut r = Rollup {
            households: 10,
            people: 40,
            poor_people: 4,
            ..Rollup::default()
        };
        r.guarantee_failures[usize::from(Guarantee::Housing.index())] = 2;
        let d = AreaData {
            rollup: r,
            ..AreaData::default()
        };
        let value = |code: &str| indicator(code).and_then(|i| d.value(i));
        assert_eq!(value("incidence"), Some(0.1));
        assert_eq!(value("guarantee_coverage.housing"), Some(0.8));
        assert_eq!(value("lead_to_decision_days"), None, "no cases given");
        assert_eq!(value("dibao_registered_share"), None, "no denominator");
        assert_eq!(value("assistance_coverage"), None, "no measures given");
        let mut by_kind = [0; AssistanceType::ALL.len()];
        by_kind[usize::from(AssistanceType::Medical.index())] = 3;
        let d = AreaData {
            measures: Some(MeasureFigures {
                households: 5,
                by_kind,
                monitored: 4,
                monitored_with_measure: 3,
            }),
            ..d
        };
        let value = |code: &str| indicator(code).and_then(|i| d.value(i));
        assert_eq!(value("assistance_coverage"), Some(0.75));
        assert_eq!(value("assistance_measures"), Some(5.0));
        assert_eq!(value("assistance_measures.medical"), Some(3.0));
        assert_eq!(value("assistance_measures.housing"), Some(0.0));
        assert_eq!(
            running_measures([
                (HouseholdId(1), AssistanceType::Medical),
                (HouseholdId(1), AssistanceType::Housing),
            ])
            .get(&HouseholdId(1)),
            Some(
                &((1 << AssistanceType::Medical.index()) | (1 << AssistanceType::Housing.index()))
            )
        );
    }

    #[test]
    fn decided_risks_are_those_of_the_monitoring_decision_in_force() {
        let day = |m: u32| NaiveDate::from_ymd_opt(2022, m, 1).unwrap();
        let mut monitored = StatusEvent::new(StatusEventKind::Monitored, day(3));
        monitored.monitoring_kind = Some(MonitoringKind::Marginal);
        monitored.risk_types = vec![RiskType::Illness, RiskType::Schooling];
        let events = vec![
            monitored,
            StatusEvent::new(StatusEventKind::RiskEliminated, day(9)),
        ];
        let bits = (1 << RiskType::Illness.index()) | (1 << RiskType::Schooling.index());
        assert_eq!(decided_risks(&events, day(6)), Some(bits));
        assert_eq!(decided_risks(&events, day(1)), None, "not yet monitored");
        assert_eq!(decided_risks(&events, day(10)), None, "risk eliminated");
    }

    #[test]
    fn lead_times_count_cases_decided_in_the_year_against_the_limit() {
        use jingzhun_core::{Area, AreaTree, Settlement};
        let codes = ["51", "5119", "511902", "511902001", "511902001001"];
        let tree = AreaTree::new(codes.iter().map(|c| Area {
            code: AreaCode::parse(c).unwrap(),
            name: format!("区划{c}"),
            settlement: (c.len() == 12).then_some(Settlement::Rural),
        }))
        .unwrap();
        let day = |m: u32, d: u32| NaiveDate::from_ymd_opt(2023, m, d).unwrap();
        let engine = Engine::new(&tree, 2023, day(12, 31));
        let eval = engine
            .evaluate(&jingzhun_policy::PolicyPack::builtin())
            .unwrap();
        let village = AreaCode::parse("511902001001").unwrap();
        let case = |opened, decided| LeadCase {
            village,
            kind: CaseKind::Identification,
            channel: Channel::CadreCheck,
            monitoring_kind: Some(MonitoringKind::Marginal),
            opened,
            decided,
            rejected: None,
        };
        let leads = [
            case(day(3, 1), Some(day(3, 11))), // 10 days: within 15
            LeadCase {
                channel: Channel::SelfApplication,
                monitoring_kind: Some(MonitoringKind::Unstable),
                ..case(day(4, 1), Some(day(4, 21))) // 20 days: late
            },
            case(day(5, 1), None), // open since May: overdue
            LeadCase {
                channel: Channel::DepartmentAlert,
                ..case(day(12, 20), None) // open within its limit
            },
            case(
                NaiveDate::from_ymd_opt(2022, 12, 20).unwrap(),
                Some(day(1, 2)),
            ), // 13 days; its lead was last year's
            LeadCase {
                rejected: Some(day(6, 10)),
                ..case(day(6, 1), None)
            },
            LeadCase {
                kind: CaseKind::Elimination,
                monitoring_kind: None,
                ..case(day(8, 1), Some(day(8, 15)))
            },
            LeadCase {
                kind: CaseKind::Elimination,
                monitoring_kind: None,
                ..case(day(12, 25), Some(day(12, 31)))
            },
        ];
        let city = AreaCode::parse("5119").unwrap();
        let table = compute(
            &engine,
            &eval,
            &[(city, "市".into()), (village, "村".into())],
            Extras {
                leads: Some(&leads),
                ..Extras::default()
            },
        );
        for area in [city, village] {
            assert_eq!(table.get(&area, "identification_cases_decided"), Some(3.0));
            assert_eq!(table.get(&area, "lead_to_decision_days"), Some(43.0 / 3.0));
            assert_eq!(table.get(&area, "decided_within_limit"), Some(2.0 / 3.0));
            assert_eq!(table.get(&area, "lead_to_decision_median_days"), Some(13.0));
            // Leads recorded this year: five identification leads (the rejected one included).
            assert_eq!(table.get(&area, "leads.cadre_check"), Some(3.0));
            assert_eq!(table.get(&area, "leads.self_application"), Some(1.0));
            assert_eq!(table.get(&area, "leads.department_alert"), Some(1.0));
            assert_eq!(table.get(&area, "identified.marginal"), Some(2.0));
            assert_eq!(table.get(&area, "identified.unstable"), Some(1.0));
            assert_eq!(table.get(&area, "identified.sudden_hardship"), Some(0.0));
            assert_eq!(table.get(&area, "leads_rejected"), Some(1.0));
            assert_eq!(table.get(&area, "elimination_cases_decided"), Some(2.0));
            assert_eq!(table.get(&area, "cases_open"), Some(2.0));
            assert_eq!(table.get(&area, "cases_overdue"), Some(1.0));
        }
        // On 28 December the elimination decided on the 31st is still open (and within its limit).
        let engine = Engine::new(&tree, 2023, day(12, 28));
        let eval = engine
            .evaluate(&jingzhun_policy::PolicyPack::builtin())
            .unwrap();
        let early = compute(
            &engine,
            &eval,
            &[(village, "村".into())],
            Extras {
                leads: Some(&leads),
                ..Extras::default()
            },
        );
        assert_eq!(early.get(&village, "cases_open"), Some(3.0));
        assert_eq!(early.get(&village, "elimination_cases_decided"), Some(1.0));
        let without = compute(&engine, &eval, &[(city, "市".into())], Extras::default());
        assert_eq!(without.get(&city, "lead_to_decision_days"), None);
    }

    /// The economy's and the project library's indicators are the figures their modules compute, for each
    /// area of any level asked for (computed from the records within each area), never in the Parquet.
    #[test]
    fn economy_and_project_indicators_are_their_modules_figures_at_every_level() {
        use crate::economy::{EconomyData, EconomyFigures};
        use crate::projects::{ProjectDetails, ProjectInputs};
        use jingzhun_core::economy::*;
        use jingzhun_core::projects::*;
        use jingzhun_core::{Area, AreaTree, Settlement, Yuan};
        let codes = [
            "51",
            "5119",
            "511902",
            "511902001",
            "511902001001",
            "511902001002",
            "511903",
            "511903001",
            "511903001001",
        ];
        let tree = AreaTree::new(codes.iter().map(|c| Area {
            code: AreaCode::parse(c).unwrap(),
            name: format!("区划{c}"),
            settlement: (c.len() == 12).then_some(Settlement::Rural),
        }))
        .unwrap();
        let day = NaiveDate::from_ymd_opt(2020, 12, 31).unwrap();
        let engine = Engine::new(&tree, 2020, day);
        let eval = engine
            .evaluate(&jingzhun_policy::PolicyPack::builtin())
            .unwrap();
        let v = |c: &str| AreaCode::parse(c).unwrap();
        let account = |village: &str, own: i64| CollectiveAccount {
            village: v(village),
            year: 2020,
            income: [Yuan::from_yuan(own), Yuan::ZERO, Yuan::ZERO, Yuan::ZERO],
            assets: Yuan::ZERO,
            projects: vec![],
        };
        let base = |id: i64, village: &str, mu: f64| IndustryBase {
            id: BaseId(id),
            name: "茶园".into(),
            kind: IndustryKind::Tea,
            area_mu: mu,
            village: v(village),
            operator: None,
            established: 2019,
        };
        let economy = EconomyData {
            accounts: vec![
                account("511902001001", 1_200_000),
                account("511902001002", 150_000),
                account("511903001001", 20_000),
            ],
            bases: vec![
                base(1, "511902001001", 1_000.0),
                base(2, "511902001002", 500.0),
                base(3, "511903001001", 250.0),
            ],
            ..EconomyData::default()
        };
        let project = |id: i64, village: &str, kind: ProjectKind| Project {
            id: ProjectId(id),
            name: "项目".into(),
            kind,
            area: v(village),
            year: 2020,
            planned_output: 1.0,
            beneficiary_households: 10,
            budget: Yuan::from_yuan(100),
            steps: vec![],
        };
        let mut records = ProjectRecords {
            projects: vec![
                project(1, "511902001001", ProjectKind::Industry),
                project(2, "511903001001", ProjectKind::Road),
            ],
            ..ProjectRecords::default()
        };
        for (p, yuan, spent) in [(1, 1_000, 400), (2, 3_000, 3_000)] {
            records.allocations.push(Allocation {
                project: ProjectId(p),
                source: FundSource::Central,
                year: 2020,
                amount: Yuan::from_yuan(yuan),
            });
            records.spending.push(Spending {
                project: ProjectId(p),
                source: FundSource::Central,
                on: NaiveDate::from_ymd_opt(2020, 6, 1).unwrap(),
                amount: Yuan::from_yuan(spent),
            });
        }
        let inputs = ProjectInputs {
            records,
            cadres: vec![],
        };
        let areas: Vec<(AreaCode, String)> = ["5119", "511902", "511902001001", "511903"]
            .iter()
            .map(|c| (v(c), c.to_string()))
            .collect();
        let table = compute(
            &engine,
            &eval,
            &areas,
            Extras {
                economy: Some(&economy),
                projects: Some(&inputs),
                ..Extras::default()
            },
        );
        let none = HashSet::new();
        for (area, _) in &areas {
            let e = EconomyFigures::compute(area, 2020, &economy, &none);
            let p = ProjectDetails::compute(&inputs.records, &inputs.cadres, area, day);
            assert_eq!(
                table.get(area, "industry_base_mu"),
                Some(e.industry_base_mu)
            );
            assert_eq!(
                table.get(area, "collective_income_villages_over_100k"),
                Some(e.collective_income_villages_over_100k as f64)
            );
            assert_eq!(
                table.get(area, "funds_execution_rate"),
                p.total.execution_rate
            );
            assert_eq!(
                table.get(area, "funds_execution_rate.central"),
                p.by_source.get("central").and_then(|l| l.execution_rate)
            );
            assert_eq!(table.get(area, "funds_industry_share"), p.industry_share);
        }
        let city = v("5119");
        assert_eq!(table.get(&city, "industry_base_mu"), Some(1_750.0));
        assert_eq!(table.get(&city, "collective_villages.over_1m"), Some(1.0));
        assert_eq!(table.get(&city, "collective_villages.100k_1m"), Some(1.0));
        assert_eq!(table.get(&city, "collective_villages.under_50k"), Some(1.0));
        assert_eq!(table.get(&city, "funds_execution_rate"), Some(0.85));
        assert_eq!(table.get(&city, "funds_industry_share"), Some(0.25));
        assert_eq!(table.get(&v("511902"), "funds_execution_rate"), Some(0.4));
        assert_eq!(
            table.get(&v("511902001001"), "industry_base_mu"),
            Some(1_000.0)
        );
        assert_eq!(
            table.get(&v("511903"), "collective_income_villages_over_100k"),
            Some(0.0)
        );
        assert_eq!(
            table.get(&city, "labour_in_work_yoy"),
            None,
            "no records of 2019"
        );
        for code in ["industry_base_mu", "funds_execution_rate", "labour_in_work"] {
            assert!(indicator(code).is_some_and(|i| !i.in_parquet), "{code}");
        }
        assert!(indicator("incidence").is_some_and(|i| i.in_parquet));
        // Without the records, no values.
        let without = compute(&engine, &eval, &areas, Extras::default());
        assert_eq!(without.get(&city, "industry_base_mu"), None);
        assert_eq!(without.get(&city, "funds_execution_rate"), None);
    }

    #[test]
    fn returns_count_in_the_year_they_take_effect() {
        let d = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        let events = vec![
            StatusEvent::new(StatusEventKind::Registered, d(2014, 3)),
            StatusEvent::new(StatusEventKind::Exited, d(2018, 12)),
            StatusEvent::new(StatusEventKind::Returned, d(2021, 6)),
        ];
        assert!(returned_in_year(&events, 2021, d(2021, 12)));
        assert!(!returned_in_year(&events, 2021, d(2021, 5)), "not yet");
        assert!(
            !returned_in_year(&events, 2022, d(2022, 12)),
            "an earlier year"
        );
    }

    #[test]
    fn history_adds_earlier_years_only_when_all_are_known() {
        let mut h = ExitHistory::default();
        let a = AreaCode::parse("5119").unwrap();
        h.years.insert(2014, HashMap::from([(a, 5)]));
        assert_eq!(h.before(&a, 2015), Some(5));
        assert_eq!(h.before(&a, 2016), None);
        assert_eq!(h.before(&a, 2014), Some(0));
    }
}
