//! End-to-end tests: the real `paperdex` binary on the bundled corpus.

mod util;

use serde_json::Value;
use util::{repo_root, seed_listings, shared_corpus, Backend, Library};

fn seeds_ingest_to_the_ground_truth(backend: Backend) {
    let lib = Library::on(backend);
    let out = lib.run_ok(&[
        "ingest",
        "--no-embed",
        repo_root().join("data/seeds").to_str().unwrap(),
    ]);
    assert!(out.contains("0 errors"), "{out}");
    let stats = lib.json(&["stats", "--json"]);
    // Corpus README: 239 records, 8 pairs among 000/001/003 are one paper each.
    // The bundled Atom and BibTeX samples add records about papers already seen
    // plus papers of their own; count only the five seed listings here.
    let seeds = Library::on(backend);
    for f in util::seed_listings() {
        seeds.run_ok(&["ingest", "--no-embed", f.to_str().unwrap()]);
    }
    let s = seeds.json(&["stats", "--json"]);
    assert_eq!(s["records"], 239, "{s}");
    assert_eq!(s["papers"], 231, "{s}");
    assert!(stats["papers"].as_u64().unwrap() >= 231);
    for key in ["papers", "records", "authors", "sources"] {
        assert!(stats[key].is_u64(), "stats lacks {key}: {stats}");
    }
}

fn the_two_mim_papers_stay_apart_and_the_profile_owner_is_an_author(backend: Backend) {
    let lib = Library::on(backend);
    for f in util::seed_listings() {
        lib.run_ok(&["ingest", "--no-embed", f.to_str().unwrap()]);
    }
    let a = lib.json(&["show", "1910.03175", "--json"]);
    let b = lib.json(&["show", "1910.04153", "--json"]);
    assert_ne!(a["id"], b["id"]);
    // Each arXiv listing record met its profile-page twin (same abstract).
    for paper in [&a, &b] {
        let sources = paper["sources"].as_array().unwrap();
        assert_eq!(sources.len(), 2, "{paper}");
        let formats: Vec<&str> = sources
            .iter()
            .map(|s| s["format"].as_str().unwrap())
            .collect();
        assert!(
            formats.contains(&"profile-page") && formats.contains(&"arxiv-listing"),
            "{formats:?}"
        );
        let authors: Vec<&str> = paper["authors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["name"].as_str().unwrap())
            .collect();
        assert!(authors.iter().any(|n| n.contains("Swersky")), "{authors:?}");
        let rules: Vec<&str> = paper["merges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["rule"].as_str().unwrap())
            .collect();
        assert!(rules.contains(&"abstract"), "{rules:?}");
    }
    assert_eq!(a["title"], "MIM: Mutual Information Machine");
    assert_eq!(
        b["title"],
        "High Mutual Information in Representation Learning with Symmetric Variational Inference"
    );
    // The owner of the profile page is an author of all ten of its papers.
    let author = lib.json(&["author", "Swersky, Kevin", "--json"]);
    assert_eq!(author["papers"].as_array().unwrap().len(), 10, "{author}");
}

fn reingesting_changes_nothing(backend: Backend) {
    let lib = Library::on(backend);
    let seeds = repo_root().join("data/seeds");
    lib.run_ok(&["ingest", "--no-embed", seeds.to_str().unwrap()]);
    let before = lib.json(&["stats", "--json"]);
    let out = lib.run_ok(&["ingest", "--no-embed", seeds.to_str().unwrap()]);
    assert!(out.contains("0 new papers, 0 merged"), "{out}");
    let after = lib.json(&["stats", "--json"]);
    assert_eq!(before["papers"], after["papers"]);
    assert_eq!(before["records"], after["records"]);
    assert_eq!(before["authors"], after["authors"]);
}

fn titles_missing_from_every_source_are_derived_and_marked(backend: Backend) {
    let lib = Library::on(backend);
    lib.run_ok(&[
        "ingest",
        "--no-embed",
        util::seed_listings()[2].to_str().unwrap(),
    ]);
    let papers = lib.json_lines(&["list", "--json", "-n", "500"]);
    assert_eq!(papers.len(), 150);
    let first = papers
        .iter()
        .find(|p| {
            p["tldr"]
                .as_str()
                .is_some_and(|t| t.starts_with("We study how neural networks trained"))
        })
        .unwrap();
    assert_eq!(first["title_derived"], true);
    assert_eq!(
        first["title"],
        "We study how neural networks trained by gradient descent extrapolate"
    );
}

fn bad_files_are_named_and_cost_nothing_else(backend: Backend) {
    let lib = Library::on(backend);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.bin"), [0u8, 159, 146, 150, 0, 1, 2]).unwrap();
    std::fs::write(
        dir.path().join("prose.txt"),
        "Just a note to myself.\nNothing to see here.\n",
    )
    .unwrap();
    std::fs::copy(&util::seed_listings()[0], dir.path().join("good.txt")).unwrap();
    let out = lib.run(&["ingest", "--no-embed", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, Some(1), "partial failure exits 1: {out:?}");
    assert!(out.stderr.contains("junk.bin"), "{}", out.stderr);
    assert!(out.stderr.contains("prose.txt"), "{}", out.stderr);
    assert_eq!(lib.json(&["stats", "--json"])["papers"], 10);
}

fn a_malformed_json_record_is_reported_by_index_and_the_rest_ingests(backend: Backend) {
    let lib = Library::on(backend);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("venue2020.json");
    std::fs::write(
        &path,
        r#"[{"title": "A Good Paper About Graphs", "author": "Ann Lee; Bo Chen", "abstract": "We study graphs and their many fascinating properties in depth."},
 {"title": 42, "author": "X Y"},
 {"title": "Another Good Paper on Kernels", "author": "Cy Dee", "abstract": "Kernels are studied here at length with new theory and experiments."}]"#,
    )
    .unwrap();
    let out = lib.run(&["ingest", "--no-embed", path.to_str().unwrap()]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stderr.contains("venue2020.json") && out.stderr.contains("record 2"),
        "{}",
        out.stderr
    );
    assert_eq!(lib.json(&["stats", "--json"])["papers"], 2);
}

fn list_filters_by_author_year_venue_and_source(backend: Backend) {
    let lib = Library::on(backend);
    let conf = shared_corpus().join("conferences/icml2013.json");
    lib.run_ok(&["ingest", "--no-embed", conf.to_str().unwrap()]);
    lib.run_ok(&[
        "ingest",
        "--no-embed",
        util::seed_listings()[0].to_str().unwrap(),
    ]);
    let all = lib.json_lines(&["list", "--json"]).len();
    let icml = lib.json_lines(&["list", "--json", "--venue", "icml"]);
    assert!(!icml.is_empty() && icml.len() < all);
    assert!(icml
        .iter()
        .all(|p| p["venue"].as_str().unwrap().to_lowercase().contains("icml")));
    let y2019 = lib.json_lines(&["list", "--json", "--year", "2019"]);
    assert!(!y2019.is_empty() && y2019.iter().all(|p| p["year"] == 2019));
    let range = lib.json_lines(&["list", "--json", "--year", "2018..2019"]);
    assert!(range.len() > y2019.len());
    let src = lib.json_lines(&["list", "--json", "--source", "000_96df"]);
    assert_eq!(src.len(), 10);
    // Listing records have no authors; pick a conference paper.
    let with_authors = icml
        .iter()
        .find(|p| !p["authors"].as_array().unwrap().is_empty())
        .unwrap();
    let first_author = with_authors["authors"][0]["name"]
        .as_str()
        .unwrap()
        .to_string();
    let by_author = lib.json_lines(&["list", "--json", "--author", &first_author]);
    assert!(by_author.iter().any(|p| p["id"] == with_authors["id"]));
    assert!(by_author.len() < all);
    let bad = lib.run(&["list", "--year", "20x9"]);
    assert_eq!(bad.code, Some(2));
    assert!(bad.stderr.contains("not a year"), "{}", bad.stderr);
}

fn show_resolves_ids_and_explains_merges(backend: Backend) {
    let lib = Library::on(backend);
    for f in util::seed_listings() {
        lib.run_ok(&["ingest", "--no-embed", f.to_str().unwrap()]);
    }
    // In the glued listing an id belongs to the record before it.
    let p = lib.json(&["show", "arXiv:2006.16239", "--json"]);
    assert_eq!(
        p["title"],
        "An Imitation Learning Approach for Cache Replacement"
    );
    let simclr = lib.json(&["show", "2006.10029", "--json"]);
    assert_eq!(
        simclr["title"],
        "Big Self-Supervised Models are Strong Semi-Supervised Learners"
    );
    let by_id = lib.json(&["show", &p["id"].to_string(), "--json"]);
    assert_eq!(by_id["id"], p["id"]);
    let merges = p["merges"].as_array().unwrap();
    assert!(merges
        .iter()
        .any(|m| m["detail"].as_str().unwrap().contains("shingles shared")));
    let human = lib.run_ok(&["show", "2006.16239"]);
    assert!(
        human.contains("sources:") && human.contains("abstract"),
        "{human}"
    );
    let missing = lib.run(&["show", "9999.99999"]);
    assert_eq!(missing.code, Some(2));
    assert!(missing.stderr.contains("no paper"), "{}", missing.stderr);
}

fn a_killed_ingest_leaves_whole_batches_and_finishing_matches_an_uninterrupted_run(
    backend: Backend,
) {
    let conf = shared_corpus().join("conferences");
    let reference = Library::on(backend);
    reference.run_ok(&["ingest", "--no-embed", conf.to_str().unwrap()]);
    let expected: Value = reference.json(&["stats", "--json"]);

    let lib = Library::on(backend);
    for delay_ms in [150u64, 400, 900] {
        let mut child = lib.spawn(&["ingest", "--no-embed", conf.to_str().unwrap()]);
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        // Every stored file is stored whole: its records all, or none.
        lib.assert_whole_batches();
    }
    lib.run_ok(&["ingest", "--no-embed", conf.to_str().unwrap()]);
    let finished = lib.json(&["stats", "--json"]);
    for key in ["papers", "records", "authors", "sources", "merged_papers"] {
        assert_eq!(
            finished[key], expected[key],
            "{key}: {finished} vs {expected}"
        );
    }
}

/// `backup` of a library in use and `restore` into an empty one (a data
/// directory for SQLite, a database for PostgreSQL) give back the same
/// library, the user's own data included.
fn backup_and_restore_give_back_the_library(backend: Backend) {
    let lib = Library::on(backend);
    for f in seed_listings() {
        lib.run_ok(&["ingest", "--no-embed", f.to_str().unwrap()]);
    }
    lib.run_ok(&["star", "1910.03175"]);
    lib.run_ok(&["follow", "author", "Kevin", "Swersky"]);
    let file = lib.path().join("library.backup");
    let file = file.to_str().unwrap();
    lib.run_ok(&["backup", file]);
    let again = lib.run(&["backup", file]);
    assert_eq!(again.code, Some(2), "{again:?}");

    let restored = Library::on(backend);
    let out = restored.run_ok(&["restore", file]);
    assert!(out.contains("restored"), "{out}");
    for args in [
        &["stats", "--json"][..],
        &["show", "--json", "1910.03175"],
        &["stars", "--json"],
        &["follows", "--json"],
    ] {
        assert_eq!(restored.run_ok(args), lib.run_ok(args), "{args:?}");
    }
    // The same papers in the same order (BM25 scores of the rebuilt index
    // differ in the last digits: one segment instead of several).
    let hits = |l: &Library| -> Vec<i64> {
        let out = l.run_ok(&["search", "--mode", "lexical", "--json", "cache replacement"]);
        let hits: Vec<Value> = serde_json::from_str(out.trim()).unwrap();
        hits.iter().map(|h| h["id"].as_i64().unwrap()).collect()
    };
    assert_eq!(hits(&restored), hits(&lib));
    // Only into an empty library.
    let refused = restored.run(&["restore", file]);
    assert_ne!(refused.code, Some(0), "{refused:?}");
}

on_both_backends!(
    backup_and_restore_give_back_the_library,
    seeds_ingest_to_the_ground_truth,
    the_two_mim_papers_stay_apart_and_the_profile_owner_is_an_author,
    reingesting_changes_nothing,
    titles_missing_from_every_source_are_derived_and_marked,
    bad_files_are_named_and_cost_nothing_else,
    a_malformed_json_record_is_reported_by_index_and_the_rest_ingests,
    list_filters_by_author_year_venue_and_source,
    show_resolves_ids_and_explains_merges,
    a_killed_ingest_leaves_whole_batches_and_finishing_matches_an_uninterrupted_run,
);

/// Two `paperdex ingest` processes at once against one PostgreSQL library,
/// on different inputs that share papers (the same conference file, and
/// seed listings whose records describe the same papers differently): every
/// paper ends up once and every record is kept, as if run one after the other.
#[test]
fn two_concurrent_ingest_processes_sharing_papers_store_each_paper_once() {
    let seeds = util::seed_listings();
    let conf = shared_corpus().join("conferences");
    let path = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let left = [
        path(&seeds[0]),
        path(&conf.join("icml2013.json")),
        path(&conf.join("icml2014.json")),
        path(&seeds[2]),
    ];
    let right = [
        path(&conf.join("icml2014.json")),
        path(&seeds[1]),
        path(&seeds[3]),
        path(&conf.join("icml2015.json")),
        path(&seeds[4]),
    ];
    let lib = Library::on(Backend::Postgres);
    let other = lib.sharing_store();
    for _ in 0..2 {
        let args = |files: &[String]| {
            let mut a = vec!["ingest".to_string(), "--no-embed".to_string()];
            a.extend(files.iter().cloned());
            a
        };
        let (l, r) = (args(&left), args(&right));
        let l: Vec<&str> = l.iter().map(String::as_str).collect();
        let r: Vec<&str> = r.iter().map(String::as_str).collect();
        let mut a = lib.spawn(&l);
        let mut b = other.spawn(&r);
        assert!(a.wait().unwrap().success());
        assert!(b.wait().unwrap().success());
    }
    let serial = Library::new();
    let mut all: Vec<&str> = vec!["ingest", "--no-embed"];
    all.extend(left.iter().map(String::as_str));
    all.extend(right.iter().map(String::as_str));
    serial.run_ok(&all);
    let (got, want) = (
        lib.json(&["stats", "--json"]),
        serial.json(&["stats", "--json"]),
    );
    for key in ["papers", "records", "authors", "sources", "merged_papers"] {
        assert_eq!(got[key], want[key], "{key}: {got} vs {want}");
    }
    // The pairs of the seed listings met across the two processes.
    let mim = lib.json(&["show", "1910.03175", "--json"]);
    assert_eq!(mim["sources"].as_array().unwrap().len(), 2, "{mim}");
    lib.assert_whole_batches();
}

/// Several processes on one PostgreSQL library each keep their own
/// full-text index and catch it up from the store's batch sequence: a
/// paper ingested through one is found through another.
#[test]
fn a_paper_ingested_through_one_process_is_found_through_another() {
    let seeds = util::seed_listings();
    let writer = Library::on(Backend::Postgres);
    let reader = writer.sharing_store();
    let query = ["search", "--mode", "lexical", "--json", "-k", "3"];
    let found_through_reader = |title: &str| {
        // Words only: a title may hold query syntax (`:`, `-`, quotes).
        let words: String = title
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        let mut args = query.to_vec();
        args.push(&words);
        reader
            .json(&args)
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["title"] == title)
    };
    // Each ingest is a later batch, through the writer only: the reader's
    // index (opened after the first) catches up by itself.
    for (seed, source) in [(&seeds[0], "000_96df"), (&seeds[2], "002_c35f")] {
        writer.run_ok(&["ingest", "--no-embed", seed.to_str().unwrap()]);
        let listed = writer.json_lines(&["list", "--json", "--source", source, "-n", "1"]);
        let title = listed[0]["title"].as_str().unwrap();
        assert!(
            found_through_reader(title),
            "{title} not found through the reader"
        );
    }
    assert_eq!(
        reader.json(&["stats", "--json"]),
        writer.json(&["stats", "--json"])
    );
}

#[test]
fn an_unreachable_store_is_named_and_exits_2() {
    let lib = Library::new();
    let out = lib.run(&[
        "--store",
        "postgres://lab:s3cret@127.0.0.1:1/paperdex",
        "stats",
    ]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr
            .contains("cannot connect to postgres://lab:***@127.0.0.1:1/paperdex"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("s3cret"));
    let out = lib.run(&["--store", "mysql://x/y", "stats"]);
    assert_eq!(out.code, Some(2));
    assert!(
        out.stderr.contains("unsupported store 'mysql://x/y'"),
        "{}",
        out.stderr
    );
}
