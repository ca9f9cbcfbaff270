//! Static files compiled into the binary (no CDN, no internet needed): the stylesheet, the chart script,
//! the phone helpers and ECharts itself. Served with a long cache lifetime; pages link them through [`url`],
//! whose `?v=` tag changes with the content, so a browser never keeps an old version of a changed file.

use axum::extract::Path;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::http::error::AppError;

/// `(name, content type, bytes)`.
const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "style.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/style.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/app.js"),
    ),
    (
        "survey.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/survey.js"),
    ),
    (
        "nav.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/nav.js"),
    ),
    (
        "phone.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/phone.js"),
    ),
    (
        "echarts.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/echarts.min.js"),
    ),
];

/// Every asset compressed once, in gzip (level 9) and brotli (quality 11 in release builds), in the order
/// of [`ASSETS`]: ECharts (1.1 MB) is not compressed again for every phone that loads the dashboard.
struct Encoded {
    gzip: Vec<u8>,
    br: Vec<u8>,
}

static ENCODED: std::sync::OnceLock<Vec<Encoded>> = std::sync::OnceLock::new();

/// Brotli's best quality takes seconds on ECharts in an unoptimised build: tests use a faster one.
const BROTLI_QUALITY: i32 = if cfg!(debug_assertions) { 5 } else { 11 };

fn encode_all() -> Vec<Encoded> {
    use std::io::Write;
    ASSETS
        .iter()
        .map(|(_, _, bytes)| {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            // Writing into memory cannot fail.
            let gzip = gz
                .write_all(bytes)
                .and_then(|()| gz.finish())
                .unwrap_or_default();
            let mut br = Vec::new();
            let params = brotli::enc::BrotliEncoderParams {
                quality: BROTLI_QUALITY,
                lgwin: 22,
                ..Default::default()
            };
            if brotli::BrotliCompress(&mut &bytes[..], &mut br, &params).is_err() {
                br.clear();
            }
            Encoded { gzip, br }
        })
        .collect()
}

/// Compresses the assets on a thread of its own (once per process); until it is done they are
/// compressed per request by the router's compression layer.
pub fn warm() {
    static STARTED: std::sync::Once = std::sync::Once::new();
    STARTED.call_once(|| {
        std::thread::spawn(|| {
            ENCODED.get_or_init(encode_all);
        });
    });
}

/// The encoding to send: brotli when accepted, else gzip when accepted (`q=0` refuses one).
fn accepted(headers: &HeaderMap) -> Option<&'static str> {
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let takes = |name: &str| {
        accept.split(',').any(|item| {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            coding.eq_ignore_ascii_case(name) && !refused
        })
    };
    if takes("br") {
        Some("br")
    } else if takes("gzip") {
        Some("gzip")
    } else {
        None
    }
}

/// Adds `Cache-Control` to a response.
pub fn cache_forever(res: &mut Response) {
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
}

/// `GET /assets/{file}`: compressed ahead of time when the browser accepts it and the compressed copies
/// are ready.
pub async fn asset(Path(file): Path<String>, headers: HeaderMap) -> Result<Response, AppError> {
    let index = ASSETS
        .iter()
        .position(|(name, _, _)| *name == file)
        .ok_or(AppError::NotFound)?;
    let (_, mime, bytes) = ASSETS[index];
    let ready = ENCODED.get().map(|e| &e[index]);
    let (body, encoding): (&'static [u8], Option<&'static str>) = match (ready, accepted(&headers))
    {
        (Some(e), Some("br")) if !e.br.is_empty() => (&e.br, Some("br")),
        (Some(e), Some(_)) if !e.gzip.is_empty() => (&e.gzip, Some("gzip")),
        _ => (bytes, None),
    };
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(e) = encoding {
        // The compression layer leaves a response that already has an encoding alone.
        h.insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
    }
    cache_forever(&mut res);
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
    use super::*;

    #[test]
    fn the_best_accepted_encoding_is_chosen() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(header::ACCEPT_ENCODING, HeaderValue::from_str(v).unwrap());
            m
        };
        assert_eq!(accepted(&h("gzip, deflate, br")), Some("br"));
        assert_eq!(accepted(&h("gzip")), Some("gzip"));
        assert_eq!(accepted(&h("br;q=0, gzip;q=0.8")), Some("gzip"));
        assert_eq!(accepted(&h("identity")), None);
        assert_eq!(accepted(&HeaderMap::new()), None);
    }

    #[test]
    fn precompressed_assets_decompress_to_the_originals() {
        use std::io::Read;
        let all = encode_all();
        for ((name, _, bytes), e) in ASSETS.iter().zip(&all) {
            let mut gz = Vec::new();
            flate2::read::GzDecoder::new(&e.gzip[..])
                .read_to_end(&mut gz)
                .unwrap();
            assert_eq!(&gz[..], *bytes, "{name}");
            let mut br = Vec::new();
            brotli::BrotliDecompress(&mut &e.br[..], &mut br).unwrap();
            assert_eq!(&br[..], *bytes, "{name}");
        }
    }

    #[test]
    fn asset_addresses_carry_a_content_tag() {
        let u = super::url("style.css");
        assert!(u.starts_with("/assets/style.css?v="), "{u}");
        assert_eq!(u, super::url("style.css"), "stable");
        assert_ne!(u, super::url("app.js").replace("app.js", "style.css"));
    }
}
