/// What can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SearchError {
    /// The query is malformed (the user's to fix).
    #[error(transparent)]
    Query(#[from] paperdex_index::QueryError),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] paperdex_store::StoreError),
    /// The full-text index failed.
    #[error(transparent)]
    Index(#[from] paperdex_index::IndexError),
    /// The embedding model failed or is missing.
    #[error(transparent)]
    Embed(#[from] paperdex_embed::EmbedError),
    /// A vector could not be indexed.
    #[error(transparent)]
    Vector(#[from] paperdex_vector::VectorError),
    /// Ingest failed.
    #[error(transparent)]
    Ingest(#[from] paperdex_ingest::IngestError),
    /// Semantic search was asked for but no model is loaded.
    #[error("semantic search needs the embedding model: run scripts/setup-model.sh or set PAPERDEX_MODEL")]
    NoModel,
    /// No paper has that id.
    #[error("no paper with id, arXiv id or DOI '{0}'")]
    UnknownPaper(String),
}
