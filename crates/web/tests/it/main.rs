//! Integration tests of the web application, in-process (`tower::ServiceExt::oneshot`) against the real
//! router and a real SQLite store in a temporary directory.

#![allow(clippy::unwrap_used)]

mod access;
mod browser;
mod edit;
mod flows;
mod monitoring;
mod proposals;
mod support;
mod workflow;
