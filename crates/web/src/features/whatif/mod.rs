//! What-if: the engine re-run over the caller's area under changed parameters, one run per account and
//! at most two at once, the loaded engine reused while nothing was written (`/whatif`,
//! `POST /api/v1/whatif`).
//!
//! * [`service`]: the form, the runs and their results; [`handlers`]: the page and the JSON call;
//!   [`templates`]: the page.

pub mod handlers;
pub mod service;
pub mod templates;
