package catalog

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Kind classifies a catalog failure so that the API can map it, in one place,
// to CKAN's error envelope and HTTP status.
type Kind int

// Error kinds. They mirror the exceptions of CKAN's action layer.
const (
	KindInternal    Kind = iota // a bug or an unavailable dependency
	KindInvalid                 // CKAN "Validation Error" (409)
	KindNotFound                // CKAN "Not Found Error" (404)
	KindForbidden               // CKAN "Authorization Error" (403)
	KindSearchQuery             // CKAN "Search Query Error" (400)
	KindIntegrity               // CKAN "Integrity Error" (400): wrongly shaped data
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindNotFound:
		return "not found"
	case KindForbidden:
		return "forbidden"
	case KindSearchQuery:
		return "search query"
	case KindIntegrity:
		return "integrity"
	default:
		return "internal"
	}
}

// Error is a catalog failure that a client can be told about.
type Error struct {
	Kind   Kind                // what went wrong, for the status code
	Msg    string              // safe to show to the client
	Fields map[string][]string // per-field messages for validation
	Err    error               // cause, for logs only
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.String())
	if e.Msg != "" {
		b.WriteString(": ")
		b.WriteString(e.Msg)
	}
	if len(e.Fields) > 0 {
		keys := make([]string, 0, len(e.Fields))
		for k := range e.Fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "; %s: %s", k, strings.Join(e.Fields[k], ", "))
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorKind returns the kind of the first *Error in err's chain, or
// KindInternal when there is none.
func ErrorKind(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// NotFoundf returns a KindNotFound error whose message is shown to clients.
func NotFoundf(format string, args ...any) error {
	return &Error{Kind: KindNotFound, Msg: fmt.Sprintf(format, args...)}
}

// Forbiddenf returns a KindForbidden error whose message is shown to clients.
func Forbiddenf(format string, args ...any) error {
	return &Error{Kind: KindForbidden, Msg: fmt.Sprintf(format, args...)}
}

// SearchQueryf returns a KindSearchQuery error for a query that cannot be read.
func SearchQueryf(format string, args ...any) error {
	return &Error{Kind: KindSearchQuery, Msg: fmt.Sprintf(format, args...)}
}

// Integrityf returns a KindIntegrity error for data of the wrong shape.
func Integrityf(format string, args ...any) error {
	return &Error{Kind: KindIntegrity, Msg: fmt.Sprintf(format, args...)}
}

// FieldErrors collects per-field validation messages, in the shape CKAN
// returns them ({"name": ["Missing value"]}).
type FieldErrors map[string][]string

// Add records msg against field.
func (fe FieldErrors) Add(field, msg string) {
	fe[field] = append(fe[field], msg)
}

// Err returns a KindInvalid *Error holding the messages, or nil when there
// are none.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Fields: fe}
}

// Invalid returns a KindInvalid error with one message for one field.
func Invalid(field, msg string) error {
	return &Error{Kind: KindInvalid, Fields: FieldErrors{field: {msg}}}
}
