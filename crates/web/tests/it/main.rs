//! Integration tests of the web application, in-process (`tower::ServiceExt::oneshot`) against the real
//! router and a real SQLite store in a temporary directory.

#![allow(clippy::unwrap_used)]

mod access;
mod api_edit;
mod browser;
mod compression;
mod edit;
mod flows;
mod import;
mod leads;
mod monitoring;
mod openapi;
mod proposals;
mod reports;
mod sessions;
mod support;
mod whatif;
mod words;
mod workflow;
