package api

import (
	"context"
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"destek/internal/desk"
	"destek/internal/http/decode"
)

// Length bounds of free-text fields, in characters.
const (
	maxNameLen    = 200
	maxSubjectLen = 300
	maxTextLen    = 100000
)

// cleanText trims s and checks it against max characters; required fields
// may not be empty. Control characters other than line breaks and tabs are
// refused: they have no place in names or subjects and break terminals and
// exports.
func cleanText(field, s string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return "", desk.FieldErrorf(field, "%s is required", field)
		}
		return "", nil
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", desk.FieldErrorf(field, "%s is %d characters long; at most %d are allowed", field, n, max)
	}
	for _, r := range s {
		if unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' {
			return "", desk.FieldErrorf(field, "%s contains a control character (U+%04X)", field, r)
		}
	}
	return s, nil
}

// cleanLine is cleanText for one-line fields (names, subjects).
func cleanLine(field, s string, max int, required bool) (string, error) {
	s, err := cleanText(field, s, max, required)
	if err == nil && strings.ContainsAny(s, "\r\n") {
		return "", desk.FieldErrorf(field, "%s must be one line", field)
	}
	return s, err
}

// cleanEmail returns the lower-cased address, "" when empty and allowed.
func cleanEmail(field, s string, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return "", desk.FieldErrorf(field, "%s is required", field)
		}
		return "", nil
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s || len(s) > 254 {
		return "", desk.FieldErrorf(field, "%q is not an e-mail address like name@example.com", s)
	}
	return strings.ToLower(s), nil
}

// cleanPhone returns the normalised phone number, "" when empty.
func cleanPhone(field, s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	n, err := desk.NormaliseAddress(desk.ChannelPhone, s)
	if err != nil {
		return "", withField(err, field)
	}
	return n, nil
}

// identifier is the form of queue keys and scope categories.
var identifier = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)

// notNull refuses an explicit null for a PATCH field that cannot be cleared.
func notNull[T any](field string, o decode.Optional[T]) (*T, error) {
	if !o.Set {
		return nil, nil
	}
	if o.Value == nil {
		return nil, desk.FieldErrorf(field, "%s cannot be null; leave it out to keep it", field)
	}
	return o.Value, nil
}

// refAccount checks that an account referred to by field exists.
func (s *server) refAccount(ctx context.Context, field string, id int64) (*desk.Account, error) {
	a, err := s.store.Account(ctx, id)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return nil, desk.FieldErrorf(field, "there is no account %d", id)
	}
	return a, err
}

// refQueue checks that a queue referred to by field exists.
func (s *server) refQueue(ctx context.Context, field, key string) error {
	if !identifier.MatchString(key) {
		return desk.FieldErrorf(field, "%q is not a queue key (lower-case letters, digits and _)", key)
	}
	_, err := s.store.Queue(ctx, key)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return desk.FieldErrorf(field, "there is no queue %q; GET /api/v1/queues lists them", key)
	}
	return err
}

// refTicket checks that a ticket referred to by field exists.
func (s *server) refTicket(ctx context.Context, field string, id int64) (*desk.Ticket, error) {
	t, err := s.store.Ticket(ctx, id)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return nil, desk.FieldErrorf(field, "there is no ticket %d", id)
	}
	return t, err
}

// enumError is the message for an unknown enumeration value.
func enumError(field string, got any, allowed string) error {
	return desk.FieldErrorf(field, "unknown %s %q; use one of %s", field, got, allowed)
}
