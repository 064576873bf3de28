package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
)

func TestImport(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "org", "create", "ville", "--title", "Ville", "--data-dir", dir)
	csv := "../../converters/testdata/cp1252_semicolon.csv"
	out, errOut := mustRun(t, "import", csv, "--org", "ville", "--dataset", "subventions", "--license", "lov2", "--data-dir", dir, "--progress", "lines")
	for _, want := range []string{"Dataset   subventions", "Ingestion complete", "windows-1252", `delimiter ";"`, "montant", "numeric", "date_convention", "date"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errOut, "loading") {
		t.Errorf("no progress lines on stderr:\n%s", errOut)
	}
	// Importing the same file again replaces it; another file adds one.
	mustRun(t, "import", csv, "--org", "ville", "--dataset", "subventions", "--data-dir", dir, "--progress", "none")
	mustRun(t, "import", "demo/equipements-sportifs.xlsx", "--org", "ville", "--dataset", "subventions", "--data-dir", dir, "--progress", "none")
	ds := storage.NewDatasetService(openCatalog(t, dir))
	d, err := ds.FindDataset(catalog.WithPrincipal(t.Context(), operator), "subventions")
	if err != nil {
		t.Fatal(err)
	}
	if d.Title != "Cp1252 semicolon" || d.LicenseID != "lov2" || len(d.Resources) != 5 { // csv + its copy, xlsx + two sheet copies
		t.Errorf("dataset after three imports: title %q, %d resources", d.Title, len(d.Resources))
	}
	for _, r := range d.Resources {
		if r.DerivedFrom == "" && (r.Ingest == nil || r.Ingest.State != catalog.IngestComplete || !r.DatastoreActive) {
			t.Errorf("resource %s: %+v", r.Name, r.Ingest)
		}
	}
	// Files that cannot be published get plain sentences.
	plainSentence(t, mustFail(t, "import", "absent.csv", "--org", "ville", "--dataset", "x", "--data-dir", dir), "no such file")
	pdf := filepath.Join(t.TempDir(), "budget.csv")
	os.WriteFile(pdf, []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"), 0o644)
	msg := mustFail(t, "import", pdf, "--org", "ville", "--dataset", "budget", "--data-dir", dir, "--progress", "none")
	plainSentence(t, msg, "PDF")
	if !strings.Contains(msg, "Ce fichier") {
		t.Errorf("no French in %q", msg)
	}
	plainSentence(t, mustFail(t, "import", csv, "--org", "inconnue", "--dataset", "autre", "--data-dir", dir), "owner_org")
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo")
	names := waitIngested(t, s, 3)
	if fmt.Sprint(names) != "[arbres-remarquables equipements-sportifs subventions-2024]" {
		t.Errorf("demo datasets = %v", names)
	}
	d := s.mustAction("package_show", "", map[string]any{"id": "subventions-2024"})
	rid := d["resources"].([]any)[0].(map[string]any)["id"]
	res := s.mustAction("datastore_search", "", map[string]any{"resource_id": rid, "filters": map[string]any{"id": "1"}})
	rec := res["records"].([]any)[0].(map[string]any)
	if res["total"] != 1.0 || rec["montant"] != 3858.04 || rec["code_insee"] != "49007" {
		t.Errorf("demo datastore: %v", res)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	// A second start adds nothing.
	s = startServe(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--demo")
	if names := waitIngested(t, s, 3); len(names) != 3 {
		t.Errorf("after a restart: %v", names)
	}
	if n := len(s.mustAction("package_show", "", map[string]any{"id": "subventions-2024"})["resources"].([]any)); n != 2 {
		t.Errorf("demo dataset holds %d resources after a restart", n)
	}
}

// waitIngested waits until n datasets exist and every resource's ingestion
// has ended, and returns the dataset names.
func waitIngested(t *testing.T, s *server, n int) []string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, env := s.action("current_package_list_with_resources", "", map[string]any{"limit": 100})
		list, _ := env.Result.([]any)
		var names []string
		pending := 0
		for _, d := range list {
			dm := d.(map[string]any)
			names = append(names, dm["name"].(string))
			for _, r := range dm["resources"].([]any) {
				if in, ok := r.(map[string]any)["ingest"].(map[string]any); ok && in["state"] != "complete" && in["state"] != "error" && in["state"] != "skipped" {
					pending++
				}
			}
		}
		if len(names) >= n && pending == 0 {
			sortStrings(names)
			return names
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 60s: datasets %v, %d ingestions pending", names, pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// builtBinary builds the passerelle binary once for the tests that run it
// as a process.
func builtBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "passerelle-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "passerelle")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func (p *serveProcess) resource(t *testing.T, id string) map[string]any {
	t.Helper()
	resp, err := http.Get(p.url + "/api/3/action/resource_show?id=" + url.QueryEscape(id))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env envelope
	json.NewDecoder(resp.Body).Decode(&env)
	m, _ := env.Result.(map[string]any)
	return m
}

// TestRestartMidIngest kills the server (SIGKILL) while it loads a large
// file, restarts it, and checks that the ingestion is taken up again and
// completes, with every row.
func TestRestartMidIngest(t *testing.T) {
	bin := builtBinary(t)
	dir := t.TempDir()
	const rows = 600_000
	var csv bytes.Buffer
	csv.WriteString("id;code_insee;commune;montant;date\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&csv, "%d;%05d;Commune %d;%d,%02d;%02d/%02d/20%02d\n", i, i%99999, i%1000, i%50000, i%100, 1+i%28, 1+i%12, i%25)
	}
	args := []string{"--data-dir", dir, "--job-lease", "2s", "--workers", "1", "--bootstrap-token", "secret-boot"}
	p := startProcess(t, bin, nil, args...)
	post := func(action string, body map[string]any) map[string]any {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest(http.MethodPost, p.url+"/api/3/action/"+action, bytes.NewReader(b))
		req.Header.Set("Authorization", "secret-boot")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env envelope
		json.NewDecoder(resp.Body).Decode(&env)
		if !env.Success {
			t.Fatalf("%s: %v", action, env.Error)
		}
		return env.Result.(map[string]any)
	}
	post("organization_create", map[string]any{"name": "ville"})
	post("package_create", map[string]any{"name": "gros", "owner_org": "ville"})
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("package_id", "gros")
	fw, _ := mw.CreateFormFile("upload", "gros.csv")
	fw.Write(csv.Bytes())
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, p.url+"/api/3/action/resource_create", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "secret-boot")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var env envelope
	json.NewDecoder(resp.Body).Decode(&env)
	resp.Body.Close()
	if !env.Success {
		t.Fatalf("upload: %v", env.Error)
	}
	id := env.Result.(map[string]any)["id"].(string)

	// Kill it once the load has started.
	deadline := time.Now().Add(60 * time.Second)
	for {
		in, _ := p.resource(t, id)["ingest"].(map[string]any)
		if in["state"] == "running" && in["progress"].(float64) > 0.3 {
			break
		}
		if in["state"] == "complete" {
			t.Skip("the ingestion finished before it could be interrupted: the machine is too fast for this test's file")
		}
		if time.Now().After(deadline) {
			t.Fatalf("ingestion did not start loading: %v\n%s", in, p.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.kill()

	p = startProcess(t, bin, nil, args...)
	deadline = time.Now().Add(120 * time.Second)
	var r map[string]any
	for {
		r = p.resource(t, id)
		in, _ := r["ingest"].(map[string]any)
		if in["state"] == "complete" || in["state"] == "error" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ingestion not taken up after the restart: %v\n%s", in, p.logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	in := r["ingest"].(map[string]any)
	if in["state"] != "complete" || in["rows"] != float64(rows) || r["datastore_active"] != true {
		t.Fatalf("after the restart: %v", in)
	}
	resp, err = http.Get(p.url + "/api/3/action/datastore_search?limit=1&resource_id=" + id)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(raw), fmt.Sprintf(`"total":%d`, rows)) {
		t.Errorf("datastore after the restart: %s", raw)
	}
	// Tables of the interrupted attempt are not left behind.
	entries, _ := os.ReadDir(filepath.Join(dir, "datastore"))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(entries) > 1 {
		t.Logf("datastore directory after the restart: %v", names)
	}
}
