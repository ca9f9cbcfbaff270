//! The vocabulary of the monitoring mechanism (防止返贫监测, domain notes §6): cases of the monitoring
//! workflow with their steps, assistance measures (帮扶措施), visits (走访), assisting cadres (帮扶干部) and
//! their pairing with households.
//!
//! A case goes through its [`Step`]s in a fixed order, each recorded with who, when and the outcome; a
//! rejected step closes it, a passed county approval decides it. The order is checked here
//! ([`CaseRecord::push_step`]); who may record a step is the web application's business, and where cases
//! are kept is the store's. These are plain values: no I/O, no clock.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::codes::*;
use crate::labeled_enum;
use crate::model::{HouseholdId, PersonName, Phone};
use crate::{AreaCode, Yuan};

labeled_enum! {
    /// What a case decides.
    pub enum CaseKind {
        Identification = ("identification", "监测对象识别"),
        Elimination = ("elimination", "风险消除"),
    }
}

labeled_enum! {
    /// The steps of a case, in order.
    pub enum Step {
        Lead = ("lead", "线索登记"),
        Visit = ("visit", "入户核实（签署授权承诺书）", "入户核实(签署授权书)"),
        Comparison = ("comparison", "数据比对"),
        VillageReview = ("village_review", "村级民主评议并公示"),
        TownshipReview = ("township_review", "乡镇审核"),
        CountyApproval = ("county_approval", "县级审定并公告"),
    }
}

impl Step {
    /// The step after this one; `None` after the county approval.
    pub fn next(self) -> Option<Step> {
        Step::ALL.get(usize::from(self.index()) + 1).copied()
    }
}

labeled_enum! {
    /// The outcome of a step.
    pub enum Outcome {
        Pass = ("pass", "通过"),
        Reject = ("reject", "不通过"),
    }
}

/// A case's identity: the household's id and the case's number among the household's cases, written
/// `{household}-{n}` (the form links and the audit log have always used).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CaseId {
    household: HouseholdId,
    number: u32,
}

/// Why a text is not a case id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("案件编号「{0}」无效: 应为「户ID-序号」, 如 1024-1")]
pub struct CaseIdError(pub String);

impl CaseId {
    /// The `number`-th case of `household`; numbers start at 1.
    pub fn new(household: HouseholdId, number: u32) -> Result<Self, CaseIdError> {
        if household.0 <= 0 || number == 0 {
            return Err(CaseIdError(format!("{}-{number}", household.0)));
        }
        Ok(Self { household, number })
    }

    pub fn parse(text: &str) -> Result<Self, CaseIdError> {
        let err = || CaseIdError(text.to_owned());
        let (h, n) = text.trim().split_once('-').ok_or_else(err)?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(h) || !digits(n) {
            return Err(err());
        }
        let household = h.parse::<i64>().map_err(|_| err())?;
        let number = n.parse::<u32>().map_err(|_| err())?;
        Self::new(HouseholdId(household), number).map_err(|_| err())
    }

    pub fn household(self) -> HouseholdId {
        self.household
    }

    pub fn number(self) -> u32 {
        self.number
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.household.0, self.number)
    }
}

impl FromStr for CaseId {
    type Err = CaseIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for CaseId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CaseId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Self::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// One recorded step of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseStep {
    pub step: Step,
    pub outcome: Outcome,
    /// The account that recorded it.
    pub by: String,
    pub at: DateTime<Utc>,
    pub note: String,
}

/// Where a case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum CaseState {
    /// Waiting for `next`.
    Open { next: Step },
    /// Approved by the county: the decision is recorded on the household.
    Decided,
    /// Rejected at `at`.
    Rejected { at: Step },
}

impl CaseState {
    /// The state after these steps (recorded in order).
    pub fn after(steps: &[CaseStep]) -> CaseState {
        match steps.last() {
            None => CaseState::Open { next: Step::Lead },
            Some(last) if last.outcome == Outcome::Reject => CaseState::Rejected { at: last.step },
            Some(last) => match last.step.next() {
                Some(next) => CaseState::Open { next },
                None => CaseState::Decided,
            },
        }
    }

    /// Whether a step may be recorded now: only the due step of an open case.
    pub fn admits(self, step: Step) -> Result<(), StepOrderError> {
        match self {
            CaseState::Open { next } if next == step => Ok(()),
            CaseState::Open { next } => Err(StepOrderError::OutOfOrder { step, due: next }),
            CaseState::Decided | CaseState::Rejected { .. } => Err(StepOrderError::Closed { step }),
        }
    }
}

/// Why a step cannot be recorded on a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StepOrderError {
    /// The case is decided or rejected.
    #[error("案件已办结, 不能再登记「{}」", step.label())]
    Closed { step: Step },
    /// Another step is due (no skipping, no repeating).
    #[error("不能登记「{}」: 当前应办理「{}」", step.label(), due.label())]
    OutOfOrder { step: Step, due: Step },
}

/// A case as stored: what the lead said and the steps recorded since, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseRecord {
    pub id: CaseId,
    /// The household's village when the lead was recorded.
    pub village: AreaCode,
    pub kind: CaseKind,
    pub channel: Channel,
    /// The proposed kind of monitored household (identification cases).
    pub monitoring_kind: Option<MonitoringKind>,
    pub risk_types: Vec<RiskType>,
    pub steps: Vec<CaseStep>,
}

impl CaseRecord {
    /// The household the case is about (part of its id).
    pub fn household(&self) -> HouseholdId {
        self.id.household()
    }

    pub fn state(&self) -> CaseState {
        CaseState::after(&self.steps)
    }

    pub fn is_open(&self) -> bool {
        matches!(self.state(), CaseState::Open { .. })
    }

    /// When the lead was recorded.
    pub fn opened_at(&self) -> Option<DateTime<Utc>> {
        self.steps.first().map(|s| s.at)
    }

    /// When the case was decided or rejected.
    pub fn closed_at(&self) -> Option<DateTime<Utc>> {
        if self.is_open() {
            None
        } else {
            self.steps.last().map(|s| s.at)
        }
    }

    /// The last day for the decision: the lead's date (China time) plus the policy's time limit.
    pub fn deadline(&self, days_limit: u16) -> Option<NaiveDate> {
        self.opened_at().map(|at| deadline(at, days_limit))
    }

    /// Records `step` if it is the one due; the case is unchanged otherwise.
    pub fn push_step(&mut self, step: CaseStep) -> Result<(), StepOrderError> {
        self.state().admits(step.step)?;
        self.steps.push(step);
        Ok(())
    }
}

/// The last day for the decision of a case opened at `opened`: its date in China time (UTC+8) plus
/// `days_limit` days.
pub fn deadline(opened: DateTime<Utc>, days_limit: u16) -> NaiveDate {
    let opened = (opened + Duration::hours(8)).date_naive();
    opened + Duration::days(i64::from(days_limit))
}

/// Database identity of an assisting cadre.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CadreId(pub i64);

impl fmt::Display for CadreId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Database identity of an assistance measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MeasureId(pub i64);

impl fmt::Display for MeasureId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Database identity of a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct VisitId(pub i64);

impl fmt::Display for VisitId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An assistance measure (帮扶措施) for a household, with its responsible cadre, dates and amount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub household: HouseholdId,
    pub kind: AssistanceType,
    pub description: String,
    pub started: NaiveDate,
    /// The last day of the measure; `None` while it runs.
    pub ended: Option<NaiveDate>,
    pub amount: Option<Yuan>,
    /// The case the measure was decided in, if any.
    pub case: Option<CaseId>,
    pub cadre: Option<CadreId>,
}

/// Whether the period from `from` to `to` (both included; open-ended when `to` is `None`) covers `date`:
/// a measure running, a pairing holding. The store's reads of many dates at once decide with it too.
pub fn period_covers(from: NaiveDate, to: Option<NaiveDate>, date: NaiveDate) -> bool {
    from <= date && to.is_none_or(|end| date <= end)
}

impl Measure {
    /// Whether the measure runs on `date` (from its start to its end, both included).
    pub fn is_active_on(&self, date: NaiveDate) -> bool {
        period_covers(self.started, self.ended, date)
    }
}

labeled_enum! {
    /// Why a household was visited.
    pub enum VisitPurpose {
        Routine = ("routine", "日常走访"),
        LeadVerification = ("lead_verification", "线索核实"),
        MeasureFollowUp = ("measure_follow_up", "措施跟进"),
        EliminationCheck = ("elimination_check", "消除风险核查"),
    }
}

/// A visit (走访) to a household.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub household: HouseholdId,
    pub cadre: Option<CadreId>,
    pub visited_on: NaiveDate,
    pub purpose: VisitPurpose,
    /// What the visitor found; may mention health, so it is never copied into audit details or logs.
    pub findings: String,
}

labeled_enum! {
    /// The post of an assisting cadre.
    pub enum CadrePost {
        FirstSecretary = ("first_secretary", "第一书记"),
        WorkTeamMember = ("work_team_member", "驻村工作队员"),
        ResponsiblePerson = ("responsible_person", "帮扶责任人"),
        VillageCadre = ("village_cadre", "村干部"),
    }
}

/// An assisting cadre (帮扶干部).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cadre {
    pub id: CadreId,
    pub name: PersonName,
    pub phone: Option<Phone>,
    /// The work unit, e.g. 县农业农村局.
    pub unit: String,
    pub post: CadrePost,
    /// The village or township the cadre serves.
    pub area: AreaCode,
}

/// A cadre's pairing with a household (结对帮扶), from `from` to `to` (both included).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub cadre: CadreId,
    pub household: HouseholdId,
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

impl Assignment {
    /// Whether the pairing holds on `date`.
    pub fn is_active_on(&self, date: NaiveDate) -> bool {
        period_covers(self.from, self.to, date)
    }
}

/// Monitoring records a county brings from another system (the national monitoring system's exports),
/// resolved to stored households: the decisions on each household (纳入监测 with its kind and risk types,
/// 风险消除), assisting cadres, their pairings, assistance measures and visits.
///
/// Cadre ids here are **local to the set** (1, 2, …, as `cadres` lists them); whoever stores the set gives
/// each cadre the id of an identical stored cadre or a new one, and rewrites the references.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonitoringHistory {
    pub decisions: Vec<(HouseholdId, crate::StatusEvent)>,
    pub cadres: Vec<Cadre>,
    pub assignments: Vec<Assignment>,
    pub measures: Vec<Measure>,
    pub visits: Vec<Visit>,
}

impl MonitoringHistory {
    /// All records.
    pub fn rows(&self) -> usize {
        self.decisions.len()
            + self.cadres.len()
            + self.assignments.len()
            + self.measures.len()
            + self.visits.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(&format!("2024-03-{day:02}T{hour:02}:00:00Z"))
            .unwrap()
            .with_timezone(&Utc)
    }

    fn rec(step: Step, outcome: Outcome, day: u32) -> CaseStep {
        CaseStep {
            step,
            outcome,
            by: "x".into(),
            at: at(day, 2),
            note: String::new(),
        }
    }

    fn case(steps: Vec<CaseStep>) -> CaseRecord {
        CaseRecord {
            id: CaseId::new(HouseholdId(7), 1).unwrap(),
            village: AreaCode::parse("511902001001").unwrap(),
            kind: CaseKind::Identification,
            channel: Channel::CadreCheck,
            monitoring_kind: Some(MonitoringKind::Marginal),
            risk_types: vec![RiskType::Illness],
            steps,
        }
    }

    #[test]
    fn case_ids_keep_the_household_dash_number_form() {
        let id = CaseId::parse("1024-3").unwrap();
        assert_eq!((id.household(), id.number()), (HouseholdId(1024), 3));
        assert_eq!(id.to_string(), "1024-3");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"1024-3\"");
        assert_eq!(serde_json::from_str::<CaseId>("\"1024-3\"").unwrap(), id);
        for bad in [
            "", "1024", "1024-", "-3", "1024-0", "0-1", "a-1", "1-2-3", "1-+2", "1- 2",
        ] {
            assert!(CaseId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(CaseId::parse("1024-3").unwrap() < CaseId::parse("1024-10").unwrap());
    }

    #[test]
    fn steps_go_in_order_without_skipping_or_repeating() {
        assert_eq!(Step::Lead.next(), Some(Step::Visit));
        assert_eq!(Step::CountyApproval.next(), None);
        let mut c = case(vec![rec(Step::Lead, Outcome::Pass, 1)]);
        assert_eq!(c.state(), CaseState::Open { next: Step::Visit });
        assert_eq!(
            c.push_step(rec(Step::TownshipReview, Outcome::Pass, 2)),
            Err(StepOrderError::OutOfOrder {
                step: Step::TownshipReview,
                due: Step::Visit
            })
        );
        assert_eq!(
            c.push_step(rec(Step::Lead, Outcome::Pass, 2)),
            Err(StepOrderError::OutOfOrder {
                step: Step::Lead,
                due: Step::Visit
            }),
            "no repeating"
        );
        assert_eq!(c.steps.len(), 1, "a refused step leaves the case unchanged");
        for step in &Step::ALL[1..] {
            assert!(c.is_open());
            assert_eq!(c.closed_at(), None);
            c.push_step(rec(*step, Outcome::Pass, 3)).unwrap();
        }
        assert_eq!(c.state(), CaseState::Decided);
        assert_eq!(c.closed_at(), Some(at(3, 2)));
        assert_eq!(
            c.push_step(rec(Step::CountyApproval, Outcome::Pass, 4)),
            Err(StepOrderError::Closed {
                step: Step::CountyApproval
            })
        );
    }

    #[test]
    fn a_rejection_closes_the_case() {
        let mut c = case(vec![
            rec(Step::Lead, Outcome::Pass, 1),
            rec(Step::Visit, Outcome::Reject, 2),
        ]);
        assert_eq!(c.state(), CaseState::Rejected { at: Step::Visit });
        assert!(!c.is_open());
        assert_eq!(
            c.push_step(rec(Step::Comparison, Outcome::Pass, 3)),
            Err(StepOrderError::Closed {
                step: Step::Comparison
            })
        );
    }

    #[test]
    fn the_deadline_counts_from_the_china_date_of_the_lead() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(case(vec![]).deadline(15), None);
        assert_eq!(
            case(vec![rec(Step::Lead, Outcome::Pass, 1)]).deadline(15),
            Some(d("2024-03-16"))
        );
        // 17:00 UTC on the 1st is already the 2nd in China.
        assert_eq!(deadline(at(1, 17), 15), d("2024-03-17"));
    }

    #[test]
    fn measures_and_pairings_hold_between_their_dates_inclusive() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let mut m = Measure {
            household: HouseholdId(1),
            kind: AssistanceType::Employment,
            description: "公益岗位".into(),
            started: d("2024-01-01"),
            ended: None,
            amount: None,
            case: None,
            cadre: None,
        };
        assert!(!m.is_active_on(d("2023-12-31")));
        assert!(m.is_active_on(d("2030-01-01")));
        m.ended = Some(d("2024-06-30"));
        assert!(m.is_active_on(d("2024-06-30")));
        assert!(!m.is_active_on(d("2024-07-01")));
        let a = Assignment {
            cadre: CadreId(1),
            household: HouseholdId(1),
            from: d("2024-01-01"),
            to: Some(d("2024-01-31")),
        };
        assert!(a.is_active_on(d("2024-01-31")) && !a.is_active_on(d("2024-02-01")));
    }
}
