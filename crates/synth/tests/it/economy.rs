//! The economy records: the published 2020 figures through the report code (full scale for the area-wide
//! records, which need no households; a small scale with the engine for the labour force), and the household
//! side consistent with the households' incomes.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use chrono::NaiveDate;
use jingzhun_core::economy::{EmploymentStatus, LinkKind};
use jingzhun_core::{AreaCode, AreaTree, HouseholdId, IncomeComponent, Yuan};
use jingzhun_engine::{Engine, HouseholdInput};
use jingzhun_policy::PolicyPack;
use jingzhun_report::economy::{
    labour_force_households, EconomyData, EconomyFigures, BAZHONG_PUBLISHED_2020,
};
use jingzhun_synth::economy::CALIBRATION_YEAR;
use jingzhun_synth::{EconomyRecords, GeneratedVillage, Generator, SynthConfig};

use crate::common;

const SMALL: f64 = 0.05;

fn tree() -> &'static AreaTree {
    static TREE: OnceLock<AreaTree> = OnceLock::new();
    TREE.get_or_init(common::bazhong)
}

fn generator(seed: u64, scale: f64) -> Generator {
    let config = SynthConfig {
        seed,
        area: AreaCode::parse("5119").unwrap(),
        scale,
        defect_rate: 0.0,
        ..SynthConfig::default()
    };
    Generator::new(tree(), config).unwrap()
}

fn data_of(
    records: EconomyRecords,
    household_village: HashMap<HouseholdId, AreaCode>,
) -> EconomyData {
    EconomyData {
        operators: records.operators,
        bases: records.bases,
        products: records.products,
        sales: records.sales,
        accounts: records.accounts,
        links: records.links,
        employment: records.employment,
        household_village,
    }
}

/// The area-wide records of every village, without generating households (they do not depend on them).
fn area_wide(g: &Generator) -> EconomyRecords {
    let mut all = EconomyRecords::default();
    for plan in g.villages() {
        let empty = GeneratedVillage {
            code: plan.code,
            source: plan.source,
            county: g.counties()[plan.county].code,
            poor_village: plan.poor_village,
            households: Vec::new(),
        };
        let e = g.economy(&empty).unwrap();
        all.extend(e.resolve(|_| None).unwrap());
    }
    all
}

fn field(f: &EconomyFigures, name: &str) -> f64 {
    f.summary_fields()
        .into_iter()
        .find(|(n, _)| *n == name)
        .and_then(|(_, v)| v.as_f64())
        .unwrap()
}

#[test]
fn the_published_figures_come_out_at_full_scale_for_two_seeds() {
    let city = AreaCode::parse("5119").unwrap();
    for seed in [2014, 7] {
        let data = data_of(area_wide(&generator(seed, 1.0)), HashMap::new());
        let figures = EconomyFigures::compute(&city, CALIBRATION_YEAR, &data, &HashSet::new());
        for (name, want) in BAZHONG_PUBLISHED_2020 {
            let got = field(&figures, name);
            assert!(
                (got - want).abs() <= want * 0.01,
                "seed {seed}: {name} = {got}, published {want}"
            );
        }
        // The 116 include the 8 (the reading chosen), and the other bands are filled.
        assert!(figures.collective_villages_by_band["under_50k"] > 0);
        assert_eq!(
            figures.collective_villages_by_band["100k_1m"]
                + figures.collective_villages_by_band["over_1m"],
            figures.collective_income_villages_over_100k
        );
        // Counties add up to the city.
        let counties: u64 = tree()
            .within_at_level(&city, jingzhun_core::AreaLevel::County)
            .map(|c| {
                EconomyFigures::compute(&c.code, CALIBRATION_YEAR, &data, &HashSet::new())
                    .leading_enterprises
            })
            .sum();
        assert_eq!(counties, figures.leading_enterprises);
    }
}

#[test]
fn at_a_small_scale_counts_are_the_published_ones_times_the_scale_rounded() {
    let city = AreaCode::parse("5119").unwrap();
    for seed in [2014, 7] {
        let records = area_wide(&generator(seed, SMALL));
        let figures = EconomyFigures::compute(
            &city,
            CALIBRATION_YEAR,
            &data_of(records, HashMap::new()),
            &HashSet::new(),
        );
        for (name, want) in BAZHONG_PUBLISHED_2020 {
            let got = field(&figures, name);
            if *name == "industry_base_mu" {
                assert!(
                    (got - want * SMALL).abs() <= want * SMALL * 0.001,
                    "{name} = {got}"
                );
            } else {
                assert_eq!(got, (want * SMALL).round(), "seed {seed}: {name}");
            }
        }
    }
}

/// Households and their economy at the small scale, with ids as a store would give them, evaluated for 2020.
struct Small {
    villages: Vec<GeneratedVillage>,
    ids: Vec<Vec<HouseholdId>>,
    data: EconomyData,
    labour_force: HashSet<HouseholdId>,
}

fn small() -> &'static Small {
    static DATA: OnceLock<Small> = OnceLock::new();
    DATA.get_or_init(|| {
        let g = generator(2014, SMALL);
        let end = NaiveDate::from_ymd_opt(2020, 12, 31).unwrap();
        let mut engine = Engine::new(tree(), 2020, end);
        let mut records = EconomyRecords::default();
        let mut villages = Vec::new();
        let mut all_ids = Vec::new();
        let mut household_village = HashMap::new();
        let mut next = 1i64;
        for v in g.par_iter(32) {
            let v = v.unwrap();
            let ids: Vec<HouseholdId> = (0..v.households.len() as i64)
                .map(|k| HouseholdId(next + k))
                .collect();
            next += ids.len() as i64;
            let by_no: HashMap<_, _> = v
                .households
                .iter()
                .zip(&ids)
                .map(|(h, id)| (h.household.number.clone(), *id))
                .collect();
            for (h, id) in v.households.iter().zip(&ids) {
                household_village.insert(*id, v.code);
                if let Some(record) = h.as_of(end) {
                    engine.insert(HouseholdInput::from((*id, record, h.events.as_slice())));
                }
            }
            let e = g.economy(&v).unwrap();
            records.extend(e.resolve(|no| by_no.get(no).copied()).unwrap());
            villages.push(v);
            all_ids.push(ids);
        }
        let eval = engine.evaluate(&PolicyPack::builtin()).unwrap();
        let labour_force = labour_force_households(&engine, &eval);
        Small {
            villages,
            ids: all_ids,
            data: data_of(records, household_village),
            labour_force,
        }
    })
}

#[test]
fn workers_wages_add_up_to_the_household_wages_and_links_to_their_income_items() {
    let s = small();
    let mut wages: HashMap<(HouseholdId, u16), i64> = HashMap::new();
    for e in &s.data.employment {
        *wages.entry((e.household, e.year)).or_default() += e.wage.fen();
        assert!(e.status.in_work() || e.wage == Yuan::ZERO);
    }
    let mut links: HashMap<(HouseholdId, u16, LinkKind), i64> = HashMap::new();
    for l in &s.data.links {
        *links.entry((l.household, l.year, l.kind)).or_default() += l.amount.fen();
    }
    let (mut checked, mut with_links) = (0, 0);
    for (v, ids) in s.villages.iter().zip(&s.ids) {
        for (h, id) in v.households.iter().zip(ids) {
            for year in jingzhun_synth::economy::YEARS {
                let Some(income) = h.household.income(year) else {
                    continue;
                };
                if let Some(paid) = wages.get(&(*id, year)) {
                    let household_wages = income.get(IncomeComponent::Wages).fen();
                    // Households whose wages nobody of working age can be named for keep them unattributed.
                    if *paid > 0 || household_wages == 0 {
                        assert_eq!(*paid, household_wages, "{} {year}", h.household.number);
                        checked += 1;
                    }
                }
                let get = |k: LinkKind| links.get(&(*id, year, k)).copied().unwrap_or(0);
                let dividend = get(LinkKind::Dividend) + get(LinkKind::AssetIncome);
                if dividend > 0 {
                    assert_eq!(
                        dividend,
                        income.get(IncomeComponent::PropertyDividend).fen()
                    );
                    with_links += 1;
                }
                assert!(
                    get(LinkKind::ContractFarming) <= income.get(IncomeComponent::Business).fen()
                );
                let rent = get(LinkKind::LandRent);
                assert!(rent == 0 || rent == income.get(IncomeComponent::PropertyOther).fen());
                assert!(get(LinkKind::Employment) <= income.get(IncomeComponent::Wages).fen());
            }
        }
    }
    assert!(checked > 1_000, "{checked}");
    assert!(with_links > 500, "{with_links}");
}

#[test]
fn the_labour_force_in_work_is_counted_through_the_engine() {
    let s = small();
    let city = AreaCode::parse("5119").unwrap();
    let f = EconomyFigures::compute(&city, 2020, &s.data, &s.labour_force);
    let working_age = f.labour_in_work + f.labour_not_working;
    assert!(working_age > 0);
    let share = f.labour_in_work as f64 / working_age as f64;
    assert!((0.3..0.8).contains(&share), "in work {share}");
    assert!(f.labour_by_place["outside_province"] > f.labour_by_place["within_province"]);
    // Employment is recorded only for the lifted and monitored: counting everyone gives the same.
    let everyone: HashSet<HouseholdId> = s.data.household_village.keys().copied().collect();
    let all = EconomyFigures::compute(&city, 2020, &s.data, &everyone);
    assert_eq!(all.labour_in_work, f.labour_in_work);
    assert!(s
        .data
        .employment
        .iter()
        .any(|e| e.status == EmploymentStatus::PublicWelfareJob));
}

#[test]
fn a_village_economy_is_the_same_however_often_it_is_generated() {
    let g = generator(2014, SMALL);
    let v = g.generate_village(3).unwrap();
    assert_eq!(g.economy(&v).unwrap(), g.economy(&v).unwrap());
    let again = generator(2014, SMALL);
    assert_eq!(again.economy(&v).unwrap(), g.economy(&v).unwrap());
}

/// Work breaks off some years (the assumed `WORK_BREAK_RATE`): the employment warning finds lost work at
/// about that rate among the members in steady work the year before, more in 2020 (the epidemic's year),
/// and the breaks keep the wages with the household (checked above).
#[test]
fn work_breaks_off_some_years_at_about_the_assumed_rate() {
    use jingzhun_report::economy::{employment_leads, MIN_STABLE_MONTHS};
    use jingzhun_synth::economy::work_break_rate;
    let s = small();
    let rate = |year: u16| {
        let steady = s
            .data
            .employment
            .iter()
            .filter(|e| e.year == year - 1 && s.labour_force.contains(&e.household))
            .filter(|e| e.status.in_work() && e.months >= MIN_STABLE_MONTHS)
            .count();
        let leads = employment_leads(year, &s.data.employment, &s.labour_force).len();
        assert!(steady > 500, "{year}: {steady} steady workers");
        leads as f64 / steady as f64
    };
    let (r2020, r2021) = (rate(2020), rate(2021));
    for (year, r) in [(2020, r2020), (2021, r2021)] {
        let assumed = work_break_rate(year);
        assert!(
            (assumed * 0.5..assumed * 2.0).contains(&r),
            "{year}: {r} against the assumed {assumed}"
        );
    }
    assert!(r2020 > r2021, "2020 {r2020}, 2021 {r2021}");
    // Some lose the whole year (务工中断), not only months.
    assert!(s
        .data
        .employment
        .iter()
        .any(|e| e.reason == Some(jingzhun_core::economy::NotWorkingReason::JobLost)));
}
