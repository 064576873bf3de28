package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/storage/storagetest"
)

// TestBackupRestore backs up a data directory while uploads go on,
// restores it elsewhere and checks that the restored server serves the
// same catalogue, files and datastore.
func TestBackupRestore(t *testing.T) {
	noRateLimits(t)
	const token = "backup-sysadmin"
	ctx := context.Background()
	dir, backup := t.TempDir(), filepath.Join(t.TempDir(), "sauvegarde")
	s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--bootstrap-token", token, "--offline")
	s.mustAction("organization_create", token, map[string]any{"name": "ville"})
	upload := func(name string, rows int) (acked, error) {
		if _, err := call(ctx, s.URL, token, "package_create", map[string]any{"name": name, "title": name, "owner_org": "ville"}); err != nil {
			return acked{}, err
		}
		content := crashCSV(name, rows)
		r, err := uploadFile(ctx, s.URL, token, name, name+".csv", content, 0)
		if err != nil {
			return acked{}, err
		}
		sum := sha256.Sum256(content)
		return acked{dataset: name, resourceID: r["id"].(string), hash: hex.EncodeToString(sum[:]), size: len(content), rows: rows}, nil
	}
	base, err := upload("budget", 2000)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, func() bool { return !pendingJobs(t, s.URL, token) })
	before, err := call(ctx, s.URL, token, "package_show", url.Values{"id": {"budget"}})
	if err != nil {
		t.Fatal(err)
	}

	// Uploads and ingestions go on during the backup.
	var (
		mu              sync.Mutex
		answered, later []acked // answered before the backup began; begun after it ended
		phase           int     // 0 before the backup, 1 during, 2 after
	)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			mu.Lock()
			began := phase
			mu.Unlock()
			a, err := upload(fmt.Sprintf("jeu-%d", i), 3000)
			if err != nil {
				t.Errorf("upload during the backup: %v", err)
				return
			}
			mu.Lock()
			if phase == 0 {
				answered = append(answered, a)
			}
			if began == 2 {
				later = append(later, a)
			}
			mu.Unlock()
		}
	})
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	phase = 1
	mu.Unlock()
	out, _ := mustRun(t, "backup", backup, "--data-dir", dir)
	mu.Lock()
	phase = 2
	mu.Unlock()
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	if !strings.Contains(out, "Backed up") {
		t.Errorf("backup said %q", out)
	}
	t.Logf("%s(%d uploads answered before it, %d begun after it)", out, len(answered), len(later))
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}

	// A backup goes into an empty directory only.
	if msg := mustFail(t, "backup", backup, "--data-dir", dir); !strings.Contains(msg, "is not empty") {
		t.Errorf("backup into a used directory: %s", msg)
	}

	restored := t.TempDir()
	out, _ = mustRun(t, "restore", backup, "--data-dir", restored)
	if !strings.Contains(out, "Restored") || !strings.Contains(out, "No problem found.") {
		t.Errorf("restore said %q", out)
	}
	s2 := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", restored, "--bootstrap-token", token, "--offline")
	// Ingestions queued at the time of the backup run after the restore.
	waitFor(t, 60*time.Second, func() bool { return !pendingJobs(t, s2.URL, token) })
	// What was answered before the backup began is there, whole; what
	// began after it ended is not.
	verifyCatalogue(t, s2.URL, token, append(answered, base), true)
	for _, a := range later {
		if _, err := call(ctx, s2.URL, token, "package_show", url.Values{"id": {a.dataset}}); err == nil {
			t.Errorf("dataset %s, created after the backup, is in it", a.dataset)
		}
	}
	after, err := call(ctx, s2.URL, token, "package_show", url.Values{"id": {"budget"}})
	if err != nil {
		t.Fatal(err)
	}
	if a, b := withoutHost(t, before), withoutHost(t, after); a != b {
		t.Errorf("package_show after restore:\n%s\nbefore:\n%s", b, a)
	}
	if err := s2.stop(); err != nil {
		t.Fatal(err)
	}

	// Restore refuses a data directory in use unless forced.
	if msg := mustFail(t, "restore", backup, "--data-dir", restored); !strings.Contains(msg, "--force") {
		t.Errorf("restore into a used directory: %s", msg)
	}
	if out, _, err := runCLI(t, "restore", backup, "--data-dir", restored, "--force"); err != nil || !strings.Contains(out, "No problem found.") {
		t.Errorf("restore --force: %v\n%s", err, out)
	}

	// A damaged file is found before anything is written.
	var victim string
	filepath.WalkDir(filepath.Join(backup, "blobs"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && victim == "" {
			victim = p
		}
		return nil
	})
	if err := os.WriteFile(victim, []byte("abîmé"), 0o640); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	if msg := mustFail(t, "restore", backup, "--data-dir", empty); !strings.Contains(msg, "is damaged") {
		t.Errorf("restore of a damaged backup: %s", msg)
	}
	if entries, _ := os.ReadDir(empty); len(entries) > 0 {
		t.Errorf("a refused restore wrote %d entries", len(entries))
	}
}

// withoutHost returns v as JSON with the server's address taken out of
// URLs, which changes between runs.
func withoutHost(t *testing.T, v any) string {
	t.Helper()
	d := v.(map[string]any)
	var b strings.Builder
	for _, x := range d["resources"].([]any) {
		r := x.(map[string]any)
		u, _ := url.Parse(fmt.Sprint(r["url"]))
		fmt.Fprintf(&b, "%v %v %s %v %v %v %v\n", r["id"], r["name"], u.Path, r["hash"], r["size"], r["datastore_active"], r["format"])
	}
	fmt.Fprintf(&b, "%v %v %v %v\n", d["id"], d["name"], d["title"], d["metadata_modified"])
	return b.String()
}

// TestBackupPostgres refuses, pointing to pg_dump.
func TestBackupPostgres(t *testing.T) {
	dbURL := postgresURL(t)
	msg := mustFail(t, "backup", filepath.Join(t.TempDir(), "b"), "--database-url", dbURL, "--data-dir", t.TempDir())
	if !strings.Contains(msg, "pg_dump") {
		t.Errorf("backup of a PostgreSQL catalogue: %s", msg)
	}
}

// TestBackupS3 backs up a SQLite catalogue whose files are in S3: the
// files are copied into the backup, and restored here into the data
// directory.
func TestBackupS3(t *testing.T) {
	noRateLimits(t)
	const token = "backup-sysadmin"
	blobURL := storagetest.S3URL(t)
	ctx := context.Background()
	dir, backup, restored := t.TempDir(), filepath.Join(t.TempDir(), "sauvegarde"), t.TempDir()
	s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--blob-url", blobURL, "--bootstrap-token", token, "--offline")
	s.mustAction("organization_create", token, map[string]any{"name": "ville"})
	s.mustAction("package_create", token, map[string]any{"name": "budget", "title": "Budget", "owner_org": "ville"})
	content := crashCSV("budget", 1500)
	r, err := uploadFile(ctx, s.URL, token, "budget", "budget.csv", content, 0)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, func() bool { return !pendingJobs(t, s.URL, token) })
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	if out, _ := mustRun(t, "backup", backup, "--data-dir", dir, "--blob-url", blobURL); !strings.Contains(out, "2 files") {
		t.Errorf("backup said %q", out) // the upload and its normalised CSV
	}
	if out, _ := mustRun(t, "restore", backup, "--data-dir", restored); !strings.Contains(out, "No problem found.") {
		t.Errorf("restore said %q", out)
	}
	s2 := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", restored, "--bootstrap-token", token, "--offline")
	sum := sha256.Sum256(content)
	verifyCatalogue(t, s2.URL, token, []acked{{dataset: "budget", resourceID: r["id"].(string), hash: hex.EncodeToString(sum[:]), size: len(content), rows: 1500}}, true)
}

// noRateLimits lets the test's client poll and upload as fast as it likes.
func noRateLimits(t *testing.T) {
	t.Setenv("PASSERELLE_READ_RATE", "0")
	t.Setenv("PASSERELLE_WRITE_RATE", "0")
}
