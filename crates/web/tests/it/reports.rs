//! Report downloads: the standard XLSX tables and the annual review of the caller's area, and the
//! household export (masked by role, audited). The XLSX files are read back with calamine.

use std::io::Cursor;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use calamine::{Reader, Xlsx};
use http_body_util::BodyExt;
use jingzhun_web::Role;
use tower::ServiceExt;

use crate::support::*;

/// A download: status, headers of interest and the raw bytes.
struct File {
    status: StatusCode,
    content_type: String,
    disposition: String,
    bytes: Vec<u8>,
}

async fn fetch(w: &World, req: Request<Body>) -> File {
    let res = w.router.clone().oneshot(req).await.unwrap();
    let header_of = |name| {
        res.headers()
            .get(name)
            .map(|v: &axum::http::HeaderValue| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let (content_type, disposition) = (
        header_of(header::CONTENT_TYPE),
        header_of(header::CONTENT_DISPOSITION),
    );
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    File {
        status,
        content_type,
        disposition,
        bytes,
    }
}

/// Every sheet of a workbook as rows of cell texts.
fn sheets(bytes: &[u8]) -> Vec<(String, Vec<Vec<String>>)> {
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let names = wb.sheet_names().to_vec();
    names
        .into_iter()
        .map(|n| {
            let range = wb.worksheet_range(&n).unwrap();
            let rows = range
                .rows()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect();
            (n, rows)
        })
        .collect()
}

/// Area codes (9 or 12 digits starting with 51) in a sheet's cells.
fn codes(rows: &[Vec<String>]) -> Vec<String> {
    rows.iter()
        .flatten()
        .filter(|c| {
            (c.len() == 9 || c.len() == 12 || c.len() == 6)
                && c.starts_with("51")
                && c.bytes().all(|b| b.is_ascii_digit())
        })
        .cloned()
        .collect()
}

#[tokio::test]
async fn a_township_gets_tables_of_its_township_only() {
    let w = World::new();
    let s = w.login_as(Role::TownshipReviewer).await;
    let page = w.send(s.get("/reports?year=2020")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page
        .body
        .contains(r#"<form method="post" action="/reports/tables""#));
    assert!(page
        .body
        .contains(r#"<input type="hidden" name="year" value="2020">"#));
    assert!(page
        .body
        .contains(&format!(r#"name="_csrf" value="{}""#, s.csrf)));

    let f = fetch(&w, s.post_form("/reports/tables", "year=2020")).await;
    assert_eq!(
        f.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&f.bytes)
    );
    assert_eq!(
        f.content_type,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert!(
        f.disposition.starts_with("attachment; filename=\""),
        "{}",
        f.disposition
    );
    assert!(
        f.disposition
            .contains("filename*=UTF-8''%E4%B8%9C%E5%9F%8E%E8%A1%97%E9%81%93511902001_2020"),
        "东城街道 in UTF-8: {}",
        f.disposition
    );
    let book = sheets(&f.bytes);
    let names: Vec<&str> = book.iter().map(|(n, _)| n.as_str()).collect();
    assert!(
        names.contains(&"乡镇级") && names.contains(&"村级"),
        "{names:?}"
    );
    let all: Vec<String> = book.iter().flat_map(|(_, r)| codes(r)).collect();
    assert!(all.contains(&"511902001".to_owned()), "{all:?}");
    assert!(all.contains(&VILLAGE_IN.to_owned()), "{all:?}");
    for c in &all {
        assert!(c.starts_with("511902001"), "outside the township: {c}");
    }

    // The county sees both townships side by side.
    let c = w.login_as(Role::CountyApprover).await;
    let f = fetch(&w, c.post_form("/reports/tables", "year=2020")).await;
    assert_eq!(f.status, StatusCode::OK);
    let all: Vec<String> = sheets(&f.bytes)
        .iter()
        .flat_map(|(_, r)| codes(r))
        .collect();
    assert!(all.contains(&"511902001".to_owned()), "{all:?}");
    assert!(all.contains(&"511902002".to_owned()), "{all:?}");
    assert!(!all.iter().any(|c| c.starts_with("511903")), "{all:?}");
}

#[tokio::test]
async fn the_annual_review_comes_as_html_or_markdown() {
    let w = World::new();
    let s = w.login_as(Role::Analyst).await;
    let f = fetch(&w, s.post_form("/reports/annual", "year=2020&format=html")).await;
    assert_eq!(
        f.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&f.bytes)
    );
    assert_eq!(f.content_type, "text/html; charset=utf-8");
    let html = String::from_utf8(f.bytes).unwrap();
    assert!(html.contains("巴州区"), "{html}");
    assert!(f.disposition.contains(".html"));
    let f = fetch(&w, s.post_form("/reports/annual", "year=2020&format=md")).await;
    assert_eq!(f.status, StatusCode::OK);
    assert_eq!(f.content_type, "text/markdown; charset=utf-8");
    assert!(String::from_utf8(f.bytes).unwrap().starts_with('#'));
    let f = fetch(&w, s.post_form("/reports/annual", "year=2020&format=docx")).await;
    assert_eq!(f.status, StatusCode::BAD_REQUEST);
    let f = fetch(&w, s.post_form("/reports/tables", "year=2009")).await;
    assert_eq!(f.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn household_exports_are_masked_for_analysts_scoped_and_audited() {
    let w = World::new();
    let full_id = rid("51190219700101001").as_str().to_owned();
    let masked = rid("51190219700101001").masked();

    let a = w.login_as(Role::Analyst).await;
    let before = w.audit_count(&username(Role::Analyst), "export.households");
    let f = fetch(&w, a.post_form("/reports/export", "format=csv&year=2020")).await;
    assert_eq!(
        f.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&f.bytes)
    );
    assert_eq!(f.content_type, "text/csv; charset=utf-8");
    assert!(f.disposition.contains(".csv"));
    let csv = String::from_utf8(f.bytes).unwrap();
    assert!(!csv.contains(&full_id), "analysts never get full IDs");
    assert!(csv.contains(&masked));
    assert!(!csv.contains("13812345678"), "phones masked");
    assert!(
        csv.contains("李四"),
        "the county's other township is in the analyst's county"
    );
    assert!(!csv.contains("张五"), "not the next county");
    assert_eq!(
        w.audit_count(&username(Role::Analyst), "export.households"),
        before + 1
    );

    // A township reviewer decides cases: full identity data, its township only, as XLSX.
    let t = w.login_as(Role::TownshipReviewer).await;
    let f = fetch(&w, t.post_form("/reports/export", "format=xlsx&year=2020")).await;
    assert_eq!(f.status, StatusCode::OK);
    let book = sheets(&f.bytes);
    let cells: Vec<&String> = book.iter().flat_map(|(_, r)| r.iter().flatten()).collect();
    assert!(
        cells.iter().any(|c| **c == full_id),
        "full ID for the reviewer"
    );
    assert!(cells.iter().any(|c| c.as_str() == "张三"));
    assert!(
        !cells.iter().any(|c| c.as_str() == "李四"),
        "not the other township"
    );
    assert_eq!(
        w.audit_count(&username(Role::TownshipReviewer), "export.households"),
        1
    );
    let entry = w
        .db(|s| {
            s.audit_entries(&jingzhun_store::AuditFilter {
                actor: Some(username(Role::TownshipReviewer)),
                ..Default::default()
            })
        })
        .unwrap()
        .into_iter()
        .find(|e| e.action == "export.households")
        .unwrap();
    assert!(
        !entry.detail.contains(&full_id),
        "no personal data in the audit detail"
    );
    assert!(
        entry.detail.contains("\"masked\":false"),
        "{}",
        entry.detail
    );
}

/// Heavy work is never started by a GET (issue 12, security review): the downloads are POSTs with the
/// session's CSRF token, so a link, a prefetch or another site's `<img src>` starts no build, no export and
/// writes no audit entry; without the token a POST is refused as well.
#[tokio::test]
async fn heavy_work_is_never_started_by_a_get() {
    let w = World::new();
    let a = w.login_as(Role::Analyst).await;
    let before = w.audit_count(&username(Role::Analyst), "export.households");
    for uri in [
        "/reports/tables?year=2020",
        "/reports/annual?year=2020&format=html",
        "/reports/export?format=csv&year=2020",
        "/reports/export?format=xlsx&year=2020",
    ] {
        let f = fetch(&w, a.get(uri)).await;
        assert_eq!(f.status, StatusCode::METHOD_NOT_ALLOWED, "{uri}");
        assert!(f.disposition.is_empty(), "{uri}: nothing downloaded");
        // The same POST without the session's token is refused before it starts anything.
        let path = uri.split('?').next().unwrap();
        let query = uri.split('?').nth(1).unwrap();
        let forged = Request::post(path)
            .header(header::COOKIE, &a.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(query.to_owned()))
            .unwrap();
        let f = fetch(&w, forged).await;
        assert_eq!(f.status, StatusCode::FORBIDDEN, "{uri}");
    }
    assert_eq!(
        w.audit_count(&username(Role::Analyst), "export.households"),
        before,
        "no export ran"
    );
    assert_eq!(w.state.heavy().running(), 0);
    // The page offers the downloads as forms only: no link starts one.
    let page = w.send(a.get("/reports?year=2020")).await;
    assert!(!page.body.contains("href=\"/reports/"), "{}", page.body);
    // With the token, the POST runs.
    let f = fetch(&w, a.post_form("/reports/export", "format=csv&year=2020")).await;
    assert_eq!(f.status, StatusCode::OK);
    assert_eq!(
        w.audit_count(&username(Role::Analyst), "export.households"),
        before + 1
    );
}

/// Regression (issue 12, security review): the analyst's masked web export left out 健康状况 but still
/// carried 致贫原因 (因病, 因残), 在校生状况 and 劳动技能, which tell illness and disability as well.
#[tokio::test]
async fn a_masked_web_export_drops_health_and_disability_columns() {
    let w = World::new();
    for (role, masked) in [(Role::Analyst, true), (Role::TownshipReviewer, false)] {
        let s = w.login_as(role).await;
        let f = fetch(&w, s.post_form("/reports/export", "format=csv&year=2020")).await;
        assert_eq!(f.status, StatusCode::OK);
        let csv = String::from_utf8(f.bytes).unwrap();
        for header in [
            "健康状况",
            "主要致贫原因",
            "其他致贫原因",
            "在校生状况",
            "劳动技能",
        ] {
            assert_eq!(csv.contains(header), !masked, "{role:?}: {header}");
        }
        assert!(csv.contains("户编号") && csv.contains("姓名"));
    }
    let page = w
        .send(w.login_as(Role::Analyst).await.get("/reports?year=2020"))
        .await;
    assert!(page.body.contains("不含健康状况"), "{}", page.body);
}
