//! The HTML pages: askama templates (in `templates/`, autoescaped because they end in `.html`) and the
//! structs that feed them. Every page extends `base.html`, which takes a [`Chrome`]: language, the signed-in
//! account, the CSRF token for forms, and the navigation the account's role may use.

use askama::Template;

use crate::data::Account;
use crate::services::cases::{CaseView, Refused};
use crate::services::dashboard::Dashboard;
use crate::services::households::{HouseholdView, SearchResult};

pub use crate::http::page::{render, Chrome, NavUser};

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub pre_csrf: String,
    pub next: String,
    pub username: String,
    pub failed: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub chrome: Chrome,
    pub forced: bool,
    pub problem: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub chrome: Chrome,
    pub d: Dashboard,
    /// The trend data as JSON for the charts (serialised by serde_json, then escaped by askama).
    pub trend_json: String,
    /// What waits in the caller's area (home page only; see `features::warnings`).
    pub waiting: Option<crate::features::warnings::service::Waiting>,
    /// The dashboard for action, once the live registry is loaded (see `features::action`).
    pub action: Option<crate::features::action::service::ActionBoard>,
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub chrome: Chrome,
    pub r: SearchResult,
}

#[derive(Template)]
#[template(path = "household.html")]
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

/// A form of the household's assistance (measure, end of a measure, visit, cadre pairing).
#[derive(Template)]
#[template(path = "monitoring_form.html")]
pub struct MonitoringFormPage {
    pub chrome: Chrome,
    pub f: crate::services::monitoring::FormView,
}

#[derive(Template)]
#[template(path = "accounts.html")]
pub struct AccountsPage {
    pub chrome: Chrome,
    pub accounts: Vec<Account>,
    pub roles: &'static [crate::access::Role],
    pub area: String,
    pub problem: Option<String>,
    /// Set right after creating an account: its user name and initial password, shown once.
    pub created: Option<(String, String)>,
}

#[derive(Template)]
#[template(path = "edit.html")]
pub struct EditPage {
    pub chrome: Chrome,
    pub f: crate::services::edit::EditForm,
}

#[derive(Template)]
#[template(path = "whatif.html")]
pub struct WhatIfPage {
    pub chrome: Chrome,
    pub form: crate::services::whatif::WhatIfForm,
    pub result: Option<crate::services::whatif::WhatIfResult>,
    /// Why no result is shown (busy, nothing changed, no parameters for the year).
    pub refused: Option<String>,
    /// What drill-down and paging post again (the year and the changed parameters), beside the area and
    /// page they change.
    pub carry: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "policy.html")]
pub struct PolicyPage {
    pub chrome: Chrome,
    pub p: crate::services::policy::PolicyView,
}
