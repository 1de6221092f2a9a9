//! `paperdex follow`, `unfollow` and `follows`.
use crate::{library, output};
use anyhow::Result;
use paperdex_digest::{follows, Follow, StoredTopics, TopicMembers};
use paperdex_store::Store;
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum Target {
    /// An author of the library (a name, or an author id)
    Author {
        #[arg(required = true)]
        name: Vec<String>,
    },
    /// A query in the search language (words all required, "phrases", author:, venue:, -word)
    Query {
        #[arg(required = true)]
        text: Vec<String>,
    },
    /// A topic (see `paperdex topics`)
    Topic { id: u32 },
}

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    target: Target,
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// One JSON object per line
    #[arg(long)]
    json: bool,
}

/// The topic model follows use.
pub fn topics(store: &dyn Store) -> StoredTopics<'_> {
    StoredTopics(store)
}

fn resolve(store: &dyn Store, target: Target, for_unfollow: bool) -> Result<Follow> {
    Ok(match target {
        Target::Author { name } => {
            let name = name.join(" ");
            if for_unfollow {
                // An author followed earlier may be found by id or name
                // among the follows themselves.
                let wanted = name.trim().trim_start_matches('#').to_lowercase();
                if let Some(f) = follows::list(store)?.into_iter().find(|f| match f {
                    Follow::Author { id, name } => {
                        id.to_string() == wanted || name.to_lowercase() == wanted
                    }
                    _ => false,
                }) {
                    return Ok(f);
                }
            }
            let author = follows::resolve_author(store, &name)?;
            Follow::Author {
                id: author.id,
                name: author.name,
            }
        }
        Target::Query { text } => {
            let query = follows::normalize_query(&text.join(" "));
            paperdex_digest::check_query(&query)?;
            Follow::Query { query }
        }
        Target::Topic { id } => {
            if for_unfollow {
                Follow::Topic {
                    id,
                    label: String::new(),
                }
            } else {
                let label = topics(store)
                    .topic_label(id)?
                    .ok_or_else(|| anyhow::anyhow!("no topic {id} (see `paperdex topics`)"))?;
                Follow::Topic { id, label }
            }
        }
    })
}

pub fn follow(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let store = library::open(paths)?;
    let f = resolve(store.as_ref(), args.target, false)?;
    if follows::add(store.as_ref(), &f)? {
        println!("following {}", f.label());
    } else {
        println!("already following {}", f.label());
    }
    Ok(ExitCode::SUCCESS)
}

pub fn unfollow(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let store = library::open(paths)?;
    let f = resolve(store.as_ref(), args.target, true)?;
    follows::remove(store.as_ref(), &f)?;
    println!("no longer following {}", f.label());
    Ok(ExitCode::SUCCESS)
}

pub fn list(paths: &library::Paths, args: ListArgs) -> Result<ExitCode> {
    let store = library::open(paths)?;
    let all = follows::list(store.as_ref())?;
    for f in &all {
        if args.json {
            output::print_json(f)?;
        } else {
            println!("{}", f.label());
        }
    }
    if all.is_empty() && !args.json {
        eprintln!("following nothing yet: paperdex follow author NAME | query TEXT | topic ID");
    }
    Ok(ExitCode::SUCCESS)
}
