//! The crate's integration tests, in one binary (one link, shared lazily generated data).

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../common/mod.rs"]
mod common;

mod department;
mod economy;
mod engine_calibration;
mod generate;
mod monitoring;
mod projects;
