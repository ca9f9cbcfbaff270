//! Integration tests of the web application, in-process (`tower::ServiceExt::oneshot`) against the real
//! router and a real store: compiled twice, as `it` on SQLite files and as `it_pg` on PostgreSQL schemas
//! (see `support`).

#![allow(clippy::unwrap_used)]

mod access;
mod api_edit;
mod browser;
mod compression;
mod deployment;
mod economy;
mod edit;
mod flows;
mod import;
mod leads;
mod monitoring;
mod monitoring_import;
mod openapi;
mod projects;
mod proposals;
mod reports;
mod security;
mod sessions;
mod support;
mod survey;
mod warnings;
mod whatif;
mod words;
mod workflow;
