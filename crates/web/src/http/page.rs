//! The page frame: every HTML page extends `templates/base.html`, which takes a [`Chrome`] (language, the
//! signed-in account, the CSRF token for forms, and the navigation the account's role may use); [`render`]
//! turns a template into a response; the error page is rendered here for the error middleware.

use askama::Template;
use axum::http::{header, HeaderValue};
use axum::response::{Html, IntoResponse, Response};
use serde::Serialize;

use crate::access::{allows, Action};
use crate::http::auth::CurrentUser;
use crate::http::error::AppError;
use crate::http::i18n::Lang;

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
            here: crate::http::error::urlencode(here),
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

/// A coded value with its Chinese label (pages translate by code when switched to English).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Coded {
    pub code: &'static str,
    pub label: &'static str,
}
