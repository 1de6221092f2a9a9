//! The JSON API under `/api`: handlers validate, run the engine on the
//! blocking pool, and convert to [`wire`](crate::wire) types. Nothing here
//! ranks or merges. [`ApiDoc`] is the OpenAPI document, generated from the
//! handlers' annotations.

use crate::error::{AppError, ErrorBody};
use crate::params::{self, ExportParams, SearchParams, MAX_K};
use crate::state::AppState;
use crate::wire::Json;
use crate::wire::*;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use paperdex_search::SearchRequest;
use paperdex_store::Store;
use utoipa::OpenApi;

/// Hits returned by `/api/search` when `k` is not given.
pub const DEFAULT_K: usize = 10;
/// Longest uploaded file name.
const MAX_NAME_CHARS: usize = 200;

/// The OpenAPI document of `/api`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "paperdex API",
        description = "Search and read the papers and authors of a paperdex library. Errors are JSON `{\"error\": {\"status\", \"message\", \"parameter\"}}`."
    ),
    paths(search, paper, similar, bibtex, author, stats, export, ingest),
    components(schemas(ErrorBody, SearchResponse, PaperDetail, SimilarResponse, AuthorJson, StatsJson, IngestResponse)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Search the library.
///
/// The query language: words, `"phrases"`, `-word`, `author:`, `year:`,
/// `venue:`, `source:`. The `author`, `year` and `venue` parameters add
/// filters to those in `q`.
#[utoipa::path(
    get,
    path = "/api/search",
    params(
        ("q" = Option<String>, Query, description = "The query (at most 1000 characters). May be empty when a filter is given."),
        ("mode" = Option<String>, Query, description = "lexical, semantic or hybrid (default)"),
        ("k" = Option<usize>, Query, description = "Hits to return, 1 to 100 (default 10)"),
        ("offset" = Option<usize>, Query, description = "Hits to skip, 0 to 1000"),
        ("author" = Option<String>, Query, description = "Author name or name word; repeat to require several"),
        ("year" = Option<String>, Query, description = "2019, 2018..2020, 2018.. or ..2020"),
        ("venue" = Option<String>, Query, description = "Venue word or phrase; repeat to accept any of several"),
    ),
    responses(
        (status = 200, description = "A page of hits", body = SearchResponse),
        (status = 400, description = "A parameter is invalid; `parameter` names it", body = ErrorBody),
        (status = 503, description = "Semantic search without the embedding model", body = ErrorBody),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<SearchResponse>, AppError> {
    let p = SearchParams::parse(raw.as_deref(), DEFAULT_K)?;
    let response = state
        .blocking(move |engine| {
            let results = engine.search(&SearchRequest {
                query: p.q.clone(),
                mode: p.mode,
                k: p.k,
                offset: p.offset,
                filters: p.filters,
            })?;
            Ok(SearchResponse {
                query: p.q,
                mode: results.mode,
                total: results.total,
                total_exact: results.total_exact,
                offset: p.offset,
                k: p.k,
                hits: results.hits.iter().map(HitJson::from).collect(),
            })
        })
        .await?;
    Ok(Json(response))
}

/// A paper with every field, its sources and how they were merged.
#[utoipa::path(
    get,
    path = "/api/papers/{id}",
    params(("id" = String, Path, description = "Paper id, arXiv id (with or without version) or DOI")),
    responses(
        (status = 200, description = "The paper", body = PaperDetail),
        (status = 404, description = "No such paper", body = ErrorBody),
    )
)]
pub async fn paper(state: AppState, ident: String) -> Result<Json<PaperDetail>, AppError> {
    let detail = state
        .blocking(move |engine| {
            let store = engine.store();
            let (paper, id) = resolve(store.as_ref(), &ident)?;
            let sources = store.sources(id)?;
            Ok(PaperDetail::new(&paper, &sources))
        })
        .await?;
    Ok(Json(detail))
}

/// Papers similar to a paper, by embedding (by title words without one).
#[utoipa::path(
    get,
    path = "/api/papers/{id}/similar",
    params(
        ("id" = String, Path, description = "Paper id, arXiv id or DOI"),
        ("k" = Option<usize>, Query, description = "Hits to return, 1 to 100 (default 10)"),
    ),
    responses(
        (status = 200, description = "Most similar first", body = SimilarResponse),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
        (status = 404, description = "No such paper", body = ErrorBody),
    )
)]
pub async fn similar(
    state: AppState,
    ident: String,
    raw: Option<String>,
) -> Result<Json<SimilarResponse>, AppError> {
    let mut k = DEFAULT_K;
    for (name, value) in params::pairs(raw.as_deref())? {
        match name.as_str() {
            "k" => k = params::integer("k", &value, 1, MAX_K)?,
            other => return Err(params::unknown(other, "similar", "k")),
        }
    }
    let response = state
        .blocking(move |engine| {
            let (paper, _) = resolve(engine.store().as_ref(), &ident)?;
            let hits = engine.similar(&paper.id.to_string(), k)?;
            Ok(SimilarResponse {
                paper_id: paper.id,
                hits: hits.iter().map(HitJson::from).collect(),
            })
        })
        .await?;
    Ok(Json(response))
}

/// A BibTeX entry for a paper.
#[utoipa::path(
    get,
    path = "/api/papers/{id}/bibtex",
    params(("id" = String, Path, description = "Paper id, arXiv id or DOI")),
    responses(
        (status = 200, description = "The entry", content_type = "application/x-bibtex", body = String),
        (status = 404, description = "No such paper", body = ErrorBody),
    )
)]
pub async fn bibtex(state: AppState, ident: String) -> Result<Response, AppError> {
    let inner = state.clone();
    let entry = state
        .blocking(move |engine| {
            let (paper, _) = resolve(engine.store().as_ref(), &ident)?;
            inner.bibtex(engine, &paper)
        })
        .await?;
    Ok((
        [(header::CONTENT_TYPE, "application/x-bibtex; charset=utf-8")],
        entry,
    )
        .into_response())
}

/// Routes `/api/papers/{id}[/similar|/bibtex]`. One wildcard route, because
/// DOIs hold slashes (`10.1145/3292500.3330701`) that clients may not encode.
pub async fn papers_dispatch(
    State(state): State<AppState>,
    Path(rest): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    if let Some(ident) = rest.strip_suffix("/similar") {
        return Ok(similar(state, ident.to_string(), raw)
            .await?
            .into_response());
    }
    if raw.as_deref().is_some_and(|r| !r.is_empty()) {
        return Err(AppError::param(
            "query string",
            "this endpoint takes no parameters",
        ));
    }
    if let Some(ident) = rest.strip_suffix("/bibtex") {
        return bibtex(state, ident.to_string()).await;
    }
    Ok(paper(state, rest).await?.into_response())
}

/// An author: name variants, papers and collaborating authors.
#[utoipa::path(
    get,
    path = "/api/authors/{id}",
    params(("id" = String, Path, description = "Author id, or a name in any spelling (the best match is shown)")),
    responses(
        (status = 200, description = "The author", body = AuthorJson),
        (status = 404, description = "No such author", body = ErrorBody),
    )
)]
pub async fn author(
    State(state): State<AppState>,
    Path(ident): Path<String>,
) -> Result<Json<AuthorJson>, AppError> {
    let info = state
        .blocking(move |engine| find_author(engine.store().as_ref(), &ident))
        .await?;
    Ok(Json(AuthorJson::from(&info)))
}

/// Library counts and index state.
#[utoipa::path(
    get,
    path = "/api/stats",
    responses((status = 200, description = "Counts", body = StatsJson))
)]
pub async fn stats(State(state): State<AppState>) -> Result<Json<StatsJson>, AppError> {
    let writes = state.writes_enabled();
    let stats = state
        .blocking(move |engine| {
            Ok(StatsJson::new(
                &engine.store().stats()?,
                engine.text_index().num_docs(),
                engine.vector_count(),
                engine.embedder().is_some(),
                writes,
            ))
        })
        .await?;
    Ok(Json(stats))
}

/// Papers as BibTeX, CSL-JSON or RIS, with the citation keys `paperdex export` gives.
///
/// Every paper matching `q` and the filters (best first), or the whole
/// library when none is given.
#[utoipa::path(
    get,
    path = "/api/export",
    params(
        ("format" = Option<String>, Query, description = "bibtex (default), csl-json or ris"),
        ("q" = Option<String>, Query, description = "A query in the search language; every matching paper is exported"),
        ("author" = Option<String>, Query, description = "Author name or name word; repeat to require several"),
        ("year" = Option<String>, Query, description = "2019, 2018..2020, 2018.. or ..2020"),
        ("venue" = Option<String>, Query, description = "Venue word or phrase; repeat to accept any of several"),
    ),
    responses(
        (status = 200, description = "The papers in the format asked for", body = String),
        (status = 400, description = "A parameter is invalid; `parameter` names it", body = ErrorBody),
    )
)]
pub async fn export(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, AppError> {
    let ExportParams { format, selection } = ExportParams::parse(raw.as_deref())?;
    let body = state
        .blocking(move |engine| {
            let q = selection.q.trim();
            let selection = paperdex_export::Selection {
                query: (!q.is_empty()).then(|| q.to_string()),
                filters: selection.filters,
            };
            let mut out = Vec::new();
            paperdex_export::export(engine, format, &selection, &mut out)?;
            Ok(out)
        })
        .await?;
    let disposition = format!("inline; filename=\"paperdex.{}\"", format.extension());
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// Upload a listing file (any format paperdex reads) into the library, as one batch.
///
/// The body is the file's bytes; `name` is the file name the sources will
/// cite (its extension helps format detection).
#[utoipa::path(
    post,
    path = "/api/ingest",
    params(("name" = String, Query, description = "File name, e.g. iclr2024.json (at most 200 characters)")),
    request_body(content = String, content_type = "application/octet-stream", description = "The file"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What the file added", body = IngestResponse),
        (status = 400, description = "A parameter is invalid", body = ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = ErrorBody),
        (status = 403, description = "The server has no token configured: writes are disabled", body = ErrorBody),
        (status = 413, description = "The file is larger than the server accepts", body = ErrorBody),
    )
)]
pub async fn ingest(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<IngestResponse>), AppError> {
    authorize(&state, &headers)?;
    let mut name = None;
    for (key, value) in params::pairs(raw.as_deref())? {
        match key.as_str() {
            "name" => name = Some(value),
            other => return Err(params::unknown(other, "ingest", "name")),
        }
    }
    let name = name.ok_or_else(|| {
        AppError::param(
            "name",
            "is missing: give the file's name, e.g. ?name=iclr2024.json",
        )
    })?;
    let name = name.trim().to_string();
    if name.is_empty()
        || name.chars().count() > MAX_NAME_CHARS
        || name.chars().any(char::is_control)
    {
        return Err(AppError::param(
            "name",
            format!("must be 1 to {MAX_NAME_CHARS} printable characters"),
        ));
    }
    let body = body.map_err(|e| match e.status() {
        StatusCode::PAYLOAD_TOO_LARGE => AppError::TooLarge {
            limit: state.options.max_body_bytes,
        },
        _ => AppError::param("body", e.body_text()),
    })?;
    if body.is_empty() {
        return Err(AppError::param("body", "is empty: send the file's bytes"));
    }
    let report = state
        .blocking(move |engine| {
            Ok(engine.ingest_bytes(&name, &body, engine.embedder().is_some())?)
        })
        .await?;
    tracing::info!(
        file = %report.file,
        records = report.records,
        new_papers = report.new_papers,
        "ingested an upload"
    );
    Ok((StatusCode::OK, Json(IngestResponse::from(&report))))
}

/// The OpenAPI document as JSON.
pub async fn openapi_json() -> Response {
    match ApiDoc::openapi().to_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => AppError::Internal(e.to_string()).into_response(),
    }
}

/// Unknown `/api` paths.
pub async fn not_found() -> AppError {
    AppError::NotFound("no such API endpoint; see /api/openapi.json".into())
}

/// Checks the bearer token in constant time.
fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), AppError> {
    let Some(expected) = &state.options.token else {
        return Err(AppError::WritesDisabled);
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(AppError::Unauthorized(
            "this endpoint needs an 'Authorization: Bearer <token>' header",
        ))?;
    if constant_time_eq::constant_time_eq(given.trim().as_bytes(), expected.as_bytes()) {
        Ok(())
    } else {
        Err(AppError::Unauthorized("the bearer token is wrong"))
    }
}

/// A paper by id, arXiv id or DOI, with its library id.
pub(crate) fn resolve(
    store: &dyn Store,
    ident: &str,
) -> Result<(paperdex_model::Paper, i64), AppError> {
    let not_found = || {
        AppError::NotFound(format!(
            "no paper with id, arXiv id or DOI '{}'",
            params::truncate(ident, 100)
        ))
    };
    let id = store.resolve_paper(ident)?.ok_or_else(not_found)?;
    let paper = store.paper(id)?.ok_or_else(not_found)?;
    Ok((paper, id))
}

/// An author by id or by name (the best match).
pub(crate) fn find_author(
    store: &dyn Store,
    ident: &str,
) -> Result<paperdex_store::AuthorInfo, AppError> {
    let not_found = || {
        AppError::NotFound(format!(
            "no author with id or name '{}'",
            params::truncate(ident, 100)
        ))
    };
    let id = match ident.trim().parse::<i64>() {
        Ok(id) => id,
        Err(_) => {
            if ident.chars().count() > params::MAX_FILTER_CHARS {
                return Err(AppError::param(
                    "id",
                    format!("is longer than {} characters", params::MAX_FILTER_CHARS),
                ));
            }
            store
                .find_authors(ident)?
                .first()
                .map(|a| a.id)
                .ok_or_else(not_found)?
        }
    };
    store.author(id)?.ok_or_else(not_found)
}
