package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/storage/storagetest"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// TestMultiInstance runs two `passerelle serve` processes on one
// PostgreSQL catalogue and one S3 bucket, as behind a load balancer (SPEC
// §9): what one instance receives, the other serves; concurrent ingestions
// each run exactly once; and when the instance running an ingestion is
// killed, the other takes the job over once its lease has expired and
// finishes it, the dataset never showing half a table meanwhile.
//
// It needs PASSERELLE_TEST_DATABASE_URL and PASSERELLE_TEST_BLOB_URL (as
// scripts/test sets them) and skips without them, except under CI=true.
func TestMultiInstance(t *testing.T) {
	dbURL := postgresURL(t)
	blobURL := storagetest.S3URL(t)
	bin := builtBinary(t)
	db := openJobsDB(t, dbURL)

	const token = "multi-instance-bootstrap"
	env := []string{
		"PASSERELLE_DATABASE_URL=" + dbURL,
		"PASSERELLE_BLOB_URL=" + blobURL,
		"PASSERELLE_BOOTSTRAP_TOKEN=" + token,
		"PASSERELLE_ADDR=127.0.0.1:0",
		// A short lease, so that a dead instance's job is taken over in
		// seconds rather than the default 30.
		"PASSERELLE_JOB_LEASE=3s",
		"PASSERELLE_WORKERS=2",
		"PASSERELLE_OFFLINE=true",
		// The test creates datasets and polls faster than a client may.
		"PASSERELLE_READ_RATE=0",
		"PASSERELLE_WRITE_RATE=0",
	}
	// Started together: the migrations of the first wait for none, the
	// second's wait on PostgreSQL's advisory lock.
	insts := startInstances(t, bin, env, "A", "B")
	a, b := insts[0], insts[1]

	a.mustCall("organization_create", token, map[string]any{"name": "metropole"})

	t.Run("upload through A, served by B", func(t *testing.T) {
		a.t, b.t = t, t
		content := []byte("code_insee;commune;population\n13004;Arles;52000\n30189;Nîmes;148000\n34172;Montpellier;302000\n")
		a.mustCall("package_create", token, map[string]any{"name": "communes", "owner_org": "metropole"})
		res := a.upload(token, map[string]string{"package_id": "communes", "name": "Communes"}, "communes.csv", content)
		id := res["id"].(string)
		r := b.waitIngested(id, 2*time.Minute)
		if in := r["ingest"].(map[string]any); in["state"] != "complete" || r["datastore_active"] != true {
			t.Fatalf("ingestion seen through B: %v", in)
		}
		d := b.mustCall("package_show", "", map[string]any{"id": "communes"})
		var original map[string]any
		for _, x := range d["resources"].([]any) {
			if x := x.(map[string]any); x["id"] == id {
				original = x
			}
		}
		if original == nil {
			t.Fatalf("package_show through B lacks resource %s: %v", id, d["resources"])
		}
		if got := b.download(original["url"].(string)); !bytes.Equal(got, content) {
			t.Errorf("download through B: %q, want the uploaded bytes %q", got, content)
		}
		s := b.mustCall("datastore_search", "", map[string]any{"resource_id": id, "q": "Nîmes"})
		records, _ := s["records"].([]any)
		if len(records) != 1 || records[0].(map[string]any)["commune"] != "Nîmes" {
			t.Errorf("datastore_search through B for Nîmes: %v", s["records"])
		}
		if s := b.mustCall("datastore_search", "", map[string]any{"resource_id": id}); s["total"] != float64(3) {
			t.Errorf("datastore_search through B: total %v, want 3", s["total"])
		}
	})

	t.Run("concurrent uploads ingested once each", func(t *testing.T) {
		a.t, b.t = t, t
		const n = 12
		for i := range n {
			a.mustCall("package_create", token, map[string]any{"name": fmt.Sprintf("lot-%02d", i), "owner_org": "metropole"})
		}
		ids := make([]string, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				var csv strings.Builder
				csv.WriteString("numero;libelle;montant\n")
				for j := range 1000 + i*500 {
					fmt.Fprintf(&csv, "%d;Ligne %d du lot %d;%d,%02d\n", j, j, i, j*7, j%100)
				}
				via := insts[i%2] // both instances receive uploads
				ids[i], errs[i] = via.tryUpload(token, map[string]string{"package_id": fmt.Sprintf("lot-%02d", i)}, fmt.Sprintf("lot-%02d.csv", i), []byte(csv.String()))
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("upload %d: %v", i, err)
			}
		}
		for i, id := range ids {
			r := insts[(i+1)%2].waitIngested(id, 3*time.Minute) // asked of the other instance
			if in := r["ingest"].(map[string]any); in["state"] != "complete" || r["datastore_active"] != true {
				t.Errorf("upload %d: %v", i, in)
				continue
			}
			s := insts[i%2].mustCall("datastore_search", "", map[string]any{"resource_id": id, "limit": 1})
			if s["total"] != float64(1000+i*500) {
				t.Errorf("upload %d: datastore total %v, want %d", i, s["total"], 1000+i*500)
			}
		}
		// One job per upload, started once, and one "ingested" record for
		// it among both instances' logs (written just after the job is
		// marked complete, so waited for).
		jobs := db.jobs(ids)
		var done, byInst map[string]int // by job, by instance
		for wait := time.Now().Add(10 * time.Second); ; {
			done, byInst = map[string]int{}, map[string]int{}
			for _, inst := range insts {
				for _, l := range parseLog(inst.logs.String()) {
					if id, _ := l["job_id"].(string); l["msg"] == "ingested" {
						done[id]++
						byInst[inst.name]++
					}
				}
			}
			logged := 0
			for _, js := range jobs {
				for _, j := range js {
					logged += min(done[j.ID], 1)
				}
			}
			if logged == n || time.Now().After(wait) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		for i, id := range ids {
			js := jobs[id]
			if len(js) != 1 {
				t.Errorf("upload %d: %d jobs, want 1: %+v", i, len(js), js)
				continue
			}
			if j := js[0]; j.State != "complete" || j.Attempts != 1 || done[j.ID] != 1 {
				t.Errorf("upload %d: job %s %s after %d attempts, logged as ingested %d times; want complete, 1, 1", i, j.ID, j.State, j.Attempts, done[j.ID])
			}
		}
		t.Logf("ingestions run by A: %d, by B: %d", byInst["A"], byInst["B"])
	})

	t.Run("instance killed mid-ingest", func(t *testing.T) {
		a.t, b.t = t, t
		const rows = 600_000
		var csv bytes.Buffer
		csv.WriteString("id;code_insee;commune;montant;date\n")
		for i := 1; i <= rows; i++ {
			fmt.Fprintf(&csv, "%d;%05d;Commune %d;%d,%02d;%02d/%02d/20%02d\n", i, i%99999, i%1000, i%50000, i%100, 1+i%28, 1+i%12, i%25)
		}
		a.mustCall("package_create", token, map[string]any{"name": "gros-fichier", "owner_org": "metropole"})
		id := a.upload(token, map[string]string{"package_id": "gros-fichier"}, "gros.csv", csv.Bytes())["id"].(string)

		// Kill whichever instance holds the job once rows are loading:
		// its worker name carries its process id.
		var victim, survivor *instance
		var atKill jobRecord
		deadline := time.Now().Add(2 * time.Minute)
		for victim == nil {
			j := db.job(id)
			if j.State == "complete" || j.State == "error" {
				t.Fatalf("the ingestion ended (%s) before an instance could be killed: make the file larger", j.State)
			}
			if j.State == "running" && j.RowCount > 0 {
				pid := workerPID(j.Worker)
				for i, inst := range insts {
					if inst.cmd.Process.Pid == pid {
						victim, survivor, atKill = inst, insts[1-i], j
					}
				}
				if victim == nil {
					t.Fatalf("job held by %q, neither A (%d) nor B (%d)", j.Worker, a.cmd.Process.Pid, b.cmd.Process.Pid)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the ingestion did not start loading: %+v", j)
			}
			time.Sleep(20 * time.Millisecond)
		}
		victim.kill()
		killed := time.Now()
		t.Logf("killed %s (SIGKILL) with %d rows of %d read", victim.name, atKill.RowCount, rows)

		// Until the survivor publishes it, the table is not there; it is
		// never seen with part of its rows.
		var r map[string]any
		deadline = time.Now().Add(3 * time.Minute)
		for {
			r = survivor.resource(id)
			in := r["ingest"].(map[string]any)
			if in["state"] == "complete" || in["state"] == "error" {
				break
			}
			if _, env := survivor.call("datastore_search", "", map[string]any{"resource_id": id, "limit": 1}); env.Success {
				if total := env.Result.(map[string]any)["total"]; total != float64(rows) {
					t.Fatalf("datastore_search shows %v rows of %d while the ingestion is %s", total, rows, in["state"])
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("the job was not taken over: %v", in)
			}
			time.Sleep(200 * time.Millisecond)
		}
		t.Logf("%s ended the ingestion %.1fs after the kill (lease 3s)", survivor.name, time.Since(killed).Seconds())
		in := r["ingest"].(map[string]any)
		if in["state"] != "complete" || in["rows"] != float64(rows) || r["datastore_active"] != true {
			t.Fatalf("after %s was killed, %s ended the ingestion with %v", victim.name, survivor.name, in)
		}
		if s := survivor.mustCall("datastore_search", "", map[string]any{"resource_id": id, "limit": 1}); s["total"] != float64(rows) {
			t.Errorf("datastore total %v, want %d", s["total"], rows)
		}
		if j := db.job(id); j.Attempts != 2 {
			t.Errorf("job %s: %d attempts, want 2 (the killed one, then the survivor's)", j.ID, j.Attempts)
		}
		if n := db.unfinished(); n != 0 {
			t.Errorf("%d jobs still pending or running", n)
		}
		// The killed attempt's table died with its transaction: every
		// datastore table is registered and used by a resource.
		if tables, registered, used := db.datastoreTables(); tables != registered || registered != used {
			t.Errorf("datastore: %d tables, %d registered, %d used by resources", tables, registered, used)
		}
		if got := survivor.download(r["url"].(string)); !bytes.Equal(got, csv.Bytes()) {
			t.Errorf("download through %s: %d bytes, want the %d uploaded", survivor.name, len(got), csv.Len())
		}
	})
}

// instance is a `passerelle serve` process of the multi-instance test.
type instance struct {
	*serveProcess
	t    *testing.T
	name string
}

// startInstances starts one process per name, all at once, each with its
// own data directory (temporary files only) and the environment env, and
// waits until each listens.
func startInstances(t *testing.T, bin string, env []string, names ...string) []*instance {
	t.Helper()
	var insts []*instance
	for _, name := range names {
		inst := &instance{serveProcess: launchProcess(t, bin, env, "--data-dir", t.TempDir()), t: t, name: name}
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("log of %s:\n%s", name, inst.logs)
			}
		})
		insts = append(insts, inst)
	}
	for _, inst := range insts {
		inst.waitListening(t)
	}
	return insts
}

// call POSTs a CKAN action with a JSON body.
func (p *instance) call(action, token string, body any) (int, envelope) {
	p.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, p.url+"/api/3/action/"+action, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	return p.do(req)
}

func (p *instance) do(req *http.Request) (int, envelope) {
	p.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v", p.name, req.URL.Path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		p.t.Fatalf("%s %s: %d, not JSON: %s", p.name, req.URL.Path, resp.StatusCode, raw)
	}
	return resp.StatusCode, env
}

func (p *instance) mustCall(action, token string, body any) map[string]any {
	p.t.Helper()
	status, env := p.call(action, token, body)
	if status != http.StatusOK || !env.Success {
		p.t.Fatalf("%s %s: %d %v", p.name, action, status, env.Error)
	}
	m, _ := env.Result.(map[string]any)
	return m
}

// uploadRequest is resource_create as ckanapi sends a file:
// multipart/form-data, the string fields first, the file in "upload".
func (p *instance) uploadRequest(token string, fields map[string]string, filename string, content []byte) *http.Request {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, _ := mw.CreateFormFile("upload", filename)
	fw.Write(content)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, p.url+"/api/3/action/resource_create", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", token)
	return req
}

func (p *instance) upload(token string, fields map[string]string, filename string, content []byte) map[string]any {
	p.t.Helper()
	status, env := p.do(p.uploadRequest(token, fields, filename, content))
	if status != http.StatusOK || !env.Success {
		p.t.Fatalf("%s resource_create: %d %v", p.name, status, env.Error)
	}
	return env.Result.(map[string]any)
}

// tryUpload is upload for other goroutines than the test's: it returns
// the new resource's id or an error.
func (p *instance) tryUpload(token string, fields map[string]string, filename string, content []byte) (string, error) {
	resp, err := http.DefaultClient.Do(p.uploadRequest(token, fields, filename, content))
	if err != nil {
		return "", fmt.Errorf("%s: %w", p.name, err)
	}
	defer resp.Body.Close()
	var env envelope
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil || !env.Success {
		return "", fmt.Errorf("%s: %d %v %v", p.name, resp.StatusCode, err, env.Error)
	}
	id, _ := env.Result.(map[string]any)["id"].(string)
	return id, nil
}

func (p *instance) resource(id string) map[string]any {
	p.t.Helper()
	return p.mustCall("resource_show", "", map[string]any{"id": id})
}

// waitIngested polls resource_show until the resource's ingestion ends.
func (p *instance) waitIngested(id string, within time.Duration) map[string]any {
	p.t.Helper()
	deadline := time.Now().Add(within)
	for {
		r := p.resource(id)
		in, _ := r["ingest"].(map[string]any)
		if in["state"] == "complete" || in["state"] == "error" || in["state"] == "skipped" {
			return r
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("resource %s not ingested within %s: %v", id, within, in)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// download GETs a resource's download URL from this instance (the URL's
// host is the instance that rendered it).
func (p *instance) download(rawURL string) []byte {
	p.t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		p.t.Fatalf("resource URL %q: %v", rawURL, err)
	}
	resp, err := http.Get(p.url + u.EscapedPath())
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("%s GET %s: %d %s", p.name, u.Path, resp.StatusCode, b)
	}
	return b
}

// workerPID is the process id in a worker name (host/pid/random/n).
func workerPID(worker string) int {
	parts := strings.Split(worker, "/")
	if len(parts) < 4 {
		return 0
	}
	pid, _ := strconv.Atoi(parts[len(parts)-3])
	return pid
}

// jobsDB reads the ingestion queue directly: attempts and worker names are
// not part of the API.
type jobsDB struct {
	t  *testing.T
	db *gorm.DB
}

type jobRecord struct {
	ID, ResourceID, State, Worker string
	Attempts                      int
	RowCount                      int64
}

func openJobsDB(t *testing.T, dbURL string) *jobsDB {
	t.Helper()
	db, err := gorm.Open(postgres.Open(dbURL), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	sqlDB, _ := db.DB()
	t.Cleanup(func() { sqlDB.Close() })
	return &jobsDB{t: t, db: db}
}

func (d *jobsDB) jobs(resourceIDs []string) map[string][]jobRecord {
	d.t.Helper()
	var rows []jobRecord
	err := d.db.Raw(`SELECT id, resource_id, state, worker, attempts, row_count FROM ingest_jobs WHERE resource_id IN ?`, resourceIDs).Scan(&rows).Error
	if err != nil {
		d.t.Fatalf("read ingest_jobs: %v", err)
	}
	out := map[string][]jobRecord{}
	for _, r := range rows {
		out[r.ResourceID] = append(out[r.ResourceID], r)
	}
	return out
}

// job is the one job of a resource.
func (d *jobsDB) job(resourceID string) jobRecord {
	d.t.Helper()
	js := d.jobs([]string{resourceID})[resourceID]
	if len(js) != 1 {
		d.t.Fatalf("resource %s has %d ingestion jobs, want 1: %+v", resourceID, len(js), js)
	}
	return js[0]
}

func (d *jobsDB) unfinished() int64 {
	d.t.Helper()
	var n int64
	if err := d.db.Raw(`SELECT count(*) FROM ingest_jobs WHERE state IN ('pending', 'running')`).Scan(&n).Error; err != nil {
		d.t.Fatalf("count unfinished jobs: %v", err)
	}
	return n
}

// datastoreTables counts the datastore's tables in the catalogue's schema,
// those registered in datastore_tables, and those resources point to.
func (d *jobsDB) datastoreTables() (tables, registered, used int64) {
	d.t.Helper()
	err := d.db.Raw(`SELECT
		(SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 't\_%'),
		(SELECT count(*) FROM datastore_tables),
		(SELECT count(DISTINCT datastore_table) FROM resources WHERE datastore_table <> '')`).Row().Scan(&tables, &registered, &used)
	if err != nil {
		d.t.Fatalf("count datastore tables: %v", err)
	}
	return tables, registered, used
}
