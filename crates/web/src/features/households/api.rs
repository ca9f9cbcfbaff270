//! Household search and the household as JSON.

use axum::extract::{Path, Query, State};
use axum::Json;

use crate::features::households::handlers::SearchQuery;
use crate::features::households::service::{self as households, HouseholdView, SearchResult};
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::params::household_param;
use crate::http::params::YearQuery;
use crate::http::today;
use crate::state::AppState;

pub async fn search(
    State(state): State<AppState>,
    Query(q): Query<SearchQuery>,
    can: Can<act::SearchHouseholds>,
) -> Result<Json<SearchResult>, AppError> {
    let area = q.area()?;
    let page = q.page()?;
    let today = today(&state);
    let (user, scope) = (can.user, can.scope);
    state.count_search(user.account.id)?;
    // As the page: from the built index on this task, else on the blocking pool.
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
    Ok(Json(r))
}

/// `GET /api/v1/households/{id}?year=Y&as_of=YYYY-MM-DD`: the household with the rules' proposals for `Y`
/// (default: the latest complete year, or the year of `as_of`) as of `as_of` (default: the year's end). Every explanation carries `text_zh` and `text_en`; `text` is
/// in the request's language (the `lang` cookie, as for pages).
pub async fn household(
    State(state): State<AppState>,
    lang: crate::http::i18n::Lang,
    Path(id): Path<String>,
    Query(q): Query<YearQuery>,
    can: Can<act::ViewHousehold>,
) -> Result<Json<HouseholdView>, AppError> {
    let id = household_param(&id)?;
    let year = q.year()?;
    let as_of = q.as_of()?;
    let today = today(&state);
    let (user, scope) = (can.user, can.scope);
    let st = state.clone();
    let mut h = state
        .run(move |b| {
            households::household_evaluated(b, &user, &scope, id, today, st.policy(), year, as_of)
        })
        .await?;
    if lang == crate::http::i18n::Lang::En {
        if let Some(ev) = &mut h.evaluation {
            ev.in_english();
        }
    }
    Ok(Json(h))
}
