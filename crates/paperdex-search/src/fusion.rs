use paperdex_model::PaperId;
use rustc_hash::FxHashMap;

/// Weighted reciprocal-rank fusion: a paper scores
/// `lexical / (k + rank_lexical) + semantic / (k + rank_semantic)`, ranks
/// from 1, a missing ranking contributing nothing.
///
/// The defaults were tuned on the dev half of the retrieval benchmark
/// (`paperdex bench retrieval`: grid over lexical weight 0.1–2 and k 1–60,
/// semantic weight 1), never on its test half. A small k lets first places
/// decide: on known-item queries each retriever's top hit is usually right.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fusion {
    /// Weight of the lexical ranking.
    pub lexical: f64,
    /// Weight of the semantic ranking.
    pub semantic: f64,
    /// The rank offset `k`; larger flattens the head of each ranking.
    pub k: f64,
}

impl Default for Fusion {
    fn default() -> Self {
        // `paperdex bench retrieval` prints the dev-tuned setting as
        // `tuned_fusion`; these must be those values.
        Fusion {
            lexical: 1.5,
            semantic: 1.0,
            k: 2.0,
        }
    }
}

/// Fuses two rankings (best first) into one, best first.
pub fn fuse(lexical: &[PaperId], semantic: &[PaperId], f: Fusion) -> Vec<(PaperId, f64)> {
    let mut scores: FxHashMap<PaperId, f64> = FxHashMap::default();
    for (rank, id) in lexical.iter().enumerate() {
        *scores.entry(*id).or_default() += f.lexical / (f.k + rank as f64 + 1.0);
    }
    for (rank, id) in semantic.iter().enumerate() {
        *scores.entry(*id).or_default() += f.semantic / (f.k + rank as f64 + 1.0);
    }
    let mut out: Vec<(PaperId, f64)> = scores.into_iter().collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreement_beats_a_single_first_place() {
        let fused = fuse(
            &[1, 2, 3],
            &[2, 4, 1],
            Fusion {
                lexical: 1.0,
                semantic: 1.0,
                k: 60.0,
            },
        );
        assert_eq!(fused[0].0, 2);
        assert_eq!(fused[1].0, 1);
        assert_eq!(fused.len(), 4);
    }

    #[test]
    fn weights_shift_the_balance() {
        let lexical_heavy = Fusion {
            lexical: 3.0,
            semantic: 1.0,
            k: 10.0,
        };
        assert_eq!(fuse(&[1, 2], &[2, 1], lexical_heavy)[0].0, 1);
        let semantic_heavy = Fusion {
            lexical: 1.0,
            semantic: 3.0,
            k: 10.0,
        };
        assert_eq!(fuse(&[1, 2], &[2, 1], semantic_heavy)[0].0, 2);
    }
}
