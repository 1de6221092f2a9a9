use crate::PackedRecord;
use paperdex_model::{Format, Paper, PaperId, RecordFields, SourceId, SourceRecord};
use serde::{Deserialize, Serialize};

/// A source record about to be stored.
#[derive(Debug, Clone)]
pub struct NewSource<'a> {
    /// The paper it belongs to.
    pub paper_id: PaperId,
    /// Hash of format and verbatim text: the record's identity.
    pub content_hash: &'a str,
    /// The record.
    pub record: &'a SourceRecord,
    /// The record's `raw` text and `fields`, packed: callers pack on their
    /// own threads, so the single writer does not.
    pub packed: &'a PackedRecord,
    /// The matching rule that attached it.
    pub rule: &'a str,
    /// The rule's score.
    pub score: f64,
    /// The explanation.
    pub detail: &'a str,
}

/// What a batch is about to look up, given to [`WriteTx::prefetch`](crate::WriteTx::prefetch).
#[derive(Debug, Clone, Default)]
pub struct LookupHint<'a> {
    /// Content hashes of the batch's records.
    pub content_hashes: Vec<&'a str>,
    /// Identity keys of the authors its records name.
    pub author_keys: Vec<String>,
    /// Family keys of those authors.
    pub family_keys: Vec<String>,
}

/// A stored source record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredSource {
    /// Source id.
    pub id: SourceId,
    /// Paper it belongs to.
    pub paper_id: PaperId,
    /// Format read as.
    pub format: Format,
    /// File it came from.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 0-based record index in the file.
    pub index: usize,
    /// Verbatim text.
    pub raw: String,
    /// Parsed fields.
    pub fields: RecordFields,
    /// Matching rule.
    pub rule: String,
    /// Rule score.
    pub score: f64,
    /// Explanation.
    pub detail: String,
    /// Batch that stored it.
    pub batch_id: i64,
}

/// Library counts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Distinct papers.
    pub papers: u64,
    /// Stored source records.
    pub records: u64,
    /// Distinct authors.
    pub authors: u64,
    /// Distinct source files.
    pub sources: u64,
    /// Ingest batches committed.
    pub batches: u64,
    /// Papers built from more than one record.
    pub merged_papers: u64,
}

/// Filters for listing papers. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct PaperFilter {
    /// Only papers by any of these author ids.
    pub author_ids: Option<Vec<i64>>,
    /// Earliest year, inclusive.
    pub year_from: Option<i32>,
    /// Latest year, inclusive.
    pub year_to: Option<i32>,
    /// Venue contains this text (case-insensitive).
    pub venue: Option<String>,
    /// Some source file path contains this text.
    pub source: Option<String>,
    /// At most this many (default: all).
    pub limit: Option<usize>,
    /// Skip this many.
    pub offset: usize,
}

/// An author with their paper count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorSummary {
    /// Author id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Papers in the library.
    pub papers: u64,
}

/// A collaborating author and the number of shared papers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collaborator {
    /// The collaborator.
    pub author: AuthorSummary,
    /// Papers written together.
    pub shared_papers: u64,
}

/// An author's page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthorInfo {
    /// Author id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Every spelling seen.
    pub name_variants: Vec<String>,
    /// Their papers, newest first.
    pub papers: Vec<Paper>,
    /// Co-authors ranked by shared papers.
    pub collaborators: Vec<Collaborator>,
}

/// One stored item of the user's own data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserItem {
    /// Kind (`star`, `follow`, `digest`).
    pub kind: String,
    /// Key within the kind.
    pub key: String,
    /// Value (JSON or text).
    pub value: String,
    /// When it was stored (RFC 3339, UTC).
    pub created_at: String,
}

/// A topic: a cluster of papers with its most distinctive terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topic {
    /// Topic id.
    pub id: i64,
    /// Short label (the first few terms).
    pub label: String,
    /// Most distinctive terms, best first.
    pub terms: Vec<String>,
    /// Papers in the topic.
    pub size: u64,
}

/// The stored topics and the library state they were computed from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicSet {
    /// Embedding model whose vectors were clustered.
    pub model: String,
    /// The library's last batch when they were computed.
    pub batch: i64,
    /// How many embedded papers were clustered.
    pub papers: u64,
    /// The topics, by id.
    pub topics: Vec<Topic>,
}

/// One topic of a new topic set, with its papers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopic {
    /// Topic id (positive, unique within the set).
    pub id: i64,
    /// Short label.
    pub label: String,
    /// Most distinctive terms, best first.
    pub terms: Vec<String>,
    /// Its papers.
    pub papers: Vec<PaperId>,
}

/// A whole new topic set, replacing the stored one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopicSet {
    /// Embedding model whose vectors were clustered.
    pub model: String,
    /// The library's last batch when they were computed.
    pub batch: i64,
    /// How many embedded papers were clustered.
    pub papers: u64,
    /// The topics.
    pub topics: Vec<NewTopic>,
}

/// A generated tl;dr to store: valid only while the paper's abstract is still
/// `abstract_text`, and never stored over a source's tl;dr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedTldr {
    /// The paper.
    pub paper_id: PaperId,
    /// The abstract it was extracted from.
    pub abstract_text: String,
    /// The tl;dr.
    pub tldr: String,
}

/// One committed write batch (an ingested file, usually).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchInfo {
    /// Batch id, increasing in commit order.
    pub id: i64,
    /// What wrote it (`ingest FILE`).
    pub label: String,
    /// When it started (RFC 3339, UTC).
    pub started_at: String,
}

/// The state of the stored embeddings of one model (see
/// [`Store::embedding_health`](crate::Store::embedding_health)).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmbeddingHealth {
    /// Papers with an up-to-date vector of the right dimension.
    pub current: u64,
    /// Papers with no vector of this model.
    pub missing: u64,
    /// Papers updated since their vector was made.
    pub stale: u64,
    /// Vectors whose size is not the model's dimension (damaged).
    pub malformed: u64,
    /// Vectors of other models: `(model id, count)`.
    pub other_models: Vec<(String, u64)>,
}

/// When a paper was created and last updated, by batch (see
/// [`Store::paper_batches`](crate::Store::paper_batches)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaperBatches {
    /// The paper.
    pub id: PaperId,
    /// The batch that created it.
    pub created: i64,
    /// The last batch that changed it.
    pub updated: i64,
}
