//! Which records are the same paper, and what the merged paper says.
//!
//! - [`Fingerprint`]: the character shingles of an abstract, robust to lost
//!   spaces and unencodable characters, with [`Fingerprint::containment`] as
//!   the near-duplicate score (robust to an extra paragraph).
//! - [`MatchKeys`] + [`DedupIndex`]: the identifier, title and abstract-anchor
//!   keys of a record, and an index from keys to papers that finds
//!   [`Candidate`]s and applies the matching rules in [`decide`].
//! - [`merge_fields`]: the best value per field across a paper's sources.
//!
//! The crate is pure so that the rules can be tested exhaustively and run
//! identically over every storage backend.
#![deny(missing_docs)]

mod fingerprint;
mod index;
mod merge;

pub use fingerprint::{Fingerprint, SHINGLE_LEN};
pub use index::{
    decide, Candidate, DedupIndex, KeyKind, MatchDecision, MatchKeys, MatchRule, ABSTRACT_THRESHOLD,
};
pub use merge::{merge_fields, MergeInput, MergedFields};
