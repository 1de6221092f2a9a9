//! Exports: papers as citations, and the whole library as JSON Lines.
//!
//! - [`ExportFormat`] and [`write_papers`]: BibTeX ([`bibtex`]), CSL-JSON
//!   ([`csl`]) and RIS ([`ris`]) for a chosen set of papers. Citation keys
//!   come from [`BibKeys`], assigned over the whole library so that a
//!   paper's key is the same in every export and stays so as the library
//!   grows.
//! - [`export_library`] and [`import_library`]: every batch, paper, source
//!   record and user item as JSON Lines; import rebuilds the library in an
//!   empty store by replaying the records through ingest, then checks every
//!   paper against the export.
//!
//! Choosing which papers to export (queries, filters) is the caller's job.
#![deny(missing_docs)]

pub mod bibtex;
mod citation;
pub mod csl;
mod error;
mod jsonl;
pub mod ris;

pub use bibtex::BibKeys;
pub use error::ExportError;
pub use jsonl::{
    export_library, import_library, ImportReport, LibraryCounts, JSONL_FORMAT, JSONL_VERSION,
};

use paperdex_model::Paper;
use std::io::Write;

/// A citation format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// BibTeX entries.
    Bibtex,
    /// A CSL-JSON array.
    CslJson,
    /// RIS records.
    Ris,
    /// The whole library as JSON Lines (see [`export_library`]).
    Jsonl,
}

impl ExportFormat {
    /// Every format with its command-line name.
    pub const ALL: [(ExportFormat, &'static str); 4] = [
        (ExportFormat::Bibtex, "bibtex"),
        (ExportFormat::CslJson, "csl-json"),
        (ExportFormat::Ris, "ris"),
        (ExportFormat::Jsonl, "jsonl"),
    ];

    /// The command-line name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, n)| *n)
            .unwrap_or("bibtex")
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Bibtex => "bib",
            ExportFormat::CslJson => "json",
            ExportFormat::Ris => "ris",
            ExportFormat::Jsonl => "jsonl",
        }
    }

    /// The HTTP content type.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Bibtex => "application/x-bibtex; charset=utf-8",
            ExportFormat::CslJson => "application/vnd.citationstyles.csl+json",
            ExportFormat::Ris => "application/x-research-info-systems",
            ExportFormat::Jsonl => "application/jsonl",
        }
    }
}

impl std::str::FromStr for ExportFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .find(|(_, n)| *n == s)
            .map(|(f, _)| *f)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(_, n)| *n).collect();
                format!(
                    "unknown export format '{s}' (expected one of: {})",
                    names.join(", ")
                )
            })
    }
}

/// Writes papers in a citation format. [`ExportFormat::Jsonl`] is a whole
/// library, not a list of papers: use [`export_library`] for it.
pub fn write_papers(
    format: ExportFormat,
    papers: &[Paper],
    keys: &BibKeys,
    out: &mut dyn Write,
) -> Result<(), ExportError> {
    match format {
        ExportFormat::Bibtex => bibtex::write(papers, keys, out),
        ExportFormat::CslJson => csl::write(papers, keys, out),
        ExportFormat::Ris => ris::write(papers, keys, out),
        ExportFormat::Jsonl => Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "jsonl exports the whole library (export_library), not a list of papers",
        )),
    }
    .map_err(ExportError::Write)
}
