//! The stable-toolchain fuzzer: a supervisor process and its workers.
//!
//! A worker mutates seeds (see [`crate::mutate`]) and feeds them to one
//! target for a set time. Panics are caught and the input saved; inputs
//! whose outcome signature is new join the pool, a crude feedback that
//! stands in for coverage. Before every execution the input is copied into
//! a memory-mapped file, so when the worker dies outright (stack overflow,
//! abort, out of memory under the worker's address-space limit, or the
//! watchdog's abort on a hang) the supervisor finds the input that killed it,
//! saves it and starts a new worker with the next seed.

use crate::corpus::{self, Seed};
use crate::mutate::{mutate, MAX_INPUT};
use crate::{run, Fnv, Target};
use anyhow::{bail, Context, Result};
use memmap2::MmapMut;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::fs::OpenOptions;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// An execution longer than this is a hang: the watchdog aborts the worker.
pub const HANG_AFTER: Duration = Duration::from_secs(20);
/// A worker's address-space limit: a runaway allocation fails instead of
/// taking the machine down.
pub const WORKER_MEMORY_LIMIT: u64 = 4 << 30;
/// Inputs kept in a worker's pool besides the seeds.
const POOL_LIMIT: usize = 4096;

/// Layout of the shared file: executions (u64), input length (u64), status
/// (u64: 1 = the watchdog saw a hang), name length (u64), name, input.
const HEADER: usize = 32 + 256;

/// What one target's run found.
#[derive(Debug, Default, Serialize)]
pub struct TargetReport {
    /// The target.
    pub target: String,
    /// Executions in all.
    pub executions: u64,
    /// Seconds spent.
    pub seconds: f64,
    /// Distinct outcome signatures seen.
    pub signatures: u64,
    /// Crash (and hang) inputs saved, by file.
    pub crashes: Vec<String>,
    /// Workers that died (each one's input is among `crashes`).
    pub worker_deaths: u64,
}

/// What a worker prints when its time is up.
#[derive(Debug, Default, Serialize, serde::Deserialize)]
pub struct WorkerReport {
    /// Executions.
    pub executions: u64,
    /// Distinct outcome signatures.
    pub signatures: u64,
    /// Crash inputs saved by the worker (caught panics).
    pub crashes: Vec<String>,
}

/// Runs one target for `seconds` under a supervisor: workers are this same
/// executable (`exe worker ...`) and are restarted when they die.
pub fn supervise(
    exe: &Path,
    target: Target,
    seconds: u64,
    seed: u64,
    shared_corpus: &Path,
    out_dir: &Path,
) -> Result<TargetReport> {
    let dir = out_dir.join(target.name());
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let current = dir.join(".current");
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let mut report = TargetReport {
        target: target.name().into(),
        ..Default::default()
    };
    let mut round = 0u64;
    while Instant::now() < deadline {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .as_secs()
            .max(1);
        let worker_seed = seed.wrapping_add(round.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        round += 1;
        let output = std::process::Command::new(exe)
            .arg("worker")
            .arg("--target")
            .arg(target.name())
            .arg("--seconds")
            .arg(left.to_string())
            .arg("--seed")
            .arg(worker_seed.to_string())
            .arg("--corpus")
            .arg(shared_corpus)
            .arg("--out")
            .arg(out_dir)
            .stderr(std::process::Stdio::inherit())
            .output()
            .context("cannot start a fuzz worker")?;
        if output.status.success() {
            let worker: WorkerReport =
                serde_json::from_slice(&output.stdout).context("fuzz worker printed no report")?;
            report.executions += worker.executions;
            report.signatures = report.signatures.max(worker.signatures);
            report.crashes.extend(worker.crashes);
            continue;
        }
        // The worker died: its last input is in the shared file.
        report.worker_deaths += 1;
        let shared = read_shared(&current)?;
        report.executions += shared.executions;
        let kind = if shared.hang { "hang" } else { "death" };
        let path = save_crash(
            &dir,
            kind,
            &shared.name,
            &shared.input,
            &format!("{:?}", output.status),
        )?;
        eprintln!(
            "[{}] worker died ({:?}, {kind}); input saved to {}; seed {worker_seed}",
            target.name(),
            output.status,
            path.display()
        );
        report.crashes.push(path.display().to_string());
        if report.worker_deaths > 50 {
            bail!("{}: more than 50 worker deaths, stopping", target.name());
        }
    }
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// One worker: fuzzes `target` until `seconds` pass, prints a [`WorkerReport`].
pub fn worker(
    target: Target,
    seconds: u64,
    seed: u64,
    shared_corpus: &Path,
    out_dir: &Path,
) -> Result<WorkerReport> {
    limit_memory(WORKER_MEMORY_LIMIT);
    let dir = out_dir.join(target.name());
    std::fs::create_dir_all(&dir)?;
    let seeds = corpus::seeds(target, shared_corpus)
        .with_context(|| format!("cannot read the seed corpus in {}", shared_corpus.display()))?;
    if seeds.is_empty() {
        bail!("no seeds for {}", target.name());
    }
    let shared = Arc::new(Mutex::new(SharedInput::create(&dir.join(".current"))?));
    let started_ms = Arc::new(AtomicU64::new(0));
    spawn_watchdog(Arc::clone(&shared), Arc::clone(&started_ms));
    let last_panic = install_panic_hook();

    let clock = Instant::now();
    let deadline = clock + Duration::from_secs(seconds);
    let mut rng = StdRng::seed_from_u64(seed);
    let mut pool: Vec<Seed> = seeds.clone();
    let mut seen = std::collections::HashSet::new();
    let mut report = WorkerReport::default();
    // The seeds themselves first: each must pass as it is.
    let mut queue: Vec<Seed> = seeds.clone();
    queue.reverse();
    while Instant::now() < deadline {
        let input = match queue.pop() {
            Some(seed) => seed,
            None => {
                let parent = &pool[rng.random_range(0..pool.len())];
                let other = &pool[rng.random_range(0..pool.len())].data;
                let mut data = parent.data.clone();
                mutate(target, &mut rng, &mut data, other);
                Seed {
                    name: parent.name.clone(),
                    data,
                }
            }
        };
        shared
            .lock()
            .expect("shared input")
            .set(&input.name, &input.data, report.executions);
        started_ms.store(clock.elapsed().as_millis() as u64 + 1, Ordering::SeqCst);
        let outcome = catch_unwind(AssertUnwindSafe(|| run(target, &input.name, &input.data)));
        started_ms.store(0, Ordering::SeqCst);
        report.executions += 1;
        match outcome {
            Ok(signature) => {
                if seen.insert(signature) && input.data.len() < MAX_INPUT {
                    if pool.len() < POOL_LIMIT {
                        pool.push(input);
                    } else {
                        let i = rng.random_range(seeds.len()..pool.len());
                        pool[i] = input;
                    }
                }
            }
            Err(_) => {
                let message = last_panic
                    .lock()
                    .expect("panic message")
                    .take()
                    .unwrap_or_default();
                let path = save_crash(&dir, "panic", &input.name, &input.data, &message)?;
                eprintln!(
                    "[{}] panic: {message}\n  input saved to {}",
                    target.name(),
                    path.display()
                );
                report.crashes.push(path.display().to_string());
            }
        }
    }
    report.signatures = seen.len() as u64;
    shared
        .lock()
        .expect("shared input")
        .set("", &[], report.executions);
    Ok(report)
}

/// Runs every saved input of a target once (reproduce a crash).
pub fn replay(target: Target, files: &[PathBuf]) -> Result<()> {
    for file in files {
        let data =
            std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
        let name = std::fs::read_to_string(file.with_extension("name"))
            .unwrap_or_else(|_| crate::INPUT_NAME.to_string());
        eprintln!(
            "replaying {} ({} bytes) as {name}",
            file.display(),
            data.len()
        );
        let signature = run(target, name.trim(), &data);
        eprintln!("  ok, signature {signature:016x}");
    }
    Ok(())
}

fn save_crash(dir: &Path, kind: &str, name: &str, data: &[u8], message: &str) -> Result<PathBuf> {
    let path = dir.join(format!("{kind}-{:016x}", Fnv::hash(data)));
    std::fs::write(&path, data)?;
    std::fs::write(path.with_extension("name"), name)?;
    std::fs::write(path.with_extension("txt"), message)?;
    Ok(path)
}

/// Keeps the message and place of the last panic, and prints nothing: the
/// worker reports caught panics itself.
fn install_panic_hook() -> Arc<Mutex<Option<String>>> {
    let last = Arc::new(Mutex::new(None));
    let store = Arc::clone(&last);
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let place = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if let Ok(mut slot) = store.lock() {
            *slot = Some(format!("{place}: {message}"));
        }
    }));
    last
}

fn spawn_watchdog(shared: Arc<Mutex<SharedInput>>, started_ms: Arc<AtomicU64>) {
    let clock = Instant::now();
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(500));
        let started = started_ms.load(Ordering::SeqCst);
        if started == 0 {
            continue;
        }
        let now = clock.elapsed().as_millis() as u64;
        if now.saturating_sub(started) > HANG_AFTER.as_millis() as u64 {
            // The input is already in the shared file; mark it and die so the
            // supervisor saves it. try_lock: the fuzz thread holds no lock
            // while it runs the target.
            if let Ok(mut s) = shared.try_lock() {
                s.mark_hang();
            }
            std::process::abort();
        }
    });
}

#[cfg(unix)]
fn limit_memory(bytes: u64) {
    let limit = libc::rlimit {
        rlim_cur: bytes as libc::rlim_t,
        rlim_max: bytes as libc::rlim_t,
    };
    // SAFETY: setrlimit only reads the struct we pass.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_AS, &limit) };
    if rc != 0 {
        eprintln!("warning: cannot limit the fuzz worker's memory");
    }
}

#[cfg(not(unix))]
fn limit_memory(_bytes: u64) {}

/// The current input, in a file mapped into memory: written before each
/// execution without a system call, read by the supervisor after a death.
struct SharedInput {
    map: MmapMut,
}

impl SharedInput {
    fn create(path: &Path) -> Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        file.set_len((HEADER + MAX_INPUT) as u64)?;
        // SAFETY: the file is ours (created above in the worker's output
        // directory) and only this process writes it while it lives.
        let map = unsafe { MmapMut::map_mut(&file)? };
        Ok(SharedInput { map })
    }

    fn set(&mut self, name: &str, data: &[u8], executions: u64) {
        let data = &data[..data.len().min(MAX_INPUT)];
        let name = &name.as_bytes()[..name.len().min(256)];
        self.map[0..8].copy_from_slice(&executions.to_le_bytes());
        self.map[8..16].copy_from_slice(&(data.len() as u64).to_le_bytes());
        self.map[16..24].copy_from_slice(&0u64.to_le_bytes());
        self.map[24..32].copy_from_slice(&(name.len() as u64).to_le_bytes());
        self.map[32..32 + name.len()].copy_from_slice(name);
        self.map[HEADER..HEADER + data.len()].copy_from_slice(data);
    }

    fn mark_hang(&mut self) {
        self.map[16..24].copy_from_slice(&1u64.to_le_bytes());
        let _ = self.map.flush();
    }
}

struct SharedRead {
    executions: u64,
    hang: bool,
    name: String,
    input: Vec<u8>,
}

fn read_shared(path: &Path) -> Result<SharedRead> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    if bytes.len() < HEADER {
        bail!("{} is too short", path.display());
    }
    let word = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
    let len = (word(8) as usize).min(bytes.len() - HEADER);
    let name_len = (word(24) as usize).min(256);
    Ok(SharedRead {
        executions: word(0),
        hang: word(16) == 1,
        name: String::from_utf8_lossy(&bytes[32..32 + name_len]).into_owned(),
        input: bytes[HEADER..HEADER + len].to_vec(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shared_file_round_trips_the_current_input() {
        let dir = std::env::temp_dir().join(format!("paperdex-fuzz-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".current");
        let mut shared = SharedInput::create(&path).unwrap();
        shared.set("x.bib", b"@article{", 41);
        shared.mark_hang();
        let read = read_shared(&path).unwrap();
        assert_eq!(
            (
                read.executions,
                read.hang,
                read.name.as_str(),
                read.input.as_slice()
            ),
            (41, true, "x.bib", &b"@article{"[..])
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
