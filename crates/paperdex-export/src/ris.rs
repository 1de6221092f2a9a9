//! RIS, the tagged format reference managers (EndNote, Zotero, Mendeley)
//! import: a `TY` line, one `AU` line per author, then `TI`, `T2`/`JO`, `PY`,
//! `DA`, `DO`, `UR`, `AB`, `KW`, and `ER` closing each record.
//!
//! Written by hand: a line-per-tag format needs no library, and the RIS
//! crates on crates.io read RIS rather than write it.

use crate::bibtex::BibKeys;
use crate::citation::{self, Kind};
use paperdex_model::Paper;
use std::io::Write;

/// Writes `papers` as RIS records.
pub fn write(papers: &[Paper], keys: &BibKeys, out: &mut dyn Write) -> std::io::Result<()> {
    for paper in papers {
        write_record(paper, keys, out)?;
    }
    Ok(())
}

fn write_record(paper: &Paper, keys: &BibKeys, out: &mut dyn Write) -> std::io::Result<()> {
    // A tag's value must stay on its line.
    let mut tag = |name: &str, value: &str| -> std::io::Result<()> {
        let value = paperdex_model::one_line(value);
        if value.is_empty() {
            return Ok(());
        }
        writeln!(out, "{name}  - {value}")
    };
    let kind = citation::kind(paper);
    tag(
        "TY",
        match kind {
            Kind::Journal => "JOUR",
            Kind::Conference => "CONF",
            Kind::Preprint => "UNPB",
            Kind::Unknown => "GEN",
        },
    )?;
    tag("ID", &keys.key(paper))?;
    for n in citation::names(paper) {
        if n.given.is_empty() {
            tag("AU", &n.family)?;
        } else {
            tag("AU", &format!("{}, {}", n.family, n.given))?;
        }
    }
    tag("TI", &paper.title)?;
    if let Some(v) = citation::venue(paper) {
        tag(if kind == Kind::Journal { "JO" } else { "T2" }, v)?;
    }
    if let Some(y) = paper.year {
        tag("PY", &y.to_string())?;
    }
    let parts = citation::date_parts(paper);
    if parts.len() > 1 {
        let mut da: Vec<String> = parts.iter().map(|p| format!("{p:02}")).collect();
        while da.len() < 3 {
            da.push(String::new());
        }
        tag("DA", &format!("{}/", da.join("/")))?;
    }
    if let Some(d) = &paper.doi {
        tag("DO", d)?;
    }
    if let Some(url) = paper.link() {
        tag("UR", &url)?;
    }
    if let Some(a) = &paper.arxiv_id {
        tag("M1", &format!("arXiv:{}", a.id))?;
    }
    if let Some(a) = &paper.abstract_text {
        tag("AB", a)?;
    }
    for c in &paper.categories {
        tag("KW", c)?;
    }
    writeln!(out, "ER  - ")?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use paperdex_model::AuthorRef;

    #[test]
    fn a_record_has_one_line_per_tag_and_ends_with_er() {
        let p = Paper {
            id: 1,
            title: "A title\nover two lines".into(),
            authors: vec![
                AuthorRef {
                    id: 1,
                    name: "Ada Lovelace".into(),
                },
                AuthorRef {
                    id: 2,
                    name: "Charles Babbage".into(),
                },
            ],
            venue: Some("NeurIPS 2020".into()),
            year: Some(2020),
            date: Some("2020-12".into()),
            doi: Some("10.1/x".into()),
            ..Default::default()
        };
        let mut out = Vec::new();
        write(&[p], &BibKeys::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "TY  - CONF");
        assert!(lines.contains(&"AU  - Lovelace, Ada"));
        assert!(lines.contains(&"AU  - Babbage, Charles"));
        assert!(lines.contains(&"TI  - A title over two lines"));
        assert!(lines.contains(&"T2  - NeurIPS 2020"));
        assert!(lines.contains(&"DA  - 2020/12//"));
        assert!(lines.contains(&"UR  - https://doi.org/10.1/x"));
        assert_eq!(lines[lines.len() - 2], "ER  - ");
        assert_eq!(lines[lines.len() - 1], "");
    }
}
