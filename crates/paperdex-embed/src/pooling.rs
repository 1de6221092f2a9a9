//! Sentence-transformers' pooling: attention-mask-aware mean, then L2 normalization.

use std::ops::Range;

/// Mean of the token vectors the attention mask keeps, one per text.
///
/// `hidden` holds token vectors of `dim` values, one after another; text `i`'s
/// unmasked tokens are rows `rows[i]` (the encoder stacks sequences without
/// padding, so a padded batch's masked rows simply lie outside every range).
/// Divides by the count clamped to at least 1e-9, as sentence-transformers'
/// `Pooling(pooling_mode_mean_tokens=True)` does, so an empty range gives zeros.
pub(crate) fn mean_pool(hidden: &[f32], dim: usize, rows: &[Range<usize>]) -> Vec<Vec<f32>> {
    rows.iter()
        .map(|r| {
            let mut sum = vec![0f32; dim];
            for row in hidden[r.start * dim..r.end * dim].chunks_exact(dim) {
                for (s, x) in sum.iter_mut().zip(row) {
                    *s += x;
                }
            }
            let count = (r.len() as f32).max(1e-9);
            sum.iter_mut().for_each(|s| *s /= count);
            sum
        })
        .collect()
}

/// Divides `v` by its L2 norm clamped to at least 1e-12, as
/// `torch.nn.functional.normalize(p=2)` in sentence-transformers' `Normalize`.
pub(crate) fn l2_normalize(v: &mut [f32]) {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
    v.iter_mut().for_each(|x| *x /= norm);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_ignores_masked_tokens() {
        // A padded batch of 2 texts × 3 tokens × dim 2, as rows; the second
        // text's last token is padding (mask 0), so its range stops before it.
        let hidden = [
            1.0, 2.0, 3.0, 4.0, 5.0, 6.0, // text 0: mask 1 1 1
            2.0, 0.0, 4.0, 2.0, 100.0, -100.0, // text 1: mask 1 1 0
        ];
        let pooled = mean_pool(&hidden, 2, &[0..3, 3..5]);
        assert_eq!(pooled, vec![vec![3.0, 4.0], vec![3.0, 1.0]]);
    }

    #[test]
    fn all_masked_text_is_zero_not_nan() {
        let hidden = [1.0, 2.0, 3.0, 4.0];
        let mut pooled = mean_pool(&hidden, 2, std::slice::from_ref(&(1..1)));
        l2_normalize(&mut pooled[0]);
        assert_eq!(pooled, vec![vec![0.0, 0.0]]);
    }

    #[test]
    fn normalize_gives_unit_rows() {
        let hidden = [3.0, 4.0, 3.0, 4.0, -1.0, 0.0];
        let mut pooled = mean_pool(&hidden, 2, &[0..2, 2..3]);
        pooled.iter_mut().for_each(|v| l2_normalize(v));
        assert_eq!(pooled, vec![vec![0.6, 0.8], vec![-1.0, 0.0]]);
    }
}
