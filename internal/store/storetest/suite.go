package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"destek/internal/desk"
)

// Run runs the conformance suite: every method of desk.Store, its audit
// events and its errors. open must return a fresh, migrated, empty store
// for each call; Run calls it once per subtest.
func Run(t *testing.T, open func(t *testing.T) desk.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s desk.Store)
	}{
		{"migrate", testMigrate},
		{"queues", testQueues},
		{"accounts", testAccounts},
		{"accounts/list", testListAccounts},
		{"authorised_contacts", testAuthorisedContacts},
		{"contacts", testContacts},
		{"contacts/list", testListContacts},
		{"agents", testAgents},
		{"tokens", testTokens},
		{"sessions", testSessions},
		{"tickets/create", testCreateTicket},
		{"tickets/create_invalid", testCreateTicketInvalid},
		{"tickets/create_rollback", testCreateTicketRollback},
		{"tickets/create_concurrent", testCreateTicketConcurrent},
		{"tickets/create_concurrent_failures", testCreateTicketConcurrentFailures},
		{"tickets/update", testUpdateTicket},
		{"tickets/link", testLinkTickets},
		{"tickets/list", testListTickets},
		{"messages", testMessages},
		{"messages/status", testMessageStatus},
		{"search", testSearch},
		{"audit", testAudit},
		{"not_found", testNotFound},
		{"policy_versions", testPolicyVersions},
		{"classification", testClassification},
		{"mail/receive", testReceiveMail},
		{"mail/receive_concurrent", testReceiveMailConcurrent},
		{"mail/mark", testMarkMail},
		{"mail/claim", testMailClaim},
		{"mail/claim_concurrent", testMailClaimConcurrent},
		{"mail/message_ids", testMessageIDs},
		{"mail/settings", testSettings},
		{"mail/accounts_by_email", testAccountsByEmail},
		{"outbox/queue", testOutboxQueue},
		{"outbox/claim", testOutboxClaim},
		{"outbox/lease", testOutboxLease},
		{"outbox/concurrent_claims", testOutboxConcurrentClaims},
		{"outbox/mailbox_positions", testMailboxPositions},
		{"webhook/sources", testWebhookSources},
		{"webhook/nonces", testWebhookNonces},
		{"webhook/claim", testWebhookClaim},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open(t)) })
	}
}

// Actors of the suite's changes.
var (
	supervisor = desk.Actor{Kind: desk.ActorAgent, ID: 7, Role: desk.RoleSupervisor}
	agentCtx   = desk.WithActor(context.Background(), supervisor)
)

func ptr[T any](v T) *T { return &v }

// second returns the error of a two-result call, for must and wantErr.
func second[T any](_ T, err error) error { return err }

// wantErr fails unless err carries a *desk.Error with the code and field.
func wantErr(t *testing.T, err error, code, field string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s (field %q)", code, field)
	}
	var de *desk.Error
	if !errors.As(err, &de) {
		t.Fatalf("got %v (%T), want a *desk.Error %s (field %q)", err, err, code, field)
	}
	if de.Code != code || de.Field != field {
		t.Fatalf("got %s (field %q): %v; want %s (field %q)", de.Code, de.Field, err, code, field)
	}
	if de.Message == "" {
		t.Fatalf("error %v has no message", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// auditOf returns the audit events of one entity, newest first.
func auditOf(t *testing.T, s desk.Store, entityType string, id int64) []*desk.AuditEvent {
	t.Helper()
	ev, _, err := s.ListAudit(context.Background(), desk.AuditFilter{EntityType: entityType, EntityID: &id, Limit: desk.MaxPageSize})
	must(t, err)
	return ev
}

// allAudit returns every audit event (up to a page's worth).
func allAudit(t *testing.T, s desk.Store) []*desk.AuditEvent {
	t.Helper()
	ev, _, err := s.ListAudit(context.Background(), desk.AuditFilter{Limit: desk.MaxPageSize})
	must(t, err)
	return ev
}

// checkEvent checks one audit event and decodes its documents into before
// and after (either may be nil to skip).
func checkEvent(t *testing.T, e *desk.AuditEvent, action, entityType string, id int64, actor desk.Actor, before, after any) {
	t.Helper()
	if e.Action != action || e.EntityType != entityType || e.EntityID != id {
		t.Fatalf("audit event %s %s/%d, want %s %s/%d", e.Action, e.EntityType, e.EntityID, action, entityType, id)
	}
	if e.Actor != actor {
		t.Errorf("audit actor %+v, want %+v", e.Actor, actor)
	}
	if e.At.IsZero() || e.At.Location() != time.UTC {
		t.Errorf("audit time %v is zero or not UTC", e.At)
	}
	decode := func(name string, raw json.RawMessage, into any) {
		if into == nil {
			return
		}
		if len(raw) == 0 || string(raw) == "null" {
			t.Fatalf("%s of %s is empty", name, action)
		}
		if err := json.Unmarshal(raw, into); err != nil {
			t.Fatalf("%s of %s: %v: %s", name, action, err, raw)
		}
	}
	decode("before", e.Before, before)
	decode("after", e.After, after)
}

func testMigrate(t *testing.T, s desk.Store) {
	ctx := context.Background()
	must(t, s.Ping(ctx))
	// Migrating a migrated database changes nothing.
	must(t, s.Migrate(ctx))
	qs, err := s.ListQueues(ctx)
	must(t, err)
	var keys []string
	for _, q := range qs {
		keys = append(keys, q.Key)
		if q.Name == "" || q.Description == "" || q.CreatedAt.IsZero() {
			t.Errorf("seeded queue %+v lacks a name, description or time", q)
		}
	}
	want := []string{desk.QueueSupport, desk.QueueTechnical, desk.QueueBilling, desk.QueueLegal, desk.QueueAbuse, desk.QueueProfessionalServices}
	if !slices.Equal(keys, want) {
		t.Errorf("seeded queues %v, want %v", keys, want)
	}
	n, err := s.CountAgents(ctx)
	must(t, err)
	if n != 0 {
		t.Errorf("a new database has %d agents", n)
	}
}

func testQueues(t *testing.T, s desk.Store) {
	ctx := agentCtx
	q, err := s.Queue(ctx, desk.QueueBilling)
	must(t, err)
	if q.Key != desk.QueueBilling || !strings.Contains(q.Name, "Billing") {
		t.Errorf("billing queue %+v", q)
	}
	_, err = s.Queue(ctx, "nope")
	wantErr(t, err, desk.ENOTFOUND, "")

	nq := &desk.Queue{Key: "domains_tr", Name: " .tr Alan Adları ", Description: "TRABİS"}
	must(t, s.CreateQueue(ctx, nq))
	if nq.Name != ".tr Alan Adları" || nq.CreatedAt.IsZero() {
		t.Errorf("created queue %+v", nq)
	}
	got, err := s.Queue(ctx, "domains_tr")
	must(t, err)
	if *got != *nq {
		t.Errorf("read %+v, created %+v", got, nq)
	}
	qs, err := s.ListQueues(ctx)
	must(t, err)
	if len(qs) != 7 || qs[6].Key != "domains_tr" {
		t.Errorf("queues after create: %d, last %q", len(qs), qs[len(qs)-1].Key)
	}
	ev := allAudit(t, s)
	if len(ev) != 1 {
		t.Fatalf("%d audit events, want 1", len(ev))
	}
	var after desk.Queue
	checkEvent(t, ev[0], "queue.create", "queue", ev[0].EntityID, supervisor, nil, &after)
	if after.Key != "domains_tr" || ev[0].Before != nil {
		t.Errorf("queue.create after %+v, before %s", after, ev[0].Before)
	}

	wantErr(t, s.CreateQueue(ctx, &desk.Queue{Key: "domains_tr", Name: "again"}), desk.ECONFLICT, "key")
	wantErr(t, s.CreateQueue(ctx, &desk.Queue{Key: "Bad Key", Name: "x"}), desk.EINVALID, "key")
	wantErr(t, s.CreateQueue(ctx, &desk.Queue{Key: "", Name: "x"}), desk.EINVALID, "key")
	wantErr(t, s.CreateQueue(ctx, &desk.Queue{Key: "ok", Name: "  "}), desk.EINVALID, "name")
	if n := len(allAudit(t, s)); n != 1 {
		t.Errorf("failed creates wrote audit events: %d", n)
	}
}

func testAccounts(t *testing.T, s desk.Store) {
	ctx := agentCtx
	a := &desk.Account{Name: "  Atak Bilişim A.Ş. ", Kind: desk.AccountCorporate, Email: "Muhasebe@Atak.COM.tr", Phone: "+90 (212) 555-12-34"}
	must(t, s.CreateAccount(ctx, a))
	if a.ID == 0 || a.Name != "Atak Bilişim A.Ş." || a.Status != desk.AccountActive || a.Email != "muhasebe@atak.com.tr" || a.Phone != "+902125551234" {
		t.Errorf("created %+v", a)
	}
	if a.CreatedAt.IsZero() || !a.CreatedAt.Equal(a.UpdatedAt) || a.CreatedAt.Location() != time.UTC {
		t.Errorf("times %v %v", a.CreatedAt, a.UpdatedAt)
	}
	got, err := s.Account(ctx, a.ID)
	must(t, err)
	if !equalJSON(got, a) {
		t.Errorf("read %+v, created %+v", got, a)
	}
	ind := &desk.Account{Name: "Ayşe Yılmaz"}
	must(t, s.CreateAccount(ctx, ind))
	if ind.Kind != desk.AccountIndividual || ind.Status != desk.AccountActive {
		t.Errorf("defaults: %+v", ind)
	}
	ev := auditOf(t, s, "account", a.ID)
	if len(ev) != 1 {
		t.Fatalf("%d events for the account", len(ev))
	}
	var after desk.Account
	checkEvent(t, ev[0], "account.create", "account", a.ID, supervisor, nil, &after)
	if !equalJSON(&after, a) {
		t.Errorf("audit after %+v, want %+v", after, a)
	}

	wantErr(t, s.CreateAccount(ctx, &desk.Account{Name: ""}), desk.EINVALID, "name")
	wantErr(t, s.CreateAccount(ctx, &desk.Account{Name: "x", Kind: "alien"}), desk.EINVALID, "kind")
	wantErr(t, s.CreateAccount(ctx, &desk.Account{Name: "x", Status: "gone"}), desk.EINVALID, "status")
	wantErr(t, s.CreateAccount(ctx, &desk.Account{Name: "x", Email: "not an address"}), desk.EINVALID, "email")
	wantErr(t, s.CreateAccount(ctx, &desk.Account{Name: "x", Phone: "12"}), desk.EINVALID, "phone")
	wantErr(t, s.CreateAccount(ctx, &desk.Account{Name: "x", ParentID: ptr(int64(999999))}), desk.EINVALID, "parent_id")
	wantErr(t, s.CreateAccount(ctx, &desk.Account{Name: "x", ParentID: &a.ID}), desk.EINVALID, "parent_id") // not a reseller

	reseller := &desk.Account{Name: "Bayi Ltd", Kind: desk.AccountReseller}
	must(t, s.CreateAccount(ctx, reseller))
	sub := &desk.Account{Name: "Bayinin Müşterisi", ParentID: &reseller.ID}
	must(t, s.CreateAccount(ctx, sub))
	if sub.ParentID == nil || *sub.ParentID != reseller.ID {
		t.Errorf("sub-account parent %v", sub.ParentID)
	}
	_, err = s.UpdateAccount(ctx, reseller.ID, desk.AccountUpdate{Kind: ptr(desk.AccountCorporate)})
	wantErr(t, err, desk.EINVALID, "kind") // it has a sub-account

	// Update: before and after in the audit, normalisation, unlinking.
	up, err := s.UpdateAccount(ctx, a.ID, desk.AccountUpdate{Status: ptr(desk.AccountSuspended), Email: ptr("YENI@atak.com.tr")})
	must(t, err)
	if up.Status != desk.AccountSuspended || up.Email != "yeni@atak.com.tr" || up.Name != a.Name || !up.UpdatedAt.After(a.UpdatedAt) && !up.UpdatedAt.Equal(a.UpdatedAt) {
		t.Errorf("updated %+v", up)
	}
	ev = auditOf(t, s, "account", a.ID)
	if len(ev) != 2 {
		t.Fatalf("%d events after update", len(ev))
	}
	var before desk.Account
	checkEvent(t, ev[0], "account.update", "account", a.ID, supervisor, &before, &after)
	if before.Status != desk.AccountActive || after.Status != desk.AccountSuspended {
		t.Errorf("update audit before %s after %s", before.Status, after.Status)
	}
	// An update that changes nothing writes nothing.
	same, err := s.UpdateAccount(ctx, a.ID, desk.AccountUpdate{Status: ptr(desk.AccountSuspended)})
	must(t, err)
	if !equalJSON(same, up) || len(auditOf(t, s, "account", a.ID)) != 2 {
		t.Errorf("a no-op update changed something: %+v", same)
	}
	_, err = s.UpdateAccount(ctx, a.ID, desk.AccountUpdate{Kind: ptr(desk.AccountKind("x"))})
	wantErr(t, err, desk.EINVALID, "kind")
	_, err = s.UpdateAccount(ctx, a.ID, desk.AccountUpdate{Name: ptr(" ")})
	wantErr(t, err, desk.EINVALID, "name")
	_, err = s.UpdateAccount(ctx, reseller.ID, desk.AccountUpdate{ParentID: ptr(&reseller.ID)})
	wantErr(t, err, desk.EINVALID, "parent_id")
	_, err = s.UpdateAccount(ctx, 999999, desk.AccountUpdate{Name: ptr("x")})
	wantErr(t, err, desk.ENOTFOUND, "")
	unlinked, err := s.UpdateAccount(ctx, sub.ID, desk.AccountUpdate{ParentID: ptr((*int64)(nil))})
	must(t, err)
	if unlinked.ParentID != nil {
		t.Errorf("parent not removed: %v", *unlinked.ParentID)
	}
	got, err = s.Account(ctx, a.ID)
	must(t, err)
	if !equalJSON(got, up) {
		t.Errorf("read after update %+v, want %+v", got, up)
	}
}

func testListAccounts(t *testing.T, s desk.Store) {
	ctx := agentCtx
	names := []string{"ŞİRKET Bir", "Istanbul Hosting", "Çiçek Ltd", "Ayşe Öztürk", "sirket iki"}
	var ids []int64
	for i, n := range names {
		a := &desk.Account{Name: n, Email: fmt.Sprintf("info%d@example.com", i)}
		if i%2 == 0 {
			a.Kind = desk.AccountCorporate
		}
		must(t, s.CreateAccount(ctx, a))
		ids = append(ids, a.ID)
	}
	_, err := s.UpdateAccount(ctx, ids[0], desk.AccountUpdate{Status: ptr(desk.AccountClosed)})
	must(t, err)
	list := func(f desk.AccountFilter) []string {
		t.Helper()
		as, _, err := s.ListAccounts(ctx, f)
		must(t, err)
		var out []string
		for _, a := range as {
			out = append(out, a.Name)
		}
		return out
	}
	if got := list(desk.AccountFilter{}); !slices.Equal(got, []string{"sirket iki", "Ayşe Öztürk", "Çiçek Ltd", "Istanbul Hosting", "ŞİRKET Bir"}) {
		t.Errorf("all, newest first: %q", got)
	}
	// Case- and Turkish-letter-insensitive matching of the name.
	if got := list(desk.AccountFilter{Query: "şirket"}); !slices.Equal(got, []string{"sirket iki", "ŞİRKET Bir"}) {
		t.Errorf("query şirket: %q", got)
	}
	if got := list(desk.AccountFilter{Query: "İSTANBUL"}); !slices.Equal(got, []string{"Istanbul Hosting"}) {
		t.Errorf("query İSTANBUL: %q", got)
	}
	if got := list(desk.AccountFilter{Query: "ozturk"}); !slices.Equal(got, []string{"Ayşe Öztürk"}) {
		t.Errorf("query ozturk: %q", got)
	}
	if got := list(desk.AccountFilter{Query: "INFO2@"}); !slices.Equal(got, []string{"Çiçek Ltd"}) {
		t.Errorf("query by e-mail: %q", got)
	}
	if got := list(desk.AccountFilter{Query: "%"}); len(got) != 0 {
		t.Errorf("query %% matched %q: LIKE wildcards must be literal", got)
	}
	if got := list(desk.AccountFilter{Status: desk.AccountClosed}); !slices.Equal(got, []string{"ŞİRKET Bir"}) {
		t.Errorf("closed: %q", got)
	}
	if got := list(desk.AccountFilter{Kind: desk.AccountCorporate, Status: desk.AccountActive}); !slices.Equal(got, []string{"sirket iki", "Çiçek Ltd"}) {
		t.Errorf("active corporate: %q", got)
	}
	_, _, err = s.ListAccounts(ctx, desk.AccountFilter{Status: "x"})
	wantErr(t, err, desk.EINVALID, "status")
	_, _, err = s.ListAccounts(ctx, desk.AccountFilter{Kind: "x"})
	wantErr(t, err, desk.EINVALID, "kind")
	// Pages of two: 2, 2, 1.
	var seen []string
	cursor := ""
	for page := 0; ; page++ {
		as, next, err := s.ListAccounts(ctx, desk.AccountFilter{Limit: 2, Cursor: cursor})
		must(t, err)
		for _, a := range as {
			seen = append(seen, a.Name)
		}
		if next == "" {
			if page != 2 || len(as) != 1 {
				t.Errorf("last page %d has %d accounts", page, len(as))
			}
			break
		}
		if len(as) != 2 || page > 2 {
			t.Fatalf("page %d has %d accounts", page, len(as))
		}
		cursor = next
	}
	if !slices.Equal(seen, list(desk.AccountFilter{})) {
		t.Errorf("pages %q differ from the whole list", seen)
	}
	_, _, err = s.ListAccounts(ctx, desk.AccountFilter{Cursor: "not-a-cursor!"})
	wantErr(t, err, desk.EINVALID, "cursor")
}

func testAuthorisedContacts(t *testing.T, s desk.Store) {
	ctx := agentCtx
	a := &desk.Account{Name: "Kurumsal A.Ş.", Kind: desk.AccountCorporate}
	must(t, s.CreateAccount(ctx, a))
	c := &desk.AuthorisedContact{AccountID: a.ID, Name: "Mehmet Demir", Email: "Mehmet@Kurumsal.com", Phone: "0532 111 22 33", Role: desk.AccountTechnical}
	must(t, s.AddAuthorisedContact(ctx, c))
	if c.ID == 0 || c.Email != "mehmet@kurumsal.com" || c.Phone != "05321112233" || c.CreatedAt.IsZero() {
		t.Errorf("added %+v", c)
	}
	c2 := &desk.AuthorisedContact{AccountID: a.ID, Name: "Zeynep Kaya", Email: "zeynep@kurumsal.com", Role: desk.AccountOwner}
	must(t, s.AddAuthorisedContact(ctx, c2))
	cs, err := s.AuthorisedContacts(ctx, a.ID)
	must(t, err)
	if len(cs) != 2 || !equalJSON(cs[0], c) || !equalJSON(cs[1], c2) {
		t.Errorf("listed %+v", cs)
	}
	wantErr(t, s.AddAuthorisedContact(ctx, &desk.AuthorisedContact{AccountID: 999999, Name: "x", Role: desk.AccountAdmin}), desk.ENOTFOUND, "")
	wantErr(t, s.AddAuthorisedContact(ctx, &desk.AuthorisedContact{AccountID: a.ID, Name: "x", Role: "boss"}), desk.EINVALID, "role")
	wantErr(t, s.AddAuthorisedContact(ctx, &desk.AuthorisedContact{AccountID: a.ID, Name: "", Role: desk.AccountAdmin}), desk.EINVALID, "name")
	wantErr(t, s.AddAuthorisedContact(ctx, &desk.AuthorisedContact{AccountID: a.ID, Name: "x", Role: desk.AccountAdmin, Email: "nope"}), desk.EINVALID, "email")
	_, err = s.AuthorisedContacts(ctx, 999999)
	wantErr(t, err, desk.ENOTFOUND, "")

	other := &desk.Account{Name: "Başka"}
	must(t, s.CreateAccount(ctx, other))
	wantErr(t, s.RemoveAuthorisedContact(ctx, other.ID, c.ID), desk.ENOTFOUND, "") // not that account's
	must(t, s.RemoveAuthorisedContact(ctx, a.ID, c.ID))
	wantErr(t, s.RemoveAuthorisedContact(ctx, a.ID, c.ID), desk.ENOTFOUND, "")
	cs, err = s.AuthorisedContacts(ctx, a.ID)
	must(t, err)
	if len(cs) != 1 || cs[0].ID != c2.ID {
		t.Errorf("after removal %+v", cs)
	}
	ev := auditOf(t, s, "authorised_contact", c.ID)
	if len(ev) != 2 {
		t.Fatalf("%d events", len(ev))
	}
	var before desk.AuthorisedContact
	checkEvent(t, ev[0], "authorised_contact.delete", "authorised_contact", c.ID, supervisor, &before, nil)
	if before.Name != "Mehmet Demir" || ev[0].After != nil {
		t.Errorf("delete event before %+v after %s", before, ev[0].After)
	}
	checkEvent(t, ev[1], "authorised_contact.create", "authorised_contact", c.ID, supervisor, nil, &before)
}

func testContacts(t *testing.T, s desk.Store) {
	ctx := agentCtx
	acc := &desk.Account{Name: "Müşteri"}
	must(t, s.CreateAccount(ctx, acc))
	c := &desk.Contact{Channel: desk.ChannelEmail, Address: " Ali.Veli@Example.COM ", Name: " Ali Veli "}
	must(t, s.CreateContact(ctx, c))
	if c.ID == 0 || c.Address != "ali.veli@example.com" || c.Name != "Ali Veli" || c.AccountID != nil || c.CreatedAt.IsZero() {
		t.Errorf("created %+v", c)
	}
	got, err := s.Contact(ctx, c.ID)
	must(t, err)
	if !equalJSON(got, c) {
		t.Errorf("read %+v, created %+v", got, c)
	}
	got, err = s.ContactByAddress(ctx, desk.ChannelEmail, "ALI.VELI@example.com")
	must(t, err)
	if got.ID != c.ID {
		t.Errorf("by address: %+v", got)
	}
	_, err = s.ContactByAddress(ctx, desk.ChannelChat, "ali.veli@example.com")
	wantErr(t, err, desk.ENOTFOUND, "")
	_, err = s.ContactByAddress(ctx, "pigeon", "x")
	wantErr(t, err, desk.EINVALID, "channel")

	wantErr(t, s.CreateContact(ctx, &desk.Contact{Channel: desk.ChannelEmail, Address: "ali.veli@EXAMPLE.com"}), desk.ECONFLICT, "address")
	wantErr(t, s.CreateContact(ctx, &desk.Contact{Channel: "pigeon", Address: "x"}), desk.EINVALID, "channel")
	wantErr(t, s.CreateContact(ctx, &desk.Contact{Channel: desk.ChannelEmail, Address: "nope"}), desk.EINVALID, "address")
	wantErr(t, s.CreateContact(ctx, &desk.Contact{Channel: desk.ChannelPhone, Address: "+90 532 000 00 00", AccountID: ptr(int64(999999))}), desk.EINVALID, "account_id")
	// The same address on another channel is another contact.
	phone := &desk.Contact{Channel: desk.ChannelPhone, Address: "+90 (532) 000-00-00", AccountID: &acc.ID}
	must(t, s.CreateContact(ctx, phone))
	if phone.Address != "+905320000000" || phone.AccountID == nil || *phone.AccountID != acc.ID {
		t.Errorf("phone contact %+v", phone)
	}
	social := &desk.Contact{Channel: desk.ChannelSocial, Address: "@AtakDomain"}
	must(t, s.CreateContact(ctx, social))
	wantErr(t, s.CreateContact(ctx, &desk.Contact{Channel: desk.ChannelSocial, Address: "atakdomain"}), desk.ECONFLICT, "address")

	up, err := s.UpdateContact(ctx, c.ID, desk.ContactUpdate{Name: ptr("Ali Veli Yılmaz"), AccountID: ptr(&acc.ID)})
	must(t, err)
	if up.Name != "Ali Veli Yılmaz" || up.AccountID == nil || *up.AccountID != acc.ID || up.UpdatedAt.Before(c.UpdatedAt) {
		t.Errorf("updated %+v", up)
	}
	_, err = s.UpdateContact(ctx, c.ID, desk.ContactUpdate{AccountID: ptr(ptr(int64(999999)))})
	wantErr(t, err, desk.EINVALID, "account_id")
	_, err = s.UpdateContact(ctx, 999999, desk.ContactUpdate{Name: ptr("x")})
	wantErr(t, err, desk.ENOTFOUND, "")
	un, err := s.UpdateContact(ctx, c.ID, desk.ContactUpdate{AccountID: ptr((*int64)(nil))})
	must(t, err)
	if un.AccountID != nil {
		t.Errorf("not unlinked: %+v", un)
	}
	ev := auditOf(t, s, "contact", c.ID)
	if len(ev) != 3 {
		t.Fatalf("%d contact events, want create and two updates", len(ev))
	}
	var before, after desk.Contact
	checkEvent(t, ev[0], "contact.update", "contact", c.ID, supervisor, &before, &after)
	if before.AccountID == nil || after.AccountID != nil {
		t.Errorf("unlink audit before %v after %v", before.AccountID, after.AccountID)
	}
	checkEvent(t, ev[2], "contact.create", "contact", c.ID, supervisor, nil, &after)
}

func testListContacts(t *testing.T, s desk.Store) {
	ctx := agentCtx
	acc := &desk.Account{Name: "Hesap"}
	must(t, s.CreateAccount(ctx, acc))
	// More than a maximal page, to see the cap and pages.
	n := desk.MaxPageSize + 5
	for i := range n {
		c := &desk.Contact{Channel: desk.ChannelChat, Address: fmt.Sprintf("visitor-%03d", i)}
		if i == 3 {
			c.Name, c.AccountID = "Gülşen İnce", &acc.ID
		}
		must(t, s.CreateContact(ctx, c))
	}
	must(t, s.CreateContact(ctx, &desk.Contact{Channel: desk.ChannelEmail, Address: "gulsen@example.com"}))
	cs, next, err := s.ListContacts(ctx, desk.ContactFilter{Limit: 10000})
	must(t, err)
	if len(cs) != desk.MaxPageSize || next == "" {
		t.Fatalf("limit above the maximum: %d contacts, next %q", len(cs), next)
	}
	if cs[0].Address != "gulsen@example.com" || cs[1].Address != fmt.Sprintf("visitor-%03d", n-1) {
		t.Errorf("not newest first: %q, %q", cs[0].Address, cs[1].Address)
	}
	rest, next, err := s.ListContacts(ctx, desk.ContactFilter{Limit: 10000, Cursor: next})
	must(t, err)
	if len(rest) != n+1-desk.MaxPageSize || next != "" {
		t.Errorf("second page: %d contacts, next %q", len(rest), next)
	}
	if rest[0].ID >= cs[len(cs)-1].ID {
		t.Errorf("pages overlap")
	}
	cs, _, err = s.ListContacts(ctx, desk.ContactFilter{})
	must(t, err)
	if len(cs) != desk.DefaultPageSize {
		t.Errorf("default page: %d", len(cs))
	}
	cs, _, err = s.ListContacts(ctx, desk.ContactFilter{Query: "GULSEN"})
	must(t, err)
	if len(cs) != 2 {
		t.Errorf("query GULSEN: %d contacts, want the name and the address match", len(cs))
	}
	cs, _, err = s.ListContacts(ctx, desk.ContactFilter{Channel: desk.ChannelChat, Query: "gülşen"})
	must(t, err)
	if len(cs) != 1 || cs[0].Name != "Gülşen İnce" {
		t.Errorf("chat + query: %+v", cs)
	}
	cs, _, err = s.ListContacts(ctx, desk.ContactFilter{AccountID: &acc.ID})
	must(t, err)
	if len(cs) != 1 || cs[0].Address != "visitor-003" {
		t.Errorf("by account: %+v", cs)
	}
	_, _, err = s.ListContacts(ctx, desk.ContactFilter{Channel: "pigeon"})
	wantErr(t, err, desk.EINVALID, "channel")
	_, _, err = s.ListContacts(ctx, desk.ContactFilter{Limit: -1})
	wantErr(t, err, desk.EINVALID, "limit")
	_, _, err = s.ListContacts(ctx, desk.ContactFilter{Cursor: "MTIz!"})
	wantErr(t, err, desk.EINVALID, "cursor")
}

func testAgents(t *testing.T, s desk.Store) {
	ctx := agentCtx
	a := &desk.Agent{Email: "Destek@Atak.com.tr", Name: "Deniz", Role: desk.RoleAgent, Active: true}
	must(t, s.CreateAgent(ctx, a, "$argon2id$v=19$hash"))
	if a.ID == 0 || a.Email != "destek@atak.com.tr" || a.CreatedAt.IsZero() {
		t.Errorf("created %+v", a)
	}
	got, err := s.Agent(ctx, a.ID)
	must(t, err)
	if *got != *a {
		t.Errorf("read %+v, created %+v", got, a)
	}
	got, err = s.AgentByEmail(ctx, "DESTEK@atak.com.tr")
	must(t, err)
	if got.ID != a.ID {
		t.Errorf("by e-mail %+v", got)
	}
	_, err = s.AgentByEmail(ctx, "nobody@atak.com.tr")
	wantErr(t, err, desk.ENOTFOUND, "")
	h, err := s.AgentPasswordHash(ctx, a.ID)
	must(t, err)
	if h != "$argon2id$v=19$hash" {
		t.Errorf("hash %q", h)
	}
	wantErr(t, s.CreateAgent(ctx, &desk.Agent{Email: "DESTEK@atak.com.tr", Name: "x", Role: desk.RoleAgent}, "h"), desk.ECONFLICT, "email")
	wantErr(t, s.CreateAgent(ctx, &desk.Agent{Email: "x@atak.com.tr", Name: "x", Role: "god"}, "h"), desk.EINVALID, "role")
	wantErr(t, s.CreateAgent(ctx, &desk.Agent{Email: "x@atak.com.tr", Name: " ", Role: desk.RoleAgent}, "h"), desk.EINVALID, "name")
	wantErr(t, s.CreateAgent(ctx, &desk.Agent{Email: "x", Name: "x", Role: desk.RoleAgent}, "h"), desk.EINVALID, "email")

	must(t, s.SetAgentPassword(ctx, a.ID, "$argon2id$v=19$new"))
	h, err = s.AgentPasswordHash(ctx, a.ID)
	must(t, err)
	if h != "$argon2id$v=19$new" {
		t.Errorf("hash after set %q", h)
	}
	wantErr(t, s.SetAgentPassword(ctx, 999999, "h"), desk.ENOTFOUND, "")
	_, err = s.AgentPasswordHash(ctx, 999999)
	wantErr(t, err, desk.ENOTFOUND, "")

	b := &desk.Agent{Email: "admin@atak.com.tr", Name: "Admin", Role: desk.RoleAdmin, Active: true}
	must(t, s.CreateAgent(desk.WithActor(context.Background(), desk.SystemActor), b, "h"))
	up, err := s.UpdateAgent(ctx, a.ID, desk.AgentUpdate{Role: ptr(desk.RoleSupervisor), Active: ptr(false)})
	must(t, err)
	if up.Role != desk.RoleSupervisor || up.Active || up.Name != "Deniz" {
		t.Errorf("updated %+v", up)
	}
	_, err = s.UpdateAgent(ctx, a.ID, desk.AgentUpdate{Role: ptr(desk.AgentRole("x"))})
	wantErr(t, err, desk.EINVALID, "role")
	_, err = s.UpdateAgent(ctx, a.ID, desk.AgentUpdate{Name: ptr("")})
	wantErr(t, err, desk.EINVALID, "name")
	_, err = s.UpdateAgent(ctx, 999999, desk.AgentUpdate{Active: ptr(true)})
	wantErr(t, err, desk.ENOTFOUND, "")
	as, err := s.ListAgents(ctx)
	must(t, err)
	if len(as) != 2 || as[0].ID != a.ID || as[1].ID != b.ID || as[0].Active {
		t.Errorf("listed %+v", as)
	}
	n, err := s.CountAgents(ctx)
	must(t, err)
	if n != 2 {
		t.Errorf("count %d", n)
	}

	ev := auditOf(t, s, "agent", a.ID)
	if len(ev) != 3 {
		t.Fatalf("%d agent events, want create, password, update", len(ev))
	}
	var before, after desk.Agent
	checkEvent(t, ev[0], "agent.update", "agent", a.ID, supervisor, &before, &after)
	if !before.Active || after.Active || after.Role != desk.RoleSupervisor {
		t.Errorf("update audit before %+v after %+v", before, after)
	}
	checkEvent(t, ev[1], "agent.password", "agent", a.ID, supervisor, nil, nil)
	checkEvent(t, ev[2], "agent.create", "agent", a.ID, supervisor, nil, &after)
	for _, e := range allAudit(t, s) {
		if bytes.Contains(e.Before, []byte("argon2")) || bytes.Contains(e.After, []byte("argon2")) {
			t.Errorf("audit event %s holds a password hash", e.Action)
		}
	}
	sys := auditOf(t, s, "agent", b.ID)
	checkEvent(t, sys[0], "agent.create", "agent", b.ID, desk.SystemActor, nil, nil)
}

func testTokens(t *testing.T, s desk.Store) {
	ctx := agentCtx
	secret := sha256.Sum256([]byte("dsk_secret_one"))
	tok := &desk.APIToken{Name: "CRM entegrasyonu", Role: desk.RoleAgent, Hash: secret[:]}
	must(t, s.CreateToken(ctx, tok))
	if tok.ID == 0 || tok.CreatedAt.IsZero() || tok.RevokedAt != nil || tok.LastUsedAt != nil {
		t.Errorf("created %+v", tok)
	}
	got, err := s.TokenByHash(ctx, secret[:])
	must(t, err)
	if got.ID != tok.ID || got.Name != tok.Name || got.Role != tok.Role || !bytes.Equal(got.Hash, secret[:]) {
		t.Errorf("by hash %+v", got)
	}
	other := sha256.Sum256([]byte("other"))
	_, err = s.TokenByHash(ctx, other[:])
	wantErr(t, err, desk.ENOTFOUND, "")
	wantErr(t, s.CreateToken(ctx, &desk.APIToken{Name: "dup", Role: desk.RoleAgent, Hash: secret[:]}), desk.ECONFLICT, "hash")
	wantErr(t, s.CreateToken(ctx, &desk.APIToken{Name: "short", Role: desk.RoleAgent, Hash: []byte("abc")}), desk.EINVALID, "hash")
	wantErr(t, s.CreateToken(ctx, &desk.APIToken{Name: "x", Role: "x", Hash: other[:]}), desk.EINVALID, "role")
	wantErr(t, s.CreateToken(ctx, &desk.APIToken{Name: "", Role: desk.RoleAgent, Hash: other[:]}), desk.EINVALID, "name")

	used := time.Date(2026, 3, 1, 12, 0, 0, 123456789, time.FixedZone("TRT", 3*3600))
	must(t, s.TouchToken(ctx, tok.ID, used))
	got, err = s.TokenByHash(ctx, secret[:])
	must(t, err)
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(used.Truncate(time.Microsecond)) || got.LastUsedAt.Location() != time.UTC {
		t.Errorf("last used %v, want %v in UTC", got.LastUsedAt, used)
	}
	wantErr(t, s.TouchToken(ctx, 999999, used), desk.ENOTFOUND, "")

	must(t, s.RevokeToken(ctx, tok.ID))
	_, err = s.TokenByHash(ctx, secret[:])
	wantErr(t, err, desk.ENOTFOUND, "")
	must(t, s.RevokeToken(ctx, tok.ID)) // again: nothing to do
	wantErr(t, s.RevokeToken(ctx, 999999), desk.ENOTFOUND, "")
	second := &desk.APIToken{Name: "Raporlama", Role: desk.RoleSupervisor, Hash: other[:]}
	must(t, s.CreateToken(ctx, second))
	ts, err := s.ListTokens(ctx)
	must(t, err)
	if len(ts) != 2 || ts[0].ID != second.ID || ts[1].ID != tok.ID || ts[1].RevokedAt == nil || ts[0].RevokedAt != nil {
		t.Errorf("listed %+v", ts)
	}
	ev := auditOf(t, s, "token", tok.ID)
	if len(ev) != 2 {
		t.Fatalf("%d token events, want create and one revoke", len(ev))
	}
	var before, after desk.APIToken
	checkEvent(t, ev[0], "token.revoke", "token", tok.ID, supervisor, &before, &after)
	if before.RevokedAt != nil || after.RevokedAt == nil {
		t.Errorf("revoke audit before %v after %v", before.RevokedAt, after.RevokedAt)
	}
	checkEvent(t, ev[1], "token.create", "token", tok.ID, supervisor, nil, &after)
}

func testSessions(t *testing.T, s desk.Store) {
	ctx := context.Background()
	data, found, err := s.SessionFind(ctx, "missing")
	must(t, err)
	if found || data != nil {
		t.Errorf("missing session found: %q", data)
	}
	must(t, s.SessionCommit(ctx, "tok1", []byte("one"), time.Now().Add(time.Hour)))
	must(t, s.SessionCommit(ctx, "tok2", []byte{0, 1, 2, 255}, time.Now().Add(time.Hour)))
	must(t, s.SessionCommit(ctx, "old", []byte("old"), time.Now().Add(-time.Second)))
	must(t, s.SessionCommit(ctx, "empty", nil, time.Now().Add(time.Hour)))
	if data, found, err := s.SessionFind(ctx, "empty"); err != nil || !found || len(data) != 0 {
		t.Errorf("empty session: %q %v %v", data, found, err)
	}
	data, found, err = s.SessionFind(ctx, "tok1")
	must(t, err)
	if !found || string(data) != "one" {
		t.Errorf("tok1: %q %v", data, found)
	}
	data, found, err = s.SessionFind(ctx, "tok2")
	must(t, err)
	if !found || !bytes.Equal(data, []byte{0, 1, 2, 255}) {
		t.Errorf("binary session data: %v %v", data, found)
	}
	_, found, err = s.SessionFind(ctx, "old")
	must(t, err)
	if found {
		t.Error("an expired session was found")
	}
	// Commit replaces data and expiry; a past expiry ends the session.
	must(t, s.SessionCommit(ctx, "tok1", []byte("uno"), time.Now().Add(2*time.Hour)))
	data, found, err = s.SessionFind(ctx, "tok1")
	must(t, err)
	if !found || string(data) != "uno" {
		t.Errorf("tok1 after recommit: %q %v", data, found)
	}
	must(t, s.SessionCommit(ctx, "tok2", []byte("x"), time.Now().Add(-time.Minute)))
	_, found, err = s.SessionFind(ctx, "tok2")
	must(t, err)
	if found {
		t.Error("a session committed with a past expiry was found")
	}
	must(t, s.SessionDelete(ctx, "tok1"))
	must(t, s.SessionDelete(ctx, "tok1")) // missing: not an error
	_, found, err = s.SessionFind(ctx, "tok1")
	must(t, err)
	if found {
		t.Error("a deleted session was found")
	}
	must(t, s.SessionCommit(ctx, "live", []byte("live"), time.Now().Add(time.Hour)))
	must(t, s.SessionDeleteExpired(ctx))
	_, found, err = s.SessionFind(ctx, "live")
	must(t, err)
	if !found {
		t.Error("DeleteExpired removed a live session")
	}
	// With a clock two hours ahead, "live" has expired: the sweep must
	// delete it, so it stays gone when the clock comes back.
	if c, ok := s.(interface{ SetClock(func() time.Time) }); ok {
		c.SetClock(func() time.Time { return time.Now().Add(2 * time.Hour) })
		must(t, s.SessionDeleteExpired(ctx))
		c.SetClock(time.Now)
		_, found, err = s.SessionFind(ctx, "live")
		must(t, err)
		if found {
			t.Error("DeleteExpired left an expired session in place")
		}
	}
	if n := len(allAudit(t, s)); n != 0 {
		t.Errorf("sessions wrote %d audit events", n)
	}
}

func equalJSON(a, b any) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(x, y)
}

// winners counts the calls of a race that succeeded; the others must have
// lost with a conflict, and any other error fails the test.
func winners(t *testing.T, errs []error, what string) int {
	t.Helper()
	ok := 0
	for _, err := range errs {
		switch desk.ErrorCode(err) {
		case "":
			ok++
		case desk.ECONFLICT:
		default:
			t.Fatalf("%s: %v", what, err)
		}
	}
	return ok
}
