package api

import (
	"context"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/catalog/dcat"
)

// feedPageSize is how many datasets a catalogue page holds, as
// ckanext-dcat's default.
const feedPageSize = 100

func (s *Server) mapper() *dcat.Mapper {
	return &dcat.Mapper{BaseURL: s.cfg.BaseURL, SiteTitle: s.cfg.SiteTitle, SiteDescription: s.cfg.SiteDescription}
}

// mediaRange is one media type of an Accept header, with its quality.
type mediaRange struct {
	mt string
	q  float64
}

// acceptRanges reads an Accept header: the media types it accepts (q > 0),
// best first, in the header's order among equals; unreadable parts are
// skipped.
func acceptRanges(accept string) []mediaRange {
	var ranges []mediaRange
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > 0 {
			ranges = append(ranges, mediaRange{mt, q})
		}
	}
	sort.SliceStable(ranges, func(i, j int) bool { return ranges[i].q > ranges[j].q })
	return ranges
}

// negotiate picks the RDF format an Accept header asks for: the first
// acceptable media type by quality; */* and a missing header get Turtle.
func negotiate(accept string) (dcat.Format, bool) {
	if strings.TrimSpace(accept) == "" {
		return dcat.Turtle, true
	}
	for _, c := range acceptRanges(accept) {
		if f, ok := dcat.FormatOfMediaType(c.mt); ok {
			return f, true
		}
		switch c.mt {
		case "*/*", "text/*":
			return dcat.Turtle, true
		case "application/*":
			return dcat.RDFXML, true
		}
	}
	return "", false
}

// negotiated picks the format of a negotiated route, or answers 406.
func negotiated(c *gin.Context) (dcat.Format, bool) {
	c.Header("Vary", "Accept")
	f, ok := negotiate(c.GetHeader("Accept"))
	if !ok {
		c.String(http.StatusNotAcceptable, "406 not acceptable: ask for text/turtle, application/rdf+xml, application/ld+json or application/n-triples\n")
	}
	return f, ok
}

// catalogFeed serves a page of the DCAT-AP catalogue in format f, or, when
// f is "", in the format the Accept header asks for.
func (s *Server) catalogFeed(f dcat.Format) gin.HandlerFunc {
	return func(c *gin.Context) {
		format := f
		if format == "" {
			var ok bool
			if format, ok = negotiated(c); !ok {
				return
			}
		}
		page, sp, err := feedQuery(c)
		if err != nil {
			c.String(http.StatusConflict, "409 conflict: %s\n", err.Error())
			return
		}
		// Feeds are public: private datasets never appear, whoever asks.
		ctx := catalog.WithPrincipal(c.Request.Context(), nil)
		sp.Rows, sp.Start = feedPageSize, (page-1)*feedPageSize
		// Creation order is stable while the catalogue changes: a dataset
		// modified during a harvest keeps its page.
		sp.Sort = "metadata_created asc, id asc"
		res, err := s.svc.Datasets.SearchDatasets(ctx, sp)
		if err != nil {
			if catalog.ErrorKind(err) == catalog.KindSearchQuery || catalog.ErrorKind(err) == catalog.KindInvalid {
				c.String(http.StatusConflict, "409 conflict: %s\n", errorMessage(err))
				return
			}
			s.plainError(c, err)
			return
		}
		if page > 1 && sp.Start >= res.Count {
			c.String(http.StatusNotFound, "404 not found: the catalogue has %d pages\n", (res.Count+feedPageSize-1)/feedPageSize)
			return
		}
		issued, modified, err := s.catalogDates(ctx)
		if err != nil {
			s.plainError(c, err)
			return
		}
		c.Header("Content-Type", format.ContentType())
		c.Status(http.StatusOK)
		if c.Request.Method == http.MethodHead {
			return
		}
		doc := s.mapper().NewDocument(dcat.NewEncoder(c.Writer, format))
		err = doc.Catalog(dcat.Page{
			Number: page, PerPage: feedPageSize, Total: res.Count, Modified: modified, Issued: issued,
			URL: pageURL(s.cfg.BaseURL+c.Request.URL.Path, c.Request.URL.Query()), Datasets: res.Datasets,
		})
		for _, d := range res.Datasets {
			if err != nil {
				break
			}
			err = doc.Dataset(d)
		}
		if err == nil {
			err = doc.Close()
		}
		if err != nil {
			s.log.Warn("catalogue feed interrupted", "err", err)
		}
	}
}

// catalogDates are the first creation and the latest change in the public
// catalogue.
func (s *Server) catalogDates(ctx context.Context) (issued, modified time.Time, err error) {
	for _, sort := range []string{"metadata_created asc", "metadata_modified desc"} {
		res, err := s.svc.Datasets.SearchDatasets(ctx, catalog.SearchParams{Sort: sort, Rows: 1})
		if err != nil {
			return issued, modified, err
		}
		if len(res.Datasets) == 0 {
			return issued, modified, nil
		}
		if sort == "metadata_created asc" {
			issued = res.Datasets[0].Created
		} else {
			modified = res.Datasets[0].Modified
		}
	}
	return issued, modified, nil
}

// feedQuery reads page, modified_since, q and fq as ckanext-dcat does.
func feedQuery(c *gin.Context) (int, catalog.SearchParams, error) {
	var sp catalog.SearchParams
	page := 1
	if v := c.Query("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return 0, sp, errorf("page must be a whole number from 1")
		}
		page = n
	}
	sp.Q = c.Query("q")
	if fq := c.Query("fq"); fq != "" {
		sp.FQ = append(sp.FQ, fq)
	}
	if v := c.Query("modified_since"); v != "" {
		t, ok := catalog.ParseTemporal(v)
		if !ok {
			return 0, sp, errorf("modified_since must be an ISO 8601 date or date-time, like 2024-01-31T00:00:00Z")
		}
		sp.FQ = append(sp.FQ, "metadata_modified:["+t.UTC().Format("2006-01-02T15:04:05.999999Z")+" TO *]")
	}
	return page, sp, nil
}

type plainErr string

func (e plainErr) Error() string { return string(e) }

func errorf(msg string) error { return plainErr(msg) }

// pageURL returns a function giving the URL of page n of a feed, keeping
// the query's filters.
func pageURL(base string, q url.Values) func(int) string {
	keep := url.Values{}
	for _, k := range []string{"modified_since", "q", "fq"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	return func(n int) string {
		v := url.Values{}
		for k, vals := range keep {
			v[k] = vals
		}
		v.Set("page", strconv.Itoa(n))
		return base + "?" + v.Encode()
	}
}

// datasetFeed serves one dataset in DCAT-AP at /dataset/{id}.{ext}, or at
// /dataset/{id} in the format the Accept header asks for.
func (s *Server) datasetFeed(c *gin.Context) {
	id := c.Param("id")
	var format dcat.Format
	if i := strings.LastIndexByte(id, '.'); i > 0 {
		if f, ok := dcat.FormatOfExtension(id[i:]); ok {
			format, id = f, id[:i]
		}
	}
	if format == "" && wantsHTML(c.GetHeader("Accept")) {
		c.Header("Vary", "Accept")
		s.datasetPage(c, id)
		return
	}
	if format == "" {
		var ok bool
		if format, ok = negotiated(c); !ok {
			return
		}
	}
	ctx, err := s.authenticate(c)
	if err != nil {
		s.plainError(c, err)
		return
	}
	d, err := s.svc.Datasets.FindDataset(ctx, id)
	if err != nil {
		s.plainError(c, err)
		return
	}
	if d.State != catalog.StateActive {
		s.plainError(c, catalog.NotFoundf("Dataset was not found"))
		return
	}
	c.Header("Content-Type", format.ContentType())
	c.Status(http.StatusOK)
	if c.Request.Method == http.MethodHead {
		return
	}
	doc := s.mapper().NewDocument(dcat.NewEncoder(c.Writer, format))
	err = doc.Dataset(d)
	if err == nil {
		err = doc.Close()
	}
	if err != nil {
		s.log.Warn("dataset feed interrupted", "dataset_id", d.ID, "err", err)
	}
}

func (s *Server) dcatCompleteness(ctx context.Context, p *params) (any, error) {
	id, err := idOrName(p)
	if err != nil {
		return nil, err
	}
	d, err := s.svc.Datasets.FindDataset(ctx, id)
	if err != nil {
		return nil, err
	}
	gaps := s.mapper().Completeness(d)
	mandatory := 0
	for _, g := range gaps {
		if g.Level == "mandatory" {
			mandatory++
		}
	}
	if gaps == nil {
		gaps = []dcat.Gap{}
	}
	return map[string]any{"id": d.ID, "name": d.Name, "complete": mandatory == 0, "mandatory_missing": mandatory, "missing": gaps}, nil
}
