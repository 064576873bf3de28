package tableschema_test

import (
	"errors"
	"testing"

	"github.com/passerelle/passerelle/tableschema"
)

// Check accepts what the API may store and refuses, without fetching
// anything, what it could never use.
func TestCheck(t *testing.T) {
	reg := tableschema.NewRegistry()
	_ = reg.LoadDir("testdata/registry") // broken.json is skipped: not the point here
	reg.AllowHosts = tableschema.DefaultHosts
	for _, tc := range []struct {
		ref  string
		kind error // nil: accepted
	}{
		{"demo/budget", nil},
		{"demo/budget@1.0.0", nil},
		{"https://schema.data.gouv.fr/schemas/scdl/subventions/2.1.1/schema.json", nil},
		{`{"fields": [{"name": "a"}]}`, nil},
		{"demo/inconnu", tableschema.ErrNotFound},
		{"https://169.254.169.254/latest/meta-data", tableschema.ErrNotFound},
		{"http://schema.data.gouv.fr/schemas/x.json", tableschema.ErrNotFound}, // https only
		{"https://", tableschema.ErrNotFound},
		{`{"fields": "no"}`, tableschema.ErrInvalid},
		{"/etc/passwd", tableschema.ErrNotFound}, // never a server's file
	} {
		err := reg.Check(tc.ref)
		if (tc.kind == nil) != (err == nil) || (tc.kind != nil && !errors.Is(err, tc.kind)) {
			t.Errorf("Check(%q) = %v, want %v", tc.ref, err, tc.kind)
		}
		if te, ok := errors.AsType[*tableschema.Error](err); err != nil && (!ok || te.MsgFR == "") {
			t.Errorf("Check(%q): %v has no French message", tc.ref, err)
		}
	}
}
