//! The loader reads only the area it is given, and the reports it builds hold only that area.

#![allow(clippy::unwrap_used)]

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use chrono::NaiveDate;
use jingzhun_core::*;
use jingzhun_loader::{load_years, year_end, ReportData, Silent};
use jingzhun_policy::PolicyPack;
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

fn store() -> (tempfile::TempDir, Store) {
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
                area("511902002", "西城街道"),
                area("511902002001", "回风村委会"),
            ],
            &actor,
            "test",
        )
        .unwrap();
    let registered = [StatusEvent::new(
        StatusEventKind::Registered,
        d(2014, 10, 1),
    )];
    for (no, village, id) in [
        ("5119020010010001", "511902001001", "51190219700101001"),
        ("5119020010010002", "511902001001", "51190219700101002"),
        ("5119020020010001", "511902002001", "51190219700101003"),
    ] {
        store
            .create_household(
                &household(no, village, id),
                &registered,
                d(2014, 10, 1),
                &actor,
                "t",
            )
            .unwrap();
    }
    (dir, store)
}

#[test]
fn a_township_report_holds_its_township_only() {
    let (_dir, store) = store();
    let township = AreaCode::parse("511902001").unwrap();
    let pack = PolicyPack::builtin();
    let data = ReportData::load(&store, &township, 2020, None, true, &pack, &mut Silent).unwrap();
    assert_eq!(data.engine.households(), 2);
    assert!(
        data.series.as_ref().unwrap().summary(2013).is_some(),
        "history from 2013"
    );
    let tables = data.tables_by_level();
    let levels: Vec<AreaLevel> = tables.iter().map(|(l, _)| *l).collect();
    assert_eq!(levels, vec![AreaLevel::Township, AreaLevel::Village]);
    let codes: Vec<String> = tables
        .iter()
        .flat_map(|(_, t)| t.rows.iter().map(|r| r.code.to_string()))
        .collect();
    assert_eq!(codes, vec!["511902001", "511902001001"]);

    let bytes = data.tables_workbook().unwrap();
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let names = wb.sheet_names().to_vec();
    assert!(names.contains(&"乡镇级".to_owned()) && names.contains(&"村级".to_owned()));
    for n in names {
        let range = wb.worksheet_range(&n).unwrap();
        for cell in range.cells() {
            assert!(!cell.2.to_string().contains("511902002"), "{n}: {}", cell.2);
        }
    }
    let review = data.annual_review().unwrap();
    assert!(review.markdown().contains("东城街道"));
}

#[test]
fn years_read_once_equal_years_read_one_by_one_after_a_move() {
    let (_dir, store) = store();
    // A move to the other township in 2018: read in one pass, each year's engine still gets the version in
    // force at its year-end (in 2016 the household counts in its first township, in 2019 in the second),
    // as a separate as-of read per year does.
    let stored = store
        .household_by_number(&HouseholdNo::parse("5119020010010001").unwrap())
        .unwrap()
        .unwrap();
    let mut h = stored.household.clone();
    h.village = AreaCode::parse("511902002001").unwrap();
    store
        .update_household(
            stored.id,
            stored.version,
            &h,
            d(2018, 6, 1),
            &Actor::new("t"),
            "t",
        )
        .unwrap();
    let tree = store.area_tree().unwrap();
    let county = AreaCode::parse("511902").unwrap();
    let years = [2016, 2019];
    let loaded = load_years(&store, &tree, &county, &years, &mut |_| {}, &mut Silent).unwrap();
    let pack = PolicyPack::builtin();
    let first = AreaCode::parse("511902001").unwrap();
    let households_in_first: Vec<i64> = loaded
        .iter()
        .map(|l| {
            l.engine
                .evaluate(&pack)
                .unwrap()
                .rollup(&first)
                .unwrap()
                .households
        })
        .collect();
    assert_eq!(households_in_first, vec![2, 1]);
    for (y, l) in years.iter().zip(&loaded) {
        let one =
            jingzhun_loader::load_with(&store, &county, *y, year_end(*y), &mut |_| {}, &mut Silent)
                .unwrap();
        let a = l.engine.evaluate(&pack).unwrap();
        let b = one.engine.evaluate(&pack).unwrap();
        assert_eq!(a.rollup(&first), b.rollup(&first), "{y}");
    }
}
