//! The sign-in, password and accounts pages.

use askama::Template;

use crate::data::Account;
use crate::http::page::Chrome;

#[derive(Template)]
#[template(path = "accounts/login.html")]
pub struct LoginPage {
    pub chrome: Chrome,
    pub pre_csrf: String,
    pub next: String,
    pub username: String,
    pub failed: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "accounts/password.html")]
pub struct PasswordPage {
    pub chrome: Chrome,
    pub forced: bool,
    pub problem: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "accounts/list.html")]
pub struct AccountsPage {
    pub chrome: Chrome,
    pub accounts: Vec<Account>,
    pub roles: &'static [crate::access::Role],
    pub area: String,
    pub problem: Option<String>,
    /// Set right after creating an account: its user name and initial password, shown once.
    pub created: Option<(String, String)>,
}
