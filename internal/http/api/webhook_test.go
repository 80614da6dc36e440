package api

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"destek/internal/desk"
	"destek/internal/store/storetest"
)

// webhookEnv is a server with a fixed clock and one registered source.
type webhookEnv struct {
	*env
	now    time.Time
	secret string
	nonces atomic.Int64
}

func newWebhookEnv(t *testing.T, s desk.Store) *webhookEnv {
	w := &webhookEnv{now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)}
	w.env = newEnvOn(t, s, func(c *Config) { c.Now = func() time.Time { return w.now } })
	var out createWebhookSourceResponse
	w.as(desk.RoleAdmin).do("POST", "/api/v1/webhook-sources", map[string]string{"name": "bridge"}).want(http.StatusCreated).into(&out)
	if out.Source.Name != "bridge" || len(out.Secret) != 43 {
		t.Fatalf("created source %+v with secret of %d characters", out.Source, len(out.Secret))
	}
	w.secret = out.Secret
	return w
}

// post sends body to the source's webhook, signed at ts with a new nonce
// unless one is given; sign may tamper with the signature.
func (w *webhookEnv) post(source string, body string, ts time.Time, nonce string, sign func(string) string) *resp {
	w.t.Helper()
	if nonce == "" {
		nonce = fmt.Sprintf("nonce-%016d", w.nonces.Add(1))
	}
	stamp := strconv.FormatInt(ts.Unix(), 10)
	sig := "sha256=" + hex.EncodeToString(webhookSignature(w.secret, stamp, nonce, []byte(body)))
	if sign != nil {
		sig = sign(sig)
	}
	req, err := http.NewRequest("POST", w.srv.URL+"/api/v1/channels/webhook/"+source, strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Destek-Timestamp", stamp)
	req.Header.Set("X-Destek-Nonce", nonce)
	req.Header.Set("X-Destek-Signature", sig)
	return w.anon().send(req)
}

func socialMessage(conversation, id, text string) string {
	b, _ := json.Marshal(map[string]any{
		"channel": "social", "platform": "instagram", "conversation_id": conversation, "message_id": id,
		"from": map[string]string{"handle": "@Ayse.Yilmaz", "name": "Ayşe Yılmaz"}, "text": text, "sent_at": "2026-11-23T09:59:00Z",
	})
	return string(b)
}

// stored counts what a refused request must not have changed.
func (w *webhookEnv) stored() string {
	w.t.Helper()
	ctx := context.Background()
	cs, _, err := w.store.ListContacts(ctx, desk.ContactFilter{Limit: desk.MaxPageSize})
	if err != nil {
		w.t.Fatal(err)
	}
	return fmt.Sprintf("tickets=%d contacts=%d audit=%d", w.countTickets(), len(cs), w.auditCount())
}

// TestWebhookThreadsAConversationIntoOneTicket runs on SQLite and, when
// DESTEK_TEST_POSTGRES is set, on PostgreSQL.
func TestWebhookThreadsAConversationIntoOneTicket(t *testing.T) {
	storetest.Each(t, testWebhookThreads)
}

func testWebhookThreads(t *testing.T, s desk.Store) {
	w := newWebhookEnv(t, s)
	var first, second, dup webhookResponse
	w.post("bridge", socialMessage("conv-1", "m-1", "Merhaba, alan adımın EPP kodunu nasıl alırım?"), w.now, "", nil).
		want(http.StatusCreated).into(&first)
	w.post("bridge", socialMessage("conv-1", "m-2", "Bir de DNS kayıtlarını nereden değiştiririm?"), w.now.Add(-time.Minute), "", nil).
		want(http.StatusCreated).into(&second)
	if second.TicketID != first.TicketID || second.MessageID == first.MessageID {
		t.Fatalf("second message of the conversation: %+v, first %+v", second, first)
	}
	before := w.stored()
	w.post("bridge", socialMessage("conv-1", "m-2", "Bir de DNS kayıtlarını nereden değiştiririm?"), w.now, "", nil).
		want(http.StatusOK).into(&dup)
	if dup != (webhookResponse{TicketID: first.TicketID, MessageID: second.MessageID, Duplicate: true}) {
		t.Fatalf("duplicate delivery answered %+v", dup)
	}
	if after := w.stored(); after != before {
		t.Fatalf("a duplicate stored something: %s, before %s", after, before)
	}

	ctx := context.Background()
	tk, err := w.store.Ticket(ctx, first.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Channel != desk.ChannelSocial || tk.ScopeCategory == "" || tk.Queue == "" {
		t.Errorf("ticket %+v: want a social ticket judged under the policy", tk)
	}
	c, err := w.store.Contact(ctx, tk.ContactID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Channel != desk.ChannelSocial || c.Address != "instagram:ayse.yilmaz" || c.Name != "Ayşe Yılmaz" {
		t.Errorf("contact %+v", c)
	}
	ms, err := w.store.Messages(ctx, first.TicketID)
	if err != nil {
		t.Fatal(err)
	}
	inbound := 0
	for _, m := range ms {
		if m.Direction == desk.Inbound {
			inbound++
			if m.Classification == nil || m.Classification.Scope.Category == "" || m.Classification.Language == "" {
				t.Errorf("message %d has no classification", m.ID)
			}
		}
	}
	if inbound != 2 {
		t.Errorf("%d inbound messages on the ticket, want 2", inbound)
	}

	// Another conversation is another ticket.
	var other webhookResponse
	w.post("bridge", socialMessage("conv-2", "m-3", "Faturamı göremiyorum."), w.now, "", nil).want(http.StatusCreated).into(&other)
	if other.TicketID == first.TicketID {
		t.Errorf("a new conversation joined ticket %d", first.TicketID)
	}
}

// TestWebhookRefusals checks that every refused request gets a clear error
// and stores nothing, on SQLite and (when configured) PostgreSQL.
func TestWebhookRefusals(t *testing.T) {
	storetest.Each(t, testWebhookRefusals)
}

func testWebhookRefusals(t *testing.T, s desk.Store) {
	w := newWebhookEnv(t, s)
	good := socialMessage("conv-1", "m-1", "EPP kodu lazım.")
	w.post("bridge", good, w.now, "replayed-nonce-0001", nil).want(http.StatusCreated)
	before := w.stored()
	for _, tc := range []struct {
		name   string
		source string
		body   string
		ts     time.Time
		nonce  string
		sign   func(string) string
		status int
		code   string
		field  string
		says   string
	}{
		{name: "bad signature", body: good, sign: flipLastHex, status: 401, code: desk.EUNAUTHORIZED, field: "X-Destek-Signature"},
		{name: "no signature", body: good, sign: func(string) string { return "" }, status: 401, code: desk.EUNAUTHORIZED},
		{name: "body changed after signing", body: good, sign: func(string) string {
			return "sha256=" + hex.EncodeToString(webhookSignature(w.secret, strconv.FormatInt(w.now.Unix(), 10), "fresh-nonce-000001", []byte(good+" ")))
		}, nonce: "fresh-nonce-000001", status: 401, code: desk.EUNAUTHORIZED, field: "X-Destek-Signature"},
		{name: "stale timestamp", body: good, ts: w.now.Add(-6 * time.Minute), status: 401, code: desk.EUNAUTHORIZED, field: "X-Destek-Timestamp", says: "within 5m0s"},
		{name: "future timestamp", body: good, ts: w.now.Add(6 * time.Minute), status: 401, code: desk.EUNAUTHORIZED, field: "X-Destek-Timestamp", says: "within 5m0s"},
		{name: "short nonce", body: good, nonce: "short", status: 401, code: desk.EUNAUTHORIZED, field: "X-Destek-Nonce"},
		{name: "replayed nonce", body: socialMessage("conv-1", "m-9", "Yeni mesaj."), nonce: "replayed-nonce-0001", status: 409, code: desk.ECONFLICT, field: "X-Destek-Nonce"},
		{name: "unknown source", source: "nobody", body: good, status: 404, code: desk.ENOTFOUND},
		{name: "malformed JSON", body: `{"channel": "social",`, status: 400, code: desk.EINVALID},
		{name: "unknown field", body: strings.Replace(good, `"channel"`, `"extra":1,"channel"`, 1), status: 400, code: desk.EINVALID, field: "extra"},
		{name: "missing text", body: socialMessage("conv-1", "m-8", "  "), status: 400, code: desk.EINVALID, field: "text"},
		{name: "bad platform", body: strings.Replace(good, "instagram", "myspace", 1), status: 400, code: desk.EINVALID, field: "platform"},
		{name: "bad sent_at", body: strings.Replace(good, "2026-11-23T09:59:00Z", "yesterday", 1), status: 400, code: desk.EINVALID, field: "sent_at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.source == "" {
				tc.source = "bridge"
			}
			if tc.ts.IsZero() {
				tc.ts = w.now
			}
			e := w.post(tc.source, tc.body, tc.ts, tc.nonce, tc.sign).wantError(tc.status, tc.code, tc.field)
			if !strings.Contains(e.Message, tc.says) {
				t.Errorf("message %q does not say %q", e.Message, tc.says)
			}
			if after := w.stored(); after != before {
				t.Errorf("a refused request stored something: %s, before %s", after, before)
			}
		})
	}
}

func TestWebhookSourcesAreManagedByAdmins(t *testing.T) {
	w := newWebhookEnv(t, storetest.OpenSQLite(t))
	w.as(desk.RoleAdmin).do("POST", "/api/v1/webhook-sources", map[string]string{"name": "bridge"}).wantError(http.StatusConflict, desk.ECONFLICT, "name")
	w.as(desk.RoleAdmin).do("POST", "/api/v1/webhook-sources", map[string]string{"name": "Bad Name"}).wantError(http.StatusBadRequest, desk.EINVALID, "name")
	r := w.as(desk.RoleAdmin).do("GET", "/api/v1/webhook-sources", nil).want(http.StatusOK)
	if strings.Contains(string(r.body), w.secret) || !strings.Contains(string(r.body), `"bridge"`) {
		t.Fatalf("list: %s", r.body)
	}
	w.as(desk.RoleAdmin).do("DELETE", "/api/v1/webhook-sources/bridge", nil).want(http.StatusNoContent)
	w.post("bridge", socialMessage("c", "m", "Merhaba"), w.now, "", nil).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
	w.as(desk.RoleAdmin).do("DELETE", "/api/v1/webhook-sources/bridge", nil).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
	if strings.Contains(w.logs.String(), w.secret) {
		t.Error("the secret was logged")
	}
}

// flipLastHex changes the last hex digit of a signature, so the result is
// never the valid signature itself, whatever digit it ended with.
func flipLastHex(s string) string {
	if strings.HasSuffix(s, "0") {
		return s[:len(s)-1] + "1"
	}
	return s[:len(s)-1] + "0"
}
