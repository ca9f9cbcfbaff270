//! Times the monitoring pages over a county with cases, visits, measures and cadres at the demo's scale,
//! in-process through the real router (no network), on SQLite or PostgreSQL.
//!
//! ```text
//! cargo run --release -p jingzhun-web --example workflow_pages_bench -- [HOUSEHOLDS] [STORE_URL]
//! ```
//!
//! One county (511902) of 20 townships × 15 villages and HOUSEHOLDS households (default 100,000), each
//! with one monitoring case (a mix: 10 % open at each step, the rest decided or rejected; leads spread
//! over the last 400 days, so some open ones are overdue), 5 visits, a measure for every other household
//! and two cadres per village paired with its households. STORE_URL defaults to a new SQLite file in a
//! temporary directory; a PostgreSQL URL must name an empty schema. Prints the load times and, for each
//! request, the median and worst of 20 runs. Numbers go into BENCHMARKS.md, never into tests.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request};
use chrono::{NaiveDate, Utc};
use http_body_util::BodyExt;
use jingzhun_core::monitoring::*;
use jingzhun_core::resident_id::check_character;
use jingzhun_core::*;
use jingzhun_store::{Actor, MonitoringBatch, Store};
use jingzhun_web::accounts::{login, LoginLimiter};
use jingzhun_web::data::Backend;
use jingzhun_web::{AppState, Role, StoreBackend, SystemClock, WebConfig};
use tower::ServiceExt;

type Error = Box<dyn std::error::Error>;

const TOWNSHIPS: usize = 20;
const VILLAGES: usize = 15;

fn village(i: usize) -> Result<AreaCode, Error> {
    let v = i % (TOWNSHIPS * VILLAGES);
    Ok(AreaCode::parse(&format!(
        "511902{:03}{:03}",
        1 + v / VILLAGES,
        1 + v % VILLAGES
    ))?)
}

fn household(i: usize, today: NaiveDate) -> Result<(Household, Vec<StatusEvent>), Error> {
    let first17 = format!(
        "5119021970{:02}{:02}{:03}",
        1 + i % 12,
        1 + (i / 12) % 28,
        i % 1000
    );
    let id = format!("{first17}{}", check_character(first17.as_bytes()));
    let head = Member {
        name: PersonName::parse(&format!("张建国{}", i % 97))?,
        resident_id: ResidentId::parse_on(&id, today)?,
        sex: Sex::Male,
        relationship: Relationship::Head,
        ethnicity: "汉族".into(),
        education: Some(Education::Junior),
        schooling: None,
        health: Health::Healthy,
        labour: Some(LabourAbility::Ordinary),
        work_status: WorkStatus::NotMigrant,
        migrant_months: MigrantMonths::new(0)?,
        medical_insurance: true,
        serious_illness_insurance: true,
        pension_insurance: true,
        social_assistance: SocialAssistance::NoAssistance,
    };
    let h = Household {
        number: HouseholdNo::parse(&format!("511902{i:010}"))?,
        village: village(i)?,
        natural_village: Some("一组".into()),
        phone: Some(Phone::parse("13812345678")?),
        standard: IdentificationStandard::National,
        attribute: Some(PoorAttribute::Ordinary),
        main_cause: Some(PovertyCause::Illness),
        other_causes: vec![],
        planned_exit_year: Some(2018),
        housing: Housing::default(),
        relocation: None,
        water: Water::default(),
        food_clothing_secured: true,
        electricity: true,
        sanitary_toilet: true,
        fuel: None,
        farmland_mu: Some(2.0),
        forest_mu: None,
        cooperative_member: false,
        members: vec![head],
        incomes: (2021..2026)
            .map(|y| IncomeRecord::new(y).with(IncomeComponent::Wages, Yuan::from_yuan(9_000)))
            .collect(),
    };
    let registered = NaiveDate::from_ymd_opt(2014, 10, 1).ok_or("date")?;
    let exited = NaiveDate::from_ymd_opt(2019, 12, 1).ok_or("date")?;
    Ok((
        h,
        vec![
            StatusEvent::new(StatusEventKind::Registered, registered),
            StatusEvent::new(StatusEventKind::Exited, exited),
        ],
    ))
}

/// Which of ten kinds of case household `i` gets (varied within every village too).
fn mix(i: usize) -> usize {
    (i + i / (TOWNSHIPS * VILLAGES)) % 10
}

/// The monitoring records of household `i` (database id `id`).
fn records(i: usize, id: HouseholdId, batch: &mut MonitoringBatch) -> Result<(), Error> {
    let now = Utc::now();
    let opened = now - chrono::Duration::days((i % 400) as i64) - chrono::Duration::hours(30);
    // Steps recorded: 1..=6 (open waiting for the next) for 60 %, all six for 30 %, rejected at the
    // visit for 10 %.
    let (n, reject) = match mix(i) {
        k @ 0..=5 => (k + 1, false),
        6..=8 => (6, false),
        _ => (2, true),
    };
    let steps = Step::ALL[..n]
        .iter()
        .enumerate()
        .map(|(k, s)| CaseStep {
            step: *s,
            outcome: if reject && k == n - 1 {
                Outcome::Reject
            } else {
                Outcome::Pass
            },
            by: "bench".into(),
            at: opened + chrono::Duration::hours(k as i64),
            note: String::new(),
        })
        .collect();
    batch.cases.push(CaseRecord {
        id: CaseId::new(id, 1)?,
        village: village(i)?,
        kind: CaseKind::Identification,
        channel: Channel::CadreCheck,
        monitoring_kind: Some(MonitoringKind::Marginal),
        risk_types: vec![RiskType::Illness],
        steps,
    });
    let v = i % (TOWNSHIPS * VILLAGES);
    let cadre = CadreId(1 + 2 * v as i64 + (i % 2) as i64);
    let day = NaiveDate::from_ymd_opt(2024, 1, 1).ok_or("date")?;
    batch.assignments.push(Assignment {
        cadre,
        household: id,
        from: day,
        to: None,
    });
    for k in 0..5 {
        batch.visits.push(Visit {
            household: id,
            cadre: Some(cadre),
            visited_on: day + chrono::Duration::days(60 * k),
            purpose: VisitPurpose::Routine,
            findings: "生产生活正常".into(),
        });
    }
    if i.is_multiple_of(2) {
        batch.measures.push(Measure {
            household: id,
            kind: AssistanceType::PublicWelfarePost,
            description: "公益岗位".into(),
            started: day,
            ended: None,
            amount: Some(Yuan::from_yuan(6000)),
            case: None,
            cadre: Some(cadre),
        });
    }
    Ok(())
}

fn median_and_max(mut t: Vec<Duration>) -> (Duration, Duration) {
    t.sort();
    (t[t.len() / 2], t[t.len() - 1])
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let url = args
        .next()
        .unwrap_or_else(|| format!("sqlite:{}", dir.path().join("bench.db").display()));
    let store = Arc::new(Store::open(&url)?);
    let actor = Actor::system("bench");
    let mut areas = vec![
        Area {
            code: AreaCode::parse("51")?,
            name: "四川省".into(),
            settlement: None,
        },
        Area {
            code: AreaCode::parse("5119")?,
            name: "巴中市".into(),
            settlement: None,
        },
        Area {
            code: AreaCode::parse("511902")?,
            name: "巴州区".into(),
            settlement: None,
        },
    ];
    let mut batch = MonitoringBatch::default();
    for t in 0..TOWNSHIPS {
        areas.push(Area {
            code: AreaCode::parse(&format!("511902{:03}", t + 1))?,
            name: format!("第{}镇", t + 1),
            settlement: None,
        });
        for v in 0..VILLAGES {
            let code = AreaCode::parse(&format!("511902{:03}{:03}", t + 1, v + 1))?;
            areas.push(Area {
                code,
                name: format!("{}镇{}村委会", t + 1, v + 1),
                settlement: Some(Settlement::Rural),
            });
            for k in 0..2 {
                batch.cadres.push(Cadre {
                    id: CadreId(1 + 2 * (t * VILLAGES + v) as i64 + k),
                    name: PersonName::parse(&format!("李干部{}", k + 1))?,
                    phone: Some(Phone::parse("13900001111")?),
                    unit: "巴州区农业农村局".into(),
                    post: CadrePost::ResponsiblePerson,
                    area: code,
                });
            }
        }
    }
    store.upsert_areas(&areas, &actor, "bench")?;
    let today = (Utc::now() + chrono::Duration::hours(8)).date_naive();
    let started = Instant::now();
    let mut failed = None;
    let mut iter = (0..n).map_while(|i| match household(i, today) {
        Ok(x) => Some(x),
        Err(e) => {
            failed = Some(e.to_string());
            None
        }
    });
    let loaded = store.bulk_load(&mut iter, today, &actor, "bench", &mut |_| {})?;
    if let Some(e) = failed {
        return Err(e.into());
    }
    eprintln!("loaded {loaded} households in {:.1?}", started.elapsed());
    // Database ids by household number (bulk loads assign them).
    let started = Instant::now();
    let mut ids = Vec::with_capacity(n);
    store.scan_households(&AreaCode::parse("511902")?, None, &mut |s| {
        ids.push((s.household.number.as_str().to_owned(), s.id));
        Ok(())
    })?;
    ids.sort();
    for (number, id) in &ids {
        let i: usize = number[6..].parse()?;
        records(i, *id, &mut batch)?;
    }
    let rows = store.bulk_load_monitoring(&batch, &actor)?;
    eprintln!(
        "loaded {} cases, {} steps, {} visits, {} measures, {} cadres, {} pairings in {:.1?}",
        rows.cases,
        rows.steps,
        rows.visits,
        rows.measures,
        rows.cadres,
        rows.assignments,
        started.elapsed()
    );

    let password = "bench-password-1";
    let backend = Arc::new(StoreBackend::new(Arc::clone(&store)));
    let limiter = LoginLimiter::default();
    let mut sessions = Vec::new();
    for (user, role, area) in [
        ("bench_county", Role::CountyApprover, "511902"),
        ("bench_cadre", Role::VillageCadre, "511902001001"),
    ] {
        jingzhun_web::create_account(&store, user, role, AreaCode::parse(area)?, password, false)
            .map_err(|e| e.to_string())?;
        let signed = login(
            backend.as_ref(),
            &limiter,
            user,
            password,
            None,
            Utc::now(),
            Duration::from_secs(24 * 3600),
            Duration::from_secs(24 * 3600),
        )
        .map_err(|e| format!("{e:?}"))?;
        sessions.push(format!("jz_session={}", signed.token));
    }
    let state = AppState::new(
        backend.clone(),
        WebConfig::new("127.0.0.1:0".parse()?),
        Arc::new(SystemClock),
    );
    let app = jingzhun_web::router(state);
    let rt = tokio::runtime::Runtime::new()?;
    let send = |req: Request<Body>| -> Result<(u16, String), Error> {
        rt.block_on(async {
            let res = app.clone().oneshot(req).await?;
            let status = res.status().as_u16();
            let body = res.into_body().collect().await?.to_bytes();
            Ok((status, String::from_utf8_lossy(&body).into_owned()))
        })
    };
    let get = |cookie: &str, uri: &str| -> Result<(u16, String), Error> {
        send(
            Request::get(uri)
                .header(header::COOKIE, cookie)
                .body(Body::empty())?,
        )
    };
    let (county, cadre) = (&sessions[0], &sessions[1]);
    let (_, me) = get(cadre, "/api/v1/me")?;
    let csrf = serde_json::from_str::<serde_json::Value>(&me)?["csrf_token"]
        .as_str()
        .ok_or("csrf")?
        .to_owned();
    let first = ids.first().ok_or("no households")?.1;
    // Wall times on a shared machine mostly measure the queue for a core; the process's CPU time (user +
    // system, 10 ms ticks, averaged over the runs) is what a request costs.
    let time = |label: &str, f: &mut dyn FnMut() -> Result<(), Error>| -> Result<(), Error> {
        let mut t = Vec::new();
        let cpu0 = cpu();
        for _ in 0..RUNS {
            let s = Instant::now();
            f()?;
            t.push(s.elapsed());
        }
        let per_run = (cpu() - cpu0) / RUNS;
        let (med, max) = median_and_max(t);
        println!(
            "| {label} | {:.1} | {:.1} | {:.1} |",
            ms(med),
            ms(max),
            ms(per_run)
        );
        Ok(())
    };
    println!("| request | median ms | worst ms | CPU ms per run |");
    println!("|---|---:|---:|---:|");
    let county_area = AreaCode::parse("511902")?;
    time(
        "case counts of the county (store, twice as the dashboard does)",
        &mut || {
            let c = backend.case_counts_within(&county_area, today, 15)?;
            let _ =
                backend.case_counts_within(&county_area, today + chrono::Duration::days(4), 15)?;
            assert!(c.open() > 0);
            Ok(())
        },
    )?;
    for (label, cookie, uri) in [
        (
            "GET /api/v1/cases (county, first page)",
            county,
            "/api/v1/cases".to_owned(),
        ),
        (
            "GET /cases?page=100 (county)",
            county,
            "/cases?page=100".to_owned(),
        ),
        (
            "GET /cases?all=1 (village cadre)",
            cadre,
            "/cases?all=1".to_owned(),
        ),
        ("GET /cases/{id}", county, format!("/cases/{}-1", first.0)),
        (
            "GET /api/v1/households/{id}/monitoring",
            county,
            format!("/api/v1/households/{}/monitoring", first.0),
        ),
        (
            "GET /households/{id} (page)",
            cadre,
            format!("/households/{}", first.0),
        ),
    ] {
        time(label, &mut || {
            let (status, body) = get(cookie, &uri)?;
            if status != 200 {
                return Err(format!("{uri}: {status} {body}").into());
            }
            Ok(())
        })?;
    }
    // Leads on households whose case is closed (i % 10 in 6..=9): each opens a second case.
    let closed: Vec<HouseholdId> = ids
        .iter()
        .filter(|(number, _)| {
            let i: usize = number[6..].parse().unwrap_or(0);
            i.is_multiple_of(TOWNSHIPS * VILLAGES) && mix(i) >= 6
        })
        .map(|(_, id)| *id)
        .take(RUNS as usize)
        .collect();
    let mut next = closed.into_iter();
    time(
        "POST /api/v1/households/{id}/leads (opens a case)",
        &mut || {
            let id = next
                .next()
                .ok_or("not enough closed cases in village 001001")?;
            let (status, body) = send(
                Request::post(format!("/api/v1/households/{}/leads", id.0))
                    .header(header::COOKIE, cadre)
                    .header(header::CONTENT_TYPE, "application/json")
                    .header("x-csrf-token", &csrf)
                    .body(Body::from(
                        // Any household may meet a sudden hardship; 边缘易致贫户 is for households never registered, and
                        // these were (the lead was refused once the rules checked the kind against the status).
                        r#"{"channel":"cadre_check","monitoring_kind":"sudden_hardship"}"#,
                    ))?,
            )?;
            if status != 201 {
                return Err(format!("lead: {status} {body}").into());
            }
            Ok(())
        },
    )?;
    Ok(())
}

const RUNS: u32 = 20;

/// User + system CPU time of this process so far (Linux `/proc`, clock ticks of 10 ms).
fn cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses and may contain spaces).
    let rest = stat.rsplit_once(") ").map(|(_, r)| r).unwrap_or_default();
    let f: Vec<u64> = rest
        .split_whitespace()
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    let ticks = f.get(11).copied().unwrap_or(0) + f.get(12).copied().unwrap_or(0);
    Duration::from_millis(ticks * 10)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
