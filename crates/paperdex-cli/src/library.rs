use anyhow::{Context, Result};
use paperdex_store::SqliteStore;
use std::path::{Path, PathBuf};

/// `<platform data dir>/paperdex`, e.g. `~/.local/share/paperdex` on Linux.
pub fn default_data_dir() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("paperdex")
}

/// Opens (creating if needed) the library in `data_dir`.
pub fn open(data_dir: &Path) -> Result<SqliteStore> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
    let store = SqliteStore::open(&data_dir.join("library.sqlite"))?;
    Ok(store)
}
