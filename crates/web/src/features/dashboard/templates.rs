//! The dashboard page.

use askama::Template;

use crate::features::dashboard::service::Dashboard;
use crate::http::page::Chrome;

#[derive(Template)]
#[template(path = "dashboard/page.html")]
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
