//! The what-if page and API: who may run it, the bounded parameters with Chinese field errors, the flips
//! by kind, by child area and household by household, the drill-down, and that nothing is written.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::NaiveDate;
use jingzhun_core::*;
use jingzhun_store::Actor;
use jingzhun_web::Role;

use crate::proposals::low_income_household;
use crate::support::*;

/// An exited household of the cadre's village with every guarantee met and 5,480 yuan per person in
/// 2021: proposed for monitoring under 2021's threshold of 6,000 only because of its income.
fn secured_low_income_household(w: &World) -> HouseholdId {
    let mut h = household(
        "5119020010010019",
        VILLAGE_IN,
        vec![
            member("孙八", rid("51190219700808009"), Relationship::Head),
            member("周九", rid("51190219720909001"), Relationship::Spouse),
        ],
    );
    h.incomes = vec![IncomeRecord::new(2021).with(IncomeComponent::Wages, Yuan::from_yuan(10_960))];
    h.housing.grade = Some(HousingGrade::B);
    h.water = Water {
        litres_per_person_day: Some(60),
        fetch_minutes: None,
        outage_days_per_year: Some(0),
        quality_ok: Some(true),
        dry_area: false,
    };
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let events = [
        StatusEvent::new(StatusEventKind::Registered, d("2014-10-01")),
        StatusEvent::new(StatusEventKind::Exited, d("2019-12-01")),
    ];
    w.db(|s| s.create_household(&h, &events, d("2014-10-01"), &Actor::system("test"), "test"))
        .unwrap()
        .0
}

fn post_json(s: &Session, uri: &str, json: &str) -> Request<Body> {
    Request::post(uri)
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", &s.csrf)
        .body(Body::from(json.to_owned()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lowering_the_monitoring_threshold_flips_the_low_income_household() {
    flips(&World::new()).await;
}

/// The same on PostgreSQL (when `JINGZHUN_TEST_DATABASE_URL` is set).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_if_runs_on_postgresql_too() {
    let Some((w, schema)) = tokio::task::block_in_place(World::postgres) else {
        return;
    };
    flips(&w).await;
    tokio::task::block_in_place(move || {
        drop(w);
        drop(schema);
    });
}

/// Runs blocking store work off the async worker (the PostgreSQL client is synchronous).
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

async fn flips(w: &World) {
    let id = blocking(|| secured_low_income_household(w));
    let versions_before = blocking(|| w.db(|s| s.household_history(id)).unwrap().len());
    let analyst = w.login_as(Role::Analyst).await;
    let audits = blocking(|| w.audit_count(&username(Role::Analyst), "whatif.run"));

    // 5,480 yuan per person: a candidate under 2021's threshold of 6,000, not under 5,000.
    let res = w
        .send(post_json(
            &analyst,
            "/api/v1/whatif",
            r#"{"year":2021,"params":{"monitoring_threshold":"5000"}}"#,
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let j = res.json();
    let r = &j["result"];
    assert_eq!(r["nature"], "whatif");
    assert_eq!(r["area"], "511902");
    assert_eq!(r["changes"][0]["before"], "6000");
    assert_eq!(r["changes"][0]["after"], "5000");
    let kind = r["kinds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kind"]["code"] == "monitoring_candidate")
        .unwrap();
    assert_eq!(kind["households_removed"], 1, "{r}");
    assert_eq!(kind["people_removed"], 2, "{r}");
    assert_eq!(kind["households_added"], 0, "{r}");
    assert_eq!(r["flipped_households"], 1);
    assert_eq!(r["flipped_people"], 2);
    let row = &r["rows"][0];
    assert_eq!(row["id"], id.0);
    assert_eq!(row["removed"][0]["code"], "monitoring_candidate");
    let head = row["head_id"].as_str().unwrap();
    assert!(
        head.contains('*') && !head.contains("51190219700606"),
        "{head}"
    );
    // By child area: the township holding the village has the flip; the other has none.
    let children = r["children"].as_array().unwrap();
    let child = |code: &str| children.iter().find(|c| c["code"] == code).unwrap();
    assert_eq!(child("511902001")["households"], 1);
    assert_eq!(child("511902001")["losing"], 1);
    assert_eq!(child("511902002")["households"], 0);

    // Audited as a read; nothing written.
    assert_eq!(
        blocking(|| w.audit_count(&username(Role::Analyst), "whatif.run")),
        audits + 1
    );
    assert_eq!(
        blocking(|| w.db(|s| s.household_history(id)).unwrap().len()),
        versions_before
    );

    // The page: drill-down into the township, then the village; the list links to the household.
    let page = w
        .send(analyst.post_form("/whatif", "year=2021&monitoring_threshold=5000"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("id=\"whatif-result\""));
    // Drill-down posts the run again with the area (a what-if never runs on a GET).
    assert!(page
        .body
        .contains(r#"<form method="post" action="/whatif" class="inline whatif-again">"#));
    assert!(page.body.contains(r#"<input type="hidden" name="monitoring_threshold" value="5000"><input type="hidden" name="area" value="511902001">"#), "{}", page.body);
    assert!(!page.body.contains("href=\"/whatif?"), "{}", page.body);
    let town = w
        .send(analyst.post_form(
            "/whatif",
            "year=2021&monitoring_threshold=5000&area=511902001&page=1",
        ))
        .await;
    assert_eq!(town.status, StatusCode::OK);
    assert!(town
        .body
        .contains(&format!("/households/{}?year=2021", id.0)));
    assert!(town.body.contains("data-area=\"511902001001\""));
    // Outside the account's area: not found, audited.
    let out = w
        .send(analyst.post_form("/whatif", "year=2021&monitoring_threshold=5000&area=511903"))
        .await;
    assert_eq!(out.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn parameters_are_bounded_and_errors_are_per_field_in_chinese() {
    let w = World::new();
    let county = w.login_as(Role::CountyApprover).await;
    let res = w
        .send(post_json(
            &county,
            "/api/v1/whatif",
            r#"{"year":2021,"params":{"poverty_line":"abc","monitoring_threshold":1000000,"registration_open":true}}"#,
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let j = res.json();
    assert_eq!(j["error"], "invalid");
    let fields = j["fields"].as_array().unwrap();
    assert!(
        fields
            .iter()
            .any(|f| f["field"] == "params.registration_open"),
        "{j}"
    );
    // Only the parameter that is not editable is reported first; then the values.
    let res = w
        .send(post_json(
            &county,
            "/api/v1/whatif",
            r#"{"year":2021,"params":{"poverty_line":"abc","monitoring_threshold":1000000}}"#,
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let j = res.json();
    let fields = j["fields"].as_array().unwrap();
    let msg = |f: &str| {
        fields
            .iter()
            .find(|x| x["field"] == f)
            .unwrap_or_else(|| panic!("{f}: {j}"))["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(msg("poverty_line").contains("贫困线"));
    assert!(msg("monitoring_threshold").contains("100000"));
    // Nothing changed: refused, not run.
    let res = w
        .send(post_json(
            &county,
            "/api/v1/whatif",
            r#"{"year":2021,"params":{"monitoring_threshold":6000}}"#,
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(res.json()["error"], "nothing_changed");
    // Not JSON: a JSON error too.
    let res = w
        .send(post_json(&county, "/api/v1/whatif", "year=2021"))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"], "bad_request");
    // The page shows the message beside the field.
    let page = w
        .send(county.post_form("/whatif", "year=2021&poverty_line=-5"))
        .await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("field-error"));
    assert!(page.body.contains("「贫困线」须为 0 到 100000"));
}

#[tokio::test]
async fn only_analysts_county_approvers_and_admins_run_what_ifs() {
    let w = World::new();
    for role in Role::ALL.iter().copied() {
        let s = w.login_as(role).await;
        let page = w.send(s.get("/whatif")).await;
        let home = w.send(s.get("/")).await;
        let allowed = matches!(role, Role::Analyst | Role::CountyApprover | Role::Admin);
        assert_eq!(page.status.is_success(), allowed, "{role:?}");
        assert_eq!(
            home.body.contains("href=\"/whatif\""),
            allowed,
            "{role:?}: nav"
        );
    }
    // Every text of the page and its result exists in English.
    let s = w.login_as(Role::Analyst).await;
    let en = Session {
        cookie: format!("{}; lang=en", s.cookie),
        csrf: s.csrf.clone(),
    };
    let page = w
        .send(en.post_form("/whatif", "year=2021&monitoring_threshold=5000"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Policy what-if"), "{}", page.body);
    assert!(page.body.contains("monitoring threshold"), "{}", page.body);
    assert!(!page.body.contains('‽'), "{}", page.body);
    assert!(
        page.body.contains("6000 yuan"),
        "units in English: {}",
        page.body
    );
    assert!(!page.body.contains("6000 元"), "{}", page.body);
}

#[tokio::test]
async fn explanations_are_in_english_in_english_mode() {
    let w = World::new();
    let id = low_income_household(&w).0;
    let cadre = w.login_as(Role::VillageCadre).await;
    let english = Session {
        cookie: format!("{}; lang=en", cadre.cookie),
        csrf: cadre.csrf.clone(),
    };
    let page = w
        .send(english.get(&format!("/households/{id}?year=2021")))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains(
            "Per-capita net income 5,480 yuan &lt; the 2021 monitoring threshold of 6,000 yuan"
        ) || page.body.contains(
            "Per-capita net income 5,480 yuan &#60; the 2021 monitoring threshold of 6,000 yuan"
        ),
        "{}",
        page.body
    );
    let api = w
        .send(english.get(&format!("/api/v1/households/{id}?year=2021")))
        .await;
    let j = api.json();
    let e = &j["evaluation"]["proposals"][0]["explanations"];
    let texts: Vec<&str> = e
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["text"].as_str().unwrap())
        .collect();
    assert!(
        texts
            .iter()
            .all(|t| t.is_ascii() || !t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
        "{texts:?}"
    );
    assert!(e[0]["text_zh"]
        .as_str()
        .unwrap()
        .chars()
        .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)));
    // Chinese by default, with the English beside it.
    let zh = w
        .send(cadre.get(&format!("/api/v1/households/{id}?year=2021")))
        .await
        .json();
    let e = &zh["evaluation"]["proposals"][0]["explanations"][0];
    assert_eq!(e["text"], e["text_zh"]);
    assert!(!e["text_en"].as_str().unwrap().is_empty());
}

/// Heavy work is never started by a GET (issue 12, security review): `GET /whatif` with the parameters of a
/// run (and the old `run=1`) shows the prefilled form only; it takes no place in the heavy-work limiter, is
/// not audited as a run and shows no result. The run is a POST with the session's CSRF token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_get_of_the_whatif_page_never_runs_a_whatif() {
    let w = World::new();
    let analyst = w.login_as(Role::Analyst).await;
    let runs = blocking(|| w.audit_count(&username(Role::Analyst), "whatif.run"));
    // With the account's one place taken, a run would be refused with 429: a GET is not.
    let id = jingzhun_web::AccountId(w.db(|s| {
        s.account_by_username(&username(Role::Analyst))
            .unwrap()
            .unwrap()
            .id
    }));
    let held = w
        .state
        .heavy()
        .admit(id, jingzhun_web::heavy_work::HeavyKind::Report)
        .unwrap();
    let page = w
        .send(analyst.get("/whatif?run=1&year=2021&monitoring_threshold=5000&area=511902001"))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(!page.body.contains("id=\"whatif-result\""), "{}", page.body);
    assert!(page
        .body
        .contains(r#"<form method="post" action="/whatif""#));
    assert!(
        page.body.contains(r#"value="5000""#),
        "the form keeps the values"
    );
    let busy = w
        .send(analyst.post_form("/whatif", "year=2021&monitoring_threshold=5000"))
        .await;
    assert_eq!(busy.status, StatusCode::TOO_MANY_REQUESTS);
    drop(held);
    assert_eq!(
        blocking(|| w.audit_count(&username(Role::Analyst), "whatif.run")),
        runs,
        "nothing ran"
    );
    // Without the session's token the POST is refused before it runs.
    let forged = axum::http::Request::post("/whatif")
        .header(axum::http::header::COOKIE, &analyst.cookie)
        .header(
            axum::http::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(axum::body::Body::from(
            "year=2021&monitoring_threshold=5000",
        ))
        .unwrap();
    assert_eq!(w.send(forged).await.status, StatusCode::FORBIDDEN);
    let ran = w
        .send(analyst.post_form("/whatif", "year=2021&monitoring_threshold=5000"))
        .await;
    assert_eq!(ran.status, StatusCode::OK, "{}", ran.body);
    assert!(ran.body.contains("id=\"whatif-result\""));
    assert_eq!(
        blocking(|| w.audit_count(&username(Role::Analyst), "whatif.run")),
        runs + 1
    );
}
