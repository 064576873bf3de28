package converters

import (
	"strconv"
	"testing"
)

func TestScanNumber(t *testing.T) {
	tests := []struct {
		in             string
		ok, integer    bool
		leadingZero    bool
		canonical      string
		integralDigits int
	}{
		{"1234", true, true, false, "1234", 4},
		{"-12", true, true, false, "-12", 2},
		{"+7", true, true, false, "7", 1},
		{"1 234", true, true, false, "1234", 4},
		{"40 000,00", true, false, false, "40000.00", 5},
		{"1\u00a0234,5", true, false, false, "1234.5", 0},
		{"1\u202f234", true, true, false, "1234", 4},
		{"346,50", true, false, false, "346.50", 0},
		{"1.234,56", true, false, false, "1234.56", 0},
		{"1,234.56", true, false, false, "1234.56", 0},
		{"1.234.567", true, true, false, "1234567", 7},
		{"2400.0", true, false, false, "2400.0", 4},
		{"1.35e6", true, false, false, "1.35e6", 0},
		{",5", true, false, false, "0.5", 0},
		{"01053", true, true, true, "01053", 5},
		{"0", true, true, false, "0", 1},
		{"0,5", true, false, false, "0.5", 0},
		{"12 34", false, false, false, "", 0},
		{"1 2345", false, false, false, "", 0},
		{"2A004", false, false, false, "", 0},
		{"3,7kW", false, false, false, "", 0},
		{"1.2.3", false, false, false, "", 0},
		{"5.", false, false, false, "", 0},
		{"-", false, false, false, "", 0},
		{"1e", false, false, false, "", 0},
		{"NaN", false, false, false, "", 0},
		{"06 12 34 56 78", false, false, false, "", 0},
	}
	for _, tc := range tests {
		ni := scanNumber(tc.in)
		if ni.ok != tc.ok || (ni.ok && (ni.integer != tc.integer || ni.leadingZero != tc.leadingZero)) {
			t.Errorf("scanNumber(%q) = %+v, want ok %v integer %v leadingZero %v", tc.in, ni, tc.ok, tc.integer, tc.leadingZero)
			continue
		}
		if !ni.ok {
			continue
		}
		got := string(appendNumber(nil, tc.in))
		if ni.plain {
			got = tc.in
		}
		if got != tc.canonical {
			t.Errorf("canonical(%q) = %q, want %q", tc.in, got, tc.canonical)
		}
		if _, err := strconv.ParseFloat(got, 64); err != nil {
			t.Errorf("canonical(%q) = %q does not parse: %v", tc.in, got, err)
		}
	}
}

func TestParseDate(t *testing.T) {
	tests := []struct {
		in, want string
		time     bool
	}{
		{"2017-12-21", "2017-12-21", false},
		{"2017/09/08", "2017-09-08", false},
		{"29/05/2012", "2012-05-29", false},
		{"1/2/2020", "2020-02-01", false},
		{"29.02.2024", "2024-02-29", false},
		{"21-12-2017", "2017-12-21", false},
		{"2020-05-11T14:08:32Z", "2020-05-11T14:08:32Z", true},
		{"2020-05-11 14:08", "2020-05-11T14:08:00", true},
		{"12/05/2020 10:00:00", "2020-05-12T10:00:00", true},
		{"2020-05-11T14:08:32.5+02:00", "2020-05-11T14:08:32.5+02:00", true},
		{"29/02/2023", "", false},
		{"31/04/2020", "", false},
		{"2020-13-01", "", false},
		{"12/2020", "", false},
		{"2017-01-01_2017-12-31", "", false},
		{"2019-02-15/2022-02-14", "", false},
		{"Oct 2021", "", false},
		{"20200511", "", false},
		{"2020-05-11T25:00", "", false},
		{"1234-03", "", false},
	}
	for _, tc := range tests {
		p := parseDate(tc.in)
		if (tc.want != "") != p.ok {
			t.Errorf("parseDate(%q).ok = %v, want %v", tc.in, p.ok, tc.want != "")
			continue
		}
		if !p.ok {
			continue
		}
		var got string
		if p.hasTime {
			got = string(appendISODatetime(nil, p))
		} else {
			got = string(appendISODate(nil, p))
		}
		if got != tc.want || p.hasTime != tc.time {
			t.Errorf("parseDate(%q) = %q (time %v), want %q (time %v)", tc.in, got, p.hasTime, tc.want, tc.time)
		}
	}
}

func TestName(t *testing.T) {
	tests := map[string]string{
		"idAttribuant":                         "id_attribuant",
		"NomAttribuant":                        "nom_attribuant",
		"COLL_SIRET":                           "coll_siret",
		"TXCOUVGLO_COM_2014":                   "txcouvglo_com_2014",
		" Nom attributaire* ":                  "nom_attributaire",
		"Date de dernière opération sur la DP": "date_de_derniere_operation_sur_la_dp",
		"N° EJ":                                "n_ej",
		"Mise en œuvre":                        "mise_en_oeuvre",
		"% du mt":                              "pct_du_mt",
		"Montant (€)":                          "montant_eur",
		"HTMLPage":                             "html_page",
		"Лист":                                 "",
		"":                                     "",
	}
	for in, want := range tests {
		if got := Name(in); got != want {
			t.Errorf("Name(%q) = %q, want %q", in, got, want)
		}
	}
	got := Names([]string{"a", "A", "", "a_2", "#"})
	want := []string{"a", "a_2", "column_3", "a_2_2", "num"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Names = %q, want %q", got, want)
			break
		}
	}
}

func TestNumberFormats(t *testing.T) {
	kinds := map[string]numKind{
		"General": numGeneral, "0.00": numGeneral, "#,##0.00\" €\"": numGeneral, "0.00E+00": numGeneral, "@": numGeneral,
		"dd/mm/yyyy": numDate, "[$-40C]d mmmm yyyy": numDate, "mmm-yy": numDate, "d\\-m\\-yy": numDate,
		"hh:mm": numTime, "[h]:mm:ss": numTime, "mm:ss": numTime,
		"dd/mm/yyyy hh:mm": numDatetime, "[Red]dd/mm/yyyy;@": numDate, "\"day\" 0": numGeneral,
	}
	for code, want := range kinds {
		if got := formatKind(code); got != want {
			t.Errorf("formatKind(%q) = %v, want %v", code, got, want)
		}
	}
	serials := []struct {
		raw  string
		kind numKind
		d    bool
		want string
	}{
		{"42159", numDate, false, "2015-06-04"},
		{"43075.8577", numDatetime, false, "2017-12-06T20:35:05"},
		{"1", numDate, false, "1900-01-01"},
		{"61", numDate, false, "1900-03-01"},
		{"44941.5", numDatetime, false, "2023-01-15T12:00:00"},
		{"0.75", numTime, false, "18:00:00"},
		{"0", numDate, true, "1904-01-01"},
		{"43075.99999999", numDatetime, false, "2017-12-07T00:00:00"},
	}
	for _, tc := range serials {
		got, ok := appendSerial(nil, tc.raw, tc.kind, tc.d)
		if !ok || string(got) != tc.want {
			t.Errorf("appendSerial(%s) = %q %v, want %q", tc.raw, got, ok, tc.want)
		}
	}
	for _, raw := range []string{"-1", "abc", "1e300"} {
		if _, ok := appendSerial(nil, raw, numDate, false); ok {
			t.Errorf("appendSerial(%q) accepted", raw)
		}
	}
	floats := map[string]string{"274.65999999999997": "274.66", "60.564999999999998": "60.565", "1.35e6": "1350000",
		"0.1": "0.1", "1E-3": "0.001", "2400.0": "2400", "12345678901234567890": "12345678901234600000", "-0": "-0"}
	for raw, want := range floats {
		if got := formatFloat(raw); got != want {
			t.Errorf("formatFloat(%q) = %q, want %q", raw, got, want)
		}
	}
}

func TestSniffEncoding(t *testing.T) {
	tests := []struct {
		in   string
		want string
		bom  int
	}{
		{"a;b\n1;2\n", EncodingUTF8, 0},
		{"\xEF\xBB\xBFa;é\n", EncodingUTF8, 3},
		{"\xEF\xBB\xBFa;\xE9\x9C\n", EncodingCP1252, 3},
		{"a;\xE9t\xE9\n", EncodingLatin1, 0},
		{"prix;5 \xA4\n", EncodingLatin9, 0},
		{"\xFF\xFEa\x00;\x00", EncodingUTF16LE, 2},
		{"\xFE\xFF\x00a\x00;", EncodingUTF16BE, 2},
		{"a\x00;\x00b\x00\n\x001\x00;\x002\x00\n\x00", EncodingUTF16LE, 0},
	}
	for _, tc := range tests {
		g := sniffEncoding([]byte(tc.in), true)
		if g.name != tc.want || g.bom != tc.bom {
			t.Errorf("sniffEncoding(%q) = %s bom %d, want %s bom %d", tc.in, g.name, g.bom, tc.want, tc.bom)
		}
	}
	if got, ok := repairMojibake("Aide notifiée Ã\u00a0 l'Europe"); !ok || got != "Aide notifiée à l'Europe" {
		t.Errorf("repairMojibake = %q %v", got, ok)
	}
	if _, ok := repairMojibake("Ã la carte"); ok {
		t.Errorf("repairMojibake changed text that is not mojibake")
	}
}

func TestSniffDelimiter(t *testing.T) {
	tests := map[string]byte{
		"a;b;c\n1;2,5;3\n4;5,5;6\n":        ';',
		"a,b\n\"x;y\",2\n\"z;w\",3\n":      ',',
		"a\tb\tc\n1\t2,5\t\"x\"\n":         '\t',
		"a|b|c\n1|2,5|x\n3|4,5|y\n":        '|',
		"nom;montant\nDupont;1,5\nX;2,5\n": ';',
		"single\ncolumn\n":                 ',',
	}
	for in, want := range tests {
		if got := sniffDelimiter([]byte(in), true); got != want {
			t.Errorf("sniffDelimiter(%q) = %q, want %q", in, got, want)
		}
	}
}
