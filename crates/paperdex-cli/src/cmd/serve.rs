//! `paperdex serve`: the web UI and JSON API over the library
//! (`paperdex-server`), on a multi-threaded tokio runtime.

use crate::library;
use anyhow::{Context, Result};
use paperdex_server::{AppState, ServerOptions};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

/// The log filter when `PAPERDEX_LOG` is unset: request logs and library
/// refreshes, warnings from the rest.
pub const DEFAULT_LOG: &str = "warn,paperdex_server=info,paperdex_search=info,tower_http=info";

/// Where `serve` listens when neither `--addr` nor the config says.
const DEFAULT_ADDR: &str = "127.0.0.1:8080";

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on [default: [server] addr of the config, else 127.0.0.1:8080]
    #[arg(long, value_name = "HOST:PORT")]
    addr: Option<SocketAddr>,
    /// Largest upload accepted by POST /api/ingest, in MiB
    #[arg(long, default_value_t = 32, value_name = "MIB")]
    max_upload_mib: usize,
}

/// `token`: the write token from the config or `PAPERDEX_TOKEN` (none: writes disabled).
/// `config_addr`: `[server] addr` of the config.
pub fn run(
    paths: &library::Paths,
    args: Args,
    token: Option<String>,
    config_addr: Option<&str>,
) -> Result<ExitCode> {
    let addr: SocketAddr = match (args.addr, config_addr) {
        (Some(addr), _) => addr,
        (None, Some(text)) => text
            .parse()
            .with_context(|| format!("[server] addr '{text}' in the config is not HOST:PORT"))?,
        (None, None) => DEFAULT_ADDR.parse().expect("valid default address"),
    };
    let engine = Arc::new(library::open_engine(paths, true)?);
    let papers = engine.store().stats()?.papers;
    let semantic = engine.embedder().is_some();
    let token = token.filter(|t| !t.trim().is_empty());
    let writes = token.is_some();
    let options = ServerOptions {
        token,
        max_body_bytes: args.max_upload_mib.max(1) * 1024 * 1024,
        ..Default::default()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let bound = listener.local_addr()?;
        eprintln!(
            "paperdex: serving {papers} papers on http://{bound}/ (API docs: http://{bound}/api/docs)"
        );
        if !writes {
            eprintln!("paperdex: writes disabled: no token configured (set [server] token in the config file or PAPERDEX_TOKEN)");
        }
        if !semantic {
            eprintln!("paperdex: semantic search disabled: no embedding model (run scripts/setup-model.sh)");
        }
        let state = AppState::new(engine, options);
        paperdex_server::serve(listener, state, paperdex_server::shutdown_signal())
            .await
            .context("server failed")?;
        eprintln!("paperdex: stopped");
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}
