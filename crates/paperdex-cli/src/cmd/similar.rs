use crate::cmd::search::HitJson;
use crate::{library, output};
use anyhow::Result;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Paper id, arXiv id or DOI
    id: String,
    /// Number of papers
    #[arg(short, long, default_value_t = 10)]
    k: usize,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let engine = library::open_engine(paths, true)?;
    let hits = engine.similar(&args.id, args.k)?;
    if args.json {
        let json: Vec<HitJson<'_>> = hits.iter().map(HitJson::new).collect();
        output::print_json(&json)?;
    } else {
        for hit in &hits {
            println!("{}  ({:.3})", output::paper_line(&hit.paper), hit.score);
        }
    }
    Ok(ExitCode::SUCCESS)
}
