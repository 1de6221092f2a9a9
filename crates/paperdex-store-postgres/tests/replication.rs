//! Past one server: a streaming-replication hot standby serves what the
//! primary committed (and refuses writes), and a primary killed mid-ingest
//! loses no committed batch and keeps no part of the batch in flight. Both
//! against real PostgreSQL 18 servers of their own (see `test_server`).

mod common;
use common::{repo, seed_files};
use paperdex_ingest::{IngestOptions, Ingestor};
use paperdex_store::{Stats, Store};
use paperdex_store_postgres::test_server::TestServer;
use paperdex_store_postgres::PostgresStore;
use postgres::NoTls;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The database name at the end of a test server URL.
fn database(url: &str) -> &str {
    url.rsplit('/').next().unwrap()
}

/// Every paper as (title, source count), sorted: ids may differ between
/// libraries, the content must not.
fn titles(store: &dyn Store) -> Vec<(String, usize)> {
    let mut out: Vec<_> = store
        .list_papers(&Default::default())
        .unwrap()
        .into_iter()
        .map(|p| {
            let sources = store.sources(p.id).unwrap().len();
            (p.title, sources)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_hot_standby_serves_what_the_primary_committed() {
    let primary_server = TestServer::start();
    let url = primary_server.fresh_database();
    let primary = PostgresStore::open(&url).unwrap();
    let standby_server = primary_server.start_standby();
    let standby = PostgresStore::open(&standby_server.url(database(&url))).unwrap();

    let report = Ingestor::open(&primary)
        .unwrap()
        .ingest_paths(&seed_files(), &IngestOptions::default(), &|_| {})
        .unwrap();
    assert!(report.files.iter().all(|f| f.failed.is_none()));
    let expected = primary.stats().unwrap();
    assert!(expected.papers > 100, "{expected:?}");

    // Replication is asynchronous: the standby catches up within seconds.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen = standby.stats().unwrap();
        if seen == expected {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "after 30 s the standby has {seen:?}, the primary {expected:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let papers = primary.list_papers(&Default::default()).unwrap();
    assert_eq!(standby.list_papers(&Default::default()).unwrap(), papers);
    let n = papers.len();
    for id in [papers[0].id, papers[n / 2].id, papers[n - 1].id] {
        assert_eq!(standby.paper(id).unwrap(), primary.paper(id).unwrap());
        assert_eq!(standby.sources(id).unwrap(), primary.sources(id).unwrap());
    }
    let found = primary.find_authors("Kevin Swersky").unwrap();
    assert!(!found.is_empty());
    assert_eq!(standby.find_authors("Kevin Swersky").unwrap(), found);
    assert_eq!(
        standby.author(found[0].id).unwrap(),
        primary.author(found[0].id).unwrap()
    );
    assert_eq!(standby.batches().unwrap(), primary.batches().unwrap());
    assert_eq!(titles(&standby), titles(&primary));

    // Writes are refused with an error, and change nothing.
    let batch = standby.write("on the standby", &mut |tx| tx.new_paper().map(|_| ()));
    assert!(batch.is_err(), "{batch:?}");
    let item = standby.put_user_item("star", "1", "{}");
    assert!(item.is_err(), "{item:?}");
    let ingest = Ingestor::open(&standby).unwrap().ingest_paths(
        &seed_files()[..1],
        &IngestOptions::default(),
        &|_| {},
    );
    assert!(ingest.is_err(), "{:?}", ingest.map(|r| r.files.len()));
    assert_eq!(standby.stats().unwrap(), expected);
    assert!(standby.user_items("star").unwrap().is_empty());
}

/// Conference listings (JSON, one batch each), 250 to 1009 records each,
/// smallest first: the first commits soon, the later ones take long enough
/// to be killed mid-batch.
fn conference_files() -> Vec<PathBuf> {
    let dir = repo().join("../shared/corpus/conferences");
    (2008..=2018)
        .map(|year| dir.join(format!("nips{year}.json")))
        .collect()
}

/// Records of a conference listing: the length of its JSON array.
fn json_records(path: &Path) -> u64 {
    let text = std::fs::read_to_string(path).unwrap();
    let list: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    list.len() as u64
}

/// The library's counts but `batches`: ingesting a file again writes an
/// empty batch.
fn content_stats(s: Stats) -> Stats {
    Stats { batches: 0, ..s }
}

/// What the ingest thread saw: the files it stored, then the file and error
/// that stopped it (none if it ran to the end).
type IngestOutcome = (Vec<PathBuf>, Option<(PathBuf, String)>);

#[test]
fn killing_the_primary_mid_ingest_loses_no_committed_batch() {
    let server = TestServer::start();
    let url = server.fresh_database();
    // Migrated before the ingest starts.
    drop(PostgresStore::open(&url).unwrap());
    let files = conference_files();
    let records: BTreeMap<String, u64> = files
        .iter()
        .map(|f| (f.display().to_string(), json_records(f)))
        .collect();

    // One batch per file, from a thread of its own, until an error stops it.
    let (done_tx, done_rx) = mpsc::channel::<IngestOutcome>();
    let ingest = {
        let (url, files) = (url.clone(), files.clone());
        std::thread::spawn(move || {
            let store = PostgresStore::open(&url).unwrap();
            let mut ingestor = Ingestor::open(&store).unwrap();
            let mut stored = Vec::new();
            for file in files {
                let paths = [file.clone()];
                match ingestor.ingest_paths(&paths, &IngestOptions::default(), &|_| {}) {
                    Ok(report) => {
                        assert!(report.files[0].failed.is_none(), "{report:?}");
                        stored.push(file);
                    }
                    Err(e) => {
                        done_tx.send((stored, Some((file, e.to_string())))).unwrap();
                        return;
                    }
                }
            }
            done_tx.send((stored, None)).unwrap();
        })
    };

    // Kill the server once a batch has committed and a later one has held
    // the writers' lock for a while (it is writing its records).
    let mut monitor = postgres::Client::connect(&url, NoTls).unwrap();
    let deadline = Instant::now() + Duration::from_secs(40);
    let committed_before_kill = loop {
        let committed: i64 = monitor
            .query_one("SELECT COUNT(*) FROM batches", &[])
            .unwrap()
            .get(0);
        let writing_for: Option<f64> = monitor
            .query_one(
                "SELECT MAX(EXTRACT(EPOCH FROM now() - a.xact_start))::float8
                 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                 WHERE l.locktype = 'advisory' AND l.granted
                   AND a.datname = current_database() AND a.application_name = 'paperdex'",
                &[],
            )
            .unwrap()
            .get(0);
        if committed >= 1 && writing_for.is_some_and(|s| s >= 0.1) {
            break committed as usize;
        }
        assert!(
            Instant::now() < deadline && !ingest.is_finished(),
            "no batch in flight to kill ({committed} committed)"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    server.kill();
    drop(monitor);

    // The ingest gets an error rather than waiting on a dead server.
    let (stored, stopped) = match done_rx.recv_timeout(Duration::from_secs(30)) {
        Ok(outcome) => outcome,
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            panic!("the ingest thread panicked: {:?}", ingest.join().err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("the ingest neither failed nor finished 30 s after the server was killed")
        }
    };
    ingest.join().unwrap();
    let (in_flight, error) = stopped.expect("the ingest ran to the end past the kill");
    assert!(
        stored.len() >= committed_before_kill,
        "{stored:?}, {committed_before_kill}"
    );

    server.restart();
    let store = PostgresStore::open(&url).unwrap();
    let batches = store.batches().unwrap();
    let mut client = postgres::Client::connect(&url, NoTls).unwrap();
    let per_batch: BTreeMap<i64, i64> = client
        .query(
            "SELECT batch_id, COUNT(*) FROM sources GROUP BY batch_id",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    // Every stored batch is a whole file...
    let mut labels = BTreeSet::new();
    for b in &batches {
        let file = b.label.strip_prefix("ingest ").unwrap();
        let expected = records[file];
        let found = per_batch.get(&b.id).copied().unwrap_or(0) as u64;
        assert_eq!(found, expected, "batch {} of {file}", b.id);
        labels.insert(file.to_string());
    }
    // ...nothing lies outside the stored batches...
    for (batch, n) in &per_batch {
        assert!(
            batches.iter().any(|b| b.id == *batch),
            "{n} sources of batch {batch}, which is not stored"
        );
    }
    let orphans: i64 = client
        .query_one(
            "SELECT COUNT(*) FROM papers p
             WHERE NOT EXISTS (SELECT 1 FROM sources s WHERE s.paper_id = p.id)
                OR p.created_batch NOT IN (SELECT id FROM batches)
                OR p.updated_batch NOT IN (SELECT id FROM batches)",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(orphans, 0, "papers of no stored batch");
    // ...every batch the ingest saw commit is there, and the one in flight
    // is there whole (its commit won the race with the kill) or not at all.
    let stored: BTreeSet<String> = stored.iter().map(|f| f.display().to_string()).collect();
    assert!(
        labels.is_superset(&stored),
        "{labels:?} lacks some of {stored:?}"
    );
    let in_flight = in_flight.display().to_string();
    assert!(
        labels.difference(&stored).all(|f| *f == in_flight),
        "{labels:?} beyond {stored:?} and {in_flight} (stopped by: {error})"
    );

    // Ingesting everything again completes the library as one uninterrupted
    // ingest makes it.
    let report = Ingestor::open(&store)
        .unwrap()
        .ingest_paths(&files, &IngestOptions::default(), &|_| {})
        .unwrap();
    assert!(report.files.iter().all(|f| f.failed.is_none()));
    let serial = PostgresStore::open(&server.fresh_database()).unwrap();
    Ingestor::open(&serial)
        .unwrap()
        .ingest_paths(&files, &IngestOptions::default(), &|_| {})
        .unwrap();
    let (resumed, uninterrupted) = (store.stats().unwrap(), serial.stats().unwrap());
    assert_eq!(
        uninterrupted.records,
        records.values().sum::<u64>(),
        "{uninterrupted:?}"
    );
    assert_eq!(content_stats(resumed), content_stats(uninterrupted));
    assert_eq!(titles(&store), titles(&serial));
}
