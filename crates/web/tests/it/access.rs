//! THE access-control test: every route of the route table, with every role, from inside and outside the
//! account's area, and signed out. The expected answer comes from the same matrix the application uses
//! (`jingzhun_web::allows`), never from a second copy of the rules.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use jingzhun_web::routes::{specs, Access, RouteSpec};
use jingzhun_web::{allows, Role};

use crate::support::*;

/// Where a request points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Inside,
    Outside,
}

/// Whether a route names an area or a household (so it has an "outside" variant).
fn has_target(spec: &RouteSpec) -> bool {
    spec.path.contains("{id}")
        || spec.path.contains("{case}")
        || spec.path.contains("{account}")
        || spec.path.contains("{code}")
        || spec.path.contains("{project}")
        || spec.path.contains("{attachment}")
        || spec.path.ends_with("/households")
        || spec.path.ends_with("/whatif")
        || (spec.path == "/admin/accounts" && spec.method == Method::POST)
}

/// The request for `spec`, pointing inside or outside `role`'s area.
fn request(
    w: &World,
    cases: &(String, String),
    spec: &RouteSpec,
    role: Role,
    target: Target,
    session: Option<&Session>,
    n: usize,
) -> Request<Body> {
    let (household, area, case, account) = match target {
        Target::Inside => (
            w.household_in,
            area_of(role).to_owned(),
            &cases.0,
            w.spare_account,
        ),
        Target::Outside => (
            w.household_out,
            "511903".to_owned(),
            &cases.1,
            w.outside_account,
        ),
    };
    let mut uri = spec
        .path
        .replace("{id}", &household.0.to_string())
        .replace("{code}", &area)
        .replace("{case}", case)
        .replace("{account}", &account.0.to_string())
        // The walk's projects (see `walk_projects`): 1 inside every account's area, 2 outside.
        .replace(
            "{project}",
            if target == Target::Inside { "1" } else { "2" },
        )
        // The walk's attachments (see `walk_attachments`): 1 inside every account's area, 2 outside.
        .replace(
            "{attachment}",
            if target == Target::Inside { "1" } else { "2" },
        )
        .replace("{file}", "style.css");
    if uri.ends_with("/households") {
        uri.push_str(&format!("?q=%E5%BC%A0&area={area}"));
    }
    if uri == "/whatif" && spec.method == Method::GET {
        uri.push_str(&format!("?year=2021&poverty_line=9000&area={area}"));
    }
    if uri == "/lang" {
        uri.push_str("?to=en&back=%2F");
    }
    let csrf = session.map(|s| s.csrf.clone()).unwrap_or_default();
    let cookie = session.map(|s| s.cookie.clone()).unwrap_or_default();
    if spec.method == Method::GET {
        return Request::get(uri)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap();
    }
    if spec.is_api() {
        let json = if spec.path.ends_with("/leads") {
            r#"{"channel":"cadre_check","monitoring_kind":"unstable","risk_types":["illness"]}"#
                .to_owned()
        } else if spec.path == "/api/v1/households/{id}" {
            // An invalid phone: the walk checks access without changing the household.
            r#"{"version":1,"fields":{"phone":"not-a-phone"}}"#.to_owned()
        } else if spec.path == "/api/v1/projects/{project}/step" {
            // A stale step (based on no step): access is checked, nothing is written.
            r#"{"stage":"announced","seen":0,"on":"2020-02-01","announced_until":"2020-02-10"}"#
                .to_owned()
        } else if spec.path == "/api/v1/projects/{project}/approve" {
            r#"{"stage":"approved","seen":0,"on":"2020-02-01"}"#.to_owned()
        } else if spec.path == "/api/v1/whatif" {
            format!(r#"{{"year":2021,"area":"{area}","params":{{"poverty_line":9000}}}}"#)
        } else {
            r#"{"outcome":"pass","note":"x"}"#.to_owned()
        };
        return Request::builder()
            .method(spec.method.clone())
            .uri(uri)
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", csrf)
            .body(Body::from(json))
            .unwrap();
    }
    if spec.path == "/import" {
        // A valid upload inside every account's area: the walk previews it (nothing is written).
        let s = Session {
            cookie,
            csrf: csrf.clone(),
        };
        let h = crate::import::new_household(
            "5119020010010088",
            VILLAGE_IN,
            "孙八",
            "51190219910101001",
        );
        let file = crate::import::csv_of(&[(h, vec![])]);
        return crate::import::upload_request(&s, Some(&csrf), "walk.csv", &file);
    }
    if spec.path == "/import/monitoring" && spec.method == Method::POST {
        // Valid monitoring records inside every account's area (the exited 5119020010010002): previewed.
        let s = Session {
            cookie,
            csrf: csrf.clone(),
        };
        let mut req = crate::import::upload_request(
            &s,
            Some(&csrf),
            "walk.csv",
            "户编号,监测对象类别,识别纳入日期,风险类型\n5119020010010002,脱贫不稳定户,2023-05-10,因病\n"
                .as_bytes(),
        );
        *req.uri_mut() = "/import/monitoring".parse().unwrap();
        return req;
    }
    let (cookie, fields) = match spec.path {
        "/login" => {
            let pre = "cd".repeat(32);
            (
                format!("jz_pre={pre}"),
                format!(
                    "_csrf={pre}&username={}&password={PASSWORD}",
                    username(role)
                ),
            )
        }
        "/password" => (
            cookie,
            format!("_csrf={csrf}&current=wrong-password&new=abcdefghijk&confirm=abcdefghijk"),
        ),
        "/admin/accounts" => (
            cookie,
            format!(
                "_csrf={csrf}&username=new_{}_{n}&display_name=x&role=analyst&area={area}",
                role.code()
            ),
        ),
        "/households/{id}/leads" => (
            cookie,
            format!("_csrf={csrf}&channel=cadre_check&monitoring_kind=unstable&risk=illness"),
        ),
        // An invalid phone: the walk checks access without changing the household.
        "/households/{id}/edit" => (cookie, format!("_csrf={csrf}&version=1&phone=not-a-phone")),
        p if p.starts_with("/cases/{case}/") => (cookie, format!("_csrf={csrf}&outcome=pass")),
        // A stale step (based on no step): access is checked, the workflow refuses it, nothing is written.
        "/projects/{project}/step" => (
            cookie,
            format!("_csrf={csrf}&stage=announced&seen=0&on=2020-02-01&until=2020-02-10"),
        ),
        "/projects/{project}/approve" => (
            cookie,
            format!("_csrf={csrf}&stage=approved&seen=0&on=2020-02-01"),
        ),
        "/whatif" => (
            cookie,
            format!("_csrf={csrf}&year=2021&poverty_line=9000&area={area}"),
        ),
        "/reports/tables" => (cookie, format!("_csrf={csrf}&year=2020")),
        "/reports/annual" => (cookie, format!("_csrf={csrf}&year=2020&format=md")),
        "/reports/export" => (cookie, format!("_csrf={csrf}&year=2020&format=csv")),
        // The what-if export runs the what-if of the walk's area (outside: 404).
        "/exports/whatif" => (
            cookie,
            format!("_csrf={csrf}&year=2021&poverty_line=9000&area={area}"),
        ),
        _ => (cookie, format!("_csrf={csrf}")),
    };
    Request::builder()
        .method(spec.method.clone())
        .uri(uri)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(fields))
        .unwrap()
}

/// What a permitted request answers.
fn success(spec: &RouteSpec) -> StatusCode {
    match (spec.method.as_str(), spec.path) {
        // The walk's cases are closed: a permitted step is refused as out of turn, not as forbidden.
        ("POST", p)
            if p.starts_with("/cases/{case}/") || p.starts_with("/api/v1/cases/{case}/") =>
        {
            StatusCode::CONFLICT
        }
        ("POST", "/api/v1/households/{id}/leads") => StatusCode::CREATED,
        // The walk sends no household and no meeting: access is checked, the form comes back with what is
        // missing, nothing is written.
        (
            "POST",
            "/villages/{code}/review"
            | "/cases/batch/township-review"
            | "/cases/batch/county-approval",
        ) => StatusCode::UNPROCESSABLE_ENTITY,
        (
            "POST",
            "/projects/{project}/step"
            | "/projects/{project}/approve"
            | "/api/v1/projects/{project}/step"
            | "/api/v1/projects/{project}/approve",
        ) => StatusCode::CONFLICT,
        // No file and no reason: access is checked, nothing is written.
        ("POST", "/households/{id}/attachments" | "/attachments/{attachment}/remove") => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        // The walk confirms no preview: a permitted confirmation finds nothing to commit.
        ("POST", "/import/confirm" | "/import/monitoring/confirm") => StatusCode::CONFLICT,
        ("POST", "/admin/accounts/{account}/disable" | "/admin/accounts/{account}/enable") => {
            StatusCode::SEE_OTHER
        }
        // The survey grid and the member forms get no version: refused as malformed, nothing written.
        (
            "POST",
            "/survey" | "/households/{id}/members/add" | "/households/{id}/members/remove",
        ) => StatusCode::BAD_REQUEST,
        ("GET", "/lang") => StatusCode::SEE_OTHER,
        ("POST", "/login") | ("POST", "/logout") | ("POST", "/households/{id}/leads") => {
            StatusCode::SEE_OTHER
        }
        // A wrong current password, an invalid field: the form comes back with the problem.
        ("POST", "/password" | "/households/{id}/edit") => StatusCode::UNPROCESSABLE_ENTITY,
        ("PATCH", "/api/v1/households/{id}") => StatusCode::UNPROCESSABLE_ENTITY,
        // The list exports answer their file (the measures, visits and cadres lists end like the forms below).
        ("POST", p) if p.starts_with("/exports/") => StatusCode::OK,
        // The assistance forms and calls get no valid field: access is checked, nothing is written.
        ("POST", p)
            if ["/measures", "/measures/end", "/visits", "/cadres"]
                .iter()
                .any(|s| p.ends_with(s)) =>
        {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        _ => StatusCode::OK,
    }
}

/// Project 1 in the cadre's village (inside every account's area), project 2 in the next county.
fn walk_projects(w: &World) {
    use jingzhun_core::projects::*;
    for (id, village) in [(1, VILLAGE_IN), (2, VILLAGE_OUT)] {
        let p = Project {
            id: ProjectId(id),
            name: "村道硬化".into(),
            kind: ProjectKind::Road,
            area: jingzhun_core::AreaCode::parse(village).unwrap(),
            year: 2020,
            planned_output: 2.0,
            beneficiary_households: 10,
            budget: jingzhun_core::Yuan::from_fen(100_000_000),
            steps: vec![ProjectStep {
                stage: Stage::Proposed,
                on: chrono::NaiveDate::from_ymd_opt(2020, 1, 5).unwrap(),
                announced_until: None,
                owner: None,
                actual_output: None,
                by: "t".into(),
                at: chrono::Utc::now(),
                note: String::new(),
            }],
        };
        w.store
            .create_project(&p, &[], &jingzhun_store::Actor::new("t"))
            .unwrap();
    }
}

/// Attachment 1 of the household inside every account's area, attachment 2 of the one outside.
fn walk_attachments(w: &World) {
    for (n, h) in [(1, w.household_in), (2, w.household_out)] {
        let bytes = crate::attachments::jpeg(100);
        let id = w
            .store
            .add_attachment(
                &jingzhun_store::NewAttachment {
                    household: h,
                    case: None,
                    kind: jingzhun_core::attachment::AttachmentKind::VisitPhoto,
                    file_name: "walk.jpg",
                    bytes: &bytes,
                    in_database: true,
                    note: "",
                },
                &jingzhun_store::Actor::new("t"),
            )
            .unwrap();
        assert_eq!(id, n);
    }
}

#[tokio::test]
async fn every_route_every_role_inside_and_outside() {
    let w = World::new();
    let cases = w.closed_cases().await;
    crate::support::blocking(|| walk_projects(&w));
    crate::support::blocking(|| walk_attachments(&w));
    let routes = specs();
    assert!(routes.len() >= 20, "the table lists every route");
    let mut checked = 0;

    // Signed out: public routes work, pages send to the sign-in page, the API answers 401.
    for spec in &routes {
        let res = w
            .send(request(
                &w,
                &cases,
                spec,
                Role::Analyst,
                Target::Inside,
                None,
                0,
            ))
            .await;
        let what = format!("{} {} signed out", spec.method, spec.path);
        match spec.access {
            Access::Public => assert_eq!(res.status, success(spec), "{what}: {}", res.body),
            _ if spec.is_api() => {
                assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{what}");
                assert_eq!(res.json()["error"], "unauthenticated", "{what}");
            }
            _ if spec.method == Method::GET => {
                assert_eq!(res.status, StatusCode::SEE_OTHER, "{what}");
                assert!(
                    res.location.as_deref().unwrap_or("").starts_with("/login"),
                    "{what}"
                );
            }
            // An unsafe form without a session: its CSRF token cannot match anything.
            _ => assert_eq!(res.status, StatusCode::FORBIDDEN, "{what}"),
        }
        checked += 1;
    }

    for role in Role::ALL.iter().copied() {
        let user = username(role);
        let mut session = w.login_as(role).await;
        for spec in &routes {
            for target in [Target::Inside, Target::Outside] {
                if target == Target::Outside && !has_target(spec) {
                    continue;
                }
                let denied_before = w.audit_count(&user, "access_outside_area");
                let res = w
                    .send(request(
                        &w,
                        &cases,
                        spec,
                        role,
                        target,
                        Some(&session),
                        checked,
                    ))
                    .await;
                let what = format!(
                    "{} {} as {} {:?}",
                    spec.method,
                    spec.path,
                    role.code(),
                    target
                );
                let expected = match spec.access {
                    Access::Public | Access::SignedIn => success(spec),
                    Access::Action(a) if !allows(role, a) => StatusCode::FORBIDDEN,
                    Access::Action(_) if target == Target::Outside => StatusCode::NOT_FOUND,
                    Access::Action(_) => success(spec),
                };
                // A new lead opens a case, and a second open case of the same household is refused.
                let lead_again = spec.path.ends_with("/households/{id}/leads")
                    && (expected.is_redirection() || expected.is_success())
                    && res.status == StatusCode::CONFLICT;
                if !lead_again {
                    assert_eq!(res.status, expected, "{what}: {}", res.body);
                }
                if spec.is_api() && !res.status.is_success() {
                    assert!(res.content_type.starts_with("application/json"), "{what}");
                }
                let denied_after = w.audit_count(&user, "access_outside_area");
                if expected == StatusCode::NOT_FOUND {
                    assert_eq!(denied_after, denied_before + 1, "{what}: audited");
                } else {
                    assert_eq!(denied_after, denied_before, "{what}: nothing to audit");
                }
                checked += 1;
                if spec.path == "/logout" {
                    session = w.login_as(role).await;
                }
            }
        }
    }
    assert!(checked > 100, "{checked} requests");
}

#[tokio::test]
async fn a_township_reviewer_cannot_see_the_next_township() {
    let w = World::new();
    let s = w.login_as(Role::TownshipReviewer).await;
    let other = w.household_other_township.0;
    let res = w.send(s.get(&format!("/households/{other}"))).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = w.send(s.get(&format!("/api/v1/households/{other}"))).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json()["error"], "not_found");
    // Search never lists it either, even for a text that matches it.
    let res = w
        .send(s.get("/api/v1/households?q=%E6%9D%8E%E5%9B%9B"))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["households"].as_array().unwrap().len(), 0);
    // The county approver above both sees it.
    let c = w.login_as(Role::CountyApprover).await;
    let res = w
        .send(c.get("/api/v1/households?q=%E6%9D%8E%E5%9B%9B"))
        .await;
    assert_eq!(res.json()["households"].as_array().unwrap().len(), 1);
}
