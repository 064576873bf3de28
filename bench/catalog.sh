#!/usr/bin/env bash
# Catalogue and search benchmark (issue 6): seeds realistic French
# datasets through the API of a fresh `passerelle serve` on loopback,
# then times package_search (in the storage layer and over HTTP) at two
# catalogue sizes, package_show and package_search under wrk against a
# bare gin handler serving the same bytes, package_list, a full DCAT
# harvest and a full CKAN harvest, with the server's RSS. Prints every
# figure beside its reference as a ratio and exits 1 when a target is
# missed (bench/catalog/report.go holds the targets).
#
#   bash bench/catalog.sh [WORKDIR]
#
#   WORKDIR  scratch folder for binaries, data directories and results
#            (default /tmp/catbench); nothing is written into the repository.
#
# Environment:
#   BENCH_N=100000       largest catalogue, where the targets apply
#   BENCH_SMALL=10000    first catalogue measured, for the p95 growth (0: none)
#   BENCH_SEED_C=4       concurrent package_create clients
#   BENCH_ITERS=100      timed calls per search query
#   BENCH_WRK=20s        duration of each wrk run (2 threads, 32 connections)
#   BENCH_PORT=18480     server port on 127.0.0.1 (the bare handler: +1)
#   PASSERELLE_BENCH_DATABASE_URL=postgres://…   also run on PostgreSQL, in a
#                        database passerelle_catbench created (dropped first)
#                        on that server
#   BENCH_DBS="sqlite postgres"   which databases to run (default: sqlite,
#                        and postgres when the URL is set)
#
# Quick smoke run: BENCH_N=10000 BENCH_SMALL=0 BENCH_ITERS=20 BENCH_WRK=5s.
#
# Every measurement holds /tmp/passerelle-bench.lock (shared with the other
# benchmarks of this machine), phase by phase, so that runs do not overlap.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=${1:-/tmp/catbench}
N=${BENCH_N:-100000}
SMALL=${BENCH_SMALL:-10000}
SEED_C=${BENCH_SEED_C:-4}
ITERS=${BENCH_ITERS:-100}
WRK_D=${BENCH_WRK:-20s}
PORT=${BENCH_PORT:-18480}
BARE_PORT=$((PORT + 1))
PGURL=${PASSERELLE_BENCH_DATABASE_URL:-}
DBS=${BENCH_DBS:-sqlite${PGURL:+ postgres}}
TOKEN=bench-$RANDOM$RANDOM$RANDOM
URL=http://127.0.0.1:$PORT

for tool in wrk jq curl flock; do
  command -v $tool >/dev/null || { echo "$tool is needed"; exit 1; }
done
mkdir -p "$W/bin"
RESULTS=$W/results.tsv
: >"$RESULTS"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_lock

load() { echo "   load average $(cut -d' ' -f1-3 /proc/loadavg)"; }

bench_machine "$ROOT"
load

echo "== build"
(cd "$ROOT" && go build -o "$W/bin/passerelle" ./cmd/passerelle && go build -o "$W/bin/catalog" ./bench/catalog)
CAT=$W/bin/catalog

SPID="" BPID="" RPID=""
stop() { # stop PID: SIGTERM, then wait for it
  if [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; then
    kill -TERM "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
  fi
}
cleanup() { stop "$RPID"; stop "$BPID"; stop "$SPID"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server DB: a server on the catalogue of DB, waiting until it answers.
start_server() {
  # Rate limits off: the benchmark loads from one address and one token.
  local args=(serve --data-dir "$W/$1" --addr "127.0.0.1:$PORT" --read-rate 0 --write-rate 0)
  if [ "$1" = postgres ]; then args+=(--database-url "$DBURL"); fi
  PASSERELLE_BOOTSTRAP_TOKEN=$TOKEN "$W/bin/passerelle" "${args[@]}" >>"$W/$1.log" 2>&1 9>&- &
  SPID=$!
  for _ in $(seq 300); do
    curl -fso /dev/null "$URL/healthz" && return
    kill -0 "$SPID" 2>/dev/null || { tail "$W/$1.log"; echo "the server stopped"; exit 1; }
    sleep 0.2
  done
  echo "the server does not answer"
  exit 1
}

# record DB N: tag the figures of a command with the database and size,
# show them and keep them.
record() { awk -v p="$1.$2." -F'\t' '{print p $0; fflush()}' | tee -a "$RESULTS"; }

# wrk_rps NAME URL: requests per second of a wrk run.
wrk_rps() {
  local out
  out=$(wrk -t2 -c32 -d"$WRK_D" --latency "$2")
  echo "$out" >"$W/wrk-$1.txt"
  if grep -q 'Non-2xx' <<<"$out"; then
    echo "$out" >&2
    echo "wrk $1: error responses" >&2
    return 1
  fi
  printf 'wrk.%s_rps\t%s\trequests/s\n' "$1" "$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
  printf 'wrk.%s_p99\t%s\tms\n' "$1" "$(awk '$1 == "99%" {print $2}' <<<"$out" | sed 's/ms$//;s/us$/e-3/;s/s$/e3/')"
}

run_db() {
  local db=$1 store=() prev=0 sizes=()
  rm -rf "${W:?}/$db" "$W/$db.log"
  if [ "$db" = postgres ]; then
    DBURL=$("$CAT" pgdb -database-url "$PGURL")
    store=(-database-url "$DBURL")
  else
    store=(-data-dir "$W/$db")
  fi
  if [ "$SMALL" -gt 0 ] && [ "$SMALL" -lt "$N" ]; then sizes=("$SMALL"); fi
  sizes+=("$N")
  start_server "$db"
  for n in "${sizes[@]}"; do
    echo "== $db: seed $prev → $n datasets through package_create ($SEED_C clients)"
    lock; load
    "$CAT" seed -url "$URL" -token "$TOKEN" -n "$n" -from "$prev" -c "$SEED_C" | record "$db" "$n"
    unlock
    prev=$n
    # Restart: the planner statistics are refreshed at start-up (serve
    # also does every ten minutes), and RSS starts from a served catalogue,
    # not from the seeding.
    stop "$SPID"
    start_server "$db"
    echo "== $db, $n datasets: package_search in the storage layer, then over HTTP"
    lock; load
    "$CAT" search "${store[@]}" -iters "$ITERS" | record "$db" "$n"
    "$CAT" http -url "$URL" -token "$TOKEN" -iters "$ITERS" | record "$db" "$n"
    unlock
  done

  echo "== $db, $N datasets: package_list"
  lock; load
  "$CAT" list -url "$URL" -pid "$SPID" | record "$db" "$N"
  unlock

  echo "== $db, $N datasets: wrk (2 threads, 32 connections, $WRK_D) against a bare gin handler"
  local name org
  name=$(curl -fs "$URL/api/3/action/package_list?limit=1&offset=$((N / 2))" | jq -r '.result[0]')
  org=$("$CAT" org)
  local show="/api/3/action/package_show?id=$name"
  local find="/api/3/action/package_search?fq=organization:$org"
  curl -fso "$W/show.json" "$URL$show"
  curl -fso "$W/search.json" "$URL$find"
  "$CAT" bare -addr "127.0.0.1:$BARE_PORT" -route "/api/3/action/package_show=$W/show.json" \
    -route "/api/3/action/package_search=$W/search.json" 9>&- &
  BPID=$!
  lock; load
  "$CAT" rss -pid "$SPID" -name wrk.rss 9>&- >"$W/wrk-rss.tsv" &
  RPID=$!
  { wrk_rps show "$URL$show"; wrk_rps search "$URL$find"; } | record "$db" "$N"
  stop "$RPID"
  RPID=""
  record "$db" "$N" <"$W/wrk-rss.tsv"
  { wrk_rps bare_show "http://127.0.0.1:$BARE_PORT$show"; wrk_rps bare_search "http://127.0.0.1:$BARE_PORT$find"; } | record "$db" "$N"
  unlock
  stop "$BPID"
  BPID=""

  echo "== $db, $N datasets: DCAT harvest through /catalog.ttl pages"
  lock; load
  "$CAT" dcat -url "$URL" -pid "$SPID" | record "$db" "$N"
  unlock
  echo "== $db, $N datasets: CKAN harvest (package_list, then package_show of each, 4 at a time)"
  lock; load
  "$CAT" ckan -url "$URL" -pid "$SPID" -c 4 | record "$db" "$N"
  unlock
  stop "$SPID"
  SPID=""
}

for db in $DBS; do
  run_db "$db"
done

echo "== report"
load
"$CAT" report "$RESULTS"
