use paperdex_model::PaperId;
use rustc_hash::FxHashMap;

/// Weighted score fusion: each ranking's scores are divided by its best
/// score, and a paper scores `lexical × its lexical share + semantic × its
/// semantic share`. A paper missing from one ranking gets that ranking's
/// lowest share: it scored at most that.
///
/// Scores rather than ranks, because how far the first hit leads says how
/// sure a retriever is. On the dev half of the retrieval benchmark
/// (`paperdex bench retrieval`), weighted reciprocal-rank fusion (lexical 1.5,
/// semantic 1, k 2, the best of its grid) reached MRR@10 0.949 on tl;dr
/// queries and 0.748 on title queries; this fusion at lexical 0.8 reached
/// 0.963 and 0.789, and every lexical weight from 0.7 to 1.2 beat it on
/// both. The weights are tuned on the dev half only, never on the test half.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fusion {
    /// Weight of the lexical (BM25) ranking.
    pub lexical: f64,
    /// Weight of the semantic (cosine) ranking.
    pub semantic: f64,
}

impl Default for Fusion {
    fn default() -> Self {
        // `paperdex bench retrieval` prints the dev-tuned setting as
        // `tuned_fusion`; these must be those values.
        Fusion {
            lexical: 0.8,
            semantic: 1.0,
        }
    }
}

/// Each score as a share of the ranking's best, and the lowest share (what
/// a paper the ranking left out gets). A ranking whose best score is not
/// positive says nothing about relevance: all its shares are 0.
fn shares(ranking: &[(PaperId, f64)]) -> (FxHashMap<PaperId, f64>, f64) {
    let best = ranking
        .iter()
        .map(|r| r.1)
        .fold(f64::NEG_INFINITY, f64::max);
    let share = |score: f64| if best > 0.0 { score / best } else { 0.0 };
    let by_id: FxHashMap<PaperId, f64> = ranking.iter().map(|&(id, s)| (id, share(s))).collect();
    let lowest = by_id.values().copied().fold(f64::INFINITY, f64::min);
    (by_id, if lowest.is_finite() { lowest } else { 0.0 })
}

/// Fuses two rankings (best first, with their scores) into one, best first.
pub fn fuse(
    lexical: &[(PaperId, f64)],
    semantic: &[(PaperId, f64)],
    f: Fusion,
) -> Vec<(PaperId, f64)> {
    let (lexical, lexical_floor) = shares(lexical);
    let (semantic, semantic_floor) = shares(semantic);
    let mut out: Vec<(PaperId, f64)> = lexical
        .keys()
        .chain(semantic.keys().filter(|id| !lexical.contains_key(id)))
        .map(|id| {
            let l = lexical.get(id).copied().unwrap_or(lexical_floor);
            let s = semantic.get(id).copied().unwrap_or(semantic_floor);
            (*id, f.lexical * l + f.semantic * s)
        })
        .collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

/// Reciprocal-rank fusion with equal weights, `1 / (k + rank)` per ranking
/// (ranks from 1): the untuned baseline the retrieval benchmark reports
/// beside [`fuse`], as an off-the-shelf hybrid would do it (k = 60).
pub fn reciprocal_rank_fusion(
    lexical: &[PaperId],
    semantic: &[PaperId],
    k: f64,
) -> Vec<(PaperId, f64)> {
    let mut scores: FxHashMap<PaperId, f64> = FxHashMap::default();
    for ranking in [lexical, semantic] {
        for (rank, id) in ranking.iter().enumerate() {
            *scores.entry(*id).or_default() += 1.0 / (k + rank as f64 + 1.0);
        }
    }
    let mut out: Vec<(PaperId, f64)> = scores.into_iter().collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVEN: Fusion = Fusion {
        lexical: 1.0,
        semantic: 1.0,
    };

    fn ids(fused: &[(PaperId, f64)]) -> Vec<PaperId> {
        fused.iter().map(|r| r.0).collect()
    }

    #[test]
    fn a_clear_lead_outweighs_a_narrow_one() {
        // Lexically, 1 leads 2 by far; semantically, 2 leads 1 by a hair.
        // Ranks alone (1st and 2nd in each) would tie them.
        let lexical = [(1, 10.0), (2, 4.0)];
        let semantic = [(2, 0.80), (1, 0.79)];
        assert_eq!(ids(&fuse(&lexical, &semantic, EVEN)), vec![1, 2]);
        assert_eq!(
            ids(&reciprocal_rank_fusion(&[1, 2], &[2, 1], 60.0)),
            vec![1, 2],
            "a tie, broken by id"
        );
    }

    #[test]
    fn a_paper_one_ranking_left_out_gets_its_lowest_share() {
        let lexical = [(1, 10.0), (2, 5.0)];
        let semantic = [(3, 0.9), (1, 0.45)];
        let fused = fuse(&lexical, &semantic, EVEN);
        let score = |id| fused.iter().find(|r| r.0 == id).unwrap().1;
        assert_eq!(fused.len(), 3);
        assert!((score(1) - 1.5).abs() < 1e-9);
        // 2: lexical 0.5, semantic at most the lowest share, 0.5.
        assert!((score(2) - 1.0).abs() < 1e-9);
        // 3: semantic 1.0, lexical at most 0.5.
        assert!((score(3) - 1.5).abs() < 1e-9);
        assert_eq!(ids(&fused), vec![1, 3, 2]);
    }

    #[test]
    fn weights_shift_the_balance() {
        let lexical = [(1, 10.0), (2, 8.0)];
        let semantic = [(2, 0.9), (1, 0.7)];
        let lexical_heavy = Fusion {
            lexical: 3.0,
            semantic: 1.0,
        };
        assert_eq!(fuse(&lexical, &semantic, lexical_heavy)[0].0, 1);
        let semantic_heavy = Fusion {
            lexical: 1.0,
            semantic: 3.0,
        };
        assert_eq!(fuse(&lexical, &semantic, semantic_heavy)[0].0, 2);
    }

    #[test]
    fn one_ranking_alone_keeps_its_order() {
        let lexical = [(4, 3.0), (2, 2.0), (9, 1.0)];
        assert_eq!(ids(&fuse(&lexical, &[], Fusion::default())), vec![4, 2, 9]);
        // Cosines that are all negative carry no preference; the other
        // ranking decides.
        let semantic = [(9, -0.1), (4, -0.2)];
        assert_eq!(ids(&fuse(&lexical, &semantic, EVEN)), vec![4, 2, 9]);
        assert!(fuse(&[], &[], EVEN).is_empty());
    }
}
