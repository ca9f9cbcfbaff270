//! Households: search (`/households`, `/api/v1/households`), the household page with its proposals
//! (`?year=`, `?as_of=`), and the household edit (form and JSON) with field-level validation and the
//! both-versions conflict view. Personal data is masked in lists and shown in full, audited, only to roles
//! that may see it.
//!
//! * [`service`]: search (the in-memory index first, the store otherwise) and the household view.
//! * [`edit`]: the edit form — parsing with core's types, the version check and the conflict view.
//! * [`handlers`] (pages), [`api`] (JSON reads), [`edit_api`] (the edit as JSON).
//! * [`lead`]: the household's lead form, which opens a case of the monitoring workflow.
//! * [`templates`]: the search, household, lead and edit pages.

pub mod api;
pub mod edit;
pub mod edit_api;
pub mod handlers;
pub mod lead;
pub mod service;
pub mod templates;
