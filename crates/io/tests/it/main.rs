//! Integration tests of jingzhun-io: one binary, one module per area.

#![allow(clippy::unwrap_used)]

mod common;
mod export;
mod fixtures;
mod hostile;
mod households;
mod monitoring;
mod template;
