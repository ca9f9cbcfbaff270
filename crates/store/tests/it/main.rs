//! The store test suite: one binary, every test on SQLite and (when configured) on PostgreSQL.

// Test helpers panic on failure by design.
#![allow(clippy::unwrap_used)]

mod support;

mod accounts;
mod areas;
mod attachments;
mod audit;
mod bulk;
mod changes;
mod department;
mod economy;
mod evaluation;
mod households;
mod import;
mod migrations;
mod monitoring;
mod monitoring_import;
mod national;
mod notices;
mod pool;
mod projects;
mod snapshots;
mod survey;
mod synth_monitoring;
