use paperdex_model::{GivenSummary, PersonName};
use paperdex_store::{Result, WriteTx};
use std::collections::HashMap;

/// Distinct stored names whose given-name summary is kept; past it the
/// cache starts over (a summary is cheap to recompute, just not per pair).
const MAX_CACHED_NAMES: usize = 500_000;

/// Finds or creates authors, remembering what it parsed of stored names.
///
/// The same identity key ("Swersky, Kevin" = "Kevin Swersky") is the same
/// author. A name that differs only by initials ("K. Swersky") joins an
/// existing author only with evidence: the author already wrote this paper,
/// or has co-authored with someone else on it. Otherwise it stays apart,
/// since "K. Swersky" may well be someone else.
#[derive(Default)]
pub struct AuthorResolver {
    /// Given-name summaries of stored names, by name. A new name is compared
    /// with every author of its family ("Wang" has hundreds), and parsing
    /// each of them again per comparison was most of the writer's author work.
    summaries: HashMap<String, Option<(String, GivenSummary)>>,
}

impl AuthorResolver {
    /// The author for `name`, as a source wrote it, whose identity key is
    /// `key` (the caller has computed it for `coauthor_keys`).
    /// `paper_author_ids` are the paper's authors before this record;
    /// `coauthor_keys` the identity keys of the paper's names (its own
    /// included: it cannot be stored as a co-author, since it names no
    /// stored author yet).
    pub fn resolve(
        &mut self,
        tx: &mut dyn WriteTx,
        name: &PersonName,
        key: &str,
        paper_author_ids: &[i64],
        coauthor_keys: &[String],
    ) -> Result<i64> {
        let display = name.display();
        if let Some(id) = tx.author_by_key(key)? {
            tx.add_author_name(id, &display)?;
            return Ok(id);
        }
        let family = name.family_key();
        let mine = name.given_summary();
        for (id, other) in tx.authors_by_family(&family)? {
            let Some((their_family, theirs)) = self.summary(&other) else {
                continue;
            };
            // As `PersonName::could_be`: a stored name re-read may split its
            // family name differently from the key it was stored under.
            let initials_only = mine.initials_only() || theirs.initials_only();
            if !initials_only || *their_family != family || !mine.agrees_with(theirs) {
                continue;
            }
            let evidence = paper_author_ids.contains(&id)
                || tx
                    .coauthor_keys(id)?
                    .iter()
                    .any(|k| coauthor_keys.contains(k));
            if evidence {
                tx.add_author_name(id, &display)?;
                return Ok(id);
            }
        }
        tx.insert_author(key, &family, &display)
    }

    fn summary(&mut self, name: &str) -> Option<&(String, GivenSummary)> {
        if !self.summaries.contains_key(name) {
            if self.summaries.len() >= MAX_CACHED_NAMES {
                self.summaries.clear();
            }
            let summary = PersonName::parse(name).map(|n| (n.family_key(), n.given_summary()));
            self.summaries.insert(name.to_string(), summary);
        }
        self.summaries.get(name).and_then(Option::as_ref)
    }
}
