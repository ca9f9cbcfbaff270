//! Accounts (argon2 passwords, sign-in with its rate limits, the forced password change, the administration
//! of an area's accounts) and the pages and API that use them. The session itself (cookie, lookup, cache)
//! is the HTTP infrastructure's (`crate::http::auth`); this feature creates and ends sessions.
//!
//! * [`service`]: passwords, sign-in, account creation and administration, the sign-in limiter.
//! * [`handlers`]: `/login`, `/logout`, `/password`, `/admin/accounts…`; [`api`]: `GET /api/v1/me`.
//! * [`templates`]: the sign-in, password and accounts pages.

pub mod api;
pub mod handlers;
pub mod service;
pub mod templates;
