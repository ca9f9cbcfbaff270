//! Sign-in, sign-out, the password change and the administration of accounts: thin handlers over
//! [`super::service`].

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use super::templates::*;
use crate::access::Role;
use crate::features::accounts::service::{
    self as accounts, CreateAccountError, LoginFailure, LoginFailureOr,
};
use crate::http::auth::{act, Can, SignedIn, SESSION_COOKIE};
use crate::http::cookies::{self, CookieOptions};
use crate::http::csrf::PRE_SESSION_COOKIE;
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::params::safe_next;
use crate::http::params::{area_param, ClientIp};
use crate::state::AppState;

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

fn login_page(
    lang: Lang,
    pre_csrf: String,
    next: &str,
    username: &str,
    failed: Option<&'static str>,
) -> LoginPage {
    LoginPage {
        chrome: Chrome::new(lang, "login.title", "/login", None),
        pre_csrf,
        next: safe_next(next).to_owned(),
        username: username.to_owned(),
        failed,
    }
}

/// `GET /login`: the form, with a fresh pre-session CSRF cookie if there is none.
pub async fn login_form(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    let existing = cookies::get(&headers, PRE_SESSION_COOKIE).filter(|t| t.len() == 64);
    let token = existing
        .clone()
        .unwrap_or_else(|| crate::http::auth::random_hex(32));
    let mut res = render(&login_page(lang, token.clone(), &q.next, "", None))?;
    if existing.is_none() {
        res.headers_mut().append(
            header::SET_COOKIE,
            cookies::set(
                PRE_SESSION_COOKIE,
                &token,
                CookieOptions {
                    http_only: true,
                    secure: state.config().secure_cookies,
                    max_age_secs: None,
                },
            ),
        );
    }
    Ok(res)
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let now = state.now();
    let ttl = state.config().session_ttl;
    let idle = state.config().session_idle;
    let st = state.clone();
    let username = form.username.clone();
    let password = form.password;
    let result = state
        .run(move |b| {
            Ok(accounts::login(
                b,
                st.limiter(),
                &username,
                &password,
                ip,
                now,
                ttl,
                idle,
            ))
        })
        .await?;
    match result {
        Ok(signed) => {
            let target = if signed.account.must_change_password {
                "/password"
            } else {
                safe_next(&form.next)
            };
            let mut res = Redirect::to(target).into_response();
            let h = res.headers_mut();
            h.append(
                header::SET_COOKIE,
                cookies::set(
                    SESSION_COOKIE,
                    &signed.token,
                    CookieOptions {
                        http_only: true,
                        secure: state.config().secure_cookies,
                        max_age_secs: Some(ttl.as_secs() as i64),
                    },
                ),
            );
            h.append(
                header::SET_COOKIE,
                cookies::clear(PRE_SESSION_COOKIE, state.config().secure_cookies),
            );
            Ok(res)
        }
        Err(LoginFailureOr::Error(e)) => Err(e),
        Err(LoginFailureOr::Failure(f)) => {
            let (status, key) = match f {
                LoginFailure::BadCredentials => (StatusCode::UNAUTHORIZED, "login.failed"),
                LoginFailure::RateLimited => (StatusCode::TOO_MANY_REQUESTS, "error.rate_limited"),
            };
            let token = cookies::get(&headers, PRE_SESSION_COOKIE).unwrap_or_default();
            let page = login_page(
                lang,
                token,
                &form.next,
                form.username.trim(),
                Some(lang.t(key)),
            );
            Ok((status, render(&page)?).into_response())
        }
    }
}

/// `POST /logout`: ends the session.
pub async fn logout(
    State(state): State<AppState>,
    SignedIn(user): SignedIn,
) -> Result<Response, AppError> {
    let hash = user.session_hash.clone();
    let ended = state.run(move |b| Ok(b.delete_session(&hash)?)).await;
    state.sessions().forget_session(&user.session_hash);
    ended?;
    let mut res = Redirect::to("/login").into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookies::clear(SESSION_COOKIE, state.config().secure_cookies),
    );
    Ok(res)
}

/// `GET /password`.
pub async fn password_form(lang: Lang, SignedIn(user): SignedIn) -> Result<Response, AppError> {
    render(&PasswordPage {
        chrome: Chrome::new(lang, "password.title", "/password", Some(&user)),
        forced: user.account.must_change_password,
        problem: None,
    })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new: String,
    confirm: String,
}

/// `POST /password`: on success back to the dashboard; a refused password re-renders the form (422).
pub async fn change_password(
    State(state): State<AppState>,
    lang: Lang,
    ClientIp(ip): ClientIp,
    SignedIn(user): SignedIn,
    Form(form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let now = state.now();
    let u = user.clone();
    let st = state.clone();
    let outcome = state
        .run(move |b| {
            accounts::change_password(
                b,
                st.limiter(),
                ip,
                &u.account,
                &u.session_hash,
                &form.current,
                &form.new,
                &form.confirm,
                now,
            )
        })
        .await;
    // Other sessions ended and this one's account changed (no forced change any more).
    state.sessions().forget_account(user.account.id);
    let outcome = outcome?;
    match outcome {
        Ok(()) => Ok(Redirect::to("/").into_response()),
        Err(problem) => {
            let page = PasswordPage {
                chrome: Chrome::new(lang, "password.title", "/password", Some(&user)),
                forced: user.account.must_change_password,
                problem: Some(problem.message_key()),
            };
            let status = if problem == accounts::PasswordProblem::RateLimited {
                StatusCode::TOO_MANY_REQUESTS
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            Ok((status, render(&page)?).into_response())
        }
    }
}

fn accounts_page(
    lang: Lang,
    can: &Can<act::ManageAccounts>,
    accounts: Vec<crate::data::Account>,
    problem: Option<String>,
    created: Option<(String, String)>,
) -> AccountsPage {
    AccountsPage {
        chrome: Chrome::new(lang, "accounts.title", "/admin/accounts", Some(&can.user)),
        accounts,
        roles: Role::ALL,
        area: can.scope.area().as_str().to_owned(),
        problem,
        created,
    }
}

/// `GET /admin/accounts`: the accounts of the administrator's area.
pub async fn accounts(
    State(state): State<AppState>,
    lang: Lang,
    can: Can<act::ManageAccounts>,
) -> Result<Response, AppError> {
    let area = can.scope.area();
    let list = state.run(move |b| Ok(b.accounts_within(&area)?)).await?;
    render(&accounts_page(lang, &can, list, None, None))
}

#[derive(Deserialize)]
pub struct NewAccountForm {
    username: String,
    #[serde(default)]
    display_name: String,
    role: String,
    area: String,
}

/// `POST /admin/accounts`: creates an account with a generated initial password, shown once; the account
/// must change it at first sign-in. An area outside the administrator's answers not found (audited).
pub async fn create_account(
    State(state): State<AppState>,
    lang: Lang,
    can: Can<act::ManageAccounts>,
    Form(form): Form<NewAccountForm>,
) -> Result<Response, AppError> {
    let role = Role::from_code(&form.role).ok_or(AppError::BadRequest)?;
    let area = area_param(form.area.trim())?;
    let now = state.now();
    let user = can.user.clone();
    let scope = can.scope;
    let password = accounts::generate_password();
    let pw = password.clone();
    let username = form.username.trim().to_owned();
    let uname = username.clone();
    let (result, list) = state
        .run(move |b| {
            crate::http::admit(b, &user, &scope, &area, "area", area.as_str())?;
            let r = accounts::create_account(
                b,
                &uname,
                &form.display_name,
                role,
                area,
                &pw,
                true,
                &user.account.username,
                now,
            );
            let list = b.accounts_within(&scope.area())?;
            Ok((r, list))
        })
        .await?;
    match result {
        Ok(_) => render(&accounts_page(
            lang,
            &can,
            list,
            None,
            Some((username, password)),
        )),
        Err(CreateAccountError::Internal) => Err(AppError::Internal),
        Err(e) => {
            let page = accounts_page(lang, &can, list, Some(e.to_string()), None);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

/// Parses an account id from a path.
fn account_param(id: &str) -> Result<crate::data::AccountId, AppError> {
    id.parse::<i64>()
        .map(crate::data::AccountId)
        .map_err(|_| AppError::NotFound)
}

async fn administer(
    state: AppState,
    lang: Lang,
    can: Can<act::ManageAccounts>,
    id: String,
    op: accounts::AdminOp,
) -> Result<Response, AppError> {
    let id = account_param(&id)?;
    let now = state.now();
    let (user, scope) = (can.user.clone(), can.scope);
    let result = state
        .run(move |b| {
            let target = b.account(id)?.account.username;
            let p = accounts::administer(b, &user, &scope, id, op, now)?;
            Ok((p.map(|p| (target, p)), b.accounts_within(&scope.area())?))
        })
        .await;
    // Whatever was changed (password, disabled), the account's cached sessions must be read again.
    state.sessions().forget_account(id);
    let (password, list) = result?;
    match password {
        Some(created) => render(&accounts_page(lang, &can, list, None, Some(created))),
        None => Ok(Redirect::to("/admin/accounts").into_response()),
    }
}

/// `POST /admin/accounts/{account}/reset`: a new initial password, shown once.
pub async fn reset_password(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    can: Can<act::ManageAccounts>,
) -> Result<Response, AppError> {
    administer(state, lang, can, id, accounts::AdminOp::ResetPassword).await
}

/// `POST /admin/accounts/{account}/disable`.
pub async fn disable_account(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    can: Can<act::ManageAccounts>,
) -> Result<Response, AppError> {
    administer(state, lang, can, id, accounts::AdminOp::Disable).await
}

/// `POST /admin/accounts/{account}/enable`.
pub async fn enable_account(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    can: Can<act::ManageAccounts>,
) -> Result<Response, AppError> {
    administer(state, lang, can, id, accounts::AdminOp::Enable).await
}
