//! Ingest: listing files in, one record per paper out.
//!
//! [`Ingestor`] walks the given paths, parses each file (in parallel), and
//! writes each file as one batch through the [`Store`](paperdex_store::Store):
//! every record is matched to a paper by the rules of `paperdex-dedup`,
//! stored verbatim as a source, and the paper's fields are re-merged from all
//! its sources. A file either lands whole or not at all; records that cannot
//! be parsed are reported with file and line and do not stop the rest.
#![deny(missing_docs)]

mod authors;
mod error;
mod ingestor;
mod report;

pub use error::IngestError;
pub use ingestor::{collect_files, IngestOptions, Ingestor, Progress, MAX_FILE_BYTES};
pub use report::{FileReport, IngestReport};
