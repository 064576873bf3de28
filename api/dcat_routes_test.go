package api_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// contentTypes are the exact Content-Type headers of each feed format:
// every one names its charset, as udata's Python client decodes an
// unlabelled text/* body as ISO-8859-1.
var contentTypes = map[string]string{
	"ttl":    "text/turtle; charset=utf-8",
	"rdf":    "application/rdf+xml; charset=utf-8",
	"xml":    "application/rdf+xml; charset=utf-8",
	"jsonld": "application/ld+json; charset=utf-8",
	"nt":     "application/n-triples; charset=utf-8",
}

// feedRoutesFixture creates two public datasets and a private, a draft
// and a deleted one.
func feedRoutesFixture(t *testing.T, h *harness) (public, private, draft, deleted string) {
	t.Helper()
	public = mustOK(t, h.post("package_create", h.editorA, richDataset("public"))).resultMap()["id"].(string)
	h.createDataset("autre", nil)
	private = h.createDataset("prive", map[string]any{"private": true})["id"].(string)
	draft = h.createDataset("brouillon", map[string]any{"state": "draft"})["id"].(string)
	deleted = h.createDataset("supprime", nil)["id"].(string)
	mustOK(t, h.post("package_delete", h.sysadmin, map[string]any{"id": "supprime"}))
	return public, private, draft, deleted
}

// TestDCATRoutesGetAndHead requests every feed route with GET and HEAD:
// 200, the format's exact Content-Type with its charset, a body on GET
// only, and the same headers on both (udata asks HEAD for the format).
func TestDCATRoutesGetAndHead(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		public, _, _, _ := feedRoutesFixture(t, h)
		type route struct{ path, contentType string }
		var routes []route
		for ext, ct := range contentTypes {
			routes = append(routes,
				route{"/catalog." + ext, ct},
				route{"/catalog." + ext + "?page=1", ct},
				route{"/dataset/" + public + "." + ext, ct},
				route{"/dataset/public." + ext, ct})
		}
		routes = append(routes, route{"/catalog", contentTypes["ttl"]}, route{"/dataset/" + public, contentTypes["ttl"]}, route{"/dataset/public", contentTypes["ttl"]})
		for _, r := range routes {
			get := h.feed(http.MethodGet, r.path, "", "")
			head := h.feed(http.MethodHead, r.path, "", "")
			if get.Status != http.StatusOK || head.Status != http.StatusOK {
				t.Errorf("%s: GET %d, HEAD %d", r.path, get.Status, head.Status)
				continue
			}
			if got := get.Header.Get("Content-Type"); got != r.contentType {
				t.Errorf("GET %s: Content-Type %q, want %q", r.path, got, r.contentType)
			}
			if got := head.Header.Get("Content-Type"); got != r.contentType {
				t.Errorf("HEAD %s: Content-Type %q, want %q", r.path, got, r.contentType)
			}
			if len(get.Body) == 0 || len(head.Body) != 0 {
				t.Errorf("%s: GET body %d bytes, HEAD body %d bytes", r.path, len(get.Body), len(head.Body))
			}
		}
	})
}

// TestDCATContentNegotiation checks /catalog and /dataset/{id} against
// Accept headers: each RDF media type, q-values, wildcards, no header
// (Turtle), and 406 when nothing acceptable is named; every negotiated
// response says Vary: Accept.
func TestDCATContentNegotiation(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		public, _, _, _ := feedRoutesFixture(t, h)
		for _, tc := range []struct{ accept, want string }{
			{"", "ttl"},
			{"*/*", "ttl"},
			{"text/turtle", "ttl"},
			{"text/turtle; charset=utf-8", "ttl"},
			{"application/x-turtle", "ttl"},
			{"application/rdf+xml", "rdf"},
			{"application/ld+json", "jsonld"},
			{"application/n-triples", "nt"},
			{"text/html;q=0.9, application/ld+json", "jsonld"},
			{"application/rdf+xml;q=0.5, text/turtle;q=0.8", "ttl"},
			{"text/turtle;q=0.1, application/n-triples;q=0.2", "nt"},
			{"application/ld+json;q=0, application/rdf+xml;q=0.3", "rdf"},
			// A browser: the catalogue stays Turtle; a dataset's own URL
			// is its web page (TestDatasetPageNegotiation).
			{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "ttl"},
			{"text/html", "406"},
			{"text/html, application/xhtml+xml", "406"},
			{"application/json", "406"},
			{"application/ld+json;q=0", "406"},
			{"garbage", "406"},
		} {
			for _, path := range []string{"/catalog", "/dataset/" + public} {
				if path != "/catalog" && strings.HasPrefix(tc.accept, "text/html") && tc.want != "jsonld" {
					continue // the page, for browsers
				}
				for _, method := range []string{http.MethodGet, http.MethodHead} {
					r := h.feed(method, path, tc.accept, "")
					if v := r.Header.Values("Vary"); !containsFold(v, "Accept") {
						t.Errorf("%s %s Accept %q: Vary %q, want Accept", method, path, tc.accept, v)
					}
					if tc.want == "406" {
						if r.Status != http.StatusNotAcceptable {
							t.Errorf("%s %s Accept %q: %d, want 406", method, path, tc.accept, r.Status)
						}
						continue
					}
					if r.Status != http.StatusOK || r.Header.Get("Content-Type") != contentTypes[tc.want] {
						t.Errorf("%s %s Accept %q: %d %q, want %q", method, path, tc.accept, r.Status, r.Header.Get("Content-Type"), contentTypes[tc.want])
					}
				}
			}
		}
		// Routes with an extension name their format: no negotiation.
		r := h.feed(http.MethodGet, "/catalog.ttl", "application/ld+json", "")
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != contentTypes["ttl"] {
			t.Errorf("/catalog.ttl with Accept application/ld+json: %d %q", r.Status, r.Header.Get("Content-Type"))
		}
		r = h.feed(http.MethodGet, "/dataset/"+public+".rdf", "text/html", "")
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != contentTypes["rdf"] {
			t.Errorf("/dataset/{id}.rdf with Accept text/html: %d %q", r.Status, r.Header.Get("Content-Type"))
		}
	})
}

func containsFold(values []string, want string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), want) {
				return true
			}
		}
	}
	return false
}

// TestDCATRoutesErrors checks the feeds' refusals: bad paging and filters
// are 409 as in ckanext-dcat, a page past the end is 404, and no path
// variant answers with a redirect (udata fails on any 3xx).
func TestDCATRoutesErrors(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		public, _, _, _ := feedRoutesFixture(t, h)
		for _, tc := range []struct {
			path   string
			status int
		}{
			{"/catalog.ttl?page=0", 409},
			{"/catalog.ttl?page=-1", 409},
			{"/catalog.ttl?page=abc", 409},
			{"/catalog.ttl?page=1.5", 409},
			{"/catalog?page=0", 409},
			{"/catalog.jsonld?modified_since=yesterday", 409},
			{"/catalog.ttl?modified_since=2024-13-45", 409},
			{"/catalog.ttl?fq=metadata_modified:[2024-01-01+TO", 409},
			{"/catalog.ttl?page=2", 404},
			{"/catalog.nt?page=99", 404},
			{"/catalog.ttl?q=aucun-jeu-ne-correspond&page=2", 404},
			{"/catalog.ttl?page=1", 200},
			{"/catalog.ttl?modified_since=2000-01-01", 200},
			{"/catalog.ttl?modified_since=2000-01-01T00:00:00Z", 200},
			{"/catalog.ttl?q=aucun-jeu-ne-correspond", 200},
		} {
			r := h.feed(http.MethodGet, tc.path, "", "")
			if r.Status != tc.status {
				t.Errorf("GET %s: %d, want %d: %.200s", tc.path, r.Status, tc.status, r.Body)
			}
			if tc.status != 200 && !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain; charset=utf-8") {
				t.Errorf("GET %s: error Content-Type %q", tc.path, r.Header.Get("Content-Type"))
			}
		}
		// The page URLs keep the filters, so that next links stay filtered.
		body := string(h.mustFeed("/catalog.ttl?modified_since=2000-01-01&q=Subventions"))
		if !strings.Contains(body, "<"+testBaseURL+"/catalog.ttl?modified_since=2000-01-01&page=1&q=Subventions>") {
			t.Errorf("the page URL does not keep modified_since and q:\n%s", body)
		}
		for _, path := range []string{"/catalog/", "/catalog.ttl/", "/Catalog.ttl", "/catalog.TTL", "/dataset/" + public + "/", "/dataset/" + public + ".ttl/", "/dataset/PUBLIC.ttl", "/catalog.json", "/catalog.n3"} {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				// Not routes: served without the openapi.yaml check.
				rec := httptest.NewRecorder()
				h.srv.Handler().ServeHTTP(rec, httptest.NewRequest(method, path, nil))
				if rec.Code >= 300 && rec.Code < 400 || rec.Header().Get("Location") != "" {
					t.Errorf("%s %s redirects: %d to %q", method, path, rec.Code, rec.Header().Get("Location"))
				}
				if rec.Code != http.StatusNotFound {
					t.Errorf("%s %s: %d, want 404", method, path, rec.Code)
				}
			}
		}
	})
}

// TestDCATRoutesVisibility checks that the feeds follow the dataset's
// visibility: private, draft and deleted datasets are not in the
// catalogue; a private one's own document is 403 to anonymous callers and
// to other organisations, 200 to its editors; a draft is refused as
// package_show refuses it, and is 404 even to a sysadmin (not published);
// deleted and unknown ones are 404.
func TestDCATRoutesVisibility(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		public, private, draft, deleted := feedRoutesFixture(t, h)
		draftStatus := h.get("package_show", "", url.Values{"id": {draft}}).Status
		for ext := range contentTypes {
			body := string(h.mustFeed("/catalog." + ext))
			if !strings.Contains(body, public) {
				t.Errorf("catalog.%s lacks the public dataset", ext)
			}
			for name, id := range map[string]string{"private": private, "draft": draft, "deleted": deleted} {
				if strings.Contains(body, id) {
					t.Errorf("catalog.%s shows the %s dataset", ext, name)
				}
			}
		}
		// Even a sysadmin's token does not bring private datasets into the
		// public feed.
		if r := h.feed(http.MethodGet, "/catalog.ttl", "", h.sysadmin); strings.Contains(string(r.Body), private) {
			t.Errorf("the catalogue shows a private dataset to a sysadmin")
		}
		for _, tc := range []struct {
			path, token string
			status      int
		}{
			{"/dataset/" + private + ".ttl", "", 403},
			{"/dataset/prive.ttl", "", 403},
			{"/dataset/" + private, "", 403},
			{"/dataset/" + private + ".jsonld", h.editorB, 403},
			{"/dataset/" + private + ".ttl", h.editorA, 200},
			{"/dataset/" + private + ".ttl", h.sysadmin, 200},
			{"/dataset/" + draft + ".ttl", "", draftStatus},
			{"/dataset/" + draft + ".ttl", h.sysadmin, 404},
			{"/dataset/" + deleted + ".ttl", "", 404},
			{"/dataset/supprime.rdf", "", 404},
			{"/dataset/" + deleted, h.sysadmin, 404},
			{"/dataset/00000000-0000-4000-8000-000000000000.ttl", "", 404},
			{"/dataset/inconnu", "", 404},
			{"/dataset/public.json", "", 404},
		} {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				r := h.feed(method, tc.path, "", tc.token)
				if r.Status != tc.status {
					t.Errorf("%s %s (token %v): %d, want %d", method, tc.path, tc.token != "", r.Status, tc.status)
				}
			}
		}
	})
}
