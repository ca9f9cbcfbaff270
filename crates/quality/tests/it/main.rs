//! Integration tests of jingzhun-quality: one binary, one module per area.

#![allow(clippy::unwrap_used)]

mod checks;
mod common;
mod department;
mod synth_defects;
