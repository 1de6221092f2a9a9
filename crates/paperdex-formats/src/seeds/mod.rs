//! Readers for the five plain-text listing layouts of the seed corpus: text
//! saved from web pages, where a record is recognized by the shape of its
//! lines rather than by markup.
//!
//! - [`arxiv_listing`]: abstract, comments, `arXiv:ID`, `Created:` date.
//! - [`arxiv_listing_glued`]: the same with line breaks lost, ids glued to the
//!   next abstract.
//! - [`profile_page`]: owner in the header, then title, `arXiv.org` category,
//!   abstract.
//! - [`conference_list`]: authors, optional `tl;dr:`, abstract; no titles.
//! - [`trending_page`]: page chrome, then title and abstract paragraphs.
//!
//! Every reader survives a file that stops in the middle of a record: the
//! records before it are unaffected and the partial one keeps what it has.

pub mod arxiv_listing;
pub mod arxiv_listing_glued;
pub mod conference_list;
pub mod profile_page;
pub mod trending_page;

/// Whether a paragraph could be a paper title: one short line that does not
/// end like a sentence. Titles may end in `?` ("Do different networks learn
/// the same representations?").
pub(crate) fn looks_like_title(s: &str) -> bool {
    let s = s.trim();
    let chars = s.chars().count();
    (1..250).contains(&chars)
        && !s.contains('\n')
        && !s.ends_with('.')
        && !s.ends_with(',')
        && !s.ends_with(':')
        && !s.bytes().all(|b| b.is_ascii_digit() || b == b' ')
        && !s.contains("://")
        && !s.contains("www.")
        && s.chars().any(char::is_alphabetic)
}

/// Whether the last paragraphs of a file cut off mid-record could be (the
/// start of) a title: like [`looks_like_title`], but a cut may leave it
/// ending in `:` or `,`.
pub(crate) fn looks_like_cut_title(s: &str) -> bool {
    let s = s.trim();
    looks_like_title(s.trim_end_matches([':', ',']))
}

/// Whether a paragraph reads like abstract text: long, or a few words ending
/// like a sentence.
pub(crate) fn looks_like_paragraph(s: &str) -> bool {
    let s = s.trim();
    s.chars().count() >= 250
        || (s.ends_with(['.', '!', '?', ')']) && s.split_whitespace().count() >= 6)
}

/// Whether `title` followed by `next` reads as a title and its abstract.
pub(crate) fn is_title_before(title: &str, next: &str) -> bool {
    looks_like_title(title) && looks_like_paragraph(next) && next.trim().len() > title.trim().len()
}

const VENUE_WORDS: [&str; 7] = [
    "conference",
    "workshop",
    "proceedings",
    "symposium",
    "journal",
    "transactions",
    "icml",
];

/// A venue named by an arXiv comment ("Published as a conference paper at
/// ICLR 2018", "International Conference on Machine Learning (ICML), 2020").
///
/// Only sentences that say the paper appeared somewhere count: a comment that
/// mentions a venue in passing ("Deanonymized version of ICLR 2019
/// submission", "arXiv admin note") names no venue.
pub(crate) fn venue_from_comment(comment: &str) -> Option<String> {
    for sentence in comment.split(['\n', ';']).flat_map(|s| s.split(". ")) {
        let sentence = sentence.trim().trim_end_matches('.');
        let lower = sentence.to_ascii_lowercase();
        if lower.is_empty()
            || [
                "submission",
                "submitted",
                "under review",
                "admin note",
                "extended version",
            ]
            .iter()
            .any(|w| lower.contains(w))
        {
            continue;
        }
        for keyword in ["accepted", "published", "to appear", "appeared", "appears"] {
            let Some(at) = lower.find(keyword) else {
                continue;
            };
            let rest = &sentence[at + keyword.len()..];
            let rest_lower = &lower[at + keyword.len()..];
            // The venue follows the first preposition: "accepted to X at Y" names X.
            let first_prep = [" at ", " in ", " to ", " by ", " for "]
                .iter()
                .filter_map(|prep| rest_lower.find(prep).map(|p| p + prep.len()))
                .min();
            if let Some(p) = first_prep {
                let venue = rest[p..].trim().trim_start_matches("the ");
                let venue = venue.trim_end_matches(['.', ',', ' ']);
                if has_year(venue) || venue.split_whitespace().count() <= 12 {
                    return non_empty_venue(venue);
                }
            }
        }
        if has_year(sentence) && VENUE_WORDS.iter().any(|w| lower.contains(w)) {
            // Drop leading "14 pages, 7 figures," parts; the rest names the venue.
            let mut venue = sentence;
            while let Some((head, tail)) = venue.split_once(", ") {
                let head = head.to_lowercase();
                if head.contains("page") || head.contains("figure") || head.contains("table") {
                    venue = tail;
                } else {
                    break;
                }
            }
            return non_empty_venue(venue);
        }
    }
    None
}

fn non_empty_venue(s: &str) -> Option<String> {
    let s = s.trim();
    (s.len() > 2).then(|| s.to_string())
}

fn has_year(s: &str) -> bool {
    s.as_bytes().windows(4).enumerate().any(|(i, w)| {
        w.iter().all(u8::is_ascii_digit)
            && (w.starts_with(b"19") || w.starts_with(b"20"))
            && !s.as_bytes().get(i + 4).is_some_and(u8::is_ascii_digit)
            && (i == 0 || !s.as_bytes()[i - 1].is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn venues_come_only_from_comments_that_say_where_a_paper_appeared() {
        assert_eq!(
            venue_from_comment("Published as a conference paper at ICLR 2018. 15 pages").as_deref(),
            Some("ICLR 2018")
        );
        assert_eq!(
            venue_from_comment("International Conference on Machine Learning (ICML), 2020")
                .as_deref(),
            Some("International Conference on Machine Learning (ICML), 2020")
        );
        assert_eq!(
            venue_from_comment(
                "10 pages, 5 figures, Accepted to Workshop on ML for Systems at the 34th \
                 Conference on Neural Information Processing Systems (NeurIPS 2020)"
            )
            .as_deref(),
            Some(
                "Workshop on ML for Systems at the 34th Conference on Neural Information \
                 Processing Systems (NeurIPS 2020)"
            )
        );
        assert_eq!(
            venue_from_comment(
                "Bayesian Deep Learning Workshop (NeurIPS 2019). arXiv admin note: substantial \
                 text overlap with arXiv:1910.03175"
            )
            .as_deref(),
            Some("Bayesian Deep Learning Workshop (NeurIPS 2019)")
        );
        assert_eq!(
            venue_from_comment("Deanonymized version of ICLR 2019 submission"),
            None
        );
        assert_eq!(venue_from_comment("Pre-print"), None);
        assert_eq!(venue_from_comment("14 pages,7 figures"), None);
        assert_eq!(
            venue_from_comment(
                "code and pretrained models at https://github.com/google-research/simclr"
            ),
            None
        );
    }

    #[test]
    fn titles_and_paragraphs() {
        assert!(looks_like_title(
            "Convergent Learning: Do different neural networks learn the same representations?"
        ));
        assert!(!looks_like_title("We study this problem."));
        assert!(!looks_like_title("42"));
        assert!(looks_like_paragraph(
            "We study a problem and solve it well."
        ));
        assert!(!looks_like_paragraph("Mar 14"));
    }
}
