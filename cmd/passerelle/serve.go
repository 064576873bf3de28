package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
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
}

func (c *serveCmd) Run(e *env) error {
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
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
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
