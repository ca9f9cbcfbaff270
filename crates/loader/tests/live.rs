//! The live registry follows the change feed: a change written by another store handle (another process)
//! is applied household by household, and the result equals a fresh load.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use chrono::NaiveDate;
use jingzhun_core::*;
use jingzhun_loader::live::Live;
use jingzhun_loader::Silent;
use jingzhun_policy::{PolicyPack, ProposalKind};
use jingzhun_report::warnings::{WarningKind, WarningSet, Workflow};
use jingzhun_store::{Actor, Store};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn household(number: &str, village: &str, id17: &str) -> Household {
    let c = resident_id::check_character(id17.as_bytes());
    let id = ResidentId::parse(&format!("{id17}{c}")).unwrap();
    Household {
        number: HouseholdNo::parse(number).unwrap(),
        village: AreaCode::parse(village).unwrap(),
        natural_village: None,
        phone: None,
        standard: IdentificationStandard::National,
        attribute: Some(PoorAttribute::Ordinary),
        main_cause: Some(PovertyCause::Illness),
        other_causes: vec![],
        planned_exit_year: None,
        housing: Housing::default(),
        relocation: None,
        water: Water::default(),
        food_clothing_secured: true,
        electricity: true,
        sanitary_toilet: true,
        fuel: None,
        farmland_mu: None,
        forest_mu: None,
        cooperative_member: false,
        members: vec![Member {
            name: PersonName::parse("张三").unwrap(),
            sex: id.sex(),
            resident_id: id,
            relationship: Relationship::Head,
            ethnicity: "汉族".to_owned(),
            education: Some(Education::Junior),
            schooling: None,
            health: Health::Healthy,
            labour: Some(LabourAbility::Ordinary),
            work_status: WorkStatus::NotMigrant,
            migrant_months: MigrantMonths::new(0).unwrap(),
            medical_insurance: true,
            serious_illness_insurance: true,
            pension_insurance: true,
            social_assistance: SocialAssistance::NoAssistance,
        }],
        incomes: (2014..=2020)
            .map(|y| IncomeRecord::new(y).with(IncomeComponent::Wages, Yuan::from_yuan(3_000)))
            .collect(),
    }
}

fn area(code: &str, name: &str) -> Area {
    let code = AreaCode::parse(code).unwrap();
    Area {
        code,
        name: name.to_owned(),
        settlement: (code.level() == AreaLevel::Village).then_some(Settlement::Rural),
    }
}

fn code(s: &str) -> AreaCode {
    AreaCode::parse(s).unwrap()
}

/// Three households: registered poor, exited in 2019, never registered; all with 3,000 yuan a year.
fn seeded(url: &str) -> Store {
    let store = Store::open(url).unwrap();
    let actor = Actor::system("test");
    store
        .upsert_areas(
            &[
                area("51", "四川省"),
                area("5119", "巴中市"),
                area("511902", "巴州区"),
                area("511902001", "东城街道"),
                area("511902001001", "石城村委会"),
                area("511902002", "西城街道"),
                area("511902002001", "回风村委会"),
            ],
            &actor,
            "test",
        )
        .unwrap();
    let registered = StatusEvent::new(StatusEventKind::Registered, d(2014, 10, 1));
    let exited = StatusEvent::new(StatusEventKind::Exited, d(2019, 11, 1));
    for (no, village, id, events) in [
        (
            "5119020010010001",
            "511902001001",
            "51190219700101001",
            vec![registered.clone()],
        ),
        (
            "5119020010010002",
            "511902001001",
            "51190219700101002",
            vec![registered.clone(), exited],
        ),
        (
            "5119020020010001",
            "511902002001",
            "51190219700101003",
            vec![],
        ),
    ] {
        store
            .create_household(
                &household(no, village, id),
                &events,
                d(2014, 10, 1),
                &actor,
                "t",
            )
            .unwrap();
    }
    store
}

fn fresh(store: &Arc<Store>, year: u16) -> Live {
    Live::load(
        Arc::clone(store),
        code("51"),
        PolicyPack::builtin(),
        &[year],
        &mut Silent,
    )
    .unwrap()
}

#[test]
fn changes_by_another_handle_are_applied_and_equal_a_fresh_load() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    let store = Arc::new(seeded(&url));
    let live = fresh(&store, 2020);
    assert_eq!(live.years(), vec![2020]);
    let seq0 = live.seq();
    assert_eq!(seq0, store.audit_head().unwrap());
    assert!(
        live.catch_up_if_behind().unwrap().is_none(),
        "nothing to apply"
    );

    let year = live.year(2020).unwrap();
    let before = {
        let y = year.read().unwrap();
        assert_eq!(y.engine.households(), 3);
        let total = *y.eval.rollup(&code("51")).unwrap();
        let set = WarningSet::build(&y.engine, &y.eval, &code("51"), &Workflow::default());
        let counts = set.counts(&code("51"));
        for kind in WarningKind::ALL {
            if let Some(p) = kind.proposal() {
                assert_eq!(counts.of(*kind) as i64, total.proposals_of(p), "{kind:?}");
            }
        }
        assert!(
            !set.rows.is_empty(),
            "3,000 yuan is below the 2020 line: someone is flagged"
        );
        total
    };

    // Another process raises the exited household's income and files a new household.
    let other = Store::open(&url).unwrap();
    let actor = Actor::new("cli:test");
    let no = HouseholdNo::parse("5119020010010002").unwrap();
    let stored = other.household_by_number(&no).unwrap().unwrap();
    let mut rich = stored.household.clone();
    rich.incomes = (2014..=2020)
        .map(|y| IncomeRecord::new(y).with(IncomeComponent::Wages, Yuan::from_yuan(60_000)))
        .collect();
    other
        .update_household(
            stored.id,
            stored.version,
            &rich,
            d(2020, 1, 1),
            &actor,
            "更正收入",
        )
        .unwrap();
    other
        .create_household(
            &household("5119020020010002", "511902002001", "51190219700101004"),
            &[],
            d(2014, 10, 1),
            &actor,
            "新增",
        )
        .unwrap();

    let applied = live.catch_up_if_behind().unwrap().expect("the feed moved");
    assert_eq!(applied.households, 2);
    assert!(!applied.reloaded);
    assert_eq!(live.seq(), store.audit_head().unwrap());
    let after = *year.read().unwrap().eval.rollup(&code("51")).unwrap();
    assert_ne!(after, before);
    assert_eq!(after.households, 4);
    let reloaded = fresh(&store, 2020);
    let expected = *reloaded
        .year(2020)
        .unwrap()
        .read()
        .unwrap()
        .eval
        .rollup(&code("51"))
        .unwrap();
    assert_eq!(after, expected, "incremental == fresh load");
    assert_eq!(
        after.proposals_of(ProposalKind::WrongExitSuspect),
        expected.proposals_of(ProposalKind::WrongExitSuspect)
    );

    // A year not held is loaded on first use and then follows the feed too.
    let y2019 = live.year(2019).unwrap();
    assert_eq!(live.years(), vec![2019, 2020]);
    assert_eq!(y2019.read().unwrap().engine.households(), 4);
    let _ = NaiveDate::MIN;
}

/// Readers look at the feed's head at most every `HEAD_CHECK_EVERY` (one look per request was a database
/// round trip each at thousands of requests a second), and a change by another process still arrives.
#[test]
fn readers_look_at_the_feed_at_most_every_interval_and_still_see_other_processes() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("t.db").display());
    let store = Arc::new(seeded(&url));
    let live = fresh(&store, 2020);
    let other = Store::open(&url).unwrap();
    let actor = Actor::new("cli:test");
    let add = |no: &str, id: &str| {
        other
            .create_household(
                &household(no, "511902002001", id),
                &[],
                d(2014, 10, 1),
                &actor,
                "新增",
            )
            .unwrap();
    };
    add("5119020020010002", "51190219700101004");
    let first = std::time::Instant::now();
    let applied = live
        .catch_up_unless_busy()
        .unwrap()
        .expect("the first look");
    assert_eq!(applied.households, 1);
    add("5119020020010003", "51190219700101005");
    let again = live.catch_up_unless_busy().unwrap();
    if first.elapsed() < jingzhun_loader::live::HEAD_CHECK_EVERY {
        assert!(again.is_none(), "looked again within the interval");
        assert!(live.seq() < store.audit_head().unwrap());
    }
    std::thread::sleep(jingzhun_loader::live::HEAD_CHECK_EVERY);
    live.catch_up_unless_busy().unwrap();
    assert_eq!(live.seq(), store.audit_head().unwrap());
    assert_eq!(
        live.year(2020).unwrap().read().unwrap().engine.households(),
        5
    );
}
