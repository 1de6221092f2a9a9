//! Topics: k-means over the library's paper embeddings, labelled by
//! class-based TF-IDF.
//!
//! **Clustering.** The stored embeddings of one model (MiniLM, L2-normalized,
//! so Euclidean k-means ranks like cosine) are read in paper id order and
//! clustered by `linfa-clustering`'s k-means (k-means++ initialisation from
//! its fixed seed, 3 runs, at most 100 iterations): the same library gives the
//! same topics.
//!
//! **Number of topics.** Unless given, `k = round(sqrt(n / 2))` for `n`
//! embedded papers (the usual rule of thumb), bounded to
//! `[2, MAX_AUTO_TOPICS]`: about 8 topics for 150 papers, 60 for 11,000 (where
//! the rule's 74 is capped so that each topic stays a readable few hundred
//! papers). `--k N` overrides it.
//!
//! **Labels.** Class-based TF-IDF (as BERTopic defines it): the titles and
//! abstracts of a topic are one document; a term `t` of topic `c` weighs
//! `tf(t, c) / words(c) * ln(1 + A / f(t))`, with `A` the mean number of words
//! per topic and `f(t)` the term's frequency over all topics. Terms are words
//! and bigrams ([`crate::text::terms`]) seen at least twice in the topic; the
//! label is the best few, skipping a word already inside a chosen bigram.
//!
//! **Ids.** Clusters are ordered by their smallest paper id. When topics are
//! recomputed, a new cluster keeps the id of the old topic holding most of its
//! papers if that is more than half of them (greedy, largest overlap first),
//! so follows of a topic survive small library changes; other clusters get
//! fresh ids.
//!
//! **Freshness.** Stored topics record the library's last batch and the
//! number of embedded papers; [`refresh`] recomputes them when either moved.

use crate::text;
use crate::DiscoverError;
use linfa::traits::{Fit, Predict};
use linfa::DatasetBase;
use linfa_clustering::KMeans;
use ndarray::Array2;
use paperdex_model::{Paper, PaperId};
use paperdex_store::{NewTopic, NewTopicSet, PaperFilter, Store, Topic, TopicSet};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use tracing::info;

/// Upper bound of the automatic number of topics.
pub const MAX_AUTO_TOPICS: usize = 60;
/// Terms kept per topic.
pub const TERMS_PER_TOPIC: usize = 10;
/// Terms in a topic's label.
pub const LABEL_TERMS: usize = 4;

/// The automatic number of topics for `n` papers (see the module docs).
pub fn auto_k(n: usize) -> usize {
    if n <= 2 {
        return n.max(1);
    }
    let k = ((n as f64) / 2.0).sqrt().round() as usize;
    k.clamp(2, MAX_AUTO_TOPICS).min(n)
}

/// Clusters `vectors` (one row per paper, all of one length) into `k` groups;
/// returns each row's cluster. Deterministic for the same rows in the same order.
pub fn cluster(vectors: &[Vec<f32>], k: usize) -> Result<Vec<usize>, DiscoverError> {
    let n = vectors.len();
    if k == 0 || k > n {
        return Err(DiscoverError::InvalidParameter {
            name: "k",
            reason: format!("{k} topics for {n} embedded papers (need 1..={n})"),
        });
    }
    let dim = vectors[0].len();
    let mut data = Array2::<f32>::zeros((n, dim));
    for (i, v) in vectors.iter().enumerate() {
        if v.len() != dim {
            return Err(DiscoverError::Clustering(format!(
                "embedding {i} has {} dimensions, expected {dim}",
                v.len()
            )));
        }
        data.row_mut(i)
            .assign(&ndarray::ArrayView1::from(v.as_slice()));
    }
    let dataset = DatasetBase::from(data);
    let model = KMeans::params(k)
        .n_runs(3)
        .max_n_iterations(100)
        .tolerance(1e-4)
        .fit(&dataset)
        .map_err(|e| DiscoverError::Clustering(e.to_string()))?;
    let memberships = model.predict(dataset.records());
    Ok(memberships.to_vec())
}

/// The most distinctive terms of each class by class-based TF-IDF (see the
/// module docs), best first, at most `keep` per class.
pub fn class_terms(classes: &[Vec<&str>], keep: usize) -> Vec<Vec<String>> {
    let counts: Vec<HashMap<String, u32>> = classes
        .iter()
        .map(|docs| {
            let mut c = HashMap::new();
            for doc in docs {
                for t in text::terms(doc) {
                    *c.entry(t).or_insert(0) += 1;
                }
            }
            c
        })
        .collect();
    let mut total: HashMap<&str, u64> = HashMap::new();
    let mut words_per_class = Vec::with_capacity(counts.len());
    for c in &counts {
        let mut words = 0u64;
        for (t, n) in c {
            *total.entry(t.as_str()).or_insert(0) += *n as u64;
            if !t.contains(' ') {
                words += *n as u64;
            }
        }
        words_per_class.push(words.max(1));
    }
    let mean_words =
        words_per_class.iter().sum::<u64>() as f64 / words_per_class.len().max(1) as f64;
    counts
        .iter()
        .zip(&words_per_class)
        .map(|(c, &words)| {
            let mut scored: Vec<(f64, &str)> = c
                .iter()
                .filter(|(_, n)| **n >= 2)
                .map(|(t, n)| {
                    let tf = *n as f64 / words as f64;
                    let idf = (1.0 + mean_words / total[t.as_str()] as f64).ln();
                    (tf * idf, t.as_str())
                })
                .collect();
            // On equal weight the bigram wins: it says more than its words.
            let words = |t: &str| t.split(' ').count();
            scored.sort_by(|a, b| {
                b.0.total_cmp(&a.0)
                    .then(words(b.1).cmp(&words(a.1)))
                    .then(a.1.cmp(b.1))
            });
            pick_terms(scored.into_iter().map(|(_, t)| t), keep)
        })
        .collect()
}

/// Takes terms best first, skipping a word already inside a chosen bigram
/// and a bigram whose words were both chosen.
fn pick_terms<'a>(ranked: impl Iterator<Item = &'a str>, keep: usize) -> Vec<String> {
    let mut chosen: Vec<String> = Vec::new();
    for t in ranked {
        if chosen.len() == keep {
            break;
        }
        let redundant = if t.contains(' ') {
            t.split(' ').all(|w| chosen.iter().any(|c| c == w))
        } else {
            chosen
                .iter()
                .any(|c| c.contains(' ') && c.split(' ').any(|w| w == t))
        };
        if !redundant {
            chosen.push(t.to_string());
        }
    }
    chosen
}

/// Numbers clusters: ordered by smallest paper id; an old topic's id is kept
/// by the cluster holding most of its papers when that is more than half the
/// cluster (see the module docs). Clusters come in with sorted paper ids.
pub fn assign_ids(
    clusters: Vec<Vec<PaperId>>,
    previous: &[(PaperId, i64)],
) -> Vec<(i64, Vec<PaperId>)> {
    let mut clusters = clusters;
    clusters.retain(|c| !c.is_empty());
    clusters.sort_by_key(|c| c[0]);
    let old: HashMap<PaperId, i64> = previous.iter().copied().collect();
    let mut overlaps: Vec<(usize, usize, i64)> = Vec::new();
    for (i, c) in clusters.iter().enumerate() {
        let mut by_topic: BTreeMap<i64, usize> = BTreeMap::new();
        for p in c {
            if let Some(t) = old.get(p) {
                *by_topic.entry(*t).or_insert(0) += 1;
            }
        }
        for (t, n) in by_topic {
            if n * 2 > c.len() {
                overlaps.push((n, i, t));
            }
        }
    }
    overlaps.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut ids: Vec<Option<i64>> = vec![None; clusters.len()];
    let mut taken: HashSet<i64> = HashSet::new();
    for (_, i, t) in overlaps {
        if ids[i].is_none() && taken.insert(t) {
            ids[i] = Some(t);
        }
    }
    let mut next = previous.iter().map(|(_, t)| *t).max().unwrap_or(0).max(0) + 1;
    clusters
        .into_iter()
        .zip(ids)
        .map(|(c, id)| {
            let id = id.unwrap_or_else(|| {
                next += 1;
                next - 1
            });
            (id, c)
        })
        .collect()
}

/// The text a paper contributes to its topic's terms.
fn label_text(p: &Paper) -> String {
    let mut s = String::new();
    if !p.title_derived {
        s.push_str(&p.title);
        s.push_str(". ");
    }
    if let Some(a) = &p.abstract_text {
        s.push_str(a);
    }
    s
}

/// Computes topics from the stored embeddings of `model` (not stored).
pub fn compute(
    store: &dyn Store,
    model: &str,
    k: Option<usize>,
) -> Result<NewTopicSet, DiscoverError> {
    // Read the batch first: a write that lands meanwhile makes these topics stale, not wrong.
    let batch = store.last_batch()?;
    let mut rows: Vec<(PaperId, Vec<f32>)> = Vec::new();
    store.for_each_embedding(model, &mut |id, v| rows.push((id, v.to_vec())))?;
    if rows.is_empty() {
        return Err(DiscoverError::NoEmbeddings {
            model: model.to_string(),
        });
    }
    rows.sort_by_key(|r| r.0);
    let k = k.unwrap_or_else(|| auto_k(rows.len()));
    let vectors: Vec<Vec<f32>> = rows.iter().map(|r| r.1.clone()).collect();
    let membership = cluster(&vectors, k)?;
    let mut clusters: Vec<Vec<PaperId>> = vec![Vec::new(); k];
    for ((id, _), c) in rows.iter().zip(&membership) {
        clusters[*c].push(*id);
    }
    let numbered = assign_ids(clusters, &store.paper_topics()?);
    let papers: HashMap<PaperId, Paper> = store
        .list_papers(&PaperFilter::default())?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let texts: Vec<Vec<String>> = numbered
        .iter()
        .map(|(_, ids)| {
            ids.iter()
                .filter_map(|id| papers.get(id))
                .map(label_text)
                .collect()
        })
        .collect();
    let classes: Vec<Vec<&str>> = texts
        .iter()
        .map(|t| t.iter().map(String::as_str).collect())
        .collect();
    let terms = class_terms(&classes, TERMS_PER_TOPIC);
    let topics = numbered
        .into_iter()
        .zip(terms)
        .map(|((id, papers), terms)| NewTopic {
            id,
            label: label_of(&terms),
            terms,
            papers,
        })
        .collect();
    Ok(NewTopicSet {
        model: model.to_string(),
        batch,
        papers: rows.len() as u64,
        topics,
    })
}

fn label_of(terms: &[String]) -> String {
    if terms.is_empty() {
        return "(no distinctive terms)".to_string();
    }
    terms
        .iter()
        .take(LABEL_TERMS)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

/// What [`refresh`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Refresh {
    /// The stored topics were current.
    Current,
    /// Topics were recomputed and stored.
    Recomputed,
}

/// True when `set` was computed from the library as it is now.
pub fn is_current(store: &dyn Store, set: &TopicSet, model: &str) -> Result<bool, DiscoverError> {
    Ok(set.model == model
        && set.batch == store.last_batch()?
        && set.papers == store.embedding_count(model)?)
}

/// Recomputes and stores the topics when the library changed since they were
/// computed, or when `k` asks for another number of topics than stored.
pub fn refresh(store: &dyn Store, model: &str, k: Option<usize>) -> Result<Refresh, DiscoverError> {
    if let Some(set) = store.topics()? {
        let k_ok = k.is_none_or(|k| k == set.topics.len());
        if k_ok && is_current(store, &set, model)? {
            return Ok(Refresh::Current);
        }
    }
    let set = compute(store, model, k)?;
    info!(
        topics = set.topics.len(),
        papers = set.papers,
        "topics recomputed"
    );
    store.replace_topics(&set)?;
    Ok(Refresh::Recomputed)
}

/// The stored topics, by id (`None` when never computed).
pub fn topics(store: &dyn Store) -> Result<Option<TopicSet>, DiscoverError> {
    Ok(store.topics()?)
}

/// One topic with its papers, in id order.
#[derive(Debug, Clone, Serialize)]
pub struct TopicDetail {
    /// The topic.
    #[serde(flatten)]
    pub topic: Topic,
    /// Its papers.
    pub papers: Vec<Paper>,
}

/// The papers of a topic, in id order (for pages and digests).
pub fn papers_of_topic(store: &dyn Store, topic: i64) -> Result<Vec<Paper>, DiscoverError> {
    let ids = store.topic_papers(topic)?;
    if ids.is_empty()
        && !store
            .topics()?
            .is_some_and(|s| s.topics.iter().any(|t| t.id == topic))
    {
        return Err(DiscoverError::UnknownTopic(topic));
    }
    let mut papers = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(p) = store.paper(id)? {
            papers.push(p);
        }
    }
    Ok(papers)
}

/// A topic and its papers.
pub fn topic_detail(store: &dyn Store, topic: i64) -> Result<TopicDetail, DiscoverError> {
    let set = store.topics()?.ok_or(DiscoverError::UnknownTopic(topic))?;
    let t = set
        .topics
        .into_iter()
        .find(|t| t.id == topic)
        .ok_or(DiscoverError::UnknownTopic(topic))?;
    Ok(TopicDetail {
        topic: t,
        papers: papers_of_topic(store, topic)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three well separated blobs of unit vectors in 8 dimensions.
    fn blobs() -> Vec<Vec<f32>> {
        let mut out = Vec::new();
        for i in 0..30 {
            let mut v = [0.0f32; 8];
            let axis = i % 3;
            v[axis] = 1.0;
            v[3 + (i % 5)] = 0.05 * (i as f32 / 30.0);
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
            out.push(v.iter().map(|x| x / norm).collect());
        }
        out
    }

    #[test]
    fn clustering_is_deterministic_and_finds_the_blobs() {
        let v = blobs();
        let a = cluster(&v, 3).unwrap();
        let b = cluster(&v, 3).unwrap();
        assert_eq!(a, b);
        for i in 0..30 {
            for j in 0..30 {
                assert_eq!(a[i] == a[j], i % 3 == j % 3, "rows {i} and {j}");
            }
        }
    }

    #[test]
    fn clustering_rejects_impossible_k() {
        let v = blobs();
        assert!(matches!(
            cluster(&v, 0),
            Err(DiscoverError::InvalidParameter { name: "k", .. })
        ));
        assert!(cluster(&v, 31).is_err());
    }

    #[test]
    fn auto_k_follows_the_rule_and_its_bounds() {
        assert_eq!(auto_k(1), 1);
        assert_eq!(auto_k(8), 2);
        assert_eq!(auto_k(150), 9);
        assert_eq!(auto_k(11_000), MAX_AUTO_TOPICS);
    }

    #[test]
    fn class_terms_prefer_what_sets_a_class_apart() {
        let robots = [
            "Robot grasping with tactile sensors. Learning robot grasping policies.",
            "Tactile sensors help robot grasping in clutter. Learning from demonstrations.",
        ];
        let proteins = [
            "Protein folding with learning. Protein structure prediction from sequences.",
            "Learning protein structure. Folding sequences into structures.",
        ];
        let terms = class_terms(&[robots.to_vec(), proteins.to_vec()], 4);
        // "learning" is in every class: it ranks below what sets each apart.
        assert_eq!(
            terms[0][..2],
            ["robot grasping", "tactile sensors"],
            "{terms:?}"
        );
        assert_eq!(terms[1][0], "protein", "{terms:?}");
        // A chosen bigram hides its words.
        assert!(!terms[0].contains(&"grasping".to_string()), "{terms:?}");
    }

    #[test]
    fn recomputed_clusters_keep_the_ids_of_the_topics_they_continue() {
        let previous = [(1, 5), (2, 5), (3, 5), (4, 9), (5, 9)];
        // The cluster {4, 5, 6} continues topic 9; {1, 2, 3, 7} continues 5;
        // {8} is new and gets a fresh id above every old one.
        let got = assign_ids(vec![vec![8], vec![4, 5, 6], vec![1, 2, 3, 7]], &previous);
        assert_eq!(
            got,
            vec![(5, vec![1, 2, 3, 7]), (9, vec![4, 5, 6]), (10, vec![8])]
        );
        let fresh = assign_ids(vec![vec![3], vec![1, 2]], &[]);
        assert_eq!(fresh, vec![(1, vec![1, 2]), (2, vec![3])]);
    }
}
