//! Serves the web application for load tests (`wrk`), and prints the commands.
//!
//! ```text
//! cargo run --release -p jingzhun-web --example serve_bench -- [HOUSEHOLDS | DB] [PORT]
//! ```
//!
//! With a number (default 50,000): one synthetic county (511902) of 20 townships × 15 villages, HOUSEHOLDS
//! households with 3 members and 7 income years each, in a new SQLite file in a temporary directory; it
//! signs in a county approver and a village cadre.
//!
//! With a database (a path or URL, e.g. the demo's file from `jingzhun --db /tmp/demo.db demo --no-serve`):
//! it signs in one account per level (bench_village, bench_township, bench_county, bench_city as
//! administrator), bound to the areas with the most households at their level, creating them on first run
//! with a fixed password. It builds the search index and reports the time and the process's resident memory
//! before and after (`INDEX …`), loads the live engine the server holds (`LIVE …`: time, engine heap and
//! resident memory) and measures the incremental update inside it (`UPDATE …`: a household edited, the
//! change feed applied to every held year; this edits the database), then computes the dashboards and
//! warning lists as `serve` does after its load (`WARM …`).
//!
//! Either way it prints the session cookies (`ACCOUNT user token`), the request paths to measure
//! (`URL label path`: the household page and searches people type) and, per account, a file of up to
//! 20,000 household pages spread at random over its area (`PAGES user count file`, one path a line, for
//! `scripts/random_pages.lua`), then serves on 127.0.0.1:PORT (default
//! 8089) until Ctrl-C. `scripts/bench_web.sh` runs `wrk` over every account × path. Numbers go into
//! BENCHMARKS.md, never into tests.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jingzhun_core::resident_id::check_character;
use jingzhun_core::*;
use jingzhun_store::{Actor, Store};
use jingzhun_web::accounts::{login, LoginLimiter};
use jingzhun_web::{AppState, CreateAccountError, Role, StoreBackend, SystemClock, WebConfig};

type Error = Box<dyn std::error::Error>;

const TOWNSHIPS: usize = 20;
/// Household pages per account for the spread-out page test (`PAGES user count file`).
const RANDOM_PAGES: usize = 20_000;
/// Edits applied through the live engine's change feed to measure the incremental update.
const UPDATE_ROUNDS: usize = 9;
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

/// Where the data comes from: a synthetic county of this many households, or an existing database.
enum Source {
    Synthetic(usize),
    Database(String),
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let source = match args.next() {
        None => Source::Synthetic(50_000),
        Some(a) => match a.parse() {
            Ok(n) => Source::Synthetic(n),
            Err(_) => Source::Database(a),
        },
    };
    let port: u16 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(8089);
    let dir = tempfile::tempdir()?;
    let (store, accounts) = match &source {
        Source::Synthetic(n) => synthetic(*n, dir.path())?,
        Source::Database(db) => existing(db)?,
    };

    if matches!(source, Source::Database(_)) {
        // What reading the store alone costs, for comparison with the index build below.
        let started = Instant::now();
        let mut n = 0usize;
        store.scan_households(&AreaCode::parse("51")?, None, &mut |_| {
            n += 1;
            Ok(())
        })?;
        println!(
            "STORE one scan of {n} households in {:.2?}",
            started.elapsed()
        );
    }
    let backend = Arc::new(StoreBackend::new(Arc::clone(&store)));
    let rss_before = rss_kib();
    let started = Instant::now();
    backend.warm_search_index()?;
    println!(
        "INDEX built in {:.2?}; resident memory {} MiB before, {} MiB after",
        started.elapsed(),
        rss_before / 1024,
        rss_kib() / 1024
    );

    let password = "bench-password-1";
    let limiter = LoginLimiter::default();
    for (user, role, area) in &accounts {
        match jingzhun_web::create_account(&store, user, *role, *area, password, false) {
            Ok(_) | Err(CreateAccountError::Duplicate) => {}
            Err(e) => return Err(e.to_string().into()),
        }
        let signed = login(
            backend.as_ref(),
            &limiter,
            user,
            password,
            None,
            chrono::Utc::now(),
            Duration::from_secs(24 * 3600),
            Duration::from_secs(24 * 3600),
        )
        .map_err(|e| format!("{e:?}"))?;
        println!("ACCOUNT {user} {} {area}", signed.token);
        // Household pages spread over the account's area: one hot page stays in every cache, which is
        // not what many users looking at different households cost.
        let mut ids: Vec<i64> = store
            .household_ids_within(area)?
            .into_iter()
            .map(|(_, id)| id.0)
            .collect();
        let mut rng = 0x9E37_79B9_7F4A_7C15u64 ^ area.as_str().len() as u64;
        // A deterministic shuffle (xorshift), then the first RANDOM_PAGES.
        for i in (1..ids.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            ids.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        ids.truncate(RANDOM_PAGES.min(ids.len()));
        let file = std::env::temp_dir().join(format!("serve_bench_pages_{user}_{port}.txt"));
        let paths: Vec<String> = ids.iter().map(|id| format!("/households/{id}")).collect();
        std::fs::write(&file, paths.join("\n") + "\n")?;
        println!("PAGES {user} {} {}", ids.len(), file.display());
    }
    // The sample household: the first of the smallest account's area, so every account finds it.
    let village = accounts.last().map(|a| a.2).ok_or("no account")?;
    let mut sample = None;
    store.scan_households(&village, None, &mut |s| {
        if sample.is_none() {
            sample = Some(s);
        }
        Ok(())
    })?;
    let sample = sample.ok_or("no household in the village")?;
    let h = &sample.household;
    let head = h.members.first().ok_or("a household without members")?;
    let village_name = store
        .area_tree()?
        .get(&h.village)
        .map(|a| a.name.chars().take(4).collect::<String>())
        .unwrap_or_default();
    let id = head.resident_id.as_str();
    let q = |s: &str| format!("/households?q={}", jingzhun_web::error::urlencode(s));
    let urls = [
        ("page".to_owned(), format!("/households/{}", sample.id.0)),
        ("surname 张".to_owned(), q("张")),
        (
            format!("name {}", head.name.as_str()),
            q(head.name.as_str()),
        ),
        ("ID last 6".to_owned(), q(&id[id.len() - 6..])),
        ("ID first 6".to_owned(), q(&id[..6])),
        ("household no.".to_owned(), q(h.number.as_str())),
        (format!("village {village_name}"), q(&village_name)),
        // Few matches, but its trigram is in nearly every number.
        ("digits 0000000".to_owned(), q("0000000")),
        // The account's dashboard and its warning list.
        ("dashboard".to_owned(), "/".to_owned()),
        ("warnings".to_owned(), "/warnings".to_owned()),
    ];
    for (label, path) in &urls {
        println!("URL {} {path}", label.replace(' ', "_"));
    }
    // The warning list's JSON too (the server's live engine; no rescan per request).
    println!("URL warnings_API /api/v1/warnings");
    let base = format!("http://127.0.0.1:{port}");
    println!("# e.g. wrk -t2 -c100 -d20s --latency -H 'Cookie: jz_session=TOKEN' '{base}PATH'");
    let mut config = WebConfig::new(SocketAddr::from(([127, 0, 0, 1], port)));
    config.session_ttl = Duration::from_secs(24 * 3600);
    config.session_idle = config.session_ttl;
    // One session stands for the many clients of the load test: no per-account search limit here.
    config.searches_per_minute = u32::MAX;
    let state = AppState::new(backend, config.clone(), Arc::new(SystemClock));
    // The engine the server holds (what `serve` loads at start): its load time and memory, then the
    // latency of an incremental update inside the server (a household edited, the change feed applied).
    let rss_before = rss_kib();
    let started = Instant::now();
    let live = state
        .live()
        .get_or_load(&state)
        .map_err(|e| format!("loading the live engine: {e:?}"))?;
    println!(
        "LIVE area {} years {:?} loaded in {:.2?}; engine heap {} MiB; resident memory {} MiB before, {} MiB after",
        live.area(),
        live.years(),
        started.elapsed(),
        live.heap_bytes() >> 20,
        rss_before / 1024,
        rss_kib() / 1024
    );
    let actor = Actor::system("bench");
    let mut micros = Vec::new();
    for round in 0..UPDATE_ROUNDS {
        let current = store.household(sample.id)?;
        let mut h = current.household.clone();
        h.farmland_mu = Some(h.farmland_mu.unwrap_or(0.0) + 0.5);
        store.update_household(
            sample.id,
            current.version,
            &h,
            chrono::Utc::now().date_naive(),
            &actor,
            "基准测试：增量更新",
        )?;
        let started = Instant::now();
        let applied = live.catch_up()?;
        let wall = started.elapsed();
        micros.push(wall.as_micros() as u64);
        println!(
            "UPDATE round {round}: {} household(s) applied to {} year(s) in {} µs (catch-up {} µs)",
            applied.households,
            live.years().len(),
            wall.as_micros(),
            applied.micros
        );
    }
    micros.sort_unstable();
    println!(
        "UPDATE median {} µs, max {} µs over {UPDATE_ROUNDS} edits",
        micros[micros.len() / 2],
        micros[micros.len() - 1]
    );
    // What `serve` computes right after loading the engine: the dashboards and warning lists of the
    // served area down to its counties (without it, a hundred clients' first requests queue on them).
    let started = Instant::now();
    jingzhun_web::features::live::warm(&state);
    println!(
        "WARM dashboards and warning lists in {:.2?}",
        started.elapsed()
    );
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.bind).await?;
        println!("LISTENING {base}");
        axum::serve(
            listener,
            jingzhun_web::router(state).into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
    })?;
    Ok(())
}

/// The process's resident set size in KiB (Linux; 0 elsewhere).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

type Accounts = Vec<(&'static str, Role, AreaCode)>;

/// An existing database (e.g. the demo's): one account per level, in the area with the most households.
fn existing(db: &str) -> Result<(Arc<Store>, Accounts), Error> {
    let store = Arc::new(Store::open(db)?);
    let tree = store.area_tree()?;
    let largest = |within: &AreaCode, level: AreaLevel| -> Result<AreaCode, Error> {
        let mut best: Option<(u64, AreaCode)> = None;
        for a in tree.within_at_level(within, level) {
            let n = store.count_households(&a.code)?;
            if n > 0 && best.is_none_or(|(m, _)| n > m) {
                best = Some((n, a.code));
            }
        }
        best.map(|(_, c)| c)
            .ok_or_else(|| format!("no {level:?} with households in {within}").into())
    };
    let city = largest(&AreaCode::parse("51")?, AreaLevel::City)?;
    let county = largest(&city, AreaLevel::County)?;
    let township = largest(&county, AreaLevel::Township)?;
    let village = largest(&township, AreaLevel::Village)?;
    for code in [city, county, township, village] {
        eprintln!("{code}: {} households", store.count_households(&code)?);
    }
    Ok((
        store,
        vec![
            ("bench_city", Role::Admin, city),
            ("bench_county", Role::CountyApprover, county),
            ("bench_township", Role::TownshipReviewer, township),
            ("bench_village", Role::VillageCadre, village),
        ],
    ))
}

/// A synthetic county of `n` households in a new SQLite file under `dir`.
fn synthetic(n: usize, dir: &std::path::Path) -> Result<(Arc<Store>, Accounts), Error> {
    let store = Arc::new(Store::open(&format!(
        "sqlite:{}",
        dir.join("bench.db").display()
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

    Ok((
        store,
        vec![
            (
                "bench_county",
                Role::CountyApprover,
                AreaCode::parse("511902")?,
            ),
            (
                "bench_cadre",
                Role::VillageCadre,
                AreaCode::parse("511902001001")?,
            ),
        ],
    ))
}
