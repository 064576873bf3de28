package api_test

import (
	"net/url"
	"sort"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/storage/storagetest"
)

// Shapes files of testdata/dcat/shacl: the official DCAT-AP 3.0.1 shapes
// (cardinalities, datatypes, ranges) and the split set published with the
// HTML specification (mandatory, recommended, ranges, EU vocabularies,
// deprecated URIs).
var (
	coreShapes = []string{"dcat-ap-SHACL.ttl", "ranges.ttl"}
	htmlShapes = []string{"html-shapes.ttl", "html-shapes_recommended.ttl", "html-range.ttl", "html-mdr-vocabularies.shape.ttl", "html-deprecateduris.ttl"}
)

// dcatPrefixes expand the compact properties dcat_completeness names.
var dcatPrefixes = map[string]string{
	"dct":    "http://purl.org/dc/terms/",
	"dcat":   "http://www.w3.org/ns/dcat#",
	"foaf":   "http://xmlns.com/foaf/0.1/",
	"vcard":  "http://www.w3.org/2006/vcard/ns#",
	"spdx":   "http://spdx.org/rdf/terms#",
	"dcatap": "http://data.europa.eu/r5r/",
	"adms":   "http://www.w3.org/ns/adms#",
}

func expandProperty(t *testing.T, compact string) string {
	t.Helper()
	prefix, local, ok := strings.Cut(compact, ":")
	ns, known := dcatPrefixes[prefix]
	if !ok || !known {
		t.Errorf("dcat_completeness names property %q with an unknown prefix", compact)
		return compact
	}
	return ns + local
}

// completeness calls dcat_completeness and returns the report and the
// gaps' properties, expanded.
func completeness(t *testing.T, h *harness, id string) (map[string]any, map[string]map[string]any) {
	t.Helper()
	rep := mustOK(t, h.get("dcat_completeness", "", url.Values{"id": {id}})).resultMap()
	gaps := map[string]map[string]any{}
	for _, g := range rep["missing"].([]any) {
		gm := g.(map[string]any)
		for _, k := range []string{"property", "field", "level", "message", "message_fr"} {
			if s, _ := gm[k].(string); s == "" {
				t.Errorf("gap %v has no %s", gm, k)
			}
		}
		gaps[expandProperty(t, gm["property"].(string))] = gm
	}
	return rep, gaps
}

// TestDCATSHACLComplete validates a dataset with complete metadata (every
// DCAT field, an uploaded file ingested so its distributions have a byte
// size, a media type and, with ?checksums=true, a checksum) against the
// DCAT-AP 3.0.1 shapes: no violation, neither against dcat-ap-SHACL.ttl
// and ranges.ttl nor against the HTML shape set (vocabularies). Both its
// own document and the catalogue page holding it are checked, with and
// without checksums (off by default: see dcat.Mapper.Checksums). SHACL runs
// on SQLite only: the mapping does not read the database (TestDCATGolden
// shows both give the same bytes).
func TestDCATSHACLComplete(t *testing.T) {
	needSHACL(t)
	h := newHarness(t, storagetest.OpenSQLite(t))
	id := mustOK(t, h.post("package_create", h.editorA, richDataset("complet"))).resultMap()["id"].(string)
	mustOK(t, h.upload("resource_create", h.editorA, map[string]string{"package_id": "complet", "name": "Subventions 2017", "description": "Fichier déposé"}, "subventions 2017.csv", []byte(subventionsCSV)))
	h.runJobs()
	rep, _ := completeness(t, h, id)
	if rep["complete"] != true || len(rep["missing"].([]any)) != 0 {
		t.Errorf("dcat_completeness of the complete dataset = %v", rep)
	}
	ttl := h.mustFeed("/dataset/" + id + ".ttl")
	for _, want := range []string{"spdx:checksumValue", "dcat:byteSize", "dcat:mediaType"} {
		if !strings.Contains(string(ttl), want) {
			t.Fatalf("the complete dataset has no %s: the upload was not ingested", want)
		}
	}
	docs := map[string][]byte{"dataset": ttl, "catalogue page": h.mustFeed("/catalog.ttl")}
	for name, doc := range docs {
		for shapes, files := range map[string][]string{"dcat-ap-SHACL+ranges": coreShapes, "html-shapes": htmlShapes} {
			t.Run(name+"/"+shapes, func(t *testing.T) {
				t.Parallel() // node takes seconds per run
				violations, others := bySeverity(shacl(t, doc, files...))
				for _, v := range violations {
					// The two shape sets disagree on locn:geometry: a
					// locn:Geometry node for dcat-ap-SHACL.ttl, a literal
					// for the HTML set. We follow dcat-ap-SHACL.ttl.
					if shapes == "html-shapes" && v.Path == "http://www.w3.org/ns/locn#geometry" && strings.Contains(v.Component, "NodeKind") {
						continue
					}
					t.Errorf("%v", v)
				}
				for _, o := range others {
					t.Logf("%v", o) // recommended-level warnings, kept for the record
				}
			})
		}
	}
}

// TestDCATSHACLMinimal validates a minimal dataset (name, title,
// organisation): every violation of the DCAT-AP shapes, and every
// recommended-property warning on the dataset, must be a property
// dcat_completeness lists with the field to fill; once those fields are
// filled as it says, the report is empty and the violations are gone.
func TestDCATSHACLMinimal(t *testing.T) {
	needSHACL(t)
	h := newHarness(t, storagetest.OpenSQLite(t))
	id := mustOK(t, h.post("package_create", h.editorA, map[string]any{"name": "minimal", "title": "Minimal", "owner_org": "ville-a"})).resultMap()["id"].(string)
	datasetURI := testBaseURL + "/dataset/" + id
	rep, gaps := completeness(t, h, id)
	if rep["complete"] != false || rep["mandatory_missing"].(float64) < 1 {
		t.Errorf("dcat_completeness of a minimal dataset = %v", rep)
	}
	ttl := h.mustFeed("/dataset/" + id + ".ttl")
	violations, _ := bySeverity(shacl(t, ttl, coreShapes...))
	seen := map[string]bool{}
	for _, v := range violations {
		seen[v.Path] = true
		if _, listed := gaps[v.Path]; !listed || v.Focus != datasetURI {
			t.Errorf("violation dcat_completeness does not report: %v", v)
		}
	}
	for prop, g := range gaps {
		if g["level"] == "mandatory" && !seen[prop] {
			t.Errorf("dcat_completeness calls %s mandatory, the shapes do not: %v", prop, g)
		}
	}
	_, warnings := bySeverity(shacl(t, ttl, "html-shapes_recommended.ttl"))
	for _, w := range warnings {
		if w.Focus != datasetURI {
			continue // the catalogue's, or a vocabulary node's
		}
		if _, listed := gaps[w.Path]; !listed {
			t.Errorf("recommended property dcat_completeness does not report: %v", w)
		}
	}

	// Fill what dcat_completeness asks for, and only that.
	fill := map[string]map[string]any{
		"notes":          {"notes": "Budget primitif voté en conseil municipal."},
		"resources":      {"resources": []any{map[string]any{"url": "https://www.ville-a.fr/files/budget.csv", "name": "Budget", "description": "Fichier CSV"}}},
		"license_id":     {"license_id": "lov2"},
		"tags":           {"tags": []any{map[string]any{"name": "budget"}}},
		"theme":          {"theme": "ECON"},
		"contact_email":  {"contact_name": "Mairie", "contact_email": "contact@ville-a.fr"},
		"spatial_uri":    {"spatial_uri": "https://www.insee.fr/fr/metadonnees/geographie/commune/13004"},
		"temporal_start": {"temporal_start": "2024-01-01", "temporal_end": "2024-12-31"},
		"frequency":      {"frequency": "annual"},
	}
	patch := map[string]any{"id": id}
	var fields []string
	for _, g := range gaps {
		f := g["field"].(string)
		values, ok := fill[f]
		if !ok {
			t.Errorf("dcat_completeness names field %q, which the test cannot fill", f)
		}
		for k, v := range values {
			patch[k] = v
		}
		fields = append(fields, f)
	}
	sort.Strings(fields)
	t.Logf("dcat_completeness asked for %s", strings.Join(fields, ", "))
	mustOK(t, h.post("package_patch", h.editorA, patch))
	if rep, _ := completeness(t, h, id); rep["complete"] != true || len(rep["missing"].([]any)) != 0 {
		t.Errorf("after filling what dcat_completeness asked: %v", rep)
	}
	violations, _ = bySeverity(shacl(t, h.mustFeed("/dataset/"+id+".ttl"), coreShapes...))
	for _, v := range violations {
		t.Errorf("after filling what dcat_completeness asked: %v", v)
	}
}
