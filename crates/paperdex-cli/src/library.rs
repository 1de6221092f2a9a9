use anyhow::{Context, Result};
use paperdex_search::{Engine, EngineOptions};
use paperdex_store::{SqliteStore, Store};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the library and the model are.
pub struct Paths {
    pub data_dir: PathBuf,
    pub model_dir: Option<PathBuf>,
}

/// `<platform data dir>/paperdex`, e.g. `~/.local/share/paperdex` on Linux.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("paperdex")
}

/// The store's database file in `data_dir`.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join("library.sqlite")
}

/// Opens (creating if needed) the library's store in `data_dir`.
pub fn open(data_dir: &Path) -> Result<SqliteStore> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
    let store = SqliteStore::open(&database_path(data_dir))?;
    Ok(store)
}

/// Opens the whole engine (store, index, vectors and, with `load_model`, the model).
pub fn open_engine(paths: &Paths, load_model: bool) -> Result<Engine> {
    let store: Arc<dyn Store> = Arc::new(open(&paths.data_dir)?);
    let engine = Engine::open(
        &paths.data_dir,
        store,
        EngineOptions {
            model_dir: paths.model_dir.clone(),
            load_model,
            ..Default::default()
        },
    )?;
    Ok(engine)
}
