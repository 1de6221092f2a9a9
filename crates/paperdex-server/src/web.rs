//! The web UI: server-rendered pages (askama templates compiled into the
//! binary, escaping everything they print) and their embedded assets.
//! Every page works without JavaScript; `app.js` only adds
//! search-as-you-type, a `/` shortcut and a copy button for BibTeX.

use crate::api::{find_author, resolve};
use crate::error::AppError;
use crate::params::{self, SearchParams};
use crate::state::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use paperdex_index::parse_query;
use paperdex_model::Paper;
use paperdex_search::{SearchMode, SearchRequest};
use std::collections::BTreeMap;

/// Hits per results page.
const PAGE_SIZE: usize = 20;
/// Facets are counted over this many best hits.
const FACET_DEPTH: usize = 100;
/// Papers in each home page list.
const HOME_LIST: usize = 8;
/// Values shown per facet.
const FACET_VALUES: usize = 8;

const STYLE_CSS: &str = include_str!("../assets/style.css");
const APP_JS: &str = include_str!("../assets/app.js");

/// A page that failed: the error's status, rendered as HTML.
pub struct PageError(AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let body = self.0.body();
        let page = ErrorPage {
            title: status.canonical_reason().unwrap_or("Error").to_string(),
            status: status.as_u16(),
            message: body.error.message,
        };
        (status, render(&page)).into_response()
    }
}

fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// An author link.
pub struct AuthorLink {
    id: i64,
    name: String,
}

/// A run of text, highlighted or not (the template escapes both).
pub struct Fragment {
    text: String,
    mark: bool,
}

/// A paper in a list.
pub struct PaperCard {
    id: i64,
    title: String,
    authors: Vec<AuthorLink>,
    more_authors: usize,
    venue_year: String,
    tldr: Option<String>,
    snippet: Vec<Fragment>,
}

impl PaperCard {
    fn new(p: &Paper) -> Self {
        const SHOWN: usize = 6;
        PaperCard {
            id: p.id,
            title: p.title.clone(),
            authors: p
                .authors
                .iter()
                .take(SHOWN)
                .map(|a| AuthorLink {
                    id: a.id,
                    name: a.name.clone(),
                })
                .collect(),
            more_authors: p.authors.len().saturating_sub(SHOWN),
            venue_year: venue_year(p),
            tldr: p.tldr.clone(),
            snippet: Vec::new(),
        }
    }
}

fn venue_year(p: &Paper) -> String {
    match (&p.venue, p.year) {
        (Some(v), Some(y)) => format!("{v} · {y}"),
        (Some(v), None) => v.clone(),
        (None, Some(y)) => y.to_string(),
        (None, None) => String::new(),
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    title: String,
    status: u16,
    message: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    title: String,
    papers: u64,
    authors: u64,
    records: u64,
    sources: u64,
    semantic: bool,
    recent: Vec<PaperCard>,
    trending: Vec<PaperCard>,
}

/// `GET /`: search box, library stats, recent and trending papers.
pub async fn home(State(state): State<AppState>) -> Result<Response, PageError> {
    let inner = state.clone();
    let page = state
        .blocking(move |engine| {
            let lists = inner.home_lists(engine, HOME_LIST)?;
            Ok(HomePage {
                title: "paperdex".into(),
                papers: lists.stats.papers,
                authors: lists.stats.authors,
                records: lists.stats.records,
                sources: lists.stats.sources,
                semantic: engine.embedder().is_some(),
                recent: lists.recent.iter().map(PaperCard::new).collect(),
                trending: lists.trending.iter().map(PaperCard::new).collect(),
            })
        })
        .await?;
    Ok(render(&page))
}

/// A link that changes one thing about the current search.
pub struct FacetLink {
    label: String,
    count: usize,
    href: String,
    active: bool,
}

/// A mode tab.
pub struct ModeLink {
    label: &'static str,
    href: String,
    active: bool,
}

/// A filter in force, with the link that removes it.
pub struct ActiveFilter {
    label: String,
    href: String,
}

#[derive(Template)]
#[template(path = "results.html")]
struct ResultsPage {
    title: String,
    q: String,
    mode: &'static str,
    hidden: Vec<(String, String)>,
    modes: Vec<ModeLink>,
    filters: Vec<ActiveFilter>,
    total: usize,
    total_exact: bool,
    first: usize,
    last: usize,
    cards: Vec<PaperCard>,
    years: Vec<FacetLink>,
    venues: Vec<FacetLink>,
    authors: Vec<FacetLink>,
    prev: Option<String>,
    next: Option<String>,
    answered_by: &'static str,
}

fn mode_name(mode: SearchMode) -> &'static str {
    match mode {
        SearchMode::Lexical => "lexical",
        SearchMode::Semantic => "semantic",
        SearchMode::Hybrid => "hybrid",
    }
}

/// The query string of a search's first page, with pairs changed by `edit`.
fn search_href(p: &SearchParams, edit: impl FnOnce(&mut Vec<(String, String)>)) -> String {
    let mut pairs = vec![("q".to_string(), p.q.clone())];
    if p.mode != SearchMode::default() {
        pairs.push(("mode".into(), mode_name(p.mode).into()));
    }
    pairs.extend(filter_pairs(p));
    edit(&mut pairs);
    let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    format!("/search?{query}")
}

/// The filters in force, as query pairs.
fn filter_pairs(p: &SearchParams) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    for a in &p.filters.authors {
        pairs.push(("author".into(), a.clone()));
    }
    for v in &p.filters.venues {
        pairs.push(("venue".into(), v.clone()));
    }
    if let Some(y) = year_param(p) {
        pairs.push(("year".into(), y));
    }
    pairs
}

fn year_param(p: &SearchParams) -> Option<String> {
    match (p.filters.year_from, p.filters.year_to) {
        (None, None) => None,
        (Some(a), Some(b)) if a == b => Some(a.to_string()),
        (a, b) => Some(format!(
            "{}..{}",
            a.map(|y| y.to_string()).unwrap_or_default(),
            b.map(|y| y.to_string()).unwrap_or_default()
        )),
    }
}

/// `GET /search`: a page of hits with snippets, facets, pagination and modes.
pub async fn results(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    if raw.as_deref().unwrap_or("").trim().is_empty() {
        return Ok(Redirect::to("/").into_response());
    }
    let mut p = SearchParams::parse(raw.as_deref(), PAGE_SIZE)?;
    if p.k > PAGE_SIZE {
        p.k = PAGE_SIZE;
    }
    let page = state
        .blocking(move |engine| {
            let depth = FACET_DEPTH.max(p.offset + p.k);
            let results = engine.search(&SearchRequest {
                query: p.q.clone(),
                mode: p.mode,
                k: depth,
                offset: 0,
                filters: p.filters.clone(),
            })?;
            let parsed = parse_query(&p.q).map_err(|e| AppError::param("q", e.to_string()))?;
            let mut cards = Vec::new();
            for hit in results.hits.iter().skip(p.offset).take(p.k) {
                let mut card = PaperCard::new(&hit.paper);
                if let Some(snippet) = engine
                    .text_index()
                    .snippet(&parsed, hit.paper.id, 320)
                    .map_err(|e| AppError::Internal(e.to_string()))?
                {
                    card.snippet = fragments(&snippet.text, &snippet.highlights);
                }
                cards.push(card);
            }
            let top: Vec<&Paper> = results
                .hits
                .iter()
                .take(FACET_DEPTH)
                .map(|h| &h.paper)
                .collect();
            let facet = |key: &'static str, values: Vec<(String, usize)>, current: &[String]| {
                values
                    .into_iter()
                    .map(|(label, count)| {
                        let active = current.iter().any(|c| c == &label);
                        let href = search_href(&p, |pairs| {
                            if key == "year" {
                                pairs.retain(|(k, _)| k != "year");
                            }
                            if active {
                                pairs.retain(|(k, v)| !(k == key && v == &label));
                            } else {
                                pairs.push((key.to_string(), label.clone()));
                            }
                        });
                        FacetLink {
                            label,
                            count,
                            href,
                            active,
                        }
                    })
                    .collect::<Vec<_>>()
            };
            let current_year: Vec<String> = year_param(&p).into_iter().collect();
            let years = facet("year", count_years(&top), &current_year);
            let venues = facet(
                "venue",
                count_by(&top, |p| p.venue.iter().cloned().collect()),
                &p.filters.venues,
            );
            let authors = facet(
                "author",
                count_by(&top, |p| p.authors.iter().map(|a| a.name.clone()).collect()),
                &p.filters.authors,
            );
            let mut filters = Vec::new();
            for (key, values) in [("author", &p.filters.authors), ("venue", &p.filters.venues)] {
                for v in values {
                    filters.push(ActiveFilter {
                        label: format!("{key}: {v}"),
                        href: search_href(&p, |pairs| {
                            pairs.retain(|(k, x)| !(k == key && x == v));
                        }),
                    });
                }
            }
            if let Some(y) = year_param(&p) {
                filters.push(ActiveFilter {
                    label: format!("year: {y}"),
                    href: search_href(&p, |pairs| {
                        pairs.retain(|(k, _)| k != "year");
                    }),
                });
            }
            let modes = [
                SearchMode::Hybrid,
                SearchMode::Lexical,
                SearchMode::Semantic,
            ]
            .into_iter()
            .map(|m| ModeLink {
                label: mode_name(m),
                href: search_href(&p, |pairs| {
                    pairs.retain(|(k, _)| k != "mode");
                    if m != SearchMode::default() {
                        pairs.push(("mode".into(), mode_name(m).into()));
                    }
                }),
                active: m == p.mode,
            })
            .collect();
            let page_end = (p.offset + p.k).min(results.hits.len());
            let prev = (p.offset > 0).then(|| {
                let to = p.offset.saturating_sub(p.k);
                search_href(&p, |pairs| {
                    if to > 0 {
                        pairs.push(("offset".into(), to.to_string()));
                    }
                })
            });
            let next_offset = p.offset + p.k;
            let next = (next_offset < results.total.min(params::MAX_OFFSET + 1)
                && results.hits.len() > next_offset)
                .then(|| {
                    search_href(&p, |pairs| {
                        pairs.push(("offset".into(), next_offset.to_string()));
                    })
                });
            Ok(ResultsPage {
                title: if p.q.trim().is_empty() {
                    "Browse · paperdex".to_string()
                } else {
                    format!("{} · paperdex", params::truncate(&p.q, 60))
                },
                q: p.q.clone(),
                mode: mode_name(p.mode),
                hidden: filter_pairs(&p),
                modes,
                filters,
                total: results.total,
                total_exact: results.total_exact,
                first: if cards.is_empty() { 0 } else { p.offset + 1 },
                last: page_end.max(p.offset),
                cards,
                years,
                venues,
                authors,
                prev,
                next,
                answered_by: mode_name(results.mode),
            })
        })
        .await?;
    Ok(render(&page))
}

/// Splits `text` into plain and highlighted runs.
fn fragments(text: &str, highlights: &[(usize, usize)]) -> Vec<Fragment> {
    let mut out = Vec::new();
    let mut at = 0;
    for &(start, end) in highlights {
        if start < at
            || end > text.len()
            || !text.is_char_boundary(start)
            || !text.is_char_boundary(end)
        {
            continue;
        }
        if start > at {
            out.push(Fragment {
                text: text[at..start].to_string(),
                mark: false,
            });
        }
        out.push(Fragment {
            text: text[start..end].to_string(),
            mark: true,
        });
        at = end;
    }
    if at < text.len() {
        out.push(Fragment {
            text: text[at..].to_string(),
            mark: false,
        });
    }
    out
}

fn count_years(papers: &[&Paper]) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<i32, usize> = BTreeMap::new();
    for p in papers {
        if let Some(y) = p.year {
            *counts.entry(y).or_default() += 1;
        }
    }
    let mut out: Vec<(String, usize)> = counts
        .into_iter()
        .rev()
        .map(|(y, n)| (y.to_string(), n))
        .collect();
    out.truncate(FACET_VALUES);
    out
}

fn count_by(papers: &[&Paper], values: impl Fn(&Paper) -> Vec<String>) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for p in papers {
        for v in values(p) {
            *counts.entry(v).or_default() += 1;
        }
    }
    let mut out: Vec<(String, usize)> = counts.into_iter().collect();
    out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    out.truncate(FACET_VALUES);
    out
}

/// A source row of the paper page.
pub struct SourceRow {
    id: i64,
    file: String,
    line: usize,
    record: usize,
    format: String,
    rule: String,
    score: String,
    detail: String,
}

/// An external link.
pub struct ExternalLink {
    label: String,
    url: String,
}

#[derive(Template)]
#[template(path = "paper.html")]
struct PaperPage {
    title: String,
    paper: PaperCard,
    title_derived: bool,
    abstract_text: Option<String>,
    tldr_generated: bool,
    date: Option<String>,
    categories: Vec<String>,
    comments: Option<String>,
    citations: Option<i64>,
    upvotes: Option<i64>,
    links: Vec<ExternalLink>,
    sources: Vec<SourceRow>,
    field_sources: Vec<(String, String)>,
    similar: Vec<PaperCard>,
    bibtex: String,
    api_href: String,
}

/// `GET /papers/{id}`: everything about one paper.
pub async fn paper(
    State(state): State<AppState>,
    Path(ident): Path<String>,
) -> Result<Response, PageError> {
    let inner = state.clone();
    let page = state
        .blocking(move |engine| {
            let store = engine.store();
            let (paper, id) = resolve(store.as_ref(), &ident)?;
            let sources = store.sources(id)?;
            let similar = engine.similar(&id.to_string(), 6)?;
            Ok(PaperPage {
                title: format!("{} · paperdex", params::truncate(&paper.title, 80)),
                title_derived: paper.title_derived,
                abstract_text: paper.abstract_text.clone(),
                tldr_generated: paper.tldr_generated,
                date: paper.date.clone(),
                categories: paper.categories.clone(),
                comments: paper.comments.clone(),
                citations: paper.citation_count,
                upvotes: paper.upvotes,
                links: external_links(&paper),
                sources: sources
                    .iter()
                    .map(|s| SourceRow {
                        id: s.id,
                        file: s.file.clone(),
                        line: s.line,
                        record: s.index + 1,
                        format: s.format.name().to_string(),
                        rule: s.rule.clone(),
                        score: format!("{:.2}", s.score),
                        detail: s.detail.clone(),
                    })
                    .collect(),
                field_sources: paper
                    .field_sources
                    .iter()
                    .map(|(field, ids)| {
                        let ids: Vec<String> = ids.iter().map(|i| format!("#{i}")).collect();
                        (field.clone(), ids.join(" "))
                    })
                    .collect(),
                similar: similar.iter().map(|h| PaperCard::new(&h.paper)).collect(),
                bibtex: inner.bibtex(engine, &paper)?,
                api_href: format!("/api/papers/{id}"),
                paper: PaperCard::new(&paper),
            })
        })
        .await?;
    Ok(render(&page))
}

/// arXiv abstract and PDF, DOI, then the sources' own links. Only http(s)
/// URLs are linked: a `javascript:` URL from a hostile listing must not be.
fn external_links(p: &Paper) -> Vec<ExternalLink> {
    let mut out = Vec::new();
    if let Some(a) = &p.arxiv_id {
        out.push(ExternalLink {
            label: format!("arXiv:{}", a.id),
            url: format!("https://arxiv.org/abs/{}", a.id),
        });
        out.push(ExternalLink {
            label: "PDF".into(),
            url: format!("https://arxiv.org/pdf/{}", a.id),
        });
    }
    if let Some(doi) = &p.doi {
        out.push(ExternalLink {
            label: format!("doi:{doi}"),
            url: format!("https://doi.org/{doi}"),
        });
    }
    for l in &p.links {
        let lower = l.url.to_ascii_lowercase();
        let safe = lower.starts_with("https://") || lower.starts_with("http://");
        if safe && !out.iter().any(|o| o.url == l.url) {
            out.push(ExternalLink {
                label: l.kind.clone(),
                url: l.url.clone(),
            });
        }
    }
    out
}

/// Papers of one year on the author page.
pub struct YearGroup {
    year: String,
    papers: Vec<PaperCard>,
}

/// A collaborator row.
pub struct CollaboratorRow {
    id: i64,
    name: String,
    shared: u64,
}

#[derive(Template)]
#[template(path = "author.html")]
struct AuthorPage {
    title: String,
    name: String,
    paper_count: usize,
    variants: Vec<String>,
    years: Vec<YearGroup>,
    collaborators: Vec<CollaboratorRow>,
    search_href: String,
    api_href: String,
}

/// `GET /authors/{id}`: papers by year, collaborators, name variants.
pub async fn author(
    State(state): State<AppState>,
    Path(ident): Path<String>,
) -> Result<Response, PageError> {
    let page = state
        .blocking(move |engine| {
            let info = find_author(engine.store().as_ref(), &ident)?;
            let mut years: Vec<YearGroup> = Vec::new();
            for p in &info.papers {
                let year = p
                    .year
                    .map(|y| y.to_string())
                    .unwrap_or_else(|| "Undated".into());
                match years.last_mut() {
                    Some(g) if g.year == year => g.papers.push(PaperCard::new(p)),
                    _ => years.push(YearGroup {
                        year,
                        papers: vec![PaperCard::new(p)],
                    }),
                }
            }
            let search = serde_urlencoded::to_string([("q", ""), ("author", info.name.as_str())])
                .unwrap_or_default();
            Ok(AuthorPage {
                title: format!("{} · paperdex", params::truncate(&info.name, 80)),
                name: info.name.clone(),
                paper_count: info.papers.len(),
                variants: info
                    .name_variants
                    .iter()
                    .filter(|v| **v != info.name)
                    .cloned()
                    .collect(),
                years,
                collaborators: info
                    .collaborators
                    .iter()
                    .take(30)
                    .map(|c| CollaboratorRow {
                        id: c.author.id,
                        name: c.author.name.clone(),
                        shared: c.shared_papers,
                    })
                    .collect(),
                search_href: format!("/search?{search}"),
                api_href: format!("/api/authors/{}", info.id),
            })
        })
        .await?;
    Ok(render(&page))
}

/// One documented operation of the API page.
pub struct DocOperation {
    method: String,
    path: String,
    summary: String,
    description: String,
    params: Vec<(String, String, String)>,
    responses: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "api_docs.html")]
struct ApiDocsPage {
    title: String,
    description: String,
    operations: Vec<DocOperation>,
}

/// `GET /api/docs`: the OpenAPI document, rendered as a page.
pub async fn api_docs() -> Response {
    use utoipa::OpenApi;
    let doc = crate::api::ApiDoc::openapi();
    let mut operations = Vec::new();
    for (path, item) in &doc.paths.paths {
        let ops = [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            operations.push(DocOperation {
                method: method.into(),
                path: path.clone(),
                summary: op.summary.clone().unwrap_or_default(),
                description: op.description.clone().unwrap_or_default(),
                params: op
                    .parameters
                    .iter()
                    .flatten()
                    .map(|p| {
                        let place = serde_json::to_value(&p.parameter_in)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default();
                        (
                            p.name.clone(),
                            place,
                            p.description.clone().unwrap_or_default(),
                        )
                    })
                    .collect(),
                responses: op
                    .responses
                    .responses
                    .iter()
                    .map(|(code, r)| {
                        let text = match r {
                            utoipa::openapi::RefOr::T(r) => r.description.clone(),
                            utoipa::openapi::RefOr::Ref(r) => r.ref_location.clone(),
                        };
                        (code.clone(), text)
                    })
                    .collect(),
            });
        }
    }
    render(&ApiDocsPage {
        title: "API · paperdex".into(),
        description: doc.info.description.clone().unwrap_or_default(),
        operations,
    })
}

/// `GET /assets/{name}`: the stylesheet and script, embedded in the binary.
pub async fn asset(Path(name): Path<String>) -> Response {
    let (body, kind) = match name.as_str() {
        "style.css" => (STYLE_CSS, "text/css; charset=utf-8"),
        "app.js" => (APP_JS, "text/javascript; charset=utf-8"),
        _ => return not_found_page().await,
    };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(kind)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

/// The window `/feed.rss` covers when `since` is not given.
const FEED_WINDOW: &str = "7d";

/// `GET /feed.rss[?since=7d]`: the digest of the library's follows as an
/// RSS 2.0 feed: papers first stored within the window that match a
/// follow. Feed readers poll it; unlike `paperdex digest`, it records
/// nothing.
pub async fn feed(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let mut since = FEED_WINDOW.to_string();
    for (name, value) in params::pairs(raw.as_deref())? {
        match name.as_str() {
            "since" => since = value,
            other => return Err(params::unknown(other, "the feed", "since")),
        }
    }
    let window = paperdex_digest::parse_duration(&since)
        .map_err(|e| AppError::param("since", e.to_string()))?;
    let site = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map_or_else(|| "/".to_string(), |host| format!("http://{host}/"));
    let xml = state
        .blocking(move |engine| {
            paperdex_digest::feed(engine, window, &site)
                .map_err(|e| AppError::Internal(e.to_string()))
        })
        .await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/rss+xml; charset=utf-8"),
        )],
        xml,
    )
        .into_response())
}

/// Unknown pages.
pub async fn not_found_page() -> Response {
    PageError(AppError::NotFound("no such page".into())).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_cover_the_text_and_mark_highlights() {
        let f = fragments("deep graph nets", &[(5, 10)]);
        let parts: Vec<(&str, bool)> = f.iter().map(|f| (f.text.as_str(), f.mark)).collect();
        assert_eq!(
            parts,
            vec![("deep ", false), ("graph", true), (" nets", false)]
        );
        // Ranges off char boundaries or out of order are skipped, never panic.
        let f = fragments("é", &[(1, 2), (0, 9)]);
        assert_eq!(f.len(), 1);
        assert!(!f[0].mark);
    }

    #[test]
    fn search_links_keep_the_filters_and_encode_values() {
        let p =
            SearchParams::parse(Some("q=a%26b&author=O%27Neil&year=2019&offset=20"), 20).unwrap();
        let href = search_href(&p, |_| {});
        assert_eq!(href, "/search?q=a%26b&author=O%27Neil&year=2019");
    }

    #[test]
    fn only_web_links_are_linked() {
        let p = Paper {
            links: vec![
                paperdex_model::Link {
                    kind: "code".into(),
                    url: "javascript:alert(1)".into(),
                },
                paperdex_model::Link {
                    kind: "site".into(),
                    url: "https://example.org/x".into(),
                },
            ],
            ..Default::default()
        };
        let links = external_links(&p);
        assert_eq!(links.len(), 1);
        assert_eq!(links[0].url, "https://example.org/x");
    }
}
