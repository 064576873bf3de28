package dcat

import "strings"

// Namespaces used in the feeds, with the prefixes the serialisers declare.
const (
	NSRDF    = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
	NSRDFS   = "http://www.w3.org/2000/01/rdf-schema#"
	NSXSD    = "http://www.w3.org/2001/XMLSchema#"
	NSDCAT   = "http://www.w3.org/ns/dcat#"
	NSDCT    = "http://purl.org/dc/terms/"
	NSFOAF   = "http://xmlns.com/foaf/0.1/"
	NSVCARD  = "http://www.w3.org/2006/vcard/ns#"
	NSSKOS   = "http://www.w3.org/2004/02/skos/core#"
	NSSPDX   = "http://spdx.org/rdf/terms#"
	NSLOCN   = "http://www.w3.org/ns/locn#"
	NSGSP    = "http://www.opengis.net/ont/geosparql#"
	NSHYDRA  = "http://www.w3.org/ns/hydra/core#"
	NSDCATAP = "http://data.europa.eu/r5r/"
	NSADMS   = "http://www.w3.org/ns/adms#"
)

// prefixes are declared in every document, in this order.
var prefixes = []struct{ prefix, ns string }{
	{"rdf", NSRDF}, {"rdfs", NSRDFS}, {"xsd", NSXSD}, {"dcat", NSDCAT}, {"dct", NSDCT},
	{"foaf", NSFOAF}, {"vcard", NSVCARD}, {"skos", NSSKOS}, {"spdx", NSSPDX},
	{"locn", NSLOCN}, {"gsp", NSGSP}, {"hydra", NSHYDRA}, {"dcatap", NSDCATAP}, {"adms", NSADMS},
}

// TermKind says what a Term is.
type TermKind int

// Term kinds.
const (
	KindIRI TermKind = iota
	KindBlank
	KindLiteral
)

// Term is an RDF term: an IRI, a blank node or a literal.
type Term struct {
	Kind     TermKind
	Value    string // IRI, blank node label or lexical form
	Datatype string // literals: datatype IRI, "" for xsd:string
	Lang     string // literals: language tag
}

// IRI returns an IRI term.
func IRI(s string) Term { return Term{Kind: KindIRI, Value: s} }

// Blank returns a blank node term with the given document-unique label.
func Blank(label string) Term { return Term{Kind: KindBlank, Value: label} }

// Lit returns a plain string literal.
func Lit(s string) Term { return Term{Kind: KindLiteral, Value: s} }

// Typed returns a literal of the given datatype.
func Typed(s, datatype string) Term { return Term{Kind: KindLiteral, Value: s, Datatype: datatype} }

// LangLit returns a literal with a language tag.
func LangLit(s, lang string) Term { return Term{Kind: KindLiteral, Value: s, Lang: lang} }

// Prop is one property of a node.
type Prop struct {
	Pred string // IRI
	Obj  Term
}

// Node is a subject with its types and properties, in the order they are
// written.
type Node struct {
	ID    Term // IRI or blank node
	Types []string
	Props []Prop
}

// Add appends a property and returns n for chaining.
func (n *Node) Add(pred string, obj Term) *Node {
	n.Props = append(n.Props, Prop{Pred: pred, Obj: obj})
	return n
}

// AddLit appends a plain literal property unless s is empty.
func (n *Node) AddLit(pred, s string) *Node {
	if strings.TrimSpace(s) != "" {
		n.Add(pred, Lit(s))
	}
	return n
}

// qname splits an IRI into a declared prefix and a local name usable in
// Turtle and as an XML element name, or reports false.
func qname(iri string) (prefix, local string, ok bool) {
	for _, p := range prefixes {
		if rest, found := strings.CutPrefix(iri, p.ns); found && validLocal(rest) {
			return p.prefix, rest, true
		}
	}
	return "", "", false
}

// validLocal accepts local names safe in both Turtle prefixed names and XML
// element names: a letter then letters, digits, '_' and '-'.
func validLocal(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if i == 0 && !letter {
			return false
		}
		if !letter && !(r >= '0' && r <= '9') && r != '_' && r != '-' {
			return false
		}
	}
	return true
}
