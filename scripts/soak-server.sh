#!/usr/bin/env bash
# Soak test of `paperdex serve` (issue 8): wrk on loopback for SOAK_SECONDS
# (default 600) against search in every mode, paper pages and author pages,
# while `paperdex ingest` writes (and embeds) new papers into the same
# library. Reports requests, non-2xx responses and socket errors, and the
# server's resident memory at start, every 30 s, and at the end.
#
#   scripts/soak-server.sh                     # 10 minutes
#   SOAK_SECONDS=60 scripts/soak-server.sh     # a quick look
#
# Environment: BENCH_LIB (the served library's source, built by
# scripts/bench-server.sh; copied, never changed), PAPERDEX_BIN, PORT
# (default 18090), NEW_PAPERS (papers the concurrent ingest adds, default
# 20000), CONNECTIONS (16).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SOAK_SECONDS=${SOAK_SECONDS:-600}
PORT=${PORT:-18090}
NEW_PAPERS=${NEW_PAPERS:-20000}
CONNECTIONS=${CONNECTIONS:-16}
if [ -z "${BENCH_LIB:-}" ]; then
    if [ -d /work ] && [ -w /work ]; then BENCH_LIB=/work/bench-server-lib; else BENCH_LIB=$ROOT/target/bench-server-lib; fi
fi
if [ ! -f "$BENCH_LIB/.complete" ]; then
    echo "soak: no library at $BENCH_LIB: run scripts/bench-server.sh once (it builds one)" >&2
    exit 2
fi
BIN=${PAPERDEX_BIN:-}
if [ -z "$BIN" ]; then
    cargo build --release -p paperdex-cli --quiet
    BIN=$ROOT/target/release/paperdex
fi
command -v wrk >/dev/null || { echo "soak: wrk is missing (apt-get install wrk)" >&2; exit 2; }

OUT=$ROOT/target/soak
rm -rf "$OUT"
mkdir -p "$OUT"
cp -r "$BENCH_LIB" "$OUT/library"
# What the writer ingests: new papers recombined from the library's own
# (`paperdex bench scale` writes them as conference JSON files).
"$BIN" --data-dir "$OUT/library" bench scale --papers "$NEW_PAPERS" --queries 1 \
    --source "$BENCH_LIB" --out "$OUT/new" >/dev/null 2>"$OUT/generate.log"
rm -rf "$OUT/new/library"

"$BIN" --data-dir "$OUT/library" serve --addr "127.0.0.1:$PORT" 2>"$OUT/server.log" &
SERVER=$!
WRITER=""
trap 'kill "$SERVER" $WRITER 2>/dev/null || true; wait 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
    curl -sf "http://127.0.0.1:$PORT/api/stats" >/dev/null 2>&1 && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$OUT/server.log" >&2; exit 2; }
    sleep 0.2
done
# Anonymous memory, which is what a leak grows: the library is memory-mapped,
# so VmRSS also counts the database pages the kernel caches for the server.
rss() { awk '/^RssAnon/ { print $2 / 1024 }' "/proc/$SERVER/status"; }

# Paths: searches in every mode, paper pages and author pages, shuffled.
python3 - "$PORT" "$OUT/paths.txt" <<'PY'
import json, random, sys, urllib.parse, urllib.request
port, out = sys.argv[1], sys.argv[2]
def get(path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as r:
        return json.load(r)
hits = []
for offset in range(0, 1000, 100):
    hits += get(f"/api/search?year=2010..2030&k=100&offset={offset}")["hits"]
random.seed(11)
paths = []
for h in hits:
    words = [w.strip(".,:;()?!\"'") for w in h["title"].split() if len(w) > 2]
    if len(words) >= 2:
        q = urllib.parse.quote(" ".join(words[: random.choice([2, 3, 4])]).lower())
        paths.append(f"/api/search?mode={random.choice(['lexical', 'semantic', 'hybrid'])}&q={q}")
        paths.append(f"/search?q={q}")
    paths.append(f"/papers/{h['id']}")
    if h["authors"]:
        paths.append(f"/authors/{random.choice(h['authors'])['id']}")
random.shuffle(paths)
open(out, "w").write("\n".join(paths) + "\n")
print(f"soak: {len(paths)} paths", file=sys.stderr)
PY

BEFORE=$(curl -s "http://127.0.0.1:$PORT/api/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["papers"])')
RSS_START=$(rss)
echo "soak: $BEFORE papers served, server RSS ${RSS_START} MiB; ingesting $NEW_PAPERS new papers while wrk runs ${SOAK_SECONDS} s" | tee "$OUT/summary.txt"
"$BIN" --data-dir "$OUT/library" ingest "$OUT/new/corpus" >"$OUT/ingest.log" 2>&1 &
WRITER=$!
(
    while kill -0 "$SERVER" 2>/dev/null; do
        echo "$(date +%s) $(rss)"
        sleep 30
    done
) >"$OUT/rss.txt" &
BENCH_PATHS="$OUT/paths.txt" wrk -t2 -c"$CONNECTIONS" -d"${SOAK_SECONDS}s" --timeout 30s --latency \
    -s scripts/bench/wrk-rotate.lua "http://127.0.0.1:$PORT" >"$OUT/wrk.txt"
RSS_END=$(rss)
if kill -0 "$WRITER" 2>/dev/null; then WROTE="still running"; else wait "$WRITER" && WROTE="finished" || WROTE="FAILED"; fi
AFTER=$(curl -s "http://127.0.0.1:$PORT/api/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["papers"])')
requests=$(awk '/requests in/ { print $1 }' "$OUT/wrk.txt")
rps=$(awk '/^Requests\/sec/ { print $2 }' "$OUT/wrk.txt")
non2xx=$(awk '/Non-2xx/ { print $NF }' "$OUT/wrk.txt"); non2xx=${non2xx:-0}
sockerr=$(awk '/Socket errors/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$OUT/wrk.txt"); sockerr=${sockerr:-0}
p50=$(awk '$1 == "50%" { print $2 }' "$OUT/wrk.txt"); p99=$(awk '$1 == "99%" { print $2 }' "$OUT/wrk.txt")
server_5xx=$(grep -c 'status=5[0-9][0-9]' "$OUT/server.log" || true)
{
    echo "soak: $requests requests in ${SOAK_SECONDS} s ($rps req/s), p50 $p50, p99 $p99"
    echo "soak: non-2xx $non2xx, socket errors $sockerr, 5xx in the server log $server_5xx"
    echo "soak: server RSS ${RSS_START} MiB at start, ${RSS_END} MiB at end (every 30 s: $OUT/rss.txt)"
    echo "soak: library $BEFORE -> $AFTER papers; the concurrent ingest $WROTE"
} | tee -a "$OUT/summary.txt"
[ "$non2xx" = 0 ] && [ "$sockerr" = 0 ] && [ "$server_5xx" = 0 ]
