//! The library's storage.
//!
//! [`Store`] is the narrow interface every other part uses: one write
//! transaction per ingest batch ([`Store::write`] with a [`WriteTx`]), and
//! snapshot reads of papers, sources and authors. [`SqliteStore`] is the
//! embedded backend (one file in the data directory, WAL mode, migrations);
//! a server backend implements the same traits.
//!
//! Architecture invariant: the store is the source of truth. Full-text and
//! vector indexes are derived from it and track it through batch ids
//! ([`Store::papers_changed_since`]).
#![deny(missing_docs)]

mod error;
mod packed_record;
mod sqlite;
mod sqlite_maintenance;
mod types;

pub use error::StoreError;
pub use packed_record::{PackedRecord, UnpackError};
pub use sqlite::SqliteStore;
pub use types::{
    AuthorInfo, AuthorSummary, BatchInfo, Collaborator, EmbeddingHealth, GeneratedTldr, LookupHint,
    NewSource, NewTopic, NewTopicSet, PaperBatches, PaperFilter, Stats, StoredSource, Topic,
    TopicSet, UserItem,
};

use paperdex_model::{Paper, PaperId, SourceId};
use std::path::Path;

/// Every match key `(kind, key)` of one paper, as `WriteTx::match_keys_since` returns them.
pub type PaperMatchKeys = (PaperId, Vec<(u8, i64)>);

/// Packs match keys as every backend stores them: 9 bytes each, the kind
/// then the key as i64 little-endian. Backends share this layout so a
/// library's keys mean the same wherever they are stored.
pub fn pack_keys(keys: &[(u8, i64)]) -> Vec<u8> {
    let mut packed = Vec::with_capacity(keys.len() * 9);
    for (kind, key) in keys {
        packed.push(*kind);
        packed.extend_from_slice(&key.to_le_bytes());
    }
    packed
}

/// The keys packed by [`pack_keys`].
pub fn unpack_keys(packed: &[u8]) -> impl Iterator<Item = (u8, i64)> + '_ {
    packed.chunks_exact(9).map(|chunk| {
        let key = i64::from_le_bytes(chunk[1..9].try_into().expect("9-byte chunk"));
        (chunk[0], key)
    })
}

/// Result alias for store operations.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The operations of one write transaction. Everything done through it
/// commits together or not at all.
pub trait WriteTx {
    /// The id of the batch this transaction writes.
    fn batch_id(&self) -> i64;
    /// Tells the backend what the batch is about to look up, so that one
    /// paying a round trip per lookup can fetch it all at once. Only a hint:
    /// every lookup must answer correctly without it.
    fn prefetch(&mut self, hint: &LookupHint<'_>) -> Result<()> {
        let _ = hint;
        Ok(())
    }
    /// Whether a source record with this content hash is already stored.
    fn source_exists(&mut self, content_hash: &str) -> Result<bool>;
    /// Stores a source record attached to `paper_id`.
    fn insert_source(&mut self, source: &NewSource<'_>) -> Result<SourceId>;
    /// Reserves an id for a new paper, which must be saved with
    /// [`WriteTx::save_paper`] in the same transaction (a backend may write
    /// its row only then).
    fn new_paper(&mut self) -> Result<PaperId>;
    /// Every stored source of a paper, oldest first.
    fn sources_of(&mut self, paper: PaperId) -> Result<Vec<StoredSource>>;
    /// Every stored source of each of `papers`, by paper in the order
    /// given, each paper's oldest first. Backends that pay per statement or
    /// round trip answer it in one.
    fn sources_of_papers(&mut self, papers: &[PaperId]) -> Result<Vec<StoredSource>> {
        let mut out = Vec::new();
        for &paper in papers {
            out.extend(self.sources_of(paper)?);
        }
        Ok(out)
    }
    /// Saves a paper's merged fields, its author list and its match keys.
    fn save_paper(&mut self, paper: &Paper, match_keys: &[(u8, i64)]) -> Result<()>;
    /// The authors a paper currently lists, in order.
    fn paper_author_ids(&mut self, paper: PaperId) -> Result<Vec<i64>>;
    /// The author with this identity key.
    fn author_by_key(&mut self, key: &str) -> Result<Option<i64>>;
    /// Authors sharing a family name: `(id, display name)`.
    fn authors_by_family(&mut self, family_key: &str) -> Result<Vec<(i64, String)>>;
    /// Identity keys of everyone who has co-authored with `author`.
    fn coauthor_keys(&mut self, author: i64) -> Result<Vec<String>>;
    /// Creates an author.
    fn insert_author(&mut self, key: &str, family_key: &str, name: &str) -> Result<i64>;
    /// Records a spelling of an author's name.
    fn add_author_name(&mut self, author: i64, name: &str) -> Result<()>;
    /// Match keys `(paper, [(kind, key)])` of every paper written by a batch
    /// committed after `batch` and before this one. Writers are serialized,
    /// so inside the transaction this is exactly what other writers (other
    /// processes) committed since `batch`: an ingestor catches its in-memory
    /// match index up from it before matching.
    fn match_keys_since(&mut self, batch: i64) -> Result<Vec<PaperMatchKeys>>;
}

/// The library's storage backend.
pub trait Store: Send + Sync {
    /// Runs `f` in one write transaction (a batch). Commits when `f` returns
    /// `Ok`; rolls back, leaving the library as it was, otherwise.
    ///
    /// Batches are serialized across every process writing the library, and
    /// a batch's id is allocated only once it holds the write lock, so batch
    /// ids increase in commit order: a reader that has applied batch `n`
    /// never later sees a batch `< n` appear.
    fn write(&self, label: &str, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<i64>;
    /// Visits every stored match key as `(kind, key, paper)`.
    fn for_each_match_key(&self, f: &mut dyn FnMut(u8, i64, PaperId)) -> Result<()>;
    /// Counts.
    fn stats(&self) -> Result<Stats>;
    /// A paper by library id.
    fn paper(&self, id: PaperId) -> Result<Option<Paper>>;
    /// Several papers by library id, in the order given (`None` where
    /// there is none). Backends that pay a round trip per call answer it in one.
    fn papers_by_id(&self, ids: &[PaperId]) -> Result<Vec<Option<Paper>>> {
        ids.iter().map(|&id| self.paper(id)).collect()
    }
    /// Resolves a paper id, an arXiv id (with or without version) or a DOI.
    fn resolve_paper(&self, ident: &str) -> Result<Option<PaperId>>;
    /// The stored sources of a paper, oldest first.
    fn sources(&self, id: PaperId) -> Result<Vec<StoredSource>>;
    /// The distinct files a paper's sources came from.
    fn source_files(&self, id: PaperId) -> Result<Vec<String>>;
    /// [`Store::source_files`] of several papers, in the order given.
    /// Backends that pay a round trip per call answer it in one.
    fn source_files_of(&self, ids: &[PaperId]) -> Result<Vec<Vec<String>>> {
        ids.iter().map(|&id| self.source_files(id)).collect()
    }
    /// Papers matching a filter, newest first.
    fn list_papers(&self, filter: &PaperFilter) -> Result<Vec<Paper>>;
    /// Papers written or updated by batches after `batch`, in id order, with
    /// the last batch id seen; derived indexes catch up through this.
    fn papers_changed_since(&self, batch: i64) -> Result<(Vec<Paper>, i64)>;
    /// The newest batch id (0 for an empty library).
    fn last_batch(&self) -> Result<i64>;
    /// Authors whose name matches `query` (exact identity first).
    fn find_authors(&self, query: &str) -> Result<Vec<AuthorSummary>>;
    /// An author's page: name variants, papers, collaborators.
    fn author(&self, id: i64) -> Result<Option<AuthorInfo>>;
    /// Papers with ids above `after` that have no embedding from `model`,
    /// or were updated since theirs was made, with their current batch; at
    /// most `limit`, in id order. A run pages with `after` (the last id it
    /// got): asking from the start each time re-read every paper already
    /// embedded, which at 870k papers took SQLite 576 s.
    fn papers_needing_embedding(
        &self,
        model: &str,
        after: PaperId,
        limit: usize,
    ) -> Result<Vec<(Paper, i64)>>;
    /// Stores embeddings `(paper, paper's batch when embedded, vector)` in one transaction.
    fn put_embeddings(&self, model: &str, items: &[(PaperId, i64, Vec<f32>)]) -> Result<()>;
    /// Visits every stored embedding of `model`.
    fn for_each_embedding(&self, model: &str, f: &mut dyn FnMut(PaperId, &[f32])) -> Result<()>;
    /// Number of stored embeddings of `model`.
    fn embedding_count(&self, model: &str) -> Result<u64>;
    /// `(count, sum of batches)` of the stored embeddings of `model`. Every
    /// write of embeddings changes it (a new one adds to the count, a
    /// re-embedding raises its batch), so a reader that loaded them can tell
    /// when to load again.
    fn embeddings_fingerprint(&self, model: &str) -> Result<(u64, i64)>;
    /// Told before one run stores `incoming` embeddings (`paperdex embed`
    /// after `ingest --no-embed`, say). A backend whose vector index costs
    /// less to build once than to keep current vector by vector (pgvector's
    /// HNSW) may drop it here; returns true when it did. The run then calls
    /// [`Store::ensure_vector_index`].
    fn begin_vector_load(&self, incoming: u64) -> Result<bool> {
        let _ = incoming;
        Ok(false)
    }
    /// Builds the vector index if it is missing: after a bulk load, or after
    /// a run that dropped it and died. A cheap check when it exists.
    fn ensure_vector_index(&self) -> Result<()> {
        Ok(())
    }
    /// True when the backend keeps a vector index of its own (pgvector's
    /// HNSW, for nearest-neighbour queries on the server) and it is missing:
    /// a bulk load died before building it again. Searches do not use it
    /// (each process holds its own vector index), so nothing fails; the
    /// check reports it and [`Store::ensure_vector_index`] builds it.
    fn vector_index_missing(&self) -> Result<bool> {
        Ok(false)
    }
    /// Stores a value of the user's own data (stars, follows, digest state).
    fn put_user_item(&self, kind: &str, key: &str, value: &str) -> Result<()>;
    /// Removes a value of the user's own data; true when it existed.
    fn delete_user_item(&self, kind: &str, key: &str) -> Result<bool>;
    /// Every value of one kind of the user's own data.
    fn user_items(&self, kind: &str) -> Result<Vec<UserItem>>;
    /// Replaces the stored topics and every paper's topic, in one transaction.
    fn replace_topics(&self, set: &NewTopicSet) -> Result<()>;
    /// The stored topics (by id) and what they were computed from; `None`
    /// when topics were never computed.
    fn topics(&self) -> Result<Option<TopicSet>>;
    /// The papers of a topic, in id order (empty for an unknown topic).
    fn topic_papers(&self, topic: i64) -> Result<Vec<PaperId>>;
    /// Every paper's topic as `(paper, topic)`, in paper id order.
    fn paper_topics(&self) -> Result<Vec<(PaperId, i64)>>;
    /// The topic of one paper.
    fn topic_of_paper(&self, paper: PaperId) -> Result<Option<Topic>>;
    /// An author's topics with how many of their papers each holds, most first.
    fn author_topics(&self, author: i64) -> Result<Vec<(Topic, u64)>>;
    /// Papers with an abstract but no tl;dr, with ids above `after`, in id
    /// order, at most `limit`.
    fn papers_lacking_tldr(&self, after: PaperId, limit: usize) -> Result<Vec<Paper>>;
    /// Stores generated tl;drs (marked generated) in one transaction. A paper
    /// that meanwhile got a tl;dr or a different abstract is left alone.
    /// Returns how many were stored.
    fn put_generated_tldrs(&self, items: &[GeneratedTldr]) -> Result<usize>;
    /// Every committed batch, oldest first: exports replay them and digests
    /// date papers by the batch that first stored them.
    fn batches(&self) -> Result<Vec<BatchInfo>>;
    /// Papers first stored by a batch after `batch` (new to the library,
    /// not merely updated), in id order, with the batch that created each.
    fn papers_created_since(&self, batch: i64) -> Result<Vec<(Paper, i64)>>;
    /// Every item of the user's own data, of every kind (for exports).
    fn all_user_items(&self) -> Result<Vec<UserItem>>;

    // Maintenance: integrity checks, backup and restore (`paperdex check`,
    // `backup`, `restore`). Backends that cannot do one say so.

    /// Problems in the storage itself (damaged pages, broken references
    /// between tables), one line each; empty when the store is sound.
    fn integrity_problems(&self) -> Result<Vec<String>> {
        Err(StoreError::Unsupported("integrity check"))
    }
    /// Papers that no stored source record belongs to (every paper must be
    /// reachable from the records it was made of), in id order.
    fn papers_without_sources(&self) -> Result<Vec<PaperId>> {
        Err(StoreError::Unsupported("integrity check"))
    }
    /// Every paper with the batches that created and last changed it, in id
    /// order: derived indexes are checked against it.
    fn paper_batches(&self) -> Result<Vec<PaperBatches>> {
        Err(StoreError::Unsupported("integrity check"))
    }
    /// How many papers existed after `batch`: those it or an earlier batch
    /// created (what a derived index that applied `batch` must hold).
    fn papers_created_through(&self, batch: i64) -> Result<u64> {
        let _ = batch;
        Err(StoreError::Unsupported("integrity check"))
    }
    /// How complete and current the stored embeddings of `model` are, for
    /// vectors of `dim` components.
    fn embedding_health(&self, model: &str, dim: usize) -> Result<EmbeddingHealth> {
        let _ = (model, dim);
        Err(StoreError::Unsupported("integrity check"))
    }
    /// Deletes the vectors of `model` that do not have `dim` components
    /// (they are made again by the next embedding run); returns how many.
    fn delete_malformed_embeddings(&self, model: &str, dim: usize) -> Result<u64> {
        let _ = (model, dim);
        Err(StoreError::Unsupported("repair"))
    }
    /// A digest of the library's content: papers, sources, authors, match
    /// keys, the user's own data and the embedding counts per model.
    /// Independent of batch numbering, so an interrupted and resumed ingest
    /// has the digest of an uninterrupted one, and a restored backup the
    /// digest of its original.
    fn content_digest(&self) -> Result<String> {
        Err(StoreError::Unsupported("content digest"))
    }
    /// Bytes the library takes in its database: tables, their indexes and
    /// not yet checkpointed writes (benchmarks report it per paper).
    fn storage_bytes(&self) -> Result<u64> {
        Err(StoreError::Unsupported("storage size"))
    }
    /// Writes a consistent copy of the whole library (including the user's
    /// stars, follows and digest state) to the file `dest`, while the
    /// library stays in use. `dest` must not exist.
    fn backup_to(&self, dest: &Path) -> Result<()> {
        let _ = dest;
        Err(StoreError::Unsupported("backup"))
    }
    /// Replaces this library, which must be empty, with the backup in `src`.
    fn restore_from(&self, src: &Path) -> Result<()> {
        let _ = src;
        Err(StoreError::Unsupported("restore"))
    }
}
