use paperdex_model::{PaperId, RecordError};
use serde::Serialize;

/// What happened to one file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileReport {
    /// The file as named to ingest.
    pub file: String,
    /// The format it was read as.
    pub format: Option<String>,
    /// Records read.
    pub records: usize,
    /// Records that started a new paper.
    pub new_papers: usize,
    /// Records that joined an existing paper.
    pub merged: usize,
    /// Records already in the library (unchanged).
    pub unchanged: usize,
    /// Records that could not be read.
    pub errors: Vec<RecordError>,
    /// Why the whole file was not ingested, if it was not.
    pub failed: Option<String>,
    /// The batch that stored it.
    pub batch: Option<i64>,
    /// Papers created or changed by this file.
    #[serde(skip)]
    pub changed_papers: Vec<PaperId>,
}

/// What happened to every file of one ingest.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IngestReport {
    /// Per file, in the order ingested.
    pub files: Vec<FileReport>,
}

impl IngestReport {
    /// Records read across files.
    pub fn records(&self) -> usize {
        self.files.iter().map(|f| f.records).sum()
    }
    /// New papers across files.
    pub fn new_papers(&self) -> usize {
        self.files.iter().map(|f| f.new_papers).sum()
    }
    /// Records merged into existing papers.
    pub fn merged(&self) -> usize {
        self.files.iter().map(|f| f.merged).sum()
    }
    /// Records already stored.
    pub fn unchanged(&self) -> usize {
        self.files.iter().map(|f| f.unchanged).sum()
    }
    /// Record errors plus failed files.
    pub fn error_count(&self) -> usize {
        self.files
            .iter()
            .map(|f| f.errors.len() + usize::from(f.failed.is_some()))
            .sum()
    }
    /// True when anything failed.
    pub fn has_errors(&self) -> bool {
        self.error_count() > 0
    }
}
