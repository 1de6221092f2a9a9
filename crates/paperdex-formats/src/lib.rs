//! Readers that turn listing files into [`SourceRecord`]s.
//!
//! [`parse_file`] takes a file's bytes, detects its [`Format`] (or takes the
//! one forced by the caller) and returns every record it can read plus a
//! [`RecordError`] for every record it cannot: one broken record never costs
//! the rest of the file. Every record keeps its verbatim text (`raw`), its
//! 1-based start line and its 0-based index in the file.
//!
//! Formats: the five seed listing layouts (see [`seeds`]), conference JSON
//! arrays, arXiv API Atom feeds and BibTeX.
#![deny(missing_docs)]

mod atom;
mod bibtex;
mod conference_json;
mod detect;
mod error;
pub mod seeds;
mod sink;
mod text;

pub use detect::detect;
pub use error::FormatError;
pub use paperdex_model::{Format, RecordError, RecordFields, SourceRecord};
pub use sink::MAX_RECORD_BYTES;

use sink::Sink;

/// Everything read from one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The format the file was read as.
    pub format: Format,
    /// The records read, in file order.
    pub records: Vec<SourceRecord>,
    /// The records that could not be read, in file order.
    pub errors: Vec<RecordError>,
}

/// Parses a whole file. `file` is stored into every record and error as
/// given. `forced` overrides detection.
///
/// Returns `Err` only when the file as a whole is unusable: not UTF-8, not a
/// recognized format, a conference-json file that is not an array, or a file
/// broken before its first record. Bad individual records go into
/// [`Parsed::errors`] and the rest still parse.
pub fn parse_file(file: &str, bytes: &[u8], forced: Option<Format>) -> Result<Parsed, FormatError> {
    let text = std::str::from_utf8(bytes).map_err(|e| FormatError::NotUtf8 {
        file: file.to_string(),
        offset: e.valid_up_to(),
    })?;
    let format = match forced {
        Some(format) => format,
        None => detect(file, text).ok_or_else(|| FormatError::Unrecognized {
            file: file.to_string(),
        })?,
    };
    parse_str(file, text, format)
}

/// Parses text already known to be of `format`. See [`parse_file`].
pub fn parse_str(file: &str, text: &str, format: Format) -> Result<Parsed, FormatError> {
    // A byte-order mark is not part of any record; stripping a prefix keeps
    // every record's raw text a substring of the file and its lines unchanged.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut sink = Sink::new(file, format, text);
    match format {
        Format::ArxivListing => seeds::arxiv_listing::parse(&mut sink),
        Format::ArxivListingGlued => seeds::arxiv_listing_glued::parse(&mut sink),
        Format::ProfilePage => seeds::profile_page::parse(&mut sink),
        Format::ConferenceList => seeds::conference_list::parse(&mut sink),
        Format::TrendingPage => seeds::trending_page::parse(&mut sink),
        Format::ConferenceJson => conference_json::parse(&mut sink)?,
        Format::ArxivAtom => atom::parse(&mut sink)?,
        Format::Bibtex => bibtex::parse(&mut sink),
    }
    Ok(sink.finish())
}
