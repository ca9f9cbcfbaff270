//! An area and its children as the caller may see them (`GET /api/v1/areas/{code}`); the dashboard uses
//! the same view.

pub mod api;
pub mod service;
