//! Shared harness: a library of the bundled corpus (`data/seeds`) built with
//! the real embedding model, plus one hostile paper, served on a real
//! loopback socket by `paperdex_server::serve`.
#![allow(dead_code)]

use paperdex_search::{Engine, EngineOptions};
use paperdex_server::{AppState, ServerOptions};
use paperdex_store::{SqliteStore, Store};
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, OnceLock};
use std::time::Duration;

/// The token the test server accepts.
pub const TOKEN: &str = "test-token-4f9c2a";
/// The test server's upload limit, small enough to exceed cheaply.
pub const MAX_BODY: usize = 256 * 1024;
/// The hostile title: must come back escaped everywhere.
pub const HOSTILE_TITLE: &str = "<script>alert(1)</script> Quasar <b>bold</b> & \"quoted\" lensing";

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

pub fn model_dir() -> PathBuf {
    let dir = repo_root().join("models/all-MiniLM-L6-v2");
    assert!(
        dir.join("model.safetensors").is_file(),
        "embedding model not found at {}: run scripts/setup.sh",
        dir.display()
    );
    dir
}

/// A served library.
pub struct Served {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// `http://127.0.0.1:PORT` of a second server over the same engine, without a token.
    pub base_read_only: String,
    pub data_dir: PathBuf,
    pub engine: Arc<Engine>,
}

fn hostile_bibtex() -> String {
    format!(
        "@article{{hostile2021,\n  title = {{{}}},\n  author = {{Mallory, Eve}},\n  journal = {{Journal of <i>Tests</i>}},\n  year = {{2021}},\n  doi = {{10.9999/hostile.1}}\n}}\n",
        HOSTILE_TITLE
    )
}

/// The library every test of a binary shares, built on first use.
pub fn served(name: &str) -> &'static Served {
    static SERVED: OnceLock<Served> = OnceLock::new();
    SERVED.get_or_init(|| build(name))
}

fn build(name: &str) -> Served {
    let data_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("server-lib-{name}"));
    let _ = std::fs::remove_dir_all(&data_dir);
    std::fs::create_dir_all(&data_dir).unwrap();
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&data_dir.join("library.sqlite")).unwrap());
    let engine = Engine::open(
        &data_dir,
        store,
        EngineOptions {
            model_dir: Some(model_dir()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        engine.embedder().is_some(),
        "the embedding model did not load"
    );
    let mut seeds: Vec<PathBuf> = std::fs::read_dir(repo_root().join("data/seeds"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    seeds.sort();
    let report = engine
        .ingest(&seeds, &Default::default(), true, &|_| {}, &|_, _| {})
        .unwrap();
    assert!(report.new_papers() > 100, "seeds gave too few papers");
    let hostile = engine
        .ingest_bytes("hostile.bib", hostile_bibtex().as_bytes(), true)
        .unwrap();
    assert_eq!(hostile.new_papers, 1, "{hostile:?}");
    let engine = Arc::new(engine);
    let base = spawn(AppState::new(
        engine.clone(),
        ServerOptions {
            token: Some(TOKEN.into()),
            max_body_bytes: MAX_BODY,
            refresh_every: Duration::from_millis(200),
            ..Default::default()
        },
    ));
    let base_read_only = spawn(AppState::new(engine.clone(), ServerOptions::default()));
    Served {
        base,
        base_read_only,
        data_dir,
        engine,
    }
}

/// Serves `state` on 127.0.0.1:0 from a thread of its own; returns the base URL.
pub fn spawn(state: AppState) -> String {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            paperdex_server::serve(listener, state, std::future::pending())
                .await
                .unwrap();
        });
    });
    let addr = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    format!("http://{addr}")
}
