use crate::pool::{cached, db_err, Conn, Manager};
use paperdex_model::{normalize_doi, ArxivId, Format, Paper, PaperId, PersonName, SourceId};
use paperdex_store::{
    pack_keys, unpack_keys, AuthorInfo, AuthorSummary, BatchInfo, Collaborator, GeneratedTldr,
    NewSource, NewTopicSet, PaperFilter, Result, Stats, Store, StoreError, StoredSource, Topic,
    TopicSet, UserItem, WriteTx,
};
use postgres::types::ToSql;
use postgres::{IsolationLevel, NoTls, Row, Statement, Transaction};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use tracing::info;

mod embedded {
    refinery::embed_migrations!("src/migrations");
}

/// Advisory lock keys ("paperdex" and "paperdeY" as big-endian bytes): one
/// serializes writers, the other schema migrations.
const WRITE_LOCK: i64 = 0x7061_7065_7264_6578;
const MIGRATE_LOCK: i64 = 0x7061_7065_7264_6579;
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
            "SELECT id, paper_id, format, file, line, record_index, raw, fields, rule, score, detail, batch_id
             FROM sources WHERE paper_id = $1 ORDER BY id",
            &[&paper],
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
    let format: String = r.get(2);
    let fields: String = r.get(7);
    Ok(StoredSource {
        id: r.get(0),
        paper_id: r.get(1),
        // Formats are written by this crate from `Format::name`, so an
        // unknown one is a corrupt row; fall back rather than fail a read
        // (as the SQLite backend does).
        format: format.parse().unwrap_or(Format::ConferenceList),
        file: r.get(3),
        line: r.get::<_, i64>(4) as usize,
        index: r.get::<_, i64>(5) as usize,
        raw: r.get(6),
        fields: serde_json::from_str(&fields).map_err(|source| StoreError::Corrupt {
            what: "source fields",
            source,
        })?,
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

fn paper_from_json(data: &str) -> Result<Paper> {
    serde_json::from_str(data).map_err(|source| StoreError::Corrupt {
        what: "paper",
        source,
    })
}

/// One ingest batch.
struct PgWriteTx<'a> {
    tx: Tx<'a>,
    batch: i64,
}

impl WriteTx for PgWriteTx<'_> {
    fn batch_id(&self) -> i64 {
        self.batch
    }

    fn source_exists(&mut self, content_hash: &str) -> Result<bool> {
        Ok(self
            .tx
            .query_opt(
                "SELECT 1 FROM sources WHERE content_hash = $1",
                &[&content_hash],
            )?
            .is_some())
    }

    fn insert_source(&mut self, s: &NewSource<'_>) -> Result<SourceId> {
        let fields =
            serde_json::to_string(&s.record.fields).map_err(|source| StoreError::Corrupt {
                what: "source fields",
                source,
            })?;
        let row = self.tx.query_one(
            "INSERT INTO sources (paper_id, content_hash, format, file, line, record_index, raw, fields, rule, score, detail, batch_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
            &[
                &s.paper_id,
                &s.content_hash,
                &s.record.format.name(),
                &s.record.file,
                &(s.record.line as i64),
                &(s.record.index as i64),
                &s.record.raw,
                &fields,
                &s.rule,
                &s.score,
                &s.detail,
                &self.batch,
            ],
        )?;
        Ok(row.get(0))
    }

    fn new_paper(&mut self) -> Result<PaperId> {
        Ok(self
            .tx
            .query_one(
                "INSERT INTO papers (title, data, created_batch, updated_batch) VALUES ('', '{}', $1, $1) RETURNING id",
                &[&self.batch],
            )?
            .get(0))
    }

    fn sources_of(&mut self, paper: PaperId) -> Result<Vec<StoredSource>> {
        self.tx.sources_of(paper)
    }

    fn save_paper(&mut self, paper: &Paper, match_keys: &[(u8, i64)]) -> Result<()> {
        let data = serde_json::to_string(paper).map_err(|source| StoreError::Corrupt {
            what: "paper",
            source,
        })?;
        self.tx.execute(
            "UPDATE papers SET arxiv_id = $2, doi = $3, title = $4, year = $5, venue = $6, data = $7, updated_batch = $8
             WHERE id = $1",
            &[
                &paper.id,
                &paper.arxiv_id.as_ref().map(|a| a.id.as_str()),
                &paper.doi,
                &paper.title,
                &paper.year,
                &paper.venue,
                &data,
                &self.batch,
            ],
        )?;
        self.tx.execute(
            "DELETE FROM paper_authors WHERE paper_id = $1",
            &[&paper.id],
        )?;
        if !paper.authors.is_empty() {
            // One round trip for the whole author list.
            let positions: Vec<i64> = (0..paper.authors.len() as i64).collect();
            let authors: Vec<i64> = paper.authors.iter().map(|a| a.id).collect();
            self.tx.execute(
                "INSERT INTO paper_authors (paper_id, position, author_id)
                 SELECT $1, t.position, t.author_id FROM unnest($2::BIGINT[], $3::BIGINT[]) AS t(position, author_id)
                 ON CONFLICT DO NOTHING",
                &[&paper.id, &positions, &authors],
            )?;
        }
        self.tx.execute(
            "INSERT INTO paper_keys (paper_id, keys) VALUES ($1, $2)
             ON CONFLICT (paper_id) DO UPDATE SET keys = EXCLUDED.keys",
            &[&paper.id, &pack_keys(match_keys)],
        )?;
        Ok(())
    }

    fn paper_author_ids(&mut self, paper: PaperId) -> Result<Vec<i64>> {
        Ok(self
            .tx
            .query(
                "SELECT author_id FROM paper_authors WHERE paper_id = $1 ORDER BY position",
                &[&paper],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn author_by_key(&mut self, key: &str) -> Result<Option<i64>> {
        Ok(self
            .tx
            .query_opt("SELECT id FROM authors WHERE key = $1", &[&key])?
            .map(|r| r.get(0)))
    }

    fn authors_by_family(&mut self, family_key: &str) -> Result<Vec<(i64, String)>> {
        Ok(self
            .tx
            .query(
                "SELECT id, name FROM authors WHERE family_key = $1 ORDER BY id",
                &[&family_key],
            )?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn coauthor_keys(&mut self, author: i64) -> Result<Vec<String>> {
        Ok(self
            .tx
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
    }

    fn insert_author(&mut self, key: &str, family_key: &str, name: &str) -> Result<i64> {
        let id: i64 = self
            .tx
            .query_one(
                "INSERT INTO authors (key, family_key, name) VALUES ($1, $2, $3) RETURNING id",
                &[&key, &family_key, &name],
            )?
            .get(0);
        self.add_author_name(id, name)?;
        Ok(id)
    }

    fn add_author_name(&mut self, author: i64, name: &str) -> Result<()> {
        self.tx.execute(
            "INSERT INTO author_names (author_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&author, &name],
        )?;
        Ok(())
    }

    fn match_keys_since(&mut self, batch: i64) -> Result<Vec<paperdex_store::PaperMatchKeys>> {
        // READ COMMITTED and the write lock already held: this statement sees
        // every batch committed before ours.
        let rows = self.tx.query(
            "SELECT k.paper_id, k.keys FROM papers p JOIN paper_keys k ON k.paper_id = p.id
             WHERE p.updated_batch > $1 AND p.updated_batch < $2",
            &[&batch, &self.batch],
        )?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), unpack_keys(r.get(1)).collect()))
            .collect())
    }
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
        let mut wtx = PgWriteTx { tx, batch };
        // On error `wtx` drops here and its transaction rolls back.
        f(&mut wtx)?;
        wtx.tx.tx.commit().map_err(db_err)?;
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

    fn papers_needing_embedding(&self, model: &str, limit: usize) -> Result<Vec<(Paper, i64)>> {
        self.read(|tx| {
            tx.query(
                "SELECT p.data, p.updated_batch FROM papers p
                 LEFT JOIN embeddings e ON e.paper_id = p.id AND e.model = $1
                 WHERE e.paper_id IS NULL OR e.batch < p.updated_batch
                 ORDER BY p.id LIMIT $2",
                &[&model, &(limit as i64)],
            )?
            .iter()
            .map(|r| Ok((paper_from_json(r.get(0))?, r.get(1))))
            .collect()
        })
    }

    fn put_embeddings(&self, model: &str, items: &[(PaperId, i64, Vec<f32>)]) -> Result<()> {
        self.modify(|tx| {
            for (paper, batch, vector) in items {
                let vector = pgvector::Vector::from(vector.clone());
                tx.execute(
                    "INSERT INTO embeddings (paper_id, model, batch, vector) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (paper_id, model) DO UPDATE SET batch = EXCLUDED.batch, vector = EXCLUDED.vector",
                    &[paper, &model, batch, &vector],
                )?;
            }
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

    // Topics and generated tl;drs need their tables on PostgreSQL (a V2
    // migration mirroring SQLite's 0003); until then these say so plainly.
    fn replace_topics(&self, _set: &NewTopicSet) -> Result<()> {
        Err(StoreError::Unsupported("topics on PostgreSQL"))
    }

    fn topics(&self) -> Result<Option<TopicSet>> {
        Err(StoreError::Unsupported("topics on PostgreSQL"))
    }

    fn topic_papers(&self, _topic: i64) -> Result<Vec<PaperId>> {
        Err(StoreError::Unsupported("topics on PostgreSQL"))
    }

    fn paper_topics(&self) -> Result<Vec<(PaperId, i64)>> {
        Err(StoreError::Unsupported("topics on PostgreSQL"))
    }

    fn topic_of_paper(&self, _paper: PaperId) -> Result<Option<Topic>> {
        Ok(None)
    }

    fn author_topics(&self, _author: i64) -> Result<Vec<(Topic, u64)>> {
        Ok(Vec::new())
    }

    fn papers_lacking_tldr(&self, _after: PaperId, _limit: usize) -> Result<Vec<Paper>> {
        Err(StoreError::Unsupported("generated tl;drs on PostgreSQL"))
    }

    fn put_generated_tldrs(&self, _items: &[GeneratedTldr]) -> Result<usize> {
        Err(StoreError::Unsupported("generated tl;drs on PostgreSQL"))
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
