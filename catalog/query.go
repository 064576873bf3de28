package catalog

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Query is a parsed Solr-style query (package_search q and fq), the subset
// CKAN clients send: terms, field:value, quoted phrases, AND/OR/NOT and
// +/- prefixes, parentheses, field:(a OR b), ranges and *:*.
//
// Solr's parser is not available in Go, and no Go library reads Lucene
// syntax into something we can turn into SQL, so this one is written here.
// AND binds tighter than OR, and terms side by side are ANDed (CKAN's
// schema sets q.op=AND).
type Query interface{ isQuery() }

// MatchAll matches every dataset (*:* or an empty query).
type MatchAll struct{}

// Term matches a field against a value. Field is "text" for the default
// free-text field.
type Term struct {
	Field    string
	Value    string
	Phrase   bool // quoted: match the words in order
	Wildcard bool // Value holds unescaped * or ? wildcards
}

// DateRange matches a date field between two bounds; nil is open.
type DateRange struct {
	Field                      string
	From, To                   *time.Time
	FromExclusive, ToExclusive bool
}

// IntRange matches an integer field between two bounds; nil is open.
type IntRange struct {
	Field                      string
	From, To                   *int64
	FromExclusive, ToExclusive bool
}

// And matches when every clause matches.
type And struct{ Clauses []Query }

// Or matches when any clause matches.
type Or struct{ Clauses []Query }

// Not matches when its clause does not.
type Not struct{ Clause Query }

func (MatchAll) isQuery()  {}
func (Term) isQuery()      {}
func (DateRange) isQuery() {}
func (IntRange) isQuery()  {}
func (And) isQuery()       {}
func (Or) isQuery()        {}
func (Not) isQuery()       {}

// FieldKind says how a search field matches.
type FieldKind int

// Field kinds.
const (
	FieldText    FieldKind = iota // words, accent- and case-insensitive
	FieldKeyword                  // whole value
	FieldDate                     // ranges of dates
	FieldInt                      // ranges of integers
)

// SearchFields are the fields q and fq can name, as CKAN indexes them.
// extras_<key> fields are keywords too.
var SearchFields = map[string]FieldKind{
	"text": FieldText, "title": FieldText, "notes": FieldText,
	"res_name": FieldText, "res_description": FieldText,
	"author": FieldText, "maintainer": FieldText,
	"name": FieldKeyword, "id": FieldKeyword, "tags": FieldKeyword,
	"organization": FieldKeyword, "owner_org": FieldKeyword,
	"license_id": FieldKeyword, "res_format": FieldKeyword, "res_url": FieldKeyword,
	"res_type": FieldKeyword, "state": FieldKeyword, "capacity": FieldKeyword,
	"dataset_type": FieldKeyword, "type": FieldKeyword, "groups": FieldKeyword,
	"version": FieldKeyword, "url": FieldKeyword,
	"metadata_modified": FieldDate, "metadata_created": FieldDate,
	"num_resources": FieldInt, "num_tags": FieldInt,
}

// SearchFieldKind returns how field matches, and false for an unknown field.
func SearchFieldKind(field string) (FieldKind, bool) {
	if k, ok := SearchFields[field]; ok {
		return k, true
	}
	if key, ok := strings.CutPrefix(field, "extras_"); ok && key != "" {
		return FieldKeyword, true
	}
	return 0, false
}

// Limits that keep a hostile query cheap to parse and to run.
const (
	maxQueryLength = 8192
	maxQueryDepth  = 32
	maxQueryTerms  = 256
)

// MaxSearchTerms bounds the terms of one search's q and fq together, on
// every path (API, DCAT feeds, web pages): PostgreSQL's planning time
// grows steeply with AND'ed field filters (on an almost empty catalogue,
// 32 tags plan in 0.15 s, 64 in 0.9 s, 128 in over 10 s), and no person
// or harvester asks for more.
const MaxSearchTerms = 32

// CountTerms counts the field and word terms of a parsed query.
func CountTerms(q Query) int {
	switch q := q.(type) {
	case MatchAll:
		return 0
	case And:
		n := 0
		for _, c := range q.Clauses {
			n += CountTerms(c)
		}
		return n
	case Or:
		n := 0
		for _, c := range q.Clauses {
			n += CountTerms(c)
		}
		return n
	case Not:
		return CountTerms(q.Clause)
	default:
		return 1
	}
}

// ParseQuery parses a q or fq string. In a filter (strict), an unknown field
// is an error, as Solr makes it; in q it is read as plain words, as edismax
// does. now anchors date math such as NOW-7DAYS. Errors are KindSearchQuery.
func ParseQuery(s string, strict bool, now time.Time) (Query, error) {
	if len(s) > maxQueryLength {
		return nil, SearchQueryf("query is longer than %d bytes", maxQueryLength)
	}
	if strings.TrimSpace(s) == "" {
		return MatchAll{}, nil
	}
	p := &parser{src: []rune(s), strict: strict, now: now, field: "text"}
	q, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.eof() {
		return nil, p.errorf("unexpected %q", string(p.peek()))
	}
	return q, nil
}

type parser struct {
	src    []rune
	pos    int
	strict bool
	now    time.Time
	field  string // default field of bare terms
	depth  int
	terms  int
}

func (p *parser) errorf(format string, args ...any) error {
	return SearchQueryf("at character %d: %s", p.pos+1, fmt.Sprintf(format, args...))
}

func (p *parser) eof() bool  { return p.pos >= len(p.src) }
func (p *parser) peek() rune { return p.src[p.pos] }

func (p *parser) skipSpace() {
	for !p.eof() && unicode.IsSpace(p.peek()) {
		p.pos++
	}
}

// operator consumes op (AND, OR, NOT, &&, ||) when it stands alone.
func (p *parser) operator(ops ...string) bool {
	for _, op := range ops {
		end := p.pos + len(op)
		if end > len(p.src) || string(p.src[p.pos:end]) != op {
			continue
		}
		if op[0] != '&' && op[0] != '|' && end < len(p.src) && !isBoundary(p.src[end]) {
			continue
		}
		p.pos = end
		return true
	}
	return false
}

func isBoundary(r rune) bool { return unicode.IsSpace(r) || r == '(' || r == ')' || r == '"' }

func (p *parser) parseOr() (Query, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxQueryDepth {
		return nil, p.errorf("query nests deeper than %d levels", maxQueryDepth)
	}
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	clauses := []Query{first}
	for {
		p.skipSpace()
		if !p.operator("OR", "||") {
			break
		}
		next, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		clauses = append(clauses, next)
	}
	if len(clauses) == 1 {
		return first, nil
	}
	return Or{Clauses: clauses}, nil
}

func (p *parser) parseAnd() (Query, error) {
	var clauses []Query
	afterAnd := false
	for {
		p.skipSpace()
		if p.eof() || p.peek() == ')' {
			if afterAnd {
				return nil, p.errorf("AND needs a term on each side")
			}
			break
		}
		save := p.pos
		if p.operator("OR", "||") {
			if afterAnd {
				return nil, p.errorf("AND needs a term on each side")
			}
			p.pos = save
			break
		}
		if p.operator("AND", "&&") {
			if len(clauses) == 0 || afterAnd {
				return nil, p.errorf("AND needs a term on each side")
			}
			afterAnd = true
			continue
		}
		afterAnd = false
		c, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		clauses = append(clauses, c)
	}
	switch len(clauses) {
	case 0:
		return nil, p.errorf("expected a search term")
	case 1:
		return clauses[0], nil
	}
	return And{Clauses: clauses}, nil
}

func (p *parser) parseUnary() (Query, error) {
	p.skipSpace()
	if p.eof() {
		return nil, p.errorf("expected a search term")
	}
	switch r := p.peek(); {
	case r == '-' || r == '!':
		p.pos++
		return p.parseNot()
	case r == '+':
		p.pos++
		return p.parseUnary()
	case p.operator("NOT"):
		return p.parseNot()
	}
	return p.parsePrimary()
}

// parseNot parses the clause a NOT applies to. Each NOT nests the query
// one level, bounded as parentheses are: "!!!…x" must not build a query
// too deep for the database to compile.
func (p *parser) parseNot() (Query, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxQueryDepth {
		return nil, p.errorf("query nests deeper than %d levels", maxQueryDepth)
	}
	c, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	return Not{Clause: c}, nil
}

var fieldNameRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.\-]*$`)

func (p *parser) parsePrimary() (Query, error) {
	if p.terms++; p.terms > maxQueryTerms {
		return nil, p.errorf("query has more than %d terms", maxQueryTerms)
	}
	if p.peek() == '(' {
		p.pos++
		q, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.eof() || p.peek() != ')' {
			return nil, p.errorf("missing closing parenthesis")
		}
		p.pos++
		return q, nil
	}
	if p.hasPrefix("*:*") {
		p.pos += 3
		return MatchAll{}, nil
	}
	// A field name is a run of name characters followed by a colon.
	start := p.pos
	for !p.eof() && (isNameRune(p.peek())) {
		p.pos++
	}
	if p.pos > start && !p.eof() && p.peek() == ':' {
		field := string(p.src[start:p.pos])
		if _, known := SearchFieldKind(field); known && fieldNameRe.MatchString(field) {
			p.pos++ // the colon
			return p.parseFieldValue(field)
		}
		if p.strict {
			return nil, p.errorf("unknown field %q", field)
		}
	}
	p.pos = start
	return p.parseFieldValue(p.field)
}

func isNameRune(r rune) bool {
	return r == '_' || r == '.' || r == '-' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9')
}

func (p *parser) hasPrefix(s string) bool {
	end := p.pos + len(s)
	return end <= len(p.src) && string(p.src[p.pos:end]) == s
}

// parseFieldValue reads the value after "field:" (or a bare term of the
// default field): a group, a phrase, a range or a word.
func (p *parser) parseFieldValue(field string) (Query, error) {
	if p.eof() {
		return nil, p.errorf("missing value for field %q", field)
	}
	kind, _ := SearchFieldKind(field)
	switch p.peek() {
	case '(':
		outer := p.field
		p.field = field
		p.pos++
		q, err := p.parseOr()
		p.field = outer
		if err != nil {
			return nil, err
		}
		p.skipSpace()
		if p.eof() || p.peek() != ')' {
			return nil, p.errorf("missing closing parenthesis")
		}
		p.pos++
		return q, nil
	case '"':
		v, err := p.readPhrase()
		if err != nil {
			return nil, err
		}
		return p.termFor(field, kind, v, true, false)
	case '[', '{':
		return p.parseRange(field, kind)
	}
	v, wildcard, err := p.readWord()
	if err != nil {
		return nil, err
	}
	if v == "" {
		return nil, p.errorf("missing value for field %q", field)
	}
	return p.termFor(field, kind, v, false, wildcard)
}

func (p *parser) termFor(field string, kind FieldKind, v string, phrase, wildcard bool) (Query, error) {
	switch kind {
	case FieldDate:
		if wildcard && v == "*" {
			return DateRange{Field: field}, nil
		}
		t, err := parseSolrDate(v, p.now)
		if err != nil {
			return nil, p.errorf("%v", err)
		}
		return DateRange{Field: field, From: &t, To: &t}, nil
	case FieldInt:
		if wildcard && v == "*" {
			return IntRange{Field: field}, nil
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, p.errorf("%s expects an integer, not %q", field, v)
		}
		return IntRange{Field: field, From: &n, To: &n}, nil
	}
	return Term{Field: field, Value: v, Phrase: phrase, Wildcard: wildcard}, nil
}

func (p *parser) readPhrase() (string, error) {
	p.pos++ // opening quote
	var b strings.Builder
	for !p.eof() {
		r := p.peek()
		p.pos++
		switch r {
		case '\\':
			if p.eof() {
				return "", p.errorf("query ends with a backslash")
			}
			b.WriteRune(p.peek())
			p.pos++
		case '"':
			return b.String(), nil
		default:
			b.WriteRune(r)
		}
	}
	return "", p.errorf("missing closing quote")
}

// readWord reads an unquoted term up to a space, a parenthesis or a quote.
// Backslash escapes the next character; unescaped * and ? are wildcards.
func (p *parser) readWord() (word string, wildcard bool, err error) {
	// literal is the word unescaped; pattern keeps \* \? and \\ escaped so
	// that storage can tell a literal star from a wildcard.
	var literal, pattern strings.Builder
	for !p.eof() {
		r := p.peek()
		if unicode.IsSpace(r) || r == '(' || r == ')' || r == '"' {
			break
		}
		p.pos++
		switch r {
		case '\\':
			if p.eof() {
				return "", false, p.errorf("query ends with a backslash")
			}
			e := p.peek()
			p.pos++
			if e == '*' || e == '?' || e == '\\' {
				pattern.WriteRune('\\')
			}
			pattern.WriteRune(e)
			literal.WriteRune(e)
		case '*', '?':
			wildcard = true
			pattern.WriteRune(r)
			literal.WriteRune(r)
		case '[', ']', '{', '}', '^', '~':
			return "", false, p.errorf("character %q must be escaped with a backslash or quoted", string(r))
		default:
			pattern.WriteRune(r)
			literal.WriteRune(r)
		}
	}
	if wildcard {
		return pattern.String(), true, nil
	}
	return literal.String(), false, nil
}

func (p *parser) parseRange(field string, kind FieldKind) (Query, error) {
	fromExclusive := p.peek() == '{'
	p.pos++
	start := p.pos
	for !p.eof() && p.peek() != ']' && p.peek() != '}' {
		p.pos++
	}
	if p.eof() {
		return nil, p.errorf("missing closing bracket of range")
	}
	body := string(p.src[start:p.pos])
	toExclusive := p.peek() == '}'
	p.pos++
	parts := strings.Fields(body)
	if len(parts) != 3 || parts[1] != "TO" {
		return nil, p.errorf("a range reads [FROM TO TO], not [%s]", body)
	}
	switch kind {
	case FieldDate:
		r := DateRange{Field: field, FromExclusive: fromExclusive, ToExclusive: toExclusive}
		for i, v := range []string{parts[0], parts[2]} {
			if v == "*" {
				continue
			}
			t, err := parseSolrDate(v, p.now)
			if err != nil {
				return nil, p.errorf("%v", err)
			}
			if i == 0 {
				r.From = &t
			} else {
				r.To = &t
			}
		}
		return r, nil
	case FieldInt:
		r := IntRange{Field: field, FromExclusive: fromExclusive, ToExclusive: toExclusive}
		for i, v := range []string{parts[0], parts[2]} {
			if v == "*" {
				continue
			}
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, p.errorf("%s expects an integer, not %q", field, v)
			}
			if i == 0 {
				r.From = &n
			} else {
				r.To = &n
			}
		}
		return r, nil
	}
	return nil, p.errorf("ranges apply to date and number fields (metadata_modified, metadata_created, num_resources, num_tags), not %q", field)
}

var isoDateRe = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]\d{2}:\d{2})?`)

// parseSolrDate reads a Solr date with date math: 2024-01-01T00:00:00Z,
// NOW, NOW-7DAYS, NOW/DAY, 2024-01-01T00:00:00Z+1MONTH.
func parseSolrDate(v string, now time.Time) (time.Time, error) {
	var t time.Time
	rest := v
	if r, ok := strings.CutPrefix(v, "NOW"); ok {
		t, rest = now.UTC(), r
	} else {
		m := isoDateRe.FindStringSubmatch(v)
		if m == nil {
			return time.Time{}, fmt.Errorf("can not read date %q: use 2024-01-31T00:00:00Z or NOW-7DAYS", v)
		}
		layout := "2006-01-02"
		in := m[1] + "-" + m[2] + "-" + m[3]
		if m[4] != "" {
			sec := m[6]
			if sec == "" {
				sec = "00"
			}
			in += "T" + m[4] + ":" + m[5] + ":" + sec
			layout += "T15:04:05"
			if m[7] != "" {
				in += "." + m[7]
				layout += ".999999999"
			}
		}
		if m[8] != "" && m[8] != "Z" {
			in += m[8]
			layout += "Z07:00"
		}
		var err error
		if t, err = time.Parse(layout, in); err != nil {
			return time.Time{}, fmt.Errorf("can not read date %q: %v", v, err)
		}
		t = t.UTC()
		rest = v[len(m[0]):]
	}
	for rest != "" {
		op := rest[0]
		rest = rest[1:]
		i := 0
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		n := 1
		if op != '/' {
			if i == 0 {
				return time.Time{}, fmt.Errorf("can not read date math in %q", v)
			}
			n, _ = strconv.Atoi(rest[:i])
			if n > 100000 {
				return time.Time{}, fmt.Errorf("date math step too large in %q", v)
			}
		}
		rest = rest[i:]
		j := 0
		for j < len(rest) && rest[j] >= 'A' && rest[j] <= 'Z' {
			j++
		}
		unit := strings.TrimSuffix(rest[:j], "S")
		rest = rest[j:]
		switch op {
		case '+', '-':
			if op == '-' {
				n = -n
			}
			switch unit {
			case "YEAR":
				t = t.AddDate(n, 0, 0)
			case "MONTH":
				t = t.AddDate(0, n, 0)
			case "DAY", "DATE":
				t = t.AddDate(0, 0, n)
			case "HOUR":
				t = t.Add(time.Duration(n) * time.Hour)
			case "MINUTE":
				t = t.Add(time.Duration(n) * time.Minute)
			case "SECOND":
				t = t.Add(time.Duration(n) * time.Second)
			default:
				return time.Time{}, fmt.Errorf("unknown date unit %q in %q", unit, v)
			}
		case '/':
			switch unit {
			case "YEAR":
				t = time.Date(t.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
			case "MONTH":
				t = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
			case "DAY", "DATE":
				t = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
			case "HOUR":
				t = t.Truncate(time.Hour)
			case "MINUTE":
				t = t.Truncate(time.Minute)
			case "SECOND":
				t = t.Truncate(time.Second)
			default:
				return time.Time{}, fmt.Errorf("unknown date unit %q in %q", unit, v)
			}
		default:
			return time.Time{}, fmt.Errorf("can not read date %q", v)
		}
	}
	return t, nil
}
