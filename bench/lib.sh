# bench/lib.sh: what the benchmark scripts share; sourced, not run.
#
#   bench_lock           open /tmp/passerelle-bench.lock on fd 9 (shared by
#                        every benchmark of this machine, so that runs do
#                        not overlap); then `lock` waits for it, `unlock`
#                        lets it go. Children started in the background
#                        close fd 9 (9>&-) so as not to hold it.
#   bench_machine ROOT [PATH…]
#                        print the time, CPU, memory, kernel, Go and the
#                        commit of ROOT (" + uncommitted changes" when the
#                        PATHs, default the whole tree, differ from it)

BENCH_LOCK=/tmp/passerelle-bench.lock

bench_lock() { exec 9>>"$BENCH_LOCK"; }
lock() {
  if ! flock -n 9; then
    echo "   (waiting for $BENCH_LOCK)"
    flock 9
  fi
}
unlock() { flock -u 9; }

bench_machine() {
  local root=$1
  shift
  echo "== machine"
  echo "   $(date -u +%FT%TZ), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "   $(free -m | awk '/^Mem/ {print $2 " MiB memory"}'), $(uname -sr), $(go version | cut -d' ' -f3)"
  echo "   commit $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet HEAD -- "${@:-.}" 2>/dev/null || echo ' + uncommitted changes')"
}
