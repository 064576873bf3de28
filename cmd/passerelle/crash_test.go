package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/storage/storagetest"
)

// call runs a CKAN action with a JSON body (GET with a query when body is
// nil) and returns the result, or an error for a transport failure or a
// refusal.
func call(ctx context.Context, base, token, action string, body any) (any, error) {
	var req *http.Request
	var err error
	if q, ok := body.(url.Values); ok {
		req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/3/action/"+action+"?"+q.Encode(), nil)
	} else {
		b, _ := json.Marshal(body)
		req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/3/action/"+action, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
	}
	if err != nil {
		return nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	return doAction(req, action)
}

func doAction(req *http.Request, action string) (any, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		return nil, fmt.Errorf("%s: %d, not JSON: %.200s", action, resp.StatusCode, raw)
	}
	if !env.Success {
		return nil, fmt.Errorf("%s: %d %v", action, resp.StatusCode, env.Error)
	}
	return env.Result, nil
}

// uploadFile sends resource_create with content as a multipart upload,
// paced in chunks so that a kill can land in the middle of the body.
func uploadFile(ctx context.Context, base, token, dataset, filename string, content []byte, pace time.Duration) (map[string]any, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		mw.WriteField("package_id", dataset)
		mw.WriteField("name", filename)
		fw, err := mw.CreateFormFile("upload", filename)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		for rest := content; len(rest) > 0; {
			n := min(len(rest), 256<<10)
			if _, err := fw.Write(rest[:n]); err != nil {
				pw.CloseWithError(err)
				return
			}
			rest = rest[n:]
			select {
			case <-ctx.Done():
				pw.CloseWithError(ctx.Err())
				return
			case <-time.After(pace):
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/3/action/resource_create", pr)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", token)
	res, err := doAction(req, "resource_create")
	if err != nil {
		return nil, err
	}
	m, _ := res.(map[string]any)
	return m, nil
}

// crashCSV returns a CSV of rows rows, different for each tag.
func crashCSV(tag string, rows int) []byte {
	var b bytes.Buffer
	b.WriteString("id;commune;date;montant;actif\n")
	for i := range rows {
		fmt.Fprintf(&b, "%d;%s commune %d;2024-%02d-%02d;%d,%02d;%t\n", i, tag, i%977, i%12+1, i%28+1, i*7%100000, i%100, i%3 == 0)
	}
	return b.Bytes()
}

// acked is an upload the server answered 200 to: it must survive.
type acked struct {
	dataset, resourceID, hash string
	size, rows                int
}

// TestCrashSafety kills the server with SIGKILL during uploads and
// ingestions, restarts it on the same data, and checks that what it shows
// is whole: every answered upload is there, every file downloads with its
// hash, every ingestion ends, and passerelle check finds nothing but young
// leftovers, which --repair removes.
func TestCrashSafety(t *testing.T) {
	bin := builtBinary(t)
	t.Run("sqlite", func(t *testing.T) { crashTest(t, bin, "", "") })
	t.Run("postgres", func(t *testing.T) { crashTest(t, bin, postgresURL(t), "") })
	t.Run("postgres+s3", func(t *testing.T) { crashTest(t, bin, postgresURL(t), storagetest.S3URL(t)) })
}

func crashTest(t *testing.T, bin, dbURL, blobURL string) {
	const (
		token  = "crash-test-sysadmin"
		rounds = 8
		rows   = 60_000 // about 3 MB: an ingestion of a second or so
	)
	start := time.Now()
	dir := t.TempDir()
	env := []string{
		"PASSERELLE_DATA_DIR=" + dir, "PASSERELLE_DATABASE_URL=" + dbURL, "PASSERELLE_BLOB_URL=" + blobURL,
		"PASSERELLE_BOOTSTRAP_TOKEN=" + token, "PASSERELLE_OFFLINE=true",
		// A dead worker's ingestion is taken over after 2 s, not 30.
		"PASSERELLE_JOB_LEASE=2s", "PASSERELLE_WORKERS=2",
		// The test polls and uploads faster than a client is allowed to.
		"PASSERELLE_READ_RATE=0", "PASSERELLE_WRITE_RATE=0",
	}
	rnd := rand.New(rand.NewPCG(9, uint64(len(dbURL))))
	ctx := context.Background()

	p := startProcess(t, bin, env)
	if _, err := call(ctx, p.url, token, "organization_create", map[string]any{"name": "crash"}); err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		done []acked
		n    int
	)
	for round := range rounds {
		// Three clients upload at once, each a new dataset with a file
		// sent in paced chunks; the kill lands after a random delay: in
		// a body, between the answer and the ingestion, or in it.
		rctx, cancel := context.WithCancel(ctx)
		answered := make(chan struct{}, 3)
		var wg sync.WaitGroup
		for c := range 3 {
			n++
			name := fmt.Sprintf("jeu-%d-%d", round, c)
			size := rows/2 + rnd.IntN(rows)
			if round == rounds-1 {
				size *= 3 // ingestions long enough to be caught running
			}
			content := crashCSV(name, size)
			wg.Go(func() {
				if _, err := call(rctx, p.url, token, "package_create", map[string]any{"name": name, "title": name, "owner_org": "crash"}); err != nil {
					return
				}
				r, err := uploadFile(rctx, p.url, token, name, name+".csv", content, 20*time.Millisecond)
				if err != nil {
					return
				}
				sum := sha256.Sum256(content)
				mu.Lock()
				done = append(done, acked{dataset: name, resourceID: r["id"].(string), hash: hex.EncodeToString(sum[:]), size: len(content), rows: bytes.Count(content, []byte("\n")) - 1})
				mu.Unlock()
				answered <- struct{}{}
			})
		}
		switch round {
		case 0: // right after an answer, before its ingestion got far
			select {
			case <-answered:
			case <-time.After(30 * time.Second):
				t.Fatal("no upload answered within 30s")
			}
		case rounds - 1: // while an ingestion runs, for sure
			waitFor(t, 30*time.Second, func() bool { return runningJob(ctx, p.url, token) })
			time.Sleep(time.Duration(rnd.IntN(300)) * time.Millisecond)
		default:
			time.Sleep(time.Duration(100+rnd.IntN(2500)) * time.Millisecond)
		}
		p.kill()
		cancel()
		wg.Wait()
		p = startProcess(t, bin, env)
		// Whatever was answered before the kill is there, whole, at once.
		verifyCatalogue(t, p.url, token, done, false)
	}
	t.Logf("%d uploads started, %d answered before a kill", n, len(done))

	// Interrupted ingestions are taken over once their lease runs out.
	waitFor(t, 60*time.Second, func() bool { return !pendingJobs(t, p.url, token) })
	verifyCatalogue(t, p.url, token, done, true)
	p.term(t)

	check := func(args ...string) (string, error) {
		cmd := exec.Command(bin, append([]string{"check"}, args...)...)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	// Crash leftovers are all younger than the default grace period.
	if out, err := check(); err != nil || !strings.Contains(out, "No problem found.") {
		t.Errorf("passerelle check: %v\n%s", err, out)
	}
	out, err := check("--grace", "0", "--repair")
	if err != nil {
		t.Errorf("passerelle check --grace 0 --repair: %v\n%s", err, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "- ") && !strings.Contains(line, "is used by no resource") && !strings.Contains(line, "interrupted upload") && !strings.Contains(line, "unfinished write") {
			t.Errorf("check found more than crash leftovers: %s", line)
		}
	}
	t.Logf("check --repair after the crashes:\n%s", out)
	if out, err := check("--grace", "0"); err != nil || !strings.Contains(out, "No problem found.") {
		t.Errorf("passerelle check after repair: %v\n%s", err, out)
	}
	// The repair removed nothing in use.
	p = startProcess(t, bin, env)
	verifyCatalogue(t, p.url, token, done, true)
	p.term(t)
	t.Logf("%s: %s", t.Name(), time.Since(start).Round(time.Millisecond))
}

// waitFor polls cond until it holds or fails the test after limit.
func waitFor(t *testing.T, limit time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(limit); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", limit)
		}
	}
}

// runningJob tells whether some resource's ingestion is running.
func runningJob(ctx context.Context, base, token string) bool {
	for _, d := range showAll(ctx, base, token) {
		for _, r := range d["resources"].([]any) {
			if in, ok := r.(map[string]any)["ingest"].(map[string]any); ok && in["state"] == "running" {
				return true
			}
		}
	}
	return false
}

// pendingJobs tells whether an ingestion is still queued or running.
func pendingJobs(t *testing.T, base, token string) bool {
	for _, d := range showAll(context.Background(), base, token) {
		for _, r := range d["resources"].([]any) {
			if in, ok := r.(map[string]any)["ingest"].(map[string]any); ok && (in["state"] == "pending" || in["state"] == "running") {
				return true
			}
		}
	}
	return false
}

// showAll returns package_show of every dataset package_list names.
func showAll(ctx context.Context, base, token string) []map[string]any {
	list, err := call(ctx, base, token, "package_list", url.Values{})
	if err != nil {
		return nil
	}
	var out []map[string]any
	for _, name := range list.([]any) {
		d, err := call(ctx, base, token, "package_show", url.Values{"id": {name.(string)}})
		if err == nil {
			out = append(out, d.(map[string]any))
		}
	}
	return out
}

// verifyCatalogue checks that every answered upload is listed, searchable
// and downloads whole, and that every file any resource points to
// downloads with its recorded hash and size. With ingested, every
// ingestion must be over, and the datastore must hold the rows.
func verifyCatalogue(t *testing.T, base, token string, done []acked, ingested bool) {
	t.Helper()
	ctx := context.Background()
	list, err := call(ctx, base, token, "package_list", url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for _, n := range list.([]any) {
		names[n.(string)] = true
	}
	search, err := call(ctx, base, token, "package_search", url.Values{"rows": {"1000"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := search.(map[string]any)["count"].(float64); int(c) != len(names) {
		t.Errorf("package_search counts %v datasets, package_list names %d", c, len(names))
	}
	want := map[string]acked{}
	for _, a := range done {
		want[a.resourceID] = a
		if !names[a.dataset] {
			t.Errorf("dataset %s, whose upload was answered, is not listed", a.dataset)
		}
	}
	for name := range names {
		res, err := call(ctx, base, token, "package_show", url.Values{"id": {name}})
		if err != nil {
			t.Errorf("package_show %s: %v", name, err)
			continue
		}
		for _, x := range res.(map[string]any)["resources"].([]any) {
			r := x.(map[string]any)
			id := r["id"].(string)
			if a, ok := want[id]; ok && (r["hash"] != a.hash || r["size"] != float64(a.size)) {
				t.Errorf("resource %s: hash %v size %v, uploaded %s %d", id, r["hash"], r["size"], a.hash, a.size)
			}
			if r["url_type"] == "upload" {
				checkDownload(t, base, r)
			}
			in, _ := r["ingest"].(map[string]any)
			if !ingested || in == nil {
				continue
			}
			switch in["state"] {
			case "complete":
				if a, ok := want[id]; ok && (r["datastore_active"] != true || in["rows"] != float64(a.rows)) {
					t.Errorf("resource %s ingested: datastore_active %v, %v rows, want %d", id, r["datastore_active"], in["rows"], a.rows)
				}
				if r["datastore_active"] == true {
					ds, err := call(ctx, base, token, "datastore_search", map[string]any{"resource_id": id, "limit": 1})
					if err != nil {
						t.Errorf("datastore_search %s: %v", id, err)
					} else if total := ds.(map[string]any)["total"]; total != in["rows"] {
						t.Errorf("datastore_search %s: total %v, ingested %v rows", id, total, in["rows"])
					}
				}
			case "error":
				// Killed three times in the middle of the same file: given
				// up, and said so.
				if !strings.Contains(fmt.Sprint(in["error"]), "interrupted") {
					t.Errorf("resource %s: ingestion failed: %v", id, in["error"])
				}
			default:
				t.Errorf("resource %s: ingestion still %v", id, in["state"])
			}
		}
	}
}

// checkDownload fetches a resource's file from base and compares it with
// the resource's hash and size.
func checkDownload(t *testing.T, base string, r map[string]any) {
	t.Helper()
	u, err := url.Parse(r["url"].(string))
	if err != nil {
		t.Errorf("resource %v: url %v", r["id"], r["url"])
		return
	}
	resp, err := http.Get(base + u.EscapedPath())
	if err != nil {
		t.Errorf("download %s: %v", u.Path, err)
		return
	}
	defer resp.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = errors.New(resp.Status)
	}
	if err != nil {
		t.Errorf("download of resource %v: %v", r["id"], err)
		return
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != r["hash"] || float64(n) != r["size"] {
		t.Errorf("resource %v downloads %d bytes with SHA-256 %s; it records %v bytes, %v", r["id"], n, got, r["size"], r["hash"])
	}
}
