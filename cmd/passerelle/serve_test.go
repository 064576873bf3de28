package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/passerelle/passerelle/storage/storagetest"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// syncBuffer is a bytes.Buffer that a running server writes to while the
// test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLine is one JSON log record.
type logLine map[string]any

// parseLog decodes the JSON log records in s, skipping other lines.
func parseLog(s string) []logLine {
	var out []logLine
	for _, line := range strings.Split(s, "\n") {
		var l logLine
		if json.Unmarshal([]byte(line), &l) == nil {
			out = append(out, l)
		}
	}
	return out
}

// findLog returns the first record with this message, or nil.
func findLog(records []logLine, msg string) logLine {
	for _, l := range records {
		if l["msg"] == msg {
			return l
		}
	}
	return nil
}

// server is `passerelle serve` running in the test process.
type server struct {
	t      *testing.T
	URL    string // http://127.0.0.1:PORT
	stderr *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// startServe runs `passerelle serve args…` in a goroutine, finds the port
// it listens on in its "listening" log record (the tests give it
// 127.0.0.1:0, a free loopback port chosen by the kernel), and waits until
// /healthz answers. The server is stopped when the test ends if the test
// did not stop it.
func startServe(t *testing.T, args ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{t: t, stderr: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- run(ctx, append([]string{"serve"}, args...), io.Discard, s.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(30 * time.Second):
			t.Error("server still running 30s after the test ended")
		}
	})

	deadline := time.Now().Add(30 * time.Second)
	for s.URL == "" {
		select {
		case err := <-s.done:
			s.done <- err
			t.Fatalf("serve stopped before listening: %v\nstderr: %s", err, s.stderr)
		case <-time.After(10 * time.Millisecond):
		}
		if l := findLog(parseLog(s.stderr.String()), "listening"); l != nil {
			addr, _ := l["addr"].(string)
			s.URL = "http://" + addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not log its address within 30s; stderr: %s", s.stderr)
		}
	}
	for {
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s/healthz did not answer 200 within 30s: %v", s.URL, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop cancels the server's context, as SIGTERM does, and returns what run
// returned.
func (s *server) stop() error {
	s.t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		s.done <- err // for the cleanup
		return err
	case <-time.After(30 * time.Second):
		s.t.Fatalf("serve did not return within 30s of its context ending; stderr: %s", s.stderr)
		return nil
	}
}

// log returns the server's log records so far.
func (s *server) log() []logLine { return parseLog(s.stderr.String()) }

// envelope is a CKAN API response.
type envelope struct {
	Success bool           `json:"success"`
	Result  any            `json:"result"`
	Error   map[string]any `json:"error"`
}

// action calls a CKAN action: GET with a query string when body is nil,
// else POST with a JSON body.
func (s *server) action(name, token string, body any) (int, envelope) {
	s.t.Helper()
	var req *http.Request
	var err error
	if body == nil {
		req, err = http.NewRequest(http.MethodGet, s.URL+"/api/3/action/"+name, nil)
	} else {
		b, _ := json.Marshal(body)
		req, err = http.NewRequest(http.MethodPost, s.URL+"/api/3/action/"+name, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
	}
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s: %v", name, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var env envelope
	if err := json.Unmarshal(raw, &env); err != nil {
		s.t.Fatalf("%s: answer is not JSON (%v): %s", name, err, raw)
	}
	return resp.StatusCode, env
}

// mustAction calls an action and fails the test unless it succeeds.
func (s *server) mustAction(name, token string, body any) map[string]any {
	s.t.Helper()
	status, env := s.action(name, token, body)
	if status != http.StatusOK || !env.Success {
		s.t.Fatalf("%s: %d %v", name, status, env.Error)
	}
	m, _ := env.Result.(map[string]any)
	return m
}

func TestServe(t *testing.T) {
	dir := t.TempDir()
	const bootstrap = "bootstrap-secret-for-tests"
	s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--site-title", "Données de Test", "--log-level", "debug")

	t.Run("status_show", func(t *testing.T) {
		st := s.mustAction("status_show", "", nil)
		if st["site_title"] != "Données de Test" || st["site_url"] != s.URL {
			t.Errorf("status_show = %v, want site_title from --site-title and site_url %s", st, s.URL)
		}
	})
	t.Run("readyz and metrics", func(t *testing.T) {
		for _, path := range []string{"/readyz", "/metrics"} {
			resp, err := http.Get(s.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %s", path, resp.Status)
			}
		}
	})
	t.Run("request log", func(t *testing.T) {
		s.action("status_show", "", nil)
		found := false
		for _, l := range s.log() {
			if l["status"] != nil && strings.Contains(fmt.Sprint(l), "status_show") {
				found = true
			}
		}
		if !found {
			t.Errorf("no access log record for status_show in:\n%s", s.stderr)
		}
	})
	t.Run("healthcheck", func(t *testing.T) {
		mustRun(t, "healthcheck", "--url", s.URL+"/healthz")
	})
	t.Run("no token without bootstrap", func(t *testing.T) {
		status, env := s.action("organization_create", bootstrap, map[string]any{"name": "ville-x"})
		if status != http.StatusForbidden || env.Success {
			t.Errorf("organization_create with a token that was never stored: %d %v, want 403", status, env.Error)
		}
	})

	if err := s.stop(); err != nil {
		t.Fatalf("serve returned %v after its context ended, want nil", err)
	}
	if findLog(s.log(), "shutting down") == nil || findLog(s.log(), "stopped") == nil {
		t.Errorf("no shutdown records in the log:\n%s", s.stderr)
	}
	if _, err := http.Get(s.URL + "/healthz"); err == nil {
		t.Error("server still answers after run returned")
	}
}

func TestServeBootstrapToken(t *testing.T) {
	const secret = "bootstrap-secret-for-tests"
	t.Run("first sysadmin token", func(t *testing.T) {
		dir := t.TempDir()
		// An editor token is no sysadmin token: the bootstrap token is
		// still stored.
		mustRun(t, "org", "create", "ville-a", "--data-dir", dir)
		mustRun(t, "token", "create", "--name", "agent", "--org", "ville-a", "--data-dir", dir)

		s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--bootstrap-token", secret)
		if findLog(s.log(), "bootstrap token stored as the first sysadmin token") == nil {
			t.Errorf("no log record of the bootstrap token:\n%s", s.stderr)
		}
		org := s.mustAction("organization_create", secret, map[string]any{"name": "ville-x", "title": "Ville de X"})
		if org["name"] != "ville-x" {
			t.Errorf("organization_create = %v", org)
		}
		if strings.Contains(s.stderr.String(), secret) {
			t.Error("the bootstrap token appears in the log")
		}
		if err := s.stop(); err != nil {
			t.Fatal(err)
		}

		// Started again with the same setting, it neither stores another
		// token nor forgets the first.
		s = startServe(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--bootstrap-token", secret)
		if findLog(s.log(), "bootstrap token stored as the first sysadmin token") != nil {
			t.Error("bootstrap token stored a second time")
		}
		s.mustAction("organization_create", secret, map[string]any{"name": "ville-y"})
		if err := s.stop(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("sysadmin token exists", func(t *testing.T) {
		dir := t.TempDir()
		out, _ := mustRun(t, "token", "create", "--name", "admin", "--sysadmin", "--data-dir", dir)
		admin := strings.TrimSpace(out)

		s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--bootstrap-token", secret)
		if findLog(s.log(), "bootstrap token stored as the first sysadmin token") != nil {
			t.Error("bootstrap token stored although a sysadmin token exists")
		}
		status, env := s.action("organization_create", secret, map[string]any{"name": "ville-x"})
		if status != http.StatusForbidden || env.Success || env.Error["__type"] != "Authorization Error" {
			t.Errorf("organization_create with the ignored bootstrap token: %d %v, want 403 Authorization Error", status, env.Error)
		}
		s.mustAction("organization_create", admin, map[string]any{"name": "ville-x"})
		if err := s.stop(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestServeEnvironment checks serve's flags through PASSERELLE_* variables,
// then the same flags given explicitly over those variables.
func TestServeEnvironment(t *testing.T) {
	envDir, flagDir := t.TempDir(), t.TempDir()
	t.Setenv("PASSERELLE_DATA_DIR", envDir)
	t.Setenv("PASSERELLE_ADDR", "127.0.0.1:0")
	t.Setenv("PASSERELLE_BASE_URL", "https://env.example.fr")
	t.Setenv("PASSERELLE_BOOTSTRAP_TOKEN", "env-token")
	t.Setenv("PASSERELLE_SITE_TITLE", "Titre env")
	t.Setenv("PASSERELLE_SITE_DESCRIPTION", "Description env")
	t.Setenv("PASSERELLE_SHUTDOWN_TIMEOUT", "7s")
	t.Setenv("PASSERELLE_LOG_LEVEL", "debug")

	t.Run("from the environment", func(t *testing.T) {
		s := startServe(t)
		if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
			t.Errorf("PASSERELLE_ADDR: listening on %s", s.URL)
		}
		st := s.mustAction("status_show", "", nil)
		if st["site_url"] != "https://env.example.fr" || st["site_title"] != "Titre env" || st["site_description"] != "Description env" {
			t.Errorf("status_show = %v, want the environment's values", st)
		}
		s.mustAction("organization_create", "env-token", map[string]any{"name": "ville-env"})
		if err := s.stop(); err != nil {
			t.Fatal(err)
		}
		if l := findLog(s.log(), "shutting down"); l == nil || l["timeout"] != "7s" {
			t.Errorf("PASSERELLE_SHUTDOWN_TIMEOUT: shutdown record %v, want timeout 7s", l)
		}
		findOrg(t, envDir, "ville-env")
	})
	t.Run("flags win", func(t *testing.T) {
		t.Setenv("PASSERELLE_ADDR", "256.0.0.1:99999") // would fail
		t.Setenv("PASSERELLE_LOG_LEVEL", "loud")       // would fail
		s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", flagDir, "--base-url", "https://flag.example.fr",
			"--bootstrap-token", "flag-token", "--site-title", "Titre flag", "--site-description", "Description flag",
			"--shutdown-timeout", "3s", "--log-level", "info")
		st := s.mustAction("status_show", "", nil)
		if st["site_url"] != "https://flag.example.fr" || st["site_title"] != "Titre flag" || st["site_description"] != "Description flag" {
			t.Errorf("status_show = %v, want the flags' values", st)
		}
		if status, _ := s.action("organization_create", "env-token", map[string]any{"name": "ville-a"}); status != http.StatusForbidden {
			t.Errorf("the environment's bootstrap token works (%d) although --bootstrap-token was given", status)
		}
		s.mustAction("organization_create", "flag-token", map[string]any{"name": "ville-flag"})
		if err := s.stop(); err != nil {
			t.Fatal(err)
		}
		if l := findLog(s.log(), "shutting down"); l == nil || l["timeout"] != "3s" {
			t.Errorf("--shutdown-timeout: shutdown record %v, want timeout 3s", l)
		}
		findOrg(t, flagDir, "ville-flag")
	})
}

func TestServeAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, _, err = runCLI(t, "serve", "--addr", ln.Addr().String(), "--data-dir", t.TempDir())
	if err == nil {
		t.Fatal("serve on an address in use succeeded")
	}
	plainSentence(t, describe(err), "listen on "+ln.Addr().String())
}

func TestHealthcheck(t *testing.T) {
	t.Run("server down", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		plainSentence(t, mustFail(t, "healthcheck", "--url", "http://"+addr+"/healthz"), "health check")
	})
	t.Run("follows PASSERELLE_ADDR", func(t *testing.T) {
		s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(s.URL, "http://"))
		for _, addr := range []string{":" + port, "0.0.0.0:" + port, "127.0.0.1:" + port} {
			t.Setenv("PASSERELLE_ADDR", addr)
			mustRun(t, "healthcheck")
		}
		t.Setenv("PASSERELLE_ADDR", "127.0.0.1:1")
		mustRun(t, "healthcheck", "--addr", ":"+port)
		mustRun(t, "healthcheck", "--url", s.URL+"/healthz")
	})
	t.Run("default address", func(t *testing.T) {
		c := healthcheckCmd{Addr: ":8080"}
		if u, err := c.healthURL(); err != nil || u != "http://127.0.0.1:8080/healthz" {
			t.Errorf("healthURL() = %q, %v; want http://127.0.0.1:8080/healthz", u, err)
		}
		c = healthcheckCmd{Addr: "[::1]:9000"}
		if u, err := c.healthURL(); err != nil || u != "http://[::1]:9000/healthz" {
			t.Errorf("healthURL() = %q, %v; want http://[::1]:9000/healthz", u, err)
		}
		plainSentence(t, mustFail(t, "healthcheck", "--addr", "no-port"), "no-port")
	})
	t.Run("not 200", func(t *testing.T) {
		s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
		plainSentence(t, mustFail(t, "healthcheck", "--url", s.URL+"/nowhere"), "404")
	})
}

// TestSignal runs the built binary and stops it with SIGTERM, as a
// container runtime or systemd does.
func TestSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to build the binary with")
	}
	bin := filepath.Join(t.TempDir(), "passerelle")
	build := exec.Command(goTool, "build", "-o", bin, "-ldflags", "-X main.version=v0.0.0-signal-test", ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	out, err := exec.Command(bin, "version").Output()
	if err != nil || string(out) != "passerelle v0.0.0-signal-test\n" {
		t.Errorf("passerelle version: %q, %v", out, err)
	}

	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		t.Run(sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
			cmd.Env = append(os.Environ(), "PASSERELLE_SHUTDOWN_TIMEOUT=10s")
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { cmd.Process.Kill() })

			var logged syncBuffer
			addrc := make(chan string, 1)
			scanned := make(chan struct{})
			go func() {
				defer close(scanned)
				sc := bufio.NewScanner(stderr)
				for sc.Scan() {
					logged.Write(append(sc.Bytes(), '\n'))
					if l := findLog(parseLog(sc.Text()), "listening"); l != nil {
						addr, _ := l["addr"].(string)
						addrc <- addr
					}
				}
			}()
			var addr string
			select {
			case addr = <-addrc:
			case <-time.After(30 * time.Second):
				t.Fatalf("the binary did not log its address within 30s:\n%s", logged.String())
			}
			resp, err := http.Get("http://" + addr + "/api/3/action/status_show")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status_show: %s", resp.Status)
			}

			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			waited := make(chan error, 1)
			go func() {
				<-scanned // Wait closes the pipe: read it all first
				waited <- cmd.Wait()
			}()
			select {
			case err := <-waited:
				if err != nil {
					t.Errorf("after %s the binary exited with %v, want status 0\n%s", sig, err, logged.String())
				}
			case <-time.After(30 * time.Second):
				t.Fatalf("the binary still runs 30s after %s", sig)
			}
			if findLog(parseLog(logged.String()), "stopped") == nil {
				t.Errorf("no \"stopped\" record after %s:\n%s", sig, logged.String())
			}
		})
	}
}

// postgresURL returns a URL of a fresh schema on the test PostgreSQL
// server, dropped when the test ends. Like storagetest, it skips the test
// when none is configured, and fails under CI=true.
func postgresURL(t *testing.T) string {
	t.Helper()
	base := os.Getenv(storagetest.PostgresURLEnv)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: CI must run the PostgreSQL suite", storagetest.PostgresURLEnv)
		}
		t.Skipf("PostgreSQL test skipped: set %s=postgres://… to run it", storagetest.PostgresURLEnv)
	}
	admin, err := gorm.Open(postgres.Open(base), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("connect to PostgreSQL: %v", err)
	}
	sqlAdmin, _ := admin.DB()
	t.Cleanup(func() { sqlAdmin.Close() })
	schema := fmt.Sprintf("cli_test_%d", time.Now().UnixNano())
	if err := admin.Exec("CREATE SCHEMA " + schema).Error; err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestPostgres runs the commands on PostgreSQL with --database-url and
// PASSERELLE_DATABASE_URL.
func TestPostgres(t *testing.T) {
	dbURL := postgresURL(t)
	dir := t.TempDir() // must stay empty: the catalogue is in PostgreSQL
	mustRun(t, "org", "create", "ville-pg", "--title", "Ville PG", "--database-url", dbURL, "--data-dir", dir)
	t.Setenv("PASSERELLE_DATABASE_URL", dbURL)
	out, _ := mustRun(t, "token", "create", "--name", "agent", "--org", "ville-pg", "--data-dir", dir)
	editor := strings.TrimSpace(out)

	s := startServe(t, "--addr", "127.0.0.1:0", "--data-dir", dir, "--bootstrap-token", "pg-bootstrap")
	if l := findLog(s.log(), "listening"); l == nil || l["database"] != "postgres" {
		t.Errorf("listening record %v, want database postgres", l)
	}
	if org := s.mustAction("organization_show", "", map[string]any{"id": "ville-pg"}); org["title"] != "Ville PG" {
		t.Errorf("organization_show = %v", org)
	}
	s.mustAction("organization_create", "pg-bootstrap", map[string]any{"name": "ville-pg2"})
	ds := s.mustAction("package_create", editor, map[string]any{"name": "budget", "title": "Budget", "owner_org": "ville-pg", "license_id": "lov2"})
	if ds["name"] != "budget" {
		t.Errorf("package_create = %v", ds)
	}
	if err := s.stop(); err != nil {
		t.Fatal(err)
	}
	// With PostgreSQL, the data directory keeps only files (blobs and
	// their temporary directory): no SQLite catalogue or datastore.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "blobs" && e.Name() != "tmp" {
			t.Errorf("data directory holds %s with a PostgreSQL catalogue", e.Name())
		}
	}
}
