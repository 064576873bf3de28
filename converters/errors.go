package converters

import (
	"errors"
	"fmt"
)

// Kind classifies why a file could not be read.
type Kind int

// The kinds of Error.
const (
	// KindUnsupported: the file is not a table this package reads (PDF,
	// image, legacy XLS, archive…).
	KindUnsupported Kind = iota + 1
	// KindInvalid: the file claims a supported format but is damaged.
	KindInvalid
	// KindTooLarge: the file exceeds a safety limit (zip bomb, runaway
	// quoted field).
	KindTooLarge
	// KindEmpty: the file or sheet holds no table.
	KindEmpty
)

func (k Kind) String() string {
	switch k {
	case KindUnsupported:
		return "unsupported"
	case KindInvalid:
		return "invalid"
	case KindTooLarge:
		return "too large"
	case KindEmpty:
		return "empty"
	}
	return "unknown"
}

// Error is a file the converters cannot read. Msg is a plain sentence meant
// for the agent who uploaded the file; Err, when set, is the cause for logs.
type Error struct {
	Kind Kind
	Msg  string
	Err  error
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// ErrNoTable is wrapped by the Error returned for a sheet or file that holds
// no table (empty, a single stray cell, an export notice).
var ErrNoTable = errors.New("no table")

func errorf(kind Kind, cause error, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...), Err: cause}
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
