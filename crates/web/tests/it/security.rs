//! The security review's findings (issue 12 §4), each pinned by a test named after it, on SQLite and (when
//! `JINGZHUN_TEST_DATABASE_URL` is set) PostgreSQL.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use chrono::{DateTime, Utc};
use jingzhun_store::AuditFilter;
use jingzhun_web::features::security::server::{spawn_for_test, Limits};
use jingzhun_web::{Clock, Role};

use crate::import::{csv_of, new_household, upload_request};
use crate::support::*;

/// The store's PostgreSQL client blocks on its own runtime: calls from a test go through this.
macro_rules! sync {
    ($e:expr) => {
        tokio::task::block_in_place(|| $e)
    };
}

/// A world that is made and dropped off the async worker (the PostgreSQL client blocks on its own
/// runtime), with the guard that drops its PostgreSQL schema.
struct InPlace(Option<(World, Option<PgSchema>)>);

impl Drop for InPlace {
    fn drop(&mut self) {
        let inner = self.0.take();
        tokio::task::block_in_place(move || drop(inner));
    }
}

impl std::ops::Deref for InPlace {
    type Target = World;
    fn deref(&self) -> &World {
        &self.0.as_ref().unwrap().0
    }
}

/// A SQLite world, and a PostgreSQL one when configured.
fn worlds() -> Vec<InPlace> {
    sync!({
        let mut out = vec![InPlace(Some((World::new(), None)))];
        if let Some((w, g)) = World::postgres() {
            out.push(InPlace(Some((w, Some(g)))));
        }
        out
    })
}

/// Every audit entry, oldest first, as text, for checking what was (not) written.
fn audit_text(w: &World) -> Vec<(String, String)> {
    let mut entries = sync!(w.store.audit_entries(&AuditFilter::default())).unwrap();
    entries.sort_by_key(|e| e.seq);
    entries
        .into_iter()
        .map(|e| {
            (
                e.action.clone(),
                format!(
                    "{} {} {} {} {}",
                    e.actor, e.entity, e.entity_id, e.reason, e.detail
                ),
            )
        })
        .collect()
}

fn count(w: &World, action: &str) -> usize {
    audit_text(w).iter().filter(|(a, _)| a == action).count()
}

/// The resident ID of the inside household's head (see `support.rs`).
fn head_id() -> String {
    rid("51190219700101001").as_str().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn search_by_whole_id_finds_nothing_for_roles_without_ids() {
    for w in worlds() {
        let id = head_id();
        let analyst = w.login_as(Role::Analyst).await;
        let res = w
            .send(analyst.get(&format!("/api/v1/households?q={id}")))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["total"], 0, "{}", res.body);
        assert_eq!(count(&w, "search_by_resident_id"), 0);

        let cadre = w.login_as(Role::VillageCadre).await;
        let res = w
            .send(cadre.get(&format!("/api/v1/households?q={id}")))
            .await;
        assert_eq!(res.json()["total"], 1, "{}", res.body);
        // The tail too, and each search by ID is audited, without the ID.
        let res = w
            .send(cadre.get(&format!("/api/v1/households?q={}", &id[12..])))
            .await;
        assert_eq!(res.json()["total"], 1, "{}", res.body);
        assert_eq!(count(&w, "search_by_resident_id"), 2);
        assert!(audit_text(&w).iter().all(|(_, t)| !t.contains(&id[12..])));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn searches_are_rate_limited_per_account() {
    let w = World::new();
    let limit = jingzhun_web::WebConfig::new("127.0.0.1:0".parse().unwrap()).searches_per_minute;
    let cadre = w.login_as(Role::VillageCadre).await;
    for _ in 0..limit {
        let res = w.send(cadre.get("/api/v1/households?q=张")).await;
        assert_eq!(res.status, StatusCode::OK);
    }
    let res = w.send(cadre.get("/api/v1/households?q=张")).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let other = w.login_as(Role::TownshipReviewer).await;
    let res = w.send(other.get("/api/v1/households?q=张")).await;
    assert_eq!(res.status, StatusCode::OK, "another account is not limited");
}

async fn login_attempt(w: &World, username: &str, password: &str) -> StatusCode {
    let pre = "ab".repeat(32);
    let body = format!("_csrf={pre}&username={username}&password={password}&next=%2F");
    w.send(
        Request::post("/login")
            .header(header::COOKIE, format!("jz_pre={pre}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
    .status
}

#[tokio::test(flavor = "multi_thread")]
async fn refused_sign_ins_never_store_the_typed_name_and_stay_bounded() {
    for w in worlds() {
        let before = audit_text(&w).len();
        // 60 guesses with names that are resident IDs, and 20 wrong passwords of a real account.
        let typed: Vec<String> = (0..60).map(|i| format!("51190219700101{i:04}")).collect();
        for name in &typed {
            login_attempt(&w, name, "wrong-password").await;
        }
        for _ in 0..20 {
            login_attempt(&w, &username(Role::Analyst), "wrong-password").await;
        }
        let entries = audit_text(&w);
        let new = &entries[before..];
        for name in &typed {
            assert!(new.iter().all(|(_, t)| !t.contains(name.as_str())));
        }
        assert!(
            new.len() <= 4,
            "80 refusals, at most two entries per class: {new:#?}"
        );
        assert!(new.iter().any(|(a, _)| a == "login_rate_limited"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn password_change_is_rate_limited_like_sign_in() {
    for w in worlds() {
        let s = w.login_as(Role::Analyst).await;
        let wrong = "current=not-the-password&new=a-new-password-1&confirm=a-new-password-1";
        for _ in 0..jingzhun_web::accounts::MAX_FAILURES_PER_ACCOUNT {
            let res = w.send(s.post_form("/password", wrong)).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let right = format!("current={PASSWORD}&new=a-new-password-1&confirm=a-new-password-1");
        let res = w.send(s.post_form("/password", &right)).await;
        assert_eq!(
            res.status,
            StatusCode::TOO_MANY_REQUESTS,
            "blocked even with the right password"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_guessable_new_password_is_refused_with_a_chinese_message() {
    let w = World::new();
    let s = w.login_as(Role::Analyst).await;
    let res = w
        .send(s.post_form(
            "/password",
            &format!("current={PASSWORD}&new=password123&confirm=password123"),
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("太容易被猜到"), "{}", res.body);
}

/// A clock the test moves.
struct TestClock(Mutex<DateTime<Utc>>);

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_session_expires_after_an_idle_period_as_well_as_an_absolute_one() {
    let clock = Arc::new(TestClock(Mutex::new(Utc::now())));
    let w = World::with_clock(clock.clone());
    let config = jingzhun_web::WebConfig::new("127.0.0.1:0".parse().unwrap());
    let idle = chrono::Duration::from_std(config.session_idle).unwrap();
    let ttl = chrono::Duration::from_std(config.session_ttl).unwrap();
    let advance = |d: chrono::Duration| *clock.0.lock().unwrap() += d;

    let s = w.login_as(Role::Analyst).await;
    advance(idle - chrono::Duration::minutes(2));
    assert_eq!(w.send(s.get("/")).await.status, StatusCode::OK);
    // Used a moment ago: open again for a whole idle period.
    advance(idle - chrono::Duration::minutes(2));
    assert_eq!(w.send(s.get("/")).await.status, StatusCode::OK);
    advance(idle + chrono::Duration::seconds(1));
    assert_ne!(w.send(s.get("/")).await.status, StatusCode::OK, "idle");

    // In use all the time, it still ends at its absolute end.
    let s = w.login_as(Role::Analyst).await;
    let step = idle / 2;
    let mut used = chrono::Duration::zero();
    while used + step < ttl {
        advance(step);
        used += step;
        assert_eq!(w.send(s.get("/")).await.status, StatusCode::OK);
    }
    advance(ttl - used);
    assert_ne!(w.send(s.get("/")).await.status, StatusCode::OK, "absolute");
}

#[tokio::test(flavor = "multi_thread")]
async fn json_with_personal_data_carries_cache_control_no_store() {
    for w in worlds() {
        let cadre = w.login_as(Role::VillageCadre).await;
        for uri in [
            format!("/api/v1/households/{}", w.household_in.0),
            "/api/v1/households?q=张".to_owned(),
            "/api/v1/me".to_owned(),
        ] {
            let res = w.send(cadre.get(&uri)).await;
            assert_eq!(res.status, StatusCode::OK, "{uri}");
            assert_eq!(res.cache_control, "no-store", "{uri}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_view_of_unmasked_ids_or_phones_is_audited() {
    for w in worlds() {
        let id = w.household_in.0;
        let cadre = w.login_as(Role::VillageCadre).await;
        let before = count(&w, "view_personal_data");
        for uri in [
            format!("/households/{id}"),
            format!("/api/v1/households/{id}"),
            format!("/api/v1/households/{id}/edit"),
        ] {
            let res = w.send(cadre.get(&uri)).await;
            assert_eq!(res.status, StatusCode::OK, "{uri}: {}", res.body);
        }
        assert_eq!(count(&w, "view_personal_data"), before + 3);
        // The analyst sees masked values: nothing to audit.
        let analyst = w.login_as(Role::Analyst).await;
        let res = w.send(analyst.get(&format!("/households/{id}"))).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(count(&w, "view_personal_data"), before + 3);
        assert!(audit_text(&w).iter().all(|(_, t)| !t.contains(&head_id())));
    }
}

fn patch(s: &Session, uri: &str, body: serde_json::Value) -> Request<Body> {
    Request::patch(uri)
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", &s.csrf)
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_fields_in_a_patch_answer_422_naming_them() {
    for w in worlds() {
        let cadre = w.login_as(Role::VillageCadre).await;
        let uri = format!("/api/v1/households/{}", w.household_in.0);
        let form = w.send(cadre.get(&format!("{uri}/edit"))).await.json();
        let version = form["version"].clone();
        let before = sync!(w.store.household(w.household_in)).unwrap().version;
        for (body, named) in [
            (
                serde_json::json!({"version": version, "fields": {"phone": "13911112222", "phnoe": "1"}}),
                "phnoe",
            ),
            (
                serde_json::json!({"version": version, "fields": {}, "reasn": "x"}),
                "reasn",
            ),
        ] {
            let res = w.send(patch(&cadre, &uri, body)).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
            let fields = res.json()["fields"].clone();
            assert_eq!(fields[0]["field"], named, "{}", res.body);
        }
        let after = sync!(w.store.household(w.household_in)).unwrap().version;
        assert_eq!(before, after, "nothing saved");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn names_and_free_text_refuse_bidi_override_and_control_characters() {
    for w in worlds() {
        let cadre = w.login_as(Role::VillageCadre).await;
        let uri = format!("/api/v1/households/{}", w.household_in.0);
        let version = w.send(cadre.get(&format!("{uri}/edit"))).await.json()["version"].clone();
        for body in [
            serde_json::json!({"version": version, "fields": {"natural_village": "石板\u{202E}组"}}),
            serde_json::json!({"version": version, "fields": {"natural_village": "石板\n组"}}),
            serde_json::json!({"version": version, "reason": "核实\u{2067}", "fields": {"phone": "13911112222"}}),
        ] {
            let res = w.send(patch(&cadre, &uri, body)).await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_are_bound_to_their_level_and_admins_create_accounts_only_inside_their_area() {
    for w in worlds() {
        let admin = w.login_as(Role::Admin).await;
        // A village cadre bound to a county, a township reviewer to a village: refused.
        for (role, area) in [
            ("village_cadre", "511902"),
            ("township_reviewer", VILLAGE_IN),
        ] {
            let res = w
                .send(admin.post_form(
                    "/admin/accounts",
                    &format!("username=t_new_{role}&display_name=x&role={role}&area={area}"),
                ))
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{role}");
            assert!(res.body.contains("角色与区域级别不符"), "{}", res.body);
        }
        // Outside the administrator's county: not found, and audited.
        let before = count(&w, "access_outside_area");
        let res = w
            .send(admin.post_form(
                "/admin/accounts",
                &format!("username=t_far&display_name=x&role=village_cadre&area={VILLAGE_OUT}"),
            ))
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert_eq!(count(&w, "access_outside_area"), before + 1);
        // Inside and at the right level: created.
        let res = w
            .send(admin.post_form(
                "/admin/accounts",
                "username=t_new_cadre&display_name=x&role=village_cadre&area=511902001002",
            ))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_refusal_never_names_a_household_outside_the_area_and_is_audited() {
    for w in worlds() {
        let cadre = w.login_as(Role::VillageCadre).await;
        // A new household of the cadre's village whose head is the outside household's head.
        let file = csv_of(&[(
            new_household("5119020010010077", VILLAGE_IN, "张五", "51190319800404005"),
            vec![],
        )]);
        let res = w
            .send(upload_request(&cadre, None, "户籍表.csv", &file))
            .await;
        assert!(res.body.contains("另一户"), "{}: {}", res.status, res.body);
        assert!(!res.body.contains("5119030010010001"), "{}", res.body);
        assert_eq!(count(&w, "import.refused"), 1);
    }
}

fn limits(header_read_timeout: Duration) -> Limits {
    Limits {
        max_connections: 2,
        header_read_timeout,
        idle_timeout: Duration::from_secs(5),
    }
}

/// Reads until the peer closes or `wait` passes; whether it closed.
fn closed_within(stream: &mut std::net::TcpStream, wait: Duration) -> bool {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return true,
            Err(_) => return false,
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_http_server_has_header_read_and_idle_timeouts_and_a_connection_cap() {
    let w = World::new();
    let (quick, _a) = spawn_for_test(w.router.clone(), limits(Duration::from_millis(300)))
        .await
        .unwrap();
    let (patient, _b) = spawn_for_test(w.router.clone(), limits(Duration::from_secs(10)))
        .await
        .unwrap();
    tokio::task::spawn_blocking(move || {
        // A client that sends half a request line and then nothing is cut off.
        let mut slow = std::net::TcpStream::connect(quick).unwrap();
        slow.write_all(b"GET /healthz HT").unwrap();
        let started = std::time::Instant::now();
        assert!(closed_within(&mut slow, Duration::from_secs(5)));
        assert!(started.elapsed() < Duration::from_secs(5));
        // So is a kept-alive connection that never sends its next request.
        let mut idle = std::net::TcpStream::connect(quick).unwrap();
        idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .unwrap();
        assert!(closed_within(&mut idle, Duration::from_secs(5)));

        // At the cap, a third connection is not served until one of the two open ones closes.
        let a = std::net::TcpStream::connect(patient).unwrap();
        let b = std::net::TcpStream::connect(patient).unwrap();
        std::thread::sleep(Duration::from_millis(100));
        let mut c = std::net::TcpStream::connect(patient).unwrap();
        c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        c.set_read_timeout(Some(Duration::from_millis(500)))
            .unwrap();
        let mut buf = [0u8; 64];
        assert!(c.read(&mut buf).is_err(), "not served while two are open");
        drop(a);
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut answer = String::new();
        c.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        drop(b);
    })
    .await
    .unwrap();
}
