//! `paperdex bench retrieval`: known-item retrieval quality, and the files
//! the Python peers (`scripts/peers/retrieval_peers.py`) read to be measured
//! on the same data.
//!
//! Task `tldr`: each tl;dr of the conference seed sample is a query; its
//! paper, ingested without the tl;dr, is the target. Task `title`: the title
//! of 300 conference papers (fixed sample) is the query; the paper, ingested
//! without its title, is the target. Library: the seed listings (conference
//! list with tl;drs removed) plus the 11k conference papers. Queries are split
//! alternately into dev and test halves; fusion weights are tuned on dev
//! only, and test figures are reported.

use crate::{library, output};
use anyhow::{bail, Context, Result};
use paperdex_ingest::IngestOptions;
use paperdex_search::{Fusion, SearchMode, SearchRequest};
use paperdex_store::PaperFilter;
use serde::Serialize;
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand)]
enum What {
    /// Known-item retrieval quality (MRR@10, Recall@10) per mode
    Retrieval(RetrievalArgs),
    /// Ingest and query latency at N synthetic papers (100k, 1M)
    Scale(super::bench_scale::ScaleArgs),
    /// Recommendation quality: authors' starred halves find their other halves
    Recommend(crate::cmd::bench_recommend::Args),
}

#[derive(clap::Args)]
struct RetrievalArgs {
    /// The shared corpus directory
    #[arg(long, default_value = "../shared/corpus")]
    corpus: PathBuf,
    /// Work directory: the benchmark library, docs.jsonl and queries.jsonl
    #[arg(long, default_value = "target/bench-retrieval")]
    out: PathBuf,
    /// Title-task queries to sample
    #[arg(long, default_value_t = 300)]
    title_queries: usize,
    /// Reuse the library of an earlier run in --out (skips ingest and embedding)
    #[arg(long)]
    reuse: bool,
    /// Print the results as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Serialize, Clone)]
struct Query {
    task: &'static str,
    split: &'static str,
    query: String,
    target: i64,
}

#[derive(Serialize, Default, Clone, Copy)]
struct Metrics {
    mrr10: f64,
    recall10: f64,
    queries: usize,
}

fn metrics(ranked: &[Vec<i64>], queries: &[&Query]) -> Metrics {
    let mut m = Metrics {
        queries: queries.len(),
        ..Default::default()
    };
    for (ids, q) in ranked.iter().zip(queries) {
        if let Some(pos) = ids.iter().take(10).position(|id| *id == q.target) {
            m.mrr10 += 1.0 / (pos as f64 + 1.0);
            m.recall10 += 1.0;
        }
    }
    if m.queries > 0 {
        m.mrr10 /= m.queries as f64;
        m.recall10 /= m.queries as f64;
    }
    m
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    match args.what {
        What::Retrieval(a) => retrieval(paths, a),
        What::Scale(a) => super::bench_scale::scale(paths, a),
        What::Recommend(a) => crate::cmd::bench_recommend::run(paths, a),
    }
}

/// Writes the corpus variant the benchmark ingests: the seed listings with
/// the conference list's tl;dr lines removed, and the conference JSON with
/// the sampled papers' titles removed. Returns (tl;dr queries by abstract,
/// title queries by abstract).
#[allow(clippy::type_complexity)]
fn prepare_corpus(
    corpus: &Path,
    dir: &Path,
    title_queries: usize,
) -> Result<(Vec<(String, String)>, Vec<(String, String)>)> {
    let seeds_out = dir.join("corpus/seeds");
    let conf_out = dir.join("corpus/conferences");
    std::fs::create_dir_all(&seeds_out)?;
    std::fs::create_dir_all(&conf_out)?;
    let mut tldr_queries = Vec::new();
    for entry in std::fs::read_dir(corpus)? {
        let path = entry?.path();
        if path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        let name = path.file_name().unwrap().to_owned();
        if name.to_string_lossy().starts_with("002_") {
            let mut kept = Vec::new();
            let mut pending: Option<String> = None;
            for line in text.lines() {
                if let Some(t) = line.strip_prefix("tl;dr:") {
                    pending = Some(t.trim().to_string());
                    continue;
                }
                if let Some(t) = pending.take() {
                    // The line after a tl;dr is its paper's abstract.
                    tldr_queries.push((t, line.trim().to_string()));
                }
                kept.push(line);
            }
            std::fs::write(seeds_out.join(&name), kept.join("\n") + "\n")?;
        } else {
            std::fs::copy(&path, seeds_out.join(&name))?;
        }
    }
    // A fixed, spread-out sample: every n-th paper with a title and abstract.
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus.join("conferences"))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    files.sort();
    let mut all: Vec<(PathBuf, Vec<Value>)> = Vec::new();
    let mut eligible = 0usize;
    for f in &files {
        let v: Vec<Value> = serde_json::from_slice(&std::fs::read(f)?)
            .with_context(|| format!("{}", f.display()))?;
        eligible += v
            .iter()
            .filter(|p| has_text(p, "title") && has_text(p, "abstract"))
            .count();
        all.push((f.clone(), v));
    }
    let step = (eligible / title_queries.max(1)).max(1);
    let mut title_q = Vec::new();
    let mut n = 0usize;
    for (f, papers) in &mut all {
        for p in papers.iter_mut() {
            if !(has_text(p, "title") && has_text(p, "abstract")) {
                continue;
            }
            if n % step == step / 2 && title_q.len() < title_queries {
                let title = p["title"].as_str().unwrap().to_string();
                title_q.push((title, p["abstract"].as_str().unwrap().trim().to_string()));
                // Remove every trace of the title, including inside the embedded BibTeX.
                p.as_object_mut().unwrap().remove("title");
                p.as_object_mut().unwrap().remove("bibtex");
            }
            n += 1;
        }
        std::fs::write(
            conf_out.join(f.file_name().unwrap()),
            serde_json::to_vec(papers)?,
        )?;
    }
    Ok((tldr_queries, title_q))
}

fn has_text(v: &Value, key: &str) -> bool {
    v.get(key)
        .and_then(Value::as_str)
        .is_some_and(|s| !s.trim().is_empty())
}

fn retrieval(paths: &library::Paths, args: RetrievalArgs) -> Result<ExitCode> {
    if !args.corpus.join("conferences").is_dir() {
        bail!(
            "corpus not found at {} (pass --corpus)",
            args.corpus.display()
        );
    }
    let reuse = args.reuse && args.out.join("library/library.sqlite").is_file();
    if !reuse {
        let _ = std::fs::remove_dir_all(&args.out);
    }
    let _ = std::fs::remove_dir_all(args.out.join("corpus"));
    std::fs::create_dir_all(&args.out)?;
    let (tldr_q, title_q) = prepare_corpus(&args.corpus, &args.out, args.title_queries)?;
    let bench_paths = library::Paths {
        data_dir: args.out.join("library"),
        model_dir: paths.model_dir.clone(),
        config: paths.config.clone(),
    };
    let engine = library::open_engine(&bench_paths, true)?;
    if engine.embedder().is_none() {
        bail!("the benchmark needs the embedding model: run scripts/setup-model.sh");
    }
    let started = Instant::now();
    let bar = crate::cmd::ingest::progress_bar("embed");
    if !reuse {
        engine.ingest(
            &[
                args.out.join("corpus/seeds"),
                args.out.join("corpus/conferences"),
            ],
            &IngestOptions::default(),
            true,
            &|_| {},
            &|done, total| {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            },
        )?;
    }
    bar.finish_and_clear();
    eprintln!(
        "library built and embedded in {:.0} s",
        started.elapsed().as_secs_f64()
    );

    // Targets by abstract text.
    let papers = engine.store().list_papers(&PaperFilter::default())?;
    let by_abstract: HashMap<String, i64> = papers
        .iter()
        .filter_map(|p| Some((p.abstract_text.as_ref()?.trim().to_string(), p.id)))
        .collect();
    let mut queries = Vec::new();
    for (task, list) in [("tldr", &tldr_q), ("title", &title_q)] {
        for (i, (query, abs)) in list.iter().enumerate() {
            let Some(&target) = by_abstract.get(abs.trim()) else {
                eprintln!("warning: no target found for {task} query {i}");
                continue;
            };
            let split = if i % 2 == 0 { "dev" } else { "test" };
            queries.push(Query {
                task,
                split,
                query: query.clone(),
                target,
            });
        }
    }
    // The files the Python peers read.
    let mut docs = std::io::BufWriter::new(std::fs::File::create(args.out.join("docs.jsonl"))?);
    for p in &papers {
        let title = if p.title_derived {
            ""
        } else {
            p.title.as_str()
        };
        let authors: Vec<&str> = p.authors.iter().map(|a| a.name.as_str()).collect();
        serde_json::to_writer(
            &mut docs,
            &serde_json::json!({"id": p.id, "title": title, "abstract": p.abstract_text.as_deref().unwrap_or(""), "authors": authors}),
        )?;
        docs.write_all(b"\n")?;
    }
    docs.flush()?;
    let mut qf = std::io::BufWriter::new(std::fs::File::create(args.out.join("queries.jsonl"))?);
    for q in &queries {
        serde_json::to_writer(&mut qf, q)?;
        qf.write_all(b"\n")?;
    }
    qf.flush()?;

    // Rankings per mode (depth 100 each, so fusion can be re-tuned offline).
    let rank = |mode: SearchMode| -> Result<Vec<paperdex_search::RankedIds>> {
        queries
            .iter()
            .map(|q| {
                Ok(engine.search_ids(&SearchRequest {
                    query: q.query.clone(),
                    mode,
                    k: 100,
                    offset: 0,
                    filters: Default::default(),
                })?)
            })
            .collect()
    };
    let lexical = rank(SearchMode::Lexical)?;
    let semantic = rank(SearchMode::Semantic)?;
    let scored = |r: &paperdex_search::RankedIds| r.ids.clone();
    let lex_ranked: Vec<Vec<(i64, f64)>> = lexical.iter().map(scored).collect();
    let sem_ranked: Vec<Vec<(i64, f64)>> = semantic.iter().map(scored).collect();
    let ids = |ranking: &[(i64, f64)]| ranking.iter().map(|x| x.0).collect::<Vec<i64>>();
    let lex_ids: Vec<Vec<i64>> = lex_ranked.iter().map(|r| ids(r)).collect();
    let sem_ids: Vec<Vec<i64>> = sem_ranked.iter().map(|r| ids(r)).collect();
    // Queries selected by `sel`, each with its ranking by `fusion`.
    let fused = |fusion: &dyn Fn(usize) -> Vec<(i64, f64)>,
                 sel: &dyn Fn(&Query) -> bool|
     -> (Vec<Vec<i64>>, Vec<&Query>) {
        queries
            .iter()
            .enumerate()
            .filter(|(_, q)| sel(q))
            .map(|(i, q)| (ids(&fusion(i)), q))
            .unzip()
    };
    let (lex_ranked, sem_ranked) = (&lex_ranked, &sem_ranked);
    let by = |f: Fusion| move |i: usize| paperdex_search::fuse(&lex_ranked[i], &sem_ranked[i], f);
    // Tune on dev: both tasks together, so one setting serves every query.
    let mut best = (Fusion::default(), -1.0);
    for lexical_w in [
        0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.2, 1.5, 2.0, 3.0,
    ] {
        let f = Fusion {
            lexical: lexical_w,
            semantic: 1.0,
        };
        let (r, qs) = fused(&by(f), &|q| q.split == "dev");
        let m = metrics(&r, &qs);
        if m.mrr10 > best.1 {
            best = (f, m.mrr10);
        }
    }
    let tuned = best.0;
    let mut table = Vec::new();
    for task in ["tldr", "title"] {
        let sel = |q: &Query| q.task == task && q.split == "test";
        let pick = |all: &[Vec<i64>]| -> (Vec<Vec<i64>>, Vec<&Query>) {
            queries
                .iter()
                .zip(all)
                .filter(|(q, _)| sel(q))
                .map(|(q, r)| (r.clone(), q))
                .unzip()
        };
        let (l, qs) = pick(&lex_ids);
        let (s, _) = pick(&sem_ids);
        let (h, _) = fused(&by(tuned), &|q| sel(q));
        let rrf60 =
            |i: usize| paperdex_search::reciprocal_rank_fusion(&lex_ids[i], &sem_ids[i], 60.0);
        let (rrf, _) = fused(&rrf60, &|q| sel(q));
        let (engine_default, _) = fused(&by(Fusion::default()), &|q| sel(q));
        table.push(serde_json::json!({
            "task": task,
            "lexical": metrics(&l, &qs),
            "semantic": metrics(&s, &qs),
            "hybrid": metrics(&h, &qs),
            "hybrid_rrf60_untuned": metrics(&rrf, &qs),
            "hybrid_engine_default": metrics(&engine_default, &qs),
        }));
    }
    let result = serde_json::json!({
        "tuned_fusion": {"lexical": tuned.lexical, "semantic": tuned.semantic, "dev_mrr10": best.1},
        "test": table,
        "queries": {"tldr": tldr_q.len(), "title": title_q.len()},
        "papers": papers.len(),
    });
    std::fs::write(
        args.out.join("paperdex_results.json"),
        serde_json::to_vec_pretty(&result)?,
    )?;
    if args.json {
        output::print_json(&result)?;
    } else {
        println!("paperdex known-item retrieval ({} papers), test split; fusion tuned on dev: lexical {} semantic 1", papers.len(), tuned.lexical);
        println!(
            "{:<6} {:<22} {:>8} {:>10} {:>6}",
            "task", "mode", "MRR@10", "Recall@10", "n"
        );
        for row in &table {
            for mode in [
                "lexical",
                "semantic",
                "hybrid",
                "hybrid_rrf60_untuned",
                "hybrid_engine_default",
            ] {
                let m = &row[mode];
                println!(
                    "{:<6} {:<22} {:>8.3} {:>10.3} {:>6}",
                    row["task"].as_str().unwrap(),
                    mode,
                    m["mrr10"].as_f64().unwrap(),
                    m["recall10"].as_f64().unwrap(),
                    m["queries"]
                );
            }
        }
        println!(
            "files for the peers: {}/docs.jsonl, {}/queries.jsonl",
            args.out.display(),
            args.out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
