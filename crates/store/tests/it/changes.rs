//! The change feed: households changed after an audit sequence number, by any writer of the database.

use std::collections::BTreeSet;

use jingzhun_core::monitoring::Measure;
use jingzhun_core::*;
use jingzhun_store::*;

use crate::both;
use crate::support::*;

const V1: &str = "511902101001";
const V2: &str = "511903101001";

fn ids(v: &[HouseholdId]) -> BTreeSet<HouseholdId> {
    v.iter().copied().collect()
}

both!(fn changes_after_name_the_households_each_writer_touched(db) {
    let s = &db.store;
    s.upsert_areas(&areas(), &Actor::system("init"), "导入区划").unwrap();
    let start = s.audit_head().unwrap();
    assert!(start > 0, "the areas were audited");
    let changes = s.changes_after(0).unwrap();
    assert!(changes.reload, "divisions changed: everything derived must be rebuilt");
    assert_eq!(changes.last_seq, start);
    assert!(!changes.more);

    let (a, va) = s.create_household(&household(0, V1), &events(0), d("2014-10-01"), &actor(), "建档").unwrap();
    let (b, _) = s.create_household(&household(1, V2), &[], d("2014-10-01"), &actor(), "建档").unwrap();
    let after_create = s.changes_after(start).unwrap();
    assert_eq!(after_create.households, ids(&[a, b]));
    assert!(!after_create.reload);
    assert_eq!(after_create.entries, 2);
    let seq = after_create.last_seq;
    assert_eq!(seq, s.audit_head().unwrap());
    assert!(s.changes_after(seq).unwrap().households.is_empty(), "nothing after the head");
    assert_eq!(s.changes_after(seq).unwrap().last_seq, seq);

    // An edit, a status decision and a measure, each from a second handle on the same database (another
    // process writing), all seen in the first handle's feed.
    let other = db.reopen().unwrap();
    let mut h = household(0, V1);
    h.natural_village = Some("3组".into());
    let va = other.update_household(a, va, &h, d("2024-01-01"), &actor(), "更正").unwrap();
    let after_edit = s.changes_after(seq).unwrap();
    assert_eq!(after_edit.households, ids(&[a]));
    let seq = after_edit.last_seq;
    let mut monitored = StatusEvent::new(StatusEventKind::Monitored, d("2024-03-01"));
    monitored.monitoring_kind = Some(MonitoringKind::Marginal);
    other.append_status_event(a, va, &monitored, &actor(), "纳入监测").unwrap();
    let m = Measure {
        household: b,
        kind: AssistanceType::PublicWelfarePost,
        description: "护林员".into(),
        started: d("2024-01-01"),
        ended: Some(d("2024-12-31")),
        amount: None,
        case: None,
        cadre: None,
    };
    other.add_measure(&m, &actor()).unwrap();
    let after = s.changes_after(seq).unwrap();
    assert_eq!(after.households, ids(&[a, b]));
    assert_eq!(after.entries, 2);

    // A bulk load is one audit entry for the batch: its households are found by number.
    let seq = after.last_seq;
    let batch: Vec<(Household, Vec<StatusEvent>)> =
        (10..15).map(|n| (household(n, V2), Vec::new())).collect();
    s.bulk_load(&mut batch.into_iter(), d("2014-10-01"), &Actor::system("import"), "批量", &mut |_| {}).unwrap();
    let bulk = s.changes_after(seq).unwrap();
    assert_eq!(bulk.households.len(), 5, "{bulk:?}");
    assert!(!bulk.households.contains(&a) && !bulk.households.contains(&b));
    let numbers: BTreeSet<String> = bulk
        .households
        .iter()
        .map(|id| s.household(*id).unwrap().household.number.as_str().to_owned())
        .collect();
    let expected: BTreeSet<String> =
        (10..15).map(|n| household(n, V2).number.as_str().to_owned()).collect();
    assert_eq!(numbers, expected);

    // Measures ending in a period, within an area.
    let ending = s.measures_ending_within(&code("511903"), d("2024-12-01"), d("2024-12-31")).unwrap();
    assert_eq!(ending.len(), 1);
    assert_eq!((ending[0].household, ending[0].ended), (b, d("2024-12-31")));
    assert!(s.measures_ending_within(&code("511902"), d("2024-12-01"), d("2024-12-31")).unwrap().is_empty());
    assert!(s.measures_ending_within(&code("51"), d("2025-01-01"), d("2025-12-31")).unwrap().is_empty());
});
