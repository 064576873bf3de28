package tableschema

import (
	"errors"
	"fmt"
)

// The kinds of Error, for errors.Is.
var (
	// ErrInvalid: the descriptor is not a Table Schema.
	ErrInvalid = errors.New("invalid table schema")
	// ErrNotFound: no schema answers to the reference.
	ErrNotFound = errors.New("schema not found")
	// ErrOffline: the schema had to be fetched and the network did not
	// answer (or no HTTP client was configured).
	ErrOffline = errors.New("schema not reachable")
)

// Error is a schema that could not be loaded or found. Msg and MsgFR are
// sentences safe to show to the agent, in English and French; errors.Is
// tells its kind (ErrInvalid, ErrNotFound, ErrOffline).
type Error struct {
	Msg   string
	MsgFR string
	kind  error
	Err   error // cause, for logs
}

func (e *Error) Error() string {
	if e.Err != nil && e.kind == ErrInvalid {
		return e.Msg + ": " + e.Err.Error()
	}
	return e.Msg
}

// Unwrap returns the kind and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.Err}
}

func newError(kind, cause error, en, fr string, args ...any) *Error {
	return &Error{Msg: fmt.Sprintf(en, args...), MsgFR: fmt.Sprintf(fr, args...), kind: kind, Err: cause}
}

func invalidf(cause error, en, fr string, args ...any) *Error {
	return newError(ErrInvalid, cause, en, fr, args...)
}
