package email

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"destek/internal/desk"
)

// ReplySecretSetting is the settings key of the secret that signs reply
// addresses. It lives in the database so that every node signs and checks
// with the same one.
const ReplySecretSetting = "mail.reply_secret"

// replyTokenLen is the length of a reply token in hex digits: 80 bits of
// an HMAC, more than anyone can guess at the rate an SMTP server answers.
const replyTokenLen = 20

// Errors of ParseReplyAddress.
var (
	// ErrNotReplyAddress: the address carries no ticket tag.
	ErrNotReplyAddress = errors.New("not a reply address")
	// ErrBadReplyToken: the address names a ticket, but its token was not
	// signed by this desk (forged, guessed or mistyped).
	ErrBadReplyToken = errors.New("the reply address token does not match its ticket")
)

// ReplySecret returns the secret that signs reply addresses, generating
// and storing it on first use. Every node gets the same one.
func ReplySecret(ctx context.Context, s desk.MailStore) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("generate the reply-address secret: %w", err)
	}
	secret, err := s.EnsureSetting(desk.WithActor(ctx, desk.SystemActor), ReplySecretSetting, fresh)
	if err != nil {
		return nil, fmt.Errorf("load the reply-address secret: %w", err)
	}
	return secret, nil
}

// replyToken is the token of a ticket: the first replyTokenLen hex digits
// of HMAC-SHA256(secret, "destek reply <ticketID>"). Hex and lower case,
// because mail systems may change the case of local parts.
func replyToken(secret []byte, ticketID int64) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("destek reply " + strconv.FormatInt(ticketID, 10)))
	return hex.EncodeToString(mac.Sum(nil))[:replyTokenLen]
}

// ReplyAddress returns the address replies to a ticket's mail should go
// to: the mailbox with a plus tag naming the ticket and a token signing it,
// e.g. support+t123-3f9a0c1d2e4b5a6c7d8e@atakdomain.com. Mail to it joins
// ticket 123 whoever sends it, so the token must be unguessable: it is an
// HMAC of the ticket id under the desk's secret (ReplySecret). A mailbox
// that is not an address is returned unchanged.
func ReplyAddress(secret []byte, mailbox string, ticketID int64) string {
	at := strings.LastIndexByte(mailbox, '@')
	if at <= 0 {
		return mailbox
	}
	local, domain := mailbox[:at], mailbox[at+1:]
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	return fmt.Sprintf("%s+t%d-%s@%s", local, ticketID, replyToken(secret, ticketID), domain)
}

// ParseReplyAddress splits an address of the form ReplyAddress makes into
// the mailbox (lower case, without the tag) and the ticket id, checking the
// token in constant time. An address without a ticket tag is
// ErrNotReplyAddress (with the mailbox still returned, minus any other plus
// tag); one whose token does not verify is ErrBadReplyToken, with the
// mailbox and the claimed ticket id returned for the log.
func ParseReplyAddress(secret []byte, addr string) (mailbox string, ticketID int64, err error) {
	addr = strings.ToLower(strings.TrimSpace(addr))
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return addr, 0, ErrNotReplyAddress
	}
	local, domain := addr[:at], addr[at+1:]
	plus := strings.IndexByte(local, '+')
	if plus < 0 {
		return addr, 0, ErrNotReplyAddress
	}
	mailbox = local[:plus] + "@" + domain
	tag := local[plus+1:]
	if !strings.HasPrefix(tag, "t") {
		return mailbox, 0, ErrNotReplyAddress
	}
	num, token, ok := strings.Cut(tag[1:], "-")
	if !ok {
		return mailbox, 0, ErrNotReplyAddress
	}
	id, perr := strconv.ParseInt(num, 10, 64)
	if perr != nil || id <= 0 || strconv.FormatInt(id, 10) != num {
		return mailbox, 0, ErrNotReplyAddress
	}
	want := replyToken(secret, id)
	if len(token) != len(want) || !hmac.Equal([]byte(token), []byte(want)) {
		return mailbox, id, ErrBadReplyToken
	}
	return mailbox, id, nil
}
