//! [`MiniLmEmbedder`]: all-MiniLM-L6-v2 (BERT) on the CPU.

use std::path::Path;

use sha2::{Digest, Sha256};
use tokenizers::{Encoding, Tokenizer, TruncationParams};

use crate::bert::{Bert, BertConfig};
use crate::model_dir::{parse_json, read_file, ModelFiles};
use crate::pooling::{l2_normalize, mean_pool};
use crate::{EmbedError, Embedder};

/// The model's name in [`Embedder::model_id`], before `@revision`.
pub const MINILM_MODEL_NAME: &str = "sentence-transformers/all-MiniLM-L6-v2";

/// How many texts go through the model at once by default.
pub const DEFAULT_BATCH_SIZE: usize = 32;

/// How [`MiniLmEmbedder`] computes its linear layers (about 85% of the work).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Precision {
    /// f32 throughout: the same arithmetic as sentence-transformers up to
    /// summation order (cosine with it ≥ 0.99999).
    F32,
    /// Weights (per output channel) and activations (per token) quantized to
    /// 16-bit integers, multiplied with AVX-512 VNNI: about 1.5–2x the speed,
    /// cosine with f32 vectors ≥ 0.9998. Attention, softmax, GELU and norms
    /// stay f32. The default where the CPU has AVX-512 VNNI; elsewhere asking
    /// for it gives [`Precision::F32`].
    Int16,
}

/// sentence-transformers/all-MiniLM-L6-v2 on the CPU, giving what
/// `SentenceTransformer("all-MiniLM-L6-v2").encode(texts, normalize_embeddings=True)`
/// gives: WordPiece tokens truncated at 256 (`max_seq_length`), the BERT
/// encoder, the mean of the token vectors under the attention mask,
/// L2-normalized; 384 components.
///
/// The encoder is this crate's own f32 implementation (`bert.rs`, `kernels.rs`),
/// with AVX-512 / AVX2 kernels picked at run time. It parallelizes with rayon:
/// run `embed` inside a `rayon::ThreadPool::install` to bound its threads
/// (by default one per core, or `RAYON_NUM_THREADS`).
pub struct MiniLmEmbedder {
    bert: Bert,
    tokenizer: Tokenizer,
    model_id: String,
    max_seq_len: usize,
    do_lower_case: bool,
    batch_size: usize,
    precision: Precision,
}

impl std::fmt::Debug for MiniLmEmbedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MiniLmEmbedder")
            .field("model_id", &self.model_id)
            .field("dim", &self.bert.hidden_size())
            .field("max_seq_len", &self.max_seq_len)
            .field("batch_size", &self.batch_size)
            .field("precision", &self.precision)
            .finish_non_exhaustive()
    }
}

impl MiniLmEmbedder {
    /// Loads the model from `model_dir` (see [`default_model_dir`](crate::default_model_dir)),
    /// a folder in sentence-transformers layout: `model.safetensors`,
    /// `config.json` and `tokenizer.json` at its top or in the subfolder its
    /// `modules.json` names, the pooling (mean only) in `1_Pooling/config.json`,
    /// `max_seq_length` in `sentence_bert_config.json` (default 256); or a hub
    /// cache folder holding one. Reads the weights file once, to load it and to
    /// hash it for [`Embedder::model_id`].
    ///
    /// Uses [`Precision::Int16`] where the CPU has AVX-512 VNNI, unless the
    /// environment variable `PAPERDEX_EMBED_PRECISION` is `f32`.
    #[tracing::instrument(skip_all, fields(dir = %model_dir.display()))]
    pub fn load(model_dir: &Path) -> Result<Self, EmbedError> {
        let files = ModelFiles::resolve(model_dir)?;
        let config: BertConfig = parse_json(&files.config, &read_file(&files.config)?)?;
        config.check().map_err(|message| EmbedError::Unsupported {
            dir: files.transformer_dir.clone(),
            message: format!("config.json: {message}"),
        })?;
        let max_seq_len = files.max_seq_len.min(config.max_position_embeddings);

        let mut tokenizer =
            Tokenizer::from_file(&files.tokenizer).map_err(EmbedError::Tokenizer)?;
        tokenizer
            .with_truncation(Some(TruncationParams {
                max_length: max_seq_len,
                ..Default::default()
            }))
            .map_err(EmbedError::Tokenizer)?;
        // Batches are formed here, after sorting by length, and never padded.
        tokenizer.with_padding(None);

        let bytes = read_file(&files.weights)?;
        let sha = Sha256::digest(&bytes);
        let revision: String = sha.iter().take(6).map(|b| format!("{b:02x}")).collect();
        let mut bert = Bert::load(config, &bytes, &files.weights)?;
        let want_int16 = std::env::var("PAPERDEX_EMBED_PRECISION").as_deref() != Ok("f32");
        let precision = if bert.set_int16(want_int16) {
            Precision::Int16
        } else {
            Precision::F32
        };
        tracing::debug!(
            transformer_dir = %files.transformer_dir.display(),
            revision,
            max_seq_len,
            ?precision,
            "loaded embedding model"
        );
        Ok(MiniLmEmbedder {
            bert,
            tokenizer,
            model_id: format!("{MINILM_MODEL_NAME}@{revision}"),
            max_seq_len,
            do_lower_case: files.do_lower_case,
            batch_size: DEFAULT_BATCH_SIZE,
            precision,
        })
    }

    /// Sets the precision of the linear layers; [`Precision::Int16`] falls
    /// back to [`Precision::F32`] on a CPU without AVX-512 VNNI.
    pub fn with_precision(mut self, precision: Precision) -> Self {
        let int16 = self.bert.set_int16(precision == Precision::Int16);
        self.precision = if int16 {
            Precision::Int16
        } else {
            Precision::F32
        };
        self
    }

    /// The precision in force.
    pub fn precision(&self) -> Precision {
        self.precision
    }

    /// Sets how many texts go through the model at once (default
    /// [`DEFAULT_BATCH_SIZE`]). Only speed and memory depend on it.
    pub fn with_batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }

    /// The number of tokens a text is truncated to, `[CLS]` and `[SEP]` included.
    pub fn max_seq_len(&self) -> usize {
        self.max_seq_len
    }

    fn tokenize(&self, texts: &[&str]) -> Result<Vec<Encoding>, EmbedError> {
        let inputs: Vec<String> = texts
            .iter()
            .map(|t| {
                if self.do_lower_case {
                    t.to_lowercase()
                } else {
                    (*t).to_string()
                }
            })
            .collect();
        let encodings = self
            .tokenizer
            .encode_batch(inputs, true)
            .map_err(EmbedError::Tokenizer)?;
        let vocab = self.bert.vocab_size();
        for e in &encodings {
            if e.len() > self.bert.max_positions()
                || e.get_ids().iter().any(|&id| id as usize >= vocab)
            {
                return Err(EmbedError::Tokenizer(
                    "tokenizer gave a token id or length the model does not have".into(),
                ));
            }
        }
        Ok(encodings)
    }

    /// Runs one batch of token sequences through the model.
    fn embed_batch(&self, batch: &[&[u32]]) -> Vec<Vec<f32>> {
        let hidden = self.bert.forward(batch);
        let mut rows = Vec::with_capacity(batch.len());
        let mut at = 0;
        for seq in batch {
            rows.push(at..at + seq.len());
            at += seq.len();
        }
        let mut vectors = mean_pool(&hidden, self.bert.hidden_size(), &rows);
        vectors.iter_mut().for_each(|v| l2_normalize(v));
        vectors
    }
}

impl Embedder for MiniLmEmbedder {
    fn model_id(&self) -> &str {
        &self.model_id
    }

    fn dim(&self) -> usize {
        self.bert.hidden_size()
    }

    #[tracing::instrument(skip_all, fields(texts = texts.len()))]
    fn embed(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, EmbedError> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let encodings = self.tokenize(texts)?;
        // Longest first, so texts of a batch have similar lengths and the
        // largest batch comes first.
        let mut order: Vec<usize> = (0..texts.len()).collect();
        order.sort_by_key(|&i| std::cmp::Reverse(encodings[i].len()));
        let mut out: Vec<Vec<f32>> = vec![Vec::new(); texts.len()];
        for chunk in order.chunks(self.batch_size) {
            let batch: Vec<&[u32]> = chunk.iter().map(|&i| encodings[i].get_ids()).collect();
            for (&i, v) in chunk.iter().zip(self.embed_batch(&batch)) {
                out[i] = v;
            }
        }
        Ok(out)
    }
}
