//! An author profile page: header chrome ("Goto", "Collaborating Authors",
//! the owner's name), then per record a title paragraph, an
//! `arXiv.org <category>` paragraph and the abstract.
//!
//! Every record names the page's owner as `listing_author`: the owner wrote
//! the paper, at a position the page does not show.

use super::{is_title_before, looks_like_cut_title, looks_like_title};
use crate::sink::Sink;
use crate::text::{blocks, collapse_ws, lines, Block};
use paperdex_model::RecordFields;

const HEADER_MARK: &str = "Collaborating Authors";
const CATEGORY_PREFIX: &str = "arXiv.org ";
/// Page chrome that can precede the records when the header is incomplete.
const CHROME: [&str; 2] = ["Goto", HEADER_MARK];

/// The page owner and the byte offset where the records start.
pub(crate) fn header(text: &str) -> (Option<String>, usize) {
    let all = lines(text);
    let Some(mark) = all.iter().position(|l| l.text.trim() == HEADER_MARK) else {
        return (None, 0);
    };
    // Only chrome may stand before the mark; a mark further down is text.
    if all[..mark]
        .iter()
        .any(|l| !l.is_blank() && !CHROME.contains(&l.text.trim()))
    {
        return (None, 0);
    }
    match all[mark + 1..].iter().find(|l| !l.is_blank()) {
        Some(owner) => (crate::text::non_empty(owner.text), owner.end),
        None => (None, text.len()),
    }
}

fn category(block: &Block) -> Option<String> {
    block
        .text
        .trim()
        .strip_prefix(CATEGORY_PREFIX)
        .map(collapse_ws)
        .filter(|c| !c.contains('\n') && c.len() < 120)
}

struct Pending {
    start: usize,
    end: usize,
    title: Option<String>,
    category: Option<String>,
    paragraphs: Vec<String>,
}

pub(crate) fn parse(sink: &mut Sink) {
    let text = sink.text;
    let (owner, body_start) = header(text);
    let body: Vec<Block> = blocks(&text[body_start..])
        .into_iter()
        .map(|b| Block {
            start: b.start + body_start,
            end: b.end + body_start,
            ..b
        })
        .filter(|b| !CHROME.contains(&b.text.trim()))
        .collect();

    let mut current: Option<Pending> = None;
    for (i, block) in body.iter().enumerate() {
        let next = body.get(i + 1);
        let new_record = |title: Option<String>, category: Option<String>| Pending {
            start: block.start,
            end: block.end,
            title,
            category,
            paragraphs: Vec::new(),
        };
        if let Some(cat) = category(block) {
            match current.as_mut() {
                Some(c) if c.category.is_none() && c.paragraphs.is_empty() => {
                    c.category = Some(cat);
                    c.end = block.end;
                }
                _ => {
                    emit(sink, current.take(), &owner);
                    current = Some(new_record(None, Some(cat)));
                }
            }
            continue;
        }
        // Near the end of a page cut off mid-record the category or abstract
        // after a title may be missing or partial, so there a short paragraph
        // after a finished record is taken for a title on its own looks.
        let near_end = i + 2 >= body.len()
            && current.as_ref().is_some_and(|c| !c.paragraphs.is_empty())
            && looks_like_cut_title(block.text);
        let is_title = match next {
            Some(n) => {
                (category(n).is_some() && looks_like_title(block.text))
                    || is_title_before(block.text, n.text)
                    || near_end
            }
            None => near_end,
        };
        if is_title {
            emit(sink, current.take(), &owner);
            current = Some(new_record(Some(block.joined()), None));
            continue;
        }
        let rec = current.get_or_insert_with(|| new_record(None, None));
        rec.paragraphs.push(block.joined());
        rec.end = block.end;
    }
    emit(sink, current, &owner);
}

fn emit(sink: &mut Sink, pending: Option<Pending>, owner: &Option<String>) {
    let Some(p) = pending else { return };
    let fields = RecordFields {
        title: p.title,
        listing_author: owner.clone(),
        abstract_text: (!p.paragraphs.is_empty()).then(|| p.paragraphs.join("\n\n")),
        categories: p.category.into_iter().collect(),
        ..Default::default()
    };
    sink.record(p.start, p.end, fields);
}

#[cfg(test)]
mod tests {
    use crate::parse_str;
    use paperdex_model::Format;

    const ABSTRACT: &str = "We study a thing in depth and report what we find about it here.";

    #[test]
    fn records_missing_a_category_or_title_still_parse() {
        let text = format!(
            "Goto\n\nCollaborating Authors\n\n\u{a0}Doe, Jane\n\n\nFirst Title\n\narXiv.org Machine Learning\n\n{ABSTRACT}\n\nSecond Title\n\n{ABSTRACT}\n\narXiv.org Artificial Intelligence\n\n{ABSTRACT}\n\nCut Off Tit"
        );
        let p = parse_str("p.txt", &text, Format::ProfilePage).unwrap();
        let titles: Vec<_> = p
            .records
            .iter()
            .map(|r| r.fields.title.as_deref())
            .collect();
        assert_eq!(
            titles,
            [
                Some("First Title"),
                Some("Second Title"),
                None,
                Some("Cut Off Tit")
            ]
        );
        assert!(p
            .records
            .iter()
            .all(|r| r.fields.listing_author.as_deref() == Some("Doe, Jane")));
        assert_eq!(p.records[0].fields.categories, ["Machine Learning"]);
        assert!(p.records[1].fields.categories.is_empty());
        assert_eq!(p.records[2].fields.categories, ["Artificial Intelligence"]);
        assert_eq!(p.records[0].line, 8);
    }
}
