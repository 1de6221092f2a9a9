//! `paperdex`: the command-line entry point. Parses arguments, sets up
//! logging, opens the library and hands each subcommand to its module in
//! `cmd/`. Exit codes: 0 success, 1 the command ran but something failed
//! (e.g. records that could not be read), 2 usage or fatal errors.

mod cmd;
mod config;
mod library;
mod output;

use clap::{Parser, Subcommand};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Library on a server: postgres://user[:password]@host[:port]/database
    /// [default: `store` in config.toml, else SQLite in the data directory]
    #[arg(long, global = true, env = "PAPERDEX_STORE", value_name = "URL")]
    store: Option<String>,
    /// Configuration file [default: config.toml in the data directory]
    #[arg(long, global = true, env = "PAPERDEX_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
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
    /// The library's topics (clusters of papers, labelled by their distinctive terms)
    Topics(cmd::topics::Args),
    /// One topic: label, terms and papers
    Topic(cmd::topics::TopicArgs),
    /// Papers drawing attention now: upvotes, citations, recency, listings
    Trending(cmd::trending::Args),
    /// Star a paper (recommendations learn from stars)
    Star(cmd::star::Args),
    /// Remove a paper's star
    Unstar(cmd::star::Args),
    /// The starred papers
    Stars(cmd::star::ListArgs),
    /// Papers like the starred ones
    Recommend(cmd::recommend::Args),
    /// Export papers as BibTeX, CSL-JSON or RIS, or the whole library as JSON Lines
    Export(cmd::export::Args),
    /// Rebuild a library from `paperdex export --format jsonl` (into an empty data dir)
    Import(cmd::export::ImportArgs),
    /// Follow an author, a query or a topic (for digests)
    Follow(cmd::follow::Args),
    /// Stop following an author, a query or a topic
    Unfollow(cmd::follow::Args),
    /// What you follow
    Follows(cmd::follow::ListArgs),
    /// New papers for your follows: Markdown, email-ready HTML or RSS; --send mails it
    Digest(cmd::digest::Args),
    /// Serve the web UI and the JSON API
    Serve(cmd::serve::Args),
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
            tracing_subscriber::EnvFilter::try_from_env("PAPERDEX_LOG").unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new(match cli.command {
                    Command::Serve(_) => cmd::serve::DEFAULT_LOG,
                    _ => "warn",
                })
            }),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in log files.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let data_dir = cli.data_dir.unwrap_or_else(library::default_data_dir);
    let config_path = cli.config.unwrap_or_else(|| data_dir.join("config.toml"));
    let mut config = match config::Config::load(&config_path) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::from(2);
        }
    };
    if cli.store.is_some() {
        config.store = cli.store;
    }
    let lib = library::Paths {
        data_dir: data_dir.clone(),
        model_dir: cli.model_dir,
        config,
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
        Command::Topics(args) => cmd::topics::run(&lib, args),
        Command::Topic(args) => cmd::topics::run_topic(&lib, args),
        Command::Trending(args) => cmd::trending::run(&lib, args),
        Command::Star(args) => cmd::star::star(&lib, args),
        Command::Unstar(args) => cmd::star::unstar(&lib, args),
        Command::Stars(args) => cmd::star::list(&lib, args),
        Command::Recommend(args) => cmd::recommend::run(&lib, args),
        Command::Export(args) => cmd::export::run(&lib, args),
        Command::Import(args) => cmd::export::import(&lib, args),
        Command::Follow(args) => cmd::follow::follow(&lib, args),
        Command::Unfollow(args) => cmd::follow::unfollow(&lib, args),
        Command::Follows(args) => cmd::follow::list(&lib, args),
        Command::Digest(args) => cmd::digest::run(&lib, args),
        Command::Serve(args) => {
            // The config already took PAPERDEX_TOKEN over its [server] token.
            let token = lib.config.server.token.clone();
            let addr = lib.config.server.addr.clone();
            cmd::serve::run(&lib, args, token, addr.as_deref())
        }
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
