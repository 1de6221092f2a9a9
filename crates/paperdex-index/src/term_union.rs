//! [`TermUnionQuery`]: any of several boosted terms, scored by the sum of
//! their BM25 scores, with a top-k traversal that skips what cannot rank.
//!
//! A search's words are asked of every text field, so a title of eight
//! words is a union of some forty term lists, and the common words
//! ("learning", "for", "networks") each list most of a million papers.
//! tantivy scores such a union exhaustively (its block-max WAND applies
//! only when every term is in the segment, and when it does apply it is
//! slower than exhaustive scoring past a handful of terms: measured 2×
//! slower at eight words). This query ranks with MaxScore (Turtle & Flood,
//! 1995): once the k-th best score is known, the lowest-impact terms that
//! together cannot reach it stop proposing documents and are only looked
//! up for the documents the others propose. Scores are unchanged; for
//! everything but top-k ranking it is tantivy's own union.

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings};
use tantivy::query::{
    Bm25Weight, BooleanWeight, BoostWeight, EnableScoring, Explanation, Occur, Query, Scorer,
    SumCombiner, TermQuery, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, Term, TERMINATED};

/// Any of `terms`, each weighted by its boost; scores add up. Optionally
/// restricted by `Must` and `MustNot` clauses (filters, exclusions), which
/// must not add to the score.
#[derive(Debug)]
pub(crate) struct TermUnionQuery {
    terms: Vec<(Term, Score)>,
    restrictions: Vec<(Occur, Box<dyn Query>)>,
}

impl Clone for TermUnionQuery {
    fn clone(&self) -> Self {
        Self {
            terms: self.terms.clone(),
            restrictions: self
                .restrictions
                .iter()
                .map(|(occur, query)| (*occur, query.box_clone()))
                .collect(),
        }
    }
}

impl TermUnionQuery {
    pub(crate) fn new(terms: Vec<(Term, Score)>) -> Self {
        Self {
            terms,
            restrictions: Vec::new(),
        }
    }

    /// Only documents every `Must` clause matches and no `MustNot` clause
    /// does. Kept inside the query, so top-k ranking still prunes: a
    /// boolean query around the union would score it exhaustively.
    pub(crate) fn restricted_by(mut self, clauses: Vec<(Occur, Box<dyn Query>)>) -> Self {
        debug_assert!(
            clauses.iter().all(|(occur, _)| *occur != Occur::Should),
            "a restriction is required or excluded, never optional"
        );
        self.restrictions.extend(clauses);
        self
    }
}

impl Query for TermUnionQuery {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let mut clauses: Vec<(Occur, Box<dyn Weight>)> = Vec::with_capacity(self.terms.len());
        let scoring = enable_scoring.is_scoring_enabled();
        let mut ranked = Vec::with_capacity(self.terms.len());
        for (term, boost) in &self.terms {
            let weight = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)
                .weight(enable_scoring)?;
            clauses.push((Occur::Should, Box::new(BoostWeight::new(weight, *boost))));
            if let EnableScoring::Enabled {
                statistics_provider,
                ..
            } = enable_scoring
            {
                // The statistics tantivy's term query scores with.
                let bm25 = Bm25Weight::for_terms(statistics_provider, std::slice::from_ref(term))?;
                ranked.push((term.clone(), bm25.boost_by(*boost)));
            }
        }
        let union = BooleanWeight::new(clauses, scoring, Box::new(SumCombiner::default));
        let union: Box<dyn Weight> = if self.restrictions.is_empty() {
            Box::new(union)
        } else {
            let mut clauses: Vec<(Occur, Box<dyn Weight>)> = vec![(Occur::Must, Box::new(union))];
            for (occur, query) in &self.restrictions {
                clauses.push((*occur, query.weight(enable_scoring)?));
            }
            // No `Should` clause here: nothing optional to require.
            Box::new(BooleanWeight::with_minimum_number_should_match(
                clauses,
                0,
                scoring,
                Box::new(SumCombiner::default),
            ))
        };
        let unscored = EnableScoring::disabled_from_schema(enable_scoring.schema());
        let restrictions = self
            .restrictions
            .iter()
            .map(|(occur, query)| Ok((*occur, query.weight(unscored)?)))
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(TermUnionWeight {
            union,
            ranked: scoring.then_some(ranked),
            restrictions,
        }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for (term, _) in &self.terms {
            visitor(term, false);
        }
        for (_, query) in &self.restrictions {
            query.query_terms(visitor);
        }
    }
}

struct TermUnionWeight {
    /// tantivy's union of the terms, restricted, for everything but top-k
    /// ranking.
    union: Box<dyn Weight>,
    /// Each term with its boosted BM25; `None` when not scoring.
    ranked: Option<Vec<(Term, Bm25Weight)>>,
    /// The restricting clauses, for top-k ranking.
    restrictions: Vec<(Occur, Box<dyn Weight>)>,
}

impl Weight for TermUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        self.union.scorer(reader, boost)
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.union.explain(reader, doc)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.union.count(reader)
    }

    fn for_each(
        &self,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score),
    ) -> tantivy::Result<()> {
        self.union.for_each(reader, callback)
    }

    fn for_each_no_score(
        &self,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(&[DocId]),
    ) -> tantivy::Result<()> {
        self.union.for_each_no_score(reader, callback)
    }

    fn for_each_pruning(
        &self,
        threshold: Score,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        let Some(ranked) = &self.ranked else {
            // Not scoring: nothing to prune by.
            return self.union.for_each_pruning(threshold, reader, callback);
        };
        let mut cursors = Vec::with_capacity(ranked.len());
        for (term, bm25) in ranked {
            let postings = reader
                .inverted_index(term.field())?
                .read_postings(term, IndexRecordOption::WithFreqs)?;
            if let Some(postings) = postings {
                cursors.push(TermCursor {
                    postings,
                    fieldnorms: reader.get_fieldnorms_reader(term.field())?,
                    bm25: bm25.clone(),
                });
            }
        }
        let mut restrictions = Vec::with_capacity(self.restrictions.len());
        for (occur, weight) in &self.restrictions {
            restrictions.push((*occur == Occur::Must, weight.scorer(reader, 1.0)?));
        }
        // Documents come in increasing order, so each restriction is sought
        // forward only.
        let mut admits = |doc: DocId| {
            restrictions.iter_mut().all(|(must, docs)| {
                if docs.doc() < doc {
                    docs.seek(doc);
                }
                (docs.doc() == doc) == *must
            })
        };
        max_score(cursors, threshold, &mut admits, callback);
        Ok(())
    }
}

/// One term's postings in one segment, scored as tantivy's term scorer does.
struct TermCursor {
    postings: SegmentPostings,
    fieldnorms: FieldNormReader,
    bm25: Bm25Weight,
}

impl TermCursor {
    fn doc(&self) -> DocId {
        self.postings.doc()
    }

    fn score(&self) -> Score {
        let doc = self.postings.doc();
        self.bm25
            .score(self.fieldnorms.fieldnorm_id(doc), self.postings.term_freq())
    }

    fn max_score(&self) -> Score {
        self.bm25.max_score()
    }
}

/// Documents scored together: the essential lists are summed a window
/// at a time into an array, as tantivy's own union does, which costs far
/// less per posting than finding the next document among many lists.
const WINDOW: u32 = 4096;

/// Calls `callback` with every document `admits` and whose summed score
/// beats the threshold, which `callback` returns raised as better documents
/// arrive.
///
/// Terms are sorted by their highest possible score. The lowest ones whose
/// highest scores add up to no more than the threshold are "non-essential":
/// a document none of the others list cannot beat the threshold, so only
/// the essential terms' lists are walked, and the non-essential terms are
/// sought for those documents alone, the most valuable first, stopping as
/// soon as what remains could not lift the document over the threshold.
fn max_score(
    mut cursors: Vec<TermCursor>,
    mut threshold: Score,
    admits: &mut dyn FnMut(DocId) -> bool,
    callback: &mut dyn FnMut(DocId, Score) -> Score,
) {
    cursors.retain(|c| c.doc() != TERMINATED);
    cursors.sort_by(|a, b| a.max_score().total_cmp(&b.max_score()));
    // bound[i]: the highest score terms 0..=i can give together.
    let bound: Vec<Score> = cursors
        .iter()
        .scan(0.0, |sum, c| {
            *sum += c.max_score();
            Some(*sum)
        })
        .collect();
    let essential_from = |threshold: Score| bound.partition_point(|b| *b <= threshold);
    let mut first_essential = essential_from(threshold);
    let mut scores = vec![0.0 as Score; WINDOW as usize];
    let mut matched = vec![0u64; WINDOW as usize / 64];
    while first_essential < cursors.len() {
        let (optional, essential) = cursors.split_at_mut(first_essential);
        let start = essential
            .iter()
            .map(TermCursor::doc)
            .min()
            .unwrap_or(TERMINATED);
        if start == TERMINATED {
            return;
        }
        let end = start.saturating_add(WINDOW);
        for cursor in essential.iter_mut() {
            let mut doc = cursor.doc();
            while doc < end {
                let slot = (doc - start) as usize;
                scores[slot] += cursor.score();
                matched[slot / 64] |= 1 << (slot % 64);
                doc = cursor.postings.advance();
            }
        }
        for (word_index, word) in matched.iter_mut().enumerate() {
            while *word != 0 {
                let slot = word_index * 64 + word.trailing_zeros() as usize;
                *word &= *word - 1;
                let doc = start + slot as DocId;
                let mut score = std::mem::take(&mut scores[slot]);
                let reachable = score + first_essential.checked_sub(1).map_or(0.0, |i| bound[i]);
                if reachable <= threshold || !admits(doc) {
                    continue;
                }
                let mut competitive = true;
                for (i, cursor) in optional.iter_mut().enumerate().rev() {
                    if score + bound[i] <= threshold {
                        competitive = false;
                        break;
                    }
                    if cursor.doc() < doc {
                        cursor.postings.seek(doc);
                    }
                    if cursor.doc() == doc {
                        score += cursor.score();
                    }
                }
                if competitive && score > threshold {
                    threshold = callback(doc, score);
                }
            }
        }
        // A raised threshold makes more terms non-essential for the
        // windows to come; each is already past this window.
        first_essential = first_essential.max(essential_from(threshold));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::TopDocs;
    use tantivy::indexer::NoMergePolicy;
    use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery};
    use tantivy::schema::{Schema, TEXT};
    use tantivy::{doc, Index, IndexWriter};

    /// A deterministic stream of pseudo-random numbers (splitmix64).
    struct Numbers(u64);

    impl Numbers {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) % n
        }

        /// Word `w{i}`, with small `i` far more frequent than large.
        fn word(&mut self) -> String {
            let rank = self.below(200);
            format!("w{}", self.below(rank + 1))
        }
    }

    /// Several segments of skewed random text in two fields, some
    /// documents deleted: more than one scoring window per segment.
    fn index() -> (Index, tantivy::schema::Field, tantivy::schema::Field) {
        let mut schema = Schema::builder();
        let title = schema.add_text_field("title", TEXT);
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let mut numbers = Numbers(7);
        for segment in 0..3 {
            for _ in 0..6_000 {
                let words = |numbers: &mut Numbers, n: u64| {
                    (0..n).map(|_| numbers.word()).collect::<Vec<_>>().join(" ")
                };
                let title_len = 2 + numbers.below(6);
                // Long and short bodies: term frequencies and lengths vary widely.
                let body_len = 3 + numbers.below(5) * numbers.below(30);
                writer
                    .add_document(doc!(
                        title => words(&mut numbers, title_len),
                        body => words(&mut numbers, body_len),
                    ))
                    .unwrap();
            }
            if segment == 1 {
                writer.delete_term(Term::from_field_text(title, "w3"));
            }
            writer.commit().unwrap();
        }
        (index, title, body)
    }

    #[test]
    fn ranks_as_a_boolean_union_of_the_same_terms() {
        let (index, title, body) = index();
        let searcher = index.reader().unwrap().searcher();
        assert!(searcher.segment_readers().len() >= 3);
        let mut numbers = Numbers(11);
        for query_number in 0..200 {
            let words = 1 + numbers.below(12);
            let mut terms = Vec::new();
            for _ in 0..words {
                let word = numbers.word();
                terms.push((Term::from_field_text(title, &word), 0.5));
                terms.push((Term::from_field_text(body, &word), 1.0));
            }
            // A word no document has: tantivy's union stops pruning on it.
            terms.push((Term::from_field_text(title, "absent"), 2.0));
            let words = BooleanQuery::new(
                terms
                    .iter()
                    .map(|(term, boost)| {
                        let query = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
                        (
                            Occur::Should,
                            Box::new(BoostQuery::new(Box::new(query), *boost)) as Box<dyn Query>,
                        )
                    })
                    .collect(),
            );
            // Every other query restricted: a filter that must match (not
            // scored) and a word that must not.
            let restrictions = || -> Vec<(Occur, Box<dyn Query>)> {
                if query_number % 2 == 0 {
                    return Vec::new();
                }
                let term = |field, word: &str| {
                    Box::new(TermQuery::new(
                        Term::from_field_text(field, word),
                        IndexRecordOption::Basic,
                    )) as Box<dyn Query>
                };
                vec![
                    (
                        Occur::Must,
                        Box::new(ConstScoreQuery::new(term(body, "w1"), 0.0)),
                    ),
                    (Occur::MustNot, term(title, "w2")),
                ]
            };
            let mut clauses = restrictions();
            clauses.push((Occur::Must, Box::new(words)));
            let boolean = BooleanQuery::new(clauses);
            let union = TermUnionQuery::new(terms).restricted_by(restrictions());
            let k = [1, 10, 100][query_number % 3];
            let expected = searcher.search(&boolean, &TopDocs::with_limit(k)).unwrap();
            let got = searcher.search(&union, &TopDocs::with_limit(k)).unwrap();
            assert_eq!(got.len(), expected.len(), "query {query_number}");
            for (rank, (g, e)) in got.iter().zip(&expected).enumerate() {
                assert!(
                    (g.0 - e.0).abs() < 1e-4,
                    "query {query_number} rank {rank}: score {} against {}",
                    g.0,
                    e.0
                );
            }
            // Same documents, except where equal scores tie at the cut-off.
            let cutoff = expected.last().map_or(0.0, |e| e.0);
            let strictly_above = |hits: &[(Score, tantivy::DocAddress)]| {
                let mut docs: Vec<_> = hits
                    .iter()
                    .filter(|h| h.0 > cutoff + 1e-4)
                    .map(|h| h.1)
                    .collect();
                docs.sort();
                docs
            };
            assert_eq!(strictly_above(&got), strictly_above(&expected));
            assert_eq!(
                searcher.search(&union, &tantivy::collector::Count).unwrap(),
                searcher
                    .search(&boolean, &tantivy::collector::Count)
                    .unwrap(),
                "query {query_number}"
            );
        }
    }
}
