package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/passerelle/passerelle/api"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// TestPagesLanguages renders every public page in French (the default)
// and English (Accept-Language, or ?lang=en remembered in a cookie), with
// the switch to the other language.
func TestPagesLanguages(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("budget", nil)
		pages := []string{"/", "/dataset/budget", "/organization/ville-a", "/login"}
		for _, tc := range []struct {
			name, acceptLanguage, lang, search, switchText string
		}{
			{"default", "", "fr", "Rechercher des données", "English"},
			{"french", "fr-FR,fr;q=0.9,en;q=0.5", "fr", "Rechercher des données", "English"},
			{"english", "en-GB,en;q=0.9,fr;q=0.5", "en", "Search data", "Français"},
			{"english second", "de-DE,en;q=0.8", "en", "Search data", "Français"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b := h.browser()
				b.acceptLanguage = tc.acceptLanguage
				for _, p := range pages {
					r, doc := b.mustGet(p)
					if got := attr(findFirst(doc, atom.Html), "lang"); got != tc.lang {
						t.Errorf("%s: lang %q, want %q", p, got, tc.lang)
					}
					if r.Header.Get("Content-Language") != tc.lang {
						t.Errorf("%s: Content-Language %q", p, r.Header.Get("Content-Language"))
					}
					sw := findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.A && attr(n, "hreflang") != "" })
					if len(sw) != 1 || text(sw[0]) != tc.switchText || attr(sw[0], "lang") == tc.lang {
						t.Errorf("%s: language switch %v", p, sw)
					}
				}
				_, doc := b.mustGet("/")
				if got := labelOf(doc, "q"); got != tc.search {
					t.Errorf("search label %q, want %q", got, tc.search)
				}
			})
		}
		// ?lang=en is remembered; ?lang=fr switches back.
		b := h.browser()
		b.acceptLanguage = "fr"
		b.mustGet("/?lang=en")
		if ck := b.cookies["passerelle_lang"]; ck == nil || ck.Value != "en" || !ck.HttpOnly {
			t.Fatalf("lang cookie %+v", ck)
		}
		_, doc := b.mustGet("/dataset/budget")
		if attr(findFirst(doc, atom.Html), "lang") != "en" {
			t.Error("the English choice is not remembered")
		}
		_, doc = b.mustGet("/login?lang=fr")
		if attr(findFirst(doc, atom.Html), "lang") != "fr" || labelOf(doc, "token") != "Jeton d'API" {
			t.Error("?lang=fr does not switch back to French")
		}
	})
}

// TestHomeSearch checks the search page: words, the four facets as links
// that add and remove filters, and paging.
func TestHomeSearch(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		for i := range 23 {
			extra := map[string]any{"title": fmt.Sprintf("Jeu numéro %02d", i), "tags": []any{map[string]any{"name": "commun"}}}
			if i%2 == 0 {
				extra["tags"] = []any{map[string]any{"name": "commun"}, map[string]any{"name": "pair"}}
			}
			h.createDataset(fmt.Sprintf("jeu-%02d", i), extra)
		}
		mustOK(t, h.post("package_create", h.sysadmin, map[string]any{
			"name": "velos", "title": "Stationnements vélos", "owner_org": "ville-b", "license_id": "odc-odbl",
			"notes":     "Arceaux et abris à vélos de Besançon.",
			"resources": []any{map[string]any{"url": "https://example.fr/velos.geojson", "format": "GeoJSON", "name": "Carte"}},
		}))
		b := h.browser()
		_, doc := b.mustGet("/")
		form := findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Form && attr(n, "role") == "search" })
		if len(form) != 1 || attr(form[0], "method") != "get" {
			t.Fatalf("search form: %v", form)
		}
		if q := byID(doc, "q"); q == nil || attr(q, "name") != "q" || labelOf(doc, "q") != "Rechercher des données" {
			t.Fatal("no labelled #q")
		}
		results := resultTitles(doc)
		if len(results) != 20 {
			t.Fatalf("first page lists %d datasets, want 20", len(results))
		}
		if !strings.Contains(text(doc), "24 jeux de données") {
			t.Errorf("no count of 24 datasets: %s", text(byID(doc, "results-title").Parent))
		}
		next := linkHref(doc, "Page suivante")
		if next != "/?page=2" {
			t.Fatalf("next page link %q", next)
		}
		_, doc = b.mustGet(next)
		if n := len(resultTitles(doc)); n != 4 {
			t.Errorf("page 2 lists %d datasets, want 4", n)
		}
		if linkHref(doc, "Page précédente") != "/" || linkHref(doc, "Page suivante") != "" {
			t.Error("page 2: wrong previous/next links")
		}
		// Every facet is offered as links with query parameters.
		_, doc = b.mustGet("/")
		for _, want := range []string{"/?organization=ville-b", "/?tags=pair", "/?res_format=GeoJSON", "/?license_id=odc-odbl"} {
			if !hasLink(doc, want) {
				t.Errorf("no facet link %s", want)
			}
		}
		for _, tc := range []struct {
			path string
			want []string // titles, or nil for just a count
			n    int
		}{
			{"/?organization=ville-b", []string{"Stationnements vélos"}, 1},
			{"/?res_format=GeoJSON", []string{"Stationnements vélos"}, 1},
			{"/?license_id=odc-odbl", []string{"Stationnements vélos"}, 1},
			{"/?tags=pair", nil, 12},
			{"/?tags=pair&tags=commun", nil, 12},
			{"/?q=v%C3%A9los", []string{"Stationnements vélos"}, 1},
			{"/?q=velos", []string{"Stationnements vélos"}, 1},
			{"/?q=Besan%C3%A7on", []string{"Stationnements vélos"}, 1},
			{"/?q=num%C3%A9ro+07", []string{"Jeu numéro 07"}, 1},
			{"/?q=title:(v%C3%A9los+OR+%22x", nil, -1}, // Solr syntax is not the visitors': no error
			{"/?organization=ville-a&q=v%C3%A9los", []string{}, 0},
		} {
			_, doc := b.mustGet(tc.path)
			got := resultTitles(doc)
			if tc.want != nil && !slices.Equal(got, tc.want) {
				t.Errorf("%s: %q, want %q", tc.path, got, tc.want)
			}
			if tc.n >= 0 && len(got) != tc.n {
				t.Errorf("%s: %d results, want %d", tc.path, len(got), tc.n)
			}
		}
		// The title says what a search found.
		_, doc = b.mustGet("/?q=v%C3%A9los")
		if got := text(findFirst(doc, atom.Title)); !strings.HasPrefix(got, "1 jeu de données pour « vélos » – Catalogue des données") {
			t.Errorf("search title %q", got)
		}
		_, doc = b.mustGet("/?tags=commun&page=2")
		if got := text(findFirst(doc, atom.Title)); !strings.HasPrefix(got, "23 jeux de données, page 2 – ") {
			t.Errorf("search title %q", got)
		}
		// An active filter can be removed, and stays while searching.
		_, doc = b.mustGet("/?tags=pair")
		if !hasLink(doc, "/") {
			t.Error("no link removing the only filter")
		}
		hidden := findAll(doc, func(n *html.Node) bool { return attr(n, "type") == "hidden" && attr(n, "name") == "tags" })
		if len(hidden) != 1 || attr(hidden[0], "value") != "pair" {
			t.Error("the search form does not keep the active filter")
		}
		// Result links lead to the dataset pages.
		if !hasLink(doc, "/dataset/jeu-00") {
			t.Error("results do not link to dataset pages")
		}
		for _, bad := range []string{"/?page=0", "/?page=x"} {
			if r := b.get(bad); r.Status != http.StatusBadRequest {
				t.Errorf("%s: %d, want 400", bad, r.Status)
			} else {
				checkPage(t, bad, r)
			}
		}
	})
}

func resultTitles(doc *html.Node) []string {
	out := []string{}
	for _, li := range findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Li && attr(n, "class") == "dataset-item" }) {
		out = append(out, text(findFirst(li, atom.A)))
	}
	return out
}

// linkHref returns the href of the first link whose text is name.
func linkHref(doc *html.Node, name string) string {
	for _, a := range findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.A }) {
		if text(a) == name {
			return attr(a, "href")
		}
	}
	return ""
}

func hasLink(doc *html.Node, href string) bool {
	return len(findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.A && attr(n, "href") == href })) > 0
}

// TestDatasetPage uploads a table that breaks its schema and checks every
// part of the dataset page.
func TestDatasetPage(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("subventions", map[string]any{
			"title": "Subventions 2017", "notes": "Les subventions versées.\n\nSource : service financier.",
			"frequency": "ANNUAL", "theme": "ECON", "temporal_start": "2017-01-01", "temporal_end": "2017-12-31",
			"tags": []any{map[string]any{"name": "finances"}},
		})
		res := mustOK(t, h.upload("resource_create", h.editorA, map[string]string{"package_id": "subventions", "name": "Subventions 2017 (CSV)", "schema": "ville/subventions"}, "subventions.csv", []byte(subventionsInvalidCSV))).resultMap()
		rid := res["id"].(string)
		h.runJobs()
		ds := mustOK(t, h.get("package_show", "", url.Values{"id": {"subventions"}})).resultMap()
		id := ds["id"].(string)

		b := h.browser()
		r, doc := b.mustGet("/dataset/subventions")
		if got := headings(doc, atom.H1); len(got) != 1 || got[0] != "Subventions 2017" {
			t.Errorf("h1 %q", got)
		}
		h2 := headings(doc, atom.H2)
		for _, want := range []string{"Fichiers", "Aperçu des données", "Colonnes", "Validation"} {
			if !slices.Contains(h2, want) {
				t.Errorf("no section %q in %q", want, h2)
			}
		}
		body := string(r.Body)
		for _, want := range []string{"Annuelle", "Économie et finances", "2017-01-01", "Licence Ouverte / Open Licence version 2.0", "Source : service financier."} {
			if !strings.Contains(text(doc), want) {
				t.Errorf("the page does not show %q", want)
			}
		}
		// Files: download links and human sizes.
		dl := "/dataset/" + id + "/resource/" + rid + "/download/subventions.csv"
		if !hasLink(doc, dl) {
			t.Errorf("no download link %s", dl)
		}
		if !strings.Contains(body, fmt.Sprintf("%d\u00a0o", len(subventionsInvalidCSV))) {
			t.Error("no human size of the file")
		}
		if status, _, _ := h.fetch(dl, ""); status != http.StatusOK {
			t.Errorf("download link: %d", status)
		}
		// Preview: caption, scoped headers, the rows from the datastore.
		preview := tableWithCaption(doc, "Aperçu des données")
		if preview == nil {
			t.Fatal("no preview table")
		}
		if c := text(findFirst(preview, atom.Caption)); !strings.Contains(c, "3 premières lignes") || !strings.Contains(c, "(3 lignes au total)") {
			t.Errorf("preview caption %q", c)
		}
		ths := findAll(preview, func(n *html.Node) bool { return n.DataAtom == atom.Th })
		if len(ths) != 7 || text(ths[0]) != "idAttribuant" || attr(ths[0], "scope") != "col" {
			t.Errorf("preview headers: %d, first %q", len(ths), text(ths[0]))
		}
		rows := findAll(preview, func(n *html.Node) bool { return n.DataAtom == atom.Tr })
		if len(rows) != 4 || !strings.Contains(text(rows[1]), "Association des Écureuils") || !strings.Contains(text(rows[1]), "oui") {
			t.Errorf("preview rows: %d: %q", len(rows), text(preview))
		}
		// Columns: type, fill rate, distinct count, min/max, histogram with
		// a text alternative.
		cols := tableWithCaption(doc, "Colonnes de")
		if cols == nil {
			t.Fatal("no columns table")
		}
		date := rowOf(cols, "dateConvention")
		if date == "" || !strings.Contains(date, "Date") || !strings.Contains(date, "67\u00a0%") || !strings.Contains(date, "2017-09-08") || !strings.Contains(date, "2017-12-21") {
			t.Errorf("dateConvention column: %q", date)
		}
		if insee := rowOf(cols, "codeInsee"); !strings.Contains(insee, "Texte") || !strings.Contains(insee, "100\u00a0%") {
			t.Errorf("codeInsee column: %q", insee)
		}
		svgs := findAll(cols, func(n *html.Node) bool { return n.Data == "svg" })
		if len(svgs) == 0 {
			t.Error("no histogram")
		}
		for _, svg := range svgs {
			title := findAll(svg, func(n *html.Node) bool { return n.Data == "title" })
			if attr(svg, "role") != "img" || len(title) != 1 || !strings.HasPrefix(text(title[0]), "Histogramme de") || attr(svg, "aria-labelledby") != attr(title[0], "id") {
				t.Errorf("histogram without its text alternative: %s", text(svg))
			}
			if len(findAll(svg, func(n *html.Node) bool { return n.Data == "rect" })) == 0 {
				t.Error("histogram without bars")
			}
		}
		// Validation: status, counts, first errors with row, column, value
		// and message.
		val := byID(doc, "validation").Parent
		if !strings.Contains(text(val), "Invalide") || !strings.Contains(text(val), "ville/subventions") {
			t.Errorf("validation section: %q", text(val))
		}
		issues := tableWithCaption(val, "Premières erreurs")
		if issues == nil {
			t.Fatal("no table of errors")
		}
		if got := text(findAll(issues, func(n *html.Node) bool { return n.DataAtom == atom.Tr })[1]); !strings.HasPrefix(got, "2 montant 1.234,5 €") {
			t.Errorf("first error row %q", got)
		}
		// Links for developers, alternates and schema.org JSON-LD.
		for name, href := range map[string]string{
			"API CKAN": "/api/3/action/package_show?id=subventions", "DCAT Turtle": "/dataset/" + id + ".ttl",
			"DCAT JSON-LD": "/dataset/" + id + ".jsonld", "datastore_search": "/api/3/action/datastore_search?resource_id=" + rid + "&limit=20",
		} {
			if got := linkHref(doc, name); got != href {
				t.Errorf("link %q: %q, want %q", name, got, href)
			}
		}
		for _, l := range []struct{ typ, href string }{{"text/turtle", "/dataset/" + id + ".ttl"}, {"application/ld+json", "/dataset/" + id + ".jsonld"}} {
			if len(findAll(doc, func(n *html.Node) bool {
				return n.DataAtom == atom.Link && attr(n, "rel") == "alternate" && attr(n, "type") == l.typ && attr(n, "href") == l.href
			})) != 1 {
				t.Errorf("no <link rel=alternate type=%s>", l.typ)
			}
		}
		var ld map[string]any
		scripts := findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Script && attr(n, "type") == "application/ld+json" })
		if len(scripts) != 1 || json.Unmarshal([]byte(text(scripts[0])), &ld) != nil {
			t.Fatalf("no JSON-LD script")
		}
		if ld["@type"] != "Dataset" || ld["name"] != "Subventions 2017" || ld["@context"] != "https://schema.org" || ld["license"] != "https://www.etalab.gouv.fr/licence-ouverte-open-licence" {
			t.Errorf("JSON-LD: %v", ld)
		}
		if dist, _ := ld["distribution"].([]any); len(dist) == 0 {
			t.Error("JSON-LD without distribution")
		}
		// Anonymous visitors see no management links.
		if hasLink(doc, "/dataset/subventions/edit") {
			t.Error("an anonymous visitor is offered to edit")
		}
		// In English.
		b.acceptLanguage = "en"
		_, doc = b.mustGet("/dataset/subventions")
		h2 = headings(doc, atom.H2)
		for _, want := range []string{"Files", "Data preview", "Columns", "Validation"} {
			if !slices.Contains(h2, want) {
				t.Errorf("no English section %q in %q", want, h2)
			}
		}
		if val := text(byID(doc, "validation").Parent); !strings.Contains(val, "Invalid") {
			t.Errorf("English validation: %q", val)
		}
	})
}

// tableWithCaption returns the first table whose caption starts with
// prefix.
func tableWithCaption(doc *html.Node, prefix string) *html.Node {
	for _, c := range findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Caption }) {
		if strings.HasPrefix(text(c), prefix) {
			return c.Parent
		}
	}
	return nil
}

// rowOf returns the text of the table row whose header is name.
func rowOf(table *html.Node, name string) string {
	for _, th := range findAll(table, func(n *html.Node) bool { return n.DataAtom == atom.Th && attr(n, "scope") == "row" }) {
		if text(th) == name {
			return text(th.Parent)
		}
	}
	return ""
}

// TestDatasetPageNegotiation checks that /dataset/{id} is the page for
// browsers and stays DCAT for harvesters.
func TestDatasetPageNegotiation(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("budget", nil)
		for _, tc := range []struct{ accept, want string }{
			{browserAccept, "text/html; charset=utf-8"},
			{"text/html", "text/html; charset=utf-8"},
			{"application/xhtml+xml", "text/html; charset=utf-8"},
			{"text/html;q=0.9, application/ld+json", "application/ld+json; charset=utf-8"},
			{"text/turtle, text/html;q=0.5", "text/turtle; charset=utf-8"},
			{"application/rdf+xml, text/html", "application/rdf+xml; charset=utf-8"},
			{"*/*", "text/turtle; charset=utf-8"},
			{"", "text/turtle; charset=utf-8"},
		} {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				r := h.feed(method, "/dataset/budget", tc.accept, "")
				if r.Status != http.StatusOK || r.Header.Get("Content-Type") != tc.want {
					t.Errorf("%s Accept %q: %d %q, want %q", method, tc.accept, r.Status, r.Header.Get("Content-Type"), tc.want)
				}
				if !containsFold(r.Header.Values("Vary"), "Accept") {
					t.Errorf("%s Accept %q: no Vary: Accept", method, tc.accept)
				}
				if method == http.MethodHead && len(r.Body) > 0 {
					t.Errorf("HEAD Accept %q: a body", tc.accept)
				}
			}
		}
	})
}

// TestErrorPages checks that browsers get 404 and 403 pages in the site's
// layout, and API clients keep their answers.
func TestErrorPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("prive", map[string]any{"private": true})
		b := h.browser()
		for _, tc := range []struct {
			path   string
			status int
			h1     string
		}{
			{"/dataset/inconnu", 404, "Page introuvable"},
			{"/organization/inconnue", 404, "Page introuvable"},
			{"/dataset/prive", 403, "Accès refusé"},
			{"/dataset/prive/resource/00000000-0000-4000-8000-000000000000/status", 403, "Accès refusé"},
			{"/dataset/budget/resource/00000000-0000-4000-8000-000000000000/status", 404, "Page introuvable"},
		} {
			r := b.get(tc.path)
			if r.Status != tc.status {
				t.Errorf("%s: %d, want %d", tc.path, r.Status, tc.status)
				continue
			}
			doc := checkPage(t, tc.path, r)
			if got := headings(doc, atom.H1); len(got) != 1 || got[0] != tc.h1 {
				t.Errorf("%s: h1 %q", tc.path, got)
			}
		}
		// An unknown path: a page for browsers, text for others.
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/nulle-part", nil)
		req.Header.Set("Accept", browserAccept)
		h.srv.Handler().ServeHTTP(rec, req)
		if rec.Code != 404 || !strings.Contains(rec.Body.String(), "<h1>Page introuvable</h1>") {
			t.Errorf("unknown path for a browser: %d %.200s", rec.Code, rec.Body)
		}
		rec = httptest.NewRecorder()
		h.srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/nulle-part", nil))
		if rec.Code != 404 || rec.Body.String() != "404 page not found\n" {
			t.Errorf("unknown path: %d %q", rec.Code, rec.Body)
		}
	})
}

// TestLogin signs in and out through the form: the session cookie's
// attributes, the token never in it, errors linked to the field.
func TestLogin(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		b := h.browser()
		_, doc := b.mustGet("/login")
		tok := byID(doc, "token")
		if tok == nil || attr(tok, "type") != "password" || labelOf(doc, "token") != "Jeton d'API" {
			t.Fatal("no password field labelled Jeton d'API")
		}
		buttons := findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Button })
		if len(buttons) == 0 || text(buttons[len(buttons)-1]) != "Se connecter" {
			t.Error("no Se connecter button")
		}
		// A wrong token: the form again, the error linked to the field.
		csrf := b.csrf("/login")
		r := b.postForm("/login", url.Values{"csrf": {csrf}, "token": {"psl_faux"}})
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong token: %d", r.Status)
		}
		doc = checkPage(t, "POST /login", r)
		tok = byID(doc, "token")
		if attr(tok, "aria-invalid") != "true" || !strings.Contains(attr(tok, "aria-describedby"), "token-error") || !strings.Contains(text(byID(doc, "token-error")), "pas reconnu") {
			t.Errorf("the error is not linked to the field: %v", tok.Attr)
		}
		if !hasLink(doc, "#token") {
			t.Error("the error summary does not link to the field")
		}
		if title := text(findFirst(doc, atom.Title)); !strings.HasPrefix(title, "Le formulaire contient des erreurs") {
			t.Errorf("title %q does not say there are errors", title)
		}
		if r := b.postForm("/login", url.Values{"csrf": {csrf}, "token": {""}}); r.Status != http.StatusUnauthorized {
			t.Errorf("empty token: %d", r.Status)
		}
		// No CSRF token, or a wrong one: 403, no session.
		for _, bad := range []url.Values{{"token": {h.editorA}}, {"token": {h.editorA}, "csrf": {"faux"}}} {
			r := b.postForm("/login", bad)
			if r.Status != http.StatusForbidden || r.Header.Get("Location") != "" {
				t.Errorf("sign-in with CSRF %q: %d", bad.Get("csrf"), r.Status)
			}
			checkPage(t, "POST /login", r)
		}
		// The right token.
		before := b.cookies["passerelle_session"].Value
		b.login(h.editorA)
		ck := b.cookies["passerelle_session"]
		if ck == nil || !ck.HttpOnly || !ck.Secure || ck.SameSite != http.SameSiteLaxMode || ck.Value == before || strings.Contains(ck.Value, h.editorA) || len(ck.Value) < 40 {
			t.Fatalf("session cookie %+v", ck)
		}
		for _, c := range b.cookies {
			if strings.Contains(c.Value, h.editorA) || strings.Contains(c.Value, strings.TrimPrefix(h.editorA, "psl_")) {
				t.Errorf("cookie %s holds the token", c.Name)
			}
		}
		r, doc = b.mustGet("/")
		if !strings.Contains(text(doc), "Se déconnecter") || !hasLink(doc, "/publish") || !strings.Contains(text(doc), "agent-a") {
			t.Error("signed in, the header does not say so")
		}
		if cc := r.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
			t.Errorf("a signed-in page may be cached: %q", cc)
		}
		// Sign out: without CSRF refused, with it the session is gone.
		if r := b.postForm("/logout", url.Values{}); r.Status != http.StatusForbidden {
			t.Errorf("sign-out without CSRF: %d", r.Status)
		}
		r = b.postForm("/logout", url.Values{"csrf": {b.csrf("/")}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", r.Status)
		}
		if r := b.get("/publish"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Errorf("after sign-out, /publish: %d %q", r.Status, r.Header.Get("Location"))
		}
		// An old session id is worthless.
		old := h.browser()
		old.cookies["passerelle_session"] = &http.Cookie{Name: "passerelle_session", Value: ck.Value}
		if r := old.get("/publish"); r.Status != http.StatusSeeOther {
			t.Errorf("a signed-out session still works: %d", r.Status)
		}
	})
}

// TestPublishNeedsSignIn: anonymous visitors are sent to sign in, and
// their POSTs refused.
func TestPublishNeedsSignIn(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("budget", nil)
		b := h.browser()
		for _, p := range []string{"/publish", "/dataset/budget/edit", "/dataset/budget/delete"} {
			if r := b.get(p); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
				t.Errorf("anonymous GET %s: %d %q", p, r.Status, r.Header.Get("Location"))
			}
		}
		csrf := b.csrf("/login")
		r := b.postMultipart("/publish", map[string]string{"csrf": csrf, "title": "Anonyme", "owner_org": "ville-a"}, "a.csv", []byte("a,b\n1,2\n"))
		if r.Status != http.StatusForbidden {
			t.Errorf("anonymous publish: %d", r.Status)
		}
		for _, p := range []string{"/dataset/budget/edit", "/dataset/budget/delete"} {
			if r := b.postForm(p, url.Values{"csrf": {csrf}, "title": {"Piraté"}}); r.Status != http.StatusForbidden {
				t.Errorf("anonymous POST %s: %d", p, r.Status)
			}
		}
		if got := h.search("", url.Values{"q": {"Anonyme"}})["count"]; got != float64(0) {
			t.Errorf("an anonymous publish created %v datasets", got)
		}
		mustBeUnchanged(t, h, "budget", "Jeu budget")
	})
}

func mustBeUnchanged(t *testing.T, h *harness, name, title string) {
	t.Helper()
	d := mustOK(t, h.get("package_show", h.sysadmin, url.Values{"id": {name}})).resultMap()
	if d["title"] != title || d["state"] != "active" {
		t.Errorf("%s changed: title %q, state %q", name, d["title"], d["state"])
	}
}

// TestCSRF: every POST form needs the session's token; without it, or
// with another's, nothing changes.
func TestCSRF(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("budget", nil)
		b := h.browser()
		b.login(h.editorA)
		other := h.browser()
		other.login(h.editorA)
		otherToken := other.csrf("/publish")
		for _, token := range []string{"", "faux", otherToken} {
			for _, p := range []string{"/dataset/budget/edit", "/dataset/budget/delete"} {
				form := url.Values{"title": {"Changé"}}
				if token != "" {
					form.Set("csrf", token)
				}
				r := b.postForm(p, form)
				if r.Status != http.StatusForbidden {
					t.Errorf("POST %s with CSRF %.8q: %d", p, token, r.Status)
				}
				doc := checkPage(t, p, r)
				if got := headings(doc, atom.H1); len(got) != 1 || got[0] != "Formulaire expiré" {
					t.Errorf("POST %s: h1 %q", p, got)
				}
			}
			fields := map[string]string{"title": "Par CSRF", "owner_org": h.orgA.ID}
			if token != "" {
				fields["csrf"] = token
			}
			if r := b.postMultipart("/publish", fields, "a.csv", []byte("a,b\n1,2\n")); r.Status != http.StatusForbidden {
				t.Errorf("publish with CSRF %.8q: %d", token, r.Status)
			}
		}
		mustBeUnchanged(t, h, "budget", "Jeu budget")
		if got := h.search(h.sysadmin, url.Values{"q": {"CSRF"}})["count"]; got != float64(0) {
			t.Errorf("a forged publish created %v datasets", got)
		}
	})
}

// TestOtherOrganisation: an editor cannot edit or delete another
// organisation's dataset, even with a valid form.
func TestOtherOrganisation(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("budget", nil) // in ville-a
		b := h.browser()
		b.login(h.editorB)
		_, doc := b.mustGet("/dataset/budget")
		if hasLink(doc, "/dataset/budget/edit") {
			t.Error("another organisation's editor is offered to edit")
		}
		csrf := b.csrf("/publish")
		for _, p := range []string{"/dataset/budget/edit", "/dataset/budget/delete"} {
			if r := b.get(p); r.Status != http.StatusForbidden {
				t.Errorf("GET %s: %d", p, r.Status)
			}
			if r := b.postForm(p, url.Values{"csrf": {csrf}, "title": {"Changé par B"}}); r.Status != http.StatusForbidden {
				t.Errorf("POST %s: %d", p, r.Status)
			}
		}
		// Nor publish into it: only its own organisation is offered.
		_, doc = b.mustGet("/publish")
		opts := findAll(byID(doc, "owner_org"), func(n *html.Node) bool { return n.DataAtom == atom.Option })
		if len(opts) != 1 || attr(opts[0], "value") != h.orgB.ID {
			t.Errorf("organisations offered: %d", len(opts))
		}
		r := b.postMultipart("/publish", map[string]string{"csrf": csrf, "title": "Chez A", "owner_org": h.orgA.ID}, "a.csv", []byte("a,b\n1,2\n"))
		if r.Status != http.StatusUnprocessableEntity {
			t.Errorf("publish into another organisation: %d", r.Status)
		}
		mustBeUnchanged(t, h, "budget", "Jeu budget")
	})
}

// TestPublishFlow: an agent signs in, publishes a file with a schema,
// follows its ingestion, and finds the dataset with its preview and report.
func TestPublishFlow(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		b := h.browser()
		b.login(h.editorA)
		_, doc := b.mustGet("/publish")
		for id, label := range map[string]string{
			"title": "Titre du jeu de données", "owner_org": "Organisation", "upload": "Fichier", "license_id": "Licence",
			"frequency": "Fréquence de mise à jour", "theme": "Thème", "schema": "Schéma de données",
		} {
			if got := labelOf(doc, id); got != label {
				t.Errorf("#%s label %q, want %q", id, got, label)
			}
		}
		if attr(byID(doc, "upload"), "type") != "file" {
			t.Error("#upload is not a file input")
		}
		optionValues := func(id string) []string {
			var out []string
			for _, o := range findAll(byID(doc, id), func(n *html.Node) bool { return n.DataAtom == atom.Option }) {
				out = append(out, attr(o, "value"))
			}
			return out
		}
		if v := optionValues("license_id"); !slices.Contains(v, "lov2") || !slices.Contains(v, "odc-odbl") {
			t.Errorf("licences %q", v)
		}
		if v := optionValues("frequency"); !slices.Contains(v, "MONTHLY") || !strings.Contains(text(byID(doc, "frequency")), "Mensuelle") {
			t.Errorf("frequencies %q", v)
		}
		if v := optionValues("theme"); !slices.Contains(v, "ECON") || !strings.Contains(text(byID(doc, "theme")), "Économie et finances") {
			t.Errorf("themes %q", v)
		}
		if v := optionValues("schema"); !slices.Contains(v, "ville/subventions") || !slices.Contains(v, "") {
			t.Errorf("schemas %q", v)
		}
		csrf := b.csrf("/publish")

		// Missing title and file: the form again, errors linked.
		r := b.postMultipart("/publish", map[string]string{"csrf": csrf, "owner_org": h.orgA.ID, "license_id": "lov2"}, "", nil)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("empty form: %d", r.Status)
		}
		doc = checkPage(t, "POST /publish", r)
		for _, id := range []string{"title", "upload"} {
			if !hasLink(doc, "#"+id) || attr(byID(doc, id), "aria-invalid") != "true" {
				t.Errorf("no error linked to #%s", id)
			}
		}

		// The real thing.
		r = b.postMultipart("/publish", map[string]string{
			"csrf": csrf, "title": "Subventions aux associations 2017", "notes": "Montants votés.",
			"owner_org": h.orgA.ID, "license_id": "lov2", "frequency": "ANNUAL", "theme": "ECON", "schema": "ville/subventions",
		}, "subventions.csv", []byte(subventionsCSV))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("publish: %d: %.500s", r.Status, r.Body)
		}
		loc := r.Header.Get("Location")
		if !strings.HasPrefix(loc, "/dataset/subventions-aux-associations-2017/resource/") || !strings.HasSuffix(loc, "/status") {
			t.Fatalf("publish redirects to %q", loc)
		}
		d := mustOK(t, h.get("package_show", "", url.Values{"id": {"subventions-aux-associations-2017"}})).resultMap()
		if d["license_id"] != "lov2" || d["notes"] != "Montants votés." || len(d["resources"].([]any)) != 1 {
			t.Errorf("created dataset: %v", d)
		}
		extras := map[string]string{}
		for _, e := range d["extras"].([]any) {
			e := e.(map[string]any)
			extras[e["key"].(string)] = e["value"].(string)
		}
		if !strings.HasSuffix(extras["frequency"], "/ANNUAL") || !strings.Contains(extras["theme"], "/ECON") {
			t.Errorf("extras %v", extras)
		}
		res := d["resources"].([]any)[0].(map[string]any)
		if res["url_type"] != "upload" || res["passerelle_schema"] != "ville/subventions" || res["hash"] == "" {
			t.Errorf("resource %v", res)
		}

		// While the ingestion waits: progress, refresh, a live status.
		r, doc = b.mustGet(loc)
		// Without JavaScript it reloads itself; with it, status.js
		// updates the status region in place.
		if !strings.Contains(string(r.Body), `<noscript><meta http-equiv="refresh" content="2"></noscript>`) || !strings.Contains(string(r.Body), `<script src="/static/status.js" defer></script>`) {
			t.Error("the pending status page does not follow the ingestion")
		}
		if region := byID(doc, "ingest-status"); region == nil || attr(region, "data-running") != "true" || attr(region, "data-poll") != loc+"?auto=0" {
			t.Error("no status region for status.js to poll")
		}
		if r := b.get("/static/status.js"); r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/javascript") {
			t.Errorf("status.js: %d %q", r.Status, r.Header.Get("Content-Type"))
		}
		st := findAll(doc, func(n *html.Node) bool { return attr(n, "role") == "status" && attr(n, "aria-live") == "polite" })
		if len(st) != 1 || !strings.Contains(text(st[0]), "En attente") {
			t.Errorf("status region: %v", st)
		}
		if findFirst(doc, atom.Progress) == nil {
			t.Error("no progress bar")
		}
		// The visitor can stop the reloading (WCAG 2.2.1).
		stop := linkHref(doc, "Arrêter le suivi automatique")
		if stop != loc+"?auto=0" {
			t.Errorf("stop link %q", stop)
		}
		r, doc = b.mustGet(stop)
		if strings.Contains(string(r.Body), `http-equiv="refresh"`) || strings.Contains(string(r.Body), "status.js") || linkHref(doc, "Reprendre le suivi automatique") != loc {
			t.Error("?auto=0 still reloads, or cannot restart")
		}

		h.runJobs()
		r, doc = b.mustGet(loc)
		if strings.Contains(string(r.Body), `http-equiv="refresh"`) || strings.Contains(string(r.Body), "status.js") {
			t.Error("the finished status page still follows the ingestion")
		}
		if attr(byID(doc, "ingest-status"), "data-running") != "false" {
			t.Error("the finished status region says it runs")
		}
		page := text(doc)
		for _, want := range []string{"Terminée", "Lignes lues : 3", "Format CSV", "Encodage UTF-8", "Séparateur point-virgule (;)", "Ligne d'en-tête 1", "codeInsee", "Valide"} {
			if !strings.Contains(strings.ToLower(page), strings.ToLower(want)) {
				t.Errorf("the status page lacks %q: %s", want, page)
			}
		}
		if byID(doc, "st-validation") == nil {
			t.Error("no validation report on the status page")
		}
		if !hasLink(doc, "/dataset/subventions-aux-associations-2017") {
			t.Error("no link to the dataset page")
		}
		// The dataset page shows the rows; a second dataset of the same
		// title gets another name.
		_, doc = b.mustGet("/dataset/subventions-aux-associations-2017")
		if tableWithCaption(doc, "Aperçu des données") == nil || !strings.Contains(text(doc), "Association des Écureuils") {
			t.Error("no preview after ingestion")
		}
		if !hasLink(doc, "/dataset/subventions-aux-associations-2017/edit") {
			t.Error("the publisher is not offered to edit")
		}
		r = b.postMultipart("/publish", map[string]string{"csrf": csrf, "title": "Subventions aux associations 2017", "owner_org": h.orgA.ID}, "autre.csv", []byte("a;b\n1;2\n"))
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/dataset/subventions-aux-associations-2017-2/") {
			t.Errorf("second publish of the same title: %d %q", r.Status, r.Header.Get("Location"))
		}
		// A file over the limit: the form again, with the error on the file.
		big := []byte(strings.Repeat("a;b\n", maxTestUpload/4+10))
		r = b.postMultipart("/publish", map[string]string{"csrf": csrf, "title": "Trop gros", "owner_org": h.orgA.ID}, "gros.csv", big)
		if r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("oversized file: %d", r.Status)
		} else if doc := checkPage(t, "POST /publish", r); !hasLink(doc, "#upload") {
			t.Error("oversized file: no error linked to the file field")
		}
	})
}

// TestEditAndDelete edits a dataset's metadata through the form, then
// deletes it after the confirmation page.
func TestEditAndDelete(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("budget", map[string]any{"tags": []any{map[string]any{"name": "ancien"}}})
		b := h.browser()
		b.login(h.editorA)
		_, doc := b.mustGet("/dataset/budget/edit")
		if attr(byID(doc, "title"), "value") != "Jeu budget" || attr(byID(doc, "tags"), "value") != "ancien" {
			t.Error("the form does not show the current values")
		}
		csrf := b.csrf("/dataset/budget/edit")
		form := url.Values{
			"csrf": {csrf}, "title": {"Budget primitif 2026"}, "notes": {"Le budget voté."}, "tags": {"budget, finances"},
			"license_id": {"odc-odbl"}, "frequency": {"ANNUAL"}, "theme": {"ECON", "GOVE"},
			"temporal_start": {"2026-01-01"}, "temporal_end": {"2026-12-31"}, "contact_email": {"finances@ville-a.fr"},
		}
		r := b.postForm("/dataset/budget/edit", form)
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/dataset/budget" {
			t.Fatalf("edit: %d %q: %.500s", r.Status, r.Header.Get("Location"), r.Body)
		}
		d := mustOK(t, h.get("package_show", "", url.Values{"id": {"budget"}})).resultMap()
		if d["title"] != "Budget primitif 2026" || d["license_id"] != "odc-odbl" || d["num_tags"] != float64(2) || d["notes"] != "Le budget voté." {
			t.Errorf("edited dataset: %v", d)
		}
		extras := fmt.Sprint(d["extras"])
		for _, want := range []string{"/ANNUAL", "/ECON", "/GOVE", "2026-12-31", "finances@ville-a.fr"} {
			if !strings.Contains(extras, want) {
				t.Errorf("extras lack %s: %s", want, extras)
			}
		}
		// Invalid dates: the form again, the error linked to the field,
		// nothing changed.
		form.Set("temporal_end", "2025-01-01")
		form.Set("title", "Ne doit pas rester")
		r = b.postForm("/dataset/budget/edit", form)
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("invalid edit: %d", r.Status)
		}
		doc = checkPage(t, "POST edit", r)
		if !hasLink(doc, "#temporal_end") || attr(byID(doc, "temporal_end"), "aria-invalid") != "true" {
			t.Error("the date error is not linked to its field")
		}
		if attr(byID(doc, "title"), "value") != "Ne doit pas rester" {
			t.Error("the form does not keep what was typed")
		}
		mustBeUnchanged(t, h, "budget", "Budget primitif 2026")
		form.Set("title", "")
		if r := b.postForm("/dataset/budget/edit", form); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("empty title: %d", r.Status)
		}

		// Delete: a confirmation page, then the deletion.
		_, doc = b.mustGet("/dataset/budget/delete")
		if len(findAll(doc, func(n *html.Node) bool {
			return n.DataAtom == atom.Form && attr(n, "action") == "/dataset/budget/delete"
		})) != 1 {
			t.Fatal("no confirmation form")
		}
		mustBeUnchanged(t, h, "budget", "Budget primitif 2026")
		r = b.postForm("/dataset/budget/delete", url.Values{"csrf": {b.csrf("/dataset/budget/delete")}})
		if r.Status != http.StatusOK {
			t.Fatalf("delete: %d", r.Status)
		}
		checkPage(t, "POST delete", r)
		if r := h.get("package_show", "", url.Values{"id": {"budget"}}); r.Status != http.StatusNotFound {
			t.Errorf("package_show after delete: %d", r.Status)
		}
		if r := b.get("/dataset/budget"); r.Status != http.StatusNotFound {
			t.Errorf("page after delete: %d", r.Status)
		}
	})
}

// TestPrivateDatasetsPages: private datasets are hidden from anonymous
// visitors everywhere, and shown to their organisation.
func TestPrivateDatasetsPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("public", map[string]any{"title": "Jeu public"})
		h.createDataset("secret", map[string]any{"title": "Jeu secret", "private": true})
		anon := h.browser()
		for _, p := range []string{"/", "/?q=secret", "/organization/ville-a"} {
			r, _ := anon.mustGet(p)
			if strings.Contains(string(r.Body), "Jeu secret") {
				t.Errorf("%s shows a private dataset to anonymous visitors", p)
			}
		}
		if r := anon.get("/dataset/secret"); r.Status != http.StatusForbidden || strings.Contains(string(r.Body), "Jeu secret") {
			t.Errorf("anonymous private dataset page: %d", r.Status)
		}
		a := h.browser()
		a.login(h.editorA)
		for _, p := range []string{"/", "/organization/ville-a", "/dataset/secret"} {
			if r, _ := a.mustGet(p); !strings.Contains(string(r.Body), "Jeu secret") {
				t.Errorf("%s hides the private dataset from its organisation", p)
			}
		}
		other := h.browser()
		other.login(h.editorB)
		if r := other.get("/dataset/secret"); r.Status != http.StatusForbidden {
			t.Errorf("another organisation's editor: %d", r.Status)
		}
		if r, _ := other.mustGet("/"); strings.Contains(string(r.Body), "Jeu secret") {
			t.Error("the search shows a private dataset to another organisation")
		}
	})
}

// TestHostileText: titles, descriptions, tags and cells are escaped
// everywhere, including in the JSON-LD script.
func TestHostileText(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		hostile := `<script>alert("x")</script><img src=x onerror=alert(1)>`
		h.createDataset("hostile", map[string]any{"title": hostile, "notes": "</script><script>alert(2)</script>"})
		mustOK(t, h.upload("resource_create", h.sysadmin, map[string]string{"package_id": "hostile", "name": hostile}, "x.csv", []byte("nom,valeur\n\"<b onmouseover=alert(3)>\",1\n")))
		h.runJobs()
		b := h.browser()
		for _, p := range []string{"/dataset/hostile", "/?q=alert", "/organization/ville-a"} {
			r, doc := b.mustGet(p)
			body := string(r.Body)
			for _, bad := range []string{"<script>alert", "<img src=x", "<b onmouseover", "</script><script>"} {
				if strings.Contains(body, bad) {
					t.Errorf("%s contains %q unescaped", p, bad)
				}
			}
			if n := len(findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Script })); n > 1 {
				t.Errorf("%s: %d scripts", p, n)
			}
			if p == "/dataset/hostile" {
				if got := headings(doc, atom.H1); len(got) != 1 || got[0] != hostile {
					t.Errorf("h1 %q", got)
				}
				var ld map[string]any
				script := findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Script })[0]
				if err := json.Unmarshal([]byte(text(script)), &ld); err != nil || ld["name"] != hostile {
					t.Errorf("JSON-LD: %v %v", err, ld["name"])
				}
			}
		}
	})
}

// TestPublishWaitsForSmallFiles: with ingestion workers at hand, publishing
// a small file waits for its ingestion, and the agent lands on the report
// rather than on a page that follows the ingestion.
func TestPublishWaitsForSmallFiles(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		h := newHarnessWith(t, db, func(h *harness, svc *api.Services) {
			svc.OnUpload = func() {
				go func() {
					for {
						job, err := h.jobs.Claim(context.Background(), "page-worker", h.pipeline.Lease)
						if err != nil {
							return
						}
						h.pipeline.Run(context.Background(), job, "page-worker", nil)
					}
				}()
			}
		})
		b := h.browser()
		b.login(h.editorA)
		r := b.postMultipart("/publish", map[string]string{"csrf": b.csrf("/publish"), "title": "Petit fichier", "owner_org": h.orgA.ID}, "petit.csv", []byte(subventionsCSV))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("publish: %d", r.Status)
		}
		r, doc := b.mustGet(r.Header.Get("Location"))
		if strings.Contains(string(r.Body), "refresh") || !strings.Contains(text(byID(doc, "ingest-status")), "Terminée") {
			t.Errorf("the status page after publishing: %s", text(byID(doc, "ingest-status")))
		}
	})
}

// TestSessionsAcrossInstances: sessions live in the catalogue, not in a
// server. Signed in on one instance, a visitor edits and publishes through
// another; a server started later on the same catalogue knows the session;
// signing out on one signs out everywhere.
func TestSessionsAcrossInstances(t *testing.T) {
	storagetest.RunConfig(t, func(t *testing.T, cfg storage.Config) {
		open := func() *storage.DB {
			db, err := storage.Open(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			return db
		}
		one := newHarness(t, open())
		two := one.instance(open())
		one.createDataset("budget", nil)
		b := one.browser()
		b.login(one.editorA)
		csrf := b.csrf("/dataset/budget/edit")

		b.h = two
		if _, doc := b.mustGet("/"); !strings.Contains(text(doc), "agent-a") {
			t.Error("the other instance does not know the session")
		}
		// A valid session with a wrong token is refused there too.
		if r := b.postForm("/dataset/budget/edit", url.Values{"csrf": {csrf + "x"}, "title": {"Faux"}}); r.Status != http.StatusForbidden {
			t.Errorf("wrong CSRF on the other instance: %d", r.Status)
		}
		mustBeUnchanged(t, one, "budget", "Jeu budget")
		r := b.postForm("/dataset/budget/edit", url.Values{"csrf": {csrf}, "title": {"Budget voté"}, "license_id": {"lov2"}})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("edit on the other instance with the first one's form: %d: %.300s", r.Status, r.Body)
		}
		mustBeUnchanged(t, one, "budget", "Budget voté")
		r = b.postMultipart("/publish", map[string]string{"csrf": csrf, "title": "Publié ailleurs", "owner_org": one.orgA.ID}, "a.csv", []byte("a,b\n1,2\n"))
		if r.Status != http.StatusSeeOther {
			t.Fatalf("publish on the other instance: %d: %.300s", r.Status, r.Body)
		}
		if got := one.search(one.sysadmin, url.Values{"q": {"ailleurs"}})["count"]; got != float64(1) {
			t.Errorf("published through the other instance: %v datasets found", got)
		}

		// A restart: a new server on a new connection keeps the session.
		b.h = one.instance(open())
		if r := b.get("/publish"); r.Status != http.StatusOK {
			t.Errorf("after a restart, /publish: %d %q", r.Status, r.Header.Get("Location"))
		}

		// Signed out on the second instance: gone on the first too.
		signedIn := b.cookies["passerelle_session"].Value
		b.h = two
		if r := b.postForm("/logout", url.Values{"csrf": {csrf}}); r.Status != http.StatusSeeOther {
			t.Fatalf("sign-out: %d", r.Status)
		}
		old := one.browser()
		old.cookies["passerelle_session"] = &http.Cookie{Name: "passerelle_session", Value: signedIn}
		if r := old.get("/publish"); r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
			t.Errorf("signed out on one instance, /publish on the other: %d %q", r.Status, r.Header.Get("Location"))
		}
		if r := old.postForm("/dataset/budget/edit", url.Values{"csrf": {csrf}, "title": {"Après"}}); r.Status != http.StatusForbidden {
			t.Errorf("signed out, an edit: %d", r.Status)
		}
		mustBeUnchanged(t, one, "budget", "Budget voté")
	})
}

// TestGarbledSessionCookie: a cookie that is no session is a visitor who
// has not signed in, never an error.
func TestGarbledSessionCookie(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		for _, v := range []string{
			"x", strings.Repeat("A", 43), strings.Repeat("é", 22), "'; DROP TABLE web_sessions; --aaaaaaaaaaaaaaaaaaaaaaaaaaa",
			strings.Repeat("%00", 15), "\x00\xff" + strings.Repeat("z", 41), strings.Repeat("Z", 4096),
		} {
			for _, path := range []string{"/", "/publish"} {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				req.Header.Set("Accept", "text/html")
				req.Header.Set("Cookie", "passerelle_session="+v)
				r := h.do(req)
				if path == "/" && (r.Status != http.StatusOK || strings.Contains(string(r.Body), "Se déconnecter")) {
					t.Errorf("cookie %.20q: / %d, signed in or failed", v, r.Status)
				}
				if path == "/publish" && (r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login") {
					t.Errorf("cookie %.20q: /publish %d %q", v, r.Status, r.Header.Get("Location"))
				}
			}
		}
		// A browser that holds a garbled cookie can still sign in.
		b := h.browser()
		b.cookies["passerelle_session"] = &http.Cookie{Name: "passerelle_session", Value: strings.Repeat("A", 43)}
		b.login(h.editorA)
		if r := b.get("/publish"); r.Status != http.StatusOK {
			t.Errorf("signed in over a garbled cookie: /publish %d", r.Status)
		}
	})
}
