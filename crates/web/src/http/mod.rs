//! The HTTP infrastructure every feature stands on, and that knows no feature: who is calling
//! ([`auth`]: the session cookie, the signed-in account, `Can<A>` and [`admit`]), the session cache, cookies,
//! CSRF, the one error type and its rendering ([`error`], [`problem`]), multipart uploads, the heavy-work
//! limiter, the language and its texts ([`i18n`]), the page frame ([`page`]), downloads, static assets,
//! security headers and compression ([`headers`]), the connection-limited server and per-account rates
//! ([`security`]), and the small parsers of request parameters ([`params`]).
//!
//! **Invariant**: nothing under `src/http/` names the features' module (nor any feature, nor the composition
//! root: the state, the route table, the OpenAPI document); it uses only itself and the shared modules
//! `access` (roles, the matrix, `Scope`), `data` (the storage interface) and `search` (the index's limits).
//! The unit test `http_knows_no_feature` below fails otherwise. What the infrastructure needs from the
//! application (the storage interface, the clock, the session cache and its lifetimes) it asks through
//! [`HttpState`], which the composition root's `AppState` implements.

pub mod assets;
pub mod auth;
pub mod cookies;
pub mod csrf;
pub mod download;
pub mod error;
pub mod headers;
pub mod heavy_work;
pub mod i18n;
pub mod page;
pub mod params;
pub mod problem;
pub mod refresh;
pub mod security;
pub mod session_cache;
pub mod upload;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use crate::data::Backend;
use error::AppError;
use session_cache::SessionCache;

pub use auth::admit;

/// What the HTTP infrastructure needs from the application's state: implemented by the composition root
/// (its `AppState`), so that extractors and middleware here are written once for any state.
pub trait HttpState: Clone + Send + Sync + 'static {
    /// The storage interface (sessions and accounts are read through it).
    fn backend(&self) -> &Arc<dyn Backend>;
    /// The time (a parameter, for deterministic tests).
    fn now(&self) -> DateTime<Utc>;
    /// Signed-in sessions looked up recently.
    fn sessions(&self) -> &SessionCache;
    /// How long a session stays open without a request (idle), and at most after sign-in (absolute).
    fn session_lifetimes(&self) -> (Duration, Duration);
    /// Whether cookies carry `Secure`.
    fn secure_cookies(&self) -> bool;
}

/// Runs storage work on the blocking pool (the store is synchronous) and returns its result.
pub async fn run_blocking<T, F>(backend: &Arc<dyn Backend>, f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce(&dyn Backend) -> Result<T, AppError> + Send + 'static,
{
    let backend = Arc::clone(backend);
    tokio::task::spawn_blocking(move || f(backend.as_ref())).await?
}

/// Today in China (UTC+8), the date status is evaluated on.
pub fn today<S: HttpState>(state: &S) -> NaiveDate {
    (state.now() + chrono::Duration::hours(8)).date_naive()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// The modules a file under `src/http/` may not name: every feature, and the composition root.
    fn forbidden() -> Vec<String> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut names = vec![
            "crate::features".to_owned(),
            "super::super::features".to_owned(),
            "crate::state".to_owned(),
            "crate::routes".to_owned(),
            "crate::openapi".to_owned(),
        ];
        // Any feature folder, by its name, wherever it is spelled out.
        if let Ok(dir) = std::fs::read_dir(src.join("features")) {
            for entry in dir.flatten() {
                if entry.path().is_dir() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    names.push(format!("features::{name}"));
                }
            }
        }
        names
    }

    fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The crate modules a file under `src/http/` may use besides itself.
    const SHARED: [&str; 4] = ["http", "access", "data", "search"];

    #[test]
    fn http_knows_no_feature() {
        let http = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("src")
            .join("http");
        let mut files = Vec::new();
        rust_files(&http, &mut files);
        assert!(files.len() > 10, "src/http/ is read: {files:?}");
        let forbidden = forbidden();
        let mut found = Vec::new();
        for file in &files {
            let text = std::fs::read_to_string(file).expect("a file under src/http/ reads");
            for (n, line) in text.lines().enumerate() {
                // This very test names what it forbids.
                if file.ends_with("http/mod.rs") && line.trim_start().starts_with('"') {
                    continue;
                }
                for name in &forbidden {
                    if line.contains(name.as_str()) {
                        found.push(format!("{}:{}: {name}", file.display(), n + 1));
                    }
                }
                // A crate module that is not shared infrastructure.
                for (i, _) in line.match_indices("crate::") {
                    let rest = &line[i + "crate::".len()..];
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect();
                    let module = name.chars().next().is_some_and(|c| c.is_ascii_lowercase());
                    if module && !SHARED.contains(&name.as_str()) {
                        found.push(format!("{}:{}: crate::{name}", file.display(), n + 1));
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "src/http/ knows no feature nor the composition root:\n{}",
            found.join("\n")
        );
    }
}
