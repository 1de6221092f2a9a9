//! `paperdex check` on PostgreSQL: what the server's own guarantees leave
//! to verify, the embeddings' health, and a digest of the content.
//!
//! The server enforces every foreign key and unique constraint as rows are
//! written, so broken references cannot be stored the way they can in a
//! damaged SQLite file. What can go wrong is a constraint or index left
//! unusable (added `NOT VALID`, an interrupted concurrent build) and the
//! vector index dropped for a bulk load by a run that died before building
//! it again: those are reported.

use super::{PostgresStore, Tx, HNSW_INDEX};
use paperdex_model::PaperId;
use paperdex_store::{EmbeddingHealth, Result};
use xxhash_rust::xxh3::Xxh3;

/// The content a digest covers, row by row as the server prints it, in a
/// fixed order. The columns are SQLite's (`paperdex_store`'s digest), but
/// values print differently, so digests compare within one backend only.
/// Batch ids are left out: a batch that failed still used up its id.
const DIGEST_QUERIES: [(&str, &str); 8] = [
    (
        "papers",
        "SELECT ROW(id, arxiv_id, doi, title, year, venue, data)::text FROM papers ORDER BY id",
    ),
    (
        "sources",
        "SELECT ROW(id, paper_id, content_hash, format, file, line, record_index, record, rule, score, detail)::text
         FROM sources ORDER BY id",
    ),
    (
        "authors",
        "SELECT ROW(id, key, family_key, name)::text FROM authors ORDER BY id",
    ),
    (
        "author_names",
        "SELECT ROW(author_id, name)::text FROM author_names ORDER BY author_id, name",
    ),
    (
        "paper_authors",
        "SELECT ROW(paper_id, position, author_id)::text FROM paper_authors ORDER BY paper_id, position",
    ),
    (
        "paper_keys",
        "SELECT ROW(paper_id, keys)::text FROM paper_keys ORDER BY paper_id",
    ),
    (
        "user_items",
        "SELECT ROW(kind, key, value, created_at)::text FROM user_items ORDER BY kind, key",
    ),
    // Vectors may differ in their last bits with how papers were batched
    // for the model; what must match is which papers have one.
    (
        "embeddings",
        "SELECT ROW(model, paper_id)::text FROM embeddings ORDER BY model, paper_id",
    ),
];

pub(super) fn integrity_problems(store: &PostgresStore) -> Result<Vec<String>> {
    store.read(|tx| {
        let mut problems = Vec::new();
        for row in tx.query(
            "SELECT conrelid::regclass::text, conname::text FROM pg_constraint
             WHERE NOT convalidated AND connamespace = current_schema()::regnamespace
             ORDER BY 1, 2",
            &[],
        )? {
            let (table, constraint): (String, String) = (row.get(0), row.get(1));
            problems.push(format!(
                "constraint {constraint} of {table} is not validated: rows written before it may break it"
            ));
        }
        for row in tx.query(
            "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
             WHERE NOT (i.indisvalid AND i.indisready) AND c.relnamespace = current_schema()::regnamespace
             ORDER BY 1",
            &[],
        )? {
            let index: String = row.get(0);
            problems.push(format!(
                "index {index} is not usable (an interrupted build): REINDEX INDEX {index}"
            ));
        }
        Ok(problems)
    })
}

pub(super) fn vector_index_missing(store: &PostgresStore) -> Result<bool> {
    store.read(vector_index_missing_in)
}

pub(super) fn vector_index_missing_in(tx: &mut Tx<'_>) -> Result<bool> {
    Ok(tx
        .query_opt("SELECT to_regclass($1::text)::text", &[&HNSW_INDEX])?
        .and_then(|r| r.get::<_, Option<String>>(0))
        .is_none())
}

pub(super) fn papers_without_sources(store: &PostgresStore) -> Result<Vec<PaperId>> {
    store.read(|tx| {
        Ok(tx
            .query(
                "SELECT id FROM papers p WHERE NOT EXISTS (SELECT 1 FROM sources s WHERE s.paper_id = p.id)
                 ORDER BY id",
                &[],
            )?
            .iter()
            .map(|r| r.get(0))
            .collect())
    })
}

pub(super) fn embedding_health(
    store: &PostgresStore,
    model: &str,
    dim: usize,
) -> Result<EmbeddingHealth> {
    let dim = dim as i32;
    store.read(|tx| {
        let current = tx.count(
            "SELECT COUNT(*) FROM papers p JOIN embeddings e ON e.paper_id = p.id AND e.model = $1
             WHERE e.batch >= p.updated_batch AND vector_dims(e.vector) = $2",
            &[&model, &dim],
        )?;
        let missing = tx.count(
            "SELECT COUNT(*) FROM papers p WHERE NOT EXISTS
             (SELECT 1 FROM embeddings e WHERE e.paper_id = p.id AND e.model = $1)",
            &[&model],
        )?;
        let stale = tx.count(
            "SELECT COUNT(*) FROM papers p JOIN embeddings e ON e.paper_id = p.id AND e.model = $1
             WHERE e.batch < p.updated_batch AND vector_dims(e.vector) = $2",
            &[&model, &dim],
        )?;
        let malformed = tx.count(
            "SELECT COUNT(*) FROM embeddings WHERE model = $1 AND vector_dims(vector) <> $2",
            &[&model, &dim],
        )?;
        let other_models = tx
            .query(
                "SELECT model, COUNT(*) FROM embeddings WHERE model <> $1 GROUP BY model ORDER BY model",
                &[&model],
            )?
            .iter()
            .map(|r| (r.get(0), r.get::<_, i64>(1) as u64))
            .collect();
        Ok(EmbeddingHealth {
            current,
            missing,
            stale,
            malformed,
            other_models,
        })
    })
}

pub(super) fn delete_malformed_embeddings(
    store: &PostgresStore,
    model: &str,
    dim: usize,
) -> Result<u64> {
    store.modify(|tx| {
        tx.execute(
            "DELETE FROM embeddings WHERE model = $1 AND vector_dims(vector) <> $2",
            &[&model, &(dim as i32)],
        )
    })
}

pub(super) fn content_digest(store: &PostgresStore) -> Result<String> {
    store.read(|tx| {
        let mut hasher = Xxh3::new();
        for (table, sql) in DIGEST_QUERIES {
            hasher.update(table.as_bytes());
            tx.for_each_row(sql, &[], |row| {
                let text: &str = row.get(0);
                hasher.update(&(text.len() as u64).to_le_bytes());
                hasher.update(text.as_bytes());
                Ok(())
            })?;
        }
        Ok(format!("{:032x}", hasher.digest128()))
    })
}
