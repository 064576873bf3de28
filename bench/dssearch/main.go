// Command dssearch times datastore_search server-side, for bench/ingest.sh:
// on a data directory where `passerelle import` loaded a table, it sends
// requests to the handler of api.NewServer, built as `passerelle serve`
// builds it, in process through httptest (no network, no client). A
// request's time runs from ServeHTTP's call to its return (the request is
// built before, the response checked after): routing, the
// access-log and metrics middleware, parameter checks, the catalogue
// lookup of the resource, the datastore query and the JSON envelope
// written into the recorder. It also times Datastore.Search alone on the
// same table (the query and the records, no HTTP and no JSON).
//
//	dssearch -data-dir DIR -dataset NAME [-n 300]
//
// It prints, per query, the median and 90th percentile in milliseconds:
//
//	QUERY http|search P50 P90
//
// and the table's SQLite file as "table PATH".
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/passerelle/passerelle/api"
	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "dssearch:", err)
		os.Exit(1)
	}
}

// query is one datastore_search request and the same search through the
// datastore.
type query struct {
	name   string
	params url.Values
	q      catalog.DatastoreQuery
}

func run(args []string) error {
	fs := flag.NewFlagSet("dssearch", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "", "data directory of the imported table")
	dataset := fs.String("dataset", "", "dataset name")
	n := fs.Int("n", 300, "timed requests per query (after 30 warm-up ones)")
	only := fs.String("only", "", "run this query only")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the requests there")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.Config{DataDir: *dataDir})
	if err != nil {
		return err
	}
	defer db.Close()
	blobs, err := storage.OpenBlobStore(ctx, "", *dataDir)
	if err != nil {
		return err
	}
	ds, err := storage.NewDatastore(db, *dataDir)
	if err != nil {
		return err
	}
	defer ds.(interface{ Close() error }).Close()
	datasets := storage.NewDatasetService(db)
	d, err := datasets.FindDataset(ctx, *dataset)
	if err != nil {
		return err
	}
	var res *catalog.Resource
	for i := range d.Resources {
		if d.Resources[i].DatastoreActive {
			res = &d.Resources[i]
		}
	}
	if res == nil {
		return fmt.Errorf("dataset %s has no resource in the datastore", *dataset)
	}
	srv := api.NewServer(api.Config{BaseURL: "http://localhost:8080"}, api.Services{
		Datasets:      datasets,
		Organizations: storage.NewOrganizationService(db),
		Tokens:        storage.NewTokenService(db),
		Blobs:         blobs,
		Datastore:     ds,
	}, nil)
	h := srv.Handler()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	lyon := map[string][]string{"commune": {"Lyon"}}
	queries := []query{
		{"default", url.Values{}, catalog.DatastoreQuery{Limit: 100, IncludeTotal: true}},
		{"filter", url.Values{"filters": {`{"commune":"Lyon"}`}}, catalog.DatastoreQuery{Limit: 100, IncludeTotal: true, Filters: lyon}},
		{"filter-no-total", url.Values{"filters": {`{"commune":"Lyon"}`}, "include_total": {"false"}}, catalog.DatastoreQuery{Limit: 100, Filters: lyon}},
	}
	for _, q := range queries {
		if *only != "" && q.name != *only {
			continue
		}
		q.params.Set("resource_id", res.ID)
		target := "/api/3/action/datastore_search?" + q.params.Encode()
		httpTimes, err := timeRuns(*n, func() (time.Duration, error) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, target, nil)
			start := time.Now()
			h.ServeHTTP(rec, req)
			d := time.Since(start)
			if rec.Code != http.StatusOK {
				return d, fmt.Errorf("%s: status %d: %s", target, rec.Code, rec.Body.String())
			}
			var env struct {
				Result struct{ Records []json.RawMessage }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || len(env.Result.Records) == 0 {
				return d, fmt.Errorf("%s: no records (%v)", target, err)
			}
			return d, nil
		})
		if err != nil {
			return err
		}
		searchTimes, err := timeRuns(*n, func() (time.Duration, error) {
			start := time.Now()
			r, err := ds.Search(ctx, res.DatastoreTable, q.q)
			d := time.Since(start)
			if err == nil && len(r.Records) == 0 {
				err = fmt.Errorf("search %s: no records", q.name)
			}
			return d, err
		})
		if err != nil {
			return err
		}
		fmt.Printf("%s http %.3f %.3f\n", q.name, pct(httpTimes, 50), pct(httpTimes, 90))
		fmt.Printf("%s search %.3f %.3f\n", q.name, pct(searchTimes, 50), pct(searchTimes, 90))
	}
	// The SQLite layout of storage: DATA_DIR/datastore/<table>.db.
	fmt.Printf("table %s\n", filepath.Join(*dataDir, "datastore", res.DatastoreTable+".db"))
	return nil
}

// timeRuns runs f 30 times to warm up, then n times, and returns the
// times f measured, in milliseconds. f checks the response after
// measuring.
func timeRuns(n int, f func() (time.Duration, error)) ([]float64, error) {
	for range 30 {
		if _, err := f(); err != nil {
			return nil, err
		}
	}
	ts := make([]float64, n)
	for i := range ts {
		d, err := f()
		if err != nil {
			return nil, err
		}
		ts[i] = float64(d.Nanoseconds()) / 1e6
	}
	return ts, nil
}

// pct returns the p-th percentile of ts.
func pct(ts []float64, p int) float64 {
	s := slices.Clone(ts)
	slices.Sort(s)
	return s[(len(s)-1)*p/100]
}
