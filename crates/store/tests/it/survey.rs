//! The income survey's all-or-nothing save with per-row staleness, and member changes with their
//! 户口 (migration 0013), on both backends.

use jingzhun_core::survey::{Hukou, MemberChange, MemberChangeKind};
use jingzhun_core::*;
use jingzhun_store::{StoreError, SurveyOutcome, SurveyRow};

use crate::both;
use crate::support::*;

fn add(store: &jingzhun_store::Store, n: usize) -> (HouseholdId, Household) {
    let h = household(n, "511902101001");
    let id = store
        .create_household(&h, &[], d("2014-10-01"), &actor(), "建档")
        .unwrap()
        .0;
    (id, h)
}

fn with_wages(h: &Household, year: u16, yuan: i64) -> Household {
    let mut h = h.clone();
    h.incomes.retain(|r| r.year != year);
    h.incomes
        .push(IncomeRecord::new(year).with(IncomeComponent::Wages, Yuan::from_yuan(yuan)));
    h.incomes.sort_by_key(|r| r.year);
    h
}

both!(fn a_survey_saves_every_changed_row_or_none(db) {
    let s = &db.store;
    let (a, ha) = add(s, 1);
    let (b, hb) = add(s, 2);
    let (c, hc) = add(s, 3);
    let rows = vec![
        SurveyRow { id: a, expected: Version(1), household: with_wages(&ha, 2025, 12_000) },
        SurveyRow { id: b, expected: Version(1), household: with_wages(&hb, 2025, 8_000) },
        // Unchanged: checked, not written.
        SurveyRow { id: c, expected: Version(1), household: hc.clone() },
    ];
    // Someone edits b after the grid was loaded: nothing is written, b is named with its version.
    s.update_household(b, Version(1), &with_wages(&hb, 2024, 1), d("2026-01-02"), &actor(), "别处修改")
        .unwrap();
    let out = s.save_survey(&rows, d("2026-01-05"), &actor(), "收入采集").unwrap();
    assert_eq!(out, SurveyOutcome::Stale(vec![(b, Version(2))]));
    assert_eq!(s.household(a).unwrap().version, Version(1), "a was not written");
    assert!(s.household(a).unwrap().household.income(2025).is_none());

    // Based on the current versions it saves a and b; c is unchanged and keeps its version.
    let mut rows = rows;
    rows[1] = SurveyRow {
        id: b,
        expected: Version(2),
        household: with_wages(&with_wages(&hb, 2024, 1), 2025, 8_000),
    };
    let out = s.save_survey(&rows, d("2026-01-05"), &actor(), "收入采集").unwrap();
    assert_eq!(out, SurveyOutcome::Saved(vec![(a, Version(2)), (b, Version(3))]));
    let stored = s.household(a).unwrap();
    assert_eq!(
        stored.household.income(2025).unwrap().get(IncomeComponent::Wages),
        Yuan::from_yuan(12_000)
    );
    assert_eq!(stored.effective_from, d("2026-01-05"));
    assert_eq!(s.household(c).unwrap().version, Version(1));
    // The writes are ordinary versions, audited, in the change feed.
    let changes = s.changes_after(0).unwrap();
    assert!(changes.households.contains(&a), "{changes:?}");
});

both!(fn member_changes_are_versions_with_their_reason_and_hukou(db) {
    let s = &db.store;
    let (id, h) = add(s, 4);
    let baby = resident_id("511902", "20250301", 5);
    let mut after = h.clone();
    let mut m = member(9, Relationship::Grandson);
    m.resident_id = baby;
    m.name = PersonName::parse("张小宝").unwrap();
    after.members.push(m);
    let birth = MemberChange {
        kind: MemberChangeKind::Birth,
        resident_id: baby,
        name: PersonName::parse("张小宝").unwrap(),
        effective: d("2025-03-20"),
        note: "新生儿落户".into(),
    };
    let v = s
        .record_member_change(id, Version(1), &after, &birth, Some(&Hukou::InHousehold), &actor(), "人口变动：出生")
        .unwrap();
    assert_eq!(v, Version(2));
    let stored = s.household(id).unwrap();
    assert_eq!(stored.household.members.len(), h.members.len() + 1);
    assert_eq!(stored.effective_from, d("2025-03-20"));

    // A member whose 户口 is elsewhere is still a member; the place is kept apart.
    let other = stored.household.members[0].resident_id;
    s.record_hukou(id, &other, &Hukou::Elsewhere("平昌县白衣镇".into()), &actor(), "户口登记")
        .unwrap();
    let hukou = s.member_hukou_of(id).unwrap();
    assert_eq!(hukou.get(&baby), Some(&Hukou::InHousehold));
    assert_eq!(hukou.get(&other), Some(&Hukou::Elsewhere("平昌县白衣镇".into())));

    // A death removes exactly that member; a stale version is a conflict; a mismatch is refused.
    let mut gone = stored.household.clone();
    gone.members.retain(|m| m.resident_id != baby);
    let death = MemberChange { kind: MemberChangeKind::Death, effective: d("2025-06-01"), note: String::new(), ..birth.clone() };
    assert!(matches!(
        s.record_member_change(id, Version(1), &gone, &death, None, &actor(), "x"),
        Err(StoreError::Conflict { .. })
    ));
    assert!(matches!(
        s.record_member_change(id, Version(2), &stored.household, &death, None, &actor(), "x"),
        Err(StoreError::Invalid(_))
    ));
    s.record_member_change(id, Version(2), &gone, &death, None, &actor(), "人口变动：死亡")
        .unwrap();
    let changes = s.member_changes_of(id).unwrap();
    assert_eq!(
        changes.iter().map(|c| (c.change.kind, c.version)).collect::<Vec<_>>(),
        vec![(MemberChangeKind::Birth, Version(2)), (MemberChangeKind::Death, Version(3))]
    );
    assert_eq!(changes[0].change.note, "新生儿落户");
    // The audit names the kind, never the person.
    let filter = jingzhun_store::AuditFilter { entity: Some("household".into()), ..Default::default() };
    let entries = s.audit_entries(&filter).unwrap();
    let member_entries: Vec<_> = entries.iter().filter(|e| e.action == "member.change").collect();
    assert_eq!(member_entries.len(), 2);
    assert!(member_entries.iter().all(|e| !e.detail.contains("张小宝") && !e.detail.contains(baby.as_str())));
    assert!(s.audit_verify().unwrap().is_ok());
});
