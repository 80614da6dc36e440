// Package respond writes destek's JSON responses: bodies are encoded in full
// before the first byte goes out, so a client never sees half a document, and
// every error takes one shape, {"error":{"code","message","field"}}, with its
// HTTP status decided here and nowhere else.
package respond

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
)

// JSON writes v as the response body with the given status.
func JSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		// Our own types always encode; if one does not, that is a bug and
		// the client gets a clean 500 rather than a truncated document.
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"error":{"code":"internal","message":"internal error: the response could not be encoded"}}` + "\n")
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	// Responses carry customer data and credentials-derived state: never
	// let a shared cache keep them.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// NoContent writes an empty 204 response.
func NoContent(w http.ResponseWriter) {
	w.WriteHeader(http.StatusNoContent)
}
