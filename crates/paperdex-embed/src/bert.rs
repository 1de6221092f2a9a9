//! A BERT encoder (inference only, f32, CPU) over variable-length sequences.
//!
//! The tokens of all sequences of a batch are stacked into one matrix with no
//! padding: every step but attention works token by token, and attention runs
//! per sequence over that sequence's tokens only. That is what a padded batch
//! with an attention mask computes (masked scores get weight exactly 0 there),
//! without the padding's work.
//!
//! Follows Hugging Face `BertModel` (absolute positions, token type 0, exact
//! GELU, post-layer-norm), the architecture of all-MiniLM-L6-v2.

use std::path::Path;

use rayon::prelude::*;
use safetensors::{Dtype, SafeTensors};
use serde::Deserialize;

use crate::int16::{self, PackedI16};
use crate::kernels::{self, gemm, Isa, Packed};
use crate::EmbedError;

/// Rows (tokens) per parallel task in the token-wise steps.
const ROW_BLOCK: usize = 128;

/// The fields of Hugging Face's BERT `config.json` that inference needs.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct BertConfig {
    pub vocab_size: usize,
    pub hidden_size: usize,
    pub num_hidden_layers: usize,
    pub num_attention_heads: usize,
    pub intermediate_size: usize,
    #[serde(default = "default_act")]
    pub hidden_act: String,
    pub max_position_embeddings: usize,
    #[serde(default = "default_type_vocab")]
    pub type_vocab_size: usize,
    #[serde(default = "default_eps")]
    pub layer_norm_eps: f64,
    #[serde(default)]
    pub position_embedding_type: Option<String>,
    #[serde(default)]
    pub model_type: Option<String>,
}

fn default_act() -> String {
    "gelu".into()
}
fn default_type_vocab() -> usize {
    2
}
fn default_eps() -> f64 {
    1e-12
}

impl BertConfig {
    /// Checks that this is a BERT this encoder runs; the error says what is not.
    pub fn check(&self) -> Result<(), String> {
        if let Some(t) = &self.model_type {
            if t != "bert" {
                return Err(format!("model_type {t:?} is not \"bert\""));
            }
        }
        if self.hidden_act != "gelu" {
            return Err(format!("hidden_act {:?} is not \"gelu\"", self.hidden_act));
        }
        if let Some(p) = &self.position_embedding_type {
            if p != "absolute" {
                return Err(format!("position_embedding_type {p:?} is not \"absolute\""));
            }
        }
        if self.num_attention_heads == 0
            || !self.hidden_size.is_multiple_of(self.num_attention_heads)
        {
            return Err("hidden_size is not a multiple of num_attention_heads".into());
        }
        if self.type_vocab_size == 0 || self.vocab_size == 0 || self.num_hidden_layers == 0 {
            return Err("vocab_size, type_vocab_size and num_hidden_layers must be > 0".into());
        }
        Ok(())
    }
}

struct Linear {
    w: Packed,
    /// The same weights in 16-bit integers, when the CPU has AVX-512 VNNI.
    q: Option<PackedI16>,
    b: Vec<f32>,
}

impl Linear {
    /// `out = x Wᵀ + b` for `rows` rows (`x` rows of `lda`, `out` rows of `ldc`).
    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        isa: Isa,
        int16: bool,
        rows: usize,
        x: &[f32],
        lda: usize,
        out: &mut [f32],
        ldc: usize,
    ) {
        match &self.q {
            Some(q) if int16 => int16::linear(rows, x, lda, q, &self.b, out, ldc),
            _ => gemm(isa, rows, x, lda, &self.w, Some(&self.b), out, ldc),
        }
    }
}

struct Norm {
    gamma: Vec<f32>,
    beta: Vec<f32>,
}

struct Layer {
    /// Query, key and value projections as one `hidden → 3·hidden` layer.
    qkv: Linear,
    attn_out: Linear,
    attn_norm: Norm,
    ffn_in: Linear,
    ffn_out: Linear,
    ffn_norm: Norm,
}

/// The encoder's weights, ready to run.
pub(crate) struct Bert {
    cfg: BertConfig,
    eps: f32,
    word: Vec<f32>,
    position: Vec<f32>,
    token_type0: Vec<f32>,
    emb_norm: Norm,
    layers: Vec<Layer>,
    isa: Isa,
    /// Run the linear layers in int16 (see [`crate::int16`]).
    int16: bool,
}

/// Reads named tensors of a safetensors file as f32.
struct Tensors<'a> {
    st: SafeTensors<'a>,
    prefix: &'static str,
    path: &'a Path,
}

impl Tensors<'_> {
    fn get(&self, name: &str, shape: &[usize]) -> Result<Vec<f32>, EmbedError> {
        let full = format!("{}{name}", self.prefix);
        // Old BERT checkpoints name layer norm parameters gamma and beta.
        let alt = full
            .strip_suffix("LayerNorm.weight")
            .map(|p| format!("{p}LayerNorm.gamma"))
            .or_else(|| {
                full.strip_suffix("LayerNorm.bias")
                    .map(|p| format!("{p}LayerNorm.beta"))
            });
        let view = match (self.st.tensor(&full), alt) {
            (Ok(v), _) => v,
            (Err(_), Some(alt)) if self.st.tensor(&alt).is_ok() => self.st.tensor(&alt).unwrap(),
            (Err(_), _) => return Err(self.invalid(format!("no tensor {full}"))),
        };
        if view.shape() != shape {
            return Err(self.invalid(format!(
                "tensor {full} has shape {:?}, config.json implies {shape:?}",
                view.shape()
            )));
        }
        let data = view.data();
        let values: Vec<f32> = match view.dtype() {
            Dtype::F32 => data
                .chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect(),
            Dtype::BF16 => data
                .chunks_exact(2)
                .map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))
                .collect(),
            Dtype::F16 => data
                .chunks_exact(2)
                .map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))
                .collect(),
            other => {
                return Err(self.invalid(format!("tensor {full} has dtype {other:?}")));
            }
        };
        Ok(values)
    }

    fn invalid(&self, message: String) -> EmbedError {
        EmbedError::InvalidConfig {
            path: self.path.to_path_buf(),
            message,
        }
    }
}

fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let frac = u32::from(h & 0x3ff);
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, _) => {
            // Subnormal: renormalize.
            let shift = frac.leading_zeros() - 21;
            let frac = (frac << shift) & 0x3ff;
            sign | ((113 - shift) << 23) | (frac << 13)
        }
        (31, _) => sign | 0x7f80_0000 | (frac << 13),
        _ => sign | ((exp + 112) << 23) | (frac << 13),
    };
    f32::from_bits(bits)
}

impl Bert {
    /// Builds the encoder from the bytes of a `model.safetensors` (`path` is
    /// only for error messages).
    pub fn load(cfg: BertConfig, bytes: &[u8], path: &Path) -> Result<Bert, EmbedError> {
        let st = SafeTensors::deserialize(bytes).map_err(|e| EmbedError::InvalidConfig {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        let prefix = if st.tensor("embeddings.word_embeddings.weight").is_err()
            && st.tensor("bert.embeddings.word_embeddings.weight").is_ok()
        {
            "bert."
        } else {
            ""
        };
        let t = Tensors { st, prefix, path };
        let h = cfg.hidden_size;
        let i = cfg.intermediate_size;

        let norm = |name: &str| -> Result<Norm, EmbedError> {
            Ok(Norm {
                gamma: t.get(&format!("{name}.weight"), &[h])?,
                beta: t.get(&format!("{name}.bias"), &[h])?,
            })
        };
        let linear =
            |name: &str, out: usize, inp: usize| -> Result<(Vec<f32>, Vec<f32>), EmbedError> {
                Ok((
                    t.get(&format!("{name}.weight"), &[out, inp])?,
                    t.get(&format!("{name}.bias"), &[out])?,
                ))
            };
        let quantize = int16::supported();
        let pack = |(w, b): (Vec<f32>, Vec<f32>), out: usize, inp: usize| Linear {
            w: Packed::transposed(&w, out, inp, inp, 3),
            q: quantize.then(|| PackedI16::new(&w, out, inp)),
            b,
        };

        let word = t.get("embeddings.word_embeddings.weight", &[cfg.vocab_size, h])?;
        let position = t.get(
            "embeddings.position_embeddings.weight",
            &[cfg.max_position_embeddings, h],
        )?;
        let token_type = t.get(
            "embeddings.token_type_embeddings.weight",
            &[cfg.type_vocab_size, h],
        )?;
        let emb_norm = norm("embeddings.LayerNorm")?;

        let mut layers = Vec::with_capacity(cfg.num_hidden_layers);
        for l in 0..cfg.num_hidden_layers {
            let p = format!("encoder.layer.{l}");
            let (qw, qb) = linear(&format!("{p}.attention.self.query"), h, h)?;
            let (kw, kb) = linear(&format!("{p}.attention.self.key"), h, h)?;
            let (vw, vb) = linear(&format!("{p}.attention.self.value"), h, h)?;
            let qkv = pack(([qw, kw, vw].concat(), [qb, kb, vb].concat()), 3 * h, h);
            layers.push(Layer {
                qkv,
                attn_out: pack(linear(&format!("{p}.attention.output.dense"), h, h)?, h, h),
                attn_norm: norm(&format!("{p}.attention.output.LayerNorm"))?,
                ffn_in: pack(linear(&format!("{p}.intermediate.dense"), i, h)?, i, h),
                ffn_out: pack(linear(&format!("{p}.output.dense"), h, i)?, h, i),
                ffn_norm: norm(&format!("{p}.output.LayerNorm"))?,
            });
        }
        Ok(Bert {
            eps: cfg.layer_norm_eps as f32,
            cfg,
            word,
            position,
            token_type0: token_type[..h].to_vec(),
            emb_norm,
            layers,
            isa: Isa::detect(),
            int16: quantize,
        })
    }

    /// Whether the linear layers run in int16: only where the CPU has AVX-512
    /// VNNI, and only if `wanted`. Returns what is now in force.
    pub fn set_int16(&mut self, wanted: bool) -> bool {
        self.int16 = wanted && self.layers.iter().all(|l| l.qkv.q.is_some());
        self.int16
    }

    pub fn hidden_size(&self) -> usize {
        self.cfg.hidden_size
    }

    pub fn max_positions(&self) -> usize {
        self.cfg.max_position_embeddings
    }

    pub fn vocab_size(&self) -> usize {
        self.cfg.vocab_size
    }

    /// The last hidden states of the tokens of `seqs`, stacked: row `t` of
    /// sequence `s` is row `offset(s) + t` of the returned `(Σ len) × hidden`
    /// matrix. Token type is 0 throughout. Each sequence must be no longer than
    /// [`max_positions`](Self::max_positions) and hold ids below
    /// [`vocab_size`](Self::vocab_size) (the caller checks).
    pub fn forward(&self, seqs: &[&[u32]]) -> Vec<f32> {
        let h = self.cfg.hidden_size;
        let isa = self.isa;
        let total: usize = seqs.iter().map(|s| s.len()).sum();

        // Embeddings: word + position + token type 0, then layer norm.
        let mut x = vec![0f32; total * h];
        {
            let mut rows = x.chunks_exact_mut(h);
            for seq in seqs {
                for (pos, (&id, row)) in seq.iter().zip(&mut rows).enumerate() {
                    let w = &self.word[id as usize * h..][..h];
                    let p = &self.position[pos * h..][..h];
                    for (((o, a), b), c) in row.iter_mut().zip(w).zip(p).zip(&self.token_type0) {
                        *o = a + b + c;
                    }
                }
            }
        }
        x.par_chunks_mut(ROW_BLOCK * h).for_each(|block| {
            let n = &self.emb_norm;
            kernels::layer_norm(isa, block, h, &n.gamma, &n.beta, self.eps);
        });

        let mut qkv = vec![0f32; total * 3 * h];
        let mut ctx = vec![0f32; total * h];
        for layer in &self.layers {
            // Q, K, V for every token.
            qkv.par_chunks_mut(ROW_BLOCK * 3 * h)
                .zip(x.par_chunks(ROW_BLOCK * h))
                .for_each(|(out, inp)| {
                    let rows = inp.len() / h;
                    layer.qkv.run(isa, self.int16, rows, inp, h, out, 3 * h);
                });
            // Attention, one sequence at a time.
            let mut ctx_parts = Vec::with_capacity(seqs.len());
            let mut qkv_parts = Vec::with_capacity(seqs.len());
            let (mut c_rest, mut q_rest) = (&mut ctx[..], &qkv[..]);
            for seq in seqs {
                let (c, cr) = c_rest.split_at_mut(seq.len() * h);
                let (q, qr) = q_rest.split_at(seq.len() * 3 * h);
                ctx_parts.push(c);
                qkv_parts.push(q);
                (c_rest, q_rest) = (cr, qr);
            }
            ctx_parts
                .into_par_iter()
                .zip(qkv_parts)
                .for_each(|(c, q)| self.attention(q, c));
            // Output projection, feed-forward and norms, token by token.
            x.par_chunks_mut(ROW_BLOCK * h)
                .zip(ctx.par_chunks(ROW_BLOCK * h))
                .for_each(|(xb, cb)| self.token_wise(layer, xb, cb));
        }
        x
    }

    /// Multi-head self-attention over one sequence: `qkv` has `len` rows of
    /// `3 · hidden` (queries, keys, values), `ctx` gets `len` rows of `hidden`.
    fn attention(&self, qkv: &[f32], ctx: &mut [f32]) {
        let h = self.cfg.hidden_size;
        let heads = self.cfg.num_attention_heads;
        let dh = h / heads;
        let len = ctx.len() / h;
        if len == 0 {
            return;
        }
        let scale = 1.0 / (dh as f32).sqrt();
        let mut scores = vec![0f32; len * len];
        let mut inv_sums = vec![0f32; len];
        for head in 0..heads {
            let q = &qkv[head * dh..];
            let keys = Packed::transposed(&qkv[h + head * dh..], len, dh, 3 * h, 3);
            gemm(self.isa, len, q, 3 * h, &keys, None, &mut scores, len);
            kernels::softmax_unnormalized(self.isa, &mut scores, len, scale, &mut inv_sums);
            let values = Packed::rows(&qkv[2 * h + head * dh..], len, dh, 3 * h, 2);
            gemm(
                self.isa,
                len,
                &scores,
                len,
                &values,
                None,
                &mut ctx[head * dh..],
                h,
            );
            for (row, inv) in ctx.chunks_exact_mut(h).zip(&inv_sums) {
                row[head * dh..(head + 1) * dh]
                    .iter_mut()
                    .for_each(|v| *v *= inv);
            }
        }
    }

    /// Everything after attention for a block of tokens: `x` (the layer's
    /// input) becomes the layer's output; `ctx` is the attention's output.
    fn token_wise(&self, layer: &Layer, x: &mut [f32], ctx: &[f32]) {
        let h = self.cfg.hidden_size;
        let inter = self.cfg.intermediate_size;
        let rows = x.len() / h;
        let isa = self.isa;
        let mut tmp = vec![0f32; rows * h];
        let mut ffn = vec![0f32; rows * inter];

        let q = self.int16;
        layer.attn_out.run(isa, q, rows, ctx, h, &mut tmp, h);
        let n = &layer.attn_norm;
        kernels::add_layer_norm(isa, &mut tmp, x, h, &n.gamma, &n.beta, self.eps);

        layer.ffn_in.run(isa, q, rows, &tmp, h, &mut ffn, inter);
        kernels::gelu(isa, &mut ffn);
        layer.ffn_out.run(isa, q, rows, &ffn, inter, x, h);
        let n = &layer.ffn_norm;
        kernels::add_layer_norm(isa, x, &tmp, h, &n.gamma, &n.beta, self.eps);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f16_conversion() {
        assert_eq!(f16_to_f32(0x3c00), 1.0);
        assert_eq!(f16_to_f32(0xc000), -2.0);
        assert_eq!(f16_to_f32(0x0000), 0.0);
        assert_eq!(f16_to_f32(0x7bff), 65504.0);
        assert_eq!(f16_to_f32(0x0001), 2f32.powi(-24));
        assert!(f16_to_f32(0x7c00).is_infinite());
    }

    #[test]
    fn config_checks() {
        let cfg: BertConfig = serde_json::from_str(
            r#"{"vocab_size": 10, "hidden_size": 8, "num_hidden_layers": 1,
                "num_attention_heads": 3, "intermediate_size": 16,
                "max_position_embeddings": 4}"#,
        )
        .unwrap();
        assert!(cfg.check().unwrap_err().contains("multiple"));
        let cfg = BertConfig {
            num_attention_heads: 2,
            hidden_act: "relu".into(),
            ..cfg
        };
        assert!(cfg.check().unwrap_err().contains("hidden_act"));
    }
}
