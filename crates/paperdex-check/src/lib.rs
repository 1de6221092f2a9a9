//! Verifies a paperdex library and repairs what is derived from it.
//!
//! [`check`] looks at a library without changing it:
//! - the store: storage integrity and references between tables
//!   ([`Store::integrity_problems`]), every paper reachable from the source
//!   records it was made of;
//! - the full-text index: readable (checksums of every segment file), holding
//!   exactly the papers of the batches it applied, no paper twice, and for a
//!   sample of papers the same abstract as the store;
//! - embeddings: one for every paper, current, of the configured model and
//!   its dimension, and all of them loadable into the vector index.
//!
//! Each finding is a [`Problem`] of the part it concerns. An `error` is
//! damage or disagreement; `pending` is work not done yet (an index behind
//! the store after an interrupted run, papers not embedded yet) that the
//! next run does by itself. [`repair`] rebuilds everything derived; damage
//! to the store itself is only reported (restore a backup).
//!
//! Architecture invariant: the store is the source of truth; nothing here
//! writes to it except deleting damaged derived rows (vectors of the wrong
//! size) in [`repair`].
#![deny(missing_docs)]

use paperdex_index::{IndexState, TextIndex};
use paperdex_search::{Engine, SearchError};
use paperdex_store::{EmbeddingHealth, Store, StoreError};
use paperdex_vector::VectorIndex;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Why a check or repair could not run at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckError {
    /// The store could not be read.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The full-text index could not be read.
    #[error(transparent)]
    Index(#[from] paperdex_index::IndexError),
    /// A repair step failed.
    #[error(transparent)]
    Engine(#[from] SearchError),
}

/// The part of a library a problem concerns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Part {
    /// The SQLite (or other) store: the source of truth.
    Store,
    /// The tantivy full-text index.
    TextIndex,
    /// Stored embeddings and the vector index built from them.
    Embeddings,
}

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// Damage or disagreement.
    Error,
    /// Work not done yet, done by the next run (or by `--repair`).
    Pending,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Where.
    pub part: Part,
    /// How bad.
    pub severity: Severity,
    /// What, in words.
    pub message: String,
}

/// The embedding model the library is configured with.
#[derive(Debug, Clone)]
pub struct Model {
    /// Its id (name and revision), as stored with every vector.
    pub id: String,
    /// Components per vector.
    pub dim: usize,
}

/// What the full-text index holds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TextIndexReport {
    /// `ok`, `missing` or `unusable`.
    pub state: String,
    /// The last store batch it applied.
    pub applied_batch: Option<i64>,
    /// Documents it holds.
    pub documents: u64,
    /// Papers it should hold for the batches it applied.
    pub expected_documents: u64,
    /// Papers whose indexed abstract was compared with the store's.
    pub sampled: usize,
}

/// What the embeddings of the configured model are like.
#[derive(Debug, Clone, Serialize)]
pub struct EmbeddingReport {
    /// The model.
    pub model: String,
    /// Its dimension.
    pub dim: usize,
    /// Counts from the store.
    #[serde(flatten)]
    pub health: EmbeddingHealth,
    /// Vectors the vector index loads from the store.
    pub vectors_loaded: u64,
}

/// Everything [`check`] found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The library checked.
    pub data_dir: PathBuf,
    /// Papers in the store.
    pub papers: u64,
    /// Source records in the store.
    pub records: u64,
    /// The store's last batch.
    pub last_batch: i64,
    /// A digest of the library's content (see [`Store::content_digest`]).
    pub digest: Option<String>,
    /// The full-text index.
    pub text_index: TextIndexReport,
    /// The embeddings; `None` when no model is configured.
    pub embeddings: Option<EmbeddingReport>,
    /// What is wrong; empty for a sound library.
    pub problems: Vec<Problem>,
}

impl Report {
    /// True when nothing is wrong or pending.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// True when some problem is damage or disagreement (not just pending work).
    pub fn has_errors(&self) -> bool {
        self.problems.iter().any(|p| p.severity == Severity::Error)
    }

    fn problem(&mut self, part: Part, severity: Severity, message: impl Into<String>) {
        self.problems.push(Problem {
            part,
            severity,
            message: message.into(),
        });
    }
}

/// Where the full-text index of a library lives.
pub fn text_index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("index")
}

/// Checks the library in `data_dir` whose store is `store`, comparing up to
/// `sample` indexed documents with the store. Changes nothing.
pub fn check(
    data_dir: &Path,
    store: &dyn Store,
    model: Option<&Model>,
    sample: usize,
) -> Result<Report, CheckError> {
    let stats = store.stats()?;
    let mut report = Report {
        data_dir: data_dir.to_path_buf(),
        papers: stats.papers,
        records: stats.records,
        last_batch: store.last_batch()?,
        digest: None,
        text_index: TextIndexReport::default(),
        embeddings: None,
        problems: Vec::new(),
    };
    check_store(store, &mut report)?;
    if store.vector_index_missing()? {
        report.problem(
            Part::Embeddings,
            Severity::Pending,
            "the store's vector index (pgvector HNSW) is missing, as a bulk vector load that did not finish leaves it: --repair or the next paperdex embed builds it",
        );
    }
    check_text_index(data_dir, store, sample, &mut report)?;
    if let Some(model) = model {
        check_embeddings(store, model, &mut report)?;
    }
    Ok(report)
}

fn check_store(store: &dyn Store, report: &mut Report) -> Result<(), CheckError> {
    for problem in store.integrity_problems()? {
        report.problem(Part::Store, Severity::Error, problem);
    }
    let orphans = store.papers_without_sources()?;
    if !orphans.is_empty() {
        let shown: Vec<String> = orphans.iter().take(10).map(|id| id.to_string()).collect();
        report.problem(
            Part::Store,
            Severity::Error,
            format!(
                "{} papers have no source record (ids {}{})",
                orphans.len(),
                shown.join(", "),
                if orphans.len() > 10 { ", ..." } else { "" }
            ),
        );
    }
    match store.content_digest() {
        Ok(d) => report.digest = Some(d),
        // A damaged store may not even read back whole; that is reported above.
        Err(e) => report.problem(
            Part::Store,
            Severity::Error,
            format!("cannot read every row: {e}"),
        ),
    }
    Ok(())
}

fn check_text_index(
    data_dir: &Path,
    store: &dyn Store,
    sample: usize,
    report: &mut Report,
) -> Result<(), CheckError> {
    let index = match TextIndex::inspect(&text_index_dir(data_dir)) {
        IndexState::Usable(index) => index,
        IndexState::Missing => {
            report.text_index.state = "missing".into();
            if report.papers > 0 {
                report.problem(
                    Part::TextIndex,
                    Severity::Pending,
                    "the full-text index does not exist yet (built on the next run)",
                );
            }
            return Ok(());
        }
        IndexState::Unusable(reason) => {
            report.text_index.state = "unusable".into();
            report.problem(
                Part::TextIndex,
                Severity::Error,
                format!("the full-text index cannot be used: {reason}"),
            );
            return Ok(());
        }
    };
    report.text_index.state = "ok".into();
    let applied = index.applied_batch();
    report.text_index.applied_batch = Some(applied);
    if applied > report.last_batch {
        report.problem(
            Part::TextIndex,
            Severity::Error,
            format!(
                "the full-text index has applied batch {applied}, but the library's last batch is {}",
                report.last_batch
            ),
        );
    } else if applied < report.last_batch {
        report.problem(
            Part::TextIndex,
            Severity::Pending,
            format!(
                "the full-text index is behind the library (batch {applied} of {}): it catches up on the next run",
                report.last_batch
            ),
        );
    }
    // The papers it must hold: those created by the batches it applied.
    let batches = store.paper_batches()?;
    let expected: Vec<_> = batches.iter().filter(|p| p.created <= applied).collect();
    let mut ids = index.indexed_ids()?;
    report.text_index.documents = ids.len() as u64;
    report.text_index.expected_documents = expected.len() as u64;
    ids.sort_unstable();
    let before = ids.len();
    ids.dedup();
    if ids.len() != before {
        report.problem(
            Part::TextIndex,
            Severity::Error,
            format!("{} papers are indexed more than once", before - ids.len()),
        );
    }
    let expected_ids: Vec<i64> = expected.iter().map(|p| p.id).collect();
    let missing = count_missing(&expected_ids, &ids);
    let extra = count_missing(&ids, &expected_ids);
    if missing > 0 || extra > 0 {
        report.problem(
            Part::TextIndex,
            Severity::Error,
            format!(
                "the full-text index disagrees with the library at batch {applied}: {missing} papers missing, {extra} that the library does not have"
            ),
        );
    }
    // Content: papers not changed since the index's batch must read the same.
    let settled: Vec<i64> = expected
        .iter()
        .filter(|p| p.updated <= applied)
        .map(|p| p.id)
        .collect();
    let step = (settled.len() / sample.max(1)).max(1);
    let mut differing = Vec::new();
    for &id in settled.iter().step_by(step).take(sample) {
        report.text_index.sampled += 1;
        let Some(paper) = store.paper(id)? else {
            continue;
        };
        match index.indexed_abstract(id)? {
            None => {} // counted as missing above
            Some(text) if text == paper.abstract_text => {}
            Some(_) => differing.push(id),
        }
    }
    if !differing.is_empty() {
        report.problem(
            Part::TextIndex,
            Severity::Error,
            format!(
                "{} of {} sampled papers read differently in the full-text index (ids {:?})",
                differing.len(),
                report.text_index.sampled,
                &differing[..differing.len().min(10)]
            ),
        );
    }
    Ok(())
}

/// How many of the sorted `wanted` are not in the sorted `have`.
fn count_missing(wanted: &[i64], have: &[i64]) -> usize {
    wanted
        .iter()
        .filter(|id| have.binary_search(id).is_err())
        .count()
}

fn check_embeddings(
    store: &dyn Store,
    model: &Model,
    report: &mut Report,
) -> Result<(), CheckError> {
    let health = store.embedding_health(&model.id, model.dim)?;
    let mut vectors = VectorIndex::new(model.dim);
    store.for_each_embedding(&model.id, &mut |id, v| {
        // Malformed vectors fail here; they are counted by the store.
        let _ = vectors.upsert(id, v);
    })?;
    let loaded = vectors.len() as u64;
    if health.malformed > 0 {
        report.problem(
            Part::Embeddings,
            Severity::Error,
            format!(
                "{} stored vectors of {} do not have {} components",
                health.malformed, model.id, model.dim
            ),
        );
    }
    if loaded != health.current + health.stale {
        report.problem(
            Part::Embeddings,
            Severity::Error,
            format!(
                "the vector index loads {loaded} vectors, the store has {} sound ones",
                health.current + health.stale
            ),
        );
    }
    if health.missing > 0 || health.stale > 0 {
        let others = if health.other_models.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = health
                .other_models
                .iter()
                .map(|(m, n)| format!("{n} by {m}"))
                .collect();
            format!(
                " (vectors made by other models, not used: {})",
                list.join(", ")
            )
        };
        report.problem(
            Part::Embeddings,
            Severity::Pending,
            format!(
                "{} papers have no embedding by {} and {} have an outdated one{others}: run paperdex embed",
                health.missing, model.id, health.stale
            ),
        );
    }
    report.embeddings = Some(EmbeddingReport {
        model: model.id.clone(),
        dim: model.dim,
        health,
        vectors_loaded: loaded,
    });
    Ok(())
}

/// Rebuilds what is derived and was found wrong in `report`: the full-text
/// index (opening `engine` already rebuilt an unusable one and caught up a
/// lagging one; a disagreeing one is rebuilt here), the store's vector index
/// when missing, damaged vectors (deleted, then embedded again) and missing
/// or outdated embeddings.
/// Returns what was done, in words.
pub fn repair(engine: &Engine, report: &Report) -> Result<Vec<String>, CheckError> {
    let mut done = Vec::new();
    let index_errors = report
        .problems
        .iter()
        .any(|p| p.part == Part::TextIndex && p.severity == Severity::Error);
    if index_errors || engine.text_disagrees()?.is_some() {
        let n = engine.reindex()?;
        engine.text_index().wait_for_merges()?;
        done.push(format!("rebuilt the full-text index ({n} papers)"));
    } else if report.problems.iter().any(|p| p.part == Part::TextIndex) {
        done.push("brought the full-text index up to date".into());
    }
    if engine.store().vector_index_missing()? {
        engine.store().ensure_vector_index()?;
        done.push("built the store's vector index".into());
    }
    if let Some(embedder) = engine.embedder() {
        let deleted = engine
            .store()
            .delete_malformed_embeddings(embedder.model_id(), embedder.dim())?;
        if deleted > 0 {
            done.push(format!("deleted {deleted} damaged vectors"));
        }
        let embedded = engine.embed_pending(&|_, _| {})?;
        if embedded > 0 {
            done.push(format!("embedded {embedded} papers"));
        }
    }
    Ok(done)
}
