//! Small parsers of what a request carries: path parameters (a malformed one is simply not found) and the
//! client's address.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use jingzhun_core::{AreaCode, HouseholdId};

use crate::http::error::AppError;

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
