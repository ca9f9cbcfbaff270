//! Small parsers of what a request carries: path parameters (a malformed one is simply not found), `?year=`
//! and `?as_of=`, the request's own path, the local path to go back to, and the client's address.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use chrono::{Datelike, NaiveDate};
use jingzhun_core::{AreaCode, HouseholdId};
use serde::Deserialize;

use crate::http::error::AppError;

/// The client's address, when the server was started with connection info (absent in in-process tests).
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// Parses an area code from a path; an invalid code is simply not found.
pub fn area_param(code: &str) -> Result<AreaCode, AppError> {
    AreaCode::parse(code).map_err(|_| AppError::NotFound)
}

/// Parses a household id from a path.
pub fn household_param(id: &str) -> Result<HouseholdId, AppError> {
    id.parse::<i64>()
        .map(HouseholdId)
        .map_err(|_| AppError::NotFound)
}

/// The request's path and query (for the language switch and sign-in to come back to).
pub fn here(uri: &OriginalUri) -> String {
    uri.0
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned())
}

/// A local path to return to after sign-in or a language switch; anything else becomes `/`.
///
/// Browsers drop tabs and line breaks inside a URL and read `\\` as `/`, so `/\t/evil.example` or
/// `/\\evil.example` would leave the site: every control character, every whitespace and every backslash is
/// refused, as is anything that does not start with a single `/`.
pub fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.chars().any(|c| {
            c.is_whitespace()
                || c == '\\'
                || jingzhun_core::text::is_forbidden(c)
                || is_zero_width(c)
        });
    if ok {
        next
    } else {
        "/"
    }
}

/// Zero-width characters, which a browser may drop from a URL.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}')
}

/// `?year=` of the household page: the year the rules evaluate (default: the latest complete year), and
/// `?as_of=YYYY-MM-DD`: the date they evaluate on (default: the year's end, or today while it runs; its
/// year is the default year).
#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub as_of: String,
}

impl YearQuery {
    /// The year, if given; anything but a plausible year is a bad request.
    pub fn year(&self) -> Result<Option<u16>, AppError> {
        let t = self.year.trim();
        if t.is_empty() {
            return Ok(None);
        }
        match t.parse::<u16>() {
            Ok(y) if (2000..=2100).contains(&y) => Ok(Some(y)),
            _ => Err(AppError::BadRequest),
        }
    }

    /// The evaluation date, if given; anything but a date from 2000 to 2100 is a bad request.
    pub fn as_of(&self) -> Result<Option<NaiveDate>, AppError> {
        let t = self.as_of.trim();
        if t.is_empty() {
            return Ok(None);
        }
        match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            Ok(d) if (2000..=2100).contains(&d.year()) => Ok(Some(d)),
            _ => Err(AppError::BadRequest),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next("/households?q=1"), "/households?q=1");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
    }

    #[test]
    fn back_and_next_refuse_control_characters_whitespace_and_non_local_paths() {
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/\u{0}/evil.example",
            "/\u{7f}x",
            "/\u{3000}/evil.example",
            "/\u{202E}x",
            "/a\\b",
            "\\\\evil.example",
            " /x",
            "javascript:alert(1)",
            "http:/x",
            "",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
        assert_eq!(
            safe_next("/households/12?year=2020"),
            "/households/12?year=2020"
        );
    }
}
