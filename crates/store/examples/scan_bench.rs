//! What reading one year of an existing registry costs, both ways (numbers go into BENCHMARKS.md):
//!
//! ```text
//! cargo run --release -p jingzhun-store --example scan_bench -- DB AREA YEAR
//! ```
//!
//! Times, as of YEAR's 31 December over AREA, [`Store::scan_households`] (every income year of each
//! version in force, what evaluations read before) and [`Store::scan_households_for_year`] (only YEAR's
//! incomes, what `evaluate` and the reports read now), each in a fresh store, the second first so that the
//! first pays for a cold file cache if anything does. Prints households, member rows, income rows and
//! seconds for each.

use std::time::Instant;

use chrono::NaiveDate;
use jingzhun_core::AreaCode;
use jingzhun_store::Store;

type Error = Box<dyn std::error::Error>;

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [db, area, year] = args.as_slice() else {
        return Err("usage: scan_bench DB AREA YEAR".into());
    };
    let area = AreaCode::parse(area)?;
    let year: u16 = year.parse()?;
    let as_of = NaiveDate::from_ymd_opt(i32::from(year), 12, 31).ok_or("bad year")?;
    for one_year in [true, false] {
        let store = Store::open(db)?;
        let (mut households, mut members, mut incomes) = (0usize, 0usize, 0usize);
        let started = Instant::now();
        let mut count = |h: jingzhun_store::StoredHousehold| {
            households += 1;
            members += h.household.members.len();
            incomes += h.household.incomes.len();
            Ok(())
        };
        if one_year {
            store.scan_households_for_year(&area, as_of, year, &mut count)?;
        } else {
            store.scan_households(&area, Some(as_of), &mut count)?;
        }
        println!(
            "{}: {households} households, {members} members, {incomes} income rows in {:.2} s",
            if one_year {
                "scan_households_for_year"
            } else {
                "scan_households (every income year)"
            },
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
