//! Index build speed, size on disk, and lexical query latency.
//!
//! Reads the ~11k papers of `shared/corpus/conferences/*.json` (found from
//! `CARGO_MANIFEST_DIR`, or `PAPERDEX_CORPUS`), indexes them on disk, then
//! replicates them (new ids, perturbed titles) to 100k papers (or
//! `PAPERDEX_BENCH_DOCS`) and times 200 queries each: the first three words
//! of titles, whole titles, with a filter, as a phrase, a filter alone.
//!
//! `cargo bench -p paperdex-index`

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use paperdex_index::{parse_query, IndexDoc, TextIndex};
use paperdex_model::{AuthorRef, Paper};
use serde::Deserialize;

/// Papers of the replicated index; `PAPERDEX_BENCH_DOCS` overrides.
const TARGET_DOCS: usize = 100_000;
const QUERIES: usize = 200;
const BATCH: usize = 2_000;

#[derive(Deserialize)]
struct Row {
    title: Option<String>,
    author: Option<String>,
    #[serde(rename = "abstract")]
    abstract_text: Option<String>,
}

fn corpus_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("PAPERDEX_CORPUS") {
        return dir.into();
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/conferences")
}

/// Papers and their source file names.
fn load_corpus(dir: &Path) -> Vec<(Paper, Vec<String>)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read corpus {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let stem = name.trim_end_matches(".json");
        let digits = stem.trim_start_matches(|c: char| c.is_ascii_alphabetic());
        let year = digits.parse::<i32>().ok();
        let venue = match stem.trim_end_matches(|c: char| c.is_ascii_digit()) {
            "nips" => "NeurIPS".to_string(),
            other => other.to_uppercase(),
        };
        let rows: Vec<Row> = serde_json::from_slice(&std::fs::read(&file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for row in rows {
            let id = out.len() as i64 + 1;
            let paper = Paper {
                id,
                title: row.title.unwrap_or_default(),
                authors: row
                    .author
                    .unwrap_or_default()
                    .split("; ")
                    .filter(|a| !a.trim().is_empty())
                    .map(|name| AuthorRef {
                        id: 0,
                        name: name.trim().to_string(),
                    })
                    .collect(),
                abstract_text: row.abstract_text.filter(|a| !a.trim().is_empty()),
                venue: Some(venue.clone()),
                year,
                ..Paper::default()
            };
            out.push((paper, vec![name.clone()]));
        }
    }
    out
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum()
}

/// Indexes `papers` in batches, commits, waits for merges; the time taken.
fn build(index: &TextIndex, papers: &[(Paper, Vec<String>)]) -> Duration {
    let start = Instant::now();
    for chunk in papers.chunks(BATCH) {
        let docs: Vec<IndexDoc<'_>> = chunk
            .iter()
            .map(|(paper, sources)| IndexDoc { paper, sources })
            .collect();
        index.upsert(&docs).unwrap();
    }
    index.commit(1).unwrap();
    let elapsed = start.elapsed();
    index.wait_for_merges().unwrap();
    elapsed
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Times `queries` (parse + search, top 10); returns sorted latencies.
fn time_queries(index: &TextIndex, queries: &[String]) -> Vec<Duration> {
    time_with(queries, |text| {
        let q = parse_query(text).unwrap();
        index.search(&q, 10, 0).unwrap().len()
    })
}

/// Times `run` on every query; returns sorted latencies.
fn time_with(queries: &[String], run: impl Fn(&str) -> usize) -> Vec<Duration> {
    let mut times = Vec::with_capacity(queries.len());
    for text in queries {
        let start = Instant::now();
        std::hint::black_box(run(text));
        times.push(start.elapsed());
    }
    times.sort();
    times
}

fn report(label: &str, times: &[Duration]) {
    println!(
        "{label:<44} p50 {:>7.3} ms   p99 {:>7.3} ms   max {:>7.3} ms",
        ms(percentile(times, 0.5)),
        ms(percentile(times, 0.99)),
        ms(*times.last().unwrap()),
    );
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to filter here.
    let corpus = load_corpus(&corpus_dir());
    let n = corpus.len();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "corpus: {n} papers from {}, {cores} cores",
        corpus_dir().display()
    );

    // 1. The real corpus.
    let tmp = tempfile::tempdir().unwrap();
    let small_dir = tmp.path().join("small");
    let index = TextIndex::open_or_create(&small_dir).unwrap();
    let took = build(&index, &corpus);
    assert_eq!(index.num_docs(), n as u64);
    let bytes = dir_bytes(&small_dir);
    println!(
        "build {n} docs: {:.2} s = {:.0} docs/s; {:.1} MB on disk = {:.0} bytes/paper",
        took.as_secs_f64(),
        n as f64 / took.as_secs_f64(),
        bytes as f64 / 1e6,
        bytes as f64 / n as f64,
    );
    drop(index);

    // 2. Replicated to 100k papers.
    let target_docs = std::env::var("PAPERDEX_BENCH_DOCS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(TARGET_DOCS);
    let copies = target_docs.div_ceil(n);
    let mut big = Vec::with_capacity(copies * n);
    for copy in 0..copies {
        for (paper, sources) in &corpus {
            if big.len() == target_docs {
                break;
            }
            let mut paper = paper.clone();
            paper.id += (copy * 1_000_000) as i64;
            if copy > 0 {
                // Perturb: rotate the title's words so copies are not identical.
                let mut words: Vec<&str> = paper.title.split_whitespace().collect();
                if !words.is_empty() {
                    let k = copy % words.len();
                    words.rotate_left(k);
                }
                paper.title = format!("{} {copy}", words.join(" "));
            }
            big.push((paper, sources.clone()));
        }
    }
    let big_dir = tmp.path().join("big");
    let index = TextIndex::open_or_create(&big_dir).unwrap();
    let took = build(&index, &big);
    let bytes = dir_bytes(&big_dir);
    println!(
        "build {} docs: {:.2} s = {:.0} docs/s; {:.1} MB on disk = {:.0} bytes/paper",
        big.len(),
        took.as_secs_f64(),
        big.len() as f64 / took.as_secs_f64(),
        bytes as f64 / 1e6,
        bytes as f64 / big.len() as f64,
    );

    let step = n / (QUERIES + 20);
    let mut queries: Vec<String> = (0..QUERIES + 20)
        .map(|i| {
            let title = &corpus[i * step].0.title;
            title
                .split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|q| parse_query(q).is_ok_and(|q| q.has_text()))
        .collect();
    let warmup: Vec<String> = queries.drain(..20).collect();
    queries.truncate(QUERIES);
    time_queries(&index, &warmup);

    println!(
        "queries at {} docs in {} segments ({} each):",
        index.num_docs(),
        index.num_segments(),
        queries.len()
    );
    report("3 title words", &time_queries(&index, &queries));
    let filtered: Vec<String> = queries.iter().map(|q| format!("{q} year:2010..")).collect();
    report(
        "3 title words + year:2010..",
        &time_queries(&index, &filtered),
    );
    let phrased: Vec<String> = queries.iter().map(|q| format!("\"{q}\"")).collect();
    report("3 title words as a phrase", &time_queries(&index, &phrased));
    // Whole titles: what a user pastes, and what `bench scale` sends.
    let titles: Vec<String> = (0..QUERIES)
        .map(|i| corpus[i * step + step / 2].0.title.clone())
        .filter(|q| parse_query(q).is_ok_and(|q| q.has_text()))
        .collect();
    report("whole title, top 10", &time_queries(&index, &titles));
    report(
        "whole title, top 100 (hybrid's lexical depth)",
        &time_with(&titles, |text| {
            index
                .search(&parse_query(text).unwrap(), 100, 0)
                .unwrap()
                .len()
        }),
    );
    report(
        "whole title, count of matches",
        &time_with(&titles, |text| {
            index.count(&parse_query(text).unwrap()).unwrap()
        }),
    );
    report(
        "whole title, count capped at 10,000 (what search reports)",
        &time_with(&titles, |text| {
            index
                .count_up_to(&parse_query(text).unwrap(), 10_000)
                .unwrap()
                .matches
        }),
    );
    let browse: Vec<String> = (0..QUERIES)
        .filter_map(|i| {
            let paper = &corpus[i * step].0;
            let family = paper.authors.first()?.name.split_whitespace().last()?;
            Some(format!("author:{family}"))
        })
        .filter(|q| parse_query(q).is_ok())
        .collect();
    report(
        "author: filter only (newest first)",
        &time_queries(&index, &browse),
    );
}
