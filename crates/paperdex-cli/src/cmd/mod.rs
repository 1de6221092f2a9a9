//! One module per subcommand: its `Args` and its `run`.
pub mod author;
pub mod backup;
pub mod bench;
pub mod check;
pub mod embed;
pub mod ingest;
pub mod list;
pub mod search;
pub mod show;
pub mod similar;
pub mod stats;
