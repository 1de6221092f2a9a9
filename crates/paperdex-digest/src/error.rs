use paperdex_store::AuthorSummary;

/// What can go wrong following and digesting.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DigestError {
    /// The store failed.
    #[error(transparent)]
    Store(#[from] paperdex_store::StoreError),
    /// The search engine failed.
    #[error(transparent)]
    Search(#[from] paperdex_search::SearchError),
    /// No author matches the name given to `follow author`.
    #[error("no author in the library matches '{0}'")]
    NoSuchAuthor(String),
    /// Several authors match the name given to `follow author`.
    #[error("'{name}' matches {} authors: {}; follow one by its id (e.g. `follow author {}`)", .candidates.len(), list(.candidates), .candidates[0].id)]
    AmbiguousAuthor {
        /// The name given.
        name: String,
        /// Who it could be, most papers first.
        candidates: Vec<AuthorSummary>,
    },
    /// A follow query that does not parse or says nothing.
    #[error("bad follow query: {0}")]
    BadQuery(String),
    /// Topics are not available (no topic model wired in), or no such topic.
    #[error("{0}")]
    Topic(String),
    /// A follow that is not stored.
    #[error("not following {0}")]
    NotFollowing(String),
    /// A stored item that does not parse (written by another version).
    #[error("stored {what} '{key}' is unreadable: {message}")]
    Corrupt {
        /// What kind of item.
        what: &'static str,
        /// Its key.
        key: String,
        /// Why.
        message: String,
    },
    /// A `--since` value that is not a duration.
    #[error("'{0}' is not a duration (expected e.g. 7d, 36h, 2w or 90m)")]
    BadDuration(String),
    /// Rendering a template failed.
    #[error("cannot render the digest: {0}")]
    Render(String),
    /// Mail settings or addresses are wrong.
    #[error("mail settings: {0}")]
    MailSettings(String),
    /// The SMTP server refused or could not be reached.
    #[error("cannot send the digest via {server}: {message}")]
    Send {
        /// host:port.
        server: String,
        /// Why.
        message: String,
    },
}

fn list(candidates: &[AuthorSummary]) -> String {
    candidates
        .iter()
        .take(8)
        .map(|a| format!("{} (#{}, {} papers)", a.name, a.id, a.papers))
        .collect::<Vec<_>>()
        .join(", ")
}
