//! What every handler shares: the engine, the write token, the pool that
//! runs CPU-bound engine calls off the async runtime, and the home page's
//! cached lists.

use crate::error::AppError;
use paperdex_model::Paper;
use paperdex_search::Engine;
use paperdex_store::{PaperFilter, Store, StoreError};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;

/// Picks the home page's "trending" papers from the library: `(store, n)`
/// gives at most `n` papers, most trending first.
pub type TrendingFn =
    Arc<dyn Fn(&dyn Store, usize) -> Result<Vec<Paper>, StoreError> + Send + Sync>;

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
    /// The home page's trending list ([`most_cited_and_upvoted`] by default).
    pub trending: TrendingFn,
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
            trending: Arc::new(most_cited_and_upvoted),
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

/// The default trending list until a discovery score exists: papers by
/// upvotes (trending pages), then citations, then newest.
pub fn most_cited_and_upvoted(store: &dyn Store, n: usize) -> Result<Vec<Paper>, StoreError> {
    let mut papers: Vec<Paper> = store
        .list_papers(&PaperFilter::default())?
        .into_iter()
        .filter(|p| p.upvotes.is_some() || p.citation_count.is_some())
        .collect();
    papers.sort_by(|a, b| {
        (b.upvotes, b.citation_count, b.year, -b.id).cmp(&(
            a.upvotes,
            a.citation_count,
            a.year,
            -a.id,
        ))
    });
    papers.truncate(n);
    Ok(papers)
}

/// The home page's lists, computed once per library batch.
#[derive(Debug, Default)]
pub struct HomeLists {
    /// The batch they were computed at.
    pub batch: i64,
    /// Newest papers.
    pub recent: Vec<Paper>,
    /// [`ServerOptions::trending`]'s pick.
    pub trending: Vec<Paper>,
}

/// Shared by every handler (cheap to clone).
#[derive(Clone)]
pub struct AppState {
    pub(crate) engine: Arc<Engine>,
    pub(crate) options: Arc<ServerOptions>,
    workers: Arc<Semaphore>,
    home: Arc<Mutex<Arc<HomeLists>>>,
}

impl AppState {
    /// State over an opened engine.
    pub fn new(engine: Arc<Engine>, options: ServerOptions) -> Self {
        let workers = Arc::new(Semaphore::new(options.workers.max(1)));
        AppState {
            engine,
            options: Arc::new(options),
            workers,
            home: Arc::new(Mutex::new(Arc::new(HomeLists {
                batch: -1,
                ..Default::default()
            }))),
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

    /// The home page's lists, recomputed when the library has a new batch.
    pub(crate) fn home_lists(&self, engine: &Engine, n: usize) -> Result<Arc<HomeLists>, AppError> {
        let batch = engine.store().last_batch()?;
        {
            let cached = self.home.lock().expect("home cache poisoned");
            if cached.batch == batch {
                return Ok(Arc::clone(&cached));
            }
        }
        let store = engine.store().as_ref();
        let lists = Arc::new(HomeLists {
            batch,
            recent: store.list_papers(&PaperFilter {
                limit: Some(n),
                ..Default::default()
            })?,
            trending: (self.options.trending)(store, n)?,
        });
        *self.home.lock().expect("home cache poisoned") = Arc::clone(&lists);
        Ok(lists)
    }
}
