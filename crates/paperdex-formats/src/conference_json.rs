//! Conference accepted-paper lists: a JSON array of objects with `title`,
//! `author` ("A; B; C"), `abstract`, links, a `bibtex` entry, `gs_citation`
//! and more. Unknown fields are ignored, since each venue's list adds its own.
//!
//! The array is read element by element as raw JSON, so each record keeps its
//! exact text and a malformed element (a title that is a number, a record
//! with neither title nor abstract) becomes a [`RecordError`] naming the
//! field while the other elements still parse. A syntax error stops the read
//! there, keeping the elements before it.
//!
//! [`RecordError`]: paperdex_model::RecordError

use crate::error::FormatError;
use crate::sink::Sink;
use crate::text::{collapse_ws, leading_year, non_empty};
use paperdex_model::{normalize_doi, ArxivId, Link, RecordFields};
use serde::de::{Deserializer as _, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::fmt;

pub(crate) fn parse(sink: &mut Sink) -> Result<(), FormatError> {
    let text = sink.text;
    let head = text.trim_start();
    if !head.starts_with('[') {
        return Err(FormatError::NotJsonArray {
            file: sink.file.to_string(),
            found: describe(head).to_string(),
        });
    }
    let (venue, venue_year) = venue_from_file_name(sink.file).unzip();

    let mut elements: Vec<&RawValue> = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    let result = de
        .deserialize_seq(CollectElements(&mut elements))
        .and_then(|()| de.end());

    for raw in &elements {
        let json = raw.get();
        let start = json.as_ptr() as usize - text.as_ptr() as usize;
        match read_element(json) {
            Ok(mut fields) => {
                if venue.is_some() {
                    fields.venue.clone_from(&venue);
                    fields.year = venue_year.flatten().or(fields.year);
                }
                sink.record(start, start + json.len(), fields);
            }
            Err(message) => sink.record_error(start, message),
        }
    }
    if let Err(e) = result {
        // The file is an array, so a syntax error loses only the element
        // being read and those after it, not the file. That element starts
        // after the last one read.
        let after_last = elements.last().map_or_else(
            || text.len() - head.len() + 1,
            |raw| raw.get().as_ptr() as usize - text.as_ptr() as usize + raw.get().len(),
        );
        let rest = &text[after_last..];
        let broken =
            after_last + (rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n', ',']).len());
        sink.record_error(broken.min(text.len()), format!("invalid json: {e}"));
    }
    Ok(())
}

fn describe(head: &str) -> &'static str {
    match head.chars().next() {
        None => "nothing",
        Some('{') => "an object",
        Some('"') => "a string",
        Some('t' | 'f') => "a boolean",
        Some('n') => "null",
        Some(c) if c == '-' || c.is_ascii_digit() => "a number",
        Some(_) => "text that is not json",
    }
}

/// Collects the array's elements as raw JSON into a vector the caller owns,
/// so the elements read before a syntax error survive it.
struct CollectElements<'v, 'de>(&'v mut Vec<&'de RawValue>);

impl<'de> Visitor<'de> for CollectElements<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a json array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(element) = seq.next_element::<&'de RawValue>()? {
            self.0.push(element);
        }
        Ok(())
    }
}

/// The fields paperdex reads, each kept raw so a value of the wrong type is
/// reported with its field's name.
#[derive(Deserialize)]
struct Element<'a> {
    #[serde(borrow)]
    title: Option<&'a RawValue>,
    #[serde(borrow)]
    author: Option<&'a RawValue>,
    #[serde(borrow, rename = "abstract")]
    abstract_text: Option<&'a RawValue>,
    #[serde(borrow)]
    site: Option<&'a RawValue>,
    #[serde(borrow)]
    pdf: Option<&'a RawValue>,
    #[serde(borrow)]
    supp: Option<&'a RawValue>,
    #[serde(borrow)]
    github: Option<&'a RawValue>,
    #[serde(borrow)]
    project: Option<&'a RawValue>,
    #[serde(borrow)]
    oa: Option<&'a RawValue>,
    #[serde(borrow)]
    bibtex: Option<&'a RawValue>,
    #[serde(borrow)]
    gs_citation: Option<&'a RawValue>,
    #[serde(borrow)]
    status: Option<&'a RawValue>,
    #[serde(borrow)]
    track: Option<&'a RawValue>,
    #[serde(borrow)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    tldr: Option<&'a RawValue>,
    #[serde(borrow)]
    keywords: Option<&'a RawValue>,
    #[serde(borrow)]
    doi: Option<&'a RawValue>,
}

const LINK_FIELDS: [(&str, &str); 6] = [
    ("site", "site"),
    ("pdf", "pdf"),
    ("supp", "supp"),
    ("github", "code"),
    ("project", "project"),
    ("oa", "oa"),
];

fn read_element(json: &str) -> Result<RecordFields, String> {
    if !json.starts_with('{') {
        return Err(format!("record is {}, not an object", describe(json)));
    }
    let el: Element = serde_json::from_str(json).map_err(|e| {
        // serde names the field for duplicates and unknown variants; strip
        // its position, which is relative to the element.
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        format!("unreadable record: {msg}")
    })?;

    let title = string(el.title, "title")?.map(|t| collapse_ws(&t));
    let abstract_text = string(el.abstract_text, "abstract")?;
    if title.is_none() && abstract_text.is_none() {
        return Err("field `title`: record has neither a title nor an abstract".to_string());
    }
    let authors = list(el.author, "author")?;
    let bibtex = string(el.bibtex, "bibtex")?;

    let mut links = Vec::new();
    let link_values = [el.site, el.pdf, el.supp, el.github, el.project, el.oa];
    for ((name, kind), value) in LINK_FIELDS.iter().zip(link_values) {
        if let Some(url) = string(value, name)? {
            if !links.iter().any(|l: &Link| l.url == url && l.kind == *kind) {
                links.push(Link {
                    kind: kind.to_string(),
                    url,
                });
            }
        }
    }
    let arxiv_id = links.iter().find_map(|l| arxiv_id_in_url(&l.url));

    let mut doi = string(el.doi, "doi")?.as_deref().and_then(normalize_doi);
    let mut year = None;
    let mut venue = None;
    if let Some(bib) = bibtex.as_deref() {
        let [bib_year, booktitle, journal, bib_doi] =
            bibtex_fields(bib, ["year", "booktitle", "journal", "doi"]);
        year = bib_year.as_deref().and_then(leading_year);
        venue = booktitle
            .or(journal)
            .map(|v| collapse_ws(&v))
            .filter(|v| !v.is_empty());
        if doi.is_none() {
            doi = bib_doi.as_deref().and_then(normalize_doi);
        }
    }

    let status = string(el.status, "status")?;
    let track = string(el.track, "track")?.filter(|t| !t.eq_ignore_ascii_case("main"));
    let comments = match (status, track) {
        (Some(s), Some(t)) => Some(format!("{s} ({t} track)")),
        (Some(s), None) => Some(s),
        (None, Some(t)) => Some(format!("{t} track")),
        (None, None) => None,
    };

    Ok(RecordFields {
        title,
        authors,
        abstract_text,
        tldr: string(el.tldr, "tldr")?,
        arxiv_id,
        doi,
        venue,
        year,
        categories: list(el.keywords, "keywords")?,
        comments,
        links,
        citation_count: count(el.gs_citation, "gs_citation")?,
        source_key: key(el.id, "id")?,
        bibtex,
        ..Default::default()
    })
}

/// A string field; `null`, absent and blank are all `None`.
fn string(value: Option<&RawValue>, name: &str) -> Result<Option<String>, String> {
    let Some(value) = value else { return Ok(None) };
    let json = value.get();
    if json == "null" {
        return Ok(None);
    }
    if !json.starts_with('"') {
        return Err(format!(
            "field `{name}`: expected a string, found {}",
            describe(json)
        ));
    }
    let s = if json.contains('\\') {
        serde_json::from_str::<String>(json).map_err(|e| format!("field `{name}`: {e}"))?
    } else {
        // No escapes: the text between the quotes is the value.
        json[1..json.len() - 1].to_string()
    };
    Ok(non_empty(&s))
}

/// A list given as one string ("A; B; C") or as an array of strings.
fn list(value: Option<&RawValue>, name: &str) -> Result<Vec<String>, String> {
    let Some(value) = value else {
        return Ok(Vec::new());
    };
    let json = value.get();
    if json.starts_with('[') {
        let items: Vec<Option<String>> = serde_json::from_str(json)
            .map_err(|_| format!("field `{name}`: expected a list of strings"))?;
        return Ok(items
            .into_iter()
            .flatten()
            .filter_map(|s| non_empty(&s))
            .collect());
    }
    let Some(s) = string(Some(value), name)? else {
        return Ok(Vec::new());
    };
    let sep = if s.contains(';') { ';' } else { ',' };
    Ok(s.split(sep).filter_map(non_empty).collect())
}

/// A count; negative numbers mean "unknown" in these lists.
fn count(value: Option<&RawValue>, name: &str) -> Result<Option<i64>, String> {
    let Some(value) = value else { return Ok(None) };
    let json = value.get().trim_matches('"');
    if json == "null" || json.is_empty() {
        return Ok(None);
    }
    let n: i64 = json
        .parse()
        .map_err(|_| format!("field `{name}`: expected a whole number, found {json}"))?;
    Ok((n >= 0).then_some(n))
}

/// An id given as a string or a number.
fn key(value: Option<&RawValue>, name: &str) -> Result<Option<String>, String> {
    let Some(value) = value else { return Ok(None) };
    let json = value.get();
    if json.starts_with('-') || json.starts_with(|c: char| c.is_ascii_digit()) {
        return Ok(Some(json.to_string()));
    }
    string(Some(value), name)
}

fn arxiv_id_in_url(url: &str) -> Option<ArxivId> {
    ["arxiv.org/abs/", "arxiv.org/pdf/"]
        .iter()
        .find_map(|marker| {
            let at = url.find(marker)? + marker.len();
            ArxivId::parse_prefix(&url[at..]).map(|(id, _)| id)
        })
}

/// The venue named by a file such as `nips2018.json` or `icml2013.json`,
/// with its year.
pub fn venue_from_file_name(file: &str) -> Option<(String, Option<i32>)> {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let stem = base.split('.').next().unwrap_or(base);
    let split = stem.find(|c: char| c.is_ascii_digit())?;
    let (name, digits) = stem.split_at(split);
    let name = name.trim_end_matches(['_', '-']);
    if name.is_empty()
        || name.len() > 12
        || !name.bytes().all(|b| b.is_ascii_alphabetic())
        || digits.len() != 4
        || !digits.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let year = leading_year(digits)?;
    let venue = match name.to_ascii_lowercase().as_str() {
        "nips" | "neurips" => "NeurIPS".to_string(),
        "corl" => "CoRL".to_string(),
        other => other.to_ascii_uppercase(),
    };
    Some((format!("{venue} {year}"), Some(year)))
}

/// The values of the named fields of a BibTeX entry (braced, quoted or bare,
/// braces removed), in the order of `names`. A single scan, not a parser:
/// conference lists carry one entry per paper and need only a few fields, so
/// this is much cheaper than the full BibTeX reader on 11,000 entries.
pub(crate) fn bibtex_fields<const N: usize>(entry: &str, names: [&str; N]) -> [Option<String>; N] {
    let mut out: [Option<String>; N] = std::array::from_fn(|_| None);
    let bytes = entry.as_bytes();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut i = 0;
    while i < bytes.len() {
        if depth >= 2 {
            // Inside a nested value only braces and escapes matter: jump to
            // the next one rather than step through long abstracts.
            match memchr::memchr3(b'{', b'}', b'\\', &bytes[i..]) {
                Some(found) => i += found,
                None => break,
            }
        }
        match bytes[i] {
            b'\\' => i += 1,
            b'{' => depth += 1,
            b'}' => depth = depth.saturating_sub(1),
            b'"' if depth == 1 => quoted = !quoted,
            b'=' if depth == 1 && !quoted => {
                let before = entry[..i].trim_end();
                // The field name: the run of name characters before `=`.
                // Found by characters, not bytes: what precedes it may be any
                // character (a byte-order mark, an accent) of several bytes.
                let name_start = before
                    .char_indices()
                    .rev()
                    .take_while(|&(_, c)| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                    .last()
                    .map_or(before.len(), |(p, _)| p);
                let name = &before[name_start..];
                if let Some(slot) = names.iter().position(|n| n.eq_ignore_ascii_case(name)) {
                    let (value, used) = field_value(&entry[i + 1..]);
                    if out[slot].is_none() {
                        out[slot] = Some(value);
                    }
                    i += 1 + used;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// A field value at the start of `s` (after `=`), and the bytes it spans.
fn field_value(s: &str) -> (String, usize) {
    let lead = s.len() - s.trim_start().len();
    let v = &s[lead..];
    let (inner, used) = match v.as_bytes().first() {
        Some(b'{') => {
            let mut depth = 0usize;
            let mut end = v.len();
            let b = v.as_bytes();
            let mut k = 0;
            while k < b.len() {
                match b[k] {
                    b'\\' => k += 1,
                    b'{' => depth += 1,
                    b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = k;
                            break;
                        }
                    }
                    _ => {}
                }
                k += 1;
            }
            (&v[1..end.max(1)], (end + 1).min(v.len()))
        }
        Some(b'"') => {
            let end = v[1..].find('"').map_or(v.len(), |e| e + 1);
            (&v[1..end], (end + 1).min(v.len()))
        }
        _ => {
            let end = v.find([',', '}', '\n']).unwrap_or(v.len());
            (&v[..end], end)
        }
    };
    (
        inner.replace(['{', '}'], "").trim().to_string(),
        lead + used,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_str;
    use paperdex_model::Format;

    #[test]
    fn file_names_name_venues() {
        assert_eq!(
            venue_from_file_name("../corpus/nips2018.json"),
            Some(("NeurIPS 2018".to_string(), Some(2018)))
        );
        assert_eq!(
            venue_from_file_name("icml2013.json"),
            Some(("ICML 2013".to_string(), Some(2013)))
        );
        assert_eq!(venue_from_file_name("papers.json"), None);
        assert_eq!(venue_from_file_name("list-20180.json"), None);
    }

    #[test]
    fn bibtex_fields_are_found_by_name_not_by_substring() {
        let bib = "@inproceedings{K,\n title = {A {B}ook = title},\n url = {http://x.org/?a=b},\n booktitle = {Proc. of X},\n year = 2019,\n note = \"a=b\",\n DOI = \"10.1/ABC\"\n}";
        let [title, booktitle, year, doi, journal, a] =
            bibtex_fields(bib, ["title", "booktitle", "year", "doi", "journal", "a"]);
        assert_eq!(title.as_deref(), Some("A Book = title"));
        assert_eq!(booktitle.as_deref(), Some("Proc. of X"));
        assert_eq!(year.as_deref(), Some("2019"));
        assert_eq!(doi.as_deref(), Some("10.1/ABC"));
        assert_eq!(journal, None);
        assert_eq!(a, None);
        // A cut-off entry yields what it has.
        let [year] = bibtex_fields("@misc{k, year = {20", ["year"]);
        assert_eq!(year.as_deref(), Some("20"));
    }

    #[test]
    fn a_malformed_element_costs_only_itself() {
        let text = r#"[
 {"title": "Good one", "author": "A B; C D", "abstract": "Text.", "gs_citation": -1,
  "github": "https://github.com/x/y", "extra_unknown": {"nested": [1, 2]}, "id": 17},
 {"title": 42, "abstract": "Bad title."},
 {"status": "Poster"},
 "not an object",
 {"title": "Last", "keywords": ["a", "b"], "pdf": "https://arxiv.org/pdf/2006.16239v1.pdf",
  "bibtex": "@article{k, journal = {JMLR}, year = {2020}, doi = {10.5555/X}}"}
]"#;
        let p = parse_str("list.json", text, Format::ConferenceJson).unwrap();
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.errors.len(), 3);
        let r = &p.records[0];
        assert_eq!(r.fields.authors, ["A B", "C D"]);
        assert_eq!(r.fields.citation_count, None);
        assert_eq!(r.fields.source_key.as_deref(), Some("17"));
        assert_eq!(r.fields.links[0].kind, "code");
        assert_eq!(r.line, 2);
        assert!(r.raw.starts_with("{\"title\": \"Good one\"") && r.raw.ends_with("\"id\": 17}"));
        let e = &p.errors[0];
        assert_eq!((e.index, e.line), (Some(1), Some(4)));
        assert!(
            e.message.contains("`title`") && e.message.contains("number"),
            "{}",
            e.message
        );
        assert_eq!((p.errors[1].index, p.errors[1].line), (Some(2), Some(5)));
        assert!(p.errors[1].message.contains("neither"));
        assert_eq!(p.errors[2].index, Some(3));
        let last = &p.records[1];
        assert_eq!(last.index, 4);
        assert_eq!(last.fields.categories, ["a", "b"]);
        assert_eq!(last.fields.arxiv_id.as_ref().unwrap().id, "2006.16239");
        assert_eq!(last.fields.venue.as_deref(), Some("JMLR"));
        assert_eq!(last.fields.year, Some(2020));
        assert_eq!(last.fields.doi.as_deref(), Some("10.5555/x"));
    }

    #[test]
    fn a_truncated_array_keeps_the_elements_before_the_cut() {
        let text = "[\n{\"title\": \"One\"},\n{\"title\": \"Two\"},\n{\n  \"title\": \"Th";
        let p = parse_str("nips2001.json", text, Format::ConferenceJson).unwrap();
        assert_eq!(p.records.len(), 2);
        assert_eq!(p.records[1].fields.venue.as_deref(), Some("NeurIPS 2001"));
        assert_eq!(p.errors.len(), 1);
        assert_eq!((p.errors[0].index, p.errors[0].line), (Some(2), Some(4)));
        assert!(p.errors[0].message.starts_with("invalid json: "));
        let p = parse_str("x.json", "[{\"title\": ", Format::ConferenceJson).unwrap();
        assert_eq!((p.records.len(), p.errors[0].line), (0, Some(1)));
    }

    #[test]
    fn a_file_that_is_not_an_array_is_refused() {
        for (text, found) in [
            ("{\"a\": 1}", "an object"),
            ("", "nothing"),
            ("12", "a number"),
        ] {
            let err = parse_str("x.json", text, Format::ConferenceJson).unwrap_err();
            assert_eq!(
                err,
                FormatError::NotJsonArray {
                    file: "x.json".into(),
                    found: found.into()
                }
            );
            assert!(err.to_string().starts_with("x.json: "));
        }
    }
}
