package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/passerelle/passerelle/catalog"
)

// maxJSONBody is the default bound of a JSON or form request body
// (Limits.MaxBodyBytes); uploads have their own limit.
const maxJSONBody = 1 << 20

// badRequestError is a request CKAN refuses before running the action: it
// answers 400 with a bare JSON string, not the envelope.
type badRequestError struct{ msg string }

func (e *badRequestError) Error() string { return e.msg }

func badRequestf(format string, args ...any) error {
	return &badRequestError{msg: fmt.Sprintf(format, args...)}
}

// requestData extracts an action's parameters the way CKAN's
// _get_request_data does: the query string for GET, else a form (a lone
// field whose value is "" or "1" being a JSON document), else a JSON object
// body. A multipart file field "upload" is streamed to a temporary file
// (see readMultipart); the caller must call cleanup.
func (s *Server) requestData(r *http.Request) (data map[string]any, cleanup func(), err error) {
	cleanup = func() {}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return mixed(r.URL.Query()), cleanup, nil
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	var form map[string][]string
	switch ct {
	case "multipart/form-data":
		var up *uploadedFile
		form, up, err = s.readMultipart(r)
		if err != nil {
			return nil, cleanup, err
		}
		if up != nil {
			cleanup = up.remove
			if len(form) == 0 {
				return map[string]any{"upload": up}, cleanup, nil
			}
			data, err := formData(form)
			if err != nil {
				return nil, cleanup, err
			}
			data["upload"] = up
			return data, cleanup, nil
		}
	case "application/x-www-form-urlencoded":
		if err := s.limitBody(r); err != nil {
			return nil, cleanup, err
		}
		if err := r.ParseForm(); err != nil {
			if tooBig := s.bodyTooLarge(err); tooBig != nil {
				return nil, cleanup, tooBig
			}
			return nil, cleanup, badRequestf("JSON Error: can not read the form: %v", err)
		}
		form = r.PostForm
	}
	if form != nil {
		data, err := formData(form)
		return data, cleanup, err
	}
	if err := s.limitBody(r); err != nil {
		return nil, cleanup, err
	}
	data, err = s.readJSONBody(r)
	return data, cleanup, err
}

// limitBody refuses a body whose announced length is over the limit
// before reading any of it, and bounds one sent in chunks as it is read.
func (s *Server) limitBody(r *http.Request) error {
	limit := s.cfg.Limits.MaxBodyBytes
	if r.ContentLength > limit {
		return &tooLargeError{limit: limit}
	}
	r.Body = http.MaxBytesReader(nil, r.Body, limit)
	return nil
}

// bodyTooLarge returns the 413 error for a read that hit limitBody's
// bound, or nil for any other error.
func (s *Server) bodyTooLarge(err error) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return &tooLargeError{limit: tooBig.Limit}
	}
	return nil
}

// formData reads form fields, or the lone field holding a JSON document
// that old CKAN clients send.
func formData(form map[string][]string) (map[string]any, error) {
	if len(form) == 1 {
		for k, v := range form {
			if len(v) == 1 && (v[0] == "" || v[0] == "1") {
				return decodeJSONObject([]byte(k))
			}
		}
	}
	return mixed(form), nil
}

func (s *Server) readJSONBody(r *http.Request) (map[string]any, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		if tooBig := s.bodyTooLarge(err); tooBig != nil {
			return nil, tooBig
		}
		return nil, badRequestf("JSON Error: can not read the request body: %v", err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return map[string]any{}, nil
	}
	return decodeJSONObject(body)
}

// decodeJSONObject decodes a request's JSON object. Memory stays within a
// small multiple of len(b), which the body limit bounds, however many keys
// or items it holds; nesting is refused past maxJSONDepth before decoding.
func decodeJSONObject(b []byte) (map[string]any, error) {
	if jsonTooDeep(b, maxJSONDepth) {
		return nil, &catalog.Error{Kind: catalog.KindInvalid, Msg: fmt.Sprintf("JSON data nests arrays and objects more than %d levels deep", maxJSONDepth)}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, badRequestf("JSON Error: Error decoding JSON data. Error: %v", err)
	}
	if dec.More() {
		return nil, badRequestf("JSON Error: Error decoding JSON data. Error: extra data after the JSON object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, badRequestf("JSON Error: Request data JSON decoded to %s but it needs to be a dictionary.", jsonKind(v))
	}
	return m, nil
}

// mixed flattens a multi-valued map: one value stays a string, several
// become a list, as CKAN's request parsing does.
func mixed(values map[string][]string) map[string]any {
	out := make(map[string]any, len(values))
	for k, v := range values {
		if len(v) == 1 {
			out[k] = v[0]
		} else {
			l := make([]any, len(v))
			for i, s := range v {
				l[i] = s
			}
			out[k] = l
		}
	}
	return out
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// params reads typed values out of request data, collecting CKAN-style
// per-field messages for wrong types.
type params struct {
	m  map[string]any
	fe catalog.FieldErrors
}

func newParams(m map[string]any) *params { return &params{m: m, fe: catalog.FieldErrors{}} }

func (p *params) has(key string) bool {
	_, ok := p.m[key]
	return ok
}

// str returns a string value; null and absence read as "".
func (p *params) str(key string) string {
	v, ok := p.m[key]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return s
	}
	p.fe.Add(key, fmt.Sprintf("Must be a string, not %s", jsonKind(v)))
	return ""
}

// trimmed is str without surrounding spaces.
func (p *params) trimmed(key string) string { return strings.TrimSpace(p.str(key)) }

// integer reads an integer given as a JSON number or a string of digits.
func (p *params) integer(key string, def int) int {
	v, ok := p.m[key]
	if !ok || v == nil || v == "" {
		return def
	}
	var s string
	switch v := v.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	default:
		p.fe.Add(key, "Invalid integer")
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		p.fe.Add(key, "Invalid integer")
		return def
	}
	return n
}

// natural is integer that must not be negative.
func (p *params) natural(key string, def int) int {
	n := p.integer(key, def)
	if n < 0 {
		p.fe.Add(key, "Must be a natural number")
		return def
	}
	return n
}

// offset reads a start or offset: a natural number no larger than
// maxOffset, so that arithmetic on it cannot overflow.
func (p *params) offset(key string) int {
	n := p.natural(key, 0)
	if n > maxOffset {
		p.fe.Add(key, fmt.Sprintf("Must be at most %d", maxOffset))
		return 0
	}
	return n
}

// boolean reads true/false, or the strings CKAN's boolean_validator knows.
func (p *params) boolean(key string, def bool) bool {
	v, ok := p.m[key]
	if !ok || v == nil || v == "" {
		return def
	}
	switch v := v.(type) {
	case bool:
		return v
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "yes", "t", "y", "1", "on":
			return true
		case "false", "no", "f", "n", "0", "off":
			return false
		}
	case json.Number:
		switch v.String() {
		case "1":
			return true
		case "0":
			return false
		}
	}
	p.fe.Add(key, "Must be a boolean (true or false)")
	return def
}

// stringList reads a list of strings given as a JSON list, a JSON-encoded
// list in a string (as facet.field is sent), repeated query parameters or
// a single string.
func (p *params) stringList(key string) []string {
	v, ok := p.m[key]
	if !ok || v == nil || v == "" {
		return nil
	}
	if s, ok := v.(string); ok {
		if strings.HasPrefix(strings.TrimSpace(s), "[") {
			var l []string
			if err := json.Unmarshal([]byte(s), &l); err != nil {
				p.fe.Add(key, "Must be a JSON list of strings")
				return nil
			}
			return l
		}
		return []string{s}
	}
	l, ok := v.([]any)
	if !ok {
		p.fe.Add(key, fmt.Sprintf("Must be a list of strings, not %s", jsonKind(v)))
		return nil
	}
	out := make([]string, 0, len(l))
	for _, e := range l {
		s, ok := e.(string)
		if !ok {
			p.fe.Add(key, "Must be a list of strings")
			return nil
		}
		out = append(out, s)
	}
	return out
}

// err returns the collected messages as a validation error, or nil.
func (p *params) err() error { return p.fe.Err() }

// required returns the trimmed string, recording "Missing value" when empty.
func (p *params) required(key string) string {
	s := p.trimmed(key)
	if s == "" && p.fe[key] == nil {
		p.fe.Add(key, "Missing value")
	}
	return s
}
