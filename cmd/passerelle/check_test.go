package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCheckCommand runs passerelle check on a data directory with a
// leftover of an interrupted upload: spared while young, reported (exit
// status 1) once old, removed by --repair.
func TestCheckCommand(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "org", "create", "ville", "--data-dir", dir)
	if out, _ := mustRun(t, "check", "--data-dir", dir); !strings.Contains(out, "No problem found.") {
		t.Errorf("check of a new data directory: %q", out)
	}
	tmp := filepath.Join(dir, "tmp", "passerelle-upload-42")
	if err := os.MkdirAll(filepath.Dir(tmp), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, []byte("la moitié d'un fichier"), 0o640); err != nil {
		t.Fatal(err)
	}
	out, _ := mustRun(t, "check", "--data-dir", dir)
	if !strings.Contains(out, "Left alone 1 leftover younger than 1h0m0s") {
		t.Errorf("check with a young leftover: %q", out)
	}
	old := time.Now().Add(-2 * time.Hour)
	if err := os.Chtimes(tmp, old, old); err != nil {
		t.Fatal(err)
	}
	stdout, _, err := runCLI(t, "check", "--data-dir", dir)
	if err == nil || describe(err) != "1 problem found: run passerelle check --repair to fix what can be fixed" || !strings.Contains(stdout, "Temporary file "+tmp) {
		t.Errorf("check with an old leftover: %v\n%s", err, stdout)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Errorf("check without --repair removed the file: %v", err)
	}
	if out, _ := mustRun(t, "check", "--data-dir", dir, "--repair"); !strings.Contains(out, "Removed it.") || !strings.Contains(out, "Repaired 1 problem.") {
		t.Errorf("check --repair: %q", out)
	}
	if _, err := os.Stat(tmp); !os.IsNotExist(err) {
		t.Errorf("after --repair: %v", err)
	}
	if out, _ := mustRun(t, "check", "--data-dir", dir); !strings.Contains(out, "No problem found.") {
		t.Errorf("check after repair: %q", out)
	}
}
