//! What every handler shares: the engine, the write token, the pool that
//! runs CPU-bound engine calls off the async runtime, and what is derived
//! from the whole library (home page lists, citation keys), kept per batch.

use crate::error::AppError;
use paperdex_discover::trending::{trending, TrendingOptions};
use paperdex_export::BibKeys;
use paperdex_model::Paper;
use paperdex_search::Engine;
use paperdex_store::{PaperFilter, Stats};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// How the server behaves.
#[derive(Clone)]
pub struct ServerOptions {
    /// Bearer token that write endpoints require; `None` disables writes.
    pub token: Option<String>,
    /// Largest request body accepted (an uploaded listing file), in bytes.
    pub max_body_bytes: usize,
    /// A request taking longer than this is answered 408.
    pub request_timeout: Duration,
    /// Requests handled at once; more wait their turn.
    pub max_in_flight: usize,
    /// Engine calls running at once (search, ingest): at most one per core
    /// keeps latency even instead of time-slicing every request.
    pub workers: usize,
    /// How often to pick up what other processes wrote to the library.
    pub refresh_every: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            token: None,
            max_body_bytes: 32 * 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            max_in_flight: 512,
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            refresh_every: Duration::from_secs(2),
        }
    }
}

impl std::fmt::Debug for ServerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerOptions")
            .field("writes_enabled", &self.token.is_some())
            .field("max_body_bytes", &self.max_body_bytes)
            .field("request_timeout", &self.request_timeout)
            .field("max_in_flight", &self.max_in_flight)
            .field("workers", &self.workers)
            .field("refresh_every", &self.refresh_every)
            .finish_non_exhaustive()
    }
}

/// The home page's counts and lists, computed once per library batch.
#[derive(Debug)]
pub struct HomeLists {
    /// Library counts.
    pub stats: Stats,
    /// Newest papers.
    pub recent: Vec<Paper>,
    /// Most trending first (paperdex-discover's score).
    pub trending: Vec<Paper>,
}

/// A value derived from the whole library, recomputed only when the library
/// has a new batch (everything it derives from changes only with batches).
struct PerBatch<T> {
    cached: Mutex<Option<(i64, Arc<T>)>>,
}

impl<T> PerBatch<T> {
    fn new() -> Self {
        PerBatch {
            cached: Mutex::new(None),
        }
    }

    fn get(
        &self,
        engine: &Engine,
        compute: impl FnOnce() -> Result<T, AppError>,
    ) -> Result<Arc<T>, AppError> {
        let batch = engine.store().last_batch()?;
        if let Some((at, value)) = &*self.cached.lock().expect("cache poisoned") {
            if *at == batch {
                return Ok(Arc::clone(value));
            }
        }
        let value = Arc::new(compute()?);
        *self.cached.lock().expect("cache poisoned") = Some((batch, Arc::clone(&value)));
        Ok(value)
    }
}

/// Shared by every handler (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    pub(crate) engine: Arc<Engine>,
    pub(crate) options: Arc<ServerOptions>,
    workers: Arc<Semaphore>,
    home: Arc<PerBatch<HomeLists>>,
    bib_keys: Arc<PerBatch<BibKeys>>,
}

impl AppState {
    /// State over an opened engine.
    pub fn new(engine: Arc<Engine>, options: ServerOptions) -> Self {
        let workers = Arc::new(Semaphore::new(options.workers.max(1)));
        AppState {
            engine,
            options: Arc::new(options),
            workers,
            home: Arc::new(PerBatch::new()),
            bib_keys: Arc::new(PerBatch::new()),
        }
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// True when a token is configured.
    pub fn writes_enabled(&self) -> bool {
        self.options.token.is_some()
    }

    /// Runs a blocking engine call on the blocking pool, at most
    /// [`ServerOptions::workers`] at a time.
    pub async fn blocking<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce(&Engine) -> Result<T, AppError> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = self
            .workers
            .acquire()
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
        let engine = Arc::clone(&self.engine);
        tokio::task::spawn_blocking(move || f(&engine))
            .await
            .map_err(|e| AppError::Internal(format!("engine task failed: {e}")))?
    }

    /// The home page's counts and lists, recomputed when the library has a
    /// new batch.
    pub(crate) fn home_lists(&self, engine: &Engine, n: usize) -> Result<Arc<HomeLists>, AppError> {
        self.home.get(engine, || {
            let store = engine.store().as_ref();
            let options = TrendingOptions {
                k: n,
                ..Default::default()
            };
            Ok(HomeLists {
                stats: store.stats()?,
                recent: store.list_papers(&PaperFilter {
                    limit: Some(n),
                    ..Default::default()
                })?,
                trending: trending(store, &options)?
                    .papers
                    .into_iter()
                    .map(|t| t.paper)
                    .collect(),
            })
        })
    }

    /// A paper's BibTeX entry, with the key `paperdex export` gives it.
    pub(crate) fn bibtex(&self, engine: &Engine, paper: &Paper) -> Result<String, AppError> {
        let keys = self
            .bib_keys
            .get(engine, || Ok(paperdex_export::library_keys(engine)?))?;
        let mut out = Vec::new();
        paperdex_export::write_papers(
            paperdex_export::ExportFormat::Bibtex,
            std::slice::from_ref(paper),
            &keys,
            &mut out,
        )?;
        Ok(String::from_utf8(out).expect("BibTeX is written as UTF-8"))
    }
}
