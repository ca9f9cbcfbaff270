//! The project library pages on both backends: the workflow through the web with the county's approval,
//! stale steps and a start inside the announcement period answered 409, each step audited, scope and
//! the XLSX export.

use axum::http::StatusCode;
use chrono::{NaiveDate, Utc};
use jingzhun_core::projects::*;
use jingzhun_core::{AreaCode, Yuan};
use jingzhun_web::Role;

use crate::support::*;

fn worlds() -> Vec<(World, Option<PgSchema>)> {
    let mut out = vec![(World::new(), None)];
    if let Some((w, g)) = World::postgres() {
        out.push((w, Some(g)));
    }
    out
}

fn add_project(w: &World, id: i64, village: &str) {
    let p = Project {
        id: ProjectId(id),
        name: "产业路硬化".into(),
        kind: ProjectKind::Road,
        area: AreaCode::parse(village).unwrap(),
        year: 2024,
        planned_output: 2.5,
        beneficiary_households: 30,
        budget: Yuan::from_fen(200_000_000),
        steps: vec![ProjectStep {
            stage: Stage::Proposed,
            on: NaiveDate::from_ymd_opt(2024, 1, 5).unwrap(),
            announced_until: None,
            owner: None,
            actual_output: None,
            by: "t".into(),
            at: Utc::now(),
            note: String::new(),
        }],
    };
    tokio::task::block_in_place(|| {
        w.store
            .create_project(&p, &[], &jingzhun_store::Actor::new("t"))
            .unwrap()
    });
}

fn audits(w: &World, role: Role, action: &str) -> usize {
    tokio::task::block_in_place(|| w.audit_count(&username(role), action))
}

fn stage_of(w: &World, id: i64) -> Stage {
    tokio::task::block_in_place(|| w.store.project(ProjectId(id)).unwrap().unwrap().stage())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_county_approves_and_a_project_cannot_start_inside_its_announcement_period() {
    for (w, guard) in tokio::task::block_in_place(worlds) {
        add_project(&w, 1, VILLAGE_IN);
        let township = w.login_as(Role::TownshipReviewer).await;
        let county = w.login_as(Role::CountyApprover).await;
        let village = w.login_as(Role::VillageCadre).await;
        // Everyone of the area reads the page.
        let res = w.send(village.get("/projects/1")).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.body.contains("产业路硬化") && res.body.contains("储备"));
        let res = w.send(village.get("/projects")).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("/projects/1"));
        // The township may not approve, on either route.
        let approve = "stage=approved&seen=1&on=2024-02-01";
        let res = w
            .send(township.post_form("/projects/1/approve", approve))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = w
            .send(township.post_form("/projects/1/step", approve))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(stage_of(&w, 1), Stage::Proposed);
        let res = w
            .send(county.post_form("/projects/1/approve", approve))
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(stage_of(&w, 1), Stage::Approved);
        // A second approval based on the same page is stale.
        let res = w
            .send(county.post_form("/projects/1/approve", approve))
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert!(res.body.contains("已被他人办理"), "{}", res.body);
        let res = w
            .send(township.post_form(
                "/projects/1/step",
                "stage=announced&seen=2&on=2024-02-02&until=2024-02-11",
            ))
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        // Not on the announcement's last day.
        let res = w
            .send(township.post_form("/projects/1/step", "stage=under_way&seen=3&on=2024-02-11"))
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert!(
            res.body.contains("公告公示期至 2024-02-11 结束"),
            "{}",
            res.body
        );
        assert_eq!(stage_of(&w, 1), Stage::Announced);
        let res = w
            .send(township.post_form("/projects/1/step", "stage=under_way&seen=3&on=2024-02-12"))
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(stage_of(&w, 1), Stage::UnderWay);
        // Each step audited by who recorded it.
        assert_eq!(audits(&w, Role::CountyApprover, "projects.step"), 1);
        assert_eq!(audits(&w, Role::TownshipReviewer, "projects.step"), 2);
        tokio::task::block_in_place(move || drop((w, guard)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_project_outside_the_area_is_not_found_and_the_export_is_scoped() {
    for (w, guard) in tokio::task::block_in_place(worlds) {
        add_project(&w, 1, VILLAGE_IN);
        add_project(&w, 2, VILLAGE_OUT);
        let county = w.login_as(Role::CountyApprover).await;
        let before = audits(&w, Role::CountyApprover, "access_outside_area");
        let res = w.send(county.get("/projects/2")).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let res = w
            .send(county.post_form("/projects/2/approve", "stage=approved&seen=1&on=2024-02-01"))
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert_eq!(stage_of(&w, 2), Stage::Proposed);
        assert_eq!(
            audits(&w, Role::CountyApprover, "access_outside_area"),
            before + 2
        );
        let res = w.send(county.get("/projects")).await;
        assert!(res.body.contains("/projects/1") && !res.body.contains("/projects/2\""));
        let res = w.send(county.post_form("/projects/export", "")).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(
            res.content_type.contains("spreadsheetml"),
            "{}",
            res.content_type
        );
        tokio::task::block_in_place(move || drop((w, guard)));
    }
}

fn post_json(s: &Session, uri: &str, body: &str) -> axum::http::Request<axum::body::Body> {
    axum::http::Request::post(uri)
        .header(axum::http::header::COOKIE, s.cookie.clone())
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", s.csrf.clone())
        .body(axum::body::Body::from(body.to_owned()))
        .unwrap()
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

/// The JSON API answers as the pages do: the county approves (403 for the township, on either route), a
/// stale step and a start inside the announcement period answer 409 with the reason and the project, a
/// project outside the area is 404, and the list holds the area's projects only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_walks_the_workflow_with_the_same_refusals() {
    for (w, guard) in tokio::task::block_in_place(worlds) {
        add_project(&w, 1, VILLAGE_IN);
        add_project(&w, 2, VILLAGE_OUT);
        let township = w.login_as(Role::TownshipReviewer).await;
        let county = w.login_as(Role::CountyApprover).await;
        let res = w.send(county.get("/api/v1/projects")).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let list = json(&res.body);
        let ids: Vec<i64> = list["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, vec![1]);
        let res = w.send(county.get("/api/v1/projects/2")).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let res = w.send(county.get("/api/v1/projects/1")).await;
        let p = json(&res.body);
        assert_eq!(
            (p["stage"].as_str(), p["step_count"].as_i64()),
            (Some("proposed"), Some(1))
        );
        assert_eq!(p["next_stage"], "approved");
        let approve = r#"{"stage":"approved","seen":1,"on":"2024-02-01"}"#;
        for uri in ["/api/v1/projects/1/approve", "/api/v1/projects/1/step"] {
            let res = w.send(post_json(&township, uri, approve)).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{uri}: {}", res.body);
        }
        let res = w
            .send(post_json(&county, "/api/v1/projects/1/approve", approve))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(json(&res.body)["stage"], "approved");
        // Stale: based on the one step seen before the approval.
        let res = w
            .send(post_json(&county, "/api/v1/projects/1/approve", approve))
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        let refused = json(&res.body);
        assert_eq!(refused["error"], "conflict");
        assert_eq!(refused["project"]["step_count"], 2);
        let res = w
            .send(post_json(
                &township,
                "/api/v1/projects/1/step",
                r#"{"stage":"announced","seen":2,"on":"2024-02-02","announced_until":"2024-02-11"}"#,
            ))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(json(&res.body)["announced_until"], "2024-02-11");
        let res = w
            .send(post_json(
                &township,
                "/api/v1/projects/1/step",
                r#"{"stage":"under_way","seen":3,"on":"2024-02-11"}"#,
            ))
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        let message = json(&res.body)["message"].as_str().unwrap().to_owned();
        assert!(
            message.contains("公告公示期至 2024-02-11 结束"),
            "{message}"
        );
        assert_eq!(stage_of(&w, 1), Stage::Announced);
        // A malformed body is a 400, not a write.
        let res = w
            .send(post_json(
                &township,
                "/api/v1/projects/1/step",
                r#"{"stage":"under_way"}"#,
            ))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(audits(&w, Role::CountyApprover, "projects.step"), 1);
        assert_eq!(audits(&w, Role::TownshipReviewer, "projects.step"), 1);
        tokio::task::block_in_place(move || drop((w, guard)));
    }
}
