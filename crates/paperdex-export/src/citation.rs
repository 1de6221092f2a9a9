//! What the three citation formats share: the kind of publication a paper
//! is, its authors split into family and given names, and its date.

use paperdex_model::{Paper, PersonName};

/// The kind of publication, as far as the library can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Published in a journal (the venue names one).
    Journal,
    /// Published at a conference or workshop.
    Conference,
    /// Only on arXiv.
    Preprint,
    /// Nothing says where it appeared.
    Unknown,
}

/// Venue words that mark a journal rather than a conference.
const JOURNAL_WORDS: [&str; 7] = [
    "journal",
    "transactions",
    "letters",
    "jmlr",
    "tmlr",
    "review",
    "magazine",
];

pub(crate) fn kind(paper: &Paper) -> Kind {
    match &paper.venue {
        Some(v) if !v.trim().is_empty() => {
            let lower = v.to_lowercase();
            if JOURNAL_WORDS.iter().any(|w| lower.contains(w)) {
                Kind::Journal
            } else if lower.trim() == "arxiv" || lower.starts_with("arxiv ") {
                Kind::Preprint
            } else {
                Kind::Conference
            }
        }
        _ if paper.arxiv_id.is_some() => Kind::Preprint,
        _ => Kind::Unknown,
    }
}

/// A paper's venue unless it only names arXiv (then it is a preprint).
pub(crate) fn venue(paper: &Paper) -> Option<&str> {
    match kind(paper) {
        Kind::Journal | Kind::Conference => paper.venue.as_deref().map(str::trim),
        _ => None,
    }
}

/// An author's name split for citation formats; `None` parts are unknown.
pub(crate) struct Name {
    pub family: String,
    pub given: String,
}

pub(crate) fn names(paper: &Paper) -> Vec<Name> {
    paper
        .authors
        .iter()
        .filter_map(|a| PersonName::parse(&a.name))
        .map(|n| Name {
            family: n.family,
            given: n.given,
        })
        .collect()
}

/// `[year, month, day]`, as many parts as are known.
pub(crate) fn date_parts(paper: &Paper) -> Vec<i32> {
    let mut parts: Vec<i32> = paper
        .date
        .as_deref()
        .unwrap_or("")
        .split('-')
        .map_while(|p| p.trim().parse::<i32>().ok())
        .take(3)
        .collect();
    match (parts.first(), paper.year) {
        (None, Some(y)) => parts = vec![y],
        // A date disagreeing with the chosen year is from another version.
        (Some(&d), Some(y)) if d != y => parts = vec![y],
        _ => {}
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_venue() {
        let mut p = Paper::default();
        assert_eq!(kind(&p), Kind::Unknown);
        p.arxiv_id = paperdex_model::ArxivId::parse("1910.03175");
        assert_eq!(kind(&p), Kind::Preprint);
        p.venue = Some("ICML 2019".into());
        assert_eq!(kind(&p), Kind::Conference);
        p.venue = Some("Journal of Machine Learning Research".into());
        assert_eq!(kind(&p), Kind::Journal);
        p.venue = Some("arXiv".into());
        assert_eq!(kind(&p), Kind::Preprint);
        assert_eq!(venue(&p), None);
    }

    #[test]
    fn dates_fall_back_to_the_year() {
        let mut p = Paper {
            year: Some(2019),
            date: Some("2019-10-07".into()),
            ..Default::default()
        };
        assert_eq!(date_parts(&p), vec![2019, 10, 7]);
        p.date = Some("2018-01".into());
        assert_eq!(date_parts(&p), vec![2019]);
        p.date = None;
        assert_eq!(date_parts(&p), vec![2019]);
        p.year = None;
        assert!(date_parts(&p).is_empty());
    }
}
