package catalog

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// State is the life-cycle state of a dataset, resource or organisation, with
// CKAN's values.
type State string

// States, as CKAN names them. Deleting is soft: a deleted dataset keeps its
// id and name so harvesters can see it go.
const (
	StateActive  State = "active"
	StateDraft   State = "draft"
	StateDeleted State = "deleted"
)

// DatasetType is the only CKAN dataset type Passerelle serves; udata's
// harvester rejects any other.
const DatasetType = "dataset"

// Dataset is a CKAN package and a dcat:Dataset.
type Dataset struct {
	ID              string
	Name            string
	Title           string
	Notes           string // markdown
	URL             string // source or landing page
	Version         string
	Author          string
	AuthorEmail     string
	Maintainer      string
	MaintainerEmail string
	LicenseID       string
	OwnerOrg        string        // organisation id
	Organization    *Organization // filled on reads
	Private         bool
	State           State
	Tags            []Tag
	Extras          []Extra // free key/values, sorted by key on reads
	Resources       []Resource

	// DCAT-AP properties (SPEC §3), first-class rather than free extras.
	Frequency     string   // EU frequency URI
	TemporalStart string   // ISO 8601 date or date-time
	TemporalEnd   string   // ISO 8601 date or date-time
	SpatialURI    string   // INSEE / geozone / EU place URI
	Spatial       string   // GeoJSON Polygon or MultiPolygon
	Themes        []string // EU data-theme URIs
	ContactName   string
	ContactEmail  string

	Created  time.Time // metadata_created, UTC
	Modified time.Time // metadata_modified, UTC
}

// Tag is a free keyword (dcat:keyword).
type Tag struct {
	ID   string
	Name string
}

// Extra is a free key/value pair attached to a dataset or organisation.
type Extra struct {
	Key   string
	Value string
}

// Resource is a CKAN resource and a dcat:Distribution.
type Resource struct {
	ID               string
	DatasetID        string
	Position         int
	Name             string
	Description      string
	URL              string
	URLType          string // "" for a link, "upload" for a stored file
	Format           string
	Mimetype         string
	Size             *int64
	Hash             string
	ResourceType     string
	State            State
	DatastoreActive  bool
	Extras           map[string]any // extra keys, flattened into the CKAN dict
	Created          time.Time
	LastModified     *time.Time
	MetadataModified time.Time

	// BlobKey is the stored file of an upload; URL then holds its file
	// name and the API builds the download URL.
	BlobKey string
	// DatastoreTable names the datastore table holding the rows.
	DatastoreTable string
	// DerivedFrom is the uploaded resource this one was made from (a
	// normalised CSV), or "".
	DerivedFrom string
	// Ingest is the latest ingestion of the resource's file, on reads.
	Ingest *Ingest
	// Schema is the Table Schema the resource declares it follows (see
	// SchemaInfo.Ref), or "".
	Schema string
	// Validation is the check of the stored file against Schema, made
	// when it was ingested; nil until then, or without a schema.
	Validation *Validation
	// Upload, on writes only, is a new file for the resource: storage
	// queues its ingestion with the write. On a new resource the file is
	// attached at once; on an existing one it replaces the current file
	// only when ingestion succeeds.
	Upload *Upload
}

// Organization is a CKAN organization and the dcat publisher (foaf:Agent).
type Organization struct {
	ID          string
	Name        string
	Title       string
	Description string
	ImageURL    string
	SIREN       string
	Email       string
	Extras      []Extra
	State       State
	Created     time.Time
	// PackageCount is the number of datasets the caller can see; filled on
	// list and show.
	PackageCount int
}

// ResourceTypes are the resource_type values udata's harvester accepts; any
// other fails the whole dataset there (research/harvest-contract.md §2).
var ResourceTypes = []string{"file", "file.upload", "api", "documentation", "image", "visualization"}

var (
	nameRe = regexp.MustCompile(`^[a-z0-9_-]+$`)
	// reservedNames cannot be dataset or organisation names: they are page
	// routes in CKAN and in our web pages.
	reservedNames = map[string]bool{"new": true, "edit": true, "search": true}
)

// ValidateName checks a dataset or organisation name (slug) with CKAN's
// rules and messages, recording problems under field.
func ValidateName(fe FieldErrors, field, name string) {
	switch {
	case name == "":
		fe.Add(field, "Missing value")
	case len(name) < 2:
		fe.Add(field, "Must be at least 2 characters long")
	case len(name) > 100:
		fe.Add(field, "Name must be a maximum of 100 characters long")
	case !nameRe.MatchString(name):
		fe.Add(field, "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_")
	case reservedNames[name]:
		fe.Add(field, fmt.Sprintf("Name %q is reserved", name))
	}
}

func validateEmail(fe FieldErrors, field, v string) {
	if v == "" {
		return
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || !strings.Contains(v[strings.LastIndexByte(v, '@'):], ".") {
		fe.Add(field, fmt.Sprintf("Email %s is not a valid format", v))
	}
}

// validateURL accepts an absolute http(s) or ftp(s) URL, or empty.
func validateURL(fe FieldErrors, field, v string) {
	if v == "" {
		return
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || !map[string]bool{"http": true, "https": true, "ftp": true, "ftps": true}[u.Scheme] {
		fe.Add(field, "Please provide a valid URL (http, https or ftp, with a host)")
	}
}

func validateLength(fe FieldErrors, field, v string, max int) {
	if utf8.RuneCountInString(v) > max {
		fe.Add(field, fmt.Sprintf("Must be at most %d characters long", max))
	}
	if strings.ContainsRune(v, 0) {
		fe.Add(field, "Must not contain NUL characters")
	}
}

// ValidateTagName checks a tag with CKAN's rules: 2 to 100 characters,
// letters, digits, spaces and -_. only.
func ValidateTagName(name string) string {
	n := utf8.RuneCountInString(name)
	switch {
	case n < 2:
		return fmt.Sprintf("Tag %q length is less than minimum 2", name)
	case n > 100:
		return fmt.Sprintf("Tag %q length is more than maximum 100", name)
	}
	for _, r := range name {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || r == '-' || r == '_' || r == '.') {
			return fmt.Sprintf("Tag %q must be alphanumeric characters or symbols: -_.", name)
		}
	}
	return ""
}

// ParseTemporal reads an ISO 8601 date or date-time as used for temporal
// coverage; it returns false when v is neither.
func ParseTemporal(v string) (time.Time, bool) {
	for _, layout := range []string{"2006-01-02", time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// Validate checks every rule of a dataset that needs no database: names,
// lengths, e-mails, URLs, licence, vocabularies, tags, extras and resources.
// It returns a KindInvalid *Error listing each problem by field.
func (d *Dataset) Validate() error {
	fe := FieldErrors{}
	ValidateName(fe, "name", d.Name)
	if d.Title == "" {
		fe.Add("title", "Missing value")
	}
	for field, v := range map[string]string{
		"title": d.Title, "version": d.Version, "author": d.Author, "maintainer": d.Maintainer,
		"contact_name": d.ContactName,
	} {
		validateLength(fe, field, v, 1000)
	}
	validateLength(fe, "notes", d.Notes, 100_000)
	validateEmail(fe, "author_email", d.AuthorEmail)
	validateEmail(fe, "maintainer_email", d.MaintainerEmail)
	validateEmail(fe, "contact_email", d.ContactEmail)
	validateURL(fe, "url", d.URL)
	if d.OwnerOrg == "" {
		fe.Add("owner_org", "Missing value")
	}
	if d.LicenseID != "" {
		if _, ok := LicenseByID(d.LicenseID); !ok {
			fe.Add("license_id", fmt.Sprintf("Unknown licence %q: use one of the ids license_list returns", d.LicenseID))
		}
	}
	switch d.State {
	case StateActive, StateDraft, StateDeleted:
	default:
		fe.Add("state", fmt.Sprintf("State %q is not one of active, draft, deleted", d.State))
	}
	if d.Frequency != "" {
		if _, ok := NormalizeFrequency(d.Frequency); !ok {
			fe.Add("frequency", fmt.Sprintf("Unknown frequency %q: use an EU frequency URI (%sMONTHLY) or code", d.Frequency, FrequencyBase))
		}
	}
	for _, th := range d.Themes {
		if _, ok := NormalizeTheme(th); !ok {
			fe.Add("theme", fmt.Sprintf("Unknown theme %q: use an EU data-theme URI (%sECON) or code", th, DataThemeBase))
		}
	}
	var start, end time.Time
	var okStart, okEnd bool
	if d.TemporalStart != "" {
		if start, okStart = ParseTemporal(d.TemporalStart); !okStart {
			fe.Add("temporal_start", "Must be an ISO 8601 date (YYYY-MM-DD) or date-time")
		}
	}
	if d.TemporalEnd != "" {
		if end, okEnd = ParseTemporal(d.TemporalEnd); !okEnd {
			fe.Add("temporal_end", "Must be an ISO 8601 date (YYYY-MM-DD) or date-time")
		}
	}
	if okStart && okEnd && end.Before(start) {
		fe.Add("temporal_end", "Must not be before temporal_start")
	}
	validateURL(fe, "spatial_uri", d.SpatialURI)
	if d.Spatial != "" {
		if msg := validateGeoJSONArea(d.Spatial); msg != "" {
			fe.Add("spatial", msg)
		}
	}
	seenTags := map[string]bool{}
	for _, t := range d.Tags {
		if msg := ValidateTagName(t.Name); msg != "" {
			fe.Add("tags", msg)
		}
		if seenTags[t.Name] {
			fe.Add("tags", fmt.Sprintf("Tag %q is given twice", t.Name))
		}
		seenTags[t.Name] = true
	}
	seenExtras := map[string]bool{}
	for _, e := range d.Extras {
		switch {
		case e.Key == "":
			fe.Add("extras", "Extra key must not be empty")
		case seenExtras[e.Key]:
			fe.Add("extras", fmt.Sprintf("Duplicate key %q", e.Key))
		case reservedExtraKeys[e.Key]:
			fe.Add("extras", fmt.Sprintf("There is a schema field with the same name: %q", e.Key))
		}
		validateLength(fe, "extras", e.Key, 200)
		validateLength(fe, "extras", e.Value, 100_000)
		seenExtras[e.Key] = true
	}
	for i := range d.Resources {
		if err := d.Resources[i].validate(fe, fmt.Sprintf("resources[%d].", i)); err != nil {
			return err
		}
	}
	return fe.Err()
}

// reservedExtraKeys are package fields that may not also be extras (CKAN's
// "There is a schema field with the same name").
var reservedExtraKeys = map[string]bool{
	"id": true, "name": true, "title": true, "notes": true, "url": true, "version": true,
	"author": true, "author_email": true, "maintainer": true, "maintainer_email": true,
	"license_id": true, "owner_org": true, "private": true, "state": true, "type": true,
	"tags": true, "extras": true, "resources": true, "groups": true,
	"metadata_created": true, "metadata_modified": true, "organization": true,
}

// Validate checks a resource on its own; see Dataset.Validate.
func (r *Resource) Validate() error {
	fe := FieldErrors{}
	if err := r.validate(fe, ""); err != nil {
		return err
	}
	return fe.Err()
}

func (r *Resource) validate(fe FieldErrors, prefix string) error {
	validateLength(fe, prefix+"name", r.Name, 1000)
	validateLength(fe, prefix+"description", r.Description, 100_000)
	validateLength(fe, prefix+"format", r.Format, 100)
	validateLength(fe, prefix+"mimetype", r.Mimetype, 200)
	validateLength(fe, prefix+"hash", r.Hash, 200)
	validateLength(fe, prefix+"schema", r.Schema, 200_000)
	if r.URLType != "upload" {
		validateURL(fe, prefix+"url", r.URL)
	}
	if r.Size != nil && *r.Size < 0 {
		fe.Add(prefix+"size", "Must be a natural number")
	}
	if r.ResourceType != "" && !slices.Contains(ResourceTypes, r.ResourceType) {
		fe.Add(prefix+"resource_type", fmt.Sprintf("Must be one of %s", strings.Join(ResourceTypes, ", ")))
	}
	for k := range r.Extras {
		if k == "" {
			fe.Add(prefix+"extras", "Extra key must not be empty")
		}
	}
	return nil
}

// Validate checks an organisation's fields that need no database.
func (o *Organization) Validate() error {
	fe := FieldErrors{}
	ValidateName(fe, "name", o.Name)
	validateLength(fe, "title", o.Title, 1000)
	validateLength(fe, "description", o.Description, 100_000)
	validateURL(fe, "image_url", o.ImageURL)
	validateEmail(fe, "email", o.Email)
	if o.SIREN != "" && !sirenRe.MatchString(o.SIREN) {
		fe.Add("siren", "A SIREN is 9 digits")
	}
	switch o.State {
	case StateActive, StateDeleted:
	default:
		fe.Add("state", fmt.Sprintf("State %q is not one of active, deleted", o.State))
	}
	seen := map[string]bool{}
	for _, e := range o.Extras {
		if e.Key == "" || seen[e.Key] {
			fe.Add("extras", fmt.Sprintf("Extra key %q is empty or repeated", e.Key))
		}
		seen[e.Key] = true
	}
	return fe.Err()
}

var sirenRe = regexp.MustCompile(`^[0-9]{9}$`)

// DisplayTitle returns the title, or the name when the title is empty, as
// CKAN's display_name does.
func (o *Organization) DisplayTitle() string {
	if o.Title != "" {
		return o.Title
	}
	return o.Name
}

// validateGeoJSONArea accepts a GeoJSON Polygon or MultiPolygon geometry, the
// only shapes udata's harvester keeps.
func validateGeoJSONArea(v string) string {
	var g struct {
		Type        string          `json:"type"`
		Coordinates json.RawMessage `json:"coordinates"`
	}
	if err := json.Unmarshal([]byte(v), &g); err != nil {
		return "Must be a GeoJSON geometry"
	}
	switch g.Type {
	case "Polygon":
		var c [][][]float64
		if json.Unmarshal(g.Coordinates, &c) != nil || len(c) == 0 {
			return "Polygon coordinates must be a list of linear rings"
		}
	case "MultiPolygon":
		var c [][][][]float64
		if json.Unmarshal(g.Coordinates, &c) != nil || len(c) == 0 {
			return "MultiPolygon coordinates must be a list of polygons"
		}
	default:
		return "Must be a GeoJSON Polygon or MultiPolygon (harvesters drop other geometries)"
	}
	return ""
}

// DownloadURL is where an uploaded resource's file is served, in CKAN's
// form: base/dataset/{id}/resource/{rid}/download/{filename}. A link
// resource's is its own URL.
func (r *Resource) DownloadURL(base string) string {
	if r.URLType != "upload" {
		return r.URL
	}
	return strings.TrimRight(base, "/") + "/dataset/" + r.DatasetID + "/resource/" + r.ID + "/download/" + url.PathEscape(r.URL)
}
