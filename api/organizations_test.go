package api_test

import (
	"fmt"
	"net/url"
	"testing"
)

func TestOrganizations(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		dict := map[string]any{
			"name": "metropole-c", "title": "Métropole de Caen", "description": "Communauté urbaine",
			"image_url": "https://caen.fr/logo.png", "siren": "200065597", "email": "opendata@caen.fr",
			"extras": []any{map[string]any{"key": "site", "value": "https://caen.fr"}},
		}
		mustFail(t, h.post("organization_create", "", dict), 403, "Authorization Error")
		mustFail(t, h.post("organization_create", h.editorA, dict), 403, "Authorization Error")
		o := mustOK(t, h.post("organization_create", h.sysadmin, dict)).resultMap()
		if o["name"] != "metropole-c" || o["title"] != "Métropole de Caen" || o["display_name"] != "Métropole de Caen" ||
			o["is_organization"] != true || o["type"] != "organization" || o["package_count"] != 0.0 || o["state"] != "active" {
			t.Errorf("organization_create = %v", o)
		}
		ex := extrasMap(o)
		if ex["siren"] != "200065597" || ex["email"] != "opendata@caen.fr" || ex["site"] != "https://caen.fr" {
			t.Errorf("extras = %v", ex)
		}
		for _, tc := range []struct {
			dict  map[string]any
			field string
		}{
			{map[string]any{"name": "metropole-c"}, "name"},
			{map[string]any{"name": "X"}, "name"},
			{map[string]any{}, "name"},
			{map[string]any{"name": "bad-siren", "siren": "123"}, "siren"},
			{map[string]any{"name": "bad-email", "email": "nope"}, "email"},
			{map[string]any{"name": "bad-image", "image_url": "logo.png"}, "image_url"},
		} {
			r := mustFail(t, h.post("organization_create", h.sysadmin, tc.dict), 409, "Validation Error")
			if len(r.fieldErrors(tc.field)) == 0 {
				t.Errorf("%v: no error on %s: %s", tc.dict, tc.field, r.Body)
			}
		}

		// organization_show, with datasets.
		for i := 0; i < 12; i++ {
			h.createDataset(fmt.Sprintf("jeu-%02d", i), nil)
		}
		h.createDataset("jeu-prive", map[string]any{"private": true})
		s := mustOK(t, h.get("organization_show", "", url.Values{"id": {"ville-a"}, "include_datasets": {"true"}})).resultMap()
		pk := s["packages"].([]any)
		if s["package_count"] != 12.0 || len(pk) != 10 || pk[0].(map[string]any)["name"] != "jeu-11" {
			t.Errorf("organization_show: count %v, %d packages, first %v", s["package_count"], len(pk), pk[0].(map[string]any)["name"])
		}
		for _, p := range pk {
			if p.(map[string]any)["private"] == true {
				t.Errorf("anonymous organization_show lists a private dataset")
			}
		}
		if _, has := mustOK(t, h.get("organization_show", "", url.Values{"id": {h.orgA.ID}})).resultMap()["packages"]; has {
			t.Errorf("packages given without include_datasets")
		}
		mustFail(t, h.get("organization_show", "", url.Values{"id": {"inconnue"}}), 404, "Not Found Error")

		// organization_list
		list := func(q url.Values) []any { return mustOK(t, h.get("organization_list", "", q)).resultList() }
		if got := fmt.Sprint(list(nil)); got != "[metropole-c ville-a ville-b]" { // by title: Métropole, Ville d'Arles, Ville de Besançon
			t.Errorf("organization_list = %s", got)
		}
		if got := fmt.Sprint(list(url.Values{"sort": {"name desc"}})); got != "[ville-b ville-a metropole-c]" {
			t.Errorf("sort name desc = %s", got)
		}
		if got := fmt.Sprint(list(url.Values{"sort": {"package_count desc"}, "limit": {"1"}})); got != "[ville-a]" {
			t.Errorf("sort package_count desc = %s", got)
		}
		if got := fmt.Sprint(list(url.Values{"limit": {"1"}, "offset": {"1"}})); got != "[ville-a]" {
			t.Errorf("limit/offset = %s", got)
		}
		if got := list(url.Values{"offset": {"9"}}); len(got) != 0 {
			t.Errorf("offset past the end = %v", got)
		}
		if got := fmt.Sprint(list(url.Values{"organizations": {`["ville-b","metropole-c"]`}})); got != "[metropole-c ville-b]" {
			t.Errorf("organizations filter = %s", got)
		}
		full := list(url.Values{"all_fields": {"true"}})
		if len(full) != 3 || full[1].(map[string]any)["package_count"] != 12.0 || full[1].(map[string]any)["display_name"] != "Ville d'Arles" {
			t.Errorf("all_fields = %v", full)
		}
		mustFail(t, h.get("organization_list", "", url.Values{"sort": {"size asc"}}), 409, "Validation Error")

		// organization_patch
		mustFail(t, h.post("organization_patch", "", map[string]any{"id": "ville-a", "title": "x"}), 403, "Authorization Error")
		mustFail(t, h.post("organization_patch", h.editorB, map[string]any{"id": "ville-a", "title": "x"}), 403, "Authorization Error")
		p := mustOK(t, h.post("organization_patch", h.editorA, map[string]any{"id": "ville-a", "description": "Commune des Bouches-du-Rhône"})).resultMap()
		if p["title"] != "Ville d'Arles" || p["description"] != "Commune des Bouches-du-Rhône" {
			t.Errorf("organization_patch = %v", p)
		}
		p = mustOK(t, h.post("organization_patch", h.sysadmin, map[string]any{"id": "metropole-c", "siren": "200065598"})).resultMap()
		if ex := extrasMap(p); ex["siren"] != "200065598" || ex["email"] != "opendata@caen.fr" || ex["site"] != "https://caen.fr" {
			t.Errorf("patched extras = %v", ex)
		}
		mustFail(t, h.post("organization_patch", h.sysadmin, map[string]any{"id": "metropole-c", "name": "ville-a"}), 409, "Validation Error")
		mustFail(t, h.post("organization_patch", h.sysadmin, map[string]any{"id": "inconnue", "title": "x"}), 404, "Not Found Error")
		// Datasets show their organisation's new title, and say they
		// changed, for incremental harvesters.
		before := mustOK(t, h.get("package_show", "", url.Values{"id": {"jeu-01"}})).resultMap()
		mustOK(t, h.post("organization_patch", h.sysadmin, map[string]any{"id": "ville-a", "title": "Ville d'Arles (13)"}))
		d := mustOK(t, h.get("package_show", "", url.Values{"id": {"jeu-01"}})).resultMap()
		if d["organization"].(map[string]any)["title"] != "Ville d'Arles (13)" || d["metadata_modified"] == before["metadata_modified"] {
			t.Errorf("package organization = %v, modified %v (was %v)", d["organization"], d["metadata_modified"], before["metadata_modified"])
		}
	})
}

func TestTagsLicencesGroups(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("un", map[string]any{"tags": []any{"budget", "finances"}})
		h.createDataset("deux", map[string]any{"tags": []any{"finances", "écoles"}})
		h.createDataset("prive", map[string]any{"private": true, "tags": []any{"secret"}})
		if got := fmt.Sprint(mustOK(t, h.get("tag_list", "", nil)).resultList()); got != "[budget finances écoles]" {
			t.Errorf("tag_list = %s", got)
		}
		if got := fmt.Sprint(mustOK(t, h.get("tag_list", "", url.Values{"query": {"fin"}})).resultList()); got != "[finances]" {
			t.Errorf("tag_list query = %s", got)
		}
		all := mustOK(t, h.get("tag_list", "", url.Values{"all_fields": {"true"}})).resultList()
		if tag := all[0].(map[string]any); tag["name"] != "budget" || tag["id"] == "" || tag["display_name"] != "budget" {
			t.Errorf("tag_list all_fields = %v", all)
		}
		mustFail(t, h.get("tag_list", "", url.Values{"vocabulary_id": {"x"}}), 404, "Not Found Error")

		lic := mustOK(t, h.get("license_list", "", nil)).resultList()
		ids := map[string]map[string]any{}
		for _, l := range lic {
			ids[l.(map[string]any)["id"].(string)] = l.(map[string]any)
		}
		for _, id := range []string{"lov2", "fr-lo", "odc-odbl", "odc-by", "odc-pddl", "cc-by", "cc-by-sa", "cc-zero", "notspecified", "other-open", "other-at", "other-pd", "other-closed"} {
			if ids[id] == nil {
				t.Errorf("license_list lacks %s", id)
			}
		}
		if ids["lov2"]["url"] != "https://www.etalab.gouv.fr/licence-ouverte-open-licence" || ids["lov2"]["od_conformance"] != "approved" {
			t.Errorf("lov2 = %v", ids["lov2"])
		}
		if g := mustOK(t, h.get("group_list", "", nil)).resultList(); len(g) != 0 {
			t.Errorf("group_list = %v", g)
		}
	})
}
