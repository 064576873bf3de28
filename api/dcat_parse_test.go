package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// hostileDataset has, in every free-text field the feeds carry, what
// breaks hand-written serialisers: quotes, backslashes, markup, line
// breaks, tabs, non-BMP characters; and a resource URL with a space and
// quotes. (Control characters other than tab, LF and CR are left out:
// RDF/XML cannot carry them, so that graph would differ by design; the
// encoder tests in catalog/dcat cover them.)
func hostileDataset(name string) map[string]any {
	return map[string]any{
		"name": name, "owner_org": "ville-b", "license_id": "odc-odbl",
		"title": "Titre « piégé » \"guillemets\" 'apostrophes' <b>gras</b> & Cie 🌳 𝔘",
		"notes": "Ligne 1\nLigne 2\r\n\tindentée\r ]]> </rdf:RDF> \"\"\" ''' C:\\Données\\2024 @fr ^^xsd:string {\"@id\": \"x\"}",
		"tags":  []any{map[string]any{"name": "données"}, map[string]any{"name": "qualité air"}},
		"extras": []any{
			map[string]any{"key": "contact_name", "value": "Service \"SIG\" & <cartographie>"},
			map[string]any{"key": "contact_email", "value": "sig@ville-b.fr"},
		},
		"version": "1.0 \"bêta\"",
		"resources": []any{
			map[string]any{"url": `https://www.ville-b.fr/mes données "2024".csv`, "name": "Fichier \"principal\"\n(CSV)", "description": "<p>Description & détails</p>"},
			map[string]any{"url": "https://www.ville-b.fr/api?x=1&y=<2>", "name": "API", "format": "JSON", "resource_type": "api"},
		},
	}
}

// catalogFixture creates the datasets the feed tests read: rich (with an
// ingested upload), hostile, minimal, plus a private and a deleted one
// that the feeds must not show. It returns the ids of the public ones.
func catalogFixture(t *testing.T, h *harness) map[string]string {
	t.Helper()
	ids := map[string]string{}
	ids["riche"] = mustOK(t, h.post("package_create", h.editorA, richDataset("riche"))).resultMap()["id"].(string)
	mustOK(t, h.upload("resource_create", h.editorA, map[string]string{"package_id": "riche", "name": "Subventions 2017", "description": "Fichier déposé"}, "subventions 2017.csv", []byte(subventionsCSV)))
	h.runJobs()
	ids["piege"] = mustOK(t, h.post("package_create", h.editorB, hostileDataset("piege"))).resultMap()["id"].(string)
	ids["minimal"] = mustOK(t, h.post("package_create", h.sysadmin, map[string]any{"name": "minimal", "title": "Minimal", "owner_org": "ville-a"})).resultMap()["id"].(string)
	h.createDataset("prive", map[string]any{"private": true})
	h.createDataset("supprime", nil)
	mustOK(t, h.post("package_delete", h.sysadmin, map[string]any{"id": "supprime"}))
	return ids
}

// TestDCATFeedsParse reads the catalogue page and every dataset in each
// format with rapper and rdflib: every document must parse without an
// error or warning, and all formats (and the negotiated /catalog) must give
// isomorphic graphs once the page URLs, which name the format, are
// normalised.
func TestDCATFeedsParse(t *testing.T) {
	needRapper(t)
	needRDFLib(t)
	forEachDB(t, func(t *testing.T, h *harness) {
		ids := catalogFixture(t, h)
		paths := map[string]string{"catalog": "/catalog"}
		for name, id := range ids {
			paths[name] = "/dataset/" + id
		}
		for doc, path := range paths {
			t.Run(doc, func(t *testing.T) {
				docs, formats := map[string][]byte{}, map[string]string{}
				rapperCounts := map[string]int{}
				for _, f := range feedExt {
					body := h.mustFeed(path + "." + f.ext)
					docs[f.ext], formats[f.ext] = body, f.rdflib
					if f.rapper != "" {
						rapperCounts[f.ext] = rapperCount(t, body, f.rapper)
					}
					// The same document by content negotiation.
					r := h.feed(http.MethodGet, path, f.mediaType, "")
					if r.Status != http.StatusOK {
						t.Fatalf("GET %s with Accept %s: %d", path, f.mediaType, r.Status)
					}
					docs["negotiated-"+f.ext], formats["negotiated-"+f.ext] = r.Body, f.rdflib
				}
				res := rdfCompare(t, "ttl", docs, formats)
				for name, msg := range res.Errors {
					t.Errorf("rdflib cannot parse %s: %s", name, msg)
				}
				for name, iso := range res.Isomorphic {
					if !iso {
						t.Errorf("%s is not isomorphic to ttl:\n%s", name, res.Diff[name])
					}
				}
				for ext, n := range rapperCounts {
					if n != res.Counts[ext] || n == 0 {
						t.Errorf("%s: rapper read %d triples, rdflib %d", ext, n, res.Counts[ext])
					}
				}
				if doc == "catalog" {
					ttl := string(docs["ttl"])
					for name, id := range ids {
						if !strings.Contains(ttl, "<"+testBaseURL+"/dataset/"+id+">") {
							t.Errorf("the catalogue lacks %s", name)
						}
					}
					for _, hidden := range []string{"prive", "supprime"} {
						if strings.Contains(ttl, testBaseURL+"/dataset/"+hidden) || strings.Contains(ttl, "Jeu "+hidden) {
							t.Errorf("the catalogue shows %s", hidden)
						}
					}
				}
			})
		}
	})
}
