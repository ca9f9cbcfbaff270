//! The data-quality checks of `jingzhun check`, declared once in [`CHECKS`].
//!
//! A check never changes data: it reports [`Finding`]s, each naming the household, the member by position
//! (1-based, in the household's order) and the village. Details never hold a full resident ID (only
//! [`ResidentId::masked`]) nor health data beyond what the check is about.
//!
//! 务工时间 outside 0–12 cannot reach these checks: [`MigrantMonths`] cannot hold it and the import rejects
//! the row. The check [`MIGRANT_MONTHS`] looks at what can still be wrong: months that contradict 务工状况.
//! Invalid resident IDs are rejected by the import too; here [`ID_REGION_UNKNOWN`] and [`ID_SEX_MISMATCH`]
//! catch the defects a valid ID can still carry.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use jingzhun_core::*;

/// One data-quality check: a stable code, what it finds and how to fix it, in Chinese.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Check {
    pub code: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
}

macro_rules! checks {
    ($($name:ident = ($code:literal, $label:literal, $hint:literal);)+) => {
        $(pub const $name: Check = Check { code: $code, label: $label, hint: $hint };)+
        /// Every check, in report order.
        pub const CHECKS: &[Check] = &[$($name),+];
    };
}

checks! {
    ID_REGION_UNKNOWN = ("Q01", "证件号码的地区码不在已知区划中",
        "核对身份证原件; 旧地区码(如巴中地区 5137xx、达县地区 5130xx)属正常, 应加入已知区划表");
    ID_SEX_MISMATCH = ("Q02", "性别与证件号码不符",
        "证件号码第17位奇数为男、偶数为女; 核对身份证原件后更正性别或证件号码");
    DUPLICATE_ID = ("Q03", "证件号码重复(同户或跨户)",
        "同一人只能在一户中登记; 核对户籍, 删除重复登记或更正证件号码");
    NO_HEAD = ("Q04", "无户主",
        "每户须有且仅有一名户主; 将户主的「与户主关系」填为「户主」");
    SEVERAL_HEADS = ("Q05", "多个户主",
        "每户须有且仅有一名户主; 更正其他成员的「与户主关系」, 或按实际分户");
    RELATIONSHIP_AGE = ("Q06", "与户主关系与年龄不符",
        "子女、孙辈应比户主年轻, 父母、祖父母应比户主年长; 核对「与户主关系」和证件号码");
    SCHOOLING_MISSING = ("Q07", "6–23 岁成员缺少在校生状况",
        "填写「在校生状况」(在校学段、送教上门、因病休学、辍学或非在校生)");
    LABOUR_MISSING = ("Q08", "16–65 岁成员缺少劳动技能",
        "填写「劳动技能」(普通劳动力、技能劳动力、弱劳动力或半劳动力、丧失劳动力、无劳动力)");
    MIGRANT_MONTHS = ("Q09", "务工时间与务工状况不符",
        "务工时间应为 0–12 个月; 外出务工的成员务工时间应大于 0, 未务工的成员应为 0");
    ILLNESS_ALL_HEALTHY = ("Q10", "主要致贫原因为因病, 但所有成员均健康",
        "核对成员健康状况(长期慢性病、患有大病)或更正主要致贫原因");
    INCOME_OUT_OF_RANGE = ("Q11", "人均纯收入不大于 0 或超过 100,000 元",
        "核对收入各项与支出的金额和单位(元), 以及家庭人口数");
    DIBAO_AND_TEKUN = ("Q12", "同时领取低保金和特困供养金",
        "低保与特困供养不能同时享受; 与民政部门核对后更正收入或救助身份");
    EXITED_BELOW_LINE = ("Q13", "已脱贫但人均纯收入低于贫困线",
        "核对收入; 如属实, 应纳入防止返贫监测或按程序认定返贫");
    DEAD_STILL_LISTED = ("Q14", "部门数据显示已死亡但仍在家庭成员中",
        "核实后按程序办理成员减员(自然减少), 并核对户主和家庭人口");
    INCOME_YEAR_MISSING = ("Q15", "年度收入记录有缺漏",
        "自首个收入年度起每年都应有收入核算记录; 补录缺少年度的收入各项");
}

/// Look a check up by its code.
pub fn check_by_code(code: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.code == code)
}

/// What a check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub check: Check,
    pub household_no: HouseholdNo,
    /// The member's position in the household, 1-based, when the finding is about one member.
    pub member: Option<usize>,
    /// The household's village.
    pub area: AreaCode,
    /// Chinese details: values, thresholds, masked IDs.
    pub detail: String,
}

/// The data the checks look at.
#[derive(Debug, Clone, Copy)]
pub struct CheckInput<'a> {
    pub households: &'a [Household],
    /// Status events by household number (for the exited-below-line check); households without events
    /// are taken as never registered.
    pub events: &'a HashMap<HouseholdNo, Vec<StatusEvent>>,
    /// Resident IDs that a department (civil affairs, public security) lists as dead.
    pub deaths: &'a HashSet<ResidentId>,
    /// The 6-digit region codes accepted in resident IDs (current and historical); `None` skips
    /// [`ID_REGION_UNKNOWN`].
    pub known_regions: Option<&'a HashSet<String>>,
}

/// Parameters of the checks. The poverty line comes from the policy pack.
#[derive(Debug, Clone)]
pub struct CheckParams {
    /// Ages are computed on this date; statuses are taken on it.
    pub as_of: NaiveDate,
    /// The income year checked.
    pub income_year: u16,
    /// The poverty line of that year (per capita, per year).
    pub poverty_line: Yuan,
    /// Per-capita income above this is implausible (default 100,000 yuan).
    pub income_max: Yuan,
    /// Income components that do not count towards net income (policy; default: all count).
    pub uncounted: Vec<IncomeComponent>,
}

impl CheckParams {
    pub fn new(as_of: NaiveDate, income_year: u16, poverty_line: Yuan) -> Self {
        Self {
            as_of,
            income_year,
            poverty_line,
            income_max: Yuan::from_yuan(100_000),
            uncounted: Vec::new(),
        }
    }

    /// Per-capita net income of a household for the checked year, if it has an income record.
    pub fn per_capita(&self, household: &Household) -> Option<Yuan> {
        let record = household.income(self.income_year)?;
        let net = record.net(|c| !self.uncounted.contains(&c));
        Some(net.per_capita(household.size().max(1)))
    }
}

/// Runs every check. Findings come household by household, in [`CHECKS`] order within a household.
pub fn run_checks(input: &CheckInput<'_>, params: &CheckParams) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut by_id: HashMap<ResidentId, Vec<(usize, usize)>> = HashMap::new();
    for (h, household) in input.households.iter().enumerate() {
        for (m, member) in household.members.iter().enumerate() {
            by_id.entry(member.resident_id).or_default().push((h, m));
        }
    }
    let no_events = Vec::new();
    for (h, household) in input.households.iter().enumerate() {
        let mut out = Emitter {
            household,
            findings: &mut findings,
        };
        let events = input.events.get(&household.number).unwrap_or(&no_events);
        check_members(&mut out, input, params, &by_id, h);
        check_heads(&mut out, params);
        check_household(&mut out, params, events);
    }
    findings
}

struct Emitter<'a> {
    household: &'a Household,
    findings: &'a mut Vec<Finding>,
}

impl Emitter<'_> {
    fn emit(&mut self, check: Check, member: Option<usize>, detail: String) {
        self.findings.push(Finding {
            check,
            household_no: self.household.number.clone(),
            member: member.map(|m| m + 1),
            area: self.household.village,
            detail,
        });
    }
}

fn who(member: &Member, index: usize) -> String {
    format!(
        "第 {} 名成员 {}({})",
        index + 1,
        member.name.masked(),
        member.resident_id.masked()
    )
}

fn check_members(
    out: &mut Emitter<'_>,
    input: &CheckInput<'_>,
    params: &CheckParams,
    by_id: &HashMap<ResidentId, Vec<(usize, usize)>>,
    h: usize,
) {
    let household = out.household;
    for (m, member) in household.members.iter().enumerate() {
        let id = member.resident_id;
        if let Some(known) = input.known_regions {
            if !known.contains(id.region_code()) {
                out.emit(
                    ID_REGION_UNKNOWN,
                    Some(m),
                    format!("{}: 地区码「{}」", who(member, m), id.region_code()),
                );
            }
        }
        if member.sex != id.sex() {
            out.emit(
                ID_SEX_MISMATCH,
                Some(m),
                format!(
                    "{}: 登记为{}, 证件号码为{}",
                    who(member, m),
                    member.sex.label(),
                    id.sex().label()
                ),
            );
        }
        if let Some(places) = by_id.get(&id).filter(|p| p.len() > 1) {
            let others: Vec<String> = places
                .iter()
                .filter(|(oh, om)| (*oh, *om) != (h, m))
                .map(|(oh, om)| {
                    format!(
                        "户编号 {} 第 {} 名成员",
                        input.households[*oh].number,
                        om + 1
                    )
                })
                .collect();
            out.emit(
                DUPLICATE_ID,
                Some(m),
                format!("{}: 与{}重复", who(member, m), others.join("、")),
            );
        }
    }
    for (m, member) in household.members.iter().enumerate() {
        let age = member.age_on(params.as_of);
        if (6..=23).contains(&age) && member.schooling.is_none() {
            out.emit(
                SCHOOLING_MISSING,
                Some(m),
                format!("{}: {} 岁, 在校生状况为空", who(member, m), age),
            );
        }
        if (16..=65).contains(&age) && member.labour.is_none() {
            out.emit(
                LABOUR_MISSING,
                Some(m),
                format!("{}: {} 岁, 劳动技能为空", who(member, m), age),
            );
        }
        let months = member.migrant_months.get();
        let migrant = member.work_status != WorkStatus::NotMigrant;
        if (migrant && months == 0) || (!migrant && months > 0) {
            out.emit(
                MIGRANT_MONTHS,
                Some(m),
                format!(
                    "{}: 务工状况为「{}」, 务工时间 {} 个月",
                    who(member, m),
                    member.work_status.label(),
                    months
                ),
            );
        }
        if input.deaths.contains(&member.resident_id) {
            out.emit(
                DEAD_STILL_LISTED,
                Some(m),
                format!("{}: 部门死亡名单中有此人", who(member, m)),
            );
        }
    }
}

fn check_heads(out: &mut Emitter<'_>, params: &CheckParams) {
    let household = out.household;
    let heads: Vec<usize> = household
        .members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.relationship == Relationship::Head)
        .map(|(i, _)| i)
        .collect();
    match heads.len() {
        0 => out.emit(
            NO_HEAD,
            None,
            format!("{} 名成员中没有户主", household.members.len()),
        ),
        1 => {}
        n => {
            let list: Vec<String> = heads.iter().map(|i| format!("第 {} 名", i + 1)).collect();
            out.emit(
                SEVERAL_HEADS,
                None,
                format!("有 {n} 名户主: {}", list.join("、")),
            );
        }
    }
    let [head_index] = heads.as_slice() else {
        return;
    };
    let head = &household.members[*head_index];
    let head_birth = head.birth_date();
    for (m, member) in household.members.iter().enumerate() {
        let birth = member.birth_date();
        let wrong = (member.relationship.is_younger_generation() && birth <= head_birth)
            || (member.relationship.is_older_generation() && birth >= head_birth);
        if wrong {
            out.emit(
                RELATIONSHIP_AGE,
                Some(m),
                format!(
                    "{}: 与户主关系为「{}」, {} 岁; 户主 {} 岁",
                    who(member, m),
                    member.relationship.label(),
                    member.age_on(params.as_of),
                    head.age_on(params.as_of)
                ),
            );
        }
    }
}

fn check_household(out: &mut Emitter<'_>, params: &CheckParams, events: &[StatusEvent]) {
    let household = out.household;
    if household.main_cause == Some(PovertyCause::Illness)
        && !household.members.is_empty()
        && household
            .members
            .iter()
            .all(|m| m.health == Health::Healthy)
    {
        out.emit(
            ILLNESS_ALL_HEALTHY,
            None,
            format!("{} 名成员健康状况均为「健康」", household.members.len()),
        );
    }
    let per_capita = params.per_capita(household);
    if let Some(pc) = per_capita {
        if pc <= Yuan::ZERO || pc > params.income_max {
            out.emit(
                INCOME_OUT_OF_RANGE,
                None,
                format!(
                    "{} 年人均纯收入 {} 元(合理范围: 大于 0, 不超过 {} 元)",
                    params.income_year, pc, params.income_max
                ),
            );
        }
    }
    // Years without an income record between the first recorded year and the checked year: the yearly
    // accounting has a hole (a household with no record at all is a different matter, left to the import).
    if let Some(first) = household.incomes.iter().map(|r| r.year).min() {
        let missing: Vec<String> = (first..=params.income_year)
            .filter(|y| household.income(*y).is_none())
            .map(|y| y.to_string())
            .collect();
        if !missing.is_empty() {
            out.emit(
                INCOME_YEAR_MISSING,
                None,
                format!("自 {first} 年起缺少 {} 年的收入记录", missing.join("、")),
            );
        }
    }
    if let Some(record) = household.income(params.income_year) {
        let dibao = record.get(IncomeComponent::DibaoBenefit);
        let tekun = record.get(IncomeComponent::TekunBenefit);
        if dibao > Yuan::ZERO && tekun > Yuan::ZERO {
            out.emit(
                DIBAO_AND_TEKUN,
                None,
                format!(
                    "{} 年低保金 {dibao} 元, 特困供养金 {tekun} 元",
                    params.income_year
                ),
            );
        }
    }
    let status = HouseholdStatus::on(events, params.as_of);
    if let (RegistryStatus::Exited { on }, Some(pc)) = (status.registry, per_capita) {
        if pc < params.poverty_line {
            out.emit(
                EXITED_BELOW_LINE,
                None,
                format!(
                    "{} 脱贫; {} 年人均纯收入 {} 元, 低于贫困线 {} 元",
                    on.format("%Y-%m-%d"),
                    params.income_year,
                    pc,
                    params.poverty_line
                ),
            );
        }
    }
}
