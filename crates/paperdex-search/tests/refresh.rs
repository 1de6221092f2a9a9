//! Two engines over one library directory, as two processes would be: a
//! long-running reader (the server) sees what the other one ingests after a
//! refresh, whoever holds the full-text index's writer.

use paperdex_embed::{Embedder, HashEmbedder};
use paperdex_index::TextIndex;
use paperdex_search::{Engine, Fusion, SearchMode, SearchRequest};
use paperdex_store::{SqliteStore, Store};
use std::path::Path;
use std::sync::Arc;

fn engine(dir: &Path) -> Engine {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.join("library.sqlite")).unwrap());
    let text = TextIndex::open_or_create(&dir.join("index")).unwrap();
    let embedder: Arc<dyn Embedder> = Arc::new(HashEmbedder::new(64));
    Engine::with_parts(store, text, Some(embedder), Fusion::default()).unwrap()
}

fn bib(key: &str, title: &str) -> String {
    format!("@article{{{key},\n  title = {{{title}}},\n  author = {{Doe, Jane}},\n  year = {{2021}}\n}}\n")
}

fn lexical_ids(engine: &Engine, query: &str) -> Vec<i64> {
    engine
        .search(&SearchRequest {
            query: query.into(),
            mode: SearchMode::Lexical,
            k: 10,
            ..Default::default()
        })
        .unwrap()
        .hits
        .iter()
        .map(|h| h.paper.id)
        .collect()
}

#[test]
fn a_reader_sees_another_engines_batches_after_refresh() {
    let dir = tempfile::tempdir().unwrap();
    let server = engine(dir.path());
    let ingest = engine(dir.path());

    ingest
        .ingest_bytes(
            "a.bib",
            bib("a", "Quokka population dynamics").as_bytes(),
            true,
        )
        .unwrap();
    // The reader's snapshot is the one it opened with.
    assert!(lexical_ids(&server, "quokka").is_empty());
    assert_eq!(server.vector_count(), 0);

    let done = server.refresh().unwrap();
    // The ingesting engine already indexed the batch: the reader reloads it.
    assert_eq!(done.papers_indexed, 0);
    assert_eq!(done.vectors_loaded, 1);
    assert_eq!(lexical_ids(&server, "quokka").len(), 1);
    assert_eq!(server.vector_count(), 1);
    // Nothing new: nothing done.
    assert_eq!(server.refresh().unwrap().vectors_loaded, 0);
}

#[test]
fn a_reader_catches_the_index_up_itself_when_the_writer_is_free() {
    let dir = tempfile::tempdir().unwrap();
    let server = engine(dir.path());
    let writer = engine(dir.path());
    // Another process stores a batch but dies before indexing it.
    {
        let store = SqliteStore::open(&dir.path().join("library.sqlite")).unwrap();
        let mut ingestor = paperdex_ingest::Ingestor::open(&store).unwrap();
        ingestor
            .ingest_bytes(
                "b.bib",
                bib("b", "Wombat burrow acoustics").as_bytes(),
                &Default::default(),
            )
            .unwrap();
    }
    // While someone else holds the writer, the reader only reloads.
    writer.text_index().acquire_writer().unwrap();
    assert_eq!(server.refresh().unwrap().papers_indexed, 0);
    assert!(lexical_ids(&server, "wombat").is_empty());
    // Once it is free, the reader indexes the batch itself.
    writer.text_index().wait_for_merges().unwrap();
    assert_eq!(server.refresh().unwrap().papers_indexed, 1);
    assert_eq!(lexical_ids(&server, "wombat").len(), 1);
    // And the other engine, writing next, starts from that commit.
    writer
        .ingest_bytes("c.bib", bib("c", "Numbat foraging").as_bytes(), false)
        .unwrap();
    assert_eq!(lexical_ids(&writer, "wombat").len(), 1);
    assert_eq!(lexical_ids(&writer, "numbat").len(), 1);
    server.refresh().unwrap();
    assert_eq!(lexical_ids(&server, "numbat").len(), 1);
}
