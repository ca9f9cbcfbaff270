//! Importing a household file: upsert by household number in one transaction, all or nothing.

use jingzhun_core::*;
use jingzhun_store::*;

use crate::both;
use crate::support::*;

const VILLAGES: [&str; 3] = ["511902101001", "511902101002", "511903101001"];

/// Households `range` of the test data, every member with a resident ID of their own (the shared test
/// households reuse members across households).
fn batch(range: std::ops::Range<usize>) -> Vec<ImportedHousehold> {
    range
        .map(|i| {
            let mut household = household(i, VILLAGES[i % VILLAGES.len()]);
            for (j, m) in household.members.iter_mut().enumerate() {
                let birth = d("1940-01-01") + chrono::Duration::days((i * 8 + j) as i64);
                m.resident_id =
                    resident_id("511902", &birth.format("%Y%m%d").to_string(), j as u32);
            }
            ImportedHousehold {
                household,
                events: events(i),
            }
        })
        .collect()
}

fn import(db: &TestDb, b: &[ImportedHousehold]) -> Result<ImportOutcome, StoreError> {
    db.store.import_households(
        b,
        d("2024-03-01"),
        &Actor::new("县扶贫办-李四"),
        "导入 2023 年度户籍表",
        &mut |_| {},
    )
}

/// Everything a failed import must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    households: Vec<StoredHousehold>,
    rows: Vec<i64>,
    audit_head: String,
    audit_entries: u64,
}

fn snapshot(db: &TestDb) -> Snapshot {
    snapshot_of(db, &db.store)
}

/// [`snapshot`] read through `store` (another store on the same database, e.g. while `db.store` is busy).
fn snapshot_of(db: &TestDb, store: &Store) -> Snapshot {
    let mut households = Vec::new();
    store
        .scan_households(&code("51"), None, &mut |h| {
            households.push(h);
            Ok(())
        })
        .unwrap();
    households.sort_by_key(|h| h.id);
    let rows = [
        "households",
        "household_versions",
        "member_versions",
        "income_versions",
        "status_events",
        "audit_log",
    ]
    .iter()
    .map(|t| db.raw_i64(&format!("SELECT count(*) FROM {t}")))
    .collect();
    let audit = store.audit_verify().unwrap();
    assert!(audit.is_ok(), "{:?}", audit.problems);
    Snapshot {
        households,
        rows,
        audit_head: audit.head_hash,
        audit_entries: audit.entries,
    }
}

fn setup(db: &TestDb) {
    db.store
        .upsert_areas(&areas(), &Actor::system("init"), "初始化")
        .unwrap();
}

both!(fn import_creates_then_reimport_changes_nothing(db) {
    setup(db);
    let b = batch(0..40);
    let mut seen = Vec::new();
    let out = db
        .store
        .import_households(&b, d("2024-03-01"), &Actor::new("县扶贫办-李四"), "导入", &mut |n| seen.push(n))
        .unwrap();
    assert_eq!(out, ImportOutcome { created: 40, updated: 0, unchanged: 0, events_added: 0 });
    assert_eq!(seen.last(), Some(&40));
    let stored = db.store.household_by_number(&b[4].household.number).unwrap().unwrap();
    assert_eq!(stored.household, b[4].household);
    assert_eq!(stored.events, b[4].events);
    let history = db.store.household_history(stored.id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].recorded_by, "县扶贫办-李四");
    assert_eq!(history[0].effective_from, d("2014-10-01"), "a new household is in force since its registration");
    let entries = db.store.audit_entries(&AuditFilter { actor: Some("县扶贫办-李四".into()), ..Default::default() }).unwrap();
    assert_eq!(entries.len(), 40, "one entry per created household");
    assert!(entries.iter().all(|e| e.action == "household.create"));

    let before = snapshot(db);
    let out = import(db, &b).unwrap();
    assert_eq!(out, ImportOutcome { created: 0, updated: 0, unchanged: 40, events_added: 0 });
    assert_eq!(snapshot(db), before, "a re-import writes nothing, not even an audit entry");
});

both!(fn changed_households_get_a_new_version_and_incomes_of_other_years_are_kept(db) {
    setup(db);
    let b = batch(0..6);
    import(db, &b).unwrap();
    let audit_before = db.store.audit_verify().unwrap().entries;

    // The next file: household 2 has a new phone and only its 2015 income (edited); household 3 gains an
    // event; the rest are as before.
    let mut next = b.clone();
    let h = &mut next[2].household;
    h.phone = Some(Phone::parse("13900001111").unwrap());
    let mut r2015 = h.income(2015).unwrap().clone();
    r2015.set(IncomeComponent::Wages, Yuan::from_yuan(12_345));
    h.incomes = vec![r2015.clone()];
    next[3].events.push(StatusEvent::new(StatusEventKind::Exited, d("2019-12-31")));
    let out = import(db, &next).unwrap();
    assert_eq!(out, ImportOutcome { created: 0, updated: 1, unchanged: 5, events_added: 1 });

    let stored = db.store.household_by_number(&b[2].household.number).unwrap().unwrap();
    assert_eq!(stored.version, Version(2));
    assert_eq!(stored.household.phone, next[2].household.phone);
    assert_eq!(stored.household.incomes.len(), b[2].household.incomes.len(), "other years kept");
    assert_eq!(stored.household.income(2015), Some(&r2015));
    assert_eq!(stored.household.income(2014), b[2].household.income(2014));
    let history = db.store.household_history(stored.id).unwrap();
    assert_eq!(history[1].recorded_by, "县扶贫办-李四");
    assert_eq!(history[1].effective_from, d("2024-03-01"));
    // The version before is still what was in force before the import's date.
    let old = db.store.household_as_of(stored.id, d("2024-02-29")).unwrap().unwrap();
    assert_eq!(old.household, b[2].household);

    let h3 = db.store.household_by_number(&b[3].household.number).unwrap().unwrap();
    assert_eq!(h3.events.len(), b[3].events.len() + 1);
    assert_eq!(db.store.audit_verify().unwrap().entries, audit_before + 2);

    // The same file again: nothing.
    let before = snapshot(db);
    assert_eq!(import(db, &next).unwrap().unchanged, 6);
    assert_eq!(snapshot(db), before);
});

both!(fn a_failing_import_leaves_the_store_unchanged(db) {
    setup(db);
    import(db, &batch(0..10)).unwrap();
    let before = snapshot(db);

    // New households, changed ones and a new event, and then the last household is refused by the store
    // (two income records of one year) after everything before it was written.
    let mut b = batch(5..30);
    b[0].household.phone = Some(Phone::parse("13900002222").unwrap());
    b[1].events.push(StatusEvent::new(StatusEventKind::Returned, d("2023-06-01")));
    let last = b.len() - 1;
    let dup = b[last].household.incomes[0].clone();
    b[last].household.incomes.push(dup);
    let err = import(db, &b).unwrap_err();
    assert!(err.to_string().contains("收入记录重复"), "{err}");
    assert_eq!(snapshot(db), before, "nothing written, not even audit entries");

    // The same batch without the defect goes through.
    b[last].household.incomes.pop();
    let out = import(db, &b).unwrap();
    assert_eq!(out, ImportOutcome { created: 20, updated: 1, unchanged: 4, events_added: 1 });
});

both!(fn a_resident_id_of_another_stored_household_fails_the_whole_import(db) {
    setup(db);
    import(db, &batch(0..5)).unwrap();
    let before = snapshot(db);
    // A new household whose member is already a member of stored household 1.
    let mut b = batch(10..12);
    let taken = batch(1..2)[0].household.members[0].clone();
    b[1].household.members.push(taken.clone());
    let err = import(db, &b).unwrap_err().to_string();
    let owner = batch(1..2)[0].household.number.to_string();
    // Only the household the batch would put the ID in is named: the owner may lie outside the
    // importer's area.
    assert!(!err.contains(&owner) && err.contains(b[1].household.number.as_str()), "{err}");
    assert!(err.contains(&taken.resident_id.masked()), "{err}");
    assert!(!err.contains(taken.resident_id.as_str()), "the full ID never appears: {err}");
    assert_eq!(snapshot(db), before);

    // Moving the member is fine when the batch also brings household 1 without them.
    let mut from = batch(1..2);
    from[0].household.members.retain(|m| m.resident_id != taken.resident_id);
    b.extend(from);
    let out = import(db, &b).unwrap();
    assert_eq!((out.created, out.updated), (2, 1));

    // Two households of one batch sharing an ID fail too.
    let mut twice = batch(20..22);
    let m = twice[0].household.members[0].clone();
    twice[1].household.members.push(m);
    let err = import(db, &twice).unwrap_err().to_string();
    assert!(err.contains("重复的证件号码"), "{err}");
});

both!(fn a_large_reimport_reads_current_versions_by_area(db) {
    setup(db);
    // More matches than are read one by one, so the area scan path runs.
    let b = batch(0..2_100);
    assert_eq!(import(db, &b).unwrap().created, 2_100);
    let before = snapshot(db);
    let out = import(db, &b).unwrap();
    assert_eq!(out.unchanged, 2_100);
    assert_eq!(snapshot(db), before);
    let mut changed = b.clone();
    changed[2_099].household.cooperative_member ^= true;
    assert_eq!(import(db, &changed).unwrap().updated, 1);
});

/// One stored household without its recording time: id, version, effective date, data, events.
type Stored = (i64, Version, chrono::NaiveDate, Household, Vec<StatusEvent>);

/// The rows of one store as the backend-independent values a comparison needs (no recording times, which
/// follow each store's clock): the current households and the row count of each household table.
fn contents(db: &TestDb) -> (Vec<Stored>, Vec<i64>) {
    let mut households = Vec::new();
    db.store
        .scan_households(&code("51"), None, &mut |h| {
            households.push((h.id.0, h.version, h.effective_from, h.household, h.events));
            Ok(())
        })
        .unwrap();
    households.sort_by_key(|h| h.0);
    let rows = [
        "households",
        "household_versions",
        "member_versions",
        "income_versions",
        "status_events",
    ]
    .iter()
    .map(|t| db.raw_i64(&format!("SELECT count(*) FROM {t}")))
    .collect();
    (households, rows)
}

both!(fn many_new_households_are_stored_as_the_create_path_stores_them(db) {
    // On PostgreSQL the import writes new households with COPY; the reference store gets the same
    // households one by one through create_household.
    setup(db);
    let reference = if db.is_pg() { TestDb::postgres().unwrap() } else { TestDb::sqlite() };
    setup(&reference);
    let b = batch(0..3_000);
    let out = import(db, &b).unwrap();
    assert_eq!(out, ImportOutcome { created: 3_000, updated: 0, unchanged: 0, events_added: 0 });
    let importer = Actor::new("县扶贫办-李四");
    for item in &b {
        let since = item.events.iter().map(|e| e.effective).min().map_or(d("2024-03-01"), |e| e.min(d("2024-03-01")));
        reference
            .store
            .create_household(&item.household, &item.events, since, &importer, "导入 2023 年度户籍表")
            .unwrap();
    }
    assert_eq!(contents(db), contents(&reference));
    for no in [0, 1, 1_234, 2_999] {
        let id = db.store.household_by_number(&b[no].household.number).unwrap().unwrap().id;
        let strip = |v: Vec<VersionInfo>| {
            v.into_iter().map(|i| (i.version, i.effective_from, i.recorded_by, i.reason)).collect::<Vec<_>>()
        };
        assert_eq!(
            strip(db.store.household_history(id).unwrap()),
            strip(reference.store.household_history(id).unwrap())
        );
    }
    // One entry per household, as the importing actor, with the same action, entity and detail, in order.
    let entries = |s: &Store| {
        let mut e: Vec<_> = s
            .audit_entries(&AuditFilter { actor: Some(importer.account.clone()), ..Default::default() })
            .unwrap()
            .into_iter()
            .map(|e| (e.seq, e.action, e.entity, e.entity_id, e.reason, e.detail))
            .collect();
        e.reverse();
        e
    };
    let ours = entries(&db.store);
    assert_eq!(ours.len(), 3_000);
    assert_eq!(ours, entries(&reference.store));
    for s in [&db.store, &reference.store] {
        let report = s.audit_verify().unwrap();
        assert!(report.is_ok(), "{:?}", report.problems);
        assert_eq!(report.entries, 3_001, "the areas' entry and one per household");
    }
    // The chain goes on from the imported entries.
    let later = db.store.household_by_number(&b[7].household.number).unwrap().unwrap();
    let mut h = later.household.clone();
    h.cooperative_member ^= true;
    db.store.update_household(later.id, later.version, &h, d("2024-04-01"), &importer, "核实").unwrap();
    assert!(db.store.audit_verify().unwrap().is_ok());
});

/// A household number taken by another writer while an import runs (between its read of the stored numbers
/// and its COPY of the new households) fails the whole import as a duplicate of that number, and the store
/// is left as the other writer left it. PostgreSQL only: on SQLite the import holds the write lock from its
/// start, so the other writer cannot get in.
#[test]
fn a_number_taken_during_a_copy_import_rolls_everything_back_on_postgres() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    setup(&db);
    import(&db, &batch(0..10)).unwrap();
    // 1,990 new households, then an existing one with a change (written before the COPY of the new ones).
    let mut b = batch(10..2_000);
    let mut changed = batch(3..4);
    changed[0].household.phone = Some(Phone::parse("13900003333").unwrap());
    b.extend(changed);
    let taken = b[1_500].household.clone();
    let other = db.reopen().unwrap();
    let mut during = None;
    let err = db
        .store
        .import_households(
            &b,
            d("2024-03-01"),
            &Actor::new("县扶贫办-李四"),
            "导入",
            &mut |n| {
                if during.is_none() && n >= 1_000 {
                    // Another writer registers household 1,500 of the batch.
                    other
                        .create_household(
                            &taken,
                            &[],
                            d("2024-02-01"),
                            &Actor::new("乡镇-王五"),
                            "登记",
                        )
                        .unwrap();
                    during = Some(snapshot_of(&db, &other));
                }
            },
        )
        .unwrap_err();
    match &err {
        StoreError::Duplicate { key, .. } => assert_eq!(key, taken.number.as_str()),
        other => panic!("expected a duplicate, got {other:?}"),
    }
    let during = during.unwrap();
    assert_eq!(during.rows[0], 11);
    assert_eq!(
        snapshot(&db),
        during,
        "no row and no audit entry of the import remains"
    );
}

// A previewed import commits only on the basis it was previewed on: a household edited, or a number of the
// batch created, since the preview refuses the commit and writes nothing; an unchanged store commits.
both!(fn an_import_on_a_stale_basis_is_refused(db) {
    setup(db);
    let b = batch(0..6);
    import(db, &b).unwrap();
    let importer = Actor::new("县扶贫办-李四");
    let mut next = b.clone();
    next[1].household.phone = Some(Phone::parse("13900002222").unwrap());
    next.extend(batch(6..8));
    let (preview, basis) = db
        .store
        .preview_import_with_basis(&next, d("2024-03-01"), &importer, "导入", &mut |_| {})
        .unwrap();
    assert_eq!(preview, ImportOutcome { created: 2, updated: 1, unchanged: 5, events_added: 0 });
    assert_eq!(basis.0.len(), 6, "the stored households the batch matches");
    assert!(basis.0.values().all(|v| *v == Version(1)));

    // Someone edits household 1 meanwhile: the commit is refused as a conflict, nothing written.
    let stored = db.store.household_by_number(&b[1].household.number).unwrap().unwrap();
    let mut h = stored.household.clone();
    h.cooperative_member ^= true;
    db.store.update_household(stored.id, stored.version, &h, d("2024-02-01"), &importer, "核实").unwrap();
    let before = snapshot(db);
    let err = db
        .store
        .import_households_on_basis(&next, d("2024-03-01"), &importer, "导入", &basis, &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(snapshot(db), before);

    // A number of the batch that was new at the preview now exists: refused too.
    let (_, basis) = db
        .store
        .preview_import_with_basis(&next, d("2024-03-01"), &importer, "导入", &mut |_| {})
        .unwrap();
    import(db, &next[6..7]).unwrap();
    let before = snapshot(db);
    let err = db
        .store
        .import_households_on_basis(&next, d("2024-03-01"), &importer, "导入", &basis, &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict { .. }), "{err}");
    assert_eq!(snapshot(db), before);

    // On an unchanged basis the commit does what the preview said.
    let (preview, basis) = db
        .store
        .preview_import_with_basis(&next, d("2024-03-01"), &importer, "导入", &mut |_| {})
        .unwrap();
    let out = db
        .store
        .import_households_on_basis(&next, d("2024-03-01"), &importer, "导入", &basis, &mut |_| {})
        .unwrap();
    assert_eq!(out, preview);
    assert!(db.store.audit_verify().unwrap().is_ok());
});
