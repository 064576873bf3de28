package storage

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/passerelle/passerelle/catalog"
	"gorm.io/gorm"
)

// SearchDatasets implements catalog.DatasetService: a CKAN package_search
// over the catalogue tables. Every value from the query is bound; only
// fixed fragments of SQL are concatenated.
//
// Free text goes through the full-text index (fts.go); other fields are
// compared with indexed columns.
func (s *DatasetService) SearchDatasets(ctx context.Context, p catalog.SearchParams) (*catalog.SearchResult, error) {
	keys, err := catalog.ParseSort(p.Sort)
	if err != nil {
		return nil, err
	}
	for _, f := range p.FacetFields {
		if err := catalog.ValidateFacetField(f); err != nil {
			return nil, err
		}
	}
	now := s.db.now()
	b := &searchBuilder{dialect: s.db.dialect}
	clauses := []string{}
	q, err := catalog.ParseQuery(p.Q, false, now)
	if err != nil {
		return nil, err
	}
	sql, err := b.compile(q, false)
	if err != nil {
		return nil, err
	}
	clauses = append(clauses, sql)
	terms := catalog.CountTerms(q)
	for _, fq := range p.FQ {
		q, err := catalog.ParseQuery(fq, true, now)
		if err != nil {
			return nil, err
		}
		if terms += catalog.CountTerms(q); terms > catalog.MaxSearchTerms {
			return nil, catalog.SearchQueryf("q and fq hold more than %d terms", catalog.MaxSearchTerms)
		}
		sql, err := b.compile(q, true) // filters do not score
		if err != nil {
			return nil, err
		}
		clauses = append(clauses, sql)
	}
	if terms > catalog.MaxSearchTerms {
		return nil, catalog.SearchQueryf("q and fq hold more than %d terms", catalog.MaxSearchTerms)
	}
	clauses = append(clauses, b.visibility(catalog.PrincipalFrom(ctx), p))
	where := strings.Join(clauses, " AND ")
	args := b.args
	const from = " FROM datasets d WHERE "

	tx := s.db.gorm.WithContext(ctx)
	res := &catalog.SearchResult{Datasets: []*catalog.Dataset{}, Facets: []catalog.Facet{}, Sort: catalog.FormatSort(keys)}
	version, err := catalogVersion(tx)
	if err != nil {
		return nil, internal("read catalogue version", err)
	}
	// The whole public catalogue: no query, no filter, public datasets.
	public := isMatchAll(q) && len(p.FQ) == 0 && !b.mentionsState && !p.IncludePrivate && !p.IncludeDrafts && !p.IncludeDeleted
	countKey := facetKey(version, "#count", where, args, 0, 0)
	if n, ok := s.facets.get(countKey); ok {
		res.Count = n.(int)
	} else if public {
		if res.Count, err = countedDatasets(tx); err != nil {
			return nil, internal("count datasets", err)
		}
	} else {
		var count int64
		if err := tx.Raw("SELECT count(*)"+from+where, args...).Scan(&count).Error; err != nil {
			return nil, internal("count search results", err)
		}
		res.Count = int(count)
		s.facets.put(countKey, res.Count)
	}

	if p.Rows > 0 && p.Start < res.Count {
		scoreSQL, scoreArgs := b.score()
		if len(scoreArgs) == 0 {
			// Without free text every score is 0: ordering by it would
			// only keep the database from walking an index in the next
			// key's order.
			keys = slices.DeleteFunc(slices.Clone(keys), func(k catalog.SortKey) bool { return k.Field == "score" })
			if len(keys) == 0 {
				keys = []catalog.SortKey{{Field: "metadata_modified", Desc: true}}
			}
		}
		order := make([]string, 0, len(keys)+1)
		for _, k := range keys {
			col := map[string]string{
				"score": "score", "metadata_modified": "d.metadata_modified",
				"metadata_created": "d.metadata_created", "name": "d.name",
				"title_string": "d.search_title", "title": "d.search_title", "id": "d.id",
			}[k.Field]
			if k.Desc {
				col += " DESC"
			}
			order = append(order, col)
		}
		// The tie-break follows the first key's direction, so that an
		// index on (…, key, id) serves the whole order.
		if keys[0].Desc {
			order = append(order, "d.id DESC")
		} else {
			order = append(order, "d.id")
		}
		pageArgs := append(append(scoreArgs, args...), p.Rows, p.Start)
		var hits []struct {
			ID    string
			Score float64
		}
		err := tx.Raw("SELECT d.id, "+scoreSQL+" AS score"+from+where+
			" ORDER BY "+strings.Join(order, ", ")+" LIMIT ? OFFSET ?", pageArgs...).Scan(&hits).Error
		if err != nil {
			return nil, internal("search datasets", err)
		}
		ids := make([]string, len(hits))
		for i, h := range hits {
			ids[i] = h.ID
		}
		res.Datasets, err = datasetsByID(tx, ids)
		if err != nil {
			return nil, internal("load search results", err)
		}
	}

	for _, f := range p.FacetFields {
		key := facetKey(version, f, where, args, p.FacetLimit, p.FacetMinCount)
		cached, ok := s.facets.get(key)
		items, _ := cached.([]catalog.FacetItem)
		if !ok {
			counted := public && countedFacets[f]
			if items, err = facet(tx, f, from+where, args, p.FacetLimit, p.FacetMinCount, counted); err != nil {
				return nil, internal("count facet "+f, err)
			}
			s.facets.put(key, items)
		}
		res.Facets = append(res.Facets, catalog.Facet{Field: f, Items: items})
	}
	return res, nil
}

// datasetsByID loads datasets keeping the order of ids.
func datasetsByID(tx *gorm.DB, ids []string) ([]*catalog.Dataset, error) {
	if len(ids) == 0 {
		return []*catalog.Dataset{}, nil
	}
	var rows []datasetRow
	if err := tx.Where("id IN ?", ids).Find(&rows).Error; err != nil {
		return nil, err
	}
	loaded, err := loadDatasets(tx, rows)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*catalog.Dataset, len(loaded))
	for _, d := range loaded {
		byID[d.ID] = d
	}
	out := make([]*catalog.Dataset, 0, len(ids))
	for _, id := range ids {
		if d, ok := byID[id]; ok {
			out = append(out, d)
		}
	}
	return out, nil
}

// facetColumns says, per facet field, which joins it needs and which value
// it groups by. Each counts distinct datasets.
var facetColumns = map[string]struct{ join, value string }{
	"organization": {"", "d.owner_org"}, // ids, turned into names below
	"owner_org":    {"", "d.owner_org"},
	"license_id":   {"", "d.license_id"},
	"state":        {"", "d.state"},
	"type":         {"", "d.type"},
	"capacity":     {"", "CASE WHEN d.private THEN 'private' ELSE 'public' END"},
	"tags":         {" JOIN dataset_tags dt ON dt.dataset_id = d.id JOIN tags t ON t.id = dt.tag_id", "t.name"},
	"res_format":   {" JOIN resources r ON r.dataset_id = d.id AND r.state = 'active'", "r.format"},
}

// facet counts a field's values among the datasets fromWhere selects, or,
// with counted, reads the public catalogue's counts from facet_counts.
func facet(tx *gorm.DB, field, fromWhere string, args []any, limit, minCount int, counted bool) ([]catalog.FacetItem, error) {
	items := []catalog.FacetItem{}
	col, ok := facetColumns[field]
	if !ok { // groups: none exist yet
		return items, nil
	}
	var rows []facetRow
	if counted {
		var err error
		if rows, err = countedFacet(tx, field, limit, minCount); err != nil {
			return nil, err
		}
		return facetItems(tx, field, rows)
	}
	// Insert the join between the FROM tables and WHERE.
	i := strings.Index(fromWhere, " WHERE ")
	// A dataset has one value of a column, and each tag once; only formats
	// repeat (several CSV resources) and need DISTINCT.
	counter := "count(*)"
	if field == "res_format" {
		counter = "count(DISTINCT d.id)"
	}
	sql := "SELECT " + col.value + " AS name, " + counter + " AS n" + fromWhere[:i] + col.join +
		fromWhere[i:] + " AND " + col.value + " <> '' GROUP BY " + col.value
	a := append([]any(nil), args...)
	if minCount > 1 {
		sql += " HAVING " + counter + " >= ?"
		a = append(a, minCount)
	}
	sql += " ORDER BY n DESC, name"
	if limit >= 0 {
		sql += " LIMIT ?"
		a = append(a, limit)
	}
	if err := tx.Raw(sql, a...).Scan(&rows).Error; err != nil {
		return nil, err
	}
	return facetItems(tx, field, rows)
}

// facetItems names a facet's values: organisations by name and title,
// licences by title.
func facetItems(tx *gorm.DB, field string, rows []facetRow) ([]catalog.FacetItem, error) {
	items := []catalog.FacetItem{}
	var titles map[string]string
	if field == "organization" && len(rows) > 0 {
		// Counted by id (indexed): show names and titles.
		ids := make([]string, len(rows))
		for i, r := range rows {
			ids[i] = r.Name
		}
		var orgs []organizationRow
		if err := tx.Where("id IN ?", ids).Find(&orgs).Error; err != nil {
			return nil, err
		}
		byID := make(map[string]organizationRow, len(orgs))
		titles = make(map[string]string, len(orgs))
		for _, o := range orgs {
			byID[o.ID] = o
			titles[o.Name] = o.toCatalog().DisplayTitle()
		}
		for i := range rows {
			rows[i].Name = byID[rows[i].Name].Name
		}
		sort.SliceStable(rows, func(i, j int) bool {
			if rows[i].N != rows[j].N {
				return rows[i].N > rows[j].N
			}
			return rows[i].Name < rows[j].Name
		})
	}
	for _, r := range rows {
		display := r.Name
		if t, ok := titles[r.Name]; ok {
			display = t
		} else if l, ok := catalog.LicenseByID(r.Name); ok && field == "license_id" {
			display = l.Title
		}
		items = append(items, catalog.FacetItem{Name: r.Name, DisplayName: display, Count: r.N})
	}
	return items, nil
}

// searchBuilder turns parsed queries into SQL conditions with bound
// arguments.
type searchBuilder struct {
	dialect       Dialect
	args          []any
	scoreTerms    []ftsQuery // positive free-text terms, for ranking
	mentionsState bool
}

func (b *searchBuilder) bind(sql string, args ...any) string {
	b.args = append(b.args, args...)
	return sql
}

func (b *searchBuilder) compile(q catalog.Query, filter bool) (string, error) {
	return b.node(q, filter, false)
}

func (b *searchBuilder) node(q catalog.Query, filter, negated bool) (string, error) {
	switch q := q.(type) {
	case catalog.MatchAll:
		return "1=1", nil
	case catalog.And, catalog.Or:
		var list []catalog.Query
		op := " AND "
		if a, ok := q.(catalog.And); ok {
			list = a.Clauses
		} else {
			list, op = q.(catalog.Or).Clauses, " OR "
		}
		parts := make([]string, len(list))
		for i, c := range list {
			sql, err := b.node(c, filter, negated)
			if err != nil {
				return "", err
			}
			parts[i] = sql
		}
		return "(" + strings.Join(parts, op) + ")", nil
	case catalog.Not:
		sql, err := b.node(q.Clause, filter, !negated)
		if err != nil {
			return "", err
		}
		return "NOT " + sql, nil
	case catalog.Term:
		return b.term(q, filter, negated)
	case catalog.DateRange:
		col := map[string]string{"metadata_modified": "d.metadata_modified", "metadata_created": "d.metadata_created"}[q.Field]
		return b.rangeSQL(col, q.From != nil, q.To != nil, q.FromExclusive, q.ToExclusive, deref(q.From), deref(q.To)), nil
	case catalog.IntRange:
		col := map[string]string{"num_resources": "d.num_resources", "num_tags": "d.num_tags"}[q.Field]
		return b.rangeSQL(col, q.From != nil, q.To != nil, q.FromExclusive, q.ToExclusive, deref(q.From), deref(q.To)), nil
	}
	return "", fmt.Errorf("search: unhandled query node %T", q)
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func (b *searchBuilder) rangeSQL(col string, hasFrom, hasTo, fromEx, toEx bool, from, to any) string {
	parts := []string{}
	if hasFrom {
		op := " >= ?"
		if fromEx {
			op = " > ?"
		}
		parts = append(parts, b.bind(col+op, from))
	}
	if hasTo {
		op := " <= ?"
		if toEx {
			op = " < ?"
		}
		parts = append(parts, b.bind(col+op, to))
	}
	if len(parts) == 0 {
		return "1=1"
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}

// dcatExtraColumns are extras_<key> fields that live in dataset columns.
var dcatExtraColumns = map[string]string{
	"frequency": "d.frequency", "temporal_start": "d.temporal_start", "temporal_end": "d.temporal_end",
	"spatial_uri": "d.spatial_uri", "spatial": "d.spatial", "contact_name": "d.contact_name",
	"contact_email": "d.contact_email",
}

func (b *searchBuilder) term(t catalog.Term, filter, negated bool) (string, error) {
	switch t.Field {
	case "text", "title", "notes", "author", "maintainer", "res_name", "res_description":
		q, ok, err := newFTSQuery(t)
		if err != nil {
			return "", err
		}
		if !ok {
			return "1=1", nil // only punctuation: nothing to look for
		}
		if !filter && !negated {
			b.scoreTerms = append(b.scoreTerms, q)
		}
		return b.ftsCondition(q), nil
	case "name":
		return b.keyword("d.name", t), nil
	case "id":
		return b.keyword("d.id", t), nil
	case "license_id":
		return b.keyword("d.license_id", t), nil
	case "owner_org":
		return b.keyword("d.owner_org", t), nil
	case "organization":
		return "d.owner_org IN (SELECT id FROM organizations WHERE " + b.keyword("name", t) + ")", nil
	case "version":
		return b.keyword("d.version", t), nil
	case "url":
		return b.keyword("d.url", t), nil
	case "state":
		b.mentionsState = true
		return b.keyword("d.state", t), nil
	case "type", "dataset_type":
		return b.keyword("d.type", t), nil
	case "capacity":
		switch t.Value {
		case "public":
			return b.bind("d.private = ?", false), nil
		case "private":
			return b.bind("d.private = ?", true), nil
		case "*":
			return "1=1", nil
		}
		return "1=0", nil
	case "groups":
		return "1=0", nil // groups do not exist yet
	case "tags":
		return "EXISTS (SELECT 1 FROM dataset_tags dt JOIN tags t ON t.id = dt.tag_id WHERE dt.dataset_id = d.id AND " +
			b.keyword("t.name", t) + ")", nil
	case "res_format":
		t.Value = strings.ToLower(t.Value)
		return "EXISTS (SELECT 1 FROM resources r WHERE r.dataset_id = d.id AND r.state = 'active' AND " +
			b.keyword("lower(r.format)", t) + ")", nil
	case "res_url":
		return "EXISTS (SELECT 1 FROM resources r WHERE r.dataset_id = d.id AND r.state = 'active' AND " +
			b.keyword("r.url", t) + ")", nil
	case "res_type":
		return "EXISTS (SELECT 1 FROM resources r WHERE r.dataset_id = d.id AND r.state = 'active' AND " +
			b.keyword("r.resource_type", t) + ")", nil
	}
	if key, ok := strings.CutPrefix(t.Field, "extras_"); ok {
		if col, ok := dcatExtraColumns[key]; ok {
			return b.keyword(col, t), nil
		}
		if key == "theme" {
			if t.Value == "*" && t.Wildcard {
				return "d.themes <> '[]'", nil
			}
			return b.bind("d.themes LIKE ? ESCAPE '\\'", `%"`+escapeLike(t.Value)+`"%`), nil
		}
		return "EXISTS (SELECT 1 FROM dataset_extras e WHERE e.dataset_id = d.id AND " +
			b.bind("e.key = ?", key) + " AND " + b.keyword("e.value", t) + ")", nil
	}
	return "", catalog.SearchQueryf("can not search field %q", t.Field)
}

// keyword matches a whole value, or a wildcard pattern; "*" alone means
// "has a value".
func (b *searchBuilder) keyword(col string, t catalog.Term) string {
	if !t.Wildcard {
		return b.bind(col+" = ?", t.Value)
	}
	if t.Value == "*" {
		return col + " <> ''"
	}
	return b.bind(col+" LIKE ? ESCAPE '\\'", wildcardPattern(t.Value))
}

// wildcardPattern turns a Solr wildcard term (with \* and \? escapes) into
// a LIKE pattern.
func wildcardPattern(v string) string {
	var sb strings.Builder
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			if i+1 < len(v) {
				i++
				sb.WriteString(escapeLike(string(v[i])))
			}
		case '*':
			sb.WriteByte('%')
		case '?':
			sb.WriteByte('_')
		default:
			sb.WriteString(escapeLike(string(c)))
		}
	}
	return sb.String()
}

// visibility restricts results to what the caller may see: active public
// datasets, plus private ones with include_private, drafts with
// include_drafts and deleted ones with include_deleted, each only in the
// organisations the caller can write. A filter on state replaces the
// implicit state=active, as in CKAN.
func (b *searchBuilder) visibility(p *catalog.Principal, sp catalog.SearchParams) string {
	orgs, all := p.ReadableOrgs()
	parts := []string{}
	if !b.mentionsState {
		states := []string{string(catalog.StateActive)}
		if sp.IncludeDrafts {
			states = append(states, string(catalog.StateDraft))
		}
		if sp.IncludeDeleted {
			states = append(states, string(catalog.StateDeleted))
		}
		parts = append(parts, b.bind("d.state IN ?", states))
	}
	switch {
	case all:
		if !sp.IncludePrivate {
			parts = append(parts, b.bind("d.private = ?", false))
		}
	case len(orgs) > 0:
		parts = append(parts, b.bind("(d.state = ? OR d.owner_org IN ?)", catalog.StateActive, orgs))
		if sp.IncludePrivate {
			parts = append(parts, b.bind("(d.private = ? OR d.owner_org IN ?)", false, orgs))
		} else {
			parts = append(parts, b.bind("d.private = ?", false))
		}
	default:
		parts = append(parts, b.bind("d.state = ? AND d.private = ?", catalog.StateActive, false))
	}
	if len(parts) == 0 {
		// A sysadmin with include_private and a filter on state: no
		// restriction, and "()" is not SQL.
		return "(1 = 1)"
	}
	return "(" + strings.Join(parts, " AND ") + ")"
}

// isMatchAll tells whether a parsed q selects every dataset.
func isMatchAll(q catalog.Query) bool {
	_, ok := q.(catalog.MatchAll)
	return ok
}
