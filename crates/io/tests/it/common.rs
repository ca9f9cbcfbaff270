//! Builders shared by the tests.

use chrono::NaiveDate;
use jingzhun_core::resident_id::check_character;
use jingzhun_core::*;

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()
}

/// A valid resident ID from region, birth date (YYYYMMDD) and sequence.
pub fn id(region: &str, birth: &str, seq: u16) -> String {
    let first17 = format!("{region}{birth}{seq:03}");
    format!("{first17}{}", check_character(first17.as_bytes()))
}

pub fn member(name: &str, id_text: &str, relationship: Relationship) -> Member {
    let resident_id = ResidentId::parse_on(id_text, today()).unwrap();
    Member {
        name: PersonName::parse(name).unwrap(),
        sex: resident_id.sex(),
        resident_id,
        relationship,
        ethnicity: "汉族".to_owned(),
        education: Some(Education::Junior),
        schooling: None,
        health: Health::Healthy,
        labour: Some(LabourAbility::Ordinary),
        work_status: WorkStatus::NotMigrant,
        migrant_months: MigrantMonths::default(),
        medical_insurance: true,
        serious_illness_insurance: true,
        pension_insurance: false,
        social_assistance: SocialAssistance::NoAssistance,
    }
}

pub fn household(number: &str, village: &str, members: Vec<Member>) -> Household {
    Household {
        number: HouseholdNo::parse(number).unwrap(),
        village: AreaCode::parse(village).unwrap(),
        natural_village: Some("一组".to_owned()),
        phone: Some(Phone::parse("13812345678").unwrap()),
        standard: IdentificationStandard::National,
        attribute: Some(PoorAttribute::Ordinary),
        main_cause: Some(PovertyCause::Illness),
        other_causes: vec![PovertyCause::LackOfSkills, PovertyCause::LackOfCapital],
        planned_exit_year: Some(2018),
        housing: Housing {
            area_sqm: Some(96),
            grade: Some(HousingGrade::B),
            safe_alternative: None,
        },
        relocation: None,
        water: Water {
            litres_per_person_day: Some(60),
            fetch_minutes: None,
            outage_days_per_year: Some(3),
            quality_ok: Some(true),
            dry_area: false,
        },
        food_clothing_secured: true,
        electricity: true,
        sanitary_toilet: true,
        fuel: Some(FuelType::Firewood),
        farmland_mu: Some(3.5),
        forest_mu: None,
        cooperative_member: false,
        members,
        incomes: vec![IncomeRecord::new(2023)
            .with(IncomeComponent::Wages, Yuan::from_yuan(18_000))
            .with(IncomeComponent::Business, Yuan::from_fen(350_050))
            .with(IncomeComponent::ProductionCosts, Yuan::from_yuan(1_200))],
    }
}

/// Two households in two villages of 巴州区, one of them relocated, with a tricky name.
pub fn sample() -> Vec<Household> {
    let a = household(
        "5119020010010001",
        "511902001001",
        vec![
            member("张三", &id("511902", "19700315", 11), Relationship::Head),
            member("李四", &id("513701", "19720520", 22), Relationship::Spouse),
            member("张小五", &id("511902", "20100101", 33), Relationship::Son),
        ],
    );
    let mut b = household(
        "5119020020030007",
        "511902002003",
        vec![member(
            "=王五",
            &id("513002", "19550101", 1),
            Relationship::Head,
        )],
    );
    b.relocation = Some(Relocation {
        year: 2017,
        placement: RelocationPlacement::Centralised,
        site: "@新区安置点".to_owned(),
    });
    b.phone = None;
    b.main_cause = Some(PovertyCause::LackOfLabour);
    b.other_causes = vec![];
    b.members[0].labour = Some(LabourAbility::Lost);
    b.members[0].health = Health::Chronic;
    b.members[0].social_assistance = SocialAssistance::Tekun;
    vec![a, b]
}

/// Household CSV text with the given header line and rows.
pub fn csv(lines: &[&str]) -> Vec<u8> {
    let mut s = lines.join("\n");
    s.push('\n');
    s.into_bytes()
}
