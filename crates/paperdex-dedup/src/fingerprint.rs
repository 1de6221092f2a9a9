use paperdex_model::squash_text;
use xxhash_rust::xxh3::xxh3_64;

/// Characters per shingle. Twelve squashed characters (about two words) keep
/// reworded sentences apart from copied ones while tolerating local edits.
pub const SHINGLE_LEN: usize = 12;

/// One in `ANCHOR_RATE` shingles (by hash) is an anchor: the sample that is
/// indexed to find candidate duplicates. Sampling by hash value keeps the
/// same shingles in every copy of a text, so copies share anchors.
const ANCHOR_RATE: u64 = 16;

/// The sorted, de-duplicated shingle hashes of a text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Fingerprint {
    shingles: Vec<u64>,
}

impl Fingerprint {
    /// Fingerprints a text (an abstract).
    pub fn of(text: &str) -> Fingerprint {
        let squashed = squash_text(text);
        let bytes = squashed.as_bytes();
        if bytes.len() < SHINGLE_LEN {
            return Fingerprint::default();
        }
        let mut shingles: Vec<u64> = bytes.windows(SHINGLE_LEN).map(xxh3_64).collect();
        shingles.sort_unstable();
        shingles.dedup();
        Fingerprint { shingles }
    }

    /// Number of distinct shingles.
    pub fn len(&self) -> usize {
        self.shingles.len()
    }

    /// True for a text too short to fingerprint.
    pub fn is_empty(&self) -> bool {
        self.shingles.is_empty()
    }

    /// The anchor shingles, used as index keys for candidate search.
    pub fn anchors(&self) -> impl Iterator<Item = u64> + '_ {
        self.shingles
            .iter()
            .copied()
            .filter(|h| h % ANCHOR_RATE == 0)
    }

    /// Share of the smaller text's shingles found in the larger one. 1.0 when
    /// one abstract is the other plus an extra paragraph; falls as sentences
    /// are reworded.
    pub fn containment(&self, other: &Fingerprint) -> f64 {
        self.containment_at_least(other, 0.0).unwrap_or(0.0)
    }

    /// [`containment`](Self::containment) if it is at least `floor`, else
    /// `None`. Deciding a match only needs scores above a threshold, and in a
    /// large library most verified candidates share a sentence or two but
    /// fall far below it: the merge stops as soon as the rest of the lists
    /// could no longer lift the count to the floor.
    pub fn containment_at_least(&self, other: &Fingerprint, floor: f64) -> Option<f64> {
        let (a, b) = (&self.shingles, &other.shingles);
        let smaller = a.len().min(b.len());
        if smaller == 0 {
            return (floor <= 0.0).then_some(0.0);
        }
        // One below the count the floor asks for, rounded down: a count that
        // cannot reach it is below the floor whatever the float rounding.
        let hopeless_below = ((floor * smaller as f64).floor() as usize).saturating_sub(1);
        let (mut i, mut j, mut common) = (0usize, 0usize, 0usize);
        while i < a.len() && j < b.len() {
            // Every step advances `i`, `j` or both, so a block of at most the
            // shorter remainder stays in bounds; inside it the merge is
            // branch-free (shingle order is random, so branches mispredict).
            let block = (a.len() - i).min(b.len() - j).min(64);
            for _ in 0..block {
                let (x, y) = (a[i], b[j]);
                common += usize::from(x == y);
                i += usize::from(x <= y);
                j += usize::from(y <= x);
            }
            if common + (a.len() - i).min(b.len() - j) < hopeless_below {
                return None;
            }
        }
        let score = common as f64 / smaller as f64;
        (score >= floor).then_some(score)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "Energy-Based Models (EBMs) present a flexible and appealing way to represent uncertainty. \
                     We show that our approach scales to large datasets and improves calibration of classifiers.";

    #[test]
    fn copies_with_lost_spaces_and_question_marks_are_identical() {
        let b = A
            .replace("represent uncertainty", "representuncertainty")
            .replace("Energy", "Energ?y");
        let s = Fingerprint::of(A).containment(&Fingerprint::of(&b));
        assert!(s > 0.95, "score {s}");
    }

    #[test]
    fn an_extra_paragraph_keeps_full_containment() {
        let b =
            format!("{A}\n\nCode is available online and we release all models for the community.");
        assert_eq!(Fingerprint::of(A).containment(&Fingerprint::of(&b)), 1.0);
    }

    #[test]
    fn unrelated_texts_score_low() {
        let b = "We propose a new federated learning method for distributively training neural networks \
                 under partial participation and unbalanced data across many devices.";
        assert!(Fingerprint::of(A).containment(&Fingerprint::of(b)) < 0.1);
    }

    #[test]
    fn a_floor_gives_the_exact_score_or_nothing() {
        let texts = [
            A.to_string(),
            format!("{A} Code is available online and we release all models."),
            A.replace("flexible and appealing", "simple"),
            "We propose a new federated learning method for training neural networks.".to_string(),
            A[..A.len() / 2].to_string(),
        ];
        let prints: Vec<Fingerprint> = texts.iter().map(|t| Fingerprint::of(t)).collect();
        for x in &prints {
            for y in &prints {
                let exact = x.containment(y);
                for floor in [0.0, 0.2, 0.5, 0.6, exact, 0.95, 1.0] {
                    let bounded = x.containment_at_least(y, floor);
                    assert_eq!(bounded, (exact >= floor).then_some(exact), "floor {floor}");
                }
            }
        }
    }

    #[test]
    fn anchors_are_a_stable_sample() {
        let f = Fingerprint::of(&A.repeat(3));
        let anchors: Vec<u64> = f.anchors().collect();
        assert!(anchors.iter().all(|h| h % ANCHOR_RATE == 0));
        assert_eq!(
            anchors,
            Fingerprint::of(&A.repeat(3)).anchors().collect::<Vec<_>>()
        );
    }
}
