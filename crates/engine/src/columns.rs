//! The registry in memory, column by column, with small integer types.
//!
//! One slot per household (struct of arrays), members in one shared array addressed by `(start, len)`.
//! A household that is updated keeps its slot; its members are rewritten in place when they fit, or
//! appended otherwise. Removed households keep their slot, marked dead. Per household about 80 bytes plus
//! 5 per member; see [`Columns::heap_bytes`].

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::{Datelike, NaiveDate};
use jingzhun_core::{Household, HouseholdId};
use jingzhun_core::{
    HousingGrade, IncomeComponent, MonitoringKind, SafeHousingAlternative, SocialAssistance,
    StatusEvent, StatusEventKind, Yuan,
};
use jingzhun_policy::{
    DepartmentFacts, FactsSource, HouseholdFacts, HousingFacts, MemberFacts, OwnedFacts,
    RegistryState, StatusFacts, WaterFacts,
};

pub(crate) const NO_DAY: i32 = i32::MIN;
pub(crate) const NO_U16: u16 = u16::MAX;

pub(crate) mod hflag {
    pub const FOOD_CLOTHING: u8 = 1 << 0;
    pub const DRY_AREA: u8 = 1 << 1;
    pub const QUALITY_KNOWN: u8 = 1 << 2;
    pub const QUALITY_OK: u8 = 1 << 3;
    pub const INCOME_KNOWN: u8 = 1 << 4;
    pub const ALIVE: u8 = 1 << 5;
    pub const HAS_DEPARTMENT: u8 = 1 << 6;
}

pub(crate) mod rflag {
    pub const EVER_REGISTERED: u8 = 1 << 0;
    pub const RISK_ELIMINATED: u8 = 1 << 1;
    pub const RELOCATED: u8 = 1 << 2;
}

pub(crate) fn day(d: NaiveDate) -> i32 {
    d.num_days_from_ce()
}

pub(crate) fn from_day(d: i32) -> Option<NaiveDate> {
    if d == NO_DAY {
        None
    } else {
        NaiveDate::from_num_days_from_ce_opt(d)
    }
}

fn opt16(v: Option<u16>) -> u16 {
    v.map(|v| v.min(NO_U16 - 1)).unwrap_or(NO_U16)
}

fn un16(v: u16) -> Option<u16> {
    (v != NO_U16).then_some(v)
}

/// A fast hasher for household ids (integers chosen by the database, not by an attacker): a multiply and
/// a fold instead of SipHash, which made loading 10 million households several times slower.
#[derive(Debug, Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7C_C1_B7_27_22_0A_95);
        }
    }

    fn write_i64(&mut self, i: i64) {
        let x = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.0 = x ^ (x >> 29);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type IdMap<V> = HashMap<HouseholdId, V, BuildHasherDefault<IdHasher>>;
type SlotMap<V> = HashMap<u32, V, BuildHasherDefault<IdHasher>>;

/// One household in compact form: what a slot holds. Built from a core [`Household`] or generated directly
/// (benchmarks).
#[derive(Debug, Clone, PartialEq)]
pub struct CompactHousehold {
    pub id: HouseholdId,
    pub area: u32,
    pub members: Vec<MemberFacts>,
    /// Income components in fen, clamped to ±21 million yuan.
    pub income: Option<[i32; IncomeComponent::COUNT]>,
    pub food_clothing: bool,
    pub housing: HousingFacts,
    pub water: WaterFacts,
    pub status: StatusFacts,
    pub department: DepartmentFacts,
    /// Registry facts that are counted but not judged by the rules.
    pub registry: RegistryFacts,
}

/// What the summary counts besides the rules' inputs: registry history, relocation and social assistance.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RegistryFacts {
    /// Registered as poor at any time up to the evaluation date (建档立卡, including those since exited).
    pub ever_registered: bool,
    /// A risk elimination has taken effect up to the evaluation date.
    pub risk_eliminated: bool,
    /// Relocated (易地扶贫搬迁) in or before the evaluated year.
    pub relocated: bool,
    /// Members receiving 低保 and 特困 support.
    pub dibao_members: u8,
    pub tekun_members: u8,
}

impl RegistryFacts {
    pub fn of(household: &Household, events: &[StatusEvent], year: u16, as_of: NaiveDate) -> Self {
        let happened = |kind: StatusEventKind| {
            events
                .iter()
                .any(|e| e.kind == kind && e.effective <= as_of)
        };
        let count = |a: SocialAssistance| {
            household
                .members
                .iter()
                .filter(|m| m.social_assistance == a && jingzhun_policy::facts::member_on(m, as_of))
                .count()
                .min(255) as u8
        };
        RegistryFacts {
            ever_registered: happened(StatusEventKind::Registered),
            risk_eliminated: happened(StatusEventKind::RiskEliminated),
            relocated: jingzhun_policy::facts::relocated_by(household, year),
            dibao_members: count(SocialAssistance::Dibao),
            tekun_members: count(SocialAssistance::Tekun),
        }
    }
}

impl CompactHousehold {
    /// Compact facts of `src` for `year` as of `as_of`, built by the one facts builder
    /// ([`OwnedFacts::build`]).
    pub fn of(
        id: HouseholdId,
        area: u32,
        src: FactsSource<'_>,
        year: u16,
        as_of: NaiveDate,
    ) -> Self {
        let clamp = |y: Yuan| y.fen().clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32;
        let f = OwnedFacts::build(src, year, as_of);
        CompactHousehold {
            id,
            area,
            members: f.members,
            income: f.income.map(|r| r.map(clamp)),
            food_clothing: f.food_clothing_secured,
            housing: f.housing,
            water: f.water,
            status: f.status,
            department: f.department,
            registry: RegistryFacts::of(src.household, src.events, year, as_of),
        }
    }
}

/// The household and member columns.
#[derive(Debug, Default, Clone)]
pub struct Columns {
    pub(crate) ids: Vec<HouseholdId>,
    pub(crate) area: Vec<u32>,
    pub(crate) member_start: Vec<u32>,
    pub(crate) member_len: Vec<u8>,
    /// Members a slot may reuse in place (its longest member list so far).
    pub(crate) member_cap: Vec<u8>,
    pub(crate) income: Vec<[i32; IncomeComponent::COUNT]>,
    pub(crate) flags: Vec<u8>,
    /// Bits 0–2: grade (0 none, 1 + index); bits 3–5: safe alternative (0 none, 1 + index); bit 6: relocated.
    pub(crate) housing: Vec<u8>,
    /// Litres per person-day, fetch minutes, outage days; `u16::MAX` when not recorded.
    pub(crate) water: Vec<[u16; 3]>,
    /// Bits 0–1: registry state; bits 2–3: monitoring kind (0 none, 1 + index).
    pub(crate) status: Vec<u8>,
    pub(crate) registry_since: Vec<i32>,
    pub(crate) monitored_since: Vec<i32>,
    /// Bits of [`rflag`], then the 低保 and 特困 member counts.
    pub(crate) registry_facts: Vec<[u8; 3]>,
    pub(crate) members: Vec<MemberFacts>,
    /// Department data and assistance measures, for the few households that have any.
    pub(crate) department: SlotMap<DepartmentFacts>,
    pub(crate) slot_of: IdMap<u32>,
}

impl Columns {
    pub fn with_capacity(households: usize, members: usize) -> Self {
        Columns {
            ids: Vec::with_capacity(households),
            area: Vec::with_capacity(households),
            member_start: Vec::with_capacity(households),
            member_len: Vec::with_capacity(households),
            member_cap: Vec::with_capacity(households),
            income: Vec::with_capacity(households),
            flags: Vec::with_capacity(households),
            housing: Vec::with_capacity(households),
            water: Vec::with_capacity(households),
            status: Vec::with_capacity(households),
            registry_since: Vec::with_capacity(households),
            monitored_since: Vec::with_capacity(households),
            registry_facts: Vec::with_capacity(households),
            members: Vec::with_capacity(members),
            department: SlotMap::default(),
            slot_of: IdMap::with_capacity_and_hasher(households, Default::default()),
        }
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    pub fn alive(&self, slot: usize) -> bool {
        self.flags[slot] & hflag::ALIVE != 0
    }

    /// Appends a household in a new slot, or rewrites the slot it already has. Returns the slot.
    pub fn put(&mut self, h: &CompactHousehold) -> usize {
        let n_members = h.members.len().min(usize::from(u8::MAX));
        let members = &h.members[..n_members];
        let slot = match self.slot_of.get(&h.id) {
            Some(&s) => s as usize,
            None => {
                let s = self.ids.len();
                self.ids.push(h.id);
                self.area.push(0);
                self.member_start.push(self.members.len() as u32);
                self.member_len.push(0);
                self.member_cap.push(0);
                self.income.push([0; IncomeComponent::COUNT]);
                self.flags.push(0);
                self.housing.push(0);
                self.water.push([NO_U16; 3]);
                self.status.push(0);
                self.registry_since.push(NO_DAY);
                self.monitored_since.push(NO_DAY);
                self.registry_facts.push([0; 3]);
                self.slot_of.insert(h.id, s as u32);
                s
            }
        };
        if n_members as u8 <= self.member_cap[slot] {
            let start = self.member_start[slot] as usize;
            self.members[start..start + n_members].copy_from_slice(members);
        } else {
            self.member_start[slot] = self.members.len() as u32;
            self.members.extend_from_slice(members);
            self.member_cap[slot] = n_members as u8;
        }
        self.member_len[slot] = n_members as u8;
        self.area[slot] = h.area;
        self.income[slot] = h.income.unwrap_or([0; IncomeComponent::COUNT]);
        let w = h.water;
        let mut flags = hflag::ALIVE;
        let mut set = |cond: bool, f: u8| {
            if cond {
                flags |= f
            }
        };
        set(h.food_clothing, hflag::FOOD_CLOTHING);
        set(w.dry_area, hflag::DRY_AREA);
        set(w.quality_ok.is_some(), hflag::QUALITY_KNOWN);
        set(w.quality_ok == Some(true), hflag::QUALITY_OK);
        set(h.income.is_some(), hflag::INCOME_KNOWN);
        set(h.department != DepartmentFacts::NONE, hflag::HAS_DEPARTMENT);
        self.flags[slot] = flags;
        if h.department == DepartmentFacts::NONE {
            self.department.remove(&(slot as u32));
        } else {
            self.department.insert(slot as u32, h.department);
        }
        let hs = h.housing;
        self.housing[slot] = hs.grade.map(|g| g.index() + 1).unwrap_or(0)
            | (hs.alternative.map(|a| a.index() + 1).unwrap_or(0) << 3)
            | (u8::from(hs.relocated) << 6);
        self.water[slot] = [
            opt16(w.litres_per_person_day),
            opt16(w.fetch_minutes),
            opt16(w.outage_days_per_year),
        ];
        let st = h.status;
        let registry = match st.registry {
            RegistryState::NotRegistered => 0,
            RegistryState::Poor => 1,
            RegistryState::Exited => 2,
            RegistryState::Removed => 3,
        };
        self.status[slot] = registry | (st.monitoring.map(|k| k.index() + 1).unwrap_or(0) << 2);
        self.registry_since[slot] = st.registry_since.map(day).unwrap_or(NO_DAY);
        self.monitored_since[slot] = st.monitored_since.map(day).unwrap_or(NO_DAY);
        let r = h.registry;
        let bit = |on: bool, f: u8| if on { f } else { 0 };
        let bits = bit(r.ever_registered, rflag::EVER_REGISTERED)
            | bit(r.risk_eliminated, rflag::RISK_ELIMINATED)
            | bit(r.relocated, rflag::RELOCATED);
        self.registry_facts[slot] = [bits, r.dibao_members, r.tekun_members];
        slot
    }

    pub(crate) fn registry_facts(&self, slot: usize) -> RegistryFacts {
        let [bits, dibao_members, tekun_members] = self.registry_facts[slot];
        RegistryFacts {
            ever_registered: bits & rflag::EVER_REGISTERED != 0,
            risk_eliminated: bits & rflag::RISK_ELIMINATED != 0,
            relocated: bits & rflag::RELOCATED != 0,
            dibao_members,
            tekun_members,
        }
    }

    /// Marks a household removed from the registry held in memory; returns its slot.
    pub(crate) fn remove(&mut self, id: HouseholdId) -> Option<usize> {
        let slot = *self.slot_of.get(&id)? as usize;
        if !self.alive(slot) {
            return None;
        }
        self.flags[slot] &= !hflag::ALIVE;
        Some(slot)
    }

    pub(crate) fn members_of(&self, slot: usize) -> &[MemberFacts] {
        let start = self.member_start[slot] as usize;
        &self.members[start..start + usize::from(self.member_len[slot])]
    }

    pub(crate) fn registry(&self, slot: usize) -> RegistryState {
        match self.status[slot] & 3 {
            0 => RegistryState::NotRegistered,
            1 => RegistryState::Poor,
            2 => RegistryState::Exited,
            _ => RegistryState::Removed,
        }
    }

    pub(crate) fn monitoring(&self, slot: usize) -> Option<MonitoringKind> {
        match (self.status[slot] >> 2) & 3 {
            0 => None,
            k => MonitoringKind::from_index(k - 1),
        }
    }

    /// The year of the registry event (for "exited in the year").
    pub(crate) fn registry_year(&self, slot: usize) -> Option<i32> {
        from_day(self.registry_since[slot]).map(|d| d.year())
    }

    /// The facts the rules read, for `slot`.
    pub(crate) fn facts(&self, slot: usize, year: u16, as_of: NaiveDate) -> HouseholdFacts<'_> {
        let flags = self.flags[slot];
        let income = (flags & hflag::INCOME_KNOWN != 0)
            .then(|| self.income[slot].map(|f| Yuan::from_fen(i64::from(f))));
        let hs = self.housing[slot];
        let w = self.water[slot];
        HouseholdFacts {
            year,
            as_of,
            members: self.members_of(slot),
            income,
            food_clothing_secured: flags & hflag::FOOD_CLOTHING != 0,
            housing: HousingFacts {
                grade: match hs & 7 {
                    0 => None,
                    g => HousingGrade::from_index(g - 1),
                },
                alternative: match (hs >> 3) & 7 {
                    0 => None,
                    a => SafeHousingAlternative::from_index(a - 1),
                },
                relocated: hs & (1 << 6) != 0,
            },
            water: WaterFacts {
                litres_per_person_day: un16(w[0]),
                fetch_minutes: un16(w[1]),
                outage_days_per_year: un16(w[2]),
                quality_ok: (flags & hflag::QUALITY_KNOWN != 0)
                    .then_some(flags & hflag::QUALITY_OK != 0),
                dry_area: flags & hflag::DRY_AREA != 0,
            },
            status: StatusFacts {
                registry: self.registry(slot),
                registry_since: from_day(self.registry_since[slot]),
                monitoring: self.monitoring(slot),
                monitored_since: from_day(self.monitored_since[slot]),
            },
            department: if flags & hflag::HAS_DEPARTMENT != 0 {
                self.department
                    .get(&(slot as u32))
                    .copied()
                    .unwrap_or(DepartmentFacts::NONE)
            } else {
                DepartmentFacts::NONE
            },
        }
    }

    /// Bytes the columns hold on the heap, from the vectors' capacities (hash maps estimated from their
    /// capacity and entry size, plus one control byte per bucket).
    pub fn heap_bytes(&self) -> usize {
        use std::mem::size_of;
        fn v<T>(x: &Vec<T>) -> usize {
            x.capacity() * size_of::<T>()
        }
        fn m<K, V, S>(x: &HashMap<K, V, S>) -> usize {
            // hashbrown keeps capacity * 8 / 7 buckets, each with the entry and one control byte.
            let buckets = (x.capacity() * 8 / 7).next_power_of_two();
            buckets * (size_of::<(K, V)>() + 1)
        }
        v(&self.ids)
            + v(&self.area)
            + v(&self.member_start)
            + v(&self.member_len)
            + v(&self.member_cap)
            + v(&self.income)
            + v(&self.flags)
            + v(&self.housing)
            + v(&self.water)
            + v(&self.status)
            + v(&self.registry_since)
            + v(&self.monitored_since)
            + v(&self.registry_facts)
            + v(&self.members)
            + m(&self.department)
            + m(&self.slot_of)
    }

    /// Appends the households of `other` (built separately, e.g. in parallel), whose area indices are
    /// translated through `area_map`. Ids already present are not checked for: the caller guarantees
    /// that the two sets are disjoint.
    pub fn append(&mut self, other: Columns, area_map: &[u32]) {
        let slot0 = self.ids.len() as u32;
        let member0 = self.members.len() as u32;
        self.ids.extend_from_slice(&other.ids);
        self.area
            .extend(other.area.iter().map(|a| area_map[*a as usize]));
        self.member_start
            .extend(other.member_start.iter().map(|s| s + member0));
        self.member_len.extend_from_slice(&other.member_len);
        self.member_cap.extend_from_slice(&other.member_cap);
        self.income.extend_from_slice(&other.income);
        self.flags.extend_from_slice(&other.flags);
        self.housing.extend_from_slice(&other.housing);
        self.water.extend_from_slice(&other.water);
        self.status.extend_from_slice(&other.status);
        self.registry_since.extend_from_slice(&other.registry_since);
        self.monitored_since
            .extend_from_slice(&other.monitored_since);
        self.registry_facts.extend_from_slice(&other.registry_facts);
        self.members.extend_from_slice(&other.members);
        for (slot, d) in other.department {
            self.department.insert(slot + slot0, d);
        }
        self.slot_of.reserve(other.ids.len());
        for (i, id) in other.ids.iter().enumerate() {
            self.slot_of.insert(*id, slot0 + i as u32);
        }
    }

    /// The household in `slot` back in compact form (for exports).
    pub fn compact(&self, slot: usize, year: u16, as_of: NaiveDate) -> CompactHousehold {
        let f = self.facts(slot, year, as_of);
        CompactHousehold {
            id: self.ids[slot],
            area: self.area[slot],
            members: f.members.to_vec(),
            income: (self.flags[slot] & hflag::INCOME_KNOWN != 0).then_some(self.income[slot]),
            food_clothing: f.food_clothing_secured,
            housing: f.housing,
            water: f.water,
            status: f.status,
            department: f.department,
            registry: self.registry_facts(slot),
        }
    }

    /// Length of the shared member array (including members of removed households and rewritten slots).
    pub fn stored_members(&self) -> usize {
        self.members.len()
    }

    /// Members of live households.
    pub fn member_count(&self) -> usize {
        (0..self.len())
            .filter(|s| self.alive(*s))
            .map(|s| usize::from(self.member_len[s]))
            .sum()
    }
}
