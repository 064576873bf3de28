#!/usr/bin/env bash
# Validation overhead benchmark (issue 7: checking an upload against the
# Table Schema its resource declares adds at most 30 % to its ingestion).
#
# Ingests the generator's M CSV (1 000 000 rows, 107 MB) through the whole
# pipeline (catalog/ingest BenchmarkIngestSchema: sniffing, inference, the
# normalised CSV stored as a blob, the SQLite datastore load and commit),
# as a resource without a schema and as one declaring
# tableschema/testdata/bench-subventions.schema.json, alternately, pair
# after pair, so that load from other work on this shared machine hits
# both alike. The overhead is the median of the per-pair time ratios
# (median over the runs of each run's median), printed with the CPU-time
# ratio, and the script exits 1 when it is above the target. For context,
# it also runs tableschema's BenchmarkValidate and BenchmarkRatio on the
# same file.
#
#   bash bench/validation.sh [-q] [WORKDIR]
#
#   -q        quick smoke run: 100 000 rows, one run of one pair each way
#             (not a measurement)
#   WORKDIR   scratch folder for the data and the test binaries (default
#             /tmp/valbench); nothing is written into the repository.
#
# Environment:
#   BENCH_ROWS=1000000   rows of the generated file
#   BENCH_PAIRS=4        pairs (no schema, schema) per run: -benchtime Nx
#   BENCH_COUNT=5        runs: -count N
#   BENCH_MAX=30         the target, in per cent of the ingestion time
#   BENCH_CONTEXT=1      0 skips tableschema's own benchmarks
#
# Equivalent by hand (from catalog/ingest, with the file generated):
#   PASSERELLE_BENCH_FILE=/tmp/valbench/m.csv go test -run '^$' \
#     -bench '^BenchmarkIngestSchema$' -benchtime 4x -count 5 .
#
# Every measurement holds /tmp/passerelle-bench.lock (shared with the other
# benchmarks of this machine), so that runs do not overlap.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
QUICK=0
while getopts "q" o; do
  case $o in q) QUICK=1 ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
W=${1:-/tmp/valbench}
ROWS=${BENCH_ROWS:-1000000}
PAIRS=${BENCH_PAIRS:-4}
COUNT=${BENCH_COUNT:-5}
MAX=${BENCH_MAX:-30}
CONTEXT=${BENCH_CONTEXT:-1}
CTX_TIME=3x CTX_COUNT=3
if [ $QUICK = 1 ]; then
  ROWS=100000 PAIRS=2 COUNT=1 CTX_TIME=1x CTX_COUNT=1
fi
BENCHSTAT=golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
mkdir -p "$W/bin"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_lock
load() { echo "   load average $(cut -d' ' -f1-3 /proc/loadavg) ($1)"; }

bench_machine "$ROOT" catalog converters storage tableschema

echo "== build"
(cd "$SHARED/bench/gen" && go build -o "$W/bin/benchgen" .)
(cd "$ROOT" && go test -c -o "$W/bin/ingest.test" ./catalog/ingest &&
  go test -c -o "$W/bin/tableschema.test" ./tableschema)

echo "== data"
F=$W/m-$ROWS.csv
[ -f "$F" ] || "$W/bin/benchgen" -rows "$ROWS" -format csv -out "$F"
echo "   $F: $ROWS rows, $(($(stat -c %s "$F") / 1000000)) MB"

echo "== ingestion without and with the schema: $COUNT runs of $PAIRS pairs"
lock
load before
(cd "$ROOT/catalog/ingest" && PASSERELLE_BENCH_FILE=$F "$W/bin/ingest.test" -test.run '^$' \
  -test.bench '^BenchmarkIngestSchema$' -test.benchtime "${PAIRS}x" -test.count "$COUNT") | tee "$W/ingest.txt"
load after
unlock

if [ "$CONTEXT" = 1 ]; then
  echo "== tableschema on its own (BenchmarkValidate, BenchmarkRatio)"
  lock
  load before
  (cd "$ROOT/tableschema" && TABLESCHEMA_BENCH_CSV=$F "$W/bin/tableschema.test" -test.run '^$' \
    -test.bench '^Benchmark(Read|Validate|Ratio)$' -test.benchtime "$CTX_TIME" -test.count "$CTX_COUNT") | tee "$W/tableschema.txt"
  load after
  unlock
fi

echo "== benchstat"
if (cd "$W" && go run "$BENCHSTAT" ingest.txt $([ "$CONTEXT" = 1 ] && echo tableschema.txt)) >"$W/benchstat.txt" 2>&1; then
  cat "$W/benchstat.txt"
else
  echo "   benchstat unavailable ($(tail -1 "$W/benchstat.txt")): raw figures above"
fi

# metric UNIT: the median over the runs of BenchmarkIngestSchema's metric.
metric() {
  awk -v u="$1" '/^BenchmarkIngestSchema/ { for (i = 4; i <= NF; i++) if ($i == u) print $(i-1) }' "$W/ingest.txt" |
    sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) exit 1; if (NR % 2) print v[(NR+1)/2]; else print (v[NR/2] + v[NR/2+1]) / 2 }'
}

echo "== result"
plain=$(metric no-schema-s) checked=$(metric schema-s) ratio=$(metric schema/no-schema)
cpu=$(metric schema-cpu/no-schema-cpu) rps=$(metric no-schema-rows/s) rcs=$(metric schema-rows/s)
over=$(awk -v r="$ratio" 'BEGIN { printf "%.1f", 100 * (r - 1) }')
cpuover=$(awk -v r="$cpu" 'BEGIN { printf "%.1f", 100 * (r - 1) }')
printf '   ingestion without schema  %8.3f s  %9.0f rows/s\n' "$plain" "$rps"
printf '   ingestion with schema     %8.3f s  %9.0f rows/s\n' "$checked" "$rcs"
printf '   overhead (median of per-pair ratios)  %s %%   (CPU time: %s %%)   target <= %s %%\n' "$over" "$cpuover" "$MAX"
if awk -v o="$over" -v m="$MAX" 'BEGIN { exit !(o > m) }'; then
  echo "FAIL: validation adds more than $MAX % to the ingestion"
  exit 1
fi
echo "ok"
