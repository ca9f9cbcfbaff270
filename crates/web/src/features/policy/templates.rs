//! The policy page.

use askama::Template;

use crate::http::page::Chrome;

#[derive(Template)]
#[template(path = "policy/page.html")]
pub struct PolicyPage {
    pub chrome: Chrome,
    pub p: crate::features::policy::service::PolicyView,
}
