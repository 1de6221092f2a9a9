//! The query language: a pure parser from the search box's text to a
//! [`ParsedQuery`]. Nothing here knows tantivy; [`TextIndex`](crate::TextIndex)
//! turns a `ParsedQuery` into index queries, and a semantic search can use
//! [`ParsedQuery::text`] and [`ParsedQuery::filters`].
//!
//! Syntax, items separated by whitespace:
//!
//! | item | meaning |
//! |---|---|
//! | `word` | a word (ranked, any field) |
//! | `"a phrase"` | the words in this order; a quote left open closes at the end |
//! | `-word`, `-"a phrase"` | papers containing it are left out |
//! | `author:swersky` | an author whose name contains this word |
//! | `author:"Kevin Swersky"` | an author with exactly this name (case and accents aside) |
//! | `year:2019`, `year:2018..2020`, `year:2018..`, `year:..2020` | published in these years (inclusive) |
//! | `venue:neurips`, `venue:"ICML 2019"` | venue contains this word or phrase |
//! | `source:000_96df` | one of the paper's source file names contains this text |
//!
//! Filter names are case-insensitive. `foo:bar` with any other name is read as
//! the words `foo` and `bar`. Repeated `author:` filters must all match;
//! repeated `venue:` or `source:` filters match any of them; repeated `year:`
//! filters intersect. Words, phrases and exclusions with no letter or digit
//! (`!!!`, `""`, a lone `-`) are dropped.

use crate::error::QueryError;

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 1000;

/// A parsed query: free text, exclusions and filters.
#[derive(Default, Clone, Debug, PartialEq)]
pub struct ParsedQuery {
    /// Words, in the order given.
    pub terms: Vec<String>,
    /// Quoted phrases, in the order given, whitespace collapsed.
    pub phrases: Vec<String>,
    /// Excluded words and phrases (`-word`, `-"a phrase"`).
    pub excluded: Vec<String>,
    /// The filters (`author:`, `year:`, `venue:`, `source:`).
    pub filters: Filters,
}

/// Restrictions on which papers match, independent of ranking.
#[derive(Default, Clone, Debug, PartialEq)]
pub struct Filters {
    /// Author names or name words; a paper must match every one. A value
    /// with a space is a full name matched exactly; a single word matches any
    /// word of an author's name.
    pub authors: Vec<String>,
    /// First year, inclusive.
    pub year_from: Option<i32>,
    /// Last year, inclusive.
    pub year_to: Option<i32>,
    /// Venue words or phrases; a paper must match one of them.
    pub venues: Vec<String>,
    /// Substrings of source file names; a paper must match one of them.
    pub sources: Vec<String>,
}

impl Filters {
    /// True when nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.authors.is_empty()
            && self.year_from.is_none()
            && self.year_to.is_none()
            && self.venues.is_empty()
            && self.sources.is_empty()
    }
}

impl ParsedQuery {
    /// The free text (words, then phrases) joined by spaces, e.g. for
    /// embedding a semantic query. Exclusions and filters are not included.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for item in self.terms.iter().chain(&self.phrases) {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(item);
        }
        out
    }

    /// True when the query says nothing at all: no words, phrases,
    /// exclusions or filters (e.g. blank input).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
            && self.phrases.is_empty()
            && self.excluded.is_empty()
            && self.filters.is_empty()
    }

    /// True when the query has words or phrases to rank by.
    pub fn has_text(&self) -> bool {
        !self.terms.is_empty() || !self.phrases.is_empty()
    }
}

/// Parses the search box's text. Never panics; fails only on a query longer
/// than [`MAX_QUERY_CHARS`], a bad `year:` value, or a filter with no value.
pub fn parse_query(input: &str) -> Result<ParsedQuery, QueryError> {
    let chars = input.chars().count();
    if chars > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong {
            chars,
            max: MAX_QUERY_CHARS,
        });
    }
    let mut parser = Parser {
        chars: input.chars().collect(),
        pos: 0,
        out: ParsedQuery::default(),
    };
    parser.run()?;
    Ok(parser.out)
}

/// The filters the language knows, with an example value for error messages.
const FILTER_KEYS: [(&str, &str); 4] = [
    ("author", "swersky"),
    ("year", "2019"),
    ("venue", "neurips"),
    ("source", "nips2018"),
];

struct Parser {
    chars: Vec<char>,
    pos: usize,
    out: ParsedQuery,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn run(&mut self) -> Result<(), QueryError> {
        loop {
            while self.peek().is_some_and(char::is_whitespace) {
                self.pos += 1;
            }
            let Some(c) = self.peek() else {
                return Ok(());
            };
            match c {
                '-' => {
                    self.pos += 1;
                    match self.peek() {
                        None => {}
                        Some(c) if c.is_whitespace() => {}
                        Some('"') => {
                            let phrase = self.read_quoted();
                            push_text(&mut self.out.excluded, &phrase);
                        }
                        Some(_) => {
                            let word = self.read_word();
                            push_text(&mut self.out.excluded, &word);
                        }
                    }
                }
                '"' => {
                    let phrase = self.read_quoted();
                    push_text(&mut self.out.phrases, &phrase);
                }
                _ => {
                    if let Some((name, after)) = self.field_name_at(self.pos) {
                        let column = self.pos + 1;
                        self.pos = after;
                        let known = FILTER_KEYS
                            .iter()
                            .find(|(key, _)| key.eq_ignore_ascii_case(&name));
                        match known {
                            Some(&(key, example)) => self.filter(key, example, column)?,
                            // Not a filter: the name is a word, and what
                            // follows the colon is read as the next item.
                            None => push_text(&mut self.out.terms, &name),
                        }
                    } else {
                        let word = self.read_word();
                        push_text(&mut self.out.terms, &word);
                    }
                }
            }
        }
    }

    /// `name:` at `at`, where name is ASCII letters: the name and the
    /// position after the colon.
    fn field_name_at(&self, at: usize) -> Option<(String, usize)> {
        let mut end = at;
        while self.chars.get(end).is_some_and(|c| c.is_ascii_alphabetic()) {
            end += 1;
        }
        if end > at && self.chars.get(end) == Some(&':') {
            Some((self.chars[at..end].iter().collect(), end + 1))
        } else {
            None
        }
    }

    /// Reads a word: up to whitespace or a quote. Consumes at least one char
    /// when called at neither.
    fn read_word(&mut self) -> String {
        let start = self.pos;
        while self.peek().is_some_and(|c| !c.is_whitespace() && c != '"') {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    /// Reads `"..."` starting at the opening quote; an unclosed quote ends
    /// at the end of the input. Returns the content, whitespace collapsed.
    fn read_quoted(&mut self) -> String {
        debug_assert_eq!(self.peek(), Some('"'));
        self.pos += 1;
        let start = self.pos;
        while self.peek().is_some_and(|c| c != '"') {
            self.pos += 1;
        }
        let content: String = self.chars[start..self.pos].iter().collect();
        if self.peek() == Some('"') {
            self.pos += 1;
        }
        collapse_whitespace(&content)
    }

    /// Reads a filter's value (a word or a quoted string) and records it.
    fn filter(
        &mut self,
        key: &'static str,
        example: &'static str,
        column: usize,
    ) -> Result<(), QueryError> {
        let value_column = self.pos + 1;
        let value = match self.peek() {
            Some('"') => self.read_quoted(),
            _ => self.read_word(),
        };
        if value.is_empty() {
            return Err(QueryError::EmptyFilter {
                key,
                column,
                example,
            });
        }
        let filters = &mut self.out.filters;
        match key {
            "author" => filters.authors.push(value),
            "venue" => filters.venues.push(value),
            "source" => filters.sources.push(value),
            _ => {
                let (from, to) = parse_years(&value, value_column)?;
                if let Some(from) = from {
                    filters.year_from = Some(filters.year_from.map_or(from, |y| y.max(from)));
                }
                if let Some(to) = to {
                    filters.year_to = Some(filters.year_to.map_or(to, |y| y.min(to)));
                }
            }
        }
        Ok(())
    }
}

/// `2019`, `2018..2020`, `2018..` or `..2020` → (first, last).
fn parse_years(value: &str, column: usize) -> Result<(Option<i32>, Option<i32>), QueryError> {
    let year = |text: &str| -> Result<i32, QueryError> {
        let invalid = || QueryError::InvalidYear {
            value: text.to_string(),
            column,
        };
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        text.parse().map_err(|_| invalid())
    };
    let Some((from, to)) = value.split_once("..") else {
        let y = year(value)?;
        return Ok((Some(y), Some(y)));
    };
    let from = (!from.is_empty()).then(|| year(from)).transpose()?;
    let to = (!to.is_empty()).then(|| year(to)).transpose()?;
    match (from, to) {
        (None, None) => Err(QueryError::UnboundedYearRange { column }),
        (Some(from), Some(to)) if from > to => Err(QueryError::EmptyYearRange { from, to, column }),
        _ => Ok((from, to)),
    }
}

fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Keeps `text` if it has a letter or a digit to search for.
fn push_text(into: &mut Vec<String>, text: &str) {
    if text.chars().any(char::is_alphanumeric) {
        into.push(text.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parse(input: &str) -> ParsedQuery {
        parse_query(input).unwrap_or_else(|e| panic!("{input:?}: {e}"))
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn words_phrases_and_exclusions() {
        let q = parse(r#"  bayesian  "neural network" -dropout -"deep learning" optimization "#);
        assert_eq!(q.terms, strings(&["bayesian", "optimization"]));
        assert_eq!(q.phrases, strings(&["neural network"]));
        assert_eq!(q.excluded, strings(&["dropout", "deep learning"]));
        assert_eq!(q.filters, Filters::default());
        assert_eq!(q.text(), "bayesian optimization neural network");
        assert!(!q.is_empty());
    }

    #[test]
    fn unterminated_quote_closes_at_end() {
        let q = parse(r#"kernel "gaussian   process"#);
        assert_eq!(q.terms, strings(&["kernel"]));
        assert_eq!(q.phrases, strings(&["gaussian process"]));
        let q = parse(r#"-"open ended"#);
        assert_eq!(q.excluded, strings(&["open ended"]));
        let q = parse(r#"author:"Kevin Swersky"#);
        assert_eq!(q.filters.authors, strings(&["Kevin Swersky"]));
    }

    #[test]
    fn filters() {
        let q = parse(
            r#"author:swersky Author:"Kevin  Swersky" venue:neurips venue:"ICML 2019" source:000_96df year:2019 ranking"#,
        );
        assert_eq!(q.terms, strings(&["ranking"]));
        assert_eq!(q.filters.authors, strings(&["swersky", "Kevin Swersky"]));
        assert_eq!(q.filters.venues, strings(&["neurips", "ICML 2019"]));
        assert_eq!(q.filters.sources, strings(&["000_96df"]));
        assert_eq!(
            (q.filters.year_from, q.filters.year_to),
            (Some(2019), Some(2019))
        );
        assert_eq!(q.text(), "ranking");
    }

    #[test]
    fn year_ranges() {
        let years = |s: &str| {
            let f = parse(s).filters;
            (f.year_from, f.year_to)
        };
        assert_eq!(years("year:2018..2020"), (Some(2018), Some(2020)));
        assert_eq!(years("year:2018.."), (Some(2018), None));
        assert_eq!(years("year:..2020"), (None, Some(2020)));
        assert_eq!(years("year:2020..2020"), (Some(2020), Some(2020)));
        // Repeated year filters intersect.
        assert_eq!(
            years("year:2010.. year:..2015 year:2005..2013"),
            (Some(2010), Some(2013))
        );
    }

    #[test]
    fn year_errors_say_what_and_where() {
        let err = parse_query("gp year:20x9").unwrap_err();
        assert_eq!(
            err,
            QueryError::InvalidYear {
                value: "20x9".into(),
                column: 9
            }
        );
        assert_eq!(
            err.to_string(),
            "year '20x9' at column 9 is not a number (expected year:2019 or year:2018..2020)"
        );
        assert!(matches!(
            parse_query("year:2020..2018"),
            Err(QueryError::EmptyYearRange {
                from: 2020,
                to: 2018,
                column: 6
            })
        ));
        assert!(matches!(
            parse_query("year:.."),
            Err(QueryError::UnboundedYearRange { column: 6 })
        ));
        assert!(matches!(
            parse_query("year:2018..20x"),
            Err(QueryError::InvalidYear { value, .. }) if value == "20x"
        ));
        assert!(matches!(
            parse_query("year:2018..2019..2020"),
            Err(QueryError::InvalidYear { .. })
        ));
        assert!(matches!(
            parse_query("year:-2019"),
            Err(QueryError::InvalidYear { .. })
        ));
        assert!(matches!(
            parse_query("year:99999999999"),
            Err(QueryError::InvalidYear { .. })
        ));
    }

    #[test]
    fn empty_filter_is_an_error() {
        let err = parse_query("deep author: learning").unwrap_err();
        assert_eq!(
            err,
            QueryError::EmptyFilter {
                key: "author",
                column: 6,
                example: "swersky"
            }
        );
        assert_eq!(
            err.to_string(),
            "'author:' at column 6 has no value (e.g. author:swersky)"
        );
        assert!(parse_query("year:").is_err());
        assert!(parse_query(r#"venue:"""#).is_err());
    }

    #[test]
    fn unknown_field_is_words() {
        let q = parse("foo:bar title:\"graph nets\" http://example.org");
        assert_eq!(
            q.terms,
            strings(&["foo", "bar", "title", "http", "//example.org"])
        );
        assert_eq!(q.phrases, strings(&["graph nets"]));
        assert!(q.filters.is_empty());
    }

    #[test]
    fn punctuation_only_items_are_dropped() {
        let q = parse(r#"- -- "" " " !!! -"?" x"#);
        assert_eq!(q.terms, strings(&["x"]));
        assert!(q.phrases.is_empty());
        assert!(q.excluded.is_empty());
        assert!(parse("  ").is_empty());
        assert!(parse("- \"\"").is_empty());
    }

    #[test]
    fn hyphenated_words_are_not_exclusions() {
        let q = parse("self-supervised -non-convex");
        assert_eq!(q.terms, strings(&["self-supervised"]));
        assert_eq!(q.excluded, strings(&["non-convex"]));
    }

    #[test]
    fn quote_inside_a_word_starts_a_phrase() {
        let q = parse(r#"abc"def ghi" jkl"#);
        assert_eq!(q.terms, strings(&["abc", "jkl"]));
        assert_eq!(q.phrases, strings(&["def ghi"]));
    }

    #[test]
    fn length_limit() {
        let ok = "a".repeat(MAX_QUERY_CHARS);
        assert!(parse_query(&ok).is_ok());
        // Characters, not bytes.
        assert!(parse_query(&"é".repeat(MAX_QUERY_CHARS)).is_ok());
        let err = parse_query(&"a".repeat(MAX_QUERY_CHARS + 1)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "query is 1001 characters long; the limit is 1000"
        );
    }

    #[test]
    fn filters_only_query() {
        let q = parse("author:swersky");
        assert!(!q.is_empty());
        assert!(!q.has_text());
        assert_eq!(q.text(), "");
    }

    /// Pieces of the syntax, so random queries hit the interesting paths.
    fn query_piece() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("-".to_string()),
            Just("\"".to_string()),
            Just(":".to_string()),
            Just("..".to_string()),
            Just(" ".to_string()),
            Just("author:".to_string()),
            Just("YEAR:".to_string()),
            Just("venue:".to_string()),
            Just("source:".to_string()),
            "[0-9]{0,6}",
            "[a-zé]{1,5}",
            any::<char>().prop_map(String::from),
        ]
    }

    proptest! {
        #[test]
        fn never_panics_on_any_string(input in any::<String>()) {
            if let Ok(q) = parse_query(&input) {
                let _ = q.text();
            }
        }

        #[test]
        fn never_panics_on_syntax_soup(pieces in prop::collection::vec(query_piece(), 0..40)) {
            let input = pieces.concat();
            match parse_query(&input) {
                Ok(q) => {
                    for term in &q.terms {
                        prop_assert!(!term.contains(char::is_whitespace));
                    }
                    for item in q.terms.iter().chain(&q.phrases).chain(&q.excluded) {
                        prop_assert!(!item.contains('"'));
                        prop_assert!(item.chars().any(char::is_alphanumeric));
                    }
                }
                Err(e) => prop_assert!(!e.to_string().is_empty()),
            }
        }
    }
}
