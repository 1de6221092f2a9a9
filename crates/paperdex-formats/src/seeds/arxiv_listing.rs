//! The arXiv author listing: per record an abstract paragraph, optional
//! comment paragraphs ("Pre-print", "14 pages,7 figures"), an
//! `arXiv:ID[ - venue]` line and a `Created: YYYY-MM-DD` line.
//!
//! Read line by line: an id line or a `Created:` line ends the record's text
//! part, and any text after them starts the next record. A record may lack any
//! of its parts (a listing cut off mid-record, a paper without comments).

use super::venue_from_comment;
use crate::sink::Sink;
use crate::text::{collapse_ws, leading_iso_date, leading_year, lines};
use paperdex_model::{ArxivId, RecordFields};

/// Paragraphs after the first that are at least this long continue the
/// abstract; shorter ones are arXiv comments, which are a line or two.
const LONG_PARAGRAPH: usize = 400;

#[derive(Default)]
struct Pending<'a> {
    start: usize,
    end: usize,
    paragraphs: Vec<Vec<&'a str>>,
    id_seen: bool,
    id: Option<ArxivId>,
    id_venue: Option<String>,
    id_categories: Vec<String>,
    created: bool,
    date: Option<String>,
}

impl<'a> Pending<'a> {
    fn new(start: usize) -> Self {
        Pending {
            start,
            ..Default::default()
        }
    }

    fn has_tail(&self) -> bool {
        self.id_seen || self.created
    }

    fn set_id_line(&mut self, line: &str) {
        self.id_seen = true;
        let Some((id, used)) = ArxivId::parse_prefix(line) else {
            return;
        };
        self.id = Some(id);
        let rest = line[used..].trim();
        if let Some(venue) = rest.strip_prefix(['-', '–', '—']) {
            self.id_venue = crate::text::non_empty(venue);
        } else if let Some(cat) = rest.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            self.id_categories.extend(crate::text::non_empty(cat));
        }
    }

    fn into_fields(self) -> RecordFields {
        let mut abstract_paras: Vec<String> = Vec::new();
        let mut comments: Vec<String> = Vec::new();
        for (i, para) in self.paragraphs.iter().enumerate() {
            let text = collapse_ws(&para.join("\n"));
            if i == 0 || (comments.is_empty() && text.len() >= LONG_PARAGRAPH) {
                abstract_paras.push(text);
            } else {
                comments.push(text);
            }
        }
        let comments = (!comments.is_empty()).then(|| comments.join("\n"));
        let venue = self
            .id_venue
            .or_else(|| comments.as_deref().and_then(venue_from_comment));
        RecordFields {
            abstract_text: (!abstract_paras.is_empty()).then(|| abstract_paras.join("\n\n")),
            comments,
            arxiv_id: self.id,
            venue,
            year: self.date.as_deref().and_then(leading_year),
            date: self.date,
            categories: self.id_categories,
            ..Default::default()
        }
    }
}

enum Kind {
    Id,
    Created,
    OtherDate,
    Text,
}

fn classify(line: &str) -> Kind {
    let lower = line.get(..9).unwrap_or(line).to_ascii_lowercase();
    if lower.starts_with("arxiv:") {
        Kind::Id
    } else if lower.starts_with("created:") {
        Kind::Created
    } else if lower.starts_with("updated:") || lower.starts_with("submitted") {
        Kind::OtherDate
    } else {
        Kind::Text
    }
}

pub(crate) fn parse(sink: &mut Sink) {
    let mut current: Option<Pending> = None;
    let mut after_blank = false;
    for line in lines(sink.text) {
        if line.is_blank() {
            after_blank = true;
            continue;
        }
        let text = line.text.trim();
        let kind = classify(text);
        let ends_record = match kind {
            Kind::Id => current.as_ref().is_some_and(Pending::has_tail),
            Kind::Created => current.as_ref().is_some_and(|c| c.created),
            Kind::OtherDate => false,
            Kind::Text => current.as_ref().is_some_and(Pending::has_tail),
        };
        if ends_record {
            emit(sink, current.take());
        }
        let rec = current.get_or_insert_with(|| Pending::new(line.start));
        rec.end = line.end;
        match kind {
            Kind::Id => rec.set_id_line(text),
            Kind::Created => {
                rec.created = true;
                rec.date = leading_iso_date(&text["created:".len()..]);
            }
            Kind::OtherDate => {}
            Kind::Text => {
                if after_blank || rec.paragraphs.is_empty() {
                    rec.paragraphs.push(Vec::new());
                }
                if let Some(last) = rec.paragraphs.last_mut() {
                    last.push(text);
                }
            }
        }
        after_blank = false;
    }
    emit(sink, current);
}

fn emit(sink: &mut Sink, pending: Option<Pending>) {
    if let Some(p) = pending {
        let (start, end) = (p.start, p.end);
        sink.record(start, end, p.into_fields());
    }
}

#[cfg(test)]
mod tests {
    use crate::parse_str;
    use paperdex_model::Format;

    const SAMPLE: &str = "First abstract, long enough.\nSecond line of it.\n\nPre-print\n\narXiv:1910.03175\nCreated: 2019-10-07\n\nSecond abstract.\n\narXiv:1906.02589 - Proceedings of ICML, 2019\nCreated: 2019-06-06\n\nThird abstract.\n\nPublished as a conference paper at ICLR 2018. 15 pages\n\narXiv:1803.00676\nCreated: 2018-03-01";

    #[test]
    fn reads_every_part_of_a_record() {
        let p = parse_str("x.txt", SAMPLE, Format::ArxivListing).unwrap();
        assert_eq!(p.records.len(), 3);
        let r = &p.records[0];
        assert_eq!(
            r.fields.abstract_text.as_deref(),
            Some("First abstract, long enough. Second line of it.")
        );
        assert_eq!(r.fields.comments.as_deref(), Some("Pre-print"));
        assert_eq!(r.fields.arxiv_id.as_ref().unwrap().id, "1910.03175");
        assert_eq!(r.fields.date.as_deref(), Some("2019-10-07"));
        assert_eq!(r.fields.year, Some(2019));
        assert_eq!(r.line, 1);
        assert!(r.raw.starts_with("First abstract") && r.raw.ends_with("2019-10-07"));
        assert_eq!(
            p.records[1].fields.venue.as_deref(),
            Some("Proceedings of ICML, 2019")
        );
        assert_eq!(p.records[1].line, 9);
        assert_eq!(p.records[2].fields.venue.as_deref(), Some("ICLR 2018"));
        assert_eq!(p.records[2].index, 2);
    }

    #[test]
    fn records_missing_parts_still_parse() {
        let text = "An abstract without id.\nCreated: 2020-01-01\n\narXiv:2001.00001\n\nTrailing abstract cut off mid";
        let p = parse_str("x.txt", text, Format::ArxivListing).unwrap();
        assert_eq!(p.records.len(), 3);
        assert!(p.records[0].fields.arxiv_id.is_none());
        assert_eq!(p.records[0].fields.date.as_deref(), Some("2020-01-01"));
        assert!(p.records[1].fields.abstract_text.is_none());
        assert_eq!(
            p.records[1].fields.arxiv_id.as_ref().unwrap().id,
            "2001.00001"
        );
        assert_eq!(
            p.records[2].fields.abstract_text.as_deref(),
            Some("Trailing abstract cut off mid")
        );
    }
}
