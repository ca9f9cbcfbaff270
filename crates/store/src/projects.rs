//! The project library and its funds, project assets and their returns, the assistance forces beyond paired
//! cadres (work teams, secondments, partners and donations), relocation follow-up (settlements and their
//! residents) and official statistics (issue 15; `jingzhun_core::projects`).
//!
//! A project row keeps what its steps imply (`stage`, `step_count`, announcement end, real output, owner)
//! beside the steps, written in the same transaction. [`Store::record_project_step`] names the step count it
//! was based on and moves it with a compare-and-set (`WHERE step_count = ?`): of two people recording the
//! same step one gets [`StoreError::ProjectConflict`]; the step must be the one due, not before the
//! announcement period has ended ([`StoreError::ProjectStep`]).
//!
//! History: steps, allocations, spending, returns, donations and residents are appended, never changed;
//! official statistics re-imported replace the figure and the audit entry keeps the old value. Every write
//! has its audit entry in the same transaction; audit details name ids, codes, dates and amounts only.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use jingzhun_core::monitoring::CadreId;
use jingzhun_core::projects::*;
use jingzhun_core::{AreaCode, HouseholdId, PersonName, Yuan};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::bulk::copy_rows;
use crate::db::{Conn, Get, Tx, Val};
use crate::error::{invalid, Result, StoreError};
use crate::schema::{code, col_list, insert_sql, Cols, Ty};
use crate::Store;

/// Everything for [`Store::bulk_load_projects`], ids chosen by the writer (see [`Store::next_project_ids`]).
pub type ProjectsBatch = ProjectRecords;

/// The next free ids of the writer-chosen keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectIds {
    pub project: ProjectId,
    pub asset: AssetId,
    pub team: WorkTeamId,
    pub partner: PartnerId,
    pub settlement: SettlementId,
}

// ---- Columns ----

const PROJECT_COLS: Cols = &[
    ("id", Ty::Int),
    ("name", Ty::Text),
    ("kind", Ty::Text),
    ("area_code", Ty::Text),
    ("year", Ty::Int),
    ("planned_output", Ty::Float),
    ("beneficiary_households", Ty::Int),
    ("budget_fen", Ty::Int),
    ("stage", Ty::Text),
    ("step_count", Ty::Int),
    ("announced_until", Ty::Date),
    ("actual_output", Ty::Float),
    ("completed_on", Ty::Date),
    ("owner", Ty::Text),
];
const STEP_COLS: Cols = &[
    ("project_id", Ty::Int),
    ("seq", Ty::Int),
    ("stage", Ty::Text),
    ("on_date", Ty::Date),
    ("announced_until", Ty::Date),
    ("owner", Ty::Text),
    ("actual_output", Ty::Float),
    ("recorded_by", Ty::Text),
    ("recorded_at", Ty::Ts),
    ("note", Ty::Text),
];
const BENEFICIARY_COLS: Cols = &[("project_id", Ty::Int), ("household_id", Ty::Int)];
const ALLOCATION_COLS: Cols = &[
    ("project_id", Ty::Int),
    ("source", Ty::Text),
    ("year", Ty::Int),
    ("amount_fen", Ty::Int),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
];
const SPENDING_COLS: Cols = &[
    ("project_id", Ty::Int),
    ("source", Ty::Text),
    ("spent_on", Ty::Date),
    ("amount_fen", Ty::Int),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
];
const ASSET_COLS: Cols = &[
    ("id", Ty::Int),
    ("project_id", Ty::Int),
    ("name", Ty::Text),
    ("owner", Ty::Text),
    ("value_fen", Ty::Int),
    ("handed_over", Ty::Date),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
];
const RETURN_COLS: Cols = &[
    ("asset_id", Ty::Int),
    ("year", Ty::Int),
    ("households_fen", Ty::Int),
    ("collective_fen", Ty::Int),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
];
const TEAM_COLS: Cols = &[
    ("id", Ty::Int),
    ("village_code", Ty::Text),
    ("unit", Ty::Text),
    ("from_date", Ty::Date),
    ("to_date", Ty::Date),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
];
const MEMBER_COLS: Cols = &[
    ("team_id", Ty::Int),
    ("cadre_id", Ty::Int),
    ("role", Ty::Text),
];
const SECONDMENT_COLS: Cols = &[
    ("name", Ty::Text),
    ("unit", Ty::Text),
    ("home_area", Ty::Text),
    ("destination", Ty::Text),
    ("place", Ty::Text),
    ("from_date", Ty::Date),
    ("to_date", Ty::Date),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
];
const PARTNER_COLS: Cols = &[
    ("id", Ty::Int),
    ("name", Ty::Text),
    ("kind", Ty::Text),
    ("area_code", Ty::Text),
];
const DONATION_COLS: Cols = &[
    ("partner_id", Ty::Int),
    ("donated_on", Ty::Date),
    ("amount_fen", Ty::Int),
    ("poverty_day", Ty::Bool),
    ("area_code", Ty::Text),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
];
const SETTLEMENT_COLS: Cols = &[
    ("id", Ty::Int),
    ("name", Ty::Text),
    ("kind", Ty::Text),
    ("village_code", Ty::Text),
    ("capacity", Ty::Int),
    ("built", Ty::Int),
    ("services", Ty::Text),
];
const RESIDENT_COLS: Cols = &[
    ("settlement_id", Ty::Int),
    ("household_id", Ty::Int),
    ("moved_in", Ty::Date),
];
const STAT_COLS: Cols = &[
    ("area_code", Ty::Text),
    ("indicator", Ty::Text),
    ("year", Ty::Int),
    ("label", Ty::Text),
    ("value", Ty::Float),
    ("unit", Ty::Text),
    ("source", Ty::Text),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
];

// ---- Rows ----

fn project_vals(p: &Project) -> Vec<Val<'_>> {
    vec![
        Val::I64(p.id.0),
        Val::Str(&p.name),
        Val::Str(p.kind.code()),
        Val::Str(p.area.as_str()),
        Val::I64(i64::from(p.year)),
        Val::F64(p.planned_output),
        Val::I64(i64::from(p.beneficiary_households)),
        Val::I64(p.budget.fen()),
        Val::Str(p.stage().code()),
        Val::I64(p.steps.len() as i64),
        p.announcement().map_or(Val::Null, |(_, u)| Val::date(u)),
        Val::opt_f64(p.actual_output()),
        p.step(Stage::Completed)
            .map_or(Val::Null, |s| Val::date(s.on)),
        Val::opt_str(p.owner().map(AssetOwner::code)),
    ]
}

fn step_vals(project: ProjectId, seq: usize, s: &ProjectStep) -> Vec<Val<'_>> {
    vec![
        Val::I64(project.0),
        Val::I64(seq as i64),
        Val::Str(s.stage.code()),
        Val::date(s.on),
        s.announced_until.map_or(Val::Null, Val::date),
        Val::opt_str(s.owner.map(AssetOwner::code)),
        Val::opt_f64(s.actual_output),
        Val::Str(&s.by),
        Val::Ts(s.at),
        Val::Str(&s.note),
    ]
}

fn allocation_vals<'a>(a: &Allocation, at: DateTime<Utc>, actor: &'a Actor) -> Vec<Val<'a>> {
    vec![
        Val::I64(a.project.0),
        Val::Str(a.source.code()),
        Val::I64(i64::from(a.year)),
        Val::I64(a.amount.fen()),
        Val::Ts(at),
        Val::Str(&actor.account),
    ]
}

fn spending_vals<'a>(s: &Spending, at: DateTime<Utc>, actor: &'a Actor) -> Vec<Val<'a>> {
    vec![
        Val::I64(s.project.0),
        Val::Str(s.source.code()),
        Val::date(s.on),
        Val::I64(s.amount.fen()),
        Val::Ts(at),
        Val::Str(&actor.account),
    ]
}

fn asset_vals<'a>(a: &'a Asset, at: DateTime<Utc>, actor: &'a Actor) -> Vec<Val<'a>> {
    vec![
        Val::I64(a.id.0),
        Val::I64(a.project.0),
        Val::Str(&a.name),
        Val::Str(a.owner.code()),
        Val::I64(a.value.fen()),
        Val::date(a.handed_over),
        Val::Ts(at),
        Val::Str(&actor.account),
    ]
}

fn return_vals<'a>(r: &AssetReturn, at: DateTime<Utc>, actor: &'a Actor) -> Vec<Val<'a>> {
    vec![
        Val::I64(r.asset.0),
        Val::I64(i64::from(r.year)),
        Val::I64(r.to_households.fen()),
        Val::I64(r.to_collective.fen()),
        Val::Ts(at),
        Val::Str(&actor.account),
    ]
}

fn team_vals<'a>(t: &'a WorkTeam, at: DateTime<Utc>, actor: &'a Actor) -> Vec<Val<'a>> {
    vec![
        Val::I64(t.id.0),
        Val::Str(t.village.as_str()),
        Val::Str(&t.unit),
        Val::date(t.from),
        t.to.map_or(Val::Null, Val::date),
        Val::Ts(at),
        Val::Str(&actor.account),
    ]
}

fn member_rows(t: &WorkTeam) -> impl Iterator<Item = Vec<Val<'static>>> + '_ {
    t.members
        .iter()
        .map(move |(c, role)| vec![Val::I64(t.id.0), Val::I64(c.0), Val::Str(role.code())])
}

fn secondment_vals<'a>(s: &'a Secondment, at: DateTime<Utc>, actor: &'a Actor) -> Vec<Val<'a>> {
    vec![
        Val::Str(s.name.as_str()),
        Val::Str(&s.unit),
        Val::Str(s.home_area.as_str()),
        Val::Str(s.destination.code()),
        Val::Str(&s.place),
        Val::date(s.from),
        s.to.map_or(Val::Null, Val::date),
        Val::Ts(at),
        Val::Str(&actor.account),
    ]
}

fn partner_vals(p: &Partner) -> Vec<Val<'_>> {
    vec![
        Val::I64(p.id.0),
        Val::Str(&p.name),
        Val::Str(p.kind.code()),
        Val::Str(p.area.as_str()),
    ]
}

fn donation_vals<'a>(d: &'a Donation, at: DateTime<Utc>, actor: &'a Actor) -> Vec<Val<'a>> {
    vec![
        Val::I64(d.partner.0),
        Val::date(d.on),
        Val::I64(d.amount.fen()),
        Val::Bool(d.poverty_day),
        Val::Str(d.area.as_str()),
        Val::Ts(at),
        Val::Str(&actor.account),
    ]
}

fn settlement_vals(s: &Settlement) -> Vec<Val<'_>> {
    vec![
        Val::I64(s.id.0),
        Val::Str(&s.name),
        Val::Str(s.kind.code()),
        Val::Str(s.village.as_str()),
        Val::I64(i64::from(s.capacity)),
        Val::I64(i64::from(s.built)),
        Val::Str(&s.services),
    ]
}

fn resident_vals(r: &Resident) -> Vec<Val<'static>> {
    vec![
        Val::I64(r.settlement.0),
        Val::I64(r.household.0),
        Val::date(r.moved_in),
    ]
}

fn stat_vals<'a>(s: &'a OfficialStat, at: DateTime<Utc>, actor: &'a Actor) -> Vec<Val<'a>> {
    vec![
        Val::Str(s.area.as_str()),
        Val::Str(&s.indicator),
        Val::I64(i64::from(s.year)),
        Val::Str(&s.label),
        Val::F64(s.value),
        Val::Str(&s.unit),
        Val::Str(&s.source),
        Val::Ts(at),
        Val::Str(&actor.account),
    ]
}

// ---- Decoding ----

fn parse_area(table: &str, col: &str, s: &str) -> Result<AreaCode> {
    AreaCode::parse(s).map_err(|_| invalid(table, col, s))
}

fn year(table: &str, col: &str, v: i64) -> Result<u16> {
    u16::try_from(v).map_err(|_| invalid(table, col, v))
}

fn u32_of(table: &str, col: &str, v: i64) -> Result<u32> {
    u32::try_from(v).map_err(|_| invalid(table, col, v))
}

fn decode_project(r: &dyn Get) -> Result<Project> {
    const T: &str = "projects";
    Ok(Project {
        id: ProjectId(r.i64(0)?),
        name: r.str(1)?.to_owned(),
        kind: code(T, "kind", r.str(2)?, ProjectKind::from_code)?,
        area: parse_area(T, "area_code", r.str(3)?)?,
        year: year(T, "year", r.i64(4)?)?,
        planned_output: r.opt_f64(5)?.unwrap_or_default(),
        beneficiary_households: u32_of(T, "beneficiary_households", r.i64(6)?)?,
        budget: Yuan::from_fen(r.i64(7)?),
        steps: Vec::new(),
    })
}

fn decode_step(r: &dyn Get) -> Result<(ProjectId, ProjectStep)> {
    const T: &str = "project_steps";
    Ok((
        ProjectId(r.i64(0)?),
        ProjectStep {
            stage: code(T, "stage", r.str(2)?, Stage::from_code)?,
            on: r.date(3)?,
            announced_until: r.opt_date(4)?,
            owner: r
                .opt_str(5)?
                .map(|s| code(T, "owner", s, AssetOwner::from_code))
                .transpose()?,
            actual_output: r.opt_f64(6)?,
            by: r.str(7)?.to_owned(),
            at: r.ts(8)?,
            note: r.str(9)?.to_owned(),
        },
    ))
}

fn project_not_found(id: ProjectId) -> StoreError {
    StoreError::NotFound {
        entity: "项目",
        key: id.to_string(),
    }
}

// ---- Checks ----

fn check_project(p: &Project) -> Result<()> {
    if p.name.trim().is_empty() {
        return Err(StoreError::Invalid(format!("项目 {}: 名称不能为空", p.id)));
    }
    if !p.planned_output.is_finite() || p.planned_output < 0.0 {
        return Err(StoreError::Invalid(format!(
            "项目 {}: 计划完成量 {} 无效",
            p.id, p.planned_output
        )));
    }
    // Replaying the steps checks their order, dates and what each must carry.
    let mut replay = Project {
        steps: Vec::new(),
        ..p.clone()
    };
    for s in &p.steps {
        replay
            .push_step(s.clone())
            .map_err(|source| StoreError::ProjectStep {
                project: p.id,
                source,
            })?;
    }
    if p.steps.is_empty() {
        return Err(StoreError::Invalid(format!(
            "项目 {}: 至少应有「{}」环节",
            p.id,
            Stage::Proposed.label()
        )));
    }
    Ok(())
}

fn check_amount(what: &str, amount: Yuan) -> Result<()> {
    if amount.fen() < 0 {
        return Err(StoreError::Invalid(format!("{what}金额不能为负: {amount}")));
    }
    Ok(())
}

fn exists(tx: &mut Tx<'_>, table: &str, id: i64) -> Result<bool> {
    Ok(tx
        .query_i64(
            &format!("SELECT id FROM {table} WHERE id = ?"),
            &[Val::I64(id)],
        )?
        .is_some())
}

fn require(tx: &mut Tx<'_>, table: &str, entity: &'static str, id: i64) -> Result<()> {
    if exists(tx, table, id)? {
        Ok(())
    } else {
        Err(StoreError::NotFound {
            entity,
            key: id.to_string(),
        })
    }
}

#[allow(clippy::too_many_arguments)]
fn audit_write(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    actor: &Actor,
    action: &'static str,
    entity: &'static str,
    entity_id: String,
    reason: &str,
    detail: serde_json::Value,
) -> Result<()> {
    audit::append(
        tx,
        at,
        actor,
        Change {
            action,
            entity,
            entity_id,
            reason,
            detail,
        },
    )
    .map(|_| ())
}

// ---- Writes ----

fn create_project(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    p: &Project,
    beneficiaries: &[HouseholdId],
    actor: &Actor,
) -> Result<()> {
    check_project(p)?;
    if p.steps.len() != 1 {
        return Err(StoreError::Invalid(format!(
            "项目 {}: 新建项目只登记「{}」环节, 其后的环节逐一登记",
            p.id,
            Stage::Proposed.label()
        )));
    }
    if exists(tx, "projects", p.id.0)? {
        return Err(StoreError::Duplicate {
            entity: "项目",
            key: p.id.to_string(),
        });
    }
    tx.exec(&insert_sql("projects", PROJECT_COLS), &project_vals(p))?;
    tx.exec(
        &insert_sql("project_steps", STEP_COLS),
        &step_vals(p.id, 1, &p.steps[0]),
    )?;
    let unique: HashSet<HouseholdId> = beneficiaries.iter().copied().collect();
    for h in &unique {
        require(tx, "households", "户", h.0)?;
        tx.exec(
            &insert_sql("project_beneficiaries", BENEFICIARY_COLS),
            &[Val::I64(p.id.0), Val::I64(h.0)],
        )?;
    }
    audit_write(
        tx,
        at,
        actor,
        "projects.create",
        "projects",
        p.id.to_string(),
        Stage::Proposed.label(),
        json!({
            "kind": p.kind.code(),
            "area": p.area.as_str(),
            "year": p.year,
            "budget_fen": p.budget.fen(),
            "beneficiaries": unique.len(),
        }),
    )
}

fn get_project(tx: &mut Tx<'_>, id: ProjectId) -> Result<Option<Project>> {
    let Some(mut p) = tx.query_opt(
        &format!(
            "SELECT {} FROM projects WHERE id = ?",
            col_list(PROJECT_COLS, "")
        ),
        &[Val::I64(id.0)],
        decode_project,
    )?
    else {
        return Ok(None);
    };
    p.steps = tx
        .query_vec(
            &format!(
                "SELECT {} FROM project_steps WHERE project_id = ? ORDER BY seq",
                col_list(STEP_COLS, "")
            ),
            &[Val::I64(id.0)],
            decode_step,
        )?
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    Ok(Some(p))
}

fn record_step(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    id: ProjectId,
    expected: usize,
    step: ProjectStep,
    actor: &Actor,
) -> Result<Project> {
    let mut p = get_project(tx, id)?.ok_or_else(|| project_not_found(id))?;
    if p.steps.len() != expected {
        return Err(StoreError::ProjectConflict {
            project: id,
            current: p.steps.len(),
            expected,
        });
    }
    p.push_step(step)
        .map_err(|source| StoreError::ProjectStep {
            project: id,
            source,
        })?;
    let vals = project_vals(&p);
    let changed = tx.exec(
        "UPDATE projects SET stage = ?, step_count = ?, announced_until = ?, actual_output = ?, \
         completed_on = ?, owner = ? WHERE id = ? AND step_count = ?",
        &[
            vals[8].clone(),
            vals[9].clone(),
            vals[10].clone(),
            vals[11].clone(),
            vals[12].clone(),
            vals[13].clone(),
            Val::I64(id.0),
            Val::I64(expected as i64),
        ],
    )?;
    if changed == 0 {
        let current = tx
            .query_i64(
                "SELECT step_count FROM projects WHERE id = ?",
                &[Val::I64(id.0)],
            )?
            .unwrap_or_default();
        return Err(StoreError::ProjectConflict {
            project: id,
            current: usize::try_from(current).unwrap_or_default(),
            expected,
        });
    }
    let s = &p.steps[expected];
    tx.exec(
        &insert_sql("project_steps", STEP_COLS),
        &step_vals(id, expected + 1, s),
    )?;
    audit_write(
        tx,
        at,
        actor,
        "projects.step",
        "projects",
        id.to_string(),
        s.stage.label(),
        json!({
            "seq": expected + 1,
            "stage": s.stage.code(),
            "on": s.on.to_string(),
            "announced_until": s.announced_until.map(|d| d.to_string()),
            "owner": s.owner.map(AssetOwner::code),
        }),
    )?;
    Ok(p)
}

fn project_area(tx: &mut Tx<'_>, id: ProjectId) -> Result<Option<String>> {
    let mut out = None;
    tx.query(
        "SELECT area_code FROM projects WHERE id = ?",
        &[Val::I64(id.0)],
        &mut |r| {
            out = Some(r.str(0)?.to_owned());
            Ok(())
        },
    )?;
    Ok(out)
}

// ---- Reads within an area ----

fn prefix(area: &AreaCode) -> (String, String) {
    (area.as_str().to_owned(), format!("{}:", area.as_str()))
}

/// Projects filed within `area`, by year then id, with their steps.
fn projects_within(
    tx: &mut Tx<'_>,
    area: &AreaCode,
    limit: Option<usize>,
    offset: usize,
) -> Result<Vec<Project>> {
    let (lo, hi) = prefix(area);
    let page = limit.map_or(String::new(), |l| format!(" LIMIT {l} OFFSET {offset}"));
    let mut projects = tx.query_vec(
        &format!(
            "SELECT {} FROM projects WHERE area_code >= ? AND area_code < ? ORDER BY year, id{page}",
            col_list(PROJECT_COLS, "")
        ),
        &[Val::Owned(lo.clone()), Val::Owned(hi.clone())],
        decode_project,
    )?;
    let index: std::collections::HashMap<ProjectId, usize> = projects
        .iter()
        .enumerate()
        .map(|(i, p)| (p.id, i))
        .collect();
    let steps = tx.query_vec(
        &format!(
            "SELECT {} FROM project_steps s JOIN projects p ON p.id = s.project_id \
             WHERE p.area_code >= ? AND p.area_code < ? ORDER BY s.project_id, s.seq",
            col_list(STEP_COLS, "s")
        ),
        &[Val::Owned(lo), Val::Owned(hi)],
        decode_step,
    )?;
    for (id, s) in steps {
        if let Some(i) = index.get(&id) {
            projects[*i].steps.push(s);
        }
    }
    Ok(projects)
}

fn records_within(tx: &mut Tx<'_>, area: &AreaCode) -> Result<ProjectRecords> {
    let (lo, hi) = prefix(area);
    let range = || [Val::Owned(lo.clone()), Val::Owned(hi.clone())];
    let projects = projects_within(tx, area, None, 0)?;
    let join = "JOIN projects p ON p.id = x.project_id WHERE p.area_code >= ? AND p.area_code < ?";
    let beneficiaries = tx.query_vec(
        &format!("SELECT x.project_id, x.household_id FROM project_beneficiaries x {join}"),
        &range(),
        |r| Ok((ProjectId(r.i64(0)?), HouseholdId(r.i64(1)?))),
    )?;
    let allocations = tx.query_vec(
        &format!(
            "SELECT x.project_id, x.source, x.year, x.amount_fen FROM fund_allocations x {join}"
        ),
        &range(),
        |r| {
            Ok(Allocation {
                project: ProjectId(r.i64(0)?),
                source: code(
                    "fund_allocations",
                    "source",
                    r.str(1)?,
                    FundSource::from_code,
                )?,
                year: year("fund_allocations", "year", r.i64(2)?)?,
                amount: Yuan::from_fen(r.i64(3)?),
            })
        },
    )?;
    let spending = tx.query_vec(
        &format!(
            "SELECT x.project_id, x.source, x.spent_on, x.amount_fen FROM fund_spending x {join}"
        ),
        &range(),
        |r| {
            Ok(Spending {
                project: ProjectId(r.i64(0)?),
                source: code("fund_spending", "source", r.str(1)?, FundSource::from_code)?,
                on: r.date(2)?,
                amount: Yuan::from_fen(r.i64(3)?),
            })
        },
    )?;
    let assets = tx.query_vec(
        &format!(
            "SELECT x.id, x.project_id, x.name, x.owner, x.value_fen, x.handed_over \
             FROM project_assets x {join} ORDER BY x.id"
        ),
        &range(),
        |r| {
            Ok(Asset {
                id: AssetId(r.i64(0)?),
                project: ProjectId(r.i64(1)?),
                name: r.str(2)?.to_owned(),
                owner: code("project_assets", "owner", r.str(3)?, AssetOwner::from_code)?,
                value: Yuan::from_fen(r.i64(4)?),
                handed_over: r.date(5)?,
            })
        },
    )?;
    let returns = tx.query_vec(
        "SELECT r.asset_id, r.year, r.households_fen, r.collective_fen FROM asset_returns r \
         JOIN project_assets x ON x.id = r.asset_id JOIN projects p ON p.id = x.project_id \
         WHERE p.area_code >= ? AND p.area_code < ? ORDER BY r.asset_id, r.year",
        &range(),
        |r| {
            Ok(AssetReturn {
                asset: AssetId(r.i64(0)?),
                year: year("asset_returns", "year", r.i64(1)?)?,
                to_households: Yuan::from_fen(r.i64(2)?),
                to_collective: Yuan::from_fen(r.i64(3)?),
            })
        },
    )?;
    let mut teams = tx.query_vec(
        "SELECT id, village_code, unit, from_date, to_date FROM work_teams \
         WHERE village_code >= ? AND village_code < ? ORDER BY id",
        &range(),
        |r| {
            Ok(WorkTeam {
                id: WorkTeamId(r.i64(0)?),
                village: parse_area("work_teams", "village_code", r.str(1)?)?,
                unit: r.str(2)?.to_owned(),
                from: r.date(3)?,
                to: r.opt_date(4)?,
                members: Vec::new(),
            })
        },
    )?;
    let members = tx.query_vec(
        "SELECT m.team_id, m.cadre_id, m.role FROM work_team_members m JOIN work_teams t ON t.id = m.team_id \
         WHERE t.village_code >= ? AND t.village_code < ? ORDER BY m.team_id, m.cadre_id",
        &range(),
        |r| {
            Ok((
                WorkTeamId(r.i64(0)?),
                CadreId(r.i64(1)?),
                code("work_team_members", "role", r.str(2)?, TeamRole::from_code)?,
            ))
        },
    )?;
    let index: std::collections::HashMap<WorkTeamId, usize> =
        teams.iter().enumerate().map(|(i, t)| (t.id, i)).collect();
    for (t, c, role) in members {
        if let Some(i) = index.get(&t) {
            teams[*i].members.push((c, role));
        }
    }
    let secondments = tx.query_vec(
        "SELECT name, unit, home_area, destination, place, from_date, to_date FROM cadre_secondments \
         WHERE home_area >= ? AND home_area < ? ORDER BY id",
        &range(),
        |r| {
            const T: &str = "cadre_secondments";
            let name = r.str(0)?;
            Ok(Secondment {
                name: PersonName::parse(name).map_err(|_| invalid(T, "name", name))?,
                unit: r.str(1)?.to_owned(),
                home_area: parse_area(T, "home_area", r.str(2)?)?,
                destination: code(T, "destination", r.str(3)?, Destination::from_code)?,
                place: r.str(4)?.to_owned(),
                from: r.date(5)?,
                to: r.opt_date(6)?,
            })
        },
    )?;
    let partners = tx.query_vec(
        "SELECT id, name, kind, area_code FROM partners WHERE area_code >= ? AND area_code < ? ORDER BY id",
        &range(),
        |r| {
            Ok(Partner {
                id: PartnerId(r.i64(0)?),
                name: r.str(1)?.to_owned(),
                kind: code("partners", "kind", r.str(2)?, PartnerKind::from_code)?,
                area: parse_area("partners", "area_code", r.str(3)?)?,
            })
        },
    )?;
    let donations = tx.query_vec(
        "SELECT partner_id, donated_on, amount_fen, poverty_day, area_code FROM donations \
         WHERE area_code >= ? AND area_code < ? ORDER BY id",
        &range(),
        |r| {
            Ok(Donation {
                partner: PartnerId(r.i64(0)?),
                on: r.date(1)?,
                amount: Yuan::from_fen(r.i64(2)?),
                poverty_day: r.bool(3)?,
                area: parse_area("donations", "area_code", r.str(4)?)?,
            })
        },
    )?;
    let (settlements, residents) = settlements_within(tx, area)?;
    Ok(ProjectRecords {
        projects,
        beneficiaries,
        allocations,
        spending,
        assets,
        returns,
        teams,
        secondments,
        partners,
        donations,
        settlements,
        residents,
    })
}

/// The settlements within `area` and the households living in them.
fn settlements_within(
    tx: &mut Tx<'_>,
    area: &AreaCode,
) -> Result<(Vec<Settlement>, Vec<Resident>)> {
    let (lo, hi) = prefix(area);
    let range = || [Val::Owned(lo.clone()), Val::Owned(hi.clone())];
    let settlements = tx.query_vec(
        &format!(
            "SELECT {} FROM settlements WHERE village_code >= ? AND village_code < ? ORDER BY id",
            col_list(SETTLEMENT_COLS, "")
        ),
        &range(),
        |r| {
            const T: &str = "settlements";
            Ok(Settlement {
                id: SettlementId(r.i64(0)?),
                name: r.str(1)?.to_owned(),
                kind: code(T, "kind", r.str(2)?, SettlementKind::from_code)?,
                village: parse_area(T, "village_code", r.str(3)?)?,
                capacity: u32_of(T, "capacity", r.i64(4)?)?,
                built: year(T, "built", r.i64(5)?)?,
                services: r.str(6)?.to_owned(),
            })
        },
    )?;
    let residents = tx.query_vec(
        "SELECT r.settlement_id, r.household_id, r.moved_in FROM settlement_residents r \
         JOIN settlements s ON s.id = r.settlement_id \
         WHERE s.village_code >= ? AND s.village_code < ? ORDER BY r.settlement_id, r.household_id",
        &range(),
        |r| {
            Ok(Resident {
                settlement: SettlementId(r.i64(0)?),
                household: HouseholdId(r.i64(1)?),
                moved_in: r.date(2)?,
            })
        },
    )?;
    Ok((settlements, residents))
}

fn next_ids(tx: &mut Tx<'_>) -> Result<ProjectIds> {
    let mut next = |table: &str| -> Result<i64> {
        Ok(tx
            .query_i64(&format!("SELECT MAX(id) FROM {table}"), &[])?
            .unwrap_or(0)
            + 1)
    };
    Ok(ProjectIds {
        project: ProjectId(next("projects")?),
        asset: AssetId(next("project_assets")?),
        team: WorkTeamId(next("work_teams")?),
        partner: PartnerId(next("partners")?),
        settlement: SettlementId(next("settlements")?),
    })
}

fn official_stats(tx: &mut Tx<'_>, area: &AreaCode) -> Result<Vec<OfficialStat>> {
    tx.query_vec(
        "SELECT area_code, indicator, year, label, value, unit, source FROM official_statistics \
         WHERE area_code = ? ORDER BY indicator, year",
        &[Val::Str(area.as_str())],
        |r| {
            const T: &str = "official_statistics";
            Ok(OfficialStat {
                area: area_of(T, r.str(0)?)?,
                indicator: r.str(1)?.to_owned(),
                year: year(T, "year", r.i64(2)?)?,
                label: r.str(3)?.to_owned(),
                value: r.opt_f64(4)?.unwrap_or_default(),
                unit: r.str(5)?.to_owned(),
                source: r.str(6)?.to_owned(),
            })
        },
    )
}

fn area_of(table: &str, s: &str) -> Result<AreaCode> {
    parse_area(table, "area_code", s)
}

fn import_stats(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    stats: &[OfficialStat],
    actor: &Actor,
    reason: &str,
) -> Result<usize> {
    let mut replaced = Vec::new();
    for s in stats {
        if !s.value.is_finite() {
            return Err(StoreError::Invalid(format!(
                "统计数据 {} {} {}: 数值无效",
                s.area, s.indicator, s.year
            )));
        }
        let key = [
            Val::Str(s.area.as_str()),
            Val::Str(&s.indicator),
            Val::I64(i64::from(s.year)),
        ];
        let mut old = None;
        tx.query(
            "SELECT value, source FROM official_statistics WHERE area_code = ? AND indicator = ? AND year = ?",
            &key,
            &mut |r| {
                old = Some((r.opt_f64(0)?.unwrap_or_default(), r.str(1)?.to_owned()));
                Ok(())
            },
        )?;
        if let Some(old) = old {
            tx.exec(
                "DELETE FROM official_statistics WHERE area_code = ? AND indicator = ? AND year = ?",
                &key,
            )?;
            replaced.push(json!({
                "area": s.area.as_str(), "indicator": s.indicator, "year": s.year,
                "old_value": old.0, "old_source": old.1,
            }));
        }
        tx.exec(
            &insert_sql("official_statistics", STAT_COLS),
            &stat_vals(s, at, actor),
        )?;
    }
    audit_write(
        tx,
        at,
        actor,
        "projects.official_statistics",
        "official_statistics",
        String::new(),
        reason,
        json!({ "rows": stats.len(), "replaced": replaced }),
    )?;
    Ok(stats.len())
}

fn check_batch(b: &ProjectsBatch) -> Result<()> {
    b.projects.iter().try_for_each(check_project)?;
    for a in &b.allocations {
        check_amount("资金安排", a.amount)?;
    }
    for s in &b.spending {
        check_amount("资金支出", s.amount)?;
    }
    for d in &b.donations {
        check_amount("捐赠", d.amount)?;
    }
    Ok(())
}

fn bulk_load(
    conn: &mut Conn,
    at: DateTime<Utc>,
    b: &ProjectsBatch,
    actor: &Actor,
) -> Result<usize> {
    check_batch(b)?;
    let steps = || {
        b.projects.iter().flat_map(|p| {
            p.steps
                .iter()
                .enumerate()
                .map(move |(i, s)| step_vals(p.id, i + 1, s))
        })
    };
    let beneficiaries = || {
        b.beneficiaries
            .iter()
            .map(|(p, h)| vec![Val::I64(p.0), Val::I64(h.0)])
    };
    let mut tx = conn.begin_write()?;
    // Parents before children, as the foreign keys require.
    macro_rules! load_all {
        ($run:ident, $t:expr) => {{
            $run(
                $t,
                "projects",
                PROJECT_COLS,
                b.projects.iter().map(project_vals),
            )?;
            $run($t, "project_steps", STEP_COLS, steps())?;
            $run(
                $t,
                "project_beneficiaries",
                BENEFICIARY_COLS,
                beneficiaries(),
            )?;
            $run(
                $t,
                "fund_allocations",
                ALLOCATION_COLS,
                b.allocations.iter().map(|a| allocation_vals(a, at, actor)),
            )?;
            $run(
                $t,
                "fund_spending",
                SPENDING_COLS,
                b.spending.iter().map(|s| spending_vals(s, at, actor)),
            )?;
            $run(
                $t,
                "project_assets",
                ASSET_COLS,
                b.assets.iter().map(|a| asset_vals(a, at, actor)),
            )?;
            $run(
                $t,
                "asset_returns",
                RETURN_COLS,
                b.returns.iter().map(|r| return_vals(r, at, actor)),
            )?;
            $run(
                $t,
                "work_teams",
                TEAM_COLS,
                b.teams.iter().map(|t| team_vals(t, at, actor)),
            )?;
            $run(
                $t,
                "work_team_members",
                MEMBER_COLS,
                b.teams.iter().flat_map(member_rows),
            )?;
            $run(
                $t,
                "cadre_secondments",
                SECONDMENT_COLS,
                b.secondments.iter().map(|s| secondment_vals(s, at, actor)),
            )?;
            $run(
                $t,
                "partners",
                PARTNER_COLS,
                b.partners.iter().map(partner_vals),
            )?;
            $run(
                $t,
                "donations",
                DONATION_COLS,
                b.donations.iter().map(|d| donation_vals(d, at, actor)),
            )?;
            $run(
                $t,
                "settlements",
                SETTLEMENT_COLS,
                b.settlements.iter().map(settlement_vals),
            )?;
            $run(
                $t,
                "settlement_residents",
                RESIDENT_COLS,
                b.residents.iter().map(resident_vals),
            )?;
        }};
    }
    fn sqlite_run<'v>(
        t: &rusqlite::Transaction<'_>,
        table: &str,
        cols: Cols,
        rows: impl Iterator<Item = Vec<Val<'v>>>,
    ) -> Result<()> {
        let mut stmt = t.prepare_cached(&insert_sql(table, cols))?;
        for vals in rows {
            stmt.execute(rusqlite::params_from_iter(vals.iter()))?;
        }
        Ok(())
    }
    fn pg_run<'v>(
        t: &mut postgres::Transaction<'_>,
        table: &str,
        cols: Cols,
        rows: impl Iterator<Item = Vec<Val<'v>>>,
    ) -> Result<()> {
        copy_rows(t, table, cols, rows).map(|_| ())
    }
    match &mut tx {
        Tx::Sqlite(t) => load_all!(sqlite_run, t),
        Tx::Pg(t) => load_all!(pg_run, t),
    }
    audit_write(
        &mut tx,
        at,
        actor,
        "projects.bulk_load",
        "projects",
        String::new(),
        "批量导入项目、资金、资产、帮扶力量与搬迁后续扶持数据",
        json!({
            "projects": b.projects.len(),
            "allocations": b.allocations.len(),
            "spending": b.spending.len(),
            "assets": b.assets.len(),
            "teams": b.teams.len(),
            "secondments": b.secondments.len(),
            "partners": b.partners.len(),
            "donations": b.donations.len(),
            "settlements": b.settlements.len(),
            "residents": b.residents.len(),
        }),
    )?;
    tx.commit()?;
    if let Conn::Pg(c) = conn {
        c.batch_execute(
            "ANALYZE projects, project_steps, project_beneficiaries, fund_allocations, fund_spending, \
             project_assets, asset_returns, work_teams, work_team_members, cadre_secondments, partners, \
             donations, settlements, settlement_residents",
        )?;
    }
    Ok(b.rows())
}

// ---- The API ----

impl Store {
    /// Adds a project to the library: `project` must hold exactly its [`Stage::Proposed`] step and a free id
    /// ([`Store::next_project_ids`]); `beneficiaries` are the registered households it serves.
    pub fn create_project(
        &self,
        project: &Project,
        beneficiaries: &[HouseholdId],
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx, now| create_project(tx, now, project, beneficiaries, actor))
    }

    /// Records the next step of a project, based on the `expected_step_count` the caller saw
    /// ([`StoreError::ProjectConflict`] if another step was recorded since); the step must be the one due
    /// and respect the announcement period ([`StoreError::ProjectStep`]). Returns the project as it stands.
    pub fn record_project_step(
        &self,
        id: ProjectId,
        expected_step_count: usize,
        step: ProjectStep,
        actor: &Actor,
    ) -> Result<Project> {
        self.write(|tx, now| record_step(tx, now, id, expected_step_count, step, actor))
    }

    pub fn project(&self, id: ProjectId) -> Result<Option<Project>> {
        self.read(|tx| get_project(tx, id))
    }

    /// The area a project is filed under (for scope checks before anything else is read).
    pub fn project_area(&self, id: ProjectId) -> Result<Option<AreaCode>> {
        self.read(|tx| {
            project_area(tx, id)?
                .map(|s| parse_area("projects", "area_code", &s))
                .transpose()
        })
    }

    /// Projects filed within `area` (by year, then id), a page of them with `limit`.
    pub fn projects_within(
        &self,
        area: &AreaCode,
        limit: Option<usize>,
        offset: usize,
    ) -> Result<Vec<Project>> {
        self.read(|tx| projects_within(tx, area, limit, offset))
    }

    /// The registered households a project serves.
    pub fn project_beneficiaries(&self, id: ProjectId) -> Result<Vec<HouseholdId>> {
        self.read(|tx| {
            tx.query_vec(
                "SELECT household_id FROM project_beneficiaries WHERE project_id = ? ORDER BY household_id",
                &[Val::I64(id.0)],
                |r| Ok(HouseholdId(r.i64(0)?)),
            )
        })
    }

    /// Allocates money from a source to a project.
    pub fn add_allocation(&self, a: &Allocation, actor: &Actor) -> Result<()> {
        self.write(|tx, now| {
            check_amount("资金安排", a.amount)?;
            require(tx, "projects", "项目", a.project.0)?;
            tx.exec(
                &insert_sql("fund_allocations", ALLOCATION_COLS),
                &allocation_vals(a, now, actor),
            )?;
            audit_write(
                tx,
                now,
                actor,
                "projects.allocation",
                "projects",
                a.project.to_string(),
                a.source.label(),
                json!({ "source": a.source.code(), "year": a.year, "amount_fen": a.amount.fen() }),
            )
        })
    }

    /// Records money spent on a project.
    pub fn add_spending(&self, s: &Spending, actor: &Actor) -> Result<()> {
        self.write(|tx, now| {
            check_amount("资金支出", s.amount)?;
            require(tx, "projects", "项目", s.project.0)?;
            tx.exec(
                &insert_sql("fund_spending", SPENDING_COLS),
                &spending_vals(s, now, actor),
            )?;
            audit_write(
                tx,
                now,
                actor,
                "projects.spending",
                "projects",
                s.project.to_string(),
                s.source.label(),
                json!({ "source": s.source.code(), "on": s.on.to_string(), "amount_fen": s.amount.fen() }),
            )
        })
    }

    /// Registers an asset a project left; its project must have been completed.
    pub fn add_asset(&self, a: &Asset, actor: &Actor) -> Result<()> {
        self.write(|tx, now| {
            check_amount("资产", a.value)?;
            let p = get_project(tx, a.project)?.ok_or_else(|| project_not_found(a.project))?;
            if p.step(Stage::Completed).is_none() {
                return Err(StoreError::Invalid(format!(
                    "项目 {} 尚未完工, 不能登记资产",
                    a.project
                )));
            }
            if exists(tx, "project_assets", a.id.0)? {
                return Err(StoreError::Duplicate {
                    entity: "项目资产",
                    key: a.id.to_string(),
                });
            }
            tx.exec(
                &insert_sql("project_assets", ASSET_COLS),
                &asset_vals(a, now, actor),
            )?;
            audit_write(
                tx,
                now,
                actor,
                "projects.asset",
                "project_assets",
                a.id.to_string(),
                a.owner.label(),
                json!({ "project": a.project.0, "owner": a.owner.code(), "value_fen": a.value.fen() }),
            )
        })
    }

    /// Records an asset's return of a year (one per asset and year).
    pub fn add_asset_return(&self, r: &AssetReturn, actor: &Actor) -> Result<()> {
        self.write(|tx, now| {
            check_amount("资产收益", r.to_households)?;
            check_amount("资产收益", r.to_collective)?;
            require(tx, "project_assets", "项目资产", r.asset.0)?;
            let taken = tx
                .query_i64(
                    "SELECT asset_id FROM asset_returns WHERE asset_id = ? AND year = ?",
                    &[Val::I64(r.asset.0), Val::I64(i64::from(r.year))],
                )?
                .is_some();
            if taken {
                return Err(StoreError::Duplicate {
                    entity: "资产收益",
                    key: format!("{} {} 年", r.asset, r.year),
                });
            }
            tx.exec(
                &insert_sql("asset_returns", RETURN_COLS),
                &return_vals(r, now, actor),
            )?;
            audit_write(
                tx,
                now,
                actor,
                "projects.asset_return",
                "project_assets",
                r.asset.to_string(),
                "资产收益",
                json!({ "year": r.year, "households_fen": r.to_households.fen(), "collective_fen": r.to_collective.fen() }),
            )
        })
    }

    /// Creates a village work team with its members (cadres of the cadre table).
    pub fn create_work_team(&self, t: &WorkTeam, actor: &Actor) -> Result<()> {
        self.write(|tx, now| {
            if exists(tx, "work_teams", t.id.0)? {
                return Err(StoreError::Duplicate {
                    entity: "驻村工作队",
                    key: t.id.to_string(),
                });
            }
            if t.to.is_some_and(|to| to < t.from) {
                return Err(StoreError::Invalid(format!(
                    "驻村工作队 {}: 结束日期早于开始日期",
                    t.id
                )));
            }
            for (c, _) in &t.members {
                require(tx, "cadres", "帮扶干部", c.0)?;
            }
            tx.exec(&insert_sql("work_teams", TEAM_COLS), &team_vals(t, now, actor))?;
            for row in member_rows(t) {
                tx.exec(&insert_sql("work_team_members", MEMBER_COLS), &row)?;
            }
            audit_write(
                tx,
                now,
                actor,
                "projects.work_team",
                "work_teams",
                t.id.to_string(),
                "驻村工作队",
                json!({ "village": t.village.as_str(), "members": t.members.len(), "from": t.from.to_string() }),
            )
        })
    }

    /// Records a cadre sent to another region.
    pub fn add_secondment(&self, s: &Secondment, actor: &Actor) -> Result<()> {
        self.write(|tx, now| {
            tx.exec(
                &insert_sql("cadre_secondments", SECONDMENT_COLS),
                &secondment_vals(s, now, actor),
            )?;
            audit_write(
                tx,
                now,
                actor,
                "projects.secondment",
                "cadre_secondments",
                String::new(),
                s.destination.label(),
                json!({ "home_area": s.home_area.as_str(), "destination": s.destination.code(), "from": s.from.to_string() }),
            )
        })
    }

    pub fn create_partner(&self, p: &Partner, actor: &Actor) -> Result<()> {
        self.write(|tx, now| {
            if exists(tx, "partners", p.id.0)? {
                return Err(StoreError::Duplicate {
                    entity: "帮扶企业或社会组织",
                    key: p.id.to_string(),
                });
            }
            tx.exec(&insert_sql("partners", PARTNER_COLS), &partner_vals(p))?;
            audit_write(
                tx,
                now,
                actor,
                "projects.partner",
                "partners",
                p.id.to_string(),
                p.kind.label(),
                json!({ "kind": p.kind.code(), "area": p.area.as_str() }),
            )
        })
    }

    pub fn add_donation(&self, d: &Donation, actor: &Actor) -> Result<()> {
        self.write(|tx, now| {
            check_amount("捐赠", d.amount)?;
            require(tx, "partners", "帮扶企业或社会组织", d.partner.0)?;
            tx.exec(
                &insert_sql("donations", DONATION_COLS),
                &donation_vals(d, now, actor),
            )?;
            audit_write(
                tx,
                now,
                actor,
                "projects.donation",
                "partners",
                d.partner.to_string(),
                "社会帮扶资金",
                json!({ "on": d.on.to_string(), "amount_fen": d.amount.fen(), "poverty_day": d.poverty_day }),
            )
        })
    }

    pub fn create_settlement(&self, s: &Settlement, actor: &Actor) -> Result<()> {
        self.write(|tx, now| {
            if exists(tx, "settlements", s.id.0)? {
                return Err(StoreError::Duplicate {
                    entity: "安置点",
                    key: s.id.to_string(),
                });
            }
            tx.exec(
                &insert_sql("settlements", SETTLEMENT_COLS),
                &settlement_vals(s),
            )?;
            audit_write(
                tx,
                now,
                actor,
                "projects.settlement",
                "settlements",
                s.id.to_string(),
                s.kind.label(),
                json!({ "kind": s.kind.code(), "village": s.village.as_str(), "capacity": s.capacity }),
            )
        })
    }

    /// Records a relocated household moving into a settlement (a household lives in one settlement).
    pub fn add_resident(&self, r: &Resident, actor: &Actor) -> Result<()> {
        self.write(|tx, now| {
            require(tx, "settlements", "安置点", r.settlement.0)?;
            require(tx, "households", "户", r.household.0)?;
            let taken = tx.query_i64(
                "SELECT settlement_id FROM settlement_residents WHERE household_id = ?",
                &[Val::I64(r.household.0)],
            )?;
            if let Some(s) = taken {
                return Err(StoreError::Duplicate {
                    entity: "安置户",
                    key: format!("户 {} 已登记在安置点 {s}", r.household),
                });
            }
            tx.exec(
                &insert_sql("settlement_residents", RESIDENT_COLS),
                &resident_vals(r),
            )?;
            audit_write(
                tx,
                now,
                actor,
                "projects.resident",
                "settlements",
                r.settlement.to_string(),
                "搬迁入住",
                json!({ "household": r.household.0, "moved_in": r.moved_in.to_string() }),
            )
        })
    }

    /// Every record of the project library, funds, assets, forces and settlements within `area`.
    pub fn project_records_within(&self, area: &AreaCode) -> Result<ProjectRecords> {
        self.read(|tx| records_within(tx, area))
    }

    /// The settlements (安置点) within `area` and the relocated households living in them (the relocation
    /// warning reads these without the rest of the project library).
    pub fn settlements_within(&self, area: &AreaCode) -> Result<(Vec<Settlement>, Vec<Resident>)> {
        self.read(|tx| settlements_within(tx, area))
    }

    /// The next free ids for writer-chosen keys (projects, assets, teams, partners, settlements).
    pub fn next_project_ids(&self) -> Result<ProjectIds> {
        self.read(next_ids)
    }

    /// Loads a batch in one transaction with one audit entry; returns the rows written.
    pub fn bulk_load_projects(&self, batch: &ProjectsBatch, actor: &Actor) -> Result<usize> {
        let mut conn = self.lock()?;
        let now = self.now();
        bulk_load(&mut conn.guard, now, batch, actor)
    }

    /// Imports official statistics (all or nothing); a figure already kept for the same area, indicator and
    /// year is replaced, the audit entry naming the old value.
    pub fn import_official_stats(
        &self,
        stats: &[OfficialStat],
        actor: &Actor,
        reason: &str,
    ) -> Result<usize> {
        self.write(|tx, now| import_stats(tx, now, stats, actor, reason))
    }

    /// The official statistics kept for exactly `area`, by indicator and year.
    pub fn official_stats(&self, area: &AreaCode) -> Result<Vec<OfficialStat>> {
        self.read(|tx| official_stats(tx, area))
    }
}
