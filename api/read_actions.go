package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/passerelle/passerelle/catalog"
)

// ckanAPIVersion is the CKAN release whose Action API this server follows.
const ckanAPIVersion = "2.10.4"

func (s *Server) statusShow(ctx context.Context, p *params) (any, error) {
	return map[string]any{
		"site_title":         s.cfg.SiteTitle,
		"site_description":   s.cfg.SiteDescription,
		"site_url":           s.cfg.BaseURL,
		"error_emails_to":    nil,
		"locale_default":     "fr",
		"extensions":         []string{},
		"ckan_version":       ckanAPIVersion,
		"passerelle_version": s.cfg.Version,
	}, nil
}

func (s *Server) helpShow(ctx context.Context, p *params) (any, error) {
	name := p.required("name")
	if err := p.err(); err != nil {
		return nil, err
	}
	a, ok := s.actions[name]
	if !ok {
		return nil, catalog.NotFoundf("Action function not found")
	}
	return a.help, nil
}

func (s *Server) packageList(ctx context.Context, p *params) (any, error) {
	limit := -1
	if p.has("limit") {
		limit = p.natural("limit", -1)
	}
	offset := p.offset("offset")
	if err := p.err(); err != nil {
		return nil, err
	}
	// Streamed: udata asks for every name at once.
	return jsonStream(func(w *bufio.Writer) error {
		w.WriteByte('[')
		first := true
		err := s.svc.Datasets.WalkDatasetNames(ctx, limit, offset, func(name string) error {
			if !first {
				w.WriteString(", ")
			}
			first = false
			b, err := json.Marshal(name)
			if err != nil {
				return err
			}
			_, err = w.Write(b)
			return err
		})
		w.WriteByte(']')
		return err
	}), nil
}

func (s *Server) currentPackageListWithResources(ctx context.Context, p *params) (any, error) {
	limit := min(p.natural("limit", 10), catalog.MaxRows)
	offset := p.offset("offset")
	if page := p.integer("page", 0); page > 0 && !p.has("offset") {
		if page-1 > maxOffset/max(limit, 1) {
			p.fe.Add("page", fmt.Sprintf("Must be at most %d", maxOffset/max(limit, 1)+1))
		} else {
			offset = (page - 1) * limit // CKAN's deprecated paging
		}
	}
	includePrivate := p.boolean("include_private", false)
	if err := p.err(); err != nil {
		return nil, err
	}
	res, err := s.svc.Datasets.SearchDatasets(ctx, catalog.SearchParams{
		Sort: "metadata_modified desc", Rows: limit, Start: offset, IncludePrivate: includePrivate,
	})
	if err != nil {
		return nil, err
	}
	return s.packageDicts(res.Datasets), nil
}

func (s *Server) packageDicts(ds []*catalog.Dataset) []*packageDict {
	out := make([]*packageDict, len(ds))
	for i, d := range ds {
		out[i] = s.packageDict(d)
	}
	return out
}

func (s *Server) packageShow(ctx context.Context, p *params) (any, error) {
	id := p.required("id")
	if err := p.err(); err != nil {
		return nil, err
	}
	d, err := s.svc.Datasets.FindDataset(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.packageDict(d), nil
}

func (s *Server) resourceShow(ctx context.Context, p *params) (any, error) {
	id := p.required("id")
	if err := p.err(); err != nil {
		return nil, err
	}
	r, err := s.svc.Datasets.FindResource(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.resourceDict(r), nil
}

// searchParamsKnown are package_search's parameters. Solr tuning
// parameters CKAN passes through are accepted and ignored; anything else is
// refused, as CKAN refuses it.
var searchParamsKnown = map[string]bool{
	"q": true, "fq": true, "fq_list": true, "sort": true, "rows": true, "start": true,
	"facet": true, "facet.field": true, "facet.limit": true, "facet.mincount": true,
	"include_private": true, "include_drafts": true, "include_deleted": true,
	"fl": true, "qf": true, "defType": true, "mm": true, "bf": true, "tie": true,
	"q.op": true, "df": true, "hl": true, "use_default_schema": true, "facet.sort": true,
}

func (s *Server) packageSearch(ctx context.Context, p *params) (any, error) {
	var unknown []string
	for k := range p.m {
		if !searchParamsKnown[k] && !strings.HasPrefix(k, "ext_") {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		return nil, catalog.SearchQueryf("Invalid search parameters: %s", strings.Join(unknown, ", "))
	}
	sp := catalog.SearchParams{
		Q:              p.str("q"),
		Sort:           p.str("sort"),
		Rows:           min(p.natural("rows", catalog.DefaultRows), catalog.MaxRows),
		Start:          p.offset("start"),
		FacetLimit:     p.integer("facet.limit", catalog.DefaultFacetLimit),
		FacetMinCount:  p.integer("facet.mincount", 1),
		IncludePrivate: p.boolean("include_private", false),
		IncludeDrafts:  p.boolean("include_drafts", false),
		IncludeDeleted: p.boolean("include_deleted", false),
	}
	if fq := p.str("fq"); strings.TrimSpace(fq) != "" {
		sp.FQ = append(sp.FQ, fq)
	}
	sp.FQ = append(sp.FQ, p.stringList("fq_list")...)
	if p.boolean("facet", true) {
		sp.FacetFields = p.stringList("facet.field")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	if err := checkSearchLimits(&sp); err != nil {
		return nil, err
	}
	res, err := s.svc.Datasets.SearchDatasets(ctx, sp)
	if err != nil {
		return nil, err
	}
	facets := map[string]map[string]int{}
	searchFacets := map[string]any{}
	for _, f := range res.Facets {
		counts := map[string]int{}
		items := make([]map[string]any, len(f.Items))
		for i, it := range f.Items {
			counts[it.Name] = it.Count
			items[i] = map[string]any{"name": it.Name, "display_name": it.DisplayName, "count": it.Count}
		}
		facets[f.Field] = counts
		searchFacets[f.Field] = map[string]any{"title": f.Field, "items": items}
	}
	return map[string]any{
		"count":         res.Count,
		"results":       s.packageDicts(res.Datasets),
		"sort":          res.Sort,
		"facets":        facets,
		"search_facets": searchFacets,
	}, nil
}

// checkSearchLimits refuses a search too large to run (a query over
// maxQueryChars, more than maxFacetFields facets) and caps facet.limit, as
// CKAN caps rows: silently. The search itself bounds its terms
// (catalog.MaxSearchTerms), for the feeds and pages too.
func checkSearchLimits(sp *catalog.SearchParams) error {
	chars := utf8.RuneCountInString(sp.Q)
	for _, fq := range sp.FQ {
		chars += utf8.RuneCountInString(fq)
	}
	if chars > maxQueryChars {
		return catalog.SearchQueryf("q and fq hold %d characters; at most %d are allowed", chars, maxQueryChars)
	}
	if len(sp.FacetFields) > maxFacetFields {
		return catalog.SearchQueryf("facet.field names %d fields; at most %d are allowed", len(sp.FacetFields), maxFacetFields)
	}
	if sp.FacetLimit < 0 || sp.FacetLimit > maxFacetLimit {
		sp.FacetLimit = maxFacetLimit
	}
	return nil
}

// Organisation list limits, as CKAN's defaults: ckan.group_and_organization_list_max
// and ..._all_fields_max.
const (
	orgListMax          = 1000
	orgListAllFieldsMax = 25
)

func (s *Server) organizationList(ctx context.Context, p *params) (any, error) {
	allFields := p.boolean("all_fields", false)
	max := orgListMax
	if allFields {
		max = orgListAllFieldsMax
	}
	limit := min(p.natural("limit", max), max)
	f := catalog.OrganizationFilter{
		Sort:   p.str("sort"),
		Limit:  limit,
		Offset: p.offset("offset"),
		Names:  p.stringList("organizations"),
	}
	withCount := p.boolean("include_dataset_count", true)
	if err := p.err(); err != nil {
		return nil, err
	}
	orgs, err := s.svc.Organizations.ListOrganizations(ctx, f)
	if err != nil {
		return nil, err
	}
	if !allFields {
		names := make([]string, len(orgs))
		for i, o := range orgs {
			names[i] = o.Name
		}
		return names, nil
	}
	out := make([]*orgDict, len(orgs))
	for i, o := range orgs {
		out[i] = newOrgDict(o, withCount)
	}
	return out, nil
}

// orgShowDatasets is how many datasets organization_show includes.
const orgShowDatasets = 10

func (s *Server) organizationShow(ctx context.Context, p *params) (any, error) {
	id := p.required("id")
	withDatasets := p.boolean("include_datasets", false)
	withCount := p.boolean("include_dataset_count", true)
	if err := p.err(); err != nil {
		return nil, err
	}
	o, err := s.svc.Organizations.FindOrganization(ctx, id)
	if err != nil {
		return nil, err
	}
	od := newOrgDict(o, withCount)
	if withDatasets {
		res, err := s.svc.Datasets.SearchDatasets(ctx, catalog.SearchParams{
			FQ:   []string{"owner_org:" + quoteTerm(o.ID)},
			Sort: "metadata_modified desc", Rows: orgShowDatasets, IncludePrivate: true,
		})
		if err != nil {
			return nil, err
		}
		pkgs := s.packageDicts(res.Datasets)
		od.Packages = &pkgs
	}
	return od, nil
}

// quoteTerm quotes a value for a Solr-style query.
func quoteTerm(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

func (s *Server) groupList(ctx context.Context, p *params) (any, error) {
	return []any{}, nil
}

func (s *Server) tagList(ctx context.Context, p *params) (any, error) {
	query := p.str("query")
	allFields := p.boolean("all_fields", false)
	vocabulary := p.str("vocabulary_id")
	if err := p.err(); err != nil {
		return nil, err
	}
	if vocabulary != "" {
		return nil, catalog.NotFoundf("Could not find vocabulary %q", vocabulary)
	}
	tags, err := s.svc.Datasets.ListTags(ctx, query)
	if err != nil {
		return nil, err
	}
	if !allFields {
		names := make([]string, len(tags))
		for i, t := range tags {
			names[i] = t.Name
		}
		return names, nil
	}
	out := make([]tagDict, len(tags))
	for i, t := range tags {
		out[i] = tagDict{DisplayName: t.Name, ID: t.ID, Name: t.Name, State: "active"}
	}
	return out, nil
}

func (s *Server) licenseList(ctx context.Context, p *params) (any, error) {
	ls := catalog.Licenses()
	out := make([]map[string]any, len(ls))
	for i, l := range ls {
		od := "not reviewed"
		if l.OKDCompliant {
			od = "approved"
		}
		out[i] = map[string]any{
			"id": l.ID, "title": l.Title, "url": l.URL, "status": "active",
			"maintainer": "", "family": "", "is_generic": l.Generic,
			"od_conformance": od, "osd_conformance": "not reviewed",
			"is_okd_compliant": l.OKDCompliant, "is_osi_compliant": false,
			"domain_content": l.DomainContent, "domain_data": l.DomainData,
			"domain_software": l.DomainSoftware,
		}
	}
	return out, nil
}
