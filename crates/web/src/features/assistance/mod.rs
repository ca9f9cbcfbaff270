//! A household's assistance (帮扶): measures, visits and paired cadres, with their validated forms, pages
//! and API calls.
//!
//! * [`service`]: the household's assistance view and the forms (`FormKind`), written through the store.
//! * [`handlers`]: the form pages and `…/api/v1/households/{id}/monitoring…` calls.
//! * [`templates`]: the form page.

pub mod handlers;
pub mod service;
pub mod templates;
