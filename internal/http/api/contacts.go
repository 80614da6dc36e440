package api

import (
	"fmt"
	"net/http"

	"destek/internal/desk"
	"destek/internal/http/decode"
	"destek/internal/http/respond"
)

type createContactRequest struct {
	Channel   desk.Channel `json:"channel"`
	Address   string       `json:"address"`
	Name      string       `json:"name"`
	AccountID *int64       `json:"account_id"`
}

// createContact records a customer identity on a channel.
func (s *server) createContact(w http.ResponseWriter, r *http.Request) error {
	var in createContactRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	if !in.Channel.Valid() {
		return enumError("channel", in.Channel, channels)
	}
	c := &desk.Contact{Channel: in.Channel}
	var err error
	if c.Address, err = desk.NormaliseAddress(in.Channel, in.Address); err != nil {
		return err
	}
	if c.Name, err = cleanLine("name", in.Name, maxNameLen, false); err != nil {
		return err
	}
	if in.AccountID != nil {
		if _, err := s.refAccount(r.Context(), "account_id", *in.AccountID); err != nil {
			return err
		}
		c.AccountID = in.AccountID
	}
	if err := s.store.CreateContact(r.Context(), c); err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/contacts/%d", c.ID))
	respond.JSON(w, http.StatusCreated, c)
	return nil
}

// listContacts lists contacts one page at a time.
func (s *server) listContacts(w http.ResponseWriter, r *http.Request) error {
	q, err := decode.Query(r, []string{"channel", "account_id", "q", "limit", "cursor"})
	if err != nil {
		return err
	}
	f := desk.ContactFilter{Channel: desk.Channel(q.Get("channel")), Query: q.Get("q"), Cursor: q.Get("cursor")}
	if f.Channel != "" && !f.Channel.Valid() {
		return enumError("channel", f.Channel, channels)
	}
	if f.AccountID, err = decode.Int64(q, "account_id"); err != nil {
		return err
	}
	if f.Limit, err = decode.Limit(q); err != nil {
		return err
	}
	cs, next, err := s.store.ListContacts(r.Context(), f)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, page(cs, next))
	return nil
}

type updateContactRequest struct {
	Name      decode.Optional[string] `json:"name"`
	AccountID decode.Optional[int64]  `json:"account_id"`
}

// updateContact renames a contact or links it to an account (null unlinks).
func (s *server) updateContact(w http.ResponseWriter, r *http.Request) error {
	id, err := decode.PathID(r, "id")
	if err != nil {
		return err
	}
	var in updateContactRequest
	if err := decode.JSON(w, r, &in); err != nil {
		return err
	}
	var u desk.ContactUpdate
	if v, err := notNull("name", in.Name); err != nil {
		return err
	} else if v != nil {
		name, err := cleanLine("name", *v, maxNameLen, false)
		if err != nil {
			return err
		}
		u.Name = &name
	}
	if in.AccountID.Set {
		if a := in.AccountID.Value; a != nil {
			if _, err := s.refAccount(r.Context(), "account_id", *a); err != nil {
				return err
			}
		}
		u.AccountID = in.AccountID.Ptr()
	}
	if u.Name == nil && u.AccountID == nil {
		return &desk.Error{Code: desk.EINVALID, Message: "nothing to change: send name or account_id"}
	}
	c, err := s.store.UpdateContact(r.Context(), id, u)
	if err != nil {
		return err
	}
	respond.JSON(w, http.StatusOK, c)
	return nil
}
