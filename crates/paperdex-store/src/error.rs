use std::path::PathBuf;

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database could not be opened or created.
    #[error("cannot open library at {path}: {source}")]
    Open {
        /// The database file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rusqlite::Error,
    },
    /// The schema could not be brought up to date.
    #[error("cannot migrate library schema: {0}")]
    Migrate(#[from] rusqlite_migration::Error),
    /// A database operation failed.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A stored JSON value could not be read back.
    #[error("corrupt stored value in {what}: {source}")]
    Corrupt {
        /// Which table or field.
        what: &'static str,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// A stored source record's packed text could not be read back.
    #[error("corrupt stored source record {id}: {source}")]
    CorruptSource {
        /// The source's id.
        id: paperdex_model::SourceId,
        /// Why.
        #[source]
        source: crate::UnpackError,
    },
    /// A server backend (PostgreSQL) could not be reached at `url` (shown
    /// without its password).
    #[error("cannot connect to {url}: {source}")]
    Connect {
        /// The store URL.
        url: String,
        /// Why.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A server backend's operation or migration failed.
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// A caller-supplied callback failed; the batch was rolled back.
    #[error("{0}")]
    Aborted(String),
    /// The backend cannot do this operation.
    #[error("this storage backend does not support {0}")]
    Unsupported(&'static str),
    /// A backup or restore could not be made; the message says why.
    #[error("{0}")]
    Backup(String),
}
