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
	// MsgFR is the same sentence in French.
	MsgFR string
	Err   error
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// ErrNoTable is wrapped by the Error returned for a sheet or file that holds
// no table (empty, a single stray cell, an export notice).
var ErrNoTable = errors.New("no table")

// errorf builds an *Error from an English and a French format that take the
// same arguments; a phrase argument gives each sentence its own language.
func errorf(kind Kind, cause error, en, fr string, args ...any) *Error {
	return &Error{Kind: kind, Msg: sprintf(en, false, args), MsgFR: sprintf(fr, true, args), Err: cause}
}

// phrase is a piece of a message in English and French, passed as an
// argument to errorf or warnf so that each sentence gets its own language.
type phrase struct{ en, fr string }

// sprintf formats args in one language: phrases become their English or
// French text.
func sprintf(format string, fr bool, args []any) string {
	local := make([]any, len(args))
	for i, a := range args {
		if p, ok := a.(phrase); ok {
			a = p.en
			if fr {
				a = p.fr
			}
		}
		local[i] = a
	}
	return fmt.Sprintf(format, local...)
}

// warning is something a reader noticed and worked around, in English and
// French: lower case, no final period.
type warning phrase

func warnf(en, fr string, args ...any) warning {
	return warning{en: sprintf(en, false, args), fr: sprintf(fr, true, args)}
}

// english and french return the warnings in one language, nil for none.
func english(ws []warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.en)
	}
	return out
}

func french(ws []warning) []string {
	var out []string
	for _, w := range ws {
		out = append(out, w.fr)
	}
	return out
}

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
