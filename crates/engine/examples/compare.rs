//! Our side of the DuckDB / Polars comparison (driven by `bench/compare/run.sh`).
//!
//! ```text
//! compare export N DIR [YEAR] # N synthetic households → DIR/households.csv (the product's layout), DIR/params.json
//! compare run DIR REPEATS OUT # end to end from the CSV file, then warm; timings and rollups → OUT (JSON)
//! ```
//!
//! The file is what `jingzhun export households` and `jingzhun synth --out` write and `jingzhun import
//! households` reads: one row per member, Chinese headers, labels for coded values, yuan amounts, UTF-8
//! with BOM (`jingzhun_io::CsvHouseholdWriter`). The households come from the project's generator
//! (`jingzhun-synth`, Bazhong scaled to just above N households; the first N with members, in stream
//! order, are written) as `jingzhun synth --out FILE.csv --year YEAR` writes them (YEAR 2020 by default):
//! the current version of each household with the income of the evaluated year, and of its status events
//! those the layout carries (首次识别时间, 脱贫年度).
//!
//! `run` reads it as the import does (`jingzhun_io::read_households`: decoding, header matching, every
//! cell validated, members grouped into households), then puts each household into the engine through
//! the product's one facts path (`Engine::insert` with the household, the status events the file implies
//! — `ParsedHousehold::status_events` — and no side facts), evaluates and rolls up.

use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use jingzhun_core::{AreaTree, HouseholdId, IncomeComponent};
use jingzhun_engine::{Engine, HouseholdInput, Rollup};
use jingzhun_io::{CsvHouseholdWriter, ExportOptions, ExportRecord, ReadOptions};
use jingzhun_policy::{facts::NO_SIDE_FACTS, ParamValue, PolicyPack};
use jingzhun_synth::{Generator, SynthConfig};

/// The evaluated year by default: registration and monitoring both open (2020), so that every rule the
/// layout can feed has households to decide on. `export` takes another as its third argument; `run` reads
/// it from `params.json`.
const DEFAULT_YEAR: u16 = 2020;

fn as_of(year: u16) -> NaiveDate {
    NaiveDate::from_ymd_opt(i32::from(year), 12, 31).unwrap_or_default()
}

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The shipped Sichuan division tree (what `jingzhun synth` and `init` use).
fn tree() -> Res<AreaTree> {
    Ok(AreaTree::new(jingzhun_io::sichuan()?)?)
}

fn export(n: usize, dir: &Path, year: u16) -> Res<()> {
    std::fs::create_dir_all(dir)?;
    let tree = tree()?;
    let full = Generator::new(&tree, SynthConfig::default())?;
    // A little more than needed (villages come out around their expected size), then cut at N.
    let scale = n as f64 / full.expected_households() * 1.02;
    let generator = Generator::new(
        &tree,
        SynthConfig {
            scale,
            ..SynthConfig::default()
        },
    )?;
    if scale > 1.0 {
        // Above Bazhong's size the generator replicates counties under synthetic codes that the shipped
        // division tree does not have.
        return Err("户数超过巴中全市规模(约 100 万户): 请减少户数".into());
    }
    let file = std::fs::File::create(dir.join("households.csv"))?;
    let mut out = CsvHouseholdWriter::new(
        file,
        ExportOptions {
            income_year: Some(year),
            ..ExportOptions::default()
        },
    )?;
    let mut written = 0usize;
    'villages: for village in generator.par_iter(32) {
        for g in &village?.households {
            if written == n {
                break 'villages;
            }
            // A household whose members have all left by the data end has no row in the layout (one row
            // per member): it is not in the file, and not counted.
            if out.write(&ExportRecord {
                household: &g.household,
                events: &g.events,
            })? > 0
            {
                written += 1;
            }
        }
    }
    let rows = out.finish()?;
    // The parameters in force for Bazhong, and the layout's names for them, for the SQL and Polars versions.
    let pack = PolicyPack::builtin();
    let eff = pack.effective(year, Some(&jingzhun_synth::bazhong()))?;
    let mut json = serde_json::Map::new();
    json.insert("year".into(), year.into());
    json.insert("as_of".into(), as_of(year).to_string().into());
    for (key, value, _) in &eff.values {
        let v: serde_json::Value = match value {
            ParamValue::Yuan(y) => y.fen().into(),
            ParamValue::Percent(r) => r.0.into(),
            ParamValue::Count(c) => (*c).into(),
            ParamValue::Bool(x) => (*x).into(),
            ParamValue::Components(set) => set.iter().map(|c| c.code()).collect::<Vec<_>>().into(),
        };
        json.insert(key.code().into(), v);
    }
    let labels: serde_json::Map<String, serde_json::Value> = IncomeComponent::ALL
        .iter()
        .map(|c| (c.code().to_owned(), c.label().into()))
        .collect();
    json.insert("component_labels".into(), labels.into());
    std::fs::write(
        dir.join("params.json"),
        serde_json::to_string_pretty(&json)?,
    )?;
    eprintln!(
        "exported {written} households, {rows} member rows to {}",
        dir.display()
    );
    Ok(())
}

/// Reads the file as `jingzhun import households` does and builds the engine through `Engine::insert`.
fn load(dir: &Path, year: u16, t0: Instant) -> Res<(Engine, [f64; 3])> {
    let tree = tree()?;
    let tree_s = t0.elapsed().as_secs_f64();
    // Resident IDs are judged against the date the file was written: the generator's data end (its
    // default, the end of its last year), so that children born in the last weeks of the data are valid.
    let today = chrono::Local::now()
        .date_naive()
        .max(SynthConfig::default().data_end);
    let path = dir.join("households.csv");
    let batch = jingzhun_io::read_households(&path, &ReadOptions::new(today))?;
    if !batch.is_valid() {
        let first: Vec<String> = batch
            .problems
            .iter()
            .take(5)
            .map(|p| batch.describe(p))
            .collect();
        return Err(format!("{}\n{}", batch.summary(), first.join("\n")).into());
    }
    let read_s = t0.elapsed().as_secs_f64();
    let mut engine = Engine::new(&tree, year, as_of(year));
    for (i, p) in batch.households.iter().enumerate() {
        // Ids as the store would number a first import: 1, 2, … in file order.
        let events = p.status_events();
        engine.insert(HouseholdInput::new(
            HouseholdId(i as i64 + 1),
            &p.household,
            &events,
            &NO_SIDE_FACTS,
        ));
    }
    let built_s = t0.elapsed().as_secs_f64();
    // Dropping a million parsed households takes time too: part of reading the file this way.
    drop(batch);
    Ok((engine, [tree_s, read_s, built_s]))
}

fn rollup_json(code: String, r: &Rollup) -> serde_json::Value {
    let mut obj = serde_json::Map::new();
    obj.insert("area".into(), code.into());
    for (name, v) in r.fields() {
        obj.insert(name, v.into());
    }
    obj.into()
}

fn run(dir: &Path, repeats: usize, out: &Path) -> Res<()> {
    let pack = PolicyPack::builtin();
    let params: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("params.json"))?)?;
    let year = params["year"]
        .as_u64()
        .and_then(|y| u16::try_from(y).ok())
        .ok_or("params.json 中没有有效的 year")?;
    // End to end: read and validate the file, build the columns, evaluate, roll up (once; the script
    // interleaves rounds with DuckDB and Polars and keeps the best).
    let t = Instant::now();
    let (engine, [tree_s, read_s, built_s]) = load(dir, year, t)?;
    let loaded = t.elapsed().as_secs_f64();
    let eval = engine.evaluate(&pack)?;
    let e2e = t.elapsed().as_secs_f64();
    // Warm: data already in memory, evaluation + rollup only.
    let mut warm = Vec::new();
    for _ in 0..repeats {
        let t = Instant::now();
        let e = engine.evaluate(&pack)?;
        warm.push(t.elapsed().as_secs_f64());
        drop(e);
    }
    warm.sort_by(f64::total_cmp);
    // The engine knows every area of the division tree; the peers know the areas that have households.
    let rollups: Vec<serde_json::Value> = eval
        .rollups()
        .filter(|(_, r)| r.households > 0)
        .map(|(c, r)| rollup_json(c.to_string(), r))
        .collect();
    let result = serde_json::json!({
        "households": engine.households(),
        "members": engine.members(),
        "tree_s": tree_s,
        "read_s": read_s - tree_s,
        "insert_s": built_s - read_s,
        "load_s": loaded,
        "e2e_s": e2e,
        "warm_s": warm,
        "rollups": rollups,
    });
    std::fs::write(out, serde_json::to_string(&result)?)?;
    eprintln!(
        "ours: end to end {e2e:.3} s (division tree {tree_s:.3} s, read + validate {:.3} s, insert {:.3} s, \
         drop {:.3} s, evaluate {:.3} s), warm min {:.3} s",
        read_s - tree_s,
        built_s - read_s,
        loaded - built_s,
        e2e - loaded,
        warm.first().copied().unwrap_or(0.0)
    );
    Ok(())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("export") if args.len() == 4 || args.len() == 5 => export(
            args[2].replace('_', "").parse()?,
            Path::new(&args[3]),
            match args.get(4) {
                Some(y) => y.parse()?,
                None => DEFAULT_YEAR,
            },
        ),
        Some("run") if args.len() == 5 => {
            run(Path::new(&args[2]), args[3].parse()?, Path::new(&args[4]))
        }
        _ => Err("用法: compare export N DIR [YEAR] | compare run DIR REPEATS OUT.json".into()),
    }
}
