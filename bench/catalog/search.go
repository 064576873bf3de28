package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
)

// query is one package_search of the benchmark, as CKAN clients send it.
type query struct {
	name   string
	q, fq  string
	sort   string
	rows   int
	start  int
	facets []string
	// uncached empties the facet cache before each call (it is keyed by
	// the catalogue version, which every write increments): the cost of
	// the first search after a change.
	uncached bool
}

// facetFields are the facets of a portal's search page.
var facetFields = []string{"organization", "tags", "res_format", "license_id"}

// queries returns the benchmark's searches for a catalogue of n datasets
// whose largest organisation is org; since is the lower bound of the
// incremental-harvest range.
func queries(n int, org, since string) []query {
	return []query{
		{name: "q_budget", q: "budget"},
		{name: "q_energie", q: "energie"}, // folded: matches "Énergie"
		{name: "fq_org", fq: "organization:" + org},
		{name: "sort_modified", sort: "metadata_modified desc"},
		{name: "deep_page", sort: "metadata_modified desc", start: n * 9 / 10},
		// ckanext-harvest's incremental run: changes since the last one,
		// 100 a page, in id order.
		{name: "incremental", fq: "metadata_modified:[" + since + " TO *]", sort: "id asc", rows: 100},
		// Last: over HTTP, the uncached facets write between calls.
		{name: "facets", facets: facetFields, uncached: true},
		{name: "facets_cached", facets: facetFields},
	}
}

// fqs returns the filters.
func (q query) fqs() []string {
	if q.fq == "" {
		return nil
	}
	return []string{q.fq}
}

// params is the query as the API turns it into search parameters, with
// the API's defaults.
func (q query) params() catalog.SearchParams {
	rows := q.rows
	if rows == 0 {
		rows = catalog.DefaultRows
	}
	return catalog.SearchParams{
		Q: q.q, FQ: q.fqs(), Sort: q.sort, Rows: rows, Start: q.start,
		FacetFields: q.facets, FacetLimit: catalog.DefaultFacetLimit, FacetMinCount: 1,
	}
}

// values is the query string.
func (q query) values() url.Values {
	v := url.Values{}
	if q.q != "" {
		v.Set("q", q.q)
	}
	if fq := q.fqs(); len(fq) > 0 {
		b, _ := json.Marshal(fq)
		v.Set("fq_list", string(b))
	}
	if q.sort != "" {
		v.Set("sort", q.sort)
	}
	if q.rows != 0 {
		v.Set("rows", strconv.Itoa(q.rows))
	}
	if q.start != 0 {
		v.Set("start", strconv.Itoa(q.start))
	}
	if len(q.facets) > 0 {
		b, _ := json.Marshal(q.facets)
		v.Set("facet.field", string(b))
	} else {
		v.Set("facet", "false")
	}
	return v
}

// searchFlags are the flags shared by search and http.
type searchFlags struct {
	iters, warm int
	n           int
	only        string
	seed        uint64
}

func (f *searchFlags) register(fs *flag.FlagSet) {
	fs.IntVar(&f.iters, "iters", 100, "timed calls per query")
	fs.IntVar(&f.warm, "warm", 5, "untimed calls per query first")
	fs.IntVar(&f.n, "n", 0, "datasets in the catalogue (default: count them)")
	fs.StringVar(&f.only, "only", "", "run only this query")
	fs.Uint64Var(&f.seed, "seed", 1, "generator seed")
}

// runQueries times every query with call and prints its p50, p95 and
// result count under prefix. Before each call of an uncached query,
// invalidate (untimed) empties the facet cache.
func runQueries(f searchFlags, qs []query, prefix string, call func(query) (int, error), invalidate func() error) error {
	ran := false
	for _, q := range qs {
		if f.only != "" && q.name != f.only {
			continue
		}
		ran = true
		count := 0
		for range f.warm {
			if _, err := call(q); err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
		}
		lats := make([]float64, 0, f.iters)
		for range f.iters {
			if q.uncached {
				if err := invalidate(); err != nil {
					return fmt.Errorf("%s: %w", q.name, err)
				}
			}
			t := time.Now()
			c, err := call(q)
			if err != nil {
				return fmt.Errorf("%s: %w", q.name, err)
			}
			lats = append(lats, ms(time.Since(t)))
			count = c
		}
		figure(prefix+"."+q.name+".p50", percentile(lats, 50), "ms")
		figure(prefix+"."+q.name+".p95", percentile(lats, 95), "ms")
		figure(prefix+"."+q.name+".hits", float64(count), "datasets")
	}
	if !ran {
		return fmt.Errorf("no query named %q", f.only)
	}
	return nil
}

// search times package_search in the storage layer, without HTTP, on the
// server's database (SQLite in WAL mode allows a second process to read).
func search(args []string) error {
	fs := flag.NewFlagSet("search", flag.ContinueOnError)
	var f searchFlags
	f.register(fs)
	dataDir := fs.String("data-dir", "", "server's data directory (SQLite)")
	dbURL := fs.String("database-url", "", "server's PostgreSQL URL")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the timed calls to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.Config{DataDir: *dataDir, DatabaseURL: *dbURL})
	if err != nil {
		return err
	}
	defer db.Close()
	ds := storage.NewDatasetService(db)
	// Anonymous, as a harvester or a portal's search page.
	ctx = catalog.WithPrincipal(ctx, nil)
	n := f.n
	if n == 0 {
		res, err := ds.SearchDatasets(ctx, catalog.SearchParams{})
		if err != nil {
			return err
		}
		n = res.Count
	}
	// The incremental range starts where the last 1 % of changes begin.
	res, err := ds.SearchDatasets(ctx, catalog.SearchParams{Sort: "metadata_modified desc", Rows: 1, Start: n / 100})
	if err != nil {
		return err
	}
	if len(res.Datasets) == 0 {
		return errors.New("empty catalogue")
	}
	since := res.Datasets[0].Modified.UTC().Format(time.RFC3339Nano)
	qs := queries(n, NewGenerator(f.seed).OrgName(0), since)
	if *cpuProfile != "" {
		out, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer out.Close()
		if err := pprof.StartCPUProfile(out); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	return runQueries(f, qs, "server", func(q query) (int, error) {
		res, err := ds.SearchDatasets(ctx, q.params())
		if err != nil {
			return 0, err
		}
		return res.Count, nil
	}, func() error {
		// A new service starts with an empty facet cache.
		ds = storage.NewDatasetService(db)
		return nil
	})
}

// httpSearch times the same searches through the API on loopback,
// anonymous, one connection kept alive.
func httpSearch(args []string) error {
	fs := flag.NewFlagSet("http", flag.ContinueOnError)
	var f searchFlags
	f.register(fs)
	base := fs.String("url", "http://127.0.0.1:8080", "server URL")
	token := fs.String("token", os.Getenv("PASSERELLE_BOOTSTRAP_TOKEN"), "sysadmin token, to empty the facet cache by a write")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkLoopback(*base); err != nil {
		return err
	}
	c := newClient(*base, *token, 1)
	searchOnce := func(v url.Values) (*searchResult, error) {
		b, err := c.get("/api/3/action/package_search?" + v.Encode())
		if err != nil {
			return nil, err
		}
		var env struct{ Result searchResult }
		if err := json.Unmarshal(b, &env); err != nil {
			return nil, err
		}
		return &env.Result, nil
	}
	n := f.n
	if n == 0 {
		res, err := searchOnce(url.Values{"rows": {"0"}, "facet": {"false"}})
		if err != nil {
			return err
		}
		n = res.Count
	}
	res, err := searchOnce(url.Values{"sort": {"metadata_modified desc"}, "rows": {"1"}, "start": {strconv.Itoa(n / 100)}, "facet": {"false"}})
	if err != nil {
		return err
	}
	if len(res.Results) == 0 {
		return errors.New("empty catalogue")
	}
	since := res.Results[0].MetadataModified
	if !strings.HasSuffix(since, "Z") {
		since += "Z" // CKAN's dates are UTC without a zone
	}
	qs := queries(n, NewGenerator(f.seed).OrgName(0), since)
	// A write empties the facet cache: patch the version of the first
	// dataset.
	b, err := c.get("/api/3/action/package_list?limit=1")
	if err != nil {
		return err
	}
	var first struct{ Result []string }
	if err := json.Unmarshal(b, &first); err != nil || len(first.Result) == 0 {
		return fmt.Errorf("package_list: %v %.100s", err, b)
	}
	writes := 0
	return runQueries(f, qs, "http", func(q query) (int, error) {
		// The whole response is read and decoded, as a client would.
		res, err := searchOnce(q.values())
		if err != nil {
			return 0, err
		}
		return res.Count, nil
	}, func() error {
		if *token == "" {
			return errors.New("uncached facets need -token to write")
		}
		writes++
		_, err := c.post("package_patch", map[string]any{"id": first.Result[0], "version": "bench-" + strconv.Itoa(writes)})
		return err
	})
}

type searchResult struct {
	Count   int
	Results []struct {
		MetadataModified string `json:"metadata_modified"`
	}
}

// checkLoopback refuses a server URL that is not on this machine's
// loopback interface: the benchmark never talks to anything else.
func checkLoopback(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	switch u.Hostname() {
	case "127.0.0.1", "localhost", "::1":
		return nil
	}
	return fmt.Errorf("%s is not a loopback address", raw)
}
