//! A "trending papers" page: page chrome ("Get trending papers in your email
//! inbox!", "Subscribe", the page date), then per record a title paragraph and
//! one or more abstract paragraphs.
//!
//! Chrome is everything before the first title. A title is a short paragraph
//! not ending like a sentence and followed by a longer, abstract-like one; any
//! other paragraph continues the current abstract. Upvote counts (a paragraph
//! that is only a number) and dated lines ("Published on Mar 12, 2024") are
//! kept when a page shows them; a date without a year (the page's "Mar 14")
//! gives no date.

use super::{is_title_before, looks_like_cut_title};
use crate::sink::Sink;
use crate::text::{blocks, month_number, Block};
use paperdex_model::RecordFields;

/// Chrome lines of the page, recognized wherever they stand.
pub(crate) const CHROME: [&str; 6] = [
    "Get trending papers in your email inbox!",
    "Subscribe",
    "byAK and the research community",
    "new",
    "Trending Papers",
    "Daily Papers",
];

struct Pending {
    start: usize,
    end: usize,
    title: Option<String>,
    paragraphs: Vec<String>,
    upvotes: Option<i64>,
    date: Option<String>,
}

pub(crate) fn parse(sink: &mut Sink) {
    let all = blocks(sink.text);
    let body: Vec<&Block> = all
        .iter()
        .filter(|b| !CHROME.contains(&b.text.trim()))
        .collect();
    let first_title = body
        .windows(2)
        .position(|w| is_title_before(w[0].text, w[1].text));
    // With no title followed by an abstract (a page of untitled abstracts,
    // or one cut off inside its first record) records start at the first
    // paragraph that reads as abstract text, so chrome never becomes one.
    let body = match first_title {
        Some(i) => &body[i..],
        None => {
            let first_para = body
                .iter()
                .position(|b| super::looks_like_paragraph(b.text))
                .unwrap_or(body.len());
            &body[first_para..]
        }
    };

    let mut current: Option<Pending> = None;
    for (i, block) in body.iter().enumerate() {
        let trimmed = block.text.trim();
        if let Some(n) = upvotes(trimmed) {
            if let Some(c) = current.as_mut().filter(|c| c.upvotes.is_none()) {
                c.upvotes = Some(n);
                c.end = block.end;
                continue;
            }
        }
        if let Some(date) = dated_line(trimmed) {
            if let Some(c) = current.as_mut().filter(|c| c.date.is_none()) {
                c.date = date;
                c.end = block.end;
                continue;
            }
        }
        // Near the end of a page cut off mid-record the abstract after a
        // title may be missing or partial, so there a short paragraph after a
        // finished record is taken for a title on its own looks.
        let near_end = i + 2 >= body.len()
            && current.as_ref().is_some_and(|c| !c.paragraphs.is_empty())
            && looks_like_cut_title(block.text);
        let is_title = match body.get(i + 1) {
            Some(next) => is_title_before(block.text, next.text) || near_end,
            None => near_end,
        };
        if is_title {
            emit(sink, current.take());
            current = Some(Pending {
                start: block.start,
                end: block.end,
                title: Some(block.joined()),
                paragraphs: Vec::new(),
                upvotes: None,
                date: None,
            });
            continue;
        }
        let rec = current.get_or_insert_with(|| Pending {
            start: block.start,
            end: block.end,
            title: None,
            paragraphs: Vec::new(),
            upvotes: None,
            date: None,
        });
        rec.paragraphs.push(block.joined());
        rec.end = block.end;
    }
    emit(sink, current);
}

fn upvotes(s: &str) -> Option<i64> {
    let digits = s
        .trim_start_matches(['▲', '↑', '⬆'])
        .trim()
        .trim_end_matches("upvotes")
        .trim();
    (!digits.is_empty() && digits.len() <= 7 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// A per-record date line: `Some(Some(date))` when it has a year,
/// `Some(None)` for a date line without one.
fn dated_line(s: &str) -> Option<Option<String>> {
    let rest = s
        .strip_prefix("Published on ")
        .or_else(|| s.strip_prefix("Submitted on "))
        .unwrap_or(s);
    let cleaned = rest.replace(',', " ");
    let words: Vec<&str> = cleaned.split_whitespace().collect();
    if !(2..=3).contains(&words.len()) {
        return None;
    }
    let month = month_number(words[0])?;
    if words[0].parse::<u32>().is_ok() {
        return None;
    }
    let day: u32 = words[1].parse().ok().filter(|d| (1..=31).contains(d))?;
    match words.get(2) {
        None => Some(None),
        Some(year) => {
            let year: i32 = year.parse().ok().filter(|y| (1900..=2200).contains(y))?;
            Some(Some(format!("{year:04}-{month:02}-{day:02}")))
        }
    }
}

fn emit(sink: &mut Sink, pending: Option<Pending>) {
    let Some(p) = pending else { return };
    let fields = RecordFields {
        title: p.title,
        abstract_text: (!p.paragraphs.is_empty()).then(|| p.paragraphs.join("\n\n")),
        upvotes: p.upvotes,
        year: p.date.as_deref().and_then(crate::text::leading_year),
        date: p.date,
        ..Default::default()
    };
    sink.record(p.start, p.end, fields);
}

#[cfg(test)]
mod tests {
    use super::dated_line;
    use crate::parse_str;
    use paperdex_model::Format;

    const PARA: &str = "We study a thing in depth and report what we find about it here.";

    #[test]
    fn chrome_is_skipped_and_multi_paragraph_abstracts_kept() {
        let text = format!(
            "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nMar 14\n\nA Title\n\n{PARA}\n\nCode is at https://example.org\n\n{PARA}\n\nAnother Title?\n\n{PARA}\n\n42\n\nPublished on Mar 12, 2024\n\nCut Tit"
        );
        let p = parse_str("t.txt", &text, Format::TrendingPage).unwrap();
        assert_eq!(p.records.len(), 3);
        assert_eq!(p.records[0].fields.title.as_deref(), Some("A Title"));
        assert_eq!(
            p.records[0]
                .fields
                .abstract_text
                .as_deref()
                .unwrap()
                .matches("\n\n")
                .count(),
            2
        );
        assert_eq!(p.records[0].fields.year, None);
        assert_eq!(p.records[1].fields.title.as_deref(), Some("Another Title?"));
        assert_eq!(p.records[1].fields.upvotes, Some(42));
        assert_eq!(p.records[1].fields.date.as_deref(), Some("2024-03-12"));
        assert_eq!(p.records[1].fields.year, Some(2024));
        assert_eq!(p.records[2].fields.title.as_deref(), Some("Cut Tit"));
        assert_eq!(p.records[0].line, 9);
    }

    #[test]
    fn date_lines() {
        assert_eq!(dated_line("Mar 14"), Some(None));
        assert_eq!(
            dated_line("Published on Mar 12, 2024"),
            Some(Some("2024-03-12".into()))
        );
        assert_eq!(dated_line("Efficient and Modular"), None);
        assert_eq!(dated_line("March 32"), None);
    }
}
