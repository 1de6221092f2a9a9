use crate::{library, output};
use anyhow::{bail, Result};
use serde::Serialize;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Paper id, arXiv id or DOI
    id: String,
    /// Print as JSON
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct ShowJson<'a> {
    #[serde(flatten)]
    paper: &'a paperdex_model::Paper,
    sources: &'a [paperdex_store::StoredSource],
    topic: Option<&'a paperdex_store::Topic>,
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let store = library::open(paths)?;
    let Some(id) = store.resolve_paper(&args.id)? else {
        bail!("no paper with id, arXiv id or DOI '{}'", args.id);
    };
    let Some(paper) = store.paper(id)? else {
        bail!("paper {id} vanished while reading");
    };
    let sources = store.sources(id)?;
    let topic = store.topic_of_paper(id)?;
    if args.json {
        output::print_json(&ShowJson {
            paper: &paper,
            sources: &sources,
            topic: topic.as_ref(),
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let derived = if paper.title_derived {
        "  [derived: no source gives a title]"
    } else {
        ""
    };
    println!("{}{derived}", paper.title);
    println!("paper {}", paper.id);
    let names: Vec<String> = paper
        .authors
        .iter()
        .map(|a| format!("{} (#{})", a.name, a.id))
        .collect();
    if !names.is_empty() {
        println!("authors: {}", names.join(", "));
    }
    let mut line = Vec::new();
    if let Some(a) = &paper.arxiv_id {
        line.push(format!("arXiv:{a}"));
    }
    if let Some(d) = &paper.doi {
        line.push(format!("doi:{d}"));
    }
    if let Some(v) = &paper.venue {
        line.push(v.clone());
    }
    if let Some(d) = paper.date.clone().or(paper.year.map(|y| y.to_string())) {
        line.push(d);
    }
    if let Some(c) = paper.citation_count {
        line.push(format!("{c} citations"));
    }
    if !line.is_empty() {
        println!("{}", line.join(" · "));
    }
    if !paper.categories.is_empty() {
        println!("categories: {}", paper.categories.join(", "));
    }
    if let Some(t) = &topic {
        println!("topic {}: {}", t.id, t.label);
    }
    if let Some(t) = &paper.tldr {
        let generated = if paper.tldr_generated {
            " [generated: the abstract's most representative sentence]"
        } else {
            ""
        };
        println!("\ntl;dr: {t}{generated}");
    }
    if let Some(a) = &paper.abstract_text {
        println!("\n{a}");
    }
    if let Some(c) = &paper.comments {
        println!("\ncomments: {c}");
    }
    for l in &paper.links {
        println!("{}: {}", l.kind, l.url);
    }
    println!("\nfield sources (chosen first):");
    for (field, ids) in &paper.field_sources {
        let ids: Vec<String> = ids.iter().map(|i| format!("#{i}")).collect();
        println!("  {field:<15} {}", ids.join(" "));
    }
    println!("\nsources:");
    for s in &sources {
        println!(
            "  #{} {}:{} (record {}, {}) — {} (score {:.2}): {}",
            s.id,
            s.file,
            s.line,
            s.index + 1,
            s.format,
            s.rule,
            s.score,
            s.detail
        );
    }
    Ok(ExitCode::SUCCESS)
}
