//! Household search and the household page, with the personal-data rules:
//!
//! * lists always mask resident IDs (`5119************12`) and phone numbers (`138****5678`) (the search
//!   index keeps only the masked forms);
//! * search by a resident ID, whole or its last 6–17 characters, only for roles that may
//!   [`Action::ViewPersonalData`] (for the others it finds nothing), and every such search is audited;
//! * the household page shows full values only when the role may [`Action::ViewPersonalData`];
//! * the audit trail only when the role may [`Action::ViewAuditTrail`].

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{AreaCode, HouseholdId, HouseholdStatus, RegistryStatus, StatusEvent};
use serde::Serialize;

use crate::access::{allows, Action, Scope};
use crate::data::{AuditLine, Backend, HouseholdRecord, SearchHit, SearchQuery, VersionLine};
use crate::http::auth::CurrentUser;
use jingzhun_policy::PolicyPack;

use crate::features::evaluation::service::EvaluationView;
use crate::http::error::AppError;
use crate::http::page::Coded;

/// Rows on one page of search results.
pub const SEARCH_PAGE_SIZE: usize = 20;

/// A household's standing today, for lists and the page header.
#[derive(Debug, Clone, Serialize)]
pub struct StandingView {
    /// `not_registered`, `poor`, `exited` or `removed`.
    pub registry: &'static str,
    pub registry_label: &'static str,
    pub monitoring: Option<Coded>,
    pub risk_types: Vec<Coded>,
}

fn standing(events: &[StatusEvent], today: NaiveDate) -> StandingView {
    let s = HouseholdStatus::on(events, today);
    let (registry, registry_label) = match s.registry {
        RegistryStatus::NotRegistered => ("not_registered", "一般农户"),
        RegistryStatus::Poor { .. } => ("poor", "贫困户（未脱贫）"),
        RegistryStatus::Exited { .. } => ("exited", "脱贫户"),
        RegistryStatus::Removed { .. } => ("removed", "已清退"),
    };
    StandingView {
        registry,
        registry_label,
        monitoring: s.monitoring.map(|k| Coded {
            code: k.code(),
            label: k.label(),
        }),
        risk_types: s
            .risk_types
            .iter()
            .map(|r| Coded {
                code: r.code(),
                label: r.label(),
            })
            .collect(),
    }
}

/// One line of the search results: identity data always masked.
#[derive(Debug, Clone, Serialize)]
pub struct HouseholdLine {
    pub id: i64,
    pub number: String,
    pub village_code: String,
    pub village_name: String,
    pub head_name: String,
    pub head_resident_id: String,
    pub phone: Option<String>,
    pub size: u32,
    pub standing: StandingView,
}

/// One page of search results.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResult {
    pub query: String,
    pub within: String,
    pub households: Vec<HouseholdLine>,
    /// Page number, from 1.
    pub page: usize,
    pub page_size: usize,
    /// Matches counted; when `total_capped`, there are more than this.
    pub total: usize,
    pub total_capped: bool,
    /// Whether a next page exists.
    pub more: bool,
}

impl SearchResult {
    /// The count as shown: `1000+` when counting stopped.
    pub fn total_label(&self) -> String {
        if self.total_capped {
            format!("{}+", self.total)
        } else {
            self.total.to_string()
        }
    }

    /// Position of the first row shown, from 1 (0 when there is none).
    pub fn first_row(&self) -> usize {
        if self.households.is_empty() {
            0
        } else {
            (self.page - 1) * self.page_size + 1
        }
    }

    pub fn last_row(&self) -> usize {
        (self.page - 1) * self.page_size + self.households.len()
    }

    /// The link to another page of the same search.
    pub fn page_link(&self, page: usize) -> String {
        format!(
            "/households?q={}&area={}&page={page}",
            crate::http::error::urlencode(&self.query),
            self.within
        )
    }
}

/// Caches area names for one request.
struct Names<'a> {
    backend: &'a dyn Backend,
    names: HashMap<AreaCode, String>,
}

impl<'a> Names<'a> {
    fn new(backend: &'a dyn Backend) -> Self {
        Self {
            backend,
            names: HashMap::new(),
        }
    }

    fn name(&mut self, code: &AreaCode) -> String {
        if let Some(n) = self.names.get(code) {
            return n.clone();
        }
        let n = self
            .backend
            .area(code)
            .map(|a| a.name)
            .unwrap_or_else(|_| code.as_str().to_owned());
        self.names.insert(*code, n.clone());
        n
    }
}

fn line(hit: SearchHit, names: &mut Names<'_>, today: NaiveDate) -> HouseholdLine {
    HouseholdLine {
        id: hit.id.0,
        village_code: hit.village.as_str().to_owned(),
        village_name: names.name(&hit.village),
        standing: standing(&hit.events, today),
        number: hit.number,
        head_name: hit.head_name,
        // The index keeps only the masked forms.
        head_resident_id: hit.head_resident_id,
        phone: hit.phone,
        size: hit.size,
    }
}

/// Page `page` (from 1) of the households within the scope (or within `area`, which must lie inside it)
/// matching `text`.
pub fn search(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    text: &str,
    area: Option<AreaCode>,
    page: usize,
    today: NaiveDate,
) -> Result<SearchResult, AppError> {
    let within = area.unwrap_or(scope.area());
    crate::http::admit(backend, user, scope, &within, "area", within.as_str())?;
    let result: SearchResult = search_with(
        backend,
        user,
        within,
        text,
        page,
        today,
        |within, query, offset, limit| {
            Ok::<_, AppError>(backend.search_households(within, query, offset, limit)?)
        },
    )?;
    if crate::http::security::is_resident_id_query(user, text) {
        // Who searched which area by resident ID, and how much it found; never the ID typed.
        let note = crate::data::AuditNote {
            actor: &user.account.username,
            action: "search_by_resident_id",
            entity: "area",
            entity_id: within.as_str(),
            reason: "按身份证号检索",
            detail: serde_json::json!({
                "characters": jingzhun_core::text::normalize(text).len(),
                "matches": result.total,
            }),
        };
        backend.append_audit(&note)?;
    }
    Ok(result)
}

/// [`search`] when it needs no store read (the area inside the scope, the backend's index ready: see
/// [`Backend::search_households_in_memory`]), so the handler can answer on the request's own task; `None`
/// otherwise (then [`search`] on the blocking pool, which also audits a refused area).
pub fn search_in_memory(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    text: &str,
    area: Option<AreaCode>,
    page: usize,
    today: NaiveDate,
) -> Option<SearchResult> {
    let within = area.unwrap_or(scope.area());
    // Outside the scope (audited) and searches by resident ID (audited too) go to `search`.
    if !scope.contains(&within) || crate::http::security::is_resident_id_query(user, text) {
        return None;
    }
    search_with(
        backend,
        user,
        within,
        text,
        page,
        today,
        |within, query, offset, limit| {
            backend
                .search_households_in_memory(within, query, offset, limit)
                .ok_or(())
        },
    )
    .ok()
}

fn search_with<E>(
    backend: &dyn Backend,
    user: &CurrentUser,
    within: AreaCode,
    text: &str,
    page: usize,
    today: NaiveDate,
    find: impl FnOnce(&AreaCode, &SearchQuery, usize, usize) -> Result<crate::data::SearchPage, E>,
) -> Result<SearchResult, E> {
    let page = page.max(1);
    let query = SearchQuery {
        text: jingzhun_core::text::normalize(text),
        id_tails: allows(user.account.role, Action::ViewPersonalData),
    };
    let found = if query.text.is_empty() {
        crate::data::SearchPage::default()
    } else {
        let offset = (page - 1).saturating_mul(SEARCH_PAGE_SIZE);
        find(&within, &query, offset, SEARCH_PAGE_SIZE)?
    };
    let mut names = Names::new(backend);
    let more = found.capped || found.total > page.saturating_mul(SEARCH_PAGE_SIZE);
    let households = found
        .hits
        .into_iter()
        .map(|h| line(h, &mut names, today))
        .collect();
    Ok(SearchResult {
        query: query.text,
        within: within.as_str().to_owned(),
        households,
        page,
        page_size: SEARCH_PAGE_SIZE,
        total: found.total,
        total_capped: found.capped,
        more,
    })
}

/// A member on the household page.
#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub name: String,
    /// Full or masked, by role.
    pub resident_id: String,
    pub sex: Coded,
    pub relationship: Coded,
    pub age: u32,
    pub education: Option<Coded>,
    /// Only for roles that may see personal data (health is personal data).
    pub health: Option<Coded>,
    pub labour: Option<Coded>,
}

/// One year of income.
#[derive(Debug, Clone, Serialize)]
pub struct IncomeView {
    pub year: u16,
    /// Net income in yuan as text (`12,345.60`), all components counted.
    pub net: String,
    pub per_capita: String,
    /// Per-capita net income in fen, for charts.
    pub per_capita_fen: i64,
}

/// One status decision.
#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub effective: NaiveDate,
    pub kind: Coded,
    pub monitoring_kind: Option<Coded>,
    pub risk_types: Vec<Coded>,
    pub note: String,
}

/// Everything the household page shows.
#[derive(Debug, Clone, Serialize)]
pub struct HouseholdView {
    pub id: i64,
    pub version: i64,
    pub number: String,
    pub village_code: String,
    pub village_name: String,
    pub natural_village: Option<String>,
    pub phone: Option<String>,
    /// Whether resident IDs and the phone are shown in full.
    pub full_personal_data: bool,
    pub attribute: Option<Coded>,
    pub main_cause: Option<Coded>,
    pub standing: StandingView,
    pub members: Vec<MemberView>,
    pub incomes: Vec<IncomeView>,
    pub timeline: Vec<EventView>,
    pub versions: Vec<VersionLine>,
    /// `None` when the role may not see the audit trail.
    pub audit: Option<Vec<AuditLine>>,
    /// Monitoring cases of the household with every step, oldest first.
    pub cases: Vec<crate::features::monitoring::cases::CaseLink>,
    /// Assistance measures, visits and paired cadres.
    pub monitoring: crate::features::assistance::service::MonitoringView,
    /// What the rules propose for the household (computed on request; see [`household_evaluated`]).
    pub evaluation: Option<EvaluationView>,
    /// Members' names by their full resident ID, for the economy section's records (kept by ID); never
    /// shown or sent.
    #[serde(skip)]
    pub names_by_id: std::collections::HashMap<String, String>,
}

impl HouseholdView {
    /// The head's name: people know a household by its head, so the page carries it as its title (the
    /// first member when no one is recorded as head, the household number when there are no members).
    pub fn head_name(&self) -> &str {
        self.members
            .iter()
            .find(|m| m.relationship.code == jingzhun_core::Relationship::Head.code())
            .or(self.members.first())
            .map_or(self.number.as_str(), |m| m.name.as_str())
    }
}

fn coded<T: Copy>(v: T, code: fn(T) -> &'static str, label: fn(T) -> &'static str) -> Coded {
    Coded {
        code: code(v),
        label: label(v),
    }
}

/// The household page of `id` with the rules' proposals for `year` (default: the latest complete year) as
/// of `as_of` (default: the year's end, or today while the year is not over) under `pack`; a household
/// outside the scope answers not found (and is audited). The facts come from the one builder with the
/// household's side facts (department findings, measures), as in the engine.
#[allow(clippy::too_many_arguments)]
pub fn household_evaluated(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: HouseholdId,
    today: NaiveDate,
    pack: &PolicyPack,
    year: Option<u16>,
    as_of: Option<NaiveDate>,
) -> Result<HouseholdView, AppError> {
    let rec = backend.household(id)?;
    let mut view = view_of(backend, user, scope, &rec, today)?;
    let year = year
        .or_else(|| as_of.and_then(|d| u16::try_from(d.year()).ok()))
        .unwrap_or_else(|| crate::features::evaluation::service::default_year(today));
    let as_of =
        as_of.unwrap_or_else(|| crate::features::evaluation::service::default_as_of(year, today));
    let side = backend.side_facts_of(id)?;
    // The version in force on the date, as the engine evaluates the year (a later edit — a move, a new
    // member, a corrected income — does not rewrite an earlier year's explanation).
    let in_force = backend.household_in_force(id, as_of)?;
    let mut ev = crate::features::evaluation::service::evaluate(
        in_force.as_ref().unwrap_or(&rec.household),
        &rec.events,
        &side,
        pack,
        year,
        as_of,
    );
    // A household the county included in monitoring since (its case decided after the evaluation date)
    // is no longer proposed for it: the page says the decision instead.
    if jingzhun_core::HouseholdStatus::on(&rec.events, today)
        .monitoring
        .is_some()
    {
        if let Some(on) = crate::features::monitoring::service::monitored_after(&rec.events, as_of)
        {
            ev.proposals.retain(|p| {
                p.kind.code != jingzhun_policy::ProposalKind::MonitoringCandidate.code()
            });
            ev.decided = Some(on);
        }
    }
    view.evaluation = Some(ev);
    Ok(view)
}

/// The household page of `id`; a household outside the scope answers not found (and is audited).
pub fn household(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    id: HouseholdId,
    today: NaiveDate,
) -> Result<HouseholdView, AppError> {
    let rec = backend.household(id)?;
    view_of(backend, user, scope, &rec, today)
}

fn view_of(
    backend: &dyn Backend,
    user: &CurrentUser,
    scope: &Scope,
    rec: &HouseholdRecord,
    today: NaiveDate,
) -> Result<HouseholdView, AppError> {
    let id = rec.id;
    let h = &rec.household;
    crate::http::admit(
        backend,
        user,
        scope,
        &h.village,
        "household",
        &id.0.to_string(),
    )?;
    let role = user.account.role;
    let full = allows(role, Action::ViewPersonalData);
    // Unmasked resident IDs and phone numbers are sensitive personal information: every view is audited
    // (the page and the API both come here), before the values are read out.
    if full && (!h.members.is_empty() || h.phone.is_some()) {
        crate::http::security::audit_personal_view(
            backend,
            user,
            "household",
            &id.0.to_string(),
            "household",
            serde_json::json!({ "members": h.members.len() }),
        );
    }
    let audit = if allows(role, Action::ViewAuditTrail) {
        Some(backend.audit_of("household", &id.0.to_string(), 200)?)
    } else {
        None
    };
    let village_name = backend
        .area(&h.village)
        .map(|a| a.name)
        .unwrap_or_else(|_| h.village.as_str().to_owned());
    let members = h
        .members
        .iter()
        .map(|m| MemberView {
            name: m.name.as_str().to_owned(),
            resident_id: if full {
                m.resident_id.as_str().to_owned()
            } else {
                m.resident_id.masked()
            },
            sex: coded(m.sex, |v| v.code(), |v| v.label()),
            relationship: coded(m.relationship, |v| v.code(), |v| v.label()),
            age: m.age_on(today),
            education: m.education.map(|v| coded(v, |v| v.code(), |v| v.label())),
            health: full.then(|| coded(m.health, |v| v.code(), |v| v.label())),
            labour: m.labour.map(|v| coded(v, |v| v.code(), |v| v.label())),
        })
        .collect();
    let mut incomes: Vec<IncomeView> = h
        .incomes
        .iter()
        .map(|r| {
            let net = r.net(|_| true);
            let pc = net.per_capita(h.size());
            IncomeView {
                year: r.year,
                net: net.to_string(),
                per_capita: pc.to_string(),
                per_capita_fen: pc.fen(),
            }
        })
        .collect();
    incomes.sort_by_key(|i| i.year);
    let timeline = rec
        .events
        .iter()
        .map(|e| EventView {
            effective: e.effective,
            kind: coded(e.kind, |v| v.code(), |v| v.label()),
            monitoring_kind: e
                .monitoring_kind
                .map(|v| coded(v, |v| v.code(), |v| v.label())),
            risk_types: e
                .risk_types
                .iter()
                .map(|v| coded(*v, |v| v.code(), |v| v.label()))
                .collect(),
            note: e.note.clone(),
        })
        .collect();
    Ok(HouseholdView {
        id: rec.id.0,
        version: rec.version.0,
        number: h.number.as_str().to_owned(),
        village_code: h.village.as_str().to_owned(),
        village_name,
        natural_village: h.natural_village.clone(),
        phone: h.phone.as_ref().map(|p| {
            if full {
                p.as_str().to_owned()
            } else {
                p.masked()
            }
        }),
        full_personal_data: full,
        attribute: h.attribute.map(|v| coded(v, |v| v.code(), |v| v.label())),
        main_cause: h.main_cause.map(|v| coded(v, |v| v.code(), |v| v.label())),
        standing: standing(&rec.events, today),
        members,
        incomes,
        timeline,
        versions: {
            let names = crate::features::monitoring::cases::names_of(
                backend,
                rec.versions.iter().map(|v| v.recorded_by.as_str()),
            );
            rec.versions
                .iter()
                .map(|v| VersionLine {
                    recorded_by: names
                        .get(&v.recorded_by)
                        .cloned()
                        .unwrap_or_else(|| v.recorded_by.clone()),
                    ..v.clone()
                })
                .collect()
        },
        audit,
        cases: crate::features::monitoring::cases::of_household(backend, id)?,
        monitoring: crate::features::assistance::service::of_household(backend, user, id, today)?,
        evaluation: None,
        names_by_id: h
            .members
            .iter()
            .map(|m| {
                (
                    m.resident_id.as_str().to_owned(),
                    m.name.as_str().to_owned(),
                )
            })
            .collect(),
    })
}
