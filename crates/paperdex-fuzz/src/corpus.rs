//! Seed inputs for each target, taken from the real files: the seed listings
//! bundled in `data/seeds`, the conference corpus in `../shared/corpus` (JSON
//! records, and the BibTeX each record carries), plus the inputs kept in
//! `crates/paperdex-fuzz/corpus/<target>/` (hand-written edge cases and every
//! crash found so far).

use crate::{Format, Target};
use serde_json::value::RawValue;
use std::path::{Path, PathBuf};

/// One seed input.
#[derive(Debug, Clone)]
pub struct Seed {
    /// The file name it is parsed under (detection looks at the extension).
    pub name: String,
    /// Its bytes.
    pub data: Vec<u8>,
}

/// Papers of the small index that fuzzed queries search:
/// `(title, venue, year)`.
pub const QUERY_PAPERS: [(&str, &str, i32); 6] = [
    ("Graph Attention Networks", "ICLR 2018", 2018),
    ("MIM: Mutual Information Machine", "arXiv", 2019),
    (
        "Spectral Networks and Deep Locally Connected Networks on Graphs",
        "ICLR",
        2014,
    ),
    ("Attention Is All You Need", "NeurIPS 2017", 2017),
    (
        "Adam: A Method for Stochastic Optimization",
        "ICLR 2015",
        2015,
    ),
    ("Élan vital: naïve café résumé ünïcödé", "ICML 2019", 2019),
];

/// Queries in the language's syntax, including its corner cases.
const QUERIES: [&str; 16] = [
    "mutual information autoencoder",
    "graph -spectral author:swersky year:2018..2020 venue:icml",
    "\"attention is all\" -\"deep learning\"",
    "author:\"Kevin Swersky\" year:2019",
    "year:..2017 source:nips2018",
    "year:2015.. venue:\"ICML 2019\"",
    "year:2020..2018",
    "author: venue:",
    "\"unclosed phrase",
    "-",
    "AUTHOR:Ünïcödé résumé",
    "foo:bar baz:\"q u x\"",
    "a*b? [c] (d) {e} ~f ^g \\h /i/",
    "year:-5..99999999999",
    "   ",
    "source:000_96df -\"\" !!!",
];

/// The repository root this crate was built in.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/corpus` beside the repository, where CI puts it.
pub fn default_corpus_dir() -> PathBuf {
    repo_root().join("../shared/corpus")
}

/// The directory of kept inputs (edge cases, past crashes) of a target.
pub fn kept_dir(target: Target) -> PathBuf {
    repo_root()
        .join("crates/paperdex-fuzz/corpus")
        .join(target.name())
}

/// The seeds of `target`: real files of `shared_corpus` and `data/seeds`,
/// and the kept inputs. Errors when the shared corpus is missing.
pub fn seeds(target: Target, shared_corpus: &Path) -> std::io::Result<Vec<Seed>> {
    let mut out = Vec::new();
    let listings = seed_listings()?;
    let conferences = conference_slices(&shared_corpus.join("conferences"))?;
    match target {
        Target::Query => {
            out.extend(QUERIES.iter().map(|q| Seed {
                name: crate::INPUT_NAME.into(),
                data: q.as_bytes().to_vec(),
            }));
            // Real titles and author names as queries.
            for (json, _) in conferences.iter().take(40) {
                let records: Vec<serde_json::Value> =
                    serde_json::from_slice(json).unwrap_or_default();
                for r in records.iter().take(2) {
                    for key in ["title", "author"] {
                        if let Some(s) = r.get(key).and_then(|v| v.as_str()) {
                            let q = if key == "author" {
                                format!("author:\"{}\"", s.split(';').next().unwrap_or(s))
                            } else {
                                s.to_string()
                            };
                            out.push(Seed {
                                name: crate::INPUT_NAME.into(),
                                data: q.into_bytes(),
                            });
                        }
                    }
                }
            }
        }
        Target::Reader(Format::ConferenceJson) => out.extend(json_seeds(&conferences)),
        Target::Reader(Format::Bibtex) => {
            out.extend(
                listings
                    .iter()
                    .filter(|s| s.name.ends_with(".bib"))
                    .cloned(),
            );
            out.extend(bibtex_seeds(&conferences));
        }
        Target::Reader(Format::ArxivAtom) => {
            out.extend(
                listings
                    .iter()
                    .filter(|s| s.name.ends_with(".xml"))
                    .cloned(),
            );
        }
        Target::Detect => {
            out.extend(listings.iter().cloned());
            out.extend(json_seeds(&conferences).into_iter().take(20));
            out.extend(bibtex_seeds(&conferences).into_iter().take(20));
        }
        layout => {
            // Its own listing first, then the other layouts' (a reader must
            // survive text of another layout too).
            let format = layout.format().expect("reader target");
            let own = |s: &Seed| paperdex_formats::detect(&s.name, &text(&s.data)) == Some(format);
            out.extend(listings.iter().filter(|s| own(s)).cloned());
            out.extend(listings.iter().filter(|s| !own(s)).cloned());
        }
    }
    out.extend(kept(target)?);
    Ok(out)
}

fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}

/// The bundled seed listings, Atom and BibTeX samples.
fn seed_listings() -> std::io::Result<Vec<Seed>> {
    let mut out = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(repo_root().join("data/seeds"))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.sort();
    for path in paths {
        out.push(Seed {
            name: path.file_name().unwrap().to_string_lossy().into_owned(),
            data: std::fs::read(&path)?,
        });
    }
    Ok(out)
}

/// Each conference file as small JSON arrays of a few consecutive records
/// (fast to parse, so many more executions), with the file's name.
fn conference_slices(dir: &Path) -> std::io::Result<Vec<(Vec<u8>, String)>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = std::fs::read(&path)?;
        let Ok(records) = serde_json::from_slice::<Vec<&RawValue>>(&bytes) else {
            continue;
        };
        for chunk in records.chunks(3).step_by(97).take(3) {
            let parts: Vec<&str> = chunk.iter().map(|r| r.get()).collect();
            out.push((
                format!("[{}]", parts.join(",\n")).into_bytes(),
                name.clone(),
            ));
        }
    }
    Ok(out)
}

fn json_seeds(conferences: &[(Vec<u8>, String)]) -> Vec<Seed> {
    conferences
        .iter()
        .map(|(data, name)| Seed {
            name: name.clone(),
            data: data.clone(),
        })
        .collect()
}

/// The `bibtex` field of conference records: real BibTeX entries.
fn bibtex_seeds(conferences: &[(Vec<u8>, String)]) -> Vec<Seed> {
    let mut out = Vec::new();
    for (json, name) in conferences {
        let records: Vec<serde_json::Value> = serde_json::from_slice(json).unwrap_or_default();
        let entries: Vec<&str> = records
            .iter()
            .filter_map(|r| r.get("bibtex").and_then(|v| v.as_str()))
            .collect();
        if !entries.is_empty() {
            out.push(Seed {
                name: name.replace(".json", ".bib"),
                data: entries.join("\n\n").into_bytes(),
            });
        }
    }
    out
}

/// Inputs kept in the repository for `target`.
fn kept(target: Target) -> std::io::Result<Vec<Seed>> {
    let dir = kept_dir(target);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            Ok(Seed {
                name: path.file_name().unwrap().to_string_lossy().into_owned(),
                data: std::fs::read(&path)?,
            })
        })
        .collect()
}
