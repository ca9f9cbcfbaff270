//! HTTP of the monitoring workflow's pages: the inbox with its filters and export, the "待我办理" count,
//! the village review of several households, its notice with the objections, the batches, the decision
//! notice and the household card. The logic is [`super::service`]'s.

use askama::Template;
use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Form, Json};
use chrono::NaiveDate;
use jingzhun_core::monitoring::{CaseId, CaseKind, Outcome, Step};
use jingzhun_core::notice::ObjectionId;
use jingzhun_core::AreaCode;
use serde::Deserialize;

use super::service::{self, InboxQuery, InboxSort, TimingFilter};
use crate::features::monitoring::cases::Refused;
use crate::http::auth::{act, ActionMarker, Can};
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::params::area_param;
use crate::http::params::household_param;
use crate::http::today;
use crate::state::AppState;

fn limit_fn(state: &AppState) -> impl Fn(&AreaCode, u16) -> u16 + Sync + '_ {
    move |area, year| state.identification_days_limit(area, year)
}

fn here(uri: &OriginalUri, default: &str) -> String {
    uri.0
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| default.to_owned())
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

// ---- The inbox ----

/// The inbox's parameters: `all`, `area`, `page`, `step`, `kind`, `timing` (near|overdue), `mine`, `sort`
/// (deadline|newest). Blank means not given.
#[derive(Debug, Default, Deserialize)]
pub struct InboxParams {
    #[serde(default)]
    pub all: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub page: String,
    #[serde(default)]
    pub step: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub timing: String,
    #[serde(default)]
    pub mine: String,
    #[serde(default)]
    pub sort: String,
}

impl InboxParams {
    /// The query, or 400 for a value that is not one of the codes.
    pub fn query(&self) -> Result<InboxQuery, AppError> {
        let flag = |s: &str| matches!(s.trim(), "1" | "true");
        Ok(InboxQuery {
            all: flag(&self.all),
            area: match self.area.trim() {
                "" => None,
                a => Some(AreaCode::parse(a).map_err(|_| AppError::BadRequest)?),
            },
            page: match self.page.trim() {
                "" => 0,
                p => p.parse::<usize>().map_err(|_| AppError::BadRequest)?,
            },
            step: match self.step.trim() {
                "" => None,
                s => Some(Step::from_code(s).ok_or(AppError::BadRequest)?),
            },
            kind: match self.kind.trim() {
                "" => None,
                k => Some(CaseKind::from_code(k).ok_or(AppError::BadRequest)?),
            },
            timing: match self.timing.trim() {
                "" => None,
                "near" => Some(TimingFilter::Near),
                "overdue" => Some(TimingFilter::Overdue),
                _ => return Err(AppError::BadRequest),
            },
            mine: flag(&self.mine),
            sort: match self.sort.trim() {
                "" | "deadline" => InboxSort::Deadline,
                "newest" => InboxSort::Newest,
                _ => return Err(AppError::BadRequest),
            },
        })
    }
}

#[derive(Template)]
#[template(path = "monitoring/inbox.html")]
pub struct InboxPage {
    pub chrome: Chrome,
    pub inbox: service::Inbox,
    pub steps: &'static [Step],
    pub kinds: &'static [CaseKind],
    pub can_export: bool,
}

/// `GET /cases`: the inbox of the caller's area (or of `?area=` inside it), filtered, one page at a time.
pub async fn inbox(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Query(params): Query<InboxParams>,
    can: Can<act::ViewHousehold>,
) -> Result<Response, AppError> {
    let query = params.query()?;
    let today = today(&state);
    let (user, scope, st) = (can.user.clone(), can.scope, state.clone());
    let inbox = state
        .run(move |b| service::inbox(b, &user, &scope, &query, &limit_fn(&st), today))
        .await?;
    render(&InboxPage {
        chrome: Chrome::new(lang, "cases.title", &here(&uri, "/cases"), Some(&can.user)),
        inbox,
        steps: &Step::ALL[1..],
        kinds: CaseKind::ALL,
        can_export: crate::access::allows(
            can.user.account.role,
            crate::access::Action::DownloadReports,
        ),
    })
}

/// What `GET /api/v1/cases/todo` answers.
#[derive(Debug, serde::Serialize)]
pub struct Todo {
    /// Open cases of the caller's area waiting for a step the caller's role records.
    pub count: u64,
    /// Those steps' codes.
    pub steps: Vec<&'static str>,
}

/// `GET /api/v1/cases/todo`: the "待我办理" count the navigation shows.
pub async fn todo(
    State(state): State<AppState>,
    can: Can<act::ViewHousehold>,
) -> Result<Response, AppError> {
    let (user, scope) = (can.user.clone(), can.scope);
    let count = state
        .run(move |b| service::todo_count(b, &user, &scope))
        .await?;
    let steps = service::steps_of(can.user.account.role)
        .into_iter()
        .map(Step::code)
        .collect();
    let mut res = Json(Todo { count, steps }).into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

// ---- The village review ----

#[derive(Template)]
#[template(path = "monitoring/review.html")]
pub struct ReviewPage {
    pub chrome: Chrome,
    pub f: service::ReviewForm,
    pub refused: Option<Refused>,
}

/// `GET /villages/{code}/review`: the village's cases due for the village review, to review together.
pub async fn review_form(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Path(code): Path<String>,
    can: Can<act::VillageReview>,
) -> Result<Response, AppError> {
    let village = area_param(&code)?;
    let today = today(&state);
    let (user, scope, st) = (can.user.clone(), can.scope, state.clone());
    let f = state
        .run(move |b| {
            service::review_form(
                b,
                &user,
                &scope,
                &village,
                &limit_fn(&st),
                st.policy(),
                today,
            )
        })
        .await?;
    let mut page = ReviewPage {
        chrome: Chrome::new(lang, "review.title", &here(&uri, "/cases"), Some(&can.user)),
        f,
        refused: None,
    };
    page.chrome.title = format!("{} {}", page.f.village_name, page.chrome.title);
    render(&page)
}

/// The review form's items: `case` (one per household reviewed; unchecked ones are left out), and for
/// each `outcome_{case}`, `note_{case}`, `seen_{case}`.
fn review_items(fields: &[(String, String)]) -> Result<Vec<service::ReviewItem>, AppError> {
    let mut items = Vec::new();
    for (k, v) in fields {
        if k != "case" {
            continue;
        }
        let case = CaseId::parse(v.trim()).map_err(|_| AppError::BadRequest)?;
        let outcome = match field(fields, &format!("outcome_{case}")) {
            None => Outcome::Pass,
            Some(o) => Outcome::from_code(o).ok_or(AppError::BadRequest)?,
        };
        let seen = field(fields, &format!("seen_{case}"))
            .ok_or(AppError::BadRequest)?
            .parse::<usize>()
            .map_err(|_| AppError::BadRequest)?;
        items.push(service::ReviewItem {
            case,
            seen,
            outcome,
            note: field(fields, &format!("note_{case}"))
                .unwrap_or_default()
                .to_owned(),
        });
    }
    Ok(items)
}

fn date_field(fields: &[(String, String)], name: &str) -> Result<Option<NaiveDate>, AppError> {
    field(fields, name)
        .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| AppError::BadRequest))
        .transpose()
}

/// The meeting's fields of a village review form: `reviewed_on`, `participants`, `complaint_phone`.
pub fn meeting_of(fields: &[(String, String)]) -> Result<service::ReviewMeeting, AppError> {
    Ok(service::ReviewMeeting {
        reviewed_on: date_field(fields, "reviewed_on")?,
        participants: field(fields, "participants").unwrap_or_default().to_owned(),
        complaint_phone: field(fields, "complaint_phone")
            .unwrap_or_default()
            .to_owned(),
    })
}

/// `POST /villages/{code}/review`: records the review of the checked households with one notice, and goes
/// to the notice; what is missing comes back on the form (422).
pub async fn record_review(
    State(state): State<AppState>,
    lang: Lang,
    Path(code): Path<String>,
    can: Can<act::VillageReview>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let village = area_param(&code)?;
    let meeting = meeting_of(&fields)?;
    let items = review_items(&fields)?;
    let now = state.now();
    let today = today(&state);
    let (user, scope, st) = (can.user.clone(), can.scope, state.clone());
    let done = state
        .run(move |b| {
            let done = service::record_review(
                b,
                &user,
                &scope,
                &village,
                &meeting,
                &items,
                st.policy(),
                now,
            )?;
            match done {
                Ok(id) => {
                    let first = items
                        .first()
                        .map(|i| i.case.to_string())
                        .unwrap_or_default();
                    Ok(Ok((id, first)))
                }
                Err(r) => {
                    let f = service::review_form(
                        b,
                        &user,
                        &scope,
                        &village,
                        &limit_fn(&st),
                        st.policy(),
                        today,
                    )?;
                    Ok(Err((r, f)))
                }
            }
        })
        .await?;
    match done {
        Ok((_, first)) => Ok(Redirect::to(&format!("/cases/{first}/notice")).into_response()),
        Err((r, f)) => {
            let mut page = ReviewPage {
                chrome: Chrome::new(
                    lang,
                    "review.title",
                    &format!("/villages/{code}/review"),
                    Some(&can.user),
                ),
                f,
                refused: Some(r),
            };
            page.chrome.title = format!("{} {}", page.f.village_name, page.chrome.title);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)?).into_response())
        }
    }
}

// ---- The notice ----

#[derive(Template)]
#[template(path = "monitoring/notice.html")]
pub struct ReviewNoticePage {
    pub chrome: Chrome,
    pub n: service::NoticeView,
    pub case_id: String,
    pub refused: Option<Refused>,
}

#[derive(Template)]
#[template(path = "monitoring/case_notice.html")]
pub struct CaseNoticePage {
    pub chrome: Chrome,
    pub n: crate::features::monitoring::cases::Notice,
}

async fn notice_page(
    state: AppState,
    lang: Lang,
    case_id: String,
    user: &crate::http::auth::CurrentUser,
    scope: crate::access::Scope,
    refused: Option<Refused>,
) -> Result<Response, AppError> {
    let today = today(&state);
    let (u, st) = (user.clone(), state.clone());
    let id = case_id.clone();
    let n = state
        .run(
            move |b| match service::review_of_case(b, &u, &scope, &id)? {
                Some(review) => service::notice(b, &u, &scope, review, today).map(Ok),
                None => crate::features::monitoring::cases::notice(
                    b,
                    &u,
                    &scope,
                    &id,
                    st.policy(),
                    today,
                )
                .map(Err),
            },
        )
        .await?;
    let status = if refused.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let here = format!("/cases/{case_id}/notice");
    let page = match n {
        Ok(n) => {
            let mut p = ReviewNoticePage {
                chrome: Chrome::new(lang, "notice.title", &here, Some(user)),
                n,
                case_id,
                refused,
            };
            p.chrome.title = format!("{} {}", p.n.village_name, p.chrome.title);
            render(&p)?
        }
        Err(n) => render(&CaseNoticePage {
            chrome: Chrome::new(lang, "notice.title", &here, Some(user)),
            n,
        })?,
    };
    Ok((status, page).into_response())
}

/// `GET /cases/{case}/notice`: the notice of the case's village review (all its households, printable),
/// with the objections; for a case reviewed before reviews were kept, its own notice.
pub async fn notice(
    State(state): State<AppState>,
    lang: Lang,
    Path(case_id): Path<String>,
    can: Can<act::ViewHousehold>,
) -> Result<Response, AppError> {
    notice_page(state, lang, case_id, &can.user, can.scope, None).await
}

/// `POST /cases/{case}/objections`: an objection raised against the notice of the case's review (`about`:
/// the case it names, or blank for the notice as a whole; `raised_by`, `raised_on`, `content`, and
/// optionally `resolution` when it was resolved on the spot).
pub async fn add_objection(
    State(state): State<AppState>,
    lang: Lang,
    Path(case_id): Path<String>,
    can: Can<act::VillageReview>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let about = field(&fields, "about")
        .map(|c| CaseId::parse(c).map_err(|_| AppError::BadRequest))
        .transpose()?;
    let today = today(&state);
    let input = service::ObjectionInput {
        case: about,
        raised_by: field(&fields, "raised_by").unwrap_or_default().to_owned(),
        raised_on: date_field(&fields, "raised_on")?.unwrap_or(today),
        content: field(&fields, "content").unwrap_or_default().to_owned(),
        resolution: field(&fields, "resolution").map(str::to_owned),
    };
    let (user, scope) = (can.user.clone(), can.scope);
    let id = case_id.clone();
    let done = state
        .run(
            move |b| match service::review_of_case(b, &user, &scope, &id)? {
                Some(review) => service::add_objection(b, &user, &scope, review, input, today),
                None => Ok(Err(Refused::new(
                    "该监测事项没有村级评议公示，不能登记异议",
                ))),
            },
        )
        .await?;
    after_objection(state, lang, case_id, can, done.map(|_| ())).await
}

async fn after_objection<A: ActionMarker>(
    state: AppState,
    lang: Lang,
    case_id: String,
    can: Can<A>,
    done: Result<(), Refused>,
) -> Result<Response, AppError> {
    match done {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{case_id}/notice#objections")).into_response()),
        Err(r) => {
            // No review at all: the case's step routes answer a refusal of this kind with 409.
            if r.message.contains("没有村级评议公示") {
                return Ok((StatusCode::CONFLICT, r.message).into_response());
            }
            notice_page(state, lang, case_id, &can.user, can.scope, Some(r)).await
        }
    }
}

/// `POST /cases/{case}/objections/resolve`: how the objection `objection` was resolved (`resolution`).
pub async fn resolve_objection(
    State(state): State<AppState>,
    lang: Lang,
    Path(case_id): Path<String>,
    can: Can<act::VillageReview>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let objection = field(&fields, "objection")
        .map(|o| o.parse::<i64>().map(ObjectionId))
        .transpose()
        .map_err(|_| AppError::BadRequest)?;
    let resolution = field(&fields, "resolution").unwrap_or_default().to_owned();
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let id = case_id.clone();
    let done = state
        .run(
            move |b| match service::review_of_case(b, &user, &scope, &id)? {
                Some(review) => match objection {
                    Some(o) => {
                        service::resolve_objection(b, &user, &scope, review, o, &resolution, today)
                    }
                    None => Ok(Err(Refused::new("请选择要处理的异议"))),
                },
                None => Ok(Err(Refused::new(
                    "该监测事项没有村级评议公示，不能登记异议",
                ))),
            },
        )
        .await?;
    after_objection(state, lang, case_id, can, done).await
}

// ---- Batches ----

#[derive(Template)]
#[template(path = "monitoring/batch.html")]
pub struct BatchPage {
    pub chrome: Chrome,
    pub b: service::Batch,
    pub segment: &'static str,
    pub results: Vec<service::BatchResult>,
    pub refused: Option<Refused>,
}

/// `?area=` of a batch page.
#[derive(Debug, Default, Deserialize)]
pub struct BatchParams {
    #[serde(default)]
    pub area: String,
}

fn area_opt(a: &str) -> Result<Option<AreaCode>, AppError> {
    match a.trim() {
        "" => Ok(None),
        a => AreaCode::parse(a)
            .map(Some)
            .map_err(|_| AppError::BadRequest),
    }
}

#[allow(clippy::too_many_arguments)]
async fn batch_page<A: ActionMarker>(
    state: AppState,
    lang: Lang,
    can: &Can<A>,
    step: Step,
    area: Option<AreaCode>,
    results: Vec<service::BatchResult>,
    refused: Option<Refused>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let today = today(&state);
    let (user, scope, st) = (can.user.clone(), can.scope, state.clone());
    let b = state
        .run(move |b| {
            service::batch(
                b,
                &user,
                &scope,
                step,
                area,
                &limit_fn(&st),
                st.policy(),
                today,
            )
        })
        .await?;
    let segment = crate::features::monitoring::workflow::segment(step);
    let mut page = BatchPage {
        chrome: Chrome::new(
            lang,
            "batch.title",
            &format!("/cases/batch/{segment}"),
            Some(&can.user),
        ),
        b,
        segment,
        results,
        refused,
    };
    page.chrome.title = format!("{}：{}", page.chrome.title, step.label());
    Ok((status, render(&page)?).into_response())
}

/// The batch form: `case` once per confirmed household (each row's own checkbox), `seen_{case}`, and
/// `note` (the opinion every decision records as its reason).
fn batch_decisions(fields: &[(String, String)]) -> Result<Vec<service::BatchDecision>, AppError> {
    fields
        .iter()
        .filter(|(k, _)| k == "case")
        .map(|(_, v)| {
            let case = v.trim().to_owned();
            let seen = field(fields, &format!("seen_{case}"))
                .ok_or(AppError::BadRequest)?
                .parse::<usize>()
                .map_err(|_| AppError::BadRequest)?;
            Ok(service::BatchDecision { case, seen })
        })
        .collect()
}

async fn record_batch<A: ActionMarker>(
    state: AppState,
    lang: Lang,
    can: Can<A>,
    step: Step,
    fields: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let decisions = batch_decisions(&fields)?;
    let note = field(&fields, "note").unwrap_or_default().to_owned();
    let area = area_opt(field(&fields, "area").unwrap_or_default())?;
    let now = state.now();
    let (user, scope, st) = (can.user.clone(), can.scope, state.clone());
    let done = state
        .run(move |b| {
            service::record_batch(
                b,
                &user,
                &scope,
                step,
                &decisions,
                &note,
                &limit_fn(&st),
                st.policy(),
                now,
            )
        })
        .await?;
    match done {
        Ok(results) => {
            batch_page(state, lang, &can, step, area, results, None, StatusCode::OK).await
        }
        Err(r) => {
            batch_page(
                state,
                lang,
                &can,
                step,
                area,
                Vec::new(),
                Some(r),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// `GET /cases/batch/township-review`: the cases waiting for the township review, with their facts.
pub async fn township_batch(
    State(state): State<AppState>,
    lang: Lang,
    Query(p): Query<BatchParams>,
    can: Can<act::TownshipReview>,
) -> Result<Response, AppError> {
    let area = area_opt(&p.area)?;
    batch_page(
        state,
        lang,
        &can,
        Step::TownshipReview,
        area,
        Vec::new(),
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /cases/batch/township-review`: records the township review of each confirmed case.
pub async fn record_township_batch(
    State(state): State<AppState>,
    lang: Lang,
    can: Can<act::TownshipReview>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    record_batch(state, lang, can, Step::TownshipReview, fields).await
}

/// `GET /cases/batch/county-approval`: the cases waiting for the county approval, with their facts.
pub async fn county_batch(
    State(state): State<AppState>,
    lang: Lang,
    Query(p): Query<BatchParams>,
    can: Can<act::CountyApproval>,
) -> Result<Response, AppError> {
    let area = area_opt(&p.area)?;
    batch_page(
        state,
        lang,
        &can,
        Step::CountyApproval,
        area,
        Vec::new(),
        None,
        StatusCode::OK,
    )
    .await
}

/// `POST /cases/batch/county-approval`: records the county approval of each confirmed case.
pub async fn record_county_batch(
    State(state): State<AppState>,
    lang: Lang,
    can: Can<act::CountyApproval>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    record_batch(state, lang, can, Step::CountyApproval, fields).await
}

// ---- The decision notice and the household card ----

#[derive(Template)]
#[template(path = "monitoring/decision.html")]
pub struct DecisionPage {
    pub chrome: Chrome,
    pub d: service::DecisionNotice,
}

/// `GET /cases/{case}/decision`: the printable decision notice (告知书) of a closed case.
pub async fn decision(
    State(state): State<AppState>,
    lang: Lang,
    Path(case_id): Path<String>,
    can: Can<act::ViewHousehold>,
) -> Result<Response, AppError> {
    let (user, scope) = (can.user.clone(), can.scope);
    let id = case_id.clone();
    let d = state
        .run(move |b| service::decision_notice(b, &user, &scope, &id))
        .await?;
    render(&DecisionPage {
        chrome: Chrome::new(
            lang,
            "decision.title",
            &format!("/cases/{case_id}/decision"),
            Some(&can.user),
        ),
        d,
    })
}

#[derive(Template)]
#[template(path = "monitoring/card.html")]
pub struct CardPage {
    pub chrome: Chrome,
    pub c: service::HouseholdCard,
}

/// `GET /households/{id}/card`: the household's printable 明白卡.
pub async fn card(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    can: Can<act::ViewHousehold>,
) -> Result<Response, AppError> {
    let id = household_param(&id)?;
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let c = state
        .run(move |b| service::household_card(b, &user, &scope, id, today))
        .await?;
    let mut page = CardPage {
        chrome: Chrome::new(
            lang,
            "card.title",
            &format!("/households/{}/card", id.0),
            Some(&can.user),
        ),
        c,
    };
    page.chrome.title = format!("{} {}", page.c.head_name, page.chrome.title);
    render(&page)
}
