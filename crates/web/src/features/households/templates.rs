//! The search, household, lead and edit pages (askama templates in `templates/`, autoescaped).

use askama::Template;

use crate::features::households::service::{HouseholdView, SearchResult};
use crate::http::page::Chrome;

#[derive(Template)]
#[template(path = "households/search.html")]
pub struct SearchPage {
    pub chrome: Chrome,
    pub r: SearchResult,
}

#[derive(Template)]
#[template(path = "households/page.html")]
pub struct HouseholdPage {
    pub chrome: Chrome,
    pub h: HouseholdView,
    pub can_record_lead: bool,
    pub can_edit: bool,
    /// The assistance forms the role may use.
    pub can_record_measure: bool,
    pub can_record_visit: bool,
    pub can_assign_cadre: bool,
    /// The household's links with operators and its members' work (`features::economy`).
    pub economy: crate::features::economy::service::HouseholdEconomy,
    /// The signed consent, visit and notice photos filed with the household (`features::attachments`).
    pub attachments: crate::features::attachments::service::HouseholdAttachments,
}

#[derive(Template)]
#[template(path = "households/edit.html")]
pub struct EditPage {
    pub chrome: Chrome,
    pub f: crate::features::households::edit::EditForm,
}

#[derive(Template)]
#[template(path = "households/lead.html")]
pub struct LeadPage {
    pub chrome: Chrome,
    pub household_id: i64,
    pub household_number: String,
    pub channels: &'static [jingzhun_core::Channel],
    pub kinds: &'static [jingzhun_core::MonitoringKind],
    pub risks: &'static [jingzhun_core::RiskType],
    /// Why the lead was not recorded (409), e.g. the household's open case.
    pub refused: Option<crate::features::monitoring::cases::Refused>,
    /// What the form is filled with (from a warning list's row).
    pub prefill: crate::features::warnings::service::LeadPrefill,
}
