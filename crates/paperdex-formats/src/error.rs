use paperdex_model::Format;

/// Why a file as a whole could not be read. Problems with single records are
/// [`RecordError`](paperdex_model::RecordError)s in [`Parsed::errors`](crate::Parsed)
/// instead, so one bad record never costs the rest of the file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The bytes are not UTF-8; `offset` is the first byte that is not.
    #[error("{file}: not valid utf-8 (invalid byte at offset {offset})")]
    NotUtf8 {
        /// The file as given.
        file: String,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// No reader recognizes the text.
    #[error("{file}: not a recognized format")]
    Unrecognized {
        /// The file as given.
        file: String,
    },
    /// A conference-json file whose top-level value is not an array.
    #[error("{file}: expected a json array of records, found {found}")]
    NotJsonArray {
        /// The file as given.
        file: String,
        /// What the file holds instead ("an object", "nothing", ...).
        found: String,
    },
    /// The file is broken before its first record, so nothing can be read.
    #[error("{file}:{line}: unreadable {format}: {message}")]
    Malformed {
        /// The file as given.
        file: String,
        /// The format it was read as.
        format: Format,
        /// 1-based line of the problem.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl FormatError {
    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            FormatError::NotUtf8 { file, .. }
            | FormatError::Unrecognized { file }
            | FormatError::NotJsonArray { file, .. }
            | FormatError::Malformed { file, .. } => file,
        }
    }
}
