//! The security review's findings (issue 12 §4) that need shared machinery of their own:
//!
//! * [`AccountRate`]: a fixed-window counter per account (household searches; guessing the tail of a
//!   masked resident ID one search at a time must be slow);
//! * [`audit_personal_view`]: every view of unmasked resident IDs or phone numbers (page, API, edit form)
//!   is audited, as PIPL requires for sensitive personal information;
//! * [`is_resident_id_query`]: which searches are searches by resident ID (audited, for the roles allowed);
//! * [`server`]: the HTTP server with a connection cap, a header-read timeout and an idle timeout.
//!
//! The rest of the findings live where the code they harden is: the search index (`search.rs`), sign-in
//! (the accounts feature), sessions (`http::auth`), redirects (`http::params::safe_next`), and the services.

pub mod server;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::data::{AuditNote, Backend};
use crate::http::auth::CurrentUser;

/// The window of [`AccountRate`].
pub const RATE_WINDOW: Duration = Duration::from_secs(60);

/// Requests per account in fixed one-minute windows, in memory (per process, like the sign-in limiter).
#[derive(Debug, Default)]
pub struct AccountRate {
    windows: Mutex<HashMap<i64, (Instant, u32)>>,
}

impl AccountRate {
    /// Counts one request of `account`; `false` when it is over `limit` in the current window.
    pub fn allow(&self, account: i64, limit: u32) -> bool {
        self.allow_at(account, limit, Instant::now())
    }

    fn allow_at(&self, account: i64, limit: u32, now: Instant) -> bool {
        let Ok(mut windows) = self.windows.lock() else {
            return false;
        };
        if windows.len() > 100_000 {
            windows.retain(|_, (started, _)| now.duration_since(*started) < RATE_WINDOW);
        }
        let entry = windows.entry(account).or_insert((now, 0));
        if now.duration_since(entry.0) >= RATE_WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= limit
    }
}

/// Whether a search text is a search by resident ID (its last 6–18 characters) that the index will run
/// for this role: such searches are audited.
pub fn is_resident_id_query(user: &CurrentUser, text: &str) -> bool {
    let text = jingzhun_core::text::normalize(text);
    crate::access::allows(user.account.role, crate::access::Action::ViewPersonalData)
        && (crate::search::ID_TAIL_MIN..=18).contains(&text.len())
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'X' || b == b'x')
}

/// Writes the audit entry of a view of unmasked personal data: who (the account), what (`entity`,
/// `entity_id`), through what (`via`: page, API, edit form, search). The values themselves are never in
/// the entry.
pub fn audit_personal_view(
    backend: &dyn Backend,
    user: &CurrentUser,
    entity: &str,
    entity_id: &str,
    via: &str,
    detail: serde_json::Value,
) {
    let mut detail = detail;
    if let Some(map) = detail.as_object_mut() {
        map.insert("via".to_owned(), serde_json::Value::from(via));
    } else {
        detail = serde_json::json!({ "via": via });
    }
    let note = AuditNote {
        actor: &user.account.username,
        action: "view_personal_data",
        entity,
        entity_id,
        reason: "查看未脱敏的个人信息(身份证号、电话)",
        detail,
    };
    if let Err(e) = backend.append_audit(&note) {
        tracing::error!(error = %e, "audit append failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_over_its_rate_waits_for_the_next_window() {
        let r = AccountRate::default();
        let t = Instant::now();
        assert!((0..3).all(|_| r.allow_at(1, 3, t)));
        assert!(!r.allow_at(1, 3, t));
        assert!(r.allow_at(2, 3, t), "per account");
        assert!(r.allow_at(1, 3, t + RATE_WINDOW));
    }
}
