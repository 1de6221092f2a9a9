//! A batch's write transaction on PostgreSQL, with its writes sent in bulk.
//!
//! Ingest makes about a dozen small reads and writes per record. Sent one at
//! a time, each costs a round trip to the server, which held ingest to about
//! a hundred records per second. So this transaction buffers its writes and
//! queues them as one multi-row statement per table (`unnest` of arrays),
//! at commit, every [`FLUSH_ROWS`] records, or before a read that must see
//! them; the transaction's own thread ([`TxThread`]) sends them while the
//! writer goes on.
//!
//! The writer reads without waiting for those writes: what earlier batches
//! committed comes from a second connection, and what this batch wrote is
//! kept here (its sources as packed frames, its papers' authors, its new
//! authors by family, every content hash and author key it stored). So
//! the lookups ingest repeats per record (is this record stored, which
//! author has this key, who shares this family name, a merged paper's
//! sources and authors) are answered from what [`WriteTx::prefetch`]
//! fetched in one query each, from memory, or from committed rows. Only
//! co-author lookups and the batch's first queries go through the
//! transaction and wait for the writes queued before them. On a 100k-record
//! ingest this took 42.5 s to 38.6 s with identical rows; reading through
//! the transaction's thread instead waited on nearly every flush (52.5 s).
//!
//! Ids are assigned here, not by the server: writers hold the write lock for
//! the whole transaction, so the next free ids are known (highest + 1, as
//! SQLite assigns them). The identity sequences are moved past them at each
//! flush, so an insert that takes a default id stays valid.

use super::tx_thread::TxThread;
use super::Tx;
use paperdex_model::{Paper, PaperId, SourceId};
use paperdex_store::{
    pack_keys, unpack_keys, LookupHint, NewSource, PackedRecord, Result, StoreError, StoredSource,
    WriteTx,
};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// Buffered source records that trigger a flush: bounds the memory and the
/// size of one statement (a source carries its verbatim text).
const FLUSH_ROWS: usize = 2_000;

/// The write transaction of one batch.
pub(super) struct PgWriteTx<'s, 'c> {
    /// The batch's transaction, on its own thread: writes are queued there.
    conn: TxThread<'s, 'c>,
    /// Another connection, reading what earlier batches committed: with
    /// what this batch wrote (kept below), it answers the lookups ingest
    /// makes per record without waiting for the queued writes.
    committed: Tx<'c>,
    batch: i64,
    next: Option<NextIds>,
    pending: Pending,
    /// Papers this batch created: nothing of them is committed.
    created: HashSet<PaperId>,
    /// Sources this batch wrote, by paper, in id order.
    written_sources: HashMap<PaperId, Vec<Arc<WrittenSource>>>,
    /// Authors of each paper this batch saved, as last saved.
    saved_authors: HashMap<PaperId, Vec<i64>>,
    /// Authors this batch made, by family key, in id order.
    new_family_members: HashMap<String, Vec<(i64, String)>>,
    /// Content hashes whose presence is known: true when stored (by an
    /// earlier batch or by this one), false when known to be absent.
    hashes: HashMap<String, bool>,
    /// Author identity key → id, or `None` when known not to exist.
    author_keys: HashMap<String, Option<i64>>,
    /// Family key → every author with it, in id order (complete lists only).
    families: HashMap<String, Vec<(i64, String)>>,
    /// `(author, name)` spellings written or buffered by this transaction.
    names: HashSet<(i64, String)>,
}

/// The next id to assign per table.
struct NextIds {
    paper: i64,
    source: i64,
    author: i64,
}

#[derive(Default)]
struct Pending {
    /// Papers in the order they were reserved or first saved.
    papers: Vec<PendingPaper>,
    paper_slot: HashMap<PaperId, usize>,
    sources: Vec<PendingSource>,
    authors: Vec<(i64, String, String, String)>,
    author_names: Vec<(i64, String)>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        self.papers.is_empty()
            && self.sources.is_empty()
            && self.authors.is_empty()
            && self.author_names.is_empty()
    }
}

struct PendingPaper {
    id: PaperId,
    /// False for a paper reserved by this transaction and not yet inserted.
    in_database: bool,
    /// The last state saved, if any since the last flush.
    saved: Option<SavedPaper>,
}

struct SavedPaper {
    arxiv_id: Option<String>,
    doi: Option<String>,
    title: String,
    year: Option<i32>,
    venue: Option<String>,
    data: String,
    authors: Vec<i64>,
    keys: Vec<u8>,
}

/// A buffered source: what this batch keeps of it, and its content hash.
struct PendingSource {
    written: Arc<WrittenSource>,
    content_hash: String,
}

/// A source this batch wrote: its row without the record's text and
/// fields, and its packed frame, which holds them and is what is stored.
struct WrittenSource {
    source: StoredSource,
    record: Vec<u8>,
}

impl WrittenSource {
    fn unpack(&self) -> Result<StoredSource> {
        let (raw, fields) = PackedRecord::from_bytes(self.record.clone())
            .unpack()
            .map_err(|source| StoreError::CorruptSource {
                id: self.source.id,
                source,
            })?;
        Ok(StoredSource {
            raw,
            fields,
            ..self.source.clone()
        })
    }
}

impl<'s, 'c: 's> PgWriteTx<'s, 'c> {
    pub(super) fn new(conn: TxThread<'s, 'c>, committed: Tx<'c>, batch: i64) -> Self {
        PgWriteTx {
            conn,
            committed,
            batch,
            next: None,
            pending: Pending::default(),
            created: HashSet::new(),
            written_sources: HashMap::new(),
            saved_authors: HashMap::new(),
            new_family_members: HashMap::new(),
            hashes: HashMap::new(),
            author_keys: HashMap::new(),
            families: HashMap::new(),
            names: HashSet::new(),
        }
    }

    /// Sends every buffered write, waits for them, then commits.
    pub(super) fn commit(mut self) -> Result<()> {
        self.flush()?;
        let tx = self.conn.finish()?;
        tx.tx.commit().map_err(super::db_err)
    }

    fn next_ids(&mut self) -> Result<&mut NextIds> {
        if self.next.is_none() {
            // Under the write lock, nobody else inserts until we commit.
            let (paper, source, author) = self.conn.call(|tx| {
                let row = tx.query_one(
                    "SELECT (SELECT COALESCE(MAX(id), 0) FROM papers),
                            (SELECT COALESCE(MAX(id), 0) FROM sources),
                            (SELECT COALESCE(MAX(id), 0) FROM authors)",
                    &[],
                )?;
                Ok((
                    row.get::<_, i64>(0),
                    row.get::<_, i64>(1),
                    row.get::<_, i64>(2),
                ))
            })?;
            self.next = Some(NextIds {
                paper: paper + 1,
                source: source + 1,
                author: author + 1,
            });
        }
        Ok(self.next.as_mut().expect("loaded above"))
    }

    fn paper_slot(&mut self, id: PaperId, in_database: bool) -> &mut PendingPaper {
        let slot = *self.pending.paper_slot.entry(id).or_insert_with(|| {
            self.pending.papers.push(PendingPaper {
                id,
                in_database,
                saved: None,
            });
            self.pending.papers.len() - 1
        });
        &mut self.pending.papers[slot]
    }

    /// Caches `family`'s complete member list: its `committed` members,
    /// then those this batch made (higher ids, so id order holds).
    fn remember_family(
        &mut self,
        family: String,
        mut committed: Vec<(i64, String)>,
    ) -> &Vec<(i64, String)> {
        if let Some(new) = self.new_family_members.get(&family) {
            committed.extend(new.iter().cloned());
        }
        self.families
            .entry(family)
            .insert_entry(committed)
            .into_mut()
    }

    /// Queues the buffered writes, parents before the rows that refer to
    /// them, and returns without waiting for them.
    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let pending = std::mem::take(&mut self.pending);
        let batch = self.batch;
        let last_ids = self
            .next
            .as_ref()
            .map(|next| (next.paper - 1, next.source - 1, next.author - 1));
        self.conn.send(move |tx| {
            insert_authors(tx, &pending.authors)?;
            write_papers(tx, batch, &pending.papers)?;
            insert_sources(tx, batch, &pending.sources)?;
            insert_author_names(tx, &pending.author_names)?;
            if let Some((paper, source, author)) = last_ids {
                tx.execute(
                    "SELECT setval(pg_get_serial_sequence('papers', 'id'), GREATEST($1::BIGINT, 1)),
                            setval(pg_get_serial_sequence('sources', 'id'), GREATEST($2::BIGINT, 1)),
                            setval(pg_get_serial_sequence('authors', 'id'), GREATEST($3::BIGINT, 1))",
                    &[&paper, &source, &author],
                )?;
            }
            Ok(())
        })
    }
}

fn insert_authors(tx: &mut Tx<'_>, authors: &[(i64, String, String, String)]) -> Result<()> {
    if authors.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = authors.iter().map(|a| a.0).collect();
    let keys: Vec<&str> = authors.iter().map(|a| a.1.as_str()).collect();
    let families: Vec<&str> = authors.iter().map(|a| a.2.as_str()).collect();
    let names: Vec<&str> = authors.iter().map(|a| a.3.as_str()).collect();
    tx.execute(
        "INSERT INTO authors (id, key, family_key, name)
         SELECT * FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[])",
        &[&ids, &keys, &families, &names],
    )?;
    Ok(())
}

fn write_papers(tx: &mut Tx<'_>, batch: i64, papers: &[PendingPaper]) -> Result<()> {
    let placeholder = SavedPaper {
        arxiv_id: None,
        doi: None,
        title: String::new(),
        year: None,
        venue: None,
        data: "{}".to_string(),
        authors: Vec::new(),
        keys: Vec::new(),
    };
    let mut inserts = PaperColumns::default();
    let mut updates = PaperColumns::default();
    let mut author_rows: (Vec<i64>, Vec<i64>, Vec<i64>) = Default::default();
    let mut key_rows: (Vec<i64>, Vec<&[u8]>) = Default::default();
    let mut replaced_authors = Vec::new();
    for p in papers {
        let saved = match (&p.saved, p.in_database) {
            (Some(saved), _) => saved,
            // Reserved and never saved: a row must still exist for its sources.
            (None, false) => &placeholder,
            (None, true) => continue,
        };
        if p.in_database {
            updates.push(p.id, saved);
            replaced_authors.push(p.id);
        } else {
            inserts.push(p.id, saved);
        }
        if p.saved.is_some() {
            for (position, author) in saved.authors.iter().enumerate() {
                author_rows.0.push(p.id);
                author_rows.1.push(position as i64);
                author_rows.2.push(*author);
            }
            key_rows.0.push(p.id);
            key_rows.1.push(&saved.keys);
        }
    }
    if !inserts.ids.is_empty() {
        tx.execute(
            "INSERT INTO papers (id, arxiv_id, doi, title, year, venue, data, created_batch, updated_batch)
             SELECT t.*, $8, $8 FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::INTEGER[], $6::TEXT[], $7::TEXT[]) AS t",
            &[&inserts.ids, &inserts.arxiv_ids, &inserts.dois, &inserts.titles, &inserts.years, &inserts.venues, &inserts.data, &batch],
        )?;
    }
    if !updates.ids.is_empty() {
        tx.execute(
            "UPDATE papers p SET arxiv_id = t.arxiv_id, doi = t.doi, title = t.title, year = t.year,
                    venue = t.venue, data = t.data, updated_batch = $8
             FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::INTEGER[], $6::TEXT[], $7::TEXT[])
                  AS t(id, arxiv_id, doi, title, year, venue, data)
             WHERE p.id = t.id",
            &[&updates.ids, &updates.arxiv_ids, &updates.dois, &updates.titles, &updates.years, &updates.venues, &updates.data, &batch],
        )?;
        tx.execute(
            "DELETE FROM paper_authors WHERE paper_id = ANY($1)",
            &[&replaced_authors],
        )?;
    }
    if !author_rows.0.is_empty() {
        tx.execute(
            "INSERT INTO paper_authors (paper_id, position, author_id)
             SELECT * FROM unnest($1::BIGINT[], $2::BIGINT[], $3::BIGINT[])
             ON CONFLICT DO NOTHING",
            &[&author_rows.0, &author_rows.1, &author_rows.2],
        )?;
    }
    if !key_rows.0.is_empty() {
        tx.execute(
            "INSERT INTO paper_keys (paper_id, keys)
             SELECT * FROM unnest($1::BIGINT[], $2::BYTEA[])
             ON CONFLICT (paper_id) DO UPDATE SET keys = EXCLUDED.keys",
            &[&key_rows.0, &key_rows.1],
        )?;
    }
    Ok(())
}

fn insert_sources(tx: &mut Tx<'_>, batch: i64, sources: &[PendingSource]) -> Result<()> {
    if sources.is_empty() {
        return Ok(());
    }
    let hashes: Vec<&str> = sources.iter().map(|s| s.content_hash.as_str()).collect();
    let records: Vec<&[u8]> = sources
        .iter()
        .map(|s| s.written.record.as_slice())
        .collect();
    let rows: Vec<&StoredSource> = sources.iter().map(|s| &s.written.source).collect();
    let ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
    let papers: Vec<i64> = rows.iter().map(|s| s.paper_id).collect();
    let formats: Vec<&str> = rows.iter().map(|s| s.format.name()).collect();
    let files: Vec<&str> = rows.iter().map(|s| s.file.as_str()).collect();
    let lines: Vec<i64> = rows.iter().map(|s| s.line as i64).collect();
    let indexes: Vec<i64> = rows.iter().map(|s| s.index as i64).collect();
    let rules: Vec<&str> = rows.iter().map(|s| s.rule.as_str()).collect();
    let scores: Vec<f64> = rows.iter().map(|s| s.score).collect();
    let details: Vec<&str> = rows.iter().map(|s| s.detail.as_str()).collect();
    // The text columns stay empty: the frame in `record` holds both (V5).
    tx.execute(
        "INSERT INTO sources (id, paper_id, content_hash, format, file, line, record_index, record, rule, score, detail, batch_id, raw, fields)
         SELECT t.*, $12, '', '' FROM unnest($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::BIGINT[],
                                     $7::BIGINT[], $8::BYTEA[], $9::TEXT[], $10::FLOAT8[], $11::TEXT[]) AS t",
        &[&ids, &papers, &hashes, &formats, &files, &lines, &indexes, &records, &rules, &scores, &details, &batch],
    )?;
    Ok(())
}

fn insert_author_names(tx: &mut Tx<'_>, names: &[(i64, String)]) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let ids: Vec<i64> = names.iter().map(|n| n.0).collect();
    let spellings: Vec<&str> = names.iter().map(|n| n.1.as_str()).collect();
    tx.execute(
        "INSERT INTO author_names (author_id, name)
         SELECT * FROM unnest($1::BIGINT[], $2::TEXT[])
         ON CONFLICT DO NOTHING",
        &[&ids, &spellings],
    )?;
    Ok(())
}

/// Column arrays of papers written by one statement.
#[derive(Default)]
struct PaperColumns<'p> {
    ids: Vec<i64>,
    arxiv_ids: Vec<Option<&'p str>>,
    dois: Vec<Option<&'p str>>,
    titles: Vec<&'p str>,
    years: Vec<Option<i32>>,
    venues: Vec<Option<&'p str>>,
    data: Vec<&'p str>,
}

impl<'p> PaperColumns<'p> {
    fn push(&mut self, id: PaperId, p: &'p SavedPaper) {
        self.ids.push(id);
        self.arxiv_ids.push(p.arxiv_id.as_deref());
        self.dois.push(p.doi.as_deref());
        self.titles.push(&p.title);
        self.years.push(p.year);
        self.venues.push(p.venue.as_deref());
        self.data.push(&p.data);
    }
}

impl<'s, 'c: 's> WriteTx for PgWriteTx<'s, 'c> {
    fn batch_id(&self) -> i64 {
        self.batch
    }

    fn prefetch(&mut self, hint: &LookupHint<'_>) -> Result<()> {
        // What this batch wrote is known here; the database answers for
        // what earlier batches committed.
        let hashes: Vec<&str> = hint
            .content_hashes
            .iter()
            .copied()
            .filter(|h| !self.hashes.contains_key(*h))
            .collect();
        if !hashes.is_empty() {
            let rows = self.committed.query(
                "SELECT content_hash FROM sources WHERE content_hash = ANY($1)",
                &[&hashes],
            )?;
            let stored: HashSet<String> = rows.iter().map(|r| r.get(0)).collect();
            for h in hashes {
                self.hashes.insert(h.to_string(), stored.contains(h));
            }
        }
        let keys: Vec<&str> = hint
            .author_keys
            .iter()
            .map(String::as_str)
            .filter(|k| !self.author_keys.contains_key(*k))
            .collect();
        if !keys.is_empty() {
            let rows = self
                .committed
                .query("SELECT key, id FROM authors WHERE key = ANY($1)", &[&keys])?;
            let found: HashMap<String, i64> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
            for k in keys {
                self.author_keys
                    .insert(k.to_string(), found.get(k).copied());
            }
        }
        let families: Vec<&str> = hint
            .family_keys
            .iter()
            .map(String::as_str)
            .filter(|f| !self.families.contains_key(*f))
            .collect();
        if !families.is_empty() {
            let rows = self.committed.query(
                "SELECT family_key, id, name FROM authors WHERE family_key = ANY($1) ORDER BY id",
                &[&families],
            )?;
            let mut lists: HashMap<String, Vec<(i64, String)>> = families
                .iter()
                .map(|f| (f.to_string(), Vec::new()))
                .collect();
            for r in &rows {
                if let Some(list) = lists.get_mut(r.get::<_, &str>(0)) {
                    list.push((r.get(1), r.get(2)));
                }
            }
            for (family, committed) in lists {
                self.remember_family(family, committed);
            }
        }
        Ok(())
    }

    fn source_exists(&mut self, content_hash: &str) -> Result<bool> {
        if let Some(known) = self.hashes.get(content_hash) {
            return Ok(*known);
        }
        // This batch's sources are all in `hashes`, so committed rows
        // answer the rest.
        let stored = self
            .committed
            .query_opt(
                "SELECT 1 FROM sources WHERE content_hash = $1",
                &[&content_hash],
            )?
            .is_some();
        self.hashes.insert(content_hash.to_string(), stored);
        Ok(stored)
    }

    fn insert_source(&mut self, s: &NewSource<'_>) -> Result<SourceId> {
        let next = self.next_ids()?;
        let id = next.source;
        next.source += 1;
        // The text and fields travel in the frame only.
        let source = StoredSource {
            id,
            paper_id: s.paper_id,
            format: s.record.format,
            file: s.record.file.clone(),
            line: s.record.line,
            index: s.record.index,
            raw: String::new(),
            fields: Default::default(),
            rule: s.rule.to_string(),
            score: s.score,
            detail: s.detail.to_string(),
            batch_id: self.batch,
        };
        let written = Arc::new(WrittenSource {
            source,
            record: s.packed.as_bytes().to_vec(),
        });
        self.written_sources
            .entry(s.paper_id)
            .or_default()
            .push(Arc::clone(&written));
        self.pending.sources.push(PendingSource {
            written,
            content_hash: s.content_hash.to_string(),
        });
        self.hashes.insert(s.content_hash.to_string(), true);
        if self.pending.sources.len() >= FLUSH_ROWS {
            self.flush()?;
        }
        Ok(id)
    }

    fn new_paper(&mut self) -> Result<PaperId> {
        let next = self.next_ids()?;
        let id = next.paper;
        next.paper += 1;
        self.paper_slot(id, false);
        self.created.insert(id);
        Ok(id)
    }

    fn sources_of(&mut self, paper: PaperId) -> Result<Vec<StoredSource>> {
        // Committed rows, then this batch's (the higher ids): id order.
        let mut sources = if self.created.contains(&paper) {
            Vec::new()
        } else {
            self.committed.sources_of(paper)?
        };
        for written in self.written_sources.get(&paper).into_iter().flatten() {
            sources.push(written.unpack()?);
        }
        Ok(sources)
    }

    fn sources_of_papers(&mut self, papers: &[PaperId]) -> Result<Vec<StoredSource>> {
        let committed: Vec<PaperId> = papers
            .iter()
            .copied()
            .filter(|p| !self.created.contains(p))
            .collect();
        let mut by_paper: HashMap<PaperId, Vec<StoredSource>> = HashMap::new();
        for source in self.committed.sources_of_papers(&committed)? {
            by_paper.entry(source.paper_id).or_default().push(source);
        }
        let mut out = Vec::new();
        for paper in papers {
            out.extend(by_paper.remove(paper).unwrap_or_default());
            for written in self.written_sources.get(paper).into_iter().flatten() {
                out.push(written.unpack()?);
            }
        }
        Ok(out)
    }

    fn save_paper(&mut self, paper: &Paper, match_keys: &[(u8, i64)]) -> Result<()> {
        let data = serde_json::to_string(paper).map_err(|source| StoreError::Corrupt {
            what: "paper",
            source,
        })?;
        let saved = SavedPaper {
            arxiv_id: paper.arxiv_id.as_ref().map(|a| a.id.clone()),
            doi: paper.doi.clone(),
            title: paper.title.clone(),
            year: paper.year,
            venue: paper.venue.clone(),
            data,
            authors: paper.authors.iter().map(|a| a.id).collect(),
            keys: pack_keys(match_keys),
        };
        self.saved_authors.insert(paper.id, saved.authors.clone());
        // A paper not reserved by this transaction is already a row.
        self.paper_slot(paper.id, true).saved = Some(saved);
        Ok(())
    }

    fn paper_author_ids(&mut self, paper: PaperId) -> Result<Vec<i64>> {
        if let Some(authors) = self.saved_authors.get(&paper) {
            return Ok(authors.clone());
        }
        if self.created.contains(&paper) {
            return Ok(Vec::new());
        }
        // This batch did not change them: the committed rows are current.
        Ok(self
            .committed
            .query(
                "SELECT author_id FROM paper_authors WHERE paper_id = $1 ORDER BY position",
                &[&paper],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn author_by_key(&mut self, key: &str) -> Result<Option<i64>> {
        if let Some(known) = self.author_keys.get(key) {
            return Ok(*known);
        }
        // Authors this transaction made are all in `author_keys`.
        let id = self
            .committed
            .query_opt("SELECT id FROM authors WHERE key = $1", &[&key])?
            .map(|r| r.get(0));
        self.author_keys.insert(key.to_string(), id);
        Ok(id)
    }

    fn authors_by_family(&mut self, family_key: &str) -> Result<Vec<(i64, String)>> {
        if let Some(list) = self.families.get(family_key) {
            return Ok(list.clone());
        }
        let committed: Vec<(i64, String)> = self
            .committed
            .query(
                "SELECT id, name FROM authors WHERE family_key = $1 ORDER BY id",
                &[&family_key],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        Ok(self
            .remember_family(family_key.to_string(), committed)
            .clone())
    }

    fn coauthor_keys(&mut self, author: i64) -> Result<Vec<String>> {
        self.flush()?;
        self.conn.call(move |tx| {
            Ok(tx
                .query(
                    "SELECT DISTINCT a.key FROM paper_authors p1
                     JOIN paper_authors p2 ON p2.paper_id = p1.paper_id AND p2.author_id != p1.author_id
                     JOIN authors a ON a.id = p2.author_id
                     WHERE p1.author_id = $1",
                    &[&author],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
    }

    fn insert_author(&mut self, key: &str, family_key: &str, name: &str) -> Result<i64> {
        let next = self.next_ids()?;
        let id = next.author;
        next.author += 1;
        self.pending.authors.push((
            id,
            key.to_string(),
            family_key.to_string(),
            name.to_string(),
        ));
        self.author_keys.insert(key.to_string(), Some(id));
        if let Some(list) = self.families.get_mut(family_key) {
            list.push((id, name.to_string()));
        }
        self.new_family_members
            .entry(family_key.to_string())
            .or_default()
            .push((id, name.to_string()));
        self.add_author_name(id, name)?;
        Ok(id)
    }

    fn add_author_name(&mut self, author: i64, name: &str) -> Result<()> {
        if self.names.insert((author, name.to_string())) {
            self.pending.author_names.push((author, name.to_string()));
        }
        Ok(())
    }

    fn match_keys_since(&mut self, batch: i64) -> Result<Vec<paperdex_store::PaperMatchKeys>> {
        self.flush()?;
        // READ COMMITTED and the write lock already held: this statement sees
        // every batch committed before ours.
        let this_batch = self.batch;
        self.conn.call(move |tx| {
            Ok(tx
                .query(
                    "SELECT k.paper_id, k.keys FROM papers p JOIN paper_keys k ON k.paper_id = p.id
                     WHERE p.updated_batch > $1 AND p.updated_batch < $2",
                    &[&batch, &this_batch],
                )?
                .iter()
                .map(|r| (r.get(0), unpack_keys(r.get(1)).collect()))
                .collect())
        })
    }
}
