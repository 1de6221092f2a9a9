use std::path::PathBuf;

/// What can go wrong exporting or importing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] paperdex_store::StoreError),
    /// Re-ingesting the imported records failed.
    #[error(transparent)]
    Ingest(#[from] paperdex_ingest::IngestError),
    /// The request does not make sense (e.g. a query with the jsonl format).
    #[error("{0}")]
    Invalid(String),
    /// The query selecting the papers failed.
    #[error(transparent)]
    Search(#[from] paperdex_search::SearchError),
    /// Writing the export failed.
    #[error("cannot write the export: {0}")]
    Write(#[source] std::io::Error),
    /// Reading an import file failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line of an import file is not what a paperdex JSONL export holds.
    #[error("{path}:{line}: {message}")]
    BadLine {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong, naming the field.
        message: String,
    },
    /// Import only fills an empty library: merging two libraries would
    /// renumber papers and break the exported ids.
    #[error("import needs an empty library, but this one already has {papers} papers and {batches} batches")]
    NotEmpty {
        /// Papers already there.
        papers: u64,
        /// Batches already there.
        batches: u64,
    },
    /// A batch of the import could not be stored again.
    #[error("batch {batch} ({label}) could not be stored again: {message}")]
    Replay {
        /// The exported batch id.
        batch: i64,
        /// Its label.
        label: String,
        /// Why.
        message: String,
    },
}
