package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"destek/internal/desk"
	"destek/internal/http/decode"
)

// Multipart form field names of requests that carry attachments.
const (
	payloadField    = "payload"
	attachmentField = "attachments"
)

// readBody decodes a request that may carry attachments: either plain JSON,
// or multipart/form-data with the same JSON in a "payload" part and each
// file in an "attachments" part.
func (s *server) readBody(w http.ResponseWriter, r *http.Request, dst any) ([]desk.NewAttachment, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/json":
		return nil, decode.JSON(w, r, dst)
	case "multipart/form-data":
		return s.readMultipart(w, r, dst)
	}
	return nil, &desk.Error{Code: desk.EUNSUPPORTED, Message: "send application/json, or multipart/form-data with a payload part and attachments parts"}
}

func (s *server) readMultipart(w http.ResponseWriter, r *http.Request, dst any) ([]desk.NewAttachment, error) {
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &desk.Error{Code: desk.EINVALID, Message: "malformed multipart body: " + err.Error()}
	}
	var files []desk.NewAttachment
	gotPayload := false
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, s.uploadError(err)
		}
		switch part.FormName() {
		case payloadField:
			if gotPayload {
				return nil, desk.FieldErrorf(payloadField, "the payload part is given more than once")
			}
			gotPayload = true
			if ct := part.Header.Get("Content-Type"); ct != "" {
				if mt, _, _ := mime.ParseMediaType(ct); mt != "application/json" && mt != "text/plain" {
					return nil, &desk.Error{Code: desk.EUNSUPPORTED, Field: payloadField, Message: "the payload part must be JSON"}
				}
			}
			if err := decode.Reader(decode.LimitReader(part, decode.DefaultJSONLimit, payloadField), dst); err != nil {
				return nil, s.uploadError(err)
			}
		case attachmentField:
			if len(files) == s.cfg.MaxAttachments {
				return nil, &desk.Error{Code: desk.ETOOLARGE, Field: attachmentField, Message: fmt.Sprintf("at most %d attachments per message", s.cfg.MaxAttachments)}
			}
			f, err := s.readAttachment(part, len(files))
			if err != nil {
				return nil, err
			}
			files = append(files, f)
		default:
			return nil, desk.FieldErrorf(part.FormName(), "unknown form field %q; use %q and %q", part.FormName(), payloadField, attachmentField)
		}
	}
	if !gotPayload {
		return nil, desk.FieldErrorf(payloadField, "the multipart body needs a %q part holding the JSON fields", payloadField)
	}
	return files, nil
}

// readAttachment reads one file part, within the size limit, and sniffs its
// type from its bytes: the sender's Content-Type is not trusted.
func (s *server) readAttachment(part *multipart.Part, i int) (desk.NewAttachment, error) {
	field := fmt.Sprintf("%s[%d]", attachmentField, i)
	name := cleanFilename(part.FileName())
	data, err := io.ReadAll(decode.LimitReader(part, s.cfg.MaxAttachmentBytes, field))
	if err != nil {
		return desk.NewAttachment{}, s.uploadError(err)
	}
	if len(data) == 0 {
		return desk.NewAttachment{}, desk.FieldErrorf(field, "attachment %q is empty", name)
	}
	ct, err := sniff(data, field, name)
	if err != nil {
		return desk.NewAttachment{}, err
	}
	return desk.NewAttachment{Filename: name, ContentType: ct, Data: data}, nil
}

// uploadError names an oversize body as such; other read errors mean the
// client sent a broken multipart stream.
func (s *server) uploadError(err error) error {
	var tooLarge *http.MaxBytesError
	var de *desk.Error
	switch {
	case errors.As(err, &tooLarge):
		return &desk.Error{Code: desk.ETOOLARGE, Message: fmt.Sprintf("the request is larger than %d bytes", tooLarge.Limit)}
	case errors.As(err, &de):
		return de
	}
	return &desk.Error{Code: desk.EINVALID, Message: "malformed multipart body: " + err.Error()}
}

// executableMagic are the first bytes of native executables. A support desk
// has no reason to pass them to agents' machines, so they are refused.
var executableMagic = [][]byte{
	[]byte("MZ"),             // Windows PE
	[]byte("\x7fELF"),        // Linux
	{0xfe, 0xed, 0xfa, 0xce}, // Mach-O 32-bit
	{0xfe, 0xed, 0xfa, 0xcf}, // Mach-O 64-bit
	{0xce, 0xfa, 0xed, 0xfe}, // Mach-O 32-bit, little-endian
	{0xcf, 0xfa, 0xed, 0xfe}, // Mach-O 64-bit, little-endian
}

// sniff returns the content type of data, or refuses executables.
func sniff(data []byte, field, name string) (string, error) {
	for _, m := range executableMagic {
		if bytes.HasPrefix(data, m) {
			return "", &desk.Error{Code: desk.EUNSUPPORTED, Field: field, Message: fmt.Sprintf("attachment %q is an executable program; those are not accepted", name)}
		}
	}
	return http.DetectContentType(data), nil
}

// cleanFilename keeps the base name of a client-supplied file name, without
// control characters, at most 200 bytes; "attachment" when nothing is left.
func cleanFilename(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError || r == '"' {
			return -1
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "/" {
		return "attachment"
	}
	return name
}
