//! The data checks against the generator's injected defects: each injected defect is found by its check,
//! on exactly the household it was planted in, and those checks find nothing anywhere else.

use std::collections::{BTreeSet, HashMap, HashSet};

use chrono::NaiveDate;
use jingzhun_core::{AreaCode, AreaTree, Household, HouseholdNo, StatusEvent, Yuan};
use jingzhun_quality::{run_checks, CheckInput, CheckParams};
use jingzhun_synth::{DefectKind, Generator, SynthConfig};

/// The check that must find each kind of injected defect.
fn check_for(kind: DefectKind) -> &'static str {
    match kind {
        DefectKind::SexMismatch => "Q02",
        DefectKind::DuplicateResidentId => "Q03",
        DefectKind::NoHead => "Q04",
        DefectKind::TwoHeads => "Q05",
        DefectKind::ChildOlderThanHead => "Q06",
        DefectKind::MissingSchooling => "Q07",
        DefectKind::MissingIncomeYear => "Q15",
    }
}

#[test]
fn the_checks_find_exactly_the_injected_defects() {
    let tree = AreaTree::new(jingzhun_io::sichuan().unwrap()).unwrap();
    // One county at 2% scale with a high defect rate, so that every kind occurs.
    let config = SynthConfig {
        seed: 11,
        area: AreaCode::parse("511903").unwrap(),
        scale: 0.02,
        defect_rate: 0.05,
        ..SynthConfig::default()
    };
    let generator = Generator::new(&tree, config).unwrap();
    let mut households: Vec<Household> = Vec::new();
    let mut events: HashMap<HouseholdNo, Vec<StatusEvent>> = HashMap::new();
    let mut injected: BTreeSet<(String, &'static str)> = BTreeSet::new();
    for g in generator.households() {
        let g = g.unwrap();
        // A household whose members have all died has left the registry (销户): nothing to check.
        if g.household.members.is_empty() {
            assert!(g.defects.is_empty());
            continue;
        }
        for d in &g.defects {
            injected.insert((d.household_no.to_string(), check_for(d.kind)));
        }
        events.insert(g.household.number.clone(), g.events);
        households.push(g.household);
    }
    let kinds: HashSet<&str> = injected.iter().map(|(_, c)| *c).collect();
    assert_eq!(
        kinds.len(),
        7,
        "every kind of defect was injected: {kinds:?}"
    );

    // Ages on the date the generator's snapshot describes (schooling is recorded as of then); incomes up to the
    // last generated year, so that a gap anywhere in the series is seen.
    let year = jingzhun_synth::calibration::LAST_YEAR;
    let as_of = NaiveDate::from_ymd_opt(2020, 12, 31).unwrap();
    let deaths = HashSet::new();
    let input = CheckInput {
        households: &households,
        events: &events,
        deaths: &deaths,
        known_regions: None,
    };
    let findings = run_checks(
        &input,
        &CheckParams::new(as_of, year, Yuan::from_yuan(4_000)),
    );
    let found: BTreeSet<(String, &'static str)> = findings
        .iter()
        .filter(|f| kinds.contains(f.check.code))
        .map(|f| (f.household_no.to_string(), f.check.code))
        .collect();
    let missing: Vec<_> = injected.difference(&found).collect();
    assert!(missing.is_empty(), "injected but not found: {missing:?}");
    // A duplicated ID is reported on both households that carry it; the generator records only the copy.
    // Any other household reported must share an ID with a household where a duplicate was injected.
    let ids_of = |no: &str| -> HashSet<String> {
        households
            .iter()
            .filter(|h| h.number.as_str() == no)
            .flat_map(|h| h.members.iter().map(|m| m.resident_id.to_string()))
            .collect()
    };
    let duplicated: HashSet<String> = injected
        .iter()
        .filter(|(_, c)| *c == "Q03")
        .flat_map(|(no, _)| ids_of(no))
        .collect();
    let extra: Vec<_> = found
        .difference(&injected)
        .filter(|(no, code)| *code != "Q03" || ids_of(no).is_disjoint(&duplicated))
        .collect();
    assert!(extra.is_empty(), "found but not injected: {extra:?}");
}
