package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/passerelle/passerelle/catalog"
)

// The structs below are CKAN's dictionaries (ckan/lib/dictization,
// research/harvest-contract.md §1.4 and §2), field for field, so that
// ckanapi and udata's harvester read them unchanged. Optional strings are
// null when empty, as CKAN prints unset columns.

type packageDict struct {
	Author                 *string        `json:"author"`
	AuthorEmail            *string        `json:"author_email"`
	CreatorUserID          *string        `json:"creator_user_id"`
	Extras                 []extraDict    `json:"extras"`
	Groups                 []any          `json:"groups"`
	ID                     string         `json:"id"`
	IsOpen                 bool           `json:"isopen"`
	LicenseID              *string        `json:"license_id"`
	LicenseTitle           *string        `json:"license_title"`
	LicenseURL             *string        `json:"license_url,omitempty"`
	Maintainer             *string        `json:"maintainer"`
	MaintainerEmail        *string        `json:"maintainer_email"`
	MetadataCreated        string         `json:"metadata_created"`
	MetadataModified       string         `json:"metadata_modified"`
	Name                   string         `json:"name"`
	Notes                  *string        `json:"notes"`
	NumResources           int            `json:"num_resources"`
	NumTags                int            `json:"num_tags"`
	Organization           *orgShortDict  `json:"organization"`
	OwnerOrg               *string        `json:"owner_org"`
	Private                bool           `json:"private"`
	RelationshipsAsObject  []any          `json:"relationships_as_object"`
	RelationshipsAsSubject []any          `json:"relationships_as_subject"`
	Resources              []resourceDict `json:"resources"`
	State                  string         `json:"state"`
	Tags                   []tagDict      `json:"tags"`
	Title                  string         `json:"title"`
	Type                   string         `json:"type"`
	URL                    *string        `json:"url"`
	Version                *string        `json:"version"`
}

type extraDict struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

type tagDict struct {
	DisplayName  string  `json:"display_name"`
	ID           string  `json:"id"`
	Name         string  `json:"name"`
	State        string  `json:"state"`
	VocabularyID *string `json:"vocabulary_id"`
}

// orgShortDict is the organisation as embedded in a package.
type orgShortDict struct {
	ApprovalStatus string `json:"approval_status"`
	Created        string `json:"created"`
	Description    string `json:"description"`
	ID             string `json:"id"`
	ImageURL       string `json:"image_url"`
	IsOrganization bool   `json:"is_organization"`
	Name           string `json:"name"`
	State          string `json:"state"`
	Title          string `json:"title"`
	Type           string `json:"type"`
}

// orgDict is organization_show's and organization_list's full dictionary.
type orgDict struct {
	orgShortDict
	DisplayName     string          `json:"display_name"`
	ImageDisplayURL string          `json:"image_display_url"`
	PackageCount    *int            `json:"package_count,omitempty"`
	NumFollowers    int             `json:"num_followers"`
	Extras          []extraDict     `json:"extras"`
	Users           []any           `json:"users"`
	Groups          []any           `json:"groups"`
	Tags            []any           `json:"tags"`
	Packages        *[]*packageDict `json:"packages,omitempty"`
}

// resourceDict marshals CKAN's resource dictionary with the resource's
// extra keys flattened beside the core ones.
type resourceDict struct {
	core   resourceCore
	extras map[string]any
}

type resourceCore struct {
	CacheLastUpdated *string `json:"cache_last_updated"`
	CacheURL         *string `json:"cache_url"`
	Created          string  `json:"created"`
	DatastoreActive  bool    `json:"datastore_active"`
	Description      string  `json:"description"`
	Format           string  `json:"format"`
	Hash             string  `json:"hash"`
	ID               string  `json:"id"`
	LastModified     *string `json:"last_modified"`
	MetadataModified string  `json:"metadata_modified"`
	Mimetype         *string `json:"mimetype"`
	MimetypeInner    *string `json:"mimetype_inner"`
	Name             *string `json:"name"`
	PackageID        string  `json:"package_id"`
	Position         int     `json:"position"`
	ResourceType     *string `json:"resource_type"`
	Size             *int64  `json:"size"`
	State            string  `json:"state"`
	URL              string  `json:"url"`
	URLType          *string `json:"url_type"`
	// Passerelle's own: the ingestion of an uploaded file, and the
	// uploaded resource a normalised copy was made from.
	Ingest      *ingestDict `json:"ingest,omitempty"`
	DerivedFrom *string     `json:"derived_from,omitempty"`
	// The schema the resource follows, as udata has it, only once its
	// file was found valid (a link: as declared); the declared reference;
	// the last check, with ckanext-validation's status and timestamp keys.
	Schema              *schemaDict         `json:"schema,omitempty"`
	PasserelleSchema    string              `json:"passerelle_schema,omitempty"`
	ValidationStatus    string              `json:"validation_status,omitempty"`
	ValidationTimestamp *string             `json:"validation_timestamp,omitempty"`
	Validation          *catalog.Validation `json:"validation,omitempty"`
}

// schemaDict names a schema as udata's resource schema field does.
type schemaDict struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	URL     string `json:"url"`
}

func (r resourceDict) MarshalJSON() ([]byte, error) {
	core, err := json.Marshal(r.core)
	if err != nil || len(r.extras) == 0 {
		return core, err
	}
	var m map[string]any
	if err := json.Unmarshal(core, &m); err != nil {
		return nil, err
	}
	for k, v := range r.extras {
		if _, clash := m[k]; !clash {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

// ckanTime prints a time as CKAN does (Python's isoformat of a naive UTC
// datetime): no zone, microseconds only when not zero.
func ckanTime(t time.Time) string {
	t = t.UTC()
	if us := t.Nanosecond() / 1000; us != 0 {
		return t.Format("2006-01-02T15:04:05") + fmt.Sprintf(".%06d", us)
	}
	return t.Format("2006-01-02T15:04:05")
}

func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *Server) packageDict(d *catalog.Dataset) *packageDict {
	pd := &packageDict{
		Author: nullable(d.Author), AuthorEmail: nullable(d.AuthorEmail),
		Extras: datasetExtras(d), Groups: []any{}, ID: d.ID,
		LicenseID: nullable(d.LicenseID), Maintainer: nullable(d.Maintainer),
		MaintainerEmail: nullable(d.MaintainerEmail), MetadataCreated: ckanTime(d.Created),
		MetadataModified: ckanTime(d.Modified), Name: d.Name, Notes: nullable(d.Notes),
		NumResources: len(d.Resources), NumTags: len(d.Tags), OwnerOrg: nullable(d.OwnerOrg),
		Private: d.Private, RelationshipsAsObject: []any{}, RelationshipsAsSubject: []any{},
		Resources: make([]resourceDict, len(d.Resources)), State: string(d.State),
		Tags: make([]tagDict, len(d.Tags)), Title: d.Title, Type: catalog.DatasetType,
		URL: nullable(d.URL), Version: nullable(d.Version),
	}
	if l, ok := catalog.LicenseByID(d.LicenseID); ok {
		pd.LicenseTitle = &l.Title
		pd.LicenseURL = nullable(l.URL)
		pd.IsOpen = l.OKDCompliant
	}
	if d.Organization != nil {
		s := newOrgShortDict(d.Organization)
		pd.Organization = &s
	}
	for i := range d.Resources {
		pd.Resources[i] = s.resourceDict(&d.Resources[i])
	}
	for i, t := range d.Tags {
		pd.Tags[i] = tagDict{DisplayName: t.Name, ID: t.ID, Name: t.Name, State: "active"}
	}
	return pd
}

// dcatExtraKeys are the DCAT-AP properties that CKAN (with ckanext-dcat)
// keeps as package extras and udata's CKAN harvester reads from there.
var dcatExtraKeys = []string{"contact_email", "contact_name", "frequency", "spatial", "spatial_uri", "temporal_end", "temporal_start", "theme"}

// datasetExtras merges the DCAT-AP columns into the free extras, sorted by
// key as CKAN returns them.
func datasetExtras(d *catalog.Dataset) []extraDict {
	dcat := map[string]string{
		"contact_email": d.ContactEmail, "contact_name": d.ContactName,
		"frequency": d.Frequency, "spatial": d.Spatial, "spatial_uri": d.SpatialURI,
		"temporal_end": d.TemporalEnd, "temporal_start": d.TemporalStart,
	}
	if len(d.Themes) > 0 {
		b, _ := json.Marshal(d.Themes) // a []string always encodes
		dcat["theme"] = string(b)
	}
	out := make([]extraDict, 0, len(d.Extras)+len(dcat))
	i := 0
	for _, k := range dcatExtraKeys {
		v := dcat[k]
		if v == "" {
			continue
		}
		for i < len(d.Extras) && d.Extras[i].Key < k {
			out = append(out, extraDict(d.Extras[i]))
			i++
		}
		out = append(out, extraDict{Key: k, Value: v})
	}
	for ; i < len(d.Extras); i++ {
		out = append(out, extraDict(d.Extras[i]))
	}
	return out
}

func (s *Server) resourceDict(r *catalog.Resource) resourceDict {
	rd := resourceDict{core: resourceCore{
		Created: ckanTime(r.Created), DatastoreActive: r.DatastoreActive,
		Description: r.Description, Format: r.Format, Hash: r.Hash, ID: r.ID,
		MetadataModified: ckanTime(r.MetadataModified), Mimetype: nullable(r.Mimetype),
		Name: nullable(r.Name), PackageID: r.DatasetID, Position: r.Position,
		ResourceType: nullable(r.ResourceType), Size: r.Size, State: string(r.State),
		URL: r.URL, URLType: nullable(r.URLType), DerivedFrom: nullable(r.DerivedFrom),
	}, extras: r.Extras}
	if r.URLType == "upload" {
		rd.core.URL = r.DownloadURL(s.cfg.BaseURL)
	}
	if r.LastModified != nil {
		t := ckanTime(*r.LastModified)
		rd.core.LastModified = &t
	}
	if u := r.ConformsTo(); u != "" {
		rd.core.Schema = &schemaDict{URL: u}
		if v := r.Validation; v != nil && r.URLType == "upload" {
			rd.core.Schema.Name, rd.core.Schema.Version = v.Schema.ID, v.Schema.Version
		}
	}
	rd.core.PasserelleSchema = r.Schema
	if v := r.Validation; v != nil {
		rd.core.Validation = v
		rd.core.ValidationStatus = string(v.Status)
		t := ckanTime(v.Created)
		rd.core.ValidationTimestamp = &t
	}
	if in := r.Ingest; in != nil {
		rd.core.Ingest = &ingestDict{
			State: string(in.State), Progress: in.Progress, Rows: in.Rows,
			Error: nullable(in.Error), ErrorFR: nullable(in.ErrorFR), Report: in.Report,
			Created: ckanTime(in.Created), Started: ckanTimePtr(in.Started), Finished: ckanTimePtr(in.Finished),
		}
	}
	return rd
}

// ingestDict is the state of a resource's latest ingestion.
type ingestDict struct {
	State    string                `json:"state"`
	Progress float64               `json:"progress"`
	Rows     int64                 `json:"rows"`
	Error    *string               `json:"error"`
	ErrorFR  *string               `json:"error_fr"`
	Created  string                `json:"created"`
	Started  *string               `json:"started"`
	Finished *string               `json:"finished"`
	Report   *catalog.IngestReport `json:"report"`
}

func ckanTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := ckanTime(*t)
	return &s
}

func newOrgShortDict(o *catalog.Organization) orgShortDict {
	return orgShortDict{
		ApprovalStatus: "approved", Created: ckanTime(o.Created), Description: o.Description,
		ID: o.ID, ImageURL: o.ImageURL, IsOrganization: true, Name: o.Name,
		State: string(o.State), Title: o.Title, Type: "organization",
	}
}

func newOrgDict(o *catalog.Organization, withCount bool) *orgDict {
	od := &orgDict{
		orgShortDict: newOrgShortDict(o), DisplayName: o.DisplayTitle(),
		ImageDisplayURL: o.ImageURL, Extras: orgExtras(o),
		Users: []any{}, Groups: []any{}, Tags: []any{},
	}
	if withCount {
		n := o.PackageCount
		od.PackageCount = &n
	}
	return od
}

// orgExtras shows SIREN and contact e-mail as extras, where CKAN keeps
// fields its organisation schema lacks.
func orgExtras(o *catalog.Organization) []extraDict {
	out := []extraDict{}
	fixed := map[string]string{"email": o.Email, "siren": o.SIREN}
	i := 0
	for _, k := range []string{"email", "siren"} {
		for i < len(o.Extras) && o.Extras[i].Key < k {
			out = append(out, extraDict(o.Extras[i]))
			i++
		}
		if fixed[k] != "" {
			out = append(out, extraDict{Key: k, Value: fixed[k]})
		}
	}
	for ; i < len(o.Extras); i++ {
		out = append(out, extraDict(o.Extras[i]))
	}
	return out
}

// toMap turns a dictionary back into generic JSON values, for patches.
func toMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	return m, d.Decode(&m)
}
