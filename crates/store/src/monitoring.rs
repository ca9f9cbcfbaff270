//! The monitoring mechanism's tables (防止返贫监测, domain notes §6): cases of the monitoring workflow and
//! their steps, assistance measures, visits, assisting cadres and their pairing with households.
//!
//! A case row keeps what its steps imply (`state`, `next_step`, `closed_at`, `step_count`) beside the steps,
//! written in the same transaction, so that inboxes and counts are plain indexed queries. Two guarantees hold
//! whoever writes, on both backends:
//!
//! - **one open case per household**: a partial unique index on `monitoring_cases (household_id) WHERE
//!   state = 'open'`; [`Store::open_case`] checks first to name the open case, the index settles races;
//! - **steps in order, no lost step**: [`Store::record_case_step`] names the step count it was based on and
//!   moves it with a compare-and-set (`WHERE step_count = ?`), so of two people recording the same step one
//!   gets [`StoreError::CaseConflict`]; the step must be the one due ([`StoreError::StepOrder`]).
//!
//! A step that decides a case writes its decision (the household's status event, a new household version)
//! in the same transaction: either both are stored or neither.
//!
//! Audit details name ids, codes and dates only: never names, phone numbers, risk types (which reveal
//! illness or disability), visit findings or step notes.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use jingzhun_core::monitoring::{
    Assignment, Cadre, CadreId, CadrePost, CaseId, CaseKind, CaseRecord, CaseState, CaseStep,
    Measure, MeasureId, MonitoringHistory, Outcome, Step, Visit, VisitId, VisitPurpose,
};
use jingzhun_core::{
    AreaCode, AssistanceType, Channel, HouseholdId, MonitoringKind, PersonName, Phone, RiskType,
    StatusEvent, StatusEventKind, Version, Yuan,
};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::bulk::copy_rows;
use crate::db::{Conn, Get, Tx, Val};
use crate::error::{invalid, Result, StoreError};
use crate::households;
use crate::schema::{code, codes, col_list, insert_sql, join_codes, opt_code, Cols, Ty};
use crate::Store;

/// Which cases [`Store::cases_within`] returns.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseFilter {
    /// Only cases still waiting for a step.
    pub open_only: bool,
    pub kind: Option<CaseKind>,
    /// Only open cases waiting for one of these steps (any step when empty).
    pub next_steps: Vec<Step>,
    /// Only cases whose lead was recorded at or after this instant.
    pub opened_from: Option<DateTime<Utc>>,
    /// Only cases whose lead was recorded before this instant.
    pub opened_before: Option<DateTime<Utc>>,
    /// Newest lead first instead of oldest (deadline order).
    pub newest_first: bool,
    /// At most this many (after `offset`); `None` for all.
    pub limit: Option<usize>,
    pub offset: usize,
}

/// How the cases of an area stand at the end of a day (China time).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseCounts {
    /// Open cases by the step they wait for.
    pub open_by_next: BTreeMap<Step, u64>,
    pub decided: u64,
    pub rejected: u64,
    /// Open cases past their deadline (lead date plus the policy's time limit).
    pub overdue: u64,
}

impl CaseCounts {
    /// All open cases.
    pub fn open(&self) -> u64 {
        self.open_by_next.values().sum()
    }
}

/// Assistance measures of an area running on a day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeasureCounts {
    pub active_by_kind: BTreeMap<AssistanceType, u64>,
    /// Households with at least one running measure.
    pub households_with_active: u64,
}

/// Records for [`Store::bulk_load_monitoring`]: cadres first, as the other rows may refer to them. Cases
/// carry all their steps (any valid prefix of the workflow); decided cases' status events are the
/// household's business (load them with the households), not this batch's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonitoringBatch {
    pub cadres: Vec<Cadre>,
    pub assignments: Vec<Assignment>,
    pub cases: Vec<CaseRecord>,
    pub measures: Vec<Measure>,
    pub visits: Vec<Visit>,
}

/// Rows written by [`Store::bulk_load_monitoring`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonitoringLoaded {
    pub cadres: usize,
    pub assignments: usize,
    pub cases: usize,
    pub steps: usize,
    pub measures: usize,
    pub visits: usize,
}

impl MonitoringLoaded {
    pub fn rows(&self) -> usize {
        self.cadres + self.assignments + self.cases + self.steps + self.measures + self.visits
    }
}

// ---- Columns ----

const CASE_COLS: Cols = &[
    ("id", Ty::Text),
    ("household_id", Ty::Int),
    ("case_no", Ty::Int),
    ("village_code", Ty::Text),
    ("kind", Ty::Text),
    ("channel", Ty::Text),
    ("monitoring_kind", Ty::Text),
    ("risk_types", Ty::Text),
    ("opened_at", Ty::Ts),
    ("state", Ty::Text),
    ("next_step", Ty::Text),
    ("closed_at", Ty::Ts),
    ("last_step_at", Ty::Ts),
    ("step_count", Ty::Int),
];

const STEP_COLS: Cols = &[
    ("case_id", Ty::Text),
    ("seq", Ty::Int),
    ("step", Ty::Text),
    ("outcome", Ty::Text),
    ("recorded_by", Ty::Text),
    ("recorded_at", Ty::Ts),
    ("note", Ty::Text),
];

const CADRE_COLS: Cols = &[
    ("id", Ty::Int),
    ("name", Ty::Text),
    ("phone", Ty::Text),
    ("unit", Ty::Text),
    ("post", Ty::Text),
    ("area_code", Ty::Text),
];

const ASSIGNMENT_COLS: Cols = &[
    ("cadre_id", Ty::Int),
    ("household_id", Ty::Int),
    ("from_date", Ty::Date),
    ("to_date", Ty::Date),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
];

/// Without the generated `id`.
const MEASURE_COLS: Cols = &[
    ("household_id", Ty::Int),
    ("kind", Ty::Text),
    ("description", Ty::Text),
    ("started", Ty::Date),
    ("ended", Ty::Date),
    ("amount_fen", Ty::Int),
    ("case_id", Ty::Text),
    ("cadre_id", Ty::Int),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
];

/// Without the generated `id`.
const VISIT_COLS: Cols = &[
    ("household_id", Ty::Int),
    ("cadre_id", Ty::Int),
    ("visited_on", Ty::Date),
    ("purpose", Ty::Text),
    ("findings", Ty::Text),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
];

/// The derived columns of a case: state code, next step, closed at.
fn state_cols(c: &CaseRecord) -> (&'static str, Option<&'static str>, Option<DateTime<Utc>>) {
    match c.state() {
        CaseState::Open { next } => ("open", Some(next.code()), None),
        CaseState::Decided => ("decided", None, c.closed_at()),
        CaseState::Rejected { .. } => ("rejected", None, c.closed_at()),
    }
}

fn case_vals(c: &CaseRecord) -> Vec<Val<'_>> {
    let (state, next, closed) = state_cols(c);
    vec![
        Val::Owned(c.id.to_string()),
        Val::I64(c.household().0),
        Val::I64(i64::from(c.id.number())),
        Val::Str(c.village.as_str()),
        Val::Str(c.kind.code()),
        Val::Str(c.channel.code()),
        Val::opt_str(c.monitoring_kind.map(MonitoringKind::code)),
        Val::Owned(join_codes(&c.risk_types, RiskType::code)),
        c.opened_at().map_or(Val::Null, Val::Ts),
        Val::Str(state),
        Val::opt_str(next),
        closed.map_or(Val::Null, Val::Ts),
        c.steps.last().map_or(Val::Null, |s| Val::Ts(s.at)),
        Val::I64(c.steps.len() as i64),
    ]
}

fn step_vals<'a>(case: &CaseId, seq: usize, s: &'a CaseStep) -> Vec<Val<'a>> {
    vec![
        Val::Owned(case.to_string()),
        Val::I64(seq as i64),
        Val::Str(s.step.code()),
        Val::Str(s.outcome.code()),
        Val::Str(&s.by),
        Val::Ts(s.at),
        Val::Str(&s.note),
    ]
}

fn cadre_vals(c: &Cadre) -> Vec<Val<'_>> {
    vec![
        Val::I64(c.id.0),
        Val::Str(c.name.as_str()),
        Val::opt_str(c.phone.as_ref().map(Phone::as_str)),
        Val::Str(&c.unit),
        Val::Str(c.post.code()),
        Val::Str(c.area.as_str()),
    ]
}

fn assignment_vals<'a>(a: &Assignment, at: DateTime<Utc>, actor: &'a Actor) -> Vec<Val<'a>> {
    vec![
        Val::I64(a.cadre.0),
        Val::I64(a.household.0),
        Val::date(a.from),
        a.to.map_or(Val::Null, Val::date),
        Val::Ts(at),
        Val::Str(&actor.account),
    ]
}

fn measure_vals<'a>(m: &'a Measure, at: DateTime<Utc>, actor: &'a Actor) -> Vec<Val<'a>> {
    vec![
        Val::I64(m.household.0),
        Val::Str(m.kind.code()),
        Val::Str(&m.description),
        Val::date(m.started),
        m.ended.map_or(Val::Null, Val::date),
        Val::opt_i64(m.amount.map(Yuan::fen)),
        m.case.map_or(Val::Null, |c| Val::Owned(c.to_string())),
        Val::opt_i64(m.cadre.map(|c| c.0)),
        Val::Ts(at),
        Val::Str(&actor.account),
    ]
}

fn visit_vals<'a>(v: &'a Visit, at: DateTime<Utc>, actor: &'a Actor) -> Vec<Val<'a>> {
    vec![
        Val::I64(v.household.0),
        Val::opt_i64(v.cadre.map(|c| c.0)),
        Val::date(v.visited_on),
        Val::Str(v.purpose.code()),
        Val::Str(&v.findings),
        Val::Ts(at),
        Val::Str(&actor.account),
    ]
}

/// Decodes [`CASE_COLS`] (steps left empty).
fn decode_case(r: &dyn Get) -> Result<CaseRecord> {
    const T: &str = "monitoring_cases";
    let id = r.str(0)?;
    let id = CaseId::parse(id).map_err(|_| invalid(T, "id", id))?;
    let village = r.str(3)?;
    Ok(CaseRecord {
        id,
        village: AreaCode::parse(village).map_err(|_| invalid(T, "village_code", village))?,
        kind: code(T, "kind", r.str(4)?, CaseKind::from_code)?,
        channel: code(T, "channel", r.str(5)?, Channel::from_code)?,
        monitoring_kind: opt_code(
            T,
            "monitoring_kind",
            r.opt_str(6)?,
            MonitoringKind::from_code,
        )?,
        risk_types: codes(T, "risk_types", r.str(7)?, RiskType::from_code)?,
        steps: Vec::new(),
    })
}

/// Decodes [`STEP_COLS`]: the case id as stored, and the step.
fn decode_step(r: &dyn Get) -> Result<(String, CaseStep)> {
    const T: &str = "case_steps";
    Ok((
        r.str(0)?.to_owned(),
        CaseStep {
            step: code(T, "step", r.str(2)?, Step::from_code)?,
            outcome: code(T, "outcome", r.str(3)?, Outcome::from_code)?,
            by: r.str(4)?.to_owned(),
            at: r.ts(5)?,
            note: r.str(6)?.to_owned(),
        },
    ))
}

fn decode_cadre(r: &dyn Get, o: usize) -> Result<Cadre> {
    const T: &str = "cadres";
    let name = r.str(o + 1)?;
    let area = r.str(o + 5)?;
    Ok(Cadre {
        id: CadreId(r.i64(o)?),
        name: PersonName::parse(name).map_err(|_| invalid(T, "name", name))?,
        phone: r
            .opt_str(o + 2)?
            .map(|p| Phone::parse(p).map_err(|_| invalid(T, "phone", p)))
            .transpose()?,
        unit: r.str(o + 3)?.to_owned(),
        post: code(T, "post", r.str(o + 4)?, CadrePost::from_code)?,
        area: AreaCode::parse(area).map_err(|_| invalid(T, "area_code", area))?,
    })
}

fn decode_assignment(r: &dyn Get, o: usize) -> Result<Assignment> {
    Ok(Assignment {
        cadre: CadreId(r.i64(o)?),
        household: HouseholdId(r.i64(o + 1)?),
        from: r.date(o + 2)?,
        to: r.opt_date(o + 3)?,
    })
}

/// `id` then [`MEASURE_COLS`].
fn decode_measure(r: &dyn Get) -> Result<(MeasureId, Measure)> {
    const T: &str = "assistance_measures";
    let case = r
        .opt_str(7)?
        .map(|c| CaseId::parse(c).map_err(|_| invalid(T, "case_id", c)))
        .transpose()?;
    Ok((
        MeasureId(r.i64(0)?),
        Measure {
            household: HouseholdId(r.i64(1)?),
            kind: code(T, "kind", r.str(2)?, AssistanceType::from_code)?,
            description: r.str(3)?.to_owned(),
            started: r.date(4)?,
            ended: r.opt_date(5)?,
            amount: r.opt_i64(6)?.map(Yuan::from_fen),
            case,
            cadre: r.opt_i64(8)?.map(CadreId),
        },
    ))
}

/// `id` then [`VISIT_COLS`].
fn decode_visit(r: &dyn Get) -> Result<(VisitId, Visit)> {
    const T: &str = "visits";
    Ok((
        VisitId(r.i64(0)?),
        Visit {
            household: HouseholdId(r.i64(1)?),
            cadre: r.opt_i64(2)?.map(CadreId),
            visited_on: r.date(3)?,
            purpose: code(T, "purpose", r.str(4)?, VisitPurpose::from_code)?,
            findings: r.str(5)?.to_owned(),
        },
    ))
}

// ---- Checks ----

/// Midnight at the start of `d` in China (UTC+8), as an instant.
fn china_midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN).and_utc() - Duration::hours(8)
}

/// Refuses what the tables would store but the workflow does not allow: steps out of order or going back
/// in time, monitoring kinds on the wrong kind of case.
fn check_case(c: &CaseRecord) -> Result<()> {
    let bad = |why: String| Err(StoreError::Invalid(format!("监测事项 {}: {why}", c.id)));
    if c.steps.is_empty() {
        return bad("至少应有线索登记环节".into());
    }
    for (i, s) in c.steps.iter().enumerate() {
        CaseState::after(&c.steps[..i])
            .admits(s.step)
            .map_err(|source| StoreError::StepOrder { case: c.id, source })?;
        if i > 0 && s.at < c.steps[i - 1].at {
            return bad(format!("「{}」的时间早于上一环节", s.step.label()));
        }
    }
    match (c.kind, c.monitoring_kind) {
        (CaseKind::Identification, None) => {
            bad("监测对象识别事项应填写拟纳入的监测对象类型".into())
        }
        (CaseKind::Elimination, Some(_)) => bad("风险消除事项不填写监测对象类型".into()),
        _ => Ok(()),
    }
}

fn check_measure(m: &Measure) -> Result<()> {
    if m.description.trim().is_empty() {
        return Err(StoreError::Invalid(format!(
            "户(ID {})的帮扶措施「{}」缺少内容说明",
            m.household,
            m.kind.label()
        )));
    }
    if let Some(end) = m.ended.filter(|e| *e < m.started) {
        return Err(StoreError::Invalid(format!(
            "户(ID {})的帮扶措施结束日期 {end} 早于开始日期 {}",
            m.household, m.started
        )));
    }
    if m.amount.is_some_and(|a| a.fen() < 0) {
        return Err(StoreError::Invalid(format!(
            "户(ID {})的帮扶措施金额不能为负",
            m.household
        )));
    }
    Ok(())
}

/// The records of `household` stored before this import, read once per household (the area's were read
/// up front; a household outside them is read from `tx` on first use) and extended as rows are accepted.
fn stored_of<K, T>(
    stored: &mut HashMap<HouseholdId, Vec<T>>,
    household: HouseholdId,
    read: impl FnOnce(HouseholdId) -> Result<Vec<(K, T)>>,
) -> Result<&mut Vec<T>> {
    Ok(match stored.entry(household) {
        Entry::Occupied(e) => e.into_mut(),
        Entry::Vacant(e) => e.insert(read(household)?.into_iter().map(|(_, x)| x).collect()),
    })
}

fn check_assignment(a: &Assignment) -> Result<()> {
    match a.to.filter(|t| *t < a.from) {
        Some(to) => Err(StoreError::Invalid(format!(
            "帮扶干部(ID {})与户(ID {})的结对结束日期 {to} 早于开始日期 {}",
            a.cadre, a.household, a.from
        ))),
        None => Ok(()),
    }
}

fn check_cadre(c: &Cadre) -> Result<()> {
    if c.id.0 <= 0 {
        return Err(StoreError::Invalid(format!(
            "帮扶干部 ID {} 应为正整数",
            c.id
        )));
    }
    if c.unit.trim().is_empty() {
        return Err(StoreError::Invalid(format!(
            "帮扶干部(ID {})缺少工作单位",
            c.id
        )));
    }
    Ok(())
}

fn household_exists(tx: &mut Tx<'_>, id: HouseholdId) -> Result<()> {
    tx.query_i64("SELECT id FROM households WHERE id = ?", &[Val::I64(id.0)])?
        .map(|_| ())
        .ok_or_else(|| households::not_found(id))
}

fn cadre_exists(tx: &mut Tx<'_>, id: CadreId) -> Result<()> {
    tx.query_i64("SELECT id FROM cadres WHERE id = ?", &[Val::I64(id.0)])?
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound {
            entity: "帮扶干部",
            key: format!("ID {id}"),
        })
}

fn case_exists(tx: &mut Tx<'_>, id: &CaseId) -> Result<bool> {
    Ok(tx
        .query_i64(
            "SELECT count(*) FROM monitoring_cases WHERE id = ?",
            &[Val::Owned(id.to_string())],
        )?
        .unwrap_or(0)
        > 0)
}

fn case_not_found(id: &CaseId) -> StoreError {
    StoreError::NotFound {
        entity: "监测案件",
        key: id.to_string(),
    }
}

/// The constraint a unique violation names: PostgreSQL's constraint name, or SQLite's message
/// (`UNIQUE constraint failed: table.column, …`).
fn unique_violation(e: &StoreError) -> Option<String> {
    match e {
        StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, msg))
            if f.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            msg.clone().filter(|m| m.starts_with("UNIQUE"))
        }
        StoreError::Postgres(pe) => pe
            .as_db_error()
            .filter(|d| d.code() == &postgres::error::SqlState::UNIQUE_VIOLATION)
            .map(|d| {
                format!(
                    "{} {}",
                    d.constraint().unwrap_or_default(),
                    d.detail().unwrap_or_default()
                )
            }),
        _ => None,
    }
}

/// A violation of the one-open-case index as [`StoreError::CaseAlreadyOpen`]; other errors unchanged.
/// `household` is the writer's if known, else read from PostgreSQL's detail (`Key (household_id)=(7)`).
fn one_open(e: StoreError, household: Option<HouseholdId>) -> StoreError {
    let Some(what) = unique_violation(&e) else {
        return e;
    };
    let sqlite_open = what.ends_with("monitoring_cases.household_id");
    if !(sqlite_open || what.starts_with("monitoring_cases_one_open")) {
        return e;
    }
    let from_detail = what
        .split_once("(household_id)=(")
        .and_then(|(_, rest)| rest.split_once(')'))
        .and_then(|(id, _)| id.parse().ok())
        .map(HouseholdId);
    match household.or(from_detail) {
        Some(household) => StoreError::CaseAlreadyOpen {
            household,
            open: None,
        },
        None => StoreError::Invalid("批量导入的监测事项中有户同时有两个未办结的监测事项".into()),
    }
}

// ---- Cases ----

fn open_case_of(tx: &mut Tx<'_>, household: HouseholdId) -> Result<Option<CaseId>> {
    let id = tx.query_opt(
        "SELECT id FROM monitoring_cases WHERE household_id = ? AND state = 'open'",
        &[Val::I64(household.0)],
        |r| Ok(r.str(0)?.to_owned()),
    )?;
    id.map(|s| CaseId::parse(&s).map_err(|_| invalid("monitoring_cases", "id", s)))
        .transpose()
}

fn open(tx: &mut Tx<'_>, at: DateTime<Utc>, c: &CaseRecord, actor: &Actor) -> Result<()> {
    if c.steps.len() != 1 {
        return Err(StoreError::Invalid(format!(
            "新开监测事项 {} 应只含线索登记环节, 实有 {} 个环节",
            c.id,
            c.steps.len()
        )));
    }
    check_case(c)?;
    let household = c.household();
    household_exists(tx, household)?;
    if let Some(open) = open_case_of(tx, household)? {
        return Err(StoreError::CaseAlreadyOpen {
            household,
            open: Some(open),
        });
    }
    if case_exists(tx, &c.id)? {
        return Err(StoreError::Duplicate {
            entity: "监测案件",
            key: c.id.to_string(),
        });
    }
    // A concurrent opener (PostgreSQL, read committed) may have got past the check above: the unique
    // index refuses the second insert.
    tx.exec(&insert_sql("monitoring_cases", CASE_COLS), &case_vals(c))
        .map_err(|e| one_open(e, Some(household)))?;
    tx.exec(
        &insert_sql("case_steps", STEP_COLS),
        &step_vals(&c.id, 1, &c.steps[0]),
    )?;
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "monitoring.case_open",
            entity: "monitoring_cases",
            entity_id: c.id.to_string(),
            reason: Step::Lead.label(),
            detail: json!({
                "household": household.0,
                "village": c.village.as_str(),
                "kind": c.kind.code(),
                "channel": c.channel.code(),
                "monitoring_kind": c.monitoring_kind.map(MonitoringKind::code),
            }),
        },
    )?;
    Ok(())
}

/// The decision a case's county approval records on the household: which status event kind it must be.
fn decision_kind(kind: CaseKind) -> StatusEventKind {
    match kind {
        CaseKind::Identification => StatusEventKind::Monitored,
        CaseKind::Elimination => StatusEventKind::RiskEliminated,
    }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn record_step(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    id: &CaseId,
    expected: usize,
    step: CaseStep,
    decision: Option<&StatusEvent>,
    actor: &Actor,
) -> Result<CaseRecord> {
    let mut case = get(tx, id)?.ok_or_else(|| case_not_found(id))?;
    if case.steps.len() != expected {
        return Err(StoreError::CaseConflict {
            case: *id,
            current: case.steps.len(),
            expected,
        });
    }
    let last_at = case.steps.last().map(|s| s.at);
    case.push_step(step)
        .map_err(|source| StoreError::StepOrder { case: *id, source })?;
    let step = &case.steps[expected];
    if step.step == Step::TownshipReview && step.outcome == Outcome::Pass {
        crate::notices::check_township_review(tx, id, step.at)?;
    }
    if last_at.is_some_and(|t| step.at < t) {
        return Err(StoreError::Invalid(format!(
            "监测事项 {id}: 「{}」的时间早于上一环节",
            step.step.label()
        )));
    }
    let decided = case.state() == CaseState::Decided;
    match decision {
        Some(_) if !decided => {
            return Err(StoreError::Invalid(format!(
                "监测事项 {id}: 只有县级审定通过时才登记户的状态决定"
            )))
        }
        None if decided => {
            return Err(StoreError::Invalid(format!(
                "监测事项 {id}: 县级审定通过应同时登记户的状态决定({})",
                decision_kind(case.kind).label()
            )))
        }
        Some(e) if e.kind != decision_kind(case.kind) => {
            return Err(StoreError::Invalid(format!(
                "监测事项 {id}({}) 的决定应为「{}」, 而不是「{}」",
                case.kind.label(),
                decision_kind(case.kind).label(),
                e.kind.label()
            )))
        }
        _ => {}
    }
    let (state, next, closed) = state_cols(&case);
    let changed = tx.exec(
        "UPDATE monitoring_cases SET state = ?, next_step = ?, closed_at = ?, last_step_at = ?, \
         step_count = ? WHERE id = ? AND step_count = ?",
        &[
            Val::Str(state),
            Val::opt_str(next),
            closed.map_or(Val::Null, Val::Ts),
            Val::Ts(step.at),
            Val::I64(case.steps.len() as i64),
            Val::Owned(id.to_string()),
            Val::I64(expected as i64),
        ],
    )?;
    if changed == 0 {
        // Another writer moved the count between our read and the update (PostgreSQL, read committed).
        let current = tx
            .query_i64(
                "SELECT step_count FROM monitoring_cases WHERE id = ?",
                &[Val::Owned(id.to_string())],
            )?
            .unwrap_or_default();
        return Err(StoreError::CaseConflict {
            case: *id,
            current: usize::try_from(current).unwrap_or_default(),
            expected,
        });
    }
    tx.exec(
        &insert_sql("case_steps", STEP_COLS),
        &step_vals(id, expected + 1, step),
    )?;
    let reason = format!("{}: {}", step.step.label(), step.outcome.label());
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "monitoring.case_step",
            entity: "monitoring_cases",
            entity_id: id.to_string(),
            reason: &reason,
            detail: json!({
                "household": case.household().0,
                "seq": expected + 1,
                "step": step.step.code(),
                "outcome": step.outcome.code(),
                "state": state,
            }),
        },
    )?;
    if let Some(event) = decision {
        let household = case.household();
        let version = tx
            .query_i64(
                "SELECT current_version FROM households WHERE id = ?",
                &[Val::I64(household.0)],
            )?
            .ok_or_else(|| households::not_found(household))?;
        let reason = format!("监测事项 {id} {}", Step::CountyApproval.label());
        households::append_event(tx, at, household, Version(version), event, actor, &reason)?;
    }
    Ok(case)
}

/// Up to this many cases, their steps are read by id.
const ID_LIST_MAX: usize = 500;

/// Cases matching `filter_sql` (a WHERE condition over `monitoring_cases`, then ORDER/LIMIT), with their
/// steps: two queries, whatever the number of cases.
fn load_cases(tx: &mut Tx<'_>, filter_sql: &str, params: &[Val<'_>]) -> Result<Vec<CaseRecord>> {
    let cases = tx.query_vec(
        &format!(
            "SELECT {} FROM monitoring_cases WHERE {filter_sql}",
            col_list(CASE_COLS, "")
        ),
        params,
        decode_case,
    )?;
    if cases.is_empty() {
        return Ok(cases);
    }
    let mut steps: HashMap<String, Vec<CaseStep>> = HashMap::with_capacity(cases.len());
    let mut collect = |r: &dyn Get| {
        let (case, step) = decode_step(r)?;
        steps.entry(case).or_default().push(step);
        Ok(())
    };
    // A page of cases (an inbox) names its ids; more cases repeat the filter as a subquery rather than
    // send a parameter per case.
    if cases.len() <= ID_LIST_MAX {
        let ids: Vec<String> = cases.iter().map(|c| c.id.to_string()).collect();
        let marks = vec!["?"; ids.len()].join(", ");
        let id_vals: Vec<Val<'_>> = ids.iter().map(|i| Val::Str(i)).collect();
        tx.query(
            &format!(
                "SELECT {} FROM case_steps WHERE case_id IN ({marks}) ORDER BY case_id, seq",
                col_list(STEP_COLS, "")
            ),
            &id_vals,
            &mut collect,
        )?;
    } else {
        tx.query(
            &format!(
                "SELECT {} FROM case_steps WHERE case_id IN (SELECT id FROM monitoring_cases WHERE {filter_sql}) \
                 ORDER BY case_id, seq",
                col_list(STEP_COLS, "")
            ),
            params,
            &mut collect,
        )?;
    }
    Ok(cases
        .into_iter()
        .map(|mut c| {
            c.steps = steps.remove(&c.id.to_string()).unwrap_or_default();
            c
        })
        .collect())
}

fn get(tx: &mut Tx<'_>, id: &CaseId) -> Result<Option<CaseRecord>> {
    Ok(load_cases(tx, "id = ?", &[Val::Owned(id.to_string())])?
        .into_iter()
        .next())
}

fn of_household(tx: &mut Tx<'_>, household: HouseholdId) -> Result<Vec<CaseRecord>> {
    load_cases(
        tx,
        "household_id = ? ORDER BY case_no",
        &[Val::I64(household.0)],
    )
}

/// The WHERE condition and parameters of `filter` within `area` (without order or limit).
fn filter_sql(area: &AreaCode, filter: &CaseFilter) -> (String, Vec<Val<'static>>) {
    let (lo, hi) = households::village_range(area);
    let mut sql = String::from("village_code BETWEEN ? AND ?");
    let mut params = vec![Val::Owned(lo), Val::Owned(hi)];
    if filter.open_only {
        // Written out (not a parameter) so that SQLite can use the partial index on open cases.
        sql.push_str(" AND state = 'open'");
    }
    if let Some(kind) = filter.kind {
        sql.push_str(" AND kind = ?");
        params.push(Val::Str(kind.code()));
    }
    if !filter.next_steps.is_empty() {
        let marks = vec!["?"; filter.next_steps.len()].join(", ");
        sql.push_str(&format!(" AND next_step IN ({marks})"));
        params.extend(filter.next_steps.iter().map(|s| Val::Str(s.code())));
    }
    if let Some(from) = filter.opened_from {
        sql.push_str(" AND opened_at >= ?");
        params.push(Val::Ts(from));
    }
    if let Some(before) = filter.opened_before {
        sql.push_str(" AND opened_at < ?");
        params.push(Val::Ts(before));
    }
    (sql, params)
}

fn count_within(tx: &mut Tx<'_>, area: &AreaCode, filter: &CaseFilter) -> Result<u64> {
    let (sql, params) = filter_sql(area, filter);
    let n = tx.query_i64(
        &format!("SELECT count(*) FROM monitoring_cases WHERE {sql}"),
        &params,
    )?;
    Ok(n.unwrap_or(0) as u64)
}

fn within(tx: &mut Tx<'_>, area: &AreaCode, filter: &CaseFilter) -> Result<Vec<CaseRecord>> {
    let (mut sql, mut params) = filter_sql(area, filter);
    sql.push_str(if filter.newest_first {
        " ORDER BY opened_at DESC, id DESC LIMIT ? OFFSET ?"
    } else {
        " ORDER BY opened_at, id LIMIT ? OFFSET ?"
    });
    params.push(Val::I64(
        filter
            .limit
            .map_or(i64::MAX, |l| l.min(i64::MAX as usize) as i64),
    ));
    params.push(Val::I64(filter.offset.min(i64::MAX as usize) as i64));
    load_cases(tx, &sql, &params)
}

/// One case as its row records it, without its steps: what figures over many cases read (the row keeps
/// the first step's time, the state and the closing time the steps give, written with them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseOutline {
    pub village: AreaCode,
    pub kind: CaseKind,
    pub channel: Channel,
    pub monitoring_kind: Option<MonitoringKind>,
    pub opened_at: DateTime<Utc>,
    /// When it was decided or rejected; `None` while open.
    pub closed_at: Option<DateTime<Utc>>,
    /// Decided (approved by the county) rather than rejected or open.
    pub decided: bool,
}

fn outlines_within(tx: &mut Tx<'_>, area: &AreaCode) -> Result<Vec<CaseOutline>> {
    const T: &str = "monitoring_cases";
    let (lo, hi) = households::village_range(area);
    tx.query_vec(
        "SELECT village_code, kind, channel, monitoring_kind, opened_at, state, closed_at \
         FROM monitoring_cases WHERE village_code BETWEEN ? AND ? ORDER BY opened_at, id",
        &[Val::Owned(lo), Val::Owned(hi)],
        |r| {
            let village = r.str(0)?;
            let state = r.str(5)?;
            Ok(CaseOutline {
                village: AreaCode::parse(village)
                    .map_err(|_| invalid(T, "village_code", village))?,
                kind: code(T, "kind", r.str(1)?, CaseKind::from_code)?,
                channel: code(T, "channel", r.str(2)?, Channel::from_code)?,
                monitoring_kind: opt_code(
                    T,
                    "monitoring_kind",
                    r.opt_str(3)?,
                    MonitoringKind::from_code,
                )?,
                opened_at: r.ts(4)?,
                closed_at: if state == "open" {
                    None
                } else {
                    Some(r.ts(6)?)
                },
                decided: state == "decided",
            })
        },
    )
}

fn counts(
    tx: &mut Tx<'_>,
    area: &AreaCode,
    as_of: NaiveDate,
    days_limit: u16,
) -> Result<CaseCounts> {
    let (lo, hi) = households::village_range(area);
    let end = china_midnight(as_of + Duration::days(1));
    let overdue_before = china_midnight(as_of - Duration::days(i64::from(days_limit))).min(end);
    // One pass over the area's cases opened before the end of the day. A case closed before then counts by
    // its state; any other was open then, waiting for the step after the ones recorded before then. Steps
    // go in a fixed order and in time order, so their number says which step is due; it is `step_count`
    // unless steps were recorded after the day (only then are the steps counted).
    let mut out = CaseCounts::default();
    tx.query(
        "SELECT CASE WHEN c.closed_at < ? THEN c.state ELSE 'open' END, \
                CASE WHEN c.closed_at < ? THEN 0 WHEN c.last_step_at < ? THEN c.step_count \
                     ELSE (SELECT count(*) FROM case_steps s WHERE s.case_id = c.id AND s.recorded_at < ?) END, \
                CAST(CASE WHEN c.opened_at < ? THEN 1 ELSE 0 END AS BIGINT), \
                count(*) \
         FROM monitoring_cases c \
         WHERE c.village_code BETWEEN ? AND ? AND c.opened_at < ? \
         GROUP BY 1, 2, 3",
        &[
            Val::Ts(end),
            Val::Ts(end),
            Val::Ts(end),
            Val::Ts(end),
            Val::Ts(overdue_before),
            Val::Str(&lo),
            Val::Str(&hi),
            Val::Ts(end),
        ],
        &mut |r| {
            let n = r.i64(3)? as u64;
            match r.str(0)? {
                "decided" => out.decided += n,
                "rejected" => out.rejected += n,
                _ => {
                    let done = usize::try_from(r.i64(1)?).unwrap_or(usize::MAX);
                    let Some(next) = Step::ALL.get(done) else {
                        return Err(invalid("monitoring_cases", "step_count", done));
                    };
                    *out.open_by_next.entry(*next).or_default() += n;
                    if r.i64(2)? == 1 {
                        out.overdue += n;
                    }
                }
            }
            Ok(())
        },
    )?;
    Ok(out)
}

fn next_case_id(tx: &mut Tx<'_>, household: HouseholdId) -> Result<CaseId> {
    household_exists(tx, household)?;
    let max = tx
        .query_i64(
            "SELECT max(case_no) FROM monitoring_cases WHERE household_id = ?",
            &[Val::I64(household.0)],
        )?
        .unwrap_or(0);
    let next = u32::try_from(max + 1).map_err(|_| invalid("monitoring_cases", "case_no", max))?;
    CaseId::new(household, next).map_err(|e| StoreError::Invalid(e.to_string()))
}

// ---- Measures, visits, cadres ----

fn add_measure(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    m: &Measure,
    actor: &Actor,
) -> Result<MeasureId> {
    check_measure(m)?;
    household_exists(tx, m.household)?;
    if let Some(c) = m.cadre {
        cadre_exists(tx, c)?;
    }
    if let Some(c) = &m.case {
        if !case_exists(tx, c)? {
            return Err(case_not_found(c));
        }
    }
    let id = tx
        .query_i64(
            &format!(
                "{} RETURNING id",
                insert_sql("assistance_measures", MEASURE_COLS)
            ),
            &measure_vals(m, at, actor),
        )?
        .ok_or_else(|| StoreError::Invalid("未能分配帮扶措施 ID".into()))?;
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "monitoring.measure_add",
            entity: "assistance_measures",
            entity_id: id.to_string(),
            reason: m.kind.label(),
            detail: json!({
                "household": m.household.0,
                "kind": m.kind.code(),
                "started": m.started.to_string(),
                "ended": m.ended.map(|d| d.to_string()),
                "amount_fen": m.amount.map(Yuan::fen),
                "case": m.case.map(|c| c.to_string()),
                "cadre": m.cadre.map(|c| c.0),
            }),
        },
    )?;
    Ok(MeasureId(id))
}

fn end_measure(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    id: MeasureId,
    ended: NaiveDate,
    actor: &Actor,
) -> Result<()> {
    let row = tx.query_opt(
        &format!(
            "SELECT id, {} FROM assistance_measures WHERE id = ?",
            col_list(MEASURE_COLS, "")
        ),
        &[Val::I64(id.0)],
        decode_measure,
    )?;
    let Some((_, m)) = row else {
        return Err(StoreError::NotFound {
            entity: "帮扶措施",
            key: format!("ID {id}"),
        });
    };
    if let Some(end) = m.ended {
        return Err(StoreError::Invalid(format!(
            "帮扶措施(ID {id})已于 {end} 结束"
        )));
    }
    if ended < m.started {
        return Err(StoreError::Invalid(format!(
            "帮扶措施(ID {id})的结束日期 {ended} 早于开始日期 {}",
            m.started
        )));
    }
    // `ended IS NULL` again: two people ending the same measure at once must not both succeed.
    let changed = tx.exec(
        "UPDATE assistance_measures SET ended = ? WHERE id = ? AND ended IS NULL",
        &[Val::date(ended), Val::I64(id.0)],
    )?;
    if changed == 0 {
        return Err(StoreError::Invalid(format!(
            "帮扶措施(ID {id})已被他人结束, 请刷新"
        )));
    }
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "monitoring.measure_end",
            entity: "assistance_measures",
            entity_id: id.to_string(),
            reason: "措施结束",
            detail: json!({ "household": m.household.0, "ended": ended.to_string() }),
        },
    )?;
    Ok(())
}

fn measures_of(tx: &mut Tx<'_>, household: HouseholdId) -> Result<Vec<(MeasureId, Measure)>> {
    tx.query_vec(
        &format!(
            "SELECT id, {} FROM assistance_measures WHERE household_id = ? ORDER BY started, id",
            col_list(MEASURE_COLS, "")
        ),
        &[Val::I64(household.0)],
        decode_measure,
    )
}

/// Every measure of the households currently filed within `area`, by village, household and start.
fn each_measure_within(
    tx: &mut Tx<'_>,
    area: &AreaCode,
    f: &mut dyn FnMut(MeasureId, Measure) -> Result<()>,
) -> Result<()> {
    let (lo, hi) = households::village_range(area);
    tx.query(
        &format!(
            "SELECT m.id, {} FROM households h JOIN assistance_measures m ON m.household_id = h.id \
             WHERE h.village_code BETWEEN ? AND ? ORDER BY h.village_code, h.id, m.started, m.id",
            col_list(MEASURE_COLS, "m")
        ),
        &[Val::Str(&lo), Val::Str(&hi)],
        &mut |r| {
            let (id, m) = decode_measure(r)?;
            f(id, m)
        },
    )
}

/// For each window `(from, to)` (both included), the households currently filed within `area` with a visit
/// in it, by id. One read for every window: a whole city's scan costs the same for one window or fourteen
/// (the demo's years), so the windows share it.
fn households_visited_in(
    tx: &mut Tx<'_>,
    area: &AreaCode,
    windows: &[(NaiveDate, NaiveDate)],
) -> Result<Vec<Vec<HouseholdId>>> {
    let mut out = vec![Vec::new(); windows.len()];
    let (Some(first), Some(last)) = (
        windows.iter().map(|w| w.0).min(),
        windows.iter().map(|w| w.1).max(),
    ) else {
        return Ok(out);
    };
    let (lo, hi) = households::village_range(area);
    tx.query(
        "SELECT DISTINCT v.household_id, v.visited_on FROM households h \
         JOIN visits v ON v.household_id = h.id \
         WHERE h.village_code BETWEEN ? AND ? AND v.visited_on >= ? AND v.visited_on <= ? \
         ORDER BY v.household_id",
        &[
            Val::Str(&lo),
            Val::Str(&hi),
            Val::date(first),
            Val::date(last),
        ],
        &mut |r| {
            let household = HouseholdId(r.i64(0)?);
            let on = r.date(1)?;
            for (found, (from, to)) in out.iter_mut().zip(windows) {
                // Rows come by household: one entry per household and window.
                if (*from..=*to).contains(&on) && found.last() != Some(&household) {
                    found.push(household);
                }
            }
            Ok(())
        },
    )?;
    Ok(out)
}

/// Every visit to the households currently filed within `area`, by village, household and date.
fn each_visit_within(
    tx: &mut Tx<'_>,
    area: &AreaCode,
    f: &mut dyn FnMut(VisitId, Visit) -> Result<()>,
) -> Result<()> {
    let (lo, hi) = households::village_range(area);
    tx.query(
        &format!(
            "SELECT v.id, {} FROM households h JOIN visits v ON v.household_id = h.id \
             WHERE h.village_code BETWEEN ? AND ? ORDER BY h.village_code, h.id, v.visited_on, v.id",
            col_list(VISIT_COLS, "v")
        ),
        &[Val::Str(&lo), Val::Str(&hi)],
        &mut |r| {
            let (id, v) = decode_visit(r)?;
            f(id, v)
        },
    )
}

fn measure_counts(tx: &mut Tx<'_>, area: &AreaCode, on: NaiveDate) -> Result<MeasureCounts> {
    let (lo, hi) = households::village_range(area);
    // One pass: running measures by household and kind, counted here (a second query for the distinct
    // households would read everything again).
    let mut out = MeasureCounts::default();
    let mut last: Option<i64> = None;
    tx.query(
        "SELECT m.household_id, m.kind, count(*) \
         FROM households h JOIN assistance_measures m ON m.household_id = h.id \
         WHERE h.village_code BETWEEN ? AND ? AND m.started <= ? AND (m.ended IS NULL OR m.ended >= ?) \
         GROUP BY m.household_id, m.kind ORDER BY m.household_id",
        &[Val::Str(&lo), Val::Str(&hi), Val::date(on), Val::date(on)],
        &mut |r| {
            let household = r.i64(0)?;
            if last != Some(household) {
                out.households_with_active += 1;
                last = Some(household);
            }
            let kind = code(
                "assistance_measures",
                "kind",
                r.str(1)?,
                AssistanceType::from_code,
            )?;
            *out.active_by_kind.entry(kind).or_default() += r.i64(2)? as u64;
            Ok(())
        },
    )?;
    Ok(out)
}

/// For each of `dates`, the kinds of measure running on it for each household currently filed within
/// `area` (one pair per household and kind, by household id, then kind code). One read for every date,
/// as [`households_visited_in`].
fn running_kinds_on(
    tx: &mut Tx<'_>,
    area: &AreaCode,
    dates: &[NaiveDate],
) -> Result<Vec<Vec<(HouseholdId, AssistanceType)>>> {
    let mut out = vec![Vec::new(); dates.len()];
    let (Some(&first), Some(&last)) = (dates.iter().min(), dates.iter().max()) else {
        return Ok(out);
    };
    let (lo, hi) = households::village_range(area);
    tx.query(
        "SELECT m.household_id, m.kind, m.started, m.ended FROM assistance_measures m \
         JOIN households h ON h.id = m.household_id \
         WHERE h.village_code BETWEEN ? AND ? AND m.started <= ? AND (m.ended IS NULL OR m.ended >= ?) \
         ORDER BY m.household_id, m.kind",
        &[Val::Str(&lo), Val::Str(&hi), Val::date(last), Val::date(first)],
        &mut |r| {
            let kind = code(
                "assistance_measures",
                "kind",
                r.str(1)?,
                AssistanceType::from_code,
            )?;
            let pair = (HouseholdId(r.i64(0)?), kind);
            let (started, ended) = (r.date(2)?, r.opt_date(3)?);
            for (running, on) in out.iter_mut().zip(dates) {
                // Running on the day: started by then and not ended before it. Rows come by household
                // and kind: one entry per pair and date.
                if jingzhun_core::monitoring::period_covers(started, ended, *on)
                    && running.last() != Some(&pair)
                {
                    running.push(pair);
                }
            }
            Ok(())
        },
    )?;
    Ok(out)
}

fn add_visit(tx: &mut Tx<'_>, at: DateTime<Utc>, v: &Visit, actor: &Actor) -> Result<VisitId> {
    household_exists(tx, v.household)?;
    if let Some(c) = v.cadre {
        cadre_exists(tx, c)?;
    }
    let id = tx
        .query_i64(
            &format!("{} RETURNING id", insert_sql("visits", VISIT_COLS)),
            &visit_vals(v, at, actor),
        )?
        .ok_or_else(|| StoreError::Invalid("未能分配走访记录 ID".into()))?;
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "monitoring.visit_add",
            entity: "visits",
            entity_id: id.to_string(),
            reason: v.purpose.label(),
            detail: json!({
                "household": v.household.0,
                "cadre": v.cadre.map(|c| c.0),
                "visited_on": v.visited_on.to_string(),
                "purpose": v.purpose.code(),
            }),
        },
    )?;
    Ok(VisitId(id))
}

fn visits_of(tx: &mut Tx<'_>, household: HouseholdId) -> Result<Vec<(VisitId, Visit)>> {
    tx.query_vec(
        &format!(
            "SELECT id, {} FROM visits WHERE household_id = ? ORDER BY visited_on, id",
            col_list(VISIT_COLS, "")
        ),
        &[Val::I64(household.0)],
        decode_visit,
    )
}

fn create_cadre(tx: &mut Tx<'_>, at: DateTime<Utc>, c: &Cadre, actor: &Actor) -> Result<()> {
    check_cadre(c)?;
    if cadre_exists(tx, c.id).is_ok() {
        return Err(StoreError::Duplicate {
            entity: "帮扶干部",
            key: format!("ID {}", c.id),
        });
    }
    tx.exec(&insert_sql("cadres", CADRE_COLS), &cadre_vals(c))?;
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "monitoring.cadre_create",
            entity: "cadres",
            entity_id: c.id.to_string(),
            reason: c.post.label(),
            detail: json!({ "post": c.post.code(), "area": c.area.as_str() }),
        },
    )?;
    Ok(())
}

fn cadre(tx: &mut Tx<'_>, id: CadreId) -> Result<Option<Cadre>> {
    tx.query_opt(
        &format!(
            "SELECT {} FROM cadres WHERE id = ?",
            col_list(CADRE_COLS, "")
        ),
        &[Val::I64(id.0)],
        |r| decode_cadre(r, 0),
    )
}

/// Bounds of the codes that start with `area`'s code: `[code, code + ':')`, `:` being the character after
/// `9` (codes are digits; byte order on both backends).
fn code_prefix_range(area: &AreaCode) -> (String, String) {
    (area.as_str().to_owned(), format!("{}:", area.as_str()))
}

fn cadres_within(tx: &mut Tx<'_>, area: &AreaCode) -> Result<Vec<Cadre>> {
    let (lo, hi) = code_prefix_range(area);
    tx.query_vec(
        &format!(
            "SELECT {} FROM cadres WHERE area_code >= ? AND area_code < ? ORDER BY area_code, id",
            col_list(CADRE_COLS, "")
        ),
        &[Val::Owned(lo), Val::Owned(hi)],
        |r| decode_cadre(r, 0),
    )
}

fn assign(tx: &mut Tx<'_>, at: DateTime<Utc>, a: &Assignment, actor: &Actor) -> Result<()> {
    check_assignment(a)?;
    cadre_exists(tx, a.cadre)?;
    household_exists(tx, a.household)?;
    let taken = tx
        .query_i64(
            "SELECT count(*) FROM cadre_assignments WHERE household_id = ? AND cadre_id = ? AND from_date = ?",
            &[Val::I64(a.household.0), Val::I64(a.cadre.0), Val::date(a.from)],
        )?
        .unwrap_or(0)
        > 0;
    if taken {
        return Err(StoreError::Duplicate {
            entity: "结对帮扶",
            key: format!("干部 ID {} — 户 ID {} 自 {}", a.cadre, a.household, a.from),
        });
    }
    tx.exec(
        &insert_sql("cadre_assignments", ASSIGNMENT_COLS),
        &assignment_vals(a, at, actor),
    )?;
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "monitoring.cadre_assign",
            entity: "cadre_assignments",
            entity_id: format!("{}-{}", a.cadre, a.household),
            reason: "结对帮扶",
            detail: json!({
                "cadre": a.cadre.0,
                "household": a.household.0,
                "from": a.from.to_string(),
                "to": a.to.map(|d| d.to_string()),
            }),
        },
    )?;
    Ok(())
}

fn end_assignment(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    a: &Assignment,
    to: NaiveDate,
    actor: &Actor,
) -> Result<()> {
    check_assignment(&Assignment {
        to: Some(to),
        ..a.clone()
    })?;
    let changed = tx.exec(
        "UPDATE cadre_assignments SET to_date = ? \
         WHERE household_id = ? AND cadre_id = ? AND from_date = ? AND to_date IS NULL",
        &[
            Val::date(to),
            Val::I64(a.household.0),
            Val::I64(a.cadre.0),
            Val::date(a.from),
        ],
    )?;
    if changed == 0 {
        return Err(StoreError::NotFound {
            entity: "进行中的结对帮扶",
            key: format!("干部 ID {} — 户 ID {} 自 {}", a.cadre, a.household, a.from),
        });
    }
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "monitoring.cadre_unassign",
            entity: "cadre_assignments",
            entity_id: format!("{}-{}", a.cadre, a.household),
            reason: "结对帮扶结束",
            detail: json!({
                "cadre": a.cadre.0,
                "household": a.household.0,
                "from": a.from.to_string(),
                "to": to.to_string(),
            }),
        },
    )?;
    Ok(())
}

fn cadres_of(tx: &mut Tx<'_>, household: HouseholdId) -> Result<Vec<(Cadre, Assignment)>> {
    tx.query_vec(
        &format!(
            "SELECT {}, {} FROM cadre_assignments a JOIN cadres c ON c.id = a.cadre_id \
             WHERE a.household_id = ? ORDER BY a.from_date, a.cadre_id",
            col_list(CADRE_COLS, "c"),
            col_list(&ASSIGNMENT_COLS[..4], "a"),
        ),
        &[Val::I64(household.0)],
        |r| Ok((decode_cadre(r, 0)?, decode_assignment(r, CADRE_COLS.len())?)),
    )
}

fn next_cadre_id(tx: &mut Tx<'_>) -> Result<CadreId> {
    Ok(CadreId(
        tx.query_i64("SELECT max(id) FROM cadres", &[])?
            .unwrap_or(0)
            + 1,
    ))
}

// ---- Bulk ----

fn check_batch(b: &MonitoringBatch) -> Result<()> {
    let mut cadre_ids = HashSet::with_capacity(b.cadres.len());
    for c in &b.cadres {
        check_cadre(c)?;
        if !cadre_ids.insert(c.id) {
            return Err(StoreError::Duplicate {
                entity: "帮扶干部",
                key: format!("ID {}", c.id),
            });
        }
    }
    let mut open = HashSet::new();
    for c in &b.cases {
        check_case(c)?;
        if c.is_open() && !open.insert(c.household()) {
            return Err(StoreError::CaseAlreadyOpen {
                household: c.household(),
                open: None,
            });
        }
    }
    b.assignments.iter().try_for_each(check_assignment)?;
    b.measures.iter().try_for_each(check_measure)?;
    Ok(())
}

/// Inserts a checked batch's rows in the open transaction: batched prepared inserts on SQLite, binary
/// `COPY` on PostgreSQL.
fn insert_rows(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    b: &MonitoringBatch,
    actor: &Actor,
) -> Result<()> {
    match tx {
        Tx::Sqlite(t) => {
            // Multi-row statements (`bulk::insert_many`): one statement run per row cost about a
            // quarter more on narrow rows (BENCHMARKS.md, "The demo's first run under 60 s").
            use crate::bulk::insert_many as run;
            run(t, "cadres", CADRE_COLS, b.cadres.iter().map(cadre_vals))?;
            // Row by row here, so that a clash with a stored open case names its household.
            let mut cases = t.prepare_cached(&insert_sql("monitoring_cases", CASE_COLS))?;
            for c in &b.cases {
                cases
                    .execute(rusqlite::params_from_iter(case_vals(c).iter()))
                    .map_err(|e| one_open(e.into(), Some(c.household())))?;
            }
            run(
                t,
                "case_steps",
                STEP_COLS,
                b.cases.iter().flat_map(|c| {
                    c.steps
                        .iter()
                        .enumerate()
                        .map(|(i, s)| step_vals(&c.id, i + 1, s))
                }),
            )?;
            run(
                t,
                "cadre_assignments",
                ASSIGNMENT_COLS,
                b.assignments.iter().map(|a| assignment_vals(a, at, actor)),
            )?;
            run(
                t,
                "assistance_measures",
                MEASURE_COLS,
                b.measures.iter().map(|m| measure_vals(m, at, actor)),
            )?;
            run(
                t,
                "visits",
                VISIT_COLS,
                b.visits.iter().map(|v| visit_vals(v, at, actor)),
            )?;
        }
        Tx::Pg(t) => {
            copy_rows(t, "cadres", CADRE_COLS, b.cadres.iter().map(cadre_vals))?;
            copy_rows(
                t,
                "monitoring_cases",
                CASE_COLS,
                b.cases.iter().map(case_vals),
            )
            .map_err(|e| one_open(e, None))?;
            copy_rows(
                t,
                "case_steps",
                STEP_COLS,
                b.cases.iter().flat_map(|c| {
                    c.steps
                        .iter()
                        .enumerate()
                        .map(|(i, s)| step_vals(&c.id, i + 1, s))
                }),
            )?;
            copy_rows(
                t,
                "cadre_assignments",
                ASSIGNMENT_COLS,
                b.assignments.iter().map(|a| assignment_vals(a, at, actor)),
            )?;
            copy_rows(
                t,
                "assistance_measures",
                MEASURE_COLS,
                b.measures.iter().map(|m| measure_vals(m, at, actor)),
            )?;
            copy_rows(
                t,
                "visits",
                VISIT_COLS,
                b.visits.iter().map(|v| visit_vals(v, at, actor)),
            )?;
        }
    }
    Ok(())
}

fn bulk_load(
    conn: &mut Conn,
    at: DateTime<Utc>,
    b: &MonitoringBatch,
    actor: &Actor,
) -> Result<MonitoringLoaded> {
    check_batch(b)?;
    let loaded = MonitoringLoaded {
        cadres: b.cadres.len(),
        assignments: b.assignments.len(),
        cases: b.cases.len(),
        steps: b.cases.iter().map(|c| c.steps.len()).sum(),
        measures: b.measures.len(),
        visits: b.visits.len(),
    };
    let mut tx = conn.begin_write()?;
    insert_rows(&mut tx, at, b, actor)?;
    audit::append(
        &mut tx,
        at,
        actor,
        Change {
            action: "monitoring.bulk_load",
            entity: "monitoring",
            entity_id: String::new(),
            reason: "批量导入监测帮扶数据",
            detail: json!({
                "cadres": loaded.cadres,
                "assignments": loaded.assignments,
                "cases": loaded.cases,
                "steps": loaded.steps,
                "measures": loaded.measures,
                "visits": loaded.visits,
            }),
        },
    )?;
    tx.commit()?;
    // Statistics for the planner now rather than when autovacuum comes round: on tables that just grew
    // from nothing, plans made without them were measured 100× slower (a village's cases: 48 ms, 0.1 ms
    // after). SQLite plans from its indexes without statistics.
    if let Conn::Pg(c) = conn {
        c.batch_execute(
            "ANALYZE cadres, cadre_assignments, monitoring_cases, case_steps, assistance_measures, visits",
        )?;
    }
    Ok(loaded)
}

// ---- Importing a county's history ----

/// What [`Store::import_monitoring`] did: records written, and records the store already held (left alone,
/// so that importing the same file twice writes nothing the second time).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MonitoringImported {
    /// Decisions (纳入监测, 风险消除) appended to households, each a new household version.
    pub decisions: usize,
    pub decisions_present: usize,
    pub cadres: usize,
    pub cadres_present: usize,
    pub assignments: usize,
    pub assignments_present: usize,
    pub measures: usize,
    pub measures_present: usize,
    pub visits: usize,
    pub visits_present: usize,
}

impl MonitoringImported {
    /// Records written.
    pub fn written(&self) -> usize {
        self.decisions + self.cadres + self.assignments + self.measures + self.visits
    }

    /// Records already stored.
    pub fn present(&self) -> usize {
        self.decisions_present
            + self.cadres_present
            + self.assignments_present
            + self.measures_present
            + self.visits_present
    }
}

/// A stored cadre's identity for matching an imported one: everything but the id.
fn cadre_key(c: &Cadre) -> (String, Option<String>, String, CadrePost, String) {
    (
        c.name.as_str().to_owned(),
        c.phone.as_ref().map(|p| p.as_str().to_owned()),
        c.unit.clone(),
        c.post,
        c.area.as_str().to_owned(),
    )
}

/// Above this many households, an import reads the stored pairings, measures and visits of its whole
/// area in three queries instead of three per household (on PostgreSQL, 23,500 households' round trips
/// were most of a county's import).
const READ_BY_AREA_ABOVE: usize = 200;

/// The stored pairings, measures and visits of every household filed in `area`, by household.
#[allow(clippy::type_complexity)]
fn stored_of_area(
    tx: &mut Tx<'_>,
    area: &AreaCode,
) -> Result<(
    HashMap<HouseholdId, Vec<Assignment>>,
    HashMap<HouseholdId, Vec<Measure>>,
    HashMap<HouseholdId, Vec<Visit>>,
)> {
    let (lo, hi) = households::village_range(area);
    let range = [Val::Owned(lo), Val::Owned(hi)];
    let join = "JOIN households h ON h.id = x.household_id WHERE h.village_code BETWEEN ? AND ?";
    let mut pairs: HashMap<HouseholdId, Vec<Assignment>> = HashMap::new();
    for a in tx.query_vec(
        &format!(
            "SELECT {} FROM cadre_assignments x {join}",
            col_list(&ASSIGNMENT_COLS[..4], "x")
        ),
        &range,
        |r| decode_assignment(r, 0),
    )? {
        pairs.entry(a.household).or_default().push(a);
    }
    let mut measures: HashMap<HouseholdId, Vec<Measure>> = HashMap::new();
    for (_, m) in tx.query_vec(
        &format!(
            "SELECT x.id, {} FROM assistance_measures x {join}",
            col_list(MEASURE_COLS, "x")
        ),
        &range,
        decode_measure,
    )? {
        measures.entry(m.household).or_default().push(m);
    }
    let mut visits: HashMap<HouseholdId, Vec<Visit>> = HashMap::new();
    for (_, v) in tx.query_vec(
        &format!(
            "SELECT x.id, {} FROM visits x {join}",
            col_list(VISIT_COLS, "x")
        ),
        &range,
        decode_visit,
    )? {
        visits.entry(v.household).or_default().push(v);
    }
    Ok((pairs, measures, visits))
}

/// Imports `h` in the open write transaction (see [`Store::import_monitoring`]).
fn import_history(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    h: &MonitoringHistory,
    area: &AreaCode,
    actor: &Actor,
    reason: &str,
) -> Result<MonitoringImported> {
    let mut out = MonitoringImported::default();
    // Every household named: stored, and in the area (checked again here, whatever the caller checked).
    let mut households: BTreeSet<HouseholdId> = h.decisions.iter().map(|(id, _)| *id).collect();
    households.extend(h.measures.iter().map(|m| m.household));
    households.extend(h.visits.iter().map(|v| v.household));
    households.extend(h.assignments.iter().map(|a| a.household));
    for id in &households {
        let village = tx
            .query_opt(
                "SELECT village_code FROM households WHERE id = ?",
                &[Val::I64(id.0)],
                |r| Ok(r.str(0)?.to_owned()),
            )?
            .ok_or_else(|| households::not_found(*id))?;
        if !village.starts_with(area.as_str()) {
            return Err(StoreError::Invalid(format!(
                "户(ID {id})属于 {village}，不在导入范围 {area} 内，未导入任何记录"
            )));
        }
    }

    // Decisions: appended when the household has no event of that kind on that date yet.
    let mut by_household: BTreeMap<HouseholdId, Vec<&StatusEvent>> = BTreeMap::new();
    for (id, e) in &h.decisions {
        if !matches!(
            e.kind,
            StatusEventKind::Monitored | StatusEventKind::RiskEliminated
        ) {
            return Err(StoreError::Invalid(format!(
                "户(ID {id}): 导入的监测记录只能是纳入监测或风险消除，不能是「{}」",
                e.kind.label()
            )));
        }
        by_household.entry(*id).or_default().push(e);
    }
    for (id, events) in by_household {
        let stored: HashSet<(String, NaiveDate)> = tx
            .query_vec(
                "SELECT kind, effective FROM status_events WHERE household_id = ?",
                &[Val::I64(id.0)],
                |r| Ok((r.str(0)?.to_owned(), r.date(1)?)),
            )?
            .into_iter()
            .collect();
        let mut events = events;
        events.sort_by_key(|e| (e.effective, e.kind.index()));
        for e in events {
            if stored.contains(&(e.kind.code().to_owned(), e.effective)) {
                out.decisions_present += 1;
                continue;
            }
            let version = tx
                .query_i64(
                    "SELECT current_version FROM households WHERE id = ?",
                    &[Val::I64(id.0)],
                )?
                .ok_or_else(|| households::not_found(id))?;
            households::append_event(tx, at, id, Version(version), e, actor, reason)?;
            out.decisions += 1;
        }
    }

    // Cadres: an identical stored cadre of the area is reused, the others get new ids.
    let stored: HashMap<_, CadreId> = cadres_within(tx, area)?
        .into_iter()
        .map(|c| (cadre_key(&c), c.id))
        .collect();
    let mut next = next_cadre_id(tx)?;
    let mut ids: HashMap<CadreId, CadreId> = HashMap::new();
    let mut batch = MonitoringBatch::default();
    for c in &h.cadres {
        check_cadre(c)?;
        if !area.contains(&c.area) {
            return Err(StoreError::Invalid(format!(
                "帮扶干部 {} 的所在区划 {} 不在导入范围 {area} 内",
                c.name.masked(),
                c.area
            )));
        }
        let id = match stored.get(&cadre_key(c)) {
            Some(id) => {
                out.cadres_present += 1;
                *id
            }
            None => {
                let id = next;
                next = CadreId(next.0 + 1);
                batch.cadres.push(Cadre { id, ..c.clone() });
                id
            }
        };
        if ids.insert(c.id, id).is_some() {
            return Err(StoreError::Duplicate {
                entity: "帮扶干部",
                key: format!("导入记录中的 ID {}", c.id),
            });
        }
    }
    let cadre = |local: CadreId| {
        ids.get(&local).copied().ok_or_else(|| {
            StoreError::Invalid(format!(
                "导入记录引用的帮扶干部(ID {local})不在导入的干部中"
            ))
        })
    };

    // Pairings, measures and visits: those identical to a stored one are left alone.
    let (mut stored_pairs, mut stored_measures, mut stored_visits) =
        if households.len() > READ_BY_AREA_ABOVE {
            let (mut p, mut m, mut v) = stored_of_area(tx, area)?;
            for id in &households {
                p.entry(*id).or_default();
                m.entry(*id).or_default();
                v.entry(*id).or_default();
            }
            (p, m, v)
        } else {
            (HashMap::new(), HashMap::new(), HashMap::new())
        };
    for a in &h.assignments {
        let a = Assignment {
            cadre: cadre(a.cadre)?,
            ..a.clone()
        };
        check_assignment(&a)?;
        let same = |s: &Assignment| s.cadre == a.cadre && s.from == a.from;
        let list = stored_of(&mut stored_pairs, a.household, |h| cadres_of(tx, h))?;
        if list.iter().any(same) {
            out.assignments_present += 1;
        } else {
            list.push(a.clone());
            batch.assignments.push(a);
        }
    }
    for m in &h.measures {
        let m = Measure {
            cadre: m.cadre.map(cadre).transpose()?,
            ..m.clone()
        };
        check_measure(&m)?;
        let same = |s: &Measure| {
            Measure {
                case: None,
                ..s.clone()
            } == Measure {
                case: None,
                ..m.clone()
            }
        };
        let list = stored_of(&mut stored_measures, m.household, |h| measures_of(tx, h))?;
        if list.iter().any(same) {
            out.measures_present += 1;
        } else {
            list.push(m.clone());
            batch.measures.push(m);
        }
    }
    for v in &h.visits {
        let v = Visit {
            cadre: v.cadre.map(cadre).transpose()?,
            ..v.clone()
        };
        let list = stored_of(&mut stored_visits, v.household, |h| visits_of(tx, h))?;
        if list.contains(&v) {
            out.visits_present += 1;
        } else {
            list.push(v.clone());
            batch.visits.push(v);
        }
    }
    out.cadres = batch.cadres.len();
    out.assignments = batch.assignments.len();
    out.measures = batch.measures.len();
    out.visits = batch.visits.len();
    insert_rows(tx, at, &batch, actor)?;
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "monitoring.import",
            entity: "monitoring",
            entity_id: area.to_string(),
            reason,
            detail: json!({
                "area": area.as_str(),
                "households": households.len(),
                "decisions": out.decisions,
                "decisions_present": out.decisions_present,
                "cadres": out.cadres,
                "cadres_present": out.cadres_present,
                "assignments": out.assignments,
                "assignments_present": out.assignments_present,
                "measures": out.measures,
                "measures_present": out.measures_present,
                "visits": out.visits,
                "visits_present": out.visits_present,
            }),
        },
    )?;
    Ok(out)
}

// ---- The API ----

impl Store {
    /// Opens a case: `case` must hold exactly its lead step, and its id must be free (see
    /// [`Store::next_case_id`]). [`StoreError::CaseAlreadyOpen`] if the household has an open case,
    /// [`StoreError::Duplicate`] if the id is taken.
    pub fn open_case(&self, case: &CaseRecord, actor: &Actor) -> Result<()> {
        self.write(|tx, now| open(tx, now, case, actor))
    }

    /// Records the next step of a case, based on the `expected_step_count` the caller saw
    /// ([`StoreError::CaseConflict`] if another step was recorded since). The step must be the one due
    /// ([`StoreError::StepOrder`]) and not earlier than the previous one. A step that decides the case (a
    /// passed county approval) must come with its `decision` — [`StatusEventKind::Monitored`] for
    /// identification, [`StatusEventKind::RiskEliminated`] for elimination — which is appended to the
    /// household (a new version) in the same transaction; other steps must come without. Returns the case
    /// as it now stands.
    pub fn record_case_step(
        &self,
        id: &CaseId,
        expected_step_count: usize,
        step: CaseStep,
        decision: Option<StatusEvent>,
        actor: &Actor,
    ) -> Result<CaseRecord> {
        self.write(|tx, now| {
            record_step(
                tx,
                now,
                id,
                expected_step_count,
                step,
                decision.as_ref(),
                actor,
            )
        })
    }

    pub fn case(&self, id: &CaseId) -> Result<Option<CaseRecord>> {
        self.read(|tx| get(tx, id))
    }

    /// A household's cases, oldest first.
    pub fn cases_of_household(&self, household: HouseholdId) -> Result<Vec<CaseRecord>> {
        self.read(|tx| of_household(tx, household))
    }

    /// Cases filed under a village within `area`, by the time their lead was recorded (then id).
    pub fn cases_within(&self, area: &AreaCode, filter: &CaseFilter) -> Result<Vec<CaseRecord>> {
        self.read(|tx| within(tx, area, filter))
    }

    /// Every case within `area` as its row records it, without steps ([`CaseOutline`]), in the order
    /// they were opened: for figures over many cases, a fraction of reading them with their steps.
    pub fn case_outlines_within(&self, area: &AreaCode) -> Result<Vec<CaseOutline>> {
        self.read(|tx| outlines_within(tx, area))
    }

    /// How many cases [`Store::cases_within`] would return without `limit` and `offset` (for paging).
    pub fn count_cases_within(&self, area: &AreaCode, filter: &CaseFilter) -> Result<u64> {
        self.read(|tx| count_within(tx, area, filter))
    }

    /// How the cases within `area` stood at the end of `as_of` (China time); open cases whose deadline
    /// (lead date plus `days_limit` days) is before `as_of` count as overdue.
    pub fn case_counts_within(
        &self,
        area: &AreaCode,
        as_of: NaiveDate,
        days_limit: u16,
    ) -> Result<CaseCounts> {
        self.read(|tx| counts(tx, area, as_of, days_limit))
    }

    /// The id the household's next case should take (`{household}-{n + 1}` after its `n` cases).
    /// [`StoreError::NotFound`] for an unknown household.
    pub fn next_case_id(&self, household: HouseholdId) -> Result<CaseId> {
        self.read(|tx| next_case_id(tx, household))
    }

    /// Adds an assistance measure; returns its id.
    pub fn add_measure(&self, measure: &Measure, actor: &Actor) -> Result<MeasureId> {
        self.write(|tx, now| add_measure(tx, now, measure, actor))
    }

    /// Ends a running measure on `ended` (its last day).
    pub fn end_measure(&self, id: MeasureId, ended: NaiveDate, actor: &Actor) -> Result<()> {
        self.write(|tx, now| end_measure(tx, now, id, ended, actor))
    }

    /// A household's measures, by start date.
    pub fn measures_of(&self, household: HouseholdId) -> Result<Vec<(MeasureId, Measure)>> {
        self.read(|tx| measures_of(tx, household))
    }

    /// Measures running on `on` for households currently filed within `area`, by kind, and how many
    /// households have at least one.
    pub fn measure_counts_within(&self, area: &AreaCode, on: NaiveDate) -> Result<MeasureCounts> {
        self.read(|tx| measure_counts(tx, area, on))
    }

    /// The kinds of measure running on `on` for each household currently filed within `area` (one pair per
    /// household and kind, by household id, then kind code): what per-household indicators (coverage of
    /// monitored households, households by kind) are computed from.
    pub fn running_measure_kinds(
        &self,
        area: &AreaCode,
        on: NaiveDate,
    ) -> Result<Vec<(HouseholdId, AssistanceType)>> {
        let mut on_each = self.read(|tx| running_kinds_on(tx, area, &[on]))?;
        Ok(on_each.pop().unwrap_or_default())
    }

    /// [`Store::running_measure_kinds`] for each of `dates`, in one read.
    pub fn running_measure_kinds_on(
        &self,
        area: &AreaCode,
        dates: &[NaiveDate],
    ) -> Result<Vec<Vec<(HouseholdId, AssistanceType)>>> {
        self.read_long(|tx| running_kinds_on(tx, area, dates))
    }

    /// Streams every assistance measure of the households currently filed within `area` (by village,
    /// household, start), on a connection for long work: the measures list and its export.
    pub fn each_measure_within(
        &self,
        area: &AreaCode,
        f: &mut dyn FnMut(MeasureId, Measure) -> Result<()>,
    ) -> Result<()> {
        self.read_long(|tx| each_measure_within(tx, area, f))
    }

    /// The households currently filed within `area` visited between `from` and `to` (both included): the
    /// visit timeliness indicator.
    pub fn households_visited_within(
        &self,
        area: &AreaCode,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<HouseholdId>> {
        let mut in_each = self.read(|tx| households_visited_in(tx, area, &[(from, to)]))?;
        Ok(in_each.pop().unwrap_or_default())
    }

    /// [`Store::households_visited_within`] for each window `(from, to)`, in one read.
    pub fn households_visited_in(
        &self,
        area: &AreaCode,
        windows: &[(NaiveDate, NaiveDate)],
    ) -> Result<Vec<Vec<HouseholdId>>> {
        self.read_long(|tx| households_visited_in(tx, area, windows))
    }

    /// Streams every visit to the households currently filed within `area` (by village, household, date),
    /// on a connection for long work: the visits list and its export.
    pub fn each_visit_within(
        &self,
        area: &AreaCode,
        f: &mut dyn FnMut(VisitId, Visit) -> Result<()>,
    ) -> Result<()> {
        self.read_long(|tx| each_visit_within(tx, area, f))
    }

    /// Records a visit; returns its id. The findings are stored but never audited (they may mention health).
    pub fn add_visit(&self, visit: &Visit, actor: &Actor) -> Result<VisitId> {
        self.write(|tx, now| add_visit(tx, now, visit, actor))
    }

    /// A household's visits, by date.
    pub fn visits_of(&self, household: HouseholdId) -> Result<Vec<(VisitId, Visit)>> {
        self.read(|tx| visits_of(tx, household))
    }

    /// Creates a cadre under the id it carries ([`StoreError::Duplicate`] if taken; see
    /// [`Store::next_cadre_id`]).
    pub fn create_cadre(&self, cadre: &Cadre, actor: &Actor) -> Result<()> {
        self.write(|tx, now| create_cadre(tx, now, cadre, actor))
    }

    /// One more than the greatest cadre id.
    pub fn next_cadre_id(&self) -> Result<CadreId> {
        self.read(next_cadre_id)
    }

    pub fn cadre(&self, id: CadreId) -> Result<Option<Cadre>> {
        self.read(|tx| cadre(tx, id))
    }

    /// Cadres serving an area within `area` (a village, or a township for township-level posts), by area
    /// code then id.
    pub fn cadres_within(&self, area: &AreaCode) -> Result<Vec<Cadre>> {
        self.read(|tx| cadres_within(tx, area))
    }

    /// Pairs a cadre with a household.
    pub fn assign_cadre(&self, assignment: &Assignment, actor: &Actor) -> Result<()> {
        self.write(|tx, now| assign(tx, now, assignment, actor))
    }

    /// Ends a running pairing (named by its cadre, household and start) on `to`, its last day.
    /// [`StoreError::NotFound`] if there is no such pairing or it has already ended.
    pub fn end_assignment(
        &self,
        assignment: &Assignment,
        to: NaiveDate,
        actor: &Actor,
    ) -> Result<()> {
        self.write(|tx, now| end_assignment(tx, now, assignment, to, actor))
    }

    /// A household's cadres with their pairings (past ones included; see [`Assignment::is_active_on`]),
    /// by start date.
    pub fn cadres_of(&self, household: HouseholdId) -> Result<Vec<(Cadre, Assignment)>> {
        self.read(|tx| cadres_of(tx, household))
    }

    /// Imports a county's monitoring history (records read from the national system's exports and resolved
    /// to stored households, see `jingzhun_io::monitoring`) in **one transaction**: every household named
    /// must be stored and lie within `area` (the importing account's area); decisions (纳入监测, 风险消除)
    /// are appended as status events — a new household version each, audited like any other — unless the
    /// household already has an event of that kind on that date; cadres identical to a stored cadre of the
    /// area are reused, the others created; pairings, measures and visits identical to stored ones are left
    /// alone, the others inserted. One more audit entry (`monitoring.import`) counts what was written. Any
    /// error rolls everything back, audit entries included: the store is left exactly as it was.
    pub fn import_monitoring(
        &self,
        history: &MonitoringHistory,
        area: &AreaCode,
        actor: &Actor,
        reason: &str,
    ) -> Result<MonitoringImported> {
        self.write_long(|tx, now| import_history(tx, now, history, area, actor, reason))
    }

    /// What [`Store::import_monitoring`] would do, without doing it (the same work, rolled back).
    pub fn preview_import_monitoring(
        &self,
        history: &MonitoringHistory,
        area: &AreaCode,
        actor: &Actor,
        reason: &str,
    ) -> Result<MonitoringImported> {
        let mut conn = self.lock_long()?;
        let now = self.now();
        let mut tx = conn.guard.begin_write()?;
        let out = import_history(&mut tx, now, history, area, actor, reason)?;
        drop(tx);
        Ok(out)
    }

    /// Loads many monitoring records in **one transaction** with one audit entry: batched prepared
    /// inserts on SQLite, binary `COPY` on PostgreSQL. Everything is checked first (case step order,
    /// dates, duplicate cadre ids, two open cases of one household); the database then enforces the
    /// references (households, cadres, cases) and the one-open-case index against what is already
    /// stored. Any error loads nothing.
    pub fn bulk_load_monitoring(
        &self,
        batch: &MonitoringBatch,
        actor: &Actor,
    ) -> Result<MonitoringLoaded> {
        let mut conn = self.lock_long()?;
        let now = self.now();
        bulk_load(&mut conn.guard, now, batch, actor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_midnight_is_sixteen_hundred_utc_the_day_before() {
        let d = NaiveDate::from_ymd_opt(2024, 3, 2).unwrap();
        assert_eq!(china_midnight(d).to_rfc3339(), "2024-03-01T16:00:00+00:00");
    }

    #[test]
    fn migrations_declare_every_column() {
        for sql in [
            include_str!("../migrations/sqlite/0004_monitoring.sql"),
            include_str!("../migrations/postgres/0004_monitoring.sql"),
        ] {
            for cols in [
                CASE_COLS,
                STEP_COLS,
                CADRE_COLS,
                ASSIGNMENT_COLS,
                MEASURE_COLS,
                VISIT_COLS,
            ] {
                for (c, _) in cols {
                    assert!(sql.contains(&format!("\n    {c} ")), "{c}");
                }
            }
        }
    }
}
