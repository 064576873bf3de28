package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// A result line is "DB.N.FIGURE\tVALUE\tUNIT": the figures of one
// database (sqlite, postgres) with N datasets in the catalogue.
type result struct {
	db    string
	n     int
	name  string
	value float64
	unit  string
}

// target is a bound on figure / reference.
type target struct {
	match *regexp.Regexp
	// ref is a fixed reference, or refFigure another figure of the same
	// run (wrk's bare handler).
	ref       float64
	refFigure string
	atMost    bool
	bound     float64
	why       string
}

var targets = []target{
	{match: regexp.MustCompile(`^(server|http)\..*\.p95$`), ref: 20, atMost: true, bound: 1, why: "p95 ≤ 20 ms"},
	{match: regexp.MustCompile(`^create_rate$`), ref: 500, bound: 1, why: "≥ 500 datasets/s"},
	{match: regexp.MustCompile(`^wrk\.show_rps$`), refFigure: "wrk.bare_show_rps", bound: 0.5, why: "≥ 0.5× bare gin"},
	{match: regexp.MustCompile(`^wrk\.search_rps$`), refFigure: "wrk.bare_search_rps", bound: 0.15, why: "≥ 0.15× bare gin"},
	{match: regexp.MustCompile(`^list\.ms_p50$`), ref: 300, atMost: true, bound: 1, why: "≤ 300 ms"},
	{match: regexp.MustCompile(`^list\.rss_growth$`), ref: 8, atMost: true, bound: 1, why: "flat: ≤ 8 MiB more"},
	{match: regexp.MustCompile(`^dcat\.total_s$`), ref: 60, atMost: true, bound: 1, why: "≤ 60 s"},
	{match: regexp.MustCompile(`^dcat\.rss_growth$`), ref: 8, atMost: true, bound: 1, why: "flat: ≤ 8 MiB after page 10"},
	{match: regexp.MustCompile(`^wrk\.rss\.max$`), ref: 150, atMost: true, bound: 1, why: "≤ 150 MiB"},
}

// growthBound is the largest p95 growth from the smallest to the largest
// catalogue of a run.
const growthBound = 2

// report prints every figure of a results file, each one with a target
// beside its reference as a ratio, and fails when a ratio misses its
// target. Targets apply to the largest catalogue of the run; p95 growth
// compares it with the smallest.
func report(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: catalog report RESULTS.tsv")
	}
	f, err := os.Open(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	var results []result
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 3 {
			return fmt.Errorf("bad result line %q", line)
		}
		parts := strings.SplitN(cols[0], ".", 3)
		if len(parts) != 3 {
			return fmt.Errorf("bad figure name %q", cols[0])
		}
		n, err1 := strconv.Atoi(parts[1])
		v, err2 := strconv.ParseFloat(cols[1], 64)
		if err := errors.Join(err1, err2); err != nil {
			return fmt.Errorf("bad result line %q: %w", line, err)
		}
		results = append(results, result{db: parts[0], n: n, name: parts[2], value: v, unit: cols[2]})
	}
	if err := sc.Err(); err != nil {
		return err
	}
	var dbs []string
	for _, r := range results {
		if !slices.Contains(dbs, r.db) {
			dbs = append(dbs, r.db)
		}
	}
	misses := 0
	for _, db := range dbs {
		misses += reportDB(db, results)
	}
	if misses > 0 {
		return fmt.Errorf("%d targets missed", misses)
	}
	fmt.Println("\nevery target met")
	return nil
}

func reportDB(db string, all []result) (misses int) {
	byN := map[int]map[string]result{}
	var ns []int
	for _, r := range all {
		if r.db != db {
			continue
		}
		if byN[r.n] == nil {
			byN[r.n] = map[string]result{}
			ns = append(ns, r.n)
		}
		byN[r.n][r.name] = r
	}
	slices.Sort(ns)
	small, big := ns[0], ns[len(ns)-1]
	row := func(name, value, ref, ratio, want, verdict string) {
		fmt.Printf("%-44s %14s  %-22s %8s  %-28s %s\n", name, value, ref, ratio, want, verdict)
	}
	verdict := func(ok bool) string {
		if ok {
			return "ok"
		}
		misses++
		return "MISS"
	}
	fmt.Printf("\n== %s (%s datasets)\n", db, strings.Trim(strings.Join(strings.Fields(fmt.Sprint(ns)), ", "), "[]"))
	row("figure", "value", "reference", "ratio", "target (on the ratio)", "")
	for _, n := range ns {
		for _, r := range all {
			if r.db != db || r.n != n {
				continue
			}
			name := fmt.Sprintf("%d %s", n, r.name)
			value := fmt.Sprintf("%.4g %s", r.value, r.unit)
			var t *target
			for i := range targets {
				if targets[i].match.MatchString(r.name) {
					t = &targets[i]
				}
			}
			if t == nil || n != big {
				row(name, value, "", "", "", "")
				continue
			}
			ref, refText := t.ref, fmt.Sprintf("%.4g %s", t.ref, r.unit)
			if t.refFigure != "" {
				rr, ok := byN[n][t.refFigure]
				if !ok {
					row(name, value, t.refFigure+" missing", "", t.why, verdict(false))
					continue
				}
				ref, refText = rr.value, fmt.Sprintf("%.4g %s", rr.value, rr.unit)
			}
			ratio := r.value / ref
			ok := ratio >= t.bound
			want := fmt.Sprintf("≥ %.2g× (%s)", t.bound, t.why)
			if t.atMost {
				ok = ratio <= t.bound
				want = fmt.Sprintf("≤ %.2g× (%s)", t.bound, t.why)
			}
			row(name, value, refText, fmt.Sprintf("%.2f×", ratio), want, verdict(ok))
			if small != big && strings.HasSuffix(r.name, ".p95") {
				if s, found := byN[small][r.name]; found {
					g := r.value / s.value
					row(fmt.Sprintf("%d→%d %s growth", small, big, r.name), value,
						fmt.Sprintf("%.4g %s at %d", s.value, s.unit, small), fmt.Sprintf("%.2f×", g),
						fmt.Sprintf("≤ %d× (p95 growth)", growthBound), verdict(g <= growthBound))
				}
			}
		}
	}
	return misses
}
