package dcat

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Format is an RDF serialisation.
type Format string

// Serialisations, named as the feeds' extensions are.
const (
	Turtle   Format = "ttl"
	RDFXML   Format = "rdf"
	JSONLD   Format = "jsonld"
	NTriples Format = "nt"
)

// ContentType is the media type of the format, with its charset: Python
// clients read an unlabelled text/* body as ISO-8859-1.
func (f Format) ContentType() string {
	switch f {
	case Turtle:
		return "text/turtle; charset=utf-8"
	case RDFXML:
		return "application/rdf+xml; charset=utf-8"
	case JSONLD:
		return "application/ld+json; charset=utf-8"
	case NTriples:
		return "application/n-triples; charset=utf-8"
	}
	return "application/octet-stream"
}

// FormatOfExtension maps a feed's extension to its format; ".xml" is
// RDF/XML as ckanext-dcat serves it.
func FormatOfExtension(ext string) (Format, bool) {
	switch strings.TrimPrefix(ext, ".") {
	case "ttl":
		return Turtle, true
	case "rdf", "xml":
		return RDFXML, true
	case "jsonld":
		return JSONLD, true
	case "nt":
		return NTriples, true
	}
	return "", false
}

// FormatOfMediaType maps an Accept media type to a format.
func FormatOfMediaType(mt string) (Format, bool) {
	switch mt {
	case "text/turtle", "application/x-turtle":
		return Turtle, true
	case "application/rdf+xml":
		return RDFXML, true
	case "application/ld+json":
		return JSONLD, true
	case "application/n-triples":
		return NTriples, true
	}
	return "", false
}

// Encoder writes nodes as they come.
type Encoder interface {
	// Node writes one node.
	Node(n *Node) error
	// Close ends the document and flushes it.
	Close() error
}

// NewEncoder starts a document in format f on w.
func NewEncoder(w io.Writer, f Format) Encoder {
	bw := bufio.NewWriterSize(w, 32<<10)
	switch f {
	case RDFXML:
		return newXMLEncoder(bw)
	case JSONLD:
		return newJSONLDEncoder(bw)
	case NTriples:
		return &ntEncoder{w: bw}
	}
	return newTurtleEncoder(bw)
}

// iriUnsafe are characters that no serialisation accepts in an IRI.
var iriUnsafe = regexp.MustCompile(`[\x00-\x20<>"{}|\\^` + "`" + `\x7f]`)

// safeIRI percent-encodes the characters an IRI may not hold, so that a
// stray space or quote in a user's URL cannot break a document.
func safeIRI(s string) string {
	s = cleanText(s)
	return iriUnsafe.ReplaceAllStringFunc(s, func(c string) string { return fmt.Sprintf("%%%02X", c[0]) })
}

var (
	langRe  = regexp.MustCompile(`^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$`)
	blankRe = regexp.MustCompile(`[^A-Za-z0-9_]`)
)

func safeLang(s string) string {
	if langRe.MatchString(s) {
		return s
	}
	return ""
}

func safeBlank(s string) string {
	s = blankRe.ReplaceAllString(s, "_")
	if s == "" || s[0] < 'A' || (s[0] > 'Z' && s[0] < 'a' && s[0] != '_') {
		s = "b" + s
	}
	return s
}

// cleanText makes text safe for every format: invalid UTF-8 and the
// non-characters U+FFFE and U+FFFF (which parsers refuse even escaped)
// become U+FFFD.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.ContainsAny(s, "\uFFFE\uFFFF") {
		s = strings.NewReplacer("\uFFFE", "\uFFFD", "\uFFFF", "\uFFFD").Replace(s)
	}
	return s
}

// quoteLiteral writes a Turtle / N-Triples string literal: ECHAR escapes
// for the usual controls, \uXXXX for the others, the rest as UTF-8.
// backslashAsU writes a backslash as \u005C, for N-Triples: rdflib 6's
// N-Triples reader decodes "\\n" as a backslash and a line break.
func quoteLiteral(b *strings.Builder, s string, backslashAsU bool) {
	s = cleanText(s)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			if backslashAsU {
				b.WriteString(`\u005C`)
			} else {
				b.WriteString(`\\`)
			}
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 || r == 0x7f {
				fmt.Fprintf(b, `\u%04X`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}

// ntTerm writes a term in N-Triples form.
func ntTerm(b *strings.Builder, t Term) {
	switch t.Kind {
	case KindIRI:
		b.WriteString("<" + safeIRI(t.Value) + ">")
	case KindBlank:
		b.WriteString("_:" + safeBlank(t.Value))
	default:
		quoteLiteral(b, t.Value, true)
		if l := safeLang(t.Lang); l != "" && t.Datatype == "" {
			b.WriteString("@" + l)
		} else if t.Datatype != "" {
			b.WriteString("^^<" + safeIRI(t.Datatype) + ">")
		}
	}
}

type ntEncoder struct {
	w *bufio.Writer
	b strings.Builder
}

func (e *ntEncoder) Node(n *Node) error {
	e.b.Reset()
	line := func(p string, o Term) {
		ntTerm(&e.b, n.ID)
		e.b.WriteString(" <" + safeIRI(p) + "> ")
		ntTerm(&e.b, o)
		e.b.WriteString(" .\n")
	}
	for _, t := range n.Types {
		line(NSRDF+"type", IRI(t))
	}
	for _, p := range n.Props {
		line(p.Pred, p.Obj)
	}
	_, err := e.w.WriteString(e.b.String())
	return err
}

func (e *ntEncoder) Close() error { return e.w.Flush() }

// Turtle.

type turtleEncoder struct {
	w *bufio.Writer
	b strings.Builder
}

func newTurtleEncoder(w *bufio.Writer) *turtleEncoder {
	for _, p := range prefixes {
		fmt.Fprintf(w, "@prefix %s: <%s> .\n", p.prefix, p.ns)
	}
	w.WriteByte('\n')
	return &turtleEncoder{w: w}
}

// turtleIRI writes an IRI as a prefixed name when it can.
func turtleIRI(b *strings.Builder, iri string) {
	if p, l, ok := qname(iri); ok {
		b.WriteString(p + ":" + l)
		return
	}
	b.WriteString("<" + safeIRI(iri) + ">")
}

func turtleTerm(b *strings.Builder, t Term) {
	switch t.Kind {
	case KindIRI:
		turtleIRI(b, t.Value)
	case KindBlank:
		b.WriteString("_:" + safeBlank(t.Value))
	default:
		quoteLiteral(b, t.Value, false)
		if l := safeLang(t.Lang); l != "" && t.Datatype == "" {
			b.WriteString("@" + l)
		} else if t.Datatype != "" {
			b.WriteString("^^")
			turtleIRI(b, t.Datatype)
		}
	}
}

func (e *turtleEncoder) Node(n *Node) error {
	b := &e.b
	b.Reset()
	turtleTerm(b, n.ID)
	sep := "\n    "
	if len(n.Types) > 0 {
		b.WriteString(sep + "a ")
		for i, t := range n.Types {
			if i > 0 {
				b.WriteString(", ")
			}
			turtleIRI(b, t)
		}
		sep = " ;\n    "
	}
	for _, p := range n.Props {
		b.WriteString(sep)
		turtleIRI(b, p.Pred)
		b.WriteByte(' ')
		turtleTerm(b, p.Obj)
		sep = " ;\n    "
	}
	b.WriteString(" .\n\n")
	_, err := e.w.WriteString(b.String())
	return err
}

func (e *turtleEncoder) Close() error { return e.w.Flush() }

// RDF/XML.

type xmlEncoder struct {
	w *bufio.Writer
	b strings.Builder
}

func newXMLEncoder(w *bufio.Writer) *xmlEncoder {
	w.WriteString("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rdf:RDF")
	for _, p := range prefixes {
		fmt.Fprintf(w, "\n    xmlns:%s=\"%s\"", p.prefix, p.ns)
	}
	w.WriteString(">\n")
	return &xmlEncoder{w: w}
}

// xmlText escapes character data or an attribute value. XML 1.0 cannot
// carry most control characters at all, even as references: they become
// U+FFFD in this format (Turtle and N-Triples keep them).
func xmlText(b *strings.Builder, s string) {
	s = cleanText(s)
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"':
			b.WriteString("&quot;")
		case r == '\t':
			b.WriteString("&#9;")
		case r == '\n':
			b.WriteString("&#10;")
		case r == '\r':
			b.WriteString("&#13;")
		case r < 0x20 || r == 0xfffe || r == 0xffff || (r >= 0xd800 && r <= 0xdfff):
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
}

// xmlElement returns the element name of a predicate, and a namespace
// declaration to add when the predicate's namespace is not declared.
func xmlElement(iri string) (name, decl string) {
	if p, l, ok := qname(iri); ok {
		return p + ":" + l, ""
	}
	i := strings.LastIndexAny(iri, "#/")
	if i < 0 || !validLocal(iri[i+1:]) {
		// Not expressible in RDF/XML; does not happen with our vocabulary.
		return "rdfs:seeAlso", ""
	}
	var b strings.Builder
	xmlText(&b, iri[:i+1])
	return "ns0:" + iri[i+1:], ` xmlns:ns0="` + b.String() + `"`
}

func (e *xmlEncoder) Node(n *Node) error {
	b := &e.b
	b.Reset()
	b.WriteString("  <rdf:Description ")
	if n.ID.Kind == KindBlank {
		b.WriteString(`rdf:nodeID="` + safeBlank(n.ID.Value) + `">`)
	} else {
		b.WriteString(`rdf:about="`)
		xmlText(b, safeIRI(n.ID.Value))
		b.WriteString(`">`)
	}
	b.WriteByte('\n')
	for _, t := range n.Types {
		b.WriteString(`    <rdf:type rdf:resource="`)
		xmlText(b, safeIRI(t))
		b.WriteString("\"/>\n")
	}
	for _, p := range n.Props {
		name, decl := xmlElement(p.Pred)
		b.WriteString("    <" + name + decl)
		switch p.Obj.Kind {
		case KindIRI:
			b.WriteString(` rdf:resource="`)
			xmlText(b, safeIRI(p.Obj.Value))
			b.WriteString("\"/>\n")
			continue
		case KindBlank:
			b.WriteString(` rdf:nodeID="` + safeBlank(p.Obj.Value) + "\"/>\n")
			continue
		}
		if l := safeLang(p.Obj.Lang); l != "" && p.Obj.Datatype == "" {
			b.WriteString(` xml:lang="` + l + `"`)
		} else if p.Obj.Datatype != "" {
			b.WriteString(` rdf:datatype="`)
			xmlText(b, safeIRI(p.Obj.Datatype))
			b.WriteString(`"`)
		}
		b.WriteByte('>')
		xmlText(b, p.Obj.Value)
		b.WriteString("</" + name + ">\n")
	}
	b.WriteString("  </rdf:Description>\n")
	_, err := e.w.WriteString(b.String())
	return err
}

func (e *xmlEncoder) Close() error {
	e.w.WriteString("</rdf:RDF>\n")
	return e.w.Flush()
}

// JSON-LD: a flat @graph of node objects, with the prefixes as context.

type jsonldEncoder struct {
	w     *bufio.Writer
	first bool
}

func newJSONLDEncoder(w *bufio.Writer) *jsonldEncoder {
	ctx := make(map[string]string, len(prefixes))
	for _, p := range prefixes {
		ctx[p.prefix] = p.ns
	}
	head, _ := json.Marshal(ctx) // a map of strings always encodes
	w.WriteString(`{"@context": `)
	w.Write(head)
	w.WriteString(",\n\"@graph\": [\n")
	return &jsonldEncoder{w: w, first: true}
}

// jsonldKey is a predicate as a compact IRI when a prefix covers it.
func jsonldKey(iri string) string {
	if p, l, ok := qname(iri); ok {
		return p + ":" + l
	}
	return safeIRI(iri)
}

func jsonldID(t Term) string {
	if t.Kind == KindBlank {
		return "_:" + safeBlank(t.Value)
	}
	return safeIRI(t.Value)
}

func (e *jsonldEncoder) Node(n *Node) error {
	obj := make(map[string]any, len(n.Props)+2)
	order := []string{"@id"}
	obj["@id"] = jsonldID(n.ID)
	if len(n.Types) > 0 {
		types := make([]string, len(n.Types))
		for i, t := range n.Types {
			types[i] = jsonldKey(t)
		}
		obj["@type"] = types
		order = append(order, "@type")
	}
	for _, p := range n.Props {
		k := jsonldKey(p.Pred)
		var v map[string]string
		switch p.Obj.Kind {
		case KindIRI, KindBlank:
			v = map[string]string{"@id": jsonldID(p.Obj)}
		default:
			v = map[string]string{"@value": cleanText(p.Obj.Value)}
			if l := safeLang(p.Obj.Lang); l != "" && p.Obj.Datatype == "" {
				v["@language"] = l
			} else if p.Obj.Datatype != "" {
				v["@type"] = jsonldKey(p.Obj.Datatype)
			}
		}
		list, seen := obj[k].([]map[string]string)
		if !seen {
			order = append(order, k)
		}
		obj[k] = append(list, v)
	}
	// Keys in the order the properties came, for readable output.
	var b strings.Builder
	if !e.first {
		b.WriteString(",\n")
	}
	e.first = false
	b.WriteByte('{')
	for i, k := range order {
		if i > 0 {
			b.WriteString(", ")
		}
		kb, _ := json.Marshal(k)
		vb, err := json.Marshal(obj[k])
		if err != nil {
			return err
		}
		b.Write(kb)
		b.WriteString(": ")
		b.Write(vb)
	}
	b.WriteByte('}')
	_, err := e.w.WriteString(b.String())
	return err
}

func (e *jsonldEncoder) Close() error {
	e.w.WriteString("\n]}\n")
	return e.w.Flush()
}
