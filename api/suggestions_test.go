package api_test

import (
	"net/url"
	"strings"
	"testing"
)

// The metadata an uploaded file says is suggested, with the schema its
// header follows; accepted, it is the dataset's and its DCAT-AP.
func TestSuggestionsShowAndAccept(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("subventions", nil)
		// Communes of Charente-Maritime and Vienne: Nouvelle-Aquitaine.
		csv := strings.NewReplacer("2A004", "17300", "01053", "86194").Replace(subventionsCSV)
		r := mustOK(t, h.upload("resource_create", h.editorA, map[string]string{"package_id": "subventions"}, "s.csv", []byte(csv))).resultMap()
		h.runJobs()

		s := mustOK(t, h.get("package_suggestions_show", "", url.Values{"id": {"subventions"}})).resultMap()
		schemas := s["schemas"].([]any)
		if len(schemas) != 1 {
			t.Fatalf("schemas = %v", schemas)
		}
		best := schemas[0].(map[string]any)["suggestions"].([]any)[0].(map[string]any)
		if schemas[0].(map[string]any)["resource_id"] != r["id"] || best["id"] != "ville/subventions" || best["confidence"] != 1.0 {
			t.Errorf("schema suggestion = %v", schemas[0])
		}
		temporal, _ := s["temporal"].(map[string]any)
		if temporal["start"] != "2017-09-08" || temporal["end"] != "2017-12-21" || temporal["current"] != false {
			t.Errorf("temporal = %v", s["temporal"])
		}
		spatial, _ := s["spatial"].(map[string]any)
		if spatial["level"] != "region" || spatial["name"] != "Nouvelle-Aquitaine" || spatial["uri"] != "http://id.insee.fr/geo/region/75" {
			t.Errorf("spatial = %v", s["spatial"])
		}
		if s["frequency"] != nil { // one upload
			t.Errorf("frequency = %v", s["frequency"])
		}

		// Accepting needs the right to edit, and a kind with a suggestion;
		// a refusal changes nothing.
		accept := map[string]any{"id": "subventions", "accept": []string{"temporal", "spatial", "schema"}}
		mustFail(t, h.post("package_suggestions_accept", "", accept), 403, "Authorization Error")
		mustFail(t, h.post("package_suggestions_accept", h.editorB, accept), 403, "Authorization Error")
		bad := mustFail(t, h.post("package_suggestions_accept", h.editorA, map[string]any{"id": "subventions", "accept": []string{"temporal", "frequency"}}), 409, "Validation Error")
		if len(bad.fieldErrors("accept")) != 1 {
			t.Errorf("errors = %v", bad.Error)
		}
		if e := extras(mustOK(t, h.get("package_show", "", url.Values{"id": {"subventions"}})).resultMap()); e["temporal_start"] != "" {
			t.Errorf("a refused accept changed temporal_start: %v", e)
		}
		mustFail(t, h.post("package_suggestions_accept", h.editorA, map[string]any{"id": "subventions"}), 409, "Validation Error")

		e := extras(mustOK(t, h.post("package_suggestions_accept", h.editorA, accept)).resultMap())
		if e["temporal_start"] != "2017-09-08" || e["temporal_end"] != "2017-12-21" || e["spatial_uri"] != "http://id.insee.fr/geo/region/75" {
			t.Errorf("accepted: extras %v", e)
		}
		h.runJobs() // the schema given to the resource is checked
		res := mustOK(t, h.get("resource_show", "", url.Values{"id": {r["id"].(string)}})).resultMap()
		if res["passerelle_schema"] != "ville/subventions@1.0.0" || res["validation_status"] != "success" {
			t.Errorf("accepted schema: %v, %v", res["passerelle_schema"], res["validation"])
		}
		status, _, ttl := h.fetch("/dataset/subventions.ttl", "")
		for _, want := range []string{"<http://id.insee.fr/geo/region/75>", "2017-09-08", "<" + villeSchemaURL + ">"} {
			if status != 200 || !strings.Contains(string(ttl), want) {
				t.Errorf("DCAT lacks %s", want)
			}
		}
		s = mustOK(t, h.get("package_suggestions_show", "", url.Values{"id": {"subventions"}})).resultMap()
		if s["temporal"].(map[string]any)["current"] != true || s["spatial"].(map[string]any)["current"] != true {
			t.Errorf("after accepting: %v", s)
		}
		mustFail(t, h.get("package_suggestions_show", "", url.Values{"id": {"absent"}}), 404, "Not Found Error")
	})
}

// extras returns a package dict's extras by key.
func extras(d map[string]any) map[string]string {
	out := map[string]string{}
	for _, e := range d["extras"].([]any) {
		e := e.(map[string]any)
		out[e["key"].(string)] = e["value"].(string)
	}
	return out
}
