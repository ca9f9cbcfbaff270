//! Department comparison: each rule at, below and above its threshold; assets; unmatched IDs; the reader.

use std::collections::HashMap;
use std::path::PathBuf;

use jingzhun_core::*;
use jingzhun_io::table::OwnedCell;
use jingzhun_quality::department::*;

use crate::common::*;

fn t(s: &str) -> OwnedCell {
    if s.is_empty() {
        OwnedCell::Empty
    } else {
        OwnedCell::Text(s.to_owned())
    }
}

/// A list with columns 身份证号码, 金额, 日期, 等级.
fn list(kind: DepartmentKind, rows: &[(&ResidentId, &str, &str, &str)]) -> DepartmentList {
    let mut cells = vec![vec![t("身份证号码"), t("金额(元)"), t("日期"), t("等级")]];
    for (id, amount, date, grade) in rows {
        cells.push(vec![t(id.as_str()), t(amount), t(date), t(grade)]);
    }
    let l = parse_department_rows(kind, "名单", &cells, as_of()).unwrap();
    assert!(l.problems.is_empty(), "{:#?}", l.problems);
    l
}

struct Registry {
    households: Vec<Household>,
    events: HashMap<HouseholdNo, Vec<StatusEvent>>,
}

/// Household 1 exited poor (events), household 2 never registered; each with the clean members.
fn registry() -> Registry {
    let a = clean("1");
    let mut b = clean("2");
    b.members = vec![
        member("王六", id("511902", "19600101", 51), Relationship::Head),
        member("王老七", id("511902", "19580629", 71), Relationship::Father),
        member("王小八", id("511902", "20090630", 81), Relationship::Son),
        member("王小九", id("511902", "20070101", 91), Relationship::Son),
        member("王十", id("511902", "19590630", 13), Relationship::Sibling),
    ];
    let mut a = a;
    // The children have finished primary school only (文化程度 小学): out of school is a dropout.
    for m in a.members.iter_mut().chain(b.members.iter_mut()) {
        if m.birth_date() > chrono::NaiveDate::from_ymd_opt(2005, 1, 1).unwrap() {
            m.education = Some(Education::Primary);
        }
    }
    let mut events = HashMap::new();
    events.insert(a.number.clone(), exited());
    Registry {
        households: vec![a, b],
        events,
    }
}

fn run(l: &DepartmentList) -> Comparison {
    let r = registry();
    compare(
        l,
        &r.households,
        &r.events,
        &DepartmentThresholds::default(),
        as_of(),
    )
}

/// The member of the registry at (household index, member index).
fn m(h: usize, i: usize) -> ResidentId {
    registry().households[h].members[i].resident_id
}

fn leads_for(kind: DepartmentKind, rows: &[(&ResidentId, &str, &str, &str)]) -> Vec<Lead> {
    let c = run(&list(kind, rows));
    assert!(c.exclusions.is_empty());
    c.leads
}

#[test]
fn d01_inpatient_thresholds_differ_for_exited_poor_and_others() {
    use DepartmentKind::InpatientCost as K;
    let poor = m(0, 0);
    let other = m(1, 0);
    // Exited poor: 5,000.
    let l = leads_for(K, &[(&poor, "5000", "", "")]);
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].rule, "D01");
    assert_eq!(l[0].channel, Channel::DepartmentAlert);
    assert_eq!(l[0].risk, RiskType::Illness);
    assert_eq!(l[0].value, Some(Yuan::from_yuan(5_000)));
    assert_eq!(l[0].threshold, Some(Yuan::from_yuan(5_000)));
    assert!(
        l[0].explanation.contains("5,000 元"),
        "{}",
        l[0].explanation
    );
    assert!(!l[0].explanation.contains(poor.as_str()));
    assert_eq!(l[0].member_masked, poor.masked());
    assert!(leads_for(K, &[(&poor, "4999.99", "", "")]).is_empty());
    assert_eq!(
        leads_for(K, &[(&poor, "3000", "", ""), (&poor, "2500", "", "")]).len(),
        1
    );
    // Others: 20,000.
    assert!(leads_for(K, &[(&other, "19999.99", "", "")]).is_empty());
    let l = leads_for(K, &[(&other, "20000", "", "")]);
    assert_eq!(l[0].threshold, Some(Yuan::from_yuan(20_000)));
    assert_eq!(leads_for(K, &[(&other, "35000", "", "")]).len(), 1);
}

#[test]
fn d02_outpatient_per_month() {
    use DepartmentKind::OutpatientCost as K;
    let p = m(1, 0);
    assert_eq!(leads_for(K, &[(&p, "500", "2024-03-05", "")]).len(), 1);
    assert!(leads_for(K, &[(&p, "499.99", "2024-03-05", "")]).is_empty());
    assert_eq!(leads_for(K, &[(&p, "800", "2024-03-05", "")]).len(), 1);
    // Same month adds up; different months do not.
    let l = leads_for(
        K,
        &[(&p, "300", "2024-03-05", ""), (&p, "200", "2024-03-28", "")],
    );
    assert_eq!(l[0].value, Some(Yuan::from_yuan(500)));
    assert!(
        l[0].explanation.contains("2024 年 3 月"),
        "{}",
        l[0].explanation
    );
    assert!(leads_for(
        K,
        &[(&p, "300", "2024-03-05", ""), (&p, "300", "2024-04-05", "")]
    )
    .is_empty());
}

#[test]
fn d03_d04_new_dibao_and_tekun() {
    let l = leads_for(
        DepartmentKind::NewDibao,
        &[(&m(1, 0), "", "2024-01-01", "")],
    );
    assert_eq!((l.len(), l[0].rule), (1, "D03"));
    let l = leads_for(DepartmentKind::NewTekun, &[(&m(1, 1), "", "", "")]);
    assert_eq!((l.len(), l[0].rule), (1, "D04"));
}

#[test]
fn d05_death_of_a_working_age_member() {
    use DepartmentKind::Death as K;
    // 65 on the day (born 1959-06-30): still working age; 66 (born 1958-06-29): not.
    let l = leads_for(K, &[(&m(1, 4), "", "2024-05-01", "")]);
    assert_eq!((l.len(), l[0].risk), (1, RiskType::LackOfLabour));
    assert!(leads_for(K, &[(&m(1, 1), "", "2024-05-01", "")]).is_empty());
    assert_eq!(leads_for(K, &[(&m(1, 0), "", "", "")]).len(), 1);
}

#[test]
fn d06_dropout_of_compulsory_school_age() {
    use DepartmentKind::Dropout as K;
    // 15 on the day (born 2009-06-30): lead; 14 (2010): lead; 17 (2007): none.
    assert_eq!(leads_for(K, &[(&m(1, 2), "", "", "")]).len(), 1);
    assert_eq!(leads_for(K, &[(&m(0, 2), "", "", "")]).len(), 1);
    assert!(leads_for(K, &[(&m(1, 3), "", "", "")]).is_empty());
}

#[test]
fn d07_education_cost_strictly_above() {
    use DepartmentKind::EducationCost as K;
    let p = m(1, 3);
    assert!(leads_for(K, &[(&p, "10000", "", "")]).is_empty());
    assert!(leads_for(K, &[(&p, "9000", "", "")]).is_empty());
    let l = leads_for(K, &[(&p, "10000.01", "", "")]);
    assert_eq!((l.len(), l[0].risk), (1, RiskType::Schooling));
}

#[test]
fn d08_severe_disability() {
    use DepartmentKind::Disability as K;
    let p = m(1, 0);
    assert_eq!(leads_for(K, &[(&p, "", "", "二级")]).len(), 1);
    assert_eq!(leads_for(K, &[(&p, "", "", "1")]).len(), 1);
    assert!(leads_for(K, &[(&p, "", "", "三级")]).is_empty());
    assert_eq!(disability_grade("肢体一级"), None);
    assert_eq!(disability_grade("4级"), Some(4));
}

#[test]
fn d09_d10_unemployment_and_accident_of_working_age() {
    for (kind, rule, risk) in [
        (
            DepartmentKind::Unemployment,
            "D09",
            RiskType::UnstableEmployment,
        ),
        (DepartmentKind::Accident, "D10", RiskType::Accident),
    ] {
        let l = leads_for(kind, &[(&m(1, 4), "", "", "")]);
        assert_eq!((l.len(), l[0].rule, l[0].risk), (1, rule, risk));
        assert!(leads_for(kind, &[(&m(1, 1), "", "", "")]).is_empty());
        assert!(leads_for(kind, &[(&m(0, 2), "", "", "")]).is_empty());
    }
}

#[test]
fn d11_disaster_loss() {
    use DepartmentKind::Disaster as K;
    let p = m(0, 0);
    assert_eq!(leads_for(K, &[(&p, "5000", "", "")]).len(), 1);
    assert!(leads_for(K, &[(&p, "4999", "", "")]).is_empty());
    assert_eq!(
        leads_for(K, &[(&p, "80000", "", "")])[0].risk,
        RiskType::Disaster
    );
}

#[test]
fn d12_housing_appraisal_c_or_d() {
    use DepartmentKind::HousingAppraisal as K;
    let p = m(0, 0);
    assert_eq!(leads_for(K, &[(&p, "", "", "C级")]).len(), 1);
    assert_eq!(leads_for(K, &[(&p, "", "", "D")]).len(), 1);
    assert!(leads_for(K, &[(&p, "", "", "B级")]).is_empty());
}

#[test]
fn assets_become_exclusion_warnings_not_leads() {
    for (kind, rule) in [
        (DepartmentKind::Car, "A01"),
        (DepartmentKind::Business, "A02"),
        (DepartmentKind::Property, "A03"),
        (DepartmentKind::PublicEmployee, "A04"),
    ] {
        let c = run(&list(kind, &[(&m(1, 0), "120000", "", "")]));
        assert!(c.leads.is_empty());
        assert_eq!(c.exclusions.len(), 1);
        assert_eq!(c.exclusions[0].rule, rule);
        assert_eq!(c.exclusions[0].household_no.as_str(), "2");
        assert!(
            c.exclusions[0].explanation.contains("120,000"),
            "{}",
            c.exclusions[0].explanation
        );
    }
}

#[test]
fn unmatched_ids_are_reported_and_bad_rows_are_problems() {
    let stranger = id("511902", "19990101", 99);
    let c = run(&list(DepartmentKind::NewDibao, &[(&stranger, "", "", "")]));
    assert!(c.leads.is_empty());
    assert_eq!(
        c.unmatched,
        vec![Unmatched {
            row: 2,
            resident_id: stranger
        }]
    );

    let cells = vec![
        vec![t("姓名"), t("身份证号")],
        vec![t("张三"), t("5.11902E+17")],
        vec![t("李四"), OwnedCell::Number(511_902_197_003_150_000.0)],
    ];
    let l = parse_department_rows(DepartmentKind::Death, "s", &cells, as_of()).unwrap();
    assert!(l.records.is_empty());
    assert_eq!(l.problems.len(), 2);
    assert_eq!(l.problems[1].column, "身份证号(B列)");
    let cells = vec![vec![t("身份证号")], vec![t(m(0, 0).as_str())]];
    let l = parse_department_rows(DepartmentKind::InpatientCost, "s", &cells, as_of()).unwrap();
    assert!(l.problems[0].reason.contains("须有金额"));
}

#[test]
fn fixture_list_written_by_python() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/department_medical.csv");
    let l = read_department_list(&path, DepartmentKind::InpatientCost, as_of()).unwrap();
    assert!(l.problems.is_empty(), "{:#?}", l.problems);
    assert_eq!(l.records.len(), 3);
    let c = run(&l);
    // 5,000 for a member of the exited-poor household: lead; 4,999.99: nothing; the third is unknown.
    assert_eq!(c.leads.len(), 1);
    assert_eq!(c.leads[0].household_no.as_str(), "1");
    assert_eq!(c.leads[0].rows, vec![2]);
    assert_eq!(c.matched_without_lead, 1);
    assert_eq!(c.unmatched.len(), 1);
    assert_eq!(c.unmatched[0].row, 4);
    assert_eq!(l.resident_ids().len(), 3);

    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("comparison.xlsx");
    write_comparison(&out, &c).unwrap();
    use calamine::Reader;
    let mut wb = calamine::open_workbook_auto(&out).unwrap();
    assert_eq!(wb.sheet_names(), vec!["风险线索", "排除提示", "未匹配"]);
    let leads = wb.worksheet_range("风险线索").unwrap();
    assert_eq!(leads.height(), 2);
    assert_eq!(leads.get((1, 0)).unwrap().to_string(), "D01");
    let unmatched = wb.worksheet_range("未匹配").unwrap();
    let masked = unmatched.get((1, 1)).unwrap().to_string();
    assert!(masked.contains("****"), "{masked}");
}

#[test]
fn formulas_in_a_list_are_refused_with_their_rows() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/department_formula.xlsx");
    let l = read_department_list(&path, DepartmentKind::InpatientCost, as_of()).unwrap();
    assert_eq!(l.records.len(), 1);
    assert_eq!(l.records[0].row, 2);
    let problems: Vec<(usize, &str, &str)> = l
        .problems
        .iter()
        .map(|p| (p.row, p.column.as_str(), p.value.as_str()))
        .collect();
    assert_eq!(
        problems,
        vec![(3, "住院自付金额(B列)", "=3000*2")],
        "{:#?}",
        l.problems
    );
}

/// The inpatient threshold follows the rules' status test: a 一般农户 under monitoring (监测对象) gets the
/// lower 5,000, a removed household that was once registered the higher 20,000.
#[test]
fn d01_inpatient_threshold_for_monitored_and_removed_households() {
    use DepartmentKind::InpatientCost as K;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let r = registry();
    let other = &r.households[1];
    let run_with = |events: Vec<StatusEvent>, amount: &str| {
        let mut map = r.events.clone();
        map.insert(other.number.clone(), events);
        let l = list(K, &[(&other.members[0].resident_id, amount, "", "")]);
        compare(
            &l,
            &r.households,
            &map,
            &DepartmentThresholds::default(),
            as_of(),
        )
        .leads
    };
    let mut watched = StatusEvent::new(StatusEventKind::Monitored, d("2022-03-01"));
    watched.monitoring_kind = Some(MonitoringKind::Marginal);
    assert_eq!(run_with(vec![watched.clone()], "5000").len(), 1);
    assert!(run_with(vec![watched], "4999.99").is_empty());
    let removed = vec![
        StatusEvent::new(StatusEventKind::Registered, d("2014-10-01")),
        StatusEvent::new(StatusEventKind::Removed, d("2016-10-01")),
    ];
    assert!(run_with(removed.clone(), "19999.99").is_empty());
    assert_eq!(run_with(removed, "20000").len(), 1);
}

/// A child of compulsory-school age who finished junior middle school (文化程度 初中) is not a dropout.
#[test]
fn d06_no_dropout_after_junior_middle_school() {
    use DepartmentKind::Dropout as K;
    let mut r = registry();
    r.households[1].members[2].education = Some(Education::Junior);
    let kid = r.households[1].members[2].resident_id;
    let l = list(K, &[(&kid, "", "", "")]);
    let c = compare(
        &l,
        &r.households,
        &r.events,
        &DepartmentThresholds::default(),
        as_of(),
    );
    assert!(c.leads.is_empty());
    r.households[1].members[2].education = Some(Education::Primary);
    let c = compare(
        &l,
        &r.households,
        &r.events,
        &DepartmentThresholds::default(),
        as_of(),
    );
    assert_eq!(c.leads.len(), 1);
}
