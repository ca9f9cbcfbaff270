//! Evaluation snapshots and the change feed they are checked against.

use chrono::DateTime;
use jingzhun_store::*;

use crate::both;
use crate::support::*;

fn snapshot<'a>(data_seq: i64, engine: &'a [u8]) -> NewSnapshot<'a> {
    NewSnapshot {
        area: code("5119"),
        year: 2024,
        as_of: d("2024-12-31"),
        data_seq,
        data_time: DateTime::parse_from_rfc3339("2024-06-01T08:00:00.123456Z")
            .unwrap()
            .to_utc(),
        format: 1,
        pack_hash: "ab12ab12",
        code_version: "jingzhun 0.1.0",
        run_id: None,
        households: 3,
        engine,
        rollups: b"[]",
        facts: &[0, 1, 2, 255],
    }
}

both!(fn snapshots_round_trip_and_are_replaced(db) {
    assert_eq!(db.store.data_seq().unwrap(), 0);
    db.store.upsert_areas(&areas(), &actor(), "x").unwrap();
    let seq = db.store.data_seq().unwrap();
    assert!(seq > 0);
    // A blob larger than one PostgreSQL page and with every byte value.
    let big: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 256) as u8).collect();
    let id = db.store.save_snapshot(&snapshot(seq, &big)).unwrap();
    // Saving a snapshot is audited but is not a change to the data.
    assert_eq!(db.store.data_seq().unwrap(), seq);
    assert_eq!(db.store.first_change_since(seq).unwrap(), None);
    let list = db.store.snapshots(Some(2024)).unwrap();
    assert_eq!(list.len(), 1);
    let info = &list[0];
    assert_eq!(
        (info.id, info.area, info.year, info.as_of, info.data_seq, info.format, info.households),
        (id, code("5119"), 2024, d("2024-12-31"), seq, 1, 3)
    );
    assert_eq!(info.pack_hash, "ab12ab12");
    assert_eq!(info.run_id, None);
    assert_eq!(info.data_time.to_rfc3339(), "2024-06-01T08:00:00.123456+00:00");
    assert!(db.store.snapshots(Some(2023)).unwrap().is_empty());
    assert_eq!(db.store.snapshot_part(id, SnapshotPart::Engine).unwrap(), big);
    assert_eq!(db.store.snapshot_part(id, SnapshotPart::Rollups).unwrap(), b"[]");
    assert_eq!(db.store.snapshot_part(id, SnapshotPart::Facts).unwrap(), vec![0, 1, 2, 255]);
    // Taken again: replaced, not added.
    let again = db.store.save_snapshot(&snapshot(seq, b"x")).unwrap();
    assert_eq!(db.store.snapshots(None).unwrap().len(), 1);
    assert_eq!(db.store.snapshots(None).unwrap()[0].id, again);
    if again != id {
        assert!(db.store.snapshot_part(id, SnapshotPart::Engine).is_err());
    }
    assert_eq!(db.store.snapshot_part(again, SnapshotPart::Engine).unwrap(), b"x");
    let audited = db.store.audit_entries(&AuditFilter {
        entity: Some("evaluation_snapshot".into()),
        ..AuditFilter::default()
    }).unwrap();
    assert_eq!(audited.len(), 2);
    assert_eq!(audited[0].action, "snapshot.save");
});

both!(fn a_change_after_the_snapshot_is_found(db) {
    db.store.upsert_areas(&areas(), &actor(), "x").unwrap();
    let seq = db.store.data_seq().unwrap();
    // Accesses do not count.
    db.store
        .record_access(&actor(), "login", "account", "zhang", "", serde_json::json!({}))
        .unwrap();
    assert_eq!(db.store.first_change_since(seq).unwrap(), None);
    let (id, _) = db
        .store
        .create_household(&household(0, "511902101001"), &[], d("2014-10-01"), &actor(), "x")
        .unwrap();
    let mut h = db.store.household(id).unwrap();
    h.household.food_clothing_secured = !h.household.food_clothing_secured;
    db.store
        .update_household(id, h.version, &h.household, d("2020-01-01"), &actor(), "y")
        .unwrap();
    let change = db.store.first_change_since(seq).unwrap().unwrap();
    assert_eq!(change.action, "household.create");
    assert_eq!(change.count, 2);
    assert!(change.seq > seq);
    assert_eq!(db.store.data_seq().unwrap(), change.seq + 1);
    assert_eq!(db.store.first_change_since(db.store.data_seq().unwrap()).unwrap(), None);
});
