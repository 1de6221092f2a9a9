use paperdex_embed::EmbedError;
use paperdex_store::StoreError;

/// What can go wrong while discovering.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoverError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The embedder failed.
    #[error(transparent)]
    Embed(#[from] EmbedError),
    /// Topics need embeddings and there are none.
    #[error("no embeddings of model {model} in the library: run `paperdex embed` first")]
    NoEmbeddings {
        /// The embedding model asked for.
        model: String,
    },
    /// A caller-supplied parameter is out of range.
    #[error("invalid {name}: {reason}")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
        /// Why it is invalid.
        reason: String,
    },
    /// k-means failed.
    #[error("clustering failed: {0}")]
    Clustering(String),
    /// No topic has this id.
    #[error("no topic {0} (see `paperdex topics`)")]
    UnknownTopic(i64),
    /// Recommending needs starred papers.
    #[error("no starred papers: star some with `paperdex star ID` first")]
    NoStars,
}
