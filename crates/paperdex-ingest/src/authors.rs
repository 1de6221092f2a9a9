use paperdex_model::PersonName;
use paperdex_store::{Result, WriteTx};

/// Finds or creates the author for `raw`, a name as a source wrote it.
///
/// The same identity key ("Swersky, Kevin" = "Kevin Swersky") is the same
/// author. A name that differs only by initials ("K. Swersky") joins an
/// existing author only with evidence: the author already wrote this paper,
/// or has co-authored with someone else on it. Otherwise it stays apart,
/// since "K. Swersky" may well be someone else.
pub fn resolve_author(
    tx: &mut dyn WriteTx,
    raw: &str,
    paper_author_ids: &[i64],
    coauthor_keys: &[String],
) -> Result<Option<i64>> {
    let Some(name) = PersonName::parse(raw) else {
        return Ok(None);
    };
    let key = name.key();
    let display = name.display();
    if let Some(id) = tx.author_by_key(&key)? {
        tx.add_author_name(id, &display)?;
        return Ok(Some(id));
    }
    for (id, other) in tx.authors_by_family(&name.family_key())? {
        let Some(other_name) = PersonName::parse(&other) else {
            continue;
        };
        let initials_only = name.has_only_initials() || other_name.has_only_initials();
        if !initials_only || !name.could_be(&other_name) {
            continue;
        }
        let evidence = paper_author_ids.contains(&id)
            || tx
                .coauthor_keys(id)?
                .iter()
                .any(|k| coauthor_keys.contains(k));
        if evidence {
            tx.add_author_name(id, &display)?;
            return Ok(Some(id));
        }
    }
    Ok(Some(tx.insert_author(
        &key,
        &name.family_key(),
        &display,
    )?))
}
