use crate::fusion::{fuse, Fusion};
use crate::SearchError;
use paperdex_embed::{Embedder, MiniLmEmbedder};
use paperdex_index::{parse_query, Filters, IndexDoc, MatchCount, ParsedQuery, TextIndex};
use paperdex_ingest::{IngestOptions, IngestReport, Ingestor, Progress};
use paperdex_model::{Paper, PaperId};
use paperdex_store::Store;
use paperdex_vector::VectorIndex;
use rustc_hash::FxHashSet;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use tracing::{info, instrument, warn};

/// How deep each ranking goes before fusion: deep enough that a paper ranked
/// moderately by both retrievers can still win.
const FUSION_DEPTH: usize = 100;
/// Lexical matches counted before the total is reported as "more than":
/// counting every match of a common word at a million papers costs as much
/// as ranking them, and nobody pages past the thousandth hit.
const COUNT_CAP: usize = 10_000;
/// Papers embedded per store transaction.
const EMBED_CHUNK: usize = 256;

/// Which retrievers answer a query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchMode {
    /// BM25 over title, abstract, tl;dr, authors and venue.
    Lexical,
    /// Nearest neighbours of the query's sentence embedding.
    Semantic,
    /// Both, fused.
    #[default]
    Hybrid,
}

impl std::str::FromStr for SearchMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "lexical" => Ok(SearchMode::Lexical),
            "semantic" => Ok(SearchMode::Semantic),
            "hybrid" => Ok(SearchMode::Hybrid),
            _ => Err(format!(
                "unknown mode '{s}' (expected lexical, semantic or hybrid)"
            )),
        }
    }
}

/// A search.
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// The query in paperdex's syntax (words, "phrases", -word, author:, year:, venue:, source:).
    pub query: String,
    /// Retrievers to use.
    pub mode: SearchMode,
    /// Hits to return.
    pub k: usize,
    /// Hits to skip (pagination).
    pub offset: usize,
    /// Filters added to those in the query (e.g. from API parameters).
    pub filters: Filters,
}

/// One result.
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    /// The paper.
    pub paper: Paper,
    /// Fused (or single-retriever) score; higher is better.
    pub score: f64,
    /// 1-based rank in the lexical ranking, if it was there.
    pub lexical_rank: Option<usize>,
    /// 1-based rank in the semantic ranking, if it was there.
    pub semantic_rank: Option<usize>,
}

/// Results of a search.
#[derive(Debug, Clone, Serialize)]
pub struct SearchResults {
    /// The page of hits.
    pub hits: Vec<SearchHit>,
    /// How many papers matched in all (lexical count, or ranked candidates).
    pub total: usize,
    /// False when `total` is a lower bound: a lexical count stops at
    /// 10,000 matches.
    pub total_exact: bool,
    /// The mode that answered (semantic falls back to lexical for queries without text).
    pub mode: SearchMode,
}

/// How to open an engine.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// The embedding model directory (default: [`paperdex_embed::default_model_dir`]).
    pub model_dir: Option<PathBuf>,
    /// Load the model. Commands that never embed skip it.
    pub load_model: bool,
    /// Hybrid fusion weights.
    pub fusion: Fusion,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            model_dir: None,
            load_model: true,
            fusion: Fusion::default(),
        }
    }
}

/// A library: store, full-text index, vectors and model, kept in step.
pub struct Engine {
    store: Arc<dyn Store>,
    text: TextIndex,
    vectors: RwLock<VectorIndex>,
    /// The store's embeddings fingerprint when `vectors` was loaded.
    vectors_loaded: Mutex<Option<(u64, i64)>>,
    embedder: Option<Arc<dyn Embedder>>,
    fusion: Fusion,
    /// One sync at a time; searches go on meanwhile.
    sync_lock: Mutex<()>,
}

/// The embedding model in `model_dir` (default: the platform's model
/// directory), or `None`, with a warning, when it cannot be loaded.
pub fn load_embedder(model_dir: Option<PathBuf>) -> Option<Arc<dyn Embedder>> {
    let dir = model_dir.unwrap_or_else(paperdex_embed::default_model_dir);
    match MiniLmEmbedder::load(&dir) {
        Ok(m) => Some(Arc::new(m)),
        Err(e) => {
            warn!(error = %e, "embedding model not loaded: semantic search is off");
            None
        }
    }
}

impl Engine {
    /// Opens the engine over `store`, with derived data under `data_dir`,
    /// and brings the full-text index up to date.
    pub fn open(
        data_dir: &Path,
        store: Arc<dyn Store>,
        options: EngineOptions,
    ) -> Result<Engine, SearchError> {
        let embedder = if options.load_model {
            load_embedder(options.model_dir)
        } else {
            None
        };
        let text = TextIndex::open_or_create(&data_dir.join("index"))?;
        Self::assemble(store, text, embedder, options.fusion)
    }

    /// An engine with a given embedder and an in-memory text index (tests).
    pub fn with_parts(
        store: Arc<dyn Store>,
        text: TextIndex,
        embedder: Option<Arc<dyn Embedder>>,
        fusion: Fusion,
    ) -> Result<Engine, SearchError> {
        Self::assemble(store, text, embedder, fusion)
    }

    fn assemble(
        store: Arc<dyn Store>,
        text: TextIndex,
        embedder: Option<Arc<dyn Embedder>>,
        fusion: Fusion,
    ) -> Result<Engine, SearchError> {
        let (vectors, fingerprint) = match &embedder {
            Some(e) => {
                // Read before the vectors: a change in between only makes the
                // next refresh load again.
                let fingerprint = store.embeddings_fingerprint(e.model_id())?;
                (load_vectors(store.as_ref(), e.as_ref())?, Some(fingerprint))
            }
            None => (VectorIndex::new(384), None),
        };
        let engine = Engine {
            store,
            text,
            vectors: RwLock::new(vectors),
            vectors_loaded: Mutex::new(fingerprint),
            embedder,
            fusion,
            sync_lock: Mutex::new(()),
        };
        if engine.text.needs_rebuild() {
            warn!("full-text index missing, stale or damaged: rebuilding it from the library");
            engine.sync_text()?;
        } else if let Some(why) = engine.text_disagrees()? {
            warn!(%why, "full-text index disagrees with the library: rebuilding it");
            match engine.reindex() {
                Ok(_) => {}
                // Another process holds the index writer (an ingest running
                // now): what looked like disagreement is its commit landing
                // while we opened, and it keeps the index in step.
                Err(SearchError::Index(paperdex_index::IndexError::Locked(_))) => {
                    warn!("full-text index is being written by another process: not rebuilt");
                }
                Err(e) => return Err(e),
            }
        } else {
            engine.sync_text()?;
        }
        Ok(engine)
    }

    /// Why the full-text index cannot be brought up to date by catching up
    /// (it claims batches the store does not have, or does not hold exactly
    /// the papers of the batches it applied), or `None` when it can. Cheap:
    /// counts only; `paperdex check` compares documents.
    pub fn text_disagrees(&self) -> Result<Option<String>, SearchError> {
        let applied = self.text.applied_batch();
        let last = self.store.last_batch()?;
        if applied > last {
            return Ok(Some(format!(
                "it has applied batch {applied}, the library's last is {last}"
            )));
        }
        let expected = match self.store.papers_created_through(applied) {
            Ok(n) => n,
            // A backend that cannot count them: catching up is all we can do.
            Err(paperdex_store::StoreError::Unsupported(_)) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let docs = self.text.num_docs();
        Ok((docs != expected).then(|| {
            format!("it holds {docs} papers, the library had {expected} at batch {applied}")
        }))
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The full-text index.
    pub fn text_index(&self) -> &TextIndex {
        &self.text
    }

    /// The embedder, when a model is loaded.
    pub fn embedder(&self) -> Option<&Arc<dyn Embedder>> {
        self.embedder.as_ref()
    }

    /// Number of vectors in the vector index.
    pub fn vector_count(&self) -> usize {
        self.vectors.read().expect("vectors poisoned").len()
    }

    /// Ingests files, then brings the index (and, with `embed`, the vectors) up to date.
    pub fn ingest(
        &self,
        paths: &[PathBuf],
        options: &IngestOptions,
        embed: bool,
        progress: &(dyn Fn(Progress) + Sync),
        embed_progress: &dyn Fn(usize, usize),
    ) -> Result<IngestReport, SearchError> {
        let report = {
            let _guard = self.sync_lock.lock().expect("sync lock poisoned");
            let mut ingestor = Ingestor::open(self.store.as_ref())?;
            ingestor.ingest_paths(paths, options, progress)?
        };
        self.sync_text()?;
        if embed && self.embedder.is_some() {
            self.embed_pending(embed_progress)?;
        }
        Ok(report)
    }

    /// Ingests one uploaded file's bytes (as one batch) and syncs.
    pub fn ingest_bytes(
        &self,
        name: &str,
        bytes: &[u8],
        embed: bool,
    ) -> Result<paperdex_ingest::FileReport, SearchError> {
        let report = {
            let _guard = self.sync_lock.lock().expect("sync lock poisoned");
            let mut ingestor = Ingestor::open(self.store.as_ref())?;
            ingestor.ingest_bytes(name, bytes, &IngestOptions::default())?
        };
        self.sync_text()?;
        if embed && self.embedder.is_some() {
            self.embed_pending(&|_, _| {})?;
        }
        Ok(report)
    }

    /// Applies every batch the full-text index has not seen. Returns the
    /// number of papers (re)indexed.
    ///
    /// The index has one writer across processes. While another process
    /// holds it (an ingest, or a server catching up), this one only moves
    /// its searches to the last commit on disk and returns 0: the holder, or
    /// a later sync, applies the rest. The writer is released after each
    /// commit so that other processes can take it.
    #[instrument(skip_all)]
    pub fn sync_text(&self) -> Result<usize, SearchError> {
        let _guard = self.sync_lock.lock().expect("sync lock poisoned");
        if !self.text.needs_rebuild() && self.store.last_batch()? == self.text.applied_batch() {
            return Ok(0);
        }
        // The writer first: it fixes the commit this sync builds on, and
        // with it the batch to catch up from.
        match self.text.acquire_writer() {
            Ok(()) => {}
            Err(paperdex_index::IndexError::Locked(_)) => {
                let applied = self.text.reload()?;
                info!(
                    batch = applied,
                    "full-text index is being written by another process; reading its last commit"
                );
                return Ok(0);
            }
            Err(e) => return Err(e.into()),
        }
        let applied = if self.text.needs_rebuild() {
            0
        } else {
            self.text.applied_batch()
        };
        let (papers, last) = self.store.papers_changed_since(applied)?;
        if last != applied || self.text.needs_rebuild() {
            self.index_papers(&papers)?;
            self.text.commit(last)?;
            info!(
                papers = papers.len(),
                batch = last,
                "full-text index in step"
            );
        }
        self.text.wait_for_merges()?;
        Ok(papers.len())
    }

    /// Brings this engine up to date with batches and embeddings that other
    /// processes wrote to the library: the full-text index (see
    /// [`sync_text`](Self::sync_text)) and the vector index (reloaded from
    /// the store when its embeddings changed). A long-running reader, such as
    /// the server, calls it periodically.
    #[instrument(skip_all)]
    pub fn refresh(&self) -> Result<Refreshed, SearchError> {
        let papers_indexed = self.sync_text()?;
        let vectors_loaded = self.refresh_vectors()?;
        Ok(Refreshed {
            papers_indexed,
            vectors_loaded,
        })
    }

    /// Reloads the vector index when the store's embeddings of our model
    /// differ from those loaded; returns the number of vectors loaded (0 when
    /// nothing changed). Built aside, then swapped in: searches never wait
    /// for the load.
    fn refresh_vectors(&self) -> Result<usize, SearchError> {
        let Some(embedder) = &self.embedder else {
            return Ok(0);
        };
        let fingerprint = self.store.embeddings_fingerprint(embedder.model_id())?;
        if *self.vectors_loaded.lock().expect("fingerprint poisoned") == Some(fingerprint) {
            return Ok(0);
        }
        let vectors = load_vectors(self.store.as_ref(), embedder.as_ref())?;
        let count = vectors.len();
        *self.vectors.write().expect("vectors poisoned") = vectors;
        *self.vectors_loaded.lock().expect("fingerprint poisoned") = Some(fingerprint);
        info!(vectors = count, "vector index reloaded from the library");
        Ok(count)
    }

    fn index_papers(&self, papers: &[Paper]) -> Result<(), SearchError> {
        for chunk in papers.chunks(2048) {
            let ids: Vec<PaperId> = chunk.iter().map(|p| p.id).collect();
            let files = self.store.source_files_of(&ids)?;
            let docs: Vec<IndexDoc<'_>> = chunk
                .iter()
                .zip(&files)
                .map(|(paper, sources)| IndexDoc { paper, sources })
                .collect();
            self.text.upsert(&docs)?;
        }
        Ok(())
    }

    /// Rebuilds the full-text index from the store.
    pub fn reindex(&self) -> Result<usize, SearchError> {
        let _guard = self.sync_lock.lock().expect("sync lock poisoned");
        self.text.clear()?;
        let (papers, last) = self.store.papers_changed_since(0)?;
        self.index_papers(&papers)?;
        self.text.commit(last)?;
        Ok(papers.len())
    }

    /// Embeds every paper without a current embedding, in chunks, each
    /// stored in its own transaction (an interrupted run keeps what it did).
    /// Reports `(done, total)` to `progress`. Returns the number embedded.
    #[instrument(skip_all)]
    pub fn embed_pending(&self, progress: &dyn Fn(usize, usize)) -> Result<usize, SearchError> {
        let embedder = self.embedder.as_ref().ok_or(SearchError::NoModel)?;
        let model = embedder.model_id().to_string();
        let stats = self.store.stats()?;
        let total =
            (stats.papers as usize).saturating_sub(self.store.embedding_count(&model)? as usize);
        self.store.begin_vector_load(total as u64)?;
        let mut done = 0;
        let mut after: PaperId = 0;
        progress(0, total);
        loop {
            let pending = self
                .store
                .papers_needing_embedding(&model, after, EMBED_CHUNK)?;
            let Some((last, _)) = pending.last() else {
                break;
            };
            after = last.id;
            let texts: Vec<String> = pending.iter().map(|(p, _)| embedding_text(p)).collect();
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let vectors = embedder.embed(&refs)?;
            let items: Vec<(PaperId, i64, Vec<f32>)> = pending
                .iter()
                .zip(vectors)
                .map(|((p, batch), v)| (p.id, *batch, v))
                .collect();
            self.store.put_embeddings(&model, &items)?;
            {
                let mut index = self.vectors.write().expect("vectors poisoned");
                for (id, _, v) in &items {
                    index.upsert(*id, v)?;
                }
            }
            done += items.len();
            progress(done, total.max(done));
        }
        // Also when nothing was pending: it rebuilds an index that an
        // interrupted bulk load left dropped.
        self.store.ensure_vector_index()?;
        Ok(done)
    }

    /// Runs a search and loads the papers of the requested page.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults, SearchError> {
        let ranked = self.search_ids(req)?;
        let page: Vec<&(PaperId, f64)> = ranked.ids.iter().skip(req.offset).take(req.k).collect();
        let ids: Vec<PaperId> = page.iter().map(|r| r.0).collect();
        let papers = self.store.papers_by_id(&ids)?;
        let mut hits = Vec::with_capacity(req.k);
        for (r, paper) in page.into_iter().zip(papers) {
            if let Some(paper) = paper {
                hits.push(SearchHit {
                    paper,
                    score: r.1,
                    lexical_rank: ranked
                        .lexical
                        .iter()
                        .position(|id| *id == r.0)
                        .map(|p| p + 1),
                    semantic_rank: ranked
                        .semantic
                        .iter()
                        .position(|id| *id == r.0)
                        .map(|p| p + 1),
                });
            }
        }
        Ok(SearchResults {
            hits,
            total: ranked.total,
            total_exact: ranked.total_exact,
            mode: ranked.mode,
        })
    }

    /// Runs a search and returns ranked ids only (benchmarks, fusion tuning).
    pub fn search_ids(&self, req: &SearchRequest) -> Result<RankedIds, SearchError> {
        let mut query = parse_query(&req.query)?;
        merge_filters(&mut query.filters, &req.filters);
        let has_text = !query.text().trim().is_empty();
        let mode = if has_text {
            req.mode
        } else {
            SearchMode::Lexical
        };
        // Only fusion needs each ranking deeper than the page, and top-k
        // ranking skips far more documents when it keeps 10 hits than 100.
        let depth = match mode {
            SearchMode::Hybrid => (req.offset + req.k).max(FUSION_DEPTH),
            SearchMode::Lexical | SearchMode::Semantic => req.offset + req.k,
        };
        let lexical = match mode {
            SearchMode::Lexical | SearchMode::Hybrid => self
                .text
                .search(&query, depth, 0)?
                .into_iter()
                .map(|h| (h.paper_id, h.score as f64))
                .collect(),
            SearchMode::Semantic => Vec::new(),
        };
        let semantic = match mode {
            SearchMode::Semantic | SearchMode::Hybrid => self.semantic(&query, depth)?,
            SearchMode::Lexical => Vec::new(),
        };
        let lexical_ids: Vec<PaperId> = lexical.iter().map(|h: &(PaperId, f64)| h.0).collect();
        let semantic_ids: Vec<PaperId> = semantic.iter().map(|h| h.0).collect();
        let ids = match mode {
            SearchMode::Lexical => lexical,
            SearchMode::Semantic => semantic,
            SearchMode::Hybrid => fuse(&lexical, &semantic, self.fusion),
        };
        let total = match mode {
            SearchMode::Lexical => self.text.count_up_to(&query, COUNT_CAP)?,
            _ => MatchCount::exact(ids.len()),
        };
        Ok(RankedIds {
            ids,
            lexical: lexical_ids,
            semantic: semantic_ids,
            total: total.matches,
            total_exact: total.exact,
            mode,
        })
    }

    fn semantic(
        &self,
        query: &ParsedQuery,
        depth: usize,
    ) -> Result<Vec<(PaperId, f64)>, SearchError> {
        let embedder = self.embedder.as_ref().ok_or(SearchError::NoModel)?;
        let vector = embedder.embed(&[query.text().as_str()])?.remove(0);
        let allowed: Option<FxHashSet<PaperId>> = self
            .text
            .filter_ids(&query.filters)?
            .map(|ids| ids.into_iter().collect());
        // Semantic hits cannot honour -word by themselves: exclude the papers
        // that the full-text index finds for the excluded words.
        let excluded: FxHashSet<PaperId> = if query.excluded.is_empty() {
            FxHashSet::default()
        } else {
            let probe = ParsedQuery {
                terms: query.excluded.clone(),
                ..Default::default()
            };
            // Every match is needed, and there are at most as many as documents.
            let all = (self.text.num_docs() as usize).max(1);
            self.text
                .search(&probe, all, 0)?
                .into_iter()
                .map(|h| h.paper_id)
                .collect()
        };
        let filter = |id: PaperId| {
            allowed.as_ref().is_none_or(|a| a.contains(&id)) && !excluded.contains(&id)
        };
        let index = self.vectors.read().expect("vectors poisoned");
        Ok(index
            .search(&vector, depth, Some(&filter))
            .into_iter()
            .map(|(id, s)| (id, s as f64))
            .collect())
    }

    /// Papers most similar to `ident` (paper id, arXiv id or DOI), by
    /// embedding; by its title's words when it has no embedding.
    pub fn similar(&self, ident: &str, k: usize) -> Result<Vec<SearchHit>, SearchError> {
        let id = self
            .store
            .resolve_paper(ident)?
            .ok_or_else(|| SearchError::UnknownPaper(ident.to_string()))?;
        let by_vector: Option<Vec<(PaperId, f64)>> = {
            // One read guard for the lookup and the search: no copy of the vector.
            let index = self.vectors.read().expect("vectors poisoned");
            index.get(id).map(|v| {
                let not_self = |other: PaperId| other != id;
                index
                    .search(v, k, Some(&not_self))
                    .into_iter()
                    .map(|(i, s)| (i, s as f64))
                    .collect()
            })
        };
        let ranked: Vec<(PaperId, f64)> = match by_vector {
            Some(ranked) => ranked,
            None => {
                let paper = self
                    .store
                    .paper(id)?
                    .ok_or_else(|| SearchError::UnknownPaper(ident.to_string()))?;
                let terms = paper
                    .title
                    .split_whitespace()
                    .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_string())
                    .filter(|w| w.len() > 2)
                    .collect();
                let probe = ParsedQuery {
                    terms,
                    ..Default::default()
                };
                self.text
                    .search(&probe, k + 1, 0)?
                    .into_iter()
                    .filter(|h| h.paper_id != id)
                    .take(k)
                    .map(|h| (h.paper_id, h.score as f64))
                    .collect()
            }
        };
        let ids: Vec<PaperId> = ranked.iter().map(|r| r.0).collect();
        let papers = self.store.papers_by_id(&ids)?;
        let mut hits = Vec::with_capacity(ranked.len());
        for ((_, score), paper) in ranked.into_iter().zip(papers) {
            if let Some(paper) = paper {
                hits.push(SearchHit {
                    paper,
                    score,
                    lexical_rank: None,
                    semantic_rank: None,
                });
            }
        }
        Ok(hits)
    }
}

/// What [`Engine::refresh`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Refreshed {
    /// Papers (re)indexed in the full-text index.
    pub papers_indexed: usize,
    /// Vectors loaded (0 when the embeddings had not changed).
    pub vectors_loaded: usize,
}

/// Every stored embedding of the embedder's model, in a new vector index.
fn load_vectors(store: &dyn Store, embedder: &dyn Embedder) -> Result<VectorIndex, SearchError> {
    let dim = embedder.dim();
    let mut vectors = VectorIndex::new(dim);
    let mut malformed = 0usize;
    store.for_each_embedding(embedder.model_id(), &mut |id, v| {
        if vectors.upsert(id, v).is_err() {
            malformed += 1;
        }
    })?;
    if malformed > 0 {
        // A damaged vector is derived data: drop it, and the next embedding
        // run makes it again.
        warn!(
            malformed,
            "stored vectors of the wrong size: deleting them to be embedded again"
        );
        match store.delete_malformed_embeddings(embedder.model_id(), dim) {
            Ok(_) | Err(paperdex_store::StoreError::Unsupported(_)) => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(vectors)
}

/// Ranked ids of a search, with each retriever's own ranking.
#[derive(Debug, Clone)]
pub struct RankedIds {
    /// The final ranking with scores.
    pub ids: Vec<(PaperId, f64)>,
    /// The lexical ranking (empty when not run).
    pub lexical: Vec<PaperId>,
    /// The semantic ranking (empty when not run).
    pub semantic: Vec<PaperId>,
    /// Matches in all.
    pub total: usize,
    /// False when `total` is a lower bound (see [`SearchResults::total_exact`]).
    pub total_exact: bool,
    /// The mode that answered.
    pub mode: SearchMode,
}

/// The text a paper is embedded from: its title and abstract (a derived
/// title only repeats the abstract, so it is left out).
pub fn embedding_text(paper: &Paper) -> String {
    let mut text = String::new();
    if !paper.title_derived {
        text.push_str(&paper.title);
        text.push_str(". ");
    }
    if let Some(a) = &paper.abstract_text {
        text.push_str(a);
    } else if let Some(t) = &paper.tldr {
        text.push_str(t);
    }
    text
}

fn merge_filters(into: &mut Filters, extra: &Filters) {
    into.authors.extend(extra.authors.iter().cloned());
    into.venues.extend(extra.venues.iter().cloned());
    into.sources.extend(extra.sources.iter().cloned());
    if extra.year_from.is_some() {
        into.year_from = extra.year_from;
    }
    if extra.year_to.is_some() {
        into.year_to = extra.year_to;
    }
}
