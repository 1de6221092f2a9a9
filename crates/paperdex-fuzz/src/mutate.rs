//! Structure-aware mutation of real inputs, for the stable-toolchain fuzzer.
//!
//! Without compiler coverage (that needs nightly's libFuzzer or AFL), blind
//! byte flips rarely get past a parser's first check. The mutations here keep
//! most of a real file and change it the way hostile or broken files differ
//! from good ones: the format's own tokens inserted or removed, lines
//! dropped, duplicated or swapped, files cut mid-record, brackets nested
//! deeply, huge repetitions, invalid UTF-8 and control bytes, and splices of
//! two inputs.

use crate::{Format, Target};
use rand::rngs::StdRng;
use rand::Rng;

/// The largest input the fuzzer makes; larger ones are cut.
pub const MAX_INPUT: usize = 4 << 20;

/// Tokens that mean something to a target's reader.
pub fn dictionary(target: Target) -> &'static [&'static str] {
    const LISTING: &[&str] = &[
        "arXiv:",
        "arXiv:1910.03175",
        "arXiv:1910.03175v2",
        "arXiv:math/0501001",
        "Created: 2019-10-07",
        "Created: ",
        " - ICML 2019",
        "Comments: 10 pages",
        "Preprint",
        "\n\n",
        "\n",
        "\r\n",
        "\u{feff}",
        "Collaborating Authors",
        "arXiv.org cs.LG",
        "tl;dr: ",
        "Get trending papers in your email inbox!",
        "Kevin Swersky, Ann Lee, Bo Chen",
        "?",
        "\t",
    ];
    const JSON: &[&str] = &[
        "[",
        "]",
        "{",
        "}",
        ",",
        ":",
        "\"",
        "\\",
        "\\u0000",
        "\\ud800",
        "null",
        "true",
        "1e999",
        "-0",
        "\"title\":",
        "\"author\":",
        "\"abstract\":",
        "\"year\":",
        "\"doi\":",
        "\"arxiv_id\":",
        "\"tldr\":",
        "\"keywords\":",
        "\"venue\":",
        " ; ",
        "{}",
        "[]",
        "\"\"",
        "12345678901234567890",
    ];
    const ATOM: &[&str] = &[
        "<feed xmlns=\"http://www.w3.org/2005/Atom\">",
        "</feed>",
        "<entry>",
        "</entry>",
        "<title>",
        "</title>",
        "<summary>",
        "</summary>",
        "<author><name>",
        "</name></author>",
        "<id>http://arxiv.org/abs/1910.03175v1</id>",
        "<published>2019-10-07T00:00:00Z</published>",
        "<arxiv:doi>10.1000/x</arxiv:doi>",
        "<![CDATA[",
        "]]>",
        "&amp;",
        "&#0;",
        "&#x110000;",
        "&bogus;",
        "<!DOCTYPE feed [<!ENTITY a \"aaaa\">]>",
        "<?xml version=\"1.0\"?>",
        "<!--",
        "-->",
        "<",
        ">",
        "/>",
    ];
    const BIBTEX: &[&str] = &[
        "@article{",
        "@inproceedings(",
        "@string{s = \"x\"}",
        "@comment{",
        "@preamble{",
        "{",
        "}",
        "(",
        ")",
        "\"",
        ",",
        "=",
        "#",
        "\\",
        "{\\\"a}",
        "\\'{e}",
        "title = {",
        "author = {",
        " and ",
        "others",
        "year = 2019",
        "year = {20x9}",
        "doi = {10.1000/x}",
        "eprint = {1910.03175}",
        "month = jan",
        "%",
        "@",
    ];
    const QUERY: &[&str] = &[
        "\"",
        "-",
        "author:",
        "year:",
        "venue:",
        "source:",
        "..",
        "2019",
        "year:2018..2020",
        "AUTHOR:",
        "\"a b\"",
        " ",
        "*",
        "?",
        ":",
        "\\",
        "é",
        "\u{0}",
        "-\"",
        "year:..",
    ];
    match target {
        Target::Reader(Format::ConferenceJson) => JSON,
        Target::Reader(Format::ArxivAtom) => ATOM,
        Target::Reader(Format::Bibtex) => BIBTEX,
        Target::Query => QUERY,
        Target::Detect => LISTING,
        _ => LISTING,
    }
}

/// Mutates `input` in place with one to four random mutations; `other` is
/// another input to splice from.
pub fn mutate(target: Target, rng: &mut StdRng, input: &mut Vec<u8>, other: &[u8]) {
    let dict = dictionary(target);
    for _ in 0..rng.random_range(1..=4) {
        let len = input.len();
        match rng.random_range(0..16) {
            0 => {
                // Flip a bit.
                if len > 0 {
                    let i = rng.random_range(0..len);
                    input[i] ^= 1 << rng.random_range(0..8);
                }
            }
            1 => {
                // An interesting byte: NUL, control, invalid UTF-8, a UTF-8 lead.
                const BYTES: [u8; 10] = [0, 0x0c, 0x1b, 0x7f, 0x80, 0xbf, 0xc0, 0xe2, 0xf0, 0xff];
                let b = BYTES[rng.random_range(0..BYTES.len())];
                let i = rng.random_range(0..=len);
                input.insert(i, b);
            }
            2..=4 => {
                // Insert a token of the format, at a line start half the time.
                let token = dict[rng.random_range(0..dict.len())].as_bytes();
                let at_line_start = rng.random_bool(0.5);
                let i = position(rng, input, at_line_start);
                input.splice(i..i, token.iter().copied());
            }
            5 => {
                // Delete a range.
                if len > 0 {
                    let i = rng.random_range(0..len);
                    let n = rng.random_range(1..=(len - i).min(256));
                    input.drain(i..i + n);
                }
            }
            6 => {
                // Cut the file (a listing copied mid-record).
                if len > 0 {
                    input.truncate(rng.random_range(0..len));
                }
            }
            7 | 8 => line_op(rng, input),
            9 => {
                // Duplicate a range somewhere else.
                if len > 0 {
                    let i = rng.random_range(0..len);
                    let n = rng.random_range(1..=(len - i).min(4096));
                    let chunk = input[i..i + n].to_vec();
                    let at = rng.random_range(0..=len);
                    input.splice(at..at, chunk);
                }
            }
            10 => {
                // Splice: the start of this input and the end of the other.
                if !other.is_empty() {
                    let cut = rng.random_range(0..=len);
                    let from = rng.random_range(0..other.len());
                    input.truncate(cut);
                    input.extend_from_slice(&other[from..]);
                }
            }
            11 => {
                // Deep nesting or a long run of one token.
                let token = dict[rng.random_range(0..dict.len())].as_bytes();
                let times = *[16usize, 1000, 20_000, 200_000]
                    .get(rng.random_range(0..4))
                    .expect("index in range");
                let i = position(rng, input, false);
                let run: Vec<u8> = token
                    .iter()
                    .copied()
                    .cycle()
                    .take(token.len() * times)
                    .collect();
                input.splice(i..i, run);
            }
            12 => {
                // A very long line: a word repeated without a break.
                let i = position(rng, input, false);
                let run = b"word".repeat(rng.random_range(1_000..250_000));
                input.splice(i..i, run);
            }
            13 => {
                // Replace a token of the format with another.
                let from = dict[rng.random_range(0..dict.len())].as_bytes();
                let to = dict[rng.random_range(0..dict.len())].as_bytes();
                if let Some(i) = find(input, from, rng.random_range(0..=len)) {
                    input.splice(i..i + from.len(), to.iter().copied());
                }
            }
            14 => {
                // Change a digit (years, ids, line numbers).
                if let Some(i) = (0..8)
                    .map(|_| rng.random_range(0..len.max(1)))
                    .find(|&i| input.get(i).is_some_and(u8::is_ascii_digit))
                {
                    input[i] = b"0123456789"[rng.random_range(0..10)];
                }
            }
            _ => {
                // Random bytes.
                let i = rng.random_range(0..=len);
                let n = rng.random_range(1..16);
                let bytes: Vec<u8> = (0..n).map(|_| rng.random()).collect();
                input.splice(i..i, bytes);
            }
        }
    }
    input.truncate(MAX_INPUT);
}

/// A random position; with `line_start`, the start of a random line.
fn position(rng: &mut StdRng, input: &[u8], line_start: bool) -> usize {
    let i = rng.random_range(0..=input.len());
    if !line_start {
        return i;
    }
    input[..i]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || from >= haystack.len() {
        return None;
    }
    haystack[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// Drops, duplicates or swaps whole lines.
fn line_op(rng: &mut StdRng, input: &mut Vec<u8>) {
    let mut lines: Vec<Vec<u8>> = input.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    if lines.is_empty() {
        return;
    }
    let i = rng.random_range(0..lines.len());
    match rng.random_range(0..3) {
        0 => {
            lines.remove(i);
        }
        1 => {
            let line = lines[i].clone();
            for _ in 0..rng.random_range(1..4) {
                lines.insert(i, line.clone());
            }
        }
        _ => {
            let j = rng.random_range(0..lines.len());
            lines.swap(i, j);
        }
    }
    *input = lines.join(&b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn mutations_change_inputs_and_respect_the_size_limit() {
        let mut rng = StdRng::seed_from_u64(7);
        let seed = b"@article{k,\n title = {T},\n author = {A and B}\n}\n".to_vec();
        let mut changed = 0;
        for _ in 0..500 {
            let mut input = seed.clone();
            mutate(
                Target::Reader(Format::Bibtex),
                &mut rng,
                &mut input,
                b"other input",
            );
            assert!(input.len() <= MAX_INPUT);
            changed += usize::from(input != seed);
        }
        assert!(changed > 450, "only {changed} of 500 mutants differ");
    }
}
