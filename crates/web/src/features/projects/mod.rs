//! The project library (项目库) with its workflow, funds by source and area, assets, work teams and
//! settlements (issue 15), scoped to the account's area.
//!
//! The workflow follows the monitoring workflow's patterns: each step names the step count the form was
//! based on (compare-and-set in the store: a stale step answers 409), the step must be the one due and a
//! project cannot start before its announcement period has ended (409 with the reason), approval and
//! acceptance need [`crate::access::Action::ApproveProject`] (the county only, 403 otherwise), the other
//! steps [`crate::access::Action::RecordProjectStep`], and a project outside the account's area answers 404
//! (audited). The store writes each step's audit entry in its transaction. The JSON API (`api`) answers the
//! same way from the same service.

pub mod api;
pub mod handlers;
pub mod service;
