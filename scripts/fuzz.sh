#!/usr/bin/env bash
# Fuzz every input reader and the query parser (not part of the default test
# run). On the stable toolchain this runs paperdex-fuzz: seeded, structure-
# aware mutation of the real files of ../shared/corpus and data/seeds, with
# crashes, hangs (> 20 s) and worker deaths (stack overflow, abort, > 4 GB)
# saved under target/fuzz/<target>/ and a report in target/fuzz/report.json.
#
#   scripts/fuzz.sh                    # every target, 10 minutes each, two at a time
#   SECONDS_PER_TARGET=60 scripts/fuzz.sh bibtex query
#   FUZZ_SEED=42 scripts/fuzz.sh       # repeat a run
#   scripts/fuzz.sh --libfuzzer bibtex # cargo-fuzz (needs a nightly toolchain)
#
# Reproduce a saved crash: target/release/paperdex-fuzz replay bibtex target/fuzz/bibtex/panic-...
# Every crash becomes a regression test beside its parser
# (crates/paperdex-formats/tests/hostile.rs) with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
if [[ "${targets[0]:-}" == "--libfuzzer" ]]; then
    targets=("${targets[@]:1}")
    [[ ${#targets[@]} -gt 0 ]] || targets=(arxiv_listing arxiv_listing_glued profile_page conference_list trending_page conference_json arxiv_atom bibtex detect query)
    cargo build --release -p paperdex-fuzz
    for t in "${targets[@]}"; do
        dir="fuzz/corpus/$t"
        target/release/paperdex-fuzz seeds "${t//_/-}" "$dir"
        (cd fuzz && cargo +nightly fuzz run "$t" "corpus/$t" -- -max_total_time="${SECONDS_PER_TARGET:-600}" -rss_limit_mb=4096 -timeout=20)
    done
    exit 0
fi
[[ ${#targets[@]} -gt 0 ]] || targets=(all)
cargo build --release -p paperdex-fuzz
exec nice target/release/paperdex-fuzz run "${targets[@]}" \
    --seconds "${SECONDS_PER_TARGET:-600}" --jobs "${FUZZ_JOBS:-2}" \
    ${FUZZ_SEED:+--seed "$FUZZ_SEED"} --out target/fuzz
