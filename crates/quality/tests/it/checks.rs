//! One test per check: plant exactly its defect in a clean household and find exactly it.

use std::collections::{HashMap, HashSet};

use jingzhun_core::*;
use jingzhun_quality::checks::*;
use jingzhun_quality::summary::{summarize, write_findings};

use crate::common::*;

struct World {
    households: Vec<Household>,
    events: HashMap<HouseholdNo, Vec<StatusEvent>>,
    deaths: HashSet<ResidentId>,
}

impl World {
    fn one(h: Household) -> Self {
        Self {
            households: vec![h],
            events: HashMap::new(),
            deaths: HashSet::new(),
        }
    }

    fn run(&self) -> Vec<Finding> {
        let known: HashSet<String> = ["511902", "513701"].iter().map(|s| s.to_string()).collect();
        let input = CheckInput {
            households: &self.households,
            events: &self.events,
            deaths: &self.deaths,
            known_regions: Some(&known),
        };
        run_checks(
            &input,
            &CheckParams::new(as_of(), 2023, Yuan::from_yuan(4_000)),
        )
    }
}

fn codes(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.check.code).collect()
}

/// Plants a defect and asserts that exactly `expected` findings come out, all of `check`.
fn finds_exactly(world: World, check: Check, expected: usize) -> Vec<Finding> {
    let findings = world.run();
    assert_eq!(
        codes(&findings),
        vec![check.code; expected],
        "{findings:#?}"
    );
    for f in &findings {
        for m in world.households.iter().flat_map(|h| &h.members) {
            assert!(
                !f.detail.contains(m.resident_id.as_str()),
                "full ID in {}",
                f.detail
            );
        }
    }
    findings
}

#[test]
fn clean_households_have_no_findings() {
    assert!(World::one(clean("1")).run().is_empty());
    let mut world = World::one(clean("1"));
    world
        .events
        .insert(HouseholdNo::parse("1").unwrap(), exited());
    assert!(world.run().is_empty());
}

#[test]
fn checks_are_declared_once_with_unique_codes() {
    let codes: HashSet<&str> = CHECKS.iter().map(|c| c.code).collect();
    assert_eq!(codes.len(), CHECKS.len());
    assert!(CHECKS.len() >= 14);
    assert!(CHECKS
        .iter()
        .all(|c| !c.label.is_empty() && !c.hint.is_empty()));
    assert_eq!(check_by_code("Q04"), Some(&NO_HEAD));
}

#[test]
fn q01_unknown_id_region() {
    let mut h = clean("1");
    h.members[1].resident_id = id("513002", "19720520", 22);
    let f = finds_exactly(World::one(h), ID_REGION_UNKNOWN, 1);
    assert_eq!(f[0].member, Some(2));
    assert!(f[0].detail.contains("513002"));
}

#[test]
fn q02_sex_mismatch() {
    let mut h = clean("1");
    h.members[0].sex = Sex::Female;
    finds_exactly(World::one(h), ID_SEX_MISMATCH, 1);
}

#[test]
fn q03_duplicate_id_across_households() {
    let a = clean("1");
    let mut b = clean("2");
    b.members = vec![a.members[0].clone()];
    b.incomes = vec![IncomeRecord::new(2023).with(IncomeComponent::Wages, Yuan::from_yuan(9_000))];
    let world = World {
        households: vec![a, b],
        events: HashMap::new(),
        deaths: HashSet::new(),
    };
    let f = finds_exactly(world, DUPLICATE_ID, 2);
    assert!(
        f[0].detail.contains("户编号 2 第 1 名成员"),
        "{}",
        f[0].detail
    );
    assert!(
        f[1].detail.contains("户编号 1 第 1 名成员"),
        "{}",
        f[1].detail
    );
}

#[test]
fn q03_duplicate_id_within_a_household() {
    let mut h = clean("1");
    let mut copy = h.members[1].clone();
    copy.relationship = Relationship::Other;
    h.members.push(copy);
    h.incomes = vec![IncomeRecord::new(2023).with(IncomeComponent::Wages, Yuan::from_yuan(24_000))];
    finds_exactly(World::one(h), DUPLICATE_ID, 2);
}

#[test]
fn q04_no_head() {
    let mut h = clean("1");
    h.members[0].relationship = Relationship::Other;
    let f = finds_exactly(World::one(h), NO_HEAD, 1);
    assert_eq!(f[0].member, None);
}

#[test]
fn q05_several_heads() {
    let mut h = clean("1");
    h.members[1].relationship = Relationship::Head;
    finds_exactly(World::one(h), SEVERAL_HEADS, 1);
}

#[test]
fn q06_relationship_inconsistent_with_age() {
    let mut h = clean("1");
    h.members[2].relationship = Relationship::Father;
    let f = finds_exactly(World::one(h.clone()), RELATIONSHIP_AGE, 1);
    assert_eq!(f[0].member, Some(3));
    // A son as old as the head.
    let mut h = clean("1");
    h.members[2].resident_id = id("511902", "19700315", 33);
    h.members[2].schooling = None;
    h.members[2].labour = Some(LabourAbility::Ordinary);
    finds_exactly(World::one(h), RELATIONSHIP_AGE, 1);
}

#[test]
fn q07_schooling_missing_for_6_to_23() {
    let mut h = clean("1");
    h.members[2].schooling = None;
    finds_exactly(World::one(h), SCHOOLING_MISSING, 1);
}

#[test]
fn q08_labour_missing_for_16_to_65() {
    let mut h = clean("1");
    h.members[1].labour = None;
    finds_exactly(World::one(h), LABOUR_MISSING, 1);
}

#[test]
fn q09_migrant_months_contradict_work_status() {
    let mut h = clean("1");
    h.members[0].work_status = WorkStatus::OutsideProvince;
    finds_exactly(World::one(h), MIGRANT_MONTHS, 1);
    let mut h = clean("1");
    h.members[0].migrant_months = MigrantMonths::new(6).unwrap();
    finds_exactly(World::one(h), MIGRANT_MONTHS, 1);
}

#[test]
fn q10_illness_cause_with_everyone_healthy() {
    let mut h = clean("1");
    h.main_cause = Some(PovertyCause::Illness);
    finds_exactly(World::one(h.clone()), ILLNESS_ALL_HEALTHY, 1);
    h.members[1].health = Health::Chronic;
    assert!(World::one(h).run().is_empty());
}

#[test]
fn q11_income_not_positive_or_implausibly_high() {
    let mut h = clean("1");
    h.incomes = vec![IncomeRecord::new(2023)
        .with(IncomeComponent::Wages, Yuan::from_yuan(1_000))
        .with(IncomeComponent::ProductionCosts, Yuan::from_yuan(1_000))];
    finds_exactly(World::one(h), INCOME_OUT_OF_RANGE, 1);
    let mut h = clean("1");
    h.incomes =
        vec![IncomeRecord::new(2023).with(IncomeComponent::Wages, Yuan::from_yuan(300_003))];
    finds_exactly(World::one(h), INCOME_OUT_OF_RANGE, 1);
    // Exactly 100,000 per capita is still plausible.
    let mut h = clean("1");
    h.incomes =
        vec![IncomeRecord::new(2023).with(IncomeComponent::Wages, Yuan::from_yuan(300_000))];
    assert!(World::one(h).run().is_empty());
}

#[test]
fn q12_both_dibao_and_tekun_money() {
    let mut h = clean("1");
    h.incomes = vec![IncomeRecord::new(2023)
        .with(IncomeComponent::Wages, Yuan::from_yuan(18_000))
        .with(IncomeComponent::DibaoBenefit, Yuan::from_yuan(1_200))
        .with(IncomeComponent::TekunBenefit, Yuan::from_yuan(800))];
    finds_exactly(World::one(h), DIBAO_AND_TEKUN, 1);
}

#[test]
fn q13_exited_with_income_below_the_line() {
    let mut h = clean("1");
    h.incomes =
        vec![IncomeRecord::new(2023).with(IncomeComponent::Wages, Yuan::from_fen(1_199_997))];
    let mut world = World::one(h.clone());
    world.events.insert(h.number.clone(), exited());
    let f = finds_exactly(world, EXITED_BELOW_LINE, 1);
    assert!(f[0].detail.contains("3,999.99"), "{}", f[0].detail);
    // Not exited: no finding.
    assert!(World::one(h).run().is_empty());
}

#[test]
fn q15_gap_in_the_yearly_income_records() {
    let record =
        |year| IncomeRecord::new(year).with(IncomeComponent::Wages, Yuan::from_yuan(18_000));
    let mut h = clean("1");
    h.incomes = vec![record(2020), record(2021), record(2023)];
    let f = finds_exactly(World::one(h), INCOME_YEAR_MISSING, 1);
    assert!(f[0].detail.contains("2022"), "{}", f[0].detail);
    // A series that starts late is not a gap.
    let mut h = clean("1");
    h.incomes = vec![record(2022), record(2023)];
    assert!(World::one(h).run().is_empty());
}

#[test]
fn q14_dead_in_department_data_but_listed() {
    let h = clean("1");
    let mut world = World::one(h.clone());
    world.deaths.insert(h.members[1].resident_id);
    finds_exactly(world, DEAD_STILL_LISTED, 1);
}

#[test]
fn summary_counts_by_village_township_and_county_and_list_downloads() {
    let mut a = clean("1");
    a.members[1].labour = None;
    a.members[2].schooling = None;
    let mut b = clean("2");
    b.village = AreaCode::parse("511902002003").unwrap();
    b.members = vec![member(
        "王六",
        id("511902", "19600101", 51),
        Relationship::Other,
    )];
    let world = World {
        households: vec![a, b],
        events: HashMap::new(),
        deaths: HashSet::new(),
    };
    let findings = world.run();
    let summary = summarize(&findings);
    let rows: Vec<(String, &str, usize)> = summary
        .iter()
        .map(|c| (c.area.to_string(), c.check, c.count))
        .collect();
    let expected: Vec<(String, &str, usize)> = vec![
        ("511902", "Q04", 1),
        ("511902", "Q07", 1),
        ("511902", "Q08", 1),
        ("511902001", "Q07", 1),
        ("511902001", "Q08", 1),
        ("511902001001", "Q07", 1),
        ("511902001001", "Q08", 1),
        ("511902002", "Q04", 1),
        ("511902002003", "Q04", 1),
    ]
    .into_iter()
    .map(|(a, c, n)| (a.to_owned(), c, n))
    .collect();
    assert_eq!(rows, expected);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("findings.xlsx");
    write_findings(&path, &findings).unwrap();
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(&path).unwrap();
    let range = wb.worksheet_range("数据质量问题").unwrap();
    assert_eq!(range.height(), findings.len() + 1);
    let csv_path = dir.path().join("findings.csv");
    write_findings(&csv_path, &findings).unwrap();
    let text = std::fs::read_to_string(&csv_path).unwrap();
    assert!(text.starts_with('\u{FEFF}'));
    assert!(text.contains("无户主"));
}
