package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/passerelle/passerelle/catalog"
	"github.com/passerelle/passerelle/storage"
)

// TestMain clears the operator's PASSERELLE_* settings so that the tests see
// only the environment they set themselves (PASSERELLE_TEST_* are the test
// suites' own and stay).
func TestMain(m *testing.M) {
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "PASSERELLE_") && !strings.HasPrefix(k, "PASSERELLE_TEST_") {
			os.Unsetenv(k)
		}
	}
	os.Exit(m.Run())
}

// runCLI runs the command line with args and returns what it printed.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err = run(context.Background(), args, &out, &errOut)
	return out.String(), errOut.String(), err
}

// mustRun runs the command line and fails the test if it fails.
func mustRun(t *testing.T, args ...string) (stdout, stderr string) {
	t.Helper()
	stdout, stderr, err := runCLI(t, args...)
	if err != nil {
		t.Fatalf("passerelle %s: %s\nstderr: %s", strings.Join(args, " "), describe(err), stderr)
	}
	return stdout, stderr
}

// mustFail runs the command line, fails the test if it succeeds, and
// returns the message main would print.
func mustFail(t *testing.T, args ...string) string {
	t.Helper()
	stdout, _, err := runCLI(t, args...)
	if err == nil {
		t.Fatalf("passerelle %s succeeded, want an error; stdout: %q", strings.Join(args, " "), stdout)
	}
	return describe(err)
}

// openCatalog opens the SQLite catalogue in dir, closed when the test ends.
func openCatalog(t *testing.T, dir string) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), storage.Config{DataDir: dir})
	if err != nil {
		t.Fatalf("open catalogue in %s: %v", dir, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// findOrg reads an organisation back from the catalogue in dir.
func findOrg(t *testing.T, dir, name string) *catalog.Organization {
	t.Helper()
	o, err := storage.NewOrganizationService(openCatalog(t, dir)).FindOrganization(context.Background(), name)
	if err != nil {
		t.Fatalf("find organisation %s: %v", name, err)
	}
	return o
}

// authenticate returns the principal of a token secret in the catalogue in
// dir.
func authenticate(t *testing.T, dir, secret string) *catalog.Principal {
	t.Helper()
	p, err := storage.NewTokenService(openCatalog(t, dir)).Authenticate(context.Background(), secret)
	if err != nil {
		t.Fatalf("authenticate %q: %v", secret, err)
	}
	return p
}

// plainSentence fails the test unless msg reads as a message for a person:
// one line, no Go formatting leftovers, and containing want.
func plainSentence(t *testing.T, msg, want string) {
	t.Helper()
	if msg == "" || strings.Contains(msg, "\n") || strings.Contains(msg, "%!") || strings.Contains(msg, "&{") {
		t.Errorf("message %q is not a plain one-line sentence", msg)
	}
	if !strings.Contains(msg, want) {
		t.Errorf("message %q does not say %q", msg, want)
	}
}

func TestVersion(t *testing.T) {
	t.Run("built in", func(t *testing.T) {
		out, _ := mustRun(t, "version")
		if !strings.HasPrefix(out, "passerelle ") || !strings.HasSuffix(out, "\n") || len(strings.TrimSpace(out)) <= len("passerelle") {
			t.Errorf("version printed %q, want \"passerelle VERSION\\n\"", out)
		}
	})
	t.Run("set by the linker", func(t *testing.T) {
		old := version
		version = "v1.2.3"
		t.Cleanup(func() { version = old })
		if out, _ := mustRun(t, "version"); out != "passerelle v1.2.3\n" {
			t.Errorf("version printed %q, want %q", out, "passerelle v1.2.3\n")
		}
	})
}

func TestHelp(t *testing.T) {
	out, _ := mustRun(t, "--help")
	for _, cmd := range []string{"serve", "org create", "token create", "version"} {
		if !strings.Contains(out, cmd) {
			t.Errorf("--help does not list %q:\n%s", cmd, out)
		}
	}
	if strings.Contains(out, "healthcheck") {
		t.Errorf("--help lists the hidden healthcheck command:\n%s", out)
	}
}

func TestUnknownCommand(t *testing.T) {
	plainSentence(t, mustFail(t, "frobnicate"), "frobnicate")
}

var createdOrg = regexp.MustCompile(`^Created organisation ville-x \([0-9a-f-]{36}\)\n$`)

func TestOrgCreate(t *testing.T) {
	dir := t.TempDir()
	out, _ := mustRun(t, "org", "create", "ville-x", "--title", "Ville de X", "--description", "La *ville*.",
		"--siren", "213800000", "--email", "opendata@ville-x.fr", "--data-dir", dir)
	if !createdOrg.MatchString(out) {
		t.Errorf("org create printed %q, want %q", out, createdOrg)
	}
	o := findOrg(t, dir, "ville-x")
	if o.Title != "Ville de X" || o.Description != "La *ville*." || o.SIREN != "213800000" || o.Email != "opendata@ville-x.fr" {
		t.Errorf("stored organisation = %+v, want the flags' values", o)
	}
	if !strings.Contains(out, o.ID) {
		t.Errorf("org create printed %q, not the id %s", out, o.ID)
	}

	t.Run("same name twice", func(t *testing.T) {
		msg := mustFail(t, "org", "create", "ville-x", "--title", "Autre", "--data-dir", dir)
		plainSentence(t, msg, "already exists")
		if o := findOrg(t, dir, "ville-x"); o.Title != "Ville de X" {
			t.Errorf("second create changed the title to %q", o.Title)
		}
	})

	for _, tc := range []struct{ name, arg string }{
		{"spaces and capitals", "Ville X"},
		{"one character", "x"},
		{"101 characters", strings.Repeat("a", 101)},
		{"accent", "villé"},
		{"slash", "ville/x"},
	} {
		t.Run("invalid name/"+tc.name, func(t *testing.T) {
			plainSentence(t, mustFail(t, "org", "create", tc.arg, "--data-dir", dir), "name")
		})
	}
	t.Run("missing name", func(t *testing.T) {
		plainSentence(t, mustFail(t, "org", "create", "--data-dir", dir), "name")
	})
}

var tokenSecret = regexp.MustCompile(`^\S{20,}\n$`)

func TestTokenCreate(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "org", "create", "ville-x", "--title", "Ville de X", "--data-dir", dir)
	org := findOrg(t, dir, "ville-x")

	t.Run("sysadmin", func(t *testing.T) {
		out, errOut := mustRun(t, "token", "create", "--name", "me", "--sysadmin", "--data-dir", dir)
		if !tokenSecret.MatchString(out) {
			t.Fatalf("stdout = %q, want the secret alone on one line", out)
		}
		secret := strings.TrimSpace(out)
		if strings.Contains(errOut, secret) {
			t.Errorf("the secret is printed twice, on stderr too: %q", errOut)
		}
		if p := authenticate(t, dir, secret); !p.Sysadmin || p.OrgID != "" || p.Name != "me" {
			t.Errorf("token principal = %+v, want sysadmin named me", p)
		}
	})
	t.Run("editor of an organisation", func(t *testing.T) {
		for _, ref := range []string{"ville-x", org.ID} {
			out, _ := mustRun(t, "token", "create", "--name", "agent", "--org", ref, "--data-dir", dir)
			if !tokenSecret.MatchString(out) {
				t.Fatalf("stdout = %q, want the secret alone on one line", out)
			}
			if p := authenticate(t, dir, strings.TrimSpace(out)); p.Sysadmin || p.OrgID != org.ID {
				t.Errorf("--org %s: token principal = %+v, want editor of %s", ref, p, org.ID)
			}
		}
	})
	t.Run("two tokens differ", func(t *testing.T) {
		a, _ := mustRun(t, "token", "create", "--name", "a", "--sysadmin", "--data-dir", dir)
		b, _ := mustRun(t, "token", "create", "--name", "a", "--sysadmin", "--data-dir", dir)
		if a == b {
			t.Errorf("two token create printed the same secret %q", a)
		}
	})

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown organisation", []string{"--name", "x", "--org", "nowhere"}, "Organization does not exist"},
		{"neither --org nor --sysadmin", []string{"--name", "x"}, "--org"},
		{"both --org and --sysadmin", []string{"--name", "x", "--org", "ville-x", "--sysadmin"}, "--sysadmin"},
		{"no --name", []string{"--sysadmin"}, "--name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"token", "create", "--data-dir", dir}, tc.args...)
			plainSentence(t, mustFail(t, args...), tc.want)
		})
	}
}

// TestEnvironment checks that every flag can come from PASSERELLE_<FLAG>
// and that a flag on the command line wins over it. The serve flags are
// checked in TestServeEnvironment.
func TestEnvironment(t *testing.T) {
	t.Run("PASSERELLE_DATA_DIR", func(t *testing.T) {
		env, flag := t.TempDir(), t.TempDir()
		t.Setenv("PASSERELLE_DATA_DIR", env)
		mustRun(t, "org", "create", "from-env")
		if _, err := os.Stat(dataFile(env)); err != nil {
			t.Errorf("PASSERELLE_DATA_DIR: %v", err)
		}
		findOrg(t, env, "from-env")
		mustRun(t, "org", "create", "from-flag", "--data-dir", flag)
		findOrg(t, flag, "from-flag")
		if _, err := storage.NewOrganizationService(openCatalog(t, env)).FindOrganization(context.Background(), "from-flag"); err == nil {
			t.Error("--data-dir did not win over PASSERELLE_DATA_DIR")
		}
	})
	t.Run("PASSERELLE_DATABASE_URL", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("PASSERELLE_DATABASE_URL", "bogus://nowhere")
		plainSentence(t, mustFail(t, "org", "create", "ville-x", "--data-dir", dir), "bogus://nowhere")
		// An explicit empty flag means SQLite in the data directory.
		mustRun(t, "org", "create", "ville-x", "--data-dir", dir, "--database-url", "")
		findOrg(t, dir, "ville-x")
	})
	t.Run("PASSERELLE_LOG_LEVEL", func(t *testing.T) {
		t.Setenv("PASSERELLE_LOG_LEVEL", "loud")
		plainSentence(t, mustFail(t, "version"), "loud")
		mustRun(t, "version", "--log-level", "warn")
	})
	t.Run("org create flags", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("PASSERELLE_DATA_DIR", dir)
		t.Setenv("PASSERELLE_TITLE", "Titre env")
		t.Setenv("PASSERELLE_DESCRIPTION", "Description env")
		t.Setenv("PASSERELLE_SIREN", "213800000")
		t.Setenv("PASSERELLE_EMAIL", "env@example.fr")
		mustRun(t, "org", "create", "from-env")
		if o := findOrg(t, dir, "from-env"); o.Title != "Titre env" || o.Description != "Description env" || o.SIREN != "213800000" || o.Email != "env@example.fr" {
			t.Errorf("organisation from the environment = %+v", o)
		}
		mustRun(t, "org", "create", "from-flags", "--title", "Titre flag", "--description", "Description flag",
			"--siren", "217500016", "--email", "flag@example.fr")
		if o := findOrg(t, dir, "from-flags"); o.Title != "Titre flag" || o.Description != "Description flag" || o.SIREN != "217500016" || o.Email != "flag@example.fr" {
			t.Errorf("flags did not win over the environment: %+v", o)
		}
	})
	t.Run("token create flags", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("PASSERELLE_DATA_DIR", dir)
		mustRun(t, "org", "create", "ville-x")
		mustRun(t, "org", "create", "ville-y")
		x, y := findOrg(t, dir, "ville-x"), findOrg(t, dir, "ville-y")

		t.Setenv("PASSERELLE_NAME", "env-name")
		t.Setenv("PASSERELLE_ORG", "ville-x")
		out, _ := mustRun(t, "token", "create")
		if p := authenticate(t, dir, strings.TrimSpace(out)); p.Name != "env-name" || p.OrgID != x.ID || p.Sysadmin {
			t.Errorf("token from the environment = %+v, want editor of ville-x named env-name", p)
		}
		out, _ = mustRun(t, "token", "create", "--name", "flag-name", "--org", "ville-y")
		if p := authenticate(t, dir, strings.TrimSpace(out)); p.Name != "flag-name" || p.OrgID != y.ID {
			t.Errorf("flags did not win over the environment: %+v", p)
		}

		t.Setenv("PASSERELLE_ORG", "")
		t.Setenv("PASSERELLE_SYSADMIN", "true")
		out, _ = mustRun(t, "token", "create")
		if p := authenticate(t, dir, strings.TrimSpace(out)); !p.Sysadmin {
			t.Errorf("PASSERELLE_SYSADMIN=true made %+v, want a sysadmin token", p)
		}
		// A false boolean in the environment is no scope at all: it must
		// not clash with --org.
		t.Setenv("PASSERELLE_SYSADMIN", "false")
		out, _ = mustRun(t, "token", "create", "--org", "ville-x")
		if p := authenticate(t, dir, strings.TrimSpace(out)); p.Sysadmin || p.OrgID != x.ID {
			t.Errorf("PASSERELLE_SYSADMIN=false --org ville-x made %+v, want editor of ville-x", p)
		}
		plainSentence(t, mustFail(t, "token", "create"), "--org")
	})
}

func TestDescribe(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"fields sorted", &catalog.Error{Kind: catalog.KindInvalid, Fields: map[string][]string{
			"title": {"Missing value"}, "name": {"Must be purely lowercase.", "Too long."},
		}}, "name: Must be purely lowercase. Too long.; title: Missing value"},
		{"message", &catalog.Error{Kind: catalog.KindNotFound, Msg: "Organization not found"}, "Organization not found"},
		{"other error", os.ErrNotExist, "file does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := describe(tc.err); got != tc.want {
				t.Errorf("describe = %q, want %q", got, tc.want)
			}
		})
	}
}

// dataFile is the SQLite catalogue inside a data directory.
func dataFile(dir string) string { return filepath.Join(dir, "catalog.db") }
