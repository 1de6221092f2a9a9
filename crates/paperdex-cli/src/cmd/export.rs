//! `paperdex export` and `paperdex import`.
use crate::cmd::list::parse_years;
use crate::library;
use anyhow::{Context, Result};
use paperdex_export::{ExportFormat, Selection};
use paperdex_search::Filters;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// bibtex, csl-json, ris, or jsonl (the whole library, for `paperdex import`)
    #[arg(long, default_value = "bibtex", value_parser = parse_format)]
    format: ExportFormat,
    /// Only papers matching this query (the search language: words, "phrases", author:, year:, venue:)
    query: Vec<String>,
    /// Only papers by this author (a full name, or one word of it)
    #[arg(long)]
    author: Option<String>,
    /// A year (2019) or an inclusive range (2018..2020)
    #[arg(long, value_parser = parse_years)]
    year: Option<(i32, i32)>,
    /// Venue contains this word or phrase
    #[arg(long)]
    venue: Option<String>,
    /// Write to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

fn parse_format(s: &str) -> Result<ExportFormat, String> {
    s.parse()
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let engine = library::open_engine(paths, false)?;
    let query = args.query.join(" ");
    let selection = Selection {
        query: (!query.trim().is_empty()).then_some(query),
        filters: Filters {
            authors: args.author.into_iter().collect(),
            year_from: args.year.map(|y| y.0),
            year_to: args.year.map(|y| y.1),
            venues: args.venue.into_iter().collect(),
            sources: Vec::new(),
        },
    };
    let count = match &args.output {
        Some(path) => {
            // Written beside the target and renamed: an interrupted export
            // never leaves half a file under the requested name.
            let dir = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(std::path::Path::new("."));
            let tmp = tempfile_in(dir)?;
            let mut out = BufWriter::new(tmp.as_file());
            let count = paperdex_export::export(&engine, args.format, &selection, &mut out)?;
            out.flush()
                .with_context(|| format!("cannot write {}", path.display()))?;
            drop(out);
            tmp.persist(path)
                .with_context(|| format!("cannot write {}", path.display()))?;
            count
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            let count = paperdex_export::export(&engine, args.format, &selection, &mut out)?;
            out.flush()?;
            count
        }
    };
    eprintln!("exported {count} papers as {}", args.format.name());
    Ok(ExitCode::SUCCESS)
}

fn tempfile_in(dir: &std::path::Path) -> Result<tempfile::NamedTempFile> {
    tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot create a file in {}", dir.display()))
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// A file written by `paperdex export --format jsonl`
    file: PathBuf,
    /// Do not embed the imported papers now (`paperdex embed` catches up)
    #[arg(long)]
    no_embed: bool,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
}

pub fn import(paths: &library::Paths, args: ImportArgs) -> Result<ExitCode> {
    let report = {
        let store = library::open(paths)?;
        paperdex_export::import_library(store.as_ref(), &args.file)?
    };
    // Opening the engine brings the full-text index up to the new batches.
    let engine = library::open_engine(paths, !args.no_embed)?;
    if !args.no_embed && engine.embedder().is_some() {
        engine.embed_pending(&|_, _| {})?;
    }
    if args.json {
        crate::output::print_json(&report)?;
    } else {
        let c = &report.counts;
        println!(
            "imported {} papers from {} records in {} batches, {} user items; {} papers identical to the export, {} differ",
            c.papers, c.records, c.batches, c.user_items, report.identical_papers, report.differing_papers
        );
        for d in &report.differences {
            eprintln!("differs: {d}");
        }
    }
    Ok(if report.differing_papers == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
