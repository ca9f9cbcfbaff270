//! Engine benchmark: full evaluation + rollup time, memory per member, incremental update time.
//!
//! ```text
//! cargo run --release -p jingzhun-engine --example bench -- 1000000
//! cargo run --release -p jingzhun-engine --example bench -- 10000000
//! ```
//!
//! Households are generated directly in columnar form (`jingzhun_engine::synth`), about 3 members each.
//! Timings are wall-clock; nothing is asserted. Numbers go into BENCHMARKS.md.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use jingzhun_engine::synth;
use jingzhun_engine::CompactHousehold;
use jingzhun_policy::{DepartmentFacts, HousingFacts, PolicyPack, StatusFacts, WaterFacts};

fn vm_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_default();
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    format!(
        "cpu: {cpu}; threads: {threads}; rayon threads: {}; loadavg at start: {}",
        rayon::current_num_threads(),
        load.trim()
    )
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let households: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    let repeats: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    println!("{}", machine());
    let year = 2021;
    let as_of = NaiveDate::from_ymd_opt(2021, 12, 31).unwrap_or_default();
    let pack = PolicyPack::builtin();

    let rss0 = vm_rss_kib();
    let t = Instant::now();
    let mut engine = synth::engine(households, 42, year, as_of);
    let build = t.elapsed();
    let rss_built = vm_rss_kib();
    let members = engine.members();
    println!(
        "households: {households}; members: {members}; areas: {}; generate+load: {:.0} ms",
        engine.areas().len(),
        ms(build)
    );

    // Warm-up, then timed full evaluations (each: every household assessed + rollups up the tree).
    let mut eval = engine.evaluate(&pack).unwrap_or_else(|e| panic!("{e}"));
    let mut times = Vec::new();
    for _ in 0..repeats {
        let t = Instant::now();
        let e = engine.evaluate(&pack).unwrap_or_else(|e| panic!("{e}"));
        times.push(t.elapsed());
        eval = e;
    }
    times.sort();
    let rss_eval = vm_rss_kib();
    let total = eval.total();
    println!(
        "full evaluation + rollup: min {:.0} ms, median {:.0} ms, max {:.0} ms ({} runs)",
        ms(times[0]),
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
        times.len()
    );
    println!(
        "  throughput: {:.1} M households/s (min time)",
        households as f64 / times[0].as_secs_f64() / 1e6
    );
    println!(
        "  totals: people {}, monitoring proposals {}, return-to-poverty {}, guarantee failures {:?}",
        total.people,
        total.proposals_of(jingzhun_policy::ProposalKind::MonitoringCandidate),
        total.proposals_of(jingzhun_policy::ProposalKind::ReturnToPoverty),
        total.guarantee_failures
    );

    let engine_bytes = engine.heap_bytes();
    let eval_bytes = eval.heap_bytes();
    println!(
        "memory (capacities): engine {:.1} MiB = {:.1} B/member; results+rollups {:.1} MiB = {:.1} B/member; together {:.1} B/member",
        engine_bytes as f64 / 1048576.0,
        engine_bytes as f64 / members as f64,
        eval_bytes as f64 / 1048576.0,
        eval_bytes as f64 / members as f64,
        (engine_bytes + eval_bytes) as f64 / members as f64
    );
    println!(
        "memory (VmRSS): start {} MiB, after load {} MiB (+{:.1} B/member), after evaluation {} MiB (+{:.1} B/member over start)",
        rss0 / 1024,
        rss_built / 1024,
        (rss_built - rss0) as f64 * 1024.0 / members as f64,
        rss_eval / 1024,
        (rss_eval.saturating_sub(rss0)) as f64 * 1024.0 / members as f64
    );

    // Incremental updates: rewrite random existing households with fresh draws.
    let mut rng = synth::Rng::new(7);
    let mut h = CompactHousehold {
        id: jingzhun_core::HouseholdId(0),
        area: 0,
        members: Vec::with_capacity(8),
        income: None,
        food_clothing: true,
        housing: HousingFacts::default(),
        water: WaterFacts::default(),
        status: StatusFacts::NOT_REGISTERED,
        department: DepartmentFacts::NONE,
        registry: Default::default(),
    };
    let updates = 10_000;
    let mut each: Vec<Duration> = Vec::with_capacity(updates as usize);
    let t = Instant::now();
    for _ in 0..updates {
        let i = rng.below(households as u64);
        let village = synth::village_code(i as usize / synth::HOUSEHOLDS_PER_VILLAGE);
        let area = engine.areas().get(&village).unwrap_or(0);
        synth::household(&mut rng, i, area, year, &mut h);
        let one = Instant::now();
        engine
            .update_compact(&mut eval, &h)
            .unwrap_or_else(|e| panic!("{e}"));
        each.push(one.elapsed());
    }
    let per = t.elapsed() / updates;
    each.sort();
    let pct = |q: f64| each[((each.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    println!(
        "incremental update (one household re-evaluated, 5 area rollups adjusted), {updates} updates: mean {:.2} µs (incl. generating the household), p50 {:.2} µs, p99 {:.2} µs, p99.9 {:.1} µs, max {:.1} µs",
        per.as_secs_f64() * 1e6,
        pct(0.5),
        pct(0.99),
        pct(0.999),
        pct(1.0)
    );
    let check = engine.evaluate(&pack).unwrap_or_else(|e| panic!("{e}"));
    println!(
        "after updates, incremental totals equal a full re-evaluation: {}",
        check.total() == eval.total()
    );
}
