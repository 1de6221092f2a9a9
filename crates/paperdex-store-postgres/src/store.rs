use crate::pool::{cached, db_err, Conn, Manager};
use paperdex_model::{normalize_doi, ArxivId, Format, Paper, PaperId, PersonName};
use paperdex_store::{
    unpack_keys, AuthorInfo, AuthorSummary, BatchInfo, Collaborator, EmbeddingHealth,
    GeneratedTldr, NewTopicSet, PackedRecord, PaperBatches, PaperFilter, Result, Stats, Store,
    StoreError, StoredSource, Topic, TopicSet, UserItem, WriteTx,
};
use postgres::types::ToSql;
use postgres::{IsolationLevel, NoTls, Row, Statement, Transaction};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use tracing::info;

mod maintenance;
mod tx_thread;
mod write_tx;

use tx_thread::TxThread;
use write_tx::PgWriteTx;

mod embedded {
    refinery::embed_migrations!("src/migrations");
}

/// Advisory lock keys ("paperdex", "paperdeY" and "paperdeZ" as big-endian
/// bytes): one serializes writers, one schema migrations, one builds of the
/// vector index.
const WRITE_LOCK: i64 = 0x7061_7065_7264_6578;
const MIGRATE_LOCK: i64 = 0x7061_7065_7264_6579;
const VECTOR_INDEX_LOCK: i64 = 0x7061_7065_7264_657a;
/// A run storing fewer embeddings than this keeps the HNSW index current.
/// Measured on 2 cores (384 dimensions): kept current while loading, the
/// index cost about 4 ms per vector (95k vectors in 400 s); built at once,
/// about 0.7 ms per vector (100k in 68 s). So a load drops and rebuilds it
/// when it brings at least a quarter as many vectors as are stored, and
/// enough that holding the table's lock for the build is worth it.
const BULK_VECTOR_LOAD: u64 = 20_000;
/// Memory the HNSW build may use per vector, so a million-vector graph is
/// built in memory rather than spilling (the server's default is 64 MB).
const HNSW_BUILD_BYTES_PER_VECTOR: u64 = 3_000;
/// Upper bound of that memory.
const HNSW_BUILD_MAX_BYTES: u64 = 8 << 30;
/// The HNSW index of migration V1, by name and definition: dropped for a
/// bulk load and built again after it.
const HNSW_INDEX: &str = "embeddings_hnsw_384";
const CREATE_HNSW_INDEX: &str = "CREATE INDEX embeddings_hnsw_384 ON embeddings
    USING hnsw ((vector::vector(384)) vector_cosine_ops)
    WHERE vector_dims(vector) = 384";
/// Embeddings written per statement (about 1.6 KB each).
const EMBEDDINGS_PER_STATEMENT: usize = 2_000;
/// Rows fetched per round trip when streaming a whole table.
const STREAM_CHUNK: i32 = 10_000;

type Params<'a> = &'a [&'a (dyn ToSql + Sync)];

/// The server backend: a PostgreSQL database with pgvector, shared by every
/// process that opens the same URL.
pub struct PostgresStore {
    pool: r2d2::Pool<Manager>,
    url: String,
    /// How to connect, password included: for `pg_dump`/`pg_restore`.
    config: postgres::Config,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user[:password]@host[:port]/database`,
    /// or any libpq-style string `postgres::Config` accepts) and brings the
    /// schema up to date. On a hot-standby replica it only reads, so it skips
    /// migrations and requires the primary to have made the schema.
    pub fn open(url: &str) -> Result<PostgresStore> {
        let shown = redact_password(url);
        let connect_err = |source: Box<dyn std::error::Error + Send + Sync>| StoreError::Connect {
            url: shown.clone(),
            source,
        };
        let mut config: postgres::Config = url.parse().map_err(|e| connect_err(Box::new(e)))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        config.application_name("paperdex");
        let mut client = config
            .connect(NoTls)
            .map_err(|e| connect_err(Box::new(e)))?;
        let standby: bool = client
            .query_one("SELECT pg_is_in_recovery()", &[])
            .map_err(db_err)?
            .get(0);
        if standby {
            info!(url = %shown, "read-only replica: schema migrations skipped");
        } else {
            migrate(&mut client)?;
        }
        drop(client);
        // Unchecked: the connection above proved the server is there; the
        // pool opens connections as they are needed.
        let pool = r2d2::Pool::builder()
            .max_size(16)
            .min_idle(Some(0))
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(30))
            .build_unchecked(Manager {
                config: config.clone(),
            });
        Ok(PostgresStore {
            pool,
            url: shown,
            config,
        })
    }

    /// `host:port/database` of a store URL, with neither user nor password:
    /// a name for what is derived from that library (e.g. its index folder).
    pub fn describe(url: &str) -> Option<String> {
        let config: postgres::Config = url.parse().ok()?;
        let host = match config.get_hosts().first() {
            Some(postgres::config::Host::Tcp(h)) => h.clone(),
            Some(postgres::config::Host::Unix(p)) => p.display().to_string(),
            None => "localhost".to_string(),
        };
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let db = config.get_dbname().or(config.get_user()).unwrap_or("");
        Some(format!("{host}:{port}/{db}"))
    }

    /// The store URL, without its password.
    pub fn url(&self) -> &str {
        &self.url
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<Manager>> {
        self.pool.get().map_err(|e| StoreError::Connect {
            url: self.url.clone(),
            source: Box::new(e),
        })
    }

    /// Runs `f` in one read-only snapshot.
    fn read<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let Conn { client, statements } = &mut *conn;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(db_err)?;
        let mut tx = Tx { tx, statements };
        let out = f(&mut tx)?;
        tx.tx.commit().map_err(db_err)?;
        Ok(out)
    }

    /// Runs `f` in one read-write transaction that is not a batch.
    fn modify<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn()?;
        let Conn { client, statements } = &mut *conn;
        let tx = client.transaction().map_err(db_err)?;
        let mut tx = Tx { tx, statements };
        let out = f(&mut tx)?;
        tx.tx.commit().map_err(db_err)?;
        Ok(out)
    }
}

/// Applies pending migrations; a session advisory lock makes concurrent
/// first opens of an empty database take turns.
fn migrate(client: &mut postgres::Client) -> Result<()> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATE_LOCK])
        .map_err(db_err)?;
    // Grouped: every pending migration and its history row commit in one
    // transaction. Ungrouped, refinery commits a migration and its history
    // row separately, and a process killed in between leaves a schema that
    // the next open tries to create again (the killed-ingest test saw it).
    let result = embedded::migrations::runner().set_grouped(true).run(client);
    client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATE_LOCK])
        .map_err(db_err)?;
    let report = result.map_err(|e| StoreError::Backend(Box::new(e)))?;
    for m in report.applied_migrations() {
        info!(migration = %m, "schema migrated");
    }
    Ok(())
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`, for messages.
fn redact_password(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let Some(at) = rest.find('@') else {
        return url.to_string();
    };
    match rest[..at].find(':') {
        Some(colon) => format!(
            "{}{}:***{}",
            &url[..scheme_end + 3],
            &rest[..colon],
            &rest[at..]
        ),
        None => url.to_string(),
    }
}

/// A transaction with its connection's statement cache.
struct Tx<'a> {
    tx: Transaction<'a>,
    statements: &'a mut HashMap<&'static str, Statement>,
}

impl Tx<'_> {
    fn prepared(&mut self, sql: &'static str) -> Result<Statement> {
        let tx = &mut self.tx;
        cached(self.statements, |s| tx.prepare(s), sql)
    }

    fn query(&mut self, sql: &'static str, params: Params<'_>) -> Result<Vec<Row>> {
        let stmt = self.prepared(sql)?;
        self.tx.query(&stmt, params).map_err(db_err)
    }

    fn query_opt(&mut self, sql: &'static str, params: Params<'_>) -> Result<Option<Row>> {
        let stmt = self.prepared(sql)?;
        self.tx.query_opt(&stmt, params).map_err(db_err)
    }

    fn query_one(&mut self, sql: &'static str, params: Params<'_>) -> Result<Row> {
        let stmt = self.prepared(sql)?;
        self.tx.query_one(&stmt, params).map_err(db_err)
    }

    fn execute(&mut self, sql: &'static str, params: Params<'_>) -> Result<u64> {
        let stmt = self.prepared(sql)?;
        self.tx.execute(&stmt, params).map_err(db_err)
    }

    fn count(&mut self, sql: &'static str, params: Params<'_>) -> Result<u64> {
        Ok(self.query_one(sql, params)?.get::<_, i64>(0) as u64)
    }

    /// Streams the rows of `sql` in chunks, so whole tables (match keys,
    /// embeddings) never sit in memory at once.
    fn for_each_row(
        &mut self,
        sql: &'static str,
        params: Params<'_>,
        mut f: impl FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        let stmt = self.prepared(sql)?;
        let portal = self.tx.bind(&stmt, params).map_err(db_err)?;
        loop {
            let rows = self
                .tx
                .query_portal(&portal, STREAM_CHUNK)
                .map_err(db_err)?;
            if rows.is_empty() {
                return Ok(());
            }
            for row in &rows {
                f(row)?;
            }
        }
    }

    fn papers(&mut self, sql: &'static str, params: Params<'_>) -> Result<Vec<Paper>> {
        self.query(sql, params)?
            .iter()
            .map(|r| paper_from_json(r.get(0)))
            .collect()
    }

    fn sources_of(&mut self, paper: PaperId) -> Result<Vec<StoredSource>> {
        let rows = self.query(
            "SELECT id, paper_id, format, file, line, record_index, raw, fields, rule, score, detail, batch_id, record
             FROM sources WHERE paper_id = $1 ORDER BY id",
            &[&paper],
        )?;
        rows.iter().map(stored_source).collect()
    }

    /// The sources of each of `papers`, by paper in the order given, each
    /// paper's oldest first.
    fn sources_of_papers(&mut self, papers: &[PaperId]) -> Result<Vec<StoredSource>> {
        let rows = self.query(
            "SELECT s.id, s.paper_id, s.format, s.file, s.line, s.record_index, s.raw, s.fields, s.rule, s.score, s.detail, s.batch_id, s.record
             FROM unnest($1::BIGINT[]) WITH ORDINALITY AS p(id, n) JOIN sources s ON s.paper_id = p.id
             ORDER BY p.n, s.id",
            &[&papers],
        )?;
        rows.iter().map(stored_source).collect()
    }

    fn author_summary(&mut self, id: i64) -> Result<Option<AuthorSummary>> {
        Ok(self
            .query_opt(
                "SELECT a.id, a.name, (SELECT COUNT(DISTINCT paper_id) FROM paper_authors WHERE author_id = a.id)
                 FROM authors a WHERE a.id = $1",
                &[&id],
            )?
            .map(|r| AuthorSummary {
                id: r.get(0),
                name: r.get(1),
                papers: r.get::<_, i64>(2) as u64,
            }))
    }

    fn last_batch(&mut self) -> Result<i64> {
        Ok(self
            .query_one("SELECT COALESCE(MAX(id), 0) FROM batches", &[])?
            .get(0))
    }
}

fn stored_source(r: &Row) -> Result<StoredSource> {
    let id: i64 = r.get(0);
    let format: String = r.get(2);
    // A row written since V5 holds its text and fields as one packed frame;
    // an older one in the text columns.
    let (raw, fields) = match r.get::<_, Option<Vec<u8>>>(12) {
        Some(record) => PackedRecord::from_bytes(record)
            .unpack()
            .map_err(|source| StoreError::CorruptSource { id, source })?,
        None => {
            let fields: &str = r.get(7);
            (
                r.get(6),
                serde_json::from_str(fields).map_err(|source| StoreError::Corrupt {
                    what: "source fields",
                    source,
                })?,
            )
        }
    };
    Ok(StoredSource {
        id,
        paper_id: r.get(1),
        // Formats are written by this crate from `Format::name`, so an
        // unknown one is a corrupt row; fall back rather than fail a read
        // (as the SQLite backend does).
        format: format.parse().unwrap_or(Format::ConferenceList),
        file: r.get(3),
        line: r.get::<_, i64>(4) as usize,
        index: r.get::<_, i64>(5) as usize,
        raw,
        fields,
        rule: r.get(8),
        score: r.get(9),
        detail: r.get(10),
        batch_id: r.get(11),
    })
}

/// A `user_items` row selected as `kind, key, value, created_at`.
fn user_item(r: &Row) -> UserItem {
    UserItem {
        kind: r.get(0),
        key: r.get(1),
        value: r.get(2),
        created_at: r.get(3),
    }
}

/// A `topics` row selected as `id, label, terms, size`.
fn topic(r: &Row) -> Topic {
    Topic {
        id: r.get(0),
        label: r.get(1),
        terms: r.get(2),
        size: r.get::<_, i64>(3) as u64,
    }
}

fn paper_from_json(data: &str) -> Result<Paper> {
    serde_json::from_str(data).map_err(|source| StoreError::Corrupt {
        what: "paper",
        source,
    })
}

impl Store for PostgresStore {
    fn write(&self, label: &str, f: &mut dyn FnMut(&mut dyn WriteTx) -> Result<()>) -> Result<i64> {
        let mut conn = self.conn()?;
        let Conn { client, statements } = &mut *conn;
        // READ COMMITTED (the default), not a snapshot: a snapshot would be
        // taken before the lock wait and miss what the previous writer did.
        let tx = client.transaction().map_err(db_err)?;
        let mut tx = Tx { tx, statements };
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
        // Drawn under the lock, so ids follow commit order.
        let batch: i64 = tx
            .query_one(
                "INSERT INTO batches (label) VALUES ($1) RETURNING id",
                &[&label],
            )?
            .get(0);
        // Lookups of committed rows go over a second connection, so they do
        // not queue behind this batch's writes (see `write_tx`).
        let mut reader = self.conn()?;
        let Conn {
            client: reader_client,
            statements: reader_statements,
        } = &mut *reader;
        let committed = Tx {
            tx: reader_client
                .build_transaction()
                .read_only(true)
                .start()
                .map_err(db_err)?,
            statements: reader_statements,
        };
        std::thread::scope(|scope| {
            let mut wtx = PgWriteTx::new(TxThread::spawn(scope, tx), committed, batch);
            // On error `wtx` drops here, its thread ends and the
            // transaction rolls back, buffered writes with it.
            f(&mut wtx)?;
            wtx.commit()
        })?;
        Ok(batch)
    }

    fn for_each_match_key(&self, f: &mut dyn FnMut(u8, i64, PaperId)) -> Result<()> {
        self.read(|tx| {
            tx.for_each_row("SELECT paper_id, keys FROM paper_keys", &[], |row| {
                let paper: i64 = row.get(0);
                for (kind, key) in unpack_keys(row.get(1)) {
                    f(kind, key, paper);
                }
                Ok(())
            })
        })
    }

    fn stats(&self) -> Result<Stats> {
        self.read(|tx| {
            Ok(Stats {
                papers: tx.count("SELECT COUNT(*) FROM papers", &[])?,
                records: tx.count("SELECT COUNT(*) FROM sources", &[])?,
                authors: tx.count("SELECT COUNT(*) FROM authors", &[])?,
                sources: tx.count("SELECT COUNT(DISTINCT file) FROM sources", &[])?,
                batches: tx.count("SELECT COUNT(*) FROM batches", &[])?,
                merged_papers: tx.count(
                    "SELECT COUNT(*) FROM (SELECT paper_id FROM sources GROUP BY paper_id HAVING COUNT(*) > 1) m",
                    &[],
                )?,
            })
        })
    }

    fn paper(&self, id: PaperId) -> Result<Option<Paper>> {
        self.read(|tx| {
            tx.query_opt("SELECT data FROM papers WHERE id = $1", &[&id])?
                .map(|r| paper_from_json(r.get(0)))
                .transpose()
        })
    }

    fn papers_by_id(&self, ids: &[PaperId]) -> Result<Vec<Option<Paper>>> {
        let rows =
            self.read(|tx| tx.query("SELECT id, data FROM papers WHERE id = ANY($1)", &[&ids]))?;
        let mut found: HashMap<PaperId, Paper> = HashMap::with_capacity(rows.len());
        for r in &rows {
            found.insert(r.get(0), paper_from_json(r.get(1))?);
        }
        Ok(ids.iter().map(|id| found.get(id).cloned()).collect())
    }

    fn resolve_paper(&self, ident: &str) -> Result<Option<PaperId>> {
        let ident = ident.trim();
        self.read(|tx| {
            if let Ok(id) = ident.parse::<i64>() {
                if tx
                    .query_opt("SELECT 1 FROM papers WHERE id = $1", &[&id])?
                    .is_some()
                {
                    return Ok(Some(id));
                }
            }
            if let Some(a) = ArxivId::parse(ident) {
                if let Some(r) =
                    tx.query_opt("SELECT id FROM papers WHERE arxiv_id = $1", &[&a.id])?
                {
                    return Ok(Some(r.get(0)));
                }
            }
            if let Some(doi) = normalize_doi(ident) {
                return Ok(tx
                    .query_opt("SELECT id FROM papers WHERE doi = $1", &[&doi])?
                    .map(|r| r.get(0)));
            }
            Ok(None)
        })
    }

    fn sources(&self, id: PaperId) -> Result<Vec<StoredSource>> {
        self.read(|tx| tx.sources_of(id))
    }

    fn source_files_of(&self, ids: &[PaperId]) -> Result<Vec<Vec<String>>> {
        let rows = self.read(|tx| {
            tx.query(
                "SELECT paper_id, array_agg(DISTINCT file ORDER BY file) FROM sources
                 WHERE paper_id = ANY($1) GROUP BY paper_id",
                &[&ids],
            )
        })?;
        let files: HashMap<PaperId, Vec<String>> =
            rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        Ok(ids
            .iter()
            .map(|id| files.get(id).cloned().unwrap_or_default())
            .collect())
    }

    fn source_files(&self, id: PaperId) -> Result<Vec<String>> {
        self.read(|tx| {
            Ok(tx
                .query(
                    "SELECT DISTINCT file FROM sources WHERE paper_id = $1 ORDER BY file",
                    &[&id],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
    }

    fn list_papers(&self, filter: &PaperFilter) -> Result<Vec<Paper>> {
        // The SQL text varies with the filters present; every value is a
        // parameter. Placeholders are numbered as arguments are pushed.
        let mut sql = String::from("SELECT p.data FROM papers p WHERE TRUE");
        let mut args: Vec<Box<dyn ToSql + Sync>> = Vec::new();
        let mut push = |sql: &mut String, clause: &str, arg: Box<dyn ToSql + Sync>| {
            args.push(arg);
            sql.push_str(&clause.replace("$?", &format!("${}", args.len())));
        };
        if let Some(ids) = &filter.author_ids {
            push(
                &mut sql,
                " AND p.id IN (SELECT paper_id FROM paper_authors WHERE author_id = ANY($?))",
                Box::new(ids.clone()),
            );
        }
        if let Some(y) = filter.year_from {
            push(&mut sql, " AND p.year >= $?", Box::new(y));
        }
        if let Some(y) = filter.year_to {
            push(&mut sql, " AND p.year <= $?", Box::new(y));
        }
        if let Some(v) = &filter.venue {
            push(
                &mut sql,
                " AND lower(p.venue) LIKE $? ESCAPE '\\'",
                Box::new(format!("%{}%", v.to_lowercase())),
            );
        }
        if let Some(s) = &filter.source {
            push(
                &mut sql,
                " AND p.id IN (SELECT paper_id FROM sources WHERE file LIKE $?)",
                Box::new(format!("%{s}%")),
            );
        }
        sql.push_str(" ORDER BY p.year DESC NULLS LAST, p.id");
        push(
            &mut sql,
            " LIMIT $?",
            Box::new(filter.limit.map(|l| l as i64)),
        );
        push(&mut sql, " OFFSET $?", Box::new(filter.offset as i64));
        let refs: Vec<&(dyn ToSql + Sync)> = args.iter().map(|b| b.as_ref()).collect();
        self.read(|tx| {
            tx.tx
                .query(sql.as_str(), &refs)
                .map_err(db_err)?
                .iter()
                .map(|r| paper_from_json(r.get(0)))
                .collect()
        })
    }

    fn papers_changed_since(&self, batch: i64) -> Result<(Vec<Paper>, i64)> {
        self.read(|tx| {
            // One snapshot: `last` and the papers agree. Batch ids follow
            // commit order (see `write`), so nothing below `last` can still
            // appear later.
            let last = tx.last_batch()?;
            let papers = tx.papers(
                "SELECT data FROM papers WHERE updated_batch > $1 AND updated_batch <= $2 ORDER BY id",
                &[&batch, &last],
            )?;
            Ok((papers, last))
        })
    }

    fn last_batch(&self) -> Result<i64> {
        self.read(|tx| tx.last_batch())
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
            let add = |ids: &mut Vec<i64>, rows: Vec<Row>| {
                for r in rows {
                    let id: i64 = r.get(0);
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            };
            add(
                &mut ids,
                tx.query("SELECT id FROM authors WHERE key = $1", &[&name.key()])?,
            );
            if ids.is_empty() {
                let pattern = format!("%{}%", query.trim().to_lowercase());
                add(
                    &mut ids,
                    tx.query(
                        "SELECT author_id FROM author_names WHERE lower(name) LIKE $1 LIMIT 50",
                        &[&pattern],
                    )?,
                );
            }
            if ids.is_empty() {
                add(
                    &mut ids,
                    tx.query(
                        "SELECT id FROM authors WHERE family_key = $1 LIMIT 50",
                        &[&name.family_key()],
                    )?,
                );
            }
            let mut out = Vec::new();
            for id in ids {
                if let Some(s) = tx.author_summary(id)? {
                    out.push(s);
                }
            }
            out.sort_by(|a, b| b.papers.cmp(&a.papers).then(a.id.cmp(&b.id)));
            Ok(out)
        })
    }

    fn author(&self, id: i64) -> Result<Option<AuthorInfo>> {
        self.read(|tx| {
            let Some(summary) = tx.author_summary(id)? else {
                return Ok(None);
            };
            let name_variants = tx
                .query(
                    "SELECT name FROM author_names WHERE author_id = $1 ORDER BY name",
                    &[&id],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect();
            let papers = tx.papers(
                "SELECT data FROM papers WHERE id IN (SELECT paper_id FROM paper_authors WHERE author_id = $1)
                 ORDER BY year DESC NULLS LAST, id",
                &[&id],
            )?;
            let pairs: Vec<(i64, i64)> = tx
                .query(
                    "SELECT p2.author_id, COUNT(DISTINCT p2.paper_id) AS shared FROM paper_authors p1
                     JOIN paper_authors p2 ON p2.paper_id = p1.paper_id AND p2.author_id != p1.author_id
                     WHERE p1.author_id = $1 GROUP BY p2.author_id ORDER BY shared DESC, p2.author_id LIMIT 100",
                    &[&id],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect();
            let mut collaborators = Vec::new();
            for (other, shared) in pairs {
                if let Some(author) = tx.author_summary(other)? {
                    collaborators.push(Collaborator {
                        author,
                        shared_papers: shared as u64,
                    });
                }
            }
            Ok(Some(AuthorInfo {
                id,
                name: summary.name,
                name_variants,
                papers,
                collaborators,
            }))
        })
    }

    fn papers_needing_embedding(
        &self,
        model: &str,
        after: PaperId,
        limit: usize,
    ) -> Result<Vec<(Paper, i64)>> {
        self.read(|tx| {
            tx.query(
                "SELECT p.data, p.updated_batch FROM papers p
                 LEFT JOIN embeddings e ON e.paper_id = p.id AND e.model = $1
                 WHERE p.id > $3 AND (e.paper_id IS NULL OR e.batch < p.updated_batch)
                 ORDER BY p.id LIMIT $2",
                &[&model, &(limit as i64), &after],
            )?
            .iter()
            .map(|r| Ok((paper_from_json(r.get(0))?, r.get(1))))
            .collect()
        })
    }

    fn put_embeddings(&self, model: &str, items: &[(PaperId, i64, Vec<f32>)]) -> Result<()> {
        // One statement per chunk, not a round trip per vector.
        self.modify(|tx| {
            for chunk in items.chunks(EMBEDDINGS_PER_STATEMENT) {
                let papers: Vec<i64> = chunk.iter().map(|(p, _, _)| *p).collect();
                let batches: Vec<i64> = chunk.iter().map(|(_, b, _)| *b).collect();
                let vectors: Vec<pgvector::Vector> = chunk
                    .iter()
                    .map(|(_, _, v)| pgvector::Vector::from(v.clone()))
                    .collect();
                tx.execute(
                    "INSERT INTO embeddings (paper_id, model, batch, vector)
                     SELECT t.paper_id, $2, t.batch, t.vector
                     FROM unnest($1::BIGINT[], $3::BIGINT[], $4::vector[]) AS t(paper_id, batch, vector)
                     ON CONFLICT (paper_id, model) DO UPDATE SET batch = EXCLUDED.batch, vector = EXCLUDED.vector",
                    &[&papers, &model, &batches, &vectors],
                )?;
            }
            Ok(())
        })
    }

    fn begin_vector_load(&self, incoming: u64) -> Result<bool> {
        if incoming < BULK_VECTOR_LOAD {
            return Ok(false);
        }
        self.modify(|tx| {
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&VECTOR_INDEX_LOCK])?;
            let stored = tx.count("SELECT COUNT(*) FROM embeddings", &[])?;
            if incoming.saturating_mul(4) < stored {
                return Ok(false);
            }
            tx.execute("DROP INDEX IF EXISTS embeddings_hnsw_384", &[])?;
            Ok(true)
        })
    }

    fn ensure_vector_index(&self) -> Result<()> {
        self.modify(|tx| {
            // Two loads finishing at once build it once: the second waits
            // here, then finds it.
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&VECTOR_INDEX_LOCK])?;
            if !maintenance::vector_index_missing_in(tx)? {
                return Ok(());
            }
            let vectors = tx.count("SELECT COUNT(*) FROM embeddings", &[])?;
            let memory = (vectors * HNSW_BUILD_BYTES_PER_VECTOR).min(HNSW_BUILD_MAX_BYTES);
            // Raised for this transaction only, never lowered below the
            // server's own setting.
            tx.query_one(
                "SELECT set_config('maintenance_work_mem',
                     GREATEST(pg_size_bytes(current_setting('maintenance_work_mem')), $1) / 1024 || 'kB',
                     true)",
                &[&(memory as i64)],
            )?;
            tx.execute(CREATE_HNSW_INDEX, &[])?;
            Ok(())
        })
    }

    fn for_each_embedding(&self, model: &str, f: &mut dyn FnMut(PaperId, &[f32])) -> Result<()> {
        self.read(|tx| {
            tx.for_each_row(
                "SELECT paper_id, vector FROM embeddings WHERE model = $1",
                &[&model],
                |row| {
                    let vector: pgvector::Vector = row.get(1);
                    f(row.get(0), vector.as_slice());
                    Ok(())
                },
            )
        })
    }

    fn embedding_count(&self, model: &str) -> Result<u64> {
        self.read(|tx| {
            tx.count(
                "SELECT COUNT(*) FROM embeddings WHERE model = $1",
                &[&model],
            )
        })
    }

    fn put_user_item(&self, kind: &str, key: &str, value: &str) -> Result<()> {
        self.modify(|tx| {
            tx.execute(
                "INSERT INTO user_items (kind, key, value, created_at)
                 VALUES ($1, $2, $3, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'))
                 ON CONFLICT (kind, key) DO UPDATE SET value = EXCLUDED.value",
                &[&kind, &key, &value],
            )?;
            Ok(())
        })
    }

    fn delete_user_item(&self, kind: &str, key: &str) -> Result<bool> {
        self.modify(|tx| {
            Ok(tx.execute(
                "DELETE FROM user_items WHERE kind = $1 AND key = $2",
                &[&kind, &key],
            )? > 0)
        })
    }

    fn user_items(&self, kind: &str) -> Result<Vec<UserItem>> {
        self.read(|tx| {
            Ok(tx
                .query(
                    "SELECT kind, key, value, created_at FROM user_items WHERE kind = $1 ORDER BY created_at, key",
                    &[&kind],
                )?
                .iter()
                .map(user_item)
                .collect())
        })
    }

    fn all_user_items(&self) -> Result<Vec<UserItem>> {
        self.read(|tx| {
            Ok(tx
                .query(
                    "SELECT kind, key, value, created_at FROM user_items ORDER BY kind, created_at, key",
                    &[],
                )?
                .iter()
                .map(user_item)
                .collect())
        })
    }

    fn embeddings_fingerprint(&self, model: &str) -> Result<(u64, i64)> {
        self.read(|tx| {
            let row = tx.query_one(
                "SELECT COUNT(*), COALESCE(SUM(batch), 0)::BIGINT FROM embeddings WHERE model = $1",
                &[&model],
            )?;
            Ok((row.get::<_, i64>(0) as u64, row.get::<_, i64>(1)))
        })
    }

    fn batches(&self) -> Result<Vec<BatchInfo>> {
        self.read(|tx| {
            Ok(tx
                .query(
                    "SELECT id, label, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')
                     FROM batches ORDER BY id",
                    &[],
                )?
                .iter()
                .map(|r| BatchInfo {
                    id: r.get(0),
                    label: r.get(1),
                    started_at: r.get(2),
                })
                .collect())
        })
    }

    fn papers_created_since(&self, batch: i64) -> Result<Vec<(Paper, i64)>> {
        self.read(|tx| {
            tx.query(
                "SELECT data, created_batch FROM papers WHERE created_batch > $1 ORDER BY id",
                &[&batch],
            )?
            .iter()
            .map(|r| Ok((paper_from_json(r.get(0))?, r.get(1))))
            .collect()
        })
    }

    fn replace_topics(&self, set: &NewTopicSet) -> Result<()> {
        self.modify(|tx| {
            // Replacements take turns (readers do not wait: their snapshots
            // see the old set or the new one, whole).
            tx.execute("LOCK TABLE topic_runs IN EXCLUSIVE MODE", &[])?;
            tx.execute("DELETE FROM paper_topics", &[])?;
            tx.execute("DELETE FROM topics", &[])?;
            tx.execute("DELETE FROM topic_runs", &[])?;
            tx.execute(
                "INSERT INTO topic_runs (id, model, batch, papers) VALUES (1, $1, $2, $3)",
                &[&set.model, &set.batch, &(set.papers as i64)],
            )?;
            for topic in &set.topics {
                tx.execute(
                    "INSERT INTO topics (id, label, terms, size) VALUES ($1, $2, $3, $4)",
                    &[
                        &topic.id,
                        &topic.label,
                        &topic.terms,
                        &(topic.papers.len() as i64),
                    ],
                )?;
                // One round trip for all of a topic's papers.
                tx.execute(
                    "INSERT INTO paper_topics (paper_id, topic_id) SELECT p, $2 FROM unnest($1::BIGINT[]) AS p",
                    &[&topic.papers, &topic.id],
                )?;
            }
            Ok(())
        })
    }

    fn topics(&self) -> Result<Option<TopicSet>> {
        self.read(|tx| {
            let Some(run) = tx.query_opt(
                "SELECT model, batch, papers FROM topic_runs WHERE id = 1",
                &[],
            )?
            else {
                return Ok(None);
            };
            let topics = tx
                .query("SELECT id, label, terms, size FROM topics ORDER BY id", &[])?
                .iter()
                .map(topic)
                .collect();
            Ok(Some(TopicSet {
                model: run.get(0),
                batch: run.get(1),
                papers: run.get::<_, i64>(2) as u64,
                topics,
            }))
        })
    }

    fn topic_papers(&self, topic: i64) -> Result<Vec<PaperId>> {
        self.read(|tx| {
            Ok(tx
                .query(
                    "SELECT paper_id FROM paper_topics WHERE topic_id = $1 ORDER BY paper_id",
                    &[&topic],
                )?
                .iter()
                .map(|r| r.get(0))
                .collect())
        })
    }

    fn paper_topics(&self) -> Result<Vec<(PaperId, i64)>> {
        self.read(|tx| {
            Ok(tx
                .query(
                    "SELECT paper_id, topic_id FROM paper_topics ORDER BY paper_id",
                    &[],
                )?
                .iter()
                .map(|r| (r.get(0), r.get(1)))
                .collect())
        })
    }

    fn topic_of_paper(&self, paper: PaperId) -> Result<Option<Topic>> {
        self.read(|tx| {
            Ok(tx
                .query_opt(
                    "SELECT t.id, t.label, t.terms, t.size FROM paper_topics pt
                     JOIN topics t ON t.id = pt.topic_id WHERE pt.paper_id = $1",
                    &[&paper],
                )?
                .as_ref()
                .map(topic))
        })
    }

    fn author_topics(&self, author: i64) -> Result<Vec<(Topic, u64)>> {
        self.read(|tx| {
            Ok(tx
                .query(
                    "SELECT t.id, t.label, t.terms, t.size, COUNT(*) AS n FROM paper_authors pa
                     JOIN paper_topics pt ON pt.paper_id = pa.paper_id
                     JOIN topics t ON t.id = pt.topic_id
                     WHERE pa.author_id = $1 GROUP BY t.id ORDER BY n DESC, t.id",
                    &[&author],
                )?
                .iter()
                .map(|r| (topic(r), r.get::<_, i64>(4) as u64))
                .collect())
        })
    }

    fn papers_lacking_tldr(&self, after: PaperId, limit: usize) -> Result<Vec<Paper>> {
        self.read(|tx| {
            // PostgreSQL's JSON functions refuse a document holding the
            // escape \u0000 (no text can hold it), and one such paper would
            // fail the whole query: it is read with U+FFFD's escape in its
            // place, which leaves whether there is a tl;dr or an abstract as
            // it was.
            tx.papers(
                "SELECT p.data FROM papers p,
                 LATERAL (SELECT replace(p.data, '\\u0000', '\\ufffd')::json AS j) d
                 WHERE p.id > $1 AND d.j ->> 'tldr' IS NULL AND COALESCE(d.j ->> 'abstract', '') <> ''
                 ORDER BY p.id LIMIT $2",
                &[&after, &(limit as i64)],
            )
        })
    }

    fn put_generated_tldrs(&self, items: &[GeneratedTldr]) -> Result<usize> {
        if items.is_empty() {
            return Ok(0);
        }
        self.modify(|tx| {
            // Under the write lock, as an ingest batch: no batch can change
            // these papers between the check and the update (and no two
            // writers of papers can deadlock on their rows).
            tx.execute("SELECT pg_advisory_xact_lock($1)", &[&WRITE_LOCK])?;
            let ids: Vec<i64> = items.iter().map(|i| i.paper_id).collect();
            let mut papers: HashMap<PaperId, Paper> = HashMap::new();
            for row in tx.query("SELECT data FROM papers WHERE id = ANY($1)", &[&ids])? {
                let paper = paper_from_json(row.get(0))?;
                papers.insert(paper.id, paper);
            }
            // Written into the paper's data without a new batch, as on
            // SQLite: a generated tl;dr is derived from the abstract, which
            // indexes and embeddings already have. Re-merging the paper (a
            // new source) drops it, and the next pass makes it again from
            // the then current abstract.
            let (mut ids, mut data) = (Vec::new(), Vec::new());
            for item in items {
                let Some(paper) = papers.get_mut(&item.paper_id) else {
                    continue;
                };
                if paper.tldr.is_some()
                    || paper.abstract_text.as_deref() != Some(item.abstract_text.as_str())
                {
                    continue;
                }
                paper.tldr = Some(item.tldr.clone());
                paper.tldr_generated = true;
                ids.push(paper.id);
                data.push(serde_json::to_string(&*paper).map_err(|source| {
                    StoreError::Corrupt {
                        what: "paper",
                        source,
                    }
                })?);
            }
            let stored = tx.execute(
                "UPDATE papers SET data = u.data FROM unnest($1::BIGINT[], $2::TEXT[]) AS u(id, data)
                 WHERE papers.id = u.id",
                &[&ids, &data],
            )?;
            Ok(stored as usize)
        })
    }

    fn vector_index_missing(&self) -> Result<bool> {
        maintenance::vector_index_missing(self)
    }

    fn integrity_problems(&self) -> Result<Vec<String>> {
        maintenance::integrity_problems(self)
    }

    fn papers_without_sources(&self) -> Result<Vec<PaperId>> {
        maintenance::papers_without_sources(self)
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

    fn paper_batches(&self) -> Result<Vec<PaperBatches>> {
        self.read(|tx| {
            Ok(tx
                .query(
                    "SELECT id, created_batch, updated_batch FROM papers ORDER BY id",
                    &[],
                )?
                .iter()
                .map(|r| PaperBatches {
                    id: r.get(0),
                    created: r.get(1),
                    updated: r.get(2),
                })
                .collect())
        })
    }

    fn papers_created_through(&self, batch: i64) -> Result<u64> {
        self.read(|tx| {
            tx.count(
                "SELECT COUNT(*) FROM papers WHERE created_batch <= $1",
                &[&batch],
            )
        })
    }

    fn storage_bytes(&self) -> Result<u64> {
        self.read(|tx| tx.count("SELECT pg_database_size(current_database())", &[]))
    }

    fn backup_to(&self, dest: &Path) -> Result<()> {
        crate::dump::dump(&self.config, dest)
    }

    fn restore_from(&self, src: &Path) -> Result<()> {
        let used = self.read(|tx| {
            tx.count(
                "SELECT (SELECT COUNT(*) FROM batches) + (SELECT COUNT(*) FROM user_items) + (SELECT COUNT(*) FROM papers)",
                &[],
            )
        })?;
        if used > 0 {
            return Err(StoreError::Backup(format!(
                "the library at {} is not empty; restore into a new database",
                self.url
            )));
        }
        crate::dump::restore(&self.config, src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paperdex_store::pack_keys;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact_password("postgres://lab:s3cret@db.example:5432/paperdex"),
            "postgres://lab:***@db.example:5432/paperdex"
        );
        assert_eq!(
            redact_password("postgres://lab@db/paperdex"),
            "postgres://lab@db/paperdex"
        );
        assert_eq!(redact_password("host=db user=lab"), "host=db user=lab");
    }

    #[test]
    fn descriptions_name_the_database_not_the_credentials() {
        assert_eq!(
            PostgresStore::describe("postgres://lab:s3cret@db.example/paperdex").as_deref(),
            Some("db.example:5432/paperdex")
        );
        assert_eq!(PostgresStore::describe("postgres://[bad"), None);
    }

    #[test]
    fn match_keys_pack_like_the_sqlite_backend() {
        let keys = vec![(1u8, -5i64), (4, 1 << 40)];
        let packed = pack_keys(&keys);
        assert_eq!(packed.len(), 18);
        assert_eq!(unpack_keys(&packed).collect::<Vec<_>>(), keys);
    }
}
