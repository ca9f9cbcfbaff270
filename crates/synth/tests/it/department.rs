//! The department findings derived from generated villages (Bazhong at scale 0.05, 120 villages).

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{AreaCode, DepartmentSignal, Health, Yuan};
use jingzhun_synth::department::FIRST_YEAR;
use jingzhun_synth::{Generator, SynthConfig};

use crate::common;

#[test]
fn department_findings_are_dated_from_2021_to_the_data_end_and_follow_illness() {
    let tree = common::bazhong();
    let end = NaiveDate::from_ymd_opt(2026, 8, 15).unwrap();
    let config = SynthConfig {
        area: AreaCode::parse("5119").unwrap(),
        scale: 0.05,
        data_end: end,
        ..SynthConfig::default()
    };
    let generator = Generator::new(&tree, config).unwrap();
    let (mut findings, mut ill_people, mut ill_inpatient) = (Vec::new(), 0, 0);
    for v in generator.iter().take(120) {
        let v = v.unwrap();
        let f = generator.department(&v);
        // Deterministic per village.
        assert_eq!(f, generator.department(&v));
        for g in &v.households {
            let serious = g
                .household
                .members
                .iter()
                .filter(|m| m.health == Health::SeriousIllness)
                .count();
            ill_people += serious;
            if serious > 0 {
                ill_inpatient += f
                    .iter()
                    .filter(|x| {
                        x.household == g.household.number
                            && x.signal == DepartmentSignal::InpatientCost
                    })
                    .count();
            }
        }
        findings.extend(f);
    }
    assert!(findings.len() > 100, "{} findings", findings.len());
    assert!(findings
        .iter()
        .all(|f| f.date.year() >= FIRST_YEAR && f.date <= end));
    // Some above the higher inpatient threshold (20,000 yuan, 一般农户), few; some below the lower one
    // (5,000 yuan, 脱贫户 and 监测对象).
    let inpatient: Vec<_> = findings
        .iter()
        .filter(|f| f.signal == DepartmentSignal::InpatientCost)
        .collect();
    let above = |yuan: i64| {
        inpatient
            .iter()
            .filter(|f| f.amount >= Yuan::from_fen(yuan * 100))
            .count()
    };
    assert!(
        above(20_000) > 0 && above(20_000) * 10 < inpatient.len(),
        "{} of {} above 20,000",
        above(20_000),
        inpatient.len()
    );
    assert!(above(5_000) < inpatient.len());
    // A serious illness is hospitalised far more often than the average member: over six years at
    // 30% a year, about one listed stay each.
    assert!(
        ill_inpatient as f64 > ill_people as f64 * 0.5,
        "{ill_inpatient} stays for {ill_people} seriously ill"
    );
    // Every kind of list has something.
    for s in DepartmentSignal::ALL {
        assert!(findings.iter().any(|f| f.signal == *s), "no {}", s.code());
    }
}
