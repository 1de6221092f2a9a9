//! The seed listings, the bundled Atom and BibTeX samples and the shared
//! conference corpus, read end to end through the public API.

use paperdex_formats::{detect, parse_file, parse_str, Format, FormatError, Parsed, SourceRecord};
use std::path::{Path, PathBuf};

fn seeds_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/seeds")
}

/// The shared corpus sits beside the repository, in development and in CI.
fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus")
}

fn read_seed(prefix: &str) -> (String, String) {
    let dir = seeds_dir();
    let entry = std::fs::read_dir(&dir)
        .expect("data/seeds exists")
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("no seed file starting with {prefix}"));
    let name = entry.file_name().unwrap().to_string_lossy().to_string();
    (name, std::fs::read_to_string(&entry).unwrap())
}

fn parse_seed(prefix: &str) -> (String, Parsed) {
    let (name, text) = read_seed(prefix);
    let parsed = parse_file(&name, text.as_bytes(), None).unwrap();
    check_positions(&text, &parsed.records);
    (text, parsed)
}

/// Byte offset where `record.raw` stands in `text`, found from its line.
fn raw_offset(text: &str, record: &SourceRecord) -> usize {
    let line_start = if record.line == 1 {
        0
    } else {
        text.match_indices('\n').nth(record.line - 2).unwrap().0 + 1
    };
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |e| line_start + e);
    let pos = text[line_start..]
        .find(&record.raw)
        .unwrap_or_else(|| panic!("raw of record {} is not in the file", record.index));
    assert!(
        line_start + pos <= line_end,
        "record {} raw does not start on line {}",
        record.index,
        record.line
    );
    line_start + pos
}

fn check_positions(text: &str, records: &[SourceRecord]) {
    let mut last = 0;
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.index, i);
        assert!(!r.raw.is_empty());
        let at = raw_offset(text, r);
        assert!(at >= last, "records out of file order at {i}");
        last = at;
    }
}

#[test]
fn every_seed_file_parses_with_its_format_and_count() {
    let expected = [
        ("000_", Format::ArxivListing, 10),
        ("001_", Format::ProfilePage, 10),
        ("002_", Format::ConferenceList, 150),
        ("003_", Format::ArxivListingGlued, 10),
        ("004_", Format::TrendingPage, 59),
    ];
    let mut total = 0;
    for (prefix, format, count) in expected {
        let (name, text) = read_seed(prefix);
        assert_eq!(detect(&name, &text), Some(format), "{name}");
        let (_, parsed) = parse_seed(prefix);
        assert_eq!(parsed.format, format, "{name}");
        assert_eq!(parsed.records.len(), count, "{name}");
        assert!(parsed.errors.is_empty(), "{name}: {:?}", parsed.errors);
        assert!(parsed
            .records
            .iter()
            .all(|r| r.file == name && r.format == format));
        total += parsed.records.len();
    }
    assert_eq!(total, 239);
}

#[test]
fn arxiv_listing_fields() {
    let (_, p) = parse_seed("000_");
    let r = &p.records[0];
    assert_eq!(r.fields.arxiv_id.as_ref().unwrap().id, "1910.03175");
    assert_eq!(r.fields.date.as_deref(), Some("2019-10-07"));
    assert_eq!(r.fields.year, Some(2019));
    assert_eq!(r.fields.comments.as_deref(), Some("Pre-print"));
    assert!(r
        .fields
        .abstract_text
        .as_deref()
        .unwrap()
        .starts_with("We introduce the Mutual Information Machine (MIM), an autoencoder"));
    assert_eq!(r.line, 1);
    assert!(r.raw.ends_with("arXiv:1910.03175\nCreated: 2019-10-07"));
    let icml = &p.records[3];
    assert_eq!(icml.fields.arxiv_id.as_ref().unwrap().id, "1906.02589");
    assert_eq!(
        icml.fields.venue.as_deref(),
        Some("Proceedings of the International Conference on Machine Learning (ICML), 2019")
    );
    assert_eq!(p.records[9].fields.venue.as_deref(), Some("ICLR 2018"));
    // A submission is not a venue.
    assert_eq!(p.records[6].fields.venue, None);
    assert!(p.records.iter().all(|r| r.fields.arxiv_id.is_some()
        && r.fields.date.is_some()
        && r.fields.abstract_text.is_some()
        && r.fields.title.is_none()));
}

#[test]
fn glued_listing_pairs_ids_with_the_abstract_before_them() {
    let (text, p) = parse_seed("003_");
    let ids: Vec<String> = p
        .records
        .iter()
        .map(|r| r.fields.arxiv_id.as_ref().unwrap().id.clone())
        .collect();
    assert_eq!(
        ids,
        [
            "2102.01723",
            "2012.10518",
            "2010.04230",
            "2010.02075",
            "2008.00104",
            "2006.16239",
            "2006.10029",
            "2006.08084",
            "2003.02645",
            "1912.03263"
        ]
    );
    let abs = |i: usize| p.records[i].fields.abstract_text.as_deref().unwrap();
    assert!(abs(0).starts_with("The looming end of Moore's Law"));
    assert!(abs(5).starts_with("Program execution speed critically depends"));
    assert!(abs(6).starts_with("One paradigm for learning from few labeled examples"));
    assert!(abs(9).starts_with("We propose to reinterpret a standard discriminative classifier"));
    // Spaces lost in the copy stay lost.
    assert!(abs(2).contains("representuncertainty"));
    assert_eq!(p.records[8].fields.comments.as_deref(), Some("Preprint"));
    assert_eq!(
        p.records[5].fields.venue.as_deref(),
        Some("International Conference on Machine Learning (ICML), 2020")
    );
    assert!(p.records[0]
        .raw
        .ends_with("(NeurIPS 2020)\narXiv:2102.01723"));
    assert!(p.records[1].raw.starts_with("We introduce a technique"));
    assert_eq!(p.records[1].line, 3);
    assert_eq!(
        p.records[9].raw,
        &text[text.rfind("We propose to").unwrap()..]
    );
}

#[test]
fn profile_page_fields() {
    let (_, p) = parse_seed("001_");
    assert!(p
        .records
        .iter()
        .all(|r| r.fields.listing_author.as_deref() == Some("Swersky, Kevin")));
    let r = &p.records[0];
    assert_eq!(
        r.fields.title.as_deref(),
        Some("Two Sides of the Same Coin: Heterophily and Oversmoothing in Graph Convolutional Neural Networks")
    );
    assert_eq!(r.fields.categories, ["Artificial Intelligence"]);
    assert!(r
        .fields
        .abstract_text
        .as_deref()
        .unwrap()
        .starts_with("In node classification tasks"));
    assert_eq!(
        p.records[8].fields.title.as_deref(),
        Some("MIM: Mutual Information Machine")
    );
    assert!(p.records.iter().all(|r| r.fields.title.is_some()
        && r.fields.categories.len() == 1
        && r.fields.abstract_text.is_some()));
}

#[test]
fn conference_list_fields() {
    let (_, p) = parse_seed("002_");
    let r = &p.records[0];
    assert_eq!(
        r.fields.authors,
        [
            "Keyulu Xu",
            "Mozhi Zhang",
            "Jingling Li",
            "Simon Shaolei Du",
            "Ken-Ichi Kawarabayashi",
            "Stefanie Jegelka"
        ]
    );
    assert_eq!(
        r.fields.tldr.as_deref(),
        Some("We study how neural networks trained by gradient descent extrapolate.")
    );
    assert!(r.fields.title.is_none());
    assert_eq!(p.records[2].fields.authors[0], "David A. Klindt");
    assert!(p.records.iter().all(|r| !r.fields.authors.is_empty()
        && r.fields
            .abstract_text
            .as_deref()
            .is_some_and(|a| a.len() > 500)));
    assert_eq!(
        p.records.iter().filter(|r| r.fields.tldr.is_some()).count(),
        135
    );
    let single = p
        .records
        .iter()
        .find(|r| r.fields.authors == ["Rewon Child"]);
    assert!(single.is_some());
}

#[test]
fn trending_page_fields() {
    let (_, p) = parse_seed("004_");
    let titles: Vec<&str> = p
        .records
        .iter()
        .map(|r| r.fields.title.as_deref().unwrap())
        .collect();
    assert_eq!(
        titles[0],
        "Assemblage: Automatic Binary Dataset Construction for Machine Learning"
    );
    assert_eq!(titles[7], "Light Schrödinger Bridge");
    assert!(titles.contains(
        &"Convergent Learning: Do different neural networks learn the same representations?"
    ));
    assert_eq!(
        titles[58],
        "Attention-based Dynamic Subspace Learners for Medical Image Analysis"
    );
    for r in &p.records {
        let t = r.fields.title.as_deref().unwrap();
        assert!(t.len() < 250 && !t.ends_with('.'), "{t}");
        assert!(r
            .fields
            .abstract_text
            .as_deref()
            .is_some_and(|a| a.len() > 500));
        // "Mar 14" has no year, so no record has a date.
        assert!(r.fields.year.is_none() && r.fields.date.is_none());
    }
    assert_eq!(p.records[0].line, 11);
}

/// Cuts `text` at many points (most in mid-line), and checks that every
/// record that ended before the cut comes back unchanged and nothing panics.
fn check_truncations(name: &str, text: &str, format: Format) {
    let full = parse_str(name, text, format).unwrap();
    let ends: Vec<usize> = full
        .records
        .iter()
        .map(|r| raw_offset(text, r) + r.raw.len())
        .collect();
    let steps = 41;
    for step in 1..steps {
        let mut cut = text.len() * step / steps;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        let part = &text[..cut];
        let got = parse_file(name, part.as_bytes(), Some(format))
            .unwrap_or_else(|e| panic!("{name} cut at {cut}: {e}"));
        for (r, &end) in full.records.iter().zip(&ends) {
            if end <= cut {
                assert_eq!(
                    got.records.get(r.index),
                    Some(r),
                    "{name} cut at {cut}: record {} changed",
                    r.index
                );
            }
        }
        let complete = ends.iter().filter(|&&e| e <= cut).count();
        assert!(got.records.len() + got.errors.len() >= complete);
        if step * 10 >= steps * 3 {
            assert_eq!(detect(name, part), Some(format), "{name} cut at {cut}");
        }
    }
}

#[test]
fn truncated_seed_files_keep_their_earlier_records() {
    for prefix in [
        "000_",
        "001_",
        "002_",
        "003_",
        "004_",
        "sample.bib",
        "arxiv_sample",
    ] {
        let (name, text) = read_seed(prefix);
        let format = detect(&name, &text).unwrap();
        check_truncations(&name, &text, format);
    }
    let json = std::fs::read_to_string(corpus_dir().join("conferences/nips1987.json")).unwrap();
    check_truncations("nips1987.json", &json, Format::ConferenceJson);
}

#[test]
fn atom_sample_fields() {
    let (text, p) = parse_seed("arxiv_sample");
    assert_eq!(p.format, Format::ArxivAtom);
    assert_eq!(p.records.len(), 5);
    assert!(p.errors.is_empty());
    let mim = &p.records[0].fields;
    assert_eq!(
        mim.title.as_deref(),
        Some("MIM: Mutual Information Machine")
    );
    assert_eq!(
        mim.authors,
        ["Micha Livne", "Kevin Swersky", "David J. Fleet"]
    );
    let id = mim.arxiv_id.as_ref().unwrap();
    assert_eq!((id.id.as_str(), id.version), ("1910.03175", Some(2)));
    assert_eq!(mim.date.as_deref(), Some("2019-10-07"));
    assert_eq!(mim.year, Some(2019));
    assert_eq!(mim.categories, ["cs.LG", "stat.ML"]);
    // The summary is wrapped in the feed; collapsed it is the listing's abstract.
    let (_, listing) = read_seed("000_");
    assert_eq!(mim.abstract_text.as_deref(), listing.lines().next());
    let kinds: Vec<&str> = mim.links.iter().map(|l| l.kind.as_str()).collect();
    assert_eq!(kinds, ["abs", "pdf"]);

    let simclr = &p.records[1].fields;
    assert_eq!(
        simclr.title.as_deref(),
        Some("Big Self-Supervised Models are Strong Semi-Supervised Learners")
    );
    assert_eq!(simclr.authors.len(), 5);
    assert_eq!(simclr.arxiv_id.as_ref().unwrap().id, "2006.10029");

    let ilsvrc = &p.records[2].fields;
    assert_eq!(ilsvrc.doi.as_deref(), Some("10.1007/s11263-015-0816-y"));
    assert_eq!(ilsvrc.venue.as_deref(), Some("IJCV, 2015"));
    assert_eq!(ilsvrc.categories[0], "cs.CV");
    assert!(ilsvrc.links.iter().any(|l| l.kind == "doi"));

    let overview = &p.records[3].fields;
    assert_eq!(overview.authors, ["Jürgen Schmidhuber"]);
    assert!(overview
        .abstract_text
        .as_deref()
        .unwrap()
        .contains("reinforcement learning & evolutionary computation"));

    let old_style = p.records[4].fields.arxiv_id.as_ref().unwrap();
    assert_eq!(old_style.to_string(), "hep-th/9711200v3");
    assert!(p.records.iter().all(|r| r.raw.starts_with("<entry>")
        && r.raw.ends_with("</entry>")
        && text.contains(&r.raw)));
}

#[test]
fn bibtex_sample_fields() {
    let (_, p) = parse_seed("sample.bib");
    assert_eq!(p.format, Format::Bibtex);
    assert_eq!(p.records.len(), 5);
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let f = |i: usize| &p.records[i].fields;
    // @string macro expanded.
    assert_eq!(
        f(0).venue.as_deref(),
        Some("Proceedings of the 37th International Conference on Machine Learning")
    );
    assert_eq!(f(0).arxiv_id.as_ref().unwrap().id, "2006.16239");
    assert_eq!(f(0).source_key.as_deref(), Some("liu2020imitation"));
    // "Family, Given" names come out as "Given Family", in order.
    assert_eq!(
        f(1).authors,
        [
            "Ting Chen",
            "Simon Kornblith",
            "Kevin Swersky",
            "Mohammad Norouzi",
            "Geoffrey Hinton"
        ]
    );
    assert_eq!(f(1).arxiv_id.as_ref().unwrap().id, "2006.10029");
    assert_eq!(f(1).links[0].kind, "abs");
    // Accents become Unicode and protective braces go.
    assert_eq!(f(2).title.as_deref(), Some("Light Schrödinger Bridge"));
    assert_eq!(
        f(2).venue.as_deref(),
        Some("The Twelfth International Conference on Learning Representations")
    );
    assert_eq!(
        f(3).authors,
        [
            "Bernhard Schölkopf",
            "Alexander Smola",
            "Klaus-Robert Müller"
        ]
    );
    assert_eq!(f(3).date.as_deref(), Some("1997-10"));
    assert_eq!(f(4).authors[0], "Léon Bottou");
    assert_eq!(f(4).doi.as_deref(), Some("10.1137/16m1080173"));
    assert_eq!(f(4).venue.as_deref(), Some("SIAM Review"));
    assert_eq!(f(4).year, Some(2018));
    assert!(p
        .records
        .iter()
        .all(|r| r.fields.bibtex.as_deref() == Some(r.raw.as_str())
            && r.raw.starts_with('@')
            && r.raw.ends_with('}')));
}

#[test]
fn real_conference_file_parses_completely() {
    let path = corpus_dir().join("conferences/nips2018.json");
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("the shared corpus must be at {}: {e}", path.display()));
    let p = parse_file("nips2018.json", &bytes, None).unwrap();
    let all: Vec<serde_json::Value> = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(p.format, Format::ConferenceJson);
    assert_eq!(p.records.len(), all.len());
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    let text = std::str::from_utf8(&bytes).unwrap();
    check_positions(text, &p.records);
    let r = &p.records[0];
    assert_eq!(
        r.fields.title.as_deref(),
        Some("$\\ell_1$-regression with Heavy-tailed Distributions")
    );
    assert_eq!(r.fields.authors, ["Lijun Zhang", "Zhi-Hua Zhou"]);
    assert_eq!(r.fields.venue.as_deref(), Some("NeurIPS 2018"));
    assert_eq!(r.fields.year, Some(2018));
    assert_eq!(r.fields.citation_count, Some(36));
    assert_eq!(r.fields.source_key.as_deref(), Some("11127"));
    assert_eq!(r.fields.comments.as_deref(), Some("Poster"));
    assert_eq!(r.line, 2);
    assert!(r
        .fields
        .bibtex
        .as_deref()
        .unwrap()
        .starts_with("@inproceedings{NEURIPS2018_8b16ebc0"));
    let kinds: Vec<&str> = r.fields.links.iter().map(|l| l.kind.as_str()).collect();
    assert_eq!(kinds, ["site", "pdf", "oa"]);
    // Each record's raw text is its array element, verbatim.
    for (r, v) in p.records.iter().zip(&all) {
        let back: serde_json::Value = serde_json::from_str(&r.raw).unwrap();
        assert_eq!(&back, v);
    }
}

#[test]
fn whole_conference_corpus_parses_without_errors() {
    let dir = corpus_dir().join("conferences");
    let mut total = 0;
    let mut files = 0;
    for entry in std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("the shared corpus must be at {}: {e}", dir.display()))
    {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let p = parse_file(&name, &std::fs::read(&path).unwrap(), None).unwrap();
        assert!(p.errors.is_empty(), "{name}: {:?}", p.errors);
        let stem = name.trim_end_matches(".json");
        let year: i32 = stem[stem.len() - 4..].parse().unwrap();
        assert!(p.records.iter().all(|r| r.fields.year == Some(year)));
        total += p.records.len();
        files += 1;
    }
    assert_eq!((files, total), (39, 11_283));
}

#[test]
fn inline_conference_json_with_a_bad_element() {
    let json = br#"[
  {"title": "Fine", "author": "Ann Lee; Bo Li", "abstract": "An abstract.", "brand_new_field": [1, {"x": null}]},
  {"title": 7, "abstract": "Numeric title."},
  {"title": "Also fine", "abstract": "More.", "tldr": "Short.", "keywords": "graphs; kernels"}
]"#;
    let p = parse_file("accepted.json", json, None).unwrap();
    assert_eq!(p.records.len(), 2);
    assert_eq!(p.records[1].index, 2);
    assert_eq!(p.records[1].fields.categories, ["graphs", "kernels"]);
    assert_eq!(p.errors.len(), 1);
    let e = &p.errors[0];
    assert_eq!((e.index, e.line), (Some(1), Some(3)));
    assert!(e.message.contains("`title`"), "{}", e.message);
    assert!(e.to_string().starts_with("accepted.json:3 (record 2): "));
}

#[test]
fn non_utf8_bytes_are_reported_with_their_offset() {
    let mut bytes = b"Keyulu Xu, Mozhi Zhang\n".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe, b'x']);
    let err = parse_file("latin1.txt", &bytes, None).unwrap_err();
    assert_eq!(
        err,
        FormatError::NotUtf8 {
            file: "latin1.txt".into(),
            offset: 23
        }
    );
    let msg = err.to_string();
    assert!(msg.contains("latin1.txt") && msg.contains("23"), "{msg}");
}

#[test]
fn unrecognized_text_is_refused() {
    let readme = std::fs::read_to_string(corpus_dir().join("README.md")).unwrap();
    assert_eq!(detect("README.md", &readme), None);
    let prose = "The committee met on Tuesday. Nobody had read the minutes, and the chair, \
        who had, was too polite to say so. After an hour they adjourned.\n\n"
        .repeat(20);
    assert_eq!(detect("notes.txt", &prose), None);
    let err = parse_file("notes.txt", prose.as_bytes(), None).unwrap_err();
    assert_eq!(err.to_string(), "notes.txt: not a recognized format");
    let cargo_toml =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml")).unwrap();
    assert_eq!(detect("Cargo.toml", &cargo_toml), None);
    let source =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    assert_eq!(detect("lib.rs", &source), None);
    let png_like = [
        0x89u8, b'P', b'N', b'G', 0, 0, 0, 13, b'I', b'H', b'D', b'R',
    ];
    assert!(matches!(
        parse_file("x.png", &png_like, None),
        Err(FormatError::NotUtf8 { .. } | FormatError::Unrecognized { .. })
    ));
}

#[test]
fn forced_format_overrides_detection() {
    let (name, text) = read_seed("004_");
    let p = parse_file(&name, text.as_bytes(), Some(Format::TrendingPage)).unwrap();
    assert_eq!(p.records.len(), 59);
    let as_json = parse_file(&name, text.as_bytes(), Some(Format::ConferenceJson));
    assert!(matches!(as_json, Err(FormatError::NotJsonArray { .. })));
}

/// The conference corpus holds 11,283 real author lists and abstracts: a
/// good sample of what the conference-list classifier must tell apart.
#[test]
fn authors_line_classifier_on_real_author_lists_and_abstracts() {
    use paperdex_formats::seeds::conference_list::is_authors_line;
    let dir = corpus_dir().join("conferences");
    let (mut names, mut names_missed, mut texts, mut texts_taken) = (0, Vec::new(), 0, Vec::new());
    for entry in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let all: Vec<serde_json::Value> = serde_json::from_slice(&bytes).unwrap();
        for paper in all {
            if let Some(authors) = paper["author"].as_str() {
                let line = authors
                    .split(';')
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(", ");
                names += 1;
                if !is_authors_line(&line) {
                    names_missed.push(line);
                }
            }
            // Lists in this layout have no titles, so only abstracts (and
            // abstract-like tl;drs) must never read as names.
            // Some old lists hold a name or "Abstract Unavailable" there.
            let abstract_text = paper["abstract"].as_str();
            if let Some(text) = abstract_text.filter(|t| t.split_whitespace().count() >= 20) {
                texts += 1;
                if is_authors_line(text) {
                    texts_taken.push(text.to_string());
                }
            }
        }
    }
    println!(
        "missed {} of {names} author lists: {:?}",
        names_missed.len(),
        &names_missed[..names_missed.len().min(20)]
    );
    println!(
        "took {} of {texts} abstracts for authors: {:?}",
        texts_taken.len(),
        &texts_taken[..texts_taken.len().min(20)]
    );
    assert!(
        names_missed.len() * 200 <= names,
        "too many author lists missed"
    );
    assert!(texts_taken.is_empty(), "abstracts taken for authors");
}

#[test]
fn crlf_copies_of_the_seeds_read_the_same() {
    for prefix in [
        "000_",
        "001_",
        "002_",
        "003_",
        "004_",
        "sample.bib",
        "arxiv_sample",
    ] {
        let (name, text) = read_seed(prefix);
        let crlf = text.replace('\n', "\r\n");
        let lf = parse_file(&name, text.as_bytes(), None).unwrap();
        let got = parse_file(&name, crlf.as_bytes(), None).unwrap();
        assert_eq!(got.format, lf.format, "{name}");
        assert_eq!(got.records.len(), lf.records.len(), "{name}");
        check_positions(&crlf, &got.records);
        for (a, b) in got.records.iter().zip(&lf.records) {
            assert_eq!(a.line, b.line, "{name}");
            let mut fields = a.fields.clone();
            // Only the verbatim BibTeX keeps its line endings.
            fields.bibtex = fields.bibtex.map(|b| b.replace("\r\n", "\n"));
            assert_eq!(fields, b.fields, "{name} record {}", a.index);
        }
    }
}
