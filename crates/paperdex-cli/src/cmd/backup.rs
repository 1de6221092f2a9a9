//! `paperdex backup FILE` and `paperdex restore FILE`.
//!
//! A backup holds the whole store (papers, every source record, authors,
//! embeddings and the user's stars, follows and digest state), taken while
//! the library stays in use: for SQLite one database file made with SQLite's
//! online backup API, for PostgreSQL a `pg_dump` archive (custom format)
//! that `restore` loads into an empty database. The full-text index is not
//! in it: `restore` rebuilds it.

use crate::library;
use anyhow::{bail, Context, Result};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist)
    file: PathBuf,
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// A file written by `paperdex backup`
    file: PathBuf,
}

pub fn backup(paths: &library::Paths, args: BackupArgs) -> Result<ExitCode> {
    if paths.config.store.is_none() && !library::database_path(&paths.data_dir).exists() {
        bail!("no library in {}", paths.data_dir.display());
    }
    let store = library::open(paths)?;
    store
        .backup_to(&args.file)
        .with_context(|| format!("cannot back up to {}", args.file.display()))?;
    let stats = store.stats()?;
    let size = std::fs::metadata(&args.file).map(|m| m.len()).unwrap_or(0);
    println!(
        "backed up {} papers, {} records to {} ({:.1} MB)",
        stats.papers,
        stats.records,
        args.file.display(),
        size as f64 / 1e6
    );
    Ok(ExitCode::SUCCESS)
}

pub fn restore(paths: &library::Paths, args: RestoreArgs) -> Result<ExitCode> {
    let dir = &paths.data_dir;
    if !args.file.is_file() {
        bail!("no backup file {}", args.file.display());
    }
    // A SQLite library is restored into an empty data directory; a
    // PostgreSQL one into an empty database (the store checks).
    let sqlite = paths.config.store.is_none();
    if sqlite && dir.exists() {
        let mut entries = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read data directory {}", dir.display()))?;
        if entries.next().is_some() {
            bail!(
                "data directory {} is not empty: restore into a new or empty directory",
                dir.display()
            );
        }
    }
    let restored = (|| -> Result<()> {
        let store = library::open(paths)?;
        store
            .restore_from(&args.file)
            .with_context(|| format!("cannot restore {}", args.file.display()))?;
        Ok(())
    })();
    if let Err(e) = restored {
        // Leave the directory as empty as it was found.
        if let Some(entries) = sqlite.then(|| std::fs::read_dir(dir).ok()).flatten() {
            for entry in entries.flatten() {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        return Err(e);
    }
    // Opening the engine builds the full-text index from the restored store.
    let engine = library::open_engine(paths, false)?;
    let stats = engine.store().stats()?;
    let target = match &paths.config.store {
        Some(url) => paperdex_store_postgres::PostgresStore::describe(url).unwrap_or_default(),
        None => dir.display().to_string(),
    };
    println!(
        "restored {} papers, {} records into {target}; full-text index rebuilt ({} documents)",
        stats.papers,
        stats.records,
        engine.text_index().num_docs()
    );
    Ok(ExitCode::SUCCESS)
}
