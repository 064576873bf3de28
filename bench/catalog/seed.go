package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/text/unicode/norm"
)

// stats prints the share of generated datasets whose text holds a word
// starting with each query word, as the full-text index would match them,
// to check that the vocabulary is realistic.
func stats(args []string) error {
	fs := flag.NewFlagSet("stats", flag.ContinueOnError)
	n := fs.Int("n", 100000, "datasets")
	seedV := fs.Uint64("seed", 1, "generator seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	g := NewGenerator(*seedV)
	words := []string{"budget", "energie", "subventions", "donnees", "ecoles", "velos"}
	hits := make([]int, len(words))
	orgs, formats := map[string]int{}, map[string]int{}
	resources, tags := 0, 0
	for i := range *n {
		d := g.Dataset(i)
		b, _ := json.Marshal(d)
		text := " " + strings.Join(strings.FieldsFunc(fold(string(b)), func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
		}), " ")
		for w, word := range words {
			if strings.Contains(text, " "+word) {
				hits[w]++
			}
		}
		orgs[d["owner_org"].(string)]++
		for _, r := range d["resources"].([]map[string]any) {
			formats[r["format"].(string)]++
			resources++
		}
		tags += len(d["tags"].([]map[string]any))
	}
	for w, word := range words {
		fmt.Printf("q=%s\t%d\t%.1f%%\n", word, hits[w], 100*float64(hits[w])/float64(*n))
	}
	counts := make([]int, 0, len(orgs))
	for _, c := range orgs {
		counts = append(counts, c)
	}
	slices.Sort(counts)
	fmt.Printf("organisations\t%d\tlargest %d, median %d, smallest %d\n", len(orgs), counts[len(counts)-1], counts[len(counts)/2], counts[0])
	fmt.Printf("resources\t%d\t%.2f per dataset\n", resources, float64(resources)/float64(*n))
	fmt.Printf("tags\t%d\t%.2f per dataset\n", tags, float64(tags)/float64(*n))
	fmt.Printf("formats\t%v\n", formats)
	fmt.Printf("largest organisation\t%s\n", g.OrgName(0))
	return nil
}

// orgName prints the name of the organisation of a size rank (0: the
// publisher of the most datasets).
func orgName(args []string) error {
	fs := flag.NewFlagSet("org", flag.ContinueOnError)
	rank := fs.Int("rank", 0, "size rank, 0 to 199")
	seedV := fs.Uint64("seed", 1, "generator seed")
	if err := fs.Parse(args); err != nil {
		return err
	}
	fmt.Println(NewGenerator(*seedV).OrgName(*rank))
	return nil
}

// fold lowercases and strips accents, roughly as storage's foldText.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if r < 0x300 || r > 0x36f {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// client calls the CKAN API of a server.
type client struct {
	base, token string
	http        *http.Client
}

func newClient(base, token string, conns int) *client {
	return &client{base: strings.TrimRight(base, "/"), token: token, http: &http.Client{
		Timeout:   5 * time.Minute,
		Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true},
	}}
}

// post calls an action with a JSON body and returns the result.
func (c *client) post(action string, body any) (json.RawMessage, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequest(http.MethodPost, c.base+"/api/3/action/"+action, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", c.token)
	return c.do(req)
}

// get calls a read action with a query string.
func (c *client) get(pathAndQuery string) ([]byte, error) {
	req, err := http.NewRequest(http.MethodGet, c.base+pathAndQuery, nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return b, fmt.Errorf("GET %s: %s: %.300s", pathAndQuery, resp.Status, b)
	}
	return b, nil
}

func (c *client) do(req *http.Request) (json.RawMessage, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var env struct {
		Success bool
		Result  json.RawMessage
		Error   json.RawMessage
	}
	if err := json.Unmarshal(b, &env); err != nil {
		return nil, fmt.Errorf("%s %s: %s: %.200s", req.Method, req.URL.Path, resp.Status, b)
	}
	if !env.Success {
		return nil, fmt.Errorf("%s %s: %s: %s", req.Method, req.URL.Path, resp.Status, env.Error)
	}
	return env.Result, nil
}

// seed creates the organisations (those missing) and datasets [from, n)
// with c concurrent clients, and prints the creation rate and latencies.
func seed(args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "server URL")
	token := fs.String("token", os.Getenv("PASSERELLE_BOOTSTRAP_TOKEN"), "sysadmin token")
	n := fs.Int("n", 10000, "datasets in the catalogue when done")
	from := fs.Int("from", 0, "first dataset to create")
	conc := fs.Int("c", 8, "concurrent clients")
	seedV := fs.Uint64("seed", 1, "generator seed")
	prefix := fs.String("prefix", "create", "figure name prefix")
	if err := fs.Parse(args); err != nil {
		return err
	}
	g := NewGenerator(*seedV)
	c := newClient(*base, *token, *conc)
	for _, o := range g.Orgs() {
		if _, err := c.post("organization_create", o); err != nil && !strings.Contains(err.Error(), "already") {
			return err
		}
	}
	var (
		next    atomic.Int64
		failed  atomic.Value
		mu      sync.Mutex
		lats    []float64
		wg      sync.WaitGroup
		started = time.Now()
	)
	next.Store(int64(*from))
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []float64
			for {
				i := int(next.Add(1) - 1)
				if i >= *n || failed.Load() != nil {
					break
				}
				d := g.Dataset(i)
				t := time.Now()
				if _, err := c.post("package_create", d); err != nil {
					failed.CompareAndSwap(nil, fmt.Errorf("dataset %d: %w", i, err))
					break
				}
				mine = append(mine, ms(time.Since(t)))
				if i%10000 == 9999 {
					fmt.Fprintf(os.Stderr, "  %d datasets, %.0f/s\n", i+1, float64(i+1-*from)/time.Since(started).Seconds())
				}
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if err, _ := failed.Load().(error); err != nil {
		return err
	}
	wall := time.Since(started)
	if len(lats) == 0 {
		return errors.New("nothing to create")
	}
	figure(*prefix+"_rate", float64(len(lats))/wall.Seconds(), "datasets/s")
	figure(*prefix+"_count", float64(len(lats)), "datasets")
	figure(*prefix+"_p50", percentile(lats, 50), "ms")
	figure(*prefix+"_p95", percentile(lats, 95), "ms")
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// percentile returns the p-th percentile (nearest rank) of xs.
func percentile(xs []float64, p float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}
