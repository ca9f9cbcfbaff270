//! Households: round trip, history, as-of reads, conflicts and rollback.

use chrono::NaiveDate;
use jingzhun_core::*;
use jingzhun_store::*;

use crate::both;
use crate::support::*;

const V1: &str = "511902101001";

both!(fn round_trip_keeps_every_field(db) {
    for n in [0, 1, 2, 3] {
        let h = household(n, V1);
        let ev = events(n);
        let (id, version) = db
            .store
            .create_household(&h, &ev, d("2014-10-01"), &actor(), "建档立卡")
            .unwrap();
        assert_eq!(version, Version(1));
        let got = db.store.household(id).unwrap();
        assert_eq!(got.household, h, "household {n}");
        assert_eq!(got.events, ev);
        assert_eq!(got.id, id);
        assert_eq!(got.version, Version(1));
        assert_eq!(got.effective_from, d("2014-10-01"));
        let by_no = db.store.household_by_number(&h.number).unwrap().unwrap();
        assert_eq!(by_no, got);
    }
    let h0 = household(0, V1);
    assert!(h0.members[0].name.as_str().contains('欧'));
    assert!(h0.incomes.iter().any(|r| r.get(IncomeComponent::Business).fen() < 0));
    assert!(household(1, V1).phone.is_none());
    assert_eq!(
        db.store.household_by_number(&HouseholdNo::parse("NOPE1").unwrap()).unwrap(),
        None
    );
    assert!(matches!(
        db.store.household(HouseholdId(999_999)),
        Err(StoreError::NotFound { .. })
    ));
});

both!(fn duplicate_number_is_refused(db) {
    let h = household(1, V1);
    db.store.create_household(&h, &[], d("2014-10-01"), &actor(), "x").unwrap();
    let err = db.store.create_household(&h, &[], d("2014-10-01"), &actor(), "x").unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err:?}");
    assert!(err.to_string().contains("已存在"), "{err}");
    assert_eq!(db.store.count_households(&code("51")).unwrap(), 1);
});

both!(fn as_of_returns_the_version_in_force(db) {
    let v1 = household(0, V1);
    let (id, _) = db
        .store
        .create_household(&v1, &events(0), d("2020-01-01"), &actor(), "建档")
        .unwrap();
    let mut v2 = v1.clone();
    v2.phone = Some(Phone::parse("13900001111").unwrap());
    v2.members[0].health = Health::SeriousIllness;
    v2.incomes[0].set(IncomeComponent::Wages, Yuan::from_yuan(8_000));
    let ver = db
        .store
        .update_household(id, Version(1), &v2, d("2022-01-01"), &actor(), "年度核查")
        .unwrap();
    assert_eq!(ver, Version(2));

    assert_eq!(db.store.household_as_of(id, d("2019-12-31")).unwrap(), None);
    let old = db.store.household_as_of(id, d("2021-12-31")).unwrap().unwrap();
    assert_eq!(old.household, v1);
    assert_eq!(old.version, Version(1));
    // Events are filtered by their own dates: the 2021-05-01 monitoring is in, nothing later.
    assert_eq!(old.events.len(), 3);
    assert_eq!(db.store.household_as_of(id, d("2020-01-01")).unwrap().unwrap().version, Version(1));
    let old2019 = db.store.household_as_of(id, d("2020-06-01")).unwrap().unwrap();
    assert_eq!(old2019.events.len(), 2, "registered (2014) and exited (2018), not yet monitored");
    let new = db.store.household_as_of(id, d("2022-01-01")).unwrap().unwrap();
    assert_eq!(new.household, v2);
    assert_eq!(db.store.household(id).unwrap().household, v2);

    // A backdated correction (version 3, effective 2021-01-01) is in force from then until 2022-01-01,
    // when version 2 (greater effective date) takes over again.
    let mut v3 = v1.clone();
    v3.natural_village = Some("更正后的自然村".into());
    db.store
        .update_household(id, Version(2), &v3, d("2021-01-01"), &actor(), "更正")
        .unwrap();
    assert_eq!(db.store.household_as_of(id, d("2020-12-31")).unwrap().unwrap().household, v1);
    assert_eq!(db.store.household_as_of(id, d("2021-06-01")).unwrap().unwrap().household, v3);
    assert_eq!(db.store.household_as_of(id, d("2023-01-01")).unwrap().unwrap().household, v2);
    assert_eq!(db.store.household(id).unwrap().household, v3, "current = latest version");

    let history = db.store.household_history(id).unwrap();
    let summary: Vec<_> = history
        .iter()
        .map(|v| (v.version.0, v.effective_from, v.reason.as_str(), v.recorded_by.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (1, d("2020-01-01"), "建档", "村干部-张三"),
            (2, d("2022-01-01"), "年度核查", "村干部-张三"),
            (3, d("2021-01-01"), "更正", "村干部-张三"),
        ]
    );
    assert!(history[0].recorded_at < history[1].recorded_at);
    assert!(matches!(
        db.store.household_as_of(HouseholdId(424_242), d("2020-01-01")),
        Err(StoreError::NotFound { .. })
    ));
});

both!(fn far_dates_compare_like_near_ones(db) {
    let (id, _) = db
        .store
        .create_household(&household(1, V1), &events(1), d("2020-01-01"), &actor(), "x")
        .unwrap();
    assert!(db.store.household_as_of(id, NaiveDate::MAX).unwrap().is_some());
    assert!(db.store.household_as_of(id, NaiveDate::MIN).unwrap().is_none());
    assert!(db.store.household_as_of(id, d("0999-01-01")).unwrap().is_none());
    assert_eq!(db.store.household_as_of(id, d("2014-10-01")).unwrap(), None);
    // 2019-12-31 < 2020-01-01 < 2020-01-10 both as text and as dates.
    assert!(db.store.household_as_of(id, d("2019-12-31")).unwrap().is_none());
    assert!(db.store.household_as_of(id, d("2020-01-10")).unwrap().is_some());
});

both!(fn stale_update_is_refused_and_changes_nothing(db) {
    let h = household(2, V1);
    let (id, _) = db.store.create_household(&h, &[], d("2020-01-01"), &actor(), "x").unwrap();
    let mut a = h.clone();
    a.electricity = !a.electricity;
    db.store.update_household(id, Version(1), &a, d("2021-01-01"), &actor(), "a").unwrap();
    let audit_before = db.store.audit_entries(&AuditFilter::default()).unwrap().len();

    let mut b = h.clone();
    b.sanitary_toilet = !b.sanitary_toilet;
    let err = db
        .store
        .update_household(id, Version(1), &b, d("2021-02-01"), &actor(), "b")
        .unwrap_err();
    match err {
        StoreError::Conflict { id: cid, current, expected } => {
            assert_eq!((cid, current, expected), (id, Version(2), Version(1)));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    let err = db
        .store
        .append_status_event(id, Version(1), &StatusEvent::new(StatusEventKind::Removed, d("2021-03-01")), &actor(), "c")
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }));
    assert!(err.to_string().contains("已被他人修改"));

    let now = db.store.household(id).unwrap();
    assert_eq!(now.household, a);
    assert_eq!(now.version, Version(2));
    assert!(now.events.is_empty());
    assert_eq!(db.store.household_history(id).unwrap().len(), 2);
    assert_eq!(db.store.audit_entries(&AuditFilter::default()).unwrap().len(), audit_before);
});

both!(fn status_events_make_versions_without_changing_data(db) {
    let h = household(3, V1);
    let (id, v) = db.store.create_household(&h, &events(3), d("2014-10-01"), &actor(), "x").unwrap();
    let mut m = StatusEvent::new(StatusEventKind::Monitored, d("2021-07-01"));
    m.monitoring_kind = Some(MonitoringKind::Marginal);
    m.risk_types = vec![RiskType::Disaster];
    let v = db.store.append_status_event(id, v, &m, &actor(), "纳入监测").unwrap();
    assert_eq!(v, Version(2));
    let e = StatusEvent::new(StatusEventKind::RiskEliminated, d("2022-07-01"));
    let v = db.store.append_status_event(id, v, &e, &actor(), "风险消除").unwrap();
    assert_eq!(v, Version(3));

    let now = db.store.household(id).unwrap();
    assert_eq!(now.household, h);
    assert_eq!(now.version, Version(3));
    // The version a decision makes takes effect on the decision's date (issue 13: not the registration's);
    // its data is the version before it, unchanged.
    assert_eq!(now.effective_from, d("2022-07-01"), "the last decision's version starts on its date");
    let kinds: Vec<_> = now.events.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [StatusEventKind::Registered, StatusEventKind::Monitored, StatusEventKind::RiskEliminated]
    );
    let mid = db.store.household_as_of(id, d("2021-12-31")).unwrap().unwrap();
    assert_eq!(mid.household, h);
    assert_eq!(mid.events.len(), 2);
    assert_eq!(
        HouseholdStatus::on(&mid.events, d("2021-12-31")).monitoring,
        Some(MonitoringKind::Marginal)
    );
    assert!(matches!(
        db.store.append_status_event(HouseholdId(77_777), Version(1), &e, &actor(), "x"),
        Err(StoreError::NotFound { .. })
    ));
});

both!(fn failed_create_leaves_nothing_behind(db) {
    // Make the last step before the audit entry fail, after the household and its version are written.
    if db.is_pg() {
        db.raw(
            "CREATE FUNCTION boom() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'boom'; END $$ LANGUAGE plpgsql;
             CREATE TRIGGER boom BEFORE INSERT ON status_events FOR EACH ROW EXECUTE FUNCTION boom();",
        );
    } else {
        db.raw("CREATE TRIGGER boom BEFORE INSERT ON status_events BEGIN SELECT RAISE(ABORT, 'boom'); END;");
    }
    let h = household(0, V1);
    let err = db.store.create_household(&h, &events(0), d("2014-10-01"), &actor(), "x");
    assert!(err.is_err());
    assert_eq!(db.raw_i64("SELECT count(*) FROM households"), 0);
    assert_eq!(db.raw_i64("SELECT count(*) FROM household_versions"), 0);
    assert_eq!(db.raw_i64("SELECT count(*) FROM member_versions"), 0);
    assert_eq!(db.raw_i64("SELECT count(*) FROM income_versions"), 0);
    assert_eq!(db.raw_i64("SELECT count(*) FROM audit_log"), 0);
    assert_eq!(db.store.household_by_number(&h.number).unwrap(), None);
    // Without events the same household goes in, and the store is still usable.
    db.store.create_household(&h, &[], d("2014-10-01"), &actor(), "x").unwrap();
    assert!(db.store.audit_verify().unwrap().is_ok());
});

both!(fn invalid_households_are_refused_before_writing(db) {
    let mut h = household(4, V1);
    let dup = h.incomes[0].clone();
    h.incomes.push(dup);
    let err = db.store.create_household(&h, &[], d("2014-10-01"), &actor(), "x").unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    assert_eq!(db.raw_i64("SELECT count(*) FROM households"), 0);
});

both!(fn renumbering_and_moving_update_lookups(db) {
    let h = household(5, V1);
    let (id, _) = db.store.create_household(&h, &[], d("2014-10-01"), &actor(), "x").unwrap();
    let other = household(6, V1);
    db.store.create_household(&other, &[], d("2014-10-01"), &actor(), "x").unwrap();
    let mut moved = h.clone();
    moved.number = HouseholdNo::parse("NEW0001").unwrap();
    moved.village = code("511903101001");
    db.store.update_household(id, Version(1), &moved, d("2020-01-01"), &actor(), "迁移").unwrap();
    assert_eq!(db.store.household_by_number(&h.number).unwrap(), None);
    assert_eq!(db.store.household_by_number(&moved.number).unwrap().unwrap().id, id);
    assert_eq!(db.store.count_households(&code("511903")).unwrap(), 1);
    assert_eq!(db.store.count_households(&code("511902")).unwrap(), 1);
    let mut clash = moved.clone();
    clash.number = other.number.clone();
    let err = db.store.update_household(id, Version(2), &clash, d("2021-01-01"), &actor(), "x").unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err:?}");
});

both!(fn concurrent_writers_lose_no_update(db) {
    // Two stores (two connections) and two threads each: every read-modify-write either lands on the version
    // it read or gets a conflict and retries, so no increment is lost.
    let h = household(8, V1);
    let (id, _) = db.store.create_household(&h, &[], d("2014-10-01"), &actor(), "x").unwrap();
    let second = db.reopen().unwrap();
    let stores = [&db.store, &second];
    let conflicts = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for t in 0..4 {
            let store = stores[t % 2];
            let conflicts = &conflicts;
            s.spawn(move || {
                for _ in 0..5 {
                    loop {
                        let cur = store.household(id).unwrap();
                        let mut next = cur.household.clone();
                        next.housing.area_sqm = Some(next.housing.area_sqm.unwrap_or(0) + 1);
                        match store.update_household(id, cur.version, &next, d("2020-01-01"), &actor(), "+1") {
                            Ok(_) => break,
                            Err(StoreError::Conflict { .. }) => {
                                conflicts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            }
                            Err(e) => panic!("{e}"),
                        }
                    }
                }
            });
        }
    });
    let now = db.store.household(id).unwrap();
    assert_eq!(now.household.housing.area_sqm, Some(h.housing.area_sqm.unwrap_or(0) + 20));
    assert_eq!(now.version, Version(21));
    assert_eq!(db.store.household_history(id).unwrap().len(), 21);
    assert!(db.store.audit_verify().unwrap().is_ok());
});

both!(fn corrupt_stored_values_are_reported_with_table_and_column(db) {
    let (id, _) = db.store.create_household(&household(0, V1), &[], d("2014-10-01"), &actor(), "x").unwrap();
    db.raw("UPDATE member_versions SET sex = 'x' WHERE seq = 1");
    let err = db.store.household(id).unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err:?}");
    let text = err.to_string();
    assert!(text.contains("member_versions") && text.contains("sex") && text.contains("「x」"), "{text}");
    db.raw("UPDATE member_versions SET sex = 'male', resident_id = '511902194001101234' WHERE seq = 1");
    let text = db.store.household(id).unwrap_err().to_string();
    assert!(text.contains("resident_id") && !text.contains("194001101234"), "IDs are masked: {text}");
});

both!(fn calling_back_into_the_store_from_a_scan_is_an_error_not_a_deadlock(db) {
    let (id, _) = db.store.create_household(&household(0, V1), &[], d("2014-10-01"), &actor(), "x").unwrap();
    let mut inner = None;
    let n = db
        .store
        .scan_households(&code("51"), None, &mut |_| {
            inner = Some(db.store.household(id));
            Ok(())
        })
        .unwrap();
    assert_eq!(n, 1);
    assert!(matches!(inner, Some(Err(StoreError::Invalid(_)))));
    // The store is usable again afterwards.
    assert_eq!(db.store.household(id).unwrap().id, id);
});

// The warning list labelled its ~20 rows by loading every household in full (five statements each, ~80
// per page on PostgreSQL); `household_labels` reads them in one statement and must say what the full
// record says: the current version's number and village, and its head as `Household::head` finds it.
both!(fn household_labels_agree_with_the_full_households(db) {
    let mut ids = Vec::new();
    for n in 0..70 {
        let mut h = household(n, V1);
        match n % 10 {
            // No head recorded.
            3 => {
                for m in &mut h.members {
                    m.relationship = Relationship::Spouse;
                }
            }
            // The head is not the first member.
            4 if h.members.len() > 1 => h.members.swap(0, 1),
            _ => {}
        }
        let (id, _) = db
            .store
            .create_household(&h, &events(n), d("2014-10-01"), &actor(), "建档立卡")
            .unwrap();
        ids.push(id);
    }
    // A later version with another head and village: the label follows the current version.
    let moved = ids[5];
    let mut v2 = db.store.household(moved).unwrap().household;
    v2.members[0].relationship = Relationship::Spouse;
    v2.members.push(member(99, Relationship::Head));
    v2.village = code("511902101002");
    db.store
        .update_household(moved, Version(1), &v2, d("2022-01-01"), &actor(), "迁户")
        .unwrap();
    // More than one statement's worth, a repeated id and one never stored.
    let mut asked = ids.clone();
    asked.push(ids[0]);
    asked.push(HouseholdId(999_999_999));
    let labels = db.store.household_labels(&asked).unwrap();
    assert_eq!(labels.len(), ids.len(), "one label per stored household");
    for l in &labels {
        let full = db.store.household(l.id).unwrap().household;
        assert_eq!(l.number, full.number);
        assert_eq!(l.village, full.village);
        assert_eq!(
            l.head,
            full.head().map(|m| (m.name.clone(), m.resident_id)),
            "household {}",
            l.id.0
        );
    }
    let by_id: std::collections::HashMap<_, _> = labels.iter().map(|l| (l.id, l)).collect();
    assert!(by_id[&ids[3]].head.is_none());
    assert_eq!(by_id[&moved].village, code("511902101002"));
    assert_eq!(by_id[&moved].head.as_ref().unwrap().0, member(99, Relationship::Head).name);
    assert!(db.store.household_labels(&[]).unwrap().is_empty());
});
