//! The paperdex data model, shared by every other crate.
//!
//! - [`SourceRecord`]: one record exactly as a listing or feed gave it, with the
//!   [`RecordFields`] parsed out of it and where it came from.
//! - [`Paper`]: the one merged record per paper, each field naming its sources.
//! - [`ArxivId`], [`normalize_doi`], [`PersonName`]: identifiers and the
//!   normalizations that decide whether two spellings mean the same thing.
//!
//! This crate does no IO, so every other crate can depend on it.
#![deny(missing_docs)]

mod ids;
mod names;
mod paper;
mod record;
mod text;

pub use ids::{normalize_doi, ArxivId};
pub use names::{GivenSummary, PersonName};
pub use paper::{AuthorRef, MergeNote, Paper, PaperId, SourceId};
pub use record::{Format, Link, RecordError, RecordFields, SourceRecord};
pub use text::{
    derive_display_title, first_sentence, fold_ascii, normalize_title, one_line, shorten_at_word,
    squash_text,
};
