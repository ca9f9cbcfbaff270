//! Excel export on every list (§4 of issue 13): search results, monitoring cases, households under
//! monitoring, assistance measures, visits, assisting cadres, what-if flips and warning lists, each as
//! one XLSX built by **one** service ([`service`]) on `jingzhun_io::XlsxTableWriter`.
//!
//! * **POST only**, with the session's CSRF token: an export is never started by a link, an image or a
//!   prefetch.
//! * **Heavy work**: each takes a place of the limiter (`heavy_work`, kind `export`) while its file is
//!   built; a second one of the same account, or one too many in the process, answers 429.
//! * **Masked** as the role requires ([`service::Personal`]): without `ViewPersonalData` resident IDs and
//!   phones are masked and the health columns (health, disability, visit findings, per-household risk
//!   types) are left out.
//! * **Audited**: who, which list and area, the filters (never a resident ID typed into a search), how
//!   many rows, masked or not (`export.<list>`).
//! * **Streamed**: rows go into the XLSX in constant memory (a temporary file per sheet), the zip is
//!   assembled into a temporary file that is unlinked at once, and the response reads it in 64 KiB chunks
//!   (`BENCHMARKS.md`, "List exports", for the peak memory of a 100,000-row export).
//!
//! Routes: `GET /exports`, `POST /exports/{search,cases,monitored,measures,visits,cadres,whatif}`, and
//! `POST /warnings/export` (the warnings feature calls [`lists::warnings`]).
//!
//! For the inboxes: [`lists::case_lines`] writes any filtered, sorted set of inbox lines as the cases
//! list.

pub mod handlers;
pub mod lists;
pub mod service;
