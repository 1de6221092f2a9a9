//! Building a digest: which papers are new, which follows they match.
//!
//! "New" means first stored in the library after a point: by default the
//! last batch the previous digest covered (kept as the user item
//! `digest/state`), or with a window (`--since 7d`) every batch that
//! started within it. A paper is new when the batch that *created* it is
//! after that point; a later record merged into an old paper does not make
//! it new again.

use crate::follows::{self, Follow};
use crate::matching::{QueryMatcher, TopicMembers};
use crate::DigestError;
use paperdex_model::{one_line, shorten_at_word, Paper, PaperId};
use paperdex_store::Store;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

/// The user-item kind and key of the digest state.
pub const STATE_KIND: &str = "digest";
const STATE_KEY: &str = "state";

/// Longest abstract excerpt shown when a paper has no tl;dr, in characters.
const EXCERPT_CHARS: usize = 280;

/// Where a digest starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Since {
    /// After the last batch the previous digest covered (everything, the
    /// first time).
    LastDigest,
    /// Papers first stored within this long before now.
    Window(Duration),
}

/// Parses `90m`, `36h`, `7d` or `2w`.
pub fn parse_duration(text: &str) -> Result<Duration, DigestError> {
    let bad = || DigestError::BadDuration(text.to_string());
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (number, unit) = t.split_at(split);
    let n: i64 = number.parse().map_err(|_| bad())?;
    let d = match unit.trim() {
        "m" | "min" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        "w" => Duration::weeks(n),
        _ => return Err(bad()),
    };
    if n <= 0 {
        return Err(bad());
    }
    Ok(d)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct DigestState {
    last_batch: i64,
    at: String,
}

/// One paper in a digest.
#[derive(Debug, Clone, Serialize)]
pub struct DigestItem {
    /// Paper id.
    pub id: PaperId,
    /// Title.
    pub title: String,
    /// Authors, shortened with "et al." past six.
    pub authors: String,
    /// The tl;dr, or the start of the abstract.
    pub summary: String,
    /// `tl;dr` or `abstract`.
    pub summary_kind: &'static str,
    /// arXiv or DOI link, else a source's link.
    pub link: Option<String>,
    /// Venue and year, e.g. "ICML 2019".
    pub venue: Option<String>,
    /// When the paper was first stored (RFC 3339).
    pub first_seen: String,
}

/// The papers of one follow.
#[derive(Debug, Clone, Serialize)]
pub struct DigestGroup {
    /// The follow.
    pub follow: Follow,
    /// Its label.
    pub label: String,
    /// Its new papers, best or newest first.
    pub items: Vec<DigestItem>,
}

/// A digest: new papers grouped by the follows they match.
#[derive(Debug, Clone, Serialize)]
pub struct Digest {
    /// When it was made (RFC 3339).
    pub generated_at: String,
    /// What "new" meant, in words.
    pub period: String,
    /// The last batch it covers.
    pub through_batch: i64,
    /// Papers new in the period (matching a follow or not).
    pub new_papers: usize,
    /// Distinct papers across groups.
    pub matched_papers: usize,
    /// One group per follow with new papers, in follow order.
    pub groups: Vec<DigestGroup>,
}

impl Digest {
    /// True when no follow has a new paper.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

fn parse_time(text: &str, what: &'static str) -> Result<OffsetDateTime, DigestError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|e| DigestError::Corrupt {
        what,
        key: text.to_string(),
        message: e.to_string(),
    })
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn state(store: &dyn Store) -> Result<Option<DigestState>, DigestError> {
    let items = store.user_items(STATE_KIND)?;
    items
        .into_iter()
        .find(|i| i.key == STATE_KEY)
        .map(|i| {
            serde_json::from_str(&i.value).map_err(|e| DigestError::Corrupt {
                what: "digest state",
                key: i.key,
                message: e.to_string(),
            })
        })
        .transpose()
}

/// Builds the digest of papers new since `since` that match `follows`.
pub fn build(
    store: &dyn Store,
    follows: &[Follow],
    queries: &dyn QueryMatcher,
    topics: &dyn TopicMembers,
    since: Since,
    now: OffsetDateTime,
) -> Result<Digest, DigestError> {
    let batches = store.batches()?;
    let through_batch = batches.last().map_or(0, |b| b.id);
    let (after_batch, period) = match since {
        Since::LastDigest => match state(store)? {
            Some(s) => (s.last_batch, format!("since the last digest ({})", s.at)),
            None => (0, "everything so far (first digest)".to_string()),
        },
        Since::Window(d) => {
            let cutoff = now - d;
            let mut after = 0;
            for b in &batches {
                if parse_time(&b.started_at, "batch time")? < cutoff {
                    after = b.id;
                }
            }
            (after, format!("since {}", rfc3339(cutoff)))
        }
    };
    let started: HashMap<i64, &str> = batches
        .iter()
        .map(|b| (b.id, b.started_at.as_str()))
        .collect();
    let new = store.papers_created_since(after_batch)?;
    let new_ids: HashSet<PaperId> = new.iter().map(|(p, _)| p.id).collect();
    let by_id: HashMap<PaperId, (&Paper, i64)> = new.iter().map(|(p, b)| (p.id, (p, *b))).collect();
    let item = |id: PaperId| -> Option<DigestItem> {
        let (paper, batch) = by_id.get(&id)?;
        Some(digest_item(
            paper,
            started.get(batch).copied().unwrap_or(""),
        ))
    };
    // Newest first: later batches, then higher ids.
    let newest_first = |ids: &mut Vec<PaperId>| {
        ids.sort_by_key(|id| std::cmp::Reverse((by_id.get(id).map_or(0, |x| x.1), *id)));
    };
    let mut groups = Vec::new();
    let mut matched: HashSet<PaperId> = HashSet::new();
    for follow in follows {
        let ids: Vec<PaperId> = match follow {
            Follow::Author { id, .. } => {
                let mut ids: Vec<PaperId> = new
                    .iter()
                    .filter(|(p, _)| p.authors.iter().any(|a| a.id == *id))
                    .map(|(p, _)| p.id)
                    .collect();
                newest_first(&mut ids);
                ids
            }
            Follow::Query { query } => queries
                .matching(query, &new_ids)?
                .into_iter()
                .map(|(id, _)| id)
                .collect(),
            Follow::Topic { id, .. } => {
                let mut ids: Vec<PaperId> = topics
                    .papers_of_topic(*id)?
                    .into_iter()
                    .filter(|p| new_ids.contains(p))
                    .collect();
                newest_first(&mut ids);
                ids
            }
        };
        let items: Vec<DigestItem> = ids.into_iter().filter_map(&item).collect();
        if !items.is_empty() {
            matched.extend(items.iter().map(|i| i.id));
            groups.push(DigestGroup {
                follow: follow.clone(),
                label: follow.label(),
                items,
            });
        }
    }
    Ok(Digest {
        generated_at: rfc3339(now),
        period,
        through_batch,
        new_papers: new.len(),
        matched_papers: matched.len(),
        groups,
    })
}

/// Builds the digest of every stored follow.
pub fn build_for_follows(
    store: &dyn Store,
    queries: &dyn QueryMatcher,
    topics: &dyn TopicMembers,
    since: Since,
    now: OffsetDateTime,
) -> Result<Digest, DigestError> {
    let follows = follows::list(store)?;
    build(store, &follows, queries, topics, since, now)
}

/// Records that the user has seen everything up to the digest's last
/// batch: the next digest starts after it.
pub fn mark_seen(store: &dyn Store, digest: &Digest) -> Result<(), DigestError> {
    let value = serde_json::to_string(&DigestState {
        last_batch: digest.through_batch,
        at: digest.generated_at.clone(),
    })
    .map_err(|e| DigestError::Render(e.to_string()))?;
    store.put_user_item(STATE_KIND, STATE_KEY, &value)?;
    Ok(())
}

fn digest_item(paper: &Paper, first_seen: &str) -> DigestItem {
    let (summary, summary_kind) = match (&paper.tldr, &paper.abstract_text) {
        (Some(t), _) if !t.trim().is_empty() => (one_line(t), "tl;dr"),
        (_, Some(a)) => (excerpt(a, EXCERPT_CHARS), "abstract"),
        _ => (String::new(), "abstract"),
    };
    let mut names: Vec<&str> = paper
        .authors
        .iter()
        .take(6)
        .map(|a| a.name.as_str())
        .collect();
    if paper.authors.len() > 6 {
        names.push("et al.");
    }
    let venue = match (&paper.venue, paper.year) {
        (Some(v), Some(y)) if !v.contains(&y.to_string()) => Some(format!("{v} {y}")),
        (Some(v), _) => Some(v.clone()),
        (None, Some(y)) => Some(y.to_string()),
        (None, None) => None,
    };
    DigestItem {
        id: paper.id,
        title: one_line(&paper.title),
        authors: names.join(", "),
        summary,
        summary_kind,
        link: paper.link(),
        venue,
        first_seen: first_seen.to_string(),
    }
}

/// The start of `text`, on one line, cut at a word boundary to at most `max` characters.
fn excerpt(text: &str, max: usize) -> String {
    shorten_at_word(&one_line(text), max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_and_nonsense_is_refused() {
        assert_eq!(parse_duration("7d").unwrap(), Duration::days(7));
        assert_eq!(parse_duration("36h").unwrap(), Duration::hours(36));
        assert_eq!(parse_duration("2w").unwrap(), Duration::weeks(2));
        for bad in ["", "d", "7", "7y", "-3d", "0d", "seven days"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn excerpts_cut_at_words() {
        let long = "alpha beta gamma ".repeat(40);
        let e = excerpt(&long, 50);
        assert!(e.chars().count() <= 50 && e.ends_with("…"), "{e}");
        assert!(!e.contains("  "));
        assert_eq!(excerpt("short text", 50), "short text");
    }
}
