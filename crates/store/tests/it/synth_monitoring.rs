//! The generator's monitoring records load through `bulk_load_monitoring` and read back equal (one
//! township of Bazhong at scale 0.05, generated households loaded first).

use std::collections::{BTreeMap, HashMap};

use jingzhun_core::monitoring::{Assignment, CadreId, Measure, Visit};
use jingzhun_core::{Area, AreaCode, AreaTree, HouseholdId, Settlement};
use jingzhun_store::{CaseFilter, MonitoringBatch};
use jingzhun_synth::{Generator, MonitoringRecords, SynthConfig};

use crate::both;
use crate::support::{actor, d};

/// Bazhong's part of the shipped division tables (the store's tests do not depend on the io crate).
pub(crate) fn bazhong() -> AreaTree {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/areas/sichuan/");
    let mut areas = Vec::new();
    for (file, villages) in [
        ("provinces.csv", false),
        ("cities.csv", false),
        ("areas.csv", false),
        ("streets.csv", false),
        ("villages.csv", true),
    ] {
        let text = std::fs::read_to_string(format!("{dir}{file}")).unwrap();
        for line in text.lines().skip(1) {
            let mut cells = line.split(',');
            let (code, name) = (
                cells.next().unwrap(),
                cells.next().unwrap().trim_matches('"'),
            );
            if !(code.starts_with("5119") || "5119".starts_with(code)) {
                continue;
            }
            areas.push(Area {
                code: AreaCode::parse(code).unwrap(),
                name: name.to_owned(),
                settlement: villages.then(|| Settlement::from_name(name)),
            });
        }
    }
    AreaTree::new(areas).unwrap()
}

both!(fn generated_monitoring_records_load_and_read_back_equal(db) {
    let store = &db.store;
    // 通江县诺江镇: poor and other villages.
    let township = AreaCode::parse("511921100").unwrap();
    let config = SynthConfig { area: township, scale: 0.05, ..SynthConfig::default() };
    let generator = Generator::new(&bazhong(), config).unwrap();
    let mut households = Vec::new();
    let mut monitoring = Vec::new();
    for v in generator.iter() {
        let v = v.unwrap();
        monitoring.push(generator.monitoring(&v).unwrap());
        households.extend(v.households.into_iter().map(|g| (g.household, g.events)));
    }
    let n = households.len();
    let written = store
        .bulk_load(&mut households.into_iter(), d("2013-01-01"), &actor(), "test", &mut |_| {})
        .unwrap();
    assert_eq!(written, n);
    let ids: HashMap<_, _> = store.household_ids_within(&township).unwrap().into_iter().collect();
    assert_eq!(ids.len(), n);
    let mut records = MonitoringRecords::default();
    let mut next = store.next_cadre_id().unwrap();
    for m in &monitoring {
        let r = m.resolve(|no| ids.get(no).copied(), next).unwrap();
        next = CadreId(next.0 + r.cadres.len() as i64);
        records.extend(r);
    }
    assert!(!records.cases.is_empty() && !records.measures.is_empty() && !records.visits.is_empty());
    let batch = MonitoringBatch {
        cadres: records.cadres,
        assignments: records.assignments,
        cases: records.cases,
        measures: records.measures,
        visits: records.visits,
    };
    let loaded = store.bulk_load_monitoring(&batch, &actor()).unwrap();
    assert_eq!(loaded.cases, batch.cases.len());
    assert_eq!(loaded.visits, batch.visits.len());

    // Read back: cases and cadres of the area, the rest household by household.
    let cases = store.cases_within(&township, &CaseFilter::default()).unwrap();
    let key = |c: &jingzhun_core::monitoring::CaseRecord| c.id;
    let mut want = batch.cases.clone();
    want.sort_by_key(key);
    let mut got = cases;
    got.sort_by_key(key);
    assert_eq!(got, want);
    let mut cadres = store.cadres_within(&township).unwrap();
    cadres.sort_by_key(|c| c.id);
    assert_eq!(cadres, batch.cadres);
    // Running measure kinds on a day: each household and kind once.
    for day in ["2018-06-30", "2023-12-31"] {
        let mut want: Vec<_> = batch
            .measures
            .iter()
            .filter(|m| m.is_active_on(d(day)))
            .map(|m| (m.household, m.kind))
            .collect();
        want.sort();
        want.dedup();
        assert!(!want.is_empty());
        // By household id (kinds in code order within a household).
        let mut got = store.running_measure_kinds(&township, d(day)).unwrap();
        assert!(got.windows(2).all(|w| w[0].0 <= w[1].0));
        got.sort();
        assert_eq!(got, want);
    }
    // Many dates in one read (the demo's fourteen snapshots) give what each date's own read gives, and
    // the same for visit windows; an empty list of dates reads nothing.
    let days = [d("2013-12-31"), d("2018-06-30"), d("2016-01-01"), d("2023-12-31"), d("2030-01-01")];
    let each: Vec<_> = days.iter().map(|day| store.running_measure_kinds(&township, *day).unwrap()).collect();
    assert_eq!(store.running_measure_kinds_on(&township, &days).unwrap(), each);
    assert!(each.iter().filter(|e| !e.is_empty()).count() >= 2);
    let windows: Vec<_> = days.iter().map(|day| (*day - chrono::Duration::days(89), *day)).collect();
    let each: Vec<_> =
        windows.iter().map(|(from, to)| store.households_visited_within(&township, *from, *to).unwrap()).collect();
    assert_eq!(store.households_visited_in(&township, &windows).unwrap(), each);
    assert!(each.iter().any(|e| !e.is_empty()));
    assert!(store.running_measure_kinds_on(&township, &[]).unwrap().is_empty());
    let mut measures: BTreeMap<HouseholdId, Vec<Measure>> = BTreeMap::new();
    for m in &batch.measures {
        measures.entry(m.household).or_default().push(m.clone());
    }
    let mut visits: BTreeMap<HouseholdId, Vec<Visit>> = BTreeMap::new();
    for v in &batch.visits {
        visits.entry(v.household).or_default().push(v.clone());
    }
    let mut pairs: BTreeMap<HouseholdId, Vec<Assignment>> = BTreeMap::new();
    for a in &batch.assignments {
        pairs.entry(a.household).or_default().push(a.clone());
    }
    let by = |m: &Measure| (m.started, m.kind, m.description.clone(), m.ended, m.amount, m.case, m.cadre);
    for (h, want) in &measures {
        let got: Vec<Measure> = store.measures_of(*h).unwrap().into_iter().map(|(_, m)| m).collect();
        let (mut got, mut want) = (got, want.clone());
        got.sort_by_key(by);
        want.sort_by_key(by);
        assert_eq!(got, want);
    }
    let by = |v: &Visit| (v.visited_on, v.purpose, v.cadre, v.findings.clone());
    for (h, want) in &visits {
        let got: Vec<Visit> = store.visits_of(*h).unwrap().into_iter().map(|(_, v)| v).collect();
        let (mut got, mut want) = (got, want.clone());
        got.sort_by_key(by);
        want.sort_by_key(by);
        assert_eq!(got, want);
    }
    for (h, want) in &pairs {
        let got: Vec<Assignment> = store.cadres_of(*h).unwrap().into_iter().map(|(_, a)| a).collect();
        assert_eq!(sorted_pairs(got), sorted_pairs(want.clone()));
    }
});

fn sorted_pairs(mut v: Vec<Assignment>) -> Vec<Assignment> {
    v.sort_by_key(|a| (a.from, a.cadre));
    v
}
