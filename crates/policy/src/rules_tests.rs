//! Table-driven tests of the rules, with hand-made households and the boundaries of every comparison.

use chrono::NaiveDate;
use jingzhun_core::{
    AreaCode, Education, Health, HousingGrade, IncomeComponent, LabourAbility, MonitoringKind,
    RiskType, SafeHousingAlternative, SchoolingStatus, Yuan,
};

use crate::rules::*;
use crate::{EffectiveParams, ParamValue, PolicyPack, Rate};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn adult() -> MemberFacts {
    MemberFacts {
        age: 40,
        school_age: 40,
        schooling: None,
        education: None,
        health: Health::Healthy,
        labour: Some(LabourAbility::Ordinary),
        medical_insurance: true,
    }
}

fn child(age: u8, schooling: Option<SchoolingStatus>) -> MemberFacts {
    MemberFacts {
        age,
        school_age: age,
        schooling,
        labour: None,
        ..adult()
    }
}

/// A household of three adults whose every guarantee is met, with the given per-capita wages.
fn base(year: u16, per_capita_yuan: i64) -> OwnedFacts {
    let mut income = [Yuan::ZERO; IncomeComponent::COUNT];
    income[usize::from(IncomeComponent::Wages.index())] = Yuan::from_yuan(per_capita_yuan * 3);
    OwnedFacts {
        members: vec![adult(), adult(), adult()],
        year,
        as_of: d(&format!("{year}-12-31")),
        income: Some(income),
        food_clothing_secured: true,
        housing: HousingFacts {
            grade: Some(HousingGrade::B),
            alternative: None,
            relocated: false,
        },
        water: WaterFacts {
            litres_per_person_day: Some(40),
            fetch_minutes: None,
            outage_days_per_year: Some(0),
            quality_ok: Some(true),
            dry_area: false,
        },
        status: StatusFacts::NOT_REGISTERED,
        department: DepartmentFacts::default(),
    }
}

fn poor(f: &mut OwnedFacts) {
    f.status.registry = RegistryState::Poor;
    f.status.registry_since = Some(d("2014-10-01"));
}

fn exited_on(f: &mut OwnedFacts, date: &str) {
    f.status.registry = RegistryState::Exited;
    f.status.registry_since = Some(d(date));
}

fn monitored(f: &mut OwnedFacts, since: &str) {
    f.status.monitoring = Some(MonitoringKind::Unstable);
    f.status.monitored_since = Some(d(since));
    f.department.measures = 1;
}

fn params(year: u16) -> EffectiveParams {
    // A Bazhong village: national → Sichuan → Bazhong layers all apply.
    PolicyPack::builtin()
        .effective(year, Some(&AreaCode::parse("511902001001").unwrap()))
        .unwrap()
}

use ProposalKind::*;

struct Case {
    name: &'static str,
    year: u16,
    per_capita: i64,
    edit: fn(&mut OwnedFacts),
    proposals: &'static [ProposalKind],
    failed: &'static [Guarantee],
}

const CASES: &[Case] = &[
    // ---- poverty line, strict comparison (2019 line: 3,218) --------------------------------------
    Case {
        name: "exactly at the line is not poor",
        year: 2019,
        per_capita: 3218,
        edit: |_| {},
        proposals: &[],
        failed: &[],
    },
    Case {
        name: "one yuan below the line: register, omission",
        year: 2019,
        per_capita: 3217,
        edit: |_| {},
        proposals: &[ShouldRegister, OmissionSuspect],
        failed: &[],
    },
    Case {
        name: "removed household below the line: register, not omission",
        year: 2019,
        per_capita: 3000,
        edit: |f| {
            f.status.registry = RegistryState::Removed;
            f.status.registry_since = Some(d("2017-01-01"));
        },
        proposals: &[ShouldRegister],
        failed: &[],
    },
    Case {
        name: "guarantee unmet above the line: 三保障问题, not a registration",
        year: 2019,
        per_capita: 9000,
        edit: |f| f.food_clothing_secured = false,
        proposals: &[GuaranteeIssue],
        failed: &[Guarantee::FoodClothing],
    },
    Case {
        name: "guarantee unmet exactly at the line: 三保障问题, not a registration",
        year: 2019,
        per_capita: 3218,
        edit: |f| f.food_clothing_secured = false,
        proposals: &[GuaranteeIssue],
        failed: &[Guarantee::FoodClothing],
    },
    Case {
        name: "guarantee unmet one yuan below the line: register, omission",
        year: 2019,
        per_capita: 3217,
        edit: |f| f.food_clothing_secured = false,
        proposals: &[ShouldRegister, OmissionSuspect],
        failed: &[Guarantee::FoodClothing],
    },
    Case {
        name: "registered poor with a guarantee unmet: no 三保障问题 (supported as poor)",
        year: 2019,
        per_capita: 9000,
        edit: |f| {
            poor(f);
            f.food_clothing_secured = false;
        },
        proposals: &[],
        failed: &[Guarantee::FoodClothing],
    },
    // ---- compulsory education: 文化程度 (2019) ------------------------------------------------
    Case {
        name: "15-year-old out of school who finished junior middle school: not a dropout",
        year: 2019,
        per_capita: 9000,
        edit: |f| {
            let mut c = child(15, Some(SchoolingStatus::NotInSchool));
            c.education = Some(Education::Junior);
            f.members.push(c);
        },
        proposals: &[],
        failed: &[],
    },
    Case {
        name: "15-year-old out of school with primary schooling only: dropout",
        year: 2019,
        per_capita: 9000,
        edit: |f| {
            let mut c = child(15, Some(SchoolingStatus::Dropout));
            c.education = Some(Education::Primary);
            f.members.push(c);
        },
        proposals: &[GuaranteeIssue],
        failed: &[Guarantee::Education],
    },
    Case {
        name: "16-year-old out of school: past compulsory age",
        year: 2019,
        per_capita: 9000,
        edit: |f| {
            f.members
                .push(child(16, Some(SchoolingStatus::NotInSchool)))
        },
        proposals: &[],
        failed: &[],
    },
    Case {
        name: "registration closed after 2020",
        year: 2021,
        per_capita: 3000,
        edit: |_| {},
        proposals: &[MonitoringCandidate],
        failed: &[],
    },
    Case {
        name: "income unknown: no income proposals",
        year: 2019,
        per_capita: 0,
        edit: |f| f.income = None,
        proposals: &[],
        failed: &[],
    },
    // ---- household exit ------------------------------------------------------------------------
    Case {
        name: "poor at the line with guarantees met: exit",
        year: 2019,
        per_capita: 3218,
        edit: poor,
        proposals: &[MeetsExit],
        failed: &[],
    },
    Case {
        name: "poor below the line: no exit",
        year: 2019,
        per_capita: 3217,
        edit: poor,
        proposals: &[],
        failed: &[],
    },
    Case {
        name: "poor in a C-grade house: no exit",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.housing.grade = Some(HousingGrade::C);
        },
        proposals: &[],
        failed: &[Guarantee::Housing],
    },
    Case {
        name: "relocation counts as safe housing",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.housing.grade = Some(HousingGrade::D);
            f.housing.relocated = true;
        },
        proposals: &[MeetsExit],
        failed: &[],
    },
    Case {
        name: "long-term rental counts as safe housing",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.housing.grade = None;
            f.housing.alternative = Some(SafeHousingAlternative::LongTermRental);
        },
        proposals: &[MeetsExit],
        failed: &[],
    },
    Case {
        name: "unappraised house fails",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.housing.grade = None;
        },
        proposals: &[],
        failed: &[Guarantee::Housing],
    },
    // ---- compulsory education --------------------------------------------------------------------
    Case {
        name: "child out of school for health reasons keeps the guarantee",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.members
                .push(child(12, Some(SchoolingStatus::SuspendedIllness)));
        },
        proposals: &[MeetsExit],
        failed: &[],
    },
    Case {
        name: "home teaching counts as attending",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.members
                .push(child(9, Some(SchoolingStatus::HomeTeaching)));
        },
        proposals: &[MeetsExit],
        failed: &[],
    },
    Case {
        name: "dropout at 15 breaks the guarantee",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.members.push(child(15, Some(SchoolingStatus::Dropout)));
        },
        proposals: &[],
        failed: &[Guarantee::Education],
    },
    Case {
        name: "dropout at 16 is past compulsory age",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.members.push(child(16, Some(SchoolingStatus::Dropout)));
        },
        proposals: &[MeetsExit],
        failed: &[],
    },
    Case {
        name: "compulsory-age child without a status fails",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.members.push(child(6, None));
        },
        proposals: &[],
        failed: &[Guarantee::Education],
    },
    Case {
        name: "five-year-old in preschool is fine",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.members.push(child(5, Some(SchoolingStatus::Preschool)));
        },
        proposals: &[MeetsExit],
        failed: &[],
    },
    // ---- medical -------------------------------------------------------------------------------
    Case {
        name: "one member uninsured",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.members[2].medical_insurance = false;
        },
        proposals: &[],
        failed: &[Guarantee::Medical],
    },
    // ---- water ---------------------------------------------------------------------------------
    Case {
        name: "35 litres is enough",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.water.litres_per_person_day = Some(35);
        },
        proposals: &[MeetsExit],
        failed: &[],
    },
    Case {
        name: "34 litres is not",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.water.litres_per_person_day = Some(34);
        },
        proposals: &[],
        failed: &[Guarantee::Water],
    },
    Case {
        name: "20 litres is enough in a dry area",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.water.litres_per_person_day = Some(20);
            f.water.dry_area = true;
        },
        proposals: &[MeetsExit],
        failed: &[],
    },
    Case {
        name: "20-minute trip is fine, 21 is not",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.water.fetch_minutes = Some(21);
        },
        proposals: &[],
        failed: &[Guarantee::Water],
    },
    Case {
        name: "36 outage days is fine",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.water.fetch_minutes = Some(20);
            f.water.outage_days_per_year = Some(36);
        },
        proposals: &[MeetsExit],
        failed: &[],
    },
    Case {
        name: "37 outage days is not",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.water.outage_days_per_year = Some(37);
        },
        proposals: &[],
        failed: &[Guarantee::Water],
    },
    Case {
        name: "untested water quality fails",
        year: 2019,
        per_capita: 5000,
        edit: |f| {
            poor(f);
            f.water.quality_ok = None;
        },
        proposals: &[],
        failed: &[Guarantee::Water],
    },
    // ---- wrong exit and return -------------------------------------------------------------------
    Case {
        name: "exited this year below the line: wrong exit",
        year: 2019,
        per_capita: 3000,
        edit: |f| exited_on(f, "2019-11-30"),
        proposals: &[WrongExitSuspect],
        failed: &[],
    },
    Case {
        name: "exited earlier, now below the line: return",
        year: 2019,
        per_capita: 3000,
        edit: |f| exited_on(f, "2017-11-30"),
        proposals: &[ReturnToPoverty],
        failed: &[],
    },
    Case {
        name: "exited after the evaluated year: nothing",
        year: 2019,
        per_capita: 3000,
        edit: |f| exited_on(f, "2020-06-30"),
        proposals: &[],
        failed: &[],
    },
    Case {
        name: "exited, at the line: nothing",
        year: 2019,
        per_capita: 3218,
        edit: |f| exited_on(f, "2019-11-30"),
        proposals: &[],
        failed: &[],
    },
    // ---- monitoring (2021 threshold 6,000; 2020 line kept: 4,000) ---------------------------------
    Case {
        name: "exited household below the threshold: unstable",
        year: 2021,
        per_capita: 5480,
        edit: |f| exited_on(f, "2019-11-30"),
        proposals: &[MonitoringCandidate],
        failed: &[],
    },
    Case {
        name: "exited household below the line from 2021: a monitoring object, not a return",
        year: 2021,
        per_capita: 3900,
        edit: |f| exited_on(f, "2019-11-30"),
        proposals: &[MonitoringCandidate],
        failed: &[],
    },
    Case {
        name: "exited household below the line in 2020: return (registration still open)",
        year: 2020,
        per_capita: 3999,
        edit: |f| exited_on(f, "2017-11-30"),
        proposals: &[MonitoringCandidate, ReturnToPoverty],
        failed: &[],
    },
    Case {
        name: "ordinary household just below the threshold: marginal",
        year: 2021,
        per_capita: 5999,
        edit: |_| {},
        proposals: &[MonitoringCandidate],
        failed: &[],
    },
    Case {
        name: "exactly at the threshold: not monitored",
        year: 2021,
        per_capita: 6000,
        edit: |_| {},
        proposals: &[],
        failed: &[],
    },
    Case {
        name: "inpatient cost at 20,000 for an ordinary household: sudden hardship",
        year: 2021,
        per_capita: 9000,
        edit: |f| f.department.medical_inpatient_oop = Yuan::from_yuan(20_000),
        proposals: &[MonitoringCandidate],
        failed: &[],
    },
    Case {
        name: "inpatient cost 19,999 for an ordinary household: nothing",
        year: 2021,
        per_capita: 9000,
        edit: |f| f.department.medical_inpatient_oop = Yuan::from_yuan(19_999),
        proposals: &[],
        failed: &[],
    },
    Case {
        name: "inpatient cost 5,000 for an exited household: sudden hardship",
        year: 2021,
        per_capita: 9000,
        edit: |f| {
            exited_on(f, "2019-11-30");
            f.department.medical_inpatient_oop = Yuan::from_yuan(5_000);
        },
        proposals: &[MonitoringCandidate],
        failed: &[],
    },
    Case {
        name: "education cost of exactly 10,000 is no alert",
        year: 2021,
        per_capita: 9000,
        edit: |f| f.department.education_oop = Yuan::from_yuan(10_000),
        proposals: &[],
        failed: &[],
    },
    Case {
        name: "education cost above 10,000 is",
        year: 2021,
        per_capita: 9000,
        edit: |f| f.department.education_oop = Yuan::from_yuan(10_001),
        proposals: &[MonitoringCandidate],
        failed: &[],
    },
    Case {
        name: "already monitored: no new monitoring proposal",
        year: 2021,
        per_capita: 5000,
        edit: |f| monitored(f, "2021-03-01"),
        proposals: &[],
        failed: &[],
    },
    Case {
        name: "no monitoring before 2020",
        year: 2019,
        per_capita: 5000,
        edit: |_| {},
        proposals: &[],
        failed: &[],
    },
    // ---- risk elimination ------------------------------------------------------------------------
    Case {
        name: "stable income, 6 months, one measure: eliminate",
        year: 2021,
        per_capita: 7000,
        edit: |f| monitored(f, "2021-06-30"),
        proposals: &[RiskElimination],
        failed: &[],
    },
    Case {
        name: "exactly at the threshold counts as above",
        year: 2021,
        per_capita: 6000,
        edit: |f| monitored(f, "2021-06-30"),
        proposals: &[RiskElimination],
        failed: &[],
    },
    Case {
        name: "5 months monitored: not yet",
        year: 2021,
        per_capita: 7000,
        edit: |f| monitored(f, "2021-07-01"),
        proposals: &[],
        failed: &[],
    },
    Case {
        name: "no assistance measure: not yet",
        year: 2021,
        per_capita: 7000,
        edit: |f| {
            monitored(f, "2021-01-01");
            f.department.measures = 0;
        },
        proposals: &[],
        failed: &[],
    },
    Case {
        name: "no one can work: stays monitored",
        year: 2021,
        per_capita: 7000,
        edit: |f| {
            monitored(f, "2021-01-01");
            for m in &mut f.members {
                m.labour = Some(LabourAbility::Lost);
            }
        },
        proposals: &[],
        failed: &[],
    },
    Case {
        name: "weak labour counts as able to work",
        year: 2021,
        per_capita: 7000,
        edit: |f| {
            monitored(f, "2021-01-01");
            for m in &mut f.members {
                m.labour = Some(LabourAbility::Lost);
            }
            f.members[0].labour = Some(LabourAbility::Weak);
        },
        proposals: &[RiskElimination],
        failed: &[],
    },
    Case {
        name: "below the threshold: not yet",
        year: 2021,
        per_capita: 5999,
        edit: |f| monitored(f, "2021-01-01"),
        proposals: &[],
        failed: &[],
    },
];

#[test]
fn rules_table() {
    for case in CASES {
        let mut facts = base(case.year, case.per_capita);
        (case.edit)(&mut facts);
        let eff = params(case.year);
        let a = assess(&facts.view(), &eff.params);
        let got: Vec<ProposalKind> = a.proposals().collect();
        let mut want = case.proposals.to_vec();
        want.sort_by_key(|k| k.index());
        assert_eq!(got, want, "{}: proposals", case.name);
        let failed: Vec<Guarantee> = Guarantee::ALL
            .iter()
            .copied()
            .filter(|g| a.failed(*g))
            .collect();
        assert_eq!(failed, case.failed, "{}: failed guarantees", case.name);

        // The explaining path agrees with the compact one, and every proposal has reasons.
        let full = explain(&facts.view(), &eff);
        let kinds: Vec<ProposalKind> = full.proposals.iter().map(|p| p.kind).collect();
        assert_eq!(kinds, want, "{}: explained proposals", case.name);
        for p in &full.proposals {
            assert!(
                !p.explanations.is_empty(),
                "{}: {:?} unexplained",
                case.name,
                p.kind
            );
        }
        for g in &full.guarantees {
            assert_eq!(g.met, !case.failed.contains(&g.guarantee), "{}", case.name);
            assert!(!g.explanation.text.is_empty(), "{}", case.name);
        }
        serde_json::to_string(&full).unwrap();
    }
}

#[test]
fn explanations_name_values_operator_and_parameter() {
    let mut facts = base(2021, 5480);
    exited_on(&mut facts, "2019-11-30");
    let eff = params(2021);
    let full = explain(&facts.view(), &eff);
    let p = &full.proposals[0];
    assert_eq!(p.kind, MonitoringCandidate);
    assert_eq!(p.monitoring_kind, Some(MonitoringKind::Unstable));
    let e = p
        .explanations
        .iter()
        .find(|e| e.rule == "income.below_monitoring")
        .unwrap();
    assert_eq!(e.text, "人均纯收入 5,480 元 < 2021 年监测线 6,000 元");
    let c = e.comparison.as_ref().unwrap();
    assert_eq!(c.param, "monitoring_threshold");
    assert_eq!(c.reliability, "official");
    let json = serde_json::to_value(e).unwrap();
    assert_eq!(json["comparison"]["op"], "<");
    assert_eq!(json["comparison"]["value"]["unit"], "yuan");
    assert_eq!(full.per_capita_income, Some(Yuan::from_yuan(5480)));
}

#[test]
fn deciding_member_is_named() {
    let mut facts = base(2019, 5000);
    facts
        .members
        .push(child(11, Some(SchoolingStatus::Primary)));
    facts
        .members
        .push(child(13, Some(SchoolingStatus::Dropout)));
    let full = explain(&facts.view(), &params(2019));
    let edu = &full.guarantees[Guarantee::Education.index() as usize];
    assert!(!edu.met);
    assert_eq!(edu.explanation.member, Some(4));
    assert!(
        edu.explanation.text.contains("第 5 名成员入学年龄 13 岁"),
        "{}",
        edu.explanation.text
    );
    assert!(edu.explanation.text.contains("辍学"));
}

#[test]
fn net_income_counts_only_the_packs_components() {
    // Bazhong's layer does not count 其他转移性收入 from 2021.
    let mut facts = base(2021, 0);
    let mut income = [Yuan::ZERO; IncomeComponent::COUNT];
    income[usize::from(IncomeComponent::Wages.index())] = Yuan::from_yuan(18_000);
    income[usize::from(IncomeComponent::OtherTransfer.index())] = Yuan::from_yuan(3_000);
    income[usize::from(IncomeComponent::ProductionCosts.index())] = Yuan::from_yuan(1_500);
    facts.income = Some(income);
    let bazhong = assess(&facts.view(), &params(2021).params);
    assert_eq!(bazhong.per_capita(), Some(Yuan::from_yuan(5_500)));
    assert!(bazhong.proposes(MonitoringCandidate));
    let national = PolicyPack::builtin().effective(2021, None).unwrap();
    let elsewhere = assess(&facts.view(), &national.params);
    assert_eq!(elsewhere.per_capita(), Some(Yuan::from_yuan(6_500)));
    assert!(!elsewhere.proposes(MonitoringCandidate));
}

#[test]
fn monitoring_risk_types_and_elimination_reasons() {
    let mut facts = base(2021, 5000);
    facts.members[0].health = Health::SeriousIllness;
    facts.housing.grade = Some(HousingGrade::D);
    let a = assess(&facts.view(), &params(2021).params);
    assert_eq!(a.monitoring_kind, Some(MonitoringKind::Marginal));
    assert_eq!(a.risk_types(), vec![RiskType::Illness, RiskType::Housing]);

    let mut facts = base(2021, 7000);
    monitored(&mut facts, "2021-01-01");
    for m in &mut facts.members {
        m.labour = Some(LabourAbility::NoLabour);
    }
    let full = explain(&facts.view(), &params(2021));
    let elim = full.elimination.unwrap();
    assert!(!elim.eligible);
    let failing: Vec<&str> = elim
        .conditions
        .iter()
        .filter(|c| !c.holds)
        .map(|c| c.rule)
        .collect();
    assert_eq!(failing, vec!["elimination.no_labour"]);
    assert!(elim.conditions.iter().any(|c| c.text.contains("继续监测")));
}

#[test]
fn village_and_county_exit_are_strict() {
    let eff = params(2019); // Sichuan: 3%
    let at = AreaCounts {
        population: 100,
        poor_people: 3,
        ..Default::default()
    };
    assert_eq!(village_exit(&at, &eff).meets, Some(false));
    let below = AreaCounts {
        poor_people: 2,
        ..at
    };
    let v = village_exit(&below, &eff);
    assert_eq!(v.meets, Some(true));
    assert_eq!(v.incidence, Some(Rate::percent(2)));
    assert!(
        v.conditions[0]
            .text
            .contains("2% < 2019 年贫困村退出贫困发生率上限 3%"),
        "{}",
        v.conditions[0].text
    );

    let county = AreaCounts {
        population: 10_000,
        poor_people: 200,
        exited_people: 1_000,
        wrong_exit_people: 19,
        non_registered_people: 8_000,
        omission_people: 160,
        approval: None,
    };
    // Omission exactly 2%: fails.
    let c = county_exit(&county, &eff);
    assert_eq!(c.meets, Some(false));
    let ok = AreaCounts {
        omission_people: 159,
        ..county
    };
    assert_eq!(county_exit(&ok, &eff).meets, None, "approval unknown");
    let surveyed = AreaCounts {
        approval: Some(Rate(9_500)),
        ..ok
    };
    assert_eq!(county_exit(&surveyed, &eff).meets, Some(true));
    let national = PolicyPack::builtin().effective(2019, None).unwrap();
    assert_eq!(
        county_exit(&surveyed, &national).meets,
        Some(false),
        "2% is not < 2%"
    );
    let fewer = AreaCounts {
        poor_people: 199,
        ..surveyed
    };
    assert_eq!(county_exit(&fewer, &national).meets, Some(true));
    let poorer = AreaCounts {
        poor_people: 250,
        ..surveyed
    };
    assert_eq!(
        county_exit(&poorer, &national).meets,
        Some(false),
        "2.5% ≥ 2%"
    );
    assert_eq!(
        county_exit(&poorer, &eff).meets,
        Some(true),
        "2.5% < 3% west"
    );
}

#[test]
fn compulsory_age_is_taken_on_the_enrolment_cutoff() {
    assert_eq!(school_year_cutoff(d("2021-12-31")), d("2021-08-31"));
    assert_eq!(school_year_cutoff(d("2021-08-31")), d("2021-08-31"));
    assert_eq!(school_year_cutoff(d("2021-08-30")), d("2020-08-31"));
    // Born 2015-10-01: 6 on 2021-12-31, but 5 on the cutoff, so still in kindergarten.
    let mut facts = base(2021, 9_000);
    facts.members.push(MemberFacts {
        age: 6,
        school_age: 5,
        ..child(6, Some(SchoolingStatus::Preschool))
    });
    let a = assess(&facts.view(), &params(2021).params);
    assert!(!a.failed(Guarantee::Education));
}

#[test]
fn months_between_counts_whole_months() {
    assert_eq!(months_between(d("2021-06-30"), d("2021-12-31")), 6);
    assert_eq!(months_between(d("2021-07-01"), d("2021-12-31")), 5);
    assert_eq!(months_between(d("2021-12-31"), d("2021-01-01")), 0);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn arb_member() -> impl Strategy<Value = MemberFacts> {
        (
            0u8..90,
            prop::option::of(prop::sample::select(SchoolingStatus::ALL)),
            prop::sample::select(Health::ALL),
            prop::option::of(prop::sample::select(LabourAbility::ALL)),
            prop::bool::weighted(0.95),
        )
            .prop_map(
                |(age, schooling, health, labour, medical_insurance)| MemberFacts {
                    age,
                    school_age: age.saturating_sub(1),
                    schooling,
                    education: None,
                    health,
                    labour,
                    medical_insurance,
                },
            )
    }

    fn arb_facts() -> impl Strategy<Value = OwnedFacts> {
        (
            prop::collection::vec(arb_member(), 0..6),
            prop::option::of(-5_000i64..60_000),
            0u8..4,
            prop::option::of(0u8..4),
            (any::<bool>(), prop::option::of(0u16..80), any::<bool>()),
            (0i64..30_000, 0u16..3, any::<bool>()),
            prop::sample::select(vec![2019u16, 2020, 2021, 2023]),
        )
            .prop_map(
                |(
                    members,
                    income,
                    registry,
                    monitoring,
                    (food, litres, relocated),
                    (med, measures, disaster),
                    year,
                )| {
                    let mut f = base(year, 0);
                    let n = members.len().max(1) as i64;
                    f.members = members;
                    f.income = income.map(|pc| {
                        let mut a = [Yuan::ZERO; IncomeComponent::COUNT];
                        a[usize::from(IncomeComponent::Wages.index())] = Yuan::from_yuan(pc * n);
                        a
                    });
                    f.food_clothing_secured = food;
                    f.water.litres_per_person_day = litres;
                    f.housing.relocated = relocated;
                    f.housing.grade = Some(HousingGrade::C);
                    f.status.registry = [
                        RegistryState::NotRegistered,
                        RegistryState::Poor,
                        RegistryState::Exited,
                        RegistryState::Removed,
                    ][usize::from(registry)];
                    f.status.registry_since = Some(d("2018-06-30"));
                    if let Some(k) = monitoring.and_then(|k| MonitoringKind::from_index(k % 3)) {
                        f.status.monitoring = Some(k);
                        f.status.monitored_since = Some(d(&format!("{year}-01-15")));
                    }
                    f.department.medical_inpatient_oop = Yuan::from_yuan(med);
                    f.department.measures = measures;
                    f.department.disaster = disaster;
                    f
                },
            )
    }

    proptest! {
        /// The explaining path and the engine's compact path never disagree, every outcome is explained,
        /// and the poverty test is the strict comparison of the per-capita income with the line.
        #[test]
        fn explanations_agree_with_assessments(facts in arb_facts()) {
            let eff = params(facts.year);
            let a = assess(&facts.view(), &eff.params);
            let full = explain(&facts.view(), &eff);
            let kinds: Vec<ProposalKind> = full.proposals.iter().map(|p| p.kind).collect();
            prop_assert_eq!(kinds, a.proposals().collect::<Vec<_>>());
            for p in &full.proposals {
                prop_assert!(!p.explanations.is_empty());
            }
            for g in &full.guarantees {
                prop_assert_eq!(g.met, !a.failed(g.guarantee));
                prop_assert!(!g.explanation.text.is_empty());
            }
            prop_assert_eq!(full.per_capita_income, a.per_capita());
            if let Some(pc) = a.per_capita() {
                prop_assert_eq!(a.has(flag::BELOW_LINE), pc < eff.params.poverty_line);
            }
            prop_assert_eq!(full.elimination.is_some(), facts.status.monitoring.is_some());
            serde_json::to_string(&full).unwrap();
        }

        /// Every explanation has a Chinese and an English sentence rendered from the same reason: the
        /// Chinese one is its `text`, the English one has no Chinese characters and states the same numbers.
        #[test]
        fn every_explanation_has_both_languages(facts in arb_facts()) {
            let eff = params(facts.year);
            let full = explain(&facts.view(), &eff);
            for e in all_explanations(&full) {
                prop_assert_eq!(&e.text, &e.reason.zh());
                let en = e.text_en();
                prop_assert!(!en.is_empty(), "{} has no English", e.rule);
                prop_assert!(!has_cjk(&en), "{}: {}", e.rule, en);
                if let Some(c) = &e.comparison {
                    if let ParamValue::Yuan(y) = c.value {
                        prop_assert!(en.contains(&y.to_string()), "{}", en);
                    }
                    prop_assert!(en.contains(c.op.symbol()), "{}", en);
                }
            }
        }
    }
}

fn all_explanations(full: &HouseholdEvaluation) -> Vec<&Explanation> {
    let mut v: Vec<&Explanation> = full.income.iter().collect();
    v.extend(full.guarantees.iter().map(|g| &g.explanation));
    v.extend(full.proposals.iter().flat_map(|p| p.explanations.iter()));
    if let Some(e) = &full.elimination {
        v.extend(e.conditions.iter());
    }
    v
}

fn has_cjk(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// Every rule code the rules can produce, reached by hand-made households and area counts, renders in both
/// languages (a rule added without being reachable here fails the list below).
#[test]
fn every_rule_renders_in_chinese_and_english() {
    use std::collections::BTreeMap;
    let mut seen: BTreeMap<&'static str, (String, String)> = BTreeMap::new();
    let mut note = |e: &Explanation| {
        assert_eq!(e.text, e.reason.zh(), "{}", e.rule);
        let en = e.text_en();
        assert!(!en.is_empty() && !has_cjk(&en), "{}: {en}", e.rule);
        seen.insert(e.rule, (e.text.clone(), en));
    };
    let y = 2021;
    let eff = params(y);
    let mut cases: Vec<OwnedFacts> = Vec::new();
    cases.push(base(y, 1000));
    let mut f = base(y, 1000);
    f.members.push(child(10, Some(SchoolingStatus::Dropout)));
    f.members[0].medical_insurance = false;
    f.housing.grade = Some(HousingGrade::D);
    f.water.litres_per_person_day = None;
    f.food_clothing_secured = false;
    cases.push(f);
    let mut f = base(y, 1000);
    f.income = None;
    exited_on(&mut f, "2021-06-01");
    cases.push(f);
    let mut f = base(y, 50_000);
    monitored(&mut f, "2019-01-01");
    f.members = vec![MemberFacts {
        labour: Some(LabourAbility::NoLabour),
        ..adult()
    }];
    f.department.disaster = true;
    f.department.accident = true;
    f.department.job_loss = true;
    f.department.medical_inpatient_oop = Yuan::from_yuan(1_000_000);
    f.department.outpatient_monthly_oop = Yuan::from_yuan(100_000);
    f.department.education_oop = Yuan::from_yuan(100_000);
    cases.push(f);
    let mut f = base(y, 1000);
    poor(&mut f);
    cases.push(f);
    let mut f = base(y, 50_000);
    poor(&mut f);
    cases.push(f);
    let mut f = base(y, 1000);
    monitored(&mut f, "2021-01-01");
    f.income = None;
    cases.push(f);
    // Registration-era rules (registration is closed after 2020).
    let mut early = vec![base(2019, 1000)];
    let mut f = base(2019, 1000);
    exited_on(&mut f, "2019-06-01");
    early.push(f);
    for f in &early {
        let full = explain(&f.view(), &params(2019));
        for e in all_explanations(&full) {
            note(e);
        }
    }
    for f in &cases {
        let full = explain(&f.view(), &eff);
        for e in all_explanations(&full) {
            note(e);
        }
    }
    let counts = AreaCounts {
        population: 100,
        poor_people: 1,
        exited_people: 10,
        wrong_exit_people: 1,
        non_registered_people: 0,
        omission_people: 0,
        approval: None,
    };
    for e in village_exit(&counts, &eff)
        .conditions
        .iter()
        .chain(county_exit(&counts, &eff).conditions.iter())
        .chain(
            county_exit(
                &AreaCounts {
                    approval: Some(Rate(9500)),
                    ..counts
                },
                &eff,
            )
            .conditions
            .iter(),
        )
    {
        note(e);
    }
    let expected = [
        "alert.accident",
        "alert.disaster",
        "alert.education",
        "alert.job_loss",
        "alert.medical_inpatient",
        "alert.outpatient",
        "county.approval",
        "county.incidence",
        "county.omission_rate",
        "county.wrong_exit_rate",
        "elimination.guarantees",
        "elimination.income",
        "elimination.measures",
        "elimination.months_monitored",
        "elimination.new_risk",
        "elimination.no_labour",
        "guarantee.all_met",
        "guarantee.education",
        "guarantee.food_clothing",
        "guarantee.housing",
        "guarantee.medical",
        "guarantee.unmet",
        "guarantee.water",
        "income.below_line",
        "income.below_monitoring",
        "income.per_capita",
        "income.unknown",
        "monitoring.kind",
        "status.exited",
        "status.not_registered",
        "village.incidence",
    ];
    let missing: Vec<&&str> = expected
        .iter()
        .filter(|r| !seen.contains_key(**r))
        .collect();
    assert!(missing.is_empty(), "rules not reached: {missing:?}");
    let (zh, en) = &seen["income.below_line"];
    assert!(zh.contains("贫困线"), "{zh}");
    assert!(en.contains("poverty line") && en.contains("yuan"), "{en}");
    let (_, en) = &seen["county.omission_rate"];
    assert!(en.contains("denominator is 0"), "{en}");
}

/// The inpatient-cost alert: the lower threshold (5,000) for 脱贫户 (registered or exited) and 监测对象,
/// the higher (20,000) for 一般农户, each at its boundary. The department comparison uses the same test
/// ([`StatusFacts::lower_inpatient_threshold`]).
#[test]
fn inpatient_alert_thresholds_by_status() {
    let ordinary = |_: &mut OwnedFacts| {};
    let exited = |f: &mut OwnedFacts| exited_on(f, "2019-11-30");
    let registered = |f: &mut OwnedFacts| poor(f);
    let watched = |f: &mut OwnedFacts| {
        f.status.monitoring = Some(MonitoringKind::Marginal);
        f.status.monitored_since = Some(d("2021-03-01"));
    };
    // (status, how the household gets it, inpatient cost in yuan, alert expected)
    type Row = (&'static str, fn(&mut OwnedFacts), i64, bool);
    let table: &[Row] = &[
        ("一般农户", ordinary, 19_999, false),
        ("一般农户", ordinary, 20_000, true),
        ("一般农户", ordinary, 5_000, false),
        ("脱贫户", exited, 4_999, false),
        ("脱贫户", exited, 5_000, true),
        ("建档立卡贫困户", registered, 4_999, false),
        ("建档立卡贫困户", registered, 5_000, true),
        ("监测对象(一般农户)", watched, 4_999, false),
        ("监测对象(一般农户)", watched, 5_000, true),
    ];
    for (who, edit, cost, alert) in table {
        let mut f = base(2021, 9000);
        edit(&mut f);
        f.department.medical_inpatient_oop = Yuan::from_yuan(*cost);
        let a = assess(&f.view(), &params(2021).params);
        assert_eq!(a.has(flag::ALERT), *alert, "{who}, {cost} 元");
        assert_eq!(
            f.status.lower_inpatient_threshold(),
            *who != "一般农户",
            "{who}"
        );
    }
}

/// A refused exit says what failed, with the comparison.
#[test]
fn refused_exit_names_the_failed_comparison() {
    let mut f = base(2020, 3999);
    poor(&mut f);
    let full = explain(&f.view(), &params(2020));
    let exit = full
        .exit
        .expect("registered poor households get an exit outcome");
    assert!(!exit.eligible);
    assert_eq!(
        exit.conditions[0].text,
        "人均纯收入 3,999 元 < 2020 年贫困线 4,000 元"
    );
    assert!(!exit.conditions[0].holds);

    let mut f = base(2020, 4000);
    poor(&mut f);
    f.members[0].medical_insurance = false;
    let exit = explain(&f.view(), &params(2020)).exit.unwrap();
    assert!(!exit.eligible);
    assert!(
        exit.conditions[0].text.contains("≥"),
        "{}",
        exit.conditions[0].text
    );
    assert!(
        exit.conditions[1].text.contains("基本医疗"),
        "{}",
        exit.conditions[1].text
    );
    assert!(!exit.conditions[1].holds);

    let mut f = base(2020, 4000);
    poor(&mut f);
    let full = explain(&f.view(), &params(2020));
    assert!(full.exit.unwrap().eligible);
    assert!(full.proposals.iter().any(|p| p.kind == MeetsExit));
}

/// 2026 (after the transition period) has a pack: monitoring continues, nobody is registered, and the
/// values no source gives are flagged as assumed in the provenance.
#[test]
fn the_2026_pack_exists_and_flags_its_assumptions() {
    use crate::{ParamKey, Reliability};
    let eff = params(2026);
    assert!(eff.params.monitoring_open);
    assert!(!eff.params.registration_open);
    assert_eq!(eff.params.monitoring_threshold, Yuan::from_yuan(8_000));
    for key in [
        ParamKey::MonitoringThreshold,
        ParamKey::PovertyLine,
        ParamKey::EliminationMinMonthsMonitored,
        ParamKey::CountedIncomeComponents,
    ] {
        assert_eq!(
            eff.provenance(key).map(|p| p.reliability),
            Some(Reliability::Assumed),
            "{key:?}"
        );
    }
    assert!(PolicyPack::builtin().effective(2027, None).is_err());
}
