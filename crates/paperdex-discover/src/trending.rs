//! Trending: which papers draw attention now, from what the listings say.
//!
//! For a paper with `u` upvotes (trending pages), `c` citations (conference
//! lists), seen in `l` distinct listing files, dated `age` days before the
//! reference day:
//!
//! ```text
//! attention = ln(1 + u) + 0.5 * ln(1 + c) + ln(l)
//! freshness = 0.5 ^ (age / 30)            (0 when the paper has no date)
//! score     = (1 + attention) * (0.1 + 0.9 * freshness)
//! ```
//!
//! Logarithms keep one viral paper from drowning the rest and make a missing
//! count (0) cost nothing but its bonus. Upvotes count double citations: they
//! are a fresh signal, citations an accumulated one. Freshness halves every 30
//! days; undated papers keep a tenth of their attention, so a library without
//! dates still ranks by attention.
//!
//! A paper's date is its `date` field (`YYYY-MM-DD`, or `YYYY-MM`, the first
//! of the month), else the month of its new-style arXiv id (`YYMM.NNNNN`),
//! else 1 July of its `year`. The reference day is the newest paper date in
//! the library unless given, so a library of old listings still has a
//! present; `since` keeps papers dated within that many days of it.

use crate::DiscoverError;
use paperdex_model::{Paper, PaperId};
use paperdex_store::{PaperFilter, Store};
use serde::Serialize;
use std::collections::HashSet;
use time::{Date, Month};

/// Days for freshness to halve.
pub const HALF_LIFE_DAYS: f64 = 30.0;

/// What a trending list is asked for.
#[derive(Debug, Clone, Default)]
pub struct TrendingOptions {
    /// Only papers dated at most this many days before the reference day.
    pub since_days: Option<u32>,
    /// Only papers of this topic.
    pub topic: Option<i64>,
    /// Papers to return.
    pub k: usize,
    /// The reference day (default: the newest paper date in the library).
    pub as_of: Option<Date>,
}

/// The signals behind one paper's score.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Signals {
    /// Upvotes on trending pages.
    pub upvotes: Option<i64>,
    /// Citations reported by conference lists.
    pub citations: Option<i64>,
    /// Distinct listing files the paper appears in.
    pub listings: usize,
    /// The date used for freshness (`YYYY-MM-DD`).
    pub date: Option<String>,
    /// Days between that date and the reference day.
    pub age_days: Option<i64>,
}

/// A trending paper.
#[derive(Debug, Clone, Serialize)]
pub struct TrendingPaper {
    /// The paper.
    pub paper: Paper,
    /// Its score (higher trends more).
    pub score: f64,
    /// What the score is made of.
    pub signals: Signals,
}

/// The trending list and its reference day.
#[derive(Debug, Clone, Serialize)]
pub struct Trending {
    /// The reference day (`YYYY-MM-DD`), when any paper has a date.
    pub as_of: Option<String>,
    /// Papers, best first.
    pub papers: Vec<TrendingPaper>,
}

/// The score of a paper's signals (see the module docs).
pub fn score(signals: &Signals) -> f64 {
    let ln1p = |x: Option<i64>| (x.unwrap_or(0).max(0) as f64).ln_1p();
    let attention = ln1p(signals.upvotes)
        + 0.5 * ln1p(signals.citations)
        + (signals.listings.max(1) as f64).ln();
    let freshness = signals
        .age_days
        .map_or(0.0, |age| 0.5f64.powf(age.max(0) as f64 / HALF_LIFE_DAYS));
    (1.0 + attention) * (0.1 + 0.9 * freshness)
}

/// The date a paper is placed at (see the module docs).
pub fn paper_date(p: &Paper) -> Option<Date> {
    if let Some(d) = p.date.as_deref().and_then(parse_date_prefix) {
        return Some(d);
    }
    if let Some(a) = &p.arxiv_id {
        let b = a.id.as_bytes();
        if b.len() >= 9 && b[4] == b'.' && b[..4].iter().all(u8::is_ascii_digit) {
            let yy: i32 = a.id[..2].parse().ok()?;
            let mm: u8 = a.id[2..4].parse().ok()?;
            return ymd(2000 + yy, mm, 1);
        }
    }
    p.year.and_then(|y| ymd(y, 7, 1))
}

fn ymd(y: i32, m: u8, d: u8) -> Option<Date> {
    Date::from_calendar_date(y, Month::try_from(m).ok()?, d).ok()
}

/// Parses `YYYY-MM-DD`, `YYYY-MM` (the first) or `YYYY` (1 July).
pub fn parse_date_prefix(s: &str) -> Option<Date> {
    let mut parts = s.trim().splitn(3, '-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u8 = match parts.next() {
        Some(m) => m.parse().ok()?,
        None => return ymd(y, 7, 1),
    };
    let d: u8 = match parts.next() {
        Some(d) => d.get(..2).unwrap_or(d).parse().ok()?,
        None => 1,
    };
    ymd(y, m, d)
}

/// Parses a duration like `30d`, `2w`, `6m` (30 days) or `1y` (365 days) into days.
pub fn parse_since(s: &str) -> Result<u32, DiscoverError> {
    let bad = || DiscoverError::InvalidParameter {
        name: "since",
        reason: format!("'{s}' is not a duration like 30d, 2w, 6m or 1y"),
    };
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u32 = num.parse().map_err(|_| bad())?;
    let per = match unit {
        "d" | "" => 1,
        "w" => 7,
        "m" => 30,
        "y" => 365,
        _ => return Err(bad()),
    };
    n.checked_mul(per).ok_or_else(bad)
}

/// The trending papers of the library.
pub fn trending(store: &dyn Store, options: &TrendingOptions) -> Result<Trending, DiscoverError> {
    let only: Option<HashSet<PaperId>> = match options.topic {
        Some(t) => {
            let ids = store.topic_papers(t)?;
            if ids.is_empty() {
                return Err(DiscoverError::UnknownTopic(t));
            }
            Some(ids.into_iter().collect())
        }
        None => None,
    };
    let papers: Vec<Paper> = store
        .list_papers(&PaperFilter::default())?
        .into_iter()
        .filter(|p| only.as_ref().is_none_or(|o| o.contains(&p.id)))
        .collect();
    let dates: Vec<Option<Date>> = papers.iter().map(paper_date).collect();
    let as_of = options
        .as_of
        .or_else(|| dates.iter().flatten().max().copied());
    let mut out = Vec::new();
    for (paper, date) in papers.into_iter().zip(dates) {
        let age_days = match (date, as_of) {
            (Some(d), Some(now)) => Some((now - d).whole_days()),
            _ => None,
        };
        if let Some(limit) = options.since_days {
            // Undated papers and papers after the reference day are not "since".
            match age_days {
                Some(a) if a >= 0 && a <= limit as i64 => {}
                _ => continue,
            }
        }
        let signals = Signals {
            upvotes: paper.upvotes,
            citations: paper.citation_count,
            listings: store.source_files(paper.id)?.len(),
            date: date.map(|d| d.to_string()),
            age_days,
        };
        out.push(TrendingPaper {
            score: score(&signals),
            paper,
            signals,
        });
    }
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.paper.id.cmp(&b.paper.id))
    });
    out.truncate(options.k);
    Ok(Trending {
        as_of: as_of.map(|d| d.to_string()),
        papers: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(
        upvotes: Option<i64>,
        citations: Option<i64>,
        listings: usize,
        age: Option<i64>,
    ) -> Signals {
        Signals {
            upvotes,
            citations,
            listings,
            date: None,
            age_days: age,
        }
    }

    #[test]
    fn more_attention_and_more_freshness_rank_higher() {
        let base = s(Some(10), None, 1, Some(5));
        assert!(score(&s(Some(50), None, 1, Some(5))) > score(&base));
        assert!(score(&s(Some(10), Some(100), 1, Some(5))) > score(&base));
        assert!(score(&s(Some(10), None, 3, Some(5))) > score(&base));
        assert!(score(&s(Some(10), None, 1, Some(1))) > score(&base));
        // Two months old with ten times the upvotes loses to this week's paper.
        assert!(score(&s(Some(100), None, 1, Some(60))) < score(&base));
    }

    #[test]
    fn missing_signals_count_as_nothing_not_as_failure() {
        let nothing = s(None, None, 0, None);
        assert!(score(&nothing).is_finite() && score(&nothing) > 0.0);
        assert!(score(&s(None, Some(5), 1, None)) > score(&nothing));
        assert!(score(&s(None, None, 1, Some(0))) > score(&s(None, Some(1000), 1, None)));
        assert!(score(&s(Some(-3), None, 1, Some(0))) == score(&s(None, None, 1, Some(0))));
    }

    #[test]
    fn dates_come_from_date_then_arxiv_id_then_year() {
        let mut p = Paper {
            year: Some(2019),
            ..Default::default()
        };
        assert_eq!(paper_date(&p).unwrap().to_string(), "2019-07-01");
        p.arxiv_id = paperdex_model::ArxivId::parse("1910.03175");
        assert_eq!(paper_date(&p).unwrap().to_string(), "2019-10-01");
        p.date = Some("2019-10-07".into());
        assert_eq!(paper_date(&p).unwrap().to_string(), "2019-10-07");
        p.date = Some("2020-02".into());
        assert_eq!(paper_date(&p).unwrap().to_string(), "2020-02-01");
    }

    #[test]
    fn since_parses_units_and_names_the_parameter_when_wrong() {
        assert_eq!(parse_since("30d").unwrap(), 30);
        assert_eq!(parse_since("2w").unwrap(), 14);
        assert_eq!(parse_since("1y").unwrap(), 365);
        let err = parse_since("soon").unwrap_err().to_string();
        assert!(err.contains("since") && err.contains("soon"), "{err}");
    }
}
