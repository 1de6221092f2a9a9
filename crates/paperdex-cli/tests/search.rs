//! End-to-end search tests: the real binary, the real model, the bundled corpus.

mod util;

use std::sync::OnceLock;
use util::{seed_listings, Backend, Library};

/// One library of the seed listings, embedded once for all search tests
/// (they only read it).
fn seeded(backend: Backend) -> &'static Library {
    static SQLITE: OnceLock<Library> = OnceLock::new();
    static POSTGRES: OnceLock<Library> = OnceLock::new();
    let lib = match backend {
        Backend::Sqlite => &SQLITE,
        Backend::Postgres => &POSTGRES,
    };
    lib.get_or_init(|| {
        let lib = Library::on(backend);
        for f in seed_listings() {
            lib.run_ok(&["ingest", f.to_str().unwrap()]);
        }
        lib
    })
}

fn titles(hits: &serde_json::Value) -> Vec<String> {
    hits.as_array()
        .unwrap()
        .iter()
        .map(|h| h["title"].as_str().unwrap().to_string())
        .collect()
}

fn every_mode_finds_a_remembered_paper_first(backend: Backend) {
    let lib = seeded(backend);
    let want = "An Imitation Learning Approach for Cache Replacement";
    for mode in ["lexical", "semantic", "hybrid"] {
        let hits = lib.json(&[
            "search",
            "--mode",
            mode,
            "--json",
            "-k",
            "5",
            "imitation learning for cache replacement policies",
        ]);
        assert_eq!(titles(&hits)[0], want, "mode {mode}: {hits}");
        let first = &hits[0];
        for key in ["id", "title", "authors", "year", "abstract", "score"] {
            assert!(first.get(key).is_some(), "hit lacks {key}");
        }
        assert!(
            first["abstract"].as_str().unwrap().len() > 500,
            "abstract must be full"
        );
    }
}

fn semantic_search_finds_meaning_without_shared_words(backend: Backend) {
    let lib = seeded(backend);
    // No word of this query is in the target's title.
    let hits = lib.json(&[
        "search",
        "--mode",
        "semantic",
        "--json",
        "-k",
        "3",
        "making hardware chips for neural nets by machine-learned design",
    ]);
    let t = titles(&hits);
    assert!(
        t.iter()
            .any(|x| x.contains("Hardware/Software Co-Design") || x.contains("accelerators")),
        "{t:?}"
    );
}

fn filters_and_exclusions_apply_in_every_mode(backend: Backend) {
    let lib = seeded(backend);
    for mode in ["lexical", "semantic", "hybrid"] {
        let hits = lib.json(&[
            "search",
            "--mode",
            mode,
            "--json",
            "-k",
            "20",
            "mutual information author:swersky",
        ]);
        let t = titles(&hits);
        assert!(!t.is_empty(), "{mode}");
        assert!(
            hits.as_array().unwrap().iter().all(|h| h["authors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a.as_str().unwrap().contains("Swersky"))),
            "{mode}: {hits}"
        );
        let hits = lib.json(&[
            "search",
            "--mode",
            mode,
            "--json",
            "-k",
            "20",
            "mutual information -symmetric author:swersky",
        ]);
        assert!(
            !titles(&hits)
                .iter()
                .any(|x| x.starts_with("High Mutual Information")),
            "{mode}: -word ignored: {hits}"
        );
        let hits = lib.json(&[
            "search",
            "--mode",
            mode,
            "--json",
            "-k",
            "20",
            "representation learning year:2019",
        ]);
        assert!(
            hits.as_array().unwrap().iter().all(|h| h["year"] == 2019),
            "{mode}: {hits}"
        );
    }
}

fn a_queries_file_gives_one_json_array_per_line(backend: Backend) {
    let lib = seeded(backend);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("q.txt");
    std::fs::write(
        &file,
        "binary neural networks periodic function\n\nmutual information machine\n",
    )
    .unwrap();
    let lines = lib.json_lines(&[
        "search",
        "--queries",
        file.to_str().unwrap(),
        "--json",
        "-k",
        "2",
    ]);
    assert_eq!(lines.len(), 3);
    assert!(titles(&lines[0])[0].starts_with("BiPer"), "{}", lines[0]);
    assert!(lines[1].as_array().unwrap().is_empty());
    assert_eq!(titles(&lines[2])[0], "MIM: Mutual Information Machine");
}

fn similar_papers_exclude_the_paper_itself(backend: Backend) {
    let lib = seeded(backend);
    let hits = lib.json(&["similar", "1910.03175", "--json", "-k", "3"]);
    let t = titles(&hits);
    assert_eq!(t.len(), 3);
    assert!(!t.contains(&"MIM: Mutual Information Machine".to_string()));
    assert!(t[0].starts_with("High Mutual Information"), "{t:?}");
}

fn bad_queries_say_what_is_wrong(backend: Backend) {
    let lib = seeded(backend);
    let out = lib.run(&["search", "--mode", "lexical", "graphs year:20x9"]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("20x9"), "{}", out.stderr);
    let out = lib.run(&["search", "--mode", "fuzzy", "graphs"]);
    assert_eq!(out.code, Some(2));
}

fn no_embed_defers_and_embed_catches_up(backend: Backend) {
    let lib = Library::on(backend);
    lib.run_ok(&["ingest", "--no-embed", seed_listings()[0].to_str().unwrap()]);
    let out = lib.run_ok(&["embed"]);
    assert!(out.contains("embedded 10 papers"), "{out}");
    let out = lib.run_ok(&["embed"]);
    assert!(out.contains("embedded 0 papers"), "{out}");
    let hits = lib.json(&[
        "search",
        "--mode",
        "semantic",
        "--json",
        "-k",
        "1",
        "autoencoder with symmetric mutual information objective",
    ]);
    assert!(titles(&hits)[0].contains("Mutual Information"), "{hits}");
    let out = lib.run_ok(&["reindex"]);
    assert!(out.contains("reindexed 10 papers"), "{out}");
}

on_both_backends!(
    every_mode_finds_a_remembered_paper_first,
    semantic_search_finds_meaning_without_shared_words,
    filters_and_exclusions_apply_in_every_mode,
    a_queries_file_gives_one_json_array_per_line,
    similar_papers_exclude_the_paper_itself,
    bad_queries_say_what_is_wrong,
    no_embed_defers_and_embed_catches_up,
);
