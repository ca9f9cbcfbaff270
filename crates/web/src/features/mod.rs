//! Features built as folders of their own (handlers, service, templates under `templates/<feature>/`) on
//! the shared HTTP infrastructure (auth, sessions, CSRF, errors, `access::allows`, `Scope`).
//!
//! * [`live`]: the evaluated registry held by the server and kept current through the change feed.
//! * [`warnings`]: the warning lists (预警清单) read from it.
//! * [`survey`]: the yearly income survey grid, member changes and the import template.

pub mod economy;
pub mod live;
pub mod monitoring_import;
pub mod projects;
pub mod security;
pub mod survey;
pub mod warnings;
