#!/usr/bin/env bash
# Load benchmark of `paperdex serve` with wrk, on loopback, against the
# bundled corpus plus the 11k conference papers: throughput and p50/p99 of
# /api/search in each mode and of a paper page.
#
#   scripts/bench-server.sh                 # 60 s per endpoint (the issue's protocol)
#   DURATION=20 scripts/bench-server.sh     # shorter runs while iterating
#
# Environment:
#   BENCH_LIB     library directory, built once and reused (default /work/bench-server-lib,
#                 else target/bench-server-lib)
#   CORPUS        conference JSON directory (default ../shared/corpus/conferences)
#   DURATION      seconds per run (default 60)
#   CONNECTIONS   open connections (default 16); THREADS wrk threads (default 2)
#   PORT          server port (default 18080)
#   PAPERDEX_BIN  a paperdex binary to use instead of building target/release/paperdex
# Goals (issue 5): >= 1000 req/s lexical, >= 300 req/s hybrid, p99 <= 50 ms, no errors.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
PORT=${PORT:-18080}
CORPUS=${CORPUS:-$ROOT/../shared/corpus/conferences}
if [ -z "${BENCH_LIB:-}" ]; then
    if [ -d /work ] && [ -w /work ]; then BENCH_LIB=/work/bench-server-lib; else BENCH_LIB=$ROOT/target/bench-server-lib; fi
fi
OUT=$ROOT/target/bench-server
mkdir -p "$OUT"

if ! command -v wrk >/dev/null 2>&1; then
    echo "bench-server: installing wrk" >&2
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update -qq
    $SUDO apt-get install -y --no-install-recommends wrk
fi

scripts/setup-model.sh >/dev/null
if [ -n "${PAPERDEX_BIN:-}" ]; then
    BIN=$PAPERDEX_BIN
else
    cargo build --release -p paperdex-cli --quiet
    BIN=$ROOT/target/release/paperdex
fi

if [ ! -f "$BENCH_LIB/library.sqlite" ] || [ ! -f "$BENCH_LIB/.complete" ]; then
    echo "bench-server: building the library in $BENCH_LIB (once; embedding takes minutes)" >&2
    rm -rf "$BENCH_LIB"
    "$BIN" --data-dir "$BENCH_LIB" ingest data/seeds "$CORPUS" >&2
    touch "$BENCH_LIB/.complete"
fi
"$BIN" --data-dir "$BENCH_LIB" stats >&2

"$BIN" --data-dir "$BENCH_LIB" serve --addr "127.0.0.1:$PORT" 2>"$OUT/server.log" &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$PORT/api/stats" >/dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$OUT/server.log" >&2; exit 2; }
    sleep 0.2
done

# Queries: the first words of library titles (many distinct queries, as real
# traffic has); paper pages: ids across the library.
python3 - "$PORT" "$OUT" <<'PY'
import json, random, sys, urllib.parse, urllib.request
port, out = sys.argv[1], sys.argv[2]
def get(path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as r:
        return json.load(r)
stats = get("/api/stats")
titles = []
for offset in range(0, 1000, 100):
    titles += [h["title"] for h in get(f"/api/search?year=2010..2030&k=100&offset={offset}")["hits"]]
random.seed(7)
queries = set()
for t in titles:
    words = [w.strip(".,:;()?!\"'") for w in t.split()]
    words = [w for w in words if len(w) > 2]
    if len(words) >= 2:
        n = random.choice([2, 3, 4])
        queries.add(" ".join(words[:n]).lower())
queries = sorted(queries)
random.shuffle(queries)
for mode in ["lexical", "semantic", "hybrid"]:
    with open(f"{out}/paths-{mode}.txt", "w") as f:
        for q in queries:
            f.write(f"/api/search?mode={mode}&k=10&q={urllib.parse.quote(q)}\n")
with open(f"{out}/paths-paper.txt", "w") as f:
    ids = list(range(1, stats["papers"] + 1))
    random.shuffle(ids)
    for i in ids[:5000]:
        f.write(f"/papers/{i}\n")
print(f"bench-server: {len(queries)} distinct queries, {stats['papers']} papers", file=sys.stderr)
PY

SUMMARY=$OUT/summary.txt
printf "%-18s %10s %9s %9s %9s %8s\n" endpoint "req/s" "p50 ms" "p90 ms" "p99 ms" errors | tee "$SUMMARY"
to_ms() { # wrk prints 1.23ms, 456.00us or 1.02s
    awk -v v="$1" 'BEGIN { if (v ~ /us$/) { sub(/us$/, "", v); printf "%.2f", v / 1000 }
                           else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.2f", v }
                           else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.2f", v * 1000 } }'
}
for kind in lexical hybrid semantic paper; do
    # A short warm-up, then the measured run.
    BENCH_PATHS="$OUT/paths-$kind.txt" wrk -t"$THREADS" -c"$CONNECTIONS" -d5s \
        -s scripts/bench/wrk-rotate.lua "http://127.0.0.1:$PORT" >/dev/null
    BENCH_PATHS="$OUT/paths-$kind.txt" wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
        -s scripts/bench/wrk-rotate.lua "http://127.0.0.1:$PORT" >"$OUT/wrk-$kind.txt"
    rps=$(awk '/^Requests\/sec/ { print $2 }' "$OUT/wrk-$kind.txt")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' "$OUT/wrk-$kind.txt")")
    p90=$(to_ms "$(awk '$1 == "90%" { print $2 }' "$OUT/wrk-$kind.txt")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' "$OUT/wrk-$kind.txt")")
    non2xx=$(awk '/Non-2xx/ { print $NF }' "$OUT/wrk-$kind.txt"); non2xx=${non2xx:-0}
    sockerr=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$OUT/wrk-$kind.txt"); sockerr=${sockerr:-0}
    label=$kind; [ "$kind" = paper ] && label="paper page" || label="search $kind"
    printf "%-18s %10s %9s %9s %9s %8s\n" "$label" "$rps" "$p50" "$p90" "$p99" "$((non2xx + sockerr))" | tee -a "$SUMMARY"
done
echo "bench-server: $DURATION s per run, $CONNECTIONS connections, $THREADS wrk threads, $(nproc) cores; wrk output in $OUT" | tee -a "$SUMMARY"
