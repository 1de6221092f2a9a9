use crate::{library, output};
use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use paperdex_ingest::{IngestOptions, Ingestor, Progress};
use paperdex_model::Format;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Files or directories (recursed) to read
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Read every file as this format instead of detecting it
    #[arg(long, value_parser = parse_format)]
    format: Option<Format>,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

pub fn run(data_dir: &Path, args: Args) -> Result<ExitCode> {
    let store = library::open(data_dir)?;
    let mut ingestor = Ingestor::open(&store)?;
    let bar = ProgressBar::hidden();
    // indicatif draws only when stderr is a terminal.
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:30}] {pos}/{len} records ({per_sec})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message("ingesting");
    let report = ingestor.ingest_paths(
        &args.paths,
        &IngestOptions {
            format: args.format,
        },
        &|event| match event {
            Progress::Parsed { records } => bar.set_length(records as u64),
            Progress::FileDone { records } => bar.inc(records as u64),
        },
    )?;
    bar.finish_and_clear();
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
    }
    Ok(if report.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
