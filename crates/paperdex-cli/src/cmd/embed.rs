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
    derive_discovery(&engine)?;
    Ok(ExitCode::SUCCESS)
}

/// After embedding: generated tl;drs for papers without one, and topics
/// recomputed when the library changed (`paperdex_discover::after_embedding`).
pub fn derive_discovery(engine: &paperdex_search::Engine) -> Result<()> {
    let Some(embedder) = engine.embedder() else {
        return Ok(());
    };
    let bar = progress_bar("tl;dr");
    let derived =
        paperdex_discover::after_embedding(engine.store().as_ref(), embedder.as_ref(), &|done| {
            bar.set_position(done as u64)
        });
    bar.finish_and_clear();
    let derived = match derived {
        Ok(derived) => derived,
        // A backend without tables for derived discovery data (PostgreSQL,
        // for now): the papers and embeddings are stored; say what is not.
        Err(paperdex_discover::DiscoverError::Store(paperdex_store::StoreError::Unsupported(
            what,
        ))) => {
            eprintln!("note: {what} are not stored by this backend yet");
            return Ok(());
        }
        Err(e) => return Err(e.into()),
    };
    if derived.tldr.generated > 0 {
        eprintln!("generated {} tl;drs from abstracts", derived.tldr.generated);
    }
    if derived.topics == Some(paperdex_discover::topics::Refresh::Recomputed) {
        eprintln!("topics recomputed (paperdex topics)");
    }
    Ok(())
}

pub fn reindex(paths: &library::Paths) -> Result<ExitCode> {
    let engine = library::open_engine(paths, false)?;
    let n = engine.reindex()?;
    println!("reindexed {n} papers");
    Ok(ExitCode::SUCCESS)
}
