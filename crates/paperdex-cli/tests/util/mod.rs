//! Shared harness of the end-to-end tests; each test binary uses part of it.
#![allow(dead_code)]

use paperdex_store_postgres::test_server::TestServer;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// Where a test library keeps its papers. End-to-end scenarios run on both
/// (see [`on_both_backends!`]): the same commands, the same assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded default: `library.sqlite` in the data directory.
    Sqlite,
    /// A fresh database on the test binary's PostgreSQL server, via `--store`.
    Postgres,
}

/// Turns scenario functions `fn name(backend: Backend)` into two tests each,
/// `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[test] fn $name() { super::$name($crate::util::Backend::Sqlite) } )*
        }
        mod postgres {
            $( #[test] fn $name() { super::$name($crate::util::Backend::Postgres) } )*
        }
    };
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// The shared corpus beside the repository (CI clones the repo next to it).
pub fn shared_corpus() -> PathBuf {
    let p = repo_root().join("../shared/corpus");
    assert!(
        p.is_dir(),
        "shared corpus not found at {}: CI puts shared/ beside the repo",
        p.display()
    );
    p
}

/// The five bundled seed listings, in corpus order.
pub fn seed_listings() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo_root().join("data/seeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    v.sort();
    assert_eq!(v.len(), 5);
    v
}

#[derive(Debug)]
pub struct Output {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// A fresh data directory (and, on PostgreSQL, a fresh database) and the
/// binary pointed at them.
pub struct Library {
    dir: tempfile::TempDir,
    /// `--store` URL; none for SQLite.
    store: Option<String>,
}

impl Default for Library {
    fn default() -> Self {
        Self::new()
    }
}

impl Library {
    pub fn new() -> Library {
        Library::on(Backend::Sqlite)
    }

    pub fn on(backend: Backend) -> Library {
        Library {
            dir: tempfile::tempdir().unwrap(),
            store: match backend {
                Backend::Sqlite => None,
                Backend::Postgres => Some(TestServer::shared().fresh_database()),
            },
        }
    }

    /// Another process's view of the same library: its own data directory
    /// (full-text index), the same store. SQLite libraries cannot be shared
    /// this way; this is for PostgreSQL.
    pub fn sharing_store(&self) -> Library {
        let store = self.store.clone();
        assert!(store.is_some(), "only a server store is shared");
        Library {
            dir: tempfile::tempdir().unwrap(),
            store,
        }
    }

    pub fn store_url(&self) -> Option<&str> {
        self.store.as_deref()
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_paperdex"));
        c.arg("--data-dir").arg(self.path());
        if let Some(url) = &self.store {
            c.arg("--store").arg(url);
            // pg_dump and pg_restore of the test server (for backup/restore).
            c.env(
                "PAPERDEX_PG_BIN",
                paperdex_store_postgres::test_server::bin_dir(),
            );
        }
        c.args(args);
        c.env_remove("PAPERDEX_DATA")
            .env_remove("PAPERDEX_STORE")
            .env_remove("PAPERDEX_CONFIG");
        c
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().unwrap();
        Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    pub fn run_ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.code, Some(0), "paperdex {args:?} failed: {out:?}");
        out.stdout
    }

    pub fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.run_ok(args)).unwrap()
    }

    pub fn json_lines(&self, args: &[&str]) -> Vec<Value> {
        self.run_ok(args)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    /// Checks, straight from the database, that every batch is complete: each
    /// stored file has exactly as many sources as its records, and every
    /// paper has a source.
    pub fn assert_whole_batches(&self) {
        if let Some(url) = &self.store {
            let mut db = postgres::Client::connect(url, postgres::NoTls).unwrap();
            let schema: Option<String> = db
                .query_one("SELECT to_regclass('papers')::text", &[])
                .unwrap()
                .get(0);
            if schema.is_none() {
                // Killed before its first migration committed: nothing stored.
                return;
            }
            let orphans: i64 = db
                .query_one(
                    "SELECT COUNT(*) FROM papers WHERE id NOT IN (SELECT paper_id FROM sources)",
                    &[],
                )
                .unwrap()
                .get(0);
            assert_eq!(orphans, 0, "papers without sources");
            let rows = db
                .query("SELECT file, COUNT(*) FROM sources GROUP BY file", &[])
                .unwrap();
            let counts = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
            assert_files_whole(counts);
            return;
        }
        let db = rusqlite::Connection::open(self.path().join("library.sqlite")).unwrap();
        let ok: String = db
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let orphans: i64 = db
            .query_row(
                "SELECT COUNT(*) FROM papers WHERE id NOT IN (SELECT paper_id FROM sources)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0, "papers without sources");
        let mut stmt = db
            .prepare("SELECT file, COUNT(*) FROM sources GROUP BY file")
            .unwrap();
        let rows: Vec<(String, i64)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_files_whole(rows);
    }
}

/// Each stored JSON file has exactly as many sources as its records.
fn assert_files_whole(rows: Vec<(String, i64)>) {
    for (file, count) in rows.into_iter().filter(|(f, _)| f.ends_with(".json")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            count as usize,
            v.as_array().unwrap().len(),
            "{file} stored partially"
        );
    }
}
