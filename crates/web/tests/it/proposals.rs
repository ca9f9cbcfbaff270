//! The rules' proposals on the household page and in the API: computed on request for one household,
//! with their explanations, labelled as proposals and kept apart from the approved decisions.

use axum::http::StatusCode;
use chrono::NaiveDate;
use jingzhun_core::*;
use jingzhun_store::Actor;
use jingzhun_web::Role;

use crate::support::*;

/// An exited household of the cadre's village whose 2021 income is below the monitoring line:
/// 10,960 yuan for two people, 5,480 per person, under 2021's line of 6,000.
pub fn low_income_household(w: &World) -> HouseholdId {
    let mut h = household(
        "5119020010010009",
        VILLAGE_IN,
        vec![
            member("赵六", rid("51190219700606007"), Relationship::Head),
            member("钱七", rid("51190219720707008"), Relationship::Spouse),
        ],
    );
    h.incomes = vec![IncomeRecord::new(2021).with(IncomeComponent::Wages, Yuan::from_yuan(10_960))];
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let events = [
        StatusEvent::new(StatusEventKind::Registered, d("2014-10-01")),
        StatusEvent::new(StatusEventKind::Exited, d("2019-12-01")),
    ];
    w.db(|s| s.create_household(&h, &events, d("2014-10-01"), &Actor::system("test"), "test"))
        .unwrap()
        .0
}

#[tokio::test]
async fn a_household_below_the_line_shows_the_proposal_with_its_explanation() {
    let w = World::new();
    let id = low_income_household(&w).0;
    let cadre = w.login_as(Role::VillageCadre).await;
    let page = w
        .send(cadre.get(&format!("/households/{id}?year=2021")))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let body = &page.body;
    assert!(body.contains("系统建议"), "labelled as proposals");
    assert!(body.contains("建议纳入监测"), "{body}");
    assert!(
        body.contains("人均纯收入 5,480 元 &lt; 2021 年监测线 6,000 元")
            || body.contains("人均纯收入 5,480 元 &#60; 2021 年监测线 6,000 元"),
        "{body}"
    );
    // Proposals come before, and apart from, the approved decisions.
    let proposals = body.find("id=\"proposals\"").unwrap();
    let decisions = body.find("class=\"card section decisions\"").unwrap();
    assert!(proposals < decisions);
    assert!(body.contains("不愁吃、不愁穿"));

    let api = w
        .send(cadre.get(&format!("/api/v1/households/{id}?year=2021")))
        .await;
    assert_eq!(api.status, StatusCode::OK);
    let ev = &api.json()["evaluation"];
    assert_eq!(ev["nature"], "proposal");
    assert_eq!(ev["year"], 2021);
    assert_eq!(ev["per_capita_income"], "5,480");
    let p = ev["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"]["code"] == "monitoring_candidate")
        .expect("monitoring proposal");
    assert!(p["explanations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["text"] == "人均纯收入 5,480 元 < 2021 年监测线 6,000 元"));
    assert_eq!(ev["guarantees"].as_array().unwrap().len(), 5);

    // A year that is not a year is a bad request; the default year is the latest complete one.
    let bad = w
        .send(cadre.get(&format!("/households/{id}?year=abc")))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let default = w.send(cadre.get(&format!("/api/v1/households/{id}"))).await;
    assert_eq!(default.json()["evaluation"]["latest_income"]["year"], 2021);
}

#[tokio::test]
async fn an_analyst_sees_proposals_but_masked_ids_and_no_health() {
    let w = World::new();
    let id = low_income_household(&w).0;
    let analyst = w.login_as(Role::Analyst).await;
    let page = w
        .send(analyst.get(&format!("/households/{id}?year=2021")))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("建议纳入监测"));
    let full = rid("51190219700606007");
    assert!(!page.body.contains(full.as_str()));
    assert!(page.body.contains(&full.masked()));
    assert!(!page.body.contains("长期慢性病"), "health is personal data");
    let api = w
        .send(analyst.get(&format!("/api/v1/households/{id}?year=2021")))
        .await;
    assert!(!api.body.contains(full.as_str()));
    assert!(api.json()["members"][0]["health"].is_null());
    assert!(!api.json()["evaluation"]["proposals"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn every_role_reads_the_parameters_in_force_with_their_provenance() {
    let w = World::new();
    for role in Role::ALL.iter().copied() {
        let s = w.login_as(role).await;
        let page = w.send(s.get("/policy?year=2021")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", role.code());
        assert!(page.body.contains("data-param=\"monitoring_threshold\""));
        assert!(page.body.contains("6,000 元"), "{}", page.body);
        assert!(page.body.contains("national.toml"));
    }
    let s = w.login_as(Role::Analyst).await;
    let api = w.send(s.get("/api/v1/policy?year=2023")).await;
    assert_eq!(api.status, StatusCode::OK);
    let j = api.json();
    assert_eq!(j["area"], "511902");
    let threshold = j["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["code"] == "monitoring_threshold")
        .unwrap()
        .clone();
    assert!(!threshold["source"].as_str().unwrap().is_empty());
    assert!(!threshold["reliability"]["code"]
        .as_str()
        .unwrap()
        .is_empty());
    // A year without parameters says so instead of failing.
    let none = w.send(s.get("/policy?year=2005")).await;
    assert_eq!(none.status, StatusCode::OK);
    assert!(none.body.contains("class=\"error\""));
}
