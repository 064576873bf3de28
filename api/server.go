package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/catalog/dcat"
	"github.com/passerelle/passerelle/tableschema"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config is what the server needs to know about its site.
type Config struct {
	// BaseURL is the public URL of the site, without a trailing slash; it
	// prefixes every URL the API hands out.
	BaseURL         string
	SiteTitle       string
	SiteDescription string
	Version         string
	Logger          *slog.Logger
	// MaxUploadBytes is the largest file accepted (default 1 GiB).
	MaxUploadBytes int64
	// TempDir receives uploads while they arrive; "" is the system's.
	TempDir string
	// Limits bound requests, connections and clients (see Limits).
	Limits Limits
}

// Services are the catalog services behind the API.
type Services struct {
	Datasets      catalog.DatasetService
	Organizations catalog.OrganizationService
	Tokens        catalog.TokenService
	Blobs         catalog.BlobStore
	Datastore     catalog.Datastore
	// Sessions keeps the web pages' sign-ins; nil lets no one sign in.
	Sessions catalog.SessionStore
	// Schemas is the registry of the Table Schemas resources may declare
	// by id; nil knows none (URLs and inline schemas still do).
	Schemas *tableschema.Registry
	// Validations holds the whole validation reports.
	Validations catalog.ValidationStore
	// History tells when files were uploaded, for frequency suggestions;
	// nil suggests none.
	History catalog.UploadHistory
	// OnUpload is called after a write queued an ingestion.
	OnUpload func()
	// Ready reports whether the server's dependencies answer, for /readyz.
	Ready func(ctx context.Context) error
}

// Server is Passerelle's HTTP interface.
type Server struct {
	cfg     Config
	svc     Services
	log     *slog.Logger
	router  *gin.Engine
	actions map[string]*action
	// pages are the web pages' templates.
	pages    pageTemplates
	limiters *limiters
}

// NewServer builds the router with every route registered. metrics is the
// registry /metrics serves and the request metrics go to; nil makes a
// private one.
func NewServer(cfg Config, svc Services, metrics *prometheus.Registry) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.MaxUploadBytes <= 0 {
		cfg.MaxUploadBytes = 1 << 30
	}
	if metrics == nil {
		metrics = prometheus.NewRegistry()
		metrics.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	pages, err := parsePages()
	if err != nil {
		panic(err) // the templates are embedded: a parse error is a bug caught by any test
	}
	cfg.Limits = cfg.Limits.withDefaults()
	s := &Server{cfg: cfg, svc: svc, log: cfg.Logger, pages: pages, limiters: newLimiters(cfg.Limits)}
	s.actions = s.actionTable()
	s.router = s.routes(newRequestMetrics(metrics), promhttp.HandlerFor(metrics, promhttp.HandlerOpts{}))
	return s
}

// Handler returns the server's http.Handler.
func (s *Server) Handler() http.Handler { return s.router }

// Routes lists the registered routes, for the OpenAPI check.
func (s *Server) Routes() gin.RoutesInfo { return s.router.Routes() }

// routes registers every route in one place.
func (s *Server) routes(m *requestMetrics, metricsHandler http.Handler) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	// Harvesters treat any 3xx as a failure (research/harvest-contract.md
	// §0): a wrong path gets a 404, never a redirect.
	r.RedirectTrailingSlash = false
	r.RedirectFixedPath = false
	r.HandleMethodNotAllowed = true
	if err := r.SetTrustedProxies(s.cfg.Limits.TrustedProxies); err != nil {
		s.log.Error("trusted proxies ignored: client addresses are the connections'", "err", err)
		r.SetTrustedProxies(nil)
	}
	r.Use(s.recoverer(), s.accessLog(), m.middleware(), s.rateLimit())
	r.NoRoute(s.notFound)
	r.NoMethod(s.methodNotAllowed)

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", gin.WrapH(metricsHandler))

	r.GET("/api/3", apiVersion)
	r.GET("/dataset/:id/resource/:rid/download/:filename", s.download)
	r.HEAD("/dataset/:id/resource/:rid/download/:filename", s.download)
	r.GET("/datastore/dump/:resource_id", s.dump)
	// DCAT-AP feeds, as ckanext-dcat names them, on GET and HEAD (udata's
	// harvester asks HEAD for the format).
	for path, f := range map[string]dcat.Format{
		"/catalog.ttl": dcat.Turtle, "/catalog.rdf": dcat.RDFXML, "/catalog.xml": dcat.RDFXML,
		"/catalog.jsonld": dcat.JSONLD, "/catalog.nt": dcat.NTriples, "/catalog": "",
	} {
		r.GET(path, s.catalogFeed(f))
		r.HEAD(path, s.catalogFeed(f))
	}
	r.GET("/dataset/:id", s.datasetFeed)
	r.HEAD("/dataset/:id", s.datasetFeed)

	// Web pages (SPEC §7); /dataset/:id serves the page to browsers.
	r.GET("/", s.home)
	r.GET("/static/passerelle.css", s.staticFile("passerelle.css", "text/css; charset=utf-8"))
	r.GET("/static/status.js", s.staticFile("status.js", "text/javascript; charset=utf-8"))
	r.GET("/organization/:name", s.organizationPage)
	r.GET("/login", s.loginPage)
	r.POST("/login", s.limitLogins(), s.login)
	r.POST("/logout", s.logout)
	r.GET("/publish", s.publishPage)
	r.POST("/publish", s.publish)
	r.GET("/dataset/:id/resource/:rid/status", s.statusPage)
	r.GET("/dataset/:id/edit", s.editPage)
	r.POST("/dataset/:id/edit", s.edit)
	r.GET("/dataset/:id/delete", s.deletePage)
	r.POST("/dataset/:id/delete", s.deleteDataset)
	for _, prefix := range []string{"/api/3/action/", "/api/action/"} {
		for _, a := range s.sortedActions() {
			h := s.actionHandler(a)
			r.POST(prefix+a.name, h)
			if a.read {
				r.GET(prefix+a.name, h)
			} else {
				r.GET(prefix+a.name, s.postOnly)
			}
		}
		// Any other name under the prefix is an unknown action.
		r.GET(prefix+":action", s.unknownAction)
		r.POST(prefix+":action", s.unknownAction)
	}
	return r
}

func apiVersion(c *gin.Context) {
	writeJSON(c, http.StatusOK, map[string]int{"version": 3})
}

func (s *Server) healthz(c *gin.Context) {
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (s *Server) readyz(c *gin.Context) {
	if s.svc.Ready != nil {
		if err := s.svc.Ready(c.Request.Context()); err != nil {
			s.log.Warn("not ready", "err", err)
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "error": err.Error()})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}

func (s *Server) notFound(c *gin.Context) {
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		writeJSON(c, http.StatusNotFound, envelope{Success: false, Error: map[string]any{
			"__type": "Not Found Error", "message": "Not found: no such API route " + c.Request.URL.Path,
		}})
		return
	}
	if wantsHTML(c.GetHeader("Accept")) {
		s.errorPage(c, http.StatusNotFound, "err_not_found")
		return
	}
	c.String(http.StatusNotFound, "404 page not found\n")
}

func (s *Server) methodNotAllowed(c *gin.Context) {
	c.String(http.StatusMethodNotAllowed, "405 method not allowed\n")
}
