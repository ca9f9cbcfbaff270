//! The rural economy around the generated households (issue 14): operators, featured-industry bases, their
//! links with households, employment, products and their sales, village collective accounts.
//!
//! # What derives from what
//!
//! The households are generated first and are never changed here, so the calibrated registry figures stay
//! exactly as they were. Everything on the household side derives from them:
//!
//! - **employment** (years [`YEARS`]) of every member aged 16–64 at the year's end of households ever
//!   registered or monitored by then: members with migrant months work where their record says, the
//!   household's wage income of the year split between them by months; a household with wages and no
//!   migrant gets its wages from local work of one working-age member able to work (本地就业, 公益性岗位 or
//!   就业帮扶车间), months from the wage; the others are not working, with a reason from their record
//!   (studying, illness, disability) or drawn (care, no job, other). So the members' wages add up to the
//!   household's 工资性收入 of the year, exactly, whenever someone can be named (households whose only
//!   members are older than 64 or unable to work keep their wages unattributed). Work breaks off some
//!   years (**assumed** rate [`WORK_BREAK_RATE`], its own stream): a short year of 1–5 months at the same
//!   wage, or, for a migrant while another member keeps working, a year without work (务工中断) whose wages
//!   the others earn — so the employment warning (因务工就业不稳) has something to find.
//! - **links** (联农带农): a registered household's asset-income dividend of the year is a 资产收益 or 入股分红
//!   link, the whole amount; a share of households sell under contract (订单生产: a fixed part of their gross
//!   business income) or rent out land (土地流转租金: their other property income); local workers at an
//!   operator are 务工就业 links with their wages. So every link amount is its income item or part of it.
//!
//! Area-wide records are planned per county and placed in villages so that the published 2020 figures come
//! out at `scale ×` their value (Bazhong, domain notes §1): featured-industry bases of
//! [`BASE_MU`] 亩 in all, [`LEADING_ENTERPRISES`] leading enterprises at city level or above,
//! [`PRODUCTS_ON_832`] products on the 832 platform, [`VILLAGES_OVER_1M`] villages with collective income of at
//! least 1,000,000 yuan and [`VILLAGES_OVER_100K`] with at least 100,000 (**assumed** to include the 8; see
//! `policy/README.md`). A city's total is `round(value × scale × its rural villages ÷ Bazhong's)` (each
//! replica at scale above 1 with its share), apportioned to its counties by rural villages with the largest
//! remainders, and placed in each county's villages (code order) by cumulative rounding; base areas are
//! drawn and scaled to the county's total exactly. Figures nobody published are **assumed** from national
//! or provincial ratios: the constants below say which.
//!
//! # Determinism and ids
//!
//! A county's plan comes from its own stream ([`STREAM_ECONOMY`], keyed by the county's code) and a
//! village's household-side records from the village's; nothing here draws from the household streams, so
//! generating the economy changes nothing else. Operators, bases and products get ids
//! `county code × 100,000 + n`, stable for a seed and scale. Links and employment name households by local
//! ids (`HouseholdId(i + 1)` is `households[i]`), resolved by [`VillageEconomy::resolve`] once the
//! households are stored.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use chrono::NaiveDate;
use jingzhun_core::economy::*;
use jingzhun_core::{
    AreaCode, AreaLevel, AreaTree, Health, HouseholdId, HouseholdNo, HouseholdStatus,
    IncomeComponent, RegistryStatus, SchoolingStatus, WorkStatus, Yuan,
};
use rand::seq::SliceRandom;

use crate::rng::{self, SynthRng};
use crate::{GeneratedVillage, SynthError};

/// The economy streams' tag.
pub const STREAM_ECONOMY: u64 = 0x4543_4f4e; // "ECON"

/// Years with employment, links, sales and collective accounts.
pub const YEARS: std::ops::RangeInclusive<u16> = 2019..=2025;

/// The year the published figures describe.
pub const CALIBRATION_YEAR: u16 = 2020;

/// Published (Bazhong, Jan 2021): featured-industry bases, 亩.
pub const BASE_MU: f64 = 2_990_000.0;
/// Published: leading enterprises at city level or above.
pub const LEADING_ENTERPRISES: f64 = 174.0;
/// Published: villages with collective income of at least 1,000,000 yuan.
pub const VILLAGES_OVER_1M: f64 = 8.0;
/// Published: villages with collective income of at least 100,000 yuan — **assumed** to include the 8.
pub const VILLAGES_OVER_100K: f64 = 116.0;
/// Published: products on the 832 platform.
pub const PRODUCTS_ON_832: f64 = 575.0;
/// Bazhong's rural villages (domain notes §1), when the tree has none under 5119.
pub const BAZHONG_RURAL_VILLAGES: f64 = 1_316.0;

/// Assumed: mean base size (亩), so about 6,000 bases in Bazhong.
pub const MEAN_BASE_MU: f64 = 500.0;
/// Assumed: county-level leading enterprises per city-level-or-above one.
pub const COUNTY_LEVEL_PER_LEADING: f64 = 0.6;
/// Assumed: farmer cooperatives per rural village (Sichuan about 100,000 for about 30,000 villages) [weak].
pub const COOPERATIVES_PER_VILLAGE: f64 = 3.0;
/// Assumed: family farms per rural village [weak].
pub const FAMILY_FARMS_PER_VILLAGE: f64 = 1.0;
/// Assumed: certified products not on 832 per product on it.
pub const OTHER_PRODUCTS_PER_832: f64 = 0.4;
/// Assumed: levels of the leading enterprises at city level or above (national, provincial, city).
pub const LEVEL_MIX: [(EnterpriseLevel, f64); 3] = [
    (EnterpriseLevel::National, 0.03),
    (EnterpriseLevel::Province, 0.27),
    (EnterpriseLevel::City, 0.70),
];
/// Assumed: yearly growth of village collective income after (and before) 2020.
pub const COLLECTIVE_GROWTH: f64 = 1.12;
/// Assumed: bands of the villages below 100,000 yuan in 2020 (none, under 50,000, 50,000–100,000).
pub const LOW_BAND_MIX: [(CollectiveBand, f64); 3] = [
    (CollectiveBand::None, 0.05),
    (CollectiveBand::Under50k, 0.55),
    (CollectiveBand::From50kTo100k, 0.40),
];
/// Assumed: households (ever registered or monitored) selling under contract, and renting out land.
pub const CONTRACT_SHARE: f64 = 0.35;
pub const LAND_RENT_SHARE: f64 = 0.2;
/// Assumed: wage per month of local work, yuan (to derive months from a wage).
pub const LOCAL_WAGE_PER_MONTH: f64 = 1_500.0;
/// Assumed: the share of the lifted and monitored workers whose work breaks off in a year (fewer than six
/// months, or none), by year. Nobody publishes it; the national 脱贫劳动力务工规模 moved by about 3% from one
/// year to the next (32.43 million in 2020, 31.45 in 2021, 32.78 in 2022), and 2020 (the epidemic's year)
/// twice that: the rate is read from those swings.
pub const WORK_BREAK_RATE: [(u16, f64); 7] = [
    (2019, 0.03),
    (2020, 0.06),
    (2021, 0.03),
    (2022, 0.035),
    (2023, 0.03),
    (2024, 0.03),
    (2025, 0.03),
];
/// Assumed: of the breaks in a household where someone else keeps working, the share that are a whole
/// year without work (返乡); the rest, and every break of a household's only worker, are a short year (1–5
/// months) with the same wage (so the household's 工资性收入 stays theirs).
pub const WHOLE_YEAR_BREAK_SHARE: f64 = 0.5;
/// The employment breaks' stream (its own, so the other records of a village draw as before).
pub const STREAM_WORK_BREAKS: u64 = 0x4252_4b53; // "BRKS"

/// The break rate of `year` ([`WORK_BREAK_RATE`]).
pub fn work_break_rate(year: u16) -> f64 {
    WORK_BREAK_RATE
        .iter()
        .find(|(y, _)| *y == year)
        .map_or(0.03, |(_, r)| *r)
}

/// Records of one village: area-wide records placed in it, and household-side records with local ids.
#[derive(Debug, Clone, PartialEq)]
pub struct VillageEconomy {
    pub village: AreaCode,
    /// The number of the household that local id `HouseholdId(i + 1)` stands for.
    pub households: Vec<HouseholdNo>,
    pub records: EconomyRecords,
}

impl VillageEconomy {
    /// The records with real household ids; an error names a household that is not found.
    pub fn resolve(
        &self,
        id_of: impl Fn(&HouseholdNo) -> Option<HouseholdId>,
    ) -> Result<EconomyRecords, String> {
        let mut ids: HashMap<i64, HouseholdId> = HashMap::new();
        let mut household = |local: HouseholdId| -> Result<HouseholdId, String> {
            if let Some(id) = ids.get(&local.0) {
                return Ok(*id);
            }
            let no = usize::try_from(local.0 - 1)
                .ok()
                .and_then(|i| self.households.get(i))
                .ok_or_else(|| format!("村 {} 没有第 {} 户", self.village, local.0))?;
            let id = id_of(no).ok_or_else(|| format!("户 {} 尚未写入", no.as_str()))?;
            ids.insert(local.0, id);
            Ok(id)
        };
        let mut out = EconomyRecords {
            operators: self.records.operators.clone(),
            bases: self.records.bases.clone(),
            products: self.records.products.clone(),
            sales: self.records.sales.clone(),
            accounts: self.records.accounts.clone(),
            ..EconomyRecords::default()
        };
        for l in &self.records.links {
            out.links.push(IndustryLink {
                household: household(l.household)?,
                ..l.clone()
            });
        }
        for e in &self.records.employment {
            out.employment.push(EmploymentRecord {
                household: household(e.household)?,
                ..e.clone()
            });
        }
        Ok(out)
    }
}

// ---- The county plan ----

/// What a county (replica) gets, and where its records go.
#[derive(Debug, Clone)]
struct CountyTargets {
    /// The county's code in the run (synthetic for replicas).
    code: AreaCode,
    /// Its real rural villages in code order.
    villages: Vec<AreaCode>,
    leading: usize,
    county_level: usize,
    cooperatives: usize,
    family_farms: usize,
    bases: usize,
    base_mu: f64,
    on_832: usize,
    other_products: usize,
    over_1m: usize,
    over_100k: usize,
}

/// One placed operator, base or product: its index within the county's village list.
#[derive(Debug, Clone)]
struct CountyEconomy {
    /// Per village index: operators, bases, products placed there.
    operators: Vec<Vec<Operator>>,
    bases: Vec<Vec<IndustryBase>>,
    products: Vec<Vec<(Product, Vec<ProductSales>)>>,
    /// Operators households may be linked to (leading enterprises and cooperatives), in placement order,
    /// with their village index.
    linkable: Vec<(OperatorId, usize)>,
    base_of: HashMap<OperatorId, BaseId>,
    /// 2020 own collective income per village index, yuan.
    collective_2020: Vec<f64>,
}

/// The economy part of a generator's plan: per county index, its targets (built with the plan) and its
/// records (built on first use).
pub(crate) struct Plan {
    targets: Vec<Option<CountyTargets>>,
    built: Vec<OnceLock<CountyEconomy>>,
    seed: u64,
}

/// Splits `total` over `weights` by largest remainders (the parts sum to `total`).
fn apportion(total: usize, weights: &[f64]) -> Vec<usize> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 || weights.is_empty() {
        return vec![0; weights.len()];
    }
    let exact: Vec<f64> = weights.iter().map(|w| total as f64 * w / sum).collect();
    let mut parts: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|a, b| {
        let ra = exact[*a] - exact[*a].floor();
        let rb = exact[*b] - exact[*b].floor();
        rb.total_cmp(&ra).then(a.cmp(b))
    });
    let left = total.saturating_sub(parts.iter().sum());
    for i in order.into_iter().take(left) {
        parts[i] += 1;
    }
    parts
}

/// How many of `total` items village `i` of `n` gets (cumulative rounding: the parts sum to `total`).
fn placed(total: usize, i: usize, n: usize) -> std::ops::Range<usize> {
    (total * i / n)..(total * (i + 1) / n)
}

impl Plan {
    pub(crate) fn build(
        tree: &AreaTree,
        seed: u64,
        scale: f64,
        counties: &[crate::CountyPlan],
        villages: &[crate::VillagePlan],
    ) -> Plan {
        let replicas = scale.ceil().max(1.0);
        let share = scale / replicas;
        let rural = |c: &AreaCode| -> Vec<AreaCode> {
            tree.within_at_level(c, AreaLevel::Village)
                .filter(|a| a.is_rural_village())
                .map(|a| a.code)
                .collect()
        };
        let bazhong = crate::bazhong();
        let n_bazhong = match tree
            .within_at_level(&bazhong, AreaLevel::Village)
            .filter(|a| a.is_rural_village())
            .count()
        {
            0 => BAZHONG_RURAL_VILLAGES,
            n => n as f64,
        };
        let mut targets: Vec<Option<CountyTargets>> = vec![None; counties.len()];
        // The real county of each county index that has villages in the run.
        let mut real_of: BTreeMap<usize, AreaCode> = BTreeMap::new();
        for v in villages {
            if let Some(c) = v.source.ancestor_at(AreaLevel::County) {
                real_of.entry(v.county).or_insert(c);
            }
        }
        // City apportionments, computed once per city.
        let mut cities: HashMap<AreaCode, (Vec<AreaCode>, Vec<Vec<usize>>)> = HashMap::new();
        for (index, real) in real_of {
            let Some(city) = real.ancestor_at(AreaLevel::City) else {
                continue;
            };
            let entry = cities.entry(city).or_insert_with(|| {
                let cs: Vec<AreaCode> = tree
                    .within_at_level(&city, AreaLevel::County)
                    .map(|a| a.code)
                    .collect();
                let weights: Vec<f64> = cs.iter().map(|c| rural(c).len() as f64).collect();
                let n_city: f64 = weights.iter().sum();
                let k = share * n_city / n_bazhong;
                let totals = [
                    LEADING_ENTERPRISES * k,
                    VILLAGES_OVER_1M * k,
                    VILLAGES_OVER_100K * k,
                    PRODUCTS_ON_832 * k,
                    BASE_MU / MEAN_BASE_MU * k,
                ];
                let parts = totals
                    .iter()
                    .map(|t| apportion(t.round() as usize, &weights))
                    .collect();
                (cs, parts)
            });
            let Some(pos) = entry.0.iter().position(|c| *c == real) else {
                continue;
            };
            let part = |k: usize| entry.1[k][pos];
            let vs = rural(&real);
            let n = vs.len() as f64;
            let n_city: f64 = entry.0.iter().map(|c| rural(c).len() as f64).sum();
            let leading = part(0);
            targets[index] = Some(CountyTargets {
                code: counties[index].code,
                leading,
                county_level: (leading as f64 * COUNTY_LEVEL_PER_LEADING).round() as usize,
                cooperatives: (COOPERATIVES_PER_VILLAGE * n * share).round() as usize,
                family_farms: (FAMILY_FARMS_PER_VILLAGE * n * share).round() as usize,
                bases: part(4).max(1),
                base_mu: BASE_MU * share * n_city / n_bazhong * n / n_city.max(1.0),
                on_832: part(3),
                other_products: (part(3) as f64 * OTHER_PRODUCTS_PER_832).round() as usize,
                over_1m: part(1),
                over_100k: part(2).max(part(1)),
                villages: vs,
            });
        }
        Plan {
            built: (0..targets.len()).map(|_| OnceLock::new()).collect(),
            targets,
            seed,
        }
    }

    fn county(&self, index: usize) -> Option<&CountyEconomy> {
        let t = self.targets.get(index)?.as_ref()?;
        Some(
            self.built
                .get(index)?
                .get_or_init(|| build_county(self.seed, t)),
        )
    }
}

fn id_base(county: &AreaCode) -> i64 {
    county.as_str().parse::<i64>().unwrap_or(0) * 100_000
}

/// The village code in the run of the county's `i`-th real village (replicas keep the village digits).
fn run_code(t: &CountyTargets, real: &AreaCode) -> AreaCode {
    let digits = format!("{}{}", t.code.as_str(), &real.as_str()[6..]);
    AreaCode::parse(&digits).unwrap_or(*real)
}

const TEA_NAMES: [&str; 10] = [
    "云顶",
    "米仓山",
    "光雾山",
    "诺水河",
    "恩阳",
    "巴山",
    "通江",
    "南江",
    "平昌",
    "巴州",
];

fn build_county(seed: u64, t: &CountyTargets) -> CountyEconomy {
    let mut rng = rng::stream(seed, t.code.as_str(), STREAM_ECONOMY);
    let n = t.villages.len().max(1);
    let mut out = CountyEconomy {
        operators: vec![Vec::new(); n],
        bases: vec![Vec::new(); n],
        products: vec![Vec::new(); n],
        linkable: Vec::new(),
        base_of: HashMap::new(),
        collective_2020: vec![0.0; n],
    };
    let ids = id_base(&t.code);
    let mut next = 0i64;
    let mut new_id = || {
        next += 1;
        ids + next
    };
    let county_name = |rng: &mut SynthRng| TEA_NAMES[rng::int(rng, 0, 9) as usize];
    // Operators, kind by kind, each spread over the villages.
    let kinds = [
        (OperatorKind::LeadingEnterprise, true, t.leading),
        (OperatorKind::LeadingEnterprise, false, t.county_level),
        (OperatorKind::Cooperative, false, t.cooperatives),
        (OperatorKind::FamilyFarm, false, t.family_farms),
    ];
    for (kind, city_or_above, total) in kinds {
        for i in 0..n {
            for k in placed(total, i, n) {
                let village = run_code(t, &t.villages[i]);
                let (level, year) = match (kind, city_or_above) {
                    (OperatorKind::LeadingEnterprise, true) => (
                        Some(rng::weighted(&mut rng, &LEVEL_MIX)),
                        Some(rng::int(&mut rng, 2008, i64::from(CALIBRATION_YEAR)) as u16),
                    ),
                    (OperatorKind::LeadingEnterprise, false) => (
                        Some(EnterpriseLevel::County),
                        Some(rng::int(&mut rng, 2012, 2024) as u16),
                    ),
                    _ => (None, None),
                };
                let id = OperatorId(new_id());
                let name = match kind {
                    OperatorKind::LeadingEnterprise => {
                        format!("巴中{}农业开发有限公司{}", county_name(&mut rng), k + 1)
                    }
                    OperatorKind::Cooperative => {
                        format!("{}种养专业合作社{}", county_name(&mut rng), k + 1)
                    }
                    OperatorKind::FamilyFarm => {
                        format!("{}家庭农场{}", county_name(&mut rng), k + 1)
                    }
                };
                if kind != OperatorKind::FamilyFarm {
                    out.linkable.push((id, i));
                }
                out.operators[i].push(Operator {
                    id,
                    name,
                    kind,
                    level,
                    recognised_year: year,
                    area: village,
                });
            }
        }
    }
    let all_ops: Vec<(OperatorId, OperatorKind)> = out
        .operators
        .iter()
        .flatten()
        .map(|o| (o.id, o.kind))
        .collect();
    // Bases: sizes drawn, then scaled to the county's area exactly (to 0.1 亩; the last takes the rest).
    let raw: Vec<f64> = (0..t.bases)
        .map(|_| rng::lognormal_mean_one(&mut rng, 0.8))
        .collect();
    let sum: f64 = raw.iter().sum::<f64>().max(f64::MIN_POSITIVE);
    let tenths_total = (t.base_mu * 10.0).round() as i64;
    let mut tenths: Vec<i64> = raw
        .iter()
        .map(|r| ((r / sum) * tenths_total as f64).floor().max(1.0) as i64)
        .collect();
    let before_last: i64 = tenths.iter().rev().skip(1).sum();
    if let Some(last) = tenths.last_mut() {
        *last = (tenths_total - before_last).max(1);
    }
    let mut b = 0usize;
    for i in 0..n {
        for _ in placed(t.bases, i, n) {
            let kind = rng::weighted(
                &mut rng,
                &[
                    (IndustryKind::Tea, 0.2),
                    (IndustryKind::Kiwi, 0.1),
                    (IndustryKind::Herbs, 0.15),
                    (IndustryKind::Livestock, 0.15),
                    (IndustryKind::Walnut, 0.1),
                    (IndustryKind::Fungi, 0.05),
                    (IndustryKind::Vegetables, 0.1),
                    (IndustryKind::Fruit, 0.05),
                    (IndustryKind::GrainOil, 0.08),
                    (IndustryKind::Other, 0.02),
                ],
            );
            let operator = (!all_ops.is_empty() && rng::chance(&mut rng, 0.95))
                .then(|| all_ops[rng::int(&mut rng, 0, all_ops.len() as i64 - 1) as usize].0);
            let id = BaseId(new_id());
            if let Some(o) = operator {
                out.base_of.entry(o).or_insert(id);
            }
            out.bases[i].push(IndustryBase {
                id,
                name: format!("{}{}基地", county_name(&mut rng), kind.label()),
                kind,
                area_mu: tenths.get(b).copied().unwrap_or(1) as f64 / 10.0,
                village: run_code(t, &t.villages[i]),
                operator,
                established: rng::int(&mut rng, 2014, i64::from(CALIBRATION_YEAR)) as u16,
            });
            b += 1;
        }
    }
    // Products: those on 832 first, then the others; producers among linkable operators.
    let products = [(true, t.on_832), (false, t.other_products)];
    for (on_832, total) in products {
        for i in 0..n {
            for _ in placed(total, i, n) {
                let producer = if out.linkable.is_empty() {
                    all_ops.first().map(|o| o.0)
                } else {
                    Some(
                        out.linkable[rng::int(&mut rng, 0, out.linkable.len() as i64 - 1) as usize]
                            .0,
                    )
                };
                let Some(producer) = producer else { continue };
                let category = rng::weighted(
                    &mut rng,
                    &[
                        (ProductCategory::Tea, 0.2),
                        (ProductCategory::GrainOil, 0.15),
                        (ProductCategory::MeatEggs, 0.2),
                        (ProductCategory::FruitVegetables, 0.2),
                        (ProductCategory::Herbs, 0.1),
                        (ProductCategory::Processed, 0.12),
                        (ProductCategory::Crafts, 0.03),
                    ],
                );
                let mut platforms = vec![];
                if on_832 {
                    platforms.push(SalesPlatform::P832);
                }
                for p in [
                    SalesPlatform::Ecommerce,
                    SalesPlatform::Supermarket,
                    SalesPlatform::Canteen,
                ] {
                    if rng::chance(&mut rng, 0.4) {
                        platforms.push(p);
                    }
                }
                if platforms.is_empty() {
                    platforms.push(SalesPlatform::Fair);
                }
                let certified = rng::int(&mut rng, 2017, i64::from(CALIBRATION_YEAR)) as u16;
                let brand = match rng::unit(&mut rng) {
                    x if x < 0.5 => Some("巴食巴适".to_owned()),
                    x if x < 0.6 && category == ProductCategory::Tea => Some("巴中云顶".to_owned()),
                    _ => None,
                };
                let id = ProductId(new_id());
                let mut sales = Vec::new();
                for year in YEARS.clone().filter(|y| *y >= certified) {
                    for p in &platforms {
                        let growth = 1.1f64.powi(i32::from(year) - 2019);
                        let amount = 200_000.0 * growth * rng::lognormal_mean_one(&mut rng, 0.9);
                        sales.push(ProductSales {
                            product: id,
                            year,
                            platform: *p,
                            amount: Yuan::from_yuan(amount.round() as i64),
                        });
                    }
                }
                out.products[i].push((
                    Product {
                        id,
                        name: format!("{}{}", county_name(&mut rng), category.label()),
                        category,
                        producer,
                        area: run_code(t, &t.villages[i]),
                        certified_year: certified,
                        platforms,
                        brand,
                    },
                    sales,
                ));
            }
        }
    }
    // Collective income of 2020: the chosen villages at least 1,000,000 and at least 100,000, the others
    // in the low bands.
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng);
    for (rank, i) in order.into_iter().enumerate() {
        let income = if rank < t.over_1m {
            rng::between(&mut rng, 1_000_000.0, 2_500_000.0)
        } else if rank < t.over_100k {
            (rng::between(&mut rng, 100_000f64.ln(), 800_000f64.ln())).exp()
        } else {
            match rng::weighted(&mut rng, &LOW_BAND_MIX) {
                CollectiveBand::None => 0.0,
                CollectiveBand::Under50k => rng::between(&mut rng, 5_000.0, 49_000.0),
                _ => rng::between(&mut rng, 50_000.0, 99_000.0),
            }
        };
        out.collective_2020[i] = income.floor();
    }
    out
}

// ---- The village's records ----

fn year_end(year: u16) -> NaiveDate {
    NaiveDate::from_ymd_opt(i32::from(year), 12, 31).unwrap_or(NaiveDate::MAX)
}

/// The village's records (see the module docs).
pub(crate) fn generate(
    plan: &Plan,
    seed: u64,
    vplan: &crate::VillagePlan,
    village: &GeneratedVillage,
) -> Result<VillageEconomy, SynthError> {
    let county = plan.county(vplan.county);
    let targets = plan.targets.get(vplan.county).and_then(|t| t.as_ref());
    let index = targets.and_then(|t| t.villages.binary_search(&vplan.source).ok());
    let mut rng = rng::stream(seed, village.code.as_str(), STREAM_ECONOMY);
    let mut breaks = rng::stream(seed, village.code.as_str(), STREAM_WORK_BREAKS);
    let mut out = VillageEconomy {
        village: village.code,
        households: village
            .households
            .iter()
            .map(|g| g.household.number.clone())
            .collect(),
        records: EconomyRecords::default(),
    };
    let (Some(county), Some(i)) = (county, index) else {
        return Ok(out);
    };
    let r = &mut out.records;
    r.operators = county.operators[i].clone();
    r.bases = county.bases[i].clone();
    for (p, sales) in &county.products[i] {
        r.products.push(p.clone());
        r.sales.extend(sales.iter().cloned());
    }
    // Collective accounts.
    let base = county.collective_2020[i];
    let subsidies = rng::between(&mut rng, 50_000.0, 200_000.0);
    let split = [
        rng::between(&mut rng, 0.35, 0.55),
        rng::between(&mut rng, 0.25, 0.4),
    ];
    for year in YEARS {
        let own = (base * COLLECTIVE_GROWTH.powi(i32::from(year) - i32::from(CALIBRATION_YEAR)))
            .floor() as i64;
        let operating = (own as f64 * split[0]) as i64;
        let assets = (own as f64 * split[1]) as i64;
        let services = own - operating - assets;
        let projects = if operating > 0 {
            vec![CollectiveProject {
                name: format!(
                    "{}集体经济项目",
                    ["茶叶加工", "光伏发电", "乡村旅游", "农机服务"][(i + 1) % 4]
                ),
                invested: Yuan::from_yuan(operating * 5),
                income: Yuan::from_yuan(operating / 2),
            }]
        } else {
            Vec::new()
        };
        r.accounts.push(CollectiveAccount {
            village: village.code,
            year,
            income: [
                Yuan::from_yuan(operating),
                Yuan::from_yuan(assets),
                Yuan::from_yuan(services),
                Yuan::from_yuan(subsidies as i64),
            ],
            assets: Yuan::from_yuan(own * 10 + 200_000),
            projects,
        });
    }
    // The operator a household of this village is linked to: one of the village's own, else the county's
    // operator placed nearest before it.
    let own_linkable: Vec<OperatorId> = r
        .operators
        .iter()
        .filter(|o| o.kind != OperatorKind::FamilyFarm)
        .map(|o| o.id)
        .collect();
    let operator_for = |rng: &mut SynthRng| -> Option<OperatorId> {
        if !own_linkable.is_empty() {
            return Some(own_linkable[rng::int(rng, 0, own_linkable.len() as i64 - 1) as usize]);
        }
        let before = county.linkable.iter().rev().find(|(_, v)| *v <= i);
        before.or(county.linkable.first()).map(|(id, _)| *id)
    };
    for (h, g) in village.households.iter().enumerate() {
        let local = HouseholdId(h as i64 + 1);
        let dividend_kind = if rng::chance(&mut rng, 0.6) {
            LinkKind::AssetIncome
        } else {
            LinkKind::Dividend
        };
        let contract =
            rng::chance(&mut rng, CONTRACT_SHARE).then(|| rng::between(&mut rng, 0.3, 0.6));
        let land_rent = rng::chance(&mut rng, LAND_RENT_SHARE);
        let operator = operator_for(&mut rng);
        let workshop = rng::unit(&mut rng);
        for year in YEARS {
            let end = year_end(year);
            let status = HouseholdStatus::on(&g.events, end);
            let included = (status.ever_registered || status.monitoring.is_some())
                && !matches!(status.registry, RegistryStatus::Removed { .. });
            let Some(record) = g.as_of(end) else { continue };
            if !included || record.members.is_empty() {
                continue;
            }
            let Some(income) = g.household.income(year) else {
                continue;
            };
            let link = |kind: LinkKind, amount: Yuan, r: &mut EconomyRecords| {
                if let (Some(op), true) = (operator, amount.fen() > 0) {
                    r.links.push(IndustryLink {
                        household: local,
                        operator: op,
                        base: county.base_of.get(&op).copied(),
                        kind,
                        year,
                        amount,
                    });
                }
            };
            link(
                dividend_kind,
                income.get(IncomeComponent::PropertyDividend),
                r,
            );
            if let Some(part) = contract {
                let business = income.get(IncomeComponent::Business).fen() as f64;
                link(
                    LinkKind::ContractFarming,
                    Yuan::from_fen((business * part) as i64),
                    r,
                );
            }
            if land_rent {
                link(
                    LinkKind::LandRent,
                    income.get(IncomeComponent::PropertyOther),
                    r,
                );
            }
            // Employment.
            let working_age: Vec<usize> = record
                .members
                .iter()
                .enumerate()
                .filter(|(_, m)| m.birth_date() <= end && (16..=64).contains(&m.age_on(end)))
                .map(|(k, _)| k)
                .collect();
            let wages = income.get(IncomeComponent::Wages).fen();
            let all_migrants: Vec<usize> = working_age
                .iter()
                .copied()
                .filter(|k| record.members[*k].migrant_months.get() > 0)
                .collect();
            // Breaks of the year (see [`WORK_BREAK_RATE`]): a migrant whose work breaks off, while another
            // keeps working, may spend the year without work (the others earn the wages); otherwise the
            // year is short.
            let rate = work_break_rate(year);
            let mut short: Vec<usize> = Vec::new();
            let mut lost: Vec<usize> = Vec::new();
            for k in &all_migrants {
                if rng::chance(&mut breaks, rate) {
                    if all_migrants.len() > lost.len() + 1
                        && rng::chance(&mut breaks, WHOLE_YEAR_BREAK_SHARE)
                    {
                        lost.push(*k);
                    } else {
                        short.push(*k);
                    }
                }
            }
            let short_months = |rng: &mut SynthRng| rng::int(rng, 1, 5) as u8;
            let migrants: Vec<usize> = all_migrants
                .iter()
                .copied()
                .filter(|k| !lost.contains(k))
                .collect();
            let studying = |k: usize| {
                record.members[k].schooling.is_some_and(|s| {
                    !matches!(
                        s,
                        SchoolingStatus::NotInSchool
                            | SchoolingStatus::Dropout
                            | SchoolingStatus::Preschool
                    )
                })
            };
            let can_work = |k: usize| record.members[k].labour.is_some_and(|l| l.can_work());
            // The local worker when nobody migrates: a working-age member able to work, else the head if
            // able to work.
            let local_worker = if migrants.is_empty() && wages > 0 {
                working_age
                    .iter()
                    .copied()
                    .find(|k| can_work(*k) && !studying(*k))
            } else {
                None
            };
            let local_status = match workshop {
                x if x < 0.25 && status.ever_registered => EmploymentStatus::PublicWelfareJob,
                x if x < 0.4 => EmploymentStatus::Workshop,
                _ => EmploymentStatus::Local,
            };
            let total_months: i64 = migrants
                .iter()
                .map(|k| i64::from(record.members[*k].migrant_months.get()))
                .sum();
            let mut paid = 0i64;
            for (pos, k) in migrants.iter().enumerate() {
                let m = &record.members[*k];
                let months = i64::from(m.migrant_months.get());
                let wage = if pos + 1 == migrants.len() {
                    wages - paid
                } else {
                    wages * months / total_months.max(1)
                };
                paid += wage;
                r.employment.push(EmploymentRecord {
                    household: local,
                    member: m.resident_id,
                    year,
                    status: match m.work_status {
                        WorkStatus::WithinCounty => EmploymentStatus::MigrantWithinCounty,
                        WorkStatus::WithinProvince => EmploymentStatus::MigrantWithinProvince,
                        _ => EmploymentStatus::MigrantOutsideProvince,
                    },
                    months: if short.contains(k) {
                        short_months(&mut breaks).min(m.migrant_months.get())
                    } else {
                        m.migrant_months.get()
                    },
                    wage: Yuan::from_fen(wage.max(0)),
                    reason: None,
                });
            }
            for k in &lost {
                r.employment.push(EmploymentRecord {
                    household: local,
                    member: record.members[*k].resident_id,
                    year,
                    status: EmploymentStatus::NotWorking,
                    months: 0,
                    wage: Yuan::ZERO,
                    reason: Some(NotWorkingReason::JobLost),
                });
            }
            for k in working_age
                .iter()
                .copied()
                .filter(|k| !all_migrants.contains(k))
            {
                let m = &record.members[k];
                if Some(k) == local_worker {
                    let mut months =
                        ((wages as f64 / 100.0 / LOCAL_WAGE_PER_MONTH).round() as i64).clamp(1, 12);
                    if rng::chance(&mut breaks, rate) {
                        months = months.min(i64::from(short_months(&mut breaks)));
                    }
                    r.employment.push(EmploymentRecord {
                        household: local,
                        member: m.resident_id,
                        year,
                        status: local_status,
                        months: months as u8,
                        wage: Yuan::from_fen(wages),
                        reason: None,
                    });
                    if matches!(
                        local_status,
                        EmploymentStatus::Workshop | EmploymentStatus::Local
                    ) {
                        link(LinkKind::Employment, Yuan::from_fen(wages), r);
                    }
                    continue;
                }
                let reason = if studying(k) {
                    NotWorkingReason::Study
                } else if m.health == Health::Disabled {
                    NotWorkingReason::Disability
                } else if matches!(m.health, Health::SeriousIllness | Health::Chronic)
                    && !can_work(k)
                {
                    NotWorkingReason::Illness
                } else {
                    rng::weighted(
                        &mut rng,
                        &[
                            (NotWorkingReason::Care, 0.5),
                            (NotWorkingReason::NoJob, 0.2),
                            (NotWorkingReason::Other, 0.3),
                        ],
                    )
                };
                r.employment.push(EmploymentRecord {
                    household: local,
                    member: m.resident_id,
                    year,
                    status: EmploymentStatus::NotWorking,
                    months: 0,
                    wage: Yuan::ZERO,
                    reason: Some(reason),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportioning_and_placing_keep_the_total() {
        let parts = apportion(174, &[300.0, 200.0, 400.0, 216.0, 200.0]);
        assert_eq!(parts.iter().sum::<usize>(), 174);
        for (total, n) in [(3, 1316), (174, 280), (0, 5), (575, 7)] {
            let sum: usize = (0..n).map(|i| placed(total, i, n).len()).sum();
            assert_eq!(sum, total);
        }
    }
}
