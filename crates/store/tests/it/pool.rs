//! Connections under concurrency: several stores (as several server processes would) writing at once keep
//! one unbroken audit chain, and a long scan never holds up the interactive calls beside it.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use jingzhun_store::*;

use crate::both;
use crate::support::*;

const V1: &str = "511902101001";

/// Runs `f` on another thread and waits at most `limit` for it: a call that blocks on a connection held
/// elsewhere fails the test instead of hanging it.
fn within<T: Send + 'static>(limit: Duration, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit)
        .expect("the call waited for a connection held by the scan")
}

/// A scan of 511902 on another thread that stops in its first callback, says so on `started`, and goes on
/// when `release` is sent (or dropped); joined, it gives the households it read.
fn stopped_scan(
    store: &Arc<Store>,
    started: &mpsc::Sender<()>,
) -> (mpsc::Sender<()>, std::thread::JoinHandle<usize>) {
    let (release, release_rx) = mpsc::channel::<()>();
    let (store, started) = (Arc::clone(store), started.clone());
    let scanner = std::thread::spawn(move || {
        let mut first = true;
        store
            .scan_households(&code("511902"), None, &mut |_| {
                if first {
                    first = false;
                    started.send(()).unwrap();
                    let _ = release_rx.recv_timeout(Duration::from_secs(60));
                }
                Ok(())
            })
            .unwrap()
    });
    (release, scanner)
}

both!(fn two_stores_writing_at_once_keep_one_audit_chain(db) {
    db.store.upsert_areas(&areas(), &Actor::system("init"), "区划").unwrap();
    let other = Arc::new(db.reopen().unwrap());
    let this = Arc::new(db.reopen().unwrap());
    let mut threads = Vec::new();
    for (s, store) in [this, other].into_iter().enumerate() {
        for t in 0..4 {
            let store = Arc::clone(&store);
            threads.push(std::thread::spawn(move || {
                for k in 0..6 {
                    let n = 1_000 * (s * 4 + t + 1) + k;
                    let h = household(n, V1);
                    let (id, v) = store
                        .create_household(&h, &[], d("2014-10-01"), &actor(), "建档")
                        .unwrap();
                    let mut h2 = h.clone();
                    h2.natural_village = Some(format!("{k}组"));
                    store
                        .update_household(id, v, &h2, d("2020-01-01"), &actor(), "核查")
                        .unwrap();
                }
            }));
        }
    }
    for t in threads {
        t.join().unwrap();
    }
    let report = db.store.audit_verify().unwrap();
    assert!(report.is_ok(), "{:?}", report.problems);
    // One entry for the areas, two per household: 2 stores × 4 threads × 6 households.
    assert_eq!(report.entries, 1 + 2 * 2 * 4 * 6);
    let seqs: Vec<i64> = db
        .store
        .audit_entries(&AuditFilter::default())
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();
    assert_eq!(seqs, (1..=97).rev().collect::<Vec<_>>(), "one gapless sequence");
});

both!(fn a_long_scan_does_not_hold_up_reads_and_writes(db) {
    db.store.upsert_areas(&areas(), &Actor::system("init"), "区划").unwrap();
    let store = Arc::new(db.reopen().unwrap());
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(
            store
                .create_household(&household(n, V1), &events(n), d("2014-10-01"), &actor(), "建档")
                .unwrap()
                .0,
        );
    }
    // The scan stops in its first callback until the interactive calls below are done.
    let (started_tx, started) = mpsc::channel();
    let (release, scanner) = stopped_scan(&store, &started_tx);
    started.recv_timeout(Duration::from_secs(30)).unwrap();
    let limit = Duration::from_secs(15);
    let id = ids[1];
    let s = Arc::clone(&store);
    let read = within(limit, move || s.household(id).unwrap());
    assert_eq!(read.household.number.as_str(), household(1, V1).number.as_str());
    let s = Arc::clone(&store);
    let created = within(limit, move || {
        s.create_household(&household(99, V1), &[], d("2014-10-01"), &actor(), "建档")
            .unwrap()
    });
    assert!(created.0 .0 > 0);
    let s = Arc::clone(&store);
    let tree = within(limit, move || s.area_tree().unwrap());
    assert_eq!(tree.len(), areas().len());
    release.send(()).unwrap();
    // The scan read its own snapshot: the household created meanwhile is not in it.
    assert_eq!(scanner.join().unwrap(), 5);
});

// Regression: on a SQLite file, long scans took the few shared read-only connections and then the writing
// one, so that a server building a city's dashboard, its warning list and two reports at once answered
// nothing else — not a sign-in, not a search — until they ended. Each long scan now reads on a connection
// of its own (on PostgreSQL, from the pool for long work).
both!(fn several_long_scans_at_once_do_not_hold_up_reads_and_writes(db) {
    db.store.upsert_areas(&areas(), &Actor::system("init"), "区划").unwrap();
    let store = Arc::new(db.reopen().unwrap());
    for n in 0..3 {
        store
            .create_household(&household(n, V1), &events(n), d("2014-10-01"), &actor(), "建档")
            .unwrap();
    }
    // Four scans, each stopped in its first callback until the interactive calls below are done: more
    // than the SQLite file's shared readers (three).
    let (started_tx, started) = mpsc::channel();
    let (releases, scanners): (Vec<_>, Vec<_>) =
        (0..4).map(|_| stopped_scan(&store, &started_tx)).unzip();
    // PostgreSQL's pool for long work has three connections: the fourth scan waits for one of them.
    for _ in 0..3 {
        started.recv_timeout(Duration::from_secs(30)).unwrap();
    }
    let limit = Duration::from_secs(15);
    let s = Arc::clone(&store);
    let tree = within(limit, move || s.area_tree().unwrap());
    assert_eq!(tree.len(), areas().len());
    let s = Arc::clone(&store);
    let created = within(limit, move || {
        s.create_household(&household(99, V1), &[], d("2014-10-01"), &actor(), "建档")
            .unwrap()
    });
    assert!(created.0 .0 > 0);
    for r in releases {
        let _ = r.send(());
    }
    for t in scanners {
        let n = t.join().unwrap();
        assert!(n == 3 || n == 4, "{n}");
    }
});

#[test]
fn postgres_pool_sizes_are_configurable_and_respected() {
    let Some(db) = TestDb::postgres() else {
        return;
    };
    db.store
        .upsert_areas(&areas(), &Actor::system("init"), "区划")
        .unwrap();
    let url = db.url().unwrap().to_owned();
    let options = StoreOptions {
        pg_pool_size: 2,
        pg_bulk_pool_size: 1,
        ..StoreOptions::default()
    };
    let store = Arc::new(Store::open_with(&url, &options).unwrap());
    // Eight threads reading at once share the two interactive connections.
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                for _ in 0..10 {
                    assert_eq!(store.area_tree().unwrap().len(), areas().len());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let app = url
        .split("application_name=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap()
        .to_owned();
    let open = db.raw_i64(&format!(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = '{app}' AND pid <> pg_backend_pid()"
    ));
    // The test's own store (one connection at most after its one call) and the pooled store's two.
    assert!(open <= 3, "{open} connections for a pool of 2");
}

#[test]
fn a_replica_is_opened_without_migrating_and_refused_when_behind() {
    assert!(Store::open_replica("sqlite:x.db", &StoreOptions::default()).is_err());
    let Some(db) = TestDb::postgres() else {
        return;
    };
    db.store
        .upsert_areas(&areas(), &Actor::system("init"), "区划")
        .unwrap();
    let url = db.url().unwrap().to_owned();
    // A copy at the primary's migrations reads what the primary wrote.
    let replica = Store::open_replica(&url, &StoreOptions::default()).unwrap();
    assert_eq!(replica.area_tree().unwrap().len(), areas().len());
    // A copy that has not replayed the primary's migrations yet is refused, and nothing is created there.
    let (head, tail) = url.split_once("search_path%3D").unwrap();
    let (schema, rest) = tail.split_once('&').unwrap_or((tail, ""));
    let empty = format!("{schema}_empty");
    db.raw(&format!("CREATE SCHEMA {empty}"));
    let behind = format!("{head}search_path%3D{empty}&{rest}");
    let err = Store::open_replica(&behind, &StoreOptions::default()).unwrap_err();
    assert!(err.to_string().contains("只读副本"), "{err}");
    assert_eq!(
        db.raw_i64(&format!(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = '{empty}'"
        )),
        0
    );
    db.raw(&format!("DROP SCHEMA {empty} CASCADE"));
}
