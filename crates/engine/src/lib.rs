//! The evaluation engine: the whole registry in memory, evaluated in parallel, rolled up the area tree.
//!
//! - [`Engine::build`] loads households (as the store streams them) into compact columns
//!   ([`columns::Columns`]): small integer types, one year's income, area as an index.
//! - [`Engine::evaluate`] runs the rules of `jingzhun-policy` on every household with rayon and adds the
//!   results up village → township → county → city → province ([`Rollup`]). The result, an
//!   [`Evaluation`], records the pack version and the data time (year, as-of date) it came from.
//! - [`Engine::update_household`] re-evaluates one changed household and adjusts its areas' rollups by
//!   subtracting its old contribution and adding the new one.
//! - [`Engine::whatif`] evaluates under two packs and reports who flips and which area counts change,
//!   without touching official data (nothing here writes anywhere).
//!
//! Proposals are computed; decisions are status events that people approve. The engine only reads events.

pub mod columns;
pub mod rollup;
pub mod synth;

use std::collections::HashMap;

use std::sync::Arc;

use chrono::NaiveDate;
use jingzhun_core::{AreaCode, AreaTree, Household, HouseholdId, StatusEvent, Yuan};
use jingzhun_policy::{
    assess, explain, AreaExit, Assessment, EffectiveError, EffectiveParams, FactsSource,
    HouseholdEvaluation, PolicyPack, Proposal, ProposalKind, Rate, SideFacts,
};
use rayon::prelude::*;
use serde::Serialize;

pub use columns::{Columns, CompactHousehold, RegistryFacts};
pub use rollup::Rollup;

use rollup::{contribute, HouseholdKey};

/// Errors of the engine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    /// The pack's message is the whole story: it is shown once (not also as a source, which printed it
    /// twice in an error chain).
    #[error("政策包无法用于本次评估: {0}")]
    Policy(EffectiveError),
    #[error("户 {0} 不在内存中的登记数据里")]
    NotFound(HouseholdId),
}

/// One household as the store streams it: the version in force, all its status events, and what is known
/// beyond the record (dated department findings, assistance measures). The engine builds its facts with
/// [`jingzhun_policy::OwnedFacts::build`], the one builder every path uses.
#[derive(Debug, Clone, Copy)]
pub struct HouseholdInput<'a> {
    pub id: HouseholdId,
    pub household: &'a Household,
    pub events: &'a [StatusEvent],
    pub side: &'a SideFacts,
}

impl<'a> HouseholdInput<'a> {
    pub fn new(
        id: HouseholdId,
        household: &'a Household,
        events: &'a [StatusEvent],
        side: &'a SideFacts,
    ) -> Self {
        HouseholdInput {
            id,
            household,
            events,
            side,
        }
    }

    /// The source the facts builder reads.
    pub fn source(&self) -> FactsSource<'a> {
        FactsSource {
            household: self.household,
            events: self.events,
            side: self.side,
        }
    }
}

/// A household with nothing known beyond its record (synthetic data, tests).
impl<'a> From<(HouseholdId, &'a Household, &'a [StatusEvent])> for HouseholdInput<'a> {
    fn from((id, household, events): (HouseholdId, &'a Household, &'a [StatusEvent])) -> Self {
        HouseholdInput::new(
            id,
            household,
            events,
            &jingzhun_policy::facts::NO_SIDE_FACTS,
        )
    }
}

impl<'a> From<&'a (HouseholdId, Household, Vec<StatusEvent>)> for HouseholdInput<'a> {
    fn from(item: &'a (HouseholdId, Household, Vec<StatusEvent>)) -> Self {
        HouseholdInput::new(
            item.0,
            &item.1,
            &item.2,
            &jingzhun_policy::facts::NO_SIDE_FACTS,
        )
    }
}

impl<'a> From<&'a (HouseholdId, Household, Vec<StatusEvent>, SideFacts)> for HouseholdInput<'a> {
    fn from(item: &'a (HouseholdId, Household, Vec<StatusEvent>, SideFacts)) -> Self {
        HouseholdInput::new(item.0, &item.1, &item.2, &item.3)
    }
}

impl From<EffectiveError> for EngineError {
    fn from(e: EffectiveError) -> Self {
        EngineError::Policy(e)
    }
}

const NO_PARENT: u32 = u32::MAX;

/// The areas the engine rolls up to, as dense indices.
#[derive(Debug, Clone, Default)]
pub struct AreaIndex {
    codes: Vec<AreaCode>,
    parent: Vec<u32>,
    by_code: HashMap<AreaCode, u32>,
}

impl AreaIndex {
    pub fn from_tree(tree: &AreaTree) -> Self {
        let mut index = AreaIndex::default();
        for area in tree.areas() {
            index.intern(area.code);
        }
        index
    }

    /// The index of `code`, adding it and its ancestors if needed.
    pub fn intern(&mut self, code: AreaCode) -> u32 {
        if let Some(&i) = self.by_code.get(&code) {
            return i;
        }
        let parent = code.parent().map(|p| self.intern(p)).unwrap_or(NO_PARENT);
        let i = self.codes.len() as u32;
        self.codes.push(code);
        self.parent.push(parent);
        self.by_code.insert(code, i);
        i
    }

    pub fn get(&self, code: &AreaCode) -> Option<u32> {
        self.by_code.get(code).copied()
    }

    pub fn code(&self, index: u32) -> AreaCode {
        self.codes[index as usize]
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    pub fn codes(&self) -> &[AreaCode] {
        &self.codes
    }

    /// `index` and its ancestors, upwards.
    fn chain(&self, index: u32) -> impl Iterator<Item = usize> + '_ {
        let mut next = index;
        std::iter::from_fn(move || {
            if next == NO_PARENT {
                return None;
            }
            let current = next;
            next = self.parent[current as usize];
            Some(current as usize)
        })
    }

    /// Indices ordered deepest level first, so that adding each area into its parent in this order
    /// propagates counts to the root.
    fn bottom_up(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.codes.len() as u32).collect();
        order.sort_by_key(|i| std::cmp::Reverse(self.codes[*i as usize].as_str().len()));
        order
    }
}

/// The registry in memory, for one evaluated year and date.
#[derive(Debug, Clone)]
pub struct Engine {
    year: u16,
    as_of: NaiveDate,
    tree: Option<AreaTree>,
    areas: Arc<AreaIndex>,
    cols: Columns,
}

/// The result of evaluating every household under one pack.
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub year: u16,
    pub as_of: NaiveDate,
    pub pack_version: String,
    pub pack_hash: String,
    pack: PolicyPack,
    areas: Arc<AreaIndex>,
    /// Distinct parameter sets, and the set of each area.
    params: Vec<EffectiveParams>,
    area_params: Vec<u16>,
    results: Vec<Assessment>,
    rollups: Vec<Rollup>,
}

/// One live household's outcome in an evaluation, for statistics that need households one by one (income
/// distributions, poverty measures): its village, size, registry and monitoring state on the evaluation
/// date, and the compact result of the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HouseholdOutcome {
    pub id: HouseholdId,
    /// The household's village (as resolved on the evaluation date).
    pub village: AreaCode,
    /// Members on the evaluation date.
    pub size: u8,
    pub registry: jingzhun_policy::RegistryState,
    pub monitoring: Option<jingzhun_core::MonitoringKind>,
    /// Registry facts that are counted but not judged (ever registered, relocated, 低保/特困 members).
    pub facts: RegistryFacts,
    pub assessment: Assessment,
}

/// What an incremental update did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    pub before: Option<Assessment>,
    pub after: Option<Assessment>,
}

/// One proposal of an evaluation, with its explanation (serialisable with serde_json).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposalRecord {
    pub household: HouseholdId,
    pub area: AreaCode,
    /// Stable code of the kind (`omission_suspect`, …).
    pub kind: &'static str,
    pub proposal: Proposal,
}

/// A household whose outcome differs between two packs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flip {
    pub household: HouseholdId,
    pub area: AreaCode,
    pub added: Vec<ProposalKind>,
    pub removed: Vec<ProposalKind>,
    pub per_capita_before: Option<Yuan>,
    pub per_capita_after: Option<Yuan>,
}

/// The counts of one area that differ between two packs: `(name, before, after)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaDiff {
    pub area: AreaCode,
    pub changes: Vec<(String, i64, i64)>,
}

/// What changes if the registry is evaluated under another pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WhatIf {
    pub before_version: String,
    pub after_version: String,
    pub households: usize,
    pub flips: Vec<Flip>,
    pub areas: Vec<AreaDiff>,
}

impl Engine {
    /// Loads households for evaluating `year` as of `as_of` (ages, status events in force, merged
    /// villages all taken on that date). Villages missing from `areas` are added with their ancestors.
    /// For a stream of owned records (e.g. from the store), use [`Engine::new`] and [`Engine::insert`].
    pub fn build<'a, I>(areas: &AreaTree, items: I, year: u16, as_of: NaiveDate) -> Self
    where
        I: IntoIterator,
        I::Item: Into<HouseholdInput<'a>>,
    {
        let mut engine = Engine::new(areas, year, as_of);
        for item in items {
            engine.insert(item.into());
        }
        engine
    }

    /// An empty engine over the area tree; fill it with [`Engine::insert`], then [`Engine::evaluate`].
    pub fn new(areas: &AreaTree, year: u16, as_of: NaiveDate) -> Self {
        Engine {
            year,
            as_of,
            tree: Some(areas.clone()),
            areas: Arc::new(AreaIndex::from_tree(areas)),
            cols: Columns::default(),
        }
    }

    /// Adds (or replaces) one household before evaluation. Records are converted to compact form at
    /// once, so the caller's record can be dropped right after: loading a whole province needs memory
    /// for the compact columns only.
    pub fn insert(&mut self, input: HouseholdInput<'_>) {
        let area = self.area_of(&input.household.village);
        let compact = CompactHousehold::of(input.id, area, input.source(), self.year, self.as_of);
        self.cols.put(&compact);
    }

    /// An engine over households already in compact form (benchmarks, tests).
    pub fn from_compact(areas: AreaIndex, cols: Columns, year: u16, as_of: NaiveDate) -> Self {
        Engine {
            year,
            as_of,
            tree: None,
            areas: Arc::new(areas),
            cols,
        }
    }

    fn area_of(&mut self, village: &AreaCode) -> u32 {
        let resolved = self
            .tree
            .as_ref()
            .and_then(|t| t.resolve(village, self.as_of))
            .unwrap_or(*village);
        match self.areas.get(&resolved) {
            Some(i) => i,
            None => Arc::make_mut(&mut self.areas).intern(resolved),
        }
    }

    pub fn year(&self) -> u16 {
        self.year
    }

    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    pub fn areas(&self) -> &AreaIndex {
        &self.areas
    }

    pub fn columns(&self) -> &Columns {
        &self.cols
    }

    /// Live households.
    pub fn households(&self) -> usize {
        (0..self.cols.len()).filter(|s| self.cols.alive(*s)).count()
    }

    /// Members of live households.
    pub fn members(&self) -> usize {
        self.cols.member_count()
    }

    /// Heap bytes of the columns and the area index (from capacities).
    pub fn heap_bytes(&self) -> usize {
        self.cols.heap_bytes() + self.areas.codes.capacity() * std::mem::size_of::<AreaCode>() * 3
    }

    fn key(&self, slot: usize) -> HouseholdKey {
        HouseholdKey {
            size: i64::from(self.cols.member_len[slot]),
            facts: self.cols.registry_facts(slot),
            registry: self.cols.registry(slot),
            exited_in_year: self.cols.registry(slot) == jingzhun_policy::RegistryState::Exited
                && self.cols.registry_year(slot) == Some(i32::from(self.year)),
            monitoring: self.cols.monitoring(slot),
        }
    }

    fn assess_slot(&self, slot: usize, eval: &Evaluation) -> Assessment {
        let area = self.cols.area[slot] as usize;
        let params = &eval.params[usize::from(eval.area_params[area])].params;
        assess(&self.cols.facts(slot, self.year, self.as_of), params)
    }

    /// Parameter sets for every area: one [`PolicyPack::effective`] per distinct list of layers.
    fn resolve_params(
        &self,
        pack: &PolicyPack,
        params: &mut Vec<EffectiveParams>,
        area_params: &mut Vec<u16>,
        from: usize,
    ) -> Result<(), EngineError> {
        let mut seen: HashMap<Vec<Option<AreaCode>>, u16> = HashMap::new();
        for (i, p) in params.iter().enumerate() {
            let key = match p.area {
                Some(a) => pack.layer_key(&a),
                None => vec![None],
            };
            seen.insert(key, i as u16);
        }
        for i in from..self.areas.len() {
            let code = self.areas.code(i as u32);
            let key = pack.layer_key(&code);
            let id = match seen.get(&key) {
                Some(&id) => id,
                None => {
                    let id = params.len() as u16;
                    params.push(pack.effective(self.year, Some(&code))?);
                    seen.insert(key, id);
                    id
                }
            };
            area_params.push(id);
        }
        Ok(())
    }

    /// Evaluates every household under `pack`, in parallel, and rolls the results up the area tree.
    pub fn evaluate(&self, pack: &PolicyPack) -> Result<Evaluation, EngineError> {
        let mut params = Vec::new();
        let mut area_params = Vec::with_capacity(self.areas.len());
        self.resolve_params(pack, &mut params, &mut area_params, 0)?;
        let mut eval = Evaluation {
            year: self.year,
            as_of: self.as_of,
            pack_version: pack.version(),
            pack_hash: pack.hash().to_owned(),
            pack: pack.clone(),
            areas: Arc::clone(&self.areas),
            params,
            area_params,
            results: Vec::new(),
            rollups: Vec::new(),
        };
        let n = self.cols.len();
        let n_areas = self.areas.len();
        let parts = (rayon::current_num_threads() * 4).max(1);
        let chunk = n.div_ceil(parts).max(1);
        let mut results = vec![Assessment::default(); n];
        let eval_ref = &eval;
        let partials: Vec<Vec<Rollup>> = results
            .par_chunks_mut(chunk)
            .enumerate()
            .map(|(p, out)| {
                let start = p * chunk;
                let mut acc = vec![Rollup::default(); n_areas];
                for (k, slot_out) in out.iter_mut().enumerate() {
                    let slot = start + k;
                    if !self.cols.alive(slot) {
                        continue;
                    }
                    let a = self.assess_slot(slot, eval_ref);
                    *slot_out = a;
                    contribute(
                        &mut acc[self.cols.area[slot] as usize],
                        &self.key(slot),
                        &a,
                        1,
                    );
                }
                acc
            })
            .collect();
        let mut rollups = vec![Rollup::default(); n_areas];
        for part in &partials {
            for (r, p) in rollups.iter_mut().zip(part) {
                r.add(p);
            }
        }
        for i in self.areas.bottom_up() {
            let parent = self.areas.parent[i as usize];
            if parent != NO_PARENT {
                let child = rollups[i as usize];
                rollups[parent as usize].add(&child);
            }
        }
        eval.results = results;
        eval.rollups = rollups;
        Ok(eval)
    }

    fn apply(&self, eval: &mut Evaluation, slot: usize, a: &Assessment, sign: i64) {
        let key = self.key(slot);
        for i in self.areas.chain(self.cols.area[slot]) {
            contribute(&mut eval.rollups[i], &key, a, sign);
        }
    }

    /// Re-evaluates one household that changed (or is new) and adjusts the rollups of its areas (old and
    /// new, if it moved). `eval` must be an evaluation of this engine.
    pub fn update_household(
        &mut self,
        eval: &mut Evaluation,
        input: HouseholdInput<'_>,
    ) -> Result<Change, EngineError> {
        let old_slot = self.cols.slot_of.get(&input.id).map(|s| *s as usize);
        let before = match old_slot {
            Some(s) if self.cols.alive(s) => {
                let a = eval.results[s];
                self.apply(eval, s, &a, -1);
                Some(a)
            }
            _ => None,
        };
        let areas_before = self.areas.len();
        let area = self.area_of(&input.household.village);
        if self.areas.len() > areas_before {
            let pack = eval.pack.clone();
            let (mut params, mut area_params) = (
                std::mem::take(&mut eval.params),
                std::mem::take(&mut eval.area_params),
            );
            let resolved = self.resolve_params(&pack, &mut params, &mut area_params, areas_before);
            eval.params = params;
            eval.area_params = area_params;
            resolved?;
            eval.rollups.resize(self.areas.len(), Rollup::default());
            eval.areas = Arc::clone(&self.areas);
        }
        let compact = CompactHousehold::of(input.id, area, input.source(), self.year, self.as_of);
        let after = self.store_and_assess(eval, &compact);
        Ok(Change {
            before,
            after: Some(after),
        })
    }

    /// [`Engine::update_household`] for a household already in compact form, whose `area` is an index of
    /// [`Engine::areas`].
    pub fn update_compact(
        &mut self,
        eval: &mut Evaluation,
        household: &CompactHousehold,
    ) -> Result<Change, EngineError> {
        if household.area as usize >= self.areas.len() {
            return Err(EngineError::NotFound(household.id));
        }
        let before = match self.cols.slot_of.get(&household.id).map(|s| *s as usize) {
            Some(s) if self.cols.alive(s) => {
                let a = eval.results[s];
                self.apply(eval, s, &a, -1);
                Some(a)
            }
            _ => None,
        };
        let after = self.store_and_assess(eval, household);
        Ok(Change {
            before,
            after: Some(after),
        })
    }

    fn store_and_assess(
        &mut self,
        eval: &mut Evaluation,
        compact: &CompactHousehold,
    ) -> Assessment {
        let slot = self.cols.put(compact);
        if slot >= eval.results.len() {
            eval.results.resize(slot + 1, Assessment::default());
        }
        let after = self.assess_slot(slot, eval);
        eval.results[slot] = after;
        self.apply(eval, slot, &after, 1);
        after
    }

    /// Takes a household out of the in-memory registry (e.g. deleted by mistake and withdrawn) and out of
    /// its areas' rollups.
    pub fn remove_household(
        &mut self,
        eval: &mut Evaluation,
        id: HouseholdId,
    ) -> Result<Change, EngineError> {
        let slot = match self.cols.slot_of.get(&id) {
            Some(&s) if self.cols.alive(s as usize) => s as usize,
            _ => return Err(EngineError::NotFound(id)),
        };
        let a = eval.results[slot];
        self.apply(eval, slot, &a, -1);
        self.cols.remove(id);
        eval.results[slot] = Assessment::default();
        Ok(Change {
            before: Some(a),
            after: None,
        })
    }

    /// The full, explained evaluation of one household under the pack of `eval`.
    pub fn explain(
        &self,
        eval: &Evaluation,
        id: HouseholdId,
    ) -> Result<HouseholdEvaluation, EngineError> {
        let slot = match self.cols.slot_of.get(&id) {
            Some(&s) if self.cols.alive(s as usize) => s as usize,
            _ => return Err(EngineError::NotFound(id)),
        };
        let area = self.cols.area[slot] as usize;
        let eff = &eval.params[usize::from(eval.area_params[area])];
        Ok(explain(&self.cols.facts(slot, self.year, self.as_of), eff))
    }

    /// The compact outcome of one household in `eval`.
    pub fn assessment(&self, eval: &Evaluation, id: HouseholdId) -> Option<Assessment> {
        let slot = *self.cols.slot_of.get(&id)? as usize;
        self.cols.alive(slot).then(|| eval.results[slot])
    }

    /// Every live household's outcome in `eval` (an evaluation of this engine), in slot order.
    pub fn outcomes<'e>(
        &'e self,
        eval: &'e Evaluation,
    ) -> impl Iterator<Item = HouseholdOutcome> + 'e {
        (0..self.cols.len().min(eval.results.len()))
            .filter(move |s| self.cols.alive(*s))
            .map(move |slot| HouseholdOutcome {
                id: self.cols.ids[slot],
                village: self.areas.code(self.cols.area[slot]),
                size: self.cols.member_len[slot],
                registry: self.cols.registry(slot),
                monitoring: self.cols.monitoring(slot),
                facts: self.cols.registry_facts(slot),
                assessment: eval.results[slot],
            })
    }

    /// Every proposal of `eval`, with its explanation (computed on demand, household by household).
    pub fn proposals<'e>(
        &'e self,
        eval: &'e Evaluation,
    ) -> impl Iterator<Item = ProposalRecord> + 'e {
        (0..self.cols.len())
            .filter(move |s| self.cols.alive(*s) && eval.results[*s].flags >> 16 != 0)
            .flat_map(move |slot| {
                let area = self.cols.area[slot];
                let eff = &eval.params[usize::from(eval.area_params[area as usize])];
                let full = explain(&self.cols.facts(slot, self.year, self.as_of), eff);
                let id = self.cols.ids[slot];
                let code = self.areas.code(area);
                full.proposals.into_iter().map(move |p| ProposalRecord {
                    household: id,
                    area: code,
                    kind: p.kind.code(),
                    proposal: p,
                })
            })
    }

    /// Evaluates under `before` and `after` and reports who flips and which area counts change. Official
    /// data is not touched: the engine only reads.
    pub fn whatif(&self, before: &PolicyPack, after: &PolicyPack) -> Result<WhatIf, EngineError> {
        let (a, b) = rayon::join(|| self.evaluate(before), || self.evaluate(after));
        let (a, b) = (a?, b?);
        let kinds = |x: &Assessment| -> Vec<ProposalKind> { x.proposals().collect() };
        let flips = (0..self.cols.len())
            .filter(|s| self.cols.alive(*s))
            .filter(|s| {
                let (x, y) = (&a.results[*s], &b.results[*s]);
                x.flags >> 16 != y.flags >> 16 || x.monitoring_kind != y.monitoring_kind
            })
            .map(|s| {
                let (x, y) = (kinds(&a.results[s]), kinds(&b.results[s]));
                Flip {
                    household: self.cols.ids[s],
                    area: self.areas.code(self.cols.area[s]),
                    added: y.iter().filter(|k| !x.contains(k)).copied().collect(),
                    removed: x.iter().filter(|k| !y.contains(k)).copied().collect(),
                    per_capita_before: a.results[s].per_capita(),
                    per_capita_after: b.results[s].per_capita(),
                }
            })
            .collect();
        let areas = (0..self.areas.len())
            .filter(|i| a.rollups[*i] != b.rollups[*i])
            .map(|i| {
                let changes = a.rollups[i]
                    .fields()
                    .into_iter()
                    .zip(b.rollups[i].fields())
                    .filter(|(x, y)| x.1 != y.1)
                    .map(|(x, y)| (x.0, x.1, y.1))
                    .collect();
                AreaDiff {
                    area: self.areas.code(i as u32),
                    changes,
                }
            })
            .collect();
        Ok(WhatIf {
            before_version: a.pack_version,
            after_version: b.pack_version,
            households: self.households(),
            flips,
            areas,
        })
    }

    /// Village exit test for a village from the rollups.
    pub fn village_exit(&self, eval: &Evaluation, village: &AreaCode) -> Option<AreaExit> {
        let i = self.areas.get(village)? as usize;
        let eff = &eval.params[usize::from(eval.area_params[i])];
        Some(jingzhun_policy::village_exit(
            &eval.rollups[i].area_counts(),
            eff,
        ))
    }

    /// County exit test; `approval` is the surveyed 群众认可度 if known.
    pub fn county_exit(
        &self,
        eval: &Evaluation,
        county: &AreaCode,
        approval: Option<Rate>,
    ) -> Option<AreaExit> {
        let i = self.areas.get(county)? as usize;
        let eff = &eval.params[usize::from(eval.area_params[i])];
        let mut counts = eval.rollups[i].area_counts();
        counts.approval = approval;
        Some(jingzhun_policy::county_exit(&counts, eff))
    }
}

impl Evaluation {
    /// The counts of an area (any level): households inside it, whatever their village.
    pub fn rollup(&self, area: &AreaCode) -> Option<&Rollup> {
        self.areas
            .get(area)
            .and_then(|i| self.rollups.get(i as usize))
    }

    /// Every area with its counts, in the engine's area order.
    pub fn rollups(&self) -> impl Iterator<Item = (AreaCode, &Rollup)> + '_ {
        self.areas.codes.iter().copied().zip(self.rollups.iter())
    }

    /// Counts summed over the top-level areas (provinces), i.e. the whole registry.
    pub fn total(&self) -> Rollup {
        let mut total = Rollup::default();
        for (i, r) in self.rollups.iter().enumerate() {
            if self.areas.parent[i] == NO_PARENT {
                total.add(r);
            }
        }
        total
    }

    /// The parameters used for `area` (with provenance).
    pub fn params_for(&self, area: &AreaCode) -> Option<&EffectiveParams> {
        let i = self.areas.get(area)? as usize;
        Some(&self.params[usize::from(self.area_params[i])])
    }

    /// The pack the evaluation used.
    pub fn pack(&self) -> &PolicyPack {
        &self.pack
    }

    /// Bytes of the per-household results and rollups.
    pub fn heap_bytes(&self) -> usize {
        self.results.capacity() * std::mem::size_of::<Assessment>()
            + self.rollups.capacity() * std::mem::size_of::<Rollup>()
    }
}

#[cfg(test)]
mod tests;
