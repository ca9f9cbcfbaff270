//! Village reviews and their notices: one review for several households in one transaction, the notice's
//! period enforced on the township review (whoever writes), objections recorded and resolved, all audited
//! without names or what was said.

use chrono::{DateTime, Utc};
use jingzhun_core::monitoring::*;
use jingzhun_core::notice::*;
use jingzhun_core::*;
use jingzhun_store::*;

use crate::both;
use crate::support::*;

const V1: &str = "511902101001";
const V2: &str = "511902101002";

fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn step(step: Step, at: &str) -> CaseStep {
    CaseStep {
        step,
        outcome: Outcome::Pass,
        by: "村干部".into(),
        at: ts(at),
        note: String::new(),
    }
}

/// A case of a new household in `village`, led and visited and compared (due for the village review).
fn case_due_for_review(store: &Store, n: usize, village: &str) -> CaseRecord {
    let h = store
        .create_household(
            &household(n, village),
            &[],
            d("2014-10-01"),
            &actor(),
            "建档",
        )
        .unwrap()
        .0;
    let id = store.next_case_id(h).unwrap();
    let c = CaseRecord {
        id,
        village: code(village),
        kind: CaseKind::Identification,
        channel: Channel::CadreCheck,
        monitoring_kind: Some(MonitoringKind::Marginal),
        risk_types: vec![RiskType::Illness],
        steps: vec![step(Step::Lead, "2025-03-01T02:00:00Z")],
    };
    store.open_case(&c, &actor()).unwrap();
    store
        .record_case_step(
            &id,
            1,
            step(Step::Visit, "2025-03-02T02:00:00Z"),
            None,
            &actor(),
        )
        .unwrap();
    store
        .record_case_step(
            &id,
            2,
            step(Step::Comparison, "2025-03-03T02:00:00Z"),
            None,
            &actor(),
        )
        .unwrap();
    store.case(&id).unwrap().unwrap()
}

fn review(village: &str, cases: &[&CaseRecord]) -> VillageReview {
    let (from, until) = notice_period(d("2025-03-10"), 5);
    VillageReview {
        village: code(village),
        reviewed_on: d("2025-03-10"),
        participants: "村两委成员 5 人、驻村工作队 2 人、村民代表 12 人".into(),
        notice_from: from,
        notice_until: until,
        complaint_phone: "0827-5262100".into(),
        cases: cases
            .iter()
            .map(|c| ReviewedCase {
                case: c.id,
                outcome: Outcome::Pass,
                note: String::new(),
            })
            .collect(),
    }
}

both!(fn one_review_decides_several_households_and_its_notice_holds_back_the_township(db) {
    let s = &db.store;
    let a = case_due_for_review(s, 1, V1);
    let b = case_due_for_review(s, 2, V1);
    let c = case_due_for_review(s, 3, V1);
    let mut r = review(V1, &[&a, &b, &c]);
    r.cases[2].outcome = Outcome::Reject;
    r.cases[2].note = "经评议，家庭收入高于监测范围".into();
    let (id, cases) = s
        .record_village_review(&r, &[3, 3, 3], ts("2025-03-10T06:00:00Z"), &actor())
        .unwrap();
    assert_eq!(cases.len(), 3);
    assert_eq!(cases[0].state(), CaseState::Open { next: Step::TownshipReview });
    assert_eq!(cases[2].state(), CaseState::Rejected { at: Step::VillageReview });

    let stored = s.village_review(id).unwrap().unwrap();
    assert_eq!(stored.review.participants, r.participants);
    assert_eq!(stored.review.notice_until, d("2025-03-14"));
    assert_eq!(
        stored.review.cases.iter().map(|c| c.case).collect::<Vec<_>>(),
        vec![a.id, b.id, c.id],
        "the notice keeps the households in their order"
    );
    assert_eq!(stored.review.cases[2].note, "经评议，家庭收入高于监测范围");
    assert_eq!(s.village_review_of_case(&b.id).unwrap().unwrap().id, id);
    assert_eq!(s.village_reviews_within(&code("5119"), 10).unwrap().len(), 1);
    assert!(s.village_reviews_within(&code(V2), 10).unwrap().is_empty());

    // The township cannot review on the notice's last day (China time), and can the day after.
    let township = |at: &str| CaseStep {
        step: Step::TownshipReview,
        outcome: Outcome::Pass,
        by: "乡镇".into(),
        at: ts(at),
        note: String::new(),
    };
    let err = s
        .record_case_step(&a.id, 4, township("2025-03-14T15:00:00Z"), None, &actor())
        .unwrap_err();
    assert!(matches!(err, StoreError::NoticeRunning { open_objections: 0, .. }), "{err}");
    assert!(err.to_string().contains("2025-03-14"), "{err}");
    s.record_case_step(&a.id, 4, township("2025-03-14T16:30:00Z"), None, &actor())
        .unwrap();

    // An objection naming b, raised during the notice, holds b back until it is resolved.
    let o = Objection {
        case: Some(b.id),
        raised_by: "村民李四".into(),
        raised_on: d("2025-03-12"),
        content: "该户新购小汽车一辆".into(),
        resolution: None,
        resolved_on: None,
    };
    let oid = s.add_objection(id, &o, &actor()).unwrap();
    let err = s
        .record_case_step(&b.id, 4, township("2025-03-16T02:00:00Z"), None, &actor())
        .unwrap_err();
    assert!(matches!(err, StoreError::NoticeRunning { open_objections: 1, .. }), "{err}");
    s.resolve_objection(oid, "经核实，车辆为亲属所有，异议不成立", d("2025-03-13"), &actor())
        .unwrap();
    let listed = s.objections_of_review(id).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].1.resolution.as_deref(), Some("经核实，车辆为亲属所有，异议不成立"));
    assert_eq!(listed[0].1.resolved_on, Some(d("2025-03-13")));
    assert!(s.resolve_objection(oid, "再次", d("2025-03-14"), &actor()).is_err());
    s.record_case_step(&b.id, 4, township("2025-03-16T02:00:00Z"), None, &actor())
        .unwrap();

    // Audited, without the participants, the objector or what was said.
    let entries = s.audit_entries(&AuditFilter::default()).unwrap();
    for action in ["monitoring.village_review", "monitoring.objection", "monitoring.objection_resolved"] {
        assert!(entries.iter().any(|e| e.action == action), "{action}");
    }
    for e in &entries {
        for secret in ["李四", "小汽车", "村民代表", "亲属"] {
            assert!(!e.detail.contains(secret) && !e.reason.contains(secret), "{}: {}", e.action, e.detail);
        }
    }
    assert!(s.audit_verify().unwrap().problems.is_empty());
});

both!(fn a_review_is_all_or_nothing(db) {
    let s = &db.store;
    let a = case_due_for_review(s, 1, V1);
    let b = case_due_for_review(s, 2, V1);
    let other = case_due_for_review(s, 3, V2);
    let audit_before = db.raw_i64("SELECT count(*) FROM audit_log");
    let at = ts("2025-03-10T06:00:00Z");

    // A household of another village: nothing is written, not even the first household's step.
    let err = s
        .record_village_review(&review(V1, &[&a, &other]), &[3, 3], at, &actor())
        .unwrap_err();
    assert!(err.to_string().contains("不属于村"), "{err}");
    // A stale page for the second household.
    let err = s
        .record_village_review(&review(V1, &[&a, &b]), &[3, 2], at, &actor())
        .unwrap_err();
    assert!(matches!(err, StoreError::CaseConflict { .. }), "{err}");
    // No participants, a rejection without a reason.
    let mut r = review(V1, &[&a, &b]);
    r.participants = String::new();
    r.cases[1].outcome = Outcome::Reject;
    let err = s.record_village_review(&r, &[3, 3], at, &actor()).unwrap_err();
    assert!(err.to_string().contains("参加评议的人员"), "{err}");
    assert!(err.to_string().contains("须写明理由"), "{err}");

    assert_eq!(s.case(&a.id).unwrap().unwrap().steps.len(), 3);
    assert_eq!(db.raw_i64("SELECT count(*) FROM village_reviews"), 0);
    assert_eq!(db.raw_i64("SELECT count(*) FROM audit_log"), audit_before);

    // A case is reviewed once: a second review of it is out of turn.
    let (id, _) = s
        .record_village_review(&review(V1, &[&a]), &[3], at, &actor())
        .unwrap();
    let err = s
        .record_village_review(&review(V1, &[&a]), &[4], at, &actor())
        .unwrap_err();
    assert!(matches!(err, StoreError::StepOrder { .. }), "{err}");

    // Objections outside the period, about a household not on the notice, or without content are refused.
    let o = |on: &str, case: Option<CaseId>, content: &str| Objection {
        case,
        raised_by: "匿名".into(),
        raised_on: d(on),
        content: content.into(),
        resolution: None,
        resolved_on: None,
    };
    for (bad, why) in [
        (o("2025-03-15", None, "有异议"), "不在公示期"),
        (o("2025-03-11", Some(b.id), "有异议"), "不在这次公示中"),
        (o("2025-03-11", None, " "), "内容"),
    ] {
        let err = s.add_objection(id, &bad, &actor()).unwrap_err();
        assert!(err.to_string().contains(why), "{err}");
    }
    assert!(s.objections_of_review(id).unwrap().is_empty());
    assert!(s.add_objection(ReviewId(999_999), &o("2025-03-11", None, "x"), &actor()).is_err());
});
