//! Hardening, end to end with the real binary: ingests and embedding runs
//! killed at random moments, damaged indexes and stores found by `check` and
//! mended by `check --repair` or on start-up, backups taken while an ingest
//! writes and restored, and hostile input files.
//!
//! Kill moments come from a seeded RNG; the seed is printed, and
//! `PAPERDEX_KILL_SEED=<seed>` repeats a run.

mod util;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use util::{repo_root, seed_listings, shared_corpus, Backend, Library, Output};

/// A model directory that does not exist: commands run without the model
/// (fast), and `check` skips embeddings.
const NO_MODEL: &str = "/nonexistent/paperdex-model";

fn kill_rng(what: &str) -> StdRng {
    let seed = std::env::var("PAPERDEX_KILL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("{what}: kill seed {seed} (repeat with PAPERDEX_KILL_SEED={seed})");
    StdRng::seed_from_u64(seed)
}

fn model_dir() -> PathBuf {
    repo_root().join("models/all-MiniLM-L6-v2")
}

/// `paperdex check --json` (with `extra` args), parsed, and its exit code.
fn check(lib: &Library, extra: &[&str]) -> (Value, Option<i32>) {
    let mut args = vec!["check", "--json"];
    args.extend_from_slice(extra);
    let out = lib.run(&args);
    assert!(
        matches!(out.code, Some(0) | Some(1)),
        "check failed to run: {out:?}"
    );
    let v: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("check printed no json ({e}): {out:?}"));
    assert_eq!(v["clean"] == true, out.code == Some(0), "{v}");
    (v, out.code)
}

fn problems(report: &Value, severity: &str) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["severity"] == severity)
        .map(|p| format!("{}: {}", p["part"], p["message"]))
        .collect()
}

/// Kills a running command: true when it was still running (a real kill).
fn kill(child: &mut std::process::Child) -> bool {
    let running = child.try_wait().unwrap().is_none();
    // Child::kill sends SIGKILL on Unix: no destructor, no flush, no commit.
    let _ = child.kill();
    let _ = child.wait();
    running
}

const CONTENT_STATS: [&str; 5] = ["papers", "records", "authors", "sources", "merged_papers"];

#[test]
fn an_ingest_killed_fifty_times_finishes_as_the_uninterrupted_one() {
    let conf = shared_corpus().join("conferences");
    let conf = conf.to_str().unwrap();
    let reference = Library::new();
    let started = Instant::now();
    reference.run_ok(&["--model-dir", NO_MODEL, "ingest", "--no-embed", conf]);
    // Only to spread the kill moments over a whole run; nothing is timed.
    let full_run = started.elapsed();
    let expected_stats = reference.json(&["stats", "--json"]);
    let (expected, _) = check(&reference, &["--model-dir", NO_MODEL]);
    assert_eq!(expected["clean"], true, "{expected}");

    let mut rng = kill_rng("ingest");
    let lib = Library::new();
    let mut kills = 0;
    let mut attempts = 0;
    // As the library fills, a re-run has less to do and ends sooner: a kill
    // that finds the process gone shrinks the window to when it was tried.
    let mut window = full_run;
    while kills < 50 {
        attempts += 1;
        assert!(
            attempts < 400,
            "only {kills} real kills in {attempts} attempts"
        );
        let mut child = lib.spawn(&["--model-dir", NO_MODEL, "ingest", "--no-embed", conf]);
        let at = window.mul_f64(rng.random_range(0.0..1.0));
        std::thread::sleep(at);
        if kill(&mut child) {
            kills += 1;
        } else {
            window = at.max(Duration::from_millis(20));
        }
        // The store holds whole files only and is sound; the index never
        // disagrees with it (at most it is behind, and catches up).
        lib.assert_whole_batches();
        let (report, _) = check(&lib, &["--model-dir", NO_MODEL, "--sample", "50"]);
        let errors = problems(&report, "error");
        assert!(
            errors.is_empty(),
            "after kill {kills} at {at:?}: {errors:?}"
        );
    }
    lib.run_ok(&["--model-dir", NO_MODEL, "ingest", "--no-embed", conf]);
    let finished = lib.json(&["stats", "--json"]);
    for key in CONTENT_STATS {
        assert_eq!(finished[key], expected_stats[key], "{key}");
    }
    let (report, code) = check(&lib, &["--model-dir", NO_MODEL]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["digest"], expected["digest"], "content differs");
    assert_eq!(
        report["text_index"]["documents"], expected["text_index"]["documents"],
        "{report}"
    );
}

/// Cosine similarity of every paper's stored vector in two libraries.
fn vectors(lib: &Library) -> std::collections::BTreeMap<i64, Vec<f32>> {
    let db = rusqlite::Connection::open(lib.path().join("library.sqlite")).unwrap();
    let mut stmt = db
        .prepare("SELECT paper_id, vector FROM embeddings")
        .unwrap();
    stmt.query_map([], |r| {
        let bytes: Vec<u8> = r.get(1)?;
        Ok((
            r.get::<_, i64>(0)?,
            bytes
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect(),
        ))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// Embeddings stored so far, read while an `embed` run writes (WAL readers
/// see only committed chunks).
fn embedding_count(lib: &Library) -> usize {
    let db = rusqlite::Connection::open(lib.path().join("library.sqlite")).unwrap();
    let count: i64 = db
        .query_row("SELECT count(*) FROM embeddings", [], |r| r.get(0))
        .unwrap();
    count as usize
}

#[test]
fn an_embedding_run_killed_midway_keeps_whole_chunks_and_finishes_the_same() {
    let model = model_dir();
    let model = model.to_str().unwrap();
    // Two conferences, ~1,400 papers: several embedding chunks to land in.
    let conferences = shared_corpus().join("conferences");
    let files: Vec<String> = ["icml2018.json", "icml2019.json"]
        .iter()
        .map(|f| conferences.join(f).to_str().unwrap().to_string())
        .collect();
    let mut ingest = vec!["--model-dir", model, "ingest", "--no-embed"];
    ingest.extend(files.iter().map(String::as_str));
    let reference = Library::new();
    reference.run_ok(&ingest);
    // Only to place kill moments inside a chunk; nothing is timed.
    let started = Instant::now();
    reference.run_ok(&["--model-dir", model, "embed"]);
    let full_run = started.elapsed();
    let expected = vectors(&reference);
    let total = expected.len();
    assert!(total > 1000, "{total}");
    let per_paper = full_run.div_f64(total as f64);

    let mut rng = kill_rng("embed");
    let lib = Library::new();
    lib.run_ok(&ingest);
    let mut kills = 0;
    let mut embedded_before = 0;
    // Kills follow progress, not the clock: wait until the run has stored a
    // random share of what was missing, then kill somewhere inside the next
    // chunk. A run commits 256 papers at a time, so a target is picked at
    // least two chunks before the end, and the wait after it covers at most
    // half of what is left: the kill lands before the run can end, even when
    // the full run's timing overstates the per-paper time. Attempts are
    // bounded.
    const MARGIN: usize = 600;
    for attempt in 0..12 {
        let missing = total - embedded_before;
        if kills == 4 || missing <= MARGIN {
            break;
        }
        let target = embedded_before + rng.random_range(0..missing - MARGIN);
        let mut child = lib.spawn(&["--model-dir", model, "embed"]);
        while child.try_wait().unwrap().is_none() && embedding_count(&lib) <= target {
            std::thread::sleep(Duration::from_millis(10));
        }
        let left = total.saturating_sub(embedding_count(&lib)).min(512) as f64;
        std::thread::sleep(per_paper.mul_f64(rng.random_range(0.0..=left / 2.0)));
        kills += usize::from(kill(&mut child));
        let (report, _) = check(&lib, &["--model-dir", model, "--sample", "50"]);
        let errors = problems(&report, "error");
        assert!(errors.is_empty(), "after attempt {attempt}: {errors:?}");
        let health = &report["embeddings"];
        let current = health["current"].as_u64().unwrap() as usize;
        // Kept from earlier runs, never lost; every vector whole.
        assert!(current >= embedded_before, "{health}");
        assert_eq!(health["malformed"], 0, "{health}");
        assert_eq!(
            health["vectors_loaded"],
            current as u64 + health["stale"].as_u64().unwrap()
        );
        embedded_before = current;
    }
    assert!(kills >= 1, "no run was killed before it ended");
    lib.run_ok(&["--model-dir", model, "embed"]);
    let (report, code) = check(&lib, &["--model-dir", model]);
    assert_eq!(code, Some(0), "{report}");
    let got = vectors(&lib);
    assert_eq!(got.len(), expected.len());
    for (id, v) in &got {
        let w = &expected[id];
        let cosine: f32 = v.iter().zip(w).map(|(a, b)| a * b).sum();
        assert!(
            cosine > 0.999,
            "paper {id}: cosine {cosine} with the uninterrupted run"
        );
    }
}

/// A library of the seed listings, without embeddings.
fn seeded(lib: &Library) {
    for f in seed_listings() {
        lib.run_ok(&[
            "--model-dir",
            NO_MODEL,
            "ingest",
            "--no-embed",
            f.to_str().unwrap(),
        ]);
    }
}

fn segment_files(index_dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(index_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| {
                ["idx", "store", "term", "pos", "fast"].contains(&e.to_str().unwrap())
            })
        })
        .collect()
}

#[test]
fn a_damaged_full_text_index_is_found_by_check_and_rebuilt() {
    let lib = Library::new();
    seeded(&lib);
    let args = ["--model-dir", NO_MODEL];
    let (clean, code) = check(&lib, &args);
    assert_eq!(code, Some(0), "{clean}");
    let docs = clean["text_index"]["documents"].clone();
    assert!(docs.as_u64().unwrap() >= 231);

    // Bytes flipped inside every segment file.
    for path in segment_files(&lib.path().join("index")) {
        let mut bytes = std::fs::read(&path).unwrap();
        let middle = bytes.len() / 2;
        bytes[middle] ^= 0x5a;
        std::fs::write(&path, bytes).unwrap();
    }
    let (damaged, code) = check(&lib, &args);
    assert_eq!(code, Some(1));
    let errors = problems(&damaged, "error");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("text-index") && e.contains("damaged")),
        "{errors:?}"
    );
    let (repaired, code) = check(&lib, &["--model-dir", NO_MODEL, "--repair"]);
    assert_eq!(code, Some(0), "{repaired}");
    assert!(!repaired["found"].as_array().unwrap().is_empty());
    assert_eq!(repaired["text_index"]["documents"], docs);

    // Damage found on start-up: any command rebuilds the index first.
    for path in segment_files(&lib.path().join("index")) {
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    }
    let hits = lib.run_ok(&[
        "--model-dir",
        NO_MODEL,
        "search",
        "--mode",
        "lexical",
        "--json",
        "cache replacement",
    ]);
    assert!(
        hits.contains("Imitation Learning Approach for Cache Replacement"),
        "{hits}"
    );
    let (after, code) = check(&lib, &args);
    assert_eq!(code, Some(0), "{after}");
}

#[test]
fn an_index_that_disagrees_with_the_store_is_found_and_rebuilt() {
    // The index of a bigger library, put beside a smaller library's store:
    // it claims batches and papers the store does not have.
    let small = Library::new();
    small.run_ok(&[
        "--model-dir",
        NO_MODEL,
        "ingest",
        "--no-embed",
        seed_listings()[0].to_str().unwrap(),
    ]);
    let big = Library::new();
    seeded(&big);
    let index = small.path().join("index");
    std::fs::remove_dir_all(&index).unwrap();
    std::fs::create_dir(&index).unwrap();
    for entry in std::fs::read_dir(big.path().join("index")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, index.join(path.file_name().unwrap())).unwrap();
    }
    let (report, code) = check(&small, &["--model-dir", NO_MODEL]);
    assert_eq!(code, Some(1));
    assert!(
        problems(&report, "error")
            .iter()
            .any(|e| e.contains("text-index")),
        "{report}"
    );
    // Start-up finds it too: after any command the index is the library's.
    small.run_ok(&[
        "--model-dir",
        NO_MODEL,
        "search",
        "--mode",
        "lexical",
        "graph",
    ]);
    let (report, code) = check(&small, &["--model-dir", NO_MODEL]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["text_index"]["documents"], 10);

    // A missing index is pending work, built on the next run.
    std::fs::remove_dir_all(&index).unwrap();
    let (report, code) = check(&small, &["--model-dir", NO_MODEL]);
    assert_eq!(code, Some(1));
    assert_eq!(problems(&report, "pending").len(), 1, "{report}");
    assert!(problems(&report, "error").is_empty(), "{report}");
}

#[test]
fn store_damage_is_reported_and_not_papered_over() {
    let lib = Library::new();
    seeded(&lib);
    let db = rusqlite::Connection::open(lib.path().join("library.sqlite")).unwrap();
    // paper_authors has no rowid: its first row is picked by key.
    db.execute_batch(
        "PRAGMA foreign_keys = OFF;
         UPDATE sources SET paper_id = 77777 WHERE paper_id = 3;
         UPDATE paper_authors SET author_id = 88888
         WHERE (paper_id, position) = (SELECT paper_id, position FROM paper_authors LIMIT 1);",
    )
    .unwrap();
    drop(db);
    let (report, code) = check(&lib, &["--model-dir", NO_MODEL]);
    assert_eq!(code, Some(1));
    let errors = problems(&report, "error").join("\n");
    assert!(errors.contains("no source record"), "{errors}");
    assert!(
        errors.contains("sources row") && errors.contains("papers"),
        "{errors}"
    );
    // Repair rebuilds derived data only; the store's damage stays reported.
    let (report, code) = check(&lib, &["--model-dir", NO_MODEL, "--repair"]);
    assert_eq!(code, Some(1));
    assert!(problems(&report, "error")
        .join("\n")
        .contains("no source record"));
}

#[test]
fn damaged_and_missing_embeddings_are_found_and_made_again() {
    let model = model_dir();
    let model = model.to_str().unwrap();
    let lib = Library::new();
    lib.run_ok(&[
        "--model-dir",
        model,
        "ingest",
        seed_listings()[0].to_str().unwrap(),
    ]);
    let (report, code) = check(&lib, &["--model-dir", model]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["embeddings"]["current"], 10);
    let db = rusqlite::Connection::open(lib.path().join("library.sqlite")).unwrap();
    db.execute_batch(
        "UPDATE embeddings SET vector = x'0000803f' WHERE paper_id = 1;
         DELETE FROM embeddings WHERE paper_id = 2;",
    )
    .unwrap();
    drop(db);
    let (report, code) = check(&lib, &["--model-dir", model]);
    assert_eq!(code, Some(1));
    assert_eq!(report["embeddings"]["malformed"], 1, "{report}");
    assert_eq!(report["embeddings"]["missing"], 1, "{report}");
    assert!(!problems(&report, "error").is_empty());
    let (report, code) = check(&lib, &["--model-dir", model, "--repair"]);
    assert_eq!(code, Some(0), "{report}");
    assert_eq!(report["embeddings"]["current"], 10);
    assert_eq!(report["embeddings"]["vectors_loaded"], 10);
}

fn add_user_data(lib: &Library) {
    let db = rusqlite::Connection::open(lib.path().join("library.sqlite")).unwrap();
    db.execute_batch(
        "INSERT INTO user_items (kind, key, value, created_at) VALUES
           ('star', '1', '{\"note\":\"read this\"}', '2026-11-01T10:00:00Z'),
           ('follow', 'Kevin Swersky', '{}', '2026-11-02T10:00:00Z'),
           ('digest', 'last_sent', '2026-11-20', '2026-11-20T08:00:00Z');",
    )
    .unwrap();
}

fn user_items(lib: &Library) -> Vec<(String, String, String)> {
    let db = rusqlite::Connection::open(lib.path().join("library.sqlite")).unwrap();
    let mut stmt = db
        .prepare("SELECT kind, key, value FROM user_items ORDER BY kind, key")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// Restores `file` into a new library and checks it is sound.
fn restore(file: &Path) -> Library {
    let lib = Library::new();
    let out = lib.run_ok(&["--model-dir", NO_MODEL, "restore", file.to_str().unwrap()]);
    assert!(out.contains("restored"), "{out}");
    let (report, code) = check(&lib, &["--model-dir", NO_MODEL]);
    assert_eq!(code, Some(0), "restored library not sound: {report}");
    lib
}

#[test]
fn a_backup_taken_during_an_ingest_restores_a_sound_library_with_the_users_data() {
    let lib = Library::new();
    seeded(&lib);
    add_user_data(&lib);
    let backups = tempfile::tempdir().unwrap();
    let conf = shared_corpus().join("conferences");
    let mut ingest = lib.spawn(&[
        "--model-dir",
        NO_MODEL,
        "ingest",
        "--no-embed",
        conf.to_str().unwrap(),
    ]);
    let mut during = Vec::new();
    for i in 0..3 {
        std::thread::sleep(Duration::from_millis(400));
        let file = backups.path().join(format!("during-{i}.sqlite"));
        lib.run_ok(&["--model-dir", NO_MODEL, "backup", file.to_str().unwrap()]);
        during.push(file);
    }
    let still_running = ingest.try_wait().unwrap().is_none();
    assert!(ingest.wait().unwrap().success());
    eprintln!("ingest still running after the backups: {still_running}");
    for file in &during {
        let restored = restore(file);
        // A snapshot of whole batches, the user's data included.
        restored.assert_whole_batches();
        assert_eq!(user_items(&restored), user_items(&lib));
        let papers = restored.json(&["stats", "--json"])["papers"]
            .as_u64()
            .unwrap();
        assert!(papers >= 231, "{papers}");
    }

    // Taken after the ingest: the very same library.
    let file = backups.path().join("after.sqlite");
    lib.run_ok(&["--model-dir", NO_MODEL, "backup", file.to_str().unwrap()]);
    let restored = restore(&file);
    assert_eq!(
        restored.run_ok(&["stats", "--json"]),
        lib.run_ok(&["stats", "--json"])
    );
    let (original, _) = check(&lib, &["--model-dir", NO_MODEL]);
    let (copy, _) = check(&restored, &["--model-dir", NO_MODEL]);
    assert_eq!(original["digest"], copy["digest"]);
    assert_eq!(
        original["text_index"]["documents"],
        copy["text_index"]["documents"]
    );
    for id in ["1", "17", "231", "2006.16239", "5000", "11000"] {
        assert_eq!(
            restored.run(&["show", id, "--json"]).stdout,
            lib.run(&["show", id, "--json"]).stdout,
            "show {id}"
        );
    }
    // The same papers in the same order. BM25 scores may differ in the last
    // digits: the rebuilt index has one segment where the original has
    // several (with deleted documents still in their statistics).
    let hits = |l: &Library| -> Vec<i64> {
        let out = l.run_ok(&[
            "--model-dir",
            NO_MODEL,
            "search",
            "--mode",
            "lexical",
            "--json",
            "variational inference",
        ]);
        let hits: Vec<Value> = serde_json::from_str(out.trim()).unwrap();
        hits.iter().map(|h| h["id"].as_i64().unwrap()).collect()
    };
    let original = hits(&lib);
    assert_eq!(original.len(), 10);
    assert_eq!(hits(&restored), original);

    // Refusals: a library that is not empty, a file that is not a backup.
    let out = restored.run(&["restore", file.to_str().unwrap()]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("not empty"), "{}", out.stderr);
    let junk = backups.path().join("junk.sqlite");
    std::fs::write(&junk, b"SQLite format 3\0 but not really").unwrap();
    let empty = Library::new();
    let out = empty.run(&["restore", junk.to_str().unwrap()]);
    assert_eq!(out.code, Some(2));
    assert!(out.stderr.contains("junk.sqlite"), "{}", out.stderr);
    assert_eq!(
        std::fs::read_dir(empty.path()).unwrap().count(),
        0,
        "a failed restore left files"
    );
    let out = lib.run(&["backup", file.to_str().unwrap()]);
    assert_eq!(out.code, Some(2), "overwrote a backup");
}

/// Runs paperdex like [`Library::run`] and measures the process's peak
/// resident memory (MB) from the kernel's accounting of that one child.
// The child is reaped by libc::wait4 (which also yields its rusage), not by
// Child::wait.
#[allow(clippy::zombie_processes)]
fn run_measured(lib: &Library, args: &[&str]) -> (Output, f64) {
    use std::io::Read;
    use std::os::unix::process::ExitStatusExt;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_paperdex"))
        .arg("--data-dir")
        .arg(lib.path())
        .args(args)
        .env_remove("PAPERDEX_DATA")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        stdout.read_to_string(&mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        stderr.read_to_end(&mut s).unwrap();
        String::from_utf8_lossy(&s).into_owned()
    });
    let mut status = 0;
    // SAFETY: wait4 on our own child, writing into values we own.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as libc::pid_t);
    let status = std::process::ExitStatus::from_raw(status);
    (
        Output {
            code: status.code(),
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
        },
        usage.ru_maxrss as f64 / 1024.0,
    )
}

fn ingest_file(lib: &Library, path: &Path) -> (Output, f64) {
    run_measured(
        lib,
        &[
            "--model-dir",
            NO_MODEL,
            "ingest",
            "--no-embed",
            path.to_str().unwrap(),
        ],
    )
}

#[test]
fn a_file_of_several_gigabytes_is_refused_by_name_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let huge = dir.path().join("huge.json");
    // Sparse: three gigabytes on paper, nothing on disk.
    let file = std::fs::File::create(&huge).unwrap();
    file.set_len(3 << 30).unwrap();
    drop(file);
    let good = dir.path().join("good.txt");
    std::fs::copy(&seed_listings()[0], &good).unwrap();
    let lib = Library::new();
    let (out, rss) = ingest_file(&lib, dir.path());
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        out.stderr.contains("huge.json") && out.stderr.contains("limit"),
        "{}",
        out.stderr
    );
    assert_eq!(
        lib.json(&["stats", "--json"])["papers"],
        10,
        "the good file is ingested"
    );
    eprintln!("peak RSS of the ingest with a 3 GB file: {rss:.0} MB");
    assert!(rss < 512.0, "{rss} MB");
}

#[test]
fn hostile_files_get_errors_naming_file_and_line_and_the_rest_ingests() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| std::fs::write(dir.path().join(name), bytes).unwrap();
    // A conference JSON file with a 20 MB abstract on one line.
    write(
        "long.json",
        format!(
            "[{{\"title\": \"Fine Paper on Graphs\", \"author\": \"Ann Lee\", \"abstract\": \"Graphs are studied in depth here.\"}},\n{{\"title\": \"Huge\", \"abstract\": \"{}\"}}]",
            "word ".repeat(4 << 20)
        )
        .as_bytes(),
    );
    // BibTeX nested 100,000 braces deep.
    write(
        "deep.bib",
        format!("@article{{deep, title = {}T{}}}\n@article{{ok, title = {{A Sound Entry}}, author = {{Lee, Ann}}}}\n", "{".repeat(100_000), "}".repeat(100_000)).as_bytes(),
    );
    // 10,000 authors on one paper.
    let authors: Vec<String> = (0..10_000).map(|i| format!("Given{i} Family{i}")).collect();
    write(
        "crowd.json",
        format!(
            "[{{\"title\": \"A Paper by a Crowd\", \"author\": \"{}\", \"abstract\": \"Ten thousand people wrote this together.\"}}]",
            authors.join("; ")
        )
        .as_bytes(),
    );
    // Latin-1 bytes.
    write(
        "latin1.txt",
        b"Caf\xe9 au lait\n\narXiv:1910.03175\nCreated: 2019-10-07\n",
    );
    let lib = Library::new();
    let (out, rss) = ingest_file(&lib, dir.path());
    eprintln!("peak RSS of the ingest of hostile files: {rss:.0} MB");
    assert!(rss < 1024.0, "{rss} MB");
    assert_eq!(out.code, Some(1), "{out:?}");
    let err = &out.stderr;
    assert!(err.contains("long.json") && err.contains("limit"), "{err}");
    assert!(err.contains("deep.bib") && err.contains("nested"), "{err}");
    assert!(err.contains("latin1.txt") && err.contains("utf-8"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let crowd = lib.json(&["list", "--json", "--source", "crowd"]);
    assert_eq!(crowd["authors"].as_array().unwrap().len(), 10_000);
    let titles = lib.run_ok(&["list"]);
    assert!(
        titles.contains("Fine Paper on Graphs") && titles.contains("A Sound Entry"),
        "{titles}"
    );
    let (report, code) = check(&lib, &["--model-dir", NO_MODEL]);
    assert_eq!(code, Some(0), "{report}");
}

#[test]
fn check_on_postgresql_reports_what_is_wrong_and_repair_builds_the_vector_index() {
    let seeds = seed_listings();
    let mut args = vec!["--model-dir", NO_MODEL, "ingest", "--no-embed"];
    args.extend(seeds.iter().map(|p| p.to_str().unwrap()));
    let lib = Library::on(Backend::Postgres);
    lib.run_ok(&args);
    let (report, code) = check(&lib, &["--model-dir", NO_MODEL]);
    assert_eq!(code, Some(0), "{report}");
    // The digest is the content's: the same files in another database give it.
    let twin = Library::on(Backend::Postgres);
    twin.run_ok(&args);
    assert_eq!(
        check(&twin, &["--model-dir", NO_MODEL]).0["digest"],
        report["digest"]
    );

    let mut db = postgres::Client::connect(lib.store_url().unwrap(), postgres::NoTls).unwrap();
    // What a bulk vector load that died leaves behind.
    db.batch_execute("DROP INDEX embeddings_hnsw_384").unwrap();
    let (report, code) = check(&lib, &["--model-dir", NO_MODEL]);
    assert_eq!(code, Some(1), "{report}");
    let pending = problems(&report, "pending");
    assert!(
        pending.iter().any(|p| p.contains("vector index")),
        "{pending:?}"
    );
    let (report, code) = check(&lib, &["--model-dir", NO_MODEL, "--repair"]);
    assert_eq!(code, Some(0), "{report}");
    assert!(
        report["repaired"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r.as_str().unwrap().contains("vector index")),
        "{report}"
    );
    let rebuilt: bool = db
        .query_one("SELECT to_regclass('embeddings_hnsw_384') IS NOT NULL", &[])
        .unwrap()
        .get(0);
    assert!(rebuilt);

    // A paper whose records are gone is damage no repair can mend.
    db.batch_execute("DELETE FROM sources WHERE paper_id = (SELECT MIN(id) FROM papers)")
        .unwrap();
    let (report, code) = check(&lib, &["--model-dir", NO_MODEL]);
    assert_eq!(code, Some(1), "{report}");
    let errors = problems(&report, "error");
    assert!(
        errors.iter().any(|e| e.contains("no source record")),
        "{errors:?}"
    );
}
