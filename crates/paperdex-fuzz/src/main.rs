//! `paperdex-fuzz`: fuzzes paperdex's readers and query parser on the stable
//! toolchain. See `scripts/fuzz.sh` for the documented long run.
//!
//! ```sh
//! paperdex-fuzz run all --seconds 600 --jobs 2      # every target, 10 minutes each, two at a time
//! paperdex-fuzz run bibtex query --seconds 60
//! paperdex-fuzz replay bibtex target/fuzz/bibtex/panic-*   # reproduce saved crashes
//! ```

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use paperdex_fuzz::driver::{self, TargetReport};
use paperdex_fuzz::{corpus, Target};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;

#[derive(Parser)]
#[command(
    name = "paperdex-fuzz",
    about = "Fuzz paperdex's input readers and query parser"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Fuzz targets for a while each; exits 1 if anything crashed
    Run {
        /// Targets to run, or `all`
        #[arg(required = true)]
        targets: Vec<String>,
        /// Seconds per target
        #[arg(long, default_value_t = 600)]
        seconds: u64,
        /// Targets run at the same time
        #[arg(long, default_value_t = 2)]
        jobs: usize,
        /// Random seed (printed; rerun with it to repeat a run)
        #[arg(long)]
        seed: Option<u64>,
        /// The shared corpus (seed files)
        #[arg(long, default_value_os_t = corpus::default_corpus_dir())]
        corpus: PathBuf,
        /// Where crashes, hangs and the report go
        #[arg(long, default_value = "target/fuzz")]
        out: PathBuf,
    },
    /// Run saved inputs through a target once
    Replay {
        /// The target
        target: Target,
        /// Input files
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write a target's seed inputs into a directory (a cargo-fuzz corpus)
    Seeds {
        /// The target
        target: Target,
        /// The directory to fill
        dir: PathBuf,
        /// The shared corpus (seed files)
        #[arg(long, default_value_os_t = corpus::default_corpus_dir())]
        corpus: PathBuf,
    },
    /// One fuzzing process (started by `run`)
    #[command(hide = true)]
    Worker {
        #[arg(long)]
        target: Target,
        #[arg(long)]
        seconds: u64,
        #[arg(long)]
        seed: u64,
        #[arg(long)]
        corpus: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

fn main() -> ExitCode {
    match real_main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn real_main() -> Result<ExitCode> {
    match Cli::parse().command {
        Command::Worker {
            target,
            seconds,
            seed,
            corpus,
            out,
        } => {
            let report = driver::worker(target, seconds, seed, &corpus, &out)?;
            println!("{}", serde_json::to_string(&report)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Seeds {
            target,
            dir,
            corpus,
        } => {
            std::fs::create_dir_all(&dir)?;
            let seeds = corpus::seeds(target, &corpus)?;
            for (i, seed) in seeds.iter().enumerate() {
                std::fs::write(dir.join(format!("seed-{i:04}")), &seed.data)?;
            }
            eprintln!("{} seeds written to {}", seeds.len(), dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Replay { target, files } => {
            driver::replay(target, &files)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            targets,
            seconds,
            jobs,
            seed,
            corpus,
            out,
        } => {
            let targets = resolve_targets(&targets)?;
            let seed = seed.unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
            eprintln!(
                "fuzzing {} targets, {seconds} s each, {jobs} at a time, seed {seed}",
                targets.len()
            );
            let exe = std::env::current_exe().context("cannot find this executable")?;
            let queue = Mutex::new(targets.clone());
            let reports = Mutex::new(Vec::<TargetReport>::new());
            let failures = Mutex::new(Vec::<String>::new());
            std::thread::scope(|s| {
                for _ in 0..jobs.max(1) {
                    s.spawn(|| loop {
                        let Some(target) = queue.lock().expect("queue").pop() else {
                            break;
                        };
                        match driver::supervise(&exe, target, seconds, seed, &corpus, &out) {
                            Ok(r) => {
                                eprintln!(
                                    "[{}] done: {} executions in {:.0} s, {} crashes",
                                    r.target,
                                    r.executions,
                                    r.seconds,
                                    r.crashes.len()
                                );
                                reports.lock().expect("reports").push(r);
                            }
                            Err(e) => failures
                                .lock()
                                .expect("failures")
                                .push(format!("{}: {e:#}", target.name())),
                        }
                    });
                }
            });
            let mut reports = reports.into_inner().expect("reports");
            reports.sort_by_key(|r| Target::ALL.iter().position(|t| t.name() == r.target));
            println!(
                "{:<22} {:>12} {:>8} {:>11} {:>8}",
                "target", "executions", "seconds", "signatures", "crashes"
            );
            for r in &reports {
                println!(
                    "{:<22} {:>12} {:>8.0} {:>11} {:>8}",
                    r.target,
                    r.executions,
                    r.seconds,
                    r.signatures,
                    r.crashes.len()
                );
                for c in &r.crashes {
                    println!("    {c}");
                }
            }
            std::fs::create_dir_all(&out)?;
            let report_path = out.join("report.json");
            std::fs::write(
                &report_path,
                serde_json::to_string_pretty(
                    &serde_json::json!({ "seed": seed, "targets": reports }),
                )?,
            )?;
            eprintln!("report written to {}", report_path.display());
            let failures = failures.into_inner().expect("failures");
            for f in &failures {
                eprintln!("error: {f}");
            }
            let crashed = reports.iter().any(|r| !r.crashes.is_empty());
            Ok(if crashed || !failures.is_empty() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

fn resolve_targets(names: &[String]) -> Result<Vec<Target>> {
    if names.iter().any(|n| n == "all") {
        // Popped from the end: run in the listed order.
        return Ok(Target::ALL.iter().rev().copied().collect());
    }
    let mut out = Vec::new();
    for name in names.iter().rev() {
        let t = Target::ALL
            .iter()
            .find(|t| t.name() == name)
            .with_context(|| {
                let all: Vec<&str> = Target::ALL.iter().map(|t| t.name()).collect();
                format!(
                    "unknown target '{name}' (expected all or one of {})",
                    all.join(", ")
                )
            })?;
        out.push(*t);
    }
    Ok(out)
}
