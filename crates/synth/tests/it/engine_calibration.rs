//! The calibration as the product computes it: a scaled-down Bazhong, loaded into the evaluation engine for
//! every year 2013–2020 and summarised by `jingzhun-report`'s [`SummarySeries`], reproduces every published
//! figure within its tolerance (`common::engine::TARGETS`): counts scaled, within the larger of 1% and three
//! standard errors at this scale; per-capita incomes within ±2%; poor villages, counties exited and the empty
//! end-2020 registry exactly; and each county exits in its published year.
//!
//! [`SummarySeries`]: jingzhun_report::summary::SummarySeries

use crate::common::{self, engine};
use jingzhun_core::AreaTree;
use jingzhun_synth::{Calibration, CalibrationFigures, Generator, SynthConfig};

/// Large enough that the sampling tolerances stay within a few percent (about 57,000 households).
const SCALE: f64 = 0.05;

/// The engine's series and the generator's own recount ([`Calibration`]) of the same stream.
fn evaluated(tree: &AreaTree, seed: u64) -> (engine::Series, CalibrationFigures) {
    let config = SynthConfig {
        seed,
        scale: SCALE,
        ..SynthConfig::default()
    };
    let generator = Generator::new(tree, config).unwrap();
    let mut check = Calibration::default();
    let series = engine::evaluate(tree, &generator, &mut |v| check.add_village(v)).unwrap();
    (series, check.figures())
}

/// The generator's recount (used to tune it quickly) counts exactly as the engine does.
fn assert_recount_agrees(series: &engine::Series, f: &CalibrationFigures) {
    let y2013 = series.area.summary(2013).unwrap();
    let y2020 = series.area.summary(2020).unwrap();
    let same = |name: &str, engine: i64, recount: f64| {
        assert_eq!(
            engine as f64, recount,
            "{name}: engine {engine}, recount {recount}"
        );
    };
    same("population 2013", y2013.rural_population, f.people);
    same("population 2020", y2020.rural_population, f.people_2020);
    same("poor 2013", y2013.poor_people, f.poor_people_2013);
    same("poor 2020", y2020.poor_people, f.poor_people_end_2020);
    same(
        "lifted",
        y2020.lifted_people_cumulative,
        f.exited_2014_2020(),
    );
    same(
        "relocated households",
        y2020.relocated_households,
        f.relocated_households as f64,
    );
    same(
        "relocated people",
        y2020.relocated_people,
        f.relocated_people,
    );
    same("低保", y2020.dibao_people, f.dibao_people);
    same(
        "低保 registered",
        y2020.dibao_registered_poor_people,
        f.dibao_registered_poor,
    );
    assert_eq!(y2013.poor_villages as usize, f.poor_villages_by_incidence);
    // Incomes: the engine rounds each household's per-capita income to the fen.
    let income = |name: &str, engine: Option<f64>, recount: f64| {
        let engine = engine.unwrap();
        assert!(
            (engine - recount).abs() < 0.01,
            "{name}: engine {engine}, recount {recount}"
        );
    };
    income(
        "income 2013",
        y2013.registered_poor_income_per_capita,
        f.poor_income_2013,
    );
    income(
        "income 2020",
        y2020.registered_poor_income_per_capita,
        f.poor_income_2020,
    );
}

fn assert_published_figures(series: &engine::Series) {
    let mut failures = Vec::new();
    for target in engine::TARGETS {
        let got = series
            .area
            .summary(target.year)
            .and_then(|s| s.get(target.field))
            .unwrap_or(f64::NAN);
        let (want, tolerance) = engine::expectation(target, SCALE);
        let line = format!(
            "{} {}: engine {got:.4}, target {want:.4} ± {tolerance:.4}",
            target.year, target.label
        );
        println!("{line}");
        // NaN (a missing figure) fails too.
        let within = (got - want).abs() <= tolerance;
        if !within {
            failures.push(line);
        }
    }
    assert!(
        failures.is_empty(),
        "outside tolerance:\n{}",
        failures.join("\n")
    );
}

fn assert_county_exits(series: &engine::Series) {
    assert_eq!(series.counties.len(), 5);
    for (code, s) in &series.counties {
        let want = engine::approval_year(code).unwrap();
        for year in 2014..=engine::LAST_YEAR {
            let exited = s.summary(year).unwrap().counties_exited;
            assert_eq!(
                exited,
                u32::from(year >= want),
                "county {code} in {year}: exit approved in {want}"
            );
        }
    }
}

#[test]
fn engine_evaluation_of_bazhong_reproduces_the_published_figures() {
    let tree = common::bazhong();
    let (series, recount) = evaluated(&tree, 2014);
    assert_published_figures(&series);
    assert_county_exits(&series);
    assert_recount_agrees(&series, &recount);
    // The story between the published years: the stock shrinks every year, poor villages never come back,
    // and lifted people grow.
    let summaries: Vec<_> = (engine::FIRST_YEAR..=engine::LAST_YEAR)
        .map(|y| series.area.summary(y).unwrap())
        .collect();
    for pair in summaries.windows(2) {
        assert!(
            pair[1].poor_people < pair[0].poor_people,
            "{}",
            pair[1].year
        );
        assert!(
            pair[1].poor_villages <= pair[0].poor_villages,
            "{}",
            pair[1].year
        );
        assert!(
            pair[1].lifted_people_cumulative > pair[0].lifted_people_cumulative,
            "{}",
            pair[1].year
        );
    }
    // More people were lifted out than the 2013 stock (additions by dynamic adjustment).
    assert!(summaries[7].lifted_people_cumulative > summaries[0].poor_people);
}

#[test]
fn engine_calibration_holds_for_another_seed() {
    let tree = common::bazhong();
    let (series, _) = evaluated(&tree, 7);
    assert_published_figures(&series);
    assert_county_exits(&series);
}
