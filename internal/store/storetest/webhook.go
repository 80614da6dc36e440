package storetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"destek/internal/desk"
)

// testWebhookSources checks creating, reading, listing and deleting webhook
// sources, and that the secret never reaches the audit trail.
func testWebhookSources(t *testing.T, s desk.Store) {
	ctx := agentCtx
	src := &desk.WebhookSource{Name: "bridge", Secret: "s3cret-s3cret-s3cret-s3cret"}
	must(t, s.CreateWebhookSource(ctx, src))
	if src.CreatedAt.IsZero() {
		t.Error("created_at not set")
	}
	wantErr(t, s.CreateWebhookSource(ctx, &desk.WebhookSource{Name: "bridge", Secret: "another-secret-0000"}), desk.ECONFLICT, "name")
	wantErr(t, s.CreateWebhookSource(ctx, &desk.WebhookSource{Name: "short", Secret: "short"}), desk.EINVALID, "secret")
	wantErr(t, s.CreateWebhookSource(ctx, &desk.WebhookSource{Name: " ", Secret: "long-enough-secret-0"}), desk.EINVALID, "name")

	got, err := s.WebhookSource(ctx, "bridge")
	must(t, err)
	if got.Name != "bridge" || got.Secret != src.Secret || !got.CreatedAt.Equal(src.CreatedAt) {
		t.Errorf("source = %+v, want %+v", got, src)
	}
	wantErr(t, second(s.WebhookSource(ctx, "nobody")), desk.ENOTFOUND, "")
	must(t, s.CreateWebhookSource(ctx, &desk.WebhookSource{Name: "another", Secret: "another-secret-0000"}))
	list, err := s.ListWebhookSources(ctx)
	must(t, err)
	if len(list) != 2 || list[0].Name != "another" || list[1].Name != "bridge" || list[0].Secret != "" || list[1].Secret != "" {
		t.Errorf("list = %+v, want another and bridge without secrets", list)
	}

	must(t, s.UseWebhookNonce(ctx, "bridge", "nonce-0000000001", time.Now(), time.Now().Add(-time.Hour)))
	must(t, s.DeleteWebhookSource(ctx, "bridge"))
	wantErr(t, s.DeleteWebhookSource(ctx, "bridge"), desk.ENOTFOUND, "")
	wantErr(t, second(s.WebhookSource(ctx, "bridge")), desk.ENOTFOUND, "")
	// A source registered again under the name starts afresh.
	must(t, s.CreateWebhookSource(ctx, &desk.WebhookSource{Name: "bridge", Secret: "a-new-secret-000000"}))
	must(t, s.UseWebhookNonce(ctx, "bridge", "nonce-0000000001", time.Now(), time.Now().Add(-time.Hour)))

	var created, deleted int
	for _, e := range allAudit(t, s) {
		if strings.Contains(string(e.Before)+string(e.After), "secret") {
			t.Errorf("audit event %s holds the secret: %s %s", e.Action, e.Before, e.After)
		}
		switch e.Action {
		case "webhook_source.create":
			created++
		case "webhook_source.delete":
			deleted++
		}
	}
	if created != 3 || deleted != 1 {
		t.Errorf("audit: %d creations, %d deletions, want 3 and 1", created, deleted)
	}
}

// testWebhookNonces checks that a nonce is taken once per source, even by
// concurrent callers, and that nonces older than the window are pruned.
func testWebhookNonces(t *testing.T, s desk.Store) {
	ctx := agentCtx
	now := time.Now().UTC().Truncate(time.Second)
	must(t, s.UseWebhookNonce(ctx, "a", "nonce-0000000001", now, now.Add(-10*time.Minute)))
	wantErr(t, s.UseWebhookNonce(ctx, "a", "nonce-0000000001", now, now.Add(-10*time.Minute)), desk.ECONFLICT, "X-Destek-Nonce")
	must(t, s.UseWebhookNonce(ctx, "b", "nonce-0000000001", now, now.Add(-10*time.Minute)))

	// Pruning forgets the nonce once it is older than the window.
	later := now.Add(11 * time.Minute)
	must(t, s.UseWebhookNonce(ctx, "a", "nonce-0000000002", later, later.Add(-10*time.Minute)))
	must(t, s.UseWebhookNonce(ctx, "a", "nonce-0000000001", later, later.Add(-10*time.Minute)))

	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.UseWebhookNonce(ctx, "a", "racing-nonce-00001", later, later.Add(-10*time.Minute))
		}()
	}
	wg.Wait()
	ok := winners(t, errs, "racing nonce")
	if ok != 1 {
		t.Errorf("%d racing uses of one nonce succeeded, want 1", ok)
	}
}

// testWebhookClaim checks that the message made of a webhook delivery is
// recorded with it, that a message id is taken once (concurrently too),
// and that conversations map to the ticket of their latest message.
func testWebhookClaim(t *testing.T, s desk.Store) {
	contact := func() *desk.Contact { return &desk.Contact{Channel: desk.ChannelSocial, Address: "instagram:ayse"} }
	claimCtx := func(conv, id string) (*desk.WebhookClaim, func() *desk.Message) {
		c := &desk.WebhookClaim{Source: "bridge", ConversationID: conv, MessageID: id}
		return c, func() *desk.Message { return &desk.Message{Direction: desk.Inbound, Text: "EPP kodu lazım"} }
	}
	wantErr(t, second(s.WebhookConversation(agentCtx, "bridge", "conv-1")), desk.ENOTFOUND, "")
	wantErr(t, second(s.WebhookMessageByID(agentCtx, "bridge", "m-1")), desk.ENOTFOUND, "")

	c, msg := claimCtx("conv-1", "m-1")
	tk := &desk.Ticket{Subject: "instagram: EPP", Channel: desk.ChannelSocial}
	first := msg()
	must(t, s.CreateTicket(desk.WithWebhookClaim(agentCtx, c), tk, contact(), first, nil))
	got, err := s.WebhookMessageByID(agentCtx, "bridge", "m-1")
	must(t, err)
	if got.TicketID != tk.ID || got.DeskMessageID != first.ID || got.ConversationID != "conv-1" || got.CreatedAt.IsZero() {
		t.Errorf("webhook message = %+v, want ticket %d message %d", got, tk.ID, first.ID)
	}
	id, err := s.WebhookConversation(agentCtx, "bridge", "conv-1")
	must(t, err)
	if id != tk.ID {
		t.Errorf("conversation maps to %d, want %d", id, tk.ID)
	}

	// The same message id again writes nothing.
	c2, _ := claimCtx("conv-1", "m-1")
	wantErr(t, second(s.AddMessage(desk.WithWebhookClaim(agentCtx, c2), &desk.Message{TicketID: tk.ID, Direction: desk.Inbound, Text: "tekrar"}, nil, false)), desk.ECONFLICT, "message_id")
	ms, err := s.Messages(agentCtx, tk.ID)
	must(t, err)
	if len(ms) != 1 {
		t.Fatalf("%d messages after a duplicate claim, want 1", len(ms))
	}

	// A later conversation message on a new ticket moves the conversation.
	c3, msg3 := claimCtx("conv-1", "m-2")
	tk2 := &desk.Ticket{Subject: "instagram: yeni", Channel: desk.ChannelSocial}
	must(t, s.CreateTicket(desk.WithWebhookClaim(agentCtx, c3), tk2, contact(), msg3(), nil))
	if id, err := s.WebhookConversation(agentCtx, "bridge", "conv-1"); err != nil || id != tk2.ID {
		t.Errorf("conversation maps to %d (%v), want %d", id, err, tk2.ID)
	}

	// Concurrent deliveries of one message: exactly one is stored.
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, _ := claimCtx("conv-1", "m-race")
			_, errs[i] = s.AddMessage(desk.WithWebhookClaim(agentCtx, c), &desk.Message{TicketID: tk2.ID, Direction: desk.Inbound, Text: "yarış"}, nil, false)
		}()
	}
	wg.Wait()
	ok := winners(t, errs, "racing claim")
	ms, err = s.Messages(agentCtx, tk2.ID)
	must(t, err)
	if ok != 1 || len(ms) != 2 {
		t.Errorf("%d racing claims succeeded and ticket has %d messages, want 1 and 2", ok, len(ms))
	}
}
