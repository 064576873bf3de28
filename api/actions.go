package api

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/passerelle/passerelle/catalog"
)

// action is one CKAN action.
type action struct {
	name string
	// read actions are side-effect free: CKAN serves them on GET too.
	read bool
	help string
	run  func(ctx context.Context, p *params) (any, error)
}

// actionTable lists every action the API serves.
func (s *Server) actionTable() map[string]*action {
	list := []*action{
		{name: "status_show", read: true, help: "Return the site's status: title, description, URL, locale, extensions and CKAN API version.", run: s.statusShow},
		{name: "site_read", read: true, help: "Return true: the site can be read.", run: func(context.Context, *params) (any, error) { return true, nil }},
		{name: "help_show", read: true, help: "Return the help text of an action (name).", run: s.helpShow},
		{name: "package_list", read: true, help: "Return the names of the site's active public datasets, by name; limit and offset page it, without limit every name is returned.", run: s.packageList},
		{name: "current_package_list_with_resources", read: true, help: "Return active datasets with their resources, most recently modified first (limit, default 10, max 1000; offset).", run: s.currentPackageListWithResources},
		{name: "package_show", read: true, help: "Return a dataset (id: its id or name).", run: s.packageShow},
		{name: "package_search", read: true, help: "Search datasets with Solr syntax: q, fq, fq_list, sort, rows (max 1000), start, facet.field, facet.limit, facet.mincount, include_private, include_drafts, include_deleted.", run: s.packageSearch},
		{name: "resource_show", read: true, help: "Return a resource (id).", run: s.resourceShow},
		{name: "organization_list", read: true, help: "Return organisation names, or dicts with all_fields; sort (title asc), limit, offset, organizations.", run: s.organizationList},
		{name: "organization_show", read: true, help: "Return an organisation (id: its id or name); include_datasets adds up to 10 datasets.", run: s.organizationShow},
		{name: "group_list", read: true, help: "Return the site's groups: there are none.", run: s.groupList},
		{name: "tag_list", read: true, help: "Return the tags of active public datasets (query filters them; all_fields returns dicts).", run: s.tagList},
		{name: "license_list", read: true, help: "Return the licences datasets can use.", run: s.licenseList},
		{name: "datastore_search", read: true, help: "Search the rows of a resource's table: resource_id, q (text, or an object of field: text), filters (object), fields, sort (\"col asc, col2 desc\"), limit (default 100, max 32000), offset, include_total, distinct, records_format.", run: s.datastoreSearch},
		{name: "datastore_info", read: true, help: "Describe a resource's table: its columns with types and its row count (resource_id).", run: s.datastoreInfo},
		{name: "resource_validation_show", read: true, help: "Return the last check of a resource's file against the Table Schema it declares (resource_id): status (success, failure, error; created or running while it waits), the schema, and the whole report with every error's row, column, value and message in English and French.", run: s.resourceValidationShow},
		{name: "schema_list", read: true, help: "List the Table Schemas resources may declare by id (\"scdl/subventions\", \"scdl/subventions@2.1.1\"), with their versions.", run: s.schemaList},
		{name: "package_suggestions_show", read: true, help: "Return the metadata a dataset's (id) own files suggest: the Table Schema each table most likely follows (with a confidence), the period its date columns cover, the area its commune, postal or département codes cover, and its update frequency from the upload history.", run: s.packageSuggestionsShow},
		{name: "package_suggestions_accept", help: "Write the accepted suggestions (accept: a list of schema, temporal, spatial, frequency) into a dataset (id); they become its DCAT-AP properties.", run: s.packageSuggestionsAccept},
		{name: "dcat_completeness", read: true, help: "List the DCAT-AP properties a dataset (id) still lacks, with the CKAN field to fill and a message in English and French.", run: s.dcatCompleteness},
		{name: "package_create", help: "Create a dataset (name, title, owner_org, notes, license_id, tags, extras, resources, DCAT-AP fields…).", run: s.packageCreate},
		{name: "package_update", help: "Replace a dataset (id or name): omitted fields are cleared, an omitted resources list is kept.", run: s.packageUpdate},
		{name: "package_patch", help: "Change the given top-level fields of a dataset (id or name).", run: s.packagePatch},
		{name: "package_delete", help: "Delete a dataset (id or name); it stays visible to harvesters as deleted.", run: s.packageDelete},
		{name: "resource_create", help: "Add a resource to a dataset (package_id, url, name, format…).", run: s.resourceCreate},
		{name: "resource_update", help: "Replace a resource (id).", run: s.resourceUpdate},
		{name: "resource_patch", help: "Change the given fields of a resource (id).", run: s.resourcePatch},
		{name: "resource_delete", help: "Remove a resource from its dataset (id).", run: s.resourceDelete},
		{name: "organization_create", help: "Create an organisation (sysadmins only): name, title, description, image_url, siren, email.", run: s.organizationCreate},
		{name: "organization_patch", help: "Change the given fields of an organisation (id or name).", run: s.organizationPatch},
	}
	m := make(map[string]*action, len(list))
	for _, a := range list {
		m[a.name] = a
	}
	return m
}

func (s *Server) sortedActions() []*action {
	out := make([]*action, 0, len(s.actions))
	for _, a := range s.actions {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (s *Server) helpURL(name string) string {
	return s.cfg.BaseURL + "/api/3/action/help_show?name=" + url.QueryEscape(name)
}

// actionHandler runs one action: authenticate, read the parameters, call,
// write the envelope.
func (s *Server) actionHandler(a *action) gin.HandlerFunc {
	return func(c *gin.Context) {
		help := s.helpURL(a.name)
		ctx, err := s.authenticate(c)
		if err != nil {
			s.writeError(c, help, err)
			return
		}
		data, cleanup, err := s.requestData(c.Request)
		defer cleanup()
		if err != nil {
			s.writeError(c, help, err)
			return
		}
		delete(data, "callback") // JSONP is not served
		result, err := a.run(ctx, newParams(data))
		if err != nil {
			s.writeError(c, help, err)
			return
		}
		if stream, ok := result.(jsonStream); ok {
			s.writeStream(c, help, stream)
			return
		}
		writeJSON(c, 200, envelope{Help: help, Success: true, Result: result})
	}
}

// jsonStream is a result written as it is read (a list of every dataset
// name), so that memory does not grow with the catalogue.
type jsonStream func(w *bufio.Writer) error

// writeStream writes a successful envelope around a streamed result. The
// status is sent first: a failure half-way can only be logged (and leaves
// the JSON unfinished, which clients see as an error).
func (s *Server) writeStream(c *gin.Context, help string, stream jsonStream) {
	c.Header("Content-Type", jsonContentType)
	c.Status(http.StatusOK)
	w := bufio.NewWriterSize(c.Writer, 32<<10)
	helpJSON, _ := json.Marshal(help) // a string always encodes
	w.WriteString(`{"help":`)
	w.Write(helpJSON)
	w.WriteString(`,"success":true,"result":`)
	if err := stream(w); err != nil {
		s.log.Error("streamed result interrupted", "path", c.Request.URL.Path, "err", err)
		w.Flush()
		return
	}
	w.WriteString("}\n")
	w.Flush()
}

// postOnly answers a write action asked for with GET, as CKAN does.
func (s *Server) postOnly(c *gin.Context) {
	s.writeError(c, "", badRequestf("JSON Error: Invalid request. Please use POST method for your request"))
}

// unknownAction answers an action name that does not exist.
func (s *Server) unknownAction(c *gin.Context) {
	s.writeError(c, "", badRequestf("Action name not known: %s", c.Param("action")))
}

// authenticate returns the request's context carrying the principal of
// the API token it sends (see principal). No token means an anonymous
// caller; an unknown token is refused rather than silently read as
// anonymous.
func (s *Server) authenticate(c *gin.Context) (context.Context, error) {
	p, err := s.principal(c)
	if err != nil {
		return nil, err
	}
	if p == nil {
		return c.Request.Context(), nil
	}
	return catalog.WithPrincipal(c.Request.Context(), p), nil
}

// principalKey caches a request's token lookup in its gin.Context: the
// rate limiter and then the handler both need it.
const principalKey = "passerelle.principal"

type tokenLookup struct {
	p   *catalog.Principal
	err error
}

// principal looks up the API token the request sends (Authorization, with
// or without "Bearer", or X-CKAN-API-Key as ckanapi sends it), once per
// request: nil without a token.
func (s *Server) principal(c *gin.Context) (*catalog.Principal, error) {
	if v, ok := c.Get(principalKey); ok {
		l := v.(tokenLookup)
		return l.p, l.err
	}
	var l tokenLookup
	if secret := tokenOf(c); secret != "" {
		l.p, l.err = s.svc.Tokens.Authenticate(c.Request.Context(), secret)
	}
	c.Set(principalKey, l)
	return l.p, l.err
}

// tokenOf returns the API token a request sends, or "".
func tokenOf(c *gin.Context) string {
	secret := strings.TrimSpace(c.GetHeader("Authorization"))
	if len(secret) > 7 && strings.EqualFold(secret[:7], "bearer ") {
		secret = strings.TrimSpace(secret[7:])
	}
	if secret == "" {
		secret = strings.TrimSpace(c.GetHeader("X-CKAN-API-Key"))
	}
	return secret
}
