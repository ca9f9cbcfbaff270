//! Headers every answer gets: security headers, and compression where it is safe.

use axum::http::{header, HeaderValue};
use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};

/// gzip or brotli, as the browser accepts, for scripts, style sheets and JSON. HTML pages stay uncompressed:
/// they carry the session's CSRF token beside text the request chose (a search term, a form's values), which
/// is what a compression side channel (BREACH) needs to recover the token. Spreadsheets, zips and PDFs are
/// compressed already.
pub fn compression() -> tower_http::compression::CompressionLayer<impl Predicate> {
    let predicate = DefaultPredicate::new()
        .and(NotForContentType::const_new("text/html"))
        .and(NotForContentType::const_new("application/vnd."))
        .and(NotForContentType::const_new("application/zip"))
        .and(NotForContentType::const_new("application/pdf"));
    tower_http::compression::CompressionLayer::new()
        .no_deflate()
        .no_zstd()
        .compress_when(predicate)
}

/// `X-Content-Type-Options`, `X-Frame-Options`, `Referrer-Policy` and the content security policy on every
/// answer; `no-store` on JSON that does not say otherwise.
pub async fn security_headers(mut res: axum::response::Response) -> axum::response::Response {
    let h = res.headers_mut();
    // JSON answers hold the account's data (personal data among it): never kept by a browser or a proxy.
    // Pages already say so when rendered; downloads set their own.
    let json = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| {
            t.starts_with("application/json") || t.starts_with("application/problem+json")
        });
    if json && !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        ),
    );
    res
}
