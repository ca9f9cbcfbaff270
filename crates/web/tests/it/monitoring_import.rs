//! The monitoring-history import page: upload → report (nothing written) → confirm (checked again, one
//! transaction) → counts; bad rows and rows outside the account's area named and refused whole; the
//! template downloads.

use std::io::Cursor;

use axum::http::{header, StatusCode};
use calamine::{Reader, Xlsx};
use http_body_util::BodyExt;
use jingzhun_core::*;
use jingzhun_store::AuditFilter;
use jingzhun_web::Role;
use tower::ServiceExt;

use crate::import::upload_request;
use crate::support::*;

const HEADER: &str = "户编号,监测对象类别,识别纳入日期,风险类型,风险消除日期\n";

fn upload(s: &Session, name: &str, data: &[u8]) -> axum::http::Request<axum::body::Body> {
    let mut req = upload_request(s, None, name, data);
    *req.uri_mut() = "/import/monitoring".parse().unwrap();
    req
}

fn number(w: &World, id: HouseholdId) -> String {
    w.db(|s| s.household(id))
        .unwrap()
        .household
        .number
        .as_str()
        .to_owned()
}

/// Every household's version and the audit chain's length.
fn state(w: &World) -> (Vec<(i64, i64)>, u64) {
    let mut versions = Vec::new();
    w.db(|s| {
        s.scan_households(&AreaCode::parse("51").unwrap(), None, &mut |s| {
            versions.push((s.id.0, s.version.0));
            Ok(())
        })
    })
    .unwrap();
    versions.sort();
    (versions, w.db(|s| s.audit_verify()).unwrap().entries)
}

fn hidden(body: &str, name: &str) -> String {
    let at = body
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no field {name}: {body}"));
    let rest = &body[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

fn text_of(body: &str, id: &str) -> String {
    let at = body
        .find(&format!("id=\"{id}\">"))
        .unwrap_or_else(|| panic!("no #{id}: {body}"));
    let rest = &body[at + id.len() + 6..];
    rest[..rest.find('<').unwrap()].trim().to_owned()
}

#[tokio::test]
async fn records_are_previewed_without_writing_then_imported_once() {
    let w = World::new();
    let s = w.login_as(Role::VillageCadre).await;
    let form = w.send(s.get("/import/monitoring")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("/import/monitoring/template"));
    let before = state(&w);
    let file = format!(
        "{HEADER}{},脱贫不稳定户,2023-05-10,因病、因学,\n",
        number(&w, w.household_in2)
    );
    let res = w.send(upload(&s, "监测对象.csv", file.as_bytes())).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert_eq!(text_of(&res.body, "would-decisions"), "1");
    assert_eq!(state(&w), before, "a preview writes nothing");

    let (token, sha) = (hidden(&res.body, "token"), hidden(&res.body, "sha256"));
    // Another file's SHA-256 does not confirm it.
    let wrong = w
        .send(s.post_form(
            "/import/monitoring/confirm",
            &format!("token={token}&sha256=00{}", &sha[2..]),
        ))
        .await;
    assert_eq!(wrong.status, StatusCode::CONFLICT, "{}", wrong.body);
    assert_eq!(state(&w), before);
    // The token was spent by the refused attempt: upload again, then confirm.
    let res = w.send(upload(&s, "监测对象.csv", file.as_bytes())).await;
    let (token, sha) = (hidden(&res.body, "token"), hidden(&res.body, "sha256"));
    let done = w
        .send(s.post_form(
            "/import/monitoring/confirm",
            &format!("token={token}&sha256={sha}"),
        ))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(text_of(&done.body, "done-decisions"), "1");
    let h = w.db(|s| s.household(w.household_in2)).unwrap();
    let e = h
        .events
        .iter()
        .find(|e| e.kind == StatusEventKind::Monitored)
        .unwrap();
    assert_eq!(e.monitoring_kind, Some(MonitoringKind::Unstable));
    assert_eq!(e.risk_types, vec![RiskType::Illness, RiskType::Schooling]);
    let entries = w
        .db(|s| {
            s.audit_entries(&AuditFilter {
                actor: Some(username(Role::VillageCadre)),
                ..Default::default()
            })
        })
        .unwrap();
    assert!(entries.iter().any(|e| e.action == "monitoring.import"));
    assert!(w.db(|s| s.audit_verify()).unwrap().is_ok());
    let again = w
        .send(s.post_form(
            "/import/monitoring/confirm",
            &format!("token={token}&sha256={sha}"),
        ))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "the token commits once");
}

#[tokio::test]
async fn a_row_outside_the_area_or_a_misfit_kind_refuses_the_file_with_the_rows_named() {
    let w = World::new();
    let s = w.login_as(Role::VillageCadre).await;
    let before = state(&w);
    let file = format!(
        "{HEADER}{},脱贫不稳定户,2023-05-10,因病,\n{},边缘易致贫户,2023-05-10,因病,\n{},边缘易致贫户,2023-05-10,因病,\n",
        number(&w, w.household_in2),
        number(&w, w.household_in2),
        number(&w, w.household_other_township),
    );
    let res = w.send(upload(&s, "跨村.csv", file.as_bytes())).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
    assert!(res.body.contains("id=\"problems\""));
    assert!(
        res.body.contains("不在导入账号的管辖区划 511902001001 内"),
        "{}",
        res.body
    );
    assert!(
        res.body.contains("<td>4</td><td>户编号(A列)</td>"),
        "{}",
        res.body
    );
    assert!(
        res.body.contains("边缘易致贫户只适用于一般农户"),
        "{}",
        res.body
    );
    assert!(res.body.contains("<td>3</td><td>监测对象类别(B列)</td>"));
    assert!(!res.body.contains("name=\"token\""), "no confirmation");
    assert_eq!(state(&w), before);
}

#[tokio::test]
async fn the_template_downloads_with_its_guide_sheet() {
    let w = World::new();
    let s = w.login_as(Role::CountyApprover).await;
    let res = w
        .router
        .clone()
        .oneshot(s.get("/import/monitoring/template"))
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let content_type = res.headers()[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.contains("spreadsheetml"), "{content_type}");
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    for sheet in [
        "监测对象",
        "帮扶措施",
        "走访记录",
        "帮扶干部",
        "结对帮扶",
        "填写说明",
    ] {
        assert!(names.iter().any(|n| n == sheet), "{sheet}: {names:?}");
    }
    assert!(book.worksheet_range("填写说明").unwrap().height() > 20);
}
