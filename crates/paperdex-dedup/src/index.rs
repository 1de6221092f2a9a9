use crate::fingerprint::Fingerprint;
use paperdex_model::{normalize_title, PaperId, RecordFields, SourceRecord};
use rustc_hash::FxHashMap as HashMap;
use std::sync::Arc;
use xxhash_rust::xxh3::Xxh3;

/// Minimum containment for two abstracts to be the same paper. Measured on
/// the seed listings: true copies score 0.95–1.0 (reworded, glued and
/// extended versions), while a workshop paper and its full version with
/// largely shared text score 0.46.
pub const ABSTRACT_THRESHOLD: f64 = 0.6;

/// Abstracts with fewer shingles than this are too short to match on alone.
const MIN_ABSTRACT_SHINGLES: usize = 80;

/// Two papers with the same title but abstracts sharing less than this are
/// different papers (a common title, such as a workshop's, with other work).
const TITLE_ABSTRACT_FLOOR: f64 = 0.2;

/// An anchor shared by more papers than this is boilerplate ("state of the
/// art") and says nothing about identity; skipping it bounds lookup cost.
const MAX_ANCHOR_POSTINGS: usize = 64;

/// Papers found by shared anchors that are verified per record, most shared
/// first (papers sharing an id or title are always verified).
const MAX_ANCHOR_CANDIDATES: usize = 8;

/// Titles shorter than this (normalized) are too generic to match on.
const MIN_TITLE_LEN: usize = 12;

/// The kind of a persisted match key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum KeyKind {
    /// arXiv id without version.
    Arxiv = 1,
    /// Normalized DOI.
    Doi = 2,
    /// Normalized title.
    Title = 3,
    /// An abstract anchor shingle.
    Anchor = 4,
}

/// What a record can be matched on.
#[derive(Debug, Clone, Default)]
pub struct MatchKeys {
    /// arXiv id without version.
    pub arxiv_id: Option<String>,
    /// Normalized DOI.
    pub doi: Option<String>,
    /// Normalized title, when long enough to be distinctive.
    pub title: Option<String>,
    /// Abstract fingerprint.
    pub fingerprint: Fingerprint,
    /// The listing file the record came from: a listing names each paper
    /// once, so two records of one file are never the same paper.
    pub listing: String,
}

impl MatchKeys {
    /// The keys of a source record.
    pub fn of(record: &SourceRecord) -> MatchKeys {
        Self::from_fields(&record.fields, &record.file)
    }

    /// The keys of a record's fields, read from `listing`.
    pub fn from_fields(f: &RecordFields, listing: &str) -> MatchKeys {
        MatchKeys {
            arxiv_id: f.arxiv_id.as_ref().map(|a| a.id.clone()),
            doi: f.doi.clone(),
            title: f
                .title
                .as_deref()
                .map(normalize_title)
                .filter(|t| t.len() >= MIN_TITLE_LEN),
            fingerprint: f
                .abstract_text
                .as_deref()
                .map(Fingerprint::of)
                .unwrap_or_default(),
            listing: listing.to_string(),
        }
    }

    /// Visits the hashed keys under which a paper with these keys is
    /// indexed, as `(kind, hash)` pairs (what is persisted).
    pub fn for_each_index_key(&self, mut f: impl FnMut(KeyKind, i64)) {
        self.for_each_id_key(&mut f);
        if let Some(title) = &self.title {
            f(KeyKind::Title, hash_key(KeyKind::Title, title));
        }
        for anchor in self.fingerprint.anchors() {
            f(KeyKind::Anchor, anchor as i64);
        }
    }

    /// Visits the hashed identifier keys (arXiv id, DOI), the first of
    /// [`for_each_index_key`](Self::for_each_index_key).
    fn for_each_id_key(&self, mut f: impl FnMut(KeyKind, i64)) {
        for (kind, value) in [(KeyKind::Arxiv, &self.arxiv_id), (KeyKind::Doi, &self.doi)] {
            if let Some(value) = value {
                f(kind, hash_key(kind, value));
            }
        }
    }
}

fn hash_key(kind: KeyKind, value: &str) -> i64 {
    // The same bytes as hashing `[kind] ++ value` in one buffer (persisted
    // keys depend on it), streamed so no buffer is allocated per key.
    let mut hasher = Xxh3::new();
    hasher.update(&[kind as u8]);
    hasher.update(value.as_bytes());
    hasher.digest() as i64
}

/// Papers indexed by their match keys, to find candidates for a new record.
///
/// A library holds a posting per abstract anchor (dozens per paper), so an
/// entry is kept to 16 bytes: the key's kind and hash in one word and, for
/// the nearly every key that names a single paper, that paper inline. The
/// index is the ingest writer's hottest structure; at 48 bytes an entry, its
/// growth (rehashing, and the kernel zeroing fresh pages) was a tenth of
/// the writer's time.
#[derive(Debug, Default)]
pub struct DedupIndex {
    postings: HashMap<u64, Posting>,
    /// The papers of each key found under more than one paper, by
    /// [`Posting::shared`] index.
    shared: Vec<Vec<PaperId>>,
    /// Anchors per paper, to require a share of them rather than a count.
    anchor_counts: HashMap<PaperId, u32>,
    /// Postings added since [`begin_batch`](Self::begin_batch), so a batch
    /// that rolls back can take its keys out again.
    journal: Option<Vec<(u64, PaperId)>>,
}

/// The papers under one key, packed in a word: the paper id itself (ids
/// are never negative) or, negated bitwise, an index into
/// `DedupIndex::shared`. A negative id, which no store assigns, would just
/// be kept in a shared list.
#[derive(Debug, Clone, Copy)]
struct Posting(PaperId);

impl Posting {
    fn one(paper: PaperId) -> Option<Posting> {
        (paper >= 0).then_some(Posting(paper))
    }

    fn shared(index: usize) -> Posting {
        Posting(!(index as PaperId))
    }

    fn shared_index(self) -> Option<usize> {
        (self.0 < 0).then_some(!self.0 as usize)
    }
}

/// The index word of a key: its kind in the top three bits, its hash below.
/// Dropping three hash bits leaves collisions as rare as before in effect:
/// a collision only adds a candidate, which is verified anyway.
fn slot(kind: KeyKind, key: i64) -> u64 {
    (key as u64 & (u64::MAX >> 3)) | (kind as u64) << 61
}

fn is_anchor_slot(slot: u64) -> bool {
    slot >> 61 == KeyKind::Anchor as u64
}

/// A paper that shares keys with a record: the match keys of each of its
/// source records, since a record may match any version the paper has.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// The paper.
    pub paper_id: PaperId,
    /// One entry per source record of the paper, shared with whoever holds
    /// the record's keys (a fingerprint is kilobytes; a copy per cached
    /// candidate was a visible share of ingest).
    pub sources: Vec<Arc<MatchKeys>>,
}

impl Candidate {
    fn has_arxiv(&self, id: &str) -> bool {
        self.sources
            .iter()
            .any(|s| s.arxiv_id.as_deref() == Some(id))
    }

    fn has_doi(&self, doi: &str) -> bool {
        self.sources.iter().any(|s| s.doi.as_deref() == Some(doi))
    }

    fn conflicts_with(&self, record: &MatchKeys) -> bool {
        self.sources.iter().any(|s| ids_conflict(record, s))
    }

    fn has_listing(&self, listing: &str) -> bool {
        self.sources.iter().any(|s| s.listing == listing)
    }

    fn has_title(&self, title: &str) -> bool {
        self.sources
            .iter()
            .any(|s| s.title.as_deref() == Some(title))
    }

    fn has_abstract(&self) -> bool {
        self.sources.iter().any(|s| !s.fingerprint.is_empty())
    }

    /// The best containment against any source's abstract, with the size of
    /// the smaller text of that pair; scores below `floor` count as none.
    fn abstract_score(&self, record: &MatchKeys, floor: f64) -> (f64, usize) {
        self.sources
            .iter()
            .filter(|s| !s.fingerprint.is_empty())
            .filter_map(|s| {
                let score = record
                    .fingerprint
                    .containment_at_least(&s.fingerprint, floor)?;
                Some((score, record.fingerprint.len().min(s.fingerprint.len())))
            })
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .unwrap_or((0.0, 0))
    }
}

impl DedupIndex {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records that `paper` is found under `key`.
    pub fn insert(&mut self, kind: KeyKind, key: i64, paper: PaperId) {
        if self.insert_posting(slot(kind, key), paper) {
            *self.anchor_counts.entry(paper).or_default() += 1;
        }
    }

    /// The papers under `slot`.
    fn papers(&self, slot: u64) -> &[PaperId] {
        match self.postings.get(&slot) {
            None => &[],
            Some(posting) => match posting.shared_index() {
                Some(i) => &self.shared[i],
                None => std::slice::from_ref(&posting.0),
            },
        }
    }

    /// Adds `paper` to the postings of `slot`; true when that added an
    /// anchor (the caller counts it).
    fn insert_posting(&mut self, slot: u64, paper: PaperId) -> bool {
        let added = match self.postings.entry(slot) {
            std::collections::hash_map::Entry::Vacant(entry) => {
                let posting = Posting::one(paper).unwrap_or_else(|| {
                    self.shared.push(vec![paper]);
                    Posting::shared(self.shared.len() - 1)
                });
                entry.insert(posting);
                true
            }
            std::collections::hash_map::Entry::Occupied(mut entry) => {
                let posting = *entry.get();
                match posting.shared_index() {
                    Some(i) => {
                        let papers = &mut self.shared[i];
                        // Past the cap the key is ignored at lookup, so its
                        // list need not grow.
                        let grows = papers.len() <= MAX_ANCHOR_POSTINGS && !papers.contains(&paper);
                        if grows {
                            papers.push(paper);
                        }
                        grows
                    }
                    None if posting.0 == paper => false,
                    None => {
                        self.shared.push(vec![posting.0, paper]);
                        entry.insert(Posting::shared(self.shared.len() - 1));
                        true
                    }
                }
            }
        };
        if added {
            if let Some(journal) = &mut self.journal {
                journal.push((slot, paper));
            }
        }
        added && is_anchor_slot(slot)
    }

    /// Takes `paper` out of the postings of `slot` (undoing an insert).
    fn remove_posting(&mut self, slot: u64, paper: PaperId) {
        let std::collections::hash_map::Entry::Occupied(entry) = self.postings.entry(slot) else {
            return;
        };
        match entry.get().shared_index() {
            Some(i) => {
                let papers = &mut self.shared[i];
                papers.retain(|&p| p != paper);
                if papers.is_empty() {
                    entry.remove();
                }
            }
            None if entry.get().0 == paper => {
                entry.remove();
            }
            None => {}
        }
        if is_anchor_slot(slot) {
            if let Some(count) = self.anchor_counts.get_mut(&paper) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    self.anchor_counts.remove(&paper);
                }
            }
        }
    }

    /// Starts recording what is inserted, for [`rollback_batch`](Self::rollback_batch).
    pub fn begin_batch(&mut self) {
        self.journal = Some(Vec::new());
    }

    /// Keeps what was inserted since [`begin_batch`](Self::begin_batch).
    pub fn commit_batch(&mut self) {
        self.journal = None;
    }

    /// Takes out everything inserted since [`begin_batch`](Self::begin_batch)
    /// (nothing when no batch is open): the index is again what it was.
    pub fn rollback_batch(&mut self) {
        let Some(journal) = self.journal.take() else {
            return;
        };
        for &(slot, paper) in journal.iter().rev() {
            self.remove_posting(slot, paper);
        }
    }

    /// Indexes every key of `keys` for `paper`.
    pub fn insert_keys(&mut self, keys: &MatchKeys, paper: PaperId) {
        // Anchors are counted once per record, not looked up once per anchor.
        let mut added = 0;
        keys.for_each_index_key(|kind, key| {
            added += u32::from(self.insert_posting(slot(kind, key), paper));
        });
        if added > 0 {
            *self.anchor_counts.entry(paper).or_default() += added;
        }
    }

    /// Indexes only the identifier keys (arXiv id, DOI) of `keys` for
    /// `paper`: within one listing those are all a record can match on,
    /// since records of one listing never merge by title or abstract.
    pub fn insert_id_keys(&mut self, keys: &MatchKeys, paper: PaperId) {
        keys.for_each_id_key(|kind, key| {
            self.insert_posting(slot(kind, key), paper);
        });
    }

    /// Number of distinct keys indexed.
    pub fn len(&self) -> usize {
        self.postings.len()
    }

    /// True when nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.postings.is_empty()
    }

    /// Papers that might be the record with `keys`: any sharing an id or
    /// title, or enough abstract anchors. Containment above the threshold
    /// implies sharing about that share of the smaller text's anchors; half
    /// of it is required, so sampling noise does not lose true matches while
    /// texts that share a few stock phrases are not verified at all.
    pub fn candidate_papers(&self, keys: &MatchKeys) -> Vec<PaperId> {
        let mut out: Vec<PaperId> = Vec::new();
        // One entry per shared anchor; counted by sorting, which is cheaper
        // than a map for the few hits a record usually has.
        let mut anchor_hits: Vec<PaperId> = Vec::new();
        let mut anchors = 0u32;
        keys.for_each_index_key(|kind, key| {
            if kind == KeyKind::Anchor {
                anchors += 1;
            }
            let list = self.papers(slot(kind, key));
            if kind != KeyKind::Anchor {
                out.extend(list.iter().copied());
            } else if list.len() <= MAX_ANCHOR_POSTINGS {
                anchor_hits.extend_from_slice(list);
            }
        });
        anchor_hits.sort_unstable();
        let mut by_anchors: Vec<(u32, PaperId)> = anchor_hits
            .chunk_by(|a, b| a == b)
            .map(|run| (run[0], run.len() as u32))
            .filter_map(|(p, hits)| {
                let theirs = self.anchor_counts.get(&p).copied().unwrap_or(0);
                let smaller = anchors.min(theirs) as f64;
                let needed = ((smaller * ABSTRACT_THRESHOLD / 2.0).floor() as u32).max(1);
                (hits >= needed).then_some((hits, p))
            })
            .collect();
        // Only the papers sharing the most anchors are verified: a true
        // duplicate shares nearly all of them, while in a large library many
        // papers may share a sentence or two, and verifying every one costs
        // a full comparison each (ties go to the older paper).
        if by_anchors.len() > MAX_ANCHOR_CANDIDATES {
            by_anchors.select_nth_unstable_by(MAX_ANCHOR_CANDIDATES, |a, b| {
                b.0.cmp(&a.0).then(a.1.cmp(&b.1))
            });
            by_anchors.truncate(MAX_ANCHOR_CANDIDATES);
        }
        out.extend(by_anchors.into_iter().map(|(_, p)| p));
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The papers sharing an identifier (arXiv id, DOI) with `keys`: the
    /// only part of [`candidate_papers`](Self::candidate_papers) that a
    /// batch changes before it commits (see [`insert_id_keys`](Self::insert_id_keys)).
    pub fn id_candidates(&self, keys: &MatchKeys) -> Vec<PaperId> {
        let mut out = Vec::new();
        keys.for_each_id_key(|kind, key| out.extend_from_slice(self.papers(slot(kind, key))));
        out
    }
}

/// The rule by which a record joined a paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchRule {
    /// No paper matched: the record starts a new one.
    New,
    /// Same arXiv id.
    ArxivId,
    /// Same DOI.
    Doi,
    /// Same normalized title (and abstracts, where both have one, not unrelated).
    Title,
    /// Near-duplicate abstract.
    Abstract,
}

impl MatchRule {
    /// The rule's name as stored and shown.
    pub fn name(self) -> &'static str {
        match self {
            MatchRule::New => "new",
            MatchRule::ArxivId => "arxiv-id",
            MatchRule::Doi => "doi",
            MatchRule::Title => "title",
            MatchRule::Abstract => "abstract",
        }
    }
}

/// The outcome of matching one record against its candidates.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchDecision {
    /// The paper matched, or `None` for a new paper.
    pub paper_id: Option<PaperId>,
    /// Which rule decided.
    pub rule: MatchRule,
    /// The score: 1.0 for identifiers, abstract containment otherwise.
    pub score: f64,
    /// A sentence explaining the decision.
    pub detail: String,
}

/// Applies the matching rules: same arXiv id, else same DOI, else (among
/// candidates whose ids do not conflict and that are not from the same
/// listing) the same title, else the most similar abstract above
/// [`ABSTRACT_THRESHOLD`]. Two papers with different arXiv ids never merge.
pub fn decide(record: &MatchKeys, candidates: &[&Candidate]) -> MatchDecision {
    if let Some(a) = &record.arxiv_id {
        if let Some(c) = candidates.iter().find(|c| c.has_arxiv(a)) {
            return matched(c, MatchRule::ArxivId, 1.0, format!("same arXiv id {a}"));
        }
    }
    if let Some(d) = &record.doi {
        if let Some(c) = candidates
            .iter()
            .find(|c| c.has_doi(d) && !c.conflicts_with(record))
        {
            return matched(c, MatchRule::Doi, 1.0, format!("same DOI {d}"));
        }
    }
    let mut best: Option<(bool, f64, &Candidate)> = None;
    for &c in candidates {
        if c.conflicts_with(record) || c.has_listing(&record.listing) {
            continue;
        }
        let both_abstracts = !record.fingerprint.is_empty() && c.has_abstract();
        let same_title = record.title.as_deref().is_some_and(|t| c.has_title(t));
        // Below these scores the candidate matches by neither rule.
        let floor = if same_title {
            TITLE_ABSTRACT_FLOOR
        } else {
            ABSTRACT_THRESHOLD
        };
        let (score, smaller) = c.abstract_score(record, floor);
        let by_title = same_title && (!both_abstracts || score >= TITLE_ABSTRACT_FLOOR);
        let by_abstract = score >= ABSTRACT_THRESHOLD && smaller >= MIN_ABSTRACT_SHINGLES;
        if !(by_title || by_abstract) {
            continue;
        }
        // A title match outranks an abstract-only match; among equals the higher score wins.
        if best.is_none_or(|(t, s, _)| (by_title, score) > (t, s)) {
            best = Some((by_title, score, c));
        }
    }
    match best {
        Some((true, score, c)) => {
            let detail = if !record.fingerprint.is_empty() && c.has_abstract() {
                format!("same normalized title; abstracts {:.0}% shared", score * 100.0)
            } else {
                "same normalized title".to_string()
            };
            matched(c, MatchRule::Title, if record.fingerprint.is_empty() { 1.0 } else { score }, detail)
        }
        Some((false, score, c)) => matched(
            c,
            MatchRule::Abstract,
            score,
            format!(
                "abstract near-duplicate: {:.0}% of the shorter abstract's {}-character shingles shared (threshold {:.0}%)",
                score * 100.0,
                crate::SHINGLE_LEN,
                ABSTRACT_THRESHOLD * 100.0
            ),
        ),
        None => MatchDecision {
            paper_id: None,
            rule: MatchRule::New,
            score: 0.0,
            detail: "no paper shares an id, title or abstract".to_string(),
        },
    }
}

fn matched(c: &Candidate, rule: MatchRule, score: f64, detail: String) -> MatchDecision {
    MatchDecision {
        paper_id: Some(c.paper_id),
        rule,
        score,
        detail,
    }
}

fn ids_conflict(a: &MatchKeys, b: &MatchKeys) -> bool {
    let differ =
        |x: &Option<String>, y: &Option<String>| matches!((x, y), (Some(x), Some(y)) if x != y);
    differ(&a.arxiv_id, &b.arxiv_id) || differ(&a.doi, &b.doi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hashes_are_those_already_persisted() {
        // Libraries store these hashes: streaming must give the one-buffer hash.
        let one_buffer = |kind: KeyKind, value: &str| {
            let mut bytes = vec![kind as u8];
            bytes.extend_from_slice(value.as_bytes());
            xxhash_rust::xxh3::xxh3_64(&bytes) as i64
        };
        for (kind, value) in [
            (KeyKind::Arxiv, "2006.10029"),
            (KeyKind::Title, "a simple framework"),
        ] {
            assert_eq!(hash_key(kind, value), one_buffer(kind, value));
        }
    }

    const ABSTRACT: &str = "We introduce the Mutual Information Machine, an autoencoder model for learning \
        joint distributions over observations and latent states. The model formulation reflects two key \
        design principles: symmetry and mutual information, and we show that the objective can be bounded.";

    fn keys(arxiv: Option<&str>, title: Option<&str>, abs: &str, listing: &str) -> MatchKeys {
        MatchKeys {
            arxiv_id: arxiv.map(str::to_string),
            doi: None,
            title: title.map(normalize_title),
            fingerprint: Fingerprint::of(abs),
            listing: listing.to_string(),
        }
    }

    fn candidate(id: PaperId, keys: MatchKeys) -> Candidate {
        Candidate {
            paper_id: id,
            sources: vec![Arc::new(keys)],
        }
    }

    #[test]
    fn same_abstract_without_ids_merges_by_abstract() {
        let existing = candidate(1, keys(Some("1910.03175"), None, ABSTRACT, "a.txt"));
        let glued = ABSTRACT.replace("latent states", "latentstates");
        let d = decide(&keys(None, Some("MIM"), &glued, "b.txt"), &[&existing]);
        assert_eq!((d.paper_id, d.rule), (Some(1), MatchRule::Abstract));
        assert!(d.score > 0.9);
    }

    #[test]
    fn different_arxiv_ids_never_merge() {
        let existing = candidate(1, keys(Some("1910.03175"), Some("MIM"), ABSTRACT, "a.txt"));
        let d = decide(
            &keys(Some("1910.04153"), Some("MIM"), ABSTRACT, "b.txt"),
            &[&existing],
        );
        assert_eq!(d.rule, MatchRule::New);
    }

    #[test]
    fn records_of_one_listing_never_merge() {
        let existing = candidate(1, keys(None, None, ABSTRACT, "a.txt"));
        let d = decide(&keys(None, None, ABSTRACT, "a.txt"), &[&existing]);
        assert_eq!(d.rule, MatchRule::New);
    }

    #[test]
    fn of_many_papers_sharing_a_sentence_the_duplicate_is_verified() {
        let other =
            "Entirely different words follow here, about reinforcement learning for robots, \
            sample efficiency and exploration bonuses in sparse reward tasks with long horizons.";
        let mut index = DedupIndex::new();
        // Twenty papers that share the abstract's first sentences, then differ.
        let shared = &ABSTRACT[..ABSTRACT.find(" The model").unwrap()];
        for id in 1..=20 {
            let text = format!("{shared} Paper {id} {other} {id}.");
            index.insert_keys(&keys(None, None, &text, "a.txt"), id);
        }
        index.insert_keys(&keys(None, None, ABSTRACT, "a.txt"), 99);
        index.insert_keys(&keys(Some("1910.03175"), None, "", "a.txt"), 100);
        let probe = keys(Some("1910.03175"), None, ABSTRACT, "b.txt");
        let found = index.candidate_papers(&probe);
        assert!(found.contains(&99) && found.contains(&100), "{found:?}");
        assert!(found.len() <= MAX_ANCHOR_CANDIDATES + 1, "{found:?}");
    }

    #[test]
    fn index_finds_candidates_by_anchor_and_id() {
        let mut index = DedupIndex::new();
        index.insert_keys(&keys(Some("1910.03175"), None, ABSTRACT, "a.txt"), 7);
        let probe = keys(
            None,
            None,
            &format!("{ABSTRACT} An extra paragraph."),
            "b.txt",
        );
        assert_eq!(index.candidate_papers(&probe), vec![7]);
        let probe = keys(Some("1910.03175"), None, "", "b.txt");
        assert_eq!(index.candidate_papers(&probe), vec![7]);
        let probe = keys(
            None,
            None,
            "An unrelated text about graph neural networks and their depth.",
            "b.txt",
        );
        assert!(index.candidate_papers(&probe).is_empty());
    }

    #[test]
    fn a_rolled_back_batch_leaves_the_index_as_it_was() {
        let mut index = DedupIndex::new();
        let committed = keys(Some("1910.03175"), None, ABSTRACT, "a.txt");
        index.insert_keys(&committed, 7);
        let probe = keys(
            None,
            None,
            &format!("{ABSTRACT} An extra paragraph."),
            "c.txt",
        );
        let before = (
            index.len(),
            index.anchor_counts.clone(),
            index.candidate_papers(&probe),
        );

        index.begin_batch();
        // A new paper, and the committed one gaining a title key and a
        // shared posting: every kind of change the journal must undo.
        index.insert_keys(
            &keys(None, Some("a paper of this batch"), ABSTRACT, "b.txt"),
            8,
        );
        index.insert_keys(&keys(None, Some("another title entirely"), "", "b.txt"), 7);
        assert_eq!(
            index.candidate_papers(&probe),
            vec![7, 8],
            "the batch sees its own keys"
        );
        index.rollback_batch();

        let after = (
            index.len(),
            index.anchor_counts.clone(),
            index.candidate_papers(&probe),
        );
        assert_eq!(before, after);
        let title = keys(None, Some("another title entirely"), "", "d.txt");
        assert!(index.candidate_papers(&title).is_empty());

        // Committed keys stay, and a second rollback has nothing to undo.
        index.begin_batch();
        index.insert_keys(&keys(None, Some("a paper of this batch"), "", "b.txt"), 8);
        index.commit_batch();
        index.rollback_batch();
        let title = keys(None, Some("a paper of this batch"), "", "d.txt");
        assert_eq!(index.candidate_papers(&title), vec![8]);
    }
}
