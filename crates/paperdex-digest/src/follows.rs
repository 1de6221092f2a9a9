//! Follows: what the user wants to hear about, stored as user items of
//! kind `follow` (key `author:ID`, `query:TEXT` or `topic:ID`, value the
//! follow as JSON).

use crate::DigestError;
use paperdex_store::{AuthorSummary, Store};
use serde::{Deserialize, Serialize};

/// The user-item kind follows are stored under.
pub const FOLLOW_KIND: &str = "follow";

/// One follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Follow {
    /// Papers by an author of the library.
    Author {
        /// The author's id.
        id: i64,
        /// The author's name when followed.
        name: String,
    },
    /// Papers matching a query in the search language.
    Query {
        /// The query as given (whitespace collapsed).
        query: String,
    },
    /// Papers of a topic.
    Topic {
        /// The topic's id.
        id: u32,
        /// The topic's label when followed.
        label: String,
    },
}

impl Follow {
    /// The store key: one follow per author, query or topic.
    pub fn key(&self) -> String {
        match self {
            Follow::Author { id, .. } => format!("author:{id}"),
            Follow::Query { query } => format!("query:{query}"),
            Follow::Topic { id, .. } => format!("topic:{id}"),
        }
    }

    /// How the follow is shown: `author Kevin Swersky`, `query "..."`.
    pub fn label(&self) -> String {
        match self {
            Follow::Author { name, .. } => format!("author {name}"),
            Follow::Query { query } => format!("query \"{query}\""),
            Follow::Topic { id, label } if label.is_empty() => format!("topic {id}"),
            Follow::Topic { id, label } => format!("topic {id}: {label}"),
        }
    }
}

/// Collapses a query's whitespace so the same query is one follow.
pub fn normalize_query(query: &str) -> String {
    paperdex_model::one_line(query)
}

/// The one author `name` (or `#id` / id) names.
pub fn resolve_author(store: &dyn Store, name: &str) -> Result<AuthorSummary, DigestError> {
    let trimmed = name.trim().trim_start_matches('#');
    if let Ok(id) = trimmed.parse::<i64>() {
        if let Some(a) = store.author(id)? {
            return Ok(AuthorSummary {
                id,
                name: a.name,
                papers: a.papers.len() as u64,
            });
        }
    }
    let mut found = store.find_authors(name)?;
    match found.len() {
        0 => Err(DigestError::NoSuchAuthor(name.to_string())),
        1 => Ok(found.remove(0)),
        _ => Err(DigestError::AmbiguousAuthor {
            name: name.to_string(),
            candidates: found,
        }),
    }
}

/// Stores a follow; false when it was already followed.
pub fn add(store: &dyn Store, follow: &Follow) -> Result<bool, DigestError> {
    let key = follow.key();
    let existed = store
        .user_items(FOLLOW_KIND)?
        .iter()
        .any(|item| item.key == key);
    let value = serde_json::to_string(follow).map_err(|e| DigestError::Corrupt {
        what: "follow",
        key: key.clone(),
        message: e.to_string(),
    })?;
    store.put_user_item(FOLLOW_KIND, &key, &value)?;
    Ok(!existed)
}

/// Removes a follow.
pub fn remove(store: &dyn Store, follow: &Follow) -> Result<(), DigestError> {
    if store.delete_user_item(FOLLOW_KIND, &follow.key())? {
        Ok(())
    } else {
        Err(DigestError::NotFollowing(follow.label()))
    }
}

/// Every follow, oldest first.
pub fn list(store: &dyn Store) -> Result<Vec<Follow>, DigestError> {
    store
        .user_items(FOLLOW_KIND)?
        .into_iter()
        .map(|item| {
            serde_json::from_str(&item.value).map_err(|e| DigestError::Corrupt {
                what: "follow",
                key: item.key.clone(),
                message: e.to_string(),
            })
        })
        .collect()
}
