package api_test

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// The authorisation matrix (SPEC §8): every write the server registers,
// by every kind of caller, with the outcome CKAN gives, and a refused
// write must change nothing; then private datasets through every read
// route. Routes are read from the router, so that a new action or route
// fails these tests until it is placed in the matrix.

// caller is one kind of identity of the matrix.
type caller struct {
	name  string
	token string
	// member callers may write ville-a's datasets.
	member bool
}

const unknownToken = "psl_ce-jeton-n-existe-pas"

func (h *harness) callers() []caller {
	return []caller{
		{name: "anonymous"},
		{name: "unknown token", token: unknownToken},
		{name: "other org editor", token: h.editorB},
		{name: "own org editor", token: h.editorA, member: true},
		{name: "sysadmin", token: h.sysadmin, member: true},
	}
}

// apiActions reads the action names from the router, and sorts them into
// reads and writes by asking each for GET: CKAN answers a write asked with
// GET "Please use POST method".
func apiActions(t *testing.T, h *harness) (reads, writes []string) {
	t.Helper()
	const prefix = "/api/3/action/"
	names := map[string]bool{}
	legacy := map[string]bool{}
	for _, r := range h.srv.Routes() {
		if r.Method != http.MethodPost || strings.Contains(r.Path, ":") {
			continue
		}
		if name, ok := strings.CutPrefix(r.Path, prefix); ok {
			names[name] = true
		}
		if name, ok := strings.CutPrefix(r.Path, "/api/action/"); ok {
			legacy[name] = true
		}
	}
	if len(names) == 0 || len(names) != len(legacy) {
		t.Fatalf("%d actions under %s, %d under /api/action/", len(names), prefix, len(legacy))
	}
	for name := range names {
		if !legacy[name] {
			t.Errorf("%s is not served under /api/action/", name)
		}
		rec := httptest.NewRecorder()
		h.srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, prefix+name, nil))
		if strings.Contains(rec.Body.String(), "Please use POST method") {
			writes = append(writes, name)
		} else {
			reads = append(reads, name)
		}
	}
	sort.Strings(reads)
	sort.Strings(writes)
	return reads, writes
}

// target is what a write case acts on: a dataset of ville-a with one
// resource, made fresh by the sysadmin for each cell of the matrix.
type target struct {
	ID, Name, ResourceID string
	Private              bool
}

// writeCase is one write of the matrix.
type writeCase struct {
	action  string // the action as routed, or the page route
	variant string
	// targeted cases run on a public and on a private dataset.
	targeted bool
	// withFile makes the target's resource an ingested CSV file.
	withFile bool
	// allowed tells which callers succeed; the others get a 403.
	allowed func(c caller) bool
	// send makes the request; n makes its names unique.
	send func(h *harness, c caller, tg target, n int) *response
	// done checks, as the sysadmin, that an allowed write happened.
	done func(t *testing.T, h *harness, tg target, n int)
}

func members(c caller) bool   { return c.member }
func sysadmins(c caller) bool { return c.name == "sysadmin" }

func (h *harness) showAs(token, action, id string) map[string]any {
	h.t.Helper()
	return mustOK(h.t, h.get(action, token, url.Values{"id": {id}})).resultMap()
}

func apiWriteCases() []writeCase {
	datasetTitle := func(want string) func(t *testing.T, h *harness, tg target, n int) {
		return func(t *testing.T, h *harness, tg target, n int) {
			if d := h.showAs(h.sysadmin, "package_show", tg.ID); d["title"] != want {
				t.Errorf("title after the write = %v", d["title"])
			}
		}
	}
	resourceCount := func(want int) func(t *testing.T, h *harness, tg target, n int) {
		return func(t *testing.T, h *harness, tg target, n int) {
			if d := h.showAs(h.sysadmin, "package_show", tg.ID); d["num_resources"] != float64(want) {
				t.Errorf("num_resources after the write = %v", d["num_resources"])
			}
		}
	}
	return []writeCase{
		{action: "package_create", allowed: members,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.post("package_create", c.token, map[string]any{"name": fmt.Sprintf("cree-%d", n), "title": "Créé", "owner_org": "ville-a"})
			},
			done: func(t *testing.T, h *harness, tg target, n int) {
				h.showAs(h.sysadmin, "package_show", fmt.Sprintf("cree-%d", n))
			}},
		{action: "package_create", variant: "private, resources inline", allowed: members,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.post("package_create", c.token, map[string]any{"name": fmt.Sprintf("cree-%d", n), "title": "Créé", "owner_org": h.orgA.ID,
					"private": true, "resources": []any{map[string]any{"url": "https://x.fr/a.csv"}}})
			},
			done: func(t *testing.T, h *harness, tg target, n int) {
				h.showAs(h.sysadmin, "package_show", fmt.Sprintf("cree-%d", n))
			}},
		{action: "package_update", targeted: true, allowed: members,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.post("package_update", c.token, map[string]any{"id": tg.ID, "name": tg.Name, "title": "Remplacé", "owner_org": "ville-a", "private": tg.Private})
			},
			done: datasetTitle("Remplacé")},
		{action: "package_patch", targeted: true, allowed: members,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.post("package_patch", c.token, map[string]any{"id": tg.Name, "title": "Changé"})
			},
			done: datasetTitle("Changé")},
		{action: "package_patch", variant: "move to another organisation", targeted: true, allowed: sysadmins,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.post("package_patch", c.token, map[string]any{"id": tg.ID, "owner_org": "ville-b"})
			},
			done: func(t *testing.T, h *harness, tg target, n int) {
				if d := h.showAs(h.sysadmin, "package_show", tg.ID); d["owner_org"] != h.orgB.ID {
					t.Errorf("owner_org after the move = %v", d["owner_org"])
				}
			}},
		{action: "package_delete", targeted: true, allowed: members,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.post("package_delete", c.token, map[string]any{"id": tg.ID})
			},
			done: func(t *testing.T, h *harness, tg target, n int) {
				if d := h.showAs(h.sysadmin, "package_show", tg.ID); d["state"] != "deleted" {
					t.Errorf("state after package_delete = %v", d["state"])
				}
			}},
		{action: "resource_create", targeted: true, allowed: members,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.post("resource_create", c.token, map[string]any{"package_id": tg.ID, "url": "https://x.fr/nouveau.csv", "name": "Nouveau"})
			},
			done: resourceCount(2)},
		{action: "resource_create", variant: "upload", targeted: true, allowed: members,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.upload("resource_create", c.token, map[string]string{"package_id": tg.ID}, "envoi.csv", fmt.Appendf(nil, "a;b\n%d;%s\n", n, c.name))
			},
			done: resourceCount(2)},
		{action: "resource_update", targeted: true, allowed: members,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.post("resource_update", c.token, map[string]any{"id": tg.ResourceID, "url": "https://x.fr/remplace.csv", "name": "Remplacé"})
			},
			done: func(t *testing.T, h *harness, tg target, n int) {
				if r := h.showAs(h.sysadmin, "resource_show", tg.ResourceID); r["name"] != "Remplacé" {
					t.Errorf("name after resource_update = %v", r["name"])
				}
			}},
		{action: "resource_update", variant: "upload", targeted: true, allowed: members,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.upload("resource_update", c.token, map[string]string{"id": tg.ResourceID}, "remplace.csv", fmt.Appendf(nil, "c;d\n%d;%s\n", n, c.name))
			},
			done: func(t *testing.T, h *harness, tg target, n int) {
				h.runJobs() // the resource keeps its link until the file is ingested
				if r := h.showAs(h.sysadmin, "resource_show", tg.ResourceID); r["url_type"] != "upload" {
					t.Errorf("url_type after an upload = %v", r["url_type"])
				}
			}},
		{action: "resource_patch", targeted: true, allowed: members,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.post("resource_patch", c.token, map[string]any{"id": tg.ResourceID, "name": "Changé"})
			},
			done: func(t *testing.T, h *harness, tg target, n int) {
				if r := h.showAs(h.sysadmin, "resource_show", tg.ResourceID); r["name"] != "Changé" {
					t.Errorf("name after resource_patch = %v", r["name"])
				}
			}},
		{action: "resource_delete", targeted: true, allowed: members,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.post("resource_delete", c.token, map[string]any{"id": tg.ResourceID})
			},
			done: resourceCount(0)},
		{action: "package_suggestions_accept", targeted: true, withFile: true, allowed: members,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.post("package_suggestions_accept", c.token, map[string]any{"id": tg.ID, "accept": []string{"temporal"}})
			},
			done: func(t *testing.T, h *harness, tg target, n int) {
				if e := extras(h.showAs(h.sysadmin, "package_show", tg.ID)); e["temporal_start"] != "2017-09-08" {
					t.Errorf("temporal_start after accepting = %v", e["temporal_start"])
				}
			}},
		{action: "organization_create", allowed: sysadmins,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.post("organization_create", c.token, map[string]any{"name": fmt.Sprintf("org-%d", n), "title": "Nouvelle"})
			},
			done: func(t *testing.T, h *harness, tg target, n int) {
				h.showAs(h.sysadmin, "organization_show", fmt.Sprintf("org-%d", n))
			}},
		{action: "organization_patch", allowed: members,
			send: func(h *harness, c caller, tg target, n int) *response {
				return h.post("organization_patch", c.token, map[string]any{"id": "ville-a", "title": fmt.Sprintf("Arles %d", n)})
			},
			done: func(t *testing.T, h *harness, tg target, n int) {
				if o := h.showAs(h.sysadmin, "organization_show", "ville-a"); o["title"] != fmt.Sprintf("Arles %d", n) {
					t.Errorf("title after organization_patch = %v", o["title"])
				}
			}},
	}
}

// newTarget creates, as the sysadmin, a dataset of ville-a with one
// resource: a link, or an ingested CSV file.
func (h *harness) newTarget(n int, private, withFile bool) target {
	h.t.Helper()
	name := fmt.Sprintf("cible-%d", n)
	extra := map[string]any{"private": private}
	if !withFile {
		extra["resources"] = []any{map[string]any{"url": "https://x.fr/cible.csv", "name": "Cible"}}
	}
	d := h.createDataset(name, extra)
	tg := target{ID: d["id"].(string), Name: name, Private: private}
	if withFile {
		r := mustOK(h.t, h.upload("resource_create", h.sysadmin, map[string]string{"package_id": name}, "subventions.csv", []byte(subventionsCSV))).resultMap()
		h.runJobs()
		tg.ResourceID = r["id"].(string)
	} else {
		tg.ResourceID = d["resources"].([]any)[0].(map[string]any)["id"].(string)
	}
	return tg
}

// state is everything a write could change, read by the sysadmin: the
// target dataset and its resource, both organisations, every dataset and
// organisation name, and the stored files.
func (h *harness) state(tg target) string {
	h.t.Helper()
	var b strings.Builder
	add := func(label string, r *response) {
		body, _ := json.Marshal(r.Result)
		fmt.Fprintf(&b, "%s: %d %s\n", label, r.Status, body)
	}
	if tg.ID != "" {
		add("dataset", h.get("package_show", h.sysadmin, url.Values{"id": {tg.ID}}))
		add("resource", h.get("resource_show", h.sysadmin, url.Values{"id": {tg.ResourceID}}))
	}
	for _, o := range []string{"ville-a", "ville-b"} {
		add(o, h.get("organization_show", h.sysadmin, url.Values{"id": {o}}))
	}
	add("organizations", h.get("organization_list", h.sysadmin, nil))
	add("datasets", h.get("package_search", h.sysadmin, url.Values{
		"include_private": {"true"}, "include_drafts": {"true"}, "include_deleted": {"true"}, "rows": {"1000"}, "fl": {"name"},
	}))
	var files []string
	filepath.WalkDir(filepath.Join(h.dataDir, "blobs"), func(path string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			files = append(files, path)
		}
		return nil
	})
	fmt.Fprintf(&b, "blobs: %v\n", files)
	return b.String()
}

// TestAuthorizationMatrixAPI: every write action × every caller.
func TestAuthorizationMatrixAPI(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		_, writes := apiActions(t, h)
		cases := apiWriteCases()
		inMatrix := map[string]bool{}
		for _, wc := range cases {
			inMatrix[wc.action] = true
		}
		for _, a := range writes {
			if !inMatrix[a] {
				t.Errorf("write action %s is not in the authorisation matrix", a)
			}
			delete(inMatrix, a)
		}
		for a := range inMatrix {
			t.Errorf("the matrix tests %s, which the router does not serve as a write", a)
		}
		n, cells := 0, 0
		for _, wc := range cases {
			privacies := []bool{false}
			if wc.targeted {
				privacies = []bool{false, true}
			}
			for _, private := range privacies {
				for _, c := range h.callers() {
					n++
					cells++
					name := wc.action
					if wc.variant != "" {
						name += " (" + wc.variant + ")"
					}
					if private {
						name += " on a private dataset"
					}
					t.Run(name+"/"+c.name, func(t *testing.T) {
						h.t = t
						var tg target
						if wc.targeted || wc.withFile {
							tg = h.newTarget(n, private, wc.withFile)
						}
						before := h.state(tg)
						r := wc.send(h, c, tg, n)
						if wc.allowed(c) {
							mustOK(t, r)
							wc.done(t, h, tg, n)
							return
						}
						mustFail(t, r, http.StatusForbidden, "Authorization Error")
						if msg, _ := r.Error["message"].(string); msg == "" {
							t.Errorf("a refusal without a message: %s", r.Body)
						}
						if after := h.state(tg); after != before {
							t.Errorf("a refused %s changed the catalogue:\nbefore %s\nafter  %s", wc.action, before, after)
						}
					})
				}
			}
		}
		t.Logf("%d write actions, %d cases, %d cells", len(writes), len(cases), cells)
	})
}

// pageWriteCase is one POST form of the web pages.
type pageWriteCase struct {
	route string // as the router names it
	// send posts the form; csrf is the session's token.
	send func(b *browser, tg target, csrf string, n int) *response
	// refused is the status a signed-in outsider gets (the anonymous get
	// 403); allowed the status of a member.
	refused, allowed int
	done             func(t *testing.T, h *harness, tg target, n int)
}

func pageWriteCases() []pageWriteCase {
	return []pageWriteCase{
		{route: "/publish", refused: http.StatusUnprocessableEntity, allowed: http.StatusSeeOther,
			send: func(b *browser, tg target, csrf string, n int) *response {
				return b.postMultipart("/publish", map[string]string{"csrf": csrf, "title": fmt.Sprintf("Publié %d", n), "owner_org": b.h.orgA.ID},
					"publie.csv", fmt.Appendf(nil, "a,b\n%d,2\n", n))
			},
			done: func(t *testing.T, h *harness, tg target, n int) {
				h.showAs(h.sysadmin, "package_show", fmt.Sprintf("publie-%d", n))
			}},
		{route: "/dataset/:id/edit", refused: http.StatusForbidden, allowed: http.StatusSeeOther,
			send: func(b *browser, tg target, csrf string, n int) *response {
				form := url.Values{"csrf": {csrf}, "title": {"Changé par formulaire"}, "license_id": {"lov2"}}
				if tg.Private {
					form.Set("private", "on")
				}
				return b.postForm("/dataset/"+tg.Name+"/edit", form)
			},
			done: func(t *testing.T, h *harness, tg target, n int) {
				if d := h.showAs(h.sysadmin, "package_show", tg.ID); d["title"] != "Changé par formulaire" || d["private"] != tg.Private {
					t.Errorf("after the edit: title %v, private %v", d["title"], d["private"])
				}
			}},
		{route: "/dataset/:id/delete", refused: http.StatusForbidden, allowed: http.StatusOK,
			send: func(b *browser, tg target, csrf string, n int) *response {
				return b.postForm("/dataset/"+tg.ID+"/delete", url.Values{"csrf": {csrf}})
			},
			done: func(t *testing.T, h *harness, tg target, n int) {
				if d := h.showAs(h.sysadmin, "package_show", tg.ID); d["state"] != "deleted" {
					t.Errorf("state after the delete = %v", d["state"])
				}
			}},
	}
}

// pageWritesExempt are the POST forms that change no catalogue data.
var pageWritesExempt = map[string]string{
	"/login":  "opens a session for a valid token; tested in TestLogin",
	"/logout": "closes the caller's own session",
}

// TestAuthorizationMatrixPages: every POST form × every caller, signed in
// through the sign-in form (an unknown token's sign-in fails: the visitor
// stays anonymous).
func TestAuthorizationMatrixPages(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		cases := pageWriteCases()
		known := map[string]bool{}
		for _, pc := range cases {
			known[pc.route] = true
		}
		for _, r := range h.srv.Routes() {
			if r.Method != http.MethodPost || strings.HasPrefix(r.Path, "/api/") {
				continue
			}
			if !known[r.Path] && pageWritesExempt[r.Path] == "" {
				t.Errorf("POST %s is not in the authorisation matrix", r.Path)
			}
		}
		n := 0
		for _, pc := range cases {
			for _, private := range []bool{false, true} {
				for _, c := range h.callers() {
					n++
					t.Run(fmt.Sprintf("%s private=%v/%s", pc.route, private, c.name), func(t *testing.T) {
						h.t = t
						b := h.browser()
						b.t = t
						switch {
						case c.token == unknownToken:
							r := b.postForm("/login", url.Values{"csrf": {b.csrf("/login")}, "token": {c.token}})
							if r.Status != http.StatusUnauthorized {
								t.Fatalf("sign-in with an unknown token: %d", r.Status)
							}
						case c.token != "":
							b.login(c.token)
						}
						csrf := b.csrf("/login")
						tg := h.newTarget(n, private, false)
						before := h.state(tg)
						r := pc.send(b, tg, csrf, n)
						want := pc.refused
						switch {
						case c.member:
							want = pc.allowed
						case c.token == "" || c.token == unknownToken:
							want = http.StatusForbidden
						}
						if r.Status != want {
							t.Fatalf("POST %s: %d, want %d: %.300s", pc.route, r.Status, want, r.Body)
						}
						if c.member {
							pc.done(t, h, tg, n)
							return
						}
						if after := h.state(tg); after != before {
							t.Errorf("a refused POST %s changed the catalogue:\nbefore %s\nafter  %s", pc.route, before, after)
						}
					})
				}
			}
		}
	})
}

// readRoutesWithoutDatasets are the GET routes that show no dataset, its
// resources or its counts, whoever asks.
var readRoutesWithoutDatasets = map[string]bool{
	"/healthz": true, "/readyz": true, "/metrics": true, "/api/3": true,
	"/static/passerelle.css": true, "/static/status.js": true, "/login": true, "/publish": true,
	"status_show": true, "site_read": true, "help_show": true, "group_list": true,
	"license_list": true, "schema_list": true,
}

// privateFixture is the catalogue of the read matrix: ville-a has a public
// dataset and a private one holding an ingested file that declares a
// schema; the private one's words are found nowhere else.
type privateFixture struct {
	publicID, id, rid string
	// rids are every resource of the private dataset (the upload and the
	// normalised CSV made from it), downloads their files, tables the
	// ones with a datastore table.
	rids, downloads, tables []string
}

const (
	secretWord  = "zorglub"
	secretTitle = "Rapport confidentiel zorglub"
	secretTag   = "etiquette-zorglub"
)

func newPrivateFixture(t *testing.T, h *harness) privateFixture {
	t.Helper()
	var fx privateFixture
	fx.publicID = h.createDataset("public-lu", map[string]any{"title": "Jeu public", "tags": []any{map[string]any{"name": "etiquette-publique"}}})["id"].(string)
	fx.id = h.createDataset("secret-prive", map[string]any{
		"title": secretTitle, "private": true, "notes": "Le mot " + secretWord,
		"tags": []any{map[string]any{"name": secretTag}},
	})["id"].(string)
	r := mustOK(t, h.upload("resource_create", h.editorA, map[string]string{
		"package_id": "secret-prive", "name": "Subventions zorglub", "schema": "ville/subventions",
	}, "subventions.csv", []byte(subventionsCSV))).resultMap()
	h.runJobs()
	fx.rid = r["id"].(string)
	shown := h.showAs(h.sysadmin, "resource_show", fx.rid)
	if shown["datastore_active"] != true || shown["validation_status"] != "success" {
		t.Fatalf("the private file was not ingested and validated: %v", shown)
	}
	for _, v := range h.showAs(h.sysadmin, "package_show", fx.id)["resources"].([]any) {
		r := v.(map[string]any)
		fx.rids = append(fx.rids, r["id"].(string))
		if r["url_type"] == "upload" {
			fx.downloads = append(fx.downloads, localPath(t, r["url"].(string)))
		}
		if r["datastore_active"] == true {
			fx.tables = append(fx.tables, r["id"].(string))
		}
	}
	if len(fx.downloads) == 0 || len(fx.tables) == 0 {
		t.Fatalf("no file or table in the private dataset: %v", fx)
	}
	return fx
}

// readCheck checks one read route for one caller; member says whether the
// caller may see the private dataset.
type readCheck struct {
	covers []string // routes or actions
	check  func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser)
}

// mustShowPrivate checks an API read of the private dataset: 403 for
// outsiders, 200 for members.
func mustShowPrivate(t *testing.T, c caller, r *response, asked string) {
	t.Helper()
	if c.member {
		mustOK(t, r)
		return
	}
	mustFail(t, r, http.StatusForbidden, "Authorization Error")
	// Asked by id, the refusal does not give the name away (CKAN names
	// the dataset by id).
	if strings.Contains(string(r.Body), secretWord) || strings.Contains(string(r.Body), "Subventions") ||
		(strings.Contains(string(r.Body), "secret-prive") && asked != "secret-prive") {
		t.Errorf("the refusal tells of the private dataset: %s", r.Body)
	}
}

// mustHide checks that a response does or does not tell of the private
// dataset: its title, name, id or its file's id, except those the request
// itself named (what holds the request).
func mustHide(t *testing.T, fx privateFixture, what string, body []byte, shown bool) {
	t.Helper()
	leak := ""
	for _, marker := range append([]string{secretTitle, "secret-prive", fx.id}, fx.rids...) {
		if !strings.Contains(what, marker) && strings.Contains(string(body), marker) {
			leak = marker
			break
		}
	}
	if shown && leak == "" {
		t.Errorf("%s does not show the private dataset to a member: %.300s", what, body)
	}
	if !shown && leak != "" {
		i := strings.Index(string(body), leak)
		t.Errorf("%s tells an outsider of the private dataset (%q): …%.300s", what, leak, body[max(0, i-150):])
	}
}

// mustHideTag checks that a response does not list the private dataset's
// tag.
func mustHideTag(t *testing.T, what string, body []byte) {
	t.Helper()
	if strings.Contains(string(body), secretTag) {
		t.Errorf("%s lists the private dataset's tag", what)
	}
}

// statusFor is the status of a private-dataset route: 200 for members,
// 403 for the others.
func statusFor(c caller) int {
	if c.member {
		return http.StatusOK
	}
	return http.StatusForbidden
}

var totalItemsRe = regexp.MustCompile(`hydra:totalItems\s+"?(\d+)`)

func readChecks() []readCheck {
	// byID checks an action that reads the private dataset, or its file,
	// by each parameter it takes.
	byID := func(action string, params ...string) readCheck {
		return readCheck{covers: []string{action}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			for _, param := range params {
				id := fx.id
				if param == "resource_id" || strings.HasPrefix(action, "resource_") || strings.HasPrefix(action, "datastore_") {
					id = fx.rid
				}
				mustShowPrivate(t, c, h.get(action, c.token, url.Values{param: {id}}), id)
				mustShowPrivate(t, c, h.post(action, c.token, map[string]any{param: id}), id)
				if id == fx.id {
					mustShowPrivate(t, c, h.get(action, c.token, url.Values{param: {"secret-prive"}}), "secret-prive")
				}
			}
		}}
	}
	return []readCheck{
		byID("package_show", "id"),
		byID("package_suggestions_show", "id", "name"),
		byID("dcat_completeness", "id"),
		byID("resource_show", "id"),
		byID("datastore_info", "resource_id", "id"),
		byID("resource_validation_show", "resource_id", "id"),
		{covers: []string{"datastore_search"}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			for _, q := range []url.Values{
				{"resource_id": {fx.rid}},
				{"id": {fx.rid}},
				{"resource_id": {fx.rid}, "q": {"Musée"}, "include_total": {"true"}},
				{"resource_id": {fx.rid}, "filters": {`{"verse":true}`}, "fields": {"montant"}, "sort": {"montant desc"}},
				{"resource_id": {fx.rid}, "distinct": {"true"}, "fields": {"verse"}},
			} {
				mustShowPrivate(t, c, h.get("datastore_search", c.token, q), fx.rid)
			}
		}},
		{covers: []string{"package_search"}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			for _, incl := range []string{"", "false", "true"} {
				for _, q := range []url.Values{
					{"q": {secretWord}},
					{"q": {"*:*"}, "rows": {"1000"}},
					{"fq": {"name:secret-prive"}},
					{"fq": {"capacity:private"}},
					{"fq": {"tags:" + secretTag}},
					{"fq": {"state:active OR state:draft"}},
					{"q": {"res_format:CSV"}},
					{"q": {"organization:ville-a"}, "facet.field": {`["tags","organization","res_format","license_id"]`}, "facet.limit": {"-1"}},
				} {
					if incl != "" {
						q.Set("include_private", incl)
					}
					r := mustOK(t, h.get("package_search", c.token, q))
					// CKAN: private datasets only with include_private, and
					// only to those who may read them.
					mustHide(t, fx, "package_search "+q.Encode(), r.Body, c.member && incl == "true")
					if !(c.member && incl == "true") && q.Get("fq") != "tags:"+secretTag {
						mustHideTag(t, "package_search "+q.Encode(), r.Body)
					}
				}
			}
			// The organisation facet counts what the caller sees.
			r := mustOK(t, h.get("package_search", c.token, url.Values{"facet.field": {`["organization"]`}, "include_private": {"true"}})).resultMap()
			want := 1.0
			if c.member {
				want = 2
			}
			if got := r["facets"].(map[string]any)["organization"].(map[string]any)["ville-a"]; got != want {
				t.Errorf("organization facet for ville-a = %v, want %v", got, want)
			}
		}},
		{covers: []string{"package_list"}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			for _, q := range []url.Values{nil, {"limit": {"10"}}, {"include_private": {"true"}}} {
				mustHide(t, fx, "package_list", mustOK(t, h.get("package_list", c.token, q)).Body, false)
			}
		}},
		{covers: []string{"current_package_list_with_resources"}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			mustHide(t, fx, "current_package_list_with_resources", mustOK(t, h.get("current_package_list_with_resources", c.token, nil)).Body, false)
			r := mustOK(t, h.get("current_package_list_with_resources", c.token, url.Values{"include_private": {"true"}}))
			mustHide(t, fx, "current_package_list_with_resources include_private", r.Body, c.member)
		}},
		{covers: []string{"tag_list"}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			for _, q := range []url.Values{nil, {"query": {"zorg"}}, {"all_fields": {"true"}}} {
				mustHideTag(t, "tag_list "+q.Encode(), mustOK(t, h.get("tag_list", c.token, q)).Body)
			}
			if r := mustOK(t, h.get("tag_list", c.token, nil)); !strings.Contains(string(r.Body), "etiquette-publique") {
				t.Errorf("tag_list misses the public tag: %s", r.Body)
			}
		}},
		{covers: []string{"organization_show", "organization_list"}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			want := 1.0
			if c.member {
				want = 2
			}
			o := mustOK(t, h.get("organization_show", c.token, url.Values{"id": {"ville-a"}, "include_datasets": {"true"}}))
			if got := o.resultMap()["package_count"]; got != want {
				t.Errorf("organization_show package_count = %v, want %v", got, want)
			}
			mustHide(t, fx, "organization_show include_datasets", o.Body, c.member)
			l := mustOK(t, h.get("organization_list", c.token, url.Values{"all_fields": {"true"}}))
			for _, v := range l.resultList() {
				if o := v.(map[string]any); o["name"] == "ville-a" && o["package_count"] != want {
					t.Errorf("organization_list package_count = %v, want %v", o["package_count"], want)
				}
			}
		}},
		{covers: []string{"/dataset/:id/resource/:rid/download/:filename"}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			for _, download := range fx.downloads {
				for _, method := range []string{http.MethodGet, http.MethodHead} {
					r := h.feed(method, download, "", c.token)
					if r.Status != statusFor(c) {
						t.Errorf("%s %s: %d, want %d", method, download, r.Status, statusFor(c))
					}
					if !c.member && strings.Contains(string(r.Body), "Écureuils") {
						t.Errorf("%s %s sends the private file", method, download)
					}
				}
				// The public dataset's id in front of the private file.
				path := strings.Replace(download, fx.id, fx.publicID, 1)
				if path == download {
					path = strings.Replace(download, "secret-prive", "public-lu", 1)
				}
				if r := h.feed(http.MethodGet, path, "", c.token); r.Status == http.StatusOK {
					t.Errorf("GET %s through the public dataset: 200", path)
				}
			}
		}},
		{covers: []string{"/datastore/dump/:resource_id"}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			for _, id := range fx.tables {
				for _, q := range []string{"", "?format=json", "?format=tsv", "?bom=true"} {
					r := h.feed(http.MethodGet, "/datastore/dump/"+id+q, "", c.token)
					if r.Status != statusFor(c) {
						t.Errorf("dump of %s%s: %d, want %d", id, q, r.Status, statusFor(c))
					}
					if !c.member && strings.Contains(string(r.Body), "Écureuils") {
						t.Errorf("dump of %s%s sends the private rows", id, q)
					}
				}
				mustShowPrivate(t, c, h.get("datastore_search", c.token, url.Values{"resource_id": {id}}), id)
			}
		}},
		{covers: []string{"/catalog.ttl", "/catalog.rdf", "/catalog.xml", "/catalog.jsonld", "/catalog.nt", "/catalog"}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			for _, p := range []string{"/catalog.ttl", "/catalog.rdf", "/catalog.xml", "/catalog.jsonld", "/catalog.nt", "/catalog?q=" + secretWord, "/catalog.ttl?fq=capacity:private"} {
				r := h.feed(http.MethodGet, p, "text/turtle", c.token)
				if r.Status != http.StatusOK {
					t.Fatalf("GET %s: %d", p, r.Status)
				}
				// Feeds are public: no private dataset, whoever asks.
				mustHide(t, fx, p, r.Body, false)
			}
			r := h.feed(http.MethodGet, "/catalog.ttl", "", c.token)
			if m := totalItemsRe.FindSubmatch(r.Body); m == nil || string(m[1]) != "1" {
				t.Errorf("/catalog.ttl totalItems = %q, want 1 (the public dataset)", m)
			}
		}},
		{covers: []string{"/dataset/:id"}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			for _, id := range []string{fx.id, "secret-prive"} {
				for _, p := range []string{"/dataset/" + id + ".ttl", "/dataset/" + id + ".rdf", "/dataset/" + id + ".jsonld", "/dataset/" + id + ".nt"} {
					for _, method := range []string{http.MethodGet, http.MethodHead} {
						r := h.feed(method, p, "", c.token)
						if r.Status != statusFor(c) {
							t.Errorf("%s %s: %d, want %d", method, p, r.Status, statusFor(c))
						}
						// Asked by name, the refusal names the dataset by
						// its id, as CKAN does: nothing more.
						if !c.member && (strings.Contains(string(r.Body), secretTitle) || strings.Contains(string(r.Body), fx.rid) ||
							(id == fx.id && strings.Contains(string(r.Body), "secret-prive"))) {
							t.Errorf("%s %s tells of the private dataset: %s", method, p, r.Body)
						}
					}
				}
				if r := h.feed(http.MethodGet, "/dataset/"+id, "application/ld+json", c.token); r.Status != statusFor(c) {
					t.Errorf("GET /dataset/%s as JSON-LD: %d", id, r.Status)
				}
				// The page, to a browser signed in as the caller.
				r := b.get("/dataset/" + id)
				if r.Status != statusFor(c) {
					t.Errorf("dataset page %s: %d, want %d", id, r.Status, statusFor(c))
				}
				mustHide(t, fx, "the dataset page /dataset/"+id, r.Body, c.member)
			}
		}},
		{covers: []string{"/dataset/:id/resource/:rid/status"}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			r := b.get("/dataset/secret-prive/resource/" + fx.rid + "/status")
			if r.Status != statusFor(c) {
				t.Errorf("status page: %d, want %d", r.Status, statusFor(c))
			}
			if !c.member && strings.Contains(string(r.Body), "Écureuils") {
				t.Error("the status page shows the private file's profile")
			}
		}},
		{covers: []string{"/dataset/:id/edit", "/dataset/:id/delete"}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			for _, p := range []string{"/dataset/secret-prive/edit", "/dataset/secret-prive/delete"} {
				r := b.get(p)
				want := statusFor(c)
				if c.token == "" {
					want = http.StatusSeeOther // to the sign-in page
				}
				if r.Status != want {
					t.Errorf("GET %s: %d, want %d", p, r.Status, want)
				}
				mustHide(t, fx, p, r.Body, c.member)
			}
		}},
		{covers: []string{"/"}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			for _, p := range []string{"/", "/?q=" + secretWord, "/?q=confidentiel", "/?tags=" + secretTag, "/?organization=ville-a", "/?res_format=CSV"} {
				r := b.get(p)
				if r.Status != http.StatusOK {
					t.Fatalf("GET %s: %d", p, r.Status)
				}
				// Signed-in members find their private datasets in the
				// search; nobody else does, nor their tags in the facets.
				mustHide(t, fx, "the search page "+p, r.Body, c.member)
				if !c.member && !strings.Contains(p, secretTag) {
					mustHideTag(t, "the search page "+p, r.Body)
				}
			}
		}},
		{covers: []string{"/organization/:name"}, check: func(t *testing.T, h *harness, fx privateFixture, c caller, b *browser) {
			r := b.get("/organization/ville-a")
			if r.Status != http.StatusOK {
				t.Fatalf("organisation page: %d", r.Status)
			}
			mustHide(t, fx, "the organisation page", r.Body, c.member)
			if !c.member {
				mustHideTag(t, "the organisation page", r.Body)
			}
		}},
	}
}

// TestPrivateDatasetsEveryReadRoute: a private dataset, its file, rows,
// report and counts through every read route, for each kind of caller.
func TestPrivateDatasetsEveryReadRoute(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		fx := newPrivateFixture(t, h)
		checks := readChecks()
		covered := map[string]bool{}
		for _, rc := range checks {
			for _, r := range rc.covers {
				covered[r] = true
			}
		}
		reads, _ := apiActions(t, h)
		for _, a := range reads {
			if !covered[a] && !readRoutesWithoutDatasets[a] {
				t.Errorf("read action %s is neither in the private-dataset matrix nor known to show no dataset", a)
			}
		}
		for _, r := range h.srv.Routes() {
			if (r.Method != http.MethodGet && r.Method != http.MethodHead) || strings.HasPrefix(r.Path, "/api/3/action/") || strings.HasPrefix(r.Path, "/api/action/") {
				continue
			}
			if !covered[r.Path] && !readRoutesWithoutDatasets[r.Path] {
				t.Errorf("read route %s %s is neither in the private-dataset matrix nor known to show no dataset", r.Method, r.Path)
			}
		}
		for _, c := range []caller{{name: "anonymous"}, {name: "other org editor", token: h.editorB}, {name: "own org editor", token: h.editorA, member: true}, {name: "sysadmin", token: h.sysadmin, member: true}} {
			h.t = t
			b := h.browser()
			if c.token != "" {
				b.login(c.token)
			}
			for _, rc := range checks {
				t.Run(c.name+"/"+rc.covers[0], func(t *testing.T) {
					h.t, b.t = t, t
					rc.check(t, h, fx, c, b)
				})
			}
		}
		t.Logf("%d read checks covering %d routes and actions; %d resources, %d files, %d tables in the private dataset",
			len(checks), len(covered), len(fx.rids), len(fx.downloads), len(fx.tables))
	})
}
