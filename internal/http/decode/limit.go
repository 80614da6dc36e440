package decode

import (
	"fmt"
	"io"

	"destek/internal/desk"
)

// LimitReader reads at most n bytes from r; reading past them fails with an
// ETOOLARGE error naming field. Unlike io.LimitReader it does not pretend
// the input ended, so an oversize value is never mistaken for a short one.
func LimitReader(r io.Reader, n int64, field string) io.Reader {
	return &limitReader{r: r, left: n, limit: n, field: field}
}

type limitReader struct {
	r     io.Reader
	left  int64
	limit int64
	field string
}

// Read implements io.Reader.
func (l *limitReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, l.err()
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n + int(l.left), l.err()
	}
	return n, err
}

func (l *limitReader) err() error {
	return &desk.Error{Code: desk.ETOOLARGE, Field: l.field, Message: fmt.Sprintf("%s is larger than %d bytes", l.field, l.limit)}
}
