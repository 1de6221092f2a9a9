use crate::{library, output};
use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use paperdex_ingest::{IngestOptions, Progress};
use paperdex_model::Format;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (recursed) to read
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Read every file as this format instead of detecting it
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// Do not embed the new papers now (`paperdex embed` catches up)
    #[arg(long)]
    no_embed: bool,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

/// A bar on stderr; indicatif draws nothing when stderr is not a terminal.
pub fn progress_bar(what: &str) -> ProgressBar {
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} ({per_sec}, eta {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let engine = library::open_engine(paths, !args.no_embed)?;
    let bar = progress_bar("ingest");
    let embed_bar = progress_bar("embed");
    embed_bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    let report = engine.ingest(
        &args.paths,
        &IngestOptions {
            format: args.format,
        },
        !args.no_embed,
        &|event| match event {
            Progress::Parsed { records } => bar.set_length(records as u64),
            Progress::FileDone { records } => bar.inc(records as u64),
        },
        &|done, total| {
            if done == 0 {
                bar.finish_and_clear();
                embed_bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            }
            embed_bar.set_length(total as u64);
            embed_bar.set_position(done as u64);
        },
    )?;
    bar.finish_and_clear();
    embed_bar.finish_and_clear();
    if !args.no_embed {
        crate::cmd::embed::derive_discovery(&engine)?;
    }
    if args.json {
        output::print_json(&report)?;
    } else {
        for file in &report.files {
            if let Some(why) = &file.failed {
                eprintln!("error: {why}");
            }
            for e in &file.errors {
                eprintln!("error: {e}");
            }
        }
        println!(
            "{} files, {} records read: {} new papers, {} merged into existing papers, {} already in the library, {} errors",
            report.files.len(),
            report.records(),
            report.new_papers(),
            report.merged(),
            report.unchanged(),
            report.error_count()
        );
        if !args.no_embed && engine.embedder().is_none() {
            eprintln!("note: no embedding model loaded, papers were not embedded (run scripts/setup-model.sh, then paperdex embed)");
        }
    }
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
