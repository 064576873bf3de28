package dcat_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/passerelle/passerelle/catalog/dcat"
)

// The serialisers are checked by parsers that share no code with them:
// Debian's rapper (raptor2-utils: Turtle, RDF/XML, N-Triples) and rdflib
// (python3-rdflib, the library udata's harvesters parse with: all four
// formats). rdflib is looked for in Debian's /usr/bin/python3 only: a
// python3 earlier on PATH (pyenv, a virtualenv) usually lacks it.

const systemPython = "/usr/bin/python3"

// needTool skips the test when a parser is missing, with the package to
// install; under CI=true it fails instead, as CI must run these checks.
func needTool(t *testing.T, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is required under CI=true", what)
	}
	t.Skipf("%s not found: skipped (install it to run this test)", what)
}

var (
	rapperOnce sync.Once
	rapperOK   bool
	rdflibOnce sync.Once
	rdflibOK   bool
)

// needRapper skips unless rapper (apt install raptor2-utils) is on PATH.
func needRapper(t *testing.T) {
	t.Helper()
	rapperOnce.Do(func() {
		_, err := exec.LookPath("rapper")
		rapperOK = err == nil
	})
	needTool(t, rapperOK, "rapper (apt install raptor2-utils)")
}

// needRDFLib skips unless /usr/bin/python3 imports rdflib (apt install
// python3-rdflib).
func needRDFLib(t *testing.T) {
	t.Helper()
	rdflibOnce.Do(func() {
		rdflibOK = exec.Command(systemPython, "-c", "import rdflib").Run() == nil
	})
	needTool(t, rdflibOK, systemPython+" with rdflib (apt install python3-rdflib)")
}

// term is an RDF term as the parsers report it.
type term struct {
	Kind     byte // 'I' IRI, 'B' blank node, 'L' literal
	Value    string
	Lang     string
	Datatype string
}

func (t term) String() string {
	switch t.Kind {
	case 'I':
		return "<" + t.Value + ">"
	case 'B':
		return "_:" + t.Value
	}
	s := strconv.QuoteToASCII(t.Value)
	if t.Lang != "" {
		s += "@" + t.Lang
	}
	if t.Datatype != "" {
		s += "^^<" + t.Datatype + ">"
	}
	return s
}

type triple struct{ S, P, O term }

// graph is a parsed document.
type graph []triple

// objects returns the objects of subject s and predicate p.
func (g graph) objects(s term, p string) []term {
	var out []term
	for _, tr := range g {
		if tr.S == s && tr.P.Value == p {
			out = append(out, tr.O)
		}
	}
	return out
}

// rapperSyntax names a format as rapper's -i option does.
var rapperSyntax = map[dcat.Format]string{dcat.Turtle: "turtle", dcat.RDFXML: "rdfxml", dcat.NTriples: "ntriples"}

// rdflibFormat names a format as rdflib's parse(format=…) does.
var rdflibFormat = map[dcat.Format]string{dcat.Turtle: "turtle", dcat.RDFXML: "xml", dcat.NTriples: "nt", dcat.JSONLD: "json-ld"}

// parseRapper parses a document with rapper and returns its triples, or
// an error quoting rapper's complaints: any error or warning counts.
func parseRapper(t *testing.T, doc []byte, f dcat.Format) (graph, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc."+string(f))
	if err := os.WriteFile(path, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("rapper", "-q", "-i", rapperSyntax[f], "-o", "ntriples", path, "https://base.invalid/")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil || stderr.Len() > 0 {
		return nil, fmt.Errorf("rapper -i %s: %v: %s", rapperSyntax[f], err, stderr.String())
	}
	g, err := parseNTriples(stdout.String())
	if err != nil {
		return nil, fmt.Errorf("reading rapper's N-Triples: %w", err)
	}
	return g, nil
}

// rdflibDump parses each file with rdflib and prints its triples as JSON:
// {path: {"triples": [[s, p, o], …]} or {"error": "…"}}, a term being
// ["I", iri], ["B", label] or ["L", value, lang, datatype]. Literal
// normalisation is off so that lexical forms come back as written.
const rdflibDump = `
import json, sys
import rdflib
from rdflib import BNode, Literal, URIRef
rdflib.NORMALIZE_LITERALS = False

def term(t):
    if isinstance(t, URIRef):
        return ["I", str(t)]
    if isinstance(t, BNode):
        return ["B", str(t)]
    return ["L", str(t), t.language or "", str(t.datatype) if t.datatype else ""]

out = {}
args = sys.argv[1:]
for path, fmt in zip(args[::2], args[1::2]):
    g = rdflib.Graph()
    try:
        g.parse(path, format=fmt)
    except Exception as e:
        out[path] = {"error": "%s: %s" % (type(e).__name__, e)}
        continue
    out[path] = {"triples": [[term(s), term(p), term(o)] for s, p, o in g]}
json.dump(out, sys.stdout)
`

// parseRDFLib parses documents with rdflib in one Python process and
// returns each one's graph or parse error, in order.
func parseRDFLib(t *testing.T, docs map[dcat.Format][]byte) (map[dcat.Format]graph, map[dcat.Format]error) {
	t.Helper()
	dir := t.TempDir()
	script := filepath.Join(dir, "dump.py")
	if err := os.WriteFile(script, []byte(rdflibDump), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{script}
	paths := map[dcat.Format]string{}
	for f, doc := range docs {
		p := filepath.Join(dir, "doc."+string(f))
		if err := os.WriteFile(p, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		paths[f] = p
		args = append(args, p, rdflibFormat[f])
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(systemPython, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("rdflib: %v: %s", err, stderr.String())
	}
	var res map[string]struct {
		Error   string       `json:"error"`
		Triples [][][]string `json:"triples"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("rdflib output: %v", err)
	}
	graphs, errs := map[dcat.Format]graph{}, map[dcat.Format]error{}
	for f, p := range paths {
		r := res[p]
		if r.Error != "" {
			errs[f] = fmt.Errorf("rdflib (%s): %s", rdflibFormat[f], r.Error)
			continue
		}
		var g graph
		for _, tr := range r.Triples {
			g = append(g, triple{jsonTerm(tr[0]), jsonTerm(tr[1]), jsonTerm(tr[2])})
		}
		graphs[f] = g
	}
	return graphs, errs
}

func jsonTerm(v []string) term {
	t := term{Kind: v[0][0], Value: v[1]}
	if t.Kind == 'L' {
		t.Lang, t.Datatype = v[2], v[3]
	}
	return t
}

// parseNTriples reads N-Triples as rapper writes them: one triple a line,
// \u and \U escapes for non-ASCII characters, ECHAR escapes in literals.
func parseNTriples(s string) (graph, error) {
	var g graph
	for n, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		p := &ntParser{s: line}
		var tr triple
		var err error
		if tr.S, err = p.term(); err == nil {
			if tr.P, err = p.term(); err == nil {
				tr.O, err = p.term()
			}
		}
		if err == nil && strings.TrimSpace(p.s[p.i:]) != "." {
			err = fmt.Errorf("trailing %q", p.s[p.i:])
		}
		if err != nil {
			return nil, fmt.Errorf("line %d %q: %w", n+1, line, err)
		}
		g = append(g, tr)
	}
	return g, nil
}

type ntParser struct {
	s string
	i int
}

func (p *ntParser) term() (term, error) {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
	if p.i >= len(p.s) {
		return term{}, fmt.Errorf("missing term")
	}
	switch p.s[p.i] {
	case '<':
		end := strings.IndexByte(p.s[p.i:], '>')
		if end < 0 {
			return term{}, fmt.Errorf("unterminated IRI")
		}
		v, err := unescapeNT(p.s[p.i+1 : p.i+end])
		p.i += end + 1
		return term{Kind: 'I', Value: v}, err
	case '_':
		end := strings.IndexByte(p.s[p.i:], ' ')
		if end < 0 {
			return term{}, fmt.Errorf("unterminated blank node")
		}
		v := p.s[p.i+2 : p.i+end]
		p.i += end
		return term{Kind: 'B', Value: v}, nil
	case '"':
		j := p.i + 1
		for ; j < len(p.s) && p.s[j] != '"'; j++ {
			if p.s[j] == '\\' {
				j++
			}
		}
		if j >= len(p.s) {
			return term{}, fmt.Errorf("unterminated literal")
		}
		v, err := unescapeNT(p.s[p.i+1 : j])
		if err != nil {
			return term{}, err
		}
		t := term{Kind: 'L', Value: v}
		p.i = j + 1
		if strings.HasPrefix(p.s[p.i:], "@") {
			end := strings.IndexByte(p.s[p.i:], ' ')
			t.Lang, p.i = p.s[p.i+1:p.i+end], p.i+end
		} else if strings.HasPrefix(p.s[p.i:], "^^<") {
			end := strings.IndexByte(p.s[p.i:], '>')
			t.Datatype, err = unescapeNT(p.s[p.i+3 : p.i+end])
			p.i += end + 1
		}
		return t, err
	}
	return term{}, fmt.Errorf("unexpected %q", p.s[p.i:])
}

func unescapeNT(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i >= len(s) {
			return "", fmt.Errorf("trailing backslash")
		}
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'b':
			b.WriteByte('\b')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case '"', '\'', '\\':
			b.WriteByte(s[i])
		case 'u', 'U':
			n := 4
			if s[i] == 'U' {
				n = 8
			}
			if i+1+n > len(s) {
				return "", fmt.Errorf("short \\%c escape", s[i])
			}
			r, err := strconv.ParseUint(s[i+1:i+1+n], 16, 32)
			if err != nil {
				return "", err
			}
			b.WriteRune(rune(r))
			if !utf8.ValidRune(rune(r)) {
				return "", fmt.Errorf("escape of invalid code point %X", r)
			}
			i += n
		default:
			return "", fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b.String(), nil
}
