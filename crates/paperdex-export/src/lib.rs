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
//! [`select_papers`] chooses the papers: a query in paperdex's search
//! language and filters, answered by the engine's lexical search (every
//! match, best first), or the whole library.
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

use paperdex_model::{Paper, PaperId};
use paperdex_search::{Engine, Filters, SearchMode, SearchRequest};
use std::collections::HashMap;
use std::io::Write;

/// Which papers to export.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// A query in the search language (`author:`, `year:`, words...).
    pub query: Option<String>,
    /// Filters added to the query's.
    pub filters: Filters,
}

impl Selection {
    /// True when it selects the whole library.
    pub fn is_everything(&self) -> bool {
        self.query.as_deref().is_none_or(|q| q.trim().is_empty()) && self.filters.is_empty()
    }
}

/// The selected papers: every match of the query, best first (newest first
/// for filters alone), or the whole library in id order.
///
/// Lexical search, because an export must be every paper that matches:
/// semantic search ranks the whole library and has no point where
/// "matching" ends.
pub fn select_papers(engine: &Engine, selection: &Selection) -> Result<Vec<Paper>, ExportError> {
    let (library, _) = engine.store().papers_changed_since(0)?;
    select_from(engine, selection, library)
}

/// [`select_papers`] out of the already loaded `library` (every paper).
fn select_from(
    engine: &Engine,
    selection: &Selection,
    library: Vec<Paper>,
) -> Result<Vec<Paper>, ExportError> {
    if selection.is_everything() {
        return Ok(library);
    }
    let ranked = engine.search_ids(&SearchRequest {
        query: selection.query.clone().unwrap_or_default(),
        mode: SearchMode::Lexical,
        k: engine.text_index().num_docs() as usize,
        offset: 0,
        filters: selection.filters.clone(),
    })?;
    let mut by_id: HashMap<PaperId, Paper> = library.into_iter().map(|p| (p.id, p)).collect();
    Ok(ranked
        .ids
        .into_iter()
        .filter_map(|(id, _)| by_id.remove(&id))
        .collect())
}

/// Keys for every paper of the library (see [`BibKeys`]).
pub fn library_keys(engine: &Engine) -> Result<BibKeys, ExportError> {
    let (all, _) = engine.store().papers_changed_since(0)?;
    Ok(BibKeys::assign(&all))
}

/// Exports the selected papers in `format` to `out`; returns how many.
/// [`ExportFormat::Jsonl`] writes the whole library and refuses a selection.
pub fn export(
    engine: &Engine,
    format: ExportFormat,
    selection: &Selection,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    if format == ExportFormat::Jsonl {
        if !selection.is_everything() {
            return Err(ExportError::Invalid(
                "the jsonl format is the whole library: it takes no query or filters".into(),
            ));
        }
        return Ok(export_library(engine.store().as_ref(), out)?.papers);
    }
    // One read of the library serves both: keys are assigned over all of it.
    let (library, _) = engine.store().papers_changed_since(0)?;
    let keys = BibKeys::assign(&library);
    let papers = select_from(engine, selection, library)?;
    write_papers(format, &papers, &keys, out)?;
    Ok(papers.len() as u64)
}

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
        ExportFormat::Jsonl => {
            return Err(ExportError::Invalid(
                "jsonl exports the whole library (export_library), not a list of papers".into(),
            ))
        }
    }
    .map_err(ExportError::Write)
}
