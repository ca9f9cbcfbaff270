//! Static files compiled into the binary (no CDN, no internet needed): the stylesheet, the chart script and
//! ECharts itself. Served with a long cache lifetime.

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
        "survey.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/survey.js"),
    ),
    (
        "nav.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../assets/nav.js"),
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
