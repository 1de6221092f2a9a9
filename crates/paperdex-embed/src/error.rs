//! The one error type of this crate.

use std::path::PathBuf;

/// Why a model could not be loaded or texts could not be embedded.
///
/// All but the last are the user's to fix (a model directory that is missing
/// or incomplete, a configuration this crate does not support); the last is
/// an internal failure of the tokenizer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmbedError {
    /// The model directory does not exist.
    #[error("model directory {} does not exist; run scripts/setup-model.sh", dir.display())]
    MissingModelDir {
        /// The directory that was looked for.
        dir: PathBuf,
    },
    /// The model directory lacks a file the model needs.
    #[error("model directory {} has no {file}; run scripts/setup-model.sh", dir.display())]
    MissingFile {
        /// The directory that was looked in.
        dir: PathBuf,
        /// The file's name, relative to `dir`.
        file: String,
    },
    /// A file of the model could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        #[source]
        source: std::io::Error,
    },
    /// A configuration file of the model is not valid.
    #[error("invalid {}: {message}", path.display())]
    InvalidConfig {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
    /// The model asks for something this crate does not implement.
    #[error("unsupported model in {}: {message}", dir.display())]
    Unsupported {
        /// The model directory.
        dir: PathBuf,
        /// What is not supported.
        message: String,
    },
    /// The tokenizer failed.
    #[error("tokenizer error: {0}")]
    Tokenizer(#[source] Box<dyn std::error::Error + Send + Sync>),
}
