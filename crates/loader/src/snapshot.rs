//! Evaluated years kept in the database, so that reports and a repeated `evaluate` restore a year instead
//! of reading the whole registry again (a full-scale city: seconds instead of half a minute).
//!
//! A snapshot of an area, year and date ([`save`]) holds three blobs (Snappy-compressed in parallel
//! chunks):
//!
//! * the engine's columns ([`Engine::snapshot`]): the facts the rules read, so a restored year is
//!   evaluated again under whatever pack is asked for and gives exactly what a fresh read gives;
//! * the per-area counts of the evaluation taken with it, with the pack's hash: earlier years of a
//!   report's history are answered from these alone when the pack is the same;
//! * the status-event facts the indicators read beyond the engine ([`EventFacts`]), and in those `evaluate`
//!   takes the rest of what a report of the year reads beside the registry ([`WorkflowFacts`]: the cases,
//!   the running measures, the recent visits and the economy's household tallies), so that such a report
//!   reads no million-row table.
//!
//! Each is stamped with [`Store::data_seq`] read *before* the registry was read, so a write made during
//! the read makes the snapshot look stale rather than fresh. [`restore`] checks that nothing in the
//! registry changed since ([`Store::first_change_since`]): a stale snapshot is never used, and the caller
//! says so in Chinese ([`Staleness::text`]) and reads the registry instead.

use std::collections::HashSet;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use jingzhun_core::monitoring::CaseKind;
use jingzhun_core::{AreaCode, AreaTree, Channel, HouseholdId, MonitoringKind};
use jingzhun_engine::snapshot::FORMAT;
use jingzhun_engine::{AreaIndex, Columns, Engine, Evaluation, Rollup};
use jingzhun_policy::PolicyPack;
use jingzhun_report::economy::HouseholdTally;
use jingzhun_report::indicators::{self, DecidedRisks, LeadCase, RecentVisits, RunningMeasures};
use jingzhun_store::{DataChange, NewSnapshot, SnapshotInfo, SnapshotPart, Store, StoredHousehold};
use rayon::prelude::*;

use crate::{code_version, LoadError};

/// Bytes compressed at a time (the chunks are compressed and decompressed in parallel).
const CHUNK: usize = 4 << 20;

/// What the indicators read from status events beyond the engine, for one year and date: the risk types
/// of the monitoring decisions in force and the households whose return to poverty took effect in the year;
/// and, when the snapshot was taken by `evaluate`, the monitoring workflow's cases and the measures running
/// on the date ([`WorkflowFacts`]), so that a report of an evaluated year reads nothing else.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFacts {
    pub decided: DecidedRisks,
    pub returned: HashSet<HouseholdId>,
    pub workflow: Option<WorkflowFacts>,
}

/// The monitoring workflow of the snapshot's area as the indicators read it: every case (its outline) and
/// the assistance measures running on the snapshot's date. Cases and measures are registry data: any change
/// to them after the snapshot makes it stale, so these are as current as the engine's columns.
/// Snapshots taken since issue 11's second round keep, beside, the households visited in the window up to
/// the date and the economy's household records of the year and the year before, summed per household
/// ([`HouseholdTally`]); older ones have neither (`None`: read from the store).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkflowFacts {
    pub leads: Vec<LeadCase>,
    pub measures: RunningMeasures,
    /// Households visited within `indicators::VISIT_WINDOW_DAYS` up to the date ([`crate::recent_visits`]).
    pub visited: Option<RecentVisits>,
    /// The links and employment of the households within the area, of the year and the year before,
    /// summed per household and year ([`crate::household_tallies`]).
    pub economy: Option<Vec<HouseholdTally>>,
}

impl WorkflowFacts {
    /// Reads the cases within `area`, the measures running on `on`, the households visited up to it and
    /// the economy's household records of `on`'s year and the year before from the store.
    pub fn read(store: &Store, area: &AreaCode, on: NaiveDate) -> Result<Self, LoadError> {
        let years = Self::tally_years(on);
        Self::read_beside(
            store,
            area,
            on,
            crate::lead_cases(store, area)?,
            crate::household_tallies(store, area, years)?,
        )
    }

    /// The years of the economy's household tallies kept for a snapshot dated `on`: its year and the
    /// year before.
    pub fn tally_years(on: NaiveDate) -> std::ops::RangeInclusive<u16> {
        let year = u16::try_from(on.year()).unwrap_or(u16::MAX);
        year.saturating_sub(1)..=year
    }

    /// [`WorkflowFacts::read`] with the cases ([`crate::lead_cases`], the same for every date) and the
    /// households' tallies already at hand (`demo` sums them as it generates the records; tallies of years
    /// other than [`WorkflowFacts::tally_years`] are left out).
    pub fn read_beside(
        store: &Store,
        area: &AreaCode,
        on: NaiveDate,
        leads: Vec<LeadCase>,
        tallies: Vec<HouseholdTally>,
    ) -> Result<Self, LoadError> {
        let mut each = Self::read_beside_on(store, area, &[on], &leads, &tallies)?;
        Ok(each.pop().unwrap_or_default())
    }

    /// [`WorkflowFacts::read_beside`] on each of `dates`, with the running measures and the visits of all
    /// the dates read at once (a city's scan costs the same for one date or fourteen: `demo`'s years).
    pub fn read_beside_on(
        store: &Store,
        area: &AreaCode,
        dates: &[NaiveDate],
        leads: &[LeadCase],
        tallies: &[HouseholdTally],
    ) -> Result<Vec<Self>, LoadError> {
        let measures = crate::running_measures_on(store, area, dates)?;
        let visited = crate::recent_visits_on(store, area, dates)?;
        Ok(dates
            .iter()
            .zip(measures.into_iter().zip(visited))
            .map(|(on, (measures, visited))| {
                let years = Self::tally_years(*on);
                WorkflowFacts {
                    leads: leads.to_vec(),
                    measures,
                    visited: Some(visited),
                    economy: Some(
                        tallies
                            .iter()
                            .filter(|t| years.contains(&t.year))
                            .copied()
                            .collect(),
                    ),
                }
            })
            .collect())
    }
}

/// Appends `n` as a LEB128 varint.
fn put_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Reads a LEB128 varint from the front of `rest`.
fn take_varint(rest: &mut &[u8]) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, tail) = rest.split_first()?;
        *rest = tail;
        n |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(n);
        }
    }
    None
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// The visits and tallies (ordered by household and year), compactly: households as differences.
fn encode_side(out: &mut Vec<u8>, visited: &RecentVisits, tallies: &[HouseholdTally]) {
    let mut ids: Vec<i64> = visited.iter().map(|h| h.0).collect();
    ids.sort_unstable();
    put_varint(out, ids.len() as u64);
    let mut last = 0i64;
    for id in ids {
        put_varint(out, zigzag(id.wrapping_sub(last)));
        last = id;
    }
    put_varint(out, tallies.len() as u64);
    let mut last = 0i64;
    for t in tallies {
        put_varint(out, zigzag(t.household.0.wrapping_sub(last)));
        last = t.household.0;
        put_varint(out, u64::from(t.year));
        put_varint(out, u64::from(t.links));
        put_varint(out, zigzag(t.link_fen));
        for n in t.in_work {
            put_varint(out, u64::from(n));
        }
        put_varint(out, u64::from(t.not_working));
    }
}

fn decode_side(rest: &mut &[u8]) -> Option<(RecentVisits, Vec<HouseholdTally>)> {
    let small = |n: u64| u32::try_from(n).ok();
    let n = usize::try_from(take_varint(rest)?).ok()?;
    let mut visited = RecentVisits::with_capacity(n.min(rest.len()));
    let mut last = 0i64;
    for _ in 0..n {
        last = last.wrapping_add(unzigzag(take_varint(rest)?));
        visited.insert(HouseholdId(last));
    }
    let n = usize::try_from(take_varint(rest)?).ok()?;
    let mut tallies = Vec::with_capacity(n.min(rest.len()));
    let mut last = 0i64;
    for _ in 0..n {
        last = last.wrapping_add(unzigzag(take_varint(rest)?));
        let mut t = HouseholdTally::new(HouseholdId(last), u16::try_from(take_varint(rest)?).ok()?);
        t.links = small(take_varint(rest)?)?;
        t.link_fen = unzigzag(take_varint(rest)?);
        for n in &mut t.in_work {
            *n = small(take_varint(rest)?)?;
        }
        t.not_working = small(take_varint(rest)?)?;
        tallies.push(t);
    }
    Some((visited, tallies))
}

/// No date (an open or rejected case's decision day).
const NO_DAY: i32 = i32::MIN;

fn day(d: Option<NaiveDate>) -> i32 {
    d.map_or(NO_DAY, |d| d.num_days_from_ce())
}

fn from_day(n: i32) -> Option<Option<NaiveDate>> {
    if n == NO_DAY {
        Some(None)
    } else {
        NaiveDate::from_num_days_from_ce_opt(n).map(Some)
    }
}

impl EventFacts {
    /// Adds what `stored`'s events say for `year` as of `as_of`.
    pub fn add(&mut self, stored: &StoredHousehold, year: u16, as_of: NaiveDate) {
        self.add_events(stored.id, &stored.events, year, as_of);
    }

    /// Adds what `events` (one household's) say for `year` as of `as_of`.
    pub fn add_events(
        &mut self,
        id: HouseholdId,
        events: &[jingzhun_core::StatusEvent],
        year: u16,
        as_of: NaiveDate,
    ) {
        if let Some(bits) = indicators::decided_risks(events, as_of) {
            self.decided.insert(id, bits);
        }
        if indicators::returned_in_year(events, year, as_of) {
            self.returned.insert(id);
        }
    }

    fn encode(&self) -> Vec<u8> {
        let mut decided: Vec<(&HouseholdId, &u16)> = self.decided.iter().collect();
        decided.sort_unstable();
        let mut returned: Vec<&HouseholdId> = self.returned.iter().collect();
        returned.sort_unstable();
        let mut out = Vec::with_capacity(16 + decided.len() * 10 + returned.len() * 8);
        out.extend_from_slice(&(decided.len() as u64).to_le_bytes());
        for (id, bits) in decided {
            out.extend_from_slice(&id.0.to_le_bytes());
            out.extend_from_slice(&bits.to_le_bytes());
        }
        out.extend_from_slice(&(returned.len() as u64).to_le_bytes());
        for id in returned {
            out.extend_from_slice(&id.0.to_le_bytes());
        }
        // Snapshots without the workflow end here (and older ones always did).
        if let Some(w) = &self.workflow {
            out.push(1);
            out.extend_from_slice(&(w.leads.len() as u64).to_le_bytes());
            for l in &w.leads {
                let village = l.village.as_str().as_bytes();
                out.push(village.len() as u8);
                out.extend_from_slice(village);
                out.push(l.kind.index());
                out.push(l.channel.index());
                out.push(l.monitoring_kind.map_or(u8::MAX, |k| k.index()));
                out.extend_from_slice(&day(Some(l.opened)).to_le_bytes());
                out.extend_from_slice(&day(l.decided).to_le_bytes());
                out.extend_from_slice(&day(l.rejected).to_le_bytes());
            }
            let mut measures: Vec<(&HouseholdId, &u16)> = w.measures.iter().collect();
            measures.sort_unstable();
            out.extend_from_slice(&(measures.len() as u64).to_le_bytes());
            for (id, bits) in measures {
                out.extend_from_slice(&id.0.to_le_bytes());
                out.extend_from_slice(&bits.to_le_bytes());
            }
            // The visits and the economy's tallies (snapshots without them end here).
            if let (Some(visited), Some(tallies)) = (&w.visited, &w.economy) {
                out.push(2);
                encode_side(&mut out, visited, tallies);
            }
        }
        out
    }

    fn decode(bytes: &[u8]) -> Option<EventFacts> {
        Self::decode_with(bytes, true)
    }

    /// Decodes the status-event facts, and the workflow kept beside them only `with_workflow` (left
    /// `None` otherwise: the caller reads it with [`workflow_of`]).
    fn decode_with(bytes: &[u8], with_workflow: bool) -> Option<EventFacts> {
        let mut rest = bytes;
        let mut take = |n: usize| -> Option<&[u8]> {
            let (head, tail) = rest.split_at_checked(n)?;
            rest = tail;
            Some(head)
        };
        let mut facts = EventFacts::default();
        let count = |b: &[u8]| usize::try_from(u64::from_le_bytes(b.try_into().ok()?)).ok();
        let n = count(take(8)?)?;
        facts.decided.reserve(n.min(bytes.len() / 10));
        for _ in 0..n {
            let id = i64::from_le_bytes(take(8)?.try_into().ok()?);
            let bits = u16::from_le_bytes(take(2)?.try_into().ok()?);
            facts.decided.insert(HouseholdId(id), bits);
        }
        let n = count(take(8)?)?;
        for _ in 0..n {
            facts
                .returned
                .insert(HouseholdId(i64::from_le_bytes(take(8)?.try_into().ok()?)));
        }
        let Some(tag) = take(1) else {
            return Some(facts);
        };
        if tag != [1] {
            return None;
        }
        if !with_workflow {
            return Some(facts);
        }
        let mut w = WorkflowFacts::default();
        let n = count(take(8)?)?;
        w.leads.reserve(n.min(bytes.len() / 16));
        let i32_of = |b: &[u8]| -> Option<i32> { Some(i32::from_le_bytes(b.try_into().ok()?)) };
        for _ in 0..n {
            let len = usize::from(take(1)?[0]);
            let village = AreaCode::parse(std::str::from_utf8(take(len)?).ok()?).ok()?;
            let codes = take(3)?;
            let (kind, channel, monitoring) = (codes[0], codes[1], codes[2]);
            let opened = from_day(i32_of(take(4)?)?)??;
            let decided = from_day(i32_of(take(4)?)?)?;
            let rejected = from_day(i32_of(take(4)?)?)?;
            w.leads.push(LeadCase {
                village,
                kind: CaseKind::from_index(kind)?,
                channel: Channel::from_index(channel)?,
                monitoring_kind: if monitoring == u8::MAX {
                    None
                } else {
                    Some(MonitoringKind::from_index(monitoring)?)
                },
                opened,
                decided,
                rejected,
            });
        }
        let n = count(take(8)?)?;
        w.measures.reserve(n.min(bytes.len() / 10));
        for _ in 0..n {
            let id = i64::from_le_bytes(take(8)?.try_into().ok()?);
            let bits = u16::from_le_bytes(take(2)?.try_into().ok()?);
            w.measures.insert(HouseholdId(id), bits);
        }
        if let Some(tag) = take(1) {
            if tag != [2] {
                return None;
            }
            let (visited, tallies) = decode_side(&mut rest)?;
            w.visited = Some(visited);
            w.economy = Some(tallies);
        }
        facts.workflow = Some(w);
        rest.is_empty().then_some(facts)
    }
}

/// Snappy in chunks compressed in parallel: the chunk count, each chunk's compressed length, the chunks.
fn compress(raw: &[u8]) -> Vec<u8> {
    let chunks: Vec<Vec<u8>> = raw
        .par_chunks(CHUNK)
        .map(|c| {
            snap::raw::Encoder::new()
                .compress_vec(c)
                .unwrap_or_default()
        })
        .collect();
    let mut out =
        Vec::with_capacity(8 + chunks.len() * 8 + chunks.iter().map(Vec::len).sum::<usize>());
    out.extend_from_slice(&(chunks.len() as u64).to_le_bytes());
    for c in &chunks {
        out.extend_from_slice(&(c.len() as u64).to_le_bytes());
    }
    for c in &chunks {
        out.extend_from_slice(c);
    }
    out
}

fn decompress(bytes: &[u8]) -> Option<Vec<u8>> {
    let n = usize::try_from(u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?)).ok()?;
    let lens_end = n.checked_mul(8)?.checked_add(8)?;
    let lens = bytes.get(8..lens_end)?;
    let mut parts = Vec::with_capacity(n);
    let mut at = lens_end;
    for l in lens.chunks_exact(8) {
        let len = usize::try_from(u64::from_le_bytes(l.try_into().ok()?)).ok()?;
        let end = at.checked_add(len)?;
        parts.push(bytes.get(at..end)?);
        at = end;
    }
    if at != bytes.len() {
        return None;
    }
    // Each chunk straight into its place in one buffer (no second copy of the whole).
    let lens: Vec<usize> = parts
        .iter()
        .map(|c| snap::raw::decompress_len(c).ok())
        .collect::<Option<_>>()?;
    let mut raw = vec![0u8; lens.iter().sum()];
    let mut slices = Vec::with_capacity(parts.len());
    let mut rest = raw.as_mut_slice();
    for len in &lens {
        let (head, tail) = rest.split_at_mut(*len);
        slices.push(head);
        rest = tail;
    }
    let ok = parts.par_iter().zip(slices).all(|(c, out)| {
        let len = out.len();
        snap::raw::Decoder::new().decompress(c, out).ok() == Some(len)
    });
    ok.then_some(raw)
}

fn damaged(info: &SnapshotInfo, what: &str) -> LoadError {
    LoadError::Snapshot(format!(
        "{} 年评估快照 #{} 的{what}已损坏；请重新运行 `jingzhun evaluate --year {}`",
        info.year, info.id, info.year
    ))
}

/// Stores the snapshot of an evaluated year: `engine` as read (the households within `area` as of its
/// date), `eval` its evaluation, `facts` its status-event facts, `data_seq` the store's
/// [`Store::data_seq`] read before the registry was, `data_time` the newest record read. Replaces the
/// snapshot of the same area, year and date. Returns its id.
#[allow(clippy::too_many_arguments)]
pub fn save(
    store: &Store,
    area: &AreaCode,
    engine: &Engine,
    eval: &Evaluation,
    facts: &EventFacts,
    data_seq: i64,
    data_time: DateTime<Utc>,
    run_id: Option<i64>,
) -> Result<i64, LoadError> {
    let (engine_blob, (rollups_blob, facts_blob)) = rayon::join(
        || compress(&engine.snapshot()),
        || {
            // Only areas with counts: the engine's index holds the whole division tree (every village
            // of the province), most of it empty.
            let rollups: Vec<(AreaCode, &Rollup)> = eval
                .rollups()
                .filter(|(_, r)| **r != Rollup::default())
                .collect();
            let json = serde_json::to_vec(&rollups).unwrap_or_default();
            (compress(&json), compress(&facts.encode()))
        },
    );
    let code = code_version();
    Ok(store.save_snapshot(&NewSnapshot {
        area: *area,
        year: engine.year(),
        as_of: engine.as_of(),
        data_seq,
        data_time,
        format: FORMAT,
        pack_hash: &eval.pack_hash,
        code_version: &code,
        run_id,
        households: engine.households() as i64,
        engine: &engine_blob,
        rollups: &rollups_blob,
        facts: &facts_blob,
    })?)
}

/// Why no snapshot could be used for a year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    /// None was taken of an area containing the one asked for, for that year and date.
    Missing { year: u16, as_of: NaiveDate },
    /// A report of `year` needs every earlier year's snapshot too (cumulative figures); `missing` has none.
    History { year: u16, missing: u16 },
    /// One was, but the registry changed after it.
    Changed {
        info: Box<SnapshotInfo>,
        change: DataChange,
    },
}

impl Staleness {
    /// What to tell the user (Chinese), and what to run to bring the snapshot up to date.
    pub fn text(&self) -> String {
        match self {
            Staleness::Missing { year, as_of } => format!(
                "没有 {year} 年（截至 {as_of}）的评估快照，从登记数据读取；运行 `jingzhun evaluate --year {year}` 后，报表可直接读取快照"
            ),
            Staleness::History { year, missing } => format!(
                "累计指标需要 {first} 年起每年的评估快照，缺少 {missing} 年的，从登记数据读取；运行 `jingzhun evaluate --year {year} --history` 可一次保存各年的快照",
                first = crate::FIRST_YEAR
            ),
            Staleness::Changed { info, change } => format!(
                "{} 年的评估快照（#{}，{} 保存）已过期：此后登记数据有 {} 处改动（最早为 {} 的「{}」，审计序号 {}）；从登记数据重新读取；运行 `jingzhun evaluate --year {}` 可更新快照",
                info.year,
                info.id,
                (info.recorded_at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M"),
                change.count,
                (change.at + chrono::Duration::hours(8)).format("%Y-%m-%d %H:%M"),
                change.action,
                change.seq,
                info.year
            ),
        }
    }
}

/// The snapshot of the smallest area containing `area` for `year` and `as_of`, in this program's format.
pub fn find(
    store: &Store,
    area: &AreaCode,
    year: u16,
    as_of: NaiveDate,
) -> Result<Option<SnapshotInfo>, LoadError> {
    Ok(store
        .snapshots(Some(year))?
        .into_iter()
        .filter(|s| s.as_of == as_of && s.format == FORMAT && s.area.contains(area))
        .max_by_key(|s| s.area.as_str().len()))
}

/// The snapshot of `area`, `year` and `as_of` if there is one and the registry has not changed since.
pub fn fresh(
    store: &Store,
    area: &AreaCode,
    year: u16,
    as_of: NaiveDate,
) -> Result<Result<SnapshotInfo, Staleness>, LoadError> {
    let Some(info) = find(store, area, year, as_of)? else {
        return Ok(Err(Staleness::Missing { year, as_of }));
    };
    Ok(match store.first_change_since(info.data_seq)? {
        None => Ok(info),
        Some(change) => Err(Staleness::Changed {
            info: Box::new(info),
            change,
        }),
    })
}

/// A year restored from its snapshot.
pub struct Restored {
    pub info: SnapshotInfo,
    pub engine: Engine,
    pub facts: EventFacts,
}

/// Restores the engine and event facts of a fresh snapshot (see [`fresh`]).
pub fn restore(store: &Store, tree: &AreaTree, info: SnapshotInfo) -> Result<Restored, LoadError> {
    restore_with(store, tree, info, true)
}

/// [`restore`], the workflow kept beside the status-event facts decoded only `with_workflow` (reports
/// read it on another thread with [`workflow_of`]).
pub fn restore_with(
    store: &Store,
    tree: &AreaTree,
    info: SnapshotInfo,
    with_workflow: bool,
) -> Result<Restored, LoadError> {
    let (engine, facts) = rayon::join(
        || -> Result<Engine, LoadError> {
            let bytes = store.snapshot_part(info.id, SnapshotPart::Engine)?;
            let raw = decompress(&bytes).ok_or_else(|| damaged(&info, "引擎数据"))?;
            drop(bytes);
            Engine::from_snapshot(&raw, Some(tree)).map_err(|e| damaged(&info, &e.to_string()))
        },
        || -> Result<EventFacts, LoadError> {
            let bytes = store.snapshot_part(info.id, SnapshotPart::Facts)?;
            decompress(&bytes)
                .and_then(|raw| EventFacts::decode_with(&raw, with_workflow))
                .ok_or_else(|| damaged(&info, "状态事件数据"))
        },
    );
    Ok(Restored {
        engine: engine?,
        facts: facts?,
        info,
    })
}

/// The monitoring workflow kept with the fresh snapshot of `area`, `year` and `as_of`, if there is one
/// and it was taken with the workflow (by `evaluate`); `None` otherwise (the caller reads the store).
pub fn workflow_of(
    store: &Store,
    area: &AreaCode,
    year: u16,
    as_of: NaiveDate,
) -> Result<Option<WorkflowFacts>, LoadError> {
    let Ok(info) = fresh(store, area, year, as_of)? else {
        return Ok(None);
    };
    let bytes = store.snapshot_part(info.id, SnapshotPart::Facts)?;
    let facts = decompress(&bytes)
        .and_then(|raw| EventFacts::decode(&raw))
        .ok_or_else(|| damaged(&info, "状态事件数据"))?;
    Ok(facts.workflow)
}

/// The area-level evaluation of a snapshot's year from its stored counts, when they were computed under
/// `pack`; else from its restored engine evaluated under `pack`. The engine returned holds no households
/// in the first case: ask both only area-level questions.
pub fn area_evaluation(
    store: &Store,
    tree: &AreaTree,
    info: &SnapshotInfo,
    pack: &PolicyPack,
) -> Result<(Engine, Evaluation), LoadError> {
    if info.pack_hash == pack.hash() {
        let bytes = store.snapshot_part(info.id, SnapshotPart::Rollups)?;
        let rows: Vec<(AreaCode, Rollup)> = decompress(&bytes)
            .and_then(|raw| serde_json::from_slice(&raw).ok())
            .ok_or_else(|| damaged(info, "各区划计数"))?;
        // Areas without counts were left out; interning a code adds its ancestors too.
        let mut areas = AreaIndex::default();
        let mut rollups = Vec::with_capacity(rows.len());
        for (code, rollup) in rows {
            let i = areas.intern(code) as usize;
            rollups.resize(areas.len(), Rollup::default());
            rollups[i] = rollup;
        }
        let engine = Engine::from_compact(areas, Columns::default(), info.year, info.as_of);
        let eval = engine.evaluation_with_rollups(pack, rollups)?;
        return Ok((engine, eval));
    }
    let restored = restore(store, tree, info.clone())?;
    let eval = restored.engine.evaluate(pack)?;
    Ok((restored.engine, eval))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_round_trip() {
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 17] {
            let raw: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let packed = compress(&raw);
            assert_eq!(
                decompress(&packed).as_deref(),
                Some(raw.as_slice()),
                "{len}"
            );
            if len > 0 {
                assert_eq!(decompress(&packed[..packed.len() - 1]), None);
            }
        }
        assert_eq!(decompress(b"short"), None);
    }

    #[test]
    fn event_facts_round_trip() {
        let mut facts = EventFacts::default();
        for i in 0..1000 {
            facts.decided.insert(HouseholdId(i * 3), (i % 7) as u16);
            if i % 5 == 0 {
                facts.returned.insert(HouseholdId(i));
            }
        }
        let bytes = facts.encode();
        assert_eq!(EventFacts::decode(&bytes), Some(facts.clone()));
        assert_eq!(EventFacts::decode(&bytes[..bytes.len() - 1]), None);
        // With the workflow: cases open, decided and rejected, and running measures.
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let village = AreaCode::parse("511902001001").unwrap();
        let lead = |decided: Option<NaiveDate>, rejected: Option<NaiveDate>| LeadCase {
            village,
            kind: CaseKind::ALL[0],
            channel: Channel::ALL[Channel::ALL.len() - 1],
            monitoring_kind: decided.map(|_| MonitoringKind::Marginal),
            opened: d("2024-03-01"),
            decided,
            rejected,
        };
        facts.workflow = Some(WorkflowFacts {
            leads: vec![
                lead(None, None),
                lead(Some(d("2024-03-20")), None),
                lead(None, Some(d("2024-04-02"))),
            ],
            measures: [(HouseholdId(7), 5u16), (HouseholdId(9), 1)]
                .into_iter()
                .collect(),
            visited: None,
            economy: None,
        });
        let bytes = facts.encode();
        assert_eq!(EventFacts::decode(&bytes), Some(facts.clone()));
        assert_eq!(EventFacts::decode(&bytes[..bytes.len() - 1]), None);
        // With the visits and the economy's tallies.
        if let Some(w) = &mut facts.workflow {
            w.visited = Some([HouseholdId(3), HouseholdId(1_000_000_000_007)].into());
            let mut t = HouseholdTally::new(HouseholdId(5), 2023);
            t.links = 2;
            t.link_fen = 123_456;
            t.in_work = [1, 0, 300];
            let mut u = HouseholdTally::new(HouseholdId(5), 2024);
            u.link_fen = -7;
            u.not_working = 2;
            w.economy = Some(vec![t, u, HouseholdTally::new(HouseholdId(4), 2024)]);
        }
        let bytes = facts.encode();
        assert_eq!(EventFacts::decode(&bytes), Some(facts.clone()));
        assert_eq!(EventFacts::decode(&bytes[..bytes.len() - 1]), None);
        // The status facts alone, the workflow left for `workflow_of`.
        let status = EventFacts::decode_with(&bytes, false).unwrap();
        assert_eq!(status.workflow, None);
        assert_eq!(status.decided, facts.decided);
        // Older snapshots (no workflow) still decode.
        let without = EventFacts {
            workflow: None,
            ..facts
        };
        assert_eq!(EventFacts::decode(&without.encode()), Some(without));
        assert_eq!(
            EventFacts::decode(&EventFacts::default().encode()),
            Some(EventFacts::default())
        );
    }
}
