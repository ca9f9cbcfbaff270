//! The pages a cadre works in (household, case, lists, lead and edit forms): the people who recorded a step
//! by name, never an account code; no file names, hashes, pack versions or source tags (those stay on the
//! policy page); the glossary's words; English labels for coded values when switched.

use axum::http::StatusCode;
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

/// `#` followed by twelve hex digits: a pack hash as the policy page prints it.
fn has_hash(text: &str) -> bool {
    text.match_indices('#').any(|(i, _)| {
        let tail: String = text[i + 1..].chars().take(12).collect();
        tail.len() == 12
            && tail
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cadre_pages_name_people_and_show_no_provenance_markers() {
    for (w, _guard) in sync!(worlds()) {
        sync!(w.raw_sql(
            "UPDATE accounts SET display_name = '李明' WHERE username = 't_village_cadre'"
        ));
        let below_line = sync!(crate::proposals::low_income_household(&w)).0;
        let cadre = w.login_as(Role::VillageCadre).await;
        let lead = "channel=cadre_check&monitoring_kind=unstable&risk=illness";
        let id = w.open_case(&cadre, w.household_in2, lead).await;
        let step = w
            .send(cadre.post_form(&format!("/cases/{id}/visit"), "outcome=pass&note=已入户"))
            .await;
        assert_eq!(step.status, StatusCode::SEE_OTHER, "{}", step.body);

        let case = w.send(cadre.get(&format!("/cases/{id}"))).await;
        assert!(
            case.body
                .contains("入户核实（签署授权承诺书） · <b>通过</b> · 李明"),
            "{}",
            case.body
        );
        let household = w
            .send(cadre.get(&format!("/households/{}", w.household_in2.0)))
            .await;
        assert!(household.body.contains("· 李明"), "{}", household.body);
        assert!(
            !household.body.contains("· t_village_cadre<"),
            "{}",
            household.body
        );

        for uri in [
            format!("/households/{below_line}?year=2021"),
            format!("/households/{}", w.household_in2.0),
            format!("/households/{}/edit", w.household_in2.0),
            format!("/households/{}/leads/new", w.household_in.0),
            format!("/cases/{id}"),
            format!("/households/{}/members", w.household_in2.0),
            "/survey".to_owned(),
            format!("/cases/{id}/notice"),
            format!("/villages/{VILLAGE_IN}/review"),
            format!("/households/{}/card", w.household_in2.0),
            "/cases".to_owned(),
            "/cases?mine=1&timing=near&sort=newest".to_owned(),
            "/".to_owned(),
        ] {
            let page = w.send(cadre.get(&uri)).await;
            assert_eq!(page.status, StatusCode::OK, "{uri}: {}", page.body);
            for marker in [
                ".toml",
                "SHA-256",
                "sha256",
                "基于版本",
                "全国默认@",
                "[安徽",
                "[四川",
            ] {
                assert!(!page.body.contains(marker), "{uri} shows「{marker}」");
            }
            assert!(!has_hash(&page.body), "{uri} shows a hash");
            for word in jingzhun_core::labels_en::avoided_words(jingzhun_core::labels_en::GLOSSARY)
            {
                assert!(!page.body.contains(word), "{uri} says「{word}」");
            }
        }
        // The policy page keeps the provenance.
        let policy = w.send(cadre.get("/policy?year=2021")).await;
        assert!(policy.body.contains("national.toml"));
        sync!(drop((w, _guard)));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn coded_labels_are_english_when_switched() {
    let w = World::new();
    let cadre = w.login_as(Role::VillageCadre).await;
    let lead = "channel=cadre_check&monitoring_kind=unstable&risk=illness";
    let id = w.open_case(&cadre, w.household_in2, lead).await;
    let mut req = cadre.get(&format!("/cases/{id}"));
    let cookie = req
        .headers()
        .get(axum::http::header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    req.headers_mut().insert(
        axum::http::header::COOKIE,
        format!("{cookie}; lang=en").parse().unwrap(),
    );
    let page = w.send(req).await;
    assert_eq!(page.status, StatusCode::OK);
    for english in [
        "Cadre check",
        "Exited but unstable",
        "Illness",
        "Lead recorded",
    ] {
        assert!(page.body.contains(english), "{english}: {}", page.body);
    }
    for chinese in ["基层干部排查", "因病", "线索登记"] {
        assert!(!page.body.contains(chinese), "{chinese} left in Chinese");
    }
    let household = w
        .send({
            let mut r = cadre.get(&format!("/households/{}", w.household_in2.0));
            r.headers_mut().insert(
                axum::http::header::COOKIE,
                format!("{cookie}; lang=en").parse().unwrap(),
            );
            r
        })
        .await;
    assert!(
        household.body.contains("Head of household"),
        "{}",
        household.body
    );
}
