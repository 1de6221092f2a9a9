use crate::{library, output};
use anyhow::{bail, Result};
use std::process::ExitCode;

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
    if args.json {
        output::print_json(&info)?;
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
    println!("\ncollaborating authors (shared papers):");
    for c in info.collaborators.iter().take(20) {
        println!(
            "  {:>3}  {} (#{})",
            c.shared_papers, c.author.name, c.author.id
        );
    }
    Ok(ExitCode::SUCCESS)
}
