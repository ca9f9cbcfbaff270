//! Runs beyond the shipped division tree: a national-size run, and the synthetic areas that runs at scale
//! above 1 file households under.
//!
//! # The code scheme
//! The tree ships only Sichuan. A run at scale `s > 1` replicates every county of its area `ceil(s)` times
//! (see `plan`): replica 0 keeps the real codes; replica k ≥ 1 is a synthetic county `PP CC NN` — the real
//! province `PP`, a prefecture number `CC` of 70–89 and a county number `NN` of 01–99 — whose townships and
//! villages keep the real township and village numbers of the county they copy. No real prefecture in
//! GB/T 2260 is numbered 70–89 (prefectures run from 01 upwards, directly administered county-level units
//! use 90), so a synthetic code never names a real area, in Sichuan or anywhere else; and every synthetic
//! code is still an ordinary [`AreaCode`] of its level, so rollups, scopes and imports treat it like any
//! other. Resident IDs of people in a synthetic county carry that county's code as their region: the
//! province prefix is real, which is all [`jingzhun_core::ResidentId`] checks (old and unknown county codes
//! are common in real IDs and only a data-quality warning).
//!
//! # National size
//! [`national_config`] asks for about [`NATIONAL_HOUSEHOLDS`] households — the size of the national
//! registry built in 2014 (29.48 million households, 89.62 million people, domain.md §1) — as one run over
//! a whole province of the tree (Sichuan when shipped), scaled up: at full size Sichuan's counties at 0.7 of
//! their generic size and one synthetic copy of each. The generator's households are smaller than the
//! registry's (about 2.6 people against 3.0), so the run has about 80 million people: the size is matched
//! in households, which is what loads, writes and evaluation cost by. A fraction below 1 gives a smaller
//! run of the same province (0.1: about 3 million households, no synthetic counties), for measuring on a
//! small machine.
//!
//! [`synthetic_areas`] lists the areas of a run that the tree does not have, with names, so they can be
//! stored (or written as a division file next to a spreadsheet) before households filed under them are
//! imported or shown.

use std::collections::BTreeMap;

use jingzhun_core::{Area, AreaCode, AreaLevel, AreaTree, Settlement};

use crate::{Generator, SynthConfig, SynthError};

/// Households of a national-size run.
pub const NATIONAL_HOUSEHOLDS: f64 = 30_000_000.0;

/// The configuration of a run of `fraction` × national size (1.0: about 30 million households) over the
/// tree's largest province (by rural villages).
pub fn national_config(
    tree: &AreaTree,
    seed: u64,
    fraction: f64,
    defect_rate: f64,
) -> Result<SynthConfig, SynthError> {
    if !(fraction.is_finite() && fraction > 0.0) {
        return Err(SynthError::Scale(fraction));
    }
    let mut villages: BTreeMap<AreaCode, usize> = BTreeMap::new();
    for area in tree.areas().filter(|a| a.is_rural_village()) {
        if let Some(p) = area.code.ancestor_at(AreaLevel::Province) {
            *villages.entry(p).or_default() += 1;
        }
    }
    // Largest first; ties by code, so the choice depends on the tree only.
    let province = villages
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(p, _)| *p)
        .ok_or(SynthError::Internal("the tree has no rural village"))?;
    let unit = SynthConfig {
        seed,
        area: province,
        scale: 1.0,
        defect_rate,
        ..SynthConfig::default()
    };
    let generator = Generator::new(tree, unit.clone())?;
    let per_scale = generator.expected_people() * households_per_target_person(&generator)?;
    if per_scale <= 0.0 {
        return Err(SynthError::NoRuralVillages(province));
    }
    Ok(SynthConfig {
        scale: fraction * NATIONAL_HOUSEHOLDS / per_scale,
        ..unit
    })
}

/// Villages generated to measure [`households_per_target_person`].
const SAMPLE_VILLAGES: usize = 64;

/// Households the generator makes per person of its village targets, measured on up to
/// [`SAMPLE_VILLAGES`] villages spread evenly over the plan. [`Generator::expected_households`] divides by
/// the mean household size of the size weights, which the generated households (smaller ones survive the
/// village quotas more often) come out about 15% above; a national run should be national size in
/// households, so the ratio is measured instead. Deterministic: the sample depends on the plan only.
fn households_per_target_person(generator: &Generator) -> Result<f64, SynthError> {
    let villages = generator.villages();
    let step = villages.len().div_ceil(SAMPLE_VILLAGES).max(1);
    let (mut households, mut people) = (0usize, 0.0);
    for index in (0..villages.len()).step_by(step) {
        households += generator.generate_village(index)?.households.len();
        people += villages[index].target_people;
    }
    if people <= 0.0 {
        return Err(SynthError::Internal("no village with people"));
    }
    Ok(households as f64 / people)
}

/// The areas a run files households under that `tree` does not have: synthetic prefectures (合成地区NN),
/// counties (the copied county's name with (合成k)), townships and villages (the copied names, the
/// township's with (合成k) too), in code order. Empty for runs at scale ≤ 1.
pub fn synthetic_areas(generator: &Generator, tree: &AreaTree) -> Vec<Area> {
    let mut out: BTreeMap<AreaCode, Area> = BTreeMap::new();
    let mut add = |code: AreaCode, name: String, settlement: Option<Settlement>| {
        if tree.get(&code).is_none() {
            out.entry(code).or_insert(Area {
                code,
                name,
                settlement,
            });
        }
    };
    for county in generator.counties() {
        if let Some(city) = county.code.ancestor_at(AreaLevel::City) {
            let number = &city.as_str()[2..];
            add(city, format!("合成地区{number}"), None);
        }
        add(county.code, county.name.clone(), None);
    }
    for village in generator.villages().iter().filter(|v| v.replica > 0) {
        if let Some(township) = village.code.parent() {
            let name = format!("{}(合成{})", village.township_name, village.replica);
            add(township, name, None);
        }
        add(village.code, village.name.clone(), Some(Settlement::Rural));
    }
    out.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use jingzhun_core::AreaTree;

    fn area(code: &str, name: &str) -> Area {
        Area {
            code: AreaCode::parse(code).unwrap(),
            name: name.to_owned(),
            settlement: (code.len() == 12).then(|| Settlement::from_name(name)),
        }
    }

    /// One province, one city, two counties of one township with two villages each (one urban).
    fn tree() -> AreaTree {
        AreaTree::new([
            area("51", "四川省"),
            area("5119", "巴中市"),
            area("511921", "通江县"),
            area("511921100", "甲镇"),
            area("511921100201", "一村村委会"),
            area("511921100001", "社区居委会"),
            area("511922", "南江县"),
            area("511922100", "乙镇"),
            area("511922100201", "二村村委会"),
        ])
        .unwrap()
    }

    #[test]
    fn scale_above_one_adds_named_synthetic_areas_that_collide_with_nothing() {
        let tree = tree();
        let config = SynthConfig {
            area: AreaCode::parse("5119").unwrap(),
            scale: 2.5,
            seed: 1,
            defect_rate: 0.0,
            ..SynthConfig::default()
        };
        let generator = Generator::new(&tree, config).unwrap();
        let areas = synthetic_areas(&generator, &tree);
        // Two replicas of each county beyond the real one: 2 × (county + township + rural village), and
        // the synthetic prefecture they share.
        assert_eq!(areas.len(), 1 + 2 * 2 * 3, "{areas:?}");
        for a in &areas {
            assert!(tree.get(&a.code).is_none());
            let city: u32 = a.code.as_str()[2..4].parse().unwrap();
            assert!((70..=89).contains(&city), "{}", a.code);
            assert!(a.code.as_str().starts_with("51"));
        }
        // Every village of the run is in the tree or among the synthetic areas, with its ancestors.
        let known = |c: &AreaCode| tree.get(c).is_some() || areas.iter().any(|a| a.code == *c);
        for v in generator.villages() {
            assert!(v.code.ancestors_and_self().all(|c| known(&c)), "{}", v.code);
        }
        let villages: Vec<&Area> = areas
            .iter()
            .filter(|a| a.code.level() == AreaLevel::Village)
            .collect();
        assert!(villages.iter().all(|a| a.is_rural_village()));
        // The extended tree is a valid tree.
        let mut all: Vec<Area> = tree.areas().cloned().collect();
        all.extend(areas);
        assert!(AreaTree::new(all).is_ok());
    }

    #[test]
    fn people_of_synthetic_counties_carry_their_county_code() {
        let tree = tree();
        let config = SynthConfig {
            area: AreaCode::parse("511921").unwrap(),
            scale: 1.1,
            seed: 3,
            defect_rate: 0.0,
            ..SynthConfig::default()
        };
        let generator = Generator::new(&tree, config).unwrap();
        let mut synthetic = 0;
        for village in generator.iter() {
            let village = village.unwrap();
            if village.code.as_str()[2..4].parse::<u32>().unwrap() < 70 {
                continue;
            }
            for g in &village.households {
                for m in &g.household.members {
                    // Parsed on the way in: a valid ID whose region is the synthetic county.
                    assert_eq!(m.resident_id.region_code(), village.county.as_str());
                    synthetic += 1;
                }
            }
        }
        assert!(synthetic > 0);
    }

    #[test]
    fn national_size_is_asked_of_the_largest_province() {
        let tree = tree();
        let config = national_config(&tree, 7, 1e-4, 0.0).unwrap();
        assert_eq!(config.area.as_str(), "51");
        let generator = Generator::new(&tree, config).unwrap();
        let generated: usize = generator.iter().map(|v| v.unwrap().households.len()).sum();
        let wanted = 1e-4 * NATIONAL_HOUSEHOLDS;
        assert!(
            (generated as f64 / wanted - 1.0).abs() < 0.1,
            "{generated} households for {wanted}"
        );
        assert!(matches!(
            national_config(&tree, 7, 0.0, 0.0),
            Err(SynthError::Scale(_))
        ));
    }
}
