#!/usr/bin/env bash
# Bounded load test (issue 9), on loopback only: a fresh `passerelle serve`
# with a seeded catalogue and one datastore table; then, for BENCH_D,
# wrk reads package_search, package_show and datastore_search at steady
# concurrency (three wrk processes at once) while uploaders create
# datasets and upload CSV files through resource_create. Reports each
# wrk run's throughput, p50/p99 and errors (first with reads alone, as
# the baseline, then with the uploads), the uploads' rate and
# latency, and then checks that every upload is present: listed by
# package_show, ingested, downloadable byte for byte, every row in the
# datastore. Exits 1 on any error response or missing upload.
#
#   bash bench/load.sh [WORKDIR]        (default /tmp/loadbench)
#
# Environment:
#   BENCH_N=5000        datasets seeded before the test (bench/catalog seed)
#   BENCH_D=60s         length of the loaded phase
#   BENCH_C=8           connections per wrk process (one thread each)
#   BENCH_UPLOADERS=2   concurrent uploaders
#   BENCH_ROWS=2000     rows per uploaded file
#   BENCH_TABLE=100000  rows of the table datastore_search reads
#   BENCH_PORT=18490    server port on 127.0.0.1
#   PASSERELLE_BENCH_DATABASE_URL=postgres://…  run on PostgreSQL (a
#                       database passerelle_catbench is created, dropped first)
#
# Holds /tmp/passerelle-bench.lock while it measures.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-/tmp/loadbench}
N=${BENCH_N:-5000}
D=${BENCH_D:-60s}
C=${BENCH_C:-8}
UPLOADERS=${BENCH_UPLOADERS:-2}
ROWS=${BENCH_ROWS:-2000}
TABLE=${BENCH_TABLE:-100000}
PORT=${BENCH_PORT:-18490}
PGURL=${PASSERELLE_BENCH_DATABASE_URL:-}
TOKEN=load-$RANDOM$RANDOM$RANDOM
URL=http://127.0.0.1:$PORT

for tool in wrk jq curl flock; do
  command -v $tool >/dev/null || { echo "$tool is needed"; exit 1; }
done
rm -rf "${W:?}/data" "$W/server.log"
mkdir -p "$W/bin"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_machine "$ROOT"

echo "== build"
(cd "$ROOT" && go build -o "$W/bin/passerelle" ./cmd/passerelle && go build -o "$W/bin/catalog" ./bench/catalog && go build -o "$W/bin/load" ./bench/load)

bench_lock
lock

SPID=""
cleanup() { if [ -n "$SPID" ]; then kill -TERM "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; fi; }
trap cleanup EXIT
trap 'exit 130' INT TERM

args=(serve --data-dir "$W/data" --addr "127.0.0.1:$PORT" --workers 2)
db=sqlite
if [ -n "$PGURL" ]; then
  db=postgres
  args+=(--database-url "$("$W/bin/catalog" pgdb -database-url "$PGURL")")
fi
# Rate limits off: the test loads the server from one address and one
# token, to measure the server, not the limiter.
args+=(--read-rate 0 --write-rate 0)
PASSERELLE_BOOTSTRAP_TOKEN=$TOKEN "$W/bin/passerelle" "${args[@]}" >>"$W/server.log" 2>&1 9>&- &
SPID=$!
for _ in $(seq 300); do
  curl -fso /dev/null "$URL/healthz" && break
  kill -0 "$SPID" 2>/dev/null || { tail "$W/server.log"; echo "the server stopped"; exit 1; }
  sleep 0.2
done

echo "== $db: seed $N datasets, one table of $TABLE rows"
"$W/bin/catalog" seed -url "$URL" -token "$TOKEN" -n "$N" -c 4 >/dev/null
"$W/bin/load" org -url "$URL" -token "$TOKEN" -name charge
RES=$("$W/bin/load" table -url "$URL" -token "$TOKEN" -org charge -rows "$TABLE")
NAME=$(curl -fs "$URL/api/3/action/package_list?limit=1&offset=$((N / 2))" | jq -r '.result[0]')
ORG=$("$W/bin/catalog" org)

show="$URL/api/3/action/package_show?id=$NAME"
search="$URL/api/3/action/package_search?q=budget&fq=organization:$ORG&rows=10"
dssearch="$URL/api/3/action/datastore_search?resource_id=$RES&limit=100&filters=%7B%22code_insee%22%3A%222A004%22%7D"
for u in "$show" "$search" "$dssearch"; do curl -fso /dev/null "$u" || { echo "$u fails"; exit 1; }; done

# phase NAME UPLOADERS: D of the three wrk runs, with UPLOADERS uploading
# meanwhile (0: reads alone, the baseline), then the figures.
fail=0
phase() {
  local name=$1 uploaders=$2 upid="" t f rps p50 p99 non2xx sock
  echo "== $db, $name: $D of wrk (3 × 1 thread × $C connections), $uploaders uploaders of $ROWS-row files"
  if [ "$uploaders" -gt 0 ]; then
    "$W/bin/load" upload -url "$URL" -token "$TOKEN" -org charge -c "$uploaders" -duration "$D" -rows "$ROWS" -out "$W/uploads.tsv" >"$W/upload.tsv" 9>&- &
    upid=$!
  fi
  wrk -t1 -c"$C" -d"$D" --latency "$show" >"$W/wrk-$name-show.txt" 9>&- &
  local w1=$!
  wrk -t1 -c"$C" -d"$D" --latency "$search" >"$W/wrk-$name-search.txt" 9>&- &
  local w2=$!
  wrk -t1 -c"$C" -d"$D" --latency "$dssearch" >"$W/wrk-$name-dssearch.txt" 9>&- &
  local w3=$!
  wait $w1 $w2 $w3
  if [ -n "$upid" ]; then wait "$upid" || fail=1; fi
  for t in show search dssearch; do
    f=$W/wrk-$name-$t.txt
    rps=$(awk '/^Requests\/sec/ {print $2}' "$f")
    p50=$(awk '$1 == "50%" {print $2}' "$f")
    p99=$(awk '$1 == "99%" {print $2}' "$f")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$f")
    sock=$(awk '/Socket errors/ {s = 0; for (i = 3; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) s += $i; print s}' "$f")
    printf '   %-9s %9s req/s  p50 %8s  p99 %8s  non-2xx %s  socket errors %s\n' "$t" "$rps" "$p50" "$p99" "${non2xx:-0}" "${sock:-0}"
    if [ -n "$non2xx" ] || [ "${sock:-0}" != 0 ]; then fail=1; fi
  done
  if [ -n "$upid" ]; then
    sed 's/^/   /' "$W/upload.tsv"
    grep -q $'^upload.errors\t0\t' "$W/upload.tsv" || fail=1
  fi
}
phase reads 0
phase "reads+uploads" "$UPLOADERS"
echo "   server peak RSS $(($(awk '/VmHWM/ {print $2}' /proc/$SPID/status) / 1024)) MiB"

echo "== $db: every upload present, ingested, byte-identical, every row in the datastore"
"$W/bin/load" verify -url "$URL" -in "$W/uploads.tsv" -wait 10m | sed 's/^/   /' || fail=1
if [ $fail != 0 ]; then echo "FAILED: errors under load (see $W)"; exit 1; fi
echo "ok"
