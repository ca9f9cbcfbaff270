//! The monitoring records derived from generated villages (Bazhong at scale 0.05).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::OnceLock;

use chrono::NaiveDate;
use jingzhun_core::monitoring::{CadreId, CaseKind, CaseState, Outcome, Step, VisitPurpose};
use jingzhun_core::{AreaCode, Channel, HouseholdId, StatusEventKind};
use jingzhun_synth::monitoring::{china_date, DATA_END, IDENTIFICATION_DAYS_LIMIT};
use jingzhun_synth::{GeneratedVillage, Generator, SynthConfig, VillageMonitoring};

use crate::common;

const SCALE: f64 = 0.05;

fn generator(seed: u64) -> Generator {
    static TREE: OnceLock<jingzhun_core::AreaTree> = OnceLock::new();
    let tree = TREE.get_or_init(common::bazhong);
    let config = SynthConfig {
        seed,
        area: AreaCode::parse("5119").unwrap(),
        scale: SCALE,
        defect_rate: 0.0,
    };
    Generator::new(tree, config).unwrap()
}

/// Villages with their monitoring records, generated once.
fn data() -> &'static [(GeneratedVillage, VillageMonitoring)] {
    static DATA: OnceLock<Vec<(GeneratedVillage, VillageMonitoring)>> = OnceLock::new();
    DATA.get_or_init(|| {
        let g = generator(2014);
        g.par_iter(32)
            .map(|v| {
                let v = v.unwrap();
                let m = g.monitoring(&v).unwrap();
                (v, m)
            })
            .collect()
    })
}

fn data_end() -> NaiveDate {
    NaiveDate::from_ymd_opt(DATA_END.0, DATA_END.1, DATA_END.2).unwrap()
}

fn index(h: HouseholdId) -> usize {
    usize::try_from(h.0 - 1).unwrap()
}

#[test]
fn every_decision_has_its_decided_case_with_ordered_steps_before_it() {
    let (mut decisions, mut late) = (0, 0);
    for (v, m) in data() {
        let mut by_household: HashMap<usize, Vec<_>> = HashMap::new();
        for c in &m.records.cases {
            by_household
                .entry(index(c.household()))
                .or_default()
                .push(c);
        }
        for (i, g) in v.households.iter().enumerate() {
            for e in &g.events {
                let kind = match e.kind {
                    StatusEventKind::Monitored => CaseKind::Identification,
                    StatusEventKind::RiskEliminated => CaseKind::Elimination,
                    _ => continue,
                };
                decisions += 1;
                let cases = by_household.get(&i).map(Vec::as_slice).unwrap_or_default();
                let decided: Vec<_> = cases
                    .iter()
                    .filter(|c| c.kind == kind && c.state() == CaseState::Decided)
                    .filter(|c| china_date(c.closed_at().unwrap()) == e.effective)
                    .collect();
                assert_eq!(decided.len(), 1, "{} {:?}", g.household.number, e.kind);
                let c = decided[0];
                assert_eq!(c.steps.len(), Step::ALL.len());
                for (s, want) in c.steps.iter().zip(Step::ALL) {
                    assert_eq!(s.step, *want);
                    assert_eq!(s.outcome, Outcome::Pass);
                    assert!(china_date(s.at) <= e.effective);
                }
                assert!(c.steps.windows(2).all(|w| w[0].at <= w[1].at));
                if kind == CaseKind::Identification {
                    assert_eq!(c.monitoring_kind, e.monitoring_kind);
                    assert_eq!(c.risk_types, e.risk_types);
                    let days = (e.effective - china_date(c.opened_at().unwrap())).num_days();
                    assert!((0..=25).contains(&days), "{days}");
                    late += usize::from(days > IDENTIFICATION_DAYS_LIMIT);
                } else {
                    assert_eq!(c.monitoring_kind, None);
                }
            }
        }
    }
    assert!(decisions > 1000, "{decisions}");
    // A few late ones, not many.
    let share = late as f64 / decisions as f64;
    assert!(share > 0.0 && share < 0.1, "{share}");
}

#[test]
fn every_monitored_household_has_a_measure_after_its_identification() {
    let mut monitored = 0;
    for (v, m) in data() {
        for x in &m.records.measures {
            assert!(x.ended.is_none_or(|end| end >= x.started));
            assert!(!x.description.trim().is_empty());
            assert!(x
                .amount
                .is_none_or(|a| a.fen() > 0 && a.fen() <= 50_000 * 100));
        }
        for (i, g) in v.households.iter().enumerate() {
            let Some(e) = g
                .events
                .iter()
                .find(|e| e.kind == StatusEventKind::Monitored)
            else {
                continue;
            };
            monitored += 1;
            let after: Vec<_> = m
                .records
                .measures
                .iter()
                .filter(|x| index(x.household) == i && x.started >= e.effective)
                .collect();
            assert!(!after.is_empty(), "{}", g.household.number);
            assert!(after.iter().any(|x| x.case.is_some()));
        }
    }
    assert!(monitored > 1000);
}

#[test]
fn cases_and_cadres_lie_in_their_village_and_refer_to_its_records() {
    for (v, m) in data() {
        assert_eq!(m.village, v.code);
        assert_eq!(m.households.len(), v.households.len());
        let cadres: HashSet<CadreId> = m.records.cadres.iter().map(|c| c.id).collect();
        assert_eq!(cadres.len(), m.records.cadres.len());
        for c in &m.records.cadres {
            assert!(v.code.contains(&c.area), "{}", c.area);
            assert!(!c.unit.is_empty());
        }
        let in_village = |h: HouseholdId| (1..=v.households.len() as i64).contains(&h.0);
        let mut open = HashSet::new();
        let mut numbers: HashMap<i64, Vec<u32>> = HashMap::new();
        for c in &m.records.cases {
            assert_eq!(c.village, v.code);
            assert!(in_village(c.household()));
            assert!(c.opened_at().is_some_and(|t| china_date(t) <= data_end()));
            if c.is_open() {
                assert!(open.insert(c.household()), "two open cases");
            }
            numbers
                .entry(c.household().0)
                .or_default()
                .push(c.id.number());
        }
        for mut n in numbers.into_values() {
            n.sort_unstable();
            assert_eq!(n, (1..=n.len() as u32).collect::<Vec<_>>());
        }
        for a in &m.records.assignments {
            assert!(cadres.contains(&a.cadre) && in_village(a.household));
            assert!(a.to.is_none_or(|to| to >= a.from));
        }
        for x in &m.records.measures {
            assert!(in_village(x.household));
            assert!(x.cadre.is_none_or(|c| cadres.contains(&c)));
        }
        for x in &m.records.visits {
            assert!(in_village(x.household));
            assert!(x.cadre.is_none_or(|c| cadres.contains(&c)));
            assert!(x.visited_on <= data_end());
        }
    }
}

#[test]
fn the_mix_has_every_channel_rejections_open_and_overdue_cases() {
    let mut channels: BTreeMap<Channel, usize> = BTreeMap::new();
    let mut rejected_at: BTreeMap<Step, usize> = BTreeMap::new();
    let (mut open, mut overdue, mut identifications) = (0, 0, 0);
    let mut purposes: BTreeMap<VisitPurpose, usize> = BTreeMap::new();
    let mut posts: BTreeMap<_, usize> = BTreeMap::new();
    for (_, m) in data() {
        for c in &m.records.cases {
            match c.state() {
                CaseState::Decided if c.kind == CaseKind::Identification => {
                    identifications += 1;
                    *channels.entry(c.channel).or_default() += 1;
                }
                CaseState::Rejected { at } => *rejected_at.entry(at).or_default() += 1,
                CaseState::Open { .. } => {
                    open += 1;
                    if c.deadline(IDENTIFICATION_DAYS_LIMIT as u16).unwrap() < data_end() {
                        overdue += 1;
                    }
                }
                CaseState::Decided => {}
            }
        }
        for x in &m.records.visits {
            *purposes.entry(x.purpose).or_default() += 1;
        }
        for c in &m.records.cadres {
            *posts.entry(c.post).or_default() += 1;
        }
    }
    eprintln!("identifications {identifications}, channels {channels:?}, rejected {rejected_at:?}, open {open} ({overdue} overdue), visits {purposes:?}, cadres {posts:?}");
    let share = |c: Channel| channels.get(&c).copied().unwrap_or(0) as f64 / identifications as f64;
    assert!(share(Channel::CadreCheck) > share(Channel::DepartmentAlert));
    assert!(share(Channel::DepartmentAlert) > share(Channel::SelfApplication));
    assert!(share(Channel::SelfApplication) > 0.05);
    let rejected: usize = rejected_at.values().sum();
    let at_reviews = rejected_at.get(&Step::VillageReview).unwrap_or(&0)
        + rejected_at.get(&Step::TownshipReview).unwrap_or(&0);
    assert!(rejected > identifications / 5 && at_reviews * 2 > rejected);
    assert!(
        open > 50 && overdue > 0 && overdue * 3 < open,
        "{open} {overdue}"
    );
    assert_eq!(purposes.len(), VisitPurpose::ALL.len());
}

#[test]
fn same_seed_same_records_whatever_the_order() {
    let g = generator(2014);
    // Sequential generation of a few villages gives what the parallel run gave.
    for (k, v) in g.iter().enumerate().step_by(97) {
        let v = v.unwrap();
        let m = g.monitoring(&v).unwrap();
        assert_eq!(&m, &data()[k].1);
    }
    // Generated together on the pool, in batches of another size: the same again.
    for (k, pair) in g.par_iter_monitored(7).enumerate().step_by(89) {
        let (v, m) = pair.unwrap();
        assert_eq!(v, data()[k].0);
        assert_eq!(m, data()[k].1);
    }
    // Another seed gives other records.
    let other = generator(7);
    let v = other.iter().next().unwrap().unwrap();
    assert_ne!(other.monitoring(&v).unwrap().records, data()[0].1.records);
}

#[test]
fn resolving_rewrites_household_case_and_cadre_ids() {
    let (_, m) = data()
        .iter()
        .find(|(_, m)| !m.records.cases.is_empty())
        .unwrap();
    let ids: HashMap<_, _> = m
        .households
        .iter()
        .enumerate()
        .map(|(i, no)| (no.clone(), HouseholdId(1000 + i as i64)))
        .collect();
    let r = m.resolve(|no| ids.get(no).copied(), CadreId(500)).unwrap();
    assert_eq!(r.cadres[0].id, CadreId(500));
    assert_eq!(r.cases.len(), m.records.cases.len());
    for (a, b) in r.cases.iter().zip(&m.records.cases) {
        assert_eq!(a.household().0, b.household().0 + 999);
        assert_eq!(a.id.number(), b.id.number());
        assert_eq!(a.steps, b.steps);
    }
    for x in r.measures.iter().filter(|x| x.case.is_some()) {
        assert_eq!(x.case.unwrap().household(), x.household);
    }
    // A household the store does not know is an error naming its number.
    let err = m.resolve(|_| None, CadreId(1)).unwrap_err();
    assert!(m.households.contains(&err.0));
}
