package api

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/url"
	"path"
	"strings"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/tableschema"
)

// decodeDataset builds a dataset from a package dict with package_update's
// semantics: every field is taken from m (absent means empty), except
// resources, which stay those of cur when m has no "resources" key. cur is
// nil on creation. Unknown keys, and those the server computes
// (metadata_modified, organization…), are ignored as CKAN's schema does.
func decodeDataset(m map[string]any, cur *catalog.Dataset) (*catalog.Dataset, error) {
	p := newParams(m)
	d := &catalog.Dataset{
		ID: p.trimmed("id"), Name: p.trimmed("name"), Title: p.trimmed("title"),
		Notes: p.str("notes"), URL: p.trimmed("url"), Version: p.trimmed("version"),
		Author: p.trimmed("author"), AuthorEmail: p.trimmed("author_email"),
		Maintainer: p.trimmed("maintainer"), MaintainerEmail: p.trimmed("maintainer_email"),
		LicenseID: p.trimmed("license_id"), OwnerOrg: p.trimmed("owner_org"),
		Private: p.boolean("private", false), State: catalog.State(p.trimmed("state")),
	}
	if d.Title == "" {
		d.Title = d.Name // CKAN: if_empty_same_as("name")
	}
	if cur != nil && d.State == "" {
		d.State = cur.State
	}
	if t := p.trimmed("type"); t != "" && t != catalog.DatasetType {
		p.fe.Add("type", fmt.Sprintf("Only datasets of type %q exist here", catalog.DatasetType))
	}
	if groups, ok := m["groups"].([]any); ok && len(groups) > 0 {
		p.fe.Add("groups", "Groups do not exist in this catalogue")
	}

	tags, err := decodeTags(p)
	if err != nil {
		return nil, err
	}
	d.Tags = tags
	extras, err := decodeExtras(m["extras"], "extras")
	if err != nil {
		return nil, err
	}

	// DCAT-AP fields: a top-level key wins over an extra of the same name,
	// so that a patch of "frequency" is not undone by the extras that
	// package_show returned.
	dcat := map[string]string{}
	kept := extras[:0]
	for _, e := range extras {
		if isDCATExtra(e.Key) {
			dcat[e.Key] = e.Value
		} else {
			kept = append(kept, e)
		}
	}
	d.Extras = kept
	for _, k := range dcatExtraKeys {
		if !p.has(k) {
			continue
		}
		switch v := m[k].(type) {
		case nil:
			delete(dcat, k)
		case string:
			dcat[k] = v
		case []any, map[string]any:
			b, _ := json.Marshal(v) // decoded JSON re-encodes
			dcat[k] = string(b)
		default:
			p.fe.Add(k, fmt.Sprintf("Must be a string, not %s", jsonKind(v)))
		}
	}
	d.ContactEmail = strings.TrimSpace(dcat["contact_email"])
	d.ContactName = strings.TrimSpace(dcat["contact_name"])
	d.SpatialURI = strings.TrimSpace(dcat["spatial_uri"])
	d.Spatial = strings.TrimSpace(dcat["spatial"])
	d.TemporalStart = strings.TrimSpace(dcat["temporal_start"])
	d.TemporalEnd = strings.TrimSpace(dcat["temporal_end"])
	if f := strings.TrimSpace(dcat["frequency"]); f != "" {
		if uri, ok := catalog.NormalizeFrequency(f); ok {
			d.Frequency = uri
		} else {
			d.Frequency = f // Validate names the problem
		}
	}
	if th := strings.TrimSpace(dcat["theme"]); th != "" {
		d.Themes = decodeThemes(p, th)
	}

	if rv, ok := m["resources"]; ok && rv != nil {
		list, ok := rv.([]any)
		if !ok {
			return nil, catalog.Integrityf("Only lists of dicts can be placed against subschema ('resources',), not %s", jsonKind(rv))
		}
		var old map[string]*catalog.Resource
		if cur != nil {
			old = make(map[string]*catalog.Resource, len(cur.Resources))
			for i := range cur.Resources {
				old[cur.Resources[i].ID] = &cur.Resources[i]
			}
		}
		for i, item := range list {
			rm, ok := item.(map[string]any)
			if !ok {
				return nil, catalog.Integrityf("Only lists of dicts can be placed against subschema ('resources',), not a list of %s", jsonKind(item))
			}
			id, _ := rm["id"].(string)
			r, err := decodeResource(rm, old[id], fmt.Sprintf("resources[%d].", i))
			if err != nil {
				return nil, err
			}
			d.Resources = append(d.Resources, *r)
		}
	} else if cur != nil {
		d.Resources = cur.Resources
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return d, nil
}

func isDCATExtra(k string) bool {
	for _, d := range dcatExtraKeys {
		if d == k {
			return true
		}
	}
	return false
}

// decodeThemes reads themes as a JSON list (how ckanext-dcat stores them in
// an extra) or a comma-separated list, normalising codes to EU URIs.
func decodeThemes(p *params, v string) []string {
	var list []string
	if strings.HasPrefix(v, "[") {
		if err := json.Unmarshal([]byte(v), &list); err != nil {
			p.fe.Add("theme", "Must be a list of EU data-theme URIs")
			return nil
		}
	} else {
		list = strings.Split(v, ",")
	}
	out := make([]string, 0, len(list))
	for _, t := range list {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if uri, ok := catalog.NormalizeTheme(t); ok {
			t = uri
		}
		out = append(out, t)
	}
	return out
}

// decodeTags reads tags as a list of {"name": …} dicts (or plain strings),
// or as CKAN's comma-separated tag_string.
func decodeTags(p *params) ([]catalog.Tag, error) {
	var names []string
	switch v := p.m["tags"].(type) {
	case nil:
	case []any:
		for _, item := range v {
			switch t := item.(type) {
			case string:
				names = append(names, t)
			case map[string]any:
				name, ok := t["name"].(string)
				if !ok {
					p.fe.Add("tags", "Every tag needs a name")
					continue
				}
				names = append(names, name)
			default:
				return nil, catalog.Integrityf("Only lists of dicts can be placed against subschema ('tags',), not a list of %s", jsonKind(item))
			}
		}
	default:
		return nil, catalog.Integrityf("Only lists of dicts can be placed against subschema ('tags',), not %s", jsonKind(v))
	}
	if ts := p.str("tag_string"); ts != "" && !p.has("tags") {
		names = strings.Split(ts, ",")
	}
	tags := make([]catalog.Tag, 0, len(names))
	for _, n := range names {
		if n = strings.TrimSpace(n); n != "" {
			tags = append(tags, catalog.Tag{Name: n})
		}
	}
	return tags, nil
}

// decodeExtras reads [{"key": …, "value": …}]; entries marked deleted (old
// CKAN clients) are dropped, non-string values are stored as JSON.
func decodeExtras(v any, field string) ([]catalog.Extra, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, catalog.Integrityf("Only lists of dicts can be placed against subschema ('%s',), not %s", field, jsonKind(v))
	}
	out := make([]catalog.Extra, 0, len(list))
	for _, item := range list {
		e, ok := item.(map[string]any)
		if !ok {
			return nil, catalog.Integrityf("Only lists of dicts can be placed against subschema ('%s',), not a list of %s", field, jsonKind(item))
		}
		if del, _ := e["deleted"].(bool); del {
			continue
		}
		key, ok := e["key"].(string)
		if !ok {
			return nil, catalog.Invalid(field, "Every extra needs a string key")
		}
		var value string
		switch val := e["value"].(type) {
		case string:
			value = val
		case nil:
		default:
			b, _ := json.Marshal(val) // decoded JSON re-encodes
			value = string(b)
		}
		out = append(out, catalog.Extra{Key: strings.TrimSpace(key), Value: value})
	}
	return out, nil
}

// resourceComputedKeys are set by the server and ignored on input; any
// other unknown key is kept as a resource extra, as CKAN does.
var resourceComputedKeys = map[string]bool{
	"id": true, "package_id": true, "position": true, "state": true, "upload": true,
	"ingest": true, "derived_from": true, "validation": true, "validation_status": true,
	"validation_timestamp": true,
	"metadata_modified":    true, "datastore_active": true, "cache_url": true,
	"cache_last_updated": true, "tracking_summary": true, "revision_id": true,
}

// resourceFields are the resource keys with a column of their own.
var resourceFields = map[string]bool{
	"name": true, "description": true, "url": true, "url_type": true, "format": true,
	"mimetype": true, "mimetype_inner": true, "size": true, "hash": true,
	"resource_type": true, "created": true, "last_modified": true, "schema": true,
	"passerelle_schema": true,
}

// decodeResource builds a resource from a resource dict (full replace); cur
// is the stored version it updates, or nil. Messages name fields with
// prefix ("resources[2]." inside a package).
func decodeResource(m map[string]any, cur *catalog.Resource, prefix string) (*catalog.Resource, error) {
	p := newParams(m)
	r := &catalog.Resource{
		ID: p.trimmed("id"), Name: p.str("name"), Description: p.str("description"),
		URL: p.trimmed("url"), URLType: p.trimmed("url_type"), Format: p.trimmed("format"),
		Mimetype: p.trimmed("mimetype"), Hash: p.trimmed("hash"),
		ResourceType: p.trimmed("resource_type"),
	}
	if cur != nil {
		// What the server manages stays as it is.
		r.Created, r.DatastoreActive, r.DatastoreTable = cur.Created, cur.DatastoreActive, cur.DatastoreTable
		r.DerivedFrom, r.Ingest, r.Validation = cur.DerivedFrom, cur.Ingest, cur.Validation
	}
	r.Schema = decodeSchemaRef(p, cur)
	if p.has("size") && m["size"] != nil && m["size"] != "" {
		n := int64(p.natural("size", 0))
		r.Size = &n
	}
	for _, k := range []string{"created", "last_modified"} {
		s := p.trimmed(k)
		if s == "" {
			continue
		}
		t, ok := catalog.ParseTemporal(s)
		if !ok {
			p.fe.Add(k, "Must be an ISO 8601 date-time")
			continue
		}
		if k == "created" {
			if cur == nil {
				r.Created = t.UTC()
			}
		} else {
			u := t.UTC()
			r.LastModified = &u
		}
	}
	if cur != nil && cur.URLType == "upload" && (r.URL == "" || r.URL == cur.URL ||
		strings.HasSuffix(r.URL, "/resource/"+cur.ID+"/download/"+url.PathEscape(cur.URL))) {
		// The stored file stays: the dict sent back names it by its
		// download URL, or not at all. Its size and hash are the file's.
		r.URL, r.URLType, r.BlobKey, r.Size, r.Hash = cur.URL, "upload", cur.BlobKey, cur.Size, cur.Hash
		if r.LastModified == nil {
			r.LastModified = cur.LastModified
		}
	} else if r.URLType == "upload" {
		if _, ok := m["upload"]; !ok {
			p.fe.Add("url_type", `"upload" needs a file in the multipart field "upload"`)
		}
	} else if r.URLType != "" {
		p.fe.Add("url_type", `Must be empty (a link) or "upload"`)
	}
	if r.Format == "" {
		r.Format = guessFormat(r.URL)
	}
	if r.Mimetype == "" && r.URL != "" {
		if u, err := url.Parse(r.URL); err == nil {
			if mt := mime.TypeByExtension(strings.ToLower(path.Ext(u.Path))); mt != "" {
				r.Mimetype, _, _ = strings.Cut(mt, ";")
			}
		}
	}
	for k, v := range m {
		if resourceComputedKeys[k] || resourceFields[k] {
			continue
		}
		if r.Extras == nil {
			r.Extras = map[string]any{}
		}
		r.Extras[k] = v
	}
	if len(p.fe) > 0 {
		fe := catalog.FieldErrors{}
		for k, msgs := range p.fe {
			fe[prefix+k] = msgs
		}
		return nil, fe.Err()
	}
	return r, nil
}

// decodeSchemaRef reads the Table Schema a resource dict declares: schema
// holds an id, a URL, an inline Table Schema, or the object resource dicts
// show ({name, version, url}, as udata has it); passerelle_schema holds the
// declared reference as stored. When a dict has both (a dict shown, then
// sent back), the one that differs from the stored reference is the
// change. Neither means no schema, as a full update removes what it omits.
func decodeSchemaRef(p *params, cur *catalog.Resource) string {
	stored := ""
	if cur != nil {
		stored = cur.Schema
	}
	var fromSchema, fromOwn string
	hasSchema, hasOwn := p.has("schema"), p.has("passerelle_schema")
	if hasSchema {
		fromSchema = schemaRefOf(p, p.m["schema"], cur)
	}
	if hasOwn {
		fromOwn = p.trimmed("passerelle_schema")
	}
	switch {
	case hasSchema && hasOwn && fromSchema == stored:
		return fromOwn
	case hasSchema:
		return fromSchema
	default:
		return fromOwn
	}
}

// schemaRefOf turns the value of a schema key into a reference.
func schemaRefOf(p *params, v any, cur *catalog.Resource) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		// A form field holds objects as JSON text.
		var m map[string]any
		if tableschema.IsInline(v) && json.Unmarshal([]byte(v), &m) == nil {
			return schemaRefOf(p, m, cur)
		}
		return strings.TrimSpace(v)
	case map[string]any:
		if _, ok := v["fields"]; ok { // an inline Table Schema
			b, _ := json.Marshal(v) // decoded JSON re-encodes
			return string(b)
		}
		name, _ := v["name"].(string)
		version, _ := v["version"].(string)
		u, _ := v["url"].(string)
		name, version, u = strings.TrimSpace(name), strings.TrimSpace(version), strings.TrimSpace(u)
		if cur != nil && cur.Validation != nil {
			// The object this server showed names the stored reference.
			at := cur.Validation.Schema
			if (u != "" && u == at.URL) || (name != "" && name == at.ID && (version == "" || version == at.Version)) {
				return cur.Schema
			}
		}
		switch {
		case name != "" && version != "":
			return name + "@" + version
		case name != "":
			return name
		case u != "":
			return u
		}
	}
	p.fe.Add("schema", `Must be a schema id ("scdl/subventions"), a URL, a Table Schema, or {"name", "version", "url"}`)
	return ""
}

// knownFormats maps file extensions to the format names CKAN and
// data.gouv.fr display.
var knownFormats = map[string]string{
	".csv": "CSV", ".tsv": "TSV", ".txt": "TXT", ".xls": "XLS", ".xlsx": "XLSX",
	".ods": "ODS", ".json": "JSON", ".geojson": "GeoJSON", ".xml": "XML",
	".pdf": "PDF", ".zip": "ZIP", ".shp": "SHP", ".kml": "KML", ".kmz": "KMZ",
	".gpkg": "GPKG", ".rdf": "RDF", ".ttl": "TTL", ".jsonld": "JSON-LD",
	".html": "HTML", ".htm": "HTML", ".parquet": "Parquet", ".gz": "GZ",
	".docx": "DOCX", ".odt": "ODT", ".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG",
}

// guessFormat names a resource's format from its URL's extension, as CKAN
// does when the format is left empty.
func guessFormat(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return ""
	}
	return formatOfName(u.Path)
}

// formatOfName names a format from a file name's extension.
func formatOfName(name string) string {
	return knownFormats[strings.ToLower(path.Ext(name))]
}

// decodeOrganization builds an organisation from an organization dict
// (full replace). SIREN and contact e-mail may come as top-level keys or as
// extras.
func decodeOrganization(m map[string]any) (*catalog.Organization, error) {
	p := newParams(m)
	o := &catalog.Organization{
		ID: p.trimmed("id"), Name: p.trimmed("name"), Title: p.trimmed("title"),
		Description: p.str("description"), ImageURL: p.trimmed("image_url"),
		State: catalog.State(p.trimmed("state")),
	}
	if o.State == "" {
		o.State = catalog.StateActive
	}
	extras, err := decodeExtras(m["extras"], "extras")
	if err != nil {
		return nil, err
	}
	for _, e := range extras {
		switch e.Key {
		case "siren":
			o.SIREN = strings.TrimSpace(e.Value)
		case "email":
			o.Email = strings.TrimSpace(e.Value)
		default:
			o.Extras = append(o.Extras, e)
		}
	}
	if p.has("siren") {
		o.SIREN = p.trimmed("siren")
	}
	if p.has("email") {
		o.Email = p.trimmed("email")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return o, nil
}

// mergeDict applies a patch: top-level keys of patch replace those of base.
func mergeDict(base, patch map[string]any) map[string]any {
	for k, v := range patch {
		base[k] = v
	}
	return base
}
