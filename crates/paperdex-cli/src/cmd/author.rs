use crate::{library, output};
use anyhow::{bail, Result};
use serde::Serialize;
use std::process::ExitCode;

#[derive(Serialize)]
struct AuthorTopic {
    #[serde(flatten)]
    topic: paperdex_store::Topic,
    /// The author's papers in the topic.
    papers: u64,
}

#[derive(Serialize)]
struct AuthorJson<'a> {
    #[serde(flatten)]
    info: &'a paperdex_store::AuthorInfo,
    topics: &'a [AuthorTopic],
}

#[derive(clap::Args)]
pub struct Args {
    /// Author name (any spelling) or author id
    name: String,
    /// Print as JSON
    #[arg(long)]
    json: bool,
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let store = library::open(paths)?;
    let found = store.find_authors(&args.name)?;
    let Some(best) = found.first() else {
        bail!("no author matches '{}'", args.name);
    };
    let Some(info) = store.author(best.id)? else {
        bail!("author {} vanished while reading", best.id);
    };
    let topics: Vec<AuthorTopic> = store
        .author_topics(info.id)?
        .into_iter()
        .map(|(topic, papers)| AuthorTopic { topic, papers })
        .collect();
    if args.json {
        output::print_json(&AuthorJson {
            info: &info,
            topics: &topics,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{} (author #{}, {} papers)",
        info.name,
        info.id,
        info.papers.len()
    );
    if info.name_variants.len() > 1 {
        println!("also written: {}", info.name_variants.join("; "));
    }
    if found.len() > 1 {
        let others: Vec<String> = found[1..]
            .iter()
            .take(5)
            .map(|a| format!("{} (#{})", a.name, a.id))
            .collect();
        println!("other matches: {}", others.join(", "));
    }
    println!("\npapers:");
    for p in &info.papers {
        println!("{}", output::paper_line(p));
    }
    if !topics.is_empty() {
        println!("\ntopics (their papers in it):");
        for t in &topics {
            println!(
                "  {:>3}  {} (topic {})",
                t.papers, t.topic.label, t.topic.id
            );
        }
    }
    println!("\ncollaborating authors (shared papers):");
    for c in info.collaborators.iter().take(20) {
        println!(
            "  {:>3}  {} (#{})",
            c.shared_papers, c.author.name, c.author.id
        );
    }
    Ok(ExitCode::SUCCESS)
}
