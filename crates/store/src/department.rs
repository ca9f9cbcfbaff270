//! Department findings per household, dated (`department_facts`): what `jingzhun department compare --save`
//! keeps so that every evaluation reads them (the department-alert rules), and the assistance measures'
//! dates of an area, which the rules count for risk elimination. Both are read per area in one query each,
//! for the loader to hand to the engine beside the households.
//!
//! Audit details name counts, codes and the list's name only: never an amount of a named household (a
//! medical cost reveals illness).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::{AreaCode, DepartmentFact, DepartmentSignal, HouseholdId, Yuan};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::db::{Get, Tx, Val};
use crate::error::{invalid, Result, StoreError};
use crate::households;
use crate::schema::{code, insert_sql, Cols, Ty};
use crate::Store;

const FACT_COLS: Cols = &[
    ("household_id", Ty::Int),
    ("signal", Ty::Text),
    ("fact_date", Ty::Date),
    ("amount_fen", Ty::Int),
    ("source", Ty::Text),
    ("recorded_at", Ty::Ts),
    ("recorded_by", Ty::Text),
];

fn decode_fact(r: &dyn Get) -> Result<DepartmentFact> {
    Ok(DepartmentFact {
        household: HouseholdId(r.i64(0)?),
        signal: code(
            "department_facts",
            "signal",
            r.str(1)?,
            DepartmentSignal::from_code,
        )?,
        date: r.date(2)?,
        amount: Yuan::from_fen(r.i64(3)?),
    })
}

fn save(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    facts: &[DepartmentFact],
    source: &str,
    actor: &Actor,
) -> Result<usize> {
    if source.trim().is_empty() {
        return Err(invalid("department_facts", "source", source));
    }
    let sql = insert_sql("department_facts", FACT_COLS);
    let mut by_signal: BTreeMap<&str, usize> = BTreeMap::new();
    // A list names a household's findings together: its existence is checked once for them.
    let mut known = None;
    for f in facts {
        if f.amount < Yuan::ZERO {
            return Err(StoreError::Invalid(format!(
                "部门数据「{source}」的金额不能为负: {}",
                f.amount
            )));
        }
        if known != Some(f.household) {
            if tx
                .query_i64(
                    "SELECT id FROM households WHERE id = ?",
                    &[Val::I64(f.household.0)],
                )?
                .is_none()
            {
                return Err(households::not_found(f.household));
            }
            known = Some(f.household);
        }
        tx.exec(
            &sql,
            &[
                Val::I64(f.household.0),
                Val::Str(f.signal.code()),
                Val::date(f.date),
                Val::I64(f.amount.fen()),
                Val::Str(source),
                Val::Ts(at),
                Val::Str(&actor.account),
            ],
        )?;
        *by_signal.entry(f.signal.code()).or_default() += 1;
    }
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "department.facts_save",
            entity: "department_facts",
            entity_id: source.to_owned(),
            reason: "部门数据比对",
            detail: json!({ "rows": facts.len(), "by_signal": by_signal }),
        },
    )?;
    Ok(facts.len())
}

fn within(tx: &mut Tx<'_>, area: &AreaCode) -> Result<Vec<DepartmentFact>> {
    let (lo, hi) = households::village_range(area);
    tx.query_vec(
        "SELECT f.household_id, f.signal, f.fact_date, f.amount_fen FROM department_facts f \
         JOIN households h ON h.id = f.household_id \
         WHERE h.village_code BETWEEN ? AND ? ORDER BY f.household_id, f.fact_date, f.id",
        &[Val::Str(&lo), Val::Str(&hi)],
        decode_fact,
    )
}

fn of(tx: &mut Tx<'_>, household: HouseholdId) -> Result<Vec<DepartmentFact>> {
    tx.query_vec(
        "SELECT household_id, signal, fact_date, amount_fen FROM department_facts \
         WHERE household_id = ? ORDER BY fact_date, id",
        &[Val::I64(household.0)],
        decode_fact,
    )
}

/// An assistance measure's dates, with its household.
pub type MeasureDates = (HouseholdId, NaiveDate, Option<NaiveDate>);

fn measure_dates(tx: &mut Tx<'_>, area: &AreaCode) -> Result<Vec<MeasureDates>> {
    let (lo, hi) = households::village_range(area);
    tx.query_vec(
        "SELECT m.household_id, m.started, m.ended FROM assistance_measures m \
         JOIN households h ON h.id = m.household_id \
         WHERE h.village_code BETWEEN ? AND ? ORDER BY m.household_id, m.started, m.id",
        &[Val::Str(&lo), Val::Str(&hi)],
        |r| Ok((HouseholdId(r.i64(0)?), r.date(1)?, r.opt_date(2)?)),
    )
}

impl Store {
    /// Keeps the findings of one department list (`source`, e.g. the file's name) in one transaction with
    /// its audit entry; every household must exist. Returns the rows written.
    pub fn save_department_facts(
        &self,
        facts: &[DepartmentFact],
        source: &str,
        actor: &Actor,
    ) -> Result<usize> {
        self.write(|tx, now| save(tx, now, facts, source, actor))
    }

    /// The department findings of the households filed within `area`, by household then date.
    pub fn department_facts_within(&self, area: &AreaCode) -> Result<Vec<DepartmentFact>> {
        self.read_long(|tx| within(tx, area))
    }

    /// One household's department findings, by date.
    pub fn department_facts_of(&self, household: HouseholdId) -> Result<Vec<DepartmentFact>> {
        self.read(|tx| of(tx, household))
    }

    /// The dates of every assistance measure of the households filed within `area` (started, ended).
    pub fn measure_dates_within(&self, area: &AreaCode) -> Result<Vec<MeasureDates>> {
        self.read_long(|tx| measure_dates(tx, area))
    }
}
