//! The policy parameters in force for the caller's area and a year, with source, reliability and
//! derivation (`/policy`, `/api/v1/policy`).

pub mod api;
pub mod handlers;
pub mod service;
pub mod templates;
