//! The dashboard of an area (`/`, `/areas/{code}`, `/api/v1/dashboard…`): counts, rates and the child
//! areas, cached per area for a short while.
//!
//! * [`service`]: the figures and their cache; [`handlers`] and [`api`]; [`templates`]: the page.

pub mod api;
pub mod handlers;
pub mod service;
pub mod templates;
