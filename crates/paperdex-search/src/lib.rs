//! The paperdex engine: one library directory, everything derived kept in
//! step with the store, and search over it.
//!
//! - [`Engine`] owns the [`Store`](paperdex_store::Store), the full-text
//!   [`TextIndex`](paperdex_index::TextIndex), the in-memory
//!   [`VectorIndex`](paperdex_vector::VectorIndex) and the
//!   [`Embedder`](paperdex_embed::Embedder). After every ingest it brings the
//!   derived parts up to the store's last batch ([`Engine::sync`]).
//! - [`Engine::search`] runs lexical, semantic or hybrid queries
//!   ([`SearchMode`]); hybrid fuses both rankings' scores, each as a share
//!   of its best ([`Fusion`]).
#![deny(missing_docs)]

mod engine;
mod error;
mod fusion;

pub use engine::{
    embedding_text, load_embedder, Engine, EngineOptions, RankedIds, Refreshed, SearchHit,
    SearchMode, SearchRequest, SearchResults,
};
pub use error::SearchError;
pub use fusion::{fuse, reciprocal_rank_fusion, Fusion};
pub use paperdex_index::{parse_query, Filters, ParsedQuery};
