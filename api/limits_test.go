package api_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle/api"
	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage/storagetest"
)

// newLimitedHarness is newHarness on SQLite with a server built with these
// limits.
func newLimitedHarness(t *testing.T, l api.Limits) *harness {
	t.Helper()
	var svc api.Services
	h := newHarnessWith(t, storagetest.OpenSQLite(t), func(_ *harness, s *api.Services) { svc = *s })
	h.srv = api.NewServer(api.Config{
		BaseURL: testBaseURL, SiteTitle: "Données de test", Version: "test",
		MaxUploadBytes: maxTestUpload, TempDir: t.TempDir(), Limits: l,
	}, svc, nil)
	return h
}

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestBodyLimit checks that JSON and form bodies over MaxBodyBytes are
// refused with 413 in CKAN's envelope, before reading when their length is
// announced and as they arrive when they are chunked; a body of exactly
// the limit passes.
func TestBodyLimit(t *testing.T) {
	const limit = 4096
	h := newLimitedHarness(t, api.Limits{MaxBodyBytes: limit})
	// packageJSON is a package_create body of exactly n bytes.
	packageJSON := func(name string, n int) []byte {
		b := []byte(`{"name": "` + name + `", "owner_org": "ville-a", "notes": ""}`)
		return append(b[:len(b)-2], append(bytes.Repeat([]byte("a"), n-len(b)), `"}`...)...)
	}
	send := func(t *testing.T, body io.Reader, length int64, contentType string) *response {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/api/3/action/package_create", body)
		req.ContentLength = length
		req.Header.Set("Content-Type", contentType)
		req.Header.Set("Authorization", h.sysadmin)
		return h.do(req)
	}
	t.Run("at the limit", func(t *testing.T) {
		b := packageJSON("a-la-limite", limit)
		mustOK(t, send(t, bytes.NewReader(b), int64(len(b)), "application/json"))
	})
	wantTooLarge := func(t *testing.T, r *response) {
		t.Helper()
		mustFail(t, r, http.StatusRequestEntityTooLarge, "Validation Error")
		if msg, _ := r.Error["message"].(string); msg != fmt.Sprintf("Request body too large: the limit is %d bytes", limit) {
			t.Errorf("message = %q", msg)
		}
	}
	t.Run("one byte over", func(t *testing.T) {
		b := packageJSON("un-de-trop", limit+1)
		wantTooLarge(t, send(t, bytes.NewReader(b), int64(len(b)), "application/json"))
	})
	t.Run("chunked", func(t *testing.T) {
		// No Content-Length: the limit bites as the body is read.
		b := packageJSON("par-morceaux", 10*limit)
		wantTooLarge(t, send(t, io.MultiReader(bytes.NewReader(b)), -1, "application/json"))
	})
	t.Run("announced length", func(t *testing.T) {
		body := &countingReader{r: bytes.NewReader(packageJSON("annonce", 2*limit))}
		wantTooLarge(t, send(t, body, 2*limit, "application/json"))
		if body.n != 0 {
			t.Errorf("%d bytes read of a body announced over the limit", body.n)
		}
	})
	t.Run("form", func(t *testing.T) {
		form := url.Values{"name": {"formulaire"}, "owner_org": {"ville-a"}, "notes": {strings.Repeat("a", limit)}}.Encode()
		wantTooLarge(t, send(t, strings.NewReader(form), -1, "application/x-www-form-urlencoded"))
	})
	t.Run("upload announced over its limit", func(t *testing.T) {
		body := &countingReader{r: strings.NewReader("--x\r\n")}
		r := send(t, body, maxTestUpload+limit+1, "multipart/form-data; boundary=x")
		mustFail(t, r, http.StatusRequestEntityTooLarge, "Validation Error")
		if msgs := r.fieldErrors("upload"); len(msgs) != 1 || !strings.Contains(msgs[0], strconv.Itoa(maxTestUpload)) {
			t.Errorf("upload errors = %v", msgs)
		}
		if body.n != 0 {
			t.Errorf("%d bytes read of an upload announced over the limit", body.n)
		}
	})
	if l := mustOK(t, h.get("package_list", "", nil)).resultList(); len(l) != 1 || l[0] != "a-la-limite" {
		t.Errorf("datasets after the refusals: %v, want only a-la-limite", l)
	}
}

// TestJSONDepth checks that a JSON body nesting more than 32 levels is
// refused as a Validation Error, counting only structure (not brackets in
// strings), and that a wide body within the size limit is read.
func TestJSONDepth(t *testing.T) {
	h := newHarness(t, storagetest.OpenSQLite(t))
	// show sends package_show for a dataset that does not exist, with a
	// value x: a 404 means the body was read.
	show := func(t *testing.T, x string) *response {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, "/api/3/action/package_show", strings.NewReader(`{"id": "absent", "x": `+x+`}`))
		req.Header.Set("Content-Type", "application/json")
		return h.do(req)
	}
	nested := func(levels int) string {
		return strings.Repeat(`[`, levels-1) + `{"a": 1}` + strings.Repeat(`]`, levels-1)
	}
	t.Run("32 levels", func(t *testing.T) {
		mustFail(t, show(t, nested(31)), http.StatusNotFound, "Not Found Error") // with the body's own object
	})
	t.Run("33 levels", func(t *testing.T) {
		r := mustFail(t, show(t, nested(32)), http.StatusConflict, "Validation Error")
		if msg, _ := r.Error["message"].(string); !strings.Contains(msg, "32 levels") {
			t.Errorf("message = %q", msg)
		}
	})
	t.Run("very deep", func(t *testing.T) {
		mustFail(t, show(t, strings.Repeat("[", 100000)+strings.Repeat("]", 100000)), http.StatusConflict, "Validation Error")
	})
	t.Run("brackets in strings", func(t *testing.T) {
		s := strings.Repeat("[{", 1000)
		mustFail(t, show(t, `"`+s+`"`), http.StatusNotFound, "Not Found Error")
		mustFail(t, show(t, `["\"`+s+`", "\\", "\\\\\"[[{"]`), http.StatusNotFound, "Not Found Error")
	})
	t.Run("JSON in a form field", func(t *testing.T) {
		doc := `{"id": "absent", "x": ` + nested(40) + `}`
		req := httptest.NewRequest(http.MethodPost, "/api/3/action/package_show", strings.NewReader(url.QueryEscape(doc)+"="))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		mustFail(t, h.do(req), http.StatusConflict, "Validation Error")
	})
	t.Run("wide", func(t *testing.T) {
		// About 100 000 keys and as many list items, under 1 MiB.
		var b strings.Builder
		b.WriteString(`{"id": "absent"`)
		for i := range 50000 {
			fmt.Fprintf(&b, `, "k%d": [0, 1]`, i)
		}
		b.WriteString(`}`)
		req := httptest.NewRequest(http.MethodPost, "/api/3/action/package_show", strings.NewReader(b.String()))
		req.Header.Set("Content-Type", "application/json")
		mustFail(t, h.do(req), http.StatusNotFound, "Not Found Error")
	})
}

// TestSearchLimits checks package_search's bounds: facet fields, query
// length, start and the paging of the other lists; caps (rows,
// facet.limit) are silent, as CKAN's rows cap is.
func TestSearchLimits(t *testing.T) {
	forEachDB(t, testSearchLimits)
}

func testSearchLimits(t *testing.T, h *harness) {
	h.createDataset("jeu", map[string]any{"tags": []any{map[string]any{"name": "budget"}}})
	facets := func(n int) string {
		return `[` + strings.TrimSuffix(strings.Repeat(`"tags",`, n), ",") + `]`
	}
	for _, tc := range []struct {
		name   string
		action string
		query  url.Values
		status int
		errTyp string
		field  string // of a Validation Error
	}{
		{"20 facet fields", "package_search", url.Values{"facet.field": {facets(20)}}, 200, "", ""},
		{"21 facet fields", "package_search", url.Values{"facet.field": {facets(21)}}, 400, "Search Query Error", ""},
		{"facet.limit unlimited", "package_search", url.Values{"facet.field": {facets(1)}, "facet.limit": {"-1"}}, 200, "", ""},
		{"facet.limit huge", "package_search", url.Values{"facet.field": {facets(1)}, "facet.limit": {"100000000"}}, 200, "", ""},
		{"rows over 1000", "package_search", url.Values{"rows": {"100000"}}, 200, "", ""},
		{"q of 8192 bytes", "package_search", url.Values{"q": {strings.Repeat("abcdéfg", 1024)}}, 200, "", ""},
		{"q over 8192 bytes", "package_search", url.Values{"q": {strings.Repeat("a", 8193)}}, 400, "Search Query Error", ""},
		{"filters over 10000 characters", "package_search", url.Values{"fq_list": {`["tags:` + strings.Repeat(`b`, 10000) + `"]`}}, 400, "Search Query Error", ""},
		{"32 terms", "package_search", url.Values{"q": {strings.Repeat("budget ", 16)}, "fq_list": {`["` + strings.Repeat(`tags:budget", "`, 15) + `tags:budget"]`}}, 200, "", ""},
		{"33 terms", "package_search", url.Values{"q": {strings.Repeat("budget ", 16)}, "fq": {strings.Repeat("tags:budget AND ", 16) + "-tags:x"}}, 400, "Search Query Error", ""},
		{"many filters", "package_search", url.Values{"fq_list": {`["` + strings.Repeat(`tags:budget", "`, 1500) + `tags:budget"]`}}, 400, "Search Query Error", ""},
		{"q and fq over 10000", "package_search", url.Values{"q": {strings.Repeat("a", 6000)}, "fq": {"tags:" + strings.Repeat("b", 5000)}}, 400, "Search Query Error", ""},
		{"largest start", "package_search", url.Values{"start": {"2147483647"}}, 200, "", ""},
		{"start too large", "package_search", url.Values{"start": {"2147483648"}}, 409, "Validation Error", "start"},
		{"start overflowing", "package_search", url.Values{"start": {"99999999999999999999"}}, 409, "Validation Error", "start"},
		{"package_list offset", "package_list", url.Values{"offset": {"2147483648"}}, 409, "Validation Error", "offset"},
		{"organization_list offset", "organization_list", url.Values{"offset": {"2147483648"}}, 409, "Validation Error", "offset"},
		{"page overflowing", "current_package_list_with_resources", url.Values{"page": {"9223372036854775807"}, "limit": {"1000"}}, 409, "Validation Error", "page"},
		{"last page", "current_package_list_with_resources", url.Values{"page": {"2147484"}, "limit": {"1000"}}, 200, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := h.get(tc.action, "", tc.query)
			if tc.status == 200 {
				mustOK(t, r)
				return
			}
			mustFail(t, r, tc.status, tc.errTyp)
			if tc.field != "" && len(r.fieldErrors(tc.field)) == 0 {
				t.Errorf("no message for %s: %s", tc.field, r.Body)
			}
		})
	}
	if res := mustOK(t, h.get("package_search", "", url.Values{"rows": {"100000"}})).resultMap(); res["count"] != 1.0 || len(res["results"].([]any)) != 1 {
		t.Errorf("rows over the cap: %v", res)
	}
}

// clock is a rate limiters' clock the test moves.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// wantRateLimited fails unless r is a 429 with a Retry-After of want
// seconds, in CKAN's envelope on API routes.
func wantRateLimited(t *testing.T, r *response, want int, envelope bool) {
	t.Helper()
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") != strconv.Itoa(want) {
		t.Fatalf("want 429 with Retry-After %d, got %d (Retry-After %q): %s", want, r.Status, r.Header.Get("Retry-After"), r.Body)
	}
	if envelope {
		mustFail(t, r, http.StatusTooManyRequests, "Rate Limit Error")
		if msg, _ := r.Error["message"].(string); !strings.Contains(msg, "Too many requests") {
			t.Errorf("message = %q", msg)
		}
	}
}

// TestRateLimits checks the per-client token buckets: reads and writes
// each have their budget, a client is its valid token or else its
// address, X-Forwarded-For counts only from a trusted proxy, and an empty
// bucket refills with time.
func TestRateLimits(t *testing.T) {
	newServer := func(t *testing.T, l api.Limits) (*harness, *clock) {
		c := newClock()
		l.Now = c.now
		return newLimitedHarness(t, l), c
	}
	from := func(req *http.Request, addr string) *http.Request {
		req.RemoteAddr = addr
		return req
	}
	showReq := func() *http.Request {
		return httptest.NewRequest(http.MethodGet, "/api/3/action/status_show", nil)
	}

	t.Run("reads refill", func(t *testing.T) {
		h, c := newServer(t, api.Limits{Reads: api.Rate{PerSecond: 0.5, Burst: 3}})
		for range 3 {
			mustOK(t, h.do(showReq()))
		}
		wantRateLimited(t, h.do(showReq()), 2, true)
		c.advance(time.Second) // half a token: still refused
		wantRateLimited(t, h.do(showReq()), 1, true)
		c.advance(time.Second)
		mustOK(t, h.do(showReq()))
		wantRateLimited(t, h.do(showReq()), 2, true)
		// Another address has its own bucket; the operator's probes
		// have none.
		mustOK(t, h.do(from(showReq(), "198.51.100.7:4000")))
		if r := h.do(httptest.NewRequest(http.MethodGet, "/healthz", nil)); r.Status != http.StatusOK {
			t.Errorf("/healthz = %d", r.Status)
		}
		// Pages and feeds are limited too, in plain text.
		status, hdr, body := h.fetch("/catalog.ttl", "")
		if status != http.StatusTooManyRequests || hdr.Get("Retry-After") != "2" || !strings.HasPrefix(hdr.Get("Content-Type"), "text/plain") {
			t.Errorf("/catalog.ttl = %d %v %s", status, hdr, body)
		}
		// A browser gets the error page, in French by default.
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")
		page := h.do(req)
		if page.Status != http.StatusTooManyRequests || page.Header.Get("Retry-After") != "2" ||
			!strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(page.Body), "Trop de requêtes") {
			t.Errorf("page = %d %v %s", page.Status, page.Header, page.Body)
		}
	})

	t.Run("tokens", func(t *testing.T) {
		h, _ := newServer(t, api.Limits{Reads: api.Rate{PerSecond: 1, Burst: 2}})
		for range 2 {
			mustOK(t, h.do(showReq()))
		}
		wantRateLimited(t, h.do(showReq()), 1, true)
		// From the same address, a valid token has its own budget, with
		// either header.
		withToken := func(header, value string) *http.Request {
			req := showReq()
			req.Header.Set(header, value)
			return req
		}
		mustOK(t, h.do(withToken("Authorization", h.editorA)))
		mustOK(t, h.do(withToken("X-CKAN-API-Key", h.editorA)))
		wantRateLimited(t, h.do(withToken("Authorization", "Bearer "+h.editorA)), 1, true)
		mustOK(t, h.do(withToken("Authorization", h.editorB)))
		// A made-up token does not buy a fresh budget: it is its
		// address's.
		wantRateLimited(t, h.do(withToken("Authorization", "jeton-invente")), 1, true)
	})

	t.Run("writes", func(t *testing.T) {
		h, c := newServer(t, api.Limits{Reads: api.Rate{PerSecond: 100, Burst: 100}, Writes: api.Rate{PerSecond: 1, Burst: 2}})
		create := func(name string) *response {
			return h.post("package_create", h.editorA, map[string]any{"name": name, "owner_org": "ville-a"})
		}
		mustOK(t, create("premier"))
		mustOK(t, create("deuxieme"))
		wantRateLimited(t, create("troisieme"), 1, true)
		// Read actions sent by POST, as ckanapi sends them, are reads.
		for range 5 {
			mustOK(t, h.post("package_show", h.editorA, map[string]any{"id": "premier"}))
		}
		if l := mustOK(t, h.get("package_list", "", nil)).resultList(); len(l) != 2 {
			t.Errorf("datasets = %v: the refused write changed something", l)
		}
		c.advance(time.Second)
		mustOK(t, create("troisieme"))
	})

	t.Run("forwarded addresses", func(t *testing.T) {
		forwarded := func(h *harness, client string) *response {
			req := showReq()
			req.Header.Set("X-Forwarded-For", client)
			return h.do(req)
		}
		// By default X-Forwarded-For is the client's to choose: ignored.
		h, _ := newServer(t, api.Limits{Reads: api.Rate{PerSecond: 1, Burst: 1}})
		mustOK(t, forwarded(h, "203.0.113.1"))
		wantRateLimited(t, forwarded(h, "203.0.113.2"), 1, true)
		// Behind a trusted proxy (httptest's 192.0.2.1), it names the
		// client; IPv6 clients are counted by /64.
		h, _ = newServer(t, api.Limits{Reads: api.Rate{PerSecond: 1, Burst: 1}, TrustedProxies: []string{"192.0.2.0/24"}})
		mustOK(t, forwarded(h, "203.0.113.1"))
		wantRateLimited(t, forwarded(h, "203.0.113.1"), 1, true)
		mustOK(t, forwarded(h, "203.0.113.2"))
		mustOK(t, forwarded(h, "2001:db8:1:2::1"))
		wantRateLimited(t, forwarded(h, "2001:db8:1:2:ffff::9"), 1, true)
		mustOK(t, forwarded(h, "2001:db8:1:3::1"))
		// An untrusted peer's header is still ignored.
		mustOK(t, h.do(from(showReq(), "198.51.100.1:1000")))
		req := from(showReq(), "198.51.100.1:1000")
		req.Header.Set("X-Forwarded-For", "203.0.113.99")
		wantRateLimited(t, h.do(req), 1, true)
	})

	t.Run("sign-ins", func(t *testing.T) {
		h, c := newServer(t, api.Limits{Logins: api.Rate{PerSecond: 0.1, Burst: 2}})
		login := func() *response {
			req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(url.Values{"token": {"essai"}, "csrf": {"x"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return h.do(req)
		}
		for range 2 {
			if r := login(); r.Status == http.StatusTooManyRequests {
				t.Fatalf("sign-in refused within the burst: %s", r.Body)
			}
		}
		wantRateLimited(t, login(), 10, false)
		c.advance(10 * time.Second)
		if r := login(); r.Status == http.StatusTooManyRequests {
			t.Fatalf("sign-in refused after the refill: %s", r.Body)
		}
		// Only sign-ins have this budget.
		mustOK(t, h.do(showReq()))
	})
}

// startHTTP serves h's server on a loopback port through the http.Server
// that `passerelle serve` uses, and returns its address.
func startHTTP(t *testing.T, h *harness) string {
	t.Helper()
	hs := h.srv.HTTPServer()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close() })
	return ln.Addr().String()
}

// waitClosed reads conn until the server closes it, and returns what it
// sent. It fails if the server keeps the connection open for a minute.
func waitClosed(t *testing.T, conn net.Conn) []byte {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(time.Minute))
	b, err := io.ReadAll(conn)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the server kept a stalled connection open (read %q)", b)
	}
	return b
}

// TestSlowClients checks the connection deadlines over real loopback
// connections: headers sent too slowly and bodies that stall or trickle
// are cut off, while a slow but steady upload goes through whole.
func TestSlowClients(t *testing.T) {
	h := newLimitedHarness(t, api.Limits{ReadHeaderTimeout: 500 * time.Millisecond, StallTimeout: time.Second, MinBodyRate: 4096, MaxHeaderBytes: 8192})
	h.createDataset("lent", nil)
	addr := startHTTP(t, h)
	dial := func(t *testing.T) net.Conn {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}

	t.Run("headers byte by byte", func(t *testing.T) {
		conn := dial(t)
		closed := make(chan []byte)
		go func() { closed <- waitClosed(t, conn) }()
		head := "GET /api/3/action/status_show HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 10000)
		for i := 0; ; i++ {
			select {
			case <-closed:
				return // cut off before the headers ended
			case <-time.After(50 * time.Millisecond):
			}
			if i == len(head) {
				t.Fatal("the server waited for 10 000 bytes of headers sent a byte every 50 ms")
			}
			if _, err := conn.Write([]byte{head[i]}); err != nil {
				<-closed
				return
			}
		}
	})

	t.Run("headers too large", func(t *testing.T) {
		// net/http allows 4 KiB over MaxHeaderBytes.
		for _, tc := range []struct {
			size int
			want string
		}{{8000, "HTTP/1.1 200 "}, {13000, "HTTP/1.1 431 "}} {
			conn := dial(t)
			fmt.Fprintf(conn, "GET /api/3/action/status_show HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", tc.size))
			if b := waitClosed(t, conn); !bytes.HasPrefix(b, []byte(tc.want)) {
				t.Errorf("%d bytes of headers: %.40q, want %q", tc.size, b, tc.want)
			}
		}
	})

	t.Run("body that stalls", func(t *testing.T) {
		conn := dial(t)
		fmt.Fprintf(conn, "POST /api/3/action/package_create HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\": ", h.sysadmin)
		b := waitClosed(t, conn)
		if !bytes.HasPrefix(b, []byte("HTTP/1.1 400 ")) {
			t.Errorf("answer to a stalled body: %q", b)
		}
	})

	t.Run("body that trickles", func(t *testing.T) {
		// A byte every 200 ms never stalls a second, but is far below
		// 4 KiB/s.
		conn := dial(t)
		fmt.Fprintf(conn, "POST /api/3/action/package_create HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n", h.sysadmin)
		closed := make(chan []byte)
		go func() { closed <- waitClosed(t, conn) }()
		for i := 0; ; i++ {
			select {
			case <-closed:
				return
			case <-time.After(200 * time.Millisecond):
			}
			if i == 300 {
				t.Fatal("a body trickling at 5 bytes a second was read for a minute")
			}
			conn.Write([]byte{' '})
		}
	})

	t.Run("slow but steady upload", func(t *testing.T) {
		// 512 KiB in 16 KiB pieces every 100 ms: over 3 s in all, three
		// times the stall timeout, at about 160 KiB/s.
		content := bytes.Repeat([]byte("commune;population\n01001;776\n"), 512<<10/29)
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			mw.WriteField("package_id", "lent")
			fw, _ := mw.CreateFormFile("upload", "lent.csv")
			for rest := content; len(rest) > 0; {
				n := min(16<<10, len(rest))
				if _, err := fw.Write(rest[:n]); err != nil {
					pw.CloseWithError(err)
					return
				}
				rest = rest[n:]
				time.Sleep(100 * time.Millisecond)
			}
			pw.CloseWithError(mw.Close())
		}()
		req, err := http.NewRequest(http.MethodPost, "http://"+addr+"/api/3/action/resource_create", pr)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Authorization", h.sysadmin)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || !bytes.Contains(b, []byte(`"size":`+strconv.Itoa(len(content)))) {
			t.Fatalf("slow upload = %d %s", resp.StatusCode, b)
		}
	})

	t.Run("keep-alive after a body", func(t *testing.T) {
		// The deadlines of one request do not cut the next one on the
		// same connection, nor the handler once the body is read.
		conn := dial(t)
		r := bufio.NewReader(conn)
		for i := range 2 {
			body := `{"id": "lent"}`
			fmt.Fprintf(conn, "POST /api/3/action/package_show HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
			resp, err := http.ReadResponse(r, nil)
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("request %d: %s", i, resp.Status)
			}
			if i == 0 {
				time.Sleep(1500 * time.Millisecond) // past the first request's deadlines
			}
		}
	})
}

// TestSlowReader checks that a client that stops reading a download is cut
// off once the server can no longer write, though the download itself has
// no time limit.
func TestSlowReader(t *testing.T) {
	var logs syncLog
	var svc api.Services
	h := newHarnessWith(t, storagetest.OpenSQLite(t), func(_ *harness, s *api.Services) { svc = *s })
	h.srv = api.NewServer(api.Config{
		BaseURL: testBaseURL, MaxUploadBytes: 64 << 20, TempDir: t.TempDir(),
		Logger: slog.New(slog.NewJSONHandler(&logs, nil)), Limits: api.Limits{StallTimeout: time.Second},
	}, svc, nil)
	h.createDataset("gros", nil)
	// Bigger than what loopback socket buffers hold.
	content := bytes.Repeat([]byte("0123456789abcdef"), 32<<20/16)
	r := mustOK(t, h.upload("resource_create", h.editorA, map[string]string{"package_id": "gros"}, "gros.bin", content)).resultMap()
	addr := startHTTP(t, h)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", localPath(t, r["url"].(string)))
	// The download handler returns (and logs its request) only once a
	// write has failed: the client reads nothing meanwhile.
	deadline := time.Now().Add(time.Minute)
	for !logs.contains(`"route":"/dataset/:id/resource/:rid/download/:filename"`) {
		if time.Now().After(deadline) {
			t.Fatal("the server still writes to a client that stopped reading a minute ago")
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := waitClosed(t, conn)
	if len(got) >= len(content) {
		t.Errorf("the client got the whole file (%d bytes) without reading", len(got))
	}
}

// syncLog is a log sink safe for the server's goroutines.
type syncLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *syncLog) contains(s string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Contains(l.buf.Bytes(), []byte(s))
}

// TestDatastoreLimits checks datastore_search's bounds: limit capped at
// 32000 as CKAN caps it, offset, and the size of q and filters.
func TestDatastoreLimits(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("table", nil)
		r := mustOK(t, h.upload("resource_create", h.editorA, map[string]string{"package_id": "table"}, "t.csv", []byte("a;b\n1;2\n3;4\n"))).resultMap()
		h.runJobs()
		values := func(n int) string {
			l := make([]string, n)
			for i := range l {
				l[i] = strconv.Itoa(i)
			}
			return `{"a": [` + strings.Join(l, ",") + `]}`
		}
		for _, tc := range []struct {
			name  string
			query url.Values
			field string // of the Validation Error; "" for a success
		}{
			{"limit over 32000", url.Values{"limit": {"99999999999"}}, ""},
			{"largest offset", url.Values{"offset": {"2147483647"}}, ""},
			{"offset too large", url.Values{"offset": {"2147483648"}}, "offset"},
			{"32 words", url.Values{"q": {strings.Repeat("mot ", 32)}}, ""},
			{"33 words", url.Values{"q": {strings.Repeat("mot ", 33)}}, "q"},
			{"10000 characters", url.Values{"q": {strings.Repeat("x", 10000)}}, ""},
			{"10001 characters", url.Values{"q": {strings.Repeat("x", 10001)}}, "q"},
			{"field text over 10000 characters", url.Values{"q": {`{"a": "` + strings.Repeat("x", 10001) + `"}`}}, "q"},
			{"500 filter values", url.Values{"filters": {values(500)}}, ""},
			{"501 filter values", url.Values{"filters": {values(501)}}, "filters"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.query.Set("resource_id", r["id"].(string))
				res := h.get("datastore_search", "", tc.query)
				if tc.field == "" {
					mustOK(t, res)
					return
				}
				mustFail(t, res, http.StatusConflict, "Validation Error")
				if len(res.fieldErrors(tc.field)) == 0 {
					t.Errorf("no message for %s: %s", tc.field, res.Body)
				}
			})
		}
		if res := mustOK(t, h.get("datastore_search", "", url.Values{"resource_id": {r["id"].(string)}, "limit": {"99999999999"}})).resultMap(); res["limit"] != 32000.0 {
			t.Errorf("limit = %v, want 32000", res["limit"])
		}
	})
}

// A search holds at most catalog.MaxSearchTerms terms on every path that
// searches, not only package_search: PostgreSQL plans many AND'ed tag
// filters for minutes. At the bound each path answers; beyond it, a
// client error at once.
func TestSearchTermsBoundedEverywhere(t *testing.T) {
	forEachDB(t, func(t *testing.T, h *harness) {
		h.createDataset("budget", map[string]any{"tags": []any{map[string]any{"name": "t1"}}})
		tags := func(n int) []string {
			out := make([]string, n)
			for i := range out {
				out[i] = fmt.Sprintf("t%d", i+1)
			}
			return out
		}
		fq := func(n int) string { return "tags:" + strings.Join(tags(n), " AND tags:") }
		for _, n := range []int{catalog.MaxSearchTerms, catalog.MaxSearchTerms + 1} {
			over := n > catalog.MaxSearchTerms
			r := h.get("package_search", "", url.Values{"fq": {fq(n)}})
			if over {
				mustFail(t, r, http.StatusBadRequest, "Search Query Error")
			} else {
				mustOK(t, r)
			}
			for _, path := range []string{
				"/catalog.ttl?" + url.Values{"fq": {fq(n)}}.Encode(),
				"/?" + url.Values{"tags": tags(n)}.Encode(),
			} {
				req := httptest.NewRequest(http.MethodGet, path, nil)
				rec := httptest.NewRecorder()
				h.srv.Handler().ServeHTTP(rec, req)
				want := http.StatusOK
				if over && strings.HasPrefix(path, "/catalog") {
					want = http.StatusConflict
				} else if over {
					want = http.StatusBadRequest
				}
				if rec.Code != want {
					t.Errorf("%d terms: %.60s… = %d, want %d", n, path, rec.Code, want)
				}
			}
		}
	})
}
