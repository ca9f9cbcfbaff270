//! Times `bulk_load` and a full `scan_households` on synthetic data (3 members and 13 income years per
//! household).
//!
//! ```text
//! cargo run --release -p jingzhun-store --example bulk_bench -- [HOUSEHOLDS] [DATABASE_URL]
//! ```
//!
//! Without a URL it uses a new SQLite file in a temporary directory. Numbers go into reports, never into tests.

use std::time::Instant;

use chrono::NaiveDate;
use jingzhun_core::resident_id::check_character;
use jingzhun_core::*;
use jingzhun_store::{Actor, Store};

/// CPU seconds used by this process so far (user + system), from /proc on Linux; 0 elsewhere. The machine
/// may be shared, so wall time alone says little.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir()?;
    let url = match args.next() {
        Some(url) => url,
        None => format!("sqlite:{}", dir.path().join("bench.db").display()),
    };
    let store = Store::open(&url)?;
    if let Ok(sql) = std::env::var("BENCH_SQL") {
        rusqlite::Connection::open(url.trim_start_matches("sqlite:"))?.execute_batch(&sql)?;
    }
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).ok_or("date")?;
    let effective = NaiveDate::from_ymd_opt(2014, 10, 1).ok_or("date")?;

    let member = |i: usize, rel: Relationship| -> Result<Member, Box<dyn std::error::Error>> {
        let first17 = format!(
            "5119021970{:02}{:02}{:03}",
            1 + i % 12,
            1 + i % 28,
            i % 1000
        );
        let id = format!("{first17}{}", check_character(first17.as_bytes()));
        Ok(Member {
            name: PersonName::parse("张三")?,
            resident_id: ResidentId::parse_on(&id, today)?,
            sex: Sex::Male,
            relationship: rel,
            ethnicity: "汉族".into(),
            education: Some(Education::Junior),
            schooling: None,
            health: Health::Healthy,
            labour: Some(LabourAbility::Ordinary),
            work_status: WorkStatus::ALL[i % WorkStatus::ALL.len()],
            migrant_months: MigrantMonths::new((i % 13) as i64)?,
            medical_insurance: true,
            serious_illness_insurance: true,
            pension_insurance: i.is_multiple_of(2),
            social_assistance: SocialAssistance::NoAssistance,
        })
    };
    let village = |i: usize| {
        AreaCode::parse(&format!(
            "511902{:03}{:03}",
            1 + i / 200_000,
            1 + (i / 500) % 400
        ))
    };
    let make = |i: usize| -> Result<(Household, Vec<StatusEvent>), Box<dyn std::error::Error>> {
        let incomes = (2014..2027)
            .map(|y| {
                let mut r = IncomeRecord::new(y);
                for (k, c) in IncomeComponent::ALL.iter().enumerate() {
                    r.set(
                        *c,
                        Yuan::from_fen(((i + k) as i64 * 7919 + i64::from(y)) % 1_000_000),
                    );
                }
                r
            })
            .collect();
        let h = Household {
            number: HouseholdNo::parse(&format!("B{i:09}"))?,
            village: village(i)?,
            natural_village: Some("一组".into()),
            phone: Some(Phone::parse("13812345678")?),
            standard: IdentificationStandard::ALL[0],
            attribute: Some(PoorAttribute::ALL[i % PoorAttribute::ALL.len()]),
            main_cause: Some(PovertyCause::ALL[i % PovertyCause::ALL.len()]),
            other_causes: vec![PovertyCause::LackOfCapital],
            planned_exit_year: Some(2018),
            housing: Housing::default(),
            relocation: None,
            water: Water::default(),
            food_clothing_secured: true,
            electricity: true,
            sanitary_toilet: i.is_multiple_of(3),
            fuel: Some(FuelType::Firewood),
            farmland_mu: Some(2.5),
            forest_mu: None,
            cooperative_member: false,
            members: vec![
                member(i, Relationship::Head)?,
                member(i + 1, Relationship::Spouse)?,
                member(i + 2, Relationship::Son)?,
            ],
            incomes,
        };
        Ok((
            h,
            vec![StatusEvent::new(StatusEventKind::Registered, effective)],
        ))
    };

    let mut failed = None;
    let mut iter = (0..n).map_while(|i| match make(i) {
        Ok(x) => Some(x),
        Err(e) => {
            failed = Some(e.to_string());
            None
        }
    });
    let started = Instant::now();
    let cpu = cpu_seconds();
    let loaded = store.bulk_load(
        &mut iter,
        effective,
        &Actor::system("bench"),
        "bench",
        &mut |k| {
            if k % 200_000 == 0 {
                eprintln!("  {k} households, {:.1}s", started.elapsed().as_secs_f64());
            }
        },
    )?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    let secs = started.elapsed().as_secs_f64();
    let rows = loaded * (1 + 1 + 3 + 13 + 1);
    println!(
        "{}: bulk_load {loaded} households ({rows} rows) in {secs:.1}s wall, {:.1}s CPU in this process = {:.0} households/s, {:.0} rows/s",
        store.backend(),
        cpu_seconds() - cpu,
        loaded as f64 / secs,
        rows as f64 / secs
    );

    if std::env::var_os("BENCH_NO_SCAN").is_some() {
        return Ok(());
    }
    let started = Instant::now();
    let cpu = cpu_seconds();
    let mut members = 0usize;
    let scanned = store.scan_households(&AreaCode::parse("51")?, None, &mut |h| {
        members += h.household.members.len();
        Ok(())
    })?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}: scan_households {scanned} households ({members} members) in {secs:.1}s wall, {:.1}s CPU in this process = {:.0} households/s",
        store.backend(),
        cpu_seconds() - cpu,
        scanned as f64 / secs
    );
    let started = Instant::now();
    let scanned =
        store.scan_households(&AreaCode::parse("51")?, Some(effective), &mut |_| Ok(()))?;
    println!(
        "{}: scan_households as of {effective}: {scanned} households in {:.1}s",
        store.backend(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
