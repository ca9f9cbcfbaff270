//! One truth, every year: over a generated county, for each year 2013–2025, every household's proposals and
//! explanation figures as the household API gives them equal the engine's stored proposals (`evaluate`) and
//! its Parquet row (`export parquet`); and for every area the dashboard, the warning counts (CLI and API),
//! `report indicators`, `evaluate`'s own counts and the sum over the Parquet rows agree.
//!
//! The county is small (a few thousand households) so that the test runs in CI; every household of every
//! year is checked, not a sample.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use ::parquet::file::reader::{FileReader, SerializedFileReader};
use ::parquet::record::Field;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use jingzhun_core::{AreaCode, HouseholdId};
use jingzhun_policy::ProposalKind;
use jingzhun_store::Store;
use jingzhun_web::{AppState, Clock, Role, StoreBackend, WebConfig};
use serde_json::Value;
use tower::ServiceExt;

use crate::Workspace;

const COUNTY: &str = "511902";
const FIRST: u16 = 2013;
const LAST: u16 = 2025;
const PASSWORD: &str = "consistency-password-123";

/// 2026-06-15 in China: every year up to 2025 is complete, and each is evaluated as of its 31 December.
struct Mid2026;

impl Clock for Mid2026 {
    fn now(&self) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-15T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }
}

/// One Parquet row, as far as the comparisons read it.
#[derive(Debug, Clone, Default)]
struct Row {
    id: i64,
    village: String,
    size: i64,
    registry: String,
    monitoring: Option<String>,
    income_fen: Option<i64>,
    /// Guarantee code → met.
    met: BTreeMap<String, bool>,
    /// Proposal kinds set.
    proposals: BTreeSet<String>,
    risk_types: BTreeSet<String>,
    ever_registered: bool,
    risk_eliminated: bool,
}

fn decimal_fen(d: &::parquet::data_type::Decimal) -> i64 {
    assert_eq!(d.scale(), 2);
    let bytes = d.data();
    let mut v: i64 = if bytes.first().is_some_and(|b| b & 0x80 != 0) {
        -1
    } else {
        0
    };
    for b in bytes {
        v = (v << 8) | i64::from(*b);
    }
    v
}

/// Every row of `year` under the export folder, by household.
fn parquet_rows(dir: &Path, year: u16) -> BTreeMap<i64, Row> {
    let mut out = BTreeMap::new();
    for county in std::fs::read_dir(dir).unwrap() {
        let path = county
            .unwrap()
            .path()
            .join(format!("year={year}"))
            .join("part-0.parquet");
        if !path.exists() {
            continue;
        }
        let reader = SerializedFileReader::new(File::open(&path).unwrap()).unwrap();
        for row in reader.get_row_iter(None).unwrap() {
            let row = row.unwrap();
            let mut r = Row::default();
            for (name, field) in row.get_column_iter() {
                match (name.as_str(), field) {
                    ("household_id", Field::Long(id)) => r.id = *id,
                    ("village_code", Field::Str(v)) => r.village = v.clone(),
                    ("size", Field::Int(n)) => r.size = i64::from(*n),
                    ("registry_state", Field::Str(s)) => r.registry = s.clone(),
                    ("monitoring_kind", Field::Str(s)) => r.monitoring = Some(s.clone()),
                    ("per_capita_income_yuan", Field::Decimal(d)) => {
                        r.income_fen = Some(decimal_fen(d))
                    }
                    ("risk_types", Field::ListInternal(list)) => {
                        for e in list.elements() {
                            if let Field::Str(s) = e {
                                r.risk_types.insert(s.clone());
                            }
                        }
                    }
                    ("ever_registered", Field::Bool(b)) => r.ever_registered = *b,
                    ("risk_eliminated", Field::Bool(b)) => r.risk_eliminated = *b,
                    (n, Field::Bool(true)) if n.starts_with("proposal_") => {
                        r.proposals.insert(n["proposal_".len()..].to_owned());
                    }
                    (n, Field::Bool(false)) if n.starts_with("proposal_") => {}
                    (n, Field::Bool(b)) if n.ends_with("_met") => {
                        r.met.insert(n[..n.len() - "_met".len()].to_owned(), *b);
                    }
                    _ => {}
                }
            }
            assert!(out.insert(r.id, r).is_none(), "one row per household");
        }
    }
    out
}

/// `5,480` / `12.50` → fen.
fn yuan_fen(text: &str) -> i64 {
    let t = text.replace(',', "");
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.to_owned()),
        None => (false, t),
    };
    let (whole, frac) = t.split_once('.').unwrap_or((&t, ""));
    let mut fen = whole.parse::<i64>().unwrap() * 100;
    if !frac.is_empty() {
        let f = format!("{frac:0<2}");
        fen += f[..2].parse::<i64>().unwrap();
    }
    if neg {
        -fen
    } else {
        fen
    }
}

/// What a proposal says, compared field by field: kind, proposed monitoring kind, risk types, and each
/// explanation's rule, sentence and whether it held.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Said {
    kind: String,
    monitoring_kind: Option<String>,
    risk_types: Vec<String>,
    explanations: Vec<(String, String, bool)>,
}

fn code_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("code").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

fn said(p: &Value, text_key: &str) -> Said {
    Said {
        kind: code_of(&p["kind"]).unwrap(),
        monitoring_kind: code_of(&p["monitoring_kind"]),
        risk_types: p["risk_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| code_of(r).unwrap())
            .collect(),
        explanations: p["explanations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["rule"].as_str().unwrap().to_owned(),
                    e[text_key].as_str().unwrap().to_owned(),
                    e["holds"].as_bool().unwrap(),
                )
            })
            .collect(),
    }
}

/// Sums of the Parquet rows for one area.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Sums {
    households: i64,
    people: i64,
    poor_households: i64,
    poor_people: i64,
    monitored: BTreeMap<String, i64>,
    ever_registered: i64,
    risk_eliminated: i64,
    proposals: BTreeMap<String, i64>,
    guarantee_unmet: BTreeMap<String, i64>,
    any_guarantee_unmet: i64,
}

impl Sums {
    fn add(&mut self, r: &Row) {
        self.households += 1;
        self.people += r.size;
        if r.registry == "poor" {
            self.poor_households += 1;
            self.poor_people += r.size;
        }
        if let Some(k) = &r.monitoring {
            *self.monitored.entry(k.clone()).or_default() += 1;
        }
        self.ever_registered += i64::from(r.ever_registered);
        self.risk_eliminated += i64::from(r.risk_eliminated);
        for p in &r.proposals {
            *self.proposals.entry(p.clone()).or_default() += 1;
        }
        let mut any = false;
        for (g, met) in &r.met {
            if !met {
                *self.guarantee_unmet.entry(g.clone()).or_default() += 1;
                any = true;
            }
        }
        self.any_guarantee_unmet += i64::from(any);
    }

    fn monitored_total(&self) -> i64 {
        self.monitored.values().sum()
    }

    fn proposal(&self, kind: &str) -> i64 {
        self.proposals.get(kind).copied().unwrap_or(0)
    }
}

/// Sums by area code (county, township, village) of a year's rows.
fn sums_by_area(rows: &BTreeMap<i64, Row>) -> BTreeMap<String, Sums> {
    let mut out: BTreeMap<String, Sums> = BTreeMap::new();
    for r in rows.values() {
        for len in [6, 9, 12] {
            out.entry(r.village[..len].to_owned()).or_default().add(r);
        }
    }
    out
}

struct Web {
    router: axum::Router,
    cookie: String,
    rt: tokio::runtime::Runtime,
}

impl Web {
    fn open(db: &str) -> (Web, Arc<Store>) {
        let store = Arc::new(Store::open(&format!("sqlite:{db}")).unwrap());
        jingzhun_web::create_account(
            &store,
            "t_county",
            Role::CountyApprover,
            AreaCode::parse(COUNTY).unwrap(),
            PASSWORD,
            false,
        )
        .unwrap();
        let state = AppState::new(
            Arc::new(StoreBackend::new(Arc::clone(&store))),
            WebConfig::new("127.0.0.1:0".parse().unwrap()),
            Arc::new(Mid2026),
        );
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let mut web = Web {
            router: jingzhun_web::router(state),
            cookie: String::new(),
            rt,
        };
        let pre = "ab".repeat(32);
        let (status, headers, body) = web.send(
            Request::post("/login")
                .header(header::COOKIE, format!("jz_pre={pre}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "_csrf={pre}&username=t_county&password={PASSWORD}&next=%2F"
                )))
                .unwrap(),
        );
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        web.cookie = headers
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .find(|c| c.starts_with("jz_session="))
            .expect("session cookie")
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        (web, store)
    }

    fn send(&self, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
        self.rt.block_on(async {
            let res = self.router.clone().oneshot(req).await.unwrap();
            let status = res.status();
            let headers = res.headers().clone();
            let bytes = res.into_body().collect().await.unwrap().to_bytes();
            (
                status,
                headers,
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        })
    }

    fn get(&self, uri: &str) -> Value {
        let (status, _, body) = self.send(
            Request::get(uri)
                .header(header::COOKIE, &self.cookie)
                .body(Body::empty())
                .unwrap(),
        );
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("{uri} not JSON ({e}): {body}"))
    }
}

/// The latest stored run of each year, with its proposals by household.
fn stored_proposals(store: &Store) -> HashMap<u16, HashMap<i64, Vec<Said>>> {
    let mut latest: HashMap<u16, i64> = HashMap::new();
    for (id, run) in store.evaluation_runs().unwrap() {
        let e = latest.entry(run.year).or_insert(id);
        *e = (*e).max(id);
    }
    latest
        .into_iter()
        .map(|(year, run)| {
            let mut by: HashMap<i64, Vec<Said>> = HashMap::new();
            store
                .evaluation_proposals(run, &mut |p| {
                    let detail: Value = serde_json::from_str(&p.detail_json).unwrap();
                    assert_eq!(code_of(&detail["kind"]).as_deref(), Some(p.kind.as_str()));
                    by.entry(p.household_id.0)
                        .or_default()
                        .push(said(&detail, "text"));
                    Ok(())
                })
                .unwrap();
            (year, by)
        })
        .collect()
}

fn num(v: &Value) -> i64 {
    v.as_i64()
        .or_else(|| v.as_f64().map(|f| f.round() as i64))
        .unwrap_or_else(|| panic!("not a number: {v}"))
}

/// `counts.by_kind` of a warnings answer (the CLI's map or the API's list) as kind → households.
fn warning_kinds(counts: &Value) -> BTreeMap<String, i64> {
    match &counts["by_kind"] {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), num(v))).collect(),
        Value::Array(a) => a
            .iter()
            .map(|l| match l {
                Value::Array(t) => (t[0].as_str().unwrap().to_owned(), num(&t[2])),
                _ => (
                    l["kind"].as_str().unwrap().to_owned(),
                    num(&l["households"]),
                ),
            })
            .collect(),
        other => panic!("by_kind: {other}"),
    }
}

fn guarantee_counts(counts: &Value) -> BTreeMap<String, i64> {
    match &counts["by_guarantee"] {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), num(v))).collect(),
        Value::Array(a) => a
            .iter()
            .map(|t| (t[0].as_str().unwrap().to_owned(), num(&t[2])))
            .collect(),
        other => panic!("by_guarantee: {other}"),
    }
}

/// The engine-based warning kinds against the Parquet sums of one area.
fn check_warnings(
    what: &str,
    kinds: &BTreeMap<String, i64>,
    guarantees: &BTreeMap<String, i64>,
    s: &Sums,
) {
    for kind in [
        "monitoring_candidate",
        "omission_suspect",
        "wrong_exit_suspect",
        "return_to_poverty",
        "risk_elimination",
    ] {
        assert_eq!(
            kinds.get(kind).copied().unwrap_or(0),
            s.proposal(kind),
            "{what}: warnings {kind} against the Parquet rows"
        );
    }
    assert_eq!(
        kinds.get("guarantee_unmet").copied().unwrap_or(0),
        s.any_guarantee_unmet,
        "{what}: warnings guarantee_unmet against the Parquet rows"
    );
    for (g, n) in guarantees {
        assert_eq!(
            *n,
            s.guarantee_unmet.get(g).copied().unwrap_or(0),
            "{what}: warnings unmet {g} against the Parquet rows"
        );
    }
}

#[test]
fn every_year_one_truth_across_api_engine_parquet_dashboard_warnings_and_indicators() {
    let ws = Workspace::initialised();
    ws.run_ok(&["synth", "--area", COUNTY, "--scale", "0.01", "--seed", "31"]);
    let county = AreaCode::parse(COUNTY).unwrap();

    // The engine's proposals stored, one run (and snapshot) per year.
    let mut evaluated: HashMap<u16, Value> = HashMap::new();
    for year in FIRST..=LAST {
        let y = year.to_string();
        let out = ws.run_ok(&[
            "evaluate", "--year", &y, "--area", COUNTY, "--format", "json",
        ]);
        evaluated.insert(year, serde_json::from_str(&out).expect("evaluate JSON"));
    }
    let parquet_dir = ws.dir.path().join("parquet");
    let parquet_str = parquet_dir.display().to_string();
    ws.run_ok(&[
        "export",
        "parquet",
        "--out",
        &parquet_str,
        "--area",
        COUNTY,
        "--from",
        &FIRST.to_string(),
        "--to",
        &LAST.to_string(),
    ]);

    let (web, store) = Web::open(&ws.db());
    let stored = stored_proposals(&store);
    let tree = store.area_tree().unwrap();
    let townships: Vec<AreaCode> = tree
        .children(&county)
        .iter()
        .copied()
        .filter(|t| store.count_households(t).unwrap() > 0)
        .collect();
    assert!(townships.len() >= 2, "{townships:?}");

    // The dashboard's yearly trend, per area (the county and its townships).
    let mut dashboards: HashMap<String, Value> = HashMap::new();
    for area in std::iter::once(county).chain(townships.iter().copied()) {
        dashboards.insert(
            area.to_string(),
            web.get(&format!("/api/v1/dashboard/{area}")),
        );
    }

    let ids: Vec<HouseholdId> = {
        let mut ids = Vec::new();
        store
            .scan_households(&county, None, &mut |h| {
                ids.push(h.id);
                Ok(())
            })
            .unwrap();
        ids
    };
    assert!(
        ids.len() > 1_000,
        "a county of a few thousand households: {}",
        ids.len()
    );

    let mut seen_kinds: BTreeSet<String> = BTreeSet::new();
    for year in FIRST..=LAST {
        let y = year.to_string();
        let rows = parquet_rows(&parquet_dir, year);
        assert!(!rows.is_empty(), "{year}: Parquet rows");
        let sums = sums_by_area(&rows);
        let empty = HashMap::new();
        let stored_year = stored.get(&year).unwrap_or(&empty);

        // Every household: the API's proposals and figures = the stored proposals = the Parquet row.
        for id in &ids {
            let v = web.get(&format!("/api/v1/households/{}?year={year}", id.0));
            let ev = &v["evaluation"];
            assert!(ev["unavailable"].is_null(), "{year} {}: {ev}", id.0);
            let Some(row) = rows.get(&id.0) else {
                // Not in the registry's area on that year's end: nothing stored either.
                assert!(
                    !stored_year.contains_key(&id.0),
                    "{year} {}: stored proposals for a household the export leaves out",
                    id.0
                );
                continue;
            };
            let mut api: Vec<Said> = ev["proposals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| said(p, "text_zh"))
                .collect();
            api.sort();
            let mut engine = stored_year.get(&id.0).cloned().unwrap_or_default();
            let mut parquet = row.proposals.clone();
            // A household the county included in monitoring after that year's end: the page says the
            // decision (`decided`) instead of proposing monitoring; everything else is the engine's.
            if !ev["decided"].is_null() {
                engine.retain(|s| s.kind != "monitoring_candidate");
                parquet.remove("monitoring_candidate");
            }
            engine.sort();
            assert_eq!(
                api, engine,
                "{year} household {}: the API's proposals against the engine's stored ones",
                id.0
            );
            let kinds: BTreeSet<String> = api.iter().map(|s| s.kind.clone()).collect();
            seen_kinds.extend(kinds.iter().cloned());
            assert_eq!(
                kinds, parquet,
                "{year} household {}: the API's proposals against the Parquet row",
                id.0
            );
            let income = ev["per_capita_income"].as_str().map(yuan_fen);
            assert_eq!(
                income, row.income_fen,
                "{year} household {}: per-capita income (API against Parquet)",
                id.0
            );
            for g in ev["guarantees"].as_array().unwrap() {
                let code = code_of(&g["guarantee"]).unwrap();
                assert_eq!(
                    g["met"].as_bool(),
                    row.met.get(&code).copied(),
                    "{year} household {}: guarantee {code} (API against Parquet): {}",
                    id.0,
                    g["explanation"]["text_zh"]
                );
            }
            // The risk types the rules found are those of the monitoring proposal, when there is one.
            if let Some(p) = api.iter().find(|s| s.kind == "monitoring_candidate") {
                let types: BTreeSet<String> = p.risk_types.iter().cloned().collect();
                assert_eq!(
                    types, row.risk_types,
                    "{year} household {}: risk types",
                    id.0
                );
            }
        }
        // Nothing stored for a household outside the county.
        for id in stored_year.keys() {
            assert!(
                rows.contains_key(id),
                "{year}: stored proposal of {id} not exported"
            );
        }

        // `evaluate`'s own counts (the rollups) against the rows, for the county and its townships.
        let e = &evaluated[&year];
        let mut rollups: Vec<(String, Value)> = vec![(COUNTY.to_owned(), e["total"].clone())];
        for c in e["children"].as_array().unwrap() {
            rollups.push((c["area"].as_str().unwrap().to_owned(), c["rollup"].clone()));
        }
        for (code, r) in &rollups {
            let s = &sums[code];
            assert_eq!(
                num(&r["households"]),
                s.households,
                "{year} {code} households"
            );
            assert_eq!(num(&r["people"]), s.people, "{year} {code} people");
            assert_eq!(
                num(&r["poor_households"]),
                s.poor_households,
                "{year} {code} poor"
            );
            assert_eq!(
                num(&r["poor_people"]),
                s.poor_people,
                "{year} {code} poor people"
            );
            let monitored: i64 = r["monitored_households"]
                .as_array()
                .unwrap()
                .iter()
                .map(num)
                .sum();
            assert_eq!(monitored, s.monitored_total(), "{year} {code} monitored");
            for (i, k) in ProposalKind::ALL.iter().enumerate() {
                assert_eq!(
                    num(&r["proposals"][i]),
                    s.proposal(k.code()),
                    "{year} {code} evaluate's {} against the Parquet rows",
                    k.code()
                );
            }
        }

        // `report indicators` for the county and every township and village.
        for by in ["township", "village"] {
            let out = ws.run_ok(&[
                "report",
                "indicators",
                "--area",
                COUNTY,
                "--year",
                &y,
                "--by",
                by,
                "--format",
                "json",
            ]);
            let t: Value = serde_json::from_str(&out).expect("indicators JSON");
            let table_rows = t["rows"].as_array().unwrap();
            let listed: BTreeSet<&str> = table_rows
                .iter()
                .map(|r| r["area"].as_str().unwrap())
                .collect();
            let level_len = if by == "township" { 9 } else { 12 };
            let expected: BTreeSet<&str> = sums
                .keys()
                .map(String::as_str)
                .filter(|c| c.len() == level_len)
                .collect();
            assert!(
                expected.is_subset(&listed),
                "{year}: every {by} with households is listed"
            );
            for r in table_rows {
                let code = r["area"].as_str().unwrap();
                let zero = Sums::default();
                let s = sums.get(code).unwrap_or(&zero);
                let v = &r["values"];
                let pairs = [
                    ("rural_households", s.households),
                    ("rural_population", s.people),
                    ("poor_households", s.poor_households),
                    ("poor_people", s.poor_people),
                    ("monitored_households", s.monitored_total()),
                    ("ever_registered_households", s.ever_registered),
                    ("risk_eliminated_households", s.risk_eliminated),
                    (
                        "monitoring_candidate_households",
                        s.proposal("monitoring_candidate"),
                    ),
                    ("return_suspect_households", s.proposal("return_to_poverty")),
                ];
                for (ind, expected) in pairs {
                    let got = if v[ind].is_null() { 0 } else { num(&v[ind]) };
                    assert_eq!(
                        got, expected,
                        "{year} {code}: indicator {ind} against the Parquet rows"
                    );
                }
            }
        }

        // The warning counts: the CLI and the API, the county and its townships.
        let out = ws.run_ok(&[
            "warnings", "--area", COUNTY, "--year", &y, "--format", "json",
        ]);
        let cli: Value = serde_json::from_str(&out).expect("warnings JSON");
        check_warnings(
            &format!("{year} {COUNTY} (CLI)"),
            &warning_kinds(&cli["counts"]),
            &guarantee_counts(&cli["counts"]),
            &sums[COUNTY],
        );
        for c in cli["children"].as_array().unwrap() {
            let code = c["code"].as_str().unwrap();
            let zero = Sums::default();
            check_warnings(
                &format!("{year} {code} (CLI)"),
                &warning_kinds(&c["counts"]),
                &guarantee_counts(&c["counts"]),
                sums.get(code).unwrap_or(&zero),
            );
        }
        for area in std::iter::once(county).chain(townships.iter().copied()) {
            let api = web.get(&format!("/api/v1/warnings?area={area}&year={year}"));
            if area == county {
                // The data-quality checks beside the warnings: the API and the CLI agree check by check,
                // over the households the engine evaluates.
                let findings = |q: &Value| -> Vec<(String, i64)> {
                    q["checks"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| (c["code"].as_str().unwrap().to_owned(), num(&c["findings"])))
                        .collect()
                };
                assert_eq!(
                    findings(&api["quality"]),
                    findings(&cli["quality"]),
                    "{year}"
                );
                assert_eq!(findings(&api["quality"]).len(), 15, "Q01–Q15");
                assert_eq!(
                    num(&api["quality"]["households"]),
                    sums[COUNTY].households,
                    "{year}"
                );
            }
            check_warnings(
                &format!("{year} {area} (API)"),
                &warning_kinds(&api["counts"]),
                &guarantee_counts(&api["counts"]),
                &sums[area.as_str()],
            );
        }

        // The dashboard's trend of the year (status on 31 December), per area.
        for (code, d) in &dashboards {
            let Some(point) = d["trend"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["year"] == i64::from(year))
            else {
                continue;
            };
            let s = &sums[code];
            assert_eq!(
                num(&point["poor"]),
                s.poor_households,
                "{year} {code}: dashboard poor"
            );
            for kind in ["unstable", "marginal", "sudden_hardship"] {
                let key = match kind {
                    "sudden_hardship" => "monitored_sudden".to_owned(),
                    k => format!("monitored_{k}"),
                };
                assert_eq!(
                    num(&point[&key]),
                    s.monitored.get(kind).copied().unwrap_or(0),
                    "{year} {code}: dashboard {key}"
                );
            }
        }
    }
    // The generated county exercises the rules: these kinds are proposed somewhere over the years.
    for kind in [
        "should_register",
        "omission_suspect",
        "monitoring_candidate",
        "risk_elimination",
        "guarantee_issue",
    ] {
        assert!(
            seen_kinds.contains(kind),
            "{kind} never proposed: {seen_kinds:?}"
        );
    }
}
