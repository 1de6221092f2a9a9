//! Hostile and broken inputs: regressions for what the fuzzer found
//! (`crates/paperdex-fuzz`, named `fuzz_<target>_<what>`) and the input
//! limits (huge lines, deep nesting, thousands of authors, bytes that are
//! not UTF-8). Each must end in records or errors naming the file and line,
//! never a panic, a stall or unbounded memory.

use paperdex_formats::{parse_file, parse_str, Format, FormatError};

/// Found by the fuzzer (bibtex target, seed 1): 200,000 nested `{` in a
/// conference BibTeX entry stalled the BibTeX parser, whose work grows with
/// the square of the nesting depth. Now the entry is refused by its depth.
#[test]
fn fuzz_bibtex_deeply_nested_braces_are_refused_by_depth() {
    let depth = 200_000;
    let text = format!(
        "@inproceedings{{ok,\n title = {{Fine}},\n year = {{1996}}\n}}\n\n@inproceedings{{deep,\n title = {}T{},\n year = {{1996}}\n}}\n",
        "{".repeat(depth),
        "}".repeat(depth)
    );
    let parsed = parse_str("nips1996.bib", &text, Format::Bibtex).unwrap();
    assert_eq!(parsed.records.len(), 1, "the sound entry is kept");
    assert_eq!(parsed.errors.len(), 1);
    let e = &parsed.errors[0];
    assert_eq!((e.file.as_str(), e.line), ("nips1996.bib", Some(6)));
    assert!(
        e.message.contains("`deep`") && e.message.contains("nested"),
        "{}",
        e.message
    );
}

/// Unclosed deep nesting runs to the end of the file: the same limit.
#[test]
fn unclosed_deep_braces_are_refused_too() {
    let text = format!("@article{{k,\n title = {}T\n", "{".repeat(100_000));
    let parsed = parse_str("refs.bib", &text, Format::Bibtex).unwrap();
    assert!(parsed.records.is_empty());
    assert!(
        parsed.errors[0].message.contains("nested"),
        "{:?}",
        parsed.errors
    );
}

/// A line holding a hundred thousand `@` signs once made entry splitting
/// quadratic (each `@` searched back for its line start).
#[test]
fn a_long_line_of_at_signs_is_split_in_linear_time() {
    let text = format!("@misc{{k, title={{T}}}}\n{}\n", "x@y ".repeat(100_000));
    let parsed = parse_str("refs.bib", &text, Format::Bibtex).unwrap();
    assert_eq!(parsed.records.len(), 1);
}

#[test]
fn an_oversized_bibtex_entry_is_refused_with_its_key_and_line() {
    let text = format!(
        "% refs\n@article{{big,\n abstract = {{{}}}\n}}\n@article{{small, title={{T}}}}\n",
        "word ".repeat(400_000)
    );
    let parsed = parse_str("refs.bib", &text, Format::Bibtex).unwrap();
    assert_eq!(parsed.records.len(), 1);
    let e = &parsed.errors[0];
    assert_eq!(e.line, Some(2));
    assert!(
        e.message.contains("`big`") && e.message.contains("limit"),
        "{}",
        e.message
    );
}

#[test]
fn thousands_of_string_macros_are_capped() {
    let mut text = String::new();
    for i in 0..5_000 {
        text.push_str(&format!("@string{{m{i} = \"v{i}\"}}\n"));
    }
    text.push_str("@article{k, title = m1 # { and more}}\n");
    let parsed = parse_str("macros.bib", &text, Format::Bibtex).unwrap();
    assert_eq!(parsed.records.len(), 1);
    assert_eq!(
        parsed.records[0].fields.title.as_deref(),
        Some("v1 and more")
    );
    assert!(parsed.errors.iter().any(|e| e.message.contains("@string")));
}

fn authors(n: usize, sep: &str) -> String {
    (0..n)
        .map(|i| format!("Author{i} Family{i}"))
        .collect::<Vec<_>>()
        .join(sep)
}

#[test]
fn ten_thousand_authors_on_one_paper_are_read_in_every_format_that_lists_authors() {
    let n = 10_000;
    let json = format!(
        "[{{\"title\": \"A Big Collaboration\", \"author\": \"{}\", \"abstract\": \"We all did it together.\"}}]",
        authors(n, "; ")
    );
    let bib = format!(
        "@article{{big, title={{A Big Collaboration}}, author={{{}}}}}",
        authors(n, " and ")
    );
    let atom = format!(
        "<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><id>http://arxiv.org/abs/1910.03175v1</id><title>A Big Collaboration</title><summary>We all did it.</summary>{}</entry></feed>",
        (0..n).map(|i| format!("<author><name>Author{i} Family{i}</name></author>")).collect::<String>()
    );
    for (name, text) in [("big.json", json), ("big.bib", bib), ("big.atom", atom)] {
        let parsed = parse_file(name, text.as_bytes(), None).unwrap();
        assert_eq!(parsed.records.len(), 1, "{name}: {:?}", parsed.errors);
        assert_eq!(parsed.records[0].fields.authors.len(), n, "{name}");
    }
}

#[test]
fn bytes_that_are_not_utf8_are_named_with_file_and_offset() {
    let mut bytes = b"[{\"title\": \"Caf".to_vec();
    bytes.push(0xe9); // Latin-1 e-acute
    bytes.extend_from_slice(b"\"}]");
    let err = parse_file("latin1.json", &bytes, None).unwrap_err();
    assert_eq!(
        err,
        FormatError::NotUtf8 {
            file: "latin1.json".into(),
            offset: 15
        }
    );
    assert!(err.to_string().contains("latin1.json"), "{err}");
}

/// A single line of several megabytes in every format: read (or refused
/// with the file named) without a panic. The 100 MB case runs from the CLI
/// tests of `paperdex ingest`.
#[test]
fn a_line_of_megabytes_in_every_format() {
    let long = "word ".repeat(1 << 20); // 5 MB
    let inputs = [
        (
            Format::ArxivListing,
            format!("{long}\n\narXiv:1910.03175\nCreated: 2019-10-07\n"),
        ),
        (
            Format::ArxivListingGlued,
            format!("{long}arXiv:1910.03175Next record\n"),
        ),
        (
            Format::ProfilePage,
            format!("Collaborating Authors\nA Title\narXiv.org cs.LG\n{long}\n"),
        ),
        (
            Format::ConferenceList,
            format!("Ann Lee, Bo Chen\n{long}\n"),
        ),
        (Format::TrendingPage, format!("A Title\n\n{long}\n")),
        (
            Format::ConferenceJson,
            format!("[{{\"title\": \"T\", \"abstract\": \"{long}\"}}]"),
        ),
        (
            Format::ArxivAtom,
            format!("<feed><entry><title>T</title><summary>{long}</summary></entry></feed>"),
        ),
        (
            Format::Bibtex,
            format!("@article{{k, title={{T}}, abstract={{{long}}}}}"),
        ),
    ];
    for (format, text) in inputs {
        match parse_str("long.txt", &text, format) {
            Ok(parsed) => {
                for e in &parsed.errors {
                    assert_eq!(e.file, "long.txt", "{format:?}");
                }
                assert!(
                    !parsed.records.is_empty() || !parsed.errors.is_empty(),
                    "{format:?}: nothing read and nothing said"
                );
            }
            Err(e) => assert_eq!(e.file(), "long.txt", "{format:?}"),
        }
    }
}

/// Found by the fuzzer (detect target, seed 20261123, on icml2019.json): a
/// byte-order mark right before a field's `=` in a record's `bibtex` value
/// made the field-name scan slice inside the mark and panic.
#[test]
fn fuzz_detect_a_multibyte_character_before_a_bibtex_field_name() {
    let text = "[{\"title\": \"Formal Privacy for Functional Data\", \"author\": \"Ardalan Mirshani\", \
        \"bibtex\": \"@InProceedings{pmlr-v97-mirshani19a,\\n title = {Formal Privacy},\\n month = {09--15 Jun},\\n publisher\u{feff} = {PMLR},\\n year\u{e9}= {2019}\\n}\"}]";
    let parsed = parse_file("icml2019.json", text.as_bytes(), None).unwrap();
    assert_eq!(parsed.format, Format::ConferenceJson);
    assert_eq!(parsed.records.len(), 1, "{:?}", parsed.errors);
    assert_eq!(
        parsed.records[0].fields.title.as_deref(),
        Some("Formal Privacy for Functional Data")
    );
}
