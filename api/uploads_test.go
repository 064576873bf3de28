package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/catalog"
)

// upload sends an action as ckanapi sends a file: multipart/form-data with
// the string fields first and the file in "upload".
func (h *harness) upload(action, token string, fields map[string]string, filename string, content []byte) *response {
	h.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile("upload", filename)
		fw.Write(content)
	}
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, "/api/action/"+action, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if token != "" {
		req.Header.Set("Authorization", token)
		req.Header.Set("X-CKAN-API-Key", token)
	}
	return h.do(req)
}

// runJobs runs every queued ingestion to its end, as a worker would.
func (h *harness) runJobs() {
	h.t.Helper()
	for {
		job, err := h.jobs.Claim(context.Background(), "test-worker", h.pipeline.Lease)
		if catalog.ErrorKind(err) == catalog.KindNotFound {
			return
		}
		if err != nil {
			h.t.Fatal(err)
		}
		h.pipeline.Run(context.Background(), job, "test-worker", nil)
	}
}

// fetch GETs a path and returns status, headers and body.
func (h *harness) fetch(path, token string) (int, http.Header, []byte) {
	h.t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	validateAgainstSpec(h.t, req, &http.Response{StatusCode: res.StatusCode, Header: res.Header, Body: io.NopCloser(bytes.NewReader(b)), Request: req})
	return res.StatusCode, res.Header, b
}

// localPath turns a download URL into a request path.
func localPath(t *testing.T, u string) string {
	p, err := url.Parse(u)
	if err != nil || !strings.HasPrefix(u, testBaseURL) {
		t.Fatalf("download URL %q is not on the site", u)
	}
	return p.EscapedPath()
}

const subventionsCSV = "idAttribuant;dateConvention;montant;nomBeneficiaire;idBeneficiaire;codeInsee;versé\r\n" +
	"21860194600013;21/12/2017;3858,04;Association des Écureuils;02308228659079;2A004;oui\r\n" +
	"21860194600013;08/09/2017;40 000,00;Club « Jeunesse »;;01053;non\r\n" +
	"21860194600013;;1500;Les Amis du Musée;44259700100035;86194;oui\r\n"

func TestUploadIngestAndDatastore(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("subventions", nil)
		content := []byte(subventionsCSV)
		r := mustOK(t, h.upload("resource_create", h.editorA, map[string]string{
			"package_id": "subventions", "name": "Subventions 2017", "url": "",
		}, "subventions 2017.csv", content)).resultMap()
		sum := sha256.Sum256(content)
		if r["url_type"] != "upload" || r["size"] != float64(len(content)) || r["hash"] != hex.EncodeToString(sum[:]) || r["format"] != "CSV" {
			t.Errorf("uploaded resource = %v", r)
		}
		wantURL := fmt.Sprintf("%s/dataset/%s/resource/%s/download/subventions%%202017.csv", testBaseURL, r["package_id"], r["id"])
		if r["url"] != wantURL {
			t.Errorf("url = %v, want %v", r["url"], wantURL)
		}
		if in := r["ingest"].(map[string]any); in["state"] != "pending" || r["datastore_active"] != false {
			t.Errorf("before ingestion: ingest %v, datastore_active %v", in, r["datastore_active"])
		}
		// The original is served byte for byte, before and after ingestion.
		status, hdr, body := h.fetch(localPath(t, r["url"].(string)), "")
		if status != 200 || !bytes.Equal(body, content) || hdr.Get("ETag") != `"`+hex.EncodeToString(sum[:])+`"` {
			t.Fatalf("download = %d %q %v", status, body, hdr)
		}
		h.runJobs()

		shown := mustOK(t, h.get("resource_show", "", url.Values{"id": {r["id"].(string)}})).resultMap()
		in := shown["ingest"].(map[string]any)
		if in["state"] != "complete" || in["rows"] != 3.0 || in["progress"] != 1.0 || shown["datastore_active"] != true || in["finished"] == nil {
			t.Fatalf("after ingestion: %v", shown)
		}
		report := in["report"].(map[string]any)
		if report["format"] != "csv" || report["encoding"] != "utf-8" || report["delimiter"] != ";" {
			t.Errorf("report = %v", report)
		}
		// A normalised CSV is published beside the original.
		pkg := mustOK(t, h.get("package_show", "", url.Values{"id": {"subventions"}})).resultMap()
		res := pkg["resources"].([]any)
		if len(res) != 2 {
			t.Fatalf("resources = %v", res)
		}
		norm := res[1].(map[string]any)
		if norm["derived_from"] != r["id"] || norm["format"] != "CSV" || norm["datastore_active"] != true || !strings.Contains(norm["name"].(string), "CSV normalisé") {
			t.Errorf("normalised resource = %v", norm)
		}
		_, _, normBody := h.fetch(localPath(t, norm["url"].(string)), "")
		wantNorm := "id_attribuant,date_convention,montant,nom_beneficiaire,id_beneficiaire,code_insee,verse\r\n" +
			"21860194600013,2017-12-21,3858.04,Association des Écureuils,02308228659079,2A004,true\r\n" +
			"21860194600013,2017-09-08,40000.00,Club « Jeunesse »,,01053,false\r\n" +
			"21860194600013,,1500,Les Amis du Musée,44259700100035,86194,true\r\n"
		if string(normBody) != wantNorm {
			t.Errorf("normalised CSV:\n%s\nwant\n%s", normBody, wantNorm)
		}

		// datastore_search on the uploaded resource and on its copy.
		for _, id := range []string{r["id"].(string), norm["id"].(string)} {
			ds := mustOK(t, h.get("datastore_search", "", url.Values{"resource_id": {id}})).resultMap()
			if ds["total"] != 3.0 || len(ds["records"].([]any)) != 3 {
				t.Fatalf("datastore_search = %v", ds)
			}
			fields := map[string]string{}
			for _, f := range ds["fields"].([]any) {
				fm := f.(map[string]any)
				fields[fm["id"].(string)] = fm["type"].(string)
			}
			want := map[string]string{"_id": "int", "id_attribuant": "text", "date_convention": "date", "montant": "numeric", "id_beneficiaire": "text", "code_insee": "text", "verse": "bool"}
			for k, v := range want {
				if fields[k] != v {
					t.Errorf("field %s type %q, want %q", k, fields[k], v)
				}
			}
			rec := ds["records"].([]any)[0].(map[string]any)
			if rec["montant"] != 3858.04 || rec["id_beneficiaire"] != "02308228659079" || rec["code_insee"] != "2A004" || rec["date_convention"] != "2017-12-21" || rec["verse"] != true || rec["_id"] != 1.0 {
				t.Errorf("first record = %v", rec)
			}
		}
		id := r["id"].(string)
		search := func(q url.Values) map[string]any {
			q.Set("resource_id", id)
			return mustOK(t, h.get("datastore_search", "", q)).resultMap()
		}
		if got := search(url.Values{"q": {"ecureuils"}}); got["total"] != 1.0 {
			t.Errorf("q=ecureuils total %v", got["total"])
		}
		if got := search(url.Values{"filters": {`{"code_insee": ["01053", "86194"]}`}}); got["total"] != 2.0 {
			t.Errorf("filters total %v", got["total"])
		}
		if got := search(url.Values{"filters": {`{"verse": true}`}, "fields": {"nom_beneficiaire"}, "sort": {"montant desc"}}); fmt.Sprint(got["records"]) != "[map[nom_beneficiaire:Association des Écureuils] map[nom_beneficiaire:Les Amis du Musée]]" {
			t.Errorf("filtered, sorted, fields = %v", got["records"])
		}
		got := search(url.Values{"limit": {"1"}, "offset": {"1"}})
		links := got["_links"].(map[string]any)
		if len(got["records"].([]any)) != 1 || !strings.Contains(links["next"].(string), "offset=2") {
			t.Errorf("paging = %v", got)
		}
		if got := search(url.Values{"records_format": {"lists"}, "fields": {"_id,montant"}, "limit": {"1"}}); fmt.Sprint(got["records"]) != "[[1 3858.04]]" {
			t.Errorf("lists = %v", got["records"])
		}
		if got := search(url.Values{"include_total": {"false"}}); got["total"] != nil {
			t.Errorf("include_total=false still gives total %v", got["total"])
		}
		mustFail(t, h.get("datastore_search", "", url.Values{"resource_id": {id}, "fields": {"inconnu"}}), 409, "Validation Error")
		mustFail(t, h.get("datastore_search", "", url.Values{"resource_id": {id}, "sort": {`montant; DROP TABLE x`}}), 409, "Validation Error")
		mustFail(t, h.get("datastore_search", "", url.Values{"resource_id": {id}, "filters": {`{"montant": "beaucoup"}`}}), 409, "Validation Error")
		mustFail(t, h.get("datastore_search", "", url.Values{"resource_id": {id}, "bogus": {"1"}}), 409, "Validation Error")
		mustFail(t, h.get("datastore_search", "", url.Values{}), 409, "Validation Error")
		mustFail(t, h.get("datastore_search", "", url.Values{"resource_id": {"inconnu"}}), 404, "Not Found Error")

		info := mustOK(t, h.get("datastore_info", "", url.Values{"resource_id": {id}})).resultMap()
		if info["meta"].(map[string]any)["count"] != 3.0 || len(info["fields"].([]any)) != 7 {
			t.Errorf("datastore_info = %v", info)
		}
		// Dumps.
		status, hdr, dump := h.fetch("/datastore/dump/"+id, "")
		if status != 200 || !strings.HasPrefix(string(dump), "_id,id_attribuant,date_convention,montant") || !strings.Contains(string(dump), "1,21860194600013,2017-12-21,3858.04,Association des Écureuils,02308228659079,2A004,true") || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
			t.Errorf("CSV dump = %d %s", status, dump)
		}
		if status, _, dump := h.fetch("/datastore/dump/"+id+"?format=json", ""); status != 200 || !strings.Contains(string(dump), `[1,"21860194600013","2017-12-21",3858.04,`) {
			t.Errorf("JSON dump = %d %s", status, dump)
		}
		if status, _, _ := h.fetch("/datastore/dump/"+id+"?format=xml", ""); status != 400 {
			t.Errorf("xml dump = %d", status)
		}
	})
}

func TestUploadLimitsAndRefusals(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("limites", nil)
		big := bytes.Repeat([]byte("a;b\n"), maxTestUpload/4+1)
		r := h.upload("resource_create", h.editorA, map[string]string{"package_id": "limites"}, "gros.csv", big)
		if r.Status != http.StatusRequestEntityTooLarge || r.errorType() != "Validation Error" || len(r.fieldErrors("upload")) == 0 {
			t.Errorf("oversized upload = %d %s", r.Status, r.Body)
		}
		mustFail(t, h.upload("resource_create", "", map[string]string{"package_id": "limites"}, "a.csv", []byte("a;b\n1;2\n")), 403, "Authorization Error")
		mustFail(t, h.upload("resource_create", h.editorB, map[string]string{"package_id": "limites"}, "a.csv", []byte("a;b\n1;2\n")), 403, "Authorization Error")
		mustFail(t, h.upload("resource_create", h.editorA, map[string]string{"package_id": "inconnu"}, "a.csv", []byte("a;b\n1;2\n")), 404, "Not Found Error")
		mustFail(t, h.post("resource_create", h.editorA, map[string]any{"package_id": "limites", "url_type": "upload"}), 409, "Validation Error")
		// Nothing was stored: the dataset has no resource.
		if d := mustOK(t, h.get("package_show", "", url.Values{"id": {"limites"}})).resultMap(); d["num_resources"] != 0.0 {
			t.Errorf("refused uploads left resources: %v", d["resources"])
		}
		// A file name with a path in it is only a name.
		r = mustOK(t, h.upload("resource_create", h.editorA, map[string]string{"package_id": "limites"}, `..\..\etc/passwd`, []byte("x;y\n1;2\n")))
		if u := r.resultMap()["url"].(string); !strings.HasSuffix(u, "/download/passwd") {
			t.Errorf("url = %s", u)
		}
		entries, _ := filepath.Glob(filepath.Join(h.dataDir, "blobs", "*", "*", "*"))
		for _, e := range entries {
			if b := filepath.Base(e); len(b) != 64 {
				t.Errorf("blob store holds %s: file names must be hashes", e)
			}
		}
		if _, err := os.Stat(filepath.Join(h.dataDir, "etc")); err == nil {
			t.Error("a user's file name became a path")
		}
	})
}

func TestFailedIngestKeepsPreviousVersion(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("versions", nil)
		first := []byte("commune;population\nArles;52000\nTarascon;15000\n")
		r := mustOK(t, h.upload("resource_create", h.editorA, map[string]string{"package_id": "versions"}, "pop.csv", first)).resultMap()
		h.runJobs()
		id := r["id"].(string)
		before := mustOK(t, h.get("resource_show", "", url.Values{"id": {id}})).resultMap()

		// A broken replacement: a PDF named .csv.
		mustOK(t, h.upload("resource_update", h.editorA, map[string]string{"id": id, "name": "Population"}, "pop.csv", []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")))
		h.runJobs()
		after := mustOK(t, h.get("resource_show", "", url.Values{"id": {id}})).resultMap()
		in := after["ingest"].(map[string]any)
		if in["state"] != "error" || !strings.Contains(in["error"].(string), "PDF") || !strings.Contains(in["error_fr"].(string), "PDF") || in["error"] == in["error_fr"] {
			t.Errorf("failed ingest = %v", in)
		}
		if after["hash"] != before["hash"] || after["size"] != before["size"] || after["datastore_active"] != true || after["name"] != "Population" {
			t.Errorf("the previous file was not kept: before %v\nafter %v", before, after)
		}
		_, _, body := h.fetch(localPath(t, after["url"].(string)), "")
		if !bytes.Equal(body, first) {
			t.Errorf("download after a failed replacement = %q", body)
		}
		if ds := mustOK(t, h.get("datastore_search", "", url.Values{"resource_id": {id}})).resultMap(); ds["total"] != 2.0 {
			t.Errorf("datastore after failed replacement: %v", ds["total"])
		}
		// A good replacement swaps file and table at once.
		second := []byte("commune;population\nArles;53000\nTarascon;15500\nBeaucaire;16000\n")
		mustOK(t, h.upload("resource_update", h.editorA, map[string]string{"id": id}, "pop-2025.csv", second))
		h.runJobs()
		after = mustOK(t, h.get("resource_show", "", url.Values{"id": {id}})).resultMap()
		if !strings.HasSuffix(after["url"].(string), "/pop-2025.csv") || after["size"] != float64(len(second)) {
			t.Errorf("after replacement: %v", after)
		}
		if ds := mustOK(t, h.get("datastore_search", "", url.Values{"resource_id": {id}})).resultMap(); ds["total"] != 3.0 {
			t.Errorf("datastore after replacement: %v", ds["total"])
		}
		if d := mustOK(t, h.get("package_show", "", url.Values{"id": {"versions"}})).resultMap(); d["num_resources"] != 2.0 {
			t.Errorf("derived resources multiplied: %d", len(d["resources"].([]any)))
		}
	})
}

func TestUploadNotATable(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("documents", nil)
		pdf := []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
		r := mustOK(t, h.upload("resource_create", h.editorA, map[string]string{"package_id": "documents", "name": "Délibération"}, "deliberation.pdf", pdf)).resultMap()
		h.runJobs()
		shown := mustOK(t, h.get("resource_show", "", url.Values{"id": {r["id"].(string)}})).resultMap()
		if in := shown["ingest"].(map[string]any); in["state"] != "skipped" || shown["format"] != "PDF" || shown["datastore_active"] != false {
			t.Errorf("PDF resource = %v", shown)
		}
		_, hdr, body := h.fetch(localPath(t, shown["url"].(string)), "")
		if !bytes.Equal(body, pdf) || hdr.Get("Content-Type") != "application/pdf" {
			t.Errorf("PDF download: %s %q", hdr.Get("Content-Type"), body)
		}
		mustFail(t, h.get("datastore_search", "", url.Values{"resource_id": {r["id"].(string)}}), 404, "Not Found Error")
	})
}

func TestPrivateFiles(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("prive", map[string]any{"private": true})
		r := mustOK(t, h.upload("resource_create", h.editorA, map[string]string{"package_id": "prive"}, "secret.csv", []byte("a;b\n1;2\n"))).resultMap()
		h.runJobs()
		path := localPath(t, r["url"].(string))
		if status, _, _ := h.fetch(path, ""); status != 403 {
			t.Errorf("anonymous download of a private file = %d", status)
		}
		if status, _, _ := h.fetch(path, h.editorB); status != 403 {
			t.Errorf("other editor's download of a private file = %d", status)
		}
		if status, _, _ := h.fetch(path, h.editorA); status != 200 {
			t.Errorf("own editor's download = %d", status)
		}
		id := r["id"].(string)
		mustFail(t, h.get("datastore_search", "", url.Values{"resource_id": {id}}), 403, "Authorization Error")
		mustOK(t, h.get("datastore_search", h.editorA, url.Values{"resource_id": {id}}))
		if status, _, _ := h.fetch("/datastore/dump/"+id, ""); status != 403 {
			t.Errorf("anonymous dump of a private table = %d", status)
		}
		// The dataset segment of a download URL must be the resource's.
		other := h.createDataset("autre", nil)
		if status, _, _ := h.fetch("/dataset/"+other["id"].(string)+"/resource/"+id+"/download/secret.csv", h.editorA); status != 404 {
			t.Errorf("download through another dataset = %d", status)
		}
	})
}
