package api

import (
	"bytes"
	"mime"
	"net/http"

	"destek/internal/http/decode"
)

// getAttachment serves an attachment's bytes as a download. The type is
// the one sniffed on upload; nosniff and a sandboxing CSP keep a browser from
// running anything in it, even an HTML or SVG file.
func (s *server) getAttachment(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	a, err := s.store.Attachment(ctx, id)
	if err != nil {
		return err
	}
	data, err := s.store.AttachmentData(ctx, id)
	if err != nil {
		return err
	}
	ct := a.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	disposition := mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename})
	if disposition == "" {
		disposition = "attachment"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", disposition)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox; default-src 'none'")
	h.Set("Cache-Control", "private, no-store")
	http.ServeContent(w, r, "", a.CreatedAt, bytes.NewReader(data))
	return nil
}
