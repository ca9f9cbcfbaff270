//! Monitoring cases, measures, visits and cadres: round trips, the one-open-case guarantee, the step
//! compare-and-set, order refusals, decisions written with their step, scoping by area, bulk loads.

use chrono::{DateTime, Utc};
use jingzhun_core::monitoring::*;
use jingzhun_core::*;
use jingzhun_store::*;

use crate::both;
use crate::support::*;

const V1: &str = "511902101001";
const V2: &str = "511902101002";
const V3: &str = "511903101001";

fn ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn step(step: Step, outcome: Outcome, at: &str) -> CaseStep {
    CaseStep {
        step,
        outcome,
        by: format!("{}-账号", step.code()),
        at: ts(at),
        note: "家中有人患大病, 申请纳入监测".into(),
    }
}

/// A new identification case of `household` (its `n`-th), led at `at`.
fn new_case(household: HouseholdId, n: u32, village: &str, at: &str) -> CaseRecord {
    CaseRecord {
        id: CaseId::new(household, n).unwrap(),
        village: code(village),
        kind: CaseKind::Identification,
        channel: Channel::CadreCheck,
        monitoring_kind: Some(MonitoringKind::Marginal),
        risk_types: vec![RiskType::Illness, RiskType::Disability],
        steps: vec![step(Step::Lead, Outcome::Pass, at)],
    }
}

fn monitored(effective: &str) -> StatusEvent {
    let mut e = StatusEvent::new(StatusEventKind::Monitored, d(effective));
    e.monitoring_kind = Some(MonitoringKind::Marginal);
    e.risk_types = vec![RiskType::Illness];
    e
}

fn add_household(store: &Store, n: usize, village: &str) -> HouseholdId {
    store
        .create_household(
            &household(n, village),
            &[],
            d("2014-10-01"),
            &actor(),
            "建档",
        )
        .unwrap()
        .0
}

/// Records the steps after the lead up to (not including) `until`, all passed, one hour apart from `start`.
fn advance(store: &Store, case: &CaseId, until: Step, start: &str) -> CaseRecord {
    let mut c = store.case(case).unwrap().unwrap();
    let mut at = ts(start);
    while let CaseState::Open { next } = c.state() {
        if next == until {
            break;
        }
        let s = CaseStep {
            step: next,
            outcome: Outcome::Pass,
            by: "x".into(),
            at,
            note: String::new(),
        };
        let decision = (next == Step::CountyApproval).then(|| monitored("2024-03-20"));
        c = store
            .record_case_step(case, c.steps.len(), s, decision, &actor())
            .unwrap();
        at += chrono::Duration::hours(1);
    }
    c
}

fn other_db(db: &TestDb) -> TestDb {
    if db.is_pg() {
        TestDb::postgres().unwrap()
    } else {
        TestDb::sqlite()
    }
}

both!(fn a_case_goes_through_its_steps_and_its_decision_lands_on_the_household(db) {
    let s = &db.store;
    let h = add_household(s, 1, V1);
    let id = s.next_case_id(h).unwrap();
    assert_eq!(id.to_string(), format!("{}-1", h.0));
    let mut expected = new_case(h, 1, V1, "2024-03-01T02:00:00Z");
    s.open_case(&expected, &actor()).unwrap();
    assert_eq!(s.case(&id).unwrap(), Some(expected.clone()));
    assert_eq!(s.next_case_id(h).unwrap().to_string(), format!("{}-2", h.0));

    let before = s.household(h).unwrap().version;
    for (i, st) in Step::ALL[1..].iter().enumerate() {
        let rec = step(*st, Outcome::Pass, &format!("2024-03-{:02}T03:00:00Z", 2 + i));
        let decision = (*st == Step::CountyApproval).then(|| monitored("2024-03-06"));
        let got = s
            .record_case_step(&id, expected.steps.len(), rec.clone(), decision, &actor())
            .unwrap();
        expected.steps.push(rec);
        assert_eq!(got, expected);
        if *st != Step::CountyApproval {
            assert_eq!(s.household(h).unwrap().version, before, "no decision before the county's");
        }
    }
    assert_eq!(s.case(&id).unwrap().unwrap().state(), CaseState::Decided);
    let stored = s.household(h).unwrap();
    assert_eq!(stored.version, Version(before.0 + 1));
    assert_eq!(stored.events.len(), 1);
    assert_eq!(stored.events[0].kind, StatusEventKind::Monitored);
    assert_eq!(s.cases_of_household(h).unwrap(), vec![expected]);
    assert_eq!(s.case(&CaseId::new(h, 9).unwrap()).unwrap(), None);

    // The audit entries name ids and codes, never the note or the (health-revealing) risk types.
    let entries = s
        .audit_entries(&AuditFilter {
            entity: Some("monitoring_cases".into()),
            ..AuditFilter::default()
        })
        .unwrap();
    assert_eq!(entries.len(), Step::ALL.len());
    for e in &entries {
        assert_eq!(e.entity_id, id.to_string());
        assert!(!e.detail.contains("illness") && !e.detail.contains("大病"), "{}", e.detail);
        assert!(!e.reason.contains("大病"), "{}", e.reason);
    }
    // Nor does the decision's entry on the household.
    for e in s.audit_entries(&AuditFilter::default()).unwrap() {
        assert!(!e.detail.contains("illness"), "{}: {}", e.action, e.detail);
    }
    assert!(s.audit_verify().unwrap().problems.is_empty());
});

both!(fn a_household_has_at_most_one_open_case(db) {
    let s = &db.store;
    let h = add_household(s, 1, V1);
    let first = new_case(h, 1, V1, "2024-03-01T02:00:00Z");
    s.open_case(&first, &actor()).unwrap();
    let err = s
        .open_case(&new_case(h, 2, V1, "2024-03-02T02:00:00Z"), &actor())
        .unwrap_err();
    match &err {
        StoreError::CaseAlreadyOpen { household, open } => {
            assert_eq!((*household, *open), (h, Some(first.id)));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains(&first.id.to_string()), "{err}");
    // The same id twice is a duplicate, whatever the state.
    s.record_case_step(&first.id, 1, step(Step::Visit, Outcome::Reject, "2024-03-02T02:00:00Z"), None, &actor())
        .unwrap();
    assert!(matches!(
        s.open_case(&first, &actor()),
        Err(StoreError::Duplicate { .. })
    ));
    // Once the first is closed, a second may open.
    let second = new_case(h, 2, V1, "2024-03-03T02:00:00Z");
    assert_eq!(s.next_case_id(h).unwrap(), second.id);
    s.open_case(&second, &actor()).unwrap();

    // The database itself refuses a second open case (no pre-check on this path).
    let batch = MonitoringBatch {
        cases: vec![new_case(h, 3, V1, "2024-03-04T02:00:00Z")],
        ..MonitoringBatch::default()
    };
    let err = s.bulk_load_monitoring(&batch, &actor()).unwrap_err();
    assert!(
        matches!(err, StoreError::CaseAlreadyOpen { household, .. } if household == h),
        "{err:?}"
    );
    assert_eq!(s.cases_of_household(h).unwrap().len(), 2);

    // Openers racing from two connections: exactly one wins.
    let h2 = add_household(s, 2, V1);
    let other = db.reopen().unwrap();
    let results = std::thread::scope(|scope| {
        let a = scope.spawn(|| s.open_case(&new_case(h2, 1, V1, "2024-03-05T02:00:00Z"), &actor()));
        let b = scope.spawn(|| other.open_case(&new_case(h2, 2, V1, "2024-03-05T02:00:00Z"), &actor()));
        [a.join().unwrap(), b.join().unwrap()]
    });
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    assert!(results.iter().any(|r| matches!(r, Err(StoreError::CaseAlreadyOpen { .. }))));
    assert_eq!(
        s.cases_within(&code(V1), &CaseFilter { open_only: true, ..CaseFilter::default() })
            .unwrap()
            .iter()
            .filter(|c| c.household() == h2)
            .count(),
        1
    );
});

both!(fn a_stale_step_count_is_a_conflict(db) {
    let s = &db.store;
    let h = add_household(s, 1, V1);
    let c = new_case(h, 1, V1, "2024-03-01T02:00:00Z");
    s.open_case(&c, &actor()).unwrap();
    s.record_case_step(&c.id, 1, step(Step::Visit, Outcome::Pass, "2024-03-02T02:00:00Z"), None, &actor())
        .unwrap();
    // A second person, who also saw one step, records the visit again.
    let err = s
        .record_case_step(&c.id, 1, step(Step::Visit, Outcome::Pass, "2024-03-02T03:00:00Z"), None, &actor())
        .unwrap_err();
    match err {
        StoreError::CaseConflict { case, current, expected } => {
            assert_eq!((case, current, expected), (c.id, 2, 1));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.case(&c.id).unwrap().unwrap().steps.len(), 2);
    assert!(matches!(
        s.record_case_step(&CaseId::new(h, 5).unwrap(), 1, step(Step::Visit, Outcome::Pass, "2024-03-02T03:00:00Z"), None, &actor()),
        Err(StoreError::NotFound { .. })
    ));
});

both!(fn steps_out_of_order_or_on_closed_cases_are_refused_and_write_nothing(db) {
    let s = &db.store;
    let h = add_household(s, 1, V1);
    let c = new_case(h, 1, V1, "2024-03-01T02:00:00Z");
    s.open_case(&c, &actor()).unwrap();
    let audit_before = db.raw_i64("SELECT count(*) FROM audit_log");
    let err = s
        .record_case_step(&c.id, 1, step(Step::TownshipReview, Outcome::Pass, "2024-03-02T02:00:00Z"), None, &actor())
        .unwrap_err();
    assert!(
        matches!(err, StoreError::StepOrder { source: StepOrderError::OutOfOrder { due: Step::Visit, .. }, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("入户核实"), "{err}");
    // A step dated before the previous one.
    assert!(matches!(
        s.record_case_step(&c.id, 1, step(Step::Visit, Outcome::Pass, "2024-02-28T02:00:00Z"), None, &actor()),
        Err(StoreError::Invalid(_))
    ));
    // A decision on a step that decides nothing.
    assert!(matches!(
        s.record_case_step(&c.id, 1, step(Step::Visit, Outcome::Pass, "2024-03-02T02:00:00Z"), Some(monitored("2024-03-02")), &actor()),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(db.raw_i64("SELECT count(*) FROM audit_log"), audit_before);
    assert_eq!(db.raw_i64("SELECT count(*) FROM case_steps"), 1);

    s.record_case_step(&c.id, 1, step(Step::Visit, Outcome::Reject, "2024-03-02T02:00:00Z"), None, &actor())
        .unwrap();
    let closed = s.case(&c.id).unwrap().unwrap();
    assert_eq!(closed.state(), CaseState::Rejected { at: Step::Visit });
    let err = s
        .record_case_step(&c.id, 2, step(Step::Comparison, Outcome::Pass, "2024-03-03T02:00:00Z"), None, &actor())
        .unwrap_err();
    assert!(
        matches!(err, StoreError::StepOrder { source: StepOrderError::Closed { .. }, .. }),
        "{err:?}"
    );
    assert_eq!(s.case(&c.id).unwrap().unwrap(), closed);

    // A new case must hold exactly its lead.
    let mut two = new_case(h, 2, V1, "2024-03-04T02:00:00Z");
    two.steps.push(step(Step::Visit, Outcome::Pass, "2024-03-05T02:00:00Z"));
    assert!(matches!(s.open_case(&two, &actor()), Err(StoreError::Invalid(_))));
    let mut elimination = new_case(h, 2, V1, "2024-03-04T02:00:00Z");
    elimination.kind = CaseKind::Elimination;
    assert!(
        matches!(s.open_case(&elimination, &actor()), Err(StoreError::Invalid(_))),
        "an elimination case proposes no monitoring kind"
    );
    assert!(matches!(
        s.open_case(&new_case(HouseholdId(999_999), 1, V1, "2024-03-04T02:00:00Z"), &actor()),
        Err(StoreError::NotFound { .. })
    ));
});

both!(fn the_county_decision_and_its_step_are_written_together_or_not_at_all(db) {
    let s = &db.store;
    let h = add_household(s, 1, V1);
    let c = new_case(h, 1, V1, "2024-03-01T02:00:00Z");
    s.open_case(&c, &actor()).unwrap();
    let c = advance(s, &c.id, Step::CountyApproval, "2024-03-02T02:00:00Z");
    let version = s.household(h).unwrap().version;
    let approval = || step(Step::CountyApproval, Outcome::Pass, "2024-03-10T02:00:00Z");

    // Without its decision, or with the wrong one: refused.
    assert!(matches!(
        s.record_case_step(&c.id, c.steps.len(), approval(), None, &actor()),
        Err(StoreError::Invalid(_))
    ));
    let wrong = StatusEvent::new(StatusEventKind::RiskEliminated, d("2024-03-10"));
    assert!(matches!(
        s.record_case_step(&c.id, c.steps.len(), approval(), Some(wrong), &actor()),
        Err(StoreError::Invalid(_))
    ));

    // The status event fails after the step was written (its table is gone): the step rolls back too.
    db.raw("ALTER TABLE status_events RENAME TO status_events_away");
    let err = s
        .record_case_step(&c.id, c.steps.len(), approval(), Some(monitored("2024-03-10")), &actor())
        .unwrap_err();
    db.raw("ALTER TABLE status_events_away RENAME TO status_events");
    assert!(matches!(err, StoreError::Sqlite(_) | StoreError::Postgres(_)), "{err:?}");
    assert_eq!(s.case(&c.id).unwrap().unwrap(), c, "the step is not recorded");
    assert_eq!(s.household(h).unwrap().version, version);
    assert!(s.household(h).unwrap().events.is_empty());
    assert!(s.audit_verify().unwrap().problems.is_empty());

    // With the table back, the same call succeeds and writes both.
    let done = s
        .record_case_step(&c.id, c.steps.len(), approval(), Some(monitored("2024-03-10")), &actor())
        .unwrap();
    assert_eq!(done.state(), CaseState::Decided);
    let stored = s.household(h).unwrap();
    assert_eq!(stored.version, Version(version.0 + 1));
    assert_eq!(stored.events, vec![monitored("2024-03-10")]);
});

both!(fn cases_are_read_and_counted_by_area(db) {
    let s = &db.store;
    s.upsert_areas(&areas(), &actor(), "x").unwrap();
    // Household ids by village: two in V1, one in V2 (same township), one in V3 (another county).
    let h1 = add_household(s, 1, V1);
    let h2 = add_household(s, 2, V1);
    let h3 = add_household(s, 3, V2);
    let h4 = add_household(s, 4, V3);
    // h1: decided (lead 03-01, decided 03-01 + steps an hour apart).
    s.open_case(&new_case(h1, 1, V1, "2024-03-01T02:00:00Z"), &actor()).unwrap();
    advance(s, &CaseId::new(h1, 1).unwrap(), Step::Lead, "2024-03-01T03:00:00Z");
    // h1 again: open, waiting for the visit, opened 03-20.
    s.open_case(&new_case(h1, 2, V1, "2024-03-20T02:00:00Z"), &actor()).unwrap();
    // h2: rejected at the village review (03-05).
    s.open_case(&new_case(h2, 1, V1, "2024-03-03T02:00:00Z"), &actor()).unwrap();
    let c = advance(s, &CaseId::new(h2, 1).unwrap(), Step::VillageReview, "2024-03-04T02:00:00Z");
    s.record_case_step(&c.id, c.steps.len(), step(Step::VillageReview, Outcome::Reject, "2024-03-05T02:00:00Z"), None, &actor())
        .unwrap();
    // h3: an elimination case, open and waiting for the township since 03-02.
    let mut e = new_case(h3, 1, V2, "2024-03-02T02:00:00Z");
    e.kind = CaseKind::Elimination;
    e.monitoring_kind = None;
    s.open_case(&e, &actor()).unwrap();
    advance(s, &e.id, Step::TownshipReview, "2024-03-02T03:00:00Z");
    // h4: open, elsewhere.
    s.open_case(&new_case(h4, 1, V3, "2024-03-01T01:00:00Z"), &actor()).unwrap();

    let ids = |cases: Vec<CaseRecord>| cases.iter().map(|c| c.id.to_string()).collect::<Vec<_>>();
    let all = CaseFilter::default();
    let township = code("511902101");
    assert_eq!(
        ids(s.cases_within(&township, &all).unwrap()),
        [format!("{}-1", h1.0), format!("{}-1", h3.0), format!("{}-1", h2.0), format!("{}-2", h1.0)],
        "by lead time"
    );
    assert_eq!(ids(s.cases_within(&code(V3), &all).unwrap()), [format!("{}-1", h4.0)]);
    assert_eq!(s.cases_within(&code("5119"), &all).unwrap().len(), 5);
    let open = s
        .cases_within(&township, &CaseFilter { open_only: true, ..CaseFilter::default() })
        .unwrap();
    assert_eq!(ids(open), [format!("{}-1", h3.0), format!("{}-2", h1.0)]);
    let open_only = CaseFilter { open_only: true, limit: Some(1), ..CaseFilter::default() };
    assert_eq!(s.count_cases_within(&township, &open_only).unwrap(), 2, "limit is ignored");
    assert_eq!(s.count_cases_within(&township, &all).unwrap(), 4);
    assert_eq!(s.count_cases_within(&code("5119"), &all).unwrap(), 5);
    let elimination = s
        .cases_within(&township, &CaseFilter { kind: Some(CaseKind::Elimination), ..CaseFilter::default() })
        .unwrap();
    assert_eq!(elimination.len(), 1);
    assert_eq!(elimination[0], s.case(&e.id).unwrap().unwrap(), "steps come along");
    let page = s
        .cases_within(&township, &CaseFilter { limit: Some(2), offset: 1, ..CaseFilter::default() })
        .unwrap();
    assert_eq!(ids(page), [format!("{}-1", h3.0), format!("{}-1", h2.0)]);

    // At the end of 03-25 (15-day limit): the open ones are h1-2 (visit due) and h3 (township review due);
    // h3's deadline was 03-17, so it is overdue; h1-2's is 04-04.
    let now = s.case_counts_within(&township, d("2024-03-25"), 15).unwrap();
    assert_eq!(now.decided, 1);
    assert_eq!(now.rejected, 1);
    assert_eq!(now.open(), 2);
    assert_eq!(now.open_by_next.get(&Step::Visit), Some(&1));
    assert_eq!(now.open_by_next.get(&Step::TownshipReview), Some(&1));
    assert_eq!(now.overdue, 1);
    // At the end of 03-01 China time (16:00 UTC): h1-1 is already decided (its steps all fell on 03-01
    // UTC morning), h2 not opened, h3 not opened.
    let early = s.case_counts_within(&township, d("2024-03-01"), 15).unwrap();
    assert_eq!((early.decided, early.rejected, early.open()), (1, 0, 0));
    // At the end of 03-04: h2 waits for its village review (rejected on 03-05), h3 for the township.
    let mid = s.case_counts_within(&township, d("2024-03-04"), 15).unwrap();
    assert_eq!((mid.decided, mid.rejected, mid.overdue), (1, 0, 0));
    assert_eq!(mid.open_by_next.get(&Step::VillageReview), Some(&1));
    assert_eq!(mid.open_by_next.get(&Step::TownshipReview), Some(&1));
    assert_eq!(s.case_counts_within(&code(V3), d("2024-03-25"), 15).unwrap().open(), 1);
});

fn cadre(id: i64, area: &str) -> Cadre {
    Cadre {
        id: CadreId(id),
        name: PersonName::parse("李四").unwrap(),
        phone: Some(Phone::parse("13812345678").unwrap()),
        unit: "县农业农村局".into(),
        post: CadrePost::ALL[id as usize % CadrePost::ALL.len()],
        area: code(area),
    }
}

fn measure(household: HouseholdId, kind: AssistanceType, started: &str) -> Measure {
    Measure {
        household,
        kind,
        description: "安排公益性岗位(护林员)".into(),
        started: d(started),
        ended: None,
        amount: Some(Yuan::from_fen(60_000)),
        case: None,
        cadre: None,
    }
}

both!(fn measures_visits_and_cadres_round_trip(db) {
    let s = &db.store;
    let h1 = add_household(s, 1, V1);
    let h2 = add_household(s, 2, V2);
    let h3 = add_household(s, 3, V3);
    assert_eq!(s.next_cadre_id().unwrap(), CadreId(1));
    let c1 = cadre(1, V1);
    let c2 = cadre(2, "511902101");
    let c3 = cadre(3, V3);
    for c in [&c1, &c2, &c3] {
        s.create_cadre(c, &actor()).unwrap();
    }
    assert!(matches!(s.create_cadre(&c1, &actor()), Err(StoreError::Duplicate { .. })));
    assert_eq!(s.next_cadre_id().unwrap(), CadreId(4));
    assert_eq!(s.cadre(CadreId(2)).unwrap(), Some(c2.clone()));
    assert_eq!(s.cadres_within(&code("511902101")).unwrap(), vec![c2.clone(), c1.clone()]);
    assert_eq!(s.cadres_within(&code(V1)).unwrap(), vec![c1.clone()]);
    assert_eq!(s.cadres_within(&code("5119")).unwrap().len(), 3);

    let a1 = Assignment { cadre: c1.id, household: h1, from: d("2021-01-01"), to: Some(d("2022-12-31")) };
    let a2 = Assignment { cadre: c2.id, household: h1, from: d("2023-01-01"), to: None };
    s.assign_cadre(&a2, &actor()).unwrap();
    s.assign_cadre(&a1, &actor()).unwrap();
    assert!(matches!(s.assign_cadre(&a1, &actor()), Err(StoreError::Duplicate { .. })));
    assert!(matches!(
        s.assign_cadre(&Assignment { cadre: CadreId(99), ..a1.clone() }, &actor()),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.assign_cadre(&Assignment { to: Some(d("2020-01-01")), ..a1.clone() }, &actor()),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(s.cadres_of(h1).unwrap(), vec![(c1.clone(), a1.clone()), (c2.clone(), a2.clone())]);
    assert!(matches!(s.end_assignment(&a1, d("2023-06-30"), &actor()), Err(StoreError::NotFound { .. })), "already ended");
    assert!(matches!(s.end_assignment(&a2, d("2022-06-30"), &actor()), Err(StoreError::Invalid(_))));
    s.end_assignment(&a2, d("2024-06-30"), &actor()).unwrap();
    let a2 = Assignment { to: Some(d("2024-06-30")), ..a2 };
    assert_eq!(s.cadres_of(h1).unwrap(), vec![(c1.clone(), a1), (c2.clone(), a2)]);
    assert!(s.cadres_of(h2).unwrap().is_empty());

    let case = new_case(h1, 1, V1, "2024-03-01T02:00:00Z");
    s.open_case(&case, &actor()).unwrap();
    let m1 = Measure { case: Some(case.id), cadre: Some(c1.id), ..measure(h1, AssistanceType::PublicWelfarePost, "2024-01-01") };
    let m2 = Measure { amount: None, ..measure(h1, AssistanceType::Medical, "2023-06-01") };
    let m3 = measure(h2, AssistanceType::PublicWelfarePost, "2024-02-01");
    let m4 = measure(h3, AssistanceType::Industry, "2024-02-01");
    let id1 = s.add_measure(&m1, &actor()).unwrap();
    let id2 = s.add_measure(&m2, &actor()).unwrap();
    s.add_measure(&m3, &actor()).unwrap();
    s.add_measure(&m4, &actor()).unwrap();
    assert!(matches!(
        s.add_measure(&Measure { ended: Some(d("2020-01-01")), ..m1.clone() }, &actor()),
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        s.add_measure(&Measure { case: Some(CaseId::new(h1, 7).unwrap()), ..m1.clone() }, &actor()),
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        s.end_measure(id2, d("2023-01-01"), &actor()),
        Err(StoreError::Invalid(_))
    ));
    s.end_measure(id2, d("2024-01-31"), &actor()).unwrap();
    assert!(matches!(s.end_measure(id2, d("2024-02-01"), &actor()), Err(StoreError::Invalid(_))));
    assert!(matches!(s.end_measure(MeasureId(999), d("2024-02-01"), &actor()), Err(StoreError::NotFound { .. })));
    let ended = Measure { ended: Some(d("2024-01-31")), ..m2 };
    assert_eq!(s.measures_of(h1).unwrap(), vec![(id2, ended), (id1, m1)]);

    let county = code("511902");
    let on = s.measure_counts_within(&county, d("2024-02-15")).unwrap();
    assert_eq!(on.active_by_kind.get(&AssistanceType::PublicWelfarePost), Some(&2));
    assert_eq!(on.active_by_kind.get(&AssistanceType::Medical), None, "ended 01-31");
    assert_eq!(on.households_with_active, 2);
    let before = s.measure_counts_within(&county, d("2024-01-15")).unwrap();
    assert_eq!(before.active_by_kind.get(&AssistanceType::Medical), Some(&1), "the last day counts");
    assert_eq!(before.active_by_kind.get(&AssistanceType::PublicWelfarePost), Some(&1));
    assert_eq!(before.households_with_active, 1);
    assert_eq!(s.measure_counts_within(&code(V3), d("2024-02-15")).unwrap().households_with_active, 1);

    let v1 = Visit { household: h1, cadre: Some(c1.id), visited_on: d("2024-03-02"), purpose: VisitPurpose::LeadVerification, findings: "户主住院, 医疗费用约三万元".into() };
    let v2 = Visit { household: h1, cadre: None, visited_on: d("2024-01-10"), purpose: VisitPurpose::Routine, findings: String::new() };
    let vid1 = s.add_visit(&v1, &actor()).unwrap();
    let vid2 = s.add_visit(&v2, &actor()).unwrap();
    assert!(matches!(
        s.add_visit(&Visit { cadre: Some(CadreId(99)), ..v2.clone() }, &actor()),
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(s.visits_of(h1).unwrap(), vec![(vid2, v2), (vid1, v1)]);
    assert!(s.visits_of(h2).unwrap().is_empty());

    // The area-wide streams of the exports and the visit timeliness: by village, household and date.
    let mut streamed = Vec::new();
    s.each_measure_within(&county, &mut |id, m| {
        streamed.push((id, m.household));
        Ok(())
    })
    .unwrap();
    assert_eq!(streamed.len(), 3, "h3 is in another county");
    assert_eq!(&streamed[..2], &[(id2, h1), (id1, h1)], "by household, then start");
    let mut only_v3 = Vec::new();
    s.each_measure_within(&code(V3), &mut |_, m| {
        only_v3.push(m.household);
        Ok(())
    })
    .unwrap();
    assert_eq!(only_v3, [h3]);
    let mut visits = Vec::new();
    s.each_visit_within(&county, &mut |id, v| {
        visits.push((id, v.visited_on));
        Ok(())
    })
    .unwrap();
    assert_eq!(visits, [(vid2, d("2024-01-10")), (vid1, d("2024-03-02"))]);
    assert_eq!(s.households_visited_within(&county, d("2024-03-01"), d("2024-03-31")).unwrap(), [h1]);
    assert!(s.households_visited_within(&county, d("2024-02-01"), d("2024-03-01")).unwrap().is_empty());
    assert_eq!(s.households_visited_within(&county, d("2024-01-10"), d("2024-01-10")).unwrap(), [h1]);
    assert!(s.households_visited_within(&code(V3), d("2024-01-01"), d("2024-12-31")).unwrap().is_empty());

    // No name, phone or finding reaches the audit log.
    for e in s.audit_entries(&AuditFilter::default()).unwrap() {
        for secret in ["李四", "13812345678", "住院", "公益性岗位"] {
            assert!(!e.detail.contains(secret) && !e.reason.contains(secret), "{secret} in {e:?}");
        }
    }
});

/// A batch touching every table: cadres, pairings, cases in every state, measures, visits.
fn batch(households: &[HouseholdId]) -> MonitoringBatch {
    let mut b = MonitoringBatch::default();
    for (i, h) in households.iter().enumerate() {
        let village = if i % 2 == 0 { V1 } else { V2 };
        let cid = CadreId(i as i64 + 1);
        b.cadres.push(cadre(cid.0, village));
        b.assignments.push(Assignment {
            cadre: cid,
            household: *h,
            from: d("2021-01-01"),
            to: None,
        });
        let mut c = new_case(*h, 1, village, &format!("2024-03-{:02}T02:00:00Z", 1 + i));
        // 0: lead only, 1: up to the comparison, 2…: decided, every 4th rejected at the visit.
        let upto = [1, 3, 6, 2][i % 4];
        for (k, st) in Step::ALL[1..upto].iter().enumerate() {
            let outcome = if i % 4 == 3 {
                Outcome::Reject
            } else {
                Outcome::Pass
            };
            c.steps.push(step(
                *st,
                outcome,
                &format!("2024-03-{:02}T0{}:00:00Z", 1 + i, 3 + k),
            ));
        }
        let case = c.id;
        b.cases.push(c);
        b.measures.push(Measure {
            case: Some(case),
            cadre: Some(cid),
            ..measure(*h, AssistanceType::ALL[i % 10], "2024-01-01")
        });
        b.measures.push(Measure {
            ended: Some(d("2024-02-01")),
            ..measure(*h, AssistanceType::Medical, "2023-01-01")
        });
        b.visits.push(Visit {
            household: *h,
            cadre: Some(cid),
            visited_on: d("2024-03-01"),
            purpose: VisitPurpose::ALL[i % 4],
            findings: format!("第{i}次走访"),
        });
    }
    b
}

/// Writes `b` one record at a time through the interactive API.
fn write_per_row(s: &Store, b: &MonitoringBatch) {
    for c in &b.cadres {
        s.create_cadre(c, &actor()).unwrap();
    }
    for a in &b.assignments {
        s.assign_cadre(a, &actor()).unwrap();
    }
    for c in &b.cases {
        let lead = CaseRecord {
            steps: c.steps[..1].to_vec(),
            ..c.clone()
        };
        s.open_case(&lead, &actor()).unwrap();
        for (i, st) in c.steps.iter().enumerate().skip(1) {
            let decision = (st.step == Step::CountyApproval).then(|| monitored("2024-03-20"));
            s.record_case_step(&c.id, i, st.clone(), decision, &actor())
                .unwrap();
        }
    }
    for m in &b.measures {
        s.add_measure(m, &actor()).unwrap();
    }
    for v in &b.visits {
        s.add_visit(v, &actor()).unwrap();
    }
}

both!(fn a_bulk_load_reads_back_like_the_same_records_written_one_by_one(db) {
    let other = other_db(db);
    let mut ids = Vec::new();
    for n in 0..9 {
        let village = if n % 2 == 0 { V1 } else { V2 };
        let a = add_household(&db.store, n, village);
        assert_eq!(add_household(&other.store, n, village), a);
        ids.push(a);
    }
    let b = batch(&ids);
    let audit_before = db.raw_i64("SELECT count(*) FROM audit_log");
    let loaded = db.store.bulk_load_monitoring(&b, &actor()).unwrap();
    assert_eq!(db.raw_i64("SELECT count(*) FROM audit_log"), audit_before + 1, "one audit entry");
    assert_eq!(
        (loaded.cadres, loaded.assignments, loaded.cases, loaded.measures, loaded.visits),
        (9, 9, 9, 18, 9)
    );
    assert_eq!(loaded.steps, b.cases.iter().map(|c| c.steps.len()).sum::<usize>());
    write_per_row(&other.store, &b);

    for s in [&db.store, &other.store] {
        assert_eq!(s.cases_within(&code("51"), &CaseFilter::default()).unwrap().len(), 9);
    }
    let area = code("511902101");
    assert_eq!(
        db.store.cases_within(&area, &CaseFilter::default()).unwrap(),
        other.store.cases_within(&area, &CaseFilter::default()).unwrap()
    );
    for h in &ids {
        assert_eq!(db.store.cases_of_household(*h).unwrap(), other.store.cases_of_household(*h).unwrap());
        assert_eq!(db.store.measures_of(*h).unwrap(), other.store.measures_of(*h).unwrap());
        assert_eq!(db.store.visits_of(*h).unwrap(), other.store.visits_of(*h).unwrap());
        assert_eq!(db.store.cadres_of(*h).unwrap(), other.store.cadres_of(*h).unwrap());
        assert_eq!(db.store.next_case_id(*h).unwrap(), other.store.next_case_id(*h).unwrap());
    }
    for day in ["2024-03-02", "2024-03-06", "2024-04-30"] {
        assert_eq!(
            db.store.case_counts_within(&area, d(day), 15).unwrap(),
            other.store.case_counts_within(&area, d(day), 15).unwrap(),
            "{day}"
        );
        assert_eq!(
            db.store.measure_counts_within(&area, d(day)).unwrap(),
            other.store.measure_counts_within(&area, d(day)).unwrap(),
        );
    }
    assert_eq!(db.store.cadres_within(&area).unwrap(), other.store.cadres_within(&area).unwrap());
    assert_eq!(db.store.next_cadre_id().unwrap(), other.store.next_cadre_id().unwrap());
    let counts = db.store.case_counts_within(&area, d("2024-04-30"), 15).unwrap();
    assert!(counts.decided > 0 && counts.rejected > 0 && counts.open() > 0, "{counts:?}");
    // Ids assigned after a bulk load follow on.
    let m = db.store.add_measure(&measure(ids[0], AssistanceType::Other, "2024-05-01"), &actor()).unwrap();
    assert_eq!(m, MeasureId(19));
    assert!(db.store.audit_verify().unwrap().problems.is_empty());
});

both!(fn a_bad_bulk_load_loads_nothing(db) {
    let h = add_household(&db.store, 1, V1);
    let good = batch(&[h]);
    let mut skipping = good.clone();
    skipping.cases[0].steps.push(step(Step::CountyApproval, Outcome::Pass, "2024-03-09T02:00:00Z"));
    assert!(matches!(
        db.store.bulk_load_monitoring(&skipping, &actor()),
        Err(StoreError::StepOrder { .. })
    ));
    let mut unknown = good.clone();
    unknown.visits.push(Visit { household: HouseholdId(999_999), ..good.visits[0].clone() });
    assert!(db.store.bulk_load_monitoring(&unknown, &actor()).is_err(), "the reference is checked");
    let mut twice = good.clone();
    twice.cadres.push(good.cadres[0].clone());
    assert!(matches!(
        db.store.bulk_load_monitoring(&twice, &actor()),
        Err(StoreError::Duplicate { .. })
    ));
    for table in ["cadres", "cadre_assignments", "monitoring_cases", "case_steps", "assistance_measures", "visits"] {
        assert_eq!(db.raw_i64(&format!("SELECT count(*) FROM {table}")), 0, "{table}");
    }
    db.store.bulk_load_monitoring(&good, &actor()).unwrap();
    assert_eq!(db.raw_i64("SELECT count(*) FROM visits"), 1);
});
