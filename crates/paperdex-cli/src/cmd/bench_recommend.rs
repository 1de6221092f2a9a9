//! `paperdex bench recommend`: how well stars predict an author's other papers.
//!
//! On the library at `--data-dir` (e.g. the conference corpus): for every
//! author with at least `--min-papers` papers, their papers in id order are
//! split alternately: the 1st, 3rd, ... are starred, the others held out.
//! A model trained on the starred papers ranks every unstarred paper; we count
//! the held-out papers in its top 20 (recall@20 per author, averaged, and
//! total hits). Models: paperdex's ([`MODEL`]) and, as ablations, the same
//! SVM with MiniLM embeddings added and with arxiv-sanity-lite's C; the
//! `--variants` settings for tuning. `--every`/`--offset` pick disjoint
//! author sets: tune on one, report on another. The same authors, halves
//! and texts are written to `--out` for the arxiv-sanity-lite baseline
//! (`scripts/peers/recommend_peer.py`: scikit-learn TfidfVectorizer + LinearSVC).

use crate::{library, output};
use anyhow::{bail, Context, Result};
use paperdex_discover::recommend::{self, ModelOptions, Recommender, MODEL};
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
    /// Measure every Nth qualifying author only (in author id order)
    #[arg(long, default_value_t = 1, value_name = "N")]
    every: usize,
    /// ... starting at this one: disjoint offsets give disjoint author sets,
    /// one to tune on and another to report
    #[arg(long, default_value_t = 0)]
    offset: usize,
    /// Also measure these settings, for tuning: embedding WEIGHT, then
    /// optionally :centred and @C (e.g. 0.25,0.5:centred,0@0.1)
    #[arg(long, value_delimiter = ',', value_parser = parse_variant)]
    variants: Vec<ModelOptions>,
    /// Print the results as JSON
    #[arg(long)]
    json: bool,
}

fn parse_variant(s: &str) -> Result<ModelOptions, String> {
    let (rest, c) = match s.split_once('@') {
        Some((rest, c)) => (rest, c.parse().map_err(|_| format!("'{c}' is not a C"))?),
        None => (s, MODEL.c),
    };
    let (weight, centred) = match rest.split_once(':') {
        Some((w, "centred")) => (w, true),
        Some((_, other)) => return Err(format!("'{other}' is not 'centred'")),
        None => (rest, false),
    };
    let embedding_weight = weight
        .parse()
        .map_err(|_| format!("'{weight}' is not a weight"))?;
    Ok(ModelOptions {
        embedding_weight,
        centred,
        c,
    })
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
    model: String,
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
    name: String,
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
        .skip(args.offset)
        .step_by(args.every.max(1))
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
    let arxiv_sanity_c = ModelOptions {
        c: recommend::ARXIV_SANITY_C,
        embedding_weight: 0.0,
        ..MODEL
    };
    let with_minilm = ModelOptions {
        embedding_weight: 1.0,
        ..MODEL
    };
    let mut results = vec![measure(
        format!(
            "paperdex: tf-idf{}, linear SVM C={}",
            if MODEL.embedding_weight > 0.0 {
                " + MiniLM"
            } else {
                ""
            },
            MODEL.c
        ),
        &Recommender::new(&papers, &embeddings),
        &tasks,
        &row,
    )];
    for (name, options) in [
        ("ablation: + MiniLM embeddings, weight 1", with_minilm),
        ("ablation: arxiv-sanity-lite's C=0.01", arxiv_sanity_c),
    ] {
        if options != MODEL {
            let r = Recommender::with_options(&papers, &embeddings, options);
            results.push(measure(name.into(), &r, &tasks, &row));
        }
    }
    for variant in args.variants.iter().filter(|v| **v != MODEL) {
        let name = format!(
            "tuning: embedding weight {}{}, C {}",
            variant.embedding_weight,
            if variant.centred { " centred" } else { "" },
            variant.c
        );
        let r = Recommender::with_options(&papers, &embeddings, *variant);
        results.push(measure(name, &r, &tasks, &row));
    }
    let report = Report {
        papers: papers.len(),
        authors: tasks.len(),
        results,
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
