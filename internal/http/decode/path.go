package decode

import (
	"fmt"
	"net/http"
	"strconv"

	"destek/internal/desk"
)

// PathID returns the positive integer id in the named path segment.
func PathID(r *http.Request, name string) (int64, error) {
	s := r.PathValue(name)
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, &desk.Error{Code: desk.EINVALID, Field: name, Message: fmt.Sprintf("%q is not an id: ids are positive integers", s)}
	}
	return id, nil
}
