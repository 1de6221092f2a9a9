//! CSL-JSON (the Citation Style Language's input data), as read by
//! citeproc processors, Zotero and pandoc. Items follow the schema
//! `csl-data.json`; the item `id` is the paper's BibTeX key, so the two
//! exports cite alike.

use crate::bibtex::BibKeys;
use crate::citation::{self, Kind};
use paperdex_model::Paper;
use serde_json::{json, Map, Value};
use std::io::Write;

/// One paper as a CSL-JSON item.
pub fn item(paper: &Paper, keys: &BibKeys) -> Value {
    let mut m = Map::new();
    let kind = citation::kind(paper);
    let csl_type = match kind {
        Kind::Journal => "article-journal",
        Kind::Conference => "paper-conference",
        // CSL 1.0.2 files preprints under "article".
        Kind::Preprint | Kind::Unknown => "article",
    };
    m.insert("id".into(), json!(keys.key(paper)));
    m.insert("type".into(), json!(csl_type));
    m.insert("title".into(), json!(paper.title));
    let authors: Vec<Value> = citation::names(paper)
        .into_iter()
        .map(|n| {
            if n.given.is_empty() {
                json!({ "literal": n.family })
            } else {
                json!({ "family": n.family, "given": n.given })
            }
        })
        .collect();
    if !authors.is_empty() {
        m.insert("author".into(), Value::Array(authors));
    }
    let parts = citation::date_parts(paper);
    if !parts.is_empty() {
        m.insert("issued".into(), json!({ "date-parts": [parts] }));
    }
    if let Some(v) = citation::venue(paper) {
        m.insert("container-title".into(), json!(v));
    }
    if let Some(doi) = &paper.doi {
        m.insert("DOI".into(), json!(doi));
    }
    if let Some(url) = paper.link() {
        m.insert("URL".into(), json!(url));
    }
    if let Some(a) = &paper.arxiv_id {
        m.insert("number".into(), json!(format!("arXiv:{}", a.id)));
        if kind == Kind::Preprint {
            m.insert("publisher".into(), json!("arXiv"));
        }
    }
    if let Some(a) = &paper.abstract_text {
        m.insert("abstract".into(), json!(paperdex_model::one_line(a)));
    }
    if !paper.categories.is_empty() {
        m.insert("categories".into(), json!(paper.categories));
    }
    Value::Object(m)
}

/// Writes `papers` as one CSL-JSON array.
pub fn write(papers: &[Paper], keys: &BibKeys, out: &mut dyn Write) -> std::io::Result<()> {
    let items: Vec<Value> = papers.iter().map(|p| item(p, keys)).collect();
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use paperdex_model::{ArxivId, AuthorRef};

    #[test]
    fn a_preprint_is_an_article_with_its_arxiv_number() {
        let p = Paper {
            id: 4,
            title: "Mutual Information".into(),
            authors: vec![
                AuthorRef {
                    id: 1,
                    name: "Kevin Swersky".into(),
                },
                AuthorRef {
                    id: 2,
                    name: "Plato".into(),
                },
            ],
            arxiv_id: ArxivId::parse("1910.03175v1"),
            year: Some(2019),
            date: Some("2019-10-07".into()),
            ..Default::default()
        };
        let v = item(&p, &BibKeys::assign([&p]));
        assert_eq!(v["type"], "article");
        assert_eq!(v["id"], "swersky2019mutual");
        assert_eq!(v["author"][0]["family"], "Swersky");
        assert_eq!(v["author"][1]["literal"], "Plato");
        assert_eq!(v["issued"]["date-parts"], json!([[2019, 10, 7]]));
        assert_eq!(v["number"], "arXiv:1910.03175");
        assert_eq!(v["URL"], "https://arxiv.org/abs/1910.03175");
    }
}
