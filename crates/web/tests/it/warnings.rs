//! The warning lists read the server's live evaluation: the page, the API and the evaluation agree; an edit
//! through the API changes the list and the home page on the next request; a household written by another
//! store handle (another process: the command line, another server) appears within seconds; a row opens the
//! lead form filled from its proposal; the download is masked as the role requires and audited.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{DateTime, Utc};
use jingzhun_core::*;
use jingzhun_store::{Actor, Store};
use jingzhun_web::{Clock, Role};
use serde_json::Value;

use crate::support::*;

/// 2025-06-15 in China: the edits of the test are effective within 2025, the year the lists show.
struct June2025;

impl Clock for June2025 {
    fn now(&self) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-06-15T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }
}

fn patch(s: &Session, uri: &str, json: &str) -> Request<Body> {
    Request::patch(uri)
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", &s.csrf)
        .body(Body::from(json.to_owned()))
        .unwrap()
}

/// `counts.by_guarantee`'s count of `code`.
fn guarantee(v: &Value, code: &str) -> u64 {
    v["counts"]["by_guarantee"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t[0] == code)
        .and_then(|t| t[2].as_u64())
        .unwrap()
}

/// `counts.by_kind` as `(kind, households)`.
fn by_kind(v: &Value) -> Vec<(String, u64)> {
    v["counts"]["by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap().to_owned(),
                l["households"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The count the page shows for `kind` in the list `id` (`<li data-kind="K">…<b>N</b></li>`).
fn page_count(html: &str, id: &str, kind: &str) -> Option<u64> {
    let list = &html[html.find(&format!("id=\"{id}\""))?..];
    let list = &list[..list.find("</ul>")?];
    let li = &list[list.find(&format!("data-kind=\"{kind}\""))?..];
    let b = &li[li.find("<b>")? + 3..];
    b[..b.find("</b>")?].trim().parse().ok()
}

fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

async fn api(w: &World, s: &Session, query: &str) -> Value {
    let res = w.send(s.get(&format!("/api/v1/warnings?{query}"))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn live_lists(w: &World) {
    let county = w.login_as(Role::CountyApprover).await;
    let cadre = w.login_as(Role::VillageCadre).await;

    // The page and the API give the same counts, and the counts are those of the evaluation's rows.
    let before = api(w, &county, "year=2025").await;
    assert_eq!(before["year"], 2025);
    assert_eq!(before["area"]["code"], "511902");
    let page = w.send(county.get("/warnings?year=2025")).await;
    assert_eq!(page.status, StatusCode::OK);
    for (kind, n) in by_kind(&before) {
        assert_eq!(
            page_count(&page.body, "warning-counts", &kind),
            Some(n),
            "{kind}"
        );
    }
    // The data-quality checks (Q01–Q15) of the same area and year, on the page and in the API, over the
    // households the evaluation holds.
    let checks = before["quality"]["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 15, "{}", before["quality"]);
    assert_eq!(checks[0]["code"], "Q01");
    assert_eq!(
        before["quality"]["households"], 3,
        "the county's three households"
    );
    assert!(page.body.contains("id=\"quality-checks\""), "{}", page.body);
    assert!(page.body.contains("Q15"));
    let all = api(w, &county, "year=2025&kind=guarantee_unmet").await;
    let housing0 = guarantee(&before, "housing");
    assert!(housing0 >= 3, "ungraded houses are not safe: {before}");
    assert_eq!(
        all["total"].as_u64(),
        Some(
            by_kind(&before)
                .iter()
                .find(|(k, _)| k == "guarantee_unmet")
                .unwrap()
                .1
        )
    );
    // The child areas side by side add up (a household is filed in one township).
    let children: u64 = before["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["by_kind"][4].as_u64().unwrap())
        .sum();
    assert_eq!(children, all["total"].as_u64().unwrap());
    let row_of = |v: &Value, id: HouseholdId| -> Option<Value> {
        v["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["household_id"] == id.0)
            .cloned()
    };
    let row = row_of(&all, w.household_in2).expect("household_in2 is listed");
    assert!(row["subject"].as_str().unwrap().contains("住房"), "{row}");

    // The cadre's home page shows what waits (the engine is loaded by now).
    let home = w.send(cadre.get("/")).await;
    assert!(home.body.contains("id=\"waiting\""), "{}", home.body);
    let waiting_before = page_count(&home.body, "waiting", "guarantee_unmet").unwrap();

    // An edit through the API: the house is graded safe, the water secured. The next request sees it.
    let res = w
        .send(patch(
            &cadre,
            &format!("/api/v1/households/{}", w.household_in2.0),
            r#"{"version":1,"fields":{"housing_grade":"a","water_litres":100,"water_outage_days":0,"water_quality_ok":"yes"}}"#,
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let after = api(w, &county, "year=2025").await;
    assert_eq!(guarantee(&after, "housing"), housing0 - 1);
    let listed = api(w, &county, "year=2025&kind=guarantee_unmet").await;
    assert!(
        row_of(&listed, w.household_in2)
            .is_none_or(|r| !r["subject"].as_str().unwrap().contains("住房")),
        "{listed}"
    );
    let home = w.send(cadre.get("/")).await;
    assert!(
        page_count(&home.body, "waiting", "guarantee_unmet").unwrap_or(0) < waiting_before,
        "{}",
        home.body
    );

    // Another process files a household in the cadre's village: it shows within seconds.
    let started = Instant::now();
    let url = w.url.clone();
    blocking(move || {
        let other = Store::open(&url).unwrap();
        let h = household(
            "5119020010010009",
            VILLAGE_IN,
            vec![member("赵九", rid("51190219900909009"), Relationship::Head)],
        );
        other
            .create_household(
                &h,
                &[],
                chrono::NaiveDate::from_ymd_opt(2014, 10, 1).unwrap(),
                &Actor::new("cli:test"),
                "命令行导入",
            )
            .unwrap();
    });
    let mut seen = None;
    while started.elapsed() < Duration::from_secs(5) {
        let v = api(w, &county, "year=2025").await;
        if guarantee(&v, "housing") == housing0 {
            seen = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let seen = seen.expect("another process's household appears within 5 s");
    assert!(seen < Duration::from_secs(5));

    // A row opens the lead form filled from the proposal; submitted, the row shows the open case.
    let mine = api(w, &cadre, "year=2025&kind=guarantee_unmet").await;
    let row = row_of(&mine, w.household_in).expect("household_in listed for its village's cadre");
    let href = row["lead_href"]
        .as_str()
        .expect("a cadre may record a lead")
        .to_owned();
    let form = w.send(cadre.get(&href)).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("2025 年预警清单"), "{}", form.body);
    assert!(
        form.body.contains("value=\"cadre_check\" selected"),
        "{}",
        form.body
    );
    let id = w
        .open_case(
            &cadre,
            w.household_in,
            "channel=cadre_check&monitoring_kind=marginal&note=%E9%A2%84%E8%AD%A6",
        )
        .await;
    assert!(!id.is_empty());
    let mine = api(w, &cadre, "year=2025&kind=guarantee_unmet&open_case=1").await;
    let row = row_of(&mine, w.household_in).expect("the row now has an open case");
    assert_eq!(row["open_case"], true);
    assert!(
        row["lead_href"].is_null(),
        "no second lead while a case is open"
    );

    // Outside the scope: not found.
    let res = w.send(cadre.get("/api/v1/warnings?area=511902002")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = w.send(cadre.get("/api/v1/warnings?kind=nonsense")).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);

    // The download: masked for the analyst, in full for the cadre; each audited.
    let analyst = w.login_as(Role::Analyst).await;
    for (s, who, masked) in [
        (&analyst, Role::Analyst, true),
        (&cadre, Role::VillageCadre, false),
    ] {
        let res = w
            .send(s.post_form("/warnings/export", "year=2025&kind=guarantee_unmet"))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let entries = blocking(|| {
            w.store
                .audit_entries(&jingzhun_store::AuditFilter {
                    actor: Some(username(who)),
                    ..Default::default()
                })
                .unwrap()
        });
        let e = entries
            .iter()
            .find(|e| e.action == "export.warnings")
            .expect("audited");
        let detail: Value = serde_json::from_str(&e.detail).unwrap();
        assert_eq!(detail["masked"], masked);
        assert!(detail["rows"].as_u64().unwrap() > 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warning_lists_follow_edits_and_other_processes() {
    live_lists(&World::with_clock(Arc::new(June2025))).await;
}

/// The same on PostgreSQL (when `JINGZHUN_TEST_DATABASE_URL` is set).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warning_lists_follow_edits_and_other_processes_on_postgresql() {
    let Some((w, schema)) = blocking(|| World::postgres_with_clock(Arc::new(June2025))) else {
        return;
    };
    live_lists(&w).await;
    blocking(move || {
        drop(w);
        drop(schema);
    });
}
