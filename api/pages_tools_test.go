package api_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// browserAccept is the Accept header Firefox and Chromium send for pages.
const browserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// browser is a visitor of the web pages with a cookie jar.
type browser struct {
	h       *harness
	t       testing.TB
	cookies map[string]*http.Cookie
	// acceptLanguage is sent with every request when not empty.
	acceptLanguage string
}

func (h *harness) browser() *browser {
	return &browser{h: h, t: h.t, cookies: map[string]*http.Cookie{}}
}

// send runs a request with the visitor's cookies and keeps the ones set.
func (b *browser) send(req *http.Request) *response {
	b.t.Helper()
	req.Header.Set("Accept", browserAccept)
	if b.acceptLanguage != "" {
		req.Header.Set("Accept-Language", b.acceptLanguage)
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	r := b.h.do(req)
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		b.cookies[c.Name] = c
	}
	return r
}

func (b *browser) get(path string) *response {
	b.t.Helper()
	return b.send(httptest.NewRequest(http.MethodGet, path, nil))
}

// mustGet GETs a page that must answer 200, and checks its structure.
func (b *browser) mustGet(path string) (*response, *html.Node) {
	b.t.Helper()
	r := b.get(path)
	if r.Status != http.StatusOK {
		b.t.Fatalf("GET %s: %d: %.500s", path, r.Status, r.Body)
	}
	return r, checkPage(b.t, path, r)
}

func (b *browser) postForm(path string, form url.Values) *response {
	b.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.send(req)
}

func (b *browser) postMultipart(path string, fields map[string]string, filename string, content []byte) *response {
	b.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if filename != "" {
		fw, _ := mw.CreateFormFile("upload", filename)
		fw.Write(content)
	}
	mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.send(req)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf returns the CSRF token of the form on a page.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	r := b.get(path)
	m := csrfRe.FindSubmatch(r.Body)
	if m == nil {
		b.t.Fatalf("GET %s (%d): no CSRF token in the page", path, r.Status)
	}
	return string(m[1])
}

// login signs in with a token through the form.
func (b *browser) login(token string) {
	b.t.Helper()
	r := b.postForm("/login", url.Values{"csrf": {b.csrf("/login")}, "token": {token}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		b.t.Fatalf("sign-in: %d to %q: %.300s", r.Status, r.Header.Get("Location"), r.Body)
	}
}

// checkPage parses a page and checks what every page must have for
// RGAA / WCAG: a language, a title, the skip link first, landmarks, one
// h1 and no skipped heading level, unique ids, references to existing
// ids, a label for every field, captions and scoped headers in tables,
// an accessible name for every link and button. It returns the document.
func checkPage(t testing.TB, path string, r *response) *html.Node {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("%s: Content-Type %q", path, ct)
	}
	doc, err := html.Parse(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var (
		h1s, lastLevel int
		ids            = map[string]int{}
		labels         = map[string]bool{}
		refs           []string
		fields         []*html.Node
		firstFocusable *html.Node
		landmarks      = map[string]int{}
		problems       []string
	)
	problem := func(format string, args ...any) {
		problems = append(problems, sprintf(format, args...))
	}
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			if id := attr(n, "id"); id != "" {
				ids[id]++
			}
			for _, a := range []string{"aria-describedby", "aria-labelledby"} {
				refs = append(refs, strings.Fields(attr(n, a))...)
			}
			switch n.DataAtom {
			case atom.Html:
				if l := attr(n, "lang"); l != "fr" && l != "en" {
					problem("<html lang=%q>", l)
				}
			case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
				level := int(n.Data[1] - '0')
				if level == 1 {
					h1s++
				}
				if level > lastLevel+1 {
					problem("heading <%s> %q after h%d", n.Data, text(n), lastLevel)
				}
				lastLevel = level
			case atom.Header, atom.Nav, atom.Main, atom.Footer:
				landmarks[n.Data]++
			case atom.Label:
				if f := attr(n, "for"); f != "" {
					labels[f] = true
				} else {
					problem("<label> %q without for", text(n))
				}
			case atom.Input, atom.Select, atom.Textarea:
				if attr(n, "type") != "hidden" {
					fields = append(fields, n)
				}
			case atom.Table:
				var caption bool
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.DataAtom == atom.Caption && strings.TrimSpace(text(c)) != "" {
						caption = true
					}
				}
				if !caption {
					problem("table without a caption")
				}
			case atom.Th:
				if s := attr(n, "scope"); s != "col" && s != "row" {
					problem("<th> %q without scope", text(n))
				}
			case atom.A, atom.Button:
				if strings.TrimSpace(text(n)) == "" && attr(n, "aria-label") == "" {
					problem("<%s> without a name", n.Data)
				}
			case atom.Img:
				if !hasAttr(n, "alt") {
					problem("<img> without alt")
				}
			}
			if firstFocusable == nil && (n.DataAtom == atom.A && hasAttr(n, "href") || n.DataAtom == atom.Button || n.DataAtom == atom.Input && attr(n, "type") != "hidden") {
				firstFocusable = n
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if h1s != 1 {
		problem("%d <h1>, want 1", h1s)
	}
	for _, l := range []string{"header", "main", "footer"} {
		if landmarks[l] != 1 {
			problem("%d <%s>, want 1", landmarks[l], l)
		}
	}
	if landmarks["nav"] == 0 {
		problem("no <nav>")
	}
	if firstFocusable == nil || attr(firstFocusable, "href") != "#contenu" {
		problem("the first focusable element is not the skip link to #contenu")
	}
	if ids["contenu"] != 1 {
		problem("no #contenu to skip to")
	}
	for id, n := range ids {
		if n > 1 {
			problem("id %q used %d times", id, n)
		}
	}
	for _, ref := range refs {
		if ids[ref] == 0 {
			problem("aria reference to missing id %q", ref)
		}
	}
	for _, f := range fields {
		if id := attr(f, "id"); id == "" || !labels[id] {
			problem("<%s name=%q> has no label", f.Data, attr(f, "name"))
		}
	}
	if title := findFirst(doc, atom.Title); title == nil || strings.TrimSpace(text(title)) == "" {
		problem("no <title>")
	}
	for _, p := range problems {
		t.Errorf("%s: %s", path, p)
	}
	return doc
}

func sprintf(format string, args ...any) string {
	return strings.TrimSpace(strings.ReplaceAll(fmt.Sprintf(format, args...), "\n", " "))
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// text is the text content of a node.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		switch n.DataAtom {
		case atom.Td, atom.Th, atom.Li, atom.Dt, atom.Dd, atom.P, atom.Div, atom.Caption, atom.Tr:
			b.WriteByte(' ')
		}
	}
	walk(n)
	// Spaces collapse as a browser shows them; no-break spaces stay.
	return strings.Join(strings.FieldsFunc(b.String(), func(r rune) bool { return r != '\u00a0' && r != '\u202f' && unicode.IsSpace(r) }), " ")
}

func findFirst(n *html.Node, a atom.Atom) *html.Node {
	if n.Type == html.ElementNode && n.DataAtom == a {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := findFirst(c, a); f != nil {
			return f
		}
	}
	return nil
}

// findAll returns the elements for which match is true, in document order.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

// headings returns the texts of the page's headings of a level.
func headings(doc *html.Node, a atom.Atom) []string {
	var out []string
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.DataAtom == a }) {
		out = append(out, text(n))
	}
	return out
}

// labelOf returns the text of the label of the field with this id.
func labelOf(doc *html.Node, id string) string {
	for _, l := range findAll(doc, func(n *html.Node) bool { return n.DataAtom == atom.Label && attr(n, "for") == id }) {
		return text(l)
	}
	return ""
}

func byID(doc *html.Node, id string) *html.Node {
	for _, n := range findAll(doc, func(n *html.Node) bool { return attr(n, "id") == id }) {
		return n
	}
	return nil
}
