//! Query-string parameters, validated by hand so that every error names the
//! parameter and says what was expected. Unknown and repeated parameters
//! are errors too: a typo (`yaer=2019`) must not silently widen a search.

use crate::error::AppError;
use paperdex_export::ExportFormat;
use paperdex_index::{Filters, MAX_QUERY_CHARS};
use paperdex_search::SearchMode;

/// Most hits one request may ask for.
pub const MAX_K: usize = 100;
/// Deepest page start: ranking deeper than this is not useful and costs.
pub const MAX_OFFSET: usize = 1000;
/// Longest author or venue filter value, in characters.
pub const MAX_FILTER_CHARS: usize = 200;

/// The decoded `name=value` pairs of a query string, in order.
pub fn pairs(raw: Option<&str>) -> Result<Vec<(String, String)>, AppError> {
    let raw = raw.unwrap_or("");
    serde_urlencoded::from_str::<Vec<(String, String)>>(raw).map_err(|e| {
        AppError::param(
            "query string",
            format!("cannot be decoded ({e}); percent-encode values as UTF-8"),
        )
    })
}

/// Validated search parameters, shared by `/api/search` and the results page.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchParams {
    /// The query text (may itself hold `author:`, `year:` ... filters).
    pub q: String,
    /// Retrievers.
    pub mode: SearchMode,
    /// Hits per page.
    pub k: usize,
    /// Hits skipped.
    pub offset: usize,
    /// Filters given as parameters.
    pub filters: Filters,
}

impl SearchParams {
    /// Parses `q`, `mode`, `k`, `offset`, `author` (repeatable: all must
    /// match), `venue` (repeatable: any may match) and `year` (`2019`,
    /// `2018..2020`, `2018..`, `..2020`). `default_k` applies when `k` is absent.
    pub fn parse(raw: Option<&str>, default_k: usize) -> Result<Self, AppError> {
        const ACCEPTED: [&str; 7] = ["q", "mode", "k", "offset", "author", "year", "venue"];
        let out = Self::from_pairs(pairs(raw)?, default_k, "search", &ACCEPTED)?;
        if out.q.trim().is_empty() && out.filters.is_empty() {
            return Err(AppError::param(
                "q",
                "is empty: give words to search for, or a filter (author, year, venue)",
            ));
        }
        Ok(out)
    }

    /// The parameters of `endpoint` among `pairs`: only those in `accepted`
    /// (a subset of [`parse`](Self::parse)'s) are; any other is an error
    /// that lists them.
    fn from_pairs(
        pairs: Vec<(String, String)>,
        default_k: usize,
        endpoint: &str,
        accepted: &[&str],
    ) -> Result<Self, AppError> {
        let mut out = SearchParams {
            q: String::new(),
            mode: SearchMode::default(),
            k: default_k,
            offset: 0,
            filters: Filters::default(),
        };
        let mut seen: Vec<&'static str> = Vec::new();
        let mut once = |name: &'static str| -> Result<(), AppError> {
            if seen.contains(&name) {
                return Err(AppError::param(name, "is given more than once"));
            }
            seen.push(name);
            Ok(())
        };
        for (name, value) in pairs {
            if !accepted.contains(&name.as_str()) {
                return Err(unknown(&name, endpoint, &or_list(accepted)));
            }
            match name.as_str() {
                "q" => {
                    once("q")?;
                    let chars = value.chars().count();
                    if chars > MAX_QUERY_CHARS {
                        return Err(AppError::param(
                            "q",
                            format!("is {chars} characters long; the limit is {MAX_QUERY_CHARS}"),
                        ));
                    }
                    out.q = value;
                }
                "mode" => {
                    once("mode")?;
                    out.mode = value
                        .parse()
                        .map_err(|e: String| AppError::param("mode", e))?;
                }
                "k" => {
                    once("k")?;
                    out.k = integer("k", &value, 1, MAX_K)?;
                }
                "offset" => {
                    once("offset")?;
                    out.offset = integer("offset", &value, 0, MAX_OFFSET)?;
                }
                "author" => out.filters.authors.push(filter_text("author", value)?),
                "venue" => out.filters.venues.push(filter_text("venue", value)?),
                "year" => {
                    once("year")?;
                    let (from, to) = year_range(&value)?;
                    out.filters.year_from = from;
                    out.filters.year_to = to;
                }
                _ => unreachable!("every accepted parameter is parsed above"),
            }
        }
        Ok(out)
    }
}

/// What `/api/export` exports: a format and a selection.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportParams {
    /// `bibtex` (default), `csl-json` or `ris`.
    pub format: ExportFormat,
    /// The query and filters (`q`, `author`, `year`, `venue`); none selects
    /// the whole library.
    pub selection: SearchParams,
}

impl ExportParams {
    /// Parses `format`, `q`, `author`, `year` and `venue`.
    pub fn parse(raw: Option<&str>) -> Result<Self, AppError> {
        const ACCEPTED: [&str; 5] = ["format", "q", "author", "year", "venue"];
        let mut format = None;
        let mut rest = Vec::new();
        for (name, value) in pairs(raw)? {
            if name != "format" {
                rest.push((name, value));
                continue;
            }
            if format.is_some() {
                return Err(AppError::param("format", "is given more than once"));
            }
            let parsed: ExportFormat = value
                .parse()
                .map_err(|e: String| AppError::param("format", e))?;
            if parsed == ExportFormat::Jsonl {
                return Err(AppError::param(
                    "format",
                    "jsonl is the whole library for `paperdex import`: export it with the CLI (expected bibtex, csl-json or ris)",
                ));
            }
            format = Some(parsed);
        }
        Ok(ExportParams {
            format: format.unwrap_or(ExportFormat::Bibtex),
            selection: SearchParams::from_pairs(rest, 0, "export", &ACCEPTED)?,
        })
    }
}

/// `a, b or c`.
fn or_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// An integer parameter in `min..=max`.
pub fn integer(name: &str, value: &str, min: usize, max: usize) -> Result<usize, AppError> {
    let n: usize = value.trim().parse().map_err(|_| {
        AppError::param(
            name,
            format!(
                "'{}' is not a whole number (expected {min} to {max})",
                truncate(value, 40)
            ),
        )
    })?;
    if n < min || n > max {
        return Err(AppError::param(
            name,
            format!("{n} is out of range (expected {min} to {max})"),
        ));
    }
    Ok(n)
}

fn filter_text(name: &str, value: String) -> Result<String, AppError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(AppError::param(name, "is empty"));
    }
    let chars = trimmed.chars().count();
    if chars > MAX_FILTER_CHARS {
        return Err(AppError::param(
            name,
            format!("is {chars} characters long; the limit is {MAX_FILTER_CHARS}"),
        ));
    }
    Ok(trimmed.to_string())
}

/// `2019`, `2018..2020`, `2018..` or `..2020`.
fn year_range(value: &str) -> Result<(Option<i32>, Option<i32>), AppError> {
    let bad = |why: String| AppError::param("year", why);
    let year = |text: &str| -> Result<Option<i32>, AppError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        match text.parse::<i32>() {
            Ok(y) if (1..=9999).contains(&y) => Ok(Some(y)),
            _ => Err(bad(format!(
                "'{}' is not a year (expected 2019, 2018..2020, 2018.. or ..2020)",
                truncate(text, 40)
            ))),
        }
    };
    let (from, to) = match value.split_once("..") {
        Some((a, b)) => (year(a)?, year(b)?),
        None => {
            let y = year(value)?;
            if y.is_none() {
                return Err(bad("is empty (expected 2019 or 2018..2020)".into()));
            }
            (y, y)
        }
    };
    match (from, to) {
        (None, None) => Err(bad(
            "'..' has no bounds (expected 2018..2020, 2018.. or ..2020)".into(),
        )),
        (Some(a), Some(b)) if a > b => Err(bad(format!("{a}..{b} is empty: {a} is after {b}"))),
        range => Ok(range),
    }
}

/// A parameter `endpoint` does not take; `expected` lists those it does.
pub fn unknown(name: &str, endpoint: &str, expected: &str) -> AppError {
    AppError::param(
        truncate(name, 40),
        format!("is not a parameter of {endpoint} (expected {expected})"),
    )
}

/// At most `max` characters of `s`, for echoing user input in messages.
pub fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &s[..cut]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<SearchParams, AppError> {
        SearchParams::parse(Some(raw), 10)
    }

    fn error(raw: &str) -> (String, String) {
        let e = parse(raw).unwrap_err();
        (e.parameter().unwrap().to_string(), e.to_string())
    }

    #[test]
    fn accepts_every_parameter() {
        let p = parse("q=graph+nets&mode=lexical&k=5&offset=20&author=Swersky&author=Kevin%20Swersky&venue=icml&venue=nips&year=2018..2020").unwrap();
        assert_eq!(p.q, "graph nets");
        assert_eq!(p.mode, SearchMode::Lexical);
        assert_eq!((p.k, p.offset), (5, 20));
        assert_eq!(p.filters.authors, vec!["Swersky", "Kevin Swersky"]);
        assert_eq!(p.filters.venues, vec!["icml", "nips"]);
        assert_eq!(
            (p.filters.year_from, p.filters.year_to),
            (Some(2018), Some(2020))
        );
    }

    #[test]
    fn defaults_and_open_year_ranges() {
        let p = parse("q=x&year=2019").unwrap();
        assert_eq!((p.mode, p.k, p.offset), (SearchMode::Hybrid, 10, 0));
        assert_eq!(
            (p.filters.year_from, p.filters.year_to),
            (Some(2019), Some(2019))
        );
        let p = parse("q=x&year=..2020").unwrap();
        assert_eq!((p.filters.year_from, p.filters.year_to), (None, Some(2020)));
        // Filters alone are a search (newest first).
        assert!(parse("year=2018..").is_ok());
    }

    #[test]
    fn each_bad_parameter_is_named_with_the_reason() {
        assert_eq!(error("q=x&k=0").0, "k");
        assert!(error("q=x&k=0")
            .1
            .contains("out of range (expected 1 to 100)"));
        assert!(error("q=x&k=abc").1.contains("'abc' is not a whole number"));
        assert!(error("q=x&k=-3").1.contains("not a whole number"));
        assert_eq!(error("q=x&k=101").0, "k");
        assert_eq!(error("q=x&offset=5000").0, "offset");
        assert!(error("q=x&mode=fuzzy").1.contains("unknown mode 'fuzzy'"));
        assert!(error("q=x&year=20x9").1.contains("'20x9' is not a year"));
        assert!(error("q=x&year=2020..2018")
            .1
            .contains("2020 is after 2018"));
        assert!(error("q=x&year=..").1.contains("no bounds"));
        assert_eq!(error("q=x&author=").0, "author");
        assert_eq!(error("q=x&venue=%20").0, "venue");
        assert_eq!(error("").0, "q");
        assert_eq!(error("q=++").0, "q");
        assert_eq!(
            error("q=a&q=b").1,
            "invalid parameter 'q': is given more than once"
        );
        assert_eq!(error("q=a&yaer=2019").0, "yaer");
        let long = format!("q={}", "a".repeat(MAX_QUERY_CHARS + 1));
        assert!(error(&long).1.contains("the limit is 1000"));
    }

    #[test]
    fn bytes_that_are_not_utf8_become_replacement_characters() {
        // %FF is not UTF-8: decoded lossily, never a panic or a 500.
        assert_eq!(parse("q=%FF").unwrap().q, "\u{FFFD}");
    }

    #[test]
    fn truncate_counts_characters() {
        assert_eq!(truncate("ééé", 2), "éé…");
        assert_eq!(truncate("ab", 2), "ab");
    }
}
