package api

import (
	"fmt"
	"net/http"

	"destek/internal/desk"
	"destek/internal/http/decode"
	"destek/internal/http/respond"
)

const (
	accountKinds    = "individual, corporate, reseller"
	accountStatuses = "active, suspended, closed"
	accountRoles    = "owner, admin, technical, billing"
)

type createAccountRequest struct {
	Name     string           `json:"name"`
	Kind     desk.AccountKind `json:"kind"`
	Email    string           `json:"email"`
	Phone    string           `json:"phone"`
	ParentID *int64           `json:"parent_id"`
}

// createAccount records a customer account.
func (s *server) createAccount(w http.ResponseWriter, r *http.Request) error {
	var in createAccountRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	a := &desk.Account{Kind: in.Kind, Status: desk.AccountActive}
	var err error
	if a.Name, err = cleanLine("name", in.Name, maxNameLen, true); err != nil {
		return err
	}
	if !in.Kind.Valid() {
		return enumError("kind", in.Kind, accountKinds)
	}
	if a.Email, err = cleanEmail("email", in.Email, false); err != nil {
		return err
	}
	if a.Phone, err = cleanPhone("phone", in.Phone); err != nil {
		return err
	}
	if in.ParentID != nil {
		if err := s.checkParent(r, 0, *in.ParentID); err != nil {
			return err
		}
		a.ParentID = in.ParentID
	}
	if err := s.store.CreateAccount(r.Context(), a); err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/accounts/%d", a.ID))
	respond.JSON(w, http.StatusCreated, a)
	return nil
}

// checkParent checks that a sub-account's parent exists and is a reseller.
func (s *server) checkParent(r *http.Request, self, parent int64) error {
	if parent == self {
		return desk.FieldErrorf("parent_id", "an account cannot be its own parent")
	}
	p, err := s.refAccount(r.Context(), "parent_id", parent)
	if err != nil {
		return err
	}
	if p.Kind != desk.AccountReseller {
		return desk.FieldErrorf("parent_id", "account %d is not a reseller; only resellers have sub-accounts", parent)
	}
	return nil
}

// listAccounts lists accounts one page at a time.
func (s *server) listAccounts(w http.ResponseWriter, r *http.Request) error {
	q, err := decode.Query(r, []string{"status", "kind", "q", "limit", "cursor"})
	if err != nil {
		return err
	}
	f := desk.AccountFilter{Status: desk.AccountStatus(q.Get("status")), Kind: desk.AccountKind(q.Get("kind")), Query: q.Get("q"), Cursor: q.Get("cursor")}
	if f.Status != "" && !f.Status.Valid() {
		return enumError("status", f.Status, accountStatuses)
	}
	if f.Kind != "" && !f.Kind.Valid() {
		return enumError("kind", f.Kind, accountKinds)
	}
	if f.Limit, err = decode.Limit(q); err != nil {
		return err
	}
	as, next, err := s.store.ListAccounts(r.Context(), f)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, page(as, next))
	return nil
}

type updateAccountRequest struct {
	Name     decode.Optional[string]             `json:"name"`
	Kind     decode.Optional[desk.AccountKind]   `json:"kind"`
	Status   decode.Optional[desk.AccountStatus] `json:"status"`
	Email    decode.Optional[string]             `json:"email"`
	Phone    decode.Optional[string]             `json:"phone"`
	ParentID decode.Optional[int64]              `json:"parent_id"`
}

// updateAccount changes an account. Changing its status (suspending,
// closing, reactivating) is the article 7.3 sanction and is for supervisors
// and admins only.
func (s *server) updateAccount(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	var in updateAccountRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	var u desk.AccountUpdate
	changed := false
	if v, err := notNull("name", in.Name); err != nil {
		return err
	} else if v != nil {
		name, err := cleanLine("name", *v, maxNameLen, true)
		if err != nil {
			return err
		}
		u.Name, changed = &name, true
	}
	if v, err := notNull("kind", in.Kind); err != nil {
		return err
	} else if v != nil {
		if !v.Valid() {
			return enumError("kind", *v, accountKinds)
		}
		u.Kind, changed = v, true
	}
	if v, err := notNull("status", in.Status); err != nil {
		return err
	} else if v != nil {
		if !v.Valid() {
			return enumError("status", *v, accountStatuses)
		}
		if err := requireRole(r.Context(), desk.RoleSupervisor, "changing an account's status"); err != nil {
			return err
		}
		u.Status, changed = v, true
	}
	if v, err := notNull("email", in.Email); err != nil {
		return err
	} else if v != nil {
		e, err := cleanEmail("email", *v, false)
		if err != nil {
			return err
		}
		u.Email, changed = &e, true
	}
	if v, err := notNull("phone", in.Phone); err != nil {
		return err
	} else if v != nil {
		p, err := cleanPhone("phone", *v)
		if err != nil {
			return err
		}
		u.Phone, changed = &p, true
	}
	if in.ParentID.Set {
		if p := in.ParentID.Value; p != nil {
			if err := s.checkParent(r, id, *p); err != nil {
				return err
			}
		}
		u.ParentID, changed = in.ParentID.Ptr(), true
	}
	if !changed {
		return &desk.Error{Code: desk.EINVALID, Message: "nothing to change: send at least one of name, kind, status, email, phone, parent_id"}
	}
	a, err := s.store.UpdateAccount(r.Context(), id, u)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, a)
	return nil
}

type authorisedContactRequest struct {
	Name  string           `json:"name"`
	Email string           `json:"email"`
	Phone string           `json:"phone"`
	Role  desk.AccountRole `json:"role"`
}

// listAuthorisedContacts lists the people who may act for an account.
func (s *server) listAuthorisedContacts(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if _, err := s.store.Account(ctx, id); err != nil {
		return err
	}
	cs, err := s.store.AuthorisedContacts(ctx, id)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, list(cs))
	return nil
}

// addAuthorisedContact adds a person who may act for an account. Who is on
// this list decides who can pass identity verification for critical
// operations (article 4.2), so changing it is for supervisors and admins.
func (s *server) addAuthorisedContact(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	var in authorisedContactRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	c := &desk.AuthorisedContact{AccountID: id, Role: in.Role}
	if c.Name, err = cleanLine("name", in.Name, maxNameLen, true); err != nil {
		return err
	}
	if c.Email, err = cleanEmail("email", in.Email, false); err != nil {
		return err
	}
	if c.Phone, err = cleanPhone("phone", in.Phone); err != nil {
		return err
	}
	if c.Email == "" && c.Phone == "" {
		return desk.FieldErrorf("email", "give an e-mail address or a phone number: verification codes are sent there")
	}
	if !in.Role.Valid() {
		return enumError("role", in.Role, accountRoles)
	}
	ctx := r.Context()
	if _, err := s.store.Account(ctx, id); err != nil {
		return err
	}
	if err := s.store.AddAuthorisedContact(ctx, c); err != nil {
		return err
	}
	respond.JSON(w, http.StatusCreated, c)
	return nil
}

// removeAuthorisedContact takes a person off an account's list.
func (s *server) removeAuthorisedContact(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := decode.PathID(r, "contact_id")
	if err != nil {
		return err
	}
	if err := s.store.RemoveAuthorisedContact(r.Context(), id, cid); err != nil {
		return err
	}
	respond.NoContent(w)
	return nil
}
