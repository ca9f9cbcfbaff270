//! The division tree: upsert, changes, and ordering by code.

use jingzhun_core::*;
use jingzhun_store::*;

use crate::both;
use crate::support::*;

both!(fn areas_and_changes_round_trip(db) {
    let n = db.store.upsert_areas(&areas(), &Actor::system("init"), "导入2020年区划").unwrap();
    assert_eq!(n, areas().len());
    // Upserting again changes names, not the number of areas.
    let mut renamed = areas();
    renamed[3].name = "恩阳区(新)".into();
    db.store.upsert_areas(&renamed, &Actor::system("init"), "更新").unwrap();

    let merge = AreaChange {
        code: code("511902101003"),
        effective: d("2020-06-01"),
        kind: AreaChangeKind::Merged { into: code("511902101002") },
    };
    let rename = AreaChange {
        code: code("511902101002"),
        effective: d("2020-06-01"),
        kind: AreaChangeKind::Renamed { name: "白鹤中心村村民委员会".into() },
    };
    db.store.record_area_change(&merge, &actor(), "撤并建制村").unwrap();
    db.store.record_area_change(&rename, &actor(), "撤并后更名").unwrap();

    let tree = db.store.area_tree().unwrap();
    assert_eq!(tree.len(), areas().len());
    assert_eq!(tree.areas().cloned().collect::<Vec<_>>(), {
        let mut want = renamed.clone();
        want.sort_by_key(|a| a.code);
        want
    });
    assert_eq!(tree.changes(), [merge.clone(), rename.clone()]);
    let before = d("2020-05-31");
    let after = d("2020-06-01");
    assert_eq!(tree.resolve(&code("511902101003"), before), Some(code("511902101003")));
    assert_eq!(tree.resolve(&code("511902101003"), after), Some(code("511902101002")));
    assert_eq!(tree.name_on(&code("511902101002"), before), Some("中心村村民委员会"));
    assert_eq!(tree.name_on(&code("511902101002"), after), Some("白鹤中心村村民委员会"));
    assert_eq!(tree.get(&code("511903")).unwrap().name, "恩阳区(新)");

    // Refused changes leave nothing behind.
    let bad = AreaChange {
        code: code("511902101001"),
        effective: d("2021-01-01"),
        kind: AreaChangeKind::Merged { into: code("511902101") },
    };
    let err = db.store.record_area_change(&bad, &actor(), "x").unwrap_err();
    assert!(matches!(err, StoreError::Area(AreaTreeError::MergeLevel { .. })), "{err:?}");
    let unknown = AreaChange {
        code: code("511999101001"),
        effective: d("2021-01-01"),
        kind: AreaChangeKind::Renamed { name: "x".into() },
    };
    assert!(matches!(
        db.store.record_area_change(&unknown, &actor(), "x"),
        Err(StoreError::Area(AreaTreeError::Unknown(_)))
    ));
    assert_eq!(db.store.area_tree().unwrap().changes().len(), 2);
    let log = db.store.audit_entries(&AuditFilter { entity: Some("area".into()), ..Default::default() }).unwrap();
    assert_eq!(log.len(), 4);
    assert!(log[3].detail.contains("\"count\":12"), "{}", log[3].detail);
    assert!(db.store.audit_verify().unwrap().is_ok());
});

both!(fn chinese_names_sort_by_code_not_collation(db) {
    // Names chosen so that pinyin, stroke and code-point orders all differ from code order.
    let mut list = areas();
    list.push(Area { code: code("511902101004"), name: "安家村村民委员会".into(), settlement: Some(Settlement::Rural) });
    list.push(Area { code: code("511902101005"), name: "Zz村村民委员会".into(), settlement: Some(Settlement::Rural) });
    db.store.upsert_areas(&list, &actor(), "x").unwrap();
    let tree = db.store.area_tree().unwrap();
    let villages: Vec<&str> = tree
        .children(&code("511902101"))
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(
        villages,
        ["511902101001", "511902101002", "511902101003", "511902101004", "511902101005"]
    );
    let all: Vec<String> = tree.areas().map(|a| a.code.to_string()).collect();
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted);

    // Households come back by village code then id (SQLite) or by id (PostgreSQL), never by the names, and a
    // county scan takes exactly its villages.
    let mut ids = Vec::new();
    for (n, v) in ["511902101005", "511902101004", "511903101001", "511902001001", "511902101004"]
        .iter()
        .enumerate()
    {
        let mut h = household(n, v);
        h.natural_village = Some(["张家湾", "阿家沟", "Zz组", "白岩", "八角"][n].into());
        ids.push(db.store.create_household(&h, &[], d("2014-10-01"), &actor(), "x").unwrap().0);
    }
    let mut seen = Vec::new();
    db.store
        .scan_households(&code("511902"), None, &mut |s| {
            seen.push(s.id);
            Ok(())
        })
        .unwrap();
    if db.is_pg() {
        assert_eq!(seen, [ids[0], ids[1], ids[3], ids[4]]);
    } else {
        assert_eq!(seen, [ids[3], ids[1], ids[4], ids[0]]);
    }

    // On PostgreSQL the order must not depend on the database's locale: every code column is COLLATE "C".
    if db.is_pg() {
        let not_c = db.raw_i64(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() \
             AND column_name IN ('code', 'village_code', 'household_no', 'into_code', 'area_code', 'username') \
             AND coalesce(collation_name, '') <> 'C'",
        );
        assert_eq!(not_c, 0);
    }
});
