//! Text embeddings for paperdex: turn titles, abstracts and queries into unit
//! vectors whose dot product says how close two texts are in meaning.
//!
//! - [`Embedder`]: the trait the rest of paperdex uses; every vector it gives
//!   is L2-normalized, and [`Embedder::model_id`] names the model and its
//!   revision so that stored vectors say what made them.
//! - [`MiniLmEmbedder`]: sentence-transformers/all-MiniLM-L6-v2 on the CPU
//!   (this crate's own BERT encoder with run-time-selected AVX-512/AVX2
//!   kernels, linear layers in int16 VNNI where available, see [`Precision`]), giving the same vectors as sentence-transformers (cosine ≥ 0.999,
//!   checked by `tests/parity.rs`). Its files come from
//!   `scripts/setup-model.sh`; [`default_model_dir`] says where they are looked for.
//! - [`HashEmbedder`]: a deterministic feature-hashing fake for other crates'
//!   unit tests. Never a default.
//!
//! ```no_run
//! use paperdex_embed::{default_model_dir, Embedder, MiniLmEmbedder};
//!
//! let model = MiniLmEmbedder::load(&default_model_dir())?;
//! let v = model.embed(&["graph neural networks", "message passing on graphs"])?;
//! let cosine: f32 = v[0].iter().zip(&v[1]).map(|(a, b)| a * b).sum();
//! assert!(cosine > 0.5);
//! # Ok::<(), paperdex_embed::EmbedError>(())
//! ```
//!
//! Embedding is CPU-bound and blocking: call it off any async runtime. It runs
//! on rayon's thread pool (one thread per core unless `RAYON_NUM_THREADS` is
//! set, or inside the caller's `ThreadPool::install`).
//!
//! Environment variables:
//! - `PAPERDEX_MODEL`: the model directory ([`default_model_dir`]).
//! - `PAPERDEX_EMBED_PRECISION=f32`: no int16 linear layers ([`Precision`]).
//! - `PAPERDEX_EMBED_ISA=avx2|generic`: use lower f32 kernels than the CPU
//!   allows (for comparison or to work around a CPU problem).
#![deny(missing_docs)]

mod bert;
mod error;
mod hash;
mod int16;
mod kernels;
mod minilm;
mod model_dir;
mod pooling;

pub use error::EmbedError;
pub use hash::HashEmbedder;
pub use minilm::{MiniLmEmbedder, Precision, DEFAULT_BATCH_SIZE, MINILM_MODEL_NAME};
pub use model_dir::{default_model_dir, MODEL_ENV, MODEL_SUBDIR};

/// Turns texts into unit vectors of [`dim`](Embedder::dim) components.
pub trait Embedder: Send + Sync {
    /// The model and its revision, e.g.
    /// `sentence-transformers/all-MiniLM-L6-v2@53aa51172d14` (the revision is
    /// the start of the weights file's SHA-256). Vectors from different ids
    /// must not be compared.
    fn model_id(&self) -> &str;

    /// The number of components of every vector.
    fn dim(&self) -> usize;

    /// One L2-normalized vector per text, in the order of `texts`.
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError>;
}
