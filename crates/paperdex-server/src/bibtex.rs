//! A minimal BibTeX entry for a paper, built from its merged fields.
//!
//! Deliberately one small function ([`bibtex_entry`]): the full exporter
//! (`paperdex-export`) replaces it.

use paperdex_model::Paper;

/// `@article` when the paper has a venue, `@misc` (with arXiv eprint fields
/// when known) otherwise. The key is the first author's family name, the
/// year and the title's first long word, ASCII only.
pub fn bibtex_entry(paper: &Paper) -> String {
    let kind = if paper.venue.is_some() {
        "article"
    } else {
        "misc"
    };
    let mut fields: Vec<(&str, String)> = vec![("title", format!("{{{}}}", escape(&paper.title)))];
    if !paper.authors.is_empty() {
        let names: Vec<String> = paper.authors.iter().map(|a| escape(&a.name)).collect();
        fields.push(("author", names.join(" and ")));
    }
    if let Some(venue) = &paper.venue {
        fields.push(("journal", escape(venue)));
    }
    if let Some(year) = paper.year {
        fields.push(("year", year.to_string()));
    }
    if let Some(doi) = &paper.doi {
        fields.push(("doi", escape(doi)));
    }
    if let Some(arxiv) = &paper.arxiv_id {
        fields.push(("eprint", escape(&arxiv.id)));
        fields.push(("archiveprefix", "arXiv".to_string()));
        fields.push(("url", format!("https://arxiv.org/abs/{}", arxiv.id)));
    }
    let mut out = format!("@{kind}{{{},\n", cite_key(paper));
    for (name, value) in fields {
        out.push_str(&format!("  {name} = {{{value}}},\n"));
    }
    out.push_str("}\n");
    out
}

fn cite_key(paper: &Paper) -> String {
    let family = paper
        .authors
        .first()
        .and_then(|a| a.name.split_whitespace().last())
        .unwrap_or("paper");
    let word = paper
        .title
        .split_whitespace()
        .find(|w| w.chars().filter(|c| c.is_alphanumeric()).count() > 3)
        .unwrap_or("");
    let ascii = |s: &str| -> String {
        deunicode::deunicode(s)
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_lowercase()
    };
    let year = paper.year.map(|y| y.to_string()).unwrap_or_default();
    let key = format!("{}{year}{}", ascii(family), ascii(word));
    if key.is_empty() {
        format!("paper{}", paper.id)
    } else {
        key
    }
}

/// Braces are BibTeX's own syntax and must balance; a lone one would end
/// the field. Other TeX specials are escaped so they print as written.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '{' | '}' | '%' | '&' | '$' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '\\' => out.push_str("\\textbackslash{}"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use paperdex_model::{ArxivId, AuthorRef};

    fn paper() -> Paper {
        Paper {
            id: 3,
            title: "Graph Attention Networks".into(),
            authors: vec![
                AuthorRef {
                    id: 1,
                    name: "Petar Veličković".into(),
                },
                AuthorRef {
                    id: 2,
                    name: "Yoshua Bengio".into(),
                },
            ],
            year: Some(2018),
            ..Default::default()
        }
    }

    #[test]
    fn misc_with_eprint_without_venue() {
        let mut p = paper();
        p.arxiv_id = Some(ArxivId {
            id: "1710.10903".into(),
            version: Some(3),
        });
        let bib = bibtex_entry(&p);
        assert!(bib.starts_with("@misc{velickovic2018graph,\n"), "{bib}");
        assert!(bib.contains("  author = {Petar Veličković and Yoshua Bengio},\n"));
        assert!(bib.contains("  eprint = {1710.10903},\n"));
        assert!(bib.ends_with("}\n"));
    }

    #[test]
    fn article_with_venue_and_escaped_specials() {
        let mut p = paper();
        p.venue = Some("ICLR".into());
        p.title = "Nets {that} cost 100% & more_".into();
        let bib = bibtex_entry(&p);
        assert!(bib.starts_with("@article{"));
        assert!(bib.contains("journal = {ICLR}"));
        assert!(
            bib.contains(r"title = {{Nets \{that\} cost 100\% \& more\_}}"),
            "{bib}"
        );
        // Braces balance, so the entry parses.
        let open = bib.matches('{').count() - bib.matches("\\{").count();
        let close = bib.matches('}').count() - bib.matches("\\}").count();
        assert_eq!(open, close);
    }
}
