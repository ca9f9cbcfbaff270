//! Department findings per household (`department_facts`) and the measures' dates of an area: round trips,
//! scoping by area, all-or-nothing saves, an audit entry without amounts.

use jingzhun_core::monitoring::Measure;
use jingzhun_core::*;

use crate::both;
use crate::support::*;

fn add(store: &jingzhun_store::Store, n: usize, village: &str) -> HouseholdId {
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

fn fact(h: HouseholdId, signal: DepartmentSignal, date: &str, yuan: i64) -> DepartmentFact {
    DepartmentFact {
        household: h,
        signal,
        date: d(date),
        amount: Yuan::from_yuan(yuan),
    }
}

both!(fn department_facts_are_kept_dated_and_read_by_area(db) {
    let s = &db.store;
    let a = add(s, 1, "511902101001");
    let b = add(s, 2, "511903101001");
    let facts = [
        fact(a, DepartmentSignal::InpatientCost, "2024-05-01", 6_000),
        fact(a, DepartmentSignal::Disaster, "2024-07-01", 0),
        fact(b, DepartmentSignal::JobLoss, "2024-02-01", 0),
    ];
    assert_eq!(s.save_department_facts(&facts, "医保住院.xlsx", &actor()).unwrap(), 3);
    assert_eq!(s.department_facts_of(a).unwrap(), facts[..2].to_vec());
    assert_eq!(s.department_facts_within(&code("511902")).unwrap(), facts[..2].to_vec());
    assert_eq!(s.department_facts_within(&code("5119")).unwrap().len(), 3);
    let filter = jingzhun_store::AuditFilter {
        entity: Some("department_facts".into()),
        ..Default::default()
    };
    let entries = s.audit_entries(&filter).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "department.facts_save");
    assert!(!entries[0].detail.contains("600000"), "{}", entries[0].detail);

    // All or nothing: an unknown household writes nothing.
    let bad = [
        fact(a, DepartmentSignal::Accident, "2024-08-01", 0),
        fact(HouseholdId(9_999), DepartmentSignal::Accident, "2024-08-01", 0),
    ];
    assert!(s.save_department_facts(&bad, "公安.xlsx", &actor()).is_err());
    assert_eq!(s.department_facts_of(a).unwrap().len(), 2);

    // The measures' dates of an area.
    let m = Measure {
        household: a,
        kind: AssistanceType::Industry,
        description: "产业帮扶".into(),
        started: d("2024-03-01"),
        ended: Some(d("2024-09-30")),
        amount: None,
        case: None,
        cadre: None,
    };
    s.add_measure(&m, &actor()).unwrap();
    assert_eq!(
        s.measure_dates_within(&code("511902")).unwrap(),
        vec![(a, d("2024-03-01"), Some(d("2024-09-30")))]
    );
    assert!(s.measure_dates_within(&code("511903")).unwrap().is_empty());
});
