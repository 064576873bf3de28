package api

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/passerelle/passerelle/catalog"
)

// The web pages (SPEC §7) are server-rendered with html/template from
// templates embedded in the binary; their small stylesheet too. Pages call
// the catalog services as the actions do, and need no JavaScript.

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/*
var staticFS embed.FS

// pageTemplates holds one template set per page: the layout with the
// page's own "content" and "title" blocks.
type pageTemplates map[string]*template.Template

// parsePages parses the layout and every page of templates/.
func parsePages() (pageTemplates, error) {
	base, err := template.New("layout.html").Funcs(pageFuncs).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	out := pageTemplates{}
	for _, n := range names {
		name := path.Base(n)
		if name == "layout.html" {
			continue
		}
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(templateFS, n); err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		out[strings.TrimSuffix(name, ".html")] = t
	}
	return out, nil
}

// pageFuncs are the helpers templates may call.
var pageFuncs = template.FuncMap{
	"add": func(a, b int) int { return a + b },
	"percent": func(part, whole int64) string {
		if whole <= 0 {
			return "–"
		}
		return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 0, 64) + " %"
	},
	"progressPercent": func(p float64) int { return int(p*100 + 0.5) },
	"cell":            cellText,
	"int64":           func(n int) int64 { return int64(n) },
	"upper":           strings.ToUpper,
	"formats":         datasetFormats,
	"excerpt":         excerpt,
	"fieldArgs": func(p *page, id, label, value, hint string, required bool, typ string) any {
		return fieldArgs{P: p, ID: id, Label: label, Value: value, Hint: hint, Required: required, Type: typ}
	},
	"selectArgs": func(p *page, id, label, value, hint string, options []option, empty string) any {
		return fieldArgs{P: p, ID: id, Label: label, Value: value, Hint: hint, Options: options, Empty: empty}
	},
	"validationArgs": func(l lang, i int, v validationView) any {
		return struct {
			L lang
			I int
			V validationView
		}{l, i, v}
	},
}

// fieldArgs are what the form field templates need.
type fieldArgs struct {
	P                            *page
	ID, Label, Value, Hint, Type string
	Required                     bool
	Options                      []option
	Empty                        string
}

// datasetFormats lists the formats of a dataset's files, once each.
func datasetFormats(d *catalog.Dataset) string {
	var out []string
	seen := map[string]bool{}
	for _, r := range d.Resources {
		f := strings.ToUpper(strings.TrimSpace(r.Format))
		if f != "" && !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return strings.Join(out, ", ")
}

// excerpt is the start of a description, cut at a word.
func excerpt(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	const n = 240
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		cut = n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
	}
	return s[:cut] + "…"
}

// page is what every template receives: the layout's data, then the
// page's own in Data.
type page struct {
	L     lang
	Site  string
	Title string
	// User is the signed-in caller, or nil.
	User *catalog.Principal
	// CSRF is the token POST forms carry.
	CSRF string
	// SwitchURL is the current page in the other language.
	SwitchURL string
	// Errors are listed at the top of a form, each linked to its field.
	Errors []formError
	// Notice is a one-line confirmation shown at the top.
	Notice string
	// Refresh, when > 0, reloads the page after that many seconds when
	// JavaScript does not run.
	Refresh int
	// Script is a file of static/ the page loads, or "".
	Script string
	// Head adds alternate links and JSON-LD to <head>.
	Alternates []alternate
	JSONLD     template.JS
	Canonical  string
	Data       any
}

// formError is a problem with one field of a form; Field is the id of
// its input ("" for the form as a whole).
type formError struct {
	Field string
	Msg   string
}

// alternate is a <link rel="alternate">.
type alternate struct {
	Type, Href, Title string
}

// fieldError returns the message of a field, for aria-describedby.
func (p *page) FieldError(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Msg
		}
	}
	return ""
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// render writes a page with its status. The page is built in memory first
// so that a template error becomes a clean 500, never half a page.
func (s *Server) render(c *gin.Context, status int, name string, p *page) {
	t, ok := s.pages[name]
	if !ok {
		s.log.Error("no such page template", "page", name)
		c.String(http.StatusInternalServerError, "500 internal server error\n")
		return
	}
	if p.SwitchURL == "" {
		p.SwitchURL = switchURL(c.Request.URL, p.L.Other())
	}
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	if err := t.ExecuteTemplate(buf, "layout.html", p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		c.String(http.StatusInternalServerError, "500 internal server error\n")
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", p.L.Code)
	h.Add("Vary", "Accept-Language, Cookie")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	if p.User != nil || p.CSRF != "" {
		h.Set("Cache-Control", "private, no-store")
	}
	c.Status(status)
	if c.Request.Method == http.MethodHead {
		return
	}
	c.Writer.Write(buf.Bytes())
}

// switchURL is u with lang set to code.
func switchURL(u *url.URL, code string) string {
	q := u.Query()
	q.Set("lang", code)
	return u.Path + "?" + q.Encode()
}

// newPage starts a page for the request: language, signed-in user and,
// with a session, the CSRF token.
func (s *Server) newPage(c *gin.Context, title string) *page {
	p := &page{L: s.pageLang(c), Title: title, Site: s.cfg.SiteTitle}
	if p.Site == "" {
		p.Site = "Passerelle"
	}
	if sess := s.sessionOf(c); sess != nil {
		p.User = sess.Principal
		p.CSRF = csrfToken(sessionID(c))
	}
	return p
}

// pageError renders the error page for err: 404, 403, 400 or 500.
func (s *Server) pageError(c *gin.Context, err error) {
	status, key := http.StatusInternalServerError, "err_internal"
	switch catalog.ErrorKind(err) {
	case catalog.KindNotFound:
		status, key = http.StatusNotFound, "err_not_found"
	case catalog.KindForbidden:
		status, key = http.StatusForbidden, "err_forbidden"
	case catalog.KindInvalid, catalog.KindSearchQuery, catalog.KindIntegrity:
		status, key = http.StatusBadRequest, "err_bad_request"
	default:
		s.log.Error("page failed", "path", c.Request.URL.Path, "err", err)
	}
	s.errorPage(c, status, key)
}

// errorPage renders the error page with a status and a message key.
func (s *Server) errorPage(c *gin.Context, status int, key string) {
	p := s.newPage(c, "")
	p.Title = p.L.T(key + "_title")
	p.Data = map[string]any{"Status": status, "Message": p.L.T(key)}
	s.render(c, status, "error", p)
}

// wantsHTML reports whether an Accept header prefers text/html over every
// RDF format: browsers get pages, harvesters (which name an RDF type or
// */*) keep the DCAT documents.
func wantsHTML(accept string) bool {
	best := map[string]float64{}
	for _, r := range acceptRanges(accept) {
		best[r.mt] = max(best[r.mt], r.q)
	}
	html := max(best["text/html"], best["application/xhtml+xml"])
	if html <= 0 {
		return false
	}
	for _, mt := range []string{"text/turtle", "application/x-turtle", "application/rdf+xml", "application/ld+json", "application/n-triples", "application/xml", "text/n3"} {
		if best[mt] >= html {
			return false
		}
	}
	return true
}

// staticFile serves a file of static/ with a long cache (its URL carries
// the build's version).
func (s *Server) staticFile(name, contentType string) gin.HandlerFunc {
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil {
		panic(err) // embedded at build time: a missing file is a bug
	}
	return func(c *gin.Context) {
		c.Header("Cache-Control", "public, max-age=86400")
		c.Header("X-Content-Type-Options", "nosniff")
		c.Data(http.StatusOK, contentType, b)
	}
}

// humanSize prints a byte count as people read it: "1,2 Mo" or "1.2 MB".
func humanSize(n int64, l lang) string {
	units := []string{"B", "kB", "MB", "GB", "TB"}
	if l.Code == "fr" {
		units = []string{"o", "ko", "Mo", "Go", "To"}
	}
	f, i := float64(n), 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	var s string
	if i == 0 {
		s = strconv.FormatInt(n, 10)
	} else {
		s = strconv.FormatFloat(f, 'f', 1, 64)
	}
	return l.number(s) + "\u00a0" + units[i]
}

// sortedKeys returns a map's keys, sorted.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
