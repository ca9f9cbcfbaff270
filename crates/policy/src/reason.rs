//! What an explanation says, as data ([`Reason`]), and its two renderers: Chinese ([`Reason::zh`], the
//! `text` every explanation carries) and English ([`Reason::en`], for the web application's English mode).
//!
//! The rules build a `Reason` once; both sentences are rendered from it, so the English sentence states the
//! same values, operator and parameter as the Chinese one and is never a translation of Chinese text. Both
//! renderers match every variant exhaustively: a new kind of reason does not compile until it has both.

use std::fmt::Write as _;

use chrono::NaiveDate;
use jingzhun_core::{
    HousingGrade, IncomeComponent, MonitoringKind, SafeHousingAlternative, SchoolingStatus, Yuan,
};
use serde::Serialize;

use crate::pack::{ParamKey, ParamValue, Rate};
use crate::rules::{Guarantee, Op};

/// What a compared value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    PerCapitaIncome,
    WaterLitres,
    WaterFetchMinutes,
    WaterOutageDays,
    InpatientOutOfPocket,
    OutpatientMonthlyOutOfPocket,
    EducationOutOfPocket,
    MonthsMonitored,
    Measures,
    Incidence,
    WrongExitRate,
    OmissionRate,
    Approval,
}

impl Subject {
    pub fn zh(self) -> &'static str {
        use Subject::*;
        match self {
            PerCapitaIncome => "人均纯收入",
            WaterLitres => "人均日供水量",
            WaterFetchMinutes => "取水往返时间",
            WaterOutageDays => "年停水天数",
            InpatientOutOfPocket => "住院自付费用",
            OutpatientMonthlyOutOfPocket => "月门诊自付费用",
            EducationOutOfPocket => "高中及职教自付费用",
            MonthsMonitored => "纳入监测月数",
            Measures => "帮扶措施",
            Incidence => "贫困发生率",
            WrongExitRate => "错退率",
            OmissionRate => "漏评率",
            Approval => "群众认可度",
        }
    }

    pub fn en(self) -> &'static str {
        use Subject::*;
        match self {
            PerCapitaIncome => "per-capita net income",
            WaterLitres => "water supply per person per day",
            WaterFetchMinutes => "round trip to fetch water",
            WaterOutageDays => "days without water per year",
            InpatientOutOfPocket => "out-of-pocket inpatient costs",
            OutpatientMonthlyOutOfPocket => "monthly out-of-pocket outpatient costs",
            EducationOutOfPocket => "out-of-pocket senior-secondary and vocational school costs",
            MonthsMonitored => "months under monitoring",
            Measures => "assistance measures",
            Incidence => "poverty incidence",
            WrongExitRate => "wrong-exit rate",
            OmissionRate => "omission rate",
            Approval => "public approval",
        }
    }
}

/// An addition to a comparison's sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "note", rename_all = "snake_case")]
pub enum Note {
    /// The supply is enough and fetch time, outages and quality are all up to standard.
    WaterOtherMet,
    /// Risk elimination: yearly income counts as `months` stable months; `required` are needed.
    StableMonths { months: u8, required: u8 },
    /// Monitored since this date.
    MonitoredSince { since: NaiveDate },
    /// A rate's numerator and denominator.
    Ratio { part: u64, whole: u64 },
}

/// What one explanation says. Numbers, dates and coded values only: no text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Reason {
    /// `subject value op parameter` (the parameter `key` in force in `year`).
    Compared {
        subject: Subject,
        value: ParamValue,
        op: Op,
        parameter: ParamValue,
        key: ParamKey,
        year: u16,
        note: Option<Note>,
    },
    /// How the per-capita net income was computed.
    PerCapita {
        year: u16,
        per_capita: Yuan,
        net: Yuan,
        size: u32,
        counted: Vec<IncomeComponent>,
        costs: Yuan,
    },
    NoMembers,
    NoIncome {
        year: u16,
    },
    FoodClothing {
        secured: bool,
    },
    /// Member `member` (1-based) of compulsory school age is not in school.
    ChildOutOfSchool {
        member: usize,
        age: u8,
        min_age: u8,
        max_age: u8,
        schooling: Option<SchoolingStatus>,
    },
    /// Member `member` (1-based) is excused (suspended for illness, taught at home).
    ChildExcused {
        member: usize,
        age: u8,
        schooling: Option<SchoolingStatus>,
    },
    /// A member of compulsory-school age out of school who finished junior middle school (文化程度).
    ChildCompleted {
        member: usize,
        age: u8,
    },
    NoSchoolAgeChildren {
        min_age: u8,
        max_age: u8,
    },
    ChildrenInSchool {
        count: usize,
    },
    Uninsured {
        member: usize,
    },
    AllInsured {
        count: usize,
    },
    Relocated,
    AlternativeHousing {
        alternative: SafeHousingAlternative,
    },
    HousingGraded {
        grade: HousingGrade,
        safe: bool,
    },
    HousingUngraded,
    NoWaterRecord,
    WaterQuality {
        tested: bool,
    },
    Disaster,
    Accident,
    JobLoss,
    /// The guarantees not met (registration-era proposals and monitoring).
    GuaranteesUnmet {
        failed: Vec<Guarantee>,
    },
    NotRegistered,
    AllGuaranteesMet,
    Exited {
        on: Option<NaiveDate>,
        same_year: bool,
    },
    Monitoring {
        kind: MonitoringKind,
    },
    EliminationNoIncome {
        year: u16,
    },
    /// Risk elimination: the guarantees not met.
    EliminationGuarantees {
        failed: Vec<Guarantee>,
    },
    /// No member can work; `exception_applies`: the local no-labour exception keeps monitoring.
    NoLabour {
        exception_applies: bool,
    },
    NewRisk,
    /// A rate whose denominator is 0.
    ZeroDenominator {
        subject: Subject,
    },
    ApprovalUnknown {
        required: Rate,
    },
    /// Nothing was recorded (a guarantee the rules did not reach; not expected).
    Unknown,
}

fn join<T>(items: &[T], label: impl Fn(&T) -> &'static str, sep: &str) -> String {
    items.iter().map(label).collect::<Vec<_>>().join(sep)
}

impl Reason {
    /// The Chinese sentence.
    pub fn zh(&self) -> String {
        use Reason::*;
        match self {
            Compared {
                subject,
                value,
                op,
                parameter,
                key,
                year,
                note,
            } => {
                let unit = match key.unit() {
                    "%" => "",
                    u => u,
                };
                let value_unit = match value {
                    ParamValue::Percent(_) => "",
                    _ => unit,
                };
                let mut text = format!(
                    "{} {value} {value_unit} {} {year} 年{} {parameter} {unit}",
                    subject.zh(),
                    op.symbol(),
                    key.label()
                )
                .replace("  ", " ")
                .trim()
                .to_owned();
                match note {
                    None => {}
                    Some(Note::WaterOtherMet) => text.push_str(", 取水时间、停水天数和水质均达标"),
                    Some(Note::StableMonths { months, required }) => {
                        let _ = write!(
                            text,
                            "(按年度收入记录视为稳定 {months} 个月, 要求 {required} 个月)"
                        );
                    }
                    Some(Note::MonitoredSince { since }) => text = format!("自 {since} 起, {text}"),
                    Some(Note::Ratio { part, whole }) => {
                        let _ = write!(text, "({part} ÷ {whole})");
                    }
                }
                text
            }
            PerCapita {
                year,
                per_capita,
                net,
                size,
                counted,
                costs,
            } => format!(
                "{year} 年人均纯收入 {per_capita} 元 = 家庭纯收入 {net} 元 ÷ {size} 人(计入: {}; 扣除生产经营性支出 {costs} 元)",
                if counted.is_empty() {
                    "无".to_owned()
                } else {
                    join(counted, |c| c.label(), "、")
                }
            ),
            NoMembers => "户内没有成员, 无法计算人均纯收入".to_owned(),
            NoIncome { year } => format!("没有 {year} 年的收入记录, 无法计算人均纯收入"),
            FoodClothing { secured: true } => "吃穿有保障".to_owned(),
            FoodClothing { secured: false } => "户记录为吃穿未保障".to_owned(),
            ChildOutOfSchool {
                member,
                age,
                min_age,
                max_age,
                schooling,
            } => format!(
                "第 {member} 名成员入学年龄 {age} 岁, 在义务教育年龄 {min_age}–{max_age} 岁内, 在校生状况为「{}」",
                schooling.map(|s| s.label()).unwrap_or("未记录")
            ),
            ChildExcused {
                member,
                age,
                schooling,
            } => format!(
                "第 {member} 名成员入学年龄 {age} 岁「{}」, 按政策不算失学辍学; 其余义务教育阶段成员均在校",
                schooling.map(|s| s.label()).unwrap_or("")
            ),
            ChildCompleted { member, age } => format!(
                "第 {member} 名成员 {age} 岁, 文化程度初中及以上, 已完成义务教育, 不算失学辍学; 其余义务教育阶段成员均在校"
            ),
            NoSchoolAgeChildren { min_age, max_age } => {
                format!("户内没有 {min_age}–{max_age} 岁义务教育阶段成员")
            }
            ChildrenInSchool { count } => format!("{count} 名义务教育阶段成员均在校"),
            Uninsured { member } => format!("第 {member} 名成员未参加基本医疗保险"),
            AllInsured { count } => format!("{count} 名成员均参加基本医疗保险"),
            Relocated => "易地扶贫搬迁安置, 视为住房安全".to_owned(),
            AlternativeHousing { alternative } => {
                format!("居住在{}, 视为住房安全", alternative.label())
            }
            HousingGraded { grade, safe: true } => format!("住房鉴定为 {}, 安全", grade.label()),
            HousingGraded { grade, safe: false } => {
                format!("住房鉴定为 {}(危房), 且无其他安全住房", grade.label())
            }
            HousingUngraded => "住房未鉴定(未记录危房等级), 且无其他安全住房".to_owned(),
            NoWaterRecord => "未记录人均日供水量".to_owned(),
            WaterQuality { tested: true } => "水质不达标".to_owned(),
            WaterQuality { tested: false } => "水质未检测(未记录)".to_owned(),
            Disaster => "应急部门报告灾害损失".to_owned(),
            Accident => "公安部门报告主要劳动力意外事故".to_owned(),
            JobLoss => "人社部门报告失业或务工中断".to_owned(),
            GuaranteesUnmet { failed } => format!("未达到: {}", join(failed, |g| g.label(), "、")),
            NotRegistered => "未建档立卡".to_owned(),
            AllGuaranteesMet => "两不愁三保障及饮水安全均已保障".to_owned(),
            Exited { on, same_year } => format!(
                "已于 {} 脱贫{}",
                on.map(|d| d.to_string()).unwrap_or_default(),
                if *same_year {
                    ", 当年即不达标"
                } else {
                    ", 其后不达标"
                }
            ),
            Monitoring { kind } => format!(
                "{}: {}",
                kind.label(),
                match kind {
                    MonitoringKind::Unstable => "脱贫户, 收入低于监测线或保障不达标",
                    MonitoringKind::Marginal => "一般农户, 收入低于监测线或保障不达标",
                    MonitoringKind::SuddenHardship =>
                        "收入不低于监测线, 但有刚性支出骤增或收入骤减",
                }
            ),
            EliminationNoIncome { year } => {
                format!("没有 {year} 年收入记录, 无法判断收入是否稳定")
            }
            EliminationGuarantees { failed } if failed.is_empty() => {
                "两不愁三保障及饮水安全均已保障".to_owned()
            }
            EliminationGuarantees { failed } => {
                format!("保障未达标: {}", join(failed, |g| g.label(), "、"))
            }
            NoLabour {
                exception_applies: false,
            } => "户内无劳动能力成员, 但本地不适用无劳动能力例外".to_owned(),
            NoLabour {
                exception_applies: true,
            } => "户内无劳动能力成员: 按政策不标注风险消除, 继续监测".to_owned(),
            NewRisk => "部门比对发现新的风险".to_owned(),
            ZeroDenominator { subject } => format!("{}: 分母为 0, 无法计算", subject.zh()),
            ApprovalUnknown { required } => {
                format!("群众认可度需抽样调查, 数据中没有(要求 > {required})")
            }
            Unknown => String::new(),
        }
    }

    /// The English sentence, from the same data.
    pub fn en(&self) -> String {
        use Reason::*;
        match self {
            Compared {
                subject,
                value,
                op,
                parameter,
                key,
                year,
                note,
            } => {
                let mut text = format!(
                    "{} {} {} the {year} {} of {}",
                    capitalise(subject.en()),
                    value_en(*value, *key),
                    op.symbol(),
                    param_en(*key),
                    value_en(*parameter, *key)
                );
                match note {
                    None => {}
                    Some(Note::WaterOtherMet) => {
                        text.push_str("; fetch time, outages and water quality are all up to standard")
                    }
                    Some(Note::StableMonths { months, required }) => {
                        let _ = write!(
                            text,
                            " (the yearly income record counts as {months} stable months; {required} are required)"
                        );
                    }
                    Some(Note::MonitoredSince { since }) => {
                        text = format!("Monitored since {since}: {}", decapitalise(&text));
                    }
                    Some(Note::Ratio { part, whole }) => {
                        let _ = write!(text, " ({part} ÷ {whole})");
                    }
                }
                text
            }
            PerCapita {
                year,
                per_capita,
                net,
                size,
                counted,
                costs,
            } => format!(
                "Per-capita net income in {year}: {per_capita} yuan = household net income {net} yuan ÷ {size} {} (counted: {}; production costs of {costs} yuan deducted)",
                if *size == 1 { "person" } else { "people" },
                if counted.is_empty() {
                    "none".to_owned()
                } else {
                    join(counted, |c| component_en(*c), ", ")
                }
            ),
            NoMembers => {
                "The household has no members, so per-capita net income cannot be computed".to_owned()
            }
            NoIncome { year } => format!(
                "No income record for {year}, so per-capita net income cannot be computed"
            ),
            FoodClothing { secured: true } => "Food and clothing are secured".to_owned(),
            FoodClothing { secured: false } => {
                "The household is recorded as lacking secure food and clothing".to_owned()
            }
            ChildOutOfSchool {
                member,
                age,
                min_age,
                max_age,
                schooling,
            } => format!(
                "Member {member} is {age} at school enrolment, within compulsory school age {min_age}–{max_age}, and their schooling is \"{}\"",
                schooling.map(schooling_en).unwrap_or("not recorded")
            ),
            ChildExcused {
                member,
                age,
                schooling,
            } => format!(
                "Member {member} is {age} at school enrolment and \"{}\", which policy does not count as dropping out; the other members of compulsory school age are in school",
                schooling.map(schooling_en).unwrap_or("")
            ),
            ChildCompleted { member, age } => format!(
                "Member {member} is {age} and has finished junior middle school, so compulsory education is completed (not a dropout); the other members of compulsory school age are in school"
            ),
            NoSchoolAgeChildren { min_age, max_age } => format!(
                "No member is of compulsory school age ({min_age}–{max_age})"
            ),
            ChildrenInSchool { count } => format!(
                "All {count} {} of compulsory school age {} in school",
                if *count == 1 { "member" } else { "members" },
                if *count == 1 { "is" } else { "are" }
            ),
            Uninsured { member } => {
                format!("Member {member} has no basic medical insurance")
            }
            AllInsured { count } => format!(
                "All {count} {} basic medical insurance",
                if *count == 1 { "member has" } else { "members have" }
            ),
            Relocated => "Resettled by poverty-alleviation relocation: housing counts as safe".to_owned(),
            AlternativeHousing { alternative } => format!(
                "Lives in {}: housing counts as safe",
                alternative_en(*alternative)
            ),
            HousingGraded { grade, safe: true } => {
                format!("The house is appraised as grade {}: safe", grade_en(*grade))
            }
            HousingGraded { grade, safe: false } => format!(
                "The house is appraised as grade {} (dilapidated) and there is no other safe housing",
                grade_en(*grade)
            ),
            HousingUngraded => {
                "The house has not been appraised (no grade recorded) and there is no other safe housing"
                    .to_owned()
            }
            NoWaterRecord => "No daily water supply per person is recorded".to_owned(),
            WaterQuality { tested: true } => "The water quality is not up to standard".to_owned(),
            WaterQuality { tested: false } => "The water quality has not been tested (not recorded)".to_owned(),
            Disaster => "The emergency management department reports disaster losses".to_owned(),
            Accident => {
                "The police report an accident of the household's main worker".to_owned()
            }
            JobLoss => {
                "The human resources department reports unemployment or interrupted migrant work"
                    .to_owned()
            }
            GuaranteesUnmet { failed } => format!(
                "Not met: {}",
                join(failed, |g| guarantee_en(*g), ", ")
            ),
            NotRegistered => "Not in the poverty registry".to_owned(),
            AllGuaranteesMet => {
                "Food, clothing, compulsory education, basic medical care, safe housing and safe drinking water are all secured".to_owned()
            }
            Exited { on, same_year } => format!(
                "Exited poverty on {}{}",
                on.map(|d| d.to_string()).unwrap_or_else(|| "an unrecorded date".to_owned()),
                if *same_year {
                    ", and fell short of the standards in the same year"
                } else {
                    ", and later fell short of the standards"
                }
            ),
            Monitoring { kind } => format!(
                "{}: {}",
                monitoring_en(*kind),
                match kind {
                    MonitoringKind::Unstable =>
                        "exited poverty, with income below the monitoring threshold or a guarantee not met",
                    MonitoringKind::Marginal =>
                        "an ordinary household, with income below the monitoring threshold or a guarantee not met",
                    MonitoringKind::SuddenHardship =>
                        "income not below the monitoring threshold, but a sharp rise in unavoidable costs or drop in income",
                }
            ),
            EliminationNoIncome { year } => format!(
                "No income record for {year}, so whether income is stable cannot be judged"
            ),
            EliminationGuarantees { failed } if failed.is_empty() => {
                AllGuaranteesMet.en()
            }
            EliminationGuarantees { failed } => format!(
                "Guarantees not met: {}",
                join(failed, |g| guarantee_en(*g), ", ")
            ),
            NoLabour {
                exception_applies: false,
            } => "No member can work, but the no-labour exception does not apply here".to_owned(),
            NoLabour {
                exception_applies: true,
            } => "No member can work: by policy the risk is not marked eliminated and monitoring continues".to_owned(),
            NewRisk => "Cross-checks with other departments found a new risk".to_owned(),
            ZeroDenominator { subject } => format!(
                "{}: the denominator is 0, so it cannot be computed",
                capitalise(subject.en())
            ),
            ApprovalUnknown { required } => format!(
                "Public approval needs a sample survey and is not in the data (required: > {required})"
            ),
            Unknown => String::new(),
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn decapitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// A parameter's value in English, with its unit.
pub fn value_en(value: ParamValue, key: ParamKey) -> String {
    match value {
        ParamValue::Yuan(y) => format!("{y} yuan"),
        ParamValue::Percent(r) => r.to_string(),
        ParamValue::Count(n) => match unit_en(key, n) {
            "" => n.to_string(),
            u => format!("{n} {u}"),
        },
        ParamValue::Bool(b) => (if b { "yes" } else { "no" }).to_owned(),
        ParamValue::Components(set) => {
            let labels: Vec<&str> = set.iter().map(component_en).collect();
            labels.join(", ")
        }
    }
}

fn unit_en(key: ParamKey, n: u32) -> &'static str {
    use ParamKey::*;
    let one = n == 1;
    match key {
        CompulsorySchoolAgeMin | CompulsorySchoolAgeMax => "years",
        WaterLitresMin | WaterLitresMinDry => "litres per person per day",
        WaterFetchMinutesMax => {
            if one {
                "minute"
            } else {
                "minutes"
            }
        }
        WaterOutageDaysMax | IdentificationDaysLimit | NoticeDays => {
            if one {
                "day"
            } else {
                "days"
            }
        }
        EliminationStableIncomeMonths | EliminationMinMonthsMonitored => {
            if one {
                "month"
            } else {
                "months"
            }
        }
        EliminationMinMeasures => {
            if one {
                "measure"
            } else {
                "measures"
            }
        }
        _ => "",
    }
}

/// A parameter's unit in English, as a column heading shows it (`yuan`, `%`, `days`…; empty for none).
pub fn unit_label_en(key: ParamKey) -> &'static str {
    match key.kind() {
        crate::pack::ParamKind::Yuan => "yuan",
        crate::pack::ParamKind::Percent => "%",
        _ => unit_en(key, 2),
    }
}

/// A parameter's name in English.
pub fn param_en(key: ParamKey) -> &'static str {
    use ParamKey::*;
    match key {
        PovertyLine => "poverty line",
        MonitoringThreshold => "monitoring threshold",
        CountedIncomeComponents => "income components counted in net income",
        VillageExitIncidence => "maximum incidence for a village to exit",
        CountyExitIncidence => "maximum incidence for a county to exit",
        CountyWrongExitRate => "maximum wrong-exit rate for a county to exit",
        CountyOmissionRate => "maximum omission rate for a county to exit",
        CountyApprovalMin => "minimum public approval for a county to exit",
        CompulsorySchoolAgeMin => "compulsory school starting age",
        CompulsorySchoolAgeMax => "compulsory school leaving age",
        WaterLitresMin => "minimum water supply",
        WaterLitresMinDry => "minimum water supply in dry areas",
        WaterFetchMinutesMax => "maximum round trip to fetch water",
        WaterOutageDaysMax => "maximum days without water",
        EliminationStableIncomeMonths => "months of stable income for risk elimination",
        EliminationMinMonthsMonitored => "minimum months monitored for risk elimination",
        EliminationMinMeasures => "minimum assistance measures for risk elimination",
        EliminationNoLabourException => "no-labour exception to risk elimination",
        IdentificationDaysLimit => "time limit for identifying a monitored household",
        NoticeDays => "days a village notice stays up",
        AlertMedicalInpatientExited => "inpatient cost alert for exited households",
        AlertMedicalInpatientOther => "inpatient cost alert for other households",
        AlertOutpatientMonthly => "monthly outpatient cost alert",
        AlertEducation => "education cost alert",
        RegistrationOpen => "poverty registration open",
        MonitoringOpen => "poverty-return monitoring open",
    }
}

fn component_en(c: IncomeComponent) -> &'static str {
    use IncomeComponent::*;
    match c {
        Wages => "wages",
        Business => "business income",
        PropertyDividend => "poverty-alleviation asset dividends",
        PropertyOther => "other property income",
        FamilyPlanning => "family planning benefit",
        DibaoBenefit => "minimum living allowance (dibao)",
        TekunBenefit => "support for the destitute (tekun)",
        Pension => "pension",
        EcoCompensation => "ecological compensation",
        OtherTransfer => "other transfers",
        ProductionCosts => "production costs",
    }
}

fn schooling_en(s: SchoolingStatus) -> &'static str {
    use SchoolingStatus::*;
    match s {
        Preschool => "preschool",
        Primary => "primary school",
        Junior => "junior secondary school",
        Senior => "senior secondary school",
        SecondaryVocational => "secondary vocational school",
        Higher => "higher education",
        HomeTeaching => "taught at home",
        SuspendedIllness => "suspended for illness",
        Dropout => "dropped out",
        NotInSchool => "not in school",
    }
}

fn grade_en(g: HousingGrade) -> &'static str {
    match g {
        HousingGrade::A => "A",
        HousingGrade::B => "B",
        HousingGrade::C => "C",
        HousingGrade::D => "D",
    }
}

fn alternative_en(a: SafeHousingAlternative) -> &'static str {
    use SafeHousingAlternative::*;
    match a {
        RelocationHousing => "relocation housing",
        SafeHouseElsewhere => "another safe house",
        LongTermRental => "a long-term rental",
        CentralisedCare => "centralised care",
    }
}

/// A guarantee's name in English.
pub fn guarantee_en(g: Guarantee) -> &'static str {
    match g {
        Guarantee::FoodClothing => "food and clothing",
        Guarantee::Education => "compulsory education",
        Guarantee::Medical => "basic medical care",
        Guarantee::Housing => "safe housing",
        Guarantee::Water => "safe drinking water",
    }
}

fn monitoring_en(k: MonitoringKind) -> &'static str {
    match k {
        MonitoringKind::Unstable => "Unstable after exiting poverty",
        MonitoringKind::Marginal => "Marginal, at risk of poverty",
        MonitoringKind::SuddenHardship => "Sudden severe hardship",
    }
}
