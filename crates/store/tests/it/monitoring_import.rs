//! Importing a county's monitoring history (issue 13 §10): a generated township's records exported in the
//! national system's layout, read back, checked against the registry and imported into a store that holds
//! only the households; all or nothing; nothing outside the importing area.

use std::collections::{BTreeMap, HashMap};

use jingzhun_core::monitoring::{Cadre, CadreId, MonitoringHistory};
use jingzhun_core::{AreaCode, HouseholdId, HouseholdNo, StatusEvent, StatusEventKind};
use jingzhun_io::monitoring::{
    read_monitoring, resolve, write_monitoring_xlsx, MonitoringExport, RegisteredHousehold,
};
use jingzhun_store::{MonitoringImported, StoreError};
use jingzhun_synth::{Generator, MonitoringRecords, SynthConfig};

use crate::both;
use crate::support::{actor, d, TestDb};
use crate::synth_monitoring::bazhong;

fn is_decision(e: &StatusEvent) -> bool {
    matches!(
        e.kind,
        StatusEventKind::Monitored | StatusEventKind::RiskEliminated
    )
}

/// A generated township: its households stored without their monitoring decisions (a county's registry
/// before the import), and the history the national system would export, resolved to the stored ids.
struct County {
    area: AreaCode,
    history: MonitoringHistory,
    numbers: HashMap<HouseholdId, HouseholdNo>,
}

/// `JINGZHUN_IMPORT_TEST_AREA` and `JINGZHUN_IMPORT_TEST_SCALE` measure a larger area (BENCHMARKS.md).
fn county(db: &TestDb) -> County {
    let store = &db.store;
    // 通江县诺江镇: poor and other villages.
    let area =
        AreaCode::parse(&std::env::var("JINGZHUN_IMPORT_TEST_AREA").unwrap_or("511921100".into()))
            .unwrap();
    let config = SynthConfig {
        area,
        scale: std::env::var("JINGZHUN_IMPORT_TEST_SCALE")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0.05),
        ..SynthConfig::default()
    };
    let generator = Generator::new(&bazhong(), config).unwrap();
    let mut households = Vec::new();
    let mut monitoring = Vec::new();
    let mut decisions: Vec<(HouseholdNo, StatusEvent)> = Vec::new();
    for v in generator.iter() {
        let v = v.unwrap();
        monitoring.push(generator.monitoring(&v).unwrap());
        for g in v.households {
            let (kept, taken): (Vec<_>, Vec<_>) =
                g.events.into_iter().partition(|e| !is_decision(e));
            decisions.extend(taken.into_iter().map(|e| (g.household.number.clone(), e)));
            households.push((g.household, kept));
        }
    }
    store
        .bulk_load(
            &mut households.into_iter(),
            d("2013-01-01"),
            &actor(),
            "test",
            &mut |_| {},
        )
        .unwrap();
    let ids: HashMap<_, _> = store
        .household_ids_within(&area)
        .unwrap()
        .into_iter()
        .collect();
    let mut records = MonitoringRecords::default();
    let mut next = CadreId(1);
    for m in &monitoring {
        let r = m.resolve(|no| ids.get(no).copied(), next).unwrap();
        next = CadreId(next.0 + r.cadres.len() as i64);
        records.extend(r);
    }
    let history = MonitoringHistory {
        decisions: decisions.into_iter().map(|(no, e)| (ids[&no], e)).collect(),
        cadres: records.cadres,
        assignments: records.assignments,
        // The national lists know nothing of this product's workflow items.
        measures: records
            .measures
            .into_iter()
            .map(|m| jingzhun_core::monitoring::Measure { case: None, ..m })
            .collect(),
        visits: records.visits,
    };
    assert!(history.decisions.len() > 10, "{}", history.decisions.len());
    assert!(!history.measures.is_empty() && !history.visits.is_empty());
    County {
        area,
        history,
        numbers: ids.into_iter().map(|(no, id)| (id, no)).collect(),
    }
}

/// The workbook the national system would export, read back as the import reads it.
fn export_and_read(c: &County) -> jingzhun_io::monitoring::MonitoringFile {
    let bytes = write_monitoring_xlsx(&MonitoringExport {
        records: &c.history,
        household_no: &|id| c.numbers.get(&id).cloned(),
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("监测帮扶记录.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let file = read_monitoring(&path).unwrap();
    assert!(
        file.is_valid(),
        "{:?}",
        &file.problems[..file.problems.len().min(5)]
    );
    file
}

fn registered(
    db: &TestDb,
    file: &jingzhun_io::monitoring::MonitoringFile,
    within: &AreaCode,
) -> HashMap<HouseholdNo, RegisteredHousehold> {
    db.store
        .households_by_numbers(&file.household_numbers(), within)
        .unwrap()
        .into_iter()
        .map(|(no, h)| {
            let r = RegisteredHousehold {
                id: h.id,
                village: h.household.village,
                events: h.events,
            };
            (no, r)
        })
        .collect()
}

fn cadre_key(c: &Cadre) -> (String, Option<String>, String) {
    (
        c.name.as_str().to_owned(),
        c.phone.as_ref().map(|p| p.as_str().to_owned()),
        c.unit.clone(),
    )
}

/// What the store holds of the monitoring records of `households`, with cadres named by their identity
/// rather than their ids (ids differ between the generated set and the store).
type Key = (String, Option<String>, String);
#[derive(Debug, PartialEq)]
struct Held {
    decisions: BTreeMap<i64, Vec<String>>,
    measures: BTreeMap<i64, Vec<String>>,
    visits: BTreeMap<i64, Vec<String>>,
    pairs: BTreeMap<i64, Vec<String>>,
    cadres: Vec<Key>,
}

fn describe_event(e: &StatusEvent) -> String {
    format!(
        "{} {} {:?} {:?}",
        e.kind.code(),
        e.effective,
        e.monitoring_kind,
        e.risk_types
    )
}

fn expected(h: &MonitoringHistory) -> Held {
    let cadres: HashMap<CadreId, Key> = h.cadres.iter().map(|c| (c.id, cadre_key(c))).collect();
    let mut out = Held {
        decisions: BTreeMap::new(),
        measures: BTreeMap::new(),
        visits: BTreeMap::new(),
        pairs: BTreeMap::new(),
        cadres: h.cadres.iter().map(cadre_key).collect(),
    };
    for (id, e) in &h.decisions {
        out.decisions
            .entry(id.0)
            .or_default()
            .push(describe_event(e));
    }
    for m in &h.measures {
        out.measures.entry(m.household.0).or_default().push(format!(
            "{} {} {} {:?} {:?} {:?}",
            m.kind.code(),
            m.description,
            m.started,
            m.ended,
            m.amount,
            m.cadre.map(|c| &cadres[&c])
        ));
    }
    for v in &h.visits {
        out.visits.entry(v.household.0).or_default().push(format!(
            "{} {} {} {:?}",
            v.visited_on,
            v.purpose.code(),
            v.findings,
            v.cadre.map(|c| &cadres[&c])
        ));
    }
    for a in &h.assignments {
        out.pairs
            .entry(a.household.0)
            .or_default()
            .push(format!("{} {:?} {:?}", a.from, a.to, cadres[&a.cadre]));
    }
    sort(out)
}

fn sort(mut h: Held) -> Held {
    for v in h
        .decisions
        .values_mut()
        .chain(h.measures.values_mut())
        .chain(h.visits.values_mut())
        .chain(h.pairs.values_mut())
    {
        v.sort();
    }
    h.cadres.sort();
    h
}

fn held(db: &TestDb, area: &AreaCode, households: &[HouseholdId]) -> Held {
    let store = &db.store;
    let cadres_in: Vec<Cadre> = store.cadres_within(area).unwrap();
    let cadres: HashMap<CadreId, Key> = cadres_in.iter().map(|c| (c.id, cadre_key(c))).collect();
    let mut out = Held {
        decisions: BTreeMap::new(),
        measures: BTreeMap::new(),
        visits: BTreeMap::new(),
        pairs: BTreeMap::new(),
        cadres: cadres_in.iter().map(cadre_key).collect(),
    };
    for id in households {
        let h = store.household(*id).unwrap();
        let events: Vec<String> = h
            .events
            .iter()
            .filter(|e| is_decision(e))
            .map(describe_event)
            .collect();
        if !events.is_empty() {
            out.decisions.insert(id.0, events);
        }
        for (_, m) in store.measures_of(*id).unwrap() {
            out.measures.entry(id.0).or_default().push(format!(
                "{} {} {} {:?} {:?} {:?}",
                m.kind.code(),
                m.description,
                m.started,
                m.ended,
                m.amount,
                m.cadre.map(|c| &cadres[&c])
            ));
        }
        for (_, v) in store.visits_of(*id).unwrap() {
            out.visits.entry(id.0).or_default().push(format!(
                "{} {} {} {:?}",
                v.visited_on,
                v.purpose.code(),
                v.findings,
                v.cadre.map(|c| &cadres[&c])
            ));
        }
        for (c, a) in store.cadres_of(*id).unwrap() {
            out.pairs.entry(id.0).or_default().push(format!(
                "{} {:?} {:?}",
                a.from,
                a.to,
                cadre_key(&c)
            ));
        }
    }
    sort(out)
}

/// Row counts of every table an import writes, and the audit chain's head.
fn snapshot(db: &TestDb) -> (Vec<i64>, String, u64) {
    let rows = [
        "households",
        "household_versions",
        "member_versions",
        "status_events",
        "cadres",
        "cadre_assignments",
        "assistance_measures",
        "visits",
        "audit_log",
    ]
    .iter()
    .map(|t| db.raw_i64(&format!("SELECT count(*) FROM {t}")))
    .collect();
    let audit = db.store.audit_verify().unwrap();
    assert!(audit.is_ok(), "{:?}", audit.problems);
    (rows, audit.head_hash, audit.entries)
}

both!(fn a_generated_county_exported_in_the_layout_imports_into_a_fresh_store_equal(db) {
    let c = county(db);
    let t = std::time::Instant::now();
    let file = export_and_read(&c);
    eprintln!("export+read {:?}", t.elapsed());
    let t = std::time::Instant::now();
    let households = registered(db, &file, &c.area);
    eprintln!("registry lookups {} {:?}", households.len(), t.elapsed());
    // Generated data runs a little past the real today: the check of future dates is the io tests' business.
    let today = d("2030-12-31");
    let history = resolve(&file, &households, &c.area, &[], today).unwrap_or_else(|p| {
        panic!("{} problems:\n{}", p.len(), p.iter().take(10).map(|p| p.to_string()).collect::<Vec<_>>().join("\n"))
    });
    let audit_before = db.raw_i64("SELECT count(*) FROM audit_log");
    let started = std::time::Instant::now();
    let out = db.store.import_monitoring(&history, &c.area, &actor(), "导入监测帮扶记录").unwrap();
    eprintln!("imported {out:?} in {:?}", started.elapsed());
    assert_eq!(out.decisions, c.history.decisions.len());
    assert_eq!(out.cadres, c.history.cadres.len());
    assert_eq!(out.measures + out.measures_present, c.history.measures.len());
    assert_eq!(out.visits + out.visits_present, c.history.visits.len());
    assert_eq!(out.assignments, c.history.assignments.len());
    // One entry per appended decision (a new household version each) and one for the import.
    assert_eq!(
        db.raw_i64("SELECT count(*) FROM audit_log") - audit_before,
        out.decisions as i64 + 1
    );
    let mut ids: Vec<HouseholdId> = c.numbers.keys().copied().collect();
    ids.sort();
    let mut want = expected(&c.history);
    // Records the generator repeats (same household, day, kind and text) are stored once.
    for v in want.measures.values_mut().chain(want.visits.values_mut()) {
        v.dedup();
    }
    assert_eq!(held(db, &c.area, &ids), want);

    // The same file again writes nothing and says what was already there.
    let before = snapshot(db);
    let again = db.store.import_monitoring(&history, &c.area, &actor(), "再次导入").unwrap();
    assert_eq!(again.written(), 0, "{again:?}");
    assert_eq!(again.decisions_present, out.decisions);
    assert_eq!(again.cadres_present, out.cadres);
    let after = snapshot(db);
    assert_eq!((&after.0[..8], &after.0[8] - 1), (&before.0[..8], before.0[8]), "only the import's own audit entry");
});

both!(fn a_failure_late_in_the_import_leaves_the_store_exactly_as_it_was(db) {
    let c = county(db);
    let before = snapshot(db);
    // Valid decisions, cadres and pairings first; the last measure is refused by the store after all of
    // them were written in the transaction.
    let mut history = c.history.clone();
    let last = history.measures.len() - 1;
    history.measures[last].ended = Some(history.measures[last].started - chrono::Duration::days(1));
    let err = db.store.import_monitoring(&history, &c.area, &actor(), "导入").unwrap_err();
    assert!(err.to_string().contains("早于开始日期"), "{err}");
    assert_eq!(snapshot(db), before, "nothing written, not even audit entries");
    // A measure naming a cadre the set does not hold: refused the same way.
    let mut history = c.history.clone();
    history.measures[last].cadre = Some(CadreId(99_999));
    let err = db.store.import_monitoring(&history, &c.area, &actor(), "导入").unwrap_err();
    assert!(err.to_string().contains("不在导入的干部中"), "{err}");
    assert_eq!(snapshot(db), before);
    // The preview does the same work and keeps nothing.
    let preview = db.store.preview_import_monitoring(&c.history, &c.area, &actor(), "试算").unwrap();
    assert!(preview.written() > 0);
    assert_eq!(snapshot(db), before);
    // Without the defect, it goes through.
    let out: MonitoringImported = db.store.import_monitoring(&c.history, &c.area, &actor(), "导入").unwrap();
    assert_eq!(out, preview);
});

both!(fn rows_outside_the_importing_area_refuse_the_whole_file(db) {
    let c = county(db);
    let file = export_and_read(&c);
    let households = registered(db, &file, &c.area);
    // An account of one village imports the township's file.
    let village = households.values().map(|h| h.village).min_by(|a, b| a.as_str().cmp(b.as_str())).unwrap();
    let outside = households.values().filter(|h| !village.contains(&h.village)).count();
    assert!(outside > 0);
    let problems = resolve(&file, &households, &village, &[], d("2026-12-01")).unwrap_err();
    let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert!(
        text.iter().any(|t| t.contains("「户编号(A列)」") && t.contains(&format!("不在导入账号的管辖区划 {village} 内"))),
        "{}", text[..text.len().min(5)].join("\n")
    );
    assert!(text.iter().all(|t| t.contains("工作表「")), "every problem names its sheet and row");
    // The store refuses such a set too, whatever its caller checked, and writes nothing.
    let before = snapshot(db);
    let err = db.store.import_monitoring(&c.history, &village, &actor(), "导入").unwrap_err();
    assert!(matches!(err, StoreError::Invalid(_)), "{err}");
    assert!(err.to_string().contains("不在导入范围"), "{err}");
    assert_eq!(snapshot(db), before);
});
