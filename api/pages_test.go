package api_test

import (
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"golang.org/x/net/html/atom"

	"github.com/passerelle/passerelle/storage/storagetest"
)

func TestPagesSmoke(t *testing.T) {
	h := newHarness(t, storagetest.OpenSQLite(t))
	h.createDataset("budget", map[string]any{"title": "Budget <script>alert(1)</script>", "notes": "Le budget.\n\nDeuxième paragraphe.", "tags": []any{map[string]any{"name": "finances"}}})
	mustOK(t, h.upload("resource_create", h.editorA, map[string]string{"package_id": "budget", "name": "Subventions 2017", "schema": "ville/subventions"}, "s.csv", []byte(subventionsInvalidCSV)))
	h.runJobs()
	b := h.browser()
	for _, p := range []string{"/", "/dataset/budget", "/organization/ville-a", "/login", "/?q=budget&tags=finances"} {
		r, _ := b.mustGet(p)
		if os.Getenv("DUMP") != "" {
			os.WriteFile("/tmp/page"+strings.NewReplacer("/", "_", "?", "_").Replace(p)+".html", r.Body, 0o644)
		}
	}
	b.login(h.editorA)
	for _, p := range []string{"/publish", "/dataset/budget/edit", "/dataset/budget/delete"} {
		r, _ := b.mustGet(p)
		if os.Getenv("DUMP") != "" {
			os.WriteFile("/tmp/page"+strings.NewReplacer("/", "_", "?", "_").Replace(p)+".html", r.Body, 0o644)
		}
	}
	_ = url.Values{}
	_ = http.StatusOK
	_ = atom.H1
}
