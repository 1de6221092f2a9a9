//! One module per subcommand: its `Args` and its `run`.
pub mod author;
pub mod bench;
pub mod digest;
pub mod embed;
pub mod export;
pub mod follow;
pub mod ingest;
pub mod list;
pub mod search;
pub mod show;
pub mod similar;
pub mod stats;
