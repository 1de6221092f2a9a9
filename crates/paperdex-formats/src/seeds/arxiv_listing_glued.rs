//! The arXiv listing copied without line breaks: a record is an abstract
//! line and optional short comment lines, and each following line starts with
//! the record's `arXiv:ID` glued to the first word of the next record's
//! abstract (`arXiv:2102.01723We introduce ...`). The last line is a bare id.
//!
//! A record's raw text therefore runs from the start of its abstract (just
//! after the previous id) to the end of its own id. Text is kept as copied,
//! including words run together where line breaks were lost.

use super::venue_from_comment;
use crate::sink::Sink;
use crate::text::lines;
use paperdex_model::{ArxivId, RecordFields};

/// Lines after the abstract shorter than this are arXiv comments.
const LONG_LINE: usize = 400;

struct Pending<'a> {
    start: usize,
    end: usize,
    abstract_parts: Vec<&'a str>,
    comments: Vec<&'a str>,
}

impl<'a> Pending<'a> {
    fn new(start: usize) -> Self {
        Pending {
            start,
            end: start,
            abstract_parts: Vec::new(),
            comments: Vec::new(),
        }
    }

    fn add_text(&mut self, text: &'a str) {
        if self.abstract_parts.is_empty() || text.chars().count() >= LONG_LINE {
            self.abstract_parts.push(text);
        } else {
            self.comments.push(text);
        }
    }
}

pub(crate) fn parse(sink: &mut Sink) {
    let mut current: Option<Pending> = None;
    for line in lines(sink.text) {
        if line.is_blank() {
            continue;
        }
        let body = line.text.trim();
        let body_start = line.start + (line.text.len() - line.text.trim_start().len());
        let is_id_line = body
            .get(..6)
            .is_some_and(|p| p.eq_ignore_ascii_case("arxiv:"));
        if !is_id_line {
            let rec = current.get_or_insert_with(|| Pending::new(body_start));
            rec.add_text(body);
            rec.end = line.end;
            continue;
        }
        let mut rec = current.take().unwrap_or_else(|| Pending::new(body_start));
        match ArxivId::parse_prefix(body) {
            Some((id, used)) => {
                rec.end = body_start + used;
                emit(sink, rec, Some(id));
                let rest = &body[used..];
                let next = rest.trim();
                if !next.is_empty() {
                    let next_start = body_start + used + (rest.len() - rest.trim_start().len());
                    let mut next_rec = Pending::new(next_start);
                    next_rec.add_text(next);
                    next_rec.end = line.end;
                    current = Some(next_rec);
                }
            }
            None => {
                // A cut or mangled id still ends its record; nothing after it
                // can be told apart from the id, so the next record starts on
                // the next line.
                rec.end = line.end;
                emit(sink, rec, None);
            }
        }
    }
    if let Some(rec) = current {
        emit(sink, rec, None);
    }
}

fn emit(sink: &mut Sink, rec: Pending, id: Option<ArxivId>) {
    let comments = (!rec.comments.is_empty()).then(|| rec.comments.join("\n"));
    let fields = RecordFields {
        abstract_text: (!rec.abstract_parts.is_empty()).then(|| rec.abstract_parts.join("\n\n")),
        venue: comments.as_deref().and_then(venue_from_comment),
        comments,
        arxiv_id: id,
        ..Default::default()
    };
    sink.record(rec.start, rec.end, fields);
}

#[cfg(test)]
mod tests {
    use crate::parse_str;
    use paperdex_model::Format;

    #[test]
    fn ids_belong_to_the_record_before_them() {
        let text = "First abstract.\nPreprint\narXiv:2102.01723We introduce a second.\narXiv:1412.69801 starts the third\narXiv:2001.00001";
        let p = parse_str("g.txt", text, Format::ArxivListingGlued).unwrap();
        assert_eq!(p.records.len(), 3);
        let r0 = &p.records[0];
        assert_eq!(r0.fields.arxiv_id.as_ref().unwrap().id, "2102.01723");
        assert_eq!(r0.fields.comments.as_deref(), Some("Preprint"));
        assert_eq!(r0.raw, "First abstract.\nPreprint\narXiv:2102.01723");
        let r1 = &p.records[1];
        assert_eq!(
            r1.fields.abstract_text.as_deref(),
            Some("We introduce a second.")
        );
        assert_eq!(r1.fields.arxiv_id.as_ref().unwrap().id, "1412.6980");
        assert_eq!(r1.line, 3);
        assert_eq!(r1.raw, "We introduce a second.\narXiv:1412.6980");
        let r2 = &p.records[2];
        assert_eq!(
            r2.fields.abstract_text.as_deref(),
            Some("1 starts the third")
        );
        assert_eq!(r2.fields.arxiv_id.as_ref().unwrap().id, "2001.00001");
    }

    #[test]
    fn a_cut_id_ends_the_record_without_an_id() {
        let text = "First abstract.\narXiv:2102.017";
        let p = parse_str("g.txt", text, Format::ArxivListingGlued).unwrap();
        assert_eq!(p.records.len(), 1);
        assert!(p.records[0].fields.arxiv_id.is_none());
        assert_eq!(p.records[0].raw, text);
    }
}
