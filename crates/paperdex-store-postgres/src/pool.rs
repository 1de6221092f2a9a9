//! Pooled connections that keep their prepared statements.
//!
//! r2d2 pools the connections; what it cannot do is remember statements per
//! connection, and re-preparing costs a round trip per query (ingest issues
//! a dozen queries per record). So the pooled item is a [`Conn`]: a client
//! and its statement cache, keyed by the SQL text (always a `&'static str`
//! written in this crate).

use paperdex_store::StoreError;
use postgres::{Client, NoTls, Statement};
use std::collections::HashMap;

/// A connection and the statements prepared on it.
pub(crate) struct Conn {
    pub client: Client,
    pub statements: HashMap<&'static str, Statement>,
}

/// Opens [`Conn`]s for r2d2.
pub(crate) struct Manager {
    pub config: postgres::Config,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Conn, postgres::Error> {
        Ok(Conn {
            client: self.config.connect(NoTls)?,
            statements: HashMap::new(),
        })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.client.is_closed()
    }
}

/// Converts a driver error into the store's error type.
pub(crate) fn db_err(e: postgres::Error) -> StoreError {
    StoreError::Backend(Box::new(e))
}

/// Prepares `sql` once per connection, through anything that can prepare
/// (a client or a transaction on it).
pub(crate) fn cached(
    statements: &mut HashMap<&'static str, Statement>,
    prepare: impl FnOnce(&'static str) -> Result<Statement, postgres::Error>,
    sql: &'static str,
) -> Result<Statement, StoreError> {
    if let Some(s) = statements.get(sql) {
        return Ok(s.clone());
    }
    let s = prepare(sql).map_err(db_err)?;
    statements.insert(sql, s.clone());
    Ok(s)
}
