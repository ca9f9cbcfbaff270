//! The in-memory session cache (`jingzhun_web::session_cache`) seen from outside: a session used a moment
//! ago (so cached) is refused at once after sign-out, a password reset or disabling; an expired one is
//! refused although cached; a change made directly in the store (as another process, e.g. the CLI, would)
//! takes effect once the cache's TTL has passed.

use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use jingzhun_store::Actor;
use jingzhun_web::session_cache::SESSION_CACHE_TTL;
use jingzhun_web::{Clock, Role};

use crate::support::*;

/// A clock the test moves.
struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    fn advance(&self, d: chrono::Duration) {
        let mut t = self.0.lock().unwrap();
        *t += d;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

fn world() -> (World, Arc<TestClock>) {
    let clock = Arc::new(TestClock(Mutex::new(Utc::now())));
    (World::with_clock(clock.clone()), clock)
}

fn signed_in(r: &Reply) -> bool {
    r.status == StatusCode::OK
}

#[tokio::test]
async fn a_cached_session_is_refused_at_once_after_sign_out_reset_or_disable() {
    let (w, _clock) = world();
    let cadre = w.login_as(Role::VillageCadre).await;
    assert!(signed_in(&w.send(cadre.get("/")).await));
    assert_eq!(
        w.send(cadre.post_form("/logout", "")).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(!signed_in(&w.send(cadre.get("/")).await));

    let admin = w.login_as(Role::Admin).await;
    let spare = w.spare_account.0;
    let s = w.login("t_spare", PASSWORD).await;
    assert!(signed_in(&w.send(s.get("/")).await));
    let res = w
        .send(admin.post_form(&format!("/admin/accounts/{spare}/reset"), ""))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        !signed_in(&w.send(s.get("/")).await),
        "a reset ends the sessions"
    );

    let other = w.login_as(Role::TownshipReviewer).await;
    assert!(signed_in(&w.send(other.get("/")).await));
    let me = w
        .db(|s| s.account_by_username(&username(Role::TownshipReviewer)))
        .unwrap()
        .unwrap()
        .id;
    let res = w
        .send(admin.post_form(&format!("/admin/accounts/{me}/disable"), ""))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert!(!signed_in(&w.send(other.get("/")).await));
    assert!(
        signed_in(&w.send(admin.get("/")).await),
        "other accounts keep their sessions"
    );
}

#[tokio::test]
async fn an_expired_session_is_refused_although_cached() {
    let (w, clock) = world();
    let s = w.login_as(Role::Analyst).await;
    assert!(signed_in(&w.send(s.get("/")).await));
    // Used every few minutes (so never idle for long), the session lasts its whole lifetime. A request
    // one second before it ends reads the store (the entry is older than the TTL by then) and caches the
    // session again; one second later it has expired, cached or not.
    let step = chrono::Duration::minutes(10);
    let mut used = chrono::Duration::zero();
    while used + step < session_lifetime() - chrono::Duration::seconds(1) {
        clock.advance(step);
        used += step;
        assert!(signed_in(&w.send(s.get("/")).await));
    }
    clock.advance(session_lifetime() - chrono::Duration::seconds(1) - used);
    assert!(signed_in(&w.send(s.get("/")).await));
    clock.advance(chrono::Duration::seconds(1));
    assert!(!signed_in(&w.send(s.get("/")).await));
}

/// The session lifetime the test world is configured with (the default).
fn session_lifetime() -> chrono::Duration {
    let c = jingzhun_web::WebConfig::new("127.0.0.1:0".parse().unwrap());
    chrono::Duration::from_std(c.session_ttl).unwrap()
}

#[tokio::test]
async fn a_change_made_by_another_process_takes_effect_within_the_ttl() {
    let (w, clock) = world();
    let s = w.login("t_spare", PASSWORD).await;
    assert!(signed_in(&w.send(s.get("/")).await));
    // As the CLI would: straight into the store, past the web application.
    w.db(|s| s.set_account_disabled(w.spare_account.0, true, &Actor::system("cli"), "test"))
        .unwrap();
    clock.advance(chrono::Duration::from_std(SESSION_CACHE_TTL).unwrap());
    assert!(!signed_in(&w.send(s.get("/")).await));
}

/// Once the index is built, searches answer on the request's task (no store read); the answers are the
/// same, and an area outside the account's scope still goes to the store's path: refused and audited.
#[tokio::test]
async fn a_search_from_the_built_index_answers_as_before_and_outside_areas_are_still_audited() {
    let (w, _clock) = world();
    let cadre = w.login_as(Role::VillageCadre).await;
    // 张: 张三 inside the cadre's village, 张五 outside the county.
    let first = w.send(cadre.get("/households?q=%E5%BC%A0")).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("张三") && !first.body.contains("张五"));
    let again = w.send(cadre.get("/households?q=%E5%BC%A0")).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.body, first.body);
    let user = username(Role::VillageCadre);
    assert_eq!(w.audit_count(&user, "access_outside_area"), 0);
    let res = w
        .send(cadre.get(&format!("/households?q=%E5%BC%A0&area={VILLAGE_OUT}")))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(w.audit_count(&user, "access_outside_area"), 1);
}
