use std::path::PathBuf;

/// Errors that stop an ingest as a whole. Per-file and per-record problems
/// are reported in [`FileReport`](crate::FileReport) instead.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] paperdex_store::StoreError),
    /// A path given to ingest does not exist or cannot be read.
    #[error("cannot read {path}: {source}")]
    Path {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}
