//! The what-if page.

use askama::Template;

use crate::http::page::Chrome;

#[derive(Template)]
#[template(path = "whatif/page.html")]
pub struct WhatIfPage {
    pub chrome: Chrome,
    pub form: crate::features::whatif::service::WhatIfForm,
    pub result: Option<crate::features::whatif::service::WhatIfResult>,
    /// Why no result is shown (busy, nothing changed, no parameters for the year).
    pub refused: Option<String>,
    /// What drill-down and paging post again (the year and the changed parameters), beside the area and
    /// page they change.
    pub carry: Vec<(String, String)>,
}
