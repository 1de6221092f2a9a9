//! One module per subcommand: its `Args` and its `run`.
pub mod author;
pub mod bench;
pub mod bench_scale;
pub mod bench_recommend;
pub mod embed;
pub mod ingest;
pub mod list;
pub mod recommend;
pub mod search;
pub mod show;
pub mod similar;
pub mod star;
pub mod stats;
pub mod topics;
pub mod trending;
