//! Linear layers in 16-bit integers with AVX-512 VNNI (`vpdpwssd`), twice the
//! multiply-adds per instruction of f32 FMA.
//!
//! Weights are quantized per output channel to ±[`W_LEVELS`], activations per
//! token (row) to as many levels as keep the 32-bit accumulator from
//! overflowing: `K · W_LEVELS · A_LEVELS < 2³¹` (±5466 for K = 384, ±1366 for
//! K = 1536). Products and sums are exact integers; the result is scaled back
//! to f32 and the bias added. Against f32, all-MiniLM-L6-v2's sentence vectors
//! keep a cosine ≥ 0.9998 (the parity test checks ≥ 0.999 against
//! sentence-transformers). Attention, softmax, GELU and layer norms stay f32.

/// Weight levels: each output channel's largest |w| maps to this.
pub(crate) const W_LEVELS: i32 = 1023;

/// Whether this CPU runs the int16 kernels.
pub(crate) fn supported() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx512f")
            && is_x86_feature_detected!("avx512bw")
            && is_x86_feature_detected!("avx512vnni")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// Rows of the output computed together by the inner kernel.
const MR: usize = 8;
/// Columns per panel.
const NR: usize = 48;

/// A linear layer's weight `W` (`n` outputs × `k` inputs) quantized and laid
/// out for [`linear`]: panels of [`NR`] output channels, each `k/2` rows of
/// `NR` pairs `(w[j][2p], w[j][2p+1])` as i16 packed in a u32.
pub(crate) struct PackedI16 {
    k: usize,
    n: usize,
    /// Pairs per row: `k` rounded up to even, halved.
    kp: usize,
    data: Vec<u32>,
    /// Per output channel: the value of one weight level.
    scales: Vec<f32>,
    /// Activation levels for this `k`.
    a_levels: f32,
}

impl PackedI16 {
    /// Quantizes and packs the row-major `w` (`n` rows of `k`).
    pub fn new(w: &[f32], n: usize, k: usize) -> PackedI16 {
        let kp = k.div_ceil(2);
        let panels = n.div_ceil(NR);
        let mut data = vec![0u32; panels * kp * NR];
        let mut scales = vec![0f32; n];
        for j in 0..n {
            let row = &w[j * k..(j + 1) * k];
            let amax = row.iter().fold(0f32, |m, x| m.max(x.abs()));
            let scale = if amax > 0.0 {
                amax / W_LEVELS as f32
            } else {
                1.0
            };
            scales[j] = scale;
            let q = |p: usize| -> u32 {
                let v = row.get(p).map_or(0, |x| (x / scale).round() as i32);
                (v.clamp(-W_LEVELS, W_LEVELS) as i16 as u16).into()
            };
            let (panel, c) = (j / NR, j % NR);
            for p in 0..kp {
                data[(panel * kp + p) * NR + c] = q(2 * p) | (q(2 * p + 1) << 16);
            }
        }
        let a_levels = (i32::MAX as f64 / (2 * kp) as f64 / f64::from(W_LEVELS)).floor();
        PackedI16 {
            k,
            n,
            kp,
            data,
            scales,
            a_levels: a_levels.min(32767.0) as f32,
        }
    }
}

/// `C = A Wᵀ + bias` with `A` (`m` rows of `w.k`, row `i` at `a[i * lda]`)
/// quantized per row, `C` rows at `c[i * ldc]`. Only call when [`supported`].
pub(crate) fn linear(
    m: usize,
    a: &[f32],
    lda: usize,
    w: &PackedI16,
    bias: &[f32],
    c: &mut [f32],
    ldc: usize,
) {
    if m == 0 || w.n == 0 {
        return;
    }
    assert!(supported(), "int16 kernels need AVX-512 VNNI");
    assert!(lda >= w.k && ldc >= w.n && bias.len() >= w.n);
    assert!(a.len() >= (m - 1) * lda + w.k, "A too short");
    assert!(c.len() >= (m - 1) * ldc + w.n, "C too short");
    #[cfg(target_arch = "x86_64")]
    // SAFETY: bounds checked above; the CPU has the features (`supported`).
    unsafe {
        x86::linear(m, a, lda, w, bias, c, ldc)
    }
}

#[cfg(target_arch = "x86_64")]
mod x86 {
    use super::*;
    use std::arch::x86_64::*;

    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    pub(super) unsafe fn linear(
        m: usize,
        a: &[f32],
        lda: usize,
        w: &PackedI16,
        bias: &[f32],
        c: &mut [f32],
        ldc: usize,
    ) {
        let (k, kp) = (w.k, w.kp);
        // Quantize A: rows padded to a multiple of MR (zeros), each row kp pairs.
        let tiles = m.div_ceil(MR);
        let mut aq = vec![0u32; tiles * MR * kp];
        let mut a_scale = vec![0f32; tiles * MR];
        for i in 0..m {
            let row = &a[i * lda..i * lda + k];
            a_scale[i] = quantize_row(row, w.a_levels, aq[i * kp..].as_mut_ptr() as *mut i16);
        }
        for (panel, pdata) in w.data.chunks_exact(kp * NR).enumerate() {
            let j0 = panel * NR;
            let cols = NR.min(w.n - j0);
            for t in 0..tiles {
                let i = t * MR;
                tile(
                    kp,
                    aq[i * kp..].as_ptr(),
                    pdata.as_ptr(),
                    c[i * ldc + j0..].as_mut_ptr(),
                    ldc,
                    MR.min(m - i),
                    cols,
                    a_scale[i..].as_ptr(),
                    w.scales[j0..].as_ptr(),
                    bias[j0..].as_ptr(),
                );
            }
        }
    }

    /// Writes `round(row / s)` as i16 to `out` (row's length, then a zero if
    /// odd) with `s = max|row| / levels`; returns `s`.
    #[target_feature(enable = "avx512f,avx512bw")]
    unsafe fn quantize_row(row: &[f32], levels: f32, out: *mut i16) -> f32 {
        let n = row.len();
        let p = row.as_ptr();
        let mut vmax = _mm512_setzero_ps();
        let mut i = 0;
        while i < n {
            let mask = lane_mask(n - i);
            let v = _mm512_maskz_loadu_ps(mask, p.add(i));
            vmax = _mm512_max_ps(vmax, _mm512_abs_ps(v));
            i += 16;
        }
        let amax = _mm512_reduce_max_ps(vmax);
        if amax <= 0.0 || !amax.is_finite() {
            // Zeros stay zeros (the buffer is zeroed); a NaN/inf row gives NaN.
            return if amax.is_finite() { 0.0 } else { f32::NAN };
        }
        let inv = _mm512_set1_ps(levels / amax);
        let mut i = 0;
        while i < n {
            let mask = lane_mask(n - i);
            let v = _mm512_maskz_loadu_ps(mask, p.add(i));
            // Round to nearest even (the default rounding mode), then narrow.
            let q = _mm512_cvtps_epi32(_mm512_mul_ps(v, inv));
            _mm512_mask_cvtsepi32_storeu_epi16(out.add(i) as *mut _, mask, q);
            i += 16;
        }
        amax / levels
    }

    /// `acc += a.lo·b.lo + a.hi·b.hi` per 32-bit lane (signed 16-bit halves).
    /// Inline assembly: LLVM's generic tuning would split the intrinsic
    /// `_mm512_dpwssd_epi32` into `vpmaddwd` + `vpaddd`, losing the point.
    #[inline]
    #[target_feature(enable = "avx512f,avx512vnni")]
    unsafe fn dpwssd(acc: &mut __m512i, a: __m512i, b: __m512i) {
        std::arch::asm!(
            "vpdpwssd {acc}, {a}, {b}",
            acc = inout(zmm_reg) *acc,
            a = in(zmm_reg) a,
            b = in(zmm_reg) b,
            options(pure, nomem, nostack, preserves_flags),
        );
    }

    #[inline(always)]
    fn lane_mask(left: usize) -> __mmask16 {
        if left >= 16 {
            0xffff
        } else {
            ((1u32 << left) - 1) as u16
        }
    }

    /// `rows × cols` of C from an 8-row tile of quantized A and one panel.
    #[allow(clippy::too_many_arguments)]
    #[target_feature(enable = "avx512f,avx512bw,avx512vnni")]
    unsafe fn tile(
        kp: usize,
        a: *const u32,
        b: *const u32,
        c: *mut f32,
        ldc: usize,
        rows: usize,
        cols: usize,
        a_scale: *const f32,
        w_scale: *const f32,
        bias: *const f32,
    ) {
        const V: usize = NR / 16;
        let mut acc = [[_mm512_setzero_si512(); V]; MR];
        let mut bp = b;
        for p in 0..kp {
            let mut bv = [_mm512_setzero_si512(); V];
            for (v, x) in bv.iter_mut().enumerate() {
                *x = _mm512_loadu_si512(bp.add(v * 16) as *const _);
            }
            for (r, acc_r) in acc.iter_mut().enumerate() {
                let x = _mm512_set1_epi32(*a.add(r * kp + p) as i32);
                for (acc_v, b_v) in acc_r.iter_mut().zip(&bv) {
                    dpwssd(acc_v, x, *b_v);
                }
            }
            bp = bp.add(NR);
        }
        for v in 0..V {
            let mask = lane_mask(cols.saturating_sub(v * 16));
            if mask == 0 {
                continue;
            }
            let ws = _mm512_maskz_loadu_ps(mask, w_scale.add(v * 16));
            let bb = _mm512_maskz_loadu_ps(mask, bias.add(v * 16));
            for (r, acc_r) in acc.iter().enumerate().take(rows) {
                let s = _mm512_mul_ps(ws, _mm512_set1_ps(*a_scale.add(r)));
                let out = _mm512_fmadd_ps(_mm512_cvtepi32_ps(acc_r[v]), s, bb);
                _mm512_mask_storeu_ps(c.add(r * ldc + v * 16), mask, out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int16_linear_is_close_to_f32() {
        if !supported() {
            eprintln!("no AVX-512 VNNI here: int16 kernels not tested");
            return;
        }
        let mut s = 0x2545_f491_4f6c_dd1d_u64;
        let mut rnd = || {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        };
        for &(m, k, n) in &[(1, 3, 5), (9, 384, 100), (20, 1537, 48), (8, 64, 1152)] {
            let a: Vec<f32> = (0..m * k).map(|_| rnd() * 4.0).collect();
            let w: Vec<f32> = (0..n * k).map(|_| rnd() * 0.1).collect();
            let bias: Vec<f32> = (0..n).map(|_| rnd()).collect();
            let packed = PackedI16::new(&w, n, k);
            let ldc = n + 1;
            let mut c = vec![9f32; m * ldc];
            linear(m, &a, k, &packed, &bias, &mut c, ldc);
            for i in 0..m {
                for j in 0..n {
                    let want: f32 =
                        (0..k).map(|p| a[i * k + p] * w[j * k + p]).sum::<f32>() + bias[j];
                    // Error bound: k products, each off by < half a level of
                    // either factor (relative 1/1023 of the row/channel max).
                    let tol = 0.4 * 0.1 * (k as f32).sqrt() * 4.0 / 1023.0 * 3.0 + 1e-5;
                    let got = c[i * ldc + j];
                    assert!(
                        (got - want).abs() < tol,
                        "{m}x{k}x{n} ({i},{j}): {got} vs {want}"
                    );
                }
                assert_eq!(c[i * ldc + n], 9.0, "wrote past the row");
            }
        }
        // All-zero rows stay zero plus bias.
        let packed = PackedI16::new(&[1.0; 4 * 2], 4, 2);
        let mut c = vec![0f32; 4];
        linear(1, &[0.0, 0.0], 2, &packed, &[1.0, 2.0, 3.0, 4.0], &mut c, 4);
        assert_eq!(c, vec![1.0, 2.0, 3.0, 4.0]);
    }
}
