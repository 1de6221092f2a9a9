//! Words of titles and abstracts for TF-IDF: lower-cased runs of two or more
//! letters or digits (scikit-learn's default token pattern), without English
//! stop words (NLTK's list, from the `stop-words` crate), without numbers and
//! without a short list of words every abstract uses. Bigrams are formed from
//! the remaining words, as scikit-learn's `ngram_range=(1, 2)` does.

use std::collections::HashSet;
use std::sync::OnceLock;

/// Words every abstract uses to describe itself; they name no topic.
const ABSTRACT_BOILERPLATE: &[&str] = &[
    "paper",
    "propose",
    "proposed",
    "proposes",
    "approach",
    "approaches",
    "method",
    "methods",
    "results",
    "result",
    "show",
    "shows",
    "demonstrate",
    "present",
    "presents",
    "using",
    "based",
    "new",
    "novel",
    "also",
    "however",
    "work",
    "well",
    "use",
    "used",
    "existing",
    "state",
    "art",
    "experiments",
    "experimental",
    "performance",
    "problem",
    "problems",
    "via",
    "study",
    // Not a word: PDF text extraction leaves glyphs it cannot map as
    // `(cid:NN)` (hundreds of old NIPS abstracts hold them), and five of 60
    // topic labels of the conference library led with it.
    "cid",
];

fn stop_words() -> &'static HashSet<&'static str> {
    static WORDS: OnceLock<HashSet<&'static str>> = OnceLock::new();
    WORDS.get_or_init(|| {
        stop_words::get("en")
            .iter()
            .copied()
            .chain(ABSTRACT_BOILERPLATE.iter().copied())
            .collect()
    })
}

/// True for words that carry no topic.
pub fn is_stop_word(word: &str) -> bool {
    stop_words().contains(word)
}

/// The content words of `text`, in order.
pub fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 2)
        .map(str::to_lowercase)
        .filter(|w| !w.chars().all(|c| c.is_ascii_digit()) && !is_stop_word(w))
        .collect()
}

/// The content words of `text` and the bigrams of consecutive content words.
pub fn terms(text: &str) -> Vec<String> {
    let words = words(text);
    let bigrams: Vec<String> = words
        .windows(2)
        .map(|w| format!("{} {}", w[0], w[1]))
        .collect();
    let mut out = words;
    out.extend(bigrams);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_drop_stop_words_numbers_and_single_letters() {
        assert_eq!(
            words("We propose a Graph-Neural network for the 2019 ICML x benchmark."),
            vec!["graph", "neural", "network", "icml", "benchmark"]
        );
    }

    #[test]
    fn pdf_glyph_markers_are_not_words() {
        assert_eq!(
            words("spiking (cid:12) neurons (cid:3)"),
            vec!["spiking", "neurons"]
        );
    }

    #[test]
    fn terms_add_bigrams_of_neighbouring_content_words() {
        assert_eq!(
            terms("reinforcement learning of policies"),
            vec![
                "reinforcement",
                "learning",
                "policies",
                "reinforcement learning",
                "learning policies"
            ]
        );
    }
}
