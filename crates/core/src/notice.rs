//! The village review (村级民主评议) of the monitoring workflow and its public notice (公示), domain notes §6.
//!
//! A village holds one review meeting for several households: the meeting has a date and its participants,
//! each household's case gets its village-review step (passed or not) from it, and the households that
//! passed are listed on ONE notice, put up in the village for the policy pack's number of days
//! (`notice_days`). The township reviews a case only after its notice period has ended; objections raised
//! meanwhile are recorded with who raised them, when, what they say and how they were resolved.
//!
//! These are plain values: no I/O, no clock. The period arithmetic is here so that every crate computes it
//! the same way ([`notice_period`], [`VillageReview::notice_running_on`]).

use std::fmt;

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::monitoring::{CaseId, Outcome};
use crate::AreaCode;

/// Database identity of a village review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReviewId(pub i64);

impl fmt::Display for ReviewId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Database identity of an objection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ObjectionId(pub i64);

impl fmt::Display for ObjectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The first and last day (both included) of a notice put up on `posted` for `days` days.
pub fn notice_period(posted: NaiveDate, days: u16) -> (NaiveDate, NaiveDate) {
    let days = i64::from(days.max(1));
    (posted, posted + Duration::days(days - 1))
}

/// One household's case in a village review and what the meeting decided on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewedCase {
    pub case: CaseId,
    pub outcome: Outcome,
    /// Why not (required when the outcome is a rejection), or what the meeting noted.
    pub note: String,
}

/// A village review meeting and its notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VillageReview {
    pub village: AreaCode,
    /// The day of the meeting.
    pub reviewed_on: NaiveDate,
    /// Who took part (村两委、驻村工作队、村民代表…), as the minutes name them.
    pub participants: String,
    /// First and last day of the notice (both included).
    pub notice_from: NaiveDate,
    pub notice_until: NaiveDate,
    /// The number people call to object (监督电话).
    pub complaint_phone: String,
    /// The households reviewed, in the order of the notice.
    pub cases: Vec<ReviewedCase>,
}

impl VillageReview {
    /// Whether the notice is still up on `day` (the township may review from the day after it ends).
    pub fn notice_running_on(&self, day: NaiveDate) -> bool {
        day <= self.notice_until
    }

    /// What is wrong with the review as entered, one sentence each (empty when it can be recorded).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.participants.trim().is_empty() {
            out.push("请填写参加评议的人员".to_owned());
        }
        if self.cases.is_empty() {
            out.push("请至少选择一户参加评议".to_owned());
        }
        let phone = self.complaint_phone.trim();
        if phone.is_empty() {
            out.push("请填写公示的监督电话".to_owned());
        } else if phone.chars().filter(char::is_ascii_digit).count() < 7
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '-' | ' ' | '(' | ')'))
        {
            out.push(format!("监督电话「{phone}」不是有效的电话号码"));
        }
        if self.notice_from < self.reviewed_on {
            out.push(format!(
                "公示开始日期 {} 早于评议日期 {}",
                self.notice_from, self.reviewed_on
            ));
        }
        if self.notice_until < self.notice_from {
            out.push(format!(
                "公示结束日期 {} 早于开始日期 {}",
                self.notice_until, self.notice_from
            ));
        }
        for c in &self.cases {
            if c.outcome == Outcome::Reject && c.note.trim().is_empty() {
                out.push(format!("监测事项 {} 评议不通过，须写明理由", c.case));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for c in &self.cases {
            if !seen.insert(c.case) {
                out.push(format!("监测事项 {} 重复出现在同一次评议中", c.case));
            }
        }
        out
    }
}

/// An objection raised against a notice (公示期间的异议), and how it was resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    /// The household's case the objection is about, if it names one.
    pub case: Option<CaseId>,
    /// Who raised it (a name, or 匿名).
    pub raised_by: String,
    pub raised_on: NaiveDate,
    pub content: String,
    /// How it was resolved (核实情况及处理结果), once it is.
    pub resolution: Option<String>,
    pub resolved_on: Option<NaiveDate>,
}

impl Objection {
    pub fn is_resolved(&self) -> bool {
        self.resolution.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HouseholdId;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn review() -> VillageReview {
        let (from, until) = notice_period(d("2025-03-10"), 5);
        VillageReview {
            village: AreaCode::parse("511902001001").unwrap(),
            reviewed_on: d("2025-03-10"),
            participants: "村两委、驻村工作队、村民代表 12 人".into(),
            notice_from: from,
            notice_until: until,
            complaint_phone: "0827-5262100".into(),
            cases: vec![ReviewedCase {
                case: CaseId::new(HouseholdId(1), 1).unwrap(),
                outcome: Outcome::Pass,
                note: String::new(),
            }],
        }
    }

    #[test]
    fn a_five_day_notice_runs_five_days_and_the_township_reviews_the_day_after() {
        let r = review();
        assert_eq!(r.notice_until, d("2025-03-14"));
        assert!(r.notice_running_on(d("2025-03-14")));
        assert!(!r.notice_running_on(d("2025-03-15")));
        assert!(r.problems().is_empty(), "{:?}", r.problems());
    }

    #[test]
    fn a_review_without_participants_phone_or_reasons_is_refused() {
        let mut r = review();
        r.participants = " ".into();
        r.complaint_phone = "abc".into();
        r.cases[0].outcome = Outcome::Reject;
        r.cases.push(r.cases[0].clone());
        let p = r.problems().join("；");
        assert!(p.contains("参加评议的人员"), "{p}");
        assert!(p.contains("监督电话"), "{p}");
        assert!(p.contains("须写明理由"), "{p}");
        assert!(p.contains("重复"), "{p}");
    }
}
