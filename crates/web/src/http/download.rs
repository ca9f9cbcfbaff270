//! Files sent to the browser: a [`Download`] becomes a response with its type, an attachment disposition
//! that keeps Chinese file names, and `no-store`.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::http::error::AppError;

/// A file to download.
#[derive(Debug, Clone)]
pub struct Download {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    /// The file name offered (UTF-8; the handler adds the RFC 5987 form).
    pub filename: String,
}

/// `Content-Disposition: attachment` with an ASCII fallback name and the UTF-8 name in RFC 5987
/// `filename*` form.
pub fn content_disposition(filename: &str) -> String {
    let fallback: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut encoded = String::new();
    for b in filename.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b'~') {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

pub fn download(d: Download) -> Result<Response, AppError> {
    let mut res = d.bytes.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(d.content_type),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&content_disposition(&d.filename)).map_err(|_| AppError::Internal)?,
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_carries_the_utf8_name() {
        assert_eq!(
            content_disposition("巴州区_2024年.xlsx"),
            "attachment; filename=\"____2024_.xlsx\"; filename*=UTF-8''%E5%B7%B4%E5%B7%9E%E5%8C%BA_2024%E5%B9%B4.xlsx"
        );
        assert!(
            content_disposition("a\"b\r\n.csv").starts_with("attachment; filename=\"a_b__.csv\"")
        );
    }
}
