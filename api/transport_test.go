package api_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestEnvelope(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		r := mustOK(t, h.get("status_show", "", nil))
		if ct := r.Header.Get("Content-Type"); ct != "application/json;charset=utf-8" {
			t.Errorf("Content-Type = %q, want CKAN's application/json;charset=utf-8", ct)
		}
		var env map[string]any
		json.Unmarshal(r.Body, &env)
		if env["help"] != testBaseURL+"/api/3/action/help_show?name=status_show" {
			t.Errorf("help = %v", env["help"])
		}
		st := r.resultMap()
		if st["site_title"] != "Données de test" || st["site_url"] != testBaseURL || st["ckan_version"] == "" {
			t.Errorf("status_show = %v", st)
		}
		// A null result is still there.
		d := h.createDataset("a-supprimer", nil)
		r = mustOK(t, h.post("package_delete", h.sysadmin, map[string]any{"id": d["id"]}))
		if !strings.Contains(string(r.Body), `"result":null`) {
			t.Errorf("package_delete body %s lacks result null", r.Body)
		}
		if r := mustOK(t, h.get("site_read", "", nil)); r.Result != true {
			t.Errorf("site_read = %v", r.Result)
		}
		if r := mustOK(t, h.get("help_show", "", url.Values{"name": {"package_search"}})); !strings.Contains(r.Result.(string), "Solr") {
			t.Errorf("help_show = %v", r.Result)
		}
		mustFail(t, h.get("help_show", "", url.Values{"name": {"nope"}}), 404, "Not Found Error")
	})
}

func TestBothActionPrefixes(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("jeu-un", nil)
		for _, prefix := range []string{"/api/3/action/", "/api/action/"} {
			r := h.do(httptest.NewRequest(http.MethodGet, prefix+"package_list", nil))
			mustOK(t, r)
			if l := r.resultList(); len(l) != 1 || l[0] != "jeu-un" {
				t.Errorf("%s package_list = %v", prefix, l)
			}
			// Read actions answer POST too, as ckanapi sends every call.
			req := httptest.NewRequest(http.MethodPost, prefix+"package_show", strings.NewReader(`{"id": "jeu-un"}`))
			req.Header.Set("Content-Type", "application/json")
			mustOK(t, h.do(req))
		}
		if r := h.do(httptest.NewRequest(http.MethodGet, "/api/3", nil)); r.Status != 200 || string(r.Body) != "{\"version\":3}\n" {
			t.Errorf("/api/3 = %d %s", r.Status, r.Body)
		}
	})
}

// TestBadRequests checks the requests CKAN refuses before running an
// action: it answers 400 with a bare JSON string.
func TestBadRequests(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		cases := []struct {
			name, method, path, contentType, body, want string
		}{
			{"unknown action", "GET", "/api/3/action/package_shwo", "", "", "Bad request - Action name not known: package_shwo"},
			{"unknown action by POST", "POST", "/api/action/nope", "application/json", "{}", "Bad request - Action name not known: nope"},
			{"write action by GET", "GET", "/api/3/action/package_create?name=x", "", "", "Bad request - JSON Error: Invalid request. Please use POST method for your request"},
			{"malformed JSON", "POST", "/api/3/action/package_create", "application/json", `{"name": `, "Bad request - JSON Error: Error decoding JSON data."},
			{"JSON list", "POST", "/api/3/action/package_show", "application/json", `["x"]`, "Bad request - JSON Error: Request data JSON decoded to a list but it needs to be a dictionary."},
			{"trailing data", "POST", "/api/3/action/package_show", "application/json", `{"id": "x"} {}`, "Bad request - JSON Error: Error decoding JSON data."},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
				if tc.contentType != "" {
					req.Header.Set("Content-Type", tc.contentType)
				}
				req.Header.Set("Authorization", h.sysadmin)
				r := h.do(req)
				var msg string
				if r.Status != 400 || json.Unmarshal(r.Body, &msg) != nil || !strings.HasPrefix(msg, tc.want) {
					t.Fatalf("got %d %s, want 400 %q", r.Status, r.Body, tc.want)
				}
			})
		}
		// Nothing was created by any of them.
		if l := mustOK(t, h.get("package_list", "", nil)).resultList(); len(l) != 0 {
			t.Errorf("bad requests created %v", l)
		}
	})
}

// TestFormBodies checks the form encodings CKAN accepts: plain fields, and
// the legacy lone field holding a JSON document.
func TestFormBodies(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		form := url.Values{"name": {"par-formulaire"}, "title": {"Par formulaire"}, "owner_org": {"ville-a"}, "private": {"false"}}
		req := httptest.NewRequest(http.MethodPost, "/api/3/action/package_create", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", h.editorA)
		d := mustOK(t, h.do(req)).resultMap()
		if d["name"] != "par-formulaire" || d["private"] != false {
			t.Errorf("form create = %v", d)
		}
		req = httptest.NewRequest(http.MethodPost, "/api/3/action/package_show", strings.NewReader(url.QueryEscape(`{"id": "par-formulaire"}`)+"="))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if got := mustOK(t, h.do(req)).resultMap()["name"]; got != "par-formulaire" {
			t.Errorf("JSON-in-form package_show name = %v", got)
		}
	})
}

// TestNoRedirects: harvesters fail on any 3xx, so wrong paths get 404s.
func TestNoRedirects(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		for _, path := range []string{
			"/api/3/action/package_list/", "/api/action/package_list/", "/api/3/action/package_show/?id=x",
			"/API/3/action/package_list", "/api/3/action//package_list", "/api/3/", "/healthz/", "/metrics/", "/api/3/action/",
		} {
			rec := httptest.NewRecorder()
			h.srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
			if rec.Code >= 300 && rec.Code < 400 || rec.Header().Get("Location") != "" {
				t.Errorf("GET %s redirected: %d %s", path, rec.Code, rec.Header().Get("Location"))
			}
			if rec.Code != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 404", path, rec.Code)
			}
		}
	})
}

func TestAuthentication(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		body := `{"name": "jeu-auth", "owner_org": "ville-a"}`
		send := func(header, value, name string) *response {
			req := httptest.NewRequest(http.MethodPost, "/api/3/action/package_create", strings.NewReader(strings.Replace(body, "jeu-auth", name, 1)))
			req.Header.Set("Content-Type", "application/json")
			if header != "" {
				req.Header.Set(header, value)
			}
			return h.do(req)
		}
		mustOK(t, send("Authorization", h.editorA, "jeu-raw"))
		mustOK(t, send("Authorization", "Bearer "+h.editorA, "jeu-bearer"))
		mustOK(t, send("X-CKAN-API-Key", h.editorA, "jeu-ckanapi"))
		r := mustFail(t, send("", "", "jeu-anonyme"), 403, "Authorization Error")
		if msg, _ := r.Error["message"].(string); !strings.HasPrefix(msg, "Access denied") {
			t.Errorf("message = %q", msg)
		}
		mustFail(t, send("Authorization", "psl_not-a-token", "jeu-faux"), 403, "Authorization Error")
		// An unknown token is refused on reads too rather than silently
		// treated as anonymous.
		mustFail(t, h.get("package_list", "psl_not-a-token", nil), 403, "Authorization Error")
	})
}

func TestHealthAndMetrics(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		for _, path := range []string{"/healthz", "/readyz"} {
			r := h.do(httptest.NewRequest(http.MethodGet, path, nil))
			if r.Status != 200 || !strings.Contains(string(r.Body), `"ok"`) {
				t.Errorf("%s = %d %s", path, r.Status, r.Body)
			}
		}
		mustOK(t, h.get("package_list", "", nil))
		h.get("nope", "", nil)
		r := h.do(httptest.NewRequest(http.MethodGet, "/metrics", nil))
		body := string(r.Body)
		for _, want := range []string{
			`passerelle_http_requests_total{code="200",method="GET",route="/api/3/action/package_list"} 1`,
			`passerelle_http_requests_total{code="400",method="GET",route="/api/3/action/:action"} 1`,
			`passerelle_http_request_duration_seconds_bucket{method="GET",route="/api/3/action/package_list",le="0.005"}`,
			`go_goroutines`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("/metrics lacks %s", want)
			}
		}
	})
}
