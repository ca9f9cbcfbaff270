//! Evaluation snapshots: a year restored from its snapshot gives exactly what a fresh read of the registry
//! gives, and a change to the registry after the snapshot makes it stale (and the report says so). On
//! SQLite, and on PostgreSQL when `JINGZHUN_TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use jingzhun_core::*;
use jingzhun_loader::snapshot::{self, EventFacts, Staleness};
use jingzhun_loader::{load_with, load_years_with_facts, year_end, Progress, ReportData, Silent};
use jingzhun_policy::PolicyPack;
use jingzhun_report::indicators;
use jingzhun_store::{Actor, HouseholdHistory, Store};
use jingzhun_synth::{Generator, SynthConfig};

const COUNTY: &str = "511902";

struct Db {
    store: Store,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some((url, schema)) = &self.pg {
            if let Ok(mut c) = postgres::Client::connect(url, postgres::NoTls) {
                let _ = c.batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
            }
        }
    }
}

fn sqlite() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite:{}", dir.path().join("t.db").display())).unwrap();
    Db {
        store,
        _dir: Some(dir),
        pg: None,
    }
}

fn postgres() -> Option<Db> {
    let Ok(url) = std::env::var("JINGZHUN_TEST_DATABASE_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but JINGZHUN_TEST_DATABASE_URL is not"
        );
        eprintln!("PostgreSQL tests skipped: set JINGZHUN_TEST_DATABASE_URL to run them");
        return None;
    };
    let schema = format!(
        "jz_loader_{}_{}",
        std::process::id(),
        chrono::Utc::now().timestamp_micros() % 1_000_000_000
    );
    let mut admin = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    admin
        .batch_execute(&format!("CREATE SCHEMA {schema}"))
        .unwrap();
    let sep = if url.contains('?') { '&' } else { '?' };
    let store = Store::open(&format!("{url}{sep}options=-csearch_path%3D{schema}")).unwrap();
    Some(Db {
        store,
        _dir: None,
        pg: Some((url, schema)),
    })
}

/// A generated county (about 1% of its real size) with its history, written into `store`.
fn fill(store: &Store) {
    let actor = Actor::system("test");
    store
        .upsert_areas(&jingzhun_io::sichuan().unwrap(), &actor, "t")
        .unwrap();
    let tree = store.area_tree().unwrap();
    let config = SynthConfig {
        seed: 7,
        area: AreaCode::parse(COUNTY).unwrap(),
        scale: 0.01,
        defect_rate: 0.0,
        ..SynthConfig::default()
    };
    let generator = Generator::new(&tree, config).unwrap();
    let mut households = generator.iter().flat_map(|v| {
        v.unwrap().households.into_iter().map(|mut g| {
            let events = std::mem::take(&mut g.events);
            HouseholdHistory {
                versions: g.into_versions(),
                events,
            }
        })
    });
    let n = store
        .bulk_load_histories(&mut households, &actor, "t", &mut |_| {})
        .unwrap();
    assert!(n > 500, "{n} households");
}

/// Records the notes a load gives.
#[derive(Default)]
struct Notes(Vec<String>);

impl Progress for Notes {
    fn note(&mut self, text: &str) {
        self.0.push(text.to_owned());
    }
}

fn indicator_json(data: &ReportData, area: &AreaCode) -> String {
    let rows = data.rows_for(area, Some(AreaLevel::Village));
    let table = indicators::compute(&data.engine, &data.eval, &rows, data.extras());
    serde_json::to_string(&table).unwrap()
}

/// Takes the snapshots `evaluate --year 2024 --history` takes: every year 2013–2024 of the county.
fn take_snapshots(store: &Store, pack: &PolicyPack) {
    let county = AreaCode::parse(COUNTY).unwrap();
    let tree = store.area_tree().unwrap();
    let seq = store.data_seq().unwrap();
    let years: Vec<u16> = (2013..=2024).collect();
    let loaded =
        load_years_with_facts(store, &tree, &county, &years, &mut |_| {}, &mut Silent).unwrap();
    for y in &loaded {
        let eval = y.engine.evaluate(pack).unwrap();
        snapshot::save(
            store,
            &county,
            &y.engine,
            &eval,
            &y.facts,
            seq,
            y.data_time,
            None,
        )
        .unwrap();
    }
}

fn restored_equals_fresh(db: &Db) {
    let store = &db.store;
    fill(store);
    let pack = PolicyPack::builtin();
    let county = AreaCode::parse(COUNTY).unwrap();
    // Fresh reads first (no snapshot yet: the load says it reads the registry).
    let mut notes = Notes::default();
    let fresh = ReportData::load(store, &county, 2024, None, true, &pack, &mut notes).unwrap();
    assert!(notes.0[0].contains("没有 2024 年"), "{:?}", notes.0);
    // A township with households.
    let township =
        indicators::drill_down(&fresh.engine, &fresh.eval, &county, AreaLevel::Township)[0];
    let fresh_township =
        ReportData::load(store, &township, 2020, None, true, &pack, &mut Silent).unwrap();
    let fresh_measures =
        ReportData::load(store, &county, 2022, None, false, &pack, &mut Silent).unwrap();
    take_snapshots(store, &pack);
    assert_eq!(store.snapshots(None).unwrap().len(), 12);

    let mut notes = Notes::default();
    let restored = ReportData::load(store, &county, 2024, None, true, &pack, &mut notes).unwrap();
    assert!(notes.0.is_empty(), "restored without a note: {:?}", notes.0);
    assert_eq!(
        indicator_json(&restored, &county),
        indicator_json(&fresh, &county)
    );
    assert!(restored.engine.households() > 500);
    assert_eq!(restored.engine.households(), fresh.engine.households());
    assert_eq!(restored.decided, fresh.decided);
    assert_eq!(restored.returned, fresh.returned);
    assert_eq!(restored.data_time, fresh.data_time);
    let (a, b) = (restored.series.unwrap(), fresh.series.unwrap());
    for y in 2013..=2024 {
        assert_eq!(a.summary(y), b.summary(y), "summary {y}");
    }
    // A township inside the county, from the county's snapshots.
    let mut notes = Notes::default();
    let restored_township =
        ReportData::load(store, &township, 2020, None, true, &pack, &mut notes).unwrap();
    assert!(notes.0.is_empty(), "{:?}", notes.0);
    assert_eq!(
        indicator_json(&restored_township, &township),
        indicator_json(&fresh_township, &township)
    );
    // The same review, but for the data time under it: a snapshot of the county tells the county's (the
    // newest record of any of its households), a read of the township the township's.
    let review = |d: &ReportData| {
        let text = d.annual_review().unwrap().markdown();
        text.lines()
            .filter(|l| !l.starts_with("数据时间"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(review(&fresh_township).contains("2020 年末建档立卡贫困户"));
    assert_eq!(review(&restored_township), review(&fresh_township));
    // Without history (what `report measures` reads), and the poverty measures themselves.
    let restored_measures =
        ReportData::load(store, &county, 2022, None, false, &pack, &mut Silent).unwrap();
    let measures = |d: &ReportData| {
        let m = jingzhun_report::population::income_measures(
            &d.engine,
            &d.eval,
            &county,
            AreaLevel::Township,
            jingzhun_report::population::Line::Monitoring,
        );
        serde_json::to_string(&m).unwrap()
    };
    assert_eq!(measures(&restored_measures), measures(&fresh_measures));
    // Another date of the year has no snapshot: read from the registry.
    let mut notes = Notes::default();
    ReportData::load(
        store,
        &county,
        2024,
        Some(NaiveDate::from_ymd_opt(2024, 6, 30).unwrap()),
        false,
        &pack,
        &mut notes,
    )
    .unwrap();
    assert!(
        notes.0[0].contains("没有 2024 年（截至 2024-06-30）"),
        "{:?}",
        notes.0
    );
}

fn a_change_makes_the_snapshot_stale(db: &Db) {
    let store = &db.store;
    fill(store);
    let pack = PolicyPack::builtin();
    let county = AreaCode::parse(COUNTY).unwrap();
    take_snapshots(store, &pack);
    let seq = store.data_seq().unwrap();
    assert!(snapshot::fresh(store, &county, 2024, year_end(2024))
        .unwrap()
        .is_ok());
    // An edit through the store: one household's income of 2024 drops to nothing.
    let tree = store.area_tree().unwrap();
    let mut some = None;
    load_with(
        store,
        &county,
        2024,
        year_end(2024),
        &mut |s| {
            if some.is_none() && s.household.income(2024).is_some() {
                some = Some(s.clone());
            }
        },
        &mut Silent,
    )
    .unwrap();
    let mut stored = some.unwrap();
    let before = ReportData::load(store, &county, 2024, None, false, &pack, &mut Silent).unwrap();
    stored.household.incomes.retain(|r| r.year != 2024);
    // In force from the year's end, so that it is the version the year's evaluation reads.
    let current = store.household(stored.id).unwrap();
    store
        .update_household(
            stored.id,
            current.version,
            &stored.household,
            year_end(2024),
            &Actor::new("村干部"),
            "更正收入",
        )
        .unwrap();
    let stale = snapshot::fresh(store, &county, 2024, year_end(2024))
        .unwrap()
        .unwrap_err();
    match &stale {
        Staleness::Changed { change, .. } => {
            assert_eq!(change.action, "household.update");
            assert_eq!(change.count, 1);
            assert!(change.seq > seq);
        }
        other => panic!("{other:?}"),
    }
    assert!(stale.text().contains("已过期"), "{}", stale.text());
    assert!(
        stale.text().contains("jingzhun evaluate --year 2024"),
        "{}",
        stale.text()
    );
    // The report says so and reads the registry: the edit shows.
    let mut notes = Notes::default();
    let after = ReportData::load(store, &county, 2024, None, false, &pack, &mut notes).unwrap();
    assert!(notes.0[0].contains("已过期"), "{:?}", notes.0);
    let known = |d: &ReportData| d.eval.rollup(&county).unwrap().income_known_people;
    assert!(known(&after) < known(&before));
    // A fresh snapshot of 2024 is used again, with the edit in it.
    let facts = {
        let mut f = EventFacts::default();
        let l = load_with(
            store,
            &county,
            2024,
            year_end(2024),
            &mut |s| f.add(s, 2024, year_end(2024)),
            &mut Silent,
        )
        .unwrap();
        let eval = l.engine.evaluate(&pack).unwrap();
        snapshot::save(
            store,
            &county,
            &l.engine,
            &eval,
            &f,
            store.data_seq().unwrap(),
            l.data_time,
            None,
        )
        .unwrap();
        f
    };
    let mut notes = Notes::default();
    let again = ReportData::load(store, &county, 2024, None, false, &pack, &mut notes).unwrap();
    assert!(notes.0.is_empty(), "{:?}", notes.0);
    assert_eq!(known(&again), known(&after));
    assert_eq!(again.decided, facts.decided);
    // Years before 2024 are stale too (the registry changed after them), so history reads the registry.
    let mut notes = Notes::default();
    ReportData::load(store, &county, 2024, None, true, &pack, &mut notes).unwrap();
    assert!(
        notes.0[0].contains("2013 年的评估快照") && notes.0[0].contains("已过期"),
        "{:?}",
        notes.0
    );
    let _ = tree;
}

#[test]
fn restored_equals_fresh_sqlite() {
    restored_equals_fresh(&sqlite());
}

#[test]
fn restored_equals_fresh_postgres() {
    if let Some(db) = postgres() {
        restored_equals_fresh(&db);
    }
}

#[test]
fn a_change_makes_the_snapshot_stale_sqlite() {
    a_change_makes_the_snapshot_stale(&sqlite());
}

#[test]
fn a_change_makes_the_snapshot_stale_postgres() {
    if let Some(db) = postgres() {
        a_change_makes_the_snapshot_stale(&db);
    }
}
