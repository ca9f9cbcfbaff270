//! The monitoring workflow over HTTP: a lead walked through identification by the three levels, with
//! skipped steps and wrong roles refused, the county dashboard counting the result, and the village notice
//! free of personal data.

use axum::http::StatusCode;
use jingzhun_web::Role;

use crate::support::*;

#[tokio::test]
async fn a_lead_is_identified_step_by_step_by_the_right_roles() {
    let w = World::new();
    let county = w.login_as(Role::CountyApprover).await;
    let monitored = |d: serde_json::Value| d["counts"]["monitored"].as_u64().unwrap();
    let before = monitored(w.send(county.get("/api/v1/dashboard")).await.json());

    let cadre = w.login_as(Role::VillageCadre).await;
    let township = w.login_as(Role::TownshipReviewer).await;
    let id = w
        .open_case(
            &cadre,
            w.household_in2,
            "channel=cadre_check&monitoring_kind=unstable&risk=illness&risk=schooling&note=%E5%A4%A7%E7%97%85",
        )
        .await;
    let d = w.send(county.get("/api/v1/dashboard")).await.json();
    assert_eq!(d["cases"]["open"], 1, "the dashboard counts open cases");
    assert_eq!(d["cases"]["overdue"], 0);
    // A second lead on the same household while this one is open.
    let again = w
        .send(cadre.post_form(
            &format!("/households/{}/leads", w.household_in2.0),
            "channel=self_application&monitoring_kind=unstable&risk=illness",
        ))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let step = |s: &Session, seg: &str, outcome: &str| {
        s.post_form(&format!("/cases/{id}/{seg}"), &format!("outcome={outcome}"))
    };
    // No skipping: the township cannot review before the village has.
    assert_eq!(
        w.send(step(&township, "township-review", "pass"))
            .await
            .status,
        StatusCode::CONFLICT
    );
    for seg in ["visit", "comparison"] {
        let res = w.send(step(&cadre, seg, "pass")).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{seg}: {}", res.body);
    }
    // The village review records its meeting: without participants it is refused.
    let bare = w.send(step(&cadre, "village-review", "pass")).await;
    assert_eq!(bare.status, StatusCode::CONFLICT, "{}", bare.body);
    assert!(bare.body.contains("参加评议的人员"), "{}", bare.body);
    let res = w
        .send(cadre.post_form(
            &format!("/cases/{id}/village-review"),
            &format!("outcome=pass&{REVIEW}"),
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    // No repeating, and no step by a role that may not.
    assert_eq!(
        w.send(step(&cadre, "village-review", "pass")).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        w.send(step(&cadre, "township-review", "pass")).await.status,
        StatusCode::FORBIDDEN
    );
    let notice = w.send(cadre.get(&format!("/cases/{id}/notice"))).await;
    assert_eq!(notice.status, StatusCode::OK);
    assert!(notice.body.contains("王二"));
    let full_id = rid("51190219600505006");
    assert!(!notice.body.contains(full_id.as_str()));
    assert!(!notice.body.contains(&full_id.masked()));
    // Neither the number nor its masked form (a bare "138" also turns up in random tokens on the page).
    assert!(
        !notice.body.contains("13812345678") && !notice.body.contains("138****5678"),
        "no phone"
    );
    assert!(
        !notice.body.contains("长期慢性病") && !notice.body.contains("因病"),
        "no health"
    );

    // The notice is up: the township cannot review before its period ends (page 409, API 409).
    let early = w.send(step(&township, "township-review", "pass")).await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(
        early.body.contains("公示期满后乡镇才能审核"),
        "{}",
        early.body
    );
    let early_api = w
        .send(crate::monitoring::json_post(
            &township,
            &format!("/api/v1/cases/{id}/township-review"),
            serde_json::json!({"outcome": "pass"}),
        ))
        .await;
    assert_eq!(early_api.status, StatusCode::CONFLICT);
    assert!(early_api.json()["message"]
        .as_str()
        .unwrap()
        .contains("公示期满后乡镇才能审核"));
    w.end_notices();
    assert_eq!(
        w.send(step(&township, "township-review", "pass"))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        w.send(step(&township, "county-approval", "pass"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        monitored(w.send(county.get("/api/v1/dashboard")).await.json()),
        before,
        "nothing is decided before the county approves"
    );
    assert_eq!(
        w.send(step(&county, "county-approval", "pass"))
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        monitored(w.send(county.get("/api/v1/dashboard")).await.json()),
        before + 1
    );

    let d = w.send(county.get("/api/v1/dashboard")).await.json();
    assert_eq!(d["cases"]["open"], 0);
    let case = w
        .send(county.get(&format!("/api/v1/cases/{id}")))
        .await
        .json();
    assert_eq!(case["line"]["state"]["state"], "decided", "{case}");
    let steps = case["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 6);
    assert_eq!(steps[4]["by"], username(Role::TownshipReviewer));
    assert_eq!(steps[5]["by"], username(Role::CountyApprover));
    let h = w
        .send(county.get(&format!("/api/v1/households/{}", w.household_in2.0)))
        .await
        .json();
    assert_eq!(h["standing"]["monitoring"]["code"], "unstable");
    assert_eq!(
        h["cases"][0]["id"],
        id.as_str(),
        "the household lists its case"
    );
    // Search lists see the decision at once (the index entry is refreshed).
    let found = w
        .send(county.get("/api/v1/households?q=%E7%8E%8B%E4%BA%8C"))
        .await
        .json();
    assert_eq!(
        found["households"][0]["standing"]["monitoring"]["code"],
        "unstable"
    );
    // The workflow pages render in both languages without a missing text.
    for lang in ["zh", "en"] {
        for (session, uri) in [
            (&cadre, format!("/cases/{id}")),
            (&cadre, format!("/cases/{id}/notice")),
            (
                &cadre,
                format!("/households/{}/leads/new", w.household_in.0),
            ),
            (&county, "/cases".to_owned()),
        ] {
            let res = w
                .send(
                    axum::http::Request::get(uri.as_str())
                        .header("cookie", format!("{}; lang={lang}", session.cookie))
                        .body(axum::body::Body::empty())
                        .unwrap(),
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{uri}");
            assert!(!res.body.contains('‽'), "{uri} in {lang}");
        }
    }
    // The inbox lists open cases; the decided one is under every case.
    let inbox = w.send(cadre.get("/cases")).await;
    assert!(!inbox.body.contains(&format!("/cases/{id}")));
    let inbox = w.send(cadre.get("/cases?all=1")).await;
    assert!(inbox.body.contains(&format!("/cases/{id}")));
}
