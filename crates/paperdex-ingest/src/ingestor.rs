use crate::authors::AuthorResolver;
use crate::report::{FileReport, IngestReport};
use crate::IngestError;
use paperdex_dedup::{
    decide, merge_fields, Candidate, DedupIndex, KeyKind, MatchKeys, MatchRule, MergeInput,
};
use paperdex_formats::{parse_file, Parsed};
use paperdex_model::{AuthorRef, Format, MergeNote, Paper, PaperId, PersonName, SourceRecord};
use paperdex_store::{
    LookupHint, NewSource, PackedRecord, Store, StoreError, StoredSource, WriteTx,
};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tracing::{info, instrument, warn};
use xxhash_rust::xxh3::xxh3_128;

/// How to ingest.
#[derive(Debug, Clone, Default)]
pub struct IngestOptions {
    /// Read every file as this format instead of detecting it.
    pub format: Option<Format>,
}

/// Progress events, for a progress bar.
#[derive(Debug, Clone)]
pub enum Progress {
    /// Files have been read and parsed; this many records will be stored.
    Parsed {
        /// Records across all files.
        records: usize,
    },
    /// Another file was stored (or failed).
    FileDone {
        /// Records of that file.
        records: usize,
    },
}

/// Ingests files into a store, keeping a match index of the library.
pub struct Ingestor<'s> {
    store: &'s dyn Store,
    index: DedupIndex,
    /// Match keys of papers touched in this run, per source, so a record
    /// matching a recent paper need not read its sources back. A fingerprint
    /// is kilobytes, so the cache is bounded by [`MAX_CACHED_CANDIDATES`].
    candidates: CandidateCache,
    authors: AuthorResolver,
    /// The last batch `index` and `candidates` reflect. Another process may
    /// commit batches after it; each batch first catches up from there.
    seen_batch: i64,
}

/// Every file under the given paths (directories recurse), sorted per path
/// so that ingest order, and with it paper ids, is deterministic.
pub fn collect_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut files = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| IngestError::Path {
            path: path.clone(),
            source,
        })?;
        if meta.is_dir() {
            let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
                .follow_links(true)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| e.file_type().is_file())
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .map(|e| e.into_path())
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// The largest file read. Listing files are megabytes; a larger file is
/// refused by name before it is read, so no file can exhaust memory (parsing
/// holds the text, its records and their stored copies at once).
pub const MAX_FILE_BYTES: u64 = 256 << 20;

/// Papers whose match keys the ingestor keeps between batches (each holds a
/// fingerprint of kilobytes); past it the least recently used half goes.
const MAX_CACHED_CANDIDATES: usize = 100_000;

/// Bytes of files parsed together. One window is parsed while the previous
/// one is stored, so memory holds about twice this.
const WINDOW_BYTES: u64 = 128 << 20;

/// Splits `files` into windows of at most [`WINDOW_BYTES`] (by size on
/// disk) and at most a few files per core.
fn parse_windows(files: &[PathBuf]) -> Vec<&[PathBuf]> {
    let max_files = rayon::current_num_threads().max(1) * 4;
    let mut windows = Vec::new();
    let (mut start, mut bytes) = (0, 0u64);
    for (i, path) in files.iter().enumerate() {
        let size = std::fs::metadata(path)
            .map_or(0, |m| m.len())
            .min(MAX_FILE_BYTES);
        if i > start && (bytes + size > WINDOW_BYTES || i - start >= max_files) {
            windows.push(&files[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += size;
    }
    if start < files.len() {
        windows.push(&files[start..]);
    }
    windows
}

/// Reads a file, refusing one larger than [`MAX_FILE_BYTES`] without reading
/// it (by its size, and by reading at most one byte more than the limit, for
/// devices and pipes that have no size).
fn read_bounded(path: &std::path::Path, name: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let too_large = |size: String| {
        format!(
            "{name}: file is {size} bytes; the limit is {MAX_FILE_BYTES} bytes ({} MiB)",
            MAX_FILE_BYTES >> 20
        )
    };
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > MAX_FILE_BYTES {
        return Err(too_large(size.to_string()));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read {name}: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(format!("more than {MAX_FILE_BYTES}")));
    }
    Ok(bytes)
}

impl<'s> Ingestor<'s> {
    /// Loads the library's match keys.
    #[instrument(skip_all)]
    pub fn open(store: &'s dyn Store) -> Result<Self, IngestError> {
        // Read before the keys: a batch committed in between is then both
        // loaded and caught up again, which is harmless (inserts are idempotent).
        let seen_batch = store.last_batch()?;
        let mut index = DedupIndex::new();
        store.for_each_match_key(&mut |kind, key, paper| {
            if let Some(kind) = key_kind(kind) {
                index.insert(kind, key, paper);
            }
        })?;
        Ok(Ingestor {
            store,
            index,
            candidates: CandidateCache::default(),
            authors: AuthorResolver::default(),
            seen_batch,
        })
    }

    /// Ingests files and directories. Each file is one batch.
    pub fn ingest_paths(
        &mut self,
        paths: &[PathBuf],
        options: &IngestOptions,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<IngestReport, IngestError> {
        let files = collect_files(paths)?;
        let windows = parse_windows(&files);
        // Reading, parsing and hashing are pure and per file, so they run on
        // the other cores while the single writer stores earlier files in
        // order: storing no longer waits for a window to be parsed. The queue
        // holds at most one window, so memory holds about two windows' files.
        let queued = windows.iter().map(|w| w.len()).max().unwrap_or(1);
        let (sender, receiver) = std::sync::mpsc::sync_channel(queued);
        std::thread::scope(|scope| {
            scope.spawn(move || {
                for window in windows {
                    let prepared: Vec<(String, Result<PreparedFile, String>)> = window
                        .par_iter()
                        .map(|path| {
                            let name = path.display().to_string();
                            let result = read_bounded(path, &name).and_then(|bytes| {
                                parse_file(&name, &bytes, options.format)
                                    .map(PreparedFile::of)
                                    .map_err(|e| e.to_string())
                            });
                            (name, result)
                        })
                        .collect();
                    for file in prepared {
                        // The writer stopped (it failed): nothing more to do.
                        if sender.send(file).is_err() {
                            return;
                        }
                    }
                }
            });
            // Owned here so that returning early drops it, which stops the parser.
            let receiver = receiver;
            let mut report = IngestReport::default();
            let mut records = 0;
            for (name, result) in receiver.iter() {
                records += result.as_ref().map_or(0, |p| p.parsed.records.len());
                progress(Progress::Parsed { records });
                let file_report = match result {
                    Ok(prepared) => self.store_prepared(&name, prepared)?,
                    Err(message) => {
                        warn!(file = %name, %message, "file not ingested");
                        FileReport {
                            file: name,
                            failed: Some(message),
                            ..Default::default()
                        }
                    }
                };
                progress(Progress::FileDone {
                    records: file_report.records,
                });
                report.files.push(file_report);
            }
            Ok(report)
        })
    }

    /// Ingests one file's bytes as one batch (`name` is stored as its file).
    pub fn ingest_bytes(
        &mut self,
        name: &str,
        bytes: &[u8],
        options: &IngestOptions,
    ) -> Result<FileReport, IngestError> {
        match parse_file(name, bytes, options.format) {
            Ok(parsed) => self.ingest_parsed(name, parsed),
            Err(e) => Ok(FileReport {
                file: name.to_string(),
                failed: Some(e.to_string()),
                ..Default::default()
            }),
        }
    }

    /// Stores one parsed file as one batch.
    pub fn ingest_parsed(&mut self, name: &str, parsed: Parsed) -> Result<FileReport, IngestError> {
        self.store_prepared(name, PreparedFile::of(parsed))
    }

    #[instrument(skip_all, fields(file = name))]
    fn store_prepared(
        &mut self,
        name: &str,
        file: PreparedFile,
    ) -> Result<FileReport, IngestError> {
        let PreparedFile {
            parsed,
            prepared,
            author_keys,
            family_keys,
        } = file;
        let mut report = FileReport {
            file: name.to_string(),
            format: Some(parsed.format.name().to_string()),
            records: parsed.records.len(),
            errors: parsed.errors,
            ..Default::default()
        };
        self.candidates.age();
        let hint = LookupHint {
            content_hashes: prepared.iter().map(|r| r.hash.as_str()).collect(),
            author_keys,
            family_keys,
        };
        let mut batch = BatchState::default();
        let result = self.store.write(&format!("ingest {name}"), &mut |tx| {
            batch = BatchState::default();
            // Later records of the batch find its earlier ones by arXiv id
            // or DOI, the only rules that can merge two records of one
            // listing: those keys go straight into the index, journaled so
            // that a rollback takes them out. Title and abstract keys join
            // after the commit; during the batch they would only fill the
            // candidate list with papers of this listing, never a match.
            self.index.rollback_batch();
            self.index.begin_batch();
            self.catch_up(tx)?;
            tx.prefetch(&hint)?;
            let candidates = self.preload_candidates(tx, &prepared, &mut batch)?;
            let records = parsed.records.iter().enumerate().zip(&prepared);
            for ((record, prepared), candidates) in records.zip(&candidates) {
                self.store_record(tx, record, prepared, candidates, &mut batch)?;
            }
            Ok(())
        });
        match result {
            Ok(batch_id) => {
                self.seen_batch = batch_id;
                self.index.commit_batch();
                for (paper, record_index) in batch.indexed {
                    self.index.insert_keys(&prepared[record_index].keys, paper);
                }
                report.batch = Some(batch_id);
                report.new_papers = batch.new_papers;
                report.merged = batch.merged;
                report.unchanged = batch.unchanged;
                batch.changed.sort_unstable();
                batch.changed.dedup();
                report.changed_papers = batch.changed;
                info!(
                    records = report.records,
                    new = report.new_papers,
                    merged = report.merged,
                    candidates_read = batch.candidates_read,
                    "file stored"
                );
            }
            Err(e) => {
                // The batch rolled back: forget what it taught the index and cache.
                self.index.rollback_batch();
                for paper in &batch.changed {
                    self.candidates.remove(paper);
                }
                match e {
                    StoreError::Aborted(message) => report.failed = Some(message),
                    other => return Err(other.into()),
                }
            }
        }
        Ok(report)
    }

    /// Learns what other writers committed since `seen_batch`: their papers'
    /// match keys join the index, and cached candidates of those papers are
    /// dropped so they are read back with the other writers' sources. Runs
    /// inside the batch's transaction, after the store serialized writers, so
    /// nothing can commit between this and the batch.
    fn catch_up(&mut self, tx: &mut dyn WriteTx) -> Result<(), StoreError> {
        let changed = tx.match_keys_since(self.seen_batch)?;
        if !changed.is_empty() {
            info!(
                papers = changed.len(),
                since = self.seen_batch,
                "caught up with other writers"
            );
        }
        for (paper, keys) in changed {
            self.candidates.remove(&paper);
            for (kind, key) in keys {
                if let Some(kind) = key_kind(kind) {
                    self.index.insert(kind, key, paper);
                }
            }
        }
        Ok(())
    }

    /// The candidate papers of each record as the batch starts (empty for a
    /// record already stored), with the sources of those not cached read
    /// back in one go. Within a batch only its own records' ids add
    /// candidates (papers of this batch, which are cached; see
    /// `store_record`), so this is every read the batch would make one
    /// paper at a time: past the cache's bound, in a large library, that was
    /// a statement (on a server, a round trip) per candidate.
    fn preload_candidates(
        &mut self,
        tx: &mut dyn WriteTx,
        records: &[PreparedRecord],
        batch: &mut BatchState,
    ) -> Result<Vec<Vec<PaperId>>, StoreError> {
        let mut per_record = Vec::with_capacity(records.len());
        for record in records {
            per_record.push(if tx.source_exists(&record.hash)? {
                Vec::new()
            } else {
                self.index.candidate_papers(&record.keys)
            });
        }
        let mut missing: Vec<PaperId> = per_record
            .iter()
            .flatten()
            .copied()
            .filter(|id| !self.candidates.contains(id))
            .collect();
        missing.sort_unstable();
        missing.dedup();
        if missing.is_empty() {
            return Ok(per_record);
        }
        batch.candidates_read += missing.len();
        let mut by_paper: HashMap<PaperId, Vec<Arc<MatchKeys>>> =
            missing.iter().map(|&paper| (paper, Vec::new())).collect();
        // Fingerprinting the abstracts is most of the work: on all cores.
        let sources = tx.sources_of_papers(&missing)?;
        let keyed: Vec<(PaperId, Arc<MatchKeys>)> = sources
            .par_iter()
            .map(|s| {
                (
                    s.paper_id,
                    Arc::new(MatchKeys::from_fields(&s.fields, &s.file)),
                )
            })
            .collect();
        for (paper, keys) in keyed {
            if let Some(list) = by_paper.get_mut(&paper) {
                list.push(keys);
            }
        }
        for (paper_id, sources) in by_paper {
            self.candidates
                .insert(paper_id, Candidate { paper_id, sources });
        }
        Ok(per_record)
    }

    /// Caches the match keys of `paper`'s sources, reading them once.
    fn load_candidate(
        &mut self,
        tx: &mut dyn WriteTx,
        paper: PaperId,
        batch: &mut BatchState,
    ) -> Result<(), StoreError> {
        if self.candidates.promote(paper) {
            return Ok(());
        }
        batch.candidates_read += 1;
        let sources = tx.sources_of(paper)?;
        let c = Candidate {
            paper_id: paper,
            sources: sources
                .iter()
                .map(|s| Arc::new(MatchKeys::from_fields(&s.fields, &s.file)))
                .collect(),
        };
        self.candidates.insert(paper, c);
        Ok(())
    }

    fn store_record(
        &mut self,
        tx: &mut dyn WriteTx,
        (record_index, record): (usize, &SourceRecord),
        prepared: &PreparedRecord,
        preloaded: &[PaperId],
        batch: &mut BatchState,
    ) -> Result<(), StoreError> {
        let PreparedRecord { hash, keys, packed } = prepared;
        if tx.source_exists(hash)? {
            batch.unchanged += 1;
            return Ok(());
        }
        // The candidates as the batch started, and papers of this batch that
        // share an id with the record: together, what
        // `DedupIndex::candidate_papers` would answer now, without looking
        // every key up again.
        let mut ids = preloaded.to_vec();
        ids.extend(self.index.id_candidates(keys));
        ids.sort_unstable();
        ids.dedup();
        for &id in &ids {
            self.load_candidate(tx, id, batch)?;
        }
        // Borrowed from the cache: fingerprints are not copied per lookup.
        let candidates: Vec<&Candidate> = ids
            .iter()
            .filter_map(|id| self.candidates.get(id))
            .collect();
        let decision = decide(keys, &candidates);
        let paper_id = match decision.paper_id {
            Some(id) => {
                batch.merged += 1;
                id
            }
            None => {
                batch.new_papers += 1;
                tx.new_paper()?
            }
        };
        let source_id = tx.insert_source(&NewSource {
            paper_id,
            content_hash: hash,
            record,
            packed,
            rule: decision.rule.name(),
            score: decision.score,
            detail: &decision.detail,
        })?;
        let sources = if decision.rule == MatchRule::New {
            vec![StoredSource {
                id: source_id,
                paper_id,
                format: record.format,
                file: record.file.clone(),
                line: record.line,
                index: record.index,
                raw: String::new(),
                fields: record.fields.clone(),
                rule: decision.rule.name().to_string(),
                score: decision.score,
                detail: decision.detail.clone(),
                batch_id: tx.batch_id(),
            }]
        } else {
            tx.sources_of(paper_id)?
        };
        // Authors the paper already had are evidence for initials variants.
        let previous_authors = match decision.rule {
            MatchRule::New => Vec::new(),
            _ => tx.paper_author_ids(paper_id)?,
        };
        let paper = build_paper(tx, &mut self.authors, paper_id, &sources, &previous_authors)?;
        let mut all_keys: Vec<(u8, i64)> = Vec::new();
        let entry = self
            .candidates
            .entry(paper_id)
            .or_insert_with(|| Candidate {
                paper_id,
                sources: Vec::new(),
            });
        entry.sources.push(Arc::clone(keys));
        for source_keys in &entry.sources {
            source_keys.for_each_index_key(|kind, key| all_keys.push((kind as u8, key)));
        }
        all_keys.sort_unstable();
        all_keys.dedup();
        tx.save_paper(&paper, &all_keys)?;
        self.index.insert_id_keys(keys, paper_id);
        batch.indexed.push((paper_id, record_index));
        batch.changed.push(paper_id);
        Ok(())
    }
}

/// Candidates of papers touched recently, in two generations: when the
/// current one fills, it becomes the old one and the oldest is dropped, and a
/// paper looked up from the old one moves back to the current. Clearing the
/// whole cache instead made a library past the bound read back, unpack and
/// re-fingerprint the sources of every candidate at once.
#[derive(Default)]
struct CandidateCache {
    current: HashMap<PaperId, Candidate>,
    old: HashMap<PaperId, Candidate>,
}

impl CandidateCache {
    /// Starts a new generation if the current one is full; between batches,
    /// so that candidates borrowed within a batch stay put.
    fn age(&mut self) {
        if self.current.len() >= MAX_CACHED_CANDIDATES / 2 {
            self.old = std::mem::take(&mut self.current);
        }
    }

    /// Whether `paper` is cached (in either generation).
    fn contains(&self, paper: &PaperId) -> bool {
        self.current.contains_key(paper) || self.old.contains_key(paper)
    }

    /// Whether `paper` is cached, moving it to the current generation.
    fn promote(&mut self, paper: PaperId) -> bool {
        if self.current.contains_key(&paper) {
            return true;
        }
        match self.old.remove(&paper) {
            Some(candidate) => {
                self.current.insert(paper, candidate);
                true
            }
            None => false,
        }
    }

    fn get(&self, paper: &PaperId) -> Option<&Candidate> {
        self.current.get(paper).or_else(|| self.old.get(paper))
    }

    fn insert(&mut self, paper: PaperId, candidate: Candidate) {
        self.old.remove(&paper);
        self.current.insert(paper, candidate);
    }

    fn remove(&mut self, paper: &PaperId) {
        self.current.remove(paper);
        self.old.remove(paper);
    }

    fn entry(
        &mut self,
        paper: PaperId,
    ) -> std::collections::hash_map::Entry<'_, PaperId, Candidate> {
        self.promote(paper);
        self.current.entry(paper)
    }
}

#[derive(Default)]
struct BatchState {
    /// Papers stored, with the index of the record whose keys to index
    /// once the batch commits.
    indexed: Vec<(PaperId, usize)>,
    changed: Vec<PaperId>,
    new_papers: usize,
    merged: usize,
    unchanged: usize,
    /// Candidate papers whose sources were read back from the store.
    candidates_read: usize,
}

/// The pure work of storing one record, done before its batch.
struct PreparedRecord {
    hash: String,
    keys: Arc<MatchKeys>,
    packed: PackedRecord,
}

/// A parsed file with the pure work of storing it done: each record's
/// content hash, match keys and packed text, and the author keys the batch
/// will look up.
struct PreparedFile {
    parsed: Parsed,
    prepared: Vec<PreparedRecord>,
    author_keys: Vec<String>,
    family_keys: Vec<String>,
}

impl PreparedFile {
    fn of(parsed: Parsed) -> PreparedFile {
        let prepared: Vec<PreparedRecord> = parsed
            .records
            .par_iter()
            .map(|r| PreparedRecord {
                hash: content_hash(r),
                keys: Arc::new(MatchKeys::of(r)),
                packed: PackedRecord::pack(&r.raw, &r.fields),
            })
            .collect();
        let names: Vec<(String, String)> = parsed
            .records
            .par_iter()
            .flat_map_iter(|r| {
                r.fields
                    .authors
                    .iter()
                    .chain(&r.fields.listing_author)
                    .filter_map(|a| PersonName::parse(a))
                    .map(|n| (n.key(), n.family_key()))
                    .collect::<Vec<_>>()
            })
            .collect();
        let (mut author_keys, mut family_keys): (Vec<String>, Vec<String>) =
            names.into_iter().unzip();
        author_keys.sort_unstable();
        author_keys.dedup();
        family_keys.sort_unstable();
        family_keys.dedup();
        PreparedFile {
            parsed,
            prepared,
            author_keys,
            family_keys,
        }
    }
}

fn key_kind(kind: u8) -> Option<KeyKind> {
    [
        KeyKind::Arxiv,
        KeyKind::Doi,
        KeyKind::Title,
        KeyKind::Anchor,
    ]
    .into_iter()
    .find(|k| *k as u8 == kind)
}

/// A record's identity: its format and verbatim text. The same record read
/// again, from any file, is recognized and not stored twice.
fn content_hash(record: &SourceRecord) -> String {
    let mut bytes = Vec::with_capacity(record.raw.len() + 32);
    bytes.extend_from_slice(record.format.name().as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(record.raw.as_bytes());
    format!("{:032x}", xxh3_128(&bytes))
}

/// Merges a paper from all its sources and resolves its authors.
fn build_paper(
    tx: &mut dyn WriteTx,
    resolver: &mut AuthorResolver,
    paper_id: PaperId,
    sources: &[StoredSource],
    known_authors: &[i64],
) -> Result<Paper, StoreError> {
    let inputs: Vec<MergeInput<'_>> = sources
        .iter()
        .map(|s| MergeInput {
            source_id: s.id,
            format: s.format,
            fields: &s.fields,
        })
        .collect();
    let merged = merge_fields(&inputs);
    let names: Vec<(&String, PersonName)> = merged
        .authors
        .iter()
        .filter_map(|raw| Some((raw, PersonName::parse(raw)?)))
        .collect();
    let coauthor_keys: Vec<String> = names.iter().map(|(_, n)| n.key()).collect();
    let mut authors: Vec<AuthorRef> = Vec::with_capacity(names.len());
    for ((raw, name), key) in names.iter().zip(&coauthor_keys) {
        let id = resolver.resolve(tx, name, key, known_authors, &coauthor_keys)?;
        if !authors.iter().any(|a| a.id == id) {
            authors.push(AuthorRef {
                id,
                name: (*raw).clone(),
            });
        }
    }
    Ok(Paper {
        id: paper_id,
        title: merged.title,
        title_derived: merged.title_derived,
        authors,
        abstract_text: merged.abstract_text,
        tldr: merged.tldr,
        tldr_generated: false,
        arxiv_id: merged.arxiv_id,
        doi: merged.doi,
        venue: merged.venue,
        year: merged.year,
        date: merged.date,
        categories: merged.categories,
        comments: merged.comments,
        links: merged.links,
        citation_count: merged.citation_count,
        upvotes: merged.upvotes,
        field_sources: merged.field_sources,
        merges: sources
            .iter()
            .map(|s| MergeNote {
                source_id: s.id,
                rule: s.rule.clone(),
                score: s.score,
                detail: s.detail.clone(),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(paper: PaperId) -> Candidate {
        Candidate {
            paper_id: paper,
            sources: Vec::new(),
        }
    }

    #[test]
    fn the_candidate_cache_drops_the_least_recently_used_generation() {
        let mut cache = CandidateCache::default();
        let half = MAX_CACHED_CANDIDATES as PaperId / 2;
        for paper in 0..half {
            cache.insert(paper, candidate(paper));
        }
        cache.age();
        // Looked up after the first generation aged: it survives the next.
        assert!(cache.promote(7));
        assert!(cache.get(&8).is_some(), "an aged generation is still read");
        for paper in half..2 * half {
            cache.insert(paper, candidate(paper));
        }
        cache.age();
        assert!(cache.get(&7).is_some(), "a promoted paper stays");
        assert!(cache.get(&8).is_none(), "an unused old paper goes");
        assert!(cache.get(&(2 * half - 1)).is_some());
        cache.remove(&7);
        assert!(!cache.promote(7));
    }
}
