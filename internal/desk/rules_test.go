package desk

import "testing"

func TestCheckTransition(t *testing.T) {
	all := []TicketStatus{StatusNew, StatusOpen, StatusPendingCustomer, StatusPendingInternal, StatusResolved, StatusClosed}
	for _, from := range all {
		for _, to := range all {
			err := CheckTransition(from, to)
			allowed := from == to || (to != StatusNew && (from != StatusClosed || to == StatusOpen))
			if (err == nil) != allowed {
				t.Errorf("%s → %s: err %v, want allowed=%v", from, to, err, allowed)
			}
			if err != nil && ErrorCode(err) != ECONFLICT {
				t.Errorf("%s → %s: code %s, want conflict", from, to, ErrorCode(err))
			}
		}
	}
	if err := CheckTransition(StatusOpen, "done"); ErrorCode(err) != EINVALID || ErrorField(err) != "status" {
		t.Errorf("unknown status: %v", err)
	}
}

func TestStatusAfterMessage(t *testing.T) {
	cases := []struct {
		from   TicketStatus
		dir    Direction
		reopen bool
		want   TicketStatus
		code   string
	}{
		{StatusNew, Outbound, false, StatusPendingCustomer, ""},
		{StatusOpen, Inbound, false, StatusOpen, ""},
		{StatusPendingCustomer, Inbound, false, StatusOpen, ""},
		{StatusResolved, Outbound, false, StatusResolved, ""},
		{StatusResolved, Outbound, true, StatusPendingCustomer, ""},
		{StatusResolved, Inbound, false, StatusOpen, ""},
		{StatusClosed, Outbound, false, StatusClosed, ECONFLICT},
		{StatusClosed, Inbound, false, StatusClosed, ECONFLICT},
		{StatusClosed, Outbound, true, StatusPendingCustomer, ""},
		{StatusClosed, Note, false, StatusClosed, ""},
		{StatusPendingInternal, Note, false, StatusPendingInternal, ""},
	}
	for _, c := range cases {
		got, err := StatusAfterMessage(c.from, c.dir, c.reopen)
		if ErrorCode(err) != c.code || (err == nil && got != c.want) {
			t.Errorf("%s + %s (reopen %v) = %s, %v; want %s, %q", c.from, c.dir, c.reopen, got, err, c.want, c.code)
		}
	}
}

func TestNormaliseAddress(t *testing.T) {
	good := []struct {
		ch       Channel
		in, want string
	}{
		{ChannelEmail, " Ayse@Example.COM ", "ayse@example.com"},
		{ChannelTicket, "x@y.tr", "x@y.tr"},
		{ChannelPhone, "+90 (262) 325-92-22", "+902623259222"},
		{ChannelPhone, "0262 325 92 22", "02623259222"},
		{ChannelSocial, "@AtakDomain", "atakdomain"},
		{ChannelChat, "visitor-8f3a", "visitor-8f3a"},
	}
	for _, g := range good {
		if got, err := NormaliseAddress(g.ch, g.in); err != nil || got != g.want {
			t.Errorf("%s %q → %q, %v; want %q", g.ch, g.in, got, err, g.want)
		}
	}
	bad := []struct {
		ch Channel
		in string
	}{
		{ChannelEmail, ""}, {ChannelEmail, "not-an-address"}, {ChannelEmail, "Ayşe <a@b.c>"},
		{ChannelPhone, "call me"}, {ChannelPhone, "12"}, {ChannelPhone, "+90 262 325 92 22 ext 5"},
		{ChannelChat, "two words"}, {"fax", "123"}, {ChannelEmail, "\xff@x.y"},
	}
	for _, b := range bad {
		if _, err := NormaliseAddress(b.ch, b.in); ErrorCode(err) != EINVALID {
			t.Errorf("%s %q accepted (%v)", b.ch, b.in, err)
		}
	}
}

func TestNormaliseTags(t *testing.T) {
	got, err := NormaliseTags([]string{" Fatura", "fatura", "", "İADE", "iade", "IADE"})
	if err != nil || len(got) != 2 || got[0] != "fatura" || got[1] != "iade" {
		t.Errorf("tags = %v, %v", got, err)
	}
	if _, err := NormaliseTags([]string{"a,b"}); ErrorField(err) != "tags" {
		t.Errorf("comma in a tag: %v", err)
	}
}

func TestRoles(t *testing.T) {
	if !RoleAdmin.AtLeast(RoleSupervisor) || RoleAgent.AtLeast(RoleSupervisor) || AgentRole("king").AtLeast(RoleAgent) {
		t.Error("role order is wrong")
	}
}

func TestErrorHelpers(t *testing.T) {
	e := FieldErrorf("subject", "too long")
	if ErrorCode(e) != EINVALID || ErrorField(e) != "subject" || ErrorMessage(e) != "too long" {
		t.Errorf("%v", e)
	}
	if ErrorCode(nil) != "" || ErrorMessage(errPlain{}) != "internal error" || ErrorCode(errPlain{}) != EINTERNAL {
		t.Error("non-desk errors must read as internal")
	}
}

type errPlain struct{}

func (errPlain) Error() string { return "disk on fire at /var/secret" }
