//! `paperdex digest`.
use crate::library;
use anyhow::{bail, Context, Result};
use paperdex_digest::{DigestFormat, LexicalMatcher, Since, SmtpSettings};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Papers first stored within this window (7d, 36h, 2w) instead of since the last digest
    #[arg(long, value_name = "DURATION")]
    since: Option<String>,
    /// md, html or rss
    #[arg(long, default_value = "md", value_parser = parse_format)]
    format: DigestFormat,
    /// Mail the digest (HTML with a plain-text part) with the [smtp] settings
    #[arg(long)]
    send: bool,
    /// Write to FILE instead of stdout
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Do not record this digest: the next one starts from the same point
    #[arg(long)]
    dry_run: bool,
    /// Print the digest's data as JSON instead of rendering it
    #[arg(long)]
    json: bool,
    /// The link of the RSS channel
    #[arg(long, default_value = "urn:paperdex:digest")]
    link: String,
}

fn parse_format(s: &str) -> Result<DigestFormat, String> {
    s.parse()
}

/// The mail settings of `[smtp]` in the configuration file.
fn smtp_settings(paths: &library::Paths) -> Result<SmtpSettings> {
    let smtp = paths.config.smtp.as_ref().context(
        "--send needs an [smtp] section (host, port, security, username, password, from, to) in config.toml",
    )?;
    Ok(SmtpSettings {
        host: smtp.host.clone(),
        port: smtp.port.unwrap_or(smtp.security.default_port()),
        security: smtp.security,
        username: smtp.username.clone(),
        password: smtp.password.clone(),
        from: smtp.from.clone(),
        to: smtp.to.clone(),
    })
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let engine = library::open_engine(paths, false)?;
    let store = engine.store().as_ref();
    let follows = paperdex_digest::follows::list(store)?;
    if follows.is_empty() {
        bail!("you follow nothing yet: paperdex follow author NAME | query TEXT | topic ID");
    }
    let since = match &args.since {
        Some(s) => Since::Window(paperdex_digest::parse_duration(s)?),
        None => Since::LastDigest,
    };
    let smtp = if args.send {
        Some(smtp_settings(paths)?)
    } else {
        None
    };
    let topics = crate::cmd::follow::topics(store);
    let digest = paperdex_digest::build(
        store,
        &follows,
        &LexicalMatcher::new(&engine),
        &topics,
        since,
        time::OffsetDateTime::now_utc(),
    )?;
    let text = if args.json {
        let mut s = serde_json::to_string(&digest)?;
        s.push('\n');
        s
    } else {
        paperdex_digest::render(&digest, args.format, &args.link)?
    };
    match &args.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write {}", path.display()))?,
        None if args.send => {}
        None => {
            use std::io::Write;
            std::io::stdout().lock().write_all(text.as_bytes())?;
        }
    }
    if let Some(settings) = smtp {
        if digest.is_empty() {
            eprintln!("nothing new for your follows: no mail sent");
        } else {
            let reply = paperdex_digest::send(&settings, &digest)?;
            eprintln!(
                "sent \"{}\" to {} via {}:{} ({reply})",
                paperdex_digest::subject(&digest),
                settings.to.join(", "),
                settings.host,
                settings.port
            );
        }
    }
    if !args.dry_run {
        paperdex_digest::mark_seen(store, &digest)?;
    }
    eprintln!(
        "{} new papers in the library, {} for your follows ({})",
        digest.new_papers, digest.matched_papers, digest.period
    );
    Ok(ExitCode::SUCCESS)
}
