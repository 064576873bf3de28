package api

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode"

	"github.com/gin-gonic/gin"
	"github.com/passerelle/passerelle/catalog"
	"golang.org/x/text/unicode/norm"
)

// publishForm is what the publish and edit forms show: the values typed
// and the choices offered.
type publishForm struct {
	Title, Notes, OwnerOrg, LicenseID, Frequency, Theme, Schema string
	Tags, TemporalStart, TemporalEnd, ContactName, ContactEmail string
	Themes                                                      map[string]bool
	Private                                                     bool

	Orgs        []*catalog.Organization
	Licenses    []option
	Frequencies []option
	ThemeList   []option
	Schemas     []option
	MaxSize     string
	// Dataset is the dataset being edited or deleted.
	Dataset *catalog.Dataset
}

type option struct{ Value, Label string }

// choices fills the lists a form's selects offer.
func (s *Server) choices(f *publishForm, l lang) {
	for _, lic := range catalog.Licenses() {
		f.Licenses = append(f.Licenses, option{lic.ID, l.License(lic.ID)})
	}
	for _, fr := range frequencies {
		f.Frequencies = append(f.Frequencies, option{fr.Code, l.Frequency(catalog.FrequencyBase + fr.Code)})
	}
	for _, t := range catalog.DataThemes() {
		f.ThemeList = append(f.ThemeList, option{t.Code, l.Theme(t.URI())})
	}
	for _, e := range s.schemas().List() {
		label := e.ID
		if e.Title != "" {
			label = e.Title + " (" + e.ID + ")"
		}
		f.Schemas = append(f.Schemas, option{e.ID, label})
	}
	f.MaxSize = l.Size(s.cfg.MaxUploadBytes)
}

// writableOrgs lists the organisations p may publish to.
func (s *Server) writableOrgs(c *gin.Context, p *page) ([]*catalog.Organization, error) {
	ctx := s.pageContext(c, p)
	if p.User.IsSysadmin() {
		orgs, err := s.svc.Organizations.ListOrganizations(ctx, catalog.OrganizationFilter{Sort: "title asc", Limit: orgListMax})
		return orgs, err
	}
	if p.User == nil || p.User.OrgID == "" {
		return nil, nil
	}
	o, err := s.svc.Organizations.FindOrganization(ctx, p.User.OrgID)
	if err != nil {
		return nil, err
	}
	return []*catalog.Organization{o}, nil
}

// signedIn returns the page of a signed-in visitor, or sends anonymous
// ones to the sign-in page (GET) or a 403 (POST) and returns nil.
func (s *Server) signedIn(c *gin.Context) *page {
	p := s.newPage(c, "")
	if p.User != nil {
		return p
	}
	if c.Request.Method == http.MethodGet {
		c.Redirect(http.StatusSeeOther, "/login")
		return nil
	}
	s.errorPage(c, http.StatusForbidden, "err_forbidden")
	return nil
}

// publishPage shows the form that creates a dataset from a file.
func (s *Server) publishPage(c *gin.Context) {
	p := s.signedIn(c)
	if p == nil {
		return
	}
	f := &publishForm{LicenseID: "lov2", Frequency: "UNKNOWN"}
	s.showPublish(c, p, f, http.StatusOK)
}

func (s *Server) showPublish(c *gin.Context, p *page, f *publishForm, status int) {
	p.Title = p.L.T("pub_title")
	orgs, err := s.writableOrgs(c, p)
	if err != nil {
		s.pageError(c, err)
		return
	}
	f.Orgs = orgs
	if len(orgs) == 1 && f.OwnerOrg == "" {
		f.OwnerOrg = orgs[0].ID
	}
	s.choices(f, p.L)
	p.Data = f
	s.render(c, status, "publish", p)
}

// publish creates a dataset with the uploaded file as its first resource,
// in one write, then sends the agent to the file's ingestion status.
func (s *Server) publish(c *gin.Context) {
	p := s.signedIn(c)
	if p == nil {
		return
	}
	if ct, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); ct != "multipart/form-data" {
		s.errorPage(c, http.StatusBadRequest, "err_bad_request")
		return
	}
	form, up, err := s.readMultipart(c.Request)
	if up != nil {
		defer up.remove()
	}
	field := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	var tooBig *tooLargeError
	if err != nil && !errors.As(err, &tooBig) {
		s.errorPage(c, http.StatusBadRequest, "err_bad_request")
		return
	}
	// A file over the limit stops the reading: its form is lost, the
	// CSRF token with it. The session is enough to show the error.
	if tooBig == nil && !s.csrfOK(c, field("csrf")) {
		s.csrfFailed(c)
		return
	}
	f := &publishForm{
		Title: field("title"), Notes: field("notes"), OwnerOrg: field("owner_org"),
		LicenseID: field("license_id"), Frequency: field("frequency"), Theme: field("theme"), Schema: field("schema"),
	}
	if tooBig != nil {
		p.Errors = append(p.Errors, formError{"upload", p.L.T("pub_file_too_large") + " (" + p.L.Size(s.cfg.MaxUploadBytes) + ")."})
		s.showPublish(c, p, f, http.StatusRequestEntityTooLarge)
		return
	}
	orgs, err := s.writableOrgs(c, p)
	if err != nil {
		s.pageError(c, err)
		return
	}
	if f.Title == "" {
		p.Errors = append(p.Errors, formError{"title", p.L.T("pub_title_missing")})
	}
	var org *catalog.Organization
	for _, o := range orgs {
		if o.ID == f.OwnerOrg || o.Name == f.OwnerOrg {
			org = o
		}
	}
	if org == nil {
		p.Errors = append(p.Errors, formError{"owner_org", p.L.T("pub_org_missing")})
	}
	if up == nil || up.size == 0 {
		p.Errors = append(p.Errors, formError{"upload", p.L.T("pub_file_missing")})
	}
	if len(p.Errors) > 0 {
		s.showPublish(c, p, f, http.StatusUnprocessableEntity)
		return
	}
	d := &catalog.Dataset{
		Title: f.Title, Notes: f.Notes, OwnerOrg: org.ID, LicenseID: f.LicenseID,
		State: catalog.StateActive,
	}
	if f.Frequency != "" {
		d.Frequency = catalog.FrequencyBase + f.Frequency
	}
	if f.Theme != "" {
		d.Themes = []string{catalog.DataThemeBase + f.Theme}
	}
	r := &catalog.Resource{Name: up.name, Schema: f.Schema}
	if err := s.checkSchema("schema", f.Schema, ""); err != nil {
		s.formFailed(c, p, err, func() { s.showPublish(c, p, f, http.StatusUnprocessableEntity) })
		return
	}
	ctx := s.pageContext(c, p)
	if err := s.attachUpload(ctx, newParams(map[string]any{"upload": up}), r); err != nil {
		s.formFailed(c, p, err, func() { s.showPublish(c, p, f, http.StatusUnprocessableEntity) })
		return
	}
	d.Resources = []catalog.Resource{*r}
	base := slug(f.Title)
	var created *catalog.Dataset
	for i := 1; ; i++ {
		d.Name = base
		if i > 1 {
			d.Name = fmt.Sprintf("%s-%d", base, i)
		}
		created, err = s.svc.Datasets.CreateDataset(ctx, d)
		var ce *catalog.Error
		if err != nil && i < 20 && errors.As(err, &ce) && ce.Kind == catalog.KindInvalid && len(ce.Fields["name"]) > 0 {
			continue // taken or reserved: the next number
		}
		break
	}
	if err != nil {
		s.formFailed(c, p, err, func() { s.showPublish(c, p, f, http.StatusUnprocessableEntity) })
		return
	}
	rid := created.Resources[0].ID
	if s.svc.OnUpload != nil {
		s.svc.OnUpload()
		s.awaitIngest(ctx, rid)
	}
	s.log.Info("dataset published from the web", "dataset_id", created.ID, "token", p.User.Name)
	c.Redirect(http.StatusSeeOther, statusURL(created.Name, rid))
}

// publishWait is how long publishing waits for a small file's ingestion,
// so that the agent lands on its report rather than on a page that
// reloads itself (which screen readers read again from the top).
const publishWait = 3 * time.Second

// awaitIngest waits, at most publishWait, for the ingestion of resource
// id to end.
func (s *Server) awaitIngest(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(ctx, publishWait)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		r, err := s.svc.Datasets.FindResource(ctx, id)
		if err != nil || r.Ingest == nil || (r.Ingest.State != catalog.IngestPending && r.Ingest.State != catalog.IngestRunning) {
			return
		}
	}
}

// formFailed shows a catalog error on its form (validation errors listed
// and linked to their fields), or the error page for other kinds.
func (s *Server) formFailed(c *gin.Context, p *page, err error, show func()) {
	var ce *catalog.Error
	if !errors.As(err, &ce) || ce.Kind != catalog.KindInvalid {
		s.pageError(c, err)
		return
	}
	for _, k := range sortedKeys(ce.Fields) {
		id := formFieldOf(k)
		for _, msg := range ce.Fields[k] {
			p.Errors = append(p.Errors, formError{id, fieldLabel(p.L, id) + p.L.T("colon") + translateMessage(p.L, msg)})
		}
	}
	if ce.Msg != "" {
		p.Errors = append(p.Errors, formError{"", ce.Msg})
	}
	show()
}

// formFieldOf is the form input that an API field's error belongs to.
func formFieldOf(k string) string {
	switch {
	case k == "name":
		return "title"
	case k == "theme":
		return "theme"
	case strings.HasSuffix(k, "schema"):
		return "schema"
	case strings.HasPrefix(k, "resources"):
		return "upload"
	}
	switch k {
	case "title", "notes", "owner_org", "license_id", "frequency", "tags", "temporal_start", "temporal_end", "contact_name", "contact_email", "upload":
		return k
	}
	return ""
}

// fieldLabel is the label of a form input, for error messages.
func fieldLabel(l lang, id string) string {
	key := map[string]string{
		"title": "pub_dataset_title", "notes": "pub_notes", "owner_org": "pub_org", "license_id": "pub_license",
		"frequency": "pub_frequency", "theme": "pub_theme", "schema": "pub_schema", "upload": "pub_file",
		"tags": "ed_tags", "temporal_start": "ed_temporal_start", "temporal_end": "ed_temporal_end",
		"contact_name": "ed_contact_name", "contact_email": "ed_contact_email",
	}[id]
	if key == "" {
		return l.T("form")
	}
	return l.T(key)
}

// translateMessage gives the catalogue's most common messages in French;
// others stay in English.
func translateMessage(l lang, msg string) string {
	if l.Code != "fr" {
		return msg
	}
	if fr, ok := messagesFR[msg]; ok {
		return fr
	}
	if strings.HasPrefix(msg, "Tag ") && strings.Contains(msg, "must be alphanumeric") {
		return "un mot-clé ne peut contenir que des lettres, des chiffres, des espaces et les signes - _ ."
	}
	if strings.HasPrefix(msg, "Tag ") && strings.Contains(msg, "length is less than minimum") {
		return "un mot-clé doit faire au moins 2 caractères"
	}
	if strings.HasPrefix(msg, "Email ") {
		return "l'adresse électronique n'est pas valide"
	}
	return msg
}

var messagesFR = map[string]string{
	"Missing value": "ce champ est obligatoire",
	"Must be an ISO 8601 date (YYYY-MM-DD) or date-time": "saisissez une date au format AAAA-MM-JJ",
	"Must not be before temporal_start":                  "la fin ne peut pas précéder le début",
	"That URL is already in use.":                        "ce nom est déjà pris",
}

// slug derives a dataset name from its title: ASCII, lower case, words
// joined by hyphens, at most 80 characters, cut between words.
func slug(title string) string {
	var b strings.Builder
	dash := false
	write := func(s string) {
		if dash && b.Len() > 0 {
			b.WriteByte('-')
		}
		b.WriteString(s)
		dash = false
	}
	for _, r := range norm.NFD.String(strings.ToLower(title)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'œ':
			write("oe")
		case r == 'æ':
			write("ae")
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			write(string(r))
		default:
			dash = true
		}
	}
	s := b.String()
	if len(s) > 80 {
		cut := strings.LastIndexByte(s[:81], '-')
		if cut < 40 {
			cut = 80
		}
		s = strings.Trim(s[:cut], "-")
	}
	if len(s) < 2 {
		s = "jeu-de-donnees"
	}
	return s
}

// statusData is what the ingestion status page shows.
type statusData struct {
	D          *catalog.Dataset
	R          *catalog.Resource
	In         *catalog.Ingest
	Running    bool
	Auto       bool
	URL        string
	Percent    int
	Report     *catalog.IngestReport
	Tables     []statusTable
	Error      string
	Validation *validationView
}

type statusTable struct {
	T       catalog.IngestTable
	Name    string
	Columns []columnView
}

// statusPage shows a file's ingestion: progress while it runs (the page
// reloads itself), then what detection found and the validation report.
func (s *Server) statusPage(c *gin.Context) {
	p := s.newPage(c, "")
	ctx := s.pageContext(c, p)
	d, err := s.svc.Datasets.FindDataset(ctx, c.Param("id"))
	if err != nil {
		s.pageError(c, err)
		return
	}
	var r *catalog.Resource
	for i := range d.Resources {
		if d.Resources[i].ID == c.Param("rid") {
			r = &d.Resources[i]
		}
	}
	if r == nil || d.State == catalog.StateDeleted {
		s.pageError(c, catalog.NotFoundf("Resource was not found"))
		return
	}
	sd := &statusData{D: d, R: r, In: r.Ingest, URL: statusURL(d.Name, r.ID)}
	p.Title = p.L.T("st_title") + " – " + resourceName(r)
	if in := r.Ingest; in != nil {
		sd.Running = in.State == catalog.IngestPending || in.State == catalog.IngestRunning
		sd.Percent = int(in.Progress*100 + 0.5)
		sd.Report = in.Report
		sd.Error = in.ErrorFR
		if p.L.Code == "en" || sd.Error == "" {
			sd.Error = in.Error
		}
		// The page reloads itself while the file is ingested, unless the
		// visitor stopped it (WCAG 2.2.1: a time limit can be turned off).
		sd.Auto = c.Query("auto") != "0"
		if sd.Running && sd.Auto {
			p.Refresh = 2
			p.Script = "status.js"
		}
		if in.Report != nil {
			for i, t := range in.Report.Tables {
				name := t.Sheet
				if name == "" {
					name = fmt.Sprintf("%s %d", p.L.T("st_table"), i+1)
				}
				sd.Tables = append(sd.Tables, statusTable{T: t, Name: name, Columns: columnViews(t, p.L)})
			}
		}
	}
	if r.Schema != "" {
		vv := newValidationView(r, p.L)
		sd.Validation = &vv
	}
	p.Data = sd
	if sd.Running {
		c.Header("Cache-Control", "no-store")
	}
	s.render(c, http.StatusOK, "status", p)
}

// editable loads a dataset that the signed-in visitor may change, or
// answers and returns nil.
func (s *Server) editable(c *gin.Context, p *page) *catalog.Dataset {
	d, err := s.svc.Datasets.FindDataset(s.pageContext(c, p), c.Param("id"))
	if err != nil {
		s.pageError(c, err)
		return nil
	}
	if d.State == catalog.StateDeleted {
		s.pageError(c, catalog.NotFoundf("Dataset was not found"))
		return nil
	}
	if !p.User.CanWriteOrg(d.OwnerOrg) {
		s.errorPage(c, http.StatusForbidden, "err_forbidden")
		return nil
	}
	return d
}

// editPage shows the metadata form of a dataset.
func (s *Server) editPage(c *gin.Context) {
	p := s.signedIn(c)
	if p == nil {
		return
	}
	d := s.editable(c, p)
	if d == nil {
		return
	}
	f := &publishForm{
		Title: d.Title, Notes: d.Notes, LicenseID: d.LicenseID,
		Frequency:     strings.TrimPrefix(d.Frequency, catalog.FrequencyBase),
		TemporalStart: d.TemporalStart, TemporalEnd: d.TemporalEnd,
		ContactName: d.ContactName, ContactEmail: d.ContactEmail, Private: d.Private,
		Themes: map[string]bool{},
	}
	var tags []string
	for _, t := range d.Tags {
		tags = append(tags, t.Name)
	}
	f.Tags = strings.Join(tags, ", ")
	for _, t := range d.Themes {
		f.Themes[strings.TrimPrefix(t, catalog.DataThemeBase)] = true
	}
	s.showEdit(c, p, d, f, http.StatusOK)
}

func (s *Server) showEdit(c *gin.Context, p *page, d *catalog.Dataset, f *publishForm, status int) {
	p.Title = p.L.T("ed_title") + " – " + d.Title
	f.Dataset = d
	s.choices(f, p.L)
	p.Data = f
	s.render(c, status, "edit", p)
}

// edit saves the metadata form.
func (s *Server) edit(c *gin.Context) {
	p := s.signedIn(c)
	if p == nil {
		return
	}
	form, ok := s.postedForm(c)
	if !ok {
		return
	}
	d := s.editable(c, p)
	if d == nil {
		return
	}
	get := func(k string) string { return strings.TrimSpace(form.Get(k)) }
	f := &publishForm{
		Title: get("title"), Notes: form.Get("notes"), LicenseID: get("license_id"), Frequency: get("frequency"),
		Tags: get("tags"), TemporalStart: get("temporal_start"), TemporalEnd: get("temporal_end"),
		ContactName: get("contact_name"), ContactEmail: get("contact_email"), Private: form.Get("private") != "",
		Themes: map[string]bool{},
	}
	for _, t := range form["theme"] {
		f.Themes[t] = true
	}
	if f.Title == "" {
		p.Errors = append(p.Errors, formError{"title", p.L.T("pub_title_missing")})
		s.showEdit(c, p, d, f, http.StatusUnprocessableEntity)
		return
	}
	_, err := s.svc.Datasets.UpdateDataset(s.pageContext(c, p), d.ID, func(cur *catalog.Dataset) error {
		cur.Title, cur.Notes, cur.LicenseID = f.Title, f.Notes, f.LicenseID
		cur.Frequency = ""
		if f.Frequency != "" {
			cur.Frequency = catalog.FrequencyBase + f.Frequency
		}
		cur.TemporalStart, cur.TemporalEnd = f.TemporalStart, f.TemporalEnd
		cur.ContactName, cur.ContactEmail, cur.Private = f.ContactName, f.ContactEmail, f.Private
		cur.Tags = nil
		for _, t := range strings.Split(f.Tags, ",") {
			if t = strings.TrimSpace(t); t != "" {
				cur.Tags = append(cur.Tags, catalog.Tag{Name: t})
			}
		}
		cur.Themes = nil
		for _, code := range sortedKeys(f.Themes) {
			cur.Themes = append(cur.Themes, catalog.DataThemeBase+code)
		}
		sort.Strings(cur.Themes)
		return nil
	})
	if err != nil {
		s.formFailed(c, p, err, func() { s.showEdit(c, p, d, f, http.StatusUnprocessableEntity) })
		return
	}
	c.Redirect(http.StatusSeeOther, "/dataset/"+url.PathEscape(d.Name))
}

// deletePage asks to confirm a deletion.
func (s *Server) deletePage(c *gin.Context) {
	p := s.signedIn(c)
	if p == nil {
		return
	}
	d := s.editable(c, p)
	if d == nil {
		return
	}
	p.Title = p.L.T("del_title") + " – " + d.Title
	p.Data = &publishForm{Dataset: d}
	s.render(c, http.StatusOK, "delete", p)
}

// deleteDataset deletes a dataset once confirmed.
func (s *Server) deleteDataset(c *gin.Context) {
	p := s.signedIn(c)
	if p == nil {
		return
	}
	if _, ok := s.postedForm(c); !ok {
		return
	}
	d := s.editable(c, p)
	if d == nil {
		return
	}
	if err := s.svc.Datasets.DeleteDataset(s.pageContext(c, p), d.ID); err != nil {
		s.pageError(c, err)
		return
	}
	s.log.Info("dataset deleted from the web", "dataset_id", d.ID, "token", p.User.Name)
	p.Title = p.L.T("del_done")
	p.Data = map[string]any{"Status": http.StatusOK, "Message": p.L.T("del_done")}
	s.render(c, http.StatusOK, "error", p)
}
