//! HTML page handlers: thin. Each extracts the caller (`Can<…>` or `SignedIn`), calls one service on the
//! blocking pool with the caller's scope, and renders a template.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts, OriginalUri, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{Datelike, NaiveDate};
use jingzhun_core::{AreaCode, HouseholdId};
use serde::Deserialize;

use crate::access::Role;
use crate::accounts::{self, CreateAccountError, LoginFailure, LoginFailureOr};
use crate::auth::{act, Can, SignedIn, SESSION_COOKIE};
use crate::cookies::{self, CookieOptions};
use crate::csrf::PRE_SESSION_COOKIE;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::{self, dashboard, edit, households};
use crate::state::AppState;
use crate::templates::*;

/// The client's address, when the server was started with connection info (absent in in-process tests).
pub struct ClientIp(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

fn here(uri: &OriginalUri) -> String {
    uri.0
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "/".to_owned())
}

/// A local path to return to after sign-in or a language switch; anything else becomes `/`.
///
/// Browsers drop tabs and line breaks inside a URL and read `\\` as `/`, so `/\t/evil.example` or
/// `/\\evil.example` would leave the site: every control character, every whitespace and every backslash is
/// refused, as is anything that does not start with a single `/`.
pub(crate) fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.chars().any(|c| {
            c.is_whitespace()
                || c == '\\'
                || jingzhun_core::text::is_forbidden(c)
                || is_zero_width(c)
        });
    if ok {
        next
    } else {
        "/"
    }
}

/// Zero-width characters, which a browser may drop from a URL.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}')
}

pub async fn healthz() -> &'static str {
    "ok"
}

#[derive(Deserialize)]
pub struct LangQuery {
    to: String,
    #[serde(default)]
    back: String,
}

/// `GET /lang?to=en&back=/path`: sets the `lang` cookie and goes back.
pub async fn switch_lang(State(state): State<AppState>, Query(q): Query<LangQuery>) -> Response {
    let lang = Lang::parse(&q.to).unwrap_or_default();
    let mut res = Redirect::to(safe_next(&q.back)).into_response();
    res.headers_mut().append(
        header::SET_COOKIE,
        cookies::set(
            "lang",
            lang.code(),
            CookieOptions {
                http_only: false,
                secure: state.config().secure_cookies,
                max_age_secs: Some(365 * 24 * 3600),
            },
        ),
    );
    res
}

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
    let token = existing.clone().unwrap_or_else(|| accounts::random_hex(32));
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

/// Today in China (UTC+8), the date status is evaluated on.
pub fn today(state: &AppState) -> NaiveDate {
    (state.now() + chrono::Duration::hours(8)).date_naive()
}

/// Parses an area code from a path; an invalid code is simply not found.
pub fn area_param(code: &str) -> Result<AreaCode, AppError> {
    AreaCode::parse(code).map_err(|_| AppError::NotFound)
}

/// Parses a household id from a path.
pub fn household_param(id: &str) -> Result<HouseholdId, AppError> {
    id.parse::<i64>()
        .map(HouseholdId)
        .map_err(|_| AppError::NotFound)
}

async fn dashboard_page(
    state: AppState,
    lang: Lang,
    uri: OriginalUri,
    can: Can<act::ViewDashboard>,
    code: Option<AreaCode>,
    action: crate::features::action::handlers::ActionParams,
) -> Result<Response, AppError> {
    let today = today(&state);
    let user = can.user.clone();
    let scope = can.scope;
    let st = state.clone();
    let d = state
        .run(move |b| dashboard::dashboard(&st, b, &user, &scope, code, today))
        .await?;
    let trend_json = serde_json::to_string(&d.trend).map_err(|_| AppError::Internal)?;
    // The home page shows what waits in the caller's own area (the warning lists; never waits for the
    // engine to load).
    let waiting = if code.is_none() {
        let (st, scope) = (state.clone(), can.scope);
        tokio::task::spawn_blocking(move || {
            crate::features::warnings::service::waiting(&st, &scope, today)
        })
        .await
        .ok()
        .flatten()
    } else {
        None
    };
    let action =
        crate::features::action::handlers::for_page(&state, &can.user, can.scope, code, &action)
            .await?;
    render(&DashboardPage {
        chrome: Chrome::new(lang, "dash.title", &here(&uri), Some(&can.user)),
        d,
        trend_json,
        waiting,
        action,
    })
}

/// `GET /`: the dashboard of the caller's own area.
pub async fn home(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Query(action): Query<crate::features::action::handlers::ActionParams>,
    can: Can<act::ViewDashboard>,
) -> Result<Response, AppError> {
    dashboard_page(state, lang, uri, can, None, action).await
}

/// `GET /areas/{code}`: drill-down to an area inside the caller's.
pub async fn area_dashboard(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Path(code): Path<String>,
    Query(action): Query<crate::features::action::handlers::ActionParams>,
    can: Can<act::ViewDashboard>,
) -> Result<Response, AppError> {
    let code = area_param(&code)?;
    dashboard_page(state, lang, uri, can, Some(code), action).await
}

#[derive(Deserialize, Default)]
pub struct SearchQuery {
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub area: String,
    /// Page of the results, from 1.
    #[serde(default)]
    pub page: String,
}

impl SearchQuery {
    /// The page asked for (1 when not given); anything but a positive number is a bad request.
    pub fn page(&self) -> Result<usize, AppError> {
        let t = self.page.trim();
        if t.is_empty() {
            return Ok(1);
        }
        match t.parse::<usize>() {
            Ok(p) if (1..=10_000).contains(&p) => Ok(p),
            _ => Err(AppError::BadRequest),
        }
    }

    pub fn area(&self) -> Result<Option<AreaCode>, AppError> {
        if self.area.trim().is_empty() {
            Ok(None)
        } else {
            area_param(self.area.trim()).map(Some)
        }
    }
}

/// `GET /households?q=…&area=…`.
pub async fn search(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Query(q): Query<SearchQuery>,
    can: Can<act::SearchHouseholds>,
) -> Result<Response, AppError> {
    let area = q.area()?;
    let page = q.page()?;
    let today = today(&state);
    let user = can.user.clone();
    let scope = can.scope;
    state.count_search(user.account.id)?;
    // The built index answers in microseconds: on this task, without a blocking-pool hop. Only a
    // search that must build or check the index against the store (or audit a refused area) goes there.
    let fast = households::search_in_memory(
        state.backend().as_ref(),
        &user,
        &scope,
        &q.q,
        area,
        page,
        today,
    );
    let r = match fast {
        Some(r) => r,
        None => {
            state
                .run(move |b| households::search(b, &user, &scope, &q.q, area, page, today))
                .await?
        }
    };
    render(&SearchPage {
        chrome: Chrome::new(lang, "search.title", &here(&uri), Some(&can.user)),
        r,
    })
}

/// `?year=` of the household page: the year the rules evaluate (default: the latest complete year), and
/// `?as_of=YYYY-MM-DD`: the date they evaluate on (default: the year's end, or today while it runs; its
/// year is the default year).
#[derive(Deserialize, Default)]
pub struct YearQuery {
    #[serde(default)]
    pub year: String,
    #[serde(default)]
    pub as_of: String,
}

impl YearQuery {
    /// The year, if given; anything but a plausible year is a bad request.
    pub fn year(&self) -> Result<Option<u16>, AppError> {
        let t = self.year.trim();
        if t.is_empty() {
            return Ok(None);
        }
        match t.parse::<u16>() {
            Ok(y) if (2000..=2100).contains(&y) => Ok(Some(y)),
            _ => Err(AppError::BadRequest),
        }
    }

    /// The evaluation date, if given; anything but a date from 2000 to 2100 is a bad request.
    pub fn as_of(&self) -> Result<Option<NaiveDate>, AppError> {
        let t = self.as_of.trim();
        if t.is_empty() {
            return Ok(None);
        }
        match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            Ok(d) if (2000..=2100).contains(&d.year()) => Ok(Some(d)),
            _ => Err(AppError::BadRequest),
        }
    }
}

/// `GET /households/{id}?year=Y`: the household with the rules' proposals for year `Y`.
pub async fn household(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(q): Query<YearQuery>,
    Query(attach): Query<crate::features::attachments::handlers::CaseQuery>,
    can: Can<act::ViewHousehold>,
) -> Result<Response, AppError> {
    let id = household_param(&id)?;
    let year = q.year()?;
    let as_of = q.as_of()?;
    let today = today(&state);
    let user = can.user.clone();
    let scope = can.scope;
    let st = state.clone();
    let mut h = state
        .run(move |b| {
            households::household_evaluated(b, &user, &scope, id, today, st.policy(), year, as_of)
        })
        .await?;
    if lang == Lang::En {
        if let Some(ev) = &mut h.evaluation {
            ev.in_english();
        }
    }
    // In scope: `household_evaluated` answered.
    let economy = state
        .run(move |b| crate::features::economy::service::household_view(b, id))
        .await?;
    let (view, upload, remove) = (
        can.also(crate::access::Action::ViewAttachments),
        can.also(crate::access::Action::UploadAttachment),
        can.also(crate::access::Action::RemoveAttachment),
    );
    let attachments = state
        .run(move |b| {
            crate::features::attachments::service::household_section(
                b,
                id,
                view,
                upload,
                remove,
                &attach.case,
            )
        })
        .await?;
    let mut page = HouseholdPage {
        economy,
        attachments,
        chrome: Chrome::new(lang, "hh.no", &here(&uri), Some(&can.user)),
        h,
        can_record_lead: can.also(crate::access::Action::RecordLead),
        can_edit: can.also(crate::access::Action::EditHousehold),
        can_record_measure: can.also(crate::access::Action::RecordMeasure),
        can_record_visit: can.also(crate::access::Action::RecordVisit),
        can_assign_cadre: can.also(crate::access::Action::AssignCadre),
    };
    // Titled by the head's name: people know a household by its head, not by its number.
    page.chrome.title = page.h.head_name().to_owned();
    render(&page)
}

fn edit_page(lang: Lang, here: &str, can: &Can<act::EditHousehold>, f: edit::EditForm) -> EditPage {
    let mut page = EditPage {
        chrome: Chrome::new(lang, "edit.title", here, Some(&can.user)),
        f,
    };
    page.chrome.title = format!("{} {}", page.chrome.title, page.f.number);
    page
}

/// `GET /households/{id}/edit`: the edit form, based on the current version.
pub async fn edit_form(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Path(id): Path<String>,
    can: Can<act::EditHousehold>,
) -> Result<Response, AppError> {
    let id = household_param(&id)?;
    let (user, scope) = (can.user.clone(), can.scope);
    let f = state
        .run(move |b| edit::edit_form(b, &user, &scope, id))
        .await?;
    render(&edit_page(lang, &here(&uri), &can, f))
}

/// `POST /households/{id}/edit`: saved → back to the household page; an invalid field → the form with
/// its message (422); a stale version → the conflict view (409). Nothing is written unless saved.
pub async fn edit(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    can: Can<act::EditHousehold>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let hid = household_param(&id)?;
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let outcome = state
        .run(move |b| edit::submit(b, &user, &scope, hid, &pairs, today))
        .await?;
    let here = format!("/households/{}/edit", hid.0);
    match outcome {
        edit::EditOutcome::Saved(_) => {
            Ok(Redirect::to(&format!("/households/{}", hid.0)).into_response())
        }
        edit::EditOutcome::Invalid(f) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render(&edit_page(lang, &here, &can, f))?,
        )
            .into_response()),
        edit::EditOutcome::Conflict(f) => Ok((
            StatusCode::CONFLICT,
            render(&edit_page(lang, &here, &can, f))?,
        )
            .into_response()),
    }
}

/// `GET /policy?year=Y`: the parameters in force for the caller's area (default: the latest complete
/// year), with source, reliability and derivation.
pub async fn policy(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Query(q): Query<YearQuery>,
    can: Can<act::ViewPolicyParams>,
) -> Result<Response, AppError> {
    let year = q
        .year()?
        .unwrap_or_else(|| services::evaluation::default_year(today(&state)));
    let scope = can.scope;
    let st = state.clone();
    let p = state
        .run(move |b| services::policy::policy(b, &scope, st.policy(), year))
        .await?;
    render(&PolicyPage {
        chrome: Chrome::new(lang, "policy.title", &here(&uri), Some(&can.user)),
        p,
    })
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
            services::admit(b, &user, &scope, &area, "area", area.as_str())?;
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

/// Adds `Cache-Control` to a response.
pub fn cache_forever(res: &mut Response) {
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_local_only() {
        assert_eq!(safe_next("/households?q=1"), "/households?q=1");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil"), "/");
    }

    #[test]
    fn back_and_next_refuse_control_characters_whitespace_and_non_local_paths() {
        for bad in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/ /evil.example",
            "/\u{0}/evil.example",
            "/\u{7f}x",
            "/\u{3000}/evil.example",
            "/\u{202E}x",
            "/a\\b",
            "\\\\evil.example",
            " /x",
            "javascript:alert(1)",
            "http:/x",
            "",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
        assert_eq!(
            safe_next("/households/12?year=2020"),
            "/households/12?year=2020"
        );
    }
}
