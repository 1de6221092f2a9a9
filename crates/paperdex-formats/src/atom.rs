//! arXiv API Atom feeds: one record per `<entry>`.
//!
//! Elements are matched by local name, so the feed may bind the Atom and
//! arXiv namespaces to any prefixes. Author affiliations are not kept:
//! [`RecordFields`] has no place for them, and folding them into comments
//! would make comments disagree between sources for no gain in matching.
//! `<updated>` is not kept either: records carry the publication date.

use crate::error::FormatError;
use crate::sink::Sink;
use crate::text::{collapse_ws, leading_iso_date, leading_year};
use paperdex_model::{normalize_doi, ArxivId, Link, RecordFields};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use quick_xml::XmlVersion;

#[derive(Default)]
struct Entry {
    start: usize,
    id: Option<String>,
    title: Option<String>,
    summary: Option<String>,
    authors: Vec<String>,
    published: Option<String>,
    primary_category: Option<String>,
    categories: Vec<String>,
    comment: Option<String>,
    journal_ref: Option<String>,
    doi: Option<String>,
    links: Vec<Link>,
}

pub(crate) fn parse(sink: &mut Sink) -> Result<(), FormatError> {
    let text = sink.text;
    let mut reader = Reader::from_str(text);
    let mut entry: Option<Entry> = None;
    // Local names of the open elements inside the current entry.
    let mut path: Vec<String> = Vec::new();
    let mut buf = String::new();
    let mut saw_element = false;
    loop {
        let before = reader.buffer_position() as usize;
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let at = (reader.error_position() as usize).min(text.len());
                let message = format!("malformed xml: {e}");
                match entry.take() {
                    Some(open) => sink.record_error(open.start, message),
                    None if !saw_element => {
                        return Err(FormatError::Malformed {
                            file: sink.file.to_string(),
                            format: sink.format,
                            line: sink.line_of(at),
                            message,
                        })
                    }
                    None => sink.file_error(Some(sink.line_of(at)), message),
                }
                return Ok(());
            }
        };
        match event {
            Event::Start(e) => {
                saw_element = true;
                let name = local_name(&e);
                match entry.as_mut() {
                    None if name == "entry" => {
                        entry = Some(Entry {
                            start: before,
                            ..Default::default()
                        });
                        path.clear();
                    }
                    None => {}
                    Some(open) => {
                        open.attributes(&name, &e);
                        if name == "author" {
                            open.authors.push(String::new());
                        }
                        path.push(name);
                        buf.clear();
                    }
                }
            }
            Event::Empty(e) => {
                saw_element = true;
                if let Some(open) = entry.as_mut() {
                    open.attributes(&local_name(&e), &e);
                }
            }
            Event::Text(t) if entry.is_some() => buf.push_str(&t.xml10_content()),
            Event::CData(t) if entry.is_some() => buf.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if entry.is_some() => match r.resolve_char_ref() {
                Ok(Some(c)) => buf.push(c),
                _ => match quick_xml::escape::resolve_xml_entity(&r) {
                    Some(s) => buf.push_str(s),
                    None => {
                        buf.push('&');
                        buf.push_str(&r);
                        buf.push(';');
                    }
                },
            },
            Event::End(e) => {
                let Some(open) = entry.as_mut() else {
                    continue;
                };
                let name = e.local_name().into_inner().to_string();
                if path.is_empty() && name == "entry" {
                    let end = reader.buffer_position() as usize;
                    let done = entry.take().expect("an entry is open");
                    finish(sink, done, end);
                    continue;
                }
                path.pop();
                let parent = path.last().map(String::as_str);
                open.text(&name, parent, &buf);
                buf.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = entry {
        sink.record_error(
            open.start,
            "malformed xml: the feed ends inside this <entry>",
        );
    } else if !saw_element {
        return Err(FormatError::Malformed {
            file: sink.file.to_string(),
            format: sink.format,
            line: 1,
            message: "no xml element found".to_string(),
        });
    }
    Ok(())
}

fn local_name(e: &BytesStart) -> String {
    e.local_name().into_inner().to_string()
}

fn attribute(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().into_inner() == name)
        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok())
        .and_then(|v| crate::text::non_empty(&v))
}

impl Entry {
    fn attributes(&mut self, name: &str, e: &BytesStart) {
        match name {
            "primary_category" => self.primary_category = attribute(e, "term"),
            "category" => self.categories.extend(attribute(e, "term")),
            "link" => {
                let Some(url) = attribute(e, "href") else {
                    return;
                };
                let title = attribute(e, "title");
                let rel = attribute(e, "rel").unwrap_or_else(|| "alternate".to_string());
                let kind = match (title.as_deref(), rel.as_str()) {
                    (Some(t), _) => t.to_ascii_lowercase(),
                    (None, "alternate") => "abs".to_string(),
                    (None, other) => other.to_ascii_lowercase(),
                };
                self.links.push(Link { kind, url });
            }
            _ => {}
        }
    }

    fn text(&mut self, name: &str, parent: Option<&str>, text: &str) {
        let value = collapse_ws(text);
        if value.is_empty() {
            return;
        }
        match (parent, name) {
            (None, "id") => self.id = Some(value),
            (None, "title") => self.title = Some(value),
            (None, "summary") => self.summary = Some(value),
            (None, "published") => self.published = Some(value),
            (None, "comment") => self.comment = Some(value),
            (None, "journal_ref") => self.journal_ref = Some(value),
            (None, "doi") => self.doi = Some(value),
            (Some("author"), "name") => {
                if let Some(last) = self.authors.last_mut() {
                    *last = value;
                }
            }
            _ => {}
        }
    }
}

fn finish(sink: &mut Sink, entry: Entry, end: usize) {
    if entry.id.is_none() && entry.title.is_none() {
        sink.record_error(
            entry.start,
            "field `id`: <entry> has neither an <id> nor a <title>",
        );
        return;
    }
    let arxiv_id = entry.id.as_deref().and_then(ArxivId::parse);
    let mut categories: Vec<String> = Vec::new();
    for c in entry.primary_category.into_iter().chain(entry.categories) {
        if !categories.contains(&c) {
            categories.push(c);
        }
    }
    let fields = RecordFields {
        title: entry.title,
        authors: entry
            .authors
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect(),
        abstract_text: entry.summary,
        arxiv_id,
        doi: entry.doi.as_deref().and_then(normalize_doi),
        venue: entry.journal_ref,
        year: entry.published.as_deref().and_then(leading_year),
        date: entry.published.as_deref().and_then(leading_iso_date),
        categories,
        comments: entry.comment,
        links: entry.links,
        source_key: entry.id,
        ..Default::default()
    };
    sink.record(entry.start, end, fields);
}

#[cfg(test)]
mod tests {
    use crate::parse_str;
    use paperdex_model::Format;

    const FEED: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:a="http://arxiv.org/schemas/atom">
  <title>query</title>
  <entry>
    <id>http://arxiv.org/abs/2101.00001v3</id>
    <title>Fish &amp; Chips:
      a &#x201C;Study&#x201D;</title>
    <summary><![CDATA[Raw <b>text</b>]]> and more</summary>
    <author><name>Jörg Müller</name><a:affiliation>Uni</a:affiliation></author>
    <author><name>Ann Lee</name></author>
    <a:primary_category term="cs.LG"/>
    <category term="cs.LG"/><category term="stat.ML"/>
    <link href="http://arxiv.org/abs/2101.00001v3" rel="alternate" type="text/html"/>
  </entry>
  <entry><summary>No id, no title.</summary></entry>
  <entry><id>http://arxiv.org/abs/2101.00002v1</id><title>Cut
"#;

    #[test]
    fn entries_parse_and_bad_ones_become_errors() {
        let p = parse_str("f.atom", FEED, Format::ArxivAtom).unwrap();
        assert_eq!(p.records.len(), 1);
        let r = &p.records[0];
        assert_eq!(
            r.fields.title.as_deref(),
            Some("Fish & Chips: a \u{201c}Study\u{201d}")
        );
        assert_eq!(
            r.fields.abstract_text.as_deref(),
            Some("Raw <b>text</b> and more")
        );
        assert_eq!(r.fields.authors, ["Jörg Müller", "Ann Lee"]);
        assert_eq!(r.fields.categories, ["cs.LG", "stat.ML"]);
        assert_eq!(r.fields.arxiv_id.as_ref().unwrap().version, Some(3));
        assert_eq!(r.fields.links[0].kind, "abs");
        assert_eq!(r.line, 4);
        assert!(r.raw.starts_with("<entry>") && r.raw.ends_with("</entry>"));
        assert_eq!(p.errors.len(), 2);
        assert_eq!((p.errors[0].index, p.errors[0].line), (Some(1), Some(15)));
        assert_eq!((p.errors[1].index, p.errors[1].line), (Some(2), Some(16)));
    }

    #[test]
    fn text_that_is_not_xml_is_refused() {
        assert!(parse_str("f.atom", "just words", Format::ArxivAtom).is_err());
    }
}
