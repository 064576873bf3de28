package api_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// richDataset is a dataset with every field the API knows.
func richDataset(name string) map[string]any {
	return map[string]any{
		"name": name, "title": "Subventions aux associations 2024", "owner_org": "ville-a",
		"notes": "Montants **versés** en 2024.", "url": "https://www.ville-a.fr/subventions",
		"version": "1.0", "author": "Service finances", "author_email": "finances@ville-a.fr",
		"maintainer": "Direction du numérique", "maintainer_email": "numerique@ville-a.fr",
		"license_id": "lov2", "private": false,
		"tags":      []any{map[string]any{"name": "subventions"}, map[string]any{"name": "associations"}},
		"extras":    []any{map[string]any{"key": "source", "value": "Logiciel Grand Angle"}},
		"frequency": "annual", "temporal_start": "2024-01-01", "temporal_end": "2024-12-31",
		"spatial_uri":  "https://www.insee.fr/fr/metadonnees/geographie/commune/13004",
		"spatial":      `{"type": "Polygon", "coordinates": [[[4.5, 43.5], [4.8, 43.5], [4.8, 43.8], [4.5, 43.5]]]}`,
		"theme":        []any{"ECON", "http://publications.europa.eu/resource/authority/data-theme/GOVE"},
		"contact_name": "Mairie d'Arles", "contact_email": "opendata@ville-a.fr",
		"resources": []any{
			map[string]any{"url": "https://www.ville-a.fr/files/subventions-2024.csv", "name": "Subventions 2024", "description": "Fichier CSV", "resource_type": "file"},
			map[string]any{"url": "https://www.ville-a.fr/api/subventions", "name": "API", "format": "JSON", "resource_type": "api", "size": 1234, "owner_note": "extra key"},
		},
	}
}

var ckanTimeRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{6})?$`)

func extrasMap(d map[string]any) map[string]string {
	out := map[string]string{}
	for _, e := range d["extras"].([]any) {
		m := e.(map[string]any)
		out[m["key"].(string)] = m["value"].(string)
	}
	return out
}

func TestPackageCreateAndShow(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		created := mustOK(t, h.post("package_create", h.editorA, richDataset("subventions-2024"))).resultMap()
		for _, via := range []string{created["id"].(string), "subventions-2024"} {
			d := mustOK(t, h.get("package_show", "", url.Values{"id": {via}})).resultMap()
			checks := map[string]any{
				"name": "subventions-2024", "title": "Subventions aux associations 2024",
				"type": "dataset", "state": "active", "private": false, "license_id": "lov2",
				"license_title": "Licence Ouverte / Open Licence version 2.0", "isopen": true,
				"license_url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence",
				"owner_org":   h.orgA.ID, "num_tags": 2.0, "num_resources": 2.0,
				"author_email": "finances@ville-a.fr", "url": "https://www.ville-a.fr/subventions",
				"notes": "Montants **versés** en 2024.", "version": "1.0",
			}
			for k, want := range checks {
				if d[k] != want {
					t.Errorf("%s = %#v, want %#v", k, d[k], want)
				}
			}
			for _, k := range []string{"metadata_created", "metadata_modified"} {
				if !ckanTimeRe.MatchString(d[k].(string)) {
					t.Errorf("%s = %q, not as CKAN prints it", k, d[k])
				}
			}
			org := d["organization"].(map[string]any)
			if org["name"] != "ville-a" || org["title"] != "Ville d'Arles" || org["is_organization"] != true || org["approval_status"] != "approved" {
				t.Errorf("organization = %v", org)
			}
			tags := d["tags"].([]any)
			if tags[0].(map[string]any)["name"] != "associations" || tags[1].(map[string]any)["name"] != "subventions" {
				t.Errorf("tags not sorted by name: %v", tags)
			}
			ex := extrasMap(d)
			wantExtras := map[string]string{
				"source":         "Logiciel Grand Angle",
				"frequency":      "http://publications.europa.eu/resource/authority/frequency/ANNUAL",
				"temporal_start": "2024-01-01", "temporal_end": "2024-12-31",
				"spatial_uri":  "https://www.insee.fr/fr/metadonnees/geographie/commune/13004",
				"theme":        `["http://publications.europa.eu/resource/authority/data-theme/ECON","http://publications.europa.eu/resource/authority/data-theme/GOVE"]`,
				"contact_name": "Mairie d'Arles", "contact_email": "opendata@ville-a.fr",
			}
			for k, want := range wantExtras {
				if ex[k] != want {
					t.Errorf("extra %s = %q, want %q", k, ex[k], want)
				}
			}
			if !strings.Contains(ex["spatial"], "Polygon") {
				t.Errorf("spatial extra = %q", ex["spatial"])
			}
			res := d["resources"].([]any)
			r0, r1 := res[0].(map[string]any), res[1].(map[string]any)
			if r0["format"] != "CSV" || r0["mimetype"] != "text/csv" || r0["position"] != 0.0 || r0["package_id"] != d["id"] {
				t.Errorf("resource 0 = %v", r0)
			}
			if r1["format"] != "JSON" || r1["size"] != 1234.0 || r1["resource_type"] != "api" || r1["owner_note"] != "extra key" || r1["position"] != 1.0 {
				t.Errorf("resource 1 = %v", r1)
			}
		}
		// Title defaults to the name, as CKAN's if_empty_same_as("name").
		d := mustOK(t, h.post("package_create", h.editorA, map[string]any{"name": "sans-titre", "owner_org": h.orgA.ID})).resultMap()
		if d["title"] != "sans-titre" || d["notes"] != nil || d["license_id"] != nil || d["license_title"] != nil {
			t.Errorf("minimal dataset = %v", d)
		}
		mustFail(t, h.get("package_show", "", url.Values{"id": {"inconnu"}}), 404, "Not Found Error")
		r := mustFail(t, h.get("package_show", "", nil), 409, "Validation Error")
		if got := r.fieldErrors("id"); len(got) != 1 || got[0] != "Missing value" {
			t.Errorf("missing id errors = %v", got)
		}
	})
}

func TestPackageCreateValidation(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("deja-pris", nil)
		cases := []struct {
			name   string
			dict   map[string]any
			status int
			typ    string
			field  string
			msg    string
		}{
			{"missing name", map[string]any{"owner_org": "ville-a"}, 409, "Validation Error", "name", "Missing value"},
			{"one letter", map[string]any{"name": "a", "owner_org": "ville-a"}, 409, "Validation Error", "name", "Must be at least 2 characters long"},
			{"too long", map[string]any{"name": strings.Repeat("a", 101), "owner_org": "ville-a"}, 409, "Validation Error", "name", "Name must be a maximum of 100 characters long"},
			{"uppercase", map[string]any{"name": "Budget", "owner_org": "ville-a"}, 409, "Validation Error", "name", "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"},
			{"accent", map[string]any{"name": "énergie", "owner_org": "ville-a"}, 409, "Validation Error", "name", "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_"},
			{"reserved", map[string]any{"name": "new", "owner_org": "ville-a"}, 409, "Validation Error", "name", `Name "new" is reserved`},
			{"duplicate", map[string]any{"name": "deja-pris", "owner_org": "ville-a"}, 409, "Validation Error", "name", "That URL is already in use."},
			{"unknown org", map[string]any{"name": "jeu-x", "owner_org": "ville-z"}, 409, "Validation Error", "owner_org", "Organization does not exist"},
			{"no org", map[string]any{"name": "jeu-x"}, 409, "Validation Error", "owner_org", "Missing value"},
			{"unknown licence", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "license_id": "wtfpl"}, 409, "Validation Error", "license_id", `Unknown licence "wtfpl": use one of the ids license_list returns`},
			{"title a number", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "title": 12}, 409, "Validation Error", "title", "Must be a string, not a number"},
			{"private not boolean", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "private": "peut-être"}, 409, "Validation Error", "private", "Must be a boolean (true or false)"},
			{"bad email", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "author_email": "pas-une-adresse"}, 409, "Validation Error", "author_email", "Email pas-une-adresse is not a valid format"},
			{"bad url", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "url": "javascript:alert(1)"}, 409, "Validation Error", "url", "Please provide a valid URL (http, https or ftp, with a host)"},
			{"short tag", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "tags": []any{map[string]any{"name": "a"}}}, 409, "Validation Error", "tags", `Tag "a" length is less than minimum 2`},
			{"bad tag", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "tags": []any{map[string]any{"name": "a/b"}}}, 409, "Validation Error", "tags", `Tag "a/b" must be alphanumeric characters or symbols: -_.`},
			{"duplicate extra", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "extras": []any{map[string]any{"key": "k", "value": "1"}, map[string]any{"key": "k", "value": "2"}}}, 409, "Validation Error", "extras", `Duplicate key "k"`},
			{"extra named like a field", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "extras": []any{map[string]any{"key": "title", "value": "x"}}}, 409, "Validation Error", "extras", `There is a schema field with the same name: "title"`},
			{"unknown frequency", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "frequency": "sometimes"}, 409, "Validation Error", "frequency", ""},
			{"unknown theme", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "theme": []any{"SPORT"}}, 409, "Validation Error", "theme", ""},
			{"bad temporal", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "temporal_start": "31/12/2024"}, 409, "Validation Error", "temporal_start", "Must be an ISO 8601 date (YYYY-MM-DD) or date-time"},
			{"temporal reversed", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "temporal_start": "2024-12-31", "temporal_end": "2024-01-01"}, 409, "Validation Error", "temporal_end", "Must not be before temporal_start"},
			{"point is not an area", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "spatial": map[string]any{"type": "Point", "coordinates": []any{4.6, 43.6}}}, 409, "Validation Error", "spatial", "Must be a GeoJSON Polygon or MultiPolygon (harvesters drop other geometries)"},
			{"bad resource type", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "resources": []any{map[string]any{"url": "https://x.fr/a.csv", "resource_type": "dataset"}}}, 409, "Validation Error", "resources[0].resource_type", ""},
			{"other type", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "type": "harvest"}, 409, "Validation Error", "type", ""},
			{"tags not a list", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "tags": "a,b"}, 400, "Integrity Error", "", ""},
			{"resources not a list", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "resources": map[string]any{"url": "x"}}, 400, "Integrity Error", "", ""},
			{"extras not a list", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "extras": map[string]any{"k": "v"}}, 400, "Integrity Error", "", ""},
			{"deleted on create", map[string]any{"name": "jeu-x", "owner_org": "ville-a", "state": "deleted"}, 409, "Validation Error", "state", "A new dataset can be active or draft"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := mustFail(t, h.post("package_create", h.sysadmin, tc.dict), tc.status, tc.typ)
				if tc.field == "" {
					return
				}
				got := r.fieldErrors(tc.field)
				if len(got) == 0 || (tc.msg != "" && got[0] != tc.msg) {
					t.Errorf("%s errors = %q, want %q (body %s)", tc.field, got, tc.msg, r.Body)
				}
			})
		}
		// Nothing was written by the failures.
		if l := mustOK(t, h.get("package_list", "", nil)).resultList(); len(l) != 1 {
			t.Errorf("package_list after failures = %v", l)
		}
		// tag_string is CKAN's other way to give tags.
		d := h.createDataset("avec-tag-string", map[string]any{"tag_string": "budget, finances"})
		if d["num_tags"] != 2.0 {
			t.Errorf("tag_string gave %v", d["tags"])
		}
	})
}

func TestPackageAuthorization(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		dict := map[string]any{"name": "jeu-b", "owner_org": "ville-b"}
		mustFail(t, h.post("package_create", "", dict), 403, "Authorization Error")
		mustFail(t, h.post("package_create", h.editorA, dict), 403, "Authorization Error")
		mustOK(t, h.post("package_create", h.editorB, dict))
		mustOK(t, h.post("package_create", h.sysadmin, map[string]any{"name": "jeu-b2", "owner_org": "ville-b"}))

		// Only sysadmins choose ids (harvests and migrations keep theirs).
		id := "0f8fad5b-d9cb-469f-a165-70867728950e"
		mustFail(t, h.post("package_create", h.editorB, map[string]any{"name": "avec-id", "owner_org": "ville-b", "id": id}), 403, "Authorization Error")
		if d := mustOK(t, h.post("package_create", h.sysadmin, map[string]any{"name": "avec-id", "owner_org": "ville-b", "id": id})).resultMap(); d["id"] != id {
			t.Errorf("id = %v", d["id"])
		}
		mustFail(t, h.post("package_create", h.sysadmin, map[string]any{"name": "avec-id-2", "owner_org": "ville-b", "id": id}), 409, "Validation Error")

		for _, action := range []string{"package_update", "package_patch", "package_delete"} {
			body := map[string]any{"id": "jeu-b", "title": "Changé"}
			mustFail(t, h.post(action, "", body), 403, "Authorization Error")
			mustFail(t, h.post(action, h.editorA, body), 403, "Authorization Error")
		}
		mustOK(t, h.post("package_patch", h.editorB, map[string]any{"id": "jeu-b", "title": "Changé"}))
		// An editor cannot move a dataset into an organisation it does not
		// edit, nor take one from it.
		mustFail(t, h.post("package_patch", h.editorB, map[string]any{"id": "jeu-b", "owner_org": "ville-a"}), 403, "Authorization Error")
		mustOK(t, h.post("package_patch", h.sysadmin, map[string]any{"id": "jeu-b", "owner_org": "ville-a"}))
		if d := mustOK(t, h.get("package_show", "", url.Values{"id": {"jeu-b"}})).resultMap(); d["owner_org"] != h.orgA.ID {
			t.Errorf("owner_org after move = %v", d["owner_org"])
		}
	})
}

func TestPrivateDatasets(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("public", nil)
		h.createDataset("prive", map[string]any{"private": true})
		mustFail(t, h.get("package_show", "", url.Values{"id": {"prive"}}), 403, "Authorization Error")
		mustFail(t, h.get("package_show", h.editorB, url.Values{"id": {"prive"}}), 403, "Authorization Error")
		mustOK(t, h.get("package_show", h.editorA, url.Values{"id": {"prive"}}))
		mustOK(t, h.get("package_show", h.sysadmin, url.Values{"id": {"prive"}}))

		for _, tok := range []string{"", h.editorA, h.sysadmin} {
			if l := mustOK(t, h.get("package_list", tok, nil)).resultList(); len(l) != 1 || l[0] != "public" {
				t.Errorf("package_list = %v: private datasets are never listed", l)
			}
		}
		count := func(tok string, q url.Values) float64 {
			return mustOK(t, h.get("package_search", tok, q)).resultMap()["count"].(float64)
		}
		incl := url.Values{"include_private": {"true"}}
		if n := count("", incl); n != 1 {
			t.Errorf("anonymous include_private count = %v", n)
		}
		if n := count(h.editorB, incl); n != 1 {
			t.Errorf("other editor include_private count = %v", n)
		}
		if n := count(h.editorA, incl); n != 2 {
			t.Errorf("own editor include_private count = %v", n)
		}
		if n := count(h.sysadmin, incl); n != 2 {
			t.Errorf("sysadmin include_private count = %v", n)
		}
		if n := count(h.sysadmin, nil); n != 1 {
			t.Errorf("sysadmin without include_private count = %v", n)
		}
		// organization package_count counts what the caller may see.
		orgCount := func(tok string) float64 {
			return mustOK(t, h.get("organization_show", tok, url.Values{"id": {"ville-a"}})).resultMap()["package_count"].(float64)
		}
		if orgCount("") != 1 || orgCount(h.editorA) != 2 {
			t.Errorf("package_count anonymous %v, editor %v", orgCount(""), orgCount(h.editorA))
		}
		if l := mustOK(t, h.get("current_package_list_with_resources", "", nil)).resultList(); len(l) != 1 {
			t.Errorf("current_package_list_with_resources shows %d datasets to anonymous", len(l))
		}
	})
}

func TestPackageUpdate(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		created := mustOK(t, h.post("package_create", h.editorA, richDataset("a-jour"))).resultMap()
		time.Sleep(2 * time.Millisecond)
		// Full replace: fields left out are cleared, resources are kept
		// when the list is left out.
		d := mustOK(t, h.post("package_update", h.editorA, map[string]any{
			"id": created["id"], "title": "Nouveau titre",
		})).resultMap()
		if d["title"] != "Nouveau titre" || d["name"] != "a-jour" || d["owner_org"] != h.orgA.ID || d["notes"] != nil || d["license_id"] != nil || d["num_tags"] != 0.0 || len(d["extras"].([]any)) != 0 {
			t.Errorf("package_update did not replace: %v", d)
		}
		if d["num_resources"] != 2.0 {
			t.Errorf("resources were dropped by an update without a resources list: %v", d["resources"])
		}
		if d["metadata_created"] != created["metadata_created"] || d["metadata_modified"] == created["metadata_modified"] {
			t.Errorf("timestamps created %v→%v modified %v→%v", created["metadata_created"], d["metadata_created"], created["metadata_modified"], d["metadata_modified"])
		}
		if d["id"] != created["id"] {
			t.Errorf("id changed")
		}
		// Resources given: matched by id, new ones added, missing ones removed.
		res := d["resources"].([]any)
		keep := res[1].(map[string]any)
		keep["name"] = "API renommée"
		d = mustOK(t, h.post("package_update", h.editorA, map[string]any{
			"id": "a-jour", "owner_org": "ville-a",
			"resources": []any{keep, map[string]any{"url": "https://www.ville-a.fr/nouveau.xlsx"}},
		})).resultMap()
		res = d["resources"].([]any)
		if len(res) != 2 || res[0].(map[string]any)["id"] != keep["id"] || res[0].(map[string]any)["name"] != "API renommée" || res[1].(map[string]any)["format"] != "XLSX" {
			t.Errorf("resources after update = %v", res)
		}
		if res[0].(map[string]any)["created"] != keep["created"] {
			t.Errorf("resource created changed")
		}
		// A package_show result sent back unchanged is accepted and
		// changes nothing but metadata_modified.
		before := mustOK(t, h.get("package_show", "", url.Values{"id": {"a-jour"}})).resultMap()
		after := mustOK(t, h.post("package_update", h.editorA, before)).resultMap()
		for _, k := range []string{"title", "name", "notes", "tags", "extras", "num_resources", "owner_org"} {
			if fmt.Sprint(before[k]) != fmt.Sprint(after[k]) {
				t.Errorf("round trip changed %s: %v → %v", k, before[k], after[k])
			}
		}
		for i, r := range after["resources"].([]any) {
			if r.(map[string]any)["metadata_modified"] != before["resources"].([]any)[i].(map[string]any)["metadata_modified"] {
				t.Errorf("unchanged resource %d got a new metadata_modified", i)
			}
		}
		// Renaming, and renaming onto a taken name.
		h.createDataset("autre", nil)
		mustFail(t, h.post("package_update", h.editorA, map[string]any{"id": "a-jour", "name": "autre", "owner_org": "ville-a"}), 409, "Validation Error")
		d = mustOK(t, h.post("package_update", h.editorA, map[string]any{"id": "a-jour", "name": "renomme", "owner_org": "ville-a"})).resultMap()
		if d["name"] != "renomme" {
			t.Errorf("rename gave %v", d["name"])
		}
		mustFail(t, h.post("package_update", h.editorA, map[string]any{"name": "inconnu"}), 404, "Not Found Error")
		mustFail(t, h.post("package_update", h.editorA, map[string]any{}), 409, "Validation Error")
		mustFail(t, h.post("package_update", h.editorA, map[string]any{"id": "renomme", "owner_org": "ville-a", "license_id": "nope"}), 409, "Validation Error")
	})
}

func TestPackagePatch(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		mustOK(t, h.post("package_create", h.editorA, richDataset("a-patcher")))
		d := mustOK(t, h.post("package_patch", h.editorA, map[string]any{"id": "a-patcher", "notes": "Nouvelle description", "frequency": "MONTHLY"})).resultMap()
		if d["notes"] != "Nouvelle description" || d["title"] != "Subventions aux associations 2024" || d["num_tags"] != 2.0 || d["num_resources"] != 2.0 {
			t.Errorf("patch touched other fields: %v", d)
		}
		ex := extrasMap(d)
		if ex["frequency"] != "http://publications.europa.eu/resource/authority/frequency/MONTHLY" || ex["source"] != "Logiciel Grand Angle" || ex["contact_name"] != "Mairie d'Arles" {
			t.Errorf("extras after patch = %v", ex)
		}
		// Lists given to a patch replace the whole list.
		d = mustOK(t, h.post("package_patch", h.editorA, map[string]any{"id": "a-patcher", "tags": []any{map[string]any{"name": "budget"}}})).resultMap()
		if d["num_tags"] != 1.0 {
			t.Errorf("tags after patch = %v", d["tags"])
		}
		d = mustOK(t, h.post("package_patch", h.editorA, map[string]any{"id": "a-patcher", "private": true})).resultMap()
		if d["private"] != true {
			t.Errorf("private after patch = %v", d["private"])
		}
		mustFail(t, h.post("package_patch", h.editorA, map[string]any{"id": "a-patcher", "author_email": "x"}), 409, "Validation Error")
	})
}

func TestPackageDelete(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		d := h.createDataset("a-effacer", map[string]any{"tags": []any{map[string]any{"name": "effacable"}}})
		h.createDataset("reste", nil)
		mustOK(t, h.post("package_delete", h.editorA, map[string]any{"id": "a-effacer"}))
		// Gone from every public listing…
		if l := mustOK(t, h.get("package_list", "", nil)).resultList(); len(l) != 1 || l[0] != "reste" {
			t.Errorf("package_list = %v", l)
		}
		if n := mustOK(t, h.get("package_search", h.sysadmin, url.Values{"q": {"effacer"}})).resultMap()["count"]; n != 0.0 {
			t.Errorf("search still finds the deleted dataset: %v", n)
		}
		if l := mustOK(t, h.get("tag_list", "", nil)).resultList(); len(l) != 0 {
			t.Errorf("tags of deleted datasets listed: %v", l)
		}
		mustFail(t, h.get("package_show", "", url.Values{"id": {"a-effacer"}}), 404, "Not Found Error")
		mustFail(t, h.get("package_show", h.editorB, url.Values{"id": {d["id"].(string)}}), 404, "Not Found Error")
		// …but its editors still see it, as deleted, and so do harvesters
		// that ask for deletions.
		shown := mustOK(t, h.get("package_show", h.editorA, url.Values{"id": {d["id"].(string)}})).resultMap()
		if shown["state"] != "deleted" || shown["metadata_modified"] == d["metadata_modified"] {
			t.Errorf("deleted dataset shows state %v, modified %v (was %v)", shown["state"], shown["metadata_modified"], d["metadata_modified"])
		}
		res := mustOK(t, h.get("package_search", h.sysadmin, url.Values{"include_deleted": {"true"}, "fq": {"metadata_modified:[" + strings.Replace(d["metadata_modified"].(string), ".", ".", 1) + "Z TO *]"}})).resultMap()
		found := false
		for _, r := range res["results"].([]any) {
			if r.(map[string]any)["name"] == "a-effacer" && r.(map[string]any)["state"] == "deleted" {
				found = true
			}
		}
		if !found {
			t.Errorf("include_deleted search does not show the deletion: %s", res)
		}
		// The name is free again; the old id still names the deleted one.
		again := h.createDataset("a-effacer", nil)
		if again["id"] == d["id"] {
			t.Errorf("recreated dataset reused the id")
		}
		if got := mustOK(t, h.get("package_show", "", url.Values{"id": {"a-effacer"}})).resultMap()["id"]; got != again["id"] {
			t.Errorf("name now shows %v, want the new dataset", got)
		}
		mustFail(t, h.post("package_delete", h.editorA, map[string]any{"id": "inconnu"}), 404, "Not Found Error")
	})
}

func TestPackageList(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		for _, n := range []string{"cc", "aa", "bb", "dd"} {
			h.createDataset(n, nil)
		}
		h.createDataset("brouillon", map[string]any{"state": "draft"})
		list := func(q url.Values) []any { return mustOK(t, h.get("package_list", "", q)).resultList() }
		if got := fmt.Sprint(list(nil)); got != "[aa bb cc dd]" {
			t.Errorf("package_list = %s", got)
		}
		if got := fmt.Sprint(list(url.Values{"limit": {"2"}, "offset": {"1"}})); got != "[bb cc]" {
			t.Errorf("limit 2 offset 1 = %s", got)
		}
		if got := list(url.Values{"offset": {"10"}}); len(got) != 0 {
			t.Errorf("offset past the end = %v", got)
		}
		if got := list(url.Values{"limit": {"0"}}); len(got) != 0 {
			t.Errorf("limit 0 = %v", got)
		}
		mustFail(t, h.get("package_list", "", url.Values{"limit": {"-1"}}), 409, "Validation Error")
		mustFail(t, h.get("package_list", "", url.Values{"limit": {"beaucoup"}}), 409, "Validation Error")

		// current_package_list_with_resources: newest first.
		h.post("package_patch", h.sysadmin, map[string]any{"id": "bb", "notes": "touched"})
		cur := mustOK(t, h.get("current_package_list_with_resources", "", url.Values{"limit": {"2"}})).resultList()
		if len(cur) != 2 || cur[0].(map[string]any)["name"] != "bb" || cur[1].(map[string]any)["name"] != "dd" {
			t.Errorf("current_package_list_with_resources = %v", names(cur))
		}
		cur = mustOK(t, h.get("current_package_list_with_resources", "", url.Values{"limit": {"2"}, "page": {"2"}})).resultList()
		if fmt.Sprint(names(cur)) != "[aa cc]" {
			t.Errorf("page 2 = %v", names(cur))
		}
	})
}

func names(list []any) []string {
	out := make([]string, len(list))
	for i, d := range list {
		out[i] = d.(map[string]any)["name"].(string)
	}
	return out
}
