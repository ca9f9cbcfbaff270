//! Department data comparison (数据比对): another department's list, keyed by resident ID, matched to the
//! registry's members. Each hit that passes its rule's threshold becomes a monitoring [`Lead`] (channel
//! 部门筛查预警) saying which rule fired with the value and the threshold; asset hits (cars, businesses,
//! property, public employees) become [`ExclusionWarning`]s shown to reviewers; IDs that match no member
//! are reported as [`Unmatched`].
//!
//! A list is one kind of data ([`DepartmentKind`]), in CSV (UTF-8 or GBK) or XLSX, with a resident-ID
//! column and, as the kind needs, an amount, a date and a grade column; other columns are ignored.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use jingzhun_core::*;
use jingzhun_io::households::{parse_amount, parse_date, parse_resident_id, text_of, Problem};
use jingzhun_io::table::{
    column_letter, find_header, normalize_header, read_path, Cell, OwnedCell, RowSink, TableError,
    HEADER_SEARCH_ROWS,
};

jingzhun_core::labeled_enum! {
    /// What a department list holds (`../shared` domain notes §6).
    pub enum DepartmentKind {
        InpatientCost = ("inpatient_cost", "医保住院自付费用"),
        OutpatientCost = ("outpatient_cost", "医保门诊自付费用"),
        NewDibao = ("new_dibao", "民政新增低保对象"),
        NewTekun = ("new_tekun", "民政新增特困供养对象"),
        Death = ("death", "死亡人员"),
        Dropout = ("dropout", "疑似辍学学生"),
        EducationCost = ("education_cost", "高中及中职自付教育费用"),
        Disability = ("disability", "新增残疾人"),
        Unemployment = ("unemployment", "失业及务工中断人员"),
        Accident = ("accident", "意外事故受害人"),
        Disaster = ("disaster", "灾害损失"),
        HousingAppraisal = ("housing_appraisal", "住房安全鉴定"),
        Car = ("car", "车辆登记"),
        Business = ("business", "工商登记"),
        Property = ("property", "城镇房产登记"),
        PublicEmployee = ("public_employee", "财政供养人员"),
    }
}

impl DepartmentKind {
    /// The department that provides the list.
    pub fn department(self) -> &'static str {
        use DepartmentKind::*;
        match self {
            InpatientCost | OutpatientCost => "医保",
            NewDibao | NewTekun => "民政",
            Death => "民政、公安",
            Dropout | EducationCost => "教育",
            Disability => "残联",
            Unemployment => "人社",
            Accident => "公安",
            Disaster => "应急管理",
            HousingAppraisal => "住建",
            Car => "公安交管",
            Business => "市场监管",
            Property => "自然资源、住建",
            PublicEmployee => "财政、组织人事",
        }
    }

    /// The finding the rules read from a lead of this kind, kept per household by `department compare
    /// --save` (`None`: the kind opens a lead but the rules read nothing from it).
    pub fn signal(self) -> Option<DepartmentSignal> {
        use DepartmentKind::*;
        match self {
            InpatientCost => Some(DepartmentSignal::InpatientCost),
            OutpatientCost => Some(DepartmentSignal::OutpatientCost),
            EducationCost => Some(DepartmentSignal::EducationCost),
            Disaster => Some(DepartmentSignal::Disaster),
            Accident => Some(DepartmentSignal::Accident),
            Unemployment => Some(DepartmentSignal::JobLoss),
            _ => None,
        }
    }

    /// Asset lists produce exclusion warnings, not leads.
    pub fn is_asset(self) -> bool {
        matches!(
            self,
            DepartmentKind::Car
                | DepartmentKind::Business
                | DepartmentKind::Property
                | DepartmentKind::PublicEmployee
        )
    }

    /// The rule code reported with each lead or warning of this kind.
    pub fn rule_code(self) -> &'static str {
        use DepartmentKind::*;
        match self {
            InpatientCost => "D01",
            OutpatientCost => "D02",
            NewDibao => "D03",
            NewTekun => "D04",
            Death => "D05",
            Dropout => "D06",
            EducationCost => "D07",
            Disability => "D08",
            Unemployment => "D09",
            Accident => "D10",
            Disaster => "D11",
            HousingAppraisal => "D12",
            Car => "A01",
            Business => "A02",
            Property => "A03",
            PublicEmployee => "A04",
        }
    }
}

/// Thresholds of the comparison rules. These are the defaults of the domain notes (§6); the policy pack
/// will provide them per year and region, and callers should pass the pack's values when it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentThresholds {
    /// Inpatient out-of-pocket cost in the list's period at or above which a member of a 脱贫户 (registered
    /// or exited) or of a 监测对象 becomes a lead: 5,000 yuan (the rules' test,
    /// `StatusFacts::lower_inpatient_threshold`).
    pub inpatient_registered: Yuan,
    /// The same for other households: 20,000 yuan.
    pub inpatient_others: Yuan,
    /// Outpatient out-of-pocket cost in one calendar month at or above which a member becomes a lead: 500.
    pub outpatient_monthly: Yuan,
    /// High-school or vocational out-of-pocket cost above which (strictly) a student becomes a lead: 10,000.
    pub education_cost: Yuan,
    /// Disability grades up to this (1 is the most severe) count as severe: 2 (一级、二级).
    pub severe_disability_max_grade: u8,
    /// Disaster loss at or above which a household becomes a lead. The domain notes give no figure: 5,000
    /// yuan is a placeholder until the policy pack sets one.
    pub disaster_loss: Yuan,
    /// Working age, inclusive, for deaths, accidents and unemployment of a key worker: 16–65.
    pub working_age: (u32, u32),
    /// Compulsory-school age, inclusive, for dropouts: 6–15.
    pub compulsory_school_age: (u32, u32),
}

impl Default for DepartmentThresholds {
    fn default() -> Self {
        Self {
            inpatient_registered: Yuan::from_yuan(5_000),
            inpatient_others: Yuan::from_yuan(20_000),
            outpatient_monthly: Yuan::from_yuan(500),
            education_cost: Yuan::from_yuan(10_000),
            severe_disability_max_grade: 2,
            disaster_loss: Yuan::from_yuan(5_000),
            working_age: (16, 65),
            compulsory_school_age: (6, 15),
        }
    }
}

/// One row of a department list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepartmentRecord {
    pub sheet: String,
    pub row: usize,
    pub resident_id: ResidentId,
    pub amount: Option<Yuan>,
    pub date: Option<NaiveDate>,
    /// Grade as written (残疾等级, 鉴定等级).
    pub grade: Option<String>,
    pub note: String,
}

/// A department list as read.
#[derive(Debug, Clone)]
pub struct DepartmentList {
    pub kind: DepartmentKind,
    pub source: String,
    pub records: Vec<DepartmentRecord>,
    /// Rows that could not be read (bad ID, amount or date), in Chinese.
    pub problems: Vec<Problem>,
}

impl DepartmentList {
    /// The resident IDs of the list: for a death list, the `deaths` of [`crate::checks::CheckInput`].
    pub fn resident_ids(&self) -> std::collections::HashSet<ResidentId> {
        self.records.iter().map(|r| r.resident_id).collect()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ListField {
    ResidentId,
    Amount,
    Date,
    Grade,
    Note,
    Known,
}

fn match_list_header(normalized: &str) -> Option<ListField> {
    const IDS: &[&str] = &[
        "证件号码",
        "身份证号码",
        "身份证号",
        "公民身份号码",
        "身份证件号码",
    ];
    const AMOUNTS: &[&str] = &[
        "金额",
        "自付金额",
        "个人自付",
        "个人自付金额",
        "住院自付金额",
        "门诊自付金额",
        "自付费用",
        "费用",
        "损失金额",
        "直接经济损失",
        "教育费用",
        "车辆价值",
        "房产价值",
        "注册资本",
    ];
    const DATES: &[&str] = &[
        "日期",
        "发生日期",
        "结算日期",
        "死亡日期",
        "认定日期",
        "鉴定日期",
        "登记日期",
        "发证日期",
        "失业日期",
        "辍学日期",
        "出院日期",
    ];
    const GRADES: &[&str] = &["等级", "残疾等级", "鉴定等级", "危房等级", "房屋等级"];
    const NOTES: &[&str] = &["备注", "说明", "类别", "事由", "原因"];
    const KNOWN: &[&str] = &["序号", "姓名", "性别", "地址", "住址", "单位"];
    let is = |list: &[&str]| list.iter().any(|h| normalize_header(h) == normalized);
    if is(IDS) {
        Some(ListField::ResidentId)
    } else if is(AMOUNTS) {
        Some(ListField::Amount)
    } else if is(DATES) {
        Some(ListField::Date)
    } else if is(GRADES) {
        Some(ListField::Grade)
    } else if is(NOTES) {
        Some(ListField::Note)
    } else if is(KNOWN) {
        Some(ListField::Known)
    } else {
        None
    }
}

/// A sheet read: name, header row, column names, positions of the read fields.
type FinishedSheet = (String, usize, Vec<String>, HashMap<ListField, usize>);

struct ListSink {
    kind: DepartmentKind,
    today: NaiveDate,
    pending: Vec<(usize, Vec<OwnedCell>)>,
    header: Option<(Vec<String>, HashMap<ListField, usize>)>,
    records: Vec<DepartmentRecord>,
    problems: Vec<Problem>,
    sheets: usize,
    /// Headers of the sheets already read, for formulas reported after the rows.
    finished: Vec<FinishedSheet>,
    header_row: usize,
}

impl ListSink {
    fn settle(&mut self, sheet: &str) {
        let pending = std::mem::take(&mut self.pending);
        let matcher = |s: &str| match_list_header(s).filter(|f| *f == ListField::ResidentId);
        let Some(header) = find_header(&pending, &matcher, 1) else {
            return;
        };
        self.sheets += 1;
        let mut positions = HashMap::new();
        let mut names = Vec::new();
        for (i, (text, _)) in header.columns.iter().enumerate() {
            if let Some(f) = match_list_header(&normalize_header(text)) {
                positions.entry(f).or_insert(i);
            }
            names.push(format!("{text}({}列)", column_letter(i)));
        }
        let header_row = header.row;
        self.header_row = header_row;
        self.header = Some((names, positions));
        for (row, cells) in pending.into_iter().filter(|(r, _)| *r > header_row) {
            let cells: Vec<Cell<'_>> = cells.iter().map(OwnedCell::as_cell).collect();
            self.data(sheet, row, &cells);
        }
    }

    fn data(&mut self, sheet: &str, row: usize, cells: &[Cell<'_>]) {
        if cells.iter().all(Cell::is_blank) {
            return;
        }
        let Some((names, positions)) = &self.header else {
            return;
        };
        let mut problems = Vec::new();
        let get = |field: ListField| -> Option<(usize, Cell<'_>)> {
            let i = *positions.get(&field)?;
            let c = cells.get(i).copied().unwrap_or(Cell::Empty);
            (!c.is_blank()).then_some((i, c))
        };
        let problem = |i: usize, c: Cell<'_>, reason: String| Problem {
            sheet: sheet.to_owned(),
            row,
            column: names.get(i).cloned().unwrap_or_default(),
            value: c.display(),
            reason,
        };
        let id = match get(ListField::ResidentId) {
            Some((i, c)) => match parse_resident_id(c, self.today) {
                Ok(id) => Some(id),
                Err(reason) => {
                    problems.push(problem(i, c, reason));
                    None
                }
            },
            None => {
                let i = positions.get(&ListField::ResidentId).copied().unwrap_or(0);
                problems.push(problem(i, Cell::Empty, "证件号码不能为空".to_owned()));
                None
            }
        };
        let amount = get(ListField::Amount).and_then(|(i, c)| match parse_amount(c) {
            Ok(v) => Some(v),
            Err(reason) => {
                problems.push(problem(i, c, reason));
                None
            }
        });
        let date = get(ListField::Date).and_then(|(i, c)| match parse_date(c) {
            Ok(v) => Some(v),
            Err(reason) => {
                problems.push(problem(i, c, reason));
                None
            }
        });
        let grade = get(ListField::Grade).map(|(_, c)| text_of(c).into_owned());
        let note = get(ListField::Note)
            .map(|(_, c)| text_of(c).into_owned())
            .unwrap_or_default();
        let needs_amount = matches!(
            self.kind,
            DepartmentKind::InpatientCost
                | DepartmentKind::OutpatientCost
                | DepartmentKind::EducationCost
                | DepartmentKind::Disaster
        );
        if needs_amount && amount.is_none() && problems.is_empty() {
            let i = positions.get(&ListField::Amount).copied().unwrap_or(0);
            problems.push(problem(
                i,
                Cell::Empty,
                format!("「{}」名单须有金额", self.kind.label()),
            ));
        }
        let needs_grade = matches!(
            self.kind,
            DepartmentKind::Disability | DepartmentKind::HousingAppraisal
        );
        if needs_grade && grade.is_none() && problems.is_empty() {
            let i = positions.get(&ListField::Grade).copied().unwrap_or(0);
            problems.push(problem(
                i,
                Cell::Empty,
                format!("「{}」名单须有等级", self.kind.label()),
            ));
        }
        if problems.is_empty() {
            if let Some(resident_id) = id {
                self.records.push(DepartmentRecord {
                    sheet: sheet.to_owned(),
                    row,
                    resident_id,
                    amount,
                    date,
                    grade,
                    note,
                });
            }
        }
        self.problems.extend(problems);
    }
}

impl RowSink for ListSink {
    fn row(&mut self, sheet: &str, row: usize, cells: &[Cell<'_>]) {
        if self.header.is_none() {
            if self.pending.len() < HEADER_SEARCH_ROWS {
                self.pending
                    .push((row, cells.iter().map(|c| OwnedCell::from(*c)).collect()));
                if self.pending.len() == HEADER_SEARCH_ROWS {
                    self.settle(sheet);
                }
            }
            return;
        }
        self.data(sheet, row, cells);
    }

    fn end_sheet(&mut self, sheet: &str) {
        if self.header.is_none() && !self.pending.is_empty() {
            self.settle(sheet);
        }
        if let Some((names, positions)) = self.header.take() {
            self.finished
                .push((sheet.to_owned(), self.header_row, names, positions));
        }
        self.pending.clear();
    }

    /// A formula in a read column: the row is refused (values computed by formulas are not taken).
    fn formulas(&mut self, sheet: &str, cells: &[(usize, usize, &str)]) {
        let Some((_, header_row, names, positions)) =
            self.finished.iter().find(|(name, ..)| name == sheet)
        else {
            return;
        };
        for (row, col, formula) in cells {
            // Notes are only shown, never compared: a formula there is harmless.
            let read = positions
                .iter()
                .any(|(f, i)| i == col && !matches!(f, ListField::Known | ListField::Note));
            if *row <= *header_row || !read {
                continue;
            }
            self.records
                .retain(|r| !(r.sheet == sheet && r.row == *row));
            let column = names.get(*col).cloned().unwrap_or_default();
            self.problems
                .retain(|p| !(p.sheet == sheet && p.row == *row && p.column == column));
            self.problems.push(Problem {
                sheet: sheet.to_owned(),
                row: *row,
                column,
                value: format!("={}", formula.trim_start_matches('=')),
                reason: "单元格是公式: 比对不计算公式, 请粘贴为数值后再导入".to_owned(),
            });
        }
    }
}

fn sink(kind: DepartmentKind, today: NaiveDate) -> ListSink {
    ListSink {
        kind,
        today,
        pending: Vec::new(),
        header: None,
        records: Vec::new(),
        problems: Vec::new(),
        sheets: 0,
        finished: Vec::new(),
        header_row: 0,
    }
}

/// Reads a department list (XLSX or CSV in UTF-8/GBK). `today` bounds birth dates in IDs.
pub fn read_department_list(
    path: &Path,
    kind: DepartmentKind,
    today: NaiveDate,
) -> Result<DepartmentList, TableError> {
    let mut s = sink(kind, today);
    read_path(path, &mut s)?;
    finish(s, path.display().to_string())
}

/// Reads department-list rows already in memory (first sheet rows from column A). Pure.
pub fn parse_department_rows(
    kind: DepartmentKind,
    sheet: &str,
    rows: &[Vec<OwnedCell>],
    today: NaiveDate,
) -> Result<DepartmentList, TableError> {
    let mut s = sink(kind, today);
    for (i, row) in rows.iter().enumerate() {
        let cells: Vec<Cell<'_>> = row.iter().map(OwnedCell::as_cell).collect();
        s.row(sheet, i + 1, &cells);
    }
    s.end_sheet(sheet);
    finish(s, sheet.to_owned())
}

fn finish(s: ListSink, source: String) -> Result<DepartmentList, TableError> {
    if s.sheets == 0 {
        return Err(TableError::NoHeader {
            path: source,
            rows: HEADER_SEARCH_ROWS,
            expected: "证件号码 或 身份证号码".to_owned(),
        });
    }
    Ok(DepartmentList {
        kind: s.kind,
        source,
        records: s.records,
        problems: s.problems,
    })
}

/// A monitoring lead from department data, for the monitoring workflow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lead {
    pub household_no: HouseholdNo,
    pub village: AreaCode,
    /// The member's position in the household, 1-based.
    pub member: usize,
    /// The member's resident ID, masked.
    pub member_masked: String,
    /// Always [`Channel::DepartmentAlert`].
    pub channel: Channel,
    /// The rule that fired (`D01`…).
    pub rule: &'static str,
    pub risk: RiskType,
    /// The value compared with the threshold, when the rule has one.
    pub value: Option<Yuan>,
    pub threshold: Option<Yuan>,
    /// Why, in Chinese, with value and threshold.
    pub explanation: String,
    /// The list rows behind the lead.
    pub rows: Vec<usize>,
}

/// An asset hit: a reason to exclude the household from monitoring, shown to the reviewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExclusionWarning {
    pub household_no: HouseholdNo,
    pub village: AreaCode,
    pub member: usize,
    pub member_masked: String,
    pub kind: DepartmentKind,
    pub rule: &'static str,
    pub explanation: String,
    pub rows: Vec<usize>,
}

/// A list row whose resident ID matches no member of the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unmatched {
    pub row: usize,
    pub resident_id: ResidentId,
}

/// The result of comparing one list with the registry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    pub leads: Vec<Lead>,
    pub exclusions: Vec<ExclusionWarning>,
    pub unmatched: Vec<Unmatched>,
    /// Matched members whose records fired no rule (below threshold, outside the age range, safe grade).
    pub matched_without_lead: usize,
}

/// Parses a disability grade: 一级/1级/1/一 → 1, up to 4.
pub fn disability_grade(text: &str) -> Option<u8> {
    let t = text
        .trim()
        .trim_end_matches('级')
        .trim_start_matches(['残', '疾']);
    match t {
        "1" | "一" | "Ⅰ" => Some(1),
        "2" | "二" | "Ⅱ" => Some(2),
        "3" | "三" | "Ⅲ" => Some(3),
        "4" | "四" | "Ⅳ" => Some(4),
        _ => None,
    }
}

/// Matches a list to the registry's members and applies the list kind's rule. `events` give each
/// household's registry status on `as_of` (for the inpatient threshold); ages are taken on `as_of`.
pub fn compare(
    list: &DepartmentList,
    households: &[Household],
    events: &HashMap<HouseholdNo, Vec<StatusEvent>>,
    thresholds: &DepartmentThresholds,
    as_of: NaiveDate,
) -> Comparison {
    let mut index: HashMap<ResidentId, (usize, usize)> = HashMap::new();
    for (h, household) in households.iter().enumerate() {
        for (m, member) in household.members.iter().enumerate() {
            index.entry(member.resident_id).or_insert((h, m));
        }
    }
    let mut result = Comparison::default();
    // Records grouped by member, in list order.
    let mut by_member: BTreeMap<(usize, usize), Vec<&DepartmentRecord>> = BTreeMap::new();
    for r in &list.records {
        match index.get(&r.resident_id) {
            Some(hm) => by_member.entry(*hm).or_default().push(r),
            None => result.unmatched.push(Unmatched {
                row: r.row,
                resident_id: r.resident_id,
            }),
        }
    }
    let no_events = Vec::new();
    for ((h, m), records) in by_member {
        let household = &households[h];
        let member = &household.members[m];
        let rows: Vec<usize> = records.iter().map(|r| r.row).collect();
        let kind = list.kind;
        if kind.is_asset() {
            let detail: Vec<String> = records
                .iter()
                .map(|r| {
                    let mut s = format!("第 {} 行", r.row);
                    if let Some(a) = r.amount {
                        s.push_str(&format!(", 金额 {a} 元"));
                    }
                    if !r.note.is_empty() {
                        s.push_str(&format!(", {}", r.note));
                    }
                    s
                })
                .collect();
            result.exclusions.push(ExclusionWarning {
                household_no: household.number.clone(),
                village: household.village,
                member: m + 1,
                member_masked: member.resident_id.masked(),
                kind,
                rule: kind.rule_code(),
                explanation: format!(
                    "{}数据比对: 成员 {} 有{}({}), 请在认定前核实是否属于应排除情形",
                    kind.department(),
                    member.resident_id.masked(),
                    kind.label(),
                    detail.join("; ")
                ),
                rows,
            });
            continue;
        }
        let events = events.get(&household.number).unwrap_or(&no_events);
        let ctx = RuleCtx {
            member,
            records: &records,
            thresholds,
            as_of,
            lower_inpatient: jingzhun_policy::StatusFacts::from_events(events, as_of)
                .lower_inpatient_threshold(),
        };
        match apply_rule(kind, &ctx) {
            Some(fired) => result.leads.push(Lead {
                household_no: household.number.clone(),
                village: household.village,
                member: m + 1,
                member_masked: member.resident_id.masked(),
                channel: Channel::DepartmentAlert,
                rule: kind.rule_code(),
                risk: fired.risk,
                value: fired.value,
                threshold: fired.threshold,
                explanation: format!(
                    "{}数据比对({}): 成员 {} {}",
                    kind.department(),
                    kind.label(),
                    member.resident_id.masked(),
                    fired.why
                ),
                rows,
            }),
            None => result.matched_without_lead += 1,
        }
    }
    result
}

struct RuleCtx<'a> {
    member: &'a Member,
    records: &'a [&'a DepartmentRecord],
    thresholds: &'a DepartmentThresholds,
    as_of: NaiveDate,
    /// The lower inpatient threshold applies (脱贫户 or 监测对象), as in the rules.
    lower_inpatient: bool,
}

struct Fired {
    risk: RiskType,
    value: Option<Yuan>,
    threshold: Option<Yuan>,
    why: String,
}

fn total(records: &[&DepartmentRecord]) -> Yuan {
    records.iter().filter_map(|r| r.amount).sum()
}

fn apply_rule(kind: DepartmentKind, c: &RuleCtx<'_>) -> Option<Fired> {
    use DepartmentKind::*;
    let t = c.thresholds;
    let age = c.member.age_on(c.as_of);
    let working = (t.working_age.0..=t.working_age.1).contains(&age);
    let fired = |risk, value, threshold, why: String| {
        Some(Fired {
            risk,
            value,
            threshold,
            why,
        })
    };
    match kind {
        InpatientCost => {
            let sum = total(c.records);
            let (threshold, who) = if c.lower_inpatient {
                (t.inpatient_registered, "脱贫户或监测对象")
            } else {
                (t.inpatient_others, "一般农户")
            };
            (sum >= threshold).then_some(())?;
            fired(
                RiskType::Illness,
                Some(sum),
                Some(threshold),
                format!("住院自付费用合计 {sum} 元, 达到{who}标准 {threshold} 元"),
            )
        }
        OutpatientCost => {
            let mut months: BTreeMap<(i32, u32, usize), Yuan> = BTreeMap::new();
            for (i, r) in c.records.iter().enumerate() {
                // Records without a date are each taken as one month's cost.
                let key = r
                    .date
                    .map(|d| (d.year(), d.month(), 0))
                    .unwrap_or((0, 0, i + 1));
                *months.entry(key).or_default() += r.amount.unwrap_or_default();
            }
            let ((y, mo, _), max) = months.into_iter().max_by_key(|(_, v)| *v)?;
            (max >= t.outpatient_monthly).then_some(())?;
            let when = if y == 0 {
                "单月".to_owned()
            } else {
                format!("{y} 年 {mo} 月")
            };
            fired(
                RiskType::Illness,
                Some(max),
                Some(t.outpatient_monthly),
                format!(
                    "{when}门诊自付费用 {max} 元, 达到每月 {} 元标准",
                    t.outpatient_monthly
                ),
            )
        }
        NewDibao | NewTekun => fired(
            RiskType::Other,
            None,
            None,
            format!(
                "新纳入{}",
                if kind == NewDibao {
                    "低保"
                } else {
                    "特困供养"
                }
            ),
        ),
        Death => {
            let key = working && c.member.labour.is_none_or(LabourAbility::can_work);
            key.then_some(())?;
            fired(
                RiskType::LackOfLabour,
                None,
                None,
                format!(
                    "死亡, 终年 {age} 岁, 属劳动年龄({}–{} 岁)的主要劳动力",
                    t.working_age.0, t.working_age.1
                ),
            )
        }
        Dropout => {
            let (lo, hi) = t.compulsory_school_age;
            (lo..=hi).contains(&age).then_some(())?;
            // Finished junior middle school (文化程度): compulsory education is completed, not dropped.
            (!jingzhun_policy::rules::completed_compulsory(c.member.education)).then_some(())?;
            fired(
                RiskType::Schooling,
                None,
                None,
                format!("疑似辍学, {age} 岁, 处于义务教育年龄({lo}–{hi} 岁)"),
            )
        }
        EducationCost => {
            let sum = total(c.records);
            (sum > t.education_cost).then_some(())?;
            fired(
                RiskType::Schooling,
                Some(sum),
                Some(t.education_cost),
                format!(
                    "高中或中职自付教育费用 {sum} 元, 超过 {} 元",
                    t.education_cost
                ),
            )
        }
        Disability => {
            let grade = c
                .records
                .iter()
                .filter_map(|r| r.grade.as_deref().and_then(disability_grade))
                .min()?;
            (grade <= t.severe_disability_max_grade).then_some(())?;
            fired(
                RiskType::Disability,
                None,
                None,
                format!(
                    "新增 {grade} 级残疾, 属重度残疾(1–{} 级)",
                    t.severe_disability_max_grade
                ),
            )
        }
        Unemployment => {
            working.then_some(())?;
            fired(
                RiskType::UnstableEmployment,
                None,
                None,
                format!("失业或务工中断, {age} 岁, 处于劳动年龄"),
            )
        }
        Accident => {
            working.then_some(())?;
            fired(
                RiskType::Accident,
                None,
                None,
                format!("遭受意外事故, {age} 岁, 属劳动年龄的主要劳动力"),
            )
        }
        Disaster => {
            let sum = total(c.records);
            (sum >= t.disaster_loss).then_some(())?;
            fired(
                RiskType::Disaster,
                Some(sum),
                Some(t.disaster_loss),
                format!("灾害损失 {sum} 元, 达到 {} 元标准", t.disaster_loss),
            )
        }
        HousingAppraisal => {
            let grade = c
                .records
                .iter()
                .filter_map(|r| r.grade.as_deref().and_then(HousingGrade::parse))
                .max()?;
            (!grade.is_safe()).then_some(())?;
            fired(
                RiskType::Housing,
                None,
                None,
                format!("住房鉴定为{}, 属危房", grade.label()),
            )
        }
        Car | Business | Property | PublicEmployee => None,
    }
}

/// Writes a comparison as XLSX for reviewers: sheets 风险线索 (leads), 排除提示 (asset hits) and 未匹配
/// (list rows matching no member). IDs are masked; the list's row number finds the record in the source.
pub fn write_comparison(
    path: &Path,
    comparison: &Comparison,
) -> Result<(), jingzhun_io::export::ExportError> {
    use jingzhun_io::export::{write_tables_xlsx, Table};
    let amount = |y: Option<Yuan>| y.map(|v| v.to_string()).unwrap_or_default();
    let leads: Vec<Vec<String>> = comparison
        .leads
        .iter()
        .map(|l| {
            vec![
                l.rule.to_owned(),
                l.channel.label().to_owned(),
                l.risk.label().to_owned(),
                l.village.to_string(),
                l.household_no.to_string(),
                l.member.to_string(),
                l.member_masked.clone(),
                amount(l.value),
                amount(l.threshold),
                l.explanation.clone(),
                join_rows(&l.rows),
            ]
        })
        .collect();
    let exclusions: Vec<Vec<String>> = comparison
        .exclusions
        .iter()
        .map(|e| {
            vec![
                e.rule.to_owned(),
                e.kind.label().to_owned(),
                e.village.to_string(),
                e.household_no.to_string(),
                e.member.to_string(),
                e.member_masked.clone(),
                e.explanation.clone(),
                join_rows(&e.rows),
            ]
        })
        .collect();
    let unmatched: Vec<Vec<String>> = comparison
        .unmatched
        .iter()
        .map(|u| vec![u.row.to_string(), u.resident_id.masked()])
        .collect();
    write_tables_xlsx(
        path,
        &[
            Table {
                sheet: "风险线索",
                headers: &[
                    "规则",
                    "发现渠道",
                    "风险类型",
                    "行政区划代码",
                    "户编号",
                    "成员序号",
                    "证件号码",
                    "数值",
                    "阈值",
                    "说明",
                    "名单行号",
                ],
                rows: &leads,
            },
            Table {
                sheet: "排除提示",
                headers: &[
                    "规则",
                    "数据类型",
                    "行政区划代码",
                    "户编号",
                    "成员序号",
                    "证件号码",
                    "说明",
                    "名单行号",
                ],
                rows: &exclusions,
            },
            Table {
                sheet: "未匹配",
                headers: &["名单行号", "证件号码"],
                rows: &unmatched,
            },
        ],
    )
}

fn join_rows(rows: &[usize]) -> String {
    rows.iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join("、")
}
