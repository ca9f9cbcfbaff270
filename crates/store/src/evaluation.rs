//! Stored evaluation runs: the engine's outputs together with everything needed to reproduce a published
//! number (policy pack version and hash, code version, the data time and as-of date it was computed on).

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::HouseholdId;
use postgres::binary_copy::BinaryCopyInWriter;
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::db::{pg_params, Tx, Val};
use crate::error::{invalid, Result, StoreError};
use crate::schema::Ty;

/// One run of the engine over the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluationRun {
    pub year: u16,
    pub as_of: NaiveDate,
    pub pack_version: String,
    pub pack_hash: String,
    pub code_version: String,
    /// The moment of the data the run read (e.g. the latest `recorded_at` it saw).
    pub data_time: DateTime<Utc>,
    pub summary_json: String,
}

/// One proposal of a run (e.g. "identify as monitored", "risk eliminated").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRecord {
    pub household_id: HouseholdId,
    /// A stable code.
    pub kind: String,
    pub detail_json: String,
}

const PROPOSAL_COLS: &[(&str, Ty)] = &[
    ("run_id", Ty::Int),
    ("seq", Ty::Int),
    ("household_id", Ty::Int),
    ("kind", Ty::Text),
    ("detail_json", Ty::Text),
];

fn proposal_vals(run: i64, seq: i64, p: &ProposalRecord) -> [Val<'_>; 5] {
    [
        Val::I64(run),
        Val::I64(seq),
        Val::I64(p.household_id.0),
        Val::Str(&p.kind),
        Val::Str(&p.detail_json),
    ]
}

pub(crate) fn save(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    actor: &Actor,
    run: &EvaluationRun,
    proposals: &mut dyn Iterator<Item = ProposalRecord>,
) -> Result<i64> {
    let id = tx
        .query_i64(
            "INSERT INTO evaluation_runs (year, as_of, pack_version, pack_hash, code_version, data_time, summary_json, recorded_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            &[
                Val::I64(i64::from(run.year)),
                Val::date(run.as_of),
                Val::Str(&run.pack_version),
                Val::Str(&run.pack_hash),
                Val::Str(&run.code_version),
                Val::Ts(crate::db::truncate_micros(run.data_time)),
                Val::Str(&run.summary_json),
                Val::Ts(at),
            ],
        )?
        .ok_or_else(|| StoreError::Invalid("保存评估结果时未返回 ID".into()))?;
    let mut count = 0i64;
    let cols: Vec<&str> = PROPOSAL_COLS.iter().map(|(c, _)| *c).collect();
    match tx {
        Tx::Sqlite(t) => {
            let mut stmt = t.prepare_cached(&format!(
                "INSERT INTO evaluation_proposals ({}) VALUES (?, ?, ?, ?, ?)",
                cols.join(", ")
            ))?;
            for p in proposals {
                count += 1;
                stmt.execute(rusqlite::params_from_iter(
                    proposal_vals(id, count, &p).iter(),
                ))?;
            }
        }
        Tx::Pg(t) => {
            let types: Vec<_> = PROPOSAL_COLS.iter().map(|(_, ty)| ty.pg()).collect();
            let sql = format!(
                "COPY evaluation_proposals ({}) FROM STDIN (FORMAT binary)",
                cols.join(", ")
            );
            let mut w = BinaryCopyInWriter::new(t.copy_in(&sql)?, &types);
            for p in proposals {
                count += 1;
                w.write(&pg_params(&proposal_vals(id, count, &p)))?;
            }
            w.finish()?;
        }
    }
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "evaluation.save",
            entity: "evaluation_run",
            entity_id: id.to_string(),
            reason: "",
            detail: json!({
                "year": run.year,
                "as_of": run.as_of.to_string(),
                "pack_version": run.pack_version,
                "pack_hash": run.pack_hash,
                "code_version": run.code_version,
                "proposals": count,
            }),
        },
    )?;
    Ok(id)
}

pub(crate) fn runs(tx: &mut Tx<'_>) -> Result<Vec<(i64, EvaluationRun)>> {
    tx.query_vec(
        "SELECT id, year, as_of, pack_version, pack_hash, code_version, data_time, summary_json \
         FROM evaluation_runs ORDER BY id",
        &[],
        |r| {
            let year = r.i64(1)?;
            Ok((
                r.i64(0)?,
                EvaluationRun {
                    year: u16::try_from(year)
                        .map_err(|_| invalid("evaluation_runs", "year", year))?,
                    as_of: r.date(2)?,
                    pack_version: r.str(3)?.to_owned(),
                    pack_hash: r.str(4)?.to_owned(),
                    code_version: r.str(5)?.to_owned(),
                    data_time: r.ts(6)?,
                    summary_json: r.str(7)?.to_owned(),
                },
            ))
        },
    )
}

pub(crate) fn proposals(
    tx: &mut Tx<'_>,
    run_id: i64,
    f: &mut dyn FnMut(ProposalRecord) -> Result<()>,
) -> Result<usize> {
    let mut n = 0;
    tx.query(
        "SELECT household_id, kind, detail_json FROM evaluation_proposals WHERE run_id = ? ORDER BY seq",
        &[Val::I64(run_id)],
        &mut |r| {
            n += 1;
            f(ProposalRecord {
                household_id: HouseholdId(r.i64(0)?),
                kind: r.str(1)?.to_owned(),
                detail_json: r.str(2)?.to_owned(),
            })
        },
    )?;
    Ok(n)
}
