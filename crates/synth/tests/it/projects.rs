//! The project library, forces and settlements calibrated to Bazhong's published figures, checked through
//! the report's own computation (`jingzhun_report::projects::ProjectDetails`) on a scaled-down Bazhong, for
//! two seeds.

use std::collections::HashMap;

use chrono::NaiveDate;
use jingzhun_core::monitoring::{Cadre, CadreId};
use jingzhun_core::projects::*;
use jingzhun_core::{AreaCode, HouseholdId, HouseholdNo};
use jingzhun_report::projects::{ProjectDetails, BAZHONG_PUBLISHED_PROJECTS};
use jingzhun_synth::projects::{self as gen, VillageFacts};
use jingzhun_synth::{Generator, SynthConfig};

use crate::common;

const SCALE: f64 = 0.05;
/// Poor villages × three terms: first secretaries and work teams do not scale (poor villages are exact at
/// any scale up to 1, as the households' calibration keeps them).
const FIRST_SECRETARIES: i64 = 699 * 3;
/// Work-team members (two per team) do not scale either; 帮扶责任人 do (56,609 at scale 1).
const FIXED_ASSISTING: f64 = 699.0 * 9.0;
const RESPONSIBLE_AT_SCALE_1: f64 = 62_900.0 - FIXED_ASSISTING;

/// The report's figures of Bazhong generated at `SCALE` with `seed`, as of the end of 2020.
fn details(seed: u64) -> (ProjectDetails, ProjectRecords) {
    let tree = common::bazhong();
    let city = AreaCode::parse("5119").unwrap();
    let config = SynthConfig {
        seed,
        area: city,
        scale: SCALE,
        defect_rate: 0.0,
        ..SynthConfig::default()
    };
    let g = Generator::new(&tree, config).unwrap();
    let mut facts = Vec::new();
    let mut cadres: Vec<Cadre> = Vec::new();
    for v in g.par_iter(32) {
        let v = v.unwrap();
        let m = g.monitoring(&v).unwrap();
        // Cadre ids made unique the way the loader does it.
        let base = cadres.len() as i64;
        cadres.extend(m.records.cadres.into_iter().map(|mut c| {
            c.id = CadreId(base + c.id.0);
            c
        }));
        facts.push(VillageFacts::of(&v));
    }
    let generated = gen::generate(seed, &city, SCALE, &mut facts).unwrap();
    let numbers: HashMap<HouseholdNo, HouseholdId> = facts
        .iter()
        .flat_map(|f| f.registered.iter().chain(f.relocated.iter().map(|r| &r.0)))
        .enumerate()
        .map(|(i, no)| (no.clone(), HouseholdId(i as i64 + 1)))
        .collect();
    let records = ProjectRecords {
        projects: generated.projects,
        allocations: generated.allocations,
        spending: generated.spending,
        assets: generated.assets,
        returns: generated.returns,
        teams: gen::work_teams(&cadres, WorkTeamId(1)),
        secondments: generated.secondments,
        partners: generated.partners,
        donations: generated.donations,
        settlements: generated.settlements,
        residents: generated
            .residents
            .iter()
            .map(|(s, no, moved_in)| Resident {
                settlement: *s,
                household: numbers[no],
                moved_in: *moved_in,
            })
            .collect(),
        ..ProjectRecords::default()
    };
    let end = NaiveDate::from_ymd_opt(2020, 12, 31).unwrap();
    (
        ProjectDetails::compute(&records, &cadres, &city, end),
        records,
    )
}

fn check(seed: u64) {
    let (d, records) = details(seed);
    // Every dated record lies before the earliest data end the generator takes (the first day of 2026), so
    // a run ending on any day it accepts has nothing of the project library dated later (a secondment's
    // end and an announcement's last day are planned dates, also before it).
    let earliest_end = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    for p in &records.projects {
        for s in &p.steps {
            assert!(s.on <= earliest_end && s.announced_until.is_none_or(|u| u <= earliest_end));
        }
    }
    assert!(records.spending.iter().all(|s| s.on <= earliest_end));
    assert!(records.assets.iter().all(|a| a.handed_over <= earliest_end));
    assert!(records.returns.iter().all(|r| r.year <= 2026));
    assert!(records.secondments.iter().all(|s| s.from <= earliest_end));
    assert!(records.donations.iter().all(|x| x.on <= earliest_end));
    assert!(records.residents.iter().all(|r| r.moved_in <= earliest_end));
    let value = serde_json::to_value(&d.figures).unwrap();
    let mut report = Vec::new();
    for p in BAZHONG_PUBLISHED_PROJECTS {
        let got = value[p.field].as_f64().unwrap();
        let (want, tolerance) = match p.field {
            "first_secretaries" => (p.value, 0.01 * p.value),
            // "Over 2,000": at least that many.
            "work_teams" => {
                assert!(got >= p.value, "work_teams {got} < {}", p.value);
                continue;
            }
            "assisting_cadres" => {
                // Rounding up to one 帮扶责任人 in villages with few paired households adds some at small
                // scale; at scale 1 the figure is within 1% (the demo table shows it).
                let want = FIXED_ASSISTING + SCALE * RESPONSIBLE_AT_SCALE_1;
                (want, 0.15 * want)
            }
            // Totals shared out exactly: within rounding of one unit (a hundredth of a km, a fen).
            _ => (p.value * SCALE, 1.0_f64.max(p.value * SCALE * 1e-6)),
        };
        report.push(format!("{} {got} (want {want:.1})", p.field));
        assert!(
            (got - want).abs() <= tolerance,
            "seed {seed}: {} = {got}, want {want} ± {tolerance}\n{}",
            p.field,
            report.join("\n")
        );
    }
    eprintln!("seed {seed}: {}", report.join(", "));
    assert_eq!(d.figures.first_secretaries, FIRST_SECRETARIES);
    // Every relocated household lives in a settlement, within its capacity.
    let relocated = records.residents.len() as i64;
    assert!(relocated > 0);
    assert_eq!(d.relocated_in_settlements, relocated);
    let mut living: HashMap<SettlementId, u32> = HashMap::new();
    for r in &records.residents {
        *living.entry(r.settlement).or_default() += 1;
    }
    for s in &records.settlements {
        assert!(
            living.get(&s.id).copied().unwrap_or(0) <= s.capacity,
            "{}",
            s.name
        );
    }
    // Every stored project replays through the workflow's own checks; none started inside its announcement.
    for p in &records.projects {
        let mut replay = Project {
            steps: vec![],
            ..p.clone()
        };
        for s in &p.steps {
            replay.push_step(s.clone()).unwrap();
        }
    }
    // Funds: completed projects spent what was allocated; some money is still to be spent on projects
    // under way, so the execution rate is high but below one by 2025.
    let rate = d.total.execution_rate.unwrap();
    assert!((0.99..=1.0).contains(&rate), "execution rate {rate}");
    assert!(d.industry_share.is_some_and(|s| s > 0.0 && s < 0.5));
    assert!(d.assets > 0 && d.returns_households_yuan > 0.0);
}

#[test]
fn projects_and_forces_reproduce_the_published_figures_through_the_report() {
    check(2014);
}

#[test]
fn projects_and_forces_calibration_holds_for_another_seed() {
    check(7);
}
