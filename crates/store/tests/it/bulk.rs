//! Bulk load and area scans, current and as of a date.

use std::collections::HashMap;

use chrono::NaiveDate;

use jingzhun_core::*;
use jingzhun_store::*;

use crate::both;
use crate::support::*;

const VILLAGES: [&str; 4] = [
    "511902101001",
    "511902101002",
    "511902001001",
    "511903101001",
];

/// Every seventh household has no members, incomes or events, so that the merged streams skip around.
fn input(n: usize) -> Vec<(Household, Vec<StatusEvent>)> {
    (0..n)
        .map(|i| {
            let mut h = household(i, VILLAGES[i % VILLAGES.len()]);
            if i % 7 == 3 {
                h.members.clear();
                h.incomes.clear();
                return (h, Vec::new());
            }
            (h, events(i))
        })
        .collect()
}

fn scan(store: &Store, within: &str, as_of: Option<NaiveDate>) -> Vec<StoredHousehold> {
    let mut out = Vec::new();
    let n = store
        .scan_households(&code(within), as_of, &mut |h| {
            out.push(h);
            Ok(())
        })
        .unwrap();
    assert_eq!(n, out.len());
    out
}

both!(fn bulk_load_then_scan_returns_everything(db) {
    let data = input(3_000);
    let mut reported = Vec::new();
    let n = db
        .store
        .bulk_load(&mut data.clone().into_iter(), d("2014-10-01"), &Actor::system("import"), "首次导入", &mut |k| reported.push(k))
        .unwrap();
    assert_eq!(n, 3_000);
    assert_eq!(reported.last(), Some(&3_000));
    assert_eq!(db.store.count_households(&code("51")).unwrap(), 3_000);
    assert_eq!(db.store.count_households(&code("511902")).unwrap(), 2_250);
    assert_eq!(db.store.count_households(&code("511902101002")).unwrap(), 750);

    let all = scan(&db.store, "51", None);
    assert_eq!(all.len(), 3_000);
    assert!(all.iter().any(|s| s.household.members.is_empty() && s.events.is_empty()));
    let by_no: HashMap<&str, &StoredHousehold> = all.iter().map(|s| (s.household.number.as_str(), s)).collect();
    for (h, ev) in &data {
        let got = by_no[h.number.as_str()];
        assert_eq!(&got.household, h);
        assert_eq!(&got.events, ev);
        assert_eq!(got.version, Version(1));
        assert_eq!(got.effective_from, d("2014-10-01"));
    }
    if db.is_pg() {
        assert!(all.windows(2).all(|w| w[0].id < w[1].id), "id order");
    } else {
        let keys: Vec<_> = all.iter().map(|s| (s.household.village, s.id)).collect();
        assert!(keys.windows(2).all(|w| w[0] < w[1]), "village code, then id");
    }
    // A bulk-loaded household reads back the same through the single-household path.
    let one = &all[1234];
    assert_eq!(&db.store.household(one.id).unwrap(), one);

    let county = scan(&db.store, "511903", None);
    assert_eq!(county.len(), 750);
    assert!(county.iter().all(|s| s.household.village.as_str().starts_with("511903")));
    assert_eq!(scan(&db.store, "511902101002", None).len(), 750);
    assert_eq!(scan(&db.store, "52", None).len(), 0);

    // One audit entry for the batch, with count and number range; the chain verifies.
    let log = db.store.audit_entries(&AuditFilter::default()).unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].action, "household.bulk_load");
    let detail: serde_json::Value = serde_json::from_str(&log[0].detail).unwrap();
    assert_eq!(detail["count"], 3_000);
    assert_eq!(detail["first_no"], "511902001001000002");
    assert!(db.store.audit_verify().unwrap().is_ok());
});

both!(fn failed_bulk_load_leaves_nothing_behind(db) {
    let mut data = input(500);
    // The 400th household reuses the number of the 10th: the whole batch must go.
    data[399].0.number = data[9].0.number.clone();
    let err = db
        .store
        .bulk_load(&mut data.into_iter(), d("2014-10-01"), &actor(), "x", &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err:?}");
    for table in ["households", "household_versions", "member_versions", "income_versions", "status_events", "audit_log"] {
        assert_eq!(db.raw_i64(&format!("SELECT count(*) FROM {table}")), 0, "{table}");
    }
    // Clashing with an existing household is refused too.
    db.store.create_household(&household(4, VILLAGES[0]), &[], d("2014-10-01"), &actor(), "x").unwrap();
    let err = db
        .store
        .bulk_load(&mut input(20).into_iter(), d("2014-10-01"), &actor(), "x", &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err:?}");
    assert_eq!(db.store.count_households(&code("51")).unwrap(), 1);
    assert_eq!(db.raw_i64("SELECT count(*) FROM audit_log"), 1);
});

both!(fn scan_as_of_a_date(db) {
    db.store
        .bulk_load(&mut input(40).into_iter(), d("2016-01-01"), &actor(), "导入", &mut |_| {})
        .unwrap();
    let current = scan(&db.store, "51", None);
    // Household 0 moves to another county in 2020; household 1 gains income; household 2 is new in 2019.
    let mut moved = current[0].household.clone();
    moved.village = code("511903101001");
    db.store.update_household(current[0].id, current[0].version, &moved, d("2020-01-01"), &actor(), "迁移").unwrap();
    let mut richer = current[1].household.clone();
    richer.incomes[0].set(IncomeComponent::Wages, Yuan::from_yuan(30_000));
    richer.members.pop();
    db.store.update_household(current[1].id, current[1].version, &richer, d("2020-01-01"), &actor(), "核查").unwrap();
    let late = household(100, VILLAGES[0]);
    let (late_id, _) = db.store.create_household(&late, &events(100), d("2019-01-01"), &actor(), "新识别").unwrap();

    let in_2018 = scan(&db.store, "51", Some(d("2018-12-31")));
    assert!(in_2018.windows(2).all(|w| w[0].id < w[1].id), "as-of scans go by id");
    assert_eq!(in_2018.len(), 40, "the 2019 household did not exist yet");
    let old0 = in_2018.iter().find(|s| s.id == current[0].id).unwrap();
    assert_eq!(old0.household, current[0].household);
    let old1 = in_2018.iter().find(|s| s.id == current[1].id).unwrap();
    assert_eq!(old1.household, current[1].household);
    // Events as of the date: none after 2018-12-31.
    assert!(in_2018.iter().all(|s| s.events.iter().all(|e| e.effective <= d("2018-12-31"))));
    assert!(in_2018.iter().any(|s| s.events.len() == 2));

    let in_2020 = scan(&db.store, "51", Some(d("2020-01-01")));
    assert_eq!(in_2020.len(), 41);
    assert_eq!(in_2020.iter().find(|s| s.id == current[1].id).unwrap().household, richer);
    assert_eq!(in_2020.iter().find(|s| s.id == late_id).unwrap().household, late);

    // Area filters follow the version in force: household 0 was in 511902 before 2020, in 511903 after.
    let county_2018: Vec<_> = scan(&db.store, "511903", Some(d("2018-12-31"))).into_iter().map(|s| s.id).collect();
    let county_2020: Vec<_> = scan(&db.store, "511903", Some(d("2020-06-01"))).into_iter().map(|s| s.id).collect();
    assert!(!county_2018.contains(&current[0].id));
    assert!(county_2020.contains(&current[0].id));
    assert_eq!(county_2020.len(), county_2018.len() + 1);
    // Before anything existed.
    assert!(scan(&db.store, "51", Some(d("2015-12-31"))).is_empty());
    // The as-of scan and the single-household as-of read agree.
    for s in &in_2018 {
        assert_eq!(&db.store.household_as_of(s.id, d("2018-12-31")).unwrap().unwrap(), s);
    }
});

both!(fn empty_bulk_load_writes_nothing(db) {
    let n = db.store.bulk_load(&mut std::iter::empty(), d("2014-10-01"), &actor(), "x", &mut |_| {}).unwrap();
    assert_eq!(n, 0);
    assert_eq!(db.store.audit_verify().unwrap().entries, 0);
});

/// Households with one to three versions (the second moves some to another village, the third drops a
/// member and an income year), some without members, incomes or events.
fn histories(n: usize) -> Vec<HouseholdHistory> {
    input(n)
        .into_iter()
        .enumerate()
        .map(|(i, (h, events))| {
            let mut versions = vec![(d("2013-12-31"), h.clone())];
            if i % 3 >= 1 {
                let mut second = h.clone();
                if i % 5 == 0 {
                    second.village = code(VILLAGES[(i + 1) % VILLAGES.len()]);
                }
                second.farmland_mu = Some(i as f64);
                versions.push((d("2016-09-01"), second));
            }
            if i % 3 == 2 {
                let mut third = versions[1].1.clone();
                third.members.pop();
                third.incomes.pop();
                versions.push((d("2021-03-15"), third));
            }
            HouseholdHistory { versions, events }
        })
        .collect()
}

both!(fn bulk_loaded_histories_read_back_as_of_every_date(db) {
    let data = histories(900);
    let n = db
        .store
        .bulk_load_histories(&mut data.clone().into_iter(), &Actor::system("synth"), "生成", &mut |_| {})
        .unwrap();
    assert_eq!(n, 900);
    let mut read = Vec::new();
    let scanned = db
        .store
        .scan_household_histories(&code("51"), &mut |h| {
            read.push(h);
            Ok(())
        })
        .unwrap();
    assert_eq!(scanned, 900);
    // Everything comes back: versions in order with their dates and snapshots, and the events.
    for (want, got) in data.iter().zip(&read) {
        assert_eq!(got.versions.len(), want.versions.len());
        for (k, ((date, h), v)) in want.versions.iter().zip(&got.versions).enumerate() {
            assert_eq!(v.version.0, k as i64 + 1);
            assert_eq!(v.effective_from, *date);
            assert_eq!(&v.household, h);
        }
        assert_eq!(got.events, want.events);
    }
    // The version each history picks for a date is the one the store's as-of reads pick.
    for date in ["2013-12-30", "2013-12-31", "2016-08-31", "2016-09-01", "2020-12-31", "2025-12-31"] {
        let date = d(date);
        let by_scan: HashMap<HouseholdId, StoredHousehold> = scan(&db.store, "51", Some(date))
            .into_iter()
            .map(|h| (h.id, h))
            .collect();
        for history in &read {
            let mine = history.as_of(date);
            assert_eq!(mine.as_ref(), by_scan.get(&history.id), "{date}");
            let one = db.store.household_as_of(history.id, date).unwrap();
            assert_eq!(mine, one, "{date}");
        }
    }
    // Households whose earlier version lay in an area are found there too.
    let moved = read
        .iter()
        .filter(|h| {
            h.versions.iter().any(|v| v.household.village.as_str() == VILLAGES[0])
        })
        .count();
    let mut in_area = 0;
    db.store
        .scan_household_histories(&code(VILLAGES[0]), &mut |_| {
            in_area += 1;
            Ok(())
        })
        .unwrap();
    assert_eq!(in_area, moved);
    assert!(moved > db.store.count_households(&code(VILLAGES[0])).unwrap() as usize);
    // The current version is the last one.
    for (want, got) in data.iter().zip(&read) {
        let current = db.store.household(got.id).unwrap();
        assert_eq!(Some(&current.household), want.versions.last().map(|(_, h)| h));
        assert_eq!(current.version.0, want.versions.len() as i64);
    }
});

both!(fn bulk_histories_refuse_a_household_without_versions_or_with_two_numbers(db) {
    let mut data = histories(3);
    data[1].versions.clear();
    let err = db
        .store
        .bulk_load_histories(&mut data.into_iter(), &Actor::system("synth"), "生成", &mut |_| {})
        .unwrap_err();
    assert!(err.to_string().contains("没有任何版本"), "{err}");
    let mut data = histories(3);
    let other = household(99, VILLAGES[0]);
    data[2].versions[1].1.number = other.number;
    let err = db
        .store
        .bulk_load_histories(&mut data.into_iter(), &Actor::system("synth"), "生成", &mut |_| {})
        .unwrap_err();
    assert!(err.to_string().contains("另一个户编号"), "{err}");
});

both!(fn bulk_load_hands_back_what_a_scan_reads(db) {
    // Larger than one PostgreSQL batch, so that several batches are handed back.
    let data = histories(12_345);
    let mut handed = Vec::new();
    let mut batches = 0;
    let n = db
        .store
        .bulk_load_histories_then(
            &mut data.into_iter(),
            &Actor::system("synth"),
            "生成",
            &mut |_| {},
            &mut |batch| {
                batches += 1;
                handed.extend(batch);
            },
        )
        .unwrap();
    assert_eq!(n, 12_345);
    assert_eq!(handed.len(), 12_345);
    assert!(batches >= if db.is_pg() { 2 } else { 1 });
    let mut read = Vec::new();
    db.store
        .scan_household_histories(&code("51"), &mut |h| {
            read.push(h);
            Ok(())
        })
        .unwrap();
    handed.sort_by_key(|h| h.id);
    assert_eq!(handed, read);
});

both!(fn a_scan_for_a_year_reads_that_year_s_incomes_only(db) {
    db.store
        .bulk_load_histories(&mut histories(700).into_iter(), &Actor::system("synth"), "生成", &mut |_| {})
        .unwrap();
    for (date, year) in [("2016-12-31", 2016), ("2020-12-31", 2020), ("2020-12-31", 2019)] {
        let date = d(date);
        let mut want = scan(&db.store, "51", Some(date));
        for h in &mut want {
            h.household.incomes.retain(|r| r.year == year);
        }
        let mut got = Vec::new();
        db.store
            .scan_households_for_year(&code("51"), date, year, &mut |h| {
                got.push(h);
                Ok(())
            })
            .unwrap();
        assert_eq!(got, want, "{date} {year}");
        assert!(got.iter().any(|h| !h.household.incomes.is_empty()), "{year}");
    }
});

both!(fn a_failed_later_batch_keeps_the_batches_committed_before_it(db) {
    // 25,000 households: three PostgreSQL batches (the worker writes one while the next is drawn), one
    // SQLite batch. The 22,000th reuses the number of the 10th: on PostgreSQL the third batch fails and
    // the first two stay, each with its audit entry, reported by progress; on SQLite the only batch goes.
    let mut data = input(25_000);
    data[21_999].0.number = data[9].0.number.clone();
    let mut reported = Vec::new();
    let err = db
        .store
        .bulk_load(&mut data.into_iter(), d("2014-10-01"), &actor(), "x", &mut |n| reported.push(n))
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err:?}");
    let kept = if db.is_pg() { 20_000 } else { 0 };
    assert_eq!(db.store.count_households(&code("51")).unwrap(), kept);
    assert_eq!(reported, if db.is_pg() { vec![10_000, 20_000] } else { vec![] });
    assert_eq!(db.raw_i64("SELECT count(*) FROM audit_log"), if db.is_pg() { 2 } else { 0 });
    assert!(db.store.audit_verify().unwrap().is_ok());
});
