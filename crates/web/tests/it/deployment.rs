//! A deployment many people share: several servers on one database, heavy work bounded per account and
//! overall, and household pages that keep answering while an import runs.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use axum::http::{header, StatusCode};
use chrono::NaiveDate;
use jingzhun_core::*;
use jingzhun_store::{Actor, ImportedHousehold};
use jingzhun_web::heavy_work::{HeavyKind, HeavyLimits};
use jingzhun_web::{AccountId, Role, SystemClock};

use crate::support::*;

fn account_id(w: &World, role: Role) -> AccountId {
    let name = username(role);
    AccountId(w.db(|s| s.account_by_username(&name).unwrap().unwrap().id))
}

#[tokio::test]
async fn two_servers_on_one_database_share_sessions_and_changes_and_honour_sign_outs() {
    let ttl = Duration::from_millis(300);
    let w = World::with_config(Arc::new(SystemClock), |c| c.session_cache_ttl = ttl);
    let b = w.second_server(|c| c.session_cache_ttl = ttl);

    // A session made on one server is valid on the other (sessions live in the database).
    let cadre = w.login_as(Role::VillageCadre).await;
    let page = format!("/households/{}", w.household_in2.0);
    assert_eq!(b.send(cadre.get(&page)).await.status, StatusCode::OK);

    // A change made through one server is visible through the other at once.
    let case = w
        .open_case(
            &cadre,
            w.household_in2,
            "channel=cadre_check&monitoring_kind=unstable&risk=illness",
        )
        .await;
    let seen = b.send(cadre.get(&format!("/cases/{case}"))).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert!(seen.body.contains(&case));

    // Signed out on one server: the other, which had the session cached a moment ago, refuses it once its
    // short cache bound has passed.
    assert_eq!(b.send(cadre.get("/")).await.status, StatusCode::OK);
    assert_eq!(
        w.send(cadre.post_form("/logout", "")).await.status,
        StatusCode::SEE_OTHER
    );
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    assert_ne!(b.send(cadre.get("/")).await.status, StatusCode::OK);

    // An account disabled through the second server is refused by the first as well.
    let admin = w.login_as(Role::Admin).await;
    let spare = w.login("t_spare", PASSWORD).await;
    assert_eq!(w.send(spare.get("/")).await.status, StatusCode::OK);
    let res = b
        .send(admin.post_form(
            &format!("/admin/accounts/{}/disable", w.spare_account.0),
            "",
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    tokio::time::sleep(ttl + Duration::from_millis(100)).await;
    assert_ne!(w.send(spare.get("/")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn heavy_work_beyond_the_limits_answers_429_with_retry_after() {
    let w = World::with_config(Arc::new(SystemClock), |c| {
        c.heavy = HeavyLimits {
            overall: 2,
            per_account: 1,
            retry_after: Duration::from_secs(9),
        }
    });
    let analyst = w.login_as(Role::Analyst).await;
    let approver = w.login_as(Role::CountyApprover).await;
    let tables = "/reports/tables";

    // The analyst's first build runs (held here as a request in progress would hold it): a second of
    // theirs is refused, whatever the kind of heavy work.
    let first = w
        .state
        .heavy()
        .admit(account_id(&w, Role::Analyst), HeavyKind::Report)
        .unwrap();
    for (uri, form) in [
        (tables, "year=2020"),
        ("/reports/export", "format=csv&year=2020"),
    ] {
        let res = w.send(analyst.post_form(uri, form)).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{uri}");
        assert_eq!(res.retry_after.as_deref(), Some("9"), "{uri}");
        assert!(res.body.contains("请稍后再试"), "{}", res.body);
    }
    // Another account still gets the second place…
    let second = w
        .state
        .heavy()
        .admit(account_id(&w, Role::Admin), HeavyKind::Export)
        .unwrap();
    // …and with both places taken, the third account's request is refused too, on pages and the API.
    let res = w.send(approver.post_form(tables, "year=2020")).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.retry_after.as_deref(), Some("9"));
    let res = w
        .send(
            axum::http::Request::post("/api/v1/whatif")
                .header(header::COOKIE, &analyst.cookie)
                .header(header::CONTENT_TYPE, "application/json")
                .header("x-csrf-token", &analyst.csrf)
                .body(axum::body::Body::from(
                    r#"{"params": {"poverty_line": 5000}}"#,
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.body);
    assert_eq!(res.retry_after.as_deref(), Some("9"));
    assert_eq!(res.json()["error"], "busy");

    // Once the work in progress ends, the same requests run.
    drop((first, second));
    let res = w.send(approver.post_form(tables, "year=2020")).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        w.state.heavy().running(),
        0,
        "a finished request frees its place"
    );
}

/// On PostgreSQL: a county-sized import (one transaction) stopped half-way; the household pages asked
/// meanwhile must answer in their usual time, on the pool's interactive connections while the import holds
/// one for long work. (SQLite has one writer: a page view that writes an audit entry waits for the
/// import's transaction there, so this is a PostgreSQL property.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn household_pages_keep_answering_while_an_import_runs_on_postgresql() {
    if !on_postgres() {
        return;
    }
    let w = World::new();
    if w.store.backend() != jingzhun_store::Backend::Postgres {
        return; // No database configured (outside CI).
    }
    let cadre = w.login_as(Role::VillageCadre).await;
    let page = format!("/households/{}", w.household_in.0);
    // The usual time, before any import.
    let mut usual = Duration::ZERO;
    for _ in 0..5 {
        let t = Instant::now();
        assert_eq!(w.send(cadre.get(&page)).await.status, StatusCode::OK);
        usual = usual.max(t.elapsed());
    }

    let batch: Vec<ImportedHousehold> = (0..2_500)
        .map(|i| {
            let village = if i % 2 == 0 {
                VILLAGE_IN
            } else {
                VILLAGE_OTHER_TOWNSHIP
            };
            let head = rid(&format!(
                "511902{}{:02}01{:03}",
                1940 + i / 1000,
                1 + i % 12,
                i % 1000
            ));
            ImportedHousehold {
                household: household(
                    &format!("{village}{:04}", 5_000 + i),
                    village,
                    vec![member("赵六", head, Relationship::Head)],
                ),
                events: vec![StatusEvent::new(
                    StatusEventKind::Registered,
                    NaiveDate::from_ymd_opt(2014, 10, 1).unwrap(),
                )],
            }
        })
        .collect();
    let (started_tx, started) = mpsc::channel();
    let (release, release_rx) = mpsc::channel::<()>();
    let done = Arc::new(AtomicBool::new(false));
    let importer = {
        let store = Arc::clone(&w.store);
        let done = Arc::clone(&done);
        std::thread::spawn(move || {
            let mut first = true;
            let out = store.import_households(
                &batch,
                NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
                &Actor::new("t_admin"),
                "县级数据导入",
                &mut |n| {
                    // Half-way through its one transaction, the import waits for the test.
                    if first && n >= 1_000 {
                        first = false;
                        started_tx.send(()).unwrap();
                        release_rx.recv_timeout(Duration::from_secs(120)).unwrap();
                    }
                },
            );
            done.store(true, Ordering::SeqCst);
            out.unwrap()
        })
    };
    blocking(move || started.recv_timeout(Duration::from_secs(120)).unwrap());
    let households = [w.household_in, w.household_in2, w.household_in];
    let mut slowest = Duration::ZERO;
    for i in 0..15 {
        let t = Instant::now();
        let res = tokio::time::timeout(
            Duration::from_secs(20),
            w.send(cadre.get(&format!("/households/{}", households[i % 3].0))),
        )
        .await
        .expect("a household page waited for the import");
        assert_eq!(res.status, StatusCode::OK);
        slowest = slowest.max(t.elapsed());
    }
    assert!(
        !done.load(Ordering::SeqCst),
        "the pages were asked while the import ran"
    );
    // Within their usual time: a generous multiple of the slowest page before the import (a shared,
    // busy test machine), and far below the import's own duration.
    let bound = (usual * 10).max(Duration::from_millis(1_500));
    assert!(
        slowest <= bound,
        "slowest page {slowest:?} during the import, {usual:?} before"
    );
    release.send(()).unwrap();
    let outcome = blocking(|| importer.join().unwrap());
    assert_eq!(outcome.created, 2_500);
    assert!(w.db(|s| s.audit_verify().unwrap()).is_ok());
}
