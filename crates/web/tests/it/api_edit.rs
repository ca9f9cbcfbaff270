//! The household edit as JSON: field errors, a saved edit as a new version, and the 409 with both versions
//! when the edit was based on a stale one; the CSRF header is required.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use jingzhun_core::{HousingGrade, Version};
use jingzhun_store::Actor;
use jingzhun_web::Role;

use crate::support::*;

fn patch(s: &Session, uri: &str, json: &str, csrf: bool) -> Request<Body> {
    let mut b = Request::patch(uri)
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, "application/json");
    if csrf {
        b = b.header("x-csrf-token", &s.csrf);
    }
    b.body(Body::from(json.to_owned())).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_edit_checks_fields_saves_versions_and_answers_conflicts_with_both_versions() {
    json_edit(&World::new()).await;
}

/// The same on PostgreSQL (when `JINGZHUN_TEST_DATABASE_URL` is set).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_edit_works_on_postgresql_too() {
    let Some((w, schema)) = tokio::task::block_in_place(World::postgres) else {
        return;
    };
    json_edit(&w).await;
    tokio::task::block_in_place(move || {
        drop(w);
        drop(schema);
    });
}

/// Runs blocking store work off the async worker (the PostgreSQL client is synchronous).
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

async fn json_edit(w: &World) {
    let id = w.household_in2;
    let cadre = w.login_as(Role::VillageCadre).await;
    let uri = format!("/api/v1/households/{}", id.0);

    let form = w.send(cadre.get(&format!("{uri}/edit"))).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    let f = form.json();
    assert_eq!(f["version"], 1);
    assert!(f["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|x| x["name"] == "m0.health"));

    // Without the header a cookie-authenticated call is refused (a cross-site form cannot send it).
    let res = w
        .send(patch(
            &cadre,
            &uri,
            r#"{"version":1,"fields":{"phone":"13900000000"}}"#,
            false,
        ))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.json()["error"], "csrf");

    // Invalid fields: one error each, in Chinese, nothing written.
    let res = w
        .send(patch(
            &cadre,
            &uri,
            r#"{"version":1,"fields":{"phone":"12","m0.health":"tired","water_litres":5000}}"#,
            true,
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    let j = res.json();
    assert_eq!(j["error"], "invalid");
    let fields: Vec<&str> = j["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["phone", "water_litres", "m0.health"], "{j}");
    assert!(
        j["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("联系电话"),
        "{j}"
    );
    assert_eq!(
        blocking(|| w.db(|s| s.household(id)).unwrap().version),
        Version(1)
    );

    // Saved: a new version.
    let res = w
        .send(patch(
            &cadre,
            &uri,
            r#"{"version":1,"reason":"电话变更","fields":{"phone":"13900000000"}}"#,
            true,
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(res.json()["version"], 2);

    // Someone else saves version 3; an edit based on 2 gets both versions back.
    blocking(|| {
        let mut h = w.db(|s| s.household(id)).unwrap();
        h.household.housing.grade = Some(HousingGrade::C);
        w.db(|s| {
            s.update_household(
                id,
                Version(2),
                &h.household,
                chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
                &Actor::new("t_other"),
                "鉴定",
            )
        })
        .unwrap();
    });
    let res = w
        .send(patch(
            &cadre,
            &uri,
            r#"{"version":2,"fields":{"housing_grade":"a"}}"#,
            true,
        ))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let j = res.json();
    assert_eq!(j["error"], "conflict");
    assert_eq!(j["conflict"]["based_on"], 2);
    assert_eq!(j["conflict"]["current"], 3);
    assert_eq!(j["conflict"]["current_by"], "t_other");
    let row = j["conflict"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["differs"] == true)
        .unwrap();
    assert_ne!(row["yours"], row["current"]);
    assert_eq!(j["current"]["version"], 3);
    assert_eq!(
        blocking(|| w.db(|s| s.household(id)).unwrap().version),
        Version(3)
    );

    // Not JSON: a JSON error.
    let res = w.send(patch(&cadre, &uri, "version=3", true)).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"], "bad_request");
}
