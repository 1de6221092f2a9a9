//! The two inner loops — f32 dot products and Hamming distances between
//! binary codes — written so that LLVM vectorizes them, plus a run-time
//! switch to a build of the same loops with AVX2 and POPCNT enabled.
//!
//! The default x86-64 target has neither: `u64::count_ones` then becomes a
//! dozen shifts and masks instead of one `popcnt`, and dot products use
//! 128-bit vectors. Both kernels are compiled twice from one `#[inline(always)]`
//! body, and [`Isa::detect`] picks one per search. The arithmetic is the same
//! in both builds (fixed lanes, no fused multiply-add, no reassociation), so
//! scores do not depend on the CPU. There is no AVX-512 build: it scanned
//! codes about a third faster (VPOPCNTDQ), but AVX-512 target features need
//! Rust 1.89 and the workspace supports 1.85.

/// Which build of the kernels to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isa {
    /// The target's baseline features.
    Generic,
    /// x86-64 with AVX2 and POPCNT.
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Isa {
    /// The best build this CPU can run (`is_x86_feature_detected!` caches).
    #[inline]
    pub(crate) fn detect() -> Isa {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("popcnt") {
                return Isa::Avx2;
            }
        }
        Isa::Generic
    }
}

/// Lanes of the dot product: 32 independent partial sums, i.e. four 256-bit
/// (or eight 128-bit) accumulators, enough to hide the add latency.
const LANES: usize = 32;

#[inline(always)]
fn dot_body(a: &[f32], b: &[f32]) -> f32 {
    let n = a.len().min(b.len());
    let (a, b) = (&a[..n], &b[..n]);
    let mut acc = [0f32; LANES];
    let mut ca = a.chunks_exact(LANES);
    let mut cb = b.chunks_exact(LANES);
    for (x, y) in (&mut ca).zip(&mut cb) {
        for i in 0..LANES {
            acc[i] += x[i] * y[i];
        }
    }
    let mut tail = 0f32;
    for (x, y) in ca.remainder().iter().zip(cb.remainder()) {
        tail += x * y;
    }
    let mut width = LANES / 2;
    while width > 0 {
        for i in 0..width {
            acc[i] += acc[i + width];
        }
        width /= 2;
    }
    acc[0] + tail
}

#[inline(always)]
fn dots_body(vectors: &[f32], dim: usize, query: &[f32], out: &mut [f32]) {
    for (v, o) in vectors.chunks_exact(dim).zip(out.iter_mut()) {
        *o = dot_body(v, query);
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dot_avx2(a: &[f32], b: &[f32]) -> f32 {
    dot_body(a, b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn dots_avx2(vectors: &[f32], dim: usize, query: &[f32], out: &mut [f32]) {
    dots_body(vectors, dim, query, out)
}

/// The dot product of `a` and `b` (over the shorter length).
#[inline]
pub(crate) fn dot(isa: Isa, a: &[f32], b: &[f32]) -> f32 {
    match isa {
        // SAFETY: `Isa::Avx2` is only made by `detect` after checking the CPU.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { dot_avx2(a, b) },
        Isa::Generic => dot_body(a, b),
    }
}

/// `out[i]` = the dot product of `query` and the `i`-th `dim`-long vector of
/// `vectors`. `dim` must be non-zero.
pub(crate) fn dots(isa: Isa, vectors: &[f32], dim: usize, query: &[f32], out: &mut [f32]) {
    debug_assert_eq!(vectors.len(), out.len() * dim);
    match isa {
        // SAFETY: as in `dot`.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { dots_avx2(vectors, dim, query, out) },
        Isa::Generic => dots_body(vectors, dim, query, out),
    }
}

#[inline(always)]
fn hammings_fixed<const W: usize>(codes: &[u64], query: &[u64], out: &mut [u32]) {
    let q: &[u64; W] = query.try_into().expect("query code has W words");
    for (c, o) in codes.chunks_exact(W).zip(out.iter_mut()) {
        let c: &[u64; W] = c.try_into().expect("chunks_exact gives W words");
        let mut d = 0u32;
        for i in 0..W {
            d += (c[i] ^ q[i]).count_ones();
        }
        *o = d;
    }
}

#[inline(always)]
fn hammings_body(codes: &[u64], words: usize, query: &[u64], out: &mut [u32]) {
    // Fixed widths unroll fully; they cover the common embedding sizes.
    match words {
        2 => hammings_fixed::<2>(codes, query, out),   // 128
        4 => hammings_fixed::<4>(codes, query, out),   // 256
        6 => hammings_fixed::<6>(codes, query, out),   // 384 (MiniLM)
        8 => hammings_fixed::<8>(codes, query, out),   // 512
        12 => hammings_fixed::<12>(codes, query, out), // 768
        16 => hammings_fixed::<16>(codes, query, out), // 1024
        _ => {
            for (c, o) in codes.chunks_exact(words).zip(out.iter_mut()) {
                *o = c.iter().zip(query).map(|(a, b)| (a ^ b).count_ones()).sum();
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
unsafe fn hammings_avx2(codes: &[u64], words: usize, query: &[u64], out: &mut [u32]) {
    hammings_body(codes, words, query, out)
}

/// `out[i]` = the Hamming distance between `query` and the `i`-th
/// `words`-long code of `codes`. `words` must be non-zero.
pub(crate) fn hammings(isa: Isa, codes: &[u64], words: usize, query: &[u64], out: &mut [u32]) {
    debug_assert_eq!(codes.len(), out.len() * words);
    debug_assert_eq!(query.len(), words);
    match isa {
        // SAFETY: as in `dot`.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { hammings_avx2(codes, words, query, out) },
        Isa::Generic => hammings_body(codes, words, query, out),
    }
}

/// Writes the binary code of `v` relative to `center` into `code` (bit `j`
/// is set when `v[j] > center[j]`) and returns the code's correction factor.
///
/// With `o = v - center`, the code stands for the unit vector
/// `x = sign(o) / sqrt(dim)`, and for any query `q` the RaBitQ estimator
/// `<q, o> ≈ <q, x> · |o| / <x, o / |o|>` is unbiased. Writing
/// `s(q) = Σ_j q_j · sign(o_j)` (what [`AsymmetricTable`] computes), that is
/// `<q, o> ≈ s(q) · |o|² / Σ_j |o_j|`; the returned factor is
/// `|o|² / Σ_j |o_j|` (0 for `v == center`). Ranking by `<q, o>` is ranking by
/// `<q, v>`, since `<q, center>` is the same for every vector.
pub(crate) fn encode(v: &[f32], center: &[f32], code: &mut [u64]) -> f32 {
    match Isa::detect() {
        // SAFETY: as in `dot`.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { encode_avx2(v, center, code) },
        Isa::Generic => encode_body(v, center, code),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn encode_avx2(v: &[f32], center: &[f32], code: &mut [u64]) -> f32 {
    encode_body(v, center, code)
}

#[inline(always)]
fn encode_body(v: &[f32], center: &[f32], code: &mut [u64]) -> f32 {
    code.fill(0);
    // Whole words with a constant trip count unroll into compare + movemask.
    let (mut vw, mut cw) = (v.chunks_exact(64), center.chunks_exact(64));
    for (w, (vs, cs)) in code.iter_mut().zip((&mut vw).zip(&mut cw)) {
        let (vs, cs): (&[f32; 64], &[f32; 64]) = (vs.try_into().unwrap(), cs.try_into().unwrap());
        let mut bits = 0u64;
        for byte in 0..8 {
            let mut b = 0u8;
            for i in 0..8 {
                b |= u8::from(vs[byte * 8 + i] > cs[byte * 8 + i]) << i;
            }
            bits |= u64::from(b) << (byte * 8);
        }
        *w = bits;
    }
    if let Some(w) = code.get_mut(v.len() / 64) {
        for (i, (x, c)) in vw.remainder().iter().zip(cw.remainder()).enumerate() {
            *w |= u64::from(x > c) << i;
        }
    }
    // The norms in independent lanes, so that this vectorizes too.
    const L: usize = 16;
    let (mut l2, mut l1) = ([0f32; L], [0f32; L]);
    let (mut vc, mut cc) = (v.chunks_exact(L), center.chunks_exact(L));
    for (xs, cs) in (&mut vc).zip(&mut cc) {
        for i in 0..L {
            let o = xs[i] - cs[i];
            l2[i] += o * o;
            l1[i] += o.abs();
        }
    }
    for (i, (x, c)) in vc.remainder().iter().zip(cc.remainder()).enumerate() {
        let o = x - c;
        l2[i] += o * o;
        l1[i] += o.abs();
    }
    let (l2, l1) = (l2.iter().sum::<f32>(), l1.iter().sum::<f32>());
    if l1 > 0.0 {
        l2 / l1
    } else {
        0.0
    }
}

/// A query's lookup table for `s(q) = Σ_j q_j · sign_j` over a binary code:
/// for every byte position of the code, the sum for each of the 256 byte
/// values. Scoring a code is then one lookup and one add per code byte (48
/// for 384 components), against 384 multiply-adds for the exact dot product
/// — and it reads only the 48-byte code, not the 1536-byte vector.
pub(crate) struct AsymmetricTable {
    table: Vec<f32>,
}

impl AsymmetricTable {
    pub(crate) fn new(query: &[f32], words: usize) -> Self {
        let mut table = vec![0f32; words * 8 * 256];
        for (b, entries) in table.chunks_exact_mut(256).enumerate() {
            let q = |i: usize| query.get(b * 8 + i).copied().unwrap_or(0.0);
            // All bits clear: every sign is -1. Setting bit i adds 2 q_i.
            entries[0] = -(0..8).map(q).sum::<f32>();
            for x in 1..256usize {
                let low = x.trailing_zeros() as usize;
                entries[x] = entries[x & (x - 1)] + 2.0 * q(low);
            }
        }
        AsymmetricTable { table }
    }

    /// `s(q)` for one code.
    #[inline]
    pub(crate) fn score(&self, code: &[u64]) -> f32 {
        let mut sum = 0f32;
        let mut entries = self.table.chunks_exact(256);
        for &word in code {
            for byte in word.to_le_bytes() {
                let e = entries.next().expect("a table row per code byte");
                sum += e[usize::from(byte)];
            }
        }
        sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive_dot(a: &[f32], b: &[f32]) -> f64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| f64::from(*x) * f64::from(*y))
            .sum()
    }

    #[test]
    fn dot_matches_naive_for_all_lengths_and_builds() {
        let mut rng = crate::synthetic::SplitMix64::new(5);
        for len in [0, 1, 7, 31, 32, 33, 64, 100, 384, 1000] {
            let a: Vec<f32> = (0..len).map(|_| rng.normal() as f32).collect();
            let b: Vec<f32> = (0..len).map(|_| rng.normal() as f32).collect();
            let want = naive_dot(&a, &b);
            for isa in [Isa::Generic, Isa::detect()] {
                let got = dot(isa, &a, &b);
                assert!(
                    (f64::from(got) - want).abs() < 1e-3,
                    "len {len}: {got} vs {want}"
                );
            }
            // Same lanes in every build: bit-identical results.
            assert_eq!(
                dot(Isa::Generic, &a, &b).to_bits(),
                dot(Isa::detect(), &a, &b).to_bits()
            );
        }
    }

    #[test]
    fn hammings_match_naive_for_all_widths() {
        let mut rng = crate::synthetic::SplitMix64::new(6);
        for words in [1, 2, 3, 4, 6, 8, 12, 16, 17] {
            let codes: Vec<u64> = (0..words * 5).map(|_| rng.next_u64()).collect();
            let q: Vec<u64> = (0..words).map(|_| rng.next_u64()).collect();
            for isa in [Isa::Generic, Isa::detect()] {
                let mut out = [0u32; 5];
                hammings(isa, &codes, words, &q, &mut out);
                for (i, d) in out.iter().enumerate() {
                    let want: u32 = codes[i * words..(i + 1) * words]
                        .iter()
                        .zip(&q)
                        .map(|(a, b)| (a ^ b).count_ones())
                        .sum();
                    assert_eq!(*d, want);
                }
            }
        }
    }

    #[test]
    fn encode_sets_bit_per_component_above_center() {
        let v: Vec<f32> = (0..70)
            .map(|j| if j % 3 == 0 { 1.0 } else { -1.0 })
            .collect();
        let center = vec![0.0; 70];
        let mut code = [0u64; 2];
        let factor = encode(&v, &center, &mut code);
        for j in 0..70 {
            assert_eq!(code[j / 64] >> (j % 64) & 1 == 1, j % 3 == 0, "bit {j}");
        }
        assert_eq!(code[1] >> 6, 0, "no bits beyond the dimension");
        // |o|^2 / |o|_1 = 70 / 70.
        assert_eq!(factor, 1.0);
        assert_eq!(encode(&center, &center, &mut code), 0.0);
    }

    #[test]
    fn asymmetric_table_sums_signed_components() {
        let mut rng = crate::synthetic::SplitMix64::new(7);
        for dim in [1, 8, 63, 64, 70, 384] {
            let v: Vec<f32> = (0..dim).map(|_| rng.normal() as f32).collect();
            let q: Vec<f32> = (0..dim).map(|_| rng.normal() as f32).collect();
            let center = vec![0.0; dim];
            let words = dim.div_ceil(64);
            let mut code = vec![0u64; words];
            encode(&v, &center, &mut code);
            let want: f32 = v
                .iter()
                .zip(&q)
                .map(|(x, y)| if *x > 0.0 { *y } else { -*y })
                .sum();
            let got = AsymmetricTable::new(&q, words).score(&code);
            assert!((got - want).abs() < 1e-3, "dim {dim}: {got} vs {want}");
        }
    }
}
