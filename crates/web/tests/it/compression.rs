//! Responses are compressed where it is safe: scripts, style sheets and JSON in gzip or brotli as the browser
//! accepts; HTML pages never (they carry the CSRF token beside request-chosen text: the BREACH side channel).

use std::io::Read;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support::World;

async fn fetch(w: &World, req: Request<Body>) -> (StatusCode, Option<String>, Vec<u8>) {
    let res = w.router.clone().oneshot(req).await.unwrap();
    let encoding = res
        .headers()
        .get(header::CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap().to_owned());
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    (status, encoding, bytes)
}

#[tokio::test]
async fn echarts_is_sent_gzipped_to_a_phone_that_accepts_gzip() {
    let w = World::new();
    let plain = fetch(
        &w,
        Request::get("/assets/echarts.min.js")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(plain.0, StatusCode::OK);
    assert_eq!(plain.1, None, "no Accept-Encoding: sent as it is");
    let (status, encoding, gz) = fetch(
        &w,
        Request::get("/assets/echarts.min.js")
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding.as_deref(), Some("gzip"));
    assert!(
        gz.len() * 2 < plain.2.len(),
        "{} bytes gzipped of {}",
        gz.len(),
        plain.2.len()
    );
    let mut unzipped = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut unzipped)
        .unwrap();
    assert_eq!(unzipped, plain.2);

    let (_, encoding, br) = fetch(
        &w,
        Request::get("/assets/style.css")
            .header(header::ACCEPT_ENCODING, "br, gzip")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(encoding.as_deref(), Some("br"));
    assert!(!br.is_empty());
}

#[tokio::test]
async fn html_pages_are_never_compressed_breach() {
    let w = World::new();
    let (status, encoding, body) = fetch(
        &w,
        Request::get("/login")
            .header(header::ACCEPT_ENCODING, "gzip, br")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding, None);
    assert!(String::from_utf8(body).unwrap().contains("<html"));
}

#[tokio::test]
async fn echarts_is_sent_in_brotli_and_cached_under_an_address_that_changes_with_it() {
    let w = World::new();
    let (status, encoding, br) = fetch(
        &w,
        Request::get("/assets/echarts.min.js?v=x")
            .header(header::ACCEPT_ENCODING, "gzip, deflate, br")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(encoding.as_deref(), Some("br"));
    let mut plain = Vec::new();
    brotli::BrotliDecompress(&mut &br[..], &mut plain).unwrap();
    assert!(plain.len() > 1_000_000, "{}", plain.len());
    assert!(
        br.len() * 3 < plain.len(),
        "{} bytes of {}",
        br.len(),
        plain.len()
    );
    let res = w
        .send(
            Request::get("/assets/echarts.min.js")
                .header(header::ACCEPT_ENCODING, "br")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(
        res.cache_control.contains("immutable"),
        "{}",
        res.cache_control
    );
    // Pages link it with a tag of its content, so the year-long cache never keeps an old version.
    let page = w
        .send(
            w.login_as(jingzhun_web::Role::CountyApprover)
                .await
                .get("/"),
        )
        .await;
    assert!(
        page.body
            .contains(&jingzhun_web::assets::url("echarts.min.js")),
        "{}",
        page.body
    );
    assert!(page.body.contains("/assets/echarts.min.js?v="));
}
