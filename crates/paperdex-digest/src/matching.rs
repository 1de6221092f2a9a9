//! How follows find papers: authors by id, queries through the search
//! engine ([`QueryMatcher`]), topics through whatever clusters the library
//! ([`TopicMembers`]).

use crate::DigestError;
use paperdex_model::PaperId;
use paperdex_search::{parse_query, Engine, ParsedQuery, SearchError};
use paperdex_store::Store;
use std::collections::HashSet;

/// Answers query follows.
pub trait QueryMatcher {
    /// The papers among `candidates` that match `query`, best first, scored.
    fn matching(
        &self,
        query: &str,
        candidates: &HashSet<PaperId>,
    ) -> Result<Vec<(PaperId, f64)>, DigestError>;
}

/// Answers topic follows. The topic model lives elsewhere (the discovery
/// crate); this is all a digest needs of it.
pub trait TopicMembers {
    /// The topic's label, or `None` when there is no such topic.
    fn topic_label(&self, topic: u32) -> Result<Option<String>, DigestError>;
    /// Every paper of the topic.
    fn papers_of_topic(&self, topic: u32) -> Result<Vec<PaperId>, DigestError>;
}

/// Topics as `paperdex topics` computes and stores them (paperdex-discover
/// writes them to the store).
pub struct StoredTopics<'s>(pub &'s dyn Store);

impl TopicMembers for StoredTopics<'_> {
    fn topic_label(&self, topic: u32) -> Result<Option<String>, DigestError> {
        Ok(self.0.topics()?.and_then(|set| {
            set.topics
                .into_iter()
                .find(|t| t.id == i64::from(topic))
                .map(|t| t.label)
        }))
    }

    fn papers_of_topic(&self, topic: u32) -> Result<Vec<PaperId>, DigestError> {
        Ok(self.0.topic_papers(i64::from(topic))?)
    }
}

/// Query follows answered by the engine's full-text index, every word
/// required.
///
/// Why lexical with every word required, not hybrid with a score cut: a
/// digest is a notification, so precision matters more than recall, and
/// the user should be able to see why a paper is there. A paper that
/// contains every word of the follow (stemmed, in its title, abstract,
/// tl;dr, authors or venue) and passes its filters (`author:`, `venue:`,
/// `year:`, `-word`) plainly matches. Hybrid scores are shares of each
/// query's best hit: they have no absolute scale, so any cut would mean
/// something different in every library and for every query; MiniLM
/// cosines drift with query length the same way. Phrases in the follow stay phrases.
pub struct LexicalMatcher<'e> {
    engine: &'e Engine,
}

impl<'e> LexicalMatcher<'e> {
    /// Matches over `engine`'s full-text index.
    pub fn new(engine: &'e Engine) -> Self {
        LexicalMatcher { engine }
    }
}

/// Parses a follow query, refusing one that asks for nothing.
pub fn check_query(query: &str) -> Result<ParsedQuery, DigestError> {
    let parsed = parse_query(query).map_err(|e| DigestError::BadQuery(e.to_string()))?;
    if !parsed.has_text() && parsed.filters.is_empty() {
        return Err(DigestError::BadQuery(format!(
            "'{query}' has no words, phrases or filters to match"
        )));
    }
    Ok(parsed)
}

impl QueryMatcher for LexicalMatcher<'_> {
    fn matching(
        &self,
        query: &str,
        candidates: &HashSet<PaperId>,
    ) -> Result<Vec<(PaperId, f64)>, DigestError> {
        let mut parsed = check_query(query)?;
        if candidates.is_empty() {
            return Ok(Vec::new());
        }
        // The index ORs plain words but requires every phrase: a one-word
        // phrase is a required word.
        let words = std::mem::take(&mut parsed.terms);
        parsed.phrases.extend(words);
        let index = self.engine.text_index();
        let all = (index.num_docs() as usize).max(1);
        let hits = index.search(&parsed, all, 0).map_err(SearchError::from)?;
        Ok(hits
            .into_iter()
            .filter(|h| candidates.contains(&h.paper_id))
            .map(|h| (h.paper_id, h.score as f64))
            .collect())
    }
}
