package tableschema_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passerelle/passerelle/tableschema"
)

// fakeSite serves files by path, counting requests, like schema.data.gouv.fr.
type fakeSite struct {
	srv   *httptest.Server
	delay time.Duration

	mu        sync.Mutex
	files     map[string][]byte
	redirects map[string]string // path → absolute URL
	hits      map[string]int

	inflight, maxInflight atomic.Int32
}

func newFakeSite(t *testing.T) *fakeSite {
	t.Helper()
	f := &fakeSite{files: map[string][]byte{}, redirects: map[string]string{}, hits: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSite) serve(w http.ResponseWriter, req *http.Request) {
	n := f.inflight.Add(1)
	defer f.inflight.Add(-1)
	for {
		m := f.maxInflight.Load()
		if n <= m || f.maxInflight.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(f.delay)
	f.mu.Lock()
	f.hits[req.URL.Path]++
	body, ok := f.files[req.URL.Path]
	to, redirect := f.redirects[req.URL.Path]
	f.mu.Unlock()
	switch {
	case redirect:
		http.Redirect(w, req, to, http.StatusFound)
	case ok:
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	default:
		http.NotFound(w, req)
	}
}

func (f *fakeSite) put(path string, body []byte) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files[path] = body
	return f.srv.URL + path
}

func (f *fakeSite) get(path string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.files[path]
}

func (f *fakeSite) redirect(path, to string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.redirects[path] = to
	return f.srv.URL + path
}

func (f *fakeSite) hitCount(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if path == "" {
		n := 0
		for _, h := range f.hits {
			n += h
		}
		return n
	}
	return f.hits[path]
}

// host is the site's host:port, as AllowHosts names it.
func (f *fakeSite) host() string {
	u, _ := url.Parse(f.srv.URL)
	return u.Host
}

// The catalogue's JSON shape (schema.data.gouv.fr/schemas/schemas.json).
type catVersion struct {
	VersionName string `json:"version_name"`
	SchemaURL   string `json:"schema_url"`
}

type catEntry struct {
	Name        string       `json:"name"`
	Title       string       `json:"title"`
	Description string       `json:"description,omitempty"`
	SchemaURL   string       `json:"schema_url"`
	SchemaType  string       `json:"schema_type"`
	Versions    []catVersion `json:"versions"`
}

// publish serves each version's body at /schemas/<name>/<version>/<file>
// and returns the catalogue entry listing them.
func (f *fakeSite) publish(name, file string, versions map[string][]byte, latest string) catEntry {
	e := catEntry{Name: name, Title: "Titre de " + name, SchemaType: "tableschema",
		SchemaURL: f.srv.URL + "/schemas/" + name + "/latest/" + file}
	for v, body := range versions {
		e.Versions = append(e.Versions, catVersion{VersionName: v, SchemaURL: f.put("/schemas/"+name+"/"+v+"/"+file, body)})
	}
	if latest != "" {
		f.put("/schemas/"+name+"/latest/"+file, versions[latest])
	}
	return e
}

func (f *fakeSite) putCatalog(t *testing.T, entries ...catEntry) string {
	t.Helper()
	data, err := json.Marshal(map[string]any{"$schema": "https://opendataschema.frama.io/catalog/schema-catalog.json", "version": 1, "schemas": entries})
	if err != nil {
		t.Fatal(err)
	}
	return f.put("/schemas/schemas.json", data)
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// demoCatalog publishes the schemas of testdata/registry, a version that
// is not JSON and a JSON Schema entry, and returns the catalogue's URL.
func demoCatalog(t *testing.T, f *fakeSite) string {
	t.Helper()
	budget := f.publish("demo/budget", "schema.json", map[string][]byte{
		"1.0.0":  readFile(t, "testdata/registry/demo/budget/1.0.0/schema.json"),
		"1.10.0": readFile(t, "testdata/registry/demo/budget/1.10.0/schema.json"),
	}, "")
	// Not named schema.json: its "latest" URL is only known from the
	// catalogue.
	equip := f.publish("demo/equipements", "schema-equipements.json", map[string][]byte{
		"0.2": readFile(t, "testdata/registry/flat/demo-equipements-0.2.schema.json"),
	}, "")
	broken := f.publish("demo/broken", "schema.json", map[string][]byte{"1.0": []byte("<html>maintenance</html>")}, "")
	missing := catEntry{Name: "demo/missing", Title: "Absent", SchemaType: "tableschema",
		Versions: []catVersion{{VersionName: "0.1", SchemaURL: f.srv.URL + "/schemas/demo/missing/0.1/schema.json"}}}
	jsonSchema := catEntry{Name: "demo/json", Title: "JSON Schema", SchemaType: "jsonschema",
		SchemaURL: f.put("/schemas/demo/json/1.0/schema.json", []byte(`{"type": "object"}`)),
		Versions:  []catVersion{{VersionName: "1.0", SchemaURL: f.srv.URL + "/schemas/demo/json/1.0/schema.json"}}}
	return f.putCatalog(t, budget, equip, broken, missing, jsonSchema)
}

func TestLoadCatalog(t *testing.T) {
	ctx := context.Background()
	f := newFakeSite(t)
	catURL := demoCatalog(t, f)

	r := tableschema.NewRegistry()
	r.Client = f.srv.Client()
	added, err := r.LoadCatalog(ctx, catURL)
	if added != 3 {
		t.Errorf("added %d versions, want 3", added)
	}
	// The two failures are named, with their kind; the rest is loaded.
	if err == nil || !strings.Contains(err.Error(), "demo/broken@1.0") || !strings.Contains(err.Error(), "demo/missing@0.1") {
		t.Fatalf("error %v, want one naming demo/broken@1.0 and demo/missing@0.1", err)
	}
	if !errors.Is(err, tableschema.ErrInvalid) || !errors.Is(err, tableschema.ErrNotFound) {
		t.Errorf("error %v: want ErrInvalid (not JSON) and ErrNotFound (404) inside", err)
	}
	if strings.Contains(err.Error(), "demo/json") || f.hitCount("/schemas/demo/json/1.0/schema.json") != 0 {
		t.Errorf("a JSON Schema entry was fetched: %v", err)
	}
	want := []tableschema.Entry{
		{ID: "demo/budget", Title: "Budget (démo)", Latest: "1.10.0", Versions: []string{"1.10.0", "1.0.0"}},
		{ID: "demo/equipements", Title: "Équipements (démo)", Latest: "0.2", Versions: []string{"0.2"}},
	}
	if got := r.List(); !reflect.DeepEqual(got, want) {
		t.Errorf("List() = %+v, want %+v", got, want)
	}

	// Offline afterwards: ids, versions and the catalogue's URLs answer.
	r.Client = nil
	for ref, version := range map[string]string{
		"demo/budget":        "1.10.0",
		"demo/budget@1.0.0":  "1.0.0",
		"demo/budget@latest": "1.10.0",
		f.srv.URL + "/schemas/demo/budget/1.0.0/schema.json":                   "1.0.0",
		f.srv.URL + "/schemas/demo/budget/1.10.0/schema.json":                  "1.10.0",
		f.srv.URL + "/schemas/demo/budget/latest/schema.json":                  "1.10.0",
		f.srv.URL + "/schemas/demo/equipements/0.2/schema-equipements.json":    "0.2",
		f.srv.URL + "/schemas/demo/equipements/latest/schema-equipements.json": "0.2",
	} {
		s, err := r.Resolve(ctx, ref)
		if err != nil || s.Version != version {
			t.Errorf("offline Resolve(%q) = %v, %v; want version %s", ref, s, err, version)
			continue
		}
		if s.ID != "demo/budget" && s.ID != "demo/equipements" {
			t.Errorf("Resolve(%q).ID = %q", ref, s.ID)
		}
	}
	s, _ := r.Get("demo/budget@1.0.0")
	if want := f.srv.URL + "/schemas/demo/budget/1.0.0/schema.json"; s == nil || s.Path != want {
		t.Errorf("Path = %v, want the catalogue's schema_url %s", s, want)
	}
	if _, err := r.Resolve(ctx, f.srv.URL+"/schemas/demo/broken/1.0/schema.json"); !errors.Is(err, tableschema.ErrOffline) {
		t.Errorf("a skipped schema's URL offline: %v, want ErrOffline", err)
	}

	// Loading again downloads the catalogue only.
	r.Client = f.srv.Client()
	before := f.hitCount("/schemas/demo/budget/1.0.0/schema.json")
	added, err = r.LoadCatalog(ctx, catURL)
	if added != 0 || f.hitCount("/schemas/demo/budget/1.0.0/schema.json") != before {
		t.Errorf("second load: added %d, %d downloads of a known version", added, f.hitCount("/schemas/demo/budget/1.0.0/schema.json")-before)
	}
	if err == nil || !strings.Contains(err.Error(), "demo/broken@1.0") {
		t.Errorf("second load: %v", err)
	}
}

func TestLoadCatalogDirectoryWins(t *testing.T) {
	ctx := context.Background()
	f := newFakeSite(t)
	other := []byte(`{"name": "budget", "title": "Budget (catalogue)", "version": "1.0.0", "fields": [{"name": "x"}]}`)
	budget := f.publish("demo/budget", "schema.json", map[string][]byte{
		"1.0.0": other,
		"2.0.0": []byte(`{"name": "budget", "title": "Budget 2", "version": "2.0.0", "fields": [{"name": "annee"}]}`),
	}, "")
	catURL := f.putCatalog(t, budget)

	r := tableschema.NewRegistry()
	if err := r.LoadDir("testdata/registry"); err == nil || !strings.Contains(err.Error(), "broken.json") {
		t.Fatalf("LoadDir: %v", err)
	}
	r.Client = f.srv.Client()
	added, err := r.LoadCatalog(ctx, catURL)
	if err != nil || added != 1 {
		t.Fatalf("LoadCatalog = %d, %v; want 1 (2.0.0 only)", added, err)
	}
	if n := f.hitCount("/schemas/demo/budget/1.0.0/schema.json"); n != 0 {
		t.Errorf("a version loaded from the directory was downloaded %d times", n)
	}
	s, err := r.Get("demo/budget@1.0.0")
	if err != nil || s.Title != "Budget (démo)" {
		t.Errorf("Get(demo/budget@1.0.0) = %+v, %v; want the directory's", s, err)
	}
	r.Client = nil
	s, err = r.Resolve(ctx, f.srv.URL+"/schemas/demo/budget/1.0.0/schema.json")
	if err != nil || s.Title != "Budget (démo)" {
		t.Errorf("catalogue URL of a directory schema: %+v, %v; want the directory's", s, err)
	}
	if s, err := r.Get("demo/budget"); err != nil || s.Version != "2.0.0" {
		t.Errorf("latest: %v %v; want the catalogue's newer 2.0.0", s, err)
	}
	if s, err := r.Get("demo/equipements"); err != nil || s.Version != "0.2" {
		t.Errorf("a directory-only schema: %v %v", s, err)
	}
}

func TestLoadCatalogFailures(t *testing.T) {
	ctx := context.Background()
	f := newFakeSite(t)
	for _, tc := range []struct {
		name, body string
		kind       error
		msg        string
	}{
		{"html", "<!DOCTYPE html><html>Maintenance</html>", tableschema.ErrInvalid, "is not a JSON schema catalogue"},
		{"truncated", `{"schemas": [{"name": "scdl/`, tableschema.ErrInvalid, "is not a JSON schema catalogue"},
		{"no list", `{"version": 1}`, tableschema.ErrInvalid, `has no "schemas" list`},
		{"wrong list", `{"schemas": {"name": "x"}}`, tableschema.ErrInvalid, "is not a JSON schema catalogue"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := f.put("/"+strings.ReplaceAll(tc.name, " ", "-")+".json", []byte(tc.body))
			r := tableschema.NewRegistry()
			r.Client = f.srv.Client()
			added, err := r.LoadCatalog(ctx, u)
			var e *tableschema.Error
			if added != 0 || !errors.Is(err, tc.kind) || !errors.As(err, &e) || !strings.Contains(e.Msg, tc.msg) || e.MsgFR == "" {
				t.Errorf("LoadCatalog = %d, %v; want %v saying %q", added, err, tc.kind, tc.msg)
			}
			if !strings.Contains(err.Error(), u) {
				t.Errorf("error %q does not name the catalogue", err)
			}
		})
	}
	t.Run("404", func(t *testing.T) {
		r := tableschema.NewRegistry()
		r.Client = f.srv.Client()
		if _, err := r.LoadCatalog(ctx, f.srv.URL+"/none.json"); !errors.Is(err, tableschema.ErrNotFound) {
			t.Errorf("%v, want ErrNotFound", err)
		}
	})
	t.Run("no client", func(t *testing.T) {
		before := f.hitCount("")
		r := tableschema.NewRegistry()
		added, err := r.LoadCatalog(ctx, demoCatalog(t, f))
		var e *tableschema.Error
		if added != 0 || !errors.Is(err, tableschema.ErrOffline) || !errors.As(err, &e) || e.MsgFR == "" {
			t.Errorf("LoadCatalog without client = %d, %v; want ErrOffline", added, err)
		}
		if f.hitCount("") != before {
			t.Error("the network was used without a client")
		}
	})
	t.Run("server gone", func(t *testing.T) {
		dead := httptest.NewServer(http.NotFoundHandler())
		u := dead.URL + "/schemas/schemas.json"
		dead.Close()
		r := tableschema.NewRegistry()
		r.Client = &http.Client{}
		if _, err := r.LoadCatalog(ctx, u); !errors.Is(err, tableschema.ErrOffline) {
			t.Errorf("%v, want ErrOffline", err)
		}
	})
}

func TestLoadCatalogBounded(t *testing.T) {
	f := newFakeSite(t)
	f.delay = 20 * time.Millisecond
	versions := map[string][]byte{}
	for _, v := range []string{"1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "2.0", "2.1", "2.2", "2.3", "3.0", "3.1"} {
		versions[v] = []byte(`{"name": "many", "version": "` + v + `", "fields": [{"name": "a"}]}`)
	}
	catURL := f.putCatalog(t, f.publish("demo/many", "schema.json", versions, ""))
	r := tableschema.NewRegistry()
	r.Client = f.srv.Client()
	added, err := r.LoadCatalog(context.Background(), catURL)
	if err != nil || added != len(versions) {
		t.Fatalf("LoadCatalog = %d, %v", added, err)
	}
	if m := f.maxInflight.Load(); m > 4 {
		t.Errorf("%d downloads at once, want at most 4", m)
	}
	if s, err := r.Get("demo/many"); err != nil || s.Version != "3.1" {
		t.Errorf("latest %v %v", s, err)
	}

	// A cancelled context stops the downloads: what was added stays.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r = tableschema.NewRegistry()
	r.Client = f.srv.Client()
	if _, err := r.LoadCatalog(ctx, catURL); err == nil {
		t.Error("cancelled: no error")
	}
}

// TestLoadCatalogConcurrent reads the registry while a catalogue loads
// (run with -race).
func TestLoadCatalogConcurrent(t *testing.T) {
	ctx := context.Background()
	f := newFakeSite(t)
	f.delay = 2 * time.Millisecond
	catURL := demoCatalog(t, f)
	r := tableschema.NewRegistry()
	if err := r.LoadDir("testdata/registry/flat"); err == nil {
		t.Fatal("LoadDir: broken.json not reported")
	}
	r.Client = f.srv.Client()
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.LoadCatalog(ctx, catURL)
	}()
	for loop := true; loop; {
		select {
		case <-done:
			loop = false
		default:
		}
		r.List()
		r.Suggest([]string{"annee", "montant"})
		if _, err := r.Get("demo/equipements"); err != nil {
			t.Fatal(err)
		}
		r.Resolve(ctx, f.srv.URL+"/schemas/demo/budget/1.0.0/schema.json")
	}
	if _, err := r.Get("demo/budget@1.10.0"); err != nil {
		t.Error(err)
	}
}

func TestAllowHosts(t *testing.T) {
	ctx := context.Background()
	a, b := newFakeSite(t), newFakeSite(t)
	schema := []byte(`{"name": "lieux", "version": "1.0", "fields": [{"name": "nom"}]}`)
	onA := a.put("/schemas/autre/lieux/1.0/schema.json", schema)
	onB := b.put("/lieux.json", schema)
	toB := a.redirect("/moved.json", onB)
	toA := a.redirect("/here.json", onA)

	for _, tc := range []struct {
		name  string
		allow []string
		ref   string
		ok    bool
		names string // a host the refusal names
	}{
		{"any host when empty", nil, onB, true, ""},
		{"redirects followed when empty", nil, toB, true, ""},
		{"other host refused", []string{"schema.data.gouv.fr", "http://" + a.host()}, onB, false, b.host()},
		{"http needs the prefix", []string{a.host()}, onA, false, a.host()},
		{"http with the prefix", []string{"http://" + a.host()}, onA, true, ""},
		{"redirect to another host refused", []string{"http://" + a.host()}, toB, false, b.host()},
		{"redirect within the host", []string{"http://" + a.host()}, toA, true, ""},
		{"redirect to an allowed host", []string{"http://" + a.host(), "HTTP://" + strings.ToUpper(b.host()) + "/"}, toB, true, ""},
		{"user info is not the host", []string{"http://" + a.host()}, "http://" + a.host() + "@" + b.host() + "/lieux.json", false, b.host()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := b.hitCount("/lieux.json")
			r := tableschema.NewRegistry()
			r.Client = a.srv.Client()
			r.AllowHosts = tc.allow
			s, err := r.Resolve(ctx, tc.ref)
			if tc.ok {
				if err != nil || s.Name != "lieux" {
					t.Errorf("Resolve = %v, %v", s, err)
				}
				return
			}
			var e *tableschema.Error
			if !errors.Is(err, tableschema.ErrNotFound) || !errors.As(err, &e) {
				t.Fatalf("Resolve = %v, %v; want a refusal (ErrNotFound)", s, err)
			}
			for _, msg := range []string{e.Msg, e.MsgFR} {
				if !strings.Contains(msg, tc.names) || !strings.Contains(msg, tc.allow[0]) {
					t.Errorf("refusal %q names neither %s nor the allowed hosts", msg, tc.names)
				}
			}
			if b.hitCount("/lieux.json") != before {
				t.Error("the refused host was reached")
			}
		})
	}

	t.Run("catalogue", func(t *testing.T) {
		catURL := demoCatalog(t, b)
		r := tableschema.NewRegistry()
		r.Client = b.srv.Client()
		r.AllowHosts = tableschema.DefaultHosts
		before := b.hitCount("")
		if _, err := r.LoadCatalog(ctx, catURL); !errors.Is(err, tableschema.ErrNotFound) || !strings.Contains(err.Error(), "schema.data.gouv.fr") {
			t.Errorf("catalogue on a host not allowed: %v", err)
		}
		if b.hitCount("") != before {
			t.Error("the refused host was reached")
		}
		// The catalogue's schemas are held to the list too.
		a.put("/schemas/schemas.json", b.get("/schemas/schemas.json"))
		r.AllowHosts = []string{"http://" + a.host()}
		added, err := r.LoadCatalog(ctx, a.srv.URL+"/schemas/schemas.json")
		if added != 0 || !errors.Is(err, tableschema.ErrNotFound) || !strings.Contains(err.Error(), "demo/budget@1.10.0") {
			t.Errorf("schemas on a host not allowed: %d, %v", added, err)
		}
		if b.hitCount("") != before {
			t.Error("the refused host was reached")
		}
	})
}

func TestDefaultHosts(t *testing.T) {
	r := tableschema.NewRegistry()
	r.AllowHosts = tableschema.DefaultHosts
	r.Client = &http.Client{Transport: failTransport{}}
	for _, ref := range []string{
		"https://schema.data.gouv.fr/schemas/scdl/subventions/2.1.1/schema.json",
		"https://raw.githubusercontent.com/etalab/schema-irve/v2.3.0/statique/schema-statique.json",
		"https://github.com/etalab/schema-irve/raw/v2.3.0/statique/schema-statique.json",
		"https://gitlab.com/opendatafrance/scdl/subventions/raw/v2.1.1/schema.json",
		"https://schema.data.gouv.fr:443/schemas/scdl/budget/0.8.3/schema.json",
	} {
		// Allowed: the request is attempted (and fails offline).
		if _, err := r.Resolve(context.Background(), ref); !errors.Is(err, tableschema.ErrOffline) {
			t.Errorf("%s: %v, want an attempt", ref, err)
		}
	}
	for _, ref := range []string{
		"http://schema.data.gouv.fr/schemas/scdl/subventions/2.1.1/schema.json",
		"https://169.254.169.254/latest/meta-data/",
		"http://localhost:8080/admin",
		"https://schema.data.gouv.fr.evil.example/schema.json",
		"https://schema.data.gouv.fr:8443/schema.json",
	} {
		if _, err := r.Resolve(context.Background(), ref); !errors.Is(err, tableschema.ErrNotFound) {
			t.Errorf("%s: %v, want a refusal", ref, err)
		}
	}
}

// failTransport is a network that never answers.
type failTransport struct{}

func (failTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in tests")
}

// scdlDir holds the real SCDL schemas beside the repository (SOURCES.md).
const scdlDir = "../../shared/fixtures/schemas/scdl"

// TestLoadCatalogSCDL serves the real SCDL schemas of the shared fixtures
// as schema.data.gouv.fr would.
func TestLoadCatalogSCDL(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(scdlDir, "scdl-*.schema.json"))
	if len(files) == 0 {
		t.Skipf("shared fixtures not found (%s): TestLoadCatalog covers the same with testdata", scdlDir)
	}
	ctx := context.Background()
	f := newFakeSite(t)
	byName := map[string]map[string][]byte{}
	local := map[string]*tableschema.Schema{}
	for _, file := range files {
		s, err := tableschema.LoadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if byName[s.Name] == nil {
			byName[s.Name] = map[string][]byte{}
		}
		byName[s.Name][s.Version] = readFile(t, file)
		local["scdl/"+s.Name+"@"+s.Version] = s
	}
	// A version whose file is cut short: skipped, the others are kept.
	byName["subventions"]["9.9.9"] = []byte(`{"name": "subventions", "fields": [{"name": "nomAttribuant"`)
	var entries []catEntry
	for name, versions := range byName {
		entries = append(entries, f.publish("scdl/"+name, "schema.json", versions, ""))
	}
	catURL := f.putCatalog(t, entries...)

	r := tableschema.NewRegistry()
	r.Client = f.srv.Client()
	r.AllowHosts = []string{"http://" + f.host()}
	added, err := r.LoadCatalog(ctx, catURL)
	if added != len(files) {
		t.Errorf("added %d, want %d", added, len(files))
	}
	if err == nil || !strings.Contains(err.Error(), "scdl/subventions@9.9.9") || !errors.Is(err, tableschema.ErrInvalid) {
		t.Errorf("error %v, want one naming scdl/subventions@9.9.9", err)
	}

	r.Client = nil
	for ref, want := range local {
		id, version, _ := strings.Cut(ref, "@")
		for _, q := range []string{ref, f.srv.URL + "/schemas/" + id + "/" + version + "/schema.json"} {
			s, err := r.Resolve(ctx, q)
			if err != nil {
				t.Errorf("offline Resolve(%q): %v", q, err)
				continue
			}
			if s.ID != id || s.Version != version || s.Title != want.Title || !reflect.DeepEqual(s.Fields, want.Fields) {
				t.Errorf("Resolve(%q) = %s@%s %q, %d fields; want the fixture's", q, s.ID, s.Version, s.Title, len(s.Fields))
			}
		}
	}
	for id, version := range map[string]string{"scdl/subventions": "2.1.1", "scdl/budget": "0.8.3", "scdl/menus-collectifs": "1.2.3"} {
		if s, err := r.Resolve(ctx, id); err != nil || s.Version != version {
			t.Errorf("Resolve(%s) = %v, %v; want %s", id, s, err, version)
		}
		if s, err := r.Resolve(ctx, f.srv.URL+"/schemas/"+id+"/latest/schema.json"); err != nil || s.Version != version {
			t.Errorf("latest URL of %s = %v, %v; want %s", id, s, err, version)
		}
	}
	// The schema's own "path" (its GitLab address) answers too.
	if s, err := r.Resolve(ctx, "https://gitlab.com/opendatafrance/scdl/subventions/raw/v2.1.1/schema.json"); err != nil || s.Version != "2.1.1" {
		t.Errorf("GitLab path: %v %v", s, err)
	}
}
