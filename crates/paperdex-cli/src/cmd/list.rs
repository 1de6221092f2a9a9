use crate::{library, output};
use anyhow::{bail, Result};
use paperdex_store::PaperFilter;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Only papers by this author (name or author id)
    #[arg(long)]
    author: Option<String>,
    /// A year (2019) or an inclusive range (2018..2020)
    #[arg(long, value_parser = parse_years)]
    year: Option<(i32, i32)>,
    /// Venue contains this text
    #[arg(long)]
    venue: Option<String>,
    /// Some source file's path contains this text
    #[arg(long)]
    source: Option<String>,
    /// At most this many papers
    #[arg(long, short = 'n')]
    limit: Option<usize>,
    /// One JSON object per line
    #[arg(long)]
    json: bool,
}

/// Parses `2019` or `2018..2020` into an inclusive range.
pub fn parse_years(s: &str) -> Result<(i32, i32), String> {
    let year = |t: &str| {
        t.trim()
            .parse::<i32>()
            .map_err(|_| format!("'{t}' is not a year (expected e.g. 2019 or 2018..2020)"))
    };
    match s.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (year(a)?, year(b)?);
            if a > b {
                return Err(format!("year range {a}..{b} is empty"));
            }
            Ok((a, b))
        }
        None => year(s).map(|y| (y, y)),
    }
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let store = library::open(paths)?;
    let author_ids = match &args.author {
        Some(name) => {
            let found = store.find_authors(name)?;
            if found.is_empty() {
                bail!("no author matches '{name}'");
            }
            Some(found.iter().map(|a| a.id).collect())
        }
        None => None,
    };
    let papers = store.list_papers(&PaperFilter {
        author_ids,
        year_from: args.year.map(|y| y.0),
        year_to: args.year.map(|y| y.1),
        venue: args.venue,
        source: args.source,
        limit: args.limit,
        offset: 0,
    })?;
    for p in &papers {
        if args.json {
            output::print_json(p)?;
        } else {
            println!("{}", output::paper_line(p));
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::parse_years;

    #[test]
    fn years_and_ranges() {
        assert_eq!(parse_years("2019"), Ok((2019, 2019)));
        assert_eq!(parse_years("2018..2020"), Ok((2018, 2020)));
        assert!(parse_years("2020..2018").is_err());
        assert!(parse_years("last year").unwrap_err().contains("not a year"));
    }
}
