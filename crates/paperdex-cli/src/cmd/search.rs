use crate::{library, output};
use anyhow::{Context, Result};
use paperdex_search::{Engine, SearchHit, SearchMode, SearchRequest};
use serde::Serialize;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The query: words, "phrases", -word, author:, year:2019 or year:2018..2020, venue:, source:
    #[arg(required_unless_present = "queries")]
    query: Vec<String>,
    /// lexical, semantic or hybrid
    #[arg(long, default_value = "hybrid")]
    mode: SearchMode,
    /// Number of hits
    #[arg(short, long, default_value_t = 10)]
    k: usize,
    /// Read one query per line from FILE (`-` for stdin); write one JSON array per line
    #[arg(long, value_name = "FILE")]
    queries: Option<PathBuf>,
    /// Print JSON
    #[arg(long)]
    json: bool,
}

/// The wire form of a hit: the fields scripts rely on, flat.
#[derive(Serialize)]
pub struct HitJson<'a> {
    id: i64,
    title: &'a str,
    authors: Vec<&'a str>,
    year: Option<i32>,
    venue: Option<&'a str>,
    arxiv_id: Option<String>,
    doi: Option<&'a str>,
    tldr: Option<&'a str>,
    #[serde(rename = "abstract")]
    abstract_text: Option<&'a str>,
    score: f64,
}

impl<'a> HitJson<'a> {
    pub fn new(hit: &'a SearchHit) -> Self {
        let p = &hit.paper;
        HitJson {
            id: p.id,
            title: &p.title,
            authors: p.authors.iter().map(|a| a.name.as_str()).collect(),
            year: p.year,
            venue: p.venue.as_deref(),
            arxiv_id: p.arxiv_id.as_ref().map(|a| a.to_string()),
            doi: p.doi.as_deref(),
            tldr: p.tldr.as_deref(),
            abstract_text: p.abstract_text.as_deref(),
            score: hit.score,
        }
    }
}

fn run_one(engine: &Engine, query: &str, args: &Args) -> Result<Vec<SearchHit>> {
    let results = engine.search(&SearchRequest {
        query: query.to_string(),
        mode: args.mode,
        k: args.k,
        offset: 0,
        filters: Default::default(),
    })?;
    Ok(results.hits)
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let engine = library::open_engine(paths, args.mode != SearchMode::Lexical)?;
    if let Some(file) = &args.queries {
        // The model loads once for every query of the file.
        let reader: Box<dyn BufRead> = if file.as_os_str() == "-" {
            Box::new(std::io::stdin().lock())
        } else {
            Box::new(std::io::BufReader::new(
                std::fs::File::open(file)
                    .with_context(|| format!("cannot open {}", file.display()))?,
            ))
        };
        for (n, line) in reader.lines().enumerate() {
            let line =
                line.with_context(|| format!("{}:{}: cannot read line", file.display(), n + 1))?;
            let hits = if line.trim().is_empty() {
                Vec::new()
            } else {
                run_one(&engine, &line, &args)
                    .with_context(|| format!("{}:{}: query failed", file.display(), n + 1))?
            };
            let json: Vec<HitJson<'_>> = hits.iter().map(HitJson::new).collect();
            output::print_json(&json)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let query = args.query.join(" ");
    let hits = run_one(&engine, &query, &args)?;
    if args.json {
        let json: Vec<HitJson<'_>> = hits.iter().map(HitJson::new).collect();
        output::print_json(&json)?;
    } else if hits.is_empty() {
        println!("no papers match");
    } else {
        for hit in &hits {
            println!("{}  ({:.3})", output::paper_line(&hit.paper), hit.score);
        }
    }
    Ok(ExitCode::SUCCESS)
}
