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
