//! Builders shared by the tests: a clean household that no check flags.

use chrono::NaiveDate;
use jingzhun_core::resident_id::check_character;
use jingzhun_core::*;

pub fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()
}

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

/// A valid resident ID from region, birth date (YYYYMMDD) and sequence (odd: male).
pub fn id(region: &str, birth: &str, seq: u16) -> ResidentId {
    let first17 = format!("{region}{birth}{seq:03}");
    let text = format!("{first17}{}", check_character(first17.as_bytes()));
    ResidentId::parse_on(&text, as_of()).unwrap()
}

pub fn member(name: &str, resident_id: ResidentId, relationship: Relationship) -> Member {
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
        pension_insurance: true,
        social_assistance: SocialAssistance::NoAssistance,
    }
}

/// Head 54 (born 1970), spouse 52, son 14 at school; 6,000 yuan per capita in 2023.
pub fn clean(number: &str) -> Household {
    let mut son = member("张小五", id("511902", "20100101", 33), Relationship::Son);
    son.schooling = Some(SchoolingStatus::Junior);
    son.labour = None;
    Household {
        number: HouseholdNo::parse(number).unwrap(),
        village: AreaCode::parse("511902001001").unwrap(),
        natural_village: None,
        phone: None,
        standard: IdentificationStandard::National,
        attribute: Some(PoorAttribute::Ordinary),
        main_cause: Some(PovertyCause::LackOfSkills),
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
        members: vec![
            member("张三", id("511902", "19700315", 11), Relationship::Head),
            member("李四", id("513701", "19720520", 22), Relationship::Spouse),
            son,
        ],
        incomes: vec![IncomeRecord::new(2023).with(IncomeComponent::Wages, Yuan::from_yuan(18_000))],
    }
}

/// Registered 2014-10-01, exited 2019-12-31.
pub fn exited() -> Vec<StatusEvent> {
    vec![
        StatusEvent::new(StatusEventKind::Registered, d(2014, 10, 1)),
        StatusEvent::new(StatusEventKind::Exited, d(2019, 12, 31)),
    ]
}
