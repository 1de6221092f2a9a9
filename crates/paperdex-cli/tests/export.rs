//! End-to-end tests of `paperdex export` and `paperdex import`: every
//! citation format is read back by a real parser of that format (Python
//! bibtexparser + pylatexenc, jsonschema with the CSL-JSON schema, rispy),
//! keys are checked unique and stable, and a JSONL export rebuilds the
//! library.

mod judge;
mod util;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;
use util::{repo_root, Library};

fn seeded() -> Library {
    let lib = Library::new();
    lib.run_ok(&[
        "ingest",
        "--no-embed",
        repo_root().join("data/seeds").to_str().unwrap(),
    ]);
    lib
}

fn export(lib: &Library, args: &[&str]) -> String {
    let mut all = vec!["export"];
    all.extend_from_slice(args);
    lib.run_ok(&all)
}

fn csl(lib: &Library, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--format", "csl-json"];
    all.extend_from_slice(args);
    let v: Value = serde_json::from_str(&export(lib, &all)).unwrap();
    v.as_array().unwrap().clone()
}

fn papers(lib: &Library) -> usize {
    lib.json(&["stats", "--json"])["papers"].as_u64().unwrap() as usize
}

/// Key → title, as bibtexparser reads the BibTeX export, titles decoded
/// from LaTeX by pylatexenc.
const BIBTEX_JUDGE: &str = r#"
import sys, json, bibtexparser
from bibtexparser.bparser import BibTexParser
from pylatexenc.latex2text import LatexNodes2Text
text = open(sys.argv[1], encoding="utf-8").read()
parser = BibTexParser(common_strings=False, ignore_nonstandard_types=False, interpolate_strings=False)
db = bibtexparser.loads(text, parser=parser)
keys = [e["ID"] for e in db.entries]
assert len(keys) == len(set(keys)), "duplicate keys"
# Every entry started in the text was parsed.
assert text.count("\n@") + (1 if text.startswith("@") else 0) == len(db.entries), (len(db.entries), text.count("\n@"))
out = {}
for e in db.entries:
    title = e["title"]
    assert title.startswith("{") and title.endswith("}"), title
    decoded = LatexNodes2Text(math_mode="verbatim").latex_to_text(title[1:-1])
    # pylatexenc renders \textasciicircum as U+02C6; LaTeX prints "^".
    decoded = decoded.replace("\u02c6", "^")
    authors = [a for a in e.get("author", "").split(" and ") if a]
    out[e["ID"]] = {"type": e["ENTRYTYPE"], "title": decoded, "authors": len(authors), "year": e.get("year")}
print(json.dumps(out))
"#;

fn bibtex_entries(file: &Path) -> BTreeMap<String, Value> {
    let out = judge::run(BIBTEX_JUDGE, &[file.to_str().unwrap()]);
    serde_json::from_str(&out).unwrap()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn bibtex_parses_with_every_title_decoding_to_the_original() {
    let lib = seeded();
    let file = lib.path().join("all.bib");
    export(&lib, &["--format", "bibtex", "-o", file.to_str().unwrap()]);
    let entries = bibtex_entries(&file);
    assert_eq!(entries.len(), papers(&lib));
    // The CSL-JSON export carries the same keys and the plain titles.
    let items = csl(&lib, &[]);
    let mut specials = 0;
    for item in &items {
        let key = item["id"].as_str().unwrap();
        let e = &entries[key];
        let title = item["title"].as_str().unwrap();
        if title.contains(['%', '&', '_', '$', '#', '{', '\\', '^', '~']) {
            specials += 1;
        }
        assert_eq!(
            one_line(e["title"].as_str().unwrap()),
            one_line(title),
            "title of {key} does not survive LaTeX"
        );
        let n = item["author"].as_array().map_or(0, |a| a.len());
        assert_eq!(e["authors"].as_u64().unwrap() as usize, n, "{key}");
        let kind = e["type"].as_str().unwrap();
        assert!(
            ["article", "inproceedings", "misc"].contains(&kind),
            "{kind}"
        );
    }
    // The corpus has titles with LaTeX specials; they must have been tested.
    assert!(specials > 0, "no title with a LaTeX special character");
}

#[test]
fn csl_json_validates_against_the_schema() {
    let lib = seeded();
    let file = lib.path().join("all.json");
    export(
        &lib,
        &["--format", "csl-json", "-o", file.to_str().unwrap()],
    );
    let schema = repo_root().join("crates/paperdex-export/tests/data/csl-data.json");
    let out = judge::run(
        r#"
import sys, json, jsonschema
schema = json.load(open(sys.argv[1]))
items = json.load(open(sys.argv[2], encoding="utf-8"))
jsonschema.Draft7Validator.check_schema(schema)
jsonschema.validate(items, schema, cls=jsonschema.Draft7Validator)
# A deliberately broken item must fail, so the schema really checks.
try:
    jsonschema.validate([{"id": "x", "type": "not-a-type"}], schema, cls=jsonschema.Draft7Validator)
    raise SystemExit("schema accepted a bad type")
except jsonschema.ValidationError:
    pass
print(len(items))
"#,
        &[schema.to_str().unwrap(), file.to_str().unwrap()],
    );
    assert_eq!(out.trim().parse::<usize>().unwrap(), papers(&lib));
}

#[test]
fn ris_parses_with_rispy() {
    let lib = seeded();
    let file = lib.path().join("all.ris");
    export(&lib, &["--format", "ris", "-o", file.to_str().unwrap()]);
    let out = judge::run(
        r#"
import sys, json, rispy
with open(sys.argv[1], encoding="utf-8") as f:
    entries = rispy.load(f)
print(json.dumps([{"type": e["type_of_reference"], "id": e.get("id"), "title": e.get("title"),
                   "authors": len(e.get("authors", [])), "doi": e.get("doi"), "url": e.get("urls", [None])[0]} for e in entries]))
"#,
        &[file.to_str().unwrap()],
    );
    let entries: Vec<Value> = serde_json::from_str(&out).unwrap();
    let items = csl(&lib, &[]);
    assert_eq!(entries.len(), items.len());
    for (e, item) in entries.iter().zip(&items) {
        assert_eq!(e["id"], item["id"]);
        assert_eq!(
            one_line(e["title"].as_str().unwrap()),
            one_line(item["title"].as_str().unwrap())
        );
        let n = item["author"].as_array().map_or(0, |a| a.len());
        assert_eq!(e["authors"].as_u64().unwrap() as usize, n);
        assert!(["JOUR", "CONF", "UNPB", "GEN"].contains(&e["type"].as_str().unwrap()));
        assert_eq!(e["doi"], item.get("DOI").cloned().unwrap_or(Value::Null));
        assert_eq!(e["url"], item.get("URL").cloned().unwrap_or(Value::Null));
    }
}

#[test]
fn keys_are_unique_and_stable_across_runs_and_library_growth() {
    let lib = seeded();
    let keys = |lib: &Library| -> BTreeMap<String, String> {
        csl(lib, &[])
            .iter()
            .map(|i| {
                (
                    i["id"].as_str().unwrap().to_string(),
                    i["title"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let first = keys(&lib);
    assert_eq!(first.len(), papers(&lib), "keys are not unique");
    assert_eq!(keys(&lib), first, "keys changed between two runs");
    // Grow the library with a paper that would take an existing key.
    let items = csl(&lib, &[]);
    let victim = items
        .iter()
        .find(|i| {
            let key = i["id"].as_str().unwrap();
            i["author"][0]["family"].is_string()
                && i["issued"]["date-parts"][0][0].is_number()
                && !key.contains('-')
                && !key.ends_with(|c: char| c.is_ascii_digit())
                && !first.keys().any(|k| k.starts_with(&format!("{key}-")))
        })
        .expect("a paper with an author and a year");
    let key = victim["id"].as_str().unwrap();
    let family = victim["author"][0]["family"].as_str().unwrap();
    let given = victim["author"][0]["given"].as_str().unwrap_or("");
    let year = victim["issued"]["date-parts"][0][0].as_i64().unwrap();
    let first_word: String = key
        .trim_start_matches(|c: char| !c.is_ascii_digit())
        .trim_start_matches(|c: char| c.is_ascii_digit())
        .to_string();
    let bib = lib.path().join("more.bib");
    std::fs::write(
        &bib,
        format!(
            "@article{{grow1,\n  title = {{{first_word} reconsidered: a different paper entirely}},\n  author = {{{family}, {given} and Zzyzx, Quentin}},\n  journal = {{Journal of Tests}},\n  year = {{{year}}},\n  abstract = {{Nothing in common with anything else in the corpus, quokka platypus.}},\n}}\n"
        ),
    )
    .unwrap();
    lib.run_ok(&["ingest", "--no-embed", bib.to_str().unwrap()]);
    let grown = keys(&lib);
    assert_eq!(grown.len(), first.len() + 1);
    for (k, title) in &first {
        assert_eq!(
            grown.get(k),
            Some(title),
            "key {k} moved after the library grew"
        );
    }
    let new_key = format!("{key}-b");
    assert!(
        grown[&new_key].contains("reconsidered"),
        "expected {new_key} for the colliding paper: {:?}",
        grown
            .keys()
            .filter(|k| k.starts_with(key))
            .collect::<Vec<_>>()
    );
}

#[test]
fn queries_and_filters_select_papers() {
    let lib = seeded();
    let all = csl(&lib, &[]);
    let in_2019 = csl(&lib, &["--year", "2019"]);
    assert!(!in_2019.is_empty() && in_2019.len() < all.len());
    for i in &in_2019 {
        assert_eq!(i["issued"]["date-parts"][0][0], 2019, "{i}");
    }
    let by_query = csl(&lib, &["author:swersky", "year:2019"]);
    assert!(!by_query.is_empty());
    for i in &by_query {
        let families: Vec<&str> = i["author"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|a| a["family"].as_str())
            .collect();
        assert!(families.contains(&"Swersky"), "{i}");
    }
    let words = csl(&lib, &["mutual", "information"]);
    assert!(!words.is_empty() && words.len() < all.len());
    let bad = lib.run(&["export", "--format", "jsonl", "mutual"]);
    assert_eq!(bad.code, Some(2));
    assert!(bad.stderr.contains("whole library"), "{}", bad.stderr);
    let bad = lib.run(&["export", "--format", "endnote"]);
    assert!(bad.stderr.contains("csl-json"), "{}", bad.stderr);
}

#[test]
fn a_jsonl_export_rebuilds_the_library_in_an_empty_data_dir() {
    let lib = seeded();
    // Re-reading a file makes a batch that stores nothing: it must survive too.
    lib.run_ok(&[
        "ingest",
        "--no-embed",
        repo_root().join("data/seeds/sample.bib").to_str().unwrap(),
    ]);
    lib.run_ok(&["follow", "query", "mutual information"]);
    let file = lib.path().join("library.jsonl");
    export(&lib, &["--format", "jsonl", "-o", file.to_str().unwrap()]);

    let copy = Library::new();
    let out = copy.run_ok(&["import", "--no-embed", file.to_str().unwrap()]);
    assert!(out.contains(", 0 differ"), "{out}");
    assert_eq!(
        copy.json(&["stats", "--json"]),
        lib.json(&["stats", "--json"])
    );
    let ids: Vec<i64> = lib
        .json_lines(&["list", "--json"])
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    let sample: HashSet<i64> = ids.iter().step_by(ids.len() / 12 + 1).copied().collect();
    assert!(sample.len() >= 10);
    for id in sample {
        let id = id.to_string();
        assert_eq!(
            copy.run_ok(&["show", &id]),
            lib.run_ok(&["show", &id]),
            "show {id} differs"
        );
        assert_eq!(
            copy.json(&["show", &id, "--json"]),
            lib.json(&["show", &id, "--json"])
        );
    }
    assert_eq!(
        copy.json_lines(&["follows", "--json"]),
        lib.json_lines(&["follows", "--json"])
    );
    // The rebuilt library is searchable: the full-text index caught up.
    let hits = |l: &Library| -> BTreeSet<i64> {
        l.json(&[
            "search",
            "--mode",
            "lexical",
            "-k",
            "1000",
            "--json",
            "mutual information",
        ])
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_i64().unwrap())
        .collect()
    };
    let found = hits(&lib);
    assert!(!found.is_empty());
    assert_eq!(hits(&copy), found);
    // Only into an empty library.
    let again = copy.run(&["import", "--no-embed", file.to_str().unwrap()]);
    assert_eq!(again.code, Some(2));
    assert!(again.stderr.contains("empty library"), "{}", again.stderr);
}

#[test]
fn a_broken_import_file_is_named_by_line() {
    let lib = seeded();
    let file = lib.path().join("library.jsonl");
    export(&lib, &["--format", "jsonl", "-o", file.to_str().unwrap()]);
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[3] = "{\"type\":\"paper\",\"paper\":{\"id\":\"oops\"}}";
    let broken = lib.path().join("broken.jsonl");
    std::fs::write(&broken, lines.join("\n")).unwrap();
    let copy = Library::new();
    let out = copy.run(&["import", "--no-embed", broken.to_str().unwrap()]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("broken.jsonl:4:"), "{}", out.stderr);
    let not_export = lib.path().join("other.jsonl");
    std::fs::write(&not_export, "{\"hello\": 1}\n").unwrap();
    let out = copy.run(&["import", not_export.to_str().unwrap()]);
    assert!(out.stderr.contains("other.jsonl:1:"), "{}", out.stderr);
}
