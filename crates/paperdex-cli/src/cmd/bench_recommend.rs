//! `paperdex bench recommend`: how well stars predict an author's other papers.
//!
//! On the library at `--data-dir` (e.g. the conference corpus): for every
//! author with at least `--min-papers` papers, their papers in id order are
//! split alternately: the 1st, 3rd, ... are starred, the others held out.
//! A model trained on the starred papers ranks every unstarred paper; we count
//! the held-out papers in its top 20 (recall@20 per author, averaged, and
//! total hits). Models: paperdex's (TF-IDF + MiniLM embedding, linear SVM)
//! and, as an ablation, the same SVM on TF-IDF only. The same authors, halves
//! and texts are written to `--out` for the arxiv-sanity-lite baseline
//! (`scripts/peers/recommend_peer.py`: scikit-learn TfidfVectorizer + LinearSVC).

use crate::{library, output};
use anyhow::{bail, Context, Result};
use paperdex_discover::recommend::{self, Recommender};
use paperdex_model::PaperId;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

/// Ranked papers a held-out paper must reach.
const TOP: usize = 20;

#[derive(clap::Args)]
pub struct Args {
    /// Authors with at least this many papers are measured
    #[arg(long, default_value_t = 6)]
    min_papers: usize,
    /// Where docs.jsonl and tasks.jsonl for the Python peer go
    #[arg(long, default_value = "target/bench-recommend")]
    out: PathBuf,
    /// Print the results as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Task {
    author: i64,
    name: String,
    starred: Vec<PaperId>,
    held_out: Vec<PaperId>,
}

#[derive(Serialize, Default)]
struct ModelResult {
    model: &'static str,
    mean_recall_at_20: f64,
    hits: usize,
    held_out: usize,
    median_ms_per_author: f64,
}

#[derive(Serialize)]
struct Report {
    papers: usize,
    authors: usize,
    results: Vec<ModelResult>,
}

fn measure(
    name: &'static str,
    r: &Recommender,
    tasks: &[Task],
    row: &HashMap<PaperId, usize>,
) -> ModelResult {
    let mut recall_sum = 0.0;
    let mut hits = 0;
    let mut held_total = 0;
    let mut times = Vec::with_capacity(tasks.len());
    for t in tasks {
        let positive: Vec<usize> = t.starred.iter().map(|id| row[id]).collect();
        let start = Instant::now();
        let ranked = r.rank(&positive, TOP);
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        let held: Vec<usize> = t.held_out.iter().map(|id| row[id]).collect();
        let found = ranked.iter().filter(|(i, _)| held.contains(i)).count();
        hits += found;
        held_total += held.len();
        recall_sum += found as f64 / held.len() as f64;
    }
    times.sort_by(f64::total_cmp);
    ModelResult {
        model: name,
        mean_recall_at_20: recall_sum / tasks.len().max(1) as f64,
        hits,
        held_out: held_total,
        median_ms_per_author: times.get(times.len() / 2).copied().unwrap_or(0.0),
    }
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    if args.min_papers < 2 {
        bail!("--min-papers must be at least 2 (one to star, one to find)");
    }
    let store = library::open(paths)?;
    let Some(embedder) = library::open_embedder(paths) else {
        bail!("no embedding model found: run scripts/setup-model.sh or pass --model-dir");
    };
    let (papers, embeddings) = recommend::library(store.as_ref(), Some(embedder.model_id()))?;
    if embeddings.is_empty() {
        bail!("the library has no embeddings: run paperdex embed first");
    }
    let mut by_author: BTreeMap<i64, (String, Vec<PaperId>)> = BTreeMap::new();
    for p in &papers {
        for a in &p.authors {
            let entry = by_author
                .entry(a.id)
                .or_insert_with(|| (a.name.clone(), Vec::new()));
            entry.1.push(p.id);
        }
    }
    let tasks: Vec<Task> = by_author
        .into_iter()
        .filter(|(_, (_, ids))| ids.len() >= args.min_papers)
        .map(|(author, (name, mut ids))| {
            ids.sort_unstable();
            ids.dedup();
            let (starred, held_out) = ids
                .iter()
                .enumerate()
                .partition::<Vec<_>, _>(|(i, _)| i % 2 == 0);
            Task {
                author,
                name,
                starred: starred.into_iter().map(|(_, id)| *id).collect(),
                held_out: held_out.into_iter().map(|(_, id)| *id).collect(),
            }
        })
        .collect();
    if tasks.is_empty() {
        bail!("no author has {} papers in this library", args.min_papers);
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut docs = std::io::BufWriter::new(std::fs::File::create(args.out.join("docs.jsonl"))?);
    for p in &papers {
        serde_json::to_writer(
            &mut docs,
            &serde_json::json!({"id": p.id, "text": recommend::paper_text(p)}),
        )?;
        docs.write_all(b"\n")?;
    }
    docs.flush()?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(args.out.join("tasks.jsonl"))?);
    for t in &tasks {
        serde_json::to_writer(&mut out, t)?;
        out.write_all(b"\n")?;
    }
    out.flush()?;
    let row: HashMap<PaperId, usize> = papers.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    eprintln!(
        "{} papers, {} authors with >= {} papers",
        papers.len(),
        tasks.len(),
        args.min_papers
    );
    let ours = Recommender::new(&papers, &embeddings);
    let words_only = Recommender::new(&papers, &HashMap::new());
    let report = Report {
        papers: papers.len(),
        authors: tasks.len(),
        results: vec![
            measure("paperdex: tf-idf + MiniLM, linear SVM", &ours, &tasks, &row),
            measure(
                "paperdex: tf-idf only, linear SVM (ablation)",
                &words_only,
                &tasks,
                &row,
            ),
        ],
    };
    if args.json {
        output::print_json(&report)?;
    } else {
        for r in &report.results {
            println!(
                "{:<48} mean recall@20 {:.4}  hits {}/{}  ({:.0} ms/author median)",
                r.model, r.mean_recall_at_20, r.hits, r.held_out, r.median_ms_per_author
            );
        }
        println!(
            "peer: python scripts/peers/recommend_peer.py {}",
            args.out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
