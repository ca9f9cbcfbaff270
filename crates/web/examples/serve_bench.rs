//! Serves the web application over a synthetic county for load tests (`wrk`), and prints the commands.
//!
//! ```text
//! cargo run --release -p jingzhun-web --example serve_bench -- [HOUSEHOLDS] [PORT]
//! ```
//!
//! One county (511902) of 20 townships × 15 villages, HOUSEHOLDS households (default 50,000) with 3
//! members and 7 income years each, in a new SQLite file in a temporary directory. It signs in a county
//! approver and a village cadre, prints their session cookies and `wrk` command lines for the household
//! page and the searches, then serves on 127.0.0.1:PORT (default 8089) until Ctrl-C. Numbers go into
//! BENCHMARKS.md, never into tests.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jingzhun_core::resident_id::check_character;
use jingzhun_core::*;
use jingzhun_store::{Actor, Store};
use jingzhun_web::accounts::{login, LoginLimiter};
use jingzhun_web::{Role, StoreBackend, WebConfig};

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

fn member(i: usize, k: usize, rel: Relationship, today: NaiveDate) -> Result<Member, Error> {
    const FAMILY: [&str; 8] = ["张", "王", "李", "赵", "陈", "杨", "刘", "黄"];
    const GIVEN: [&str; 8] = ["建国", "秀英", "志强", "桂兰", "明", "小红", "德福", "春梅"];
    let n = i * 3 + k;
    let first17 = format!(
        "5119021970{:02}{:02}{:03}",
        1 + n % 12,
        1 + (n / 12) % 28,
        n % 1000
    );
    let id = format!("{first17}{}", check_character(first17.as_bytes()));
    Ok(Member {
        name: PersonName::parse(&format!(
            "{}{}{}",
            FAMILY[i % 8],
            GIVEN[(i / 8 + k) % 8],
            i % 97
        ))?,
        resident_id: ResidentId::parse_on(&id, today)?,
        sex: Sex::Male,
        relationship: rel,
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
    })
}

fn household(i: usize, today: NaiveDate) -> Result<(Household, Vec<StatusEvent>), Error> {
    let effective = NaiveDate::from_ymd_opt(2014, 10, 1).ok_or("date")?;
    let incomes = (2019..2026)
        .map(|y| {
            IncomeRecord::new(y).with(
                IncomeComponent::Wages,
                Yuan::from_yuan(6_000 + (i % 50) as i64 * 100),
            )
        })
        .collect();
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
        members: vec![
            member(i, 0, Relationship::Head, today)?,
            member(i, 1, Relationship::Spouse, today)?,
            member(i, 2, Relationship::Son, today)?,
        ],
        incomes,
    };
    let mut events = vec![StatusEvent::new(StatusEventKind::Registered, effective)];
    if i.is_multiple_of(3) {
        let exited = NaiveDate::from_ymd_opt(2019, 12, 1).ok_or("date")?;
        events.push(StatusEvent::new(StatusEventKind::Exited, exited));
    }
    Ok((h, events))
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(50_000);
    let port: u16 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(8089);
    let dir = tempfile::tempdir()?;
    let store = Arc::new(Store::open(&format!(
        "sqlite:{}",
        dir.path().join("bench.db").display()
    ))?);
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
    for t in 0..TOWNSHIPS {
        areas.push(Area {
            code: AreaCode::parse(&format!("511902{:03}", t + 1))?,
            name: format!("第{}镇", t + 1),
            settlement: None,
        });
        for v in 0..VILLAGES {
            areas.push(Area {
                code: AreaCode::parse(&format!("511902{:03}{:03}", t + 1, v + 1))?,
                name: format!("{}镇{}村委会", t + 1, v + 1),
                settlement: Some(Settlement::Rural),
            });
        }
    }
    store.upsert_areas(&areas, &actor, "bench")?;
    let today = NaiveDate::from_ymd_opt(2026, 1, 1).ok_or("date")?;
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

    let password = "bench-password-1";
    let backend = StoreBackend::new(Arc::clone(&store));
    let limiter = LoginLimiter::default();
    let mut cookies = Vec::new();
    for (user, role, area) in [
        ("bench_county", Role::CountyApprover, "511902"),
        ("bench_cadre", Role::VillageCadre, "511902001001"),
    ] {
        jingzhun_web::create_account(&store, user, role, AreaCode::parse(area)?, password, false)
            .map_err(|e| e.to_string())?;
        let signed = login(
            &backend,
            &limiter,
            user,
            password,
            None,
            chrono::Utc::now(),
            Duration::from_secs(24 * 3600),
        )
        .map_err(|e| format!("{e:?}"))?;
        cookies.push((user, signed.token));
    }
    let base = format!("http://127.0.0.1:{port}");
    let id = store
        .household_by_number(&HouseholdNo::parse("5119020000000000")?)?
        .map(|h| h.id.0)
        .ok_or("no household 0")?;
    for (user, token) in &cookies {
        let h = format!("-H 'Cookie: jz_session={token}'");
        println!("# {user}");
        println!("wrk -t2 -c100 -d20s --latency {h} {base}/households/{id}");
        println!("wrk -t2 -c100 -d20s --latency {h} '{base}/households?q=%E5%BC%A0'");
        println!("wrk -t2 -c100 -d20s --latency {h} '{base}/households?q=5119020000000300'");
    }
    let mut config = WebConfig::new(SocketAddr::from(([127, 0, 0, 1], port)));
    config.session_ttl = Duration::from_secs(24 * 3600);
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(jingzhun_web::serve(config, store))?;
    Ok(())
}
