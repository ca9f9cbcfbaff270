//! Prints a few generated households as JSON, for eyeballing.
//!
//! `cargo run -p jingzhun-synth --example show_households -- [village-or-area] [count] [seed]`

#[path = "../tests/common/mod.rs"]
mod common;

use jingzhun_core::AreaCode;
use jingzhun_synth::{Generator, SynthConfig};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let area = args.get(1).map(String::as_str).unwrap_or("511921");
    let count: usize = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(3);
    let seed: u64 = args.get(3).map(|s| s.parse()).transpose()?.unwrap_or(2014);
    let tree = common::tree(&area[..area.len().min(4)]);
    let generator = Generator::new(
        &tree,
        SynthConfig {
            seed,
            area: AreaCode::parse(area)?,
            scale: 1.0,
            defect_rate: 0.0,
            ..SynthConfig::default()
        },
    )?;
    for h in generator.households().take(count) {
        println!("{}", serde_json::to_string_pretty(&h?)?);
    }
    Ok(())
}
