package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"github.com/passerelle/passerelle/api"
	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/catalog/ingest"
	"github.com/passerelle/passerelle/storage"
	"github.com/passerelle/passerelle/storage/storagetest"
	"github.com/passerelle/passerelle/tableschema"
)

const testBaseURL = "https://data.example.fr"

// harness is a real server on a real database, with two organisations and
// tokens for each kind of caller.
type harness struct {
	t        testing.TB
	srv      *api.Server
	db       *storage.DB
	sysadmin string // token of a sysadmin
	editorA  string // token of an editor of ville-a
	editorB  string // token of an editor of ville-b
	orgA     *catalog.Organization
	orgB     *catalog.Organization
	pipeline *ingest.Pipeline
	jobs     *storage.JobQueue
	schemas  *tableschema.Registry
	dataDir  string
}

// maxTestUpload is the harness server's upload limit.
const maxTestUpload = 1 << 20

func newHarness(t testing.TB, db *storage.DB) *harness {
	t.Helper()
	return newHarnessWith(t, db, nil)
}

// newHarnessWith is newHarness with adjust changing the services before
// the server is built (an OnUpload hook…).
func newHarnessWith(t testing.TB, db *storage.DB, adjust func(h *harness, svc *api.Services)) *harness {
	t.Helper()
	h := &harness{t: t, db: db, dataDir: t.TempDir()}
	h.build(adjust)
	ctx := catalog.WithPrincipal(context.Background(), &catalog.Principal{Name: "setup", Sysadmin: true})
	orgs := storage.NewOrganizationService(db)
	var err error
	if h.orgA, err = orgs.CreateOrganization(ctx, &catalog.Organization{Name: "ville-a", Title: "Ville d'Arles"}); err != nil {
		t.Fatal(err)
	}
	if h.orgB, err = orgs.CreateOrganization(ctx, &catalog.Organization{Name: "ville-b", Title: "Ville de Besançon"}); err != nil {
		t.Fatal(err)
	}
	tokens := storage.NewTokenService(db)
	mint := func(tok *catalog.Token) string {
		s, err := tokens.CreateToken(context.Background(), tok)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	h.sysadmin = mint(&catalog.Token{Name: "admin", Sysadmin: true})
	h.editorA = mint(&catalog.Token{Name: "agent-a", OrgID: "ville-a"})
	h.editorB = mint(&catalog.Token{Name: "agent-b", OrgID: "ville-b"})
	return h
}

// instance returns another server over db, a second handle on h's
// catalogue, sharing h's files, organisations and tokens: another
// instance behind the same load balancer, or h's after a restart.
func (h *harness) instance(db *storage.DB) *harness {
	h.t.Helper()
	other := *h
	other.db = db
	other.build(nil)
	return &other
}

// build makes the server and ingestion pipeline of h over h.db and
// h.dataDir.
func (h *harness) build(adjust func(h *harness, svc *api.Services)) {
	t, db := h.t, h.db
	t.Helper()
	blobs, err := storage.OpenBlobStore(context.Background(), "", h.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	ds, err := storage.NewDatastore(db, h.dataDir)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := ds.(interface{ Close() error }); ok {
		t.Cleanup(func() { c.Close() })
	}
	h.jobs = storage.NewJobQueue(db)
	// Schemas of testdata/schemas by id; no network (Client nil): a schema
	// given by an unknown URL cannot be fetched.
	h.schemas = tableschema.NewRegistry()
	if err := h.schemas.LoadDir("testdata/schemas"); err != nil {
		t.Fatal(err)
	}
	h.pipeline = &ingest.Pipeline{Jobs: h.jobs, Blobs: blobs, Datastore: ds, Log: slog.New(slog.DiscardHandler), Lease: time.Minute, TempDir: t.TempDir(), Schemas: h.schemas}
	svc := api.Services{
		Datasets:      storage.NewDatasetService(db),
		Organizations: storage.NewOrganizationService(db),
		Tokens:        storage.NewTokenService(db),
		Blobs:         blobs,
		Datastore:     ds,
		Sessions:      storage.NewSessionStore(db),
		Schemas:       h.schemas,
		Validations:   h.jobs,
		History:       h.jobs,
		Ready:         db.Ping,
	}
	if adjust != nil {
		adjust(h, &svc)
	}
	h.srv = api.NewServer(api.Config{
		BaseURL: testBaseURL, SiteTitle: "Données de test", SiteDescription: "Catalogue de test", Version: "test",
		MaxUploadBytes: maxTestUpload, TempDir: t.TempDir(),
	}, svc, nil)
}

// forEachDB runs a test against a fresh harness on SQLite and on
// PostgreSQL.
func forEachDB(t *testing.T, f func(t *testing.T, h *harness)) {
	storagetest.Run(t, func(t *testing.T, db *storage.DB) {
		f(t, newHarness(t, db))
	})
}

// response is a decoded API response.
type response struct {
	Status int
	Header http.Header
	Body   []byte
	// Envelope fields, when the body is one.
	Success bool
	Result  any
	Error   map[string]any
}

// resultMap returns the result as an object.
func (r *response) resultMap() map[string]any {
	m, ok := r.Result.(map[string]any)
	if !ok {
		panic(fmt.Sprintf("result is %T, not an object: %s", r.Result, r.Body))
	}
	return m
}

func (r *response) resultList() []any {
	l, ok := r.Result.([]any)
	if !ok {
		panic(fmt.Sprintf("result is %T, not a list: %s", r.Result, r.Body))
	}
	return l
}

// errorType returns the CKAN __type of an error envelope.
func (r *response) errorType() string {
	s, _ := r.Error["__type"].(string)
	return s
}

// do sends a request through the whole router and checks the response
// against openapi.yaml.
func (h *harness) do(req *http.Request) *response {
	h.t.Helper()
	rec := httptest.NewRecorder()
	h.srv.Handler().ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	res.Body = io.NopCloser(bytes.NewReader(body))
	validateAgainstSpec(h.t, req, res)
	out := &response{Status: res.StatusCode, Header: res.Header, Body: body}
	var env struct {
		Success bool           `json:"success"`
		Result  any            `json:"result"`
		Error   map[string]any `json:"error"`
	}
	if json.Unmarshal(body, &env) == nil {
		out.Success, out.Result, out.Error = env.Success, env.Result, env.Error
	}
	return out
}

// post calls an action with a JSON body.
func (h *harness) post(action, token string, body any) *response {
	h.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		h.t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/api/3/action/"+action, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	return h.do(req)
}

// get calls an action with a query string.
func (h *harness) get(action, token string, query url.Values) *response {
	h.t.Helper()
	u := "/api/3/action/" + action
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req := httptest.NewRequest(http.MethodGet, u, nil)
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	return h.do(req)
}

// mustOK fails the test unless r is a 200 success.
func mustOK(t testing.TB, r *response) *response {
	t.Helper()
	if r.Status != http.StatusOK || !r.Success {
		t.Fatalf("want 200 success, got %d: %s", r.Status, r.Body)
	}
	return r
}

// mustFail fails the test unless r is an error envelope with this status
// and CKAN error type.
func mustFail(t testing.TB, r *response, status int, errType string) *response {
	t.Helper()
	if r.Status != status || r.Success || r.errorType() != errType {
		t.Fatalf("want %d %q, got %d: %s", status, errType, r.Status, r.Body)
	}
	return r
}

// fieldErrors returns the messages of a Validation Error for one field.
func (r *response) fieldErrors(field string) []string {
	l, _ := r.Error[field].([]any)
	out := make([]string, len(l))
	for i, v := range l {
		out[i], _ = v.(string)
	}
	return out
}

// createDataset creates a dataset in ville-a with the sysadmin token,
// merging extra fields over a minimal valid dict.
func (h *harness) createDataset(name string, extra map[string]any) map[string]any {
	h.t.Helper()
	d := map[string]any{"name": name, "title": "Jeu " + name, "owner_org": "ville-a", "license_id": "lov2"}
	for k, v := range extra {
		d[k] = v
	}
	return mustOK(h.t, h.post("package_create", h.sysadmin, d)).resultMap()
}

var (
	specOnce      sync.Once
	specValidator validator.Validator
	specErr       error
)

// validateAgainstSpec checks a response's status, content type and body
// against openapi.yaml.
func validateAgainstSpec(t testing.TB, req *http.Request, res *http.Response) {
	t.Helper()
	specOnce.Do(func() {
		b, err := os.ReadFile("../openapi.yaml")
		if err != nil {
			specErr = err
			return
		}
		doc, err := libopenapi.NewDocument(b)
		if err != nil {
			specErr = err
			return
		}
		v, errs := validator.NewValidator(doc)
		if len(errs) > 0 {
			specErr = fmt.Errorf("build validator: %v", errs)
			return
		}
		specValidator = v
	})
	if specErr != nil {
		t.Fatalf("load openapi.yaml: %v", specErr)
	}
	if ok, errs := specValidator.ValidateHttpResponse(req, res); !ok {
		var msgs []string
		for _, e := range errs {
			msgs = append(msgs, e.Message+": "+e.Reason)
			for _, se := range e.SchemaValidationErrors {
				msgs = append(msgs, "  "+se.Reason+" at "+se.FieldPath)
			}
		}
		t.Errorf("%s %s: response %d does not match openapi.yaml:\n%s", req.Method, req.URL, res.StatusCode, strings.Join(msgs, "\n"))
	}
}
