//! Line and paragraph splitting shared by the plain-text readers, with byte
//! offsets kept so records can point back at their verbatim text.

/// Byte offsets of line starts, to turn offsets into 1-based line numbers.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 64 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
        LineIndex { starts }
    }

    pub fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset)
    }
}

/// One line without its line ending.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    pub text: &'a str,
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset just past the last character (before `\r\n`/`\n`).
    pub end: usize,
}

impl Line<'_> {
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

pub(crate) fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for piece in text.split_inclusive('\n') {
        let content = piece.strip_suffix('\n').unwrap_or(piece);
        let content = content.strip_suffix('\r').unwrap_or(content);
        out.push(Line {
            text: content,
            start,
            end: start + content.len(),
        });
        start += piece.len();
    }
    out
}

/// A paragraph: consecutive non-blank lines.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Block<'a> {
    /// The paragraph's text, lines joined as in the file.
    pub text: &'a str,
    pub start: usize,
    pub end: usize,
}

impl<'a> Block<'a> {
    /// The paragraph on one line, whitespace runs collapsed.
    pub fn joined(&self) -> String {
        collapse_ws(self.text)
    }
}

pub(crate) fn blocks(text: &str) -> Vec<Block<'_>> {
    let mut out = Vec::new();
    let mut current: Option<(usize, usize)> = None;
    for line in lines(text) {
        if line.is_blank() {
            if let Some((s, e)) = current.take() {
                out.push(Block {
                    text: &text[s..e],
                    start: s,
                    end: e,
                });
            }
        } else {
            current = Some(match current {
                Some((s, _)) => (s, line.end),
                None => (line.start, line.end),
            });
        }
    }
    if let Some((s, e)) = current {
        out.push(Block {
            text: &text[s..e],
            start: s,
            end: e,
        });
    }
    out
}

/// Trims and collapses every whitespace run (line breaks included) to one space.
pub(crate) fn collapse_ws(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// `Some(text)` trimmed, or `None` when nothing is left.
pub(crate) fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// A plausible publication year at the start of `s` ("2019", "2019-10-07").
pub(crate) fn leading_year(s: &str) -> Option<i32> {
    let s = s.trim();
    let digits = s.get(..4)?;
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if s.as_bytes().get(4).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let year: i32 = digits.parse().ok()?;
    (1800..=2200).contains(&year).then_some(year)
}

/// A `YYYY-MM-DD` date (or its `YYYY-MM` / `YYYY` prefix) at the start of `s`.
pub(crate) fn leading_iso_date(s: &str) -> Option<String> {
    let s = s.trim();
    leading_year(s)?;
    let b = s.as_bytes();
    let two_digits = |i: usize| b.len() >= i + 2 && b[i..i + 2].iter().all(u8::is_ascii_digit);
    if b.get(4) == Some(&b'-') && two_digits(5) {
        let month: u32 = s[5..7].parse().ok()?;
        if !(1..=12).contains(&month) {
            return Some(s[..4].to_string());
        }
        if b.get(7) == Some(&b'-') && two_digits(8) {
            let day: u32 = s[8..10].parse().ok()?;
            if (1..=31).contains(&day) {
                return Some(s[..10].to_string());
            }
        }
        return Some(s[..7].to_string());
    }
    Some(s[..4].to_string())
}

/// Month number from an English month name or abbreviation, or a number.
pub(crate) fn month_number(s: &str) -> Option<u32> {
    let s = s.trim().trim_end_matches('.').to_ascii_lowercase();
    if let Ok(n) = s.parse::<u32>() {
        return (1..=12).contains(&n).then_some(n);
    }
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    if s.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(&s) || (s == "sept" && *m == "september"))
        .map(|i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_index_maps_offsets_to_lines() {
        let idx = LineIndex::new("a\nbc\n\nd");
        assert_eq!(idx.line_of(0), 1);
        assert_eq!(idx.line_of(1), 1);
        assert_eq!(idx.line_of(2), 2);
        assert_eq!(idx.line_of(5), 3);
        assert_eq!(idx.line_of(6), 4);
    }

    #[test]
    fn blocks_split_on_blank_lines_and_keep_offsets() {
        let text = "one\r\ntwo\r\n\r\n  \nthree\n";
        let b = blocks(text);
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].text, "one\r\ntwo");
        assert_eq!(&text[b[1].start..b[1].end], "three");
    }

    #[test]
    fn dates_and_months() {
        assert_eq!(
            leading_iso_date("2019-10-07").as_deref(),
            Some("2019-10-07")
        );
        assert_eq!(leading_iso_date("2019-13-07").as_deref(), Some("2019"));
        assert_eq!(leading_iso_date("2019-10").as_deref(), Some("2019-10"));
        assert_eq!(leading_iso_date("20191"), None);
        assert_eq!(leading_year("1987"), Some(1987));
        assert_eq!(month_number("Jun"), Some(6));
        assert_eq!(month_number("June"), Some(6));
        assert_eq!(month_number("sept."), Some(9));
        assert_eq!(month_number("ju"), None);
        assert_eq!(month_number("12"), Some(12));
    }
}
