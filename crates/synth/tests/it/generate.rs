//! End-to-end tests of the generator on the shipped Bazhong tree.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use chrono::NaiveDate;

use crate::common;
use jingzhun_core::{
    AreaCode, AreaTree, HouseholdStatus, MonitoringKind, Relationship, ResidentId, StatusEventKind,
};
use jingzhun_synth::calibration::{self as cal, target};
use jingzhun_synth::{
    per_capita, Calibration, DefectKind, GeneratedHousehold, GeneratedVillage, Generator,
    SynthConfig,
};

const SCALE: f64 = 0.02;

fn tree() -> &'static AreaTree {
    static TREE: OnceLock<AreaTree> = OnceLock::new();
    TREE.get_or_init(common::bazhong)
}

fn config(area: &str, scale: f64, seed: u64, defect_rate: f64) -> SynthConfig {
    SynthConfig {
        seed,
        area: AreaCode::parse(area).unwrap(),
        scale,
        defect_rate,
        ..SynthConfig::default()
    }
}

fn generate(config: SynthConfig) -> Vec<GeneratedVillage> {
    let generator = Generator::new(tree(), config).unwrap();
    generator.iter().map(Result::unwrap).collect()
}

/// Bazhong at scale 0.02, seed 2014, generated once for the tests that only read it.
fn bazhong() -> &'static [GeneratedVillage] {
    static DATA: OnceLock<Vec<GeneratedVillage>> = OnceLock::new();
    DATA.get_or_init(|| {
        let generator = Generator::new(tree(), config("5119", SCALE, 2014, 0.0)).unwrap();
        generator.par_iter(16).map(Result::unwrap).collect()
    })
}

fn households(villages: &[GeneratedVillage]) -> impl Iterator<Item = &GeneratedHousehold> {
    villages.iter().flat_map(|v| v.households.iter())
}

fn record_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 12, 31).unwrap()
}

fn within(name: &str, got: f64, want: f64, tolerance: f64) {
    let dev = (got - want).abs() / want;
    assert!(
        dev <= tolerance,
        "{name}: generated {got:.1}, target {want:.1} ({:.1}% off)",
        dev * 100.0
    );
}

#[test]
fn bazhong_at_small_scale_reproduces_the_published_figures() {
    let mut check = Calibration::default();
    for v in bazhong() {
        check.add_village(v);
    }
    assert_calibrated(&check);
}

#[test]
fn calibration_holds_for_other_seeds() {
    for seed in [1, 99] {
        let generator = Generator::new(tree(), config("5119", SCALE, seed, 0.0)).unwrap();
        let mut check = Calibration::default();
        for v in generator.par_iter(32) {
            check.add_village(&v.unwrap());
        }
        assert_calibrated(&check);
    }
}

fn assert_calibrated(check: &Calibration) {
    let f = check.figures();
    println!("{}", f.report(SCALE));
    assert_eq!(f.villages, 1316);
    assert_eq!(f.poor_villages, target::POOR_VILLAGES);
    // Exactly the designated poor villages fail the village exit test at the end of 2013, and no other
    // village ever does (at any scale).
    assert_eq!(f.poor_villages_by_incidence, target::POOR_VILLAGES);
    assert_eq!(f.misclassified_villages, 0);
    within(
        "rural population",
        f.people,
        target::RURAL_POPULATION * SCALE,
        0.02,
    );
    within(
        "poor 2013",
        f.poor_people_2013,
        target::POOR_PEOPLE_2013 * SCALE,
        0.03,
    );
    within(
        "incidence",
        f.incidence_2013(),
        target::INCIDENCE_2013,
        0.03,
    );
    within(
        "lifted out",
        f.exited_2014_2020(),
        target::EXITED_PEOPLE_2014_2020 * SCALE,
        0.03,
    );
    assert!(
        f.exited_2014_2020() > f.poor_people_2013,
        "additions make exits exceed the 2013 stock"
    );
    assert_eq!(f.poor_people_end_2020, 0.0);
    within(
        "poor income 2013",
        f.poor_income_2013,
        target::POOR_INCOME_2013,
        0.02,
    );
    within(
        "poor income 2020",
        f.poor_income_2020,
        target::POOR_INCOME_2020,
        0.03,
    );
    within(
        "rural income 2019",
        f.rural_income_2019,
        target::RURAL_INCOME_2019,
        0.03,
    );
    within(
        "relocated households",
        f.relocated_households as f64,
        target::RELOCATED_HOUSEHOLDS * SCALE,
        0.1,
    );
    within(
        "relocated people",
        f.relocated_people,
        target::RELOCATED_PEOPLE * SCALE,
        0.1,
    );
    within("低保", f.dibao_people, target::DIBAO_PEOPLE * SCALE, 0.08);
    within(
        "低保 poor",
        f.dibao_registered_poor,
        target::DIBAO_REGISTERED_POOR * SCALE,
        0.1,
    );
    let mean_size = f.people / f.households as f64;
    assert!((2.6..=3.0).contains(&mean_size), "{mean_size}");
    for county in cal::BAZHONG_COUNTIES {
        let c = &f.counties[&AreaCode::parse(county.code).unwrap()];
        assert_eq!(
            c.approval_year(),
            Some(county.approval_year),
            "{}",
            county.name
        );
    }
    assert!(f.monitored.iter().all(|n| *n > 0), "{:?}", f.monitored);
    assert!(f.risk_eliminated > 0 && f.returned > 0);
}

#[test]
fn resident_ids_parse_fit_county_birth_and_sex_and_are_unique() {
    let today = record_date();
    let mut seen = HashSet::new();
    for v in bazhong() {
        let county = v.county.as_str();
        for h in &v.households {
            for m in &h.household.members {
                let text = m.resident_id.as_str();
                let parsed = ResidentId::parse_on(text, today).unwrap();
                assert_eq!(parsed, m.resident_id);
                assert_eq!(parsed.sex(), m.sex, "{text}");
                assert!(parsed.birth_date() <= today);
                let region = parsed.region_code();
                let born = parsed.birth_date().format("%Y").to_string();
                let ok = region == county
                    || (county == "511903" && region == "511902")
                    || ((region.starts_with("5137") || region.starts_with("5130"))
                        && born.as_str() < "2000");
                assert!(ok, "{text} in county {county}");
                assert!(seen.insert(text.to_owned()), "duplicate ID {text}");
            }
        }
    }
    assert!(seen.len() > 50_000);
}

#[test]
fn households_have_one_head_and_ages_that_fit_relationships() {
    let today = record_date();
    for h in households(bazhong()) {
        // The record as of its date (members alive then; later versions may have lost some).
        let hh = h.as_of(today).unwrap();
        let heads: Vec<_> = hh
            .members
            .iter()
            .filter(|m| m.relationship == Relationship::Head)
            .collect();
        assert_eq!(heads.len(), 1, "{}", hh.number);
        let head_age = i64::from(heads[0].age_on(today));
        assert!(head_age >= 18);
        for m in &hh.members {
            let age = i64::from(m.age_on(today));
            let r = m.relationship;
            if r.is_younger_generation() {
                assert!(
                    head_age - age >= 15,
                    "{}: {r:?} {age} vs head {head_age}",
                    hh.number
                );
            }
            if r.is_older_generation() {
                assert!(
                    age - head_age >= 15,
                    "{}: {r:?} {age} vs head {head_age}",
                    hh.number
                );
            }
            if r == Relationship::Spouse {
                assert!((age - head_age).abs() <= 15);
                assert_ne!(m.sex, heads[0].sex);
            }
            if (6..=23).contains(&age) {
                assert!(
                    m.schooling.is_some(),
                    "{}: schooling missing at {age}",
                    hh.number
                );
            }
            // Compulsory school age as the rules take it: the age on the last 31 August.
            let school_age = jingzhun_policy::rules::MemberFacts::of(m, today).school_age;
            if (6..=15).contains(&school_age) {
                assert!(m.schooling.is_some_and(|s| s.meets_compulsory_education()));
            }
            assert!(m.migrant_months.get() <= 12);
        }
        assert_eq!(
            h.household.incomes.len(),
            jingzhun_synth::calibration::YEARS
        );
        assert!(hh.number.as_str().starts_with(hh.village.as_str()));
    }
}

#[test]
fn incomes_and_events_tell_a_consistent_story() {
    for h in households(bazhong()) {
        let hh = &h.household;
        // The version in force at a year's end, as the engine reads it.
        let at = |year: u16| h.as_of(year_end(year)).unwrap();
        // Per capita over the members of the year (born by its end, alive), as the engine divides.
        let size = |year: u16| {
            at(year)
                .members
                .iter()
                .filter(|m| m.birth_date() <= year_end(year))
                .count() as u32
        };
        let pc = |year: u16| per_capita(at(year).income(year).unwrap(), size(year));
        for pair in h.events.windows(2) {
            assert!(
                pair[0].effective <= pair[1].effective,
                "{}: events out of order",
                hh.number
            );
        }
        let registered = h
            .events
            .iter()
            .find(|e| e.kind == StatusEventKind::Registered);
        let exit = h
            .events
            .iter()
            .find(|e| e.kind == StatusEventKind::Exited)
            .map(|e| e.effective.format("%Y").to_string().parse::<u16>().unwrap());
        if let (Some(r), Some(exit)) = (registered, exit) {
            let from = if r.effective == cal::date(cal::INITIAL_REGISTRATION) {
                2013
            } else {
                r.effective.format("%Y").to_string().parse::<u16>().unwrap() - 1
            };
            for year in from..exit {
                assert!(pc(year) < cal::poverty_line(year), "{} {year}", hh.number);
            }
            assert!(
                pc(exit) >= cal::poverty_line(exit),
                "{} exit {exit}",
                hh.number
            );
            assert!(hh.attribute.is_some() && hh.main_cause.is_some());
            // The other guarantees hold in the exit year's version (a correct exit is never a suspected
            // wrong one).
            let hh = at(exit);
            assert!(hh.food_clothing_secured);
            assert!(hh.members.iter().all(|m| m.medical_insurance));
            assert!(
                hh.housing.grade.is_some_and(|g| g.is_safe())
                    || hh.housing.safe_alternative.is_some()
            );
            assert!(hh.water.litres_per_person_day.is_some_and(|l| l >= 35));
            assert!(hh.water.fetch_minutes.is_none_or(|m| m <= 20));
            assert!(hh.water.outage_days_per_year.is_some_and(|d| d <= 36));
            assert_eq!(hh.water.quality_ok, Some(true));
            // The education guarantee holds in the exit year (school age on its 31 August).
            let end = year_end(exit);
            for m in hh.members.iter().filter(|m| m.birth_date() <= end) {
                let school_age = jingzhun_policy::rules::MemberFacts::of(m, end).school_age;
                if (6..=15).contains(&school_age) {
                    assert!(
                        m.schooling.is_some_and(|s| s.meets_compulsory_education()),
                        "{}: {:?} at {school_age} in {exit}",
                        hh.number,
                        m.schooling,
                    );
                }
            }
        } else {
            assert!(registered.is_none() && exit.is_none());
            for year in 2013..=2020 {
                assert!(pc(year) >= cal::poverty_line(year));
            }
        }
        // Never monitored: never in the monitoring range either (2020 on). A household removed when its
        // last member died may have had its monitoring cut short with it.
        if !h.events.iter().any(|e| {
            matches!(
                e.kind,
                StatusEventKind::Monitored | StatusEventKind::Removed
            )
        }) {
            for year in 2020..=2025 {
                assert!(
                    pc(year) >= cal::monitoring_threshold(year),
                    "{} {year}",
                    hh.number
                );
            }
        }
        for e in &h.events {
            if e.kind == StatusEventKind::Monitored {
                let year = e.effective.format("%Y").to_string().parse::<u16>().unwrap();
                let kind = e.monitoring_kind.unwrap();
                assert!(!e.risk_types.is_empty());
                let thr = cal::monitoring_threshold(year);
                if kind == MonitoringKind::SuddenHardship {
                    assert!(pc(year) >= thr);
                } else {
                    assert!(pc(year) < thr, "{} {year}", hh.number);
                }
                if kind == MonitoringKind::Unstable {
                    assert!(HouseholdStatus::on(&h.events, e.effective).ever_registered);
                }
            }
        }
    }
}

#[test]
fn same_seed_same_output_whatever_the_chunking() {
    let generator = Generator::new(tree(), config("511903", 0.01, 7, 0.002)).unwrap();
    let sequential: Vec<_> = generator.iter().map(Result::unwrap).collect();
    for batch in [1, 5, 64] {
        let parallel: Vec<_> = generator.par_iter(batch).map(Result::unwrap).collect();
        assert!(parallel == sequential, "batch {batch} differs");
    }
    let again = generate(config("511903", 0.01, 7, 0.002));
    assert!(again == sequential);
    // Reverse order, one village at a time.
    let mut reversed: Vec<_> = (0..generator.villages().len())
        .rev()
        .map(|i| generator.generate_village(i).unwrap())
        .collect();
    reversed.reverse();
    assert!(reversed == sequential);
    let flat: Vec<_> = generator.par_households(3).map(Result::unwrap).collect();
    let expected: Vec<_> = sequential
        .iter()
        .flat_map(|v| v.households.clone())
        .collect();
    assert!(flat == expected);
    let other = generate(config("511903", 0.01, 8, 0.002));
    assert!(other != sequential);
}

#[test]
fn a_county_comes_out_the_same_as_within_the_whole_city() {
    let county = generate(config("511922", SCALE, 2014, 0.0));
    let from_city: Vec<&GeneratedVillage> = bazhong()
        .iter()
        .filter(|v| v.county.as_str() == "511922")
        .collect();
    assert_eq!(county.len(), from_city.len());
    for (a, b) in county.iter().zip(from_city) {
        assert!(a == b, "village {} differs", a.code);
    }
}

#[test]
fn the_defect_rate_changes_only_the_defective_households_and_lists_them() {
    let clean = generate(config("511902", 0.02, 11, 0.0));
    let dirty = generate(config("511902", 0.02, 11, 0.02));
    let mut injected = 0;
    let mut ids: HashMap<String, usize> = HashMap::new();
    for h in households(&dirty) {
        for m in &h.household.members {
            *ids.entry(m.resident_id.as_str().to_owned()).or_default() += 1;
        }
    }
    let today = record_date();
    for (c, d) in households(&clean).zip(households(&dirty)) {
        if d.defects.is_empty() {
            assert!(c == d);
        }
        // A simple data check per kind; it must fire exactly for the injected defects.
        let hh = &d.household;
        let heads = hh
            .members
            .iter()
            .filter(|m| m.relationship == Relationship::Head)
            .count();
        let head_age = hh
            .head()
            .map(|m| i64::from(m.age_on(today)))
            .unwrap_or(i64::MAX);
        let mut found = HashSet::new();
        // A household whose members all died has no head and is not a defect.
        if heads == 0 && !hh.members.is_empty() {
            found.insert(DefectKind::NoHead);
        }
        if heads > 1 {
            found.insert(DefectKind::TwoHeads);
        }
        if hh.members.iter().any(|m| {
            m.relationship.is_younger_generation() && i64::from(m.age_on(today)) > head_age
        }) {
            found.insert(DefectKind::ChildOlderThanHead);
        }
        if hh
            .members
            .iter()
            .any(|m| (6..=23).contains(&m.age_on(today)) && m.schooling.is_none())
        {
            found.insert(DefectKind::MissingSchooling);
        }
        if hh.members.iter().any(|m| m.sex != m.resident_id.sex()) {
            found.insert(DefectKind::SexMismatch);
        }
        if hh.incomes.len() != jingzhun_synth::calibration::YEARS {
            found.insert(DefectKind::MissingIncomeYear);
        }
        if hh.members.iter().any(|m| ids[m.resident_id.as_str()] > 1) {
            found.insert(DefectKind::DuplicateResidentId);
        }
        let listed: HashSet<DefectKind> = d.defects.iter().map(|x| x.kind).collect();
        // The household an ID was copied from is flagged too but lists nothing.
        let mut expected = listed.clone();
        if found.contains(&DefectKind::DuplicateResidentId) {
            expected.insert(DefectKind::DuplicateResidentId);
        }
        assert_eq!(found, expected, "{}: {:?}", hh.number, d.defects);
        for x in &d.defects {
            assert_eq!(&x.household_no, &hh.number);
        }
        injected += d.defects.len();
    }
    assert!(injected > 5, "{injected}");
}

#[test]
fn scale_above_one_replicates_villages_under_synthetic_codes() {
    // One township of 通江县 at scale 2.5: three replicas per village, one real and two synthetic.
    let township = tree()
        .within_at_level(
            &AreaCode::parse("511921").unwrap(),
            jingzhun_core::AreaLevel::Township,
        )
        .next()
        .unwrap()
        .code;
    let villages = generate(config(township.as_str(), 2.5, 3, 0.0));
    let real = villages.iter().filter(|v| v.code == v.source).count();
    assert_eq!(villages.len(), real * 3);
    let mut ids = HashSet::new();
    let mut numbers = HashSet::new();
    for v in &villages {
        if v.code != v.source {
            // A synthetic county (city 70–89 of the same province), same township and village numbers.
            assert!(tree().get(&v.code).is_none());
            let city: u32 = v.code.as_str()[2..4].parse().unwrap();
            assert!((70..=89).contains(&city), "{}", v.code);
            assert_eq!(&v.code.as_str()[..2], "51");
            assert_eq!(&v.code.as_str()[6..], &v.source.as_str()[6..]);
            for h in &v.households {
                for m in &h.household.members {
                    assert_eq!(m.resident_id.region_code(), &v.county.as_str()[..6]);
                }
            }
        } else {
            assert!(v.county.as_str() == "511921");
        }
        for h in &v.households {
            assert!(numbers.insert(h.household.number.clone()));
            for m in &h.household.members {
                assert!(ids.insert(m.resident_id));
            }
        }
    }
}

#[test]
fn bad_configurations_are_refused() {
    assert!(Generator::new(tree(), config("5119", 0.0, 1, 0.0)).is_err());
    assert!(Generator::new(tree(), config("5119", 1.0, 1, 1.5)).is_err());
    assert!(Generator::new(tree(), config("5101", 1.0, 1, 0.0)).is_err());
}

#[test]
fn national_scale_id_families_stay_unique_and_keep_relationships() {
    // At scale 30 (about national size for Bazhong) each village has 30 replicas, 29 of them in synthetic
    // counties with their own region codes; check one village's replicas.
    let village = tree()
        .within_at_level(
            &AreaCode::parse("511903").unwrap(),
            jingzhun_core::AreaLevel::Village,
        )
        .find(|a| a.is_rural_village())
        .unwrap()
        .code;
    let generator = Generator::new(tree(), config(village.as_str(), 30.0, 5, 0.0)).unwrap();
    assert_eq!(generator.villages().len(), 30);
    let today = record_date();
    let mut ids = HashSet::new();
    for v in generator.par_iter(8) {
        for h in v.unwrap().households {
            // The record as of its date (a later version may have lost members, or all of them).
            let record = h.as_of(today).unwrap();
            let head = record.head().unwrap().age_on(today) as i64;
            for m in &record.members {
                assert!(ids.insert(m.resident_id));
                let age = m.age_on(today) as i64;
                if m.relationship.is_younger_generation() {
                    assert!(head - age >= 15);
                }
                if m.relationship.is_older_generation() {
                    assert!(age - head >= 15);
                }
            }
        }
    }
    assert!(ids.len() > 1000);
}

fn year_end(year: u16) -> NaiveDate {
    NaiveDate::from_ymd_opt(i32::from(year), 12, 31).unwrap()
}

#[test]
fn versions_start_at_registration_follow_in_date_order_and_carry_the_incomes_known() {
    let mut with_history = 0usize;
    let mut versions = 0usize;
    let all: Vec<&GeneratedHousehold> = households(bazhong()).collect();
    for h in &all {
        let list: Vec<_> = h.versions().collect();
        assert_eq!(
            list[0].0,
            cal::date(cal::INITIAL_REGISTRATION),
            "{}",
            h.household.number
        );
        for pair in list.windows(2) {
            assert!(pair[0].0 < pair[1].0, "{}", h.household.number);
            // A version carries the incomes of the years up to its successor's year.
            let last = pair[0].1.incomes.iter().map(|r| r.year).max().unwrap();
            assert_eq!(i32::from(last), chrono::Datelike::year(&pair[1].0));
        }
        assert_eq!(
            list.last().unwrap().1.incomes.len(),
            jingzhun_synth::calibration::YEARS
        );
        assert!(list.iter().all(|(_, v)| v.number == h.household.number));
        with_history += usize::from(list.len() > 1);
        versions += list.len();
    }
    // Cheap: most households need one to three versions.
    let mean = versions as f64 / all.len() as f64;
    assert!((1.1..=2.5).contains(&mean), "{mean} versions per household");
    assert!(with_history > all.len() / 10, "{with_history}");
}

/// The rule's own view (school age on 31 August, compulsory 6–15): no child of compulsory age is recorded
/// out of school in the version in force at any year's end, when no defect is injected.
#[test]
fn no_child_of_compulsory_age_is_out_of_school_in_any_year() {
    for year in 2013..=2025u16 {
        let date = year_end(year);
        let mut failing = 0;
        let mut children = 0;
        for h in households(bazhong()) {
            let Some(v) = h.as_of(date) else { continue };
            for m in v.members.iter().filter(|m| m.birth_date() <= date) {
                let facts = jingzhun_policy::rules::MemberFacts::of(m, date);
                if (6..=15).contains(&facts.school_age) {
                    children += 1;
                    if !facts
                        .schooling
                        .is_some_and(|s| s.meets_compulsory_education())
                    {
                        failing += 1;
                    }
                }
            }
        }
        assert!(children > 1_000, "{year}: {children}");
        assert_eq!(
            failing, 0,
            "{year}: {failing} of {children} children out of school"
        );
    }
}

#[test]
fn with_defects_the_schooling_failures_are_the_injected_ones() {
    let villages = generate(config("511921", 0.05, 5, 0.05));
    let injected: usize = households(&villages)
        .flat_map(|h| h.defects.iter())
        .filter(|d| d.kind == DefectKind::MissingSchooling)
        .count();
    assert!(injected > 0);
    // Defects are put into the current record; in the year it is in force they are all there is.
    let mut failing_households = 0;
    for h in households(&villages) {
        let date = year_end(2025);
        let Some(v) = h.as_of(date) else { continue };
        let fails = v
            .members
            .iter()
            .filter(|m| m.birth_date() <= date)
            .any(|m| {
                let f = jingzhun_policy::rules::MemberFacts::of(m, date);
                (6..=15).contains(&f.school_age)
                    && !f.schooling.is_some_and(|s| s.meets_compulsory_education())
            });
        failing_households += usize::from(fails);
    }
    assert!(
        failing_households <= injected,
        "{failing_households} > {injected}"
    );
}

#[test]
fn people_die_at_plausible_rates_and_never_come_back() {
    let all: Vec<&GeneratedHousehold> = households(bazhong()).collect();
    let people = |year: u16| -> usize {
        let date = year_end(year);
        all.iter()
            .filter_map(|h| h.as_of(date))
            .map(|v| v.members.iter().filter(|m| m.birth_date() <= date).count())
            .sum()
    };
    let (p2013, p2020, p2025) = (people(2013), people(2020), people(2025));
    // Deaths outnumber births after 2020 (the record has no later births): the rural population falls by
    // a few percent by 2025, at roughly 7–9 deaths per 1,000 a year.
    let fall = 1.0 - p2025 as f64 / p2020 as f64;
    assert!((0.02..=0.07).contains(&fall), "2020 {p2020}, 2025 {p2025}");
    assert!(
        p2020 > p2013,
        "births outnumber deaths in 2014–2020: {p2013} → {p2020}"
    );
    let mut deaths_before = 0usize;
    let mut deaths_after = 0usize;
    let mut emptied = 0usize;
    for h in &all {
        let list: Vec<_> = h.versions().collect();
        let mut gone: HashSet<ResidentId> = HashSet::new();
        for pair in list.windows(2) {
            let next: HashSet<&ResidentId> =
                pair[1].1.members.iter().map(|m| &m.resident_id).collect();
            for m in &pair[0].1.members {
                if !next.contains(&m.resident_id) {
                    gone.insert(m.resident_id);
                    if pair[1].0 <= record_date() {
                        deaths_before += 1;
                    } else {
                        deaths_after += 1;
                    }
                }
            }
            // Nobody who left comes back in a later version.
            for m in &pair[1].1.members {
                assert!(!gone.contains(&m.resident_id), "{}", h.household.number);
            }
        }
        // Every version but an emptied last one has exactly one head.
        for (_, v) in &list {
            let heads = v
                .members
                .iter()
                .filter(|m| m.relationship == Relationship::Head)
                .count();
            assert_eq!(
                heads,
                usize::from(!v.members.is_empty()),
                "{}",
                h.household.number
            );
        }
        // A household whose last member died is removed from the registry on that date, and nothing
        // happens to it afterwards.
        let (last_date, last) = list.last().unwrap();
        let removed: Vec<_> = h
            .events
            .iter()
            .filter(|e| e.kind == StatusEventKind::Removed)
            .collect();
        if last.members.is_empty() {
            emptied += 1;
            assert_eq!(removed.len(), 1, "{}", h.household.number);
            assert_eq!(removed[0].effective, *last_date);
            assert!(h.events.iter().all(|e| e.effective <= *last_date));
        } else {
            assert!(removed.is_empty(), "{}", h.household.number);
        }
    }
    let per_year = |deaths: usize, years: f64| deaths as f64 / years / p2020 as f64 * 1_000.0;
    let before = per_year(deaths_before, 7.0);
    let after = per_year(deaths_after, 5.0);
    assert!(
        (5.0..=11.0).contains(&before),
        "{before} per 1,000 a year in 2014–2020"
    );
    assert!(
        (5.0..=12.0).contains(&after),
        "{after} per 1,000 a year in 2021–2025"
    );
    assert!(emptied > 0);
}
