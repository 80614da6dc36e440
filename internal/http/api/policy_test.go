package api

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"destek/internal/desk"
	"destek/internal/policy"
)

// TestPolicyVersions publishes policies through the API: a valid one takes
// effect at once and is recorded on tickets opened afterwards; a broken one
// is refused with located problems and changes nothing; earlier versions
// stay readable.
func TestPolicyVersions(t *testing.T) {
	e := newEnv(t)
	admin := e.as(desk.RoleAdmin)

	var cur desk.PolicyVersion
	e.as(desk.RoleAgent).do("GET", "/api/v1/policy", nil).want(http.StatusOK).into(&cur)
	if cur.Version != 0 || !strings.Contains(cur.Source, "atak-domain-support-interaction") {
		t.Fatalf("before any publication: version %d", cur.Version)
	}

	var v1, v2 desk.PolicyVersion
	r := admin.do("POST", "/api/v1/policy/versions", map[string]any{"source": string(policy.DefaultSource)}).want(http.StatusCreated).into(&v1)
	if v1.Version != 1 || r.header.Get("Location") != "/api/v1/policy/versions/1" || v1.PublishedBy.Kind != desk.ActorToken {
		t.Fatalf("published %+v (Location %q)", v1, r.header.Get("Location"))
	}
	tk1 := e.createTicket(desk.RoleAgent, "v1@example.com")

	changed := strings.Replace(string(policy.DefaultSource), "follow_up_window: 15m", "follow_up_window: 10m", 1)
	admin.do("POST", "/api/v1/policy/versions", map[string]any{"source": changed}).want(http.StatusCreated).into(&v2)
	tk2 := e.createTicket(desk.RoleAgent, "v2@example.com")
	if tk1.PolicyVersion != 1 || tk2.PolicyVersion != 2 {
		t.Fatalf("tickets recorded policy versions %d and %d, want 1 and 2", tk1.PolicyVersion, tk2.PolicyVersion)
	}
	e.as(desk.RoleAgent).do("GET", "/api/v1/policy", nil).want(http.StatusOK).into(&cur)
	if cur.Version != 2 || !strings.Contains(cur.Source, "follow_up_window: 10m") {
		t.Fatalf("in force after the second publication: %d", cur.Version)
	}

	// A broken policy: every problem, located; nothing stored.
	broken := strings.Replace(changed, "max_attempts: 5", "max_attempts: five", 1)
	broken = strings.Replace(broken, "company: Atak Domain", "company: Atak Domain\ncolour: blue", 1)
	d := admin.do("POST", "/api/v1/policy/versions", map[string]any{"source": broken}).wantError(http.StatusBadRequest, desk.EINVALID, "source")
	if n := len(regexp.MustCompile(`(?m)^source:\d+:\d+: `).FindAllString(d.Message, -1)); n != 2 {
		t.Errorf("want 2 located problems in the message, got %d: %s", n, d.Message)
	}
	admin.do("POST", "/api/v1/policy/versions", map[string]any{"source": "  "}).wantError(http.StatusBadRequest, desk.EINVALID, "source")
	admin.do("POST", "/api/v1/policy/versions", map[string]any{"yaml": "x"}).wantError(http.StatusBadRequest, desk.EINVALID, "")

	var vs listResponse[desk.PolicyVersion]
	e.as(desk.RoleAgent).do("GET", "/api/v1/policy/versions", nil).want(http.StatusOK).into(&vs)
	if len(vs.Items) != 2 || vs.Items[0].Version != 2 || vs.Items[0].Source != "" {
		t.Fatalf("versions = %+v", vs.Items)
	}
	var old desk.PolicyVersion
	e.as(desk.RoleAgent).do("GET", "/api/v1/policy/versions/1", nil).want(http.StatusOK).into(&old)
	if old.Source != string(policy.DefaultSource) || old.SHA256 != v1.SHA256 {
		t.Fatal("version 1 is not readable as published")
	}
	e.as(desk.RoleAgent).do("GET", "/api/v1/policy/versions/3", nil).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
	e.as(desk.RoleAgent).do("GET", "/api/v1/policy/versions/abc", nil).wantError(http.StatusBadRequest, desk.EINVALID, "")
	e.as(desk.RoleAgent).do("GET", "/api/v1/policy/versions/99999999999", nil).wantError(http.StatusNotFound, desk.ENOTFOUND, "")
}
