package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The DCAT tests check the feeds with tools that share no code with
// Passerelle: Debian's rapper (raptor2-utils), rdflib (python3-rdflib, the
// library udata's harvesters parse with) and the SHACL engine of
// tools/shacl-check (node). Missing tools skip the tests with the package
// to install, except under CI=true, where they fail: .ci/run installs them.

// systemPython is Debian's interpreter, where python3-rdflib installs: a
// python3 earlier on PATH (pyenv, a virtualenv) usually lacks rdflib.
const systemPython = "/usr/bin/python3"

// shaclDir holds the official DCAT-AP 3.0.1 shapes, in the shared
// fixtures beside the checkout (CI has them; a clone without shared/ skips
// the SHACL tests).
const shaclDir = "../../shared/fixtures/shacl/dcat-ap-3.0.1"

// shapesPath maps a shapes name of the tests to its file: "html-x.ttl" is
// html-shacl/x.ttl.
func shapesPath(name string) string {
	if rest, ok := strings.CutPrefix(name, "html-"); ok {
		return filepath.Join(shaclDir, "html-shacl", rest)
	}
	return filepath.Join(shaclDir, name)
}

func needDCATTool(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required under CI=true", what)
	}
	t.Skipf("%s not found: skipped (install it to run this test)", what)
}

var (
	toolsOnce                         sync.Once
	haveRapper, haveRDFLib, haveSHACL bool
)

func probeTools() {
	toolsOnce.Do(func() {
		_, err := exec.LookPath("rapper")
		haveRapper = err == nil
		haveRDFLib = exec.Command(systemPython, "-c", "import rdflib").Run() == nil
		_, err = exec.LookPath("node")
		_, statErr := os.Stat("../tools/shacl-check/node_modules/rdf-validate-shacl")
		haveSHACL = err == nil && statErr == nil
	})
}

func needRapper(t *testing.T) {
	t.Helper()
	probeTools()
	needDCATTool(t, haveRapper, "rapper (apt install raptor2-utils)")
}

func needRDFLib(t *testing.T) {
	t.Helper()
	probeTools()
	needDCATTool(t, haveRDFLib, systemPython+" with rdflib (apt install python3-rdflib)")
}

func needSHACL(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(shaclDir); err != nil {
		t.Skipf("DCAT-AP shapes not found at %s (shared fixtures beside the checkout): SHACL tests skipped", shaclDir)
	}
	probeTools()
	needDCATTool(t, haveSHACL, "node and tools/shacl-check/node_modules (npm ci --prefix tools/shacl-check)")
}

// feedExt are the feed formats by extension, with what rapper and rdflib
// call them ("" where rapper has no parser).
var feedExt = []struct{ ext, rapper, rdflib, mediaType string }{
	{"ttl", "turtle", "turtle", "text/turtle"},
	{"rdf", "rdfxml", "xml", "application/rdf+xml"},
	{"xml", "rdfxml", "xml", "application/rdf+xml"},
	{"jsonld", "", "json-ld", "application/ld+json"},
	{"nt", "ntriples", "nt", "application/n-triples"},
}

// writeTemp writes data to a new file in a temporary directory.
func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// rapperCount parses a document with rapper and returns its number of
// triples; any error or warning fails the test.
func rapperCount(t *testing.T, data []byte, syntax string) int {
	t.Helper()
	p := writeTemp(t, "doc", data)
	cmd := exec.Command("rapper", "-i", syntax, "-c", p, "https://base.invalid/")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var n int
	fmt.Sscanf(stderr.String()[strings.LastIndex(stderr.String(), "returned")+len("returned"):], "%d", &n)
	if err != nil || strings.Contains(stderr.String(), "Error") || strings.Contains(stderr.String(), "Warning") {
		t.Errorf("rapper -i %s: %v\n%s", syntax, err, stderr.String())
	}
	return n
}

// rdfCompare runs testdata/dcat/rdfcompare.py: each document parsed by
// rdflib, its triple count, and whether all are isomorphic to the first
// once page URLs are normalised.
type rdfCompareResult struct {
	Counts     map[string]int    `json:"counts"`
	Errors     map[string]string `json:"errors"`
	Isomorphic map[string]bool   `json:"isomorphic"`
	Diff       map[string]string `json:"diff"`
}

// rdfCompare parses docs (name → data, in rdflib format formats[name])
// and compares each to the one named first.
func rdfCompare(t *testing.T, first string, docs map[string][]byte, formats map[string]string) rdfCompareResult {
	t.Helper()
	dir := t.TempDir()
	args := []string{"testdata/dcat/rdfcompare.py", first}
	names := []string{first}
	for name := range docs {
		if name != first {
			names = append(names, name)
		}
	}
	for _, name := range names {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, docs[name], 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, name, p, formats[name])
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(systemPython, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("rdfcompare.py: %v\n%s", err, stderr.String())
	}
	var res rdfCompareResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("rdfcompare.py output: %v\n%s", err, stdout.String())
	}
	return res
}

// shaclResult is one line of tools/shacl-check's report.
type shaclResult struct {
	Severity  string `json:"severity"` // Violation, Warning, Info
	Focus     string `json:"focus"`
	Path      string `json:"path"`
	Message   string `json:"message"`
	Shape     string `json:"shape"`
	Component string `json:"component"`
}

func (r shaclResult) String() string {
	return fmt.Sprintf("%s %s on %s: %s %s", r.Severity, r.Path, r.Focus, r.Component, r.Message)
}

// shapesFile returns the path of a shapes file, stripped of owl:imports
// (the engine does not fetch imports).
func shapesFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(shapesPath(name))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte("owl:imports")) {
		abs, _ := filepath.Abs(shapesPath(name))
		return abs
	}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "owl:imports"); i >= 0 {
			end := "."
			if strings.HasSuffix(strings.TrimSpace(line), ";") {
				end = ";"
			}
			line = line[:i] + `owl:versionInfo "owl:imports not loaded" ` + end
		}
		out.WriteString(line + "\n")
	}
	return writeTemp(t, name, out.Bytes())
}

// shacl validates a Turtle or N-Triples document against shapes files of
// testdata/dcat/shacl and returns every result.
func shacl(t *testing.T, data []byte, shapes ...string) []shaclResult {
	t.Helper()
	args := []string{"../tools/shacl-check/check.mjs", writeTemp(t, "data.ttl", data)}
	for _, s := range shapes {
		args = append(args, shapesFile(t, s))
	}
	cmd := exec.Command("node", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if code := cmd.ProcessState.ExitCode(); code != 0 && code != 1 {
		t.Fatalf("shacl-check: %v\n%s", err, stderr.String())
	}
	var out []shaclResult
	for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
		if line == "" {
			continue
		}
		var r shaclResult
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("shacl-check output %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// bySeverity splits SHACL results into violations and the rest.
func bySeverity(results []shaclResult) (violations, others []shaclResult) {
	for _, r := range results {
		if r.Severity == "Violation" {
			violations = append(violations, r)
		} else {
			others = append(others, r)
		}
	}
	return violations, others
}

// feed requests a feed route through the whole router (the harness checks
// the response against openapi.yaml) with an Accept header and a token.
func (h *harness) feed(method, path, accept, token string) *response {
	h.t.Helper()
	req := httptest.NewRequest(method, path, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	return h.do(req)
}

// mustFeed GETs a feed and fails the test unless it is a 200.
func (h *harness) mustFeed(path string) []byte {
	h.t.Helper()
	r := h.feed(http.MethodGet, path, "", "")
	if r.Status != http.StatusOK {
		h.t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	return r.Body
}
