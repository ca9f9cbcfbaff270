//! The monitoring workflow as a state machine (domain notes §6): a lead becomes a case, and the case goes
//! through its steps in a fixed order, each recorded with who, when and the outcome. A rejected step closes
//! the case; a passed county approval decides it (the household becomes monitored, or its risk is marked
//! eliminated). No step can be skipped, and each step can be recorded only by the role the access matrix
//! gives its [`Action`] to.
//!
//! The vocabulary (kinds, steps, outcomes, states) is `jingzhun_core::monitoring`'s, re-exported here; this
//! module adds what is the web application's: who records a step ([`StepExt::action`], [`Case::check`]),
//! where its form lives, and the timing shown in the inbox.
//!
//! This module is pure: cases are the store's [`CaseRecord`]s; the service ([`super::cases`]) reads and
//! writes them through the backend.

use chrono::NaiveDate;
use serde::Serialize;

use crate::access::{allows, Action, Role};

pub use jingzhun_core::monitoring::{
    CaseId, CaseKind, CaseRecord, CaseState, CaseStep as StepRecord, Outcome, Step,
};

/// What the web application adds to a step: who may record it and where its form lives.
pub trait StepExt {
    /// The action (and so the roles) that may record this step.
    fn action(self) -> Action;
    /// The URL segment of the step's form (`/cases/{case}/<segment>`).
    fn segment(self) -> &'static str;
}

impl StepExt for Step {
    fn action(self) -> Action {
        action(self)
    }

    fn segment(self) -> &'static str {
        segment(self)
    }
}

/// The action (and so the roles) that may record `step` (const, for the route table).
pub const fn action(step: Step) -> Action {
    match step {
        Step::Lead => Action::RecordLead,
        Step::Visit | Step::Comparison => Action::RecordVisit,
        Step::VillageReview => Action::VillageReview,
        Step::TownshipReview => Action::TownshipReview,
        Step::CountyApproval => Action::CountyApproval,
    }
}

/// The URL segment of the step's form.
pub const fn segment(step: Step) -> &'static str {
    match step {
        Step::Lead => "lead",
        Step::Visit => "visit",
        Step::Comparison => "comparison",
        Step::VillageReview => "village-review",
        Step::TownshipReview => "township-review",
        Step::CountyApproval => "county-approval",
    }
}

/// Why a step cannot be recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepRefusal {
    /// The case is decided or rejected.
    Closed,
    /// Another step is due (no skipping, no repeating).
    OutOfOrder { due: Step },
    /// The role may not record this step.
    Role,
}

/// What the web application asks of a case: who may record its next step, and how it stands against its
/// time limit.
pub trait CaseExt {
    /// Whether `role` may record `step` now.
    fn check(&self, step: Step, role: Role) -> Result<(), StepRefusal>;
    /// `overdue` when an open case is past its deadline, `near` within 3 days of it.
    fn timing(&self, days_limit: u16, today: NaiveDate) -> Timing;
}

impl CaseExt for CaseRecord {
    fn check(&self, step: Step, role: Role) -> Result<(), StepRefusal> {
        if !allows(role, step.action()) {
            return Err(StepRefusal::Role);
        }
        match self.state() {
            CaseState::Open { next } if next == step => Ok(()),
            CaseState::Open { next } => Err(StepRefusal::OutOfOrder { due: next }),
            _ => Err(StepRefusal::Closed),
        }
    }

    fn timing(&self, days_limit: u16, today: NaiveDate) -> Timing {
        match (self.is_open(), self.deadline(days_limit)) {
            (true, Some(d)) => timing(d, today),
            _ => Timing::OnTime,
        }
    }
}

/// How an open case with deadline `deadline` stands on `today`.
pub fn timing(deadline: NaiveDate, today: NaiveDate) -> Timing {
    if today > deadline {
        Timing::Overdue
    } else if (deadline - today).num_days() <= NEAR_DAYS {
        Timing::Near
    } else {
        Timing::OnTime
    }
}

/// An open case is near its time limit this many days (or fewer) before its deadline.
pub const NEAR_DAYS: i64 = 3;

/// How an open case stands against its time limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    OnTime,
    Near,
    Overdue,
}

#[cfg(test)]
mod tests {
    use super::*;

    use chrono::{DateTime, Utc};
    use jingzhun_core::{AreaCode, Channel, HouseholdId, MonitoringKind, RiskType};

    fn rec(step: Step, outcome: Outcome, day: u32) -> StepRecord {
        StepRecord {
            step,
            outcome,
            by: "x".into(),
            at: DateTime::parse_from_rfc3339(&format!("2024-03-{day:02}T02:00:00Z"))
                .unwrap()
                .with_timezone(&Utc),
            note: String::new(),
        }
    }

    fn case(steps: Vec<StepRecord>) -> CaseRecord {
        CaseRecord {
            id: CaseId::new(HouseholdId(1), 1).unwrap(),
            village: AreaCode::parse("511902001001").unwrap(),
            kind: CaseKind::Identification,
            channel: Channel::CadreCheck,
            monitoring_kind: Some(MonitoringKind::Marginal),
            risk_types: vec![RiskType::Illness],
            steps,
        }
    }

    #[test]
    fn steps_go_in_order_by_their_roles_only() {
        let mut c = case(vec![rec(Step::Lead, Outcome::Pass, 1)]);
        assert_eq!(c.state(), CaseState::Open { next: Step::Visit });
        assert_eq!(
            c.check(Step::TownshipReview, Role::TownshipReviewer),
            Err(StepRefusal::OutOfOrder { due: Step::Visit }),
            "no skipping"
        );
        assert_eq!(c.check(Step::Visit, Role::Analyst), Err(StepRefusal::Role));
        assert_eq!(c.check(Step::Visit, Role::VillageCadre), Ok(()));
        for (step, role) in [
            (Step::Visit, Role::VillageCadre),
            (Step::Comparison, Role::VillageCadre),
            (Step::VillageReview, Role::VillageCadre),
            (Step::TownshipReview, Role::TownshipReviewer),
        ] {
            assert_eq!(c.check(step, role), Ok(()));
            c.steps.push(rec(step, Outcome::Pass, 2));
        }
        assert_eq!(
            c.check(Step::CountyApproval, Role::TownshipReviewer),
            Err(StepRefusal::Role),
            "a township reviewer cannot approve"
        );
        assert_eq!(c.check(Step::CountyApproval, Role::CountyApprover), Ok(()));
        c.steps.push(rec(Step::CountyApproval, Outcome::Pass, 3));
        assert_eq!(c.state(), CaseState::Decided);
        assert_eq!(
            c.check(Step::CountyApproval, Role::CountyApprover),
            Err(StepRefusal::Closed)
        );
    }

    #[test]
    fn a_rejection_closes_the_case() {
        let c = case(vec![
            rec(Step::Lead, Outcome::Pass, 1),
            rec(Step::Visit, Outcome::Reject, 2),
        ]);
        assert_eq!(c.state(), CaseState::Rejected { at: Step::Visit });
        assert_eq!(
            c.check(Step::Comparison, Role::VillageCadre),
            Err(StepRefusal::Closed)
        );
    }

    #[test]
    fn open_cases_are_flagged_near_and_past_the_limit() {
        let c = case(vec![rec(Step::Lead, Outcome::Pass, 1)]);
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(c.deadline(15), Some(d("2024-03-16")));
        assert_eq!(c.timing(15, d("2024-03-05")), Timing::OnTime);
        assert_eq!(c.timing(15, d("2024-03-13")), Timing::Near);
        assert_eq!(c.timing(15, d("2024-03-17")), Timing::Overdue);
    }
}
