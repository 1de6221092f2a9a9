//! Ingest throughput: the 11k-paper conference corpus into a fresh library
//! (parse + match + merge + store, with fsync'd commits), median of 5 runs
//! (`PAPERDEX_BENCH_RUNS` to change).
//! Run: `cargo bench -p paperdex-ingest`. Goal: ≥ 20,000 papers/s on 2 cores.

use paperdex_ingest::{IngestOptions, Ingestor};
use paperdex_store::{SqliteStore, Store};
use std::path::Path;
use std::time::Instant;

// The allocator the `paperdex` binary uses, so the figure is the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn peak_rss_mib() -> f64 {
    // VmHWM is the process's peak resident set; Linux-only, which is where
    // the benchmark is run and quoted.
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/conferences");
    assert!(
        corpus.is_dir(),
        "conference corpus not found at {}",
        corpus.display()
    );
    let mut runs = Vec::new();
    let mut papers = 0;
    let run_count: usize = std::env::var("PAPERDEX_BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(5)
        .max(1);
    for run in 0..run_count {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("library.sqlite")).unwrap();
        let start = Instant::now();
        let mut ingestor = Ingestor::open(&store).unwrap();
        let report = ingestor
            .ingest_paths(
                std::slice::from_ref(&corpus),
                &IngestOptions::default(),
                &|_| {},
            )
            .unwrap();
        let secs = start.elapsed().as_secs_f64();
        papers = store.stats().unwrap().papers;
        println!(
            "run {run}: {} records, {papers} papers in {secs:.3} s = {:.0} papers/s",
            report.records(),
            papers as f64 / secs
        );
        runs.push(papers as f64 / secs);
    }
    runs.sort_by(f64::total_cmp);
    println!(
        "ingest conference corpus: median {:.0} papers/s ({papers} papers), peak RSS {:.0} MiB",
        runs[runs.len() / 2],
        peak_rss_mib()
    );
}
