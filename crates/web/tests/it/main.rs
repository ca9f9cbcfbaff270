//! Integration tests of the web application, in-process (`tower::ServiceExt::oneshot`) against the real
//! router and a real store: compiled twice, as `it` on SQLite files and as `it_pg` on PostgreSQL schemas
//! (see `support`).

#![allow(clippy::unwrap_used)]

mod access;
mod action;
mod api_edit;
mod attachments;
mod browser;
mod compression;
mod deployment;
mod economy;
mod edit;
mod exports;
mod flows;
mod import;
mod leads;
mod monitoring;
mod monitoring_import;
mod monitoring_import_browser;
mod openapi;
mod phone;
mod projects;
mod proposals;
mod reports;
mod reviews;
mod security;
mod sessions;
mod support;
mod survey;
mod warnings;
mod whatif;
mod words;
mod workflow;
