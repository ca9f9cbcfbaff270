//! `GET /api/v1/policy`.

use axum::extract::{Query, State};
use axum::Json;

use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::params::YearQuery;
use crate::http::today;
use crate::state::AppState;

/// `GET /api/v1/policy?year=Y`: the parameters in force for the caller's area, with their provenance.
pub async fn policy(
    State(state): State<AppState>,
    Query(q): Query<YearQuery>,
    can: Can<act::ViewPolicyParams>,
) -> Result<Json<crate::features::policy::service::PolicyView>, AppError> {
    let year = q
        .year()?
        .unwrap_or_else(|| crate::features::evaluation::service::default_year(today(&state)));
    let scope = can.scope;
    let st = state.clone();
    let p = state
        .run(move |b| crate::features::policy::service::policy(b, &scope, st.policy(), year))
        .await?;
    Ok(Json(p))
}
