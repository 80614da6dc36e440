package api

import (
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"destek/internal/desk"
	"destek/internal/policy"
)

func TestChannelsStatus(t *testing.T) {
	istanbul, err := time.LoadLocation("Europe/Istanbul")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, istanbul)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var now atomic.Pointer[time.Time]
	e := newEnv(t, func(c *Config) {
		c.Now = func() time.Time { return *now.Load() }
	})
	status := func(when time.Time) (channelsStatusResponse, map[string]channelStatus, *resp) {
		t.Helper()
		now.Store(&when)
		var out channelsStatusResponse
		r := e.anon().do("GET", "/api/v1/channels/status", nil).want(http.StatusOK).into(&out)
		byName := map[string]channelStatus{}
		for _, c := range out.Channels {
			byName[c.Channel] = c
		}
		return out, byName, r
	}
	// wantOpen checks one channel: open until a time, closed until a time
	// ("" for neither), or open with no end.
	wantOpen := func(chs map[string]channelStatus, name string, open bool, until, opens string) {
		t.Helper()
		c, ok := chs[name]
		if !ok {
			t.Fatalf("no %s channel", name)
		}
		if c.Open != open {
			t.Errorf("%s: open = %v, want %v", name, c.Open, open)
		}
		check := func(field string, got *time.Time, want string) {
			switch {
			case want == "" && got != nil:
				t.Errorf("%s: %s = %s, want null", name, field, got)
			case want != "" && (got == nil || !got.Equal(at(want))):
				t.Errorf("%s: %s = %v, want %s", name, field, got, want)
			}
		}
		check("open_until", c.OpenUntil, until)
		check("opens_at", c.OpensAt, opens)
	}

	t.Run("weekday morning", func(t *testing.T) {
		out, chs, r := status(at("2026-11-23 10:00")) // a Monday
		if out.PolicyVersion != 0 || out.PolicyURL != policy.Default().URL || out.TimeZone != "Europe/Istanbul" {
			t.Errorf("policy %d %q %q, want the built-in one", out.PolicyVersion, out.PolicyURL, out.TimeZone)
		}
		if !out.Now.Equal(at("2026-11-23 10:00")) || !strings.Contains(string(r.body), `"now":"2026-11-23T10:00:00+03:00"`) {
			t.Errorf("now = %s, want the injected clock in Istanbul time: %s", out.Now, r.body)
		}
		if len(out.Channels) != 7 {
			t.Errorf("%d channels, want 7", len(out.Channels))
		}
		wantOpen(chs, "chat", true, "2026-11-23 18:00", "")
		wantOpen(chs, "phone", true, "2026-11-23 18:00", "")
		wantOpen(chs, "social", true, "2026-11-23 18:00", "")
		for _, name := range []string{"ticket", "email", "abuse", "legal"} {
			wantOpen(chs, name, true, "", "")
		}
		if got := chs["email"].Addresses; len(got) != 2 || got[0] != "support@atakdomain.com" {
			t.Errorf("email addresses %v", got)
		}
		if got := chs["phone"].Addresses; len(got) != 1 || got[0] != "+90 262 325 92 22" {
			t.Errorf("phone addresses %v", got)
		}
		if !chs["ticket"].Preferred || chs["chat"].Hours != "business" || chs["ticket"].Hours != "always" {
			t.Errorf("ticket/chat attributes: %+v %+v", chs["ticket"], chs["chat"])
		}
		// The widget calls it from the company's site.
		if got := r.header.Get("Access-Control-Allow-Origin"); got != "*" {
			t.Errorf("Access-Control-Allow-Origin = %q", got)
		}
		if !strings.Contains(string(r.body), `"addresses":[]`) || !strings.Contains(string(r.body), `"opens_at":null`) {
			t.Errorf("want empty lists and nulls written out: %s", r.body)
		}
	})

	t.Run("Saturday", func(t *testing.T) {
		_, chs, _ := status(at("2026-11-21 11:00"))
		wantOpen(chs, "chat", false, "", "2026-11-23 09:00")
		wantOpen(chs, "phone", false, "", "2026-11-23 09:00")
		wantOpen(chs, "email", true, "", "")
		wantOpen(chs, "ticket", true, "", "")
	})

	t.Run("at closing time", func(t *testing.T) {
		_, chs, _ := status(at("2026-11-20 18:00")) // Friday
		wantOpen(chs, "chat", false, "", "2026-11-23 09:00")
	})

	t.Run("Republic Day eve, morning", func(t *testing.T) {
		_, chs, _ := status(at("2026-10-28 10:00"))
		wantOpen(chs, "chat", true, "2026-10-28 13:00", "")
	})

	t.Run("Republic Day eve, afternoon", func(t *testing.T) {
		_, chs, _ := status(at("2026-10-28 14:00"))
		wantOpen(chs, "chat", false, "", "2026-10-30 09:00")
		wantOpen(chs, "ticket", true, "", "")
	})

	t.Run("Republic Day", func(t *testing.T) {
		_, chs, _ := status(at("2026-10-29 11:00"))
		wantOpen(chs, "chat", false, "", "2026-10-30 09:00")
		wantOpen(chs, "phone", false, "", "2026-10-30 09:00")
		wantOpen(chs, "legal", true, "", "")
	})

	t.Run("a newly published policy takes effect", func(t *testing.T) {
		src := strings.Replace(string(policy.DefaultSource),
			"chat: {enabled: true, hours: business, queue: support}",
			"chat: {enabled: true, hours: always, queue: support}", 1)
		src = strings.Replace(src,
			"social: {enabled: true, hours: business, queue: support}",
			"social: {enabled: false, hours: business, queue: support}", 1)
		if src == string(policy.DefaultSource) {
			t.Fatal("the built-in policy's channels changed; update this test")
		}
		e.as(desk.RoleAdmin).do("POST", "/api/v1/policy/versions", map[string]any{"source": src}).want(http.StatusCreated)
		out, chs, _ := status(at("2026-11-21 11:00"))
		if out.PolicyVersion != 1 {
			t.Errorf("policy_version = %d, want 1", out.PolicyVersion)
		}
		wantOpen(chs, "chat", true, "", "")
		wantOpen(chs, "social", false, "", "")
		if chs["social"].Enabled {
			t.Error("social still enabled")
		}
		wantOpen(chs, "phone", false, "", "2026-11-23 09:00")
	})
}
