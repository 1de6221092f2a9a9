//! tl;dr everywhere: a paper without a source's tl;dr gets the sentence of
//! its abstract that best represents the whole, marked generated.
//!
//! The abstract is split into sentences (Unicode sentence boundaries, UAX #29,
//! which keeps "e.g. the" together); sentences under five words are merged
//! into the one before. Each sentence is embedded and the one closest (cosine)
//! to the paper's stored embedding (title and abstract, same model) wins; a
//! paper not yet embedded is compared with its abstract's embedding.
//!
//! Stored through [`Store::put_generated_tldrs`], which never writes over a
//! source's tl;dr nor onto an abstract that changed meanwhile. Re-merging a
//! paper drops its generated tl;dr, so [`generate_missing`] makes a new one
//! from the abstract it then has. Runs after embedding (`paperdex embed`, and
//! `paperdex ingest` unless `--no-embed`).

use crate::DiscoverError;
use paperdex_embed::Embedder;
use paperdex_model::PaperId;
use paperdex_store::{GeneratedTldr, Store};
use serde::Serialize;
use std::collections::HashMap;
use unicode_segmentation::UnicodeSegmentation;

/// Sentences shorter than this many words join the sentence before them.
const MIN_SENTENCE_WORDS: usize = 5;
/// Papers handled per store transaction.
const CHUNK: usize = 256;

/// The sentences of an abstract (see the module docs).
pub fn sentences(text: &str) -> Vec<String> {
    // Listings wrap abstracts with hard line breaks, which UAX #29 takes for
    // paragraph ends: squash whitespace first.
    let text = paperdex_model::one_line(text);
    let mut out: Vec<String> = Vec::new();
    for s in text.unicode_sentences() {
        let s = s.trim().to_string();
        if s.is_empty() {
            continue;
        }
        let short = s.split(' ').count() < MIN_SENTENCE_WORDS;
        match out.last_mut() {
            Some(prev) if short => {
                prev.push(' ');
                prev.push_str(&s);
            }
            _ => out.push(s),
        }
    }
    // A short first sentence joins the one after it.
    if out.len() > 1 && out[0].split(' ').count() < MIN_SENTENCE_WORDS {
        let first = out.remove(0);
        out[0] = format!("{first} {}", out[0]);
    }
    out
}

/// The index of the sentence whose vector is closest (dot product of
/// normalized vectors) to `whole`; the first on ties.
pub fn closest(sentence_vectors: &[Vec<f32>], whole: &[f32]) -> Option<usize> {
    let dot = |v: &[f32]| v.iter().zip(whole).map(|(a, b)| a * b).sum::<f32>();
    let mut best: Option<(usize, f32)> = None;
    for (i, v) in sentence_vectors.iter().enumerate() {
        let s = dot(v);
        if best.is_none_or(|(_, b)| s > b) {
            best = Some((i, s));
        }
    }
    best.map(|(i, _)| i)
}

/// What [`generate_missing`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TldrReport {
    /// Papers with an abstract and no tl;dr.
    pub considered: usize,
    /// tl;drs stored.
    pub generated: usize,
    /// Sentences embedded to choose them.
    pub sentences_embedded: usize,
}

/// Generates a tl;dr for every paper with an abstract and none (see the module docs).
pub fn generate_missing(
    store: &dyn Store,
    embedder: &dyn Embedder,
    progress: &dyn Fn(usize),
) -> Result<TldrReport, DiscoverError> {
    let mut report = TldrReport::default();
    let mut after: PaperId = 0;
    let mut whole_by_id: Option<HashMap<PaperId, Vec<f32>>> = None;
    loop {
        let papers = store.papers_lacking_tldr(after, CHUNK)?;
        let Some(last) = papers.last() else { break };
        after = last.id;
        report.considered += papers.len();
        // Loaded once, only when some paper needs a tl;dr.
        if whole_by_id.is_none() {
            let mut m = HashMap::new();
            store.for_each_embedding(embedder.model_id(), &mut |id, v| {
                m.insert(id, v.to_vec());
            })?;
            whole_by_id = Some(m);
        }
        let whole_by_id = whole_by_id.as_ref().expect("loaded above");
        let mut texts: Vec<String> = Vec::new();
        // Per paper: its sentences' range in `texts`, and where its whole vector is.
        let mut plan: Vec<(usize, usize, Option<usize>)> = Vec::new();
        let mut per_paper_sentences: Vec<Vec<String>> = Vec::new();
        for p in &papers {
            let abs = p.abstract_text.as_deref().unwrap_or_default();
            let sents = sentences(abs);
            let start = texts.len();
            if sents.len() > 1 {
                texts.extend(sents.iter().cloned());
            }
            let end = texts.len();
            let whole_at = if sents.len() > 1 && !whole_by_id.contains_key(&p.id) {
                texts.push(abs.to_string());
                Some(texts.len() - 1)
            } else {
                None
            };
            plan.push((start, end, whole_at));
            per_paper_sentences.push(sents);
        }
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let vectors = if refs.is_empty() {
            Vec::new()
        } else {
            embedder.embed(&refs)?
        };
        report.sentences_embedded += texts.len();
        let mut items = Vec::new();
        for ((p, sents), (start, end, whole_at)) in
            papers.iter().zip(&per_paper_sentences).zip(plan)
        {
            let chosen = if sents.len() <= 1 {
                sents.first().cloned()
            } else {
                let whole = match whole_at {
                    Some(i) => &vectors[i],
                    None => &whole_by_id[&p.id],
                };
                closest(&vectors[start..end], whole).map(|i| sents[i].clone())
            };
            if let Some(tldr) = chosen {
                items.push(GeneratedTldr {
                    paper_id: p.id,
                    abstract_text: p.abstract_text.clone().unwrap_or_default(),
                    tldr,
                });
            }
        }
        report.generated += store.put_generated_tldrs(&items)?;
        progress(report.considered);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_split_at_boundaries_and_keep_abbreviations() {
        let s = sentences(
            "We study caches, e.g. the LRU policy. Our method learns  an\n eviction policy. It works. Results improve hit rates a lot.",
        );
        assert_eq!(
            s,
            vec![
                "We study caches, e.g. the LRU policy.",
                "Our method learns an eviction policy. It works.",
                "Results improve hit rates a lot."
            ]
        );
    }

    #[test]
    fn closest_picks_the_most_similar_sentence() {
        let whole = [0.6f32, 0.8];
        let sents = vec![
            vec![1.0f32, 0.0],
            vec![0.0, 1.0],
            vec![
                std::f32::consts::FRAC_1_SQRT_2,
                std::f32::consts::FRAC_1_SQRT_2,
            ],
        ];
        assert_eq!(closest(&sents, &whole), Some(2));
        assert_eq!(closest(&[], &whole), None);
    }
}
