//! The lead and case pages.

use askama::Template;

use crate::features::monitoring::cases::{CaseView, Refused};
use crate::http::page::Chrome;

#[derive(Template)]
#[template(path = "lead.html")]
pub struct LeadPage {
    pub chrome: Chrome,
    pub household_id: i64,
    pub household_number: String,
    pub channels: &'static [jingzhun_core::Channel],
    pub kinds: &'static [jingzhun_core::MonitoringKind],
    pub risks: &'static [jingzhun_core::RiskType],
    /// Why the lead was not recorded (409), e.g. the household's open case.
    pub refused: Option<Refused>,
    /// What the form is filled with (from a warning list's row).
    pub prefill: crate::features::warnings::service::LeadPrefill,
}

#[derive(Template)]
#[template(path = "case.html")]
pub struct CasePage {
    pub chrome: Chrome,
    pub c: CaseView,
    /// Why the submitted step was not recorded (409); the page shows the case as it now stands.
    pub refused: Option<Refused>,
}
