//! Discovery over the library: what a researcher should know about, not only
//! what they search for.
//!
//! - [`topics`]: k-means over paper embeddings, labelled by class-based
//!   TF-IDF, stored with every paper's topic and recomputed when the library
//!   changed ([`topics::refresh`]); [`topics::papers_of_topic`] for pages and
//!   digests.
//! - [`trending`]: a documented score from upvotes, citations, recency and
//!   the number of listings a paper is in ([`trending::trending`]).
//! - [`tldr`]: an extractive tl;dr for every paper that has none, marked
//!   generated ([`tldr::generate_missing`]).
//! - [`recommend`]: a linear SVM trained on starred papers against the rest,
//!   over TF-IDF and embedding features ([`recommend::recommend`]).
//!
//! Architecture invariant: this crate reads and writes through
//! [`paperdex_store::Store`] only and knows nothing of the CLI or HTTP.
#![deny(missing_docs)]

mod error;
pub mod recommend;
pub mod text;
pub mod tldr;
pub mod topics;
pub mod trending;

pub use error::DiscoverError;

use paperdex_embed::Embedder;
use paperdex_store::Store;
use serde::Serialize;

/// What [`after_embedding`] did.
#[derive(Debug, Clone, Serialize)]
pub struct Derived {
    /// Generated tl;drs.
    pub tldr: tldr::TldrReport,
    /// Whether topics were recomputed.
    pub topics: Option<topics::Refresh>,
}

/// Brings the derived discovery data up to date after papers were embedded:
/// tl;drs for papers without one, then topics when the library changed.
/// Topics are skipped (`None`) while no paper is embedded.
pub fn after_embedding(
    store: &dyn Store,
    embedder: &dyn Embedder,
    progress: &dyn Fn(usize),
) -> Result<Derived, DiscoverError> {
    let tldr = tldr::generate_missing(store, embedder, progress)?;
    let topics = if store.embedding_count(embedder.model_id())? > 0 {
        Some(topics::refresh(store, embedder.model_id(), None)?)
    } else {
        None
    };
    Ok(Derived { tldr, topics })
}
