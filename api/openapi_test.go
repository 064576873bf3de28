package api_test

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi"

	"github.com/passerelle/passerelle/storage/storagetest"
)

// TestOpenAPIMatchesRoutes fails on any route the server registers that
// openapi.yaml does not document, and on any documented operation the
// server does not serve.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	h := newHarness(t, storagetest.OpenSQLite(t))
	b, err := os.ReadFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := libopenapi.NewDocument(b)
	if err != nil {
		t.Fatal(err)
	}
	model, err := doc.BuildV3Model()
	if err != nil {
		t.Fatalf("openapi.yaml does not build: %v", err)
	}
	if v := model.Model.Version; !strings.HasPrefix(v, "3.1") {
		t.Errorf("openapi version %s, want 3.1", v)
	}
	documented := map[string]bool{}
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method := range item.GetOperations().FromOldest() {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	param := regexp.MustCompile(`:([a-zA-Z_]+)`)
	served := map[string]bool{}
	for _, r := range h.srv.Routes() {
		served[r.Method+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, k := range missing {
		t.Errorf("route %s is not in openapi.yaml", k)
	}
	for _, k := range extra {
		t.Errorf("openapi.yaml documents %s, which the server does not serve", k)
	}
	if len(served) < 40 {
		t.Errorf("only %d routes served: the route walk is broken", len(served))
	}
}
