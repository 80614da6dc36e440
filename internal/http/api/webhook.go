package api

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"destek/internal/desk"
	"destek/internal/http/decode"
	"destek/internal/http/respond"
)

// Signed webhook intake. A source signs every request with its shared
// secret:
//
//	X-Destek-Timestamp: unix seconds
//	X-Destek-Nonce:     16–64 characters, new for every request
//	X-Destek-Signature: sha256=hex(HMAC-SHA256(secret, timestamp + "." + nonce + "." + body))
//
// The timestamp must be within WebhookWindow of the server clock and a
// nonce is accepted once per source, so a captured request cannot be
// replayed. The body is a webhookMessage.
const (
	// WebhookWindow is how far a request's timestamp may be from the
	// server clock, either way.
	WebhookWindow = 5 * time.Minute
	// webhookBodyLimit bounds a webhook body; a social message is short.
	webhookBodyLimit = 256 << 10
	// maxWebhookID bounds conversation and message ids.
	maxWebhookID = 256
)

// webhookSourceName is the form of a source name: it appears in URLs.
var webhookSourceName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// webhookNonce is the form of a nonce: printable, no separators.
var webhookNonce = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)

// webhookPlatforms are the platforms a social message may name.
var webhookPlatforms = map[string]bool{"whatsapp": true, "instagram": true, "x": true, "facebook": true, "other": true}

// webhookMessage is the normalised message format every source posts.
type webhookMessage struct {
	Channel        string      `json:"channel"`
	Platform       string      `json:"platform"`
	ConversationID string      `json:"conversation_id"`
	MessageID      string      `json:"message_id"`
	From           webhookFrom `json:"from"`
	Text           string      `json:"text"`
	SentAt         string      `json:"sent_at"`
}

// webhookFrom is the sender of a webhook message.
type webhookFrom struct {
	Handle string `json:"handle"`
	Name   string `json:"name"`
}

// webhookResponse says what a delivered message became.
type webhookResponse struct {
	TicketID  int64 `json:"ticket_id"`
	MessageID int64 `json:"message_id"`
	// Duplicate is set when the source had delivered this message id
	// before: nothing was stored, the answer names the first delivery's
	// ticket and message.
	Duplicate bool `json:"duplicate"`
}

type createWebhookSourceRequest struct {
	Name string `json:"name"`
}

type createWebhookSourceResponse struct {
	Source *desk.WebhookSource `json:"source"`
	Secret string              `json:"secret"`
}

// createWebhookSource registers a source and returns its secret, the only
// time the secret is shown.
func (s *server) createWebhookSource(w http.ResponseWriter, r *http.Request) error {
	var in createWebhookSourceRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	if !webhookSourceName.MatchString(in.Name) {
		return desk.FieldErrorf("name", "a source name is 1 to 64 lower-case letters, digits, - and _, starting with a letter or digit")
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("webhook secret: %w", err)
	}
	src := &desk.WebhookSource{Name: in.Name, Secret: base64.RawURLEncoding.EncodeToString(key)}
	if err := s.store.CreateWebhookSource(r.Context(), src); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/webhook-sources")
	respond.JSON(w, http.StatusCreated, createWebhookSourceResponse{Source: src, Secret: src.Secret})
	return nil
}

// listWebhookSources lists sources without their secrets.
func (s *server) listWebhookSources(w http.ResponseWriter, r *http.Request) error {
	ss, err := s.store.ListWebhookSources(r.Context())
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, list(ss))
	return nil
}

// deleteWebhookSource removes a source; its requests are refused at once.
func (s *server) deleteWebhookSource(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteWebhookSource(r.Context(), r.PathValue("name")); err != nil {
		return err
	}
	respond.NoContent(w)
	return nil
}

// webhookIntake takes one signed message from a source. Every check that
// can refuse the request runs before anything is written, and the nonce is
// recorded only for a request that passed them all, so a refused request
// leaves no trace. The message then goes through the intake like any other
// customer message: a new conversation opens a ticket, a known one adds to
// its ticket, a message id delivered before is answered from the first
// delivery.
func (s *server) webhookIntake(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	src, err := s.store.WebhookSource(ctx, r.PathValue("source"))
	if err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, webhookBodyLimit))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return desk.Errorf(desk.ETOOLARGE, "a webhook body may be at most %d bytes", webhookBodyLimit)
		}
		return desk.Errorf(desk.EINVALID, "reading the body failed: %v", err)
	}
	signedAt, err := s.verifyWebhook(r, src, body)
	if err != nil {
		return err
	}
	var in webhookMessage
	if err := decode.Reader(bytes.NewReader(body), &in); err != nil {
		return err
	}
	c, text, err := checkWebhookMessage(&in)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	if err := s.store.UseWebhookNonce(ctx, src.Name, r.Header.Get("X-Destek-Nonce"), signedAt, now.Add(-2*WebhookWindow)); err != nil {
		return err
	}
	if prev, err := s.store.WebhookMessageByID(ctx, src.Name, in.MessageID); err == nil {
		respond.JSON(w, http.StatusOK, webhookResponse{TicketID: prev.TicketID, MessageID: prev.DeskMessageID, Duplicate: true})
		return nil
	} else if desk.ErrorCode(err) != desk.ENOTFOUND {
		return err
	}
	claim := &desk.WebhookClaim{Source: src.Name, ConversationID: in.ConversationID, MessageID: in.MessageID}
	cctx := desk.WithActor(desk.WithWebhookClaim(ctx, claim), desk.Actor{Kind: desk.ActorCustomer})
	m := &desk.Message{Direction: desk.Inbound, Channel: desk.ChannelSocial, Text: text}
	ticketID, err := s.webhookTicket(ctx, src.Name, in.ConversationID)
	if err != nil {
		return err
	}
	if ticketID != 0 {
		m.TicketID = ticketID
		_, _, err = s.intake.CustomerMessage(cctx, m, nil, false)
	} else {
		t := &desk.Ticket{Status: desk.StatusNew, Priority: desk.PriorityNormal, Channel: desk.ChannelSocial,
			Subject: webhookSubject(in.Platform, text), Tags: []string{"social", in.Platform}}
		_, err = s.intake.OpenTicket(cctx, t, c, m, nil)
	}
	if desk.ErrorCode(err) == desk.ECONFLICT && desk.ErrorField(err) == "message_id" {
		// The same message reached another node (or request) at the same
		// time and was stored there: answer as for any duplicate.
		prev, perr := s.store.WebhookMessageByID(ctx, src.Name, in.MessageID)
		if perr != nil {
			return perr
		}
		respond.JSON(w, http.StatusOK, webhookResponse{TicketID: prev.TicketID, MessageID: prev.DeskMessageID, Duplicate: true})
		return nil
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/tickets/%d", m.TicketID))
	respond.JSON(w, http.StatusCreated, webhookResponse{TicketID: m.TicketID, MessageID: m.ID})
	return nil
}

// webhookTicket returns the ticket a conversation continues, or 0 when it
// needs a new one: it is new, or its ticket is closed (a closed ticket is
// not reopened by a social message; the customer's new request gets its
// own ticket). A merged ticket hands over to the one it was merged into.
func (s *server) webhookTicket(ctx context.Context, source, conversationID string) (int64, error) {
	id, err := s.store.WebhookConversation(ctx, source, conversationID)
	if desk.ErrorCode(err) == desk.ENOTFOUND {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	t, err := s.store.Ticket(ctx, id)
	if err != nil {
		return 0, err
	}
	if t.MergedIntoID != nil {
		if t, err = s.store.Ticket(ctx, *t.MergedIntoID); err != nil {
			return 0, err
		}
	}
	if t.Status == desk.StatusClosed {
		return 0, nil
	}
	return t.ID, nil
}

// verifyWebhook checks the signature headers of a request and returns the
// instant it was signed.
func (s *server) verifyWebhook(r *http.Request, src *desk.WebhookSource, body []byte) (time.Time, error) {
	ts := r.Header.Get("X-Destek-Timestamp")
	nonce := r.Header.Get("X-Destek-Nonce")
	sig := r.Header.Get("X-Destek-Signature")
	if ts == "" || nonce == "" || sig == "" {
		return time.Time{}, &desk.Error{Code: desk.EUNAUTHORIZED,
			Message: "sign the request: send X-Destek-Timestamp, X-Destek-Nonce and X-Destek-Signature: sha256=HEX(HMAC-SHA256(secret, timestamp.nonce.body))"}
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return time.Time{}, &desk.Error{Code: desk.EUNAUTHORIZED, Field: "X-Destek-Timestamp", Message: "X-Destek-Timestamp must be unix seconds"}
	}
	if !webhookNonce.MatchString(nonce) {
		return time.Time{}, &desk.Error{Code: desk.EUNAUTHORIZED, Field: "X-Destek-Nonce", Message: "X-Destek-Nonce must be 16 to 64 letters, digits, - or _"}
	}
	got, ok := strings.CutPrefix(sig, "sha256=")
	want := webhookSignature(src.Secret, ts, nonce, body)
	gotRaw, herr := hex.DecodeString(got)
	if !ok || herr != nil || !hmac.Equal(gotRaw, want) {
		return time.Time{}, &desk.Error{Code: desk.EUNAUTHORIZED, Field: "X-Destek-Signature",
			Message: "the signature does not match: X-Destek-Signature must be sha256=HEX(HMAC-SHA256(secret, timestamp.nonce.body)) over the exact body sent"}
	}
	// The timestamp is checked after the signature so that only the
	// source learns about its clock being off.
	signedAt := time.Unix(secs, 0)
	if d := s.cfg.Now().Sub(signedAt); d > WebhookWindow || d < -WebhookWindow {
		return time.Time{}, &desk.Error{Code: desk.EUNAUTHORIZED, Field: "X-Destek-Timestamp",
			Message: fmt.Sprintf("the timestamp is %s off the server clock; requests must be signed within %s of it (check the sender's clock)", d.Abs().Round(time.Second), WebhookWindow)}
	}
	return signedAt, nil
}

// webhookSignature is the HMAC a source sends for a request.
func webhookSignature(secret, ts, nonce string, body []byte) []byte {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write([]byte(nonce))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return mac.Sum(nil)
}

// checkWebhookMessage validates a decoded message and returns its contact
// and cleaned text.
func checkWebhookMessage(in *webhookMessage) (*desk.Contact, string, error) {
	if in.Channel != string(desk.ChannelSocial) {
		return nil, "", desk.FieldErrorf("channel", "channel must be \"social\"")
	}
	if !webhookPlatforms[in.Platform] {
		return nil, "", enumError("platform", in.Platform, "whatsapp, instagram, x, facebook, other")
	}
	for field, v := range map[string]string{"conversation_id": in.ConversationID, "message_id": in.MessageID} {
		if _, err := cleanLine(field, v, maxWebhookID, true); err != nil {
			return nil, "", err
		}
	}
	if in.SentAt == "" {
		return nil, "", desk.FieldErrorf("sent_at", "sent_at is required (RFC 3339, e.g. 2026-01-02T15:04:05Z)")
	}
	if _, err := time.Parse(time.RFC3339, in.SentAt); err != nil {
		return nil, "", desk.FieldErrorf("sent_at", "sent_at %q is not an RFC 3339 time like 2026-01-02T15:04:05Z", in.SentAt)
	}
	handle, err := cleanLine("from.handle", in.From.Handle, 200, true)
	if err != nil {
		return nil, "", err
	}
	// A handle is unique only on its platform: @ayse on Instagram and on X
	// may be two people, so the contact address carries the platform.
	addr, err := desk.NormaliseAddress(desk.ChannelSocial, in.Platform+":"+strings.TrimPrefix(handle, "@"))
	if err != nil {
		return nil, "", withField(err, "from.handle")
	}
	c := &desk.Contact{Channel: desk.ChannelSocial, Address: addr}
	if c.Name, err = cleanLine("from.name", in.From.Name, maxNameLen, false); err != nil {
		return nil, "", err
	}
	text, err := cleanText("text", in.Text, maxTextLen, true)
	if err != nil {
		return nil, "", err
	}
	return c, text, nil
}

// webhookSubject makes a ticket subject from the first message: social
// messages have none of their own.
func webhookSubject(platform, text string) string {
	line, _, _ := strings.Cut(text, "\n")
	r := []rune(strings.TrimSpace(line))
	if len(r) > 80 {
		r = append(r[:80], '…')
	}
	return platform + ": " + string(r)
}
