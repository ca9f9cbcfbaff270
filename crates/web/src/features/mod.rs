//! The features, one folder each: its handlers (pages and JSON), its service (the logic, always given a
//! scope), its templates' structs (the `.html` files under `templates/<feature>/`; `base.html` and
//! `error.html`, the frame, at the top), on the HTTP infrastructure (`crate::http`) and the shared modules
//! (`access`, `data`). The route table that names every handler is
//! the composition root's (`crate::routes`). A feature uses another only through its public service
//! functions and view types; see ARCHITECTURE.md for the dependencies between features.
//!
//! * [`accounts`]: sign-in, passwords, the administration of accounts.
//! * [`dashboard`] and [`areas`]: an area's figures and its children.
//! * [`households`]: search, the household page and API, the household edit.
//! * [`evaluation`]: one household's proposals explained on request.
//! * [`assistance`]: a household's measures, visits and paired cadres.
//! * [`monitoring`]: the monitoring workflow — the steps, cases and leads, inboxes, village reviews with one
//!   notice, objections, batches, the decision notice and the household card.
//! * [`policy`]: the parameters in force.
//! * [`whatif`]: the engine re-run under changed parameters.
//! * [`import`]: the spreadsheet import; [`monitoring_import`]: importing a county's monitoring records.
//! * [`reports`]: the XLSX tables, the annual review and the household export.
//! * [`exports`]: the XLSX export of every list (one service: masked, audited, limited, streamed).
//! * [`live`]: the evaluated registry held by the server and kept current through the change feed.
//! * [`warnings`]: the warning lists (预警清单) read from it; [`action`]: the dashboard for action.
//! * [`attachments`]: files kept with a household or a case (授权承诺书, visit and notice photos).
//! * [`survey`]: the yearly income survey grid, member changes and the import template.
//! * [`economy`] and [`projects`]: the rural economy and the project library.

pub mod accounts;
pub mod action;
pub mod areas;
pub mod assistance;
pub mod attachments;
pub mod dashboard;
pub mod economy;
pub mod evaluation;
pub mod exports;
pub mod households;
pub mod import;
pub mod live;
pub mod monitoring;
pub mod monitoring_import;
pub mod policy;
pub mod projects;
pub mod reports;
pub mod survey;
pub mod warnings;
pub mod whatif;

/// The security helpers are infrastructure ([`crate::http::security`]); this path stays for the tests that
/// name it.
pub use crate::http::security;
