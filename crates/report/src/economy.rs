//! Figures of the rural economy (issue 14): industry bases and operators, employment of the lifted and
//! monitored labour force, products on the 832 platform, village collective income by band — for any area,
//! at any level, from the stored records (plain core values; the loader reads them) and, for who counts in
//! the labour force, the engine's evaluation.
//!
//! Definitions (each figure's one place):
//! - `industry_base_mu`: area of the bases established by the year's end, in villages of the area;
//! - `leading_enterprises`: leading enterprises registered in the area, recognised at city level or above by
//!   the year's end ([`Operator::leading_city_or_above`]);
//! - `collective_income_villages_over_100k` / `_over_1m`: villages of the area whose collective's own income
//!   of the year ([`CollectiveAccount::own_income`], subsidies excluded) is at least 100,000 / 1,000,000
//!   yuan — the first **includes** the second (the reading chosen for Bazhong's "116", see
//!   `policy/README.md`);
//! - `products_on_832`: products made in the area, certified by the year's end, listed on the 832 platform;
//! - `labour_in_work`: members in work in the year ([`EmploymentStatus::in_work`]) of households that are, at
//!   the year's end, lifted or still registered (ever registered, not removed) or monitored
//!   ([`labour_force_households`]).
//!
//! [`employment_leads`] turns lost work into monitoring leads (risk type 因务工就业不稳).

use std::collections::{BTreeMap, HashMap, HashSet};

use jingzhun_core::economy::*;
use jingzhun_core::projects::{
    settlement_employment, HouseholdEmployment, Resident, SettlementEmployment,
};
use jingzhun_core::{AreaCode, Channel, HouseholdId, RiskType, Yuan};
use jingzhun_engine::{Engine, Evaluation};
use jingzhun_policy::RegistryState;
use serde::Serialize;

use crate::annual::Block;

/// The records figures are computed from: any superset of the area's (records outside it are ignored),
/// households placed by `household_village`.
#[derive(Debug, Clone, Default)]
pub struct EconomyData {
    pub operators: Vec<Operator>,
    pub bases: Vec<IndustryBase>,
    pub products: Vec<Product>,
    pub sales: Vec<ProductSales>,
    pub accounts: Vec<CollectiveAccount>,
    pub links: Vec<IndustryLink>,
    pub employment: Vec<EmploymentRecord>,
    /// Links and employment already summed per household and year ([`HouseholdTally::of`]), for years
    /// whose records are not in `links` and `employment` (a snapshot keeps them so, see
    /// `jingzhun_loader::snapshot`): the figures count both, so a year is given one way or the other.
    pub tallies: Vec<HouseholdTally>,
    /// The village of each household the links and employment name.
    pub household_village: HashMap<HouseholdId, AreaCode>,
}

/// One household's links with operators and its members' employment of one year, summed: all that the
/// economy's figures count of these records (households linked and their link income, the labour force in
/// work by place and not in work), so that figures at every level add up households instead of walking
/// records again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HouseholdTally {
    pub household: HouseholdId,
    pub year: u16,
    /// Links of the year, and their amounts in fen.
    pub links: u32,
    pub link_fen: i64,
    /// Members in work by place of work (indexed by [`WorkPlace::index`]).
    pub in_work: [u32; 3],
    /// Members with an employment record of the year who are not in work.
    pub not_working: u32,
}

impl HouseholdTally {
    /// A household's tally of a year with nothing counted yet.
    pub fn new(household: HouseholdId, year: u16) -> Self {
        HouseholdTally {
            household,
            year,
            links: 0,
            link_fen: 0,
            in_work: [0; 3],
            not_working: 0,
        }
    }

    /// The tallies of `links` and `employment`, one per household and year, ordered by both.
    pub fn of(links: &[IndustryLink], employment: &[EmploymentRecord]) -> Vec<HouseholdTally> {
        let mut by: HashMap<(HouseholdId, u16), HouseholdTally> = HashMap::new();
        fn at(
            by: &mut HashMap<(HouseholdId, u16), HouseholdTally>,
            household: HouseholdId,
            year: u16,
        ) -> &mut HouseholdTally {
            by.entry((household, year))
                .or_insert_with(|| HouseholdTally::new(household, year))
        }
        for l in links {
            let t = at(&mut by, l.household, l.year);
            t.links += 1;
            t.link_fen += l.amount.fen();
        }
        for e in employment {
            let t = at(&mut by, e.household, e.year);
            match e.status.place() {
                Some(place) => t.in_work[usize::from(place.index())] += 1,
                None => t.not_working += 1,
            }
        }
        let mut out: Vec<HouseholdTally> = by.into_values().collect();
        out.sort_unstable_by_key(|t| (t.household, t.year));
        out
    }

    /// Members of the household in work in the year.
    pub fn workers(&self) -> u32 {
        self.in_work.iter().sum()
    }

    /// Whether the household has an employment record of the year.
    pub fn has_employment(&self) -> bool {
        self.workers() + self.not_working > 0
    }

    /// Adds this household to `f` (its links, and its employment when it is in the labour force).
    fn add_to(&self, f: &mut EconomyFigures, link_fen: &mut i64, in_labour_force: bool) {
        if self.links > 0 {
            f.linked_households += 1;
            *link_fen += self.link_fen;
        }
        if !in_labour_force {
            return;
        }
        for place in WorkPlace::ALL {
            let n = u64::from(self.in_work[usize::from(place.index())]);
            f.labour_in_work += n;
            *f.labour_by_place.entry(place.code()).or_default() += n;
        }
        f.labour_not_working += u64::from(self.not_working);
    }
}

/// One area's economy figures of one year.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EconomyFigures {
    pub industry_base_mu: f64,
    pub industry_bases: u64,
    pub leading_enterprises: u64,
    pub cooperatives: u64,
    pub family_farms: u64,
    pub collective_income_villages_over_100k: u64,
    pub collective_income_villages_over_1m: u64,
    /// Villages with an account of the year by band, keyed by the bands' codes.
    pub collective_villages_by_band: BTreeMap<&'static str, u64>,
    /// The collectives' own income in total, yuan.
    pub collective_own_income_yuan: f64,
    pub products: u64,
    pub products_on_832: u64,
    /// Sales of the year, yuan: all platforms, and on 832.
    pub sales_yuan: f64,
    pub sales_832_yuan: f64,
    /// Households with at least one link of the year, and the links' amounts, yuan.
    pub linked_households: u64,
    pub link_income_yuan: f64,
    /// The lifted and monitored labour force in work (people), and by place of work (codes).
    pub labour_in_work: u64,
    pub labour_by_place: BTreeMap<&'static str, u64>,
    /// Their working-age members not in work.
    pub labour_not_working: u64,
}

/// Households that are, on the evaluation date, lifted or still registered (ever registered and not removed)
/// or monitored: whose members make up the labour force `labour_in_work` counts.
pub fn labour_force_households(engine: &Engine, eval: &Evaluation) -> HashSet<HouseholdId> {
    engine
        .outcomes(eval)
        .filter(in_labour_force)
        .map(|o| o.id)
        .collect()
}

/// Whether a household's members count in the labour force ([`labour_force_households`]).
pub fn in_labour_force(o: &jingzhun_engine::HouseholdOutcome) -> bool {
    (o.facts.ever_registered && o.registry != RegistryState::Removed) || o.monitoring.is_some()
}

/// [`labour_force_households`] among the households `data` places (those its records name): all that
/// its figures ask about.
pub fn labour_force_of(
    engine: &Engine,
    eval: &Evaluation,
    data: &EconomyData,
) -> HashSet<HouseholdId> {
    engine
        .outcomes(eval)
        .filter(|o| data.household_village.contains_key(&o.id) && in_labour_force(o))
        .map(|o| o.id)
        .collect()
}

/// The village of every household of an evaluation (to place the households links and employment name).
pub fn household_villages(engine: &Engine, eval: &Evaluation) -> HashMap<HouseholdId, AreaCode> {
    engine.outcomes(eval).map(|o| (o.id, o.village)).collect()
}

fn yuan(y: Yuan) -> f64 {
    y.fen() as f64 / 100.0
}

impl EconomyFigures {
    /// The figures of `area` in `year`; `labour_force` as from [`labour_force_households`] for that year.
    pub fn compute(
        area: &AreaCode,
        year: u16,
        data: &EconomyData,
        labour_force: &HashSet<HouseholdId>,
    ) -> EconomyFigures {
        let mut f = EconomyFigures::of_records(area, year, data);
        f.add_households(area, year, data, labour_force);
        f
    }

    /// The figures of `area` from the small records alone (bases, operators, accounts, products and
    /// sales); the households' part is [`EconomyFigures::add_households`].
    fn of_records(area: &AreaCode, year: u16, data: &EconomyData) -> EconomyFigures {
        let mut f = EconomyFigures::default();
        for b in data
            .bases
            .iter()
            .filter(|b| area.contains(&b.village) && b.established <= year)
        {
            f.industry_base_mu += b.area_mu;
            f.industry_bases += 1;
        }
        // Tenths of a mu, as entered.
        f.industry_base_mu = (f.industry_base_mu * 10.0).round() / 10.0;
        for o in data.operators.iter().filter(|o| area.contains(&o.area)) {
            match o.kind {
                OperatorKind::LeadingEnterprise => {
                    f.leading_enterprises += u64::from(o.leading_city_or_above(year))
                }
                OperatorKind::Cooperative => f.cooperatives += 1,
                OperatorKind::FamilyFarm => f.family_farms += 1,
            }
        }
        for band in CollectiveBand::ALL {
            f.collective_villages_by_band.insert(band.code(), 0);
        }
        for a in data
            .accounts
            .iter()
            .filter(|a| a.year == year && area.contains(&a.village))
        {
            let band = a.band();
            *f.collective_villages_by_band
                .entry(band.code())
                .or_default() += 1;
            f.collective_income_villages_over_100k += u64::from(band.at_least_100k());
            f.collective_income_villages_over_1m += u64::from(band == CollectiveBand::Over1m);
            f.collective_own_income_yuan += yuan(a.own_income());
        }
        let mut in_area: HashSet<ProductId> = HashSet::new();
        for p in data
            .products
            .iter()
            .filter(|p| area.contains(&p.area) && p.certified_year <= year)
        {
            f.products += 1;
            in_area.insert(p.id);
            if p.on_832() {
                f.products_on_832 += 1;
            }
        }
        for s in data
            .sales
            .iter()
            .filter(|s| s.year == year && in_area.contains(&s.product))
        {
            f.sales_yuan += yuan(s.amount);
            if s.platform == SalesPlatform::P832 {
                f.sales_832_yuan += yuan(s.amount);
            }
        }
        for place in WorkPlace::ALL {
            f.labour_by_place.insert(place.code(), 0);
        }
        f
    }

    /// Adds the households of `area` (placed by `data.household_village`) and their links and
    /// employment of `year` ([`HouseholdTally`]).
    fn add_households(
        &mut self,
        area: &AreaCode,
        year: u16,
        data: &EconomyData,
        labour_force: &HashSet<HouseholdId>,
    ) {
        let mut link_fen = 0i64;
        for t in data.household_tallies().iter().filter(|t| {
            t.year == year
                && data
                    .household_village
                    .get(&t.household)
                    .is_some_and(|v| area.contains(v))
        }) {
            t.add_to(self, &mut link_fen, labour_force.contains(&t.household));
        }
        self.link_income_yuan = yuan(Yuan::from_fen(link_fen));
    }

    /// The summary fields (`report summary --format json`): name and value.
    pub fn summary_fields(&self) -> Vec<(&'static str, serde_json::Value)> {
        vec![
            ("industry_base_mu", serde_json::json!(self.industry_base_mu)),
            (
                "leading_enterprises",
                serde_json::json!(self.leading_enterprises),
            ),
            (
                "collective_income_villages_over_100k",
                serde_json::json!(self.collective_income_villages_over_100k),
            ),
            (
                "collective_income_villages_over_1m",
                serde_json::json!(self.collective_income_villages_over_1m),
            ),
            ("products_on_832", serde_json::json!(self.products_on_832)),
            ("labour_in_work", serde_json::json!(self.labour_in_work)),
        ]
    }
}

impl EconomyData {
    /// The households' links and employment summed per household and year: those of `links` and
    /// `employment` ([`HouseholdTally::of`]) and those given as `tallies`.
    pub fn household_tallies(&self) -> std::borrow::Cow<'_, [HouseholdTally]> {
        if self.links.is_empty() && self.employment.is_empty() {
            return std::borrow::Cow::Borrowed(&self.tallies);
        }
        let mut all = HouseholdTally::of(&self.links, &self.employment);
        all.extend_from_slice(&self.tallies);
        std::borrow::Cow::Owned(all)
    }

    /// Whether any household has an employment record of `year`.
    pub fn has_employment(&self, year: u16) -> bool {
        self.employment.iter().any(|e| e.year == year)
            || self
                .tallies
                .iter()
                .any(|t| t.year == year && t.has_employment())
    }

    /// Whether any household has an employment record (of any year held).
    pub fn has_any_employment(&self) -> bool {
        !self.employment.is_empty() || self.tallies.iter().any(HouseholdTally::has_employment)
    }

    /// The records [`EconomyFigures::compute`] counts for `area` (and any area inside it), and no others:
    /// computing an area's figures from this subset gives the same figures as from the whole.
    pub fn within(&self, area: &AreaCode) -> EconomyData {
        let household_village: HashMap<HouseholdId, AreaCode> = self
            .household_village
            .iter()
            .filter(|(_, v)| area.contains(v))
            .map(|(h, v)| (*h, *v))
            .collect();
        let tallies = self
            .tallies
            .iter()
            .filter(|t| household_village.contains_key(&t.household))
            .copied()
            .collect();
        EconomyData {
            links: self
                .links
                .iter()
                .filter(|l| household_village.contains_key(&l.household))
                .cloned()
                .collect(),
            employment: self
                .employment
                .iter()
                .filter(|e| household_village.contains_key(&e.household))
                .cloned()
                .collect(),
            tallies,
            household_village,
            ..self.records_within(area)
        }
    }

    /// The small records within `area` (operators, bases, products and their sales, accounts): no
    /// household's.
    fn records_within(&self, area: &AreaCode) -> EconomyData {
        let products: Vec<Product> = self
            .products
            .iter()
            .filter(|p| area.contains(&p.area))
            .cloned()
            .collect();
        let ids: HashSet<ProductId> = products.iter().map(|p| p.id).collect();
        EconomyData {
            operators: self
                .operators
                .iter()
                .filter(|o| area.contains(&o.area))
                .cloned()
                .collect(),
            bases: self
                .bases
                .iter()
                .filter(|b| area.contains(&b.village))
                .cloned()
                .collect(),
            sales: self
                .sales
                .iter()
                .filter(|s| ids.contains(&s.product))
                .cloned()
                .collect(),
            products,
            accounts: self
                .accounts
                .iter()
                .filter(|a| area.contains(&a.village))
                .cloned()
                .collect(),
            ..EconomyData::default()
        }
    }
}

/// The figures of each of `areas` (any levels) in `year`, in the order given: the indicators at every
/// level, the same figures [`EconomyFigures::compute`] gives for each: the small records of each area from
/// those within its nearest listed ancestor, so a city's villages do not each walk the city's records,
/// and each household's tally ([`HouseholdTally`]) added once to every listed area containing it.
pub fn by_area(
    areas: &[AreaCode],
    year: u16,
    data: &EconomyData,
    labour_force: &HashSet<HouseholdId>,
) -> Vec<(AreaCode, EconomyFigures)> {
    by_area_years(areas, &[year], data, labour_force)
        .into_iter()
        .map(|(a, mut f)| (a, f.remove(0)))
        .collect()
}

/// [`by_area`] for several years at once (e.g. the year and the year before): each area's figures in the
/// order of `years`.
pub fn by_area_years(
    areas: &[AreaCode],
    years: &[u16],
    data: &EconomyData,
    labour_force: &HashSet<HouseholdId>,
) -> Vec<(AreaCode, Vec<EconomyFigures>)> {
    // The small records: each area from those within its nearest listed ancestor.
    let mut order: Vec<usize> = (0..areas.len()).collect();
    order.sort_by_key(|i| (areas[*i].level().digits(), areas[*i]));
    let mut subsets: HashMap<AreaCode, EconomyData> = HashMap::new();
    let mut out: Vec<Vec<EconomyFigures>> = vec![Vec::new(); areas.len()];
    for i in order {
        let area = areas[i];
        let ancestors: Vec<AreaCode> = area.ancestors_and_self().filter(|a| *a != area).collect();
        let parent = ancestors
            .iter()
            .rev()
            .find_map(|a| subsets.get(a))
            .unwrap_or(data);
        let sub = parent.records_within(&area);
        out[i] = years
            .iter()
            .map(|y| EconomyFigures::of_records(&area, *y, &sub))
            .collect();
        if area.level() != jingzhun_core::AreaLevel::Village {
            subsets.insert(area, sub);
        }
    }
    // The households: each added, once, to every listed area containing its village.
    let index: HashMap<AreaCode, usize> = areas.iter().enumerate().map(|(i, a)| (*a, i)).collect();
    let mut targets: HashMap<AreaCode, Vec<usize>> = HashMap::new();
    let mut link_fen = vec![vec![0i64; years.len()]; areas.len()];
    for t in data.household_tallies().iter() {
        let Some(y) = years.iter().position(|y| *y == t.year) else {
            continue;
        };
        let Some(village) = data.household_village.get(&t.household) else {
            continue;
        };
        let hits = targets.entry(*village).or_insert_with(|| {
            village
                .ancestors_and_self()
                .filter_map(|c| index.get(&c).copied())
                .collect()
        });
        if hits.is_empty() {
            continue;
        }
        let in_force = labour_force.contains(&t.household);
        for &a in hits.iter() {
            t.add_to(&mut out[a][y], &mut link_fen[a][y], in_force);
        }
    }
    for (figures, fen) in out.iter_mut().zip(&link_fen) {
        for (f, fen) in figures.iter_mut().zip(fen) {
            f.link_income_yuan = yuan(Yuan::from_fen(*fen));
        }
    }
    areas.iter().copied().zip(out).collect()
}

/// Bazhong's published 2020 figures of the economy (domain notes §1), by summary field. The 116 villages
/// over 100,000 yuan are read as including the 8 over 1,000,000 (assumed).
pub const BAZHONG_PUBLISHED_2020: &[(&str, f64)] = &[
    ("industry_base_mu", 2_990_000.0),
    ("leading_enterprises", 174.0),
    ("collective_income_villages_over_100k", 116.0),
    ("collective_income_villages_over_1m", 8.0),
    ("products_on_832", 575.0),
];

/// A monitoring lead from lost work: a member of a lifted household (or a monitored one) who was in work the
/// year before and is not in work this year, or whose months fell below `min_months` from at least that.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmploymentLead {
    pub household: HouseholdId,
    pub year: u16,
    /// The member's resident ID, masked.
    pub member_masked: String,
    pub channel: Channel,
    /// Always [`RiskType::UnstableEmployment`] (因务工就业不稳).
    pub risk: RiskType,
    pub months_before: u8,
    pub months_now: u8,
    /// Why, in Chinese, without the resident ID.
    pub explanation: String,
}

/// Who is in work in one year, by household, from the employment records (the one notion of work: a
/// member is in work when [`EmploymentStatus::in_work`]): what the relocation follow-up reads through
/// [`HouseholdEmployment`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct YearEmployment {
    /// Members in work of each household with an employment record of the year.
    workers: HashMap<HouseholdId, u32>,
}

impl YearEmployment {
    /// The households of `employment`'s records of `year` (other years are ignored).
    pub fn of(year: u16, employment: &[EmploymentRecord]) -> Self {
        let mut workers: HashMap<HouseholdId, u32> = HashMap::new();
        for e in employment.iter().filter(|e| e.year == year) {
            *workers.entry(e.household).or_default() += u32::from(e.status.in_work());
        }
        YearEmployment { workers }
    }
}

impl YearEmployment {
    /// [`YearEmployment::of`] from the households' tallies of `year` (other years are ignored).
    pub fn of_tallies(year: u16, tallies: &[HouseholdTally]) -> Self {
        YearEmployment {
            workers: tallies
                .iter()
                .filter(|t| t.year == year && t.has_employment())
                .map(|t| (t.household, t.workers()))
                .collect(),
        }
    }
}

impl HouseholdEmployment for YearEmployment {
    fn workers(&self, household: HouseholdId) -> Option<u32> {
        self.workers.get(&household).copied()
    }
}

/// The relocated households of `residents` (moved in by `as_of`) with a labour force on record in `year`
/// and no one in work: the relocation warning (搬迁户无人就业), through [`settlement_employment`].
pub fn relocated_without_work(
    residents: &[Resident],
    as_of: chrono::NaiveDate,
    year: u16,
    employment: &[EmploymentRecord],
) -> Vec<HouseholdId> {
    relocation_employment(residents, as_of, year, employment).without_worker
}

/// The employment of the relocated households of `residents` living in their settlement on `as_of`, in
/// `year` ([`settlement_employment`] over [`YearEmployment`]): the settlement pages and the annual review's
/// relocation section.
pub fn relocation_employment(
    residents: &[Resident],
    as_of: chrono::NaiveDate,
    year: u16,
    employment: &[EmploymentRecord],
) -> SettlementEmployment {
    relocation_employment_with(residents, as_of, &YearEmployment::of(year, employment))
}

/// [`relocation_employment`] from a year's employment already read ([`YearEmployment`]).
pub fn relocation_employment_with(
    residents: &[Resident],
    as_of: chrono::NaiveDate,
    employment: &YearEmployment,
) -> SettlementEmployment {
    let living: Vec<Resident> = residents
        .iter()
        .filter(|r| r.moved_in <= as_of)
        .cloned()
        .collect();
    settlement_employment(&living, employment)
}

/// Months of work below which a fall counts as losing work.
pub const MIN_STABLE_MONTHS: u8 = 6;

/// The leads of `year`: for each member of a household in `labour_force` (lifted or monitored), compares the
/// member's employment of `year` with that of the year before. One lead per member; none for households
/// outside `labour_force`, for members without a record of either year, or for members who stopped to study.
pub fn employment_leads(
    year: u16,
    employment: &[EmploymentRecord],
    labour_force: &HashSet<HouseholdId>,
) -> Vec<EmploymentLead> {
    let Some(before_year) = year.checked_sub(1) else {
        return Vec::new();
    };
    let before: HashMap<(HouseholdId, &str), &EmploymentRecord> = employment
        .iter()
        .filter(|e| e.year == before_year)
        .map(|e| ((e.household, e.member.as_str()), e))
        .collect();
    let mut leads: Vec<EmploymentLead> = employment
        .iter()
        .filter(|e| e.year == year && labour_force.contains(&e.household))
        .filter_map(|now| {
            let was = before.get(&(now.household, now.member.as_str()))?;
            if !was.status.in_work() || was.months < MIN_STABLE_MONTHS {
                return None;
            }
            if now.reason == Some(NotWorkingReason::Study) {
                return None;
            }
            let lost = !now.status.in_work();
            let fell = now.status.in_work() && now.months < MIN_STABLE_MONTHS;
            if !(lost || fell) {
                return None;
            }
            let explanation = if lost {
                format!(
                    "{before_year} 年{}{} 个月, {year} 年未就业({}), 存在因务工就业不稳返贫风险",
                    was.status.label(),
                    was.months,
                    now.reason.map_or("原因未填", NotWorkingReason::label),
                )
            } else {
                format!(
                    "务工月数由 {before_year} 年的 {} 个月降至 {year} 年的 {} 个月(低于 {MIN_STABLE_MONTHS} 个月), 存在因务工就业不稳返贫风险",
                    was.months, now.months
                )
            };
            Some(EmploymentLead {
                household: now.household,
                year,
                member_masked: now.member.masked(),
                channel: Channel::DepartmentAlert,
                risk: RiskType::UnstableEmployment,
                months_before: was.months,
                months_now: now.months,
                explanation,
            })
        })
        .collect();
    leads.sort_by(|a, b| {
        a.household
            .cmp(&b.household)
            .then(a.member_masked.cmp(&b.member_masked))
    });
    leads
}

fn int(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn wan(yuan: f64) -> String {
    format!("{:.1}", yuan / 10_000.0)
}

fn change(now: u64, before: Option<u64>) -> String {
    match before {
        Some(b) if now >= b => format!("(比上年增加 {})", int(now - b)),
        Some(b) => format!("(比上年减少 {})", int(b - now)),
        None => String::new(),
    }
}

/// The annual review's sections on industry, employment, consumption and the collective economy.
pub fn annual_blocks(now: &EconomyFigures, before: Option<&EconomyFigures>) -> Vec<Block> {
    let b = |f: fn(&EconomyFigures) -> u64| before.map(f);
    let mut blocks = vec![Block::Heading("产业发展".to_owned())];
    blocks.push(Block::List(vec![
        format!(
            "特色产业基地 {} 个, 面积 {:.1} 万亩。",
            int(now.industry_bases),
            now.industry_base_mu / 10_000.0
        ),
        format!(
            "市级及以上龙头企业 {} 家{}; 农民专业合作社 {} 个, 家庭农场 {} 个。",
            int(now.leading_enterprises),
            change(now.leading_enterprises, b(|f| f.leading_enterprises)),
            int(now.cooperatives),
            int(now.family_farms)
        ),
        format!(
            "联农带农: {} 户脱贫户和监测户从经营主体获得收入 {} 万元(土地流转、分红、务工、订单和资产收益)。",
            int(now.linked_households),
            wan(now.link_income_yuan)
        ),
    ]));
    blocks.push(Block::Heading("就业帮扶".to_owned()));
    let place = |code: &str| now.labour_by_place.get(code).copied().unwrap_or(0);
    blocks.push(Block::List(vec![
        format!(
            "脱贫人口和监测对象务工 {} 人{}: 县内 {} 人, 省内县外 {} 人, 省外 {} 人。",
            int(now.labour_in_work),
            change(now.labour_in_work, b(|f| f.labour_in_work)),
            int(place("within_county")),
            int(place("within_province")),
            int(place("outside_province"))
        ),
        format!("劳动年龄内未就业 {} 人。", int(now.labour_not_working)),
    ]));
    blocks.push(Block::Heading("消费帮扶".to_owned()));
    blocks.push(Block::List(vec![format!(
        "认定扶贫产品 {} 个, 其中在 832 平台销售 {} 个{}; 本年销售额 {} 万元, 其中 832 平台 {} 万元。",
        int(now.products),
        int(now.products_on_832),
        change(now.products_on_832, b(|f| f.products_on_832)),
        wan(now.sales_yuan),
        wan(now.sales_832_yuan)
    )]));
    blocks.push(Block::Heading("村集体经济".to_owned()));
    let rows = CollectiveBand::ALL
        .iter()
        .map(|band| {
            let n = now
                .collective_villages_by_band
                .get(band.code())
                .copied()
                .unwrap_or(0);
            let was = before
                .and_then(|f| f.collective_villages_by_band.get(band.code()).copied())
                .map_or_else(|| "-".to_owned(), int);
            vec![band.label().to_owned(), int(n), was]
        })
        .collect();
    blocks.push(Block::Table(
        vec![
            "集体经济收入(不含补助)".into(),
            "本年村数".into(),
            "上年村数".into(),
        ],
        rows,
    ));
    blocks.push(Block::Paragraph(format!(
        "集体经济收入 10 万元及以上的村 {} 个(含 100 万元及以上的 {} 个)。",
        int(now.collective_income_villages_over_100k),
        int(now.collective_income_villages_over_1m)
    )));
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use jingzhun_core::ResidentId;

    fn id(seq: u32) -> ResidentId {
        let mut t = format!("51190219850101{seq:03}");
        t.push(jingzhun_core::resident_id::check_character(t.as_bytes()));
        ResidentId::parse(&t).unwrap()
    }

    fn work(
        h: i64,
        member: u32,
        year: u16,
        status: EmploymentStatus,
        months: u8,
    ) -> EmploymentRecord {
        EmploymentRecord {
            household: HouseholdId(h),
            member: id(member),
            year,
            status,
            months,
            wage: Yuan::from_yuan(i64::from(months) * 3_000),
            reason: (!status.in_work()).then_some(NotWorkingReason::JobLost),
        }
    }

    #[test]
    fn lost_work_in_lifted_households_makes_leads_and_nothing_else_does() {
        use EmploymentStatus::*;
        let mut records = Vec::new();
        // Ten steady households; three planted ones.
        for h in 1..=10 {
            records.push(work(h, h as u32, 2020, MigrantOutsideProvince, 10));
            records.push(work(h, h as u32, 2021, MigrantOutsideProvince, 11));
        }
        // 11: lost work; 12: months fell to 3; 13: lost work but an ordinary household (not in the force).
        records.push(work(11, 11, 2020, MigrantWithinProvince, 12));
        records.push(work(11, 11, 2021, NotWorking, 0));
        records.push(work(12, 12, 2020, Local, 8));
        records.push(work(12, 12, 2021, Local, 3));
        records.push(work(13, 13, 2020, Local, 12));
        records.push(work(13, 13, 2021, NotWorking, 0));
        // 14: went to study — not a lead.
        records.push(work(14, 14, 2020, Local, 9));
        let mut study = work(14, 14, 2021, NotWorking, 0);
        study.reason = Some(NotWorkingReason::Study);
        records.push(study);
        let force: HashSet<HouseholdId> = (1..=12).chain([14]).map(HouseholdId).collect();
        let leads = employment_leads(2021, &records, &force);
        let households: Vec<i64> = leads.iter().map(|l| l.household.0).collect();
        assert_eq!(households, vec![11, 12]);
        assert!(leads.iter().all(|l| l.risk == RiskType::UnstableEmployment));
        assert!(
            leads[0].explanation.contains("未就业"),
            "{}",
            leads[0].explanation
        );
        assert!(!leads[0].explanation.contains(id(11).as_str()));
        assert!(
            employment_leads(2020, &records, &force).is_empty(),
            "no year before 2020 in the data"
        );
    }

    #[test]
    fn figures_count_within_the_area_and_year() {
        let v1 = AreaCode::parse("511902101001").unwrap();
        let v2 = AreaCode::parse("511903101001").unwrap();
        let account = |v: AreaCode, own: i64| CollectiveAccount {
            village: v,
            year: 2020,
            income: [
                Yuan::from_yuan(own),
                Yuan::ZERO,
                Yuan::ZERO,
                Yuan::from_yuan(500_000),
            ],
            assets: Yuan::ZERO,
            projects: vec![],
        };
        let data = EconomyData {
            accounts: vec![account(v1, 1_000_000), account(v2, 99_999)],
            bases: vec![IndustryBase {
                id: BaseId(1),
                name: "茶园".into(),
                kind: IndustryKind::Tea,
                area_mu: 100.25,
                village: v1,
                operator: None,
                established: 2021,
            }],
            employment: vec![
                work(1, 1, 2020, EmploymentStatus::Workshop, 6),
                work(2, 2, 2020, EmploymentStatus::Local, 6),
            ],
            household_village: HashMap::from([(HouseholdId(1), v1), (HouseholdId(2), v2)]),
            ..EconomyData::default()
        };
        let force = HashSet::from([HouseholdId(1), HouseholdId(2)]);
        let city = EconomyFigures::compute(&AreaCode::parse("5119").unwrap(), 2020, &data, &force);
        assert_eq!(city.collective_income_villages_over_1m, 1);
        assert_eq!(
            city.collective_income_villages_over_100k, 1,
            "subsidies do not count"
        );
        assert_eq!(city.industry_base_mu, 0.0, "established after the year");
        assert_eq!(city.labour_in_work, 2);
        let county =
            EconomyFigures::compute(&AreaCode::parse("511903").unwrap(), 2020, &data, &force);
        assert_eq!(county.labour_in_work, 1);
        assert_eq!(county.collective_villages_by_band["50k_100k"], 1);
        let later = EconomyFigures::compute(&AreaCode::parse("5119").unwrap(), 2021, &data, &force);
        assert_eq!(later.industry_base_mu, 100.3);
    }
}
