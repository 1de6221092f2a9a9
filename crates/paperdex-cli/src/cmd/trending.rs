//! `paperdex trending`: papers drawing attention now (score documented in
//! `paperdex_discover::trending`).

use crate::{library, output};
use anyhow::{Context, Result};
use paperdex_discover::trending::{self, TrendingOptions};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Only papers dated within this long before the reference day (30d, 2w, 6m, 1y)
    #[arg(long)]
    since: Option<String>,
    /// Only papers of this topic
    #[arg(long)]
    topic: Option<i64>,
    /// Papers to show
    #[arg(short = 'k', default_value_t = 20)]
    k: usize,
    /// Reference day, YYYY-MM-DD [default: the newest paper date in the library]
    #[arg(long)]
    as_of: Option<String>,
    /// One JSON object per paper per line
    #[arg(long)]
    json: bool,
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let store = library::open(paths)?;
    let since_days = args
        .since
        .as_deref()
        .map(trending::parse_since)
        .transpose()?;
    let as_of = match &args.as_of {
        Some(s) => Some(
            trending::parse_date_prefix(s)
                .with_context(|| format!("--as-of '{s}' is not a date (expected YYYY-MM-DD)"))?,
        ),
        None => None,
    };
    let result = trending::trending(
        store.as_ref(),
        &TrendingOptions {
            since_days,
            topic: args.topic,
            k: args.k,
            as_of,
        },
    )?;
    if args.json {
        for t in &result.papers {
            output::print_json(t)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(day) = &result.as_of {
        eprintln!("trending as of {day}");
    }
    for t in &result.papers {
        let mut why = Vec::new();
        if let Some(u) = t.signals.upvotes {
            why.push(format!("{u} upvotes"));
        }
        if let Some(c) = t.signals.citations {
            why.push(format!("{c} citations"));
        }
        if t.signals.listings > 1 {
            why.push(format!("{} listings", t.signals.listings));
        }
        if let Some(d) = &t.signals.date {
            why.push(d.clone());
        }
        println!("{:>7.3}  {}", t.score, output::paper_line(&t.paper));
        println!("         {}", why.join(" · "));
    }
    Ok(ExitCode::SUCCESS)
}
