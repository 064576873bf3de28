package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/passerelle/passerelle/api"
	"github.com/passerelle/passerelle/catalog/ingest"
	"github.com/passerelle/passerelle/storage"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

type serveCmd struct {
	storageFlags
	fileFlags
	Addr            string        `help:"Address to listen on." default:":8080"`
	BaseURL         string        `help:"Public URL of the site, used in links, DCAT URIs and download URLs (default http://localhost:PORT)."`
	BootstrapToken  string        `help:"If set and no sysadmin token exists yet, this secret becomes the first sysadmin token (for containers and tests)."`
	SiteTitle       string        `help:"Catalogue title." default:"Passerelle"`
	SiteDescription string        `help:"Catalogue description." default:"Données ouvertes publiées avec Passerelle"`
	MaxUploadBytes  int64         `help:"Largest accepted upload, in bytes." default:"1073741824"`
	Workers         int           `help:"How many files are ingested at once." default:"2"`
	Demo            bool          `help:"On an empty catalogue, publish a few sample files so that the API shows real data at once."`
	ShutdownTimeout time.Duration `help:"How long to let requests finish on SIGTERM." default:"30s"`
	limitFlags
}

// limitFlags bound requests, connections and clients (api.Limits). The
// rate limits hold per instance: behind a load balancer, N instances grant
// a client N times the rate.
type limitFlags struct {
	MaxBodyBytes      int64         `help:"Largest JSON or form request body of an action, in bytes (uploads: --max-upload-bytes)." default:"1048576"`
	MaxHeaderBytes    int           `help:"Largest request line and headers, in bytes." default:"65536"`
	ReadHeaderTimeout time.Duration `help:"How long a client may take to send its request headers." default:"10s"`
	StallTimeout      time.Duration `help:"How long a client may pause while sending a request body or reading a response before it is cut off." default:"30s"`
	MinBodyRate       int64         `help:"Slowest average a request body may arrive at after the first stall timeout, in bytes per second." default:"1024"`
	ReadRate          float64       `help:"Reads (GET, read actions) each client may send per second on average; 0 turns the limit off. A client is its API token, else its address." default:"100"`
	ReadBurst         int           `help:"Reads each client may send at once." default:"200"`
	WriteRate         float64       `help:"Writes (other POSTs, uploads included) each client may send per second on average; 0 turns the limit off." default:"10"`
	WriteBurst        int           `help:"Writes each client may send at once." default:"20"`
	LoginRate         float64       `help:"Sign-ins on the web form each address may attempt per second on average; 0 turns the limit off." default:"0.1"`
	LoginBurst        int           `help:"Sign-ins each address may attempt at once." default:"10"`
	TrustedProxies    []string      `help:"Addresses or CIDR ranges of the reverse proxies whose X-Forwarded-For names the client (comma-separated; none by default)."`
}

// limits checks the flags and turns them into api.Limits.
func (f limitFlags) limits() (api.Limits, error) {
	for _, p := range f.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				return api.Limits{}, fmt.Errorf("--trusted-proxies: %q is neither an address nor a CIDR range", p)
			}
		}
	}
	for name, v := range map[string]float64{"--read-rate": f.ReadRate, "--write-rate": f.WriteRate, "--login-rate": f.LoginRate} {
		if v < 0 {
			return api.Limits{}, fmt.Errorf("%s: %g is negative (0 turns the limit off)", name, v)
		}
	}
	return api.Limits{
		MaxBodyBytes: f.MaxBodyBytes, MaxHeaderBytes: f.MaxHeaderBytes,
		ReadHeaderTimeout: f.ReadHeaderTimeout, StallTimeout: f.StallTimeout, MinBodyRate: f.MinBodyRate,
		Reads:          api.Rate{PerSecond: f.ReadRate, Burst: f.ReadBurst},
		Writes:         api.Rate{PerSecond: f.WriteRate, Burst: f.WriteBurst},
		Logins:         api.Rate{PerSecond: f.LoginRate, Burst: f.LoginBurst},
		TrustedProxies: f.TrustedProxies,
	}, nil
}

func (c *serveCmd) Run(e *env) error {
	limits, err := c.limits()
	if err != nil {
		return err
	}
	st, err := openStack(e.ctx, c.storageFlags, c.fileFlags, e.log)
	if err != nil {
		return err
	}
	defer st.close()
	tokens := storage.NewTokenService(st.db)
	if c.BootstrapToken != "" {
		created, err := tokens.EnsureBootstrapToken(e.ctx, c.BootstrapToken)
		if err != nil {
			return err
		}
		if created {
			e.log.Info("bootstrap token stored as the first sysadmin token")
		}
	}
	ln, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", c.Addr, err)
	}
	baseURL := c.BaseURL
	if baseURL == "" {
		baseURL = defaultBaseURL(ln.Addr())
	}
	workers := &ingest.Workers{Pipeline: st.pipeline, N: c.Workers}
	metrics := prometheus.NewRegistry()
	metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	datasets := storage.NewDatasetService(st.db)
	srv := api.NewServer(api.Config{
		BaseURL: baseURL, SiteTitle: c.SiteTitle, SiteDescription: c.SiteDescription,
		Version: versionString(), Logger: e.log, MaxUploadBytes: c.MaxUploadBytes, TempDir: st.tempDir,
		Limits: limits,
	}, api.Services{
		Datasets:      datasets,
		Organizations: storage.NewOrganizationService(st.db),
		Tokens:        tokens,
		Sessions:      storage.NewSessionStore(st.db),
		Blobs:         st.blobs,
		Datastore:     st.datastore,
		OnUpload:      workers.Notify,
		Schemas:       st.schemas,
		Validations:   st.jobs,
		History:       st.jobs,
		Ready:         st.ready,
	}, metrics)
	if c.Demo {
		if err := loadDemo(e.ctx, st, e.log); err != nil {
			ln.Close()
			return fmt.Errorf("load the demo data: %w", err)
		}
	}
	hs := srv.HTTPServer()
	// Workers stop after the HTTP server: a stopped ingestion goes back
	// in the queue for the next start.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(e.ctx))
	workDone := make(chan struct{})
	go func() { workers.Run(workCtx); close(workDone) }()
	go func() {
		// The schema catalogue, now and then daily; offline, a log line.
		for {
			c.loadSchemaCatalog(workCtx, st.schemas, e.log)
			select {
			case <-workCtx.Done():
				return
			case <-time.After(24 * time.Hour):
			}
		}
	}()
	go func() {
		// Keep the query planner's statistics fresh as the catalogue grows.
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			select {
			case <-workCtx.Done():
				return
			case <-t.C:
				if err := st.db.Optimize(workCtx); err != nil && workCtx.Err() == nil {
					e.log.Warn("optimize catalogue", "err", err)
				}
			}
		}
	}()
	defer func() { stopWork(); <-workDone }()
	e.log.Info("listening", "addr", ln.Addr().String(), "base_url", baseURL, "database", string(st.db.Dialect()), "workers", c.Workers)
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-e.ctx.Done():
	}
	e.log.Info("shutting down", "timeout", c.ShutdownTimeout.String())
	ctx, cancel := context.WithTimeout(context.Background(), c.ShutdownTimeout)
	defer cancel()
	if err := hs.Shutdown(ctx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	e.log.Info("stopped")
	return nil
}

// defaultBaseURL is http://localhost:PORT for a server listening on all
// interfaces, else the listening address itself.
func defaultBaseURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://localhost"
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + ":" + port
}

type healthcheckCmd struct {
	Addr string `help:"Address the server listens on, as given to serve." default:":8080"`
	URL  string `help:"Health endpoint to query (default: /healthz on the loopback side of --addr)."`
}

// healthURL is the endpoint to query: --url, else /healthz at --addr, with
// an unspecified host (":8080", "0.0.0.0:8080") asked on 127.0.0.1. It
// follows PASSERELLE_ADDR so that a container's health check keeps working
// when the operator changes the port.
func (c *healthcheckCmd) healthURL() (string, error) {
	if c.URL != "" {
		return c.URL, nil
	}
	host, port, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return "", fmt.Errorf("health check: address %q: %w", c.Addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

func (c *healthcheckCmd) Run(e *env) error {
	u, err := c.healthURL()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("health check: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health check: %s answered %s", u, resp.Status)
	}
	return nil
}
