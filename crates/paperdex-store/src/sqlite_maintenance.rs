//! SQLite side of the maintenance operations of [`Store`](crate::Store):
//! integrity checks, content digest, online backup and restore.
//!
//! Backup uses SQLite's online backup API from a connection of its own, in
//! one step: the copy is the snapshot of one read transaction, and in WAL
//! mode that transaction never blocks the ingest that may be writing.

use crate::sqlite::open_connection;
use crate::types::{EmbeddingHealth, PaperBatches};
use crate::{Result, SqliteStore, StoreError};
use paperdex_model::PaperId;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::Path;
use xxhash_rust::xxh3::Xxh3;

/// Tables a paperdex library has; a backup without them is not one.
const LIBRARY_TABLES: [&str; 4] = ["papers", "sources", "authors", "user_items"];

/// What the digest covers, in a fixed order: every content column, none of
/// the batch bookkeeping (`batches`, `*_batch`, `batch_id`, `embeddings.batch`).
const DIGEST_QUERIES: [(&str, &str); 8] = [
    ("papers", "SELECT id, arxiv_id, doi, title, year, venue, data FROM papers ORDER BY id"),
    (
        "sources",
        "SELECT id, paper_id, content_hash, format, file, line, record_index, record, rule, score, detail
         FROM sources ORDER BY id",
    ),
    ("authors", "SELECT id, key, family_key, name FROM authors ORDER BY id"),
    ("author_names", "SELECT author_id, name FROM author_names ORDER BY author_id, name"),
    ("paper_authors", "SELECT paper_id, position, author_id FROM paper_authors ORDER BY paper_id, position"),
    ("paper_keys", "SELECT paper_id, keys FROM paper_keys ORDER BY paper_id"),
    ("user_items", "SELECT kind, key, value, created_at FROM user_items ORDER BY kind, key"),
    // Vectors may differ in their last bits with how papers were batched
    // for the model; what must match is which papers have one.
    ("embeddings", "SELECT model, paper_id FROM embeddings ORDER BY model, paper_id"),
];

pub(crate) fn integrity_problems(store: &SqliteStore) -> Result<Vec<String>> {
    store.read(|tx| {
        let mut problems = Vec::new();
        let mut stmt = tx.prepare("PRAGMA integrity_check")?;
        for row in stmt.query_map([], |r| r.get::<_, String>(0))? {
            let line = row?;
            if line != "ok" {
                problems.push(format!("integrity: {line}"));
            }
        }
        let mut stmt = tx.prepare("PRAGMA foreign_key_check")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<i64>>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (table, rowid, parent) = row?;
            let rowid = rowid.map_or_else(|| "?".to_string(), |r| r.to_string());
            problems.push(format!(
                "reference: {table} row {rowid} points to a missing {parent} row"
            ));
        }
        Ok(problems)
    })
}

pub(crate) fn papers_without_sources(store: &SqliteStore) -> Result<Vec<PaperId>> {
    store.read(|tx| {
        let mut stmt = tx.prepare(
            "SELECT id FROM papers WHERE NOT EXISTS (SELECT 1 FROM sources WHERE sources.paper_id = papers.id)
             ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

pub(crate) fn paper_batches(store: &SqliteStore) -> Result<Vec<PaperBatches>> {
    store.read(|tx| {
        let mut stmt =
            tx.prepare("SELECT id, created_batch, updated_batch FROM papers ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok(PaperBatches {
                id: r.get(0)?,
                created: r.get(1)?,
                updated: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    })
}

pub(crate) fn embedding_health(
    store: &SqliteStore,
    model: &str,
    dim: usize,
) -> Result<EmbeddingHealth> {
    let bytes = (dim * 4) as i64;
    store.read(|tx| {
        let count = |sql: &str, params: &[&dyn rusqlite::ToSql]| -> Result<u64> {
            Ok(tx.query_row(sql, params, |r| r.get::<_, i64>(0))? as u64)
        };
        let current = count(
            "SELECT COUNT(*) FROM papers p JOIN embeddings e ON e.paper_id = p.id AND e.model = ?1
             WHERE e.batch >= p.updated_batch AND length(e.vector) = ?2",
            rusqlite::params![model, bytes],
        )?;
        let missing = count(
            "SELECT COUNT(*) FROM papers p WHERE NOT EXISTS
             (SELECT 1 FROM embeddings e WHERE e.paper_id = p.id AND e.model = ?1)",
            rusqlite::params![model],
        )?;
        let stale = count(
            "SELECT COUNT(*) FROM papers p JOIN embeddings e ON e.paper_id = p.id AND e.model = ?1
             WHERE e.batch < p.updated_batch AND length(e.vector) = ?2",
            rusqlite::params![model, bytes],
        )?;
        let malformed = count(
            "SELECT COUNT(*) FROM embeddings WHERE model = ?1 AND length(vector) != ?2",
            rusqlite::params![model, bytes],
        )?;
        let mut stmt = tx.prepare(
            "SELECT model, COUNT(*) FROM embeddings WHERE model != ?1 GROUP BY model ORDER BY model",
        )?;
        let other_models = stmt
            .query_map([model], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(EmbeddingHealth {
            current,
            missing,
            stale,
            malformed,
            other_models,
        })
    })
}

pub(crate) fn delete_malformed_embeddings(
    store: &SqliteStore,
    model: &str,
    dim: usize,
) -> Result<u64> {
    let conn = store.writer.lock().expect("writer poisoned");
    let deleted = conn.execute(
        "DELETE FROM embeddings WHERE model = ?1 AND length(vector) != ?2",
        rusqlite::params![model, (dim * 4) as i64],
    )? as u64;
    store.after_commit(&conn);
    Ok(deleted)
}

pub(crate) fn content_digest(store: &SqliteStore) -> Result<String> {
    store.read(|tx| {
        let mut hasher = Xxh3::new();
        for (table, sql) in DIGEST_QUERIES {
            hasher.update(table.as_bytes());
            let mut stmt = tx.prepare(sql)?;
            let columns = stmt.column_count();
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                for i in 0..columns {
                    hash_value(&mut hasher, row.get_ref(i)?);
                }
            }
        }
        Ok(format!("{:032x}", hasher.digest128()))
    })
}

/// Hashes a value with its type and length, so that no two different row
/// sequences feed the hasher the same bytes.
fn hash_value(hasher: &mut Xxh3, value: ValueRef<'_>) {
    match value {
        ValueRef::Null => hasher.update(&[0]),
        ValueRef::Integer(i) => {
            hasher.update(&[1]);
            hasher.update(&i.to_le_bytes());
        }
        ValueRef::Real(f) => {
            hasher.update(&[2]);
            hasher.update(&f.to_bits().to_le_bytes());
        }
        ValueRef::Text(t) | ValueRef::Blob(t) => {
            hasher.update(&[3]);
            hasher.update(&(t.len() as u64).to_le_bytes());
            hasher.update(t);
        }
    }
}

pub(crate) fn backup_to(store: &SqliteStore, dest: &Path) -> Result<()> {
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
    let result = (|| -> Result<()> {
        // A connection of its own: the copy reads one snapshot while the
        // store's writer goes on.
        let source = open_connection(store.path())?;
        let mut target = Connection::open(&partial)
            .map_err(|e| StoreError::Backup(format!("cannot create {}: {e}", partial.display())))?;
        copy_all(&source, &mut target)?;
        // One self-contained file, not a WAL database with side files.
        let mode: String = target.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(StoreError::Backup(format!(
                "cannot take {} out of {mode} mode",
                partial.display()
            )));
        }
        drop(target);
        let file = std::fs::File::open(&partial)
            .map_err(|e| StoreError::Backup(format!("cannot reopen {}: {e}", partial.display())))?;
        file.sync_all()
            .map_err(|e| StoreError::Backup(format!("cannot sync {}: {e}", partial.display())))?;
        std::fs::rename(&partial, dest).map_err(|e| {
            StoreError::Backup(format!("cannot move the backup to {}: {e}", dest.display()))
        })?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    result
}

pub(crate) fn restore_from(store: &SqliteStore, src: &Path) -> Result<()> {
    let source = Connection::open_with_flags(src, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::Backup(format!("cannot open backup {}: {e}", src.display())))?;
    let not_a_backup = |why: String| {
        StoreError::Backup(format!("{} is not a paperdex backup: {why}", src.display()))
    };
    let check: String = source
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| not_a_backup(e.to_string()))?;
    if check != "ok" {
        return Err(not_a_backup(format!("integrity check says {check}")));
    }
    for table in LIBRARY_TABLES {
        let found: bool = source
            .query_row(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !found {
            return Err(not_a_backup(format!("it has no {table} table")));
        }
    }
    let mut conn = store.writer.lock().expect("writer poisoned");
    let used: i64 = conn.query_row(
        "SELECT (SELECT COUNT(*) FROM batches) + (SELECT COUNT(*) FROM user_items) + (SELECT COUNT(*) FROM papers)",
        [],
        |r| r.get(0),
    )?;
    if used > 0 {
        return Err(StoreError::Backup(format!(
            "the library at {} is not empty; restore into a new data directory",
            store.path().display()
        )));
    }
    copy_all(&source, &mut conn)?;
    // The backup may come from an older paperdex: bring its schema up to date.
    crate::sqlite::migrations().to_latest(&mut conn)?;
    Ok(())
}

/// Copies every page of `source` into `target` in one step (one snapshot).
fn copy_all(source: &Connection, target: &mut Connection) -> Result<()> {
    let backup = Backup::new(source, target)?;
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            // Another connection holds a lock on the target; wait and retry.
            StepResult::Busy | StepResult::Locked => {
                std::thread::sleep(std::time::Duration::from_millis(50))
            }
            StepResult::More => {}
            other => {
                return Err(StoreError::Backup(format!(
                    "backup stopped unexpectedly: {other:?}"
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{NewSource, PackedRecord, SqliteStore, Store};
    use paperdex_model::{Format, Paper, RecordFields, SourceRecord};

    fn store(dir: &tempfile::TempDir, name: &str) -> SqliteStore {
        SqliteStore::open(&dir.path().join(name)).unwrap()
    }

    fn add_paper(store: &SqliteStore, title: &str) -> i64 {
        let record = SourceRecord {
            format: Format::ArxivListing,
            file: "a.txt".into(),
            line: 1,
            index: 0,
            raw: title.into(),
            fields: RecordFields::default(),
        };
        let mut id = 0;
        store
            .write("test", &mut |tx| {
                id = tx.new_paper()?;
                tx.insert_source(&NewSource {
                    paper_id: id,
                    content_hash: title,
                    record: &record,
                    packed: &PackedRecord::pack(&record.raw, &record.fields),
                    rule: "new",
                    score: 0.0,
                    detail: "",
                })?;
                let paper = Paper {
                    id,
                    title: title.into(),
                    ..Default::default()
                };
                tx.save_paper(&paper, &[(1, 7)])
            })
            .unwrap();
        id
    }

    fn raw(store: &SqliteStore) -> rusqlite::Connection {
        rusqlite::Connection::open(store.path()).unwrap()
    }

    #[test]
    fn a_sound_store_has_no_problems_and_broken_references_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(&dir, "lib.sqlite");
        add_paper(&s, "one");
        assert!(s.integrity_problems().unwrap().is_empty());
        assert!(s.papers_without_sources().unwrap().is_empty());
        // Damage: a source pointing at no paper, and a paper with no source.
        raw(&s)
            .execute_batch(
                "PRAGMA foreign_keys = OFF;
                 UPDATE sources SET paper_id = 999;",
            )
            .unwrap();
        let problems = s.integrity_problems().unwrap();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("sources") && p.contains("papers")),
            "{problems:?}"
        );
        assert_eq!(s.papers_without_sources().unwrap(), vec![1]);
    }

    #[test]
    fn embedding_health_counts_missing_stale_malformed_and_other_models() {
        let dir = tempfile::tempdir().unwrap();
        let s = store(&dir, "lib.sqlite");
        let a = add_paper(&s, "a");
        let b = add_paper(&s, "b");
        let c = add_paper(&s, "c");
        add_paper(&s, "d");
        s.put_embeddings("m", &[(a, 100, vec![1.0, 0.0]), (b, 0, vec![0.0, 1.0])])
            .unwrap();
        s.put_embeddings("m", &[(c, 100, vec![1.0, 0.0, 0.0])])
            .unwrap();
        s.put_embeddings("old", &[(a, 100, vec![1.0])]).unwrap();
        let h = s.embedding_health("m", 2).unwrap();
        assert_eq!((h.current, h.stale, h.malformed, h.missing), (1, 1, 1, 1));
        assert_eq!(h.other_models, vec![("old".to_string(), 1)]);
        assert_eq!(s.delete_malformed_embeddings("m", 2).unwrap(), 1);
        assert_eq!(s.embedding_health("m", 2).unwrap().missing, 2);
    }

    #[test]
    fn the_digest_follows_content_not_batch_numbers() {
        let dir = tempfile::tempdir().unwrap();
        let (x, y) = (store(&dir, "x.sqlite"), store(&dir, "y.sqlite"));
        add_paper(&x, "one");
        add_paper(&y, "one");
        // An empty batch (a file ingested again) changes numbering only.
        y.write("again", &mut |_| Ok(())).unwrap();
        assert_eq!(x.content_digest().unwrap(), y.content_digest().unwrap());
        y.put_user_item("star", "1", "{}").unwrap();
        assert_ne!(x.content_digest().unwrap(), y.content_digest().unwrap());
    }

    #[test]
    fn a_backup_restores_the_same_library_into_an_empty_one_only() {
        let dir = tempfile::tempdir().unwrap();
        let original = store(&dir, "lib.sqlite");
        add_paper(&original, "one");
        add_paper(&original, "two");
        original
            .put_user_item("follow", "Kevin Swersky", "{}")
            .unwrap();
        original
            .put_embeddings("m", &[(1, 1, vec![0.5, 0.5])])
            .unwrap();
        let file = dir.path().join("backup.sqlite");
        original.backup_to(&file).unwrap();
        assert!(original.backup_to(&file).is_err(), "overwrote a backup");

        let restored = store(&dir, "restored.sqlite");
        restored.restore_from(&file).unwrap();
        assert_eq!(
            restored.content_digest().unwrap(),
            original.content_digest().unwrap()
        );
        assert_eq!(restored.stats().unwrap(), original.stats().unwrap());
        assert_eq!(restored.user_items("follow").unwrap().len(), 1);
        // Still a working library.
        add_paper(&restored, "three");
        assert_eq!(restored.stats().unwrap().papers, 3);

        let err = restored.restore_from(&file).unwrap_err().to_string();
        assert!(err.contains("not empty"), "{err}");
        let junk = dir.path().join("junk.sqlite");
        std::fs::write(&junk, b"not a database at all").unwrap();
        let err = store(&dir, "fresh.sqlite")
            .restore_from(&junk)
            .unwrap_err()
            .to_string();
        assert!(err.contains("junk.sqlite"), "{err}");
    }
}
