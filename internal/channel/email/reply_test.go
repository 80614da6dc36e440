package email

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"destek/internal/desk"
	"destek/internal/policy"
	"destek/internal/store/storetest"
)

var testSecret = bytes.Repeat([]byte{7}, 32)

func TestReplyAddress(t *testing.T) {
	a := ReplyAddress(testSecret, "support@atakdomain.com", 123)
	if !strings.HasPrefix(a, "support+t123-") || !strings.HasSuffix(a, "@atakdomain.com") || len(a) != len("support+t123-@atakdomain.com")+replyTokenLen {
		t.Fatalf("ReplyAddress = %q", a)
	}
	if b := ReplyAddress(testSecret, "support+old@atakdomain.com", 123); b != a {
		t.Errorf("an existing tag is not replaced: %q", b)
	}
	for _, addr := range []string{a, strings.ToUpper(a), " " + a + " "} {
		mailbox, id, err := ParseReplyAddress(testSecret, addr)
		if err != nil || mailbox != "support@atakdomain.com" || id != 123 {
			t.Errorf("ParseReplyAddress(%q) = %q %d %v", addr, mailbox, id, err)
		}
	}
	// Another secret, another ticket's token, a cut token: all refused.
	other := ReplyAddress(bytes.Repeat([]byte{8}, 32), "support@atakdomain.com", 123)
	swapped := strings.Replace(ReplyAddress(testSecret, "support@atakdomain.com", 124), "t124-", "t123-", 1)
	for _, addr := range []string{other, swapped, a[:len(a)-len("@atakdomain.com")-1] + "@atakdomain.com"} {
		mailbox, id, err := ParseReplyAddress(testSecret, addr)
		if !errors.Is(err, ErrBadReplyToken) || mailbox != "support@atakdomain.com" || id != 123 {
			t.Errorf("ParseReplyAddress(%q) = %q %d %v, want a bad token for ticket 123", addr, mailbox, id, err)
		}
	}
	for _, addr := range []string{"support@atakdomain.com", "support+hello@atakdomain.com", "support+t12@atakdomain.com", "support+t0-abc@atakdomain.com", "support+t012-abc@atakdomain.com", "nope"} {
		if _, _, err := ParseReplyAddress(testSecret, addr); !errors.Is(err, ErrNotReplyAddress) {
			t.Errorf("ParseReplyAddress(%q): %v, want not a reply address", addr, err)
		}
	}
}

func TestReplySecretShared(t *testing.T) {
	s := storetest.OpenSQLite(t)
	a, err := ReplySecret(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ReplySecret(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 32 || !bytes.Equal(a, b) {
		t.Fatalf("secrets %x and %x: want one 32-byte secret for every caller", a, b)
	}
}

func TestResolveRecipient(t *testing.T) {
	doc := policy.Default()
	for _, c := range []struct {
		rcpt       string
		ok         bool
		kind       string
		queue      string
		ticket     int64
		badToken   bool
		wantMailbx string
	}{
		{"support@atakdomain.com", true, KindSupport, "", 0, false, "support@atakdomain.com"},
		{"Destek@AtakDomain.com", true, KindSupport, "", 0, false, "destek@atakdomain.com"},
		{"destek+fatura@atakdomain.com", true, KindSupport, "", 0, false, "destek@atakdomain.com"},
		{"domain@apiname.com", true, KindAbuse, desk.QueueAbuse, 0, false, "domain@apiname.com"},
		{"hukuk@atakdomain.com", true, KindLegal, desk.QueueLegal, 0, false, "hukuk@atakdomain.com"},
		{ReplyAddress(testSecret, "hukuk@atakdomain.com", 9), true, KindLegal, desk.QueueLegal, 9, false, "hukuk@atakdomain.com"},
		{"support+t9-00000000000000000000@atakdomain.com", true, KindSupport, "", 0, true, "support@atakdomain.com"},
		{"info@atakdomain.com", false, "", "", 0, false, ""},
		{"support@apiname.com", false, "", "", 0, false, ""},
	} {
		r, ok := ResolveRecipient(doc, testSecret, c.rcpt)
		if ok != c.ok || r.Kind != c.kind || r.Queue != c.queue || r.TicketID != c.ticket || r.BadToken != c.badToken || r.Mailbox != c.wantMailbx {
			t.Errorf("ResolveRecipient(%q) = %+v %v", c.rcpt, r, ok)
		}
	}
	// A disabled channel takes no mail. (Default returns a shared
	// document: change a copy.)
	off := *doc
	off.Channels.Legal.Enabled = false
	if _, ok := ResolveRecipient(&off, testSecret, "hukuk@atakdomain.com"); ok {
		t.Error("a disabled channel's address was accepted")
	}
	if got := pickRoute([]Route{{Kind: KindSupport}, {Kind: KindLegal}, {Kind: KindAbuse}}); got.Kind != KindLegal {
		t.Errorf("pickRoute chose %s, want legal", got.Kind)
	}
	if got := pickRoute([]Route{{Kind: KindLegal}, {Kind: KindSupport, TicketID: 4}}); got.TicketID != 4 {
		t.Errorf("pickRoute did not prefer the reply address: %+v", got)
	}
}
