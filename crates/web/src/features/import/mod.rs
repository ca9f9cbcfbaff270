//! The spreadsheet import: upload, validation report, confirmation of the exact previewed file kept
//! server-side by token and SHA-256, committed only on the store basis it was previewed on.
//!
//! * [`service`]: previews and their confirmation; [`handlers`]: `/import`.

pub mod handlers;
pub mod service;
