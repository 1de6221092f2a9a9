//! End-to-end tests of follows and digests: the RSS feed is read by Python
//! feedparser, and `--send` mails a real SMTP server (Python aiosmtpd on
//! loopback) whose received message Python's email package parses.

mod judge;
mod util;

use serde_json::Value;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use util::{repo_root, Library};

fn seed(name: &str) -> String {
    repo_root()
        .join("data/seeds")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

/// Kevin Swersky's profile page: his ten papers, without links.
const PROFILE: &str = "001_eb256b7ed5c72f18.txt";
/// An arXiv listing without authors; two of its records are profile papers
/// and give them arXiv ids.
const LISTING: &str = "000_96dfad67c3b9613a.txt";
/// A conference list: 150 new papers, some about graph convolutions.
const CONFERENCE: &str = "002_c35f2eccc1a5dad6.first150.txt";

fn following_swersky_and_graphs() -> Library {
    let lib = Library::new();
    lib.run_ok(&["ingest", "--no-embed", &seed(PROFILE)]);
    lib.run_ok(&["ingest", "--no-embed", &seed(LISTING)]);
    lib.run_ok(&["follow", "author", "Kevin", "Swersky"]);
    lib.run_ok(&["follow", "query", "graph convolutional"]);
    lib
}

fn titles(digest: &Value) -> BTreeSet<String> {
    digest["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["items"].as_array().unwrap())
        .map(|i| i["title"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn follows_are_stored_listed_and_removed() {
    let lib = following_swersky_and_graphs();
    let follows = lib.json_lines(&["follows", "--json"]);
    assert_eq!(follows.len(), 2, "{follows:?}");
    assert_eq!(follows[0]["kind"], "author");
    assert_eq!(follows[0]["name"], "Kevin Swersky");
    assert_eq!(follows[1]["query"], "graph convolutional");
    let again = lib.run_ok(&["follow", "author", "Swersky, Kevin"]);
    assert!(again.contains("already following"), "{again}");
    lib.run_ok(&["unfollow", "query", "graph  convolutional"]);
    assert_eq!(lib.json_lines(&["follows", "--json"]).len(), 1);
    let none = lib.run(&["unfollow", "query", "graph convolutional"]);
    assert_eq!(none.code, Some(2));
    assert!(none.stderr.contains("not following"), "{}", none.stderr);
}

#[test]
fn unclear_follows_get_clear_errors() {
    let lib = following_swersky_and_graphs();
    let nobody = lib.run(&["follow", "author", "Quentin Zzyzx"]);
    assert_eq!(nobody.code, Some(2));
    assert!(nobody.stderr.contains("no author"), "{}", nobody.stderr);
    lib.run_ok(&["ingest", "--no-embed", &seed(CONFERENCE)]);
    let many = lib.run(&["follow", "author", "Wang"]);
    assert_eq!(many.code, Some(2));
    assert!(
        many.stderr.contains("'Wang' matches") && many.stderr.contains("follow one by its id"),
        "{}",
        many.stderr
    );
    // One of them, by the id the error names.
    let id = many
        .stderr
        .split("(#")
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap();
    let one = lib.run_ok(&["follow", "author", id]);
    assert!(one.contains("Wang"), "{one}");
    let topic = lib.run(&["follow", "topic", "9999"]);
    assert_eq!(topic.code, Some(2));
    assert!(topic.stderr.contains("no topic 9999"), "{}", topic.stderr);
    let empty = lib.run(&["follow", "query", "!!!"]);
    assert_eq!(empty.code, Some(2));
    assert!(
        empty.stderr.contains("bad follow query"),
        "{}",
        empty.stderr
    );
    let since = lib.run(&["digest", "--since", "a week"]);
    assert!(since.stderr.contains("not a duration"), "{}", since.stderr);
}

#[test]
fn a_digest_lists_new_papers_once_grouped_by_follow() {
    let lib = following_swersky_and_graphs();
    let first = lib.json(&["digest", "--json"]);
    let groups = first["groups"].as_array().unwrap();
    assert_eq!(groups[0]["label"], "author Kevin Swersky");
    let swersky = groups[0]["items"].as_array().unwrap();
    assert_eq!(swersky.len(), 10, "{first}");
    let mut arxiv_links = 0;
    for item in swersky {
        assert!(!item["summary"].as_str().unwrap().is_empty(), "{item}");
        if let Some(link) = item["link"].as_str() {
            assert!(link.starts_with("https://arxiv.org/abs/"), "{item}");
            arxiv_links += 1;
        }
    }
    // The listing gave two of the profile's papers their arXiv ids.
    assert_eq!(arxiv_links, 2, "{first}");
    // Seen: the next digest has nothing new.
    let second = lib.json(&["digest", "--json"]);
    assert_eq!(second["new_papers"], 0);
    assert!(second["groups"].as_array().unwrap().is_empty());

    // A conference list brings new papers, some about graph convolutions.
    lib.run_ok(&["ingest", "--no-embed", &seed(CONFERENCE)]);
    let third = lib.json(&["digest", "--json", "--dry-run"]);
    assert!(third["new_papers"].as_u64().unwrap() > 0);
    let query_group = third["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["follow"]["kind"] == "query")
        .expect("a group for the query follow");
    let items = query_group["items"].as_array().unwrap();
    assert!(items.len() >= 2, "{query_group}");
    for item in items {
        let paper = lib.json(&["show", &item["id"].to_string(), "--json"]);
        let text =
            format!("{} {} {}", paper["title"], paper["abstract"], paper["tldr"]).to_lowercase();
        assert!(
            text.contains("graph") && text.contains("convolution"),
            "{item}"
        );
    }
    // None of the first digest's papers comes back.
    assert!(titles(&third).is_disjoint(&titles(&first)));
    // --dry-run recorded nothing; a window ignores the record.
    assert_eq!(
        lib.json(&["digest", "--json"])["new_papers"],
        third["new_papers"]
    );
    let window = lib.json(&["digest", "--json", "--since", "1d", "--dry-run"]);
    assert_eq!(
        titles(&window),
        titles(&first).union(&titles(&third)).cloned().collect()
    );
}

#[test]
fn the_rss_feed_parses_with_feedparser() {
    let lib = following_swersky_and_graphs();
    lib.run_ok(&["ingest", "--no-embed", &seed(CONFERENCE)]);
    let digest = lib.json(&["digest", "--json", "--dry-run"]);
    let feed = lib.path().join("feed.xml");
    lib.run_ok(&[
        "digest",
        "--format",
        "rss",
        "--dry-run",
        "-o",
        feed.to_str().unwrap(),
    ]);
    let out = judge::run(
        r#"
import sys, json, feedparser
d = feedparser.parse(sys.argv[1])
assert d.bozo == 0, repr(d.get("bozo_exception"))
assert d.version == "rss20", d.version
print(json.dumps({"title": d.feed.title, "entries": [
    {"title": e.title, "link": e.get("link"), "id": e.id, "published": e.get("published_parsed") is not None,
     "tags": [t.term for t in e.get("tags", [])], "summary": e.summary} for e in d.entries]}))
"#,
        &[feed.to_str().unwrap()],
    );
    let parsed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(parsed["title"], "paperdex digest");
    let entries = parsed["entries"].as_array().unwrap();
    assert_eq!(
        entries.len() as u64,
        digest["matched_papers"].as_u64().unwrap()
    );
    let feed_titles: BTreeSet<String> = entries
        .iter()
        .map(|e| e["title"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(feed_titles, titles(&digest));
    let ids: BTreeSet<&str> = entries.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), entries.len(), "guids repeat");
    for e in entries {
        assert_eq!(e["published"], true, "{e}");
        assert!(!e["tags"].as_array().unwrap().is_empty(), "{e}");
        assert!(!e["summary"].as_str().unwrap().is_empty(), "{e}");
    }
}

#[test]
fn the_html_digest_is_self_contained() {
    let lib = following_swersky_and_graphs();
    let html = lib.run_ok(&["digest", "--format", "html", "--dry-run"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("style=\""));
    assert!(
        !html.contains("<style") && !html.contains("<link"),
        "external or block CSS"
    );
    assert!(html.contains("author Kevin Swersky"));
    let md = lib.run_ok(&["digest", "--dry-run"]);
    assert!(md.starts_with("# paperdex digest"));
    assert!(md.contains("## author Kevin Swersky"));
    assert!(md.contains("<https://arxiv.org/abs/"));
}

/// An SMTP server on loopback (aiosmtpd) that writes every message it
/// receives into `dir`; stopped when dropped.
struct SmtpServer {
    child: Child,
    port: u16,
}

impl SmtpServer {
    fn start(dir: &std::path::Path) -> SmtpServer {
        let script = r#"
import os, sys, socket, time
from aiosmtpd.controller import Controller
out = sys.argv[1]
class Handler:
    async def handle_DATA(self, server, session, envelope):
        n = len([f for f in os.listdir(out) if f.endswith(".eml")])
        with open(os.path.join(out, f"{n}.rcpt"), "w") as f:
            f.write("\n".join(envelope.rcpt_tos))
        with open(os.path.join(out, f"{n}.eml"), "wb") as f:
            f.write(envelope.original_content)
        return "250 Message accepted for delivery"
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
c = Controller(Handler(), hostname="127.0.0.1", port=port)
c.start()
print(port, flush=True)
sys.stdin.read()
c.stop()
"#;
        let mut child = Command::new(judge::python())
            .arg("-c")
            .arg(script)
            .arg(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("aiosmtpd did not start: {line:?}"));
        SmtpServer { child, port }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

#[test]
fn send_mails_the_digest_to_a_real_smtp_server() {
    let lib = following_swersky_and_graphs();
    let inbox = tempfile::tempdir().unwrap();
    let server = SmtpServer::start(inbox.path());
    std::fs::write(
        lib.path().join("config.toml"),
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nfrom = \"paperdex <digest@example.org>\"\nto = [\"ada@example.org\", \"Charles <charles@example.org>\"]\n",
            server.port
        ),
    )
    .unwrap();
    let digest = lib.json(&["digest", "--json", "--dry-run"]);
    let out = lib.run(&["digest", "--send"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stderr.contains("sent"), "{}", out.stderr);
    drop(server);
    let eml = inbox.path().join("0.eml");
    let rcpt = std::fs::read_to_string(inbox.path().join("0.rcpt")).unwrap();
    assert_eq!(rcpt, "ada@example.org\ncharles@example.org");
    let parsed = judge::run(
        r#"
import sys, json, email, re, html as h
from email import policy
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=policy.default)
html = m.get_body(preferencelist=("html",))
text = m.get_body(preferencelist=("plain",))
print(json.dumps({"subject": m["subject"], "to": [a.addr_spec for a in m["to"].addresses],
    "from": m["from"].addresses[0].addr_spec, "multipart": m.get_content_type(),
    "html": html.get_content(), "text": text.get_content(),
    "html_text": " ".join(h.unescape(re.sub(r"<[^>]+>", " ", html.get_content())).split())}))
"#,
        &[eml.to_str().unwrap()],
    );
    let m: Value = serde_json::from_str(&parsed).unwrap();
    let n = digest["matched_papers"].as_u64().unwrap();
    assert!(
        m["subject"]
            .as_str()
            .unwrap()
            .ends_with(&format!(": {n} new papers")),
        "{}",
        m["subject"]
    );
    assert_eq!(
        m["to"],
        serde_json::json!(["ada@example.org", "charles@example.org"])
    );
    assert_eq!(m["from"], "digest@example.org");
    assert_eq!(m["multipart"], "multipart/alternative");
    let html = m["html"].as_str().unwrap();
    assert!(html.contains("style=\"") && html.contains("author Kevin Swersky"));
    let html_text = m["html_text"].as_str().unwrap();
    for title in titles(&digest) {
        assert!(
            html_text.contains(&title),
            "{title} missing from the HTML part"
        );
        assert!(m["text"].as_str().unwrap().contains(&title));
    }
    // Sending recorded the digest.
    assert_eq!(lib.json(&["digest", "--json"])["new_papers"], 0);
}

#[test]
fn send_without_settings_says_what_is_missing() {
    let lib = following_swersky_and_graphs();
    let out = lib.run(&["digest", "--send"]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("[smtp]"), "{}", out.stderr);
    // Nothing was recorded by the failed send.
    assert!(
        lib.json(&["digest", "--json"])["new_papers"]
            .as_u64()
            .unwrap()
            > 0
    );
}
