use crate::sqlite_maintenance as maintenance;
use crate::types::*;
use crate::{Result, Store, StoreError, WriteTx};
use paperdex_model::{normalize_doi, ArxivId, Format, Paper, PaperId, PersonName, SourceId};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use rusqlite_migration::{Migrations, M};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Schema migrations, applied in order on open. Append, never edit.
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("migrations/0001_library.sql")),
        M::up(include_str!("migrations/0002_embeddings.sql")),
    ])
}

/// The embedded backend: one SQLite database in WAL mode. One connection
/// writes; reads use their own connections and see committed batches only.
pub struct SqliteStore {
    path: PathBuf,
    pub(crate) writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the library database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let mut conn = open_connection(path)?;
        migrations().to_latest(&mut conn)?;
        Ok(SqliteStore {
            path: path.to_path_buf(),
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn read<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let pooled = self.readers.lock().expect("reader pool poisoned").pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => open_connection(&self.path)?,
        };
        // One read transaction per call: a consistent snapshot across queries.
        let out = {
            let tx = conn.transaction()?;
            let out = f(&tx);
            tx.finish()?;
            out
        };
        self.readers
            .lock()
            .expect("reader pool poisoned")
            .push(conn);
        out
    }
}

pub(crate) fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open(path).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    // WAL: readers never block the writer and never see half a batch.
    // synchronous=FULL: a committed batch survives power loss, not just a crash.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 10000;
         PRAGMA cache_size = -65536;",
    )
    .map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(conn)
}

struct SqliteTx<'a> {
    tx: Transaction<'a>,
    batch: i64,
}

impl WriteTx for SqliteTx<'_> {
    fn batch_id(&self) -> i64 {
        self.batch
    }

    fn source_exists(&mut self, content_hash: &str) -> Result<bool> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT 1 FROM sources WHERE content_hash = ?1")?;
        Ok(stmt.exists([content_hash])?)
    }

    fn insert_source(&mut self, s: &NewSource<'_>) -> Result<SourceId> {
        let fields =
            serde_json::to_string(&s.record.fields).map_err(|source| StoreError::Corrupt {
                what: "source fields",
                source,
            })?;
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO sources (paper_id, content_hash, format, file, line, record_index, raw, fields, rule, score, detail, batch_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        stmt.execute(params![
            s.paper_id,
            s.content_hash,
            s.record.format.name(),
            s.record.file,
            s.record.line as i64,
            s.record.index as i64,
            s.record.raw,
            fields,
            s.rule,
            s.score,
            s.detail,
            self.batch
        ])?;
        Ok(self.tx.last_insert_rowid())
    }

    fn new_paper(&mut self) -> Result<PaperId> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO papers (title, data, created_batch, updated_batch) VALUES ('', '{}', ?1, ?1)",
        )?;
        stmt.execute([self.batch])?;
        Ok(self.tx.last_insert_rowid())
    }

    fn sources_of(&mut self, paper: PaperId) -> Result<Vec<StoredSource>> {
        sources_of(&self.tx, paper)
    }

    fn save_paper(&mut self, paper: &Paper, match_keys: &[(u8, i64)]) -> Result<()> {
        let data = serde_json::to_string(paper).map_err(|source| StoreError::Corrupt {
            what: "paper",
            source,
        })?;
        self.tx
            .prepare_cached(
                "UPDATE papers SET arxiv_id = ?2, doi = ?3, title = ?4, year = ?5, venue = ?6, data = ?7, updated_batch = ?8
                 WHERE id = ?1",
            )?
            .execute(params![
                paper.id,
                paper.arxiv_id.as_ref().map(|a| a.id.as_str()),
                paper.doi,
                paper.title,
                paper.year,
                paper.venue,
                data,
                self.batch
            ])?;
        self.tx
            .prepare_cached("DELETE FROM paper_authors WHERE paper_id = ?1")?
            .execute([paper.id])?;
        let mut insert = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO paper_authors (paper_id, position, author_id) VALUES (?1, ?2, ?3)",
        )?;
        for (position, author) in paper.authors.iter().enumerate() {
            insert.execute(params![paper.id, position as i64, author.id])?;
        }
        let mut packed = Vec::with_capacity(match_keys.len() * 9);
        for (kind, key) in match_keys {
            packed.push(*kind);
            packed.extend_from_slice(&key.to_le_bytes());
        }
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO paper_keys (paper_id, keys) VALUES (?1, ?2)")?
            .execute(params![paper.id, packed])?;
        Ok(())
    }

    fn paper_author_ids(&mut self, paper: PaperId) -> Result<Vec<i64>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT author_id FROM paper_authors WHERE paper_id = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map([paper], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn author_by_key(&mut self, key: &str) -> Result<Option<i64>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT id FROM authors WHERE key = ?1")?;
        Ok(stmt.query_row([key], |r| r.get(0)).optional()?)
    }

    fn authors_by_family(&mut self, family_key: &str) -> Result<Vec<(i64, String)>> {
        let mut stmt = self
            .tx
            .prepare_cached("SELECT id, name FROM authors WHERE family_key = ?1 ORDER BY id")?;
        let rows = stmt.query_map([family_key], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn coauthor_keys(&mut self, author: i64) -> Result<Vec<String>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT DISTINCT a.key FROM paper_authors p1
             JOIN paper_authors p2 ON p2.paper_id = p1.paper_id AND p2.author_id != p1.author_id
             JOIN authors a ON a.id = p2.author_id
             WHERE p1.author_id = ?1",
        )?;
        let rows = stmt.query_map([author], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn insert_author(&mut self, key: &str, family_key: &str, name: &str) -> Result<i64> {
        self.tx
            .prepare_cached("INSERT INTO authors (key, family_key, name) VALUES (?1, ?2, ?3)")?
            .execute(params![key, family_key, name])?;
        let id = self.tx.last_insert_rowid();
        self.add_author_name(id, name)?;
        Ok(id)
    }

    fn add_author_name(&mut self, author: i64, name: &str) -> Result<()> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO author_names (author_id, name) VALUES (?1, ?2)")?
            .execute(params![author, name])?;
        Ok(())
    }
}

fn sources_of(conn: &Connection, paper: PaperId) -> Result<Vec<StoredSource>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, paper_id, format, file, line, record_index, raw, fields, rule, score, detail, batch_id
         FROM sources WHERE paper_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([paper], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, i64>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, String>(7)?,
            r.get::<_, String>(8)?,
            r.get::<_, f64>(9)?,
            r.get::<_, String>(10)?,
            r.get::<_, i64>(11)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, paper_id, format, file, line, index, raw, fields, rule, score, detail, batch_id) =
            row?;
        out.push(StoredSource {
            id,
            paper_id,
            // Formats are written by this crate from `Format::name`, so an
            // unknown one is a corrupt row; fall back rather than fail a read.
            format: format.parse().unwrap_or(Format::ConferenceList),
            file,
            line: line as usize,
            index: index as usize,
            raw,
            fields: serde_json::from_str(&fields).map_err(|source| StoreError::Corrupt {
                what: "source fields",
                source,
            })?,
            rule,
            score,
            detail,
            batch_id,
        });
    }
    Ok(out)
}

fn paper_from_json(data: &str) -> Result<Paper> {
    serde_json::from_str(data).map_err(|source| StoreError::Corrupt {
        what: "paper",
        source,
    })
}

fn query_papers(
    conn: &Connection,
    sql: &str,
    params: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Paper>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for data in rows {
        out.push(paper_from_json(&data?)?);
    }
    Ok(out)
}

fn author_summary(conn: &Connection, id: i64) -> Result<Option<AuthorSummary>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.name, (SELECT COUNT(DISTINCT paper_id) FROM paper_authors WHERE author_id = a.id)
         FROM authors a WHERE a.id = ?1",
    )?;
    Ok(stmt
        .query_row([id], |r| {
            Ok(AuthorSummary {
                id: r.get(0)?,
                name: r.get(1)?,
                papers: r.get::<_, i64>(2)? as u64,
            })
        })
        .optional()?)
}

impl Store for SqliteStore {
    fn write(&self, label: &str, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<i64> {
        let mut conn = self.writer.lock().expect("writer poisoned");
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO batches (label, started_at) VALUES (?1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
            [label],
        )?;
        let batch = tx.last_insert_rowid();
        let mut wtx = SqliteTx { tx, batch };
        // On error `wtx` drops here and its transaction rolls back.
        f(&mut wtx)?;
        wtx.tx.commit()?;
        Ok(batch)
    }

    fn for_each_match_key(&self, f: &mut dyn FnMut(u8, i64, PaperId)) -> Result<()> {
        self.read(|tx| {
            let mut stmt = tx.prepare("SELECT paper_id, keys FROM paper_keys")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let paper: i64 = row.get(0)?;
                let keys = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
                for chunk in keys.chunks_exact(9) {
                    let key = i64::from_le_bytes(chunk[1..9].try_into().expect("9-byte chunk"));
                    f(chunk[0], key, paper);
                }
            }
            Ok(())
        })
    }

    fn stats(&self) -> Result<Stats> {
        self.read(|tx| {
            let count = |sql: &str| -> Result<u64> {
                Ok(tx.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
            };
            Ok(Stats {
                papers: count("SELECT COUNT(*) FROM papers")?,
                records: count("SELECT COUNT(*) FROM sources")?,
                authors: count("SELECT COUNT(*) FROM authors")?,
                sources: count("SELECT COUNT(DISTINCT file) FROM sources")?,
                batches: count("SELECT COUNT(*) FROM batches")?,
                merged_papers: count(
                    "SELECT COUNT(*) FROM (SELECT paper_id FROM sources GROUP BY paper_id HAVING COUNT(*) > 1)",
                )?,
            })
        })
    }

    fn paper(&self, id: PaperId) -> Result<Option<Paper>> {
        self.read(|tx| {
            let data: Option<String> = tx
                .query_row("SELECT data FROM papers WHERE id = ?1", [id], |r| r.get(0))
                .optional()?;
            data.map(|d| paper_from_json(&d)).transpose()
        })
    }

    fn resolve_paper(&self, ident: &str) -> Result<Option<PaperId>> {
        let ident = ident.trim();
        self.read(|tx| {
            if let Ok(id) = ident.parse::<i64>() {
                if tx
                    .query_row("SELECT 1 FROM papers WHERE id = ?1", [id], |_| Ok(()))
                    .optional()?
                    .is_some()
                {
                    return Ok(Some(id));
                }
            }
            if let Some(a) = ArxivId::parse(ident) {
                let found = tx
                    .query_row("SELECT id FROM papers WHERE arxiv_id = ?1", [&a.id], |r| {
                        r.get(0)
                    })
                    .optional()?;
                if found.is_some() {
                    return Ok(found);
                }
            }
            if let Some(doi) = normalize_doi(ident) {
                return Ok(tx
                    .query_row("SELECT id FROM papers WHERE doi = ?1", [&doi], |r| r.get(0))
                    .optional()?);
            }
            Ok(None)
        })
    }

    fn sources(&self, id: PaperId) -> Result<Vec<StoredSource>> {
        self.read(|tx| sources_of(tx, id))
    }

    fn source_files(&self, id: PaperId) -> Result<Vec<String>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT DISTINCT file FROM sources WHERE paper_id = ?1 ORDER BY file",
            )?;
            let rows = stmt.query_map([id], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn list_papers(&self, filter: &PaperFilter) -> Result<Vec<Paper>> {
        let mut sql = String::from("SELECT p.data FROM papers p WHERE 1=1");
        let mut args: Vec<Box<dyn rusqlite::ToSql>> = Vec::new();
        if let Some(ids) = &filter.author_ids {
            let list = ids
                .iter()
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(",");
            // Ids are integers we formatted ourselves, never user text.
            sql.push_str(&format!(
                " AND p.id IN (SELECT paper_id FROM paper_authors WHERE author_id IN ({list}))"
            ));
        }
        if let Some(y) = filter.year_from {
            args.push(Box::new(y));
            sql.push_str(&format!(" AND p.year >= ?{}", args.len()));
        }
        if let Some(y) = filter.year_to {
            args.push(Box::new(y));
            sql.push_str(&format!(" AND p.year <= ?{}", args.len()));
        }
        if let Some(v) = &filter.venue {
            args.push(Box::new(format!("%{}%", v.to_lowercase())));
            sql.push_str(&format!(
                " AND lower(p.venue) LIKE ?{} ESCAPE '\\'",
                args.len()
            ));
        }
        if let Some(s) = &filter.source {
            args.push(Box::new(format!("%{s}%")));
            sql.push_str(&format!(
                " AND p.id IN (SELECT paper_id FROM sources WHERE file LIKE ?{})",
                args.len()
            ));
        }
        sql.push_str(" ORDER BY p.year DESC NULLS LAST, p.id");
        args.push(Box::new(filter.limit.map(|l| l as i64).unwrap_or(-1)));
        sql.push_str(&format!(" LIMIT ?{}", args.len()));
        args.push(Box::new(filter.offset as i64));
        sql.push_str(&format!(" OFFSET ?{}", args.len()));
        let refs: Vec<&dyn rusqlite::ToSql> = args.iter().map(|b| b.as_ref()).collect();
        self.read(|tx| query_papers(tx, &sql, &refs))
    }

    fn papers_changed_since(&self, batch: i64) -> Result<(Vec<Paper>, i64)> {
        self.read(|tx| {
            let last: i64 = tx.query_row("SELECT COALESCE(MAX(id), 0) FROM batches", [], |r| r.get(0))?;
            let papers = query_papers(
                tx,
                "SELECT data FROM papers WHERE updated_batch > ?1 AND updated_batch <= ?2 ORDER BY id",
                &[&batch, &last],
            )?;
            Ok((papers, last))
        })
    }

    fn last_batch(&self) -> Result<i64> {
        self.read(|tx| {
            Ok(tx.query_row("SELECT COALESCE(MAX(id), 0) FROM batches", [], |r| r.get(0))?)
        })
    }

    fn find_authors(&self, query: &str) -> Result<Vec<AuthorSummary>> {
        let Some(name) = PersonName::parse(query) else {
            return Ok(Vec::new());
        };
        self.read(|tx| {
            let mut ids: Vec<i64> = Vec::new();
            if let Ok(id) = query.trim().parse::<i64>() {
                ids.push(id);
            }
            let by = |ids: &mut Vec<i64>, sql: &str, arg: &str| -> Result<()> {
                let mut stmt = tx.prepare_cached(sql)?;
                for id in stmt.query_map([arg], |r| r.get::<_, i64>(0))? {
                    let id = id?;
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                Ok(())
            };
            by(
                &mut ids,
                "SELECT id FROM authors WHERE key = ?1",
                &name.key(),
            )?;
            if ids.is_empty() {
                by(
                    &mut ids,
                    "SELECT author_id FROM author_names WHERE lower(name) LIKE ?1 LIMIT 50",
                    &format!("%{}%", query.trim().to_lowercase()),
                )?;
            }
            if ids.is_empty() {
                by(
                    &mut ids,
                    "SELECT id FROM authors WHERE family_key = ?1 LIMIT 50",
                    &name.family_key(),
                )?;
            }
            let mut out = Vec::new();
            for id in ids {
                if let Some(s) = author_summary(tx, id)? {
                    out.push(s);
                }
            }
            out.sort_by(|a, b| b.papers.cmp(&a.papers).then(a.id.cmp(&b.id)));
            Ok(out)
        })
    }

    fn author(&self, id: i64) -> Result<Option<AuthorInfo>> {
        self.read(|tx| {
            let Some(summary) = author_summary(tx, id)? else {
                return Ok(None);
            };
            let mut stmt = tx.prepare_cached("SELECT name FROM author_names WHERE author_id = ?1 ORDER BY name")?;
            let name_variants = stmt
                .query_map([id], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            let papers = query_papers(
                tx,
                "SELECT data FROM papers WHERE id IN (SELECT paper_id FROM paper_authors WHERE author_id = ?1)
                 ORDER BY year DESC NULLS LAST, id",
                &[&id],
            )?;
            let mut stmt = tx.prepare_cached(
                "SELECT p2.author_id, COUNT(DISTINCT p2.paper_id) AS shared FROM paper_authors p1
                 JOIN paper_authors p2 ON p2.paper_id = p1.paper_id AND p2.author_id != p1.author_id
                 WHERE p1.author_id = ?1 GROUP BY p2.author_id ORDER BY shared DESC, p2.author_id LIMIT 100",
            )?;
            let pairs = stmt
                .query_map([id], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let mut collaborators = Vec::new();
            for (other, shared) in pairs {
                if let Some(author) = author_summary(tx, other)? {
                    collaborators.push(Collaborator { author, shared_papers: shared as u64 });
                }
            }
            Ok(Some(AuthorInfo { id, name: summary.name, name_variants, papers, collaborators }))
        })
    }

    fn papers_needing_embedding(&self, model: &str, limit: usize) -> Result<Vec<(Paper, i64)>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT p.data, p.updated_batch FROM papers p
                 LEFT JOIN embeddings e ON e.paper_id = p.id AND e.model = ?1
                 WHERE e.paper_id IS NULL OR e.batch < p.updated_batch
                 ORDER BY p.id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![model, limit as i64], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (data, batch) = row?;
                out.push((paper_from_json(&data)?, batch));
            }
            Ok(out)
        })
    }

    fn put_embeddings(&self, model: &str, items: &[(PaperId, i64, Vec<f32>)]) -> Result<()> {
        let mut conn = self.writer.lock().expect("writer poisoned");
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT OR REPLACE INTO embeddings (paper_id, model, batch, vector) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (paper, batch, vector) in items {
                let bytes: Vec<u8> = vector.iter().flat_map(|x| x.to_le_bytes()).collect();
                stmt.execute(params![paper, model, batch, bytes])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn for_each_embedding(&self, model: &str, f: &mut dyn FnMut(PaperId, &[f32])) -> Result<()> {
        self.read(|tx| {
            let mut stmt =
                tx.prepare("SELECT paper_id, vector FROM embeddings WHERE model = ?1")?;
            let mut rows = stmt.query([model])?;
            let mut buf: Vec<f32> = Vec::new();
            while let Some(row) = rows.next()? {
                let paper: i64 = row.get(0)?;
                let bytes = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
                buf.clear();
                buf.extend(
                    bytes
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes(c.try_into().expect("4-byte chunk"))),
                );
                f(paper, &buf);
            }
            Ok(())
        })
    }

    fn embedding_count(&self, model: &str) -> Result<u64> {
        self.read(|tx| {
            Ok(tx.query_row(
                "SELECT COUNT(*) FROM embeddings WHERE model = ?1",
                [model],
                |r| r.get::<_, i64>(0),
            )? as u64)
        })
    }

    fn put_user_item(&self, kind: &str, key: &str, value: &str) -> Result<()> {
        let conn = self.writer.lock().expect("writer poisoned");
        conn.execute(
            "INSERT INTO user_items (kind, key, value, created_at) VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
             ON CONFLICT(kind, key) DO UPDATE SET value = excluded.value",
            params![kind, key, value],
        )?;
        Ok(())
    }

    fn delete_user_item(&self, kind: &str, key: &str) -> Result<bool> {
        let conn = self.writer.lock().expect("writer poisoned");
        Ok(conn.execute(
            "DELETE FROM user_items WHERE kind = ?1 AND key = ?2",
            params![kind, key],
        )? > 0)
    }

    fn user_items(&self, kind: &str) -> Result<Vec<UserItem>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT kind, key, value, created_at FROM user_items WHERE kind = ?1 ORDER BY created_at, key",
            )?;
            let rows = stmt.query_map([kind], |r| {
                Ok(UserItem { kind: r.get(0)?, key: r.get(1)?, value: r.get(2)?, created_at: r.get(3)? })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn integrity_problems(&self) -> Result<Vec<String>> {
        maintenance::integrity_problems(self)
    }

    fn papers_without_sources(&self) -> Result<Vec<PaperId>> {
        maintenance::papers_without_sources(self)
    }

    fn paper_batches(&self) -> Result<Vec<PaperBatches>> {
        maintenance::paper_batches(self)
    }

    fn embedding_health(&self, model: &str, dim: usize) -> Result<EmbeddingHealth> {
        maintenance::embedding_health(self, model, dim)
    }

    fn delete_malformed_embeddings(&self, model: &str, dim: usize) -> Result<u64> {
        maintenance::delete_malformed_embeddings(self, model, dim)
    }

    fn content_digest(&self) -> Result<String> {
        maintenance::content_digest(self)
    }

    fn backup_to(&self, dest: &Path) -> Result<()> {
        maintenance::backup_to(self, dest)
    }

    fn restore_from(&self, src: &Path) -> Result<()> {
        maintenance::restore_from(self, src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paperdex_model::{RecordFields, SourceRecord};

    fn record(raw: &str) -> SourceRecord {
        SourceRecord {
            format: Format::ArxivListing,
            file: "a.txt".into(),
            line: 1,
            index: 0,
            raw: raw.into(),
            fields: RecordFields {
                abstract_text: Some(raw.into()),
                ..Default::default()
            },
        }
    }

    fn store() -> (tempfile::TempDir, SqliteStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("library.sqlite")).unwrap();
        (dir, store)
    }

    fn add_paper(store: &SqliteStore, raw: &str, fail: bool) -> Result<i64> {
        store.write("test", &mut |tx| {
            let id = tx.new_paper()?;
            let rec = record(raw);
            tx.insert_source(&NewSource {
                paper_id: id,
                content_hash: raw,
                record: &rec,
                rule: "new",
                score: 0.0,
                detail: "",
            })?;
            let paper = Paper {
                id,
                title: raw.into(),
                ..Default::default()
            };
            tx.save_paper(&paper, &[(4, 42)])?;
            if fail {
                return Err(StoreError::Aborted("injected".into()));
            }
            Ok(())
        })
    }

    #[test]
    fn a_failed_batch_leaves_nothing_behind() {
        let (_dir, store) = store();
        add_paper(&store, "first", false).unwrap();
        assert!(add_paper(&store, "second", true).is_err());
        let stats = store.stats().unwrap();
        assert_eq!((stats.papers, stats.records, stats.batches), (1, 1, 1));
    }

    #[test]
    fn papers_round_trip_and_changes_are_tracked() {
        let (_dir, store) = store();
        let b1 = add_paper(&store, "first", false).unwrap();
        add_paper(&store, "second", false).unwrap();
        let (changed, last) = store.papers_changed_since(b1).unwrap();
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].title, "second");
        assert_eq!(last, b1 + 1);
        let mut keys = Vec::new();
        store
            .for_each_match_key(&mut |k, v, p| keys.push((k, v, p)))
            .unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(store.sources(changed[0].id).unwrap()[0].raw, "second");
    }

    #[test]
    fn reopening_keeps_data_and_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("library.sqlite");
        add_paper(&SqliteStore::open(&path).unwrap(), "kept", false).unwrap();
        let store = SqliteStore::open(&path).unwrap();
        assert_eq!(store.stats().unwrap().papers, 1);
    }

    #[test]
    fn embeddings_are_redone_when_a_paper_changes() {
        let (_dir, store) = store();
        add_paper(&store, "first", false).unwrap();
        let pending = store.papers_needing_embedding("m", 10).unwrap();
        assert_eq!(pending.len(), 1);
        let (paper, batch) = &pending[0];
        store
            .put_embeddings("m", &[(paper.id, *batch, vec![0.5, -0.25])])
            .unwrap();
        assert!(store.papers_needing_embedding("m", 10).unwrap().is_empty());
        assert_eq!(
            store.papers_needing_embedding("other", 10).unwrap().len(),
            1
        );
        let mut seen = Vec::new();
        store
            .for_each_embedding("m", &mut |id, v| seen.push((id, v.to_vec())))
            .unwrap();
        assert_eq!(seen, vec![(paper.id, vec![0.5, -0.25])]);
        // A later batch touching the paper makes it stale.
        store
            .write("touch", &mut |tx| {
                let p = Paper {
                    id: paper.id,
                    title: "first v2".into(),
                    ..Default::default()
                };
                tx.save_paper(&p, &[])
            })
            .unwrap();
        assert_eq!(store.papers_needing_embedding("m", 10).unwrap().len(), 1);
        assert_eq!(store.embedding_count("m").unwrap(), 1);
    }

    #[test]
    fn user_items_upsert_and_delete() {
        let (_dir, store) = store();
        store.put_user_item("star", "1", "{}").unwrap();
        store.put_user_item("star", "1", "{\"note\":1}").unwrap();
        assert_eq!(store.user_items("star").unwrap().len(), 1);
        assert!(store.delete_user_item("star", "1").unwrap());
        assert!(!store.delete_user_item("star", "1").unwrap());
    }
}
