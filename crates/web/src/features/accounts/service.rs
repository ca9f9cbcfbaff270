//! Accounts and sessions: password hashing (argon2id), sign-in with rate limiting, server-side sessions,
//! forced password change, and account creation by an administrator.
//!
//! * Passwords are stored as argon2id PHC strings; the plain password never leaves this module.
//! * A session is a 32-byte random token in an `HttpOnly; SameSite=Lax` cookie; the store keeps only its
//!   SHA-256, so a copy of the database does not let anyone sign in. Each session has its own random CSRF
//!   token.
//! * Sign-in is rate limited **in memory** ([`LoginLimiter`]): at most [`MAX_FAILURES_PER_ACCOUNT`] failures
//!   per user name and [`MAX_FAILURES_PER_IP`] per client address within [`WINDOW`]. The counters are per
//!   process and reset on restart; behind several processes the limit is per process (documented, accepted).
//!   The client address is the TCP peer: behind a reverse proxy it is the proxy's, so the per-address limit
//!   then applies to all users together (the per-account limit still holds). Counters are kept under the
//!   SHA-256 of the typed name, so a flood of long names cannot grow memory.
//! * Refused sign-ins never store what was typed as the user name (it may be anything, even someone's
//!   resident ID): an unknown name is recorded as `anonymous` only. They are audited in **bounded,
//!   aggregated entries** ([`RefusalLog`]): per account (or for all unknown names together) and window, at
//!   most one entry at the first refusal, one when the limit blocks further attempts, and one with the
//!   count of the window when the next window starts.
//! * `/password` checks the current password under the same limiter; a session ends after
//!   [`crate::WebConfig::session_idle`] without a request as well as after `session_ttl`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Utc};
use jingzhun_core::AreaCode;
use sha2::{Digest, Sha256};

use crate::access::Role;
use crate::data::{Account, AccountId, AuditNote, Backend, DataError, NewAccount, Session};
use crate::http::auth::{random_hex, token_hash};
use crate::http::error::AppError;

pub const MAX_FAILURES_PER_ACCOUNT: u32 = 5;
pub const MAX_FAILURES_PER_IP: u32 = 30;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Hashes a password with argon2id and a random salt.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            AppError::Internal
        })
}

/// Whether `password` matches the stored PHC string.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash nobody's password matches, verified when the user name is unknown so that timing does not tell
/// which user names exist.
fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$3bS0yMK1qWzcpU3H3C/jpbXnBvV6YcwpvM6FHZzjSWM"
}

/// A random initial password: 12 characters from an alphabet without look-alikes (no 0/O, 1/l/I).
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = [0u8; 12];
    OsRng.fill_bytes(&mut bytes);
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// Why a new password is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooWeak,
    /// Long enough, but easy to guess (a common password, a keyboard run, the user name with digits…).
    Guessable,
    Mismatch,
    WrongCurrent,
    /// Too many wrong current passwords: try again later.
    RateLimited,
}

impl PasswordProblem {
    pub fn message_key(self) -> &'static str {
        match self {
            PasswordProblem::TooWeak => "password.too_weak",
            PasswordProblem::Guessable => "password.guessable",
            PasswordProblem::Mismatch => "password.mismatch",
            PasswordProblem::WrongCurrent => "password.wrong_current",
            PasswordProblem::RateLimited => "password.rate_limited",
        }
    }
}

/// The password rules: at least [`MIN_PASSWORD_CHARS`] characters, not the user name, and not easy to
/// guess ([`password_guessable`]).
pub fn check_new_password(username: &str, password: &str) -> Result<(), PasswordProblem> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password == username {
        return Err(PasswordProblem::TooWeak);
    }
    if password_guessable(username, password) {
        return Err(PasswordProblem::Guessable);
    }
    Ok(())
}

/// Whether a password is easy to guess, by zxcvbn's estimate (common passwords, dictionary words,
/// keyboard runs, dates, repeats, and the user name or the product's name): a score below 3 of 4, i.e.
/// fewer than about 10^8 guesses.
pub fn password_guessable(username: &str, password: &str) -> bool {
    let score = zxcvbn::zxcvbn(password, &[username, "jingzhun", "jingzhun2024"]).score();
    u8::from(score) < 3
}

/// Whether a user name is acceptable: 3–32 ASCII letters, digits, `_`, `-` or `.`.
pub fn valid_username(username: &str) -> bool {
    (3..=32).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// Creates an account (for the administrator page and the CLI's demo seeding). The password must satisfy
/// [`check_new_password`]; `must_change_password` forces a change on first sign-in.
#[allow(clippy::too_many_arguments)]
pub fn create_account(
    backend: &dyn Backend,
    username: &str,
    display_name: &str,
    role: Role,
    area: AreaCode,
    password: &str,
    must_change_password: bool,
    created_by: &str,
    now: DateTime<Utc>,
) -> Result<AccountId, CreateAccountError> {
    if !valid_username(username) {
        return Err(CreateAccountError::InvalidUsername);
    }
    check_new_password(username, password).map_err(|_| CreateAccountError::WeakPassword)?;
    backend
        .area(&area)
        .map_err(|_| CreateAccountError::UnknownArea)?;
    if !role.binds_to(area.level()) {
        return Err(CreateAccountError::WrongLevel);
    }
    let hash = hash_password(password).map_err(|_| CreateAccountError::Internal)?;
    let display = if display_name.trim().is_empty() {
        username
    } else {
        display_name.trim()
    };
    backend
        .create_account(&NewAccount {
            username,
            display_name: display,
            role,
            area,
            password_hash: &hash,
            must_change_password,
            created_at: now,
            created_by,
        })
        .map_err(|e| match e {
            DataError::Duplicate(_) => CreateAccountError::Duplicate,
            other => {
                tracing::error!(error = %other, "creating account failed");
                CreateAccountError::Internal
            }
        })
}

/// Why an account could not be created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CreateAccountError {
    #[error("用户名应为 3–32 位字母、数字、下划线、点或连字符")]
    InvalidUsername,
    #[error("密码至少 10 个字符, 不能与用户名相同, 也不能是容易猜到的密码")]
    WeakPassword,
    #[error("区域不存在")]
    UnknownArea,
    #[error("角色与区域级别不符: 村级信息员只能绑定到村(社区), 乡镇审核员到乡镇(街道), 县级审定员到县(区); 分析员和系统管理员可绑定到任一级")]
    WrongLevel,
    #[error("用户名已存在")]
    Duplicate,
    #[error("内部错误")]
    Internal,
}

/// A successful sign-in: the cookie token (shown once, to the browser) and the account.
#[derive(Debug)]
pub struct SignedIn {
    pub token: String,
    pub account: Account,
}

/// Why a sign-in failed (the page shows one message for both, so user names are not disclosed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginFailure {
    BadCredentials,
    RateLimited,
}

/// Checks the password, applies the rate limit, and opens a session that ends after `idle` without a
/// request, and after `ttl` in any case.
#[allow(clippy::too_many_arguments)]
pub fn login(
    backend: &dyn Backend,
    limiter: &LoginLimiter,
    username: &str,
    password: &str,
    ip: Option<IpAddr>,
    now: DateTime<Utc>,
    ttl: Duration,
    idle: Duration,
) -> Result<SignedIn, LoginFailureOr> {
    let username = username.trim();
    let found = match backend.account_by_username(username) {
        Ok(a) => Some(a),
        Err(DataError::NotFound) => None,
        Err(e) => return Err(LoginFailureOr::Error(e.into())),
    };
    // What is recorded of the name: the account's own name, or nothing at all.
    let class = found
        .as_ref()
        .map(|a| a.account.username.clone())
        .unwrap_or_else(|| ANONYMOUS.to_owned());
    if limiter.is_blocked(username, ip) {
        let notes = limiter.refusals.refused(&class, true);
        audit_refusals(backend, &class, &notes);
        return Err(LoginFailureOr::Failure(LoginFailure::RateLimited));
    }
    let known = found.is_some();
    let ok = match &found {
        Some(a) => verify_password(password, &a.password_hash) && !a.account.disabled,
        None => {
            verify_password(password, dummy_hash());
            false
        }
    };
    let Some(found) = found.filter(|_| ok) else {
        limiter.record_failure(username, ip);
        let blocked = known && limiter.is_blocked(username, None);
        let notes = limiter.refusals.refused(&class, blocked);
        audit_refusals(backend, &class, &notes);
        return Err(LoginFailureOr::Failure(LoginFailure::BadCredentials));
    };
    limiter.record_success(username);
    let token = random_hex(32);
    let session_end = |d: Duration| {
        now + chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::hours(12))
    };
    let expires_at = session_end(ttl).min(session_end(idle));
    backend
        .create_session(
            &token_hash(&token),
            &Session {
                account_id: found.account.id,
                csrf_token: random_hex(32),
                created_at: now,
                expires_at,
            },
        )
        .map_err(|e| LoginFailureOr::Error(e.into()))?;
    audit_login(backend, username, "login", serde_json::Value::Null);
    Ok(SignedIn {
        token,
        account: found.account,
    })
}

/// The actor of refused sign-ins with a name no account has: the name typed is not recorded.
pub const ANONYMOUS: &str = "anonymous";

fn audit_refusals(backend: &dyn Backend, class: &str, notes: &[RefusalNote]) {
    for note in notes {
        let (action, detail) = match note {
            RefusalNote::First => ("login_failed", serde_json::json!({ "failures": 1 })),
            RefusalNote::Blocked { failures } => (
                "login_rate_limited",
                serde_json::json!({ "failures": failures }),
            ),
            RefusalNote::Window { failures, blocked } => (
                "login_failures_window",
                serde_json::json!({
                    "failures": failures,
                    "refused_while_blocked": blocked,
                    "window_minutes": WINDOW.as_secs() / 60,
                }),
            ),
        };
        audit_login(backend, class, action, detail);
    }
}

/// A sign-in failure the user sees, or an internal error.
#[derive(Debug)]
pub enum LoginFailureOr {
    Failure(LoginFailure),
    Error(AppError),
}

fn audit_login(backend: &dyn Backend, username: &str, action: &str, detail: serde_json::Value) {
    // Account names are not personal data of residents; they are what the audit log is for. Only names
    // of existing accounts come here (or `anonymous`).
    let note = AuditNote {
        actor: username,
        action,
        entity: "account",
        entity_id: username,
        reason: "",
        detail,
    };
    if let Err(e) = backend.append_audit(&note) {
        tracing::error!(error = %e, action, "audit append failed");
    }
}

/// Changes the password of a signed-in account, clears the forced-change flag, and ends its other sessions.
/// The current password is checked under the sign-in limiter (per account and address): a stolen session
/// cannot try passwords faster than the sign-in form allows.
#[allow(clippy::too_many_arguments)]
pub fn change_password(
    backend: &dyn Backend,
    limiter: &LoginLimiter,
    ip: Option<IpAddr>,
    account: &Account,
    current_session_hash: &str,
    current: &str,
    new: &str,
    confirm: &str,
    now: DateTime<Utc>,
) -> Result<Result<(), PasswordProblem>, AppError> {
    let name = account.username.as_str();
    if limiter.is_blocked(name, ip) {
        let notes = limiter.refusals.refused(name, true);
        audit_refusals(backend, name, &notes);
        return Ok(Err(PasswordProblem::RateLimited));
    }
    let stored = backend.account(account.id)?;
    if !verify_password(current, &stored.password_hash) {
        limiter.record_failure(name, ip);
        let notes = limiter
            .refusals
            .refused(name, limiter.is_blocked(name, None));
        audit_refusals(backend, name, &notes);
        return Ok(Err(PasswordProblem::WrongCurrent));
    }
    limiter.record_success(name);
    if new != confirm {
        return Ok(Err(PasswordProblem::Mismatch));
    }
    if let Err(p) = check_new_password(&account.username, new) {
        return Ok(Err(p));
    }
    if new == current {
        return Ok(Err(PasswordProblem::TooWeak));
    }
    let hash = hash_password(new)?;
    backend.set_password(account.id, &hash, false, &account.username, now)?;
    backend.delete_sessions_of(account.id, Some(current_session_hash))?;
    Ok(Ok(()))
}

/// What an administrator does to an existing account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminOp {
    /// A new generated password that must be changed at the next sign-in; other sessions end.
    ResetPassword,
    Disable,
    Enable,
}

/// Applies `op` to account `id`, which must lie in the administrator's area (else not found, audited). An
/// administrator cannot disable their own account. Returns the new password for a reset.
pub fn administer(
    backend: &dyn Backend,
    admin: &crate::http::auth::CurrentUser,
    scope: &crate::access::Scope,
    id: AccountId,
    op: AdminOp,
    now: DateTime<Utc>,
) -> Result<Option<String>, AppError> {
    let target = backend.account(id)?.account;
    crate::http::admit(
        backend,
        admin,
        scope,
        &target.area,
        "account",
        &id.0.to_string(),
    )?;
    let actor = admin.account.username.as_str();
    match op {
        AdminOp::ResetPassword => {
            let password = generate_password();
            backend.set_password(id, &hash_password(&password)?, true, actor, now)?;
            backend.delete_sessions_of(id, None)?;
            Ok(Some(password))
        }
        AdminOp::Disable if target.id == admin.account.id => Err(AppError::Conflict),
        AdminOp::Disable => {
            backend.set_disabled(id, true, actor)?;
            Ok(None)
        }
        AdminOp::Enable => {
            backend.set_disabled(id, false, actor)?;
            Ok(None)
        }
    }
}

#[derive(Debug, Default)]
struct Window {
    started: Option<Instant>,
    failures: u32,
}

impl Window {
    fn current(&mut self, now: Instant) -> &mut Self {
        if self.started.is_none_or(|s| now.duration_since(s) > WINDOW) {
            self.started = Some(now);
            self.failures = 0;
        }
        self
    }
}

/// In-memory counters of failed sign-ins per user name (under its SHA-256) and per client address, and
/// the aggregation of their audit entries.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    by_account: Mutex<HashMap<[u8; 32], Window>>,
    by_ip: Mutex<HashMap<IpAddr, Window>>,
    refusals: RefusalLog,
}

/// The key of a typed name: fixed size whatever was typed.
fn name_key(username: &str) -> [u8; 32] {
    Sha256::digest(username.as_bytes()).into()
}

/// An audit entry a refused sign-in calls for (see [`RefusalLog`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalNote {
    /// The first refusal of the window.
    First,
    /// The limit now blocks the account (or address).
    Blocked { failures: u32 },
    /// The count of the previous window, written when the next one starts.
    Window { failures: u32, blocked: u32 },
}

#[derive(Debug, Default, Clone, Copy)]
struct RefusalWindow {
    started: Option<Instant>,
    failures: u32,
    blocked: u32,
    noted_blocked: bool,
}

/// Refused sign-ins aggregated per class (an account's name, or [`ANONYMOUS`] for every unknown name
/// together) and [`WINDOW`]: at most three audit entries per class and window, whatever the number of
/// attempts. The classes are the accounts plus one, so the log stays bounded.
#[derive(Debug, Default)]
pub struct RefusalLog {
    windows: Mutex<HashMap<String, RefusalWindow>>,
}

impl RefusalLog {
    /// Counts one refusal of `class` (`blocked`: refused by the limit, or now over it) and returns the
    /// audit entries it calls for.
    pub fn refused(&self, class: &str, blocked: bool) -> Vec<RefusalNote> {
        self.refused_at(class, blocked, Instant::now())
    }

    fn refused_at(&self, class: &str, blocked: bool, now: Instant) -> Vec<RefusalNote> {
        let Ok(mut windows) = self.windows.lock() else {
            return Vec::new();
        };
        let w = windows.entry(class.to_owned()).or_default();
        let mut notes = Vec::new();
        if w.started.is_none_or(|s| now.duration_since(s) > WINDOW) {
            if w.failures + w.blocked > 1 {
                notes.push(RefusalNote::Window {
                    failures: w.failures,
                    blocked: w.blocked,
                });
            }
            *w = RefusalWindow {
                started: Some(now),
                ..RefusalWindow::default()
            };
        }
        if w.failures + w.blocked == 0 {
            notes.push(RefusalNote::First);
        }
        if blocked {
            w.blocked += 1;
            if !w.noted_blocked {
                w.noted_blocked = true;
                notes.push(RefusalNote::Blocked {
                    failures: w.failures + w.blocked,
                });
            }
        } else {
            w.failures += 1;
        }
        notes
    }
}

impl LoginLimiter {
    pub fn is_blocked(&self, username: &str, ip: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let key = name_key(username);
        let account_blocked = self
            .by_account
            .lock()
            .map(|mut m| {
                m.get_mut(&key)
                    .is_some_and(|w| w.current(now).failures >= MAX_FAILURES_PER_ACCOUNT)
            })
            .unwrap_or(true);
        let ip_blocked = ip.is_some_and(|ip| {
            self.by_ip
                .lock()
                .map(|mut m| {
                    m.get_mut(&ip)
                        .is_some_and(|w| w.current(now).failures >= MAX_FAILURES_PER_IP)
                })
                .unwrap_or(true)
        });
        account_blocked || ip_blocked
    }

    pub fn record_failure(&self, username: &str, ip: Option<IpAddr>) {
        let now = Instant::now();
        if let Ok(mut m) = self.by_account.lock() {
            if m.len() > 100_000 {
                m.clear();
            }
            m.entry(name_key(username))
                .or_default()
                .current(now)
                .failures += 1;
        }
        if let (Some(ip), Ok(mut m)) = (ip, self.by_ip.lock()) {
            if m.len() > 100_000 {
                m.clear();
            }
            m.entry(ip).or_default().current(now).failures += 1;
        }
    }

    pub fn record_success(&self, username: &str) {
        if let Ok(mut m) = self.by_account.lock() {
            m.remove(&name_key(username));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ_by_salt() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("wrong", &a));
        assert!(!verify_password("x", "not a hash"));
        assert!(PasswordHash::new(dummy_hash()).is_ok());
    }

    #[test]
    fn limiter_blocks_after_failures_per_account_and_per_ip() {
        let l = LoginLimiter::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..MAX_FAILURES_PER_ACCOUNT {
            assert!(!l.is_blocked("a", Some(ip)));
            l.record_failure("a", Some(ip));
        }
        assert!(l.is_blocked("a", None));
        assert!(!l.is_blocked("b", Some(ip)));
        for i in 0..MAX_FAILURES_PER_IP {
            l.record_failure(&format!("u{i}"), Some(ip));
        }
        assert!(l.is_blocked("b", Some(ip)));
        assert!(!l.is_blocked("b", None));
    }

    #[test]
    fn refused_sign_ins_are_recorded_in_bounded_aggregated_entries() {
        let log = RefusalLog::default();
        let t = Instant::now();
        let mut notes = Vec::new();
        for i in 0..1000 {
            notes.extend(log.refused_at(ANONYMOUS, i >= 30, t));
        }
        assert_eq!(
            notes,
            vec![RefusalNote::First, RefusalNote::Blocked { failures: 31 }]
        );
        let next = log.refused_at(ANONYMOUS, false, t + WINDOW + Duration::from_secs(1));
        assert_eq!(
            next,
            vec![
                RefusalNote::Window {
                    failures: 30,
                    blocked: 970
                },
                RefusalNote::First
            ]
        );
    }

    #[test]
    fn generated_passwords_pass_the_rules() {
        let p = generate_password();
        assert_eq!(p.len(), 12);
        assert!(check_new_password("user", &p).is_ok());
        assert_eq!(
            check_new_password("longusername", "longusername"),
            Err(PasswordProblem::TooWeak)
        );
        assert!(valid_username("cadre_01"));
        for weak in [
            "password123",
            "1234567890",
            "qwertyuiop",
            "t_admin2024",
            "jingzhun123",
        ] {
            assert_eq!(
                check_new_password("t_admin", weak),
                Err(PasswordProblem::Guessable),
                "{weak}"
            );
        }
        assert!(!valid_username("张三"));
    }
}
