//! `GET /api/v1/areas/{code}`: an area and its children.

use axum::extract::{Path, State};
use axum::Json;

use crate::features::areas::service::{self as areas, AreaView};
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::params::area_param;
use crate::state::AppState;

pub async fn area(
    State(state): State<AppState>,
    Path(code): Path<String>,
    can: Can<act::ViewAreas>,
) -> Result<Json<AreaView>, AppError> {
    let code = area_param(&code)?;
    let (user, scope) = (can.user, can.scope);
    let a = state
        .run(move |b| areas::area(b, &user, &scope, Some(code)))
        .await?;
    Ok(Json(a))
}
