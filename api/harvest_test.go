package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// udataGet fetches a CKAN action the way udata's CKAN harvester does
// (udata/harvest/backends/ckan/harvesters.py): GET, its User-Agent and
// content-type, no redirects followed, and a JSON content type and
// success=true required.
func udataGet(t *testing.T, base, action string, q url.Values) any {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	u := base + "/api/3/action/" + action
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, _ := http.NewRequest(http.MethodGet, u, nil)
	req.Header.Set("User-Agent", "uData/0.1 ckan")
	req.Header.Set("content-type", "application/json")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("%s: status %d (udata fails the job on any non-2xx, 3xx included)", u, res.StatusCode)
	}
	if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt != "application/json" {
		t.Fatalf("%s: content type %q", u, res.Header.Get("Content-Type"))
	}
	var env struct {
		Success bool `json:"success"`
		Result  any  `json:"result"`
	}
	if err := json.NewDecoder(res.Body).Decode(&env); err != nil || !env.Success {
		t.Fatalf("%s: not a success envelope (%v)", u, err)
	}
	return env.Result
}

var uuidRe = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// checkUdataSchema applies the rules of udata's voluptuous schema for CKAN
// packages (udata/harvest/backends/ckan/schemas/ckan.py): a missing key or
// a wrong type fails the dataset there.
func checkUdataSchema(t *testing.T, d map[string]any) {
	t.Helper()
	name := d["name"]
	fail := func(format string, args ...any) { t.Errorf("%v: "+format, append([]any{name}, args...)...) }
	str := func(m map[string]any, k string, nullable bool) {
		v, ok := m[k]
		if !ok {
			fail("missing key %s", k)
			return
		}
		if _, isStr := v.(string); !isStr && !(nullable && v == nil) {
			fail("%s = %#v, want a string", k, v)
		}
	}
	date := func(m map[string]any, k string, nullable bool) {
		v, ok := m[k]
		if !ok {
			fail("missing key %s", k)
			return
		}
		if v == nil && nullable {
			return
		}
		s, _ := v.(string)
		if _, err := time.Parse("2006-01-02T15:04:05.999999", s); err != nil {
			fail("%s = %#v is not a date", k, v)
		}
	}
	email := func(k string) {
		v, ok := d[k]
		if !ok {
			fail("missing key %s", k)
		}
		if s, _ := v.(string); v != nil && s != "" && !strings.Contains(s, "@") {
			fail("%s = %q", k, s)
		}
	}
	for _, k := range []string{"id", "name", "title"} {
		str(d, k, false)
	}
	for _, k := range []string{"notes", "license_id", "license_title", "author", "maintainer"} {
		str(d, k, true)
	}
	email("author_email")
	email("maintainer_email")
	str(d, "state", false)
	date(d, "metadata_created", false)
	date(d, "metadata_modified", false)
	if d["type"] != "dataset" {
		fail("type = %v", d["type"])
	}
	if _, ok := d["private"].(bool); !ok {
		fail("private = %#v", d["private"])
	}
	if !uuidRe.MatchString(fmt.Sprint(d["id"])) {
		fail("id %v is not a UUID", d["id"])
	}
	if o, ok := d["organization"]; !ok {
		fail("missing key organization")
	} else if o != nil {
		om := o.(map[string]any)
		str(om, "description", false)
		str(om, "image_url", false)
		if om["type"] != "organization" || om["approval_status"] != "approved" {
			fail("organization = %v", om)
		}
	}
	tags, ok := d["tags"].([]any)
	if !ok {
		fail("tags = %#v", d["tags"])
	}
	for _, tg := range tags {
		str(tg.(map[string]any), "id", false)
		str(tg.(map[string]any), "name", false)
	}
	for _, e := range d["extras"].([]any) {
		em := e.(map[string]any)
		if em["key"] == "spatial" {
			var g struct{ Type string }
			json.Unmarshal([]byte(em["value"].(string)), &g)
			if g.Type != "Polygon" && g.Type != "MultiPolygon" {
				fail("spatial extra %v", em["value"])
			}
		}
	}
	resources, ok := d["resources"].([]any)
	if !ok {
		fail("resources = %#v", d["resources"])
	}
	for _, r := range resources {
		rm := r.(map[string]any)
		str(rm, "id", false)
		str(rm, "name", true)
		str(rm, "description", true)
		str(rm, "format", false)
		str(rm, "hash", true)
		if _, ok := rm["mimetype"]; !ok {
			fail("resource lacks mimetype")
		}
		if p, ok := rm["position"].(float64); !ok || p != float64(int(p)) {
			fail("position = %#v", rm["position"])
		}
		if s := rm["size"]; s != nil {
			if f, ok := s.(float64); !ok || f != float64(int64(f)) {
				fail("size = %#v", s)
			}
		}
		date(rm, "created", false)
		date(rm, "last_modified", true)
		u, err := url.Parse(fmt.Sprint(rm["url"]))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !strings.Contains(u.Host, ".") {
			fail("resource url %v is not a public URL", rm["url"])
		}
		switch rm["resource_type"] {
		case nil, "", "file", "file.upload", "api", "documentation", "image", "visualization":
		default:
			fail("resource_type %v", rm["resource_type"])
		}
	}
}

// TestUdataCKANHarvest walks the catalogue as udata's CKAN harvester does:
// package_list without limit, then package_show for each name; every
// dataset must pass its schema, and a deleted dataset must vanish from the
// list so that udata archives it.
func TestUdataCKANHarvest(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		mustOK(t, h.post("package_create", h.editorA, richDataset("riche")))
		h.createDataset("minimal", map[string]any{"resources": []any{map[string]any{"url": "https://x.fr/a.csv"}}})
		h.createDataset("prive", map[string]any{"private": true})
		for i := 0; i < 25; i++ {
			h.createDataset(fmt.Sprintf("lot-%02d", i), nil)
		}
		srv := httptest.NewServer(h.srv.Handler())
		defer srv.Close()

		harvest := func() map[string]map[string]any {
			got := map[string]map[string]any{}
			names := udataGet(t, srv.URL, "package_list", nil).([]any)
			for _, n := range names {
				d := udataGet(t, srv.URL, "package_show", url.Values{"id": {n.(string)}}).(map[string]any)
				checkUdataSchema(t, d)
				if _, dup := got[d["id"].(string)]; dup {
					t.Errorf("id %v harvested twice", d["id"])
				}
				got[d["id"].(string)] = d
			}
			return got
		}
		first := harvest()
		if len(first) != 27 {
			t.Fatalf("harvested %d datasets, want 27 (private ones excluded)", len(first))
		}
		// udata's filtered mode: package_search with rows=1000.
		res := udataGet(t, srv.URL, "package_search", url.Values{"q": {"organization:ville-a AND -tags:subventions"}, "rows": {"1000"}}).(map[string]any)
		if res["count"] != 26.0 {
			t.Errorf("filtered harvest count = %v", res["count"])
		}
		mustOK(t, h.post("package_delete", h.sysadmin, map[string]any{"id": "lot-03"}))
		second := harvest()
		if len(second) != 26 {
			t.Errorf("after a deletion, harvested %d", len(second))
		}
		for id, d := range second {
			if first[id]["name"] != d["name"] {
				t.Errorf("id %s changed name between harvests", id)
			}
		}
	})
}

// TestCKANAPIClient replays what the ckanapi client sends
// (ckanapi/remoteckan.py): POST to /api/action/<name> with a JSON body and
// the token in both Authorization and X-CKAN-API-Key; `ckanapi load` shows
// then creates or updates; errors are read from __type and message.
func TestCKANAPIClient(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		srv := httptest.NewServer(h.srv.Handler())
		defer srv.Close()
		call := func(action string, body map[string]any) (int, map[string]any) {
			b, _ := json.Marshal(body)
			req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/action/"+action, bytes.NewReader(b))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", h.editorA)
			req.Header.Set("X-CKAN-API-Key", h.editorA)
			req.Header.Set("User-Agent", "ckanapi/4.7 (+https://github.com/ckan/ckanapi)")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			var env map[string]any
			if err := json.Unmarshal(raw, &env); err != nil {
				t.Fatalf("%s: body is not JSON: %s", action, raw)
			}
			return res.StatusCode, env
		}
		// ckanapi load: package_show fails with NotFound, so package_create.
		status, env := call("package_show", map[string]any{"id": "charge"})
		errBody := env["error"].(map[string]any)
		if status != 404 || errBody["__type"] != "Not Found Error" || !strings.HasPrefix(errBody["message"].(string), "Not found: ") {
			t.Fatalf("package_show of a missing dataset = %d %v", status, env)
		}
		dict := richDataset("charge")
		_, env = call("package_create", dict)
		created := env["result"].(map[string]any)
		// A second load of the same record updates it.
		created["title"] = "Titre rechargé"
		status, env = call("package_update", created)
		if status != 200 || env["result"].(map[string]any)["title"] != "Titre rechargé" {
			t.Fatalf("package_update = %d %v", status, env["error"])
		}
		// ckanapi turns a Validation Error into ValidationError(error dict).
		status, env = call("package_create", map[string]any{"name": "charge", "owner_org": "ville-a"})
		errBody = env["error"].(map[string]any)
		if status != 409 || errBody["__type"] != "Validation Error" || fmt.Sprint(errBody["name"]) != "[That URL is already in use.]" {
			t.Errorf("duplicate create = %d %v", status, errBody)
		}
		// ckanapi's batch uploads go through resource_patch.
		rid := created["resources"].([]any)[0].(map[string]any)["id"]
		status, env = call("resource_patch", map[string]any{"id": rid, "description": "mise à jour"})
		if status != 200 || env["result"].(map[string]any)["description"] != "mise à jour" {
			t.Errorf("resource_patch = %d %v", status, env)
		}
		// ckanapi dump: package_list then package_show.
		_, env = call("package_list", map[string]any{})
		if fmt.Sprint(env["result"]) != "[charge]" {
			t.Errorf("package_list = %v", env["result"])
		}
	})
}
