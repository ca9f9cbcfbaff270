//! A lead is checked against the household before anything is written: the kind fits the household's
//! standing (脱贫不稳定户 only for a 脱贫户, 边缘易致贫户 only for a 一般农户) and at least one risk type is
//! chosen; the refusal names the fields (page and API) and writes nothing.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use jingzhun_web::Role;

use crate::support::*;

macro_rules! sync {
    ($e:expr) => {
        tokio::task::block_in_place(|| $e)
    };
}

fn worlds() -> Vec<(World, Option<PgSchema>)> {
    let mut out = vec![(World::new(), None)];
    if let Some((w, g)) = World::postgres() {
        out.push((w, Some(g)));
    }
    out
}

fn json_post(s: &Session, uri: &str, body: serde_json::Value) -> Request<Body> {
    Request::post(uri)
        .header(header::COOKIE, &s.cookie)
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-csrf-token", &s.csrf)
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_that_contradicts_the_household_is_refused_field_by_field() {
    for (w, _guard) in sync!(worlds()) {
        let cadre = w.login_as(Role::VillageCadre).await;
        // household_in2 is a 脱贫户: 边缘易致贫户 does not fit, and no risk type was chosen.
        let uri = format!("/households/{}/leads", w.household_in2.0);
        let page = w
            .send(cadre.post_form(&uri, "channel=cadre_check&monitoring_kind=marginal"))
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.body
        );
        assert!(
            page.body.contains(
                "<li data-field=\"monitoring_kind\">边缘易致贫户只适用于一般农户，此户是脱贫户</li>"
            ),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("<li data-field=\"risk_types\">请至少选择一项风险类型</li>"),
            "{}",
            page.body
        );

        let api = w
            .send(json_post(
                &cadre,
                &format!("/api/v1/households/{}/leads", w.household_in2.0),
                serde_json::json!({"channel": "cadre_check", "monitoring_kind": "marginal", "risk_types": ["illness"]}),
            ))
            .await;
        assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api.body);
        let j = api.json();
        assert_eq!(j["error"], "invalid");
        assert_eq!(j["fields"].as_array().unwrap().len(), 1, "{j}");
        assert_eq!(j["fields"][0]["field"], "monitoring_kind");

        // Nothing was written: the first lead that fits opens case number 1.
        let id = w
            .open_case(
                &cadre,
                w.household_in2,
                "channel=cadre_check&monitoring_kind=unstable&risk=illness",
            )
            .await;
        assert_eq!(id, format!("{}-1", w.household_in2.0));
        sync!(drop((w, _guard)));
    }
}

#[test]
fn the_kind_must_fit_the_standing() {
    use chrono::NaiveDate;
    use jingzhun_core::{MonitoringKind as K, RegistryStatus as S, RiskType};
    use jingzhun_web::services::cases::lead_field_errors;
    let on = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap();
    let risk = [RiskType::Illness];
    let ok = |s: &S, k: K| lead_field_errors(s, Some(k), &risk).is_empty();
    assert!(ok(&S::Exited { on }, K::Unstable));
    assert!(!ok(&S::Exited { on }, K::Marginal));
    assert!(ok(&S::Exited { on }, K::SuddenHardship));
    assert!(ok(&S::NotRegistered, K::Marginal));
    assert!(!ok(&S::NotRegistered, K::Unstable));
    assert!(ok(&S::NotRegistered, K::SuddenHardship));
    assert!(!ok(&S::Poor { since: on }, K::SuddenHardship));
    assert!(!ok(&S::Removed { on }, K::Marginal));
    assert_eq!(lead_field_errors(&S::NotRegistered, None, &[]).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_records_its_reason_and_shows_as_not_included() {
    for (w, _guard) in sync!(worlds()) {
        let cadre = w.login_as(Role::VillageCadre).await;
        let id = w
            .open_case(
                &cadre,
                w.household_in2,
                "channel=cadre_check&monitoring_kind=unstable&risk=illness",
            )
            .await;
        let visit = format!("/cases/{id}/visit");
        let bare = w.send(cadre.post_form(&visit, "outcome=reject")).await;
        assert_eq!(bare.status, StatusCode::CONFLICT, "{}", bare.body);
        assert!(bare.body.contains("不通过须写明理由"), "{}", bare.body);
        let page = w.send(cadre.get(&format!("/cases/{id}"))).await;
        assert!(page.body.contains("线索登记"), "still open: {}", page.body);
        assert!(!page.body.contains("不予纳入"), "nothing recorded");

        let reasoned = w
            .send(cadre.post_form(
                &visit,
                "outcome=reject&note=家庭有城镇商品房，不符合纳入条件",
            ))
            .await;
        assert_eq!(reasoned.status, StatusCode::SEE_OTHER, "{}", reasoned.body);
        let page = w.send(cadre.get(&format!("/cases/{id}"))).await;
        assert!(
            page.body.contains("<b id=\"case-state\">不予纳入</b>"),
            "{}",
            page.body
        );
        assert!(page.body.contains("家庭有城镇商品房，不符合纳入条件"));
        let household = w
            .send(cadre.get(&format!("/households/{}", w.household_in2.0)))
            .await;
        assert!(household.body.contains("不予纳入"), "{}", household.body);
        let inbox = w.send(cadre.get("/cases?all=1")).await;
        assert!(inbox.body.contains("不予纳入"), "{}", inbox.body);
        sync!(drop((w, _guard)));
    }
}
