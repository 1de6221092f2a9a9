//! Fuzz targets for paperdex's inputs, and a fuzzer that runs them on the
//! stable toolchain.
//!
//! A [`Target`] is one way hostile bytes reach paperdex: each reader of
//! `paperdex-formats` forced on the bytes (the five seed layouts, conference
//! JSON, Atom, BibTeX), format detection followed by the detected reader
//! (what `paperdex ingest` does), and the search query parser followed by a
//! search on a small index. [`run`] feeds one input to one target and panics
//! on anything that is a bug: a panic inside paperdex, or a result that breaks
//! the readers' documented contract (every record's `raw` is a substring of
//! the file, lines and indexes in range, errors naming the file).
//!
//! The same [`run`] is called by the cargo-fuzz targets in `fuzz/` (nightly,
//! libFuzzer) and by the `paperdex-fuzz` binary (stable: seeded mutation of
//! the real corpus files, see `mutate` and `driver`).
#![deny(missing_docs)]

pub mod corpus;
pub mod driver;
pub mod mutate;

pub use paperdex_formats::Format;
use paperdex_formats::{parse_file, parse_str, Parsed};
use paperdex_index::{parse_query, IndexDoc, TextIndex};
use paperdex_model::Paper;
use std::sync::OnceLock;

/// One fuzz target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// One reader of `paperdex-formats`, forced on the bytes.
    Reader(Format),
    /// Format detection, then the detected reader (`paperdex ingest`).
    Detect,
    /// The search query parser, then a search on a small index.
    Query,
}

impl Target {
    /// Every target: a reader per format (a new format gets its target by
    /// being in [`Format::ALL`]), then detection and the query parser.
    pub const ALL: [Target; Format::ALL.len() + 2] = {
        let mut all = [Target::Query; Format::ALL.len() + 2];
        let mut i = 0;
        while i < Format::ALL.len() {
            all[i] = Target::Reader(Format::ALL[i]);
            i += 1;
        }
        all[Format::ALL.len()] = Target::Detect;
        all
    };

    /// The reader this target forces, if it forces one.
    pub fn format(self) -> Option<Format> {
        match self {
            Target::Reader(format) => Some(format),
            Target::Detect | Target::Query => None,
        }
    }

    /// The name used on the command line and for corpus directories.
    pub fn name(self) -> &'static str {
        match self {
            Target::Reader(format) => format.name(),
            Target::Detect => "detect",
            Target::Query => "query",
        }
    }
}

impl clap::ValueEnum for Target {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

/// The file name inputs are read under (detection uses the extension).
pub const INPUT_NAME: &str = "fuzz-input";

/// Feeds `data` to `target`. Returns a signature of the outcome (format,
/// record count bucket, kinds of errors) that the stable fuzzer uses to keep
/// inputs that behave differently. Panics when paperdex has a bug.
pub fn run(target: Target, name: &str, data: &[u8]) -> u64 {
    match target {
        Target::Query => run_query(data),
        Target::Detect => match parse_file(name, data, None) {
            Ok(parsed) => {
                let text = std::str::from_utf8(data).expect("parse_file accepted non-utf-8");
                check_parsed(name, text, &parsed);
                signature(Some(&parsed), None)
            }
            Err(e) => {
                assert_eq!(e.file(), name, "error does not name the file: {e}");
                signature(None, Some(&e.to_string()))
            }
        },
        Target::Reader(format) => {
            let Ok(text) = std::str::from_utf8(data) else {
                // Readers take text; non-UTF-8 bytes are parse_file's job (Detect).
                return 0;
            };
            match parse_str(name, text, format) {
                Ok(parsed) => {
                    assert_eq!(parsed.format, format);
                    check_parsed(name, text, &parsed);
                    signature(Some(&parsed), None)
                }
                Err(e) => {
                    assert_eq!(e.file(), name, "error does not name the file: {e}");
                    signature(None, Some(&e.to_string()))
                }
            }
        }
    }
}

/// The readers' contract, as documented in `paperdex-formats`.
fn check_parsed(name: &str, text: &str, parsed: &Parsed) {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines = text.split('\n').count().max(1);
    let mut indexes = Vec::new();
    for r in &parsed.records {
        assert_eq!(r.file, name);
        assert_eq!(r.format, parsed.format);
        assert!(
            text.contains(r.raw.as_str()),
            "record {} raw text is not part of the file: {:?}",
            r.index,
            truncate(&r.raw)
        );
        assert!(
            (1..=lines).contains(&r.line),
            "record {} at line {} of a {lines}-line file",
            r.index,
            r.line
        );
        indexes.push(r.index);
    }
    for e in &parsed.errors {
        assert_eq!(e.file, name, "error does not name the file: {e:?}");
        if let Some(line) = e.line {
            assert!(
                (1..=lines).contains(&line),
                "error at line {line} of a {lines}-line file: {e:?}"
            );
        }
        indexes.extend(e.index);
    }
    indexes.sort_unstable();
    let n = indexes.len();
    indexes.dedup();
    assert_eq!(n, indexes.len(), "two records share an index");
    // Serialization is how records reach the store: it must not fail.
    for r in &parsed.records {
        serde_json::to_string(&r.fields).expect("record fields serialize");
    }
}

fn truncate(s: &str) -> &str {
    let mut end = s.len().min(200);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn signature(parsed: Option<&Parsed>, error: Option<&str>) -> u64 {
    let mut h = Fnv::default();
    if let Some(p) = parsed {
        h.write(p.format.name().as_bytes());
        h.write_u64(bucket(p.records.len()));
        h.write_u64(bucket(p.errors.len()));
        for e in p.errors.iter().take(8) {
            h.write(shape(&e.message).as_bytes());
        }
        if let Some(r) = p.records.first() {
            let f = &r.fields;
            h.write_u64(
                u64::from(f.title.is_some())
                    | u64::from(f.abstract_text.is_some()) << 1
                    | u64::from(f.arxiv_id.is_some()) << 2
                    | u64::from(f.doi.is_some()) << 3
                    | u64::from(!f.authors.is_empty()) << 4
                    | u64::from(f.year.is_some()) << 5,
            );
        }
    }
    if let Some(e) = error {
        h.write(shape(e).as_bytes());
    }
    h.finish()
}

/// 0, 1, 2, 3-4, 5-8, ...: counts that differ a little look alike.
fn bucket(n: usize) -> u64 {
    (usize::BITS - n.leading_zeros()) as u64
}

/// An error message without its numbers and quoted values, so that one kind
/// of error is one signature.
fn shape(message: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in message.chars().take(120) {
        match c {
            '\'' | '"' | '`' => quoted = !quoted,
            c if quoted || c.is_ascii_digit() => {}
            c => out.push(c),
        }
    }
    out
}

/// FNV-1a: a stable hash for signatures and crash file names.
#[derive(Debug, Clone, Copy)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    /// Adds bytes.
    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    /// Adds a number.
    pub fn write_u64(&mut self, n: u64) {
        self.write(&n.to_le_bytes());
    }
    /// The hash.
    pub fn finish(self) -> u64 {
        self.0
    }
    /// The hash of `bytes`.
    pub fn hash(bytes: &[u8]) -> u64 {
        let mut h = Fnv::default();
        h.write(bytes);
        h.finish()
    }
}

/// A small in-memory index, built once per process, that fuzzed queries run on.
fn query_index() -> &'static TextIndex {
    static INDEX: OnceLock<TextIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let index = TextIndex::in_memory().expect("in-memory index");
        let papers: Vec<Paper> = corpus::QUERY_PAPERS
            .iter()
            .enumerate()
            .map(|(i, (title, venue, year))| Paper {
                id: i as i64 + 1,
                title: (*title).into(),
                abstract_text: Some(format!("We study {title} in depth.")),
                venue: Some((*venue).into()),
                year: Some(*year),
                ..Paper::default()
            })
            .collect();
        let sources = vec!["nips2018.json".to_string()];
        let docs: Vec<IndexDoc<'_>> = papers
            .iter()
            .map(|paper| IndexDoc {
                paper,
                sources: &sources,
            })
            .collect();
        index.upsert(&docs).expect("index papers");
        index.commit(1).expect("commit");
        index
    })
}

fn run_query(data: &[u8]) -> u64 {
    let text = String::from_utf8_lossy(data);
    match parse_query(&text) {
        Ok(query) => {
            let index = query_index();
            let hits = index.search(&query, 10, 0).expect("search a parsed query");
            let count = index.count(&query).expect("count a parsed query");
            assert!(hits.len() <= count.min(10), "more hits than matches");
            index.filter_ids(&query.filters).expect("filter ids");
            if let Some(hit) = hits.first() {
                index
                    .snippet(&query, hit.paper_id, 200)
                    .expect("snippet of a hit");
            }
            let mut h = Fnv::default();
            h.write_u64(bucket(query.terms.len()));
            h.write_u64(bucket(query.phrases.len()));
            h.write_u64(bucket(query.excluded.len()));
            h.write_u64(u64::from(!query.filters.is_empty()));
            h.write_u64(hits.len() as u64);
            h.finish()
        }
        Err(e) => Fnv::hash(shape(&e.to_string()).as_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seed_passes_its_target() {
        let root = corpus::default_corpus_dir();
        for target in Target::ALL {
            let seeds = corpus::seeds(target, &root).unwrap();
            assert!(!seeds.is_empty(), "{target:?} has no seeds");
            for seed in seeds.iter().take(12) {
                run(target, &seed.name, &seed.data);
            }
        }
    }

    #[test]
    fn signatures_tell_outcomes_apart() {
        let a = run(
            Target::Reader(Format::Bibtex),
            "a.bib",
            b"@article{k, title={T}}",
        );
        let b = run(
            Target::Reader(Format::Bibtex),
            "a.bib",
            b"@article{k, title={T}",
        );
        assert_ne!(a, b);
        let q1 = run(Target::Query, INPUT_NAME, b"graph year:2018");
        let q2 = run(Target::Query, INPUT_NAME, b"year:");
        assert_ne!(q1, q2);
    }
}
