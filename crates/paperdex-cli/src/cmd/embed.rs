use crate::cmd::ingest::progress_bar;
use crate::library;
use anyhow::{bail, Result};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(paths: &library::Paths, _args: Args) -> Result<ExitCode> {
    let engine = library::open_engine(paths, true)?;
    if engine.embedder().is_none() {
        bail!("no embedding model found: run scripts/setup-model.sh or pass --model-dir");
    }
    let bar = progress_bar("embed");
    let n = engine.embed_pending(&|done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    println!(
        "embedded {n} papers ({} vectors in the library)",
        engine.vector_count()
    );
    Ok(ExitCode::SUCCESS)
}

pub fn reindex(paths: &library::Paths) -> Result<ExitCode> {
    let engine = library::open_engine(paths, false)?;
    let n = engine.reindex()?;
    println!("reindexed {n} papers");
    Ok(ExitCode::SUCCESS)
}
