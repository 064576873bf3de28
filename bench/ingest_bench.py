#!/usr/bin/env python3
"""Timing helpers for bench/ingest.sh (standard library only).

  ingest_bench.py pair NAME RUNS REF_PREP REF_CMD OUR_PREP OUR_CMD
      One warm-up of each, then RUNS pairs run alternately (reference,
      ours, reference, ours…), each command after its untimed PREP (a
      shell line, "" for none). Prints NAME, the median wall time of each
      side, and the median of the per-pair ratios reference/ours: our
      speed relative to the reference on the same rows. When OUR_CMD
      prints a Go benchmark line ("… N ns/op"), ours is that time instead
      of the process's.

  ingest_bench.py rss NAME RUNS PREP CMD
      Runs CMD (after PREP) under /usr/bin/time -v RUNS times; prints NAME,
      the median "Maximum resident set size" in MiB and, sampled from
      /proc every 5 ms, the median peaks of the anonymous and the
      file-backed parts of the process's resident set.

  ingest_bench.py cores
      How many cores the machine gives right now: 2 x the time of one
      busy process / the time of two at once, medians of 5 (2.0: both
      cores free; with one core taken by another busy process, about 1.3,
      as three processes then share two cores; 1.0 or less: both taken).

  ingest_bench.py sqltime DB N SQL…
      Runs the SQL statements N times in one sqlite3 CLI session with
      .timer on (rows to /dev/null) and prints the median, over the N
      rounds, of the statements' summed times in ms. A statement's time is
      the timer's real time, or its user+sys time when real is under
      10 ms (real is printed to the millisecond; the file is in the page
      cache, so a short query's CPU time is its wall time).
"""
import re
import shlex
import statistics
import subprocess
import sys
import time


def check(p, cmd):
    if p.returncode != 0:
        sys.exit("%s: exit status %d\n%s" % (cmd, p.returncode, p.stderr))


def sh(line):
    if line:
        check(subprocess.run(line, shell=True, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True), line)


def timed(cmd):
    t = time.perf_counter()
    p = subprocess.run(shlex.split(cmd), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t
    check(p, cmd)
    m = re.search(r"\s(\d+) ns/op", p.stdout)
    return int(m.group(1)) / 1e9 if m else wall


def pair(name, runs, ref_prep, ref, our_prep, ours):
    runs = int(runs)

    def one(prep, cmd):
        sh(prep)
        return timed(cmd)

    if runs > 1:
        one(ref_prep, ref), one(our_prep, ours)
    pairs = [(one(ref_prep, ref), one(our_prep, ours)) for _ in range(runs)]
    r = statistics.median(p[0] for p in pairs)
    o = statistics.median(p[1] for p in pairs)
    ratio = statistics.median(p[0] / p[1] for p in pairs)
    print("%s\t%.3f\t%.3f\t%.3f" % (name, r, o, ratio))


def status_kb(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def rss(name, runs, prep, cmd):
    maxes, anons, files = [], [], []
    for _ in range(int(runs)):
        sh(prep)
        p = subprocess.Popen(["/usr/bin/time", "-v"] + shlex.split(cmd),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        anon = file = 0
        child = 0
        while p.poll() is None:
            if not child:
                try:
                    with open("/proc/%d/task/%d/children" % (p.pid, p.pid)) as f:
                        child = int(f.read().split()[0])
                except (OSError, IndexError, ValueError):
                    pass
            if child:
                anon = max(anon, status_kb(child, "RssAnon"))
                file = max(file, status_kb(child, "RssFile"))
            time.sleep(0.005)
        err = p.stderr.read()
        if p.returncode != 0:
            sys.exit("%s failed:\n%s" % (cmd, err))
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
        maxes.append(int(m.group(1)))
        anons.append(anon)
        files.append(file)
    med = statistics.median
    print("%s\t%.1f\t%.1f\t%.1f" % (name, med(maxes) / 1024, med(anons) / 1024, med(files) / 1024))


def sqltime(db, n, *stmts):
    n = int(n)
    script = ".timer on\n.output /dev/null\n" + "".join(s.rstrip(";") + ";\n" for s in stmts) * n
    out = subprocess.run(["sqlite3", "-readonly", db], input=script, check=True,
                         stdout=subprocess.PIPE, text=True).stdout
    times = []
    for m in re.finditer(r"Run Time: real ([\d.]+) user ([\d.]+) sys ([\d.]+)", out):
        real, user, sys_ = map(float, m.groups())
        times.append(real if real >= 0.010 else user + sys_)
    if len(times) != n * len(stmts):
        sys.exit("sqltime: %d timings for %d statements" % (len(times), n * len(stmts)))
    k = len(stmts)
    rounds = [sum(times[i:i + k]) for i in range(0, len(times), k)]
    print("%.3f" % (statistics.median(rounds) * 1000))


def busy():
    # Pure CPU work of a fixed size (about 0.3 s on one free core): x is
    # kept to 32 bits, else it grows into a bignum and each step costs more.
    x = 0
    for i in range(2_000_000):
        x = (x + (i ^ (x >> 3))) & 0xFFFFFFFF
    return x


def cores():
    def run(n):
        t = time.perf_counter()
        ps = [subprocess.Popen([sys.executable, __file__, "busy"]) for _ in range(n)]
        for p in ps:
            p.wait()
        return time.perf_counter() - t
    one = statistics.median(run(1) for _ in range(5))
    two = statistics.median(run(2) for _ in range(5))
    print("%.2f" % (2 * one / two))


if __name__ == "__main__":
    {"pair": pair, "rss": rss, "sqltime": sqltime, "cores": cores, "busy": busy}[sys.argv[1]](*sys.argv[2:])
