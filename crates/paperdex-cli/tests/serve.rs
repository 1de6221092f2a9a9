//! `paperdex serve` as a process: it says where it listens and whether
//! writes are enabled, answers HTTP, and stops cleanly on SIGTERM.

mod judge;
mod util;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::Duration;

fn http_get(addr: &str, path: &str) -> String {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

fn serve(
    lib: &util::Library,
    token: Option<&str>,
) -> (
    std::process::Child,
    BufReader<std::process::ChildStderr>,
    String,
) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_paperdex"));
    command
        .arg("--data-dir")
        .arg(lib.path())
        .args(["serve", "--addr", "127.0.0.1:0"])
        .env_remove("PAPERDEX_DATA")
        .env_remove("PAPERDEX_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(token) = token {
        command.env("PAPERDEX_TOKEN", token);
    }
    let mut child = command.spawn().unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    // Logs may come first; the address is on the "serving" line.
    let mut line = String::new();
    let addr = loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "serve exited before listening"
        );
        if line.contains("serving") {
            break line
                .split("http://")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .unwrap_or_else(|| panic!("no address in {line:?}"))
                .to_string();
        }
    };
    (child, stderr, addr)
}

fn sigterm(child: &std::process::Child) {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn serve_answers_and_stops_on_sigterm() {
    let lib = util::Library::new();
    lib.run_ok(&[
        "ingest",
        "--no-embed",
        util::seed_listings()[0].to_str().unwrap(),
    ]);
    let (mut child, mut stderr, addr) = serve(&lib, None);
    let mut notes = String::new();
    stderr.read_line(&mut notes).unwrap();
    assert!(
        notes.contains("paperdex: writes disabled: no token configured"),
        "{notes}"
    );
    let response = http_get(&addr, "/api/stats");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("\"writes_enabled\":false"), "{response}");
    sigterm(&child);
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("paperdex: stopped"), "{rest}");
}

#[test]
fn a_token_from_the_environment_enables_writes() {
    let lib = util::Library::new();
    let (mut child, _stderr, addr) = serve(&lib, Some("s3cret"));
    let response = http_get(&addr, "/api/stats");
    assert!(response.contains("\"writes_enabled\":true"), "{response}");
    sigterm(&child);
    assert!(child.wait().unwrap().success());
}

#[test]
fn the_feed_url_serves_the_follows_to_a_feed_reader() {
    let lib = util::Library::new();
    for listing in util::seed_listings() {
        lib.run_ok(&["ingest", "--no-embed", listing.to_str().unwrap()]);
    }
    lib.run_ok(&["follow", "author", "Kevin", "Swersky"]);
    lib.run_ok(&["follow", "query", "graph convolutional"]);
    let digest = lib.json(&["digest", "--json", "--dry-run", "--since", "7d"]);
    let matched = digest["matched_papers"].as_u64().unwrap();
    assert!(matched >= 10, "{digest}");
    let (mut child, _stderr, addr) = serve(&lib, None);

    let response = http_get(&addr, "/feed.rss");
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_lowercase()
            .contains("content-type: application/rss+xml"),
        "{head}"
    );
    let feed = lib.path().join("served-feed.xml");
    std::fs::write(&feed, body).unwrap();
    let out = judge::run(
        r#"
import sys, json, feedparser
d = feedparser.parse(sys.argv[1])
assert d.bozo == 0, repr(d.get("bozo_exception"))
assert d.version == "rss20", d.version
print(json.dumps({"entries": len(d.entries), "ids": len({e.id for e in d.entries})}))
"#,
        &[feed.to_str().unwrap()],
    );
    let parsed: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The same papers `paperdex digest` finds for the window, each once.
    assert_eq!(parsed["entries"], matched, "{out}");
    assert_eq!(parsed["ids"], matched, "{out}");
    // Serving it records nothing: a digest afterwards still finds them all.
    let again = lib.json(&["digest", "--json"]);
    assert_eq!(again["matched_papers"], matched);

    let response = http_get(&addr, "/feed.rss?since=soon");
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(response.contains("\"parameter\":\"since\""), "{response}");
    sigterm(&child);
    assert!(child.wait().unwrap().success());
}
