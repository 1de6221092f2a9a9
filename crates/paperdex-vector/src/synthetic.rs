//! Seeded synthetic embeddings shaped like sentence embeddings of papers, for
//! tests and benchmarks that must not load a model.
//!
//! Random Gaussian vectors are a poor stand-in for sentence embeddings: in
//! 384 dimensions they are all nearly orthogonal to each other, so a query's
//! "nearest neighbours" are barely nearer than anything else, which makes
//! every approximate index look bad (or, with planted duplicates, trivially
//! good). Embeddings of a corpus of papers instead
//!
//! - share a common direction (every abstract is "a machine-learning paper"):
//!   the corpus mean has a norm well above zero;
//! - cluster by topic and, within a topic, by sub-topic, so a query has a
//!   handful of clearly close neighbours and a long tail of loosely related ones;
//! - are anisotropic: some components vary much more than others.
//!
//! [`ClusteredVectors`] draws unit vectors with those three properties; its
//! default parameters were calibrated against all-MiniLM-L6-v2 embeddings of
//! 11k conference papers (mean norm, nearest-neighbour and random-pair cosine
//! distributions; see the crate docs). It is a model of the data, not the
//! data: recall measured on it must be re-measured on real embeddings with
//! [`recall_at_k`](crate::recall_at_k).

/// A tiny seeded random number generator (SplitMix64): deterministic across
/// platforms and releases, which `rand`'s generators do not promise.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator whose sequence is determined by `seed`.
    pub fn new(seed: u64) -> Self {
        SplitMix64(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A uniform number in `[0, 1)`.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform index in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() as u128 * n as u128) >> 64) as usize
    }

    /// A standard normal number (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.next_f64(); // (0, 1]
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Scales `v` to unit length (leaves an all-zero vector alone).
pub fn normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

/// The knobs of [`ClusteredVectors`]. Each vector is
/// `normalize(mean * w_mean + topic * w_topic + subtopic * w_sub + noise * w_noise)`
/// where `mean`, every topic and every sub-topic center are random unit
/// vectors and `noise` is Gaussian with a per-component scale (log-normal,
/// fixed per data set) normalized to unit expected length.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusteredParams {
    /// The number of components.
    pub dim: usize,
    /// The number of topics.
    pub topics: usize,
    /// The number of sub-topics within each topic.
    pub subtopics: usize,
    /// The weight of the direction common to all vectors.
    pub w_mean: f32,
    /// The weight of the topic center.
    pub w_topic: f32,
    /// The weight of the sub-topic center.
    pub w_sub: f32,
    /// The weight of the per-vector noise.
    pub w_noise: f32,
    /// The standard deviation of the log of the per-component noise scale
    /// (0 = isotropic noise).
    pub anisotropy: f32,
    /// Topic popularity follows Zipf's law with this exponent (0 = all
    /// topics equally common).
    pub zipf: f32,
    /// The standard deviation of the log of each sub-topic's noise
    /// multiplier: some sub-topics are tight, others diffuse.
    pub spread: f32,
}

impl ClusteredParams {
    /// The calibrated defaults for `dim` components (see the module docs).
    pub fn new(dim: usize) -> Self {
        ClusteredParams {
            dim,
            topics: 200,
            subtopics: 50,
            w_mean: 0.45,
            w_topic: 0.5,
            w_sub: 0.5,
            w_noise: 0.55,
            anisotropy: 0.2,
            zipf: 1.0,
            spread: 0.3,
        }
    }
}

/// An endless, seeded source of clustered unit vectors; see the module docs.
///
/// ```
/// use paperdex_vector::synthetic::ClusteredVectors;
///
/// let mut data = ClusteredVectors::new(384, 7);
/// let corpus: Vec<Vec<f32>> = (0..1000).map(|_| data.sample()).collect();
/// let query = data.sample(); // from the same distribution, not a copy
/// assert_eq!(corpus[0].len(), 384);
/// # let _ = query;
/// ```
#[derive(Debug, Clone)]
pub struct ClusteredVectors {
    params: ClusteredParams,
    rng: SplitMix64,
    mean: Vec<f32>,
    topics: Vec<Vec<f32>>,
    subtopics: Vec<Vec<f32>>,
    /// Per sub-topic noise multiplier.
    subtopic_noise: Vec<f32>,
    /// Cumulative topic probabilities.
    topic_cdf: Vec<f64>,
    noise_scale: Vec<f32>,
}

impl ClusteredVectors {
    /// The default calibrated distribution in `dim` components, seeded.
    pub fn new(dim: usize, seed: u64) -> Self {
        Self::with_params(ClusteredParams::new(dim), seed)
    }

    /// A distribution with explicit parameters, seeded.
    pub fn with_params(params: ClusteredParams, seed: u64) -> Self {
        let mut rng = SplitMix64::new(seed);
        let dim = params.dim;
        let unit = |rng: &mut SplitMix64| {
            let mut v: Vec<f32> = (0..dim).map(|_| rng.normal() as f32).collect();
            normalize(&mut v);
            v
        };
        let mean = unit(&mut rng);
        let topics: Vec<Vec<f32>> = (0..params.topics.max(1)).map(|_| unit(&mut rng)).collect();
        let subtopics: Vec<Vec<f32>> = (0..topics.len() * params.subtopics.max(1))
            .map(|_| unit(&mut rng))
            .collect();
        let subtopic_noise = subtopics
            .iter()
            .map(|_| (rng.normal() * f64::from(params.spread)).exp() as f32)
            .collect();
        let mut total = 0.0;
        let topic_cdf = (1..=topics.len())
            .map(|rank| {
                total += (rank as f64).powf(-f64::from(params.zipf));
                total
            })
            .collect::<Vec<f64>>()
            .into_iter()
            .map(|c| c / total)
            .collect();
        let mut noise_scale: Vec<f32> = (0..dim)
            .map(|_| (rng.normal() * f64::from(params.anisotropy)).exp() as f32)
            .collect();
        // Unit expected squared length: sum of scale^2 = 1.
        let ss = noise_scale.iter().map(|s| s * s).sum::<f32>().sqrt();
        if ss > 0.0 {
            noise_scale.iter_mut().for_each(|s| *s /= ss);
        }
        ClusteredVectors {
            params,
            rng,
            mean,
            topics,
            subtopics,
            subtopic_noise,
            topic_cdf,
            noise_scale,
        }
    }

    /// The next unit vector.
    pub fn sample(&mut self) -> Vec<f32> {
        let p = &self.params;
        let u = self.rng.next_f64();
        let t = self
            .topic_cdf
            .partition_point(|&c| c < u)
            .min(self.topics.len() - 1);
        let s = t * p.subtopics.max(1) + self.rng.below(p.subtopics.max(1));
        let (topic, sub) = (&self.topics[t], &self.subtopics[s]);
        let w_noise = p.w_noise * self.subtopic_noise[s];
        let mut v: Vec<f32> = (0..p.dim)
            .map(|j| {
                let noise = self.rng.normal() as f32 * self.noise_scale[j];
                self.mean[j] * p.w_mean + topic[j] * p.w_topic + sub[j] * p.w_sub + noise * w_noise
            })
            .collect();
        normalize(&mut v);
        v
    }

    /// The next `n` unit vectors.
    pub fn take(&mut self, n: usize) -> Vec<Vec<f32>> {
        (0..n).map(|_| self.sample()).collect()
    }
}
