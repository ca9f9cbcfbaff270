//! Importing a household file into the registry: an upsert by household number, all or nothing.
//!
//! [`import`] runs in **one write transaction** on both backends; any error (a resident ID that belongs to
//! another stored household, two households of the batch sharing an ID or a number, a household the store
//! refuses) rolls everything back, audit entries included, so a failed import leaves the store exactly as
//! it was.
//!
//! For each household of the batch, matched by household number against the current versions:
//!
//! - **new**: created at version 1 with the file's status events, in force from the earlier of the
//!   import's effective date and the household's earliest event (so that reads as of any date since its
//!   registration find it: the file is the only record of it there is, as with the synthetic data's start
//!   date);
//! - **existing and identical** (after merging incomes, below): nothing is written, no version, no audit;
//! - **existing and different**: a new version through [`crate::households::update`], so history and the
//!   audit entry (which names the changed fields, never values) are the ordinary ones.
//!
//! **How new households are written**: on SQLite through the ordinary create path
//! ([`crate::households::create`]), one household at a time (local statements are cheap: 348,000 new
//! households in 11–15 s). On PostgreSQL that path costs about a dozen round trips per household (a county
//! of 54,000 took a minute), so new households are collected during the pass and written after it with the
//! binary `COPY` writers of bulk loads ([`crate::bulk::pg_copy_new`], run inside this transaction: ids
//! reserved from the sequence in one query, in batch order), and their audit entries are chained in Rust and
//! written with one more `COPY` ([`crate::audit::pg_copy_entries`]). Rows, history and audit entries
//! (action, detail, actor, time) are the same as the create path writes; only the order of audit entries
//! differs when a batch mixes new and existing households (those of updates come first), and a new
//! household the store refuses is reported after the updates rather than at its place in the batch (the
//! whole import is rolled back either way). A number taken meanwhile by another writer is still reported as
//! [`StoreError::Duplicate`] with that number, and rolls everything back.
//!
//! Incomes are merged, not replaced: a file carries one income year (or none), so the stored records of
//! other years are kept and only the years in the file are replaced. Status events from the file are
//! appended only when the household has no event of the same kind and effective date yet (an exit dated
//! 31 December, which is how a file's 脱贫年度 is read, matches any exit in that year); each appended event
//! is a new version, as [`crate::households::append_event`] always does. This is what makes a re-import of
//! the same file, or of an export of the store, change nothing.
//!
//! A resident ID may move between households only inside the batch: if it belongs to a member of a stored
//! household that the batch does not also bring (without that member), the import fails naming both
//! household numbers and the masked ID.
//!
//! **Audit**: one entry per created, updated or event-appended household, as the importing actor, chained
//! like every other entry. Measured on 333,000 new households (1 million members) into SQLite the per-entry
//! cost (head lookup, SHA-256, insert) is small against the rows themselves (see BENCHMARKS.md, "Import"),
//! so the per-household trail was kept rather than one entry per batch.
//!
//! **Reading the current versions**: when the batch matches few stored households they are read one by
//! one; when it matches many (a re-import of a county), the current versions of the smallest area holding
//! them are streamed with [`crate::households::scan`] (four queries) and the matches picked out. Resident
//! IDs of other households are found with one pass over the current members (there is no index on
//! resident IDs: it slowed bulk loads and nothing else needed it).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jingzhun_core::{
    AreaCode, AreaLevel, Household, HouseholdId, ResidentId, StatusEvent, StatusEventKind, Version,
};

use crate::audit::{pg_copy_entries, Actor};
use crate::bulk::{pg_copy_new, NewHousehold};
use crate::db::{Tx, Val};
use crate::error::{Result, StoreError};
use crate::households::{self, StoredHousehold};
use crate::schema::VersionMeta;

/// One household of an import with the status events its file implies.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedHousehold {
    pub household: Household,
    pub events: Vec<StatusEvent>,
}

/// What an import did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportOutcome {
    /// Households that did not exist and were created.
    pub created: usize,
    /// Existing households that got a new version with changed data.
    pub updated: usize,
    /// Existing households whose data was the same (status events may still have been appended).
    pub unchanged: usize,
    /// Status events appended to existing households (new households get theirs at creation).
    pub events_added: usize,
}

/// What an import was based on: the current version of every stored household the batch matches, by
/// household number. [`crate::Store::preview_import_with_basis`] returns it and
/// [`crate::Store::import_households_on_basis`] refuses to write when the store no longer matches it, so a
/// previewed import cannot silently commit something other than what was previewed (a household edited, or
/// a number created, meanwhile).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportBasis(pub BTreeMap<String, Version>);

/// Above this many matched households, their current versions are streamed by area instead of read one
/// by one (one read is five queries; a scan is four in all).
const READ_ONE_BY_ONE_MAX: usize = 2_000;

/// How many conflicting resident IDs an error lists before summarising.
const CONFLICTS_SHOWN: usize = 10;

/// Imports `batch` in the open write transaction `tx` (see the module docs). `progress` is called with the
/// number of households handled so far.
pub(crate) fn import(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    batch: &[ImportedHousehold],
    effective: NaiveDate,
    actor: &Actor,
    reason: &str,
    progress: &mut dyn FnMut(usize),
) -> Result<ImportOutcome> {
    import_checked(tx, at, batch, effective, actor, reason, None, progress).map(|(o, _)| o)
}

/// [`import`], returning the basis it found; with `expected`, fails with [`StoreError::Conflict`] before
/// writing anything when the basis differs from it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn import_checked(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    batch: &[ImportedHousehold],
    effective: NaiveDate,
    actor: &Actor,
    reason: &str,
    expected: Option<&ImportBasis>,
    progress: &mut dyn FnMut(usize),
) -> Result<(ImportOutcome, ImportBasis)> {
    check_batch(batch)?;
    let existing = existing_by_number(tx, batch)?;
    check_resident_ids(tx, batch)?;
    let mut current = current_versions(tx, &existing)?;
    let basis = ImportBasis(
        current
            .iter()
            .map(|(number, s)| (number.clone(), s.version))
            .collect(),
    );
    if let Some(expected) = expected {
        if let Some((id, current, expected)) = basis_difference(&existing, &basis, expected) {
            return Err(StoreError::Conflict {
                id,
                current,
                expected,
            });
        }
    }
    let mut outcome = ImportOutcome::default();
    // PostgreSQL: new households are collected and written together after the loop (see the module docs).
    let copy_new = matches!(tx, Tx::Pg(_));
    let mut new: Vec<NewHousehold<'_>> = Vec::new();
    for (i, item) in batch.iter().enumerate() {
        let number = item.household.number.as_str();
        match current.remove(number) {
            None => {
                let since = item
                    .events
                    .iter()
                    .map(|e| e.effective)
                    .min()
                    .map_or(effective, |d| d.min(effective));
                if copy_new {
                    new.push(NewHousehold {
                        versions: vec![(
                            &item.household,
                            VersionMeta {
                                effective_from: since,
                                recorded_at: at,
                                recorded_by: actor.account.clone(),
                                reason: reason.to_owned(),
                            },
                        )],
                        events: &item.events,
                    });
                } else {
                    households::create(
                        tx,
                        at,
                        &item.household,
                        &item.events,
                        since,
                        actor,
                        reason,
                    )?;
                }
                outcome.created += 1;
            }
            Some(stored) => {
                let merged = merge_incomes(&item.household, &stored.household);
                let mut version = stored.version;
                if merged == stored.household {
                    outcome.unchanged += 1;
                } else {
                    version = households::update(
                        tx, at, stored.id, version, &merged, effective, actor, reason,
                    )?;
                    outcome.updated += 1;
                }
                outcome.events_added +=
                    append_new_events(tx, at, &stored, version, &item.events, actor, reason)?;
            }
        }
        if (i + 1) % 1_000 == 0 {
            progress(i + 1);
        }
    }
    if let (Tx::Pg(t), false) = (&mut *tx, new.is_empty()) {
        let ids = pg_copy_new(t, &new, at, actor)?;
        pg_copy_entries(
            t,
            at,
            actor,
            ids.iter().zip(&new).filter_map(|(id, n)| {
                // Imports create one version per new household.
                let (h, meta) = n.versions.first()?;
                Some(households::create_change(
                    *id,
                    h,
                    n.events,
                    meta.effective_from,
                    reason,
                ))
            }),
        )?;
    }
    progress(batch.len());
    Ok((outcome, basis))
}

/// The first household whose current version differs from `expected`'s (version 0 stands for "did not
/// exist"; a household that no longer exists is reported with id 0).
fn basis_difference(
    existing: &HashMap<String, (HouseholdId, AreaCode)>,
    found: &ImportBasis,
    expected: &ImportBasis,
) -> Option<(HouseholdId, Version, Version)> {
    let none = Version(0);
    for (number, v) in &found.0 {
        let want = expected.0.get(number).copied().unwrap_or(none);
        if want != *v {
            let id = existing.get(number).map_or(HouseholdId(0), |(id, _)| *id);
            return Some((id, *v, want));
        }
    }
    expected
        .0
        .iter()
        .find(|(number, _)| !found.0.contains_key(*number))
        .map(|(_, v)| (HouseholdId(0), none, *v))
}

/// Refuses a batch that names a household twice or puts one resident ID in two places.
fn check_batch(batch: &[ImportedHousehold]) -> Result<()> {
    let mut numbers = HashSet::with_capacity(batch.len());
    let mut ids: HashMap<ResidentId, &str> = HashMap::new();
    let mut conflicts = Vec::new();
    for item in batch {
        let h = &item.household;
        if !numbers.insert(h.number.as_str()) {
            return Err(StoreError::Invalid(format!(
                "导入数据中户编号「{}」出现了两次; 整批未导入",
                h.number
            )));
        }
        for m in &h.members {
            if let Some(other) = ids.insert(m.resident_id, h.number.as_str()) {
                conflicts.push(format!(
                    "证件号码 {} 同时出现在户「{other}」和户「{}」",
                    m.resident_id.masked(),
                    h.number
                ));
            }
        }
    }
    conflict_error("导入数据中有重复的证件号码", conflicts)
}

fn conflict_error(what: &str, conflicts: Vec<String>) -> Result<()> {
    if conflicts.is_empty() {
        return Ok(());
    }
    let n = conflicts.len();
    let mut shown: Vec<String> = conflicts.into_iter().take(CONFLICTS_SHOWN).collect();
    if n > CONFLICTS_SHOWN {
        shown.push(format!("等共 {n} 处"));
    }
    Err(StoreError::Invalid(format!(
        "{what}: {}; 整批未导入",
        shown.join("; ")
    )))
}

/// Stored households of the batch's numbers: number → (id, village).
fn existing_by_number(
    tx: &mut Tx<'_>,
    batch: &[ImportedHousehold],
) -> Result<HashMap<String, (HouseholdId, AreaCode)>> {
    let mut out = HashMap::new();
    let stored = tx
        .query_i64("SELECT count(*) FROM households", &[])?
        .unwrap_or(0);
    if stored == 0 {
        return Ok(out);
    }
    // Numbers are looked up in chunks with IN (…) (fewer round trips on PostgreSQL than one query each).
    const CHUNK: usize = 500;
    for chunk in batch.chunks(CHUNK) {
        let marks = vec!["?"; chunk.len()].join(", ");
        let sql = format!(
            "SELECT id, household_no, village_code FROM households WHERE household_no IN ({marks})"
        );
        let params: Vec<Val<'_>> = chunk
            .iter()
            .map(|h| Val::Str(h.household.number.as_str()))
            .collect();
        tx.query(&sql, &params, &mut |r| {
            let text = r.str(2)?;
            let village = AreaCode::parse(text)
                .map_err(|_| crate::error::invalid("households", "village_code", text))?;
            out.insert(r.str(1)?.to_owned(), (HouseholdId(r.i64(0)?), village));
            Ok(())
        })?;
    }
    Ok(out)
}

/// Fails when a resident ID of the batch belongs to a member of a stored household that the batch does not
/// bring itself (a household the batch brings is replaced by its batch version, whose IDs
/// [`check_batch`] has already compared).
fn check_resident_ids(tx: &mut Tx<'_>, batch: &[ImportedHousehold]) -> Result<()> {
    // Keyed by the stored text, so the pass over every current member parses nothing.
    let mut wanted: HashMap<&str, (&ResidentId, &str)> = HashMap::new();
    for item in batch {
        for m in &item.household.members {
            wanted.insert(
                m.resident_id.as_str(),
                (&m.resident_id, item.household.number.as_str()),
            );
        }
    }
    if wanted.is_empty() {
        return Ok(());
    }
    let numbers: HashSet<&str> = batch.iter().map(|h| h.household.number.as_str()).collect();
    let mut conflicts = Vec::new();
    tx.query(
        "SELECT m.resident_id, h.household_no FROM households h \
         JOIN member_versions m ON m.household_id = h.id AND m.version = h.current_version",
        &[],
        &mut |r| {
            let owner = r.str(1)?;
            if numbers.contains(owner) {
                return Ok(());
            }
            // The other household is not named: it may lie outside the importer's area, and an import
            // must not tell who is registered where beyond it.
            if let Some((id, into)) = wanted.get(r.str(0)?) {
                conflicts.push(format!(
                    "证件号码 {} 已在本批以外的另一户中登记(可能在您辖区以外, 不显示其户编号), 不能再导入到户「{into}」",
                    id.masked()
                ));
            }
            Ok(())
        },
    )?;
    conflicts.sort();
    conflict_error("证件号码已属于库中其他户", conflicts)
}

/// The current versions of the matched households, by number.
fn current_versions(
    tx: &mut Tx<'_>,
    existing: &HashMap<String, (HouseholdId, AreaCode)>,
) -> Result<HashMap<String, StoredHousehold>> {
    let mut out = HashMap::with_capacity(existing.len());
    if existing.len() <= READ_ONE_BY_ONE_MAX {
        for (number, (id, _)) in existing {
            out.insert(number.clone(), households::get(tx, *id)?);
        }
        return Ok(out);
    }
    let ids: HashSet<HouseholdId> = existing.values().map(|(id, _)| *id).collect();
    for area in covering_areas(existing.values().map(|(_, v)| *v)) {
        households::scan(tx, &area, None, &mut |s| {
            if ids.contains(&s.id) {
                out.insert(s.household.number.as_str().to_owned(), s);
            }
            Ok(())
        })?;
    }
    if out.len() != existing.len() {
        return Err(StoreError::Invalid(format!(
            "读取库中现有户时数目不符: 应为 {}, 实为 {}",
            existing.len(),
            out.len()
        )));
    }
    Ok(out)
}

/// The smallest area per province that holds all of `villages`.
fn covering_areas(villages: impl Iterator<Item = AreaCode>) -> Vec<AreaCode> {
    let mut by_province: BTreeMap<String, AreaCode> = BTreeMap::new();
    for v in villages {
        let Some(province) = v.ancestor_at(AreaLevel::Province) else {
            continue;
        };
        let entry = by_province.entry(province.as_str().to_owned()).or_insert(v);
        while !entry.contains(&v) {
            match entry.parent() {
                Some(p) => *entry = p,
                None => break,
            }
        }
    }
    by_province.into_values().collect()
}

/// The file's household with the stored incomes of the years the file does not carry.
fn merge_incomes(from_file: &Household, stored: &Household) -> Household {
    let mut merged = from_file.clone();
    let years: HashSet<u16> = from_file.incomes.iter().map(|r| r.year).collect();
    merged.incomes.extend(
        stored
            .incomes
            .iter()
            .filter(|r| !years.contains(&r.year))
            .cloned(),
    );
    merged.incomes.sort_by_key(|r| r.year);
    merged
}

/// Whether `stored` already records the file's event `e`: an event of the same kind and date, or, for an
/// exit dated 31 December, any exit in the same year (household files give the exit as a year only, and
/// the reader dates it on the last day of that year).
fn already_recorded(stored: &[StatusEvent], e: &StatusEvent) -> bool {
    let year_only =
        e.kind == StatusEventKind::Exited && (e.effective.month(), e.effective.day()) == (12, 31);
    stored.iter().any(|s| {
        s.kind == e.kind
            && (s.effective == e.effective
                || (year_only && s.effective.year() == e.effective.year()))
    })
}

/// Appends the file's events the household does not have yet (see [`already_recorded`]); returns how
/// many.
#[allow(clippy::too_many_arguments)]
fn append_new_events(
    tx: &mut Tx<'_>,
    at: DateTime<Utc>,
    stored: &StoredHousehold,
    mut version: Version,
    events: &[StatusEvent],
    actor: &Actor,
    reason: &str,
) -> Result<usize> {
    let mut known = stored.events.clone();
    let mut added = 0;
    for e in events {
        if !already_recorded(&known, e) {
            version = households::append_event(tx, at, stored.id, version, e, actor, reason)?;
            known.push(e.clone());
            added += 1;
        }
    }
    Ok(added)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> AreaCode {
        AreaCode::parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn on(kind: StatusEventKind, date: &str) -> StatusEvent {
        StatusEvent::new(
            kind,
            NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap_or_default(),
        )
    }

    #[test]
    fn an_exit_year_from_a_file_matches_any_exit_of_that_year() {
        let stored = [
            on(StatusEventKind::Registered, "2014-10-01"),
            on(StatusEventKind::Exited, "2016-11-23"),
        ];
        assert!(already_recorded(
            &stored,
            &on(StatusEventKind::Exited, "2016-12-31")
        ));
        assert!(!already_recorded(
            &stored,
            &on(StatusEventKind::Exited, "2017-12-31")
        ));
        assert!(already_recorded(
            &stored,
            &on(StatusEventKind::Registered, "2014-10-01")
        ));
        assert!(!already_recorded(
            &stored,
            &on(StatusEventKind::Registered, "2014-12-31")
        ));
    }

    #[test]
    fn covering_area_is_the_smallest_common_one_per_province() {
        let areas = covering_areas(
            [
                code("511902101001"),
                code("511902101003"),
                code("511902001001"),
                code("520102001001"),
            ]
            .into_iter(),
        );
        assert_eq!(areas, vec![code("511902"), code("520102001001")]);
    }
}
