//! The dashboard for action (`features::action`): its rates are the indicator catalogue's, so the
//! dashboard page, `GET /api/v1/action` and the standard tables of the report give the same figures for
//! the area and each child area; the child areas sort by any rate; the open cases wait per step with the
//! caller's own (待我办理). On SQLite and PostgreSQL.

use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::monitoring::{
    CaseId, CaseKind, CaseRecord, CaseStep, Measure, Outcome, Step, Visit, VisitPurpose,
};
use jingzhun_core::*;
use jingzhun_report::indicators;
use jingzhun_store::Actor;
use jingzhun_web::{Clock, Role};
use serde_json::Value;

use crate::support::*;

macro_rules! sync {
    ($e:expr) => {
        tokio::task::block_in_place(|| $e)
    };
}

/// 2025-06-15 in China.
struct June2025;

impl Clock for June2025 {
    fn now(&self) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-06-15T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }
}

const RATES: &[&str] = &[
    "monitored_share",
    "assistance_coverage",
    "visit_timeliness",
    "risk_elimination_rate",
    "overdue_rate",
];

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn rate(v: &Value, code: &str) -> Option<f64> {
    v["rates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("{code} in {v}"))["value"]
        .as_f64()
}

fn child(v: &Value, area: &str, code: &str) -> Option<f64> {
    let i = RATES.iter().position(|c| *c == code).unwrap();
    v["children"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == area)
        .unwrap_or_else(|| panic!("{area} in {v}"))["values"][i]
        .as_f64()
}

async fn api(w: &World, s: &Session, query: &str) -> Value {
    let res = w.send(s.get(&format!("/api/v1/action?{query}"))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn board(w: &World) {
    let hh = w.household_in;
    sync!({
        let actor = Actor::system("test");
        w.db(|s| {
            s.add_measure(
                &Measure {
                    household: hh,
                    kind: AssistanceType::Employment,
                    description: "护林员岗位".into(),
                    started: d("2024-01-01"),
                    ended: None,
                    amount: None,
                    case: None,
                    cadre: None,
                },
                &actor,
            )
        })
        .unwrap();
        for on in ["2024-12-01", "2025-05-20"] {
            w.db(|s| {
                s.add_visit(
                    &Visit {
                        household: hh,
                        cadre: None,
                        visited_on: d(on),
                        purpose: VisitPurpose::Routine,
                        findings: String::new(),
                    },
                    &actor,
                )
            })
            .unwrap();
        }
    });
    // A lead of 14 June 2025 (the store records the time the case carries; the web would stamp today).
    let lead = CaseRecord {
        id: CaseId::new(w.household_in2, 1).unwrap(),
        village: AreaCode::parse(VILLAGE_IN).unwrap(),
        kind: CaseKind::Identification,
        channel: Channel::CadreCheck,
        monitoring_kind: Some(MonitoringKind::Unstable),
        risk_types: vec![RiskType::Illness],
        steps: vec![CaseStep {
            step: Step::Lead,
            outcome: Outcome::Pass,
            by: username(Role::VillageCadre),
            at: DateTime::parse_from_rfc3339("2025-06-14T02:00:00Z")
                .unwrap()
                .with_timezone(&Utc),
            note: String::new(),
        }],
    };
    sync!(w
        .db(|s| s.open_case(&lead, &Actor::system("test")))
        .unwrap());
    let cadre = w.login_as(Role::VillageCadre).await;
    let county = w.login_as(Role::CountyApprover).await;

    // A completed year: the API and the report's standard tables agree, for the county and each township.
    let v = api(w, &county, "year=2024").await;
    assert_eq!(v["area"], "511902");
    assert_eq!(v["as_of"], "2024-12-31");
    let store = Arc::clone(&w.store);
    let pack = w.state.policy().clone();
    let table = sync!({
        let data = jingzhun_loader::ReportData::load(
            &store,
            &AreaCode::parse("511902").unwrap(),
            2024,
            None,
            false,
            &pack,
            &mut jingzhun_loader::Silent,
        )
        .unwrap();
        let rows = data.rows_for(&data.area, Some(AreaLevel::Township));
        indicators::compute(&data.engine, &data.eval, &rows, data.extras())
    });
    let county_code = AreaCode::parse("511902").unwrap();
    for code in RATES {
        assert_eq!(rate(&v, code), table.get(&county_code, code), "{code}");
        for t in ["511902001", "511902002"] {
            assert_eq!(
                child(&v, t, code),
                table.get(&AreaCode::parse(t).unwrap(), code),
                "{t} {code}"
            );
        }
    }
    // The figures themselves: 2 of 4 people monitored; the one monitored household has a running
    // measure and a visit in the last 90 days; none eliminated; the case opened in 2025 is not 2024's.
    assert_eq!(rate(&v, "monitored_share"), Some(0.5));
    assert_eq!(rate(&v, "assistance_coverage"), Some(1.0));
    assert_eq!(rate(&v, "visit_timeliness"), Some(1.0));
    assert_eq!(rate(&v, "risk_elimination_rate"), Some(0.0));
    assert_eq!(rate(&v, "overdue_rate"), None);

    // The running year: cases, measures and visits counted today (the case is open, not overdue).
    let now = api(w, &county, "").await;
    assert_eq!(now["year"], 2025);
    assert_eq!(now["as_of"], "2025-06-15");
    assert_eq!(rate(&now, "overdue_rate"), Some(0.0), "{now}");
    assert_eq!(rate(&now, "visit_timeliness"), Some(1.0));

    // Child areas sorted by any rate, both ways.
    let order = |v: &Value| -> Vec<String> {
        v["children"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["code"].as_str().unwrap().to_owned())
            .collect()
    };
    let desc = api(w, &county, "sort=monitored_share&desc=1").await;
    assert_eq!(order(&desc), ["511902001", "511902002"]);
    let asc = api(w, &county, "sort=monitored_share").await;
    assert_eq!(order(&asc), ["511902002", "511902001"]);
    let res = w.send(county.get("/api/v1/action?sort=nonsense")).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    // What waits: the visit of the new case is the village cadre's, not the county's.
    let mine = api(w, &cadre, "").await;
    assert_eq!(mine["mine"], 1, "{mine}");
    assert_eq!(now["mine"], 0, "{now}");
    let visit = now["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["step"] == "visit")
        .expect("the case waits for its visit");
    assert_eq!(visit["cases"], 1);
    assert_eq!(visit["mine"], false);

    // Outside the scope: not found.
    let res = w.send(cadre.get("/api/v1/action?area=511902002")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    // The page shows the API's figures (the live registry is loaded by now).
    let page = w.send(county.get("/?sort=monitored_share&desc=1")).await;
    assert_eq!(page.status, StatusCode::OK);
    let section = &page.body[page.body.find("id=\"action-rates\"").expect("the board")..];
    for r in now["rates"].as_array().unwrap() {
        let li = &section[section
            .find(&format!("data-rate=\"{}\"", r["code"].as_str().unwrap()))
            .unwrap()..];
        let text = r["text"].as_str().unwrap();
        assert!(
            li[..li.find("</li>").unwrap()].contains(&format!("<b>{text}</b>")),
            "{text}"
        );
    }
    let table = &page.body[page.body.find("id=\"action-children\"").unwrap()..];
    assert!(table.find("511902001").unwrap() < table.find("511902002").unwrap());

    // The standard tables carry every rate as a column.
    let tables = jingzhun_report::indicators::catalogue();
    for code in RATES {
        let i = tables.iter().find(|i| i.code == *code).unwrap();
        assert_eq!(i.unit, indicators::Unit::Rate);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_for_action_agrees_with_the_report_and_the_api() {
    board(&World::with_clock(Arc::new(June2025))).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_for_action_agrees_with_the_report_and_the_api_on_postgresql() {
    let Some((w, schema)) = sync!(World::postgres_with_clock(Arc::new(June2025))) else {
        return;
    };
    board(&w).await;
    sync!({
        drop(w);
        drop(schema);
    });
}
