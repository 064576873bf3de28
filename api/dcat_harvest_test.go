package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// dcatHarvest is what testdata/harvest/udata_dcat.py prints: the items of
// a udata DCAT harvest job.
type dcatHarvest struct {
	Format     string             `json:"format"`
	FormatFrom string             `json:"format_from"`
	JobError   string             `json:"job_error"`
	Pages      []string           `json:"pages"`
	Datasets   []harvestedDataset `json:"datasets"`
	Failed     []map[string]any   `json:"failed"`
	Skipped    []map[string]any   `json:"skipped"`
	Requests   [][]any            `json:"requests"`
}

type harvestedDataset struct {
	RemoteID       string              `json:"remote_id"`
	Title          string              `json:"title"`
	Description    string              `json:"description"`
	Tags           []string            `json:"tags"`
	License        *string             `json:"license"`
	LicenseHints   []string            `json:"license_hints"`
	Resources      []harvestedResource `json:"resources"`
	Modified       *string             `json:"modified"`
	Issued         *string             `json:"issued"`
	Temporal       []any               `json:"temporal"`
	Spatial        map[string]any      `json:"spatial"`
	SpatialIgnored []string            `json:"spatial_ignored"`
	Frequency      *string             `json:"frequency"`
	RemoteURL      string              `json:"remote_url"`
	Page           int                 `json:"page"`
}

type harvestedResource struct {
	URL           string  `json:"url"`
	Title         *string `json:"title"`
	Format        *string `json:"format"`
	Mime          *string `json:"mime"`
	Filesize      *int64  `json:"filesize"`
	Merged        int     `json:"merged"`
	DCTIdentifier string  `json:"dct_identifier"`
	Checksum      *struct {
		Type, Value string
	} `json:"checksum"`
}

// harvestDCAT runs the udata DCAT harvest simulation against source on
// the test server srv; page links name the public base URL, mapped to
// srv.
func harvestDCAT(t *testing.T, srv *httptest.Server, source string) *dcatHarvest {
	t.Helper()
	cmd := exec.Command(systemPython, "testdata/harvest/udata_dcat.py", srv.URL+source, "--map", testBaseURL+"="+srv.URL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("udata_dcat.py %s: %v\n%s", source, err, stderr.String())
	}
	var h dcatHarvest
	if err := json.Unmarshal(stdout.Bytes(), &h); err != nil {
		t.Fatalf("udata_dcat.py output: %v", err)
	}
	if h.JobError != "" {
		t.Fatalf("harvest of %s failed: %s (requests %v)", source, h.JobError, h.Requests)
	}
	return &h
}

// checkNoFailures fails the test for every item udata would mark failed
// or skipped.
func (h *dcatHarvest) checkNoFailures(t *testing.T) {
	t.Helper()
	for _, f := range h.Failed {
		t.Errorf("item failed: %v", f)
	}
	for _, s := range h.Skipped {
		t.Errorf("item skipped: %v", s)
	}
}

func (h *dcatHarvest) byID() map[string]harvestedDataset {
	out := map[string]harvestedDataset{}
	for _, d := range h.Datasets {
		out[d.RemoteID] = d
	}
	return out
}

// harvestView is what both harvest paths must agree on for a dataset.
type harvestView struct {
	Title     string
	License   string
	Tags      []string
	Resources []string // URLs, sorted
	Modified  string   // UTC, to the second: DCAT's xsd:dateTime has no fraction
}

func (v harvestView) String() string {
	return fmt.Sprintf("title %q, licence %s, tags %v, resources %v, modified %s", v.Title, v.License, v.Tags, v.Resources, v.Modified)
}

func sortedCopy(l []string) []string {
	out := append([]string{}, l...)
	sort.Strings(out)
	return out
}

// ckanView maps a package_show dict as udata's CKAN harvester reads it.
func ckanView(t *testing.T, d map[string]any) harvestView {
	t.Helper()
	v := harvestView{Title: d["title"].(string), License: "notspecified"}
	if l, _ := d["license_id"].(string); l != "" {
		v.License = l
	}
	for _, tg := range d["tags"].([]any) {
		v.Tags = append(v.Tags, tg.(map[string]any)["name"].(string))
	}
	for _, r := range d["resources"].([]any) {
		v.Resources = append(v.Resources, r.(map[string]any)["url"].(string))
	}
	v.Tags, v.Resources = sortedCopy(v.Tags), sortedCopy(v.Resources)
	m, err := time.Parse("2006-01-02T15:04:05.999999", d["metadata_modified"].(string))
	if err != nil {
		t.Fatalf("metadata_modified %q: %v", d["metadata_modified"], err)
	}
	v.Modified = m.UTC().Truncate(time.Second).Format(time.RFC3339)
	return v
}

// themeLabels maps EU data-theme URIs to the label udata turns into a tag.
func themeLabels() map[string]string {
	out := map[string]string{}
	for _, th := range catalog.DataThemes() {
		out[th.URI()] = th.LabelFR
	}
	return out
}

// dcatView maps a harvested dataset, given the theme labels its tags
// include (removed here, compared separately) and the resource ids (a
// distribution URL repeated within a dataset carries #id).
func dcatView(t *testing.T, d harvestedDataset, themes []string) harvestView {
	t.Helper()
	v := harvestView{Title: d.Title, License: "notspecified"}
	if d.License != nil {
		v.License = *d.License
	}
	skip := map[string]bool{}
	for _, th := range themes {
		skip[th] = true
	}
	for _, tg := range d.Tags {
		if !skip[tg] {
			v.Tags = append(v.Tags, tg)
		}
	}
	for _, r := range d.Resources {
		v.Resources = append(v.Resources, strings.TrimSuffix(r.URL, "#"+r.DCTIdentifier))
	}
	v.Tags, v.Resources = sortedCopy(v.Tags), sortedCopy(v.Resources)
	if d.Modified != nil {
		m, err := time.Parse(time.RFC3339, *d.Modified)
		if err != nil {
			t.Fatalf("dct:modified %q: %v", *d.Modified, err)
		}
		v.Modified = m.UTC().Format(time.RFC3339)
	}
	return v
}

// ckanHarvest walks the CKAN API as udata's CKAN harvester does
// (package_list, then package_show of each name; every dict checked
// against its schema) and returns the dicts by id, and the ids it skips
// (no resources).
func ckanHarvest(t *testing.T, srv *httptest.Server) (dicts map[string]map[string]any, skipped map[string]bool) {
	t.Helper()
	dicts, skipped = map[string]map[string]any{}, map[string]bool{}
	for _, n := range udataGet(t, srv.URL, "package_list", nil).([]any) {
		d := udataGet(t, srv.URL, "package_show", url.Values{"id": {n.(string)}}).(map[string]any)
		checkUdataSchema(t, d)
		dicts[d["id"].(string)] = d
		if len(d["resources"].([]any)) == 0 {
			skipped[d["id"].(string)] = true
		}
	}
	return dicts, skipped
}

// quickPost calls an action without the openapi.yaml check, to build big
// fixtures fast; it fails the test unless the call succeeds.
func (h *harness) quickPost(action, token string, body any) map[string]any {
	h.t.Helper()
	b, _ := json.Marshal(body)
	req := httptest.NewRequest(http.MethodPost, "/api/3/action/"+action, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", token)
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	var env struct {
		Success bool           `json:"success"`
		Result  map[string]any `json:"result"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &env); err != nil || !env.Success {
		h.t.Fatalf("%s: %d %s", action, rec.Code, rec.Body.Bytes())
	}
	return env.Result
}

var harvestLicences = []string{"lov2", "odc-odbl", "cc-by", "odc-by", "cc-by-sa", "cc-zero", "odc-pddl", "lov2", "fr-lo"}

// harvestDatasetDict is public dataset i of the harvest fixture: licences
// in turn, tags, one or two resources with URLs of their own; every tenth
// one has all DCAT fields (themes, period, area, contact); one has two
// resources with one URL, one none, one a hostile title.
func harvestDatasetDict(i int) map[string]any {
	name := fmt.Sprintf("jeu-%03d", i)
	var d map[string]any
	if i%10 == 0 {
		d = richDataset(name)
		d["title"] = fmt.Sprintf("Subventions %03d", i)
		d["resources"] = []any{
			map[string]any{"url": fmt.Sprintf("https://www.ville-a.fr/files/%s.csv", name), "name": "Fichier", "resource_type": "file"},
			map[string]any{"url": fmt.Sprintf("https://www.ville-a.fr/api/%s", name), "name": "API", "format": "JSON", "resource_type": "api"},
		}
	} else {
		d = map[string]any{"name": name, "title": fmt.Sprintf("Jeu de données %03d", i), "owner_org": "ville-a", "notes": "Description."}
		d["tags"] = []any{map[string]any{"name": fmt.Sprintf("lot-%d", i%7)}, map[string]any{"name": "données"}}
		d["resources"] = []any{map[string]any{"url": fmt.Sprintf("https://www.ville-a.fr/data/%s.csv", name), "name": "Données"}}
	}
	d["license_id"] = harvestLicences[i%len(harvestLicences)]
	switch i {
	case 7:
		d["resources"] = []any{
			map[string]any{"url": "https://www.ville-a.fr/data/double.csv", "name": "Une"},
			map[string]any{"url": "https://www.ville-a.fr/data/double.csv", "name": "Deux", "format": "PDF"},
		}
	case 8:
		delete(d, "resources")
	case 9:
		d["title"] = "Titre « piégé » \"guillemets\" <b>&amp;</b> \\ 🌳\nfin"
	}
	return d
}

const harvestPublic = 230

// TestUdataDCATHarvest walks the DCAT feed exactly as udata's DCAT
// backend does (testdata/harvest/udata_dcat.py, run against the test
// server) over a three-page catalogue, and checks that it recovers every
// public dataset with the title, licence, tags, resources and modified
// date package_show gives, that the CKAN-API walk of udata's CKAN backend
// agrees, that private, draft and deleted datasets stay out, that a
// deletion is noticed, and that a ?modified_since= harvest brings exactly
// the datasets changed since.
func TestUdataDCATHarvest(t *testing.T) {
	needRDFLib(t)
	forEachDB(t, func(t *testing.T, h *harness) {
		t0 := time.Date(2024, 5, 2, 9, 14, 3, 250000000, time.UTC)
		h.db.SetClock(func() time.Time { return t0 })
		start := time.Now()
		for i := 0; i < harvestPublic; i++ {
			h.quickPost("package_create", h.editorA, harvestDatasetDict(i))
		}
		for _, extra := range []map[string]any{
			{"name": "prive-1", "private": true}, {"name": "prive-2", "private": true},
			{"name": "brouillon-1", "state": "draft"}, {"name": "brouillon-2", "state": "draft"},
			{"name": "supprime-1"}, {"name": "supprime-2"},
		} {
			extra["title"], extra["owner_org"] = "Caché "+extra["name"].(string), "ville-a"
			extra["resources"] = []any{map[string]any{"url": "https://www.ville-a.fr/cache.csv"}}
			h.quickPost("package_create", h.editorA, extra)
		}
		h.quickPost("package_delete", h.sysadmin, map[string]any{"id": "supprime-1"})
		h.quickPost("package_delete", h.sysadmin, map[string]any{"id": "supprime-2"})
		t.Logf("fixture: %d datasets in %v", harvestPublic+6, time.Since(start).Round(time.Millisecond))

		srv := httptest.NewServer(h.srv.Handler())
		defer srv.Close()
		start = time.Now()
		dcat := harvestDCAT(t, srv, "/catalog.ttl")
		t.Logf("DCAT harvest: %d pages in %v", len(dcat.Pages), time.Since(start).Round(time.Millisecond))
		dcat.checkNoFailures(t)
		if dcat.Format != "turtle" || dcat.FormatFrom != "suffix" {
			t.Errorf("format %s from %s", dcat.Format, dcat.FormatFrom)
		}
		wantPages := []string{srv.URL + "/catalog.ttl", testBaseURL + "/catalog.ttl?page=2", testBaseURL + "/catalog.ttl?page=3"}
		if fmt.Sprint(dcat.Pages) != fmt.Sprint(wantPages) {
			t.Errorf("pages walked: %v, want %v", dcat.Pages, wantPages)
		}
		ckan, ckanSkipped := ckanHarvest(t, srv)
		if len(ckan) != harvestPublic || len(dcat.Datasets) != harvestPublic {
			t.Fatalf("DCAT harvest: %d datasets, CKAN harvest: %d, want %d public ones", len(dcat.Datasets), len(ckan), harvestPublic)
		}
		for _, d := range dcat.Datasets {
			if strings.HasPrefix(d.Title, "Caché") {
				t.Errorf("the DCAT harvest brings %q (private, draft or deleted)", d.Title)
			}
		}
		compareHarvests(t, dcat, ckan, ckanSkipped)

		// The same walk, with the format from a HEAD (no extension), and in
		// the other formats.
		for _, source := range []string{"/catalog", "/catalog.xml", "/catalog.jsonld"} {
			other := harvestDCAT(t, srv, source)
			other.checkNoFailures(t)
			if source == "/catalog" && (other.Format != "turtle" || other.FormatFrom != "HEAD text/turtle") {
				t.Errorf("/catalog: format %s from %s, want turtle from a HEAD", other.Format, other.FormatFrom)
			}
			if len(other.Pages) != 3 || len(other.Datasets) != harvestPublic {
				t.Errorf("%s: %d pages, %d datasets", source, len(other.Pages), len(other.Datasets))
				continue
			}
			ttl := dcat.byID()
			for _, d := range other.Datasets {
				a, b := dcatView(t, d, nil), dcatView(t, ttl[d.RemoteID], nil)
				if a.String() != b.String() {
					t.Errorf("%s: %s differs from the Turtle harvest:\n  %v\n  %v", source, d.RemoteID, a, b)
				}
			}
		}

		// A deletion: the dataset vanishes from both harvests, so udata
		// archives it.
		gone := ckanIDByName(ckan, "jeu-042")
		h.quickPost("package_delete", h.sysadmin, map[string]any{"id": "jeu-042"})
		again := harvestDCAT(t, srv, "/catalog.ttl")
		again.checkNoFailures(t)
		if _, still := again.byID()[gone]; still || len(again.Datasets) != harvestPublic-1 {
			t.Errorf("after package_delete: %d datasets, deleted one present: %v", len(again.Datasets), still)
		}
		if ckan2, _ := ckanHarvest(t, srv); ckan2[gone] != nil || len(ckan2) != harvestPublic-1 {
			t.Errorf("after package_delete, the CKAN harvest has %d datasets", len(ckan2))
		}

		// An incremental harvest: 105 datasets change an hour later; a
		// harvest with ?modified_since= between the two gets exactly those,
		// over two pages whose links keep the filter.
		t1 := t0.Add(time.Hour)
		h.db.SetClock(func() time.Time { return t1 })
		changed := map[string]bool{}
		for i := 100; i < 205; i++ {
			name := fmt.Sprintf("jeu-%03d", i)
			changed[ckanIDByName(ckan, name)] = true
			h.quickPost("package_patch", h.editorA, map[string]any{"id": name, "title": fmt.Sprintf("Jeu modifié %03d", i)})
		}
		since := t0.Add(30 * time.Minute).Format(time.RFC3339)
		inc := harvestDCAT(t, srv, "/catalog.ttl?modified_since="+since)
		inc.checkNoFailures(t)
		if inc.FormatFrom != "HEAD text/turtle" {
			t.Errorf("?modified_since= source: format from %q, want a HEAD (udata cannot read the extension before a query)", inc.FormatFrom)
		}
		if len(inc.Pages) != 2 {
			t.Errorf("incremental harvest walked %v", inc.Pages)
		}
		got := inc.byID()
		for id := range changed {
			d, ok := got[id]
			if !ok {
				t.Errorf("incremental harvest lacks changed dataset %s", id)
				continue
			}
			if !strings.HasPrefix(d.Title, "Jeu modifié") || d.Modified == nil || *d.Modified != t1.Truncate(time.Second).Format("2006-01-02T15:04:05-07:00") {
				t.Errorf("incremental harvest: %s = %q modified %v", id, d.Title, d.Modified)
			}
		}
		for id := range got {
			if !changed[id] {
				t.Errorf("incremental harvest brings unchanged dataset %s", id)
			}
		}
	})
}

func ckanIDByName(dicts map[string]map[string]any, name string) string {
	for id, d := range dicts {
		if d["name"] == name {
			return id
		}
	}
	return ""
}

// compareHarvests checks the DCAT harvest against package_show (the dicts
// of the CKAN harvest): same datasets, and for each the same title,
// licence, tags (plus the French labels of its themes), resource URLs
// and modified date; then the DCAT-only facts: period, checksum.
func compareHarvests(t *testing.T, dcat *dcatHarvest, ckan map[string]map[string]any, ckanSkipped map[string]bool) {
	t.Helper()
	labels := themeLabels()
	got := dcat.byID()
	for id, d := range ckan {
		hd, ok := got[id]
		if !ok {
			t.Errorf("the DCAT harvest lacks %s (%v)", id, d["name"])
			continue
		}
		extras := extrasMap(d)
		var themes []string
		if th := extras["theme"]; th != "" {
			var uris []string
			if err := json.Unmarshal([]byte(th), &uris); err != nil {
				t.Fatalf("theme extra %q: %v", th, err)
			}
			for _, u := range uris {
				themes = append(themes, labels[u])
			}
		}
		want, have := ckanView(t, d), dcatView(t, hd, themes)
		if ckanSkipped[id] {
			// No resources: udata's CKAN harvester skips the dataset, and
			// the DCAT feed, carrying licences on distributions only, has
			// none to give (TestUdataDCATHarvestInterop/licence_without_distributions).
			want.License, have.License = "", ""
		}
		if want.String() != have.String() {
			t.Errorf("%v: the DCAT harvest differs from package_show:\n  DCAT: %v\n  CKAN: %v", d["name"], have, want)
		}
		for _, r := range hd.Resources {
			if r.Merged > 0 {
				t.Errorf("%v: %d distributions share URL %s: udata merges them into one resource", d["name"], r.Merged, r.URL)
			}
		}
		for _, th := range themes {
			if !containsString(hd.Tags, th) {
				t.Errorf("%v: theme label %q is not among the DCAT tags %v", d["name"], th, hd.Tags)
			}
		}
		if ckanSkipped[id] && len(hd.Resources) != 0 {
			t.Errorf("%v: skipped by udata's CKAN harvester but has resources", d["name"])
		}
		if s, e := extras["temporal_start"], extras["temporal_end"]; s != "" && fmt.Sprint(hd.Temporal) != fmt.Sprint([]any{s, e}) {
			t.Errorf("%v: temporal %v, want [%s %s]", d["name"], hd.Temporal, s, e)
		}
		for _, r := range d["resources"].([]any) {
			rm := r.(map[string]any)
			hash, _ := rm["hash"].(string)
			if len(hash) != 64 {
				continue
			}
			found := false
			for _, hr := range hd.Resources {
				if hr.URL == rm["url"] {
					found = true
					if hr.Checksum == nil || hr.Checksum.Type != "sha256" || hr.Checksum.Value != hash {
						t.Errorf("%v: resource %v: checksum %+v, want sha256 %s", d["name"], rm["url"], hr.Checksum, hash)
					}
				}
			}
			if !found {
				t.Errorf("%v: uploaded resource %v not harvested", d["name"], rm["url"])
			}
		}
	}
	if len(ckanSkipped) != 1 {
		t.Errorf("udata's CKAN harvester skips %d datasets (no resources), want the one without resources", len(ckanSkipped))
	}
}

func containsString(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}

// TestUdataDCATHarvestInterop checks what udata's DCAT harvester makes
// of the facts its parser reads in a particular form:
//   - a dataset's area: spatial_from_rdf only reads literals typed
//     <https://www.iana.org/assignments/media-types/application/vnd.geo+json>
//     (GeoJSON) or <http://www.opengis.net/rdf#wktLiteral> (WKT), on any
//     predicate of the dct:spatial node; geosparql's datatypes are skipped;
//   - a generic licence (other-at…), which the feeds name by a URI of the
//     catalogue's own: License.guess must still find it;
//   - the licence of a dataset without resources: udata reads dct:license
//     on the dataset first, then on its distributions;
//   - an uploaded file's checksum: rdflib reads an xsd:hexBinary literal as
//     bytes, which udata's Checksum.value (a StringField) refuses, failing
//     the whole dataset.
func TestUdataDCATHarvestInterop(t *testing.T) {
	needRDFLib(t)
	h := newHarness(t, storagetest.OpenSQLite(t))
	mustOK(t, h.post("package_create", h.editorA, richDataset("zone")))
	h.createDataset("generique", map[string]any{"license_id": "other-at", "resources": []any{map[string]any{"url": "https://www.ville-a.fr/a.csv"}}})
	h.createDataset("depot", nil)
	h.createDataset("vide", map[string]any{"license_id": "odc-odbl"})
	up := mustOK(t, h.upload("resource_create", h.editorA, map[string]string{"package_id": "depot", "name": "Subventions 2017"}, "subventions 2017.csv", []byte(subventionsCSV))).resultMap()
	h.runJobs()
	srv := httptest.NewServer(h.srv.Handler())
	defer srv.Close()
	got := harvestDCAT(t, srv, "/catalog.ttl")
	find := func(title string) (harvestedDataset, bool) {
		for _, d := range got.Datasets {
			if d.Title == title {
				return d, true
			}
		}
		for _, f := range append(got.Failed, got.Skipped...) {
			t.Logf("not harvested: %v", f)
		}
		return harvestedDataset{}, false
	}
	t.Run("spatial", func(t *testing.T) {
		d, ok := find("Subventions aux associations 2024")
		if !ok {
			t.Fatal("dataset not harvested")
		}
		// udata gets the envelope (dcat:bbox): the exact shape is in a
		// locn:Geometry node, which udata does not read, and in the CKAN
		// dict's spatial extra.
		want := `{"coordinates":[[[[4.5,43.5],[4.8,43.5],[4.8,43.8],[4.5,43.8],[4.5,43.5]]]],"type":"MultiPolygon"}`
		if b, _ := json.Marshal(d.Spatial); string(b) != want {
			t.Errorf("spatial coverage harvested: %s, want %s (literal datatypes skipped: %v)", b, want, d.SpatialIgnored)
		}
	})
	t.Run("generic licence", func(t *testing.T) {
		d, ok := find("Jeu generique")
		if !ok {
			t.Fatal("dataset not harvested")
		}
		if d.License == nil || *d.License != "other-at" {
			t.Errorf("licence other-at harvested as %v, guessed from %v", d.License, d.LicenseHints)
		}
	})
	t.Run("licence without distributions", func(t *testing.T) {
		d, ok := find("Jeu vide")
		if !ok {
			t.Fatal("dataset not harvested")
		}
		if d.License == nil || *d.License != "odc-odbl" {
			t.Errorf("licence odc-odbl of a dataset without resources harvested as %v (the feed gives it on distributions only)", d.License)
		}
	})
	t.Run("checksum", func(t *testing.T) {
		// DCAT-AP 3's checksum (https SPDX algorithm, xsd:hexBinary) is
		// skipped by udata, which knows only the http algorithm: the
		// dataset is harvested, without the checksum (the CKAN path
		// carries the hash).
		d, ok := find("Jeu depot")
		if !ok {
			t.Fatal("the dataset with an uploaded file fails to harvest")
		}
		for _, r := range d.Resources {
			if r.URL == up["url"] {
				if r.Checksum != nil {
					t.Errorf("checksum %+v harvested: udata would store bytes in a text field", r.Checksum)
				}
				return
			}
		}
		t.Errorf("uploaded resource %v not harvested: %+v", up["url"], d.Resources)
	})
}

// TestUdataDCATSimulator feeds the harvest simulation handcrafted pages,
// to show it fails where udata fails: only the older Hydra vocabulary
// (with a literal nextPage), an unlabelled text/turtle body read as
// ISO-8859-1, a dataset without dct:identifier (skipped), a checksum with
// a literal algorithm (failed), two distributions with one URL (merged),
// a licence URL with another scheme and a trailing slash (matched), and
// a next link back to a visited page (udata would loop).
func TestUdataDCATSimulator(t *testing.T) {
	needRDFLib(t)
	const prefixes = "@prefix dcat: <http://www.w3.org/ns/dcat#> . @prefix dct: <http://purl.org/dc/terms/> .\n" +
		"@prefix hydra: <http://www.w3.org/ns/hydra/core#> . @prefix spdx: <http://spdx.org/rdf/terms#> .\n"
	pages := map[string]string{
		"/p1.ttl": prefixes + `
<https://ex.fr/p1> a hydra:PagedCollection ; hydra:nextPage "https://public.example/p2" .
<https://ex.fr/d/1> a dcat:Dataset ; dct:identifier "1" ; dct:title "Données é" ;
    dcat:distribution <https://ex.fr/r/1>, <https://ex.fr/r/2> .
<https://ex.fr/r/1> dcat:downloadURL <https://ex.fr/f.csv> ; dct:license <http://www.etalab.gouv.fr/licence-ouverte-open-licence/> .
<https://ex.fr/r/2> dcat:accessURL <https://ex.fr/f.csv> .
<https://ex.fr/d/2> a dcat:Dataset ; dct:title "Sans identifiant" .
`,
		"/p2": prefixes + `
<https://ex.fr/p2> a hydra:PartialCollectionView ; hydra:next <https://public.example/p1.ttl> .
<https://ex.fr/d/3> a dcat:Dataset ; dct:identifier "3" ; dct:title "Somme littérale" ; dcat:distribution <https://ex.fr/r/3> .
<https://ex.fr/r/3> dcat:downloadURL <https://ex.fr/g.csv> ; spdx:checksum [ spdx:algorithm "sha256" ; spdx:checksumValue "00" ] .
`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/turtle") // no charset
		if r.Method == http.MethodGet {
			w.Write([]byte(body))
		}
	}))
	defer srv.Close()
	cmd := exec.Command(systemPython, "testdata/harvest/udata_dcat.py", srv.URL+"/p1.ttl", "--map", "https://public.example="+srv.URL)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("udata_dcat.py: %v", err)
	}
	var h dcatHarvest
	if err := json.Unmarshal(out, &h); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.JobError, "loops back") {
		t.Errorf("job error %q, want the next-link loop", h.JobError)
	}
	if len(h.Pages) != 2 || h.Pages[1] != "https://public.example/p2" {
		t.Errorf("pages %v: the literal hydra:nextPage was not followed", h.Pages)
	}
	if len(h.Datasets) != 1 {
		t.Fatalf("datasets %+v", h.Datasets)
	}
	d := h.Datasets[0]
	if d.Title != "DonnÃ©es Ã©" {
		t.Errorf("title %q: an unlabelled text/turtle body must be read as ISO-8859-1", d.Title)
	}
	if len(d.Resources) != 1 || d.Resources[0].Merged != 2 {
		t.Errorf("resources %+v: two distributions with one URL must merge", d.Resources)
	}
	if d.License == nil || *d.License != "lov2" {
		t.Errorf("licence %v from %v", d.License, d.LicenseHints)
	}
	if len(h.Skipped) != 1 || !strings.Contains(fmt.Sprint(h.Skipped[0]["error"]), "identifier") {
		t.Errorf("skipped %v, want the dataset without dct:identifier", h.Skipped)
	}
	if len(h.Failed) != 1 || !strings.Contains(fmt.Sprint(h.Failed[0]["error"]), "checksum algorithm") {
		t.Errorf("failed %v, want the literal checksum algorithm", h.Failed)
	}
}
