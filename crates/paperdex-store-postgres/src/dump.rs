//! Backup and restore with PostgreSQL's own tools.
//!
//! `pg_dump` reads one snapshot, so the dump is consistent while other
//! processes keep writing; the custom format is compressed and selective.
//! `pg_restore` loads the data only, in one transaction, into the empty
//! schema that opening the store made: the schema always comes from this
//! version's migrations, never from the file. The migration history is
//! left out of the dump for the same reason.
//!
//! The tools are run, not reimplemented: they are what PostgreSQL
//! guarantees to read consistently and restore faithfully (types, identity
//! sequences, pgvector columns). They are looked up in `PAPERDEX_PG_BIN`
//! when set, else on `PATH`; connection settings go through libpq's
//! environment variables, so the password never shows in a process list.

use paperdex_store::{Result, StoreError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The tables whose data a backup holds is everything but this one.
const MIGRATION_HISTORY: &str = "refinery_schema_history";

/// The order tables are loaded in: every table after those its foreign keys
/// point to. (A data-only restore does not order by foreign keys itself.)
/// Tables not named here load after these.
const LOAD_ORDER: [&str; 13] = [
    "batches",
    "papers",
    "sources",
    "authors",
    "author_names",
    "paper_authors",
    "paper_keys",
    "user_items",
    "meta",
    "embeddings",
    "topic_runs",
    "topics",
    "paper_topics",
];

/// Dumps the database of `config` to `dest` (which must not exist).
pub(crate) fn dump(config: &postgres::Config, dest: &Path) -> Result<()> {
    if dest.exists() {
        return Err(StoreError::Backup(format!(
            "{} already exists; choose a new file",
            dest.display()
        )));
    }
    // Written under a temporary name and renamed when complete: a backup
    // file that exists is a whole one.
    let partial = dest.with_file_name(format!(
        ".{}.partial",
        dest.file_name()
            .map_or_else(|| "backup".into(), |n| n.to_string_lossy())
    ));
    let _ = std::fs::remove_file(&partial);
    let result = output(
        tool("pg_dump")
            .args(["--format=custom", "--no-owner", "--no-privileges"])
            .arg(format!("--exclude-table-data={MIGRATION_HISTORY}"))
            .arg("--file")
            .arg(&partial),
        Some(config),
    )
    .and_then(|_| {
        std::fs::rename(&partial, dest).map_err(|e| {
            StoreError::Backup(format!("cannot move the backup to {}: {e}", dest.display()))
        })
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

/// Loads the data of the dump `src` into the (empty, migrated) database of
/// `config`, all or nothing.
pub(crate) fn restore(config: &postgres::Config, src: &Path) -> Result<()> {
    if !src.is_file() {
        return Err(StoreError::Backup(format!(
            "no backup file {}",
            src.display()
        )));
    }
    // The archive's table of contents, reordered so that referenced tables
    // load first; pg_restore -L loads in the order of the list.
    let listing = output(tool("pg_restore").arg("--list").arg(src), None)?;
    let list = tempfile::NamedTempFile::new()
        .and_then(|mut f| f.write_all(load_order(&listing).as_bytes()).map(|()| f))
        .map_err(|e| StoreError::Backup(format!("cannot write the restore list: {e}")))?;
    // Without --dbname pg_restore prints SQL instead of connecting.
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    let result = output(
        tool("pg_restore")
            .arg(format!("--dbname={db}"))
            .args([
                "--data-only",
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
            ])
            .arg("--use-list")
            .arg(list.path())
            .arg(src),
        Some(config),
    );
    result.map(drop)
}

/// `pg_restore --list` output with the TABLE DATA entries in [`LOAD_ORDER`]
/// (the others keep their place after them: sequence values, comments).
fn load_order(listing: &str) -> String {
    let rank = |line: &str| -> usize {
        let table = line.split_whitespace().nth(6).unwrap_or("");
        LOAD_ORDER
            .iter()
            .position(|t| *t == table)
            .unwrap_or(LOAD_ORDER.len())
    };
    let (mut data, rest): (Vec<&str>, Vec<&str>) = listing
        .lines()
        .filter(|l| !l.starts_with(';') && !l.trim().is_empty())
        .partition(|l| l.contains(" TABLE DATA "));
    data.sort_by_key(|l| rank(l));
    data.into_iter()
        .chain(rest)
        .map(|l| format!("{l}\n"))
        .collect()
}

fn tool(name: &str) -> Command {
    let program = match std::env::var_os("PAPERDEX_PG_BIN") {
        Some(dir) => PathBuf::from(dir).join(name),
        None => PathBuf::from(name),
    };
    Command::new(program)
}

/// Runs a libpq tool (against `config`'s database when given) and returns
/// its output; its error output becomes the error.
fn output(command: &mut Command, config: Option<&postgres::Config>) -> Result<String> {
    if let Some(config) = config {
        connect_env(command, config);
    }
    let program = command.get_program().to_string_lossy().into_owned();
    let out = command.output().map_err(|e| {
        StoreError::Backup(format!(
            "cannot run {program}: {e} (install the PostgreSQL client tools, or set PAPERDEX_PG_BIN to their directory)"
        ))
    })?;
    if !out.status.success() {
        return Err(StoreError::Backup(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// libpq's environment for `config`: the password stays out of argv.
fn connect_env(command: &mut Command, config: &postgres::Config) {
    if let Some(postgres::config::Host::Tcp(host)) = config.get_hosts().first() {
        command.env("PGHOST", host);
    }
    if let Some(postgres::config::Host::Unix(dir)) = config.get_hosts().first() {
        command.env("PGHOST", dir);
    }
    if let Some(port) = config.get_ports().first() {
        command.env("PGPORT", port.to_string());
    }
    if let Some(user) = config.get_user() {
        command.env("PGUSER", user);
    }
    if let Some(password) = config.get_password() {
        command.env("PGPASSWORD", String::from_utf8_lossy(password).as_ref());
    }
    if let Some(db) = config.get_dbname() {
        command.env("PGDATABASE", db);
    }
}
