use paperdex_model::{
    derive_display_title, ArxivId, Format, Link, PersonName, RecordFields, SourceId,
};
use std::collections::BTreeMap;

/// One source of a paper, as input to [`merge_fields`].
#[derive(Debug, Clone, Copy)]
pub struct MergeInput<'a> {
    /// The stored source record's id (higher = ingested later).
    pub source_id: SourceId,
    /// The format it was read as.
    pub format: Format,
    /// What it says.
    pub fields: &'a RecordFields,
}

/// The best value of every field across a paper's sources, and which
/// sources gave each field.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MergedFields {
    /// Title shown.
    pub title: String,
    /// True when no source had a title and it was derived.
    pub title_derived: bool,
    /// Ordered author names from the best author list, then listing owners
    /// not already on it.
    pub authors: Vec<String>,
    /// Abstract.
    pub abstract_text: Option<String>,
    /// Source-given tl;dr.
    pub tldr: Option<String>,
    /// arXiv id with the highest version seen.
    pub arxiv_id: Option<ArxivId>,
    /// DOI.
    pub doi: Option<String>,
    /// Venue.
    pub venue: Option<String>,
    /// Year.
    pub year: Option<i32>,
    /// Date.
    pub date: Option<String>,
    /// Categories (union, in source order).
    pub categories: Vec<String>,
    /// Comments.
    pub comments: Option<String>,
    /// Links (union).
    pub links: Vec<Link>,
    /// Highest citation count.
    pub citation_count: Option<i64>,
    /// Highest upvotes.
    pub upvotes: Option<i64>,
    /// Per field: the chosen source first, then the others with a value.
    pub field_sources: BTreeMap<String, Vec<SourceId>>,
}

/// Chooses the best value per field. Sources are ranked by how trustworthy
/// their format is, then by arXiv version (newer wins), then by recency.
/// Abstracts additionally lose rank for `?` where characters were lost.
pub fn merge_fields(inputs: &[MergeInput<'_>]) -> MergedFields {
    let mut ranked: Vec<&MergeInput<'_>> = inputs.iter().collect();
    ranked.sort_by_key(|i| {
        std::cmp::Reverse((
            i.format.trust(),
            i.fields
                .arxiv_id
                .as_ref()
                .and_then(|a| a.version)
                .unwrap_or(0),
            i.source_id,
        ))
    });
    let mut out = MergedFields::default();
    let sources = &mut out.field_sources;

    let title = pick(&ranked, sources, "title", |f| {
        f.title.clone().filter(|t| !t.trim().is_empty())
    });
    out.abstract_text = {
        let mut by_quality = ranked.clone();
        by_quality.sort_by_key(|i| {
            let text = i.fields.abstract_text.as_deref().unwrap_or("");
            std::cmp::Reverse((
                i.format.trust() as i64 * 4 - lost_characters(text).min(4) as i64,
                text.len(),
            ))
        });
        pick(&by_quality, sources, "abstract", |f| {
            f.abstract_text.clone().filter(|t| !t.trim().is_empty())
        })
    };
    out.tldr = pick(&ranked, sources, "tldr", |f| f.tldr.clone());
    out.doi = pick(&ranked, sources, "doi", |f| f.doi.clone());
    out.venue = pick(&ranked, sources, "venue", |f| f.venue.clone());
    out.year = pick(&ranked, sources, "year", |f| f.year);
    out.date = pick(&ranked, sources, "date", |f| f.date.clone());
    out.comments = pick(&ranked, sources, "comments", |f| f.comments.clone());
    out.citation_count = max_of(&ranked, sources, "citation_count", |f| f.citation_count);
    out.upvotes = max_of(&ranked, sources, "upvotes", |f| f.upvotes);
    out.arxiv_id = {
        let mut by_version = ranked.clone();
        by_version.sort_by_key(|i| {
            std::cmp::Reverse(i.fields.arxiv_id.as_ref().map(|a| a.version.unwrap_or(0)))
        });
        pick(&by_version, sources, "arxiv_id", |f| f.arxiv_id.clone())
    };
    if out.year.is_none() {
        out.year = out.date.as_deref().and_then(|d| d.get(..4)?.parse().ok());
    }
    if out.year.is_none() {
        // New-style arXiv ids start with the submission's YYMM.
        out.year = out.arxiv_id.as_ref().and_then(|a| {
            let yy: i32 = a.id.get(..2)?.parse().ok()?;
            (a.id.as_bytes().get(4) == Some(&b'.')).then_some(2000 + yy)
        });
    }

    match title {
        Some(t) => out.title = t,
        None => {
            out.title = derive_display_title(out.tldr.as_deref(), out.abstract_text.as_deref())
                .unwrap_or_else(|| "(untitled)".to_string());
            out.title_derived = true;
        }
    }

    // The longest author list among the most trusted sources gives the order.
    let best_authors = ranked
        .iter()
        .filter(|i| !i.fields.authors.is_empty())
        .max_by_key(|i| (i.format.trust(), i.fields.authors.len(), i.source_id));
    if let Some(best) = best_authors {
        out.authors = best.fields.authors.clone();
        let others = ranked
            .iter()
            .filter(|i| !i.fields.authors.is_empty() && i.source_id != best.source_id)
            .map(|i| i.source_id);
        sources.insert(
            "authors".into(),
            std::iter::once(best.source_id).chain(others).collect(),
        );
    }
    for input in &ranked {
        let Some(owner) = input.fields.listing_author.as_deref() else {
            continue;
        };
        let Some(owner_name) = PersonName::parse(owner) else {
            continue;
        };
        let listed = out
            .authors
            .iter()
            .filter_map(|a| PersonName::parse(a))
            .any(|a| a.key() == owner_name.key() || a.could_be(&owner_name));
        if !listed {
            out.authors.push(owner_name.display());
        }
        sources
            .entry("authors".into())
            .or_default()
            .push(input.source_id);
    }

    for input in &ranked {
        for c in &input.fields.categories {
            if !out.categories.contains(c) {
                out.categories.push(c.clone());
            }
        }
        for l in &input.fields.links {
            if !out.links.iter().any(|x| x.url == l.url) {
                out.links.push(l.clone());
            }
        }
    }
    out
}

/// Counts `?` standing inside a word: a character the copy could not encode.
fn lost_characters(text: &str) -> usize {
    let b = text.as_bytes();
    (1..b.len().saturating_sub(1))
        .filter(|&i| {
            b[i] == b'?' && b[i - 1].is_ascii_alphabetic() && b[i + 1].is_ascii_alphabetic()
        })
        .count()
}

fn pick<T: Clone + PartialEq>(
    ranked: &[&MergeInput<'_>],
    sources: &mut BTreeMap<String, Vec<SourceId>>,
    field: &str,
    get: impl Fn(&RecordFields) -> Option<T>,
) -> Option<T> {
    let mut chosen = None;
    let mut ids = Vec::new();
    for input in ranked {
        if let Some(v) = get(input.fields) {
            ids.push(input.source_id);
            if chosen.is_none() {
                chosen = Some(v);
            }
        }
    }
    if !ids.is_empty() {
        sources.insert(field.to_string(), ids);
    }
    chosen
}

fn max_of(
    ranked: &[&MergeInput<'_>],
    sources: &mut BTreeMap<String, Vec<SourceId>>,
    field: &str,
    get: impl Fn(&RecordFields) -> Option<i64>,
) -> Option<i64> {
    let mut with_value: Vec<(i64, SourceId)> = ranked
        .iter()
        .filter_map(|i| get(i.fields).map(|v| (v, i.source_id)))
        .collect();
    with_value.sort_by_key(|&(v, _)| std::cmp::Reverse(v));
    let best = with_value.first().map(|&(v, _)| v);
    if !with_value.is_empty() {
        sources.insert(
            field.to_string(),
            with_value.into_iter().map(|(_, s)| s).collect(),
        );
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(title: Option<&str>, abs: &str) -> RecordFields {
        RecordFields {
            title: title.map(str::to_string),
            abstract_text: Some(abs.to_string()),
            ..Default::default()
        }
    }

    #[test]
    fn trusted_sources_win_and_others_are_kept() {
        let listing = fields(None, "Short abstract with a Schr?dinger character lost.");
        let mut atom = fields(
            Some("Light Schrödinger Bridge"),
            "Short abstract with a Schrödinger character.",
        );
        atom.arxiv_id = ArxivId::parse("2310.01174v2");
        let merged = merge_fields(&[
            MergeInput {
                source_id: 1,
                format: Format::ArxivListing,
                fields: &listing,
            },
            MergeInput {
                source_id: 2,
                format: Format::ArxivAtom,
                fields: &atom,
            },
        ]);
        assert_eq!(merged.title, "Light Schrödinger Bridge");
        assert!(!merged.title_derived);
        assert!(merged.abstract_text.unwrap().contains("Schrödinger"));
        assert_eq!(merged.field_sources["abstract"], vec![2, 1]);
        assert_eq!(merged.arxiv_id.unwrap().version, Some(2));
    }

    #[test]
    fn missing_titles_are_derived_from_the_tldr() {
        let mut f = fields(None, "A long abstract. With sentences.");
        f.tldr = Some("We study extrapolation.".into());
        let merged = merge_fields(&[MergeInput {
            source_id: 1,
            format: Format::ConferenceList,
            fields: &f,
        }]);
        assert_eq!(merged.title, "We study extrapolation");
        assert!(merged.title_derived);
    }

    #[test]
    fn listing_owner_is_added_once() {
        let mut profile = fields(Some("MIM"), "x");
        profile.listing_author = Some("Swersky, Kevin".into());
        let mut bib = fields(Some("MIM"), "x");
        bib.authors = vec!["Micha Livne".into(), "Kevin Swersky".into()];
        let merged = merge_fields(&[
            MergeInput {
                source_id: 1,
                format: Format::ProfilePage,
                fields: &profile,
            },
            MergeInput {
                source_id: 2,
                format: Format::Bibtex,
                fields: &bib,
            },
        ]);
        assert_eq!(merged.authors, vec!["Micha Livne", "Kevin Swersky"]);
        let only_profile = merge_fields(&[MergeInput {
            source_id: 1,
            format: Format::ProfilePage,
            fields: &profile,
        }]);
        assert_eq!(only_profile.authors, vec!["Kevin Swersky"]);
    }
}
