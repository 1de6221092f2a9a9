//! `paperdex recommend`: unstarred papers ranked by a linear SVM trained on
//! the starred ones (see `paperdex_discover::recommend`).

use crate::{library, output};
use anyhow::Result;
use paperdex_discover::recommend;
use serde::Serialize;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Papers to recommend
    #[arg(short = 'k', default_value_t = 20)]
    k: usize,
    /// One JSON object per paper per line
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct RecommendationJson<'a> {
    #[serde(flatten)]
    paper: &'a paperdex_model::Paper,
    score: f32,
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let store = library::open(paths)?;
    // The model is loaded only when the recommender uses embeddings.
    let model = if recommend::MODEL.embedding_weight > 0.0 {
        let model = library::open_embedder(paths).map(|e| e.model_id().to_string());
        if model.is_none() {
            eprintln!("note: no embedding model loaded, recommending from words only");
        }
        model
    } else {
        None
    };
    let recs = recommend::recommend(store.as_ref(), model.as_deref(), args.k)?;
    for r in &recs {
        if args.json {
            output::print_json(&RecommendationJson {
                paper: &r.paper,
                score: r.score,
            })?;
        } else {
            println!("{:>7.3}  {}", r.score, output::paper_line(&r.paper));
        }
    }
    Ok(ExitCode::SUCCESS)
}
