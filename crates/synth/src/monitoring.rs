//! The monitoring years' records of one village, derived from its generated households and their status
//! events: assisting cadres and their pairing with households, cases of the monitoring workflow with their
//! steps, assistance measures and visits (domain.md §1 and §6).
//!
//! The records are drawn from the village's own random stream (seed + village code + [`STREAM_MONITORING`]),
//! after the households: generating them never changes a household, and a village's records do not depend
//! on which other villages are generated, in which order or on which thread.
//!
//! Household and cadre ids are the store's business (ids are assigned at load), so the records come with
//! **local ids**: `HouseholdId(i + 1)` stands for the village's `i`-th household (its number is
//! [`VillageMonitoring::households`]`[i]`) and `CadreId(k + 1)` for the village's `k`-th cadre.
//! [`VillageMonitoring::resolve`] rewrites them into the ids the store gave.
//!
//! What is generated, and the assumptions behind it:
//! - **Cadres** (帮扶干部), scaled from Bazhong's assistance force (62,900 assisting cadres, 2,112 first
//!   secretaries, 2,000+ village work teams): three village cadres for every village; for a registered poor
//!   village three successive first secretaries with a work team of two each (three two-year terms,
//!   2015–2021: 699 poor villages × 3 ≈ 2,100 first secretaries and teams); and one 帮扶责任人 from a
//!   county, city or township unit for about every [`HOUSEHOLDS_PER_CADRE`] paired households (≈ 55,000
//!   over Bazhong's ≈ 183,000 registered-poor and monitored households). Every cadre serves the village.
//! - **Pairings** (结对帮扶): every registered poor household from shortly after its registration until one
//!   to three years after its exit, or on past the data's end (帮扶 continued in the transition period);
//!   every monitored household from its identification until about a year after its risk was eliminated.
//! - **Cases**: for every 纳入监测 event an identification case decided by the county on the event's date,
//!   its lead 4–15 days earlier (the 15-day time limit of the policy pack) and about 6% of them late
//!   (16–25 days); for every 风险消除 event an elimination case decided on its date. Channels (assumption,
//!   the published statistics give no split): cadre checks (基层干部排查) 55%, department alerts (部门筛查预警)
//!   30%, self-application (农户自主申报) 15%; elimination cases are started by cadre checks (90%) or the
//!   household (10%). Besides, about one lead for every three identifications is rejected on the way
//!   (mostly at the village or township review), and at the data's end ([`crate::SynthConfig::data_end`])
//!   some cases are still open at various steps — about one for every twelve identifications of the
//!   village plus one in ten monitored households with an elimination under way —, about 15% of them past
//!   their time limit. A decision of the household's story due after the data end
//!   ([`crate::GeneratedHousehold::pending`]) is a case open at the step it had reached by then (most
//!   within their time limit); nothing of it is recorded after the data end.
//! - **Measures** (帮扶措施): every monitored household gets a measure for its first risk type (illness →
//!   medical aid, unstable employment → a public-welfare post or employment aid, schooling → education aid,
//!   …), running until the elimination, often one for its second and sometimes an employment or
//!   industry measure, started after the identification (one-off payments end the day they start); registered poor households got two to four measures
//!   during 2014–2020 (industry, employment, microcredit, education, housing renovation, relocation
//!   follow-up, medical aid, social assistance). Amounts are plausible orders of magnitude, not calibrated.
//! - **Visits** (走访): by the paired cadre, one a year while poor, about every other year of 2021–2025 while
//!   still paired after the exit (回访), quarterly while monitored; a lead-verification visit on each case's visit step and an
//!   elimination check on each elimination case's visit step; a follow-up of some monitoring measures.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use jingzhun_core::monitoring::{
    Assignment, Cadre, CadreId, CadrePost, CaseId, CaseKind, CaseRecord, CaseStep, Measure,
    Outcome, Step, Visit, VisitPurpose,
};
use jingzhun_core::{
    AreaCode, AssistanceType, Channel, Health, HouseholdId, HouseholdNo, LabourAbility,
    MonitoringKind, PersonName, Phone, PoorAttribute, RiskType, SchoolingStatus, Sex,
    StatusEventKind, Yuan,
};

use crate::names;
use crate::plan::{CountyPlan, VillagePlan};
use crate::rng::{self, SynthRng};
use crate::{GeneratedHousehold, GeneratedVillage, SynthError};

/// The monitoring stream's tag (far from the small stream numbers of `rng`, so that a new stream there
/// cannot collide with it).
pub const STREAM_MONITORING: u64 = 0x4d4f_4e49; // "MONI"

/// Paired households per 帮扶责任人: 62,900 assisting cadres (first secretaries, work-team members and
/// 帮扶责任人, not village cadres) for about 183,000 registered-poor and monitored households. Calibrated
/// through the report's `assisting_cadres` on the full demo (seed 2014): 3.43 gave 62,900 while the data
/// ended in 2025 and 61,005 (−3.0%) once it ran to 2026 with fewer households paired; 3.32 now.
pub const HOUSEHOLDS_PER_CADRE: f64 = 3.32;

/// The policy pack's time limit for an identification (days from lead to decision).
pub const IDENTIFICATION_DAYS_LIMIT: i64 = 15;

/// Channel mix of identification leads (assumption; see the module docs).
pub const CHANNEL_MIX: [(Channel, f64); 3] = [
    (Channel::CadreCheck, 0.55),
    (Channel::DepartmentAlert, 0.30),
    (Channel::SelfApplication, 0.15),
];

/// Rejected leads per identification.
const REJECTED_PER_IDENTIFICATION: f64 = 0.35;
/// Open identification leads at the data's end per identification of the village.
const OPEN_PER_IDENTIFICATION: f64 = 0.08;
/// Share of monitored households (still monitored at the end) with an elimination case under way.
const OPEN_ELIMINATION_SHARE: f64 = 0.1;
/// Share of decided identifications that took longer than the time limit.
const LATE_SHARE: f64 = 0.06;
/// Share of open cases past their time limit at the data's end.
const OVERDUE_OPEN_SHARE: f64 = 0.15;

/// Records of one village with local ids (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageMonitoring {
    pub village: AreaCode,
    /// The number of the household that local id `HouseholdId(i + 1)` stands for.
    pub households: Vec<HouseholdNo>,
    pub records: MonitoringRecords,
}

/// Monitoring records, in the shape of the store's bulk load (cadres first: the other rows refer to them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MonitoringRecords {
    pub cadres: Vec<Cadre>,
    pub assignments: Vec<Assignment>,
    /// Each household's cases numbered from 1 in the order of their leads.
    pub cases: Vec<CaseRecord>,
    pub measures: Vec<Measure>,
    pub visits: Vec<Visit>,
}

impl MonitoringRecords {
    /// All rows, counting each case step as one.
    pub fn rows(&self) -> usize {
        self.cadres.len()
            + self.assignments.len()
            + self.cases.iter().map(|c| 1 + c.steps.len()).sum::<usize>()
            + self.measures.len()
            + self.visits.len()
    }

    /// Appends `other` (already resolved to store ids).
    pub fn extend(&mut self, other: MonitoringRecords) {
        self.cadres.extend(other.cadres);
        self.assignments.extend(other.assignments);
        self.cases.extend(other.cases);
        self.measures.extend(other.measures);
        self.visits.extend(other.visits);
    }
}

/// A household number the caller could not map to a stored household.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("户编号「{0}」没有对应的已入库农户, 不能写入其监测帮扶记录")]
pub struct UnresolvedHousehold(pub HouseholdNo);

impl VillageMonitoring {
    /// The number of the household that the local id `local` stands for.
    fn number(&self, local: HouseholdId) -> Option<&HouseholdNo> {
        usize::try_from(local.0 - 1)
            .ok()
            .and_then(|i| self.households.get(i))
    }

    /// The dates (started, ended) of the village's assistance measures with their households' numbers, in
    /// the order [`VillageMonitoring::resolve`] gives the measures (the order they are written in).
    pub fn measure_dates(&self) -> Vec<(HouseholdNo, NaiveDate, Option<NaiveDate>)> {
        self.records
            .measures
            .iter()
            .filter_map(|m| Some((self.number(m.household)?.clone(), m.started, m.ended)))
            .collect()
    }

    /// The records with store ids: `id_of` maps a household number to its stored id, and the village's
    /// cadres take the ids `first_cadre`, `first_cadre + 1`, … (as many as [`MonitoringRecords::cadres`]).
    pub fn resolve(
        &self,
        id_of: impl Fn(&HouseholdNo) -> Option<HouseholdId>,
        first_cadre: CadreId,
    ) -> Result<MonitoringRecords, UnresolvedHousehold> {
        // Only referenced households are looked up.
        let mut ids: HashMap<i64, HouseholdId> = HashMap::new();
        let mut household = |local: HouseholdId| -> Result<HouseholdId, UnresolvedHousehold> {
            if let Some(id) = ids.get(&local.0) {
                return Ok(*id);
            }
            let no = self
                .number(local)
                .ok_or_else(|| UnresolvedHousehold(self.households[0].clone()))?;
            let id = id_of(no).ok_or_else(|| UnresolvedHousehold(no.clone()))?;
            ids.insert(local.0, id);
            Ok(id)
        };
        let cadre = |local: CadreId| CadreId(first_cadre.0 + local.0 - 1);
        let case_id = |local: CaseId, h: HouseholdId| {
            // Numbers are kept and the household id is positive, so this cannot fail.
            CaseId::new(h, local.number()).unwrap_or(local)
        };
        let r = &self.records;
        let mut out = MonitoringRecords {
            cadres: r
                .cadres
                .iter()
                .map(|c| Cadre {
                    id: cadre(c.id),
                    ..c.clone()
                })
                .collect(),
            ..MonitoringRecords::default()
        };
        for a in &r.assignments {
            out.assignments.push(Assignment {
                cadre: cadre(a.cadre),
                household: household(a.household)?,
                ..a.clone()
            });
        }
        for c in &r.cases {
            let h = household(c.household())?;
            out.cases.push(CaseRecord {
                id: case_id(c.id, h),
                ..c.clone()
            });
        }
        for m in &r.measures {
            let h = household(m.household)?;
            out.measures.push(Measure {
                household: h,
                case: m.case.map(|c| case_id(c, h)),
                cadre: m.cadre.map(cadre),
                ..m.clone()
            });
        }
        for v in &r.visits {
            out.visits.push(Visit {
                household: household(v.household)?,
                cadre: v.cadre.map(cadre),
                ..v.clone()
            });
        }
        Ok(out)
    }
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

/// A moment of office hours (09:00–17:00 China time) on `date`, `minutes` after nine.
fn office(date: NaiveDate, minutes: i64) -> DateTime<Utc> {
    // 09:00 in China is 01:00 UTC on the same date.
    let t = NaiveTime::from_hms_opt(1, 0, 0).unwrap_or_default();
    date.and_time(t).and_utc() + Duration::minutes(minutes.clamp(0, 479))
}

/// The China date of a moment.
pub fn china_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(8)).date_naive()
}

fn day_between(rng: &mut SynthRng, a: NaiveDate, b: NaiveDate) -> NaiveDate {
    let span = (b - a).num_days().max(0);
    a + Duration::days(rng::int(rng, 0, span))
}

fn yuan(rng: &mut SynthRng, lo: i64, hi: i64, step: i64) -> Option<Yuan> {
    let v = rng::int(rng, lo / step, hi / step) * step;
    Some(Yuan::from_yuan(v))
}

/// What the records are derived from, per household.
struct Facts {
    /// Registered poor from .. exited on (the first registration and the exit after it).
    poor: Option<(NaiveDate, Option<NaiveDate>)>,
    /// Monitored on, kind, risk types, risk eliminated on.
    monitored: Option<Monitored>,
    relocated: Option<u16>,
    relocation_site: String,
    /// Decisions due after the data end: the identification (kind, risk types, date) and the risk's
    /// elimination, whose cases are open at the data end.
    pending_identification: Option<Monitored>,
    pending_elimination: Option<NaiveDate>,
    ill: bool,
    disabled: bool,
    student: bool,
    can_work: bool,
    attribute: Option<PoorAttribute>,
}

#[derive(Clone)]
struct Monitored {
    on: NaiveDate,
    kind: MonitoringKind,
    risks: Vec<RiskType>,
    eliminated: Option<NaiveDate>,
    returned: bool,
}

fn facts(g: &GeneratedHousehold) -> Facts {
    let mut registered = None;
    let mut exited = None;
    let mut monitored: Option<Monitored> = None;
    for e in &g.events {
        match e.kind {
            StatusEventKind::Registered if registered.is_none() => registered = Some(e.effective),
            StatusEventKind::Exited if registered.is_some() && exited.is_none() => {
                exited = Some(e.effective)
            }
            StatusEventKind::Monitored if monitored.is_none() => {
                monitored = Some(Monitored {
                    on: e.effective,
                    kind: e.monitoring_kind.unwrap_or(MonitoringKind::Marginal),
                    risks: e.risk_types.clone(),
                    eliminated: None,
                    returned: false,
                })
            }
            StatusEventKind::RiskEliminated => {
                if let Some(m) = monitored.as_mut().filter(|m| m.eliminated.is_none()) {
                    m.eliminated = Some(e.effective);
                }
            }
            StatusEventKind::Returned => {
                if let Some(m) = monitored.as_mut() {
                    m.returned = true;
                }
            }
            _ => {}
        }
    }
    let mut pending_identification = None;
    let mut pending_elimination = None;
    for e in &g.pending {
        match e.kind {
            StatusEventKind::Monitored
                if monitored.is_none() && pending_identification.is_none() =>
            {
                pending_identification = Some(Monitored {
                    on: e.effective,
                    kind: e.monitoring_kind.unwrap_or(MonitoringKind::Marginal),
                    risks: e.risk_types.clone(),
                    eliminated: None,
                    returned: false,
                })
            }
            StatusEventKind::RiskEliminated
                if monitored.as_ref().is_some_and(|m| m.eliminated.is_none())
                    && pending_elimination.is_none() =>
            {
                pending_elimination = Some(e.effective)
            }
            _ => {}
        }
    }
    let members = &g.household.members;
    Facts {
        poor: registered.map(|r| (r, exited)),
        monitored,
        pending_identification,
        pending_elimination,
        relocated: g.household.relocation.as_ref().map(|r| r.year),
        relocation_site: g
            .household
            .relocation
            .as_ref()
            .map(|r| r.site.clone())
            .unwrap_or_default(),
        ill: members
            .iter()
            .any(|m| matches!(m.health, Health::SeriousIllness | Health::Chronic)),
        disabled: members.iter().any(|m| m.health == Health::Disabled),
        student: members.iter().any(|m| {
            matches!(
                m.schooling,
                Some(
                    SchoolingStatus::Senior
                        | SchoolingStatus::SecondaryVocational
                        | SchoolingStatus::Higher
                )
            )
        }),
        can_work: members
            .iter()
            .any(|m| m.labour.is_some_and(LabourAbility::can_work)),
        attribute: g.household.attribute,
    }
}

/// Everything being built for one village.
struct Builder<'a> {
    rng: SynthRng,
    /// The data end: nothing is dated after it.
    end: NaiveDate,
    village: AreaCode,
    plan: &'a VillagePlan,
    county: &'a CountyPlan,
    records: MonitoringRecords,
    /// Cases by local household id, numbered at the end.
    cases: BTreeMap<i64, Vec<CaseRecord>>,
    /// Local cadre ids of the village cadres and of the 帮扶责任人.
    village_cadres: Vec<CadreId>,
    /// Pairings by local household id.
    paired: HashMap<i64, Vec<Assignment>>,
}

/// Generates the monitoring records of `village` (generated from `plan` in `county`).
pub(crate) fn generate(
    seed: u64,
    end: NaiveDate,
    plan: &VillagePlan,
    county: &CountyPlan,
    village: &GeneratedVillage,
) -> Result<VillageMonitoring, SynthError> {
    let facts: Vec<Facts> = village.households.iter().map(facts).collect();
    let mut b = Builder {
        rng: rng::stream(seed, plan.code.as_str(), STREAM_MONITORING),
        end,
        village: village.code,
        plan,
        county,
        records: MonitoringRecords::default(),
        cases: BTreeMap::new(),
        village_cadres: Vec::new(),
        paired: HashMap::new(),
    };
    b.cadres_and_pairings(&facts, village.poor_village)?;
    b.decided_cases(&facts);
    b.other_cases(&facts);
    b.number_cases();
    b.measures(&facts);
    b.visits(&facts);
    Ok(VillageMonitoring {
        village: village.code,
        households: village
            .households
            .iter()
            .map(|g| g.household.number.clone())
            .collect(),
        records: b.records,
    })
}

fn local(i: usize) -> HouseholdId {
    HouseholdId(i as i64 + 1)
}

/// Units that sent 帮扶责任人, by level; `{c}` is the county's name, `{t}` the township's.
const COUNTY_UNITS: [&str; 14] = [
    "农业农村局",
    "教育局",
    "卫生健康局",
    "人力资源和社会保障局",
    "民政局",
    "住房和城乡建设局",
    "交通运输局",
    "财政局",
    "水利局",
    "自然资源局",
    "乡村振兴局",
    "林业局",
    "市场监督管理局",
    "人民医院",
];
const CITY_UNITS: [&str; 6] = [
    "巴中市发展和改革委员会",
    "巴中市农业农村局",
    "巴中市财政局",
    "巴中市生态环境局",
    "巴中市中心医院",
    "巴中职业技术学院",
];
const TOWNSHIP_UNITS: [&str; 4] = ["人民政府", "中心小学", "卫生院", "农业服务中心"];

impl Builder<'_> {
    fn next_cadre_id(&self) -> CadreId {
        CadreId(self.records.cadres.len() as i64 + 1)
    }

    fn add_cadre(&mut self, unit: String, post: CadrePost) -> Result<CadreId, SynthError> {
        let id = self.next_cadre_id();
        let rng = &mut self.rng;
        let family = names::surname(rng);
        let sex = if rng::chance(rng, 0.7) {
            Sex::Male
        } else {
            Sex::Female
        };
        let born = rng::int(rng, 1962, 1996) as i32;
        let name = PersonName::parse(&names::full_name(rng, family, sex, born))
            .map_err(|_| SynthError::Internal("cadre name"))?;
        let second = rng::weighted(rng, &[('3', 0.45), ('5', 0.25), ('8', 0.3)]);
        let phone = Phone::parse(&format!("1{second}{:09}", rng::int(rng, 0, 999_999_999))).ok();
        self.records.cadres.push(Cadre {
            id,
            name,
            phone,
            unit,
            post,
            area: self.village,
        });
        Ok(id)
    }

    fn cadres_and_pairings(
        &mut self,
        facts: &[Facts],
        poor_village: bool,
    ) -> Result<(), SynthError> {
        let village_unit = format!("{}村民委员会", self.plan.name);
        for _ in 0..3 {
            let id = self.add_cadre(village_unit.clone(), CadrePost::VillageCadre)?;
            self.village_cadres.push(id);
        }
        if poor_village {
            // Three two-year terms (2015–2021), each a first secretary and a work team of two from one unit.
            for _ in 0..3 {
                let unit = self.unit();
                self.add_cadre(unit.clone(), CadrePost::FirstSecretary)?;
                for _ in 0..2 {
                    self.add_cadre(unit.clone(), CadrePost::WorkTeamMember)?;
                }
            }
        }
        // Households to pair: (local id, from, to).
        let end = self.end;
        let mut pairs: Vec<(usize, NaiveDate, Option<NaiveDate>)> = Vec::new();
        for (i, f) in facts.iter().enumerate() {
            let rng = &mut self.rng;
            let mut poor_to = None;
            if let Some((registered, exited)) = f.poor {
                // Pairing started in 2014 for the initial stock, within weeks of a later registration.
                let from = if registered.year() <= 2013 {
                    day_between(rng, ymd(2014, 3, 1), ymd(2014, 9, 30))
                } else {
                    registered + Duration::days(rng::int(rng, 7, 60))
                };
                let to = exited.and_then(|x| {
                    let years = rng::weighted(rng, &[(1, 0.3), (2, 0.3), (3, 0.2), (9, 0.2)]);
                    Some(x + Duration::days(365 * years)).filter(|t| *t < end)
                });
                pairs.push((i, from, to));
                poor_to = Some(to);
            }
            if let Some(m) = &f.monitored {
                // A poor household still paired keeps its cadre; others are paired at identification.
                let covered = poor_to.is_some_and(|to| to.is_none_or(|t| t >= m.on));
                if !covered {
                    let to = m.eliminated.and_then(|z| {
                        Some(z + Duration::days(rng::int(rng, 180, 400))).filter(|t| *t < end)
                    });
                    pairs.push((i, m.on, to));
                }
            }
        }
        let households = {
            let mut hs: Vec<usize> = pairs.iter().map(|p| p.0).collect();
            hs.dedup();
            hs.len()
        };
        if households == 0 {
            return Ok(());
        }
        let n = ((households as f64 / HOUSEHOLDS_PER_CADRE).round() as usize).max(1);
        let mut responsible = Vec::with_capacity(n);
        for _ in 0..n {
            let unit = self.unit();
            responsible.push(self.add_cadre(unit, CadrePost::ResponsiblePerson)?);
        }
        // Each household to one cadre (a re-pairing at identification keeps it).
        let mut cadre_of: HashMap<usize, CadreId> = HashMap::new();
        let mut next = rng::int(&mut self.rng, 0, n as i64 - 1) as usize;
        for (i, from, to) in pairs {
            let cadre = *cadre_of.entry(i).or_insert_with(|| {
                next = (next + 1) % n;
                responsible[next]
            });
            let a = Assignment {
                cadre,
                household: local(i),
                from,
                to,
            };
            self.paired.entry(local(i).0).or_default().push(a.clone());
            self.records.assignments.push(a);
        }
        Ok(())
    }

    /// A unit that sends cadres: county bureaus most often, then township units, then city units.
    fn unit(&mut self) -> String {
        let rng = &mut self.rng;
        match rng::weighted(rng, &[(0u8, 0.65), (1, 0.25), (2, 0.1)]) {
            0 => format!(
                "{}{}",
                self.county.name,
                COUNTY_UNITS[rng::int(rng, 0, COUNTY_UNITS.len() as i64 - 1) as usize]
            ),
            1 => format!(
                "{}{}",
                self.plan.township_name,
                TOWNSHIP_UNITS[rng::int(rng, 0, TOWNSHIP_UNITS.len() as i64 - 1) as usize]
            ),
            _ => CITY_UNITS[rng::int(rng, 0, CITY_UNITS.len() as i64 - 1) as usize].to_owned(),
        }
    }

    /// The cadre paired with a household on `date`, if any.
    fn cadre_on(&self, household: HouseholdId, date: NaiveDate) -> Option<CadreId> {
        self.paired
            .get(&household.0)?
            .iter()
            .find(|a| a.is_active_on(date))
            .map(|a| a.cadre)
    }

    fn village_cadre(&mut self) -> Option<CadreId> {
        let n = self.village_cadres.len();
        (n > 0).then(|| self.village_cadres[rng::int(&mut self.rng, 0, n as i64 - 1) as usize])
    }

    fn accounts(&self) -> [String; 3] {
        let v = self.village.as_str();
        let t = self
            .village
            .parent()
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default();
        let c = self
            .village
            .ancestor_at(jingzhun_core::AreaLevel::County)
            .map(|c| c.as_str().to_owned())
            .unwrap_or_default();
        [
            format!("village_{v}"),
            format!("township_{t}"),
            format!("county_{c}"),
        ]
    }

    /// Steps from a lead on `lead` through `last` (inclusive), spread over the days to `until`, the last
    /// one with `outcome` and every earlier one passed.
    fn steps(
        &mut self,
        lead: NaiveDate,
        until: NaiveDate,
        last: Step,
        outcome: Outcome,
        notes: &dyn Fn(Step, Outcome) -> String,
    ) -> Vec<CaseStep> {
        let n = usize::from(last.index()) + 1;
        let span = (until - lead).num_days().max(0);
        let rng = &mut self.rng;
        let mut times: Vec<(i64, i64)> = (0..n)
            .map(|k| {
                let day = if k == 0 {
                    0
                } else if k == n - 1 {
                    span
                } else {
                    rng::int(rng, 0, span)
                };
                (day, rng::int(rng, 0, 479))
            })
            .collect();
        times.sort_unstable();
        let [village, township, county] = self.accounts();
        Step::ALL[..n]
            .iter()
            .zip(times)
            .enumerate()
            .map(|(k, (step, (day, minute)))| {
                let o = if k == n - 1 { outcome } else { Outcome::Pass };
                CaseStep {
                    step: *step,
                    outcome: o,
                    by: match step {
                        Step::TownshipReview => township.clone(),
                        Step::CountyApproval => county.clone(),
                        _ => village.clone(),
                    },
                    at: office(lead + Duration::days(day), minute),
                    note: notes(*step, o),
                }
            })
            .collect()
    }

    fn push_case(&mut self, household: HouseholdId, case: CaseRecord) {
        self.cases.entry(household.0).or_default().push(case);
    }

    fn case(
        &self,
        household: HouseholdId,
        kind: CaseKind,
        channel: Channel,
        monitoring_kind: Option<MonitoringKind>,
        risk_types: Vec<RiskType>,
        steps: Vec<CaseStep>,
    ) -> CaseRecord {
        CaseRecord {
            // Numbered in `number_cases`.
            id: CaseId::new(household, 1).unwrap_or_else(|_| unreachable_case()),
            village: self.village,
            kind,
            channel,
            monitoring_kind,
            risk_types,
            steps,
        }
    }

    fn identification_channel(&mut self, m: MonitoringKind, risks: &[RiskType]) -> Channel {
        // Hospital bills reach the medical insurance bureau first: sudden illness is mostly an alert.
        if m == MonitoringKind::SuddenHardship && risks.first() == Some(&RiskType::Illness) {
            return rng::weighted(
                &mut self.rng,
                &[
                    (Channel::DepartmentAlert, 0.55),
                    (Channel::CadreCheck, 0.3),
                    (Channel::SelfApplication, 0.15),
                ],
            );
        }
        rng::weighted(&mut self.rng, &CHANNEL_MIX)
    }

    /// The steps of a case recorded by the data end: `None` when its lead came later. A case decided after
    /// the data end keeps the steps it had reached and is open at the next.
    fn by_end(&self, mut steps: Vec<CaseStep>) -> Option<Vec<CaseStep>> {
        steps.retain(|s| china_date(s.at) <= self.end);
        (!steps.is_empty()).then_some(steps)
    }

    /// The cases of the decisions (identifications and risk eliminations), and of the decisions due after
    /// the data end, open at the step they had reached.
    fn decided_cases(&mut self, facts: &[Facts]) {
        for (i, f) in facts.iter().enumerate() {
            let (m, decided) = match (&f.monitored, &f.pending_identification) {
                (Some(m), _) => (m, true),
                (None, Some(m)) => (m, false),
                (None, None) => continue,
            };
            let h = local(i);
            let channel = self.identification_channel(m.kind, &m.risks);
            let days = if rng::chance(&mut self.rng, LATE_SHARE) {
                rng::int(&mut self.rng, IDENTIFICATION_DAYS_LIMIT + 1, 25)
            } else {
                rng::int(&mut self.rng, 4, IDENTIFICATION_DAYS_LIMIT)
            };
            let lead = m.on - Duration::days(days);
            let steps = self.steps(lead, m.on, Step::CountyApproval, Outcome::Pass, &|s, _| {
                identification_note(s, channel)
            });
            let Some(steps) = self.by_end(steps) else {
                continue;
            };
            let case = self.case(
                h,
                CaseKind::Identification,
                channel,
                Some(m.kind),
                m.risks.clone(),
                steps,
            );
            self.push_case(h, case);
            let elimination = match m.eliminated {
                Some(z) => Some(z),
                None if decided => f.pending_elimination,
                None => None,
            };
            if let Some(z) = elimination {
                let channel = rng::weighted(
                    &mut self.rng,
                    &[(Channel::CadreCheck, 0.9), (Channel::SelfApplication, 0.1)],
                );
                let days = rng::int(&mut self.rng, 5, 20);
                let steps = self.steps(
                    z - Duration::days(days),
                    z,
                    Step::CountyApproval,
                    Outcome::Pass,
                    &elimination_note,
                );
                let Some(steps) = self.by_end(steps) else {
                    continue;
                };
                let case = self.case(
                    h,
                    CaseKind::Elimination,
                    channel,
                    None,
                    m.risks.clone(),
                    steps,
                );
                self.push_case(h, case);
            }
        }
    }

    /// Rejected leads of 2021–2025 and the cases still open at the data's end.
    fn other_cases(&mut self, facts: &[Facts]) {
        let identified = facts.iter().filter(|f| f.monitored.is_some()).count() as f64;
        let never: Vec<usize> = (0..facts.len())
            .filter(|i| facts[*i].monitored.is_none() && facts[*i].pending_identification.is_none())
            .collect();
        if never.is_empty() {
            return;
        }
        let count = |rng: &mut SynthRng, expected: f64| {
            expected.floor() as usize + usize::from(rng::chance(rng, expected.fract()))
        };
        let rejected = count(&mut self.rng, identified * REJECTED_PER_IDENTIFICATION);
        let open = count(&mut self.rng, identified * OPEN_PER_IDENTIFICATION);
        // Distinct households: a partial Fisher–Yates shuffle of the never-monitored.
        let mut pool = never;
        let take = (rejected + open).min(pool.len());
        for k in 0..take {
            let j = rng::int(&mut self.rng, k as i64, pool.len() as i64 - 1) as usize;
            pool.swap(k, j);
        }
        let end = self.end;
        for (k, &i) in pool[..take].iter().enumerate() {
            let h = local(i);
            let f = &facts[i];
            let kind = if f.poor.is_some() {
                MonitoringKind::Unstable
            } else if rng::chance(&mut self.rng, 0.2) {
                MonitoringKind::SuddenHardship
            } else {
                MonitoringKind::Marginal
            };
            let risks = vec![if f.ill {
                RiskType::Illness
            } else if f.disabled {
                RiskType::Disability
            } else if f.student {
                RiskType::Schooling
            } else {
                rng::weighted(
                    &mut self.rng,
                    &[
                        (RiskType::UnstableEmployment, 0.6),
                        (RiskType::IndustryFailure, 0.2),
                        (RiskType::Disaster, 0.1),
                        (RiskType::Accident, 0.1),
                    ],
                )
            }];
            let channel = self.identification_channel(kind, &risks);
            let notes = move |s: Step, o: Outcome| match o {
                Outcome::Pass => identification_note(s, channel),
                Outcome::Reject => rejection_note(s),
            };
            let steps = if k < rejected {
                let year = rng::weighted(&mut self.rng, &crate::calibration::MONITOR_YEARS);
                // Decided within the time limit, by the data end whatever the year.
                let lead = day_between(
                    &mut self.rng,
                    ymd(i32::from(year), 3, 1),
                    ymd(i32::from(year), 11, 30)
                        .min(end - Duration::days(IDENTIFICATION_DAYS_LIMIT)),
                );
                let at = rng::weighted(
                    &mut self.rng,
                    &[
                        (Step::Visit, 0.05),
                        (Step::Comparison, 0.15),
                        (Step::VillageReview, 0.5),
                        (Step::TownshipReview, 0.3),
                    ],
                );
                let days = rng::int(&mut self.rng, 3, IDENTIFICATION_DAYS_LIMIT);
                self.steps(
                    lead,
                    lead + Duration::days(days),
                    at,
                    Outcome::Reject,
                    &notes,
                )
            } else {
                let (lead, last, until) = self.open_lead(end);
                self.steps(lead, until, last, Outcome::Pass, &notes)
            };
            let case = self.case(
                h,
                CaseKind::Identification,
                channel,
                Some(kind),
                risks,
                steps,
            );
            self.push_case(h, case);
        }
        // Eliminations under way for households still monitored at the end (identified at least half a
        // year before, with someone able to work).
        for (i, f) in facts.iter().enumerate() {
            let Some(m) = &f.monitored else { continue };
            if m.eliminated.is_some()
                || f.pending_elimination.is_some()
                || m.returned
                || !f.can_work
                || m.on > end - Duration::days(183)
                || !rng::chance(&mut self.rng, OPEN_ELIMINATION_SHARE)
            {
                continue;
            }
            let (lead, last, until) = self.open_lead(end);
            let steps = self.steps(lead, until, last, Outcome::Pass, &elimination_note);
            let channel = Channel::CadreCheck;
            let case = self.case(
                local(i),
                CaseKind::Elimination,
                channel,
                None,
                m.risks.clone(),
                steps,
            );
            self.push_case(local(i), case);
        }
    }

    /// The lead date of a case open at `end` and its last recorded step: most within the time limit,
    /// some past it; older leads have got further.
    fn open_lead(&mut self, end: NaiveDate) -> (NaiveDate, Step, NaiveDate) {
        let rng = &mut self.rng;
        let age = if rng::chance(rng, OVERDUE_OPEN_SHARE) {
            rng::int(rng, IDENTIFICATION_DAYS_LIMIT + 1, 40)
        } else {
            rng::int(rng, 0, IDENTIFICATION_DAYS_LIMIT - 1)
        };
        // Up to the township review (the county approval would decide it).
        let done = ((age / 3) + rng::int(rng, 0, 1)).min(4) as usize;
        let lead = end - Duration::days(age);
        let last_step = lead + Duration::days(rng::int(rng, 0, age));
        (lead, Step::ALL[done], last_step)
    }

    /// Numbers each household's cases in the order of their leads and moves them into the records.
    fn number_cases(&mut self) {
        for (h, mut cases) in std::mem::take(&mut self.cases) {
            cases.sort_by_key(|c| c.opened_at());
            for (n, mut c) in cases.into_iter().enumerate() {
                if let Ok(id) = CaseId::new(HouseholdId(h), n as u32 + 1) {
                    c.id = id;
                }
                self.records.cases.push(c);
            }
        }
    }

    fn measures(&mut self, facts: &[Facts]) {
        let end = self.end;
        // The identification case of each monitored household (for the measures decided in it).
        let ident: HashMap<i64, CaseId> = self
            .records
            .cases
            .iter()
            .filter(|c| {
                c.kind == CaseKind::Identification
                    && c.state() == jingzhun_core::monitoring::CaseState::Decided
            })
            .map(|c| (c.household().0, c.id))
            .collect();
        for (i, f) in facts.iter().enumerate() {
            let h = local(i);
            if let Some((registered, exited)) = f.poor {
                self.poor_measures(
                    h,
                    f,
                    registered,
                    exited.unwrap_or(end).min(ymd(2020, 12, 31)),
                );
            }
            if let Some(m) = &f.monitored {
                let case = ident.get(&h.0).copied();
                let stop = m.eliminated;
                let mut kinds: Vec<RiskType> = m.risks.iter().copied().take(2).collect();
                if kinds.is_empty() {
                    kinds.push(RiskType::Other);
                }
                if kinds.len() > 1 && !rng::chance(&mut self.rng, 0.7) {
                    kinds.truncate(1);
                }
                for (k, risk) in kinds.iter().enumerate() {
                    let earliest = m.on + Duration::days(3 + 20 * k as i64);
                    let started =
                        day_between(&mut self.rng, earliest, earliest + Duration::days(40))
                            .min(end);
                    self.monitoring_measure(h, *risk, f.can_work, started, stop, case);
                    // The first measure runs as long as the household is monitored (assistance continues
                    // until the risk is eliminated), even when it began as a payment.
                    if k == 0 {
                        if let Some(last) = self.records.measures.last_mut() {
                            last.ended = stop.map(|z| z.max(last.started));
                        }
                    }
                }
                if f.can_work && rng::chance(&mut self.rng, 0.3) {
                    let started = day_between(
                        &mut self.rng,
                        m.on + Duration::days(30),
                        m.on + Duration::days(120),
                    )
                    .min(end);
                    let risk = if rng::chance(&mut self.rng, 0.5) {
                        RiskType::UnstableEmployment
                    } else {
                        RiskType::IndustryFailure
                    };
                    self.monitoring_measure(h, risk, true, started, stop, case);
                }
            }
        }
    }

    /// Adds `m` with the cadre paired with the household when it started.
    fn push_measure(&mut self, m: Measure) {
        let cadre = self.cadre_on(m.household, m.started);
        self.records.measures.push(Measure {
            ended: m.ended.map(|e| e.max(m.started)),
            cadre,
            ..m
        });
    }

    /// A measure answering `risk`, decided in the identification `case`, running until `stop` (the risk's
    /// elimination) unless it is a one-off payment.
    fn monitoring_measure(
        &mut self,
        h: HouseholdId,
        risk: RiskType,
        can_work: bool,
        started: NaiveDate,
        stop: Option<NaiveDate>,
        case: Option<CaseId>,
    ) {
        let r = &mut self.rng;
        let (kind, text, amount, one_off) = match risk {
            RiskType::Illness => (
                AssistanceType::Medical,
                "医疗救助: 住院费用经基本医保、大病保险后再救助".to_owned(),
                yuan(r, 2_000, 30_000, 100),
                true,
            ),
            RiskType::Disability => (
                AssistanceType::SocialAssistance,
                "残疾人两项补贴".to_owned(),
                yuan(r, 960, 2_400, 120),
                false,
            ),
            RiskType::Schooling => (
                AssistanceType::Education,
                "教育资助: 雨露计划/国家助学金".to_owned(),
                yuan(r, 2_000, 5_000, 500),
                false,
            ),
            RiskType::LackOfLabour => (
                AssistanceType::SocialAssistance,
                "纳入农村低保".to_owned(),
                yuan(r, 3_000, 6_000, 100),
                false,
            ),
            RiskType::UnstableEmployment if can_work && rng::chance(r, 0.5) => (
                AssistanceType::PublicWelfarePost,
                rng::weighted(
                    r,
                    &[
                        ("公益岗位: 护林员", 0.35),
                        ("公益岗位: 村道保洁员", 0.35),
                        ("公益岗位: 河道巡护员", 0.3),
                    ],
                )
                .to_owned(),
                yuan(r, 6_000, 9_600, 600),
                false,
            ),
            RiskType::UnstableEmployment => (
                AssistanceType::Employment,
                rng::weighted(
                    r,
                    &[
                        ("就业帮扶: 推荐外出务工并给予交通补贴", 0.5),
                        ("就业帮扶: 职业技能培训", 0.3),
                        ("就业帮扶: 帮扶车间就近就业", 0.2),
                    ],
                )
                .to_owned(),
                yuan(r, 300, 1_500, 100),
                true,
            ),
            RiskType::IndustryFailure if rng::chance(r, 0.3) => (
                AssistanceType::Microcredit,
                "小额信贷: 5 万元以下、3 年期、免担保免抵押, 财政贴息".to_owned(),
                yuan(r, 20_000, 50_000, 10_000),
                false,
            ),
            RiskType::IndustryFailure => (
                AssistanceType::Industry,
                "产业帮扶: 种养殖到户补助".to_owned(),
                yuan(r, 1_000, 5_000, 100),
                true,
            ),
            RiskType::Disaster if rng::chance(r, 0.5) => (
                AssistanceType::Housing,
                "受灾房屋维修加固补助".to_owned(),
                yuan(r, 5_000, 20_000, 500),
                true,
            ),
            RiskType::Disaster | RiskType::Accident => (
                AssistanceType::SocialAssistance,
                "临时救助".to_owned(),
                yuan(r, 1_000, 5_000, 100),
                true,
            ),
            RiskType::Housing => (
                AssistanceType::Housing,
                "农村危房改造".to_owned(),
                yuan(r, 10_000, 40_000, 1_000),
                true,
            ),
            RiskType::Water => (
                AssistanceType::Other,
                "饮水安全: 接通集中供水管网".to_owned(),
                yuan(r, 500, 3_000, 100),
                true,
            ),
            RiskType::Other => (
                AssistanceType::Other,
                "综合帮扶: 政策宣传与结对帮扶".to_owned(),
                None,
                false,
            ),
        };
        let ended = if one_off { Some(started) } else { stop };
        self.push_measure(Measure {
            household: h,
            kind,
            description: text,
            started,
            ended,
            amount,
            case,
            cadre: None,
        });
    }

    /// Two to four measures of the 2014–2020 campaign, between registration and `until` (the exit, or the
    /// end of 2020).
    fn poor_measures(
        &mut self,
        h: HouseholdId,
        f: &Facts,
        registered: NaiveDate,
        until: NaiveDate,
    ) {
        let from = registered.max(ymd(2014, 3, 1));
        let until = until.max(from);
        let r = &mut self.rng;
        let mut planned: Vec<(AssistanceType, String, Option<Yuan>, bool)> = Vec::new();
        if f.can_work && rng::chance(r, 0.85) {
            let what = rng::weighted(
                r,
                &[
                    ("茶叶", 0.15),
                    ("核桃", 0.15),
                    ("青花椒", 0.15),
                    ("中药材", 0.1),
                    ("生猪养殖", 0.2),
                    ("巴山土鸡养殖", 0.15),
                    ("通江银耳", 0.1),
                ],
            );
            planned.push((
                AssistanceType::Industry,
                format!("产业扶持: {what}到户补助"),
                yuan(r, 1_000, 5_000, 100),
                true,
            ));
        }
        if f.can_work && rng::chance(r, 0.35) {
            planned.push((
                AssistanceType::Employment,
                "转移就业: 技能培训与务工交通补贴".to_owned(),
                yuan(r, 300, 1_500, 100),
                true,
            ));
        }
        if f.can_work && rng::chance(r, 0.25) {
            planned.push((
                AssistanceType::Microcredit,
                "扶贫小额信贷: 5 万元以下、3 年期, 财政贴息".to_owned(),
                yuan(r, 20_000, 50_000, 10_000),
                false,
            ));
        }
        if f.student {
            planned.push((
                AssistanceType::Education,
                "教育扶贫: 雨露计划/助学金".to_owned(),
                yuan(r, 2_000, 5_000, 500),
                false,
            ));
        }
        if f.ill && rng::chance(r, 0.8) {
            planned.push((
                AssistanceType::Medical,
                "健康扶贫: 县域内住院先诊疗后付费, 一站式结算".to_owned(),
                yuan(r, 1_000, 20_000, 100),
                true,
            ));
        }
        if matches!(
            f.attribute,
            Some(PoorAttribute::Dibao | PoorAttribute::Tekun)
        ) {
            planned.push((
                AssistanceType::SocialAssistance,
                if f.attribute == Some(PoorAttribute::Tekun) {
                    "特困人员供养".to_owned()
                } else {
                    "农村低保".to_owned()
                },
                yuan(r, 3_000, 6_000, 100),
                false,
            ));
        }
        if f.relocated.is_none() && rng::chance(r, 0.3) {
            planned.push((
                AssistanceType::Housing,
                "农村危房改造".to_owned(),
                yuan(r, 10_000, 40_000, 1_000),
                true,
            ));
        }
        if planned.is_empty() {
            planned.push((
                AssistanceType::Other,
                "结对帮扶: 政策宣传、帮办代办".to_owned(),
                None,
                false,
            ));
        }
        planned.truncate(4);
        for (kind, text, amount, one_off) in planned {
            let started = day_between(&mut self.rng, from, until);
            let ended = if one_off {
                Some(started)
            } else if kind == AssistanceType::Microcredit {
                Some(started + Duration::days(3 * 365))
            } else {
                Some(until)
            };
            self.push_measure(Measure {
                household: h,
                kind,
                description: text,
                started,
                ended,
                amount,
                case: None,
                cadre: None,
            });
        }
        if let Some(year) = f.relocated {
            let started = day_between(
                &mut self.rng,
                ymd(i32::from(year), 1, 1).max(from),
                ymd(i32::from(year), 12, 31).max(from),
            );
            let text = if f.relocation_site.is_empty() {
                "易地扶贫搬迁后续扶持".to_owned()
            } else {
                format!("易地扶贫搬迁后续扶持({})", f.relocation_site)
            };
            // Follow-up support runs through the transition period.
            self.push_measure(Measure {
                household: h,
                kind: AssistanceType::RelocationFollowUp,
                description: text,
                started,
                ended: None,
                amount: None,
                case: None,
                cadre: None,
            });
        }
    }

    fn push_visit(
        &mut self,
        household: HouseholdId,
        cadre: Option<CadreId>,
        on: NaiveDate,
        purpose: VisitPurpose,
        findings: &str,
    ) {
        self.records.visits.push(Visit {
            household,
            cadre,
            visited_on: on,
            purpose,
            findings: findings.to_owned(),
        });
    }

    /// Routine visits about every three months from a few weeks after `from` to `until`.
    fn quarterly(&mut self, a: &Assignment, from: NaiveDate, until: NaiveDate) {
        let mut on = from + Duration::days(rng::int(&mut self.rng, 20, 80));
        while on <= until {
            self.push_visit(
                a.household,
                Some(a.cadre),
                on,
                VisitPurpose::Routine,
                "了解收入与帮扶措施落实情况, 宣传防止返贫政策",
            );
            on += Duration::days(rng::int(&mut self.rng, 80, 100));
        }
    }

    fn visits(&mut self, facts: &[Facts]) {
        let end = self.end;
        // Routine visits while paired: once or twice a year while poor, once a year after the exit,
        // quarterly while monitored.
        let pairings: Vec<Assignment> = self.records.assignments.clone();
        for a in &pairings {
            let f = &facts[(a.household.0 - 1) as usize];
            let stop = a.to.unwrap_or(end).min(end);
            // A pairing made at identification: quarterly visits while monitored.
            if let Some(m) = f.monitored.as_ref().filter(|m| m.on == a.from) {
                let until = m.eliminated.unwrap_or(end).min(stop);
                self.quarterly(a, m.on, until);
                continue;
            }
            let exit = f.poor.and_then(|p| p.1);
            for year in a.from.year()..=stop.year() {
                let lo = a.from.max(ymd(year, 1, 1));
                let hi = stop.min(ymd(year, 12, 31));
                if lo > hi {
                    continue;
                }
                // Every year while poor; after the exit about every other year (the record keeps the visits
                // written up in the system, not every call).
                let poor_then = exit.is_none_or(|x| ymd(year, 1, 1) <= x);
                if !poor_then && (year < 2021 || !rng::chance(&mut self.rng, 0.5)) {
                    continue;
                }
                {
                    let on = day_between(&mut self.rng, lo, hi);
                    self.push_visit(
                        a.household,
                        Some(a.cadre),
                        on,
                        VisitPurpose::Routine,
                        if poor_then {
                            "核实家庭收入, 落实帮扶措施, 两不愁三保障情况良好"
                        } else {
                            "脱贫后回访: 收入稳定, 政策保持不变"
                        },
                    );
                }
            }
            // A poor household identified for monitoring while still paired: quarterly from then on.
            if let Some(m) = f.monitored.as_ref().filter(|m| a.is_active_on(m.on)) {
                let until = m.eliminated.unwrap_or(end).min(stop);
                self.quarterly(a, m.on, until);
            }
        }
        // Visits on the cases' visit steps.
        let steps: Vec<(HouseholdId, CaseKind, NaiveDate)> = self
            .records
            .cases
            .iter()
            .filter_map(|c| {
                let visit = c.steps.iter().find(|s| s.step == Step::Visit)?;
                Some((c.household(), c.kind, china_date(visit.at)))
            })
            .collect();
        for (h, kind, on) in steps {
            let cadre = match self.cadre_on(h, on) {
                Some(c) => Some(c),
                None => self.village_cadre(),
            };
            let (purpose, findings) = match kind {
                CaseKind::Identification => (
                    VisitPurpose::LeadVerification,
                    "入户核实线索, 户主签署家庭经济状况核查授权书",
                ),
                CaseKind::Elimination => (
                    VisitPurpose::EliminationCheck,
                    "核查收入稳定高于监测线, 风险已消除, 两不愁三保障巩固",
                ),
            };
            self.push_visit(h, cadre, on, purpose, findings);
        }
        // A follow-up of about half the running monitoring measures.
        let follow: Vec<(HouseholdId, Option<CadreId>, NaiveDate)> = self
            .records
            .measures
            .iter()
            .filter(|m| m.case.is_some() && m.ended != Some(m.started))
            .map(|m| (m.household, m.cadre, m.started))
            .collect();
        for (h, cadre, started) in follow {
            if !rng::chance(&mut self.rng, 0.5) {
                continue;
            }
            let on = started + Duration::days(rng::int(&mut self.rng, 30, 90));
            if on <= end {
                self.push_visit(
                    h,
                    cadre,
                    on,
                    VisitPurpose::MeasureFollowUp,
                    "跟进帮扶措施落实, 资金已到户",
                );
            }
        }
    }
}

fn unreachable_case() -> CaseId {
    // Local household ids start at 1, so `CaseId::new(local(i), 1)` always succeeds; this is never called.
    CaseId::parse("1-1").unwrap_or_else(|_| unreachable!())
}

fn identification_note(step: Step, channel: Channel) -> String {
    match step {
        Step::Lead => match channel {
            Channel::CadreCheck => "基层干部排查发现",
            Channel::DepartmentAlert => "部门筛查预警推送",
            Channel::SelfApplication => "农户自主申报",
        },
        Step::Visit => "已入户核实，签署授权承诺书",
        Step::Comparison => "数据比对无异常",
        Step::VillageReview => "民主评议通过, 公示无异议",
        Step::TownshipReview => "乡镇审核通过",
        Step::CountyApproval => "县级审定, 公告纳入监测",
    }
    .to_owned()
}

fn rejection_note(step: Step) -> String {
    match step {
        Step::Visit => "入户核实: 收入稳定, 不符合纳入条件",
        Step::Comparison => "数据比对: 家庭成员名下有城镇商品房或车辆",
        Step::VillageReview => "民主评议未通过",
        Step::TownshipReview => "乡镇审核: 人均收入高于监测范围",
        Step::Lead | Step::CountyApproval => "不符合纳入条件",
    }
    .to_owned()
}

fn elimination_note(step: Step, _: Outcome) -> String {
    match step {
        Step::Lead => "收入持续稳定, 申请风险消除",
        Step::Visit => "入户核查风险消除情况",
        Step::Comparison => "收入核算高于监测线",
        Step::VillageReview => "民主评议通过, 公示无异议",
        Step::TownshipReview => "乡镇审核通过",
        Step::CountyApproval => "县级审定, 标注风险消除",
    }
    .to_owned()
}
