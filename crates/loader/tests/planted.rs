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

/// The economy's warnings (issue 14 and 15) from planted employment and settlement records, through the
/// store and the one warning list: lost work in a lifted or monitored household is a row of
/// 务工就业中断 (risk type 因务工就业不稳), a relocated household with labour and no one in work a row of
/// 搬迁户无人就业; steady workers, ordinary households, studies and relocated households without labour
/// on record make none.
#[test]
fn lost_work_and_relocated_households_without_work_are_warned_about_and_nothing_else() {
    use jingzhun_core::economy::NotWorkingReason;
    use jingzhun_core::economy::{EconomyRecords, EmploymentRecord, EmploymentStatus};
    use jingzhun_core::projects::{Resident, Settlement as Site, SettlementId, SettlementKind};
    use jingzhun_report::warnings::{WarningKind, WarningSet, Workflow};

    let p = planted();
    let actor = Actor::system("test");
    let member = |i: usize| p.store.household(p.ids[i]).unwrap().household.members[0].resident_id;
    let work = |i: usize, year: u16, status: EmploymentStatus, months: u8| EmploymentRecord {
        household: p.ids[i],
        member: member(i),
        year,
        status,
        months,
        wage: Yuan::from_yuan(i64::from(months) * 1_000),
        reason: (!status.in_work()).then_some(NotWorkingReason::JobLost),
    };
    use EmploymentStatus::*;
    let employment = vec![
        // 0 (monitored): eight months away, then three — a short year.
        work(0, 2023, MigrantOutsideProvince, 8),
        work(0, 2024, MigrantOutsideProvince, 3),
        // 1 (monitored): steady.
        work(1, 2023, Local, 10),
        work(1, 2024, Local, 11),
        // 3 (lifted): lost work.
        work(3, 2023, Workshop, 10),
        work(3, 2024, NotWorking, 0),
        // 4 (一般农户): lost work, but not in the lifted and monitored labour force.
        work(4, 2023, Local, 12),
        work(4, 2024, NotWorking, 0),
    ];
    p.store
        .save_economy(
            &EconomyRecords {
                employment,
                ..EconomyRecords::default()
            },
            &actor,
            "t",
        )
        .unwrap();
    // A settlement with 1 (in work), 3 (no one in work) and 2 (no labour on record).
    p.store
        .create_settlement(
            &Site {
                id: SettlementId(1),
                name: "石城聚居点".into(),
                kind: SettlementKind::Cluster,
                village: AreaCode::parse("511902001001").unwrap(),
                capacity: 20,
                built: 2018,
                services: "扶贫车间".into(),
            },
            &actor,
        )
        .unwrap();
    for i in [1, 3, 2] {
        p.store
            .add_resident(
                &Resident {
                    settlement: SettlementId(1),
                    household: p.ids[i],
                    moved_in: d(2019, 6, 1),
                },
                &actor,
            )
            .unwrap();
    }
    let area = AreaCode::parse("5119").unwrap();
    let loaded = load_with(
        &p.store,
        &area,
        2024,
        year_end(2024),
        &mut |_| {},
        &mut Silent,
    )
    .unwrap();
    let eval = loaded.engine.evaluate(&PolicyPack::builtin()).unwrap();
    let mut work = Workflow::default();
    jingzhun_loader::warnings::add_economy(&mut work, &p.store, &area, 2024).unwrap();
    let set = WarningSet::build(&loaded.engine, &eval, &area, &work);
    let of = |kind: WarningKind| -> Vec<HouseholdId> {
        set.rows
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| r.household)
            .collect()
    };
    let mut lost = of(WarningKind::EmploymentLost);
    lost.sort();
    assert_eq!(lost, vec![p.ids[0], p.ids[3]]);
    assert_eq!(of(WarningKind::RelocatedWithoutWork), vec![p.ids[3]]);
    for r in set.rows.iter().filter(|r| r.kind.risk().is_some()) {
        assert_eq!(r.risk_types[0], RiskType::UnstableEmployment);
        assert!(r.kind.is_lead());
        let text = jingzhun_report::warnings::subject(r);
        assert!(
            !text.is_empty() && !text.contains(member(3).as_str()),
            "{text}"
        );
    }
    let counts = set.counts(&area);
    assert_eq!(counts.of(WarningKind::EmploymentLost), 2);
    assert_eq!(counts.of(WarningKind::RelocatedWithoutWork), 1);
    // 2023 compares with 2022, which has no records: no lost work; everyone relocated was in work.
    let loaded = load_with(
        &p.store,
        &area,
        2023,
        year_end(2023),
        &mut |_| {},
        &mut Silent,
    )
    .unwrap();
    let eval = loaded.engine.evaluate(&PolicyPack::builtin()).unwrap();
    let mut work = Workflow::default();
    jingzhun_loader::warnings::add_economy(&mut work, &p.store, &area, 2023).unwrap();
    let set = WarningSet::build(&loaded.engine, &eval, &area, &work);
    assert!(
        set.rows.iter().all(|r| r.kind.risk().is_none()),
        "{:?}",
        set.rows
    );
}
