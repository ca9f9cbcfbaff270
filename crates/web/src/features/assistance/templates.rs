//! The assistance form page.

use askama::Template;

use crate::http::page::Chrome;

/// A form of the household's assistance (measure, end of a measure, visit, cadre pairing).
#[derive(Template)]
#[template(path = "assistance/form.html")]
pub struct MonitoringFormPage {
    pub chrome: Chrome,
    pub f: crate::features::assistance::service::FormView,
}
