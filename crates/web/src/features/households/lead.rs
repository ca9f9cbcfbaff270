//! The household's lead form (`GET /households/{id}/leads/new`, `POST /households/{id}/leads`): a lead of
//! the monitoring workflow opened from the household, optionally filled from a warning list's row. It shows
//! the household (its view, audited like the household page) and opens the case through
//! `features::monitoring::cases::open_lead`.

use axum::extract::{OriginalUri, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use jingzhun_core::{Channel, MonitoringKind, RiskType};

use super::templates::LeadPage;
use crate::features::monitoring::cases::{self, NewLead};
use crate::http::auth::{act, Can};
use crate::http::error::AppError;
use crate::http::i18n::Lang;
use crate::http::page::{render, Chrome};
use crate::http::params::household_param;
use crate::http::today;
use crate::state::AppState;

fn lead_page(
    lang: Lang,
    here: &str,
    user: &crate::http::auth::CurrentUser,
    household_id: i64,
    household_number: String,
    refused: Option<cases::Refused>,
) -> LeadPage {
    LeadPage {
        chrome: Chrome::new(lang, "lead.title", here, Some(user)),
        household_id,
        household_number,
        channels: Channel::ALL,
        kinds: MonitoringKind::ALL,
        risks: RiskType::ALL,
        refused,
        prefill: Default::default(),
    }
}

/// `?from=warnings&year=Y&kind=K` of the lead form: fill it from that row of the warning list.
#[derive(Debug, Default, serde::Deserialize)]
pub struct LeadFrom {
    #[serde(default)]
    from: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    kind: String,
}

/// `GET /households/{id}/leads/new` (with `?from=warnings&year=Y&kind=K`: filled from the warning list's
/// proposal — kind, risk types and the rules' explanation; see `features::warnings`).
pub async fn lead_form(
    State(state): State<AppState>,
    lang: Lang,
    uri: OriginalUri,
    Path(id): Path<String>,
    Query(from): Query<LeadFrom>,
    can: Can<act::RecordLead>,
) -> Result<Response, AppError> {
    let id = household_param(&id)?;
    let today = today(&state);
    let (user, scope) = (can.user.clone(), can.scope);
    let h = state
        .run(move |b| super::service::household(b, &user, &scope, id, today))
        .await?;
    let prefill = if from.from == "warnings" {
        use crate::features::warnings::service;
        let year = from
            .year
            .trim()
            .parse::<u16>()
            .map_err(|_| AppError::BadRequest)?;
        let year = service::check_year(year, today)?;
        let kind = jingzhun_report::warnings::WarningKind::from_code(from.kind.trim())
            .ok_or(AppError::BadRequest)?;
        let st = state.clone();
        tokio::task::spawn_blocking(move || {
            service::lead_prefill(&st, jingzhun_core::HouseholdId(h.id), year, kind)
        })
        .await??
    } else {
        Default::default()
    };
    let here = uri
        .0
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let mut page = lead_page(lang, &here, &can.user, h.id, h.number, None);
    page.prefill = prefill;
    render(&page)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// `POST /households/{id}/leads`: opens a case and goes to it; while the household has an open case the
/// form comes back with the reason and a link to that case (409).
pub async fn create_lead(
    State(state): State<AppState>,
    lang: Lang,
    Path(id): Path<String>,
    can: Can<act::RecordLead>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let id = household_param(&id)?;
    let channel = field(&fields, "channel")
        .and_then(Channel::from_code)
        .ok_or(AppError::BadRequest)?;
    let monitoring_kind = field(&fields, "monitoring_kind").and_then(MonitoringKind::from_code);
    let risk_types = fields
        .iter()
        .filter(|(k, _)| k == "risk")
        .filter_map(|(_, v)| RiskType::from_code(v))
        .collect();
    let lead = NewLead {
        channel,
        monitoring_kind,
        risk_types,
        note: field(&fields, "note").unwrap_or_default().trim().to_owned(),
    };
    let today = today(&state);
    let now = state.now();
    let (user, scope) = (can.user.clone(), can.scope);
    let opened = state
        .run(move |b| cases::open_lead(b, &user, &scope, id, lead, now))
        .await?;
    match opened {
        Ok(case_id) => Ok(Redirect::to(&format!("/cases/{case_id}")).into_response()),
        Err(refused) => {
            let (user, scope) = (can.user.clone(), can.scope);
            let h = state
                .run(move |b| super::service::household(b, &user, &scope, id, today))
                .await?;
            let here = format!("/households/{}/leads/new", id.0);
            let status = if refused.fields.is_empty() {
                StatusCode::CONFLICT
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let page = lead_page(lang, &here, &can.user, h.id, h.number, Some(refused));
            Ok((status, render(&page)?).into_response())
        }
    }
}
