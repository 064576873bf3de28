package tableschema

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func testRegistry(t *testing.T) *Registry {
	t.Helper()
	r := NewRegistry()
	err := r.LoadDir("testdata/registry")
	// broken.json is not a Table Schema: named in the error, the rest loads.
	if err == nil || !strings.Contains(err.Error(), "broken.json") {
		t.Fatalf("LoadDir error %v, want one naming broken.json", err)
	}
	return r
}

func TestRegistryList(t *testing.T) {
	r := testRegistry(t)
	got := r.List()
	want := []Entry{
		{ID: "demo/budget", Title: "Budget (démo)", Latest: "1.10.0", Versions: []string{"1.10.0", "1.0.0"}},
		{ID: "demo/equipements", Title: "Équipements (démo)", Latest: "0.2", Versions: []string{"0.2"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("List() = %+v, want %+v", got, want)
	}
}

func TestRegistryGet(t *testing.T) {
	r := testRegistry(t)
	for ref, version := range map[string]string{
		"demo/budget": "1.10.0", "demo/budget@latest": "1.10.0", "demo/budget@1.0.0": "1.0.0", "demo/budget@v1.0.0": "1.0.0",
		"demo/equipements": "0.2",
	} {
		s, err := r.Get(ref)
		if err != nil || s.Version != version {
			t.Errorf("Get(%q) = %v, %v; want version %s", ref, s, err, version)
		}
	}
	for _, ref := range []string{"demo/nothing", "demo/budget@9.9", "budget"} {
		_, err := r.Get(ref)
		var e *Error
		if !errors.Is(err, ErrNotFound) || !errors.As(err, &e) || e.MsgFR == "" {
			t.Errorf("Get(%q) error %v, want ErrNotFound", ref, err)
		}
	}
	if err := r.Add(&Schema{ID: "demo/budget", Version: "1.0.0"}); err == nil {
		t.Error("adding a version twice succeeded")
	}
}

func TestDeriveID(t *testing.T) {
	for _, tc := range []struct {
		rel, name, version, want string
	}{
		{"scdl/subventions/2.1.1/schema.json", "subventions", "2.1.1", "scdl/subventions"},
		{"scdl/subventions/latest/schema.json", "subventions", "2.1.1", "scdl/subventions"},
		{"scdl/subventions/schema.json", "subventions", "", "scdl/subventions"},
		{"scdl-subventions-2.1.1.schema.json", "subventions", "2.1.1", "scdl/subventions"},
		{"scdl/scdl-menus-collectifs-1.2.3.schema.json", "menus-collectifs", "1.2.3", "scdl/menus-collectifs"},
		{"scdl/budget.json", "budget", "0.8.3", "scdl/budget"},
		{"etalab_irve@2.3.0.json", "irve", "2.3.0", "etalab/irve"},
		{"mon-schema.json", "", "", "mon-schema"},
		{"local/mon-schema.json", "", "", "local/mon-schema"},
	} {
		if got := deriveID(tc.rel, &Schema{Name: tc.name, Version: tc.version}); got != tc.want {
			t.Errorf("deriveID(%q) = %q, want %q", tc.rel, got, tc.want)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	ordered := []string{"", "0.1", "0.8.3", "1.0.0-rc1", "1.0.0", "1.2", "1.10.0", "2.0.1", "v2.1.1"}
	for i := range ordered {
		for j := range ordered {
			got := compareVersions(ordered[i], ordered[j])
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got != want {
				t.Errorf("compareVersions(%q, %q) = %d, want %d", ordered[i], ordered[j], got, want)
			}
		}
	}
}

func TestResolve(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		hits.Add(1)
		switch req.URL.Path {
		case "/schemas/autre/lieux/1.0/schema.json":
			w.Write([]byte(`{"name": "lieux", "version": "1.0", "fields": [{"name": "nom"}]}`))
		case "/slow.json":
			time.Sleep(300 * time.Millisecond)
			w.Write([]byte(`{"fields": []}`))
		case "/broken.json":
			w.Write([]byte(`<html>`))
		default:
			http.NotFound(w, req)
		}
	}))
	defer srv.Close()
	ctx := context.Background()

	r := testRegistry(t)
	// No client: URLs are not fetched, but a known schema's address is
	// answered locally.
	if _, err := r.Resolve(ctx, srv.URL+"/schemas/autre/lieux/1.0/schema.json"); !errors.Is(err, ErrOffline) {
		t.Errorf("no client: %v, want ErrOffline", err)
	}
	s, err := r.Resolve(ctx, "https://schema.data.gouv.fr/schemas/demo/budget/1.0.0/schema.json")
	if err != nil || s.Version != "1.0.0" {
		t.Errorf("known URL: %v %v", s, err)
	}
	if s, err := r.Resolve(ctx, "https://schema.data.gouv.fr/schemas/demo/budget/latest/schema.json"); err != nil || s.Version != "1.10.0" {
		t.Errorf("latest URL: %v %v", s, err)
	}

	r.Client = srv.Client()
	r.Timeout = 100 * time.Millisecond
	s, err = r.Resolve(ctx, srv.URL+"/schemas/autre/lieux/1.0/schema.json")
	if err != nil || s.ID != "autre/lieux" || s.Name != "lieux" {
		t.Fatalf("fetched: %+v %v", s, err)
	}
	before := hits.Load()
	if _, err := r.Resolve(ctx, srv.URL+"/schemas/autre/lieux/1.0/schema.json"); err != nil || hits.Load() != before {
		t.Errorf("second resolve fetched again (%v)", err)
	}
	if _, err := r.Resolve(ctx, srv.URL+"/slow.json"); !errors.Is(err, ErrOffline) {
		t.Errorf("slow server: %v, want ErrOffline", err)
	}
	if _, err := r.Resolve(ctx, srv.URL+"/missing.json"); !errors.Is(err, ErrNotFound) {
		t.Errorf("404: %v, want ErrNotFound", err)
	}
	if _, err := r.Resolve(ctx, srv.URL+"/broken.json"); !errors.Is(err, ErrInvalid) {
		t.Errorf("not JSON: %v, want ErrInvalid", err)
	}
	// A server that went away: offline, and never a panic.
	dead := httptest.NewServer(http.NotFoundHandler())
	url := dead.URL + "/x.json"
	dead.Close()
	if _, err := r.Resolve(ctx, url); !errors.Is(err, ErrOffline) {
		t.Errorf("dead server: %v, want ErrOffline", err)
	}

	// Files only when allowed.
	path := filepath.Join("testdata", "types.schema.json")
	if _, err := r.Resolve(ctx, path); !errors.Is(err, ErrNotFound) {
		t.Errorf("file without AllowFiles: %v", err)
	}
	r.AllowFiles = true
	if s, err := r.Resolve(ctx, path); err != nil || s.Name != "types" {
		t.Errorf("file: %v %v", s, err)
	}
	if _, err := r.Resolve(ctx, filepath.Join(t.TempDir(), "none.json")); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing file: %v", err)
	}
	if s, err := r.Resolve(ctx, "demo/budget@1.0.0"); err != nil || s.Version != "1.0.0" {
		t.Errorf("id: %v %v", s, err)
	}
}

func TestSuggest(t *testing.T) {
	r := testRegistry(t)
	got := r.Suggest([]string{"Année", "montant", "Section", "commentaire"})
	if len(got) != 1 || got[0].ID != "demo/budget" || got[0].Version != "1.0.0" {
		t.Fatalf("Suggest = %+v", got)
	}
	if c := got[0].Confidence; c != 0.75 { // 3 / (3 + 1)
		t.Errorf("confidence %v", c)
	}
	if !reflect.DeepEqual(got[0].Extra, []string{"commentaire"}) || got[0].Missing != nil {
		t.Errorf("detail %+v", got[0])
	}
	got = r.Suggest([]string{"annee", "montant", "section", "nature"})
	if len(got) != 1 || got[0].Version != "1.10.0" || got[0].Confidence != 1 {
		t.Errorf("Suggest = %+v", got)
	}
	got = r.Suggest([]string{"Nom de l'équipement", "EQUIP_TYPE", "x", "y", "z", "montant"})
	if len(got) != 1 || got[0].ID != "demo/equipements" || got[0].Confidence != 0.286 { // 2 / (3 + 4)
		t.Errorf("Suggest = %+v", got)
	}
	if got := r.Suggest([]string{"a", "b"}); len(got) != 0 {
		t.Errorf("unrelated header: %+v", got)
	}
}

func TestSuggestSCDL(t *testing.T) {
	reg := scdlRegistry(t)
	for file, want := range map[string]string{
		"subventions-2.1.1_exemple_valide.csv":                    "scdl/subventions@2.1.1",
		"subventions-2.1.1_exemple-duplicate-column.csv":          "scdl/subventions@2.0.1",
		"subventions-2.1.1_exemple_invalide_erreurs_cellules.csv": "scdl/subventions@2.1.1",
	} {
		data, err := os.ReadFile(filepath.Join(fixtures, "schemas", "scdl", "examples", file))
		if err != nil {
			t.Fatal(err)
		}
		header := strings.Split(strings.SplitN(string(data), "\n", 2)[0], ",")
		got := reg.Suggest(header)
		if len(got) == 0 || got[0].ID+"@"+got[0].Version != want {
			t.Errorf("%s: %+v, want %s first", file, got, want)
		}
	}
}
