use crate::{library, output};
use anyhow::Result;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Print as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let store = library::open(paths)?;
    let stats = store.stats()?;
    if args.json {
        output::print_json(&stats)?;
    } else {
        println!("papers          {}", stats.papers);
        println!("records         {}", stats.records);
        println!("merged papers   {}", stats.merged_papers);
        println!("authors         {}", stats.authors);
        println!("source files    {}", stats.sources);
        println!("ingest batches  {}", stats.batches);
    }
    Ok(ExitCode::SUCCESS)
}
