//! Static files compiled into the binary (no CDN, no internet needed): the stylesheet, the chart script,
//! the phone helpers and ECharts itself. Served with a long cache lifetime; pages link them through [`url`],
//! whose `?v=` tag changes with the content, so a browser never keeps an old version of a changed file.

use axum::extract::Path;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::error::AppError;

/// `(name, content type, bytes)`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../assets/style.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/app.js"),
    ),
    (
        "phone.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/phone.js"),
    ),
    (
        "echarts.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/echarts.min.js"),
    ),
];

/// `GET /assets/{file}`.
pub async fn asset(Path(file): Path<String>) -> Result<Response, AppError> {
    let (_, mime, bytes) = ASSETS
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or(AppError::NotFound)?;
    let mut res = bytes.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    crate::pages::cache_forever(&mut res);
    Ok(res)
}

/// The address pages link an asset by: `/assets/<name>?v=<tag>`, the tag a hash of its content (the
/// handler ignores the query; a changed file gets a new address, so the year-long cache never serves an old
/// one).
pub fn url(name: &str) -> String {
    static TAGS: std::sync::OnceLock<Vec<(&'static str, String)>> = std::sync::OnceLock::new();
    let tags = TAGS.get_or_init(|| {
        ASSETS
            .iter()
            .map(|(name, _, bytes)| {
                use std::hash::{Hash, Hasher};
                // SipHash with fixed keys: the same content gives the same tag in every process.
                let mut h = std::collections::hash_map::DefaultHasher::new();
                bytes.hash(&mut h);
                (*name, format!("{:012x}", h.finish() & 0xffff_ffff_ffff))
            })
            .collect()
    });
    match tags.iter().find(|(n, _)| *n == name) {
        Some((_, tag)) => format!("/assets/{name}?v={tag}"),
        None => format!("/assets/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn asset_addresses_carry_a_content_tag() {
        let u = super::url("style.css");
        assert!(u.starts_with("/assets/style.css?v="), "{u}");
        assert_eq!(u, super::url("style.css"), "stable");
        assert_ne!(u, super::url("app.js").replace("app.js", "style.css"));
    }
}
