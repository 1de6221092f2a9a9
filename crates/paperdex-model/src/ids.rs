use serde::{Deserialize, Serialize};
use std::fmt;

/// An arXiv identifier without its version, plus the version when known.
///
/// New-style ids are `YYMM.NNNN` (before 2015) or `YYMM.NNNNN`; old-style ids
/// are `archive[.subject]/YYMMNNN`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ArxivId {
    /// The id without version, e.g. `1910.03175` or `hep-th/9901001`.
    pub id: String,
    /// The version number, e.g. `2` for `v2`.
    pub version: Option<u32>,
}

impl ArxivId {
    /// Parses an id from the start of `s`, which may carry an `arXiv:` prefix
    /// or an `arxiv.org/abs/` URL. Returns the id and the number of bytes
    /// consumed, so callers can read ids glued to the text that follows
    /// (`arXiv:2102.01723We introduce ...`).
    pub fn parse_prefix(s: &str) -> Option<(ArxivId, usize)> {
        let mut start = 0;
        let lower = s.to_ascii_lowercase();
        for prefix in [
            "https://arxiv.org/abs/",
            "http://arxiv.org/abs/",
            "https://arxiv.org/pdf/",
            "http://arxiv.org/pdf/",
            "arxiv.org/abs/",
            "arxiv:",
        ] {
            if lower.starts_with(prefix) {
                start = prefix.len();
                break;
            }
        }
        let rest = &s[start..];
        let (id, used) = parse_new_style(rest).or_else(|| parse_old_style(rest))?;
        let mut end = used;
        let mut version = None;
        let tail = &rest[used..];
        if let Some(digits) = tail.strip_prefix('v') {
            let n = digits.bytes().take_while(u8::is_ascii_digit).count();
            if n > 0 {
                version = digits[..n].parse().ok();
                end += 1 + n;
            }
        }
        Some((ArxivId { id, version }, start + end))
    }

    /// Parses a whole string as an arXiv id (surrounding whitespace allowed).
    pub fn parse(s: &str) -> Option<ArxivId> {
        let s = s.trim();
        let (id, used) = Self::parse_prefix(s)?;
        s[used..].trim().is_empty().then_some(id)
    }
}

fn parse_new_style(s: &str) -> Option<(String, usize)> {
    let b = s.as_bytes();
    if b.len() < 9 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'.' {
        return None;
    }
    let yymm: u32 = s[..4].parse().ok()?;
    let month = yymm % 100;
    if !(1..=12).contains(&month) {
        return None;
    }
    // Since 1501 the sequence number has five digits; before, four. Knowing
    // the width lets us split ids glued to following digits correctly.
    let width = if yymm >= 1501 { 5 } else { 4 };
    if b.len() < 5 + width || !b[5..5 + width].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((s[..5 + width].to_string(), 5 + width))
}

fn parse_old_style(s: &str) -> Option<(String, usize)> {
    let slash = s.find('/')?;
    let archive = &s[..slash];
    if archive.is_empty()
        || archive.len() > 16
        || !archive
            .chars()
            .all(|c| c.is_ascii_lowercase() || c == '-' || c == '.' || c.is_ascii_uppercase())
    {
        return None;
    }
    let digits = &s[slash + 1..];
    if digits.len() < 7 || !digits.as_bytes()[..7].iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((s[..slash + 8].to_string(), slash + 8))
}

impl fmt::Display for ArxivId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version {
            Some(v) => write!(f, "{}v{}", self.id, v),
            None => f.write_str(&self.id),
        }
    }
}

/// Normalizes a DOI to its bare, lower-case form (`10.xxxx/yyy`), accepting
/// `doi:` prefixes and `doi.org` URLs. Returns `None` when it is not a DOI.
pub fn normalize_doi(s: &str) -> Option<String> {
    let s = s.trim();
    let lower = s.to_ascii_lowercase();
    let mut rest = lower.as_str();
    for prefix in [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "http://dx.doi.org/",
        "doi:",
    ] {
        if let Some(r) = rest.strip_prefix(prefix) {
            rest = r.trim_start();
            break;
        }
    }
    let (prefix, suffix) = rest.split_once('/')?;
    let registrant = prefix.strip_prefix("10.")?;
    if registrant.is_empty() || !registrant.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return None;
    }
    if suffix.is_empty() || suffix.chars().any(char::is_whitespace) {
        return None;
    }
    Some(format!("{prefix}/{suffix}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_glued_new_style_ids() {
        let (id, used) = ArxivId::parse_prefix("arXiv:2102.01723We introduce").unwrap();
        assert_eq!(id.id, "2102.01723");
        assert_eq!(id.version, None);
        assert_eq!(used, "arXiv:2102.01723".len());
        // Before 2015 ids have four digits, so a following digit is not part of the id.
        let (id, _) = ArxivId::parse_prefix("arXiv:1412.69801 is").unwrap();
        assert_eq!(id.id, "1412.6980");
    }

    #[test]
    fn parses_versions_urls_and_old_style() {
        let id = ArxivId::parse("http://arxiv.org/abs/1910.03175v2").unwrap();
        assert_eq!((id.id.as_str(), id.version), ("1910.03175", Some(2)));
        let id = ArxivId::parse("hep-th/9901001v1").unwrap();
        assert_eq!(id.to_string(), "hep-th/9901001v1");
        assert!(
            ArxivId::parse("1913.12345").is_none(),
            "month 13 is not an id"
        );
        assert!(ArxivId::parse("not an id").is_none());
    }

    #[test]
    fn normalizes_dois() {
        assert_eq!(
            normalize_doi("https://doi.org/10.1145/3292500.3330701").as_deref(),
            Some("10.1145/3292500.3330701")
        );
        assert_eq!(
            normalize_doi("DOI:10.5555/ABC").as_deref(),
            Some("10.5555/abc")
        );
        assert_eq!(normalize_doi("11.1/x"), None);
    }
}
