//! Independent judges: real parsers and servers from Python, run from the
//! test virtualenv that `scripts/setup-python.sh` installs. A missing
//! virtualenv fails the test: an unjudged export is not a passing one.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

pub fn python() -> PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let p = root.join(".venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run scripts/setup-python.sh (installs scripts/requirements-test.txt)",
        p.display()
    );
    p
}

/// Runs a Python script with arguments; fails the test on a non-zero exit.
pub fn run(script: &str, args: &[&str]) -> String {
    let out = Command::new(python())
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "python judge failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
