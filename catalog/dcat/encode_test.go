package dcat_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/catalog/dcat"
)

// hostileLiterals are written in every literal position: plain, with a
// language tag, typed, under a predicate outside the declared prefixes
// (a namespace declaration of its own in RDF/XML), and on a blank node.
var hostileLiterals = []struct{ name, in string }{
	{"empty", ""},
	{"quotes", `say "hi", 'bye', """triple""" and ''' and a final "`},
	{"backslashes", `C:\dir\new \u00e9 \\ \" ends with \`},
	{"line breaks", "a\nb\r\nc\rd\n"},
	{"tabs and form feeds", "a\tb\fc\bd\v"},
	{"markup", `<b>&amp; <![CDATA[x]]> </rdf:RDF> ]]> & < > &#0; &#x1;`},
	{"non-BMP", "🌳 𝔘 \U0010FFFD end"},
	{"control characters", "a\x01b\x1fc\x7fd\u0080e\u009f"},
	{"invalid UTF-8", "a\xffb\xc3(c\xed\xa0\x80d"},
	{"Unicode separators and BOM", "\uFEFFa\u2028b\u2029c\u0085d"},
	{"syntax look-alikes", `dct:title <http://x> _:b1 . ; , @fr ^^xsd:string {"@id": "x"}`},
	{"only spaces", "   "},
	{"accents", "Données ouvertes : « déjà » à Besançon — œuvre"},
}

// hostileIRIs are written as subjects, objects and datatypes, with what
// every parser must read back: characters no IRI may hold are
// percent-encoded, the rest kept.
var hostileIRIs = []struct{ name, in, want string }{
	{"space", "https://ex.fr/a b", "https://ex.fr/a%20b"},
	{"quote", `https://ex.fr/say"hi"`, "https://ex.fr/say%22hi%22"},
	{"brackets and braces", "https://ex.fr/<x>{y}|z^`", "https://ex.fr/%3Cx%3E%7By%7D%7Cz%5E%60"},
	{"backslash", `https://ex.fr/a\b`, "https://ex.fr/a%5Cb"},
	{"control characters", "https://ex.fr/a\nb\tc\rd\x01e\x7f", "https://ex.fr/a%0Ab%09c%0Dd%01e%7F"},
	{"ampersand and entities", "https://ex.fr/?a=1&b=&amp;&#38;", "https://ex.fr/?a=1&b=&amp;&#38;"},
	{"non-ASCII", "https://ex.fr/é/🌳/𝔘?q=ü#frag", "https://ex.fr/é/🌳/𝔘?q=ü#frag"},
	{"percent", "https://ex.fr/50%25%", "https://ex.fr/50%25%"},
	{"invalid UTF-8", "https://ex.fr/a\xffb", "https://ex.fr/a\uFFFDb"},
	{"mailto", "mailto:opendata@ville-a.fr", "mailto:opendata@ville-a.fr"},
	{"urn", "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e", "urn:uuid:0f8fad5b-d9cb-469f-a165-70867728950e"},
}

// hostileLangs are language tags: well-formed ones are kept (parsers may
// lower-case them), others dropped so the literal stays plain.
var hostileLangs = []struct{ name, in, want string }{
	{"simple", "fr", "fr"},
	{"region", "fr-CA", "fr-ca"},
	{"private use", "x-private-1", "x-private-1"},
	{"space", "en US", ""},
	{"quote", `fr"`, ""},
	{"markup", "<fr>", ""},
	{"empty subtag", "fr--CA", ""},
	{"non-ASCII", "français", ""},
}

// nonCharacters are U+FFFE and U+FFFF: Unicode noncharacters that XML
// cannot carry and raptor refuses even as \uFFFE escapes ("illegal
// Unicode character"), so the only value every parser can read back is
// U+FFFD, as RDF/XML already writes them.
var nonCharacters = []struct{ name, in string }{
	{"U+FFFE", "a\uFFFEb"},
	{"U+FFFF", "a\uFFFFb"},
	{"both", "\uFFFE\uFFFF"},
}

const (
	exDatatype = "https://ex.fr/dt#hostile"
	exNote     = "https://ex.fr/vocab#note" // no declared prefix
)

// wantLiteral is the value a parser must read back for s written in f:
// invalid UTF-8 and noncharacters become U+FFFD; in RDF/XML the control
// characters XML 1.0 cannot carry (all below U+0020 but tab, LF and CR)
// become U+FFFD too.
func wantLiteral(f dcat.Format, s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == 0xFFFE || r == 0xFFFF:
			return 0xFFFD
		case f == dcat.RDFXML && r < 0x20 && r != '\t' && r != '\n' && r != '\r':
			return 0xFFFD
		}
		return r
	}, s)
}

// encodeAll writes the same nodes in every format.
func encodeAll(t *testing.T, nodes []*dcat.Node) map[dcat.Format][]byte {
	t.Helper()
	out := map[dcat.Format][]byte{}
	for _, f := range []dcat.Format{dcat.Turtle, dcat.RDFXML, dcat.JSONLD, dcat.NTriples} {
		var buf bytes.Buffer
		enc := dcat.NewEncoder(&buf, f)
		for _, n := range nodes {
			if err := enc.Node(n); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
		}
		if err := enc.Close(); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = buf.Bytes()
	}
	return out
}

// literalNodes writes each string in every literal position, under
// subject https://ex.fr/lit/{i}.
func literalNodes(values []string) []*dcat.Node {
	var nodes []*dcat.Node
	for i, s := range values {
		blank := dcat.Blank(fmt.Sprintf("weird label %d! é", i))
		n := &dcat.Node{ID: dcat.IRI(fmt.Sprintf("https://ex.fr/lit/%d", i)), Types: []string{dcat.NSDCAT + "Dataset"}}
		n.Add(dcat.NSDCT+"title", dcat.Lit(s))
		n.Add(dcat.NSDCT+"description", dcat.LangLit(s, "fr-CA"))
		n.Add(dcat.NSDCT+"identifier", dcat.Typed(s, exDatatype))
		n.Add(exNote, dcat.Lit(s))
		n.Add(dcat.NSDCT+"relation", blank)
		b := &dcat.Node{ID: blank, Types: []string{dcat.NSSKOS + "Concept"}}
		b.Add(dcat.NSSKOS+"prefLabel", dcat.Lit(s))
		nodes = append(nodes, n, b)
	}
	return nodes
}

// checkLiterals checks that g holds each value, as f must carry it, in
// every position literalNodes wrote it.
func checkLiterals(t *testing.T, g graph, f dcat.Format, names, values []string) {
	t.Helper()
	for i, s := range values {
		want := wantLiteral(f, s)
		subj := term{Kind: 'I', Value: fmt.Sprintf("https://ex.fr/lit/%d", i)}
		check := func(where string, got []term, lang, datatype string) {
			t.Helper()
			if len(got) != 1 {
				t.Errorf("%s: %s: %d values, want 1: %v", names[i], where, len(got), got)
				return
			}
			o := got[0]
			if o.Kind != 'L' || o.Value != want || !strings.EqualFold(o.Lang, lang) || o.Datatype != datatype {
				t.Errorf("%s: %s = %v, want %v", names[i], where, o, term{Kind: 'L', Value: want, Lang: lang, Datatype: datatype})
			}
		}
		xsdString := func(dt string) string { // RDF 1.1 parsers may say xsd:string for plain literals
			if dt == dcat.NSXSD+"string" {
				return ""
			}
			return dt
		}
		plain := func(l []term) []term {
			for i := range l {
				l[i].Datatype = xsdString(l[i].Datatype)
			}
			return l
		}
		check("plain literal", plain(g.objects(subj, dcat.NSDCT+"title")), "", "")
		check("language-tagged literal", plainLang(g.objects(subj, dcat.NSDCT+"description")), "fr-CA", "")
		check("typed literal", g.objects(subj, dcat.NSDCT+"identifier"), "", exDatatype)
		check("literal of a foreign predicate", plain(g.objects(subj, exNote)), "", "")
		blanks := g.objects(subj, dcat.NSDCT+"relation")
		if len(blanks) != 1 || blanks[0].Kind != 'B' {
			t.Errorf("%s: blank node object = %v", names[i], blanks)
			continue
		}
		check("literal of a blank node", plain(g.objects(blanks[0], dcat.NSSKOS+"prefLabel")), "", "")
	}
}

// plainLang drops rdf:langString, which some parsers report as the
// datatype of a language-tagged literal.
func plainLang(l []term) []term {
	for i := range l {
		if l[i].Datatype == dcat.NSRDF+"langString" {
			l[i].Datatype = ""
		}
	}
	return l
}

// iriNodes writes each IRI as a subject (titled "iri {i}"), as an object
// of https://ex.fr/iri/{i}, and as the datatype of a literal.
func iriNodes(iris []string) []*dcat.Node {
	var nodes []*dcat.Node
	for i, s := range iris {
		subj := &dcat.Node{ID: dcat.IRI(s)}
		subj.Add(dcat.NSDCT+"title", dcat.Lit(fmt.Sprintf("iri %d", i)))
		obj := &dcat.Node{ID: dcat.IRI(fmt.Sprintf("https://ex.fr/iri/%d", i)), Types: []string{dcat.NSDCAT + "Distribution"}}
		obj.Add(dcat.NSDCAT+"accessURL", dcat.IRI(s))
		obj.Add(dcat.NSDCT+"extent", dcat.Typed("typed", s))
		nodes = append(nodes, subj, obj)
	}
	return nodes
}

func checkIRIs(t *testing.T, g graph, names, wants []string) {
	t.Helper()
	for i, want := range wants {
		var subjects []string
		for _, tr := range g {
			if tr.P.Value == dcat.NSDCT+"title" && tr.O.Value == fmt.Sprintf("iri %d", i) {
				subjects = append(subjects, tr.S.String())
			}
		}
		if w := "<" + want + ">"; len(subjects) != 1 || subjects[0] != w {
			t.Errorf("%s: as a subject: %v, want %s", names[i], subjects, w)
		}
		s := term{Kind: 'I', Value: fmt.Sprintf("https://ex.fr/iri/%d", i)}
		if got := g.objects(s, dcat.NSDCAT+"accessURL"); len(got) != 1 || got[0] != (term{Kind: 'I', Value: want}) {
			t.Errorf("%s: as an object: %v, want <%s>", names[i], got, want)
		}
		if got := g.objects(s, dcat.NSDCT+"extent"); len(got) != 1 || got[0].Datatype != want {
			t.Errorf("%s: as a datatype: %v, want ^^<%s>", names[i], got, want)
		}
	}
}

func langNodes() []*dcat.Node {
	var nodes []*dcat.Node
	for i, c := range hostileLangs {
		n := &dcat.Node{ID: dcat.IRI(fmt.Sprintf("https://ex.fr/lang/%d", i))}
		n.Add(dcat.NSDCT+"title", dcat.LangLit("texte", c.in))
		// A datatype wins over a language tag: a literal cannot have both.
		n.Add(dcat.NSDCT+"alternative", dcat.Term{Kind: dcat.KindLiteral, Value: "typé", Lang: c.in, Datatype: exDatatype})
		nodes = append(nodes, n)
	}
	return nodes
}

func checkLangs(t *testing.T, g graph) {
	t.Helper()
	for i, c := range hostileLangs {
		s := term{Kind: 'I', Value: fmt.Sprintf("https://ex.fr/lang/%d", i)}
		got := plainLang(g.objects(s, dcat.NSDCT+"title"))
		if len(got) == 1 && got[0].Datatype == dcat.NSXSD+"string" {
			got[0].Datatype = ""
		}
		if len(got) != 1 || got[0].Value != "texte" || !strings.EqualFold(got[0].Lang, c.want) || got[0].Datatype != "" {
			t.Errorf("lang %s (%q): %v, want language %q", c.name, c.in, got, c.want)
		}
		if got := g.objects(s, dcat.NSDCT+"alternative"); len(got) != 1 || got[0].Lang != "" || got[0].Datatype != exDatatype {
			t.Errorf("lang %s with a datatype: %v, want a literal typed %s", c.name, got, exDatatype)
		}
	}
}

// parsed is one parser's reading of one format.
type parsed struct {
	parser string
	format dcat.Format
	g      graph
	err    error
}

// parseEverywhere parses each document with rapper (Turtle, RDF/XML,
// N-Triples) and rdflib (all four formats).
func parseEverywhere(t *testing.T, docs map[dcat.Format][]byte) []parsed {
	t.Helper()
	needRapper(t)
	needRDFLib(t)
	var out []parsed
	for _, f := range []dcat.Format{dcat.Turtle, dcat.RDFXML, dcat.NTriples} {
		g, err := parseRapper(t, docs[f], f)
		out = append(out, parsed{"rapper", f, g, err})
	}
	graphs, errs := parseRDFLib(t, docs)
	for _, f := range []dcat.Format{dcat.Turtle, dcat.RDFXML, dcat.NTriples, dcat.JSONLD} {
		out = append(out, parsed{"rdflib", f, graphs[f], errs[f]})
	}
	return out
}

// TestEncodersHostileStrings writes hostile strings in every literal
// position and in IRIs, in all four formats, and reads them back with
// rapper and rdflib: every document must parse and give back the same
// values (RDF/XML: U+FFFD for the control characters XML cannot carry).
func TestEncodersHostileStrings(t *testing.T) {
	var litNames, litValues, iriNames, iriIns, iriWants []string
	for _, c := range hostileLiterals {
		litNames, litValues = append(litNames, c.name), append(litValues, c.in)
	}
	for _, c := range hostileIRIs {
		iriNames, iriIns, iriWants = append(iriNames, c.name), append(iriIns, c.in), append(iriWants, c.want)
	}
	nodes := literalNodes(litValues)
	nodes = append(nodes, iriNodes(iriIns)...)
	nodes = append(nodes, langNodes()...)
	docs := encodeAll(t, nodes)
	wantTriples := -1
	for _, p := range parseEverywhere(t, docs) {
		t.Run(p.parser+"/"+string(p.format), func(t *testing.T) {
			if p.err != nil {
				t.Fatalf("does not parse: %v\n%s", p.err, docs[p.format])
			}
			checkLiterals(t, p.g, p.format, litNames, litValues)
			checkIRIs(t, p.g, iriNames, iriWants)
			checkLangs(t, p.g)
			if wantTriples < 0 {
				wantTriples = len(p.g)
			} else if len(p.g) != wantTriples {
				t.Errorf("%d triples, where the first parser read %d", len(p.g), wantTriples)
			}
		})
	}
}

// TestEncodersNonCharacters writes U+FFFE and U+FFFF in literals and an
// IRI: every parser must read the documents, and U+FFFD in their place.
func TestEncodersNonCharacters(t *testing.T) {
	var names, values []string
	for _, c := range nonCharacters {
		names, values = append(names, c.name), append(values, c.in)
	}
	nodes := literalNodes(values)
	nodes = append(nodes, iriNodes([]string{"https://ex.fr/a\uFFFEb"})...)
	docs := encodeAll(t, nodes)
	for _, p := range parseEverywhere(t, docs) {
		t.Run(p.parser+"/"+string(p.format), func(t *testing.T) {
			if p.err != nil {
				t.Fatalf("does not parse: %v", p.err)
			}
			checkLiterals(t, p.g, p.format, names, values)
			checkIRIs(t, p.g, []string{"U+FFFE in an IRI"}, []string{"https://ex.fr/a\uFFFDb"})
		})
	}
}

// TestJSONLDPrefixesAreNotURLSchemes guards the JSON-LD encoder's one
// blind spot: "@id" values are expanded against the context, so an IRI
// whose scheme is a declared prefix (say dct:x) would come back as
// http://purl.org/dc/terms/x. The catalogue only accepts http(s), ftp(s)
// and mailto addresses; none may ever be declared as a prefix.
func TestJSONLDPrefixesAreNotURLSchemes(t *testing.T) {
	var buf bytes.Buffer
	enc := dcat.NewEncoder(&buf, dcat.JSONLD)
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	for _, scheme := range []string{"http", "https", "ftp", "ftps", "mailto", "urn"} {
		if strings.Contains(buf.String(), `"`+scheme+`":`) {
			t.Errorf("the JSON-LD context declares %q as a prefix: IRIs of that scheme would be rewritten", scheme)
		}
	}
}

// TestFormats checks the extension and media type tables the routes use.
func TestFormats(t *testing.T) {
	for ext, want := range map[string]dcat.Format{".ttl": dcat.Turtle, "rdf": dcat.RDFXML, ".xml": dcat.RDFXML, ".jsonld": dcat.JSONLD, ".nt": dcat.NTriples} {
		if f, ok := dcat.FormatOfExtension(ext); !ok || f != want {
			t.Errorf("FormatOfExtension(%q) = %q, %v", ext, f, ok)
		}
	}
	for _, ext := range []string{".json", ".n3", ".html", "", ".TTL"} {
		if f, ok := dcat.FormatOfExtension(ext); ok {
			t.Errorf("FormatOfExtension(%q) = %q, want none", ext, f)
		}
	}
	for mt, want := range map[string]dcat.Format{"text/turtle": dcat.Turtle, "application/x-turtle": dcat.Turtle, "application/rdf+xml": dcat.RDFXML, "application/ld+json": dcat.JSONLD, "application/n-triples": dcat.NTriples} {
		if f, ok := dcat.FormatOfMediaType(mt); !ok || f != want {
			t.Errorf("FormatOfMediaType(%q) = %q, %v", mt, f, ok)
		}
		if ct := want.ContentType(); !strings.HasSuffix(ct, "; charset=utf-8") {
			t.Errorf("%s content type %q names no charset", want, ct)
		}
	}
	for _, f := range []dcat.Format{dcat.Turtle, dcat.RDFXML, dcat.JSONLD, dcat.NTriples} {
		if got, _ := dcat.FormatOfMediaType(strings.TrimSuffix(f.ContentType(), "; charset=utf-8")); got != f {
			t.Errorf("%s: its content type does not map back to it", f)
		}
	}
}

// TestEncodersStream checks that a node reaches the writer without
// waiting for Close once the buffer fills: memory does not grow with the
// document.
func TestEncodersStream(t *testing.T) {
	for _, f := range []dcat.Format{dcat.Turtle, dcat.RDFXML, dcat.JSONLD, dcat.NTriples} {
		var w countingWriter
		enc := dcat.NewEncoder(&w, f)
		n := &dcat.Node{ID: dcat.IRI("https://ex.fr/x"), Types: []string{dcat.NSDCAT + "Dataset"}}
		n.Add(dcat.NSDCT+"description", dcat.Lit(strings.Repeat("données ", 1000)))
		for i := 0; i < 100; i++ {
			if err := enc.Node(n); err != nil {
				t.Fatal(err)
			}
		}
		if w.n < 500_000 {
			t.Errorf("%s: %d bytes written before Close, want most of the ~800 kB", f, w.n)
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

type countingWriter struct{ n int }

func (w *countingWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }
