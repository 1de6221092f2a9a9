//! Parse throughput over the shared conference corpus (39 files, ~35 MB)
//! and the bundled seed files. Prints records/s once before criterion runs,
//! so `cargo bench -p paperdex-formats` gives the headline number directly.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Instant;

fn load(dir: &Path, keep: impl Fn(&str) -> bool) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_some_and(|n| keep(&n.to_string_lossy())))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    files.sort();
    files
}

fn parse_all(files: &[(String, Vec<u8>)]) -> usize {
    files
        .iter()
        .map(|(name, bytes)| {
            paperdex_formats::parse_file(name, bytes, None)
                .expect("corpus files parse")
                .records
                .len()
        })
        .sum()
}

fn report(label: &str, files: &[(String, Vec<u8>)]) -> usize {
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    let records = parse_all(files);
    let best = (0..5)
        .map(|_| {
            let start = Instant::now();
            black_box(parse_all(files));
            start.elapsed()
        })
        .min()
        .unwrap();
    println!(
        "{label}: {} files, {records} records, {:.1} MB in {:.1} ms: {:.0} records/s, {:.0} MB/s",
        files.len(),
        bytes as f64 / 1e6,
        best.as_secs_f64() * 1e3,
        records as f64 / best.as_secs_f64(),
        bytes as f64 / 1e6 / best.as_secs_f64(),
    );
    records
}

fn benches(c: &mut Criterion) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let corpus = load(&root.join("../../../shared/corpus/conferences"), |n| {
        n.ends_with(".json")
    });
    if corpus.is_empty() {
        println!("shared/corpus/conferences not found beside the repository; skipping the corpus benchmark");
    } else {
        let records = report("conference corpus", &corpus);
        let mut group = c.benchmark_group("conference_json");
        group.sample_size(10);
        group.throughput(Throughput::Elements(records as u64));
        group.bench_function("parse_all", |b| b.iter(|| black_box(parse_all(&corpus))));
        group.finish();
    }

    let seeds = load(&root.join("../../data/seeds"), |_| true);
    let records = report("seed files", &seeds);
    let mut group = c.benchmark_group("seeds");
    group.throughput(Throughput::Elements(records as u64));
    group.bench_function("parse_all", |b| b.iter(|| black_box(parse_all(&seeds))));
    group.finish();
}

criterion_group!(parse, benches);
criterion_main!(parse);
