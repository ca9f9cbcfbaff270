//! The registry's change feed: the audit log read forward from a sequence number.
//!
//! Every change to the registry writes its audit entry in the same transaction, and the entries are numbered
//! in commit order (on PostgreSQL appends hold an advisory lock until their transaction ends; SQLite has one
//! writer at a time). So the audit sequence is one ordered feed of every process's changes: a process that
//! keeps something derived from the registry in memory (the web application's engine) remembers the last
//! sequence number it applied and asks for the households changed after it ([`crate::Store::changes_after`]).
//!
//! How an entry names the households it touched:
//! * entity `household` with a numeric id (create, update, status decision, each household of an import);
//! * `household.bulk_load`: the range of household numbers of the batch (`first..last`), resolved to ids;
//! * monitoring records (cases, measures, visits, and any later entry) whose detail has a numeric
//!   `household`;
//! * entity `area` (divisions changed): everything must be reloaded ([`Changes::reload`]).
//!
//! Other entries (accounts, sessions, evaluation runs) do not change households and are skipped.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use jingzhun_core::monitoring::MeasureId;
use jingzhun_core::{AreaCode, AssistanceType, HouseholdId};

use crate::db::{Tx, Val};
use crate::error::{Result, StoreError};
use crate::households;

/// Entries read per call at most; the caller asks again from [`Changes::last_seq`] while
/// [`Changes::more`] says so.
pub const CHANGES_PER_CALL: i64 = 20_000;

/// What changed after a sequence number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// The newest entry read (the argument if there was none): pass it to the next call.
    pub last_seq: i64,
    /// Households whose data, status decisions or monitoring records changed.
    pub households: BTreeSet<HouseholdId>,
    /// Something changed that is not one household's (the area divisions): derived state must be rebuilt.
    pub reload: bool,
    /// More entries follow (the call stopped at [`CHANGES_PER_CALL`]).
    pub more: bool,
    /// Entries read.
    pub entries: u64,
}

/// One entry as the feed needs it.
struct Entry {
    seq: i64,
    action: String,
    entity: String,
    entity_id: String,
    detail: String,
}

pub(crate) fn after(tx: &mut Tx<'_>, seq: i64) -> Result<Changes> {
    let entries = tx.query_vec(
        "SELECT seq, action, entity, entity_id, detail FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?",
        &[Val::I64(seq), Val::I64(CHANGES_PER_CALL)],
        |r| {
            Ok(Entry {
                seq: r.i64(0)?,
                action: r.str(1)?.to_owned(),
                entity: r.str(2)?.to_owned(),
                entity_id: r.str(3)?.to_owned(),
                detail: r.str(4)?.to_owned(),
            })
        },
    )?;
    let mut out = Changes {
        last_seq: seq,
        more: entries.len() as i64 == CHANGES_PER_CALL,
        entries: entries.len() as u64,
        ..Changes::default()
    };
    for e in entries {
        out.last_seq = out.last_seq.max(e.seq);
        if e.entity == "area" {
            out.reload = true;
            continue;
        }
        if e.entity == "household" {
            if let Ok(id) = e.entity_id.parse::<i64>() {
                out.households.insert(HouseholdId(id));
                continue;
            }
            if e.action == "household.bulk_load" {
                if let Some((first, last)) = e.entity_id.split_once("..") {
                    let ids = tx.query_vec(
                        "SELECT id FROM households WHERE household_no >= ? AND household_no <= ?",
                        &[Val::Str(first), Val::Str(last)],
                        |r| r.i64(0),
                    )?;
                    out.households.extend(ids.into_iter().map(HouseholdId));
                }
                continue;
            }
        }
        if let Some(id) = detail_household(&e.detail) {
            out.households.insert(HouseholdId(id));
        }
    }
    Ok(out)
}

/// An assistance measure that ends within a period, for the warning lists (措施到期).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndingMeasure {
    pub id: MeasureId,
    pub household: HouseholdId,
    pub kind: AssistanceType,
    pub started: NaiveDate,
    pub ended: NaiveDate,
}

/// Measures of households currently filed within `area` whose last day falls in `from..=to`, by end date.
pub(crate) fn measures_ending(
    tx: &mut Tx<'_>,
    area: &AreaCode,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<EndingMeasure>> {
    let (lo, hi) = households::village_range(area);
    let rows = tx.query_vec(
        "SELECT m.id, m.household_id, m.kind, m.started, m.ended \
         FROM households h JOIN assistance_measures m ON m.household_id = h.id \
         WHERE h.village_code BETWEEN ? AND ? AND m.ended IS NOT NULL AND m.ended >= ? AND m.ended <= ? \
         ORDER BY m.ended, m.id",
        &[Val::Owned(lo), Val::Owned(hi), Val::date(from), Val::date(to)],
        |r| {
            Ok((
                r.i64(0)?,
                r.i64(1)?,
                r.str(2)?.to_owned(),
                r.date(3)?,
                r.date(4)?,
            ))
        },
    )?;
    rows.into_iter()
        .map(|(id, household, kind, started, ended)| {
            let kind = AssistanceType::from_code(&kind).ok_or_else(|| {
                StoreError::Invalid(format!(
                    "assistance_measures.kind 的值「{kind}」不是已知的帮扶措施类型"
                ))
            })?;
            Ok(EndingMeasure {
                id: MeasureId(id),
                household: HouseholdId(household),
                kind,
                started,
                ended,
            })
        })
        .collect()
}

/// The newest sequence number (0 for an empty log).
pub(crate) fn head(tx: &mut Tx<'_>) -> Result<i64> {
    Ok(tx
        .query_i64("SELECT max(seq) FROM audit_log", &[])?
        .unwrap_or(0))
}

/// The numeric `household` of an entry's detail, if it has one.
fn detail_household(detail: &str) -> Option<i64> {
    if !detail.contains("\"household\"") {
        return None;
    }
    serde_json::from_str::<serde_json::Value>(detail)
        .ok()?
        .get("household")?
        .as_i64()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_household_of_a_monitoring_entry_is_read_from_its_detail() {
        assert_eq!(
            detail_household(r#"{"household": 42, "ended": "2024-01-01"}"#),
            Some(42)
        );
        assert_eq!(detail_household(r#"{"households": 3}"#), None);
        assert_eq!(detail_household(r#"{"household": "x"}"#), None);
        assert_eq!(detail_household("not json"), None);
    }
}
