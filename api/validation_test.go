package api_test

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const villeSchemaURL = "https://schemas.example.fr/ville/subventions/1.0.0/schema.json"

// subventionsInvalidCSV breaks the test schema in three cells: a montant
// written with a dot as group separator and a euro sign, a missing
// nomBeneficiaire, a SIRET of 13 digits.
const subventionsInvalidCSV = "idAttribuant;dateConvention;montant;nomBeneficiaire;idBeneficiaire;codeInsee;versé\r\n" +
	"21860194600013;21/12/2017;1.234,5 €;Association des Écureuils;02308228659079;2A004;oui\r\n" +
	"21860194600013;08/09/2017;40 000,00;;;01053;non\r\n" +
	"21860194600013;;1500;Les Amis du Musée;4425970010003;86194;oui\r\n"

// conformsTo reports whether the dataset's Turtle names the schema.
func (h *harness) conformsTo(dataset, schemaURL string) bool {
	h.t.Helper()
	status, _, body := h.fetch("/dataset/"+dataset+".ttl", "")
	if status != 200 {
		h.t.Fatalf("GET /dataset/%s.ttl = %d", dataset, status)
	}
	return strings.Contains(string(body), "<"+schemaURL+">")
}

func (h *harness) validationShow(id string) *response {
	return h.get("resource_validation_show", "", url.Values{"resource_id": {id}})
}

// An uploaded file that declares a schema is checked during ingestion: the
// summary is in resource_show, the whole report at its own action, and
// the schema is published (udata's schema, dct:conformsTo) only while the
// file is valid.
func TestUploadValidatedAgainstSchema(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("subventions", nil)
		r := mustOK(t, h.upload("resource_create", h.editorA, map[string]string{
			"package_id": "subventions", "name": "Subventions 2017", "schema": "ville/subventions",
		}, "subventions.csv", []byte(subventionsCSV))).resultMap()
		id := r["id"].(string)
		if r["passerelle_schema"] != "ville/subventions" || r["schema"] != nil || r["validation_status"] != nil {
			t.Fatalf("before ingestion: %v", r)
		}
		if v := mustOK(t, h.validationShow(id)).resultMap(); v["status"] != "created" || v["report"] != nil {
			t.Errorf("validation before ingestion = %v", v)
		}
		if h.conformsTo("subventions", villeSchemaURL) {
			t.Error("dct:conformsTo before the file was checked")
		}
		h.runJobs()

		shown := mustOK(t, h.get("resource_show", "", url.Values{"id": {id}})).resultMap()
		schema, _ := shown["schema"].(map[string]any)
		if shown["validation_status"] != "success" || schema["name"] != "ville/subventions" || schema["version"] != "1.0.0" || schema["url"] != villeSchemaURL || shown["validation_timestamp"] == nil {
			t.Fatalf("valid file: %v", shown)
		}
		if rep := shown["validation"].(map[string]any)["report"].(map[string]any); rep["valid"] != true || rep["rows"] != 3.0 {
			t.Errorf("summary report = %v", rep)
		}
		if !h.conformsTo("subventions", villeSchemaURL) {
			t.Error("a valid file's schema is not dct:conformsTo")
		}
		v := mustOK(t, h.validationShow(id)).resultMap()
		if v["status"] != "success" || v["resource_id"] != id || v["finished"] == nil || v["report"].(map[string]any)["error_count"] != 0.0 {
			t.Errorf("resource_validation_show = %v", v)
		}

		// A new file that breaks the schema: no schema published any more,
		// and the report says which cell breaks which rule, in French too.
		mustOK(t, h.upload("resource_update", h.editorA, map[string]string{
			"id": id, "name": "Subventions 2017", "schema": "ville/subventions",
		}, "subventions.csv", []byte(subventionsInvalidCSV)))
		h.runJobs()
		shown = mustOK(t, h.get("resource_show", "", url.Values{"id": {id}})).resultMap()
		if shown["validation_status"] != "failure" || shown["schema"] != nil || shown["passerelle_schema"] != "ville/subventions" {
			t.Fatalf("invalid file: %v", shown)
		}
		if h.conformsTo("subventions", villeSchemaURL) {
			t.Error("an invalid file's schema is still dct:conformsTo")
		}
		// The ingestion itself succeeded: the table is queryable.
		if shown["datastore_active"] != true {
			t.Errorf("datastore_active = %v", shown["datastore_active"])
		}
		rep := mustOK(t, h.validationShow(id)).resultMap()["report"].(map[string]any)
		counts := rep["error_counts"].(map[string]any)
		if rep["valid"] != false || counts["type-error"] != 1.0 || counts["constraint-error"] != 2.0 {
			t.Fatalf("report counts = %v (errors %v)", counts, rep["errors"])
		}
		var montant map[string]any
		for _, e := range rep["errors"].([]any) {
			if e := e.(map[string]any); e["field"] == "montant" {
				montant = e
			}
		}
		if montant == nil || montant["row"] != 2.0 || montant["value"] != "1.234,5 €" ||
			!strings.Contains(montant["message"].(string), "montant") || !strings.Contains(montant["message_fr"].(string), "montant") {
			t.Errorf("montant error = %v", montant)
		}
	})
}

// The schema reference comes in the forms clients send: an id with a
// version, a URL the registry knows, udata's object, an inline Table
// Schema; one the registry cannot use is refused and changes nothing.
func TestSchemaReferences(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("subventions", nil)
		create := func(schema string) *response {
			return h.upload("resource_create", h.editorA, map[string]string{"package_id": "subventions", "schema": schema}, "s.csv", []byte(subventionsCSV))
		}
		inline, err := os.ReadFile(filepath.Join("testdata", "schemas", "ville", "subventions", "1.0.0", "schema.json"))
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, ref := range []string{"ville/subventions@1.0.0", villeSchemaURL, `{"name": "ville/subventions", "version": "1.0.0"}`, string(inline)} {
			ids = append(ids, mustOK(t, create(ref)).resultMap()["id"].(string))
		}
		h.runJobs()
		for i, id := range ids {
			shown := mustOK(t, h.get("resource_show", "", url.Values{"id": {id}})).resultMap()
			schema, _ := shown["schema"].(map[string]any)
			if shown["validation_status"] != "success" || schema["url"] != villeSchemaURL {
				t.Errorf("reference %d: validation %v, schema %v", i, shown["validation_status"], shown["schema"])
			}
		}
		// In a JSON body, udata's object as an object; the object a dict
		// shows, sent back, keeps the stored reference.
		link := mustOK(t, h.post("resource_create", h.editorA, map[string]any{"package_id": "subventions", "url": "https://example.fr/s.csv",
			"schema": map[string]any{"name": "ville/subventions", "version": "1.0.0"}})).resultMap()
		if link["passerelle_schema"] != "ville/subventions@1.0.0" {
			t.Errorf("udata object → %v", link["passerelle_schema"])
		}
		shown := mustOK(t, h.get("resource_show", "", url.Values{"id": {ids[1]}})).resultMap()
		if r := mustOK(t, h.post("resource_update", h.editorA, shown)).resultMap(); r["passerelle_schema"] != villeSchemaURL || r["validation_status"] != "success" {
			t.Errorf("a shown dict sent back: schema %v, validation %v", r["passerelle_schema"], r["validation_status"])
		}

		before := mustOK(t, h.get("package_show", "", url.Values{"id": {"subventions"}})).resultMap()
		for _, bad := range []any{"ville/inconnu", "ftp://example.fr/schema.json", `{"fields": "no"}`, 12} {
			res := mustFail(t, h.post("resource_create", h.editorA, map[string]any{"package_id": "subventions", "url": "https://example.fr/a.csv", "schema": bad}), 409, "Validation Error")
			if len(res.fieldErrors("schema")) == 0 {
				t.Errorf("schema %v: errors %v", bad, res.Error)
			}
		}
		mustFail(t, h.post("package_patch", h.editorA, map[string]any{"id": "subventions", "resources": []any{map[string]any{"url": "https://example.fr/a.csv", "schema": "ville/inconnu"}}}), 409, "Validation Error")
		after := mustOK(t, h.get("package_show", "", url.Values{"id": {"subventions"}})).resultMap()
		if before["metadata_modified"] != after["metadata_modified"] || len(after["resources"].([]any)) != len(before["resources"].([]any)) {
			t.Error("a refused schema changed the dataset")
		}

		list := mustOK(t, h.get("schema_list", "", nil)).resultList()
		if len(list) != 1 || list[0].(map[string]any)["id"] != "ville/subventions" {
			t.Errorf("schema_list = %v", list)
		}
	})
}

// Changing a resource's schema checks its stored file again; a schema
// that cannot be had leaves the file published, with a validation in
// error that says why; a resource without a schema has no validation.
func TestSchemaChangeRevalidates(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("subventions", nil)
		r := mustOK(t, h.upload("resource_create", h.editorA, map[string]string{"package_id": "subventions"}, "s.csv", []byte(subventionsCSV))).resultMap()
		id := r["id"].(string)
		h.runJobs()
		mustFail(t, h.validationShow(id), 404, "Not Found Error")

		r = mustOK(t, h.post("resource_patch", h.editorA, map[string]any{"id": id, "schema": "ville/subventions"})).resultMap()
		if in := r["ingest"].(map[string]any); in["state"] != "pending" {
			t.Fatalf("declaring a schema did not queue a check: %v", in)
		}
		h.runJobs()
		if s := mustOK(t, h.get("resource_show", "", url.Values{"id": {id}})).resultMap(); s["validation_status"] != "success" {
			t.Errorf("after declaring the schema: %v", s["validation"])
		}

		// A URL this offline registry does not know: accepted (it may be
		// fetched later), checked as an error that names the reason.
		other := "https://schemas.example.fr/autre/schema.json"
		mustOK(t, h.post("resource_patch", h.editorA, map[string]any{"id": id, "schema": other}))
		h.runJobs()
		s := mustOK(t, h.get("resource_show", "", url.Values{"id": {id}})).resultMap()
		if s["validation_status"] != "error" || s["schema"] != nil || s["ingest"].(map[string]any)["state"] != "complete" {
			t.Fatalf("unreachable schema: %v", s)
		}
		v := mustOK(t, h.validationShow(id)).resultMap()
		errMsg, _ := v["error"].(map[string]any)
		if v["status"] != "error" || errMsg == nil || !strings.Contains(errMsg["message_fr"].(string), "réseau") {
			t.Errorf("validation of an unreachable schema = %v", v)
		}
		if h.conformsTo("subventions", other) {
			t.Error("an unchecked upload is dct:conformsTo")
		}

		// Removing the schema removes the validation.
		s = mustOK(t, h.post("resource_patch", h.editorA, map[string]any{"id": id, "schema": ""})).resultMap()
		if s["validation_status"] != nil || s["passerelle_schema"] != nil || s["schema"] != nil {
			t.Errorf("after removing the schema: %v", s)
		}
	})
}

// A link declares the schema its publisher says it follows: there is no
// file here to check, so it is published as declared.
func TestLinkSchemaPublishedAsDeclared(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("subventions", nil)
		r := mustOK(t, h.post("resource_create", h.editorA, map[string]any{
			"package_id": "subventions", "url": "https://www.ville.fr/subventions.csv", "schema": villeSchemaURL,
		})).resultMap()
		if schema, _ := r["schema"].(map[string]any); schema["url"] != villeSchemaURL || r["validation_status"] != nil {
			t.Errorf("link: %v", r)
		}
		if !h.conformsTo("subventions", villeSchemaURL) {
			t.Error("a link's declared schema is not dct:conformsTo")
		}
	})
}

// sharedSCDL holds the official SCDL schemas and their example files; CI
// has it beside the checkout, a stranger's clone does not.
const sharedSCDL = "../../shared/fixtures/schemas/scdl"

// Every SCDL example file, uploaded with the schema its name gives,
// behaves as its name says: the valid one is published as following it,
// the invalid ones fail with the kind of error they illustrate.
func TestUploadSCDLExamples(t *testing.T) {
	examples, _ := filepath.Glob(filepath.Join(sharedSCDL, "examples", "subventions-2.1.1_*.csv"))
	if len(examples) == 0 {
		t.Skip("shared fixtures not found beside the checkout: SCDL uploads skipped")
	}
	want := map[string]struct {
		status string
		code   string // an error code the report must count
	}{
		"subventions-2.1.1_exemple_valide.csv":                    {"success", ""},
		"subventions-2.1.1_exemple_invalide_erreurs_cellules.csv": {"failure", "type-error"},
		"subventions-2.1.1_exemple_invalide_erreurs_colonnes.csv": {"failure", "incorrect-label"},
		"subventions-2.1.1_exemple-duplicate-column.csv":          {"failure", "duplicate-label"},
	}
	forEachDB(t, func(t *testing.T, h *harness) {
		_ = h.schemas.LoadDir(sharedSCDL) // the shared directory's SCDL schemas, by id
		h.createDataset("subventions", nil)
		ids := map[string]string{}
		for _, path := range examples {
			content, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			name := filepath.Base(path)
			r := mustOK(t, h.upload("resource_create", h.sysadmin, map[string]string{"package_id": "subventions", "schema": "scdl/subventions@2.1.1"}, name, content)).resultMap()
			ids[name] = r["id"].(string)
		}
		h.runJobs()
		for name, id := range ids {
			w, ok := want[name]
			if !ok {
				t.Errorf("%s: an example this test does not know", name)
				continue
			}
			v := mustOK(t, h.validationShow(id)).resultMap()
			if v["status"] != w.status {
				t.Errorf("%s: status %v, want %s (%v)", name, v["status"], w.status, v["report"])
				continue
			}
			rep := v["report"].(map[string]any)
			if w.code != "" {
				if counts := rep["error_counts"].(map[string]any); counts[w.code] == nil {
					t.Errorf("%s: no %s among %v", name, w.code, counts)
				}
			}
			shown := mustOK(t, h.get("resource_show", "", url.Values{"id": {id}})).resultMap()
			if schema, _ := shown["schema"].(map[string]any); (w.status == "success") != (schema != nil) {
				t.Errorf("%s: schema %v with status %s", name, shown["schema"], w.status)
			} else if schema != nil && (schema["name"] != "scdl/subventions" || schema["version"] != "2.1.1") {
				t.Errorf("%s: schema %v", name, schema)
			}
		}
	})
}
