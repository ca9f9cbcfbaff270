use chrono::NaiveDate;
use jingzhun_core::*;
use jingzhun_policy::{PolicyPack, ProposalKind};
use proptest::prelude::*;

use crate::{Engine, Evaluation, HouseholdInput};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn code(s: &str) -> AreaCode {
    AreaCode::parse(s).unwrap()
}

const VILLAGES: [&str; 4] = [
    "511902001001",
    "511902001002",
    "511902002001",
    "511903001001",
];

fn tree() -> AreaTree {
    let mut codes: Vec<String> = Vec::new();
    for v in VILLAGES {
        for len in [2, 4, 6, 9, 12] {
            let c = v[..len].to_owned();
            if !codes.contains(&c) {
                codes.push(c);
            }
        }
    }
    AreaTree::new(codes.iter().map(|c| Area {
        code: code(c),
        name: format!("区划{c}"),
        settlement: (c.len() == 12).then_some(Settlement::Rural),
    }))
    .unwrap()
}

fn resident_id(birth_year: i32, seq: u32) -> ResidentId {
    let first17 = format!("511902{birth_year:04}0101{:03}", seq % 1000);
    let check = resident_id::check_character(first17.as_bytes());
    ResidentId::parse_on(&format!("{first17}{check}"), d("2025-01-01")).unwrap()
}

/// A household described by a few numbers, so that proptest can vary it.
#[derive(Debug, Clone)]
struct Spec {
    village: usize,
    ages: Vec<u8>,
    per_capita: i64,
    dropout: bool,
    house_c: bool,
    relocated: bool,
    status: u8,
    no_income: bool,
}

fn household(spec: &Spec) -> (Household, Vec<StatusEvent>) {
    let members: Vec<Member> = spec
        .ages
        .iter()
        .enumerate()
        .map(|(i, age)| Member {
            name: PersonName::parse("张三").unwrap(),
            resident_id: resident_id(2021 - i32::from(*age) - 1, i as u32 + 1),
            sex: Sex::Male,
            relationship: if i == 0 {
                Relationship::Head
            } else {
                Relationship::Son
            },
            ethnicity: "汉族".into(),
            education: None,
            schooling: (6..=15).contains(age).then_some(if spec.dropout {
                SchoolingStatus::Dropout
            } else {
                SchoolingStatus::Primary
            }),
            health: Health::Healthy,
            labour: (*age >= 16).then_some(LabourAbility::Ordinary),
            work_status: WorkStatus::NotMigrant,
            migrant_months: MigrantMonths::default(),
            medical_insurance: true,
            serious_illness_insurance: true,
            pension_insurance: true,
            social_assistance: SocialAssistance::NoAssistance,
        })
        .collect();
    let size = members.len() as i64;
    let incomes = if spec.no_income {
        vec![]
    } else {
        vec![IncomeRecord::new(2021).with(
            IncomeComponent::Wages,
            Yuan::from_yuan(spec.per_capita * size),
        )]
    };
    let h = Household {
        number: HouseholdNo::parse("5119020010010001").unwrap(),
        village: code(VILLAGES[spec.village % VILLAGES.len()]),
        natural_village: None,
        phone: None,
        standard: IdentificationStandard::National,
        attribute: None,
        main_cause: None,
        other_causes: vec![],
        planned_exit_year: None,
        housing: Housing {
            area_sqm: Some(80),
            grade: Some(if spec.house_c {
                HousingGrade::C
            } else {
                HousingGrade::A
            }),
            safe_alternative: None,
        },
        relocation: spec.relocated.then(|| Relocation {
            year: 2018,
            placement: RelocationPlacement::Centralised,
            site: "安置点".into(),
        }),
        water: Water {
            litres_per_person_day: Some(50),
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
        members,
        incomes,
    };
    let mut events = Vec::new();
    match spec.status % 4 {
        1 => {
            events.push(StatusEvent::new(
                StatusEventKind::Registered,
                d("2014-10-01"),
            ));
            events.push(StatusEvent::new(StatusEventKind::Exited, d("2019-11-01")));
        }
        2 => {
            events.push(StatusEvent::new(
                StatusEventKind::Registered,
                d("2014-10-01"),
            ));
            events.push(StatusEvent::new(StatusEventKind::Exited, d("2018-11-01")));
            let mut m = StatusEvent::new(StatusEventKind::Monitored, d("2021-03-01"));
            m.monitoring_kind = Some(MonitoringKind::Unstable);
            events.push(m);
        }
        3 => events.push(StatusEvent::new(
            StatusEventKind::Registered,
            d("2014-10-01"),
        )),
        _ => {}
    }
    (h, events)
}

fn spec(village: usize, per_capita: i64) -> Spec {
    Spec {
        village,
        ages: vec![45, 43, 12],
        per_capita,
        dropout: false,
        house_c: false,
        relocated: false,
        status: 0,
        no_income: false,
    }
}

fn build(specs: &[Spec]) -> (Engine, PolicyPack) {
    let items: Vec<(HouseholdId, Household, Vec<StatusEvent>)> = specs
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let (h, e) = household(s);
            (HouseholdId(i as i64 + 1), h, e)
        })
        .collect();
    let engine = Engine::build(&tree(), &items, 2021, d("2021-12-31"));
    (engine, PolicyPack::builtin())
}

#[test]
fn evaluates_and_rolls_up_every_level() {
    let specs = vec![
        spec(0, 5_000), // marginal: below 6,000
        spec(0, 9_000), // fine
        spec(1, 3_000), // marginal, below the line too
        Spec {
            status: 1,
            ..spec(2, 5_480)
        }, // exited 2019: unstable
        Spec {
            status: 1,
            ..spec(3, 3_500)
        }, // exited 2019, below 4,000 in 2021: unstable (no return to the registry from 2021)
    ];
    let (engine, pack) = build(&specs);
    let eval = engine.evaluate(&pack).unwrap();
    let total = eval.total();
    assert_eq!(total.households, 5);
    assert_eq!(total.people, 15);
    assert_eq!(total.proposals_of(ProposalKind::MonitoringCandidate), 4);
    assert_eq!(total.proposals_of(ProposalKind::ReturnToPoverty), 0);
    assert_eq!(total.exited_households, 2);
    let village = eval.rollup(&code("511902001001")).unwrap();
    assert_eq!(village.households, 2);
    assert_eq!(village.proposals_of(ProposalKind::MonitoringCandidate), 1);
    let township = eval.rollup(&code("511902001")).unwrap();
    assert_eq!(township.households, 3);
    let county = eval.rollup(&code("511902")).unwrap();
    assert_eq!(county.households, 4);
    assert_eq!(eval.rollup(&code("5119")).unwrap().households, 5);
    assert_eq!(eval.rollup(&code("51")).unwrap(), &total);
    assert_eq!(
        village.mean_per_capita_income(),
        Some(Yuan::from_yuan(7_000))
    );

    let records: Vec<_> = engine.proposals(&eval).collect();
    assert_eq!(records.len(), 4);
    let first = serde_json::to_value(&records[0]).unwrap();
    assert_eq!(first["kind"], "monitoring_candidate");
    assert!(first["proposal"]["explanations"][0]["text"]
        .as_str()
        .unwrap()
        .contains("边缘易致贫户"));
    let explained = engine.explain(&eval, HouseholdId(4)).unwrap();
    assert!(explained.proposals[0]
        .explanations
        .iter()
        .any(|e| e.text == "人均纯收入 5,480 元 < 2021 年监测线 6,000 元"));
    assert!(eval.pack_version.contains("全国默认"));
    assert!(engine.county_exit(&eval, &code("511902"), None).is_some());
}

#[test]
fn incremental_update_moves_and_removes() {
    let specs = vec![spec(0, 5_000), spec(1, 9_000), spec(3, 9_000)];
    let (mut engine, pack) = build(&specs);
    let mut eval = engine.evaluate(&pack).unwrap();
    // Household 2's income drops and it moves to another county.
    let (h, e) = household(&spec(3, 4_000));
    let change = engine
        .update_household(
            &mut eval,
            HouseholdInput::from((HouseholdId(2), &h, e.as_slice())),
        )
        .unwrap();
    assert!(!change
        .before
        .unwrap()
        .proposes(ProposalKind::MonitoringCandidate));
    assert!(change
        .after
        .unwrap()
        .proposes(ProposalKind::MonitoringCandidate));
    assert_eq!(eval.rollup(&code("511902001002")).unwrap().households, 0);
    assert_eq!(eval.rollup(&code("511903")).unwrap().households, 2);
    // A village not in the tree is added on the fly.
    let (mut h, e) = household(&spec(0, 4_000));
    h.village = code("511923001001");
    engine
        .update_household(
            &mut eval,
            HouseholdInput::from((HouseholdId(9), &h, e.as_slice())),
        )
        .unwrap();
    assert_eq!(eval.rollup(&code("511923")).unwrap().households, 1);
    engine.remove_household(&mut eval, HouseholdId(1)).unwrap();
    assert!(engine.remove_household(&mut eval, HouseholdId(1)).is_err());
    let fresh = engine.evaluate(&pack).unwrap();
    assert_same(&engine, &eval, &fresh);
}

#[test]
fn whatif_reports_flips_and_area_changes() {
    let specs = vec![spec(0, 6_200), spec(1, 9_000), spec(2, 5_000)];
    let (engine, pack) = build(&specs);
    // Raise Bazhong's 2021 monitoring threshold to 6,500.
    let mut sources: Vec<(String, String)> = PolicyPack::builtin_sources()
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    sources[2].1.push_str(
        "\n[[value]]\nparam = \"monitoring_threshold\"\nyears = 2021\nvalue = 6500\nreliability = \"assumed\"\nsource = \"试算\"\nderivation = \"what-if\"\n",
    );
    let edited = PolicyPack::from_sources(&sources).unwrap();
    let before = engine.evaluate(&pack).unwrap();
    let w = engine.whatif(&pack, &edited).unwrap();
    assert_eq!(w.flips.len(), 1);
    assert_eq!(w.flips[0].household, HouseholdId(1));
    assert_eq!(w.flips[0].added, vec![ProposalKind::MonitoringCandidate]);
    let village = w
        .areas
        .iter()
        .find(|a| a.area == code("511902001001"))
        .unwrap();
    assert!(village
        .changes
        .contains(&("proposals.monitoring_candidate".into(), 0, 1)));
    assert_eq!(w.areas.len(), 5, "village and its four ancestors");
    // Official results are untouched.
    assert_eq!(engine.evaluate(&pack).unwrap().total(), before.total());
}

#[test]
fn synthetic_engine_evaluates() {
    let engine = crate::synth::engine(3_000, 7, 2021, d("2021-12-31"));
    let eval = engine.evaluate(&PolicyPack::builtin()).unwrap();
    let total = eval.total();
    assert_eq!(total.households, 3_000);
    assert_eq!(total.people as usize, engine.members());
    assert!(total.proposals_of(ProposalKind::MonitoringCandidate) > 0);
    assert!(engine.heap_bytes() / engine.members() < 120);
}

fn assert_same(engine: &Engine, incremental: &Evaluation, full: &Evaluation) {
    for ((code, a), (_, b)) in incremental.rollups().zip(full.rollups()) {
        assert_eq!(a, b, "rollup of {code}");
    }
    for slot in 0..engine.columns().len() {
        if engine.columns().alive(slot) {
            assert_eq!(incremental.results[slot], full.results[slot]);
        }
    }
}

fn arb_spec() -> impl Strategy<Value = Spec> {
    (
        0..VILLAGES.len(),
        prop::collection::vec(0u8..80, 0..5),
        0i64..12_000,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0u8..4,
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(village, ages, per_capita, dropout, house_c, relocated, status, no_income)| Spec {
                village,
                ages,
                per_capita,
                dropout,
                house_c,
                relocated,
                status,
                no_income,
            },
        )
}

#[derive(Debug, Clone)]
enum Op {
    Upsert(i64, Spec),
    Remove(i64),
}

fn arb_op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1i64..16, arb_spec()).prop_map(|(id, s)| Op::Upsert(id, s)),
        1 => (1i64..16).prop_map(Op::Remove),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn incremental_rollups_equal_full_evaluation(
        initial in prop::collection::vec(arb_spec(), 0..10),
        ops in prop::collection::vec(arb_op(), 1..25),
    ) {
        let (mut engine, pack) = build(&initial);
        let mut eval = engine.evaluate(&pack).unwrap();
        for op in &ops {
            match op {
                Op::Upsert(id, s) => {
                    let (h, e) = household(s);
                    engine
                        .update_household(&mut eval, HouseholdInput::from((HouseholdId(*id), &h, e.as_slice())))
                        .unwrap();
                }
                Op::Remove(id) => {
                    let _ = engine.remove_household(&mut eval, HouseholdId(*id));
                }
            }
        }
        let full = engine.evaluate(&pack).unwrap();
        for ((code, a), (_, b)) in eval.rollups().zip(full.rollups()) {
            prop_assert_eq!(a, b, "rollup of {}", code);
        }
    }
}

#[test]
fn merged_villages_roll_up_into_their_successor() {
    let mut areas = tree();
    areas
        .apply(AreaChange {
            code: code(VILLAGES[1]),
            effective: d("2020-01-01"),
            kind: AreaChangeKind::Merged {
                into: code(VILLAGES[0]),
            },
        })
        .unwrap();
    let (h, e) = household(&spec(1, 9_000));
    let items = vec![(HouseholdId(1), h, e)];
    let engine = Engine::build(&areas, &items, 2021, d("2021-12-31"));
    let eval = engine.evaluate(&PolicyPack::builtin()).unwrap();
    assert_eq!(eval.rollup(&code(VILLAGES[0])).unwrap().households, 1);
    assert_eq!(eval.rollup(&code(VILLAGES[1])).unwrap().households, 0);
}

#[test]
fn registry_facts_are_counted_as_of_the_evaluated_year() {
    let pack = PolicyPack::builtin();
    let (mut h, mut events) = household(&Spec {
        relocated: true,
        status: 1,
        ..spec(0, 9_000)
    });
    h.members[1].social_assistance = SocialAssistance::Dibao;
    h.members[2].social_assistance = SocialAssistance::Tekun;
    // A child born in 2020 is not yet a member in 2017.
    let mut baby = h.members[2].clone();
    baby.resident_id = {
        let first17 = "51190220200301002";
        let check = resident_id::check_character(first17.as_bytes());
        ResidentId::parse_on(&format!("{first17}{check}"), d("2025-01-01")).unwrap()
    };
    baby.social_assistance = SocialAssistance::Dibao;
    h.members.push(baby);
    let mut eliminated = StatusEvent::new(StatusEventKind::Monitored, d("2021-03-01"));
    eliminated.monitoring_kind = Some(MonitoringKind::Unstable);
    events.push(eliminated);
    events.push(StatusEvent::new(
        StatusEventKind::RiskEliminated,
        d("2022-06-01"),
    ));
    let id = HouseholdId(1);
    let at = |year: u16| {
        let engine = Engine::build(
            &tree(),
            [(id, &h, events.as_slice())],
            year,
            d(&format!("{year}-12-31")),
        );
        let eval = engine.evaluate(&pack).unwrap();
        *eval.rollup(&code("5119")).unwrap()
    };
    let r2013 = at(2013);
    assert_eq!(
        (
            r2013.people,
            r2013.ever_registered_people,
            r2013.relocated_households
        ),
        (3, 0, 0)
    );
    assert_eq!((r2013.dibao_people, r2013.tekun_people), (1, 1));
    let r2019 = at(2019);
    assert_eq!(
        (
            r2019.people,
            r2019.ever_registered_people,
            r2019.exited_in_year_people
        ),
        (3, 3, 3)
    );
    assert_eq!((r2019.relocated_households, r2019.relocated_people), (1, 3));
    assert_eq!(r2019.dibao_ever_registered_people, 1);
    assert_eq!(r2019.risk_eliminated_people, 0);
    let r2023 = at(2023);
    assert_eq!(
        (
            r2023.people,
            r2023.dibao_people,
            r2023.dibao_ever_registered_people
        ),
        (4, 2, 2)
    );
    assert_eq!(
        (
            r2023.risk_eliminated_households,
            r2023.risk_eliminated_people
        ),
        (1, 4)
    );
    assert_eq!(r2023.exited_in_year_people, 0);
}

#[test]
fn outcomes_list_every_live_household_with_village_size_and_income() {
    let specs = vec![
        spec(0, 5_000),
        Spec {
            status: 1,
            ..spec(3, 3_500)
        },
    ];
    let (mut engine, pack) = build(&specs);
    let mut eval = engine.evaluate(&pack).unwrap();
    let outcomes: Vec<_> = engine.outcomes(&eval).collect();
    assert_eq!(outcomes.len(), 2);
    assert_eq!(outcomes[0].village, code(VILLAGES[0]));
    assert_eq!(outcomes[0].size, 3);
    assert_eq!(
        outcomes[0].assessment.per_capita(),
        Some(Yuan::from_yuan(5_000))
    );
    assert_eq!(outcomes[1].registry, jingzhun_policy::RegistryState::Exited);
    let people: i64 = outcomes.iter().map(|o| i64::from(o.size)).sum();
    assert_eq!(people, eval.total().people);
    engine.remove_household(&mut eval, HouseholdId(1)).unwrap();
    assert_eq!(
        engine.outcomes(&eval).count(),
        1,
        "removed households are left out"
    );
}
