//! The case page.

use askama::Template;

use crate::features::monitoring::cases::{CaseView, Refused};
use crate::http::page::Chrome;

#[derive(Template)]
#[template(path = "monitoring/case.html")]
pub struct CasePage {
    pub chrome: Chrome,
    pub c: CaseView,
    /// Why the submitted step was not recorded (409); the page shows the case as it now stands.
    pub refused: Option<Refused>,
}
