//! The household edit form: field-level validation, a successful edit as a new audited version, and the
//! conflict view when someone else saved in between.

use axum::http::StatusCode;
use jingzhun_core::{HousingGrade, Version};
use jingzhun_store::Actor;
use jingzhun_web::Role;

use crate::support::*;

/// Every field of the form as the page sends it, with `overrides` replacing some.
fn form(version: i64, overrides: &[(&str, &str)]) -> String {
    let mut fields: Vec<(String, String)> = [
        ("version", version.to_string()),
        ("phone", "13812345678".into()),
        ("natural_village", "石板组".into()),
        ("housing_grade", "".into()),
        ("water_litres", "".into()),
        ("water_fetch_minutes", "".into()),
        ("water_outage_days", "".into()),
        ("water_quality_ok", "".into()),
        ("food_clothing_secured", "yes".into()),
        ("m0.schooling", "".into()),
        ("m0.health", "chronic".into()),
        ("m0.labour", "ordinary".into()),
        ("m0.medical_insurance", "yes".into()),
        ("reason", "".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    for (k, v) in overrides {
        match fields.iter_mut().find(|(name, _)| name == k) {
            Some(f) => f.1 = (*v).to_owned(),
            None => fields.push(((*k).to_owned(), (*v).to_owned())),
        }
    }
    fields
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                jingzhun_web::error::urlencode(k),
                jingzhun_web::error::urlencode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn invalid_fields_show_their_own_messages_and_nothing_is_written() {
    let w = World::new();
    let id = w.household_in2;
    let before = w.db(|s| s.household(id)).unwrap();
    let cadre = w.login_as(Role::VillageCadre).await;
    let page = w
        .send(cadre.get(&format!("/households/{}/edit", id.0)))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.body.contains("name=\"version\" value=\"1\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("name=\"m0.health\""));
    // Every text of the form exists in English too.
    let en = w
        .send(
            axum::http::Request::get(format!("/households/{}/edit", id.0))
                .header(
                    axum::http::header::COOKIE,
                    format!("{}; lang=en", cadre.cookie),
                )
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert!(en.body.contains("Edit household"), "{}", en.body);
    assert!(!en.body.contains('‽'), "{}", en.body);

    let res = w
        .send(cadre.post_form(
            &format!("/households/{}/edit", id.0),
            &form(
                before.version.0,
                &[
                    ("phone", "12345"),
                    ("water_litres", "多"),
                    ("housing_grade", "z"),
                    ("m0.health", ""),
                    ("natural_village", "新村组"),
                ],
            ),
        ))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    for (field, message) in [
        ("phone", "联系电话无效"),
        ("water_litres", "人均日供水量应为 0–1000 的整数"),
        ("housing_grade", "请从列表中选择"),
        ("m0.health", "必须选择一项"),
    ] {
        let at = res
            .body
            .find(&format!("data-field=\"{field}\""))
            .unwrap_or_else(|| panic!("{field} has its message: {}", res.body));
        assert!(
            res.body[at..].starts_with(&format!("data-field=\"{field}\">{message}")),
            "{field}"
        );
    }
    assert!(!res.body.contains("data-field=\"natural_village\""));
    // What the user typed comes back for correction.
    assert!(res.body.contains("value=\"新村组\""));
    let after = w.db(|s| s.household(id)).unwrap();
    assert_eq!(after.version, before.version, "nothing written");
    assert_eq!(after.household, before.household);
}

#[tokio::test]
async fn a_valid_edit_is_a_new_version_audited_as_the_account() {
    let w = World::new();
    let id = w.household_in2;
    let before = w.db(|s| s.household(id)).unwrap();
    let cadre = w.login_as(Role::VillageCadre).await;
    let res = w
        .send(cadre.post_form(
            &format!("/households/{}/edit", id.0),
            &form(
                before.version.0,
                &[
                    ("phone", "13900001111"),
                    ("housing_grade", "c"),
                    ("water_litres", "45"),
                    ("m0.labour", "weak"),
                    ("reason", "入户核实更新"),
                ],
            ),
        ))
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(
        res.location.as_deref(),
        Some(format!("/households/{}", id.0).as_str())
    );
    let after = w.db(|s| s.household(id)).unwrap();
    assert_eq!(after.version.0, before.version.0 + 1);
    let h = &after.household;
    assert_eq!(h.phone.as_ref().unwrap().as_str(), "13900001111");
    assert_eq!(h.housing.grade, Some(HousingGrade::C));
    assert_eq!(h.water.litres_per_person_day, Some(45));
    assert_eq!(
        h.members[0].labour,
        Some(jingzhun_core::LabourAbility::Weak)
    );
    assert_eq!(h.number, before.household.number, "the rest is unchanged");
    assert_eq!(h.incomes, before.household.incomes);
    assert_eq!(
        w.audit_count(&username(Role::VillageCadre), "household.update"),
        1
    );
    let history = w.db(|s| s.household_history(id)).unwrap();
    let last = history.iter().max_by_key(|v| v.version).unwrap();
    assert_eq!(last.recorded_by, username(Role::VillageCadre));
    assert_eq!(last.reason, "入户核实更新");
    // The household page shows the new version and the danger of the house in the guarantees.
    let page = w.send(cadre.get(&format!("/households/{}", id.0))).await;
    assert!(page.body.contains("139"));
    // Roles the matrix does not allow cannot edit.
    let analyst = w.login_as(Role::Analyst).await;
    let res = w
        .send(analyst.post_form(
            &format!("/households/{}/edit", id.0),
            &form(after.version.0, &[]),
        ))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_edit_shows_both_versions_and_overwrites_nothing() {
    stale_edit(&World::new()).await;
}

/// The same on PostgreSQL (when `JINGZHUN_TEST_DATABASE_URL` is set): the synchronous client must not run
/// on an async worker, so the test's direct store calls go through `block_in_place`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_edit_is_refused_on_postgresql_too() {
    let Some((w, schema)) = tokio::task::block_in_place(World::postgres) else {
        return;
    };
    stale_edit(&w).await;
    tokio::task::block_in_place(move || {
        drop(w);
        drop(schema);
    });
}

/// Runs blocking store work off the async worker.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    tokio::task::block_in_place(f)
}

async fn stale_edit(w: &World) {
    let id = w.household_in2;
    let opened = blocking(|| w.db(|s| s.household(id)).unwrap());
    // Someone else saves after the form was opened: a new phone and natural village.
    let mut theirs = opened.household.clone();
    theirs.phone = Some(jingzhun_core::Phone::parse("13700002222").unwrap());
    theirs.natural_village = Some("河坝组".to_owned());
    let saved = blocking(|| {
        w.db(|s| {
            s.update_household(
                id,
                opened.version,
                &theirs,
                opened.effective_from,
                &Actor::new("t_township_reviewer"),
                "乡镇核实",
            )
        })
        .unwrap()
    });
    assert_eq!(saved, Version(opened.version.0 + 1));

    let cadre = w.login_as(Role::VillageCadre).await;
    let res = w
        .send(cadre.post_form(
            &format!("/households/{}/edit", id.0),
            &form(
                opened.version.0,
                &[("phone", "13900001111"), ("water_litres", "45")],
            ),
        ))
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    let body = &res.body;
    assert!(body.contains("他人已修改此户"), "{body}");
    assert!(body.contains("13900001111"), "yours");
    assert!(body.contains("13700002222"), "the current one");
    assert!(body.contains("t_township_reviewer"));
    // The differing fields are marked: phone and water differ; the natural village only they changed
    // (the form sent the old one), so it differs too; schooling does not.
    let conflict = &body[body.find("id=\"conflict\"").unwrap()..body.find("</table>").unwrap()];
    let differing = conflict.matches("class=\"differs\"").count();
    assert_eq!(differing, 3, "{conflict}");
    // The form is now based on the current version, filled with its values.
    assert!(body.contains(&format!("name=\"version\" value=\"{}\"", saved.0)));
    assert!(body.contains("value=\"13700002222\""));
    // Nothing was overwritten.
    let now = blocking(|| w.db(|s| s.household(id)).unwrap());
    assert_eq!(now.version, saved);
    assert_eq!(now.household, theirs);
    let audited = blocking(|| w.audit_count(&username(Role::VillageCadre), "household.update"));
    assert_eq!(audited, 0);
}
