package catalog_test

import (
	"strings"
	"testing"

	"github.com/passerelle/passerelle/catalog"
)

func TestValidateName(t *testing.T) {
	for name, want := range map[string]string{
		"budget-2024": "", "ab": "", "a_b": "", strings.Repeat("a", 100): "",
		"": "Missing value", "a": "Must be at least 2 characters long",
		strings.Repeat("a", 101): "Name must be a maximum of 100 characters long",
		"Budget":                 "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_",
		"été":                    "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_",
		"a b":                    "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_",
		"../x":                   "Must be purely lowercase alphanumeric (ascii) characters and these symbols: -_",
		"edit":                   `Name "edit" is reserved`,
	} {
		fe := catalog.FieldErrors{}
		catalog.ValidateName(fe, "name", name)
		got := strings.Join(fe["name"], "; ")
		if got != want {
			t.Errorf("%q: got %q, want %q", name, got, want)
		}
	}
}

func TestNormalizeFrequency(t *testing.T) {
	for in, want := range map[string]string{
		"MONTHLY": "MONTHLY", "monthly": "MONTHLY", "annual": "ANNUAL", "punctual": "NEVER",
		"semiannual": "ANNUAL_2", "continuous": "UPDATE_CONT", "irregular": "IRREG",
		"http://publications.europa.eu/resource/authority/frequency/WEEKLY": "WEEKLY",
		"https://publications.europa.eu/resource/authority/frequency/DAILY": "DAILY",
	} {
		got, ok := catalog.NormalizeFrequency(in)
		if !ok || got != catalog.FrequencyBase+want {
			t.Errorf("%q: got %q %v", in, got, ok)
		}
	}
	for _, bad := range []string{"sometimes", "http://example.org/frequency/MONTHLY", catalog.FrequencyBase + "FORTNIGHTLY"} {
		if _, ok := catalog.NormalizeFrequency(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestNormalizeTheme(t *testing.T) {
	if got, ok := catalog.NormalizeTheme("econ"); !ok || got != catalog.DataThemeBase+"ECON" {
		t.Errorf("econ: %q %v", got, ok)
	}
	if _, ok := catalog.NormalizeTheme("SPORT"); ok {
		t.Error("SPORT accepted")
	}
	for _, th := range catalog.DataThemes() {
		if th.LabelFR == "" || th.LabelEN == "" {
			t.Errorf("%s has no label", th.Code)
		}
	}
}

func TestAuthorisationRules(t *testing.T) {
	var anon *catalog.Principal
	editor := &catalog.Principal{OrgID: "org-a"}
	admin := &catalog.Principal{Sysadmin: true}
	public := &catalog.Dataset{OwnerOrg: "org-a", State: catalog.StateActive}
	private := &catalog.Dataset{OwnerOrg: "org-a", State: catalog.StateActive, Private: true}
	deleted := &catalog.Dataset{OwnerOrg: "org-a", State: catalog.StateDeleted}
	other := &catalog.Dataset{OwnerOrg: "org-b", State: catalog.StateDraft}
	cases := []struct {
		p    *catalog.Principal
		d    *catalog.Dataset
		read bool
	}{
		{anon, public, true}, {anon, private, false}, {anon, deleted, false},
		{editor, private, true}, {editor, deleted, true}, {editor, other, false},
		{admin, other, true},
	}
	for i, tc := range cases {
		if got := tc.p.CanReadDataset(tc.d); got != tc.read {
			t.Errorf("case %d: CanReadDataset = %v", i, got)
		}
	}
	if anon.CanWriteOrg("org-a") || !editor.CanWriteOrg("org-a") || editor.CanWriteOrg("org-b") || editor.CanWriteOrg("") || !admin.CanWriteOrg("org-b") {
		t.Error("CanWriteOrg rules broken")
	}
	if (&catalog.Principal{}).CanWriteOrg("") {
		t.Error("a token without organisation may write datasets without organisation")
	}
}

func TestTokenSecrets(t *testing.T) {
	a, err := catalog.NewTokenSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := catalog.NewTokenSecret()
	if a == b || !strings.HasPrefix(a, "psl_") || len(a) < 40 {
		t.Errorf("secrets %q %q", a, b)
	}
	ha, again := catalog.HashToken(a), catalog.HashToken(a)
	if ha == catalog.HashToken(b) || ha != again || strings.Contains(ha, a) {
		t.Error("hashes")
	}
}
