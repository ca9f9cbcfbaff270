//! Warning lists (预警清单): the households the rules flag, and the monitoring work that waits, for one area
//! and year, as lists that cadres act on.
//!
//! Every engine-based row comes from **the** evaluation ([`Engine::outcomes`] of an [`Evaluation`]): a
//! household proposed for monitoring here is one the rollups, the stored proposals and the Parquet export
//! count as proposed — nothing is judged a second way. The workflow's rows (open 办理事项 near or past their
//! time limit, assistance measures about to end) come from the monitoring records the caller passes in.
//!
//! * [`WarningKind`]: the kinds, with stable codes and Chinese labels.
//! * [`WarningSet::build`]: the rows of an area from an evaluation and the workflow records.
//! * [`WarningSet::counts`]: counts by kind (with monitoring kinds, risk types and guarantees), for the area
//!   and its child areas side by side.
//! * [`WarningSet::select`]: the filtered, sorted list ([`Filter`], [`Sort`]); the caller pages it.
//! * [`workbook`]: the XLSX download (identity columns masked by the caller as the role requires).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use jingzhun_core::economy::EmploymentRecord;
use jingzhun_core::monitoring::CaseId;
use jingzhun_core::projects::Resident;
use jingzhun_core::{AreaCode, AssistanceType, HouseholdId, MonitoringKind, RiskType, Yuan};
use jingzhun_engine::{Engine, Evaluation};
use jingzhun_policy::{flag, Guarantee, ProposalKind};
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;

use crate::economy;

jingzhun_core::labeled_enum! {
    /// What a row of the warning list is about. Stable codes (API, CLI, URLs).
    pub enum WarningKind {
        MonitoringCandidate = ("monitoring_candidate", "建议纳入监测"),
        OmissionSuspect = ("omission_suspect", "疑似漏评"),
        WrongExitSuspect = ("wrong_exit_suspect", "疑似错退"),
        ReturnToPoverty = ("return_to_poverty", "疑似返贫"),
        GuaranteeUnmet = ("guarantee_unmet", "“三保障”和饮水安全未达标"),
        DepartmentAlert = ("department_alert", "部门数据预警"),
        RiskElimination = ("risk_elimination", "符合风险消除条件"),
        CaseOverdue = ("case_overdue", "办理事项已超时限"),
        CaseNear = ("case_near", "办理事项临近时限"),
        MeasureEnding = ("measure_ending", "帮扶措施即将到期"),
        EmploymentLost = ("employment_lost", "务工就业中断"),
        RelocatedWithoutWork = ("relocated_without_work", "搬迁户无人就业"),
    }
}

impl WarningKind {
    /// The engine's proposal behind a kind, if it is one.
    pub fn proposal(self) -> Option<ProposalKind> {
        match self {
            WarningKind::MonitoringCandidate => Some(ProposalKind::MonitoringCandidate),
            WarningKind::OmissionSuspect => Some(ProposalKind::OmissionSuspect),
            WarningKind::WrongExitSuspect => Some(ProposalKind::WrongExitSuspect),
            WarningKind::ReturnToPoverty => Some(ProposalKind::ReturnToPoverty),
            WarningKind::RiskElimination => Some(ProposalKind::RiskElimination),
            _ => None,
        }
    }

    /// Whether a row of this kind may be taken up as a monitoring lead (登记风险线索).
    pub fn is_lead(self) -> bool {
        matches!(
            self,
            WarningKind::MonitoringCandidate
                | WarningKind::OmissionSuspect
                | WarningKind::WrongExitSuspect
                | WarningKind::ReturnToPoverty
                | WarningKind::GuaranteeUnmet
                | WarningKind::DepartmentAlert
                | WarningKind::EmploymentLost
                | WarningKind::RelocatedWithoutWork
        )
    }

    /// The risk type a lead taken up from a row of this kind is recorded with, when the kind names one
    /// (lost work and relocated households without work: 因务工就业不稳).
    pub fn risk(self) -> Option<RiskType> {
        match self {
            WarningKind::EmploymentLost | WarningKind::RelocatedWithoutWork => {
                Some(RiskType::UnstableEmployment)
            }
            _ => None,
        }
    }
}

jingzhun_core::labeled_enum! {
    /// Where a household's per-capita income of the year lies against the year's lines.
    pub enum IncomeBand {
        BelowLine = ("below_line", "低于扶贫标准"),
        BelowMonitoring = ("below_monitoring", "低于监测范围"),
        AboveMonitoring = ("above_monitoring", "高于监测范围"),
        Unknown = ("unknown", "无当年收入记录"),
    }
}

impl IncomeBand {
    fn of(flags: u32) -> IncomeBand {
        if flags & flag::INCOME_KNOWN == 0 {
            IncomeBand::Unknown
        } else if flags & flag::BELOW_LINE != 0 {
            IncomeBand::BelowLine
        } else if flags & flag::BELOW_MONITORING != 0 {
            IncomeBand::BelowMonitoring
        } else {
            IncomeBand::AboveMonitoring
        }
    }
}

/// Days before a measure's last day from which it is listed as ending.
pub const MEASURE_ENDING_DAYS: i64 = 30;

/// One row: a household and one reason to look at it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WarningRow {
    pub household: HouseholdId,
    /// The household's village on the evaluation date (for cases, the village of the lead).
    pub village: AreaCode,
    pub kind: WarningKind,
    /// The proposed monitoring kind (建议纳入监测).
    pub monitoring_kind: Option<MonitoringKind>,
    /// Risk types found by the rules.
    pub risk_types: Vec<RiskType>,
    /// Failed guarantees (for [`WarningKind::GuaranteeUnmet`]).
    pub guarantees: Vec<Guarantee>,
    /// Per-capita net income of the year; `None` without an income record.
    pub per_capita: Option<Yuan>,
    pub band: IncomeBand,
    /// The household has an open monitoring case (办理事项).
    pub open_case: bool,
    /// The case's deadline, or the measure's last day.
    pub due: Option<NaiveDate>,
    /// The case (办理事项) of a workflow row.
    pub case: Option<CaseId>,
    /// The measure kind of a [`WarningKind::MeasureEnding`] row.
    pub measure: Option<AssistanceType>,
    /// What the records say, in Chinese, for rows from the economy's records (who lost work and when;
    /// never a resident ID).
    pub detail: Option<String>,
}

/// An open case, as the workflow rows need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenCase {
    pub id: CaseId,
    pub household: HouseholdId,
    pub village: AreaCode,
    /// Last day within the time limit.
    pub deadline: Option<NaiveDate>,
}

/// A measure whose last day is near.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndingMeasure {
    pub household: HouseholdId,
    pub kind: AssistanceType,
    pub ended: NaiveDate,
}

/// The monitoring work of the area on `today`.
#[derive(Debug, Clone, Default)]
pub struct Workflow {
    pub today: Option<NaiveDate>,
    /// An open case is near its limit this many days (or fewer) before the deadline.
    pub near_days: i64,
    pub open_cases: Vec<OpenCase>,
    pub ending_measures: Vec<EndingMeasure>,
    /// Employment records of the list's year and the year before (the economy's, issue 14): members of
    /// lifted or monitored households who lost work make [`WarningKind::EmploymentLost`] rows
    /// ([`economy::employment_leads`]), relocated households without anyone in work
    /// [`WarningKind::RelocatedWithoutWork`] rows.
    pub employment: Vec<EmploymentRecord>,
    /// The relocated households living in settlements of the area ([`economy::relocated_without_work`]).
    pub relocated: Vec<Resident>,
}

/// Counts of one area.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KindCounts {
    /// Households (rows) by kind, every kind present (zeros included), in [`WarningKind::ALL`] order.
    pub by_kind: Vec<(WarningKind, u64)>,
    /// Monitoring candidates by proposed monitoring kind.
    pub candidates_by_monitoring_kind: Vec<(MonitoringKind, u64)>,
    /// Monitoring candidates by risk type (a household counts under each of its types).
    pub candidates_by_risk: Vec<(RiskType, u64)>,
    /// Households failing each guarantee.
    pub by_guarantee: Vec<(Guarantee, u64)>,
    /// Households with at least one row.
    pub households: u64,
}

impl KindCounts {
    pub fn of(&self, kind: WarningKind) -> u64 {
        self.by_kind
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(0, |(_, n)| *n)
    }
}

/// Which rows a list shows (all conditions hold).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub kind: Option<WarningKind>,
    /// A township or village (any area) within the set's area.
    pub area: Option<AreaCode>,
    pub risk: Option<RiskType>,
    pub band: Option<IncomeBand>,
    pub open_case: Option<bool>,
}

impl Filter {
    pub fn keeps(&self, r: &WarningRow) -> bool {
        self.kind.is_none_or(|k| r.kind == k)
            && self.area.as_ref().is_none_or(|a| a.contains(&r.village))
            && self.risk.is_none_or(|x| r.risk_types.contains(&x))
            && self.band.is_none_or(|b| r.band == b)
            && self.open_case.is_none_or(|o| r.open_case == o)
    }
}

jingzhun_core::labeled_enum! {
    /// Orders of the list.
    pub enum Sort {
        Village = ("village", "按村"),
        IncomeAsc = ("income", "按收入从低到高"),
        IncomeDesc = ("income_desc", "按收入从高到低"),
        Due = ("due", "按到期日"),
    }
}

/// One page of a set's rows ([`WarningSet::page`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RowPage<'a> {
    pub rows: Vec<&'a WarningRow>,
    /// Rows the filter keeps.
    pub total: usize,
    /// The page shown, from 1.
    pub page: usize,
    pub pages: usize,
}

/// The warning rows of an area for one evaluated year, with the workflow's rows of `today`.
#[derive(Debug, Clone)]
pub struct WarningSet {
    pub area: AreaCode,
    pub year: u16,
    pub as_of: NaiveDate,
    pub pack_version: String,
    /// In village, household, kind order.
    pub rows: Vec<WarningRow>,
}

impl WarningSet {
    /// The rows of the households within `area` in `eval` (an evaluation of `engine`), with the workflow's.
    pub fn build(engine: &Engine, eval: &Evaluation, area: &AreaCode, work: &Workflow) -> Self {
        let open: HashSet<HouseholdId> = work.open_cases.iter().map(|c| c.household).collect();
        // The economy's rows: lost work of the lifted and monitored labour force, relocated households
        // without work — both from the employment records, the labour force from this evaluation.
        let lost = if work.employment.is_empty() {
            Vec::new()
        } else {
            let force = economy::labour_force_households(engine, eval);
            economy::employment_leads(eval.year, &work.employment, &force)
        };
        let jobless = economy::relocated_without_work(
            &work.relocated,
            eval.as_of,
            eval.year,
            &work.employment,
        );
        let wanted: HashSet<HouseholdId> = work
            .ending_measures
            .iter()
            .map(|m| m.household)
            .chain(open.iter().copied())
            .chain(lost.iter().map(|l| l.household))
            .chain(jobless.iter().copied())
            .collect();
        // What the workflow rows show of a household, from the same evaluation.
        let mut seen: HashMap<HouseholdId, (AreaCode, u32, i64, u16)> = HashMap::new();
        let mut rows = Vec::new();
        for o in engine.outcomes(eval) {
            if !area.contains(&o.village) {
                continue;
            }
            let a = o.assessment;
            if wanted.contains(&o.id) {
                seen.insert(o.id, (o.village, a.flags, a.per_capita_fen, a.risks));
            }
            if a.flags >> 8 == 0 && a.flags & flag::ALERT == 0 {
                continue;
            }
            let base = WarningRow {
                household: o.id,
                village: o.village,
                kind: WarningKind::MonitoringCandidate,
                monitoring_kind: None,
                risk_types: a.risk_types(),
                guarantees: Vec::new(),
                per_capita: a.per_capita(),
                band: IncomeBand::of(a.flags),
                open_case: open.contains(&o.id),
                due: None,
                case: None,
                measure: None,
                detail: None,
            };
            for kind in WarningKind::ALL {
                let hit = match kind.proposal() {
                    Some(p) => a.proposes(p),
                    None => match kind {
                        WarningKind::GuaranteeUnmet => a.any_guarantee_failed(),
                        WarningKind::DepartmentAlert => a.has(flag::ALERT),
                        _ => false,
                    },
                };
                if !hit {
                    continue;
                }
                let mut row = base.clone();
                row.kind = *kind;
                if *kind == WarningKind::MonitoringCandidate {
                    row.monitoring_kind = a.monitoring_kind;
                }
                if *kind == WarningKind::GuaranteeUnmet {
                    row.guarantees = Guarantee::ALL
                        .iter()
                        .copied()
                        .filter(|g| a.failed(*g))
                        .collect();
                }
                rows.push(row);
            }
        }
        let workflow_row = |household: HouseholdId, village: AreaCode, kind: WarningKind| {
            let (village, flags, fen, risks) =
                seen.get(&household).copied().unwrap_or((village, 0, 0, 0));
            WarningRow {
                household,
                village,
                kind,
                monitoring_kind: None,
                risk_types: RiskType::ALL
                    .iter()
                    .copied()
                    .filter(|r| risks & (1 << r.index()) != 0)
                    .collect(),
                guarantees: Vec::new(),
                per_capita: (flags & flag::INCOME_KNOWN != 0).then(|| Yuan::from_fen(fen)),
                band: IncomeBand::of(flags),
                open_case: open.contains(&household),
                due: None,
                case: None,
                measure: None,
                detail: None,
            }
        };
        if let Some(today) = work.today {
            for c in &work.open_cases {
                if !area.contains(&c.village) {
                    continue;
                }
                let Some(deadline) = c.deadline else { continue };
                let kind = if today > deadline {
                    WarningKind::CaseOverdue
                } else if (deadline - today).num_days() <= work.near_days {
                    WarningKind::CaseNear
                } else {
                    continue;
                };
                let mut row = workflow_row(c.household, c.village, kind);
                row.due = Some(deadline);
                row.case = Some(c.id);
                rows.push(row);
            }
        }
        for m in &work.ending_measures {
            let Some(&(village, ..)) = seen.get(&m.household) else {
                // Not in the evaluation of this area (moved away, or outside it): not this list's.
                continue;
            };
            let mut row = workflow_row(m.household, village, WarningKind::MeasureEnding);
            row.due = Some(m.ended);
            row.measure = Some(m.kind);
            rows.push(row);
        }
        // One row per household: its members' losses in one sentence.
        let mut by_household: BTreeMap<HouseholdId, Vec<&economy::EmploymentLead>> =
            BTreeMap::new();
        for l in &lost {
            by_household.entry(l.household).or_default().push(l);
        }
        let economy_row = |household: HouseholdId, kind: WarningKind, detail: String| {
            let &(village, ..) = seen.get(&household)?;
            let mut row = workflow_row(household, village, kind);
            if let Some(risk) = kind.risk() {
                row.risk_types.retain(|r| *r != risk);
                row.risk_types.insert(0, risk);
            }
            row.detail = Some(detail);
            Some(row)
        };
        for (household, leads) in by_household {
            let detail = leads
                .iter()
                .map(|l| format!("{}: {}", l.member_masked, l.explanation))
                .collect::<Vec<_>>()
                .join("; ");
            rows.extend(economy_row(household, WarningKind::EmploymentLost, detail));
        }
        for household in jobless {
            let detail = format!(
                "易地扶贫搬迁户, {} 年有劳动年龄成员而无人就业(务工、公益性岗位或就业帮扶车间)",
                eval.year
            );
            rows.extend(economy_row(
                household,
                WarningKind::RelocatedWithoutWork,
                detail,
            ));
        }
        rows.sort_by(|x, y| {
            (x.village, x.household, x.kind, x.due).cmp(&(y.village, y.household, y.kind, y.due))
        });
        WarningSet {
            area: *area,
            year: eval.year,
            as_of: eval.as_of,
            pack_version: eval.pack_version.clone(),
            rows,
        }
    }

    /// Counts of the rows within `within`.
    pub fn counts(&self, within: &AreaCode) -> KindCounts {
        count(self.rows.iter().filter(|r| within.contains(&r.village)))
    }

    /// Counts of each of `children` (areas within the set's area), in the order given, in one pass.
    pub fn counts_by_child(&self, children: &[AreaCode]) -> Vec<(AreaCode, KindCounts)> {
        let Some(level) = children.first().map(|c| c.level()) else {
            return Vec::new();
        };
        let mut groups: BTreeMap<AreaCode, Vec<&WarningRow>> = BTreeMap::new();
        for r in &self.rows {
            if let Some(a) = r.village.ancestor_at(level) {
                groups.entry(a).or_default().push(r);
            }
        }
        children
            .iter()
            .map(|c| {
                let rows = groups.remove(c).unwrap_or_default();
                (*c, count(rows.into_iter()))
            })
            .collect()
    }

    /// Page `page` (from 1, clamped to the pages there are) of `per_page` rows of [`WarningSet::select`].
    /// The unfiltered list in its default order (the set's own) is a slice of the set: gathering a county's
    /// whole set on every request was the largest single item of the list's CPU in `perf`.
    pub fn page(&self, filter: &Filter, sort: Sort, page: usize, per_page: usize) -> RowPage<'_> {
        let per_page = per_page.max(1);
        let whole = sort == Sort::Village && *filter == Filter::default();
        let selected = if whole {
            Vec::new()
        } else {
            self.select(filter, sort)
        };
        let all: &[&WarningRow] = &selected;
        let total = if whole { self.rows.len() } else { all.len() };
        let pages = total.div_ceil(per_page).max(1);
        let page = page.clamp(1, pages);
        let (from, to) = (
            ((page - 1) * per_page).min(total),
            (page * per_page).min(total),
        );
        let rows = if whole {
            self.rows[from..to].iter().collect()
        } else {
            all[from..to].to_vec()
        };
        RowPage {
            rows,
            total,
            page,
            pages,
        }
    }

    /// The rows `filter` keeps, in `sort` order.
    pub fn select(&self, filter: &Filter, sort: Sort) -> Vec<&WarningRow> {
        let mut rows: Vec<&WarningRow> = self.rows.iter().filter(|r| filter.keeps(r)).collect();
        match sort {
            Sort::Village => {}
            Sort::IncomeAsc => rows.sort_by_key(|r| (r.per_capita.is_none(), r.per_capita)),
            Sort::IncomeDesc => {
                rows.sort_by_key(|r| (r.per_capita.is_none(), std::cmp::Reverse(r.per_capita)))
            }
            Sort::Due => rows.sort_by_key(|r| (r.due.is_none(), r.due)),
        }
        rows
    }
}

fn count<'a>(rows: impl Iterator<Item = &'a WarningRow>) -> KindCounts {
    let mut by_kind = [0u64; 16];
    let mut by_mk = [0u64; 8];
    let mut by_risk = [0u64; 32];
    let mut by_g = [0u64; 8];
    let mut households = HashSet::new();
    for r in rows {
        households.insert(r.household);
        by_kind[usize::from(r.kind.index())] += 1;
        if r.kind == WarningKind::MonitoringCandidate {
            if let Some(k) = r.monitoring_kind {
                by_mk[usize::from(k.index())] += 1;
            }
            for t in &r.risk_types {
                by_risk[usize::from(t.index())] += 1;
            }
        }
        for g in &r.guarantees {
            by_g[usize::from(g.index())] += 1;
        }
    }
    KindCounts {
        by_kind: WarningKind::ALL
            .iter()
            .map(|k| (*k, by_kind[usize::from(k.index())]))
            .collect(),
        candidates_by_monitoring_kind: MonitoringKind::ALL
            .iter()
            .map(|k| (*k, by_mk[usize::from(k.index())]))
            .collect(),
        candidates_by_risk: RiskType::ALL
            .iter()
            .map(|k| (*k, by_risk[usize::from(k.index())]))
            .filter(|(_, n)| *n > 0)
            .collect(),
        by_guarantee: Guarantee::ALL
            .iter()
            .map(|g| (*g, by_g[usize::from(g.index())]))
            .collect(),
        households: households.len() as u64,
    }
}

/// What a row shows of its household beyond the evaluation (from the registry; masked by the caller).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RowLabel {
    pub number: String,
    pub head: String,
    /// The head's resident ID, masked unless the reader may see it.
    pub head_id: String,
    pub village_name: String,
}

/// What a row is about, in words: the proposed monitoring kind, the failed guarantees, the case and its
/// deadline, the measure and its last day.
pub fn subject(r: &WarningRow) -> String {
    match r.kind {
        WarningKind::MonitoringCandidate => r
            .monitoring_kind
            .map(|k| format!("建议类型: {}", k.label()))
            .unwrap_or_default(),
        WarningKind::GuaranteeUnmet => r
            .guarantees
            .iter()
            .map(|g| g.label())
            .collect::<Vec<_>>()
            .join("、"),
        WarningKind::CaseOverdue | WarningKind::CaseNear => format!(
            "{}, 时限 {}",
            r.case.as_ref().map(|c| c.to_string()).unwrap_or_default(),
            r.due.map(|d| d.to_string()).unwrap_or_default()
        ),
        WarningKind::MeasureEnding => format!(
            "{}, {} 到期",
            r.measure.map(|m| m.label()).unwrap_or_default(),
            r.due.map(|d| d.to_string()).unwrap_or_default()
        ),
        WarningKind::EmploymentLost | WarningKind::RelocatedWithoutWork => {
            r.detail.clone().unwrap_or_default()
        }
        _ => String::new(),
    }
}

/// Risk types in words.
pub fn risk_text(r: &WarningRow) -> String {
    r.risk_types
        .iter()
        .map(|t| t.label())
        .collect::<Vec<_>>()
        .join("、")
}

/// The list as an XLSX workbook: a sheet of counts by kind and a sheet of rows with their labels.
pub fn workbook(
    set: &WarningSet,
    area_name: &str,
    counts: &KindCounts,
    rows: &[(&WarningRow, RowLabel)],
    masked: bool,
) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let sheet = wb.add_worksheet();
    sheet.set_name("预警计数")?;
    sheet.write_string_with_format(
        0,
        0,
        format!("{area_name}({}) {} 年预警清单", set.area, set.year),
        &bold,
    )?;
    sheet.write_string(
        1,
        0,
        format!(
            "评估日期 {}; 政策包 {}{}",
            set.as_of,
            set.pack_version,
            if masked {
                "; 身份信息已遮蔽"
            } else {
                ""
            }
        ),
    )?;
    sheet.write_string_with_format(3, 0, "预警类型", &bold)?;
    sheet.write_string_with_format(3, 1, "户数", &bold)?;
    for (i, (k, n)) in counts.by_kind.iter().enumerate() {
        sheet.write_string(4 + i as u32, 0, k.label())?;
        sheet.write_number(4 + i as u32, 1, *n as f64)?;
    }
    sheet.set_column_width(0, 28)?;
    let list = wb.add_worksheet();
    list.set_name("预警清单")?;
    let headers = [
        "预警类型",
        "说明",
        "户编号",
        "户主",
        "户主证件号码",
        "行政村",
        "村代码",
        "风险类型",
        "人均纯收入(元)",
        "收入区间",
        "有在办事项",
    ];
    for (c, h) in headers.iter().enumerate() {
        list.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (i, (r, label)) in rows.iter().enumerate() {
        let row = 1 + i as u32;
        list.write_string(row, 0, r.kind.label())?;
        list.write_string(row, 1, subject(r))?;
        list.write_string(row, 2, &label.number)?;
        list.write_string(row, 3, &label.head)?;
        list.write_string(row, 4, &label.head_id)?;
        list.write_string(row, 5, &label.village_name)?;
        list.write_string(row, 6, r.village.as_str())?;
        list.write_string(row, 7, risk_text(r))?;
        if let Some(y) = r.per_capita {
            list.write_number(row, 8, y.fen() as f64 / 100.0)?;
        }
        list.write_string(row, 9, r.band.label())?;
        list.write_string(row, 10, if r.open_case { "是" } else { "否" })?;
    }
    list.set_column_width(1, 30)?;
    list.set_column_width(2, 22)?;
    list.set_column_width(4, 20)?;
    wb.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn row(
        i: usize,
        kind: u8,
        village: u8,
        income: Option<i64>,
        open: bool,
        due: Option<u8>,
    ) -> WarningRow {
        let village = AreaCode::parse(&format!("5119021010{:02}", village % 4 + 1))
            .unwrap_or_else(|_| unreachable!());
        WarningRow {
            household: HouseholdId(i as i64 + 1),
            village,
            kind: WarningKind::ALL[usize::from(kind) % WarningKind::ALL.len()],
            monitoring_kind: None,
            risk_types: Vec::new(),
            guarantees: Vec::new(),
            per_capita: income.map(Yuan::from_fen),
            band: IncomeBand::ALL[i % IncomeBand::ALL.len()],
            open_case: open,
            due: due.and_then(|d| NaiveDate::from_ymd_opt(2025, 1, 1 + u32::from(d % 28))),
            case: None,
            measure: None,
            detail: None,
        }
    }

    proptest! {
        /// A page is the same slice of the full selection in every order and for every filter, whether
        /// or not the selection is gathered first.
        #[test]
        fn a_page_is_the_slice_of_the_selection(
            rows in proptest::collection::vec(
                (0u8..16, 0u8..8, proptest::option::of(-500i64..900_000), any::<bool>(), proptest::option::of(0u8..40)),
                0..120,
            ),
            kind in proptest::option::of(0u8..16),
            open in proptest::option::of(any::<bool>()),
            within in proptest::option::of(0u8..4),
            sort in 0usize..4,
            page in 0usize..12,
            per_page in 1usize..25,
        ) {
            let set = WarningSet {
                area: AreaCode::parse("511902").unwrap_or_else(|_| unreachable!()),
                year: 2024,
                as_of: NaiveDate::from_ymd_opt(2024, 12, 31).unwrap_or_default(),
                pack_version: String::new(),
                rows: rows
                    .iter()
                    .enumerate()
                    .map(|(i, (k, v, inc, o, d))| row(i, *k, *v, *inc, *o, *d))
                    .collect(),
            };
            let filter = Filter {
                kind: kind.map(|k| WarningKind::ALL[usize::from(k) % WarningKind::ALL.len()]),
                area: within.map(|v| {
                    AreaCode::parse(&format!("5119021010{:02}", v + 1)).unwrap_or_else(|_| unreachable!())
                }),
                risk: None,
                band: None,
                open_case: open,
            };
            let sort = Sort::ALL[sort];
            let all = set.select(&filter, sort);
            let got = set.page(&filter, sort, page, per_page);
            let pages = all.len().div_ceil(per_page).max(1);
            let shown = page.clamp(1, pages);
            prop_assert_eq!(got.total, all.len());
            prop_assert_eq!(got.pages, pages);
            prop_assert_eq!(got.page, shown);
            let want: Vec<&WarningRow> = all.into_iter().skip((shown - 1) * per_page).take(per_page).collect();
            prop_assert_eq!(got.rows, want);
        }
    }
}
