//! Reports: the XLSX tables, the annual review and the masked, audited household export of the
//! account's area, built with `jingzhun-loader` and cached per area and year (`/reports…`).
//!
//! * [`service`]: the builds and their cache; [`handlers`]: the page and the downloads.

pub mod handlers;
pub mod service;
