//! The plan of a run: which villages are generated, in which order, with which targets.
//!
//! The plan is computed up front from the area tree (cheap: one entry per village) so that every village can
//! then be generated on its own. Targets are always computed over whole counties — and over the whole family
//! of counties that share ID region codes — and only then restricted to the requested area, so a village is
//! generated identically whether the run asked for its township, its county or the whole city.
//!
//! For `scale > 1` every county is replicated `ceil(scale)` times, each replica holding `scale / ceil(scale)`
//! of the real county's figures (so every replica is a plausible county, calibrated like the real one).
//! Replica 0 keeps the real codes; replica k ≥ 1 gets a synthetic county code — same province, city 70–89,
//! not in the shipped tree — and its villages keep their real township and village numbers under it.
//! Synthetic counties are numbered in the order of the run's counties, so their codes depend on the area
//! asked for. National size (about 30 million households) is Bazhong at scale 30 or Sichuan at about 1.5;
//! the limit is 1,980 synthetic counties per run.

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
    /// Target rural population and registered poor people (end 2013, members born by then) of the whole
    /// county at this scale.
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
    /// Target population and registered poor people at the end of 2013 (members born by then).
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

/// The code of replica `replica` (≥ 1) of the `index`-th county of the run (of `count`): province kept, city
/// 70–89 (unused by real prefectures, which stay below 70 or use 90 for directly administered counties),
/// county 01–99.
fn synthetic_county(
    county: &AreaCode,
    index: usize,
    count: usize,
    replica: u32,
) -> Result<AreaCode, SynthError> {
    let idx = (replica as usize - 1) * count + index;
    let city = 70 + idx / 99;
    let number = 1 + idx % 99;
    if city > 89 {
        return Err(SynthError::ScaleTooLarge);
    }
    let province = county
        .ancestor_at(AreaLevel::Province)
        .ok_or(SynthError::ScaleTooLarge)?;
    AreaCode::parse(&format!("{}{city:02}{number:02}", province.as_str()))
        .map_err(|_| SynthError::ScaleTooLarge)
}

/// A county of the run: the real county, or one of its replicas under a synthetic code.
struct CountySpec<'t> {
    real: AreaCode,
    code: AreaCode,
    replica: u32,
    rural: Vec<&'t jingzhun_core::Area>,
}

/// Plans one county: targets, poor villages, village sizes and poor quotas.
fn plan_county(
    tree: &AreaTree,
    config: &SynthConfig,
    spec: &CountySpec<'_>,
    share: f64,
    county_index: usize,
) -> Result<(CountyPlan, Vec<VillagePlan>), SynthError> {
    let n = spec.rural.len();
    let (people, poor_people, poor_villages, approval, exits) = match bazhong_profile(&spec.real) {
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
    let real_name = tree
        .get(&spec.real)
        .map(|a| a.name.clone())
        .unwrap_or_default();
    let county = CountyPlan {
        code: spec.code,
        name: if spec.replica == 0 {
            real_name
        } else {
            format!("{real_name}(合成{})", spec.replica)
        },
        approval_year: approval,
        exit_distribution: exits,
        target_people: people * share,
        target_poor_people: poor_people * share,
    };
    // Poor villages: a seeded shuffle of the county's villages (each replica its own).
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut rng::stream(
        config.seed,
        spec.code.as_str(),
        rng::STREAM_PLAN,
    ));
    let mut poor = vec![false; n];
    for &i in order.iter().take(poor_villages) {
        poor[i] = true;
    }
    let mut villages = Vec::with_capacity(n);
    for (i, area) in spec.rural.iter().enumerate() {
        let code = if spec.replica == 0 {
            area.code
        } else {
            // Same township and village numbers under the synthetic county.
            AreaCode::parse(&format!(
                "{}{}",
                spec.code.as_str(),
                &area.code.as_str()[6..]
            ))
            .map_err(|_| SynthError::Internal("synthetic village code"))?
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
            replica: spec.replica,
            county: county_index,
            poor_village: poor[i],
            target_people: size,
            target_poor_people: 0.0,
            slot: 0,
            family_size: 0,
        });
    }
    // Normalise sizes to the county total (people born by the end of 2013), then spread the poor quota:
    // villages that are not designated poor villages aim at a low incidence (and can hold no household at
    // all when 3% of them is a person or less — tiny villages at small scales), the designated poor villages
    // share the rest in proportion to their populations.
    let total_size: f64 = villages.iter().map(|v| v.target_people).sum();
    for v in villages.iter_mut() {
        v.target_people *= county.target_people / total_size;
    }
    let any_poor_village = villages.iter().any(|v| v.poor_village);
    let non_poor_quota = |v: &VillagePlan| {
        if cal::VILLAGE_EXIT_INCIDENCE * v.target_people <= 1.0 {
            0.0
        } else {
            cal::NON_POOR_VILLAGE_INCIDENCE * v.target_people
        }
    };
    let non_poor_total: f64 = villages
        .iter()
        .filter(|v| !v.poor_village)
        .map(non_poor_quota)
        .sum();
    let poor_pop: f64 = villages
        .iter()
        .filter(|v| v.poor_village)
        .map(|v| v.target_people)
        .sum();
    for v in villages.iter_mut() {
        v.target_poor_people = if !any_poor_village {
            // No designated poor village (a one-village county elsewhere): spread by population; the cap in
            // `village::generate` keeps every village below the exit threshold.
            county.target_poor_people * v.target_people / county.target_people
        } else if v.poor_village {
            (county.target_poor_people - non_poor_total).max(0.0) * v.target_people / poor_pop
        } else {
            non_poor_quota(v)
        };
    }
    Ok((county, villages))
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

        // Each replica county carries the same share of its real county's figures.
        let replicas = config.scale.ceil().max(1.0) as u32;
        let share = config.scale / f64::from(replicas);
        let real_counties: Vec<(usize, AreaCode)> = families
            .values()
            .enumerate()
            .flat_map(|(f, members)| members.iter().map(move |c| (f, *c)))
            .collect();
        // (family number, or a fresh one per synthetic county; spec)
        let mut specs: Vec<(usize, CountySpec<'_>)> = Vec::new();
        for replica in 0..replicas {
            for (index, (family, real)) in real_counties.iter().enumerate() {
                let rural = rural_villages(tree, real);
                if rural.is_empty() {
                    continue;
                }
                let (family, code) = if replica == 0 {
                    (*family, *real)
                } else {
                    (
                        families.len() + specs.len(),
                        synthetic_county(real, index, real_counties.len(), replica)?,
                    )
                };
                specs.push((
                    family,
                    CountySpec {
                        real: *real,
                        code,
                        replica,
                        rural,
                    },
                ));
            }
        }
        let mut counties = Vec::new();
        let mut villages: Vec<VillagePlan> = Vec::new();
        let mut family_of_village = Vec::new();
        for (family, spec) in &specs {
            let (county, planned) = plan_county(tree, config, spec, share, counties.len())?;
            counties.push(county);
            family_of_village.extend(std::iter::repeat_n(*family, planned.len()));
            villages.extend(planned);
        }
        // ID slots: villages numbered within their family (see `ids`).
        let mut family_sizes: BTreeMap<usize, usize> = BTreeMap::new();
        for f in &family_of_village {
            *family_sizes.entry(*f).or_default() += 1;
        }
        let mut next_slot: BTreeMap<usize, usize> = BTreeMap::new();
        for (v, f) in villages.iter_mut().zip(&family_of_village) {
            let slot = next_slot.entry(*f).or_default();
            v.slot = *slot;
            *slot += 1;
            v.family_size = family_sizes.get(f).copied().unwrap_or(1);
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
