/// Folds text to ASCII ("Schrödinger" → "Schrodinger").
pub fn fold_ascii(s: &str) -> String {
    if s.is_ascii() {
        s.to_string()
    } else {
        deunicode::deunicode(s)
    }
}

/// The form two titles share when they name the same paper: ASCII-folded,
/// lower case, LaTeX markup and punctuation dropped, words single-spaced.
pub fn normalize_title(title: &str) -> String {
    let folded = fold_ascii(title).to_lowercase();
    let mut out = String::with_capacity(folded.len());
    for word in folded.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Lower-case ASCII letters and digits only, everything else removed.
///
/// Listings copied from web pages lose the spaces where line breaks were
/// ("representuncertainty") and replace characters they could not encode
/// with `?`. Dropping spaces, punctuation and every non-ASCII character makes
/// such copies of one text identical, which is what near-duplicate detection
/// compares.
pub fn squash_text(s: &str) -> String {
    s.bytes()
        .filter(u8::is_ascii_alphanumeric)
        .map(|b| b.to_ascii_lowercase() as char)
        .collect()
}

/// The first sentence of a text, or `None` for an empty text.
pub fn first_sentence(text: &str) -> Option<&str> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let bytes = text.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b'.' | b'?' | b'!')
            && bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace())
            && i > 20
        {
            // Do not end on abbreviations such as "e.g." or "i.e.".
            let before = &text[..i];
            if before.ends_with("e.g") || before.ends_with("i.e") || before.ends_with("et al") {
                continue;
            }
            return Some(&text[..=i]);
        }
    }
    Some(text)
}

/// A title to show for a paper whose sources give none: the tl;dr, else the
/// abstract's first sentence, cut at a word boundary to at most 140 chars.
pub fn derive_display_title(tldr: Option<&str>, abstract_text: Option<&str>) -> Option<String> {
    let source = tldr
        .and_then(first_sentence)
        .or_else(|| abstract_text.and_then(first_sentence))?;
    let source = source.trim().trim_end_matches('.');
    Some(shorten_at_word(source, 140))
}

/// Whitespace (newlines included) collapsed to single spaces.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` as it is when it has at most `max` characters; otherwise its
/// leading whole words, single-spaced, and `…`, at most `max` characters.
pub fn shorten_at_word(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut = String::new();
    let mut chars = 0;
    for word in text.split_whitespace() {
        let word_chars = word.chars().count();
        if chars + word_chars + 1 > max.saturating_sub(1) {
            break;
        }
        if !cut.is_empty() {
            cut.push(' ');
            chars += 1;
        }
        cut.push_str(word);
        chars += word_chars;
    }
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_normalize_across_case_punctuation_and_accents() {
        assert_eq!(
            normalize_title("Light Schrödinger Bridge!"),
            normalize_title("light  schrodinger-bridge")
        );
    }

    #[test]
    fn squash_makes_lost_spaces_and_unencodable_chars_agree() {
        assert_eq!(
            squash_text("a flexible way to represent uncertainty in Schrödinger"),
            squash_text("a flexible way to representuncertainty in Schr?dinger")
        );
    }

    #[test]
    fn derived_titles_prefer_the_tldr_and_stay_short() {
        let t = derive_display_title(
            Some("We study how neural networks extrapolate. More text."),
            Some("Abstract first sentence here. Second."),
        );
        assert_eq!(
            t.as_deref(),
            Some("We study how neural networks extrapolate")
        );
        let long = "word ".repeat(100);
        let t = derive_display_title(None, Some(&long)).unwrap();
        assert!(t.chars().count() <= 140 && t.ends_with('…'));
    }

    #[test]
    fn first_sentence_skips_abbreviations() {
        assert_eq!(
            first_sentence("Models, e.g. transformers, are big. Yes."),
            Some("Models, e.g. transformers, are big.")
        );
    }
}
