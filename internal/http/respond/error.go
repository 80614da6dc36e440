package respond

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"destek/internal/desk"
)

// statusOf is the one mapping from error codes to HTTP status codes.
var statusOf = map[string]int{
	desk.EINVALID:      http.StatusBadRequest,
	desk.EUNAUTHORIZED: http.StatusUnauthorized,
	desk.EFORBIDDEN:    http.StatusForbidden,
	desk.ENOTFOUND:     http.StatusNotFound,
	desk.ECONFLICT:     http.StatusConflict,
	desk.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	desk.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	desk.ERATELIMITED:  http.StatusTooManyRequests,
	desk.EUNAVAILABLE:  http.StatusServiceUnavailable,
	desk.EINTERNAL:     http.StatusInternalServerError,
}

// Status returns the HTTP status for an error code (500 for unknown codes).
func Status(code string) int {
	if s, ok := statusOf[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// ErrorBody is the JSON shape of every error response.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail says what went wrong: a stable code, a message for people, and
// the offending input field when there is one.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// RequestIDHeader carries the id that ties a response to its log lines.
const RequestIDHeader = "X-Request-Id"

// Error writes err as an error response. Errors that are not *desk.Error
// become a 500 whose details go only to log, tagged with the request id the
// client sees, so support can find them. A Retry-After header is set for
// errors that say when to retry.
func Error(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := desk.ErrorCode(err)
	status := Status(code)
	msg := desk.ErrorMessage(err)
	reqID := w.Header().Get(RequestIDHeader)
	if code == desk.EINTERNAL {
		if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
			// The client went away; nobody reads this response.
			log.DebugContext(r.Context(), "request canceled", "request_id", reqID, "err", err)
		} else {
			log.ErrorContext(r.Context(), "internal error", "request_id", reqID,
				"method", r.Method, "path", r.URL.Path, "err", err)
		}
		msg = "internal error"
		if reqID != "" {
			msg += " (request id " + reqID + ")"
		}
	}
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		secs := int((ra.RetryAfter() + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	}
	JSON(w, status, ErrorBody{Error: ErrorDetail{Code: code, Message: msg, Field: desk.ErrorField(err)}})
}
