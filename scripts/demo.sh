#!/usr/bin/env bash
# The main job on the bundled corpus: build, ingest the seed listings into a
# fresh library, and show what paperdex knows.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --quiet -p paperdex-cli
data="${PAPERDEX_DATA:-$PWD/.paperdex/demo}"
rm -rf "$data"
pd() { ./target/release/paperdex --data-dir "$data" "$@"; }
pd ingest data/seeds
pd stats
echo; pd show 1910.03175 | head -20
echo; pd author "Kevin Swersky" | head -30
echo; pd search "autoencoder that maximizes mutual information" -k 5
echo; pd search --mode lexical 'author:swersky year:2020' -k 5
