//! Sign-in, sessions, CSRF, rate limiting, forced password change, personal-data masking, escaping, the
//! English switch, the dashboard numbers and the OpenAPI document.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use jingzhun_web::routes::specs;
use jingzhun_web::Role;

use crate::support::*;

#[tokio::test]
async fn session_cookie_is_http_only_and_same_site_and_logout_ends_it() {
    let w = World::new();
    let pre = "ab".repeat(32);
    let res = w
        .send(
            Request::post("/login")
                .header(header::COOKIE, format!("jz_pre={pre}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "_csrf={pre}&username={}&password={PASSWORD}&next=%2Fhouseholds",
                    username(Role::Analyst)
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location.as_deref(), Some("/households"));
    let cookie = res
        .set_cookies
        .iter()
        .find(|c| c.starts_with("jz_session="))
        .unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "not configured for HTTPS");

    let s = w.login_as(Role::Analyst).await;
    assert_eq!(w.send(s.get("/")).await.status, StatusCode::OK);
    let res = w.send(s.post_form("/logout", "")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = w.send(s.get("/")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "the session is gone");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same_and_are_audited() {
    let w = World::new();
    let pre = "ab".repeat(32);
    let attempt = |user: &str, password: &str| {
        Request::post("/login")
            .header(header::COOKIE, format!("jz_pre={pre}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "_csrf={pre}&username={user}&password={password}"
            )))
            .unwrap()
    };
    let a = w.send(attempt(&username(Role::Analyst), "nope")).await;
    let b = w.send(attempt("nobody", "nope")).await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    assert_eq!(b.status, StatusCode::UNAUTHORIZED);
    assert!(a.body.contains("用户名或密码错误"));
    assert!(b.body.contains("用户名或密码错误"));
    assert_eq!(w.audit_count(&username(Role::Analyst), "login_failed"), 1);
}

#[tokio::test]
async fn sign_in_is_rate_limited_per_account() {
    let w = World::new();
    let pre = "ab".repeat(32);
    let attempt = |password: &str| {
        Request::post("/login")
            .header(header::COOKIE, format!("jz_pre={pre}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "_csrf={pre}&username={}&password={password}",
                username(Role::CountyApprover)
            )))
            .unwrap()
    };
    for _ in 0..jingzhun_web::accounts::MAX_FAILURES_PER_ACCOUNT {
        assert_eq!(
            w.send(attempt("wrong")).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let res = w.send(attempt(PASSWORD)).await;
    assert_eq!(
        res.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(res
        .set_cookies
        .iter()
        .all(|c| !c.starts_with("jz_session=")));
}

#[tokio::test]
async fn forms_without_the_csrf_token_or_from_another_origin_are_refused() {
    let w = World::new();
    let s = w.login_as(Role::Admin).await;
    let no_token = Request::post("/admin/accounts")
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("username=evil1&role=admin&area=511902"))
        .unwrap();
    assert_eq!(w.send(no_token).await.status, StatusCode::FORBIDDEN);
    let mut foreign = s.post_form("/admin/accounts", "username=evil2&role=admin&area=511902");
    foreign
        .headers_mut()
        .insert(header::ORIGIN, "https://evil.example".parse().unwrap());
    foreign
        .headers_mut()
        .insert(header::HOST, "jingzhun.local".parse().unwrap());
    assert_eq!(w.send(foreign).await.status, StatusCode::FORBIDDEN);
    // The login form needs its pre-session token too.
    let res = w
        .send(
            Request::post("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "username={}&password={PASSWORD}",
                    username(Role::Admin)
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert!(w.db(|s| s.account_by_username("evil1")).unwrap().is_none());
    // The JSON API needs the token in X-CSRF-Token.
    let cadre = w.login_as(Role::VillageCadre).await;
    let api = |token: &str| {
        Request::post(format!("/api/v1/households/{}/leads", w.household_in2.0))
            .header(header::COOKIE, &cadre.cookie)
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-csrf-token", token)
            .body(Body::from(
                r#"{"channel":"self_application","monitoring_kind":"unstable","risk_types":["illness"]}"#,
            ))
            .unwrap()
    };
    let res = w.send(api("wrong")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.json()["error"], "csrf");
    let res = w.send(api(&cadre.csrf)).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    assert!(res.json()["case"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}-", w.household_in2.0)));
}

#[tokio::test]
async fn an_administrator_creates_an_account_that_must_change_its_password() {
    let w = World::new();
    let admin = w.login_as(Role::Admin).await;
    let res = w
        .send(admin.post_form(
            "/admin/accounts",
            "username=cadre_new&display_name=%E7%8E%8B%E4%BA%94&role=village_cadre&area=511902001002",
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let password = res
        .body
        .split("<span id=\"initial-password\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    assert_eq!(password.len(), 12);
    // An area outside the administrator's is not found.
    let res = w
        .send(admin.post_form(
            "/admin/accounts",
            "username=cadre_far&role=village_cadre&area=511903001001",
        ))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    let s = w.login("cadre_new", &password).await;
    let res = w.send(s.get("/")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location.as_deref(), Some("/password"));
    let res = w.send(s.get("/api/v1/households?q=x")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.json()["error"], "password_change_required");
    // Too short, then mismatched, then right.
    let res = w
        .send(s.post_form(
            "/password",
            &format!("current={password}&new=short&confirm=short"),
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("至少 10 个字符"));
    let res = w
        .send(s.post_form(
            "/password",
            &format!("current={password}&new=a-new-password-1&confirm=a-new-password-2"),
        ))
        .await;
    assert!(res.body.contains("不一致"));
    let res = w
        .send(s.post_form(
            "/password",
            &format!("current={password}&new=a-new-password-1&confirm=a-new-password-1"),
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = w.send(s.get("/")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("白鹤村委会"));
    // The old password no longer works; the new one does.
    w.login("cadre_new", "a-new-password-1").await;
}

#[tokio::test]
async fn names_are_escaped_and_identity_data_is_masked_by_role() {
    let w = World::new();
    let id = w.household_in.0;
    let cadre = w.login_as(Role::VillageCadre).await;
    let page = w.send(cadre.get(&format!("/households/{id}"))).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;")
            || page.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("<script>alert(1)"));
    let full_id = rid("51190219700101001");
    assert!(
        page.body.contains(full_id.as_str()),
        "a cadre sees full IDs"
    );
    assert!(page.body.contains("13812345678"));
    assert!(page.body.contains("审计记录"), "and the audit trail");

    let analyst = w.login_as(Role::Analyst).await;
    let page = w.send(analyst.get(&format!("/households/{id}"))).await;
    assert!(!page.body.contains(full_id.as_str()), "an analyst does not");
    assert!(page.body.contains(&full_id.masked()));
    assert!(page.body.contains("138****5678"));
    assert!(!page.body.contains("审计记录"));

    // Lists mask for everyone.
    let list = w.send(cadre.get("/households?q=%E5%BC%A0")).await;
    assert!(list.body.contains("张三"));
    assert!(!list.body.contains(full_id.as_str()));
    assert!(list.body.contains(&full_id.masked()));
    assert!(!list.body.contains("13812345678"));
    let api = w.send(cadre.get("/api/v1/households?q=%E5%BC%A0")).await;
    assert!(!api.body.contains(full_id.as_str()));
    assert_eq!(api.json()["households"][0]["phone"], "138****5678");
    // Search by household number, resident ID and village name.
    for (q, n) in [("5119020010010001", 1), (full_id.as_str(), 1), ("石城", 2)] {
        let r = w
            .send(cadre.get(&format!(
                "/api/v1/households?q={}",
                jingzhun_web::error::urlencode(q)
            )))
            .await;
        assert_eq!(r.json()["households"].as_array().unwrap().len(), n, "{q}");
    }
    // The last six characters of a resident ID find the household for a role that sees IDs, not for an
    // analyst, who finds nothing by a whole ID either (see `security.rs`).
    let tail = format!("/api/v1/households?q={}", &full_id.as_str()[12..]);
    let r = w.send(cadre.get(&tail)).await;
    assert_eq!(r.json()["households"][0]["id"], id);
    assert_eq!(r.json()["total"], 1);
    let r = w.send(analyst.get(&tail)).await;
    assert_eq!(r.json()["households"].as_array().unwrap().len(), 0);
    let whole = format!("/api/v1/households?q={}", full_id.as_str());
    let r = w.send(analyst.get(&whole)).await;
    assert_eq!(r.json()["total"], 0);
    let r = w.send(cadre.get(&whole)).await;
    assert_eq!(r.json()["households"][0]["id"], id);
    // Pages: a bad page number is a bad request, a page past the end is empty.
    let r = w
        .send(cadre.get("/api/v1/households?q=%E5%BC%A0&page=0"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = w
        .send(cadre.get("/api/v1/households?q=%E5%BC%A0&page=9"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["households"].as_array().unwrap().len(), 0);
    assert_eq!(r.json()["page"], 9);
}

#[tokio::test]
async fn pages_are_chinese_first_with_an_english_switch() {
    let w = World::new();
    let res = w
        .send(Request::get("/login").body(Body::empty()).unwrap())
        .await;
    assert!(res.body.contains("<html lang=\"zh-CN\">"));
    assert!(res.body.contains("登录"));
    let res = w
        .send(
            Request::get("/lang?to=en&back=%2Flogin")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(res.location.as_deref(), Some("/login"));
    assert!(res.set_cookies.iter().any(|c| c.starts_with("lang=en")));
    let res = w
        .send(
            Request::get("/login")
                .header(header::COOKIE, "lang=en")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(res.body.contains("<html lang=\"en\">"));
    assert!(res.body.contains("Sign in"));
    // Every template renders in both languages without a missing key.
    let s = w.login_as(Role::Admin).await;
    for lang in ["zh", "en"] {
        for uri in [
            "/".to_owned(),
            "/areas/511902001".to_owned(),
            "/households?q=%E5%BC%A0".to_owned(),
            format!("/households/{}", w.household_in.0),
            "/admin/accounts".to_owned(),
            "/cases".to_owned(),
            "/policy".to_owned(),
            "/password".to_owned(),
            "/no-such-page".to_owned(),
        ] {
            let res = w
                .send(
                    Request::get(uri.as_str())
                        .header(header::COOKIE, format!("{}; lang={lang}", s.cookie))
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            assert!(
                !res.body.contains('‽'),
                "{uri} in {lang} has a missing text"
            );
            assert!(res.content_type.starts_with("text/html"), "{uri}");
        }
    }
}

#[tokio::test]
async fn the_county_dashboard_counts_its_area_only() {
    let w = World::new();
    let s = w.login_as(Role::CountyApprover).await;
    let d = w.send(s.get("/api/v1/dashboard")).await.json();
    assert_eq!(d["area"]["code"], "511902");
    assert_eq!(
        d["counts"]["households"], 3,
        "恩阳区's household is not counted"
    );
    assert_eq!(d["counts"]["monitored"], 1);
    assert_eq!(d["counts"]["poor"], 1);
    let children = d["children"].as_array().unwrap();
    assert_eq!(children.len(), 2);
    assert_eq!(children[0]["code"], "511902001");
    assert_eq!(children[0]["counts"]["monitored"], 1);
    assert_eq!(children[0]["counts"]["households"], 2);
    let page = w.send(s.get("/")).await;
    assert!(page.body.contains("id=\"n-monitored\">1<"));
    assert!(page.body.contains("href=\"/areas/511902001\""));
    assert!(page.body.contains("/assets/echarts.min.js"));
    let js = w
        .send(
            Request::get("/assets/echarts.min.js")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(js.body.len() > 500_000);
}

/// The dashboard's numbers are computed once and shared; its area's links are each caller's own: a
/// township reviewer after the county approver is not shown a link up to the county (outside their scope),
/// and the county approver after the township reviewer is.
#[tokio::test]
async fn dashboard_parent_link_is_the_callers_own_not_the_first_askers() {
    let w = World::new();
    let county = w.login_as(Role::CountyApprover).await;
    let township = w.login_as(Role::TownshipReviewer).await;
    let d = w
        .send(county.get("/api/v1/dashboard/511902001"))
        .await
        .json();
    assert_eq!(d["area"]["parent"], "511902");
    let d = w.send(township.get("/api/v1/dashboard")).await.json();
    assert_eq!(d["area"]["code"], "511902001");
    assert!(d["area"]["parent"].is_null(), "{}", d["area"]);
    let d = w
        .send(county.get("/api/v1/dashboard/511902001"))
        .await
        .json();
    assert_eq!(d["area"]["parent"], "511902");
}

#[tokio::test]
async fn the_openapi_document_lists_every_api_route_and_errors_are_json() {
    let w = World::new();
    let doc = w
        .send(
            Request::get("/api/openapi.json")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .json();
    assert_eq!(doc["openapi"], "3.1.0");
    let api: Vec<_> = specs().into_iter().filter(|s| s.is_api()).collect();
    assert!(api.len() >= 6);
    for r in api {
        let method = r.method.as_str().to_ascii_lowercase();
        assert!(
            doc["paths"][r.path][&method].is_object(),
            "{} {} is documented",
            r.method,
            r.path
        );
    }
    let s = w.login_as(Role::Analyst).await;
    let res = w.send(s.get("/api/v1/nothing-here")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json()["error"], "not_found");
    let res = w.send(s.get("/api/v1/households/not-a-number")).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_administrator_resets_and_disables_accounts_of_their_area_only() {
    let w = World::new();
    let admin = w.login_as(Role::Admin).await;
    let spare = w.spare_account.0;
    let old = w.login("t_spare", PASSWORD).await;
    let res = w
        .send(admin.post_form(&format!("/admin/accounts/{spare}/reset"), ""))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let password = res
        .body
        .split("<span id=\"initial-password\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .unwrap()
        .to_owned();
    assert_eq!(
        w.send(old.get("/")).await.status,
        StatusCode::SEE_OTHER,
        "sessions ended"
    );
    let s = w.login("t_spare", &password).await;
    let res = w.send(s.get("/")).await;
    assert_eq!(res.location.as_deref(), Some("/password"), "must change it");

    let res = w
        .send(admin.post_form(&format!("/admin/accounts/{spare}/disable"), ""))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(
        w.send(s.get("/")).await.status,
        StatusCode::SEE_OTHER,
        "signed out"
    );
    let pre = "ab".repeat(32);
    let res = w
        .send(
            Request::post("/login")
                .header(header::COOKIE, format!("jz_pre={pre}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(format!(
                    "_csrf={pre}&username=t_spare&password={password}"
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNAUTHORIZED,
        "a disabled account cannot sign in"
    );

    let me = w
        .db(|s| s.account_by_username(&username(Role::Admin)))
        .unwrap()
        .unwrap()
        .id;
    let res = w
        .send(admin.post_form(&format!("/admin/accounts/{me}/disable"), ""))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "not oneself");
    let far = w.outside_account.0;
    let res = w
        .send(admin.post_form(&format!("/admin/accounts/{far}/reset"), ""))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

/// Accounts, sessions, the audit of refused accesses and a case's steps on PostgreSQL: the account tables
/// and the web crate's queries on the second backend.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_sessions_and_cases_work_on_postgresql() {
    // The synchronous PostgreSQL client must not run on an async worker: direct store calls of the test
    // (setup, audit counts, teardown) go through block_in_place; the application itself uses
    // spawn_blocking.
    let Some((w, schema)) = tokio::task::block_in_place(World::postgres) else {
        return;
    };
    let admin = w.login_as(Role::Admin).await;
    let res = w
        .send(admin.post_form(
            "/admin/accounts",
            "username=pg_cadre&role=village_cadre&area=511902001001",
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let list = w.send(admin.get("/admin/accounts")).await;
    assert!(list.body.contains("pg_cadre"));
    let spare = w.spare_account.0;
    let res = w
        .send(admin.post_form(&format!("/admin/accounts/{spare}/disable"), ""))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let res = w
        .send(admin.post_form(&format!("/admin/accounts/{spare}/enable"), ""))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);

    let cadre = w.login_as(Role::VillageCadre).await;
    let out = w.household_out.0;
    let user = username(Role::VillageCadre);
    let refused =
        |w: &World| tokio::task::block_in_place(|| w.audit_count(&user, "access_outside_area"));
    assert_eq!(refused(&w), 0);
    let res = w.send(cadre.get(&format!("/households/{out}"))).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(refused(&w), 1);
    let id = w
        .open_case(
            &cadre,
            w.household_in2,
            "channel=cadre_check&monitoring_kind=unstable&risk=illness",
        )
        .await;
    let res = w
        .send(cadre.post_form(&format!("/cases/{id}/visit"), "outcome=pass"))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let case = w
        .send(cadre.get(&format!("/api/v1/cases/{id}")))
        .await
        .json();
    assert_eq!(case["steps"].as_array().unwrap().len(), 2);
    let res = w.send(cadre.post_form("/logout", "")).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(w.send(cadre.get("/")).await.status, StatusCode::SEE_OTHER);
    tokio::task::block_in_place(move || {
        drop(w);
        drop(schema);
    });
}
