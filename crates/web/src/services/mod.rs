//! The logic behind the handlers: they parse, call one service function with the caller's [`Scope`], and
//! render. Services are synchronous (they run on the blocking pool via `AppState::run`) and return view
//! models that both the HTML pages and the JSON API serialise.

pub mod areas;
pub mod cases;
pub mod dashboard;
pub mod edit;
pub mod evaluation;
pub mod households;
pub mod import;
pub mod monitoring;
pub mod policy;
pub mod reports;
pub mod whatif;

pub use crate::http::auth::admit;
