//! Recommendations from stars: a linear SVM trained on the starred papers
//! against all others ranks the papers not starred.
//!
//! arxiv-sanity-lite trains a linear SVM (scikit-learn `LinearSVC`, C = 0.01,
//! balanced class weights) on TF-IDF of title, abstract and authors. We keep
//! that model, with a paper's feature vector its TF-IDF vector (L2-normalized,
//! arxiv-sanity-lite's settings: words and bigrams, sublinear tf, smoothed
//! idf, df between 5 papers and 10 % of the library, the 20,000 most frequent
//! terms), optionally followed by its MiniLM embedding (unit length, weighted
//! as [`ModelOptions`] says; papers without one get zeros), and a constant
//! bias feature. [`MODEL`] holds the settings used and how they were chosen.
//!
//! The SVM is solved by dual coordinate descent for the L2-regularized,
//! squared-hinge-loss problem (Hsieh et al., ICML 2008: what liblinear, and
//! so `LinearSVC`, runs), written here because no maintained Rust crate
//! trains linear models on sparse features: `linfa-svm` and `linfa-logistic`
//! take dense matrices, and 11k papers x 20k terms dense is 880 MB. Sweeps go
//! over the papers in a permutation drawn from a fixed seed: deterministic.

use crate::{text, DiscoverError};
use paperdex_model::{Paper, PaperId};
use paperdex_store::{PaperFilter, Store};
use rand_xoshiro::rand_core::{RngCore, SeedableRng};
use rand_xoshiro::Xoshiro256Plus;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// The user-item kind of stars.
pub const STAR_KIND: &str = "star";
/// arxiv-sanity-lite's SVM regularization (the baseline's).
pub const ARXIV_SANITY_C: f64 = 0.01;
/// The model's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModelOptions {
    /// Weight of the embedding block against the TF-IDF block (both unit
    /// length); 0 for TF-IDF only.
    pub embedding_weight: f32,
    /// Embeddings centred on the library's mean before normalizing.
    pub centred: bool,
    /// SVM regularization.
    pub c: f64,
}

/// The settings recommendations use, chosen on one set of authors of the
/// 11k-paper conference library (`paperdex bench recommend --every 25
/// --offset 0 --variants ...`) and reported on another (`--offset 12`).
/// There, MiniLM embeddings lowered recall@20 at every weight tried (0.1 to
/// 1, centred or not): the held-out papers of an author share words and
/// co-author names more than topic. A weaker regularization than
/// arxiv-sanity-lite's C = 0.01 raised it.
pub const MODEL: ModelOptions = ModelOptions {
    embedding_weight: 0.0,
    centred: false,
    c: 1.0,
};

/// TF-IDF settings.
#[derive(Debug, Clone)]
pub struct TfIdfOptions {
    /// Terms in fewer papers are dropped.
    pub min_df: usize,
    /// Terms in more than this share of papers are dropped.
    pub max_df: f64,
    /// Most frequent terms kept.
    pub max_features: usize,
}

impl TfIdfOptions {
    /// arxiv-sanity-lite's settings; below 1,000 papers `min_df` drops to 1 and
    /// below 100 `max_df` to 1.0, so that a small library still has terms.
    pub fn for_library(papers: usize) -> TfIdfOptions {
        TfIdfOptions {
            min_df: if papers >= 1000 { 5 } else { 1 },
            max_df: if papers >= 100 { 0.1 } else { 1.0 },
            max_features: 20_000,
        }
    }
}

/// A fitted TF-IDF vectorizer.
#[derive(Debug, Clone)]
pub struct TfIdf {
    vocab: HashMap<String, u32>,
    idf: Vec<f32>,
}

/// A sparse vector: `(index, value)` sorted by index.
pub type Sparse = Vec<(u32, f32)>;

impl TfIdf {
    /// Fits the vocabulary and idf on `docs`.
    pub fn fit(docs: &[String], options: &TfIdfOptions) -> TfIdf {
        let mut df: HashMap<String, usize> = HashMap::new();
        let mut tf_total: HashMap<String, usize> = HashMap::new();
        for d in docs {
            let terms = text::terms(d);
            for t in &terms {
                *tf_total.entry(t.clone()).or_insert(0) += 1;
            }
            let unique: HashSet<String> = terms.into_iter().collect();
            for t in unique {
                *df.entry(t).or_insert(0) += 1;
            }
        }
        let n = docs.len();
        let max_df = (options.max_df * n as f64).floor() as usize;
        let mut kept: Vec<(&String, usize)> = df
            .iter()
            .filter(|(_, d)| **d >= options.min_df && **d <= max_df.max(1))
            .map(|(t, _)| (t, tf_total[t]))
            .collect();
        kept.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        kept.truncate(options.max_features);
        kept.sort_by(|a, b| a.0.cmp(b.0));
        let mut vocab = HashMap::with_capacity(kept.len());
        let mut idf = Vec::with_capacity(kept.len());
        for (i, (t, _)) in kept.into_iter().enumerate() {
            vocab.insert(t.clone(), i as u32);
            idf.push((((1 + n) as f64 / (1 + df[t]) as f64).ln() + 1.0) as f32);
        }
        TfIdf { vocab, idf }
    }

    /// Number of terms.
    pub fn len(&self) -> usize {
        self.idf.len()
    }

    /// True with no terms.
    pub fn is_empty(&self) -> bool {
        self.idf.is_empty()
    }

    /// The L2-normalized TF-IDF vector of `doc` (sublinear tf).
    pub fn transform(&self, doc: &str) -> Sparse {
        let mut counts: HashMap<u32, u32> = HashMap::new();
        for t in text::terms(doc) {
            if let Some(&i) = self.vocab.get(&t) {
                *counts.entry(i).or_insert(0) += 1;
            }
        }
        let mut v: Sparse = counts
            .into_iter()
            .map(|(i, c)| (i, (1.0 + (c as f32).ln()) * self.idf[i as usize]))
            .collect();
        v.sort_by_key(|x| x.0);
        let norm = v.iter().map(|x| x.1 * x.1).sum::<f32>().sqrt();
        if norm > 0.0 {
            for x in &mut v {
                x.1 /= norm;
            }
        }
        v
    }
}

/// One paper's features: sparse TF-IDF, then a dense block (embedding), then bias.
#[derive(Debug, Clone)]
struct Features {
    sparse: Sparse,
    dense: Vec<f32>,
}

/// Every paper's features, built once and trained on per star set.
pub struct Recommender {
    ids: Vec<PaperId>,
    features: Vec<Features>,
    sparse_dim: usize,
    dense_dim: usize,
    /// `x . x` per paper.
    sq_norms: Vec<f32>,
    c: f64,
}

/// The text a paper is described by: title, abstract and authors, as
/// arxiv-sanity-lite does.
pub fn paper_text(p: &Paper) -> String {
    let mut s = String::new();
    if !p.title_derived {
        s.push_str(&p.title);
        s.push(' ');
    }
    if let Some(a) = &p.abstract_text {
        s.push_str(a);
        s.push(' ');
    }
    for a in &p.authors {
        s.push_str(&a.name);
        s.push(' ');
    }
    s
}

impl Recommender {
    /// Builds features for `papers` (their text per [`paper_text`]) with
    /// `embeddings` (missing ones count as zeros; pass an empty map for
    /// TF-IDF only).
    pub fn new(papers: &[Paper], embeddings: &HashMap<PaperId, Vec<f32>>) -> Recommender {
        Self::with_options(papers, embeddings, MODEL)
    }

    /// [`new`](Self::new) with other settings (for tuning them).
    pub fn with_options(
        papers: &[Paper],
        embeddings: &HashMap<PaperId, Vec<f32>>,
        options: ModelOptions,
    ) -> Recommender {
        let weight = options.embedding_weight;
        let docs: Vec<String> = papers.iter().map(paper_text).collect();
        let tfidf = TfIdf::fit(&docs, &TfIdfOptions::for_library(docs.len()));
        // Weight 0 is TF-IDF only: no block of zeros to carry through training.
        let dense_dim = if weight == 0.0 {
            0
        } else {
            embeddings.values().next().map_or(0, Vec::len)
        };
        let unit = |e: &[f32]| -> Vec<f32> {
            let norm = e.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
            e.iter().map(|x| x / norm).collect()
        };
        // MiniLM vectors share a large common direction (any two papers
        // have a cosine well above 0): centred, the block says how a paper
        // differs from the library, not that it is a paper.
        let mut mean = vec![0.0f32; dense_dim];
        let mut embedded = 0usize;
        for e in embeddings.values().filter(|e| e.len() == dense_dim) {
            for (m, x) in mean.iter_mut().zip(unit(e)) {
                *m += x;
            }
            embedded += 1;
        }
        mean.iter_mut().for_each(|m| *m /= embedded.max(1) as f32);
        let features: Vec<Features> = papers
            .iter()
            .zip(&docs)
            .map(|(p, d)| {
                let dense = match embeddings.get(&p.id) {
                    Some(e) if e.len() == dense_dim && options.centred => {
                        let centred: Vec<f32> =
                            unit(e).iter().zip(&mean).map(|(x, m)| x - m).collect();
                        unit(&centred).iter().map(|x| x * weight).collect()
                    }
                    Some(e) if e.len() == dense_dim => unit(e).iter().map(|x| x * weight).collect(),
                    _ => vec![0.0; dense_dim],
                };
                Features {
                    sparse: tfidf.transform(d),
                    dense,
                }
            })
            .collect();
        let sq_norms = features
            .iter()
            .map(|f| {
                f.sparse.iter().map(|x| x.1 * x.1).sum::<f32>()
                    + f.dense.iter().map(|x| x * x).sum::<f32>()
                    + 1.0
            })
            .collect();
        Recommender {
            ids: papers.iter().map(|p| p.id).collect(),
            features,
            sparse_dim: tfidf.len(),
            dense_dim,
            sq_norms,
            c: options.c,
        }
    }

    /// The paper ids, in the order rows are indexed.
    pub fn ids(&self) -> &[PaperId] {
        &self.ids
    }

    fn dot(&self, w: &[f32], i: usize) -> f32 {
        let f = &self.features[i];
        let mut s: f32 = f.sparse.iter().map(|(j, x)| w[*j as usize] * x).sum();
        let dense_w = &w[self.sparse_dim..self.sparse_dim + self.dense_dim];
        s += dense_w
            .iter()
            .zip(&f.dense)
            .map(|(a, b)| a * b)
            .sum::<f32>();
        s + w[self.sparse_dim + self.dense_dim]
    }

    fn add(&self, w: &mut [f32], i: usize, scale: f32) {
        let f = &self.features[i];
        for (j, x) in &f.sparse {
            w[*j as usize] += scale * x;
        }
        let dense_w = &mut w[self.sparse_dim..self.sparse_dim + self.dense_dim];
        for (a, b) in dense_w.iter_mut().zip(&f.dense) {
            *a += scale * b;
        }
        w[self.sparse_dim + self.dense_dim] += scale;
    }

    /// Trains the SVM with `positive` rows (indexes into [`Self::ids`]) as
    /// starred and returns every row's decision value.
    pub fn scores(&self, positive: &[usize]) -> Vec<f32> {
        let n = self.features.len();
        let is_pos: HashSet<usize> = positive.iter().copied().collect();
        let n_pos = is_pos.len().max(1);
        let n_neg = (n - is_pos.len()).max(1);
        // Balanced class weights, as scikit-learn computes them.
        let c_pos = self.c * n as f64 / (2.0 * n_pos as f64);
        let c_neg = self.c * n as f64 / (2.0 * n_neg as f64);
        let y: Vec<f32> = (0..n)
            .map(|i| if is_pos.contains(&i) { 1.0 } else { -1.0 })
            .collect();
        let diag: Vec<f32> = (0..n)
            .map(|i| (0.5 / if y[i] > 0.0 { c_pos } else { c_neg }) as f32)
            .collect();
        let mut w = vec![0f32; self.sparse_dim + self.dense_dim + 1];
        let mut alpha = vec![0f32; n];
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = Xoshiro256Plus::seed_from_u64(0x5eed);
        const MAX_SWEEPS: usize = 200;
        const TOLERANCE: f32 = 0.01;
        for _ in 0..MAX_SWEEPS {
            for i in (1..n).rev() {
                order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
            }
            let (mut max_pg, mut min_pg) = (f32::NEG_INFINITY, f32::INFINITY);
            for &i in &order {
                let g = y[i] * self.dot(&w, i) - 1.0 + diag[i] * alpha[i];
                let pg = if alpha[i] == 0.0 { g.min(0.0) } else { g };
                max_pg = max_pg.max(pg);
                min_pg = min_pg.min(pg);
                if pg != 0.0 {
                    let old = alpha[i];
                    alpha[i] = (alpha[i] - g / (self.sq_norms[i] + diag[i])).max(0.0);
                    let delta = alpha[i] - old;
                    if delta != 0.0 {
                        self.add(&mut w, i, delta * y[i]);
                    }
                }
            }
            if max_pg - min_pg <= TOLERANCE {
                break;
            }
        }
        (0..n).map(|i| self.dot(&w, i)).collect()
    }

    /// The `k` best rows that are not in `positive`, best first (ties by row).
    pub fn rank(&self, positive: &[usize], k: usize) -> Vec<(usize, f32)> {
        let scores = self.scores(positive);
        let skip: HashSet<usize> = positive.iter().copied().collect();
        let mut ranked: Vec<(usize, f32)> = scores
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !skip.contains(i))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked.truncate(k);
        ranked
    }
}

/// A recommended paper.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    /// The paper.
    pub paper: Paper,
    /// SVM decision value (higher is a better match).
    pub score: f32,
}

/// The starred paper ids, in id order.
pub fn starred(store: &dyn Store) -> Result<Vec<PaperId>, DiscoverError> {
    let mut ids: Vec<PaperId> = store
        .user_items(STAR_KIND)?
        .iter()
        .filter_map(|i| i.key.parse().ok())
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

/// Every paper (id order) and the stored embeddings by paper.
pub type LibraryVectors = (Vec<Paper>, HashMap<PaperId, Vec<f32>>);

/// Every paper (id order) and the stored embeddings of `model`.
pub fn library(store: &dyn Store, model: Option<&str>) -> Result<LibraryVectors, DiscoverError> {
    let mut papers = store.list_papers(&PaperFilter::default())?;
    papers.sort_by_key(|p| p.id);
    let mut embeddings = HashMap::new();
    if let Some(model) = model {
        store.for_each_embedding(model, &mut |id, v| {
            embeddings.insert(id, v.to_vec());
        })?;
    }
    Ok((papers, embeddings))
}

/// The `k` papers that best match the starred ones (see the module docs).
/// `model` names the embeddings to use (`None`: TF-IDF only).
pub fn recommend(
    store: &dyn Store,
    model: Option<&str>,
    k: usize,
) -> Result<Vec<Recommendation>, DiscoverError> {
    let stars = starred(store)?;
    if stars.is_empty() {
        return Err(DiscoverError::NoStars);
    }
    let model = model.filter(|_| MODEL.embedding_weight > 0.0);
    let (papers, embeddings) = library(store, model)?;
    let recommender = Recommender::new(&papers, &embeddings);
    let row: HashMap<PaperId, usize> = papers.iter().enumerate().map(|(i, p)| (p.id, i)).collect();
    let positive: Vec<usize> = stars.iter().filter_map(|id| row.get(id).copied()).collect();
    if positive.is_empty() {
        return Err(DiscoverError::NoStars);
    }
    let mut papers: Vec<Option<Paper>> = papers.into_iter().map(Some).collect();
    Ok(recommender
        .rank(&positive, k)
        .into_iter()
        .filter_map(|(i, score)| {
            papers[i]
                .take()
                .map(|paper| Recommendation { paper, score })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paper(id: PaperId, title: &str) -> Paper {
        Paper {
            id,
            title: title.into(),
            abstract_text: Some(title.into()),
            ..Default::default()
        }
    }

    fn corpus() -> Vec<Paper> {
        let topics = [
            "graph neural networks message passing",
            "protein folding structure prediction",
            "reinforcement learning robot control",
            "image segmentation convolutional networks",
        ];
        let mut papers = Vec::new();
        for i in 0..80 {
            let t = topics[i % 4];
            papers.push(paper(
                i as PaperId + 1,
                &format!("{t} variant{} study{}", i % 7, i % 5),
            ));
        }
        papers
    }

    #[test]
    fn tfidf_vectors_are_unit_length_and_skip_unknown_terms() {
        let docs: Vec<String> = corpus().iter().map(paper_text).collect();
        let t = TfIdf::fit(&docs, &TfIdfOptions::for_library(docs.len()));
        assert!(!t.is_empty());
        let v = t.transform("protein folding and zebra");
        let norm: f32 = v.iter().map(|x| x.1 * x.1).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert!(t.transform("zebra quagga").is_empty());
    }

    #[test]
    fn stars_on_one_subject_bring_up_that_subject() {
        let papers = corpus();
        let r = Recommender::new(&papers, &HashMap::new());
        // Star three protein papers (rows 1, 5, 9): the next ten are protein papers too.
        let ranked = r.rank(&[1, 5, 9], 10);
        assert_eq!(ranked.len(), 10);
        for (row, _) in &ranked {
            assert_eq!(row % 4, 1, "row {row} is not about proteins: {ranked:?}");
            assert!(![1, 5, 9].contains(row));
        }
        // Deterministic.
        assert_eq!(ranked, r.rank(&[1, 5, 9], 10));
    }

    #[test]
    fn embeddings_carry_meaning_tfidf_lacks() {
        // Titles share no words, but the embeddings put rows 0 and 2 together.
        let papers: Vec<Paper> = (0..6).map(|i| paper(i + 1, &format!("word{i}"))).collect();
        let mut emb = HashMap::new();
        for (i, p) in papers.iter().enumerate() {
            let v = if i % 2 == 0 {
                vec![1.0, 0.0]
            } else {
                vec![0.0, 1.0]
            };
            emb.insert(p.id, v);
        }
        let with_embeddings = ModelOptions {
            embedding_weight: 1.0,
            ..MODEL
        };
        let r = Recommender::with_options(&papers, &emb, with_embeddings);
        let top = r.rank(&[0], 2);
        assert!(top.iter().all(|(row, _)| row % 2 == 0), "{top:?}");
    }
}
