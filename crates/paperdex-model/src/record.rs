use crate::ids::ArxivId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A listing layout or machine format that paperdex reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// arXiv author listing: abstract, comments, `arXiv:ID`, `Created:` date.
    ArxivListing,
    /// The same listing copied without line breaks: ids glued to the next abstract.
    ArxivListingGlued,
    /// An author profile page: owner in the header, then title, category, abstract.
    ProfilePage,
    /// A conference accepted-papers list: authors, optional tl;dr, abstract; no title.
    ConferenceList,
    /// A "trending papers" page: page chrome, then title and abstract paragraphs.
    TrendingPage,
    /// A JSON array of accepted papers (`title`, `author` "A; B", `bibtex`, ...).
    ConferenceJson,
    /// An arXiv API Atom feed.
    ArxivAtom,
    /// BibTeX.
    Bibtex,
}

impl Format {
    /// Every format, in the order detection tries them.
    pub const ALL: [Format; 8] = [
        Format::ArxivAtom,
        Format::ConferenceJson,
        Format::Bibtex,
        Format::ArxivListing,
        Format::ArxivListingGlued,
        Format::ProfilePage,
        Format::TrendingPage,
        Format::ConferenceList,
    ];

    /// The name used on the command line and in the library.
    pub fn name(self) -> &'static str {
        match self {
            Format::ArxivListing => "arxiv-listing",
            Format::ArxivListingGlued => "arxiv-listing-glued",
            Format::ProfilePage => "profile-page",
            Format::ConferenceList => "conference-list",
            Format::TrendingPage => "trending-page",
            Format::ConferenceJson => "conference-json",
            Format::ArxivAtom => "arxiv-atom",
            Format::Bibtex => "bibtex",
        }
    }

    /// How much a field value from this format is trusted when sources
    /// disagree: structured metadata from the publisher or arXiv beats text
    /// copied from a web page.
    pub fn trust(self) -> u8 {
        match self {
            Format::ArxivAtom => 9,
            Format::Bibtex => 8,
            Format::ConferenceJson => 7,
            Format::ArxivListing => 6,
            Format::ProfilePage => 5,
            Format::ConferenceList => 5,
            Format::TrendingPage => 4,
            Format::ArxivListingGlued => 3,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Format::ALL.iter().map(|f| f.name()).collect();
                format!(
                    "unknown format '{s}' (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// A typed link from a paper to elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    /// What the link is: `abs`, `pdf`, `site`, `doi`, `code`, `supp`, ...
    pub kind: String,
    /// The URL.
    pub url: String,
}

/// What one source record says about a paper. Every field is optional:
/// listings routinely lack titles, ids, dates or authors.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RecordFields {
    /// The title as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Authors in order, as written.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    /// The owner of the listing the record came from (a profile page's
    /// author): an author of the paper at an unknown position.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listing_author: Option<String>,
    /// The abstract.
    #[serde(rename = "abstract", skip_serializing_if = "Option::is_none")]
    pub abstract_text: Option<String>,
    /// A one-line summary given by the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tldr: Option<String>,
    /// The arXiv id and version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arxiv_id: Option<ArxivId>,
    /// Normalized DOI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub doi: Option<String>,
    /// Venue (conference, journal, workshop).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub venue: Option<String>,
    /// Publication year.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// Date as `YYYY-MM-DD` (or a prefix of it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Subject categories (arXiv categories or the listing's labels).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// Free-form comments (pages, "Accepted at ...", "Preprint").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
    /// Links to the paper elsewhere.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    /// Citation count reported by the source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub citation_count: Option<i64>,
    /// Upvotes reported by a trending page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upvotes: Option<i64>,
    /// The source's own id for the record (conference JSON `id`, BibTeX key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_key: Option<String>,
    /// A BibTeX entry the source provides verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bibtex: Option<String>,
}

/// One record as read from a file: verbatim text, position and parsed fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRecord {
    /// The format the record was read as.
    pub format: Format,
    /// The file it came from, as given to ingest.
    pub file: String,
    /// 1-based line where the record starts.
    pub line: usize,
    /// 0-based index of the record within its file.
    pub index: usize,
    /// The record's text exactly as it stood in the file.
    pub raw: String,
    /// What was parsed out of `raw`.
    pub fields: RecordFields,
}

/// A record that could not be read, with where it stood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordError {
    /// The file.
    pub file: String,
    /// 1-based line where the bad record starts, when known.
    pub line: Option<usize>,
    /// 0-based index of the record within the file, when known.
    pub index: Option<usize>,
    /// What is wrong, naming the field where one is at fault.
    pub message: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(index) = self.index {
            write!(f, " (record {})", index + 1)?;
        }
        write!(f, ": {}", self.message)
    }
}
