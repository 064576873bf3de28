package tableschema

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Registry holds schemas by id and version ("scdl/subventions",
// "scdl/subventions@2.0.1") and resolves references to them. It is safe
// for concurrent use.
type Registry struct {
	// Client fetches schemas given by URL; nil means no network: such a
	// reference fails with ErrOffline unless the URL is known locally.
	Client *http.Client
	// Timeout bounds one fetch (default 10 s).
	Timeout time.Duration
	// AllowFiles lets Resolve read a schema from a local path (for the
	// command line; not for references coming from the API).
	AllowFiles bool
	// AllowHosts, when not empty, lists the only hosts schemas and
	// catalogues are downloaded from (against SSRF: an API client must not
	// make the server fetch an internal address). An entry is a host
	// compared exactly with the URL's host, port included unless it is the
	// scheme's default ("schema.data.gouv.fr", "127.0.0.1:8080"); such a
	// host is reached over https only, unless the entry is written with an
	// explicit "http://" prefix ("http://intranet.example"). Redirects are
	// followed only to allowed hosts. Empty means any host (fine for the
	// command line; a server should set DefaultHosts). Known schemas' URLs
	// are answered from the registry whatever this list says.
	AllowHosts []string

	mu      sync.RWMutex
	byID    map[string][]*Schema // versions, oldest first
	byPath  map[string]*Schema   // published URLs (the schemas' "path")
	latest  map[string]string    // a catalogue's "latest" URL → schema id
	fetched map[string]fetchedSchema
}

// DefaultHosts are the hosts a server may download schemas from:
// schema.data.gouv.fr (its catalogue and every schema_url in it), GitHub
// (github.com raw links redirect to raw.githubusercontent.com) and the
// GitLab forges the SCDL schemas name as their "path" (git.opendatafrance.net
// for older versions, gitlab.com since). Copy it before changing it.
var DefaultHosts = []string{
	"schema.data.gouv.fr",
	"raw.githubusercontent.com",
	"github.com",
	"gitlab.com",
	"git.opendatafrance.net",
}

type fetchedSchema struct {
	s  *Schema
	at time.Time
}

// fetchTTL is how long a schema fetched by URL is reused.
const fetchTTL = time.Hour

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byID: map[string][]*Schema{}, byPath: map[string]*Schema{}, latest: map[string]string{}, fetched: map[string]fetchedSchema{}}
}

// Entry describes a schema of the registry, for a picker.
type Entry struct {
	ID          string   `json:"id"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Latest      string   `json:"latest,omitempty"`   // the latest version
	Versions    []string `json:"versions,omitempty"` // newest first
}

// LoadDir adds every *.json schema under dir (recursively). A file that is
// not a Table Schema is skipped and named in the returned error, the
// others are still added. Ids come from the layout of schema.data.gouv.fr
// ("scdl/subventions/2.1.1/schema.json"), else from the file name and the
// schema's name ("scdl-subventions-2.1.1.schema.json" whose name is
// "subventions" → "scdl/subventions"), else from the name alone.
func (r *Registry) LoadDir(dir string) error {
	var errs []error
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(strings.ToLower(d.Name()), ".json") {
			return nil
		}
		s, err := LoadFile(p)
		if err != nil {
			errs = append(errs, err)
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		s.ID = deriveID(filepath.ToSlash(rel), s)
		if err := r.Add(s); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p, err))
		}
		return nil
	})
	if err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

var versionDir = regexp.MustCompile(`^v?\d+(\.\d+)*([-.+][0-9A-Za-z.-]+)?$`)

// deriveID names a schema found at rel (a slash path under the
// registry's directory).
func deriveID(rel string, s *Schema) string {
	parts := strings.Split(rel, "/")
	base := parts[len(parts)-1]
	dirs := parts[:len(parts)-1]
	// schema.data.gouv.fr layout: <owner>/<name>/<version|latest>/schema.json
	if strings.EqualFold(base, "schema.json") {
		if n := len(dirs); n > 0 && (dirs[n-1] == "latest" || versionDir.MatchString(dirs[n-1])) {
			dirs = dirs[:n-1]
		}
		if len(dirs) >= 2 {
			return dirs[len(dirs)-2] + "/" + dirs[len(dirs)-1]
		}
		if len(dirs) == 1 {
			if s.Name != "" && s.Name != dirs[0] {
				return dirs[0] + "/" + s.Name
			}
			return dirs[0]
		}
		if s.Name != "" {
			return s.Name
		}
		return "schema"
	}
	stem := strings.TrimSuffix(strings.TrimSuffix(base, ".json"), ".schema")
	if s.Version != "" {
		for _, sep := range []string{"-", "_", "@", "-v", "_v"} {
			stem = strings.TrimSuffix(stem, sep+s.Version)
		}
	}
	if s.Name != "" {
		if prefix, ok := strings.CutSuffix(stem, "-"+s.Name); ok && prefix != "" {
			return prefix + "/" + s.Name
		}
		if prefix, ok := strings.CutSuffix(stem, "_"+s.Name); ok && prefix != "" {
			return prefix + "/" + s.Name
		}
		if len(dirs) > 0 {
			return dirs[len(dirs)-1] + "/" + s.Name
		}
		return s.Name
	}
	if len(dirs) > 0 {
		return dirs[len(dirs)-1] + "/" + stem
	}
	return stem
}

// Add registers s under s.ID and s.Version. A schema already registered
// with the same id and version is an error.
func (r *Registry) Add(s *Schema) error {
	if s.ID == "" {
		return fmt.Errorf("schema %q has no id", s.Name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.lookup(s.ID, s.Version) != nil {
		return fmt.Errorf("schema %s version %q is already registered", s.ID, s.Version)
	}
	r.insert(s)
	if isURL(s.Path) {
		r.byPath[s.Path] = s
	}
	return nil
}

// lookup returns the schema registered as id at exactly version, or nil;
// r.mu is held.
func (r *Registry) lookup(id, version string) *Schema {
	for _, o := range r.byID[id] {
		if o.Version == version {
			return o
		}
	}
	return nil
}

// insert adds s to its id's versions; r.mu is held.
func (r *Registry) insert(s *Schema) {
	list := append(r.byID[s.ID], s)
	slices.SortStableFunc(list, func(a, b *Schema) int { return compareVersions(a.Version, b.Version) })
	r.byID[s.ID] = list
}

// alias makes each URL answer s, unless the URL already answers another
// schema; r.mu is held.
func (r *Registry) alias(s *Schema, urls ...string) {
	for _, u := range urls {
		if _, taken := r.byPath[u]; !taken && isURL(u) {
			r.byPath[u] = s
		}
	}
}

func isURL(s string) bool {
	return strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://")
}

// compareVersions orders versions numerically part by part ("2.10" after
// "2.9"); text parts compare as text and a pre-release ("2.0.0-rc1")
// comes before its release.
func compareVersions(a, b string) int {
	a, b = strings.TrimPrefix(a, "v"), strings.TrimPrefix(b, "v")
	a, preA, _ := strings.Cut(a, "-")
	b, preB, _ := strings.Cut(b, "-")
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < max(len(pa), len(pb)); i++ {
		var x, y string
		if i < len(pa) {
			x = pa[i]
		}
		if i < len(pb) {
			y = pb[i]
		}
		nx, errx := strconv.Atoi(x)
		ny, erry := strconv.Atoi(y)
		switch {
		case x == y:
			continue
		case errx == nil && erry == nil:
			return cmp.Compare(nx, ny)
		case x == "":
			return -1
		case y == "":
			return 1
		default:
			return strings.Compare(x, y)
		}
	}
	switch {
	case preA == preB:
		return 0
	case preA == "":
		return 1
	case preB == "":
		return -1
	}
	return strings.Compare(preA, preB)
}

// List returns the registry's schemas, sorted by id.
func (r *Registry) List() []Entry {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]Entry, 0, len(r.byID))
	for _, id := range sortedKeys(r.byID) {
		list := r.byID[id]
		latest := list[len(list)-1]
		e := Entry{ID: id, Title: latest.Title, Description: latest.Description, Latest: latest.Version}
		for i := len(list) - 1; i >= 0; i-- {
			if list[i].Version != "" {
				e.Versions = append(e.Versions, list[i].Version)
			}
		}
		out = append(out, e)
	}
	return out
}

// Get returns the schema with id ref, at its latest version, or at the
// version after @ ("scdl/subventions@2.0.1", "…@latest"). It returns an
// *Error wrapping ErrNotFound.
func (r *Registry) Get(ref string) (*Schema, error) {
	id, version, _ := strings.Cut(ref, "@")
	r.mu.RLock()
	list := r.byID[id]
	r.mu.RUnlock()
	if len(list) == 0 {
		return nil, newError(ErrNotFound, nil, "no schema %q is known; known schemas: %s",
			"aucun schéma %q n'est connu ; schémas connus : %s", id, r.knownIDs())
	}
	if version == "" || version == "latest" {
		return list[len(list)-1], nil
	}
	for _, s := range list {
		if s.Version == version || strings.TrimPrefix(s.Version, "v") == strings.TrimPrefix(version, "v") {
			return s, nil
		}
	}
	var have []string
	for _, s := range list {
		have = append(have, s.Version)
	}
	return nil, newError(ErrNotFound, nil, "schema %s has no version %q; known versions: %s",
		"le schéma %s n'a pas de version %q ; versions connues : %s", id, version, strings.Join(have, ", "))
}

func (r *Registry) knownIDs() string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	ids := sortedKeys(r.byID)
	if len(ids) == 0 {
		return "none"
	}
	return strings.Join(ids, ", ")
}

// schemaURL recognises the URLs of schema.data.gouv.fr
// (…/schemas/scdl/subventions/2.1.1/schema.json, …/latest/…) and of the
// SCDL repositories (…/scdl/subventions/raw/v2.1.1/schema.json).
var schemaURL = []*regexp.Regexp{
	regexp.MustCompile(`/schemas/([^/]+/[^/]+)/([^/]+)/schema\.json$`),
	regexp.MustCompile(`/(scdl/[^/]+)/(?:-/)?raw/v?([^/]+)/schema\.json$`),
}

// Resolve finds the schema a reference names: an id, with an optional
// @version; an http(s) URL, answered from the registry when it is a known
// schema's address (so that being offline does not matter), else fetched
// with Client within Timeout; or, with AllowFiles, a local path. Failures
// are *Error values wrapping ErrNotFound, ErrOffline or ErrInvalid.
func (r *Registry) Resolve(ctx context.Context, ref string) (*Schema, error) {
	ref = strings.TrimSpace(ref)
	if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		return r.resolveURL(ctx, ref)
	}
	if s, err := r.Get(ref); err == nil {
		return s, nil
	} else if !r.AllowFiles || !looksLikePath(ref) {
		return nil, err
	}
	s, err := LoadFile(ref)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, newError(ErrNotFound, err, "no schema %q: neither a known id nor a file", "aucun schéma %q : ni un identifiant connu, ni un fichier", ref)
		}
		return nil, err
	}
	return s, nil
}

func looksLikePath(ref string) bool {
	if strings.HasSuffix(ref, ".json") || strings.ContainsRune(ref, os.PathSeparator) {
		return true
	}
	_, err := os.Stat(ref)
	return err == nil
}

func (r *Registry) resolveURL(ctx context.Context, ref string) (*Schema, error) {
	r.mu.RLock()
	s, ok := r.byPath[ref]
	latestID, lok := r.latest[ref]
	f, fok := r.fetched[ref]
	r.mu.RUnlock()
	if ok {
		return s, nil
	}
	if lok {
		if s, err := r.Get(latestID); err == nil {
			return s, nil
		}
	}
	if u, err := url.Parse(ref); err == nil {
		for _, re := range schemaURL {
			if m := re.FindStringSubmatch(u.Path); m != nil {
				if s, err := r.Get(m[1] + "@" + m[2]); err == nil {
					return s, nil
				}
			}
		}
	}
	if fok && time.Since(f.at) < fetchTTL {
		return f.s, nil
	}
	s, err := r.fetch(ctx, ref)
	if err != nil {
		if fok {
			return f.s, nil // an older copy beats nothing when offline
		}
		return nil, err
	}
	r.mu.Lock()
	r.fetched[ref] = fetchedSchema{s: s, at: time.Now()}
	r.mu.Unlock()
	return s, nil
}

// maxFetch bounds a schema (or a catalogue) downloaded by URL.
const maxFetch = 8 << 20

// defaultTimeout bounds one download when Timeout is not set.
const defaultTimeout = 10 * time.Second

func (r *Registry) fetch(ctx context.Context, ref string) (*Schema, error) {
	data, u, err := r.download(ctx, ref, docSchema)
	if err != nil {
		return nil, err
	}
	s, err := Parse(data)
	if err != nil {
		return nil, err
	}
	if s.Path == "" {
		s.Path = ref
	}
	s.ID = ref
	if m := schemaURL[0].FindStringSubmatch(path.Clean(u.Path)); m != nil {
		s.ID = m[1]
	}
	return s, nil
}

// doc names what download fetches, in its messages.
type doc struct {
	en, fr string // "schema", "le schéma"
	hint   bool   // offline: suggest using a schema id instead
}

var (
	docSchema    = doc{en: "schema", fr: "le schéma", hint: true}
	docCatalogue = doc{en: "catalogue", fr: "le catalogue"}
)

// download GETs ref with Client within Timeout and returns its body (at
// most maxFetch bytes) and the URL it was finally read from. ref and every
// redirect must pass AllowHosts. Failures are *Error values: ErrOffline
// when there is no client or the network failed, ErrNotFound for a
// refused host or an answer other than 200 OK, ErrInvalid when too large.
func (r *Registry) download(ctx context.Context, ref string, d doc) ([]byte, *url.URL, error) {
	if r.Client == nil {
		return nil, nil, r.downloadError(d, ErrOffline, nil, "%s cannot be fetched: this server does not reach the network",
			"%s ne peut pas être téléchargé : ce serveur n'a pas accès au réseau", ref)
	}
	u, err := url.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, newError(ErrNotFound, err, "%s is not a valid URL", "%s n'est pas une URL valide", ref)
	}
	if !r.hostAllowed(u) {
		return nil, nil, r.refusedHost(d, ref, u)
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref, nil)
	if err != nil {
		return nil, nil, newError(ErrNotFound, err, "%s is not a valid URL", "%s n'est pas une URL valide", ref)
	}
	req.Header.Set("Accept", "application/json")
	client := *r.Client // a copy, to check redirects; it shares the transport
	next := client.CheckRedirect
	client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !r.hostAllowed(req.URL) {
			return r.refusedHost(d, ref, req.URL)
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	resp, err := client.Do(req)
	if err != nil {
		if e, ok := errors.AsType[*Error](err); ok {
			return nil, nil, e
		}
		return nil, nil, r.downloadError(d, ErrOffline, err, "%s could not be fetched (network unreachable or too slow)",
			"%s n'a pas pu être téléchargé (réseau injoignable ou trop lent)", ref)
	}
	defer resp.Body.Close()
	if !r.hostAllowed(resp.Request.URL) { // a client of ours may redirect by itself
		return nil, nil, r.refusedHost(d, ref, resp.Request.URL)
	}
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
		return nil, nil, r.downloadError(d, ErrNotFound, nil, "%s could not be fetched: the server answered %s",
			"%s n'a pas pu être téléchargé : le serveur a répondu %s", ref, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFetch+1))
	if err != nil {
		return nil, nil, r.downloadError(d, ErrOffline, err, "%s could not be fetched: the download was interrupted",
			"%s n'a pas pu être téléchargé : le téléchargement a été interrompu", ref)
	}
	if len(data) > maxFetch {
		return nil, nil, r.downloadError(d, ErrInvalid, nil, "%s is larger than %d MiB", "%s dépasse %d Mio", ref, maxFetch>>20)
	}
	return data, resp.Request.URL, nil
}

// downloadError words a download failure for d; en and fr start with the
// document's address.
func (r *Registry) downloadError(d doc, kind, cause error, en, fr string, args ...any) *Error {
	e := newError(kind, cause, d.en+" "+en, d.fr+" "+fr, args...)
	if d.hint && kind == ErrOffline {
		known := r.knownIDs()
		e.Msg += "; use a schema id (known: " + known + ")"
		e.MsgFR += " ; utilisez un identifiant de schéma (connus : " + known + ")"
	}
	return e
}

func (r *Registry) refusedHost(d doc, ref string, u *url.URL) *Error {
	allowed := strings.Join(r.AllowHosts, ", ")
	if u.String() == ref {
		return r.downloadError(d, ErrNotFound, nil, "%s is not fetched: %s is not an allowed host (allowed: %s)",
			"%s n'est pas téléchargé : %s n'est pas un hôte autorisé (autorisés : %s)", ref, u.Scheme+"://"+u.Host, allowed)
	}
	return r.downloadError(d, ErrNotFound, nil, "%s is not fetched: it redirects to %s, not an allowed host (allowed: %s)",
		"%s n'est pas téléchargé : il redirige vers %s, qui n'est pas un hôte autorisé (autorisés : %s)", ref, u.Scheme+"://"+u.Host, allowed)
}

// hostAllowed tells whether u may be downloaded under AllowHosts.
func (r *Registry) hostAllowed(u *url.URL) bool {
	if u.Scheme != "http" && u.Scheme != "https" {
		return false
	}
	if len(r.AllowHosts) == 0 {
		return true
	}
	host := strings.ToLower(u.Host)
	if p := u.Port(); (u.Scheme == "https" && p == "443") || (u.Scheme == "http" && p == "80") {
		host = strings.TrimSuffix(host, ":"+p)
	}
	for _, h := range r.AllowHosts {
		h = strings.ToLower(strings.TrimSuffix(strings.TrimSpace(h), "/"))
		plain := false
		if rest, ok := strings.CutPrefix(h, "http://"); ok {
			h, plain = rest, true
		} else {
			h = strings.TrimPrefix(h, "https://")
		}
		if h == host && (u.Scheme == "https" || plain) {
			return true
		}
	}
	return false
}

// Suggestion is a schema a table may follow, with how sure the guess is.
type Suggestion struct {
	ID      string `json:"id"`
	Version string `json:"version,omitempty"`
	Title   string `json:"title,omitempty"`
	// Confidence in [0, 1]: the share of the schema's fields found among
	// the columns (after normalisation), lowered by columns the schema
	// does not have.
	Confidence float64 `json:"confidence"`
	// Matched, Missing and Extra detail the match: fields found, fields
	// without a column, columns without a field.
	Matched []string `json:"matched"`
	Missing []string `json:"missing,omitempty"`
	Extra   []string `json:"extra,omitempty"`
}

// minConfidence keeps suggestions that are more than noise.
const minConfidence = 0.2

// Suggest returns the schemas the header most likely follows, best first:
// for each id, its best matching version (the latest on a tie). Columns
// are matched to fields by name, or by name or title once case, accents,
// spacing and punctuation are ignored. Confidence is m / (fields + extra)
// for m matched fields: the share of the schema's fields found, lowered
// by columns the schema does not have (as a Jaccard index). Schemas below
// 0.2 are left out.
func (r *Registry) Suggest(header []string) []Suggestion {
	r.mu.RLock()
	ids := sortedKeys(r.byID)
	lists := make([][]*Schema, len(ids))
	for i, id := range ids {
		lists[i] = r.byID[id]
	}
	r.mu.RUnlock()
	var out []Suggestion
	for i, id := range ids {
		var best *Suggestion
		for _, s := range lists[i] {
			sg := suggestOne(s, header)
			sg.ID = id
			if best == nil || sg.Confidence >= best.Confidence {
				best = &sg
			}
		}
		if best != nil && best.Confidence >= minConfidence {
			out = append(out, *best)
		}
	}
	slices.SortStableFunc(out, func(a, b Suggestion) int {
		if c := cmp.Compare(b.Confidence, a.Confidence); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

func suggestOne(s *Schema, header []string) Suggestion {
	h := matchHeader(header, s.Fields, false, func(_ int, l string) bool { return strings.TrimSpace(l) == "" })
	sg := Suggestion{Version: s.Version, Title: s.Title, Matched: []string{}}
	for f, c := range h.fieldCol {
		if c >= 0 {
			sg.Matched = append(sg.Matched, s.Fields[f].Name)
		} else {
			sg.Missing = append(sg.Missing, s.Fields[f].Name)
		}
	}
	for _, c := range h.columns {
		if c.Match == MatchExtra {
			sg.Extra = append(sg.Extra, c.Label)
		}
	}
	if len(s.Fields) > 0 {
		m := float64(len(sg.Matched))
		sg.Confidence = m / float64(len(s.Fields)+len(sg.Extra))
		sg.Confidence = float64(int(sg.Confidence*1000+0.5)) / 1000
	}
	return sg
}
