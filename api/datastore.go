package api

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/passerelle/passerelle/catalog"
)

// datastoreResource finds the readable resource whose rows are asked for,
// or CKAN's 404 when it has none in the datastore.
func (s *Server) datastoreResource(ctx context.Context, p *params) (*catalog.Resource, error) {
	id := p.trimmed("resource_id")
	if id == "" {
		id = p.trimmed("id")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	if id == "" {
		return nil, catalog.Invalid("resource_id", "Missing value")
	}
	r, err := s.svc.Datasets.FindResource(ctx, id)
	if err != nil {
		return nil, err
	}
	if s.svc.Datastore == nil || !r.DatastoreActive || r.DatastoreTable == "" {
		return nil, catalog.NotFoundf("Resource \"%s\" was not found.", id)
	}
	return r, nil
}

// datastoreSearchKnown are datastore_search's parameters.
var datastoreSearchKnown = map[string]bool{
	"resource_id": true, "id": true, "q": true, "filters": true, "fields": true, "sort": true,
	"limit": true, "offset": true, "include_total": true, "distinct": true, "records_format": true,
	"plain": true, "language": true, "full_text": true, "total_estimation_threshold": true,
}

func (s *Server) datastoreSearch(ctx context.Context, p *params) (any, error) {
	for k := range p.m {
		if !datastoreSearchKnown[k] {
			return nil, catalog.Invalid(k, "The input field "+k+" was not expected.")
		}
	}
	r, err := s.datastoreResource(ctx, p)
	if err != nil {
		return nil, err
	}
	q := catalog.DatastoreQuery{
		Limit:        min(p.natural("limit", catalog.DatastoreDefaultLimit), catalog.DatastoreMaxLimit),
		Offset:       p.offset("offset"),
		IncludeTotal: p.boolean("include_total", true),
		Distinct:     p.boolean("distinct", false),
		Fields:       fieldList(p, "fields"),
		Filters:      filterMap(p),
	}
	q.Q, q.QFields = queryParam(p)
	q.Sort = datastoreSort(p)
	checkDatastoreQuery(p, q)
	format := p.trimmed("records_format")
	switch format {
	case "", "objects", "lists", "csv", "tsv":
	default:
		p.fe.Add("records_format", "Must be one of objects, lists, csv, tsv")
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	res, err := s.svc.Datastore.Search(ctx, r.DatastoreTable, q)
	if err != nil {
		return nil, err
	}
	fields := make([]map[string]any, len(res.Fields))
	for i, f := range res.Fields {
		fields[i] = fieldDict(f)
	}
	out := map[string]any{
		"resource_id":         r.ID,
		"fields":              fields,
		"limit":               q.Limit,
		"include_total":       q.IncludeTotal,
		"total_was_estimated": false,
		"records_format":      "objects",
		"_links":              s.datastoreLinks(r.ID, p, q),
	}
	if q.IncludeTotal {
		out["total"] = res.Total
	}
	for _, k := range []string{"q", "filters", "sort", "offset", "distinct"} {
		if v, ok := p.m[k]; ok {
			out[k] = v
		}
	}
	switch format {
	case "lists":
		out["records_format"] = "lists"
		out["records"] = res.Records
	case "csv", "tsv":
		out["records_format"] = format
		out["records"] = delimitedRecords(res.Records, format)
	default:
		keys := make([]string, len(res.Fields))
		for i, f := range res.Fields {
			keys[i] = f.ID
		}
		// Written out rather than through encoding/json, which would
		// check and compact the records' JSON once more.
		var head bytes.Buffer
		enc := json.NewEncoder(&head)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(out); err != nil {
			return nil, err
		}
		records, err := objectRecords{keys: keys, rows: res.Records}.MarshalJSON()
		if err != nil {
			return nil, err
		}
		h := bytes.TrimRight(head.Bytes(), "\n")
		return jsonStream(func(w *bufio.Writer) error {
			w.Write(h[:len(h)-1]) // without its closing brace
			w.WriteString(`,"records":`)
			w.Write(records)
			return w.WriteByte('}')
		}), nil
	}
	return out, nil
}

// objectRecords writes rows as JSON objects whose keys follow the fields'
// order, as CKAN writes them, without a map per row: building and sorting
// maps took a third of a datastore_search request.
type objectRecords struct {
	keys []string
	rows [][]any
}

func (o objectRecords) MarshalJSON() ([]byte, error) {
	names := make([][]byte, len(o.keys))
	for i, k := range o.keys {
		names[i] = append(appendJSONString(nil, k), ':')
	}
	b := make([]byte, 0, 2+len(o.rows)*len(o.keys)*24)
	b = append(b, '[')
	for i, row := range o.rows {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		for j, v := range row {
			if j > 0 {
				b = append(b, ',')
			}
			b = append(b, names[j]...)
			var err error
			if b, err = appendJSONValue(b, v); err != nil {
				return nil, err
			}
		}
		b = append(b, '}')
	}
	return append(b, ']'), nil
}

// appendJSONValue appends a datastore value (int64, float64, bool, string
// or nil) as encoding/json writes it; other types go through it.
func appendJSONValue(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case string:
		return appendJSONString(b, v), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return append(b, "null"...), nil
		}
		// encoding/json's format: exponent only for very small or large.
		f := byte('f')
		if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
			f = 'e'
		}
		b = strconv.AppendFloat(b, v, f, -1, 64)
		if n := len(b); f == 'e' && n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1] // e-07 → e-7
			b = b[:n-1]
		}
		return b, nil
	}
	j, err := json.Marshal(v)
	return append(b, j...), err
}

// appendJSONString appends s as a JSON string: quotes, backslashes and
// control characters escaped, invalid UTF-8 as U+FFFD, and U+2028/U+2029
// escaped as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// fieldDict is a datastore field as CKAN shows it; the column's header in
// the file is its label.
func fieldDict(f catalog.DatastoreField) map[string]any {
	d := map[string]any{"id": f.ID, "type": f.Type}
	if f.Label != "" {
		d["info"] = map[string]any{"label": f.Label}
	}
	return d
}

// datastoreLinks gives the URLs of the first and next pages, as CKAN's
// _links.
func (s *Server) datastoreLinks(id string, p *params, q catalog.DatastoreQuery) map[string]string {
	v := url.Values{}
	for k, val := range p.m {
		switch k {
		case "offset", "resource_id", "id":
			continue
		}
		switch val := val.(type) {
		case string:
			v.Set(k, val)
		default:
			b, _ := json.Marshal(val) // request values came from JSON or a form
			v.Set(k, string(b))
		}
	}
	v.Set("resource_id", id)
	start := "/api/3/action/datastore_search?" + v.Encode()
	v.Set("offset", strconv.Itoa(q.Offset+q.Limit))
	return map[string]string{"start": start, "next": "/api/3/action/datastore_search?" + v.Encode()}
}

// fieldList reads a list of names given as a JSON list, a list, or a
// comma-separated string.
func fieldList(p *params, key string) []string {
	v, ok := p.m[key]
	if !ok || v == nil || v == "" {
		return nil
	}
	if s, ok := v.(string); ok && !strings.HasPrefix(strings.TrimSpace(s), "[") {
		var out []string
		for _, f := range strings.Split(s, ",") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
		return out
	}
	return p.stringList(key)
}

// filterMap reads filters: an object (or its JSON text) mapping a field to
// a value or a list of values.
func filterMap(p *params) map[string][]string {
	v, ok := p.m["filters"]
	if !ok || v == nil || v == "" {
		return nil
	}
	m, ok := v.(map[string]any)
	if s, isStr := v.(string); isStr {
		var err error
		if m, err = decodeJSONObject([]byte(s)); err != nil {
			p.fe.Add("filters", "Must be a JSON object mapping fields to values")
			return nil
		}
		ok = true
	}
	if !ok {
		p.fe.Add("filters", "Must be an object mapping fields to values")
		return nil
	}
	out := make(map[string][]string, len(m))
	for k, val := range m {
		vals := []any{val}
		if l, isList := val.([]any); isList {
			vals = l
		}
		for _, x := range vals {
			s, ok := scalarString(x)
			if !ok {
				p.fe.Add("filters", fmt.Sprintf("Filter on %q must be a value or a list of values", k))
				return nil
			}
			out[k] = append(out[k], s)
		}
	}
	return out
}

func scalarString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// queryParam reads q: words over the whole row, or an object of words per
// field.
func queryParam(p *params) (string, map[string]string) {
	v, ok := p.m["q"]
	if !ok || v == nil {
		return "", nil
	}
	if s, isStr := v.(string); isStr {
		if !strings.HasPrefix(strings.TrimSpace(s), "{") {
			return s, nil
		}
		m, err := decodeJSONObject([]byte(s))
		if err != nil {
			p.fe.Add("q", "Must be text or a JSON object of field: text")
			return "", nil
		}
		v = m
	}
	m, ok := v.(map[string]any)
	if !ok {
		p.fe.Add("q", "Must be text or an object of field: text")
		return "", nil
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		s, ok := scalarString(x)
		if !ok {
			p.fe.Add("q", fmt.Sprintf("Text for %q must be a string", k))
			return "", nil
		}
		out[k] = s
	}
	return "", out
}

// datastoreSort reads "col asc, col2 desc" (column names may be quoted);
// the datastore checks the names.
func datastoreSort(p *params) []catalog.SortKey {
	var parts []string
	switch v := p.m["sort"].(type) {
	case nil:
		return nil
	case string:
		parts = strings.Split(v, ",")
	case []any:
		for _, x := range v {
			s, ok := x.(string)
			if !ok {
				p.fe.Add("sort", "Must be a string like \"field asc, other desc\"")
				return nil
			}
			parts = append(parts, s)
		}
	default:
		p.fe.Add("sort", "Must be a string like \"field asc, other desc\"")
		return nil
	}
	var keys []catalog.SortKey
	for _, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k := catalog.SortKey{}
		name, dir := part, ""
		if strings.HasPrefix(part, `"`) {
			end := strings.LastIndex(part, `"`)
			if end <= 0 {
				p.fe.Add("sort", fmt.Sprintf("Cannot read sort clause %q", part))
				return nil
			}
			name, dir = strings.ReplaceAll(part[1:end], `""`, `"`), strings.TrimSpace(part[end+1:])
		} else if i := strings.LastIndexByte(part, ' '); i > 0 {
			name, dir = strings.TrimSpace(part[:i]), strings.TrimSpace(part[i+1:])
		}
		switch strings.ToLower(dir) {
		case "", "asc":
		case "desc":
			k.Desc = true
		default:
			p.fe.Add("sort", fmt.Sprintf("Cannot sort by %q: the direction must be asc or desc", part))
			return nil
		}
		k.Field = name
		keys = append(keys, k)
	}
	return keys
}

// delimitedRecords renders records as CSV or TSV text, as CKAN does for
// records_format=csv|tsv.
func delimitedRecords(rows [][]any, format string) string {
	var b strings.Builder
	w := newDelimitedWriter(&b, format)
	for _, row := range rows {
		w.write(row)
	}
	w.flush()
	return b.String()
}

func (s *Server) datastoreInfo(ctx context.Context, p *params) (any, error) {
	r, err := s.datastoreResource(ctx, p)
	if err != nil {
		return nil, err
	}
	t, err := s.svc.Datastore.Info(ctx, r.DatastoreTable)
	if err != nil {
		return nil, err
	}
	fields := make([]map[string]any, len(t.Fields))
	for i, f := range t.Fields {
		fields[i] = fieldDict(f)
	}
	return map[string]any{
		"meta": map[string]any{
			"id": r.ID, "count": t.Rows, "table_type": "BASE TABLE", "aliases": []string{},
			"created": ckanTime(t.Created),
		},
		"fields": fields,
	}, nil
}
