//! The rules: pure functions from a household's facts and the effective parameters to outcomes.
//!
//! One rule body ([`assess_with`]) serves two callers. The engine calls [`assess`], which records nothing
//! and returns a compact [`Assessment`] (flags and numbers) for millions of households; [`explain`] runs the
//! same body with a recorder and returns a [`HouseholdEvaluation`] in which every outcome carries the
//! explanations that decided it. So an explanation can never disagree with a count.
//!
//! Proposals (what the rules suggest, [`Proposal`]) are never decisions: decisions are
//! [`jingzhun_core::StatusEvent`]s approved by people. Nothing here creates one.
//!
//! Approximations, stated once:
//! - Income is yearly: the evaluated year's [`IncomeRecord`] stands for "the previous 12 months" used by
//!   monitoring, and a year above the monitoring threshold counts as 12 months of stable income for risk
//!   elimination.
//! - Missing facts are not assumed good: a compulsory-age child without a schooling status, a house without
//!   an appraisal or water without a recorded supply fails its guarantee, and the explanation says "未记录".
//!   A missing fetch time means water at home; a missing outage count means no recorded outage.

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{
    Education, Health, HouseholdStatus, HousingGrade, IncomeComponent, LabourAbility, Member,
    MonitoringKind, RegistryStatus, RiskType, SafeHousingAlternative, SchoolingStatus, StatusEvent,
    Yuan,
};
use serde::Serialize;

use crate::pack::{EffectiveParams, ParamKey, ParamValue, Params, Rate};
use crate::reason::{Note, Reason, Subject};

/// What the rules need to know about a member on the evaluation date. 7 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberFacts {
    pub age: u8,
    /// Age on the enrolment cutoff of the current school year (31 August, see [`school_year_cutoff`]):
    /// the age that decides whether a child is of compulsory-school age. A child who turns 6 in
    /// October is still in kindergarten that school year.
    pub school_age: u8,
    pub schooling: Option<SchoolingStatus>,
    /// 文化程度: the highest level completed.
    pub education: Option<Education>,
    pub health: Health,
    pub labour: Option<LabourAbility>,
    pub medical_insurance: bool,
}

impl MemberFacts {
    pub fn of(member: &Member, date: NaiveDate) -> Self {
        MemberFacts {
            age: u8::try_from(member.age_on(date)).unwrap_or(u8::MAX),
            school_age: u8::try_from(jingzhun_core::resident_id::age_on(
                member.birth_date(),
                school_year_cutoff(date),
            ))
            .unwrap_or(u8::MAX),
            schooling: member.schooling,
            education: member.education,
            health: member.health,
            labour: member.labour,
            medical_insurance: member.medical_insurance,
        }
    }

    fn can_work(&self) -> bool {
        self.labour.is_some_and(LabourAbility::can_work)
    }

    /// Finished junior middle school (文化程度 初中 or above): compulsory education is completed, so
    /// being out of school is not dropping out.
    pub fn completed_compulsory(&self) -> bool {
        completed_compulsory(self.education)
    }
}

/// Whether a 文化程度 means the nine years of compulsory education are completed (初中 or above).
pub fn completed_compulsory(education: Option<Education>) -> bool {
    matches!(
        education,
        Some(Education::Junior | Education::Senior | Education::College)
    )
}

/// The enrolment cutoff of the school year `date` falls in: the last 31 August on or before `date`
/// (children aged 6 by then start primary school in September; the common national practice).
pub fn school_year_cutoff(date: NaiveDate) -> NaiveDate {
    let year = if (date.month(), date.day()) >= (8, 31) {
        date.year()
    } else {
        date.year() - 1
    };
    NaiveDate::from_ymd_opt(year, 8, 31).unwrap_or(date)
}

/// The registry state on the evaluation date, without its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistryState {
    NotRegistered,
    Poor,
    Exited,
    Removed,
}

/// Status facts, derived from the status events up to the evaluation date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusFacts {
    pub registry: RegistryState,
    /// Date of the event that set `registry` (registration, exit or removal).
    pub registry_since: Option<NaiveDate>,
    pub monitoring: Option<MonitoringKind>,
    pub monitored_since: Option<NaiveDate>,
}

impl StatusFacts {
    pub const NOT_REGISTERED: StatusFacts = StatusFacts {
        registry: RegistryState::NotRegistered,
        registry_since: None,
        monitoring: None,
        monitored_since: None,
    };

    /// Whether the lower inpatient-cost alert threshold applies (脱贫户, including registered poor
    /// households, and 监测对象); the higher one applies to 一般农户. The department comparison uses the
    /// same test.
    pub fn lower_inpatient_threshold(&self) -> bool {
        matches!(self.registry, RegistryState::Poor | RegistryState::Exited)
            || self.monitoring.is_some()
    }

    pub fn from_events(events: &[StatusEvent], date: NaiveDate) -> Self {
        let s = HouseholdStatus::on(events, date);
        let (registry, registry_since) = match s.registry {
            RegistryStatus::NotRegistered => (RegistryState::NotRegistered, None),
            RegistryStatus::Poor { since } => (RegistryState::Poor, Some(since)),
            RegistryStatus::Exited { on } => (RegistryState::Exited, Some(on)),
            RegistryStatus::Removed { on } => (RegistryState::Removed, Some(on)),
        };
        StatusFacts {
            registry,
            registry_since,
            monitoring: s.monitoring,
            monitored_since: s.monitored_since,
        }
    }
}

/// Housing facts relevant to the housing guarantee.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HousingFacts {
    pub grade: Option<HousingGrade>,
    pub alternative: Option<SafeHousingAlternative>,
    pub relocated: bool,
}

/// Drinking-water facts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WaterFacts {
    pub litres_per_person_day: Option<u16>,
    pub fetch_minutes: Option<u16>,
    pub outage_days_per_year: Option<u16>,
    pub quality_ok: Option<bool>,
    pub dry_area: bool,
}

/// What other departments' data says about the household (数据比对), and assistance in place, on the
/// evaluation date: built from the dated findings and measures by [`crate::facts::department_on`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DepartmentFacts {
    /// Largest out-of-pocket inpatient cost of any member in the year (医保).
    pub medical_inpatient_oop: Yuan,
    /// Largest monthly out-of-pocket outpatient cost (医保).
    pub outpatient_monthly_oop: Yuan,
    /// Out-of-pocket high-school or vocational costs (教育).
    pub education_oop: Yuan,
    /// Disaster losses reported (应急).
    pub disaster: bool,
    /// Accident harming a key worker (公安).
    pub accident: bool,
    /// Unemployment or loss of migrant work (人社).
    pub job_loss: bool,
    /// Number of assistance measures in place (帮扶措施).
    pub measures: u16,
}

impl DepartmentFacts {
    /// Nothing flagged, no measures.
    pub const NONE: DepartmentFacts = DepartmentFacts {
        medical_inpatient_oop: Yuan::ZERO,
        outpatient_monthly_oop: Yuan::ZERO,
        education_oop: Yuan::ZERO,
        disaster: false,
        accident: false,
        job_loss: false,
        measures: 0,
    };
}

/// Everything the rules read about one household on one date.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HouseholdFacts<'a> {
    pub year: u16,
    pub as_of: NaiveDate,
    pub members: &'a [MemberFacts],
    /// The year's income components, indexed by [`IncomeComponent::index`]; `None` when not recorded.
    pub income: Option<[Yuan; IncomeComponent::COUNT]>,
    pub food_clothing_secured: bool,
    pub housing: HousingFacts,
    pub water: WaterFacts,
    pub status: StatusFacts,
    pub department: DepartmentFacts,
}

/// Owned facts built from a core [`Household`]; borrow them with [`OwnedFacts::view`].
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedFacts {
    pub members: Vec<MemberFacts>,
    pub year: u16,
    pub as_of: NaiveDate,
    pub income: Option<[Yuan; IncomeComponent::COUNT]>,
    pub food_clothing_secured: bool,
    pub housing: HousingFacts,
    pub water: WaterFacts,
    pub status: StatusFacts,
    pub department: DepartmentFacts,
}

impl OwnedFacts {
    /// Borrows the facts as the rules read them. Build them with [`OwnedFacts::build`].
    pub fn view(&self) -> HouseholdFacts<'_> {
        HouseholdFacts {
            year: self.year,
            as_of: self.as_of,
            members: &self.members,
            income: self.income,
            food_clothing_secured: self.food_clothing_secured,
            housing: self.housing,
            water: self.water,
            status: self.status,
            department: self.department,
        }
    }
}

jingzhun_core::labeled_enum! {
    /// 两不愁三保障 and drinking water.
    pub enum Guarantee {
        FoodClothing = ("food_clothing", "不愁吃、不愁穿"),
        Education = ("education", "义务教育有保障"),
        Medical = ("medical", "基本医疗有保障"),
        Housing = ("housing", "住房安全有保障"),
        Water = ("water", "饮水安全有保障"),
    }
}

jingzhun_core::labeled_enum! {
    /// What the rules propose. Stable codes; never a decision.
    pub enum ProposalKind {
        ShouldRegister = ("should_register", "建议识别为贫困户"),
        MeetsExit = ("meets_exit", "符合脱贫退出条件"),
        WrongExitSuspect = ("wrong_exit_suspect", "疑似错退"),
        OmissionSuspect = ("omission_suspect", "疑似漏评"),
        MonitoringCandidate = ("monitoring_candidate", "建议纳入监测"),
        RiskElimination = ("risk_elimination", "符合风险消除条件"),
        ReturnToPoverty = ("return_to_poverty", "疑似返贫"),
        /// A guarantee unmet while income is not below the line: for the responsible department
        /// (education, health insurance, housing, water), not a registration.
        GuaranteeIssue = ("guarantee_issue", "三保障问题"),
    }
}

/// Comparison operators as shown in explanations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Ge => "≥",
            Op::Gt => ">",
            Op::Le => "≤",
            Op::Eq => "=",
            Op::Ne => "≠",
        }
    }
}

/// A comparison a rule made: `value op parameter`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    pub value: ParamValue,
    pub op: Op,
    pub parameter: ParamValue,
    /// The parameter's code ([`ParamKey::code`]).
    pub param: &'static str,
    pub param_label: &'static str,
    pub year: u16,
    pub source: String,
    pub reliability: &'static str,
}

/// Why one rule decided what it did: a stable rule code, Chinese text, and the structured comparison.
/// `text` is rendered from `reason`, which also renders English ([`Explanation::text_en`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// Stable rule code, e.g. `income.below_line`.
    pub rule: &'static str,
    /// The sentence users read, e.g. `人均纯收入 5,480 元 < 2021 年监测线 6,000 元`.
    pub text: String,
    /// Whether the rule's condition held.
    pub holds: bool,
    pub comparison: Option<Comparison>,
    /// The member (index in the household's member list) the rule is about, if any.
    pub member: Option<u16>,
    /// What the sentence says, as data (not serialised: stored proposals keep their shape).
    #[serde(skip)]
    pub reason: Reason,
}

impl Explanation {
    /// The sentence in English, rendered from the same [`Reason`] as `text`.
    pub fn text_en(&self) -> String {
        self.reason.en()
    }

    /// Changes the reason (e.g. adds a note) and renders `text` again.
    fn with_note(mut self, note: Note) -> Self {
        if let Reason::Compared { note: n, .. } = &mut self.reason {
            *n = Some(note);
        }
        self.text = self.reason.zh();
        self
    }
}

/// A suggestion of the rules for a household, with its reasons. People decide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub kind: ProposalKind,
    pub monitoring_kind: Option<MonitoringKind>,
    pub risk_types: Vec<RiskType>,
    pub explanations: Vec<Explanation>,
}

/// One guarantee's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuaranteeOutcome {
    pub guarantee: Guarantee,
    pub met: bool,
    pub explanation: Explanation,
}

/// Whether a monitored household can be marked risk-eliminated, and every condition checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EliminationOutcome {
    pub eligible: bool,
    pub conditions: Vec<Explanation>,
}

/// Whether a registered poor household meets the exit conditions, and every condition checked (so that a
/// refused exit says what failed, with the comparison).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExitOutcome {
    pub eligible: bool,
    pub conditions: Vec<Explanation>,
}

/// Everything the rules say about one household, with explanations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HouseholdEvaluation {
    pub per_capita_income: Option<Yuan>,
    pub income: Vec<Explanation>,
    pub guarantees: Vec<GuaranteeOutcome>,
    pub proposals: Vec<Proposal>,
    /// Set for households under monitoring.
    pub elimination: Option<EliminationOutcome>,
    /// Set for registered poor households.
    pub exit: Option<ExitOutcome>,
}

/// Bit flags of an [`Assessment`].
pub mod flag {
    pub const INCOME_KNOWN: u32 = 1 << 0;
    pub const BELOW_LINE: u32 = 1 << 1;
    pub const BELOW_MONITORING: u32 = 1 << 2;
    pub const NO_LABOUR: u32 = 1 << 3;
    pub const ALERT: u32 = 1 << 4;
    /// Guarantee `g` failed: `GUARANTEE_FAILED << g.index()`.
    pub const GUARANTEE_FAILED: u32 = 1 << 8;
    /// Proposal `k` made: `PROPOSAL << k.index()`.
    pub const PROPOSAL: u32 = 1 << 16;
}

/// The compact result of the rules for one household: what the engine keeps per household.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Assessment {
    pub flags: u32,
    /// Per-capita net income in fen (0 when unknown).
    pub per_capita_fen: i64,
    /// Proposed monitoring kind (with [`ProposalKind::MonitoringCandidate`]).
    pub monitoring_kind: Option<MonitoringKind>,
    /// Risk types as a bit set over [`RiskType::index`].
    pub risks: u16,
}

impl Assessment {
    pub fn has(&self, f: u32) -> bool {
        self.flags & f != 0
    }

    pub fn proposes(&self, kind: ProposalKind) -> bool {
        self.has(flag::PROPOSAL << kind.index())
    }

    pub fn failed(&self, g: Guarantee) -> bool {
        self.has(flag::GUARANTEE_FAILED << g.index())
    }

    pub fn any_guarantee_failed(&self) -> bool {
        self.flags & (0x1f * flag::GUARANTEE_FAILED) != 0
    }

    pub fn proposals(&self) -> impl Iterator<Item = ProposalKind> + '_ {
        ProposalKind::ALL
            .iter()
            .copied()
            .filter(|k| self.proposes(*k))
    }

    pub fn risk_types(&self) -> Vec<RiskType> {
        RiskType::ALL
            .iter()
            .copied()
            .filter(|r| self.risks & (1 << r.index()) != 0)
            .collect()
    }

    pub fn per_capita(&self) -> Option<Yuan> {
        self.has(flag::INCOME_KNOWN)
            .then_some(Yuan::from_fen(self.per_capita_fen))
    }
}

/// Where a rule's explanation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Income,
    Guarantee(Guarantee),
    Proposal(ProposalKind),
    Elimination,
    Exit,
}

/// Receives explanations. The engine's recorder ignores them, so their text is never built.
pub trait Recorder {
    fn record(&mut self, topic: Topic, explanation: impl FnOnce() -> Explanation);
}

/// Records nothing.
pub struct Silent;

impl Recorder for Silent {
    #[inline(always)]
    fn record(&mut self, _: Topic, _: impl FnOnce() -> Explanation) {}
}

impl Recorder for Vec<(Topic, Explanation)> {
    fn record(&mut self, topic: Topic, explanation: impl FnOnce() -> Explanation) {
        self.push((topic, explanation()));
    }
}

/// Builds an explanation with a parameter comparison; only called when explaining.
fn compared(
    eff: &EffectiveParams,
    rule: &'static str,
    holds: bool,
    subject: Subject,
    value: ParamValue,
    op: Op,
    key: ParamKey,
) -> Explanation {
    let parameter = eff.value(key).unwrap_or(value);
    let prov = eff.provenance(key);
    let reason = Reason::Compared {
        subject,
        value,
        op,
        parameter,
        key,
        year: eff.year,
        note: None,
    };
    Explanation {
        rule,
        text: reason.zh(),
        holds,
        comparison: Some(Comparison {
            value,
            op,
            parameter,
            param: key.code(),
            param_label: key.label(),
            year: eff.year,
            source: prov.map(|p| p.source.clone()).unwrap_or_default(),
            reliability: prov.map(|p| p.reliability.code()).unwrap_or(""),
        }),
        member: None,
        reason,
    }
}

fn plain(rule: &'static str, holds: bool, reason: Reason, member: Option<usize>) -> Explanation {
    Explanation {
        rule,
        text: reason.zh(),
        holds,
        comparison: None,
        member: member.map(|m| u16::try_from(m).unwrap_or(u16::MAX)),
        reason,
    }
}

/// Whole months from `from` to `to` (0 if `to` is earlier).
pub fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    if to < from {
        return 0;
    }
    let months = (to.year() - from.year()) * 12 + to.month() as i32
        - from.month() as i32
        - i32::from(to.day() < from.day());
    u32::try_from(months).unwrap_or(0)
}

/// The compact assessment, without explanations (the engine's path).
#[inline]
pub fn assess(facts: &HouseholdFacts<'_>, params: &Params) -> Assessment {
    assess_with(facts, params, None, &mut Silent)
}

/// The full evaluation of one household, with the explanation of every outcome.
pub fn explain(facts: &HouseholdFacts<'_>, eff: &EffectiveParams) -> HouseholdEvaluation {
    let mut rec: Vec<(Topic, Explanation)> = Vec::new();
    let a = assess_with(facts, &eff.params, Some(eff), &mut rec);
    let take = |topic: Topic| -> Vec<Explanation> {
        rec.iter()
            .filter(|(t, _)| *t == topic)
            .map(|(_, e)| e.clone())
            .collect()
    };
    let guarantees = Guarantee::ALL
        .iter()
        .map(|g| GuaranteeOutcome {
            guarantee: *g,
            met: !a.failed(*g),
            explanation: take(Topic::Guarantee(*g))
                .into_iter()
                .next()
                .unwrap_or_else(|| plain("guarantee.unknown", false, Reason::Unknown, None)),
        })
        .collect();
    let proposals = a
        .proposals()
        .map(|k| Proposal {
            kind: k,
            monitoring_kind: (k == ProposalKind::MonitoringCandidate)
                .then_some(a.monitoring_kind)
                .flatten(),
            risk_types: if k == ProposalKind::MonitoringCandidate {
                a.risk_types()
            } else {
                Vec::new()
            },
            explanations: take(Topic::Proposal(k)),
        })
        .collect();
    let elimination = facts.status.monitoring.map(|_| EliminationOutcome {
        eligible: a.proposes(ProposalKind::RiskElimination),
        conditions: take(Topic::Elimination),
    });
    let exit = (facts.status.registry == RegistryState::Poor).then(|| ExitOutcome {
        eligible: a.proposes(ProposalKind::MeetsExit),
        conditions: take(Topic::Exit),
    });
    HouseholdEvaluation {
        per_capita_income: a.per_capita(),
        income: take(Topic::Income),
        guarantees,
        proposals,
        elimination,
        exit,
    }
}

/// The rule body shared by [`assess`] and [`explain`]. `eff` is `Some` exactly when `rec` records.
pub fn assess_with<R: Recorder>(
    facts: &HouseholdFacts<'_>,
    p: &Params,
    eff: Option<&EffectiveParams>,
    rec: &mut R,
) -> Assessment {
    let mut a = Assessment::default();
    let year = facts.year;

    // ---- income --------------------------------------------------------------------------------
    let size = facts.members.len() as u32;
    let per_capita = match (&facts.income, size) {
        (Some(amounts), n) if n > 0 => {
            // `ALL` is in index order, so position i is component i (no lookups in the hot loop).
            let counted = p.counted_components.0;
            let net: Yuan = IncomeComponent::ALL
                .iter()
                .zip(amounts)
                .enumerate()
                .map(|(i, (c, v))| {
                    if c.is_cost() {
                        -*v
                    } else if counted & (1 << i) != 0 {
                        *v
                    } else {
                        Yuan::ZERO
                    }
                })
                .sum();
            let pc = net.per_capita(n);
            if eff.is_some() {
                rec.record(Topic::Income, || {
                    let counted: Vec<IncomeComponent> = p
                        .counted_components
                        .iter()
                        .filter(|c| amounts[usize::from(c.index())] != Yuan::ZERO)
                        .collect();
                    plain(
                        "income.per_capita",
                        true,
                        Reason::PerCapita {
                            year,
                            per_capita: pc,
                            net,
                            size: n,
                            counted,
                            costs: amounts[usize::from(IncomeComponent::ProductionCosts.index())],
                        },
                        None,
                    )
                });
            }
            a.flags |= flag::INCOME_KNOWN;
            a.per_capita_fen = pc.fen();
            Some(pc)
        }
        _ => {
            rec.record(Topic::Income, || {
                plain(
                    "income.unknown",
                    false,
                    if size == 0 {
                        Reason::NoMembers
                    } else {
                        Reason::NoIncome { year }
                    },
                    None,
                )
            });
            None
        }
    };
    let below_line = per_capita.is_some_and(|pc| pc < p.poverty_line);
    let below_monitoring = per_capita.is_some_and(|pc| pc < p.monitoring_threshold);
    if below_line {
        a.flags |= flag::BELOW_LINE;
    }
    if below_monitoring {
        a.flags |= flag::BELOW_MONITORING;
    }
    let line_expl = |eff: &EffectiveParams| {
        let pc = per_capita.unwrap_or_default();
        let (holds, op) = if below_line {
            (true, Op::Lt)
        } else {
            (false, Op::Ge)
        };
        compared(
            eff,
            "income.below_line",
            holds,
            Subject::PerCapitaIncome,
            ParamValue::Yuan(pc),
            op,
            ParamKey::PovertyLine,
        )
    };
    let monitoring_expl = |eff: &EffectiveParams| {
        let pc = per_capita.unwrap_or_default();
        let (holds, op) = if below_monitoring {
            (true, Op::Lt)
        } else {
            (false, Op::Ge)
        };
        compared(
            eff,
            "income.below_monitoring",
            holds,
            Subject::PerCapitaIncome,
            ParamValue::Yuan(pc),
            op,
            ParamKey::MonitoringThreshold,
        )
    };

    // ---- guarantees ----------------------------------------------------------------------------
    let fail = |g: Guarantee, a: &mut Assessment| a.flags |= flag::GUARANTEE_FAILED << g.index();

    let g = Guarantee::FoodClothing;
    if !facts.food_clothing_secured {
        fail(g, &mut a);
    }
    rec.record(Topic::Guarantee(g), || {
        if facts.food_clothing_secured {
            plain(
                "guarantee.food_clothing",
                true,
                Reason::FoodClothing { secured: true },
                None,
            )
        } else {
            plain(
                "guarantee.food_clothing",
                false,
                Reason::FoodClothing { secured: false },
                None,
            )
        }
    });

    let g = Guarantee::Education;
    let (min_age, max_age) = (p.compulsory_school_age_min, p.compulsory_school_age_max);
    let in_age = |m: &MemberFacts| (min_age..=max_age).contains(&m.school_age);
    let failing_child = facts.members.iter().position(|m| {
        in_age(m)
            && !m.completed_compulsory()
            && !m.schooling.is_some_and(|s| s.meets_compulsory_education())
    });
    if failing_child.is_some() {
        fail(g, &mut a);
    }
    rec.record(Topic::Guarantee(g), || match failing_child {
        Some(i) => {
            let m = facts.members[i];
            plain(
                "guarantee.education",
                false,
                Reason::ChildOutOfSchool {
                    member: i + 1,
                    age: m.school_age,
                    min_age,
                    max_age,
                    schooling: m.schooling,
                },
                Some(i),
            )
        }
        None => {
            let children: Vec<usize> = (0..facts.members.len())
                .filter(|i| in_age(&facts.members[*i]))
                .collect();
            let sick = children.iter().copied().find(|i| {
                matches!(
                    facts.members[*i].schooling,
                    Some(SchoolingStatus::SuspendedIllness | SchoolingStatus::HomeTeaching)
                )
            });
            let completed = children.iter().copied().find(|i| {
                let m = &facts.members[*i];
                m.completed_compulsory()
                    && !m.schooling.is_some_and(|s| s.meets_compulsory_education())
            });
            match sick {
                None if completed.is_some() => {
                    let i = completed.unwrap_or(0);
                    plain(
                        "guarantee.education",
                        true,
                        Reason::ChildCompleted {
                            member: i + 1,
                            age: facts.members[i].school_age,
                        },
                        Some(i),
                    )
                }
                Some(i) => plain(
                    "guarantee.education",
                    true,
                    Reason::ChildExcused {
                        member: i + 1,
                        age: facts.members[i].school_age,
                        schooling: facts.members[i].schooling,
                    },
                    Some(i),
                ),
                None if children.is_empty() => plain(
                    "guarantee.education",
                    true,
                    Reason::NoSchoolAgeChildren { min_age, max_age },
                    None,
                ),
                None => plain(
                    "guarantee.education",
                    true,
                    Reason::ChildrenInSchool {
                        count: children.len(),
                    },
                    None,
                ),
            }
        }
    });

    let g = Guarantee::Medical;
    let uninsured = facts.members.iter().position(|m| !m.medical_insurance);
    if uninsured.is_some() {
        fail(g, &mut a);
    }
    rec.record(Topic::Guarantee(g), || match uninsured {
        Some(i) => plain(
            "guarantee.medical",
            false,
            Reason::Uninsured { member: i + 1 },
            Some(i),
        ),
        None => plain(
            "guarantee.medical",
            true,
            Reason::AllInsured {
                count: facts.members.len(),
            },
            None,
        ),
    });

    let g = Guarantee::Housing;
    let h = facts.housing;
    let housing_ok =
        h.relocated || h.alternative.is_some() || h.grade.is_some_and(HousingGrade::is_safe);
    if !housing_ok {
        fail(g, &mut a);
    }
    rec.record(Topic::Guarantee(g), || {
        let reason = if h.relocated {
            Reason::Relocated
        } else if let Some(alternative) = h.alternative {
            Reason::AlternativeHousing { alternative }
        } else {
            match h.grade {
                Some(grade) => Reason::HousingGraded {
                    grade,
                    safe: grade.is_safe(),
                },
                None => Reason::HousingUngraded,
            }
        };
        plain("guarantee.housing", housing_ok, reason, None)
    });

    let g = Guarantee::Water;
    let w = facts.water;
    let litres_min = if w.dry_area {
        p.water_litres_min_dry
    } else {
        p.water_litres_min
    };
    let litres_key = if w.dry_area {
        ParamKey::WaterLitresMinDry
    } else {
        ParamKey::WaterLitresMin
    };
    #[derive(Clone, Copy)]
    enum WaterFail {
        NoLitres,
        Litres(u16),
        Fetch(u16),
        Outage(u16),
        Quality(bool),
    }
    let water_fail = match w.litres_per_person_day {
        None => Some(WaterFail::NoLitres),
        Some(l) if l < litres_min => Some(WaterFail::Litres(l)),
        Some(_) => match (w.fetch_minutes, w.outage_days_per_year, w.quality_ok) {
            (Some(m), _, _) if m > p.water_fetch_minutes_max => Some(WaterFail::Fetch(m)),
            (_, Some(d), _) if d > p.water_outage_days_max => Some(WaterFail::Outage(d)),
            (_, _, Some(true)) => None,
            (_, _, q) => Some(WaterFail::Quality(q.is_some())),
        },
    };
    if water_fail.is_some() {
        fail(g, &mut a);
    }
    if let Some(eff) = eff {
        rec.record(Topic::Guarantee(g), || match water_fail {
            None => compared(
                eff,
                "guarantee.water",
                true,
                Subject::WaterLitres,
                ParamValue::Count(u32::from(w.litres_per_person_day.unwrap_or(0))),
                Op::Ge,
                litres_key,
            )
            .with_note(Note::WaterOtherMet),
            Some(WaterFail::NoLitres) => {
                plain("guarantee.water", false, Reason::NoWaterRecord, None)
            }
            Some(WaterFail::Litres(l)) => compared(
                eff,
                "guarantee.water",
                false,
                Subject::WaterLitres,
                ParamValue::Count(u32::from(l)),
                Op::Lt,
                litres_key,
            ),
            Some(WaterFail::Fetch(m)) => compared(
                eff,
                "guarantee.water",
                false,
                Subject::WaterFetchMinutes,
                ParamValue::Count(u32::from(m)),
                Op::Gt,
                ParamKey::WaterFetchMinutesMax,
            ),
            Some(WaterFail::Outage(d)) => compared(
                eff,
                "guarantee.water",
                false,
                Subject::WaterOutageDays,
                ParamValue::Count(u32::from(d)),
                Op::Gt,
                ParamKey::WaterOutageDaysMax,
            ),
            Some(WaterFail::Quality(recorded)) => plain(
                "guarantee.water",
                false,
                Reason::WaterQuality { tested: recorded },
                None,
            ),
        });
    }

    let any_fail = a.any_guarantee_failed();
    let failed_list = |a: &Assessment| -> Vec<Guarantee> {
        Guarantee::ALL
            .iter()
            .copied()
            .filter(|g| a.failed(*g))
            .collect()
    };

    // ---- labour and department alerts ----------------------------------------------------------
    let has_labour = facts.members.iter().any(MemberFacts::can_work);
    if !has_labour {
        a.flags |= flag::NO_LABOUR;
    }
    let d = facts.department;
    let exited = facts.status.registry == RegistryState::Exited;
    let (inpatient_limit, inpatient_key) = if facts.status.lower_inpatient_threshold() {
        (
            p.alert_medical_inpatient_exited,
            ParamKey::AlertMedicalInpatientExited,
        )
    } else {
        (
            p.alert_medical_inpatient_other,
            ParamKey::AlertMedicalInpatientOther,
        )
    };
    let medical_alert = d.medical_inpatient_oop >= inpatient_limit && inpatient_limit > Yuan::ZERO
        || d.outpatient_monthly_oop >= p.alert_outpatient_monthly
            && p.alert_outpatient_monthly > Yuan::ZERO;
    let education_alert = d.education_oop > p.alert_education;
    let alert = medical_alert || education_alert || d.disaster || d.accident || d.job_loss;
    if alert {
        a.flags |= flag::ALERT;
    }
    let alert_expls = |eff: &EffectiveParams| -> Vec<Explanation> {
        let mut v = Vec::new();
        if d.medical_inpatient_oop >= inpatient_limit && inpatient_limit > Yuan::ZERO {
            v.push(compared(
                eff,
                "alert.medical_inpatient",
                true,
                Subject::InpatientOutOfPocket,
                ParamValue::Yuan(d.medical_inpatient_oop),
                Op::Ge,
                inpatient_key,
            ));
        }
        if d.outpatient_monthly_oop >= p.alert_outpatient_monthly
            && p.alert_outpatient_monthly > Yuan::ZERO
        {
            v.push(compared(
                eff,
                "alert.outpatient",
                true,
                Subject::OutpatientMonthlyOutOfPocket,
                ParamValue::Yuan(d.outpatient_monthly_oop),
                Op::Ge,
                ParamKey::AlertOutpatientMonthly,
            ));
        }
        if education_alert {
            v.push(compared(
                eff,
                "alert.education",
                true,
                Subject::EducationOutOfPocket,
                ParamValue::Yuan(d.education_oop),
                Op::Gt,
                ParamKey::AlertEducation,
            ));
        }
        if d.disaster {
            v.push(plain("alert.disaster", true, Reason::Disaster, None));
        }
        if d.accident {
            v.push(plain("alert.accident", true, Reason::Accident, None));
        }
        if d.job_loss {
            v.push(plain("alert.job_loss", true, Reason::JobLoss, None));
        }
        v
    };

    let propose = |k: ProposalKind, a: &mut Assessment| a.flags |= flag::PROPOSAL << k.index();
    let status = facts.status;

    // ---- registration-era proposals ------------------------------------------------------------
    // Registration needs income below the line; a guarantee unmet above it is 三保障问题 (below).
    let poorish = below_line || any_fail;
    let guarantee_expl = |a: &Assessment| {
        plain(
            "guarantee.unmet",
            true,
            Reason::GuaranteesUnmet {
                failed: failed_list(a),
            },
            None,
        )
    };
    let reasons = |a: &Assessment, eff: &EffectiveParams| -> Vec<Explanation> {
        let mut v = Vec::new();
        if below_line {
            v.push(line_expl(eff));
        }
        if a.any_guarantee_failed() {
            v.push(guarantee_expl(a));
        }
        v
    };
    match status.registry {
        RegistryState::NotRegistered | RegistryState::Removed => {
            if p.registration_open && below_line {
                propose(ProposalKind::ShouldRegister, &mut a);
                if let Some(eff) = eff {
                    let snapshot = a;
                    for e in reasons(&snapshot, eff) {
                        rec.record(Topic::Proposal(ProposalKind::ShouldRegister), || e);
                    }
                }
            }
            if p.registration_open && below_line && status.registry == RegistryState::NotRegistered
            {
                propose(ProposalKind::OmissionSuspect, &mut a);
                if let Some(eff) = eff {
                    rec.record(Topic::Proposal(ProposalKind::OmissionSuspect), || {
                        plain("status.not_registered", true, Reason::NotRegistered, None)
                    });
                    rec.record(Topic::Proposal(ProposalKind::OmissionSuspect), || {
                        line_expl(eff)
                    });
                }
            }
        }
        RegistryState::Poor => {
            let meets = per_capita.is_some() && !below_line && !any_fail;
            if meets {
                propose(ProposalKind::MeetsExit, &mut a);
            }
            if let Some(eff) = eff {
                let snapshot = a;
                let mut conds = Vec::new();
                match per_capita {
                    Some(_) => {
                        let mut e = line_expl(eff);
                        e.rule = "exit.income";
                        e.holds = !below_line;
                        conds.push(e);
                    }
                    None => conds.push(plain(
                        "exit.income",
                        false,
                        Reason::EliminationNoIncome { year },
                        None,
                    )),
                }
                conds.push(if any_fail {
                    plain(
                        "guarantee.unmet",
                        false,
                        Reason::GuaranteesUnmet {
                            failed: failed_list(&snapshot),
                        },
                        None,
                    )
                } else {
                    plain("guarantee.all_met", true, Reason::AllGuaranteesMet, None)
                });
                for c in conds {
                    rec.record(Topic::Exit, || c.clone());
                    if meets {
                        rec.record(Topic::Proposal(ProposalKind::MeetsExit), || c);
                    }
                }
            }
        }
        RegistryState::Exited => {
            // Exited in the evaluated year and not up to standard: the exit was wrong. Exited earlier:
            // the household fell back. (Exited after the evaluated year: its status then says nothing.)
            let exit_year = status.registry_since.map(|d| d.year()).unwrap_or(0);
            // From 2021 (registration closed) a fall back is a monitoring object (脱贫不稳定户, proposed
            // below), not a return to the poverty registry.
            let kind = match i32::from(year).cmp(&exit_year) {
                std::cmp::Ordering::Equal => Some(ProposalKind::WrongExitSuspect),
                std::cmp::Ordering::Greater if p.registration_open => {
                    Some(ProposalKind::ReturnToPoverty)
                }
                _ => None,
            };
            if let Some(kind) = kind.filter(|_| poorish) {
                propose(kind, &mut a);
                if let Some(eff) = eff {
                    let snapshot = a;
                    rec.record(Topic::Proposal(kind), || {
                        plain(
                            "status.exited",
                            true,
                            Reason::Exited {
                                on: status.registry_since,
                                same_year: kind == ProposalKind::WrongExitSuspect,
                            },
                            None,
                        )
                    });
                    for e in reasons(&snapshot, eff) {
                        rec.record(Topic::Proposal(kind), || e);
                    }
                }
            }
        }
    }

    // ---- 三保障问题: a guarantee unmet while income is known and not below the line -------------------
    if any_fail && per_capita.is_some() && !below_line && status.registry != RegistryState::Poor {
        propose(ProposalKind::GuaranteeIssue, &mut a);
        if let Some(eff) = eff {
            let snapshot = a;
            let topic = Topic::Proposal(ProposalKind::GuaranteeIssue);
            rec.record(topic, || guarantee_expl(&snapshot));
            rec.record(topic, || line_expl(eff));
        }
    }

    // ---- monitoring ----------------------------------------------------------------------------
    if p.monitoring_open && status.monitoring.is_none() && status.registry != RegistryState::Poor {
        let kind = if below_monitoring || any_fail {
            Some(if exited {
                MonitoringKind::Unstable
            } else {
                MonitoringKind::Marginal
            })
        } else if alert {
            Some(MonitoringKind::SuddenHardship)
        } else {
            None
        };
        if let Some(kind) = kind {
            propose(ProposalKind::MonitoringCandidate, &mut a);
            a.monitoring_kind = Some(kind);
            let mut risks = 0u16;
            let add = |risks: &mut u16, r: RiskType| *risks |= 1 << r.index();
            for m in facts.members {
                match m.health {
                    Health::SeriousIllness | Health::Chronic => add(&mut risks, RiskType::Illness),
                    Health::Disabled => add(&mut risks, RiskType::Disability),
                    Health::Healthy => {}
                }
            }
            if medical_alert {
                add(&mut risks, RiskType::Illness);
            }
            if education_alert || a.failed(Guarantee::Education) {
                add(&mut risks, RiskType::Schooling);
            }
            if d.disaster {
                add(&mut risks, RiskType::Disaster);
            }
            if d.accident {
                add(&mut risks, RiskType::Accident);
            }
            if d.job_loss {
                add(&mut risks, RiskType::UnstableEmployment);
            }
            if !has_labour {
                add(&mut risks, RiskType::LackOfLabour);
            }
            if a.failed(Guarantee::Housing) {
                add(&mut risks, RiskType::Housing);
            }
            if a.failed(Guarantee::Water) {
                add(&mut risks, RiskType::Water);
            }
            if risks == 0 {
                add(&mut risks, RiskType::Other);
            }
            a.risks = risks;
            if let Some(eff) = eff {
                let topic = Topic::Proposal(ProposalKind::MonitoringCandidate);
                let snapshot = a;
                rec.record(topic, || {
                    plain("monitoring.kind", true, Reason::Monitoring { kind }, None)
                });
                if per_capita.is_some() {
                    rec.record(topic, || monitoring_expl(eff));
                }
                if snapshot.any_guarantee_failed() {
                    rec.record(topic, || guarantee_expl(&snapshot));
                }
                for e in alert_expls(eff) {
                    rec.record(topic, || e);
                }
            }
        }
    }

    // ---- risk elimination ----------------------------------------------------------------------
    if let Some(since) = status
        .monitored_since
        .filter(|_| status.monitoring.is_some())
    {
        let income_ok = per_capita.is_some() && !below_monitoring;
        // Yearly records: a year above the threshold counts as 12 stable months.
        let stable_months: u8 = if income_ok { 12 } else { 0 };
        let stable_ok = stable_months >= p.elimination_stable_income_months;
        let months = months_between(since, facts.as_of);
        let months_ok = months >= u32::from(p.elimination_min_months_monitored);
        let measures_ok = d.measures >= u16::from(p.elimination_min_measures);
        let labour_ok = has_labour || !p.elimination_no_labour_exception;
        let eligible =
            income_ok && stable_ok && !any_fail && months_ok && measures_ok && labour_ok && !alert;
        if eligible {
            propose(ProposalKind::RiskElimination, &mut a);
        }
        if let Some(eff) = eff {
            let snapshot = a;
            let mut conds: Vec<Explanation> = Vec::new();
            match per_capita {
                Some(_) => {
                    let mut e = monitoring_expl(eff).with_note(Note::StableMonths {
                        months: stable_months,
                        required: p.elimination_stable_income_months,
                    });
                    e.rule = "elimination.income";
                    e.holds = income_ok && stable_ok;
                    conds.push(e);
                }
                None => conds.push(plain(
                    "elimination.income",
                    false,
                    Reason::EliminationNoIncome { year },
                    None,
                )),
            }
            conds.push(plain(
                "elimination.guarantees",
                !any_fail,
                Reason::EliminationGuarantees {
                    failed: failed_list(&snapshot),
                },
                None,
            ));
            conds.push(
                compared(
                    eff,
                    "elimination.months_monitored",
                    months_ok,
                    Subject::MonthsMonitored,
                    ParamValue::Count(months),
                    if months_ok { Op::Ge } else { Op::Lt },
                    ParamKey::EliminationMinMonthsMonitored,
                )
                .with_note(Note::MonitoredSince { since }),
            );
            conds.push(compared(
                eff,
                "elimination.measures",
                measures_ok,
                Subject::Measures,
                ParamValue::Count(u32::from(d.measures)),
                if measures_ok { Op::Ge } else { Op::Lt },
                ParamKey::EliminationMinMeasures,
            ));
            if !has_labour {
                conds.push(plain(
                    "elimination.no_labour",
                    labour_ok,
                    Reason::NoLabour {
                        exception_applies: !labour_ok,
                    },
                    None,
                ));
            }
            if alert {
                conds.push(plain("elimination.new_risk", false, Reason::NewRisk, None));
                conds.extend(alert_expls(eff));
            }
            for c in conds {
                rec.record(Topic::Elimination, || c.clone());
                if eligible {
                    rec.record(Topic::Proposal(ProposalKind::RiskElimination), || c);
                }
            }
        }
    }
    a
}

/// Counts of an area that the area-level rules read (from the engine's rollups).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AreaCounts {
    /// Rural registered population (people in households of the registry).
    pub population: u64,
    pub poor_people: u64,
    pub exited_people: u64,
    pub wrong_exit_people: u64,
    pub non_registered_people: u64,
    pub omission_people: u64,
    /// 群众认可度 from a survey, when known.
    pub approval: Option<Rate>,
}

/// Exit test of a village or county, with every condition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaExit {
    pub incidence: Option<Rate>,
    /// `Some(true)` meets, `Some(false)` fails; `None` when a needed figure (e.g. approval) is missing and
    /// nothing computed fails.
    pub meets: Option<bool>,
    pub conditions: Vec<Explanation>,
}

fn rate_condition(
    eff: &EffectiveParams,
    rule: &'static str,
    subject: Subject,
    part: u64,
    whole: u64,
    key: ParamKey,
    limit: Rate,
) -> (Option<bool>, Explanation) {
    match Rate::of(part, whole) {
        None => (
            None,
            plain(rule, false, Reason::ZeroDenominator { subject }, None),
        ),
        Some(r) => {
            let ok = limit.exceeds_ratio(part, whole);
            let e = compared(
                eff,
                rule,
                ok,
                subject,
                ParamValue::Percent(r),
                if ok { Op::Lt } else { Op::Ge },
                key,
            )
            .with_note(Note::Ratio { part, whole });
            (Some(ok), e)
        }
    }
}

/// Village exit: incidence below the village threshold (village conditions such as roads and clinics are
/// not in the registry data and are not checked).
pub fn village_exit(c: &AreaCounts, eff: &EffectiveParams) -> AreaExit {
    let (ok, e) = rate_condition(
        eff,
        "village.incidence",
        Subject::Incidence,
        c.poor_people,
        c.population,
        ParamKey::VillageExitIncidence,
        eff.params.village_exit_incidence,
    );
    AreaExit {
        incidence: Rate::of(c.poor_people, c.population),
        meets: ok,
        conditions: vec![e],
    }
}

/// County exit: incidence, 错退率 (wrong-exit suspects ÷ exited people), 漏评率 (omission suspects ÷
/// non-registered people) and 群众认可度 (from a survey; unknown unless given).
pub fn county_exit(c: &AreaCounts, eff: &EffectiveParams) -> AreaExit {
    let p = &eff.params;
    let conds = [
        rate_condition(
            eff,
            "county.incidence",
            Subject::Incidence,
            c.poor_people,
            c.population,
            ParamKey::CountyExitIncidence,
            p.county_exit_incidence,
        ),
        rate_condition(
            eff,
            "county.wrong_exit_rate",
            Subject::WrongExitRate,
            c.wrong_exit_people,
            c.exited_people,
            ParamKey::CountyWrongExitRate,
            p.county_wrong_exit_rate,
        ),
        rate_condition(
            eff,
            "county.omission_rate",
            Subject::OmissionRate,
            c.omission_people,
            c.non_registered_people,
            ParamKey::CountyOmissionRate,
            p.county_omission_rate,
        ),
    ];
    let mut results: Vec<Option<bool>> = conds.iter().map(|c| c.0).collect();
    let mut conditions: Vec<Explanation> = conds.into_iter().map(|c| c.1).collect();
    // An empty denominator for the two rates means nothing was exited or missed: not a failure.
    for r in results.iter_mut().skip(1) {
        r.get_or_insert(true);
    }
    match c.approval {
        Some(r) => {
            let ok = r > p.county_approval_min;
            results.push(Some(ok));
            conditions.push(compared(
                eff,
                "county.approval",
                ok,
                Subject::Approval,
                ParamValue::Percent(r),
                if ok { Op::Gt } else { Op::Le },
                ParamKey::CountyApprovalMin,
            ));
        }
        None => {
            results.push(None);
            conditions.push(plain(
                "county.approval",
                false,
                Reason::ApprovalUnknown {
                    required: p.county_approval_min,
                },
                None,
            ));
        }
    }
    let meets = if results.contains(&Some(false)) {
        Some(false)
    } else if results.contains(&None) {
        None
    } else {
        Some(true)
    };
    AreaExit {
        incidence: Rate::of(c.poor_people, c.population),
        meets,
        conditions,
    }
}
