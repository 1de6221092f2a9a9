//! [`HashEmbedder`]: a deterministic stand-in for a real model, for tests.

use crate::{EmbedError, Embedder};

/// A feature-hashed bag of words, L2-normalized: a fake [`Embedder`] for the
/// unit tests of other crates. It is fast, needs no model files, and gives the
/// same vector for the same text on every platform and run.
///
/// Texts sharing words get a positive cosine, so ranking code can be tested
/// with it, but it knows nothing of meaning: never use it outside tests.
///
/// Each word (a maximal run of alphanumeric characters, lowercased) adds ±1 to
/// one of `dim` buckets, both chosen by the word's 64-bit FNV-1a hash. A text
/// with no word counts as the one word `""`, so every vector has norm 1.
#[derive(Debug, Clone)]
pub struct HashEmbedder {
    dim: usize,
    model_id: String,
}

impl HashEmbedder {
    /// A hash embedder giving vectors of `dim` components.
    ///
    /// # Panics
    /// If `dim` is 0.
    pub fn new(dim: usize) -> Self {
        assert!(dim > 0, "HashEmbedder needs dim > 0");
        HashEmbedder {
            dim,
            model_id: format!("paperdex/hash-bow-v1@dim{dim}"),
        }
    }

    fn embed_one(&self, text: &str) -> Vec<f32> {
        let mut v = vec![0f32; self.dim];
        let mut add = |word: &str| {
            let h = fnv1a(word.as_bytes());
            let bucket = (h % self.dim as u64) as usize;
            let sign = if h >> 63 == 0 { 1.0 } else { -1.0 };
            v[bucket] += sign;
        };
        let mut words = 0usize;
        let mut word = String::new();
        for c in text.chars() {
            if c.is_alphanumeric() {
                word.extend(c.to_lowercase());
            } else if !word.is_empty() {
                add(&word);
                words += 1;
                word.clear();
            }
        }
        if !word.is_empty() || words == 0 {
            add(&word);
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|x| *x /= norm);
        } else {
            // Every word cancelled out (e.g. "a b" with opposite signs in one
            // bucket): fall back to the empty text's vector.
            return self.embed_one("");
        }
        v
    }
}

impl Embedder for HashEmbedder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        Ok(texts.iter().map(|t| self.embed_one(t)).collect())
    }
}

/// 64-bit FNV-1a: stable across Rust versions and platforms, unlike `std`'s hashers.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(v: &[f32]) -> f32 {
        v.iter().map(|x| x * x).sum::<f32>().sqrt()
    }

    fn dot(a: &[f32], b: &[f32]) -> f32 {
        a.iter().zip(b).map(|(x, y)| x * y).sum()
    }

    #[test]
    fn deterministic_and_normalized() {
        let e = HashEmbedder::new(64);
        let texts = [
            "Attention is all you need",
            "",
            "   ",
            "Ünïcödé — 深度学习",
            "a",
        ];
        let a = e.embed(&texts).unwrap();
        let b = HashEmbedder::new(64).embed(&texts).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.len(), texts.len());
        for v in &a {
            assert_eq!(v.len(), 64);
            assert!((norm(v) - 1.0).abs() < 1e-6, "norm {}", norm(v));
        }
        // Blank texts have no word: both get the empty text's vector.
        assert_eq!(a[1], a[2]);
    }

    #[test]
    fn pinned_values() {
        // Stable across runs, platforms and Rust versions: other crates' tests
        // may rely on these vectors.
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        let v = HashEmbedder::new(8).embed(&["a"]).unwrap().remove(0);
        let mut expected = vec![0f32; 8];
        expected[(0xaf63_dc4c_8601_ec8c_u64 % 8) as usize] = -1.0;
        assert_eq!(v, expected);
    }

    #[test]
    fn case_and_punctuation_insensitive() {
        let e = HashEmbedder::new(32);
        let v = e.embed(&["Deep Learning!", "deep, learning"]).unwrap();
        assert_eq!(v[0], v[1]);
    }

    #[test]
    fn shared_words_score_higher() {
        let e = HashEmbedder::new(256);
        let v = e
            .embed(&[
                "graph neural networks for molecules",
                "neural networks on molecular graphs",
                "bayesian optimization of hyperparameters",
            ])
            .unwrap();
        assert!(dot(&v[0], &v[1]) > dot(&v[0], &v[2]));
        assert_eq!(e.dim(), 256);
        assert!(e.model_id().starts_with("paperdex/hash-bow-v1"));
    }

    #[test]
    #[should_panic(expected = "dim > 0")]
    fn zero_dim_panics() {
        HashEmbedder::new(0);
    }
}
