package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"destek/internal/desk"
)

func TestRepliesMoveTheStatusAndClosedTicketsNeedReopen(t *testing.T) {
	e := newEnv(t)
	agent := e.login(desk.RoleAgent)
	tk := e.createTicket(desk.RoleAgent, "reply@example.com")
	url := urlf("/api/v1/tickets/%d/messages", tk.ID)

	var out messageResponse
	agent.do("POST", url, map[string]any{"text": "Merhaba, panelden alabilirsiniz."}).want(http.StatusCreated).into(&out)
	if out.Message.Direction != desk.Outbound || out.Message.AuthorAgentID == nil || *out.Message.AuthorAgentID != e.agents[desk.RoleAgent].ID ||
		out.Ticket.Status != desk.StatusPendingCustomer {
		t.Fatalf("reply: message %+v, ticket status %s", out.Message, out.Ticket.Status)
	}
	agent.do("POST", url, map[string]any{"direction": "inbound", "text": "Teşekkürler, buldum."}).want(http.StatusCreated).into(&out)
	if out.Message.AuthorContactID == nil || *out.Message.AuthorContactID != tk.ContactID || out.Ticket.Status != desk.StatusOpen {
		t.Fatalf("inbound: message %+v, ticket status %s", out.Message, out.Ticket.Status)
	}

	agent.do("POST", urlf("/api/v1/tickets/%d/status", tk.ID), map[string]string{"status": "closed"}).want(http.StatusOK)
	count := len(e.messages(tk.ID))
	for _, dir := range []string{"outbound", "inbound"} {
		m := agent.do("POST", url, map[string]any{"direction": dir, "text": "bir şey daha"}).wantError(http.StatusConflict, desk.ECONFLICT, "reopen")
		if !strings.Contains(m.Message, "reopen") {
			t.Errorf("the 409 does not say how to reopen: %q", m.Message)
		}
	}
	if n := len(e.messages(tk.ID)); n != count || e.mustTicket(tk.ID).Status != desk.StatusClosed {
		t.Fatalf("a refused reply was stored (%d → %d messages) or moved the ticket", count, n)
	}
	// A note is fine on a closed ticket and leaves it closed.
	agent.do("POST", urlf("/api/v1/tickets/%d/notes", tk.ID), map[string]any{"text": "müşteri tekrar yazdı"}).want(http.StatusCreated).into(&out)
	if out.Message.Direction != desk.Note || out.Ticket.Status != desk.StatusClosed {
		t.Fatalf("note: %+v, status %s", out.Message, out.Ticket.Status)
	}
	agent.do("POST", url, map[string]any{"text": "Yeniden açıyorum.", "reopen": true}).want(http.StatusCreated).into(&out)
	if out.Ticket.Status != desk.StatusPendingCustomer {
		t.Fatalf("after reopening reply: %s", out.Ticket.Status)
	}

	ms := e.messages(tk.ID)
	if len(ms) != count+2 || ms[len(ms)-2].Direction != desk.Note {
		t.Fatalf("messages = %+v", ms)
	}
}

func TestAddMessageRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	c := e.as(desk.RoleAgent)
	tk := e.createTicket(desk.RoleAgent, "badmsg@example.com")
	url := urlf("/api/v1/tickets/%d/messages", tk.ID)
	count := len(e.messages(tk.ID))
	for body, field := range map[string]string{
		`{}`:                                   "text",
		`{"text": "   "}`:                      "text",
		`{"text": "x", "direction": "note"}`:   "direction",
		`{"text": "x", "direction": "out"}`:    "direction",
		`{"text": "x", "reopen": "yes"}`:       "reopen",
		`{"text": "x", "cc": "a@b.c"}`:         "cc",
		`{"text": ["x"]}`:                      "text",
		`{"text": "x"`:                         "",
		`{"text": "x"} trailing`:               "",
		`{"text": "\u0007bell"}`:               "text",
		`{"text": "x", "direction": "inbound"`: "",
	} {
		c.do("POST", url, body).wantError(http.StatusBadRequest, desk.EINVALID, field)
	}
	c.do("POST", urlf("/api/v1/tickets/%d/notes", tk.ID), `{"text": "x", "direction": "outbound"}`).wantError(http.StatusBadRequest, desk.EINVALID, "direction")
	c.do("POST", "/api/v1/tickets/99999/messages", `{"text": "x"}`).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
	c.do("POST", "/api/v1/tickets/x/messages", `{"text": "x"}`).wantError(http.StatusBadRequest, desk.EINVALID, "id")
	c.do("GET", "/api/v1/tickets/99999/messages", nil).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
	if n := len(e.messages(tk.ID)); n != count {
		t.Fatalf("refused messages were stored: %d → %d", count, n)
	}
}

// upload is one multipart part.
type upload struct {
	field, filename, contentType string
	data                         []byte
}

// multipartRequest builds a multipart/form-data request.
func (e *env) multipartRequest(url string, parts ...upload) *http.Request {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		disp := fmt.Sprintf(`form-data; name=%q`, p.field)
		if p.filename != "" {
			disp += fmt.Sprintf(`; filename=%q`, p.filename)
		}
		h.Set("Content-Disposition", disp)
		if p.contentType != "" {
			h.Set("Content-Type", p.contentType)
		}
		w, err := mw.CreatePart(h)
		if err != nil {
			e.t.Fatal(err)
		}
		w.Write(p.data)
	}
	mw.Close()
	req, err := http.NewRequest("POST", e.srv.URL+url, &buf)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return req
}

func payload(v any) upload {
	b, _ := json.Marshal(v)
	return upload{field: "payload", contentType: "application/json", data: b}
}

var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")

func TestAttachments(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxAttachmentBytes = 4096; c.MaxAttachments = 2; c.MaxUploadBytes = 64 << 10 })
	c := e.as(desk.RoleAgent)
	tk := e.createTicket(desk.RoleAgent, "files@example.com")
	url := urlf("/api/v1/tickets/%d/messages", tk.ID)

	html := []byte("<html><script>alert(1)</script></html>")
	var out messageResponse
	c.send(e.multipartRequest(url,
		payload(map[string]any{"text": "Ekran görüntüsü ekte."}),
		// The client claims a PDF and a text file; the bytes say otherwise.
		upload{field: "attachments", filename: `C:\Users\ayse\ekran görüntüsü.pdf`, contentType: "application/pdf", data: pngBytes},
		upload{field: "attachments", filename: "../../etc/notes.txt", contentType: "text/plain", data: html},
	)).want(http.StatusCreated).into(&out)
	as := out.Message.Attachments
	if len(as) != 2 {
		t.Fatalf("attachments = %+v", as)
	}
	if as[0].Filename != "ekran görüntüsü.pdf" || as[0].ContentType != "image/png" || as[0].Size != int64(len(pngBytes)) {
		t.Errorf("first attachment = %+v", as[0])
	}
	if as[1].Filename != "notes.txt" || !strings.HasPrefix(as[1].ContentType, "text/html") {
		t.Errorf("second attachment = %+v", as[1])
	}

	r := c.do("GET", urlf("/api/v1/attachments/%d", as[1].ID), nil).want(http.StatusOK)
	if !bytes.Equal(r.body, html) {
		t.Fatalf("downloaded %q", r.body)
	}
	for h, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Content-Disposition":    `attachment; filename=notes.txt`,
		"Content-Type":           as[1].ContentType,
	} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s = %q, want %q", h, got, want)
		}
	}
	if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "sandbox") {
		t.Errorf("CSP %q does not sandbox", csp)
	}
	r = c.do("GET", urlf("/api/v1/attachments/%d", as[0].ID), nil).want(http.StatusOK)
	if d := r.header.Get("Content-Disposition"); !strings.HasPrefix(d, "attachment; filename*=utf-8''") {
		t.Errorf("non-ASCII file name disposition %q", d)
	}
	c.do("GET", "/api/v1/attachments/99999", nil).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
	c.do("GET", "/api/v1/attachments/zz", nil).wantError(http.StatusBadRequest, desk.EINVALID, "id")

	// A note with an attachment and no text; a new ticket with one.
	c.send(e.multipartRequest(urlf("/api/v1/tickets/%d/notes", tk.ID), payload(map[string]any{}),
		upload{field: "attachments", filename: "log.txt", data: []byte("line 1\n")})).want(http.StatusCreated)
	var created desk.Ticket
	body := ticketBody("files2@example.com")
	body["text"] = ""
	c.send(e.multipartRequest("/api/v1/tickets", payload(body),
		upload{field: "attachments", filename: "fatura.png", data: pngBytes})).want(http.StatusCreated).into(&created)
	if ms := e.messages(created.ID); len(ms) != 1 || len(ms[0].Attachments) != 1 || ms[0].Attachments[0].ContentType != "image/png" {
		t.Fatalf("new ticket's message = %+v", ms)
	}

	count, tickets := len(e.messages(tk.ID)), e.countTickets()
	big := bytes.Repeat([]byte("a"), 4097)
	cases := []struct {
		name   string
		url    string
		parts  []upload
		status int
		code   string
		field  string
	}{
		{"too large file", url, []upload{payload(map[string]any{"text": "x"}), {field: "attachments", filename: "big.txt", data: big}}, 413, desk.ETOOLARGE, "attachments[0]"},
		{"too many files", url, []upload{payload(map[string]any{"text": "x"}),
			{field: "attachments", filename: "1.txt", data: []byte("1")}, {field: "attachments", filename: "2.txt", data: []byte("2")},
			{field: "attachments", filename: "3.txt", data: []byte("3")}}, 413, desk.ETOOLARGE, "attachments"},
		{"windows executable", url, []upload{payload(map[string]any{"text": "x"}), {field: "attachments", filename: "fatura.pdf", data: []byte("MZ\x90\x00\x03\x00\x00\x00")}}, 415, desk.EUNSUPPORTED, "attachments[0]"},
		{"linux executable", url, []upload{payload(map[string]any{"text": "x"}), {field: "attachments", filename: "run", data: []byte("\x7fELF\x02\x01\x01")}}, 415, desk.EUNSUPPORTED, "attachments[0]"},
		{"empty file", url, []upload{payload(map[string]any{"text": "x"}), {field: "attachments", filename: "empty.txt"}}, 400, desk.EINVALID, "attachments[0]"},
		{"no payload", url, []upload{{field: "attachments", filename: "a.txt", data: []byte("a")}}, 400, desk.EINVALID, "payload"},
		{"two payloads", url, []upload{payload(map[string]any{"text": "x"}), payload(map[string]any{"text": "y"})}, 400, desk.EINVALID, "payload"},
		{"unknown part", url, []upload{payload(map[string]any{"text": "x"}), {field: "file", filename: "a.txt", data: []byte("a")}}, 400, desk.EINVALID, "file"},
		{"payload not JSON", url, []upload{{field: "payload", contentType: "application/xml", data: []byte("<a/>")}}, 415, desk.EUNSUPPORTED, "payload"},
		{"payload malformed", url, []upload{{field: "payload", data: []byte(`{"text":`)}}, 400, desk.EINVALID, ""},
		{"payload unknown field", url, []upload{payload(map[string]any{"text": "x", "bcc": "y"})}, 400, desk.EINVALID, "bcc"},
		{"ticket with bad payload", "/api/v1/tickets", []upload{payload(map[string]any{"subject": "x"}), {field: "attachments", filename: "a.png", data: pngBytes}}, 400, desk.EINVALID, "channel"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.send(e.multipartRequest(tc.url, tc.parts...))
			r.t = t
			r.wantError(tc.status, tc.code, tc.field)
		})
	}
	// A body over the whole-request limit.
	huge := e.multipartRequest(url, payload(map[string]any{"text": strings.Repeat("h", 70<<10)}))
	c.send(huge).wantError(http.StatusRequestEntityTooLarge, desk.ETOOLARGE, "")
	// A broken multipart stream.
	req, _ := http.NewRequest("POST", e.srv.URL+url, strings.NewReader("--xyz\r\nnot a part"))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
	c.send(req).wantError(http.StatusBadRequest, desk.EINVALID, "")
	req, _ = http.NewRequest("POST", e.srv.URL+url, strings.NewReader("x"))
	req.Header.Set("Content-Type", "multipart/form-data")
	c.send(req).wantError(http.StatusBadRequest, desk.EINVALID, "")

	if n := len(e.messages(tk.ID)); n != count || e.countTickets() != tickets {
		t.Fatalf("refused uploads were stored: %d → %d messages", count, n)
	}
}

// messages returns a ticket's messages from the store.
func (e *env) messages(ticketID int64) []*desk.Message {
	e.t.Helper()
	ms, err := e.store.Messages(t0(), ticketID)
	if err != nil {
		e.t.Fatal(err)
	}
	return ms
}
