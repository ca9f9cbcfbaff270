//! The income survey grid (all or nothing, row-level Chinese errors, 409 for a row changed since the grid
//! was loaded), the live engine seeing a save, member changes (a birth and a death, validation, 409) with
//! the 户口 kept apart, and the import template read back by the household import. Both backends.

use std::sync::Arc;

use axum::http::{header, StatusCode};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use http_body_util::BodyExt;
use jingzhun_core::*;
use jingzhun_store::Actor;
use jingzhun_web::{Clock, Role};
use tower::ServiceExt;

use crate::support::*;

/// 2025-06-15 in China: the grid's default year is 2024, whose survey is dated 2024-12-31.
pub struct June2025;

impl Clock for June2025 {
    fn now(&self) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2025-06-15T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }
}

fn enc(s: &str) -> String {
    jingzhun_web::error::urlencode(s)
}

/// The grid's form: both households of the cadre's village at `versions`, with `cells` (name, value).
fn grid_form(w: &World, versions: (i64, i64), cells: &[(String, &str)]) -> String {
    let mut f = format!(
        "year=2024&village={VILLAGE_IN}&v{}={}&v{}={}",
        w.household_in.0, versions.0, w.household_in2.0, versions.1
    );
    for (k, v) in cells {
        f.push_str(&format!("&{}={}", enc(k), enc(v)));
    }
    f
}

fn version_of(w: &World, id: HouseholdId) -> i64 {
    w.db(|s| s.household(id)).unwrap().version.0
}

fn wages_2024(w: &World, id: HouseholdId) -> Option<Yuan> {
    w.db(|s| s.household(id))
        .unwrap()
        .household
        .income(2024)
        .map(|r| r.get(IncomeComponent::Wages))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_grid_saves_all_or_nothing_with_row_errors_and_conflicts() {
    let w = World::with_clock(Arc::new(June2025));
    let cadre = w.login_as(Role::VillageCadre).await;
    let (a, b) = (w.household_in, w.household_in2);

    let page = w.send(cadre.get("/survey")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("5119020010010001") && page.body.contains("5119020010010002"));
    assert!(page.body.contains(&format!("name=\"a{}.wages\"", a.0)));
    assert!(page.body.contains("2024"), "the last full year by default");
    assert!(!page.body.contains('‽'));
    // In English every label has its text (the income items among them).
    for uri in ["/survey".to_owned(), format!("/households/{}/members", b.0)] {
        let mut req = cadre.get(&uri);
        let cookie = format!("{}; lang=en", cadre.cookie);
        req.headers_mut()
            .insert(header::COOKIE, cookie.parse().unwrap());
        let en = w.send(req).await;
        assert_eq!(en.status, StatusCode::OK, "{uri}");
        assert!(!en.body.contains('‽'), "{uri}: {}", en.body);
        assert!(
            !en.body.contains("工资性收入") && !en.body.contains("婚入"),
            "{uri}: {}",
            en.body
        );
    }

    // A bad cell: 422, one Chinese line naming row, household, column and value; nothing written.
    let versions = (version_of(&w, a), version_of(&w, b));
    let bad = grid_form(
        &w,
        versions,
        &[
            (format!("a{}.wages", a.0), "12,000"),
            (format!("a{}.pension", b.0), "abc"),
            (format!("a{}.business", b.0), "-5"),
        ],
    );
    let res = w.send(cadre.post_form("/survey", &bad)).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("id=\"survey-problems\""));
    assert!(
        res.body
            .contains("第 2 行（户编号 5119020010010002，户主 王二）「养老保险金」值「abc」"),
        "{}",
        res.body
    );
    assert!(res.body.contains("「生产经营性收入」值「-5」：不能为负数"));
    assert!(
        res.body.contains("value=\"12,000\""),
        "typed values are kept"
    );
    assert_eq!(wages_2024(&w, a), None, "nothing written");
    assert_eq!(version_of(&w, a), versions.0);

    // A good grid: both rows written, as new versions dated the year's end.
    let good = grid_form(
        &w,
        versions,
        &[
            (format!("a{}.wages", a.0), "12,000"),
            (format!("a{}.production_costs", a.0), "500.5"),
            (format!("a{}.wages", b.0), "８０００"),
        ],
    );
    let res = w.send(cadre.post_form("/survey", &good)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        res.location.as_deref(),
        Some(format!("/survey?village={VILLAGE_IN}&year=2024&saved=2").as_str())
    );
    assert_eq!(wages_2024(&w, a), Some(Yuan::from_yuan(12_000)));
    assert_eq!(wages_2024(&w, b), Some(Yuan::from_yuan(8_000)));
    let stored = w.db(|s| s.household(a)).unwrap();
    assert_eq!(
        stored.effective_from,
        NaiveDate::from_ymd_opt(2024, 12, 31).unwrap()
    );
    assert_eq!(
        stored
            .household
            .income(2024)
            .unwrap()
            .get(IncomeComponent::ProductionCosts),
        Yuan::from_fen(50_050)
    );
    let shown = w
        .send(cadre.get(&format!("/survey?village={VILLAGE_IN}&year=2024&saved=2")))
        .await;
    assert!(shown.body.contains("id=\"survey-saved\""));
    assert!(
        shown.body.contains("11,499.50"),
        "row net: 12,000 less 500.50"
    );

    // Someone changes household a after the grid was loaded: 409 for that row, nothing written.
    let v = (version_of(&w, a), version_of(&w, b));
    w.db(|s| {
        let mut h = s.household(a).unwrap().household;
        h.phone = Some(Phone::parse("13900001111").unwrap());
        s.update_household(
            a,
            Version(v.0),
            &h,
            NaiveDate::from_ymd_opt(2025, 6, 15).unwrap(),
            &Actor::new("t_township_reviewer"),
            "电话变更",
        )
    })
    .unwrap();
    let stale = grid_form(
        &w,
        v,
        &[
            (format!("a{}.wages", a.0), "13000"),
            (format!("a{}.wages", b.0), "9000"),
        ],
    );
    let res = w.send(cadre.post_form("/survey", &stale)).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(
        res.body.contains(
            "第 1 行（户编号 5119020010010001，户主 张三）：您打开表格后此户已被他人修改"
        ),
        "{}",
        res.body
    );
    assert!(res.body.contains(&format!(
        "id=\"row-{}\" data-size=\"2\" class=\"conflict\"",
        a.0
    )));
    assert_eq!(
        wages_2024(&w, b),
        Some(Yuan::from_yuan(8_000)),
        "the other row is not written"
    );
    assert_eq!(wages_2024(&w, a), Some(Yuan::from_yuan(12_000)));

    // Another village's household, or a village outside the account: refused.
    let outside = format!("year=2024&village={VILLAGE_OUT}&v{}=1", w.household_out.0);
    let res = w.send(cadre.post_form("/survey", &outside)).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    let res = w
        .send(cadre.get(&format!("/survey?village={VILLAGE_OUT}")))
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    // The county approver does not enter incomes.
    let county = w.login_as(Role::CountyApprover).await;
    assert_eq!(
        w.send(county.get("/survey")).await.status,
        StatusCode::FORBIDDEN
    );
    // The township chooses among its villages.
    let township = w.login_as(Role::TownshipReviewer).await;
    let page = w.send(township.get("/survey")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("白鹤村委会") && page.body.contains("石城村委会"));
}

/// `per_capita_income` of household `id` in any row of the 2024 warning lists, as the live engine has it.
async fn live_per_capita(w: &World, s: &Session, id: HouseholdId) -> Option<String> {
    let res = w
        .send(s.get("/api/v1/warnings?year=2024&kind=guarantee_unmet"))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["household_id"] == id.0)
        .and_then(|r| r["per_capita_income"].as_str().map(str::to_owned))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_engine_sees_a_survey_save() {
    let w = World::with_clock(Arc::new(June2025));
    let county = w.login_as(Role::CountyApprover).await;
    let cadre = w.login_as(Role::VillageCadre).await;
    let b = w.household_in2;
    assert_eq!(
        live_per_capita(&w, &county, b).await,
        None,
        "no 2024 income yet"
    );
    let v = (version_of(&w, w.household_in), version_of(&w, b));
    let form = grid_form(&w, v, &[(format!("a{}.wages", b.0), "23456")]);
    let res = w.send(cadre.post_form("/survey", &form)).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let seen = live_per_capita(&w, &county, b).await;
    assert!(
        seen.as_deref()
            .is_some_and(|t| t.replace(',', "").starts_with("23456")),
        "{seen:?}"
    );
}

/// A resident ID born `days` before `today`.
fn baby_id(today: NaiveDate, days: i64, seq: u32) -> String {
    let born = today - chrono::Duration::days(days);
    let first17 = format!("511902{}{:03}", born.format("%Y%m%d"), seq);
    let c = jingzhun_core::resident_id::check_character(first17.as_bytes());
    format!("{first17}{c}")
}

fn members_of(w: &World, id: HouseholdId) -> Vec<String> {
    w.db(|s| s.household(id))
        .unwrap()
        .household
        .members
        .iter()
        .map(|m| m.name.as_str().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_birth_and_a_death_are_dated_versions_with_their_reason() {
    let w = World::new();
    let cadre = w.login_as(Role::VillageCadre).await;
    let id = w.household_in;
    let today = (Utc::now() + chrono::Duration::hours(8)).date_naive();
    let path = format!("/households/{}/members", id.0);
    let page = w.send(cadre.get(&path)).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("共享收支"));
    assert!(
        !page.body.contains("51190219700101001"),
        "IDs are masked in the list"
    );

    // Invalid: a "newborn" born ten years ago, an empty name; nothing written.
    let v = version_of(&w, id);
    let old = baby_id(today, 3_650, 7);
    let res = w
        .send(cadre.post_form(
            &format!("{path}/add"),
            &format!("version={v}&kind=birth&name=&resident_id={old}&relationship=grandson&hukou=here&effective={today}"),
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("data-field=\"name\""));
    assert!(res.body.contains("data-field=\"resident_id\""));
    assert_eq!(version_of(&w, id), v);

    // A birth, its 户口 elsewhere: a member all the same.
    let baby = baby_id(today, 20, 8);
    let res = w
        .send(cadre.post_form(
            &format!("{path}/add"),
            &format!(
                "version={v}&kind=birth&name={}&resident_id={baby}&relationship=grandson&hukou=elsewhere&hukou_place={}&effective={today}&note={}",
                enc("张小宝"),
                enc("巴中市巴州区东城街道"),
                enc("医院出生证明")
            ),
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert!(members_of(&w, id).contains(&"张小宝".to_owned()));
    let page = w.send(cadre.get(&path)).await;
    assert!(page.body.contains("巴中市巴州区东城街道"), "{}", page.body);
    assert!(page.body.contains("data-kind=\"birth\""));

    // A stale form: 409, nothing written.
    let res = w
        .send(cadre.post_form(
            &format!("{path}/remove"),
            &format!("version={v}&member=1&kind=death&effective={today}"),
        ))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    assert!(res.body.contains("id=\"members-conflict\""));
    assert_eq!(members_of(&w, id).len(), 3);

    // The head cannot leave without a new head; then a death, dated.
    let v = version_of(&w, id);
    let res = w
        .send(cadre.post_form(
            &format!("{path}/remove"),
            &format!("version={v}&member=0&kind=death&effective={today}"),
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("data-field=\"new_head\""));
    let died = today - chrono::Duration::days(3);
    let res = w
        .send(cadre.post_form(
            &format!("{path}/remove"),
            &format!(
                "version={v}&member=0&kind=death&new_head=1&effective={died}&note={}",
                enc("病故")
            ),
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let stored = w.db(|s| s.household(id)).unwrap();
    assert!(!stored
        .household
        .members
        .iter()
        .any(|m| m.name.as_str() == "张三"));
    assert_eq!(stored.household.members.len(), 2);
    assert_eq!(
        stored.household.head().map(|m| m.name.as_str()),
        Some("<script>alert(1)</script>"),
        "the chosen member is the head"
    );
    let changes = w.db(|s| s.member_changes_of(id)).unwrap();
    let kinds: Vec<_> = changes
        .iter()
        .map(|c| (c.change.kind.code(), c.change.effective))
        .collect();
    assert_eq!(kinds, vec![("birth", today), ("death", died)]);
    assert_eq!(w.audit_count("t_village_cadre", "member.change"), 2);
    let page = w.send(cadre.get(&path)).await;
    assert!(page.body.contains("data-kind=\"death\""));
    assert!(
        !page.body.contains("<script>alert(1)</script>"),
        "names are escaped"
    );
    assert!(today.year() > 2000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_template_downloads_with_its_guide_and_imports_back() {
    let w = World::with_clock(Arc::new(June2025));
    let cadre = w.login_as(Role::VillageCadre).await;
    let req = cadre.get("/import/template?year=2024");
    let res = w.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res
        .headers()
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    // Read back by the household import as it is: the village's two households, nothing to change.
    let res = w
        .send(crate::import::upload_request(
            &cadre,
            None,
            "模板.xlsx",
            &bytes,
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body.contains("id=\"would-unchanged\">2<"),
        "{}",
        res.body
    );
    assert_eq!(w.audit_count("t_village_cadre", "view_personal_data"), 1);
    // An analyst may not import; an administrator gets the blank template (no personal data).
    let analyst = w.login_as(Role::Analyst).await;
    assert_eq!(
        w.send(analyst.get("/import/template")).await.status,
        StatusCode::FORBIDDEN
    );
    let admin = w.login_as(Role::Admin).await;
    let res = w
        .router
        .clone()
        .oneshot(admin.get("/import/template?year=2024"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let blank = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("blank.xlsx");
    std::fs::write(&p, &blank).unwrap();
    let batch = jingzhun_io::read_households(
        &p,
        &jingzhun_io::ReadOptions::new(NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()),
    )
    .unwrap();
    assert!(batch.is_valid());
    assert_eq!(batch.households.len(), 0);
}
