// Package desk holds destek's domain: the types every other package speaks
// (accounts, contacts, agents, queues, tickets, messages, audit events), the
// rules that need no I/O (status transitions, validation) and the Store
// interface that the storage packages implement. It imports nothing else of
// destek.
package desk

import (
	"errors"
	"fmt"
)

// Error codes. They are part of the API contract: clients switch on them, and
// the HTTP layer maps each to one status code.
const (
	ECONFLICT     = "conflict"     // the request clashes with the current state
	EINTERNAL     = "internal"     // a fault on our side; details are logged, not returned
	EINVALID      = "invalid"      // the request is malformed or a field is wrong
	ENOTFOUND     = "not_found"    // the thing does not exist (or the caller may not know it does)
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EFORBIDDEN    = "forbidden"    // valid credentials, but the role does not allow it
	ERATELIMITED  = "rate_limited" // too many attempts; try again later
	ETOOLARGE     = "too_large"    // a body or attachment is over its limit
	EUNAVAILABLE  = "unavailable"  // a dependency (the database) is not reachable
	EUNSUPPORTED  = "unsupported"  // e.g. an attachment type or media type we do not take
)

// Error is destek's one error type for failures a caller should see. Message
// is written for people: it says what is wrong and, where it helps, how to fix
// it. Field names the offending input field (JSON path), when there is one.
type Error struct {
	Code    string
	Message string
	Field   string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("destek: %s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("destek: %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID *Error about one input field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of the first *Error in err's chain.
// Other errors yield a generic message so internal details never leak.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrorField returns the field of the first *Error in err's chain, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
