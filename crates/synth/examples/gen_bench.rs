//! Generates a registry and reports speed and the calibration figures.
//!
//! `cargo run --release -p jingzhun-synth --example gen_bench -- [scale] [area] [seed] [batch]`

#[path = "../tests/common/mod.rs"]
mod common;

use std::hash::{Hash, Hasher};
use std::time::Instant;

use jingzhun_core::AreaCode;
use jingzhun_synth::{Calibration, Generator, SynthConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let scale: f64 = args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(1.0);
    let area = args.get(2).map(String::as_str).unwrap_or("5119");
    let seed: u64 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(2014);
    let batch: usize = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(32);
    let t0 = Instant::now();
    let tree = common::tree(&area[..area.len().min(4)]);
    let config = SynthConfig {
        seed,
        area: AreaCode::parse(area)?,
        scale,
        defect_rate: 0.0,
        ..SynthConfig::default()
    };
    let generator = Generator::new(&tree, config)?;
    let planned = t0.elapsed();
    let t1 = Instant::now();
    let mut check = Calibration::default();
    let mut members = 0usize;
    let mut checking = std::time::Duration::ZERO;
    // A fingerprint of the output (numbers, IDs, incomes, events) to compare runs with other batch sizes
    // and thread counts.
    let mut digest = std::collections::hash_map::DefaultHasher::new();
    for village in generator.par_iter(batch) {
        let village = village?;
        members += village
            .households
            .iter()
            .map(|h| h.household.members.len())
            .sum::<usize>();
        for g in &village.households {
            let h = &g.household;
            h.number.as_str().hash(&mut digest);
            for m in &h.members {
                m.resident_id.as_str().hash(&mut digest);
                m.name.as_str().hash(&mut digest);
            }
            for r in &h.incomes {
                r.amounts().hash(&mut digest);
            }
            for e in &g.events {
                (e.kind.code(), e.effective).hash(&mut digest);
            }
        }
        let tc = Instant::now();
        check.add_village(&village);
        checking += tc.elapsed();
    }
    let generated = t1.elapsed();
    let figures = check.figures();
    println!(
        "threads {}: tree+plan {:.2?}, generated {} villages, {} households, {} people in {:.2?} ({:.0} households/s; of which calibration recount {:.2?})",
        rayon::current_num_threads(),
        planned,
        figures.villages,
        figures.households,
        members,
        generated,
        figures.households as f64 / generated.as_secs_f64(),
        checking
    );
    println!("fingerprint {:016x}", digest.finish());
    print!("{}", figures.report(scale));
    Ok(())
}
