//! `paperdex star ID`, `unstar ID`, `stars`: the papers the user marked, which
//! `paperdex recommend` learns from.

use crate::{library, output};
use anyhow::{bail, Result};
use paperdex_discover::recommend::{starred, STAR_KIND};
use paperdex_store::Store;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Paper id, arXiv id or DOI
    id: String,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// One JSON object per paper per line
    #[arg(long)]
    json: bool,
}

fn resolve(store: &dyn Store, ident: &str) -> Result<i64> {
    match store.resolve_paper(ident)? {
        Some(id) => Ok(id),
        None => bail!("no paper with id, arXiv id or DOI '{ident}'"),
    }
}

pub fn star(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let store = library::open(paths)?;
    let id = resolve(store.as_ref(), &args.id)?;
    store.put_user_item(STAR_KIND, &id.to_string(), "{}")?;
    println!("starred paper {id}");
    Ok(ExitCode::SUCCESS)
}

pub fn unstar(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let store = library::open(paths)?;
    let id = resolve(store.as_ref(), &args.id)?;
    if !store.delete_user_item(STAR_KIND, &id.to_string())? {
        bail!("paper {id} is not starred");
    }
    println!("unstarred paper {id}");
    Ok(ExitCode::SUCCESS)
}

pub fn list(paths: &library::Paths, args: ListArgs) -> Result<ExitCode> {
    let store = library::open(paths)?;
    for id in starred(store.as_ref())? {
        let Some(p) = store.paper(id)? else { continue };
        if args.json {
            output::print_json(&p)?;
        } else {
            println!("{}", output::paper_line(&p));
        }
    }
    Ok(ExitCode::SUCCESS)
}
