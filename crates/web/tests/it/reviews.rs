//! The village review of several households over HTTP (SQLite in `it`, PostgreSQL in `it_pg`): one notice
//! for both, the township held back while the notice is up and while an objection is unresolved, batches
//! that record only the households confirmed one by one, the decision on the household page and in its
//! versions, the notification letter, the household card and the inbox's export.

use axum::http::StatusCode;
use chrono::{Duration, Utc};
use jingzhun_core::monitoring::CaseId;
use jingzhun_web::Role;

use crate::support::*;

fn today() -> String {
    (Utc::now() + Duration::hours(8)).date_naive().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_review_one_notice_objections_then_batches() {
    let w = World::new();
    let cadre = w.login_as(Role::VillageCadre).await;
    let township = w.login_as(Role::TownshipReviewer).await;
    let county = w.login_as(Role::CountyApprover).await;
    // 王二 (exited) is proposed for monitoring; 张三 (monitored) for risk elimination.
    let a = w
        .open_case(
            &cadre,
            w.household_in2,
            "channel=cadre_check&monitoring_kind=unstable&risk=illness",
        )
        .await;
    let b = w
        .open_case(&cadre, w.household_in, "channel=cadre_check&risk=illness")
        .await;
    for id in [&a, &b] {
        for seg in ["visit", "comparison"] {
            let res = w
                .send(cadre.post_form(&format!("/cases/{id}/{seg}"), "outcome=pass"))
                .await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{seg}: {}", res.body);
        }
    }
    let form = w
        .send(cadre.get(&format!("/villages/{VILLAGE_IN}/review")))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("王二") && form.body.contains("张三"));
    assert!(form.body.contains("5 天"), "the pack's notice period");

    // Without participants the form comes back with the reason; nothing is recorded.
    let cases = format!("case={a}&seen_{a}=3&case={b}&seen_{b}=3");
    let bare = w
        .send(cadre.post_form(
            &format!("/villages/{VILLAGE_IN}/review"),
            &format!("{cases}&complaint_phone=0827-5262100"),
        ))
        .await;
    assert_eq!(bare.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bare.body.contains("参加评议的人员"), "{}", bare.body);
    let id = CaseId::parse(&a).unwrap();
    assert_eq!(
        blocking(|| w.store.case(&id).unwrap().unwrap().steps.len()),
        3
    );

    // With them: one notice lists both households.
    let done = w
        .send(cadre.post_form(
            &format!("/villages/{VILLAGE_IN}/review"),
            &format!("{cases}&{REVIEW}"),
        ))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(
        done.location.as_deref(),
        Some(format!("/cases/{a}/notice").as_str())
    );
    let notice = w.send(cadre.get(&format!("/cases/{a}/notice"))).await;
    assert_eq!(notice.status, StatusCode::OK);
    assert_eq!(notice.body.matches("class=\"notice-household\"").count(), 2);
    assert!(notice.body.contains("0827-5262100"));
    assert!(!notice.body.contains("51190219600505006"), "no resident ID");
    assert!(!notice.body.contains("13812345678"), "no phone");
    let same = w.send(township.get(&format!("/cases/{b}/notice"))).await;
    assert_eq!(same.body.matches("class=\"notice-household\"").count(), 2);

    // The township is held back while the notice is up: on the case page, the API and the batch page.
    let early = w
        .send(township.post_form(&format!("/cases/{a}/township-review"), "outcome=pass"))
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(
        early.body.contains("公示期满后乡镇才能审核"),
        "{}",
        early.body
    );
    let batch = w.send(township.get("/cases/batch/township-review")).await;
    assert_eq!(batch.status, StatusCode::OK);
    assert!(batch.body.contains("公示期满后乡镇才能审核"));

    // An objection about 王二 during the notice.
    let objected = w
        .send(cadre.post_form(
            &format!("/cases/{a}/objections"),
            &format!("about={a}&raised_by=%E6%9D%91%E6%B0%91&content=%E6%9C%89%E8%BD%A6"),
        ))
        .await;
    assert_eq!(objected.status, StatusCode::SEE_OTHER, "{}", objected.body);
    let empty = w
        .send(cadre.post_form(&format!("/cases/{a}/objections"), "raised_by=x"))
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("异议的内容"), "{}", empty.body);

    // The notice's days pass: 张三 may be reviewed, 王二 waits for the objection.
    w.end_notices();
    let res = w
        .send(township.post_form(
            "/cases/batch/township-review",
            &format!("case={a}&seen_{a}=4&case={b}&seen_{b}=4&note=%E5%90%8C%E6%84%8F"),
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(
        res.body.matches("class=\"batch-done\"").count(),
        1,
        "{}",
        res.body
    );
    assert!(res.body.contains("异议尚未处理"), "{}", res.body);
    let oid = blocking(|| {
        let r = w.store.village_review_of_case(&id).unwrap().unwrap();
        w.store.objections_of_review(r.id).unwrap()[0].0
    });
    let resolved = w
        .send(cadre.post_form(
            &format!("/cases/{a}/objections/resolve"),
            &format!("objection={oid}&resolution=%E4%B8%8D%E6%88%90%E7%AB%8B"),
        ))
        .await;
    assert_eq!(resolved.status, StatusCode::SEE_OTHER, "{}", resolved.body);
    let res = w
        .send(township.post_form(&format!("/cases/{a}/township-review"), "outcome=pass"))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

    // The county: a batch without a reason or without a confirmed household records nothing.
    let page = w.send(county.get("/cases/batch/county-approval")).await;
    assert!(page.body.contains("人均纯收入"), "each household's facts");
    let none = w
        .send(county.post_form("/cases/batch/county-approval", "note=x"))
        .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
    let no_reason = w
        .send(county.post_form(
            "/cases/batch/county-approval",
            &format!("case={a}&seen_{a}=5"),
        ))
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    let approved = w
        .send(county.post_form(
            "/cases/batch/county-approval",
            &format!("case={a}&seen_{a}=5&note=%E7%BA%B3%E5%85%A5"),
        ))
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    assert_eq!(approved.body.matches("class=\"batch-done\"").count(), 1);
    assert_eq!(
        w.audit_count(&username(Role::CountyApprover), "monitoring.case_step"),
        1,
        "one audited decision per confirmed household"
    );
    assert_eq!(
        w.audit_count(&username(Role::CountyApprover), "monitoring.batch"),
        1
    );

    // The household page says the decision instead of proposing it; its version carries today's date.
    let h = w
        .send(county.get(&format!("/api/v1/households/{}", w.household_in2.0)))
        .await
        .json();
    assert_eq!(h["standing"]["monitoring"]["code"], "unstable");
    assert_eq!(h["evaluation"]["decided"], today(), "{}", h["evaluation"]);
    assert!(h["evaluation"]["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["kind"]["code"] != "monitoring_candidate"));
    assert!(
        h["versions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v["effective_from"] == today()),
        "{}",
        h["versions"]
    );

    // The notification letter, the household card, the inbox's export.
    let letter = w.send(cadre.get(&format!("/cases/{a}/decision"))).await;
    assert_eq!(letter.status, StatusCode::OK);
    assert!(letter.body.contains("已识别纳入"));
    let open = w.send(cadre.get(&format!("/cases/{b}/decision"))).await;
    assert_eq!(
        open.status,
        StatusCode::NOT_FOUND,
        "an open case has no letter yet"
    );
    let card = w
        .send(cadre.get(&format!("/households/{}/card", w.household_in2.0)))
        .await;
    assert_eq!(card.status, StatusCode::OK);
    assert!(card.body.contains("监测对象"));
    let xlsx = w.send(county.post_form("/cases/export", "all=1")).await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.content_type.contains("spreadsheetml"));
    assert_eq!(
        w.audit_count(&username(Role::CountyApprover), "export.cases"),
        1
    );
    let todo = w.send(county.get("/api/v1/cases/todo")).await.json();
    assert_eq!(todo["count"], 1, "张三 waits for the county: {todo}");
}
