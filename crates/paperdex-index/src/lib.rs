//! paperdex's full-text index: BM25 search over papers with tantivy, and
//! the query language of the search box.
//!
//! - [`parse_query`] turns the search box's text into a [`ParsedQuery`]:
//!   words, `"phrases"`, `-exclusions` and [`Filters`] (`author:`, `year:`,
//!   `venue:`, `source:`). Pure, knows nothing of tantivy.
//! - [`TextIndex`] indexes [`IndexDoc`]s (a `Paper` and its source file names),
//!   ranks a `ParsedQuery` ([`TextIndex::search`]), lists the ids a filter
//!   allows ([`TextIndex::filter_ids`], to restrict a semantic search) and
//!   highlights abstracts ([`TextIndex::snippet`]).
//!
//! ```
//! use paperdex_index::{parse_query, IndexDoc, TextIndex};
//! use paperdex_model::Paper;
//!
//! let index = TextIndex::in_memory()?;
//! let paper = Paper { id: 7, title: "Graph Attention Networks".into(), year: Some(2018), ..Paper::default() };
//! index.upsert(&[IndexDoc { paper: &paper, sources: &["iclr2018.json".to_string()] }])?;
//! index.commit(1)?;
//! let hits = index.search(&parse_query("attention year:2015..")?, 10, 0)?;
//! assert_eq!(hits[0].paper_id, 7);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Architecture invariant: the index is derived from the store and can always
//! be rebuilt. Each commit records the last store batch it reflects
//! ([`TextIndex::applied_batch`]); an index of another schema version, or a
//! damaged one, is discarded on open ([`TextIndex::needs_rebuild`]).
//! Indexing and searching block: call them off any async runtime.
#![deny(missing_docs)]

mod error;
mod index;
mod query;
mod schema;
mod term_union;

pub use error::{IndexError, QueryError};
pub use index::{Hit, IndexDoc, IndexState, MatchCount, Snippet, TextIndex};
pub use query::{parse_query, Filters, ParsedQuery, MAX_QUERY_CHARS};
pub use schema::SCHEMA_VERSION;
