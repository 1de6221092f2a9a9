//! [`TextIndex`]: the tantivy index over papers, its writer and its searches.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Mutex, MutexGuard};

use paperdex_model::{Paper, PaperId};
use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, Count, SegmentCollector, TopDocs};
use tantivy::columnar::Column;
use tantivy::directory::MmapDirectory;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, EnableScoring, Occur,
    PhraseQuery, Query, RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{
    DocAddress, DocId, DocSet, Index, IndexReader, IndexSettings, IndexWriter, ReloadPolicy, Score,
    Searcher, SegmentOrdinal, SegmentReader, TantivyDocument, Term, TERMINATED,
};
use tracing::instrument;

use crate::error::IndexError;
use crate::query::{Filters, ParsedQuery};
use crate::schema::{
    build_schema, exact_analyzer, normalize_exact, register_analyzers, text_analyzer, Fields, ID,
    SCHEMA_VERSION, YEAR,
};
use crate::term_union::TermUnionQuery;

/// The writer's memory budget, split between its threads (at most one per
/// core, at least 15 MB each). Segments are flushed when it fills up.
const WRITER_HEAP_BYTES: usize = 64 * 1024 * 1024;

/// One paper to index, with the names of the source files it came from
/// (searched by `source:`).
#[derive(Debug, Clone, Copy)]
pub struct IndexDoc<'a> {
    /// The paper.
    pub paper: &'a Paper,
    /// Names of the source files that describe it.
    pub sources: &'a [String],
}

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hit {
    /// The paper.
    pub paper_id: PaperId,
    /// BM25 score with field boosts; higher is better. 0 when the query had
    /// no words (results are then ordered by year, newest first).
    pub score: f32,
}

/// How many papers a query matches, from [`TextIndex::count_up_to`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct MatchCount {
    /// The matches counted: all of them when `exact`, else the cap (there
    /// are more).
    pub matches: usize,
    /// False when counting stopped at the cap.
    pub exact: bool,
}

impl MatchCount {
    /// All `matches` counted.
    pub fn exact(matches: usize) -> Self {
        MatchCount {
            matches,
            exact: true,
        }
    }
}

/// A fragment of a paper's abstract, with the parts that match the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    /// The fragment, as stored (not escaped).
    pub text: String,
    /// Byte ranges `(start, end)` of `text` to highlight: sorted, not
    /// overlapping, on char boundaries. Escape the text between them, then mark.
    pub highlights: Vec<(usize, usize)>,
}

/// What a commit records beside the documents.
#[derive(Debug, Serialize, Deserialize)]
struct CommitPayload {
    schema_version: u32,
    applied_batch: i64,
}

/// The full-text index: BM25 over titles, abstracts, tl;drs, authors and
/// venues, with filters on authors, years, venues and source files.
///
/// Derived from the store and always rebuildable. Searches run on the
/// snapshot of the last [`commit`](Self::commit); [`upsert`](Self::upsert)
/// and [`clear`](Self::clear) take effect at the next commit. One writer
/// per index directory (across processes), created on first write.
pub struct TextIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<Option<IndexWriter>>,
    fields: Fields,
    analyzer: TextAnalyzer,
    exact: TextAnalyzer,
    applied_batch: AtomicI64,
    needs_rebuild: AtomicBool,
}

impl fmt::Debug for TextIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TextIndex")
            .field("num_docs", &self.num_docs())
            .field("applied_batch", &self.applied_batch())
            .field("needs_rebuild", &self.needs_rebuild())
            .finish_non_exhaustive()
    }
}

/// What [`TextIndex::inspect`] found in an index directory.
#[derive(Debug)]
pub enum IndexState {
    /// No index there (it is created on the next open).
    Missing,
    /// An index that cannot be used, and why (it is rebuilt on the next open).
    Unusable(String),
    /// A readable index of the current schema.
    Usable(Box<TextIndex>),
}

/// A `ParsedQuery` turned into a tantivy query.
enum Compiled {
    /// Matches nothing (words were given, but none is searchable).
    Nothing,
    /// Ranked by BM25.
    Ranked(Box<dyn Query>),
    /// No words: every matching paper, newest first.
    Browse(Box<dyn Query>),
}

impl TextIndex {
    /// Opens the index in `dir`, creating `dir` and the index if needed.
    ///
    /// The directory belongs to the index. If it holds an index written with
    /// another schema version, or one that cannot be read, its files are
    /// deleted and an empty index is created; [`needs_rebuild`](Self::needs_rebuild)
    /// then says so, and the caller should feed every paper again.
    #[instrument(skip_all, fields(dir = %dir.display()))]
    pub fn open_or_create(dir: &Path) -> Result<Self, IndexError> {
        fs::create_dir_all(dir).map_err(IndexError::io(dir))?;
        match Self::open_existing(dir) {
            Ok(Some(index)) => {
                tracing::debug!(
                    docs = index.num_docs(),
                    applied_batch = index.applied_batch(),
                    "opened full-text index"
                );
                Ok(index)
            }
            Ok(None) => Self::create_in(dir, false),
            Err(reason) => {
                tracing::warn!(%reason, "discarding the full-text index; it must be rebuilt");
                wipe_dir(dir)?;
                Self::create_in(dir, true)
            }
        }
    }

    /// Looks at the index in `dir` without changing anything (unlike
    /// [`open_or_create`](Self::open_or_create), which discards an unusable
    /// index): for `paperdex check`.
    pub fn inspect(dir: &Path) -> IndexState {
        if !dir.join("meta.json").exists() {
            return IndexState::Missing;
        }
        match Self::open_existing(dir) {
            Ok(Some(index)) => IndexState::Usable(Box::new(index)),
            Ok(None) => IndexState::Missing,
            Err(reason) => IndexState::Unusable(reason),
        }
    }

    /// The paper id of every indexed document, in no particular order (an id
    /// twice means a paper indexed twice).
    pub fn indexed_ids(&self) -> Result<Vec<PaperId>, IndexError> {
        Ok(self.reader.searcher().search(&AllQuery, &IdCollector)?)
    }

    /// The abstract stored for a paper: `None` when the paper is not
    /// indexed, `Some(None)` when it is but has no abstract.
    pub fn indexed_abstract(
        &self,
        paper_id: PaperId,
    ) -> Result<Option<Option<String>>, IndexError> {
        let Some(doc) = self.stored_doc(&self.reader.searcher(), paper_id)? else {
            return Ok(None);
        };
        Ok(Some(
            doc.get_first(self.fields.abstract_text)
                .and_then(|v| v.as_str())
                .map(str::to_string),
        ))
    }

    /// An empty index in memory, for tests.
    pub fn in_memory() -> Result<Self, IndexError> {
        let (schema, _) = build_schema();
        Self::from_index(Index::create_in_ram(schema), 0, false)
    }

    /// The index in `dir` if there is one (`Ok(None)` if not), or why it
    /// cannot be used.
    fn open_existing(dir: &Path) -> Result<Option<Self>, String> {
        let directory = MmapDirectory::open(dir).map_err(|e| e.to_string())?;
        if !Index::exists(&directory).map_err(|e| e.to_string())? {
            return Ok(None);
        }
        let index = Index::open(directory).map_err(|e| format!("cannot open it: {e}"))?;
        if index.schema() != build_schema().0 {
            return Err("its schema differs from the current one".into());
        }
        // Every segment file ends with a checksum: a file damaged on disk
        // (a torn write, a bad sector, a stray edit) is found here, on open,
        // not by a search that fails later.
        let mut damaged: Vec<String> = index
            .validate_checksum()
            .map_err(|e| format!("cannot verify its files: {e}"))?
            .into_iter()
            .map(|p| p.display().to_string())
            .collect();
        if !damaged.is_empty() {
            damaged.sort();
            return Err(format!("damaged files: {}", damaged.join(", ")));
        }
        let metas = index
            .load_metas()
            .map_err(|e| format!("cannot read its metadata: {e}"))?;
        let applied_batch = match metas.payload.as_deref() {
            Some(payload) => {
                let payload: CommitPayload = serde_json::from_str(payload)
                    .map_err(|e| format!("unreadable commit payload {payload:?}: {e}"))?;
                if payload.schema_version != SCHEMA_VERSION {
                    return Err(format!(
                        "it has schema version {}, the current one is {SCHEMA_VERSION}",
                        payload.schema_version
                    ));
                }
                payload.applied_batch
            }
            // Created but never committed by us: fine if it is empty.
            None if metas.segments.is_empty() => 0,
            None => return Err("it was not written by paperdex (no commit payload)".into()),
        };
        Self::from_index(index, applied_batch, false)
            .map(Some)
            .map_err(|e| e.to_string())
    }

    fn create_in(dir: &Path, needs_rebuild: bool) -> Result<Self, IndexError> {
        let (schema, _) = build_schema();
        let directory = MmapDirectory::open(dir)
            .map_err(|e| IndexError::Tantivy(tantivy::TantivyError::from(e)))?;
        let index = Index::create(directory, schema, IndexSettings::default())?;
        tracing::info!(needs_rebuild, "created an empty full-text index");
        Self::from_index(index, 0, needs_rebuild)
    }

    fn from_index(
        mut index: Index,
        applied_batch: i64,
        needs_rebuild: bool,
    ) -> Result<Self, IndexError> {
        register_analyzers(index.tokenizers());
        // A query searches its segments in parallel, one per core: at a
        // million papers that halves lexical latency on two cores.
        index.set_default_multithread_executor()?;
        let (_, fields) = build_schema();
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(TextIndex {
            index,
            reader,
            writer: Mutex::new(None),
            fields,
            analyzer: text_analyzer(),
            exact: exact_analyzer(),
            applied_batch: AtomicI64::new(applied_batch),
            needs_rebuild: AtomicBool::new(needs_rebuild),
        })
    }

    /// True when an existing index was discarded on open (another schema
    /// version, or damaged) and no commit has happened since: every paper
    /// must be indexed again.
    pub fn needs_rebuild(&self) -> bool {
        self.needs_rebuild.load(Ordering::SeqCst)
    }

    /// Takes the index's writer (and its directory lock) now, if this
    /// handle does not hold it yet. A new writer starts from the last
    /// commit on disk, whichever process made it, so
    /// [`applied_batch`](Self::applied_batch) is re-read from that commit:
    /// take the writer before deciding what to index.
    ///
    /// Fails with [`IndexError::Locked`] while another process writes.
    pub fn acquire_writer(&self) -> Result<(), IndexError> {
        self.with_writer(|_| Ok(()))
    }

    /// Moves searches to the last commit on disk, which another process may
    /// have made, and re-reads its [`applied_batch`](Self::applied_batch).
    /// Returns that batch. While this handle holds the writer, nobody else
    /// can commit, and its own batch stands.
    pub fn reload(&self) -> Result<i64, IndexError> {
        // The payload is read before the reader moves on: the batch recorded
        // is never ahead of what searches see (re-indexing is idempotent).
        let applied = self.committed_batch()?;
        self.reader.reload()?;
        if self.lock_writer().is_none() {
            self.applied_batch.store(applied, Ordering::SeqCst);
        }
        Ok(self.applied_batch())
    }

    /// The `applied_batch` recorded by the last commit on disk.
    fn committed_batch(&self) -> Result<i64, IndexError> {
        let metas = self.index.load_metas()?;
        Ok(match metas.payload.as_deref() {
            Some(payload) => serde_json::from_str::<CommitPayload>(payload)?.applied_batch,
            None => 0,
        })
    }

    /// Adds papers, replacing any indexed paper with the same id. Takes
    /// effect at the next [`commit`](Self::commit).
    #[instrument(skip_all, fields(docs = docs.len()))]
    pub fn upsert(&self, docs: &[IndexDoc<'_>]) -> Result<(), IndexError> {
        self.with_writer(|writer| {
            for doc in docs {
                writer.delete_term(Term::from_field_i64(self.fields.id, doc.paper.id));
                writer.add_document(self.document(doc))?;
            }
            Ok(())
        })
    }

    /// Makes every change since the last commit durable and visible to
    /// searches, recording `applied_batch` (the last store batch these
    /// changes reflect) with them.
    #[instrument(skip(self))]
    pub fn commit(&self, applied_batch: i64) -> Result<(), IndexError> {
        let payload = serde_json::to_string(&CommitPayload {
            schema_version: SCHEMA_VERSION,
            applied_batch,
        })?;
        self.with_writer(|writer| {
            let mut prepared = writer.prepare_commit()?;
            prepared.set_payload(&payload);
            prepared.commit()?;
            // Still under the writer's lock, so concurrent commits cannot
            // leave an older batch number recorded.
            self.applied_batch.store(applied_batch, Ordering::SeqCst);
            self.needs_rebuild.store(false, Ordering::SeqCst);
            self.reader.reload()?;
            Ok(())
        })
    }

    /// The `applied_batch` of the last commit; 0 for a new index.
    pub fn applied_batch(&self) -> i64 {
        self.applied_batch.load(Ordering::SeqCst)
    }

    /// Removes every paper, including changes not yet committed. Takes
    /// effect at the next [`commit`](Self::commit), so a rebuild (clear,
    /// upsert everything, commit) is atomic for readers.
    #[instrument(skip_all)]
    pub fn clear(&self) -> Result<(), IndexError> {
        self.with_writer(|writer| {
            writer.rollback()?;
            writer.delete_all_documents()?;
            Ok(())
        })
    }

    /// Waits for background segment merges, then releases the writer and its
    /// directory lock (a later write takes them again). Changes not yet
    /// committed are dropped. Call after a large rebuild.
    pub fn wait_for_merges(&self) -> Result<(), IndexError> {
        let writer = self.lock_writer().take();
        if let Some(writer) = writer {
            writer.wait_merging_threads()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    /// Segments a query visits (each costs a block-max WAND pass).
    pub fn num_segments(&self) -> usize {
        self.reader.searcher().segment_readers().len()
    }

    /// The number of papers in the last committed snapshot.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Papers matching `q`, best first, skipping `offset` of them.
    ///
    /// Words (any of them) are ranked by BM25 over the boosted text fields;
    /// phrases must all match; exclusions and filters restrict. A query
    /// with no words or phrases lists every paper that passes the filters
    /// and exclusions, newest first.
    pub fn search(
        &self,
        q: &ParsedQuery,
        limit: usize,
        offset: usize,
    ) -> Result<Vec<Hit>, IndexError> {
        let searcher = self.reader.searcher();
        let total = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        if limit == 0 || offset >= total {
            return Ok(Vec::new());
        }
        // tantivy allocates for limit + offset; never more than there are docs.
        let limit = limit.min(total - offset);
        let top = TopDocs::with_limit(limit).and_offset(offset);
        match self.compile(q) {
            Compiled::Nothing => Ok(Vec::new()),
            Compiled::Ranked(query) => {
                let docs = searcher.search(&*query, &top)?;
                let mut ids = IdLookup::new(&searcher);
                docs.into_iter()
                    .map(|(score, address)| {
                        Ok(Hit {
                            paper_id: ids.id(address)?,
                            score,
                        })
                    })
                    .collect()
            }
            Compiled::Browse(query) => {
                let newest_first = top.custom_score(|segment: &SegmentReader| {
                    let year = i64_column(segment, YEAR);
                    let id = i64_column(segment, ID);
                    move |doc: DocId| {
                        let value = |column: &Option<Column<i64>>| {
                            column
                                .as_ref()
                                .and_then(|c| c.first(doc))
                                .unwrap_or(i64::MIN)
                        };
                        (value(&year), value(&id))
                    }
                });
                let docs = searcher.search(&*query, &newest_first)?;
                Ok(docs
                    .into_iter()
                    .map(|((_year, paper_id), _)| Hit {
                        paper_id,
                        score: 0.0,
                    })
                    .collect())
            }
        }
    }

    /// The number of papers [`search`](Self::search) would find.
    pub fn count(&self, q: &ParsedQuery) -> Result<usize, IndexError> {
        let searcher = self.reader.searcher();
        match self.compile(q) {
            Compiled::Nothing => Ok(0),
            Compiled::Ranked(query) | Compiled::Browse(query) => {
                Ok(searcher.search(&*query, &Count)?)
            }
        }
    }

    /// Like [`count`](Self::count), but stops past `cap` matches: a common
    /// word matches most of a million papers, and counting them all costs
    /// as much as ranking them. Exact below the cap (as a search engine's
    /// "more than 10,000 results").
    pub fn count_up_to(&self, q: &ParsedQuery, cap: usize) -> Result<MatchCount, IndexError> {
        let searcher = self.reader.searcher();
        let query = match self.compile(q) {
            Compiled::Nothing => return Ok(MatchCount::exact(0)),
            Compiled::Ranked(query) | Compiled::Browse(query) => query,
        };
        let weight = query.weight(EnableScoring::disabled_from_searcher(&searcher))?;
        let mut matches = 0usize;
        for segment in searcher.segment_readers() {
            let alive = segment.alive_bitset();
            let mut docs = weight.scorer(segment, 1.0)?;
            let mut doc = docs.doc();
            while doc != TERMINATED {
                if alive.is_none_or(|alive| alive.is_alive(doc)) {
                    if matches == cap {
                        return Ok(MatchCount {
                            matches: cap,
                            exact: false,
                        });
                    }
                    matches += 1;
                }
                doc = docs.advance();
            }
        }
        Ok(MatchCount::exact(matches))
    }

    /// Every paper passing `filters`, by ascending id, to restrict a
    /// semantic search; `None` when `filters` is empty (no restriction).
    pub fn filter_ids(&self, filters: &Filters) -> Result<Option<Vec<PaperId>>, IndexError> {
        if filters.is_empty() {
            return Ok(None);
        }
        let clauses = self
            .filter_queries(filters)
            .into_iter()
            .map(|q| (Occur::Must, q))
            .collect();
        let query = BooleanQuery::new(clauses);
        let mut ids = self.reader.searcher().search(&query, &IdCollector)?;
        ids.sort_unstable();
        ids.dedup();
        Ok(Some(ids))
    }

    /// A fragment of the paper's abstract of about `max_chars` bytes,
    /// with the query's words highlighted; the abstract's beginning when no
    /// word matches in it. `None` if the paper is not indexed or has no
    /// abstract.
    pub fn snippet(
        &self,
        q: &ParsedQuery,
        paper_id: PaperId,
        max_chars: usize,
    ) -> Result<Option<Snippet>, IndexError> {
        let searcher = self.reader.searcher();
        let Some(doc) = self.stored_doc(&searcher, paper_id)? else {
            return Ok(None);
        };
        let Some(text) = doc
            .get_first(self.fields.abstract_text)
            .and_then(|v| v.as_str())
            .filter(|t| !t.trim().is_empty())
        else {
            return Ok(None);
        };
        let max_chars = max_chars.max(1);
        if let Some(query) = self.text_query(q) {
            let mut generator =
                SnippetGenerator::create(&searcher, &*query, self.fields.abstract_text)?;
            generator.set_max_num_chars(max_chars);
            let snippet = generator.snippet(text);
            if !snippet.highlighted().is_empty() {
                return Ok(Some(Snippet {
                    text: snippet.fragment().to_string(),
                    highlights: merge_ranges(
                        snippet.highlighted().iter().map(|r| (r.start, r.end)),
                    ),
                }));
            }
        }
        Ok(Some(Snippet {
            text: leading_text(text, max_chars).to_string(),
            highlights: Vec::new(),
        }))
    }

    /// The stored document of a paper, `None` when it is not indexed.
    fn stored_doc(
        &self,
        searcher: &Searcher,
        paper_id: PaperId,
    ) -> Result<Option<TantivyDocument>, IndexError> {
        let by_id = TermQuery::new(
            Term::from_field_i64(self.fields.id, paper_id),
            IndexRecordOption::Basic,
        );
        let Some(&(_, address)) = searcher.search(&by_id, &TopDocs::with_limit(1))?.first() else {
            return Ok(None);
        };
        Ok(Some(searcher.doc(address)?))
    }

    fn lock_writer(&self) -> MutexGuard<'_, Option<IndexWriter>> {
        // A panic while writing leaves nothing half-done that a later commit
        // or rollback does not handle, so a poisoned lock is still usable.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with_writer<T>(
        &self,
        f: impl FnOnce(&mut IndexWriter) -> Result<T, IndexError>,
    ) -> Result<T, IndexError> {
        let mut guard = self.lock_writer();
        let writer = match &mut *guard {
            Some(writer) => writer,
            empty => {
                let writer = self.index.writer(WRITER_HEAP_BYTES).map_err(|e| match e {
                    e @ tantivy::TantivyError::LockFailure(..) => IndexError::Locked(e),
                    e => IndexError::Tantivy(e),
                })?;
                // Another process may have committed since this handle last
                // wrote; the new writer starts from that commit.
                if !self.needs_rebuild() {
                    self.applied_batch
                        .store(self.committed_batch()?, Ordering::SeqCst);
                }
                empty.insert(writer)
            }
        };
        f(writer)
    }

    fn document(&self, doc: &IndexDoc<'_>) -> TantivyDocument {
        let f = &self.fields;
        let paper = doc.paper;
        let mut out = TantivyDocument::default();
        out.add_i64(f.id, paper.id);
        out.add_text(f.title, &paper.title);
        if let Some(text) = &paper.abstract_text {
            out.add_text(f.abstract_text, text);
        }
        if let Some(text) = &paper.tldr {
            out.add_text(f.tldr, text);
        }
        for author in &paper.authors {
            out.add_text(f.authors, &author.name);
            let name = normalize_exact(&author.name);
            if !name.is_empty() {
                out.add_text(f.author_exact, &name);
            }
        }
        if let Some(venue) = &paper.venue {
            out.add_text(f.venue, venue);
        }
        if let Some(year) = paper.year {
            out.add_i64(f.year, i64::from(year));
        }
        for source in doc.sources {
            out.add_text(f.source, source);
        }
        out
    }

    fn compile(&self, q: &ParsedQuery) -> Compiled {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for filter in self.filter_queries(&q.filters) {
            // Filters restrict; they must not change the ranking.
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
        }
        for excluded in &q.excluded {
            if let Some(query) = self.any_field(excluded) {
                clauses.push((Occur::MustNot, query));
            }
        }
        match self.text_query(q) {
            // Alone, the words stay a union of term queries, whose top-k
            // ranking skips what cannot rank (see `TermUnionQuery`).
            Some(text) if clauses.is_empty() => Compiled::Ranked(text),
            Some(text) => match text.downcast::<TermUnionQuery>() {
                // Words alone: filters and exclusions go inside the union.
                Ok(words) => Compiled::Ranked(Box::new(words.restricted_by(clauses))),
                Err(text) => {
                    clauses.push((Occur::Must, text));
                    Compiled::Ranked(Box::new(BooleanQuery::new(clauses)))
                }
            },
            None if q.has_text() => Compiled::Nothing,
            None => {
                if !clauses.iter().any(|(occur, _)| *occur == Occur::Must) {
                    clauses.push((Occur::Must, Box::new(AllQuery)));
                }
                Compiled::Browse(Box::new(BooleanQuery::new(clauses)))
            }
        }
    }

    /// Words: any of them, each term queried in every text field with its
    /// boost. Phrases: every one, in any field. `None` when there is
    /// nothing to search for.
    fn text_query(&self, q: &ParsedQuery) -> Option<Box<dyn Query>> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for phrase in &q.phrases {
            if let Some(query) = self.any_field(phrase) {
                clauses.push((Occur::Must, query));
            }
        }
        let mut seen = HashSet::new();
        let mut terms = Vec::new();
        for word in &q.terms {
            for (_, token) in analyze(&self.analyzer, word) {
                if !seen.insert(token.clone()) {
                    continue;
                }
                for (field, boost) in self.fields.boosted_text() {
                    terms.push((Term::from_field_text(field, &token), boost));
                }
            }
        }
        let words = (!terms.is_empty()).then(|| Box::new(TermUnionQuery::new(terms)));
        match (clauses.is_empty(), words) {
            (true, None) => None,
            (true, Some(words)) => Some(words),
            (false, words) => {
                clauses.extend(words.map(|w| (Occur::Should, w as Box<dyn Query>)));
                Some(Box::new(BooleanQuery::new(clauses)))
            }
        }
    }

    /// `text` (a word or a phrase) in any text field, boosted; `None` if
    /// it has no searchable token.
    fn any_field(&self, text: &str) -> Option<Box<dyn Query>> {
        let tokens = analyze(&self.analyzer, text);
        if tokens.is_empty() {
            return None;
        }
        let clauses = self
            .fields
            .boosted_text()
            .into_iter()
            .map(|(field, boost)| (Occur::Should, boosted(in_field(field, &tokens), boost)))
            .collect();
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// One query per filter; a paper must match all of them.
    fn filter_queries(&self, filters: &Filters) -> Vec<Box<dyn Query>> {
        let f = &self.fields;
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        for author in &filters.authors {
            let name = normalize_exact(author);
            if name.contains(' ') {
                // A full name: exactly one author's whole name.
                let tokens = analyze(&self.exact, &name);
                out.push(match tokens.first() {
                    Some((_, token)) => Box::new(TermQuery::new(
                        Term::from_field_text(f.author_exact, token),
                        IndexRecordOption::Basic,
                    )),
                    None => Box::new(EmptyQuery),
                });
            } else {
                out.push(self.in_field_or_nothing(f.authors, &name));
            }
        }
        if filters.year_from.is_some() || filters.year_to.is_some() {
            let bound = |year: Option<i32>| match year {
                Some(year) => Bound::Included(Term::from_field_i64(f.year, i64::from(year))),
                None => Bound::Unbounded,
            };
            out.push(Box::new(RangeQuery::new(
                bound(filters.year_from),
                bound(filters.year_to),
            )));
        }
        if !filters.venues.is_empty() {
            let any = filters
                .venues
                .iter()
                .map(|venue| (Occur::Should, self.in_field_or_nothing(f.venue, venue)))
                .collect();
            out.push(Box::new(BooleanQuery::new(any)));
        }
        if !filters.sources.is_empty() {
            let any = filters
                .sources
                .iter()
                .map(|needle| (Occur::Should, self.source_query(needle)))
                .collect();
            out.push(Box::new(BooleanQuery::new(any)));
        }
        out
    }

    fn in_field_or_nothing(&self, field: Field, text: &str) -> Box<dyn Query> {
        let tokens = analyze(&self.analyzer, text);
        if tokens.is_empty() {
            Box::new(EmptyQuery)
        } else {
            in_field(field, &tokens)
        }
    }

    /// Papers with a source file name containing `needle` (case and
    /// accents aside): a regex over the indexed, lowercased names.
    fn source_query(&self, needle: &str) -> Box<dyn Query> {
        let needle: String = analyze(&self.exact, needle)
            .into_iter()
            .map(|(_, token)| token)
            .collect();
        let pattern = format!(".*{}.*", escape_regex(&needle));
        match RegexQuery::from_pattern(&pattern, self.fields.source) {
            Ok(query) => Box::new(query),
            Err(e) => {
                // Only an absurdly long needle can make the automaton too big.
                tracing::debug!(error = %e, "source filter matches nothing");
                Box::new(EmptyQuery)
            }
        }
    }
}

fn term_query(field: Field, token: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, token),
        IndexRecordOption::WithFreqs,
    ))
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if boost == 1.0 {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}

/// A term query for one token, a phrase query for several.
fn in_field(field: Field, tokens: &[(usize, String)]) -> Box<dyn Query> {
    match tokens {
        [(_, token)] => term_query(field, token),
        _ => {
            let first = tokens[0].0;
            Box::new(PhraseQuery::new_with_offset(
                tokens
                    .iter()
                    .map(|(position, token)| {
                        (position - first, Term::from_field_text(field, token))
                    })
                    .collect(),
            ))
        }
    }
}

/// The tokens (with positions) `analyzer` makes of `text`.
fn analyze(analyzer: &TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut analyzer = analyzer.clone();
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while stream.advance() {
        let token = stream.token();
        out.push((token.position, token.text.clone()));
    }
    out
}

fn i64_column(segment: &SegmentReader, name: &str) -> Option<Column<i64>> {
    segment.fast_fields().column_opt::<i64>(name).ok().flatten()
}

/// Escapes the characters that mean something in a regex.
fn escape_regex(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Sorts and merges overlapping or touching ranges.
fn merge_ranges(ranges: impl Iterator<Item = (usize, usize)>) -> Vec<(usize, usize)> {
    let mut ranges: Vec<_> = ranges.filter(|(start, end)| start < end).collect();
    ranges.sort_unstable();
    let mut out: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (start, end) in ranges {
        match out.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => out.push((start, end)),
        }
    }
    out
}

/// The start of `text`, at most `max` bytes, cut at a word boundary when
/// there is one.
fn leading_text(text: &str, max: usize) -> &str {
    let text = text.trim();
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let cut = &text[..end];
    match cut.rfind(char::is_whitespace) {
        Some(space) if space > 0 => cut[..space].trim_end(),
        _ => cut,
    }
}

/// Deletes the files of a discarded index (subdirectories are left alone).
fn wipe_dir(dir: &Path) -> Result<(), IndexError> {
    for entry in fs::read_dir(dir).map_err(IndexError::io(dir))? {
        let entry = entry.map_err(IndexError::io(dir))?;
        let path: PathBuf = entry.path();
        let is_file = entry
            .file_type()
            .map(|t| t.is_file() || t.is_symlink())
            .map_err(IndexError::io(&path))?;
        if is_file {
            fs::remove_file(&path).map_err(IndexError::io(&path))?;
        }
    }
    Ok(())
}

/// Reads paper ids from the `id` fast field, one column per segment.
struct IdLookup<'s> {
    searcher: &'s Searcher,
    columns: HashMap<SegmentOrdinal, Column<i64>>,
}

impl<'s> IdLookup<'s> {
    fn new(searcher: &'s Searcher) -> Self {
        IdLookup {
            searcher,
            columns: HashMap::new(),
        }
    }

    fn id(&mut self, address: DocAddress) -> Result<PaperId, IndexError> {
        let column = match self.columns.entry(address.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                self.searcher
                    .segment_reader(address.segment_ord)
                    .fast_fields()
                    .i64(ID)?,
            ),
        };
        column.first(address.doc_id).ok_or_else(|| {
            IndexError::Tantivy(tantivy::TantivyError::InternalError(format!(
                "document {address:?} has no id"
            )))
        })
    }
}

/// Collects the paper ids of every matching document.
struct IdCollector;

struct IdSegmentCollector {
    ids: Column<i64>,
    out: Vec<PaperId>,
}

impl Collector for IdCollector {
    type Fruit = Vec<PaperId>;
    type Child = IdSegmentCollector;

    fn for_segment(
        &self,
        _segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<IdSegmentCollector> {
        Ok(IdSegmentCollector {
            ids: reader.fast_fields().i64(ID)?,
            out: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Vec<PaperId>>) -> tantivy::Result<Vec<PaperId>> {
        Ok(fruits.concat())
    }
}

impl SegmentCollector for IdSegmentCollector {
    type Fruit = Vec<PaperId>;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(id) = self.ids.first(doc) {
            self.out.push(id);
        }
    }

    fn harvest(self) -> Vec<PaperId> {
        self.out
    }
}

#[cfg(test)]
mod tests;
