package api_test

import (
	"net/url"
	"testing"
)

func TestResources(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		d := h.createDataset("avec-ressources", map[string]any{"resources": []any{map[string]any{"url": "https://x.fr/premier.csv"}}})
		before := d["metadata_modified"]

		// resource_create
		r := mustOK(t, h.post("resource_create", h.editorA, map[string]any{
			"package_id": "avec-ressources", "url": "https://x.fr/donnees/carte.geojson", "name": "Carte",
			"description": "Contours", "layer": "communes",
		})).resultMap()
		if r["format"] != "GeoJSON" || r["position"] != 1.0 || r["package_id"] != d["id"] || r["layer"] != "communes" || r["url_type"] != nil {
			t.Errorf("resource_create = %v", r)
		}
		id := r["id"].(string)
		pkg := mustOK(t, h.get("package_show", "", url.Values{"id": {"avec-ressources"}})).resultMap()
		if pkg["num_resources"] != 2.0 || pkg["metadata_modified"] == before {
			t.Errorf("dataset after resource_create: %v resources, modified %v", pkg["num_resources"], pkg["metadata_modified"])
		}

		// resource_show
		shown := mustOK(t, h.get("resource_show", "", url.Values{"id": {id}})).resultMap()
		if shown["name"] != "Carte" || shown["created"] != r["created"] {
			t.Errorf("resource_show = %v", shown)
		}
		mustFail(t, h.get("resource_show", "", url.Values{"id": {"00000000-0000-4000-8000-000000000000"}}), 404, "Not Found Error")

		// resource_patch keeps what is not given.
		p := mustOK(t, h.post("resource_patch", h.editorA, map[string]any{"id": id, "name": "Carte des communes"})).resultMap()
		if p["name"] != "Carte des communes" || p["description"] != "Contours" || p["layer"] != "communes" || p["url"] != "https://x.fr/donnees/carte.geojson" {
			t.Errorf("resource_patch = %v", p)
		}

		// resource_update replaces.
		u := mustOK(t, h.post("resource_update", h.editorA, map[string]any{"id": id, "url": "https://x.fr/carte-v2.json", "name": "Carte v2"})).resultMap()
		if u["description"] != "" || u["layer"] != nil || u["format"] != "JSON" || u["created"] != r["created"] || u["id"] != id || u["position"] != 1.0 {
			t.Errorf("resource_update = %v", u)
		}

		// Validation, authorisation, not found.
		mustFail(t, h.post("resource_create", h.editorA, map[string]any{"url": "https://x.fr/a.csv"}), 409, "Validation Error")
		mustFail(t, h.post("resource_create", h.editorA, map[string]any{"package_id": "inconnu", "url": "https://x.fr/a.csv"}), 404, "Not Found Error")
		mustFail(t, h.post("resource_create", h.editorA, map[string]any{"package_id": "avec-ressources", "url": "ftp//x"}), 409, "Validation Error")
		mustFail(t, h.post("resource_create", h.editorA, map[string]any{"package_id": "avec-ressources", "url": "https://x.fr/a.csv", "size": -3}), 409, "Validation Error")
		mustFail(t, h.post("resource_create", h.editorB, map[string]any{"package_id": "avec-ressources", "url": "https://x.fr/a.csv"}), 403, "Authorization Error")
		mustFail(t, h.post("resource_create", "", map[string]any{"package_id": "avec-ressources", "url": "https://x.fr/a.csv"}), 403, "Authorization Error")
		mustFail(t, h.post("resource_patch", h.editorB, map[string]any{"id": id, "name": "x"}), 403, "Authorization Error")
		mustFail(t, h.post("resource_update", h.editorA, map[string]any{"id": id, "url": "https://x.fr/a", "resource_type": "dataset"}), 409, "Validation Error")
		mustFail(t, h.post("resource_delete", h.editorB, map[string]any{"id": id}), 403, "Authorization Error")
		mustFail(t, h.post("resource_patch", h.editorA, map[string]any{"id": "inconnu"}), 404, "Not Found Error")

		// resource_delete
		mustOK(t, h.post("resource_delete", h.editorA, map[string]any{"id": id}))
		mustFail(t, h.get("resource_show", "", url.Values{"id": {id}}), 404, "Not Found Error")
		pkg = mustOK(t, h.get("package_show", "", url.Values{"id": {"avec-ressources"}})).resultMap()
		if pkg["num_resources"] != 1.0 {
			t.Errorf("after resource_delete: %v resources", pkg["num_resources"])
		}
		mustFail(t, h.post("resource_delete", h.editorA, map[string]any{"id": id}), 404, "Not Found Error")

		// Resources of private datasets are private.
		priv := h.createDataset("prive", map[string]any{"private": true, "resources": []any{map[string]any{"url": "https://x.fr/secret.csv"}}})
		rid := priv["resources"].([]any)[0].(map[string]any)["id"].(string)
		mustFail(t, h.get("resource_show", "", url.Values{"id": {rid}}), 403, "Authorization Error")
		mustOK(t, h.get("resource_show", h.editorA, url.Values{"id": {rid}}))
	})
}
