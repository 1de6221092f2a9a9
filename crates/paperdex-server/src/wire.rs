//! The JSON API's types: serializable twins of the engine's and store's
//! types, converted by hand so the API (and its OpenAPI schema) stays put
//! when the model changes inside.

use paperdex_ingest::FileReport;
use paperdex_model::{AuthorRef, Paper};
use paperdex_search::{SearchHit, SearchMode};
use paperdex_store::{AuthorInfo, Collaborator, Stats, StoredSource};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// An author as listed on a paper.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorRefJson {
    /// Author id (`/api/authors/{id}`).
    pub id: i64,
    /// The name as the paper's chosen source wrote it.
    pub name: String,
}

impl From<&AuthorRef> for AuthorRefJson {
    fn from(a: &AuthorRef) -> Self {
        AuthorRefJson {
            id: a.id,
            name: a.name.clone(),
        }
    }
}

/// An arXiv id and the latest version seen.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArxivIdJson {
    /// Without version, e.g. `1910.03175`.
    pub id: String,
    /// Latest version seen.
    pub version: Option<u32>,
}

/// A link elsewhere.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkJson {
    /// `abs`, `pdf`, `doi`, `code`, `site`, ...
    pub kind: String,
    /// The URL.
    pub url: String,
}

/// Why a source record is part of a paper.
#[derive(Debug, Serialize, ToSchema)]
pub struct MergeNoteJson {
    /// The source record.
    pub source_id: i64,
    /// `new`, `arxiv-id`, `doi`, `title` or `abstract`.
    pub rule: String,
    /// The match's score (1 for identifier rules).
    pub score: f64,
    /// The match in words.
    pub detail: String,
}

/// A paper in a list: enough to show and link it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaperSummary {
    /// Paper id (`/api/papers/{id}`).
    pub id: i64,
    /// Title (derived from the text when no source gives one).
    pub title: String,
    /// Authors in order.
    pub authors: Vec<AuthorRefJson>,
    /// Year.
    pub year: Option<i32>,
    /// Venue.
    pub venue: Option<String>,
    /// arXiv id without version.
    pub arxiv_id: Option<String>,
    /// DOI.
    pub doi: Option<String>,
    /// One-line summary.
    pub tldr: Option<String>,
}

impl From<&Paper> for PaperSummary {
    fn from(p: &Paper) -> Self {
        PaperSummary {
            id: p.id,
            title: p.title.clone(),
            authors: p.authors.iter().map(AuthorRefJson::from).collect(),
            year: p.year,
            venue: p.venue.clone(),
            arxiv_id: p.arxiv_id.as_ref().map(|a| a.id.clone()),
            doi: p.doi.clone(),
            tldr: p.tldr.clone(),
        }
    }
}

/// Every field of a paper, each field's sources and how its records were
/// merged (what `paperdex show --json` prints).
#[derive(Debug, Serialize, ToSchema)]
pub struct PaperDetail {
    /// Paper id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// True when no source gave a title and `title` was derived from the text.
    pub title_derived: bool,
    /// Authors in order.
    pub authors: Vec<AuthorRefJson>,
    /// Abstract.
    #[serde(rename = "abstract")]
    pub abstract_text: Option<String>,
    /// One-line summary.
    pub tldr: Option<String>,
    /// True when paperdex generated the tl;dr.
    pub tldr_generated: bool,
    /// arXiv id.
    pub arxiv_id: Option<ArxivIdJson>,
    /// DOI.
    pub doi: Option<String>,
    /// Venue.
    pub venue: Option<String>,
    /// Year.
    pub year: Option<i32>,
    /// Date, `YYYY-MM-DD` or a prefix.
    pub date: Option<String>,
    /// Categories, union over sources.
    pub categories: Vec<String>,
    /// Comments.
    pub comments: Option<String>,
    /// Links, union over sources.
    pub links: Vec<LinkJson>,
    /// Highest citation count a source reports.
    pub citation_count: Option<i64>,
    /// Highest upvote count a source reports.
    pub upvotes: Option<i64>,
    /// Per field, the sources whose value was chosen (first) and those that gave another.
    pub field_sources: BTreeMap<String, Vec<i64>>,
    /// How each source record came to be part of this paper.
    pub merges: Vec<MergeNoteJson>,
    /// Every source record, oldest first.
    pub sources: Vec<SourceJson>,
}

impl PaperDetail {
    /// A paper and its sources.
    pub fn new(p: &Paper, sources: &[StoredSource]) -> Self {
        PaperDetail {
            id: p.id,
            title: p.title.clone(),
            title_derived: p.title_derived,
            authors: p.authors.iter().map(AuthorRefJson::from).collect(),
            abstract_text: p.abstract_text.clone(),
            tldr: p.tldr.clone(),
            tldr_generated: p.tldr_generated,
            arxiv_id: p.arxiv_id.as_ref().map(|a| ArxivIdJson {
                id: a.id.clone(),
                version: a.version,
            }),
            doi: p.doi.clone(),
            venue: p.venue.clone(),
            year: p.year,
            date: p.date.clone(),
            categories: p.categories.clone(),
            comments: p.comments.clone(),
            links: p
                .links
                .iter()
                .map(|l| LinkJson {
                    kind: l.kind.clone(),
                    url: l.url.clone(),
                })
                .collect(),
            citation_count: p.citation_count,
            upvotes: p.upvotes,
            field_sources: p.field_sources.clone(),
            merges: p
                .merges
                .iter()
                .map(|m| MergeNoteJson {
                    source_id: m.source_id,
                    rule: m.rule.clone(),
                    score: m.score,
                    detail: m.detail.clone(),
                })
                .collect(),
            sources: sources.iter().map(SourceJson::from).collect(),
        }
    }
}

/// One stored source record: where it was read, verbatim, and how it matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct SourceJson {
    /// Source id.
    pub id: i64,
    /// The format it was read as.
    pub format: String,
    /// The file it came from.
    pub file: String,
    /// 1-based line where it starts.
    pub line: usize,
    /// 0-based record index within the file.
    pub index: usize,
    /// The record's text as it stood in the file.
    pub raw: String,
    /// The fields parsed out of it.
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
    /// The matching rule that attached it.
    pub rule: String,
    /// The rule's score.
    pub score: f64,
    /// The match in words.
    pub detail: String,
    /// The ingest batch that stored it.
    pub batch_id: i64,
}

impl From<&StoredSource> for SourceJson {
    fn from(s: &StoredSource) -> Self {
        SourceJson {
            id: s.id,
            format: s.format.name().to_string(),
            file: s.file.clone(),
            line: s.line,
            index: s.index,
            raw: s.raw.clone(),
            fields: serde_json::to_value(&s.fields).unwrap_or(serde_json::Value::Null),
            rule: s.rule.clone(),
            score: s.score,
            detail: s.detail.clone(),
            batch_id: s.batch_id,
        }
    }
}

/// One search hit.
#[derive(Debug, Serialize, ToSchema)]
pub struct HitJson {
    /// The paper.
    #[serde(flatten)]
    pub paper: PaperSummary,
    /// The abstract, whole.
    #[serde(rename = "abstract")]
    pub abstract_text: Option<String>,
    /// Fused (or single-retriever) score; higher is better.
    pub score: f64,
    /// 1-based rank in the lexical ranking, when it was there.
    pub lexical_rank: Option<usize>,
    /// 1-based rank in the semantic ranking, when it was there.
    pub semantic_rank: Option<usize>,
}

impl From<&SearchHit> for HitJson {
    fn from(h: &SearchHit) -> Self {
        HitJson {
            paper: PaperSummary::from(&h.paper),
            abstract_text: h.paper.abstract_text.clone(),
            score: h.score,
            lexical_rank: h.lexical_rank,
            semantic_rank: h.semantic_rank,
        }
    }
}

/// A page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResponse {
    /// The query as given.
    pub query: String,
    /// The mode that answered (a query with filters only is answered lexically).
    #[schema(value_type = String, example = "hybrid")]
    pub mode: SearchMode,
    /// Matches in all (lexical), or ranked candidates (semantic, hybrid).
    pub total: usize,
    /// False when `total` is a lower bound: lexical counting stops at 10,000
    /// matches ("more than 10,000").
    pub total_exact: bool,
    /// Hits skipped.
    pub offset: usize,
    /// Hits asked for.
    pub k: usize,
    /// The hits, best first.
    pub hits: Vec<HitJson>,
}

/// Papers similar to one paper.
#[derive(Debug, Serialize, ToSchema)]
pub struct SimilarResponse {
    /// The paper they are similar to.
    pub paper_id: i64,
    /// Most similar first.
    pub hits: Vec<HitJson>,
}

/// A collaborating author.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollaboratorJson {
    /// Author id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Their papers in the library.
    pub papers: u64,
    /// Papers written together.
    pub shared_papers: u64,
}

impl From<&Collaborator> for CollaboratorJson {
    fn from(c: &Collaborator) -> Self {
        CollaboratorJson {
            id: c.author.id,
            name: c.author.name.clone(),
            papers: c.author.papers,
            shared_papers: c.shared_papers,
        }
    }
}

/// An author: name variants, papers and collaborators.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorJson {
    /// Author id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Every spelling seen.
    pub name_variants: Vec<String>,
    /// Their papers, newest first.
    pub papers: Vec<PaperSummary>,
    /// Co-authors ranked by shared papers.
    pub collaborators: Vec<CollaboratorJson>,
}

impl From<&AuthorInfo> for AuthorJson {
    fn from(a: &AuthorInfo) -> Self {
        AuthorJson {
            id: a.id,
            name: a.name.clone(),
            name_variants: a.name_variants.clone(),
            papers: a.papers.iter().map(PaperSummary::from).collect(),
            collaborators: a.collaborators.iter().map(CollaboratorJson::from).collect(),
        }
    }
}

/// Library counts and the state of the derived indexes.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsJson {
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
    /// Papers in the full-text index.
    pub indexed_papers: u64,
    /// Papers with an embedding in the vector index.
    pub embedded_papers: usize,
    /// True when the embedding model is loaded (semantic and hybrid search work).
    pub semantic_search: bool,
    /// True when a write token is configured (`POST /api/ingest` works).
    pub writes_enabled: bool,
}

impl StatsJson {
    /// Counts plus index state.
    pub fn new(s: &Stats, indexed: u64, embedded: usize, semantic: bool, writes: bool) -> Self {
        StatsJson {
            papers: s.papers,
            records: s.records,
            authors: s.authors,
            sources: s.sources,
            batches: s.batches,
            merged_papers: s.merged_papers,
            indexed_papers: indexed,
            embedded_papers: embedded,
            semantic_search: semantic,
            writes_enabled: writes,
        }
    }
}

/// A record that could not be read.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordErrorJson {
    /// 1-based line where it starts, when known.
    pub line: Option<usize>,
    /// 0-based record index, when known.
    pub index: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// What an upload did.
#[derive(Debug, Serialize, ToSchema)]
pub struct IngestResponse {
    /// The file name given.
    pub file: String,
    /// The format it was read as.
    pub format: Option<String>,
    /// Records read.
    pub records: usize,
    /// Records that started a new paper.
    pub new_papers: usize,
    /// Records that joined an existing paper.
    pub merged: usize,
    /// Records already in the library.
    pub unchanged: usize,
    /// Records that could not be read (the rest were ingested).
    pub errors: Vec<RecordErrorJson>,
    /// Why nothing was ingested, if so.
    pub failed: Option<String>,
    /// The batch that stored it.
    pub batch: Option<i64>,
}

impl From<&FileReport> for IngestResponse {
    fn from(r: &FileReport) -> Self {
        IngestResponse {
            file: r.file.clone(),
            format: r.format.clone(),
            records: r.records,
            new_papers: r.new_papers,
            merged: r.merged,
            unchanged: r.unchanged,
            errors: r
                .errors
                .iter()
                .map(|e| RecordErrorJson {
                    line: e.line,
                    index: e.index,
                    message: e.message.clone(),
                })
                .collect(),
            failed: r.failed.clone(),
            batch: r.batch,
        }
    }
}

/// A JSON response whose `<`, `>` and `&` are written as `\u003c`,
/// `\u003e` and `\u0026`: the same JSON value, but no byte of it can open
/// a tag if a browser or a page ever treats it as HTML.
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: Serialize> axum::response::IntoResponse for Json<T> {
    fn into_response(self) -> axum::response::Response {
        use axum::http::{header, HeaderValue, StatusCode};
        match serde_json::to_vec(&self.0) {
            Ok(bytes) => (
                [(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                )],
                html_safe_json(bytes),
            )
                .into_response(),
            Err(e) => {
                tracing::error!(error = %e, "cannot serialize a response");
                (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
            }
        }
    }
}

/// Escapes `<`, `>` and `&` in serialized JSON. They can only occur inside
/// strings (JSON syntax has none), where `\uXXXX` means the same character.
pub fn html_safe_json(bytes: Vec<u8>) -> Vec<u8> {
    if !bytes.iter().any(|b| matches!(b, b'<' | b'>' | b'&')) {
        return bytes;
    }
    let mut out = Vec::with_capacity(bytes.len() + 32);
    for b in bytes {
        match b {
            b'<' => out.extend_from_slice(b"\\u003c"),
            b'>' => out.extend_from_slice(b"\\u003e"),
            b'&' => out.extend_from_slice(b"\\u0026"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_safe_json_keeps_the_value() {
        let value = serde_json::json!({"title": "<script>alert(1)</script> & co"});
        let safe = html_safe_json(serde_json::to_vec(&value).unwrap());
        let text = String::from_utf8(safe).unwrap();
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
