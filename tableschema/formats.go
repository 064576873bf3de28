package tableschema

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// isEmail checks an address the way the validators package used by
// frictionless does, roughly: a dot-atom or quoted local part, @, and a
// domain of at least two labels (or a bracketed IP address).
func isEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || len(s) > 320 {
		return false
	}
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 {
		return false
	}
	if len(local) >= 2 && local[0] == '"' && local[len(local)-1] == '"' {
		// Quoted local part: anything printable but unescaped quotes.
		for i := 1; i < len(local)-1; i++ {
			if local[i] == '"' && local[i-1] != '\\' || local[i] < ' ' {
				return false
			}
		}
	} else {
		if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
			return false
		}
		for _, r := range local {
			if !(r < utf8.RuneSelf && (isAlnum(byte(r)) || strings.ContainsRune("!#$%&'*+/=?^_`{|}~.-", r))) {
				return false
			}
		}
	}
	if strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]") {
		return len(domain) > 2
	}
	return isHostname(domain, true)
}

func isAlnum(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z')
}

// isHostname checks dot-separated labels of letters, digits and hyphens;
// tld asks for at least two labels, the last one alphabetic.
func isHostname(h string, tld bool) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	if tld && len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r == '-' || unicode.IsLetter(r) || unicode.IsDigit(r)) {
				return false
			}
		}
	}
	if tld {
		last := labels[len(labels)-1]
		if len(last) < 2 {
			return false
		}
		for _, r := range last {
			if !unicode.IsLetter(r) && !strings.HasPrefix(last, "xn--") {
				return false
			}
		}
	}
	return true
}

// isURI checks an absolute URL: a scheme, and for the usual schemes a
// host; no white space.
func isURI(s string) bool {
	if s == "" || strings.ContainsFunc(s, unicode.IsSpace) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		return false
	}
	for i, r := range u.Scheme {
		if !(r < utf8.RuneSelf && (isAlnum(byte(r)) || (i > 0 && strings.ContainsRune("+-.", r)))) {
			return false
		}
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "ftp", "ftps", "ws", "wss":
		host := u.Hostname()
		if host == "" {
			return false
		}
		if strings.HasPrefix(u.Host, "[") || host == "localhost" {
			return true
		}
		if strings.Trim(host, "0123456789.") == "" {
			return strings.Count(host, ".") == 3
		}
		return isHostname(host, true)
	}
	return u.Opaque != "" || u.Host != "" || u.Path != ""
}

// isUUID accepts what Python's uuid.UUID reads: 32 hexadecimal digits,
// with or without hyphens, braces or a "urn:uuid:" prefix.
func isUUID(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "urn:"), "uuid:")
	s = strings.Trim(s, "{}")
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-':
		case isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F'):
			n++
		default:
			return false
		}
	}
	return n == 32
}

// isBase64 accepts standard or URL-safe base64, padded or not.
func isBase64(s string) bool {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if _, err := enc.DecodeString(s); err == nil {
			return true
		}
	}
	return false
}

// parseYear reads a year: four digits (frictionless takes int() of a
// four-character cell).
func parseYear(s string) (int, bool) {
	y, ok := digits4(s, 0)
	return y, ok && len(s) == 4
}

// parseYearMonth reads YYYY-MM (the month may lose its zero).
func parseYearMonth(s string) (int, int, bool) {
	y, m, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, false
	}
	yi, err1 := strconv.Atoi(y)
	mi, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || mi < 1 || mi > 12 || yi < 0 || strings.ContainsAny(y+m, "+-") {
		return 0, 0, false
	}
	return yi, mi, true
}

// parseDuration reads an ISO 8601 duration with designators
// (P1Y2M10DT2H30M, P3W, -P1D); components may carry a fraction. It
// returns an approximate length in seconds (a month is 30.44 days), for
// minimum and maximum.
func parseDuration(s string) (float64, bool) {
	sign := 1.0
	if s != "" && (s[0] == '-' || s[0] == '+') {
		if s[0] == '-' {
			sign = -1
		}
		s = s[1:]
	}
	if len(s) < 2 || s[0] != 'P' {
		return 0, false
	}
	s = s[1:]
	total := 0.0
	inTime := false
	units := "YMWD"
	any := false
	for s != "" {
		if s[0] == 'T' {
			if inTime {
				return 0, false
			}
			inTime, units = true, "HMS"
			s = s[1:]
			if s == "" {
				return 0, false
			}
			continue
		}
		i := 0
		for i < len(s) && (isDigit(s[i]) || s[i] == '.' || s[i] == ',') {
			i++
		}
		if i == 0 || i == len(s) {
			return 0, false
		}
		v, err := strconv.ParseFloat(strings.Replace(s[:i], ",", ".", 1), 64)
		if err != nil {
			return 0, false
		}
		u := s[i]
		k := strings.IndexByte(units, u)
		if k < 0 {
			return 0, false
		}
		units = units[k+1:] // designators come in order, once each
		var secs float64
		switch {
		case !inTime && u == 'Y':
			secs = 365.2425 * 86400
		case !inTime && u == 'M':
			secs = 30.436875 * 86400
		case u == 'W':
			secs = 7 * 86400
		case u == 'D':
			secs = 86400
		case u == 'H':
			secs = 3600
		case inTime && u == 'M':
			secs = 60
		case u == 'S':
			secs = 1
		}
		total += v * secs
		any = true
		s = s[i+1:]
	}
	return sign * total, any
}

// parseGeopoint reads a point in the field's format: "lon, lat"
// (default), "[lon, lat]" (array) or {"lon": …, "lat": …} (object); the
// coordinates must be within ±180 and ±90.
func parseGeopoint(s, format string) (lon, lat float64, ok bool) {
	switch format {
	case "array":
		var v []json.Number
		if decodeJSON([]byte(s), &v) != nil || len(v) != 2 {
			return 0, 0, false
		}
		lon, err1 := v[0].Float64()
		lat, err2 := v[1].Float64()
		if err1 != nil || err2 != nil {
			return 0, 0, false
		}
		return lon, lat, inRange(lon, lat)
	case "object":
		var v map[string]json.Number
		if decodeJSON([]byte(s), &v) != nil || len(v) != 2 {
			return 0, 0, false
		}
		a, okLon := v["lon"]
		b, okLat := v["lat"]
		if !okLon || !okLat {
			return 0, 0, false
		}
		lon, err1 := a.Float64()
		lat, err2 := b.Float64()
		if err1 != nil || err2 != nil {
			return 0, 0, false
		}
		return lon, lat, inRange(lon, lat)
	}
	a, b, found := strings.Cut(s, ",")
	if !found || strings.Contains(b, ",") {
		return 0, 0, false
	}
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	if !scanDecimal(a) || !scanDecimal(b) {
		return 0, 0, false
	}
	lon, lat = decimalValue(a), decimalValue(b)
	return lon, lat, inRange(lon, lat)
}

func inRange(lon, lat float64) bool {
	return !math.IsNaN(lon) && !math.IsNaN(lat) && lon >= -180 && lon <= 180 && lat >= -90 && lat <= 90
}

var geojsonTypes = map[string]bool{
	"Point": true, "MultiPoint": true, "LineString": true, "MultiLineString": true, "Polygon": true,
	"MultiPolygon": true, "GeometryCollection": true, "Feature": true, "FeatureCollection": true,
}

// isGeoJSON checks a JSON object whose "type" is a GeoJSON type (or
// "Topology" for the topojson format). The full GeoJSON profile is not
// checked.
func isGeoJSON(s, format string) bool {
	var v map[string]any
	if decodeJSON([]byte(s), &v) != nil || v == nil {
		return false
	}
	t, _ := v["type"].(string)
	if format == "topojson" {
		return t == "Topology"
	}
	return geojsonTypes[t]
}

// parseJSONObject reads an object cell and returns how many members it
// has.
func parseJSONObject(s string) (map[string]any, bool) {
	var v map[string]any
	if decodeJSON([]byte(s), &v) != nil || v == nil {
		return nil, false
	}
	return v, true
}

// parseJSONArray reads an array cell.
func parseJSONArray(s string) ([]any, bool) {
	t := strings.TrimSpace(s)
	if t == "" || t[0] != '[' {
		return nil, false
	}
	var v []any
	if decodeJSON([]byte(t), &v) != nil {
		return nil, false
	}
	return v, true
}
