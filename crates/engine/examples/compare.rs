//! Our side of the DuckDB / Polars comparison (driven by `bench/compare/run.sh`).
//!
//! ```text
//! compare export N DIR        # synthetic registry → DIR/households.csv, DIR/members.csv, DIR/params.json
//! compare run DIR REPEATS OUT # end to end from the CSV files, then warm; timings and rollups → OUT (JSON)
//! ```
//!
//! The CSV files carry stable codes for categorical values and fen for money, one row per household and
//! one per member (members in household order). The comparison scripts implement the same rules in SQL and
//! in Polars from these files (or their Parquet conversions) and compare the rollups with ours.

use std::fmt::Write as _;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::time::Instant;

use chrono::NaiveDate;
use jingzhun_core::{
    AreaCode, Health, HouseholdId, HousingGrade, IncomeComponent, LabourAbility, MonitoringKind,
    SafeHousingAlternative, SchoolingStatus, Yuan,
};
use jingzhun_engine::{synth, AreaIndex, Columns, CompactHousehold, Engine, Rollup};
use jingzhun_policy::{
    DepartmentFacts, HousingFacts, MemberFacts, ParamValue, PolicyPack, RegistryState, StatusFacts,
    WaterFacts,
};
use rayon::prelude::*;

const YEAR: u16 = 2021;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 12, 31).unwrap_or_default()
}

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn registry_code(r: RegistryState) -> &'static str {
    match r {
        RegistryState::NotRegistered => "not_registered",
        RegistryState::Poor => "poor",
        RegistryState::Exited => "exited",
        RegistryState::Removed => "removed",
    }
}

fn export(n: usize, dir: &Path) -> Res<()> {
    std::fs::create_dir_all(dir)?;
    let engine = synth::engine(n, 42, YEAR, as_of());
    let cols = engine.columns();
    let mut hh =
        BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("households.csv"))?);
    let mut mm = BufWriter::with_capacity(1 << 20, std::fs::File::create(dir.join("members.csv"))?);
    let comps: Vec<&str> = IncomeComponent::ALL.iter().map(|c| c.code()).collect();
    writeln!(
        hh,
        "id,village,income_known,{},food_clothing,grade,alternative,relocated,litres,fetch_minutes,outage_days,quality_ok,dry_area,registry,registry_since,monitoring,monitored_since,med_inpatient,outpatient_monthly,education_oop,disaster,accident,job_loss,measures",
        comps.join(",")
    )?;
    writeln!(
        mm,
        "household_id,age,school_age,schooling,health,labour,medical_insurance"
    )?;
    let b = |x: bool| if x { "1" } else { "0" };
    let opt = |x: Option<u16>| x.map(|v| v.to_string()).unwrap_or_default();
    let mut line = String::with_capacity(512);
    for slot in 0..cols.len() {
        let h = cols.compact(slot, YEAR, as_of());
        let village = engine.areas().code(h.area);
        line.clear();
        let income = h.income.unwrap_or([0; IncomeComponent::COUNT]);
        write!(line, "{},{},{}", h.id, village, b(h.income.is_some()))?;
        for v in income {
            write!(line, ",{v}")?;
        }
        let d = h.department;
        write!(
            line,
            ",{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
            b(h.food_clothing),
            h.housing.grade.map(|g| g.code()).unwrap_or(""),
            h.housing.alternative.map(|a| a.code()).unwrap_or(""),
            b(h.housing.relocated),
            opt(h.water.litres_per_person_day),
            opt(h.water.fetch_minutes),
            opt(h.water.outage_days_per_year),
            h.water.quality_ok.map(b).unwrap_or(""),
            b(h.water.dry_area),
            registry_code(h.status.registry),
            h.status
                .registry_since
                .map(|d| d.to_string())
                .unwrap_or_default(),
            h.status.monitoring.map(|k| k.code()).unwrap_or(""),
            h.status
                .monitored_since
                .map(|d| d.to_string())
                .unwrap_or_default(),
            d.medical_inpatient_oop.fen(),
            d.outpatient_monthly_oop.fen(),
            d.education_oop.fen(),
            b(d.disaster),
            b(d.accident),
            b(d.job_loss),
            d.measures
        )?;
        writeln!(hh, "{line}")?;
        for m in &h.members {
            writeln!(
                mm,
                "{},{},{},{},{},{},{}",
                h.id,
                m.age,
                m.school_age,
                m.schooling.map(|s| s.code()).unwrap_or(""),
                m.health.code(),
                m.labour.map(|l| l.code()).unwrap_or(""),
                b(m.medical_insurance)
            )?;
        }
    }
    hh.flush()?;
    mm.flush()?;
    // The parameters in force for the synthetic areas (all in Sichuan), for the SQL and Polars versions.
    let pack = PolicyPack::builtin();
    let area = synth::village_code(0);
    let eff = pack.effective(YEAR, Some(&area))?;
    let mut json = serde_json::Map::new();
    json.insert("year".into(), YEAR.into());
    json.insert("as_of".into(), as_of().to_string().into());
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
    std::fs::write(
        dir.join("params.json"),
        serde_json::to_string_pretty(&json)?,
    )?;
    eprintln!(
        "exported {} households, {} members to {}",
        engine.households(),
        engine.members(),
        dir.display()
    );
    Ok(())
}

/// Splits `text` (after its header line) into about `parts` pieces at line ends.
fn chunks(text: &str, parts: usize) -> Vec<&str> {
    let body = match text.find('\n') {
        Some(i) => &text[i + 1..],
        None => "",
    };
    let mut out = Vec::new();
    let mut rest = body;
    let target = body.len() / parts.max(1) + 1;
    while !rest.is_empty() {
        let cut = if rest.len() <= target {
            rest.len()
        } else {
            rest[target..]
                .find('\n')
                .map(|i| target + i + 1)
                .unwrap_or(rest.len())
        };
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out
}

fn int(s: &str) -> Res<i64> {
    Ok(s.parse()?)
}

fn opt_u16(s: &str) -> Res<Option<u16>> {
    Ok(if s.is_empty() { None } else { Some(s.parse()?) })
}

/// `YYYY-MM-DD`, parsed by hand (chrono's general parser is several times slower).
fn opt_date(s: &str) -> Res<Option<NaiveDate>> {
    if s.is_empty() {
        return Ok(None);
    }
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |acc, d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let date = (b.len() == 10 && b[4] == b'-' && b[7] == b'-')
        .then(|| NaiveDate::from_ymd_opt(num(0..4)? as i32, num(5..7)?, num(8..10)?))
        .flatten();
    date.map(Some).ok_or_else(|| bad("日期", s))
}

fn bad(what: &str, s: &str) -> Box<dyn std::error::Error + Send + Sync> {
    format!("无效的{what}「{s}」").into()
}

fn parse_household(
    line: &str,
    cache: &mut Option<(String, AreaCode)>,
) -> Res<(CompactHousehold, AreaCode)> {
    let mut f = [""; 34];
    let mut n = 0;
    for (slot, field) in f.iter_mut().zip(fields(line)) {
        *slot = field;
        n += 1;
    }
    if n < 34 {
        return Err(bad("户记录", line));
    }
    let mut income = [0i32; IncomeComponent::COUNT];
    for (i, v) in income.iter_mut().enumerate() {
        *v = f[3 + i].parse()?;
    }
    let k = 3 + IncomeComponent::COUNT;
    // Rows come sorted by village: parse each village code once.
    let village = match cache {
        Some((text, code)) if text == f[1] => *code,
        _ => {
            let code = AreaCode::parse(f[1])?;
            *cache = Some((f[1].to_owned(), code));
            code
        }
    };
    let registry = match f[k + 9] {
        "not_registered" => RegistryState::NotRegistered,
        "poor" => RegistryState::Poor,
        "exited" => RegistryState::Exited,
        "removed" => RegistryState::Removed,
        other => return Err(bad("登记状态", other)),
    };
    let monitoring = match f[k + 11] {
        "" => None,
        c => Some(MonitoringKind::from_code(c).ok_or_else(|| bad("监测类型", c))?),
    };
    let h = CompactHousehold {
        id: HouseholdId(int(f[0])?),
        area: 0,
        members: Vec::new(),
        income: (f[2] == "1").then_some(income),
        food_clothing: f[k] == "1",
        housing: HousingFacts {
            grade: match f[k + 1] {
                "" => None,
                c => Some(HousingGrade::from_code(c).ok_or_else(|| bad("危房等级", c))?),
            },
            alternative: match f[k + 2] {
                "" => None,
                c => Some(SafeHousingAlternative::from_code(c).ok_or_else(|| bad("安全住房", c))?),
            },
            relocated: f[k + 3] == "1",
        },
        water: WaterFacts {
            litres_per_person_day: opt_u16(f[k + 4])?,
            fetch_minutes: opt_u16(f[k + 5])?,
            outage_days_per_year: opt_u16(f[k + 6])?,
            quality_ok: match f[k + 7] {
                "" => None,
                x => Some(x == "1"),
            },
            dry_area: f[k + 8] == "1",
        },
        status: StatusFacts {
            registry,
            registry_since: opt_date(f[k + 10])?,
            monitoring,
            monitored_since: opt_date(f[k + 12])?,
        },
        department: DepartmentFacts {
            medical_inpatient_oop: Yuan::from_fen(int(f[k + 13])?),
            outpatient_monthly_oop: Yuan::from_fen(int(f[k + 14])?),
            education_oop: Yuan::from_fen(int(f[k + 15])?),
            disaster: f[k + 16] == "1",
            accident: f[k + 17] == "1",
            job_loss: f[k + 18] == "1",
            measures: f[k + 19].trim_end().parse()?,
        },
        // The comparison counts only what the rules decide; registry facts are not exported.
        registry: Default::default(),
    };
    Ok((h, village))
}

/// Splits a line at commas, byte-wise (the files are ASCII).
fn fields(line: &str) -> impl Iterator<Item = &str> {
    let bytes = line.as_bytes();
    let mut start = 0;
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let rest = &bytes[start..];
        let end = rest.iter().position(|b| *b == b',').unwrap_or(rest.len());
        let field = line.get(start..start + end)?;
        if start + end >= bytes.len() {
            done = true;
        }
        start += end + 1;
        Some(field)
    })
}

fn parse_member(line: &str) -> Res<(i64, MemberFacts)> {
    let mut f = fields(line);
    let mut next = || f.next().ok_or_else(|| bad("成员记录", line));
    let id = int(next()?)?;
    let age: u8 = next()?.parse()?;
    let school_age: u8 = next()?.parse()?;
    let schooling = match next()? {
        "" => None,
        c => Some(SchoolingStatus::from_code(c).ok_or_else(|| bad("在校生状况", c))?),
    };
    let health = Health::from_code(next()?).ok_or_else(|| bad("健康状况", line))?;
    let labour = match next()? {
        "" => None,
        c => Some(LabourAbility::from_code(c).ok_or_else(|| bad("劳动技能", c))?),
    };
    let medical_insurance = next()?.trim_end() == "1";
    Ok((
        id,
        MemberFacts {
            age,
            school_age,
            schooling,
            education: None,
            health,
            labour,
            medical_insurance,
        },
    ))
}

/// The id in the first field of the line starting at `at`.
fn id_at(text: &str, at: usize) -> Option<i64> {
    let bytes = text.as_bytes().get(at..)?;
    let mut id: i64 = 0;
    for b in bytes {
        match b {
            b'0'..=b'9' => id = id * 10 + i64::from(b - b'0'),
            b',' => return Some(id),
            _ => return None,
        }
    }
    None
}

/// Byte offset in `body` (members, sorted by household id) of the first line whose id is ≥ `id`.
fn first_member_of(body: &str, id: i64) -> usize {
    let bytes = body.as_bytes();
    // The start of the first line beginning at or after `pos`.
    let snap = |pos: usize| -> usize {
        if pos == 0 {
            return 0;
        }
        bytes[pos - 1..]
            .iter()
            .position(|b| *b == b'\n')
            .map(|i| pos + i)
            .unwrap_or(bytes.len())
    };
    let (mut lo, mut hi) = (0usize, bytes.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = snap(mid);
        if start < bytes.len() && id_at(body, start).is_some_and(|x| x < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    snap(lo)
}

/// Parses one range of households and its members into columns of its own (run in parallel).
fn load_part(households: &str, members: &str) -> Res<(Columns, Vec<AreaCode>)> {
    let mut cols = Columns::with_capacity(households.len() / 150, members.len() / 20);
    let mut areas: Vec<AreaCode> = Vec::new();
    let mut cache = None;
    let mut member_lines = members.lines().peekable();
    let mut buf: Vec<MemberFacts> = Vec::with_capacity(16);
    for line in households.lines() {
        let (mut h, village) = parse_household(line, &mut cache)?;
        if areas.last() != Some(&village) {
            areas.push(village);
        }
        h.area = (areas.len() - 1) as u32;
        buf.clear();
        while let Some(m) = member_lines.next_if(|l| id_at(l, 0) == Some(h.id.0)) {
            buf.push(parse_member(m)?.1);
        }
        h.members = std::mem::take(&mut buf);
        cols.put(&h);
        buf = std::mem::take(&mut h.members);
    }
    Ok((cols, areas))
}

/// Reads the CSV files and builds the engine: the files are split into ranges of households (and the
/// members of those households), parsed into separate columns in parallel, then concatenated.
fn load(dir: &Path, t0: Instant) -> Res<Engine> {
    let verbose = std::env::var_os("COMPARE_VERBOSE").is_some();
    let (households, members) = rayon::join(
        || std::fs::read_to_string(dir.join("households.csv")),
        || std::fs::read_to_string(dir.join("members.csv")),
    );
    let (households, members) = (households?, members?);
    if verbose {
        eprintln!("  read after {:?}", t0.elapsed());
    }
    let parts = chunks(&households, rayon::current_num_threads() * 4);
    let member_body = match members.find('\n') {
        Some(i) => &members[i + 1..],
        None => "",
    };
    let mut cuts: Vec<usize> = parts
        .iter()
        .map(|p| {
            id_at(p, 0)
                .map(|id| first_member_of(member_body, id))
                .unwrap_or(0)
        })
        .collect();
    cuts.push(member_body.len());
    let pieces: Vec<(Columns, Vec<AreaCode>)> = parts
        .par_iter()
        .enumerate()
        .map(|(i, p)| load_part(p, &member_body[cuts[i]..cuts[i + 1]]))
        .collect::<Res<_>>()?;
    if verbose {
        eprintln!("  parsed after {:?}", t0.elapsed());
    }
    let n: usize = pieces.iter().map(|p| p.0.len()).sum();
    let n_members: usize = pieces.iter().map(|p| p.0.stored_members()).sum();
    let mut areas = AreaIndex::default();
    let mut cols = Columns::with_capacity(n, n_members + n / 10);
    for (part, codes) in pieces {
        let map: Vec<u32> = codes.iter().map(|c| areas.intern(*c)).collect();
        cols.append(part, &map);
    }
    if verbose {
        eprintln!("  columns built after {:?}", t0.elapsed());
    }
    Ok(Engine::from_compact(areas, cols, YEAR, as_of()))
}

fn rollup_json(code: AreaCode, r: &Rollup) -> serde_json::Value {
    let mut obj = serde_json::Map::new();
    obj.insert("area".into(), code.to_string().into());
    for (name, v) in r.fields() {
        obj.insert(name, v.into());
    }
    obj.into()
}

fn run(dir: &Path, repeats: usize, out: &Path) -> Res<()> {
    let pack = PolicyPack::builtin();
    // End to end: read and parse the files, build the columns, evaluate, roll up (once; the script
    // interleaves rounds with DuckDB and Polars and keeps the best).
    let t = Instant::now();
    let engine = load(dir, t)?;
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
    let rollups: Vec<serde_json::Value> = eval.rollups().map(|(c, r)| rollup_json(c, r)).collect();
    let result = serde_json::json!({
        "households": engine.households(),
        "members": engine.members(),
        "load_s": loaded,
        "e2e_s": e2e,
        "warm_s": warm,
        "rollups": rollups,
    });
    std::fs::write(out, serde_json::to_string(&result)?)?;
    eprintln!(
        "ours: end to end {:.3} s (load {:.3} s), warm min {:.3} s",
        e2e,
        loaded,
        warm.first().copied().unwrap_or(0.0)
    );
    Ok(())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("export") if args.len() == 4 => {
            export(args[2].replace('_', "").parse()?, Path::new(&args[3]))
        }
        Some("run") if args.len() == 5 => {
            run(Path::new(&args[2]), args[3].parse()?, Path::new(&args[4]))
        }
        _ => Err("用法: compare export N DIR | compare run DIR REPEATS OUT.json".into()),
    }
}
