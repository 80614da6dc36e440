package decode

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"destek/internal/desk"
)

// Query returns the request's query parameters after checking that each is
// one of allowed, and that only the repeatable ones repeat. A mistyped
// filter is an error rather than silently ignored, so "?stauts=open" does
// not return every ticket.
func Query(r *http.Request, allowed []string, repeatable ...string) (url.Values, error) {
	v, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, &desk.Error{Code: desk.EINVALID, Message: "the query string is malformed: " + err.Error()}
	}
	for name, vals := range v {
		if !slices.Contains(allowed, name) {
			return nil, &desk.Error{Code: desk.EINVALID, Field: name, Message: fmt.Sprintf("unknown query parameter %q", name)}
		}
		if len(vals) > 1 && !slices.Contains(repeatable, name) {
			return nil, &desk.Error{Code: desk.EINVALID, Field: name, Message: fmt.Sprintf("query parameter %q is given more than once", name)}
		}
	}
	return v, nil
}

// Int64 returns the named parameter as a positive id, or nil when absent.
func Int64(v url.Values, name string) (*int64, error) {
	s := v.Get(name)
	if s == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return nil, &desk.Error{Code: desk.EINVALID, Field: name, Message: fmt.Sprintf("%s=%q is not an id: ids are positive integers", name, s)}
	}
	return &n, nil
}

// Bool returns the named parameter as a boolean (false when absent).
func Bool(v url.Values, name string) (bool, error) {
	s := v.Get(name)
	if s == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, &desk.Error{Code: desk.EINVALID, Field: name, Message: fmt.Sprintf("%s=%q: use true or false", name, s)}
	}
	return b, nil
}

// Limit returns the page size: desk.DefaultPageSize when absent, and an
// error outside 1..desk.MaxPageSize.
func Limit(v url.Values) (int, error) {
	s := v.Get("limit")
	if s == "" {
		return desk.DefaultPageSize, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > desk.MaxPageSize {
		return 0, &desk.Error{Code: desk.EINVALID, Field: "limit", Message: fmt.Sprintf("limit=%q: use a number from 1 to %d", s, desk.MaxPageSize)}
	}
	return n, nil
}
