//! A conference's accepted-papers list: per record a comma-separated authors
//! line, an optional `tl;dr: ...` line and an abstract line. There are no
//! titles and no blank lines.
//!
//! Records are found by a state machine over line kinds, where the kind of a
//! line comes from [`is_authors_line`] rather than from its position, so a
//! record missing its authors line or tl;dr, or a list cut off in the middle
//! of a record, does not shift every record after it.

use crate::sink::Sink;
use crate::text::{collapse_ws, lines, Line};
use paperdex_model::RecordFields;

const TLDR_PREFIX: &str = "tl;dr:";

/// Lower-case words that occur in English sentences but not in names, so a
/// short abstract fragment is not taken for a list of names.
const SENTENCE_WORDS: &[&str] = &[
    "the", "a", "an", "of", "in", "on", "for", "to", "with", "by", "from", "is", "are", "was",
    "were", "be", "been", "we", "our", "this", "that", "these", "those", "which", "it", "its",
    "as", "at", "or", "not", "can", "has", "have", "such", "than", "into", "using", "via", "how",
    "what", "when", "where", "while", "both", "each", "also", "only", "more", "most", "show",
    "shows", "propose", "paper", "method", "model", "models", "learning", "data", "network",
    "networks", "results", "approach", "problem", "task", "tasks", "i.e.", "e.g.",
];

/// Capitalized words that start sentences but rarely names.
const SENTENCE_STARTS: &[&str] = &[
    "The", "We", "Our", "This", "These", "In", "It", "Recent", "Many", "Most", "However",
];

/// Whether a line is a comma-separated list of person names: every segment a
/// few name-like words, no sentence words or sentence punctuation.
pub fn is_authors_line(line: &str) -> bool {
    let line = line.trim();
    if line.is_empty() || line.len() >= 1500 {
        return false;
    }
    if line.ends_with([':', ';', '!', '?', ',']) || is_tldr(line) {
        return false;
    }
    if line.chars().any(|c| {
        c.is_ascii_digit()
            || matches!(c, '$' | '=' | '"' | '<' | '>' | '[' | ']' | '{' | '}')
            || matches!(
                c,
                '|' | '/' | '\\' | '@' | '#' | '%' | '^' | '+' | '~' | ':' | ';'
            )
            || matches!(c, '“' | '”' | '?' | '!')
    }) {
        return false;
    }
    let segments = split_authors(line);
    if segments.is_empty() {
        return false;
    }
    let first_word = line.split_whitespace().next().unwrap_or("");
    if SENTENCE_STARTS.contains(&first_word) && segments[0].contains(' ') {
        return false;
    }
    let mut capitalized = 0;
    for seg in &segments {
        let words: Vec<&str> = seg.split_whitespace().collect();
        if words.is_empty() || words.len() > 6 {
            return false;
        }
        for w in &words {
            if w.chars().count() > 30
                || SENTENCE_WORDS.contains(w)
                || !is_name_word_with_dots(w)
                || !w
                    .trim_start_matches(['(', '\'', '‘', '-'])
                    .chars()
                    .next()
                    .is_some_and(char::is_alphabetic)
            {
                return false;
            }
        }
        if words
            .iter()
            .any(|w| w.chars().next().is_some_and(char::is_uppercase))
        {
            capitalized += 1;
        }
    }
    // Some people type their names in lower case; most do not.
    capitalized * 3 >= segments.len()
}

/// A word may hold dots only as initials do ("A.", "S.V.N.", "G.Dimakis"),
/// not as a sentence does ("extrapolate.").
fn is_name_word_with_dots(word: &str) -> bool {
    let mut pieces: Vec<&str> = word.split('.').collect();
    pieces.pop();
    pieces.iter().all(|p| p.chars().count() <= 3)
}

/// Splits an authors line on ", " and " and ".
pub fn split_authors(line: &str) -> Vec<String> {
    line.split(',')
        .flat_map(|part| part.split(" and "))
        .map(|name| {
            let name = name.trim();
            name.strip_prefix("and ").unwrap_or(name).trim()
        })
        .filter(|name| !name.is_empty())
        .map(collapse_ws)
        .collect()
}

fn is_tldr(line: &str) -> bool {
    line.trim_start()
        .get(..TLDR_PREFIX.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(TLDR_PREFIX))
}

#[derive(Default)]
struct Pending {
    start: usize,
    end: usize,
    authors: Option<Vec<String>>,
    tldr: Option<String>,
    abstract_text: Option<String>,
}

#[derive(PartialEq)]
enum Kind {
    Authors,
    Tldr,
    Text,
}

pub(crate) fn parse(sink: &mut Sink) {
    let all: Vec<Line> = lines(sink.text)
        .into_iter()
        .filter(|l| !l.is_blank())
        .collect();
    let mut current: Option<Pending> = None;
    for (i, line) in all.iter().enumerate() {
        let text = line.text.trim();
        let expecting_abstract = current.as_ref().is_some_and(|c| c.abstract_text.is_none());
        let kind = if is_tldr(text) {
            Kind::Tldr
        } else if is_authors_line(text) {
            if !expecting_abstract {
                Kind::Authors
            } else {
                // After an authors or tl;dr line a name-like line is usually a
                // short abstract; it starts a new record only if a record's
                // body follows it.
                match all.get(i + 1).map(|n| n.text.trim()) {
                    Some(next) if is_tldr(next) || !is_authors_line(next) => Kind::Authors,
                    _ => Kind::Text,
                }
            }
        } else {
            Kind::Text
        };
        let ends_record = match kind {
            Kind::Authors => true,
            Kind::Tldr => current
                .as_ref()
                .is_some_and(|c| c.tldr.is_some() || c.abstract_text.is_some()),
            Kind::Text => current.as_ref().is_some_and(|c| c.abstract_text.is_some()),
        };
        if ends_record {
            emit(sink, current.take());
        }
        let rec = current.get_or_insert_with(|| Pending {
            start: line.start,
            ..Default::default()
        });
        rec.end = line.end;
        match kind {
            Kind::Authors => rec.authors = Some(split_authors(text)),
            Kind::Tldr => rec.tldr = crate::text::non_empty(&text[TLDR_PREFIX.len()..]),
            Kind::Text => rec.abstract_text = Some(collapse_ws(text)),
        }
    }
    emit(sink, current);
}

fn emit(sink: &mut Sink, pending: Option<Pending>) {
    let Some(p) = pending else { return };
    let fields = RecordFields {
        authors: p.authors.unwrap_or_default(),
        tldr: p.tldr,
        abstract_text: p.abstract_text,
        ..Default::default()
    };
    sink.record(p.start, p.end, fields);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse_str;
    use paperdex_model::Format;

    const ABSTRACT: &str = "We study how neural networks extrapolate, i.e., what they learn outside the support of the training distribution.";

    #[test]
    fn author_lines_are_told_from_text() {
        assert!(is_authors_line(
            "Keyulu Xu, Mozhi Zhang, Ken-Ichi Kawarabayashi"
        ));
        assert!(is_authors_line("David A. Klindt, Lukas Schott"));
        assert!(is_authors_line("Rewon Child"));
        assert!(is_authors_line(
            "Yoshua Bengio, victor schmidt, pierre luc carrier"
        ));
        assert!(is_authors_line(
            "Jérémie DONA, Emmanuel de Bezenac and Nicolas THOME"
        ));
        assert!(is_authors_line("John Smith Jr."));
        assert!(is_authors_line(
            "Pinar Yanardag, S.V.N. Vishwanathan, Ramakrishnan K.r."
        ));
        assert!(is_authors_line("Qiang Li, In So Kweon"));
        assert!(!is_authors_line("Results vary widely."));
        assert!(!is_authors_line("In practice, however, gains vanish"));
        assert!(!is_authors_line(ABSTRACT));
        assert!(!is_authors_line("tl;dr: We study extrapolation."));
        assert!(!is_authors_line(
            "In contrast, we propose a method, which works"
        ));
        assert!(!is_authors_line("Code is available at"));
        assert!(!is_authors_line(
            "The model, trained end to end, generalizes"
        ));
        assert_eq!(
            split_authors("A B, C D and E F, and G H"),
            ["A B", "C D", "E F", "G H"]
        );
    }

    #[test]
    fn missing_lines_do_not_shift_later_records() {
        let text = format!(
            "Ann Lee, Bo Li\ntl;dr: First tl;dr.\n{ABSTRACT}\nCarl Wu\n{ABSTRACT}\ntl;dr: A record without authors.\n{ABSTRACT}\n{ABSTRACT}\nDan Xu, Eve Yu\ntl;dr: Cut\nNeural link predict"
        );
        let p = parse_str("c.txt", &text, Format::ConferenceList).unwrap();
        let got: Vec<(usize, bool, bool)> = p
            .records
            .iter()
            .map(|r| {
                (
                    r.fields.authors.len(),
                    r.fields.tldr.is_some(),
                    r.fields.abstract_text.is_some(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (2, true, true),
                (1, false, true),
                (0, true, true),
                (0, false, true),
                (2, true, true)
            ]
        );
        assert_eq!(
            p.records[4].fields.abstract_text.as_deref(),
            Some("Neural link predict")
        );
        assert_eq!(p.records[3].line, 8);
    }
}
