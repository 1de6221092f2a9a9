//! paperdex over HTTP: a JSON API and a server-rendered web UI over one
//! [`Engine`](paperdex_search::Engine).
//!
//! - [`app`] builds the axum [`Router`]: the pages (`/`, `/search`,
//!   `/papers/{id}`, `/authors/{id}`), the API under `/api` (described by
//!   the OpenAPI document at `/api/openapi.json`, rendered at `/api/docs`)
//!   and the embedded assets. Tests drive it over a real socket.
//! - [`serve`] runs it on a listener until a shutdown signal, with a task
//!   that picks up what other processes (a concurrent `paperdex ingest`)
//!   write to the library ([`Engine::refresh`](paperdex_search::Engine::refresh)).
//! - [`AppState`] and [`ServerOptions`]: the engine, the write token, limits,
//!   and what is derived from the whole library (home page lists from
//!   paperdex-discover, BibTeX keys from paperdex-export), kept per batch.
//!
//! Architecture invariant: this is the only crate that knows HTTP. Handlers
//! validate parameters ([`params`]), run engine calls on the blocking pool
//! (at most one per core at a time; search and embedding are CPU-bound) and
//! convert results to wire types; they never rank or merge.
#![deny(missing_docs)]

mod api;
mod error;
pub mod params;
mod state;
mod web;
mod wire;

pub use api::ApiDoc;
pub use error::AppError;
pub use state::{AppState, ServerOptions};

use axum::extract::{DefaultBodyLimit, MatchedPath, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{middleware, Router};
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tower::limit::GlobalConcurrencyLimitLayer;
use tower::ServiceBuilder;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// The application: every route, with tracing, a timeout, a body limit and
/// a bound on requests in flight.
pub fn app(state: AppState) -> Router {
    let options = state.options.clone();
    let api = Router::new()
        .route("/search", get(api::search))
        .route("/papers/{*rest}", get(api::papers_dispatch))
        .route("/authors/{id}", get(api::author))
        .route("/stats", get(api::stats))
        .route("/export", get(api::export))
        .route("/ingest", post(api::ingest))
        .route("/openapi.json", get(api::openapi_json))
        .route("/docs", get(web::api_docs))
        .fallback(api::not_found);
    Router::new()
        .route("/", get(web::home))
        .route("/search", get(web::results))
        .route("/papers/{*ident}", get(web::paper))
        .route("/authors/{id}", get(web::author))
        .route("/assets/{name}", get(web::asset))
        .route("/feed.rss", get(web::feed))
        .nest("/api", api)
        .fallback(web::not_found_page)
        .layer(middleware::map_response(security_headers))
        .layer(DefaultBodyLimit::max(options.max_body_bytes))
        .layer(
            ServiceBuilder::new()
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(|req: &Request| {
                            let route = req
                                .extensions()
                                .get::<MatchedPath>()
                                .map_or("-", MatchedPath::as_str);
                            tracing::info_span!(
                                "request",
                                method = %req.method(),
                                route,
                                path = %req.uri().path(),
                            )
                        })
                        .on_request(())
                        .on_response(
                            DefaultOnResponse::new()
                                .level(Level::INFO)
                                .latency_unit(tower_http::LatencyUnit::Micros),
                        ),
                )
                .layer(RequestBodyLimitLayer::new(options.max_body_bytes))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    options.request_timeout,
                ))
                // Router::layer wraps every route on its own: a plain
                // ConcurrencyLimitLayer would bound each route separately.
                .layer(GlobalConcurrencyLimitLayer::new(options.max_in_flight)),
        )
        .layer(middleware::from_fn(api_errors_as_json))
        .with_state(state)
}

/// Outermost, so that it also sees what the limit and timeout layers answer.
async fn api_errors_as_json(request: Request, next: middleware::Next) -> Response {
    let is_api = request.uri().path().starts_with("/api/");
    let response = next.run(request).await;
    if is_api {
        json_errors(response).await
    } else {
        response
    }
}

/// Defence in depth on top of escaping: no content sniffing, and pages may
/// load only paperdex's own script, style and data (no inline script runs).
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

/// Gives `/api` error responses made outside our handlers (unknown method,
/// body over the limit, timeout) the same JSON shape as ours.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_string())
        .unwrap_or_default();
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    } else {
        text
    };
    let body = error::ErrorBody {
        error: error::ErrorDetail {
            status: status.as_u16(),
            message,
            parameter: None,
        },
    };
    let mut out = (status, wire::Json(body)).into_response();
    // Keep what the client needs to act on (Allow, WWW-Authenticate).
    for (name, value) in parts.headers.iter() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// Serves `app(state)` on `listener` until `shutdown` completes, then lets
/// requests in flight finish. Meanwhile a task refreshes the engine every
/// [`ServerOptions::refresh_every`] with what other processes wrote.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let refresher = tokio::spawn(refresh_loop(state.clone()));
    let result = axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await;
    refresher.abort();
    result
}

async fn refresh_loop(state: AppState) {
    let every = state.options.refresh_every.max(Duration::from_millis(50));
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let engine = state.engine.clone();
        match tokio::task::spawn_blocking(move || engine.refresh()).await {
            Ok(Ok(done)) if done != Default::default() => {
                tracing::info!(
                    papers_indexed = done.papers_indexed,
                    vectors_loaded = done.vectors_loaded,
                    "picked up changes to the library"
                );
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "refreshing from the library failed"),
            Err(e) => tracing::error!(error = %e, "refresh task failed"),
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
