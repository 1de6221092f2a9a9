use anyhow::{Context, Result};
use paperdex_search::{Engine, EngineOptions};
use paperdex_store::{SqliteStore, Store};
use paperdex_store_postgres::{is_postgres_url, PostgresStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the library and the model are.
pub struct Paths {
    pub data_dir: PathBuf,
    pub model_dir: Option<PathBuf>,
    /// The user's configuration (`config.toml`).
    pub config: crate::config::Config,
}

/// `<platform data dir>/paperdex`, e.g. `~/.local/share/paperdex` on Linux.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("paperdex")
}

/// Opens the library's store: the PostgreSQL database of the configured
/// store URL (`--store`, `PAPERDEX_STORE` or `store =` in config.toml), or
/// by default the SQLite library in the data directory (created if needed).
pub fn open(paths: &Paths) -> Result<Arc<dyn Store>> {
    match paths.config.store.as_deref() {
        Some(url) if is_postgres_url(url) => Ok(Arc::new(PostgresStore::open(url)?)),
        Some(other) => anyhow::bail!(
            "unsupported store '{other}': expected a postgres:// URL (or no store for the SQLite library in the data directory)"
        ),
        None => {
            let data_dir = &paths.data_dir;
            std::fs::create_dir_all(data_dir).with_context(|| {
                format!("cannot create data directory {}", data_dir.display())
            })?;
            Ok(Arc::new(SqliteStore::open(&database_path(data_dir))?))
        }
    }
}

/// Where this process keeps data derived from the store (the full-text
/// index): the data directory for the SQLite library; for a PostgreSQL
/// store a directory per server and database under it, so one machine can
/// serve several libraries and never mixes their indexes.
pub fn derived_dir(paths: &Paths) -> PathBuf {
    match paths.config.store.as_deref() {
        Some(url) if is_postgres_url(url) => {
            // Host, port and database name only: never the password.
            let shown = PostgresStore::describe(url).unwrap_or_else(|| "default".into());
            let slug: String = shown
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            paths.data_dir.join("postgres").join(slug)
        }
        _ => paths.data_dir.clone(),
    }
}

/// The SQLite library's database file in `data_dir`.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join("library.sqlite")
}

/// The embedding model (`--model-dir` or the default), for commands that
/// need the model but not the search engine; `None` when it cannot load.
pub fn open_embedder(paths: &Paths) -> Option<Arc<dyn paperdex_embed::Embedder>> {
    paperdex_search::load_embedder(paths.model_dir.clone())
}

/// Opens the whole engine (store, index, vectors and, with `load_model`, the model).
pub fn open_engine(paths: &Paths, load_model: bool) -> Result<Engine> {
    let store = open(paths)?;
    let engine = Engine::open(
        &derived_dir(paths),
        store,
        EngineOptions {
            model_dir: paths.model_dir.clone(),
            load_model,
            ..Default::default()
        },
    )?;
    Ok(engine)
}
