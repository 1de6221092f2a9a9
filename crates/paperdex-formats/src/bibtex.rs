//! BibTeX files, parsed with the `biblatex` crate, which resolves `@string`
//! macros, removes protective braces and turns LaTeX accents (`{\"o}`, `\'e`,
//! `{\ss}`) into Unicode.
//!
//! That crate rejects a whole file for one bad entry, so the file is first
//! split into entries here (at top-level `@type{` boundaries, tracking brace
//! depth) and each entry is parsed on its own, with the file's `@string`
//! definitions put before it: a malformed entry becomes a [`RecordError`]
//! naming its line, and the others still parse.
//!
//! [`RecordError`]: paperdex_model::RecordError

use crate::detect::{char_floor, is_entry_start};
use crate::sink::{Sink, MAX_RECORD_BYTES};
use crate::text::{collapse_ws, leading_iso_date, leading_year, month_number};
use biblatex::{Bibliography, ChunksExt, Entry, Person};
use paperdex_model::{normalize_doi, ArxivId, Link, RecordFields};

/// Braces nested deeper than this make an entry unreadable. Real entries
/// nest a few levels (`{{NASA}}`, `{\"{o}}`); the BibTeX parser's work grows
/// with the square of the depth, so a hostile file could stall it.
pub(crate) const MAX_BRACE_DEPTH: usize = 64;

/// At most this many `@string` macros are defined per file, taking at most
/// [`MAX_MACRO_BYTES`] together.
pub(crate) const MAX_MACROS: usize = 256;
/// See [`MAX_MACROS`].
pub(crate) const MAX_MACRO_BYTES: usize = 64 << 10;

/// One `@type{...}` entry as it stands in the file.
#[derive(Debug)]
pub(crate) struct RawEntry<'a> {
    /// The entry type, lower case (`article`, `string`, ...).
    pub kind: String,
    pub start: usize,
    pub text: &'a str,
    /// False when the file ends, or the next entry starts, before the
    /// entry's closing delimiter.
    pub closed: bool,
    /// The deepest brace nesting inside the entry.
    pub depth: usize,
}

impl RawEntry<'_> {
    fn key(&self) -> Option<&str> {
        let open = self.text.find(['{', '('])?;
        let rest = &self.text[open + 1..];
        let key = rest[..rest.find([',', '\n', '}', ')']).unwrap_or(rest.len())].trim();
        // A key is a short word; a runaway one is cut for messages.
        let key = &key[..char_floor(key, 80)];
        (!key.is_empty()).then_some(key)
    }
}

/// Splits a file into its entries. Text between entries is a comment in
/// BibTeX and is skipped, as are `%` comment lines.
pub(crate) fn split_entries(text: &str) -> Vec<RawEntry<'_>> {
    let bytes = text.as_bytes();
    let mut entries = Vec::new();
    let mut i = 0;
    // The start of the line holding `at`, found by scanning only the text
    // since the previous `@`: a long line full of `@` stays linear.
    let (mut line_start, mut scanned) = (0, 0);
    while let Some(found) = memchr::memchr(b'@', &bytes[i..]) {
        let at = i + found;
        i = at + 1;
        if let Some(p) = memchr::memrchr(b'\n', &bytes[scanned..at]) {
            line_start = scanned + p + 1;
        }
        scanned = at;
        if text[line_start..at].trim_start().starts_with('%') {
            continue;
        }
        let ident = bytes[at + 1..]
            .iter()
            .take_while(|b| b.is_ascii_alphabetic())
            .count();
        let mut open = at + 1 + ident;
        while open < bytes.len() && bytes[open].is_ascii_whitespace() {
            open += 1;
        }
        if ident == 0 || open >= bytes.len() || !matches!(bytes[open], b'{' | b'(') {
            continue;
        }
        let (end, closed, depth) = entry_end(text, open);
        entries.push(RawEntry {
            kind: text[at + 1..at + 1 + ident].to_ascii_lowercase(),
            start: at,
            text: &text[at..end],
            closed,
            depth,
        });
        i = end;
    }
    entries
}

/// The end of the entry whose delimiter is at `open`, whether it closed,
/// and its deepest brace nesting.
fn entry_end(text: &str, open: usize) -> (usize, bool, usize) {
    let bytes = text.as_bytes();
    let paren = bytes[open] == b'(';
    let mut depth: usize = if paren { 0 } else { 1 };
    let mut deepest = depth;
    let mut k = open + 1;
    while k < bytes.len() {
        match bytes[k] {
            b'\\' => k += 1,
            b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 && !paren {
                    return (k + 1, true, deepest);
                }
            }
            b')' if paren && depth == 0 => return (k + 1, true, deepest),
            // An entry that reaches the start of another was never closed:
            // end it there rather than swallow the rest of the file.
            b'\n' if is_entry_start(text[k + 1..].lines().next().unwrap_or("")) => {
                return (k, false, deepest)
            }
            _ => {}
        }
        k += 1;
    }
    (text.len(), false, deepest)
}

pub(crate) fn parse(sink: &mut Sink) {
    let entries = split_entries(sink.text);
    // Macros are defined file-wide; each must parse on top of the earlier ones.
    // Every entry is parsed with all the macros before it, so their number
    // and size are bounded: real files define a few dozen.
    let mut strings = String::new();
    let mut macros = 0;
    for e in entries.iter().filter(|e| e.kind == "string" && e.closed) {
        if macros == MAX_MACROS || strings.len() + e.text.len() > MAX_MACRO_BYTES {
            sink.file_error(
                Some(sink.line_of(e.start)),
                format!(
                    "too many @string macros (limit {MAX_MACROS}, {MAX_MACRO_BYTES} bytes): this one and later ones are ignored"
                ),
            );
            break;
        }
        let candidate = format!("{strings}{}\n", e.text);
        if e.depth <= MAX_BRACE_DEPTH && Bibliography::parse(&candidate).is_ok() {
            strings = candidate;
            macros += 1;
        }
    }
    for entry in entries
        .iter()
        .filter(|e| !matches!(e.kind.as_str(), "string" | "comment" | "preamble"))
    {
        match read_entry(entry, &strings) {
            Ok(fields) => sink.record(entry.start, entry.start + entry.text.len(), fields),
            Err((offset, message)) => {
                let line = sink.line_of(entry.start + offset);
                let start_line = sink.line_of(entry.start);
                let message = if line == start_line {
                    message
                } else {
                    format!("{message} (line {line})")
                };
                sink.record_error(entry.start, message);
            }
        }
    }
}

/// The entry's fields, or the offset in the entry and text of what is wrong.
fn read_entry(raw: &RawEntry, strings: &str) -> Result<RecordFields, (usize, String)> {
    let key = raw.key().unwrap_or("?");
    // Real entries are a few kilobytes even with an abstract; a larger one
    // is refused with its line rather than parsed in memory several times
    // its size.
    if raw.text.len() > MAX_RECORD_BYTES {
        return Err((
            0,
            format!(
                "bibtex entry `{key}` is {} bytes long; the limit is {MAX_RECORD_BYTES}",
                raw.text.len()
            ),
        ));
    }
    if raw.depth > MAX_BRACE_DEPTH {
        return Err((
            0,
            format!(
                "bibtex entry `{key}`: braces nested {} deep; the limit is {MAX_BRACE_DEPTH}",
                raw.depth
            ),
        ));
    }
    let src = format!("{strings}{}", raw.text);
    let bib = Bibliography::parse(&src).map_err(|e| {
        let offset = e
            .span
            .start
            .saturating_sub(strings.len())
            .min(raw.text.len());
        let mut message = format!("bibtex entry `{key}`: {}", e.kind);
        if !raw.closed {
            message.push_str(" (the entry is never closed)");
        } else if let Some(field) = field_at(raw.text, offset) {
            message = format!("bibtex entry `{key}`, field `{field}`: {}", e.kind);
        }
        (offset, message)
    })?;
    let entry = bib
        .iter()
        .next()
        .ok_or_else(|| (0, format!("bibtex entry `{key}`: no entry could be read")))?;
    Ok(fields(entry, raw.text))
}

/// The name of the field whose value contains `offset`, if any.
fn field_at(entry: &str, offset: usize) -> Option<String> {
    let before = &entry[..offset.min(entry.len())];
    let eq = before.rfind('=')?;
    let name: String = before[..eq]
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    (!name.is_empty()).then(|| name.to_ascii_lowercase())
}

fn get(entry: &Entry, names: &[&str]) -> Option<String> {
    names
        .iter()
        .filter_map(|n| entry.get(n))
        .map(|chunks| collapse_ws(&chunks.format_verbatim()))
        .find(|v| !v.is_empty())
}

fn display_name(p: &Person) -> String {
    let parts = [&p.given_name, &p.prefix, &p.name, &p.suffix];
    collapse_ws(
        &parts
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    )
}

fn fields(entry: &Entry, raw: &str) -> RecordFields {
    let authors = match entry.author() {
        Ok(people) => people
            .iter()
            .map(display_name)
            .filter(|n| !n.is_empty())
            .collect(),
        Err(_) => get(entry, &["author"])
            .map(|a| {
                a.split(" and ")
                    .map(collapse_ws)
                    .filter(|n| !n.is_empty())
                    .collect()
            })
            .unwrap_or_default(),
    };
    let year = get(entry, &["year"])
        .as_deref()
        .and_then(leading_year)
        .or_else(|| get(entry, &["date"]).as_deref().and_then(leading_year));
    let date = get(entry, &["date"])
        .as_deref()
        .and_then(leading_iso_date)
        .or_else(|| {
            let month = get(entry, &["month"]).as_deref().and_then(month_number)?;
            Some(format!("{:04}-{month:02}", year?))
        });
    let venue = get(entry, &["journal", "journaltitle", "booktitle"]);
    let url = get(entry, &["url"]);

    let archive = get(entry, &["archiveprefix", "eprinttype"]).unwrap_or_default();
    let arxiv_id = get(entry, &["eprint"])
        .filter(|e| {
            archive.eq_ignore_ascii_case("arxiv") || e.to_ascii_lowercase().starts_with("arxiv:")
        })
        .and_then(|e| ArxivId::parse(&e))
        .or_else(|| {
            [
                venue.as_deref(),
                url.as_deref(),
                get(entry, &["note"]).as_deref(),
            ]
            .into_iter()
            .flatten()
            .find_map(arxiv_id_in)
        });

    let links = url
        .map(|url| {
            let kind = if url.contains("arxiv.org/abs/") {
                "abs"
            } else if url.to_ascii_lowercase().ends_with(".pdf") {
                "pdf"
            } else {
                "site"
            };
            Link {
                kind: kind.to_string(),
                url,
            }
        })
        .into_iter()
        .collect();

    RecordFields {
        title: get(entry, &["title"]),
        authors,
        abstract_text: get(entry, &["abstract"]),
        arxiv_id,
        doi: get(entry, &["doi"]).as_deref().and_then(normalize_doi),
        venue,
        year,
        date,
        categories: get(entry, &["keywords"])
            .map(|k| {
                k.split([',', ';'])
                    .map(str::trim)
                    .filter(|k| !k.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        comments: get(entry, &["note"]),
        links,
        source_key: Some(entry.key.clone()),
        bibtex: Some(raw.to_string()),
        ..Default::default()
    }
}

/// An arXiv id mentioned in free text ("arXiv preprint arXiv:2006.16239",
/// `https://arxiv.org/abs/2006.16239`).
fn arxiv_id_in(text: &str) -> Option<ArxivId> {
    let lower = text.to_ascii_lowercase();
    ["arxiv.org/abs/", "arxiv.org/pdf/", "arxiv:"]
        .iter()
        .filter_map(|marker| lower.find(marker).map(|at| at + marker.len()))
        .find_map(|at| ArxivId::parse_prefix(&text[at..]).map(|(id, _)| id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_str;
    use paperdex_model::Format;

    #[test]
    fn splits_entries_at_top_level_only() {
        let text = "% @article{commented, title={x}}\nfree text foo@bar.com\n@string{jmlr = \"JMLR\"}\n@article{a,\n  title = {With {nested} braces and an @ sign},\n}\n@misc(b, note = {(paren)})\n@book{c, title = {never closed}\n@misc{d, title={after}}";
        let e = split_entries(text);
        let kinds: Vec<_> = e.iter().map(|e| (e.kind.as_str(), e.closed)).collect();
        assert_eq!(
            kinds,
            [
                ("string", true),
                ("article", true),
                ("misc", true),
                ("book", false),
                ("misc", true)
            ]
        );
        assert_eq!(e[3].text, "@book{c, title = {never closed}");
        assert_eq!(e[2].key(), Some("b"));
    }

    #[test]
    fn a_bad_entry_costs_only_itself() {
        let text = "@string{conf = \"Conf\"}\n\n@article{good1, title = {One}, journal = conf, year = 2001}\n\n@article{bad,\n  title = {Two},\n  journal = undefinedmacro,\n}\n\n@inproceedings{good2, title = {Three}, booktitle = conf # \" 2003\"}\n";
        let p = parse_str("r.bib", text, Format::Bibtex).unwrap();
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.records[0].fields.venue.as_deref(), Some("Conf"));
        assert_eq!(p.records[1].fields.venue.as_deref(), Some("Conf 2003"));
        assert_eq!(p.records[1].index, 2);
        assert_eq!(p.records[1].line, 10);
        assert_eq!(p.errors.len(), 1);
        let e = &p.errors[0];
        assert_eq!((e.index, e.line), (Some(1), Some(5)));
        assert!(
            e.message.contains("`bad`") && e.message.contains("`journal`"),
            "{}",
            e.message
        );
        assert!(e.message.contains("line 7"), "{}", e.message);
    }

    #[test]
    fn names_accents_and_ids() {
        let text = r#"@misc{k,
  author = {Sch{\"o}lkopf, Bernhard and van der Maaten, Laurens and Doe, Jr., John},
  title = {{G}r{\"o}bner {\ss}tra{\ss}e \'ecole for $\ell_1$},
  year = {2020}, month = jun,
  journal = {arXiv preprint arXiv:2006.16239},
  keywords = {ml; vision},
}"#;
        let p = parse_str("r.bib", text, Format::Bibtex).unwrap();
        let f = &p.records[0].fields;
        assert_eq!(
            f.authors,
            [
                "Bernhard Schölkopf",
                "Laurens van der Maaten",
                "John Doe Jr."
            ]
        );
        assert_eq!(
            f.title.as_deref(),
            Some("Gröbner ßtraße école for $\\ell_1$")
        );
        assert_eq!(f.date.as_deref(), Some("2020-06"));
        assert_eq!(f.arxiv_id.as_ref().unwrap().id, "2006.16239");
        assert_eq!(f.categories, ["ml", "vision"]);
        assert_eq!(f.bibtex.as_deref(), Some(text));
    }
}
