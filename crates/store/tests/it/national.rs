//! The national layout (issue 16): the registry converted to tables partitioned by province, national loads
//! into partition groups of their own (all or nothing, one audit entry per group), and scans that read only
//! the province's partitions and return what the plain layout returns.

use jingzhun_core::*;
use jingzhun_store::*;

use crate::both;
use crate::support::*;

/// `n` households of `village`, numbered from `from`, each with a second version and its events.
fn histories(from: usize, n: usize, village: &str) -> Vec<HouseholdHistory> {
    (from..from + n)
        .map(|i| {
            let first = household(i, village);
            let mut second = first.clone();
            second.natural_village = Some(format!("第{i}组"));
            HouseholdHistory {
                versions: vec![(d("2014-10-01"), first), (d("2019-06-30"), second)],
                events: events(i),
            }
        })
        .collect()
}

/// The households as a scan reads them, without the ids (which the layouts assign differently).
fn scanned(
    store: &Store,
    within: &str,
    as_of: Option<chrono::NaiveDate>,
) -> Vec<(String, Household, Vec<StatusEvent>)> {
    let mut out = Vec::new();
    store
        .scan_households(&code(within), as_of, &mut |h| {
            out.push((
                h.household.number.as_str().to_owned(),
                h.household,
                h.events,
            ));
            Ok(())
        })
        .unwrap();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn histories_read(store: &Store, within: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    store
        .scan_household_histories(&code(within), &mut |h| {
            let no = h.versions[0].household.number.as_str().to_owned();
            out.push((no, h.versions.len(), h.events.len()));
            Ok(())
        })
        .unwrap();
    out.sort();
    out
}

fn year_read(store: &Store, within: &str) -> Vec<(String, Vec<IncomeRecord>)> {
    let mut out = Vec::new();
    store
        .scan_households_for_year(&code(within), d("2020-12-31"), 2020, &mut |h| {
            out.push((h.household.number.as_str().to_owned(), h.household.incomes));
            Ok(())
        })
        .unwrap();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

both!(fn national_layout_partitions_loads_and_scans_by_province(db) {
    let store = &db.store;
    assert_eq!(store.registry_layout().unwrap(), Layout::Plain);
    // Households written before the conversion (one by one, and a bulk batch) move with it.
    let (early, _) = store
        .create_household(&household(9_000, "511902101001"), &events(1), d("2015-01-01"), &actor(), "登记")
        .unwrap();
    store
        .bulk_load_histories(&mut histories(9_100, 20, "511902101002").into_iter(), &actor(), "导入", &mut |_| {})
        .unwrap();
    let before = scanned(store, "51", Some(d("2020-12-31")));
    let converted = store.partition_registry(&actor(), "全国部署: 按省分区");
    if !db.is_pg() {
        assert!(converted.is_err(), "SQLite has no partitions");
        assert_eq!(store.registry_layout().unwrap(), Layout::Plain);
        assert!(store.national_load(&mut std::iter::empty(), 2, &actor(), "x", &mut |_| {}).is_err());
        return;
    }
    assert_eq!(converted.unwrap(), Some(21));
    assert_eq!(store.registry_layout().unwrap(), Layout::Partitioned);
    assert_eq!(store.partition_registry(&actor(), "again").unwrap(), None);
    assert_eq!(scanned(store, "51", Some(d("2020-12-31"))), before);

    // Two provinces in one national load, batches of villages interleaved.
    let mut sichuan = histories(0, 1_500, "511902101001");
    sichuan.extend(histories(1_500, 1_000, "511903101001"));
    let chongqing = histories(5_000, 1_200, "500101001001");
    let mut batches: Vec<Vec<HouseholdHistory>> = Vec::new();
    for (k, chunk) in sichuan.chunks(300).enumerate() {
        batches.push(chunk.to_vec());
        if let Some(c) = chongqing.chunks(300).nth(k) {
            batches.push(c.to_vec());
        }
    }
    let mut seen = 0;
    let loaded = store
        .national_load(&mut batches.into_iter().map(Ok), 2, &Actor::system("national"), "全国载入", &mut |n| seen = n)
        .unwrap();
    assert_eq!(loaded.households, 3_700);
    assert_eq!(seen, 3_700);
    let parts = store.national_partitions().unwrap();
    assert_eq!(parts[0].name, "local");
    assert_eq!(parts[0].households, 21);
    let of = |p: &str| parts.iter().filter(|g| g.province.as_deref() == Some(p)).collect::<Vec<_>>();
    assert_eq!(of("51").iter().map(|g| g.households).sum::<u64>(), 2_500);
    assert_eq!(of("50").iter().map(|g| g.households).sum::<u64>(), 1_200);
    for g in parts.iter().skip(1) {
        assert_eq!(g.versions, 2 * g.households, "{g:?}");
        let (lo, hi) = g.ids;
        assert_eq!(lo % BLOCK_SPAN, 0);
        assert_eq!(hi - lo, BLOCK_SPAN);
        let pp: i64 = g.province.as_deref().unwrap().parse().unwrap();
        assert_eq!(lo / PROVINCE_SPAN, pp);
        // The group's audit entry says what it brought.
        let (info, seq) = loaded.partitions.iter().find(|(p, _)| p.name == g.name).unwrap();
        assert_eq!(info, g);
        let entry = store.audit_entries(&AuditFilter { entity: Some("area".into()), ..Default::default() })
            .unwrap().into_iter().find(|e| e.seq == *seq).unwrap();
        assert_eq!(entry.action, "household.national_load");
        let detail: serde_json::Value = serde_json::from_str(&entry.detail).unwrap();
        assert_eq!(detail["households"], g.households);
        assert_eq!(detail["members"], g.members);
    }
    assert!(store.audit_verify().unwrap().is_ok());

    // Scans: the province's households, as the plain layout wrote them.
    let all51 = scanned(store, "51", Some(d("2020-12-31")));
    assert_eq!(all51.len(), 21 + 2_500);
    assert_eq!(scanned(store, "511903", None).len(), 1_000);
    let cq = scanned(store, "50", Some(d("2020-12-31")));
    assert_eq!(cq.len(), 1_200);
    let expected: Vec<_> = chongqing.iter().map(|h| (h.versions[1].1.number.as_str().to_owned(), h.versions[1].1.clone())).collect();
    for ((no, h, ev), (eno, eh)) in cq.iter().zip(&expected) {
        assert_eq!(no, eno);
        assert_eq!(h, eh);
        assert!(!ev.is_empty() || events(0).is_empty() || ev.len() <= 3);
    }
    let early_version = scanned(store, "50", Some(d("2015-12-31")));
    assert_eq!(early_version[0].1, chongqing[0].versions[0].1);
    assert_eq!(histories_read(store, "500101").len(), 1_200);
    assert!(histories_read(store, "500101").iter().all(|(_, v, _)| *v == 2));
    let year = year_read(store, "50");
    assert!(year.iter().all(|(_, incomes)| incomes.iter().all(|r| r.year == 2020)));
    assert_eq!(store.count_households(&code("50")).unwrap(), 1_200);

    // Only the province's partitions (and the local group) are read.
    let read = store.partitions_read(&code("50")).unwrap();
    assert!(read.iter().any(|p| p.starts_with("households_p50_")), "{read:?}");
    assert!(read.iter().all(|p| !p.starts_with("households_p51_")), "{read:?}");

    // One-by-one writes keep working (into the local group), as do edits of loaded households.
    let (id, v) = store
        .create_household(&household(7_777, "500101001001"), &[], d("2021-01-01"), &actor(), "新识别")
        .unwrap();
    assert!(id.0 < PROVINCE_SPAN * 10);
    let stored = store.household_by_number(&chongqing[3].versions[0].1.number).unwrap().unwrap();
    assert!(stored.id.0 >= 50 * PROVINCE_SPAN);
    let mut changed = stored.household.clone();
    changed.phone = None;
    store.update_household(stored.id, stored.version, &changed, d("2021-02-01"), &actor(), "更正").unwrap();
    assert_eq!(v, Version(1));
    assert_eq!(scanned(store, "50", None).len(), 1_201);
    let _ = early;

    // A number already in the registry: the whole load is refused and nothing is attached.
    let groups_before = store.national_partitions().unwrap().len();
    let mut clash = histories(20_000, 50, "500101001001");
    clash.push(histories(5_007, 1, "500101001001").remove(0));
    let err = store
        .national_load(&mut vec![Ok(clash)].into_iter(), 2, &actor(), "重复", &mut |_| {})
        .unwrap_err();
    assert!(matches!(err, StoreError::Duplicate { .. }), "{err}");
    assert_eq!(store.national_partitions().unwrap().len(), groups_before);
    assert_eq!(store.count_households(&code("50")).unwrap(), 1_201);
    // The source failing half-way (a generator, a file) abandons the load: nothing is attached.
    let err = store
        .national_load(
            &mut vec![Ok(histories(40_000, 10, "500101001001")), Err(StoreError::Invalid("源数据中断".into()))].into_iter(),
            2, &actor(), "中断", &mut |_| {},
        )
        .unwrap_err();
    assert!(err.to_string().contains("源数据中断"), "{err}");
    assert_eq!(store.national_partitions().unwrap().len(), groups_before);
    // A second load of a province gets the next block.
    let more = store
        .national_load(&mut vec![Ok(histories(30_000, 10, "500101001001"))].into_iter(), 1, &actor(), "补充", &mut |_| {})
        .unwrap();
    assert_eq!(more.partitions.len(), 1);
    assert!(more.partitions[0].0.name.starts_with("p50_b0"));
    assert_ne!(more.partitions[0].0.name, "p50_b00");
    assert_eq!(store.count_households(&code("50")).unwrap(), 1_211);
    assert!(store.audit_verify().unwrap().is_ok());
});
