//! The HTML pages: askama templates (in `templates/`, autoescaped because they end in `.html`) and the
//! structs that feed them. Every page extends `base.html`, which takes a [`Chrome`]: language, the signed-in
//! account, the CSRF token for forms, and the navigation the account's role may use.

use askama::Template;
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};

use crate::access::{allows, Action};
use crate::auth::CurrentUser;
use crate::data::Account;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::cases::{CaseView, Refused};
use crate::services::dashboard::Dashboard;
use crate::services::households::{HouseholdView, SearchResult};

/// The frame around every page.
pub struct Chrome {
    pub lang: Lang,
    pub title: String,
    /// The current path and query, for the language switch to come back to.
    pub here: String,
    pub user: Option<NavUser>,
    pub csrf: String,
}

/// The signed-in account as the navigation shows it.
pub struct NavUser {
    pub display_name: String,
    pub role_code: &'static str,
    pub role_label: &'static str,
    pub can_manage_accounts: bool,
    pub can_run_whatif: bool,
    /// Import spreadsheets (`Action::ImportData`).
    pub can_import: bool,
    /// Download reports and exports (`Action::DownloadReports`).
    pub can_download: bool,
    pub must_change_password: bool,
}

impl Chrome {
    pub fn new(lang: Lang, title_key: &str, here: &str, user: Option<&CurrentUser>) -> Self {
        Self {
            lang,
            title: lang.t(title_key).to_owned(),
            here: crate::error::urlencode(here),
            user: user.map(|u| NavUser {
                display_name: u.account.display_name.clone(),
                role_code: u.account.role.code(),
                role_label: u.account.role.label(),
                can_manage_accounts: allows(u.account.role, Action::ManageAccounts),
                can_run_whatif: allows(u.account.role, Action::RunWhatIf),
                can_import: allows(u.account.role, Action::ImportData),
                can_download: allows(u.account.role, Action::DownloadReports),
                must_change_password: u.account.must_change_password,
            }),
            csrf: user.map(|u| u.csrf_token.clone()).unwrap_or_default(),
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    pub fn role(&self, code: &str, zh: &'static str) -> &'static str {
        self.lang.label("role", code, zh)
    }

    /// A policy parameter's name in the page's language (English from `jingzhun_policy::reason`).
    pub fn param(&self, code: &str, zh: &'static str) -> &'static str {
        match (self.lang, jingzhun_policy::ParamKey::from_code(code)) {
            (Lang::En, Some(key)) => jingzhun_policy::reason::param_en(key),
            _ => zh,
        }
    }

    /// A policy parameter's unit in the page's language.
    pub fn unit(&self, code: &str, zh: &'static str) -> &'static str {
        match (self.lang, jingzhun_policy::ParamKey::from_code(code)) {
            (Lang::En, Some(key)) => jingzhun_policy::reason::unit_label_en(key),
            _ => zh,
        }
    }

    /// A coded label in the page's language.
    pub fn label(&self, kind: &str, code: &str, zh: &'static str) -> &'static str {
        self.lang.label(kind, code, zh)
    }
}

/// Renders a template as an HTML response; a template failure is an internal error (logged).
pub fn render<T: Template>(t: &T) -> Result<Response, AppError> {
    match t.render() {
        Ok(html) => {
            let mut res = Html(html).into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(res)
        }
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            Err(AppError::Internal)
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub message: &'static str,
    pub status: u16,
}

/// The body of an error page (rendered by the error middleware, which has no account at hand).
pub fn error_page(lang: Lang, err: AppError) -> String {
    let page = ErrorPage {
        chrome: Chrome::new(lang, "error.title", "/", None),
        message: err.message(lang),
        status: err.status().as_u16(),
    };
    page.render()
        .unwrap_or_else(|_| err.message(lang).to_owned())
}

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
