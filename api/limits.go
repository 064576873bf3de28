package api

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/passerelle/passerelle/catalog"
	"golang.org/x/time/rate"
)

// Limits bound what one request, one connection or one client may ask of
// the server (SPEC §8). Zero sizes and durations take the defaults named
// below; a zero Rate turns that limiter off, so that tests and load tests
// that send many requests from one address are not refused.
type Limits struct {
	// MaxBodyBytes bounds a JSON or form request body (default 1 MiB);
	// uploads are bounded by Config.MaxUploadBytes instead.
	MaxBodyBytes int64
	// MaxHeaderBytes bounds the request line and headers (default 64 KiB).
	MaxHeaderBytes int
	// ReadHeaderTimeout is how long a client may take to send its request
	// line and headers (default 10 s).
	ReadHeaderTimeout time.Duration
	// StallTimeout is how long a client may go without sending a byte of
	// its request body, or without taking a byte of the response, before
	// its connection is closed (default 30 s). It never bounds a whole
	// upload or download, only pauses.
	StallTimeout time.Duration
	// MinBodyRate is the slowest average, in bytes per second, a request
	// body may arrive at once the first StallTimeout has passed (default
	// 1 KiB/s): a client trickling one byte now and then is cut off.
	MinBodyRate int64
	// Reads, Writes and Logins are per-client token buckets: reads (GET,
	// and read actions however sent), writes (every other request,
	// uploads included) and sign-in attempts on the web form (per
	// address, on top of the write budget). A client is its API token
	// when it sends a valid one, else its address (an IPv6 client its
	// /64).
	Reads, Writes, Logins Rate
	// TrustedProxies are the addresses or CIDR ranges of the reverse
	// proxies whose X-Forwarded-For is believed; none by default, so that
	// a client cannot choose its own address.
	TrustedProxies []string
	// Now is the rate limiters' clock; nil is time.Now.
	Now func() time.Time
}

// Rate is a token bucket: PerSecond requests on average, Burst at once.
// A zero PerSecond is no limit.
type Rate struct {
	PerSecond float64
	Burst     int
}

// Limits' defaults.
const (
	defaultMaxBodyBytes      = maxJSONBody
	defaultMaxHeaderBytes    = 64 << 10
	defaultReadHeaderTimeout = 10 * time.Second
	defaultStallTimeout      = 30 * time.Second
	defaultMinBodyRate       = 1 << 10
)

// Request limits that are not configurable.
const (
	// maxJSONDepth bounds how deeply a JSON body nests arrays and objects;
	// a package dict with inline Table Schemas needs about 8 levels.
	maxJSONDepth = 32
	// maxFacetFields bounds package_search's facet.field list; there are
	// only 9 fields to facet on.
	maxFacetFields = 20
	// maxFacetLimit caps facet.limit (CKAN's default is 50, a negative
	// value meaning "every value" there).
	maxFacetLimit = 1000
	// maxQueryChars bounds q and the fq filters of a search together
	// (catalog.ParseQuery bounds each at 8192 bytes), so that fq_list
	// cannot pile up thousands of filters.
	maxQueryChars = 10000
	// maxQueryTerms bounds the words of datastore_search's q, as
	// catalog.MaxSearchTerms bounds a catalogue search's: each word is
	// one more condition for the database to plan and test.
	maxQueryTerms = catalog.MaxSearchTerms
	// maxFilterValues bounds the values of datastore_search's filters
	// (a list of values is one test each).
	maxFilterValues = 500
	// maxOffset bounds start and offset: Solr, behind CKAN, refuses
	// anything past a 32-bit integer too.
	maxOffset = math.MaxInt32
)

func (l Limits) withDefaults() Limits {
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = defaultMaxBodyBytes
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = defaultMaxHeaderBytes
	}
	if l.ReadHeaderTimeout <= 0 {
		l.ReadHeaderTimeout = defaultReadHeaderTimeout
	}
	if l.StallTimeout <= 0 {
		l.StallTimeout = defaultStallTimeout
	}
	if l.MinBodyRate <= 0 {
		l.MinBodyRate = defaultMinBodyRate
	}
	if l.Now == nil {
		l.Now = time.Now
	}
	return l
}

// HTTPServer returns an http.Server for the router with the connection
// limits of Config.Limits: header size and time, and the stall and
// minimum-rate deadlines that cut off slow clients (Slowloris) without
// bounding how long a large upload or download may take.
func (s *Server) HTTPServer() *http.Server {
	l := s.cfg.Limits
	return &http.Server{
		Handler:           stallGuard(s.router, l.StallTimeout, l.MinBodyRate),
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		IdleTimeout:       2 * time.Minute,
	}
}

// stallGuard moves the connection's deadlines as a request body arrives
// and as the response leaves, in place of http.Server's ReadTimeout and
// WriteTimeout, which bound a whole request and so would cut long uploads
// and downloads.
func stallGuard(next http.Handler, stall time.Duration, minRate int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		now := time.Now()
		// Also covers the "100 Continue" the server writes on the first
		// read of the body, with the deadline the last request left.
		rc.SetWriteDeadline(now.Add(stall))
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &stallReader{ReadCloser: r.Body, rc: rc, stall: stall, minRate: minRate, start: now}
		}
		next.ServeHTTP(&stallWriter{ResponseWriter: w, rc: rc, stall: stall}, r)
		// The server flushes what is still buffered after the handler.
		rc.SetWriteDeadline(time.Now().Add(stall))
	})
}

// stallReader is a request body whose every read must get a byte within
// the stall timeout, and whose bytes must keep up with the minimum rate.
// An error of SetReadDeadline (a writer that cannot, as
// httptest.ResponseRecorder) leaves the body unguarded.
type stallReader struct {
	io.ReadCloser
	rc      *http.ResponseController
	stall   time.Duration
	minRate int64
	start   time.Time
	n       int64 // bytes read so far
	done    bool  // the body was read to its end
	err     error // the read that failed, for good
}

func (r *stallReader) Read(p []byte) (int, error) {
	if r.done {
		return r.ReadCloser.Read(p)
	}
	if r.err != nil {
		return 0, r.err
	}
	now := time.Now()
	deadline := now.Add(r.stall)
	// The rate deadline: the first stall period is grace, then every
	// byte buys 1/minRate seconds.
	if d := r.start.Add(r.stall + time.Duration(float64(r.n)/float64(r.minRate)*float64(time.Second))); d.Before(deadline) {
		deadline = d
	}
	r.rc.SetReadDeadline(deadline)
	n, err := r.ReadCloser.Read(p)
	r.n += int64(n)
	if err == io.EOF {
		// At the end of the body the server starts a background read
		// of the connection, to notice the client leaving: a deadline
		// left there would cancel the request's context half-way
		// through the handler. After a timeout, the deadline stays, so
		// that the server's own reads of the rest fail at once too.
		r.done = true
		r.rc.SetReadDeadline(time.Time{})
	} else if err != nil {
		r.err = err
	}
	return n, err
}

// stallWriter gives every write of the response the stall timeout to be
// taken by the client: a client that stops reading is cut off, one that
// reads a large download steadily is not.
type stallWriter struct {
	http.ResponseWriter
	rc    *http.ResponseController
	stall time.Duration
}

func (w *stallWriter) Write(p []byte) (int, error) {
	w.rc.SetWriteDeadline(time.Now().Add(w.stall))
	return w.ResponseWriter.Write(p)
}

// Flush sends what is buffered, as gin's streamed results ask.
func (w *stallWriter) Flush() {
	w.rc.SetWriteDeadline(time.Now().Add(w.stall))
	w.rc.Flush()
}

// Unwrap lets http.ResponseController reach the connection.
func (w *stallWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// limiter is a set of token buckets of one Rate, one per client key.
// Buckets live in this process: N instances behind a load balancer each
// grant the whole budget, so a client may get up to N times the rate.
// Memory is bounded: a bucket idle long enough to be full again is the
// same as a new one and is dropped, and there are at most maxBuckets.
type limiter struct {
	rate      Rate
	now       func() time.Time
	idle      time.Duration // time for an empty bucket to refill
	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// maxBuckets bounds the clients tracked at once by each limiter (about
// 150 bytes each).
const maxBuckets = 100_000

// newLimiter returns nil for a zero rate: no limit.
func newLimiter(r Rate, now func() time.Time) *limiter {
	if r.PerSecond <= 0 {
		return nil
	}
	if r.Burst < 1 {
		r.Burst = max(1, int(math.Ceil(r.PerSecond)))
	}
	idle := time.Duration(float64(r.Burst)/r.PerSecond*float64(time.Second)) + time.Second
	return &limiter{rate: r, now: now, idle: idle, buckets: map[string]*bucket{}}
}

// allow takes one token from key's bucket. When it is empty it takes
// nothing and returns how long until a token is back.
func (l *limiter) allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	b := l.buckets[key]
	if b == nil {
		if len(l.buckets) >= maxBuckets || now.Sub(l.lastSweep) > time.Minute {
			l.sweep(now)
		}
		b = &bucket{lim: rate.NewLimiter(rate.Limit(l.rate.PerSecond), l.rate.Burst)}
		l.buckets[key] = b
	}
	b.seen = now
	l.mu.Unlock()
	r := b.lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep drops the buckets that have refilled; if the map is still full,
// it drops arbitrary ones (a client then starts again with a full bucket,
// which only happens under more than maxBuckets clients at once).
func (l *limiter) sweep(now time.Time) {
	l.lastSweep = now
	for k, b := range l.buckets {
		if now.Sub(b.seen) > l.idle {
			delete(l.buckets, k)
		}
	}
	for k := range l.buckets {
		if len(l.buckets) < maxBuckets {
			break
		}
		delete(l.buckets, k)
	}
}

// size is how many buckets the limiter holds.
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// limiters are the server's rate limiters; nil ones are off.
type limiters struct {
	reads, writes, logins *limiter
}

func newLimiters(l Limits) *limiters {
	return &limiters{
		reads:  newLimiter(l.Reads, l.Now),
		writes: newLimiter(l.Writes, l.Now),
		logins: newLimiter(l.Logins, l.Now),
	}
}

// rateLimited routes are limited; the operator's probes are not.
func rateLimited(path string) bool {
	switch path {
	case "/healthz", "/readyz", "/metrics":
		return false
	}
	return true
}

// rateLimit refuses a request over its client's budget with 429 and
// Retry-After. Reads and writes have separate budgets, so that a
// harvester paging the catalogue never delays an agent's upload.
func (s *Server) rateLimit() gin.HandlerFunc {
	return func(c *gin.Context) {
		write := s.isWrite(c)
		lim, what := s.limiters.reads, "reads"
		if write {
			lim, what = s.limiters.writes, "writes"
		}
		if lim == nil || !rateLimited(c.Request.URL.Path) {
			c.Next()
			return
		}
		if ok, retry := lim.allow(s.clientKey(c)); !ok {
			s.tooManyRequests(c, lim.rate, what, retry)
			return
		}
		c.Next()
	}
}

// limitLogins bounds sign-in attempts on the web form per address, on top
// of the write budget: a token cannot be guessed, but a form that answers
// as fast as it is posted invites trying.
func (s *Server) limitLogins() gin.HandlerFunc {
	return func(c *gin.Context) {
		if lim := s.limiters.logins; lim != nil {
			if ok, retry := lim.allow(addressKey(c)); !ok {
				s.tooManyRequests(c, lim.rate, "sign-in attempts", retry)
				return
			}
		}
		c.Next()
	}
}

// isWrite tells the write budget's requests: every method but GET, HEAD
// and OPTIONS, except read actions, which ckanapi sends by POST.
func (s *Server) isWrite(c *gin.Context) bool {
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	route := c.FullPath()
	for _, prefix := range []string{"/api/3/action/", "/api/action/"} {
		if name, ok := strings.CutPrefix(route, prefix); ok {
			a := s.actions[name]
			return a != nil && !a.read // ":action": unknown, refused at once
		}
	}
	return true
}

// clientKey names the client a budget belongs to: its token when it sends
// a valid one (looked up here, so that made-up tokens cannot each get a
// fresh budget), else its address.
func (s *Server) clientKey(c *gin.Context) string {
	if s.svc.Tokens != nil {
		if p, err := s.principal(c); err == nil && p != nil {
			return "token " + p.TokenID + " " + p.Name
		}
	}
	return addressKey(c)
}

// addressKey is the client's address (through trusted proxies only); an
// IPv6 client is its /64, the block one subscriber usually holds.
func addressKey(c *gin.Context) string {
	ip := c.ClientIP()
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "address " + ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64) // a valid IPv6 address has a /64
		return "address " + p.String()
	}
	return "address " + a.String()
}

// tooManyRequests answers 429 with Retry-After in whole seconds (at least
// one) and CKAN's error envelope on the API; other routes get plain text,
// as their other errors.
func (s *Server) tooManyRequests(c *gin.Context, r Rate, what string, retry time.Duration) {
	secs := max(1, int(math.Ceil(retry.Seconds())))
	c.Header("Retry-After", strconv.Itoa(secs))
	msg := fmt.Sprintf("Too many requests: each client may send %s %s a second (bursts of %d); retry in %d s",
		strconv.FormatFloat(r.PerSecond, 'f', -1, 64), what, r.Burst, secs)
	if strings.HasPrefix(c.Request.URL.Path, "/api/") {
		writeJSON(c, http.StatusTooManyRequests, envelope{Error: map[string]any{
			"__type": "Rate Limit Error", "message": msg,
		}})
	} else if wantsHTML(c.GetHeader("Accept")) {
		// A browser on the web pages: the error page, in its language.
		s.errorPage(c, http.StatusTooManyRequests, "err_rate_limited")
	} else {
		c.String(http.StatusTooManyRequests, msg+"\n")
	}
	c.Abort()
}

// jsonTooDeep reports whether a JSON text nests arrays and objects more
// than max levels deep. It scans bytes rather than walking
// json.Decoder.Token: the body is already in memory (bounded by
// MaxBodyBytes), and the scan allocates nothing and stops at the first
// level too many, where Token allocates a value per token. It need only
// be right on valid JSON; invalid text is the decoder's to report.
func jsonTooDeep(b []byte, max int) bool {
	depth := 0
	inString := false
	for i := 0; i < len(b); i++ {
		if inString {
			switch b[i] {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch b[i] {
		case '"':
			inString = true
		case '[', '{':
			if depth++; depth > max {
				return true
			}
		case ']', '}':
			depth--
		}
	}
	return false
}

// checkDatastoreQuery bounds datastore_search's text search and filters
// as package_search's: every word of q and every filter value is one more
// condition tested on each row (and SQLite refuses a statement nesting
// more than 1000 of them, or a LIKE pattern over 50 000 bytes).
func checkDatastoreQuery(p *params, q catalog.DatastoreQuery) {
	chars, terms := utf8.RuneCountInString(q.Q), len(strings.Fields(q.Q))
	for _, text := range q.QFields {
		chars += utf8.RuneCountInString(text)
		terms++
	}
	if chars > maxQueryChars {
		p.fe.Add("q", fmt.Sprintf("Must hold at most %d characters", maxQueryChars))
	} else if terms > maxQueryTerms {
		p.fe.Add("q", fmt.Sprintf("Must hold at most %d words and fields", maxQueryTerms))
	}
	values := 0
	for _, vs := range q.Filters {
		values += len(vs)
	}
	if values > maxFilterValues {
		p.fe.Add("filters", fmt.Sprintf("Must hold at most %d values in all", maxFilterValues))
	}
}
