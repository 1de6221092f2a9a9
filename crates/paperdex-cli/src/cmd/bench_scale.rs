//! `paperdex bench scale`: ingest and query a library of N synthetic papers.
//!
//! The papers are recombined from a real, embedded source library (the
//! retrieval benchmark's, by default): a title joins the first half of one
//! real title to the second half of another; the abstract takes two sentences
//! of paper A, two of B and one of C; authors come from A and B; venue and
//! year from A. Each synthetic paper gets a vector without running the model,
//! the normalized mix `0.4·A + 0.4·B + 0.2·C` of its sources' embeddings, so
//! semantic and hybrid search can be timed at a million papers (embedding a
//! million texts takes hours on 2 cores; its cost is reported from the
//! model's measured texts/s instead). Generation is deterministic (seeded).
//!
//! Reported: ingest papers/s (store, then full-text index), bytes stored per
//! paper, and per search mode the p50/p99 latency of title queries (known
//! items) including the query's embedding, and recall@10 of the approximate
//! vector search against exact search.

use crate::{library, output};
use anyhow::{bail, Context, Result};
use paperdex_ingest::{IngestOptions, Ingestor};
use paperdex_model::{normalize_title, Paper};
use paperdex_search::{SearchMode, SearchRequest};
use paperdex_vector::synthetic::SplitMix64;
use paperdex_vector::{recall_at_k, VectorIndex};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct ScaleArgs {
    /// Synthetic papers to generate
    #[arg(long, default_value_t = 100_000)]
    papers: usize,
    /// An embedded library to recombine papers from
    #[arg(long, default_value = "target/bench-retrieval/library")]
    source: PathBuf,
    /// Work directory: the synthetic listing files and the library
    #[arg(long, default_value = "target/bench-scale")]
    out: PathBuf,
    /// Known-item queries per mode
    #[arg(long, default_value_t = 200)]
    queries: usize,
    /// Seed of the generator
    #[arg(long, default_value_t = 20261123)]
    seed: u64,
    /// Print the results as JSON
    #[arg(long)]
    json: bool,
}

/// Papers per generated listing file (one ingest batch each).
const PAPERS_PER_FILE: usize = 10_000;
/// Generated texts (title + abstract) embedded to measure the model's
/// throughput, from which the time to embed every paper is estimated.
const EMBED_SAMPLE: usize = 512;

struct SourcePaper {
    title_words: Vec<String>,
    sentences: Vec<String>,
    authors: Vec<String>,
    venue: Option<String>,
    year: Option<i32>,
    vector: Vec<f32>,
}

struct Recipe {
    title: String,
    parts: [usize; 3],
}

#[derive(Serialize)]
struct ModeLatency {
    mode: String,
    p50_ms: f64,
    p99_ms: f64,
    mean_ms: f64,
    found_at_1: f64,
}

#[derive(Serialize)]
struct ScaleReport {
    papers_generated: usize,
    papers_stored: u64,
    store_seconds: f64,
    store_papers_per_s: f64,
    index_seconds: f64,
    ingest_papers_per_s: f64,
    vectors_seconds: f64,
    vector_index_seconds: f64,
    embed_texts_per_s: f64,
    embed_all_hours_estimate: f64,
    store_bytes_per_paper: f64,
    index_bytes_per_paper: f64,
    vectors: usize,
    ann_recall_at_10: f64,
    modes: Vec<ModeLatency>,
}

pub fn scale(paths: &library::Paths, args: ScaleArgs) -> Result<ExitCode> {
    let source_paths = library::Paths {
        data_dir: args.source.clone(),
        model_dir: paths.model_dir.clone(),
        config: Default::default(),
    };
    if !args.source.join("library.sqlite").is_file() {
        bail!(
            "no source library at {}: run `paperdex bench retrieval` first (it builds one), or pass --source",
            args.source.display()
        );
    }
    let Some(embedder) = library::open_embedder(paths) else {
        bail!("the benchmark needs the embedding model: run scripts/setup-model.sh");
    };
    let model = embedder.model_id().to_string();
    let sources = load_sources(library::open(&source_paths)?.as_ref(), &model)?;
    if sources.len() < 50 {
        bail!(
            "the source library has {} embedded papers with title and abstract; it needs at least 50",
            sources.len()
        );
    }
    eprintln!("bench scale: {} source papers", sources.len());

    let _ = std::fs::remove_dir_all(&args.out);
    let corpus = args.out.join("corpus");
    std::fs::create_dir_all(&corpus)?;
    let (recipes, sample_texts) = generate(&sources, args.papers, args.seed, &corpus)?;
    eprintln!("bench scale: wrote {} papers", recipes.len());

    let bench_paths = library::Paths {
        data_dir: args.out.join("library"),
        model_dir: paths.model_dir.clone(),
        config: paths.config.clone(),
    };
    let engine = library::open_engine(&bench_paths, false)?;
    let already = engine.store().stats()?.papers;
    if already > 0 {
        bail!(
            "the benchmark library already holds {already} papers: it needs an empty store (a fresh database for --store)"
        );
    }
    let started = Instant::now();
    {
        let mut ingestor = Ingestor::open(engine.store().as_ref())?;
        let report = ingestor.ingest_paths(
            std::slice::from_ref(&corpus),
            &IngestOptions::default(),
            &|_| {},
        )?;
        if report.files.iter().any(|f| f.failed.is_some()) {
            bail!("a generated file failed to ingest");
        }
    }
    let store_seconds = started.elapsed().as_secs_f64();
    let index_started = Instant::now();
    engine.sync_text()?;
    let index_seconds = index_started.elapsed().as_secs_f64();
    let papers_stored = engine.store().stats()?.papers;
    eprintln!("bench scale: stored {papers_stored} papers in {store_seconds:.1} s, indexed in {index_seconds:.1} s");

    let vectors_started = Instant::now();
    // As `paperdex embed` loads a backlog: a backend may build its own
    // vector index once at the end rather than keep it current.
    engine.store().begin_vector_load(papers_stored)?;
    let vectors = attach_vectors(engine.store().as_ref(), &model, &sources, &recipes)?;
    let vectors_seconds = vectors_started.elapsed().as_secs_f64();
    let vector_index_started = Instant::now();
    engine.store().ensure_vector_index()?;
    let vector_index_seconds = vector_index_started.elapsed().as_secs_f64();
    eprintln!(
        "bench scale: stored {vectors} vectors in {vectors_seconds:.1} s, \
         the store's vector index built in {vector_index_seconds:.1} s"
    );
    let store_bytes = engine.store().storage_bytes()?;
    drop(engine);
    let index_bytes = dir_bytes(&library::derived_dir(&bench_paths).join("index"));
    let engine = library::open_engine(&bench_paths, true)?;

    let mut rng = SplitMix64::new(args.seed ^ 0x5eed);
    let queries: Vec<&Recipe> = (0..args.queries.min(recipes.len()))
        .map(|_| &recipes[rng.below(recipes.len())])
        .collect();
    let mut modes = Vec::new();
    for mode in [
        SearchMode::Lexical,
        SearchMode::Semantic,
        SearchMode::Hybrid,
    ] {
        let mut times = Vec::with_capacity(queries.len());
        let mut found = 0usize;
        for q in &queries {
            let request = SearchRequest {
                query: q.title.clone(),
                mode,
                k: 10,
                ..Default::default()
            };
            let t = Instant::now();
            let results = engine.search(&request)?;
            times.push(t.elapsed().as_secs_f64() * 1e3);
            if results
                .hits
                .first()
                .is_some_and(|h| normalize_title(&h.paper.title) == normalize_title(&q.title))
            {
                found += 1;
            }
        }
        times.sort_by(f64::total_cmp);
        modes.push(ModeLatency {
            mode: format!("{mode:?}").to_lowercase(),
            p50_ms: percentile(&times, 0.50),
            p99_ms: percentile(&times, 0.99),
            mean_ms: times.iter().sum::<f64>() / times.len().max(1) as f64,
            found_at_1: found as f64 / queries.len().max(1) as f64,
        });
    }

    let sample: Vec<&str> = sample_texts.iter().map(String::as_str).collect();
    let embed_started = Instant::now();
    for chunk in sample.chunks(64) {
        embedder.embed(chunk)?;
    }
    let embed_texts_per_s = sample.len() as f64 / embed_started.elapsed().as_secs_f64();

    let query_texts: Vec<&str> = queries.iter().map(|q| q.title.as_str()).collect();
    let query_vectors = embedder.embed(&query_texts)?;
    let mut index = VectorIndex::new(embedder.dim());
    engine.store().for_each_embedding(&model, &mut |id, v| {
        let _ = index.upsert(id, v);
    })?;
    let ann_recall_at_10 = recall_at_k(&index, &query_vectors, 10);

    let report = ScaleReport {
        papers_generated: recipes.len(),
        papers_stored,
        store_seconds,
        store_papers_per_s: papers_stored as f64 / store_seconds,
        index_seconds,
        ingest_papers_per_s: papers_stored as f64 / (store_seconds + index_seconds),
        vectors_seconds,
        vector_index_seconds,
        embed_texts_per_s,
        embed_all_hours_estimate: papers_stored as f64 / embed_texts_per_s / 3600.0,
        store_bytes_per_paper: store_bytes as f64 / papers_stored.max(1) as f64,
        index_bytes_per_paper: index_bytes as f64 / papers_stored.max(1) as f64,
        vectors,
        ann_recall_at_10,
        modes,
    };
    if args.json {
        output::print_json(&report)?;
    } else {
        println!(
            "{} papers: store {:.0} papers/s, store+index {:.0} papers/s; {:.0} B/paper stored, {:.0} B/paper index",
            report.papers_stored,
            report.store_papers_per_s,
            report.ingest_papers_per_s,
            report.store_bytes_per_paper,
            report.index_bytes_per_paper
        );
        println!(
            "embedding: {:.0} texts/s measured on {} generated papers, so about {:.1} h to embed all {} \
             (the benchmark stores mixed source vectors instead, in {:.1} s, and the store builds its \
             vector index in {:.1} s)",
            report.embed_texts_per_s,
            sample.len(),
            report.embed_all_hours_estimate,
            report.papers_stored,
            report.vectors_seconds,
            report.vector_index_seconds
        );
        println!(
            "ANN recall@10 against exact: {:.4} ({} vectors)",
            report.ann_recall_at_10, report.vectors
        );
        println!("mode       p50 ms   p99 ms   mean ms  top-1 = target");
        for m in &report.modes {
            println!(
                "{:<9} {:>7.2} {:>8.2} {:>9.2}  {:.3}",
                m.mode, m.p50_ms, m.p99_ms, m.mean_ms, m.found_at_1
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn load_sources(store: &dyn paperdex_store::Store, model: &str) -> Result<Vec<SourcePaper>> {
    let mut vectors: HashMap<i64, Vec<f32>> = HashMap::new();
    store.for_each_embedding(model, &mut |id, v| {
        vectors.insert(id, v.to_vec());
    })?;
    let (papers, _) = store.papers_changed_since(0)?;
    let mut out = Vec::new();
    for paper in papers {
        let Some(vector) = vectors.remove(&paper.id) else {
            continue;
        };
        let Some(abstract_text) = paper.abstract_text.as_deref() else {
            continue;
        };
        let sentences = split_sentences(abstract_text);
        let title_words: Vec<String> = paper.title.split_whitespace().map(str::to_string).collect();
        if paper.title_derived || title_words.len() < 2 || sentences.len() < 2 {
            continue;
        }
        out.push(SourcePaper {
            title_words,
            sentences,
            authors: author_names(&paper),
            venue: paper.venue.clone(),
            year: paper.year,
            vector,
        });
    }
    Ok(out)
}

fn author_names(paper: &Paper) -> Vec<String> {
    paper.authors.iter().map(|a| a.name.clone()).collect()
}

fn split_sentences(text: &str) -> Vec<String> {
    text.split_inclusive(". ")
        .map(|s| s.trim().to_string())
        .filter(|s| s.len() > 20)
        .collect()
}

/// Writes `n` synthetic papers as conference JSON lists and returns each
/// paper's recipe, in order.
fn generate(
    sources: &[SourcePaper],
    n: usize,
    seed: u64,
    dir: &Path,
) -> Result<(Vec<Recipe>, Vec<String>)> {
    let mut rng = SplitMix64::new(seed);
    let mut recipes = Vec::with_capacity(n);
    let mut file = Vec::with_capacity(PAPERS_PER_FILE);
    let mut sample = Vec::with_capacity(EMBED_SAMPLE);
    for i in 0..n {
        let parts = [
            rng.below(sources.len()),
            rng.below(sources.len()),
            rng.below(sources.len()),
        ];
        let [a, b, c] = parts.map(|p| &sources[p]);
        let half_a = a.title_words.len().div_ceil(2);
        let half_b = b.title_words.len() / 2;
        let title = a.title_words[..half_a]
            .iter()
            .chain(&b.title_words[half_b..])
            .cloned()
            .collect::<Vec<_>>()
            .join(" ");
        let mut sentences: Vec<&str> = Vec::with_capacity(5);
        for (paper, count) in [(a, 2), (b, 2), (c, 1)] {
            let start = rng.below(paper.sentences.len());
            for k in 0..count.min(paper.sentences.len()) {
                sentences.push(&paper.sentences[(start + k) % paper.sentences.len()]);
            }
        }
        if sample.len() < EMBED_SAMPLE {
            sample.push(format!("{title}. {}", sentences.join(" ")));
        }
        let mut authors: Vec<&str> = a.authors.iter().take(2).map(String::as_str).collect();
        authors.extend(b.authors.iter().take(2).map(String::as_str));
        let mut entry = serde_json::json!({
            "id": format!("synth-{seed}-{i}"),
            "title": title,
            "author": authors.join("; "),
            "abstract": sentences.join(" "),
        });
        if let (Some(venue), Some(year)) = (&a.venue, a.year) {
            entry["bibtex"] = serde_json::Value::String(format!(
                "@inproceedings{{synth{i},\n  booktitle = {{{venue}}},\n  year = {{{year}}}\n}}"
            ));
        }
        file.push(entry);
        recipes.push(Recipe { title, parts });
        if file.len() == PAPERS_PER_FILE || i + 1 == n {
            let path = dir.join(format!("synth-{:05}.json", i / PAPERS_PER_FILE));
            std::fs::write(&path, serde_json::to_vec(&file)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
            file.clear();
        }
    }
    Ok((recipes, sample))
}

/// Stores each synthetic paper's mixed source vector as its embedding.
fn attach_vectors(
    store: &dyn paperdex_store::Store,
    model: &str,
    sources: &[SourcePaper],
    recipes: &[Recipe],
) -> Result<usize> {
    let by_title: HashMap<String, usize> = recipes
        .iter()
        .enumerate()
        .map(|(i, r)| (normalize_title(&r.title), i))
        .collect();
    let mut stored = 0;
    let mut after = 0;
    loop {
        let pending = store.papers_needing_embedding(model, after, 20_000)?;
        let Some((last, _)) = pending.last() else {
            break;
        };
        after = last.id;
        let mut items = Vec::with_capacity(pending.len());
        for (paper, batch) in &pending {
            let Some(&i) = by_title.get(&normalize_title(&paper.title)) else {
                bail!(
                    "paper {} ({}) is not a generated one",
                    paper.id,
                    paper.title
                );
            };
            let [a, b, c] = recipes[i].parts.map(|p| &sources[p].vector);
            let mut v: Vec<f32> = (0..a.len())
                .map(|d| 0.4 * a[d] + 0.4 * b[d] + 0.2 * c[d])
                .collect();
            paperdex_vector::synthetic::normalize(&mut v);
            items.push((paper.id, *batch, v));
        }
        store.put_embeddings(model, &items)?;
        stored += items.len();
    }
    Ok(stored)
}

/// Total size of the files under `dir`.
fn dir_bytes(dir: &Path) -> u64 {
    walk(dir)
        .into_iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}
