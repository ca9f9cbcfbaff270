//! Times `bulk_load_monitoring` at Bazhong's scale and the reads the web application and reports make.
//!
//! ```text
//! cargo run --release -p jingzhun-store --example monitoring_bench -- [CASES] [DATABASE_URL]
//! ```
//!
//! For `CASES` cases (default 100,000) it loads as many households (one member each, no incomes: they are
//! only there for the references), then one batch with `CASES / 5` cadres, `CASES` pairings, `CASES` cases
//! with their steps (a mix of every state), `3 × CASES` measures and `5 × CASES` visits. Without a URL it uses
//! a new SQLite file in a temporary directory. Numbers go into BENCHMARKS.md, never into tests.

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use jingzhun_core::monitoring::*;
use jingzhun_core::resident_id::check_character;
use jingzhun_core::*;
use jingzhun_store::{Actor, CaseFilter, MonitoringBatch, Store};

type Error = Box<dyn std::error::Error>;

/// CPU seconds used by this process so far (user + system), from /proc on Linux; 0 elsewhere.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
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

/// Village `i % 2000` of Bazhong's five counties.
fn village(i: usize) -> Result<AreaCode, Error> {
    let counties = ["511902", "511903", "511921", "511922", "511923"];
    let v = i % 2_000;
    Ok(AreaCode::parse(&format!(
        "{}{:03}{:03}",
        counties[v % 5],
        1 + (v / 5) % 40,
        1 + v / 200
    ))?)
}

fn household(i: usize, today: NaiveDate) -> Result<Household, Error> {
    let first17 = format!(
        "5119021970{:02}{:02}{:03}",
        1 + i % 12,
        1 + i % 28,
        i % 1000
    );
    let id = format!("{first17}{}", check_character(first17.as_bytes()));
    Ok(Household {
        number: HouseholdNo::parse(&format!("M{i:09}"))?,
        village: village(i)?,
        natural_village: None,
        phone: None,
        standard: IdentificationStandard::National,
        attribute: None,
        main_cause: None,
        other_causes: vec![],
        planned_exit_year: None,
        housing: Housing::default(),
        relocation: None,
        water: Water::default(),
        food_clothing_secured: true,
        electricity: true,
        sanitary_toilet: true,
        fuel: None,
        farmland_mu: None,
        forest_mu: None,
        cooperative_member: false,
        members: vec![Member {
            name: PersonName::parse("张三")?,
            resident_id: ResidentId::parse_on(&id, today)?,
            sex: Sex::Male,
            relationship: Relationship::Head,
            ethnicity: "汉族".into(),
            education: None,
            schooling: None,
            health: Health::Healthy,
            labour: None,
            work_status: WorkStatus::NotMigrant,
            migrant_months: MigrantMonths::new(0)?,
            medical_insurance: true,
            serious_illness_insurance: true,
            pension_insurance: true,
            social_assistance: SocialAssistance::NoAssistance,
        }],
        incomes: vec![],
    })
}

fn batch(ids: &[HouseholdId], start: DateTime<Utc>) -> Result<MonitoringBatch, Error> {
    let n = ids.len();
    let day = |k: usize| start.date_naive() + Duration::days((k % 700) as i64);
    let mut b = MonitoringBatch::default();
    let cadres = (n / 5).max(1);
    for c in 0..cadres {
        b.cadres.push(Cadre {
            id: CadreId(c as i64 + 1),
            name: PersonName::parse("李四")?,
            phone: Some(Phone::parse(&format!("139{:08}", c))?),
            unit: "县农业农村局".into(),
            post: CadrePost::ALL[c % CadrePost::ALL.len()],
            area: village(c)?,
        });
    }
    for (i, h) in ids.iter().enumerate() {
        let cadre = CadreId((i % cadres) as i64 + 1);
        b.assignments.push(Assignment {
            cadre,
            household: *h,
            from: day(i),
            to: None,
        });
        let opened = start + Duration::hours((i % 17_000) as i64);
        let elimination = i % 3 == 0;
        // Lead only, part-way, decided or rejected at the visit.
        let steps = [1, 3, 5, 6, 6, 6, 2][i % 7];
        let mut case = CaseRecord {
            id: CaseId::new(*h, 1)?,
            village: village(i)?,
            kind: if elimination {
                CaseKind::Elimination
            } else {
                CaseKind::Identification
            },
            channel: Channel::ALL[i % Channel::ALL.len()],
            monitoring_kind: (!elimination).then(|| MonitoringKind::ALL[i % 3]),
            risk_types: vec![RiskType::ALL[i % RiskType::ALL.len()]],
            steps: Vec::new(),
        };
        for (k, step) in Step::ALL[..steps].iter().enumerate() {
            case.steps.push(CaseStep {
                step: *step,
                outcome: if i % 7 == 6 && k == 1 {
                    Outcome::Reject
                } else {
                    Outcome::Pass
                },
                by: "bench".into(),
                at: opened + Duration::days(k as i64 * 2),
                note: String::new(),
            });
        }
        b.cases.push(case);
        for m in 0..3 {
            let started = day(i + m * 100);
            b.measures.push(Measure {
                household: *h,
                kind: AssistanceType::ALL[(i + m) % AssistanceType::ALL.len()],
                description: "产业奖补".into(),
                started,
                ended: (m == 0).then(|| started + Duration::days(180)),
                amount: Some(Yuan::from_fen(50_000 + (i as i64 % 100) * 1_000)),
                case: (m == 1).then_some(CaseId::new(*h, 1)?),
                cadre: Some(cadre),
            });
        }
        for v in 0..5 {
            b.visits.push(Visit {
                household: *h,
                cadre: Some(cadre),
                visited_on: day(i + v * 60),
                purpose: VisitPurpose::ALL[(i + v) % VisitPurpose::ALL.len()],
                findings: "家庭收入稳定".into(),
            });
        }
    }
    Ok(b)
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let url = match args.next() {
        Some(url) => url,
        None => format!("sqlite:{}", dir.path().join("bench.db").display()),
    };
    let store = Store::open(&url)?;
    let actor = Actor::system("bench");
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).ok_or("date")?;
    let effective = NaiveDate::from_ymd_opt(2021, 1, 1).ok_or("date")?;

    let households: Vec<Household> = (0..n)
        .map(|i| household(i, today))
        .collect::<Result<_, _>>()?;
    let started = Instant::now();
    store.bulk_load(
        &mut households.into_iter().map(|h| (h, vec![])),
        effective,
        &actor,
        "bench",
        &mut |_| {},
    )?;
    println!(
        "{}: {n} households loaded (for the references) in {:.1}s",
        store.backend(),
        started.elapsed().as_secs_f64()
    );
    let mut ids = Vec::with_capacity(n);
    store.scan_households(&AreaCode::parse("51")?, None, &mut |h| {
        ids.push(h.id);
        Ok(())
    })?;
    ids.sort_unstable();

    let start = DateTime::parse_from_rfc3339("2024-01-01T01:00:00Z")?.with_timezone(&Utc);
    let started = Instant::now();
    let b = batch(&ids, start)?;
    println!("batch built in {:.1}s", started.elapsed().as_secs_f64());

    let started = Instant::now();
    let cpu = cpu_seconds();
    let loaded = store.bulk_load_monitoring(&b, &actor)?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{}: bulk_load_monitoring {} rows ({} cadres, {} pairings, {} cases, {} steps, {} measures, {} visits) \
         in {secs:.1}s wall, {:.1}s CPU in this process = {:.0} rows/s",
        store.backend(),
        loaded.rows(),
        loaded.cadres,
        loaded.assignments,
        loaded.cases,
        loaded.steps,
        loaded.measures,
        loaded.visits,
        cpu_seconds() - cpu,
        loaded.rows() as f64 / secs
    );

    let time = |what: &str, f: &mut dyn FnMut() -> Result<usize, Error>| -> Result<(), Error> {
        let started = Instant::now();
        let cpu = cpu_seconds();
        let mut out = 0;
        for _ in 0..10 {
            out = f()?;
        }
        println!(
            "{}: {what}: {out} in {:.2} ms wall, {:.1} ms CPU in this process (mean of 10)",
            store.backend(),
            started.elapsed().as_secs_f64() * 100.0,
            (cpu_seconds() - cpu) * 100.0
        );
        Ok(())
    };
    let city = AreaCode::parse("5119")?;
    let county = AreaCode::parse("511902")?;
    let as_of = NaiveDate::from_ymd_opt(2025, 6, 30).ok_or("date")?;
    let inbox = CaseFilter {
        open_only: true,
        limit: Some(50),
        ..CaseFilter::default()
    };
    time("cases_within(county, open, 50)", &mut || {
        Ok(store.cases_within(&county, &inbox)?.len())
    })?;
    time("count_cases_within(county, open)", &mut || {
        Ok(store.count_cases_within(&county, &inbox)? as usize)
    })?;
    time("cases_within(village, all)", &mut || {
        Ok(store
            .cases_within(&village(0)?, &CaseFilter::default())?
            .len())
    })?;
    time("case_counts_within(city) open", &mut || {
        Ok(store.case_counts_within(&city, as_of, 15)?.open() as usize)
    })?;
    time("measure_counts_within(city) households", &mut || {
        Ok(store
            .measure_counts_within(&city, as_of)?
            .households_with_active as usize)
    })?;
    let h = ids[n / 2];
    time(
        "one household: cases, measures, visits, cadres",
        &mut || {
            Ok(store.cases_of_household(h)?.len()
                + store.measures_of(h)?.len()
                + store.visits_of(h)?.len()
                + store.cadres_of(h)?.len())
        },
    )?;
    time("cadres_within(county)", &mut || {
        Ok(store.cadres_within(&county)?.len())
    })?;
    Ok(())
}
