//! End-to-end discovery tests: topics, tl;drs, trending, stars and
//! recommendations through the real binary, on the bundled seed listings
//! with the real model.

mod util;

use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;
use util::{seed_listings, Library};

/// One embedded library of the seed listings, shared by the tests that only read it.
fn seeded() -> &'static Library {
    static LIB: OnceLock<Library> = OnceLock::new();
    LIB.get_or_init(|| {
        let lib = Library::new();
        let files: Vec<String> = seed_listings()
            .iter()
            .map(|p| p.to_str().unwrap().to_string())
            .collect();
        let mut args = vec!["ingest"];
        args.extend(files.iter().map(String::as_str));
        lib.run_ok(&args);
        lib
    })
}

fn topic_partition(lib: &Library) -> (Vec<Value>, BTreeSet<Vec<i64>>) {
    let topics = lib.json_lines(&["topics", "--json"]);
    let mut partition = BTreeSet::new();
    for t in &topics {
        let id = t["id"].as_i64().unwrap().to_string();
        let detail = lib.json(&["topic", &id, "--json"]);
        let ids: Vec<i64> = detail["papers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids.len() as u64, t["size"].as_u64().unwrap(), "topic {id}");
        partition.insert(ids);
    }
    (topics, partition)
}

#[test]
fn topics_cover_every_embedded_paper_and_are_deterministic() {
    let lib = seeded();
    let stats = lib.json(&["stats", "--json"]);
    let papers = stats["papers"].as_u64().unwrap();
    let (topics, partition) = topic_partition(lib);
    assert!(topics.len() >= 2, "{topics:?}");
    let covered: u64 = topics.iter().map(|t| t["size"].as_u64().unwrap()).sum();
    assert_eq!(covered, papers, "every paper is embedded and in one topic");
    for t in &topics {
        assert!(!t["label"].as_str().unwrap().is_empty());
        assert!(!t["terms"].as_array().unwrap().is_empty(), "{t}");
    }
    // Another k, then the automatic k again: the same clusters as before.
    let other = (topics.len() + 2).to_string();
    assert_eq!(
        lib.json_lines(&["topics", "--json", "--k", &other]).len(),
        topics.len() + 2
    );
    let again = topics.len().to_string();
    lib.run_ok(&["topics", "--k", &again]);
    let (_, partition_again) = topic_partition(lib);
    assert_eq!(partition, partition_again);
    // Every paper knows its topic.
    let first = partition.iter().next().unwrap()[0].to_string();
    let shown = lib.json(&["show", &first, "--json"]);
    assert!(shown["topic"]["id"].is_i64(), "{shown}");
    assert!(lib.run_ok(&["show", &first]).contains("topic "));
    let bad = lib.run(&["topic", "9999"]);
    assert_eq!(bad.code, Some(2));
    assert!(bad.stderr.contains("no topic 9999"), "{}", bad.stderr);
}

#[test]
fn authors_list_their_topics() {
    let lib = seeded();
    let author = lib.json(&["author", "Swersky", "--json"]);
    let topics = author["topics"].as_array().unwrap();
    assert!(!topics.is_empty(), "{author}");
    let in_topics: u64 = topics.iter().map(|t| t["papers"].as_u64().unwrap()).sum();
    assert_eq!(
        in_topics as usize,
        author["papers"].as_array().unwrap().len()
    );
    assert!(lib
        .run_ok(&["author", "Swersky"])
        .contains("topics (their papers in it)"));
}

#[test]
fn papers_without_a_tldr_get_a_generated_sentence_of_their_abstract() {
    let lib = seeded();
    let papers = lib.json_lines(&["list", "--json"]);
    let (mut generated, mut from_source) = (0, 0);
    for p in &papers {
        let Some(abs) = p["abstract"].as_str() else {
            continue;
        };
        let tldr = p["tldr"]
            .as_str()
            .expect("every paper with an abstract has a tl;dr");
        if p["tldr_generated"].as_bool().unwrap() {
            generated += 1;
            let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                squash(abs).contains(&squash(tldr)),
                "not from the abstract: {tldr}"
            );
        } else {
            from_source += 1;
        }
    }
    assert!(generated > 50, "{generated} generated");
    // The conference list gives tl;drs: those stay the source's.
    assert!(from_source > 10, "{from_source} from sources");
}

#[test]
fn trending_ranks_by_score_and_filters() {
    let lib = seeded();
    let all = lib.json_lines(&["trending", "--json", "-k", "10"]);
    assert_eq!(all.len(), 10);
    let scores: Vec<f64> = all.iter().map(|t| t["score"].as_f64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    assert!(all[0]["signals"]["listings"].as_u64().unwrap() >= 1);
    let recent = lib.json_lines(&["trending", "--json", "--since", "30d", "-k", "500"]);
    assert!(!recent.is_empty() && recent.len() < 500);
    for t in &recent {
        let age = t["signals"]["age_days"].as_i64().unwrap();
        assert!((0..=30).contains(&age), "{t}");
    }
    let topic = lib.json_lines(&["topics", "--json"])[0]["id"]
        .as_i64()
        .unwrap()
        .to_string();
    let members: BTreeSet<i64> = lib.json(&["topic", &topic, "--json"])["papers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    for t in lib.json_lines(&["trending", "--json", "--topic", &topic, "-k", "500"]) {
        assert!(members.contains(&t["paper"]["id"].as_i64().unwrap()));
    }
    let bad = lib.run(&["trending", "--since", "soon"]);
    assert_eq!(bad.code, Some(2));
    assert!(bad.stderr.contains("since"), "{}", bad.stderr);
}

#[test]
fn stars_drive_recommendations() {
    // Its own library: stars are writes.
    let lib = Library::new();
    let seeds = seed_listings();
    let files: Vec<&str> = seeds.iter().map(|p| p.to_str().unwrap()).collect();
    let mut args = vec!["ingest"];
    args.extend(files);
    lib.run_ok(&args);
    let none = lib.run(&["recommend"]);
    assert_eq!(none.code, Some(2));
    assert!(none.stderr.contains("no starred papers"), "{}", none.stderr);

    // Star half of one author's papers; the other half should come back.
    let author = lib.json(&["author", "Swersky", "--json"]);
    let mut ids: Vec<i64> = author["papers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    assert!(ids.len() >= 6, "{ids:?}");
    let (starred, held): (Vec<_>, Vec<_>) = ids.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    for (_, id) in &starred {
        lib.run_ok(&["star", &id.to_string()]);
    }
    let stars: Vec<i64> = lib
        .json_lines(&["stars", "--json"])
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(stars.len(), starred.len());
    let recs = lib.json_lines(&["recommend", "--json", "-k", "20"]);
    assert_eq!(recs.len(), 20);
    let rec_ids: Vec<i64> = recs.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(
        rec_ids.iter().all(|id| !stars.contains(id)),
        "starred papers recommended"
    );
    let found = held.iter().filter(|(_, id)| rec_ids.contains(id)).count();
    // Chance would put 20 * held / unstarred (about a quarter of a paper) in
    // the top 20; recall is measured properly by `paperdex bench recommend`.
    assert!(
        found >= 1,
        "none of {} held-out papers in the top 20",
        held.len()
    );
    let scores: HashMap<i64, f64> = recs
        .iter()
        .map(|r| (r["id"].as_i64().unwrap(), r["score"].as_f64().unwrap()))
        .collect();
    assert!(recs
        .windows(2)
        .all(|w| scores[&w[0]["id"].as_i64().unwrap()] >= scores[&w[1]["id"].as_i64().unwrap()]));

    let first = starred[0].1.to_string();
    lib.run_ok(&["unstar", &first]);
    assert_eq!(
        lib.json_lines(&["stars", "--json"]).len(),
        starred.len() - 1
    );
    let again = lib.run(&["unstar", &first]);
    assert_eq!(again.code, Some(2));
    assert!(again.stderr.contains("not starred"), "{}", again.stderr);
    let unknown = lib.run(&["star", "no-such-paper"]);
    assert_eq!(unknown.code, Some(2));
    assert!(unknown.stderr.contains("no-such-paper"));
}
