//! Reading the `Cookie` header and writing `Set-Cookie` values, by hand: the application sets three
//! cookies (session, pre-session CSRF token, language), which does not justify a cookie crate.

use axum::http::{HeaderMap, HeaderValue};

/// The value of cookie `name` from the request's `Cookie` headers.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"').to_owned())
}

/// Attributes of a cookie the application sets.
#[derive(Debug, Clone, Copy)]
pub struct CookieOptions {
    pub http_only: bool,
    pub secure: bool,
    /// `None` for a session cookie (gone when the browser closes).
    pub max_age_secs: Option<i64>,
}

/// A `Set-Cookie` value: `Path=/`, `SameSite=Lax`, and the given attributes. Values are tokens or codes
/// the application made itself (hex, `en`/`zh`), so they need no quoting.
pub fn set(name: &str, value: &str, opts: CookieOptions) -> HeaderValue {
    let mut s = format!("{name}={value}; Path=/; SameSite=Lax");
    if opts.http_only {
        s.push_str("; HttpOnly");
    }
    if opts.secure {
        s.push_str("; Secure");
    }
    if let Some(age) = opts.max_age_secs {
        s.push_str(&format!("; Max-Age={age}"));
    }
    HeaderValue::from_str(&s).unwrap_or_else(|_| HeaderValue::from_static("invalid=; Max-Age=0"))
}

/// A `Set-Cookie` value that removes cookie `name`.
pub fn clear(name: &str, secure: bool) -> HeaderValue {
    set(
        name,
        "",
        CookieOptions {
            http_only: true,
            secure,
            max_age_secs: Some(0),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_one_cookie_among_several() {
        let mut h = HeaderMap::new();
        h.append(
            "cookie",
            HeaderValue::from_static("a=1; jz_session=abc ; lang=en"),
        );
        assert_eq!(get(&h, "jz_session").as_deref(), Some("abc"));
        assert_eq!(get(&h, "lang").as_deref(), Some("en"));
        assert_eq!(get(&h, "x"), None);
    }

    #[test]
    fn session_cookie_is_http_only_and_same_site() {
        let v = set(
            "jz_session",
            "t",
            CookieOptions {
                http_only: true,
                secure: true,
                max_age_secs: Some(60),
            },
        );
        assert_eq!(
            v.to_str().unwrap(),
            "jz_session=t; Path=/; SameSite=Lax; HttpOnly; Secure; Max-Age=60"
        );
    }
}
