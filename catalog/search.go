package catalog

import (
	"fmt"
	"strings"
)

// Search limits, as CKAN applies them.
const (
	DefaultRows       = 10
	MaxRows           = 1000 // ckan.search.rows_max: larger values are clamped
	DefaultFacetLimit = 50
)

// SearchParams is a package_search request, already type-checked.
type SearchParams struct {
	Q              string   // Solr-style query; "" or "*:*" matches everything
	FQ             []string // filter queries, all of which must match
	Sort           string   // "score desc, metadata_modified desc" by default
	Rows           int
	Start          int
	FacetFields    []string
	FacetLimit     int // < 0: no limit
	FacetMinCount  int
	IncludePrivate bool // private datasets the caller may read
	IncludeDrafts  bool // drafts the caller may write
	IncludeDeleted bool // deleted datasets the caller may write
}

// SearchResult is what package_search returns.
type SearchResult struct {
	Count    int
	Datasets []*Dataset
	Facets   []Facet // in the order of SearchParams.FacetFields
	Sort     string  // the sort actually applied
}

// Facet counts the datasets of a result by the values of one field.
type Facet struct {
	Field string
	Items []FacetItem
}

// FacetItem is one value of a facet.
type FacetItem struct {
	Name        string
	DisplayName string
	Count       int
}

// FacetFields are the fields package_search can count by.
var FacetFields = []string{"organization", "tags", "res_format", "license_id", "groups", "owner_org", "state", "capacity", "type"}

// SortKey is one key of a search sort.
type SortKey struct {
	Field string // "score", "metadata_modified", "metadata_created", "name", "title_string"
	Desc  bool
}

// DefaultSort is CKAN's package_search sort.
const DefaultSort = "score desc, metadata_modified desc"

var sortFields = map[string]bool{
	"score": true, "metadata_modified": true, "metadata_created": true,
	"name": true, "title_string": true, "title": true, "id": true,
}

// ParseSort reads a Solr sort ("metadata_modified desc, name asc"). It
// returns a KindSearchQuery error for an unknown field or direction.
func ParseSort(s string) ([]SortKey, error) {
	if strings.TrimSpace(s) == "" {
		s = DefaultSort
	}
	var keys []SortKey
	for _, part := range strings.Split(s, ",") {
		fields := strings.Fields(part)
		if len(fields) == 0 {
			continue
		}
		k := SortKey{Field: fields[0]}
		if !sortFields[k.Field] {
			return nil, SearchQueryf("can not sort on field %q: use score, metadata_modified, metadata_created, name or title_string", k.Field)
		}
		switch {
		case len(fields) == 1 || strings.EqualFold(fields[1], "asc"):
		case strings.EqualFold(fields[1], "desc"):
			k.Desc = true
		default:
			return nil, SearchQueryf("sort direction must be asc or desc, not %q", fields[1])
		}
		if len(fields) > 2 {
			return nil, SearchQueryf("can not read sort clause %q", strings.TrimSpace(part))
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, SearchQueryf("empty sort")
	}
	return keys, nil
}

// ValidateFacetField returns a KindSearchQuery error when f cannot be
// counted.
func ValidateFacetField(f string) error {
	for _, ok := range FacetFields {
		if f == ok {
			return nil
		}
	}
	return SearchQueryf("can not facet on field %q: use one of %s", f, strings.Join(FacetFields, ", "))
}

// FormatSort renders keys back as a Solr sort.
func FormatSort(keys []SortKey) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		dir := "asc"
		if k.Desc {
			dir = "desc"
		}
		parts[i] = fmt.Sprintf("%s %s", k.Field, dir)
	}
	return strings.Join(parts, ", ")
}
