//! `GET /policy`: the parameters in force.

use axum::extract::{OriginalUri, Query, State};
use axum::response::Response;

use super::templates::*;
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::params::{here, YearQuery};
use crate::http::today;
use crate::state::AppState;

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
        .unwrap_or_else(|| crate::features::evaluation::service::default_year(today(&state)));
    let scope = can.scope;
    let st = state.clone();
    let p = state
        .run(move |b| crate::features::policy::service::policy(b, &scope, st.policy(), year))
        .await?;
    render(&PolicyPage {
        chrome: Chrome::new(lang, "policy.title", &here(&uri), Some(&can.user)),
        p,
    })
}
