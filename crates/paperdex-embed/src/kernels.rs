//! f32 CPU kernels for the encoder: a packed-panel matrix multiply, softmax,
//! GELU and layer norm.
//!
//! Each kernel is written once as plain Rust that LLVM vectorizes, and compiled
//! three times: for AVX-512, for AVX2+FMA and for the baseline target; the
//! matrix multiply's inner kernel also has an AVX-512 version written with
//! intrinsics (about 1.2x the auto-vectorized one). [`Isa::detect`] picks one
//! at run time. All versions compute in f32 and agree to rounding.

use std::sync::OnceLock;

/// The instruction set the kernels run with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isa {
    /// x86-64 with AVX-512F (and FMA).
    Avx512,
    /// x86-64 with AVX2 and FMA.
    Avx2,
    /// Anything else: plain Rust, whatever the baseline target vectorizes.
    Generic,
}

impl Isa {
    /// The best instruction set this CPU has, detected once. The environment
    /// variable `PAPERDEX_EMBED_ISA` (`avx512`, `avx2`, `generic`) can ask for
    /// a lower one, to compare or to work around a CPU issue.
    pub fn detect() -> Isa {
        static ISA: OnceLock<Isa> = OnceLock::new();
        *ISA.get_or_init(|| {
            let best = Isa::best();
            let asked = match std::env::var("PAPERDEX_EMBED_ISA").as_deref() {
                Ok("generic") => Isa::Generic,
                Ok("avx2") => Isa::Avx2,
                _ => best,
            };
            // Never above what the CPU has.
            let isa = if asked.rank() <= best.rank() {
                asked
            } else {
                best
            };
            tracing::debug!(?isa, "embedding kernels");
            isa
        })
    }

    /// Every instruction set this CPU can run, best first.
    #[cfg(test)]
    pub fn available() -> Vec<Isa> {
        let best = Isa::best();
        [Isa::Avx512, Isa::Avx2, Isa::Generic]
            .into_iter()
            .filter(|i| i.rank() <= best.rank())
            .collect()
    }

    fn rank(self) -> u8 {
        match self {
            Isa::Generic => 0,
            Isa::Avx2 => 1,
            Isa::Avx512 => 2,
        }
    }

    fn best() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("fma") {
                return Isa::Avx512;
            }
            if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
                return Isa::Avx2;
            }
        }
        Isa::Generic
    }
}

/// Defines `pub(crate) fn $name(isa: Isa, args..)` running `$body` compiled for
/// the given instruction set.
macro_rules! multiversion {
    ($(#[$m:meta])* fn $name:ident($($arg:ident : $ty:ty),* $(,)?) $body:block) => {
        $(#[$m])*
        pub(crate) fn $name(isa: Isa, $($arg: $ty),*) {
            #[inline(always)]
            fn body($($arg: $ty),*) $body
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx512f,avx512bw,avx512dq,avx512vl,avx2,fma")]
            unsafe fn v512($($arg: $ty),*) { body($($arg),*) }
            #[cfg(target_arch = "x86_64")]
            #[target_feature(enable = "avx2,fma")]
            unsafe fn v256($($arg: $ty),*) { body($($arg),*) }
            match isa {
                // SAFETY: `Isa::detect` only returns what the CPU supports.
                #[cfg(target_arch = "x86_64")]
                Isa::Avx512 => unsafe { v512($($arg),*) },
                #[cfg(target_arch = "x86_64")]
                Isa::Avx2 => unsafe { v256($($arg),*) },
                _ => body($($arg),*),
            }
        }
    };
}

// ---------------------------------------------------------------------------
// Matrix multiply

/// Rows of the output computed together by the inner kernel.
const MR: usize = 8;

/// A matrix `B` (`k` rows, `n` columns) laid out for [`gemm`]: panels of
/// `width = 16 * v` columns, each panel `k` rows of `width` contiguous values,
/// the last panel zero-padded.
#[derive(Clone)]
pub(crate) struct Packed {
    k: usize,
    n: usize,
    v: usize,
    data: Vec<f32>,
}

impl Packed {
    /// Packs `B[p][j] = get(p, j)`; `v` is 2 or 3 (panels of 32 or 48 columns).
    fn pack(k: usize, n: usize, v: usize, get: impl Fn(usize, usize) -> f32) -> Packed {
        assert!(v == 2 || v == 3, "panel width must be 32 or 48 columns");
        let width = 16 * v;
        let panels = n.div_ceil(width);
        let mut data = vec![0f32; panels * k * width];
        for panel in 0..panels {
            let j0 = panel * width;
            let cols = width.min(n - j0);
            let base = panel * k * width;
            for p in 0..k {
                let row = &mut data[base + p * width..base + p * width + cols];
                for (c, out) in row.iter_mut().enumerate() {
                    *out = get(p, j0 + c);
                }
            }
        }
        Packed { k, n, v, data }
    }

    /// `B = Wᵀ` for a row-major `W` of `n` rows of `k` values, row `j` starting
    /// at `w[j * stride]`: what a linear layer `x Wᵀ` needs.
    pub fn transposed(w: &[f32], n: usize, k: usize, stride: usize, v: usize) -> Packed {
        assert!(v == 2 || v == 3, "panel width must be 32 or 48 columns");
        let width = 16 * v;
        let panels = n.div_ceil(width);
        let mut data = vec![0f32; panels * k * width];
        // Read W row by row (contiguous), scatter into the panels.
        for j in 0..n {
            let src = &w[j * stride..j * stride + k];
            let (panel, c) = (j / width, j % width);
            let dst = &mut data[panel * k * width + c..];
            for (p, x) in src.iter().enumerate() {
                dst[p * width] = *x;
            }
        }
        Packed { k, n, v, data }
    }

    /// `B` itself, row-major with `k` rows of `n` values, row `p` at `b[p * stride]`.
    pub fn rows(b: &[f32], k: usize, n: usize, stride: usize, v: usize) -> Packed {
        Packed::pack(k, n, v, |p, j| b[p * stride + j])
    }
}

/// `C = A B (+ bias)`: `A` has `m` rows of `b.k` values (row `i` at
/// `a[i * lda]`), `C` has `m` rows of `b.n` values (row `i` at `c[i * ldc]`),
/// `bias` has `b.n` values added to every row.
#[allow(clippy::too_many_arguments)] // BLAS-style: sizes and strides
pub(crate) fn gemm(
    isa: Isa,
    m: usize,
    a: &[f32],
    lda: usize,
    b: &Packed,
    bias: Option<&[f32]>,
    c: &mut [f32],
    ldc: usize,
) {
    if m == 0 || b.n == 0 {
        return;
    }
    let k = b.k;
    assert!(lda >= k && ldc >= b.n);
    assert!(a.len() >= (m - 1) * lda + k, "A too short");
    assert!(c.len() >= (m - 1) * ldc + b.n, "C too short");
    if let Some(bias) = bias {
        assert!(bias.len() >= b.n, "bias too short");
    }
    let width = 16 * b.v;
    for (panel, pdata) in b.data.chunks_exact(k * width).enumerate() {
        let j0 = panel * width;
        let cols = width.min(b.n - j0);
        let bias = bias.map_or(std::ptr::null(), |bias| bias[j0..].as_ptr());
        let mut i = 0;
        while i < m {
            let rows = MR.min(m - i);
            let tile = Tile {
                k,
                a: a[i * lda..].as_ptr(),
                lda,
                b: pdata.as_ptr(),
                c: c[i * ldc + j0..].as_mut_ptr(),
                ldc,
                rows,
                cols,
                bias,
            };
            // SAFETY: the asserts above keep every access of the tile in bounds:
            // rows i..i+rows of A (k values each) and of C (cols values from j0),
            // and the panel's k * width values.
            unsafe { run_tile(isa, b.v, rows, &tile) };
            i += rows;
        }
    }
}

/// One call of the inner kernel: `rows × cols` of C from one panel.
#[derive(Clone, Copy)]
struct Tile {
    k: usize,
    /// Row `r`, column `p` of A is at `a[r * lda + p]`.
    a: *const f32,
    lda: usize,
    b: *const f32,
    c: *mut f32,
    ldc: usize,
    /// Rows of C to write.
    rows: usize,
    cols: usize,
    bias: *const f32,
}

unsafe fn run_tile(isa: Isa, v: usize, rows: usize, t: &Tile) {
    macro_rules! by_rows {
        ($f:ident, $v:literal) => {
            match rows {
                8 => $f::<8, $v>(t),
                7 => $f::<7, $v>(t),
                6 => $f::<6, $v>(t),
                5 => $f::<5, $v>(t),
                4 => $f::<4, $v>(t),
                3 => $f::<3, $v>(t),
                2 => $f::<2, $v>(t),
                _ => $f::<1, $v>(t),
            }
        };
    }
    match (isa, v) {
        #[cfg(target_arch = "x86_64")]
        (Isa::Avx512, 3) => by_rows!(tile_avx512, 3),
        #[cfg(target_arch = "x86_64")]
        (Isa::Avx512, _) => by_rows!(tile_avx512, 2),
        #[cfg(target_arch = "x86_64")]
        (Isa::Avx2, 3) => by_rows!(tile_avx2, 3),
        #[cfg(target_arch = "x86_64")]
        (Isa::Avx2, _) => by_rows!(tile_avx2, 2),
        (_, 3) => by_rows!(tile_generic, 3),
        _ => by_rows!(tile_generic, 2),
    }
}

/// The portable inner kernel: `R` rows by `V` vectors of 16 columns,
/// accumulated over all of `k`.
#[inline(always)]
unsafe fn tile_body<const R: usize, const V: usize>(t: &Tile) {
    let mut acc = [[[0f32; 16]; V]; R];
    let mut bp = t.b;
    for p in 0..t.k {
        let b: &[[f32; 16]; V] = &*(bp as *const [[f32; 16]; V]);
        for (r, acc_r) in acc.iter_mut().enumerate() {
            let x = *t.a.add(r * t.lda + p);
            for (acc_v, b_v) in acc_r.iter_mut().zip(b) {
                for (s, w) in acc_v.iter_mut().zip(b_v) {
                    *s += x * *w;
                }
            }
        }
        bp = bp.add(V * 16);
    }
    for (r, acc_r) in acc.iter().enumerate() {
        let row = t.c.add(r * t.ldc);
        for (v, acc_v) in acc_r.iter().enumerate() {
            store_with_bias(t, row, v * 16, acc_v);
        }
    }
}

/// Writes `values` to columns `j0..` of `row`, plus the bias, clipped to the
/// tile's `cols`: the scalar epilogue of the kernels without masked stores.
#[inline(always)]
unsafe fn store_with_bias(t: &Tile, row: *mut f32, j0: usize, values: &[f32]) {
    for (l, value) in values.iter().enumerate().take(t.cols.saturating_sub(j0)) {
        let j = j0 + l;
        let bias = if t.bias.is_null() {
            0.0
        } else {
            *t.bias.add(j)
        };
        *row.add(j) = value + bias;
    }
}

unsafe fn tile_generic<const R: usize, const V: usize>(t: &Tile) {
    tile_body::<R, V>(t)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn tile_avx2<const R: usize, const V: usize>(t: &Tile) {
    // 16 ymm registers hold the accumulators of at most 2 rows of 48 columns
    // (12) plus the broadcasts and one panel vector: split the tile.
    let mut r = 0;
    while r < R {
        let rows = 2.min(R - r);
        let sub = Tile {
            a: t.a.add(r * t.lda),
            c: t.c.add(r * t.ldc),
            rows,
            ..*t
        };
        if rows == 2 {
            tile_avx2_body::<2, V>(&sub)
        } else {
            tile_avx2_body::<1, V>(&sub)
        }
        r += rows;
    }
}

/// Explicit intrinsics: LLVM did not vectorize [`tile_body`] for AVX2 (it
/// kept one scalar FMA per column and spilled to the stack, ~20× slower).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn tile_avx2_body<const R: usize, const V: usize>(t: &Tile) {
    use std::arch::x86_64::*;
    // A panel row holds V × 16 columns: 2 ymm vectors per 16.
    let mut acc = [[[_mm256_setzero_ps(); 2]; V]; R];
    let mut bp = t.b;
    for p in 0..t.k {
        let mut x = [_mm256_setzero_ps(); R];
        for (r, xr) in x.iter_mut().enumerate() {
            *xr = _mm256_set1_ps(*t.a.add(r * t.lda + p));
        }
        // Column-outer, row-inner: one load of `b` feeds R FMAs, which an
        // iterator over `acc` (row-outer) would not express.
        #[allow(clippy::needless_range_loop)]
        for v in 0..V {
            for h in 0..2 {
                let b = _mm256_loadu_ps(bp.add(v * 16 + h * 8));
                for r in 0..R {
                    acc[r][v][h] = _mm256_fmadd_ps(x[r], b, acc[r][v][h]);
                }
            }
        }
        bp = bp.add(V * 16);
    }
    for (r, acc_r) in acc.iter().enumerate().take(t.rows) {
        let row = t.c.add(r * t.ldc);
        for (v, acc_v) in acc_r.iter().enumerate() {
            for (h, sum) in acc_v.iter().enumerate() {
                let mut out = [0f32; 8];
                _mm256_storeu_ps(out.as_mut_ptr(), *sum);
                store_with_bias(t, row, v * 16 + h * 8, &out);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
unsafe fn tile_avx512<const R: usize, const V: usize>(t: &Tile) {
    use std::arch::x86_64::*;
    let mut acc = [[_mm512_setzero_ps(); V]; R];
    let mut bp = t.b;
    for p in 0..t.k {
        let mut b = [_mm512_setzero_ps(); V];
        for (v, bv) in b.iter_mut().enumerate() {
            *bv = _mm512_loadu_ps(bp.add(v * 16));
        }
        for (r, acc_r) in acc.iter_mut().enumerate() {
            let x = _mm512_set1_ps(*t.a.add(r * t.lda + p));
            for (acc_v, bv) in acc_r.iter_mut().zip(&b) {
                *acc_v = _mm512_fmadd_ps(x, *bv, *acc_v);
            }
        }
        bp = bp.add(V * 16);
    }
    for v in 0..V {
        let left = t.cols.saturating_sub(v * 16).min(16);
        let mask: __mmask16 = if left == 16 {
            0xffff
        } else {
            ((1u32 << left) - 1) as u16
        };
        let bias = if t.bias.is_null() {
            _mm512_setzero_ps()
        } else {
            _mm512_maskz_loadu_ps(mask, t.bias.add(v * 16))
        };
        for (r, acc_r) in acc.iter().enumerate().take(t.rows) {
            let out = t.c.add(r * t.ldc + v * 16);
            _mm512_mask_storeu_ps(out, mask, _mm512_add_ps(acc_r[v], bias));
        }
    }
}

// ---------------------------------------------------------------------------
// Element-wise kernels

const LANES: usize = 16;

/// `e^x` to about 2 ulp for x in [-87.3, 88.3] (clamped outside), in plain
/// arithmetic so that it vectorizes (Cephes' `expf` polynomial).
#[inline(always)]
fn exp_approx(x: f32) -> f32 {
    const LOG2E: f32 = std::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Round to nearest without a libm call: valid for |v| < 2^22.
    const ROUND: f32 = 12_582_912.0;
    let x = x.clamp(-87.3, 88.3);
    let n = (x * LOG2E + ROUND) - ROUND;
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_1e-4_f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 0.5;
    let e = p * r * r + r + 1.0;
    // 2^n without a float-to-int conversion (which would not vectorize):
    // n + 127 is an integer in [1, 254]; adding 2^23 puts it in the low
    // mantissa bits, and shifting by 23 moves it into the exponent field.
    let biased = (n + 127.0 + 8_388_608.0).to_bits();
    e * f32::from_bits(biased << 23)
}

/// GELU with the exact (erf) form, as BERT's `hidden_act = "gelu"`:
/// `0.5 x (1 + erf(x / √2))`, erf by Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7).
#[inline(always)]
fn gelu_one(x: f32) -> f32 {
    let z = x * std::f32::consts::FRAC_1_SQRT_2;
    let a = z.abs();
    let t = 1.0 / (1.0 + 0.327_591_1 * a);
    let mut p = 1.061_405_4_f32;
    p = p * t - 1.453_152_1;
    p = p * t + 1.421_413_8;
    p = p * t - 0.284_496_74;
    p = p * t + 0.254_829_6;
    let erf_abs = 1.0 - p * t * exp_approx(-a * a);
    let erf = if z < 0.0 { -erf_abs } else { erf_abs };
    0.5 * x * (1.0 + erf)
}

#[inline(always)]
fn sum(xs: &[f32]) -> f32 {
    let mut acc = [0f32; LANES];
    let mut chunks = xs.chunks_exact(LANES);
    for c in &mut chunks {
        for (s, x) in acc.iter_mut().zip(c) {
            *s += x;
        }
    }
    for (s, x) in acc.iter_mut().zip(chunks.remainder()) {
        *s += x;
    }
    acc.iter().sum()
}

#[inline(always)]
fn max(xs: &[f32]) -> f32 {
    let mut acc = [f32::NEG_INFINITY; LANES];
    let mut chunks = xs.chunks_exact(LANES);
    for c in &mut chunks {
        for (s, x) in acc.iter_mut().zip(c) {
            *s = s.max(*x);
        }
    }
    for (s, x) in acc.iter_mut().zip(chunks.remainder()) {
        *s = s.max(*x);
    }
    acc.iter().fold(f32::NEG_INFINITY, |m, x| m.max(*x))
}

multiversion! {
    /// Applies GELU to every value.
    fn gelu(xs: &mut [f32]) {
        for x in xs.iter_mut() {
            *x = gelu_one(*x);
        }
    }
}

multiversion! {
    /// For each row of `len` values: `row = exp(scale · (row - max(row)))`,
    /// and `inv_sums[i] = 1 / Σ row`. Multiplying by `inv_sums` (done by the
    /// caller on the smaller attention output) completes `softmax(scale · row)`.
    fn softmax_unnormalized(scores: &mut [f32], len: usize, scale: f32, inv_sums: &mut [f32]) {
        for (row, inv) in scores.chunks_exact_mut(len).zip(inv_sums.iter_mut()) {
            let m = max(row);
            let mut acc = [0f32; LANES];
            let mut chunks = row.chunks_exact_mut(LANES);
            for c in &mut chunks {
                for (s, x) in acc.iter_mut().zip(c.iter_mut()) {
                    *x = exp_approx((*x - m) * scale);
                    *s += *x;
                }
            }
            for (s, x) in acc.iter_mut().zip(chunks.into_remainder()) {
                *x = exp_approx((*x - m) * scale);
                *s += *x;
            }
            *inv = 1.0 / acc.iter().sum::<f32>();
        }
    }
}

multiversion! {
    /// `x = LayerNorm(x + residual)` for each row of `dim` values, with the
    /// biased variance as PyTorch computes it.
    fn add_layer_norm(
        x: &mut [f32],
        residual: &[f32],
        dim: usize,
        gamma: &[f32],
        beta: &[f32],
        eps: f32,
    ) {
        for (row, res) in x.chunks_exact_mut(dim).zip(residual.chunks_exact(dim)) {
            for (v, r) in row.iter_mut().zip(res) {
                *v += r;
            }
            layer_norm_row(row, gamma, beta, eps);
        }
    }
}

multiversion! {
    /// `x = LayerNorm(x)` for each row of `dim` values.
    fn layer_norm(x: &mut [f32], dim: usize, gamma: &[f32], beta: &[f32], eps: f32) {
        for row in x.chunks_exact_mut(dim) {
            layer_norm_row(row, gamma, beta, eps);
        }
    }
}

#[inline(always)]
fn layer_norm_row(row: &mut [f32], gamma: &[f32], beta: &[f32], eps: f32) {
    let n = row.len() as f32;
    let mean = sum(row) / n;
    let mut sq = [0f32; LANES];
    let mut chunks = row.chunks_exact(LANES);
    for c in &mut chunks {
        for (s, x) in sq.iter_mut().zip(c) {
            let d = x - mean;
            *s += d * d;
        }
    }
    for (s, x) in sq.iter_mut().zip(chunks.remainder()) {
        let d = x - mean;
        *s += d * d;
    }
    let var = sq.iter().sum::<f32>() / n;
    let inv = 1.0 / (var + eps).sqrt();
    for ((x, g), b) in row.iter_mut().zip(gamma).zip(beta) {
        *x = (*x - mean) * inv * g + b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rand_vec(n: usize, seed: u64) -> Vec<f32> {
        let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..n)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
            })
            .collect()
    }

    fn naive(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], bias: &[f32]) -> Vec<f32> {
        let mut c = vec![0f32; m * n];
        for i in 0..m {
            for j in 0..n {
                let mut s = 0f64;
                for p in 0..k {
                    s += f64::from(a[i * k + p]) * f64::from(b[p * n + j]);
                }
                c[i * n + j] = s as f32 + bias[j];
            }
        }
        c
    }

    #[test]
    fn gemm_matches_naive_on_every_isa_and_shape() {
        for isa in Isa::available() {
            for &(m, k, n, v) in &[
                (1, 1, 1, 3),
                (3, 5, 7, 2),
                (8, 32, 48, 3),
                (13, 40, 50, 3),
                (17, 33, 100, 2),
                (9, 384, 96, 3),
            ] {
                let a = rand_vec(m * k, 1);
                let b = rand_vec(k * n, 2);
                let bias = rand_vec(n, 3);
                let want = naive(m, k, n, &a, &b, &bias);
                // B as rows, and as the transpose of a row-major W.
                let mut w = vec![0f32; n * k];
                for p in 0..k {
                    for j in 0..n {
                        w[j * k + p] = b[p * n + j];
                    }
                }
                for packed in [
                    Packed::rows(&b, k, n, n, v),
                    Packed::transposed(&w, n, k, k, v),
                ] {
                    // ldc > n, with a guard value that must stay.
                    let ldc = n + 3;
                    let mut c = vec![7f32; m * ldc];
                    gemm(isa, m, &a, k, &packed, Some(&bias), &mut c, ldc);
                    for i in 0..m {
                        for j in 0..n {
                            let (got, exp) = (c[i * ldc + j], want[i * n + j]);
                            assert!(
                                (got - exp).abs() <= 1e-4 * (1.0 + exp.abs()),
                                "{isa:?} {m}x{k}x{n} v{v} at ({i},{j}): {got} vs {exp}"
                            );
                        }
                        assert_eq!(&c[i * ldc + n..i * ldc + ldc], &[7.0; 3]);
                    }
                }
            }
        }
    }

    #[test]
    fn exp_and_gelu_are_accurate() {
        for i in -1740..=1760 {
            let x = i as f32 * 0.05;
            let e = exp_approx(x) as f64;
            let want = (x as f64).exp();
            assert!(
                ((e - want) / want).abs() < 3e-7,
                "exp({x}) = {e}, want {want}"
            );
        }
        assert!(exp_approx(-1000.0) < 1e-37);
        for i in -1000..=1000 {
            let x = i as f32 * 0.01;
            let g = gelu_one(x) as f64;
            let want = 0.5 * x as f64 * (1.0 + erf(x as f64 / std::f64::consts::SQRT_2));
            assert!(
                (g - want).abs() < 3e-7 * (1.0 + want.abs()),
                "gelu({x}) = {g}, want {want}"
            );
        }
    }

    /// erf to ~1e-12: its Taylor series below 3, the asymptotic series of erfc above.
    fn erf(x: f64) -> f64 {
        if x.abs() >= 3.0 {
            let z = x.abs();
            let z2 = z * z;
            let series = 1.0 - 1.0 / (2.0 * z2) + 3.0 / (4.0 * z2 * z2)
                - 15.0 / (8.0 * z2 * z2 * z2)
                + 105.0 / (16.0 * z2 * z2 * z2 * z2);
            let erfc = (-z2).exp() / (z * std::f64::consts::PI.sqrt()) * series;
            return x.signum() * (1.0 - erfc);
        }
        let mut term = x;
        let mut s = x;
        let mut n = 0.0;
        while term.abs() > 1e-17 {
            n += 1.0;
            term *= -x * x / n;
            s += term / (2.0 * n + 1.0);
        }
        s * 2.0 / std::f64::consts::PI.sqrt()
    }

    #[test]
    fn elementwise_kernels_agree_across_isas() {
        let x = rand_vec(1000, 9)
            .iter()
            .map(|v| v * 8.0)
            .collect::<Vec<_>>();
        let res = rand_vec(1000, 10);
        let gamma = rand_vec(200, 11);
        let beta = rand_vec(200, 12);
        let mut outs = Vec::new();
        for isa in Isa::available() {
            let mut g = x.clone();
            gelu(isa, &mut g);
            let mut s = x[..250].to_vec();
            let mut inv = [0f32; 2];
            softmax_unnormalized(isa, &mut s, 125, 0.3, &mut inv);
            for (row, inv) in s.chunks_exact_mut(125).zip(inv) {
                row.iter_mut().for_each(|v| *v *= inv);
            }
            let mut ln = x.clone();
            add_layer_norm(isa, &mut ln, &res, 200, &gamma, &beta, 1e-12);
            outs.push((g, s, ln));
        }
        let (g0, s0, ln0) = &outs[0];
        assert!((s0[..125].iter().sum::<f32>() - 1.0).abs() < 1e-5);
        assert!((s0[125..].iter().sum::<f32>() - 1.0).abs() < 1e-5);
        for (g, s, ln) in &outs[1..] {
            for (a, b) in g
                .iter()
                .zip(g0)
                .chain(s.iter().zip(s0))
                .chain(ln.iter().zip(ln0))
            {
                assert!((a - b).abs() < 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
            }
        }
        // Layer norm: mean beta, and (x - mean) / std * gamma.
        let row = &ln0[..200];
        let mut xr: Vec<f32> = x[..200].iter().zip(&res).map(|(a, b)| a + b).collect();
        let mean = xr.iter().sum::<f32>() / 200.0;
        let var = xr.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / 200.0;
        for v in xr.iter_mut() {
            *v = (*v - mean) / var.sqrt();
        }
        for j in 0..200 {
            let want = xr[j] * gamma[j] + beta[j];
            assert!((row[j] - want).abs() < 1e-4, "{} vs {want}", row[j]);
        }
    }
}
