//! Follows and digests: tell the user what is new in the library that they
//! care about.
//!
//! - [`Follow`]: an author, a query or a topic, stored as a user item
//!   ([`follows::add`], [`follows::remove`], [`follows::list`]).
//! - [`build`]: the papers new since the last digest (or within a window,
//!   [`Since`]) that match each follow, grouped by follow. Query follows are
//!   answered by a [`QueryMatcher`] ([`LexicalMatcher`] over the engine's
//!   full-text index); topic follows by a [`TopicMembers`] that the topic
//!   model provides ([`StoredTopics`]: those paperdex-discover stored).
//! - [`render`]: Markdown, email-ready HTML or RSS 2.0; [`feed`] renders the
//!   feed of a window for a web server; [`send`] mails a digest over SMTP.
#![deny(missing_docs)]

mod digest;
mod error;
pub mod follows;
mod mail;
mod matching;
mod render;

pub use digest::{
    build, build_for_follows, mark_seen, parse_duration, Digest, DigestGroup, DigestItem, Since,
};
pub use error::DigestError;
pub use follows::Follow;
pub use mail::{message, send, subject, SmtpSecurity, SmtpSettings};
pub use matching::{check_query, LexicalMatcher, QueryMatcher, StoredTopics, TopicMembers};
pub use render::{render, rss, DigestFormat};

use paperdex_search::Engine;

/// The window a feed covers when the caller gives none.
pub const DEFAULT_FEED_WINDOW_DAYS: i64 = 30;

/// The RSS feed of the papers first stored within `window` that match the
/// stored follows, for a web server's feed URL (`feed_link` is the page the
/// channel links to). Unlike a digest, a feed records nothing: readers poll
/// it and tell items apart by guid.
pub fn feed(
    engine: &Engine,
    window: time::Duration,
    feed_link: &str,
) -> Result<String, DigestError> {
    let digest = build_for_follows(
        engine.store().as_ref(),
        &LexicalMatcher::new(engine),
        &StoredTopics(engine.store().as_ref()),
        Since::Window(window),
        time::OffsetDateTime::now_utc(),
    )?;
    Ok(rss(&digest, feed_link))
}
