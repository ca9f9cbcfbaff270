//! `GET /api/v1/me`: the signed-in account.

use axum::Json;
use serde::Serialize;

use crate::http::auth::SignedIn;

/// The signed-in account, as `/api/v1/me` returns it.
#[derive(Debug, Serialize)]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub role: &'static str,
    pub role_label: &'static str,
    pub area: String,
    pub must_change_password: bool,
    /// The token to send as `X-CSRF-Token` with unsafe requests.
    pub csrf_token: String,
}

pub async fn me(SignedIn(user): SignedIn) -> Json<Me> {
    let a = &user.account;
    Json(Me {
        username: a.username.clone(),
        display_name: a.display_name.clone(),
        role: a.role.code(),
        role_label: a.role.label(),
        area: a.area.as_str().to_owned(),
        must_change_password: a.must_change_password,
        csrf_token: user.csrf_token.clone(),
    })
}
