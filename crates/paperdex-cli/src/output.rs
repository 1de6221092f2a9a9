use serde::Serialize;
use std::io::Write;

/// Writes `value` as one line of JSON to stdout.
pub fn print_json<T: Serialize>(value: &T) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer(&mut out, value)?;
    out.write_all(b"\n")?;
    Ok(())
}

/// True when the error is a closed stdout (`paperdex list | head`), which is
/// not a failure.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}

/// A paper in one line: id, year, title, first authors.
pub fn paper_line(p: &paperdex_model::Paper) -> String {
    let mut authors: Vec<&str> = p.authors.iter().take(3).map(|a| a.name.as_str()).collect();
    if p.authors.len() > 3 {
        authors.push("et al.");
    }
    let year = p
        .year
        .map(|y| y.to_string())
        .unwrap_or_else(|| "----".into());
    let derived = if p.title_derived {
        " [derived title]"
    } else {
        ""
    };
    format!(
        "{:>6}  {year}  {}{derived}  — {}",
        p.id,
        p.title,
        authors.join(", ")
    )
}
