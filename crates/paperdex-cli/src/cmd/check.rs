//! `paperdex check [--repair] [--json]`: verifies the library; with
//! `--repair`, rebuilds what is derived. Exit 0 when the library is sound
//! and in step, 1 when problems remain.

use crate::{library, output};
use anyhow::{Context, Result};
use paperdex_check::{Model, Problem, Report, Severity};
use paperdex_embed::{Embedder, MiniLmEmbedder};
use serde::Serialize;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Rebuild the full-text index, drop damaged vectors and embed what is missing
    #[arg(long)]
    repair: bool,
    /// Print the report as JSON
    #[arg(long)]
    json: bool,
    /// Indexed papers to compare with the library
    #[arg(long, default_value_t = 200, value_name = "N")]
    sample: usize,
}

/// The JSON report: the final state, and what a repair found and did.
#[derive(Serialize)]
struct Output<'a> {
    clean: bool,
    #[serde(flatten)]
    report: &'a Report,
    /// Problems found before the repair (empty without `--repair`).
    found: Vec<Problem>,
    /// What the repair did.
    repaired: Vec<String>,
    /// Why embeddings were not checked, if they were not.
    embeddings_not_checked: Option<String>,
}

pub fn run(paths: &library::Paths, args: Args) -> Result<ExitCode> {
    let store = library::open(paths)?;
    let model_dir = paths
        .model_dir
        .clone()
        .unwrap_or_else(paperdex_embed::default_model_dir);
    let (model, not_checked) = match MiniLmEmbedder::load(&model_dir) {
        Ok(m) => (
            Some(Model {
                id: m.model_id().to_string(),
                dim: m.dim(),
            }),
            None,
        ),
        Err(e) => (None, Some(format!("no embedding model ({e})"))),
    };
    let mut report = paperdex_check::check(
        &library::derived_dir(paths),
        store.as_ref(),
        model.as_ref(),
        args.sample,
    )
    .context("cannot check the library")?;
    let mut found = Vec::new();
    let mut repaired = Vec::new();
    if args.repair && !report.is_clean() {
        drop(store);
        let engine = library::open_engine(paths, model.is_some())?;
        repaired = paperdex_check::repair(&engine, &report).context("repair failed")?;
        drop(engine);
        let store = library::open(paths)?;
        found = std::mem::take(&mut report.problems);
        report = paperdex_check::check(
            &library::derived_dir(paths),
            store.as_ref(),
            model.as_ref(),
            args.sample,
        )?;
    }
    if args.json {
        output::print_json(&Output {
            clean: report.is_clean(),
            report: &report,
            found,
            repaired,
            embeddings_not_checked: not_checked,
        })?;
    } else {
        print_human(&report, &found, &repaired, not_checked.as_deref());
    }
    Ok(if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn print_human(report: &Report, found: &[Problem], repaired: &[String], not_checked: Option<&str>) {
    println!("library     {}", report.data_dir.display());
    println!(
        "store       {} papers, {} records, last batch {}",
        report.papers, report.records, report.last_batch
    );
    let t = &report.text_index;
    println!(
        "text index  {}: {} documents (expected {}), batch {}, {} sampled",
        t.state,
        t.documents,
        t.expected_documents,
        t.applied_batch.map_or("-".to_string(), |b| b.to_string()),
        t.sampled
    );
    match (&report.embeddings, not_checked) {
        (Some(e), _) => println!(
            "embeddings  {}: {} current, {} missing, {} outdated, {} damaged; {} vectors loaded",
            e.model,
            e.health.current,
            e.health.missing,
            e.health.stale,
            e.health.malformed,
            e.vectors_loaded
        ),
        (None, Some(why)) => println!("embeddings  not checked: {why}"),
        (None, None) => {}
    }
    if !found.is_empty() {
        println!("found:");
        for p in found {
            println!("  {}", describe(p));
        }
    }
    for r in repaired {
        println!("repaired: {r}");
    }
    if report.problems.is_empty() {
        println!("ok: the library is sound and in step");
    }
    for p in &report.problems {
        println!("{}", describe(p));
    }
}

fn describe(p: &Problem) -> String {
    let severity = match p.severity {
        Severity::Error => "error",
        Severity::Pending => "pending",
    };
    let part = serde_json::to_value(p.part)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default();
    format!("{severity}: {part}: {}", p.message)
}
