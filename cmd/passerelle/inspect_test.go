package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/converters"
)

// inspectInputs are the files `passerelle inspect` is run on: the project's
// own mess files always, the shared fixtures when they are beside the
// checkout.
func inspectInputs(t *testing.T) []string {
	files, _ := filepath.Glob("../../converters/testdata/*.*")
	shared, _ := filepath.Glob("../../../shared/fixtures/tabular/*.*")
	if len(shared) == 0 {
		t.Log("shared fixtures not found beside the checkout: inspecting the project's own test files only")
	}
	return append(files, shared...)
}

// TestInspect runs the inspect verb on every input: a file the converters
// read prints exactly their report (so every fact the converters' fixture
// tests check holds through the command), in JSON and in text; a file they
// refuse fails with their plain sentence.
func TestInspect(t *testing.T) {
	for _, path := range inspectInputs(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			rep, err := converters.Inspect(path, converters.Options{})
			if err != nil {
				ce, ok := converters.AsError(err)
				if !ok {
					t.Fatalf("converters.Inspect: %v", err)
				}
				msg := mustFail(t, "inspect", path)
				plainSentence(t, msg, ce.Msg)
				return
			}
			var want bytes.Buffer
			if err := rep.WriteJSON(&want); err != nil {
				t.Fatal(err)
			}
			got, _ := mustRun(t, "inspect", "--format", "json", path)
			if got != want.String() {
				t.Errorf("inspect --format json differs from the converters' report:\n%s\nwant\n%s", got, want.String())
			}
			var decoded struct {
				Format string `json:"format"`
				Tables []struct {
					Rows int `json:"rows"`
				} `json:"tables"`
			}
			if err := json.Unmarshal([]byte(got), &decoded); err != nil || decoded.Format == "" || len(decoded.Tables) == 0 {
				t.Errorf("JSON report unreadable (%v): %s", err, got)
			}
			text, _ := mustRun(t, "inspect", path)
			if !strings.Contains(text, "Rows:") || !strings.Contains(text, "Header:") {
				t.Errorf("text report lacks header and rows:\n%s", text)
			}
		})
	}
}

func TestInspectRefusals(t *testing.T) {
	dir := t.TempDir()
	pdf := filepath.Join(dir, "budget.csv")
	os.WriteFile(pdf, []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"), 0o644)
	plainSentence(t, mustFail(t, "inspect", pdf), "PDF")
	plainSentence(t, mustFail(t, "inspect", filepath.Join(dir, "absent.csv")), "no such file")
	empty := filepath.Join(dir, "vide.csv")
	os.WriteFile(empty, nil, 0o644)
	mustFail(t, "inspect", empty)
	mustFail(t, "inspect", "--format", "yaml", pdf)
}
