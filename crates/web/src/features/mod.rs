//! Features built as folders of their own (handlers, service, templates under `templates/<feature>/`) on
//! the shared HTTP infrastructure (auth, sessions, CSRF, errors, `access::allows`, `Scope`).
//!
//! * [`live`]: the evaluated registry held by the server and kept current through the change feed.
//! * [`attachments`]: files kept with a household or a case (授权承诺书, visit and notice photos).
//! * [`warnings`]: the warning lists (预警清单) read from it.
//! * [`survey`]: the yearly income survey grid, member changes and the import template.
//! * [`monitoring`]: the monitoring workflow as cadres run it — inboxes, village reviews with one notice,
//!   objections, batches, the decision notice and the household card.
//! * [`action`]: the dashboard for action (rates, child areas sortable by them, what waits).
//! * [`exports`]: the XLSX export of every list (one service: masked, audited, limited, streamed).
//! * [`monitoring_import`]: importing a county's existing monitoring records (preview, then confirm).

pub mod action;
pub mod attachments;
pub mod economy;
pub mod exports;
pub mod live;
pub mod monitoring;
pub mod monitoring_import;
pub mod projects;
/// The security helpers moved to [`crate::http::security`]; this path stays for the tests that name it.
pub use crate::http::security;
pub mod survey;
pub mod warnings;
