//! The plan of a run: which villages are generated, in which order, with which targets.
//!
//! The plan is computed up front from the area tree (cheap: one entry per village) so that every village can
//! then be generated on its own. Targets are always computed over whole counties — and over the whole family
//! of counties that share ID region codes — and only then restricted to the requested area, so a village is
//! generated identically whether the run asked for its township, its county or the whole city.
//!
//! For `scale > 1` every real village is replicated `ceil(scale)` times; replica 0 keeps the real code and
//! replica k ≥ 1 gets a synthetic code in the same county, township numbers 600–999 (not in the shipped
//! tree; real township numbers stay below 600).

use std::collections::{BTreeMap, BTreeSet};

use jingzhun_core::{AreaCode, AreaLevel, AreaTree};
use rand::seq::SliceRandom;

use crate::calibration::{self as cal, CountyProfile};
use crate::ids;
use crate::rng;
use crate::{SynthConfig, SynthError};

/// County-level parameters shared by the villages of one county.
#[derive(Debug, Clone)]
pub struct CountyPlan {
    pub code: AreaCode,
    pub name: String,
    /// Year the county's exit is approved (calibrated for Bazhong; generic elsewhere).
    pub approval_year: u16,
    pub exit_distribution: [f64; 7],
    /// Target rural population and registered poor people (end 2013) of the whole county at this scale.
    pub target_people: f64,
    pub target_poor_people: f64,
}

/// One village to generate.
#[derive(Debug, Clone)]
pub struct VillagePlan {
    /// The code households are filed under (synthetic for replicas k ≥ 1).
    pub code: AreaCode,
    /// The real village of the shipped tree this one is (a replica of).
    pub source: AreaCode,
    pub name: String,
    /// Name of the township (乡镇) the village belongs to.
    pub township_name: String,
    pub replica: u32,
    /// Index into [`crate::Generator::counties`].
    pub county: usize,
    /// Registered poor village (贫困村).
    pub poor_village: bool,
    pub target_people: f64,
    pub target_poor_people: f64,
    pub(crate) slot: usize,
    pub(crate) family_size: usize,
}

pub(crate) struct Plan {
    pub counties: Vec<CountyPlan>,
    pub villages: Vec<VillagePlan>,
}

fn bazhong_profile(code: &AreaCode) -> Option<&'static CountyProfile> {
    cal::BAZHONG_COUNTIES
        .iter()
        .find(|c| c.code == code.as_str())
}

/// Rural villages of a county, in code order.
fn rural_villages<'t>(tree: &'t AreaTree, county: &AreaCode) -> Vec<&'t jingzhun_core::Area> {
    tree.within_at_level(county, AreaLevel::Village)
        .filter(|a| a.is_rural_village())
        .collect()
}

fn synthetic_code(
    county: &AreaCode,
    index_in_county: usize,
    villages_in_county: usize,
    replica: u32,
) -> Result<AreaCode, SynthError> {
    let idx = (replica as usize - 1) * villages_in_county + index_in_county;
    let township = 600 + idx / 999;
    let village = 1 + idx % 999;
    if township > 999 {
        return Err(SynthError::ScaleTooLarge);
    }
    AreaCode::parse(&format!("{}{township:03}{village:03}", county.as_str()))
        .map_err(|_| SynthError::ScaleTooLarge)
}

impl Plan {
    pub(crate) fn build(tree: &AreaTree, config: &SynthConfig) -> Result<Plan, SynthError> {
        if !(config.scale.is_finite() && config.scale > 0.0) {
            return Err(SynthError::Scale(config.scale));
        }
        if !(0.0..=1.0).contains(&config.defect_rate) {
            return Err(SynthError::DefectRate(config.defect_rate));
        }
        if tree.get(&config.area).is_none() {
            return Err(SynthError::UnknownArea(config.area));
        }
        // Counties the area touches, expanded to their ID families.
        let area_counties: BTreeSet<AreaCode> = if config.area.level() >= AreaLevel::County {
            config
                .area
                .ancestor_at(AreaLevel::County)
                .into_iter()
                .collect()
        } else {
            tree.within_at_level(&config.area, AreaLevel::County)
                .map(|a| a.code)
                .collect()
        };
        let mut families: BTreeMap<String, Vec<AreaCode>> = BTreeMap::new();
        for county in &area_counties {
            families
                .entry(ids::family_key(county.as_str()).to_owned())
                .or_default();
        }
        for county in tree
            .areas()
            .filter(|a| a.level() == AreaLevel::County)
            .map(|a| a.code)
        {
            if let Some(members) = families.get_mut(ids::family_key(county.as_str())) {
                members.push(county);
            }
        }

        let replicas = config.scale.ceil().max(1.0) as u32;
        let mut counties = Vec::new();
        let mut villages = Vec::new();
        for members in families.values() {
            let family_start = villages.len();
            for county in members {
                let county_index = counties.len();
                let rural = rural_villages(tree, county);
                if rural.is_empty() {
                    continue;
                }
                let profile = bazhong_profile(county);
                let n = rural.len();
                let (people, poor_people, poor_villages, approval, exits) = match profile {
                    Some(p) => (
                        p.rural_population,
                        p.poor_people,
                        p.poor_villages.min(n),
                        p.approval_year,
                        p.exit_distribution,
                    ),
                    None => {
                        let people = cal::GENERIC_PEOPLE_PER_VILLAGE * n as f64;
                        (
                            people,
                            people * cal::GENERIC_INCIDENCE,
                            (n as f64 * cal::GENERIC_POOR_VILLAGE_SHARE).round() as usize,
                            cal::GENERIC_APPROVAL_YEAR,
                            cal::GENERIC_EXIT_DISTRIBUTION,
                        )
                    }
                };
                let county_plan = CountyPlan {
                    code: *county,
                    name: tree.get(county).map(|a| a.name.clone()).unwrap_or_default(),
                    approval_year: approval,
                    exit_distribution: exits,
                    target_people: people * config.scale,
                    target_poor_people: poor_people * config.scale,
                };
                // Poor villages: a seeded shuffle of the county's real villages.
                let mut order: Vec<usize> = (0..n).collect();
                order.shuffle(&mut rng::stream(
                    config.seed,
                    county.as_str(),
                    rng::STREAM_PLAN,
                ));
                let mut poor = vec![false; n];
                for &i in order.iter().take(poor_villages) {
                    poor[i] = true;
                }
                let start = villages.len();
                for replica in 0..replicas {
                    for (i, area) in rural.iter().enumerate() {
                        let code = if replica == 0 {
                            area.code
                        } else {
                            synthetic_code(county, i, n, replica)?
                        };
                        let mut r = rng::stream(config.seed, code.as_str(), rng::STREAM_PLAN);
                        let size = rng::lognormal_mean_one(&mut r, cal::VILLAGE_SIZE_SIGMA);
                        villages.push(VillagePlan {
                            code,
                            source: area.code,
                            name: area.name.clone(),
                            township_name: area
                                .code
                                .parent()
                                .and_then(|t| tree.get(&t))
                                .map(|t| t.name.clone())
                                .unwrap_or_default(),
                            replica,
                            county: county_index,
                            poor_village: poor[i],
                            target_people: size,
                            target_poor_people: 0.0,
                            slot: 0,
                            family_size: 0,
                        });
                    }
                }
                // Normalise sizes to the county total, then spread the poor quota.
                let county_villages = &mut villages[start..];
                let total_size: f64 = county_villages.iter().map(|v| v.target_people).sum();
                for v in county_villages.iter_mut() {
                    v.target_people *= county_plan.target_people / total_size;
                }
                let poor_pop: f64 = county_villages
                    .iter()
                    .filter(|v| v.poor_village)
                    .map(|v| v.target_people)
                    .sum();
                let share = poor_pop / county_plan.target_people;
                let k_non = cal::NON_POOR_VILLAGE_INCIDENCE_FACTOR;
                let k_poor = if share > 0.0 {
                    (1.0 - k_non * (1.0 - share)) / share
                } else {
                    1.0
                };
                let k_non = if share > 0.0 { k_non } else { 1.0 };
                let weight_total: f64 = county_villages
                    .iter()
                    .map(|v| v.target_people * if v.poor_village { k_poor } else { k_non })
                    .sum();
                for v in county_villages.iter_mut() {
                    let w = v.target_people * if v.poor_village { k_poor } else { k_non };
                    v.target_poor_people = county_plan.target_poor_people * w / weight_total;
                }
                counties.push(county_plan);
            }
            let family = &mut villages[family_start..];
            let size = family.len();
            for (slot, v) in family.iter_mut().enumerate() {
                v.slot = slot;
                v.family_size = size;
            }
        }
        // Keep the villages of the requested area, in code order (replicas after their real villages' run).
        let area = config.area;
        villages.retain(|v| area.contains(&v.source));
        villages.sort_by_key(|v| (v.replica, v.code));
        if villages.is_empty() {
            return Err(SynthError::NoRuralVillages(area));
        }
        Ok(Plan { counties, villages })
    }
}
