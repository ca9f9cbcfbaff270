//! The project library, funds, assets, assistance forces and relocation settlements of the generated area
//! (issue 15), consistent with its households and calibrated to Bazhong's published figures.
//!
//! Unlike households, these records are drawn once for the whole area after its villages: the published
//! figures are city totals (2,174 settlement sites, 20,749 km of roads, …), so each total at scale `s` is
//! `round(s × published)` and is shared out over the villages in code order by systematic rounding of
//! their weights (relocated households, population, poor villages), which makes the totals exact whatever
//! the scale and the order villages were generated in. Draws come from this module's own stream
//! ([`STREAM_PROJECTS`], keyed by the area), so the calibrated household and monitoring streams are
//! untouched.
//!
//! Published (Bazhong city government, Jan 2021; domain.md §1) and hit exactly at scale 1: 144 central
//! villages, 2,174 settlement sites (聚居点), 1,125 new villages (扶贫新村) — the settlements relocated
//! households live in —; 20,749 km of rural roads; 405 schools improved; 1,854 health-facility projects;
//! 173,000 dangerous houses renovated; 132 cadres sent to Liangshan; 858 million yuan of social funds since
//! 2014 of which 280 million on poverty-alleviation days; 937 private enterprises contributing.
//! Work teams and first secretaries are the monitoring records' cadres (three two-year terms per poor
//! village): [`work_teams`] groups them into teams.
//!
//! *Assumed* (not published; plausible orders of magnitude, marked here): road project length (about 4 km),
//! unit costs ([`UNIT_COST_YUAN`]), fund shares by source ([`SOURCE_SHARES`]), industry, water and
//! employment projects per village, spending schedules, asset values (what was spent) and returns (6% of
//! an industry asset's value a year, 60% to households), the number of state enterprises and social
//! organisations, and the employment services of settlements.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use jingzhun_core::monitoring::{Cadre, CadrePost};
use jingzhun_core::projects::*;
use jingzhun_core::{AreaCode, HouseholdNo, PersonName, Sex, StatusEventKind, Yuan};

use crate::names;
use crate::rng::{self, SynthRng};
use crate::{GeneratedVillage, SynthError};

/// This module's stream tag ("PROJ").
pub const STREAM_PROJECTS: u64 = 0x5052_4f4a;

/// Published totals at scale 1.
pub mod target {
    pub const CENTRAL_VILLAGES: f64 = 144.0;
    pub const SETTLEMENT_SITES: f64 = 2_174.0;
    pub const NEW_VILLAGES: f64 = 1_125.0;
    pub const RURAL_ROADS_KM: f64 = 20_749.0;
    pub const SCHOOLS_IMPROVED: f64 = 405.0;
    pub const HEALTH_FACILITY_PROJECTS: f64 = 1_854.0;
    pub const HOUSES_RENOVATED: f64 = 173_000.0;
    pub const CADRES_SENT_LIANGSHAN: f64 = 132.0;
    pub const SOCIAL_FUNDS_YUAN: f64 = 858_000_000.0;
    pub const POVERTY_DAY_DONATIONS_YUAN: f64 = 280_000_000.0;
    pub const PRIVATE_ENTERPRISES: f64 = 937.0;
}

/// *Assumed* mean length of a road project, km.
const ROAD_PROJECT_KM: f64 = 4.0;
/// *Assumed* unit costs in yuan: per km of road, per school, per health facility, per house renovated, per
/// household served by water, industry or employment projects.
pub const UNIT_COST_YUAN: [(ProjectKind, f64); 7] = [
    (ProjectKind::Road, 800_000.0),
    (ProjectKind::School, 2_500_000.0),
    (ProjectKind::HealthFacility, 400_000.0),
    (ProjectKind::Housing, 22_000.0),
    (ProjectKind::DrinkingWater, 3_000.0),
    (ProjectKind::Industry, 8_000.0),
    (ProjectKind::Employment, 2_000.0),
];
/// *Assumed* shares of project funds by source (the public ratios: mostly central and provincial transfers).
pub const SOURCE_SHARES: [(FundSource, f64); 7] = [
    (FundSource::Central, 0.46),
    (FundSource::Provincial, 0.20),
    (FundSource::City, 0.06),
    (FundSource::County, 0.16),
    (FundSource::EastWest, 0.06),
    (FundSource::Designated, 0.03),
    (FundSource::Enterprise, 0.03),
];
/// *Assumed* state enterprises and social organisations that also donate (besides the 937 private ones).
const OTHER_PARTNERS: [(PartnerKind, f64); 3] = [
    (PartnerKind::StateEnterprise, 60.0),
    (PartnerKind::SocialOrganisation, 150.0),
    (PartnerKind::Unit, 90.0),
];

/// What the generator keeps of a village to draw its projects: its code, county, designation, people and
/// households (by number, with whether registered and relocated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VillageFacts {
    pub code: AreaCode,
    pub county: AreaCode,
    pub poor_village: bool,
    pub people: u32,
    /// Registered households (ever), by number.
    pub registered: Vec<HouseholdNo>,
    /// Relocated households with the year they moved.
    pub relocated: Vec<(HouseholdNo, u16)>,
}

impl VillageFacts {
    pub fn of(village: &GeneratedVillage) -> Self {
        let mut registered = Vec::new();
        let mut relocated = Vec::new();
        let mut people = 0;
        for g in &village.households {
            people += g.household.members.len() as u32;
            if g.events
                .iter()
                .any(|e| e.kind == StatusEventKind::Registered)
            {
                registered.push(g.household.number.clone());
            }
            if let Some(r) = &g.household.relocation {
                relocated.push((g.household.number.clone(), r.year));
            }
        }
        Self {
            code: village.code,
            county: village.county,
            poor_village: village.poor_village,
            people,
            registered,
            relocated,
        }
    }
}

/// The records with local references: households by number, ids from 1 (offset them at load).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GeneratedProjects {
    pub projects: Vec<Project>,
    pub beneficiaries: Vec<(ProjectId, HouseholdNo)>,
    pub allocations: Vec<Allocation>,
    pub spending: Vec<Spending>,
    pub assets: Vec<Asset>,
    pub returns: Vec<AssetReturn>,
    pub secondments: Vec<Secondment>,
    pub partners: Vec<Partner>,
    pub donations: Vec<Donation>,
    pub settlements: Vec<Settlement>,
    pub residents: Vec<(SettlementId, HouseholdNo, NaiveDate)>,
}

/// Shares `total` (a whole number) over `weights` by systematic rounding: the counts sum to `total`
/// exactly and each is within one of its share.
pub fn share_out(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let mut cum = 0.0;
    let mut before = 0u64;
    weights
        .iter()
        .map(|w| {
            cum += w;
            let after = ((cum / sum) * total as f64 + 0.5).floor() as u64;
            let after = after.min(total);
            let n = after.saturating_sub(before);
            before = after;
            n
        })
        .collect()
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn count(value: f64, scale: f64) -> u64 {
    (value * scale).round().max(0.0) as u64
}

struct Builder {
    rng: SynthRng,
    out: GeneratedProjects,
    next_asset: i64,
}

impl Builder {
    fn cost(kind: ProjectKind) -> f64 {
        UNIT_COST_YUAN
            .iter()
            .find(|(k, _)| *k == kind)
            .map_or(100_000.0, |(_, c)| *c)
    }

    /// A project of `year` carried to `last` (or to the hand-over), with its funds, spending and asset.
    #[allow(clippy::too_many_arguments)]
    fn project(
        &mut self,
        kind: ProjectKind,
        area: AreaCode,
        year: u16,
        name: String,
        output: f64,
        households: u32,
        beneficiaries: &[HouseholdNo],
        last: Stage,
    ) {
        let id = ProjectId(self.out.projects.len() as i64 + 1);
        let rng = &mut self.rng;
        let y = i32::from(year);
        let budget_yuan = (output.max(1.0) * Self::cost(kind)).round();
        let at = |d: NaiveDate| Utc.from_utc_datetime(&d.and_hms_opt(2, 0, 0).unwrap_or_default());
        let proposed = ymd(y - 1, 10, 1) + Duration::days(rng::int(rng, 0, 80));
        let approved = ymd(y, 1, 10) + Duration::days(rng::int(rng, 0, 40));
        let announced = approved + Duration::days(rng::int(rng, 1, 10));
        let until = announced + Duration::days(9);
        let started = until + Duration::days(rng::int(rng, 1, 30));
        let completed = started + Duration::days(rng::int(rng, 90, 200));
        let accepted = completed + Duration::days(rng::int(rng, 10, 40));
        let handed = accepted + Duration::days(rng::int(rng, 5, 25));
        let owner = match kind {
            ProjectKind::Housing => AssetOwner::Household,
            ProjectKind::Industry | ProjectKind::DrinkingWater | ProjectKind::Settlement => {
                AssetOwner::VillageCollective
            }
            _ => AssetOwner::Public,
        };
        let mut steps = Vec::new();
        for stage in Stage::ALL {
            let on = match stage {
                Stage::Proposed => proposed,
                Stage::Approved => approved,
                Stage::Announced => announced,
                Stage::UnderWay => started,
                Stage::Completed => completed,
                Stage::Accepted => accepted,
                Stage::HandedOver => handed,
            };
            steps.push(ProjectStep {
                stage: *stage,
                on,
                announced_until: (*stage == Stage::Announced).then_some(until),
                owner: (*stage == Stage::HandedOver).then_some(owner),
                actual_output: (*stage == Stage::Completed).then_some(output),
                by: if stage.is_approval() || *stage == Stage::Accepted {
                    "county".into()
                } else {
                    "township".into()
                },
                at: at(on),
                note: String::new(),
            });
            if *stage == last {
                break;
            }
        }
        let stage = steps.last().map_or(Stage::Proposed, |s| s.stage);
        let project = Project {
            id,
            name,
            kind,
            area,
            year,
            planned_output: output,
            beneficiary_households: households,
            budget: Yuan::from_fen((budget_yuan * 100.0) as i64),
            steps,
        };
        for h in beneficiaries {
            self.out.beneficiaries.push((id, h.clone()));
        }
        if stage >= Stage::Approved {
            // Allocations by source; spending by the stage reached.
            let spent_share = match stage {
                Stage::Approved | Stage::Announced => 0.0,
                Stage::UnderWay => 0.4,
                _ => 1.0,
            };
            let mut allocated_fen = 0i64;
            let budget_fen = project.budget.fen();
            for (i, (source, share)) in SOURCE_SHARES.iter().enumerate() {
                let fen = if i + 1 == SOURCE_SHARES.len() {
                    budget_fen - allocated_fen
                } else {
                    (budget_fen as f64 * share).round() as i64
                };
                allocated_fen += fen;
                self.out.allocations.push(Allocation {
                    project: id,
                    source: *source,
                    year,
                    amount: Yuan::from_fen(fen),
                });
                let spent = (fen as f64 * spent_share).round() as i64;
                if spent > 0 {
                    // Paid in two instalments: at the start and at acceptance (or now, if still under way).
                    let first = spent * 6 / 10;
                    let second_on = if stage >= Stage::Accepted {
                        accepted
                    } else {
                        started + Duration::days(60)
                    };
                    self.out.spending.push(Spending {
                        project: id,
                        source: *source,
                        on: started,
                        amount: Yuan::from_fen(first),
                    });
                    self.out.spending.push(Spending {
                        project: id,
                        source: *source,
                        on: second_on,
                        amount: Yuan::from_fen(spent - first),
                    });
                }
            }
        }
        if stage == Stage::HandedOver {
            let asset = AssetId(self.next_asset);
            self.next_asset += 1;
            self.out.assets.push(Asset {
                id: asset,
                project: id,
                name: format!("{}形成资产", project.name),
                owner,
                value: project.budget,
                handed_over: handed,
            });
            if kind == ProjectKind::Industry {
                let value = project.budget.fen() as f64;
                for ry in (year + 1)..=crate::calibration::LAST_YEAR {
                    let total = value * rng::between(&mut self.rng, 0.04, 0.08);
                    let to_households = (total * 0.6).round() as i64;
                    self.out.returns.push(AssetReturn {
                        asset,
                        year: ry,
                        to_households: Yuan::from_fen(to_households),
                        to_collective: Yuan::from_fen(total.round() as i64 - to_households),
                    });
                }
            }
        }
        self.out.projects.push(project);
    }
}

/// A year of 2014–2020 for a completed project, weighted towards the middle years of the campaign.
fn campaign_year(rng: &mut SynthRng) -> u16 {
    rng::weighted(
        rng,
        &[
            (2014u16, 0.08),
            (2015, 0.12),
            (2016, 0.17),
            (2017, 0.19),
            (2018, 0.18),
            (2019, 0.16),
            (2020, 0.10),
        ],
    )
}

/// Draws the area's project library, funds, assets, secondments, partners and settlements from the facts
/// of its villages (any order; they are sorted by code). `area` keys the stream and is where city-level
/// records (secondments, partners) are filed.
pub fn generate(
    seed: u64,
    area: &AreaCode,
    scale: f64,
    villages: &mut [VillageFacts],
) -> Result<GeneratedProjects, SynthError> {
    villages.sort_by_key(|v| v.code);
    let mut b = Builder {
        rng: rng::stream(seed, area.as_str(), STREAM_PROJECTS),
        out: GeneratedProjects::default(),
        next_asset: 1,
    };
    settlements(&mut b, scale, villages);
    let pop: Vec<f64> = villages.iter().map(|v| f64::from(v.people)).collect();
    let poor_weighted: Vec<f64> = villages
        .iter()
        .map(|v| f64::from(v.people) * if v.poor_village { 3.0 } else { 1.0 })
        .collect();
    // Roads: projects shared out by poor-weighted population, lengths drawn then scaled to the exact total.
    let total_km = (target::RURAL_ROADS_KM * scale * 100.0).round() / 100.0;
    let road_counts = share_out(
        count(target::RURAL_ROADS_KM / ROAD_PROJECT_KM, scale).max(u64::from(total_km > 0.0)),
        &poor_weighted,
    );
    let mut lengths: Vec<(usize, f64)> = Vec::new();
    for (i, n) in road_counts.iter().enumerate() {
        for _ in 0..*n {
            lengths.push((i, rng::lognormal_mean_one(&mut b.rng, 0.5)));
        }
    }
    let sum: f64 = lengths.iter().map(|l| l.1).sum();
    let mut centi: Vec<i64> = lengths
        .iter()
        .map(|l| (l.1 / sum * total_km * 100.0).floor() as i64)
        .collect();
    // Hundredths of a km left by the floors go one each to the first projects: the total is exact.
    let mut left = (total_km * 100.0).round() as i64 - centi.iter().sum::<i64>();
    for c in centi.iter_mut() {
        if left <= 0 {
            break;
        }
        *c += 1;
        left -= 1;
    }
    for ((i, _), c) in lengths.iter().zip(centi) {
        let v = &villages[*i];
        let km = c as f64 / 100.0;
        let year = campaign_year(&mut b.rng);
        let households = (v.registered.len() as u32).max(1);
        b.project(
            ProjectKind::Road,
            v.code,
            year,
            format!("{year}年通村通组道路建设 {km:.2} 公里"),
            km,
            households,
            &[],
            Stage::HandedOver,
        );
    }
    // Schools and health facilities: one each per project, shared out by population.
    for (kind, total, label) in [
        (
            ProjectKind::School,
            target::SCHOOLS_IMPROVED,
            "义务教育学校改善",
        ),
        (
            ProjectKind::HealthFacility,
            target::HEALTH_FACILITY_PROJECTS,
            "村卫生室标准化建设",
        ),
    ] {
        for (i, n) in share_out(count(total, scale), &pop).iter().enumerate() {
            for _ in 0..*n {
                let v = &villages[i];
                let year = campaign_year(&mut b.rng);
                b.project(
                    kind,
                    v.code,
                    year,
                    format!("{year}年{label}"),
                    1.0,
                    v.registered.len() as u32,
                    &[],
                    Stage::HandedOver,
                );
            }
        }
    }
    // Housing: houses renovated shared out by poor-weighted population, one project per village and year
    // of renovation (one to three years), registered households among the beneficiaries.
    let houses = share_out(count(target::HOUSES_RENOVATED, scale), &poor_weighted);
    for (i, n) in houses.iter().enumerate() {
        if *n == 0 {
            continue;
        }
        let v = villages[i].clone();
        let years = (rng::int(&mut b.rng, 1, 3) as u64).min(*n);
        let mut linked = v.registered.iter();
        for (k, part) in share_out(*n, &vec![1.0; years as usize]).iter().enumerate() {
            let year = 2015 + (k as u16) * 2 + rng::int(&mut b.rng, 0, 1) as u16;
            let beneficiaries: Vec<HouseholdNo> = linked
                .by_ref()
                .take((*part as usize).min(v.registered.len()) / 2)
                .cloned()
                .collect();
            b.project(
                ProjectKind::Housing,
                v.code,
                year,
                format!("{year}年农村危房改造 {part} 户"),
                *part as f64,
                *part as u32,
                &beneficiaries,
                Stage::HandedOver,
            );
        }
    }
    // Industry, water and employment (assumed): an industry project per poor village (two in larger ones),
    // water for villages with registered households, and a few projects of the monitoring years at every
    // stage of the workflow.
    for v in villages.iter() {
        if v.registered.is_empty() && !v.poor_village {
            continue;
        }
        let hs = v.registered.len() as u32;
        let n_industry = if v.poor_village {
            1 + u32::from(hs > 40)
        } else {
            0
        };
        for _ in 0..n_industry {
            let year = campaign_year(&mut b.rng);
            let served: Vec<HouseholdNo> = v.registered.iter().take(30).cloned().collect();
            b.project(
                ProjectKind::Industry,
                v.code,
                year,
                format!("{year}年特色产业基地建设"),
                served.len().max(1) as f64,
                served.len() as u32,
                &served,
                Stage::HandedOver,
            );
        }
        if rng::chance(&mut b.rng, 0.5) {
            let year = campaign_year(&mut b.rng);
            b.project(
                ProjectKind::DrinkingWater,
                v.code,
                year,
                format!("{year}年农村饮水安全巩固提升"),
                f64::from(hs.max(1)),
                hs,
                &[],
                Stage::HandedOver,
            );
        }
        if rng::chance(&mut b.rng, 0.15) {
            // A project of the monitoring years, stopped at some stage of the workflow.
            let year = rng::int(&mut b.rng, 2023, 2025) as u16;
            let last = if year < 2025 {
                Stage::HandedOver
            } else {
                rng::weighted(
                    &mut b.rng,
                    &[
                        (Stage::Proposed, 0.3),
                        (Stage::Approved, 0.2),
                        (Stage::Announced, 0.2),
                        (Stage::UnderWay, 0.3),
                    ],
                )
            };
            let kind = if rng::chance(&mut b.rng, 0.6) {
                ProjectKind::Industry
            } else {
                ProjectKind::Employment
            };
            b.project(
                kind,
                v.code,
                year,
                format!("{year}年巩固衔接{}项目", kind.label()),
                f64::from(hs.clamp(1, 30)),
                hs.min(30),
                &[],
                last,
            );
        }
    }
    secondments(&mut b, area, scale, villages)?;
    partners(&mut b, area, scale, villages);
    Ok(b.out)
}

/// Central villages, settlement sites and new villages, shared out by relocated households; each relocated
/// household lives in one of its village's settlements or, if the village has none, one of its county's.
fn settlements(b: &mut Builder, scale: f64, villages: &[VillageFacts]) {
    let weights: Vec<f64> = villages.iter().map(|v| v.relocated.len() as f64).collect();
    let mut per_village: Vec<Vec<SettlementId>> = vec![Vec::new(); villages.len()];
    for (kind, total, suffix) in [
        (
            SettlementKind::CentralVillage,
            target::CENTRAL_VILLAGES,
            "中心村",
        ),
        (SettlementKind::Cluster, target::SETTLEMENT_SITES, "聚居点"),
        (SettlementKind::NewVillage, target::NEW_VILLAGES, "扶贫新村"),
    ] {
        for (i, n) in share_out(count(total, scale), &weights).iter().enumerate() {
            for k in 0..*n {
                let id = SettlementId(b.out.settlements.len() as i64 + 1);
                let services = rng::weighted(
                    &mut b.rng,
                    &[
                        ("扶贫车间, 就业服务站", 0.3),
                        ("社区工厂, 公益性岗位", 0.2),
                        ("产业园区, 劳务合作社", 0.2),
                        ("就业服务站", 0.3),
                    ],
                );
                b.out.settlements.push(Settlement {
                    id,
                    name: format!("{}第{}{}", villages[i].code.as_str(), k + 1, suffix),
                    kind,
                    village: villages[i].code,
                    capacity: 0,
                    built: rng::int(&mut b.rng, 2015, 2019) as u16,
                    services: services.to_owned(),
                });
                per_village[i].push(id);
            }
        }
    }
    let mut by_county: BTreeMap<AreaCode, Vec<SettlementId>> = BTreeMap::new();
    for (i, v) in villages.iter().enumerate() {
        by_county
            .entry(v.county)
            .or_default()
            .extend(per_village[i].iter().copied());
    }
    let mut turn: BTreeMap<AreaCode, usize> = BTreeMap::new();
    let mut residents: BTreeMap<SettlementId, u32> = BTreeMap::new();
    for (i, v) in villages.iter().enumerate() {
        for (no, year) in &v.relocated {
            let own = &per_village[i];
            let site = if !own.is_empty() {
                own[residents.len() % own.len()]
            } else if let Some(list) = by_county.get(&v.county).filter(|l| !l.is_empty()) {
                let t = turn.entry(v.county).or_default();
                *t += 1;
                list[*t % list.len()]
            } else {
                continue;
            };
            *residents.entry(site).or_default() += 1;
            let moved = ymd(i32::from(*year), 1, 1) + Duration::days(rng::int(&mut b.rng, 60, 330));
            b.out.residents.push((site, no.clone(), moved));
        }
    }
    for s in &mut b.out.settlements {
        let n = residents.get(&s.id).copied().unwrap_or(0);
        s.capacity = n + n / 10 + 2;
    }
}

fn person(rng: &mut SynthRng) -> Result<PersonName, SynthError> {
    let family = names::surname(rng);
    let sex = if rng::chance(rng, 0.7) {
        Sex::Male
    } else {
        Sex::Female
    };
    let born = rng::int(rng, 1970, 1992) as i32;
    PersonName::parse(&names::full_name(rng, family, sex, born))
        .map_err(|_| SynthError::Internal("secondment name"))
}

const LIANGSHAN_COUNTIES: [&str; 4] = ["昭觉县", "美姑县", "布拖县", "金阳县"];

/// Cadres sent to Liangshan (援凉干部), three batches of 2018–2020, from the counties by population.
fn secondments(
    b: &mut Builder,
    area: &AreaCode,
    scale: f64,
    villages: &[VillageFacts],
) -> Result<(), SynthError> {
    let mut counties: BTreeMap<AreaCode, f64> = BTreeMap::new();
    for v in villages {
        *counties.entry(v.county).or_default() += f64::from(v.people);
    }
    let codes: Vec<AreaCode> = counties.keys().copied().collect();
    let weights: Vec<f64> = counties.values().copied().collect();
    let _ = area;
    for (i, n) in share_out(count(target::CADRES_SENT_LIANGSHAN, scale), &weights)
        .iter()
        .enumerate()
    {
        for _ in 0..*n {
            let name = person(&mut b.rng)?;
            let from = ymd(rng::int(&mut b.rng, 2018, 2020) as i32, 6, 1);
            let place = LIANGSHAN_COUNTIES
                [rng::int(&mut b.rng, 0, LIANGSHAN_COUNTIES.len() as i64 - 1) as usize];
            b.out.secondments.push(Secondment {
                name,
                unit: "帮扶干部(选派)".into(),
                home_area: codes[i],
                destination: Destination::Liangshan,
                place: place.to_owned(),
                from,
                to: Some(ymd(from.year() + 2, 5, 31)),
            });
        }
    }
    Ok(())
}

/// Partners and their donations: the social funds and the poverty-day part split exactly (in fen) over
/// donations drawn per partner, filed under villages by population.
fn partners(b: &mut Builder, area: &AreaCode, scale: f64, villages: &[VillageFacts]) {
    let mut kinds = vec![(
        PartnerKind::PrivateEnterprise,
        count(target::PRIVATE_ENTERPRISES, scale),
    )];
    kinds.extend(OTHER_PARTNERS.iter().map(|(k, n)| (*k, count(*n, scale))));
    let pop: Vec<f64> = villages.iter().map(|v| f64::from(v.people)).collect();
    let total_partners: u64 = kinds.iter().map(|k| k.1).sum();
    let homes = share_out(total_partners, &pop);
    let mut home_of = homes
        .iter()
        .enumerate()
        .flat_map(|(i, n)| std::iter::repeat_n(i, *n as usize));
    // Raw draws, then scaled to the exact totals.
    let mut regular: Vec<(PartnerId, NaiveDate, AreaCode, f64)> = Vec::new();
    let mut day: Vec<(PartnerId, NaiveDate, AreaCode, f64)> = Vec::new();
    for (kind, n) in kinds {
        for k in 0..n {
            let id = PartnerId(b.out.partners.len() as i64 + 1);
            let village = home_of
                .next()
                .and_then(|i| villages.get(i))
                .map_or(*area, |v| v.code);
            let county = villages
                .iter()
                .find(|v| v.code == village)
                .map_or(*area, |v| v.county);
            let name = match kind {
                PartnerKind::PrivateEnterprise => format!("巴中民营企业{:04}", k + 1),
                PartnerKind::StateEnterprise => format!("国有企业{:03}", k + 1),
                PartnerKind::SocialOrganisation => format!("公益基金会{:03}", k + 1),
                PartnerKind::Unit => format!("定点帮扶单位{:03}", k + 1),
            };
            b.out.partners.push(Partner {
                id,
                name,
                kind,
                area: county,
            });
            let gifts = rng::int(&mut b.rng, 1, 4);
            for _ in 0..gifts {
                let year = rng::int(&mut b.rng, 2014, 2020) as i32;
                let w = rng::lognormal_mean_one(&mut b.rng, 1.0);
                if rng::chance(&mut b.rng, 0.35) {
                    day.push((id, ymd(year, 10, 17), village, w));
                } else {
                    let on = ymd(year, 1, 1) + Duration::days(rng::int(&mut b.rng, 0, 364));
                    regular.push((id, on, village, w));
                }
            }
        }
    }
    let social_fen = (target::SOCIAL_FUNDS_YUAN * scale * 100.0).round() as u64;
    let day_fen = (target::POVERTY_DAY_DONATIONS_YUAN * scale * 100.0).round() as u64;
    for (list, total, poverty_day) in [(day, day_fen, true), (regular, social_fen - day_fen, false)]
    {
        let weights: Vec<f64> = list.iter().map(|d| d.3).collect();
        for ((partner, on, village, _), fen) in list.into_iter().zip(share_out(total, &weights)) {
            b.out.donations.push(Donation {
                partner,
                on,
                amount: Yuan::from_fen(fen as i64),
                poverty_day,
                area: village,
            });
        }
    }
}

/// The village work teams of a village from its cadres (ids as the store gave them): each first secretary
/// with the work-team members that follow it, in id order, one two-year term after another from
/// September 2015 (three terms to August 2021).
pub fn work_teams(cadres: &[Cadre], first_id: WorkTeamId) -> Vec<WorkTeam> {
    let mut sorted: Vec<&Cadre> = cadres.iter().collect();
    sorted.sort_by_key(|c| c.id);
    let mut teams: Vec<WorkTeam> = Vec::new();
    for c in sorted {
        match c.post {
            CadrePost::FirstSecretary => {
                let term = teams.iter().filter(|t| t.village == c.area).count() as i32;
                let from = ymd(2015 + 2 * term, 9, 1);
                teams.push(WorkTeam {
                    id: WorkTeamId(first_id.0 + teams.len() as i64),
                    village: c.area,
                    unit: c.unit.clone(),
                    from,
                    to: Some(ymd(2017 + 2 * term, 8, 31)),
                    members: vec![(c.id, TeamRole::Leader)],
                });
            }
            CadrePost::WorkTeamMember => {
                if let Some(t) = teams.iter_mut().rev().find(|t| t.village == c.area) {
                    t.members.push((c.id, TeamRole::Member));
                }
            }
            _ => {}
        }
    }
    teams
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sharing_out_is_exact_and_proportional() {
        let counts = share_out(10, &[1.0, 1.0, 2.0, 0.0, 6.0]);
        assert_eq!(counts.iter().sum::<u64>(), 10);
        assert_eq!(counts, vec![1, 1, 2, 0, 6]);
        let counts = share_out(7, &[1.0; 3]);
        assert_eq!(counts.iter().sum::<u64>(), 7);
        assert!(counts.iter().all(|c| (2..=3).contains(c)));
        assert_eq!(share_out(5, &[0.0, 0.0]), vec![0, 0]);
    }
}
