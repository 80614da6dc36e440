package api

import (
	"fmt"
	"net/http"
	"testing"

	"destek/internal/desk"
)

func TestAccounts(t *testing.T) {
	e := newEnv(t)
	agent, sup := e.as(desk.RoleAgent), e.as(desk.RoleSupervisor)

	var reseller, sub desk.Account
	r := agent.do("POST", "/api/v1/accounts", map[string]any{"name": "Bayi A.Ş.", "kind": "reseller", "email": "Bayi@Example.com", "phone": "+90 (212) 555-0101"}).want(http.StatusCreated).into(&reseller)
	if reseller.Status != desk.AccountActive || reseller.Email != "bayi@example.com" || reseller.Phone != "+902125550101" || r.header.Get("Location") != urlf("/api/v1/accounts/%d", reseller.ID) {
		t.Fatalf("account = %+v", reseller)
	}
	agent.do("POST", "/api/v1/accounts", map[string]any{"name": "Alt müşteri", "kind": "individual", "parent_id": reseller.ID}).want(http.StatusCreated).into(&sub)
	if sub.ParentID == nil || *sub.ParentID != reseller.ID {
		t.Fatalf("sub-account = %+v", sub)
	}
	var got desk.Account
	agent.do("GET", urlf("/api/v1/accounts/%d", sub.ID), nil).want(http.StatusOK).into(&got)
	if got.Name != "Alt müşteri" {
		t.Fatalf("GET = %+v", got)
	}

	var l listResponse[desk.Account]
	agent.do("GET", "/api/v1/accounts?kind=reseller", nil).want(http.StatusOK).into(&l)
	if len(l.Items) != 1 || l.Items[0].ID != reseller.ID {
		t.Fatalf("resellers = %+v", l.Items)
	}
	agent.do("GET", "/api/v1/accounts?q=bayi", nil).want(http.StatusOK).into(&l)
	if len(l.Items) != 1 {
		t.Fatalf("q=bayi = %+v", l.Items)
	}

	agent.do("PATCH", urlf("/api/v1/accounts/%d", sub.ID), map[string]any{"name": "Alt Müşteri Ltd", "kind": "corporate", "parent_id": nil}).want(http.StatusOK).into(&got)
	if got.Name != "Alt Müşteri Ltd" || got.Kind != desk.AccountCorporate || got.ParentID != nil {
		t.Fatalf("patched = %+v", got)
	}
	// Suspension is the level-3 sanction: supervisors only.
	agent.do("PATCH", urlf("/api/v1/accounts/%d", sub.ID), map[string]any{"status": "suspended"}).wantError(http.StatusForbidden, desk.EFORBIDDEN, "")
	agent.do("PATCH", urlf("/api/v1/accounts/%d", sub.ID), map[string]any{"name": "Sneaky", "status": "closed"}).wantError(http.StatusForbidden, desk.EFORBIDDEN, "")
	if a := e.mustAccount(sub.ID); a.Status != desk.AccountActive || a.Name != "Alt Müşteri Ltd" {
		t.Fatalf("a refused change went through: %+v", a)
	}
	sup.do("PATCH", urlf("/api/v1/accounts/%d", sub.ID), map[string]any{"status": "suspended"}).want(http.StatusOK).into(&got)
	if got.Status != desk.AccountSuspended {
		t.Fatalf("status = %s", got.Status)
	}

	before := e.auditCount()
	for body, field := range map[string]string{
		`{"name": "x"}`:                                                            "kind",
		`{"kind": "corporate"}`:                                                    "name",
		`{"name": "x", "kind": "company"}`:                                         "kind",
		`{"name": "x", "kind": "corporate", "email": 1}`:                           "email",
		`{"name": "x", "kind": "corporate", "email": "Ayşe <a@b.co>"}`:             "email",
		`{"name": "x", "kind": "corporate", "phone": "call me"}`:                   "phone",
		`{"name": "x", "kind": "corporate", "parent_id": 99999}`:                   "parent_id",
		fmt.Sprintf(`{"name": "x", "kind": "corporate", "parent_id": %d}`, sub.ID): "parent_id",
		`{"name": "x", "kind": "corporate", "status": "closed"}`:                   "status",
	} {
		agent.do("POST", "/api/v1/accounts", body).wantError(http.StatusBadRequest, desk.EINVALID, field)
	}
	for body, field := range map[string]string{
		`{}`:                 "",
		`{"name": null}`:     "name",
		`{"status": "gone"}`: "status",
		`{"parent_id": "x"}`: "parent_id",
		`{"email": "nope"}`:  "email",
		`{"unknown": "нет"}`: "unknown",
	} {
		sup.do("PATCH", urlf("/api/v1/accounts/%d", sub.ID), body).wantError(http.StatusBadRequest, desk.EINVALID, field)
	}
	sup.do("PATCH", urlf("/api/v1/accounts/%d", reseller.ID), fmt.Sprintf(`{"parent_id": %d}`, reseller.ID)).wantError(http.StatusBadRequest, desk.EINVALID, "parent_id")
	if e.auditCount() != before {
		t.Fatal("refused account requests wrote audit events")
	}
	agent.do("GET", "/api/v1/accounts?status=frozen", nil).wantError(http.StatusBadRequest, desk.EINVALID, "status")
	agent.do("GET", "/api/v1/accounts/99999", nil).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
	sup.do("PATCH", "/api/v1/accounts/99999", `{"name": "x"}`).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
}

func (e *env) mustAccount(id int64) *desk.Account {
	e.t.Helper()
	a, err := e.store.Account(t0(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

func TestAuthorisedContacts(t *testing.T) {
	e := newEnv(t)
	agent, sup := e.as(desk.RoleAgent), e.as(desk.RoleSupervisor)
	var acct desk.Account
	agent.do("POST", "/api/v1/accounts", map[string]any{"name": "Atak Ltd", "kind": "corporate"}).want(http.StatusCreated).into(&acct)
	url := urlf("/api/v1/accounts/%d/authorised-contacts", acct.ID)

	// Who may be verified for critical operations is a supervisor's call.
	agent.do("POST", url, map[string]any{"name": "Mehmet", "email": "m@atak.example", "role": "owner"}).wantError(http.StatusForbidden, desk.EFORBIDDEN, "")
	var ac desk.AuthorisedContact
	sup.do("POST", url, map[string]any{"name": "Mehmet", "email": "M@Atak.example", "role": "owner"}).want(http.StatusCreated).into(&ac)
	if ac.ID == 0 || ac.AccountID != acct.ID || ac.Email != "m@atak.example" || ac.Role != desk.AccountOwner {
		t.Fatalf("authorised contact = %+v", ac)
	}
	var l listResponse[desk.AuthorisedContact]
	agent.do("GET", url, nil).want(http.StatusOK).into(&l)
	if len(l.Items) != 1 || l.Items[0].ID != ac.ID {
		t.Fatalf("list = %+v", l.Items)
	}
	for body, field := range map[string]string{
		`{"email": "a@b.co", "role": "owner"}`:               "name",
		`{"name": "x", "role": "owner"}`:                     "email",
		`{"name": "x", "email": "a@b.co"}`:                   "role",
		`{"name": "x", "email": "a@b.co", "role": "boss"}`:   "role",
		`{"name": "x", "phone": "12", "role": "technical"}`:  "phone",
		`{"name": "x", "email": "a@b.co", "role": "owner",}`: "",
	} {
		sup.do("POST", url, body).wantError(http.StatusBadRequest, desk.EINVALID, field)
	}
	sup.do("POST", "/api/v1/accounts/99999/authorised-contacts", map[string]any{"name": "x", "email": "a@b.co", "role": "owner"}).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
	agent.do("GET", "/api/v1/accounts/99999/authorised-contacts", nil).wantError(http.StatusNotFound, desk.ENOTFOUND, "")

	agent.do("DELETE", urlf("%s/%d", url, ac.ID), nil).wantError(http.StatusForbidden, desk.EFORBIDDEN, "")
	sup.do("DELETE", urlf("%s/x", url), nil).wantError(http.StatusBadRequest, desk.EINVALID, "contact_id")
	sup.do("DELETE", urlf("%s/%d", url, ac.ID), nil).want(http.StatusNoContent)
	sup.do("DELETE", urlf("%s/%d", url, ac.ID), nil).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
	agent.do("GET", url, nil).want(http.StatusOK).into(&l)
	if len(l.Items) != 0 {
		t.Fatalf("after removal = %+v", l.Items)
	}
}

func TestContacts(t *testing.T) {
	e := newEnv(t)
	c := e.as(desk.RoleAgent)
	var acct desk.Account
	c.do("POST", "/api/v1/accounts", map[string]any{"name": "Atak Ltd", "kind": "corporate"}).want(http.StatusCreated).into(&acct)

	var ct desk.Contact
	c.do("POST", "/api/v1/contacts", map[string]any{"channel": "phone", "address": "0 (532) 555 01 02", "name": "Ali"}).want(http.StatusCreated).into(&ct)
	if ct.Address != "05325550102" || ct.AccountID != nil {
		t.Fatalf("contact = %+v", ct)
	}
	c.do("POST", "/api/v1/contacts", map[string]any{"channel": "phone", "address": "0532 555 0102"}).wantError(http.StatusConflict, desk.ECONFLICT, "")
	var linked desk.Contact
	c.do("PATCH", urlf("/api/v1/contacts/%d", ct.ID), map[string]any{"account_id": acct.ID}).want(http.StatusOK).into(&linked)
	if linked.AccountID == nil || *linked.AccountID != acct.ID || linked.Name != "Ali" {
		t.Fatalf("linked = %+v", linked)
	}
	var l listResponse[desk.Contact]
	c.do("GET", urlf("/api/v1/contacts?account_id=%d", acct.ID), nil).want(http.StatusOK).into(&l)
	if len(l.Items) != 1 || l.Items[0].ID != ct.ID || l.NextCursor == nil {
		t.Fatalf("list = %+v", l)
	}
	c.do("PATCH", urlf("/api/v1/contacts/%d", ct.ID), `{"account_id": null, "name": "Ali Veli"}`).want(http.StatusOK).into(&linked)
	if linked.AccountID != nil || linked.Name != "Ali Veli" {
		t.Fatalf("unlinked = %+v", linked)
	}
	var got desk.Contact
	c.do("GET", urlf("/api/v1/contacts/%d", ct.ID), nil).want(http.StatusOK).into(&got)
	if got.Name != "Ali Veli" {
		t.Fatalf("GET = %+v", got)
	}

	for body, field := range map[string]string{
		`{"address": "a@b.co"}`:                                         "channel",
		`{"channel": "email"}`:                                          "address",
		`{"channel": "email", "address": "nope"}`:                       "address",
		`{"channel": "chat", "address": "has space"}`:                   "address",
		`{"channel": "email", "address": "x@y.co", "account_id": 9999}`: "account_id",
	} {
		c.do("POST", "/api/v1/contacts", body).wantError(http.StatusBadRequest, desk.EINVALID, field)
	}
	c.do("PATCH", urlf("/api/v1/contacts/%d", ct.ID), `{}`).wantError(http.StatusBadRequest, desk.EINVALID, "")
	c.do("PATCH", urlf("/api/v1/contacts/%d", ct.ID), `{"account_id": 9999}`).wantError(http.StatusBadRequest, desk.EINVALID, "account_id")
	c.do("PATCH", urlf("/api/v1/contacts/%d", ct.ID), `{"address": "x"}`).wantError(http.StatusBadRequest, desk.EINVALID, "address")
	c.do("GET", "/api/v1/contacts?channel=fax", nil).wantError(http.StatusBadRequest, desk.EINVALID, "channel")
	c.do("GET", "/api/v1/contacts/9999", nil).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
}
