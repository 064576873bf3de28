package tableschema

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// CatalogURL is the catalogue of schema.data.gouv.fr: every schema it
// publishes, with the address of each version.
const CatalogURL = "https://schema.data.gouv.fr/schemas/schemas.json"

// catalogWorkers bounds the schemas downloaded at once by LoadCatalog.
const catalogWorkers = 4

// maxCatalogBytes bounds what LoadCatalog downloads in all, schemas
// included (the real catalogue's Table Schemas weigh a few MiB).
const maxCatalogBytes = 64 << 20

// catalog is the part of schemas.json that LoadCatalog reads.
type catalog struct {
	Schemas []catalogEntry `json:"schemas"`
}

type catalogEntry struct {
	Name        string           `json:"name"` // "scdl/subventions"
	Title       string           `json:"title"`
	Description string           `json:"description"`
	SchemaURL   string           `json:"schema_url"`  // the latest version's address
	SchemaType  string           `json:"schema_type"` // "tableschema", "jsonschema", "xsd", "datapackage"…
	Versions    []catalogVersion `json:"versions"`
}

type catalogVersion struct {
	VersionName string `json:"version_name"` // "2.1.1"
	SchemaURL   string `json:"schema_url"`
}

// catalogJob is one schema version to download.
type catalogJob struct {
	entry   *catalogEntry
	version string // empty when the catalogue lists no versions
	url     string
	rank    int // 0 for an entry's latest version, 1 for the one before…
}

func (j catalogJob) String() string {
	if j.version == "" {
		return j.entry.Name
	}
	return j.entry.Name + "@" + j.version
}

// LoadCatalog downloads a schema.data.gouv.fr catalogue (CatalogURL) with
// Client and adds its Table Schemas (schema_type "tableschema"), every
// version, under the catalogue's name as id ("scdl/subventions") and its
// version_name as version; each keeps its schema_url as Path, so that
// Resolve answers that URL offline later, and the catalogue's "latest" URL
// answers the latest version. Up to 4 schemas are downloaded at once, each
// within Timeout and AllowHosts, at most 64 MiB in all, the latest versions
// first; ctx bounds the whole load. A version already registered (from
// LoadDir, or an earlier LoadCatalog) is kept and not downloaded again: the
// directory wins. It returns how many versions were added. When the
// catalogue itself cannot be read the error is an *Error (ErrOffline
// without Client or network, ErrNotFound, ErrInvalid when it is not a
// catalogue); a schema that fails to download or parse is skipped and named
// in the returned error (errors.Join), the others are still added. It is
// safe to call in a goroutine while the registry is used.
func (r *Registry) LoadCatalog(ctx context.Context, catalogURL string) (added int, err error) {
	data, _, err := r.download(ctx, catalogURL, docCatalogue)
	if err != nil {
		return 0, err
	}
	var c catalog
	if err := json.Unmarshal(data, &c); err != nil {
		return 0, invalidf(err, "catalogue %s is not a JSON schema catalogue", "le catalogue %s n'est pas un catalogue de schémas JSON", catalogURL)
	}
	if c.Schemas == nil {
		return 0, invalidf(nil, `catalogue %s has no "schemas" list`, `le catalogue %s n'a pas de liste "schemas"`, catalogURL)
	}

	var errs []error
	var jobs []catalogJob
	for i := range c.Schemas {
		e := &c.Schemas[i]
		if e.SchemaType != "tableschema" {
			continue
		}
		if e.Name == "" || strings.ContainsAny(e.Name, "@ \t\n") {
			errs = append(errs, fmt.Errorf("catalogue entry %d: %q is not a schema name", i, e.Name))
			continue
		}
		if len(e.Versions) == 0 {
			jobs = append(jobs, catalogJob{entry: e, url: e.SchemaURL})
		}
		versions := slices.Clone(e.Versions)
		slices.SortStableFunc(versions, func(a, b catalogVersion) int { return compareVersions(b.VersionName, a.VersionName) })
		for rank, v := range versions {
			jobs = append(jobs, catalogJob{entry: e, version: v.VersionName, url: v.SchemaURL, rank: rank})
		}
		if isURL(e.SchemaURL) {
			r.mu.Lock()
			r.latest[e.SchemaURL] = e.Name
			r.mu.Unlock()
		}
	}
	// Latest versions first, so that a budget or a deadline running out
	// leaves older versions out rather than whole schemas.
	slices.SortStableFunc(jobs, func(a, b catalogJob) int { return cmp.Compare(a.rank, b.rank) })

	var (
		mu     sync.Mutex
		total  atomic.Int64
		over   int // versions left out for the budget
		wg     sync.WaitGroup
		queue  = make(chan catalogJob)
		report = func(n int, err error) {
			mu.Lock()
			defer mu.Unlock()
			added += n
			if err != nil {
				errs = append(errs, err)
			}
		}
	)
	for range min(catalogWorkers, len(jobs)) {
		wg.Go(func() {
			for j := range queue {
				if r.knownVersion(j) {
					continue
				}
				if total.Load() >= maxCatalogBytes {
					mu.Lock()
					over++
					mu.Unlock()
					continue
				}
				n, err := r.loadCatalogSchema(ctx, j, &total)
				report(n, err)
			}
		})
	}
feed:
	for _, j := range jobs {
		select {
		case queue <- j:
		case <-ctx.Done():
			report(0, fmt.Errorf("catalogue %s: %w", catalogURL, ctx.Err()))
			break feed
		}
	}
	close(queue)
	wg.Wait()
	if over > 0 {
		errs = append(errs, fmt.Errorf("catalogue %s: %d schema versions left out: more than %d MiB downloaded", catalogURL, over, maxCatalogBytes>>20))
	}
	return added, errors.Join(errs...)
}

// knownVersion tells whether j's version is registered already, and then
// makes j's URL answer it.
func (r *Registry) knownVersion(j catalogJob) bool {
	if j.version == "" {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.lookup(j.entry.Name, j.version)
	if s != nil {
		r.alias(s, j.url)
	}
	return s != nil
}

// loadCatalogSchema downloads and adds one catalogue schema; it returns 1
// when it was added.
func (r *Registry) loadCatalogSchema(ctx context.Context, j catalogJob, total *atomic.Int64) (int, error) {
	data, _, err := r.download(ctx, j.url, docSchema)
	if err != nil {
		return 0, fmt.Errorf("catalogue schema %s: %w", j, err)
	}
	total.Add(int64(len(data)))
	s, err := Parse(data)
	if err != nil {
		return 0, fmt.Errorf("catalogue schema %s (%s): %w", j, j.url, err)
	}
	s.ID = j.entry.Name
	if j.version != "" {
		s.Version = j.version
	}
	if s.Title == "" {
		s.Title = j.entry.Title
	}
	if s.Description == "" {
		s.Description = j.entry.Description
	}
	own := s.Path // where the schema says it is published, if anywhere
	s.Path = j.url
	r.mu.Lock()
	defer r.mu.Unlock()
	if o := r.lookup(s.ID, s.Version); o != nil {
		r.alias(o, j.url, own)
		return 0, nil
	}
	r.insert(s)
	r.alias(s, j.url, own)
	return 1, nil
}
