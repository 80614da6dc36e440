// Package decode reads requests strictly: JSON bodies with known fields only,
// one value, bounded size and the right media type; path ids; and query
// parameters from an allowed set. Every failure is a *desk.Error naming the
// field, so the client learns what to fix and nothing is written.
package decode

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"

	"destek/internal/desk"
)

// DefaultJSONLimit bounds JSON request bodies.
const DefaultJSONLimit = 1 << 20

// JSON decodes the request body into dst with DefaultJSONLimit.
func JSON(w http.ResponseWriter, r *http.Request, dst any) error {
	return JSONLimit(w, r, dst, DefaultJSONLimit)
}

// JSONLimit decodes the request body into dst, which must be a pointer to a
// struct. The body must be application/json, at most limit bytes, exactly
// one JSON value, and hold no fields dst does not know.
func JSONLimit(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	if err := RequireJSON(r); err != nil {
		return err
	}
	return Reader(http.MaxBytesReader(w, r.Body, limit), dst)
}

// RequireJSON checks that the request declares a JSON body.
func RequireJSON(r *http.Request) error {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		return &desk.Error{Code: desk.EUNSUPPORTED, Message: "send the body as JSON with Content-Type: application/json"}
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return &desk.Error{Code: desk.EUNSUPPORTED, Message: fmt.Sprintf("charset %q is not supported; send UTF-8", cs)}
	}
	return nil
}

// Reader decodes one JSON value from rd into dst, strictly. rd should
// already be bounded (http.MaxBytesReader); exceeding the bound is reported
// as ETOOLARGE.
func Reader(rd io.Reader, dst any) error {
	br := bufio.NewReader(rd)
	if err := expectObject(br); err != nil {
		return err
	}
	dec := json.NewDecoder(br)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return explain(err)
	}
	// A second value, or trailing garbage, means the client sent something
	// other than what it thinks it sent: refuse it rather than guess.
	var extra json.RawMessage
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
		return nil
	case err == nil:
		return &desk.Error{Code: desk.EINVALID, Message: fmt.Sprintf("the body holds more than one JSON value (the second starts near byte %d)", dec.InputOffset()-int64(len(extra)))}
	default:
		return explain(err)
	}
}

// expectObject peeks at the first non-space byte: request bodies are JSON
// objects, and a bare null, number or array would otherwise decode into a
// struct without complaint (null) or with a vague message.
func expectObject(br *bufio.Reader) error {
	// Peek rather than read, so that decoding errors report offsets from
	// the start of the body.
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				return &desk.Error{Code: desk.EINVALID, Message: "the body starts with too much white space"}
			}
			return explain(err)
		}
		switch b[i-1] {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return nil
		}
		return &desk.Error{Code: desk.EINVALID, Message: "the body must be a JSON object ({...})"}
	}
}

// explain turns a decoding error into a *desk.Error for the client.
func explain(err error) error {
	var (
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &tooLarge):
		return &desk.Error{Code: desk.ETOOLARGE, Message: fmt.Sprintf("the body is larger than %d bytes", tooLarge.Limit)}
	case errors.Is(err, io.EOF):
		return &desk.Error{Code: desk.EINVALID, Message: "the body is empty; send a JSON object"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &desk.Error{Code: desk.EINVALID, Message: "the body ends in the middle of a JSON value"}
	case errors.As(err, &syntax):
		return &desk.Error{Code: desk.EINVALID, Message: fmt.Sprintf("malformed JSON at byte %d: %s", syntax.Offset, syntax.Error())}
	case errors.As(err, &typ):
		if typ.Field == "" {
			return &desk.Error{Code: desk.EINVALID, Message: fmt.Sprintf("the body must be a JSON object, not %s", typ.Value)}
		}
		return &desk.Error{Code: desk.EINVALID, Field: typ.Field,
			Message: fmt.Sprintf("%s must be %s, not %s", typ.Field, describe(typ.Type), typ.Value)}
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &desk.Error{Code: desk.EINVALID, Field: name, Message: fmt.Sprintf("unknown field %q", name)}
	}
	var de *desk.Error
	if errors.As(err, &de) {
		return de
	}
	return &desk.Error{Code: desk.EINVALID, Message: "the body is not valid JSON: " + err.Error()}
}

// describe names a Go type the way a JSON client thinks of it.
func describe(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return describe(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a value of type " + t.String()
}
