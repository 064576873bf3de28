package api

import (
	"context"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/passerelle/passerelle/catalog"
)

// searchPageSize is how many datasets a page of results lists.
const searchPageSize = 20

// searchFacets are the facets of the search page, in display order, with
// their query parameters (package_search's facet fields).
var searchFacets = []string{"organization", "tags", "res_format", "license_id"}

// pageContext is the request's context with the signed-in principal, if
// any: pages see what the API shows the same token.
func (s *Server) pageContext(c *gin.Context, p *page) context.Context {
	return catalog.WithPrincipal(c.Request.Context(), p.User)
}

type facetView struct {
	Field string
	Items []facetItemView
}

type facetItemView struct {
	Name, Label string
	Count       int
	Active      bool
	URL         string
}

type activeFilter struct {
	Field, Value, Label, URL string
}

type homeData struct {
	Q        string
	Count    int
	Results  []*catalog.Dataset
	Facets   []facetView
	Active   []activeFilter
	Page     int
	Pages    int
	PrevURL  string
	NextURL  string
	Searched bool
}

// plainQuery turns what a visitor typed into words for package_search:
// Solr's operators and special characters are not theirs to know.
func plainQuery(q string) string {
	q = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`+-&|!(){}[]^"~*?:\/`, r) {
			return ' '
		}
		return r
	}, q)
	words := strings.Fields(q)
	for i, w := range words {
		if w == "AND" || w == "OR" || w == "NOT" || w == "TO" {
			words[i] = strings.ToLower(w)
		}
	}
	return strings.Join(words, " ")
}

// home is the catalogue's search page: words, facets and pages.
func (s *Server) home(c *gin.Context) {
	p := s.newPage(c, "")
	p.Title = p.L.T("home_title")
	query := c.Request.URL.Query()
	pageNo := 1
	if v := query.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.errorPage(c, http.StatusBadRequest, "err_bad_request")
			return
		}
		pageNo = n
	}
	q := strings.TrimSpace(query.Get("q"))
	sp := catalog.SearchParams{
		Q: plainQuery(q), Rows: searchPageSize, Start: (pageNo - 1) * searchPageSize,
		FacetFields: searchFacets, FacetLimit: 10, FacetMinCount: 1,
		IncludePrivate: p.User != nil,
	}
	if sp.Q == "" {
		sp.Sort = "metadata_modified desc"
	}
	selected := map[string]map[string]bool{}
	for _, f := range searchFacets {
		for _, v := range query[f] {
			if v = strings.TrimSpace(v); v != "" {
				if selected[f] == nil {
					selected[f] = map[string]bool{}
				}
				selected[f][v] = true
				sp.FQ = append(sp.FQ, f+":"+quoteTerm(v))
			}
		}
	}
	res, err := s.svc.Datasets.SearchDatasets(s.pageContext(c, p), sp)
	if err != nil {
		s.pageError(c, err)
		return
	}
	d := &homeData{Q: q, Count: res.Count, Results: res.Datasets, Page: pageNo, Searched: q != "" || len(sp.FQ) > 0}
	d.Pages = max(1, (res.Count+searchPageSize-1)/searchPageSize)
	// The title says what a search found: it is the first thing a screen
	// reader reads of the new page.
	if d.Searched {
		count := p.L.T("results_none")
		switch {
		case res.Count == 1:
			count = p.L.T("results_count_1")
		case res.Count > 1:
			count = p.L.Int(int64(res.Count)) + " " + p.L.T("results_count_n")
		}
		if q != "" {
			count += " " + p.L.T("results_for") + " « " + q + " »"
		}
		if pageNo > 1 {
			count += ", " + strings.ToLower(p.L.T("page_n")) + " " + strconv.Itoa(pageNo)
		}
		p.Title = count + " – " + p.Title
	}
	// link builds the URL of the search with one value toggled.
	link := func(field, value string, on bool, page int) string {
		v := url.Values{}
		if q != "" {
			v.Set("q", q)
		}
		for _, f := range searchFacets {
			for _, x := range sortedKeys(selected[f]) {
				if f == field && x == value {
					continue
				}
				v.Add(f, x)
			}
		}
		if on {
			v.Add(field, value)
		}
		if page > 1 {
			v.Set("page", strconv.Itoa(page))
		}
		if len(v) == 0 {
			return "/"
		}
		return "/?" + v.Encode()
	}
	labels := map[string]map[string]string{}
	for _, f := range res.Facets {
		fv := facetView{Field: f.Field}
		labels[f.Field] = map[string]string{}
		for _, it := range f.Items {
			label := it.DisplayName
			if f.Field == "license_id" {
				label = p.L.License(it.Name)
			}
			if label == "" {
				label = it.Name
			}
			labels[f.Field][it.Name] = label
			active := selected[f.Field][it.Name]
			fv.Items = append(fv.Items, facetItemView{Name: it.Name, Label: label, Count: it.Count, Active: active, URL: link(f.Field, it.Name, !active, 1)})
		}
		d.Facets = append(d.Facets, fv)
	}
	for _, f := range searchFacets {
		for _, v := range sortedKeys(selected[f]) {
			label := labels[f][v]
			if label == "" {
				label = v
			}
			d.Active = append(d.Active, activeFilter{Field: f, Value: v, Label: label, URL: link(f, v, false, 1)})
		}
	}
	if pageNo > 1 {
		d.PrevURL = link("", "", false, pageNo-1)
	}
	if pageNo < d.Pages {
		d.NextURL = link("", "", false, pageNo+1)
	}
	p.Data = d
	s.render(c, http.StatusOK, "home", p)
}

type orgData struct {
	Org     *catalog.Organization
	Count   int
	Results []*catalog.Dataset
	Page    int
	Pages   int
	PrevURL string
	NextURL string
	CanEdit bool
}

// organizationPage lists an organisation's datasets.
func (s *Server) organizationPage(c *gin.Context) {
	p := s.newPage(c, "")
	ctx := s.pageContext(c, p)
	o, err := s.svc.Organizations.FindOrganization(ctx, c.Param("name"))
	if err != nil {
		s.pageError(c, err)
		return
	}
	pageNo := 1
	if v := c.Query("page"); v != "" {
		if pageNo, err = strconv.Atoi(v); err != nil || pageNo < 1 {
			s.errorPage(c, http.StatusBadRequest, "err_bad_request")
			return
		}
	}
	res, err := s.svc.Datasets.SearchDatasets(ctx, catalog.SearchParams{
		FQ: []string{"owner_org:" + quoteTerm(o.ID)}, Sort: "title_string asc",
		Rows: searchPageSize, Start: (pageNo - 1) * searchPageSize, IncludePrivate: p.User != nil,
	})
	if err != nil {
		s.pageError(c, err)
		return
	}
	p.Title = o.DisplayTitle()
	d := &orgData{Org: o, Count: res.Count, Results: res.Datasets, Page: pageNo, CanEdit: p.User.CanWriteOrg(o.ID)}
	d.Pages = max(1, (res.Count+searchPageSize-1)/searchPageSize)
	base := "/organization/" + url.PathEscape(o.Name)
	if pageNo > 1 {
		d.PrevURL = base + "?page=" + strconv.Itoa(pageNo-1)
	}
	if pageNo < d.Pages {
		d.NextURL = base + "?page=" + strconv.Itoa(pageNo+1)
	}
	p.Data = d
	s.render(c, http.StatusOK, "organization", p)
}

// datasetData is what the dataset page shows.
type datasetData struct {
	D          *catalog.Dataset
	Notes      []string
	Files      []fileView
	Tables     []tableView
	Validation []validationView
	AnySchema  bool
	CanEdit    bool
	// DatastoreURL is datastore_search on the first table, or "".
	DatastoreURL string
	PackageURL   string
	TurtleURL    string
	JSONLDURL    string
}

type fileView struct {
	R         *catalog.Resource
	Modified  time.Time
	Name      string
	URL       string
	Size      string
	StatusURL string
}

// tableView is one table of the dataset: its preview and its columns.
type tableView struct {
	ResourceID string
	Name       string
	Rows       int64
	Header     []string
	Records    [][]string
	Columns    []columnView
	// HasProfile says whether the columns come with their profile.
	HasProfile bool
	// fromReport says Rows comes from the ingestion report: the preview
	// need not count the rows again.
	fromReport bool
}

type validationView struct {
	R       *catalog.Resource
	Name    string
	Pending bool
	V       *catalog.Validation
	Issues  []issueView
}

type issueView struct {
	Row, Column, Value, Message string
}

// maxPreviewTables bounds the tables a dataset page previews, so that a
// workbook of many sheets stays quick to show.
const maxPreviewTables = 5

// previewRows is how many rows a preview shows.
const previewRows = 20

// datasetPage shows a dataset: metadata, files, a preview of its tables,
// their columns, the validation report and links for developers.
func (s *Server) datasetPage(c *gin.Context, id string) {
	p := s.newPage(c, "")
	ctx := s.pageContext(c, p)
	d, err := s.svc.Datasets.FindDataset(ctx, id)
	if err != nil {
		s.pageError(c, err)
		return
	}
	if d.State == catalog.StateDeleted {
		s.pageError(c, catalog.NotFoundf("Dataset was not found"))
		return
	}
	p.Title = d.Title
	dd := &datasetData{
		D: d, CanEdit: p.User.CanWriteOrg(d.OwnerOrg),
		PackageURL: "/api/3/action/package_show?id=" + url.QueryEscape(d.Name),
		TurtleURL:  "/dataset/" + d.ID + ".ttl", JSONLDURL: "/dataset/" + d.ID + ".jsonld",
	}
	for _, para := range strings.Split(strings.ReplaceAll(d.Notes, "\r\n", "\n"), "\n\n") {
		if para = strings.TrimSpace(para); para != "" {
			dd.Notes = append(dd.Notes, para)
		}
	}
	byID := map[string]*catalog.Resource{}
	for i := range d.Resources {
		r := &d.Resources[i]
		byID[r.ID] = r
		fv := fileView{R: r, Name: resourceName(r), URL: r.DownloadURL("")}
		if r.Size != nil {
			fv.Size = p.L.Size(*r.Size)
		}
		fv.Modified = r.Created
		if r.LastModified != nil {
			fv.Modified = *r.LastModified
		}
		if r.Ingest != nil {
			fv.StatusURL = statusURL(d.Name, r.ID)
		}
		dd.Files = append(dd.Files, fv)
	}
	// Tables, as ingestion reported them: the datastore resource of each
	// table of each uploaded file, with its columns' profile. A normalised
	// CSV shares its table's rows: each table is shown once.
	seen := map[string]bool{}
	for i := range d.Resources {
		r := &d.Resources[i]
		if r.Ingest == nil || r.Ingest.Report == nil {
			continue
		}
		for _, t := range r.Ingest.Report.Tables {
			tr := byID[t.ResourceID]
			if tr == nil || seen[tr.ID] || tr.DatastoreTable != "" && seen[tr.DatastoreTable] {
				continue
			}
			seen[tr.ID], seen[tr.DatastoreTable] = true, true
			tv := tableView{ResourceID: tr.ID, Name: resourceName(tr), Rows: t.Rows, HasProfile: len(t.Profile) > 0, fromReport: true}
			tv.Columns = columnViews(t, p.L)
			dd.Tables = append(dd.Tables, tv)
		}
	}
	// Tables loaded without a report at hand (a new file being ingested
	// over them) still get their preview.
	for i := range d.Resources {
		r := &d.Resources[i]
		if r.DatastoreActive && r.DatastoreTable != "" && !seen[r.ID] && !seen[r.DatastoreTable] {
			seen[r.ID], seen[r.DatastoreTable] = true, true
			dd.Tables = append(dd.Tables, tableView{ResourceID: r.ID, Name: resourceName(r)})
		}
	}
	if len(dd.Tables) > maxPreviewTables {
		dd.Tables = dd.Tables[:maxPreviewTables]
	}
	for i := range dd.Tables {
		tv := &dd.Tables[i]
		r := byID[tv.ResourceID]
		if s.svc.Datastore == nil || !r.DatastoreActive || r.DatastoreTable == "" {
			continue
		}
		res, err := s.svc.Datastore.Search(ctx, r.DatastoreTable, catalog.DatastoreQuery{Limit: previewRows, IncludeTotal: !tv.fromReport})
		if err != nil {
			s.log.Warn("dataset page preview", "resource_id", r.ID, "err", err)
			continue
		}
		if !tv.fromReport {
			tv.Rows = res.Total
		}
		skip := -1
		for j, f := range res.Fields {
			if f.ID == "_id" {
				skip = j
				continue
			}
			label := f.Label
			if label == "" {
				label = f.ID
			}
			tv.Header = append(tv.Header, label)
			if len(tv.Columns) < len(res.Fields)-1 && !tv.HasProfile {
				tv.Columns = append(tv.Columns, columnView{Label: label, ID: f.ID, Type: p.L.ColumnType(f.Type)})
			}
		}
		for _, row := range res.Records {
			cells := make([]string, 0, len(row))
			for j, v := range row {
				if j == skip {
					continue
				}
				switch v := v.(type) {
				case bool:
					cells = append(cells, p.L.Bool(v))
				case float64:
					cells = append(cells, p.L.number(cellText(v)))
				default:
					cells = append(cells, cellText(v))
				}
			}
			tv.Records = append(tv.Records, cells)
		}
		if dd.DatastoreURL == "" {
			dd.DatastoreURL = "/api/3/action/datastore_search?resource_id=" + r.ID + "&limit=" + strconv.Itoa(previewRows)
		}
	}
	for i := range d.Resources {
		r := &d.Resources[i]
		if r.Schema == "" {
			continue
		}
		dd.AnySchema = true
		dd.Validation = append(dd.Validation, newValidationView(r, p.L))
	}
	p.Data = dd
	p.Alternates = []alternate{
		{Type: "text/turtle", Href: dd.TurtleURL, Title: "DCAT-AP (Turtle)"},
		{Type: "application/ld+json", Href: dd.JSONLDURL, Title: "DCAT-AP (JSON-LD)"},
		{Type: "application/rdf+xml", Href: "/dataset/" + d.ID + ".rdf", Title: "DCAT-AP (RDF/XML)"},
	}
	p.Canonical = s.cfg.BaseURL + "/dataset/" + url.PathEscape(d.Name)
	p.JSONLD = s.schemaOrg(d)
	c.Header("Vary", "Accept")
	s.render(c, http.StatusOK, "dataset", p)
}

// resourceName is what a resource is called on pages.
func resourceName(r *catalog.Resource) string {
	if r.Name != "" {
		return r.Name
	}
	if r.URLType == "upload" {
		return r.URL
	}
	return r.ID
}

func statusURL(dataset, resource string) string {
	return "/dataset/" + url.PathEscape(dataset) + "/resource/" + resource + "/status"
}

// newValidationView summarises a resource's last validation for pages.
func newValidationView(r *catalog.Resource, l lang) validationView {
	vv := validationView{R: r, Name: resourceName(r), V: r.Validation}
	if in := r.Ingest; in != nil && (in.State == catalog.IngestPending || in.State == catalog.IngestRunning) &&
		(r.Validation == nil || r.Validation.JobID != in.JobID) {
		vv.Pending = true
	}
	if v := r.Validation; v != nil && v.Report != nil {
		for _, is := range v.Report.Errors {
			iv := issueView{Value: is.Value, Message: is.MessageFR}
			if l.Code == "en" || iv.Message == "" {
				iv.Message = is.Message
			}
			if is.Row > 0 {
				iv.Row = strconv.Itoa(is.Row)
			}
			switch {
			case is.Label != "":
				iv.Column = is.Label
			case is.Field != "":
				iv.Column = is.Field
			case is.Column > 0:
				iv.Column = strconv.Itoa(is.Column)
			}
			vv.Issues = append(vv.Issues, iv)
		}
	}
	return vv
}

// schemaOrg is the dataset as a schema.org Dataset in JSON-LD, for search
// engines (Google Dataset Search reads it). json.Marshal escapes <, > and
// &, so the text cannot end the script element.
func (s *Server) schemaOrg(d *catalog.Dataset) template.JS {
	page := s.cfg.BaseURL + "/dataset/" + url.PathEscape(d.Name)
	m := map[string]any{
		"@context": "https://schema.org", "@type": "Dataset", "@id": page,
		"name": d.Title, "url": page, "identifier": d.ID,
		"dateCreated": d.Created.UTC().Format("2006-01-02"), "dateModified": d.Modified.UTC().Format("2006-01-02"),
		"isAccessibleForFree": true,
	}
	if d.Notes != "" {
		m["description"] = d.Notes
	} else {
		m["description"] = d.Title
	}
	if l, ok := catalog.LicenseByID(d.LicenseID); ok && l.URL != "" {
		m["license"] = l.URL
	}
	if len(d.Tags) > 0 {
		kw := make([]string, len(d.Tags))
		for i, t := range d.Tags {
			kw[i] = t.Name
		}
		m["keywords"] = kw
	}
	if o := d.Organization; o != nil {
		m["publisher"] = map[string]any{"@type": "Organization", "name": o.DisplayTitle(), "url": s.cfg.BaseURL + "/organization/" + url.PathEscape(o.Name)}
		m["creator"] = m["publisher"]
	}
	if d.TemporalStart != "" || d.TemporalEnd != "" {
		start, end := d.TemporalStart, d.TemporalEnd
		if start == "" {
			start = ".."
		}
		if end == "" {
			end = ".."
		}
		m["temporalCoverage"] = start + "/" + end
	}
	if d.SpatialURI != "" {
		m["spatialCoverage"] = map[string]any{"@type": "Place", "sameAs": d.SpatialURI}
	}
	var dist []map[string]any
	for i := range d.Resources {
		r := &d.Resources[i]
		dm := map[string]any{"@type": "DataDownload", "name": resourceName(r), "contentUrl": r.DownloadURL(s.cfg.BaseURL)}
		if r.Format != "" {
			dm["encodingFormat"] = r.Format
		}
		if r.Mimetype != "" {
			dm["encodingFormat"] = r.Mimetype
		}
		if r.Size != nil {
			dm["contentSize"] = strconv.FormatInt(*r.Size, 10) + " B"
		}
		dist = append(dist, dm)
	}
	if dist != nil {
		m["distribution"] = dist
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "{}"
	}
	return template.JS(b)
}
