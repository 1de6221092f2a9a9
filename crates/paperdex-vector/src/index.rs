//! [`VectorIndex`]: the vectors, their binary codes, and the searches.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};

use crate::kernels::{self, Isa};
use crate::VectorError;

/// Below this many entries [`VectorIndex::search`] scans every vector
/// exactly; from here on it uses [`VectorIndex::search_approx`].
///
/// At 20k vectors of 384 components an exact scan reads 31 MB (still in
/// cache) in about 1.5 ms; at 50k it takes 13 ms, no longer fitting. Up to
/// here exact answers cost little, and from here on the approximate search
/// is over 5 times faster with recall@10 ≥ 0.99 (see the crate docs).
pub const APPROX_THRESHOLD: usize = 20_000;

/// How [`VectorIndex::search_approx_with`] narrows the index down: the
/// `shortlist` codes nearest the query's code in Hamming distance, then the
/// `rerank` of those with the best asymmetric estimate, then the `k` of those
/// with the best exact dot product.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApproxParams {
    /// How many candidates the Hamming scan keeps.
    pub shortlist: usize,
    /// How many of those get an exact dot product.
    pub rerank: usize,
}

impl ApproxParams {
    /// The defaults for an index of `len` vectors and a search for `k`:
    /// `rerank = max(20 k, 600, len / 512)` and `shortlist = 4 rerank`.
    ///
    /// Both grow with the index because one bit per component is a coarse
    /// estimate: the more vectors, the closer the true neighbours are to many
    /// others, and the further down the estimated order they fall. Growing in
    /// proportion keeps recall about constant (≥ 0.99 on the benchmark data
    /// from 20k to 1M vectors) while the rerank stays a small fraction of the
    /// scan's cost (about 1/512 of the vectors, against every code).
    pub fn for_len(len: usize, k: usize) -> Self {
        // The floor matters from 20k to ~300k vectors. At 200, recall@10 of
        // a top-10 search over 91k synthetic papers (`bench scale`, vectors
        // mixed from 1.8k real ones, so near neighbours crowd) was 0.962; at
        // 600 it is 0.993, for about 0.1 ms more CPU per search at 100k.
        let rerank = k.saturating_mul(20).max(600).max(len / 512);
        ApproxParams {
            shortlist: rerank.saturating_mul(4),
            rerank,
        }
    }
}

/// How many vectors each kernel call handles: scores live in a stack buffer.
const BLOCK: usize = 256;

/// Recentering happens at least this many changes apart.
const MIN_RECENTER: usize = 256;

/// Candidate keys in [`VectorIndex::search_approx_with`] are
/// `distance << SLOT_BITS | slot`: slots below 2^40, distances (at most the
/// dimension) below 2^24.
const SLOT_BITS: u32 = 40;
const MAX_DIM: usize = 1 << (64 - SLOT_BITS);

/// A predicate on ids, e.g. "is in the set of papers matching the filters".
pub type Allowed<'a> = Option<&'a dyn Fn(i64) -> bool>;

/// An in-memory nearest-neighbour index over unit vectors keyed by paper id;
/// scores are dot products (= cosine similarity for unit vectors).
///
/// Searches take `&self` and the index is `Send + Sync`, so any number of
/// threads may search one index (e.g. behind an `Arc` snapshot); changes take
/// `&mut self`.
///
/// Vectors should be L2-normalized; the index does not normalize them (it
/// stores exactly what it is given, so [`get`](Self::get) returns it back) and
/// ranks by raw dot product.
#[derive(Clone)]
pub struct VectorIndex {
    dim: usize,
    /// `u64` words per binary code: `ceil(dim / 64)`.
    words: usize,
    /// The id in each slot.
    ids: Vec<i64>,
    /// Slot `s`'s vector is `vectors[s * dim..(s + 1) * dim]`.
    vectors: Vec<f32>,
    /// Slot `s`'s code is `codes[s * words..(s + 1) * words]`.
    codes: Vec<u64>,
    /// Slot `s`'s code's correction factor (see `kernels::encode`).
    factors: Vec<f32>,
    /// Where each id lives.
    slots: HashMap<i64, usize>,
    /// Codes are the signs of `vector - center`.
    center: Vec<f32>,
    /// The sum of all stored vectors, to recompute `center`.
    sum: Vec<f64>,
    /// Upserts and removals since `center` was last computed.
    changes_since_center: usize,
    /// The number of vectors `center` was computed from.
    centered_len: usize,
}

impl std::fmt::Debug for VectorIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VectorIndex")
            .field("dim", &self.dim)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

impl VectorIndex {
    /// An empty index of `dim`-component vectors.
    ///
    /// # Panics
    ///
    /// If `dim` is 0 or above 2^24.
    pub fn new(dim: usize) -> Self {
        assert!(
            dim > 0 && dim < MAX_DIM,
            "a vector index needs a dimension in 1..2^24, not {dim}"
        );
        let words = dim.div_ceil(64);
        VectorIndex {
            dim,
            words,
            ids: Vec::new(),
            vectors: Vec::new(),
            codes: Vec::new(),
            factors: Vec::new(),
            slots: HashMap::new(),
            center: vec![0.0; dim],
            sum: vec![0.0; dim],
            changes_since_center: 0,
            centered_len: 0,
        }
    }

    /// The number of components of every vector.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// The number of vectors.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the index holds no vector.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Makes room for `additional` more vectors without reallocating (a
    /// million 384-component vectors are 1.5 GB; growing by doubling would
    /// briefly need twice that).
    pub fn reserve(&mut self, additional: usize) {
        self.ids.reserve(additional);
        self.vectors.reserve(additional.saturating_mul(self.dim));
        self.codes.reserve(additional.saturating_mul(self.words));
        self.factors.reserve(additional);
        self.slots.reserve(additional);
    }

    /// The approximate number of bytes the index holds on the heap.
    pub fn memory_bytes(&self) -> usize {
        use std::mem::size_of;
        // hashbrown: one (key, value) pair and one control byte per bucket.
        let map = self.slots.capacity() * (size_of::<(i64, usize)>() + 1);
        self.ids.capacity() * size_of::<i64>()
            + self.vectors.capacity() * size_of::<f32>()
            + self.codes.capacity() * size_of::<u64>()
            + self.factors.capacity() * size_of::<f32>()
            + map
            + self.dim * (size_of::<f32>() + size_of::<f64>())
    }

    /// Stores `vector` under `id`, replacing any vector `id` had.
    ///
    /// Fails, leaving the index unchanged, if `vector` does not have
    /// [`dim`](Self::dim) components or holds a NaN or infinity.
    ///
    /// Every so often (when the number of changes since the last time reaches
    /// the number of vectors then held) this recomputes the center of the
    /// binary codes and re-encodes every vector: O(len · dim), amortized O(dim)
    /// per change.
    pub fn upsert(&mut self, id: i64, vector: &[f32]) -> Result<(), VectorError> {
        check_vector(vector, self.dim)?;
        let slot = match self.slots.get(&id) {
            Some(&slot) => {
                let old = &self.vectors[slot * self.dim..(slot + 1) * self.dim];
                for (s, x) in self.sum.iter_mut().zip(old) {
                    *s -= f64::from(*x);
                }
                self.vectors[slot * self.dim..(slot + 1) * self.dim].copy_from_slice(vector);
                slot
            }
            None => {
                let slot = self.ids.len();
                self.ids.push(id);
                self.vectors.extend_from_slice(vector);
                self.codes.extend(std::iter::repeat_n(0, self.words));
                self.factors.push(0.0);
                self.slots.insert(id, slot);
                slot
            }
        };
        for (s, x) in self.sum.iter_mut().zip(vector) {
            *s += f64::from(*x);
        }
        self.factors[slot] = kernels::encode(
            vector,
            &self.center,
            &mut self.codes[slot * self.words..(slot + 1) * self.words],
        );
        self.changed();
        Ok(())
    }

    /// Removes `id`'s vector; false if there was none. The last slot's vector
    /// moves into the freed slot.
    pub fn remove(&mut self, id: i64) -> bool {
        let Some(slot) = self.slots.remove(&id) else {
            return false;
        };
        let (dim, words) = (self.dim, self.words);
        for (s, x) in self
            .sum
            .iter_mut()
            .zip(&self.vectors[slot * dim..(slot + 1) * dim])
        {
            *s -= f64::from(*x);
        }
        let last = self.ids.len() - 1;
        if slot != last {
            let moved = self.ids[last];
            self.ids[slot] = moved;
            self.vectors
                .copy_within(last * dim..(last + 1) * dim, slot * dim);
            self.codes
                .copy_within(last * words..(last + 1) * words, slot * words);
            self.factors[slot] = self.factors[last];
            self.slots.insert(moved, slot);
        }
        self.ids.truncate(last);
        self.factors.truncate(last);
        self.vectors.truncate(last * dim);
        self.codes.truncate(last * words);
        self.changed();
        true
    }

    /// `id`'s vector, as given to [`upsert`](Self::upsert).
    pub fn get(&self, id: i64) -> Option<&[f32]> {
        let slot = *self.slots.get(&id)?;
        Some(&self.vectors[slot * self.dim..(slot + 1) * self.dim])
    }

    /// The ids in the index, in no particular order.
    pub fn ids(&self) -> &[i64] {
        &self.ids
    }

    /// The `k` ids whose vectors have the highest dot product with `query`,
    /// best first, with their scores; ties go to the lower id.
    ///
    /// Scans exactly ([`search_exact`](Self::search_exact)) below
    /// [`APPROX_THRESHOLD`] vectors and approximately
    /// ([`search_approx`](Self::search_approx)) from there on.
    ///
    /// With `allowed`, only ids for which it returns true are considered, and
    /// `k` of them are returned whenever at least `k` exist. It is called
    /// only for ids that would make the current top list, not for every id.
    ///
    /// A query that does not have [`dim`](Self::dim) components, or that
    /// holds a NaN or infinity, finds nothing (and logs a warning).
    pub fn search(&self, query: &[f32], k: usize, allowed: Allowed<'_>) -> Vec<(i64, f32)> {
        if self.len() < APPROX_THRESHOLD {
            self.search_exact(query, k, allowed)
        } else {
            self.search_approx(query, k, allowed)
        }
    }

    /// [`search`](Self::search) by scanning every vector: the true top `k`.
    pub fn search_exact(&self, query: &[f32], k: usize, allowed: Allowed<'_>) -> Vec<(i64, f32)> {
        if k == 0 || self.is_empty() || !self.query_ok(query) {
            return Vec::new();
        }
        let isa = Isa::detect();
        let mut top = TopK::new(k);
        let mut scores = [0f32; BLOCK];
        for (b, block) in self.vectors.chunks(BLOCK * self.dim).enumerate() {
            let n = block.len() / self.dim;
            kernels::dots(isa, block, self.dim, query, &mut scores[..n]);
            for (i, &score) in scores[..n].iter().enumerate() {
                let id = self.ids[b * BLOCK + i];
                if top.accepts(score, id) && allowed.is_none_or(|f| f(id)) {
                    top.push(score, id);
                }
            }
        }
        top.into_sorted()
    }

    /// [`search`](Self::search) by binary quantization with exact rerank,
    /// with [`ApproxParams::for_len`]. The scores returned are exact dot
    /// products; only the set may miss a true neighbour (see
    /// [`recall_at_k`](crate::recall_at_k)).
    pub fn search_approx(&self, query: &[f32], k: usize, allowed: Allowed<'_>) -> Vec<(i64, f32)> {
        self.search_approx_with(query, k, allowed, ApproxParams::for_len(self.len(), k))
    }

    /// [`search_approx`](Self::search_approx) with explicit parameters: larger
    /// is slower and more accurate. In three steps:
    ///
    /// 1. scan every binary code and keep the `params.shortlist` allowed ones
    ///    nearest the query's code in Hamming distance (popcount of XOR; the
    ///    only step that touches every vector, reading 48 bytes of each);
    /// 2. estimate the dot product of each of those from its code and the
    ///    exact query (a table lookup per code byte) and keep the best
    ///    `params.rerank`;
    /// 3. compute their exact dot products and return the best `k`.
    ///
    /// When the index holds no more than `params.rerank` vectors (or `k`),
    /// this is [`search_exact`](Self::search_exact).
    pub fn search_approx_with(
        &self,
        query: &[f32],
        k: usize,
        allowed: Allowed<'_>,
        params: ApproxParams,
    ) -> Vec<(i64, f32)> {
        let rerank = params.rerank.max(k);
        let shortlist = params.shortlist.max(rerank);
        if self.len() <= rerank {
            return self.search_exact(query, k, allowed);
        }
        if k == 0 || !self.query_ok(query) {
            return Vec::new();
        }
        let isa = Isa::detect();
        let words = self.words;
        let code = |slot: usize| &self.codes[slot * words..(slot + 1) * words];

        // 1. Hamming scan, keeping the `shortlist` smallest keys
        // `distance << SLOT_BITS | slot` (slots stay below 2^40: that many
        // vectors would not fit in memory). Distances are small integers, so
        // instead of a heap (a log-time sift with unpredictable branches for
        // each of the ~shortlist · ln(len / shortlist) insertions, the
        // bottleneck at 1M vectors) keep a distance limit that drops as
        // enough candidates below it are found, a histogram to know when,
        // and an unordered list compacted now and then.
        let mut qcode = vec![0u64; words];
        kernels::encode(query, &self.center, &mut qcode);
        let mut kept: Vec<u64> = Vec::with_capacity(2 * shortlist + 1);
        let mut histogram = vec![0usize; self.dim + 1]; // distance ≤ dim
        let mut limit = self.dim as u32; // accept distances ≤ limit
        let mut within = 0usize; // kept candidates with distance ≤ limit
        let mut dists = [0u32; BLOCK];
        for (b, block) in self.codes.chunks(BLOCK * words).enumerate() {
            let n = block.len() / words;
            kernels::hammings(isa, block, words, &qcode, &mut dists[..n]);
            for (i, &d) in dists[..n].iter().enumerate() {
                let slot = b * BLOCK + i;
                // Once `shortlist` keys are at or below the limit, a key at
                // the limit with a larger slot cannot be among the smallest.
                let full = within >= shortlist;
                if d > limit || (full && d == limit) || !allowed.is_none_or(|f| f(self.ids[slot])) {
                    continue;
                }
                kept.push((u64::from(d) << SLOT_BITS) | slot as u64);
                histogram[d as usize] += 1;
                within += 1;
                while limit > 0 && within - histogram[limit as usize] >= shortlist {
                    within -= histogram[limit as usize];
                    limit -= 1;
                }
                if kept.len() > 2 * shortlist {
                    kept.retain(|key| key >> SLOT_BITS <= u64::from(limit));
                }
            }
        }
        kept.retain(|key| key >> SLOT_BITS <= u64::from(limit));
        if kept.len() > shortlist {
            kept.select_nth_unstable(shortlist - 1);
            kept.truncate(shortlist);
        }

        // 2. Asymmetric estimate of the shortlist, keep the best `rerank`.
        let table = kernels::AsymmetricTable::new(query, words);
        let mut estimated: Vec<(f32, usize)> = kept
            .into_iter()
            .map(|key| {
                let slot = (key & ((1 << SLOT_BITS) - 1)) as usize;
                (table.score(code(slot)) * self.factors[slot], slot)
            })
            .collect();
        if estimated.len() > rerank {
            estimated
                .select_nth_unstable_by(rerank - 1, |a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
            estimated.truncate(rerank);
        }

        // 3. Exact rerank, in slot order, which reads the vectors front to back.
        let mut slots: Vec<usize> = estimated.into_iter().map(|(_, slot)| slot).collect();
        slots.sort_unstable();
        let mut top = TopK::new(k);
        for slot in slots {
            let v = &self.vectors[slot * self.dim..(slot + 1) * self.dim];
            let (score, id) = (kernels::dot(isa, v, query), self.ids[slot]);
            if top.accepts(score, id) {
                top.push(score, id);
            }
        }
        top.into_sorted()
    }

    fn query_ok(&self, query: &[f32]) -> bool {
        match check_vector(query, self.dim) {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(%error, "vector search with an invalid query finds nothing");
                false
            }
        }
    }

    /// Counts a change and recenters when due.
    fn changed(&mut self) {
        self.changes_since_center += 1;
        if self.changes_since_center >= self.centered_len.max(MIN_RECENTER) {
            self.recenter();
        }
    }

    /// Sets the code center to the mean of the stored vectors and re-encodes
    /// every vector.
    ///
    /// Sign bits of raw embeddings waste bits on components that all
    /// embeddings of a corpus share (the corpus mean is far from zero); sign
    /// bits around the mean split every component evenly.
    fn recenter(&mut self) {
        let n = self.len();
        if n > 0 {
            for (c, s) in self.center.iter_mut().zip(&self.sum) {
                *c = (*s / n as f64) as f32;
            }
        } else {
            self.center.fill(0.0);
        }
        for ((v, code), factor) in self
            .vectors
            .chunks_exact(self.dim)
            .zip(self.codes.chunks_exact_mut(self.words))
            .zip(&mut self.factors)
        {
            *factor = kernels::encode(v, &self.center, code);
        }
        self.centered_len = n;
        self.changes_since_center = 0;
        tracing::debug!(vectors = n, "recentered binary codes");
    }

    // --- for the codec ---------------------------------------------------

    pub(crate) fn center(&self) -> &[f32] {
        &self.center
    }

    pub(crate) fn vectors(&self) -> &[f32] {
        &self.vectors
    }

    /// An index from decoded parts: lengths consistent and all finite (the
    /// codec checks); fails on a duplicate id.
    pub(crate) fn from_parts(
        dim: usize,
        center: Vec<f32>,
        ids: Vec<i64>,
        vectors: Vec<f32>,
    ) -> Result<Self, VectorError> {
        let mut index = VectorIndex::new(dim);
        let n = ids.len();
        index.slots.reserve(n);
        for (slot, &id) in ids.iter().enumerate() {
            if index.slots.insert(id, slot).is_some() {
                return Err(VectorError::decode(format!("duplicate id {id}")));
            }
        }
        index.ids = ids;
        for v in vectors.chunks_exact(dim) {
            for (s, x) in index.sum.iter_mut().zip(v) {
                *s += f64::from(*x);
            }
        }
        index.vectors = vectors;
        index.codes = vec![0; n * index.words];
        index.factors = vec![0.0; n];
        for ((v, code), factor) in index
            .vectors
            .chunks_exact(dim)
            .zip(index.codes.chunks_exact_mut(index.words))
            .zip(&mut index.factors)
        {
            *factor = kernels::encode(v, &center, code);
        }
        index.center = center;
        index.centered_len = n;
        Ok(index)
    }
}

/// Checks a vector's length and that every component is finite.
pub(crate) fn check_vector(v: &[f32], dim: usize) -> Result<(), VectorError> {
    if v.len() != dim {
        return Err(VectorError::DimensionMismatch {
            expected: dim,
            found: v.len(),
        });
    }
    match v.iter().position(|x| !x.is_finite()) {
        Some(index) => Err(VectorError::NonFinite { index }),
        None => Ok(()),
    }
}

/// A hit ordered so that the *worse* hit is greater: the root of a
/// `BinaryHeap<Hit>` is the worst hit kept.
#[derive(Clone, Copy)]
struct Hit {
    score: f32,
    id: i64,
}

impl Hit {
    /// Better = higher score, then lower id.
    fn better_than(&self, other: &Hit) -> bool {
        self.cmp(other) == Ordering::Less
    }
}

impl Ord for Hit {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.id.cmp(&other.id))
    }
}

impl PartialOrd for Hit {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Hit {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Hit {}

/// The best `k` hits seen so far.
struct TopK {
    k: usize,
    heap: BinaryHeap<Hit>,
}

impl TopK {
    fn new(k: usize) -> Self {
        TopK {
            k,
            heap: BinaryHeap::with_capacity(k.min(1 << 16) + 1),
        }
    }

    /// Whether a hit would be kept.
    #[inline]
    fn accepts(&self, score: f32, id: i64) -> bool {
        self.heap.len() < self.k
            || Hit { score, id }.better_than(self.heap.peek().expect("k > 0 and full"))
    }

    /// Keeps a hit that [`accepts`](Self::accepts) said yes to.
    fn push(&mut self, score: f32, id: i64) {
        self.heap.push(Hit { score, id });
        if self.heap.len() > self.k {
            self.heap.pop();
        }
    }

    /// Best first.
    fn into_sorted(self) -> Vec<(i64, f32)> {
        self.heap
            .into_sorted_vec()
            .into_iter()
            .map(|h| (h.id, h.score))
            .collect()
    }
}

/// The fraction of the true top-`k` ids (by [`VectorIndex::search_exact`])
/// that [`VectorIndex::search_approx`] finds, over all `queries`: 1.0 is
/// perfect. Use it to check the approximate search on real embeddings.
/// Queries that find nothing (an empty index) count as perfect.
pub fn recall_at_k(index: &VectorIndex, queries: &[Vec<f32>], k: usize) -> f64 {
    let (mut found, mut wanted) = (0usize, 0usize);
    for q in queries {
        let truth = index.search_exact(q, k, None);
        let approx = index.search_approx(q, k, None);
        wanted += truth.len();
        found += truth
            .iter()
            .filter(|(id, _)| approx.iter().any(|(a, _)| a == id))
            .count();
    }
    if wanted == 0 {
        1.0
    } else {
        found as f64 / wanted as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synthetic::{ClusteredVectors, SplitMix64};

    /// The true top `k` by sorting every score in f64.
    fn naive_top(
        index: &VectorIndex,
        q: &[f32],
        k: usize,
        allowed: impl Fn(i64) -> bool,
    ) -> Vec<i64> {
        let mut all: Vec<(f64, i64)> = index
            .ids()
            .iter()
            .filter(|&&id| allowed(id))
            .map(|&id| {
                let v = index.get(id).unwrap();
                (
                    v.iter()
                        .zip(q)
                        .map(|(a, b)| f64::from(*a) * f64::from(*b))
                        .sum(),
                    id,
                )
            })
            .collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        all.into_iter().take(k).map(|(_, id)| id).collect()
    }

    fn clustered(n: usize, dim: usize, seed: u64) -> (VectorIndex, Vec<Vec<f32>>) {
        let mut data = ClusteredVectors::new(dim, seed);
        let mut index = VectorIndex::new(dim);
        index.reserve(n);
        let mut rng = SplitMix64::new(seed);
        for _ in 0..n {
            // Scattered, non-contiguous ids, negative ones included.
            let id = rng.next_u64() as i64 >> 20;
            index.upsert(id, &data.sample()).unwrap();
        }
        (index, data.take(50))
    }

    fn ids(hits: &[(i64, f32)]) -> Vec<i64> {
        hits.iter().map(|h| h.0).collect()
    }

    #[test]
    fn exact_search_is_the_true_top_k() {
        let (index, queries) = clustered(3000, 40, 1);
        for q in &queries {
            for k in [1, 10, 57] {
                let hits = index.search_exact(q, k, None);
                assert_eq!(ids(&hits), naive_top(&index, q, k, |_| true));
                assert!(hits.windows(2).all(|w| w[0].1 >= w[1].1), "best first");
                for (id, score) in &hits {
                    let v = index.get(*id).unwrap();
                    let want: f32 = v.iter().zip(q).map(|(a, b)| a * b).sum();
                    assert!((score - want).abs() < 1e-5);
                }
            }
        }
    }

    #[test]
    fn k_larger_than_the_index_returns_everything() {
        let (index, queries) = clustered(30, 8, 2);
        assert_eq!(index.search_exact(&queries[0], 100, None).len(), 30);
        assert_eq!(index.search_approx(&queries[0], 100, None).len(), 30);
        assert!(index.search(&queries[0], 0, None).is_empty());
        assert!(VectorIndex::new(8).search(&queries[0], 5, None).is_empty());
    }

    #[test]
    fn upsert_replaces_and_remove_removes() {
        let mut index = VectorIndex::new(3);
        index.upsert(7, &[1.0, 0.0, 0.0]).unwrap();
        index.upsert(8, &[0.0, 1.0, 0.0]).unwrap();
        index.upsert(9, &[0.0, 0.0, 1.0]).unwrap();
        assert_eq!(index.len(), 3);
        assert_eq!(ids(&index.search(&[1.0, 0.0, 0.0], 1, None)), [7]);

        index.upsert(7, &[0.0, 0.6, 0.8]).unwrap();
        assert_eq!(index.len(), 3, "replaced, not added");
        assert_eq!(index.get(7), Some(&[0.0, 0.6, 0.8][..]));
        assert_eq!(ids(&index.search(&[0.0, 0.0, 1.0], 3, None)), [9, 7, 8]);

        assert!(index.remove(9));
        assert!(!index.remove(9));
        assert!(!index.remove(12345));
        assert_eq!(index.len(), 2);
        assert_eq!(index.get(9), None);
        assert_eq!(ids(&index.search(&[0.0, 0.0, 1.0], 3, None)), [7, 8]);
        assert!(index.remove(7) && index.remove(8));
        assert!(index.is_empty());
        assert!(index.search(&[0.0, 0.0, 1.0], 3, None).is_empty());
    }

    #[test]
    fn many_changes_keep_ids_slots_and_codes_consistent() {
        // Random upserts and removals (enough to trigger recentering), then
        // compare with a model and check every code against its vector.
        let dim = 70;
        let mut data = ClusteredVectors::new(dim, 3);
        let mut rng = SplitMix64::new(3);
        let mut index = VectorIndex::new(dim);
        let mut model = std::collections::BTreeMap::new();
        for _ in 0..5000 {
            let id = rng.below(800) as i64;
            if rng.below(3) == 0 {
                assert_eq!(index.remove(id), model.remove(&id).is_some());
            } else {
                let v = data.sample();
                index.upsert(id, &v).unwrap();
                model.insert(id, v);
            }
        }
        assert_eq!(index.len(), model.len());
        for (id, v) in &model {
            assert_eq!(index.get(*id), Some(&v[..]));
        }
        let mut code = vec![0; index.words];
        assert_eq!(index.factors.len(), index.len());
        for (slot, &id) in index.ids.iter().enumerate() {
            assert_eq!(index.slots[&id], slot);
            let factor = kernels::encode(index.get(id).unwrap(), &index.center, &mut code);
            assert_eq!(
                code,
                index.codes[slot * index.words..(slot + 1) * index.words]
            );
            assert_eq!(factor, index.factors[slot]);
        }
        let q = data.sample();
        assert_eq!(
            ids(&index.search_exact(&q, 20, None)),
            naive_top(&index, &q, 20, |_| true)
        );
    }

    #[test]
    fn dimension_mismatch_names_both_dimensions() {
        let mut index = VectorIndex::new(384);
        let err = index.upsert(1, &[0.5; 383]).unwrap_err();
        assert_eq!(
            err,
            VectorError::DimensionMismatch {
                expected: 384,
                found: 383
            }
        );
        assert_eq!(
            err.to_string(),
            "vector has 383 components, the index holds vectors of 384"
        );
        assert!(index.is_empty());
        let mut v = vec![0.0; 384];
        v[5] = f32::NAN;
        assert_eq!(
            index.upsert(1, &v),
            Err(VectorError::NonFinite { index: 5 })
        );
        assert!(index.is_empty());
        // A bad query finds nothing rather than panicking.
        index.upsert(1, &[0.0; 384]).unwrap();
        assert!(index.search(&[0.0; 10], 5, None).is_empty());
        assert!(index.search_approx(&v, 5, None).is_empty());
    }

    #[test]
    fn allowed_filter_is_respected_and_still_fills_k() {
        let (index, queries) = clustered(30_000, 64, 4);
        // A selective filter: about 1 id in 50.
        let allowed = |id: i64| id.rem_euclid(50) == 3;
        let n_allowed = index.ids().iter().filter(|&&id| allowed(id)).count();
        assert!(n_allowed > 100);
        for q in &queries[..10] {
            let exact = index.search_exact(q, 10, Some(&allowed));
            assert_eq!(ids(&exact), naive_top(&index, q, 10, allowed));
            for hits in [
                index.search_approx(q, 10, Some(&allowed)),
                index.search(q, 10, Some(&allowed)),
            ] {
                assert_eq!(hits.len(), 10);
                assert!(hits.iter().all(|(id, _)| allowed(*id)));
            }
        }
        // Fewer allowed than k: all of them, in both searches.
        let few = |id: i64| index.ids()[..3].contains(&id);
        for hits in [
            index.search_exact(&queries[0], 10, Some(&few)),
            index.search_approx(&queries[0], 10, Some(&few)),
        ] {
            let mut got = ids(&hits);
            got.sort_unstable();
            let mut want = index.ids()[..3].to_vec();
            want.sort_unstable();
            assert_eq!(got, want);
        }
    }

    #[test]
    fn approx_recall_at_10_on_clustered_vectors() {
        let (index, queries) = clustered(20_000, 384, 5);
        let queries = &queries[..50];
        let recall = recall_at_k(&index, queries, 10);
        assert!(recall >= 0.98, "recall@10 = {recall}");
        // Scores from the approximate search are exact dot products.
        for q in &queries[..5] {
            for (id, score) in index.search_approx(q, 10, None) {
                let v = index.get(id).unwrap();
                assert_eq!(score, kernels::dot(Isa::detect(), v, q));
            }
        }
    }

    /// The three steps of `search_approx_with`, written plainly: sort
    /// everything by (Hamming distance, slot), estimate, sort, rerank.
    fn naive_approx(
        index: &VectorIndex,
        q: &[f32],
        k: usize,
        allowed: impl Fn(i64) -> bool,
        p: ApproxParams,
    ) -> Vec<i64> {
        let w = index.words;
        let mut qcode = vec![0; w];
        kernels::encode(q, &index.center, &mut qcode);
        let mut by_hamming: Vec<(u32, usize)> = (0..index.len())
            .filter(|&s| allowed(index.ids[s]))
            .map(|s| {
                let c = &index.codes[s * w..(s + 1) * w];
                (
                    c.iter()
                        .zip(&qcode)
                        .map(|(a, b)| (a ^ b).count_ones())
                        .sum(),
                    s,
                )
            })
            .collect();
        by_hamming.sort_unstable();
        by_hamming.truncate(p.shortlist);
        let table = kernels::AsymmetricTable::new(q, w);
        let mut by_estimate: Vec<(f32, usize)> = by_hamming
            .into_iter()
            .map(|(_, s)| {
                (
                    table.score(&index.codes[s * w..(s + 1) * w]) * index.factors[s],
                    s,
                )
            })
            .collect();
        by_estimate.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        by_estimate.truncate(p.rerank);
        let shortlisted: std::collections::HashSet<i64> =
            by_estimate.iter().map(|&(_, s)| index.ids[s]).collect();
        naive_top(index, q, k, |id| shortlisted.contains(&id))
    }

    #[test]
    fn approx_search_is_exactly_its_three_steps() {
        // Small codes (dim 40) make many Hamming ties, so the tie-breaking
        // by slot is exercised too.
        let (index, queries) = clustered(5000, 40, 8);
        let allowed = |id: i64| id % 3 != 0;
        for q in &queries[..20] {
            for p in [
                ApproxParams {
                    shortlist: 50,
                    rerank: 10,
                },
                ApproxParams {
                    shortlist: 400,
                    rerank: 100,
                },
                ApproxParams {
                    shortlist: 3000,
                    rerank: 20,
                },
            ] {
                let got = ids(&index.search_approx_with(q, 10, None, p));
                assert_eq!(got, naive_approx(&index, q, 10, |_| true, p), "{p:?}");
                let got = ids(&index.search_approx_with(q, 10, Some(&allowed), p));
                assert_eq!(
                    got,
                    naive_approx(&index, q, 10, allowed, p),
                    "{p:?} filtered"
                );
            }
        }
    }

    #[test]
    fn ties_go_to_the_lower_id() {
        let mut index = VectorIndex::new(2);
        for id in [5, 3, 9, 1] {
            index.upsert(id, &[1.0, 0.0]).unwrap();
        }
        assert_eq!(ids(&index.search_exact(&[1.0, 0.0], 3, None)), [1, 3, 5]);
    }

    #[test]
    fn index_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<VectorIndex>();
    }
}
