use crate::text::fold_ascii;
use serde::{Deserialize, Serialize};

/// A person's name split into given and family parts.
///
/// Listings write names as "Kevin Swersky", "Swersky, Kevin", "K. Swersky" or
/// in LaTeX ("Sch{\"o}lkopf"); all of these parse to the same [`key`](Self::key)
/// or, for initials, to a key that [`could_be`](Self::could_be) the full name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonName {
    /// Given names as written, e.g. "Kevin" or "J. Zico".
    pub given: String,
    /// Family name as written, e.g. "Swersky" or "van der Maaten".
    pub family: String,
}

const PARTICLES: &[&str] = &[
    "van", "von", "der", "den", "de", "del", "della", "di", "da", "la", "le", "du", "dos", "das",
    "ten", "ter", "bin", "al",
];

impl PersonName {
    /// Parses a display name. Returns `None` for an empty name.
    pub fn parse(raw: &str) -> Option<PersonName> {
        let cleaned: String = raw
            .chars()
            .filter(|c| !matches!(c, '{' | '}' | '*' | '†' | '‡'))
            .collect();
        let cleaned = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
        let cleaned = cleaned.trim_matches(|c: char| c == ',' || c == ';' || c.is_whitespace());
        if cleaned.is_empty() {
            return None;
        }
        if let Some((family, given)) = cleaned.split_once(',') {
            let (family, given) = (family.trim(), given.trim());
            if !family.is_empty() && !given.is_empty() {
                return Some(PersonName {
                    given: given.to_string(),
                    family: family.to_string(),
                });
            }
        }
        let words: Vec<&str> = cleaned.split(' ').collect();
        if words.len() == 1 {
            return Some(PersonName {
                given: String::new(),
                family: words[0].to_string(),
            });
        }
        // The family name starts at the last word, or earlier where lower-case
        // particles ("van der Maaten") precede it.
        let mut start = words.len() - 1;
        while start > 1 && PARTICLES.contains(&words[start - 1].to_lowercase().as_str()) {
            start -= 1;
        }
        Some(PersonName {
            given: words[..start].join(" "),
            family: words[start..].join(" "),
        })
    }

    /// "Given Family", the form shown to users.
    pub fn display(&self) -> String {
        if self.given.is_empty() {
            self.family.clone()
        } else {
            format!("{} {}", self.given, self.family)
        }
    }

    /// The identity key: folded to ASCII, lower case, punctuation dropped,
    /// "given family". Two names with the same key are the same author.
    pub fn key(&self) -> String {
        let mut out = String::new();
        for part in self
            .given_parts()
            .iter()
            .chain(std::iter::once(&self.family_key()))
        {
            if part.is_empty() {
                continue;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(part);
        }
        out
    }

    /// The folded family name, the part every variant of a name shares.
    pub fn family_key(&self) -> String {
        key_words(&self.family).join(" ")
    }

    fn given_parts(&self) -> Vec<String> {
        // "J.Zico" and "J-Zico" split like "J Zico".
        key_words(&self.given)
    }

    /// True when the given names are only initials ("K." or "J. Z.").
    pub fn has_only_initials(&self) -> bool {
        self.given_summary().initials_only()
    }

    /// Whether `self` and `other` could name the same person: same family
    /// name, and given names that agree where both are written, an initial
    /// agreeing with a full name ("K." with "Kevin"). Agreement alone is not
    /// enough to merge two authors; callers require further evidence.
    pub fn could_be(&self, other: &PersonName) -> bool {
        self.family_key() == other.family_key()
            && self.given_summary().agrees_with(&other.given_summary())
    }

    /// What comparing given names needs, computed once: a caller comparing
    /// one name with many of the same family keeps these rather than
    /// folding and splitting every name again for each comparison.
    pub fn given_summary(&self) -> GivenSummary {
        let parts = self.given_parts();
        GivenSummary {
            initials_only: !parts.is_empty() && parts.iter().all(|p| p.chars().count() == 1),
            first: parts.into_iter().next(),
        }
    }
}

/// The given names of a [`PersonName`] as initials matching sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GivenSummary {
    /// The first given name, folded ("kevin", or "k" for an initial).
    first: Option<String>,
    initials_only: bool,
}

impl GivenSummary {
    /// True when the given names are only initials.
    pub fn initials_only(&self) -> bool {
        self.initials_only
    }

    /// Whether two names of one family could be the same person (see
    /// [`PersonName::could_be`]): only the first given name is compared,
    /// since middle names are often dropped.
    pub fn agrees_with(&self, other: &GivenSummary) -> bool {
        let (Some(x), Some(y)) = (&self.first, &other.first) else {
            return true;
        };
        if x.chars().count() == 1 || y.chars().count() == 1 {
            x.chars().next() == y.chars().next()
        } else {
            x == y
        }
    }
}

fn key_words(s: &str) -> Vec<String> {
    fold_ascii(s)
        .to_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '\'')
        .map(|w| w.replace('\'', ""))
        .filter(|w| !w.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> String {
        PersonName::parse(s).unwrap().key()
    }

    #[test]
    fn comma_and_display_forms_share_a_key() {
        assert_eq!(key("Swersky, Kevin"), key("Kevin Swersky"));
        assert_eq!(key("Swersky, Kevin"), "kevin swersky");
        assert_eq!(key("Bernhard Schölkopf"), key("Scholkopf, Bernhard"));
    }

    #[test]
    fn particles_stay_with_the_family_name() {
        let n = PersonName::parse("Laurens van der Maaten").unwrap();
        assert_eq!(n.family, "van der Maaten");
        assert_eq!(n.given, "Laurens");
    }

    #[test]
    fn initials_could_be_but_are_not_the_same_key() {
        let full = PersonName::parse("Kevin Swersky").unwrap();
        let init = PersonName::parse("K. Swersky").unwrap();
        assert!(init.has_only_initials());
        assert_ne!(full.key(), init.key());
        assert!(init.could_be(&full));
        assert!(!PersonName::parse("M. Swersky").unwrap().could_be(&full));
        assert!(!PersonName::parse("Kevin Murphy").unwrap().could_be(&full));
    }
}
