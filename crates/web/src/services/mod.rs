//! The logic behind the handlers: they parse, call one service function with the caller's [`Scope`], and
//! render. Services are synchronous (they run on the blocking pool via `AppState::run`) and return view
//! models that both the HTML pages and the JSON API serialise.

pub mod areas;
pub mod cases;
pub mod dashboard;
pub mod edit;
pub mod evaluation;
pub mod households;
pub mod import;
pub mod monitoring;
pub mod policy;
pub mod reports;
pub mod whatif;

use jingzhun_core::AreaCode;

use crate::access::Scope;
use crate::auth::CurrentUser;
use crate::data::{AuditNote, Backend};
use crate::error::AppError;

/// Admits `area` if it is inside the caller's scope. Otherwise writes an audit entry (who tried to reach
/// what) and answers [`AppError::NotFound`], so the caller learns nothing about what lies outside.
pub fn admit(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    area: &AreaCode,
    entity: &str,
    entity_id: &str,
) -> Result<(), AppError> {
    if scope.contains(area) {
        return Ok(());
    }
    let note = AuditNote {
        actor: &user.account.username,
        action: "access_outside_area",
        entity,
        entity_id,
        reason: "超出账号所属区域的访问被拒绝",
        detail: serde_json::json!({ "scope": scope.area().as_str() }),
    };
    if let Err(e) = backend.append_audit(&note) {
        tracing::error!(error = %e, "audit append failed");
    }
    tracing::warn!(
        account = %user.account.username,
        entity,
        "access outside the account's area refused"
    );
    Err(AppError::NotFound)
}
