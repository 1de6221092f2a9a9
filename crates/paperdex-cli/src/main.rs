//! `paperdex`: the command-line entry point. Parses arguments, sets up
//! logging, opens the library and hands each subcommand to its module in
//! `cmd/`. Exit codes: 0 success, 1 the command ran but something failed
//! (e.g. records that could not be read), 2 usage or fatal errors.

mod cmd;
mod library;
mod output;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "paperdex",
    version,
    about = "Research-paper discovery: one library of every paper in your listings"
)]
struct Cli {
    /// Library directory [default: the platform's per-user data directory]
    #[arg(long, global = true, env = "PAPERDEX_DATA", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Embedding model directory [default: models/all-MiniLM-L6-v2 of the install]
    #[arg(long, global = true, env = "PAPERDEX_MODEL", value_name = "DIR")]
    model_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read listing files and feeds into the library
    Ingest(cmd::ingest::Args),
    /// Library counts
    Stats(cmd::stats::Args),
    /// One paper with every field's sources and how its records were merged
    Show(cmd::show::Args),
    /// List papers, filtered
    List(cmd::list::Args),
    /// An author's papers and collaborating authors
    Author(cmd::author::Args),
    /// Search by words and by meaning
    Search(cmd::search::Args),
    /// Papers similar to one paper
    Similar(cmd::similar::Args),
    /// Embed papers that have no current embedding
    Embed(cmd::embed::Args),
    /// Rebuild the full-text index from the library
    Reindex,
    /// Benchmarks (retrieval quality)
    Bench(cmd::bench::Args),
    /// Verify the library (store, full-text index, embeddings); --repair rebuilds what is derived
    Check(cmd::check::Args),
    /// Copy the whole library (with stars, follows, digest state) to a file, while it is in use
    Backup(cmd::backup::BackupArgs),
    /// Restore a backup into an empty data directory
    Restore(cmd::backup::RestoreArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PAPERDEX_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let data_dir = cli.data_dir.unwrap_or_else(library::default_data_dir);
    let lib = library::Paths {
        data_dir: data_dir.clone(),
        model_dir: cli.model_dir,
    };
    let result = match cli.command {
        Command::Ingest(args) => cmd::ingest::run(&lib, args),
        Command::Search(args) => cmd::search::run(&lib, args),
        Command::Similar(args) => cmd::similar::run(&lib, args),
        Command::Embed(args) => cmd::embed::run(&lib, args),
        Command::Reindex => cmd::embed::reindex(&lib),
        Command::Bench(args) => cmd::bench::run(&lib, args),
        Command::Stats(args) => cmd::stats::run(&lib, args),
        Command::Show(args) => cmd::show::run(&lib, args),
        Command::List(args) => cmd::list::run(&lib, args),
        Command::Author(args) => cmd::author::run(&lib, args),
        Command::Check(args) => cmd::check::run(&lib, args),
        Command::Backup(args) => cmd::backup::backup(&lib, args),
        Command::Restore(args) => cmd::backup::restore(&lib, args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            if output::is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
