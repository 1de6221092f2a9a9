//! The whole library as JSON Lines, and import back from it.
//!
//! The file holds what the store holds as its source of truth: every
//! committed batch, every paper with all its stored source records
//! verbatim, and the user's own items (stars, follows, digest state).
//! Merged fields and author ids are in it too, but only as a check:
//! import does not write them. It replays the source records through the
//! normal ingest path, batch by batch in their original order, so matching,
//! merging and author resolution run exactly as they did the first time and
//! no dedup logic is duplicated here; then it compares every rebuilt paper
//! with the exported one.
//!
//! Line types (`"type"`): one `header`, then `batch` lines in id order,
//! `paper` lines in id order, and `user_item` lines.

use crate::ExportError;
use paperdex_formats::Parsed;
use paperdex_ingest::Ingestor;
use paperdex_model::{Paper, SourceRecord};
use paperdex_store::{BatchInfo, Store, StoredSource, UserItem};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::Path;

/// The `format` value of the header line.
pub const JSONL_FORMAT: &str = "paperdex-library";
/// The version of the line layout this build writes and reads.
pub const JSONL_VERSION: u32 = 1;

/// One line of the file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line {
    Header {
        format: String,
        version: u32,
        papers: u64,
        records: u64,
        batches: u64,
    },
    Batch(BatchInfo),
    Paper {
        paper: Box<Paper>,
        sources: Vec<StoredSource>,
    },
    UserItem(UserItem),
}

/// Counts of an export or import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LibraryCounts {
    /// Papers.
    pub papers: u64,
    /// Source records.
    pub records: u64,
    /// Batches.
    pub batches: u64,
    /// User items.
    pub user_items: u64,
}

/// Writes the whole library.
pub fn export_library(
    store: &dyn Store,
    out: &mut dyn Write,
) -> Result<LibraryCounts, ExportError> {
    let stats = store.stats()?;
    let batches = store.batches()?;
    let (papers, _) = store.papers_changed_since(0)?;
    let items = store.all_user_items()?;
    let mut line = |l: &Line| -> Result<(), ExportError> {
        serde_json::to_writer(&mut *out, l).map_err(|e| ExportError::Write(e.into()))?;
        out.write_all(b"\n").map_err(ExportError::Write)
    };
    line(&Line::Header {
        format: JSONL_FORMAT.into(),
        version: JSONL_VERSION,
        papers: papers.len() as u64,
        records: stats.records,
        batches: batches.len() as u64,
    })?;
    let mut counts = LibraryCounts {
        papers: papers.len() as u64,
        batches: batches.len() as u64,
        user_items: items.len() as u64,
        ..Default::default()
    };
    for b in batches {
        line(&Line::Batch(b))?;
    }
    for paper in papers {
        let sources = store.sources(paper.id)?;
        counts.records += sources.len() as u64;
        line(&Line::Paper {
            paper: Box::new(paper),
            sources,
        })?;
    }
    for item in items {
        line(&Line::UserItem(item))?;
    }
    Ok(counts)
}

/// What an import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportReport {
    /// What was read and rebuilt.
    pub counts: LibraryCounts,
    /// Papers identical to the exported ones (fields, authors, sources).
    pub identical_papers: u64,
    /// Papers that came out differently, with the first difference each
    /// (at most 20 listed).
    pub differences: Vec<String>,
    /// How many papers differ in all.
    pub differing_papers: u64,
}

/// Rebuilds a library from `path` into `store`, which must be empty.
pub fn import_library(store: &dyn Store, path: &Path) -> Result<ImportReport, ExportError> {
    let stats = store.stats()?;
    if stats.papers > 0 || stats.batches > 0 {
        return Err(ExportError::NotEmpty {
            papers: stats.papers,
            batches: stats.batches,
        });
    }
    let file = std::fs::File::open(path).map_err(|source| ExportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |line: usize, message: String| ExportError::BadLine {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut batches: Vec<BatchInfo> = Vec::new();
    let mut papers: Vec<(Paper, Vec<StoredSource>)> = Vec::new();
    let mut items: Vec<UserItem> = Vec::new();
    let mut header_seen = false;
    for (i, text) in std::io::BufReader::new(file).lines().enumerate() {
        let n = i + 1;
        let text = text.map_err(|source| ExportError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        if text.trim().is_empty() {
            continue;
        }
        let line: Line = serde_json::from_str(&text).map_err(|e| bad(n, e.to_string()))?;
        match line {
            Line::Header {
                format, version, ..
            } => {
                if header_seen {
                    return Err(bad(n, "a second header line".into()));
                }
                if format != JSONL_FORMAT || version != JSONL_VERSION {
                    return Err(bad(
                        n,
                        format!(
                            "header says format '{format}' version {version}; this build reads '{JSONL_FORMAT}' version {JSONL_VERSION}"
                        ),
                    ));
                }
                header_seen = true;
            }
            _ if !header_seen => {
                return Err(bad(
                    n,
                    format!("the first line must be the header (\"type\":\"header\", \"format\":\"{JSONL_FORMAT}\")"),
                ))
            }
            Line::Batch(b) => batches.push(b),
            Line::Paper { paper, sources } => papers.push((*paper, sources)),
            Line::UserItem(item) => items.push(item),
        }
    }
    if !header_seen {
        return Err(bad(1, "empty file: no header line".into()));
    }
    batches.sort_by_key(|b| b.id);
    let mut by_batch: BTreeMap<i64, Vec<&StoredSource>> = BTreeMap::new();
    for (_, sources) in &papers {
        for s in sources {
            by_batch.entry(s.batch_id).or_default().push(s);
        }
    }
    for batch in by_batch.keys() {
        if batches.binary_search_by_key(batch, |b| b.id).is_err() {
            return Err(ExportError::Invalid(format!(
                "{}: a source names batch {batch}, which has no batch line",
                path.display()
            )));
        }
    }
    let mut ingestor = Ingestor::open(store)?;
    let mut report = ImportReport::default();
    for batch in &batches {
        match by_batch.get_mut(&batch.id) {
            None => {
                // A batch that stored nothing new (a re-read file) still
                // counts in `stats` and numbers the batches after it.
                store.write(&batch.label, &mut |_| Ok(()))?;
            }
            Some(sources) => {
                sources.sort_by_key(|s| s.id);
                let records: Vec<SourceRecord> = sources
                    .iter()
                    .map(|s| SourceRecord {
                        format: s.format,
                        file: s.file.clone(),
                        line: s.line,
                        index: s.index,
                        raw: s.raw.clone(),
                        fields: s.fields.clone(),
                    })
                    .collect();
                report.counts.records += records.len() as u64;
                let name = batch
                    .label
                    .strip_prefix("ingest ")
                    .unwrap_or(&records[0].file)
                    .to_string();
                let parsed = Parsed {
                    format: records[0].format,
                    records,
                    errors: Vec::new(),
                };
                let file_report = ingestor.ingest_parsed(&name, parsed)?;
                if let Some(message) = file_report.failed {
                    return Err(ExportError::Replay {
                        batch: batch.id,
                        label: batch.label.clone(),
                        message,
                    });
                }
            }
        }
        report.counts.batches += 1;
    }
    for item in &items {
        store.put_user_item(&item.kind, &item.key, &item.value)?;
    }
    report.counts.user_items = items.len() as u64;
    report.counts.papers = store.stats()?.papers;
    for (paper, sources) in &papers {
        match first_difference(store, paper, sources)? {
            None => report.identical_papers += 1,
            Some(d) => {
                report.differing_papers += 1;
                if report.differences.len() < 20 {
                    report.differences.push(format!("paper {}: {d}", paper.id));
                }
            }
        }
    }
    Ok(report)
}

/// How the rebuilt paper differs from the exported one, if it does.
fn first_difference(
    store: &dyn Store,
    want: &Paper,
    want_sources: &[StoredSource],
) -> Result<Option<String>, ExportError> {
    let Some(got) = store.paper(want.id)? else {
        return Ok(Some("missing after import".into()));
    };
    let (a, b) = (
        serde_json::to_value(want).map_err(|e| ExportError::Write(e.into()))?,
        serde_json::to_value(&got).map_err(|e| ExportError::Write(e.into()))?,
    );
    if let (Some(a), Some(b)) = (a.as_object(), b.as_object()) {
        for (field, value) in a {
            if b.get(field) != Some(value) {
                return Ok(Some(format!("field '{field}' differs")));
            }
        }
    }
    let got_sources = store.sources(want.id)?;
    if got_sources != want_sources {
        return Ok(Some(format!(
            "sources differ ({} exported, {} rebuilt)",
            want_sources.len(),
            got_sources.len()
        )));
    }
    Ok(None)
}
