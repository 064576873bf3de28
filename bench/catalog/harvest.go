package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const mib = 1 << 20

// readRSS returns the resident set size of process pid, in MiB.
func readRSS(pid int) (float64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for process %d", pid)
}

// rssWatch samples a process's RSS in the background.
type rssWatch struct {
	stop     chan struct{}
	done     chan struct{}
	max, sum float64
	n        int
	err      error
}

func watchRSS(pid int, every time.Duration) *rssWatch {
	w := &rssWatch{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			rss, err := readRSS(pid)
			if err != nil {
				w.err = err
				return
			}
			w.max = max(w.max, rss)
			w.sum += rss
			w.n++
			select {
			case <-w.stop:
				return
			case <-t.C:
			}
		}
	}()
	return w
}

// Stop ends the sampling and returns the largest and mean RSS.
func (w *rssWatch) Stop() (peak, mean float64, err error) {
	close(w.stop)
	<-w.done
	if w.n == 0 {
		return 0, 0, errors.Join(w.err, errors.New("no RSS sample"))
	}
	return w.max, w.sum / float64(w.n), w.err
}

// list times package_list of every name (what udata asks for) and
// watches the server's RSS meanwhile.
func list(args []string) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "server URL")
	pid := fs.Int("pid", 0, "server process id")
	repeat := fs.Int("repeat", 5, "calls")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkLoopback(*base); err != nil {
		return err
	}
	c := newClient(*base, "", 1)
	var (
		times        []float64
		body         []byte
		before, peak float64
		growth       float64
	)
	for r := range *repeat {
		b, err := readRSS(*pid)
		if err != nil {
			return err
		}
		w := watchRSS(*pid, 2*time.Millisecond)
		t := time.Now()
		body, err = c.get("/api/3/action/package_list")
		d := time.Since(t)
		p, _, werr := w.Stop()
		if err := errors.Join(err, werr); err != nil {
			return err
		}
		times = append(times, ms(d))
		if r == 0 {
			before = b
		}
		peak = max(peak, p)
		growth = max(growth, p-b)
	}
	var env struct{ Result []string }
	if err := json.Unmarshal(body, &env); err != nil {
		return err
	}
	figure("list.ms_p50", percentile(times, 50), "ms")
	figure("list.ms_max", percentile(times, 100), "ms")
	figure("list.names", float64(len(env.Result)), "names")
	figure("list.mib", float64(len(body))/mib, "MiB")
	figure("list.rss_before", before, "MiB")
	figure("list.rss_peak", peak, "MiB")
	figure("list.rss_growth", growth, "MiB")
	return nil
}

// hydraNext finds the next page of a Turtle catalogue page.
var hydraNext = regexp.MustCompile(`hydra:next <([^>]+)>`)

// dcatHarvest follows /catalog.ttl's hydra:next links to the last page,
// as udata's DCAT harvester does, sampling the server's RSS after each
// page.
func dcatHarvest(args []string) error {
	fs := flag.NewFlagSet("dcat", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "server URL")
	pid := fs.Int("pid", 0, "server process id")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkLoopback(*base); err != nil {
		return err
	}
	prefix := strings.TrimRight(*base, "/")
	c := newClient(prefix, "", 1)
	var (
		lats, rss []float64
		datasets  int
		size      int64
		started   = time.Now()
	)
	next := prefix + "/catalog.ttl"
	for next != "" {
		if !strings.HasPrefix(next, prefix+"/") {
			return fmt.Errorf("next page %s is not on %s", next, prefix)
		}
		t := time.Now()
		body, err := c.get(strings.TrimPrefix(next, prefix))
		if err != nil {
			return err
		}
		lats = append(lats, ms(time.Since(t)))
		r, err := readRSS(*pid)
		if err != nil {
			return err
		}
		rss = append(rss, r)
		datasets += bytes.Count(body, []byte("a dcat:Dataset"))
		size += int64(len(body))
		next = ""
		if m := hydraNext.FindSubmatch(body); m != nil {
			next = string(m[1])
		}
		if len(lats)%100 == 0 {
			fmt.Fprintf(os.Stderr, "  dcat: %d pages, %d datasets, %.1f s, RSS %.0f MiB\n", len(lats), datasets, time.Since(started).Seconds(), r)
		}
	}
	total := time.Since(started)
	// Flat: nothing more held after the tenth page than then.
	ref := rss[min(9, len(rss)-1)]
	peak := 0.0
	for _, r := range rss {
		peak = max(peak, r)
	}
	figure("dcat.total_s", total.Seconds(), "s")
	figure("dcat.pages", float64(len(lats)), "pages")
	figure("dcat.datasets", float64(datasets), "datasets")
	figure("dcat.mib", float64(size)/mib, "MiB")
	figure("dcat.page_p50", percentile(lats, 50), "ms")
	figure("dcat.page_p95", percentile(lats, 95), "ms")
	figure("dcat.first_page", lats[0], "ms")
	figure("dcat.last_page", lats[len(lats)-1], "ms")
	figure("dcat.rss_page10", ref, "MiB")
	figure("dcat.rss_max", peak, "MiB")
	figure("dcat.rss_last", rss[len(rss)-1], "MiB")
	figure("dcat.rss_growth", peak-ref, "MiB")
	return nil
}

// ckanHarvest does what ckanext-harvest's CKAN harvester does on a first
// run: package_list, then package_show of each name, c at a time.
func ckanHarvest(args []string) error {
	fs := flag.NewFlagSet("ckan", flag.ContinueOnError)
	base := fs.String("url", "http://127.0.0.1:8080", "server URL")
	pid := fs.Int("pid", 0, "server process id")
	conc := fs.Int("c", 4, "concurrent package_show calls")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := checkLoopback(*base); err != nil {
		return err
	}
	c := newClient(*base, "", *conc)
	w := watchRSS(*pid, 100*time.Millisecond)
	started := time.Now()
	b, err := c.get("/api/3/action/package_list")
	if err != nil {
		w.Stop()
		return err
	}
	var env struct{ Result []string }
	if err := json.Unmarshal(b, &env); err != nil {
		w.Stop()
		return err
	}
	listed := time.Since(started)
	var (
		next   atomic.Int64
		failed atomic.Value
		mu     sync.Mutex
		lats   []float64
		wg     sync.WaitGroup
	)
	showStart := time.Now()
	for range *conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []float64
			for {
				i := int(next.Add(1) - 1)
				if i >= len(env.Result) || failed.Load() != nil {
					break
				}
				t := time.Now()
				if _, err := c.get("/api/3/action/package_show?id=" + url.QueryEscape(env.Result[i])); err != nil {
					failed.CompareAndSwap(nil, err)
					break
				}
				mine = append(mine, ms(time.Since(t)))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	shows := time.Since(showStart)
	total := time.Since(started)
	peak, mean, werr := w.Stop()
	if err, _ := failed.Load().(error); err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	if len(lats) == 0 {
		return errors.New("empty catalogue")
	}
	figure("ckan.total_s", total.Seconds(), "s")
	figure("ckan.list_s", listed.Seconds(), "s")
	figure("ckan.datasets", float64(len(lats)), "datasets")
	figure("ckan.show_rate", float64(len(lats))/shows.Seconds(), "datasets/s")
	figure("ckan.show_p50", percentile(lats, 50), "ms")
	figure("ckan.show_p95", percentile(lats, 95), "ms")
	figure("ckan.rss_max", peak, "MiB")
	figure("ckan.rss_mean", mean, "MiB")
	return nil
}
