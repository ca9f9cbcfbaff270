//! The yearly income survey and member changes (issue 13 §1), on the household versions the store keeps.
//!
//! * [`Store::save_survey`]: a village's survey grid saved **all or nothing**: every row names the version
//!   it was loaded at; if any row's household has a newer version, nothing is written and the stale rows
//!   are returned ([`SurveyOutcome::Stale`]) — also when a concurrent writer wins the compare-and-set
//!   between the check and the write (the transaction is rolled back). Rows whose data did not change are
//!   checked, not written. Each written row is an ordinary new version (`households::update`: history,
//!   audit entry naming the changed fields), so the change feed and the live engine see it like any edit.
//!   A version is never dated before the one it replaces (the as-of rule would then keep reading the old).
//! * [`Store::record_member_change`]: a member added (birth, marriage in, household merge) or removed
//!   (death, marriage out, household split) as a new version of the household, with the change's kind,
//!   date and note kept in `member_changes` beside the version it made, and the new member's 户口 in
//!   `member_hukou`, in the one transaction. The store checks that the versions differ by exactly that
//!   member.
//! * [`Store::record_hukou`]: where a member's 户口 is, kept apart from membership (migration 0013).
//!
//! Audit details carry the kind, the household number and the version: never a name or an ID.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use jingzhun_core::survey::{Hukou, MemberChange, MemberChangeKind};
use jingzhun_core::{Household, HouseholdId, PersonName, ResidentId, Version};
use serde_json::json;

use crate::audit::{self, Actor, Change};
use crate::db::{Tx, Val};
use crate::error::{invalid, Result, StoreError};
use crate::households;
use crate::schema::code;
use crate::Store;

/// One row of a survey save: the household as the grid would leave it, and the version the grid loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct SurveyRow {
    pub id: HouseholdId,
    pub expected: Version,
    pub household: Household,
}

/// What a survey save came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SurveyOutcome {
    /// Written: the rows that changed with their new versions (unchanged rows are not listed).
    Saved(Vec<(HouseholdId, Version)>),
    /// Nothing written: these rows' households have a newer version than the grid loaded (with it).
    Stale(Vec<(HouseholdId, Version)>),
}

/// A member change as stored, with the version it made and who recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberChangeRecord {
    pub household: HouseholdId,
    pub version: Version,
    pub change: MemberChange,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
}

fn current_version(tx: &mut Tx<'_>, id: HouseholdId) -> Result<Version> {
    tx.query_i64(
        "SELECT current_version FROM households WHERE id = ?",
        &[Val::I64(id.0)],
    )?
    .map(Version)
    .ok_or_else(|| households::not_found(id))
}

fn save_survey(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    rows: &[SurveyRow],
    effective: NaiveDate,
    actor: &Actor,
    reason: &str,
) -> Result<SurveyOutcome> {
    let mut stale = Vec::new();
    let mut changed = Vec::new();
    for r in rows {
        let current = current_version(tx, r.id)?;
        if current != r.expected {
            stale.push((r.id, current));
            continue;
        }
        let before = households::load_version(tx, r.id.0, current.0)?;
        if before.household != r.household {
            changed.push((r, effective.max(before.meta.effective_from)));
        }
    }
    if !stale.is_empty() {
        return Ok(SurveyOutcome::Stale(stale));
    }
    let mut saved = Vec::with_capacity(changed.len());
    for (r, effective) in changed {
        let v = households::update(
            tx,
            at,
            r.id,
            r.expected,
            &r.household,
            effective,
            actor,
            reason,
        )?;
        saved.push((r.id, v));
    }
    Ok(SurveyOutcome::Saved(saved))
}

fn check_change(before: &Household, after: &Household, change: &MemberChange) -> Result<()> {
    let has = |h: &Household| {
        h.members
            .iter()
            .any(|m| m.resident_id == change.resident_id)
    };
    let (in_before, in_after) = (has(before), has(after));
    let sizes = (before.members.len(), after.members.len());
    let ok = if change.kind.adds() {
        !in_before && in_after && sizes.1 == sizes.0 + 1
    } else {
        in_before && !in_after && sizes.1 + 1 == sizes.0
    };
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "人口变动「{}」与户 {} 的成员不符：{}",
            change.kind.label(),
            before.number,
            if change.kind.adds() {
                "新增的成员须不在原成员中，且只增加这一人"
            } else {
                "减少的成员须在原成员中，且只减少这一人"
            }
        )))
    }
}

#[allow(clippy::too_many_arguments)]
fn record_member_change(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    id: HouseholdId,
    expected: Version,
    after: &Household,
    change: &MemberChange,
    hukou: Option<&Hukou>,
    actor: &Actor,
    reason: &str,
) -> Result<Version> {
    let current = current_version(tx, id)?;
    if current != expected {
        return Err(StoreError::Conflict {
            id,
            current,
            expected,
        });
    }
    let before = households::load_version(tx, id.0, expected.0)?;
    check_change(&before.household, after, change)?;
    // The version takes effect on the change's date, never before the version it replaces.
    let effective = change.effective.max(before.meta.effective_from);
    let version = households::update(tx, at, id, expected, after, effective, actor, reason)?;
    tx.exec(
        "INSERT INTO member_changes (household_id, version, kind, resident_id, member_name, effective, \
         note, recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        &[
            Val::I64(id.0),
            Val::I64(version.0),
            Val::Str(change.kind.code()),
            Val::Str(change.resident_id.as_str()),
            Val::Str(change.name.as_str()),
            Val::date(change.effective),
            Val::Str(&change.note),
            Val::Ts(at),
            Val::Str(&actor.account),
        ],
    )?;
    if let Some(h) = hukou {
        insert_hukou(tx, at, id, version, &change.resident_id, h, actor)?;
    }
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "member.change",
            entity: "household",
            entity_id: id.to_string(),
            reason,
            detail: json!({
                "household_no": after.number.as_str(),
                "kind": change.kind.code(),
                "version": version.0,
                "effective": change.effective.to_string(),
            }),
        },
    )?;
    Ok(version)
}

fn insert_hukou(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    id: HouseholdId,
    version: Version,
    resident: &ResidentId,
    hukou: &Hukou,
    actor: &Actor,
) -> Result<()> {
    // One row per (household, member, version): a second statement at the same version replaces it.
    tx.exec(
        "DELETE FROM member_hukou WHERE household_id = ? AND resident_id = ? AND version = ?",
        &[
            Val::I64(id.0),
            Val::Str(resident.as_str()),
            Val::I64(version.0),
        ],
    )?;
    tx.exec(
        "INSERT INTO member_hukou (household_id, resident_id, version, in_household, place, \
         recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
        &[
            Val::I64(id.0),
            Val::Str(resident.as_str()),
            Val::I64(version.0),
            Val::Bool(matches!(hukou, Hukou::InHousehold)),
            Val::opt_str(hukou.place()),
            Val::Ts(at),
            Val::Str(&actor.account),
        ],
    )?;
    Ok(())
}

fn record_hukou(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    id: HouseholdId,
    resident: &ResidentId,
    hukou: &Hukou,
    actor: &Actor,
    reason: &str,
) -> Result<()> {
    let current = current_version(tx, id)?;
    let h = households::load_version(tx, id.0, current.0)?;
    if !h
        .household
        .members
        .iter()
        .any(|m| &m.resident_id == resident)
    {
        return Err(StoreError::Invalid(format!(
            "户 {} 当前没有证件号码为 {} 的成员",
            h.household.number,
            resident.masked()
        )));
    }
    insert_hukou(tx, at, id, current, resident, hukou, actor)?;
    audit::append(
        tx,
        at,
        actor,
        Change {
            action: "member.hukou",
            entity: "household",
            entity_id: id.to_string(),
            reason,
            detail: json!({
                "household_no": h.household.number.as_str(),
                "version": current.0,
                "in_household": matches!(hukou, Hukou::InHousehold),
            }),
        },
    )?;
    Ok(())
}

fn changes_of(tx: &mut Tx<'_>, id: HouseholdId) -> Result<Vec<MemberChangeRecord>> {
    tx.query_vec(
        "SELECT version, kind, resident_id, member_name, effective, note, recorded_at, recorded_by \
         FROM member_changes WHERE household_id = ? ORDER BY id",
        &[Val::I64(id.0)],
        |r| {
            let rid = r.str(2)?;
            let name = r.str(3)?;
            Ok(MemberChangeRecord {
                household: id,
                version: Version(r.i64(0)?),
                change: MemberChange {
                    kind: code(
                        "member_changes",
                        "kind",
                        r.str(1)?,
                        MemberChangeKind::from_code,
                    )?,
                    resident_id: ResidentId::parse(rid)
                        .map_err(|_| invalid("member_changes", "resident_id", rid))?,
                    name: PersonName::parse(name)
                        .map_err(|_| invalid("member_changes", "name", name))?,
                    effective: r.date(4)?,
                    note: r.str(5)?.to_owned(),
                },
                recorded_at: r.ts(6)?,
                recorded_by: r.str(7)?.to_owned(),
            })
        },
    )
}

fn hukou_of(tx: &mut Tx<'_>, id: HouseholdId) -> Result<BTreeMap<ResidentId, Hukou>> {
    let rows = tx.query_vec(
        "SELECT resident_id, in_household, place FROM member_hukou WHERE household_id = ? \
         ORDER BY resident_id, version",
        &[Val::I64(id.0)],
        |r| {
            let rid = r.str(0)?;
            let resident =
                ResidentId::parse(rid).map_err(|_| invalid("member_hukou", "resident_id", rid))?;
            let hukou = if r.bool(1)? {
                Hukou::InHousehold
            } else {
                Hukou::Elsewhere(r.opt_str(2)?.unwrap_or_default().to_owned())
            };
            Ok((resident, hukou))
        },
    )?;
    // Ordered by version within a member: the last row of each member wins.
    Ok(rows.into_iter().collect())
}

impl Store {
    /// Saves a survey grid all or nothing (see the module docs). Each written version is effective from
    /// `effective` (for a past year's survey, the year's last day, so that the year's evaluation as of its
    /// end reads it), or from the row's current version's date when that is later, so that the new
    /// version is the one in force from then on (versions are whole snapshots).
    pub fn save_survey(
        &self,
        rows: &[SurveyRow],
        effective: NaiveDate,
        actor: &Actor,
        reason: &str,
    ) -> Result<SurveyOutcome> {
        let out = self.write(|tx, now| save_survey(tx, now, rows, effective, actor, reason));
        match out {
            // A concurrent writer took a row between the check and the write: rolled back, reported.
            Err(StoreError::Conflict { id, current, .. }) => {
                Ok(SurveyOutcome::Stale(vec![(id, current)]))
            }
            other => other,
        }
    }

    /// Writes `after` (the household with one member added or removed) as a new version based on
    /// `expected`, effective on the change's date, with the change and the added member's 户口, in one
    /// transaction; [`StoreError::Conflict`] if `expected` is stale, [`StoreError::Invalid`] if the
    /// versions do not differ by exactly the change's member.
    #[allow(clippy::too_many_arguments)]
    pub fn record_member_change(
        &self,
        id: HouseholdId,
        expected: Version,
        after: &Household,
        change: &MemberChange,
        hukou: Option<&Hukou>,
        actor: &Actor,
        reason: &str,
    ) -> Result<Version> {
        self.write(|tx, now| {
            record_member_change(tx, now, id, expected, after, change, hukou, actor, reason)
        })
    }

    /// Records where a current member's 户口 is (membership unchanged), audited.
    pub fn record_hukou(
        &self,
        id: HouseholdId,
        resident: &ResidentId,
        hukou: &Hukou,
        actor: &Actor,
        reason: &str,
    ) -> Result<()> {
        self.write(|tx, now| record_hukou(tx, now, id, resident, hukou, actor, reason))
    }

    /// A household's member changes, oldest first.
    pub fn member_changes_of(&self, id: HouseholdId) -> Result<Vec<MemberChangeRecord>> {
        self.read(|tx| changes_of(tx, id))
    }

    /// Where each member's 户口 is, as last recorded (members never recorded are absent: the 户口 is
    /// taken to be in the household).
    pub fn member_hukou_of(&self, id: HouseholdId) -> Result<BTreeMap<ResidentId, Hukou>> {
        self.read(|tx| hukou_of(tx, id))
    }
}
