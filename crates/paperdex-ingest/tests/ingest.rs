//! Ingest through a real SQLite store: author identity and record versions.

use paperdex_ingest::{IngestOptions, Ingestor};
use paperdex_store::{SqliteStore, Store};

fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("library.sqlite")).unwrap();
    (dir, store)
}

fn paper(title: &str, authors: &str, abs: &str) -> String {
    format!(r#"{{"title": "{title}", "author": "{authors}", "abstract": "{abs}"}}"#)
}

#[test]
fn initials_join_a_full_name_only_with_a_shared_coauthor() {
    let (_dir, store) = store();
    let mut ingestor = Ingestor::open(&store).unwrap();
    let a = format!(
        "[{}]",
        paper(
            "Mutual Information Machines For Representation",
            "Kevin Swersky; Micha Livne",
            "We study mutual information between codes and data in autoencoders at length."
        )
    );
    let b = format!(
        "[{}]",
        paper(
            "Sentence Level Mutual Information Models",
            "K. Swersky; Micha Livne",
            "We train sentence models with a symmetric objective and report perplexity results."
        )
    );
    let c = format!(
        "[{}]",
        paper(
            "Cache Replacement By Imitation Of Oracles",
            "K. Swersky; Evan Liu",
            "Program execution speed depends on cache hits; we imitate Belady's optimal policy."
        )
    );
    for (name, text) in [("a2019.json", &a), ("b2020.json", &b), ("c2020.json", &c)] {
        let r = ingestor
            .ingest_bytes(name, text.as_bytes(), &IngestOptions::default())
            .unwrap();
        assert!(r.errors.is_empty() && r.failed.is_none(), "{r:?}");
    }
    let kevin = store.find_authors("Kevin Swersky").unwrap();
    assert_eq!(kevin.len(), 1);
    let info = store.author(kevin[0].id).unwrap().unwrap();
    // Paper b shares Micha Livne with Kevin Swersky's paper a: evidence.
    assert_eq!(
        info.papers.len(),
        2,
        "{:?}",
        info.papers.iter().map(|p| &p.title).collect::<Vec<_>>()
    );
    assert!(
        info.name_variants.contains(&"K. Swersky".to_string()),
        "{:?}",
        info.name_variants
    );
    // Paper c shares nobody with him: its K. Swersky stays a separate author.
    let all_k = store.find_authors("Swersky").unwrap();
    assert_eq!(all_k.len(), 2, "{all_k:?}");
}

#[test]
fn a_newer_arxiv_version_updates_the_paper_and_keeps_the_old_source() {
    let (_dir, store) = store();
    let mut ingestor = Ingestor::open(&store).unwrap();
    let feed = |version: u32, title: &str| {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title>arXiv Query</title>
  <entry>
    <id>http://arxiv.org/abs/2101.00001v{version}</id>
    <published>2021-01-01T00:00:00Z</published>
    <title>{title}</title>
    <summary>We present a method for learning things quickly and report on experiments with many datasets in detail.</summary>
    <author><name>Ann Lee</name></author>
  </entry>
</feed>"#
        )
    };
    ingestor
        .ingest_bytes(
            "v1.atom.xml",
            feed(1, "Learning Things Quickly").as_bytes(),
            &IngestOptions::default(),
        )
        .unwrap();
    ingestor
        .ingest_bytes(
            "v2.atom.xml",
            feed(2, "Learning Things Very Quickly").as_bytes(),
            &IngestOptions::default(),
        )
        .unwrap();
    let id = store.resolve_paper("2101.00001").unwrap().unwrap();
    let p = store.paper(id).unwrap().unwrap();
    assert_eq!(p.title, "Learning Things Very Quickly");
    assert_eq!(p.arxiv_id.unwrap().version, Some(2));
    assert_eq!(store.sources(id).unwrap().len(), 2);
    assert_eq!(store.stats().unwrap().papers, 1);
}
