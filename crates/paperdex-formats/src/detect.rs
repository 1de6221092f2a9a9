//! Format detection from a file's text, with its name as a hint.
//!
//! Machine formats are told by their first characters. The plain-text seed
//! layouts are told by signatures that only they have (`Created:` lines after
//! `arXiv:` lines, ids glued to words, the profile header, the trending-page
//! banner, authors/tl;dr/abstract runs), and a text with none of them is not
//! recognized rather than guessed at: ingesting prose as records would be
//! worse than refusing it.

use crate::seeds::{conference_list, is_title_before, looks_like_paragraph, trending_page};
use crate::text::{blocks, lines};
use paperdex_model::{ArxivId, Format};

/// Detects the format of `text` (the file name is a hint: `.json`, `.bib`,
/// `.xml`/`.atom`), or returns `None` when no reader recognizes it.
pub fn detect(file_name: &str, text: &str) -> Option<Format> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if looks_binary(text) {
        return None;
    }
    let ext = extension(file_name);
    let head = text.trim_start();
    if head.is_empty() {
        return None;
    }
    if let Some(after) = head.strip_prefix('[') {
        let after = after.trim_start();
        if after.starts_with('{') || after.starts_with(']') || ext == "json" {
            return Some(Format::ConferenceJson);
        }
    }
    if head.starts_with('{') && ext == "json" {
        // Reading it reports that the records must be an array.
        return Some(Format::ConferenceJson);
    }
    if head.starts_with('<') {
        let window = &head[..char_floor(head, 8192)];
        let is_feed = window.contains("<feed") || window.contains("<entry");
        return is_feed.then_some(Format::ArxivAtom);
    }
    if looks_like_bibtex(text, ext == "bib") {
        return Some(Format::Bibtex);
    }
    detect_listing(text)
}

fn extension(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match base.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => ext.to_ascii_lowercase(),
        _ => String::new(),
    }
}

/// The largest char boundary of `s` at or before byte `i`.
pub(crate) fn char_floor(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn looks_binary(text: &str) -> bool {
    let sample = &text[..char_floor(text, 8192)];
    let control = sample
        .chars()
        .filter(|&c| c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
        .count();
    sample.contains('\0') || control * 100 > sample.chars().count()
}

/// `@type{` or `@type(` at the start of a line.
pub(crate) fn is_entry_start(line: &str) -> bool {
    let Some(rest) = line.trim_start().strip_prefix('@') else {
        return false;
    };
    let ident = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
    ident > 0 && rest[ident..].trim_start().starts_with(['{', '('])
}

fn looks_like_bibtex(text: &str, bib_ext: bool) -> bool {
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('%'));
    if first.is_some_and(is_entry_start) {
        return true;
    }
    bib_ext && text.lines().any(is_entry_start)
}

#[derive(Default)]
struct Signature {
    created: usize,
    id_lines: usize,
    glued: usize,
    collaborating_header: bool,
    arxiv_org: usize,
    trending_banner: bool,
}

fn detect_listing(text: &str) -> Option<Format> {
    let all = lines(text);
    let mut sig = Signature::default();
    for (i, line) in all.iter().enumerate() {
        let t = line.text.trim();
        let lower = t.get(..8).unwrap_or(t).to_ascii_lowercase();
        if lower.starts_with("created:")
            && t[8..]
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit())
        {
            sig.created += 1;
        } else if lower.starts_with("arxiv:") {
            if let Some((_, used)) = ArxivId::parse_prefix(t) {
                if t[used..].is_empty() || t[used..].starts_with(char::is_whitespace) {
                    sig.id_lines += 1;
                } else {
                    sig.glued += 1;
                }
            }
        } else if t.starts_with("arXiv.org ") && t.len() < 120 {
            sig.arxiv_org += 1;
        } else if i < 30 && t == "Collaborating Authors" {
            sig.collaborating_header = true;
        } else if i < 30
            && (t.eq_ignore_ascii_case(trending_page::CHROME[0])
                || t.to_ascii_lowercase().starts_with("get trending papers"))
        {
            sig.trending_banner = true;
        }
    }
    if sig.created > 0 && sig.id_lines > 0 && sig.glued == 0 {
        return Some(Format::ArxivListing);
    }
    if sig.glued > 0 && sig.created == 0 {
        return Some(Format::ArxivListingGlued);
    }
    if sig.id_lines >= 2 && sig.glued == 0 {
        return Some(Format::ArxivListing);
    }
    if sig.collaborating_header || sig.arxiv_org >= 2 {
        return Some(Format::ProfilePage);
    }
    if sig.trending_banner {
        return Some(Format::TrendingPage);
    }
    if looks_like_conference_list(text) {
        return Some(Format::ConferenceList);
    }
    if looks_like_title_abstract_pairs(text) {
        return Some(Format::TrendingPage);
    }
    None
}

/// Authors lines each followed (after an optional tl;dr) by an abstract line,
/// making up most of the text.
fn looks_like_conference_list(text: &str) -> bool {
    let nonblank: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut records = 0;
    let mut i = 0;
    while i < nonblank.len() {
        if conference_list::is_authors_line(nonblank[i]) {
            let mut j = i + 1;
            if nonblank
                .get(j)
                .is_some_and(|l| l.to_ascii_lowercase().starts_with("tl;dr:"))
            {
                j += 1;
            }
            if nonblank.get(j).is_some_and(|l| l.len() >= 200) {
                records += 1;
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    // A record is two or three lines; demand that records cover most lines.
    records >= 1 && records * 3 * 10 >= nonblank.len() * 7
}

/// Short titles each followed by a long abstract paragraph, making up
/// nearly every paragraph of the text.
fn looks_like_title_abstract_pairs(text: &str) -> bool {
    let all = blocks(text);
    let mut pairs = 0;
    let mut covered = 0;
    let mut i = 0;
    while i + 1 < all.len() {
        if is_title_before(all[i].text, all[i + 1].text) && all[i + 1].text.len() >= 400 {
            pairs += 1;
            covered += 2;
            i += 2;
            while i < all.len()
                && looks_like_paragraph(all[i].text)
                && !all
                    .get(i + 1)
                    .is_some_and(|n| is_title_before(all[i].text, n.text))
            {
                covered += 1;
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    pairs >= 3 && covered * 10 >= all.len() * 9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_formats_by_their_first_characters() {
        assert_eq!(
            detect("a.json", " [\n {\"title\": 1}]"),
            Some(Format::ConferenceJson)
        );
        assert_eq!(detect("a.txt", "[]"), Some(Format::ConferenceJson));
        assert_eq!(detect("a.json", "{\"a\": 1}"), Some(Format::ConferenceJson));
        assert_eq!(detect("a.txt", "{\"a\": 1}"), None);
        assert_eq!(
            detect(
                "f",
                "<?xml version=\"1.0\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
            ),
            Some(Format::ArxivAtom)
        );
        assert_eq!(
            detect("f.xml", "<?xml version=\"1.0\"?>\n<svg></svg>"),
            None
        );
        assert_eq!(
            detect("refs", "% my refs\n\n@article{k,\n title={T}}\n"),
            Some(Format::Bibtex)
        );
        assert_eq!(
            detect("refs.bib", "intro text\n@misc{k, title={T}}"),
            Some(Format::Bibtex)
        );
        assert_eq!(detect("refs.txt", "mail me @ home {soon}"), None);
    }

    #[test]
    fn prose_binary_and_empty_text_are_refused() {
        let prose = "It was a bright cold day in April, and the clocks were striking thirteen. \
            Winston Smith, his chin nuzzled into his breast in an effort to escape the vile wind, \
            slipped quickly through the glass doors of Victory Mansions.\n\n"
            .repeat(5);
        assert_eq!(detect("novel.txt", &prose), None);
        assert_eq!(detect("x.bin", "\u{0}\u{1}\u{2}ELF\u{0}\u{0}"), None);
        assert_eq!(detect("x.txt", "   \n\n"), None);
        assert_eq!(
            detect("x.txt", "Chapter 1\n\nShort.\n\nChapter 2\n\nAlso short."),
            None
        );
    }
}
