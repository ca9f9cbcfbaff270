//! Who is calling, and may they: the extractors every handler uses.
//!
//! * [`SignedIn`]: any valid session (used only by sign-out and the password change page).
//! * [`Can<A>`]: a valid session, no pending forced password change, an enabled account, and
//!   [`allows`]`(role, A::ACTION)`. It is the only way a handler gets a [`Scope`], so a handler that reads
//!   data cannot skip the check: it would have nothing to pass to the services.
//!
//! The session is loaded once per request and cached in the request's extensions (the CSRF middleware
//! uses it too), and across requests for a few seconds in [`crate::http::session_cache`]. The extractors
//! work for any state that implements [`HttpState`].
//!
//! Also here: [`admit`] (a single record's area checked against the caller's scope, audited when refused),
//! the session token's hash as stored ([`token_hash`]) and random tokens ([`random_hex`]).

use std::marker::PhantomData;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;

use argon2::password_hash::rand_core::{OsRng, RngCore};
use jingzhun_core::AreaCode;
use sha2::{Digest, Sha256};

use crate::access::{allows, Action, Scope};
use crate::data::{Account, AuditNote, Backend, DataError};
use crate::http::cookies;
use crate::http::error::AppError;
use crate::http::{run_blocking, HttpState};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "jz_session";

/// The signed-in account of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub account: Account,
    pub csrf_token: String,
    /// SHA-256 of the session token (to end this session or keep it).
    pub session_hash: String,
}

/// Cached result of the session lookup.
#[derive(Clone)]
struct Loaded(Option<Arc<CurrentUser>>);

/// The request's signed-in account, if any (looked up once, then cached).
pub async fn current_user<S: HttpState>(
    parts: &mut Parts,
    state: &S,
) -> Result<Option<Arc<CurrentUser>>, AppError> {
    if let Some(Loaded(u)) = parts.extensions.get::<Loaded>() {
        return Ok(u.clone());
    }
    let user = match cookies::get(&parts.headers, SESSION_COOKIE) {
        Some(token) if token.len() == 64 => {
            let hash = token_hash(&token);
            let now = state.now();
            // A session looked up less than the cache's TTL ago needs no store read (nor blocking-pool
            // hop); its expiry is still checked against `now`.
            if let Some(user) = state.sessions().get(&hash, now) {
                parts.extensions.insert(Loaded(Some(Arc::clone(&user))));
                return Ok(Some(user));
            }
            let generation = state.sessions().generation();
            let to_duration = |d: std::time::Duration| {
                chrono::Duration::from_std(d).unwrap_or_else(|_| chrono::Duration::hours(12))
            };
            let (idle, ttl) = state.session_lifetimes();
            let idle = to_duration(idle);
            let ttl = to_duration(ttl);
            let found = run_blocking(state.backend(), move |b| {
                let mut session = match b.session(&hash) {
                    Ok(s) => s,
                    Err(DataError::NotFound) => return Ok(None),
                    Err(e) => return Err(e.into()),
                };
                if session.expires_at <= now {
                    b.delete_session(&hash)?;
                    return Ok(None);
                }
                // Idle expiry: a session in use is kept open for `idle` after this request, never
                // past its absolute end. Written at most once a minute (and the cache reads the store
                // every few seconds at most), so an active session costs one small write a minute.
                let wanted = (now + idle).min(session.created_at + ttl);
                if wanted > session.expires_at + chrono::Duration::seconds(60) {
                    b.extend_session(&hash, wanted)?;
                    session.expires_at = wanted;
                }
                let account = match b.account(session.account_id) {
                    Ok(a) => a.account,
                    Err(DataError::NotFound) => return Ok(None),
                    Err(e) => return Err(e.into()),
                };
                if account.disabled {
                    return Ok(None);
                }
                let user = Arc::new(CurrentUser {
                    account,
                    csrf_token: session.csrf_token,
                    session_hash: hash,
                });
                Ok(Some((user, session.expires_at)))
            })
            .await?;
            found.map(|(user, expires_at)| {
                state
                    .sessions()
                    .insert(generation, Arc::clone(&user), expires_at, now);
                user
            })
        }
        _ => None,
    };
    parts.extensions.insert(Loaded(user.clone()));
    Ok(user)
}

/// Any signed-in account, even one that must still change its password.
pub struct SignedIn(pub Arc<CurrentUser>);

impl<S: HttpState> FromRequestParts<S> for SignedIn {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        current_user(parts, state)
            .await?
            .map(SignedIn)
            .ok_or(AppError::Unauthenticated)
    }
}

/// Type-level name of an [`Action`], so that `Can<act::ViewHousehold>` states in the handler's signature
/// what it does.
pub trait ActionMarker: Send + Sync + 'static {
    const ACTION: Action;
}

/// One marker type per [`Action`].
pub mod act {
    use super::ActionMarker;
    use crate::access::Action;

    macro_rules! markers {
        ($($name:ident),+ $(,)?) => {$(
            #[doc = concat!("Marker for [`Action::", stringify!($name), "`].")]
            pub struct $name;
            impl ActionMarker for $name {
                const ACTION: Action = Action::$name;
            }
        )+};
    }

    markers!(
        ViewDashboard,
        ViewAreas,
        SearchHouseholds,
        ViewHousehold,
        ViewPersonalData,
        ViewAuditTrail,
        EditHousehold,
        RecordLead,
        RecordVisit,
        VillageReview,
        TownshipReview,
        CountyApproval,
        RecordMeasure,
        AssignCadre,
        DownloadReports,
        ViewPolicy,
        ViewPolicyParams,
        RunWhatIf,
        ImportData,
        ManageAccounts,
        ViewProjects,
        RecordProjectStep,
        ApproveProject,
        ViewWarnings,
        ViewAttachments,
        UploadAttachment,
        RemoveAttachment,
    );
}

/// Proof that the caller may perform `A`, with the area they may perform it in.
pub struct Can<A: ActionMarker> {
    pub user: Arc<CurrentUser>,
    pub scope: Scope,
    _action: PhantomData<A>,
}

impl<A: ActionMarker> Can<A> {
    /// Whether the same caller may also do `action` (e.g. see full resident IDs on a page they may view).
    pub fn also(&self, action: Action) -> bool {
        allows(self.user.account.role, action)
    }

    pub fn account(&self) -> &Account {
        &self.user.account
    }
}

impl<A: ActionMarker, S: HttpState> FromRequestParts<S> for Can<A> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let user = current_user(parts, state)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        if user.account.must_change_password {
            return Err(AppError::PasswordChangeRequired);
        }
        if !allows(user.account.role, A::ACTION) {
            return Err(AppError::Forbidden);
        }
        let scope = Scope::new(user.account.area);
        Ok(Can {
            user,
            scope,
            _action: PhantomData,
        })
    }
}

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

/// SHA-256 of a session token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// `n` random bytes as lowercase hex.
pub fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}
