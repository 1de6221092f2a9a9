//! The server's limits over raw TCP, as a misbehaving client meets them: a
//! request that outlives the timeout, a client that sends its body slowly
//! or its headers never, the bound on requests in flight, and requests that
//! are not HTTP or not decodable. (Body size and query length limits are
//! in `http.rs`.)

mod util;

use paperdex_search::{Engine, EngineOptions};
use paperdex_server::{AppState, ServerOptions};
use paperdex_store::SqliteStore;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

const TOKEN: &str = "limits-token";

/// A library of one seed listing, without the model (these tests never
/// search by meaning), served with `options`. Returns the address.
fn serve(name: &str, options: ServerOptions) -> String {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("limits-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(SqliteStore::open(&dir.join("library.sqlite")).unwrap());
    let engine = Engine::open(
        &dir,
        store,
        EngineOptions {
            load_model: false,
            ..Default::default()
        },
    )
    .unwrap();
    let listing = util::repo_root().join("data/seeds");
    let first = std::fs::read_dir(&listing)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "txt"))
        .unwrap();
    engine
        .ingest(&[first], &Default::default(), false, &|_| {}, &|_, _| {})
        .unwrap();
    let base = util::spawn(AppState::new(Arc::new(engine), options));
    base.trim_start_matches("http://").to_string()
}

fn connect(addr: &str) -> TcpStream {
    let stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    stream
}

/// Everything the server sends until it closes the connection.
fn read_all(mut stream: TcpStream) -> String {
    let mut out = Vec::new();
    let _ = stream.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn get(addr: &str, path: &str) -> String {
    let mut s = connect(addr);
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    read_all(s)
}

/// Starts an upload that announces `length` bytes and sends only the
/// headers and `first` of them.
fn start_upload(addr: &str, length: usize, first: &[u8]) -> TcpStream {
    let mut s = connect(addr);
    write!(
        s,
        "POST /api/ingest?name=slow.bib HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Length: {length}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    s.write_all(first).unwrap();
    s.flush().unwrap();
    s
}

#[test]
fn a_client_too_slow_to_send_its_body_gets_a_json_408() {
    let addr = serve(
        "timeout",
        ServerOptions {
            token: Some(TOKEN.into()),
            request_timeout: Duration::from_millis(500),
            ..Default::default()
        },
    );
    // 10 bytes of 1,000, then nothing: the request never completes.
    let upload = start_upload(&addr, 1000, b"@article{k");
    let response = read_all(upload);
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("application/json"), "{response}");
    assert!(response.contains("\"status\":408"), "{response}");
    // The server itself is fine.
    assert!(get(&addr, "/api/stats").starts_with("HTTP/1.1 200"));
}

#[test]
fn requests_beyond_the_in_flight_bound_wait_for_a_slot() {
    let addr = serve(
        "concurrency",
        ServerOptions {
            token: Some(TOKEN.into()),
            max_in_flight: 1,
            ..Default::default()
        },
    );
    let entry = b"@article{slow2024,\n  title = {A slowly uploaded paper on lemur gaits},\n  author = {Tan, Mei},\n  year = {2024}\n}\n";
    // The only slot is held by an upload whose body has not all arrived.
    let mut upload = start_upload(&addr, entry.len(), &entry[..10]);
    std::thread::sleep(Duration::from_millis(200));
    let waiting_addr = addr.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(get(&waiting_addr, "/api/stats")).unwrap());
    assert!(
        rx.recv_timeout(Duration::from_millis(800)).is_err(),
        "a second request was served while the only slot was taken"
    );
    // The upload completes, frees the slot, and the waiting request is served.
    upload.write_all(&entry[10..]).unwrap();
    let uploaded = read_all(upload);
    assert!(uploaded.starts_with("HTTP/1.1 200"), "{uploaded}");
    let stats = rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert!(stats.starts_with("HTTP/1.1 200"), "{stats}");
}

#[test]
fn clients_that_never_finish_their_headers_do_not_block_others() {
    let addr = serve("slowloris", ServerOptions::default());
    let stalled: Vec<TcpStream> = (0..64)
        .map(|_| {
            let mut s = connect(&addr);
            write!(s, "GET /api/stats HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ").unwrap();
            s
        })
        .collect();
    for _ in 0..5 {
        let response = get(&addr, "/api/stats");
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    }
    drop(stalled);
}

#[test]
fn malformed_requests_get_4xx_and_the_server_goes_on() {
    let addr = serve("malformed", ServerOptions::default());
    // Not HTTP at all.
    let mut s = connect(&addr);
    s.write_all(b"HELLO THERE\r\n\r\n").unwrap();
    let response = read_all(s);
    assert!(response.starts_with("HTTP/1.1 400"), "{response:?}");
    // A body length that is not a number.
    let mut s = connect(&addr);
    write!(
        s,
        "POST /api/ingest?name=x.bib HTTP/1.1\r\nHost: {addr}\r\nContent-Length: lots\r\n\r\n"
    )
    .unwrap();
    let response = read_all(s);
    assert!(response.starts_with("HTTP/1.1 400"), "{response:?}");
    // Bytes that are not UTF-8 where a query string goes: decoded lossily
    // and answered, not a crash.
    let response = get(&addr, "/api/search?q=%FF%FE&mode=lexical");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    // A method the endpoint does not take.
    let mut s = connect(&addr);
    write!(
        s,
        "DELETE /api/stats HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let response = read_all(s);
    assert!(response.starts_with("HTTP/1.1 405"), "{response}");
    assert!(get(&addr, "/api/stats").starts_with("HTTP/1.1 200"));
}
