//! The library on PostgreSQL: [`PostgresStore`] implements paperdex-store's
//! [`Store`](paperdex_store::Store) and [`WriteTx`](paperdex_store::WriteTx)
//! on a PostgreSQL 18 server with pgvector, so that a lab, a department or a
//! mirror of a whole field shares one library: many processes read, several
//! ingest, and streaming replication keeps copies.
//!
//! ```no_run
//! use paperdex_store::Store;
//! let store = paperdex_store_postgres::PostgresStore::open("postgres://paperdex@localhost/paperdex")?;
//! println!("{} papers", store.stats()?.papers);
//! # Ok::<(), paperdex_store::StoreError>(())
//! ```
//!
//! Design, in short:
//! - The schema mirrors the SQLite one (`src/migrations/`, applied by
//!   refinery on open under a session advisory lock, so two processes opening
//!   a new database at once do not race), with the same unique constraints:
//!   one paper per arXiv id and per DOI, one source per record content hash.
//!   Embeddings live in a pgvector column with an HNSW index.
//! - Writers are serialized by a transaction-level advisory lock taken first
//!   in every [`Store::write`](paperdex_store::Store::write), and a batch's id
//!   is drawn only after the lock is held. Batch ids therefore increase in
//!   commit order, which is what lets full-text indexes of several serving
//!   processes follow `papers_changed_since` without skipping a batch, and
//!   lets each ingesting process catch its in-memory match index up with
//!   `WriteTx::match_keys_since` inside its own transaction.
//! - Reads run in `REPEATABLE READ READ ONLY` transactions: one snapshot per
//!   call, as on SQLite's WAL; they also run on a hot-standby replica.
//! - The driver is the synchronous `postgres` crate (the trait is synchronous
//!   and called from rayon workers), pooled by r2d2, with each connection
//!   keeping its prepared statements. All SQL is parameterized.
#![deny(missing_docs)]

mod dump;
mod pool;
mod store;
#[cfg(feature = "testing")]
pub mod test_server;

pub use store::PostgresStore;

/// True when `url` names a PostgreSQL store (`postgres://` or `postgresql://`).
pub fn is_postgres_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

#[cfg(test)]
mod tests {
    #[test]
    fn recognizes_postgres_urls_only() {
        assert!(super::is_postgres_url("postgres://u@h/db"));
        assert!(super::is_postgres_url("PostgreSQL://h:5432/db"));
        assert!(!super::is_postgres_url("/var/lib/paperdex"));
        assert!(!super::is_postgres_url("sqlite:///x"));
    }
}
