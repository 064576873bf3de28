// Command load drives the bounded load test of bench/load.sh (issue 9):
// it uploads files through the CKAN API while wrk reads, then checks that
// every upload it made is present, ingested and byte-identical.
//
//	load org     -url U -token T -name N            create the organisation
//	load table   -url U -token T -org O -rows R     upload one table, wait for it, print its resource id
//	load upload  -url U -token T -org O -c C -duration D -rows R -out FILE
//	load verify  -url U -in FILE -wait 5m
//
// Figures are printed as "key<TAB>value<TAB>unit" lines, as bench/catalog does.
package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: load org|table|upload|verify [flags]")
		os.Exit(2)
	}
	cmds := map[string]func([]string) error{"org": org, "table": table, "upload": upload, "verify": verify}
	run, ok := cmds[os.Args[1]]
	if !ok {
		fmt.Fprintf(os.Stderr, "load: unknown command %q\n", os.Args[1])
		os.Exit(2)
	}
	if err := run(os.Args[2:]); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

func figure(key string, value float64, unit string) {
	fmt.Printf("%s\t%.6g\t%s\n", key, value, unit)
}

// client talks to one server with one token.
type client struct {
	base  string
	token string
	http  *http.Client
}

func newClient(base, token string) *client {
	return &client{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{Timeout: 5 * time.Minute}}
}

// call posts an action and returns its result, or the envelope's error.
func (c *client) call(action, contentType string, body io.Reader) (json.RawMessage, error) {
	req, err := http.NewRequest(http.MethodPost, c.base+"/api/3/action/"+action, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	if c.token != "" {
		req.Header.Set("Authorization", c.token)
	}
	return c.do(action, req)
}

func (c *client) get(action string, q url.Values) (json.RawMessage, error) {
	req, err := http.NewRequest(http.MethodGet, c.base+"/api/3/action/"+action+"?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	return c.do(action, req)
}

func (c *client) do(action string, req *http.Request) (json.RawMessage, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", action, err)
	}
	defer resp.Body.Close()
	var env struct {
		Success bool            `json:"success"`
		Result  json.RawMessage `json:"result"`
		Error   json.RawMessage `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		return nil, fmt.Errorf("%s: HTTP %d, unreadable answer: %w", action, resp.StatusCode, err)
	}
	if !env.Success {
		return nil, fmt.Errorf("%s: HTTP %d: %s", action, resp.StatusCode, env.Error)
	}
	return env.Result, nil
}

func (c *client) postJSON(action string, v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return c.call(action, "application/json", bytes.NewReader(b))
}

// table writes a CSV of rows rows whose content depends on seed, so that
// every upload is a different file (uploads are content-addressed).
func tableCSV(seed, rows int) []byte {
	communes := []string{"Saint-Étienne", "L'Haÿ-les-Roses", "Ajaccio", "Bourg-en-Bresse", "Châlons-en-Champagne"}
	codes := []string{"42218", "94038", "2A004", "01053", "51108"}
	var b bytes.Buffer
	b.WriteString("id;code_insee;commune;date_decision;montant;beneficiaire\n")
	for i := 1; i <= rows; i++ {
		k := (seed*7919 + i) % len(communes)
		fmt.Fprintf(&b, "%d;%s;%s;%02d/%02d/20%02d;%d,%02d;\"Association n°%d-%d\"\n",
			i, codes[k], communes[k], 1+i%28, 1+i%12, 15+i%10, 50+(seed*31+i*17)%250000, i%100, seed, i)
	}
	return b.Bytes()
}

// uploaded is one file sent by upload, as verify reads it back.
type uploaded struct {
	Dataset, Resource, SHA256 string
	Size, Rows                int
}

// send creates a dataset and uploads one file into it.
func (c *client) send(org, name string, content []byte, rows int) (uploaded, error) {
	if _, err := c.postJSON("package_create", map[string]any{
		"name": name, "title": "Charge " + name, "owner_org": org, "license_id": "lov2",
		"notes": "Jeu créé par le test de charge.",
	}); err != nil {
		return uploaded{}, err
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("package_id", name)
	mw.WriteField("name", "Subventions")
	fw, err := mw.CreateFormFile("upload", "subventions.csv")
	if err != nil {
		return uploaded{}, err
	}
	fw.Write(content)
	mw.Close()
	res, err := c.call("resource_create", mw.FormDataContentType(), &body)
	if err != nil {
		return uploaded{}, err
	}
	var r struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(res, &r); err != nil {
		return uploaded{}, fmt.Errorf("resource_create: %w", err)
	}
	sum := sha256.Sum256(content)
	return uploaded{Dataset: name, Resource: r.ID, SHA256: hex.EncodeToString(sum[:]), Size: len(content), Rows: rows}, nil
}

func org(args []string) error {
	fs := flag.NewFlagSet("org", flag.ContinueOnError)
	base := fs.String("url", "", "server URL")
	token := fs.String("token", "", "sysadmin token")
	name := fs.String("name", "charge", "organisation name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, err := newClient(*base, *token).postJSON("organization_create", map[string]any{"name": *name, "title": "Test de charge"})
	return err
}

func table(args []string) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	base := fs.String("url", "", "server URL")
	token := fs.String("token", "", "editor token")
	orgName := fs.String("org", "charge", "organisation")
	rows := fs.Int("rows", 100000, "rows")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c := newClient(*base, *token)
	up, err := c.send(*orgName, fmt.Sprintf("table-%d", time.Now().UnixNano()), tableCSV(0, *rows), *rows)
	if err != nil {
		return err
	}
	if err := c.waitIngested(up.Resource, 10*time.Minute); err != nil {
		return err
	}
	fmt.Println(up.Resource)
	return nil
}

func upload(args []string) error {
	fs := flag.NewFlagSet("upload", flag.ContinueOnError)
	base := fs.String("url", "", "server URL")
	token := fs.String("token", "", "editor token")
	orgName := fs.String("org", "charge", "organisation")
	conc := fs.Int("c", 2, "concurrent uploaders")
	dur := fs.Duration("duration", time.Minute, "how long to upload")
	rows := fs.Int("rows", 2000, "rows per file")
	out := fs.String("out", "uploads.tsv", "where to list the uploads")
	if err := fs.Parse(args); err != nil {
		return err
	}
	c := newClient(*base, *token)
	run := time.Now().UnixNano()
	var (
		next      atomic.Int64
		mu        sync.Mutex
		done      []uploaded
		latencies []time.Duration
		failures  []string
		wg        sync.WaitGroup
	)
	stop := time.Now().Add(*dur)
	for range *conc {
		wg.Go(func() {
			for time.Now().Before(stop) {
				i := int(next.Add(1))
				start := time.Now()
				up, err := c.send(*orgName, fmt.Sprintf("charge-%d-%d", run, i), tableCSV(i, *rows), *rows)
				took := time.Since(start)
				mu.Lock()
				if err != nil {
					failures = append(failures, err.Error())
				} else {
					done = append(done, up)
					latencies = append(latencies, took)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	for _, u := range done {
		fmt.Fprintf(f, "%s\t%s\t%s\t%d\t%d\n", u.Dataset, u.Resource, u.SHA256, u.Size, u.Rows)
	}
	if err := f.Close(); err != nil {
		return err
	}
	for i, msg := range failures {
		if i < 5 {
			fmt.Fprintln(os.Stderr, "upload failed:", msg)
		}
	}
	slices.Sort(latencies)
	figure("upload.count", float64(len(done)), "uploads")
	figure("upload.rate", float64(len(done))/dur.Seconds(), "uploads/s")
	figure("upload.p50", ms(percentile(latencies, 50)), "ms")
	figure("upload.p99", ms(percentile(latencies, 99)), "ms")
	figure("upload.errors", float64(len(failures)), "errors")
	return nil
}

func verify(args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	base := fs.String("url", "", "server URL")
	in := fs.String("in", "uploads.tsv", "list written by upload")
	wait := fs.Duration("wait", 5*time.Minute, "how long to wait for the queued ingestions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	f, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer f.Close()
	var ups []uploaded
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		p := strings.Split(sc.Text(), "\t")
		if len(p) != 5 {
			return fmt.Errorf("%s: bad line %q", *in, sc.Text())
		}
		size, _ := strconv.Atoi(p[3])
		rows, _ := strconv.Atoi(p[4])
		ups = append(ups, uploaded{Dataset: p[0], Resource: p[1], SHA256: p[2], Size: size, Rows: rows})
	}
	if err := sc.Err(); err != nil {
		return err
	}
	c := newClient(*base, "")
	start := time.Now()
	deadline := start.Add(*wait)
	var problems []string
	for _, u := range ups {
		if err := c.check(u, time.Until(deadline)); err != nil {
			problems = append(problems, err.Error())
		}
	}
	for i, p := range problems {
		if i < 10 {
			fmt.Fprintln(os.Stderr, "missing or wrong:", p)
		}
	}
	figure("verify.uploads", float64(len(ups)), "uploads")
	figure("verify.present", float64(len(ups)-len(problems)), "uploads")
	figure("verify.drain", time.Since(start).Seconds(), "s")
	if len(problems) > 0 {
		return fmt.Errorf("%d of %d uploads missing or wrong", len(problems), len(ups))
	}
	return nil
}

// check reads one upload back: listed by package_show, ingested, the
// original byte-identical, every row in the datastore.
func (c *client) check(u uploaded, wait time.Duration) error {
	res, err := c.get("package_show", url.Values{"id": {u.Dataset}})
	if err != nil {
		return err
	}
	var pkg struct {
		Resources []struct {
			ID  string `json:"id"`
			URL string `json:"url"`
		} `json:"resources"`
	}
	if err := json.Unmarshal(res, &pkg); err != nil {
		return fmt.Errorf("%s: %w", u.Dataset, err)
	}
	download := ""
	for _, r := range pkg.Resources {
		if r.ID == u.Resource {
			download = r.URL
		}
	}
	if download == "" {
		return fmt.Errorf("%s: resource %s not listed", u.Dataset, u.Resource)
	}
	if err := c.waitIngested(u.Resource, wait); err != nil {
		return fmt.Errorf("%s: %w", u.Dataset, err)
	}
	resp, err := c.http.Get(download)
	if err != nil {
		return fmt.Errorf("%s: download: %w", u.Dataset, err)
	}
	h := sha256.New()
	n, err := io.Copy(h, resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK || int(n) != u.Size || hex.EncodeToString(h.Sum(nil)) != u.SHA256 {
		return fmt.Errorf("%s: download HTTP %d, %d bytes (want %d), err %v, sha256 differs: %v", u.Dataset, resp.StatusCode, n, u.Size, err, hex.EncodeToString(h.Sum(nil)) != u.SHA256)
	}
	res, err = c.get("datastore_search", url.Values{"resource_id": {u.Resource}, "limit": {"0"}})
	if err != nil {
		return fmt.Errorf("%s: %w", u.Dataset, err)
	}
	var ds struct {
		Total int `json:"total"`
	}
	if err := json.Unmarshal(res, &ds); err != nil || ds.Total != u.Rows {
		return fmt.Errorf("%s: datastore total %d, want %d (%v)", u.Dataset, ds.Total, u.Rows, err)
	}
	return nil
}

// waitIngested polls resource_show until the resource's ingestion ends.
func (c *client) waitIngested(id string, wait time.Duration) error {
	deadline := time.Now().Add(wait)
	for {
		res, err := c.get("resource_show", url.Values{"id": {id}})
		if err != nil {
			return err
		}
		var r struct {
			Ingest struct {
				State string `json:"state"`
				Error string `json:"error"`
			} `json:"ingest"`
		}
		if err := json.Unmarshal(res, &r); err != nil {
			return fmt.Errorf("resource_show %s: %w", id, err)
		}
		switch r.Ingest.State {
		case "complete":
			return nil
		case "error", "skipped":
			return fmt.Errorf("ingestion of %s failed: %s", id, r.Ingest.Error)
		}
		if time.Now().After(deadline) {
			return errors.New("ingestion of " + id + " still " + r.Ingest.State)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[(len(sorted)-1)*p/100]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
