//! Features with their own folder: handlers, service and templates together (see ARCHITECTURE.md).
//!
//! * [`live`]: the evaluated registry held by the server and kept current through the change feed.
//! * [`warnings`]: the warning lists (预警清单) read from it.

pub mod live;
pub mod warnings;
