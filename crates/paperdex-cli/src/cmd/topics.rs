//! `paperdex topics` and `paperdex topic ID`: the library's topics (k-means
//! over embeddings, labelled by class-based TF-IDF; see `paperdex_discover::topics`).

use crate::{library, output};
use anyhow::{bail, Result};
use paperdex_discover::topics;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Number of topics [default: round(sqrt(papers / 2)), at most 60]
    #[arg(long)]
    k: Option<usize>,
    /// One JSON object per topic per line
    #[arg(long)]
    json: bool,
}

#[derive(clap::Args)]
pub struct TopicArgs {
    /// Topic id (see `paperdex topics`)
    id: i64,
    /// Print as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let store = library::open(paths)?;
    let store = store.as_ref();
    let Some(embedder) = library::open_embedder(paths) else {
        bail!("no embedding model found: run scripts/setup-model.sh or pass --model-dir");
    };
    let refreshed = topics::refresh(store, embedder.model_id(), args.k)?;
    let Some(set) = topics::topics(store)? else {
        bail!("topics were not stored");
    };
    if args.json {
        for t in &set.topics {
            output::print_json(t)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let how = match refreshed {
        topics::Refresh::Current => "stored",
        topics::Refresh::Recomputed => "recomputed",
    };
    println!(
        "{} topics over {} embedded papers ({how}, library batch {})",
        set.topics.len(),
        set.papers,
        set.batch
    );
    for t in &set.topics {
        println!("{:>5}  {:>5} papers  {}", t.id, t.size, t.label);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run_topic(paths: &library::Paths, args: TopicArgs) -> Result<ExitCode> {
    let store = library::open(paths)?;
    let detail = topics::topic_detail(store.as_ref(), args.id)?;
    if args.json {
        output::print_json(&detail)?;
        return Ok(ExitCode::SUCCESS);
    }
    println!("topic {}: {}", detail.topic.id, detail.topic.label);
    println!("terms: {}", detail.topic.terms.join(", "));
    println!("{} papers:", detail.papers.len());
    for p in &detail.papers {
        println!("{}", output::paper_line(p));
    }
    Ok(ExitCode::SUCCESS)
}
