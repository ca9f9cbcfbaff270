//! Features built as folders of their own (handlers, service, templates under `templates/<feature>/`) on
//! the shared HTTP infrastructure (auth, sessions, CSRF, errors, `access::allows`, `Scope`).
//!
//! * [`live`]: the evaluated registry held by the server and kept current through the change feed.
//! * [`attachments`]: files kept with a household or a case (授权承诺书, visit and notice photos).
//! * [`warnings`]: the warning lists (预警清单) read from it.

pub mod attachments;
pub mod economy;
pub mod live;
pub mod projects;
pub mod security;
pub mod warnings;
