use crate::sqlite_maintenance as maintenance;
use crate::types::*;
use crate::PackedRecord;
use crate::{pack_keys, unpack_keys, Result, Store, StoreError, WriteTx};
use paperdex_model::{
    normalize_doi, ArxivId, Format, Paper, PaperId, PersonName, RecordFields, SourceId,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction};
use rusqlite_migration::{Migrations, M};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Schema migrations, applied in order on open. Append, never edit.
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("migrations/0001_library.sql")),
        M::up(include_str!("migrations/0002_embeddings.sql")),
        M::up(include_str!("migrations/0003_topics.sql")),
        M::up(include_str!("migrations/0004_embeddings_by_model.sql")),
        M::up(include_str!("migrations/0005_papers_by_created_batch.sql")),
        M::up_with_hook(
            include_str!("migrations/0006_packed_source_records.sql"),
            pack_source_records,
        ),
    ])
}

/// Migration 6, after its SQL added `sources.record`: packs every row's
/// `raw` and `fields` into it (zstd is not reachable from SQL), then drops
/// the two text columns.
fn pack_source_records(tx: &Transaction) -> rusqlite_migration::HookResult {
    {
        let mut read = tx.prepare("SELECT id, raw, fields FROM sources")?;
        let mut write = tx.prepare("UPDATE sources SET record = ?2 WHERE id = ?1")?;
        let mut rows = read.query([])?;
        while let Some(row) = rows.next()? {
            let id: i64 = row.get(0)?;
            let raw: String = row.get(1)?;
            let fields: String = row.get(2)?;
            let fields: RecordFields = serde_json::from_str(&fields).map_err(|e| {
                rusqlite_migration::HookError::Hook(format!("source {id}: fields: {e}"))
            })?;
            write.execute(params![id, PackedRecord::pack(&raw, &fields).as_bytes()])?;
        }
    }
    tx.execute_batch(
        "ALTER TABLE sources DROP COLUMN raw;
         ALTER TABLE sources DROP COLUMN fields;",
    )?;
    Ok(())
}

/// The embedded backend: one SQLite database in WAL mode. One connection
/// writes; reads use their own connections and see committed batches only.
pub struct SqliteStore {
    /// First, so it is stopped (its checkpoint finished) before the
    /// writer's connection closes.
    checkpointer: Mutex<Option<Checkpointer>>,
    path: PathBuf,
    pub(crate) writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
}

/// WAL frames after which a checkpoint is due: SQLite's own default.
const CHECKPOINT_FRAMES: i32 = 1000;

/// WAL frames past which the writer checkpoints itself, should the
/// checkpointer fall behind, so the WAL stays bounded.
const WRITER_CHECKPOINT_FRAMES: i32 = 16 * CHECKPOINT_FRAMES;

thread_local! {
    /// Frames in the WAL after the last commit on this thread, as SQLite's
    /// WAL hook reports them (the hook runs inside the commit, on the
    /// committing thread, and cannot capture state).
    static WAL_FRAMES: std::cell::Cell<i32> = const { std::cell::Cell::new(0) };
}

fn note_wal_frames(_: &rusqlite::hooks::Wal, frames: std::ffi::c_int) -> rusqlite::Result<()> {
    WAL_FRAMES.with(|f| f.set(frames));
    Ok(())
}

/// Copies committed WAL frames into the database on a thread and
/// connection of its own. SQLite's automatic checkpoint runs on the writer
/// after its commit, so a long ingest spent a sixth of its writer time
/// copying pages while another core idled. Commits are durable in the WAL
/// (fsync'd at commit) either way; the checkpoint only moves them.
struct Checkpointer {
    wake: Option<std::sync::mpsc::SyncSender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    fn start(conn: Connection) -> Checkpointer {
        // One pending wake-up is enough: a checkpoint copies every frame
        // committed before it starts.
        let (wake, woken) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                for () in woken {
                    // PASSIVE never blocks the writer or readers. A failed
                    // checkpoint loses nothing: the frames stay in the WAL
                    // and the next one (or the writer's) copies them.
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })
            .ok();
        Checkpointer {
            wake: Some(wake),
            thread,
        }
    }

    /// False when the checkpointer cannot run (its thread did not start).
    fn wake(&self) -> bool {
        if self.thread.is_none() {
            return false;
        }
        if let Some(wake) = &self.wake {
            // Full means a checkpoint is already pending.
            let _ = wake.try_send(());
        }
        true
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.wake.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl SqliteStore {
    /// Opens (creating and migrating if needed) the library database at `path`.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let mut conn = open_connection(path)?;
        migrations().to_latest(&mut conn)?;
        // Replaces SQLite's automatic checkpoint on this connection: see
        // `Checkpointer` and `SqliteStore::after_commit`.
        conn.wal_hook(Some(note_wal_frames));
        Ok(SqliteStore {
            checkpointer: Mutex::new(None),
            path: path.to_path_buf(),
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checkpoints once enough frames are in the WAL: on the checkpointer's
    /// thread, or on the writer when that cannot run or has fallen behind.
    pub(crate) fn after_commit(&self, writer: &Connection) {
        let frames = WAL_FRAMES.with(|f| f.replace(0));
        if frames < CHECKPOINT_FRAMES {
            return;
        }
        let mut checkpointer = self.checkpointer.lock().expect("checkpointer poisoned");
        if checkpointer.is_none() {
            *checkpointer = open_connection(&self.path).ok().map(Checkpointer::start);
        }
        let woken = checkpointer.as_ref().is_some_and(Checkpointer::wake);
        if !woken || frames >= WRITER_CHECKPOINT_FRAMES {
            // Best effort like SQLite's automatic checkpoint: the frames
            // are committed whether or not this copies them now.
            let _ = writer.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
        }
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
    // mmap_size: reads of the database file come from a shared mapping
    // instead of a read() into SQLite's cache per page. Ingest at 1M papers
    // reads back candidates' sources all over an 8 GB file: 230.6 s -> 219.9 s.
    // Writes still go through the WAL, and the mapped pages are the kernel's
    // file cache (they count in RSS but not as anonymous memory).
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA busy_timeout = 10000;
         PRAGMA cache_size = -65536;
         PRAGMA mmap_size = 4294967296;",
    )
    .map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    // Above the number of statements one ingest batch runs, so none is
    // prepared again per record.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

struct SqliteTx<'a> {
    tx: Transaction<'a>,
    batch: i64,
    /// The id the next new paper gets (what SQLite would assign: one above
    /// the largest), once a paper has been reserved in this transaction.
    next_paper: Option<PaperId>,
    /// Papers reserved by `new_paper` and not saved yet. Their row is
    /// written once, whole, when saved, rather than inserted empty and then
    /// rewritten.
    unsaved: std::collections::HashSet<PaperId>,
    /// The id the next source gets, once one has been stored in this
    /// transaction. Ids are given explicitly, since a source of a reserved
    /// paper is written only after the paper (see `pending_sources`).
    next_source: Option<SourceId>,
    /// Sources of reserved papers, written right after their paper's row.
    /// Written before it, each would count as a deferred foreign-key
    /// violation, and inserting the paper would then make SQLite search
    /// every table that references papers to settle it (about 5% of the
    /// writer's CPU on the conference corpus).
    pending_sources: HashMap<PaperId, Vec<SourceRow>>,
    /// Answers of this transaction's lookups, filled in bulk by `prefetch`
    /// (one statement per kind instead of one per record or author) and
    /// kept current by this transaction's own inserts.
    known: Known,
}

/// A `sources` row to write.
struct SourceRow {
    id: SourceId,
    paper_id: PaperId,
    content_hash: String,
    format: &'static str,
    file: String,
    line: i64,
    record_index: i64,
    record: Vec<u8>,
    rule: String,
    score: f64,
    detail: String,
}

#[derive(Default)]
struct Known {
    /// Whether a source with this content hash is stored.
    hashes: HashMap<String, bool>,
    /// The author with this identity key, if any.
    author_keys: HashMap<String, Option<i64>>,
    /// Authors `(id, name)` of a family key, by id.
    families: HashMap<String, Vec<(i64, String)>>,
}

/// The id the next row of `table` gets, as SQLite would assign it (one
/// above the largest), counting on from `next` once it is known.
fn next_id(tx: &Transaction<'_>, next: &mut Option<i64>, table: &str) -> Result<i64> {
    let id = match *next {
        Some(id) => id,
        None => tx.query_row(
            &format!("SELECT COALESCE(MAX(id), 0) + 1 FROM {table}"),
            [],
            |r| r.get(0),
        )?,
    };
    *next = Some(id + 1);
    Ok(id)
}

/// A JSON array of `values`, the parameter of `json_each` in a bulk lookup.
fn json_list<S: AsRef<str>>(values: &[S]) -> Result<String> {
    let values: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
    serde_json::to_string(&values).map_err(|source| StoreError::Corrupt {
        what: "lookup keys",
        source,
    })
}

impl SqliteTx<'_> {
    fn commit(mut self) -> Result<()> {
        // Sources of papers reserved but never saved: written all the same,
        // so that the commit fails on their missing paper.
        for row in std::mem::take(&mut self.pending_sources)
            .into_values()
            .flatten()
        {
            self.write_source(&row)?;
        }
        Ok(self.tx.commit()?)
    }

    /// The sources of `paper` stored in this transaction but not written
    /// yet (its row is not either).
    fn pending_sources_of(&self, paper: PaperId) -> Result<Vec<StoredSource>> {
        let pending = self.pending_sources.get(&paper).into_iter().flatten();
        pending
            .map(|row| {
                stored_source((
                    row.id,
                    row.paper_id,
                    row.format.to_string(),
                    row.file.clone(),
                    row.line,
                    row.record_index,
                    row.record.clone(),
                    row.rule.clone(),
                    row.score,
                    row.detail.clone(),
                    self.batch,
                ))
            })
            .collect()
    }

    fn write_source(&self, row: &SourceRow) -> Result<()> {
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO sources (id, paper_id, content_hash, format, file, line, record_index, record, rule, score, detail, batch_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        )?;
        stmt.execute(params![
            row.id,
            row.paper_id,
            row.content_hash,
            row.format,
            row.file,
            row.line,
            row.record_index,
            row.record,
            row.rule,
            row.score,
            row.detail,
            self.batch
        ])?;
        Ok(())
    }
}

impl WriteTx for SqliteTx<'_> {
    fn batch_id(&self) -> i64 {
        self.batch
    }

    fn prefetch(&mut self, hint: &LookupHint<'_>) -> Result<()> {
        let hashes: Vec<&str> = hint
            .content_hashes
            .iter()
            .copied()
            .filter(|h| !self.known.hashes.contains_key(*h))
            .collect();
        if !hashes.is_empty() {
            for h in &hashes {
                self.known.hashes.insert(h.to_string(), false);
            }
            let mut stmt = self.tx.prepare_cached(
                "SELECT content_hash FROM sources WHERE content_hash IN (SELECT value FROM json_each(?1))",
            )?;
            let mut rows = stmt.query([json_list(&hashes)?])?;
            while let Some(row) = rows.next()? {
                self.known.hashes.insert(row.get(0)?, true);
            }
        }
        let keys: Vec<&str> = hint
            .author_keys
            .iter()
            .map(String::as_str)
            .filter(|k| !self.known.author_keys.contains_key(*k))
            .collect();
        if !keys.is_empty() {
            for k in &keys {
                self.known.author_keys.insert(k.to_string(), None);
            }
            let mut stmt = self.tx.prepare_cached(
                "SELECT key, id FROM authors WHERE key IN (SELECT value FROM json_each(?1))",
            )?;
            let mut rows = stmt.query([json_list(&keys)?])?;
            while let Some(row) = rows.next()? {
                self.known
                    .author_keys
                    .insert(row.get(0)?, Some(row.get(1)?));
            }
        }
        let families: Vec<&str> = hint
            .family_keys
            .iter()
            .map(String::as_str)
            .filter(|f| !self.known.families.contains_key(*f))
            .collect();
        if !families.is_empty() {
            for f in &families {
                self.known.families.insert(f.to_string(), Vec::new());
            }
            let mut stmt = self.tx.prepare_cached(
                "SELECT family_key, id, name FROM authors
                 WHERE family_key IN (SELECT value FROM json_each(?1)) ORDER BY id",
            )?;
            let mut rows = stmt.query([json_list(&families)?])?;
            while let Some(row) = rows.next()? {
                let family: String = row.get(0)?;
                if let Some(list) = self.known.families.get_mut(&family) {
                    list.push((row.get(1)?, row.get(2)?));
                }
            }
        }
        Ok(())
    }

    fn source_exists(&mut self, content_hash: &str) -> Result<bool> {
        if let Some(&known) = self.known.hashes.get(content_hash) {
            return Ok(known);
        }
        let mut stmt = self
            .tx
            .prepare_cached("SELECT 1 FROM sources WHERE content_hash = ?1")?;
        let stored = stmt.exists([content_hash])?;
        self.known.hashes.insert(content_hash.to_string(), stored);
        Ok(stored)
    }

    fn insert_source(&mut self, s: &NewSource<'_>) -> Result<SourceId> {
        let id = next_id(&self.tx, &mut self.next_source, "sources")?;
        let row = SourceRow {
            id,
            paper_id: s.paper_id,
            content_hash: s.content_hash.to_string(),
            format: s.record.format.name(),
            file: s.record.file.clone(),
            line: s.record.line as i64,
            record_index: s.record.index as i64,
            record: s.packed.as_bytes().to_vec(),
            rule: s.rule.to_string(),
            score: s.score,
            detail: s.detail.to_string(),
        };
        if self.unsaved.contains(&s.paper_id) {
            self.pending_sources
                .entry(s.paper_id)
                .or_default()
                .push(row);
        } else {
            self.write_source(&row)?;
        }
        self.known.hashes.insert(s.content_hash.to_string(), true);
        Ok(id)
    }

    fn new_paper(&mut self) -> Result<PaperId> {
        let id = next_id(&self.tx, &mut self.next_paper, "papers")?;
        self.unsaved.insert(id);
        Ok(id)
    }

    fn sources_of(&mut self, paper: PaperId) -> Result<Vec<StoredSource>> {
        let mut sources = sources_of(&self.tx, paper)?;
        sources.extend(self.pending_sources_of(paper)?);
        Ok(sources)
    }

    fn sources_of_papers(&mut self, papers: &[PaperId]) -> Result<Vec<StoredSource>> {
        let mut stmt = self.tx.prepare_cached(
            "SELECT s.id, s.paper_id, s.format, s.file, s.line, s.record_index, s.record, s.rule, s.score, s.detail, s.batch_id
             FROM json_each(?1) j JOIN sources s ON s.paper_id = j.value ORDER BY j.key, s.id",
        )?;
        let list = serde_json::to_string(papers).map_err(|source| StoreError::Corrupt {
            what: "lookup keys",
            source,
        })?;
        let rows = stmt.query_map([list], source_row)?;
        let stored: Vec<StoredSource> =
            rows.map(|row| stored_source(row?)).collect::<Result<_>>()?;
        if self.pending_sources.is_empty() {
            return Ok(stored);
        }
        // Sources not written yet belong after their paper's written ones.
        let mut by_paper: HashMap<PaperId, Vec<StoredSource>> = HashMap::new();
        for source in stored {
            by_paper.entry(source.paper_id).or_default().push(source);
        }
        let mut out = Vec::new();
        for &paper in papers {
            out.extend(by_paper.remove(&paper).unwrap_or_default());
            out.extend(self.pending_sources_of(paper)?);
        }
        Ok(out)
    }

    fn save_paper(&mut self, paper: &Paper, match_keys: &[(u8, i64)]) -> Result<()> {
        let data = serde_json::to_string(paper).map_err(|source| StoreError::Corrupt {
            what: "paper",
            source,
        })?;
        let fresh = self.unsaved.remove(&paper.id);
        let sql = if fresh {
            "INSERT INTO papers (id, arxiv_id, doi, title, year, venue, data, created_batch, updated_batch)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)"
        } else {
            "UPDATE papers SET arxiv_id = ?2, doi = ?3, title = ?4, year = ?5, venue = ?6, data = ?7, updated_batch = ?8
             WHERE id = ?1"
        };
        self.tx.prepare_cached(sql)?.execute(params![
            paper.id,
            paper.arxiv_id.as_ref().map(|a| a.id.as_str()),
            paper.doi,
            paper.title,
            paper.year,
            paper.venue,
            data,
            self.batch
        ])?;
        if !fresh {
            self.tx
                .prepare_cached("DELETE FROM paper_authors WHERE paper_id = ?1")?
                .execute([paper.id])?;
        }
        let mut insert = self.tx.prepare_cached(
            "INSERT OR IGNORE INTO paper_authors (paper_id, position, author_id) VALUES (?1, ?2, ?3)",
        )?;
        for (position, author) in paper.authors.iter().enumerate() {
            insert.execute(params![paper.id, position as i64, author.id])?;
        }
        let packed = pack_keys(match_keys);
        self.tx
            .prepare_cached("INSERT OR REPLACE INTO paper_keys (paper_id, keys) VALUES (?1, ?2)")?
            .execute(params![paper.id, packed])?;
        for row in self.pending_sources.remove(&paper.id).into_iter().flatten() {
            self.write_source(&row)?;
        }
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
        if let Some(&known) = self.known.author_keys.get(key) {
            return Ok(known);
        }
        let mut stmt = self
            .tx
            .prepare_cached("SELECT id FROM authors WHERE key = ?1")?;
        let id = stmt.query_row([key], |r| r.get(0)).optional()?;
        self.known.author_keys.insert(key.to_string(), id);
        Ok(id)
    }

    fn authors_by_family(&mut self, family_key: &str) -> Result<Vec<(i64, String)>> {
        if let Some(known) = self.known.families.get(family_key) {
            return Ok(known.clone());
        }
        let mut stmt = self
            .tx
            .prepare_cached("SELECT id, name FROM authors WHERE family_key = ?1 ORDER BY id")?;
        let rows = stmt.query_map([family_key], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let found: Vec<(i64, String)> = rows.collect::<rusqlite::Result<_>>()?;
        self.known
            .families
            .insert(family_key.to_string(), found.clone());
        Ok(found)
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
        self.known.author_keys.insert(key.to_string(), Some(id));
        // The newest author has the largest id, so the list stays in id order.
        if let Some(family) = self.known.families.get_mut(family_key) {
            family.push((id, name.to_string()));
        }
        self.add_author_name(id, name)?;
        Ok(id)
    }

    fn add_author_name(&mut self, author: i64, name: &str) -> Result<()> {
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO author_names (author_id, name) VALUES (?1, ?2)")?
            .execute(params![author, name])?;
        Ok(())
    }

    fn match_keys_since(&mut self, batch: i64) -> Result<Vec<crate::PaperMatchKeys>> {
        // BEGIN IMMEDIATE serializes writers across processes, so this sees
        // every batch committed before ours. `papers_updated_batch` makes the
        // usual answer (nothing: this process wrote the last batch) one probe.
        let mut stmt = self.tx.prepare_cached(
            "SELECT k.paper_id, k.keys FROM papers p JOIN paper_keys k ON k.paper_id = p.id
             WHERE p.updated_batch > ?1 AND p.updated_batch < ?2",
        )?;
        let mut rows = stmt.query(params![batch, self.batch])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let paper: i64 = row.get(0)?;
            let keys = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
            out.push((paper, unpack_keys(keys).collect()));
        }
        Ok(out)
    }
}

fn sources_of(conn: &Connection, paper: PaperId) -> Result<Vec<StoredSource>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, paper_id, format, file, line, record_index, record, rule, score, detail, batch_id
         FROM sources WHERE paper_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([paper], source_row)?;
    rows.map(|row| stored_source(row?)).collect()
}

/// The columns of a `sources` row, as `sources_of` selects them.
type SourceColumns = (
    i64,
    i64,
    String,
    String,
    i64,
    i64,
    Vec<u8>,
    String,
    f64,
    String,
    i64,
);

fn source_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SourceColumns> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

fn stored_source(columns: SourceColumns) -> Result<StoredSource> {
    let (id, paper_id, format, file, line, index, record, rule, score, detail, batch_id) = columns;
    let (raw, fields) = PackedRecord::from_bytes(record)
        .unpack()
        .map_err(|source| StoreError::CorruptSource { id, source })?;
    Ok(StoredSource {
        id,
        paper_id,
        // Formats are written by this crate from `Format::name`, so an
        // unknown one is a corrupt row; fall back rather than fail a read.
        format: format.parse().unwrap_or(Format::ConferenceList),
        file,
        line: line as usize,
        index: index as usize,
        raw,
        fields,
        rule,
        score,
        detail,
        batch_id,
    })
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
        // Reset by SQLite at the end of the transaction.
        tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
        let mut wtx = SqliteTx {
            tx,
            batch,
            next_paper: None,
            unsaved: Default::default(),
            next_source: None,
            pending_sources: HashMap::new(),
            known: Known::default(),
        };
        // On error `wtx` drops here and its transaction rolls back.
        f(&mut wtx)?;
        wtx.commit()?;
        self.after_commit(&conn);
        Ok(batch)
    }

    fn for_each_match_key(&self, f: &mut dyn FnMut(u8, i64, PaperId)) -> Result<()> {
        self.read(|tx| {
            let mut stmt = tx.prepare("SELECT paper_id, keys FROM paper_keys")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let paper: i64 = row.get(0)?;
                let keys = row.get_ref(1)?.as_blob().map_err(rusqlite::Error::from)?;
                for (kind, key) in unpack_keys(keys) {
                    f(kind, key, paper);
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

    fn papers_needing_embedding(
        &self,
        model: &str,
        after: PaperId,
        limit: usize,
    ) -> Result<Vec<(Paper, i64)>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT p.data, p.updated_batch FROM papers p
                 LEFT JOIN embeddings e ON e.paper_id = p.id AND e.model = ?1
                 WHERE p.id > ?3 AND (e.paper_id IS NULL OR e.batch < p.updated_batch)
                 ORDER BY p.id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![model, limit as i64, after], |r| {
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
        self.after_commit(&conn);
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

    fn embeddings_fingerprint(&self, model: &str) -> Result<(u64, i64)> {
        self.read(|tx| {
            Ok(tx.query_row(EMBEDDINGS_FINGERPRINT, [model], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)?))
            })?)
        })
    }

    fn put_user_item(&self, kind: &str, key: &str, value: &str) -> Result<()> {
        let conn = self.writer.lock().expect("writer poisoned");
        conn.execute(
            "INSERT INTO user_items (kind, key, value, created_at) VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
             ON CONFLICT(kind, key) DO UPDATE SET value = excluded.value",
            params![kind, key, value],
        )?;
        self.after_commit(&conn);
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
            let rows = stmt.query_map([kind], user_item)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn replace_topics(&self, set: &NewTopicSet) -> Result<()> {
        let mut conn = self.writer.lock().expect("writer poisoned");
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch("DELETE FROM paper_topics; DELETE FROM topics; DELETE FROM topic_runs;")?;
        tx.execute(
            "INSERT INTO topic_runs (id, model, batch, papers, created_at)
             VALUES (1, ?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
            params![set.model, set.batch, set.papers as i64],
        )?;
        {
            let mut topic_stmt = tx.prepare_cached(
                "INSERT INTO topics (id, label, terms, size) VALUES (?1, ?2, ?3, ?4)",
            )?;
            let mut paper_stmt =
                tx.prepare_cached("INSERT INTO paper_topics (paper_id, topic_id) VALUES (?1, ?2)")?;
            for topic in &set.topics {
                let terms =
                    serde_json::to_string(&topic.terms).map_err(|source| StoreError::Corrupt {
                        what: "topic terms",
                        source,
                    })?;
                topic_stmt.execute(params![
                    topic.id,
                    topic.label,
                    terms,
                    topic.papers.len() as i64
                ])?;
                for paper in &topic.papers {
                    paper_stmt.execute(params![paper, topic.id])?;
                }
            }
        }
        tx.commit()?;
        self.after_commit(&conn);
        Ok(())
    }

    fn topics(&self) -> Result<Option<TopicSet>> {
        self.read(|tx| {
            let run = tx
                .query_row(
                    "SELECT model, batch, papers FROM topic_runs WHERE id = 1",
                    [],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, i64>(1)?,
                            r.get::<_, i64>(2)?,
                        ))
                    },
                )
                .optional()?;
            let Some((model, batch, papers)) = run else {
                return Ok(None);
            };
            let mut stmt =
                tx.prepare_cached("SELECT id, label, terms, size FROM topics ORDER BY id")?;
            let rows = stmt.query_map([], topic_row)?;
            let mut topics = Vec::new();
            for row in rows {
                topics.push(topic_from_row(row?)?);
            }
            Ok(Some(TopicSet {
                model,
                batch,
                papers: papers as u64,
                topics,
            }))
        })
    }

    fn topic_papers(&self, topic: i64) -> Result<Vec<PaperId>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT paper_id FROM paper_topics WHERE topic_id = ?1 ORDER BY paper_id",
            )?;
            let rows = stmt.query_map([topic], |r| r.get(0))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn paper_topics(&self) -> Result<Vec<(PaperId, i64)>> {
        self.read(|tx| {
            let mut stmt =
                tx.prepare_cached("SELECT paper_id, topic_id FROM paper_topics ORDER BY paper_id")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn topic_of_paper(&self, paper: PaperId) -> Result<Option<Topic>> {
        self.read(|tx| {
            let row = tx
                .query_row(
                    "SELECT t.id, t.label, t.terms, t.size FROM paper_topics pt
                     JOIN topics t ON t.id = pt.topic_id WHERE pt.paper_id = ?1",
                    [paper],
                    topic_row,
                )
                .optional()?;
            row.map(topic_from_row).transpose()
        })
    }

    fn author_topics(&self, author: i64) -> Result<Vec<(Topic, u64)>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT t.id, t.label, t.terms, t.size, COUNT(*) AS n FROM paper_authors pa
                 JOIN paper_topics pt ON pt.paper_id = pa.paper_id
                 JOIN topics t ON t.id = pt.topic_id
                 WHERE pa.author_id = ?1 GROUP BY t.id ORDER BY n DESC, t.id",
            )?;
            let rows = stmt.query_map([author], |r| Ok((topic_row(r)?, r.get::<_, i64>(4)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (topic, n) = row?;
                out.push((topic_from_row(topic)?, n as u64));
            }
            Ok(out)
        })
    }

    fn papers_lacking_tldr(&self, after: PaperId, limit: usize) -> Result<Vec<Paper>> {
        self.read(|tx| {
            query_papers(
                tx,
                "SELECT data FROM papers WHERE id > ?1
                 AND json_extract(data, '$.tldr') IS NULL
                 AND COALESCE(json_extract(data, '$.abstract'), '') != ''
                 ORDER BY id LIMIT ?2",
                &[&after, &(limit as i64)],
            )
        })
    }

    fn put_generated_tldrs(&self, items: &[GeneratedTldr]) -> Result<usize> {
        let mut conn = self.writer.lock().expect("writer poisoned");
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut stored = 0;
        {
            // Written into the paper's data without a new batch: a generated
            // tl;dr is derived from the abstract, which indexes and embeddings
            // already have. Re-merging the paper (a new source) drops it, and
            // the next pass makes it again from the then current abstract.
            let mut stmt = tx.prepare_cached(
                "UPDATE papers SET data = json_set(data, '$.tldr', ?2, '$.tldr_generated', json('true'))
                 WHERE id = ?1 AND json_extract(data, '$.tldr') IS NULL
                 AND json_extract(data, '$.abstract') = ?3",
            )?;
            for item in items {
                stored += stmt.execute(params![item.paper_id, item.tldr, item.abstract_text])?;
            }
        }
        tx.commit()?;
        self.after_commit(&conn);
        Ok(stored)
    }

    fn all_user_items(&self) -> Result<Vec<UserItem>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT kind, key, value, created_at FROM user_items ORDER BY kind, created_at, key",
            )?;
            let rows = stmt.query_map([], user_item)?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn batches(&self) -> Result<Vec<BatchInfo>> {
        self.read(|tx| {
            let mut stmt =
                tx.prepare_cached("SELECT id, label, started_at FROM batches ORDER BY id")?;
            let rows = stmt.query_map([], |r| {
                Ok(BatchInfo {
                    id: r.get(0)?,
                    label: r.get(1)?,
                    started_at: r.get(2)?,
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn papers_created_since(&self, batch: i64) -> Result<Vec<(Paper, i64)>> {
        self.read(|tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT data, created_batch FROM papers WHERE created_batch > ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([batch], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (data, created) = row?;
                out.push((paper_from_json(&data)?, created));
            }
            Ok(out)
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

    fn papers_created_through(&self, batch: i64) -> Result<u64> {
        self.read(|tx| {
            Ok(tx.query_row(
                "SELECT COUNT(*) FROM papers WHERE created_batch <= ?1",
                [batch],
                |r| r.get::<_, i64>(0),
            )? as u64)
        })
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

    fn storage_bytes(&self) -> Result<u64> {
        let mut bytes = 0;
        for suffix in ["", "-wal"] {
            let mut name = self.path.clone().into_os_string();
            name.push(suffix);
            bytes += std::fs::metadata(&name).map_or(0, |m| m.len());
        }
        Ok(bytes)
    }

    fn backup_to(&self, dest: &Path) -> Result<()> {
        maintenance::backup_to(self, dest)
    }

    fn restore_from(&self, src: &Path) -> Result<()> {
        maintenance::restore_from(self, src)
    }
}

type TopicRow = (i64, String, String, i64);

/// What changes whenever a model's embeddings change: their count and the
/// sum of their batches (served by the `embeddings_model_batch` index).
const EMBEDDINGS_FINGERPRINT: &str =
    "SELECT COUNT(*), COALESCE(SUM(batch), 0) FROM embeddings WHERE model = ?1";

/// A `user_items` row selected as `kind, key, value, created_at`.
fn user_item(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserItem> {
    Ok(UserItem {
        kind: r.get(0)?,
        key: r.get(1)?,
        value: r.get(2)?,
        created_at: r.get(3)?,
    })
}

fn topic_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TopicRow> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn topic_from_row((id, label, terms, size): TopicRow) -> Result<Topic> {
    let terms = serde_json::from_str(&terms).map_err(|source| StoreError::Corrupt {
        what: "topic terms",
        source,
    })?;
    Ok(Topic {
        id,
        label,
        terms,
        size: size as u64,
    })
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
                packed: &PackedRecord::pack(&rec.raw, &rec.fields),
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
    fn sources_of_several_papers_come_by_paper_in_the_order_asked_including_unwritten_ones() {
        let (_dir, store) = store();
        let a = add_paper(&store, "paper a", false).unwrap();
        let b = add_paper(&store, "paper b", false).unwrap();
        store
            .write("test", &mut |tx| {
                // A second source of `a`, written at once (its row exists).
                let rec = record("paper a again");
                tx.insert_source(&NewSource {
                    paper_id: a,
                    content_hash: "paper a again",
                    record: &rec,
                    packed: &PackedRecord::pack(&rec.raw, &rec.fields),
                    rule: "title",
                    score: 1.0,
                    detail: "",
                })?;
                // A reserved paper's source waits for the paper's row, and
                // is still one of its sources.
                let c = tx.new_paper()?;
                let rec = record("paper c");
                tx.insert_source(&NewSource {
                    paper_id: c,
                    content_hash: "paper c",
                    record: &rec,
                    packed: &PackedRecord::pack(&rec.raw, &rec.fields),
                    rule: "new",
                    score: 0.0,
                    detail: "",
                })?;
                let raws = |sources: Vec<StoredSource>| -> Vec<(PaperId, String)> {
                    sources.into_iter().map(|s| (s.paper_id, s.raw)).collect()
                };
                let expected = vec![
                    (b, "paper b".to_string()),
                    (c, "paper c".to_string()),
                    (a, "paper a".to_string()),
                    (a, "paper a again".to_string()),
                ];
                assert_eq!(raws(tx.sources_of_papers(&[b, c, a])?), expected);
                assert_eq!(raws(tx.sources_of(c)?), vec![expected[1].clone()]);
                tx.save_paper(
                    &Paper {
                        id: c,
                        title: "paper c".into(),
                        ..Default::default()
                    },
                    &[],
                )?;
                assert_eq!(raws(tx.sources_of_papers(&[b, c, a])?), expected);
                Ok(())
            })
            .unwrap();
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
    fn a_library_from_before_packed_records_keeps_its_sources() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("library.sqlite");
        let fields = RecordFields {
            title: Some("Old Paper".into()),
            authors: vec!["Ada Lovelace".into()],
            ..Default::default()
        };
        {
            let mut conn = Connection::open(&path).unwrap();
            migrations().to_version(&mut conn, 5).unwrap();
            conn.execute_batch(
                "INSERT INTO batches (id, label, started_at) VALUES (1, 'old', 'then');
                 INSERT INTO papers (id, title, data, created_batch, updated_batch)
                 VALUES (1, 'Old Paper', '{}', 1, 1);",
            )
            .unwrap();
            conn.execute(
                "INSERT INTO sources (paper_id, content_hash, format, file, line, record_index, raw, fields, rule, score, detail, batch_id)
                 VALUES (1, 'h', 'bibtex', 'old.bib', 3, 0, '@misc{old, title={Old Paper}}', ?1, 'new', 0, '', 1)",
                [serde_json::to_string(&fields).unwrap()],
            )
            .unwrap();
        }
        let store = SqliteStore::open(&path).unwrap();
        let sources = store.sources(1).unwrap();
        assert_eq!(sources.len(), 1);
        assert_eq!(sources[0].raw, "@misc{old, title={Old Paper}}");
        assert_eq!(sources[0].fields, fields);
        assert_eq!((sources[0].file.as_str(), sources[0].line), ("old.bib", 3));
    }

    #[test]
    fn embeddings_are_redone_when_a_paper_changes() {
        let (_dir, store) = store();
        add_paper(&store, "first", false).unwrap();
        let pending = store.papers_needing_embedding("m", 0, 10).unwrap();
        assert_eq!(pending.len(), 1);
        let (paper, batch) = &pending[0];
        store
            .put_embeddings("m", &[(paper.id, *batch, vec![0.5, -0.25])])
            .unwrap();
        assert!(store
            .papers_needing_embedding("m", 0, 10)
            .unwrap()
            .is_empty());
        assert_eq!(
            store
                .papers_needing_embedding("other", 0, 10)
                .unwrap()
                .len(),
            1
        );
        // Paging: nothing above the only paper's id.
        assert!(store
            .papers_needing_embedding("other", paper.id, 10)
            .unwrap()
            .is_empty());
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
        assert_eq!(store.papers_needing_embedding("m", 0, 10).unwrap().len(), 1);
        assert_eq!(store.embedding_count("m").unwrap(), 1);
    }

    #[test]
    fn batches_are_listed_and_new_papers_are_told_from_updated_ones() {
        let (_dir, store) = store();
        let b1 = add_paper(&store, "first", false).unwrap();
        let b2 = add_paper(&store, "second", false).unwrap();
        let first = store.papers_created_since(0).unwrap()[0].0.id;
        // A later batch that only updates the first paper does not make it new.
        store
            .write("touch", &mut |tx| {
                let p = Paper {
                    id: first,
                    title: "first v2".into(),
                    ..Default::default()
                };
                tx.save_paper(&p, &[])
            })
            .unwrap();
        let batches = store.batches().unwrap();
        let ids: Vec<i64> = batches.iter().map(|b| b.id).collect();
        assert_eq!(ids, vec![b1, b2, b2 + 1]);
        assert_eq!(batches[2].label, "touch");
        assert!(batches[0].started_at.ends_with('Z'), "{:?}", batches[0]);
        let new: Vec<(String, i64)> = store
            .papers_created_since(b1)
            .unwrap()
            .into_iter()
            .map(|(p, b)| (p.title, b))
            .collect();
        assert_eq!(new, vec![("second".to_string(), b2)]);
        assert!(store.papers_created_since(b2 + 1).unwrap().is_empty());
    }

    #[test]
    fn papers_created_through_counts_by_creating_batch() {
        let (_dir, store) = store();
        assert_eq!(store.papers_created_through(i64::MAX).unwrap(), 0);
        let b1 = add_paper(&store, "first", false).unwrap();
        let b2 = add_paper(&store, "second", false).unwrap();
        assert!(add_paper(&store, "aborted", true).is_err());
        assert_eq!(store.papers_created_through(b1 - 1).unwrap(), 0);
        assert_eq!(store.papers_created_through(b1).unwrap(), 1);
        assert_eq!(store.papers_created_through(b2).unwrap(), 2);
        assert_eq!(store.papers_created_through(i64::MAX).unwrap(), 2);
    }

    #[test]
    fn the_embeddings_fingerprint_reads_an_index_not_the_vectors() {
        let (_dir, store) = store();
        let plan: Vec<String> = store
            .read(|tx| {
                let mut stmt =
                    tx.prepare(&format!("EXPLAIN QUERY PLAN {EMBEDDINGS_FINGERPRINT}"))?;
                let rows = stmt.query_map(["m"], |r| r.get::<_, String>(3))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .unwrap();
        assert!(
            plan.iter()
                .any(|step| step.contains("COVERING INDEX embeddings_model_batch")),
            "{plan:?}"
        );
    }

    #[test]
    fn embeddings_fingerprint_changes_on_every_write() {
        let (_dir, store) = store();
        assert_eq!(store.embeddings_fingerprint("m").unwrap(), (0, 0));
        let batch = add_paper(&store, "first", false).unwrap();
        let id = store.papers_changed_since(0).unwrap().0[0].id;
        store
            .put_embeddings("m", &[(id, batch, vec![1.0])])
            .unwrap();
        let first = store.embeddings_fingerprint("m").unwrap();
        assert_eq!(first, (1, batch));
        // Re-embedding after an update keeps the count but not the fingerprint.
        store
            .put_embeddings("m", &[(id, batch + 3, vec![2.0])])
            .unwrap();
        let second = store.embeddings_fingerprint("m").unwrap();
        assert_eq!(second, (1, batch + 3));
        assert_ne!(first, second);
        assert_eq!(store.embeddings_fingerprint("other").unwrap(), (0, 0));
    }

    #[test]
    fn match_keys_since_returns_what_later_batches_wrote() {
        let (_dir, store) = store();
        let b1 = add_paper(&store, "first", false).unwrap();
        let b2 = add_paper(&store, "second", false).unwrap();
        let mut seen = Vec::new();
        store
            .write("probe", &mut |tx| {
                seen.push(tx.match_keys_since(0)?);
                seen.push(tx.match_keys_since(b1)?);
                seen.push(tx.match_keys_since(b2)?);
                Ok(())
            })
            .unwrap();
        let papers = |i: usize| seen[i].iter().map(|(p, _)| *p).collect::<Vec<_>>();
        assert_eq!(papers(0).len(), 2);
        assert_eq!(papers(1).len(), 1);
        assert!(papers(2).is_empty());
        assert_eq!(seen[1][0].1, vec![(4, 42)]);
    }

    #[test]
    fn user_items_upsert_and_delete() {
        let (_dir, store) = store();
        store.put_user_item("star", "1", "{}").unwrap();
        store.put_user_item("star", "1", "{\"note\":1}").unwrap();
        assert_eq!(store.user_items("star").unwrap().len(), 1);
        assert!(store.delete_user_item("star", "1").unwrap());
        assert!(!store.delete_user_item("star", "1").unwrap());
        store.put_user_item("follow", "author:1", "{}").unwrap();
        store.put_user_item("star", "2", "{}").unwrap();
        let all: Vec<(String, String)> = store
            .all_user_items()
            .unwrap()
            .into_iter()
            .map(|i| (i.kind, i.key))
            .collect();
        assert_eq!(
            all,
            vec![
                ("follow".into(), "author:1".into()),
                ("star".into(), "2".into())
            ]
        );
    }

    fn add_paper_with(store: &SqliteStore, abstract_text: &str, tldr: Option<&str>) -> PaperId {
        let mut id = 0;
        store
            .write("test", &mut |tx| {
                id = tx.new_paper()?;
                let rec = record(abstract_text);
                tx.insert_source(&NewSource {
                    paper_id: id,
                    content_hash: &format!("{abstract_text}{tldr:?}"),
                    record: &rec,
                    packed: &PackedRecord::pack(&rec.raw, &rec.fields),
                    rule: "new",
                    score: 0.0,
                    detail: "",
                })?;
                let author = match tx.author_by_key("ada")? {
                    Some(a) => a,
                    None => tx.insert_author("ada", "ada", "Ada")?,
                };
                let paper = Paper {
                    id,
                    title: format!("paper {id}"),
                    authors: vec![paperdex_model::AuthorRef {
                        id: author,
                        name: "Ada".into(),
                    }],
                    abstract_text: Some(abstract_text.into()),
                    tldr: tldr.map(String::from),
                    ..Default::default()
                };
                tx.save_paper(&paper, &[])
            })
            .unwrap();
        id
    }

    #[test]
    fn topics_replace_whole_and_answer_by_paper_and_author() {
        let (_dir, store) = store();
        assert_eq!(store.topics().unwrap(), None);
        let a = add_paper_with(&store, "alpha", None);
        let b = add_paper_with(&store, "beta", None);
        let c = add_paper_with(&store, "gamma", None);
        let set = |topics: Vec<NewTopic>| NewTopicSet {
            model: "m".into(),
            batch: 3,
            papers: 3,
            topics,
        };
        let topic = |id: i64, label: &str, papers: Vec<PaperId>| NewTopic {
            id,
            label: label.into(),
            terms: vec![label.into(), "x".into()],
            papers,
        };
        store
            .replace_topics(&set(vec![
                topic(1, "one", vec![a, c]),
                topic(2, "two", vec![b]),
            ]))
            .unwrap();
        let stored = store.topics().unwrap().unwrap();
        assert_eq!(
            (stored.model.as_str(), stored.batch, stored.papers),
            ("m", 3, 3)
        );
        assert_eq!(stored.topics.len(), 2);
        assert_eq!(stored.topics[0].terms, vec!["one", "x"]);
        assert_eq!(stored.topics[0].size, 2);
        assert_eq!(store.topic_papers(1).unwrap(), vec![a, c]);
        assert_eq!(store.paper_topics().unwrap(), vec![(a, 1), (b, 2), (c, 1)]);
        assert_eq!(store.topic_of_paper(b).unwrap().unwrap().label, "two");
        let ada = store.find_authors("Ada").unwrap()[0].id;
        let topics = store.author_topics(ada).unwrap();
        assert_eq!(topics.len(), 2);
        assert_eq!((topics[0].0.id, topics[0].1), (1, 2));
        // A new set replaces the old one whole.
        store
            .replace_topics(&set(vec![topic(7, "seven", vec![b])]))
            .unwrap();
        assert_eq!(store.topics().unwrap().unwrap().topics.len(), 1);
        assert_eq!(store.topic_of_paper(a).unwrap(), None);
        assert!(store.topic_papers(1).unwrap().is_empty());
    }

    #[test]
    fn generated_tldrs_never_replace_a_source_tldr_or_outlive_their_abstract() {
        let (_dir, store) = store();
        let plain = add_paper_with(&store, "First sentence. Second one.", None);
        let with_source = add_paper_with(&store, "Has its own.", Some("source tl;dr"));
        let lacking: Vec<PaperId> = store
            .papers_lacking_tldr(0, 10)
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        assert_eq!(lacking, vec![plain]);
        let item = |id, abs: &str| GeneratedTldr {
            paper_id: id,
            abstract_text: abs.into(),
            tldr: "generated".into(),
        };
        let stored = store
            .put_generated_tldrs(&[
                item(with_source, "Has its own."),
                item(plain, "An abstract it no longer has."),
            ])
            .unwrap();
        assert_eq!(stored, 0);
        assert_eq!(
            store.paper(with_source).unwrap().unwrap().tldr.as_deref(),
            Some("source tl;dr")
        );
        assert_eq!(
            store
                .put_generated_tldrs(&[item(plain, "First sentence. Second one.")])
                .unwrap(),
            1
        );
        let paper = store.paper(plain).unwrap().unwrap();
        assert_eq!(paper.tldr.as_deref(), Some("generated"));
        assert!(paper.tldr_generated);
        assert!(store.papers_lacking_tldr(0, 10).unwrap().is_empty());
    }
}
