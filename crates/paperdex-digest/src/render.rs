//! A digest as Markdown, email-ready HTML (inline CSS, table layout) and
//! RSS 2.0. Markdown and HTML come from minijinja templates in
//! `src/templates/` (HTML auto-escaped); RSS from the `rss` crate.

use crate::digest::{Digest, DigestItem};
use crate::DigestError;
use minijinja::{context, Environment};
use std::collections::BTreeMap;
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::OffsetDateTime;

/// An output format of `paperdex digest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestFormat {
    /// Markdown (also the plain-text part of mails).
    Markdown,
    /// One HTML page, ready to mail.
    Html,
    /// An RSS 2.0 feed.
    Rss,
}

impl std::str::FromStr for DigestFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "md" | "markdown" => Ok(DigestFormat::Markdown),
            "html" => Ok(DigestFormat::Html),
            "rss" => Ok(DigestFormat::Rss),
            _ => Err(format!(
                "unknown digest format '{s}' (expected md, html or rss)"
            )),
        }
    }
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    // Names ending in .html are auto-escaped; Markdown is not.
    env.add_template("digest.md", include_str!("templates/digest.md"))
        .expect("digest.md parses");
    env.add_template("digest.html", include_str!("templates/digest.html"))
        .expect("digest.html parses");
    env
}

fn render_template(name: &str, digest: &Digest) -> Result<String, DigestError> {
    let env = environment();
    let template = env
        .get_template(name)
        .map_err(|e| DigestError::Render(e.to_string()))?;
    template
        .render(context! { digest => digest })
        .map_err(|e| DigestError::Render(e.to_string()))
}

/// Renders in `format`; `feed_link` is the RSS channel's link.
pub fn render(
    digest: &Digest,
    format: DigestFormat,
    feed_link: &str,
) -> Result<String, DigestError> {
    match format {
        DigestFormat::Markdown => render_template("digest.md", digest),
        DigestFormat::Html => render_template("digest.html", digest),
        DigestFormat::Rss => Ok(rss(digest, feed_link)),
    }
}

/// The digest as an RSS 2.0 channel: one item per paper (a paper matching
/// several follows is one item with a category per follow), newest first.
pub fn rss(digest: &Digest, feed_link: &str) -> String {
    // Paper id → (item, follow labels), in first-seen order.
    let mut papers: BTreeMap<i64, (&DigestItem, Vec<&str>)> = BTreeMap::new();
    for group in &digest.groups {
        for item in &group.items {
            papers
                .entry(item.id)
                .or_insert_with(|| (item, Vec::new()))
                .1
                .push(&group.label);
        }
    }
    let mut entries: Vec<(&DigestItem, Vec<&str>)> = papers.into_values().collect();
    entries.sort_by(|a, b| {
        b.0.first_seen
            .cmp(&a.0.first_seen)
            .then(b.0.id.cmp(&a.0.id))
    });
    let items: Vec<rss::Item> = entries
        .into_iter()
        .map(|(item, labels)| {
            let mut description = String::new();
            if !item.authors.is_empty() {
                description.push_str(&item.authors);
                description.push_str(". ");
            }
            if let Some(v) = &item.venue {
                description.push_str(v);
                description.push_str(". ");
            }
            if !item.summary.is_empty() {
                description.push_str(&format!("{}: {}", item.summary_kind, item.summary));
            }
            let guid = match &item.link {
                Some(link) => rss::GuidBuilder::default()
                    .value(link.clone())
                    .permalink(true)
                    .build(),
                None => rss::GuidBuilder::default()
                    .value(format!("paperdex:paper:{}", item.id))
                    .permalink(false)
                    .build(),
            };
            rss::ItemBuilder::default()
                .title(Some(item.title.clone()))
                .link(item.link.clone())
                .description(Some(description))
                .guid(Some(guid))
                .pub_date(rfc2822(&item.first_seen))
                .categories(
                    labels
                        .into_iter()
                        .map(|l| rss::CategoryBuilder::default().name(l.to_string()).build())
                        .collect::<Vec<_>>(),
                )
                .build()
        })
        .collect();
    let channel = rss::ChannelBuilder::default()
        .title("paperdex digest")
        .link(feed_link.to_string())
        .description(format!("New papers for your follows, {}.", digest.period))
        .generator(Some("paperdex".to_string()))
        .last_build_date(rfc2822(&digest.generated_at))
        .items(items)
        .build();
    channel.to_string()
}

fn rfc2822(rfc3339: &str) -> Option<String> {
    OffsetDateTime::parse(rfc3339, &Rfc3339)
        .ok()
        .and_then(|t| t.format(&Rfc2822).ok())
}
