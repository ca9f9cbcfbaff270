//! Planted households: what the store holds beyond the records (measures, saved department findings)
//! reaches the bulk evaluation, so that `evaluate` proposes risk elimination and fires the department-alert
//! rules wherever the data meets their conditions, and not elsewhere.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use jingzhun_core::monitoring::Measure;
use jingzhun_core::*;
use jingzhun_loader::{load_with, year_end, Silent};
use jingzhun_policy::{flag, PolicyPack, ProposalKind};
use jingzhun_store::{Actor, Store};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A one-person household whose every guarantee is met, earning `wages` every year 2014–2025.
fn household(number: &str, id17: &str, wages: i64) -> Household {
    let c = resident_id::check_character(id17.as_bytes());
    let id = ResidentId::parse(&format!("{id17}{c}")).unwrap();
    Household {
        number: HouseholdNo::parse(number).unwrap(),
        village: AreaCode::parse("511902001001").unwrap(),
        natural_village: None,
        phone: None,
        standard: IdentificationStandard::National,
        attribute: Some(PoorAttribute::Ordinary),
        main_cause: Some(PovertyCause::Illness),
        other_causes: vec![],
        planned_exit_year: None,
        housing: Housing {
            area_sqm: Some(80),
            grade: Some(HousingGrade::A),
            safe_alternative: None,
        },
        relocation: None,
        water: Water {
            litres_per_person_day: Some(60),
            fetch_minutes: None,
            outage_days_per_year: Some(0),
            quality_ok: Some(true),
            dry_area: false,
        },
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
        incomes: (2014..=2025)
            .map(|y| IncomeRecord::new(y).with(IncomeComponent::Wages, Yuan::from_yuan(wages)))
            .collect(),
    }
}

fn exited() -> Vec<StatusEvent> {
    vec![
        StatusEvent::new(StatusEventKind::Registered, d(2014, 10, 1)),
        StatusEvent::new(StatusEventKind::Exited, d(2018, 11, 1)),
    ]
}

fn monitored_exited(since: NaiveDate) -> Vec<StatusEvent> {
    let mut e = exited();
    let mut m = StatusEvent::new(StatusEventKind::Monitored, since);
    m.monitoring_kind = Some(MonitoringKind::Unstable);
    m.risk_types = vec![RiskType::Illness];
    e.push(m);
    e
}

struct Planted {
    _dir: tempfile::TempDir,
    store: Store,
    ids: Vec<HouseholdId>,
}

/// 0: monitored since March 2023, income above the line, one measure from April 2023 → eligible in 2024.
/// 1: the same without a measure → not eligible.
/// 2: 一般农户, inpatient cost 25,000 in May 2024 → alert (≥ 20,000).
/// 3: 脱贫户, inpatient cost 6,000 in May 2024 → alert (≥ 5,000).
/// 4: 一般农户, inpatient cost 6,000 in May 2024 → no alert.
fn planted() -> Planted {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("t.db").display())).unwrap();
    let actor = Actor::system("test");
    let area = |code: &str, name: &str| {
        let code = AreaCode::parse(code).unwrap();
        Area {
            code,
            name: name.to_owned(),
            settlement: (code.level() == AreaLevel::Village).then_some(Settlement::Rural),
        }
    };
    store
        .upsert_areas(
            &[
                area("51", "四川省"),
                area("5119", "巴中市"),
                area("511902", "巴州区"),
                area("511902001", "东城街道"),
                area("511902001001", "石城村委会"),
            ],
            &actor,
            "test",
        )
        .unwrap();
    let plan: [(&str, Vec<StatusEvent>); 5] = [
        ("51190219700101001", monitored_exited(d(2023, 3, 1))),
        ("51190219700101002", monitored_exited(d(2023, 3, 1))),
        ("51190219700101003", vec![]),
        ("51190219700101004", exited()),
        ("51190219700101005", vec![]),
    ];
    let mut ids = Vec::new();
    for (i, (id17, events)) in plan.iter().enumerate() {
        let no = format!("511902001001000{}", i + 1);
        let (id, _) = store
            .create_household(
                &household(&no, id17, 12_000),
                events,
                d(2014, 10, 1),
                &actor,
                "t",
            )
            .unwrap();
        ids.push(id);
    }
    store
        .add_measure(
            &Measure {
                household: ids[0],
                kind: AssistanceType::Employment,
                description: "公益岗位".into(),
                started: d(2023, 4, 1),
                ended: None,
                amount: None,
                case: None,
                cadre: None,
            },
            &actor,
        )
        .unwrap();
    let fact = |h: HouseholdId, yuan: i64| DepartmentFact {
        household: h,
        signal: DepartmentSignal::InpatientCost,
        date: d(2024, 5, 1),
        amount: Yuan::from_yuan(yuan),
    };
    store
        .save_department_facts(
            &[
                fact(ids[2], 25_000),
                fact(ids[3], 6_000),
                fact(ids[4], 6_000),
            ],
            "医保住院自付.xlsx",
            &actor,
        )
        .unwrap();
    Planted {
        _dir: dir,
        store,
        ids,
    }
}

#[test]
fn evaluate_proposes_risk_elimination_and_fires_department_alerts_where_the_data_says_so() {
    let p = planted();
    let area = AreaCode::parse("5119").unwrap();
    let pack = PolicyPack::builtin();
    let loaded = load_with(
        &p.store,
        &area,
        2024,
        year_end(2024),
        &mut |_| {},
        &mut Silent,
    )
    .unwrap();
    let eval = loaded.engine.evaluate(&pack).unwrap();
    let a = |i: usize| loaded.engine.assessment(&eval, p.ids[i]).unwrap();

    assert!(
        a(0).proposes(ProposalKind::RiskElimination),
        "measure in place"
    );
    assert!(!a(1).proposes(ProposalKind::RiskElimination), "no measure");
    let why = loaded.engine.explain(&eval, p.ids[1]).unwrap();
    let cond = why.elimination.unwrap();
    assert!(cond
        .conditions
        .iter()
        .any(|c| c.rule == "elimination.measures" && !c.holds));

    assert!(a(2).has(flag::ALERT), "一般农户 at 25,000");
    assert!(a(2).proposes(ProposalKind::MonitoringCandidate));
    assert_eq!(a(2).monitoring_kind, Some(MonitoringKind::SuddenHardship));
    assert!(a(3).has(flag::ALERT), "脱贫户 at 6,000");
    assert!(!a(4).has(flag::ALERT), "一般农户 at 6,000");

    let total = eval.total();
    assert_eq!(total.proposals_of(ProposalKind::RiskElimination), 1);
    assert_eq!(total.alert_households, 2);

    // The findings are dated: 2023 does not see the 2024 costs, and the measure counts from April 2023.
    let loaded = load_with(
        &p.store,
        &area,
        2023,
        year_end(2023),
        &mut |_| {},
        &mut Silent,
    )
    .unwrap();
    let eval = loaded.engine.evaluate(&pack).unwrap();
    assert_eq!(eval.total().alert_households, 0);
    assert_eq!(eval.total().proposals_of(ProposalKind::RiskElimination), 1);
    // Any date: on 31 August 2023 the household had been monitored 5 months (< 6), so not yet eligible.
    let loaded = load_with(
        &p.store,
        &area,
        2023,
        d(2023, 8, 31),
        &mut |_| {},
        &mut Silent,
    )
    .unwrap();
    let eval = loaded.engine.evaluate(&pack).unwrap();
    assert_eq!(eval.total().proposals_of(ProposalKind::RiskElimination), 0);
}
