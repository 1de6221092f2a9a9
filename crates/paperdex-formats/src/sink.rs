use crate::text::LineIndex;
use crate::Parsed;
use paperdex_model::{Format, RecordError, RecordFields, SourceRecord};

/// The largest record kept, in bytes of its verbatim text. Real records
/// are a few kilobytes; ten thousand authors fit well within it.
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// Collects one file's records and errors, numbering them and turning byte
/// offsets into lines, so every reader reports positions the same way.
pub(crate) struct Sink<'a> {
    pub file: &'a str,
    pub format: Format,
    pub text: &'a str,
    lines: LineIndex,
    next_index: usize,
    records: Vec<SourceRecord>,
    errors: Vec<RecordError>,
}

impl<'a> Sink<'a> {
    pub fn new(file: &'a str, format: Format, text: &'a str) -> Self {
        Sink {
            file,
            format,
            text,
            lines: LineIndex::new(text),
            next_index: 0,
            records: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        self.lines.line_of(offset)
    }

    /// Adds a record whose raw text is `text[start..end]`, trimmed of
    /// surrounding whitespace.
    pub fn record(&mut self, start: usize, end: usize, fields: RecordFields) {
        let (start, end) = trim_span(self.text, start, end);
        if end - start > MAX_RECORD_BYTES {
            // Stored verbatim, indexed and embedded, a record this large would
            // cost memory many times its size downstream.
            self.record_error(
                start,
                format!(
                    "record is {} bytes long; the limit is {MAX_RECORD_BYTES} bytes",
                    end - start
                ),
            );
            return;
        }
        let index = self.take_index();
        self.records.push(SourceRecord {
            format: self.format,
            file: self.file.to_string(),
            line: self.lines.line_of(start),
            index,
            raw: self.text[start..end].to_string(),
            fields,
        });
    }

    /// Records that the record starting at byte `start` could not be read.
    /// It takes a record index, so the records after it keep their places.
    pub fn record_error(&mut self, start: usize, message: impl Into<String>) {
        let (start, _) = trim_span(self.text, start, self.text.len());
        let index = self.take_index();
        self.errors.push(RecordError {
            file: self.file.to_string(),
            line: Some(self.lines.line_of(start)),
            index: Some(index),
            message: message.into(),
        });
    }

    /// A problem that belongs to no record (such as junk after the last one).
    pub fn file_error(&mut self, line: Option<usize>, message: impl Into<String>) {
        self.errors.push(RecordError {
            file: self.file.to_string(),
            line,
            index: None,
            message: message.into(),
        });
    }

    fn take_index(&mut self) -> usize {
        let index = self.next_index;
        self.next_index += 1;
        index
    }

    pub fn finish(self) -> Parsed {
        Parsed {
            format: self.format,
            records: self.records,
            errors: self.errors,
        }
    }
}

fn trim_span(text: &str, start: usize, end: usize) -> (usize, usize) {
    let slice = &text[start..end];
    let trimmed_start = slice.trim_start();
    let new_start = start + (slice.len() - trimmed_start.len());
    let new_end = new_start + trimmed_start.trim_end().len();
    (new_start, new_end)
}
