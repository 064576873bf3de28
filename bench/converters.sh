#!/usr/bin/env bash
# Benchmark the converters package against reference tools on the same
# inputs, in the same run (issue 3 targets; method of
# shared/research/perf-anchors.md: medians of whole-process runs, here
# paired A/B runs alternated; peak RSS from /usr/bin/time -v).
#
#   bash bench/converters.sh [-L] [-q] [WORKDIR]
#
#   -L        also the L CSV (5M rows, 540 MB)
#   -q        quick smoke run: small files, one run each (not a measurement)
#   WORKDIR   scratch folder for data and binaries (default /tmp/convbench);
#             nothing is written into the repository.
#
# Needs: go, python3, xlsx2csv, /usr/bin/time (installed with
# apt-get when missing and running as root).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${SHARED:-$ROOT/../shared}
L=0 QUICK=0
while getopts "Lq" o; do
  case $o in L) L=1 ;; q) QUICK=1 ;; *) exit 2 ;; esac
done
shift $((OPTIND - 1))
W=${1:-/tmp/convbench}
mkdir -p "$W/bin"

need=()
command -v xlsx2csv >/dev/null || need+=(xlsx2csv)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "missing: ${need[*]} (apt-get install them)"; exit 1; }
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi

echo "== build"
(cd "$SHARED/bench/gen" && go build -o "$W/bin/benchgen" .)
(cd "$SHARED/bench/anchors" && go build -o "$W/bin/" ./csvread)
(cd "$ROOT" && go build -o "$W/bin/converters" ./bench/converters)
cd "$W"
G=bin/benchgen
if [ $QUICK = 1 ]; then
  M=20000 LR=100000 X=4000 R=1 R3=1
else
  M=1000000 LR=5000000 X=200000 R=7 R3=3
fi
[ -f m.csv ]      || $G -rows $M -format csv -out m.csv
[ -f m.xlsx ]     || $G -rows $X -format xlsx -out m.xlsx
[ -f m-sst.xlsx ] || $G -rows $X -format xlsx -sst -out m-sst.xlsx
if [ $L = 1 ]; then [ -f l.csv ] || $G -rows $LR -format csv -out l.csv; fi

results=$W/results.tsv
: > "$results"
# hf NAME REF_CMD OUR_CMD RUNS: one warm-up each, then RUNS pairs run
# alternately (reference, ours, reference, ours…), so that load from other
# work on the machine hits both alike; prints the median wall time of each
# and the median of the per-pair ratios.
hf() {
  python3 - "$1" "$2" "$3" "$4" >>"$results" <<'PY'
import shlex, statistics, subprocess, sys, time
name, ref, ours, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
def run(cmd):
    t = time.perf_counter()
    subprocess.run(shlex.split(cmd), check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t
if runs > 1:
    run(ref), run(ours)
pairs = [(run(ref), run(ours)) for _ in range(runs)]
r = statistics.median(p[0] for p in pairs)
o = statistics.median(p[1] for p in pairs)
ratio = statistics.median(p[0] / p[1] for p in pairs)
print("%s\t%.3f\t%.3f\t%.2f" % (name, r, o, ratio))
PY
  tail -1 "$results"
}
# rss CMD…: median peak RSS in MiB over 3 runs (one run can catch the GC
# behind on a loaded machine).
rss() {
  for _ in 1 2 3; do
    /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident/{print $2}'
  done | sort -n | sed -n 2p | awk '{printf "%.1f", $1/1024}'
}

echo "== CSV M: schema"
bin/converters -mode inspect -schema m.schema.json m.csv
echo "== CSV M: sniff + inference pass vs encoding/csv read (b1)"
hf csv_m_infer "bin/csvread m.csv" "bin/converters -mode inspect m.csv" "$R"
echo "== CSV M: normalising pass vs encoding/csv read + write (b3)"
hf csv_m_norm "bin/csvread -out copy.csv m.csv" "bin/converters -mode normalize -schema m.schema.json -out norm.csv m.csv" "$R"
RSS_M_INFER=$(rss bin/converters -mode inspect m.csv)
RSS_M_NORM=$(rss bin/converters -mode normalize -schema m.schema.json -out norm.csv m.csv)
RSS_M_B1=$(rss bin/csvread m.csv)
if [ $L = 1 ]; then
  echo "== CSV L"
  bin/converters -mode inspect -schema l.schema.json l.csv
  hf csv_l_infer "bin/csvread l.csv" "bin/converters -mode inspect l.csv" "$R3"
  hf csv_l_norm "bin/csvread -out copy.csv l.csv" "bin/converters -mode normalize -schema l.schema.json -out norm.csv l.csv" "$R3"
  RSS_L_INFER=$(rss bin/converters -mode inspect l.csv)
  RSS_L_NORM=$(rss bin/converters -mode normalize -schema l.schema.json -out norm.csv l.csv)
fi
echo "== XLSX (inline strings): file -> normalised CSV, both passes, vs xlsx2csv (f8)"
hf xlsx_inline "xlsx2csv -d ; m.xlsx x2c.csv" "bin/converters -mode convert -out norm.csv m.xlsx" "$R"
echo "== XLSX (shared strings) vs xlsx2csv (f9)"
hf xlsx_sst "xlsx2csv -d ; m-sst.xlsx x2c.csv" "bin/converters -mode convert -out norm.csv m-sst.xlsx" "$R"
RSS_X_INLINE=$(rss bin/converters -mode convert -out norm.csv m.xlsx)
RSS_X_SST=$(rss bin/converters -mode convert -out norm.csv m-sst.xlsx)
RSS_X2C_INLINE=$(rss xlsx2csv -d ';' m.xlsx x2c.csv)
RSS_X2C_SST=$(rss xlsx2csv -d ';' m-sst.xlsx x2c.csv)
rm -f copy.csv norm.csv x2c.csv

echo
echo "== Results (median wall times; ratio = median over pairs of reference time / our time: our speed relative to the reference)"
python3 - "$results" <<PY
import sys
targets = {
  "csv_m_infer": ("CSV M sniff+inference vs encoding/csv read (b1)", 0.4, None),
  "csv_m_norm":  ("CSV M normalising pass vs encoding/csv read+write (b3)", 0.7, None),
  "csv_l_infer": ("CSV L sniff+inference vs encoding/csv read (b1)", 0.4, None),
  "csv_l_norm":  ("CSV L normalising pass vs encoding/csv read+write (b3)", 0.7, None),
  "xlsx_inline": ("XLSX inline strings -> normalised CSV vs xlsx2csv", 1.0, 1.5),
  "xlsx_sst":    ("XLSX shared strings -> normalised CSV vs xlsx2csv", 1.0, 1.5),
}
print("%-56s %8s %8s %7s  %s" % ("benchmark", "ref s", "ours s", "ratio", "target"))
for line in open(sys.argv[1]):
    name, ref, ours, ratio = line.split()
    label, tgt, stretch = targets[name]
    t = ">= %.1fx" % tgt + (" (stretch %.1fx)" % stretch if stretch else "")
    ok = "ok" if float(ratio) >= tgt else "MISSED"
    print("%-56s %8s %8s %6sx  %s %s" % (label, ref, ours, ratio, t, ok))
PY
echo
echo "Peak RSS (MiB): CSV M inference ${RSS_M_INFER}, normalising ${RSS_M_NORM} (encoding/csv b1: ${RSS_M_B1})"
[ $L = 1 ] && echo "Peak RSS (MiB): CSV L inference ${RSS_L_INFER}, normalising ${RSS_L_NORM} (flat memory: L <= M + 10 MiB)"
echo "Peak RSS (MiB): XLSX inline ${RSS_X_INLINE} (target <= 64), shared strings ${RSS_X_SST} (target <= 160); xlsx2csv ${RSS_X2C_INLINE} / ${RSS_X2C_SST}"
