//! The error types of this crate: [`QueryError`] is the user's to fix (a query
//! that does not parse), [`IndexError`] is an internal failure of the index.

use std::path::PathBuf;

/// Why a query string could not be parsed. Always the user's to fix; the
/// message says what is wrong and where (columns count characters from 1).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The query is longer than [`MAX_QUERY_CHARS`](crate::MAX_QUERY_CHARS).
    #[error("query is {chars} characters long; the limit is {max}")]
    TooLong {
        /// The query's length in characters.
        chars: usize,
        /// The limit.
        max: usize,
    },
    /// A `year:` value, or one end of a year range, is not a number.
    #[error(
        "year '{value}' at column {column} is not a number \
         (expected year:2019 or year:2018..2020)"
    )]
    InvalidYear {
        /// The text that is not a number.
        value: String,
        /// Where the `year:` value starts.
        column: usize,
    },
    /// `year:..`: a range with neither end.
    #[error(
        "year range '..' at column {column} has no bounds \
         (expected year:2018..2020, year:2018.. or year:..2020)"
    )]
    UnboundedYearRange {
        /// Where the `year:` value starts.
        column: usize,
    },
    /// A year range whose start is after its end.
    #[error("year range {from}..{to} at column {column} is empty: {from} is after {to}")]
    EmptyYearRange {
        /// The first year.
        from: i32,
        /// The last year.
        to: i32,
        /// Where the `year:` value starts.
        column: usize,
    },
    /// A filter such as `author:` with nothing after it.
    #[error("'{key}:' at column {column} has no value (e.g. {key}:{example})")]
    EmptyFilter {
        /// The filter's name: `author`, `year`, `venue` or `source`.
        key: &'static str,
        /// Where the filter starts.
        column: usize,
        /// An example value, for the message.
        example: &'static str,
    },
}

/// Why the index could not be opened, written or searched. These are internal
/// failures (disk, a lock held by another process, a bug), not the user's query.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IndexError {
    /// A file or directory of the index could not be created, read or removed.
    #[error("cannot access index directory {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// Another writer (in this process or another one) holds the index's lock.
    #[error("the index is locked by another writer: {0}")]
    Locked(#[source] tantivy::TantivyError),
    /// tantivy failed.
    #[error("index error: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
    /// The index's commit payload could not be written.
    #[error("cannot encode commit payload: {0}")]
    Payload(#[from] serde_json::Error),
}

impl IndexError {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| IndexError::Io { path, source }
    }
}
