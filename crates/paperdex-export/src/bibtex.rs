//! BibTeX: citation keys that stay put, and values escaped for LaTeX.
//!
//! Written by hand: the BibTeX crates on crates.io parse BibTeX; none writes
//! it with the escaping and key scheme a library export needs.

use crate::citation::{self, Kind};
use paperdex_model::{fold_ascii, Paper, PaperId, PersonName};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;

/// Title words that make poor keys.
const STOPWORDS: [&str; 18] = [
    "a", "an", "the", "on", "of", "in", "for", "to", "and", "with", "by", "from", "at", "is",
    "are", "towards", "toward", "via",
];

/// Citation keys for the papers of a library.
///
/// A key is the first author's family name, the year and the first
/// significant title word (`swersky2019mutual`), folded to ASCII. Papers
/// that would share a key are told apart by paper id: the oldest keeps the
/// plain key and the others get `-b`, `-c`, ... in id order (`-ID` past `z`). Paper ids only
/// grow, so a paper's key never changes as the library grows — as long as
/// keys are assigned over the whole library, not over one export's subset.
#[derive(Debug, Clone, Default)]
pub struct BibKeys {
    keys: HashMap<PaperId, String>,
}

impl BibKeys {
    /// Assigns keys to every paper given (the whole library, for stability).
    pub fn assign<'a>(papers: impl IntoIterator<Item = &'a Paper>) -> BibKeys {
        let mut by_base: BTreeMap<String, Vec<PaperId>> = BTreeMap::new();
        for p in papers {
            by_base.entry(base_key(p)).or_default().push(p.id);
        }
        let mut keys = HashMap::new();
        for (base, mut ids) in by_base {
            ids.sort_unstable();
            ids.dedup();
            for (i, id) in ids.into_iter().enumerate() {
                // Bases are letters and digits only, so a suffix after '-'
                // can never equal another paper's base, now or later.
                let key = match i {
                    0 => base.clone(),
                    1..=25 => format!("{base}-{}", (b'a' + i as u8) as char),
                    _ => format!("{base}-{id}"),
                };
                keys.insert(id, key);
            }
        }
        BibKeys { keys }
    }

    /// The key of a paper; papers not assigned get their base key plus id.
    pub fn key(&self, paper: &Paper) -> String {
        self.keys
            .get(&paper.id)
            .cloned()
            .unwrap_or_else(|| format!("{}-{}", base_key(paper), paper.id))
    }
}

/// `family` + `year` + `word`, lower-case ASCII letters and digits.
pub fn base_key(paper: &Paper) -> String {
    let family = paper
        .authors
        .first()
        .and_then(|a| PersonName::parse(&a.name))
        .map(|n| alnum(&n.family_key()))
        .filter(|f| !f.is_empty())
        .unwrap_or_else(|| "anon".to_string());
    let year = paper
        .year
        .map(|y| y.to_string())
        .unwrap_or_else(|| "nd".into());
    let folded = fold_ascii(&paper.title).to_lowercase();
    let word = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| w.len() > 1 && !STOPWORDS.contains(w))
        .unwrap_or("");
    format!("{family}{year}{word}")
}

fn alnum(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric()).collect()
}

/// Escapes text for a BibTeX value: LaTeX's special characters become
/// commands, so `50% of {x}` prints as written. Non-ASCII stays UTF-8
/// (biber and modern BibTeX read it).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '$' | '&' | '%' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            // `\^{}` and `\~{}` are accents on nothing; these print the
            // characters themselves.
            '^' => out.push_str("\\textasciicircum{}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '\n' | '\r' | '\t' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// URLs and DOIs are read verbatim by the `url` and `doi` fields; only the
/// characters that would break the entry itself are percent-encoded.
fn verbatim(text: &str) -> String {
    text.replace('%', "%25")
        .replace('{', "%7B")
        .replace('}', "%7D")
        .replace(char::is_whitespace, "")
}

/// "Family, Given and Family, Given". A name part containing the word
/// `and` is braced so BibTeX does not split it.
fn authors(paper: &Paper) -> String {
    let brace = |s: String| {
        if s.split_whitespace().any(|w| w.eq_ignore_ascii_case("and")) {
            format!("{{{s}}}")
        } else {
            s
        }
    };
    citation::names(paper)
        .into_iter()
        .map(|n| {
            let family = brace(escape(&n.family));
            if n.given.is_empty() {
                family
            } else {
                format!("{family}, {}", brace(escape(&n.given)))
            }
        })
        .collect::<Vec<_>>()
        .join(" and ")
}

/// Writes `papers` as BibTeX entries.
pub fn write(papers: &[Paper], keys: &BibKeys, out: &mut dyn Write) -> std::io::Result<()> {
    for (i, paper) in papers.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_entry(paper, &keys.key(paper), out)?;
    }
    Ok(())
}

fn write_entry(paper: &Paper, key: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let kind = citation::kind(paper);
    let entry_type = match kind {
        Kind::Journal => "article",
        Kind::Conference => "inproceedings",
        Kind::Preprint | Kind::Unknown => "misc",
    };
    let mut fields: Vec<(&str, String)> = Vec::new();
    // Double braces keep the title's capitals ("BERT") as written.
    fields.push(("title", format!("{{{}}}", escape(&paper.title))));
    let authors = authors(paper);
    if !authors.is_empty() {
        fields.push(("author", authors));
    }
    if let Some(venue) = citation::venue(paper) {
        let field = if kind == Kind::Journal {
            "journal"
        } else {
            "booktitle"
        };
        fields.push((field, escape(venue)));
    }
    if let Some(y) = paper.year {
        fields.push(("year", y.to_string()));
    }
    if let Some(doi) = &paper.doi {
        fields.push(("doi", verbatim(doi)));
    }
    if let Some(a) = &paper.arxiv_id {
        fields.push(("eprint", verbatim(&a.id)));
        fields.push(("archiveprefix", "arXiv".into()));
        if let Some(c) = paper.categories.first() {
            fields.push(("primaryclass", escape(c)));
        }
    }
    if let Some(url) = paper.link() {
        fields.push(("url", verbatim(&url)));
    }
    if let Some(a) = &paper.abstract_text {
        fields.push(("abstract", escape(&paperdex_model::one_line(a))));
    }
    writeln!(out, "@{entry_type}{{{key},")?;
    for (name, value) in fields {
        writeln!(out, "  {name} = {{{value}}},")?;
    }
    writeln!(out, "}}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use paperdex_model::AuthorRef;

    fn paper(id: i64, author: &str, year: i32, title: &str) -> Paper {
        Paper {
            id,
            title: title.into(),
            authors: vec![AuthorRef {
                id: 1,
                name: author.into(),
            }],
            year: Some(year),
            ..Default::default()
        }
    }

    #[test]
    fn keys_are_family_year_word_and_collisions_go_by_id() {
        let a = paper(7, "Kevin Swersky", 2019, "The Mutual Information Machine");
        let b = paper(3, "Kevin Swersky", 2019, "Mutual information, again");
        let c = paper(9, "Jürgen Schmidhuber", 2020, "On Über-Learning");
        let keys = BibKeys::assign([&a, &b, &c]);
        assert_eq!(keys.key(&b), "swersky2019mutual");
        assert_eq!(keys.key(&a), "swersky2019mutual-b");
        assert_eq!(keys.key(&c), "schmidhuber2020uber");
        // A newer paper with the same base never takes an older one's key.
        let d = paper(12, "K. Swersky", 2019, "Mutual funds");
        let grown = BibKeys::assign([&a, &b, &c, &d]);
        assert_eq!(grown.key(&a), keys.key(&a));
        assert_eq!(grown.key(&b), keys.key(&b));
        assert_eq!(grown.key(&d), "swersky2019mutual-c");
    }

    #[test]
    fn a_lettered_key_never_takes_another_papers_base() {
        let a = paper(1, "X", 2019, "Mutual");
        let b = paper(2, "X", 2019, "Mutual");
        let c = paper(3, "X", 2019, "Mutualb");
        let keys = BibKeys::assign([&a, &b, &c]);
        let all: std::collections::HashSet<String> =
            [&a, &b, &c].iter().map(|p| keys.key(p)).collect();
        assert_eq!(all.len(), 3, "{all:?}");
        assert_eq!(keys.key(&b), "x2019mutual-b");
        assert_eq!(keys.key(&c), "x2019mutualb");
    }

    #[test]
    fn latex_specials_are_escaped() {
        assert_eq!(
            escape(r"50% of {x} & $y_1^2$ #3 ~ \o"),
            r"50\% of \{x\} \& \$y\_1\textasciicircum{}2\$ \#3 \textasciitilde{} \textbackslash{}o"
        );
    }

    #[test]
    fn entries_name_their_type_and_fields() {
        let mut p = paper(
            1,
            "Laurens van der Maaten",
            2008,
            "Visualizing Data using t-SNE",
        );
        p.venue = Some("Journal of Machine Learning Research".into());
        p.authors.push(AuthorRef {
            id: 2,
            name: "Geoffrey Hinton".into(),
        });
        let mut out = Vec::new();
        write(&[p], &BibKeys::default(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("@article{vandermaaten2008visualizing-1,"),
            "{text}"
        );
        assert!(text.contains("author = {van der Maaten, Laurens and Hinton, Geoffrey},"));
        assert!(text.contains("journal = {Journal of Machine Learning Research},"));
    }
}
