//! One module per subcommand: its `Args` and its `run`.
pub mod author;
pub mod ingest;
pub mod list;
pub mod show;
pub mod stats;
